#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install every Debian package bulkhead needs to build, test and benchmark.
# As root: apt-get installs what is missing. Otherwise: print the exact command, exit 1.
# Usage: scripts/deps.sh [--bench]   (--bench adds what only `make bench` needs)
# rpm-common is only a Recommends of librpm9, but without its /usr/lib/rpm/macros librpm
# does not know its database backends and reads no sqlite or bdb rpmdb at all.
set -eu

pkgs="meson ninja-build pkg-config gcc clang libc6-dev
libjansson-dev libssl-dev zlib1g-dev libzstd-dev libisal-dev libarchive-dev
libelf-dev librpm-dev rpm-common libsqlite3-dev libcurl4-openssl-dev
libyaml-dev libpcre2-dev libbpf-dev bpftool libevent-dev libvectorscan-dev libpq-dev
busybox-static podman runc docker.io postgresql
libclang-rt-14-dev libfuzzer-14-dev
python3 zstd gzip tar jq debootstrap openssl curl chromium"
# 32-bit test programs for the sensor's ia32 syscall test (amd64-only packages)
[ "$(dpkg --print-architecture)" = amd64 ] && pkgs="$pkgs gcc-multilib libc6-dev-i386"
[ "${1:-}" = "--bench" ] &&
	pkgs="$pkgs hyperfine time libjson-c-dev bpftrace nghttp2-client nginx-light"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
# Node.js runs the JSON-schema validator (ajv) in tests; any packaged node >= 18 will do.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi

if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "deps: installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq || true
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	else
		echo "deps: missing packages:$missing"
		echo "deps: run: sudo apt-get install -y$missing"
		exit 1
	fi
fi

# npm packages for tests (schema validation), pinned by tests/node/package-lock.json.
top=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$top/tests/node/node_modules/ajv" ]; then
	(cd "$top/tests/node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
		echo "deps: warning: npm ci in tests/node failed; schema validation tests will skip" >&2
fi
exit 0
