#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-store-pg.sh — recording into a real PostgreSQL server (tests/lib/pg.sh starts one on
# loopback, as the `postgres` user when run as root): scans recorded, the server stopped —
# the next scan still exits 0, says where the run waits, and keeps it in the spool — the
# server restarted — the next recording delivers the spooled run first, nothing is lost,
# and the audit chain is intact. Skips (77) without PostgreSQL binaries.
. "$(dirname "$0")/../lib/e2e.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
PG=$BH_SOURCE_ROOT/tests/lib/pg.sh
chmod 0755 "$T"
URL=$(sh "$PG" start "$T/pg" 2>"$T/pg.err")
case $? in
0) ;;
77) skip "no PostgreSQL server here: $(cat "$T/pg.err")" ;;
*) fail "pg.sh start: $(cat "$T/pg.err")"; finish ;;
esac
trap 'sh "$PG" stop "$T/pg" >/dev/null 2>&1; rm -rf "$T"' EXIT
export BULKHEAD_HOME="$T/home"
mkdir -p "$BULKHEAD_HOME"

mkdir -p "$T/l1/opt"
printf 'GITHUB_TOKEN=ghp_%s%s\n' 'Zq7mV2pL9tR4wX8n' 'B1cY6hD5fG0sA3eUk2J' >"$T/l1/opt/t.env"
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" oci "$T/img" --tag 1 --layer "$T/l1" \
	>/dev/null || fail "mkimage.py failed"
IMG=oci:$T/img:1

expect_exit 0 "$BULKHEAD" scan --scanners secret,config --store "$URL" "$IMG"

# Server down: the scan succeeds, the run waits in the spool.
sh "$PG" stop "$T/pg" || fail "pg.sh stop"
expect_exit 0 "$BULKHEAD" scan --scanners secret --store "$URL" "$IMG"
checks=$((checks + 1))
grep -q 'delivered by the next recording' "$T/err" || fail "no spool message: $(cat "$T/err")"
checks=$((checks + 1))
n=$(find "$T/home/spool" -name '*.json' | wc -l)
[ "$n" = 1 ] || fail "expected one spooled run, found $n"
checks=$((checks + 1))
grep -q 'postgres@' "$T/err" && grep -q 'password' "$T/err" && fail "a password in the message"

# Server back: the next recording delivers the spooled run first.
sh "$PG" start "$T/pg" >/dev/null 2>"$T/pg.err" || fail "pg.sh restart: $(cat "$T/pg.err")"
expect_exit 0 "$BULKHEAD" scan --scanners config --store "$URL" "$IMG"
checks=$((checks + 1))
n=$(find "$T/home/spool" -name '*.json' | wc -l)
[ "$n" = 0 ] || fail "the spool was not emptied ($n left)"
expect_exit 0 "$BULKHEAD" audit log --store "$URL" --kind run.recorded --format json
checks=$((checks + 1))
jq -e '[.records[] | .payload.kind] == ["scan.secret", "scan.config", "scan.secret", "scan.config"]' \
	"$T/out" >/dev/null || fail "recorded runs: $(jq -c '[.records[] | .payload.kind]' "$T/out")"
expect_exit 0 "$BULKHEAD" audit verify --store "$URL"
expect_out '^intact: '

# A store that refuses the connection for another reason (bad database name) is an error.
BAD=$(printf '%s' "$URL" | sed 's|/postgres$|/no_such_db|')
expect_exit 2 "$BULKHEAD" scan --scanners config --store "$BAD" "$IMG"
expect_err_line 'no_such_db'

finish
