/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ask.c — what the four `audit ask` answers share: options and their parsers, the document
 * (bulkhead.audit-ask/v1) with its evidence list, and the two renderers. The table is drawn
 * from the JSON document alone, so the two never disagree. The questions themselves are in
 * ask-admins.c, ask-regulated.c, ask-segregation.c and ask-remediation.c.
 */
#include <stdio.h>
#include <string.h>

#include "audit/ask.h"
#include "common/json.h"
#include "common/timeutil.h"

static const char *const question_names[_AUDIT_ASK_MAX] = {
    [AUDIT_ASK_ADMINS] = "admins",
    [AUDIT_ASK_REGULATED_DATA] = "regulated-data",
    [AUDIT_ASK_SEGREGATION] = "segregation",
    [AUDIT_ASK_REMEDIATION] = "remediation",
};

static const char *const sev_names[_AUDIT_ASK_SEV_MAX] = {
    [AUDIT_ASK_CRITICAL] = "critical",
    [AUDIT_ASK_HIGH] = "high",
    [AUDIT_ASK_MEDIUM] = "medium",
    [AUDIT_ASK_LOW] = "low",
};

#define DAY ((int64_t)86400)

void audit_ask_opts_init(struct audit_ask_opts *o, int64_t now)
{
	*o = (struct audit_ask_opts){.now = now};
	o->deadline[AUDIT_ASK_CRITICAL] = 15 * DAY;
	o->deadline[AUDIT_ASK_HIGH] = 30 * DAY;
	o->deadline[AUDIT_ASK_MEDIUM] = 90 * DAY;
	o->deadline[AUDIT_ASK_LOW] = 180 * DAY;
}

int audit_ask_question_parse(const char *s, enum audit_ask_question *ret)
{
	for (size_t i = 0; i < _AUDIT_ASK_MAX; i++)
		if (s && streq(s, question_names[i])) {
			*ret = (enum audit_ask_question)i;
			return 0;
		}
	return -EINVAL;
}

const char *audit_ask_question_name(enum audit_ask_question q)
{
	return q < _AUDIT_ASK_MAX ? question_names[q] : "unknown";
}

int audit_ask_sev_parse(struct span s, enum audit_ask_sev *ret)
{
	for (size_t i = 0; i < _AUDIT_ASK_SEV_MAX; i++)
		if (span_eq_nocase(s, span_from(sev_names[i]))) {
			*ret = (enum audit_ask_sev)i;
			return 0;
		}
	return -EINVAL;
}

const char *audit_ask_sev_name(enum audit_ask_sev s)
{
	return s < _AUDIT_ASK_SEV_MAX ? sev_names[s] : "unknown";
}

int audit_ask_parse_duration(struct span s, int64_t *ret)
{
	if (s.len < 2)
		return -EBADMSG;
	int64_t unit;
	switch (s.ptr[s.len - 1]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = DAY;
		break;
	case 'w':
		unit = 7 * DAY;
		break;
	default:
		return -EBADMSG;
	}
	const int64_t max = 100 * 366 * DAY;
	uint64_t n;
	int r = parse_u64(span_slice(s, 0, s.len - 1), 10, UINT64_MAX, &n);
	if (r < 0 || n == 0)
		return -EBADMSG;
	if (n > (uint64_t)(max / unit))
		return -E2BIG;
	*ret = (int64_t)n * unit;
	return 0;
}

