/* SPDX-License-Identifier: Apache-2.0 */
/*
 * procfs.h — what the runtime side reads from /proc about cgroups and mounts: a process's
 * cgroup v2 path, the cgroup2 mount point, mountinfo lines. Shared by the fanotify exec
 * guard (fanotify.c) and the sensor's guard (src/cli/sensor-guard.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/common.h"

#define RT_MOUNT_PATH_MAX 4096

struct rt_mount {
	char point[RT_MOUNT_PATH_MAX]; /* unescaped */
	bool whole_root;	  /* the mount shows its file system's root ("/") */
	bool noexec;
	bool overlay;
};

/*
 * The next line of a mountinfo text:
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER".
 * 0, -ENOENT at the end, -EBADMSG for a malformed line (which is consumed).
 */
int rt_mountinfo_next(struct span *rest, struct rt_mount *ret);
/* The cgroup v2 path ("0::PATH") of a /proc/PID/cgroup text. 0, -ENOENT (none: cgroup v1). */
int rt_cgroup2_line(struct span text, struct span *ret);
/* pid's cgroup v2 path into *ret (malloc'd). -ESRCH gone, -EOPNOTSUPP the root or none. */
int rt_pid_cgroup2(int64_t pid, char **ret);
/* The mount point of the cgroup2 hierarchy (malloc'd), NULL when none is mounted. */
char *rt_cgroup2_mount(void);
