#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/sensor.sh — what `bulkhead sensor run` costs the processes it watches, against no
# sensor, against an empty-program floor on the same hooks and against bpftrace.
#
# Loads (bench/sensor-load.c, compiled here with cc into the build tree's cache): an
# open/close loop, a fork+exec(/bin/true)+wait loop, and a TCP connect+accept+close loop on
# 127.0.0.1, each run for $BENCH_SENSOR_SECONDS and timed per iteration. Configurations,
# started before and stopped after each group of three loads, alternated (rotated order)
# over $BENCH_RUNS repetitions; the figure is the median time per iteration:
#   none      nothing attached
#   floor     bench/sensor-floor.bpf.c: one program on each hook the sensor can use
#             (tp_btf/sched_process_exec, _exit, _fork, sys_enter, sys_exit) that only
#             returns, loaded and attached with libbpf by `sensor-load floor` (bpftool 7.1
#             has no `autoattach`, and tp_btf programs cannot be attached with bpftool).
#             With the default kinds the sensor itself leaves sys_enter alone (sys_exit
#             reads the arguments from the saved registers), so per syscall it runs one
#             program where the floor runs two
#   bulkhead  `bulkhead sensor run` (default event kinds, JSON events to /dev/null)
#   +rules    `bulkhead sensor run --rules falco_rules.yaml` (the stock Falco rules from
#             ../shared/testdata/runtime; every event kind; alerts to /dev/null; no stock
#             rule reads the capabilities of unshare/setns, so sys_enter stays detached here
#             too); skipped when the test data is absent
#   bpftrace  bpftrace counting the same five events (tracepoint:raw_syscalls:sys_enter,
#             sys_exit, tracepoint:sched:sched_process_exec, _exit, _fork); skipped when
#             bpftrace is not installed (scripts/deps.sh --bench installs it)
# overhead = median(config) / median(none) - 1; ratio = overhead(bulkhead) / overhead(floor).
# Goal: <= 5 % overhead on these loads.
# Also: the sensor's CPU (utime+stime from /proc/PID/stat during the loads, % of one CPU),
# its peak RSS (VmHWM; goal < 64 MiB), and the drop ladder: the sensor started afresh for
# each step of an open loop paced at an increasing rate, the drops read from the counters
# line it prints at exit; the highest rate with zero drops (goal: none at 200k events/s).
#
# Pinning (BENCH_SENSOR_PIN, default "0 1" on a machine with two CPUs or more): the loads
# run on the first CPU, the tool (sensor, floor loader, bpftrace) on the second, so the
# figures are the cost on the watched CPU rather than two processes sharing one; "none"
# pins nothing.
#
# HTTP server under load (the realistic load): nginx (1 worker, a 1 KiB static file,
# sendfile, a buffered access log in the temporary directory) on 127.0.0.1, driven by
# h2load (HTTP/1.1, $BENCH_SENSOR_HTTP_CLIENTS connections, one thread) in two variants:
#   keepalive  every connection stays open (per request: recvfrom, openat, newfstatat,
#              writev, sendfile, close on the server; read/write on the client)
#   close      nginx answers with "Connection: close" (keepalive_timeout 0) and h2load
#              connects again for the next request: accept4 + connect + close per request
# Each timed run is a fresh tool and $N requests (calibrated with no sensor to take about
# $BENCH_SENSOR_HTTP_SECONDS), configurations alternated over $BENCH_RUNS rounds, once with
# server and client pinned to the load CPU and the tool to the other ("pinned"), once with
# nothing pinned ("unpinned"; the sensor's user-space work then competes with the load).
# overhead = req/s(none) / req/s(config) - 1 (the extra time per request, as for the
# loads above), its spread the min..max of the same ratio within each round. Also the
# sensor's CPU % during the run, the records it emitted per request (everything it saw,
# other processes included), and what it captures per request from nginx and h2load
# alone, by event type (one recorded run per variant, default kinds and every kind).
# Goal: <= 5 % on this load. Skipped when nginx (nginx-light) or h2load (nghttp2-client)
# is missing; scripts/deps.sh --bench installs both.
#
# Root only (skipped otherwise, exit 0). Mounts tracefs on /sys/kernel/tracing for
# bpftrace when it is missing, and unmounts it at the end.
#
# Environment: BULKHEAD (the binary), BH_SOURCE_ROOT, BH_BUILD_ROOT (cache in
# $BH_BUILD_ROOT/cache); optional BENCH_RUNS (5), BENCH_SENSOR_SECONDS (1, per load),
# BENCH_SENSOR_LADDER (rates, "25000 50000 100000 200000 300000 400000 600000"),
# BENCH_SENSOR_LADDER_SECONDS (2), BH_SHARED_TESTDATA (../shared/testdata),
# BENCH_SENSOR_PARTS ("micro http": the syscall loads with the drop ladder, the HTTP load),
# BENCH_SENSOR_PIN ("0 1" or "none"), BENCH_SENSOR_HTTP_SECONDS (3),
# BENCH_SENSOR_HTTP_CLIENTS (16), BENCH_SENSOR_HTTP_MODES ("pinned unpinned"),
# BENCH_SENSOR_NICE (unset; e.g. -20: the script, and so the loads, nginx, h2load and the
# tools, run at that nice level, which keeps other jobs of a shared machine from moving
# the figures by several times as much as what is measured), BENCH_SENSOR_QUIET_WAIT (60:
# before each timed run, the seconds to wait for BPF programs loaded by someone else, such
# as another sensor's test, to go away; a run that still overlaps them is counted and the
# count printed with the figures).
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"
: "${BH_BUILD_ROOT:?BH_BUILD_ROOT is not set}"
RUNS=${BENCH_RUNS:-5}
SECS=${BENCH_SENSOR_SECONDS:-1}
LADDER=${BENCH_SENSOR_LADDER:-25000 50000 100000 200000 300000 400000 600000}
LADDER_SECS=${BENCH_SENSOR_LADDER_SECONDS:-2}
SHARED=${BH_SHARED_TESTDATA:-$BH_SOURCE_ROOT/../shared/testdata}
RULES=$SHARED/runtime/falco_rules.yaml
CACHE=$BH_BUILD_ROOT/cache/sensor-bench
LOADS="open forkexec connect"
PARTS=${BENCH_SENSOR_PARTS:-micro http}
HTTP_SECS=${BENCH_SENSOR_HTTP_SECONDS:-3}
HTTP_CLIENTS=${BENCH_SENSOR_HTTP_CLIENTS:-16}
HTTP_MODES=${BENCH_SENSOR_HTTP_MODES:-pinned unpinned}
PIN_DEFAULT=none
[ "$(nproc)" -ge 2 ] && PIN_DEFAULT="0 1"
PIN=${BENCH_SENSOR_PIN:-$PIN_DEFAULT}
NICE=${BENCH_SENSOR_NICE:-}
QUIET_WAIT=${BENCH_SENSOR_QUIET_WAIT:-60}
# LOAD_PIN / TOOL_PIN: the command prefixes that pin a load and a tool (empty: unpinned)
LOAD_PIN=()
TOOL_PIN=()
if [ "$PIN" != none ]; then
	read -r PIN_LOAD PIN_TOOL <<<"$PIN"
	LOAD_PIN=(taskset -c "$PIN_LOAD")
	TOOL_PIN=(taskset -c "$PIN_TOOL")
