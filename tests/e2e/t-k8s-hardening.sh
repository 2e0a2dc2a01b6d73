#!/bin/sh
# `bulkhead k8s check --only hardening` (and both sets by default): every failing fixture under
# tests/fixtures/k8s/hardening/ exits 1 and names its rules, every passing one does not raise
# its rule; bulkhead.dev/ignore exceptions; literal secret values never printed; the shared
# real-world manifests load and get findings; per-rule counts printed.
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"

FIX=$BH_SOURCE_ROOT/tests/fixtures/k8s/hardening

# ---- fixtures: the first line names the exact rule set ----
nfix=0
for f in "$FIX"/fail/*.yaml "$FIX"/pass/*.yaml; do
	[ -f "$f" ] || continue
	nfix=$((nfix + 1))
	want=$(head -1 "$f" | sed 's/^# expect: *//')
	checks=$((checks + 1))
	"$BULKHEAD" k8s check --only hardening "$f" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	got=$(grep -o 'BH-K8S-HARD-[0-9]*' "$T/out" | sort -u | paste -sd, -)
	exp=1
	[ -z "$want" ] && exp=0
	[ "$rc" = "$exp" ] || fail "$(basename "$f"): exit $rc, want $exp: $(head -2 "$T/err")"
	[ "$got" = "$want" ] || fail "$(basename "$f"): rules '$got', want '$want'"
done
[ "$nfix" -ge 50 ] || fail "only $nfix hardening fixtures found"
echo "hardening fixtures: $nfix"

# ---- Helm-rendered output (helm template): empty documents, '# Source:' comments, {} ----
HELM=$BH_SOURCE_ROOT/tests/fixtures/k8s/helm/rendered.yaml
expect_exit 0 "$BULKHEAD" k8s check --only pss "$HELM"
expect_out '^0 findings in 2 workloads \(4 objects, 1 file\)$'
expect_exit 1 "$BULKHEAD" k8s check --only hardening "$HELM"
expect_out 'rendered.yaml:66: MEDIUM BH-K8S-HARD-008 Pod/default/release-name-mychart-test-connection'
expect_out 'BH-K8S-HARD-001 Deployment/default/release-name-mychart'

# ---- --only parsing, both sets by default ----
POD=$FIX/fail/015-privileged.yaml
expect_exit 1 "$BULKHEAD" k8s check --only hardening "$POD"
expect_out 'CRITICAL BH-K8S-HARD-015 Deployment/apps/web \[hardening\] Privileged container'
expect_exit 1 "$BULKHEAD" k8s check "$POD"
expect_out 'BH-K8S-PSS-002 Deployment/apps/web'
checks=$((checks + 1))
grep -q 'BH-K8S-HARD-015' "$T/out" && fail "HARD-015 reported next to PSS-002"
expect_exit 1 "$BULKHEAD" k8s check --only pss,hardening --format json "$POD"
expect_out '"checks": "pss,hardening"'
expect_exit 0 "$BULKHEAD" k8s check --only pss "$FIX/fail/009-image-digest.yaml"
expect_exit 1 "$BULKHEAD" k8s check --only hardening --format json "$FIX/fail/009-image-digest.yaml"
expect_out '"checks": "hardening"'
expect_out '"severity": "low"'
expect_out '"compliance": \['
expect_out '"CIS-K8S-1.9:5.5.1"'
expect_out '"NIST-800-190:4.1.5"'
expect_exit 2 "$BULKHEAD" k8s check --only hardnening "$POD"
expect_err_line "unknown checks 'hardnening'"
expect_exit 2 "$BULKHEAD" k8s check --only , "$POD"

# ---- exceptions ----
sed 's/^  name: web$/  name: web\n  annotations: {bulkhead.dev\/ignore: "BH-K8S-HARD-015, BH-K8S-PSS-002"}/' \
	"$POD" >"$T/ignored.yaml"
expect_exit 0 "$BULKHEAD" k8s check "$T/ignored.yaml"
expect_out '^0 findings in 1 workload .*, 2 suppressed by bulkhead.dev/ignore$'
expect_exit 0 "$BULKHEAD" k8s check --format json "$T/ignored.yaml"
expect_out '"rule": "BH-K8S-PSS-002"'
expect_out '"note": "suppressed by annotation bulkhead.dev/ignore"'

# ---- literal secrets: names reported, values never ----
expect_exit 1 "$BULKHEAD" k8s check --format json "$FIX/fail/028-env-secret-literal.yaml"
expect_out 'DB_PASSWORD'
checks=$((checks + 1))
grep -q 'do-not-print' "$T/out" "$T/err" && fail "a literal secret value was printed"

# ---- real manifests: load, findings, counts per rule ----
if [ -d "$SHARED/k8s/manifests" ]; then
	expect_exit 1 "$BULKHEAD" k8s check --only hardening "$SHARED/k8s/manifests"
	expect_out 'BH-K8S-HARD-024 DaemonSet/monitoring/node-exporter'
	echo "per-rule findings on $SHARED/k8s/manifests (hardening only):"
	grep -o 'BH-K8S-HARD-[0-9]*' "$T/out" | sort | uniq -c | sed 's/^/   /'
	tail -1 "$T/out"
	expect_exit 1 "$BULKHEAD" k8s check --format json "$SHARED/k8s/manifests"
	expect_out '"schema": "bulkhead.k8s-check/v1"'
else
	echo "shared manifests absent; skipping that part"
fi

finish
