#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-baseline.sh — behaviour baselines through `bulkhead sensor replay --mode` (the same
# controller as `sensor run --mode`, without root) and `bulkhead baseline`: a busybox-httpd
# workload is learnt (exec, parent/child pair, listen tcp/80, the file it serves), learning
# ends by time into monitor mode (an audit record), and a later stream raises one alert per
# deviation kind (new executable with the nearest known one, write to /etc, new peer,
# sensitive read) while a benign repeat by another replica raises nothing; `baseline mode`
# switches the workload and is audited; export → import round-trips; diff shows the facts;
# a corrupted document is rejected whole (exit 2, one line, nothing stored); unknown
# workloads and versions are input errors; `audit verify` passes at the end.
. "$(dirname "$0")/../lib/e2e.sh"

command -v jq >/dev/null 2>&1 || skip "jq not installed"
"$BULKHEAD" sensor replay --help >/dev/null 2>&1 || skip "bulkhead built without the sensor command"
export BULKHEAD_HOME="$T/home"
mkdir -p "$BULKHEAD_HOME"
D="$BH_SOURCE_ROOT/tests/e2e/baseline"
S="$T/store.db"
W='container:web@busybox:1.36'

# learn: no alerts, a baseline saved
expect_exit 0 "$BULKHEAD" sensor replay "$D/learn.jsonl" --mode monitor --learn-for 60 --store "$S"
expect_no_out
expect_exit 0 "$BULKHEAD" baseline list --store "$S" --format json
checks=$((checks + 1))
[ "$(jq -r '.workloads[0].workload + " " + .workloads[0].mode' "$T/out")" = "$W learn" ] ||
	fail "baseline list: $(cat "$T/out")"
expect_exit 0 "$BULKHEAD" baseline show "$W" --store "$S"
expect_out '^  /bin/busybox$'
expect_out '^  /bin/sh -> /bin/busybox$'
expect_out '^  tcp/80$'
expect_out '^  /www/index.html$'
# the runtime's own set-up (runc's init) is not the workload's behaviour, and a process
# `podman exec` started (parent runc or conmon) has its executable but no parent/child fact
expect_out '^  /bin/cat$'
checks=$((checks + 1))
grep -Eq 'unshare|runc' "$T/out" && fail "runtime set-up learnt: $(grep -E 'unshare|runc' "$T/out")"

# the deviations: learning is over 100 s later (--learn-for 60)
expect_exit 0 "$BULKHEAD" sensor replay "$D/deviate.jsonl" --mode monitor --learn-for 60 --store "$S"
checks=$((checks + 1))
n=$(wc -l <"$T/out")
[ "$n" = 4 ] || fail "want 4 alerts, got $n: $(cat "$T/out")"
jq -se 'map(select(.rule == "Baseline deviation unexpected executable"))[0]
	| .output_fields["evt.arg.bh_fact"] == "/usr/bin/curl"
	  and .output_fields["evt.arg.bh_nearest"] == "/bin/cat"
	  and .priority == "Warning"' "$T/out" >/dev/null || fail "exec alert: $(head -1 "$T/out")"
for rule in "unexpected file write" "unexpected outbound connection" "sensitive file read"; do
	checks=$((checks + 1))
	grep -q "\"Baseline deviation $rule\"" "$T/out" || fail "no '$rule' alert"
done
checks=$((checks + 1))
grep -q '"evt.arg.bh_fact":"tcp/203.0.113.9:4444"' "$T/out" || fail "peer fact: $(cat "$T/out")"
expect_exit 0 "$BULKHEAD" audit log --store "$S" --kind baseline.mode --format json
checks=$((checks + 1))
jq -e '.records[0].payload | .from == "learn" and .to == "monitor"' "$T/out" >/dev/null ||
	jq -e '.[0].payload | .from == "learn" and .to == "monitor"' "$T/out" >/dev/null ||
	fail "learning end not audited: $(head -c 400 "$T/out")"

# a benign repeat by another replica of the same workload: nothing
expect_exit 0 "$BULKHEAD" sensor replay "$D/benign.jsonl" --mode monitor --store "$S"
expect_no_out

# baseline mode: switched and audited; learn mode raises nothing and learns the new binary
expect_exit 0 "$BULKHEAD" baseline mode "$W" learn --store "$S" --actor alice
expect_exit 0 "$BULKHEAD" sensor replay "$D/deviate.jsonl" --mode monitor --store "$S"
expect_no_out
expect_exit 0 "$BULKHEAD" baseline mode "$W" monitor --store "$S" --actor alice
expect_exit 0 "$BULKHEAD" sensor replay "$D/deviate.jsonl" --mode monitor --store "$S"
expect_no_out
expect_exit 0 "$BULKHEAD" audit log --store "$S" --kind baseline.mode
checks=$((checks + 1))
[ "$(grep -c alice "$T/out")" = 2 ] || fail "mode switches by alice: $(cat "$T/out")"
expect_exit 2 "$BULKHEAD" baseline mode "$W" sleep --store "$S"
expect_err_line "unknown mode 'sleep'"

