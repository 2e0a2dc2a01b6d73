/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enforce.h — protect mode (in-kernel enforcement) and per-cgroup syscall learning on top of
 * a sensor session (sensor.h). The decisions are made by bpf/sensor.bpf.c at the event, on
 * the tracepoints the sensor already uses, and a process that breaks its cgroup's policy gets
 * SIGKILL from bpf_send_signal(): no user-space round trip. The maps, the decisions and the
 * path hash are described in bpf/events.h; docs/enforcement.md is the user's guide.
 *
 * A cgroup is named by its cgroup v2 id: the inode number of its directory in the cgroup2
 * mount (sensor_cgroup_id() reads it). Paths are the ones the sensor's events show in
 * proc.exepath and fd.name: absolute, resolved (symlinks followed), inside the process's
 * mount namespace (a container's "/etc" is its own). They are matched by a 64-bit hash
 * (sensor_path_hash()).
 *
 * Order: fill a cgroup's lists (sensor_allow_exec, sensor_protect_dir, sensor_allow_peer)
 * before sensor_protect_cgroup(), or protect it with SENSOR_PROTECT_DRY_RUN first: a
 * protected cgroup whose exec list is still empty has every exec killed.
 *
 * Every function needs a session opened with .enforce (protect mode) or .learn_syscalls
 * (learning) and returns -EOPNOTSUPP otherwise. Errors: -EINVAL (a bad argument), -E2BIG (a
 * map is full: the bounds are BH_PROTECT_MAX cgroups, BH_ALLOW_EXEC_MAX executables,
 * BH_PROTECT_DIRS_MAX directories, BH_ALLOW_PEER_MAX peers, BH_TRACK_MAX tracked cgroups
 * over all cgroups), -ENOMEM, -errno from the kernel.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../bpf/events.h"
#include "common/common.h"
#include "sensor/sensor.h"

enum sensor_protect_flags {
	SENSOR_PROTECT_EXEC = BH_PROTECT_EXEC,	     /* exec of an executable not allowed */
	SENSOR_PROTECT_WRITE = BH_PROTECT_WRITE,     /* open for writing under a protected dir */
	SENSOR_PROTECT_CONNECT = BH_PROTECT_CONNECT, /* connect to a peer not allowed */
	SENSOR_PROTECT_DRY_RUN = BH_PROTECT_DRY_RUN, /* decide and mark "would-kill", never kill */
};

/* What sensor_enforce_probe() found (a bit mask). */
enum sensor_enforce_caps {
	SENSOR_ENFORCE_SIGNAL = 1 << 0, /* tracing programs may call bpf_send_signal() */
	SENSOR_ENFORCE_LOADED = 1 << 1, /* the session has protect mode loaded and attached */
	SENSOR_ENFORCE_LSM = 1 << 2,	/* BPF-LSM programs could be used (not by this sensor) */
	/* connects are checked by cgroup/connect4+6 programs, refused with EPERM (nothing sent)
	 * and the caller killed at the connect's exit, rather than killed at its entry */
	SENSOR_ENFORCE_CONNECT_GUARD = 1 << 3,
};

/*
 * Protect cgroup_id with flags (enum sensor_protect_flags, at least one of EXEC, WRITE,
 * CONNECT); replaces the flags of a cgroup already protected, keeping its lists.
 */
int sensor_protect_cgroup(struct sensor_session *s, uint64_t cgroup_id, unsigned flags);
/* Stop protecting cgroup_id and drop its lists. -ENOENT when it was not protected. */
int sensor_unprotect_cgroup(struct sensor_session *s, uint64_t cgroup_id);

/* Allow cgroup_id to exec path (absolute, as proc.exepath shows it). */
int sensor_allow_exec(struct sensor_session *s, uint64_t cgroup_id, const char *path);
/* Protect dir (absolute; a file path protects that file) against opens for writing (O_WRONLY,
 * O_RDWR, O_CREAT, O_TRUNC) of it and of everything below it. */
int sensor_protect_dir(struct sensor_session *s, uint64_t cgroup_id, const char *dir);
/*
 * Allow cgroup_id to connect to addr (family AF_INET: 4 bytes, AF_INET6: 16 bytes, network
 * order) on port (host order; 0 = any port). An IPv4-mapped IPv6 address is stored as the
 * IPv4 one, which is how the BPF side looks it up.
 */
int sensor_allow_peer(struct sensor_session *s, uint64_t cgroup_id, int family, const void *addr,
		      uint16_t port);

/*
 * What this machine offers protect mode (enum sensor_enforce_caps); why (n bytes) says it in
 * one line: whether bpf_send_signal() works for tracing programs, whether the session has
 * protect mode loaded (s may be NULL), and that BPF-LSM is not used (with why it is not
 * available, when it is not). -errno when a probe itself failed.
 */
int sensor_enforce_probe(struct sensor_session *s, char *why, size_t n);

/*
 * bh_path_hash (bpf/events.h) of path: absolute; empty components ("//", a trailing '/') are
 * ignored. -EINVAL for a relative path or a "." or ".." component, -E2BIG when the kernel's
 * walk could not match it (more than BH_PATH_MAX_COMPONENTS components, a component of
 * BH_NAME_MAX bytes or more, more than BH_PATH_HASH_SCAN bytes of components).
 */
int sensor_path_hash(const char *path, uint64_t *ret);

/* The cgroup v2 id of the cgroup directory at path (e.g. /sys/fs/cgroup/x): its inode number.
 * -ENOTDIR when it is not a directory, -errno. */
int sensor_cgroup_id(const char *path, uint64_t *ret);

/* Start (on) or stop (off: drops the set) recording the syscalls cgroup_id's tasks make. */
int sensor_track_syscalls(struct sensor_session *s, uint64_t cgroup_id, bool on);
/*
 * The syscalls recorded for cgroup_id so far: bit nr of bitmap (bitmap[nr / 64] bit nr % 64)
 * for each native syscall nr < BH_SC_LEARN_NR made (ia32 syscalls of 32-bit tasks are not
 * recorded). -ENOENT when cgroup_id is not tracked.
 */
int sensor_syscalls_read(struct sensor_session *s, uint64_t cgroup_id, uint64_t bitmap[8]);
/* The name of native syscall nr ("openat"), or NULL when this build does not know it. */
const char *sensor_syscall_name(uint32_t nr);
/*
 * Append the names of the syscalls in bitmap to out, in number order, separated by sep
 * (unknown numbers as "syscall_NR"). 0, -ENOMEM, -E2BIG (out's limit).
 */
int sensor_syscalls_names(const uint64_t bitmap[8], char sep, struct buf *out);