fi

skip()
{
	echo "sensor bench: skipped ($*)"
	exit 0
}

[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$BULKHEAD" ] || { echo "sensor bench: $BULKHEAD is not executable" >&2; exit 1; }
for tool in cc clang pkg-config; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
done
pkg-config --exists libbpf || skip "libbpf (libbpf-dev) is not installed"

if [ -n "$NICE" ]; then
	renice -n "$NICE" -p $$ >/dev/null || { echo "sensor bench: renice $NICE failed" >&2; exit 1; }
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bh-bench-sensor.XXXXXX")
TOOL_PID=
NGINX_PID=
MOUNTED_TRACEFS=
cleanup()
{
	local pid
	for pid in "$TOOL_PID" "$NGINX_PID"; do
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	[ -n "$MOUNTED_TRACEFS" ] && umount /sys/kernel/tracing 2>/dev/null
	rm -rf -- "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------
# the load generator and the floor, compiled into the cache when their source changes

mkdir -p "$CACHE"
LOAD=$CACHE/sensor-load
FLOOR_OBJ=$CACHE/sensor-floor.bpf.o
if [ ! -x "$LOAD" ] || [ "$BH_SOURCE_ROOT/bench/sensor-load.c" -nt "$LOAD" ]; then
	# shellcheck disable=SC2046 # pkg-config output is a list of flags
	cc -O2 -Wall -Wextra -o "$LOAD.tmp" "$BH_SOURCE_ROOT/bench/sensor-load.c" \
		$(pkg-config --cflags --libs libbpf) && mv "$LOAD.tmp" "$LOAD"
fi
if [ ! -f "$FLOOR_OBJ" ] || [ "$BH_SOURCE_ROOT/bench/sensor-floor.bpf.c" -nt "$FLOOR_OBJ" ]; then
	# <linux/bpf.h> needs <asm/types.h>, which lives in the multiarch include directory
	clang -O2 -g -Wall -target bpf -I"/usr/include/$(cc -print-multiarch)" \
		-c "$BH_SOURCE_ROOT/bench/sensor-floor.bpf.c" -o "$FLOOR_OBJ.tmp" &&
		mv "$FLOOR_OBJ.tmp" "$FLOOR_OBJ"
fi

# The sensor must start at all (BPF support built in, a kernel with BTF).
if ! "$BULKHEAD" sensor run --duration 1 >/dev/null 2>"$TMP/probe.err"; then
	skip "bulkhead sensor run does not start here: $(grep -v '^sensor exit' "$TMP/probe.err" |
		head -n 1)"
fi

BPFTRACE=$(command -v bpftrace || true)
if [ -n "$BPFTRACE" ] && [ ! -d /sys/kernel/tracing/events ]; then
	if mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null; then
		MOUNTED_TRACEFS=1
	else
		echo "bpftrace: tracefs is not mounted and cannot be; skipped"
		BPFTRACE=
	fi
fi
BT_PROG='tracepoint:raw_syscalls:sys_enter, tracepoint:raw_syscalls:sys_exit,
tracepoint:sched:sched_process_exec, tracepoint:sched:sched_process_exit,
tracepoint:sched:sched_process_fork { @n = count(); } BEGIN { printf("ready\n"); }'

CONFIGS="none floor bulkhead"
if [ -f "$RULES" ]; then
	CONFIGS="$CONFIGS rules"
else
	echo "+rules: skipped ($RULES is absent)"
fi
if [ -n "$BPFTRACE" ]; then
	CONFIGS="$CONFIGS bpftrace"
else
	echo "bpftrace: not installed (scripts/deps.sh --bench installs it); reference skipped"
fi
HZ=$(getconf CLK_TCK)
# Events and alerts go to /dev/null; were it a regular file, the sensor would pay for writes.
[ -c /dev/null ] || echo "warning: /dev/null is not a character device here; the sensor's" \
	"output costs a file write per event"

# ---------------------------------------------------------------------------------------
# helpers

# median < numbers
median()
{
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan";
		else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

calc()
{
	LC_ALL=C awk "BEGIN { $1 }"
}

# cpu_ticks PID: utime + stime of PID (fields 14 and 15, counted after the comm's ')')
cpu_ticks()
{
	[ -n "$1" ] || { echo 0; return; }
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0
}

# wait_for FILE PATTERN PID : until PATTERN shows in FILE (1), PID is gone or 60 s pass (0)
wait_for()
{
	local i
	for ((i = 0; i < 600; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start CONFIG LOG : start CONFIG in the background (TOOL_PID) and wait until attached
start()
{
	local cfg=$1 log=$2
	TOOL_PID=
	: >"$log"
	case $cfg in
	none) return 0 ;;
	floor)
		"${TOOL_PIN[@]}" "$LOAD" floor "$FLOOR_OBJ" >"$log" 2>&1 &
		TOOL_PID=$!
		wait_for "$log" '^attached' "$TOOL_PID" && return 0
		;;
	bulkhead)
		"${TOOL_PIN[@]}" "$BULKHEAD" -v sensor run >/dev/null 2>"$log" &
		TOOL_PID=$!
		wait_for "$log" 'sensor attached' "$TOOL_PID" && return 0
		;;
	rules)
		"${TOOL_PIN[@]}" "$BULKHEAD" -v sensor run --rules "$RULES" >/dev/null 2>"$log" &
		TOOL_PID=$!
		wait_for "$log" 'sensor attached' "$TOOL_PID" && return 0
		;;
	bpftrace)
		"${TOOL_PIN[@]}" "$BPFTRACE" -e "$BT_PROG" >"$log" 2>&1 &
		TOOL_PID=$!
		wait_for "$log" '^ready' "$TOOL_PID" && return 0
		;;
	esac
	echo "$cfg: did not start; its output:"
	tail -n 5 "$log" | sed 's/^/  /'
	stop
	return 1
}

