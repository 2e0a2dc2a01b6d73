/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.c — recording a command's result in the store (DESIGN.md §5): the run with its
 * findings (the very JSON document the command prints with --format json), then one audit
 * record per finding first seen or resolved and one for the run itself, appended to the
 * hash chain with the audit key (checkpoints signed as src/audit/ does).
 *
 * A command records when --store SPEC is given or BULKHEAD_STORE is set. The run and its
 * audit records are separate transactions: when the store fails between them the run is
 * kept and the error is reported (exit 3), so a retry records the audit records anew
 * (their findings are no longer "new" then — the audit log says so by their absence, which
 * `audit verify` does not hide).
 */
#include <stdio.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "common/json.h"
#include "store/store.h"

const char *cli_store_spec(const char *opt)
{
	if (opt)
		return opt;
	const char *env = secure_getenv("BULKHEAD_STORE");
	return env && *env ? env : NULL;
}

/* Render a document with render(u, f) into memory and parse it back. */
static int render_json(int (*render)(void *u, FILE *f), void *u, json_t **ret)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	int r = render(u, f);
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r >= 0) {
		json_error_t err;
		*ret = json_loadb(text, len, 0, &err);
		if (!*ret)
			r = -ENOMEM;
	}
	free(text);
	return r;
}

/* A resolved finding is no longer in the run: its last stored object, by id. */
struct last_seen {
	char *const *ids;
	size_t n;
	json_t *by_id; /* id -> finding object */
};

static int collect_resolved(void *u, const struct store_finding_state *f)
{
	struct last_seen *x = u;
	for (size_t i = 0; i < x->n; i++)
		if (streq(x->ids[i], f->id) && f->finding)
			return json_object_set(x->by_id, f->id, f->finding) < 0 ? -ENOMEM : 0;
	return 0;
}

/* One audit record about a finding (new or resolved). */
static int audit_finding(struct audit_writer *w, const char *kind, const char *id,
			 const json_t *findings, const json_t *resolved,
			 const struct store_run *run, int64_t run_id)
{
	const json_t *found = json_object_get(resolved, id);
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f)
		if (!found && streq_ptr(bh_json_str(f, "id"), id)) {
			found = f;
			break;
		}
	_cleanup_json_ json_t *p =
		json_pack("{s:s, s:I, s:s, s:s}", "finding", id, "run", (json_int_t)run_id, "run_kind",
			  run->kind, "target_type", run->target.type ? run->target.type : "");
	if (!p)
		return -ENOMEM;
	if (found) {
		const json_t *rule = json_object_get(found, "rule");
		if (bh_json_set_str(p, "rule", bh_json_str(rule, "id")) < 0 ||
		    bh_json_set_str(p, "severity", bh_json_str(found, "severity")) < 0 ||
		    bh_json_set_str(p, "kind", bh_json_str(found, "kind")) < 0 ||
		    bh_json_set_str(p, "message", bh_json_str(found, "message")) < 0)
			return -ENOMEM;
	}
	return audit_append(w, kind, run->target.name, run->tool, p, NULL);
}