# versions, export, import, diff
expect_exit 0 "$BULKHEAD" baseline export "$W#1" --store "$S" -o "$T/v1.json"
expect_exit 0 "$BULKHEAD" baseline export "$W" --store "$S" -o "$T/latest.json"
expect_exit 0 "$BULKHEAD" baseline diff "$T/v1.json" "$T/latest.json"
expect_out '^\+ exec /usr/bin/curl$'
expect_out '^\+ peer tcp/203.0.113.9:4444$'
expect_exit 0 "$BULKHEAD" baseline diff "$W#1" "$W" --store "$S" --format json
checks=$((checks + 1))
jq -e '.added.exec | map(.path) | index("/usr/bin/curl") != null' "$T/out" >/dev/null ||
	fail "diff json: $(head -c 300 "$T/out")"
S2="$T/other.db"
expect_exit 0 "$BULKHEAD" baseline import "$T/latest.json" --store "$S2" --mode protect
expect_exit 0 "$BULKHEAD" baseline export "$W" --store "$S2" -o "$T/again.json"
checks=$((checks + 1))
jq -S .facts "$T/latest.json" >"$T/a" && jq -S .facts "$T/again.json" >"$T/b" &&
	cmp -s "$T/a" "$T/b" || fail "export/import changed the facts"

# bad input: rejected whole, one line, nothing stored
jq '.facts.listen[0].port = 70000' "$T/latest.json" >"$T/bad.json"
expect_exit 2 "$BULKHEAD" baseline import "$T/bad.json" --store "$S2"
expect_err_line 'bad.json: .*port'
printf '{"schema":"bulkhead.baseline/v1",' >"$T/trunc.json"
expect_exit 2 "$BULKHEAD" baseline import "$T/trunc.json" --store "$S2"
expect_err_line 'trunc.json'
expect_exit 0 "$BULKHEAD" baseline list --store "$S2" --format json
checks=$((checks + 1))
[ "$(jq '.workloads[0].version' "$T/out")" = 1 ] || fail "a rejected import was stored"
expect_exit 2 "$BULKHEAD" baseline show 'container:nope@x' --store "$S"
expect_err_line "no baseline for workload 'container:nope@x'"
expect_exit 2 "$BULKHEAD" baseline show "$W#99" --store "$S"
expect_err_line 'no version 99'
expect_exit 2 "$BULKHEAD" baseline frobnicate --store "$S"
expect_err_line "unknown baseline command 'frobnicate'"
expect_exit 2 "$BULKHEAD" sensor replay "$D/learn.jsonl" --mode sleepy --store "$S"
expect_err_line "unknown --mode 'sleepy'"
expect_exit 2 "$BULKHEAD" sensor replay "$D/learn.jsonl" --dry-run --rules /dev/null
expect_err_line 'need --mode'

# an event the kernel blocked (recorded by a protect-mode sensor, evt.arg.bh_action=killed):
# the built-in block rule fires and the audit record is an enforcement action
expect_exit 0 "$BULKHEAD" sensor replay "$D/killed.jsonl" --mode monitor --store "$S"
checks=$((checks + 1))
jq -e '.rule == "Baseline enforcement blocked a process" and .priority == "Critical"' \
	"$T/out" >/dev/null || fail "block alert: $(cat "$T/out")"
expect_exit 0 "$BULKHEAD" audit log --store "$S" --kind enforcement.block --format json
checks=$((checks + 1))
jq -e '.records[0].payload | .action == "killed" and .fact == "/usr/bin/curl"' "$T/out" \
	>/dev/null || fail "enforcement.block record: $(head -c 400 "$T/out")"

# enforcement without privileges: one clear line, exit 3 (checked where we can drop root)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BULKHEAD" --version >/dev/null 2>&1; then
	np=$(mktemp -d "${TMPDIR:-/tmp}/bh-np.XXXXXX") && chmod 777 "$np"
	expect_exit 3 env BULKHEAD_HOME="$np" HOME="$np" setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$BULKHEAD" sensor run --mode protect --store "$np/s.db" --duration 1
	checks=$((checks + 1))
	grep -q 'needs root' "$T/err" || fail "no clear error without privileges: $(cat "$T/err")"
	rm -rf "$np"
fi

expect_exit 0 "$BULKHEAD" audit verify --store "$S"
expect_exit 0 "$BULKHEAD" audit verify --store "$S2"
finish
