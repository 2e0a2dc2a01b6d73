#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-scan-checks.sh — `bulkhead scan --scanners secret,config` end to end on an image built
# here: secrets in a file a later layer deletes (still reported, with the layer holding
# it), in a real private key, in Env and in history; redaction (no secret value anywhere
# in any output format); the built-in allow-list of published example keys; an allow-list
# file; image configuration findings; --fail-on over all scanners together; SARIF and our
# JSON schema; bad input. The secrets are assembled at run time, so this file holds none.
. "$(dirname "$0")/../lib/e2e.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
command -v openssl >/dev/null 2>&1 || skip "openssl not installed"
VALIDATE=$BH_SOURCE_ROOT/tests/lib/validate-schema.js
SCHEMAS=$SHARED/schemas

validate() {
	command -v node >/dev/null 2>&1 || return 0
	[ -f "$1" ] || return 0
	checks=$((checks + 1))
	node "$VALIDATE" "$@" >"$T/val" 2>&1
	case $? in
	0 | 77) ;;
	*) fail "schema $(basename "$1"):"; sed 's/^/    /' "$T/val" | head -20 >&2 ;;
	esac
}

# --- the image: two layers; the second deletes a file of the first -------------------------
AWS_ID="AKIA$(printf 'QX7W2ZB4K9' | tr '0-9' 'A-J')M3PT5R"
AWS_SECRET="$(printf 'wq8Hf2Kp9Zr4Tn6Vb1Xc5Md7Lj3Gs0Ya')Qe2Rt7Uy"
GH_TOKEN="ghp_$(printf '%s' 'k3J9xQ2mV7pL4tR8wZ1nB6cY5hD0fG2sA9eU')"
EXAMPLE_ID="AKIA""IOSFODNN7EXAMPLE"
L1=$T/l1
L2=$T/l2
mkdir -p "$L1/etc/app" "$L1/opt/build" "$L1/root/.ssh" "$L1/usr/bin" "$L1/srv/upload" \
	"$L1/usr/share/doc/aws" "$L2/opt/build"
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$AWS_ID" "$AWS_SECRET" \
	>"$L1/etc/app/credentials"
printf 'export GITHUB_TOKEN=%s\n' "$GH_TOKEN" >"$L1/opt/build/token.env"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$L1/root/.ssh/id_ecdsa" \
	2>/dev/null || fail "openssl genpkey failed"
printf 'Example: aws_access_key_id = %s\n' "$EXAMPLE_ID" >"$L1/usr/share/doc/aws/README"
printf '#!/bin/sh\necho curl\n' >"$L1/usr/bin/curl"
printf '#!/bin/sh\n' >"$L1/usr/bin/helper"
chmod 0755 "$L1/usr/bin/curl"
chmod 4755 "$L1/usr/bin/helper"
chmod 0777 "$L1/srv/upload"
: >"$L2/opt/build/.wh.token.env"
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" oci "$T/img" --tag latest --keep-modes \
	--layer "$L1" --layer "$L2" --config "ExposedPort=22/tcp" \
	--config "Env=DB_PASSWORD=Zt8#kQ2vLm9xWp4s" >/dev/null || fail "mkimage.py failed"
IMG=oci:$T/img:latest
LAYER0=$(jq -r '.layers[0].digest' "$T/img/blobs/sha256/$(jq -r '.manifests[0].digest' "$T/img/index.json" | cut -d: -f2)")

# no_secret FILE: none of the secret values appears in FILE.
no_secret() {
	checks=$((checks + 1))
	for s in "$AWS_ID" "$AWS_SECRET" "$GH_TOKEN" "Zt8#kQ2vLm9xWp4s"; do
		if grep -qF -- "$s" "$1"; then
			fail "$(basename "$1") shows a secret value in full"
			return
		fi
	done
	if grep -q 'BEGIN PRIVATE KEY' "$1" && grep -qF -- "$(sed -n 2p "$L1/root/.ssh/id_ecdsa")" "$1"; then
		fail "$(basename "$1") shows the private key"
	fi
}

