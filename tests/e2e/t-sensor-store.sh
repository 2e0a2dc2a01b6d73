#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-sensor-store.sh — runtime alerts in the store, through `bulkhead sensor replay --store`
# (the same alert sinks and recorder as `sensor run`, without root): each alert is a run of
# kind "runtime" (target the container, namespace, workload Pod/NAME, image digest, cluster)
# with one finding of kind "runtime" (rule id = the rule name, severity from the Falco
# priority) and a "runtime.alert" audit record; a burst of 3000 alerts is recorded without a
# loss; a rule firing again keeps one finding open; `audit verify` passes; `risk` sees the
# runtime data; --store without --rules and --cluster without a store are usage errors.
. "$(dirname "$0")/../lib/e2e.sh"

command -v jq >/dev/null 2>&1 || skip "jq not installed"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 not installed"
"$BULKHEAD" sensor replay --help >/dev/null 2>&1 || skip "bulkhead built without the sensor command"
export BULKHEAD_HOME="$T/home"
mkdir -p "$BULKHEAD_HOME"

CT='"container":{"id":"4f7c0c2d8e91","name":"web","image":"nginx:1.25","image_repository":"nginx","image_tag":"1.25","image_digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","runtime":"containerd","k8s_ns":"shop","k8s_pod":"web-7d9f8b6c5-x2x4z"}'
HOST='"container":{"id":"host"}'
exec_ev() { # ts name container
	printf '{"ts":%s,"num":1,"type":"execve","dir":"<","res":0,"proc":{"pid":100,"tid":100,"ppid":10,"vpid":1,"uid":0,"gid":0,"euid":0,"egid":0,"name":"%s","exe":"%s","exepath":"/bin/%s","args":["-i"],"cwd":"/","tty":0,"user":"root","group":"root"},%s}\n' \
		"$1" "$2" "$2" "$2" "$3"
}
open_ev() { # ts path container
	printf '{"ts":%s,"num":2,"type":"openat","dir":"<","res":3,"proc":{"pid":101,"tid":101,"ppid":10,"name":"cat","exe":"cat","exepath":"/usr/bin/cat","args":["%s"],"user":"root"},"fd":{"num":3,"type":"f","name":"%s","open_flags":0},%s,"args":{"flags":"O_RDONLY"}}\n' \
		"$1" "$2" "$2" "$3"
}

cat >"$T/rules.yaml" <<'EOF'
- rule: Shell in container
  desc: a shell ran in a container
  condition: evt.type = execve and proc.name = bash and container.id != host
  output: "shell %proc.name in %container.name (ns=%k8s.ns.name pod=%k8s.pod.name image=%container.image)"
  priority: WARNING
- rule: Shadow read
  desc: /etc/shadow opened
  condition: evt.type = openat and fd.name = /etc/shadow
  output: "shadow read by %proc.name (%fd.name)"
  priority: CRITICAL
EOF
now=$(date +%s)
{
	exec_ev "${now}000000001" bash "$CT"
	open_ev "${now}000000002" /etc/shadow "$CT"
	exec_ev "${now}000000003" bash "$CT"
	open_ev "${now}000000004" /etc/shadow "$HOST"
	exec_ev "${now}000000005" nginx "$CT"
} >"$T/events.jsonl"

DB=$T/store.db
expect_exit 0 "$BULKHEAD" sensor replay --rules "$T/rules.yaml" --store "$DB" --cluster prod-1 \
	"$T/events.jsonl"
checks=$((checks + 1))
[ "$(wc -l <"$T/out")" = 4 ] || fail "expected 4 alerts on stdout, got: $(cat "$T/out")"

expect_exit 0 sqlite3 "$DB" "SELECT count(*) FROM bh_runs WHERE kind = 'runtime'"
expect_out '^4$'
# One finding per rule and container: the shell fired twice and stays one open finding.
expect_exit 0 sqlite3 -separator ' ' "$DB" "SELECT rule_id, kind, severity, target_type,
	target_name, namespace, workload, target_digest, cluster, resolved_at FROM bh_findings
	ORDER BY rule_id, target_type"
