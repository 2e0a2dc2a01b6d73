#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-store-record.sh — commands that record into the store: `scan --store` and `k8s check
# --store` write runs and findings (one run per scanner, so a scan with fewer scanners does
# not resolve the others' findings), the audit log gets a record per finding first seen
# and resolved and per run, and `audit verify` finds the chain intact. BULKHEAD_STORE is
# the default. A bad store spec is an input error and nothing is printed.
. "$(dirname "$0")/../lib/e2e.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
export BULKHEAD_HOME="$T/home"
mkdir -p "$BULKHEAD_HOME"
unset BULKHEAD_STORE

# An image with one secret (assembled here) in a file.
mkdir -p "$T/l1/opt"
printf 'GITHUB_TOKEN=ghp_%s%s\n' 'Xq7mV2pL9tR4wZ8n' 'B1cY6hD5fG0sA3eUk2J' >"$T/l1/opt/t.env"
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" oci "$T/img" --tag 1 --layer "$T/l1" \
	>/dev/null || fail "mkimage.py failed"
IMG=oci:$T/img:1
S=$T/home/store.db

expect_exit 0 "$BULKHEAD" scan --scanners secret,config --store "$S" "$IMG"
expect_exit 0 "$BULKHEAD" audit log --store "$S" --format json
checks=$((checks + 1))
jq -e '[.records[] | .kind] as $k |
  ($k | map(select(. == "run.recorded")) | length) == 2 and
  ($k | map(select(. == "finding.new")) | length) >= 2' "$T/out" >/dev/null ||
	fail "audit after the first scan: $(jq -c '[.records[] | .kind]' "$T/out")"

# Secret scanner only: the config findings are not resolved by a run that did not look.
expect_exit 0 "$BULKHEAD" scan --scanners secret --store "$S" "$IMG"
expect_exit 0 "$BULKHEAD" audit log --store "$S" --kind finding.resolved --format json
checks=$((checks + 1))
jq -e '.records | length == 0' "$T/out" >/dev/null || fail "a partial scan resolved findings"

# The secret is gone from a rebuilt image: its finding is resolved.
rm "$T/l1/opt/t.env"
printf 'nothing here\n' >"$T/l1/opt/readme"
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" oci "$T/img" --tag 1 --layer "$T/l1" \
	>/dev/null || fail "mkimage.py failed"
expect_exit 0 "$BULKHEAD" scan --scanners secret --store "$S" "$IMG"
expect_exit 0 "$BULKHEAD" audit log --store "$S" --kind finding.resolved --format json
checks=$((checks + 1))
jq -e '.records | length == 1 and (.[0].payload.rule | startswith("BH-SECRET-"))' "$T/out" \
	>/dev/null || fail "resolved secret: $(cat "$T/out")"

# k8s check through BULKHEAD_STORE, with a cluster name.
export BULKHEAD_STORE="$S"
expect_exit 1 "$BULKHEAD" k8s check --cluster prod "$BH_SOURCE_ROOT/tests/fixtures/k8s/net/shop.yaml"
expect_exit 0 "$BULKHEAD" audit log --kind run.recorded --format json
checks=$((checks + 1))
jq -e '[.records[] | .payload.kind] | index("k8s-check.hardening") and index("k8s-check.pss")' \
	"$T/out" >/dev/null || fail "k8s check runs: $(jq -c '[.records[] | .payload]' "$T/out")"
expect_exit 0 "$BULKHEAD" audit verify
expect_out '^intact: '
unset BULKHEAD_STORE

# Bad store: not a store, missing directory — exit 2, one line, nothing on stdout.
printf 'not a database, just text\n' >"$T/junk.db"
expect_exit 2 "$BULKHEAD" scan --scanners config --store "$T/junk.db" "$IMG"
expect_err_line 'junk\.db'
expect_no_out
expect_exit 2 "$BULKHEAD" scan --scanners config --store "$T/no/such/dir/s.db" "$IMG"
expect_err_line 's\.db'
expect_no_out

finish
