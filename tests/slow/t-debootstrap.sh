#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# t-debootstrap.sh — conformance of the dpkg inventory against dpkg itself, on a real
# Debian 12 minbase rootfs made by debootstrap (tests/slow/lib-rootfs.sh, built once).
#
# `bulkhead sbom dir:ROOTFS` and `bulkhead sbom oci:OCIDIR` (the same tree as one gzip
# layer) must each list exactly the (name, version, arch) set of the packages that
# dpkg-query reports as installed ("ii"); the CycloneDX document of the OCI image must
# validate against the CycloneDX schema. Exit 0 pass, 1 fail, 77 skip (not root, no
# debootstrap, Debian mirror unreachable).
# Environment (set by tests/meson.build): BULKHEAD, BH_SOURCE_ROOT, BH_BUILD_ROOT.
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"
: "${BH_BUILD_ROOT:?BH_BUILD_ROOT is not set}"

for tool in jq dpkg-query; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "skip: $tool is not installed"
		exit 77
	fi
done

. "$BH_SOURCE_ROOT/tests/slow/lib-rootfs.sh"
rc=0
bh_rootfs_setup || rc=$?
if [ "$rc" != 0 ]; then
	[ "$rc" = 77 ] && echo "skip: the debootstrap rootfs is not available (see above)"
	exit "$rc"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t-debootstrap.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT INT TERM

# dpkg's own view. ${binary:Package} carries ":ARCH" for Multi-Arch: same packages; the
# package name is the part before it (Debian package names never contain ':').
dpkg-query --admindir="$BH_ROOTFS/var/lib/dpkg" -W \
	-f '${db:Status-Abbrev}\t${binary:Package}\t${Version}\t${Architecture}\n' >"$tmp/dpkg.raw"
awk -F '\t' '$1 ~ /^ii/ { n = $2; sub(/:.*/, "", n); print n " " $3 " " $4 }' \
	"$tmp/dpkg.raw" | LC_ALL=C sort >"$tmp/expected"
nexp=$(wc -l <"$tmp/expected")
if [ "$nexp" -lt 50 ]; then
	echo "FAIL: dpkg-query lists only $nexp installed packages in $BH_ROOTFS" >&2
	exit 1
fi

fail=0

# check_target LABEL TARGET: bulkhead's deb packages must equal the expected set.
check_target()
{
	label=$1
	target=$2
	if ! "$BULKHEAD" sbom "$target" --format json -o "$tmp/$label.json" 2>"$tmp/$label.err"; then
		echo "FAIL: bulkhead sbom $target --format json exited non-zero:" >&2
		cat "$tmp/$label.err" >&2
		fail=1
		return 0
	fi
	jq -r '.packages[] | select(.type == "deb") | "\(.name) \(.version) \(.arch)"' \
		"$tmp/$label.json" | LC_ALL=C sort >"$tmp/$label.got"
	other=$(jq '[.packages[] | select(.type != "deb")] | length' "$tmp/$label.json")
	ngot=$(wc -l <"$tmp/$label.got")
	if diff -u "$tmp/expected" "$tmp/$label.got" >"$tmp/$label.diff"; then
		echo "$label: $ngot deb packages match dpkg-query ($other other packages)"
	else
		echo "FAIL: $label ($target): deb packages differ from dpkg-query" \
			"(expected $nexp, got $ngot; - dpkg-query, + bulkhead):" >&2
		cat "$tmp/$label.diff" >&2
		fail=1
	fi
	if [ -s "$tmp/$label.err" ]; then
		echo "$label: bulkhead diagnostics:" >&2
		head -n 20 "$tmp/$label.err" >&2
	fi
}

check_target dir "dir:$BH_ROOTFS"
check_target oci "oci:$BH_OCI_BOOKWORM"

# CycloneDX of the OCI image: every installed deb appears once, and the document is valid.
if "$BULKHEAD" sbom "oci:$BH_OCI_BOOKWORM" --format cyclonedx -o "$tmp/cdx.json" \
	2>"$tmp/cdx.err"; then
	ncdx=$(jq '[.components[]? | select((.purl // "") | startswith("pkg:deb/"))] | length' \
		"$tmp/cdx.json")
	if [ "$ncdx" != "$nexp" ]; then
		echo "FAIL: CycloneDX lists $ncdx pkg:deb components, dpkg-query $nexp packages" >&2
		fail=1
	else
		echo "cyclonedx: $ncdx pkg:deb components"
	fi
	validator=$BH_SOURCE_ROOT/tests/lib/validate-schema.js
	if [ -f "$validator" ] && command -v node >/dev/null 2>&1; then
		vrc=0
		node "$validator" "${BH_SHARED_TESTDATA:-$BH_SOURCE_ROOT/../shared/testdata}/schemas/cyclonedx-1.6/bom-1.6.schema.json" "$tmp/cdx.json" >"$tmp/validate.out" 2>&1 || vrc=$?
		if [ "$vrc" = 0 ]; then
			echo "cyclonedx: schema-valid"
		elif [ "$vrc" = 77 ]; then
			echo "cyclonedx: schema validation skipped: $(head -n 1 "$tmp/validate.out")"
		else
			echo "FAIL: the CycloneDX document of the OCI image does not validate:" >&2
			head -n 40 "$tmp/validate.out" >&2
			fail=1
		fi
	else
		echo "cyclonedx: schema validation not run (no tests/lib/validate-schema.js or node)"
	fi
else
	echo "FAIL: bulkhead sbom oci:$BH_OCI_BOOKWORM --format cyclonedx exited non-zero:" >&2
	cat "$tmp/cdx.err" >&2
	fail=1
fi

exit "$fail"
