# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# lib-sensor.sh — the live sensor rig of the privileged runtime tests (sourced, POSIX sh).
#
# `bulkhead sensor run` against the running kernel: the checks that decide whether a test can
# run at all, the sensor started in the background and waited for until its programs are
# attached, stopped with SIGINT (its exit code kept), and the jq look-ups that pick events out
# of its JSON lines. Other processes on the machine act all the time: events are selected by
# pid, names or container, never counted as a whole.
#
#   . "$BH_SOURCE_ROOT/tests/slow/lib-sensor.sh"
#   bh_sensor_require [TOOL...] || exit $?  # 0 ready; 77 not root / no BTF / no sensor command /
#                                           # jq or a TOOL missing ("SKIP: why" printed)
#   bh_sensor_setup NAME                    # work dir /tmp/bh-NAME.XXXXXX in BH_SENSOR_DIR
#   trap bh_sensor_cleanup EXIT             # stops a sensor still running; removes the work
#                                           # dir unless KEEP is set
#   bh_sensor_start OUT ERR [sensor run options] || exit $?
#                                           # 0 attached (BH_SENSOR_PID); 77 built without BPF;
#                                           # 1 exited or not attached within 30 s (printed)
#   bh_sensor_wait_log PATTERN [TENTHS]     # until the sensor's stderr has PATTERN (default 5 s)
#   bh_sensor_stop || bh_sensor_fail "..."  # SIGINT, wait; returns (and sets BH_SENSOR_RC) its
#                                           # exit code
#   bh_sensor_fail MESSAGE                  # prints "FAIL: MESSAGE", counts BH_SENSOR_FAILURES
#   bh_sensor_print_err [LINES]             # its stderr indented (LINES: the last LINES lines,
#                                           # libbpf's own lines left out)
#   uniq=$(bh_sensor_unique PREFIX)         # PREFIX and 8 random hex digits
#   bh_sensor_events_of PID FILE            # the events of PID, one JSON object a line
#   bh_sensor_any FILE FILTER [jq options]  # 0 when an event of FILE matches FILTER
#   n=$(bh_sensor_count FILE FILTER [jq options])  # how many events of FILE match FILTER
#
# The sensor is a child of the sourcing shell (bh_sensor_start must not run in a command
# substitution or a pipeline), so `wait` gets its exit code. The jq look-ups read a file of
# JSON lines whole (-s) and use any(): jq 1.6's -e misreports select() over several inputs.
# Needs: root, the kernel's BTF (/sys/kernel/btf/vmlinux), jq, and BULKHEAD (the bulkhead
# binary, set by tests/meson.build).

BH_SENSOR_PID=
BH_SENSOR_ERR=
BH_SENSOR_RC=
BH_SENSOR_DIR=
BH_SENSOR_FAILURES=0

bh_sensor_skip()
{
	echo "SKIP: $*"
	return 77
}

bh_sensor_require()
{
	[ "$(id -u)" = 0 ] || { bh_sensor_skip "needs root"; return 77; }
	[ -r /sys/kernel/btf/vmlinux ] ||
		{ bh_sensor_skip "the kernel has no BTF (/sys/kernel/btf/vmlinux)"; return 77; }
	"$BULKHEAD" help sensor >/dev/null 2>&1 ||
		{ bh_sensor_skip "this bulkhead has no 'sensor' command"; return 77; }
	for _bh_t in jq "$@"; do
		command -v "$_bh_t" >/dev/null 2>&1 ||
			{ bh_sensor_skip "$_bh_t is missing"; return 77; }
	done
	return 0
}

# bh_sensor_setup NAME — a work directory of the test's own (BH_SENSOR_DIR).
bh_sensor_setup()
{
	BH_SENSOR_DIR=$(mktemp -d "/tmp/bh-$1.XXXXXX") || return 1
}

# bh_sensor_kill — a sensor still running (the test gave up) is ended with SIGTERM.
bh_sensor_kill()
{
	[ -n "$BH_SENSOR_PID" ] || return 0
	kill -TERM "$BH_SENSOR_PID" 2>/dev/null || true
	wait "$BH_SENSOR_PID" 2>/dev/null || true
	BH_SENSOR_PID=
}

bh_sensor_cleanup()
{
	bh_sensor_kill
	if [ -n "$BH_SENSOR_DIR" ] && [ -z "${KEEP:-}" ]; then
		rm -rf -- "$BH_SENSOR_DIR"
	fi
	return 0
}

