/* SPDX-License-Identifier: Apache-2.0 */
/*
 * risk.h — `bulkhead risk`: one score per workload (Deployment, StatefulSet, DaemonSet, Job,
 * CronJob, ReplicaSet and ReplicationController without an owner, bare Pod) from 0 to 100,
 * the sum of weighted factors in five categories: the vulnerabilities of the images it runs
 * (from the store's scan.vuln runs), its exposure (Services, Ingresses, host network, and
 * NetworkPolicy reachability), its privilege (Pod Security Standards and hardening checks,
 * RBAC power of its service account), its environment (production or not) and runtime
 * evidence (alerts recorded by runs of kind "runtime"; which vulnerable packages the
 * workload's behaviour baselines in the store show executed or opened). docs/risk-model.md
 * explains the weights; every factor keeps its value, weight, contribution and evidence
 * (store finding, run and baseline ids, manifest file:line), and the part of its weight the
 * data could not assess ("unknown": an image never scanned, no runtime data, no exploitation
 * data, no baseline).
 *
 * Reads the manifests and the store; writes nothing to either. Strings borrowed from the
 * manifests must outlive the report.
 */
#pragma once

#include <stdio.h>

#include "common/common.h"
#include "k8s/k8s.h"

struct store;

enum risk_category {
	RISK_CAT_VULNERABILITY,
	RISK_CAT_EXPOSURE,
	RISK_CAT_PRIVILEGE,
	RISK_CAT_ENVIRONMENT,
	RISK_CAT_RUNTIME,
	_RISK_CAT_MAX,
};

/* The factors of the model, in the order they are reported. */
enum risk_factor_id {
	RISK_F_VULN_SEVERITY,
	RISK_F_VULN_FIXABLE,
	RISK_F_VULN_EXPLOITED,
	RISK_F_NOT_SCANNED,
	RISK_F_EXTERNAL,
	RISK_F_REACH,
	RISK_F_PRIVILEGED,
	RISK_F_HOST_NAMESPACES,
	RISK_F_HOST_MOUNTS,
	RISK_F_CAPABILITIES,
	RISK_F_ROOT,
	RISK_F_RBAC,
	RISK_F_ENVIRONMENT,
	RISK_F_RUNTIME_ALERTS,
	RISK_F_VULN_IN_USE,
	_RISK_F_MAX,
};

/* One factor of the model (static table). */
struct risk_model_factor {
	const char *id;	  /* stable slug: "vuln-severity" */
	const char *name; /* "vulnerability severity" */
	enum risk_category category;
	double weight;	 /* points at value 1; the weights add up to 100 */
	const char *how; /* one line: how the value is computed */
};

/* The model table (_RISK_F_MAX entries) and the category names. */
const struct risk_model_factor *risk_model(void);
const char *risk_category_name(enum risk_category c);

enum risk_env {
	RISK_ENV_UNKNOWN,
	RISK_ENV_PROD,
	RISK_ENV_DEV,
	_RISK_ENV_MAX,
};
const char *risk_env_name(enum risk_env e); /* "unknown", "production", "non-production" */

struct risk_opts {
	const char *env_label;	 /* label key naming the environment; NULL: "environment" */
	const char *const *prod; /* fnmatch(3) patterns over namespace names: production */
	size_t n_prod;
	const char *const *dev; /* ... and not production */
	size_t n_dev;
	int64_t now;		/* unix seconds (runtime window end) */
	int64_t runtime_window; /* seconds of runtime alerts to count; 0: 30 days */
	size_t max_evidence;	/* per factor; 0: 20 */
};

enum risk_ev_type {
	RISK_EV_MANIFEST, /* ref "file:line" */
	RISK_EV_FINDING,  /* ref = store finding id, run = its last run */
	RISK_EV_RUN,	  /* ref = store run id */
	RISK_EV_BASELINE, /* ref = "WORKLOAD#VERSION" of a baseline in the store */
	_RISK_EV_MAX,
};

struct risk_evidence {
	enum risk_ev_type type;
	char *ref;    /* owned */
	int64_t run;  /* RISK_EV_FINDING: last run id; 0 otherwise */
	char *detail; /* owned, may be NULL: rule id, binding, Service, ... */
};

struct risk_factor {
	double value;		  /* 0..1 */
	double contribution;	  /* value * weight */
	double unknown;		  /* points of the weight the data could not assess */
	bool assessed;		  /* false: nothing could be said ("not in the data") */
	char *detail;		  /* owned, one line */
	struct risk_evidence *ev; /* owned */
	size_t n_ev, cap_ev;
	size_t n_ev_omitted; /* evidence beyond max_evidence, counted only */
};

struct risk_workload {
	const struct k8s_object *obj; /* borrowed from the manifests */
	const char *ns;		      /* effective namespace (borrowed) */
	enum risk_env env;
	struct strv images; /* as written in the pod spec, distinct, in container order */
	double score;	    /* sum of contributions, 0..100 */
	double unknown;	    /* sum of the factors' unknown points */
	struct risk_factor f[_RISK_F_MAX];
};

struct risk_report {
	struct risk_workload *w; /* owned, ranked: score descending, then kind/ns/name */
	size_t n;
	struct strv notes; /* what could not be assessed for all workloads, and why */
	char *store_name;  /* owned, NULL when no store was read */
	struct risk_opts opts;
	size_t n_images, n_images_scanned;
	bool has_runtime;   /* the store holds runs of kind "runtime" */
	size_t n_baselines; /* behaviour baselines in the store that matched a workload's image */
};

/*
 * Score every workload of m with the data of store s (borrowed, may be NULL: no vulnerability
 * or runtime data). ret must be zeroed; free with risk_report_done() (also after failure).
 * 0, -EBADMSG (an RBAC object of the wrong shape; reterr_diag names file:line), -errno of
 * the store (its message in store_errmsg()), -ENOMEM.
 */
int risk_run(const struct k8s_manifests *m, struct store *s, const struct risk_opts *opts,
	     struct risk_report *ret, struct bh_diag *reterr_diag);
void risk_report_done(struct risk_report *r);

/* Render: a ranked table (top rows, 0 = all) or bulkhead.risk/v1 JSON. 0, -ENOMEM, -EIO. */
int risk_report_table(const struct risk_report *r, size_t top, FILE *f);
int risk_report_json(const struct risk_report *r, size_t top, FILE *f);

/*
 * Normalise an image reference for matching: "[domain/]path[:tag][@digest]" with the domain
 * defaulted to docker.io (and "library/" for one-component Docker Hub paths, index.docker.io
 * read as docker.io) and the tag to "latest" when neither tag nor digest is given.
 * *ret_name is "domain/path[:tag]" and *ret_digest the digest or NULL (both malloc'd).
 * 0, -EINVAL (empty or not a reference), -ENOMEM.
 */
int risk_image_normalize(const char *ref, char **ret_name, char **ret_digest);

/*
 * The environment of a namespace and workload labels (borrowed, may be NULL/0): the patterns
 * first, then the label (workload, then namespace), then the namespace name's words. When
 * ret_why is given it gets a static or owned explanation in *ret_why (caller frees).
 */
enum risk_env risk_environment(const struct risk_opts *o, const char *ns,
			       const struct k8s_kv *wl_labels, size_t n_wl,
			       const struct k8s_kv *ns_labels, size_t n_ns, char **ret_why);
