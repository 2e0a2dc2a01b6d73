#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-db-kev.sh — exploitation data end to end: `db import` of the bundled OSV advisories with a
# CISA KEV catalog and EPSS scores (tests/fixtures/kev/), recognised by content; `db status`
# shows them; `scan` of the sample image (with a log4j-core 2.14.1 jar) puts evidence.kev /
# evidence.epss / known_exploited on the findings (JSON against scan.schema.json, SARIF
# properties, a KEV column in the table); `risk` assesses the vuln-exploited factor from the
# recorded scan. The database change is an audit record "config.vulndb.update" in the store
# (--store or BULKHEAD_STORE; `audit log --kind`, `audit verify`), none without a store.
# Bad input: a malformed catalog or EPSS file fails the whole import with one line naming the
# file and entry (exit 2), leaving the database and the audit log unchanged. `db update
# --kev URL --epss URL` against a loopback HTTPS server: imported, recorded with its URLs; a
# wrong or missing file or a plain-http URL leaves the database unchanged.
. "$(dirname "$0")/../lib/e2e.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
export BULKHEAD_HOME="$T/home"
mkdir -p "$BULKHEAD_HOME"
unset BULKHEAD_STORE
FX=$BH_SOURCE_ROOT/tests/fixtures
KEV=$FX/kev/kev-catalog.json
EPSS=$FX/kev/epss-scores.csv.gz
S=$T/store.db
DB=$T/vuln.db

# validate SCHEMA DOC: pass or fail; skipped quietly without node/ajv.
validate() {
	command -v node >/dev/null 2>&1 || return 0
	checks=$((checks + 1))
	node "$BH_SOURCE_ROOT/tests/lib/validate-schema.js" "$@" >"$T/val" 2>&1
	case $? in
	0 | 77) ;;
	*) fail "schema $(basename "$1"):"; sed 's/^/    /' "$T/val" | head -20 >&2 ;;
	esac
}

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# records: how many config.vulndb.update records the store holds.
records() {
	"$BULKHEAD" audit log --store "$S" --kind config.vulndb.update --format json |
		jq '[.records[]] | length'
}

# --- the image: the sample layers plus a war holding log4j-core 2.14.1 ---------------------
SAMPLE=$FX/images/sample
mkdir -p "$T/extra/opt/app"
python3 "$BH_SOURCE_ROOT/tests/lib/mkjar.py" "$T/log4j-core.jar" \
	org.apache.logging.log4j:log4j-core:2.14.1 >/dev/null || fail "mkjar.py failed"
python3 "$BH_SOURCE_ROOT/tests/lib/mkjar.py" "$T/extra/opt/app/shop.war" com.example:shop:1.4.0 \
	--nest "$T/log4j-core.jar" >/dev/null || fail "mkjar.py failed"
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" docker-archive "$T/img.tar" \
	--repo-tag registry.example.com/shop/web:1.0 --layer "$SAMPLE/layer1" \
	--layer "$SAMPLE/layer2" --layer "$T/extra" --layer "$SAMPLE/layer3" >/dev/null ||
	fail "mkimage.py failed"
IMG=docker-archive:$T/img.tar

# --- import: OSV + KEV + EPSS (gzip) in one atomic import, recorded in the store -----------
expect_exit 0 "$BULKHEAD" db import --db "$DB" --store "$S" "$FX/advisories/demo" "$KEV" "$EPSS"
expect_out '11 advisories read from .*: 11 stored'
expect_out '3 KEV entries stored, 5 EPSS rows stored'
checks=$((checks + 1))
[ "$(records)" = 1 ] || fail "want 1 config.vulndb.update record, have $(records)"
expect_exit 0 "$BULKHEAD" audit log --store "$S" --kind config.vulndb.update --format json
cp "$T/out" "$T/log.json"
validate "$BH_SOURCE_ROOT/docs/schema/audit-log.schema.json" "$T/log.json"
checks=$((checks + 1))
jq -e --arg db "$(cd "$T" && pwd -P)/vuln.db" --arg sha "sha256:$(sha "$DB")" \
	--arg kev "$KEV" --arg epss "$EPSS" '
  .records[0] | .kind == "config.vulndb.update" and .actor == "bulkhead db import" and
  .target == $db and
  (.payload | .db == $db and .sha256 == $sha and .previous_sha256 == null and
     .advisories.imported == 11 and .advisories.unchanged == 0 and .kev_entries == 3 and
     .epss_rows == 5 and .sources == [($kev | sub("/kev/kev-catalog.json$"; "/advisories/demo")),
     $kev, $epss] and .actor == "bulkhead db import")' "$T/log.json" >/dev/null ||
	fail "audit record: $(jq -c '.records[0]' "$T/log.json")"
