#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/sensor-enforce.sh — what protect mode (src/sensor/enforce.h) costs and how fast it
# kills.
#
# Decision latency: tests/unit/sensor/test-enforce.c in its latency mode starts
# $BENCH_ENFORCE_N children in a protected cgroup, each making one forbidden call (exec of
# /usr/bin/id, open for writing under a protected directory, connect to a loopback peer not
# allowed), and prints per kind the median, 90th percentile and maximum of
#   call_to_decision  the child's CLOCK_BOOTTIME just before the call -> the BPF record's time
#                     stamp (taken when the hook starts writing it; the kill is sent after the
#                     path walk of the same hook)
#   call_to_reaped    the same start -> the parent's waitpid() returning the SIGKILLed child
#                     (includes the kill's delivery, the exit and the parent's wakeup); a
#                     connect is refused by the cgroup connect guard (EPERM) and the child
#                     killed at the connect's exit
#
# Overhead: the loads of bench/sensor-load.c (open/close loop, fork+exec(/bin/true)+wait,
# TCP connect+accept on 127.0.0.1; compiled here into the build tree's cache) run in a cgroup
# of their own for $BENCH_SENSOR_SECONDS each under three configurations, rotated over
# $BENCH_RUNS rounds; the figure is the median time per iteration:
#   none     nothing attached
#   plain    a sensor session with the default kinds (the test program's driver mode; events
#            are counted, not written)
#   protect  the same session with protect mode loaded and the load's cgroup protected
#            (exec, write, connect: its executables, 127.0.0.1 on any port and /etc
#            allowed/protected, so nothing is killed and every check runs to its end: exec's
#            path hash, each open's write test, each connect's peer lookups in the connect
#            guard and at exit)
# overhead = median(config) / median(none) - 1; ratio = median(protect) / median(plain).
# Pinned like bench/sensor.sh: loads on the first CPU, the session on the second.
#
# Root only (skipped otherwise, exit 0). Environment: BH_SOURCE_ROOT, BH_BUILD_ROOT; optional
# BENCH_RUNS (5), BENCH_SENSOR_SECONDS (1), BENCH_ENFORCE_N (200), BENCH_SENSOR_PIN ("0 1" or
# "none").
set -eu

: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"
: "${BH_BUILD_ROOT:?BH_BUILD_ROOT is not set}"
RUNS=${BENCH_RUNS:-5}
SECS=${BENCH_SENSOR_SECONDS:-1}
N=${BENCH_ENFORCE_N:-200}
PROG=$BH_BUILD_ROOT/tests/sensor-test-enforce
CACHE=$BH_BUILD_ROOT/cache/sensor-bench
LOADS="open forkexec connect"
CONFIGS="none plain protect"
PIN_DEFAULT=none
[ "$(nproc)" -ge 2 ] && PIN_DEFAULT="0 1"
PIN=${BENCH_SENSOR_PIN:-$PIN_DEFAULT}
LOAD_PIN=()
TOOL_PIN=()
if [ "$PIN" != none ]; then
	read -r PIN_LOAD PIN_TOOL <<<"$PIN"
	LOAD_PIN=(taskset -c "$PIN_LOAD")
	TOOL_PIN=(taskset -c "$PIN_TOOL")
fi

skip()
{
	echo "sensor-enforce bench: skipped ($*)"
	exit 0
}

