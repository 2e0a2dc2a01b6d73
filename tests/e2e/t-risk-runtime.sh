#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-risk-runtime.sh — `bulkhead risk` with runtime evidence of use: an image with two
# vulnerable Debian packages (zlib1g, bash) whose dpkg file lists are in the image is scanned
# into a store; the recorded findings carry their package's files while the user's JSON does
# not; a behaviour baseline imported with `bulkhead baseline import` names the image by
# digest and says /usr/bin/bash ran (bash lists /bin/bash: merged /usr). `risk` then shows
# bash in use and zlib1g never loaded (its vulnerability weighed x0.25), the same image in
# another namespace without a baseline "not assessed", and before any baseline the factor is
# not assessed for every workload; the JSON against docs/schema/risk.schema.json.
. "$(dirname "$0")/../lib/e2e.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
export BULKHEAD_HOME="$T/home"
mkdir -p "$BULKHEAD_HOME"
unset BULKHEAD_STORE

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

# --- an image with two vulnerable packages and their dpkg file lists --------------------------
L=$T/l
mkdir -p "$L/etc" "$L/var/lib/dpkg/info" "$L/bin" "$L/lib/x86_64-linux-gnu" \
	"$L/usr/share/doc/bash" "$L/usr/share/doc/zlib1g" "$T/adv/debian"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' \
	>"$L/etc/os-release"
printf 'Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n\nPackage: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n' \
	>"$L/var/lib/dpkg/status"
printf '/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libz.so.1.2.13\n/usr/share/doc/zlib1g/copyright\n/lib/x86_64-linux-gnu/libz.so.1\n' \
	>"$L/var/lib/dpkg/info/zlib1g:amd64.list"
printf '/.\n/bin\n/bin/bash\n/usr/share/doc/bash/copyright\n' >"$L/var/lib/dpkg/info/bash.list"
printf 'ELF' >"$L/bin/bash"
printf 'ELF' >"$L/lib/x86_64-linux-gnu/libz.so.1.2.13"
printf 'c\n' >"$L/usr/share/doc/bash/copyright"
printf 'c\n' >"$L/usr/share/doc/zlib1g/copyright"
cat >"$T/adv/debian/a.json" <<'EOF'
{"id": "DEBIAN-CVE-2023-45853", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2023-45853"],
 "summary": "zlib: integer overflow in MiniZip",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:1.3.dfsg-1"}]}]}]}
EOF
cat >"$T/adv/debian/b.json" <<'EOF'
{"id": "DEBIAN-CVE-2022-3715", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2022-3715"],
 "summary": "bash: heap buffer overflow",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}],
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "bash"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
EOF
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" docker-archive "$T/img.tar" --layer "$L" \
	--repo-tag registry.example.com/shop/api:1.0 >/dev/null || fail "mkimage.py failed"
S=$T/store.db
expect_exit 0 "$BULKHEAD" db import --db "$T/vuln.db" "$T/adv"
expect_exit 0 "$BULKHEAD" scan --db "$T/vuln.db" --scanners vuln --store "$S" -f json \
	"docker-archive:$T/img.tar"
cp "$T/out" "$T/scan.json"
DIGEST=$(jq -r '.target.digest' "$T/scan.json")
checks=$((checks + 1))
case $DIGEST in sha256:*) ;; *) fail "the scan names no image digest: $DIGEST" ;; esac
# The user's JSON is not bloated: no package files in it.
checks=$((checks + 1))
jq -e '(.findings | length) == 2 and
  ([.findings[].evidence | has("package_files")] | any | not)' "$T/scan.json" >/dev/null ||
	fail "scan JSON: $(jq -c '[.findings[] | {rule: .rule.id, ev: (.evidence | keys)}]' "$T/scan.json")"
# The recorded findings carry them (programs and libraries before /usr/share/).
if command -v sqlite3 >/dev/null 2>&1; then
	expect_exit 0 sqlite3 "$S" \
		"SELECT finding FROM bh_findings WHERE rule_id = 'CVE-2023-45853'"
	checks=$((checks + 1))
	jq -e '.evidence.package_files == ["/lib/x86_64-linux-gnu/libz.so.1",
	    "/lib/x86_64-linux-gnu/libz.so.1.2.13", "/usr/share/doc/zlib1g/copyright"] and
	  (.evidence | has("package_files_omitted") | not)' "$T/out" >/dev/null ||
		fail "recorded zlib finding: $(jq -c .evidence "$T/out")"
	expect_exit 0 sqlite3 "$S" "SELECT summary FROM bh_runs WHERE kind = 'scan.vuln'"
	checks=$((checks + 1))
	jq -e '.package_files == {"packages": 2, "files": 5, "packages_cut": 0, "omitted": 0}' \
		"$T/out" >/dev/null || fail "recorded summary: $(cat "$T/out")"