expect_exit 0 "$BULKHEAD" audit verify --store "$S"

# --- status ------------------------------------------------------------------------------
expect_exit 0 "$BULKHEAD" db status --db "$DB"
expect_out '^database: .*\(schema 3\)'
expect_out '^kev: +CISA KEV catalog 2024\.06\.01 released 2024-06-01T14:00:00\.0000Z, 3 entries$'
expect_out '^epss: +scores of 2024-06-01, 5 CVEs$'
expect_out 'kev-catalog\.json +kev +3 +3 '
expect_exit 0 "$BULKHEAD" db status --db "$DB" --format json
cp "$T/out" "$T/status.json"
validate "$BH_SOURCE_ROOT/docs/schema/db-status.schema.json" "$T/status.json"
checks=$((checks + 1))
jq -e '.kev.version == "2024.06.01" and .kev.count == 3 and .epss.date == "2024-06-01" and
  .epss.model == "v2023.03.01" and .epss.count == 5 and
  ([.sources[].kind] == ["directory", "kev", "epss"])' "$T/status.json" >/dev/null ||
	fail "status: $(jq -c '{kev, epss, sources: [.sources[].kind]}' "$T/status.json")"

# --- scan: evidence, schema, SARIF, table; recorded for risk -------------------------------
expect_exit 0 "$BULKHEAD" scan --db "$DB" --scanners vuln --store "$S" -f json "$IMG"
cp "$T/out" "$T/scan.json"
validate "$BH_SOURCE_ROOT/docs/schema/scan.schema.json" "$T/scan.json"
checks=$((checks + 1))
jq -e '
  ([.findings[] | select(.evidence.kev)] | map(.rule.id) | sort) ==
     ["CVE-2021-44228", "CVE-2021-45046"] and
  (.findings[] | select(.rule.id == "CVE-2021-44228") | .evidence |
     .known_exploited == true and .kev.cve == "CVE-2021-44228" and
     .kev.date_added == "2021-12-10" and .kev.due_date == "2021-12-24" and
     .kev.known_ransomware == true and (.kev.required_action | test("Apply updates")) and
     .epss.score == 0.97565 and .epss.percentile == 0.99999 and .epss.date == "2024-06-01") and
  (.findings[] | select(.rule.id == "CVE-2021-45046") | .evidence.kev.known_ransomware == false) and
  (.findings[] | select(.rule.id == "CVE-2021-45105") | .evidence |
     .known_exploited == false and (has("kev") | not) and .epss.score == 0.65934) and
  (.findings[] | select(.rule.id == "CVE-2021-44832") | .evidence | has("epss") | not) and
  ([.findings[] | .evidence | has("known_exploited")] | all)' "$T/scan.json" >/dev/null ||
	fail "scan evidence: $(jq -c '[.findings[] | {id: .rule.id, k: .evidence.known_exploited, kev: .evidence.kev.cve, epss: .evidence.epss.score}]' "$T/scan.json")"
WEB_KEV_ID=$(jq -r '.findings[] | select(.rule.id == "CVE-2021-44228") | .id' "$T/scan.json")

