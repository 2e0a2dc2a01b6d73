#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run one case directory: tests/cases/<subsys>/<case>/ holds
#   setup.sh     builds the input into $WORK (optional; sourced with WORK, BH_SOURCE_ROOT set)
#   args         the bulkhead arguments, one per line; $WORK and $CASE are substituted
#   filter.jq    projection of the JSON output to compare (optional; default: identity)
#   expected.json the expected projection (canonical: jq -S)
#   exit         expected exit code (optional; default 0)
# With BH_UPDATE_CASES=1 the expected file is rewritten from the actual output.
set -u
case_dir=$1
: "${BULKHEAD:?}"
: "${BH_SOURCE_ROOT:?}"
CASE=$(cd "$case_dir" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bh-case.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export WORK CASE BH_SOURCE_ROOT
export SOURCE_DATE_EPOCH=1700000000
if [ -f "$CASE/setup.sh" ]; then
	. "$CASE/setup.sh" || { echo "setup failed"; exit 1; }
fi
set --
while IFS= read -r line || [ -n "$line" ]; do
	[ -z "$line" ] && continue
	line=$(printf '%s' "$line" | sed "s|\$WORK|$WORK|g; s|\$CASE|$CASE|g")
	set -- "$@" "$line"
done <"$CASE/args"
"$BULKHEAD" "$@" >"$WORK/actual.raw" 2>"$WORK/stderr"
rc=$?
want_rc=0
[ -f "$CASE/exit" ] && want_rc=$(cat "$CASE/exit")
if [ "$rc" != "$want_rc" ]; then
	echo "exit $rc, expected $want_rc"
	cat "$WORK/stderr"
	exit 1
fi
filter=.
[ -f "$CASE/filter.jq" ] && filter=$(cat "$CASE/filter.jq")
jq -S "$filter" "$WORK/actual.raw" >"$WORK/actual.json" || { echo "output is not JSON"; exit 1; }
if [ "${BH_UPDATE_CASES:-0}" = 1 ]; then
	cp "$WORK/actual.json" "$CASE/expected.json"
	echo "updated $CASE/expected.json"
	exit 0
fi
if ! diff -u "$CASE/expected.json" "$WORK/actual.json"; then
	echo "case $CASE: output differs from expected.json (BH_UPDATE_CASES=1 to accept)"
	exit 1
fi
echo "case $(basename "$CASE"): ok"
