#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/secrets.sh — the secret scanner: throughput on a generated corpus, and the findings
# (false-positive check) on real trees.
#
# Part 1, throughput: bench/gen-secrets-corpus.py writes $BENCH_SECRETS_MB (default 1100) MiB
# of text and binaries with fake credentials planted in real formats into a temporary
# directory. In one run: the read floor (every file through `cat` to /dev/null, page cache
# warm), then `bulkhead scan dir:CORPUS --scanners secret --format json`, alternating, after a
# warm-up round, $BENCH_RUNS (3) times. Prints the best and the median seconds and MB/s of
# both, ratio = bulkhead / floor (best and median), bulkhead's peak RSS, and
# recall: findings against the number planted (each AWS pair is two findings; the 64 MiB
# single-line file is over the default secret-max-file-bytes and is scanned in a second run
# with --limit secret-max-file-bytes=0). Goal: >= 1 GB/s on 2 cores.
#
# Part 2, false positives: the findings on the debootstrap Debian 12 rootfs
# (tests/slow/lib-rootfs.sh; skipped without root or debootstrap) and on a node_modules tree
# of popular packages (`npm install` into a temporary directory; skipped without npm or the
# registry): counts by severity, then every high or critical finding (path, line, rule,
# redacted message) so false positives can be fixed. Goal: no high-severity false positive.
#
# Environment: BULKHEAD, BH_SOURCE_ROOT, BH_BUILD_ROOT; optional BENCH_RUNS, BENCH_SECRETS_MB,
# BENCH_SECRETS_NO_TREES=1 (part 1 only), BENCH_NPM_PACKAGES (space-separated list).
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"
: "${BH_BUILD_ROOT:?BH_BUILD_ROOT is not set}"
RUNS=${BENCH_RUNS:-3}
MB=${BENCH_SECRETS_MB:-1100}
NPM_PACKAGES=${BENCH_NPM_PACKAGES:-"express react react-dom next typescript webpack eslint jest
	aws-sdk @aws-sdk/client-s3 googleapis firebase-admin stripe twilio @slack/web-api
	jsonwebtoken node-forge ssh2 mongodb pg mysql2 redis axios lodash moment @octokit/rest
	puppeteer-core prettier babel-loader @babel/core sequelize"}

for tool in jq python3 find xargs; do
	command -v "$tool" >/dev/null 2>&1 || { echo "secrets bench: $tool is required" >&2; exit 1; }
done
[ -x "$BULKHEAD" ] || { echo "secrets bench: $BULKHEAD is not executable" >&2; exit 1; }
GNUTIME=
[ -x /usr/bin/time ] && GNUTIME=/usr/bin/time

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bh-bench-secrets.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT INT TERM

now() { date +%s.%N; }
div()
{
	LC_ALL=C awk -v a="$1" -v b="$2" -v d="$3" \
		'BEGIN { if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a";
			 else printf "%.*f", d, a / b }'
}

# time_once CMD... : the wall time (s) of one run.
time_once()
{
	local t0 t1
	t0=$(now)
	"$@" >/dev/null 2>>"$TMP/log" || return 1
	t1=$(now)
	LC_ALL=C awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }'
}

# stats T... : the fastest and the median, space-separated.
stats()
{
	printf '%s\n' "$@" | LC_ALL=C sort -g | LC_ALL=C awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		      printf "%.4f %.4f\n", v[1], m }'
}

read_floor() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }
scan_json() { "$BULKHEAD" scan "dir:$1" --scanners secret --format json -o "$2" "${@:3}"; }

# Every secret finding of a bulkhead.scan/v1 document, whatever nests it.
secrets_jq='[.. | objects | select(.kind? == "secret")]'

# ---------------------------------------------------------------------------------------
# part 1: throughput

CORPUS=$TMP/corpus
echo "secrets: generating a ${MB} MiB corpus in $CORPUS"
python3 "$BH_SOURCE_ROOT/bench/gen-secrets-corpus.py" "$CORPUS" "$MB"
bytes=$(find "$CORPUS" -type f -printf '%s\n' | LC_ALL=C awk '{ s += $1 } END { printf "%d", s }')
planted=$(cat "$CORPUS/.planted")

# a warm-up round (not counted), then RUNS rounds; floor and scan alternate so that both see
# the same load on a shared machine
floors="" scans=""
for ((round = 0; round <= RUNS; round++)); do
	f=$(time_once read_floor "$CORPUS")
	s=$(time_once scan_json "$CORPUS" "$TMP/corpus.json") || {
		echo "secrets bench: bulkhead scan failed:" >&2
		tail -n 5 "$TMP/log" >&2
		exit 1
	}
	[ "$round" = 0 ] && continue
	floors="$floors $f"
	scans="$scans $s"