expect_exit 0 "$BULKHEAD" scan --db "$DB" --scanners vuln -f sarif "$IMG"
checks=$((checks + 1))
jq -e '.runs[0] | ([.results[] | select(.properties.kev)] | map(.ruleId) | sort) ==
     ["CVE-2021-44228", "CVE-2021-45046"] and
  ([.tool.driver.rules[] | select(.properties.tags | index("known-exploited")) | .id] | sort) ==
     ["CVE-2021-44228", "CVE-2021-45046"] and
  (.results[] | select(.ruleId == "CVE-2024-35195") | .properties.known_exploited == false)' \
	"$T/out" >/dev/null || fail "SARIF properties: $(head -c 400 "$T/out")"

expect_exit 0 "$BULKHEAD" scan --db "$DB" --scanners vuln "$IMG"
expect_out '^PACKAGE +INSTALLED +FIXED +SEVERITY +KEV +VULNERABILITY +TITLE$'
expect_out '^org\.apache\.logging\.log4j:log4j-core +2\.14\.1 +2\.15\.0 +critical +KEV +CVE-2021-44228 '
expect_out '^ +2\.17\.0 +high +CVE-2021-45105 '
expect_out '; 2 known to be exploited \(CISA KEV\)$'

# --- risk: the exploited factor is assessed from the recorded scan -------------------------
cat >"$T/m.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.example.com/shop/web:1.0
EOF
expect_exit 0 "$BULKHEAD" risk --store "$S" -f json "$T/m.yaml"
checks=$((checks + 1))
jq -e --arg id "$WEB_KEV_ID" '.workloads[0].factors[] | select(.id == "vuln-exploited") |
  .assessed and .value == 1 and .contribution > 0 and
  (.detail | startswith("2 vulnerabilities known to be exploited")) and
  ([.evidence[] | select(.type == "finding") | .ref] | index($id)) != null' "$T/out" >/dev/null ||
	fail "risk vuln-exploited: $(jq -c '.workloads[0].factors[] | select(.id == "vuln-exploited")' "$T/out")"

# --- without KEV data the findings say nothing about exploitation --------------------------
expect_exit 0 "$BULKHEAD" db import --db "$T/plain.db" "$FX/advisories/demo"
expect_exit 0 "$BULKHEAD" scan --db "$T/plain.db" --scanners vuln -f json "$IMG"
checks=$((checks + 1))
jq -e '[.findings[] | .evidence | has("known_exploited") or has("kev") or has("epss")] | any | not' \
	"$T/out" >/dev/null || fail "evidence without KEV data: $(head -c 300 "$T/out")"
expect_exit 0 "$BULKHEAD" scan --db "$T/plain.db" --scanners vuln "$IMG"
expect_out '^PACKAGE +INSTALLED +FIXED +SEVERITY +VULNERABILITY +TITLE$'
checks=$((checks + 1))
grep -q 'known to be exploited' "$T/out" && fail "KEV summary without KEV data: $(cat "$T/out")"

# --- bad input: rejected whole, one line naming file and entry; nothing changes ------------
before=$(sha "$DB")
python3 - "$KEV" "$T/bad-kev.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["vulnerabilities"][2]["dueDate"] = "next week"
json.dump(c, open(sys.argv[2], "w"))
EOF
expect_exit 2 "$BULKHEAD" db import --db "$DB" --store "$S" "$T/bad-kev.json"
expect_err_line 'bad-kev\.json: vulnerabilities\[2\] \(CVE-2017-5638\): dueDate is not a date'
printf 'cve,epss,percentile\nCVE-2021-44228,0.9,0.99\nCVE-2021-45046,high,0.9\n' >"$T/bad.csv"
expect_exit 2 "$BULKHEAD" db import --db "$DB" --store "$S" "$FX/advisories/demo" "$T/bad.csv"
expect_err_line 'bad\.csv:3: CVE-2021-45046: score and percentile must be numbers from 0 to 1'
checks=$((checks + 1))
[ "$(sha "$DB")" = "$before" ] || fail "a failed import changed the database"
checks=$((checks + 1))
[ "$(records)" = 1 ] || fail "a failed import was recorded: $(records) records"

