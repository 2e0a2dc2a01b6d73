/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rbac.h — Kubernetes RBAC over a set of manifests, decided exactly as the API server's RBAC
 * authorizer decides: PolicyRules (verbs, apiGroups, resources incl. "pods/exec" and "* /scale"
 * subresources, resourceNames, nonResourceURLs with "*" and "prefix*"), ClusterRoleBindings
 * for every namespace and cluster-scoped request, RoleBindings (to a Role or a ClusterRole)
 * only inside their namespace, subjects User / Group / ServiceAccount (a service account is
 * the user system:serviceaccount:NS:NAME in the groups system:serviceaccounts,
 * system:serviceaccounts:NS and system:authenticated), and aggregated ClusterRoles whose
 * rules are, as the aggregation controller writes them, the union of the rules of every
 * other ClusterRole matching one of the clusterRoleSelectors (followed transitively).
 *
 * On top of the authorizer: `who-can` (every subject a request is allowed to, with the
 * binding and role that grant it) and the `rbac` findings BH-K8S-RBAC-001..012.
 *
 * Every string is borrowed from the manifests (struct k8s_manifests), which must outlive the
 * struct k8s_rbac built from them.
 */
#pragma once

#include <stdio.h>

#include "k8s/k8s.h"

struct k8s_rbac_rule {
	const char **verbs, **api_groups, **resources, **resource_names, **urls; /* owned arrays */
	size_t n_verbs, n_api_groups, n_resources, n_resource_names, n_urls;
};

struct k8s_rbac_role {
	const struct k8s_object *obj; /* borrowed */
	bool is_cluster;	      /* ClusterRole (else Role) */
	const char *namespace_;	      /* Role: its namespace; ClusterRole: "" */
	const char *name;
	struct k8s_rbac_rule *rules; /* owned: the rules as written */
	size_t n_rules;
	bool is_aggregated;		  /* has an aggregationRule: eff replaces rules */
	const json_t *selectors;	  /* borrowed aggregationRule.clusterRoleSelectors */
	const struct k8s_rbac_rule **eff; /* owned array of borrowed rules: what is enforced */
	size_t n_eff, cap_eff;
};

enum k8s_rbac_subject_kind {
	K8S_SUBJ_USER,
	K8S_SUBJ_GROUP,
	K8S_SUBJ_SERVICEACCOUNT,
	_K8S_SUBJ_MAX,
};

struct k8s_rbac_subject {
	enum k8s_rbac_subject_kind kind;
	const char *name;
	const char *namespace_; /* service accounts: defaulted to the binding's; else "" */
};

struct k8s_rbac_binding {
	const struct k8s_object *obj; /* borrowed */
	bool is_cluster;	      /* ClusterRoleBinding (else RoleBinding) */
	const char *namespace_;	      /* RoleBinding: its namespace; ClusterRoleBinding: "" */
	const char *name;
	const char *role_kind, *role_name; /* roleRef */
	const struct k8s_rbac_role *role;  /* resolved, NULL when not among the manifests */
	struct k8s_rbac_subject *subjects; /* owned */
	size_t n_subjects;
};

/* A workload (pod-bearing object) and the service account its pods run as. */
struct k8s_rbac_workload {
	const struct k8s_object *obj;
	const char *service_account; /* serviceAccountName, else "default" */
	bool automount_disabled;     /* automountServiceAccountToken: false on the pod */
};

struct k8s_rbac {
	struct k8s_rbac_role *roles; /* owned, sorted by (is_cluster, namespace, name) */
	size_t n_roles, cap_roles;
	struct k8s_rbac_binding *bindings; /* owned, in manifest order */
	size_t n_bindings, cap_bindings;
	struct k8s_rbac_workload *workloads; /* owned */
	size_t n_workloads, cap_workloads;
	const struct k8s_object **service_accounts; /* borrowed ServiceAccount objects */
	size_t n_service_accounts, cap_service_accounts;
	struct strv namespaces; /* every namespace named by a binding, role, SA, workload */
	struct strv notes;	/* roleRefs to roles not among the manifests, ... */
};

/*
 * Build the model from m (borrowed; must outlive r). r must be zeroed; free with
 * k8s_rbac_done() (also after failure). 0, -EBADMSG (an RBAC object of the wrong shape;
 * reterr_diag names file:line), -ENOMEM.
 */
int k8s_rbac_build(struct k8s_rbac *r, const struct k8s_manifests *m, struct bh_diag *reterr_diag);
void k8s_rbac_done(struct k8s_rbac *r);

/*
 * A request as the authorizer sees it. A resource request has resource set (url NULL); a
 * non-resource request has url set. namespace_ "" is a cluster-scoped (or all-namespaces)
 * request, which only ClusterRoleBindings can allow.
 */
