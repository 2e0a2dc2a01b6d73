#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/run.sh BUILD_DIR — entry point of `make bench` (never part of `make check`).
# Installs the pinned peer tools (npm ci in bench/, from bench/package-lock.json) when
# they are missing or the lock file changed, then runs every bench/*.sh other than this
# one with BULKHEAD=BUILD_DIR/src/cli/bulkhead. Caches (debootstrap rootfs, synthetic
# images) live in BUILD_DIR/cache. Exit status: non-zero if a benchmark script failed.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: bench/run.sh BUILD_DIR" >&2
	exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
BULKHEAD=$build/src/cli/bulkhead
BH_SOURCE_ROOT=$top
BH_BUILD_ROOT=$build
export BULKHEAD BH_SOURCE_ROOT BH_BUILD_ROOT
if [ ! -x "$BULKHEAD" ]; then
	echo "bench: $BULKHEAD not built (run: ninja -C $build)" >&2
	exit 1
fi

# Peer tools. A failed install is reported and the peer comparisons are skipped.
stamp=$top/bench/node_modules/.bulkhead-lock-sha256
want=$(sha256sum "$top/bench/package-lock.json" | cut -d' ' -f1)
if [ -z "${BENCH_NO_PEER:-}" ] && { [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; }; then
	if command -v npm >/dev/null 2>&1; then
		echo "bench: npm ci in bench/ (cdxgen, pinned by package-lock.json)"
		# cdxgen lists platform packages as optional dependencies, and some of them (e.g.
		# @cdxgen/safer-exec-darwin-*) are not on every registry, so they cannot be in the
		# lock file and `npm ci` refuses it. `npm install --no-save` then installs the same
		# locked versions (integrity-checked) and leaves package-lock.json as it is.
		if (cd "$top/bench" && { npm ci --no-audit --no-fund --loglevel=silent >/dev/null 2>&1 ||
			npm install --no-save --no-audit --no-fund --loglevel=error >/dev/null; }); then
			echo "$want" >"$stamp"
		else
			echo "bench: warning: npm ci failed; the cdxgen comparison will be skipped" >&2
		fi
	else
		echo "bench: warning: npm not installed; the cdxgen comparison will be skipped" >&2
	fi
fi

rc=0
for script in "$top"/bench/*.sh; do
	case $(basename "$script") in
	run.sh) continue ;;
	esac
	echo "=== bench/$(basename "$script")"
	bash "$script" || { rc=1; echo "bench: $(basename "$script") failed" >&2; }
done
exit $rc
