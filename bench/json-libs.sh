#!/bin/sh
# Compare JSON parsers on documents shaped like ours (package-lock.json, OSV records).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -DUSE_JANSSON -o "$tmp/jansson" "$here/json-libs.c" $(pkg-config --cflags --libs jansson)
cc -O2 -o "$tmp/json-c" "$here/json-libs.c" $(pkg-config --cflags --libs json-c)
python3 - "$tmp/big.json" <<'PY'
import json, random, sys
random.seed(1)
pk = {"": {"name": "app", "version": "1.0.0"}}
for i in range(60000):
    pk[f"node_modules/pkg{i}"] = {"version": f"{i%9}.{i%7}.{i%5}", "resolved": f"https://registry.npmjs.org/pkg{i}/-/pkg{i}-1.0.0.tgz",
        "integrity": "sha512-" + "A"*86, "dependencies": {f"pkg{random.randrange(60000)}": "^1.0.0" for _ in range(3)}}
json.dump({"name": "app", "lockfileVersion": 3, "packages": pk}, open(sys.argv[1], "w"), indent=2)
PY
"$tmp/jansson" "$tmp/big.json" 5
"$tmp/json-c" "$tmp/big.json" 5