int audit_ask_parse_deadlines(struct span s, int64_t deadline[static _AUDIT_ASK_SEV_MAX],
			      struct bh_diag *reterr_diag)
{
	int64_t v[_AUDIT_ASK_SEV_MAX];
	memcpy(v, deadline, sizeof(v));
	struct span in = s, tok;
	if (span_is_empty(s)) {
		bh_diag_set(reterr_diag, NULL, 0, 0, "empty deadline list");
		return -EBADMSG;
	}
	while (span_next_token(&in, ',', &tok) == 0) {
		struct span key, val;
		enum audit_ask_sev sev;
		tok = span_trim(tok);
		if (!span_cut(tok, '=', &key, &val) ||
		    audit_ask_sev_parse(span_trim(key), &sev) < 0) {
			bh_diag_set(reterr_diag, NULL, 0, 0,
				    "'%.*s' is not SEVERITY=DURATION (critical, high, medium, low)",
				    (int)MIN(tok.len, 64), tok.ptr);
			return -EBADMSG;
		}
		val = span_trim(val);
		if (span_eq_str(val, "none")) {
			v[sev] = 0;
			continue;
		}
		int r = audit_ask_parse_duration(val, &v[sev]);
		if (r < 0) {
			bh_diag_set(
			    reterr_diag, NULL, 0, 0,
			    "'%.*s' is not a duration (N followed by s, m, h, d or w, up to "
			    "100 years, or none)",
			    (int)MIN(val.len, 64), val.ptr);
			return -EBADMSG;
		}
	}
	memcpy(deadline, v, sizeof(v));
	return 0;
}

/* ---- the document -------------------------------------------------------------------------- */

json_t *audit_ask_time_json(int64_t t)
{
	char ts[32];
	if (t <= 0 || bh_format_rfc3339((time_t)t, ts, sizeof(ts)) < 0)
		return json_null();
	return json_string(ts);
}

int audit_ask_doc_init(struct audit_ask_doc *d, enum audit_ask_question q,
		       const struct audit_ask_opts *o, struct store *s)
{
	*d = (struct audit_ask_doc){0};
	json_t *paths = json_array();
	for (size_t i = 0; paths && i < o->n_paths; i++)
		if (bh_json_append_str(paths, o->paths[i]) < 0) {
			json_decref(paths);
			paths = NULL;
		}
	if (!paths)
		return -ENOMEM;
	d->doc = json_pack("{s:s, s:s, s:o, s:{s:o, s:s?, s:s?, s:s?}, s:o, s:o, s:o}", "schema",
			   AUDIT_ASK_SCHEMA, "question", audit_ask_question_name(q), "as_of",
			   audit_ask_time_json(o->now), "inputs", "manifests", paths, "store",
			   s ? store_name(s) : NULL, "backend", s ? store_backend(s) : NULL,
			   "cluster", o->cluster, "summary", json_object(), "answers", json_array(),
			   "evidence", json_array());
	d->seen = json_object();
	if (!d->doc || !d->seen) {
		audit_ask_doc_done(d);
		return -ENOMEM;
	}
	d->answers = json_object_get(d->doc, "answers");
	d->evidence = json_object_get(d->doc, "evidence");
	d->summary = json_object_get(d->doc, "summary");
	return 0;
}

void audit_ask_doc_take(struct audit_ask_doc *d, json_t **ret)
{
	*ret = TAKE_PTR(d->doc);
	audit_ask_doc_done(d);
}

void audit_ask_doc_done(struct audit_ask_doc *d)
{
	json_decref(d->doc);
	json_decref(d->seen);
	*d = (struct audit_ask_doc){0};
}

/* Append ref to refs unless present; describe it (desc, taken) once in the evidence list. */
static int add_ref(struct audit_ask_doc *d, const char *ref, json_t *desc, json_t *refs)
{
	if (!desc)
		return -ENOMEM;
	bool listed = false;
	size_t i;
	json_t *v;
	json_array_foreach(refs, i, v) if (streq_ptr(json_string_value(v), ref)) listed = true;
	if (!listed && bh_json_append_str(refs, ref) < 0) {
		json_decref(desc);
		return -ENOMEM;
	}
	if (json_object_get(d->seen, ref)) {
		json_decref(desc);
		return 0;
	}
	if (bh_json_set_str(desc, "ref", ref) < 0 ||
	    json_object_set_new(d->seen, ref, json_true()) < 0) {
		json_decref(desc);
		return -ENOMEM;
	}
	return bh_json_append_new(d->evidence, desc);
}

static bool is_cluster_kind(const char *kind)
{
	static const char *const kinds[] = {"Namespace",
					    "ClusterRole",
					    "ClusterRoleBinding",
					    "Node",
					    "PersistentVolume",
					    "StorageClass",
					    "ValidatingWebhookConfiguration",
					    "MutatingWebhookConfiguration",
					    "CustomResourceDefinition",
					    "IngressClass",
					    "PriorityClass",
					    "RuntimeClass"};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (streq(kind, kinds[i]))
			return true;
	return false;
}

