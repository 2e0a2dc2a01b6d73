#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `make demo`: build a sample image from committed files (three layers with an update,
# a whiteout and an opaque directory, plus a generated layer with a war holding a
# nested jar) as a gzip OCI layout, list its packages, then import the real OSV
# advisories bundled in tests/fixtures/advisories/demo/ (see SOURCES.md there) into a
# database of its own and scan the image with it — vulnerabilities, secrets (a credential
# left in a file that a later layer deletes is still found) and configuration in one pass;
# lint the Dockerfile such an image comes from; sign the image with a key made here and
# verify it; then check a small Kubernetes app's manifests against the restricted Pod
# Security Standard and show which workloads can reach which (and what the outside can
# reach: nothing, in this app). Every result — the network findings too — is recorded in a
# store of the demo's own (build/demo/home/store.db) with a tamper-evident audit log; a
# recorded runtime event stream of the app's api pod is learnt as its behaviour baseline and
# a later one checked against it (alerts, a NetworkPolicy of the observed flows); the
# demo ends by ranking the app's workloads by risk (the sample image is its api:1), checking
# the audit log and writing the NIST SP 800-190 compliance report as one HTML page.
# Offline: nothing is downloaded.
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
# The demo's own store, audit key and spool: nothing outside build/demo is touched.
export BULKHEAD_HOME="$out/home"
export BULKHEAD_STORE="$out/home/store.db"
mkdir -p "$BULKHEAD_HOME"
mkdir -p "$out/extra/opt/app" "$out/extra/opt/build" "$out/cleanup/opt/build"
# A build credential, assembled here (no secret is committed), deleted by a later layer.
printf 'export GITHUB_TOKEN=ghp_%s%s\n' 'Dm7pQ2xK9vL4tR8w' 'Z1nB6cY5hD0fG2sAe9U3' \
	>"$out/extra/opt/build/token.env"
: >"$out/cleanup/opt/build/.wh.token.env"
python3 "$top/tests/lib/mkjar.py" "$out/log4j-core.jar" \
	org.apache.logging.log4j:log4j-core:2.14.1
python3 "$top/tests/lib/mkjar.py" "$out/extra/opt/app/shop.war" com.example:shop:1.4.0 \
	--manifest Implementation-Title=shop --nest "$out/log4j-core.jar"
python3 "$top/tests/lib/mkimage.py" oci "$out/sample-oci" --compress gzip --tag demo \
	--layer "$fx/layer1" --layer "$fx/layer2" --layer "$out/extra" --layer "$fx/layer3" \
	--layer "$out/cleanup" --config ExposedPort=8080/tcp
# The same image as `docker save` writes it, named api:1 as the app's manifests call it.
python3 "$top/tests/lib/mkimage.py" docker-archive "$out/api.tar" --repo-tag api:1 \
	--layer "$fx/layer1" --layer "$fx/layer2" --layer "$out/extra" --layer "$fx/layer3" \
	--layer "$out/cleanup" --config ExposedPort=8080/tcp
