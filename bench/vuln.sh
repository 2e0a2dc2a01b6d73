#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/vuln.sh — the offline vulnerability database: how fast advisories are imported, how
# big the database is, how long matching takes, and what a scan adds to an SBOM.
#
# Inputs (made once into the build tree's cache, then reused; never any network access):
#   ../shared/testdata/osv   the real OSV records of the shared test data (skipped if absent)
#   osv-gen-200k/            bench/gen-osv.py: 200,000 generated OSV records as per-ecosystem
#                            all.zip archives, and a 1,000-package `dir:` image whose names
#                            are all in them; 4 % of the Debian records name the source
#                            packages of the bookworm rootfs when it is cached
#   bookworm                 the debootstrap rootfs and its OCI layout, as bench/sbom.sh makes
#                            them (tests/slow/lib-rootfs.sh); used only when already cached,
#                            never debootstrapped here
# Measured, in one run:
#   import rate    `bulkhead db import --replace` wall time, best of $BENCH_RUNS; advisories/s
#   DB size        the file, in MB and MB per 100k advisories
#   matching       vuln_match_image() alone on the 1,000-package image, after the database and
#                  the image are open (bench/vuln-match.c, compiled here against the build
#                  tree's static libraries with the flags of src/cli/bulkhead, after
#                  `ninja src/cli/bulkhead` so that they match the sources); best and
#                  median of $BENCH_MATCH_RUNS calls, plus the first call (what one scan pays).
#                  Goal < 50 ms. Also given as scan - sbom wall time (which adds opening the
#                  database and rendering the findings) and for the bookworm image.
#   end to end     `bulkhead scan oci:BOOKWORM --db DB --format json` against `bulkhead sbom
#                  oci:BOOKWORM --format json`, best of $BENCH_E2E_RUNS each; overhead = scan / sbom
#                  - 1 (goal < 20 %)
#
# Environment: BULKHEAD, BH_SOURCE_ROOT, BH_BUILD_ROOT (cache in $BH_BUILD_ROOT/cache, or
# BH_CACHE_DIR); optional BENCH_RUNS (3, imports), BENCH_E2E_RUNS (10, scan and sbom, which
# take well under a second), BENCH_MATCH_RUNS (20), BENCH_OSV_COUNT (200000; at least 10000,
# smaller for a quick try of the script), BH_SHARED_TESTDATA (../shared/testdata).
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"
: "${BH_BUILD_ROOT:?BH_BUILD_ROOT is not set}"
RUNS=${BENCH_RUNS:-3}
E2E_RUNS=${BENCH_E2E_RUNS:-10}
MATCH_RUNS=${BENCH_MATCH_RUNS:-20}
COUNT=${BENCH_OSV_COUNT:-200000}
SHARED_OSV=${BH_SHARED_TESTDATA:-$BH_SOURCE_ROOT/../shared/testdata}/osv

for tool in jq python3 flock; do
	command -v "$tool" >/dev/null 2>&1 || { echo "vuln bench: $tool is required" >&2; exit 1; }
done
[ -x "$BULKHEAD" ] || { echo "vuln bench: $BULKHEAD is not executable" >&2; exit 1; }
HYPERFINE=$(command -v hyperfine || true)

. "$BH_SOURCE_ROOT/tests/slow/lib-rootfs.sh"
CACHE=$(bh_cache_dir)
if [ "$COUNT" = 200000 ]; then
	GEN=$CACHE/osv-gen-200k
else
	GEN=$CACHE/osv-gen-$COUNT
fi
mkdir -p "$CACHE"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bh-bench-vuln.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT INT TERM

# ---------------------------------------------------------------------------------------
# helpers (as in sbom.sh)

fmt() { LC_ALL=C awk -v x="$1" -v d="$2" 'BEGIN { printf "%.*f", d, x }'; }
div()
{
	LC_ALL=C awk -v a="$1" -v b="$2" -v d="$3" \
		'BEGIN { if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a";
			 else printf "%.*f", d, a / b }'
}
now() { date +%s.%N; }

