#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-schema-k8s-db.sh — the JSON documents of `bulkhead k8s check|who-can|rbac|reach|exposure`
# and `bulkhead db status` validate against their schemas in docs/schema/ (draft 2020-12):
# generated from the fixtures in tests/fixtures/k8s/ and tests/e2e/schema-k8s/, the shared
# manifests under $SHARED/k8s/ when present, and a small database built with `db import`.
# Variants: findings present and absent, suppressed findings, notes, who-can for users,
# groups and service accounts, resources and non-resource URLs, reach with ipBlocks,
# exposure with and without a workload, a fresh, a stale and an unknown-age database.
# One mutated document per schema must fail validation.
# Skips (77) when node or ajv is missing.
. "$(dirname "$0")/../lib/e2e.sh"

command -v node >/dev/null 2>&1 || skip "node not installed"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
VALIDATE=$BH_SOURCE_ROOT/tests/lib/validate-schema.js
SCH=$BH_SOURCE_ROOT/docs/schema
FX=$BH_SOURCE_ROOT/tests/fixtures/k8s
MY=$BH_SOURCE_ROOT/tests/e2e/schema-k8s
SK=$SHARED/k8s

# validate NAME DOC...: every DOC validates against docs/schema/NAME.schema.json.
validate() {
	name=$1
	shift
	checks=$((checks + 1))
	node "$VALIDATE" "$SCH/$name.schema.json" "$@" >"$T/val" 2>&1
	case $? in
	0) ;;
	77) cat "$T/val"; skip "ajv not installed (scripts/deps.sh)" ;;
	*) fail "schema $name:"; grep -v ': valid$' "$T/val" | sed 's/^/    /' | head -20 >&2 ;;
	esac
}

# invalid NAME DOC WHAT: DOC (a mutated document) must fail validation.
invalid() {
	checks=$((checks + 1))
	node "$VALIDATE" "$SCH/$1.schema.json" "$2" >"$T/val" 2>&1
	case $? in
	1) ;;
	0) fail "schema $1 accepts a document with $3" ;;
	*) fail "schema $1: validator failed on the mutated document ($3)"; head -5 "$T/val" >&2 ;;
	esac
}

# gen EXIT OUT CMD...: run bulkhead CMD with -f json into $T/OUT; expect exit EXIT.
n_docs=0
gen() {
	want=$1
	out=$T/$2
	shift 2
	expect_exit "$want" "$BULKHEAD" "$@" -f json -o "$out"
	checks=$((checks + 1))
	if jq -e . "$out" >/dev/null 2>&1; then
		n_docs=$((n_docs + 1))
	else
		fail "$*: no JSON document written"
	fi
}

# has DOC JQ-EXPR WHAT: the document shows the variant the test means to cover.
has() {
	checks=$((checks + 1))
	jq -e "$2" "$1" >/dev/null 2>&1 || fail "$(basename "$1"): $3"
}

# mutate DOC JQ-FILTER OUT
mutate() {
	jq "$2" "$1" >"$3" || fail "jq $2 failed"
}

# ---- k8s check --------------------------------------------------------------------------
HF=$FX/hardening/fail
gen 1 check-fail.json k8s check "$HF"
has "$T/check-fail.json" '[.findings[].rule.id | select(startswith("BH-K8S-PSS-"))] | length > 0' \
	"no PSS finding"
has "$T/check-fail.json" '[.findings[].rule.id | select(startswith("BH-K8S-HARD-"))] | length > 0' \
	"no hardening finding"
gen 1 check-restricted.json k8s check --level restricted --version v1.25 "$HF"
has "$T/check-restricted.json" '.policy == {"level": "restricted", "version": "v1.25", "checks": "pss,hardening"}' \
	"policy not as asked"
gen 1 check-pss.json k8s check --only pss --level baseline "$HF"
gen 1 check-hard.json k8s check --only hardening "$HF"
has "$T/check-hard.json" '.policy.checks == "hardening" and .summary.findings > 0' "no hardening-only findings"
gen 1 check-variants.json k8s check "$MY/check-variants.yaml"
has "$T/check-variants.json" '.summary.suppressed == 3 and (.suppressed | length) == 3' "no suppressed findings"
has "$T/check-variants.json" '(.notes | length) == 3' "notes missing"
has "$T/check-variants.json" '[.findings[].evidence.podSpec] | unique | length == 3' \
	"not every pod spec path"