# stop : SIGTERM to TOOL_PID (SIGINT is ignored by background jobs of a script), wait
stop()
{
	[ -n "$TOOL_PID" ] || return 0
	kill -TERM "$TOOL_PID" 2>/dev/null || true
	wait "$TOOL_PID" 2>/dev/null || true
	TOOL_PID=
}

# foreign_progs : BPF programs loaded now (by someone else when none of ours runs)
foreign_progs()
{
	command -v bpftool >/dev/null 2>&1 || { echo 0; return; }
	bpftool prog show 2>/dev/null | grep -c '^[0-9]*:' || true
}

# quiet : wait up to QUIET_WAIT seconds for foreign programs to go away; 0 when they did
QUIET_RUNS=0
NOISY_RUNS=0
quiet()
{
	local i
	for ((i = 0; i < QUIET_WAIT * 2; i++)); do
		[ "$(foreign_progs)" = 0 ] && break
		sleep 0.5
	done
	if [ "$(foreign_progs)" = 0 ]; then
		QUIET_RUNS=$((QUIET_RUNS + 1))
		return 0
	fi
	NOISY_RUNS=$((NOISY_RUNS + 1))
	echo "  (other BPF programs are loaded: $(bpftool prog show 2>/dev/null |
		sed -n 's/^[0-9]*: [a-z_]*  name \([^ ]*\).*/\1/p' | sort -u | tr '\n' ' '))"
	return 1
}

