/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netpol.h — NetworkPolicy reachability and external exposure of Kubernetes workloads.
 *
 * Building blocks: label selectors (matchLabels and matchExpressions with In, NotIn, Exists,
 * DoesNotExist, as metav1.LabelSelector defines them), CIDRs (IPv4 and IPv6) for ipBlock
 * with except, and port sets (protocol + port ranges).
 *
 * The reachability model follows the NetworkPolicy API: a pod is isolated for a direction
 * when a policy of its namespace selects it with that policy type (policyTypes defaults to
 * Ingress, plus Egress when the policy has egress rules); unisolated pods allow everything
 * in that direction; what is allowed is the union over the selecting policies; a connection
 * needs egress allowed at the source and ingress allowed at the destination. A rule whose
 * from/to is missing or empty matches every peer; a policy with no rules for a direction
 * it isolates allows nothing. Named ports resolve against the destination pod's container
 * ports. One workload stands for the pods of its template. Pod IPs are unknown before
 * anything runs, so ipBlock peers match only the endpoint K8S_NET_EXTERNAL ("outside the
 * cluster"), which they do when the CIDR minus its exceptions is not empty.
 */
#pragma once

#include <stdio.h>

#include "k8s/k8s.h"

/* ---- label selectors ---- */

enum k8s_sel_op {
	K8S_SEL_IN,
	K8S_SEL_NOT_IN,
	K8S_SEL_EXISTS,
	K8S_SEL_DOES_NOT_EXIST,
	_K8S_SEL_OP_MAX,
};

struct k8s_sel_req {
	const char *key; /* borrowed from the selector's JSON */
	enum k8s_sel_op op;
	const char **values; /* owned array of borrowed strings */
	size_t n_values;
};

/* All requirements must hold; no requirement selects everything. */
struct k8s_selector {
	struct k8s_sel_req *reqs; /* owned */
	size_t n_reqs;
};

/*
 * Parse a LabelSelector object (NULL or JSON null = the empty selector, which matches
 * everything). Strings stay borrowed from sel. 0, -EBADMSG (not an object, unknown
 * operator, In/NotIn without values, Exists/DoesNotExist with values, non-string values),
 * -ENOMEM. *ret is written only on success; free it with k8s_selector_done().
 */
int k8s_selector_parse(const json_t *sel, struct k8s_selector *ret);
void k8s_selector_done(struct k8s_selector *s);
bool k8s_selector_is_empty(const struct k8s_selector *s);
/* Whether the labels (n pairs, borrowed) satisfy every requirement. */
bool k8s_selector_matches(const struct k8s_selector *s, const struct k8s_kv *labels, size_t n);

/* ---- CIDRs ---- */

struct k8s_cidr {
	uint8_t addr[16]; /* network address, host bits cleared; IPv4 in the first 4 bytes */
	uint8_t prefix;
	bool is_v6;
};

/*
 * Parse "a.b.c.d/n" or an IPv6 address with "/n" (the forms ipBlock accepts). Host bits
 * are cleared as Kubernetes does. 0 or -EBADMSG.
 */
int k8s_cidr_parse(struct span s, struct k8s_cidr *ret);
/* Whether inner lies within outer (same family). */
bool k8s_cidr_contains(const struct k8s_cidr *outer, const struct k8s_cidr *inner);
/* Canonical text (dotted quad, or RFC 5952 IPv6) into dst. 0 or -E2BIG. */
int k8s_cidr_format(const struct k8s_cidr *c, char *dst, size_t size);
/* Whether the exceptions (n) together cover all of c, leaving it empty. */
bool k8s_cidr_covered(const struct k8s_cidr *c, const struct k8s_cidr *except, size_t n);

/* ---- port sets ---- */

enum k8s_proto {
	K8S_PROTO_TCP,
	K8S_PROTO_UDP,
	K8S_PROTO_SCTP,
	_K8S_PROTO_MAX,
};

struct k8s_port_range {
	enum k8s_proto proto;
	uint16_t lo, hi; /* inclusive; 1..65535 for all ports */
};

/* A set of (protocol, port) pairs, kept as sorted disjoint ranges. */
struct k8s_port_set {
	struct k8s_port_range *r; /* owned */
	size_t n, cap;
};

int k8s_port_set_add(struct k8s_port_set *s, enum k8s_proto proto, uint16_t lo, uint16_t hi);
int k8s_port_set_add_all(struct k8s_port_set *s);
int k8s_port_set_union(struct k8s_port_set *s, const struct k8s_port_set *o);
int k8s_port_set_intersect(const struct k8s_port_set *a, const struct k8s_port_set *b,
			   struct k8s_port_set *ret);
bool k8s_port_set_contains(const struct k8s_port_set *s, enum k8s_proto proto, uint16_t port);
bool k8s_port_set_is_all(const struct k8s_port_set *s);
/* "all", or "TCP/80,TCP/8000-8080,UDP/53". 0, -E2BIG, -ENOMEM. */
int k8s_port_set_format(const struct k8s_port_set *s, struct buf *b);
void k8s_port_set_done(struct k8s_port_set *s);

/* ---- the network model ---- */

struct k8s_net_port {
	const char *name; /* NULL when unnamed */
	enum k8s_proto proto;
	uint16_t port;
};

struct k8s_net_workload {
	const struct k8s_object *obj; /* borrowed from the manifests */
	const char *ns;
	struct k8s_kv *labels; /* owned array, template (pod) labels */
	size_t n_labels;
	struct k8s_net_port *ports; /* owned; container ports of every container */
	size_t n_ports;
	/* k8s_net_reach(): a valid policy of its namespace selects it for that type */
	bool ingress_isolated, egress_isolated;
};

/* The pseudo workload index of "outside the cluster" in edges. */
#define K8S_NET_EXTERNAL SIZE_MAX

struct k8s_net_edge {
	size_t from, to; /* workload indexes or K8S_NET_EXTERNAL */
	struct k8s_port_set ports;
};

struct k8s_net_ns {
	char *name;				/* owned */
	bool ingress_isolated, egress_isolated; /* a policy selects all its pods for that type */
	size_t n_policies;			/* valid NetworkPolicies of the namespace */
};

struct k8s_net_report {
	struct k8s_net_workload *wl; /* owned */
	size_t n_wl;
	struct k8s_net_edge *edges; /* owned, nonempty port sets only */
	size_t n_edges, cap_edges;
	struct k8s_net_ns *ns; /* owned, sorted by name */
	size_t n_ns;
	struct strv notes;
};

/*
 * Compute reachability among the workloads of m (Pods and workload templates; Jobs and
 * CronJobs included) and with the outside. Malformed NetworkPolicies are skipped with a
 * note. 0 or -ENOMEM. Free with k8s_net_report_done().
 */
int k8s_net_reach(const struct k8s_manifests *m, struct k8s_net_report *ret);
void k8s_net_report_done(struct k8s_net_report *r);
/* "Kind/namespace/name" of workload i (or "(external)") into dst. */
void k8s_net_workload_id(const struct k8s_net_report *r, size_t i, char *dst, size_t size);

enum k8s_net_format {
	K8S_NET_FMT_TABLE,
	K8S_NET_FMT_JSON,
	K8S_NET_FMT_DOT,
	_K8S_NET_FMT_MAX,
};

int k8s_net_reach_write(const struct k8s_net_report *r, enum k8s_net_format fmt, FILE *f);
/*
 * The JSON of k8s_net_reach_write() plus a "findings" array (borrowed, written as is) when
 * findings is not NULL. 0, -ENOMEM, -EIO.
 */
int k8s_net_reach_write_json(const struct k8s_net_report *r, const json_t *findings, FILE *f);

/* One reason a workload is reachable from outside the cluster. */
struct k8s_exposure {
	size_t wl;	 /* workload index, or K8S_NET_EXTERNAL when the Service selects none */
	const char *via; /* static: "LoadBalancer", "NodePort", "Ingress", "hostNetwork", ... */
	char *detail;	 /* owned: "Service/ns/name 80/TCP", "Ingress/ns/x -> Service y" */
};

struct k8s_exposure_report {
	struct k8s_net_workload *wl; /* owned (same model as reach) */
	size_t n_wl;
	struct k8s_exposure *e; /* owned, sorted by workload then via */
	size_t n, cap;
};

/* List what reaches each workload from outside. 0 or -ENOMEM. */
int k8s_net_exposure(const struct k8s_manifests *m, struct k8s_exposure_report *ret);
void k8s_exposure_report_done(struct k8s_exposure_report *r);
int k8s_exposure_write(const struct k8s_exposure_report *r, bool json, FILE *f);
/* The JSON of k8s_exposure_write() plus "findings" (borrowed) when not NULL. */
int k8s_exposure_write_json(const struct k8s_exposure_report *r, const json_t *findings, FILE *f);

/* ---- findings (bulkhead.finding/v1) ---- */

/*
 * The rules of the network findings. Reach (kind "network"), evaluated per namespace that
 * holds workloads and per workload:
 *   BH-K8S-NET-001  no default-deny ingress policy in the namespace    NIST-800-190:4.3.3
 *   BH-K8S-NET-002  no default-deny egress policy in the namespace     NIST-800-190:4.4.2
 *   BH-K8S-NET-003  a workload that policies isolate for ingress still accepts connections
 *                   from outside the cluster on every port             NIST-800-190:4.3.3
 *   BH-K8S-NET-004  a workload that policies isolate for egress still may connect outside
 *                   the cluster on every port                          NIST-800-190:4.4.2
 *   BH-K8S-NET-005  a namespace with workloads and no NetworkPolicy    CIS-K8S-1.9:5.3.2
 * Workloads no policy selects are counted in their namespace's BH-K8S-NET-001/002 finding,
 * not reported one by one. Exposure (kind "exposure"), one per workload and way in:
 *   BH-K8S-EXP-001  a LoadBalancer or NodePort Service, or externalIPs
 *   BH-K8S-EXP-002  an Ingress backend
 *   BH-K8S-EXP-003  hostNetwork or a hostPort
 */
struct k8s_net_rule {
	const char *id, *title, *severity, *remediation;
	const char *compliance; /* NULL: none */
};
/* The rule table above (static) and its length. */
const struct k8s_net_rule *k8s_net_rules(size_t *ret_n);

/*
 * Append the reach findings of rep (computed from m) to the JSON array into, in a
 * deterministic order: namespaces by name, then workloads in manifest order. Every finding
 * has a stable id over its kind, rule and target (a namespace or workload is the same one
 * whichever file and line declares it), its target ("Namespace/NAME" of type cluster, or
 * the workload), the manifest file:line of the Namespace object (else the namespace's first
 * workload) or of the workload, and evidence naming the workloads and NetworkPolicies
 * involved with their file:line. 0 or -ENOMEM.
 */
int k8s_net_findings(const struct k8s_manifests *m, const struct k8s_net_report *rep, json_t *into);
/*
 * Append one exposure finding per exposed workload and way in to into (Services and Ingress
 * backends that select no workload are not findings). 0 or -ENOMEM.
 */
int k8s_exposure_findings(const struct k8s_exposure_report *rep, json_t *into);
