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
. "$BH_SOURCE_ROOT/tests/slow/lib-sensor.sh"
bh_sensor_require || exit $?

bh_sensor_setup sensor-rules
dir=$BH_SENSOR_DIR
trap bh_sensor_cleanup EXIT
trap 'exit 1' INT TERM

# Short names: proc.name is the kernel's comm, at most 15 characters (as in Falco).
uniq=$(bh_sensor_unique bh)
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

# start the sensor; wait until it is attached. Alerts and the rules reload are recorded in a
# store of the test's own (its audit key in BULKHEAD_HOME).
export BULKHEAD_HOME="$dir/home"
mkdir -p "$BULKHEAD_HOME"
bh_sensor_start "$dir/out" "$dir/err" "$@" --all-matches --alerts "file:$dir/alerts.jsonl" \
	--store "$dir/store.db" --cluster test || exit $?

"$dir/c$uniq" /etc/shadow >/dev/null &
cpid=$!
wait "$cpid"
# SIGHUP with a broken rules file: the error is logged, the running rules stay.
cp "$dir/rules.yaml" "$dir/rules.good"
printf -- '- rule: broken\n  condition: (\n' >"$dir/rules.yaml"
kill -HUP "$BH_SENSOR_PID"
bh_sensor_wait_log 'rules reload failed' || true
"$dir/$uniq" "arg-$uniq" &
hpid=$!
wait "$hpid"
# SIGHUP with a good file: the new rules take over.
sed 's/Probe helper ran/Probe helper ran again/' "$dir/rules.good" >"$dir/rules.yaml"
kill -HUP "$BH_SENSOR_PID"
bh_sensor_wait_log 'rules reloaded' || true
"$dir/$uniq" "again-$uniq" &
h2pid=$!
wait "$h2pid"
sleep 1.5
bh_sensor_stop || bh_sensor_fail "the sensor exited with $BH_SENSOR_RC: $(tail -3 "$dir/err")"
[ ! -s "$dir/out" ] ||
	bh_sensor_fail "events printed although --rules was given: $(head -c 300 "$dir/out")"
bh_sensor_any "$dir/alerts.jsonl" '.rule == "Probe helper ran" and .priority == "Notice" and
	.output_fields["proc.name"] == $n and .output_fields["proc.pid"] == $p and
	(.output | contains("args=arg-" + $n))' --arg n "$uniq" --argjson p "$hpid" 2>/dev/null ||
	bh_sensor_fail "no alert for our helper (pid $hpid):" \
		"$(grep -c . "$dir/alerts.jsonl" 2>/dev/null) alerts"
grep -q 'rules reload failed; the previous rules stay active' "$dir/err" ||
	bh_sensor_fail "no error for the broken reload: $(grep -i reload "$dir/err")"
bh_sensor_any "$dir/alerts.jsonl" '.rule == "Probe helper ran again" and
	.output_fields["proc.pid"] == $p' --argjson p "$h2pid" 2>/dev/null ||
	bh_sensor_fail "the reloaded rule did not fire for pid $h2pid"
if [ -f "$STOCK" ]; then
	bh_sensor_any "$dir/alerts.jsonl" \
		'.rule == "Read sensitive file untrusted" and .output_fields["proc.name"] == $n' \
		--arg n "c$uniq" 2>/dev/null ||
		bh_sensor_fail "stock rule 'Read sensitive file untrusted'" "did not fire for c$uniq:" \
			"$(jq -c -s '[.[].rule] | unique' "$dir/alerts.jsonl" 2>/dev/null)"
fi
# The store: the good reload (not the broken one) is an audit record with the rules files'
# digests, the alerts are runs of kind runtime, and the chain is intact.
"$BULKHEAD" audit log --store "$dir/store.db" --kind sensor.rules.reload --format json \
	>"$dir/reload.json" 2>"$dir/audit.err" || bh_sensor_fail "audit log: $(cat "$dir/audit.err")"
jq -e --arg f "$dir/rules.yaml" '.records | length == 1 and
	(.[0].payload.files | map(.path) | index($f)) != null and
	(.[0].payload.files | all(.sha256 | startswith("sha256:")))' "$dir/reload.json" >/dev/null ||
	bh_sensor_fail "rules reload not audited: $(head -c 600 "$dir/reload.json")"
"$BULKHEAD" audit log --store "$dir/store.db" --kind runtime.alert --format json \
	>"$dir/alerts-audit.json" 2>"$dir/audit.err" || bh_sensor_fail "audit log (alerts)"
jq -e '[.records[] | .payload.rule] | index("Probe helper ran") != null' \
	"$dir/alerts-audit.json" >/dev/null || bh_sensor_fail "alerts not recorded in the store"
"$BULKHEAD" audit verify --store "$dir/store.db" >"$dir/verify.out" 2>&1 ||
	bh_sensor_fail "audit verify: $(cat "$dir/verify.out")"
[ "$BH_SENSOR_FAILURES" = 0 ] || exit 1
echo "ok: live alerts for pid $hpid and the stock rules, recorded and audited"