int audit_ask_object_id(const struct k8s_object *o, struct buf *b)
{
	buf_clear(b);
	if (!o->namespace_ && is_cluster_kind(o->kind_name))
		return buf_printf(b, "%s/%s", o->kind_name, o->name);
	return buf_printf(b, "%s/%s/%s", o->kind_name, k8s_object_namespace(o), o->name);
}

int audit_ask_ev_manifest(struct audit_ask_doc *d, const struct k8s_object *o, json_t *refs)
{
	_cleanup_buf_ struct buf ref, id;
	buf_init(&ref, 0);
	buf_init(&id, 0);
	int r = buf_printf(&ref, "manifest:%s:%u", o->path ? o->path : "-", o->line);
	r = r ?: audit_ask_object_id(o, &id);
	if (r < 0)
		return r;
	return add_ref(d, buf_str(&ref),
		       json_pack("{s:s, s:s, s:I, s:s}", "type", "manifest", "path",
				 o->path ? o->path : "-", "line", (json_int_t)o->line, "object",
				 buf_str(&id)),
		       refs);
}

int audit_ask_ev_finding(struct audit_ask_doc *d, const struct store_finding_state *f, json_t *refs)
{
	_cleanup_buf_ struct buf ref;
	buf_init(&ref, 0);
	int r = buf_printf(&ref, "finding:%s", f->id);
	if (r < 0)
		return r;
	return add_ref(d, buf_str(&ref),
		       json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:I}", "type", "finding",
				 "id", f->id, "kind", f->kind, "rule", f->rule_id, "severity",
				 f->severity, "target", f->target_name, "run_kind", f->run_kind,
				 "last_run", (json_int_t)f->last_run_id),
		       refs);
}

int audit_ask_ev_run(struct audit_ask_doc *d, int64_t run_id, const char *kind, int64_t time,
		     const char *target, json_t *refs)
{
	char ref[40];
	if (xsnprintf(ref, sizeof(ref), "run:%lld", (long long)run_id) < 0)
		return -EINVAL;
	return add_ref(d, ref,
		       json_pack("{s:s, s:I, s:s?, s:o, s:s?}", "type", "run", "id",
				 (json_int_t)run_id, "kind", kind, "time",
				 audit_ask_time_json(time), "target", target),
		       refs);
}

int audit_ask_ev_audit(struct audit_ask_doc *d, int64_t seq, int64_t time_us, const char *kind,
		       const char *actor, const char *target, json_t *refs)
{
	char ref[40];
	if (xsnprintf(ref, sizeof(ref), "audit:%lld", (long long)seq) < 0)
		return -EINVAL;
	return add_ref(d, ref,
		       json_pack("{s:s, s:I, s:o, s:s?, s:s?, s:s?}", "type", "audit", "seq",
				 (json_int_t)seq, "time", audit_ask_time_json(time_us / 1000000),
				 "kind", kind, "actor", actor, "target", target),
		       refs);
}

int audit_ask(enum audit_ask_question q, const struct k8s_manifests *m, struct store *s,
	      const struct audit_ask_opts *o, json_t **ret_doc, struct bh_diag *reterr_diag)
{
	static const struct k8s_manifests empty = {0};
	if (q >= _AUDIT_ASK_MAX || !o || o->now <= 0 || (q == AUDIT_ASK_REMEDIATION && !s))
		return -EINVAL;
	if (!m)
		m = &empty;
	struct audit_ask_doc d;
	int r = audit_ask_doc_init(&d, q, o, s);
	if (r < 0)
		return r;
	switch (q) {
	case AUDIT_ASK_ADMINS:
		r = audit_ask_admins(&d, m, s, o, reterr_diag);
		break;
	case AUDIT_ASK_REGULATED_DATA:
		r = audit_ask_regulated(&d, m, s, o, reterr_diag);
		break;
	case AUDIT_ASK_SEGREGATION:
		r = audit_ask_segregation(&d, m, o);
		break;
	case AUDIT_ASK_REMEDIATION:
		r = audit_ask_remediation(&d, s, o, reterr_diag);
		break;
	case _AUDIT_ASK_MAX:
		r = -EINVAL;
		break;
	}
	if (r < 0) {
		audit_ask_doc_done(&d);
		return r;
	}
	audit_ask_doc_take(&d, ret_doc);
	return 0;
}

