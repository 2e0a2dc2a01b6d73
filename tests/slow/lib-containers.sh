# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# lib-containers.sh — the container rig of the privileged runtime tests (sourced, POSIX sh).
#
# Real containers, started the way users start them: rootful Podman (runc, overlay storage)
# and `runc run` on a bundle. Nothing of the host's configuration is changed: Podman reads a
# private containers.conf through CONTAINERS_CONF; images, containers and bundles the tests
# create carry the test's own names and are removed by bh_ctr_cleanup.
#
#   . "$BH_SOURCE_ROOT/tests/slow/lib-containers.sh"
#   bh_ctr_require || exit $?        # 0 ready; 77 not root / podman, runc or busybox-static missing
#   bh_ctr_setup                     # private config + state dir; sets BH_CTR_DIR, CONTAINERS_CONF
#   trap bh_ctr_cleanup EXIT INT TERM
#   img=$(bh_ctr_image_build bhtest-foo [SRC:DEST ...])   # busybox image, extra files in its layer
#   bh_ctr_podman_start NAME [podman run options] IMAGE CMD...
#   id=$(bh_ctr_podman_id NAME); pid=$(bh_ctr_podman_pid NAME)
#   b=$(bh_ctr_runc_bundle NAME CMD...); bh_ctr_runc_start ID "$b"; pid=$(bh_ctr_runc_pid ID)
#   bh_ctr_cgroup PID [CONTROLLER]   # the process's cgroup path (default: pids, else v2)
#   bh_ctr_docker_up || ...          # dockerd (+ containerd) of our own, or the running one
#   img=$(bh_ctr_docker_image NAME); bh_ctr_docker_start NAME [docker run options] IMAGE CMD...
#   DOCKER="docker -H ..." is set by bh_ctr_docker_up; pid=$(bh_ctr_docker_pid NAME)
#
# Docker (Debian docker.io) has no systemd to start it here: bh_ctr_docker_up starts
# containerd and dockerd itself, with sockets, exec-root and pid files in BH_CTR_DIR, no
# iptables or bridge (containers run with --network none), the vfs storage driver (works on
# any file system) and the cgroupfs driver. The data root stays /var/lib/docker, because that
# is where the sensor reads Docker's container state. A daemon already answering on
# /var/run/docker.sock is used instead of starting one.
#
# Why the private containers.conf holds what it holds (issue 5): on these machines crun
# refuses the hybrid cgroup layout, so runtime = "runc"; there is no systemd, so
# cgroup_manager = "cgroupfs" and events_logger = "file"; root lacks CAP_SYS_RESOURCE, so the
# default ulimits (raising nofile/nproc past the hard limit) are replaced.
# Needs: root, podman, runc, jq, and Debian's busybox-static (a static /bin/busybox that runs
# in an image with nothing else in it).

bh_ctr_skip()
{
	echo "skip: $*" >&2
	return 77
}

bh_ctr_require()
{
	[ "$(id -u)" = 0 ] || { bh_ctr_skip "needs root"; return 77; }
	for _bh_t in podman runc jq; do
		command -v "$_bh_t" >/dev/null 2>&1 || { bh_ctr_skip "$_bh_t is not installed"; return 77; }
	done
	bh_ctr_busybox >/dev/null || { bh_ctr_skip "busybox-static is not installed"; return 77; }
	[ -d /sys/fs/cgroup ] || { bh_ctr_skip "no /sys/fs/cgroup"; return 77; }
	return 0
}

# The static busybox binary: Debian's busybox-static installs it as /bin/busybox (the dynamic
# busybox package uses the same path, which would not run in an empty image).
bh_ctr_busybox()
{
	if command -v dpkg-query >/dev/null 2>&1; then
		dpkg-query -W -f '${db:Status-Abbrev}' busybox-static 2>/dev/null | grep -q '^ii' ||
			return 1
	fi
	for _bh_b in /bin/busybox /usr/bin/busybox; do
		[ -x "$_bh_b" ] && { printf '%s\n' "$_bh_b"; return 0; }
	done
	return 1
}