# --- secrets -------------------------------------------------------------------------------
expect_exit 0 "$BULKHEAD" scan --scanners secret -f json -o "$T/s.json" "$IMG"
validate "$BH_SOURCE_ROOT/docs/schema/scan.schema.json" "$T/s.json"
no_secret "$T/s.json"
checks=$((checks + 1))
jq -e --arg l0 "$LAYER0" '
  .scanners == ["secret"] and
  (.findings | all(.kind == "secret" and (.rule.id | test("^BH-SECRET-[0-9]{3}$")))) and
  ([.findings[] | select(.location.path == "/opt/build/token.env")][0] |
     .location.layer == $l0 and .location.line == 1 and .severity != "low") and
  ([.findings[] | select(.location.path == "/etc/app/credentials")] | length) >= 2 and
  ([.findings[] | select(.location.path == "/root/.ssh/id_ecdsa")][0] |
     (.severity == "critical" or .severity == "high") and .location.line == 1) and
  ([.findings[] | select(.location.path == "/usr/share/doc/aws/README")] | length) == 0 and
  ([.findings[] | select(.location.path | startswith("image config"))] | length) >= 1 and
  (.findings | all(.compliance | index("NIST-800-190:4.1.4")))' "$T/s.json" >/dev/null ||
	fail "secret findings: $(jq -c '[.findings[] | {r: .rule.id, p: .location.path, l: .location.line, s: .severity}]' "$T/s.json")"

expect_exit 0 "$BULKHEAD" scan --scanners secret -f sarif -o "$T/s.sarif" "$IMG"
validate "$SCHEMAS/sarif-schema-2.1.0.json" "$T/s.sarif"
no_secret "$T/s.sarif"
checks=$((checks + 1))
jq -e '(.runs[0].results | length) >= 4 and
  ([.runs[0].results[] | select(.locations[0].physicalLocation.artifactLocation.uri == "opt/build/token.env")][0] |
     .locations[0].physicalLocation.region.startLine == 1)' "$T/s.sarif" >/dev/null ||
	fail "secret SARIF content"

expect_exit 0 "$BULKHEAD" scan --scanners secret "$IMG"
no_secret "$T/out"
expect_out '^SEVERITY +RULE +LOCATION +MESSAGE$'
expect_out 'opt/build/token\.env:1'
expect_out '^note: secret: [0-9]+ files'

# An allow-list file: a value pattern suppresses (and counts) one finding, a path skips a file.
cat >"$T/allow.yaml" <<'EOF'
allow:
  - reason: the build token is revoked
    values: ["^ghp_k3J9"]
  - paths: ["root/.ssh/**"]
EOF
expect_exit 0 "$BULKHEAD" scan --scanners secret --secret-config "$T/allow.yaml" -f json \
	-o "$T/allow.json" "$IMG"
checks=$((checks + 1))
jq -e '.summary.suppressed_by_allowlist >= 1 and
  ([.findings[] | select(.location.path == "/opt/build/token.env" or
                         .location.path == "/root/.ssh/id_ecdsa")] | length) == 0 and
  ([.findings[] | select(.location.path == "/etc/app/credentials")] | length) >= 2 and
  (.notes | any(test("[1-9][0-9]* allow-listed paths")))' "$T/allow.json" >/dev/null ||
	fail "allow-list: $(jq -c '{s: .summary, n: .notes, f: [.findings[] | .location.path]}' "$T/allow.json")"

# --fail-on covers the secret scanner.
expect_exit 1 "$BULKHEAD" scan --scanners secret --fail-on high "$IMG"
no_secret "$T/out"

# --- image configuration ----------------------------------------------------------------
expect_exit 0 "$BULKHEAD" scan --scanners config -f json -o "$T/c.json" "$IMG"
validate "$BH_SOURCE_ROOT/docs/schema/scan.schema.json" "$T/c.json"
no_secret "$T/c.json"
checks=$((checks + 1))
jq -e '
  (.findings | all(.kind == "misconfiguration" and (.rule.id | test("^BH-IMG-")))) and
  ([.findings[] | .location.path] | index("/usr/bin/helper")) and
  ([.findings[] | .location.path] | index("/srv/upload")) and
  ([.findings[] | .message] | any(test("root"))) and
  ([.findings[] | .message] | any(test("22"))) and
  ([.findings[] | .message] | any(test("HEALTHCHECK"; "i"))) and
  ([.findings[] | .message] | any(test("DB_PASSWORD")))' "$T/c.json" >/dev/null ||
	fail "config findings: $(jq -c '[.findings[] | {r: .rule.id, p: .location.path, m: .message}]' "$T/c.json")"

