/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fanotify.[ch] — protect mode's exec guard that acts before the program starts
 * (docs/enforcement.md, "Denying executions before they start"): one fanotify group with
 * FAN_OPEN_EXEC_PERM marks on the mounts of every protected container. A process of a
 * protected container that executes a file outside the container's allowed set gets EPERM
 * from execve(); nothing of the file runs. The BPF kill at sched_process_exec (enforce.h)
 * stays the backstop for what this cannot see.
 *
 * The group is answered by a thread of its own; protect, unprotect, drain and close are
 * called from one other thread (the sensor's loop). Every decision that blocks (or would,
 * with dry run) becomes an execve event in a bounded queue that sensor_fan_drain() hands to
 * the caller, to be evaluated like the sensor's own events (bh_action denied | would-deny).
 */
#pragma once

#include "bulkhead/event.h"
#include "common/common.h"

#define SENSOR_FAN_MAX_CONTAINERS 1024 /* protected containers at once (-E2BIG beyond) */
#define SENSOR_FAN_MAX_MOUNTS	  256  /* mounts of one container (-E2BIG beyond) */
#define SENSOR_FAN_MAX_PATHS	  8192 /* allowed executables of one container (-E2BIG) */
#define SENSOR_FAN_QUEUE_MAX	  1024 /* decisions waiting for sensor_fan_drain() */

struct sensor_fan_stats {
	uint64_t events;     /* permission events answered */
	uint64_t allowed;    /* in a protected container, allowed (file or path in the set) */
	uint64_t scripts;    /* "#!" files allowed: their interpreter's exec is checked next */
	uint64_t outside;    /* processes outside every protected container (allowed) */
	uint64_t denied;     /* FAN_DENY: execve() failed with EPERM */
	uint64_t would_deny; /* dry run: allowed, reported */
	uint64_t errors;     /* internal errors, each answered FAN_ALLOW */
	uint64_t dropped;    /* decisions not queued (queue full, out of memory) */
	uint64_t unmarked;   /* mounts that could not be marked (e.g. proc) */
	size_t containers;   /* protected now */
};

struct sensor_fan;

/*
 * Create the group and start its thread. why (n bytes, may be NULL) gets one sentence for
 * the log: what is enforced, or why it cannot be. 0; -EOPNOTSUPP (no fanotify permission
 * events in this kernel: CONFIG_FANOTIFY_ACCESS_PERMISSIONS, or FAN_OPEN_EXEC_PERM before
 * Linux 5.0); -EPERM (needs CAP_SYS_ADMIN); -EMFILE, -ENOMEM, other -errno.
 * *ret: caller frees with sensor_fan_close().
 */
int sensor_fan_open(struct sensor_fan **ret, char *why, size_t n);

/*
 * Protect the container of container_ev->proc.pid (a live process of it; container.* fields
 * are copied into every decision) for workload (borrowed): exec_paths (n, borrowed; paths
 * inside the container) are allowed, with the ELF interpreters they name; any other file
 * executed by a process in the container's cgroup (or below it) is denied, or reported only
 * with dry_run. Called again for the same container, the allowed set and dry_run are
 * replaced and new mounts are marked. 0; -ESRCH (the process is gone); -EOPNOTSUPP (no
 * cgroup v2 of its own); -E2BIG (a bound above); -EINVAL; -ENOMEM; -errno of a mark on the
 * container's root.
 */
int sensor_fan_protect(struct sensor_fan *f, const struct bh_event *container_ev,
		       const char *workload, const char *const *exec_paths, size_t n, bool dry_run);

/*
 * Stop protecting a container (matched by container.full_id, else container.id, else the
 * cgroup of proc.pid) and remove its marks while a process of it lives. 0 (also when it was
 * not protected).
 */
int sensor_fan_unprotect(struct sensor_fan *f, const struct bh_event *container_ev);

/*
 * Hand every queued decision to fn (ev borrowed: valid during the call; fn may add or set
 * arguments) in the order they were made. Containers whose cgroup is gone are forgotten
 * here (every 5 seconds). Number of decisions handed over, or fn's first -errno (the rest
 * are handed over anyway).
 */
int sensor_fan_drain(struct sensor_fan *f, int (*fn)(struct bh_event *ev, void *u), void *u);

void sensor_fan_get_stats(struct sensor_fan *f, struct sensor_fan_stats *ret);

/* Stop the thread and close the group: the kernel allows whatever is still waiting. NULL ok. */
void sensor_fan_close(struct sensor_fan *f);
DEFINE_CLEANUP(struct sensor_fan *, sensor_fan_close)
