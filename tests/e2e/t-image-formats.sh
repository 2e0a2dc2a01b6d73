#!/bin/sh
# Image formats end to end: OCI layouts (tags, digests, multi-platform, nested indexes,
# zstd, Docker media types), docker-archive (legacy and Docker 25+ OCI layout, several
# images), auto-detection, and the input errors (exit 2, one stderr line naming the
# input, no output file). Fixtures are built here with tests/lib/mkimage.py.
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"
MKIMAGE="python3 $BH_SOURCE_ROOT/tests/lib/mkimage.py"
MKTAR="python3 $BH_SOURCE_ROOT/tests/lib/mktar.py"
L="$BH_SOURCE_ROOT/tests/fixtures/images/layers"
command -v python3 >/dev/null || skip "python3 missing"

mk() {
	$MKIMAGE "$@" >/dev/null || fail "mkimage $*"
}

# good TARGET PATTERN [options]: exit 0, the JSON SBOM matches PATTERN.
good() {
	tgt=$1
	pat=$2
	shift 2
	expect_exit 0 "$BULKHEAD" sbom "$tgt" --format json "$@"
	expect_out "$pat"
}

# bad TARGET PATTERN [options]: exit 2, one stderr line matching PATTERN, nothing written.
bad() {
	tgt=$1
	pat=$2
	shift 2
	rm -f "$T/bad.out"
	expect_exit 2 "$BULKHEAD" sbom "$tgt" --format json -o "$T/bad.out" "$@"
	expect_err_line "$pat"
	checks=$((checks + 1))
	[ -e "$T/bad.out" ] && fail "$tgt: output file written"
	ls "$T" | grep -q "bad.out.tmp" && fail "$tgt: temporary file left"
	return 0
}

# ---- OCI layouts ----------------------------------------------------------------------------
mk oci "$T/oci" --layer "$L/base" --layer "$L/top" --tag v1 --config User=app \
	--config Label=org.example=yes
good "oci:$T/oci" '"pretty_name": "Test OS 1.0"'
good "oci:$T/oci:v1" '"repo_tags": \['
good "$T/oci" '"kind": "oci"'
good "$T/oci:v1" '"kind": "oci"'
mdigest=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$T/oci/index.json")
good "oci:$T/oci@$mdigest" "\"manifest_digest\": \"$mdigest\""
bad "oci:$T/oci:nope" "oci:$T/oci.*no image tagged 'nope' \(available: v1\)"

mk oci "$T/oci" --layer "$L/base" --tag v2 --append
bad "oci:$T/oci" "several images.*available: v1, v2"
good "oci:$T/oci:v2" '"id": "testos"'

mk oci "$T/zstd" --layer "$L/base" --compress zstd
good "oci:$T/zstd" '"id": "testos"'
mk oci "$T/plain" --layer "$L/base" --compress none --docker-media-types
good "oci:$T/plain" '"id": "testos"'

# multi-platform, nested, with an attestation manifest
mk oci "$T/amd64" --layer "$L/base" --platform linux/amd64
mk oci "$T/arm64" --layer "$L/base" --platform linux/arm64
mk oci-index "$T/multi" --image "linux/amd64=$T/amd64" --image "linux/arm64/v8=$T/arm64" \
	--attestation --tag latest
good "oci:$T/multi" '"platform": "linux/amd64"'
good "oci:$T/multi" '"platform": "linux/arm64' --platform linux/arm64
bad "oci:$T/multi" "no manifest for platform linux/s390x \(available: linux/amd64, linux/arm64/v8\)" \
	--platform linux/s390x
mk oci-index "$T/deep" --image "linux/amd64=$T/amd64" --nest 4
good "oci:$T/deep" '"id": "testos"'
bad "oci:$T/deep" "index-max-depth" --limit index-max-depth=2

# verification of what is not a layer
for c in config-digest manifest-digest; do
	mk oci "$T/bad-$c" --layer "$L/base" --corrupt "$c"
	h='[0-9a-f]{64}'
	bad "oci:$T/bad-$c" "oci:$T/bad-$c: blobs/sha256/$h: digest mismatch: expected sha256:$h, got"
done
mk oci "$T/bad-size" --layer "$L/base" --corrupt truncate-blob
bad "oci:$T/bad-size" "blobs/sha256/.*size mismatch"
mk oci "$T/bad-diffid" --layer "$L/base" --corrupt diff-id
bad "oci:$T/bad-diffid" "oci:$T/bad-diffid.*(diff_id|digest)"
mk oci "$T/bad-blob" --layer "$L/base" --corrupt blob-digest
bad "oci:$T/bad-blob" "oci:$T/bad-blob.*(digest|corrupt|invalid)"

mkdir -p "$T/broken/blobs/sha256"
echo '{"imageLayoutVersion":"1.0.0"}' >"$T/broken/oci-layout"
printf '{\n "schemaVersion": 2,\n "manifests": [,]\n}\n' >"$T/broken/index.json"
bad "oci:$T/broken" "oci:$T/broken: index.json:3:[0-9]+: invalid JSON"
desc='"digest":"sha256:../../../../etc/passwd","size":1'
printf '{"schemaVersion":2,"manifests":[{%s}]}' "$desc" >"$T/broken/index.json"
bad "oci:$T/broken" "invalid digest"

# ---- docker-archive -------------------------------------------------------------------------
mk docker-archive "$T/legacy.tar" --layer "$L/base" --layer "$L/top" --layer "$L/base" \
	--repo-tag example/app:1.0
good "docker-archive:$T/legacy.tar" '"name": "example/app:1.0"'
good "$T/legacy.tar" '"kind": "docker-archive"'
good "docker-archive:$T/legacy.tar:example/app:1.0" '"id": "testos"'
mk docker-archive "$T/oci25.tar" --format oci --layer "$L/base" --repo-tag busybox:latest
good "docker-archive:$T/oci25.tar" '"manifest_digest": "sha256:'
good "$T/oci25.tar" '"id": "testos"'

mk docker-archive "$T/two.tar" --layer "$L/base" --repo-tag one:1
mk docker-archive "$T/two.tar" --layer "$L/top" --repo-tag two:2 --append
bad "docker-archive:$T/two.tar" \
	"docker-archive:$T/two.tar: manifest.json: the archive holds 2 images.*one:1, two:2"
good "docker-archive:$T/two.tar:one:1" '"id": "testos"'
bad "docker-archive:$T/two.tar:three:3" "no image tagged 'three:3'"

mk docker-archive "$T/badcfg.tar" --layer "$L/base" --corrupt config-digest
bad "docker-archive:$T/badcfg.tar" "docker-archive:$T/badcfg.tar: [0-9a-f]{64}.json: digest mismatch"
gzip -c "$T/legacy.tar" >"$T/legacy.tar.gz"
bad "$T/legacy.tar.gz" "gzip-compressed; decompress it first"
$MKTAR "$T/dup.tar" file:manifest.json=[] file:manifest.json=[] || fail mktar
bad "docker-archive:$T/dup.tar" "duplicate member 'manifest.json'"
head -c 20000 "$T/legacy.tar" >"$T/trunc.tar"
bad "docker-archive:$T/trunc.tar" "docker-archive:$T/trunc.tar: truncated archive"

# ---- detection -------------------------------------------------------------------------------
bad "$T/missing" "$T/missing"
echo "just text" >"$T/notes.txt"
bad "$T/notes.txt" "$T/notes.txt"
$MKTAR "$T/rootfs.tar" file:etc/hostname=box || fail mktar
bad "$T/rootfs.tar" "$T/rootfs.tar"
good "$L/base" '"kind": "dir"'

finish