# best_of N WARMUP LOG CMD... : run CMD WARMUP (0 or 1) times, then N times; print the fastest
# wall time in seconds. hyperfine when installed. Fails if CMD fails.
best_of()
{
	local n=$1 warm=$2 log=$3
	shift 3
	if [ -n "$HYPERFINE" ]; then
		local cmd="" a
		for a in "$@"; do cmd+=$(printf '%q ' "$a"); done
		"$HYPERFINE" -N --style none --warmup "$warm" --runs "$n" --export-json "$TMP/hf.json" \
			-- "$cmd" >>"$log" 2>&1 || return 1
		jq -r '.results[0].min' "$TMP/hf.json"
		return 0
	fi
	if [ "$warm" -gt 0 ]; then
		"$@" >/dev/null 2>>"$log" || return 1
	fi
	local best="" i t0 t1 t
	for ((i = 0; i < n; i++)); do
		t0=$(now)
		"$@" >>"$log" 2>&1 || return 1
		t1=$(now)
		t=$(LC_ALL=C awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
		if [ -z "$best" ] || LC_ALL=C awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t
		fi
	done
	echo "$best"
}

# verdict VALUE GOAL : "ok" when VALUE < GOAL, else "MISSED" ("n/a" without a value)
verdict()
{
	LC_ALL=C awk -v v="$1" -v g="$2" 'BEGIN { if (v == "" || v == "n/a") print "n/a";
		else if (v + 0 < g + 0) print "ok"; else print "MISSED" }'
}

db_advisories() { "$BULKHEAD" db status --db "$1" --format json 2>/dev/null | jq -r '.advisories'; }
file_mb() { div "$(stat -c %s "$1")" 1048576 1; }

SUMMARY=$TMP/summary
: >"$SUMMARY"
row() { printf '%-46s %-40s %-9s %s\n' "$@" >>"$SUMMARY"; }

echo "bulkhead: $("$BULKHEAD" --version 2>/dev/null | head -n 1 || echo "$BULKHEAD")"
echo "machine: $(nproc) CPUs, $(uname -m); timing: ${HYPERFINE:+hyperfine, }best of $RUNS"

# ---------------------------------------------------------------------------------------
# inputs

# The bookworm rootfs and image, only when bench/sbom.sh (or the slow tests) cached them:
# lib-rootfs.sh would otherwise run debootstrap, which needs the network.
have_bookworm=0
if [ -f "$CACHE/rootfs-bookworm.stamp" ] && [ -f "$CACHE/oci-bookworm.stamp" ]; then
	rc=0
	bh_rootfs_setup || rc=$?
	[ "$rc" = 0 ] && have_bookworm=1
fi
if [ "$have_bookworm" = 0 ]; then
	echo "bookworm: not cached in $CACHE (bench/sbom.sh makes it); its scan is skipped"
fi

# The generated advisories and image, regenerated when the generator, the count or the
# rootfs' package list change.
rootfs_sum=none
[ "$have_bookworm" = 1 ] && rootfs_sum=$(sha256sum "$BH_ROOTFS/var/lib/dpkg/status" | cut -c1-16)
gen_stamp_want=$(sha256sum "$BH_SOURCE_ROOT/bench/gen-osv.py" | cut -c1-16)-$COUNT-$rootfs_sum
gen_osv()
{
	if [ -f "$GEN/stamp" ] && [ "$(cat "$GEN/stamp")" = "$gen_stamp_want" ]; then
		return 0
	fi
	echo "generating $COUNT OSV advisories (once; ~1-2 minutes)" >&2
	rm -rf -- "$GEN"
	mkdir -p "$GEN"
	local rootfs_arg=()
	[ "$have_bookworm" = 1 ] && rootfs_arg=(--rootfs "$BH_ROOTFS")
	python3 "$BH_SOURCE_ROOT/bench/gen-osv.py" --out "$GEN" --count "$COUNT" \
		"${rootfs_arg[@]}" >/dev/null || return 1
	echo "$gen_stamp_want" >"$GEN/stamp"
}
(
	flock -w 3600 9 || exit 1
	gen_osv
) 9>"$CACHE/.osv-gen.lock"
echo "generated: $(jq -r '"\(.records) records (" + (.per_ecosystem | to_entries
	| map("\(.key) \(.value)") | join(", ")) + "); \(.rootfs_records) name the \(.rootfs_sources)
	source packages of the bookworm rootfs"' "$GEN/meta.json" | tr -s '\n\t' '  ' | sed 's/ *$//')"

