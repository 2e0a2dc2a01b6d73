#!/bin/sh
# `bulkhead admission serve` over HTTPS on loopback (self-signed certificate, port 0):
# AdmissionReview decisions (uid echoed, denials name the rule, warnings, unknown kinds
# allowed), /healthz, /metrics, 404/405/415, malformed and deeply nested JSON (400), a 100 MB
# body (413), slow, trickling and idle clients (closed after --timeout), garbage instead of
# a TLS handshake, more connections than --max-connections (503), keep-alive, SIGHUP reloads
# (an invalid policy keeps the old one), SIGTERM (exit 0) and unusable certificates (exit 2).
# Worker threads (--threads): connections served by several threads, metrics summed over
# them, the connection limit and a policy reload applying to all of them, bad values (exit 2).
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"
FIX=$BH_SOURCE_ROOT/tests/e2e/admission
for t in curl openssl python3 jq timeout; do
	command -v $t >/dev/null || skip "$t missing"
done
. "$BH_SOURCE_ROOT/tests/lib/admission.sh"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=other -keyout "$T/key2.pem" -out "$T/cert2.pem" >/dev/null 2>&1 ||
	skip "openssl cannot make a certificate"

c() {
	timeout 60 curl -sS --cacert "$T/cert.pem" "$@"
}

# review FILE: POST an AdmissionReview; body in $T/body, status in $T/code.
review() {
	c -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$1" \
		"$URL/validate" >"$T/code" 2>"$T/curl.err"
}

# expect_json WHAT JQ-EXPRESSION: the last response body satisfies the expression.
expect_json() {
	checks=$((checks + 1))
	jq -e "$2" "$T/body" >/dev/null 2>&1 ||
		fail "$1: '$2' is false for: $(head -c 600 "$T/body")"
}

expect_code() {
	checks=$((checks + 1))
	[ "$(cat "$T/code")" = "$2" ] ||
		fail "$1: HTTP status $(cat "$T/code") (want $2): $(head -c 300 "$T/body") $(cat "$T/curl.err")"
}

# metric NAME{LABELS}: its value ("" when absent).
metric() {
	c "$URL/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}

alive() {
	checks=$((checks + 1))
	[ "$(c "$URL/healthz" 2>&1)" = ok ] || fail "$1: server no longer answers /healthz"
	kill -0 "$PID" 2>/dev/null || fail "$1: server process gone"
}

# probe MODE: a raw client (python3) that misbehaves; prints what it saw.
cat >"$T/probe.py" <<'EOF'
import os, socket, ssl, sys, time
port, mode, cafile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
t0 = time.monotonic()
s = socket.create_connection(("127.0.0.1", port), timeout=30)
def tls(sock):
    ctx = ssl.create_default_context(cafile=cafile)
    return ctx.wrap_socket(sock, server_hostname="127.0.0.1")
if mode == "half-headers":
    s = tls(s)
    s.sendall(b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
elif mode == "half-body":
    s = tls(s)
    s.sendall(b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"apiVersion\"")
elif mode == "trickle":
    # One byte every 0.3 s: never idle long enough for a per-read timeout.
    s = tls(s)
    s.settimeout(0.3)
    req = b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" * 4
    closed = False
    for b in req:
        try:
            s.sendall(bytes([b]))
            if s.recv(65536) == b"":
                closed = True
                break
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            closed = True
            break
    if not closed:
        print("%.2f not closed" % (time.monotonic() - t0))
        sys.exit(0)
    s.settimeout(30)
elif mode == "garbage":
    s.sendall(os.urandom(8192))
elif mode == "garbage-hello":
    s.sendall(b"\x16\x03\x01\x01\x00" + os.urandom(256))
elif mode == "silent":
    pass
data = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
except (OSError, ssl.SSLError):
    pass
print("%.2f %d" % (time.monotonic() - t0, len(data)))
EOF
# conns N: open N TLS connections at once, then send GET /healthz on each in turn; prints
# each status line (and "close" when the server said Connection: close).
cat >"$T/conns.py" <<'EOF'
import socket, ssl, sys
port, n, cafile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
socks = [ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20),
                         server_hostname="127.0.0.1") for _ in range(n)]
for s in socks:
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    d = s.recv(65536).decode("latin-1")
    head = d.split("\r\n\r\n")[0].split("\r\n")
    print(head[0].split(" ")[1], "close" if "Connection: close" in head else "keep-alive")
for s in socks:
    s.close()
EOF

start main --timeout 2 --log-decisions

