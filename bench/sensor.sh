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
#             ../shared/testdata/runtime; every event kind; alerts to /dev/null); skipped
#             when the test data is absent
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
# Root only (skipped otherwise, exit 0). Mounts tracefs on /sys/kernel/tracing for
# bpftrace when it is missing, and unmounts it at the end.
#
# Environment: BULKHEAD (the binary), BH_SOURCE_ROOT, BH_BUILD_ROOT (cache in
# $BH_BUILD_ROOT/cache); optional BENCH_RUNS (5), BENCH_SENSOR_SECONDS (1, per load),
# BENCH_SENSOR_LADDER (rates, "25000 50000 100000 200000 300000 400000 600000"),
# BENCH_SENSOR_LADDER_SECONDS (2), BH_SHARED_TESTDATA (../shared/testdata).
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

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bh-bench-sensor.XXXXXX")
TOOL_PID=
MOUNTED_TRACEFS=
cleanup()
{
	if [ -n "$TOOL_PID" ]; then
		kill -TERM "$TOOL_PID" 2>/dev/null || true
		wait "$TOOL_PID" 2>/dev/null || true
	fi
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
		"$LOAD" floor "$FLOOR_OBJ" >"$log" 2>&1 &
		TOOL_PID=$!
		wait_for "$log" '^attached' "$TOOL_PID" && return 0
		;;
	bulkhead)
		"$BULKHEAD" -v sensor run >/dev/null 2>"$log" &
		TOOL_PID=$!
		wait_for "$log" 'sensor attached' "$TOOL_PID" && return 0
		;;
	rules)
		"$BULKHEAD" -v sensor run --rules "$RULES" >/dev/null 2>"$log" &
		TOOL_PID=$!
		wait_for "$log" 'sensor attached' "$TOOL_PID" && return 0
		;;
	bpftrace)
		"$BPFTRACE" -e "$BT_PROG" >"$log" 2>&1 &
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
echo "configurations: $CONFIGS"

declare -A CPU_TICKS CPU_WALL HWM DROPS FAILED
for cfg in $CONFIGS; do
	CPU_TICKS[$cfg]=0
	CPU_WALL[$cfg]=0
	HWM[$cfg]=0
	DROPS[$cfg]=0
	FAILED[$cfg]=
done
: >"$TMP/file" # what the open loop opens
read -r -a CFGS <<<"$CONFIGS"
NCFG=${#CFGS[@]}

for ((rep = 0; rep < RUNS; rep++)); do
	order=
	for ((k = 0; k < NCFG; k++)); do
		order="$order ${CFGS[$(((k + rep) % NCFG))]}"
	done
	echo "run $((rep + 1))/$RUNS:$order"
	for cfg in $order; do
		[ -z "${FAILED[$cfg]}" ] || continue
		log=$TMP/$cfg.$rep.log
		if ! start "$cfg" "$log"; then
			FAILED[$cfg]=1
			continue
		fi
		t0=$(cpu_ticks "$TOOL_PID")
		wall=0
		for load in $LOADS; do
			if ! out=$("$LOAD" "$load" "$SECS" 0 "$TMP/file" 2>&1); then
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
		out=$("$LOAD" open "$LADDER_SECS" "$rate" "$TMP/file") || { stop; return 1; }
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

declare -A LADDER_BEST LADDER_ACHIEVED LADDER_DROP
for cfg in bulkhead rules; do
	case " $CONFIGS " in *" $cfg "*) ;; *) continue ;; esac
	[ -z "${FAILED[$cfg]}" ] || continue
	ladder "$cfg"
done

# ---------------------------------------------------------------------------------------
# summary

label()
{
	case $1 in
	rules) echo "+rules" ;;
	*) echo "$1" ;;
	esac
}

declare -A MED
for cfg in $CONFIGS; do
	for load in $LOADS; do
		MED[$cfg.$load]=nan
		[ -s "$TMP/t.$cfg.$load" ] && MED[$cfg.$load]=$(median <"$TMP/t.$cfg.$load")
	done
done

echo
echo "== summary: time per iteration in µs (median of $RUNS alternating runs of $SECS s)"
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