# The matching-only timer, built against this build tree (see bench/vuln-match.c).
MATCHER=
build_matcher()
{
	local bdir=$BH_BUILD_ROOT
	[ -f "$bdir/compile_commands.json" ] && command -v ninja >/dev/null 2>&1 || return 1
	ninja -C "$bdir" src/cli/bulkhead >/dev/null 2>&1 || return 1
	local cc_cmd link_cmd
	cc_cmd=$(jq -r '.[] | select(.file | endswith("src/cli/cmd-scan.c")) | .command' \
		"$bdir/compile_commands.json" | head -n 1)
	link_cmd=$(ninja -C "$bdir" -t commands src/cli/bulkhead | tail -n 1)
	[ -n "$cc_cmd" ] && [ -n "$link_cmd" ] || return 1
	# Same compiler and flags as cmd-scan.c; the link line of bulkhead with its own objects
	# replaced by ours (static libbh-*.a and the system libraries stay).
	python3 - "$cc_cmd" "$link_cmd" "$BH_SOURCE_ROOT/bench/vuln-match.c" "$TMP/vuln-match" \
		>"$TMP/matcher.sh" <<-'EOF' || return 1
		import shlex, sys
		cc, link, src, out = shlex.split(sys.argv[1]), shlex.split(sys.argv[2]), sys.argv[3], sys.argv[4]
		args, skip = [], 0
		for a in cc:
		    if skip:
		        skip -= 1
		    elif a in ("-MQ", "-MF", "-o", "-c"):
		        skip = 1
		    elif a != "-MD" and not a.endswith("cmd-scan.c"):
		        args.append(a)
		largs, skip = [], 0
		for a in link:
		    if skip:
		        skip -= 1
		    elif a == "-o":
		        skip = 1
		    elif a.startswith("src/cli/bulkhead.p/") and a.endswith(".o"):
		        continue
		    else:
		        largs.append(a)
		print(shlex.join(args + ["-c", src, "-o", out + ".o"]))
		print(shlex.join([largs[0], "-o", out, out + ".o"] + largs[1:]))
	EOF
	(cd "$bdir" && sh -e "$TMP/matcher.sh") >"$TMP/matcher.log" 2>&1 || {
		sed 's/^/  /' "$TMP/matcher.log" | head -n 20 >&2
		return 1
	}
	MATCHER=$TMP/vuln-match
}
if ! build_matcher; then
	echo "vuln-match: could not be built against $BH_BUILD_ROOT; matching is given as scan - sbom only"
fi

# ---------------------------------------------------------------------------------------
# import

# bench_import LABEL RECORDS DB WARMUP PATH...
bench_import()
{
	local label=$1 records=$2 db=$3 warm=$4 log=$TMP/import-$1.log
	shift 4
	local t adv rate size
	echo
	echo "== import: $label"
	if ! t=$(best_of "$RUNS" "$warm" "$log" "$BULKHEAD" db import --db "$db" --replace "$@"); then
		echo "bulkhead db import failed:"
		tail -n 10 "$log"
		row "import $label" "FAILED" "-" ""
		return 1
	fi
	adv=$(db_advisories "$db")
	rate=$(div "$records" "$t" 0)
	size=$(file_mb "$db")
	echo "records read: $records, advisories stored: $adv"
	echo "time: $(fmt "$t" 3) s (best of $RUNS) -> $rate advisories/s"
	echo "database: $size MB, $(div "$size" "$(div "$adv" 100000 5)" 1) MB per 100k advisories"
	grep 'advisories read from' "$log" | tail -n 1 | sed 's/^[^:]*: /importer: /' || true
	row "import $label ($records records)" "$(fmt "$t" 2) s, $rate advisories/s" "-" ""
	row "  DB size ($adv advisories)" "$size MB, $(div "$size" "$(div "$adv" 100000 5)" 1) MB/100k" \
		"-" ""
	return 0
}

if [ -d "$SHARED_OSV" ]; then
	n=$(find "$SHARED_OSV" -name '*.json' -type f | wc -l)
	bench_import "testdata" "$n" "$TMP/testdata.db" 1 "$SHARED_OSV" || true
else
	echo
	echo "== import: testdata/osv: skipped ($SHARED_OSV absent)"
	row "import testdata/osv" "skipped (no shared test data)" "-" ""
fi

DB=$TMP/gen.db
records=$(jq -r .records "$GEN/meta.json")
have_db=1
# No warm-up: one import is tens of seconds and the first run warms the page cache anyway.
bench_import "generated" "$records" "$DB" 0 "$GEN/osv" || have_db=0

# ---------------------------------------------------------------------------------------
# matching

