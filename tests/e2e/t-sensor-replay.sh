#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-sensor-replay.sh — `bulkhead sensor replay`: Falco rules over a recorded event stream,
# offline. The stock rules (../shared/testdata/runtime/falco_rules.yaml, unchanged) fire on
# a container shell and a read of /etc/shadow and stay quiet on benign events; alerts go
# to stdout (JSON and text), a file and an HTTP collector on loopback (Falcosidekick-style
# POSTs); malformed lines are skipped and named; broken rules are rejected with
# file:line:col and exit 2.
. "$(dirname "$0")/../lib/e2e.sh"

command -v jq >/dev/null 2>&1 || skip "jq not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
"$BULKHEAD" sensor replay --help >/dev/null 2>&1 || skip "bulkhead built without the sensor command"

CT='"container":{"id":"4f7c0c2d8e91","name":"web","image":"nginx:1.25","image_repository":"nginx","image_tag":"1.25","runtime":"podman"}'
HOST='"container":{"id":"host"}'
RUNC='"ancestors":[{"pid":10,"name":"runc","exepath":"/usr/bin/runc","cmdline":"runc init"}]'
exec_ev() { # name exepath tty container
	printf '{"ts":1700000000123456789,"num":1,"type":"execve","dir":"<","res":0,"proc":{"pid":100,"tid":100,"ppid":10,"vpid":1,"uid":0,"gid":0,"euid":0,"egid":0,"name":"%s","exe":"%s","exepath":"%s","args":["-i"],"cwd":"/root/","tty":%s,"user":"root","group":"root",%s},%s}\n' \
		"$1" "$2" "$2" "$3" "$RUNC" "$4"
}
open_ev() { # name path container
	printf '{"ts":1700000001000000000,"num":2,"type":"openat","dir":"<","res":3,"proc":{"pid":101,"tid":101,"ppid":10,"name":"%s","exe":"%s","exepath":"/usr/bin/%s","args":["%s"],"user":"root",%s},"fd":{"num":3,"type":"f","name":"%s","open_flags":0},%s,"args":{"flags":"O_RDONLY"}}\n' \
		"$1" "$1" "$1" "$2" "$RUNC" "$2" "$3"
}

# --- a small rules file of our own (always available) ------------------------------------
cat >"$T/rules.yaml" <<'EOF'
- list: shells
  items: [bash, sh, zsh]
- macro: container
  condition: container.id != host
- rule: Shell in container
  desc: a shell ran in a container
  condition: evt.type = execve and proc.name in (shells) and container
  output: "shell %proc.name in %container.name (id=%container.id) user=%user.name tty=%proc.tty"
  priority: WARNING
  tags: [container, shell]
- rule: Shadow read
  desc: /etc/shadow opened
  condition: evt.type = openat and fd.name = /etc/shadow
  output: "shadow read by %proc.name (%fd.name)"
  priority: ERROR
EOF
{
	exec_ev bash /bin/bash 34816 "$CT"
	exec_ev nginx /usr/sbin/nginx 0 "$CT"
	echo '{"type": 5}'
	echo 'not json at all'
	exec_ev bash /bin/bash 0 "$HOST"
	open_ev cat /etc/shadow "$CT"
	open_ev cat /etc/hostname "$CT"
} >"$T/events.jsonl"

expect_exit 0 "$BULKHEAD" sensor replay --rules "$T/rules.yaml" "$T/events.jsonl"
checks=$((checks + 1))
[ "$(wc -l <"$T/out")" = 2 ] || fail "expected 2 alerts, got: $(cat "$T/out")"
checks=$((checks + 1))
jq -e -s '.[0].rule == "Shell in container" and .[0].priority == "Warning" and
  .[0].output_fields["container.id"] == "4f7c0c2d8e91" and .[0].tags == ["container", "shell"] and
  (.[0].output | test("shell bash in web \\(id=4f7c0c2d8e91\\) user=root tty=34816$")) and
  .[1].rule == "Shadow read" and .[1].priority == "Error" and .[0].source == "syscall" and
  .[1].output_fields["container.id"] == "4f7c0c2d8e91" and .[1].output_fields["container.name"] == "web" and
  (.[0].time | test("^2023-11-14T22:13:20.123456789Z$"))' "$T/out" >/dev/null ||
	fail "alert content: $(cat "$T/out")"
