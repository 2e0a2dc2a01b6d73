#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-k8s-net-store.sh — `bulkhead k8s reach --store` and `bulkhead k8s exposure --store`: the
# network findings (BH-K8S-NET-001..005) and exposure findings (BH-K8S-EXP-001..003) in the
# JSON output, validated against docs/schema/ when ajv is installed; recorded as runs of kind
# k8s-reach / k8s-exposure on the cluster, the same findings (ids) the JSON shows; resolved
# when default-deny policies are added and the open policy narrowed; NIST SP 800-190 4.3.3,
# 4.4.2 and CIS 5.3.2 not assessed before any reach run, failing with those findings as
# evidence, then passing; CIS 5.3.1 never assessed. BULKHEAD_STORE as the default store;
# bad input records nothing.
. "$(dirname "$0")/../lib/e2e.sh"

command -v jq >/dev/null 2>&1 || skip "jq not installed"
"$BULKHEAD" k8s reach --help | grep -q -- '--store' || skip "k8s reach does not record yet"
export BULKHEAD_HOME="$T/home"
mkdir -p "$BULKHEAD_HOME"
unset BULKHEAD_STORE
S=$T/store.db
FX=$BH_SOURCE_ROOT/tests/fixtures/k8s/net

# Namespace web: site (isolated by site-open, which admits everything anyway) and worker (no
# policy selects it). Namespace batch: a Job and no policy at all.
cat >"$T/app.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata: {name: web}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: site, namespace: web}
spec:
  selector: {matchLabels: {app: site}}
  template:
    metadata: {labels: {app: site}}
    spec:
      containers: [{name: c, image: nginx:1.27, ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: web}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers: [{name: c, image: worker:1}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: report, namespace: batch}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: report:1}]
EOF
cat >"$T/site-open.yaml" <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: site-open, namespace: web}
spec:
  podSelector: {matchLabels: {app: site}}
  policyTypes: [Ingress, Egress]
  ingress: [{}]
  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]
EOF
cat >"$T/site-narrow.yaml" <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: site-open, namespace: web}
spec:
  podSelector: {matchLabels: {app: site}}
  policyTypes: [Ingress, Egress]
  ingress: [{ports: [{port: 8080}]}]
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: 5432}]}]
EOF
cat >"$T/deny.yaml" <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: web}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: batch}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
EOF

# rules FILE: the sorted rule ids of the findings in a JSON document, one line.
rules() {
	jq -r '[.findings[].rule.id] | sort | join(" ")' "$1"
}
# status FRAMEWORK CONTROL: the control's status in the compliance report of $S.
status() {
	"$BULKHEAD" report compliance --framework "$1" --format json --store "$S" >"$T/compl" \
		2>"$T/compl.err"
	jq -r --arg id "$2" '.controls[] | select(.id == $id) | .status' "$T/compl"
}
# want_status FRAMEWORK CONTROL STATUS WHAT
want_status() {
	checks=$((checks + 1))
	got=$(status "$1" "$2")
	[ "$got" = "$3" ] || fail "$4: $1 $2 is '$got', want '$3'"
}

# ---- the JSON: findings next to the connections, the table as before ----
expect_exit 0 "$BULKHEAD" k8s reach -f json -o "$T/r1.json" "$T/app.yaml" "$T/site-open.yaml"
checks=$((checks + 1))
r=$(rules "$T/r1.json")
want="BH-K8S-NET-001 BH-K8S-NET-001 BH-K8S-NET-002 BH-K8S-NET-002 BH-K8S-NET-003 BH-K8S-NET-004 BH-K8S-NET-005"
[ "$r" = "$want" ] || fail "reach findings: '$r', want '$want'"
checks=$((checks + 1))
jq -e '[.findings[] | select(.rule.id == "BH-K8S-NET-005")] | length == 1 and
  .[0].target == {"type": "cluster", "name": "Namespace/batch"} and
  .[0].compliance == ["CIS-K8S-1.9:5.3.2"] and
  (.[0].location.path | endswith("app.yaml")) and .[0].location.line > 1 and
  .[0].evidence.unisolated[0].id == "Job/batch/report"' "$T/r1.json" >/dev/null ||
	fail "BH-K8S-NET-005: $(jq -c '.findings[] | select(.rule.id == "BH-K8S-NET-005")' "$T/r1.json")"
checks=$((checks + 1))
jq -e '[.findings[] | select(.rule.id == "BH-K8S-NET-001" and .target.name == "Namespace/web")] |
  length == 1 and .[0].location.line == 1 and .[0].evidence.namespace_manifest.id == "Namespace/web" and
  .[0].evidence.unisolated_total == 1 and .[0].evidence.unisolated[0].id == "Deployment/web/worker" and
  .[0].evidence.policies[0].id == "NetworkPolicy/web/site-open" and
  .[0].compliance == ["NIST-800-190:4.3.3"]' "$T/r1.json" >/dev/null ||
	fail "BH-K8S-NET-001 web: $(jq -c '.findings[] | select(.rule.id == "BH-K8S-NET-001")' "$T/r1.json")"
