#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Count test results from meson testlog.json files.

TAP tests count one result per TAP line (ok / not ok / # SKIP); other tests count once
(exit 0 pass, 77 skip, else fail). A build whose log is missing counts as one failure.
Prints per-suite lines and finally "N passed, N failed, N skipped".
"""
import json
import re
import sys

passed = failed = skipped = 0
failures = []
for path in sys.argv[1:]:
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError:
        failed += 1
        failures.append(f"{path}: missing (build or test run did not happen)")
        continue
    for line in lines:
        if not line.strip():
            continue
        t = json.loads(line)
        res = t.get("result", "")
        name = t.get("name", "?")
        out = t.get("stdout") or ""
        tap = [l for l in out.splitlines() if re.match(r"^(not )?ok \d+", l)]
        if tap and res != "TIMEOUT":
            for l in tap:
                if l.startswith("not ok"):
                    failed += 1
                    failures.append(f"{path}: {name}: {l}")
                elif "# SKIP" in l:
                    skipped += 1
                else:
                    passed += 1
            if res not in ("OK", "EXPECTEDFAIL", "SKIP") and not any(l.startswith("not ok") for l in tap):
                failed += 1
                failures.append(f"{path}: {name}: {res}")
        elif res in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif res == "SKIP":
            skipped += 1
        else:
            failed += 1
            failures.append(f"{path}: {name}: {res}")
for f in failures:
    print("FAILED:", f)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
