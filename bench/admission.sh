#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/admission.sh — `bulkhead admission serve` latency (issue 6: webhook p99 < 5 ms at
# 1,000 requests/s over 50 keep-alive TLS connections on loopback). The server runs with the
# built-in policy and a self-signed certificate on 127.0.0.1; the load generator is h2load
# (Debian package nghttp2-client) in HTTP/1.1 mode, paced (--rps per connection), with
# per-request latencies from its --log-file (start µs, status, µs to the end of the response).
# Two bodies, each after a warm-up: a pod that is allowed with warnings (restricted
# violations) and a privileged pod that is denied. Two arrival patterns per body, with the
# same connections and the same total rate:
#   burst   one h2load process: the --rps timers of all its connections fire together, so
#           the requests arrive as one burst of CONNS every 1/rps seconds.
#   spread  NGROUPS h2load processes of CONNS/NGROUPS connections each, started 1/rps/NGROUPS
#           apart, so the bursts are small and spread over the period, as an API server's
#           admission calls are. Their logs are merged.
# The goal is judged on the spread pattern; the burst figures are always printed too.
# Environment: BULKHEAD (default build/src/cli/bulkhead), BENCH_ADM_RATE (total requests/s,
# default 1000), BENCH_ADM_CONNS (default 50), BENCH_ADM_GROUPS (spread: h2load processes,
# default 10, must divide CONNS), BENCH_ADM_SECONDS (per body and pattern, default 10),
# BENCH_ADM_THREADS (the server's --threads; default: the server's own default).
# Prints p50/p99/max and the achieved rate; fails when the spread p99 >= 5 ms or a request
# failed in either pattern.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BULKHEAD=${BULKHEAD:-$top/build/src/cli/bulkhead}
RATE=${BENCH_ADM_RATE:-1000}
CONNS=${BENCH_ADM_CONNS:-50}
NGROUPS=${BENCH_ADM_GROUPS:-10}
SECONDS_PER_BODY=${BENCH_ADM_SECONDS:-10}
THREADS=${BENCH_ADM_THREADS:-}
FIX=$top/tests/e2e/admission

for t in h2load openssl; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "admission: skipped: $t not installed (h2load: apt-get install nghttp2-client," \
			"or scripts/deps.sh --bench)"
		exit 0
	fi
done
if [ ! -x "$BULKHEAD" ]; then
	echo "admission: $BULKHEAD not built" >&2
	exit 1
fi
rps=$((RATE / CONNS))
if [ "$rps" -lt 1 ]; then
	echo "admission: BENCH_ADM_RATE must be at least BENCH_ADM_CONNS" >&2
	exit 1
fi
if [ "$NGROUPS" -lt 1 ] || [ $((CONNS % NGROUPS)) != 0 ]; then
	echo "admission: BENCH_ADM_GROUPS must divide BENCH_ADM_CONNS" >&2
	exit 1
fi
per_group=$((CONNS / NGROUPS))
n=$((rps * CONNS * SECONDS_PER_BODY))
n_group=$((rps * per_group * SECONDS_PER_BODY))
# The spread groups start this many seconds apart: one period (1/rps) over the groups.
gap=$(awk -v r="$rps" -v g="$NGROUPS" 'BEGIN { printf "%.4f", 1 / r / g }')
period_us=$((1000000 / rps))

tmp=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY all_proxy ALL_PROXY

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
"$BULKHEAD" admission serve --listen 127.0.0.1:0 --cert "$tmp/cert.pem" --key "$tmp/key.pem" \
	--max-connections $((CONNS + 16)) ${THREADS:+--threads "$THREADS"} \
	>/dev/null 2>"$tmp/server.err" </dev/null &
