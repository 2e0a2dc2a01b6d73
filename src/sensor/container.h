/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.h — container attribution: which container a process runs in, and what its
 * runtime says about it (name, image, labels, privileged, Kubernetes pod and namespace).
 *
 * Two steps. The cgroup path of a process (/proc/PID/cgroup, or what the BPF side resolved
 * from the cgroup id) names the container: sensor_cgroup_container_id() knows the layouts
 * of Docker, containerd/CRI, CRI-O, Podman, runc's systemd driver and systemd scopes in
 * general, cgroup v1 and v2. Then a struct sensor_container_cache reads the runtime's own
 * on-disk state for that id (never a daemon socket) and keeps the answer in a bounded LRU.
 * Every file read is listed in docs/design/container-attribution.md.
 *
 * The files read are written by root-owned runtimes, but a container can influence their
 * contents (labels, image names, annotations): everything is parsed with struct bh_limits
 * and treated as hostile. Nothing here writes anywhere, execs, or talks to a socket.
 * A cache is used by one thread at a time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bulkhead/event.h"
#include "common/common.h"

enum sensor_runtime {
	SENSOR_RUNTIME_UNKNOWN, /* a container, but the path does not say whose */
	SENSOR_RUNTIME_DOCKER,
	SENSOR_RUNTIME_CONTAINERD,
	SENSOR_RUNTIME_CRIO,
	SENSOR_RUNTIME_PODMAN,
	SENSOR_RUNTIME_RUNC,
	_SENSOR_RUNTIME_MAX,
};

/* "docker", "containerd", "cri-o", "podman", "runc"; NULL for UNKNOWN or out of range. */
const char *sensor_runtime_to_string(enum sensor_runtime rt);

/* Longest container id accepted (64-hex ids for most runtimes; runc ids are free-form). */
#define SENSOR_CONTAINER_ID_MAX 128
/* Length of the short id Falco prints for 64-hex ids. */
#define SENSOR_CONTAINER_SHORT_ID_LEN 12

/*
 * The container named by one cgroup path (the part after "hierarchy:controllers:" of a
 * /proc/PID/cgroup line). Components are examined from the deepest up, so cgroups that a
 * container creates below its own (systemd inside a container, Docker in Docker) map to the
 * innermost container. Recognised components:
 *   <64hex>                          Docker cgroupfs (/docker/ID), kubelet cgroupfs
 *                                    (/kubepods/QOS/podUID/ID), containerd (/NS/ID)
 *   docker-<64hex>.scope             Docker with the systemd driver
 *   cri-containerd-<64hex>.scope     containerd CRI with the systemd driver
 *   SLICE:cri-containerd:<64hex>     containerd CRI, systemd-style path without systemd
 *   crio-<64hex>[.scope]             CRI-O (cgroupfs / systemd)
 *   libpod-[payload-]<64hex>[.scope] Podman (cgroupfs / systemd / --cgroups=split)
 *   runc-<id>.scope                  runc run --systemd-cgroup with no cgroupsPath
 *   NAME-<64hex>.scope               any other systemd scope named after a container
 * crio-conmon-* and libpod-conmon-* are the runtime's monitor process, which is not in the
 * container: such a path gives -ENOENT. A runc container started directly under a parent of
 * the user's choice (/ID) is not recognisable from the path alone: see
 * sensor_container_cache_attribute(), which checks runc's state for it.
 * On success writes the full id (NUL-terminated) to ret_id and the runtime the layout implies
 * to *ret_runtime (UNKNOWN when only a bare id was seen). Outputs are written only on
 * success. 0; -ENOENT (no container: a host process); -ENOBUFS (size too small);
 * -EINVAL (ret_id NULL or size 0).
 */
int sensor_cgroup_container_id(struct span cgroup_path, char *ret_id, size_t size,
			       enum sensor_runtime *ret_runtime);

/*
 * Pick the line of a /proc/PID/cgroup text that attribution should use. On cgroup v1 (and
 * hybrid) systems there is one line per hierarchy; the first line in the order pids,
 * memory, name=systemd, the v2 line "0::", any other, whose path names a container wins;
 * when none does, the first of that order (the process is on the host, or a runc container
 * the caller still has to check). A " (deleted)" suffix is dropped. *ret_path borrows from
 * content. 0; -ENOENT (no lines); -EBADMSG (a line without two ':').
 */
int sensor_cgroup_pick(struct span content, struct span *ret_path);

/*
 * Read /proc/PID/cgroup (at most 64 KiB) and pick its line with sensor_cgroup_pick().
 * *ret_path is malloc'd, caller frees. 0; -ENOENT (no such process); -EBADMSG; -E2BIG;
 * -ENOMEM; -errno from open/read.
 */
int sensor_proc_cgroup(pid_t pid, char **ret_path);

/*
 * Split an image reference "[registry/]repo[:tag][@digest]" into its parts (each malloc'd,
 * NULL when absent; the caller frees them). A ':' before the last '/' is a registry port,
 * not a tag. A bare "sha256:<hex>" (an image id) yields only a digest. 0, -ENOMEM.
 */