/* ---- rendering ----------------------------------------------------------------------------- */

int audit_ask_write_json(const json_t *doc, FILE *f)
{
	return bh_json_dump_file(doc, f);
}

#define CELL_MAX 120

/* A table: a header and rows of cells, printed with columns as wide as their widest cell. */
struct table {
	size_t n_cols;
	struct strv cells; /* row-major, header first */
};

static int table_add(struct table *t, const char *const *cells)
{
	for (size_t i = 0; i < t->n_cols; i++) {
		const char *c = cells[i] && *cells[i] ? cells[i] : "-";
		size_t len = strlen(c);
		int r;
		if (len > CELL_MAX) {
			_cleanup_buf_ struct buf b;
			buf_init(&b, 0);
			r = buf_printf(&b, "%.*s...", CELL_MAX - 3, c);
			r = r ?: strv_push(&t->cells, buf_str(&b));
		} else
			r = strv_push(&t->cells, c);
		if (r < 0)
			return r;
	}
	return 0;
}

static int table_print(struct table *t, FILE *f)
{
	size_t w[16] = {0};
	if (t->n_cols > ARRAY_SIZE(w))
		return -EINVAL;
	for (size_t i = 0; i < t->cells.n; i++)
		w[i % t->n_cols] = MAX(w[i % t->n_cols], strlen(t->cells.v[i]));
	for (size_t i = 0; i < t->cells.n; i++) {
		size_t c = i % t->n_cols;
		if (c + 1 == t->n_cols)
			fprintf(f, "%s\n", t->cells.v[i]);
		else
			fprintf(f, "%-*s  ", (int)w[c], t->cells.v[i]);
	}
	strv_done(&t->cells);
	return 0;
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = bh_json_str(o, key);
	return s ? s : "-";
}

static long long jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* "12d 3h", "5h 2m", "40s" */
static void fmt_span(int64_t sec, char *out, size_t size)
{
	if (sec < 0)
		sec = 0;
	if (sec >= DAY)
		(void)xsnprintf(out, size, "%lldd %lldh", (long long)(sec / DAY),
				(long long)(sec % DAY / 3600));
	else if (sec >= 3600)
		(void)xsnprintf(out, size, "%lldh %lldm", (long long)(sec / 3600),
				(long long)(sec % 3600 / 60));
	else if (sec >= 60)
		(void)xsnprintf(out, size, "%lldm %llds", (long long)(sec / 60),
				(long long)(sec % 60));
	else
		(void)xsnprintf(out, size, "%llds", (long long)sec);
}

/* The strings of a JSON array joined by sep into b (cleared first). */
static int join(const json_t *arr, const char *sep, struct buf *b)
{
	buf_clear(b);
	size_t i;
	json_t *v;
	int r = 0;
	json_array_foreach(arr, i, v) if (r == 0 && json_is_string(v)) r =
	    buf_printf(b, "%s%s", b->len ? sep : "", json_string_value(v));
	return r;
}

