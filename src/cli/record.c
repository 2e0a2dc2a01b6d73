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
 * `audit verify` does not hide). The batch format, its delivery and the spool are
 * src/audit/recorder.c's, shared with the asynchronous recorder of admission and sensor.
 */
#include <stdio.h>

#include "audit/recorder.h"
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

/* The audit key (made on first use, 0600) and the writer for a->store. */
static int audit_writer_setup(struct cli_audit *a)
{
	struct bh_diag diag = { 0 };
	int r = audit_key_default_path(&a->key_path);
	if (r >= 0)
		r = audit_key_load_private(a->key_path, true, &a->key, NULL, &diag);
	if (r >= 0)
		r = audit_head_path(a->key_path, &a->head_path);
	if (r < 0) {
		cli_fail_diag(r, &diag, a->key_path ? a->key_path : "audit key");
		return CLI_EXIT_RUNTIME;
	}
	audit_writer_init(&a->writer, a->store, a->key, a->head_path);
	a->writer_ready = true;
	return CLI_EXIT_OK;
}

int cli_audit_open(struct cli_ctx *ctx, const char *spec, unsigned store_flags, struct cli_audit *a)
{
	*a = (struct cli_audit){ 0 };
	struct bh_diag diag = { 0 };
	int r = store_open(spec, &ctx->limits, store_flags, &a->store, &diag);
	if (r < 0)
		return cli_fail_diag(r, &diag, spec ? spec : "store");
	int ret = audit_writer_setup(a);
	if (ret != CLI_EXIT_OK)
		(void)cli_audit_close(a);
	return ret;
}

int cli_audit_append(struct cli_audit *a, const char *kind, const char *target, const char *actor,
		     const json_t *payload)
{
	int r = audit_append(&a->writer, kind, target, actor, payload, NULL);
	if (r < 0) {
		log_error_errno(r, "%s: cannot append the %s audit record: %s", store_name(a->store),
				kind, store_errmsg(a->store)[0] ? store_errmsg(a->store) : strerror(-r));
		return CLI_EXIT_RUNTIME;
	}
	return CLI_EXIT_OK;
}

int cli_audit_close(struct cli_audit *a)
{
	int ret = CLI_EXIT_OK;
	if (a->writer_ready) {
		int r = audit_writer_done(&a->writer);
		if (r < 0) {
			log_error_errno(r, "%s: cannot checkpoint the audit log: %m", store_name(a->store));
			ret = CLI_EXIT_RUNTIME;
		}
		a->writer_ready = false;
	}
	audit_key_free(a->key);
	free(a->key_path);
	free(a->head_path);
	store_close(a->store);
	*a = (struct cli_audit){ 0 };
	return ret;
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

	/*
	 * One run per part: a scan with only some scanners must not resolve the findings of
	 * the others, so each scanner's findings have their own scope (run kind).
	 */
	_cleanup_json_ json_t *batch = json_array();
	for (size_t i = 0; batch && i < (n_parts ? n_parts : 1); i++) {
		const struct cli_record_part *part = n_parts ? &parts[i] : NULL;
		_cleanup_json_ json_t *mine = part_findings(findings, part);
		_cleanup_json_ json_t *sum = rr.summary ? json_deep_copy(rr.summary)
						       : json_deep_copy(json_object_get(doc, "summary"));
		if (!sum)
			sum = json_object();
		if (!mine || !sum || (part && bh_json_set_str(sum, "part", part->kind) < 0) ||
		    (json_object_get(doc, "scanners") &&
		     json_object_set(sum, "scanners", json_object_get(doc, "scanners")) < 0) ||
		    (json_object_get(doc, "policy") &&
		     json_object_set(sum, "policy", json_object_get(doc, "policy")) < 0)) {
			json_decref(TAKE_PTR(batch));
			break;
		}
		struct store_run one = rr;
		if (part)
			one.kind = part->kind;
		one.summary = sum;
		if (json_array_append_new(batch, audit_batch_item(&one, mine)) < 0)
			json_decref(TAKE_PTR(batch));
	}
	if (!batch) {
		log_error("out of memory");
		return CLI_EXIT_RUNTIME;
	}

	return cli_record_batch(ctx, spec, batch);
}

int cli_record_batch(struct cli_ctx *ctx, const char *spec, const json_t *batch)
{
	int r;
	struct bh_diag diag = { 0 };
	_cleanup_(store_closep) struct store *s = NULL;
	bool pg = audit_spec_is_postgres(spec);
	_cleanup_free_ char *spool = NULL;
	if (pg) {
		r = audit_spool_dir(spec, &spool);
		if (r < 0) {
			log_error_errno(r, "cannot make the spool directory for the store: %m");
			return CLI_EXIT_RUNTIME;
		}
	}
	r = store_open(spec, &ctx->limits, 0, &s, &diag);
	if (r < 0 && pg && audit_store_unreachable(r)) {
		/* Nothing is lost: the runs wait in the spool for the next recording that connects. */
		int w = audit_spool_write(spool, batch);
		if (w < 0) {
			log_error_errno(w, "%s: cannot spool the run: %m", spool);
			return cli_fail_diag(r, &diag, spec);
		}
		char msg[1200];
		bh_diag_format(&diag, msg, sizeof(msg));
		log_warning("%s; the run is kept in %s and delivered by the next recording that "
			    "reaches the store",
			    msg, spool);
		return CLI_EXIT_OK;
	}
	if (r < 0)
		return cli_fail_diag(r, &diag, spec);
	struct cli_audit a = { .store = TAKE_PTR(s) };
	int ret = audit_writer_setup(&a);
	if (ret != CLI_EXIT_OK) {
		(void)cli_audit_close(&a);
		return ret;
	}
	size_t n = 0;
	if (spool) {
		r = audit_spool_deliver(a.store, &a.writer, spool, &n, &diag);
		if (n)
			log_notice("delivered %zu spooled runs to %s", n, store_name(a.store));
		if (r < 0) {
			cli_fail_diag(r, &diag, store_name(a.store));
			ret = r == -EBADMSG ? CLI_EXIT_INPUT : CLI_EXIT_RUNTIME;
		}
	}
	if (ret == CLI_EXIT_OK) {
		/* One transaction for every run and audit record of this command (one fsync). */
		r = audit_batch_deliver(a.store, &a.writer, batch, true, &n, &diag);
		if (r < 0) {
			cli_fail_diag(r, &diag, store_name(a.store));
			ret = CLI_EXIT_RUNTIME;
		} else
			log_info("recorded %zu run%s in %s", n, n == 1 ? "" : "s", store_name(a.store));
	}
	int c = cli_audit_close(&a);
	return ret != CLI_EXIT_OK ? ret : c;
}
