#!/bin/sh
# `bulkhead k8s reach` and `bulkhead k8s exposure`: the hand-written fixtures in
# tests/fixtures/k8s/net/ (one semantic point each), every netpol-recipe from the shared test
# data with the connections its title promises, exposure of kubernetes/examples, and bad input.
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"

"$BULKHEAD" k8s reach --help >/dev/null 2>&1 </dev/null || skip "bulkhead k8s reach not available"
FX=$BH_SOURCE_ROOT/tests/fixtures/k8s/net

# edge FROM TO PORTS: the table in $T/out has that connection ("-" = none at all).
edge() {
	checks=$((checks + 1))
	line=$(awk -v a="$1" -v b="$2" '$1 == a && $2 == b { print $3 }' "$T/out")
	if [ "$3" = - ]; then
		[ -z "$line" ] || fail "$4: $1 -> $2 allowed ($line), want none"
	elif [ "$line" != "$3" ]; then
		fail "$4: $1 -> $2: '${line}', want '$3'"
	fi
}

# ---- the shop fixture: default deny, ipBlock, named ports, endPort, ns+pod selector ----
expect_exit 0 "$BULKHEAD" k8s reach "$FX/shop.yaml"
edge '(external)' Deployment/shop/frontend TCP/8080 shop
edge Deployment/shop/frontend Deployment/shop/api TCP/5000 shop
edge Deployment/shop/api StatefulSet/shop/db TCP/5432 shop
edge Deployment/shop/frontend StatefulSet/shop/db - shop
edge Deployment/shop/api Deployment/kube-system/coredns TCP/53,UDP/53 shop
edge Pod/dev/toolbox Deployment/shop/api - shop
edge Pod/dev/toolbox Deployment/kube-system/coredns all shop
edge StatefulSet/shop/db '(external)' - shop
expect_out '^  dev: no default-deny for ingress, egress$'
expect_out '^  kube-system: no default-deny for ingress, egress$'
checks=$((checks + 1))
grep -q '^  shop:' "$T/out" && fail "shop listed without default-deny"

expect_exit 0 "$BULKHEAD" k8s reach --format json "$FX/shop.yaml"
expect_out '"schema": "bulkhead.k8s-reach/v1"'
expect_out '"from": "Deployment/shop/frontend"'
expect_out '"ingress_default_deny": true'
expect_exit 0 "$BULKHEAD" k8s reach -f dot "$FX/shop.yaml"
expect_out '^digraph reach \{'
expect_out '"Deployment/shop/frontend" -> "Deployment/shop/api" \[label="TCP/5000"\];'
OUTF=$T/reach.json
expect_exit 0 "$BULKHEAD" k8s reach -f json -o "$OUTF" "$FX/shop.yaml"
checks=$((checks + 1))
grep -q '"connections"' "$OUTF" || fail "-o did not write the report"

# ---- netpol-recipes: each title's promise ----
R=$SHARED/k8s/manifests/netpol-recipes
last=""
if [ -d "$R" ]; then
	n=0
	while IFS="|" read -r file from to expect; do
		[ -n "$file" ] || continue
		if [ "$file" != "$last" ]; then
			n=$((n + 1))
			expect_exit 0 "$BULKHEAD" k8s reach "$FX/recipe-world.yaml" "$R/$file"
			checks=$((checks + 1))
			[ -s "$T/err" ] && fail "$file: unexpected notes: $(head -2 "$T/err")"
			last=$file
		fi
		edge "$from" "$to" "$expect" "$file"
	done <<'LIST'
01-deny-all-traffic-to-an-application.yaml|Pod/default/api|Pod/default/web|-
01-deny-all-traffic-to-an-application.yaml|Pod/default/web|Pod/default/api|all
02-limit-traffic-to-an-application.yaml|Pod/default/search|Pod/default/api|all
02-limit-traffic-to-an-application.yaml|Pod/default/web|Pod/default/api|-
02a-allow-all-traffic-to-an-application.yaml|(external)|Pod/default/web|all
03-deny-all-non-whitelisted-traffic-in-the-namespace.yaml|Pod/default/api|Pod/default/db|-
03-deny-all-non-whitelisted-traffic-in-the-namespace.yaml|Pod/default/api|Pod/ops/prom|all
04-deny-traffic-from-other-namespaces.yaml|Pod/default/api|Pod/default/web|all
04-deny-traffic-from-other-namespaces.yaml|Pod/prod/client|Pod/default/web|-
05-allow-traffic-from-all-namespaces.yaml|Pod/ops/shell|Pod/default/web|all
05-allow-traffic-from-all-namespaces.yaml|(external)|Pod/default/web|-
06-allow-traffic-from-a-namespace.yaml|Pod/prod/client|Pod/default/web|all
06-allow-traffic-from-a-namespace.yaml|Pod/ops/prom|Pod/default/web|-
07-allow-traffic-from-some-pods-in-another-namespace.yaml|Pod/ops/prom|Pod/default/web|all
07-allow-traffic-from-some-pods-in-another-namespace.yaml|Pod/ops/shell|Pod/default/web|-
08-allow-external-traffic.yaml|(external)|Pod/default/web|all
09-allow-traffic-only-to-a-port.yaml|Pod/default/mon|Pod/default/apiserver|TCP/5000
09-allow-traffic-only-to-a-port.yaml|Pod/default/web|Pod/default/apiserver|-
10-allowing-traffic-with-multiple-selectors.yaml|Pod/default/inv|Pod/default/db|all
10-allowing-traffic-with-multiple-selectors.yaml|Pod/default/web|Pod/default/db|-
11-deny-egress-traffic-from-an-application-1.yaml|Pod/default/foo|Pod/default/web|-
11-deny-egress-traffic-from-an-application-1.yaml|Pod/default/web|Pod/default/foo|all
11-deny-egress-traffic-from-an-application-2.yaml|Pod/default/foo|Pod/kube-system/dns|TCP/53,UDP/53
11-deny-egress-traffic-from-an-application-2.yaml|Pod/default/foo|Pod/default/web|-
12-deny-all-non-whitelisted-traffic-from-the-namespace.yaml|Pod/default/web|(external)|-
12-deny-all-non-whitelisted-traffic-from-the-namespace.yaml|Pod/prod/client|Pod/default/web|all
14-deny-external-egress-traffic.yaml|Pod/default/foo|(external)|-
14-deny-external-egress-traffic.yaml|Pod/default/foo|Pod/kube-system/dns|TCP/53,UDP/53
LIST
	echo "netpol-recipes: $n files checked"
	checks=$((checks + 1))
	[ "$n" = "$(ls "$R"/*.yaml | wc -l)" ] || fail "recipes checked $n, have $(ls "$R"/*.yaml | wc -l)"
