#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-lint.sh — `bulkhead lint`: exit codes and --fail-on, table / JSON / SARIF (validated
# against the SARIF 2.1.0 schema when node and ajv are there), -o written atomically and not
# at all on error, stdin, several files, --ignore and ignore comments, parse errors as one
# FILE:LINE:COLUMN line, and hostile input (binary junk, invalid UTF-8, a huge line, the
# line limit). The shared expectations (dockerfile/expected.tsv) are checked row by row
# through the CLI's JSON as well.
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
FX=$BH_SOURCE_ROOT/tests/fixtures/dockerfile
VALIDATE=$BH_SOURCE_ROOT/tests/lib/validate-schema.js
SARIF_SCHEMA=$SHARED/schemas/sarif-schema-2.1.0.json

# validate SCHEMA DOC: pass or fail; skipped quietly without node/ajv/the shared schema.
validate() {
	command -v node >/dev/null 2>&1 || return 0
	[ -f "$1" ] || return 0
	checks=$((checks + 1))
	node "$VALIDATE" "$@" >"$T/val" 2>&1
	case $? in
	0) ;;
	77) echo "note: ajv not installed, $(basename "$2") not validated" ;;
	*) fail "schema $(basename "$1"):"; sed 's/^/    /' "$T/val" | head -20 >&2 ;;
	esac
}

# jq-like checks with python: pycheck FILE EXPR (EXPR sees the document as d)
pycheck() {
	checks=$((checks + 1))
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2])
sys.exit(0 if ok else 1)' "$1" "$2" || fail "$(basename "$1"): not true: $2"
}

# ---- exit codes, table ------------------------------------------------------------------
expect_exit 0 "$BULKHEAD" lint "$FX/good.Dockerfile"
expect_out '^0 Dockerfile findings'
expect_exit 1 "$BULKHEAD" lint "$FX/bad.Dockerfile"
expect_out 'BH-DF-001 .*bad.Dockerfile:14:1 .*runs as root'
expect_out 'BH-DF-053 .*DB_PASSWORD'
expect_out '1 suppressed'
checks=$((checks + 1))
grep -q 'changeme' "$T/out" && fail "a secret value appears in the output"
checks=$((checks + 1))
grep -q 'BH-DF-056 .*:9:1' "$T/out" && fail "the ignore comment on line 8 did not suppress BH-DF-056"
expect_exit 1 "$BULKHEAD" lint --fail-on high "$FX/bad.Dockerfile"
expect_exit 0 "$BULKHEAD" lint --fail-on critical "$FX/bad.Dockerfile"
expect_exit 2 "$BULKHEAD" lint --fail-on severe "$FX/bad.Dockerfile"
expect_err_line "unknown severity 'severe'"
expect_exit 2 "$BULKHEAD" lint --format xml "$FX/bad.Dockerfile"
expect_exit 2 "$BULKHEAD" lint
expect_err_line 'missing DOCKERFILE'
expect_exit 0 "$BULKHEAD" lint --list-rules
checks=$((checks + 1))
n=$(grep -c '^BH-DF-' "$T/out")
[ "$n" -ge 30 ] || fail "--list-rules lists $n rules, want >= 30"
expect_out '^BH-DF-006 +DL3008 '

# --ignore takes our ids and hadolint codes; an unknown id is an error
expect_exit 1 "$BULKHEAD" lint --ignore BH-DF-053,DL3002 --ignore DL3048 "$FX/bad.Dockerfile"
checks=$((checks + 1))
grep -Eq 'BH-DF-(053|001) ' "$T/out" && fail "--ignore did not suppress"
expect_out '3 suppressed'
expect_exit 2 "$BULKHEAD" lint --ignore BH-DF-999 "$FX/bad.Dockerfile"
expect_err_line "unknown rule 'BH-DF-999'"

# ---- JSON ----------------------------------------------------------------------------------
expect_exit 1 "$BULKHEAD" lint -f json -o "$T/bad.json" "$FX/bad.Dockerfile"
expect_no_out
validate "$BH_SOURCE_ROOT/docs/schema/lint.schema.json" "$T/bad.json"
pycheck "$T/bad.json" 'd["schema"] == "bulkhead.lint/v1" and "target" not in d and d["summary"]["suppressed"] == 1'
pycheck "$T/bad.json" 'all(f["target"]["type"] == "dockerfile" and f["target"]["name"].endswith("tests/fixtures/dockerfile/bad.Dockerfile") for f in d["findings"])'
pycheck "$T/bad.json" 'all(f["schema"] == "bulkhead.finding/v1" and f["kind"] == "misconfiguration" for f in d["findings"])'
pycheck "$T/bad.json" 'any(f["rule"]["id"] == "BH-DF-001" and f["location"]["line"] == 14 and "hadolint:DL3002" in f["rule"]["refs"] and "NIST-800-190:4.1.2" in f["compliance"] for f in d["findings"])'

