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
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "common/hash.h"
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

/* ---- batches: what one command records, as JSON (also the spool file format) ---------- */

static json_t *str_or_null(const char *v)
{
	return v ? json_string(v) : json_null();
}

/* {"run": {kind, time, target{…}, tool, summary}, "findings": […]} */
static json_t *batch_item(const struct store_run *r, json_t *findings)
{
	const struct store_target *t = &r->target;
	return json_pack("{s:{s:s, s:I, s:{s:o, s:o, s:o, s:o, s:o, s:o}, s:o, s:O}, s:O}", "run",
			 "kind", r->kind, "time", (json_int_t)r->time, "target", "type",
			 str_or_null(t->type), "name", str_or_null(t->name), "digest",
			 str_or_null(t->digest), "cluster", str_or_null(t->cluster), "namespace",
			 str_or_null(t->namespace), "workload", str_or_null(t->workload), "tool",
			 str_or_null(r->tool), "summary", r->summary, "findings", findings);
}

static void batch_run(const json_t *item, struct store_run *ret)
{
	const json_t *r = json_object_get(item, "run"), *t = json_object_get(r, "target");
	json_int_t time = json_integer_value(json_object_get(r, "time"));
	*ret = (struct store_run){
		.kind = bh_json_str(r, "kind"),
		.time = (int64_t)time,
		.target = { .type = bh_json_str(t, "type"),
			    .name = bh_json_str(t, "name"),
			    .digest = bh_json_str(t, "digest"),
			    .cluster = bh_json_str(t, "cluster"),
			    .namespace = bh_json_str(t, "namespace"),
			    .workload = bh_json_str(t, "workload") },
		.tool = bh_json_str(r, "tool"),
		.summary = json_object_get(r, "summary"),
	};
}

/* Record every item of batch (an array) with its audit records. 0 or an exit code. */
static int deliver(struct store *s, struct audit_writer *w, const json_t *batch)
{
	size_t i;
	json_t *item;
	json_array_foreach(batch, i, item) {
		struct store_run run;
		batch_run(item, &run);
		const json_t *findings = json_object_get(item, "findings");
		if (!run.kind || !run.target.type || !run.target.name || !json_is_array(findings)) {
			log_error("%s: a spooled run is malformed; left in the spool", store_name(s));
			return CLI_EXIT_INPUT;
		}
		int ret = record_one(s, w, &run, findings);
		if (ret != CLI_EXIT_OK)
			return ret;
	}
	return CLI_EXIT_OK;
}

/* ---- the spool: runs for a PostgreSQL store that could not be reached ----------------- */

static bool unreachable(int r)
{
	return r == -ECONNREFUSED || r == -ETIMEDOUT || r == -EHOSTUNREACH || r == -ECONNRESET;
}

/* <the audit key's directory>/spool/<16 hex of SHA-256(store name)>, made 0700. */
static int spool_dir(const char *name, char **ret)
{
	_cleanup_free_ char *key = NULL;
	int r = audit_key_default_path(&key);
	if (r < 0)
		return r;
	char *slash = strrchr(key, '/');
	if (slash)
		*slash = '\0';
	char hex[BH_DIGEST_STR_LEN + 1];
	r = bh_sha256_str(name, strlen(name), hex);
	if (r < 0)
		return r;
	_cleanup_free_ char *top = NULL;
	if (asprintf(&top, "%s/spool", slash ? key : ".") < 0 ||
	    asprintf(ret, "%s/%.16s", top, strchr(hex, ':') + 1) < 0)
		return -ENOMEM;
	if ((mkdir(top, 0700) < 0 && errno != EEXIST) || (mkdir(*ret, 0700) < 0 && errno != EEXIST))
		return -errno;
	return 0;
}

/* Write batch as one spool file (temporary name, fsync, rename). 0 or -errno. */
static int spool_write(const char *dir, const json_t *batch)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	_cleanup_free_ char *tmp = NULL, *final = NULL;
	if (asprintf(&tmp, "%s/.tmp-%d", dir, (int)getpid()) < 0 ||
	    asprintf(&final, "%s/%020lld-%09ld-%d.json", dir, (long long)ts.tv_sec, ts.tv_nsec,
		     (int)getpid()) < 0)
		return -ENOMEM;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	int r = json_dumpfd(batch, fd, JSON_COMPACT) < 0 ? -EIO : 0;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, final) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Deliver the spooled batches of this store, oldest first; each file removed once recorded. */
static int spool_deliver(struct store *s, struct audit_writer *w, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? CLI_EXIT_OK : CLI_EXIT_RUNTIME;
	struct strv names = { 0 };
	struct dirent *de;
	int ret = CLI_EXIT_OK;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strstr(de->d_name, ".json") &&
		    strv_push(&names, de->d_name) < 0)
			ret = CLI_EXIT_RUNTIME;
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_names);
	for (size_t i = 0; ret == CLI_EXIT_OK && i < names.n; i++) {
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, names.v[i]) < 0) {
			ret = CLI_EXIT_RUNTIME;
			break;
		}
		json_error_t err;
		_cleanup_json_ json_t *batch = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
		if (!json_is_array(batch)) {
			log_error("%s: not a spooled run (%s); left in place", path, err.text);
			ret = CLI_EXIT_INPUT;
			break;
		}
		ret = deliver(s, w, batch);
		if (ret == CLI_EXIT_OK) {
			(void)unlink(path);
			log_notice("delivered the runs spooled in %s to %s", path, store_name(s));
		}
	}
	strv_done(&names);
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
		if (json_array_append_new(batch, batch_item(&one, mine)) < 0)
			json_decref(TAKE_PTR(batch));
	}
	if (!batch) {
		log_error("out of memory");
		return CLI_EXIT_RUNTIME;
	}

	struct bh_diag diag = { 0 };
	_cleanup_(store_closep) struct store *s = NULL;
	bool pg = strncmp(spec, "postgres://", 11) == 0 || strncmp(spec, "postgresql://", 13) == 0;
	_cleanup_free_ char *spool = NULL;
	if (pg) {
		/* The spool is named after the spec without its password (as store_name()). */
		const char *at = strchr(spec, '@'), *scheme = strstr(spec, "://");
		_cleanup_free_ char *safe = NULL;
		if (at && scheme && at > scheme && asprintf(&safe, "%.*s%s", (int)(scheme + 3 - spec),
							      spec, at + 1) < 0)
			return CLI_EXIT_RUNTIME;
		r = spool_dir(safe ? safe : spec, &spool);
		if (r < 0) {
			log_error_errno(r, "cannot make the spool directory for %s: %m",
					safe ? safe : "the store");
			return CLI_EXIT_RUNTIME;
		}
	}
	r = store_open(spec, &ctx->limits, 0, &s, &diag);
	if (r < 0 && pg && unreachable(r)) {
		/* Nothing is lost: the runs wait in the spool for the next recording that connects. */
		int w = spool_write(spool, batch);
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
	int ret = spool ? spool_deliver(s, &w, spool) : CLI_EXIT_OK;
	if (ret == CLI_EXIT_OK)
		ret = deliver(s, &w, batch);
	r = audit_writer_done(&w);
	if (r < 0 && ret == CLI_EXIT_OK) {
		log_error_errno(r, "%s: cannot checkpoint the audit log: %m", store_name(s));
		ret = CLI_EXIT_RUNTIME;
	}
	return ret;
}
