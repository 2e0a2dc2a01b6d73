#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/risk.sh — `bulkhead risk` over 5,000 workloads (issue 8 item 8), against `bulkhead k8s
# check` over the same input measured in the same run (ratio = risk / check).
#
# Input: the cluster dump of bench/gen-k8s.py (seeded, byte-identical; see bench/k8s-objects.sh)
# sized so that it holds BENCH_RISK_WORKLOADS (5000) workloads, made once into the cache. The
# store: a SQLite store made by one real `bulkhead scan --store` of a small image (schema and
# one run), then filled by python3's sqlite3 with one scan.vuln run and BENCH_RISK_FINDINGS
# (10) open vulnerability findings for every other distinct image of the dump, plus a
# scan.config run with BH-IMG-001 for every fourth — written in the store's schema version 1
# (src/store/schema-v1.c; this script must follow it when it changes).
#
# Measured (best of BENCH_RUNS, 3; `date +%s.%N`; peak RSS of the first run):
#   k8s check               PSS + hardening (the baseline: load + per-workload checks)
#   risk --no-store         the manifest factors alone (exposure, reach, RBAC, PSS, hardening)
#   risk --store S          everything, JSON to a file
# Environment: BULKHEAD, BH_SOURCE_ROOT, BH_BUILD_ROOT (cache in $BH_BUILD_ROOT/cache, or
# BH_CACHE_DIR); optional BENCH_RUNS, BENCH_RISK_WORKLOADS, BENCH_RISK_FINDINGS.
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"
: "${BH_BUILD_ROOT:?BH_BUILD_ROOT is not set}"
RUNS=${BENCH_RUNS:-3}
WORKLOADS=${BENCH_RISK_WORKLOADS:-5000}
FINDINGS=${BENCH_RISK_FINDINGS:-10}
for tool in jq python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "risk: $tool is required" >&2; exit 1; }
done
[ -x "$BULKHEAD" ] || { echo "risk: $BULKHEAD is not executable" >&2; exit 1; }

. "$BH_SOURCE_ROOT/tests/slow/lib-rootfs.sh"
CACHE=$(bh_cache_dir)
GEN=$BH_SOURCE_ROOT/bench/gen-k8s.py
# gen-k8s.py makes about 34-35 % of its objects workloads.
OBJECTS=$((WORKLOADS * 100 / 34 + 1))
DUMP=$CACHE/k8s-dump-$OBJECTS
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bh-bench-risk.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT INT TERM
export BULKHEAD_HOME=$TMP/home
mkdir -p "$BULKHEAD_HOME"
unset BULKHEAD_STORE

mkdir -p "$CACHE"
stamp=$(sha256sum "$GEN" | cut -c1-16)
if [ ! -f "$DUMP/stamp" ] || [ "$(cat "$DUMP/stamp")" != "$stamp" ]; then
	echo "risk: generating $OBJECTS objects into $DUMP"
	rm -rf "$DUMP"
	python3 "$GEN" "$DUMP.tmp" --objects "$OBJECTS"
	echo "$stamp" >"$DUMP.tmp/stamp"
	mv "$DUMP.tmp" "$DUMP"
fi
IN=$DUMP/cluster.yaml

# ---- the store ---------------------------------------------------------------------------
S=$TMP/store.db
mkdir -p "$TMP/l/etc"
printf 'ID=debian\nVERSION_ID="12"\n' >"$TMP/l/etc/os-release"
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" docker-archive "$TMP/img.tar" --layer "$TMP/l" \
	--repo-tag bench.local/seed:1 >/dev/null
"$BULKHEAD" scan --scanners config --store "$S" "docker-archive:$TMP/img.tar" >/dev/null
python3 - "$S" "$DUMP/cluster.json" "$FINDINGS" <<'PY'
import json, sqlite3, sys
db, dump, nf = sys.argv[1], sys.argv[2], int(sys.argv[3])
objs = json.load(open(dump))["items"]
images = []
seen = set()
def walk(spec):
    for k in ("initContainers", "containers"):
        for c in (spec or {}).get(k, []) or []:
            i = c.get("image")
            if i and i not in seen:
                seen.add(i)
                images.append(i)
for o in objs:
    s = o.get("spec") or {}
    if o["kind"] == "Pod":
        walk(s)
    elif o["kind"] == "CronJob":
        walk(((s.get("jobTemplate") or {}).get("spec") or {}).get("template", {}).get("spec"))
    elif "template" in s:
        walk((s.get("template") or {}).get("spec"))
