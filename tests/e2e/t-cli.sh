#!/bin/sh
# CLI surface: version, help, usage errors and their exit codes.
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"

expect_exit 0 "$BULKHEAD" --version
expect_out '^bulkhead [0-9]+\.[0-9]+\.[0-9]+$'
expect_exit 0 "$BULKHEAD" help
expect_out 'sbom'
expect_exit 0 "$BULKHEAD" help sbom
expect_out 'usage: bulkhead sbom TARGET'
expect_exit 0 "$BULKHEAD" sbom --help
expect_out 'cyclonedx'
expect_exit 0 "$BULKHEAD" help limits
expect_out '^max-entries +1000000 '
expect_exit 2 "$BULKHEAD" help nosuch
expect_err_line "unknown command 'nosuch'"
expect_exit 2 "$BULKHEAD" nosuch
expect_err_line "unknown command 'nosuch'"
expect_exit 2 "$BULKHEAD"
expect_exit 2 "$BULKHEAD" sbom
expect_err_line 'missing TARGET'
expect_exit 2 "$BULKHEAD" sbom a b
expect_err_line 'too many arguments'
expect_exit 2 "$BULKHEAD" sbom --format xml dir:/tmp
expect_err_line "unknown format 'xml'"
expect_exit 2 "$BULKHEAD" --limit nosuch=1 sbom dir:/tmp
expect_err_line "unknown limit"
expect_exit 2 "$BULKHEAD" sbom --limit max-entries=0 dir:/tmp
expect_err_line "out of range"
BULKHEAD_LIMIT_MAX_ENTRIES=abc expect_exit 2 "$BULKHEAD" sbom dir:/tmp
expect_err_line "BULKHEAD_LIMIT_MAX_ENTRIES"

# Missing path and not-an-image: one line naming the input, exit 2, nothing written.
expect_exit 2 "$BULKHEAD" sbom "$T/missing" -o "$T/out.json"
expect_err_line "$T/missing.*(no such file|No such file)"
[ -e "$T/out.json" ] && fail "output written on error"
printf 'hello\n' >"$T/text"
expect_exit 2 "$BULKHEAD" sbom "$T/text" -o "$T/out.json"
expect_err_line "$T/text.*not a container image"
expect_no_out
[ -e "$T/out.json" ] && fail "output written on error"
expect_exit 2 "$BULKHEAD" sbom "oci:$T/missing"
expect_err_line "missing"
expect_exit 2 "$BULKHEAD" sbom "docker-archive:$T/text"
expect_err_line "$T/text"
ls "$T" | grep -q tmp- && fail "temporary output left behind"

# An empty root file system is a valid image with no packages.
mkdir "$T/empty"
expect_exit 0 "$BULKHEAD" sbom "dir:$T/empty" --format json
expect_out '"schema": "bulkhead.sbom/v1"'
finish