fi

cat >"$T/m.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: registry.example.com/shop/api:1.0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop-dev
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: registry.example.com/shop/api:1.0
EOF

# --- no baseline in the store: not assessed ------------------------------------------------------
expect_exit 0 "$BULKHEAD" risk --store "$S" -f json -o "$T/before.json" "$T/m.yaml"
checks=$((checks + 1))
jq -e '.summary.baselines_matched == 0 and
  ([.notes[] | select(startswith("the store has no behaviour baselines"))] | length) == 1 and
  ([.workloads[].factors[] | select(.id == "vuln-in-use") |
     select((.assessed | not) and .unknown == 4 and .contribution == 0 and
            (.detail | startswith("not assessed: no behaviour baseline")))] | length) == 2' \
	"$T/before.json" >/dev/null ||
	fail "without baselines: $(jq -c '[.workloads[].factors[] | select(.id == "vuln-in-use")]' "$T/before.json")"

# --- a baseline of shop/api by image digest: bash ran (as /usr/bin/bash) ------------------------
cat >"$T/baseline.json" <<EOF
{
  "schema": "bulkhead.baseline/v1",
  "workload": "k8s:shop/api@$DIGEST",
  "version": 3,
  "mode": "monitor",
  "created": "2024-05-01T10:00:00Z",
  "updated": "2024-05-01T11:00:00Z",
  "learning": { "started": "2024-05-01T10:00:00Z", "last_new_fact": "2024-05-01T10:20:00Z",
                "events": 42 },
  "facts": {
    "exec": [ { "path": "/usr/bin/bash" } ],
    "file_read": [ { "path": "/etc/hosts" } ]
  },
  "overflow": { "exec": 0, "exec_pair": 0, "file_write": 0, "file_read": 0,
                "sensitive_read": 0, "listen": 0, "peer": 0, "syscall": 0, "capability": 0 }
}
EOF
expect_exit 0 "$BULKHEAD" baseline import "$T/baseline.json" --store "$S"
expect_out "^k8s:shop/api@$DIGEST: version 1 "

expect_exit 0 "$BULKHEAD" risk --store "$S" -f json -o "$T/risk.json" "$T/m.yaml"
validate "$BH_SOURCE_ROOT/docs/schema/risk.schema.json" "$T/risk.json"
checks=$((checks + 1))
jq -e --arg ref "k8s:shop/api@$DIGEST#1" '
  .summary.baselines_matched == 1 and ([.model.weights[]] | add) == 100 and
  (.model.weights["vuln-in-use"] == 4) and
  (.workloads[] | select(.namespace == "shop") | .factors[] | select(.id == "vuln-in-use") |
     .assessed and .category == "runtime" and .unknown == 0 and
     (.value * 1000 | round) == 286 and
     (.detail | startswith("1 of 2 vulnerable packages in use (1 vulnerability), 1 never loaded")) and
     ([.evidence[] | select(.type == "baseline" and .ref == $ref and
        (.detail | startswith("in use: bash@5.2.15-2+b2: /bin/bash (exec)")))] | length) == 1 and
     ([.evidence[] | select(.type == "baseline" and .ref == $ref and
        (.detail | startswith("not loaded: zlib1g@")))] | length) == 1) and
  (.workloads[] | select(.namespace == "shop-dev") | .factors[] | select(.id == "vuln-in-use") |
     (.assessed | not) and .unknown == 4 and (.detail | startswith("not assessed")))' \
	"$T/risk.json" >/dev/null ||
	fail "risk vuln-in-use: $(jq -c '[.workloads[] | {namespace, f: [.factors[] | select(.id == "vuln-in-use" or .id == "vuln-severity") | {id, value, unknown, detail, evidence}]}]' "$T/risk.json")"
# zlib's critical vulnerability, never loaded, weighs x0.25: high 4 + critical 10 x 0.25.
checks=$((checks + 1))
jq -e '
  (.workloads[] | select(.namespace == "shop") | .factors[] | select(.id == "vuln-severity") |
     (.value * 1000 | round) == 394 and (.detail | endswith("never loaded count x0.25")) and
     ([.evidence[] | select(.type == "finding" and (.detail | endswith("not loaded")))] |
        length) == 1) and
  (.workloads[] | select(.namespace == "shop-dev") | .factors[] | select(.id == "vuln-severity") |
     (.value * 1000 | round) == 583)' "$T/risk.json" >/dev/null ||
	fail "risk vuln-severity: $(jq -c '[.workloads[] | {namespace, f: [.factors[] | select(.id == "vuln-severity") | {value, detail}]}]' "$T/risk.json")"

# The table names the factor.
expect_exit 0 "$BULKHEAD" risk --store "$S" "$T/m.yaml"
expect_out 'Deployment/shop/api .*vuln-in-use \+1\.1'

finish
