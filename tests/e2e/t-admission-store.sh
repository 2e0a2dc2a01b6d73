#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-admission-store.sh — `bulkhead admission serve --store`: every decision is recorded (a run
# of kind "admission" with the violated rules as findings, an "admission.decision" audit
# record) by the background recorder; /metrics counts them; SIGTERM drains the queue before
# exit 0; `audit log --kind admission.decision` lists them, `audit verify` passes, a denied
# object that is fixed later has its findings resolved; BULKHEAD_STORE is the default store;
# --cluster without a store and an unusable store are usage errors (exit 2).
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"
FIX=$BH_SOURCE_ROOT/tests/e2e/admission
for t in curl openssl jq timeout; do
	command -v $t >/dev/null || skip "$t missing"
done
. "$BH_SOURCE_ROOT/tests/lib/admission.sh"
export BULKHEAD_HOME="$T/home"
mkdir -p "$BULKHEAD_HOME"

# stop: SIGTERM, exit 0 expected.
stop() {
	kill -TERM "$PID"
	wait "$PID"
	st=$?
	checks=$((checks + 1))
	[ "$st" = 0 ] || fail "SIGTERM: exit $st (want 0): $(tail -3 "$T/$name.err")"
}

review() {
	timeout 60 curl -sS --cacert "$T/cert.pem" -o "$T/body" -w '%{http_code}' \
		-H 'Content-Type: application/json' --data-binary "@$1" "$URL/validate" \
		>"$T/code" 2>"$T/curl.err"
	checks=$((checks + 1))
	[ "$(cat "$T/code")" = 200 ] || fail "review $1: HTTP $(cat "$T/code") $(cat "$T/curl.err")"
}

# A fixed version of the privileged pod: same uid pattern, same name, nothing privileged.
jq '.request.uid = "7d3c0a1e-0003-4000-8000-0000000000ff" |
	.request.object.spec.containers[0].securityContext = {}' \
	"$FIX/pod-privileged.json" >"$T/pod-fixed.json" || fail "jq cannot fix the pod"

DB=$T/store.db
start main --store "$DB" --cluster prod-1 --threads 2
review "$FIX/pod-privileged.json"
review "$FIX/pod-plain.json"
review "$FIX/unknown-kind.json"
review "$FIX/pod-privileged.json"
timeout 60 curl -sS --cacert "$T/cert.pem" "$URL/metrics" >"$T/metrics" 2>"$T/curl.err"
checks=$((checks + 1))
grep -q '^bulkhead_admission_records_total{state="queued"} 4$' "$T/metrics" ||
	fail "metrics: $(grep records "$T/metrics")"
checks=$((checks + 1))
grep -q '^bulkhead_admission_store_up 1$' "$T/metrics" || fail "store not up in the metrics"
stop
checks=$((checks + 1))
grep -q 'recorded decisions: 4 written, 0 spooled, 0 dropped, 0 failed' "$T/main.err" ||
	fail "no summary line: $(tail -3 "$T/main.err")"

expect_exit 0 "$BULKHEAD" audit log --store "$DB" --kind admission.decision --format json
checks=$((checks + 1))
jq -e '[.records[] | .payload.allowed] == [false, true, true, false]' "$T/out" >/dev/null ||
	fail "decisions: $(jq -c '[.records[] | .payload]' "$T/out")"
checks=$((checks + 1))
jq -e '.records[0] | .target == "default/Pod/priv" and .actor == "alice" and
	.payload.operation == "CREATE" and .payload.cluster == "prod-1" and
	(.payload.enforced | index("BH-K8S-PSS-002")) != null and (.payload.run > 0)' \
	"$T/out" >/dev/null || fail "first decision: $(jq -c '.records[0]' "$T/out")"
expect_exit 0 "$BULKHEAD" audit verify --store "$DB"
expect_out '^intact: '

# The runs and findings: scope namespace/Kind/name, cluster, severity from the k8s tables.
expect_exit 0 sqlite3 "$DB" "SELECT count(*) FROM bh_runs WHERE kind = 'admission' AND
	cluster = 'prod-1' AND target_type = 'workload'"
expect_out '^4$'
expect_exit 0 sqlite3 "$DB" "SELECT severity FROM bh_findings WHERE rule_id = 'BH-K8S-PSS-002'
	AND target_name = 'default/Pod/priv' AND workload = 'Pod/priv' AND namespace = 'default'"
expect_out '^high$'

# Fixed and admitted again: its findings are resolved.
start fixed --store "$DB" --cluster prod-1
review "$T/pod-fixed.json"
stop
expect_exit 0 sqlite3 "$DB" "SELECT count(*) FROM bh_findings WHERE target_name =
	'default/Pod/priv' AND rule_id = 'BH-K8S-PSS-002' AND resolved_at > 0"
expect_out '^1$'
expect_exit 0 "$BULKHEAD" audit verify --store "$DB"
expect_out '^intact: '

# BULKHEAD_STORE is the default.
BULKHEAD_STORE="$T/env.db" start env
review "$FIX/pod-plain.json"
stop
expect_exit 0 "$BULKHEAD" audit log --store "$T/env.db" --kind admission.decision --format json
checks=$((checks + 1))
jq -e '.records | length == 1' "$T/out" >/dev/null || fail "BULKHEAD_STORE not used"

# A policy change (SIGHUP reload) is recorded: a run of kind admission.policy, an audit record.
cat >"$T/policy.yaml" <<'EOF'
apiVersion: bulkhead.dev/v1
kind: AdmissionPolicy
defaults:
  enforce: baseline
EOF
start policy --store "$T/policy.db" --cluster prod-1 --policy "$T/policy.yaml"
sed -i 's/enforce: baseline/enforce: restricted/' "$T/policy.yaml"
kill -HUP "$PID"
i=0
while ! grep -q 'policy reloaded' "$T/policy.err" && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
stop
expect_exit 0 "$BULKHEAD" audit log --store "$T/policy.db" --kind admission.policy.reload --format json
checks=$((checks + 1))
want_sha=sha256:$(sha256sum "$T/policy.yaml" | cut -d' ' -f1)
jq -e --arg sha "$want_sha" '.records | length == 1 and (.[0].payload.sha256 == $sha) and
	(.[0].payload.description | test("restricted")) and .[0].target == "prod-1"' "$T/out" \
	>/dev/null || fail "policy reload record: $(cat "$T/out")"
expect_exit 0 "$BULKHEAD" audit verify --store "$T/policy.db"
expect_out '^intact: '

# Usage errors.
expect_exit 2 "$BULKHEAD" admission serve --listen 127.0.0.1:0 --cert "$T/cert.pem" \
	--key "$T/key.pem" --cluster x
expect_err_line 'cluster needs --store'
mkdir -p "$T/notadb"
expect_exit 2 "$BULKHEAD" admission serve --listen 127.0.0.1:0 --cert "$T/cert.pem" \
	--key "$T/key.pem" --store "$T/notadb"
expect_err_line 'cannot record decisions'

finish