expect_out '^Shadow read runtime critical container 4f7c0c2d8e91 shop Pod/web-7d9f8b6c5-x2x4z sha256:1{64} prod-1 0$'
expect_out '^Shadow read runtime critical host '
expect_out '^Shell in container runtime medium container 4f7c0c2d8e91 shop Pod/web-7d9f8b6c5-x2x4z sha256:1{64} prod-1 0$'
checks=$((checks + 1))
[ "$(wc -l <"$T/out")" = 3 ] || fail "expected 3 findings: $(cat "$T/out")"
expect_exit 0 sqlite3 "$DB" "SELECT json_extract(finding, '$.target.image') || ' ' ||
	json_extract(finding, '$.evidence.output_fields.\"k8s.pod.name\"') FROM bh_findings
	WHERE rule_id = 'Shell in container'"
expect_out '^nginx:1.25 web-7d9f8b6c5-x2x4z$'

expect_exit 0 "$BULKHEAD" audit log --store "$DB" --kind runtime.alert --format json
checks=$((checks + 1))
jq -e '[.records[] | .payload.rule] == ["Shell in container", "Shadow read",
	"Shell in container", "Shadow read"] and .records[0].target == "4f7c0c2d8e91" and
	.records[0].payload.namespace == "shop" and .records[0].payload.pod ==
	"web-7d9f8b6c5-x2x4z" and .records[0].payload.image == "nginx:1.25" and
	.records[0].payload.severity == "medium" and .records[0].payload.cluster == "prod-1" and
	.records[1].payload.priority == "Critical" and (.records[0].payload.run > 0)' "$T/out" \
	>/dev/null || fail "runtime.alert records: $(jq -c '[.records[] | .payload]' "$T/out")"
expect_exit 0 "$BULKHEAD" audit verify --store "$DB"
expect_out '^intact: '

# A burst: 3000 alerts in one replay, all recorded (batches; nothing dropped).
i=0
while [ $i -lt 3000 ]; do
	exec_ev "${now}1$(printf %08d $i)" bash "$CT"
	i=$((i + 1))
done >"$T/burst.jsonl"
expect_exit 0 "$BULKHEAD" sensor replay --rules "$T/rules.yaml" --store "$DB" \
	--alerts "file:$T/alerts.jsonl" "$T/burst.jsonl"
expect_exit 0 sqlite3 "$DB" "SELECT count(*) FROM bh_runs WHERE kind = 'runtime'"
expect_out '^3004$'
expect_exit 0 sqlite3 "$DB" "SELECT count(*) FROM bh_audit WHERE kind = 'runtime.alert'"
expect_out '^3004$'
expect_exit 0 "$BULKHEAD" audit verify --store "$DB"
expect_out '^intact: '

# risk reads the runtime runs: the alerts of pod web-7d9f8b6c5-x2x4z count for Deployment web.
cat >"$T/web.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
EOF
expect_exit 0 "$BULKHEAD" risk --store "$DB" --format json "$T/web.yaml"
checks=$((checks + 1))
jq -e '[.. | objects | select(.id? == "runtime-alerts" and .assessed? == true)] |
	length == 1 and .[0].value > 0 and (.[0].detail | test("alerts? in the last"))' \
	"$T/out" >/dev/null ||
	fail "risk has no runtime data: $(jq -c '[.. | objects | select(.id? == "runtime-alerts")]' "$T/out" | head -c 600)"

# Usage errors.
expect_exit 2 "$BULKHEAD" sensor replay --rules "$T/rules.yaml" --cluster x "$T/events.jsonl"
expect_err_line 'cluster needs --store'
mkdir -p "$T/notadb"
expect_exit 2 "$BULKHEAD" sensor replay --rules "$T/rules.yaml" --store "$T/notadb" \
	"$T/events.jsonl"
expect_err_line 'cannot record alerts'

finish
