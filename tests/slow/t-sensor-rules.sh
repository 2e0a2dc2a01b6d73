#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# t-sensor-rules.sh — `bulkhead sensor run --rules` against the running kernel: Falco
# rules evaluated live, alerts delivered to a file sink, rules reloaded on SIGHUP (a
# broken file keeps the running rules).
#
# A rules file of our own names a uniquely named helper; with the stock
# ../shared/testdata/runtime/falco_rules.yaml (unchanged) a uniquely named copy of cat
# reading /etc/shadow must raise "Read sensitive file untrusted" with that process. Other
# processes on the machine act all the time: alerts are matched by our own process names,
# never counted. Exit 0 pass, 1 fail, 77 skip (not root, no BTF, built without BPF).
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: the kernel has no BTF"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is missing"; exit 77; }
"$BULKHEAD" help sensor >/dev/null 2>&1 || { echo "SKIP: no sensor command"; exit 77; }

dir=$(mktemp -d /tmp/bh-sensor-rules.XXXXXX)
spid=
cleanup()
{
	if [ -n "$spid" ]; then
		kill -TERM "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Short names: proc.name is the kernel's comm, at most 15 characters (as in Falco).
uniq="bh$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
cp /bin/true "$dir/$uniq"
cp /bin/cat "$dir/c$uniq"
cat >"$dir/rules.yaml" <<EOR
- rule: Probe helper ran
  desc: our uniquely named helper was executed
  condition: evt.type = execve and proc.name = $uniq
  output: "probe %proc.name pid=%proc.pid args=%proc.args"
  priority: NOTICE
  tags: [test]
EOR
set -- --rules "$dir/rules.yaml"
STOCK=$BH_SOURCE_ROOT/../shared/testdata/runtime/falco_rules.yaml
[ -f "$STOCK" ] && set -- --rules "$STOCK" "$@"

# start the sensor; wait until it is attached
"$BULKHEAD" -v sensor run "$@" --all-matches --alerts "file:$dir/alerts.jsonl" \
	>"$dir/out" 2>"$dir/err" &
spid=$!
i=0
while ! grep -q 'sensor attached' "$dir/err"; do
	if ! kill -0 "$spid" 2>/dev/null; then
		wait "$spid" && rc=0 || rc=$?
		spid=
		grep -q 'built without BPF support' "$dir/err" && { echo "SKIP: no BPF support"; exit 77; }
		echo "FAIL: the sensor exited with $rc before attaching:"
		sed 's/^/    /' "$dir/err"
		exit 1
	fi
	i=$((i + 1))
	[ "$i" -le 300 ] || { echo "FAIL: not attached within 30 s"; sed 's/^/    /' "$dir/err"; exit 1; }
	sleep 0.1
done

"$dir/c$uniq" /etc/shadow >/dev/null &
cpid=$!
wait "$cpid"
# SIGHUP with a broken rules file: the error is logged, the running rules stay.
cp "$dir/rules.yaml" "$dir/rules.good"
printf -- '- rule: broken\n  condition: (\n' >"$dir/rules.yaml"
kill -HUP "$spid"
i=0
while ! grep -q 'rules reload failed' "$dir/err" && [ "$i" -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
"$dir/$uniq" "arg-$uniq" &
hpid=$!
wait "$hpid"
# SIGHUP with a good file: the new rules take over.
sed 's/Probe helper ran/Probe helper ran again/' "$dir/rules.good" >"$dir/rules.yaml"
kill -HUP "$spid"
i=0
while ! grep -q 'rules reloaded' "$dir/err" && [ "$i" -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
"$dir/$uniq" "again-$uniq" &
h2pid=$!
wait "$h2pid"
sleep 1.5
kill -INT "$spid"
wait "$spid" && rc=0 || rc=$?
spid=

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
[ "$rc" = 0 ] || fail "the sensor exited with $rc: $(tail -3 "$dir/err")"
[ ! -s "$dir/out" ] || fail "events printed although --rules was given: $(head -c 300 "$dir/out")"
jq -e -s --arg n "$uniq" --argjson p "$hpid" \
	'any(.[]; .rule == "Probe helper ran" and .priority == "Notice" and
	     .output_fields["proc.name"] == $n and .output_fields["proc.pid"] == $p and
	     (.output | contains("args=arg-" + $n)))' "$dir/alerts.jsonl" >/dev/null 2>&1 ||
	fail "no alert for our helper (pid $hpid): $(grep -c . "$dir/alerts.jsonl" 2>/dev/null) alerts"
grep -q 'rules reload failed; the previous rules stay active' "$dir/err" ||
	fail "no error for the broken reload: $(grep -i reload "$dir/err")"
jq -e -s --arg n "$uniq" --argjson p "$h2pid" \
	'any(.[]; .rule == "Probe helper ran again" and .output_fields["proc.pid"] == $p)' \
	"$dir/alerts.jsonl" >/dev/null 2>&1 || fail "the reloaded rule did not fire for pid $h2pid"
if [ -f "$STOCK" ]; then
	jq -e -s --arg n "c$uniq" \
		'any(.[]; .rule == "Read sensitive file untrusted" and .output_fields["proc.name"] == $n)' \
		"$dir/alerts.jsonl" >/dev/null 2>&1 ||
		fail "stock rule 'Read sensitive file untrusted' did not fire for c$uniq: $(jq -c -s '[.[].rule] | unique' "$dir/alerts.jsonl" 2>/dev/null)"
fi
[ "$failures" = 0 ] || exit 1
echo "ok: live alerts for pid $hpid and the stock rules"
