/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline.h — the behaviour baseline of one workload: what its processes were seen to do
 * while learning (executables, exec parent->child pairs, files written and read, listening
 * ports, outbound peers, syscalls, capabilities used), as bounded sets of facts, and the check
 * of a later event against it (every deviation, with the nearest known fact). A pure library:
 * no store, no sensor, no clock (times come from events or the caller). docs/baseline.md is
 * the user's description of the rules implemented here.
 *
 * Facts. Every fact type is a sorted set of struct baseline_fact, ordered by
 * (proto, a, port, b) bytewise, with NULL before any string; identity is that tuple (never a
 * string with separators, so hostile paths containing " -> " cannot collide). Each fact has
 * one canonical rendering (baseline_fact_format) used in messages and diffs:
 *   exec           a = path, b = "sha256:<hex>" or NULL     "/bin/busybox sha256:…"
 *   exec_pair      a = parent path, b = child path          "/bin/sh -> /usr/bin/curl"
 *   file_write     a = path or pattern (DIR/x, DIR/\*, DIR/\**) "/tmp/\*"
 *   file_read      a = path                                 "/www/index.html"
 *   sensitive_read a = path                                 "/etc/shadow"
 *   listen         proto + port                             "tcp/80"
 *   peer           proto + a = address or "*" + port, b = DNS name or NULL
 *                                                           "tcp/10.0.0.7:5432", "udp/\*:53"
 *   syscall        a = name                                 "openat"
 *   capability     a = name                                 "CAP_NET_BIND_SERVICE"
 *
 * Bounds. Each type holds at most limits.max_facts[type] facts and all strings together at
 * most limits.max_bytes; a fact beyond either is not stored but counted in the type's
 * overflow counter (exported), so memory stays bounded under a flood and the baseline says
 * that it is incomplete.
 *
 * Thread safety: none; one baseline is used by one thread at a time.
 */
#pragma once

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bulkhead/event.h"
#include "common/common.h"
#include "common/limits.h"

enum baseline_mode {
	BASELINE_LEARN,	  /* facts are added */
	BASELINE_MONITOR, /* deviations are reported */
	BASELINE_PROTECT, /* deviations are reported and, where the kernel can, blocked */
	_BASELINE_MODE_MAX,
};

enum baseline_type {
	BASELINE_EXEC,
	BASELINE_EXEC_PAIR,
	BASELINE_FILE_WRITE,
	BASELINE_FILE_READ,
	BASELINE_SENSITIVE_READ,
	BASELINE_LISTEN,
	BASELINE_PEER,
	BASELINE_SYSCALL,
	BASELINE_CAPABILITY,
	_BASELINE_TYPE_MAX,
};

/* "exec", "exec_pair", "file_write", ...; NULL out of range. */
const char *baseline_type_name(enum baseline_type t);
/* The type named s, or -EINVAL. */
int baseline_type_from_name(const char *s);
/* "learn", "monitor", "protect"; NULL out of range. */
const char *baseline_mode_name(enum baseline_mode m);
/* The mode named s, or -EINVAL. */
int baseline_mode_from_name(const char *s);

/* ---- workload identity (workload.c) ---------------------------------------------------- */

enum baseline_host {
	BASELINE_HOST_SKIP,	/* host processes belong to no workload (-ENOENT), the default */
	BASELINE_HOST_WORKLOAD, /* host processes are the workload "host" */
};

struct baseline_workload_opts {
	enum baseline_host host;
	/* private: set by baseline_workload_opts_init() */
	bool has_pattern;
	regex_t pattern;
};

/*
 * Options with a container-name pattern: a POSIX extended regular expression with exactly
 * one capture group; a name it matches is replaced by the group (the owner), a name it does
 * not match is used whole. NULL = the default rule (strip one trailing "[-_.][0-9]+", as
 * "^(.+)[-_.][0-9]+$" would). 0, -EINVAL (does not compile, not exactly one group), -ENOMEM.
 * Release with baseline_workload_opts_done() (also after a failure).
 */
int baseline_workload_opts_init(struct baseline_workload_opts *o, const char *name_pattern,
				enum baseline_host host);
