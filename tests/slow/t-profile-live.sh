#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# t-profile-live.sh — an exported seccomp profile on a real Podman container (issue 9 point 4).
#
# A busybox container (tests/slow/lib-containers.sh, --network none) runs a loop that reads a
# file, runs a child program and writes a line per second, while `bulkhead sensor run --mode
# learn` records its baseline, including the syscalls of its cgroup. The baseline is saved
# when the sensor stops; `bulkhead profile export --seccomp` turns it into a profile. Then:
#   - the same loop, started by Podman with --security-opt seccomp=PROFILE, runs: runc starts
#     it under the profile and it keeps printing its lines;
#   - a syscall outside the profile fails: busybox `chroot / true` (chroot(2), which neither the
#     loop nor runc made; the container has CAP_SYS_CHROOT) gets EPERM, "Operation not
#     permitted", while the same command succeeds in a container without the profile.
# (Not unshare(2): runc's own set-up in the container's cgroup, before the first exec, makes
# it, and the sensor learns it with the workload's syscalls.)
# Exit 0 pass, 1 fail, 77 skip (not root; no BTF; bulkhead without the sensor or BPF;
# podman, runc or busybox-static missing). Environment (set by tests/meson.build): BULKHEAD,
# BH_SOURCE_ROOT.
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"

. "$BH_SOURCE_ROOT/tests/slow/lib-sensor.sh"
. "$BH_SOURCE_ROOT/tests/slow/lib-containers.sh"
bh_sensor_require || exit $?
bh_ctr_require || exit $?

bh_ctr_setup
name=bhprof$$
cleanup()
{
	bh_sensor_cleanup
	bh_ctr_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

T=$BH_CTR_DIR
S=$T/store.db
export BULKHEAD_HOME=$T/home
mkdir -p "$BULKHEAD_HOME"
LOOP='while :; do cat /etc/app/app.conf >/dev/null; /bin/busybox true; echo tick; sleep 1; done'

die()
{
	echo "FAIL: $*"
	if [ -n "${BH_SENSOR_ERR:-}" ] && [ -f "$BH_SENSOR_ERR" ]; then
		echo "--- sensor stderr (last lines)"
		bh_sensor_print_err 15
	fi
	exit 1
}

img=$(bh_ctr_image_build bhtest-profile) || die "cannot build the image"

# --- learn --------------------------------------------------------------------------------
bh_sensor_start "$T/events.json" "$T/sensor.err" --mode learn --learn-for 3600 --store "$S" ||
	exit $?
bh_ctr_podman_start "$name" --network none "$img" sh -c "$LOOP" || die "the container did not start"
# the syscall sets of tracked containers are read every 5 seconds
sleep 12
bh_sensor_stop || die "the sensor exited with $BH_SENSOR_RC after SIGINT"
bh_ctr_podman_stop "$name"

"$BULKHEAD" baseline list --store "$S" --format json >"$T/list.json" || die "baseline list failed"
WL=$(jq -r --arg n "container:$name@" '.workloads[].workload | select(startswith($n))' \
	"$T/list.json" | head -n 1)
[ -n "$WL" ] || die "no baseline for container $name: $(jq -c . "$T/list.json")"

# --- export -------------------------------------------------------------------------------
"$BULKHEAD" profile export "$WL" --seccomp --store "$S" -o "$T/seccomp.json" 2>"$T/export.err" ||
	die "profile export failed: $(cat "$T/export.err")"
jq -e '.defaultAction == "SCMP_ACT_ERRNO" and (.syscalls[0].names | index("execve") != null)
	and (.syscalls[0].names | index("chroot") == null)' "$T/seccomp.json" >/dev/null ||
	die "unexpected profile: $(jq -c . "$T/seccomp.json")"
learnt=$("$BULKHEAD" baseline export "$WL" --store "$S" | jq '.facts.syscall | length')
[ "$learnt" -ge 5 ] || die "only $learnt syscalls learnt for $WL"

# --- the workload runs under the profile ----------------------------------------------------
run=${name}r
echo "$run" >>"$BH_CTR_DIR/podman.list"
podman run -d --runtime runc --name "$run" --network none \
	--security-opt "seccomp=$T/seccomp.json" "$img" sh -c "$LOOP" >/dev/null 2>"$T/run.err" ||
	die "podman run with the profile failed: $(cat "$T/run.err")"
sleep 4
[ "$(podman inspect -f '{{.State.Running}}' "$run")" = true ] ||
	die "the workload stopped under the profile: $(podman logs "$run" 2>&1 | tail -n 5)"
ticks=$(podman logs "$run" 2>/dev/null | grep -c '^tick$' || true)
[ "$ticks" -ge 2 ] || die "the workload printed $ticks lines under the profile: \
$(podman logs "$run" 2>&1 | tail -n 5)"
bh_ctr_podman_stop "$run"

# --- a syscall outside the profile fails ------------------------------------------------------
out=$(podman run --rm --runtime runc --network none --security-opt "seccomp=$T/seccomp.json" \
	"$img" sh -c 'cat /etc/app/app.conf >/dev/null; chroot / true; echo "rc=$?"' 2>&1) || true
# podman relays the container's stdout and stderr separately: either may come first
case $out in
*"Operation not permitted"*) ;;
*) die "chroot under the profile did not fail with EPERM: $out" ;;
esac
case $out in
*"rc=1"*) ;;
*) die "chroot under the profile did not fail: $out" ;;
esac
out=$(podman run --rm --runtime runc --network none "$img" sh -c 'chroot / true; echo "rc=$?"' \
	2>&1) || true
case $out in
*"rc=0"*) ;;
*) die "chroot without the profile failed too (the check above proves nothing): $out" ;;
esac

echo "ok: $learnt syscalls learnt for $WL; the workload runs under the exported profile," \
	"chroot(2) outside it fails with EPERM"
exit 0
