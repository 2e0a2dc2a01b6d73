/* SPDX-License-Identifier: Apache-2.0 */
/*
 * resources.h — resource signals of a container from its cgroups (docs/resources.md): where
 * the cgroup hierarchies are mounted (/proc/self/mountinfo), which cgroup a process is in
 * (/proc/PID/cgroup), the counters of that cgroup (CPU time, memory, pids), the rates over
 * an interval (CPU percent, how long the CPU stayed busy, forks per second), and the TCP
 * peers a network namespace is talking to (/proc/PID/net/tcp{,6}).
 *
 * Both cgroup versions are read, per controller: a controller mounted as a v1 hierarchy
 * (cpuacct, memory, pids under /sys/fs/cgroup/<ctrl>, as podman with cgroupfs uses them on
 * a hybrid host) is read there; otherwise the v2 hierarchy (the cgroup2 mount) is used.
 *
 * The parsers are pure (spans in, values out) and the readers take directories, so tests
 * run on fixture trees. Nothing here logs.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/common.h"

enum rsrc_ctrl {
	RSRC_CPU,  /* v1 cpuacct (cpuacct.usage), v2 cpu.stat usage_usec */
	RSRC_MEM,  /* v1 memory.usage_in_bytes/limit_in_bytes, v2 memory.current/max */
	RSRC_PIDS, /* pids.current, pids.max, pids.events (both versions) */
	_RSRC_CTRL_MAX,
};

/* The v1 controller name of c ("cpuacct", "memory", "pids"). */
const char *rsrc_ctrl_v1_name(enum rsrc_ctrl c);

/* Mount points of the hierarchies; NULL members are not mounted. Owned strings. */
struct rsrc_mounts {
	char *v2;
	char *v1[_RSRC_CTRL_MAX];
};

/*
 * Parse /proc/self/mountinfo: the cgroup2 mount and the v1 mounts carrying cpuacct, memory
 * and pids (the first of each; mount points with octal escapes are ignored). 0 (with at
 * least one hierarchy), -ENOENT (none), -ENOMEM. *ret is initialised by the call.
 */
int rsrc_mounts_parse(struct span mountinfo, struct rsrc_mounts *ret);
void rsrc_mounts_done(struct rsrc_mounts *m);

/* The cgroup directories of one process, per controller (NULL = not available). */
struct rsrc_cgroup {
	char *dir[_RSRC_CTRL_MAX]; /* absolute directory, owned */
	bool v2[_RSRC_CTRL_MAX];   /* read with the v2 file names */
};

/*
 * From the text of /proc/PID/cgroup and the mounts: per controller, the v1 directory
 * (mount + path of the line naming the controller) when that controller has a v1 mount,
 * else the v2 directory (mount + path of the "0::" line). A process in a root cgroup ("/")
 * gets nothing for that controller (it would be the whole host). Paths with ".." or control
 * characters are refused. 0 (at least one controller), -ENOENT (none), -ENOMEM.
 * *ret is initialised by the call.
 */
int rsrc_cgroup_parse(const struct rsrc_mounts *m, struct span proc_cgroup,
		      struct rsrc_cgroup *ret);
void rsrc_cgroup_done(struct rsrc_cgroup *c);

/* One reading of a cgroup's counters; has_* false when the file was absent or unreadable. */
struct rsrc_sample {
	bool has_cpu, has_mem, has_mem_limit, has_pids, has_pids_max, has_pids_events;
	uint64_t cpu_ns;	  /* CPU time used by the cgroup, ns, since it was created */
	uint64_t mem_bytes;	  /* memory charged to the cgroup (page cache included) */
	uint64_t mem_limit;	  /* has_mem_limit false when unlimited */
	uint64_t pids, pids_max;  /* has_pids_max false when "max" */
	uint64_t pids_limit_hits; /* forks refused by pids.max (pids.events "max") */
};

/* Pure parsers of the cgroup files (the file's text). 0, -EBADMSG. */
/* cpu.stat (v2): usage_usec, as ns. */
int rsrc_parse_cpu_stat(struct span s, uint64_t *ret_ns);
/* A number, or "max" (*ret_is_max true, *ret 0): memory.max, pids.max, *.current, ... */
int rsrc_parse_u64_or_max(struct span s, uint64_t *ret, bool *ret_is_max);
/* pids.events: the "max N" line. */
int rsrc_parse_pids_events(struct span s, uint64_t *ret);

/*
 * Read the counters of cg (file names per version). 0 when at least one controller's
 * directory could be read; -ENOENT when none exists any more (the container is gone).
 */
int rsrc_sample_read(const struct rsrc_cgroup *cg, struct rsrc_sample *ret);

/* Rates of one container over successive samples: embed zeroed, feed rsrc_rate_update(). */
struct rsrc_rate {
	bool primed;
	uint64_t last_ns;     /* monotonic time of the previous sample */
	uint64_t last_cpu_ns; /* its CPU counter */
	uint64_t last_hits;   /* its pids.events max counter */
	uint64_t busy_ns;     /* how long the CPU has been busy, without a break */
};

/* What one sample says; -1 = not known (first sample, controller absent, unlimited). */
struct rsrc_stats {
	int64_t cpu_pct;     /* percent of one CPU over the interval (can exceed 100) */
	int64_t interval_ms; /* length of the interval */
	int64_t mem_bytes, mem_limit, mem_pct;
	int64_t pids, pids_max, pids_pct;
	int64_t pids_limit_hits; /* forks refused by pids.max during the interval */
	int64_t forks_per_s;	 /* forks counted by the caller during the interval, per second */
};

/*
 * Feed one sample taken at now_ns (monotonic) with the forks counted since the previous
 * one (-1: not counted). Computes *ret; the busy time is not updated (rsrc_rate_busy()
 * does that once the caller knows whether this interval counts as busy). The first sample
 * only primes: cpu_pct and forks_per_s are -1. A counter that went backwards (a new cgroup
 * with the same path) primes again.
 */
void rsrc_rate_update(struct rsrc_rate *st, const struct rsrc_sample *s, uint64_t now_ns,
		      int64_t forks, struct rsrc_stats *ret);
/* The interval just fed was busy (extend the busy time) or not (reset it); seconds busy. */
int64_t rsrc_rate_busy(struct rsrc_rate *st, const struct rsrc_stats *s, bool busy);

/* A remote TCP peer of a network namespace. */
struct rsrc_peer {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;	/* remote port */
	uint16_t lport; /* local port */
};

/*
 * Parse /proc/PID/net/tcp (v6 false) or tcp6 (v6 true): the remote ends of the connections
 * this namespace opened — ESTABLISHED or SYN_SENT, whose local port is not one it listens
 * on (those were accepted). Addresses are in the kernel's host-order hex words, as the
 * kernel prints them. Up to max peers go to out; *ret_n is how many were found in all.
 * 0, -EBADMSG (a line that is not an entry).
 */
int rsrc_parse_proc_net_tcp(struct span s, bool v6, struct rsrc_peer *out, size_t max,
			    size_t *ret_n);

/* "1.2.3.4" or "fd00::1" into buf (INET6_ADDRSTRLEN bytes at least). */
void rsrc_peer_addr(const struct rsrc_peer *p, char *buf, size_t size);

/* rules/bulkhead_resources.yaml, built in (NUL-terminated; _len without the NUL). */
extern const char runtime_resources_rules[];
extern const size_t runtime_resources_rules_len;
