#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# t-fanotify-exec.sh — protect mode's exec guard (src/cli/fanotify.[ch]) against real
# containers: runs the live part of tests/unit/runtime/test-fanotify.c with two Podman
# containers of a busybox image that also holds a dynamically linked program (/usr/bin/true
# as /usr/bin/dyntrue, with its ELF interpreter and libraries).
#
# In the protected container an allowed program, a dynamic one (its ld.so is allowed through
# the ELF interpreter) and a script run; a copy of busybox at another path fails with EPERM
# and never starts, and its denial is a queued execve event; the other container and the
# host are not affected; dry run lets it run and reports would-deny; unprotect and closing
# the group lift everything; 1,000 quick execs and 300 denials are all answered.
# Exit 0 pass, 1 fail, 77 skip (not root, podman/runc/busybox-static missing, no fanotify
# permission events). Environment (set by tests/meson.build): BH_BUILD_ROOT, BH_SOURCE_ROOT.
set -eu

: "${BH_BUILD_ROOT:?BH_BUILD_ROOT is not set}"
: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"
prog=$BH_BUILD_ROOT/tests/runtime-test-fanotify
[ -x "$prog" ] || { echo "SKIP: $prog is not built"; exit 77; }

. "$BH_SOURCE_ROOT/tests/slow/lib-containers.sh"
bh_ctr_require || exit $?
bh_ctr_setup
out=$(mktemp "/tmp/bh-fanotify.XXXXXX")
cleanup()
{
	bh_ctr_cleanup
	rm -f "$out"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# a dynamically linked program with what it needs: ldd's absolute paths
extra=/usr/bin/true:/usr/bin/dyntrue
for f in $(ldd /usr/bin/true | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
	extra="$extra $f:$f" # copied as a file, symlinks followed
done
# shellcheck disable=SC2086 # one SRC:DEST word each
img=$(bh_ctr_image_build bhtest-fanotify $extra)
bh_ctr_podman_start bhtest-fan-a --network none "$img" sleep 100000
bh_ctr_podman_start bhtest-fan-b --network none "$img" sleep 100000

BH_TEST_FANOTIFY_LIVE=1
BH_FAN_A=bhtest-fan-a
BH_FAN_A_ID=$(bh_ctr_podman_id bhtest-fan-a)
BH_FAN_A_PID=$(bh_ctr_podman_pid bhtest-fan-a)
BH_FAN_B=bhtest-fan-b
BH_FAN_B_ID=$(bh_ctr_podman_id bhtest-fan-b)
BH_FAN_B_PID=$(bh_ctr_podman_pid bhtest-fan-b)
export BH_TEST_FANOTIFY_LIVE BH_FAN_A BH_FAN_A_ID BH_FAN_A_PID BH_FAN_B BH_FAN_B_ID BH_FAN_B_PID

rc=0
timeout -s KILL 1200 "$prog" >"$out" 2>&1 || rc=$?
cat "$out"
[ "$rc" = 0 ] || { echo "FAIL: $prog exited with $rc"; exit 1; }
grep -q '^not ok' "$out" && { echo "FAIL: a test failed"; exit 1; }
live=$(grep -c '^ok [0-9]* - live_' "$out" || true)
skipped=$(grep -c '^ok [0-9]* - live_.*# SKIP' "$out" || true)
if [ "$skipped" = "$live" ] && [ "$live" != 0 ]; then
	echo "SKIP: $(grep -m1 '^ok [0-9]* - live_.*# SKIP' "$out" | sed 's/.*# SKIP //')"
	exit 77
fi
[ "$skipped" = 0 ] || { echo "FAIL: $skipped live tests skipped"; exit 1; }

# with the group closed (the program exited), nothing is blocked
r=$(podman exec bhtest-fan-a sh -c 'mkdir -p /tmp/after && cp /bin/busybox /tmp/after/busybox &&
	/tmp/after/busybox echo after-ok')
[ "$r" = after-ok ] || { echo "FAIL: exec blocked after the guard exited: $r"; exit 1; }
echo "ok: execs denied before they start, spared and reported as asked"
exit 0
