/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ask-remediation.c — `audit ask remediation`: for every vulnerability finding the store has
 * seen (store_findings_foreach, kind "vulnerability"; recorded by `scan --store`): when it
 * was first seen, when it was fixed (resolved: absent from a later run of the same scope),
 * the time to remediate, and its standing against the deadline of its severity: fixed,
 * fixed-late, open, or overdue (open past the deadline). The answer is as of opts->now: a
 * finding first seen later is left out, one resolved later counts as open.
 *
 * Evidence: the finding, the run that last saw it, and — from the audit log's finding.new and
 * finding.resolved records (written by the recording commands) — the run that first saw it,
 * the run that no longer did, and those records' seq numbers.
 */
#include <stdio.h>
#include <string.h>

#include "audit/ask.h"
#include "common/json.h"

struct remed {
	struct audit_ask_doc *d;
	const struct audit_ask_opts *o;
	const struct bh_limits *limits;
	json_t *events; /* "id\trun_kind\ttarget" -> {new_seq, new_run, res_seq, res_run} */
	json_t *runs;	/* "run id" -> {kind, time, target} */
	int64_t *ttr[_AUDIT_ASK_SEV_MAX]; /* times to remediate per severity, for the median */
	size_t n_ttr[_AUDIT_ASK_SEV_MAX], cap_ttr[_AUDIT_ASK_SEV_MAX];
	json_t *by_sev;
	json_t *states; /* the vulnerability findings' states (on_finding) */
	struct buf key;
};

static int on_record(void *u, const struct store_audit_row *row)
{
	struct remed *x = u;
	bool is_new = streq_ptr(row->kind, "finding.new");
	if (!is_new && !streq_ptr(row->kind, "finding.resolved"))
		return 0;
	_cleanup_json_ json_t *p = NULL;
	if (bh_json_parse(span_from(row->payload ? row->payload : ""), x->limits, "audit record",
			  &p, NULL) < 0)
		return 0;
	const char *id = bh_json_str(p, "finding"), *kind = bh_json_str(p, "kind");
	const json_t *run = json_object_get(p, "run");
	if (!id || !json_is_integer(run) || (kind && !streq(kind, "vulnerability")))
		return 0;
	buf_clear(&x->key);
	int r = buf_printf(&x->key, "%s\t%s\t%s", id, bh_json_str(p, "run_kind") ?: "",
			   row->target ? row->target : "");
	if (r < 0)
		return r;
	json_t *e = json_object_get(x->events, buf_str(&x->key));
	if (!e) {
		e = json_object();
		if (!e || json_object_set_new(x->events, buf_str(&x->key), e) < 0)
			return -ENOMEM;
	}
	/* the first finding.new (first seen), the last finding.resolved (fixed) */
	if (is_new && json_object_get(e, "new_seq"))
		return 0;
	if (json_object_set_new(e, is_new ? "new_seq" : "res_seq", json_integer(row->seq)) < 0 ||
	    json_object_set_new(e, is_new ? "new_run" : "res_run", json_incref((json_t *)run)) <
		0 ||
	    json_object_set_new(e, is_new ? "new_time" : "res_time", json_integer(row->time)) < 0 ||
	    bh_json_set_str(e, is_new ? "new_actor" : "res_actor", row->actor ? row->actor : "") <
		0)
		return -ENOMEM;
	return 0;
}

static int on_run(void *u, const struct store_run_row *r)
{
	struct remed *x = u;
	if (!r->kind || strncmp(r->kind, "scan", 4) != 0)
		return 0;
	char id[32];
	if (xsnprintf(id, sizeof(id), "%lld", (long long)r->id) < 0)
		return -EINVAL;
	return json_object_set_new(x->runs, id,
				   json_pack("{s:s, s:I, s:s?}", "kind", r->kind, "time",
					     (json_int_t)r->time, "target", r->target_name)) < 0
		   ? -ENOMEM
		   : 0;
}

