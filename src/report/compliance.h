/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compliance.h — compliance reports over the store (DESIGN.md §1: an evaluator over the
 * store, not over inputs): NIST SP 800-190 section 4 and the CIS Kubernetes Benchmark
 * sections bulkhead covers. Each control gets pass, fail or not assessed from two facts in
 * the store:
 *
 *   - the open findings (bulkhead.finding/v1) whose "compliance" array cites the control
 *     ("NIST-800-190:4.1.4", "CIS-K8S-1.9:5.2.2") or whose rule the control's table names
 *     (rules that predate their citations, e.g. the Pod Security Standards for 4.4.3);
 *   - the recorded runs, by run kind ("scan.vuln", "k8s-check.hardening", …): the control's
 *     table says which run kinds assess it (docs/compliance.md lists them all).
 *
 * fail: at least one open finding cites it (evidence: finding id and run id);
 * pass: at least one run that assesses it, and no open finding cites it;
 * not assessed: neither; the reason says which command would assess it, or that bulkhead
 * has no check for it.
 *
 * Nothing here reads input files or writes the store; rendering is deterministic (controls in
 * table order, evidence sorted, "generated" from SOURCE_DATE_EPOCH when set).
 */
#pragma once

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "common/common.h"

struct store;

enum compliance_framework {
	COMPLIANCE_NIST_800_190,
	COMPLIANCE_CIS_K8S,
	_COMPLIANCE_FRAMEWORK_MAX,
};

enum compliance_status {
	COMPLIANCE_PASS,
	COMPLIANCE_FAIL,
	COMPLIANCE_NOT_ASSESSED,
	_COMPLIANCE_STATUS_MAX,
};

/* One control of a framework's table (static data). */
struct compliance_control_def {
	const char *id;	   /* "4.1.1", "5.2.2" */
	const char *group; /* "Image countermeasures", "Pod Security Standards" */
	const char *title; /* in our words */
	/*
	 * Rule ids whose open findings also count against the control although they do not
	 * cite it; "PREFIX*" matches by prefix; "RULE~TEXT" only when the message contains
	 * TEXT; "kind:KIND" matches every finding of that kind. NULL-terminated; may be NULL.
	 */
	const char *const *rules;
	/* Run kinds that assess the control (see run capabilities below). NULL-terminated. */
	const char *const *assessors;
	const char *how;   /* the command that assesses it, for "not assessed"; NULL: none */
	const char *other; /* what else evidences it (bulkhead has no check), for "why" */
};

/* "nist-800-190" / "cis-k8s" → *ret. 0 or -EINVAL. */
int compliance_framework_from_name(const char *name, enum compliance_framework *ret);
/* "nist-800-190" / "cis-k8s". */
const char *compliance_framework_name(enum compliance_framework fw);
/* "NIST SP 800-190 (September 2017), section 4", "CIS Kubernetes Benchmark v1.9, section 5". */
const char *compliance_framework_title(enum compliance_framework fw);
/* "pass", "fail", "not_assessed". */
const char *compliance_status_name(enum compliance_status s);
/* The framework's table (static) and its length. */
const struct compliance_control_def *compliance_controls(enum compliance_framework fw,
							 size_t *ret_n);

/* ---- the evaluation ------------------------------------------------------------------- */

struct compliance_evidence {
	char *finding_id, *rule, *severity, *target, *message; /* owned; "" when absent */
	int64_t run_id;					       /* the run that last saw it */
	int sev_rank;					       /* for sorting: 5 critical … 0 */
};

struct compliance_run_ref {
	int64_t run_id, time;
	char *kind, *target; /* owned */
};

/* Runs kept per control as "assessed by" (newest first); the total is counted. */
#define COMPLIANCE_MAX_RUN_REFS 10

struct compliance_result {
	const struct compliance_control_def *def; /* borrowed (static table) */
	enum compliance_status status;
	char *why; /* owned, one or two sentences */
	struct compliance_evidence *ev;
	size_t n_ev, cap_ev;
	struct compliance_run_ref runs[COMPLIANCE_MAX_RUN_REFS]; /* newest first */
	size_t n_runs;						 /* entries used in runs[] */
	size_t n_runs_total;					 /* every assessing run */
};

struct compliance_report {
	enum compliance_framework fw;
	char *store;		     /* store name (no password), owned */
	int64_t generated;	     /* unix seconds (SOURCE_DATE_EPOCH when set) */
	struct compliance_result *c; /* one per control, table order */
	size_t n;
	size_t count[_COMPLIANCE_STATUS_MAX];
};

/*
 * Evaluate fw over the store s (read only: runs and open findings). On success *ret is
 * filled (release with compliance_report_done()). 0, -ENOMEM or the store's -errno.
 */
int compliance_evaluate(struct store *s, enum compliance_framework fw, int64_t now,
			struct compliance_report *ret);
void compliance_report_done(struct compliance_report *r);

/*
 * Capabilities of one recorded run: its kind, plus — for a run kind without a part
 * ("scan", "k8s-check") — kind.X for every X its summary lists under "scanners" or
 * "checks", plus "k8s-check.pss-restricted" when a Pod Security Standards run was at level
 * restricted (summary "level" or "policy"."level"). Appended to caps. 0 or -ENOMEM.
 */
int compliance_run_capabilities(const char *kind, const json_t *summary, struct strv *caps);

/* bulkhead.compliance/v1 (docs/schema/compliance.schema.json) into *ret. 0 or -ENOMEM. */
int compliance_report_json(const struct compliance_report *r, json_t **ret);
/* One self-contained, printable HTML page (inline CSS, no scripts). 0, -ENOMEM, -EIO. */
int compliance_report_html(const struct compliance_report *r, FILE *f);
/* Append s to b with &, <, >, " and ' escaped (and control bytes dropped). 0, -E2BIG, -ENOMEM. */
int compliance_html_escape(struct buf *b, const char *s);
