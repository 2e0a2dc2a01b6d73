#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-audit-ask.sh — `bulkhead audit ask` end to end: admins over RBAC fixtures and the real
# Kubernetes API audit events of ../shared/testdata/k8s/audit imported with `audit import-k8s`;
# regulated-data and segregation over a small cluster whose `k8s check --store` findings are
# in the store; remediation over two `scan --store` runs of an image (a log4j finding fixed
# between them, a curl one left open) with SOURCE_DATE_EPOCH moving the clock; every evidence
# reference resolves (audit:SEQ through `audit log`, finding:/run: through the document,
# manifest:FILE:LINE to the object's line); the JSON validates against
# docs/schema/audit-ask.schema.json when node and ajv are there. Bad input: unknown or
# missing question, missing store, PATH errors reported as the k8s commands report them.
. "$(dirname "$0")/../lib/e2e.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
VALIDATE=$BH_SOURCE_ROOT/tests/lib/validate-schema.js
SCH=$BH_SOURCE_ROOT/docs/schema/audit-ask.schema.json
FIX=$BH_SOURCE_ROOT/tests/fixtures/k8s
export BULKHEAD_HOME="$T/home"
unset BULKHEAD_STORE SOURCE_DATE_EPOCH
S=$BULKHEAD_HOME/store.db

# schema DOC: $T/out kept as $T/DOC, validated when node and ajv are there (77: skip quietly).
schema() {
	cp "$T/out" "$T/$1"
	command -v node >/dev/null 2>&1 || return 0
	checks=$((checks + 1))
	node "$VALIDATE" "$SCH" "$T/$1" >"$T/val" 2>&1
	case $? in
	0 | 77) ;;
	*) fail "$1 does not validate against audit-ask.schema.json:"; sed 's/^/    /' "$T/val" | head -20 >&2 ;;
	esac
}

# refs_resolve DOC: every reference named in an answer is described in .evidence, and every
# manifest:FILE:LINE points at a line of FILE that starts a document ("apiVersion" or "kind").
refs_resolve() {
	checks=$((checks + 1))
	jq -e '([.evidence[].ref]) as $d | [.answers[] | .. | objects | .evidence? // empty | .[]]
	       | all(. as $r | $d | index($r))' "$T/$1" >/dev/null ||
		fail "$1: an answer names an undescribed reference"
	jq -r '.evidence[] | select(.type == "manifest") | "\(.path)\t\(.line)"' "$T/$1" |
		while IFS='	' read -r f l; do
			sed -n "${l}p" "$f" | grep -Eq '^(apiVersion|kind):' ||
				echo "$f:$l does not start an object"
		done >"$T/badrefs"
	[ -s "$T/badrefs" ] && fail "$1: $(head -3 "$T/badrefs")"
	return 0
}

# ---- bad input ----------------------------------------------------------------------------
expect_exit 2 "$BULKHEAD" audit ask
expect_err_line "missing question: admins, regulated-data, segregation or remediation"
expect_exit 2 "$BULKHEAD" audit ask owners "$FIX/rbac"
expect_err_line "unknown question 'owners': admins, regulated-data, segregation or remediation"
expect_exit 0 "$BULKHEAD" audit ask --help
expect_out '^usage: bulkhead audit ask admins'
expect_exit 2 "$BULKHEAD" audit ask admins
expect_err_line "missing PATH"
expect_exit 2 "$BULKHEAD" audit ask remediation "$FIX/rbac"
expect_err_line "remediation reads only the store"
# a store that does not exist: named, or needed (remediation), is an input error
expect_exit 2 "$BULKHEAD" audit ask remediation
expect_err_line "store '.*/home/store\.db' does not exist"
expect_no_out
expect_exit 2 "$BULKHEAD" audit ask remediation --store "$T/none.db"
expect_err_line "store '.*none\.db' does not exist: record into it first"
expect_exit 2 env BULKHEAD_STORE="$T/none.db" "$BULKHEAD" audit ask admins "$FIX/rbac"
expect_err_line "store '.*none\.db' does not exist"
[ -e "$T/none.db" ] && fail "a reader created the store"
# the default store absent: admins answers from the manifests alone
expect_exit 0 "$BULKHEAD" audit ask admins "$FIX/rbac"
expect_out '^SUBJECT +FUNCTION +SCOPE +BINDING +ROLE +USED'
grep -q "no store at" "$T/err" || fail "no notice about the missing default store"
# manifest errors exactly as the k8s commands report them
printf 'apiVersion: v1\nkind: Pod\nmetadata: [\n' >"$T/bad.yaml"
for q in admins regulated-data segregation; do
	expect_exit 2 "$BULKHEAD" k8s reach "$T/bad.yaml"
	cp "$T/err" "$T/err.k8s"
	expect_exit 2 "$BULKHEAD" audit ask "$q" "$T/bad.yaml"
	checks=$((checks + 1))
	cmp -s "$T/err" "$T/err.k8s" || fail "$q: '$(cat "$T/err")' is not '$(cat "$T/err.k8s")'"