static int ev_run(struct remed *x, int64_t run_id, const char *kind_fallback,
		  const char *target_fallback, json_t *refs)
{
	char id[32];
	if (run_id <= 0 || xsnprintf(id, sizeof(id), "%lld", (long long)run_id) < 0)
		return 0;
	const json_t *run = json_object_get(x->runs, id);
	const char *kind = run ? bh_json_str(run, "kind") : kind_fallback;
	int64_t time = run ? json_integer_value(json_object_get(run, "time")) : 0;
	const char *target = run ? bh_json_str(run, "target") : target_fallback;
	return audit_ask_ev_run(x->d, run_id, kind, time, target, refs);
}

static int ev_audit(struct remed *x, const json_t *e, bool is_new,
		    const struct store_finding_state *f, json_t *refs)
{
	const json_t *seq = json_object_get(e, is_new ? "new_seq" : "res_seq");
	if (!json_is_integer(seq))
		return 0;
	return audit_ask_ev_audit(
	    x->d, json_integer_value(seq),
	    json_integer_value(json_object_get(e, is_new ? "new_time" : "res_time")),
	    is_new ? "finding.new" : "finding.resolved",
	    bh_json_str(e, is_new ? "new_actor" : "res_actor"), f->target_name, refs);
}

/* Keep each vulnerability finding's state (as JSON) for grouping. */
static int on_finding(void *u, const struct store_finding_state *f)
{
	struct remed *x = u;
	const struct audit_ask_opts *o = x->o;
	if (o->cluster && !streq_ptr(f->cluster, o->cluster))
		return 0;
	if (f->first_seen > o->now)
		return 0;
	const json_t *loc = json_object_get(f->finding, "location");
	const char *pkg = bh_json_str(loc, "package");
	_cleanup_free_ char *pkgname = NULL;
	if (pkg) {
		const char *at = strrchr(pkg, '@');
		pkgname = at && at != pkg ? strndup(pkg, (size_t)(at - pkg)) : strdup(pkg);
		if (!pkgname)
			return -ENOMEM;
	}
	json_t *v = json_pack(
	    "{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:I, "
	    "s:I, s:I}",
	    "id", f->id, "rule", f->rule_id, "severity", f->severity, "package", pkg, "pkgname",
	    pkgname, "path", bh_json_str(loc, "path"), "target", f->target_name, "digest",
	    f->target_digest, "remediation", bh_json_str(f->finding, "remediation"), "run_kind",
	    f->run_kind, "first_seen", (json_int_t)f->first_seen, "last_seen",
	    (json_int_t)f->last_seen, "resolved_at",
	    (json_int_t)(f->resolved_at > 0 && f->resolved_at <= o->now ? f->resolved_at : 0),
	    "last_run", (json_int_t)f->last_run_id);
	return bh_json_append_new(x->states, v);
}

/* The vulnerability a state is about: (scope target, rule, package name, path). */
static int group_key(const json_t *v, struct buf *b)
{
	buf_clear(b);
	return buf_printf(b, "%s\t%s\t%s\t%s\t%s", bh_json_str(v, "run_kind") ?: "",
			  bh_json_str(v, "target") ?: "", bh_json_str(v, "rule") ?: "",
			  bh_json_str(v, "pkgname") ?: "", bh_json_str(v, "path") ?: "");
}

static int64_t jnum(const json_t *v, const char *key)
{
	return json_integer_value(json_object_get(v, key));
}

static int state_cmp(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	_cleanup_buf_ struct buf ka, kb;
	buf_init(&ka, 0);
	buf_init(&kb, 0);
	(void)group_key(a, &ka);
	(void)group_key(b, &kb);
	int c = strcmp(buf_str(&ka), buf_str(&kb));
	if (c)
		return c;
	if (jnum(a, "first_seen") != jnum(b, "first_seen"))
		return jnum(a, "first_seen") < jnum(b, "first_seen") ? -1 : 1;
	return strcmp(bh_json_str(a, "id") ?: "", bh_json_str(b, "id") ?: "");
}