checks=$((checks + 1))
grep -q 'events.jsonl:3: ' "$T/err" && grep -q 'events.jsonl:4:[0-9]*:\? *invalid JSON' "$T/err" ||
	fail "malformed lines not named: $(cat "$T/err")"

# text output, min priority, stdin
expect_exit 0 sh -c "\"$BULKHEAD\" sensor replay --rules \"$T/rules.yaml\" --output text --min-priority error - <\"$T/events.jsonl\""
# Like Falco with its container plugin, alerts name the container when the rule's output
# does not: " container_id=... container_name=..." is appended.
expect_out '^22:13:21\.000000000: Error shadow read by cat \(/etc/shadow\) container_id=4f7c0c2d8e91 container_name=web$'
checks=$((checks + 1))
[ "$(wc -l <"$T/out")" = 1 ] || fail "--min-priority error kept: $(cat "$T/out")"

# file sink (appended) and an HTTP collector on loopback
cat >"$T/collector.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        with open(sys.argv[1], "ab") as f:
            f.write(self.headers.get("Content-Type", "").encode() + b" " + body.rstrip(b"\n") + b"\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(s.server_address[1]))
s.serve_forever()
EOF
timeout 60 python3 "$T/collector.py" "$T/posts" "$T/port" &
srv=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$T/port" ] && break; sleep 0.2; done
port=$(cat "$T/port" 2>/dev/null)
expect_exit 0 "$BULKHEAD" sensor replay --rules "$T/rules.yaml" --alerts "file:$T/alerts.log" \
	--alerts "http://127.0.0.1:$port/" "$T/events.jsonl"
kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null
checks=$((checks + 1))
[ "$(wc -l <"$T/alerts.log")" = 2 ] || fail "file sink: $(cat "$T/alerts.log")"
checks=$((checks + 1))
[ "$(grep -c '^application/json {.*"rule":' "$T/posts" 2>/dev/null)" = 2 ] || fail "HTTP sink: $(cat "$T/posts" 2>/dev/null)"
# an unreachable collector is a warning, not a failure
expect_exit 0 "$BULKHEAD" sensor replay --rules "$T/rules.yaml" --alerts "http://127.0.0.1:9/" "$T/events.jsonl"

# broken rules: one line naming file:line:col, exit 2
printf -- '- rule: broken\n  desc: x\n  condition: evt.type = execve and (\n  output: x\n  priority: INFO\n' >"$T/bad.yaml"
expect_exit 2 "$BULKHEAD" sensor replay --rules "$T/bad.yaml" "$T/events.jsonl"
expect_err_line 'bad\.yaml:[0-9]+:[0-9]+: '
expect_exit 2 "$BULKHEAD" sensor replay "$T/events.jsonl"
expect_exit 2 "$BULKHEAD" sensor replay --rules "$T/rules.yaml" "$T/missing.jsonl"
expect_exit 2 "$BULKHEAD" sensor replay --rules "$T/rules.yaml" --alerts "ftp://x" "$T/events.jsonl"

# --- the stock rules, unchanged ----------------------------------------------------------------
STOCK=$SHARED/runtime/falco_rules.yaml
if [ -f "$STOCK" ]; then
	expect_exit 0 "$BULKHEAD" sensor replay --rules "$STOCK" --report-rules "$T/events.jsonl"
	checks=$((checks + 1))
	jq -e -s '[.[].rule] == ["Terminal shell in container", "Read sensitive file untrusted"]' "$T/out" >/dev/null ||
		fail "stock rules: $(jq -c -s '[.[].rule]' "$T/out")"
	checks=$((checks + 1))
	grep -q 'Terminal shell in container: loaded' "$T/err" || fail "no load report: $(head -3 "$T/err")"
else
	echo "note: $STOCK absent; stock-rule replay not checked"
fi

finish
