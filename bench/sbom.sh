#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/sbom.sh — how fast `bulkhead sbom` is against the time it takes just to decompress
# the image's layers, and against cdxgen (the peer) on the same inputs.
#
# Inputs (made once into the build tree's cache, then reused):
#   bookworm        Debian 12 minbase from debootstrap, one gzip layer (tests/slow/lib-rootfs.sh;
#                   needs root and the Debian mirror, else skipped), plus a zstd variant
#   synthetic       bench/gen-synthetic.py: five layers, ~640 MB and ~110k files (20k npm
#                   packages, 600 Python distributions, a dpkg status, incompressible data),
#                   as gzip and as zstd OCI layouts
# For each image, in one run: the decompression floor (every layer through `gzip -dc` or
# `zstd -dc` to /dev/null, one after the other, as a person would), the wall time of
# `bulkhead sbom oci:DIR --format cyclonedx -o FILE`, both best of $BENCH_RUNS (hyperfine
# when installed), bulkhead's peak RSS (/usr/bin/time -f %M) and package counts.
# ratio = bulkhead / floor (goal <= 1.0); ratio-v = bulkhead / (floor plus SHA-256 of
# every blob and of every decompressed tar stream), the least work of a verifying reader.
# Then cdxgen (bench/node_modules, pinned by bench/package-lock.json; bench/run.sh installs
# it) in rootfs mode and on the OCI layout packed as a .tar, offline, with a timeout;
# speedup = cdxgen / bulkhead (goal >= 5).
#
# Environment: BULKHEAD (the binary), BH_SOURCE_ROOT, BH_BUILD_ROOT (cache in
# $BH_BUILD_ROOT/cache); optional BENCH_RUNS (3), BENCH_PEER_RUNS (1), BENCH_PEER_TIMEOUT
# seconds (900), BENCH_NO_PEER=1 (skip cdxgen), BENCH_SYNTHETIC_SCALE (1.0, for quick tries).
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"
: "${BH_BUILD_ROOT:?BH_BUILD_ROOT is not set}"
RUNS=${BENCH_RUNS:-3}
PEER_RUNS=${BENCH_PEER_RUNS:-1}
PEER_TIMEOUT=${BENCH_PEER_TIMEOUT:-900}
SCALE=${BENCH_SYNTHETIC_SCALE:-1.0}
CACHE=$BH_BUILD_ROOT/cache
CDXGEN_JS=$BH_SOURCE_ROOT/bench/node_modules/@cyclonedx/cdxgen/bin/cdxgen.js

for tool in jq python3 gzip zstd flock openssl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "sbom bench: $tool is required" >&2; exit 1; }
done
[ -x "$BULKHEAD" ] || { echo "sbom bench: $BULKHEAD is not executable" >&2; exit 1; }
HYPERFINE=$(command -v hyperfine || true)
GNUTIME=
[ -x /usr/bin/time ] && GNUTIME=/usr/bin/time

mkdir -p "$CACHE"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bh-bench-sbom.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT INT TERM

. "$BH_SOURCE_ROOT/tests/slow/lib-rootfs.sh"

# ---------------------------------------------------------------------------------------
# helpers

# fmt FLOAT DECIMALS
fmt() { LC_ALL=C awk -v x="$1" -v d="$2" 'BEGIN { printf "%.*f", d, x }'; }
# div A B DECIMALS -> A/B or "n/a"
div()
{
	LC_ALL=C awk -v a="$1" -v b="$2" -v d="$3" \
		'BEGIN { if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a";
			 else printf "%.*f", d, a / b }'
}
now() { date +%s.%N; }