# hwm_kb PID : peak RSS in KiB
hwm_kb()
{
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# dropped LOG : the "dropped N" of the sensor's exit counters line
dropped()
{
	sed -n 's/^sensor exit: .*, dropped \([0-9]*\) .*/\1/p' "$1" | tail -n 1
}

emitted()
{
	sed -n 's/^sensor exit: emitted \([0-9]*\),.*/\1/p' "$1" | tail -n 1
}

# ---------------------------------------------------------------------------------------
# the loads under each configuration

echo "bulkhead: $("$BULKHEAD" --version 2>/dev/null | head -n 1 || echo "$BULKHEAD")"
echo "kernel $(uname -r), $(nproc) CPUs; ${BPFTRACE:+$("$BPFTRACE" --version), }$RUNS runs" \
	"of $SECS s per load"
echo "configurations: $CONFIGS; parts: $PARTS; pinned: ${PIN/ /, } (load, tool);" \
	"nice ${NICE:-unchanged}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)" = 1 ]; then
	echo "warning: kernel.bpf_stats_enabled is 1: every BPF program run pays two clock reads" \
		"(sysctl -w kernel.bpf_stats_enabled=0 to measure without)"
fi

# label CONFIG : its name in the tables
label()
{
	case $1 in
	rules) echo "+rules" ;;
	*) echo "$1" ;;
	esac
}

has_part()
{
	case " $PARTS " in *" $1 "*) return 0 ;; esac
	return 1
}

