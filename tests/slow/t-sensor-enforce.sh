#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# t-sensor-enforce.sh — protect mode and syscall learning against the running kernel.
#
# Runs the live part of tests/unit/sensor/test-enforce.c (BH_TEST_ENFORCE_LIVE=1): a sensor
# session with protect mode and learning, a cgroup v2 directory of its own (removed at the
# end), children started in it whose exec of an executable not allowed, open for writing
# under a protected directory and connect to a loopback peer not allowed are killed by the
# BPF side, while allowed ones run, DRY_RUN only marks, other cgroups are never affected and
# every decision is in an event; and the syscalls of a tracked cgroup are recorded.
# Then checks that no sensor program stays loaded and the cgroup is gone.
# Exit 0 pass, 1 fail, 77 skip (not root, no BTF, built without BPF, no cgroup2).
# Environment (set by tests/meson.build): BH_BUILD_ROOT.
set -eu

: "${BH_BUILD_ROOT:?BH_BUILD_ROOT is not set}"
prog=$BH_BUILD_ROOT/tests/sensor-test-enforce

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: the kernel has no BTF"; exit 77; }
[ -x "$prog" ] || { echo "SKIP: $prog is not built"; exit 77; }

out=$(mktemp "/tmp/bh-sensor-enforce.XXXXXX")
trap 'rm -f "$out"' EXIT
rc=0
BH_TEST_ENFORCE_LIVE=1 "$prog" >"$out" 2>&1 || rc=$?
cat "$out"
[ "$rc" = 0 ] || { echo "FAIL: $prog exited with $rc"; exit 1; }
grep -q '^not ok' "$out" && { echo "FAIL: a test failed"; exit 1; }
# every live test ran (none skipped), unless the whole machine lacks what they need
live=$(grep -c '^ok [0-9]* - live_' "$out" || true)
skipped=$(grep -c '^ok [0-9]* - live_.*# SKIP' "$out" || true)
if [ "$skipped" = "$live" ] && [ "$live" != 0 ]; then
	echo "SKIP: $(grep -m1 '^ok [0-9]* - live_.*# SKIP' "$out" | sed 's/.*# SKIP //')"
	exit 77
fi
[ "$skipped" = 0 ] || { echo "FAIL: $skipped live tests skipped"; exit 1; }

# the programs and the cgroup are gone with the test program
i=0
while bpftool prog show 2>/dev/null | grep -q ' name path_scan '; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || { echo "FAIL: protect-mode programs still loaded"; exit 1; }
	sleep 0.1
done
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	if ls -d "$d"/bh-enforce-* >/dev/null 2>&1; then
		echo "FAIL: cgroup left behind: $(ls -d "$d"/bh-enforce-*)"
		exit 1
	fi
done
echo "ok: protect mode kills, marks and spares as asked; syscalls learnt"
exit 0
