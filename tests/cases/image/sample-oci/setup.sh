. "$BH_SOURCE_ROOT/tests/cases/image/sample-build.sh" || return 1
# shellcheck disable=SC2086
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" oci "$WORK/img" --compress gzip --tag demo $LAYERS >/dev/null