con = sqlite3.connect(db)
sev = ["critical", "high", "medium", "medium", "low", "low", "low", "unknown"]
t = 1700000000
n_runs = n_find = 0
with con:
    for k, img in enumerate(images):
        if k % 2:
            continue
        name, _, digest = img.partition("@")
        cur = con.execute("INSERT INTO bh_runs(kind, time, target_type, target_name, cluster,"
                          " target_digest, tool, summary) VALUES('scan.vuln', ?, 'image', ?, '', ?,"
                          " 'bench', '{}')", (t + k, name if not digest else img, digest or None))
        run = cur.lastrowid
        n_runs += 1
        for j in range(nf):
            fid = "%08x%024x" % (k, j)
            s = sev[(k + j) % len(sev)]
            f = {"schema": "bulkhead.finding/v1", "id": fid, "kind": "vulnerability",
                 "severity": s, "rule": {"id": "CVE-2024-%05d" % (j * 7 + k % 5)},
                 "evidence": {"fixed": "9.9" if j % 3 else None}}
            cur = con.execute(
                "INSERT INTO bh_findings(run_kind, target_type, target_name, cluster, id, kind,"
                " severity, rule_id, first_seen, last_seen, resolved_at, last_run_id, finding)"
                " VALUES('scan.vuln', 'image', ?, '', ?, 'vulnerability', ?, ?, ?, ?, 0, ?, ?)",
                (name if not digest else img, fid, s, f["rule"]["id"], t + k, t + k, run,
                 json.dumps(f)))
            con.execute("INSERT INTO bh_run_findings(run_id, sid) VALUES(?, ?)", (run, cur.lastrowid))
            n_find += 1
        if k % 4 == 0:
            cur = con.execute("INSERT INTO bh_runs(kind, time, target_type, target_name, cluster,"
                              " tool, summary) VALUES('scan.config', ?, 'image', ?, '', 'bench', '{}')",
                              (t + k, name))
            f = {"id": "cfg%08x" % k, "kind": "config", "severity": "unknown",
                 "rule": {"id": "BH-IMG-001"}}
            c2 = con.execute(
                "INSERT INTO bh_findings(run_kind, target_type, target_name, cluster, id, kind,"
                " severity, rule_id, first_seen, last_seen, resolved_at, last_run_id, finding)"
                " VALUES('scan.config', 'image', ?, '', ?, 'config', 'unknown', 'BH-IMG-001', ?, ?,"
                " 0, ?, ?)", (name, f["id"], t + k, t + k, cur.lastrowid, json.dumps(f)))
            con.execute("INSERT INTO bh_run_findings(run_id, sid) VALUES(?, ?)",
                        (cur.lastrowid, c2.lastrowid))
print("store: %d distinct images in the dump, %d scan.vuln runs, %d findings" % (
    len(images), n_runs, n_find))
PY

# ---- timing ------------------------------------------------------------------------------
now() { date +%s.%N; }
# best CMD...: the fastest wall time of $RUNS runs (exit status 0 or 1 accepted); peak RSS of
# the first run into $TMP/rss (kB).
best()
{
	local b="" t0 t1 t rc i
	for ((i = 0; i < RUNS; i++)); do
		rc=0
		t0=$(now)
		if [ "$i" = 0 ] && [ -x /usr/bin/time ]; then
			/usr/bin/time -f %M -o "$TMP/rss" "$@" >/dev/null 2>"$TMP/err" || rc=$?
		else
			"$@" >/dev/null 2>"$TMP/err" || rc=$?
		fi
		t1=$(now)
		[ "$rc" -le 1 ] || { echo "risk: $* failed:" >&2; tail -3 "$TMP/err" >&2; return 1; }
		t=$(LC_ALL=C awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
		if [ -z "$b" ] || LC_ALL=C awk -v a="$t" -v b="$b" 'BEGIN { exit !(a < b) }'; then
			b=$t
		fi
	done
	echo "$b"
}
rss() { [ -s "$TMP/rss" ] && tail -n 1 "$TMP/rss" | LC_ALL=C awk '{ printf "%.1f", $1 / 1024 }' || echo n/a; }
ratio() { LC_ALL=C awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

n_wl=$("$BULKHEAD" risk --no-store -f json "$IN" 2>/dev/null | jq '.summary.workloads')
echo "bulkhead: $("$BULKHEAD" --version 2>/dev/null | head -n 1)"
echo "machine: $(nproc) CPUs, $(uname -m); best of $RUNS"
echo "input: $(jq -r '.objects' "$DUMP/counts.json") objects, $n_wl workloads ($IN)"
t_check=$(best "$BULKHEAD" k8s check "$IN")
r_check=$(rss)
t_nostore=$(best "$BULKHEAD" risk --no-store -f json -o "$TMP/r0.json" "$IN")
r_nostore=$(rss)
t_risk=$(best "$BULKHEAD" risk --store "$S" -f json -o "$TMP/r.json" "$IN")
r_risk=$(rss)
jq -r '"risk: \(.summary.workloads) workloads, \(.summary.images_scanned) of \(.summary.images) images scanned; top score \(.workloads[0].score), median \(.workloads[(.workloads | length) / 2 | floor].score)"' "$TMP/r.json"
echo
echo "== summary: bulkhead risk over $n_wl workloads (best of $RUNS; ratio = time / k8s check)"
printf '%-28s %9s %14s %8s %8s\n' command "time s" "workloads/s" ratio "RSS MB"
printf '%-28s %9.2f %14.0f %8s %8s\n' "k8s check" "$t_check" \
	"$(LC_ALL=C awk -v n="$n_wl" -v t="$t_check" 'BEGIN { print n / t }')" 1.00 "$r_check"
printf '%-28s %9.2f %14.0f %8s %8s\n' "risk --no-store" "$t_nostore" \
	"$(LC_ALL=C awk -v n="$n_wl" -v t="$t_nostore" 'BEGIN { print n / t }')" \
	"$(ratio "$t_nostore" "$t_check")" "$r_nostore"
printf '%-28s %9.2f %14.0f %8s %8s\n' "risk --store (JSON)" "$t_risk" \
	"$(LC_ALL=C awk -v n="$n_wl" -v t="$t_risk" 'BEGIN { print n / t }')" \
	"$(ratio "$t_risk" "$t_check")" "$r_risk"