else
	echo "shared netpol-recipes absent; skipping that part"
fi

# ---- exposure ----
expect_exit 1 "$BULKHEAD" k8s exposure "$FX/exposure.yaml"
expect_out '^Deployment/web/shopfront +LoadBalancer +Service/web/shopfront-lb 443/TCP$'
expect_out '^Deployment/web/admin +NodePort +Service/web/admin-np 80/TCP\(nodePort 30080\)$'
expect_out '^Deployment/web/blog +Ingress +Ingress/web/blog -> Service/web/blog 80/TCP$'
expect_out '^DaemonSet/infra/agent +hostNetwork '
expect_out '^Pod/infra/debug +hostPort +container c hostPort 2222$'
checks=$((checks + 1))
grep -q internal "$T/out" && fail "ClusterIP-only workload listed as exposed"
expect_exit 1 "$BULKHEAD" k8s exposure --format json "$FX/exposure.yaml"
expect_out '"schema": "bulkhead.k8s-exposure/v1"'
expect_out '"via": "hostPort"'
expect_exit 0 "$BULKHEAD" k8s exposure "$FX/recipe-world.yaml"

EX=$SHARED/k8s/manifests/k8s-examples
if [ -d "$EX" ]; then
	expect_exit 1 "$BULKHEAD" k8s exposure "$EX"
	expect_out '^ReplicationController/default/es +LoadBalancer +Service/default/elasticsearch '
	expect_out '^- +LoadBalancer +Service/default/web 80/TCP \(selects no workload'
	expect_out '^- +NodePort +Service/default/selenium-hub '
	expect_out '^Deployment/default/frontend +NodePort +Service/default/frontend 80/TCP'
	expect_out '^ReplicationController/default/my-nginx +NodePort +Service/default/nginxsvc '
	expect_out '^DaemonSet/default/newrelic-infra-agent +hostNetwork '
	expect_out '^Deployment/default/tf-serving +Ingress +Ingress/default/tf-serving-ingress -> Service/default/tf-serving '
	checks=$((checks + 1))
	grep -q '^Deployment/default/redis' "$T/out" && fail "ClusterIP redis listed as exposed"
	expect_exit 0 "$BULKHEAD" k8s reach -f json "$EX"
	expect_out '"schema": "bulkhead.k8s-reach/v1"'
else
	echo "shared k8s-examples absent; skipping that part"
fi

# ---- bad input ----
expect_exit 0 "$BULKHEAD" k8s reach "$FX/bad-policy.yaml"
expect_err_line 'note: .*bad-policy.yaml:[0-9]+: ignoring malformed NetworkPolicy default/broken'
edge Pod/default/p Pod/default/p all bad-policy
printf 'kind: Pod\nmetadata: {name: [\n' >"$T/broken.yaml"
expect_exit 2 "$BULKHEAD" k8s reach "$T/broken.yaml"
expect_err_line 'broken.yaml:[0-9]+'
expect_exit 2 "$BULKHEAD" k8s exposure "$T/broken.yaml"
expect_err_line 'broken.yaml:[0-9]+'
expect_exit 2 "$BULKHEAD" k8s reach --format xml "$FX/shop.yaml"
expect_err_line 'unknown format'
expect_exit 2 "$BULKHEAD" k8s exposure --format dot "$FX/shop.yaml"
expect_exit 2 "$BULKHEAD" k8s reach
expect_err_line 'missing PATH'
expect_exit 2 "$BULKHEAD" k8s reach "$T/does-not-exist"
expect_err_line 'does-not-exist'

finish