# All scanners in one run (one pass over the layers): both kinds, one document.
expect_exit 0 "$BULKHEAD" scan --scanners secret,config -f json -o "$T/all.json" "$IMG"
checks=$((checks + 1))
jq -e '.scanners == ["secret", "config"] and
  ([.findings[] | .kind] | unique) == ["misconfiguration", "secret"] and
  .summary.critical + .summary.high + .summary.medium + .summary.low + .summary.info +
    .summary.unknown == (.findings | length)' "$T/all.json" >/dev/null ||
	fail "combined scan JSON"

# --- --require-signature ------------------------------------------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/sign.key" 2>/dev/null &&
	openssl pkey -in "$T/sign.key" -pubout -out "$T/sign.pub" 2>/dev/null || fail "openssl key"
expect_exit 1 "$BULKHEAD" scan --scanners config --require-signature --key "$T/sign.pub" \
	--fail-on high -f json -o "$T/unsigned.json" "$IMG"
checks=$((checks + 1))
jq -e '[.findings[] | select(.rule.id == "BH-IMG-SIGN-001")][0] |
  .severity == "high" and (.message | test("no signature"))' "$T/unsigned.json" >/dev/null ||
	fail "unsigned image: $(jq -c '[.findings[] | select(.rule.id == "BH-IMG-SIGN-001")]' "$T/unsigned.json")"
expect_exit 0 "$BULKHEAD" sign "$IMG" --key "$T/sign.key"
expect_exit 0 "$BULKHEAD" scan --scanners config --require-signature --key "$T/sign.pub" \
	-f json -o "$T/signed.json" "$IMG"
checks=$((checks + 1))
jq -e '[.findings[] | select(.rule.id == "BH-IMG-SIGN-001")] | length == 0' "$T/signed.json" \
	>/dev/null || fail "a signed image still has the signature finding"
# The signature artefact does not make the layout ambiguous for scans without a tag.
expect_exit 0 "$BULKHEAD" scan --scanners config "oci:$T/img"
expect_exit 2 "$BULKHEAD" scan --scanners config --require-signature "$IMG"
expect_err_line 'needs --key'
expect_exit 2 "$BULKHEAD" scan --scanners config --require-signature --key "$T/nokey.pub" "$IMG"
expect_err_line 'nokey\.pub'
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" docker-archive "$T/img.tar" --layer "$L2" \
	>/dev/null || fail "mkimage.py docker-archive failed"
expect_exit 2 "$BULKHEAD" scan --scanners config --require-signature --key "$T/sign.pub" \
	"docker-archive:$T/img.tar"
expect_err_line 'OCI image layout'

# -o onto a special file writes into it, never replaces it (as root a rename would).
expect_exit 0 "$BULKHEAD" scan --scanners config -f json -o /dev/null "$IMG"
checks=$((checks + 1))
[ -c /dev/null ] || fail "-o /dev/null replaced the device with a regular file"

# --- bad input ------------------------------------------------------------------------------
expect_exit 2 "$BULKHEAD" scan --scanners bogus "$IMG"
expect_err_line "unknown scanner 'bogus'"
printf 'allow: [unterminated\n' >"$T/bad.yaml"
expect_exit 2 "$BULKHEAD" scan --scanners secret --secret-config "$T/bad.yaml" -o "$T/none.json" "$IMG"
expect_err_line 'bad\.yaml'
checks=$((checks + 1))
[ ! -e "$T/none.json" ] || fail "a failed scan wrote its output file"
expect_exit 2 "$BULKHEAD" scan --scanners secret --secret-config "$T/missing.yaml" "$IMG"
expect_err_line 'missing\.yaml'
expect_exit 2 "$BULKHEAD" scan --scanners config --secret-config "$T/bad.yaml" "$IMG"
expect_err_line 'secret-config'
expect_exit 2 "$BULKHEAD" scan --scanners secret -f cyclonedx "$IMG"
expect_err_line 'cyclonedx'

finish
