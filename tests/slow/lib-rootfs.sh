# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# lib-rootfs.sh — shared set-up for the slow suite and the benchmarks (sourced, POSIX sh).
#
# Builds ONE Debian 12 (bookworm) minbase rootfs with debootstrap into the build tree's
# cache directory and packs it as a one-layer OCI layout (gzip), both created once and
# reused. Concurrent callers serialise on a flock; a stamp file marks each finished step,
# so an interrupted run is redone from scratch the next time.
#
#   . "$BH_SOURCE_ROOT/tests/slow/lib-rootfs.sh"
#   bh_rootfs_setup || exit $?    # 0 ready, 77 cannot (reason on stderr), 1 broken
#   -> $BH_ROOTFS       the rootfs directory (dir: target)
#      $BH_OCI_BOOKWORM the OCI layout directory (oci: target), gzip layer
#
# Needs root (debootstrap, and reading every file of the rootfs to pack it), debootstrap
# and python3. Environment: BH_SOURCE_ROOT, BH_BUILD_ROOT (or BH_CACHE_DIR to put the
# cache elsewhere), BH_DEBIAN_MIRROR (default http://deb.debian.org/debian).

bh_cache_dir()
{
	if [ -n "${BH_CACHE_DIR:-}" ]; then
		printf '%s\n' "$BH_CACHE_DIR"
	else
		printf '%s\n' "${BH_BUILD_ROOT:?BH_BUILD_ROOT is not set}/cache"
	fi
}

# Unmount whatever a failed debootstrap left mounted below $1 (proc, sys, bind-mounted dev),
# deepest first, so that removing the directory can never reach the host's files.
bh__umount_below()
{
	awk -v p="$1" '$2 == p || index($2, p "/") == 1 { print $2 }' /proc/self/mounts |
		sort -r | while IFS= read -r m; do
			umount -l "$m" 2>/dev/null || true
		done
}

bh__remove_tree()
{
	[ -e "$1" ] || return 0
	bh__umount_below "$1"
	rm -rf --one-file-system -- "$1"
}

# Run "$@" holding the cache lock (fd 9). The lock is released when the function returns.
bh__locked()
{
	_bh_cache=$(bh_cache_dir)
	mkdir -p "$_bh_cache" || return 1
	(
		flock -w 7200 9 || { echo "lib-rootfs: could not take $_bh_cache/.lock" >&2; exit 1; }
		"$@"
	) 9>"$_bh_cache/.lock"
}

bh__debootstrap()
{
	cache=$(bh_cache_dir)
	rootfs=$cache/rootfs-bookworm
	[ -f "$rootfs.stamp" ] && [ -d "$rootfs" ] && return 0
	mirror=${BH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
	bh__remove_tree "$rootfs.tmp"
	bh__remove_tree "$rootfs"
	rm -f "$rootfs.stamp"
	echo "lib-rootfs: debootstrap --variant=minbase bookworm (a few minutes, done once)" >&2
	if ! debootstrap --variant=minbase bookworm "$rootfs.tmp" "$mirror" \
		>"$cache/debootstrap.log" 2>&1; then
		tail -n 5 "$cache/debootstrap.log" >&2
		bh__remove_tree "$rootfs.tmp"
		echo "lib-rootfs: debootstrap failed (Debian mirror unreachable?), see $cache/debootstrap.log" >&2
		return 77
	fi
	bh__umount_below "$rootfs.tmp"
	mv "$rootfs.tmp" "$rootfs" || return 1
	touch "$rootfs.stamp"
}

bh__pack_oci()
{
	cache=$(bh_cache_dir)
	rootfs=$cache/rootfs-bookworm
	oci=$cache/$1
	[ -f "$oci.stamp" ] && [ -d "$oci" ] && return 0
	rm -rf -- "$oci.tmp" "$oci"
	rm -f "$oci.stamp"
	echo "lib-rootfs: packing $rootfs as $1 ($2)" >&2
	python3 "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}/tests/slow/ocipack.py" \
		"$oci.tmp" --compress "$2" --layer "$rootfs" || { rm -rf -- "$oci.tmp"; return 1; }
	mv "$oci.tmp" "$oci" && touch "$oci.stamp"
}

bh__setup_all()
{
	bh__debootstrap || return $?
	bh__pack_oci oci-bookworm gzip || return $?
	if [ -n "${BH_ROOTFS_ZSTD:-}" ]; then
		bh__pack_oci oci-bookworm-zstd zstd || return $?
	fi
	return 0
}

# Set BH_ROOTFS and BH_OCI_BOOKWORM (and BH_OCI_BOOKWORM_ZSTD when BH_ROOTFS_ZSTD=1).
bh_rootfs_setup()
{
	if [ "$(id -u)" != 0 ]; then
		echo "skip: debootstrap rootfs needs root" >&2
		return 77
	fi
	for _bh_tool in debootstrap python3 flock; do
		if ! command -v "$_bh_tool" >/dev/null 2>&1; then
			echo "skip: $_bh_tool is not installed (scripts/deps.sh installs it)" >&2
			return 77
		fi
	done
	bh__locked bh__setup_all || return $?
	BH_ROOTFS=$(bh_cache_dir)/rootfs-bookworm
	BH_OCI_BOOKWORM=$(bh_cache_dir)/oci-bookworm
	BH_OCI_BOOKWORM_ZSTD=$(bh_cache_dir)/oci-bookworm-zstd
	export BH_ROOTFS BH_OCI_BOOKWORM BH_OCI_BOOKWORM_ZSTD
	return 0
}
