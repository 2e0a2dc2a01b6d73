/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ask.h — answers to auditors' questions (`bulkhead audit ask`, docs/man/bulkhead-audit-ask.md)
 * over Kubernetes manifests and the store:
 *
 *   admins          subjects with access to management functions (cluster-admin equivalents,
 *                   escalate/bind, impersonate, reading Secrets, pods/exec and attach,
 *                   nodes/proxy, RBAC writes, admission configuration writes, token minting)
 *                   from RBAC (k8s/rbac.h who-can), and who actually used such access from the
 *                   Kubernetes API audit events imported into the audit log (kind "k8s.api")
 *   regulated-data  workloads that mount Secrets (volumes, projected volumes, envFrom,
 *                   secretKeyRef), persistent, network or host volumes, or carry a
 *                   data-classification label; from where each is reachable (k8s/netpol.h
 *                   reach) and how it is exposed outside the cluster (exposure)
 *   segregation     the reachability analysis summarised: namespaces without default-deny,
 *                   cross-namespace flows, workloads reachable from everywhere, prod/dev mixing
 *   remediation     every vulnerability finding of the store: first seen, fixed at, time to
 *                   remediate, and those open (or fixed) past a per-severity deadline
 *
 * Each answer is one JSON document {"schema":"bulkhead.audit-ask/v1","question",…,"summary",
 * "answers":[…],"evidence":[…]} (docs/schema/audit-ask.schema.json). Every answer item lists
 * evidence references, and the top-level "evidence" array describes each reference once:
 *   "manifest:PATH:LINE"  the object at that file and line (its "object" is Kind/ns/name)
 *   "finding:ID"          a finding of the store (store_findings_foreach)
 *   "run:N"               a run of the store (store_runs_foreach)
 *   "audit:SEQ"           a record of the audit log (`bulkhead audit log`)
 * The table renderer reads only that document, so table and JSON always agree.
 *
 * The evaluators read; they never write to the store or log above debug.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/common.h"
#include "common/diag.h"
#include "k8s/k8s.h"
#include "store/store.h"

#define AUDIT_ASK_SCHEMA "bulkhead.audit-ask/v1"

enum audit_ask_question {
	AUDIT_ASK_ADMINS,
	AUDIT_ASK_REGULATED_DATA,
	AUDIT_ASK_SEGREGATION,
	AUDIT_ASK_REMEDIATION,
	_AUDIT_ASK_MAX,
};

/* Severities with a remediation deadline, most severe first. */
enum audit_ask_sev {
	AUDIT_ASK_CRITICAL,
	AUDIT_ASK_HIGH,
	AUDIT_ASK_MEDIUM,
	AUDIT_ASK_LOW,
	_AUDIT_ASK_SEV_MAX,
};

/* A data-classification label: key, and value (NULL: any value). Borrowed strings. */
struct audit_ask_label {
	const char *key;
	const char *value;
};

struct audit_ask_opts {
	int64_t now; /* unix seconds the answer is as of (open ages, deadlines), > 0 */
	/* regulated-data: the labels that mark regulated data (on the workload, its pod
	 * template or its Namespace); n_labels 0 = the default: data-classification with
	 * one of confidential, restricted, pci, phi, pii (values compared ignoring ASCII case) */
	const struct audit_ask_label *labels;
	size_t n_labels;
	/* segregation: label keys naming the environment (0 = "env", "environment",
	 * "app.kubernetes.io/environment"), and the values (also namespace-name words,
	 * split at '-', '_', '.') meaning prod and dev (0 = the defaults in ask.c) */
	const char *const *env_keys;
	size_t n_env_keys;
	const char *const *prod_values;
	size_t n_prod_values;
	const char *const *dev_values;
	size_t n_dev_values;
	/* remediation: seconds a finding of each severity may stay open (0: no deadline) */
	int64_t deadline[_AUDIT_ASK_SEV_MAX];
	/* store scope: only runs of this cluster (k8s check --cluster), NULL = all */
	const char *cluster;
	/* what the answer was computed from, for the document (borrowed, may be NULL/0) */
	const char *const *paths;
	size_t n_paths;
};

/* Defaults: now, no labels (= the default label), deadlines 15/30/90/180 days. */
void audit_ask_opts_init(struct audit_ask_opts *o, int64_t now);

