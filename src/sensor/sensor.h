/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor.h — the runtime sensor as one object for commands: load the BPF programs
 * (loader.h), map the ring buffer (ringbuf.h), and for each record decode it (decode.h),
 * add what /proc knows (proc.h) and the container (container.h), and hand the event to a
 * callback. Counters (per-CPU drops in the kernel, malformed records in user space) are
 * read with sensor_session_stats(). Freeing the session detaches everything.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulkhead/event.h"
#include "common/common.h"
#include "sensor/decode.h"

#define SENSOR_MAX_CPUS 1024

struct sensor_session_options {
	uint32_t kinds;	    /* bit n = enum bh_kind n (bpf/events.h) */
	size_t ring_bytes;  /* ring buffer size, a power of two (0 = 8 MiB) */
	bool no_containers; /* skip container attribution */
	/* protect mode (src/sensor/enforce.h): loads the in-kernel decisions and attaches the
	 * exec and syscall hooks whatever the kinds; records with a decision are delivered
	 * even for kinds that are not enabled */
	bool enforce;
	bool learn_syscalls; /* per-cgroup syscall sets (sensor_track_syscalls) */
	/* unshare and setns records carry the caller's capabilities at the syscall's exit
	 * rather than at its entry (which a user namespace changes), so that sys_enter need not
	 * run on every syscall only for them: for callers that know nobody reads those
	 * (rule_set_reads_field); protect mode and learning still see the entry */
	bool exit_caps;
};

struct sensor_stats {
	uint64_t emitted;	/* records the kernel side wrote */
	uint64_t dropped;	/* records lost: ring buffer full */
	uint64_t entry_lost;	/* syscall entries that could not be saved */
	uint64_t killed;	/* protect mode: SIGKILLs sent */
	uint64_t would_kill;	/* protect mode, DRY_RUN: kills decided, not sent */
	uint64_t signal_failed; /* protect mode: bpf_send_signal() failed */
	uint64_t denied;	/* protect mode: connects refused (EPERM) by the connect guard */
	uint64_t dropped_per_cpu[SENSOR_MAX_CPUS];
	size_t ncpu;
	uint64_t decoded;	       /* events handed to the callback */
	uint64_t cgroup_records;       /* records naming a cgroup (not events) */
	uint64_t bad[_SENSOR_BAD_MAX]; /* malformed records, by reason */
	bool ring_broken;	       /* the ring's headers became inconsistent */
};

struct sensor_session;

/* Called with each event (borrowed, valid during the call). A negative return stops. */
typedef int (*sensor_event_fn)(const struct bh_event *ev, void *userdata);

/*
 * Load, attach and map. err (errsz bytes) says what failed. 0; -EOPNOTSUPP (built without
 * BPF, or the kernel lacks a needed hook); -EPERM (no privileges); -ENOMEM; -errno.
 */
int sensor_session_open(const struct sensor_session_options *opt, struct sensor_session **ret,
			char *err, size_t errsz);
void sensor_session_free(struct sensor_session *s);
DEFINE_CLEANUP(struct sensor_session *, sensor_session_free)

/*
 * Wait up to timeout_ms for records and deliver them. Number of events delivered;
 * -EINTR (a signal arrived: check your flag and call again); fn's negative return;
 * -EBADMSG when the ring broke; -ENOMEM.
 */
int sensor_session_poll(struct sensor_session *s, int timeout_ms, sensor_event_fn fn,
			void *userdata);

/* The session's loaded programs (borrowed, for src/sensor/enforce.c). */
struct sensor_bpf *sensor_session_bpf(struct sensor_session *s);

/* Current counters. 0 or -errno reading the kernel's counters. */
int sensor_session_stats(struct sensor_session *s, struct sensor_stats *ret);

/* How each hook is attached, e.g. "sched_process_exec=tp_btf sys_enter=tp_btf ...". */
int sensor_session_describe(const struct sensor_session *s, struct buf *out);

/* Parse "exec,open,connect" (or "all") into a kinds mask. 0 or -EINVAL (bad names the word). */
int sensor_kinds_parse(const char *list, uint32_t *ret, const char **ret_bad);
/* The kinds enabled when none are named: exec, exit, fork, open, connect. */
uint32_t sensor_kinds_default(void);