echo "== bulkhead sbom oci:$build/demo/sample-oci:demo"
"$bulkhead" sbom "oci:$out/sample-oci:demo"
echo
echo "== bulkhead db import --replace --db $build/demo/vuln.db tests/fixtures/advisories/demo"
"$bulkhead" db import --replace --db "$out/vuln.db" "$advisories"
echo
echo "== bulkhead scan --db $build/demo/vuln.db --scanners vuln,secret,config docker-archive:$build/demo/api.tar"
"$bulkhead" scan --db "$out/vuln.db" --scanners vuln,secret,config "docker-archive:$out/api.tar"
echo
echo "== bulkhead lint tests/fixtures/images/sample/Dockerfile"
# exit status 1 means findings: expected here
"$bulkhead" lint "$fx/Dockerfile" || [ $? -eq 1 ]
echo
echo "== bulkhead sign / verify oci:$build/demo/sample-oci:demo (ECDSA P-256 key made here)"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/demo.key" 2>/dev/null
openssl pkey -in "$out/demo.key" -pubout -out "$out/demo.pub"
"$bulkhead" sign "oci:$out/sample-oci:demo" --key "$out/demo.key"
"$bulkhead" verify "oci:$out/sample-oci:demo" --key "$out/demo.pub"
echo
k8s=tests/fixtures/k8s/net/shop.yaml
echo "== bulkhead k8s check --level restricted --only pss --cluster demo $k8s"
# exit status 1 means findings: expected here
"$bulkhead" k8s check --level restricted --only pss --cluster demo "$top/$k8s" || [ $? -eq 1 ]
"$bulkhead" k8s check --cluster demo "$top/$k8s" >/dev/null || [ $? -eq 1 ]
"$bulkhead" k8s rbac --cluster demo "$top/$k8s" >/dev/null || [ $? -eq 1 ]
echo
echo "== bulkhead k8s reach --cluster demo $k8s"
"$bulkhead" k8s reach --cluster demo "$top/$k8s"
# exit status 1 means something is exposed
"$bulkhead" k8s exposure --cluster demo "$top/$k8s" >/dev/null || [ $? -eq 1 ]
echo
echo "== bulkhead sensor replay --mode monitor: the api workload's behaviour, learnt then checked"
# A recorded event stream of the api Deployment's pod (what `bulkhead sensor record` writes
# on a node): a first stretch is learnt as its baseline, an hour later the same pod runs a
# shell that reads /etc/shadow, writes /etc/passwd and connects to an unknown address.
ct='"container":{"id":"5e1f0c2d8e91","name":"api","image":"api:1","image_repository":"api","image_tag":"1","runtime":"containerd","k8s_ns":"shop","k8s_pod":"api-7d4b9c8f6-x2x9z"}'
ev() { # seconds type res proc-json [fd-json]
	printf '{"ts":%s000000000,"num":1,"type":"%s","dir":"<","res":%s,"proc":%s,%s%s}\n' \
		"$1" "$2" "$3" "$4" "${5:+$5,}" "$ct"
}
sh_p='{"pid":20,"tid":20,"ppid":1,"uid":1000,"euid":1000,"name":"sh","exepath":"/bin/sh"}'
curl_p='{"pid":21,"tid":21,"ppid":20,"uid":1000,"euid":1000,"name":"curl","exe":"curl","exepath":"/usr/bin/curl","args":["-s","http://db:5432/health"],"ancestors":[{"pid":20,"name":"sh","exepath":"/bin/sh"}]}'
{
	ev 1700000000 execve 0 "$sh_p"
	ev 1700000001 execve 0 "$curl_p"
	ev 1700000001 openat 3 "$curl_p" '"fd":{"num":3,"type":"f","name":"/etc/ssl/certs/ca-certificates.crt","open_flags":0}'
	ev 1700000002 connect 0 "$curl_p" '"fd":{"num":4,"type":"4","name":"10.0.0.2:40000->10.0.0.7:5432","l4proto":6,"cip":"10.0.0.2","cport":40000,"sip":"10.0.0.7","sport":5432}'
} >"$out/api-learn.jsonl"
cat_p='{"pid":31,"tid":31,"ppid":20,"uid":0,"euid":0,"name":"cat","exe":"cat","exepath":"/bin/cat","args":["/etc/shadow"],"ancestors":[{"pid":20,"name":"sh","exepath":"/bin/sh"}]}'
{
	ev 1700003700 execve 0 "$curl_p"
	ev 1700003701 execve 0 "$cat_p"
	ev 1700003701 openat 3 "$cat_p" '"fd":{"num":3,"type":"f","name":"/etc/shadow","open_flags":0}'
	ev 1700003702 openat 3 "$sh_p" '"fd":{"num":3,"type":"f","name":"/etc/passwd","open_flags":577}'
	ev 1700003703 connect 0 "$curl_p" '"fd":{"num":4,"type":"4","name":"10.0.0.2:40002->203.0.113.9:4444","l4proto":6,"cip":"10.0.0.2","cport":40002,"sip":"203.0.113.9","sport":4444}'
} >"$out/api-later.jsonl"
"$bulkhead" sensor replay "$out/api-learn.jsonl" --mode monitor --learn-for 600 --output text
"$bulkhead" sensor replay "$out/api-later.jsonl" --mode monitor --learn-for 600 --output text
"$bulkhead" baseline list
"$bulkhead" profile export "k8s:shop/api@api:1" --netpol -o "$out/api-netpol.yaml"
echo "NetworkPolicy of the observed flows: $out/api-netpol.yaml"
echo
echo "== bulkhead risk $k8s (store $build/demo/home/store.db)"
"$bulkhead" risk "$top/$k8s"
echo
echo "== bulkhead audit verify; bulkhead audit log --kind run.recorded"
"$bulkhead" audit verify
"$bulkhead" audit log --kind run.recorded
echo
echo "== bulkhead report compliance --framework nist-800-190"
"$bulkhead" report compliance --framework nist-800-190 || [ $? -eq 1 ]
"$bulkhead" report compliance --framework nist-800-190 --format html -o "$out/compliance.html" ||
	[ $? -eq 1 ]
echo
echo "compliance report (HTML): $out/compliance.html"
