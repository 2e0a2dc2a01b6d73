/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k8s.h — Kubernetes manifests: loading (files, directories recursively, multi-document
 * YAML and JSON, `List` kinds) and the typed model the checks read: every object's
 * identity and source position, the pod spec of Pods and of the workload kinds' pod
 * templates, and Namespaces with their pod-security.kubernetes.io labels.
 *
 * Strings in the model are borrowed from the object's raw JSON, which the object owns, so
 * they live as long as the manifests. Secret and ConfigMap payloads (data, stringData,
 * binaryData) are deleted as soon as a document is read: they are never stored or printed.
 * Unknown kinds are kept as K8S_KIND_OTHER objects and get a note.
 */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "common/common.h"

enum k8s_tri {
	K8S_UNSET,
	K8S_FALSE,
	K8S_TRUE,
};

enum k8s_kind {
	K8S_KIND_OTHER, /* a kind the model does not know: ignored with a note */
	K8S_KIND_KNOWN, /* a known kind without a typed model in this slice (Service, Role, ...) */
	K8S_KIND_POD,
	K8S_KIND_DEPLOYMENT,
	K8S_KIND_STATEFULSET,
	K8S_KIND_DAEMONSET,
	K8S_KIND_REPLICASET,
	K8S_KIND_JOB,
	K8S_KIND_CRONJOB,
	K8S_KIND_REPLICATIONCONTROLLER,
	K8S_KIND_PODTEMPLATE,
	K8S_KIND_NAMESPACE,
	K8S_KIND_SECRET,
	K8S_KIND_CONFIGMAP,
	_K8S_KIND_MAX,
};

/* A borrowed key/value pair (labels, annotations). */
struct k8s_kv {
	const char *key;
	const char *value;
};

/* PodSecurityContext and SecurityContext fields the Pod Security Standards read. */
struct k8s_sec_ctx {
	enum k8s_tri privileged, allow_privilege_escalation, run_as_non_root, host_process;
	bool has_run_as_user;
	int64_t run_as_user;
	const char *seccomp_type;  /* seccompProfile.type, NULL when unset */
	const char *apparmor_type; /* appArmorProfile.type, NULL when unset */
	const char *selinux_type, *selinux_user, *selinux_role; /* seLinuxOptions.* */
	const char *proc_mount;
	const char **caps_add, **caps_drop; /* owned arrays of borrowed strings */
	size_t n_caps_add, n_caps_drop;
};

enum k8s_ctr_kind {
	K8S_CTR_INIT,
	K8S_CTR_REGULAR,
	K8S_CTR_EPHEMERAL,
	_K8S_CTR_MAX,
};

/* A host named by a probe or lifecycle handler (httpGet.host, tcpSocket.host). */
struct k8s_handler_host {
	const char *where; /* static: "livenessProbe", "lifecycle.postStart", ... */
	const char *host;
};

struct k8s_container {
	const char *name;
	enum k8s_ctr_kind kind;
	struct k8s_sec_ctx sc;
	int64_t *host_ports; /* owned; only the non-zero ones */
	size_t n_host_ports;
	struct k8s_handler_host *hosts; /* owned; only non-empty hosts */
	size_t n_hosts;
};

struct k8s_volume {
	const char *name;
	const char *source; /* the key naming the volume type ("hostPath"), NULL when none */
	const char *host_path;
};

struct k8s_pod_spec {
	bool host_network, host_pid, host_ipc;
	enum k8s_tri host_users;
	const char *os_name;
	struct k8s_sec_ctx sc; /* spec.securityContext */
	const char **sysctls;  /* owned array; names of spec.securityContext.sysctls */
	size_t n_sysctls;
	struct k8s_container *containers; /* owned; init, regular, ephemeral in that order */
	size_t n_containers;
	struct k8s_volume *volumes; /* owned */
	size_t n_volumes;
	struct k8s_kv *annotations; /* owned array; the pod (template) metadata annotations */
	size_t n_annotations;
};

/* pod-security.kubernetes.io/<mode> and <mode>-version labels of a Namespace. */
enum k8s_psa_mode {
	K8S_PSA_ENFORCE,
	K8S_PSA_AUDIT,
	K8S_PSA_WARN,
	_K8S_PSA_MODE_MAX,
};

