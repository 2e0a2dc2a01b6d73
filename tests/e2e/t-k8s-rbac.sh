#!/bin/sh
# `bulkhead k8s who-can` and `bulkhead k8s rbac`: the hand-written fixtures (one per RBAC
# semantic point), kube-prometheus from the shared test data (kube-state-metrics lists and
# watches Secrets cluster-wide, prometheus-operator manages Secrets and Pods), JSON output and
# input errors (exit 2, one line).
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"

"$BULKHEAD" k8s who-can --help >/dev/null 2>&1 </dev/null || skip "k8s who-can not available"

FX=$BH_SOURCE_ROOT/tests/fixtures/k8s/rbac

# ---- who-can: rules ----
expect_exit 0 "$BULKHEAD" k8s who-can delete configmaps -n x "$FX/rules.yaml"
expect_out '^User/wanda +cluster +ClusterRoleBinding/rules-bind +ClusterRole/wild-verbs$'
expect_out '^1 grant: delete configmaps in namespace x$'
expect_exit 0 "$BULKHEAD" k8s who-can update deployments.apps/scale "$FX/rules.yaml"
expect_out '^User/scaler '
expect_exit 0 "$BULKHEAD" k8s who-can update deployments --subresource scale "$FX/rules.yaml"
expect_out '^User/scaler '
expect_exit 0 "$BULKHEAD" k8s who-can update deployments "$FX/rules.yaml"
expect_out '^0 grants: update deployments \(group apps\) in any namespace$'
expect_exit 0 "$BULKHEAD" k8s who-can create pods/exec "$FX/rules.yaml"
expect_out '^User/debugger '
expect_exit 0 "$BULKHEAD" k8s who-can get secrets --name tls-cert "$FX/rules.yaml"
expect_out '^User/certbot '
expect_exit 0 "$BULKHEAD" k8s who-can get secrets --name other "$FX/rules.yaml"
checks=$((checks + 1))
grep -q certbot "$T/out" && fail "resourceNames: certbot listed for another Secret"
expect_exit 0 "$BULKHEAD" k8s who-can get /metrics/cadvisor "$FX/rules.yaml"
expect_out '^Group/system:unauthenticated +cluster +ClusterRoleBinding/urls-bind'
expect_exit 0 "$BULKHEAD" k8s who-can get /metrics "$FX/rules.yaml"
expect_out '^0 grants'

# ---- who-can: aggregation, binding scope, subjects ----
expect_exit 0 "$BULKHEAD" k8s who-can patch deployments.apps -n x "$FX/aggregation.yaml"
expect_out '^User/allie +cluster +ClusterRoleBinding/monitoring-all +ClusterRole/monitoring-all$'
expect_exit 0 "$BULKHEAD" k8s who-can list pods -n x "$FX/aggregation.yaml"
expect_out '^User/mona '
expect_out '^User/allie '
expect_exit 0 "$BULKHEAD" k8s who-can delete nodes "$FX/aggregation.yaml"
expect_out '^0 grants'
expect_exit 0 "$BULKHEAD" k8s who-can get pods -n team-a "$FX/bindings.yaml"
expect_out '^User/alice +team-a +RoleBinding/team-a/read-pods +ClusterRole/pod-reader$'
expect_out '^ServiceAccount/team-a/builder '
expect_out '^ServiceAccount/tools/ci +team-a +RoleBinding/team-a/read-pods'
expect_out '^Group/system:serviceaccounts:team-b '
expect_exit 0 "$BULKHEAD" k8s who-can get pods -n team-b "$FX/bindings.yaml"
expect_out '^0 grants'
expect_exit 0 "$BULKHEAD" k8s who-can create configmaps -n team-b "$FX/bindings.yaml"
expect_out '^Group/system:authenticated +team-b +RoleBinding/team-b/write-cm +Role/team-b/cm-writer'
checks=$((checks + 1))
grep -q 'roleRef ClusterRole/does-not-exist is not among the inputs' "$T/err" ||
	fail "no note for the dangling roleRef"

# ---- who-can JSON ----
expect_exit 0 "$BULKHEAD" k8s who-can -f json get pods -n team-a "$FX/bindings.yaml"
expect_out '"schema": "bulkhead.k8s-who-can/v1"'
checks=$((checks + 1))
python3 - "$T/out" <<'EOF' || fail "who-can JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["request"] == {"verb": "get", "apiGroup": "", "resource": "pods", "namespace": "team-a"}, d["request"]
subs = {(s["kind"], s["name"], s.get("namespace")) for s in d["subjects"]}
assert subs == {("User", "alice", None), ("ServiceAccount", "builder", "team-a"),
                ("ServiceAccount", "ci", "tools"),
                ("Group", "system:serviceaccounts:team-b", None)}, subs
assert all(s["binding"]["name"] == "read-pods" and s["role"]["name"] == "pod-reader"
           for s in d["subjects"])
assert d["findings"] == []
EOF

