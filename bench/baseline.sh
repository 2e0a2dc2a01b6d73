#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/baseline.sh — what behaviour baselines (`bulkhead sensor run --mode`, issue 9) cost a
# container's processes, how fast protect mode acts, and what a baseline costs in memory.
#
# The workload: a busybox container (tests/slow/lib-containers.sh, --network none, pinned to
# the first CPU) serving /www/index.html with httpd and running the commands the bench drops
# into its control directory (the loop of tests/slow/t-baseline-live.sh), each timed inside
# the container with the shell's $EPOCHREALTIME (µs). Loads (iterations: n_for below):
#   open      `: </www/index.html` (an open and a close per iteration, no fork)
#   forkexec  `cat /www/index.html >/dev/null` (fork, exec of /bin/busybox, open, read, exit)
#   connect   `wget -q -O /dev/null http://127.0.0.1/index.html` (fork, exec, connect; httpd
#             accepts and forks a child that serves the file)
# Configurations, the sensor pinned to the second CPU, started afresh for each group of loads
# and alternated (rotated order) over $BENCH_RUNS rounds; figure = median µs per iteration:
#   none      no sensor
#   plain     `sensor run --rules EMPTY` (every event kind, the rule engine, no baselines:
#             what --mode adds to is this)
#   monitor   `sensor run --mode monitor` on a store where the workload's baseline is learnt
#             (every event checked against it; syscall sets recorded in the kernel)
#   protect   `sensor run --mode protect` on a copy of that store (export, import --mode
#             protect): the container's cgroup is protected (exec, write, connect) and its
#             execs pass the fanotify exec guard; nothing deviates, so every check runs to
#             its end without killing
#   protectk  the same with --no-exec-guard (the BPF kill only)
# ratio = median(config) / median(plain).
#
# Decision latency (protect), per deviation kind, $BENCH_BASELINE_KILLS iterations in the
# container, µs per iteration: the blocked call (exec of /tmp/busybox, denied by the exec
# guard; a subshell opening /etc/bh-x for writing, killed; wget to 127.0.0.2, refused by the
# connect guard and killed) against the same call allowed (exec of /bin/busybox; a subshell opening
# /tmp/bh-x; wget to 127.0.0.1) — fork, the call, the block and the reaping, as the caller
# sees them. Also the mode-switch latency: from
# `baseline mode WL protect` to the sensor's "protected" log line (it polls the store every
# 2 s).
#
# Memory: the sensor's RSS (VmRSS) after learning with 1 container and with
# $BENCH_BASELINE_WORKLOADS containers of distinct names (one workload each, all running the
# same loop); per extra workload = the difference / (N - 1). Also each baseline's facts and
# the size of its bulkhead.baseline/v1 document.
#
# Root only (skipped otherwise, exit 0); needs podman, runc, busybox-static, jq.
# Environment: BULKHEAD, BH_SOURCE_ROOT; optional BENCH_RUNS (5), BENCH_BASELINE_N (one
# count for every load instead of n_for's), BENCH_BASELINE_KILLS (100),
# BENCH_BASELINE_WORKLOADS (8), BENCH_SENSOR_PIN ("0 1" or "none").
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"
RUNS=${BENCH_RUNS:-5}
# iterations per load: each timed run lasts about half a second on these machines (a few
# milliseconds, as 2000 opens took, is one scheduling hiccup away from another figure)
n_for()
{
	if [ -n "${BENCH_BASELINE_N:-}" ]; then
		echo "$BENCH_BASELINE_N"
		return
	fi
	case $1 in
	open) echo 150000 ;;
	forkexec) echo 800 ;;
	connect) echo 500 ;;
	esac
}
KILLS=${BENCH_BASELINE_KILLS:-100}
NWL=${BENCH_BASELINE_WORKLOADS:-8}
LOADS="open forkexec connect"
CONFIGS="none plain monitor protect protectk"
PIN_DEFAULT=none
[ "$(nproc)" -ge 2 ] && PIN_DEFAULT="0 1"
PIN=${BENCH_SENSOR_PIN:-$PIN_DEFAULT}
CTR_PIN=()
TOOL_PIN=()
if [ "$PIN" != none ]; then
	read -r PIN_LOAD PIN_TOOL <<<"$PIN"
	CTR_PIN=(--cpuset-cpus "$PIN_LOAD")
	TOOL_PIN=(taskset -c "$PIN_TOOL")