bh_ctr_setup()
{
	BH_CTR_DIR=$(mktemp -d "${TMPDIR:-/tmp}/bh-ctr.XXXXXX") || return 1
	cat >"$BH_CTR_DIR/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
	CONTAINERS_CONF=$BH_CTR_DIR/containers.conf
	export BH_CTR_DIR CONTAINERS_CONF
	: >"$BH_CTR_DIR/podman.list"
	: >"$BH_CTR_DIR/runc.list"
	: >"$BH_CTR_DIR/image.list"
	: >"$BH_CTR_DIR/docker.list"
	: >"$BH_CTR_DIR/docker-image.list"
}

# bh_ctr_rootfs DIR [SRC:DEST ...] — a busybox root file system: /bin/busybox with one symlink
# per applet, the directories and files behaviours.md asks for, and the extra files.
bh_ctr_rootfs()
{
	_bh_root=$1
	shift
	_bh_bb=$(bh_ctr_busybox) || return 1
	mkdir -p "$_bh_root" || return 1
	for _bh_d in bin sbin usr/bin usr/sbin usr/local/lib opt etc/app etc/crontabs etc/sudoers.d \
		root/.ssh tmp var/log/app www/cgi-bin proc sys dev run \
		var/run/secrets/kubernetes.io/serviceaccount; do
		mkdir -p "$_bh_root/$_bh_d" || return 1
	done
	chmod 1777 "$_bh_root/tmp"
	chmod 700 "$_bh_root/root"
	cp "$_bh_bb" "$_bh_root/bin/busybox" || return 1
	for _bh_a in $("$_bh_bb" --list); do
		[ "$_bh_a" = busybox ] || ln -sf busybox "$_bh_root/bin/$_bh_a"
	done
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'app:x:1000:1000:app:/tmp:/bin/sh' \
		'nobody:x:65534:65534:nobody:/:/bin/false' >"$_bh_root/etc/passwd"
	printf '%s\n' 'root:x:0:' 'app:x:1000:' 'nogroup:x:65534:' >"$_bh_root/etc/group"
	printf '%s\n' 'root:*:19000:0:99999:7:::' 'app:!:19000:0:99999:7:::' >"$_bh_root/etc/shadow"
	chmod 640 "$_bh_root/etc/shadow"
	echo 'listen = 8080' >"$_bh_root/etc/app/app.conf"
	echo 'bulkhead-test-token' >"$_bh_root/var/run/secrets/kubernetes.io/serviceaccount/token"
	for _bh_x in "$@"; do
		_bh_src=${_bh_x%%:*}
		_bh_dst=${_bh_x#*:}
		mkdir -p "$_bh_root/$(dirname "$_bh_dst")" && cp -p "$_bh_src" "$_bh_root/$_bh_dst" ||
			return 1
	done
}

# bh_ctr_image_build NAME [SRC:DEST ...] — import a busybox rootfs as the one-layer image
# localhost/NAME:latest (extra files are part of that layer) and print its name.
bh_ctr_image_build()
{
	_bh_name=$1
	shift
	_bh_rd="$BH_CTR_DIR/rootfs-$_bh_name"
	rm -rf -- "$_bh_rd"
	bh_ctr_rootfs "$_bh_rd" "$@" || return 1
	tar -C "$_bh_rd" --numeric-owner -cf "$BH_CTR_DIR/$_bh_name.tar" . || return 1
	podman import --quiet --change 'CMD ["/bin/sh"]' "$BH_CTR_DIR/$_bh_name.tar" \
		"localhost/$_bh_name:latest" >/dev/null || return 1
	rm -f "$BH_CTR_DIR/$_bh_name.tar"
	echo "localhost/$_bh_name:latest" >>"$BH_CTR_DIR/image.list"
	printf '%s\n' "localhost/$_bh_name:latest"
}

# bh_ctr_podman_start NAME [podman run options] IMAGE CMD... — detached, runc.
bh_ctr_podman_start()
{
	_bh_name=$1
	shift
	echo "$_bh_name" >>"$BH_CTR_DIR/podman.list"
	podman run -d --runtime runc --name "$_bh_name" "$@" >/dev/null || return 1
	# wait until the container's first process runs
	for _bh_i in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(bh_ctr_podman_pid "$_bh_name")" -gt 0 ] 2>/dev/null && return 0
		sleep 0.2
	done
	echo "lib-containers: podman container '$_bh_name' did not start" >&2
	return 1
}

bh_ctr_podman_id()
{
	podman inspect -f '{{.Id}}' "$1"
}

bh_ctr_podman_pid()
{
	podman inspect -f '{{.State.Pid}}' "$1"
}

bh_ctr_podman_stop()
{
	podman rm -f -t 0 "$1" >/dev/null 2>&1 || true
}

# bh_ctr_runc_bundle NAME CMD... — an OCI bundle (runc spec + a busybox rootfs) whose process
# is CMD, without a terminal; annotations from BH_CTR_RUNC_ANNOTATIONS ("k=v k=v"). Prints
# the bundle directory.
bh_ctr_runc_bundle()
{
	_bh_b="$BH_CTR_DIR/bundle-$1"
	shift
	rm -rf -- "$_bh_b"
	mkdir -p "$_bh_b" || return 1
	bh_ctr_rootfs "$_bh_b/rootfs" || return 1
	(cd "$_bh_b" && runc spec) || return 1
	_bh_args=$(jq -cn '$ARGS.positional' --args "$@") || return 1
	_bh_ann='{}'
	for _bh_kv in ${BH_CTR_RUNC_ANNOTATIONS:-}; do
		_bh_ann=$(printf '%s' "$_bh_ann" | jq -c --arg k "${_bh_kv%%=*}" --arg v "${_bh_kv#*=}" \
			'. + {($k): $v}') || return 1
	done
	jq --argjson a "$_bh_args" --argjson ann "$_bh_ann" \
		'.process.terminal = false | .process.args = $a | .root.readonly = false |
		 .annotations = $ann' "$_bh_b/config.json" >"$_bh_b/config.json.new" &&
		mv "$_bh_b/config.json.new" "$_bh_b/config.json" || return 1
	printf '%s\n' "$_bh_b"
}

# bh_ctr_runc_start ID BUNDLE — `runc run -d`: the container's cgroup is /ID below the
# caller's own cgroup of each hierarchy (runc's default without cgroupsPath).
bh_ctr_runc_start()
{
	echo "$1" >>"$BH_CTR_DIR/runc.list"
	runc run -d --bundle "$2" "$1" </dev/null >"$2/runc.log" 2>&1 || {
		cat "$2/runc.log" >&2
		return 1
	}
}

bh_ctr_runc_pid()
{
	runc state "$1" | jq -r .pid
}

bh_ctr_runc_stop()
{
	runc kill "$1" KILL >/dev/null 2>&1 || true
	runc delete -f "$1" >/dev/null 2>&1 || true
}

# bh_ctr_cgroup PID [CONTROLLER] — the path of PID's cgroup for CONTROLLER (default: the
# pids hierarchy, else the v2 line "0::").
bh_ctr_cgroup()
{
	awk -F: -v c="${2:-pids}" '
		{ path = $0; sub(/^[^:]*:[^:]*:/, "", path) }
		{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) { print path; found = 1; exit } }
		$1 == "0" && $2 == "" { v2 = path }
		END { if (!found && v2 != "") print v2 }' "/proc/$1/cgroup"
}