gen 0 check-clean.json k8s check "$FX/hardening/pass/001-cpu-limit.yaml"
has "$T/check-clean.json" '.findings == [] and .suppressed == [] and .summary.workloads == 1' \
	"clean input has findings"
gen 0 check-none.json k8s check "$FX/rbac/rules.yaml"
# a JSON List
cat >"$T/list.json" <<'EOF'
{"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"},
  "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "nginx",
   "ports": [{"containerPort": 80, "hostPort": 80}]}]}}]}
EOF
gen 1 check-list.json k8s check "$T/list.json"
check_docs="$T/check-fail.json $T/check-restricted.json $T/check-pss.json $T/check-hard.json"
check_docs="$check_docs $T/check-variants.json $T/check-clean.json $T/check-none.json"
check_docs="$check_docs $T/check-list.json"
if [ -d "$SK/psa" ]; then
	gen 1 check-psa.json k8s check "$SK/psa"
	check_docs="$check_docs $T/check-psa.json"
fi
if [ -d "$SK/manifests" ]; then
	gen 1 check-manifests.json k8s check --level restricted "$SK/manifests"
	check_docs="$check_docs $T/check-manifests.json"
fi
# shellcheck disable=SC2086
validate k8s-check $check_docs
mutate "$T/check-fail.json" '.findings[0].severity = "severe"' "$T/bad-check.json"
invalid k8s-check "$T/bad-check.json" "an unknown severity"
mutate "$T/check-variants.json" '.suppressed[0].location.line = "12"' "$T/bad-check2.json"
invalid k8s-check "$T/bad-check2.json" "a string line"

# ---- k8s who-can ------------------------------------------------------------------------
RB=$FX/rbac
set -- "$RB/bindings.yaml" "$RB/aggregation.yaml" "$RB/escalation.yaml" "$RB/rules.yaml"
gen 0 who-secrets.json k8s who-can get secrets "$@"
has "$T/who-secrets.json" '[.subjects[].kind] | index("Group") and index("ServiceAccount")' \
	"no group and service account"
has "$T/who-secrets.json" '(.notes | length) > 0 and .request.scope == "any-namespace"' \
	"no notes / scope"
gen 0 who-ns.json k8s who-can get secrets -n shop "$@"
gen 0 who-url.json k8s who-can get /metrics "$@"
has "$T/who-url.json" '.request.nonResourceURL == "/metrics"' "no nonResourceURL"
gen 0 who-exec.json k8s who-can create pods/exec "$@"
has "$T/who-exec.json" '.request.subresource == "exec"' "no subresource"
gen 0 who-nodes.json k8s who-can list nodes "$@"
has "$T/who-nodes.json" '.request.scope == "cluster"' "nodes not cluster-scoped"
gen 0 who-named.json k8s who-can get configmaps --name x -n ops "$@"
gen 0 who-all.json k8s who-can '*' '*' "$@"
has "$T/who-all.json" '[.subjects[].binding.kind] | index("RoleBinding") and index("ClusterRoleBinding")' \
	"not both binding kinds"
gen 0 who-crd.json k8s who-can get prometheuses.monitoring.coreos.com "$@"
gen 0 who-nobody.json k8s who-can delete nodes "$FX/net/shop.yaml"
has "$T/who-nobody.json" '.subjects == [] and .summary.grants == 0' "grants without RBAC objects"
who_docs="$T/who-secrets.json $T/who-ns.json $T/who-url.json $T/who-exec.json $T/who-nodes.json"
who_docs="$who_docs $T/who-named.json $T/who-all.json $T/who-crd.json $T/who-nobody.json"
if [ -d "$SK/manifests" ]; then
	gen 0 who-shared.json k8s who-can list pods "$SK/manifests"
	gen 0 who-shared-sa.json k8s who-can get secrets -n monitoring "$SK/manifests"
	who_docs="$who_docs $T/who-shared.json $T/who-shared-sa.json"
fi
# shellcheck disable=SC2086
validate k8s-who-can $who_docs
mutate "$T/who-secrets.json" 'del(.subjects[] | select(.kind == "ServiceAccount") | .namespace)' \
	"$T/bad-who.json"
invalid k8s-who-can "$T/bad-who.json" "a service account without its namespace"
mutate "$T/who-url.json" '.findings = [{}]' "$T/bad-who2.json"
invalid k8s-who-can "$T/bad-who2.json" "a finding"

# ---- k8s rbac ---------------------------------------------------------------------------
gen 1 rbac.json k8s rbac "$@"
has "$T/rbac.json" '[.findings[].evidence | has("workload")] | index(true) and index(false)' \
	"not both binding and workload findings"
