#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-risk.sh — `bulkhead risk` end to end: a built image scanned into a store (`scan --store`,
# vulnerabilities and image configuration), manifests that run it exposed in production and
# isolated in development plus a workload whose image was never scanned; the ranking, the
# factors and their evidence (store finding and run ids, manifest file:line), the JSON
# against docs/schema/risk.schema.json, and bad input (missing or junk store, bad manifest,
# bad options, the default store absent).
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

# --- an image with two vulnerable Debian packages, scanned into the store ---------------
mkdir -p "$T/l/etc" "$T/l/var/lib/dpkg" "$T/adv/debian"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' \
	>"$T/l/etc/os-release"
printf 'Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n\nPackage: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n' \
	>"$T/l/var/lib/dpkg/status"
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
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" docker-archive "$T/img.tar" --layer "$T/l" \
	--repo-tag registry.example.com/shop/api:1.0 >/dev/null || fail "mkimage.py failed"
S=$T/store.db
expect_exit 0 "$BULKHEAD" db import --db "$T/vuln.db" "$T/adv"
expect_exit 0 "$BULKHEAD" scan --db "$T/vuln.db" --scanners vuln,config --store "$S" \
	-f json "docker-archive:$T/img.tar"
cp "$T/out" "$T/scan.json"
CRIT_ID=$(jq -r '.findings[] | select(.rule.id == "CVE-2023-45853") | .id' "$T/scan.json")