fi

skip()
{
	echo "baseline bench: skipped ($*)"
	exit 0
}

[ "$(id -u)" = 0 ] || skip "needs root"
. "$BH_SOURCE_ROOT/tests/slow/lib-containers.sh"
bh_ctr_require >/dev/null 2>&1 || skip "podman, runc, jq or busybox-static missing"
"$BULKHEAD" help sensor >/dev/null 2>&1 || skip "this bulkhead has no sensor command"

bh_ctr_setup
T=$BH_CTR_DIR
SENSOR_PID=
cleanup()
{
	if [ -n "$SENSOR_PID" ]; then
		kill -INT "$SENSOR_PID" 2>/dev/null || true
		wait "$SENSOR_PID" 2>/dev/null || true
	fi
	bh_ctr_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

median()
{
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan";
		else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

calc()
{
	LC_ALL=C awk "BEGIN { $1 }"
}

cat >"$T/web.sh" <<'EOF'
#!/bin/sh
httpd -p 80 -h /www
while :; do
	if [ -f /run/ctl/cmd ]; then
		mv /run/ctl/cmd /run/ctl/cmd.run
		sh /run/ctl/cmd.run >/run/ctl/out 2>&1
		echo $? >/run/ctl/rc.new
		mv /run/ctl/rc.new /run/ctl/rc
	fi
	sleep 0.1
done
EOF
chmod 755 "$T/web.sh"
echo 'bulkhead baseline bench page' >"$T/index.html"
img=$(bh_ctr_image_build "bhbench-baseline-$$" "$T/index.html:/www/index.html" \
	"$T/web.sh:/app/web.sh")

# start_web NAME — a workload container with its own control directory $T/ctl-NAME
start_web()
{
	mkdir -p "$T/ctl-$1"
	bh_ctr_podman_start "$1" --network none "${CTR_PIN[@]}" -v "$T/ctl-$1:/run/ctl" "$img" \
		/app/web.sh
}

# ctl NAME CMD — run CMD (sh) in container NAME; prints its output; fails on a non-zero
# status or after 120 s
ctl()
{
	local d=$T/ctl-$1 i=0
	rm -f "$d/rc" "$d/out"
	printf '%s\n' "$2" >"$d/cmd.new"
	mv "$d/cmd.new" "$d/cmd"
	while [ ! -s "$d/rc" ]; do
		i=$((i + 1))
		[ "$i" -le 1200 ] || { echo "ctl $1: '$2' timed out" >&2; return 1; }
		sleep 0.1
	done
	cat "$d/out"
	[ "$(cat "$d/rc")" = 0 ] || { echo "ctl $1: '$2' exited with $(cat "$d/rc")" >&2; return 1; }
}

load_cmd()
{
	case $1 in
	open) echo ': </www/index.html' ;;
	forkexec) echo 'cat /www/index.html >/dev/null' ;;
	connect) echo 'wget -q -O /dev/null http://127.0.0.1/index.html' ;;
	esac
}

# timed NAME N BODY — µs per iteration of BODY run N times in container NAME (the last line
# of the output: the shell reports each killed child on a line of its own)
timed()
{
	ctl "$1" "i=0; a=\$EPOCHREALTIME; while [ \$i -lt $2 ]; do $3; i=\$((i + 1)); done;
		b=\$EPOCHREALTIME; echo \$a \$b" |
		awk -v n="$2" 'END { printf "%.3f\n", ($2 - $1) * 1e6 / n }'
}

# sensor_start ERR ARGS... — in the background, pinned; waits until it is attached
sensor_start()
{
	local err=$1 i=0
	shift
	: >"$err"
	"${TOOL_PIN[@]}" "$BULKHEAD" -v sensor run "$@" >/dev/null 2>"$err" &
	SENSOR_PID=$!
	while ! grep -q 'sensor attached' "$err"; do
		i=$((i + 1))
		if [ "$i" -gt 600 ] || ! kill -0 "$SENSOR_PID" 2>/dev/null; then
			echo "the sensor did not start:" >&2
			tail -n 5 "$err" >&2
			exit 1
		fi
		sleep 0.1
	done
}

