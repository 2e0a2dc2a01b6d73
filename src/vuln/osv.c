/* SPDX-License-Identifier: Apache-2.0 */
/* osv.c — see osv.h. */
#include <stdarg.h>
#include <stdio.h>

#include "common/json.h"
#include "common/limits.h"
#include "vuln/osv.h"

static const char *const event_names[_VULN_EVENT_KIND_MAX] = {
	[VULN_EVENT_INTRODUCED] = "introduced",
	[VULN_EVENT_FIXED] = "fixed",
	[VULN_EVENT_LAST_AFFECTED] = "last_affected",
	[VULN_EVENT_LIMIT] = "limit",
};

static const char *const range_names[_VULN_RANGE_TYPE_MAX] = {
	[VULN_RANGE_ECOSYSTEM] = "ECOSYSTEM",
	[VULN_RANGE_SEMVER] = "SEMVER",
	[VULN_RANGE_GIT] = "GIT",
};

const char *vuln_event_kind_name(enum vuln_event_kind k)
{
	return (unsigned)k < _VULN_EVENT_KIND_MAX ? event_names[k] : NULL;
}

const char *vuln_range_type_name(enum vuln_range_type t)
{
	return (unsigned)t < _VULN_RANGE_TYPE_MAX ? range_names[t] : NULL;
}

int vuln_range_type_from_name(const char *s, enum vuln_range_type *ret)
{
	for (unsigned i = 0; i < _VULN_RANGE_TYPE_MAX; i++)
		if (streq(range_names[i], s)) {
			*ret = (enum vuln_range_type)i;
			return 0;
		}
	return -ENOENT;
}

static void range_done(struct vuln_range *r)
{
	free(r->repo);
	for (size_t i = 0; i < r->n_events; i++)
		free(r->events[i].version);
	free(r->events);
}

static void affected_done(struct vuln_affected *a)
{
	free(a->ecosystem);
	free(a->name);
	free(a->purl);
	for (size_t i = 0; i < a->n_ranges; i++)
		range_done(&a->ranges[i]);
	free(a->ranges);
	strv_done(&a->versions);
	free(a->distro_severity);
	free(a->cvss_v3);
	free(a->cvss_v4);
}

void vuln_osv_done(struct vuln_osv *o)
{
	if (!o)
		return;
	free(o->id);
	free(o->modified);
	free(o->published);
	free(o->withdrawn);
	free(o->summary);
	free(o->details);
	strv_done(&o->aliases);
	strv_done(&o->references);
	free(o->cvss_v2);
	free(o->cvss_v3);
	free(o->cvss_v4);
	free(o->db_severity);
	free(o->ubuntu_priority);
	for (size_t i = 0; i < o->n_affected; i++)
		affected_done(&o->affected[i]);
	free(o->affected);
	*o = (struct vuln_osv){ 0 };
}

/* Parsing context: where we are, for diagnostics. */
struct pctx {
	const struct bh_limits *limits;
	const char *source;
	struct bh_diag *diag;
	const char *id; /* once known */
};

_printf_(2, 3) static int bad(struct pctx *p, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap); /* truncation is acceptable in a message */
	va_end(ap);
	if (p->id)
		bh_diag_set(p->diag, p->source, 0, 0, "advisory %.100s: %s", p->id, msg);
	else
		bh_diag_set(p->diag, p->source, 0, 0, "%s", msg);
	return -EBADMSG;
}

/* An optional string member: absent or null is fine, another type is malformed. */
static int opt_str(struct pctx *p, const json_t *obj, const char *key, char **ret)
{
	json_t *v = json_object_get(obj, key);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(p, "'%s' is not a string", key);
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

static int req_str(struct pctx *p, const json_t *obj, const char *key, const char *where,
		   char **ret)
{
	int r = opt_str(p, obj, key, ret);
	if (r < 0)
		return r;
	if (!*ret || !**ret) {
		free(*ret);
		*ret = NULL;
		return bad(p, "%s has no '%s'", where, key);
	}
	return 0;
}

/* An optional array member; NULL when absent or null. */
static int opt_arr(struct pctx *p, const json_t *obj, const char *key, json_t **ret)
{
	json_t *v = json_object_get(obj, key);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad(p, "'%s' is not an array", key);
	*ret = v;
	return 0;
}

static int str_list(struct pctx *p, const json_t *obj, const char *key, size_t max,
		    struct strv *out)
{
	json_t *arr;
	int r = opt_arr(p, obj, key, &arr);
	if (r < 0 || !arr)
		return r;
	if (json_array_size(arr) > max)
		return -E2BIG;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return bad(p, "'%s' has a non-string element", key);
		if ((r = strv_push(out, json_string_value(v))) < 0)
			return r;
	}
	return 0;
}

