#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-report-html.sh — `bulkhead report compliance` end to end: a SQLite store filled by real
# recording commands (k8s check, k8s reach and scan with --store), the report in JSON (schema,
# summary, evidence ids that exist in the store's runs) and in HTML (self-contained,
# escaped, byte-for-byte reproducible with SOURCE_DATE_EPOCH), then the HTML opened in
# headless Chromium: the DOM shows the summary, the page logs no console message and no
# uncaught error, and a screenshot is saved (kept as $BH_BUILD_ROOT/report-compliance.png).
# A deliberately broken page proves the console check can fail. Bad input last.
. "$(dirname "$0")/../lib/e2e.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip "chromium not installed (scripts/deps.sh installs it)"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
"$BULKHEAD" scan --help | grep -q -- '--store' || skip "scan does not record to a store yet"

export HOME="$T/home" BULKHEAD_HOME="$T/bh"
unset BULKHEAD_STORE
mkdir -p "$HOME" "$BULKHEAD_HOME"
FIX=$BH_SOURCE_ROOT/tests/fixtures
S=$T/store.db

# --- the store: a Kubernetes check (PSS + hardening), the NetworkPolicy analysis of the same
# manifests and an image scan (secret, config) ------------------------------------------------
expect_exit 1 "$BULKHEAD" k8s check "$FIX/k8s/hardening" --store "$S" --cluster prod
expect_exit 0 "$BULKHEAD" k8s reach "$FIX/k8s/hardening" --store "$S" --cluster prod
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" oci "$T/img" --tag 1.0 \
	--layer "$FIX/images/sample/layer1" --layer "$FIX/images/sample/layer2" >/dev/null ||
	fail "mkimage.py failed"
expect_exit 0 "$BULKHEAD" scan "oci:$T/img:1.0" --scanners secret,config --store "$S"

# --- JSON -----------------------------------------------------------------------------------
export SOURCE_DATE_EPOCH=1700000000
expect_exit 1 "$BULKHEAD" report compliance --framework nist-800-190 --format json --store "$S"
cp "$T/out" "$T/nist.json"
checks=$((checks + 1))
[ "$(jq -r '.schema' "$T/nist.json")" = bulkhead.compliance/v1 ] || fail "schema"
checks=$((checks + 1))
[ "$(jq -r '.generated' "$T/nist.json")" = 2023-11-14T22:13:20Z ] || fail "generated"
checks=$((checks + 1))
[ "$(jq '.controls | length' "$T/nist.json")" = 23 ] || fail "23 NIST countermeasures"
checks=$((checks + 1))
[ "$(jq '[.summary.pass, .summary.fail, .summary.not_assessed] | add' "$T/nist.json")" = 23 ] ||
	fail "summary does not add up to 23"
checks=$((checks + 1))
[ "$(jq -r '.controls[] | select(.id == "4.1.1") | .status' "$T/nist.json")" = not_assessed ] ||
	fail "4.1.1 without a vulnerability scan is not assessed"
checks=$((checks + 1))
jq -r '.controls[] | select(.id == "4.1.1") | .why' "$T/nist.json" | grep -q -- '--scanners vuln' ||
	fail "4.1.1 says what would assess it"
checks=$((checks + 1))
[ "$(jq -r '.controls[] | select(.id == "4.4.3") | .status' "$T/nist.json")" = fail ] ||
	fail "4.4.3 fails on the hardening fixtures"
# No NetworkPolicy among the hardening fixtures: 4.3.3 fails on the reach findings.
checks=$((checks + 1))
jq -e '.controls[] | select(.id == "4.3.3") | .status == "fail" and
  .assessed_by[0].kind == "k8s-reach" and all(.evidence[]; .rule | startswith("BH-K8S-NET-"))' \
	"$T/nist.json" >/dev/null || fail "4.3.3 is decided by the k8s-reach run"
checks=$((checks + 1))
[ "$(jq -r '.controls[] | select(.id == "4.1.2") | .assessed_by[0].kind' "$T/nist.json")" = \
	scan.config ] || fail "4.1.2 is assessed by the config scan"