int sensor_image_ref_split(const char *image, char **ret_repository, char **ret_tag,
			   char **ret_digest);

/* What the runtime's state says about one container. All strings owned by the struct. */
struct sensor_container_info {
	char *full_id;                 /* the id looked up */
	enum sensor_runtime runtime;   /* whose state was found, else the hint */
	char *name;                    /* NULL when unknown */
	char *image;                   /* as the runtime reports it, e.g. "busybox:1.36" */
	char *image_repository, *image_tag, *image_digest;
	bool privileged;
	char *k8s_ns, *k8s_pod;
	char **labels;                 /* "key=value", sorted bytewise; n_labels entries */
	size_t n_labels;
	const char *source;            /* static: the state file the data came from, or NULL */
};

/* Free the contents; the struct is zeroed. NULL is accepted. */
void sensor_container_info_done(struct sensor_container_info *info);

/*
 * Fill ev (which must be zeroed or freshly sensor_ev_container_done()) from info: id is the
 * 12-digit short id for 64-hex ids (as Falco prints it), the whole id otherwise; every string
 * is copied. 0 or -ENOMEM (ev is left empty).
 */
int sensor_ev_container_from_info(const struct sensor_container_info *info,
				  struct bh_ev_container *ev);
/* Make ev the host: id "host", everything else empty. 0 or -ENOMEM. */
int sensor_ev_container_set_host(struct bh_ev_container *ev);
/* Free what a struct bh_ev_container owns and zero it. */
void sensor_ev_container_done(struct bh_ev_container *ev);

/* Default and upper bound of cached containers. */
#define SENSOR_CONTAINER_CACHE_DEFAULT 1024
#define SENSOR_CONTAINER_CACHE_MAX 65536
/* A container whose state was not found is looked up again after this long. */
#define SENSOR_CONTAINER_RETRY_NS (1000ULL * 1000 * 1000)

struct sensor_container_cache;

struct sensor_container_cache_stats {
	uint64_t hits;      /* lookups answered from the cache */
	uint64_t misses;    /* lookups that read runtime state */
	uint64_t evictions; /* entries dropped because the cache was full */
	uint64_t not_found; /* misses where no runtime had state for the id */
	uint64_t errors;    /* state files that existed but were rejected (malformed, too big) */
};

/*
 * A cache over the runtimes' state. root is the directory standing for the host's "/" (NULL
 * or "/" for the real root; a sensor running in a container passes where the host's root is
 * mounted); other roots are resolved with openat2(RESOLVE_IN_ROOT) so that no symlink leads
 * out. limits is copied (NULL = defaults). max_entries 0 = SENSOR_CONTAINER_CACHE_DEFAULT.
 * *ret is freed with sensor_container_cache_free(). 0; -EINVAL (max_entries above
 * SENSOR_CONTAINER_CACHE_MAX); -ENOMEM; -errno from opening root.
 */
int sensor_container_cache_new(const char *root, const struct bh_limits *limits,
			       size_t max_entries, struct sensor_container_cache **ret);
void sensor_container_cache_free(struct sensor_container_cache *c);
DEFINE_CLEANUP(struct sensor_container_cache *, sensor_container_cache_free)

/*
 * What the runtimes' state says about container id, looked up in the order: hint's runtime
 * first, then Docker, containers-storage (Podman, CRI-O), containerd, runc. A container with
 * no state anywhere is still an answer (info->source == NULL, runtime = hint), cached for
 * SENSOR_CONTAINER_RETRY_NS. *ret is borrowed: valid until the next call on c.
 * 0; -EINVAL (id empty, too long, or not a valid container id); -ENOMEM.
 */
int sensor_container_cache_lookup(struct sensor_container_cache *c, const char *id,
				  enum sensor_runtime hint,
				  const struct sensor_container_info **ret);

/*
 * Attribute a cgroup path: the container it names (sensor_cgroup_container_id()), or, when
 * the path names none, a runc container whose id is the last component and whose runc state
 * (/run/runc/ID/state.json) lists this cgroup path; otherwise the host. ev must be zeroed;
 * on success it owns copies of everything (free with sensor_ev_container_done()).
 * 0; -ENOMEM.
 */
int sensor_container_cache_attribute(struct sensor_container_cache *c, struct span cgroup_path,
				     struct bh_ev_container *ev);

/* sensor_proc_cgroup(), then sensor_container_cache_attribute(). 0, or their errors. */
int sensor_container_cache_attribute_pid(struct sensor_container_cache *c, pid_t pid,
					 struct bh_ev_container *ev);

/* Forget one id (e.g. when the runtime reports the container gone). No-op when absent. */
void sensor_container_cache_forget(struct sensor_container_cache *c, const char *id);

void sensor_container_cache_get_stats(const struct sensor_container_cache *c,
				      struct sensor_container_cache_stats *ret);
