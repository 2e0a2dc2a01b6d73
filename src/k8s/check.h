/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check.h — `bulkhead k8s check`: the Pod Security Standards over every pod-bearing object of
 * a set of manifests, with the level (and version) chosen per object, plus the hardening
 * checks (hardening.h), with per-object exceptions (annotation bulkhead.dev/ignore), and the
 * report as a table or as JSON (bulkhead.k8s-check/v1 holding bulkhead.finding/v1 findings).
 */
#pragma once

#include <stdio.h>

#include "k8s/k8s.h"
#include "k8s/hardening.h"
#include "k8s/pss.h"

struct k8s_check_opts {
	bool has_level; /* --level; otherwise the namespace's enforce label, else baseline */
	enum k8s_pss_level level;
	bool has_version; /* --version; otherwise the enforce-version label, else latest */
	uint32_t minor;
	/* Which sets run. The zero value runs the Pod Security Standards only. */
	bool hardening; /* also run the hardening checks */
	bool no_pss;	/* do not run the Pod Security Standards */
};

struct k8s_finding {
	const struct k8s_object *obj; /* borrowed from the manifests */
	enum k8s_pss_level level;
	uint32_t minor;
	const struct k8s_pss_check *check; /* static; NULL for a hardening finding */
	char *detail;			   /* owned */
	const struct k8s_hard_check *hard; /* static; NULL for a PSS finding */
};

/* A finding an object's bulkhead.dev/ignore annotation suppressed. */
struct k8s_suppressed {
	const struct k8s_object *obj; /* borrowed from the manifests */
	const char *rule_id;	      /* static */
};

struct k8s_check_report {
	struct k8s_finding *f; /* owned */
	size_t n, cap;
	size_t n_workloads;	    /* objects with a pod spec that were evaluated */
	struct strv notes;	    /* e.g. invalid namespace labels */
	struct k8s_suppressed *sup; /* owned */
	size_t n_sup, cap_sup;
};

/* The effective level and version of one object. */
void k8s_check_policy_for(const struct k8s_manifests *m, const struct k8s_object *o,
			  const struct k8s_check_opts *opts, enum k8s_pss_level *ret_level,
			  uint32_t *ret_minor, struct strv *notes);

/*
 * Evaluate every object of m with the sets opts selects. When both run, a hardening rule
 * whose pss_id was reported for the same object is not reported again. Findings listed in
 * the object's bulkhead.dev/ignore annotation go to rep->sup instead. rep must be zeroed;
 * free with k8s_check_report_done(). 0 or -ENOMEM.
 */
int k8s_check_run(const struct k8s_manifests *m, const struct k8s_check_opts *opts,
		  struct k8s_check_report *rep);
void k8s_check_report_done(struct k8s_check_report *rep);

/* Render. 0, -ENOMEM, -EIO. */
int k8s_check_report_json(const struct k8s_manifests *m, const struct k8s_check_opts *opts,
			  const struct k8s_check_report *rep, FILE *f);
int k8s_check_report_table(const struct k8s_manifests *m, const struct k8s_check_report *rep,
			   FILE *f);
