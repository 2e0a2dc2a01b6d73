#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# t-sensor-exec.sh — `bulkhead sensor run` against the running kernel.
#
# Starts the sensor (exec, exit and open events), waits until it says its programs are
# attached, runs a uniquely named copy of true with unique arguments from a unique
# directory, stops the sensor with SIGINT and checks: the helper's execve event is there
# with the right pid, exepath (resolved by the kernel side), argv and cwd; its procexit
# follows; an open of a unique file by the same pid has the resolved path; the sensor
# exited 0 with its counters line; and no sensor program stays loaded afterwards.
# Other processes on the machine exec all the time: events are matched by pid and names,
# never counted. Exit 0 pass, 1 fail, 77 skip (not root, no BTF, built without BPF).
# Environment (set by tests/meson.build): BULKHEAD, BH_SOURCE_ROOT (lib-sensor.sh).
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"

. "$BH_SOURCE_ROOT/tests/slow/lib-sensor.sh"
bh_sensor_require || exit $?

bh_sensor_setup sensor-exec
dir=$BH_SENSOR_DIR
trap bh_sensor_cleanup EXIT
trap 'exit 1' INT TERM

# Programs of ours loaded right now (by the names in bpf/sensor.bpf.c).
count_progs()
{
	if command -v bpftool >/dev/null 2>&1; then
		bpftool prog show 2>/dev/null |
			grep -cE ' name (exec|exit|fork|sysenter|sysexit)_(btf|raw|tp) ' || true
	else
		echo 0
	fi
}
before=$(count_progs)

uniq=$(bh_sensor_unique "bhx$$")
helper="$dir/$uniq-helper"
cp /bin/true "$helper"
mkdir "$dir/cwd-$uniq"

bh_sensor_start "$dir/out.json" "$dir/err.txt" --events exec,exit,open --output json ||
	exit $?

# The helper: exec'd by a subshell, so $! is its pid. It also opens a unique file.
(cd "$dir/cwd-$uniq" && exec "$helper" 0.3 "arg-$uniq" "two words") &
hpid=$!
wait "$hpid"
(cd "$dir" && exec cat "./cwd-$uniq/../$uniq-helper" >/dev/null) &
cpid=$!
wait "$cpid"
sleep 1

bh_sensor_stop || bh_sensor_fail "the sensor exited with $BH_SENSOR_RC after SIGINT"
counters='^sensor exit: emitted [0-9]*, decoded [0-9]* events and [0-9]* cgroup records, '
counters="${counters}dropped [0-9]* (per cpu:"
grep -q "$counters" "$dir/err.txt" ||
	bh_sensor_fail "no counters line at exit"

real_helper=$(realpath "$helper")
real_cwd=$(realpath "$dir/cwd-$uniq")
exec_ev=$(bh_sensor_events_of "$hpid" "$dir/out.json" | jq -c 'select(.type == "execve")' |
	head -n 1)
if [ -z "$exec_ev" ]; then
	bh_sensor_fail "no execve event for pid $hpid"
else
	check()
	{
		got=$(printf '%s\n' "$exec_ev" | jq -r "$1")
		[ "$got" = "$2" ] || bh_sensor_fail "execve $1 is '$got', expected '$2'"
	}
	check '.proc.exepath' "$real_helper"
	check '.proc.exe' "$helper"
	check '.proc.args | join("|")' "0.3|arg-$uniq|two words"
	check '.proc.cwd' "$real_cwd/"
	check '.args.filename' "$helper"
	check '.proc.name' "$(printf '%s' "$uniq-helper" | cut -c1-15)"
	check '.res' 0
	check '.proc.uid' 0
	check '.container.id' host
	check '(.proc.ancestors | length) > 0' true
fi
bh_sensor_any "$dir/out.json" '.type == "procexit" and .proc.pid == $pid' --argjson pid "$hpid" ||
	bh_sensor_fail "no procexit event for pid $hpid"
# cat opened "./cwd-X/../X-helper": the sensor reports the resolved path
bh_sensor_any "$dir/out.json" '(.type == "openat" or .type == "open") and .proc.pid == $pid and
	.fd.name == $p and .res >= 0 and .fd.type == "f"' \
	--argjson pid "$cpid" --arg p "$real_helper" ||
	bh_sensor_fail "no open of '$real_helper' by pid $cpid"
# every line is one JSON object
jq -e -s 'length > 0' "$dir/out.json" >/dev/null || bh_sensor_fail "the output is not JSON lines"

# the kernel frees detached programs asynchronously (RCU): allow it a few seconds
i=0
after=$(count_progs)
while [ "$after" -gt "$before" ] && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
	after=$(count_progs)
done
[ "$after" -le "$before" ] ||
	bh_sensor_fail "sensor programs still loaded after exit ($before before, $after after)"

if [ "$BH_SENSOR_FAILURES" != 0 ]; then
	echo "--- stderr"
	bh_sensor_print_err
	echo "--- events of pid $hpid"
	bh_sensor_events_of "$hpid" "$dir/out.json" | head -n 5
	exit 1
fi
echo "ok: execve, procexit and open of pid $hpid seen with exepath, argv and cwd"
exit 0
