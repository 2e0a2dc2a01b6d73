#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# t-baseline-live.sh — behaviour baselines on a live sensor and real Podman containers
# (issue 9 point 6): learn, monitor, protect, dry run.
#
# The workload: a busybox container "web" (tests/slow/lib-containers.sh, --network none)
# whose entry script starts httpd on port 80 and then runs, one at a time, the shell
# commands the test drops into a bind-mounted control directory (/run/ctl), leaving each
# command's exit status; a second container "cli" in web's network namespace fetches
# index.html in a loop and prints "ok" per fetch. Commands run by the workload itself, not
# by `podman exec`: the parent of a `podman exec` process is runc or conmon depending on
# which exits first, which would make the process-tree facts of the test a race.
#
#   learn    `sensor run --mode monitor --learn-for 8`; the normal commands (a fetch of
#            127.0.0.1:80, a read of the served file) run until `baseline list` shows the
#            workload in monitor mode, and the audit log has its baseline.mode record
#            (learn -> monitor, "learning ended after 8s")
#   monitor  a new executable (busybox copied to /tmp/busybox and run), a write to /etc, a
#            connect to 127.0.0.2:80 — each an alert of its baseline rule with the
#            deviating fact in evt.arg.bh_fact; nothing is killed
#   protect  `baseline mode WEB protect` while the sensor runs: within seconds the sensor
#            programs the container's cgroup; the same three deviations are killed (status
#            137) and each is a "Baseline enforcement blocked a process" alert with
#            bh_action=killed; the benign commands still run (status 0), the client still
#            fetches, and the benign commands raise no alert of the workload (checked
#            against a later deviation's alert, which the ring buffer orders after them)
#   dry run  a second sensor (`--mode protect --dry-run`, same store): the stored baseline
#            and mode are used at once; the exec and /etc deviations run to their end
#            (status 0) and are would-kill alerts
# After each sensor: exit 0 on SIGINT, none of its BPF programs left (their ids are taken
# from bpftool while it runs), `audit verify` passes.
# Exit 0 pass, 1 fail, 77 skip (not root; no BTF; bulkhead without the sensor or BPF;
# podman, runc, busybox-static or bpftool missing). Environment (set by tests/meson.build):
# BULKHEAD, BH_SOURCE_ROOT.
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"

. "$BH_SOURCE_ROOT/tests/slow/lib-sensor.sh"
. "$BH_SOURCE_ROOT/tests/slow/lib-containers.sh"
bh_sensor_require bpftool || exit $?
bh_ctr_require || exit $?