has "$T/rbac.json" '(.notes | length) > 0' "no notes"
gen 0 rbac-clean.json k8s rbac "$FX/net/shop.yaml"
has "$T/rbac-clean.json" '.findings == [] and .summary.severity.critical == 0' "findings without RBAC"
rbac_docs="$T/rbac.json $T/rbac-clean.json"
for f in "$RB"/*.yaml; do
	b=$(basename "$f" .yaml)
	"$BULKHEAD" k8s rbac -f json -o "$T/rbac-$b.json" "$f" 2>/dev/null
	checks=$((checks + 1))
	[ -s "$T/rbac-$b.json" ] || fail "k8s rbac $b wrote nothing"
	rbac_docs="$rbac_docs $T/rbac-$b.json"
done
if [ -d "$SK/manifests" ]; then
	gen 1 rbac-shared.json k8s rbac "$SK/manifests"
	rbac_docs="$rbac_docs $T/rbac-shared.json"
fi
# shellcheck disable=SC2086
validate k8s-rbac $rbac_docs
mutate "$T/rbac.json" '.findings[0].evidence.workload = "Deployment/x/y"' "$T/bad-rbac.json"
invalid k8s-rbac "$T/bad-rbac.json" "evidence naming both a binding and a workload"
mutate "$T/rbac.json" '.summary.severity.info = 0' "$T/bad-rbac2.json"
invalid k8s-rbac "$T/bad-rbac2.json" "an extra summary key"

# ---- k8s reach --------------------------------------------------------------------------
gen 0 reach-shop.json k8s reach "$FX/net/shop.yaml"
has "$T/reach-shop.json" '[.connections[] | select(.from == "(external)" or .to == "(external)")] | length > 0' \
	"no ipBlock (external) connection"
has "$T/reach-shop.json" '[.namespaces[].ingress_default_deny] | index(true) and index(false)' \
	"not both default-deny states"
gen 0 reach-world.json k8s reach "$FX/net/recipe-world.yaml"
gen 0 reach-empty.json k8s reach "$FX/rbac/rules.yaml"
has "$T/reach-empty.json" '.workloads == [] and .connections == []' "workloads from RBAC objects"
reach_docs="$T/reach-shop.json $T/reach-world.json $T/reach-empty.json"
if [ -d "$SK/manifests/netpol-recipes" ]; then
	i=0
	for f in "$SK"/manifests/netpol-recipes/*.yaml; do
		i=$((i + 1))
		"$BULKHEAD" k8s reach -f json -o "$T/reach-r$i.json" "$FX/net/recipe-world.yaml" "$f" \
			2>/dev/null
		checks=$((checks + 1))
		[ -s "$T/reach-r$i.json" ] || fail "k8s reach $(basename "$f") wrote nothing"
		reach_docs="$reach_docs $T/reach-r$i.json"
	done
fi
# shellcheck disable=SC2086
validate k8s-reach $reach_docs
mutate "$T/reach-shop.json" '.connections[0].ports = ["TCP:80"]' "$T/bad-reach.json"
invalid k8s-reach "$T/bad-reach.json" "a malformed port"

# ---- k8s exposure -----------------------------------------------------------------------
gen 1 exp.json k8s exposure "$FX/net/exposure.yaml"
has "$T/exp.json" '[.exposures[].via] | unique == ["Ingress", "LoadBalancer", "NodePort", "hostNetwork", "hostPort"]' \
	"not every kind of exposure"
gen 1 exp-variants.json k8s exposure "$MY/exposure-variants.yaml"
has "$T/exp-variants.json" '[.exposures[] | select(has("workload") | not)] | length == 2' \
	"no exposure without a workload"
has "$T/exp-variants.json" '[.exposures[].via] | index("externalIPs")' "no externalIPs"
gen 0 exp-none.json k8s exposure "$FX/net/shop.yaml"
has "$T/exp-none.json" '.exposures == []' "shop is exposed"
exp_docs="$T/exp.json $T/exp-variants.json $T/exp-none.json"
if [ -d "$SK/manifests/k8s-examples" ]; then
	gen 1 exp-shared.json k8s exposure "$SK/manifests/k8s-examples"
	exp_docs="$exp_docs $T/exp-shared.json"
fi
# shellcheck disable=SC2086
validate k8s-exposure $exp_docs
mutate "$T/exp.json" '.exposures[0].via = "Tunnel"' "$T/bad-exp.json"
invalid k8s-exposure "$T/bad-exp.json" "an unknown via"
mutate "$T/exp.json" 'del(.exposures[] | select(.via == "hostPort") | .workload)' "$T/bad-exp2.json"
invalid k8s-exposure "$T/bad-exp2.json" "a hostPort exposure without its workload"

# ---- db status --------------------------------------------------------------------------
mkdir -p "$T/adv/debian"
cat >"$T/adv/debian/DEBIAN-CVE-2024-2398.json" <<'EOF'
{"id": "DEBIAN-CVE-2024-2398", "modified": "2024-04-01T00:00:00Z", "aliases": ["CVE-2024-2398"],
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "curl"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "7.88.1-10+deb12u6"}]}]}]}
EOF
cat >"$T/adv/GHSA-jfh8-c2jp-5v3q.json" <<'EOF'
{"id": "GHSA-jfh8-c2jp-5v3q", "modified": "2024-02-01T00:00:00Z", "aliases": ["CVE-2021-44228"],
 "affected": [{"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0-beta9"}, {"fixed": "2.15.0"}]}]}]}
EOF
cat >"$T/unmatched.json" <<'EOF'
[{"id": "X-1", "modified": "2024-04-01T00:00:00Z",
  "affected": [{"package": {"ecosystem": "NoSuchEcosystem", "name": "foo"}, "versions": ["1"]}]},
 {"id": "X-2", "modified": "2024-04-01T00:00:00Z", "withdrawn": "2024-05-01T00:00:00Z",
  "affected": [{"package": {"ecosystem": "npm", "name": "foo"}, "versions": ["1"]}]}]
EOF
(cd "$T" && python3 -c 'import sys, zipfile
with zipfile.ZipFile("all.zip", "w") as z:
    z.write("adv/GHSA-jfh8-c2jp-5v3q.json", "GHSA-jfh8-c2jp-5v3q.json")') ||
	fail "cannot write all.zip"
DB=$T/vuln.db
expect_exit 0 "$BULKHEAD" db import --db "$DB" "$T/adv"
expect_exit 0 "$BULKHEAD" db import --db "$DB" "$T/unmatched.json" "$T/all.zip"
expect_exit 0 "$BULKHEAD" db status --db "$DB" --format json
cp "$T/out" "$T/db.json"
has "$T/db.json" '[.sources[].kind] == ["directory", "json", "zip"] and .stale == false' \
	"sources or freshness not as imported"
has "$T/db.json" '[.ecosystems[].matched] | index(true) and index(false)' "no unmatched ecosystem"
# built in 2023 (SOURCE_DATE_EPOCH): stale, age in days
expect_exit 0 env SOURCE_DATE_EPOCH=1700000000 "$BULKHEAD" db import --db "$T/old.db" "$T/adv"
expect_exit 0 env BULKHEAD_DB_MAX_AGE=30 "$BULKHEAD" db status --db "$T/old.db" --format json
cp "$T/out" "$T/db-stale.json"
has "$T/db-stale.json" '.stale == true and .age_days > 30 and .built == "2023-11-14T22:13:20Z"' \
	"old database not stale"
# a database whose build time is not recorded: unknown age
cp "$DB" "$T/nobuilt.db"
python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM meta WHERE key IN (?, ?)", ("built", "generator")); c.commit()' \
	"$T/nobuilt.db" || fail "cannot edit the database"
expect_exit 0 "$BULKHEAD" db status --db "$T/nobuilt.db" --format json
cp "$T/out" "$T/db-nobuilt.json"
has "$T/db-nobuilt.json" '.built == null and .age_days == null and .stale == true' \
	"unknown age not reported"
# an empty database
printf '[]' >"$T/empty.json"
expect_exit 0 "$BULKHEAD" db import --db "$T/empty.db" "$T/empty.json"
expect_exit 0 "$BULKHEAD" db status --db "$T/empty.db" --format json
cp "$T/out" "$T/db-empty.json"
has "$T/db-empty.json" '.advisories == 0 and .ecosystems == []' "empty database not empty"
validate db-status "$T/db.json" "$T/db-stale.json" "$T/db-nobuilt.json" "$T/db-empty.json"
mutate "$T/db.json" '.stale = "no"' "$T/bad-db.json"
invalid db-status "$T/bad-db.json" "a string stale"
mutate "$T/db.json" '.sources[0].sha256 = "sha256:00"' "$T/bad-db2.json"
invalid db-status "$T/bad-db2.json" "a short digest"

echo "$n_docs k8s documents generated"
finish
