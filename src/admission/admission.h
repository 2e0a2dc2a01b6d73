/* SPDX-License-Identifier: Apache-2.0 */
/*
 * admission.h — the decision of `bulkhead admission serve`, without any HTTP: decode one
 * AdmissionReview (admission.k8s.io/v1) request body, evaluate the object it carries with the
 * Pod Security Standards and the hardening checks under an admission policy, and encode the
 * AdmissionReview response (uid echoed, allowed, status with the violated rules, warnings,
 * auditAnnotations carrying the rule ids).
 *
 * The policy says, per namespace, which Pod Security level (and version) is enforced, audited
 * and warned, and which individual rules (BH-K8S-PSS-*, BH-K8S-HARD-*) are enforced, audited,
 * warned or off. Without a policy file: baseline is enforced and restricted is warned in every
 * namespace; hardening checks are off. The file format is documented in
 * docs/admission-policy.md.
 *
 * A policy is immutable once loaded, so the server can swap policies (SIGHUP) while a
 * decision that started with the old one finishes with it.
 */
#pragma once

#include <jansson.h>

#include "common/common.h"

struct adm_policy;

/* The built-in policy: enforce baseline, warn restricted, everywhere. NULL on -ENOMEM. */
struct adm_policy *adm_policy_default(void);

/*
 * Load a policy file (YAML or JSON, through common/yaml.c with limits). 0, -ENOENT, -errno
 * from the file system, -E2BIG, -EBADMSG (malformed or unknown field, unknown rule id or
 * level; reterr_diag names file:line and what is wrong), -ENOMEM.
 */
int adm_policy_load(const char *path, const struct bh_limits *limits, struct adm_policy **ret,
		    struct bh_diag *reterr_diag);

/*
 * Load a policy from data (the unit of the fuzz target and of tests); source names it in
 * reterr_diag. Same errors as adm_policy_load() minus the file system ones.
 */
int adm_policy_load_buf(const char *source, struct span data, const struct bh_limits *limits,
			struct adm_policy **ret, struct bh_diag *reterr_diag);

void adm_policy_free(struct adm_policy *p);

/* One line describing the policy for the server's start-up and reload log lines. */
void adm_policy_describe(const struct adm_policy *p, char *dst, size_t size);

enum adm_verdict {
	ADM_ALLOW,	      /* nothing enforced was violated (warnings/audit may exist) */
	ADM_DENY,	      /* an enforced rule was violated */
	ADM_ALLOW_SKIPPED,    /* nothing to evaluate: kind, operation or subresource not checked */
	ADM_ALLOW_FAIL_OPEN,  /* the object could not be evaluated, fail-open allowed it */
	ADM_DENY_FAIL_CLOSED, /* the object could not be evaluated, fail-closed denied it */
	_ADM_VERDICT_MAX,
};

/* "allow", "deny", "skip", "error-allow", "error-deny" (metrics label values). */
const char *adm_verdict_name(enum adm_verdict v);

struct adm_opts {
	bool fail_closed; /* an object that cannot be evaluated is denied instead of allowed */
};

struct adm_decision {
	enum adm_verdict verdict;
	size_t n_enforced, n_warned, n_audited; /* rules violated per action */
};

/*
 * Decide one AdmissionReview request body. On success (0) *ret_response holds the complete
 * AdmissionReview v1 response JSON (one line, no trailing newline) and *ret_dec the summary.
 * The request must be admission.k8s.io/v1 AdmissionReview with request.uid; a body that is not
 * is -EBADMSG (the server answers HTTP 400 with reterr_diag's message); -E2BIG past the
 * limits (input-max-bytes, json-max-depth); -ENOMEM.
 * Objects whose content cannot be modelled (e.g. a pod spec of the wrong JSON type) are
 * answered, not rejected: verdict ADM_ALLOW_FAIL_OPEN or ADM_DENY_FAIL_CLOSED per opts.
 * Thread-safe for concurrent calls with the same policy.
 */
int adm_review(const struct adm_policy *p, const struct adm_opts *opts, struct span body,
	       const struct bh_limits *limits, struct buf *ret_response,
	       struct adm_decision *ret_dec, struct bh_diag *reterr_diag);

/* ---- recording decisions (record.c) ---------------------------------------------------- */

/* What adm_record_build() needs besides the block: borrowed, outlives the recorder. */
struct adm_record_ctx {
	const char *cluster;		/* the run's cluster (--cluster), NULL = none */
	const struct bh_limits *limits; /* for parsing the copied request again */
};

/*
 * The block one decision is recorded from, made on the request path: the request body and
 * the response (the AdmissionReview adm_review() wrote) copied into one allocation, with the
 * verdict and the decision's time (unix seconds). Caller frees (or hands it to the recorder,
 * src/audit/recorder.h); *ret_bytes its size. NULL on -ENOMEM.
 */
void *adm_record_block(struct span body, struct span response, const struct adm_decision *dec,
		       int64_t time, size_t *ret_bytes);
/*
 * The block a policy change (a successful SIGHUP reload) is recorded from: the policy file
 * and its one-line description. Recorded as a run of kind "admission.policy" (no findings,
 * resolving nothing) and an "admission.policy.reload" audit record (payload policy, sha256
 * of the file as loaded, description). NULL on -ENOMEM.
 */
void *adm_record_policy_block(const char *path, const char *sha256, const char *description,
			      int64_t time, size_t *ret_bytes);

/*
 * audit_recorder_build_fn (userdata: struct adm_record_ctx): append to batch one item for the
 * decision of block — a run of kind "admission" (target type "workload", name
 * "namespace/Kind/name", namespace, workload "Kind/name", cluster; summary allowed, verdict,
 * operation, uid, user, images, the denial message) with one bulkhead.finding/v1 per rule
 * enforced, warned or audited, and an "admission.decision" audit record (target the name,
 * actor the requesting user; payload allowed, verdict, rules, enforced, uid, operation, time,
 * cluster). 0, -EBADMSG (a block not made by adm_record_block), -ENOMEM.
 */
int adm_record_build(void *userdata, const void *block, json_t *batch);