/* Evidence of one state: the finding, its runs, its finding.new/resolved records. */
static int state_evidence(struct remed *x, const json_t *v, bool fixed, json_t *refs,
			  int64_t *ret_first_run, int64_t *ret_fixed_run)
{
	struct store_finding_state f = {
	    .id = (char *)bh_json_str(v, "id"),
	    .kind = (char *)"vulnerability",
	    .severity = (char *)bh_json_str(v, "severity"),
	    .rule_id = (char *)bh_json_str(v, "rule"),
	    .target_name = (char *)bh_json_str(v, "target"),
	    .run_kind = (char *)bh_json_str(v, "run_kind"),
	    .last_run_id = jnum(v, "last_run"),
	};
	int r = audit_ask_ev_finding(x->d, &f, refs);
	buf_clear(&x->key);
	r = r
		?: buf_printf(&x->key, "%s\t%s\t%s", f.id, f.run_kind ? f.run_kind : "",
			      f.target_name ? f.target_name : "");
	if (r < 0)
		return r;
	const json_t *e = json_object_get(x->events, buf_str(&x->key));
	*ret_first_run = jnum(e, "new_run");
	*ret_fixed_run = fixed ? jnum(e, "res_run") : 0;
	r = ev_run(x, *ret_first_run, f.run_kind, f.target_name, refs);
	r = r ?: ev_run(x, *ret_fixed_run, f.run_kind, f.target_name, refs);
	r = r ?: ev_run(x, f.last_run_id, f.run_kind, f.target_name, refs);
	if (r == 0 && e)
		r = ev_audit(x, e, true, &f, refs) ?: (fixed ? ev_audit(x, e, false, &f, refs) : 0);
	return r;
}

/*
 * One answer for states[from, to): the episodes of one vulnerability in one target, each
 * state first seen no later than the previous one was resolved (a rebuilt image gets new
 * finding ids for the vulnerabilities it still has: that is not a fix).
 */