# 1. Decisions. A compliant pod: allowed, uid echoed, no warnings.
review "$FIX/pod-restricted.json"
expect_code "restricted pod" 200
expect_json "restricted pod" '.apiVersion == "admission.k8s.io/v1" and .kind == "AdmissionReview"'
expect_json "restricted pod" '.response.uid == "7d3c0a1e-0001-4000-8000-000000000001"'
expect_json "restricted pod" '.response.allowed == true and ((.response.warnings // []) | length) == 0'
# A privileged pod: denied with the rule id in status.message, still HTTP 200.
review "$FIX/pod-privileged.json"
expect_code "privileged pod" 200
expect_json "privileged pod" '.response.uid == "7d3c0a1e-0003-4000-8000-000000000003"'
expect_json "privileged pod" '.response.allowed == false'
expect_json "privileged pod" '.response.status.message | test("BH-K8S-PSS-002")'
expect_json "privileged pod" '.response.auditAnnotations | tostring | test("BH-K8S-PSS-002")'
# No securityContext: baseline holds (allowed), restricted is violated (warnings).
review "$FIX/pod-plain.json"
expect_code "plain pod" 200
expect_json "plain pod" '.response.allowed == true'
expect_json "plain pod" '(.response.warnings | length) > 0 and (.response.warnings | all(test("BH-K8S-PSS-0")))'
expect_json "plain pod" '.response.auditAnnotations | tostring | test("BH-K8S-PSS-0")'
# An unknown kind: allowed, nothing evaluated.
review "$FIX/unknown-kind.json"
expect_code "unknown kind" 200
expect_json "unknown kind" '.response.uid == "7d3c0a1e-0004-4000-8000-000000000004" and .response.allowed == true'
expect_json "unknown kind" '((.response.warnings // []) | length) == 0'
# --log-decisions: one JSON line per decision, in order.
checks=$((checks + 1))
[ "$(jq -r .verdict "$T/main.out" 2>/dev/null | tr '\n' ' ')" = "allow deny allow skip " ] ||
	fail "decision log: $(cat "$T/main.out")"
checks=$((checks + 1))
jq -e -s '.[1].uid == "7d3c0a1e-0003-4000-8000-000000000003" and .[1].enforced == 1' \
	"$T/main.out" >/dev/null || fail "decision log line: $(sed -n 2p "$T/main.out")"

# 2. The other endpoints and errors.
checks=$((checks + 1))
[ "$(c "$URL/healthz")" = ok ] || fail "/healthz"
c -o "$T/body" -w '%{http_code}' "$URL/nope" >"$T/code"
expect_code "unknown path" 404
c -o "$T/body" -w '%{http_code}' "$URL/validate" >"$T/code"
expect_code "GET /validate" 405
c -o "$T/body" -w '%{http_code}' -X POST --data x "$URL/healthz" >"$T/code"
expect_code "POST /healthz" 405
c -o "$T/body" -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary \
	"@$FIX/pod-plain.json" "$URL/validate" >"$T/code"
expect_code "text/plain body" 415
# The query string kube-apiserver adds is accepted.
c -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary \
	"@$FIX/pod-privileged.json" "$URL/validate?timeout=10s" >"$T/code"
expect_code "?timeout=10s" 200
expect_json "?timeout=10s" '.response.allowed == false'
# Malformed JSON and a body that is not an AdmissionReview: 400 with a message.
printf '{"apiVersion": "admission.k8s.io/v1", "kind": ' >"$T/bad.json"
review "$T/bad.json"
expect_code "malformed JSON" 400
checks=$((checks + 1))
grep -Eqi 'json|token|end' "$T/body" || fail "malformed JSON: no message: $(cat "$T/body")"
echo '{"apiVersion": "v1", "kind": "Pod"}' >"$T/notreview.json"
review "$T/notreview.json"
expect_code "not an AdmissionReview" 400
checks=$((checks + 1))
grep -q 'apiVersion' "$T/body" || fail "not an AdmissionReview: message: $(cat "$T/body")"
jq 'del(.request.uid)' "$FIX/pod-plain.json" >"$T/nouid.json"
review "$T/nouid.json"
expect_code "no uid" 400
checks=$((checks + 1))
grep -q 'uid' "$T/body" || fail "no uid: message: $(cat "$T/body")"
# Deeply nested JSON: 400 naming the depth limit, quickly.
python3 -c 'import sys; sys.stdout.write("[" * 200000 + "]" * 200000)' >"$T/deep.json"
review "$T/deep.json"
expect_code "deep JSON" 400
checks=$((checks + 1))
grep -q 'depth' "$T/body" || fail "deep JSON: message: $(cat "$T/body")"
alive "deep JSON"
# 100 MB body: 413 (curl sends Expect: 100-continue, so the body is never read) ...
head -c 100000000 /dev/zero >"$T/big.bin"
review "$T/big.bin"
expect_code "100 MB body" 413
alive "100 MB body"
# ... and a client that sends it anyway is cut off; the server lives on.
c -o /dev/null -H 'Expect:' -H 'Content-Type: application/json' --data-binary "@$T/big.bin" \
	"$URL/validate" >/dev/null 2>&1
