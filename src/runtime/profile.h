/* SPDX-License-Identifier: Apache-2.0 */
/*
 * profile.h — documents made from the behaviour baseline of a workload (baseline.h): an OCI
 * seccomp profile allowing exactly the syscalls it was seen to make (plus what the container
 * runtime itself calls once the filter is in place), a Kubernetes NetworkPolicy allowing
 * exactly its observed flows, and the packages of its image none of whose files it used.
 *
 * Pure functions: no store, no image reader (the caller hands in the packages and a path
 * resolver), no clock. Output is deterministic: the same baseline gives the same bytes.
 * docs/man/bulkhead-profile.md is the user's description of the rules implemented here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/common.h"
#include "runtime/baseline.h"

/* ---- workload ids ---------------------------------------------------------------------- */

enum profile_wl_kind {
	PROFILE_WL_K8S,	      /* "k8s:NS/OWNER[@IMAGE]" */
	PROFILE_WL_CONTAINER, /* "container:NAME[@IMAGE]" */
	PROFILE_WL_IMAGE,     /* "image:IMAGE" */
	PROFILE_WL_OTHER,     /* "host" or anything else */
	_PROFILE_WL_KIND_MAX,
};

struct profile_workload {
	enum profile_wl_kind kind;
	struct span ns;	   /* k8s: the namespace; empty otherwise (borrowed from the id) */
	struct span owner; /* k8s: OWNER, container: NAME; empty otherwise */
};

/* Split a workload id (baseline_workload_of's forms); the spans borrow from id. Never fails:
 * an id of no known form is PROFILE_WL_OTHER. */
void profile_workload_parse(const char *id, struct profile_workload *ret);

/* ---- seccomp ----------------------------------------------------------------------------- */

/*
 * The syscalls a container runtime makes in the container's first process after it loaded
 * the seccomp filter and before (including) the execve of the workload's program, sorted,
 * NULL-terminated: runc 1.1 without no_new_privileges (Podman's and Docker's default) applies
 * the filter before it drops capabilities, switches user and waits on its exec FIFO
 * (measured with a SCMP_ACT_LOG profile; docs/man/bulkhead-profile.md lists them with the
 * reason for each), its Go runtime may at any moment return from a signal, preempt, sleep,
 * start a thread or map memory, and every process must be able to exit.
 */
extern const char *const profile_runtime_syscalls[];

struct profile_seccomp_opts {
	/* libseccomp architecture names ("SCMP_ARCH_X86_64"); NULL/0 = x86_64, x86, x32 */
	const char *const *arches;
	size_t n_arches;
	bool exact; /* only the learnt syscalls, without profile_runtime_syscalls */
};

struct profile_seccomp_stats {
	size_t learnt;	/* syscall facts allowed */
	size_t added;	/* runtime syscalls the baseline lacked, allowed too */
	size_t skipped; /* facts naming no syscall ("syscall_N": a number the sensor could
			 * not name), left out: the profile denies them */
};

/*
 * The architecture name libseccomp uses for name: "x86_64"/"amd64", "x86"/"i386"/"i686",
 * "x32", "aarch64"/"arm64", "arm", "ppc64le", "s390x", "riscv64", "mips64el", or a
 * "SCMP_ARCH_*" name of that list as it is. A static string, or NULL when unknown.
 */
const char *profile_seccomp_arch(const char *name);

/*
 * The OCI seccomp profile (the JSON runc, crun, Podman, Docker and the kubelet's localhost
 * profiles read) allowing b's syscall facts, appended to out with 2-space indentation and a
 * final newline:
 *   {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": [...],
 *    "syscalls": [{"names": [sorted], "action": "SCMP_ACT_ALLOW"}]}
 * o may be NULL (defaults); ret_stats may be NULL. 0; -ENOENT (b has no syscall fact that
 * names a syscall); -EINVAL (an unknown or repeated architecture); -E2BIG; -ENOMEM.
 */
int profile_seccomp(const struct baseline *b, const struct profile_seccomp_opts *o, struct buf *out,
		    struct profile_seccomp_stats *ret_stats);

/* ---- NetworkPolicy ----------------------------------------------------------------------- */

enum profile_dns {
	PROFILE_DNS_CLUSTER, /* peers on port 53 become one rule to the cluster DNS pods */
	PROFILE_DNS_PEERS,   /* peers on port 53 stay ipBlock rules like any other peer */
	_PROFILE_DNS_MAX,
};

struct profile_netpol_opts {
	const char *name;	     /* metadata.name; NULL = "bulkhead-" + the owner, sanitised */
	const char *namespace;	     /* NULL = NS of a k8s: workload, else none is written */
	const char *const *selector; /* "key=value" pod labels (all must match); 0 = the rule */
	size_t n_selector;	     /* of docs/man/bulkhead-profile.md: the owner's name */
	enum profile_dns dns;
	uint64_t version; /* baseline version for the annotation; 0 = b->version */
};