/* The findings of doc that belong to part (all when part is NULL), as a new array. */
static json_t *part_findings(const json_t *all, const struct cli_record_part *part)
{
	json_t *a = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(all, i, f)
		if (a && (!part || part->match(f)) && json_array_append(a, f) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Record one run; append its audit records through w. 0 or an exit code. */
static int record_one(struct store *s, struct audit_writer *w, const struct store_run *rr,
		      const json_t *findings)
{
	struct bh_diag diag = { 0 };
	struct store_record_result res = { 0 };
	int r = store_record_run(s, rr, findings, &res, &diag);
	if (r < 0) {
		store_record_result_done(&res);
		cli_fail_diag(r, &diag, store_name(s));
		return CLI_EXIT_RUNTIME;
	}
	_cleanup_json_ json_t *resolved = json_object();
	struct last_seen ls = { .ids = res.resolved_ids, .n = res.n_resolved, .by_id = resolved };
	struct store_finding_query q = { .run_kind = rr->kind, .target = rr->target.name };
	if (!resolved)
		r = -ENOMEM;
	else if (res.n_resolved)
		r = store_findings_foreach(s, &q, collect_resolved, &ls);
	for (size_t i = 0; r >= 0 && i < res.n_new; i++)
		r = audit_finding(w, "finding.new", res.new_ids[i], findings, NULL, rr, res.run_id);
	for (size_t i = 0; r >= 0 && i < res.n_resolved; i++)
		r = audit_finding(w, "finding.resolved", res.resolved_ids[i], findings, resolved,
				  rr, res.run_id);
	if (r >= 0) {
		_cleanup_json_ json_t *p = json_pack(
			"{s:I, s:s, s:I, s:I, s:I}", "run", (json_int_t)res.run_id, "kind", rr->kind,
			"findings", (json_int_t)json_array_size(findings), "new", (json_int_t)res.n_new,
			"resolved", (json_int_t)res.n_resolved);
		r = p ? audit_append(w, "run.recorded", rr->target.name, rr->tool, p, NULL) : -ENOMEM;
	}
	if (r < 0)
		log_error_errno(r, "%s: cannot append to the audit log: %m", store_name(s));
	else
		log_info("recorded %s run %lld in %s: %zu findings, %zu new, %zu resolved", rr->kind,
			 (long long)res.run_id, store_name(s), json_array_size(findings), res.n_new,
			 res.n_resolved);
	store_record_result_done(&res);
	return r < 0 ? CLI_EXIT_RUNTIME : CLI_EXIT_OK;
}

int cli_record(struct cli_ctx *ctx, const char *spec, const struct store_run *run,
	       int (*render)(void *u, FILE *f), void *u, const struct cli_record_part *parts,
	       size_t n_parts)
{
	_cleanup_json_ json_t *doc = NULL;
	int r = render_json(render, u, &doc);
	if (r < 0) {
		log_error_errno(r, "cannot prepare the result for the store: %m");
		return CLI_EXIT_RUNTIME;
	}
	const json_t *findings = json_object_get(doc, "findings");
	if (!json_is_array(findings)) {
		log_error("internal error: the result has no findings array to record");
		return CLI_EXIT_RUNTIME;
	}
	struct store_run rr = *run;
	/* The document's own target, unless the caller names one (k8s: the cluster). */
	const json_t *t = json_object_get(doc, "target");
	if (!rr.target.type)
		rr.target.type = bh_json_str(t, "type");
	if (!rr.target.name)
		rr.target.name = bh_json_str(t, "name");
	if (!rr.target.digest)
		rr.target.digest = bh_json_str(t, "digest");
	if (!rr.target.type || !rr.target.name) {
		log_error("internal error: the result names no target to record");
		return CLI_EXIT_RUNTIME;
	}

	struct bh_diag diag = { 0 };
	_cleanup_(store_closep) struct store *s = NULL;
	r = store_open(spec, &ctx->limits, 0, &s, &diag);
	if (r < 0)
		return cli_fail_diag(r, &diag, spec);
	/* The audit key signs checkpoints; made on first use (0600). */
	_cleanup_free_ char *key_path = NULL, *head_path = NULL;
	_cleanup_(audit_key_freep) struct audit_key *key = NULL;
	r = audit_key_default_path(&key_path);
	if (r >= 0)
		r = audit_key_load_private(key_path, true, &key, NULL, &diag);
	if (r >= 0)
		r = audit_head_path(key_path, &head_path);
	if (r < 0) {
		cli_fail_diag(r, &diag, key_path ? key_path : "audit key");
		return CLI_EXIT_RUNTIME;
	}
	struct audit_writer w;
	audit_writer_init(&w, s, key, head_path);
	int ret = CLI_EXIT_OK;
	/*
	 * One run per part: a scan with only some scanners must not resolve the findings of
	 * the others, so each scanner's findings have their own scope (run kind).
	 */
	for (size_t i = 0; ret == CLI_EXIT_OK && i < (n_parts ? n_parts : 1); i++) {
		const struct cli_record_part *part = n_parts ? &parts[i] : NULL;
		_cleanup_json_ json_t *mine = part_findings(findings, part);
		_cleanup_json_ json_t *sum = json_deep_copy(json_object_get(doc, "summary"));
		if (!sum)
			sum = json_object();
		if (!mine || !sum ||
		    (part && bh_json_set_str(sum, "part", part->kind) < 0) ||
		    (json_object_get(doc, "scanners") &&
		     json_object_set(sum, "scanners", json_object_get(doc, "scanners")) < 0)) {
			log_error("out of memory");
			ret = CLI_EXIT_RUNTIME;
			break;
		}
		struct store_run one = rr;
		if (part)
			one.kind = part->kind;
		if (!one.summary)
			one.summary = sum;
		ret = record_one(s, &w, &one, mine);
	}
	r = audit_writer_done(&w);
	if (r < 0 && ret == CLI_EXIT_OK) {
		log_error_errno(r, "%s: cannot checkpoint the audit log: %m", store_name(s));
		ret = CLI_EXIT_RUNTIME;
	}
	return ret;
}