/* Severity list: keep the vectors by type. Unknown types are ignored (schema allows more). */
static int severity_list(struct pctx *p, const json_t *obj, char **v2, char **v3, char **v4,
			 char **ubuntu)
{
	json_t *arr;
	int r = opt_arr(p, obj, "severity", &arr);
	if (r < 0 || !arr)
		return r;
	size_t i;
	json_t *s;
	json_array_foreach(arr, i, s) {
		const char *type = bh_json_str(s, "type"), *score = bh_json_str(s, "score");
		if (!type || !score)
			return bad(p, "severity entry without string 'type' and 'score'");
		char **slot = streq(type, "CVSS_V2")	       ? v2
			      : streq(type, "CVSS_V3")	       ? v3
			      : streq(type, "CVSS_V4")	       ? v4
			      : streq(type, "Ubuntu") && ubuntu ? ubuntu
								: NULL;
		if (!slot || *slot)
			continue; /* first of each type wins */
		if (!(*slot = strdup(score)))
			return -ENOMEM;
	}
	return 0;
}

static int parse_range(struct pctx *p, const json_t *jr, size_t *budget, struct vuln_range *out)
{
	if (!json_is_object(jr))
		return bad(p, "range is not an object");
	const char *type = bh_json_str(jr, "type");
	if (!type)
		return bad(p, "range has no 'type'");
	if (vuln_range_type_from_name(type, &out->type) < 0)
		return bad(p, "unknown range type '%.40s'", type);
	int r = opt_str(p, jr, "repo", &out->repo);
	if (r < 0)
		return r;
	if (out->type == VULN_RANGE_GIT && !out->repo)
		return bad(p, "GIT range without 'repo'");
	json_t *events = bh_json_arr(jr, "events");
	if (!events || json_array_size(events) == 0)
		return bad(p, "range has no events");
	size_t n = json_array_size(events);
	if (n > *budget)
		return -E2BIG;
	*budget -= n;
	out->events = calloc(n, sizeof(*out->events));
	if (!out->events)
		return -ENOMEM;
	bool has_introduced = false;
	size_t i;
	json_t *e;
	json_array_foreach(events, i, e) {
		if (!json_is_object(e) || json_object_size(e) != 1)
			return bad(p, "range event is not an object with exactly one key");
		const char *key = json_object_iter_key(json_object_iter(e));
		json_t *val = json_object_iter_value(json_object_iter(e));
		unsigned k;
		for (k = 0; k < _VULN_EVENT_KIND_MAX; k++)
			if (streq(event_names[k], key))
				break;
		if (k == _VULN_EVENT_KIND_MAX)
			return bad(p, "unknown range event '%.40s'", key);
		if (!json_is_string(val) || !*json_string_value(val))
			return bad(p, "range event '%s' is not a non-empty string", key);
		struct vuln_event *ev = &out->events[out->n_events];
		ev->kind = (enum vuln_event_kind)k;
		if (!(ev->version = strdup(json_string_value(val))))
			return -ENOMEM;
		out->n_events++;
		if (ev->kind == VULN_EVENT_INTRODUCED)
			has_introduced = true;
	}
	/* The schema requires an introduced event; without one the range means nothing. */
	if (!has_introduced)
		return bad(p, "range has no 'introduced' event");
	return 0;
}

/* Debian's per-package urgency, Ubuntu's priority, or NULL. */
static int distro_severity(struct pctx *p, const json_t *ja, struct vuln_affected *out)
{
	json_t *es = bh_json_obj(ja, "ecosystem_specific");
	const char *u = es ? bh_json_str(es, "urgency") : NULL;
	if (u && *u && !(out->distro_severity = strdup(u)))
		return -ENOMEM;
	return 0;
}