struct k8s_rbac_request {
	const char *verb;
	const char *api_group;	 /* "" is the core group */
	const char *resource;	 /* plural, without subresource */
	const char *subresource; /* "" or NULL when none */
	const char *name;	 /* "" or NULL when none */
	const char *namespace_;	 /* "" or NULL: cluster scope */
	const char *url;	 /* non-resource URL path, NULL for resource requests */
};

/* The authenticated identity: a user name and its groups (borrowed). */
struct k8s_rbac_user {
	const char *name;
	const char *const *groups;
	size_t n_groups;
};

/* Whether one PolicyRule allows the request (RBAC's RuleAllows). */
bool k8s_rbac_rule_allows(const struct k8s_rbac_rule *rule, const struct k8s_rbac_request *req);

/* Whether any rule of a role (its enforced rules) allows the request. */
bool k8s_rbac_role_allows(const struct k8s_rbac_role *role, const struct k8s_rbac_request *req);

/* Whether subject s of a binding in namespace binding_ns denotes user u (appliesTo). */
bool k8s_rbac_subject_applies(const struct k8s_rbac_subject *s, const char *binding_ns,
			      const struct k8s_rbac_user *u);

/*
 * The authorizer's decision for u, and the binding that grants it (borrowed) when allowed.
 */
bool k8s_rbac_allows(const struct k8s_rbac *r, const struct k8s_rbac_user *u,
		     const struct k8s_rbac_request *req,
		     const struct k8s_rbac_binding **ret_binding);

/* The Role or ClusterRole named by a roleRef, or NULL. */
const struct k8s_rbac_role *k8s_rbac_find_role(const struct k8s_rbac *r, bool is_cluster,
					       const char *namespace_, const char *name);

/* One row of who-can: a subject of a binding whose role allows the request. */
struct k8s_rbac_grant {
	const struct k8s_rbac_subject *subject; /* borrowed from the binding */
	const struct k8s_rbac_binding *binding; /* borrowed */
};

/*
 * Every (subject, binding) allowed req. With any_namespace and an empty req->namespace_,
 * RoleBindings of every namespace count too (the grant's binding names its namespace) unless
 * the request is for a non-resource URL or cluster_scoped is set. *ret_grants is owned by the
 * caller (free()). 0 or -ENOMEM.
 */
int k8s_rbac_who_can(const struct k8s_rbac *r, const struct k8s_rbac_request *req,
		     bool any_namespace, bool cluster_scoped, struct k8s_rbac_grant **ret_grants,
		     size_t *ret_n);

/*
 * The API group of a well-known resource ("pods" -> "", "deployments" -> "apps"), and whether
 * it is cluster-scoped. false when unknown.
 */
bool k8s_rbac_resource_group(const char *resource, const char **ret_group,
			     bool *ret_cluster_scoped);

/* The user a subject stands for: fills u with its name and implied groups (borrowed
 * strings, groups from storage of at least 4 entries; buf owns built strings). 0/-ENOMEM. */
int k8s_rbac_subject_user(const struct k8s_rbac_subject *s, struct buf *name_buf,
			  struct buf *group_buf, const char **groups, struct k8s_rbac_user *ret_u);

/* ---- findings ---- */

enum k8s_rbac_severity {
	K8S_RBAC_INFO,
	K8S_RBAC_LOW,
	K8S_RBAC_MEDIUM,
	K8S_RBAC_HIGH,
	K8S_RBAC_CRITICAL,
	_K8S_RBAC_SEVERITY_MAX,
};

struct k8s_rbac_check {
	const char *id; /* BH-K8S-RBAC-NNN */
	enum k8s_rbac_severity severity;
	const char *title;
	const char *remediation;
	const char *ref; /* CIS Kubernetes Benchmark section, NULL when none */
};

struct k8s_rbac_finding {
	const struct k8s_rbac_check *check; /* static */
	enum k8s_rbac_severity severity;    /* raised to critical for anonymous/everyone grants */
	char *subject;			    /* owned: "User/alice", "ServiceAccount/ns/name" */
	char *scope;			    /* owned: "cluster" or "namespace NS" */
	const struct k8s_rbac_binding *binding; /* borrowed, NULL for workload findings */
	const struct k8s_object *obj;		/* the object to locate the finding at */
	char *message;				/* owned */
};

struct k8s_rbac_report {
	struct k8s_rbac_finding *f; /* owned */
	size_t n, cap;
	size_t n_subjects;
};

/* Run every check over r. rep must be zeroed; free with k8s_rbac_report_done(). 0/-ENOMEM. */
int k8s_rbac_analyze(const struct k8s_rbac *r, struct k8s_rbac_report *rep);
void k8s_rbac_report_done(struct k8s_rbac_report *rep);

const char *k8s_rbac_severity_name(enum k8s_rbac_severity s);
/* The static check table. */
const struct k8s_rbac_check *k8s_rbac_checks(size_t *ret_n);
