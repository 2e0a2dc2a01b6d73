#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/audit.sh — the audit log (issue 8): append and verify rates on 1M records.
#
# Input: BENCH_AUDIT_N (1,000,000) generated Kubernetes API audit events (one JSON line each,
# made by python3 into a temporary directory), appended with `bulkhead audit import-k8s`
# (every line is parsed twice: a checking pass, then the appending pass; one record = one
# transaction, a signed checkpoint every 1,000 records plus the head file).
# Measured, in one run:
#   append     records/s of import-k8s into a SQLite store on tmpfs (/dev/shm: the CPU cost;
#              on disk every record's commit is an fsync, measured separately on
#              BENCH_AUDIT_DISK_N (2,000) records in the build's temporary directory)
#   baseline   the same rows inserted with the sqlite3 CLI in one transaction (the floor a
#              batch writer could reach); ratio = baseline time / append time
#   verify     records/s of `bulkhead audit verify` (hash, link, canonical form of every
#              record, every checkpoint signature, the head file); floor = `sqlite3 SELECT *`
#              of the same rows to /dev/null; ratio = verify time / floor time
#   PostgreSQL append and verify of BENCH_AUDIT_PG_N (100,000) records on a server started by
#              tests/lib/pg.sh (skipped when it exits 77)
# Environment: BULKHEAD (default build/src/cli/bulkhead), BENCH_AUDIT_N, BENCH_AUDIT_DISK_N,
# BENCH_AUDIT_PG_N, TMPDIR.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BULKHEAD=${BULKHEAD:-$top/build/src/cli/bulkhead}
N=${BENCH_AUDIT_N:-1000000}
DISK_N=${BENCH_AUDIT_DISK_N:-2000}
PG_N=${BENCH_AUDIT_PG_N:-100000}
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$shm/bh-bench-audit.XXXXXX")
disk=$(mktemp -d "${TMPDIR:-/tmp}/bh-bench-audit-disk.XXXXXX")
pgdir=
cleanup() {
	if [ -n "$pgdir" ]; then
		sh "$top/tests/lib/pg.sh" stop "$pgdir" >/dev/null 2>&1 || true
		rm -rf "$pgdir"
	fi
	rm -rf "$tmp" "$disk"
}
trap cleanup EXIT
export BULKHEAD_HOME="$tmp/home"
unset BULKHEAD_STORE

gen() { # gen N FILE
	python3 - "$1" "$2" <<'PY'
import json, sys
n = int(sys.argv[1])
with open(sys.argv[2], "w") as f:
    for i in range(n):
        f.write(json.dumps({"apiVersion": "audit.k8s.io/v1", "kind": "Event", "level": "Metadata",
            "auditID": "bench-%08d" % i, "stage": "ResponseComplete",
            "verb": ("create", "update", "patch", "delete")[i % 4],
            "user": {"username": "user%d@example.com" % (i % 500), "groups": ["system:authenticated", "team-%d" % (i % 7)]},
            "sourceIPs": ["10.1.%d.%d" % (i % 250, i % 199)], "userAgent": "kubectl/v1.30.1",
            "objectRef": {"resource": "deployments", "namespace": "ns-%d" % (i % 300), "name": "app-%d" % i,
                          "apiGroup": "apps", "apiVersion": "v1"},
            "responseStatus": {"metadata": {}, "code": 200},
            "requestReceivedTimestamp": "2024-05-01T10:00:00.000001Z",
            "stageTimestamp": "2024-05-01T10:00:00.004211Z"}, separators=(",", ":")) + "\n")
PY
}

now() { date +%s.%N; }
rate() { python3 -c "import sys; print('%.0f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
secs() { python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

# append_verify NAME STORE N FILE: sets t_append, t_verify (seconds)
append_verify() {
	a0=$(now)
	"$BULKHEAD" audit import-k8s --store "$2" "$4" >/dev/null
	a1=$(now)
	"$BULKHEAD" audit verify --store "$2" >"$tmp/verify.out"
	a2=$(now)
	grep -q "^intact: $3 records" "$tmp/verify.out" || {
		echo "audit: verify of $1 did not report $3 intact records: $(cat "$tmp/verify.out")" >&2
		exit 1
	}
	t_append=$(secs "$a0" "$a1")
	t_verify=$(secs "$a1" "$a2")
	echo "$1: append $3 records: ${t_append} s, $(rate "$3" "$t_append") records/s;" \
		"verify: ${t_verify} s, $(rate "$3" "$t_verify") records/s"
}

echo "audit: generating $N events"
gen "$N" "$tmp/events.jsonl"
echo "audit: $(wc -c <"$tmp/events.jsonl") bytes of events"

# ---- SQLite on tmpfs -------------------------------------------------------------------------
append_verify "sqlite (tmpfs)" "$tmp/store.db" "$N" "$tmp/events.jsonl"
t_app_sqlite=$t_append
t_ver_sqlite=$t_verify

if command -v sqlite3 >/dev/null; then
	# baseline: the very same rows, one transaction, sqlite3 CLI
	sqlite3 "$tmp/store.db" ".schema bh_audit" >"$tmp/schema.sql"
	{
		echo "BEGIN;"
		sqlite3 "$tmp/store.db" ".mode insert bh_audit" "SELECT * FROM bh_audit ORDER BY seq"
		echo "COMMIT;"
	} >"$tmp/rows.sql"
	sqlite3 "$tmp/raw.db" <"$tmp/schema.sql"
	b0=$(now)
	sqlite3 "$tmp/raw.db" <"$tmp/rows.sql"
	b1=$(now)
	t_raw=$(secs "$b0" "$b1")
	echo "baseline: sqlite3 CLI, same $N rows in one transaction: ${t_raw} s," \
		"$(rate "$N" "$t_raw") rows/s; append / baseline time: $(ratio "$t_app_sqlite" "$t_raw")"
	f0=$(now)
	sqlite3 "$tmp/store.db" "SELECT * FROM bh_audit ORDER BY seq" >/dev/null
	f1=$(now)
	t_read=$(secs "$f0" "$f1")
	echo "floor: sqlite3 SELECT of the $N rows: ${t_read} s, $(rate "$N" "$t_read") rows/s;" \
		"verify / floor time: $(ratio "$t_ver_sqlite" "$t_read")"
else
	echo "baseline: sqlite3 CLI missing, skipped"
fi

# ---- SQLite on disk (fsync per record) --------------------------------------------------------
head -n "$DISK_N" "$tmp/events.jsonl" >"$tmp/disk.jsonl"
append_verify "sqlite (disk, $(df -P "$disk" | awk 'NR==2 {print $1}'))" "$disk/store.db" "$DISK_N" \
	"$tmp/disk.jsonl"

# ---- PostgreSQL -------------------------------------------------------------------------------
pgdir=$(mktemp -d /tmp/bh-bench-pg.XXXXXX)
chmod 755 "$pgdir"
set +e
uri=$(sh "$top/tests/lib/pg.sh" start "$pgdir" 2>"$tmp/pg.err")
st=$?
set -e
if [ $st = 0 ] && [ -n "$uri" ]; then
	head -n "$PG_N" "$tmp/events.jsonl" >"$tmp/pg.jsonl"
	append_verify "postgres (loopback, fsync off)" "$uri" "$PG_N" "$tmp/pg.jsonl"
else
	echo "postgres: skipped (tests/lib/pg.sh exit $st: $(head -1 "$tmp/pg.err"))"
	rm -rf "$pgdir"
	pgdir=
fi