done
# shellcheck disable=SC2086
read -r t_floor t_floor_med <<<"$(stats $floors)"
# shellcheck disable=SC2086
read -r t_scan t_scan_med <<<"$(stats $scans)"
# peak RSS and CPU time (user + system: what a shared machine's load does not change)
rss=n/a cpu=n/a
if [ -n "$GNUTIME" ]; then
	"$GNUTIME" -f '%M %U %S' -o "$TMP/rss" "$BULKHEAD" scan "dir:$CORPUS" --scanners secret \
		--format json -o "$TMP/corpus.json" >/dev/null 2>>"$TMP/log" || true
	rss=$(LC_ALL=C awk '/^[0-9]+ / { v = $1 } END { printf "%.1f", v / 1024 }' "$TMP/rss")
	cpu=$(LC_ALL=C awk '/^[0-9]+ / { v = $2 + $3 } END { printf "%.2f", v }' "$TMP/rss")
fi
found=$(jq "$secrets_jq | length" "$TMP/corpus.json")
pairs=$(jq "$secrets_jq | map(select(.rule.id == \"BH-SECRET-002\")) | length" "$TMP/corpus.json")
"$BULKHEAD" scan "dir:$CORPUS" --scanners secret --format json -o "$TMP/corpus-nolimit.json" \
	--limit secret-max-file-bytes=0 >/dev/null 2>>"$TMP/log" || true
found_all=$(jq "$secrets_jq | length" "$TMP/corpus-nolimit.json" 2>/dev/null || echo n/a)
mbps() { LC_ALL=C awk -v b="$bytes" -v t="$1" 'BEGIN { if (t + 0 == 0) print "n/a"; else printf "%.0f", b / t / 1e6 }'; }

printf '%-34s %10s %10s %12s %12s\n' "secrets corpus ($((bytes >> 20)) MiB)" "best s" "MB/s" \
	"median s" "median MB/s"
printf '%-34s %10s %10s %12s %12s\n' "read floor (cat)" "$t_floor" "$(mbps "$t_floor")" \
	"$t_floor_med" "$(mbps "$t_floor_med")"
printf '%-34s %10s %10s %12s %12s\n' "bulkhead scan --scanners secret" "$t_scan" \
	"$(mbps "$t_scan")" "$t_scan_med" "$(mbps "$t_scan_med")"
echo "ratio (bulkhead / floor): best $(div "$t_scan" "$t_floor" 2)," \
	"median $(div "$t_scan_med" "$t_floor_med" 2)   peak RSS: ${rss} MiB   cores: $(nproc)" \
	"  CPU: ${cpu} s ($(mbps "$cpu") MB per CPU-second)" \
	"  runs: $RUNS"
echo "recall: $found findings for $planted planted (+$pairs AWS secret halves; 1 planted in the 64 MiB line is over secret-max-file-bytes); with secret-max-file-bytes=0: $found_all"
jq -r "$secrets_jq | group_by(.rule.id)[] | \"  \\(.[0].rule.id) \\(.[0].rule.title): \\(length)\"" \
	"$TMP/corpus.json"
rm -rf -- "$CORPUS"

# ---------------------------------------------------------------------------------------
# part 2: false positives on real trees

[ -n "${BENCH_SECRETS_NO_TREES:-}" ] && exit 0

report_tree()
{
	local name=$1 json=$2
	echo "--- $name"
	jq -r '.notes[]? | select(startswith("secret"))' "$json"
	jq -r "$secrets_jq | group_by(.severity) | map(\"  \\(.[0].severity): \\(length)\") | .[]" "$json"
	local hi
	hi=$(jq "$secrets_jq | map(select(.severity == \"high\" or .severity == \"critical\")) | length" "$json")
	echo "  high or critical: $hi"
	jq -r "$secrets_jq | map(select(.severity == \"high\" or .severity == \"critical\"))[] |
		\"    \\(.severity) \\(.rule.id) \\(.location.path):\\(.location.line) \\(.message)\"" \
		"$json" | head -n 100
	echo "  medium by rule:"
	jq -r "$secrets_jq | map(select(.severity == \"medium\")) | group_by(.rule.id)[] |
		\"    \\(.[0].rule.id): \\(length)\"" "$json"
}

. "$BH_SOURCE_ROOT/tests/slow/lib-rootfs.sh"
rc=0
bh_rootfs_setup || rc=$?
if [ "$rc" = 0 ]; then
	scan_json "$BH_ROOTFS" "$TMP/rootfs.json" 2>>"$TMP/log" && report_tree "debootstrap bookworm rootfs" "$TMP/rootfs.json"
else
	echo "--- debootstrap rootfs: skipped"
fi

if command -v npm >/dev/null 2>&1; then
	mkdir -p "$TMP/npm"
	# shellcheck disable=SC2086
	if (cd "$TMP/npm" && npm init -y >/dev/null 2>&1 &&
		npm install --no-audit --no-fund --ignore-scripts --loglevel=error $NPM_PACKAGES \
			>/dev/null 2>>"$TMP/log"); then
		nfiles=$(find "$TMP/npm/node_modules" -type f | wc -l)
		nbytes=$(du -sm "$TMP/npm/node_modules" | cut -f1)
		echo "node_modules: $nfiles files, $nbytes MiB"
		scan_json "$TMP/npm" "$TMP/npm.json" 2>>"$TMP/log" && report_tree "node_modules" "$TMP/npm.json"
	else
		echo "--- node_modules: npm install failed, skipped"
		tail -n 3 "$TMP/log" >&2
	fi
else
	echo "--- node_modules: npm not installed, skipped"
fi