# ---- rbac findings ----
expect_exit 1 "$BULKHEAD" k8s rbac "$FX/escalation.yaml"
expect_out 'CRITICAL BH-K8S-RBAC-001 ServiceAccount/ops/god \[cluster\]'
expect_out 'CRITICAL BH-K8S-RBAC-002 Group/system:authenticated \[namespace sandbox\]'
expect_out 'HIGH BH-K8S-RBAC-003 User/mallory \[cluster\]'
expect_out 'HIGH BH-K8S-RBAC-004 User/mallory'
expect_out 'HIGH BH-K8S-RBAC-005 User/ci \[namespace ops\].*service account god is powerful'
expect_out 'HIGH BH-K8S-RBAC-006 User/mallory'
expect_out 'HIGH BH-K8S-RBAC-007 User/mallory'
expect_out 'HIGH BH-K8S-RBAC-008 User/auditor'
expect_out 'HIGH BH-K8S-RBAC-012 User/rbac-admin \[cluster\] rbac-admin can create clusterrolebindings'
expect_out 'MEDIUM BH-K8S-RBAC-009 ServiceAccount/shop/web \[namespace shop\]'
expect_out 'escalation.yaml:[0-9]+: HIGH BH-K8S-RBAC-011 .*Deployment/ops/operator runs as service account god'
expect_exit 1 "$BULKHEAD" k8s rbac -f json "$FX"
checks=$((checks + 1))
python3 - "$T/out" <<'EOF' || fail "rbac JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "bulkhead.k8s-rbac/v1"
f = d["findings"]
assert d["summary"]["findings"] == len(f) > 0
for x in f:
    assert x["schema"] == "bulkhead.finding/v1" and x["kind"] == "rbac"
    assert x["rule"]["id"].startswith("BH-K8S-RBAC-") and x["remediation"] and x["id"]
    assert x["severity"] in ("critical", "high", "medium", "low", "info")
ids = {x["rule"]["id"] for x in f}
assert {"BH-K8S-RBAC-%03d" % i for i in range(1, 13)} <= ids, ids
god = [x for x in f if x["rule"]["id"] == "BH-K8S-RBAC-001"][0]
assert god["evidence"]["binding"] == "ClusterRoleBinding/god-mode", god
assert god["evidence"]["role"] == "ClusterRole/everything", god
assert len({x["id"] for x in f}) == len(f), "finding ids not unique"
EOF
cat >"$T/none.yaml" <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: view, namespace: a}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
EOF
expect_exit 0 "$BULKHEAD" k8s rbac "$T/none.yaml"
expect_out '^0 findings'

# ---- kube-prometheus ----
KP=$SHARED/k8s/manifests/kube-prometheus
if [ -d "$KP" ]; then
	expect_exit 0 "$BULKHEAD" k8s who-can list secrets "$KP"
	expect_out '^ServiceAccount/monitoring/kube-state-metrics +cluster +ClusterRoleBinding/kube-state-metrics +ClusterRole/kube-state-metrics$'
	expect_out '^ServiceAccount/monitoring/prometheus-operator +cluster '
	expect_exit 0 "$BULKHEAD" k8s who-can watch secrets -n default "$KP"
	expect_out '^ServiceAccount/monitoring/kube-state-metrics '
	expect_exit 0 "$BULKHEAD" k8s who-can delete secrets -n default "$KP"
	expect_out '^ServiceAccount/monitoring/prometheus-operator '
	checks=$((checks + 1))
	grep -q kube-state-metrics "$T/out" && fail "kube-state-metrics cannot delete secrets"
	expect_exit 0 "$BULKHEAD" k8s who-can delete pods -n monitoring "$KP"
	expect_out '^ServiceAccount/monitoring/prometheus-operator '
	expect_exit 1 "$BULKHEAD" k8s rbac "$KP"
	expect_out 'BH-K8S-RBAC-008 ServiceAccount/monitoring/kube-state-metrics \[cluster\]'
	expect_out 'BH-K8S-RBAC-011 ServiceAccount/monitoring/prometheus-operator'
else
	echo "shared kube-prometheus manifests absent; skipping that part"
fi

# ---- usage and input errors: exit 2, one line ----
expect_exit 2 "$BULKHEAD" k8s who-can get widgets "$FX/rules.yaml"
expect_err_line "unknown resource 'widgets'"
expect_exit 0 "$BULKHEAD" k8s who-can get widgets.example.com "$FX/rules.yaml"
expect_exit 2 "$BULKHEAD" k8s who-can get pods
expect_err_line 'usage: who-can VERB RESOURCE PATH'
expect_exit 2 "$BULKHEAD" k8s who-can get nodes -n x "$FX/rules.yaml"
expect_err_line 'cluster-scoped'
expect_exit 2 "$BULKHEAD" k8s who-can get pods/exec --subresource log "$FX/rules.yaml"
expect_err_line 'conflicts'
expect_exit 2 "$BULKHEAD" k8s who-can -f xml get pods "$FX/rules.yaml"
expect_err_line "unknown format 'xml'"
expect_exit 2 "$BULKHEAD" k8s who-can get pods "$T/absent.yaml"
expect_err_line 'absent.yaml'
printf 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: [{verbs: get}]\n' >"$T/bad.yaml"
expect_exit 2 "$BULKHEAD" k8s rbac "$T/bad.yaml"
expect_err_line 'bad.yaml:1: .*ClusterRole/r: rule fields must be lists of strings'
expect_exit 2 "$BULKHEAD" k8s rbac
expect_err_line 'missing PATH'

finish