# bh_sensor_print_err [LINES] — the sensor's stderr, indented; with LINES only its last LINES
# lines without libbpf's.
bh_sensor_print_err()
{
	if [ -n "${1:-}" ]; then
		grep -v libbpf "$BH_SENSOR_ERR" | tail -n "$1" | sed 's/^/    /'
	else
		sed 's/^/    /' "$BH_SENSOR_ERR"
	fi
}

# bh_sensor_start OUT ERR [sensor run options] — `bulkhead -v sensor run OPTIONS` in the
# background, its output in OUT and its stderr in ERR; waits (up to 30 s) until it reports
# "sensor attached". 0 attached; 77 this bulkhead was built without BPF support; 1 the sensor
# exited or did not attach in time (its stderr printed).
bh_sensor_start()
{
	_bh_out=$1
	BH_SENSOR_ERR=$2
	shift 2
	: >"$BH_SENSOR_ERR"
	"$BULKHEAD" -v sensor run "$@" >"$_bh_out" 2>"$BH_SENSOR_ERR" &
	BH_SENSOR_PID=$!
	_bh_i=0
	while ! grep -q 'sensor attached' "$BH_SENSOR_ERR"; do
		if ! kill -0 "$BH_SENSOR_PID" 2>/dev/null; then
			wait "$BH_SENSOR_PID" && _bh_rc=0 || _bh_rc=$?
			BH_SENSOR_PID=
			if grep -q 'built without BPF support' "$BH_SENSOR_ERR"; then
				bh_sensor_skip "bulkhead was built without BPF support"
				return 77
			fi
			echo "FAIL: the sensor exited with $_bh_rc before attaching:"
			bh_sensor_print_err 40
			return 1
		fi
		_bh_i=$((_bh_i + 1))
		if [ "$_bh_i" -gt 300 ]; then
			echo "FAIL: the sensor did not attach within 30 s:"
			bh_sensor_print_err 40
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# bh_sensor_wait_log PATTERN [TENTHS] — waits until the sensor's stderr has a line matching
# PATTERN (grep), up to TENTHS tenths of a second (default 50); 1 when it did not come.
bh_sensor_wait_log()
{
	_bh_i=0
	while ! grep -q -- "$1" "$BH_SENSOR_ERR"; do
		[ "$_bh_i" -lt "${2:-50}" ] || return 1
		_bh_i=$((_bh_i + 1))
		sleep 0.1
	done
	return 0
}

# bh_sensor_stop — SIGINT to the sensor, as a user's ^C; returns its exit code (also in
# BH_SENSOR_RC).
bh_sensor_stop()
{
	[ -n "$BH_SENSOR_PID" ] || { echo "lib-sensor: no sensor is running" >&2; return 1; }
	kill -INT "$BH_SENSOR_PID"
	wait "$BH_SENSOR_PID" && BH_SENSOR_RC=0 || BH_SENSOR_RC=$?
	BH_SENSOR_PID=
	return "$BH_SENSOR_RC"
}

bh_sensor_fail()
{
	echo "FAIL: $*"
	BH_SENSOR_FAILURES=$((BH_SENSOR_FAILURES + 1))
}

# bh_sensor_unique PREFIX — PREFIX followed by 8 random hex digits (proc.name is the kernel's
# comm, at most 15 characters: keep PREFIX short where a name must match).
bh_sensor_unique()
{
	printf '%s%s\n' "$1" "$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
}

bh_sensor_events_of()
{
	jq -c --argjson pid "$1" 'select(.proc.pid == $pid)' "$2"
}

# bh_sensor_any FILE FILTER [jq options] — 0 when one JSON line of FILE matches the jq
# FILTER (options such as --arg name value are passed on to jq).
bh_sensor_any()
{
	_bh_file=$1
	_bh_filter=$2
	shift 2
	jq -e -s "$@" "any(.[]; $_bh_filter)" "$_bh_file" >/dev/null
}

# bh_sensor_count FILE FILTER [jq options] — prints how many JSON lines of FILE match FILTER.
bh_sensor_count()
{
	_bh_file=$1
	_bh_filter=$2
	shift 2
	jq -s "$@" "[.[] | select($_bh_filter)] | length" "$_bh_file"
}