read -r -a CFGS <<<"$CONFIGS"
NCFG=${#CFGS[@]}

# rotation REP : the configurations in the order of round REP
rotation()
{
	local k order=
	for ((k = 0; k < NCFG; k++)); do
		order="$order ${CFGS[$(((k + $1) % NCFG))]}"
	done
	echo "$order"
}

# ---------------------------------------------------------------------------------------
# the syscall loads (and the drop ladder, and their summary)

micro()
{
	declare -gA CPU_TICKS CPU_WALL HWM DROPS FAILED
	for cfg in $CONFIGS; do
		CPU_TICKS[$cfg]=0
		CPU_WALL[$cfg]=0
		HWM[$cfg]=0
		DROPS[$cfg]=0
		FAILED[$cfg]=
	done
	: >"$TMP/file" # what the open loop opens

	for ((rep = 0; rep < RUNS; rep++)); do
		order=$(rotation "$rep")
		echo "run $((rep + 1))/$RUNS:$order"
		for cfg in $order; do
			[ -z "${FAILED[$cfg]}" ] || continue
			log=$TMP/$cfg.$rep.log
			quiet || true
			if ! start "$cfg" "$log"; then
				FAILED[$cfg]=1
				continue
			fi
			t0=$(cpu_ticks "$TOOL_PID")
			wall=0
			for load in $LOADS; do
				if ! out=$("${LOAD_PIN[@]}" "$LOAD" "$load" "$SECS" 0 "$TMP/file" 2>&1); then
					echo "sensor-load $load failed under $cfg: $out"
					stop
					exit 1
				fi
				read -r _ ops _ secs <<<"$out"
				calc "printf \"%.4f\n\", $secs * 1e6 / $ops" >>"$TMP/t.$cfg.$load"
				wall=$(calc "print $wall + $secs")
			done
			if [ -n "$TOOL_PID" ]; then
				t1=$(cpu_ticks "$TOOL_PID")
				CPU_TICKS[$cfg]=$((${CPU_TICKS[$cfg]} + t1 - t0))
				CPU_WALL[$cfg]=$(calc "print ${CPU_WALL[$cfg]} + $wall")
				h=$(hwm_kb "$TOOL_PID")
				[ "${h:-0}" -gt "${HWM[$cfg]}" ] && HWM[$cfg]=$h
			fi
			stop
			d=$(dropped "$log")
			[ -n "$d" ] && DROPS[$cfg]=$((${DROPS[$cfg]} + d))
		done
	done

	# ---------------------------------------------------------------------------------------
	# drop ladder: an open loop paced at increasing rates, a fresh sensor for each step

	ladder()
	{
		local cfg=$1 rate out ops secs d e t0 t1 achieved cpu best=0 best_achieved=0 first_drop=
		echo
		echo "== drop ladder: $cfg, open loop for $LADDER_SECS s per step"
		printf '%10s %12s %10s %12s %8s\n' "rate/s" "achieved/s" "emitted" "dropped" "CPU %"
		for rate in $LADDER; do
			start "$cfg" "$TMP/ladder.log" || return 0
			t0=$(cpu_ticks "$TOOL_PID")
			out=$("${LOAD_PIN[@]}" "$LOAD" open "$LADDER_SECS" "$rate" "$TMP/file") ||
				{ stop; return 1; }
			t1=$(cpu_ticks "$TOOL_PID")
			stop
			read -r _ ops _ secs <<<"$out"
			d=$(dropped "$TMP/ladder.log")
			e=$(emitted "$TMP/ladder.log")
			achieved=$(calc "printf \"%.0f\", $ops / $secs")
			cpu=$(calc "printf \"%.1f\", ($t1 - $t0) * 100 / $HZ / $secs")
			printf '%10s %12s %10s %12s %8s\n' "$rate" "$achieved" "${e:-?}" "${d:-?}" "$cpu"
			if [ "${d:-1}" = 0 ]; then
				best=$rate
				best_achieved=$achieved
			else
				first_drop="$rate/s (achieved $achieved/s, $d dropped)"
				break
			fi
		done
		LADDER_BEST[$cfg]=$best
		LADDER_ACHIEVED[$cfg]=$best_achieved
		LADDER_DROP[$cfg]=${first_drop:-none up to $rate/s}
	}

	declare -gA LADDER_BEST LADDER_ACHIEVED LADDER_DROP
	for cfg in bulkhead rules; do
		case " $CONFIGS " in *" $cfg "*) ;; *) continue ;; esac
		[ -z "${FAILED[$cfg]}" ] || continue
		ladder "$cfg"
	done

	# ---------------------------------------------------------------------------------------
	# summary

	declare -gA MED
	for cfg in $CONFIGS; do
		for load in $LOADS; do
			MED[$cfg.$load]=nan
			[ -s "$TMP/t.$cfg.$load" ] && MED[$cfg.$load]=$(median <"$TMP/t.$cfg.$load")
		done
	done

	echo
	echo "== summary: time per iteration in µs (median of $RUNS alternating runs of $SECS s;" \
		"$NOISY_RUNS of $((QUIET_RUNS + NOISY_RUNS)) runs overlapped other BPF programs)"
	printf '%-10s' load
	for cfg in $CONFIGS; do printf ' %10s' "$(label "$cfg")"; done
	echo
	for load in $LOADS; do
		printf '%-10s' "$load"
		for cfg in $CONFIGS; do printf ' %10s' "$(calc "printf \"%.3f\", ${MED[$cfg.$load]}")"; done
		echo
	done

	echo
	echo "== summary: overhead vs no sensor (goal for bulkhead: <= 5 %), ratio = overhead / floor's"
	# pct CFG LOAD : overhead of CFG on LOAD as a fraction, or nan
	pct()
	{
		local m=${MED[$1.$2]} n=${MED[none.$2]}
		if [ "$m" = nan ] || [ "$n" = nan ]; then echo nan; else calc "print $m / $n - 1"; fi
	}
	printf '%-10s' load
	for cfg in $CONFIGS; do [ "$cfg" = none ] || printf ' %10s' "$(label "$cfg")"; done
	printf ' %10s %10s  %s\n' "bh/floor" "rules/fl" "goal <= 5 %"
	for load in $LOADS; do
		printf '%-10s' "$load"
		for cfg in $CONFIGS; do
			[ "$cfg" = none ] && continue
			o=$(pct "$cfg" "$load")
			if [ "$o" = nan ]; then
				printf ' %10s' -
			else
				printf ' %9s%%' "$(calc "printf \"%+.1f\", $o * 100")"
			fi
		done
		fl=$(pct floor "$load")
		verdict=
		for cfg in bulkhead rules; do
			o=nan
			case " $CONFIGS " in *" $cfg "*) o=$(pct "$cfg" "$load") ;; esac
			if [ "$o" = nan ] || [ "$fl" = nan ]; then
				printf ' %10s' -
			else
				printf ' %10s' "$(calc "if ($fl <= 0) print \"-\"; else printf \"%.2f\", $o / $fl")"
			fi
			[ "$o" = nan ] && continue
			verdict="$verdict $(label "$cfg") $(calc "print ($o <= 0.05) ? \"ok\" : \"MISSED\"")"
		done
		echo " $verdict"
	done

	echo
	echo "== summary: the tools' own cost during the loads (CPU % of one CPU, peak RSS;" \
		"goal RSS < 64 MiB)"
	printf '%-10s %8s %10s %14s  %s\n' config "CPU %" "RSS MiB" "drops (loads)" "RSS goal"
	for cfg in $CONFIGS; do
		[ "$cfg" = none ] && continue
		if [ -n "${FAILED[$cfg]}" ]; then
			printf '%-10s %8s %10s %14s\n' "$(label "$cfg")" failed - -
			continue
		fi
		cpu=$(calc "w = ${CPU_WALL[$cfg]}; if (w > 0) printf \"%.1f\",
			${CPU_TICKS[$cfg]} * 100 / $HZ / w; else print \"-\"")
		rss=$(calc "printf \"%.1f\", ${HWM[$cfg]} / 1024")
		goal=
		case $cfg in
		bulkhead | rules) goal=$(calc "print (${HWM[$cfg]} < 65536) ? \"ok\" : \"MISSED\"") ;;
		esac
		drops=-
		case $cfg in bulkhead | rules) drops=${DROPS[$cfg]} ;; esac
		printf '%-10s %8s %10s %14s  %s\n' "$(label "$cfg")" "$cpu" "$rss" "$drops" "$goal"
	done

	if [ ${#LADDER_BEST[@]} -gt 0 ]; then
		echo
		echo "== summary: highest open rate with zero drops (goal: no drops at 200000 events/s)"
		for cfg in bulkhead rules; do
			[ -n "${LADDER_BEST[$cfg]:-}" ] || continue
			ok=$(calc "print (${LADDER_BEST[$cfg]} >= 200000) ? \"ok\" : \"MISSED\"")
			best="${LADDER_BEST[$cfg]}/s (achieved ${LADDER_ACHIEVED[$cfg]}/s)"
			[ "${LADDER_BEST[$cfg]}" = 0 ] && best="below the first step"
			printf '%-10s %-30s  first drops: %s  %s\n' "$(label "$cfg")" "$best" \
				"${LADDER_DROP[$cfg]}" "$ok"
		done
	fi
}

# ---------------------------------------------------------------------------------------
# HTTP server under load: nginx and h2load on loopback

NGINX=$(command -v nginx || true)
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
H2LOAD=$(command -v h2load || true)
HTTP_DIR=$TMP/http
HTTP_PORT=
HTTP_PIN=()
HTTP_VARIANTS="keepalive close"

# http_port VARIANT : the port of the nginx server block of VARIANT
http_port()
{
	case $1 in
	keepalive) echo "$HTTP_PORT" ;;
	close) echo $((HTTP_PORT + 1)) ;;
	esac
}

