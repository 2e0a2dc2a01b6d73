#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `make demo`: build a sample image from committed files (three layers with an update,
# a whiteout and an opaque directory, plus a generated layer with a war holding a
# nested jar) as a gzip OCI layout, list its packages, then import the real OSV
# advisories bundled in tests/fixtures/advisories/demo/ (see SOURCES.md there) into a
# database of its own and scan the image with it; then check a small Kubernetes app's
# manifests against the restricted Pod Security Standard and show which workloads can
# reach which. Offline: nothing is downloaded.
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
case $build in
/*) bdir=$build ;;
*) bdir=$top/$build ;;
esac
out=$bdir/demo
fx=$top/tests/fixtures/images/sample
advisories=$top/tests/fixtures/advisories/demo
bulkhead=$bdir/src/cli/bulkhead
rm -rf "$out"
mkdir -p "$out/extra/opt/app"
python3 "$top/tests/lib/mkjar.py" "$out/log4j-core.jar" \
	org.apache.logging.log4j:log4j-core:2.14.1
python3 "$top/tests/lib/mkjar.py" "$out/extra/opt/app/shop.war" com.example:shop:1.4.0 \
	--manifest Implementation-Title=shop --nest "$out/log4j-core.jar"
python3 "$top/tests/lib/mkimage.py" oci "$out/sample-oci" --compress gzip --tag demo \
	--layer "$fx/layer1" --layer "$fx/layer2" --layer "$out/extra" --layer "$fx/layer3"
echo "== bulkhead sbom oci:$build/demo/sample-oci:demo"
"$bulkhead" sbom "oci:$out/sample-oci:demo"
echo
echo "== bulkhead db import --replace --db $build/demo/vuln.db tests/fixtures/advisories/demo"
"$bulkhead" db import --replace --db "$out/vuln.db" "$advisories"
echo
echo "== bulkhead scan --db $build/demo/vuln.db oci:$build/demo/sample-oci:demo"
"$bulkhead" scan --db "$out/vuln.db" "oci:$out/sample-oci:demo"
echo
k8s=tests/fixtures/k8s/net/shop.yaml
echo "== bulkhead k8s check --level restricted --only pss $k8s"
# exit status 1 means findings: expected here
"$bulkhead" k8s check --level restricted --only pss "$top/$k8s" || [ $? -eq 1 ]
echo
echo "== bulkhead k8s reach $k8s"
"$bulkhead" k8s reach "$top/$k8s"
