#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-resources.sh — the resource and network signals (docs/resources.md) through `bulkhead
# sensor replay --resources`: a recorded stream of container_stats and connect/execve events
# evaluated by the built-in rules (rules/bulkhead_resources.yaml). Mining is flagged with
# sustained CPU and a mining-pool peer; a miner's name alone gives only the weaker notice;
# cloud metadata access (IPv4 and IPv6) from a container is flagged, from the host not; fork
# bombs (pids near pids.max, fork rate, forks refused by the limit) and memory near its limit
# are flagged; a benign busy container is not. A --rules file tunes the macros (a shorter
# sustained time, an allowed image) and a broken override is rejected with exit 2.
. "$(dirname "$0")/../lib/e2e.sh"

command -v jq >/dev/null 2>&1 || skip "jq not installed"
"$BULKHEAD" sensor replay --help 2>/dev/null | grep -q -- --resources ||
	skip "bulkhead built without the sensor's --resources"

ct() { # id name image
	printf '"container":{"id":"%s","full_id":"%s0000","name":"%s","image":"%s:1","image_repository":"%s","image_tag":"1","runtime":"podman"}' \
		"$1" "$1" "$2" "$3" "$3"
}
MINER=$(ct 111111111111 miner alpine)
RENAMED=$(ct 222222222222 tools alpine)
BUSY=$(ct 333333333333 encoder ffmpeg)
BOMB=$(ct 444444444444 bomb busybox)
FAST=$(ct 555555555555 forker busybox)
HIT=$(ct 666666666666 limited busybox)
FAT=$(ct 777777777777 cache redis)
AGENT=$(ct 888888888888 agent cloud-agent)
SLOW=$(ct 999999999999 slowminer alpine)
HOST='"container":{"id":"host"}'
n=0
stats() { # container args-json
	n=$((n + 1))
	printf '{"ts":17000000%02d000000000,"num":%d,"type":"container_stats","dir":"<","res":0,"proc":{"pid":%d,"name":"worker"},%s,"args":{%s}}\n' \
		"$n" "$n" "$((1000 + n))" "$1" "$2"
}
connect() { # container ip port
	n=$((n + 1))
	printf '{"ts":17000000%02d000000000,"num":%d,"type":"connect","dir":"<","res":0,"proc":{"pid":%d,"name":"curl","exe":"curl","exepath":"/usr/bin/curl","args":["-s","http://%s/"]},"fd":{"num":3,"type":"%s","name":"x","l4proto":6,"cip":"10.88.0.5","sip":"%s","cport":40000,"sport":%s},%s}\n' \
		"$n" "$n" "$((1000 + n))" "$2" "$4" "$2" "$3" "$1"
}
execve() { # container name
	n=$((n + 1))
	printf '{"ts":17000000%02d000000000,"num":%d,"type":"execve","dir":"<","res":0,"proc":{"pid":%d,"ppid":1,"name":"%s","exe":"./%s","exepath":"/tmp/%s","args":["-o","pool.example:3333"],"user":"root"},%s}\n' \
		"$n" "$n" "$((1000 + n))" "$2" "$2" "$2" "$1"
}

