#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/store.sh — store write throughput, SQLite vs PostgreSQL (issue 8 item 8).
#
# The workload is a real recording: `bulkhead k8s check --store` over a generated cluster
# dump (bench/gen-k8s.py, BENCH_STORE_OBJECTS objects, default 5,000: several thousand
# findings), so every run records its findings' states and appends one audit record per
# finding first seen. Measured per backend: the first recording (all findings new: inserts
# plus audit records) and a second identical one (all findings seen again: updates, no new
# audit records). Baseline in the same run: the same `k8s check` without --store; the
# recording cost is the difference, reported as findings/s and as a ratio to the check itself.
# Backends: a SQLite file in a temp dir on disk, and a PostgreSQL server that
# tests/lib/pg.sh starts on loopback (fsync off, as the test server is configured; skipped
# when PostgreSQL is not installed).
#
# Environment: BULKHEAD, BH_SOURCE_ROOT, BH_BUILD_ROOT; optional BENCH_RUNS (3),
# BENCH_STORE_OBJECTS (5000).
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"
: "${BH_BUILD_ROOT:?BH_BUILD_ROOT is not set}"
RUNS=${BENCH_RUNS:-3}
OBJECTS=${BENCH_STORE_OBJECTS:-5000}
for tool in python3 jq; do
	command -v "$tool" >/dev/null 2>&1 || { echo "store: $tool is required" >&2; exit 1; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bh-bench-store.XXXXXX")
chmod 0755 "$TMP"
PG=$BH_SOURCE_ROOT/tests/lib/pg.sh
cleanup()
{
	sh "$PG" stop "$TMP/pg" >/dev/null 2>&1 || true
	rm -rf -- "$TMP"
}
trap cleanup EXIT INT TERM
export BULKHEAD_HOME=$TMP/home
mkdir -p "$BULKHEAD_HOME"
unset BULKHEAD_STORE

python3 "$BH_SOURCE_ROOT/bench/gen-k8s.py" --objects "$OBJECTS" "$TMP/dump" >/dev/null
DUMP=$TMP/dump/cluster.yaml
[ -f "$DUMP" ] || { echo "store: gen-k8s.py wrote no $DUMP" >&2; exit 1; }

now() { date +%s.%N; }
fmt() { LC_ALL=C awk -v x="$1" -v d="$2" 'BEGIN { printf "%.*f", d, x }'; }

# timed CMD...: wall seconds of one run (exit 0 or 1 accepted: 1 means findings).
timed()
{
	local t0 t1 rc
	t0=$(now)
	"$@" >/dev/null 2>"$TMP/err" && rc=0 || rc=$?
	t1=$(now)
	if [ "$rc" -gt 1 ]; then
		echo "store: failed ($rc): $*" >&2
		sed 's/^/    /' "$TMP/err" >&2
		exit 1
	fi
	LC_ALL=C awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

median() { printf '%s\n' "$@" | LC_ALL=C sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

FINDINGS=$("$BULKHEAD" k8s check -f json "$DUMP" 2>/dev/null | jq '.findings | length') || true
echo "store: k8s check over $OBJECTS objects ($FINDINGS findings per run), $RUNS rounds, medians"

# bench_backend NAME SPEC_MAKER: SPEC_MAKER ROUND prints a fresh store spec for a round.
declare -A RES
bench_backend()
{
	local name=$1 maker=$2 i spec base first second
	local -a b=() f=() s=()
	for ((i = 1; i <= RUNS; i++)); do
		spec=$($maker "$i")
		base=$(timed "$BULKHEAD" k8s check "$DUMP")
		first=$(timed "$BULKHEAD" k8s check --store "$spec" "$DUMP")
		second=$(timed "$BULKHEAD" k8s check --store "$spec" "$DUMP")
		b+=("$base") f+=("$first") s+=("$second")
	done
	RES[$name.base]=$(median "${b[@]}")
	RES[$name.first]=$(median "${f[@]}")
	RES[$name.second]=$(median "${s[@]}")
}

sqlite_spec() { echo "$TMP/sqlite-$1.db"; }
bench_backend sqlite sqlite_spec

PGURL=
if PGURL=$(sh "$PG" start "$TMP/pg" 2>"$TMP/pg.err"); then
	pg_spec()
	{
		# One database per round, so each round starts empty.
		local db="bench$1"
		if command -v psql >/dev/null 2>&1; then
			if [ "$(id -u)" = 0 ]; then
				runuser -u postgres -- psql -q "$PGURL" -c "CREATE DATABASE $db" >/dev/null
			else
				psql -q "$PGURL" -c "CREATE DATABASE $db" >/dev/null
			fi
			echo "${PGURL%/*}/$db"
		else
			echo "$PGURL"
		fi
	}
	bench_backend postgres pg_spec
else
	echo "store: PostgreSQL not available here ($(head -1 "$TMP/pg.err")); SQLite only"
fi

printf '%-10s %10s %12s %12s %14s %14s %10s\n' backend "check s" "+store 1st" "+store 2nd" \
	"1st findings/s" "2nd findings/s" "1st ratio"
for be in sqlite postgres; do
	[ -n "${RES[$be.base]:-}" ] || continue
	base=${RES[$be.base]} first=${RES[$be.first]} second=${RES[$be.second]}
	d1=$(LC_ALL=C awk -v a="$first" -v b="$base" 'BEGIN { d = a - b; print (d > 0.001 ? d : 0.001) }')
	d2=$(LC_ALL=C awk -v a="$second" -v b="$base" 'BEGIN { d = a - b; print (d > 0.001 ? d : 0.001) }')
	printf '%-10s %10s %12s %12s %14s %14s %10s\n' "$be" "$base" "$first" "$second" \
		"$(fmt "$(LC_ALL=C awk -v n="$FINDINGS" -v d="$d1" 'BEGIN { print n / d }')" 0)" \
		"$(fmt "$(LC_ALL=C awk -v n="$FINDINGS" -v d="$d2" 'BEGIN { print n / d }')" 0)" \
		"$(fmt "$(LC_ALL=C awk -v a="$first" -v b="$base" 'BEGIN { print a / b }')" 2)"
done
echo "store: findings/s = findings recorded per second of recording time (with --store minus"
echo "       without); 1st = all new (states + one audit record each), 2nd = all seen again;"
echo "       ratio = k8s check --store / k8s check"