pid=$!
i=0
while ! grep -qs 'listening on https://' "$tmp/server.err" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
port=$(sed -n 's|.*listening on https://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$tmp/server.err")
if [ -z "$port" ]; then
	echo "admission: the server did not start: $(cat "$tmp/server.err")" >&2
	exit 1
fi
url=https://127.0.0.1:$port/validate
# The server's own description: "... (max N connections, ..., T threads)".
server_desc=$(sed -n 's|.*listening on https://[^ ]* (\(.*\))$|\1|p' "$tmp/server.err")

status=0
hz=$(getconf CLK_TCK)
# cpu_ticks: user + system CPU of the server so far (clock ticks).
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0
}
# handler_sum: "sum count" of the server's own duration histogram (curl, when installed).
handler_sum() {
	if command -v curl >/dev/null 2>&1; then
		curl -s --cacert "$tmp/cert.pem" "https://127.0.0.1:$port/metrics" | awk '
			$1 == "bulkhead_admission_request_duration_seconds_sum" { s = $2 }
			$1 == "bulkhead_admission_request_duration_seconds_count" { c = $2 }
			END { print s + 0, c + 0 }'
	else
		echo "0 0"
	fi
}
# h2load_run NAME CONNS N BODY: one paced h2load process, its log in $tmp/logs/NAME; 0 or 1
# (message printed).
h2load_run() {
	if ! h2load --h1 -c "$2" --rps "$rps" -n "$3" -d "$4" \
		-H 'content-type: application/json' --log-file "$tmp/logs/$1" "$url" \
		>"$tmp/out/$1" 2>&1; then
		echo "admission: h2load failed: $(tail -5 "$tmp/out/$1")" >&2
		return 1
	fi
}
# run PATTERN LABEL BODY: one measurement (burst or spread); prints the summary lines.
run() {
	pattern=$1
	label=$2
	body=$3
	rm -rf "$tmp/logs" "$tmp/out"
	mkdir "$tmp/logs" "$tmp/out"
	cpu0=$(cpu_ticks)
	set -- $(handler_sum)
	hs0=$1
	hc0=$2
	if [ "$pattern" = burst ]; then
		h2load_run 0 "$CONNS" "$n" "$body" || { status=1; return; }
		desc="burst: 1 h2load x $CONNS connections"
	else
		pids=""
		g=0
		while [ $g -lt "$NGROUPS" ]; do
			h2load_run "$g" "$per_group" "$n_group" "$body" &
			pids="$pids $!"
			g=$((g + 1))
			[ $g -lt "$NGROUPS" ] && sleep "$gap"
		done
		for p in $pids; do
			wait "$p" || status=1
		done
		desc="spread: $NGROUPS h2load x $per_group connections, ${gap}s apart"
	fi
	cpu1=$(cpu_ticks)
	set -- $(handler_sum)
	server=$(awk -v c0="$cpu0" -v c1="$cpu1" -v hz="$hz" -v n="$n" -v s0="$hs0" -v s1="$1" \
		-v n0="$hc0" -v n1="$2" 'BEGIN {
			printf "server CPU %.0f us/request", (c1 - c0) * 1e6 / hz / n
			if (n1 > n0) printf ", handler %.0f us/request", (s1 - s0) * 1e6 / (n1 - n0) }')
	# start_us status duration_us -> sorted durations; failures; first start and last end;
	# the phase of each process's first request within the period (how spread they are).
	for f in "$tmp"/logs/*; do
		awk -F'\t' -v per="$period_us" '
			NR == 1 || $1 < s0 { s0 = $1 }
			END { if (NR) printf "%.1f\n", (s0 % per) / 1000 }' "$f"
	done | sort -n | tr '\n' ' ' >"$tmp/phases"
	cat "$tmp"/logs/* | awk -F'\t' '{ if ($2 != 200) bad++; print $3 > "'"$tmp"'/lat";
		e = $1 + $3; if (NR == 1 || $1 < s0) s0 = $1; if (e > e1) e1 = e }
		END { printf "%d %d %.0f\n", NR, bad, (e1 - s0) }' >"$tmp/sum"
	set -- $(cat "$tmp/sum")
	total=$1
	bad=$2
	span_us=$3
	sort -n "$tmp/lat" >"$tmp/lat.sorted"
	pct() {
		awk -v p="$1" -v n="$total" 'NR == int((n * p + 99) / 100) { printf "%.2f", $1 / 1000; exit }' \
			"$tmp/lat.sorted"
	}
	p50=$(pct 50)
	p99=$(pct 99)
	max=$(tail -n 1 "$tmp/lat.sorted" | awk '{ printf "%.2f", $1 / 1000 }')
	rate=$(awk -v n="$total" -v us="$span_us" 'BEGIN { printf "%.0f", (us > 0 ? n * 1e6 / us : 0) }')
	printf 'admission: %-34s %-7s %6d requests, %d failed, max %s ms; %s\n' "$label" "$pattern" \
		"$total" "$bad" "$max" "$server"
	printf 'admission:   %s; first request of each at ms %s(of %s ms)\n' "$desc" \
		"$(cat "$tmp/phases")" "$((period_us / 1000))"
	if [ "$pattern" = spread ]; then
		echo "webhook p50 $p50 ms p99 $p99 ms max $max ms at $rate req/s [spread, $label]" \
			"(goal p99 < 5 ms: judged on this line)"
		awk -v p="$p99" 'BEGIN { exit !(p < 5) }' || status=1
	else
		echo "webhook p50 $p50 ms p99 $p99 ms max $max ms at $rate req/s [burst, $label]" \
			"(all $CONNS connections' timers fire together; not the goal)"
	fi
	[ "$bad" = 0 ] && [ "$total" = "$n" ] || status=1
}
# body LABEL FILE: warm-up, then both patterns.
body() {
	# Warm-up: connections, TLS sessions, page cache.
	h2load --h1 -c "$CONNS" -n $((CONNS * 4)) -d "$2" -H 'content-type: application/json' \
		"$url" >/dev/null 2>&1 || true
	run burst "$1" "$2"
	run spread "$1" "$2"
}

echo "admission: $CONNS TLS keep-alive connections, $rps req/s each, $n requests per body and" \
	"pattern, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); server: $server_desc"
body "allowed pod (restricted warnings)" "$FIX/pod-plain.json"
body "denied privileged pod" "$FIX/pod-privileged.json"
kill -TERM "$pid"
wait "$pid" || status=1
pid=""
grep -q 'stopped' "$tmp/server.err" || status=1
[ "$status" = 0 ] || echo "admission: goal (spread p99 < 5 ms, no failed request) missed" >&2
exit "$status"
