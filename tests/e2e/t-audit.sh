#!/bin/sh
# bulkhead audit end to end: import the real Kubernetes API audit events of
# ../shared/testdata/k8s/audit (idempotent: a second import adds nothing), malformed lines
# refused as FILE:LINE with nothing imported, log / export / verify / checkpoint / key, the
# exported lines' hashes recomputed in Python from docs/audit-log.md's definition, a
# checkpoint signature checked with `openssl pkeyutl`, tampering with the sqlite3 CLI
# (modify, delete, truncate) found and named, two importers at once, and bad input: a
# corrupt store, an unreachable PostgreSQL server, bad keys and options. JSON documents
# are validated against docs/schema/audit-{log,verify}.schema.json when node and ajv are there.
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"
command -v python3 >/dev/null || skip "python3 missing"
VALIDATE=$BH_SOURCE_ROOT/tests/lib/validate-schema.js
SCH=$BH_SOURCE_ROOT/docs/schema
AUD=$SHARED/k8s/audit
[ -d "$AUD" ] || skip "../shared/testdata/k8s/audit is absent"
unset BULKHEAD_STORE
export BULKHEAD_HOME="$T/home"
S=$BULKHEAD_HOME/store.db

schema() {
	cp "$T/out" "$T/$2"
	command -v node >/dev/null 2>&1 || return 0
	checks=$((checks + 1))
	node "$VALIDATE" "$SCH/$1.schema.json" "$T/$2" >"$T/val" 2>&1
	case $? in
	0 | 77) ;;
	*) fail "$2 does not validate against $1.schema.json:"; sed 's/^/    /' "$T/val" | head -20 >&2 ;;
	esac
}