# bench_match LABEL TARGET
bench_match()
{
	local label=$1 target=$2 log=$TMP/match-$1.log
	echo
	echo "== matching: $label ($target)"
	if [ -z "$MATCHER" ]; then
		echo "matching alone: n/a (vuln-match not built)"
		return 0
	fi
	if ! "$MATCHER" "$DB" "$target" "$MATCH_RUNS" >"$TMP/m.out" 2>"$log"; then
		echo "vuln-match failed:"
		tail -n 5 "$log"
		row "matching $label" "FAILED" "-" ""
		return 0
	fi
	local pk nf op first best med
	pk=$(awk '$1 == "packages" { print $2 }' "$TMP/m.out")
	nf=$(awk '$1 == "findings" { print $2 }' "$TMP/m.out")
	op=$(awk '$1 == "db_open_ms" { print $2 }' "$TMP/m.out")
	first=$(awk '$1 == "first_ms" { print $2 }' "$TMP/m.out")
	best=$(awk '$1 == "best_ms" { print $2 }' "$TMP/m.out")
	med=$(awk '$1 == "median_ms" { print $2 }' "$TMP/m.out")
	echo "packages: $pk, findings: $nf; database open: $(fmt "$op" 1) ms"
	local per1k
	per1k=$(div "$(fmt "$first" 3)" "$(div "$pk" 1000 3)" 1)
	echo "vuln_match_image(): first call $(fmt "$first" 1) ms; then best $(fmt "$best" 1) ms," \
		"median $(fmt "$med" 1) ms (of $MATCH_RUNS); $per1k ms per 1,000 packages (first call)"
	if [ "$label" = image-1000 ]; then
		row "matching $pk pkgs, after DB open (1st call)" \
			"$(fmt "$first" 1) ms (best $(fmt "$best" 1), $nf findings)" "< 50 ms" \
			"$(verdict "$first" 50)"
	else
		row "matching $label: $pk pkgs (1st call)" \
			"$(fmt "$first" 1) ms ($nf findings)" "-" ""
	fi
}

# scan_vs_sbom LABEL TARGET : wall times of scan and sbom (JSON both), best of E2E_RUNS
SCAN_T=''
SBOM_T=''
scan_vs_sbom()
{
	local label=$1 target=$2 log=$TMP/e2e-$1.log
	SCAN_T=''
	SBOM_T=''
	SBOM_T=$(best_of "$E2E_RUNS" 1 "$log" "$BULKHEAD" sbom "$target" --format json \
		-o "$TMP/$label.sbom.json") || { echo "bulkhead sbom failed:"; tail -n 5 "$log"; return 1; }
	SCAN_T=$(best_of "$E2E_RUNS" 1 "$log" "$BULKHEAD" scan "$target" --db "$DB" --format json \
		-o "$TMP/$label.scan.json") || { echo "bulkhead scan failed:"; tail -n 5 "$log"; return 1; }
	echo "bulkhead sbom --format json: $(fmt "$SBOM_T" 3) s; bulkhead scan --format json:" \
		"$(fmt "$SCAN_T" 3) s (best of $E2E_RUNS each)"
	echo "scan: $(jq -r '.summary | "\(.packages) packages, \(.critical) critical, \(.high) high,
		\(.medium) medium, \(.low) low, \(.info) info, \(.unknown) unknown"' \
		"$TMP/$label.scan.json" | tr -s '\n\t' '  ' | sed 's/ *$//')"
}

if [ "$have_db" = 1 ]; then
	bench_match image-1000 "dir:$GEN/image-1000"
	if scan_vs_sbom image-1000 "dir:$GEN/image-1000"; then
		d=$(LC_ALL=C awk -v a="$SCAN_T" -v b="$SBOM_T" 'BEGIN { printf "%.1f", (a - b) * 1000 }')
		echo "scan - sbom = $d ms (matching plus opening the database and rendering the findings)"
		row "  scan - sbom, 1,000 packages (dir:)" "$d ms ($(fmt "$SCAN_T" 3) - $(fmt "$SBOM_T" 3) s)" \
			"-" ""
	fi
	if [ "$have_bookworm" = 1 ]; then
		bench_match bookworm "oci:$BH_OCI_BOOKWORM"
		echo
		echo "== end to end: bookworm (oci:$BH_OCI_BOOKWORM)"
		if scan_vs_sbom bookworm "oci:$BH_OCI_BOOKWORM"; then
			ov=$(LC_ALL=C awk -v a="$SCAN_T" -v b="$SBOM_T" 'BEGIN { printf "%+.1f", (a / b - 1) * 100 }')
			echo "overhead = scan / sbom - 1 = $ov % (goal < 20 %)"
			row "bookworm: scan vs sbom (oci:, gzip)" \
				"$(fmt "$SCAN_T" 3) vs $(fmt "$SBOM_T" 3) s: $ov %" "< 20 %" "$(verdict "$ov" 20)"
		else
			row "bookworm: scan vs sbom" "FAILED" "< 20 %" ""
		fi
	else
		row "bookworm: scan vs sbom" "skipped (no cached debootstrap image)" "< 20 %" ""
	fi
fi

# ---------------------------------------------------------------------------------------
# summary

echo
echo "== summary: bulkhead vulnerability database (imports best of $RUNS, scan and sbom best of" \
	"$E2E_RUNS, matching alone $MATCH_RUNS calls; MB = 2^20 bytes)"
printf '%-46s %-40s %-9s %s\n' measure value goal "" | sed 's/ *$//'
sed 's/ *$//' "$SUMMARY"
# A bulkhead command that failed is a failed benchmark (bench/run.sh reports it).
if grep -q FAILED "$SUMMARY"; then
	exit 1
fi