{
	# 1: a miner: 98 % of a CPU for 65 s, connected to a pool port
	stats "$MINER" '"cpu_pct":"98","cpu_sustained_s":"65","interval_ms":"5000","mem_bytes":"1000","mem_limit":"100000","mem_pct":"1","pids":"3","pids_max":"64","pids_pct":"4","mining_peers_n":"1","mining_peers":"203.0.113.7:3333"'
	# 2: the same container before its CPU was sustained for long enough: nothing
	stats "$MINER" '"cpu_pct":"97","cpu_sustained_s":"10","mining_peers_n":"1","mining_peers":"203.0.113.7:3333"'
	# 3: a miner's name, nothing else: the weaker notice only
	execve "$RENAMED" xmrig
	# 4: a benign busy container: 100 % for ten minutes, no pool, limits far
	stats "$BUSY" '"cpu_pct":"100","cpu_sustained_s":"600","interval_ms":"5000","mem_bytes":"500","mem_limit":"1000","mem_pct":"50","pids":"4","pids_max":"100","pids_pct":"4","pids_limit_hits":"0","forks_per_s":"3","mining_peers_n":"0"'
	# 5: cloud metadata from a container, IPv4 and IPv6; 6: from the host: nothing
	connect "$BUSY" 169.254.169.254 80 4
	connect "$BUSY" fd00:ec2::254 80 6
	connect "$HOST" 169.254.169.254 80 4
	# 8: fork bombs: pids at 95 % of the limit, a fork rate, forks refused by the limit
	stats "$BOMB" '"cpu_pct":"40","cpu_sustained_s":"0","pids":"61","pids_max":"64","pids_pct":"95","forks_per_s":"12","mining_peers_n":"0"'
	stats "$FAST" '"cpu_pct":"40","cpu_sustained_s":"0","pids":"20","pids_max":"4096","pids_pct":"0","forks_per_s":"850","mining_peers_n":"0"'
	stats "$HIT" '"cpu_pct":"40","cpu_sustained_s":"0","pids":"30","pids_max":"4096","pids_pct":"0","pids_limit_hits":"7","mining_peers_n":"0"'
	# 11: memory near its limit
	stats "$FAT" '"cpu_pct":"5","cpu_sustained_s":"0","mem_bytes":"980","mem_limit":"1000","mem_pct":"98","mining_peers_n":"0"'
	# 12: an agent image reading metadata (allowed by the tuning file below)
	connect "$AGENT" 169.254.169.254 80 4
	# 13: a slow miner: only 20 s sustained (flagged once the tuning file shortens the time)
	stats "$SLOW" '"cpu_pct":"99","cpu_sustained_s":"20","mining_peers_n":"1","mining_peers":"198.51.100.9:14444"'
	# 14: values that are not numbers compare as absent
	stats "$SLOW" '"cpu_pct":"lots","cpu_sustained_s":"forever","mining_peers_n":"1","pids_pct":"x"'
} >"$T/events.jsonl"

expect_exit 0 "$BULKHEAD" sensor replay "$T/events.jsonl" --resources --report-rules
checks=$((checks + 1))
grep -q '^rules: 5 loaded, 0 skipped, 0 disabled$' "$T/err" ||
	fail "built-in rules not all loaded: $(grep -v '^{' "$T/err")"
jq -c '[.rule, .output_fields["container.name"]]' "$T/out" >"$T/got" 2>/dev/null ||
	fail "alerts are not JSON: $(head -c 300 "$T/out")"
cat >"$T/want" <<'EOF'
["Cryptomining in container","miner"]
["Cryptominer process name in container","tools"]
["Cloud metadata service access from container","encoder"]
["Cloud metadata service access from container","encoder"]
["Fork bomb in container","bomb"]
["Fork bomb in container","forker"]
["Fork bomb in container","limited"]
["Container memory near its limit","cache"]
["Cloud metadata service access from container","agent"]
EOF
checks=$((checks + 1))
cmp -s "$T/want" "$T/got" || fail "alerts differ: $(diff "$T/want" "$T/got")"
checks=$((checks + 1))
jq -e -s '.[0].priority == "Critical" and .[1].priority == "Notice" and
  .[2].priority == "Warning" and .[4].priority == "Error" and .[7].priority == "Notice" and
  (.[0].output | test("cpu_pct=98 cpu_sustained_s=65 pool=203\\.0\\.113\\.7:3333 ")) and
  (.[0].tags | index("T1496")) != null and
  .[3].output_fields["fd.sip"] == "fd00:ec2::254" and
  (.[5].output | test("forks_per_s=850")) and (.[6].output | test("pids_limit_hits=7"))' \
	"$T/out" >/dev/null || fail "alert content: $(cat "$T/out")"