static int table_admins(const json_t *doc, FILE *f)
{
	struct table t = {.n_cols = 6};
	const char *hdr[] = {"SUBJECT", "FUNCTION", "SCOPE", "BINDING", "ROLE", "USED"};
	int r = table_add(&t, hdr);
	size_t i, j, k;
	json_t *a, *g, *u;
	_cleanup_buf_ struct buf used;
	buf_init(&used, 0);
	json_array_foreach(json_object_get(doc, "answers"), i, a)
	{
		const char *subj = jstr(a, "subject_id");
		json_t *uses = json_object_get(a, "used");
		json_array_foreach(json_object_get(a, "grants"), j, g)
		{
			buf_clear(&used);
			/* the uses this grant explains */
			json_array_foreach(uses, k, u)
			{
				if (!streq_ptr(bh_json_str(u, "explained_by"),
					       bh_json_str(g, "binding")))
					continue;
				if (!streq_ptr(bh_json_str(u, "function"),
					       bh_json_str(g, "function")) &&
				    !streq_ptr(bh_json_str(g, "function"), "cluster-admin") &&
				    !streq_ptr(bh_json_str(g, "function"), "namespace-admin"))
					continue;
				r = r
					?: buf_printf(&used, "%s%s %s %lldx%s, last %s",
						      used.len ? "; " : "", jstr(u, "verb"),
						      jstr(u, "resource"), jint(u, "count"),
						      jint(u, "denied") ? " (some denied)" : "",
						      jstr(u, "last"));
			}
			const char *row[] = {subj,
					     jstr(g, "function"),
					     jstr(g, "scope"),
					     jstr(g, "binding"),
					     jstr(g, "role"),
					     buf_str(&used)};
			r = r ?: table_add(&t, row);
		}
		/* uses no grant among the manifests explains */
		json_array_foreach(uses, k, u)
		{
			if (bh_json_str(u, "explained_by"))
				continue;
			buf_clear(&used);
			r = r
				?: buf_printf(&used, "%s %s %lldx%s, last %s", jstr(u, "verb"),
					      jstr(u, "resource"), jint(u, "count"),
					      jint(u, "denied") ? " (some denied)" : "",
					      jstr(u, "last"));
			const char *row[] = {subj, jstr(u, "function"),
					     "-",  "(not granted by the manifests)",
					     "-",  buf_str(&used)};
			r = r ?: table_add(&t, row);
		}
	}
	if (r == 0)
		r = table_print(&t, f);
	strv_done(&t.cells);
	const json_t *s = json_object_get(doc, "summary");
	fprintf(f,
		"\n%lld subject(s) with access to management functions, %lld used it "
		"(%lld of %lld Kubernetes API audit records)\n",
		jint(s, "subjects"), jint(s, "subjects_used"), jint(s, "audit_records_matched"),
		jint(s, "audit_records"));
	return r;
}

static int table_regulated(const json_t *doc, FILE *f)
{
	struct table t = {.n_cols = 4};
	const char *hdr[] = {"WORKLOAD", "DATA", "REACHABLE FROM", "EXPOSED"};
	int r = table_add(&t, hdr);
	size_t i, j;
	json_t *a, *x;
	_cleanup_buf_ struct buf data, from, exp, tmp;
	buf_init(&data, 0);
	buf_init(&from, 0);
	buf_init(&exp, 0);
	buf_init(&tmp, 0);
	json_array_foreach(json_object_get(doc, "answers"), i, a)
	{
		buf_clear(&data);
		buf_clear(&from);
		buf_clear(&exp);
		json_array_foreach(json_object_get(a, "data"), j, x) r =
		    r
			?: buf_printf(&data, "%s%s:%s", data.len ? ", " : "", jstr(x, "type"),
				      jstr(x, "name"));
		const json_t *rf = json_object_get(a, "reachable_from");
		size_t n_wl = json_array_size(json_object_get(rf, "workloads"));
		if (json_is_true(json_object_get(rf, "everywhere")))
			r = r ?: buf_puts(&from, "everywhere");
		else {
			if (json_is_true(json_object_get(rf, "external")))
				r = r ?: buf_puts(&from, "(external)");
			r = r ?: join(json_object_get(rf, "namespaces"), ",", &tmp);
			if (n_wl)
				r = r
					?: buf_printf(&from, "%s%zu workload(s) in %s",
						      from.len ? ", " : "", n_wl, buf_str(&tmp));
		}
		if (!from.len)
			r = r ?: buf_puts(&from, "nothing");
		json_array_foreach(json_object_get(a, "exposed"), j, x) r =
		    r
			?: buf_printf(&exp, "%s%s %s", exp.len ? ", " : "", jstr(x, "via"),
				      jstr(x, "detail"));
		const char *row[] = {jstr(a, "workload"), buf_str(&data), buf_str(&from),
				     buf_str(&exp)};
		r = r ?: table_add(&t, row);
	}
	if (r == 0)
		r = table_print(&t, f);
	strv_done(&t.cells);
	const json_t *s = json_object_get(doc, "summary");
	fprintf(f,
		"\n%lld of %lld workload(s) handle regulated data: %lld exposed outside the "
		"cluster, %lld reachable from outside, %lld reachable from everywhere\n",
		jint(s, "regulated"), jint(s, "workloads"), jint(s, "exposed"),
		jint(s, "reachable_from_external"), jint(s, "reachable_from_everywhere"));
	return r;
}