# Every evidence run id is a run the store holds, and each finding id appears in the store.
checks=$((checks + 1))
runs=$(jq '[.controls[].assessed_by[].run_id] | unique | length' "$T/nist.json")
[ "$runs" -ge 2 ] || fail "expected at least two assessing runs, got $runs"
if command -v sqlite3 >/dev/null 2>&1; then
	jq -r '.controls[].evidence[] | "\(.finding_id) \(.run_id)"' "$T/nist.json" | sort -u |
		while read -r fid rid; do
			n=$(sqlite3 "$S" "SELECT count(*) FROM bh_findings WHERE id = '$fid' AND last_run_id = $rid")
			[ "$n" -ge 1 ] || echo "$fid $rid"
		done >"$T/missing"
	checks=$((checks + 1))
	[ -s "$T/missing" ] && fail "evidence not in the store: $(head -3 "$T/missing")"
fi
expect_exit 1 "$BULKHEAD" report compliance --framework cis-k8s --format json --store "$S"
cp "$T/out" "$T/cis.json"
checks=$((checks + 1))
[ "$(jq -r '.controls[] | select(.id == "5.2.12") | .status' "$T/cis.json")" = fail ] ||
	fail "CIS 5.2.12 (hostPath) fails"
checks=$((checks + 1))
[ "$(jq -r '.controls[] | select(.id == "5.3.2") | .status' "$T/cis.json")" = fail ] ||
	fail "CIS 5.3.2 fails: namespaces without NetworkPolicies"
checks=$((checks + 1))
[ "$(jq -r '.controls[] | select(.id == "5.3.1") | .status' "$T/cis.json")" = not_assessed ] ||
	fail "CIS 5.3.1 (CNI enforcement) is never assessed"
checks=$((checks + 1))
[ "$(jq -r '.controls[] | select(.id == "5.1.1") | .status' "$T/cis.json")" = not_assessed ] ||
	fail "CIS 5.1.1 needs an RBAC run"
checks=$((checks + 1))
jq -e '[.controls[].id] | map(split(".")[1]) | unique == ["1","2","3","4","5","7"]' "$T/cis.json" \
	>/dev/null || fail "CIS sections 5.1, 5.2, 5.3, 5.4, 5.5, 5.7"
if command -v node >/dev/null 2>&1; then
	for doc in nist cis; do
		checks=$((checks + 1))
		node "$BH_SOURCE_ROOT/tests/lib/validate-schema.js" \
			"$BH_SOURCE_ROOT/docs/schema/compliance.schema.json" "$T/$doc.json" >"$T/val" 2>&1
		case $? in
		0 | 77) ;;
		*) fail "schema ($doc):"; sed 's/^/    /' "$T/val" | head -10 >&2 ;;
		esac
	done
fi

# --- HTML -----------------------------------------------------------------------------------
H=$T/report.html
expect_exit 1 "$BULKHEAD" report compliance --framework nist-800-190 --format html --store "$S" -o "$H"
expect_no_out
expect_exit 1 "$BULKHEAD" report compliance --framework nist-800-190 --format html --store "$S"
checks=$((checks + 1))
cmp -s "$T/out" "$H" || fail "HTML differs between two runs with SOURCE_DATE_EPOCH"
checks=$((checks + 1))
grep -Eq '<script|<link|src="https?:|@import' "$H" && fail "HTML loads or runs something"
checks=$((checks + 1))
grep -q '@media print' "$H" || fail "no print stylesheet"
# Messages hold quotes from the manifests: they are escaped, never raw.
checks=$((checks + 1))
grep -q '&quot;latest&quot;' "$H" || fail "quotes in messages are not escaped"

dom() { # dom FILE.html OUT: --dump-dom with console output in OUT.err
	timeout 60 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run \
		--enable-logging=stderr --v=0 --dump-dom "file://$1" >"$2" 2>"$2.err"
}
# console_errors FILE.err PAGE: the console messages and uncaught errors of that page.
console_errors() {
	grep -E 'CONSOLE|Uncaught' "$1" | grep -F "$2" || true
	grep -E 'Uncaught' "$1" || true
}