# --- manifests: the image exposed in production, isolated in development, and busybox ----
cat >"$T/m.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    environment: production
---
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
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  type: LoadBalancer
  selector: {app: api}
  ports:
  - port: 443
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
        securityContext: {runAsNonRoot: true, capabilities: {drop: [ALL]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-all
  namespace: shop-dev
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: batch
spec:
  schedule: "0 1 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: r
            image: busybox:1.36
EOF

# --- table ----------------------------------------------------------------------------------
expect_exit 0 "$BULKHEAD" risk --store "$S" "$T/m.yaml"
expect_out '^RANK +SCORE +UNKNOWN +ENV +WORKLOAD +FACTORS$'
expect_out '^1 +[0-9.]+ +[0-9.]+ +prod +Deployment/shop/api +external-exposure \+14\.0, vuln-severity'
expect_out '^3 workloads ranked .* 1 of 2 images scanned; store: '
expect_out 'image not scanned'
checks=$((checks + 1))
grep -Eq '^[23] .*non-prod +Deployment/shop-dev/api' "$T/out" || fail "dev api not ranked below: $(cat "$T/out")"

# --- JSON --------------------------------------------------------------------------------
expect_exit 0 "$BULKHEAD" risk --store "$S" -f json -o "$T/risk.json" "$T/m.yaml"
validate "$BH_SOURCE_ROOT/docs/schema/risk.schema.json" "$T/risk.json"
checks=$((checks + 1))
jq -e --arg crit "$CRIT_ID" --arg m "$T/m.yaml" '
  .schema == "bulkhead.risk/v1" and
  ([.model.weights[]] | add) == 100 and
  (.workloads | length) == 3 and
  (.workloads[0] | .workload == "Deployment/api" and .namespace == "shop" and
     .environment == "production" and
     .images == ["registry.example.com/shop/api:1.0"] and
     ((([.factors[].contribution] | add) - .score) | fabs) < 0.05 and
     (.factors[] | select(.id == "vuln-severity") |
        .assessed and (.value * 1000 | round) == 583 and
        ([.evidence[] | select(.type == "finding") | .ref] | index($crit)) != null and
        ([.evidence[] | select(.type == "run")] | length) == 1) and
     (.factors[] | select(.id == "external-exposure") |
        .value == 1 and .evidence[0].ref == ($m + ":24")) and
     (.factors[] | select(.id == "runs-as-root") | .value == 1 and
        ([.evidence[] | select(.type == "finding" and .detail == "BH-IMG-001")] | length) == 1) and
     (.factors[] | select(.id == "vuln-exploited") | (.assessed | not) and .unknown == 8 and
        (.detail | startswith("not in the data"))) and
     (.factors[] | select(.id == "runtime-alerts") | (.assessed | not) and
        (.detail | startswith("no runtime data")))) and
  (.workloads[1] | .namespace == "shop-dev" and .environment == "non-production" and
     (.factors[] | select(.id == "network-reachability") | .value == 0) and
     (.factors[] | select(.id == "runs-as-root") | .value == 0)) and
  (.workloads[2] | .workload == "CronJob/report" and
     (.factors[] | select(.id == "image-not-scanned") | .value == 1 and .unknown == 27))' \
	"$T/risk.json" >/dev/null ||
	fail "risk JSON: $(jq -c '[.workloads[] | {workload, namespace, score, f: [.factors[] | select(.contribution > 0 or .unknown > 0) | {id, value, unknown}]}]' "$T/risk.json")"

# --top, --fail-above, --prod / --dev, --env-label
expect_exit 0 "$BULKHEAD" risk --store "$S" -f json --top 1 "$T/m.yaml"
checks=$((checks + 1))
jq -e '(.workloads | length) == 1 and .summary.workloads == 3 and .summary.shown == 1' "$T/out" \
	>/dev/null || fail "--top 1: $(jq -c .summary "$T/out")"
expect_exit 1 "$BULKHEAD" risk --store "$S" --fail-above 40 "$T/m.yaml"
expect_exit 0 "$BULKHEAD" risk --store "$S" --fail-above 100 "$T/m.yaml"
expect_exit 0 "$BULKHEAD" risk --store "$S" -f json --dev 'shop' --prod 'batch' --env-label tier "$T/m.yaml"
checks=$((checks + 1))
jq -e '[.workloads[] | {(.namespace): .environment}] | add |
  .shop == "non-production" and .batch == "production" and .["shop-dev"] == "non-production"' \
	"$T/out" >/dev/null || fail "--prod/--dev: $(jq -c '[.workloads[] | [.namespace, .environment]]' "$T/out")"

# BULKHEAD_STORE is the default store.
BULKHEAD_STORE=$S expect_exit 0 "$BULKHEAD" risk -f json "$T/m.yaml"
checks=$((checks + 1))
jq -e '.summary.images_scanned == 1' "$T/out" >/dev/null || fail "BULKHEAD_STORE not read"

# --- no store ---------------------------------------------------------------------------------
# The default store absent: ranked anyway, one note on stderr, the factors say so.
expect_exit 0 "$BULKHEAD" risk -f json "$T/m.yaml"
expect_err_line "no store at '.*store\.db': vulnerability and runtime factors are not assessed"
checks=$((checks + 1))
jq -e '.summary.store == null and .summary.images_scanned == 0 and
  (.notes[0] | startswith("no store"))' "$T/out" >/dev/null || fail "no default store: $(jq -c .summary "$T/out")"
checks=$((checks + 1))
[ -e "$BULKHEAD_HOME/store.db" ] && fail "risk created the default store"
expect_exit 0 "$BULKHEAD" risk --no-store "$T/m.yaml"
expect_out 'store: none'

# --- bad input ------------------------------------------------------------------------------
expect_exit 2 "$BULKHEAD" risk --store "$T/missing.db" "$T/m.yaml"
expect_err_line 'missing\.db'
expect_no_out
BULKHEAD_STORE=$T/missing.db expect_exit 2 "$BULKHEAD" risk "$T/m.yaml"
expect_err_line 'missing\.db'
printf 'not a database, just text\n' >"$T/junk.db"
expect_exit 2 "$BULKHEAD" risk --store "$T/junk.db" "$T/m.yaml"
expect_err_line 'junk\.db'
expect_no_out
printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec: [unclosed\n' >"$T/bad.yaml"
expect_exit 2 "$BULKHEAD" risk --no-store "$T/bad.yaml"
expect_err_line 'bad\.yaml:[0-9]+'
expect_no_out
expect_exit 2 "$BULKHEAD" risk --no-store "$T/nonexistent.yaml"
expect_err_line 'nonexistent\.yaml'
expect_exit 2 "$BULKHEAD" risk --no-store
expect_err_line 'missing PATH'
expect_exit 2 "$BULKHEAD" risk --no-store --format xml "$T/m.yaml"
expect_err_line "unknown format 'xml'"
expect_exit 2 "$BULKHEAD" risk --no-store --fail-above 101 "$T/m.yaml"
expect_err_line 'fail-above'
expect_exit 2 "$BULKHEAD" risk --no-store --store "$S" "$T/m.yaml"
expect_err_line 'exclude each other'
expect_exit 0 "$BULKHEAD" risk --help
expect_out '^usage: bulkhead risk PATH'

finish
