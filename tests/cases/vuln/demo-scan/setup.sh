# The sample image of `make demo`, scanned against the real OSV advisories bundled in
# tests/fixtures/advisories/demo (see SOURCES.md there for what each record should yield).
. "$BH_SOURCE_ROOT/tests/cases/image/sample-build.sh" || return 1
# shellcheck disable=SC2086
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" oci "$WORK/img" --compress gzip --tag demo $LAYERS >/dev/null || return 1
"$BULKHEAD" db import --replace --db "$WORK/vuln.db" \
	"$BH_SOURCE_ROOT/tests/fixtures/advisories/demo" >/dev/null || return 1
