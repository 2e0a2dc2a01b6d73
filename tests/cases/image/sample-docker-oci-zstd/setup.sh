. "$BH_SOURCE_ROOT/tests/cases/image/sample-build.sh" || return 1
# shellcheck disable=SC2086
python3 "$BH_SOURCE_ROOT/tests/lib/mkimage.py" docker-archive "$WORK/img.tar" --format oci \
	--compress zstd --repo-tag demo:1 $LAYERS >/dev/null
