#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/k8s-objects.sh — objects/s of the manifest commands over a generated 20,000-object
# cluster dump (issue 6 item 7). The dump is made by bench/gen-k8s.py (seeded, byte-identical)
# into the cache, once per generator version and size: one multi-document YAML stream and the
# same objects as one JSON List.
#
# Measured, each over the YAML dump and over the JSON List (best of $BENCH_RUNS, hyperfine
# when installed, else a `date +%s.%N` loop; a run over 60 s is not repeated; peak RSS of the
# first run, `/usr/bin/time -f %M`):
#   k8s check --only pss      Pod Security Standards only
#   k8s check                 PSS + hardening
#   k8s rbac                  RBAC findings
#   k8s reach -f json         workload-to-workload connections (quadratic in the workloads)
#   k8s exposure              externally reachable workloads
# Floor: parsing alone, with the stock tools a person would use: `jq -c .` over the JSON List
# (jq's JSON parser plus a compact re-print) and `python3 -c yaml.safe_load_all` (PyYAML's C
# loader when present) over the YAML stream, measured in the same run; ratio = bulkhead /
# floor of the same format (< 1: bulkhead parses and evaluates faster than the tool parses).
#
# Environment: BULKHEAD, BH_SOURCE_ROOT, BH_BUILD_ROOT (cache in $BH_BUILD_ROOT/cache, or
# BH_CACHE_DIR); optional BENCH_RUNS (3), BENCH_K8S_OBJECTS (20000), BENCH_K8S_TIMEOUT
# (600 s per command run; a command that exceeds it is reported as such and not retried),
# BENCH_K8S_FORMATS ("yaml json").
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"
: "${BH_BUILD_ROOT:?BH_BUILD_ROOT is not set}"
RUNS=${BENCH_RUNS:-3}
OBJECTS=${BENCH_K8S_OBJECTS:-20000}
TIMEOUT=${BENCH_K8S_TIMEOUT:-600}
FORMATS=${BENCH_K8S_FORMATS:-yaml json}

for tool in jq python3 timeout; do
	command -v "$tool" >/dev/null 2>&1 || { echo "k8s-objects: $tool is required" >&2; exit 1; }
done
[ -x "$BULKHEAD" ] || { echo "k8s-objects: $BULKHEAD is not executable" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "k8s-objects: /usr/bin/time is required (peak RSS)" >&2; exit 1; }
HYPERFINE=$(command -v hyperfine || true)

. "$BH_SOURCE_ROOT/tests/slow/lib-rootfs.sh"
CACHE=$(bh_cache_dir)
GEN=$BH_SOURCE_ROOT/bench/gen-k8s.py
DUMP=$CACHE/k8s-dump-$OBJECTS
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bh-bench-k8s.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT INT TERM

fmt() { LC_ALL=C awk -v x="$1" -v d="$2" 'BEGIN { printf "%.*f", d, x }'; }
div()
{
	LC_ALL=C awk -v a="$1" -v b="$2" -v d="$3" \
		'BEGIN { if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a";
			 else printf "%.*f", d, a / b }'
}
now() { date +%s.%N; }