# --- BULKHEAD_STORE records too; the previous digest chains the changes --------------------
BULKHEAD_STORE=$S expect_exit 0 "$BULKHEAD" db import --db "$DB" "$KEV"
expect_out '0 KEV entries stored .*kept out'
checks=$((checks + 1))
[ "$(records)" = 2 ] || fail "BULKHEAD_STORE: want 2 records, have $(records)"
"$BULKHEAD" audit log --store "$S" --kind config.vulndb.update --format json >"$T/log2.json"
checks=$((checks + 1))
jq -e --arg prev "sha256:$before" --arg now "sha256:$(sha "$DB")" '.records[1].payload |
  .previous_sha256 == $prev and .sha256 == $now and .kev_entries == 0' "$T/log2.json" \
	>/dev/null || fail "second record: $(jq -c '.records[1].payload' "$T/log2.json")"
expect_exit 0 "$BULKHEAD" audit verify --store "$S"
# No store, nothing recorded.
expect_exit 0 "$BULKHEAD" db import --db "$DB" "$KEV"
checks=$((checks + 1))
[ "$(records)" = 2 ] || fail "recorded without a store: $(records) records"


# --- db update --kev/--epss from a local HTTPS server (loopback, self-signed) ---------------
if command -v openssl >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1 &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1; then
	unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY all_proxy ALL_PROXY
	export NO_PROXY='*' no_proxy='*'
	mkdir -p "$T/www/m/npm"
	cp "$KEV" "$T/www/kev.json"
	cp "$EPSS" "$T/www/epss.csv.gz"
	python3 - "$FX/advisories/demo" "$T/www/m/npm/all.zip" <<'PY' || fail "cannot build the mirror"
import glob, json, os, sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w") as z:
    for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
        if any(a["package"]["ecosystem"] == "npm" for a in json.load(open(f))["affected"]):
            z.write(f, os.path.basename(f))
PY
	cat >"$T/server.py" <<'PY'
import functools, http.server, os, ssl, sys
root, cert, key, portfile = sys.argv[1:]
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(H, directory=root))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
PY
	timeout 60 python3 "$T/server.py" "$T/www" "$T/cert.pem" "$T/key.pem" "$T/port" \
		>/dev/null 2>&1 &
	server=$!
	trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$T"' EXIT
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	U=https://127.0.0.1:$(cat "$T/port")
	expect_exit 0 "$BULKHEAD" db update --cacert "$T/cert.pem" --mirror "$U/m" --ecosystem npm \
		--kev "$U/kev.json" --epss "$U/epss.csv.gz" --db "$T/up.db" --store "$S"
	expect_out '3 KEV entries stored, 5 EPSS rows stored'
	checks=$((checks + 1))
	"$BULKHEAD" audit log --store "$S" --kind config.vulndb.update --format json |
		jq -e --arg u "$U" '.records[-1] | .actor == "bulkhead db update" and
		  .payload.sources == [$u + "/m/npm/all.zip", $u + "/kev.json", $u + "/epss.csv.gz"]' \
		>/dev/null || fail "db update was not recorded with its URLs"
	# A --kev URL that serves something else, or nothing: the database is unchanged.
	before=$(sha "$T/up.db")
	expect_exit 2 "$BULKHEAD" db update --cacert "$T/cert.pem" --mirror "$U/m" --ecosystem npm \
		--kev "$U/m/npm/all.zip" --db "$T/up.db"
	expect_err_line "$U/m/npm/all.zip: not a KEV catalog"
	expect_exit 3 "$BULKHEAD" db update --cacert "$T/cert.pem" --mirror "$U/m" --ecosystem npm \
		--epss "$U/missing.csv" --db "$T/up.db"
	expect_err_line "$U/missing.csv: HTTP status 404"
	expect_exit 2 "$BULKHEAD" db update --mirror "$U/m" --kev "http://127.0.0.1/kev.json" \
		--db "$T/up.db"
	expect_err_line "--kev 'http://127.0.0.1/kev.json': only https:// URLs are supported"
	checks=$((checks + 1))
	[ "$(sha "$T/up.db")" = "$before" ] || fail "a failed update changed the database"
fi

finish