# The detector must see a broken page, or the check below proves nothing.
printf '<!DOCTYPE html><html><body><p>x</p><script>console.error("e2e-boom");nope();</script></body></html>\n' \
	>"$T/broken.html"
dom "$T/broken.html" "$T/broken.dom"
checks=$((checks + 1))
console_errors "$T/broken.dom.err" "$T/broken.html" | grep -q 'e2e-boom' ||
	fail "the console check does not see console.error (chromium output changed?)"
checks=$((checks + 1))
console_errors "$T/broken.dom.err" "$T/broken.html" | grep -q 'Uncaught' ||
	fail "the console check does not see an uncaught error"

checks=$((checks + 1))
if ! dom "$H" "$T/dom.html"; then
	fail "chromium --dump-dom failed or timed out"
	sed 's/^/    /' "$T/dom.html.err" | tail -5 >&2
fi
checks=$((checks + 1))
console_errors "$T/dom.html.err" "$H" >"$T/console"
[ -s "$T/console" ] && fail "console messages on the report page: $(head -3 "$T/console")"
pass=$(jq '.summary.pass' "$T/nist.json")
failn=$(jq '.summary.fail' "$T/nist.json")
na=$(jq '.summary.not_assessed' "$T/nist.json")
for want in '<h2>Summary</h2>' 'Compliance report' "id=\"count-pass\"><td><span class=\"badge pass\">Pass</span></td><td class=\"num\">$pass<" \
	"id=\"count-fail\"><td><span class=\"badge fail\">Fail</span></td><td class=\"num\">$failn<" \
	"id=\"count-not_assessed\"><td><span class=\"badge not_assessed\">Not assessed</span></td><td class=\"num\">$na<" \
	'id="c-4-5-5"' 'Host file system tampering'; do
	checks=$((checks + 1))
	grep -qF -- "$want" "$T/dom.html" || fail "rendered DOM lacks: $want"
done

checks=$((checks + 1))
if ! timeout 60 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run \
	--enable-logging=stderr --v=0 --hide-scrollbars --window-size=1200,2000 \
	--screenshot="$T/report.png" "file://$H" >"$T/shot.out" 2>"$T/shot.err"; then
	fail "chromium --screenshot failed or timed out"
	sed 's/^/    /' "$T/shot.err" | tail -5 >&2
fi
checks=$((checks + 1))
console_errors "$T/shot.err" "$H" >"$T/console2"
[ -s "$T/console2" ] && fail "console messages while rendering: $(head -3 "$T/console2")"
checks=$((checks + 1))
if [ "$(head -c 8 "$T/report.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" != 89504e470d0a1a0a ] ||
	[ "$(wc -c <"$T/report.png")" -lt 20000 ]; then
	fail "no screenshot (or an empty one)"
elif [ -n "${BH_BUILD_ROOT:-}" ] && [ -d "$BH_BUILD_ROOT" ]; then
	cp "$T/report.png" "$BH_BUILD_ROOT/report-compliance.png"
	cp "$H" "$BH_BUILD_ROOT/report-compliance.html"
fi

# --- bad input ------------------------------------------------------------------------------
expect_exit 2 "$BULKHEAD" report compliance --framework nist-800-190 --store "$T/absent.db"
expect_err_line 'absent.db'
checks=$((checks + 1))
[ -e "$T/absent.db" ] && fail "a missing store was created"
expect_exit 2 "$BULKHEAD" report compliance --framework pci --store "$S"
expect_err_line "unknown framework 'pci'"
expect_exit 2 "$BULKHEAD" report compliance --store "$S"
expect_err_line 'framework is required'
expect_exit 2 "$BULKHEAD" report compliance --framework cis-k8s --format pdf --store "$S"
expect_err_line "unknown format 'pdf'"
expect_exit 2 "$BULKHEAD" report bogus
printf 'not a database, just text\n' >"$T/junk.db"
expect_exit 2 "$BULKHEAD" report compliance --framework cis-k8s --store "$T/junk.db"
expect_exit 0 "$BULKHEAD" report --help
expect_out 'report compliance'

finish