/* "admins", "regulated-data", "segregation", "remediation" <-> the enum. -EINVAL when unknown. */
int audit_ask_question_parse(const char *s, enum audit_ask_question *ret);
const char *audit_ask_question_name(enum audit_ask_question q);
/* "critical", … <-> the enum; -EINVAL when unknown. */
int audit_ask_sev_parse(struct span s, enum audit_ask_sev *ret);
const char *audit_ask_sev_name(enum audit_ask_sev s);

/*
 * A duration "N" + unit s, m, h, d or w ("15d", "36h") into seconds. 0, -EBADMSG (syntax or
 * zero), -E2BIG (beyond 100 years).
 */
int audit_ask_parse_duration(struct span s, int64_t *ret);
/*
 * "--deadline" values: "SEV=DUR[,SEV=DUR]..." (e.g. "critical=7d,high=14d") into deadline[];
 * severities not named keep their value; DUR "none" removes the deadline. 0, -EBADMSG
 * (reterr_diag says which part).
 */
int audit_ask_parse_deadlines(struct span s, int64_t deadline[static _AUDIT_ASK_SEV_MAX],
			      struct bh_diag *reterr_diag);

/*
 * Answer question q. m: the manifests (borrowed; may be NULL or empty only for remediation);
 * s: the store (borrowed; NULL: answers without store evidence, except remediation, which
 * needs it: -EINVAL). *ret_doc: the bulkhead.audit-ask/v1 document, owned by the caller.
 * 0, -EINVAL (misuse), -ENOMEM, or the store's -errno (reterr_diag names it).
 */
int audit_ask(enum audit_ask_question q, const struct k8s_manifests *m, struct store *s,
	      const struct audit_ask_opts *o, json_t **ret_doc, struct bh_diag *reterr_diag);

/* The document as tables (one per part of the answer) and a summary line. 0 or -errno. */
int audit_ask_write_table(const json_t *doc, FILE *f);
/* The document as JSON (2-space indentation, final newline). 0 or -errno. */
int audit_ask_write_json(const json_t *doc, FILE *f);

/* ---- shared by the ask*.c files (not for callers) ------------------------------------------ */

/* A document under construction: doc owns answers, evidence and summary. */
struct audit_ask_doc {
	json_t *doc, *answers, *evidence, *summary;
	json_t *seen; /* ref -> true, the references already in evidence (not in doc) */
};
int audit_ask_doc_init(struct audit_ask_doc *d, enum audit_ask_question q,
		       const struct audit_ask_opts *o, struct store *s);
/* Hand the document over (*ret) and release the rest. */
void audit_ask_doc_take(struct audit_ask_doc *d, json_t **ret);
void audit_ask_doc_done(struct audit_ask_doc *d);

/*
 * Evidence: append the reference to refs (an array; skipped when already there) and describe
 * it once in d->evidence. 0 or -ENOMEM.
 */
int audit_ask_ev_manifest(struct audit_ask_doc *d, const struct k8s_object *o, json_t *refs);
int audit_ask_ev_finding(struct audit_ask_doc *d, const struct store_finding_state *f,
			 json_t *refs);
int audit_ask_ev_run(struct audit_ask_doc *d, int64_t run_id, const char *kind, int64_t time,
		     const char *target, json_t *refs);
/* An audit record: seq, time (unix µs), kind, actor and target as recorded. */
int audit_ask_ev_audit(struct audit_ask_doc *d, int64_t seq, int64_t time_us, const char *kind,
		       const char *actor, const char *target, json_t *refs);
/* "Kind/namespace/name" (namespaced objects) or "Kind/name" into b (cleared first). */
int audit_ask_object_id(const struct k8s_object *o, struct buf *b);
/* RFC 3339 (seconds, UTC) of unix seconds t as a new JSON string; null for t <= 0. */
json_t *audit_ask_time_json(int64_t t);

int audit_ask_admins(struct audit_ask_doc *d, const struct k8s_manifests *m, struct store *s,
		     const struct audit_ask_opts *o, struct bh_diag *reterr_diag);
int audit_ask_regulated(struct audit_ask_doc *d, const struct k8s_manifests *m, struct store *s,
			const struct audit_ask_opts *o, struct bh_diag *reterr_diag);
int audit_ask_segregation(struct audit_ask_doc *d, const struct k8s_manifests *m,
			  const struct audit_ask_opts *o);
int audit_ask_remediation(struct audit_ask_doc *d, struct store *s, const struct audit_ask_opts *o,
			  struct bh_diag *reterr_diag);