sensor_stop()
{
	[ -n "$SENSOR_PID" ] || return 0
	kill -INT "$SENSOR_PID"
	wait "$SENSOR_PID" || { echo "the sensor exited with $?" >&2; exit 1; }
	SENSOR_PID=
}

rss_kib()
{
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$SENSOR_PID/status"
}

# wl_mode NAME — "WORKLOAD MODE" of container NAME's workload in store $1
wl_mode()
{
	"$BULKHEAD" baseline list --store "$1" --format json 2>/dev/null |
		jq -r --arg n "container:$2@" '.workloads[] | select(.workload | startswith($n)) |
			.workload + " " + .mode'
}

echo "kernel $(uname -r), $(nproc) CPUs; pinned: ${PIN/ /, } (container, sensor);" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------
# learn: one workload (the timed one), then the store copies for monitor and protect

web=bhbench$$web
start_web "$web"
SM=$T/monitor.db
SP=$T/protect.db
: >"$T/empty.yaml"
sensor_start "$T/learn.err" --mode monitor --learn-for 6 --store "$SM" --alerts file:/dev/null
# every load once (short), the protect-latency "allowed" calls too, until learning ends
learn_round="$(load_cmd open); $(load_cmd forkexec); $(load_cmd connect);
	/bin/busybox true; (echo x >/tmp/bh-x); wget -q -O /dev/null http://127.0.0.1/index.html"
for ((i = 0; ; i++)); do
	ctl "$web" "$learn_round" >/dev/null
	read -r WL mode <<<"$(wl_mode "$SM" "$web")"
	[ "${mode:-}" = monitor ] && break
	[ "$i" -lt 100 ] || { echo "learning did not end" >&2; exit 1; }
	sleep 0.2
done
# the latency's deviations need a copy of busybox outside the baseline
ctl "$web" 'cp /bin/busybox /tmp/busybox' >/dev/null
sensor_stop
"$BULKHEAD" baseline export "$WL" --store "$SM" -o "$T/wl.json"
"$BULKHEAD" baseline import "$T/wl.json" --store "$SP" --mode protect >/dev/null
echo "workload $WL: $(jq '[.facts[] | length] | add' "$T/wl.json") facts," \
	"$(wc -c <"$T/wl.json") bytes as bulkhead.baseline/v1"

start_config()
{
	case $1 in
	none) SENSOR_PID= ;;
	plain) sensor_start "$T/$1.err" --rules "$T/empty.yaml" --alerts file:/dev/null ;;
	monitor) sensor_start "$T/$1.err" --mode monitor --store "$SM" --alerts file:/dev/null ;;
	protect | protectk)
		# protectk: the same without the fanotify exec guard (--no-exec-guard): the BPF kill
		# only, no round trip to the sensor for each exec
		if [ "$1" = protect ]; then
			sensor_start "$T/$1.err" --mode protect --store "$SP" --alerts file:/dev/null
		else
			sensor_start "$T/$1.err" --mode protect --no-exec-guard --store "$SP" \
				--alerts file:/dev/null
		fi
		# protected once the workload's first event is seen (the loop's sleep)
		local i=0
		while ! grep -q "protected: exec write connect" "$T/$1.err"; do
			i=$((i + 1))
			[ "$i" -le 100 ] || { echo "protect: not protected" >&2; exit 1; }
			sleep 0.1
		done
		;;
	esac
}

# ---------------------------------------------------------------------------------------
# overhead