# h2load_run VARIANT N [PIN...] : N requests of the 1 KiB file; h2load's report on stdout
h2load_run()
{
	local port n=$2
	port=$(http_port "$1")
	shift 2
	timeout 600 "$@" "$H2LOAD" --h1 -n "$n" -c "$HTTP_CLIENTS" -t 1 \
		"http://127.0.0.1:$port/index.html"
}

# h2load_parse REPORT : "REQ_PER_S SUCCEEDED" from h2load's "finished in 3.01s, 29070.56
# req/s, ..." and "requests: N total, N started, N done, N succeeded, ..." lines
h2load_parse()
{
	awk '/^finished in/ { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^req\/s/) r = $i }
		/^requests:/ { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^succeeded/) ok = $i }
		END { printf "%s %s\n", (r == "" ? "nan" : r), (ok == "" ? 0 : ok) }' <<<"$1"
}

# nginx_start : nginx (master + 1 worker, pinned by HTTP_PIN) on two free ports; NGINX_PID
nginx_start()
{
	local try ok i out
	mkdir -p "$HTTP_DIR/www" "$HTTP_DIR/logs"
	# the worker runs as nobody and must reach the document root inside the mktemp dir
	chmod 0755 "$TMP" "$HTTP_DIR" "$HTTP_DIR/www"
	awk 'BEGIN { for (i = 0; i < 16; i++) printf "%063d\n", i }' >"$HTTP_DIR/www/index.html"
	for ((try = 0; try < 5; try++)); do
		HTTP_PORT=$((20000 + RANDOM % 30000))
		cat >"$HTTP_DIR/nginx.conf" <<-CONF
			daemon off;
			worker_processes 1;
			pid $HTTP_DIR/nginx.pid;
			error_log $HTTP_DIR/logs/error.log warn;
			events { worker_connections 1024; }
			http {
				access_log $HTTP_DIR/logs/access.log combined buffer=64k;
				client_body_temp_path $HTTP_DIR/body;
				proxy_temp_path $HTTP_DIR/proxy;
				fastcgi_temp_path $HTTP_DIR/fastcgi;
				uwsgi_temp_path $HTTP_DIR/uwsgi;
				scgi_temp_path $HTTP_DIR/scgi;
				sendfile on;
				server {
					listen 127.0.0.1:$HTTP_PORT;
					root $HTTP_DIR/www;
					keepalive_requests 100000000;
				}
				server {
					listen 127.0.0.1:$((HTTP_PORT + 1));
					root $HTTP_DIR/www;
					keepalive_timeout 0;
				}
			}
		CONF
		"${HTTP_PIN[@]}" "$NGINX" -p "$HTTP_DIR" -c "$HTTP_DIR/nginx.conf" -e \
			"$HTTP_DIR/logs/error.log" >>"$HTTP_DIR/logs/stderr" 2>&1 &
		NGINX_PID=$!
		ok=
		for ((i = 0; i < 50; i++)); do
			kill -0 "$NGINX_PID" 2>/dev/null || break
			out=$(timeout 10 "$H2LOAD" --h1 -n 1 -c 1 \
				"http://127.0.0.1:$HTTP_PORT/index.html" 2>/dev/null) || true
			if [ "$(h2load_parse "$out" | cut -d' ' -f2)" = 1 ]; then
				ok=1
				break
			fi
			sleep 0.1
		done
		[ -n "$ok" ] && return 0
		nginx_stop
	done
	echo "nginx did not start; its error log:"
	tail -n 5 "$HTTP_DIR/logs/error.log" 2>/dev/null | sed 's/^/  /'
	return 1
}

nginx_stop()
{
	[ -n "$NGINX_PID" ] || return 0
	kill -TERM "$NGINX_PID" 2>/dev/null || true
	wait "$NGINX_PID" 2>/dev/null || true
	NGINX_PID=
}

