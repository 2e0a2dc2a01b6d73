#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-scan.sh — `bulkhead db import` + `bulkhead scan` end to end on the sample image
# (tests/fixtures/images/sample): which findings appear and why, every output format
# against its schema (ours, SARIF 2.1.0, CycloneDX 1.6), --fail-on exit codes,
# --ignore-unfixed, OpenVEX and CycloneDX VEX, and bad input (missing or newer database,
# corrupt archive, malformed records, bad VEX, unreadable target).
. "$(dirname "$0")/../lib/e2e.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
VALIDATE=$BH_SOURCE_ROOT/tests/lib/validate-schema.js
SCHEMAS=$SHARED/schemas

# validate SCHEMA DOC: pass or fail; skipped quietly without node/ajv/shared schemas.
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

# The image `make demo` builds: the committed layers plus a war holding log4j-core.
SAMPLE=$BH_SOURCE_ROOT/tests/fixtures/images/sample
mkdir -p "$T/extra/opt/app"
python3 "$BH_SOURCE_ROOT/tests/lib/mkjar.py" "$T/log4j-core.jar" \
	org.apache.logging.log4j:log4j-core:2.14.1 >/dev/null || fail "mkjar.py failed"
python3 "$BH_SOURCE_ROOT/tests/lib/mkjar.py" "$T/extra/opt/app/shop.war" com.example:shop:1.4.0 \
	--nest "$T/log4j-core.jar" >/dev/null || fail "mkjar.py failed"
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" oci "$T/img" --tag 1.0 --layer "$SAMPLE/layer1" \
	--layer "$SAMPLE/layer2" --layer "$T/extra" --layer "$SAMPLE/layer3" >/dev/null ||
	fail "mkimage.py failed"
IMG=oci:$T/img:1.0

# --- advisories (synthetic, in OSV format, aimed at the sample image's packages) ------
mkdir -p "$T/adv/debian" "$T/adv/lang"
cat >"$T/adv/debian/DEBIAN-CVE-2024-2398.json" <<'EOF'
{"id": "DEBIAN-CVE-2024-2398", "modified": "2024-04-01T00:00:00Z", "aliases": ["CVE-2024-2398"],
 "summary": "curl: HTTP/2 push headers memory-leak",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:H"}],
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "curl"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "7.88.1-10+deb12u6"}]}],
   "ecosystem_specific": {"urgency": "medium"}},
  {"package": {"ecosystem": "Debian:11", "name": "curl"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "7.74.0-1.3+deb11u12"}]}]}]}
EOF
cat >"$T/adv/debian/DEBIAN-CVE-2023-45853.json" <<'EOF'
{"id": "DEBIAN-CVE-2023-45853", "modified": "2024-01-01T00:00:00Z",
 "affected": [{"package": {"ecosystem": "Debian:11", "name": "zlib"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
EOF
cat >"$T/adv/lang/GHSA-jfh8-c2jp-5v3q.json" <<'EOF'
{"id": "GHSA-jfh8-c2jp-5v3q", "modified": "2024-02-01T00:00:00Z", "aliases": ["CVE-2021-44228"],
 "summary": "Remote code injection in Log4j",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],
 "database_specific": {"severity": "CRITICAL"},
 "affected": [{"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0-beta9"}, {"fixed": "2.15.0"}]}]}]}
EOF
cat >"$T/adv/lang/PYSEC-2024-60.json" <<'EOF'
{"id": "PYSEC-2024-60", "modified": "2024-06-01T00:00:00Z", "aliases": ["CVE-2024-35195", "GHSA-9wx4-h78v-vm56"],
 "details": "Requests Session object does not verify requests after making first request with verify=False",
 "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.32.0"}]}]}]}