# bh_ctr_docker_up — 0 when a Docker daemon answers (DOCKER is set to the client command);
# 77 when docker.io is not installed; 1 when the daemon does not come up (log printed).
bh_ctr_docker_up()
{
	for _bh_t in docker dockerd containerd; do
		command -v "$_bh_t" >/dev/null 2>&1 || { bh_ctr_skip "$_bh_t is not installed"; return 77; }
	done
	if [ -S /var/run/docker.sock ] && docker -H unix:///var/run/docker.sock info >/dev/null 2>&1
	then
		DOCKER="docker -H unix:///var/run/docker.sock"
		export DOCKER
		return 0
	fi
	_bh_d=$BH_CTR_DIR/docker
	mkdir -p "$_bh_d" || return 1
	containerd --root "$_bh_d/containerd-root" --state "$_bh_d/containerd-state" \
		--address "$_bh_d/containerd.sock" >"$_bh_d/containerd.log" 2>&1 &
	echo $! >"$_bh_d/containerd.pid"
	for _bh_i in $(seq 100); do
		[ -S "$_bh_d/containerd.sock" ] && break
		sleep 0.1
	done
	dockerd --containerd "$_bh_d/containerd.sock" -H "unix://$_bh_d/docker.sock" \
		--exec-root "$_bh_d/exec" --pidfile "$_bh_d/dockerd.pid" --iptables=false \
		--ip6tables=false --ip-masq=false --bridge=none --storage-driver=vfs \
		--exec-opt native.cgroupdriver=cgroupfs >"$_bh_d/dockerd.log" 2>&1 &
	echo $! >"$_bh_d/dockerd.ppid"
	DOCKER="docker -H unix://$_bh_d/docker.sock"
	export DOCKER
	for _bh_i in $(seq 150); do
		$DOCKER info >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "lib-containers: dockerd did not come up:" >&2
	tail -n 20 "$_bh_d/dockerd.log" "$_bh_d/containerd.log" >&2
	return 1
}

