#!/bin/sh
# Hostile and broken images: every case gets one line on stderr naming the input,
# exit code 2 and no output file; malformed package records are skipped with warnings.
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"
MKTAR="python3 $BH_SOURCE_ROOT/tests/lib/mktar.py"
MKIMAGE="python3 $BH_SOURCE_ROOT/tests/lib/mkimage.py"
command -v python3 >/dev/null || skip "python3 missing"

# image NAME [mkimage options] -- [mktar specs]: an OCI layout with one raw layer.
image() {
	name=$1
	shift
	opts=""
	while [ "$1" != "--" ]; do
		opts="$opts $1"
		shift
	done
	shift
	$MKTAR "$T/$name.tar" "$@" || fail "mktar $name"
	# shellcheck disable=SC2086
	$MKIMAGE oci "$T/$name" --raw-layer "$T/$name.tar" $opts >/dev/null || fail "mkimage $name"
}

# bad NAME PATTERN [bulkhead options]: exit 2, one line matching PATTERN, nothing written.
bad() {
	name=$1
	pat=$2
	shift 2
	expect_exit 2 "$BULKHEAD" sbom "oci:$T/$name" --format cyclonedx -o "$T/$name.out" "$@"
	expect_err_line "oci:$T/$name.*$pat"
	checks=$((checks + 1))
	[ -e "$T/$name.out" ] && fail "$name: output file written"
	ls "$T" | grep -q "$name.out.tmp" && fail "$name: temporary file left"
	return 0
}

image truncated --compress gzip -- file:etc/a=hello big:usr/big=200000 --truncate 60000
bad truncated 'truncated|corrupt'

image gzbomb --compress gzip -- big:zeros=40000000
bad gzbomb 'ratio' --limit ratio-min-bytes=1M --limit ratio-max=50
image zstbomb --compress zstd -- big:zeros=40000000
bad zstbomb 'ratio' --limit ratio-min-bytes=1M --limit ratio-max=50
bad gzbomb 'layer-max-bytes' --limit layer-max-bytes=10M

image dotdot --compress gzip -- file:etc/ok=1 "file:../../etc/passwd=root:x:0:0"
bad dotdot "'\.\./\.\./etc/passwd'"
image absolute --compress none -- file:/etc/passwd=root
bad absolute 'absolute path'
image hardlink --compress gzip -- file:a=1 hardlink:b=../../../etc/shadow
bad hardlink 'hard link .*outside'
image hardlink2 --compress gzip -- hardlink:b=etc/missing
bad hardlink2 "hard link 'b'"
image dup --compress gzip -- file:etc/passwd=a file:etc/passwd=b
bad dup "duplicate entry 'etc/passwd'"
image deep --compress gzip -- deep:10000
bad deep 'path-max'
image many --compress gzip -- many:3000
bad many 'max-entries' --limit max-entries=2000

image corrupt --compress gzip --corrupt blob-digest -- file:etc/a=1
bad corrupt 'digest mismatch'
image diffid --compress gzip --corrupt diff-id -- file:etc/a=1
bad diffid 'diff_id'
image shortblob --compress gzip --corrupt truncate-blob -- file:etc/a=1 big:b=100000
bad shortblob 'short|truncated|size|corrupt|mismatch'

image badjson --compress gzip -- file:etc/a=1
printf '{"schemaVersion": 2, "manifests": [' >"$T/badjson/index.json"
bad badjson 'index.json.*invalid JSON'

# Symlinks that point outside the image resolve inside it: the host's files are never read.
image links --compress gzip -- dir:etc symlink:etc/os-release=../../../../../../etc/os-release \
	symlink:usr/lib/os-release=/usr/lib/os-release
expect_exit 0 "$BULKHEAD" sbom "oci:$T/links" --format json
checks=$((checks + 1))
[ "$(jq -r '.os.id' "$T/out")" = null ] || fail "links: OS read through an escaping symlink: $(jq -c .os "$T/out")"

# Malformed package records: a warning naming file and line, the rest still listed.
image dbrec --compress gzip -- \
	'file:var/lib/dpkg/status=Package: good\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\nPackage: broken\nStatus: install ok installed\nthis line is not a field\n\nPackage: alsogood\nStatus: install ok installed\nVersion: 2.0\nArchitecture: amd64\n'
expect_exit 0 "$BULKHEAD" sbom "oci:$T/dbrec" --format json
checks=$((checks + 1))
[ "$(jq -r '[.packages[].name] | sort | join(",")' "$T/out")" = "alsogood,good" ] ||
	fail "dbrec: packages $(jq -c '[.packages[].name]' "$T/out")"
grep -q 'var/lib/dpkg/status:8' "$T/err" || fail "dbrec: no warning naming file:line: $(cat "$T/err")"

finish