done
expect_exit 2 "$BULKHEAD" audit ask segregation "$T/missing.yaml"
expect_err_line "missing\.yaml"
expect_exit 2 "$BULKHEAD" audit ask admins --format xml "$FIX/rbac"
expect_err_line "unknown format 'xml'"
expect_exit 2 "$BULKHEAD" audit ask remediation --deadline critical=soon
expect_err_line "--deadline: 'soon' is not a duration"
expect_exit 2 "$BULKHEAD" audit ask remediation --deadline urgent=1d
expect_err_line "--deadline: 'urgent=1d' is not SEVERITY=DURATION"
expect_exit 2 "$BULKHEAD" audit ask remediation --as-of someday
expect_err_line "'--as-of someday' is not an RFC 3339 time"
expect_exit 2 "$BULKHEAD" audit ask regulated-data --label =pci "$FIX/rbac"
expect_err_line "'--label =pci' is not KEY or KEY=VALUE"
expect_exit 2 "$BULKHEAD" audit ask segregation --prod-values , "$FIX/rbac"
expect_err_line "'--prod-values ,' is not a comma-separated list"

# ---- admins -------------------------------------------------------------------------------
AUD=$SHARED/k8s/audit
if [ -d "$AUD" ]; then
	expect_exit 0 "$BULKHEAD" audit import-k8s "$AUD"/*.json
	expect_exit 0 "$BULKHEAD" audit ask admins -f json "$FIX/rbac"
	schema admins.json
	refs_resolve admins.json
	checks=$((checks + 1))
	jq -e '.summary.audit_log_read and .summary.audit_records == 48 and
	       .summary.audit_records_matched > 0 and .inputs.backend == "sqlite"' \
		"$T/admins.json" >/dev/null || fail "admins summary: $(jq -c .summary "$T/admins.json")"
	# minikube-user is in system:masters: a superuser; it exec'd and attached into pods
	checks=$((checks + 1))
	jq -e '.answers[] | select(.subject_id == "User/minikube-user") |
	       (.grants | any(.binding == "Group/system:masters" and .function == "cluster-admin")) and
	       (.via_groups | index("system:masters")) and
	       (.used | any(.function == "pods-exec" and .resource == "pods/exec" and .count == 1 and
	                    .explained_by == "Group/system:masters")) and
	       (.used | any(.function == "rbac-write" and .resource == "clusterrolebindings"))' \
		"$T/admins.json" >/dev/null || fail "minikube-user: $(jq -c '.answers[] |
		select(.subject_id == "User/minikube-user") | .used' "$T/admins.json")"
	# the exec's seq is the record `audit log` shows for exec_pod.json's event
	seq=$(jq -r '.answers[] | select(.subject_id == "User/minikube-user") | .used[] |
		select(.resource == "pods/exec") | .seqs[0]' "$T/admins.json")
	expect_exit 0 "$BULKHEAD" audit log --kind k8s.api --format json
	checks=$((checks + 1))
	jq -e --argjson s "$seq" '.records[] | select(.seq == $s) |
	       .payload.subresource == "exec" and .payload.user == "minikube-user"' "$T/out" \
		>/dev/null || fail "audit:$seq is not the exec event"
	# RBAC grants agree with who-can: each subject who-can names for escalate on clusterroles
	# has an escalate-bind grant through the same binding
	expect_exit 0 "$BULKHEAD" k8s who-can escalate clusterroles "$FIX/rbac" --format json
	jq -r '.subjects[] | "\(.kind)/\(.name)\t\(.binding.kind)/\(.binding.name)"' "$T/out" \
		>"$T/whocan"
	checks=$((checks + 1))
	[ -s "$T/whocan" ] || fail "who-can found nobody to compare with"
	while IFS='	' read -r subj bind; do
		jq -e --arg s "$subj" --arg b "$bind" '.answers[] | select(.subject_id | startswith($s) or
		       (split("/") | [.[0], .[-1]] | join("/")) == $s) | .grants |
		       any(.function == "escalate-bind" and .binding == $b)' "$T/admins.json" \
			>/dev/null || fail "who-can: $subj via $bind missing from admins"
	done <"$T/whocan"
	expect_exit 0 "$BULKHEAD" audit ask admins "$FIX/rbac"
	expect_out '^User/minikube-user +cluster-admin +cluster +Group/system:masters'
	expect_out 'subject\(s\) with access to management functions, 1 used it'
else
	echo "# ../shared/testdata/k8s/audit absent: admins with the audit log not checked"
fi

# ---- regulated-data and segregation -------------------------------------------------------
cat >"$T/cluster.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata: {name: payments, labels: {env: production}}
---
apiVersion: v1
kind: Namespace
metadata: {name: dev}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger, namespace: payments}
spec:
  selector: {matchLabels: {app: ledger}}
  template:
    metadata: {labels: {app: ledger, data-classification: pci}}
    spec:
      containers:
      - name: c
        image: ledger:1
        envFrom: [{secretRef: {name: ledger-db}}]
        securityContext: {privileged: true}
---
apiVersion: v1
kind: Service
metadata: {name: ledger, namespace: payments}
spec: {type: NodePort, selector: {app: ledger}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: shell, namespace: dev, labels: {app: shell}}
spec:
  containers: [{name: c, image: busybox:1}]
EOF
expect_exit 1 "$BULKHEAD" k8s check --store "$S" --cluster prod-eu "$T/cluster.yaml"
expect_exit 0 "$BULKHEAD" audit ask regulated-data --store "$S" -f json "$T/cluster.yaml"
schema regulated.json
refs_resolve regulated.json
checks=$((checks + 1))
jq -e '.answers | length == 1 and (.[0] | .workload == "Deployment/payments/ledger" and
       .classification == "pci" and (.data | any(.type == "secret" and .name == "ledger-db")) and
       .reachable_from.external and (.reachable_from.workloads | index("Pod/dev/shell")) and
       (.exposed[0].via == "NodePort") and (.findings | length > 0) and
       (.evidence | any(startswith("finding:"))) and (.evidence | any(startswith("run:"))))' \
	"$T/regulated.json" >/dev/null || fail "regulated-data: $(jq -c .answers "$T/regulated.json")"
# the findings are the store's: `audit log` recorded them as new
fid=$(jq -r '.answers[0].findings[0]' "$T/regulated.json")
expect_exit 0 "$BULKHEAD" audit log --store "$S" --kind finding.new --format json
checks=$((checks + 1))
jq -e --arg f "$fid" '.records | any(.payload.finding == $f)' "$T/out" >/dev/null ||
	fail "finding $fid is not in the audit log"
expect_exit 0 "$BULKHEAD" audit ask regulated-data --store "$S" "$T/cluster.yaml"
expect_out '^Deployment/payments/ledger +secret:ledger-db, label:data-classification=pci +everywhere +NodePort'
expect_exit 0 "$BULKHEAD" audit ask regulated-data --label app=shell -f json "$T/cluster.yaml"
checks=$((checks + 1))
jq -e '[.answers[].workload] == ["Deployment/payments/ledger", "Pod/dev/shell"]' "$T/out" \
	>/dev/null || fail "--label: $(jq -c '[.answers[].workload]' "$T/out")"

expect_exit 0 "$BULKHEAD" audit ask segregation -f json "$T/cluster.yaml" "$FIX/net/shop.yaml"
schema segregation.json
refs_resolve segregation.json
checks=$((checks + 1))
jq -e '(.answers[] | select(.check == "namespace" and .namespace == "shop") |
        .env == "prod" and .default_deny.ingress and .default_deny.egress) and
       (.answers[] | select(.check == "namespace" and .namespace == "dev") |
        .env == "dev" and (.default_deny.ingress | not)) and
       (.answers | any(.check == "cross-namespace" and .from == "dev" and .to == "payments" and
                       .env_mixing)) and
       (.answers | any(.check == "reachable-from-everywhere" and
                       .workload == "Deployment/payments/ledger") | not) and
       .summary.namespaces == 4 and .summary.env_mixing_flows > 0' "$T/segregation.json" \
	>/dev/null || fail "segregation: $(jq -c .summary "$T/segregation.json")"
expect_exit 0 "$BULKHEAD" audit ask segregation "$FIX/net/shop.yaml"
expect_out '^NAMESPACE +ENV +WORKLOADS +DEFAULT-DENY'
expect_out '^shop +prod +3 +ingress\+egress'
expect_out 'without default-deny ingress'

# ---- remediation --------------------------------------------------------------------------
SAMPLE=$BH_SOURCE_ROOT/tests/fixtures/images/sample
mkdir -p "$T/extra/opt/app" "$T/adv"
python3 "$BH_SOURCE_ROOT/tests/lib/mkjar.py" "$T/extra/opt/app/log4j-core.jar" \
	org.apache.logging.log4j:log4j-core:2.14.1 >/dev/null || fail "mkjar.py failed"
cat >"$T/adv/GHSA-jfh8-c2jp-5v3q.json" <<'EOF'
{"id": "GHSA-jfh8-c2jp-5v3q", "modified": "2024-02-01T00:00:00Z", "aliases": ["CVE-2021-44228"],
 "summary": "Remote code injection in Log4j", "database_specific": {"severity": "CRITICAL"},
 "affected": [{"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0-beta9"}, {"fixed": "2.15.0"}]}]}]}
EOF
cat >"$T/adv/DEBIAN-CVE-2024-2398.json" <<'EOF'
{"id": "DEBIAN-CVE-2024-2398", "modified": "2024-04-01T00:00:00Z", "aliases": ["CVE-2024-2398"],
 "summary": "curl: HTTP/2 push headers memory-leak",
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "curl"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "7.88.1-10+deb12u6"}]}],
   "ecosystem_specific": {"urgency": "medium"}}]}
EOF
expect_exit 0 "$BULKHEAD" db import --db "$T/vuln.db" "$T/adv"
mkimg() {
	python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" oci "$T/img" --tag 1 --layer "$SAMPLE/layer1" \
		--layer "$SAMPLE/layer2" --layer "$SAMPLE/layer3" "$@" >/dev/null ||
		fail "mkimage.py failed"
}
D=86400
T0=1700000000
mkimg --layer "$T/extra"
expect_exit 0 env SOURCE_DATE_EPOCH=$T0 "$BULKHEAD" scan --scanners vuln --db "$T/vuln.db" \
	--store "$S" "oci:$T/img:1"
rm -rf "$T/img"
mkimg
expect_exit 0 env SOURCE_DATE_EPOCH=$((T0 + 5 * D)) "$BULKHEAD" scan --scanners vuln \
	--db "$T/vuln.db" --store "$S" "oci:$T/img:1"

# as of day 30: log4j fixed in 5 days, curl (medium) open for 30 of its 90 days
expect_exit 0 env SOURCE_DATE_EPOCH=$((T0 + 30 * D)) "$BULKHEAD" audit ask remediation \
	--store "$S" -f json
schema remediation.json
refs_resolve remediation.json
checks=$((checks + 1))
jq -e --argjson d $D '(.answers[] | select(.rule == "GHSA-jfh8-c2jp-5v3q" or .rule == "CVE-2021-44228") |
        .status == "fixed" and .severity == "critical" and .time_to_remediate_seconds == 5 * $d and
        .first_run != null and .fixed_run != null and .first_run < .fixed_run and
        (.evidence | map(select(startswith("audit:"))) | length == 2)) and
       (.answers[] | select(.severity == "medium") | .status == "open" and .age_seconds == 30 * $d and
        .fixed_at == null) and .summary.overdue == 0 and .summary.fixed == 1' \
	"$T/remediation.json" >/dev/null || fail "remediation: $(jq -c '.answers[] | {rule, status, severity}' "$T/remediation.json")"
# the runs it names are the scans the audit log recorded
run=$(jq -r '.answers[] | select(.status == "fixed") | .fixed_run' "$T/remediation.json")
expect_exit 0 "$BULKHEAD" audit log --store "$S" --kind run.recorded --format json
checks=$((checks + 1))
jq -e --argjson r "$run" '.records | any(.payload.run == $r and .payload.kind == "scan.vuln" and
       .payload.resolved >= 1)' "$T/out" >/dev/null || fail "run $run is not the resolving scan"
# as of day 100 the curl finding is past its 90 days: exit 1, and the table says so
expect_exit 1 "$BULKHEAD" audit ask remediation --store "$S" --as-of "$(date -u -d @$((T0 + 100 * D)) +%Y-%m-%dT%H:%M:%SZ)"
expect_out '^medium +CVE-2024-2398.* +overdue$'
expect_out '^critical +.* +fixed$'
expect_out 'open past the deadline'
expect_exit 0 "$BULKHEAD" audit ask remediation --store "$S" --as-of 2023-12-01 --deadline medium=none
expect_out ' open$'
# a tighter deadline makes the fix late
expect_exit 0 env SOURCE_DATE_EPOCH=$((T0 + 30 * D)) "$BULKHEAD" audit ask remediation \
	--store "$S" --deadline critical=3d -f json
checks=$((checks + 1))
jq -e '.summary.fixed_late == 1 and .summary.by_severity.critical.deadline_seconds == 259200' \
	"$T/out" >/dev/null || fail "--deadline critical=3d: $(jq -c .summary "$T/out")"
# before the first scan nothing was seen
expect_exit 0 "$BULKHEAD" audit ask remediation --store "$S" --as-of 2020-01-01 -f json
checks=$((checks + 1))
jq -e '.answers == [] and .summary.findings == 0' "$T/out" >/dev/null || fail "--as-of 2020"
expect_exit 0 "$BULKHEAD" audit verify --store "$S"

finish