bh_ctr_setup
web=bhblweb$$
cli=bhblcli$$
cleanup()
{
	bh_sensor_cleanup
	# cli shares web's network namespace: podman removes web only once cli is gone
	[ -z "${BH_CTR_DIR:-}" ] || bh_ctr_podman_stop "$cli"
	bh_ctr_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

T=$BH_CTR_DIR
S=$T/store.db
ALERTS=$T/alerts.json
CTL=$T/ctl
mkdir -p "$CTL"
T0=$(date +%s)

# fact_is FACT — a jq test of an alert's bh_fact: FACT itself, or for an executable FACT and
# the SHA-256 the sensor read from /proc/PID/exe when the process lived long enough for it
fact_is()
{
	printf '(.output_fields["evt.arg.bh_fact"] == "%s" or (.output_fields["evt.arg.bh_fact"] // "" | startswith("%s sha256:")))' "$1" "$1"
}

die()
{
	echo "FAIL: $*"
	if [ -n "${BH_SENSOR_ERR:-}" ] && [ -f "$BH_SENSOR_ERR" ]; then
		echo "--- sensor stderr (last lines)"
		bh_sensor_print_err 25
	fi
	if [ -f "$ALERTS" ]; then
		echo "--- alerts of the workload"
		jq -c --arg w "${WL:-}" 'select(.output_fields["evt.arg.bh_workload"] == $w) |
			{rule, fact: .output_fields["evt.arg.bh_fact"],
			 action: .output_fields["evt.arg.bh_action"]}' "$ALERTS" 2>/dev/null | tail -n 20
	fi
	exit 1
}

# the workload's entry script: httpd, then the control loop (absolute paths throughout: the
# baseline's written files are /run/ctl/{cmd,cmd.run,out,rc.new,rc})
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
echo 'bulkhead baseline test page' >"$T/index.html"
img=$(bh_ctr_image_build "bhtest-blive-$$" "$T/index.html:/www/index.html" \
	"$T/web.sh:/app/web.sh")

bh_ctr_podman_start "$web" --network none -v "$CTL:/run/ctl" "$img" /app/web.sh ||
	die "cannot start the web container"
bh_ctr_podman_start "$cli" --network "container:$web" "$img" sh -c \
	'while :; do wget -q -O /dev/null http://127.0.0.1/index.html && echo ok; sleep 0.2; done' ||
	die "cannot start the client container"

# fetches the client made so far
fetches()
{
	podman logs "$cli" 2>/dev/null | grep -c '^ok$' || true
}

# ctl CMD — run CMD in the web container (sh -c), print its exit status; "timeout" when it
# did not finish within 15 s
ctl()
{
	rm -f "$CTL/rc" "$CTL/out"
	printf '%s\n' "$1" >"$CTL/cmd.new"
	mv "$CTL/cmd.new" "$CTL/cmd"
	_i=0
	while [ ! -s "$CTL/rc" ]; do
		_i=$((_i + 1))
		[ "$_i" -le 150 ] || { echo timeout; return 0; }
		sleep 0.1
	done
	cat "$CTL/rc"
}

# until CONDITION (a shell command) holds, up to TENTHS tenths of a second
poll()
{
	_n=0
	while ! eval "$1"; do
		_n=$((_n + 1))
		[ "$_n" -le "$2" ] || return 1
		sleep 0.1
	done
	return 0
}

# alert_line FILTER — the line number (1-based) of the first alert of the workload after
# line $SINCE that matches the jq FILTER, or nothing
SINCE=0
alert_line()
{
	[ -f "$ALERTS" ] || return 0
	tail -n "+$((SINCE + 1))" "$ALERTS" | jq -r -s --arg w "$WL" --argjson base "$SINCE" \
		"[to_entries[] | select(.value.output_fields[\"evt.arg.bh_workload\"] == \$w and
			(.value | $1))][0].key // empty | . + \$base + 1" 2>/dev/null
}

has_alert()
{
	[ -n "$(alert_line "$1")" ]
}

