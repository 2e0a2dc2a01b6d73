#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `make check`: gcc build + all suites, then clang build with ASan+UBSan + unit, cases,
# fuzz-replay and e2e suites. Ends with the line "N passed, N failed, N skipped".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
rc=0

setup() { # dir, extra args...
	d=$1; shift
	if [ ! -f "$d/build.ninja" ]; then
		meson setup "$d" "$@" >"$d.setup.log" 2>&1 || { cat "$d.setup.log"; return 1; }
	else
		meson setup --reconfigure "$d" "$@" >"$d.setup.log" 2>&1 || { cat "$d.setup.log"; return 1; }
	fi
	rm -f "$d.setup.log"
	ninja -C "$d" >/dev/null || { ninja -C "$d"; return 1; }
}

echo "== gcc build"
if setup build; then
	echo "== tests (gcc)"
	meson test -C build --num-processes "$jobs" --print-errorlogs || rc=1
else
	rc=1
fi

echo "== clang build with ASan+UBSan"
if CC=clang setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dslow=false; then
	echo "== tests (clang, ASan+UBSan)"
	meson test -C build-asan --num-processes "$jobs" --print-errorlogs \
		--suite unit --suite cases --suite fuzz-replay --suite e2e || rc=1
else
	rc=1
fi

python3 tools/test-summary.py build/meson-logs/testlog.json build-asan/meson-logs/testlog.json \
	| tee build/test-summary.txt
summary=$(tail -n1 build/test-summary.txt)
case "$summary" in
*" 0 failed"*) ;;
*) rc=1 ;;
esac
exit $rc