# best_of N LOG CMD... : run CMD once to warm up, then N times; print the fastest wall time
# in seconds. Uses hyperfine when installed. Fails if CMD fails.
best_of()
{
	local n=$1 log=$2
	shift 2
	if [ -n "$HYPERFINE" ]; then
		local cmd="" a
		for a in "$@"; do cmd+=$(printf '%q ' "$a"); done
		"$HYPERFINE" -N --style none --warmup 1 --runs "$n" --export-json "$TMP/hf.json" \
			-- "$cmd" >>"$log" 2>&1 || return 1
		jq -r '.results[0].min' "$TMP/hf.json"
		return 0
	fi
	"$@" >/dev/null 2>>"$log" || return 1
	local best="" i t0 t1 t
	for ((i = 0; i < n; i++)); do
		t0=$(now)
		"$@" >/dev/null 2>>"$log" || return 1
		t1=$(now)
		t=$(LC_ALL=C awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
		if [ -z "$best" ] || LC_ALL=C awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t
		fi
	done
	echo "$best"
}

# peak_rss_mb LOG CMD... : peak resident set size of one run, in MB ("n/a" without GNU time).
peak_rss_mb()
{
	local log=$1
	shift
	if [ -z "$GNUTIME" ]; then
		"$@" >/dev/null 2>>"$log" || return 1
		echo "n/a"
		return 0
	fi
	"$GNUTIME" -f '%M' -o "$TMP/rss" "$@" >/dev/null 2>>"$log" || return 1
	LC_ALL=C awk '/^[0-9]+$/ { v = $1 } END { printf "%.1f", v / 1024 }' "$TMP/rss"
}

# oci_layers DIR -> "MEDIATYPE BLOBPATH" per layer, bottom first (first manifest of index.json)
oci_layers()
{
	local dir=$1 m
	m=$(jq -r '.manifests[0].digest' "$dir/index.json")
	jq -r '.layers[] | "\(.mediaType) \(.digest)"' "$dir/blobs/sha256/${m#sha256:}" |
		while read -r mt dg; do
			echo "$mt $dir/blobs/sha256/${dg#sha256:}"
		done
}

# write_floor_script DIR SCRIPT : the decompression floor as a script (sequential CLI tools)
write_floor_script()
{
	local dir=$1 script=$2 mt blob
	{
		echo "#!/bin/sh"
		echo "set -e"
		oci_layers "$dir" | while read -r mt blob; do
			case "$mt" in
			*gzip) printf 'gzip -dc %q >/dev/null\n' "$blob" ;;
			*zstd) printf 'zstd -qdc %q >/dev/null\n' "$blob" ;;
			*) printf 'cat %q >/dev/null\n' "$blob" ;;
			esac
		done
	} >"$script"
	chmod +x "$script"
}

# write_verify_script DIR SCRIPT : decompression plus the two SHA-256 checks that the
# image spec requires of a reader (blob digest, diff_id), as sequential CLI tools: the
# least any tool that verifies an image must do. `openssl dgst` rather than coreutils'
# sha256sum, which does not use the CPU's SHA extensions and would flatter us.
write_verify_script()
{
	local dir=$1 script=$2 mt blob
	{
		echo "#!/bin/sh"
		echo "set -e"
		oci_layers "$dir" | while read -r mt blob; do
			printf 'openssl dgst -sha256 %q >/dev/null\n' "$blob"
			case "$mt" in
			*gzip) printf 'gzip -dc %q | openssl dgst -sha256 >/dev/null\n' "$blob" ;;
			*zstd) printf 'zstd -qdc %q | openssl dgst -sha256 >/dev/null\n' "$blob" ;;
			*) : ;;
			esac
		done
	} >"$script"
	chmod +x "$script"
}

uncompressed_bytes()
{
	local dir=$1 mt blob total=0 n
	while read -r mt blob; do
		case "$mt" in
		*gzip) n=$(gzip -dc "$blob" | wc -c) ;;
		*zstd) n=$(zstd -qdc "$blob" | wc -c) ;;
		*) n=$(wc -c <"$blob") ;;
		esac
		total=$((total + n))
	done < <(oci_layers "$dir")
	echo "$total"
}

compressed_bytes()
{
	local dir=$1 mt blob total=0
	while read -r mt blob; do
		total=$((total + $(wc -c <"$blob")))
	done < <(oci_layers "$dir")
	echo "$total"
}

# counts_bulkhead JSONFILE -> "N (deb a, npm b, pypi c)"
counts_bulkhead()
{
	jq -r '.packages | "\(length) (" + (group_by(.type) | map("\(.[0].type) \(length)")
		| join(", ")) + ")"' "$1"
}

# counts_cdx CDXFILE -> "P packages (deb a, npm b...); C components"
counts_cdx()
{
	jq -r '[.components[]? | (.purl // "") | select(startswith("pkg:") and
		(startswith("pkg:generic/") | not)) | ltrimstr("pkg:") | split("/")[0]] as $t
		| "\($t | length) packages (" + ($t | group_by(.) | map("\(.[0]) \(length)")
		| join(", ")) + "); \([.components[]?] | length) components"' "$1"
}

SUMMARY=$TMP/summary
PEERSUM=$TMP/peersum
: >"$SUMMARY"
: >"$PEERSUM"
declare -A BH_TIME BH_COUNT

