/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime.h — the behaviour controller of `bulkhead sensor run|replay --mode`: one baseline
 * per workload (baseline.h), the workload's mode, learning that ends by time or stability,
 * persistence in the store (versions), mode switches made by `bulkhead baseline mode` while
 * the sensor runs, and the enforcement hooks of protect mode.
 *
 * Per event (rt_observe): the workload of the event (baseline_workload_of; events of no
 * workload pass untouched); in learn mode its facts are added to the baseline; in monitor
 * and protect mode every deviation is written into the event as bh_* arguments
 * (rules/bulkhead_baseline.yaml lists them) so that the rule engine turns it into an alert,
 * with the built-in baseline rules or the user's overrides of them.
 *
 * Modes. A workload's mode is the one `bulkhead baseline mode` stored for it; else the
 * sensor's default (--mode). A workload without a baseline learns first whatever its mode:
 * monitoring against nothing would flag everything. Learning ends after learn_seconds, or
 * once no new fact came for stable_seconds (whichever is set and comes first); then the
 * workload goes to its target mode (the stored mode, else the default; a workload whose
 * target is learn keeps learning), the baseline is saved and the switch is recorded. Every
 * mode change — by the sensor or by a user — is an audit record "baseline.mode".
 *
 * Protect mode. What the kernel can block (exec of an executable not in the baseline, writes
 * under protected directories, connects to peers not in the baseline) is programmed through
 * the hooks for each container of the workload when the workload enters protect mode and
 * when a new container of it appears; the kernel marks each blocked event
 * (evt.arg.bh_action = killed | would-kill) and the deviation is reported as a block. A
 * deviation the kernel does not block (a sensitive read, a new listening port) is an alert.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "bulkhead/event.h"
#include "common/common.h"
#include "common/limits.h"
#include "runtime/baseline.h"

struct store;

/* The sensor's enforcement (NULL members: not available, e.g. replay). */
struct rt_hooks {
	void *u;
	/*
	 * Program the kernel for one container of a workload in protect mode with its baseline
	 * (called again when the baseline changes). 0 or -errno (logged by the caller once).
	 */
	int (*protect)(void *u, const struct bh_event *container_ev, const struct baseline *b,
		       bool dry_run);
	/* The workload left protect mode: remove the container's enforcement. */
	int (*unprotect)(void *u, const struct bh_event *container_ev);
	/* A container of a workload seen for the first time (any mode), e.g. to start
	 * recording its syscalls. */
	int (*container_seen)(void *u, const struct bh_event *container_ev);
};

/*
 * A copy of ev's container fields and its process's pid and tid (container_ev of the hooks:
 * the pid finds the container's cgroup) into out, which is initialised here (free with
 * bh_event_done). 0 or -ENOMEM.
 */
int rt_container_copy(const struct bh_event *ev, struct bh_event *out);

/* An audit record (kind, target, payload); the CLI appends it to the log. 0 or -errno. */
typedef int (*rt_audit_fn)(void *u, const char *kind, const char *target, const json_t *payload);

struct rt_options {
	enum baseline_mode default_mode;
	int64_t learn_seconds;	/* learning ends this long after it started (0 = not by time) */
	int64_t stable_seconds; /* … or after this long without a new fact (0 = not by stability) */
	int64_t save_seconds;	/* learning baselines are saved this often (0 = 60) */
	int64_t poll_seconds;	/* mode changes are read from the store this often (0 = 2) */
	bool dry_run;		/* protect: decide and report, never block */
	const struct baseline_workload_opts *workload; /* NULL = defaults */
	const struct baseline_config *config;	       /* NULL = defaults */
	struct store *store;			       /* borrowed; NULL = in memory only */
	const char *actor;			       /* "bulkhead sensor run" */
	rt_audit_fn audit;
	void *audit_u;
	struct rt_hooks hooks;
	size_t max_workloads; /* 0 = 4096; events of further workloads are counted, not learnt */
};

struct rt_stats {
	uint64_t events, no_workload, learnt_facts, deviations, blocked, workloads_over_limit;
	uint64_t runtime_setup; /* events of the container runtime itself: ignored */
	uint64_t saves, save_failures, mode_changes, hook_failures;
	size_t workloads;
};

struct rt;

/*
 * Start: the options are copied (store, hooks and strings borrowed). With a store, the modes
 * stored so far are read now (later changes by rt_tick). 0, -ENOMEM, or the store's -errno
 * (reterr_diag names it).
 */
int rt_new(const struct rt_options *o, struct rt **ret, struct bh_diag *reterr_diag);
/*
 * Saves every changed baseline (errors logged) and frees everything. Returns the first save
 * error (-errno) so the command can exit non-zero; 0 otherwise.
 */
int rt_free(struct rt *rt);

/*
 * One event, at time now (unix seconds). exe_sha256 ("sha256:…", may be NULL) is the digest
 * of the process's executable for exec events. Adds bh_* arguments to ev on deviations.
 * Number of deviations (>= 0), or -ENOMEM / the store's -errno loading the workload's
 * baseline.
 */
int rt_observe(struct rt *rt, struct bh_event *ev, const char *exe_sha256, int64_t now);

/*
 * Syscall names a container used (from the sensor's per-cgroup sets): learnt into its
 * workload's baseline while it learns; in monitor and protect mode the names not in the
 * baseline are a deviation written into ev as by rt_observe. ev is an event the caller made
 * for the container (its container.* fields; type "syscalls") and evaluates when this
 * returns > 0. Number of deviations, or -errno.
 */
int rt_observe_syscalls(struct rt *rt, struct bh_event *ev, const char *const *names, size_t n,
			int64_t now);

/* Periodic work (call about once a second): end learning, save, read mode changes. 0 or -errno. */
int rt_tick(struct rt *rt, int64_t now);

void rt_get_stats(const struct rt *rt, struct rt_stats *ret);

/* The built-in rules file rules/bulkhead_baseline.yaml (NUL-terminated). */
extern const char runtime_baseline_rules[];
extern const size_t runtime_baseline_rules_len;