void baseline_workload_opts_done(struct baseline_workload_opts *o);

/*
 * The workload an event belongs to, as a string the caller frees:
 *   "k8s:NS/OWNER@IMAGE"   container.k8s_ns and k8s_pod set; OWNER is the pod name with the
 *                          controller-generated suffixes removed (baseline_k8s_owner)
 *   "container:NAME@IMAGE" other containers; NAME after the name pattern
 *   "image:IMAGE"          a container without a name
 *   "host"                 host processes with BASELINE_HOST_WORKLOAD
 * IMAGE is container.image_digest when known, else container.image; "@IMAGE" is left out
 * when neither is known. o may be NULL (defaults). 0; -ENOENT (no workload: a host process
 * with BASELINE_HOST_SKIP, or a container with neither name nor image); -E2BIG (longer than
 * 1024 bytes); -ENOMEM.
 */
int baseline_workload_of(const struct bh_event *ev, const struct baseline_workload_opts *o,
			 char **ret);

/*
 * The owner of a Kubernetes pod name (the rule of docs/baseline.md), in a string the caller
 * frees: "web-7d4b9c8f6-x2x9z" -> "web", "db-0" -> "db", "fluentd-x2x9z" -> "fluentd",
 * "backup-28391520-x2x9z" -> "backup". NULL on OOM.
 */
char *baseline_k8s_owner(const char *pod);

/* ---- facts ----------------------------------------------------------------------------- */

struct baseline_fact {
	uint8_t proto; /* listen, peer: IPPROTO_TCP or IPPROTO_UDP; 0 for other types */
	uint16_t port; /* listen, peer: 1..65535; 0 for other types */
	char *a;       /* owned; see the table above (NULL for listen) */
	char *b;       /* owned or NULL; see the table above */
};

struct baseline_set {
	struct baseline_fact *v; /* sorted, no duplicates */
	size_t n, cap;
	uint64_t overflow; /* facts not stored because a limit was reached */
};

struct baseline_limits {
	size_t max_facts[_BASELINE_TYPE_MAX]; /* per type: 4096, file_read 16384 */
	size_t max_bytes;     /* all fact strings of one baseline together: 16 MiB */
	size_t path_max;      /* longest path kept (longer ones count as overflow): 1024 */
	size_t write_dir_max; /* distinct written entries of a directory before DIR/\*: 8 */
	size_t peer_port_max; /* addresses per proto/port before proto/\*:port: 32 */
	size_t exec_hash_max; /* different sha256 kept per executable path: 4 */
};

/* Fill with the documented defaults above. */
void baseline_limits_default(struct baseline_limits *l);

/*
 * The built-in sensitive-path patterns (NULL-terminated): '*' in a component matches any
 * characters but '/', a final "**" component matches one or more components.
 */
extern const char *const baseline_sensitive_default[];

struct baseline_config {
	struct baseline_limits limits;
	/* sensitive-path patterns (borrowed, copied by baseline_new); NULL = the default list */
	const char *const *sensitive;
	size_t n_sensitive;
};

/* Defaults: baseline_limits_default() and the default sensitive list. */
void baseline_config_default(struct baseline_config *c);

struct baseline {
	char *workload;		  /* owned */
	uint64_t version;	  /* 1 when new; +1 for every change of the fact sets */
	enum baseline_mode mode;  /* stored for the caller; the library does not act on it */
	int64_t created;	  /* unix seconds */
	int64_t updated;	  /* last change of anything (facts, mode) */
	int64_t learning_started; /* 0 = never learnt */
	int64_t last_new_fact;	  /* time of the last event that added a fact; 0 = none */
	uint64_t events_learnt;	  /* events passed to baseline_learn */
	size_t bytes;		  /* fact string bytes held (bounded by limits.max_bytes) */
	struct baseline_set sets[_BASELINE_TYPE_MAX];
	struct baseline_limits limits;
	struct strv sensitive; /* patterns in use */
};

/*
 * A new, empty baseline for workload (copied) in mode, created at now (unix seconds).
 * cfg NULL = defaults; its patterns are validated (absolute, "**" only as the last
 * component). 0, -EINVAL (bad pattern, zero limit, empty workload), -ENOMEM.
 */