static int emit(struct remed *x, json_t *const *states, size_t from, size_t to)
{
	const struct audit_ask_opts *o = x->o;
	const json_t *last = states[to - 1];
	int64_t first_seen = jnum(states[from], "first_seen");
	int64_t fixed = jnum(last, "resolved_at");
	enum audit_ask_sev sev;
	const char *sev_name = bh_json_str(last, "severity");
	bool has_sev = sev_name && audit_ask_sev_parse(span_from(sev_name), &sev) == 0;
	int64_t deadline = has_sev ? o->deadline[sev] : 0;
	int64_t spent = (fixed ? fixed : o->now) - first_seen;
	const char *status = fixed ? (deadline && spent > deadline ? "fixed-late" : "fixed")
				   : (deadline && spent > deadline ? "overdue" : "open");
	json_t *a = json_pack(
	    "{s:s, s:[], s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:o, s:o, s:s, "
	    "s:[]}",
	    "finding", bh_json_str(last, "id"), "findings", "rule", bh_json_str(last, "rule"),
	    "severity", sev_name, "package", bh_json_str(last, "package"), "target",
	    bh_json_str(last, "target"), "digest", bh_json_str(last, "digest"), "remediation",
	    bh_json_str(last, "remediation"), "first_seen", audit_ask_time_json(first_seen),
	    "last_seen", audit_ask_time_json(jnum(last, "last_seen")), "fixed_at",
	    audit_ask_time_json(fixed), "status", status, "evidence");
	if (!a || bh_json_append_new(x->d->answers, a) < 0)
		return -ENOMEM;
	int r = bh_json_set_new(a, fixed ? "time_to_remediate_seconds" : "age_seconds",
				json_integer(spent));
	if (r == 0 && deadline)
		r = bh_json_set_new(a, "deadline_seconds", json_integer(deadline))
			?: bh_json_set_new(a, "due", audit_ask_time_json(first_seen + deadline));
	else if (r == 0)
		r = bh_json_set_new(a, "deadline_seconds", json_null());
	int64_t first_run = 0, fixed_run = 0;
	for (size_t i = from; r == 0 && i < to; i++) {
		int64_t fr = 0, xr = 0;
		r = bh_json_append_str(json_object_get(a, "findings"),
				       bh_json_str(states[i], "id"));
		r = r
			?: state_evidence(x, states[i], i + 1 == to && fixed,
					  json_object_get(a, "evidence"), &fr, &xr);
		if (i == from)
			first_run = fr;
		if (i + 1 == to)
			fixed_run = xr;
	}
	r = r
		?: bh_json_set_new(a, "first_run",
				   first_run > 0 ? json_integer(first_run) : json_null());
	r = r
		?: bh_json_set_new(a, "fixed_run",
				   fixed_run > 0 ? json_integer(fixed_run) : json_null());
	r = r ?: bh_json_set_new(a, "last_run", json_integer(jnum(last, "last_run")));
	if (r < 0)
		return r;

	json_t *c = json_object_get(x->by_sev, has_sev ? audit_ask_sev_name(sev) : "other");
	const char *keys[] = {"total", fixed ? "fixed" : "open",
			      streq(status, "overdue")	    ? "overdue"
			      : streq(status, "fixed-late") ? "fixed_late"
							    : NULL};
	for (size_t k = 0; k < ARRAY_SIZE(keys) && keys[k]; k++)
		if (json_object_set_new(
			c, keys[k],
			json_integer(json_integer_value(json_object_get(c, keys[k])) + 1)) < 0)
			return -ENOMEM;
	if (fixed && has_sev) {
		if (GROW(x->ttr[sev], x->n_ttr[sev], x->cap_ttr[sev]) < 0)
			return -ENOMEM;
		x->ttr[sev][x->n_ttr[sev]++] = spent;
	}
	return 0;
}

static int answer_cmp(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int c = strcmp(bh_json_str(a, "first_seen") ?: "", bh_json_str(b, "first_seen") ?: "");
	return c ? c : strcmp(bh_json_str(a, "finding") ?: "", bh_json_str(b, "finding") ?: "");
}

/* Group the kept states into vulnerabilities and answer each, in first-seen order. */
static int emit_all(struct remed *x)
{
	size_t n = json_array_size(x->states);
	if (!n)
		return 0;
	_cleanup_free_ json_t **v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(x->states, i);
	qsort(v, n, sizeof(*v), state_cmp);
	_cleanup_buf_ struct buf k1, k2;
	buf_init(&k1, 0);
	buf_init(&k2, 0);
	size_t start = 0;
	int r = 0;
	for (size_t i = 1; r == 0 && i <= n; i++) {
		bool split = i == n;
		if (!split) {
			r = group_key(v[i - 1], &k1) ?: group_key(v[i], &k2);
			int64_t res = jnum(v[i - 1], "resolved_at");
			split = r < 0 || !streq(buf_str(&k1), buf_str(&k2)) || res == 0 ||
				jnum(v[i], "first_seen") > res;
		}
		if (r == 0 && split) {
			r = emit(x, v, start, i);
			start = i;
		}
	}
	if (r < 0)
		return r;
	/* answers in first-seen order, then by finding id */
	json_t *ans = x->d->answers;
	size_t na = json_array_size(ans);
	_cleanup_free_ json_t **sorted = calloc(na ? na : 1, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < na; i++)
		sorted[i] = json_incref(json_array_get(ans, i));
	qsort(sorted, na, sizeof(*sorted), answer_cmp);
	json_array_clear(ans);
	for (size_t i = 0; i < na; i++)
		if (json_array_append_new(ans, sorted[i]) < 0)
			r = -ENOMEM;
	return r;
}

static int i64_cmp(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
	return a < b ? -1 : a > b;
}