# bh_ctr_docker_image NAME — import a busybox rootfs as the one-layer image NAME:latest.
bh_ctr_docker_image()
{
	_bh_rd="$BH_CTR_DIR/rootfs-docker-$1"
	rm -rf -- "$_bh_rd"
	bh_ctr_rootfs "$_bh_rd" || return 1
	tar -C "$_bh_rd" --numeric-owner -cf "$_bh_rd.tar" . || return 1
	$DOCKER import --change 'CMD ["/bin/sh"]' "$_bh_rd.tar" "$1:latest" >/dev/null || return 1
	rm -rf -- "$_bh_rd" "$_bh_rd.tar"
	echo "$1:latest" >>"$BH_CTR_DIR/docker-image.list"
	printf '%s\n' "$1:latest"
}

# bh_ctr_docker_start NAME [docker run options] IMAGE CMD... — detached.
bh_ctr_docker_start()
{
	_bh_name=$1
	shift
	echo "$_bh_name" >>"$BH_CTR_DIR/docker.list"
	$DOCKER run -d --name "$_bh_name" "$@" >/dev/null || return 1
	for _bh_i in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(bh_ctr_docker_pid "$_bh_name")" -gt 0 ] 2>/dev/null && return 0
		sleep 0.2
	done
	echo "lib-containers: docker container '$_bh_name' did not start" >&2
	return 1
}

bh_ctr_docker_pid()
{
	$DOCKER inspect -f '{{.State.Pid}}' "$1"
}

# Stop what bh_ctr_docker_up started: containers and images first, then dockerd (it unmounts
# its network namespaces under exec-root), then containerd.
bh_ctr_docker_down()
{
	if [ -n "${DOCKER:-}" ]; then
		while IFS= read -r _bh_n; do
			[ -n "$_bh_n" ] && $DOCKER rm -f "$_bh_n" >/dev/null 2>&1
		done <"$BH_CTR_DIR/docker.list"
		while IFS= read -r _bh_n; do
			[ -n "$_bh_n" ] && $DOCKER rmi -f "$_bh_n" >/dev/null 2>&1
		done <"$BH_CTR_DIR/docker-image.list"
	fi
	_bh_d=$BH_CTR_DIR/docker
	for _bh_p in dockerd.ppid containerd.pid; do
		[ -f "$_bh_d/$_bh_p" ] || continue
		_bh_pid=$(cat "$_bh_d/$_bh_p")
		kill -TERM "$_bh_pid" 2>/dev/null || continue
		for _bh_i in $(seq 100); do
			kill -0 "$_bh_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$_bh_pid" 2>/dev/null || true
	done
	DOCKER=
}

bh_ctr_cleanup()
{
	[ -n "${BH_CTR_DIR:-}" ] && [ -d "$BH_CTR_DIR" ] || return 0
	bh_ctr_docker_down
	# newest first: a container that joined another's network namespace goes before it
	tac "$BH_CTR_DIR/podman.list" 2>/dev/null | while IFS= read -r _bh_n; do
		[ -n "$_bh_n" ] && bh_ctr_podman_stop "$_bh_n"
	done
	while IFS= read -r _bh_n; do
		[ -n "$_bh_n" ] && bh_ctr_runc_stop "$_bh_n"
	done <"$BH_CTR_DIR/runc.list"
	while IFS= read -r _bh_n; do
		[ -n "$_bh_n" ] && podman rmi -f "$_bh_n" >/dev/null 2>&1
	done <"$BH_CTR_DIR/image.list"
	rm -rf --one-file-system -- "$BH_CTR_DIR"
	BH_CTR_DIR=
}