/*
 * A networking.k8s.io/v1 NetworkPolicy (YAML, one document) selecting the workload's pods,
 * with policyTypes [Ingress, Egress], appended to out:
 *   ingress  one rule from any peer on every listen fact's port (none: ingress: [])
 *   egress   per (protocol, port) of the peer facts one rule to the ipBlocks address/32 or
 *            /128 of its peers; a collapsed peer (proto/\*:port) allows 0.0.0.0/0 and ::/0
 *            on that port; with PROFILE_DNS_CLUSTER peers on port 53 become one rule to the
 *            cluster DNS pods (namespace kube-system, k8s-app=kube-dns) on UDP and TCP 53
 * o may be NULL. 0; -EINVAL with the reason in *ret_why (static): a bad selector, name or
 * namespace, or no default selector (a workload without an owner, or an owner that is no
 * label value); -E2BIG; -ENOMEM.
 */
int profile_netpol(const struct baseline *b, const struct profile_netpol_opts *o, struct buf *out,
		   const char **ret_why);

/* Is s a Kubernetes label key (optional DNS-subdomain prefix and '/', name of <= 63
 * characters) / label value (empty, or <= 63 characters [A-Za-z0-9._-], alphanumeric at both
 * ends)? */
bool profile_label_key_ok(struct span s);
bool profile_label_value_ok(struct span s);

/* ---- unused packages ----------------------------------------------------------------------- */

struct profile_pkg {
	const char *name, *version, *type; /* borrowed; type as in purls ("deb", "npm") */
	const char *const *files;	   /* borrowed absolute paths the package owns */
	size_t n_files;
	const char *dir; /* borrowed: a directory whose whole contents are the package's (an
			  * npm package directory), or NULL */
};

/*
 * Map a path to the path it names in the image with every symlink followed (the path the
 * kernel reports for an executed file), into ret (cleared by the caller). 0, -ENOENT (not in
 * the image: the path is used as it is), other -errno (fails the whole call).
 */
typedef int (*profile_resolve_fn)(void *u, const char *path, struct buf *ret);

enum profile_use {
	PROFILE_USE_UNUSED,  /* files known, none executed or opened */
	PROFILE_USE_USED,    /* one of its files was executed or opened */
	PROFILE_USE_UNKNOWN, /* no file is known: nothing can be said */
	_PROFILE_USE_MAX,
};

struct profile_pkg_use {
	enum profile_use use;
	enum baseline_type by; /* USED: the fact type that showed it */
	char *evidence;	       /* USED: owned, the fact's path ("/usr/bin/curl") */
};

struct profile_usage {
	const char *workload; /* borrowed from the baseline */
	uint64_t version;
	const struct profile_pkg *pkgs; /* borrowed */
	struct profile_pkg_use *use;	/* owned, one per package */
	size_t n;
	size_t n_by[_PROFILE_USE_MAX];
	bool incomplete; /* a fact type it read overflowed: "unused" may be wrong */
};

/*
 * Which of the n packages the workload used: a package is used when a file it owns (or, with
 * dir, any file below dir) was executed (exec, the child of exec_pair) or opened (file_read,
 * sensitive_read, file_write; patterns with baseline_path_match). Paths compare as written
 * and as resolve() maps them (both the package's files and the facts'), so /bin/ls in a
 * package list matches an exec of /usr/bin/ls in a merged-/usr image. resolve may be NULL.
 * pkgs and b must outlive *ret (profile_usage_free). 0, -ENOMEM, or resolve()'s error.
 */
int profile_unused(const struct baseline *b, const struct profile_pkg *pkgs, size_t n,
		   profile_resolve_fn resolve, void *u, struct profile_usage **ret);
void profile_usage_free(struct profile_usage *pu);
DEFINE_CLEANUP(struct profile_usage *, profile_usage_free)

/*
 * bulkhead.profile-unused/v1: {"schema", "workload", "baseline_version", "image",
 * "incomplete", "summary": {"packages", "used", "unused", "unknown"}, "unused": [{"name",
 * "version", "type", "files"}], "used": [{... "evidence": {"type", "path"}}], "unknown":
 * [...]}, packages in the caller's order. image may be NULL. 0 or -ENOMEM.
 */
int profile_usage_to_json(const struct profile_usage *pu, const char *image, json_t **ret);
/*
 * The table: one line per unused package (PACKAGE VERSION TYPE FILES), then a summary line
 * "N of M packages unused (U used, K without a file list)". 0, -E2BIG, -ENOMEM.
 */
int profile_usage_to_text(const struct profile_usage *pu, struct buf *out);