int baseline_new(const char *workload, enum baseline_mode mode, int64_t now,
		 const struct baseline_config *cfg, struct baseline **ret);
void baseline_free(struct baseline *b);
DEFINE_CLEANUP(struct baseline *, baseline_free)

/* Set the mode; updated = now; entering learn sets learning_started = now. */
void baseline_set_mode(struct baseline *b, enum baseline_mode mode, int64_t now);

/*
 * Learn the facts of one event (the rules of docs/baseline.md: which events give which
 * facts; failed syscalls give only their syscall fact). exe_sha256: "sha256:<hex>" of the
 * executable of an execve event, or NULL (replay). *ret_new (may be NULL) says whether a
 * fact was added; facts beyond the limits are counted in the type's overflow. The event's
 * time (ts) becomes updated / last_new_fact. 0, -EINVAL (exe_sha256 malformed), -ENOMEM.
 */
int baseline_learn(struct baseline *b, const struct bh_event *ev, const char *exe_sha256,
		   bool *ret_new);

/* Learn syscall names from a per-cgroup syscall set at time now. Names that are not
 * syscall-shaped ([a-z_][a-z0-9_]*, < 64 bytes) are skipped. 0 or -ENOMEM. */
int baseline_add_syscalls(struct baseline *b, const char *const *names, size_t n, int64_t now,
			  bool *ret_new);

/*
 * The container runtime's own binaries (runc, crun, conmon, containerd shims, …), by name.
 * A process they start has no parent/child fact: `podman exec` gives the new process runc or
 * conmon as its parent depending on which exits first.
 */
bool baseline_is_runtime_exe(const char *path);
/*
 * An event of the runtime setting the container up (runc's init before it executes the
 * entrypoint, or a runtime binary itself): not the workload's behaviour, so neither learnt
 * nor checked — runc's unshare, mount, pivot_root would otherwise end up in every baseline
 * and in the seccomp profiles exported from it.
 */
bool baseline_is_runtime_setup(const struct bh_event *ev);

/* Learning has settled: something was learnt and no new fact came for stable_for seconds. */
bool baseline_stable(const struct baseline *b, int64_t now, int64_t stable_for);

/* Is the fact in the set (exact tuple, or matched by a pattern / wildcard peer)? */
bool baseline_contains(const struct baseline *b, enum baseline_type t,
		       const struct baseline_fact *f);

/* ---- checking -------------------------------------------------------------------------- */

#define BASELINE_MAX_DEVIATIONS 8 /* one event never yields more */

enum baseline_dev_kind {
	BASELINE_DEV_NEW,     /* a fact not in the baseline */
	BASELINE_DEV_CHANGED, /* exec: a known path whose sha256 is not a known one */
	_BASELINE_DEV_MAX,
};

struct baseline_deviation {
	enum baseline_type type;
	enum baseline_dev_kind kind;
	char *fact;    /* owned: canonical rendering of the deviating fact */
	char *nearest; /* owned: the nearest fact of that type, NULL when the type is empty */
	char *message; /* owned: one sentence */
};

void baseline_deviation_done(struct baseline_deviation *d);
/* Done on n deviations (not freeing the array). */
void baseline_deviations_done(struct baseline_deviation *v, size_t n);

/*
 * Every deviation of ev from b (normal reads are never deviations; see docs/baseline.md).
 * Fills ret[0 .. min(found, max)) (the caller owns them: baseline_deviations_done) and sets
 * *ret_n = found (> max means some were dropped). 0, -EINVAL (exe_sha256 malformed),
 * -ENOMEM (nothing is left in ret).
 */
int baseline_check(const struct baseline *b, const struct bh_event *ev, const char *exe_sha256,
		   struct baseline_deviation *ret, size_t max, size_t *ret_n);

/* The same for syscall names from a per-cgroup set (one deviation per unknown name). */
int baseline_check_syscalls(const struct baseline *b, const char *const *names, size_t n,
			    struct baseline_deviation *ret, size_t max, size_t *ret_n);