# bench_image LABEL OCIDIR [EXPECTED]
bench_image()
{
	local label=$1 dir=$2 expected=${3:-}
	local log=$TMP/$label.log out=$TMP/$label.cdx.json
	echo
	echo "== $label: oci:$dir"
	local nlayers comp unc
	nlayers=$(oci_layers "$dir" | wc -l)
	comp=$(compressed_bytes "$dir")
	unc=$(uncompressed_bytes "$dir")
	echo "layers: $nlayers, compressed $(div "$comp" 1048576 1) MB, uncompressed $(div "$unc" 1048576 1) MB"

	write_floor_script "$dir" "$TMP/floor-$label.sh"
	write_verify_script "$dir" "$TMP/verify-$label.sh"
	local floor verify bh rss ratio ratio_v counts
	floor=$(best_of "$RUNS" "$log" sh "$TMP/floor-$label.sh") ||
		{ echo "floor: failed"; cat "$log"; return 1; }
	verify=$(best_of "$RUNS" "$log" sh "$TMP/verify-$label.sh") ||
		{ echo "verify floor: failed"; cat "$log"; return 1; }
	if ! rss=$(peak_rss_mb "$log" "$BULKHEAD" sbom "oci:$dir" --format cyclonedx -o "$out"); then
		echo "bulkhead sbom oci:$dir failed:"
		tail -n 20 "$log"
		printf '%-18s %6s %9s %10s %8s %8s %9s %6s %7s %8s  %s\n' "$label" "$nlayers" \
			"$(div "$comp" 1048576 0)" "$(div "$unc" 1048576 0)" "$(fmt "$floor" 2)" \
			"$(fmt "$verify" 2)" "FAILED" "-" "-" "-" "-" >>"$SUMMARY"
		return 0
	fi
	bh=$(best_of "$RUNS" "$log" "$BULKHEAD" sbom "oci:$dir" --format cyclonedx -o "$out")
	"$BULKHEAD" sbom "oci:$dir" --format json -o "$TMP/$label.json" 2>>"$log"
	counts=$(counts_bulkhead "$TMP/$label.json")
	ratio=$(div "$bh" "$floor" 2)
	ratio_v=$(div "$bh" "$verify" 2)
	BH_TIME[$label]=$bh
	BH_COUNT[$label]=$(jq '.packages | length' "$TMP/$label.json")
	echo "floor (sequential CLI decompression): $(fmt "$floor" 3) s  (best of $RUNS)"
	echo "bulkhead sbom --format cyclonedx:     $(fmt "$bh" 3) s  (best of $RUNS)"
	echo "floor + sha256 of blob and tar:       $(fmt "$verify" 3) s  (best of $RUNS)"
	echo "ratio = bulkhead / floor = $ratio; bulkhead / (floor + sha256) = $ratio_v"
	echo "RSS = $rss MB (uncompressed size $(div "$unc" 1048576 1) MB)"
	echo "packages: $counts"
	[ -n "$expected" ] && echo "generated: $expected"
	echo "cyclonedx: $(counts_cdx "$out")"
	if [ -s "$log" ] && grep -qiv '^$' "$log"; then
		echo "diagnostics (first lines of $label.log):"
		grep -v '^$' "$log" | head -n 5 | sed 's/^/  /'
	fi
	printf '%-18s %6s %9s %10s %8s %8s %9s %6s %7s %8s  %s\n' "$label" "$nlayers" \
		"$(div "$comp" 1048576 0)" "$(div "$unc" 1048576 0)" "$(fmt "$floor" 2)" \
		"$(fmt "$verify" 2)" "$(fmt "$bh" 2)" "$ratio" "$ratio_v" "$rss" "$counts" >>"$SUMMARY"
}

# bench_dir LABEL ROOTFS : bulkhead on a directory (no floor: nothing to decompress)
bench_dir()
{
	local label=$1 dir=$2 log=$TMP/$1.log out=$TMP/$1.cdx.json bh rss
	echo
	echo "== $label: dir:$dir"
	rss=$(peak_rss_mb "$log" "$BULKHEAD" sbom "dir:$dir" --format cyclonedx -o "$out") ||
		{ echo "bulkhead sbom dir:$dir failed:"; tail -n 20 "$log"; return 0; }
	bh=$(best_of "$RUNS" "$log" "$BULKHEAD" sbom "dir:$dir" --format cyclonedx -o "$out")
	"$BULKHEAD" sbom "dir:$dir" --format json -o "$TMP/$label.json" 2>>"$log"
	BH_TIME[$label]=$bh
	BH_COUNT[$label]=$(jq '.packages | length' "$TMP/$label.json")
	echo "bulkhead sbom --format cyclonedx: $(fmt "$bh" 3) s (best of $RUNS), RSS = $rss MB"
	echo "packages: $(counts_bulkhead "$TMP/$label.json")"
	printf '%-18s %6s %9s %10s %8s %8s %9s %6s %7s %8s  %s\n' "$label" "-" "-" "-" "-" "-" \
		"$(fmt "$bh" 2)" "-" "-" "$rss" "$(counts_bulkhead "$TMP/$label.json")" >>"$SUMMARY"
}