# best_of N LOG CMD... : run CMD N times (one warm-up with hyperfine); print the fastest wall
# time in seconds, "timeout" when a run exceeds $TIMEOUT s, or fail when CMD fails (exit
# status 2 or more: 1 means "findings", the usual outcome here). The first run also records
# the peak RSS (/usr/bin/time -f %M) in $TMP/rss.
best_of()
{
	local n=$1 log=$2
	shift 2
	# A first run, timed, decides whether the command finishes at all; it also warms the cache.
	local t0 t1 rc=0
	rm -f "$TMP/rss"
	t0=$(now)
	/usr/bin/time -f %M -o "$TMP/rss" timeout "$TIMEOUT" "$@" >/dev/null 2>>"$log" || rc=$?
	t1=$(now)
	[ "$rc" = 124 ] && { echo timeout; return 0; }
	[ "$rc" -le 1 ] || return 1
	local first
	first=$(LC_ALL=C awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
	# Slow commands (> 60 s) are not repeated: the first run is the measurement.
	if LC_ALL=C awk -v t="$first" 'BEGIN { exit !(t > 60) }'; then
		echo "$first"
		return 0
	fi
	if [ -n "$HYPERFINE" ]; then
		local cmd="" a
		for a in "$@"; do cmd+=$(printf '%q ' "$a"); done
		"$HYPERFINE" -N --style none -i --runs "$n" --export-json "$TMP/hf.json" \
			-- "$cmd" >>"$log" 2>&1 || return 1
		jq -r '.results[0].min' "$TMP/hf.json"
		return 0
	fi
	local best=$first i t
	for ((i = 1; i < n; i++)); do
		rc=0
		t0=$(now)
		"$@" >/dev/null 2>>"$log" || rc=$?
		t1=$(now)
		[ "$rc" -le 1 ] || return 1
		t=$(LC_ALL=C awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
		if LC_ALL=C awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t
		fi
	done
	echo "$best"
}

# rss_mb: peak RSS of the first run of the last best_of, in MB
rss_mb()
{
	if [ -s "$TMP/rss" ]; then
		div "$(tail -n 1 "$TMP/rss")" 1024 1
	else
		echo n/a
	fi
}

# ---- the dump ---------------------------------------------------------------------------
mkdir -p "$CACHE"
stamp=$(sha256sum "$GEN" | cut -c1-16)
if [ ! -f "$DUMP/stamp" ] || [ "$(cat "$DUMP/stamp")" != "$stamp" ]; then
	echo "k8s-objects: generating $OBJECTS objects into $DUMP"
	rm -rf "$DUMP"
	python3 "$GEN" "$DUMP.tmp" --objects "$OBJECTS"
	echo "$stamp" >"$DUMP.tmp/stamp"
	mv "$DUMP.tmp" "$DUMP"
fi
n=$(jq -r '.objects' "$DUMP/counts.json")
echo "bulkhead: $("$BULKHEAD" --version 2>/dev/null | head -n 1 || echo "$BULKHEAD")"
echo "machine: $(nproc) CPUs, $(uname -m); timing: ${HYPERFINE:+hyperfine, }best of $RUNS"
echo "dump: $n objects ($(jq -r '.kinds | to_entries | map("\(.value) \(.key)") | join(", ")' \
	"$DUMP/counts.json"))"
echo "      cluster.yaml $(div "$(stat -c %s "$DUMP/cluster.yaml")" 1048576 1) MB," \
	"cluster.json $(div "$(stat -c %s "$DUMP/cluster.json")" 1048576 1) MB"

# ---- floors -----------------------------------------------------------------------------
LOG=$TMP/log
declare -A FLOOR FLOOR_NAME
FLOOR[json]=$(best_of "$RUNS" "$LOG" jq -c . "$DUMP/cluster.json") || {
	echo "k8s-objects: jq failed" >&2
	exit 1
}
FLOOR_NAME[json]="jq -c ."
if python3 -c 'import yaml' 2>/dev/null; then
	cat >"$TMP/yaml-floor.py" <<'PY'
import sys, yaml
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
with open(sys.argv[1], "rb") as f:
    n = sum(1 for _ in yaml.load_all(f, Loader=Loader))
PY
	FLOOR[yaml]=$(best_of 1 "$LOG" python3 "$TMP/yaml-floor.py" "$DUMP/cluster.yaml") ||
		FLOOR[yaml]=n/a
	FLOOR_NAME[yaml]="PyYAML $(python3 -c 'import yaml; print("C" if hasattr(yaml, "CSafeLoader") else "pure-Python")') safe_load_all"
else
	FLOOR[yaml]=n/a
	FLOOR_NAME[yaml]="(PyYAML not installed)"
fi

# ---- bulkhead ---------------------------------------------------------------------------
SUMMARY=$TMP/summary
status=0
printf '%-36s %-5s %9s %12s %8s %8s\n' command input "time s" "objects/s" ratio "RSS MB" >"$SUMMARY"
for f in $FORMATS; do
	in=$DUMP/cluster.$f
	printf '%-36s %-5s %9s %12s %8s %8s\n' "floor: ${FLOOR_NAME[$f]}" "$f" \
		"$(case ${FLOOR[$f]} in n/a) echo n/a ;; *) fmt "${FLOOR[$f]}" 2 ;; esac)" \
		"$(div "$n" "${FLOOR[$f]}" 0)" "1.00" "-" >>"$SUMMARY"
	while IFS='|' read -r label args; do
		# shellcheck disable=SC2086
		set -- "$BULKHEAD" k8s $args "$in"
		t=$(best_of "$RUNS" "$LOG" "$@") || {
			echo "k8s-objects: $label over $f failed:" >&2
			tail -n 3 "$LOG" >&2
			status=1
			continue
		}
		if [ "$t" = timeout ]; then
			printf '%-36s %-5s %9s %12s %8s %8s\n' "$label" "$f" "> $TIMEOUT" "-" "-" "-" \
				>>"$SUMMARY"
			continue
		fi
		printf '%-36s %-5s %9s %12s %8s %8s\n' "$label" "$f" "$(fmt "$t" 2)" \
			"$(div "$n" "$t" 0)" "$(div "$t" "${FLOOR[$f]}" 2)" "$(rss_mb)" >>"$SUMMARY"
	done <<'EOF'
k8s check --only pss|check --only pss
k8s check|check
k8s rbac|rbac
k8s reach -f json|reach -f json
k8s exposure|exposure
EOF
done

# what the commands found, once (YAML): a sanity check that the dump exercises them
"$BULKHEAD" k8s check -f json "$DUMP/cluster.yaml" 2>/dev/null |
	jq -r '"check: \(.summary.workloads) workloads, \(.summary.findings) findings, \(.summary.suppressed) suppressed"' ||
	true
"$BULKHEAD" k8s rbac -f json "$DUMP/cluster.yaml" 2>/dev/null |
	jq -r '"rbac: \(.summary.roles) roles, \(.summary.bindings) bindings, \(.summary.findings) findings"' ||
	true
"$BULKHEAD" k8s exposure -f json "$DUMP/cluster.yaml" 2>/dev/null |
	jq -r '"exposure: \(.exposures | length) exposures"' || true
echo
echo "== summary: bulkhead k8s over $n objects (best of $RUNS; ratio = time / parse floor of the same format)"
cat "$SUMMARY"
exit "$status"
