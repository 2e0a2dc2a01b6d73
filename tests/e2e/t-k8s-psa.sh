#!/bin/sh
# `bulkhead k8s check`: the upstream Pod Security Admission fixtures (exit 0 for pass/, 1 for
# fail/), the shared real-world manifests, namespace-selected levels, and hostile input
# (billion laughs, 100 MB, deep nesting, duplicate keys, bad types): exit 2, one line.
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"

# ---- upstream fixtures: <level>/<version>/{pass,fail}/*.yaml ----
PSA=$SHARED/k8s/psa
total=0
agree=0
if [ -d "$PSA" ]; then
	for vdir in "$PSA"/*/v*; do
		[ -d "$vdir" ] || continue
		level=$(basename "$(dirname "$vdir")")
		version=$(basename "$vdir")
		for want in pass fail; do
			for f in "$vdir/$want"/*; do
				[ -f "$f" ] || continue
				total=$((total + 1))
				"$BULKHEAD" k8s check --only pss --level "$level" --version "$version" \
					"$f" >"$T/out" 2>"$T/err" </dev/null
				rc=$?
				exp=0
				[ "$want" = fail ] && exp=1
				if [ "$rc" = "$exp" ]; then
					agree=$((agree + 1))
				else
					fail "$level/$version/$want/$(basename "$f"): exit $rc, want $exp"
					sed 's/^/    /' "$T/out" "$T/err" | head -5 >&2
				fi
			done
		done
	done
	echo "PSS fixtures: $agree/$total agree"
	checks=$((checks + 1))
	[ "$total" -gt 0 ] || fail "no fixtures found under $PSA"
else
	echo "shared PSA fixtures absent; skipping that part"
fi

# ---- real manifests load (findings are fine, crashes and input errors are not) ----
if [ -d "$SHARED/k8s/manifests" ]; then
	for lv in baseline restricted; do
		checks=$((checks + 1))
		"$BULKHEAD" k8s check --level $lv --format json "$SHARED/k8s/manifests" \
			>"$T/m.json" 2>"$T/err" </dev/null
		rc=$?
		[ "$rc" -le 1 ] || fail "manifests ($lv): exit $rc: $(head -3 "$T/err")"
		grep -q '"schema": "bulkhead.k8s-check/v1"' "$T/m.json" || fail "manifests: no schema"
	done
	expect_exit 1 "$BULKHEAD" k8s check "$SHARED/k8s/manifests/kube-prometheus"
	expect_out 'BH-K8S-PSS-001 DaemonSet/monitoring/node-exporter'
	expect_out 'nodeExporter-daemonset.yaml:1: '
fi

# ---- levels from namespace labels, unknown kinds, JSON findings ----
cat >"$T/ns.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: locked
  labels:
    pod-security.kubernetes.io/enforce: restricted
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: locked
spec:
  containers:
  - name: c
    image: nginx
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
EOF
expect_exit 1 "$BULKHEAD" k8s check "$T/ns.yaml"
expect_out "ns.yaml:8: MEDIUM BH-K8S-PSS-014 Pod/locked/web \[restricted:latest\]"
expect_err_line "note: .*ns.yaml:18: ignoring unknown kind Widget"
expect_exit 0 "$BULKHEAD" k8s check --only pss --level baseline "$T/ns.yaml"
expect_exit 1 "$BULKHEAD" k8s check --only pss --level restricted --version v1.22 --format json "$T/ns.yaml"
expect_out '"kind": "misconfiguration"'
expect_out '"version": "v1.22"'
if command -v python3 >/dev/null; then
	checks=$((checks + 1))
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="bulkhead.k8s-check/v1"; assert all(f["schema"]=="bulkhead.finding/v1" and f["location"]["line"]==8 for f in d["findings"]); assert len(d["findings"])==4' "$T/out" ||
		fail "JSON report does not have the expected shape"
fi
printf '{"apiVersion":"v1","kind":"PodList","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},"spec":{"hostPID":true,"containers":[{"name":"c","image":"x"}]}}]}' >"$T/list.json"
expect_exit 1 "$BULKHEAD" k8s check "$T/list.json"
expect_out 'BH-K8S-PSS-001 Pod/default/j'
cat >"$T/secret.yaml" <<'EOF'
apiVersion: v1
kind: Secret
metadata: {name: s}
stringData: {password: hunter2-do-not-print}
EOF
expect_exit 0 "$BULKHEAD" k8s check --format json "$T/secret.yaml"
checks=$((checks + 1))
grep -q hunter2 "$T/out" "$T/err" && fail "a Secret value was printed"

# ---- bad input: exit 2, one line naming file:line ----
# bad NAME PATTERN [options]: $T/NAME must be refused.
bad() {
	name=$1
	pat=$2
	shift 2
	expect_exit 2 "$BULKHEAD" k8s check "$@" "$T/$name"
	expect_err_line "$T/$name:?[0-9]*:?[0-9]*:? .*$pat"
	expect_no_out
}

{
	echo 'apiVersion: v1'
	echo 'kind: ConfigMap'
	echo 'metadata: {name: lol}'
	echo 'data:'
	echo '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
	prev=a
	for n in b c d e f g h i j; do
		echo "  $n: &$n [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"
		prev=$n
	done
} >"$T/laughs.yaml"
bad laughs.yaml 'YAML nodes'

{
	echo 'apiVersion: v1'
	echo 'kind: ConfigMap'
	echo 'metadata: {name: big}'
	yes '# padding padding padding padding padding padding padding padding padding' |
		head -c 104857600
} >"$T/big.yaml"
bad big.yaml 'input-max-bytes'
rm -f "$T/big.yaml"

awk 'BEGIN { s = ""; for (i = 0; i < 5000; i++) s = s "["; printf "{\"a\": %s", s;
	s = ""; for (i = 0; i < 5000; i++) s = s "]"; print s "}" }' >"$T/deep.json"
bad deep.json 'json-max-depth'
awk 'BEGIN { for (i = 0; i < 600; i++) { printf "%*sk:\n", i * 2, "" } }' >"$T/deep.yaml"
bad deep.yaml 'json-max-depth'

printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n' >"$T/dup.yaml"
bad dup.yaml "duplicate mapping key 'name'"
expect_err_line "dup.yaml:5:"
printf '{"apiVersion": "v1", "kind": "Pod",\n "kind": "Pod"}' >"$T/dup.json"
bad dup.json "duplicate mapping key 'kind'"

printf 'apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: "true"\n' >"$T/type.yaml"
bad type.yaml 'spec.hostNetwork: expected a boolean'
printf 'apiVersion: v1\nkind: Pod\nspec: [\n' >"$T/syntax.yaml"
bad syntax.yaml 'did not find expected'
printf 'a: *x\n' >"$T/alias.yaml"
bad alias.yaml 'unknown alias'
printf -- '- a\n- b\n' >"$T/seq.yaml"
bad seq.yaml 'not a Kubernetes object'

# ---- usage ----
expect_exit 2 "$BULKHEAD" k8s check --only nonsense "$T/ns.yaml"
expect_exit 2 "$BULKHEAD" k8s check --level strict "$T/ns.yaml"
expect_exit 2 "$BULKHEAD" k8s check --version 1.30 "$T/ns.yaml"
expect_exit 2 "$BULKHEAD" k8s check
expect_exit 2 "$BULKHEAD" k8s check "$T/does-not-exist.yaml"
expect_err_line 'does-not-exist.yaml'
expect_exit 0 "$BULKHEAD" help k8s
finish
