#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/k8s-rbac.sh — `bulkhead k8s who-can` over a generated cluster dump of 10,000 bindings
# (issue 6: goal < 1 s). The dump (made by python3 into a temporary directory) has 2,000
# ClusterRoles (200 of them aggregated), 500 namespaces with 4 Roles each, 7,000 RoleBindings
# (to Roles and to ClusterRoles) and 3,000 ClusterRoleBindings, 3 subjects each.
# Environment: BULKHEAD (the binary; default build/src/cli/bulkhead), RUNS (default 5).
# Prints the best and median wall time of each query, and fails when the best exceeds 1 s.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BULKHEAD=${BULKHEAD:-$top/build/src/cli/bulkhead}
RUNS=${RUNS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp/cluster.yaml" <<'PY'
import random, sys
random.seed(6)
out = open(sys.argv[1], "w")
verbs = ["get", "list", "watch", "create", "update", "patch", "delete"]
res = [("", "pods"), ("", "secrets"), ("", "configmaps"), ("", "services"), ("apps", "deployments"),
       ("apps", "statefulsets"), ("batch", "jobs"), ("", "pods/exec"), ("", "pods/log"),
       ("networking.k8s.io", "ingresses"), ("", "serviceaccounts/token"), ("*", "*/scale")]
def rules(n):
    s = "rules:\n"
    for _ in range(n):
        g, r = random.choice(res)
        vs = random.sample(verbs, random.randint(1, 3))
        s += "- apiGroups: [%s]\n  resources: [%s]\n  verbs: [%s]\n" % (
            '"%s"' % g, '"%s"' % r, ", ".join(vs))
        if random.random() < 0.1:
            s += "  resourceNames: [n%d]\n" % random.randrange(50)
    return s
def subjects(ns):
    s = "subjects:\n"
    for _ in range(3):
        k = random.random()
        if k < 0.4:
            s += "- {kind: ServiceAccount, name: sa%d, namespace: ns%d}\n" % (
                random.randrange(20), random.randrange(500) if ns is None else ns)
        elif k < 0.8:
            s += "- {kind: User, name: user%d}\n" % random.randrange(5000)
        else:
            s += "- {kind: Group, name: group%d}\n" % random.randrange(300)
    return s
docs = []
for i in range(2000):
    if i < 200:
        docs.append("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
                    "metadata: {name: agg%d}\naggregationRule:\n  clusterRoleSelectors:\n"
                    "  - matchLabels: {agg: \"%d\"}\n" % (i, i))
    else:
        docs.append("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
                    "metadata: {name: cr%d, labels: {agg: \"%d\"}}\n%s" % (i, i % 200, rules(3)))
for ns in range(500):
    for j in range(4):
        docs.append("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n"
                    "metadata: {name: role%d, namespace: ns%d}\n%s" % (j, ns, rules(2)))
for i in range(7000):
    ns = random.randrange(500)
    if random.random() < 0.5:
        ref = "{apiGroup: rbac.authorization.k8s.io, kind: Role, name: role%d}" % random.randrange(4)
    else:
        ref = "{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %s}" % (
            "agg%d" % random.randrange(200) if random.random() < 0.2 else "cr%d" % random.randrange(200, 2000))
    docs.append("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
                "metadata: {name: rb%d, namespace: ns%d}\nroleRef: %s\n%s" % (i, ns, ref, subjects(ns)))
for i in range(3000):
    ref = "{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %s}" % (
        "agg%d" % random.randrange(200) if random.random() < 0.2 else "cr%d" % random.randrange(200, 2000))
    docs.append("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
                "metadata: {name: crb%d}\nroleRef: %s\n%s" % (i, ref, subjects(None)))
out.write("---\n".join(docs))
PY

echo "k8s-rbac: $(grep -c '^kind: \(Cluster\)\?RoleBinding' "$tmp/cluster.yaml") bindings," \
	"$(wc -c <"$tmp/cluster.yaml") bytes"

status=0
bench() {
	label=$1
	shift
	times=""
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(date +%s%N)
		"$BULKHEAD" k8s who-can "$@" "$tmp/cluster.yaml" >"$tmp/out" 2>/dev/null </dev/null || {
			echo "k8s-rbac: who-can $* failed" >&2
			status=1
			return
		}
		t1=$(date +%s%N)
		times="$times $(((t1 - t0) / 1000000))"
		i=$((i + 1))
	done
	set -- $(printf '%s\n' $times | sort -n)
	best=$1
	shift $(($# / 2))
	grants=$(tail -n 1 "$tmp/out")
	printf 'k8s-rbac: who-can %-34s best %5d ms  median %5d ms  (%s)\n' "$label" "$best" "$1" \
		"$grants"
	[ "$best" -lt 1000 ] || status=1
}
bench "list secrets (any namespace)" list secrets
bench "get pods -n ns7" get pods -n ns7
bench "create pods/exec" create pods/exec
bench "update deployments.apps/scale" update deployments.apps/scale
t0=$(date +%s%N)
rc=0
"$BULKHEAD" k8s rbac "$tmp/cluster.yaml" >"$tmp/out" 2>/dev/null </dev/null || rc=$?
t1=$(date +%s%N)
[ "$rc" -le 1 ] || { echo "k8s-rbac: rbac failed (exit $rc)" >&2; status=1; }
printf 'k8s-rbac: rbac (all findings, informational)         %5d ms  (%s)\n' \
	$(((t1 - t0) / 1000000)) "$(tail -n 1 "$tmp/out")"
[ "$status" = 0 ] || echo "k8s-rbac: goal (< 1 s) missed" >&2
exit "$status"
