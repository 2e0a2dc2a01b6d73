#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# t-container-attribution.sh — container attribution against real containers.
#
# Starts, with tests/slow/lib-containers.sh: a Podman container, a privileged Podman
# container, a container run directly with `runc run` (cgroup /ID below runc's own, no
# runtime database), and a Docker container (the test starts containerd and dockerd itself),
# each running `sleep`; plus processes added later with `podman exec` and `docker exec`. For each, the unit program
# tests/unit/sensor/test-container-live.c attributes the sleeping process from its
# /proc/PID/cgroup and the runtime's on-disk state, and must report the id the runtime gave,
# the container's name, image, runtime and privilege; a host process must be "host".
# Exit 0 pass, 1 fail, 77 skip (not root; podman, runc or busybox-static missing).
# Environment (set by tests/meson.build): BH_SOURCE_ROOT, BH_BUILD_ROOT; optionally
# BH_TEST_CONTAINER_LIVE (the test program, default $BH_BUILD_ROOT/tests/sensor-test-container-live).
set -eu

: "${BH_SOURCE_ROOT:?BH_SOURCE_ROOT is not set}"
: "${BH_BUILD_ROOT:?BH_BUILD_ROOT is not set}"

. "$BH_SOURCE_ROOT/tests/slow/lib-containers.sh"
rc=0
bh_ctr_require || rc=$?
[ "$rc" = 0 ] || exit "$rc"

live=${BH_TEST_CONTAINER_LIVE:-$BH_BUILD_ROOT/tests/sensor-test-container-live}
if [ ! -x "$live" ]; then
	echo "FAIL: test program '$live' is not built"
	exit 1
fi

bh_ctr_setup
trap 'bh_ctr_cleanup' EXIT
trap 'exit 1' INT TERM

failures=0
# check LABEL VAR=VALUE... — run the live program with the expectations in its environment.
check()
{
	label=$1
	shift
	out="$BH_CTR_DIR/live.out"
	if env "$@" "$live" >"$out" 2>&1 && ! grep -q '^not ok' "$out" &&
		! grep -q '# SKIP' "$out" && grep -q '^ok' "$out"; then
		echo "ok: $label: $(grep '^# id=' "$out" || true)"
	else
		echo "FAIL: $label"
		sed 's/^/    /' "$out"
		failures=$((failures + 1))
	fi
}

tag=bhattr$$
img=$(bh_ctr_image_build "$tag")

# 1. Podman, unprivileged, with a label (cgroup /libpod_parent/libpod-ID with cgroupfs).
bh_ctr_podman_start "$tag-web" --network none --label bh.test=attr "$img" sleep 600
id=$(bh_ctr_podman_id "$tag-web")
pid=$(bh_ctr_podman_pid "$tag-web")
echo "podman $tag-web: id $id pid $pid cgroup $(bh_ctr_cgroup "$pid")"
check "podman" BH_TEST_PID="$pid" BH_TEST_ID="$id" BH_TEST_NAME="$tag-web" \
	BH_TEST_IMAGE="$img" BH_TEST_RUNTIME=podman BH_TEST_PRIVILEGED=0

# A process started later in the same container (podman exec) is attributed the same way.
podman exec -d "$tag-web" sleep 600 >/dev/null
epid=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		[ "$p" != "$pid" ] || continue
		[ "$(cat "$d/comm" 2>/dev/null)" = sleep ] || continue
		if grep -q "libpod-$id" "$d/cgroup" 2>/dev/null; then
			epid=$p
			break 2
		fi
	done
	sleep 0.2
done
if [ -n "$epid" ]; then
	check "podman exec" BH_TEST_PID="$epid" BH_TEST_ID="$id" BH_TEST_NAME="$tag-web" \
		BH_TEST_IMAGE="$img" BH_TEST_RUNTIME=podman
else
	echo "FAIL: podman exec: no second sleep in the container's cgroup"
	failures=$((failures + 1))
fi

# 2. Podman, --privileged (privileged comes from the runtime's config, not a guess).
bh_ctr_podman_start "$tag-priv" --network none --privileged "$img" sleep 600
id=$(bh_ctr_podman_id "$tag-priv")
pid=$(bh_ctr_podman_pid "$tag-priv")
check "podman --privileged" BH_TEST_PID="$pid" BH_TEST_ID="$id" BH_TEST_NAME="$tag-priv" \
	BH_TEST_IMAGE="$img" BH_TEST_RUNTIME=podman BH_TEST_PRIVILEGED=1

# 3. runc run, no cgroupsPath: the cgroup is /ID under the shell's own cgroups.
rid="$tag-runc"
BH_CTR_RUNC_ANNOTATIONS="org.example.test=attr"
bundle=$(bh_ctr_runc_bundle "$rid" sleep 600)
bh_ctr_runc_start "$rid" "$bundle"
pid=$(bh_ctr_runc_pid "$rid")
echo "runc $rid: pid $pid cgroup $(bh_ctr_cgroup "$pid")"
check "runc run" BH_TEST_PID="$pid" BH_TEST_ID="$rid" BH_TEST_NAME="$rid" BH_TEST_IMAGE= \
	BH_TEST_RUNTIME=runc BH_TEST_PRIVILEGED=0

# 4. Docker (containerd + dockerd started by the test): cgroup /docker/ID with cgroupfs, state
# from /var/lib/docker/containers/ID/config.v2.json.
drc=0
bh_ctr_docker_up || drc=$?
if [ "$drc" = 0 ]; then
	dimg=$(bh_ctr_docker_image "bhattr-docker$$")
	bh_ctr_docker_start "$tag-docker" --network none --label bh.test=attr "$dimg" sleep 600
	pid=$(bh_ctr_docker_pid "$tag-docker")
	id=$($DOCKER inspect -f '{{.Id}}' "$tag-docker")
	echo "docker $tag-docker: id $id pid $pid cgroup $(bh_ctr_cgroup "$pid")"
	check "docker run" BH_TEST_PID="$pid" BH_TEST_ID="$id" BH_TEST_NAME="$tag-docker" \
		BH_TEST_IMAGE="$dimg" BH_TEST_RUNTIME=docker BH_TEST_PRIVILEGED=0
	# `docker exec`: a process the daemon adds later lands in the same cgroup.
	$DOCKER exec -d "$tag-docker" sleep 601
	epid=
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		for d in /proc/[0-9]*; do
			[ "$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)" = "sleep 601 " ] || continue
			grep -q "docker/$id" "$d/cgroup" 2>/dev/null || continue
			epid=${d#/proc/}
			break 2
		done
		sleep 0.2
	done
	if [ -n "$epid" ]; then
		check "docker exec" BH_TEST_PID="$epid" BH_TEST_ID="$id" \
			BH_TEST_NAME="$tag-docker" BH_TEST_IMAGE="$dimg" BH_TEST_RUNTIME=docker
	else
		echo "FAIL: docker exec: no second sleep in the container's cgroup"
		failures=$((failures + 1))
	fi
	# (docker run --privileged cannot start here: root lacks CAP_SYS_RESOURCE and Docker asks
	# for every capability; privilege from Docker's hostconfig is covered by the unit tests.)
elif [ "$drc" = 77 ]; then
	echo "skip: docker: docker.io is not installed (scripts/deps.sh installs it)"
else
	echo "FAIL: docker: the daemon did not start"
	failures=$((failures + 1))
fi

# 5. The host: this shell.
check "host" BH_TEST_PID="$$" BH_TEST_ID=host

if [ "$failures" -ne 0 ]; then
	echo "$failures attribution check(s) failed"
	exit 1
fi
echo "all attribution checks passed"