# Tuning with a --rules file: a shorter sustained time, an allowed image
cat >"$T/tune.yaml" <<'EOF'
- macro: bh_cpu_sustained
  condition: (evt.rawarg.cpu_sustained_s >= 10)
- list: bh_metadata_allowed_images
  items: [cloud-agent]
  append: true
EOF
expect_exit 0 "$BULKHEAD" sensor replay "$T/events.jsonl" --resources --rules "$T/tune.yaml"
jq -c '[.rule, .output_fields["container.name"]]' "$T/out" >"$T/got"
checks=$((checks + 1))
grep -qx '\["Cryptomining in container","slowminer"\]' "$T/got" ||
	fail "the tuned sustained time did not flag the slow miner: $(cat "$T/got")"
checks=$((checks + 1))
grep -q '"agent"' "$T/got" && fail "the allowed image was flagged: $(cat "$T/got")"
checks=$((checks + 1))
[ "$(grep -c '"miner"\]' "$T/got")" = 2 ] ||
	fail "10 s: both samples of the miner should be flagged: $(cat "$T/got")"

# --min-priority keeps the strong signals only; --all-matches fires every rule of an event
expect_exit 0 "$BULKHEAD" sensor replay "$T/events.jsonl" --resources --min-priority error
checks=$((checks + 1))
[ "$(jq -r .priority "$T/out" | sort -u | tr '\n' ' ')" = "Critical Error " ] ||
	fail "--min-priority error: $(jq -r .priority "$T/out" | sort | uniq -c)"
stats "$MINER" '"cpu_pct":"99","cpu_sustained_s":"300","mem_pct":"99","pids_pct":"97","mining_peers_n":"2","mining_peers":"203.0.113.7:3333,[2001:db8::7]:5555"' >"$T/all.jsonl"
expect_exit 0 "$BULKHEAD" sensor replay "$T/all.jsonl" --resources --all-matches
checks=$((checks + 1))
[ "$(jq -r .rule "$T/out" | tr '\n' '|')" = "Cryptomining in container|Fork bomb in container|Container memory near its limit|" ] ||
	fail "--all-matches: $(jq -r .rule "$T/out")"

# The resource rules next to the baseline rules (--mode): both built-in files load
expect_exit 0 "$BULKHEAD" sensor replay "$T/events.jsonl" --resources --mode learn \
	--store "$T/store.db" --report-rules
checks=$((checks + 1))
grep -q '^Cryptomining in container: loaded$' "$T/err" &&
	grep -q '^Baseline enforcement blocked a process: loaded$' "$T/err" ||
	fail "baseline and resource rules together: $(grep -v '^{' "$T/err" | head -20)"
expect_out '"rule":"Cryptomining in container"'

# Without --resources the stream's container_stats events match no rule of their own
cat >"$T/plain.yaml" <<'EOF'
- rule: Any shell
  desc: x
  condition: evt.type = execve and proc.name = sh
  output: "sh"
  priority: WARNING
EOF
expect_exit 0 "$BULKHEAD" sensor replay "$T/events.jsonl" --rules "$T/plain.yaml"
expect_no_out

# A tuning file that breaks a macro the rules use is rejected like any rules error
cat >"$T/bad.yaml" <<'EOF'
- macro: bh_cpu_sustained
  condition: (evt.rawarg.cpu_sustained_s >= sixty)
EOF
expect_exit 2 "$BULKHEAD" sensor replay "$T/events.jsonl" --resources --rules "$T/bad.yaml"
checks=$((checks + 1))
grep -q 'not a valid number' "$T/err" || fail "bad macro: $(cat "$T/err")"

# --resource-interval belongs to sensor run/record, not replay
expect_exit 2 "$BULKHEAD" sensor replay "$T/events.jsonl" --resources --resource-interval 5

finish