struct k8s_namespace_psa {
	const char *level[_K8S_PSA_MODE_MAX];	/* label values, NULL when absent */
	const char *version[_K8S_PSA_MODE_MAX]; /* label values, NULL when absent */
};

struct k8s_object {
	enum k8s_kind kind;
	const char *kind_name;	 /* as written */
	const char *api_version; /* as written, "" when absent */
	const char *name;	 /* metadata.name ("" when absent; generateName is not a name) */
	const char *namespace_;	 /* metadata.namespace, NULL when not set */
	char *path;		 /* owned: the file it came from */
	unsigned line;		 /* 1-based line of its document */
	json_t *raw;		 /* owned reference; payloads of Secrets/ConfigMaps removed */
	struct k8s_kv *labels;	 /* owned array */
	size_t n_labels;
	bool has_pod;	      /* pod spec below is filled (Pod, workloads, PodTemplate) */
	const char *pod_path; /* static: where the pod spec sits ("spec", "spec.template.spec") */
	struct k8s_pod_spec pod;
	struct k8s_namespace_psa psa; /* K8S_KIND_NAMESPACE */
};

/* The lookup index of struct k8s_manifests (manifest.c). */
struct k8s_index;

struct k8s_manifests {
	struct k8s_object *objs; /* owned */
	size_t n, cap;
	struct strv notes; /* "path:line: ignoring ..." for unknown kinds and skipped files */
	size_t n_files;
	/*
	 * Owned: hash tables over (kind as written, effective namespace, name) and (kind as
	 * written, name). The loader allocates it empty once m holds enough objects for an index
	 * to pay; the lookups below fill it on first use and extend it when objects were appended
	 * since (so they write to it through a const m: lookups on one m must not run
	 * concurrently). NULL: lookups scan objs.
	 */
	struct k8s_index *index;
};

/* Name of a kind; "" for OTHER/KNOWN. */
const char *k8s_kind_name(enum k8s_kind k);

/*
 * Load PATH: a file (any extension; YAML or JSON, any number of documents) or a directory,
 * walked recursively in name order for *.yaml, *.yml and *.json (symbolic links to
 * directories are not followed). Objects are appended to m. limits bound every file
 * (input-max-bytes, json-max-depth) and the walk (path-max-depth).
 * 0, -E2BIG, -EBADMSG (malformed YAML or object; reterr_diag names file:line), -ENOENT,
 * -errno from the file system, -ENOMEM. On failure m keeps what was loaded before.
 */
int k8s_manifests_load_path(struct k8s_manifests *m, const char *path,
			    const struct bh_limits *limits, struct bh_diag *reterr_diag);

/* Load one buffer named source (the unit of the fuzz target and of tests). Same errors. */
int k8s_manifests_load_buf(struct k8s_manifests *m, const char *source, struct span data,
			   const struct bh_limits *limits, struct bh_diag *reterr_diag);

/*
 * Add one already parsed object (e.g. the object of an admission request) named source, with
 * no line. obj is modelled in place and referenced (json_incref), so Secret and ConfigMap
 * payloads are deleted from it. Same errors as k8s_manifests_load_buf() minus the limits.
 */
int k8s_manifests_add_json(struct k8s_manifests *m, const char *source, json_t *obj,
			   struct bh_diag *reterr_diag);

/* Free everything; m may be reused. Accepts a zeroed struct. */
void k8s_manifests_done(struct k8s_manifests *m);

/* The effective namespace of an object: metadata.namespace or "default". */
const char *k8s_object_namespace(const struct k8s_object *o);

/* The first Namespace object (in load order) named name among m, or NULL. */
const struct k8s_object *k8s_manifests_find_namespace(const struct k8s_manifests *m,
						      const char *name);

/*
 * The first object in load order whose kind as written (kind_name, whatever its apiVersion) is
 * kind and whose metadata.name is name and, unless ns is NULL, whose effective namespace
 * (k8s_object_namespace()) is ns; NULL when there is none. All strings are borrowed. Average
 * O(1) through m->index; objects are indexed under kind_name, namespace_ and name as they
 * are at the first lookup after they were loaded, so set those fields before looking up.
 */
const struct k8s_object *k8s_manifests_find(const struct k8s_manifests *m, const char *kind,
					    const char *ns, const char *name);

/* Value of annotation key in a pod spec, or NULL. */
const char *k8s_pod_annotation(const struct k8s_pod_spec *pod, const char *key);