# ---- SARIF ---------------------------------------------------------------------------------
expect_exit 1 "$BULKHEAD" lint -f sarif -o "$T/bad.sarif" "$FX/bad.Dockerfile"
validate "$SARIF_SCHEMA" "$T/bad.sarif"
pycheck "$T/bad.sarif" 'd["version"] == "2.1.0" and len(d["runs"][0]["tool"]["driver"]["rules"]) >= 10'
pycheck "$T/bad.sarif" 'any(r["ruleId"] == "BH-DF-065" and r["locations"][0]["physicalLocation"]["region"] == {"startLine": 12, "startColumn": 1} and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("tests/fixtures/dockerfile/bad.Dockerfile") for r in d["runs"][0]["results"])'
pycheck "$T/bad.sarif" 'all(r.get("help", {}).get("text") for r in d["runs"][0]["tool"]["driver"]["rules"])'
cp "$FX/good.Dockerfile" "$T/Dockerfile"
(cd "$T" && "$BULKHEAD" lint -f sarif -o "$T/good.sarif" Dockerfile) || fail "lint good Dockerfile (sarif)"
validate "$SARIF_SCHEMA" "$T/good.sarif"
pycheck "$T/good.sarif" 'd["runs"][0]["results"] == []'

# ---- several files, stdin --------------------------------------------------------------------
expect_exit 1 "$BULKHEAD" lint -f json -o "$T/two.json" "$FX/good.Dockerfile" "$FX/bad.Dockerfile"
validate "$BH_SOURCE_ROOT/docs/schema/lint.schema.json" "$T/two.json"
pycheck "$T/two.json" '"target" not in d and len(d["findings"]) > 10'
checks=$((checks + 1))
"$BULKHEAD" lint -f json - <"$FX/bad.Dockerfile" >"$T/stdin.json" 2>"$T/err"
[ $? = 1 ] || fail "lint - (stdin) exit $?"
pycheck "$T/stdin.json" 'd["findings"][0]["target"]["name"] == "-" and any(f["rule"]["id"] == "BH-DF-065" for f in d["findings"])'
expect_exit 2 "$BULKHEAD" lint - -

# ---- errors: one line, nothing written ---------------------------------------------------------
expect_exit 2 "$BULKHEAD" lint -o "$T/never.json" -f json "$FX/good.Dockerfile" "$FX/unknown-instruction.Dockerfile"
expect_err_line "unknown-instruction.Dockerfile:4:3: unknown instruction 'FOO'$"
checks=$((checks + 1))
[ -e "$T/never.json" ] && fail "-o file written although the input was bad"
expect_exit 2 "$BULKHEAD" lint "$FX/unterminated-heredoc.Dockerfile"
expect_err_line 'unterminated-heredoc.Dockerfile:2:1: unterminated heredoc'
expect_exit 2 "$BULKHEAD" lint "$FX/shell-not-json.Dockerfile"
expect_err_line 'shell-not-json.Dockerfile:2:1: SHELL requires the arguments in JSON form'
expect_exit 2 "$BULKHEAD" lint "$T/does-not-exist"
expect_err_line "cannot read '.*does-not-exist'"
expect_exit 2 "$BULKHEAD" lint "$T"

# ---- hostile input ------------------------------------------------------------------------
head -c 65536 "$BULKHEAD" >"$T/junk"
expect_exit 2 "$BULKHEAD" lint "$T/junk"
expect_err_line 'junk:[0-9]+:[0-9]+: (binary data|invalid UTF-8)'
printf 'FROM debian:12\nLABEL a="\377\376"\n' >"$T/latin1"
expect_exit 2 "$BULKHEAD" lint "$T/latin1"
expect_err_line 'latin1:2:10: invalid UTF-8'
python3 -c 'import sys; sys.stdout.write("FROM debian:12\nRUN " + "echo x | " * 2000000 + "true\n")' >"$T/huge"
expect_exit 1 "$BULKHEAD" lint "$T/huge"
expect_out 'BH-DF-052'
python3 -c 'import sys; sys.stdout.write("FROM debian:12\n" + "RUN a\n" * 300)' >"$T/long"
expect_exit 2 "$BULKHEAD" lint --limit dockerfile-max-lines=20 "$T/long"
expect_err_line 'long:21:.*dockerfile-max-lines'
expect_exit 2 "$BULKHEAD" lint --limit input-max-bytes=1K "$T/long"
expect_err_line 'larger than 1024 bytes'
python3 -c 'import sys; sys.stdout.write("FROM a:1\nENV A=0123456789abcdef\n" + "ENV A=$A$A$A$A\n" * 40)' >"$T/bomb"
expect_exit 2 "$BULKHEAD" lint "$T/bomb"
expect_err_line 'bomb:[0-9]+:1: .*(too much text|longer than)'

# ---- the shared expectations through the CLI ---------------------------------------------------
EXP=$SHARED/dockerfile/expected.tsv
if [ -f "$EXP" ]; then
	total=0
	agree=0
	while IFS="$(printf '\t')" read -r file rule want _note; do
		case $file in '#'* | '') continue ;; esac
		total=$((total + 1))
		"$BULKHEAD" lint -f json -o "$T/row.json" "$SHARED/dockerfile/$file" 2>"$T/err" </dev/null
		got=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(1 if any("hadolint:" + sys.argv[2] in f["rule"]["refs"] for f in d["findings"]) else 0)' \
			"$T/row.json" "$rule" 2>/dev/null)
		if [ "$got" = "$want" ]; then
			agree=$((agree + 1))
		else
			fail "expected.tsv: $file $rule: got $got, want $want"
		fi
	done <"$EXP"
	echo "dockerfile/expected.tsv: $agree/$total rows hold"
	checks=$((checks + 1))
	[ "$total" -gt 0 ] || fail "no rows in $EXP"
else
	echo "shared dockerfile expectations absent; skipping that part"
fi

finish