read -r -a CFGS <<<"$CONFIGS"
echo
echo "== overhead: $RUNS rounds; iterations: open $(n_for open), forkexec $(n_for forkexec), connect $(n_for connect)"
for ((rep = 0; rep < RUNS; rep++)); do
	order=
	for ((k = 0; k < ${#CFGS[@]}; k++)); do
		order="$order ${CFGS[$(((k + rep) % ${#CFGS[@]}))]}"
	done
	echo "round $((rep + 1))/$RUNS:$order"
	for cfg in $order; do
		start_config "$cfg"
		for load in $LOADS; do
			timed "$web" "$(n_for "$load")" "$(load_cmd "$load")" >>"$T/t.$cfg.$load"
		done
		if [ "$cfg" != plain ] && grep -q '"killed"\|"denied"' "$T/$cfg.err" 2>/dev/null; then
			echo "protect: a benign load was killed" >&2
			exit 1
		fi
		sensor_stop
	done
done
echo
printf '%-9s %10s %16s %16s %16s %16s %8s %8s %8s\n' load "none µs" "plain µs" \
	"monitor µs" "protect µs" "protect-k µs" "mon/pl" "prot/pl" "protk/pl"
for load in $LOADS; do
	n=$(median <"$T/t.none.$load")
	p=$(median <"$T/t.plain.$load")
	m=$(median <"$T/t.monitor.$load")
	q=$(median <"$T/t.protect.$load")
	k=$(median <"$T/t.protectk.$load")
	printf '%-9s %10.2f %8.2f (%+5.1f%%) %8.2f (%+5.1f%%) %8.2f (%+5.1f%%) %8.2f (%+5.1f%%) %8.3f %8.3f %8.3f\n' \
		"$load" "$n" "$p" "$(calc "print ($p / $n - 1) * 100")" \
		"$m" "$(calc "print ($m / $n - 1) * 100")" "$q" "$(calc "print ($q / $n - 1) * 100")" \
		"$k" "$(calc "print ($k / $n - 1) * 100")" \
		"$(calc "print $m / $p")" "$(calc "print $q / $p")" "$(calc "print $k / $p")"
done
echo "(%): against none; mon/pl, prot/pl, protk/pl = median(monitor, protect, protect"
echo "--no-exec-guard) / median(plain)"

# ---------------------------------------------------------------------------------------
# decision latency

echo
echo "== protect: $KILLS calls per kind, µs per iteration as the caller sees it"
"$BULKHEAD" baseline import "$T/wl.json" --store "$T/switch.db" --mode monitor >/dev/null
sensor_start "$T/switch.err" --mode monitor --store "$T/switch.db" --alerts file:/dev/null
ctl "$web" true >/dev/null
t0=$(date +%s%N)
"$BULKHEAD" baseline mode "$WL" protect --store "$T/switch.db" >/dev/null
while ! grep -q "protected: exec write connect" "$T/switch.err"; do
	sleep 0.01
done
t1=$(date +%s%N)
echo "mode switch: 'baseline mode ... protect' to protected: $(((t1 - t0) / 1000000)) ms"
printf '%-8s %12s %12s\n' kind allowed blocked
for kind in exec write connect; do
	case $kind in
	exec) ok='/bin/busybox true' bad='/tmp/busybox true' ;;
	write) ok='(echo x >/tmp/bh-x)' bad='(echo x >/etc/bh-x)' ;;
	connect)
		ok='wget -q -O /dev/null http://127.0.0.1/index.html'
		bad='wget -q -O /dev/null http://127.0.0.2/index.html'
		;;
	esac
	a=$(timed "$web" "$KILLS" "$ok")
	# the blocked calls fail (126, 137): the loop goes on, the status is not the loop's
	b=$(timed "$web" "$KILLS" "$bad || :")
	printf '%-8s %12.1f %12.1f\n' "$kind" "$a" "$b"
done
sensor_stop
grep -o '[0-9]* deviations ([0-9]* blocked)' "$T/switch.err" | tail -n 1 | sed 's/^/sensor: /'


# ---------------------------------------------------------------------------------------
# memory

echo
echo "== memory: sensor RSS after learning, 1 and $NWL workloads"
for count in 1 "$NWL"; do
	for ((i = 1; i < count; i++)); do
		[ -d "$T/ctl-bhbench$$m$i" ] || start_web "bhbench$$m$i"
	done
	rm -f "$T/mem.db"*
	sensor_start "$T/mem.err" --mode learn --store "$T/mem.db" --alerts file:/dev/null
	for ((r = 0; r < 3; r++)); do
		ctl "$web" "$learn_round" >/dev/null
		for ((i = 1; i < count; i++)); do
			ctl "bhbench$$m$i" "$learn_round" >/dev/null
		done
	done
	sleep 6 # the syscall sets are read every 5 s
	rss=$(rss_kib)
	sensor_stop
	nb=$("$BULKHEAD" baseline list --store "$T/mem.db" --format json |
		jq --arg p "container:bhbench$$" '[.workloads[] | select(.workload | startswith($p))] | length')
	echo "$count container(s): $nb workloads learnt, RSS $rss KiB"
	eval "rss_$count=$rss"
done
calc "printf \"per extra workload: %.1f KiB\\n\", ($(eval echo "\$rss_$NWL") - $rss_1) / ($NWL - 1)"
