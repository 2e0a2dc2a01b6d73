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

if [ ! -r /sys/kernel/btf/vmlinux ]; then
	echo "SKIP: the kernel has no BTF (/sys/kernel/btf/vmlinux)"
	exit 77
fi
if ! "$BULKHEAD" help sensor >/dev/null 2>&1; then
	echo "SKIP: this bulkhead has no 'sensor' command (src/cli/main.c does not register it)"
	exit 77
fi

. "$BH_SOURCE_ROOT/tests/slow/lib-containers.sh"
rc=0
bh_ctr_require || rc=$?
[ "$rc" = 0 ] || exit "$rc"

bh_ctr_setup
spid=
cleanup()
{
	if [ -n "$spid" ]; then
		kill -TERM "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
	fi
	bh_ctr_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

img=$(bh_ctr_image_build bhtest-sensor-exec)
out="$BH_CTR_DIR/sensor.json"
err="$BH_CTR_DIR/sensor.err"
"$BULKHEAD" -v sensor run --events exec,exit >"$out" 2>"$err" &
spid=$!
i=0
while ! grep -q 'sensor attached' "$err"; do
	if ! kill -0 "$spid" 2>/dev/null || [ "$i" -gt 300 ]; then
		if grep -q 'built without BPF support' "$err"; then
			echo "SKIP: bulkhead was built without BPF support"
			exit 77
		fi
		echo "FAIL: the sensor did not attach:"
		sed 's/^/    /' "$err"
		exit 1
	fi
	i=$((i + 1))
	sleep 0.1
done

name=bhsensor$$
bh_ctr_podman_start "$name" "$img" sh -c 'cp /bin/busybox /tmp/dropped; /tmp/dropped true; sleep 3'
id=$(bh_ctr_podman_id "$name")
short=$(printf '%s' "$id" | cut -c1-12)
sleep 2
kill -INT "$spid"
wait "$spid" && rc=0 || rc=$?
spid=

failures=0
fail()
{
	echo "FAIL: $*"
	failures=$((failures + 1))
}
[ "$rc" = 0 ] || fail "the sensor exited with $rc after SIGINT"

# (jq -s and any(): jq 1.6's -e misreports select() over several inputs)
has()
{
	jq -e -s --arg c "$short" "any(.[]; .type == \"execve\" and .container.id == \$c and $1)" \
		"$out" >/dev/null
}
has '.proc.exepath == "/tmp/dropped" and .proc.exe_upper_layer == true and .proc.args == ["true"]' ||
	fail "no execve of /tmp/dropped from the upper layer in container $short"
has '.proc.exepath == "/bin/busybox" and .proc.exe_upper_layer == false' ||
	fail "no execve of /bin/busybox (lower layer) in container $short"
has ".container.runtime == \"podman\" and .container.name == \"$name\" and
	(.container.image | test(\"bhtest-sensor-exec\"))" ||
	fail "container $short lacks runtime podman, name $name or image bhtest-sensor-exec"
jq -e -s 'any(.[]; .type == "execve" and .proc.exepath == "/tmp/dropped" and
	.container.id == "host")' "$out" >/dev/null &&
	fail "the dropped binary was attributed to the host"

if [ "$failures" != 0 ]; then
	echo "--- stderr"
	grep -v libbpf "$err" | sed 's/^/    /' | tail -n 20
	echo "--- execve events of container $short"
	jq -c --arg c "$short" 'select(.type == "execve" and .container.id == $c) |
		{pid: .proc.pid, exepath: .proc.exepath, upper: .proc.exe_upper_layer,
		 args: .proc.args, container: .container}' "$out" | head -n 5
	exit 1
fi
echo "ok: container $short ($name): exec attributed, upper layer told apart"
exit 0
