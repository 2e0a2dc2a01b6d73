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
# Environment (set by tests/meson.build): BULKHEAD.
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root"
	exit 77
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	echo "SKIP: the kernel has no BTF (/sys/kernel/btf/vmlinux)"
	exit 77
fi
if ! "$BULKHEAD" help sensor >/dev/null 2>&1; then
	echo "SKIP: this bulkhead has no 'sensor' command (src/cli/main.c does not register it)"
	exit 77
fi
if ! command -v jq >/dev/null 2>&1; then
	echo "SKIP: jq is missing"
	exit 77
fi

dir=$(mktemp -d /tmp/bh-sensor-exec.XXXXXX)
spid=
cleanup()
{
	if [ -n "$spid" ]; then
		kill -TERM "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
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

uniq="bhx$$$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
helper="$dir/$uniq-helper"
cp /bin/true "$helper"
mkdir "$dir/cwd-$uniq"

"$BULKHEAD" -v sensor run --events exec,exit,open --output json >"$dir/out.json" 2>"$dir/err.txt" &
spid=$!

# Wait (up to 30 s) until the programs are attached, or the sensor gave up.
i=0
while ! grep -q 'sensor attached' "$dir/err.txt"; do
	if ! kill -0 "$spid" 2>/dev/null; then
		wait "$spid" && rc=0 || rc=$?
		spid=
		if grep -q 'built without BPF support' "$dir/err.txt"; then
			echo "SKIP: bulkhead was built without BPF support"
			exit 77
		fi
		echo "FAIL: the sensor exited with $rc before attaching:"
		sed 's/^/    /' "$dir/err.txt"
		exit 1
	fi
	i=$((i + 1))
	if [ "$i" -gt 300 ]; then
		echo "FAIL: the sensor did not attach within 30 s:"
		sed 's/^/    /' "$dir/err.txt"
		exit 1
	fi
	sleep 0.1
done

# The helper: exec'd by a subshell, so $! is its pid. It also opens a unique file.
(cd "$dir/cwd-$uniq" && exec "$helper" 0.3 "arg-$uniq" "two words") &
hpid=$!
wait "$hpid"
(cd "$dir" && exec cat "./cwd-$uniq/../$uniq-helper" >/dev/null) &
cpid=$!
wait "$cpid"
sleep 1

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
counters='^sensor exit: emitted [0-9]*, decoded [0-9]* events and [0-9]* cgroup records, '
counters="${counters}dropped [0-9]* (per cpu:"
grep -q "$counters" "$dir/err.txt" ||
	fail "no counters line at exit"

real_helper=$(realpath "$helper")
real_cwd=$(realpath "$dir/cwd-$uniq")
exec_ev=$(jq -c --argjson pid "$hpid" 'select(.type == "execve" and .proc.pid == $pid)' \
	"$dir/out.json" | head -n 1)
if [ -z "$exec_ev" ]; then
	fail "no execve event for pid $hpid"
else
	check()
	{
		got=$(printf '%s\n' "$exec_ev" | jq -r "$1")
		[ "$got" = "$2" ] || fail "execve $1 is '$got', expected '$2'"
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
# (jq -s and any(): jq 1.6's -e misreports select() over several inputs)
jq -e -s --argjson pid "$hpid" 'any(.[]; .type == "procexit" and .proc.pid == $pid)' \
	"$dir/out.json" >/dev/null || fail "no procexit event for pid $hpid"
# cat opened "./cwd-X/../X-helper": the sensor reports the resolved path
jq -e -s --argjson pid "$cpid" --arg p "$real_helper" \
	'any(.[]; (.type == "openat" or .type == "open") and .proc.pid == $pid and .fd.name == $p
		and .res >= 0 and .fd.type == "f")' \
	"$dir/out.json" >/dev/null || fail "no open of '$real_helper' by pid $cpid"
# every line is one JSON object
jq -e -s 'length > 0' "$dir/out.json" >/dev/null || fail "the output is not JSON lines"

# the kernel frees detached programs asynchronously (RCU): allow it a few seconds
i=0
after=$(count_progs)
while [ "$after" -gt "$before" ] && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
	after=$(count_progs)
done
[ "$after" -le "$before" ] ||
	fail "sensor programs still loaded after exit ($before before, $after after)"

if [ "$failures" != 0 ]; then
	echo "--- stderr"
	sed 's/^/    /' "$dir/err.txt"
	echo "--- events of pid $hpid"
	jq -c --argjson pid "$hpid" 'select(.proc.pid == $pid)' "$dir/out.json" | head -n 5
	exit 1
fi
echo "ok: execve, procexit and open of pid $hpid seen with exepath, argv and cwd"
exit 0
