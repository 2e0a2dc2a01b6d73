# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# admission.sh — the webhook test rig shared by tests/e2e/t-admission*.sh (sourced after
# e2e.sh): no proxies, a self-signed certificate for 127.0.0.1 in $T/cert.pem + key.pem
# (skip when openssl cannot make one), servers killed at exit, and
#   start NAME ARGS...   `bulkhead admission serve` in the background (stdout $T/NAME.out,
#                        stderr $T/NAME.err), waited for until it listens; sets PID and URL
unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY all_proxy ALL_PROXY
export NO_PROXY='*' no_proxy='*'

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1 ||
	skip "openssl cannot make a certificate"

pids=""
cleanup() {
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

start() {
	name=$1
	shift
	"$BULKHEAD" admission serve --listen 127.0.0.1:0 --cert "$T/cert.pem" --key "$T/key.pem" \
		"$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
	PID=$!
	pids="$pids $PID"
	i=0
	while ! grep -q 'listening on https://' "$T/$name.err" && [ $i -lt 200 ]; do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	port=$(sed -n 's|.*listening on https://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$T/$name.err")
	if [ -z "$port" ]; then
		fail "$name: server did not start: $(cat "$T/$name.err")"
		finish
	fi
	URL=https://127.0.0.1:$port
}