alive "100 MB body without Expect"
rm -f "$T/big.bin"
# Keep-alive: two requests, one connection.
c -o /dev/null -o /dev/null -w '%{num_connects}\n' "$URL/healthz" "$URL/healthz" >"$T/nc"
checks=$((checks + 1))
[ "$(tr '\n' ' ' <"$T/nc")" = "1 0 " ] || fail "keep-alive: connects per request: $(cat "$T/nc")"

# 3. Misbehaving clients (--timeout 2).
# probe MODE MIN MAX: the server closes the connection between MIN and MAX seconds.
probe() {
	checks=$((checks + 1))
	out=$(timeout 60 python3 "$T/probe.py" "$port" "$1" "$T/cert.pem" 2>&1)
	secs=${out%% *}
	awk -v s="$secs" -v lo="$2" -v hi="$3" 'BEGIN { exit !(s + 0 >= lo && s + 0 <= hi) }' ||
		fail "$1: closed after '$out' (want $2-$3 s)"
}
probe half-headers 1.5 8
probe half-body 1.5 8
probe silent 1.5 8
probe trickle 1.5 8
probe garbage 0 1.5
probe garbage-hello 0 1.5
alive "misbehaving clients"

# 4. Metrics moved.
checks=$((checks + 1))
[ "$(metric 'bulkhead_admission_decisions_total{verdict="deny"}')" = 2 ] ||
	fail "metrics: deny decisions $(metric 'bulkhead_admission_decisions_total{verdict="deny"}')"
checks=$((checks + 1))
[ "$(metric 'bulkhead_admission_decisions_total{verdict="skip"}')" = 1 ] || fail "metrics: skip"
checks=$((checks + 1))
[ "$(metric 'bulkhead_admission_requests_total{path="/validate",code="400"}')" = 4 ] ||
	fail "metrics: 400s $(metric 'bulkhead_admission_requests_total{path="/validate",code="400"}')"
checks=$((checks + 1))
[ "$(metric 'bulkhead_admission_requests_total{path="other",code="404"}')" = 1 ] ||
	fail "metrics: 404"
checks=$((checks + 1))
n=$(metric 'bulkhead_admission_request_duration_seconds_count')
inf=$(metric 'bulkhead_admission_request_duration_seconds_bucket{le="+Inf"}')
[ -n "$n" ] && [ "$n" -ge 10 ] && [ "$n" = "$inf" ] || fail "metrics: histogram count $n, +Inf $inf"
checks=$((checks + 1))
c "$URL/metrics" | grep -q '^# TYPE bulkhead_admission_request_duration_seconds histogram$' ||
	fail "metrics: no histogram TYPE line"

# 5. SIGTERM: exit 0.
kill -TERM "$PID"
wait "$PID"
st=$?
checks=$((checks + 1))
[ "$st" = 0 ] || fail "SIGTERM: exit $st (want 0): $(tail -3 "$T/main.err")"

# 6. More connections than --max-connections: 503 with Connection: close, no crash. The
# limit is one count over all worker threads.
start limit --max-connections 2 --timeout 5 --threads 3
timeout 60 python3 "$T/conns.py" "$port" 3 "$T/cert.pem" >"$T/conns" 2>&1
checks=$((checks + 1))
[ "$(tr '\n' ' ' <"$T/conns")" = "200 keep-alive 200 keep-alive 503 close " ] ||
	fail "connection limit: $(cat "$T/conns")"
