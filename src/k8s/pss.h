/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pss.h — the Pod Security Standards (baseline and restricted) as Kubernetes' Pod Security
 * Admission evaluates them, control by control, for a policy version v1.Y ("latest" = every
 * rule known). A control that changed across versions applies the rule of the requested
 * version; a control introduced after it does not apply. Restricted includes baseline.
 */
#pragma once

#include "k8s/k8s.h"

enum k8s_pss_level {
	K8S_PSS_PRIVILEGED,
	K8S_PSS_BASELINE,
	K8S_PSS_RESTRICTED,
	_K8S_PSS_LEVEL_MAX,
};

/* The minor version meaning "latest" (v1.<minor>). */
#define K8S_PSS_LATEST UINT32_MAX

struct k8s_pss_check {
	const char *id;	   /* BH-K8S-PSS-NNN, stable */
	const char *name;  /* the PSA check name, e.g. "hostNamespaces" */
	const char *title; /* the control, as the Pod Security Standards page names it */
	enum k8s_pss_level level;
	const char *remediation;
};

struct k8s_pss_violation {
	const struct k8s_pss_check *check; /* static */
	char *detail;			   /* owned: what exactly violates, one sentence */
};

struct k8s_pss_result {
	struct k8s_pss_violation *v; /* owned */
	size_t n, cap;
};

/* 0 or -EINVAL. "privileged", "baseline", "restricted". */
int k8s_pss_level_from_name(const char *name, enum k8s_pss_level *ret);
const char *k8s_pss_level_name(enum k8s_pss_level level);

/* "latest" or "v1.Y" (Y < 1000). 0 or -EINVAL. */
int k8s_pss_version_parse(const char *s, uint32_t *ret_minor);
/* "latest" or "v1.Y" into dst. */
void k8s_pss_version_format(uint32_t minor, char *dst, size_t size);

/* The table of every control, for listings and reports. */
const struct k8s_pss_check *k8s_pss_checks(size_t *ret_n);

/*
 * Evaluate pod at level and version; violations are appended to ret (zeroed or reused
 * after k8s_pss_result_done()). 0 or -ENOMEM.
 */
int k8s_pss_evaluate(const struct k8s_pod_spec *pod, enum k8s_pss_level level, uint32_t minor,
		     struct k8s_pss_result *ret);

void k8s_pss_result_done(struct k8s_pss_result *r);