# ---- import -----------------------------------------------------------------------------
expect_exit 0 "$BULKHEAD" audit import-k8s "$AUD"/*.json
expect_out '^imported 48 records from 51 events \(50 changes, 2 already recorded\)'
grep -q "created audit key" "$T/err" || fail "no notice about the new key"
checks=$((checks + 1))
[ "$(stat -c %a "$BULKHEAD_HOME/audit-key.pem")" = 600 ] || fail "audit key is not mode 0600"
expect_exit 0 "$BULKHEAD" audit import-k8s "$AUD"/*.json
expect_out '^imported 0 records from 51 events \(50 changes, 50 already recorded\)'

# malformed: FILE:LINE, exit 2, nothing imported (every line is checked first)
{
	echo '{"kind":"Event","auditID":"new-1","stage":"ResponseComplete","verb":"create","user":{"username":"eve"},"objectRef":{"resource":"pods","namespace":"x","name":"p"}}'
	echo '{"kind":"Event","auditID":"new-2","stage":"ResponseComplete","verb":"create","user":"eve"}'
} >"$T/bad.jsonl"
expect_exit 2 "$BULKHEAD" audit import-k8s "$T/bad.jsonl"
expect_err_line "bad\.jsonl:2: malformed audit event: user is not an object"
echo 'not json' >"$T/bad2.jsonl"
expect_exit 2 "$BULKHEAD" audit import-k8s "$AUD/create_secret.json" "$T/bad2.jsonl"
expect_err_line "bad2\.jsonl:1: malformed audit event"
expect_exit 2 "$BULKHEAD" audit import-k8s "$T/missing.jsonl"
expect_err_line "cannot open '.*missing\.jsonl'"
expect_exit 0 "$BULKHEAD" audit verify
expect_out '^intact: 48 records, 1 checkpoints, signed through seq 48$'

# ---- verify, log, export ----------------------------------------------------------------
expect_exit 0 "$BULKHEAD" audit verify --format json
schema audit-verify verify-ok.json
expect_out '"intact": true'
expect_exit 0 "$BULKHEAD" audit log
expect_out '^SEQ +TIME +KIND +ACTOR +TARGET'
expect_out '^3 .* k8s\.api +minikube-user +default/pods/nginx-deployment-7998647bdf-phvq7/attach$'
expect_exit 0 "$BULKHEAD" audit log --kind 'k8s.*' --target 'default/*' --format json
schema audit-log log.json
checks=$((checks + 1))
python3 - "$T/log.json" <<'PY' || fail "log --target 'default/*' selected the wrong records"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["records"]
assert r and all(x["target"].startswith("default/") for x in r), r
assert all(x["payload"]["namespace"] == "default" for x in r)
assert any(x["payload"].get("subresource") == "exec" for x in r)
PY
expect_exit 0 "$BULKHEAD" audit log --since 2099-01-01 --format json
expect_out '"records": \[\]'
expect_exit 0 "$BULKHEAD" audit log --since 1h --format json
expect_out '"seq": 48'

expect_exit 0 "$BULKHEAD" audit export -o "$T/export.jsonl"
expect_no_out
checks=$((checks + 1))
python3 - "$T/export.jsonl" <<'PY' || fail "exported hashes do not recompute"
import hashlib, json, sys
prev = "sha256:" + "0" * 64
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    rec = json.loads(line)
    h = rec.pop("hash")
    # canonical JSON (docs/audit-log.md); member names here are ASCII, so sort_keys matches
    canon = json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert line.rstrip("\n") == json.dumps(dict(rec, hash=h), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "sha256:" + hashlib.sha256(canon.encode()).hexdigest() == h, rec["seq"]
    assert rec["prev_hash"] == prev and rec["seq"] == n + 1
    assert rec["schema"] == "bulkhead.audit-record/v1" and rec["kind"] == "k8s.api"
    prev = h
    n += 1
assert n == 48, n
PY
expect_exit 0 "$BULKHEAD" audit export --kind nothing
expect_no_out

# ---- key and checkpoint: the signature checks with openssl --------------------------------
expect_exit 0 "$BULKHEAD" audit key
cp "$T/out" "$T/pub.pem"
expect_out '^-----BEGIN PUBLIC KEY-----$'
expect_exit 0 "$BULKHEAD" audit verify --key "$T/pub.pem"
expect_out '^intact: 48 records'
expect_exit 0 "$BULKHEAD" audit checkpoint
expect_out '^checkpoint at seq 48 signed with sha256:[0-9a-f]{64}$'
if command -v sqlite3 >/dev/null && command -v openssl >/dev/null; then
	sqlite3 "$S" "SELECT hash, key_id, seq, time, signature FROM bh_checkpoints ORDER BY time DESC LIMIT 1" |
		python3 -c 'import base64, sys
h, k, seq, t, sig = sys.stdin.read().strip().split("|")
open(sys.argv[1], "w").write("{\"hash\":\"%s\",\"key_id\":\"%s\",\"schema\":\"bulkhead.audit-checkpoint/v1\",\"seq\":%s,\"time\":%s}" % (h, k, seq, t))
open(sys.argv[2], "wb").write(base64.b64decode(sig))' "$T/cp.msg" "$T/cp.sig"
	checks=$((checks + 1))
	openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -rawin -in "$T/cp.msg" \
		-sigfile "$T/cp.sig" >/dev/null 2>&1 || fail "openssl does not verify the checkpoint"
fi

# ---- tampering behind bulkhead's back (sqlite3 CLI) ---------------------------------------
if command -v sqlite3 >/dev/null; then
	tamper() { # SQL: on a copy of the store (and its head file); verify it
		rm -f "$T/t.db"*
		sqlite3 "$S" ".backup '$T/t.db'"
		sqlite3 "$T/t.db" "$1"
		expect_exit "$2" "$BULKHEAD" audit verify --store "$T/t.db"
	}
	tamper "UPDATE bh_audit SET actor = 'nobody' WHERE seq = 5" 1
	expect_out '^tampered: record 5: record 5 does not match its hash.*\(modified\)$'
	tamper "DELETE FROM bh_audit WHERE seq = 7" 1
	expect_out '^tampered: record 7: record 7 is missing \(deleted\).*\(gap\)$'
	tamper "UPDATE bh_audit SET seq = 1003 WHERE seq = 3; UPDATE bh_audit SET seq = 3 WHERE seq = 4; UPDATE bh_audit SET seq = 4 WHERE seq = 1003" 1
	expect_out '^tampered: record 3: .*\(modified\)$'
	tamper "DELETE FROM bh_checkpoints; DELETE FROM bh_audit WHERE seq > 40" 1
	expect_out "^tampered: record 41: the log ends at seq 40 but the head file's entry at seq 48 was signed.*\(truncated\)$"
	tamper "UPDATE bh_checkpoints SET time = time + 1" 1
	expect_out '^tampered: record 48: checkpoint at seq 48 has an invalid signature.*\(checkpoint-signature\)$'
	expect_exit 1 "$BULKHEAD" audit verify --store "$T/t.db" --format json
	schema audit-verify verify-bad.json
	expect_out '"problem": "checkpoint-signature"'
	expect_exit 1 "$BULKHEAD" audit checkpoint --store "$T/t.db"
	expect_out 'nothing signed'
	tamper "SELECT 1" 0
fi

# ---- two importers at once into a fresh store --------------------------------------------
python3 - "$T" <<'PY'
import json, sys
for w in ("a", "b"):
    with open("%s/gen-%s.jsonl" % (sys.argv[1], w), "w") as f:
        for i in range(120):
            f.write(json.dumps({"apiVersion": "audit.k8s.io/v1", "kind": "Event", "auditID": "%s-%d" % (w, i),
                "stage": "ResponseComplete", "verb": "update", "user": {"username": "user-" + w},
                "objectRef": {"resource": "deployments", "namespace": "ns", "name": "d%d" % i},
                "stageTimestamp": "2024-05-01T10:00:00Z"}) + "\n")
PY
"$BULKHEAD" audit import-k8s --store "$T/c.db" --checkpoint-every 25 "$T/gen-a.jsonl" >"$T/ca" 2>&1 &
pa=$!
"$BULKHEAD" audit import-k8s --store "$T/c.db" --checkpoint-every 25 "$T/gen-b.jsonl" >"$T/cb" 2>&1 &
pb=$!
wait $pa
ra=$?
wait $pb
rb=$?
checks=$((checks + 1))
[ $ra = 0 ] && [ $rb = 0 ] || fail "concurrent import failed ($ra, $rb): $(cat "$T/ca" "$T/cb")"
expect_exit 0 "$BULKHEAD" audit verify --store "$T/c.db"
expect_out '^intact: 240 records, [0-9]+ checkpoints, signed through seq 240$'
expect_exit 0 "$BULKHEAD" audit log --store "$T/c.db" --format json
checks=$((checks + 1))
python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["records"]
assert sorted(x["seq"] for x in r) == list(range(1, 241))
assert sum(x["actor"] == "user-a" for x in r) == 120' "$T/out" || fail "concurrent import lost or mixed records"

# ---- bad input ----------------------------------------------------------------------------
head -c 8192 /dev/urandom >"$T/corrupt.db"
expect_exit 2 "$BULKHEAD" audit verify --store "$T/corrupt.db"
expect_err_line "corrupt\.db"
expect_exit 2 "$BULKHEAD" audit verify --store "$T/none.db"
expect_err_line "none\.db"
expect_exit 3 "$BULKHEAD" audit verify --store "postgres://bh@127.0.0.1:1/bh?connect_timeout=2"
expect_err_line "127\.0\.0\.1"
echo junk >"$T/junk.pem"
expect_exit 2 "$BULKHEAD" audit verify --key "$T/junk.pem"
expect_err_line "junk\.pem.*not a PEM public key"
cp "$BULKHEAD_HOME/audit-key.pem" "$T/open.pem"
chmod 644 "$T/open.pem"
expect_exit 2 "$BULKHEAD" audit checkpoint --key "$T/open.pem"
expect_err_line "open\.pem.*group or others"
expect_exit 2 "$BULKHEAD" audit frobnicate
expect_err_line "unknown audit action 'frobnicate'"
expect_exit 2 "$BULKHEAD" audit
expect_exit 2 "$BULKHEAD" audit log --format yaml
expect_err_line "unknown format 'yaml'"
expect_exit 2 "$BULKHEAD" audit log --since yesterday
expect_err_line "--since 'yesterday'"
expect_exit 2 "$BULKHEAD" audit verify --kind x
expect_exit 2 "$BULKHEAD" audit import-k8s
expect_err_line "missing FILE"
expect_exit 0 "$BULKHEAD" help audit
expect_out '^usage: bulkhead audit verify'
finish