checks=$((checks + 1))
jq -e '[.findings[] | select(.rule.id == "BH-K8S-NET-003" or .rule.id == "BH-K8S-NET-004")] |
  length == 2 and all(.target == {"type": "workload", "name": "Deployment/web/site"}) and
  all(.evidence.policies[0].id == "NetworkPolicy/web/site-open") and
  (map(.compliance[0]) | sort) == ["NIST-800-190:4.3.3", "NIST-800-190:4.4.2"]' "$T/r1.json" \
	>/dev/null || fail "BH-K8S-NET-003/004: $(jq -c '[.findings[] | .rule.id]' "$T/r1.json")"
checks=$((checks + 1))
jq -e '[.findings[].id] | (unique | length) == length and all(test("^[0-9a-f]{32}$"))' \
	"$T/r1.json" >/dev/null || fail "finding ids not unique 32-hex"
expect_exit 0 "$BULKHEAD" k8s reach "$T/app.yaml" "$T/site-open.yaml"
expect_out '^3 workload\(s\), [0-9]+ connection\(s\); 2 namespace\(s\) without a default-deny policy:$'
checks=$((checks + 1))
grep -q 'BH-K8S' "$T/out" && fail "the table shows findings"
expect_exit 1 "$BULKHEAD" k8s exposure -f json -o "$T/e1.json" "$FX/exposure.yaml"
checks=$((checks + 1))
r=$(rules "$T/e1.json")
want="BH-K8S-EXP-001 BH-K8S-EXP-001 BH-K8S-EXP-002 BH-K8S-EXP-003 BH-K8S-EXP-003"
[ "$r" = "$want" ] || fail "exposure findings: '$r', want '$want'"
checks=$((checks + 1))
jq -e '.findings | all(.kind == "exposure" and .compliance == [] and .target.type == "workload")
  and (map(select(.rule.id == "BH-K8S-EXP-003")) | map(.evidence.via) | sort) == ["hostNetwork", "hostPort"]' \
	"$T/e1.json" >/dev/null || fail "exposure finding shape"
if command -v node >/dev/null 2>&1; then
	checks=$((checks + 1))
	node "$BH_SOURCE_ROOT/tests/lib/validate-schema.js" \
		"$BH_SOURCE_ROOT/docs/schema/k8s-reach.schema.json" "$T/r1.json" >"$T/val" 2>&1
	case $? in 0 | 77) ;; *) fail "k8s-reach schema: $(head -3 "$T/val")" ;; esac
	checks=$((checks + 1))
	node "$BH_SOURCE_ROOT/tests/lib/validate-schema.js" \
		"$BH_SOURCE_ROOT/docs/schema/k8s-exposure.schema.json" "$T/e1.json" >"$T/val" 2>&1
	case $? in 0 | 77) ;; *) fail "k8s-exposure schema: $(head -3 "$T/val")" ;; esac
fi

# ---- nothing recorded: the network controls are not assessed ----
expect_exit 0 "$BULKHEAD" k8s rbac --store "$S" --cluster prod "$T/app.yaml"
want_status nist-800-190 4.3.3 not_assessed "before any reach run"
checks=$((checks + 1))
jq -r '.controls[] | select(.id == "4.3.3") | .how_to_assess' "$T/compl" |
	grep -q 'bulkhead k8s reach MANIFESTS --store S' || fail "4.3.3 does not say how to assess it"
want_status cis-k8s 5.3.2 not_assessed "before any reach run"

# ---- first reach run: the findings in the store, the controls fail ----
expect_exit 0 "$BULKHEAD" k8s reach --store "$S" --cluster prod "$T/app.yaml" "$T/site-open.yaml"
expect_out 'connection\(s\)'
expect_exit 0 "$BULKHEAD" audit log --store "$S" --kind run.recorded --format json
checks=$((checks + 1))
jq -e '[.records[].payload | select(.kind == "k8s-reach")] | length == 1' "$T/out" >/dev/null ||
	fail "no k8s-reach run: $(jq -c '[.records[].payload]' "$T/out")"
expect_exit 0 "$BULKHEAD" audit log --store "$S" --kind finding.new --format json
checks=$((checks + 1))
[ "$(jq '[.records[].payload | select(.rule | startswith("BH-K8S-NET-"))] | length' "$T/out")" = 7 ] ||
	fail "finding.new records: $(jq -c '[.records[].payload.rule]' "$T/out")"