static int finish_summary(struct remed *x)
{
	static const char *const keys[] = {"findings", "fixed", "open", "overdue", "fixed_late"};
	static const char *const per[] = {"total", "fixed", "open", "overdue", "fixed_late"};
	json_int_t tot[ARRAY_SIZE(keys)] = {0};
	const char *name;
	json_t *c;
	json_object_foreach(x->by_sev, name, c) for (size_t k = 0; k < ARRAY_SIZE(per); k++)
	    tot[k] += json_integer_value(json_object_get(c, per[k]));
	for (size_t s = 0; s < _AUDIT_ASK_SEV_MAX; s++) {
		c = json_object_get(x->by_sev, audit_ask_sev_name(s));
		json_t *mean = json_null(), *median = json_null();
		if (x->n_ttr[s]) {
			qsort(x->ttr[s], x->n_ttr[s], sizeof(int64_t), i64_cmp);
			int64_t sum = 0;
			for (size_t i = 0; i < x->n_ttr[s]; i++)
				sum += x->ttr[s][i];
			mean = json_integer(sum / (int64_t)x->n_ttr[s]);
			size_t n = x->n_ttr[s];
			median =
			    json_integer(n % 2 ? x->ttr[s][n / 2]
					       : (x->ttr[s][n / 2 - 1] + x->ttr[s][n / 2]) / 2);
		}
		if (bh_json_set_new(c, "mean_ttr_seconds", mean) < 0 ||
		    bh_json_set_new(c, "median_ttr_seconds", median) < 0 ||
		    bh_json_set_new(c, "deadline_seconds",
				    x->o->deadline[s] ? json_integer(x->o->deadline[s])
						      : json_null()) < 0)
			return -ENOMEM;
	}
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		if (bh_json_set_new(x->d->summary, keys[k], json_integer(tot[k])) < 0)
			return -ENOMEM;
	return bh_json_set_new(x->d->summary, "by_severity", json_incref(x->by_sev));
}

int audit_ask_remediation(struct audit_ask_doc *d, struct store *s, const struct audit_ask_opts *o,
			  struct bh_diag *reterr_diag)
{
	struct bh_limits limits;
	bh_limits_default(&limits);
	struct remed x = {.d = d,
			  .o = o,
			  .limits = &limits,
			  .events = json_object(),
			  .runs = json_object(),
			  .by_sev = json_object(),
			  .states = json_array()};
	buf_init(&x.key, 0);
	int r = x.events && x.runs && x.by_sev && x.states ? 0 : -ENOMEM;
	const char *sevs[] = {"critical", "high", "medium", "low", "other"};
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(sevs); i++)
		if (json_object_set_new(x.by_sev, sevs[i],
					json_pack("{s:I, s:I, s:I, s:I, s:I}", "total",
						  (json_int_t)0, "fixed", (json_int_t)0, "open",
						  (json_int_t)0, "overdue", (json_int_t)0,
						  "fixed_late", (json_int_t)0)) < 0)
			r = -ENOMEM;
	const char *what = "the audit log";
	if (r == 0)
		r = store_audit_foreach(s, 1, on_record, &x);
	if (r == 0) {
		what = "the runs";
		r = store_runs_foreach(s, NULL, 0, on_run, &x);
	}
	if (r == 0) {
		what = "the findings";
		struct store_finding_query q = {.kind = "vulnerability"};
		r = store_findings_foreach(s, &q, on_finding, &x);
	}
	if (r < 0 && r != -ENOMEM)
		bh_diag_set(reterr_diag, store_name(s), 0, 0, "cannot read %s: %s", what,
			    store_errmsg(s));
	r = r ?: emit_all(&x);
	r = r ?: finish_summary(&x);
	for (size_t i = 0; i < _AUDIT_ASK_SEV_MAX; i++)
		free(x.ttr[i]);
	json_decref(x.events);
	json_decref(x.runs);
	json_decref(x.by_sev);
	json_decref(x.states);
	buf_done(&x.key);
	return r;
}