static int table_segregation(const json_t *doc, FILE *f)
{
	struct table ns = {.n_cols = 7}, flows = {.n_cols = 5}, every = {.n_cols = 2},
		     mix = {.n_cols = 4};
	const char *h1[] = {
	    "NAMESPACE",       "ENV",	       "WORKLOADS", "DEFAULT-DENY", "IN FROM OTHER NS",
	    "OUT TO OTHER NS", "FROM EXTERNAL"};
	const char *h2[] = {"FROM NAMESPACE", "TO NAMESPACE", "FLOWS", "ENV", "EXAMPLE"};
	const char *h3[] = {"REACHABLE FROM EVERYWHERE", "NAMESPACE"};
	const char *h4[] = {"ENV MIXING", "WHERE", "COUNT", "EXAMPLE"};
	int r = table_add(&ns, h1) ?: table_add(&flows, h2) ?: table_add(&every, h3) ?:
		table_add(&mix, h4);
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(doc, "answers"), i, a)
	{
		const char *check = jstr(a, "check");
		char n1[24], n2[24], n3[24], n4[24];
		const json_t *ex = json_array_get(json_object_get(a, "examples"), 0);
		const char *example = json_is_string(ex) ? json_string_value(ex) : "-";
		if (streq(check, "namespace")) {
			const json_t *dd = json_object_get(a, "default_deny");
			bool in = json_is_true(json_object_get(dd, "ingress"));
			bool out = json_is_true(json_object_get(dd, "egress"));
			(void)xsnprintf(n1, sizeof(n1), "%lld", jint(a, "workloads"));
			(void)xsnprintf(n2, sizeof(n2), "%lld", jint(a, "inbound_cross_namespace"));
			(void)xsnprintf(n3, sizeof(n3), "%lld",
					jint(a, "outbound_cross_namespace"));
			(void)xsnprintf(n4, sizeof(n4), "%lld", jint(a, "from_external"));
			const char *row[] = {jstr(a, "namespace"),
					     jstr(a, "env"),
					     n1,
					     in && out ? "ingress+egress"
					     : in      ? "ingress only"
					     : out     ? "egress only"
						       : "none",
					     n2,
					     n3,
					     n4};
			r = r ?: table_add(&ns, row);
		} else if (streq(check, "cross-namespace")) {
			(void)xsnprintf(n1, sizeof(n1), "%lld", jint(a, "flows"));
			const char *row[] = {
			    jstr(a, "from"), jstr(a, "to"), n1,
			    json_is_true(json_object_get(a, "env_mixing")) ? "prod<->dev" : "-",
			    example};
			r = r ?: table_add(&flows, row);
		} else if (streq(check, "reachable-from-everywhere")) {
			const char *row[] = {jstr(a, "workload"), jstr(a, "namespace")};
			r = r ?: table_add(&every, row);
		} else if (streq(check, "env-mixing")) {
			char where[300];
			if (streq(jstr(a, "kind"), "namespace"))
				(void)xsnprintf(where, sizeof(where), "namespace %s",
						jstr(a, "namespace"));
			else
				(void)xsnprintf(where, sizeof(where), "%s (%s) -> %s (%s)",
						jstr(a, "from"), jstr(a, "from_env"), jstr(a, "to"),
						jstr(a, "to_env"));
			(void)xsnprintf(
			    n1, sizeof(n1), "%lld",
			    streq(jstr(a, "kind"), "namespace")
				? (long long)(json_array_size(json_object_get(a, "prod")) +
					      json_array_size(json_object_get(a, "dev")))
				: jint(a, "flows"));
			const char *row[] = {jstr(a, "kind"), where, n1, example};
			r = r ?: table_add(&mix, row);
		}
	}
	if (r == 0)
		r = table_print(&ns, f);
	if (r == 0 && flows.cells.n > flows.n_cols) {
		fputc('\n', f);
		r = table_print(&flows, f);
	}
	if (r == 0 && every.cells.n > every.n_cols) {
		fputc('\n', f);
		r = table_print(&every, f);
	}
	if (r == 0 && mix.cells.n > mix.n_cols) {
		fputc('\n', f);
		r = table_print(&mix, f);
	}
	strv_done(&ns.cells);
	strv_done(&flows.cells);
	strv_done(&every.cells);
	strv_done(&mix.cells);
	const json_t *s = json_object_get(doc, "summary");
	fprintf(
	    f,
	    "\n%lld namespace(s), %lld without default-deny ingress, %lld without default-deny "
	    "egress; %lld workload(s), %lld flow(s), %lld across namespaces, %lld from outside; "
	    "%lld reachable from everywhere; %lld env-mixing flow(s), %lld mixed namespace(s)\n",
	    jint(s, "namespaces"), jint(s, "without_default_deny_ingress"),
	    jint(s, "without_default_deny_egress"), jint(s, "workloads"), jint(s, "flows"),
	    jint(s, "cross_namespace_flows"), jint(s, "external_flows"),
	    jint(s, "reachable_from_everywhere"), jint(s, "env_mixing_flows"),
	    jint(s, "env_mixing_namespaces"));
	return r;
}