# http_breakdown : what the sensor records per request from nginx and h2load, by type,
# with the default kinds and with every kind (as --rules captures); JSON to a temporary
# file, 5,000 requests per variant, nothing pinned
http_breakdown()
{
	local variant kinds n=5000 ev=$HTTP_DIR/events.json log=$HTTP_DIR/breakdown.log d
	echo
	echo "== HTTP: records per request from nginx and h2load (one run of $n requests;" \
		"all records of those two processes / $n)"
	for variant in $HTTP_VARIANTS; do
		for kinds in default all; do
			: >"$log"
			if [ "$kinds" = all ]; then
				"$BULKHEAD" -v sensor run --events all >"$ev" 2>"$log" &
			else
				"$BULKHEAD" -v sensor run >"$ev" 2>"$log" &
			fi
			TOOL_PID=$!
			if ! wait_for "$log" 'sensor attached' "$TOOL_PID"; then
				echo "the sensor did not start: $(tail -n 1 "$log")"
				stop
				return 0
			fi
			h2load_run "$variant" "$n" >/dev/null || true
			stop
			d=$(dropped "$log")
			printf '%-10s %-8s ' "$variant" "$kinds"
			jq -r 'select(.proc.name == "nginx" or .proc.name == "h2load") | .type' "$ev" |
				sort | uniq -c | sort -rn |
				awk -v n="$n" -v d="${d:-?}" '{ t += $1 }
					$1 / n >= 0.005 { s = s sprintf(" %s %.2f,", $2, $1 / n) }
					END { sub(/,$/, "", s); printf "%5.2f /request:%s (dropped %s)\n",
						t / n, s, d }'
		done
	done
	rm -f -- "$ev"
}

# http_mode MODE : the HTTP load under every configuration, pinned or unpinned
http_mode()
{
	local mode=$1 variant cfg rep order log out rate ok t0 t1 n e d
	local -A N
	case $mode in
	pinned)
		if [ ${#LOAD_PIN[@]} = 0 ]; then
			echo "HTTP pinned: skipped (BENCH_SENSOR_PIN=none)"
			return 0
		fi
		HTTP_PIN=("${LOAD_PIN[@]}")
		;;
	unpinned)
		HTTP_PIN=()
		TOOL_PIN=()
		;;
	*)
		echo "HTTP: unknown mode $mode (pinned or unpinned)"
		return 0
		;;
	esac
	nginx_start || return 0
	# calibration: N requests take about $HTTP_SECS with nothing attached
	quiet >/dev/null || true
	QUIET_RUNS=0
	NOISY_RUNS=0
	for variant in $HTTP_VARIANTS; do
		out=$(h2load_run "$variant" 20000 "${HTTP_PIN[@]}") || true
		rate=$(h2load_parse "$out" | cut -d' ' -f1)
		N[$variant]=$(calc "r = \"$rate\" + 0; n = int(r * $HTTP_SECS / 1000) * 1000;
			print (n < 5000) ? 5000 : n")
	done
	echo
	echo "== HTTP $mode: nginx (1 worker) + h2load -c $HTTP_CLIENTS -t 1${HTTP_PIN[*]:+ on CPU $PIN_LOAD}," \
		"tool${TOOL_PIN[*]:+ on CPU $PIN_TOOL}; requests per run: keepalive ${N[keepalive]}," \
		"close ${N[close]}"
	for ((rep = 0; rep < RUNS; rep++)); do
		order=$(rotation "$rep")
		echo "http $mode run $((rep + 1))/$RUNS:$order"
		for cfg in $order; do
			for variant in $HTTP_VARIANTS; do
				[ -z "${HFAILED[$cfg]:-}" ] || continue
				log=$TMP/http.$mode.$cfg.$variant.$rep.log
				quiet || true
				if ! start "$cfg" "$log"; then
					HFAILED[$cfg]=1
					continue
				fi
				t0=$(cpu_ticks "$TOOL_PID")
				out=$(h2load_run "$variant" "${N[$variant]}" "${HTTP_PIN[@]}") || true
				t1=$(cpu_ticks "$TOOL_PID")
				stop
				read -r rate ok <<<"$(h2load_parse "$out")"
				if [ "$rate" = nan ] || [ "$ok" != "${N[$variant]}" ]; then
					echo "h2load under $cfg ($variant): $ok of ${N[$variant]} succeeded;" \
						"run not counted"
					continue
				fi
				echo "$rep $rate" >>"$TMP/h.$mode.$variant.$cfg"
				# tool CPU ticks, wall seconds, records emitted, requests, drops
				e=$(emitted "$log")
				d=$(dropped "$log")
				echo "$((t1 - t0)) $(calc "print ${N[$variant]} / $rate") ${e:-0}" \
					"${N[$variant]} ${d:-0}" >>"$TMP/hc.$mode.$variant.$cfg"
			done
		done
	done
	nginx_stop
	http_summary "$mode"
	[ -n "$PIN" ] && [ "$PIN" != none ] && TOOL_PIN=(taskset -c "$PIN_TOOL")
	return 0
}