# The closed connections may not have been noticed yet (a retry may be rejected too).
wait_healthy() {
	i=0
	while [ "$(c "$URL/healthz" 2>/dev/null)" != ok ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
wait_healthy
checks=$((checks + 1))
[ "$(metric bulkhead_admission_connections_rejected_total)" -ge 1 ] 2>/dev/null ||
	fail "connection limit: rejected_total $(metric bulkhead_admission_connections_rejected_total)"
# Far more than the limit plus its headroom: they queue, the server stays up.
timeout 60 python3 "$T/conns.py" "$port" 3 "$T/cert.pem" >/dev/null 2>&1 &
p1=$!
timeout 60 python3 "$T/conns.py" "$port" 3 "$T/cert.pem" >/dev/null 2>&1 &
p2=$!
wait $p1 $p2
wait_healthy
alive "connection flood"
kill -TERM "$PID"
wait "$PID"
st=$?
checks=$((checks + 1))
[ "$st" = 0 ] || fail "SIGTERM (limit server): exit $st"

# 7. SIGHUP: an invalid policy keeps the old one; a valid one takes effect in every worker
# thread (many connections: each one goes to the worker the kernel picks).
# allowed_on_conns N FILE: POST FILE on N new connections; prints the sorted distinct values
# of response.allowed ("true", "false", or both).
allowed_on_conns() {
	i=0
	while [ $i -lt "$1" ]; do
		c -H 'Content-Type: application/json' --data-binary "@$2" "$URL/validate" |
			jq -r '.response.allowed'
		i=$((i + 1))
	done | sort -u | tr '\n' ' '
}
cp "$FIX/policy-baseline.yaml" "$T/policy.yaml"
start reload --policy "$T/policy.yaml" --threads 4
review "$FIX/pod-privileged.json"
expect_json "policy file" '.response.allowed == false'
checks=$((checks + 1))
[ "$(allowed_on_conns 12 "$FIX/pod-privileged.json")" = "false " ] ||
	fail "policy file: not denied on every connection"
cp "$FIX/policy-invalid.yaml" "$T/policy.yaml"
kill -HUP "$PID"
i=0
while [ "$(metric 'bulkhead_admission_policy_reloads_total{result="error"}')" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
checks=$((checks + 1))
[ $i -lt 100 ] || fail "invalid policy: reload error not counted"
checks=$((checks + 1))
grep -q 'policy reload failed, keeping the previous policy: .*policy.yaml:[0-9]' "$T/reload.err" ||
	fail "invalid policy: no error line: $(cat "$T/reload.err")"
review "$FIX/pod-privileged.json"
expect_json "after invalid reload" '.response.allowed == false'
cp "$FIX/policy-privileged.yaml" "$T/policy.yaml"
kill -HUP "$PID"
i=0
while [ "$(metric 'bulkhead_admission_policy_reloads_total{result="ok"}')" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
checks=$((checks + 1))
[ $i -lt 100 ] || fail "valid policy: reload not counted"
review "$FIX/pod-privileged.json"
expect_code "after valid reload" 200
expect_json "after valid reload" '.response.allowed == true and .response.uid == "7d3c0a1e-0003-4000-8000-000000000003"'
checks=$((checks + 1))
got=$(allowed_on_conns 12 "$FIX/pod-privileged.json")
[ "$got" = "true " ] || fail "after valid reload: allowed on 12 connections: $got (want only true)"
checks=$((checks + 1))
grep -q 'policy reloaded: ' "$T/reload.err" || fail "valid policy: no reload line"
kill -TERM "$PID"
wait "$PID"
st=$?
checks=$((checks + 1))
[ "$st" = 0 ] || fail "SIGTERM (reload server): exit $st"

# 8. Worker threads: 20 requests on 20 connections with --threads 2 are served by both
# workers (each has woken up to serve: voluntary context switches of its thread), and
# /metrics adds up what every worker counted.
# workers_busy PID: the worker threads (bh-admission-N) that have blocked more than 3 times.
workers_busy() {
	n=0
	for t in /proc/$1/task/*; do
		case $(cat "$t/comm" 2>/dev/null) in
		bh-admission-*) ;;
		*) continue ;;
		esac
		v=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "$t/status" 2>/dev/null)
		[ "${v:-0}" -gt 3 ] && n=$((n + 1))
	done
	echo $n
}
start threads --threads 2
checks=$((checks + 1))
grep -q 'listening on https://.*, 2 threads)$' "$T/threads.err" ||
	fail "--threads 2: listening line: $(cat "$T/threads.err")"
checks=$((checks + 1))
nw=$(cat /proc/"$PID"/task/*/comm 2>/dev/null | grep -c '^bh-admission-')
[ "$nw" = 2 ] || fail "--threads 2: $nw worker threads"
i=0
while [ $i -lt 20 ]; do
	if [ $((i % 2)) = 0 ]; then f=pod-privileged.json; else f=pod-plain.json; fi
	c -o /dev/null -H 'Content-Type: application/json' --data-binary "@$FIX/$f" "$URL/validate"
	i=$((i + 1))
done
checks=$((checks + 1))
[ "$(workers_busy "$PID")" = 2 ] ||
	fail "--threads 2: 20 connections did not reach both workers ($(workers_busy "$PID") busy)"
checks=$((checks + 1))
[ "$(metric 'bulkhead_admission_requests_total{path="/validate",code="200"}')" = 20 ] ||
	fail "--threads 2: requests_total $(metric 'bulkhead_admission_requests_total{path="/validate",code="200"}') (want 20)"
checks=$((checks + 1))
[ "$(metric 'bulkhead_admission_decisions_total{verdict="deny"}')" = 10 ] &&
	[ "$(metric 'bulkhead_admission_decisions_total{verdict="allow"}')" = 10 ] ||
	fail "--threads 2: decisions $(c "$URL/metrics" | grep decisions_total)"
checks=$((checks + 1))
n=$(metric 'bulkhead_admission_request_duration_seconds_count')
inf=$(metric 'bulkhead_admission_request_duration_seconds_bucket{le="+Inf"}')
[ "$n" = 20 ] && [ "$inf" = 20 ] || fail "--threads 2: histogram count $n, +Inf $inf (want 20)"
# /healthz counted by whichever worker answered: 5 more on new connections, 5 in all.
i=0
while [ $i -lt 5 ]; do
	c -o /dev/null "$URL/healthz"
	i=$((i + 1))
done
checks=$((checks + 1))
[ "$(metric 'bulkhead_admission_requests_total{path="/healthz",code="200"}')" = 5 ] ||
	fail "--threads 2: /healthz count $(metric 'bulkhead_admission_requests_total{path="/healthz",code="200"}')"
# The port is taken: a second server fails (exit 3) instead of sharing it (SO_REUSEPORT).
expect_exit 3 "$BULKHEAD" admission serve --listen "127.0.0.1:$port" --threads 2 \
	--cert "$T/cert.pem" --key "$T/key.pem"
expect_err_line "cannot listen on 127.0.0.1:$port"
kill -TERM "$PID"
wait "$PID"
st=$?
checks=$((checks + 1))
[ "$st" = 0 ] || fail "SIGTERM (threads server): exit $st"
checks=$((checks + 1))
[ "$(grep -c 'stopped$' "$T/threads.err")" = 1 ] || fail "--threads 2: stop lines: $(cat "$T/threads.err")"
# The threads limit is the default; --threads wins over it.
start limitthreads --limit threads=1
checks=$((checks + 1))
grep -q ', 1 thread)$' "$T/limitthreads.err" ||
	fail "--limit threads=1: $(cat "$T/limitthreads.err")"
kill -TERM "$PID"
wait "$PID"
start both --limit threads=1 --threads 3
checks=$((checks + 1))
grep -q ', 3 threads)$' "$T/both.err" || fail "--threads over --limit: $(cat "$T/both.err")"
kill -TERM "$PID"
wait "$PID"

# 9. Unusable start-up input: exit 2, one line.
serve() {
	"$BULKHEAD" admission serve --listen 127.0.0.1:0 "$@"
}
expect_exit 2 serve --cert "$T/nope.pem" --key "$T/key.pem"
expect_err_line "nope.pem"
echo "not a certificate" >"$T/junk.pem"
expect_exit 2 serve --cert "$T/junk.pem" --key "$T/key.pem"
expect_err_line "certificate '.*junk.pem'"
expect_exit 2 serve --cert "$T/cert.pem" --key "$T/junk.pem"
expect_err_line "key '.*junk.pem'"
expect_exit 2 serve --cert "$T/cert.pem" --key "$T/key2.pem"
expect_err_line "key .*(mismatch|does not match)"
expect_exit 2 serve --cert "$T/cert.pem" --key "$T/key.pem" --policy "$FIX/policy-invalid.yaml"
expect_err_line "policy-invalid.yaml:[0-9]+"
expect_exit 2 "$BULKHEAD" admission serve --listen 127.0.0.1 --cert "$T/cert.pem" --key "$T/key.pem"
expect_err_line "--listen"
expect_exit 2 serve --cert "$T/cert.pem" --key "$T/key.pem" --max-connections 0
expect_err_line "--max-connections"
expect_exit 2 serve --cert "$T/cert.pem" --key "$T/key.pem" --threads 0
expect_err_line "--threads '0'"
expect_exit 2 serve --cert "$T/cert.pem" --key "$T/key.pem" --threads 65
expect_err_line "--threads '65'"
expect_exit 2 serve --cert "$T/cert.pem" --key "$T/key.pem" --threads two
expect_err_line "--threads 'two'"
expect_exit 2 "$BULKHEAD" admission serve --cert "$T/cert.pem"
expect_err_line "required"

finish