static int parse_affected(struct pctx *p, const json_t *ja, struct vuln_affected *out)
{
	if (!json_is_object(ja))
		return bad(p, "affected entry is not an object");
	json_t *pkg = json_object_get(ja, "package");
	if (pkg && !json_is_object(pkg))
		return bad(p, "'package' is not an object");
	int r = 0;
	if (pkg) {
		r = req_str(p, pkg, "ecosystem", "package", &out->ecosystem);
		if (r >= 0)
			r = req_str(p, pkg, "name", "package", &out->name);
		if (r >= 0)
			r = opt_str(p, pkg, "purl", &out->purl);
		if (r < 0)
			return r;
	}
	size_t budget = (size_t)p->limits->osv_max_events;
	json_t *ranges;
	if ((r = opt_arr(p, ja, "ranges", &ranges)) < 0)
		return r;
	if (ranges && json_array_size(ranges) > 0) {
		size_t n = json_array_size(ranges);
		if (n > budget)
			return -E2BIG;
		out->ranges = calloc(n, sizeof(*out->ranges));
		if (!out->ranges)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			r = parse_range(p, json_array_get(ranges, i), &budget, &out->ranges[i]);
			out->n_ranges++;
			if (r < 0)
				return r;
		}
	}
	r = str_list(p, ja, "versions", budget, &out->versions);
	if (r >= 0)
		r = distro_severity(p, ja, out);
	char *v2 = NULL, *ubuntu = NULL;
	if (r >= 0)
		r = severity_list(p, ja, &v2, &out->cvss_v3, &out->cvss_v4, &ubuntu);
	free(v2);
	if (r >= 0 && ubuntu && !out->distro_severity)
		out->distro_severity = TAKE_PTR(ubuntu);
	free(ubuntu);
	return r;
}

int vuln_osv_parse(const json_t *rec, const struct bh_limits *limits, const char *source,
		   struct vuln_osv *ret, struct bh_diag *reterr_diag)
{
	struct bh_diag local = { 0 };
	if (!reterr_diag)
		reterr_diag = &local;
	struct pctx p = { .limits = limits, .source = source, .diag = reterr_diag };
	struct vuln_osv o = { 0 };
	if (!json_is_object(rec))
		return bad(&p, "OSV record is not a JSON object");
	int r = req_str(&p, rec, "id", "record", &o.id);
	if (r < 0)
		goto fail;
	p.id = o.id;
	r = req_str(&p, rec, "modified", "record", &o.modified);
	if (r >= 0)
		r = opt_str(&p, rec, "published", &o.published);
	if (r >= 0)
		r = opt_str(&p, rec, "withdrawn", &o.withdrawn);
	if (r >= 0)
		r = opt_str(&p, rec, "summary", &o.summary);
	if (r >= 0)
		r = opt_str(&p, rec, "details", &o.details);
	if (r >= 0)
		r = str_list(&p, rec, "aliases", limits->osv_max_events, &o.aliases);
	if (r >= 0)
		r = severity_list(&p, rec, &o.cvss_v2, &o.cvss_v3, &o.cvss_v4, &o.ubuntu_priority);
	json_t *ds = bh_json_obj(rec, "database_specific");
	const char *dsev = ds ? bh_json_str(ds, "severity") : NULL;
	if (r >= 0 && dsev && *dsev && !(o.db_severity = strdup(dsev)))
		r = -ENOMEM;
	json_t *refs = NULL;
	if (r >= 0)
		r = opt_arr(&p, rec, "references", &refs);
	for (size_t i = 0; r >= 0 && refs && i < json_array_size(refs); i++) {
		const char *url = bh_json_str(json_array_get(refs, i), "url");
		if (!url)
			r = bad(&p, "reference without a string 'url'");
		else if (o.references.n < limits->osv_max_refs)
			r = strv_push(&o.references, url);
	}
	json_t *aff = NULL;
	if (r >= 0)
		r = opt_arr(&p, rec, "affected", &aff);
	if (r >= 0 && aff && json_array_size(aff) > 0) {
		size_t n = json_array_size(aff);
		if (n > limits->osv_max_affected) {
			bh_diag_set(reterr_diag, source, 0, 0,
				    "advisory %.100s: %zu affected packages, more than %llu "
				    "(osv-max-affected)",
				    o.id, n, (unsigned long long)limits->osv_max_affected);
			r = -E2BIG;
			goto fail;
		}
		o.affected = calloc(n, sizeof(*o.affected));
		if (!o.affected)
			r = -ENOMEM;
		for (size_t i = 0; r >= 0 && i < n; i++) {
			r = parse_affected(&p, json_array_get(aff, i), &o.affected[i]);
			o.n_affected++;
		}
	}
	if (r == -E2BIG && !reterr_diag->message[0])
		bh_diag_set(reterr_diag, source, 0, 0,
			    "advisory %.100s: more than %llu events and versions in one affected "
			    "package (osv-max-events)",
			    o.id, (unsigned long long)limits->osv_max_events);
	if (r < 0)
		goto fail;
	*ret = o;
	return 0;
fail:
	vuln_osv_done(&o);
	return r;
}