if command -v sqlite3 >/dev/null 2>&1; then
	checks=$((checks + 1))
	got=$(sqlite3 "$S" "SELECT kind || ' ' || target_type || ' ' || target_name || ' ' || cluster || ' ' ||
		json_extract(summary, '\$.findings') FROM bh_runs WHERE kind = 'k8s-reach'")
	[ "$got" = "k8s-reach cluster prod prod 7" ] || fail "run row: '$got'"
	checks=$((checks + 1))
	sqlite3 "$S" "SELECT id FROM bh_findings WHERE run_kind = 'k8s-reach' AND resolved_at = 0" |
		sort >"$T/ids.store"
	jq -r '.findings[].id' "$T/r1.json" | sort >"$T/ids.json"
	cmp -s "$T/ids.store" "$T/ids.json" || fail "recorded ids differ from the JSON's"
	checks=$((checks + 1))
	[ "$(sqlite3 "$S" "SELECT count(*) FROM bh_findings WHERE run_kind = 'k8s-reach' AND kind = 'network'")" = 7 ] ||
		fail "findings of kind network"
fi
want_status nist-800-190 4.3.3 fail "no default deny, site open"
checks=$((checks + 1))
jq -e '.controls[] | select(.id == "4.3.3") | [.evidence[].rule] | sort ==
  ["BH-K8S-NET-001", "BH-K8S-NET-001", "BH-K8S-NET-003"]' "$T/compl" >/dev/null ||
	fail "4.3.3 evidence: $(jq -c '.controls[] | select(.id == "4.3.3") | .evidence' "$T/compl")"
want_status nist-800-190 4.4.2 fail "no egress default deny"
want_status cis-k8s 5.3.2 fail "namespace batch has no policy"
checks=$((checks + 1))
jq -e '.controls[] | select(.id == "5.3.2") | .evidence | length == 1 and
  .[0].target == "Namespace/batch"' "$T/compl" >/dev/null || fail "5.3.2 evidence"
want_status cis-k8s 5.3.1 not_assessed "CNI enforcement is not in the manifests"

# ---- default deny in both namespaces: the namespace findings are resolved ----
expect_exit 0 "$BULKHEAD" k8s reach --store "$S" --cluster prod "$T/app.yaml" \
	"$T/site-open.yaml" "$T/deny.yaml"
expect_exit 0 "$BULKHEAD" audit log --store "$S" --kind finding.resolved --format json
checks=$((checks + 1))
[ "$(jq -r '[.records[].payload.rule] | sort | join(" ")' "$T/out")" = \
	"BH-K8S-NET-001 BH-K8S-NET-001 BH-K8S-NET-002 BH-K8S-NET-002 BH-K8S-NET-005" ] ||
	fail "resolved: $(jq -c '[.records[].payload.rule]' "$T/out")"
want_status cis-k8s 5.3.2 pass "every namespace has a policy"
want_status nist-800-190 4.3.3 fail "site still admits everything"
want_status nist-800-190 4.4.2 fail "site may still connect anywhere"

# ---- the open policy narrowed, through BULKHEAD_STORE: everything passes ----
export BULKHEAD_STORE="$S"
expect_exit 0 "$BULKHEAD" k8s reach --cluster prod "$T/app.yaml" "$T/site-narrow.yaml" "$T/deny.yaml"
unset BULKHEAD_STORE
want_status nist-800-190 4.3.3 pass "default deny and narrow rules"
checks=$((checks + 1))
jq -e '.controls[] | select(.id == "4.3.3") | .assessed_by[0].kind == "k8s-reach" and
  .assessing_runs == 3' "$T/compl" >/dev/null || fail "4.3.3 assessed by the reach runs"
want_status nist-800-190 4.4.2 pass "default deny and narrow rules"
want_status cis-k8s 5.3.2 pass "every namespace has a policy"
# Another cluster's run does not resolve this one's findings, and vice versa.
expect_exit 0 "$BULKHEAD" k8s reach --store "$S" --cluster stage "$T/app.yaml"
want_status cis-k8s 5.3.2 fail "cluster stage has namespaces without policies"

# ---- exposure: its own run kind, assessing no control ----
expect_exit 1 "$BULKHEAD" k8s exposure --store "$S" --cluster prod "$FX/exposure.yaml"
expect_out '^Deployment/web/shopfront +LoadBalancer '
if command -v sqlite3 >/dev/null 2>&1; then
	checks=$((checks + 1))
	[ "$(sqlite3 "$S" "SELECT count(*) FROM bh_findings WHERE run_kind = 'k8s-exposure' AND kind = 'exposure' AND resolved_at = 0")" = 5 ] ||
		fail "exposure findings in the store"
fi
expect_exit 0 "$BULKHEAD" audit verify --store "$S"
expect_out '^intact: '

# ---- bad input: exit 2, nothing recorded ----
count_runs() {
	"$BULKHEAD" audit log --store "$S" --kind run.recorded --format json | jq '.records | length'
}
before=$(count_runs)
printf 'kind: Pod\nmetadata: {name: [\n' >"$T/broken.yaml"
expect_exit 2 "$BULKHEAD" k8s reach --store "$S" "$T/broken.yaml"
expect_err_line 'broken.yaml:[0-9]+'
expect_exit 2 "$BULKHEAD" k8s exposure --store "$S" "$T/broken.yaml"
expect_err_line 'broken.yaml:[0-9]+'
expect_exit 2 "$BULKHEAD" k8s reach --store "$S" --cluster "" "$T/app.yaml"
expect_err_line 'cluster'
checks=$((checks + 1))
[ "$(count_runs)" = "$before" ] || fail "bad input recorded a run"
printf 'not a database, just text\n' >"$T/junk.db"
expect_exit 2 "$BULKHEAD" k8s reach --store "$T/junk.db" "$T/app.yaml"
expect_err_line 'junk\.db'
expect_no_out

finish
