#!/bin/sh
# bulkhead sign / verify end to end: an OCI layout built here with tests/lib/mkimage.py is
# signed with keys made here by the openssl CLI (SEC1, PKCS#8, encrypted PKCS#8), verified,
# signed by a second key, checked with `openssl dgst -verify` (the format is plain
# ECDSA/SHA-256 DER over the payload bytes), then tampered with; bad keys and non-OCI
# targets are input errors (exit 2) that leave the layout untouched. Every --format json
# document (sign; verify verified and each kind of not verified) is validated against
# docs/schema/{sign,verify}.schema.json when node and ajv are there.
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"
MKIMAGE="python3 $BH_SOURCE_ROOT/tests/lib/mkimage.py"
L="$BH_SOURCE_ROOT/tests/fixtures/images/layers"
command -v python3 >/dev/null || skip "python3 missing"
command -v openssl >/dev/null || skip "openssl missing"
unset BULKHEAD_KEY_PASSWORD
VALIDATE=$BH_SOURCE_ROOT/tests/lib/validate-schema.js
SCH=$BH_SOURCE_ROOT/docs/schema

# schema NAME DOC: $T/out (stdout of the last expect_exit) is kept as $T/DOC and must validate
# against docs/schema/NAME.schema.json; skipped quietly without node or ajv (exit 77).
schema() {
	cp "$T/out" "$T/$2"
	command -v node >/dev/null 2>&1 || return 0
	checks=$((checks + 1))
	node "$VALIDATE" "$SCH/$1.schema.json" "$T/$2" >"$T/val" 2>&1
	case $? in
	0 | 77) ;;
	*) fail "$2 does not validate against $1.schema.json:"; sed 's/^/    /' "$T/val" | head -20 >&2 ;;
	esac
}
# schema_rejects NAME DOC WHAT PYTHON: $T/DOC changed by PYTHON (d is the document) must not
# validate against docs/schema/NAME.schema.json.
schema_rejects() {
	command -v node >/dev/null 2>&1 || return 0
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(d, open(sys.argv[3], "w"))' "$T/$2" "$4" "$T/mutated.json" || fail "cannot mutate $2"
	checks=$((checks + 1))
	node "$VALIDATE" "$SCH/$1.schema.json" "$T/mutated.json" >"$T/val" 2>&1
	case $? in
	1 | 77) ;;
	0) fail "$1.schema.json accepts $2 with $3" ;;
	*) fail "$1.schema.json: validator failed on $2 with $3"; head -5 "$T/val" >&2 ;;
	esac
}

$MKIMAGE oci "$T/src" --layer "$L/base" --layer "$L/top" --tag v1 >/dev/null || fail "mkimage oci"
$MKIMAGE docker-archive "$T/img.tar" --layer "$L/base" >/dev/null || fail "mkimage docker-archive"
cp -r "$T/src" "$T/img"
K=$T/keys
mkdir "$K"
openssl ecparam -name prime256v1 -genkey -noout -out "$K/k1.pem" 2>/dev/null # SEC1
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/k2.pem" 2>/dev/null # PKCS#8
openssl ecparam -name prime256v1 -genkey -noout -out "$K/k3.pem" 2>/dev/null
openssl pkcs8 -topk8 -in "$K/k1.pem" -passout pass:s3cret -out "$K/k1-enc.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$K/rsa.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$K/p384.pem" 2>/dev/null
for k in k1 k2 k3; do openssl pkey -in "$K/$k.pem" -pubout -out "$K/$k.pub" 2>/dev/null; done
[ -s "$K/k1.pub" ] && [ -s "$K/k1-enc.pem" ] && [ -s "$K/rsa.pem" ] || skip "openssl cannot make keys"
grep -q 'BEGIN EC PRIVATE KEY' "$K/k1.pem" || fail "k1 is not SEC1"
grep -q 'BEGIN PRIVATE KEY' "$K/k2.pem" || fail "k2 is not PKCS#8"

