/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroupid.h — the cgroup of a process at the moment of its event, even when the process
 * is gone by the time user space looks: the BPF side records the kernfs id of the task's
 * cgroup in one hierarchy (the unified one on cgroup v2, one v1 controller's on v1/hybrid
 * machines, chosen here), and sends the path of each id the first time it meets it
 * (BH_REC_CGROUP), which sensor_cgmap_learn() keeps. Ids learnt no other way are looked
 * up by walking the hierarchy's mount, where every cgroup directory's inode number is its
 * kernfs id; a miss rescans (at most every SENSOR_CGMAP_RESCAN_NS).
 */
#pragma once

#include <stdint.h>

#include "common/common.h"

#define SENSOR_CGMAP_RESCAN_NS (50ULL * 1000 * 1000)
#define SENSOR_CGMAP_MAX       65536 /* cgroups remembered */

struct sensor_cgmap;

/*
 * Choose the hierarchy from proc_root's cgroups and self/mountinfo files ("/proc"): the
 * unified hierarchy when /sys/fs/cgroup is cgroup2 (ret_subsys = -1), else the first
 * mounted v1 controller of pids, memory, cpu, devices, freezer (ret_subsys = its index in
 * /proc/cgroups, which is the kernel's cgroup_subsys_id). 0, -ENOENT (none), -ENOMEM.
 */
int sensor_cgmap_new(const char *proc_root, struct sensor_cgmap **ret);
void sensor_cgmap_free(struct sensor_cgmap *m);

/*
 * The mount point of the cgroup v2 (unified) hierarchy in proc_root's self/mountinfo, on
 * cgroup v2 and hybrid machines alike (malloc'd). 0, -ENOENT (not mounted), -ENOMEM, or the
 * error reading mountinfo.
 */
int sensor_cgroup2_mount(const char *proc_root, char **ret);
DEFINE_CLEANUP(struct sensor_cgmap *, sensor_cgmap_free)

/* The hierarchy chosen: -1 for cgroup v2, else the v1 controller's subsystem id. */
int sensor_cgmap_subsys(const struct sensor_cgmap *m);

/*
 * Remember that cgroup id has path (relative to the hierarchy's root, as a BH_REC_CGROUP
 * record says). 0, -ENOMEM; -E2BIG when SENSOR_CGMAP_MAX ids are known (ignored).
 */
int sensor_cgmap_learn(struct sensor_cgmap *m, uint64_t id, const char *path);

/*
 * The path of cgroup id relative to its hierarchy's root ("/machine.slice/x.scope"; "/"
 * for the root), borrowed until the next call; NULL when unknown. now_ns is a monotonic
 * clock used to rate-limit rescans.
 */
const char *sensor_cgmap_lookup(struct sensor_cgmap *m, uint64_t id, uint64_t now_ns);
