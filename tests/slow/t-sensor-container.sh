#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# t-sensor-container.sh — `bulkhead sensor run` sees into a real Podman container.
#
# With the sensor running, a busybox container (tests/slow/lib-containers.sh) copies its
# busybox to /tmp/dropped and runs it. Checks: the container's execve events carry the
# container id Podman gave, its name, image and runtime; /bin/busybox (lower layer) is not
# from the upper layer and /tmp/dropped is, with the container-relative exepath; the
# dropped binary's exec is attributed although it exits at once (the kernel side reports
# the cgroup, so nothing depends on /proc still being there). Events are matched by the
# container's id and the dropped name, never counted.
# Exit 0 pass, 1 fail, 77 skip (not root; no BTF; no sensor command; podman, runc or
# busybox-static missing). Environment (set by tests/meson.build): BULKHEAD,
# BH_SOURCE_ROOT.
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"

. "$BH_SOURCE_ROOT/tests/slow/lib-sensor.sh"
. "$BH_SOURCE_ROOT/tests/slow/lib-containers.sh"
bh_sensor_require || exit $?
bh_ctr_require || exit $?

bh_ctr_setup
cleanup()
{
	bh_sensor_cleanup
	bh_ctr_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

img=$(bh_ctr_image_build bhtest-sensor-exec)
out="$BH_CTR_DIR/sensor.json"
err="$BH_CTR_DIR/sensor.err"
bh_sensor_start "$out" "$err" --events exec,exit || exit $?

name=bhsensor$$
bh_ctr_podman_start "$name" "$img" sh -c 'cp /bin/busybox /tmp/dropped; /tmp/dropped true; sleep 3'
id=$(bh_ctr_podman_id "$name")
short=$(printf '%s' "$id" | cut -c1-12)
sleep 2
bh_sensor_stop || bh_sensor_fail "the sensor exited with $BH_SENSOR_RC after SIGINT"

has()
{
	bh_sensor_any "$out" ".type == \"execve\" and .container.id == \$c and $1" --arg c "$short"
}
has '.proc.exepath == "/tmp/dropped" and .proc.exe_upper_layer == true and .proc.args == ["true"]' ||
	bh_sensor_fail "no execve of /tmp/dropped from the upper layer in container $short"
has '.proc.exepath == "/bin/busybox" and .proc.exe_upper_layer == false' ||
	bh_sensor_fail "no execve of /bin/busybox (lower layer) in container $short"
has ".container.runtime == \"podman\" and .container.name == \"$name\" and
	(.container.image | test(\"bhtest-sensor-exec\"))" ||
	bh_sensor_fail "container $short lacks runtime podman, name $name or image" \
		"bhtest-sensor-exec"
bh_sensor_any "$out" '.type == "execve" and .proc.exepath == "/tmp/dropped" and
	.container.id == "host"' &&
	bh_sensor_fail "the dropped binary was attributed to the host"

if [ "$BH_SENSOR_FAILURES" != 0 ]; then
	echo "--- stderr"
	bh_sensor_print_err 20
	echo "--- execve events of container $short"
	jq -c --arg c "$short" 'select(.type == "execve" and .container.id == $c) |
		{pid: .proc.pid, exepath: .proc.exepath, upper: .proc.exe_upper_layer,
		 args: .proc.args, container: .container}' "$out" | head -n 5
	exit 1
fi
echo "ok: container $short ($name): exec attributed, upper layer told apart"
exit 0
