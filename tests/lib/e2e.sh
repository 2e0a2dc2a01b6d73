# SPDX-License-Identifier: Apache-2.0
# Helpers for tests/e2e/t-*.sh (sourced). Environment from meson: BULKHEAD (binary),
# BH_SOURCE_ROOT, BH_BUILD_ROOT. Exit 0 pass, 1 fail, 77 skip.
set -u
: "${BULKHEAD:?BULKHEAD must point to the bulkhead binary}"
: "${BH_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
SHARED=${BH_SHARED_TESTDATA:-$BH_SOURCE_ROOT/../shared/testdata}
T=$(mktemp -d "${TMPDIR:-/tmp}/bh-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
failures=0
checks=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

skip() {
	echo "SKIP: $*"
	exit 77
}

# expect_exit CODE CMD...: run, keep stdout in $T/out and stderr in $T/err.
expect_exit() {
	want=$1
	shift
	checks=$((checks + 1))
	"$@" >"$T/out" 2>"$T/err" </dev/null
	got=$?
	if [ "$got" != "$want" ]; then
		fail "exit $got (want $want): $*"
		sed 's/^/    stderr: /' "$T/err" | head -5 >&2
	fi
}

# expect_err_line PATTERN: stderr is exactly one line and matches the grep -E pattern.
expect_err_line() {
	checks=$((checks + 1))
	n=$(wc -l <"$T/err")
	if [ "$n" != 1 ]; then
		fail "expected one line on stderr, got $n:"
		sed 's/^/    /' "$T/err" | head -5 >&2
	elif ! grep -Eq -- "$1" "$T/err"; then
		fail "stderr does not match '$1': $(cat "$T/err")"
	fi
}

expect_out() {
	checks=$((checks + 1))
	grep -Eq -- "$1" "$T/out" || fail "stdout does not match '$1'"
}

expect_no_out() {
	checks=$((checks + 1))
	[ -s "$T/out" ] && fail "unexpected stdout: $(head -c 200 "$T/out")"
	return 0
}

finish() {
	if [ "$failures" -gt 0 ]; then
		echo "$failures of $checks checks failed"
		exit 1
	fi
	echo "all $checks checks passed"
	exit 0
}