/* ---- fact helpers ---------------------------------------------------------------------- */

/* Canonical rendering of f of type t appended to out. 0, -E2BIG, -ENOMEM. */
int baseline_fact_format(enum baseline_type t, const struct baseline_fact *f, struct buf *out);
/* Set order: (proto, a, port, b), NULL first. */
int baseline_fact_cmp(const struct baseline_fact *x, const struct baseline_fact *y);
/*
 * Is f a well-formed fact of type t under limits (absolute normalised path within path_max,
 * "**" only last, sha256 digest, proto tcp/udp, port 1..65535, canonical IP address or "*",
 * syscall-shaped name, known capability)? 0, or -EBADMSG with a reason in *ret_why (static).
 */
int baseline_fact_validate(enum baseline_type t, const struct baseline_fact *f,
			   const struct baseline_limits *limits, const char **ret_why);
/*
 * Does the path pattern match path? Components compare one by one; '*' inside a component
 * matches any run of characters other than '/'; a last component "**" matches one or more
 * components. Both absolute.
 */
bool baseline_path_match(const char *pattern, const char *path);

/*
 * Insert a validated fact (copied) as import does: no collapse, no overflow accounting.
 * 0, -EEXIST (duplicate), -E2BIG (type or byte limit), -ENOMEM.
 */
int baseline_insert_fact(struct baseline *b, enum baseline_type t, const struct baseline_fact *f);

/* ---- JSON (baseline-json.c) -------------------------------------------------------------- */

#define BASELINE_SCHEMA	     "bulkhead.baseline/v1"
#define BASELINE_DIFF_SCHEMA "bulkhead.baseline-diff/v1"

/*
 * The document bulkhead.baseline/v1 (docs/baseline.md): deterministic — fixed member order,
 * facts sorted by the set order, every type and every overflow counter present.
 * baseline_to_json: *ret owns a reference. baseline_export: the document with 2-space
 * indentation and a final newline appended to out. 0, -E2BIG, -ENOMEM.
 */
int baseline_to_json(const struct baseline *b, json_t **ret);
int baseline_export(const struct baseline *b, struct buf *out);

/*
 * Parse a bulkhead.baseline/v1 document. The whole document is rejected on any error: wrong
 * schema, unknown or missing member, wrong member type, unknown fact type, a fact that fails
 * baseline_fact_validate, a duplicate fact, more facts than cfg's limits. source names the
 * input in *reterr_diag, whose message says what and where ("facts.peer[2].port: ...").
 * cfg NULL = defaults; limits (input size, JSON depth) NULL = bh_limits defaults.
 * 0; -EBADMSG; -E2BIG (input or JSON limits); -ENOMEM. *ret only on success.
 */
int baseline_import(struct span in, const struct baseline_config *cfg,
		    const struct bh_limits *limits, const char *source, struct baseline **ret,
		    struct bh_diag *reterr_diag);

/* Facts added (in b, not in a) and removed (in a, not in b), per type, sorted. */
struct baseline_diff {
	struct baseline_set added[_BASELINE_TYPE_MAX];
	struct baseline_set removed[_BASELINE_TYPE_MAX];
	size_t n_added, n_removed;
};

/* Compare the fact sets of a (old) and b (new); free with baseline_diff_free. 0, -ENOMEM. */
int baseline_diff(const struct baseline *a, const struct baseline *b, struct baseline_diff **ret);
void baseline_diff_free(struct baseline_diff *d);
DEFINE_CLEANUP(struct baseline_diff *, baseline_diff_free)

/*
 * {"schema":"bulkhead.baseline-diff/v1","n_added","n_removed","added":{TYPE:[facts]},
 * "removed":{...}} with facts
 * as in the baseline document (every type present). 0 or -ENOMEM.
 */
int baseline_diff_to_json(const struct baseline_diff *d, json_t **ret);
/* One line per fact, removed then added, types in enum order: "- exec /bin/sh",
 * "+ exec /usr/bin/curl". 0, -E2BIG, -ENOMEM. */
int baseline_diff_to_text(const struct baseline_diff *d, struct buf *out);