# oci_tar OCIDIR TARFILE : the OCI layout as one .tar (what cdxgen takes for an image), cached
oci_tar()
{
	local dir=$1 tarfile=$2
	if [ ! -f "$tarfile" ] || [ "$dir/index.json" -nt "$tarfile" ]; then
		tar -cf "$tarfile.tmp" -C "$dir" . && mv "$tarfile.tmp" "$tarfile"
	fi
}

# peer LABEL BHLABEL TYPE PATH : cdxgen -t TYPE PATH, offline, compared with bulkhead's run
peer()
{
	local label=$1 bhlabel=$2 type=$3 path=$4
	local work=$TMP/cdxgen-$label out=$TMP/cdxgen-$label.json log=$TMP/cdxgen-$label.log
	local best="" i t0 t1 t rc=0 rss="n/a"
	echo
	echo "== cdxgen $CDXGEN_VERSION -t $type $path"
	for ((i = 0; i < PEER_RUNS; i++)); do
		rm -rf -- "$work"
		mkdir -p "$work/tmp" "$work/home"
		rm -f "$out"
		t0=$(now)
		rc=0
		(
			cd "$work"
			# Offline: no license or metadata look-ups, every HTTP host refused, no installs;
			# temporary files (the exploded image) and trivy's cache stay in $work.
			export FETCH_LICENSE=false CDXGEN_FETCH_PKG_METADATA=false \
				CDXGEN_ALLOWED_HOSTS=offline.invalid CDXGEN_TEMP_DIR="$work/tmp" \
				TMPDIR="$work/tmp" HOME="$work/home" XDG_CACHE_HOME="$work/home/.cache" \
				NODE_NO_WARNINGS=1 CI=true
			wrap=()
			[ -n "$GNUTIME" ] && wrap=("$GNUTIME" -f '%M' -o "$work/rss")
			exec "${wrap[@]}" timeout --kill-after=10 "$PEER_TIMEOUT" node "$CDXGEN_JS" -t "$type" \
				--no-install-deps --no-validate --no-banner -o "$out" "$path"
		) >"$log" 2>&1 || rc=$?
		t1=$(now)
		[ "$rc" = 0 ] || break
		t=$(LC_ALL=C awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
		if [ -z "$best" ] || LC_ALL=C awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t
		fi
		[ -f "$work/rss" ] && rss=$(LC_ALL=C awk '/^[0-9]+$/ { v = $1 } END { printf "%.1f", v / 1024 }' "$work/rss")
	done
	rm -rf -- "$work"
	local why=""
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		why="timed out after $PEER_TIMEOUT s"
	elif [ "$rc" != 0 ]; then
		why="exit status $rc"
	elif [ ! -s "$out" ] || ! jq -e '.components' "$out" >/dev/null 2>&1; then
		why="no SBOM written"
	fi
	if [ -n "$why" ]; then
		echo "cdxgen failed ($why); last lines of its output:"
		grep -v '^[|+]' "$log" | grep -v '^$' | tail -n 8 | sed 's/^/  /'
		printf '%-22s %10s %10s %8s  %s\n' "$label" "$(fmt "${BH_TIME[$bhlabel]}" 2)" \
			"failed" "-" "$why" >>"$PEERSUM"
		return 0
	fi
	local speed counts
	speed=$(div "$best" "${BH_TIME[$bhlabel]}" 1)
	counts=$(counts_cdx "$out")
	echo "cdxgen: $(fmt "$best" 2) s (best of $PEER_RUNS), RSS = $rss MB; $counts"
	echo "bulkhead: $(fmt "${BH_TIME[$bhlabel]}" 3) s; ${BH_COUNT[$bhlabel]} packages"
	echo "speedup = cdxgen / bulkhead = ${speed}x"
	printf '%-22s %10s %10s %8s  bulkhead %s; cdxgen %s\n' "$label" \
		"$(fmt "${BH_TIME[$bhlabel]}" 2)" "$(fmt "$best" 2)" "${speed}x" \
		"${BH_COUNT[$bhlabel]} packages" "$counts" >>"$PEERSUM"
}

# ---------------------------------------------------------------------------------------
# inputs

echo "bulkhead: $("$BULKHEAD" --version 2>/dev/null | head -n 1 || echo "$BULKHEAD")"
echo "machine: $(nproc) CPUs, $(uname -m); timing: ${HYPERFINE:+hyperfine, }best of $RUNS"

have_bookworm=0
rc=0
BH_ROOTFS_ZSTD=1 bh_rootfs_setup || rc=$?
if [ "$rc" = 0 ]; then
	have_bookworm=1
else
	echo "bookworm: skipped (see the reason above)"
fi

# The synthetic image, regenerated when the generator, the packer or the scale change.
syn_stamp_want=$(cat "$BH_SOURCE_ROOT/bench/gen-synthetic.py" \
	"$BH_SOURCE_ROOT/tests/slow/ocipack.py" | sha256sum | cut -c1-16)-scale-$SCALE
gen_synthetic()
{
	if [ -f "$CACHE/synthetic.stamp" ] &&
		[ "$(cat "$CACHE/synthetic.stamp")" = "$syn_stamp_want" ]; then
		return 0
	fi
	echo "generating the synthetic image (once; ~1 minute)" >&2
	rm -rf -- "$CACHE/synthetic-gzip" "$CACHE/synthetic-zstd" "$CACHE/synthetic.stamp" \
		"$CACHE/synthetic-gzip.tar"
	python3 "$BH_SOURCE_ROOT/bench/gen-synthetic.py" --gzip-out "$CACHE/synthetic-gzip" \
		--zstd-out "$CACHE/synthetic-zstd" --meta "$CACHE/synthetic.meta.json" \
		--scale "$SCALE" >/dev/null || return 1
	echo "$syn_stamp_want" >"$CACHE/synthetic.stamp"
}
(
	flock -w 3600 9 || exit 1
	gen_synthetic
) 9>"$CACHE/.synthetic.lock"
syn_expected=$(jq -r '"\(.files) files; packages put in: " + (.expected_packages
	| to_entries | map("\(.key) \(.value)") | join(", "))' "$CACHE/synthetic.meta.json")

# ---------------------------------------------------------------------------------------
# bulkhead against the floor

if [ "$have_bookworm" = 1 ]; then
	bench_image bookworm-gzip "$BH_OCI_BOOKWORM"
	bench_image bookworm-zstd "$BH_OCI_BOOKWORM_ZSTD"
	bench_dir bookworm-dir "$BH_ROOTFS"
fi
bench_image synthetic-gzip "$CACHE/synthetic-gzip" "$syn_expected"
bench_image synthetic-zstd "$CACHE/synthetic-zstd" "$syn_expected"

# ---------------------------------------------------------------------------------------
# the peer

CDXGEN_VERSION=
if [ -n "${BENCH_NO_PEER:-}" ]; then
	echo
	echo "cdxgen: skipped (BENCH_NO_PEER set)"
elif [ ! -f "$CDXGEN_JS" ] || ! command -v node >/dev/null 2>&1; then
	echo
	echo "cdxgen: not installed (bench/run.sh runs 'npm ci' in bench/); peer comparison skipped"
else
	CDXGEN_VERSION=$(jq -r .version "$BH_SOURCE_ROOT/bench/node_modules/@cyclonedx/cdxgen/package.json")
	if [ "$have_bookworm" = 1 ]; then
		peer bookworm-rootfs bookworm-dir rootfs "$BH_ROOTFS"
		oci_tar "$BH_OCI_BOOKWORM" "$CACHE/oci-bookworm.tar"
		peer bookworm-gzip-image bookworm-gzip oci "$CACHE/oci-bookworm.tar"
	fi
	oci_tar "$CACHE/synthetic-gzip" "$CACHE/synthetic-gzip.tar"
	peer synthetic-gzip-image synthetic-gzip oci "$CACHE/synthetic-gzip.tar"
fi

# ---------------------------------------------------------------------------------------
# summary

echo
echo "== summary: bulkhead sbom vs sequential decompression (times in s, best of $RUNS; sizes MB)"
printf '%-18s %6s %9s %10s %8s %8s %9s %6s %7s %8s  %s\n' input layers compressed uncompressed \
	floor +sha256 bulkhead ratio ratio-v "RSS MB" packages
cat "$SUMMARY"
if [ -s "$PEERSUM" ]; then
	echo
	echo "== summary: cdxgen $CDXGEN_VERSION (best of $PEER_RUNS) vs bulkhead (goal: speedup >= 5x)"
	printf '%-22s %10s %10s %8s  %s\n' input bulkhead cdxgen speedup counts
	cat "$PEERSUM"
fi
