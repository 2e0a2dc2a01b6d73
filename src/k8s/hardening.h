/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hardening.h — workload hardening checks beyond the Pod Security Standards (resource limits,
 * probes, image references, read-only root file system, service-account tokens, sensitive
 * host mounts, secrets in literal env values, ...), each a rule BH-K8S-HARD-NNN with a
 * severity, a remediation and CIS Kubernetes Benchmark / NIST SP 800-190 references.
 *
 * Checks read the typed model and, for fields it does not hold (resources, probes, image,
 * env, volumeMounts, ...), the object's raw JSON. Literal env values are never copied into a
 * detail: only variable names are reported.
 *
 * Per-object exceptions: the annotation bulkhead.dev/ignore (on the object or on its pod
 * template) holds a comma-separated list of rule ids (any BH-K8S-* id) not to report.
 */
#pragma once

#include "k8s/k8s.h"

#define K8S_IGNORE_ANNOTATION "bulkhead.dev/ignore"

enum k8s_severity {
	K8S_SEV_LOW,
	K8S_SEV_MEDIUM,
	K8S_SEV_HIGH,
	K8S_SEV_CRITICAL,
	_K8S_SEV_MAX,
};

#define K8S_HARD_MAX_REFS 4

struct k8s_hard_check {
	const char *id;	   /* BH-K8S-HARD-NNN, stable */
	const char *name;  /* short slug, e.g. "cpu-limit" */
	const char *title; /* one line */
	enum k8s_severity severity;
	const char *remediation;
	const char *refs[K8S_HARD_MAX_REFS]; /* "CIS-K8S-1.9:5.7.3", "NIST-800-190:4.4.3" */
	const char *pss_id;		     /* the PSS rule covering the same ground, or NULL */
};

struct k8s_hard_violation {
	const struct k8s_hard_check *check; /* static */
	char *detail;			    /* owned: what exactly, one sentence */
};

struct k8s_hard_result {
	struct k8s_hard_violation *v; /* owned */
	size_t n, cap;
};

/* The table of every check (for listings and reports); *ret_n entries. */
const struct k8s_hard_check *k8s_hard_checks(size_t *ret_n);

/* "low", "medium", "high", "critical". */
const char *k8s_severity_name(enum k8s_severity s);

/*
 * Evaluate the pod-bearing object o (o->has_pod; other objects yield nothing) of m (m is
 * read for the ServiceAccount o runs under). Violations are appended to ret (zeroed or
 * reused after k8s_hard_result_done()). Exceptions are not applied here. 0 or -ENOMEM.
 */
int k8s_hard_evaluate(const struct k8s_manifests *m, const struct k8s_object *o,
		      struct k8s_hard_result *ret);

void k8s_hard_result_done(struct k8s_hard_result *r);

/*
 * Whether rule_id is listed in the bulkhead.dev/ignore annotation of o's metadata or of its
 * pod template (ids compared without case, blanks around commas ignored).
 */
bool k8s_object_ignores(const struct k8s_object *o, const char *rule_id);
