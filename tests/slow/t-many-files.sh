#!/bin/sh
# 1,000,001 tiny files in one layer: the default max-entries limit (1,000,000) stops the
# read with one line naming the input and exit code 2. The layer is stored uncompressed:
# gzip/zstd of a million empty headers would trip the decompression-ratio guard first.
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"
command -v python3 >/dev/null || skip "python3 missing"
python3 "$BH_SOURCE_ROOT/tests/lib/mktar.py" "$T/many.tar" many:1000001 || fail "mktar"
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" oci "$T/img" --raw-layer "$T/many.tar" \
	--compress none >/dev/null || fail "mkimage"
rm -f "$T/many.tar"
expect_exit 2 "$BULKHEAD" sbom "oci:$T/img" --format cyclonedx -o "$T/out.json"
expect_err_line "oci:$T/img.*more than 1000000 entries.*max-entries"
[ -e "$T/out.json" ] && fail "output written"
finish