EOF
cat >"$T/adv/lang/GHSA-9wx4-h78v-vm56.json" <<'EOF'
{"id": "GHSA-9wx4-h78v-vm56", "modified": "2024-06-02T00:00:00Z", "aliases": ["CVE-2024-35195"],
 "summary": "Requests `Session` object does not verify requests after making first request with verify=False",
 "database_specific": {"severity": "MODERATE"},
 "affected": [{"package": {"ecosystem": "PyPI", "name": "Requests"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.32.0"}]}]}]}
EOF
cat >"$T/adv/lang/GHSA-rv95-896h-c2vc.json" <<'EOF'
{"id": "GHSA-rv95-896h-c2vc", "modified": "2024-03-01T00:00:00Z", "aliases": ["CVE-2024-29041"],
 "summary": "Express.js Open Redirect in malformed URLs",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}],
 "affected": [{"package": {"ecosystem": "npm", "name": "express"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.19.2"}]}]}]}
EOF
cat >"$T/adv/lang/GHSA-rake-nofix.json" <<'EOF'
{"id": "GHSA-xxxx-rake-0000", "modified": "2024-03-01T00:00:00Z",
 "summary": "rake: an unfixed issue", "database_specific": {"severity": "LOW"},
 "affected": [{"package": {"ecosystem": "RubyGems", "name": "rake"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
EOF
cat >"$T/adv/lang/RUSTSEC-2099-0001.json" <<'EOF'
{"id": "RUSTSEC-2099-0001", "modified": "2024-03-01T00:00:00Z",
 "affected": [{"package": {"ecosystem": "crates.io", "name": "serde_json"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]}]}
EOF
cat >"$T/adv/lang/GHSA-withdrawn.json" <<'EOF'
{"id": "GHSA-wwww-wwww-wwww", "modified": "2024-03-01T00:00:00Z", "withdrawn": "2024-03-02T00:00:00Z",
 "affected": [{"package": {"ecosystem": "npm", "name": "debug"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}
EOF
cat >"$T/adv/lang/HEX-2024-1.json" <<'EOF'
{"id": "HEX-2024-1", "modified": "2024-03-01T00:00:00Z",
 "affected": [{"package": {"ecosystem": "Hex", "name": "plug"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
EOF
printf '{"id": "BROKEN-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "1"}]}]}]}\n' \
	>"$T/adv/lang/BROKEN-1.json"

DB=$T/vuln.db

# --- import --------------------------------------------------------------------------
expect_exit 0 "$BULKHEAD" db import --db "$DB" "$T/adv"
expect_out 'advisories read from 11 documents: 9 stored, 0 unchanged, 1 withdrawn, 1 skipped'
checks=$((checks + 1))
grep -q 'BROKEN-1.json: advisory BROKEN-1: range has no .introduced. event' "$T/err" ||
	fail "the malformed record is not named: $(cat "$T/err")"
expect_exit 0 "$BULKHEAD" db status --db "$DB" --format json
checks=$((checks + 1))
jq -e '.advisories == 9 and ([.ecosystems[] | select(.ecosystem == "Hex")][0].matched == false)' \
	"$T/out" >/dev/null || fail "db status: $(cat "$T/out")"
expect_exit 0 "$BULKHEAD" db status --db "$DB"
expect_out '^Hex +1 +1  no \(kept, never matched\)$'

# --- scan: table and exit codes ----------------------------------------------------------
expect_exit 0 "$BULKHEAD" scan --db "$DB" "$IMG"
expect_out '^PACKAGE +INSTALLED +FIXED +SEVERITY +VULNERABILITY +TITLE$'
expect_out '^curl +7\.88\.1-10\+deb12u5 +7\.88\.1-10\+deb12u6 +medium +CVE-2024-2398 '
expect_out '^org\.apache\.logging\.log4j:log4j-core +2\.14\.1 +2\.15\.0 +critical +CVE-2021-44228 '
expect_out '^requests +2\.31\.0 +2\.32\.0 +medium +CVE-2024-35195 '
expect_out '^rake +13\.0\.6 +- +low +GHSA-xxxx-rake-0000 '
expect_out '^5 vulnerabilities \(critical 1, high 0, medium 3, low 1, info 0, unknown 0\)'
expect_exit 1 "$BULKHEAD" scan --db "$DB" --fail-on critical "$IMG"
expect_exit 1 "$BULKHEAD" scan --db "$DB" --fail-on LOW "$IMG"
expect_exit 0 "$BULKHEAD" scan --db "$DB" --ignore-unfixed "$IMG"
checks=$((checks + 1))
grep -q rake "$T/out" && fail "--ignore-unfixed kept the unfixed rake finding"

# --- JSON, SARIF, CycloneDX ------------------------------------------------------------
expect_exit 0 env SOURCE_DATE_EPOCH=1700000000 "$BULKHEAD" scan --db "$DB" -f json -o "$T/scan.json" "$IMG"
validate "$BH_SOURCE_ROOT/docs/schema/scan.schema.json" "$T/scan.json"
checks=$((checks + 1))
jq -e '
  (.findings | length) == 5 and
  ([.findings[] | select(.rule.id == "CVE-2024-35195")][0] |
     .evidence.ids == ["CVE-2024-35195", "GHSA-9wx4-h78v-vm56", "PYSEC-2024-60"] and
     .evidence.advisories == ["GHSA-9wx4-h78v-vm56", "PYSEC-2024-60"] and
     .severity == "medium" and .evidence.severity_source == "ghsa") and
  ([.findings[] | select(.rule.id == "CVE-2024-2398")][0] |
     .evidence.severity_source == "debian" and .evidence.cvss.score == 8.6 and
     .location.path == "/var/lib/dpkg/status" and (.location.layer | startswith("sha256:"))) and
  (.findings | all(.kind == "vulnerability" and (.id | test("^[0-9a-f]{32}$"))))' \
	"$T/scan.json" >/dev/null || fail "scan JSON content: $(jq -c '[.findings[] | {r: .rule.id, s: .severity, e: .evidence.ids}]' "$T/scan.json")"
expect_exit 0 env SOURCE_DATE_EPOCH=1700000000 "$BULKHEAD" scan --db "$DB" -f json -o "$T/scan2.json" "$IMG"
checks=$((checks + 1))
cmp -s "$T/scan.json" "$T/scan2.json" || fail "scan JSON differs between two runs"

expect_exit 0 "$BULKHEAD" scan --db "$DB" -f sarif -o "$T/scan.sarif" "$IMG"
validate "$SCHEMAS/sarif-schema-2.1.0.json" "$T/scan.sarif"
checks=$((checks + 1))
jq -e '.version == "2.1.0" and (.runs[0].results | length) == 5 and
  ([.runs[0].tool.driver.rules[] | select(.id == "CVE-2021-44228")][0].properties["security-severity"] == "10.0") and
  ([.runs[0].results[] | select(.ruleId == "CVE-2021-44228")][0].level == "error")' \
	"$T/scan.sarif" >/dev/null || fail "SARIF content"

expect_exit 0 "$BULKHEAD" scan --db "$DB" -f cyclonedx -o "$T/scan.cdx" "$IMG"
validate "$SCHEMAS/cyclonedx-1.6/bom-1.6.schema.json" "$T/scan.cdx"
checks=$((checks + 1))
jq -e '(.vulnerabilities | length) == 5 and
  ([.components[]."bom-ref"] as $refs | .vulnerabilities | all(.affects[0].ref as $r | $refs | index($r) != null))' \
	"$T/scan.cdx" >/dev/null || fail "CycloneDX vulnerabilities do not point at components"

# --- VEX -----------------------------------------------------------------------------------
cat >"$T/openvex.json" <<'EOF'
{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.org/vex/1",
 "author": "test", "timestamp": "2024-06-01T00:00:00Z", "version": 1,
 "statements": [
  {"vulnerability": {"name": "CVE-2021-44228"},
   "products": [{"@id": "pkg:oci/sample", "subcomponents": [{"@id": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}]}],
   "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
   "impact_statement": "JNDI lookups are disabled"},
  {"vulnerability": {"name": "CVE-2024-2398"}, "products": [{"@id": "pkg:deb/debian/curl"}],
   "status": "under_investigation"}]}
EOF
expect_exit 0 "$BULKHEAD" scan --db "$DB" --vex "$T/openvex.json" --fail-on critical "$IMG"
expect_out '^4 vulnerabilities \(critical 0, .*; 1 suppressed by VEX$'
expect_exit 0 "$BULKHEAD" scan --db "$DB" --vex "$T/openvex.json" -f json -o "$T/vex.json" "$IMG"
validate "$BH_SOURCE_ROOT/docs/schema/scan.schema.json" "$T/vex.json"
checks=$((checks + 1))
jq -e '[.findings[] | select(.rule.id == "CVE-2021-44228")][0].evidence.vex |
  .status == "not_affected" and .justification == "vulnerable_code_not_in_execute_path"' \
	"$T/vex.json" >/dev/null || fail "VEX justification not kept in JSON"
cat >"$T/cdxvex.json" <<'EOF'
{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
 "vulnerabilities": [{"id": "CVE-2024-29041", "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
   "affects": [{"ref": "pkg:npm/express@4.18.2"}]}]}
EOF
expect_exit 0 "$BULKHEAD" scan --db "$DB" --vex "$T/cdxvex.json" -f cyclonedx -o "$T/vex.cdx" "$IMG"
validate "$SCHEMAS/cyclonedx-1.6/bom-1.6.schema.json" "$T/vex.cdx"
checks=$((checks + 1))
jq -e '[.vulnerabilities[] | select(.id == "CVE-2024-29041")][0].analysis.state == "not_affected"' \
	"$T/vex.cdx" >/dev/null || fail "CycloneDX VEX analysis missing"

# --- bad input: one line, exit 2, nothing written ----------------------------------------
printf '{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"status": "maybe"}]}' >"$T/badvex.json"
expect_exit 2 "$BULKHEAD" scan --db "$DB" --vex "$T/badvex.json" -o "$T/none.json" "$IMG"
expect_err_line 'badvex\.json: statement 0: '
expect_exit 2 "$BULKHEAD" scan --db "$DB" --vex "$T/missing.json" "$IMG"
expect_err_line 'missing\.json'
expect_exit 2 "$BULKHEAD" scan --db "$T/nodb.db" "$IMG"
expect_err_line 'nodb\.db: no vulnerability database here; build one with `bulkhead db import'
expect_exit 2 "$BULKHEAD" scan --db "$DB" "oci:$T/does-not-exist"
expect_err_line 'does-not-exist'
expect_exit 2 "$BULKHEAD" scan --db "$DB" --format xml "$IMG"
expect_exit 2 "$BULKHEAD" scan --db "$DB" --scanners vuln,malware "$IMG"
expect_err_line "unknown scanner 'malware'"
expect_exit 2 "$BULKHEAD" scan --db "$DB" --fail-on severe "$IMG"
checks=$((checks + 1))
[ ! -e "$T/none.json" ] || fail "a failed scan wrote its output file"

# newer schema: clear error, for scan and for import (database unchanged)
cp "$DB" "$T/newer.db"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("update meta set value = ? where key = ?", ("99", "schema_version")); c.commit()' "$T/newer.db"
before=$(sha256sum "$T/newer.db")
expect_exit 2 "$BULKHEAD" scan --db "$T/newer.db" "$IMG"
expect_err_line 'schema version 99 is newer than this bulkhead understands'
expect_exit 2 "$BULKHEAD" db import --db "$T/newer.db" "$T/adv"
checks=$((checks + 1))
[ "$before" = "$(sha256sum "$T/newer.db")" ] || fail "import changed a newer-schema database"

# corrupt zip: exit 2, one line, database unchanged, no temporary file left
before=$(sha256sum "$DB")
printf 'PK\003\004garbage garbage garbage' >"$T/all.zip"
expect_exit 2 "$BULKHEAD" db import --db "$DB" "$T/all.zip"
expect_err_line 'all\.zip: '
head -c 3000 /dev/urandom >"$T/random.zip"
expect_exit 2 "$BULKHEAD" db import --db "$DB" "$T/random.zip"
checks=$((checks + 1))
[ "$before" = "$(sha256sum "$DB")" ] || fail "a failed import changed the database"
checks=$((checks + 1))
ls "$T" | grep -q '\.tmp-' && fail "a failed import left a temporary file"
# a real zip of records imports
python3 -c 'import sys, zipfile, glob, os
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(glob.glob(sys.argv[2] + "/lang/*.json")):
        z.write(f, os.path.basename(f))' "$T/good.zip" "$T/adv"
expect_exit 0 "$BULKHEAD" db import --db "$T/zip.db" --replace "$T/good.zip"
expect_out 'advisories read from 9 documents: 7 stored, 0 unchanged, 1 withdrawn, 1 skipped'

finish
