#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `make fuzz`: build every tests/fuzz/fuzz-*.c with clang + libFuzzer (+ASan/UBSan) and run
# each for SECONDS seconds on a copy of its corpus; new crashes land in build-fuzz/crashes/.
# Add a crashing input to tests/fuzz/corpus/<target>/ once fixed: fuzz-replay runs it forever.
set -eu
seconds=${1:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dslow=false >/dev/null
fi
ninja -C build-fuzz >/dev/null
mkdir -p build-fuzz/crashes build-fuzz/corpus
status=0
for src in tests/fuzz/fuzz-*.c; do
	name=$(basename "$src" .c)
	target=${name#fuzz-}
	work=build-fuzz/corpus/$target
	mkdir -p "$work"
	[ -d "tests/fuzz/corpus/$target" ] && cp -n tests/fuzz/corpus/"$target"/* "$work"/ 2>/dev/null || true
	echo "== $name (${seconds}s)"
	if ! "build-fuzz/tests/$name" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="build-fuzz/crashes/$target-" "$work" >"build-fuzz/$name.log" 2>&1; then
		echo "   CRASH: see build-fuzz/$name.log and build-fuzz/crashes/"
		status=1
	else
		tail -n 1 "build-fuzz/$name.log" | sed 's/^/   /'
	fi
done
exit $status