# prog_ids — the ids of the BPF programs the running sensor holds (from its descriptors'
# fdinfo: bpftool's "pids" needs a bpftool built with its BPF skeletons, and other tests may
# run sensors of their own at the same time)
prog_ids()
{
	cat /proc/"$BH_SENSOR_PID"/fdinfo/* 2>/dev/null | awk '$1 == "prog_id:" { print $2 }' |
		sort -u
}

# stop_sensor WHAT — SIGINT, exit 0, its programs gone, audit verify
stop_sensor()
{
	_ids=$(prog_ids | tr '\n' ' ')
	[ -n "$_ids" ] || die "$1: bpftool shows no program of the sensor"
	bh_sensor_stop || die "$1: the sensor exited with $BH_SENSOR_RC after SIGINT"
	# the kernel frees them after the process is gone (RCU): up to 5 s
	_n=0
	while :; do
		_left=
		for _id in $_ids; do
			bpftool prog show id "$_id" >/dev/null 2>&1 && _left="$_left $_id"
		done
		[ -n "$_left" ] || break
		_n=$((_n + 1))
		[ "$_n" -le 50 ] || die "$1: BPF programs left after the sensor stopped:$_left"
		sleep 0.1
	done
	"$BULKHEAD" audit verify --store "$S" >"$T/verify.out" 2>&1 ||
		die "$1: audit verify: $(cat "$T/verify.out")"
}

poll '[ "$(fetches)" -ge 2 ]' 100 || die "the client does not fetch: $(podman logs "$cli" 2>&1 | tail -n 3)"
[ "$(ctl 'true')" = 0 ] || die "the control loop does not answer"

# ---- learn -------------------------------------------------------------------------------
bh_sensor_start "$T/sensor.out" "$T/sensor.err" --mode monitor --learn-for 8 --store "$S" \
	--alerts "file:$ALERTS" || exit $?
BENIGN='wget -q -O /dev/null http://127.0.0.1/index.html && cat /www/index.html >/dev/null'
wl_of()
{
	"$BULKHEAD" baseline list --store "$S" --format json 2>/dev/null |
		jq -r --arg n "container:$web@" '.workloads[] | select(.workload | startswith($n)) |
			.workload + " " + .mode'
}
i=0
while :; do
	[ "$(ctl "$BENIGN")" = 0 ] || die "the benign command failed while learning"
	set -- $(wl_of)
	[ "${2:-}" = monitor ] && break
	i=$((i + 1))
	[ "$i" -le 60 ] || die "learning did not end within 60 rounds (workload: ${1:-none} ${2:-})"
	sleep 0.2
done
WL=$1
"$BULKHEAD" audit log --store "$S" --kind baseline.mode --format json >"$T/audit.json" ||
	die "audit log failed"
jq -e --arg w "$WL" '[.records[] | select(.target == $w and .payload.from == "learn" and
	.payload.to == "monitor" and (.payload.reason | test("learning ended")))] | length == 1' \
	"$T/audit.json" >/dev/null || die "no baseline.mode record learn -> monitor for $WL"
"$BULKHEAD" baseline show "$WL" --store "$S" >"$T/show.txt" || die "baseline show failed"
grep -q '^  /bin/busybox' "$T/show.txt" && grep -q '^  tcp/127.0.0.1:80$' "$T/show.txt" &&
	grep -q '^  tcp/80$' "$T/show.txt" || die "the baseline lacks exec, peer or listen: $(cat "$T/show.txt")"
echo "ok: learnt $WL, now in monitor mode"

# ---- monitor -----------------------------------------------------------------------------
SINCE=$(wc -l <"$ALERTS" 2>/dev/null || echo 0)
[ "$(ctl 'cp /bin/busybox /tmp/busybox && /tmp/busybox true')" = 0 ] ||
	die "monitor: the new executable did not run"
[ "$(ctl 'echo x >/etc/bh-monitor')" = 0 ] || die "monitor: the write to /etc failed"
[ "$(ctl 'wget -q -O /dev/null http://127.0.0.2/index.html')" = 0 ] ||
	die "monitor: the connect to 127.0.0.2:80 failed"
for want in \
	'Baseline deviation unexpected executable|/tmp/busybox' \
	'Baseline deviation unexpected file write|/tmp/busybox' \
	'Baseline deviation unexpected file write|/etc/bh-monitor' \
	'Baseline deviation unexpected outbound connection|tcp/127.0.0.2:80'; do
	rule=${want%|*}
	fact=${want#*|}
	poll "has_alert '.rule == \"$rule\" and $(fact_is "$fact")'" 100 ||
		die "monitor: no alert '$rule' with bh_fact $fact"
done
has_alert '.output_fields["evt.arg.bh_action"] == "killed"' && die "monitor: something was killed"
echo "ok: monitor: exec, /etc write and new peer each alerted with their fact"

# ---- protect -----------------------------------------------------------------------------
"$BULKHEAD" baseline mode "$WL" protect --store "$S" --actor t-baseline-live >/dev/null ||
	die "baseline mode protect failed"
short=$(bh_ctr_podman_id "$web" | cut -c1-12)
bh_sensor_wait_log "$short (cgroup [0-9]*) protected: exec write connect\$" 100 ||
	die "protect: the container was not protected within 10 s"
SINCE=$(wc -l <"$ALERTS")
f0=$(fetches)
rc=$(ctl "$BENIGN")
[ "$rc" = 0 ] || die "protect: the benign command ended with $rc"
for dev in '/tmp/busybox true|exec|/tmp/busybox' \
	'echo x >/etc/bh-protect|file_write|/etc/bh-protect' \
	'wget -q -O /dev/null http://127.0.0.2/index.html|peer|tcp/127.0.0.2:80'; do
	cmd=${dev%%|*}
	rest=${dev#*|}
	kind=${rest%%|*}
	fact=${rest#*|}
	rc=$(ctl "$cmd")
	# an executable outside the baseline is denied before it starts where fanotify
	# permission events work (execve fails: the shell says 126), else killed at exec (137)
	action=killed
	if [ "$kind" = exec ] && [ "$rc" = 126 ]; then
		action=denied
	fi
	# where the sensor said fanotify permission events work, the exec must be denied, even
	# when the event that switched the container to protect came from a process gone since
	if [ "$kind" = exec ] && [ "$action" != denied ] &&
		grep -q 'fanotify permission events: executions of files not in the baseline are denied' \
			"$T/sensor.err"; then
		die "protect: '$cmd' was not denied before it started (exit $rc) although fanotify works here"
	fi
	[ "$rc" = 137 ] || [ "$action" = denied ] ||
		die "protect: '$cmd' ended with $rc, not 137 (SIGKILL) or 126 (exec denied)"
	poll "has_alert '.rule == \"Baseline enforcement blocked a process\" and
		.output_fields[\"evt.arg.bh_action\"] == \"$action\" and
		.output_fields[\"evt.arg.bh_deviation\"] == \"$kind\" and
		$(fact_is "$fact")'" 100 ||
		die "protect: no blocked alert for $kind $fact"
	echo "# protect: $kind $fact: $action (exit $rc)"
done
# the benign command came before the first deviation: no alert of the workload between
first=$(alert_line '.rule == "Baseline enforcement blocked a process"')
awk -v a="$SINCE" -v b="$first" 'NR > a && NR < b' "$ALERTS" |
	jq -c --arg w "$WL" 'select(.output_fields["evt.arg.bh_workload"] == $w) |
		{rule, fact: .output_fields["evt.arg.bh_fact"]}' >"$T/benign.alerts"
[ ! -s "$T/benign.alerts" ] || die "protect: the benign command raised alerts: $(cat "$T/benign.alerts")"
[ "$(ctl "$BENIGN")" = 0 ] || die "protect: the benign command failed after the kills"
poll '[ "$(fetches)" -ge $((f0 + 3)) ]' 100 || die "protect: the client no longer fetches"
echo "ok: protect: exec denied or killed, /etc write and new peer killed (137), benign commands and the client unharmed"
stop_sensor "protect"
# the kernel side's counters at exit: the kills, and the connect the guard refused before its
grep -q 'connects refused by the cgroup guard' "$T/sensor.err" &&
	! grep -q 'sensor exit: .*, protect: killed [1-9][0-9]*, would-kill 0, connects refused [1-9]' \
		"$T/sensor.err" &&
	die "protect: the exit counters do not show the kills and the refused connect: $(grep 'sensor exit' "$T/sensor.err")"

# ---- dry run -----------------------------------------------------------------------------
: >"$ALERTS"
SINCE=0
bh_sensor_start "$T/sensor2.out" "$T/sensor2.err" --mode protect --dry-run --store "$S" \
	--alerts "file:$ALERTS" || exit $?
# the stored baseline is protected (dry run) when the workload's first event is seen
bh_sensor_wait_log "$short (cgroup [0-9]*) protected: exec write connect (dry run)\$" 100 ||
	die "dry run: the container was not protected (dry run) within 10 s"
rc=$(ctl '/tmp/busybox true && echo x >/etc/bh-dry && wget -q -O /dev/null http://127.0.0.2/index.html')
[ "$rc" = 0 ] || die "dry run: the deviations ended with $rc, not 0"
for want in 'exec|/tmp/busybox' 'file_write|/etc/bh-dry' 'peer|tcp/127.0.0.2:80'; do
	# an exec is reported by the fanotify layer (would-deny) where it works, else by BPF
	poll "has_alert '.rule == \"Baseline enforcement blocked a process\" and
		(.output_fields[\"evt.arg.bh_action\"] == \"would-kill\" or
		 .output_fields[\"evt.arg.bh_action\"] == \"would-deny\") and
		.output_fields[\"evt.arg.bh_deviation\"] == \"${want%|*}\" and
		$(fact_is "${want#*|}")'" 100 ||
		die "dry run: no would-kill or would-deny alert for $want"
done
has_alert '.output_fields["evt.arg.bh_action"] == "killed"' && die "dry run: something was killed"
has_alert '.output_fields["evt.arg.bh_action"] == "denied"' && die "dry run: something was denied"
echo "ok: dry run: would-kill / would-deny alerts, nothing killed or denied"
stop_sensor "dry run"

echo "ok: baselines live in $(($(date +%s) - T0)) s"
exit 0