static int table_remediation(const json_t *doc, FILE *f)
{
	struct table t = {.n_cols = 9};
	const char *hdr[] = {"SEVERITY", "RULE",    "PACKAGE",	"TARGET", "FIRST SEEN",
			     "FIXED AT", "TTR/AGE", "DEADLINE", "STATUS"};
	int r = table_add(&t, hdr);
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(doc, "answers"), i, a)
	{
		char ttr[32] = "-", dl[32] = "-";
		const json_t *tt = json_object_get(a, "time_to_remediate_seconds");
		const json_t *age = json_object_get(a, "age_seconds");
		if (json_is_integer(tt))
			fmt_span(json_integer_value(tt), ttr, sizeof(ttr));
		else if (json_is_integer(age))
			fmt_span(json_integer_value(age), ttr, sizeof(ttr));
		if (json_is_integer(json_object_get(a, "deadline_seconds")))
			fmt_span(jint(a, "deadline_seconds"), dl, sizeof(dl));
		const char *row[] = {jstr(a, "severity"),
				     jstr(a, "rule"),
				     jstr(a, "package"),
				     jstr(a, "target"),
				     jstr(a, "first_seen"),
				     jstr(a, "fixed_at"),
				     ttr,
				     dl,
				     jstr(a, "status")};
		r = r ?: table_add(&t, row);
	}
	if (r == 0)
		r = table_print(&t, f);
	strv_done(&t.cells);
	const json_t *s = json_object_get(doc, "summary");
	fprintf(f,
		"\n%lld vulnerability finding(s): %lld fixed (%lld late), %lld open, %lld open "
		"past the deadline\n",
		jint(s, "findings"), jint(s, "fixed"), jint(s, "fixed_late"), jint(s, "open"),
		jint(s, "overdue"));
	return r;
}

int audit_ask_write_table(const json_t *doc, FILE *f)
{
	enum audit_ask_question q;
	if (audit_ask_question_parse(bh_json_str(doc, "question"), &q) < 0)
		return -EINVAL;
	int r = 0;
	switch (q) {
	case AUDIT_ASK_ADMINS:
		r = table_admins(doc, f);
		break;
	case AUDIT_ASK_REGULATED_DATA:
		r = table_regulated(doc, f);
		break;
	case AUDIT_ASK_SEGREGATION:
		r = table_segregation(doc, f);
		break;
	case AUDIT_ASK_REMEDIATION:
		r = table_remediation(doc, f);
		break;
	case _AUDIT_ASK_MAX:
		return -EINVAL;
	}
	if (r == 0 && ferror(f))
		r = -EIO;
	return r;
}