digest=$(python3 -c 'import json,sys
print([m for m in json.load(open(sys.argv[1]))["manifests"]][0]["digest"])' "$T/img/index.json")
hex=${digest#sha256:}

# ---- unsigned, then one key -------------------------------------------------------------
expect_exit 1 "$BULKHEAD" verify "oci:$T/img" --key "$K/k1.pub"
expect_err_line "no signature for $digest"
expect_exit 1 "$BULKHEAD" verify "oci:$T/img" --key "$K/k1.pub" --format json
expect_err_line "no signature for $digest"
expect_out '"status": "unsigned"'
schema verify v-unsigned.json
expect_exit 0 "$BULKHEAD" sign "oci:$T/img" --key "$K/k1.pem"
expect_out "^signed $digest with key sha256:[0-9a-f]{64}: sha256-$hex.sig \(1 signature"
expect_exit 0 "$BULKHEAD" verify "oci:$T/img" --key "$K/k1.pub"
expect_out "^verified $digest with key sha256:"
expect_exit 0 "$BULKHEAD" verify "oci:$T/img:v1" --key "$K/k1.pub"
expect_exit 0 "$BULKHEAD" verify "$T/img" --key "$K/k1.pub"
expect_exit 0 "$BULKHEAD" verify "oci:$T/img@$digest" --key "$K/k1.pub"
expect_exit 0 "$BULKHEAD" sbom "oci:$T/img:v1" --format json
expect_out '"id": "testos"'

# the layout holds the tag cosign uses, as the signature manifest's ref name
checks=$((checks + 1))
grep -q "\"org.opencontainers.image.ref.name\":\"sha256-$hex.sig\"" "$T/img/index.json" ||
	fail "index.json has no sha256-$hex.sig entry"

# ---- a second key adds a signature; both verify -----------------------------------------
expect_exit 0 "$BULKHEAD" sign "oci:$T/img" --key "$K/k2.pem" -a team=platform --format json
expect_out '"schema": "bulkhead.sign/v1"'
expect_out '"signatures": 2'
expect_out '"already_signed": false'
schema sign s-k2.json
schema_rejects sign s-k2.json "no signatures" 'del d["signatures"]'
schema_rejects sign s-k2.json "an unknown field" 'd["extra"] = 1'
schema_rejects sign s-k2.json "a malformed tag" 'd["tag"] = d["tag"].replace(".sig", ".att")'
expect_exit 0 "$BULKHEAD" verify "oci:$T/img" --key "$K/k1.pub"
expect_exit 0 "$BULKHEAD" verify "oci:$T/img" --key "$K/k2.pub" --format json
expect_out '"schema": "bulkhead.verify/v1"'
expect_out '"verified": true'
expect_out "\"digest\": \"$digest\""
expect_out '"team": "platform"'
schema verify v-k2.json
schema_rejects verify v-k2.json "verified false" 'd["verified"] = False'
schema_rejects verify v-k2.json "no signature listed" 'd["signatures"] = []'
schema_rejects verify v-k2.json "an unknown status" 'd["status"] = "ok"'
schema_rejects verify v-k2.json "an unknown signature field" 'd["signatures"][0]["x"] = 1'
schema_rejects verify v-k2.json "a short digest" 'd["manifest_digest"] = d["manifest_digest"][:-1]'
checks=$((checks + 1))
[ "$(grep -o "sha256-$hex.sig" "$T/img/index.json" | wc -l)" = 1 ] || fail "more than one .sig entry"

# the encrypted PKCS#8 form of k1: needs the password, then finds its signature in place
expect_exit 2 "$BULKHEAD" sign "oci:$T/img" --key "$K/k1-enc.pem"
expect_err_line "encrypted: set BULKHEAD_KEY_PASSWORD"
expect_exit 2 env BULKHEAD_KEY_PASSWORD=wrong "$BULKHEAD" sign "oci:$T/img" --key "$K/k1-enc.pem"
expect_err_line "cannot decrypt the key"
expect_exit 0 env BULKHEAD_KEY_PASSWORD=s3cret "$BULKHEAD" sign "oci:$T/img" --key "$K/k1-enc.pem"
expect_out "^already signed $digest"
expect_exit 0 env BULKHEAD_KEY_PASSWORD=s3cret "$BULKHEAD" sign "oci:$T/img" --key "$K/k1-enc.pem" \
	-f json
expect_out '"already_signed": true'
schema sign s-again.json

# ---- a key that signed nothing ---------------------------------------------------------------
expect_exit 1 "$BULKHEAD" verify "oci:$T/img" --key "$K/k3.pub"
expect_err_line "signature does not verify with '$K/k3.pub'.*2 signatures for $digest"
expect_exit 1 "$BULKHEAD" verify "oci:$T/img" --key "$K/k3.pub" --format json
expect_out '"verified": false'
expect_out '"status": "bad-signature"'
schema verify v-bad-signature.json
schema_rejects verify v-bad-signature.json "verified true" 'd["verified"] = True'
schema_rejects verify v-bad-signature.json "a signature listed" 'd["signatures"] = [{}]'
schema_rejects verify v-bad-signature.json "no key fingerprint" 'del d["key"]["fingerprint"]'

# ---- the format is standard ECDSA P-256 / SHA-256 DER over the payload bytes -------------------
python3 - "$T/img" "$hex" "$T" <<'EOF' || fail "cannot extract the signatures"
import base64, json, sys
d, hexd, out = sys.argv[1], sys.argv[2], sys.argv[3]
idx = json.load(open(d + "/index.json"))
e = [m for m in idx["manifests"]
     if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "sha256-%s.sig" % hexd][0]
assert e["annotations"]["kind"] == "dev.cosignproject.cosign/sigs"
man = json.load(open(d + "/blobs/sha256/" + e["digest"][7:]))
assert man["schemaVersion"] == 2 and len(man["layers"]) == 2
for i, l in enumerate(man["layers"]):
    assert l["mediaType"] == "application/vnd.dev.cosign.simplesigning.v1+json"
    payload = open(d + "/blobs/sha256/" + l["digest"][7:], "rb").read()
    p = json.loads(payload)
    assert p["critical"]["type"] == "cosign container image signature"
    assert p["critical"]["image"]["docker-manifest-digest"] == "sha256:" + hexd
    open("%s/payload%d" % (out, i), "wb").write(payload)
    sig = base64.b64decode(l["annotations"]["dev.cosignproject.cosign/signature"], validate=True)
    open("%s/sig%d.der" % (out, i), "wb").write(sig)
EOF
for i in 0 1; do
	checks=$((checks + 1))
	k=k$((i + 1))
	openssl dgst -sha256 -verify "$K/$k.pub" -signature "$T/sig$i.der" "$T/payload$i" \
		>"$T/ossl" 2>&1 || fail "openssl does not verify signature $i with $k: $(cat "$T/ossl")"
	checks=$((checks + 1))
	openssl asn1parse -inform DER -in "$T/sig$i.der" >/dev/null 2>&1 || fail "signature $i is not DER"
done
checks=$((checks + 1))
openssl dgst -sha256 -verify "$K/k3.pub" -signature "$T/sig0.der" "$T/payload0" >/dev/null 2>&1 &&
	fail "openssl verified signature 0 with the wrong key"

# ---- tampering ------------------------------------------------------------------------------------
# the manifest changed (one byte of it) and index.json updated to the new digest
cp -r "$T/img" "$T/changed"
new=$(python3 - "$T/changed" "$digest" <<'EOF'
import hashlib, json, sys
d, old = sys.argv[1], sys.argv[2]
b = open(d + "/blobs/sha256/" + old[7:], "rb").read()
b = b.replace(b'"schemaVersion"', b'"schemaVersion" ', 1)
h = "sha256:" + hashlib.sha256(b).hexdigest()
open(d + "/blobs/sha256/" + h[7:], "wb").write(b)
idx = json.load(open(d + "/index.json"))
for m in idx["manifests"]:
    if m["digest"] == old:
        m["digest"], m["size"] = h, len(b)
json.dump(idx, open(d + "/index.json", "w"))
print(h)
EOF
)
expect_exit 1 "$BULKHEAD" verify "oci:$T/changed:v1" --key "$K/k1.pub"
expect_err_line "no signature for $new; payload names another digest: the key signed $digest"
expect_exit 1 "$BULKHEAD" verify "oci:$T/changed:v1" --key "$K/k1.pub" -f json
expect_out '"status": "other-digest"'
schema verify v-other-digest.json
# the signature tag moved along with it
sed "s/sha256-$hex.sig/sha256-${new#sha256:}.sig/" "$T/changed/index.json" >"$T/moved.json" &&
	mv "$T/moved.json" "$T/changed/index.json"
expect_exit 1 "$BULKHEAD" verify "oci:$T/changed:v1" --key "$K/k1.pub"
expect_err_line "payload names another digest: the key signed $digest, the image manifest is $new"

# the manifest blob edited in place (index.json left alone)
cp -r "$T/img" "$T/edited"
printf ' ' >>"$T/edited/blobs/sha256/$hex"
expect_exit 1 "$BULKHEAD" verify "oci:$T/edited:v1" --key "$K/k1.pub"
expect_err_line "not verified: the image does not match its digests: .*blobs/sha256/$hex"
expect_exit 1 "$BULKHEAD" verify "oci:$T/edited:v1" --key "$K/k1.pub" -f json
expect_no_out # no document when the image itself does not match (verify.schema.json says so)

# a payload blob edited
cp -r "$T/img" "$T/payload"
pd=$(sha256sum "$T/payload0" | cut -d' ' -f1)
sed 's/cosign container image signature/cosign container image signaturf/' \
	"$T/payload/blobs/sha256/$pd" >"$T/p.tmp" && mv "$T/p.tmp" "$T/payload/blobs/sha256/$pd"
expect_exit 1 "$BULKHEAD" verify "oci:$T/payload" --key "$K/k1.pub"
expect_err_line "payload layer digest mismatch: blobs/sha256/$pd: digest mismatch"
expect_exit 1 "$BULKHEAD" verify "oci:$T/payload" --key "$K/k1.pub" -f json
expect_out '"status": "blob-mismatch"'
schema verify v-blob-mismatch.json
# the other key's signature is intact
expect_exit 0 "$BULKHEAD" verify "oci:$T/payload" --key "$K/k2.pub"

# k1's signature annotation made not base64 (signature manifest rewritten, index.json along)
cp -r "$T/img" "$T/malformed"
python3 - "$T/malformed" "$hex" <<'EOF' || fail "cannot rewrite the signature manifest"
import hashlib, json, sys
d, hexd = sys.argv[1], sys.argv[2]
idx = json.load(open(d + "/index.json"))
ref = "org.opencontainers.image.ref.name"
e = [m for m in idx["manifests"] if m.get("annotations", {}).get(ref) == "sha256-%s.sig" % hexd][0]
man = json.load(open(d + "/blobs/sha256/" + e["digest"][7:]))
man["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"] = "not*base64"
b = json.dumps(man).encode()
h = hashlib.sha256(b).hexdigest()
open(d + "/blobs/sha256/" + h, "wb").write(b)
e["digest"], e["size"] = "sha256:" + h, len(b)
json.dump(idx, open(d + "/index.json", "w"))
EOF
expect_exit 1 "$BULKHEAD" verify "oci:$T/malformed" --key "$K/k1.pub" -f json
expect_err_line "^bulkhead: malformed signature manifest sha256:[0-9a-f]{64}: layers\\[0\\] signature"
expect_out '"status": "malformed"'
schema verify v-malformed.json
expect_exit 0 "$BULKHEAD" verify "oci:$T/malformed" --key "$K/k2.pub" -f json
schema verify v-malformed-k2.json

# ---- input errors: exit 2, one line, the layout untouched ------------------------------------
before=$(cat "$T/img/index.json" | sha256sum)
nblobs=$(ls "$T/img/blobs/sha256" | wc -l)
bad() {
	pat=$1
	shift
	expect_exit 2 "$BULKHEAD" "$@"
	expect_err_line "$pat"
}
bad "signing needs an OCI image layout" sign "docker-archive:$T/img.tar" --key "$K/k1.pem"
bad "signing needs an OCI image layout" verify "docker-archive:$T/img.tar" --key "$K/k1.pub"
bad "signing needs an OCI image layout" sign "$T/img.tar" --key "$K/k1.pem"
bad "signing needs an OCI image layout" sign "dir:$L/base" --key "$K/k1.pem"
printf 'not a key\n' >"$K/garbage.pem"
bad "garbage.pem: not a PEM key file" sign "oci:$T/img" --key "$K/garbage.pem"
bad "garbage.pem: not a PEM key file" verify "oci:$T/img" --key "$K/garbage.pem"
bad "rsa.pem: key is RSA, not ECDSA P-256" sign "oci:$T/img" --key "$K/rsa.pem"
bad "p384.pem: key is on curve 'secp384r1', not P-256" sign "oci:$T/img" --key "$K/p384.pem"
bad "k1.pub: file holds a PUBLIC KEY, signing needs the private key" sign "oci:$T/img" --key "$K/k1.pub"
bad "k1.pem: file holds a private key: verify takes the public key" verify "oci:$T/img" --key "$K/k1.pem"
printf -- '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\neyJrZGYiOnt9fQ==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n' >"$K/cosign.key"
bad "cosign's own format .*export the key as PKCS#8" sign "oci:$T/img" --key "$K/cosign.key"
bad "nokey.pem: cannot read the key: No such file" sign "oci:$T/img" --key "$K/nokey.pem"
bad "nokey.pub: cannot read the key: No such file" verify "oci:$T/img" --key "$K/nokey.pub"
bad "missing --key KEY" sign "oci:$T/img"
bad "missing --key PUB" verify "oci:$T/img"
bad "missing TARGET" verify --key "$K/k1.pub"
bad "no image tagged 'nope'" sign "oci:$T/img:nope" --key "$K/k1.pem"
bad "annotation 'novalue' is not KEY=VALUE" sign "oci:$T/img" --key "$K/k1.pem" -a novalue
checks=$((checks + 1))
[ "$(cat "$T/img/index.json" | sha256sum)" = "$before" ] || fail "a failed command changed index.json"
checks=$((checks + 1))
[ "$(ls "$T/img/blobs/sha256" | wc -l)" = "$nblobs" ] || fail "a failed command left blobs"
checks=$((checks + 1))
ls -a "$T/img" "$T/img/blobs/sha256" | grep -q '\.tmp-' && fail "temporary file left"

finish