[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$PROG" ] || skip "$PROG is not built"
command -v cc >/dev/null 2>&1 || skip "cc is not installed"
pkg-config --exists libbpf 2>/dev/null || skip "libbpf (libbpf-dev) is not installed"
CGROOT=
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	if [ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ]; then
		CGROOT=$d
		break
	fi
done
[ -n "$CGROOT" ] || skip "no cgroup2 mount at /sys/fs/cgroup or /sys/fs/cgroup/unified"

mkdir -p "$CACHE"
LOAD=$CACHE/sensor-load
if [ ! -x "$LOAD" ] || [ "$BH_SOURCE_ROOT/bench/sensor-load.c" -nt "$LOAD" ]; then
	# shellcheck disable=SC2046 # pkg-config output is a list of flags
	cc -O2 -Wall -Wextra -o "$LOAD.tmp" "$BH_SOURCE_ROOT/bench/sensor-load.c" \
		$(pkg-config --cflags --libs libbpf) && mv "$LOAD.tmp" "$LOAD"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bh-bench-enforce.XXXXXX")
CG=$CGROOT/bh-bench-enforce-$$
TOOL_PID=
cleanup()
{
	if [ -n "$TOOL_PID" ]; then
		kill -TERM "$TOOL_PID" 2>/dev/null || true
		wait "$TOOL_PID" 2>/dev/null || true
	fi
	rmdir "$CG" 2>/dev/null || true
	rm -rf -- "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir "$CG"
: >"$TMP/file"

median()
{
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan";
		else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

calc()
{
	LC_ALL=C awk "BEGIN { $1 }"
}

echo "kernel $(uname -r), $(nproc) CPUs; cgroup2 at $CGROOT; pinned: ${PIN/ /, } (load, tool);" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------
# decision latency

echo
echo "== decision latency: $N killed calls per kind (µs)"
printf '%-9s %-18s %10s %10s %10s\n' kind span median p90 max
if BH_TEST_ENFORCE_LIVE=1 BH_ENFORCE_BENCH=latency BH_ENFORCE_BENCH_N=$N \
	"${LOAD_PIN[@]}" "$PROG" >"$TMP/latency.out" 2>&1; then
	sed -n 's/^# bench \([a-z]*\) \([a-z_]*\) n [0-9]* median_us \([0-9.]*\) p90_us \([0-9.]*\) max_us \([0-9.]*\)$/\1 \2 \3 \4 \5/p' \
		"$TMP/latency.out" | while read -r kind span med p90 max; do
		printf '%-9s %-18s %10s %10s %10s\n' "$kind" "$span" "$med" "$p90" "$max"
	done
else
	echo "latency run failed:"
	grep -v '^ok' "$TMP/latency.out" | tail -n 10 | sed 's/^/  /'
fi

# ---------------------------------------------------------------------------------------
# overhead

ALLOW="$(realpath "$LOAD"):$(realpath /bin/true)"

start()
{
	local cfg=$1 i
	TOOL_PID=
	[ "$cfg" = none ] && return 0
	: >"$TMP/driver.out"
	BH_ENFORCE_DRIVER=$cfg BH_ENFORCE_CGROUP=$CG BH_ENFORCE_ALLOW=$ALLOW \
		"${TOOL_PIN[@]}" "$PROG" >"$TMP/driver.out" 2>&1 &
	TOOL_PID=$!
	for ((i = 0; i < 600; i++)); do
		grep -q '^# ready' "$TMP/driver.out" && return 0
		kill -0 "$TOOL_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "$cfg: the driver did not start:"
	tail -n 5 "$TMP/driver.out" | sed 's/^/  /'
	return 1
}

stop()
{
	[ -n "$TOOL_PID" ] || return 0
	kill -TERM "$TOOL_PID" 2>/dev/null || true
	wait "$TOOL_PID" 2>/dev/null || true
	TOOL_PID=
	if grep -q '^not ok' "$TMP/driver.out"; then
		echo "the driver failed (a process was killed?):"
		grep -v '^ok' "$TMP/driver.out" | sed 's/^/  /'
		exit 1
	fi
}

read -r -a CFGS <<<"$CONFIGS"
echo
echo "== overhead: $RUNS runs of $SECS s per load"
for ((rep = 0; rep < RUNS; rep++)); do
	order=
	for ((k = 0; k < ${#CFGS[@]}; k++)); do
		order="$order ${CFGS[$(((k + rep) % ${#CFGS[@]}))]}"
	done
	echo "run $((rep + 1))/$RUNS:$order"
	for cfg in $order; do
		start "$cfg" || exit 1
		for load in $LOADS; do
			# the shell joins the cgroup, then execs the load (an allowed executable)
			if ! out=$("${LOAD_PIN[@]}" sh -c 'echo $$ >"$1/cgroup.procs" && shift &&
				exec "$@"' sh "$CG" "$LOAD" "$load" "$SECS" 0 "$TMP/file" 2>&1); then
				echo "sensor-load $load failed under $cfg: $out"
				stop
				exit 1
			fi
			read -r _ ops _ secs <<<"$out"
			calc "printf \"%.4f\n\", $secs * 1e6 / $ops" >>"$TMP/t.$cfg.$load"
		done
		stop
	done
done

echo
printf '%-9s %10s %18s %18s %8s\n' load "none µs" "plain µs" "protect µs" ratio
for load in $LOADS; do
	n=$(median <"$TMP/t.none.$load")
	p=$(median <"$TMP/t.plain.$load")
	q=$(median <"$TMP/t.protect.$load")
	printf '%-9s %10.2f %10.2f (%+5.1f%%) %10.2f (%+5.1f%%) %8.3f\n' "$load" "$n" \
		"$p" "$(calc "print ($p / $n - 1) * 100")" \
		"$q" "$(calc "print ($q / $n - 1) * 100")" "$(calc "print $q / $p")"
done
echo "ratio = median(protect) / median(plain): protect mode's extra cost per iteration"
