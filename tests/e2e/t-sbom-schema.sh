#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-sbom-schema.sh — every SBOM document we write validates against its official schema:
# CycloneDX 1.6 (bom-1.6.schema.json with spdx.schema.json and jsf-0.82.schema.json),
# SPDX 2.3 (spdx-2.3-schema.json), and ours (docs/schema/sbom.schema.json).
# Documents come from two sources:
#   1. the renderer unit test (build/tests/report-test-sbom with BH_SBOM_OUT_DIR): a
#      hand-built image with hostile strings, licence expressions, npm/pypi/deb graphs;
#   2. `bulkhead sbom` on an OCI image built from tests/fixtures/images/sample.
# Also checks that the output is byte-identical across runs with SOURCE_DATE_EPOCH.
# Skips (77) when node, ajv or the shared schemas are missing.
. "$(dirname "$0")/../lib/e2e.sh"

command -v node >/dev/null 2>&1 || skip "node not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
SCHEMAS=$SHARED/schemas
CDX=$SCHEMAS/cyclonedx-1.6/bom-1.6.schema.json
SPDX=$SCHEMAS/spdx-2.3-schema.json
OURS=$BH_SOURCE_ROOT/docs/schema/sbom.schema.json
VALIDATE=$BH_SOURCE_ROOT/tests/lib/validate-schema.js
[ -f "$CDX" ] && [ -f "$SPDX" ] || skip "shared schemas absent ($SCHEMAS)"
: "${BH_BUILD_ROOT:=$(dirname "$(dirname "$(dirname "$BULKHEAD")")")}"

# validate SCHEMA DOC...: pass, fail with ajv's errors, or skip the whole test (77).
validate() {
	checks=$((checks + 1))
	node "$VALIDATE" "$@" >"$T/val" 2>&1
	rc=$?
	case $rc in
	0) ;;
	77) cat "$T/val"; skip "ajv not installed (scripts/deps.sh)" ;;
	*) fail "schema $(basename "$1"):"; sed 's/^/    /' "$T/val" | head -20 >&2 ;;
	esac
}

# 1. documents from the renderer unit test
UNIT=$BH_BUILD_ROOT/tests/report-test-sbom
if [ -x "$UNIT" ]; then
	mkdir "$T/unit"
	checks=$((checks + 1))
	BH_SBOM_OUT_DIR=$T/unit "$UNIT" >"$T/unit.log" 2>&1 ||
		{ fail "report-test-sbom failed"; sed 's/^/    /' "$T/unit.log" | tail -5 >&2; }
	if [ -f "$T/unit/fixture.cdx.json" ]; then
		validate "$CDX" "$T"/unit/*.cdx.json
		validate "$SPDX" "$T"/unit/*.spdx.json
		validate "$OURS" "$T"/unit/*.sbom.json
	else
		fail "report-test-sbom wrote no documents"
	fi
else
	echo "note: $UNIT not built; unit-test documents not validated"
fi

# 2. documents from `bulkhead sbom` on a real (small) OCI image
SAMPLE=$BH_SOURCE_ROOT/tests/fixtures/images/sample
set --
for l in "$SAMPLE"/layer*; do
	[ -d "$l" ] && set -- "$@" --layer "$l"
done
[ $# -gt 0 ] || fail "no sample layers in $SAMPLE"
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" oci "$T/img" "$@" --tag 1.0 \
	--config User=app --config Label=org.opencontainers.image.title=sample >/dev/null ||
	fail "mkimage.py failed"
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" docker-archive "$T/img.tar" "$@" \
	--repo-tag registry.example.com/team/sample:1.0 >/dev/null || fail "mkimage.py failed"

for target in "oci:$T/img:1.0" "docker-archive:$T/img.tar"; do
	tag=$(echo "$target" | cut -d: -f1)
	for fmt in cyclonedx spdx json; do
		out=$T/$tag.$fmt
		expect_exit 0 env SOURCE_DATE_EPOCH=1700000000 "$BULKHEAD" sbom -f "$fmt" -o "$out" "$target"
		expect_exit 0 env SOURCE_DATE_EPOCH=1700000000 "$BULKHEAD" sbom -f "$fmt" -o "$out.2" "$target"
		checks=$((checks + 1))
		cmp -s "$out" "$out.2" || fail "$tag $fmt output differs between two runs"
	done
	validate "$CDX" "$T/$tag.cyclonedx"
	validate "$SPDX" "$T/$tag.spdx"
	validate "$OURS" "$T/$tag.json"
	# the documents describe packages: CycloneDX components carry purls
	checks=$((checks + 1))
	grep -q '"purl": "pkg:deb/debian/' "$T/$tag.cyclonedx" || fail "$tag: no deb purl in CycloneDX"
done

# without SOURCE_DATE_EPOCH the serial number is random
expect_exit 0 "$BULKHEAD" sbom -f cyclonedx -o "$T/r1" "oci:$T/img:1.0"
expect_exit 0 "$BULKHEAD" sbom -f cyclonedx -o "$T/r2" "oci:$T/img:1.0"
checks=$((checks + 1))
[ "$(grep serialNumber "$T/r1")" != "$(grep serialNumber "$T/r2")" ] ||
	fail "serialNumber repeats without SOURCE_DATE_EPOCH"

# table: one summary line naming the image
expect_exit 0 "$BULKHEAD" sbom "oci:$T/img:1.0"
expect_out '^[0-9]+ packages \(deb: [0-9]+.*\) in oci:.*img:1\.0 \(Debian GNU/Linux 12 \(bookworm\)\)$'
expect_out '^NAME +VERSION +TYPE'

finish