# http_summary MODE
http_summary()
{
	local mode=$1 variant cfg f nf o verdict cell
	local -A OV
	echo
	echo "== HTTP $mode: requests/s, median of $RUNS alternating runs [min..max];" \
		"$NOISY_RUNS of $((QUIET_RUNS + NOISY_RUNS)) runs overlapped other BPF programs"
	printf '%-10s' variant
	for cfg in $CONFIGS; do printf ' %19s' "$(label "$cfg")"; done
	echo
	for variant in $HTTP_VARIANTS; do
		printf '%-10s' "$variant"
		for cfg in $CONFIGS; do
			f=$TMP/h.$mode.$variant.$cfg
			cell=-
			[ -s "$f" ] && cell=$(cut -d' ' -f2 "$f" | sort -g | awk '{ v[NR] = $1 }
				END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
					printf "%.0f [%.0f..%.0f]", m, v[1], v[NR] }')
			printf ' %19s' "$cell"
		done
		echo
	done
	echo
	echo "== HTTP $mode: overhead = req/s(none) / req/s(config) - 1 on the medians" \
		"[min..max of the rounds]; goal for bulkhead <= 5 %"
	printf '%-10s' variant
	for cfg in $CONFIGS; do [ "$cfg" = none ] || printf ' %19s' "$(label "$cfg")"; done
	printf ' %8s  %s\n' "bh/floor" "goal <= 5 %"
	for variant in $HTTP_VARIANTS; do
		printf '%-10s' "$variant"
		OV=()
		for cfg in $CONFIGS; do
			[ "$cfg" = none ] && continue
			f=$TMP/h.$mode.$variant.$cfg
			nf=$TMP/h.$mode.$variant.none
			OV[$cfg]=nan
			if [ ! -s "$f" ] || [ ! -s "$nf" ]; then
				printf ' %19s' -
				continue
			fi
			OV[$cfg]=$(calc "print $(cut -d' ' -f2 "$nf" | median) / $(cut -d' ' -f2 "$f" |
				median) - 1")
			# per round: none and config of the same round
			cell=$(join <(sort -k1,1 "$nf") <(sort -k1,1 "$f") | awk -v o="${OV[$cfg]}" '
				{ r = $2 / $3 - 1; if (NR == 1 || r < lo) lo = r; if (NR == 1 || r > hi) hi = r }
				END { printf "%+.1f%% [%+.0f..%+.0f]", o * 100, lo * 100, hi * 100 }')
			printf ' %19s' "$cell"
		done
		o=-
		if [ "${OV[floor]:-nan}" != nan ] && [ "${OV[bulkhead]:-nan}" != nan ]; then
			o=$(calc "f = ${OV[floor]}; if (f <= 0) print \"-\";
				else printf \"%.2f\", ${OV[bulkhead]} / f")
		fi
		printf ' %8s ' "$o"
		verdict=
		for cfg in bulkhead rules; do
			[ "${OV[$cfg]:-nan}" = nan ] && continue
			verdict="$verdict $(label "$cfg")"
			verdict="$verdict $(calc "print (${OV[$cfg]} <= 0.05) ? \"ok\" : \"MISSED\"")"
		done
		echo " $verdict"
	done
	echo
	echo "== HTTP $mode: the tool during the runs: CPU % of one CPU, records emitted per" \
		"request (every process on the machine), drops"
	printf '%-10s %-10s %8s %10s %8s\n' variant config "CPU %" "rec/req" drops
	for variant in $HTTP_VARIANTS; do
		for cfg in $CONFIGS; do
			[ "$cfg" = none ] && continue
			f=$TMP/hc.$mode.$variant.$cfg
			[ -s "$f" ] || continue
			awk -v hz="$HZ" -v v="$variant" -v c="$(label "$cfg")" -v sensor="$(case $cfg in
				bulkhead | rules) echo 1 ;; esac)" '
				{ ticks += $1; wall += $2; e += $3; n += $4; d += $5 }
				END { printf "%-10s %-10s %8.1f %10s %8s\n", v, c, ticks * 100 / hz / wall,
					sensor ? sprintf("%.2f", e / n) : "-", sensor ? d : "-" }' "$f"
		done
	done
}

http()
{
	local mode
	if [ -z "$NGINX" ] || [ -z "$H2LOAD" ]; then
		echo
		echo "HTTP load: skipped (needs nginx and h2load: scripts/deps.sh --bench installs" \
			"nginx-light and nghttp2-client)"
		return 0
	fi
	declare -gA HFAILED=()
	for mode in $HTTP_MODES; do
		http_mode "$mode"
	done
	HTTP_PIN=()
	if command -v jq >/dev/null 2>&1 && nginx_start; then
		http_breakdown
		nginx_stop
	fi
}

if has_part micro; then
	micro
fi
if has_part http; then
	http
fi
