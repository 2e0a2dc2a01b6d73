/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline-json.c — the bulkhead.baseline/v1 document (export, strict import) and the diff
 * of two baselines (see baseline.h; the format is described in docs/baseline.md). Import
 * is all or nothing: the first problem rejects the document with a diag naming the member.
 */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "common/json.h"
#include "common/timeutil.h"
#include "runtime/baseline.h"

/* ---- times ------------------------------------------------------------------------------ */

static json_t *time_json(int64_t t, bool zero_is_null)
{
	char s[64];
	if ((zero_is_null && t == 0) || bh_format_rfc3339((time_t)t, s, sizeof(s)) < 0)
		return json_null();
	return json_string(s);
}

/* Strict "YYYY-MM-DDTHH:MM:SSZ" (what time_json writes), >= the epoch. */
static int time_parse(const char *s, int64_t *ret)
{
	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return -EBADMSG;
	uint64_t f[6];
	static const size_t off[6] = {0, 5, 8, 11, 14, 17}, len[6] = {4, 2, 2, 2, 2, 2};
	for (size_t i = 0; i < 6; i++)
		if (parse_u64(span_make(s + off[i], len[i]), 10, 9999, &f[i]) < 0)
			return -EBADMSG;
	struct tm tm = {.tm_year = (int)f[0] - 1900,
			.tm_mon = (int)f[1] - 1,
			.tm_mday = (int)f[2],
			.tm_hour = (int)f[3],
			.tm_min = (int)f[4],
			.tm_sec = (int)f[5]};
	time_t t = timegm(&tm);
	char back[64];
	if (t < 0 || bh_format_rfc3339(t, back, sizeof(back)) < 0 || !streq(back, s))
		return -EBADMSG; /* out of range fields (Feb 30) do not round-trip */
	*ret = (int64_t)t;
	return 0;
}

/* ---- facts as JSON ---------------------------------------------------------------------- */

static json_t *fact_json(enum baseline_type t, const struct baseline_fact *f)
{
	const char *proto = f->proto == IPPROTO_TCP ? "tcp" : "udp";
	switch (t) {
	case BASELINE_EXEC:
		return f->b ? json_pack("{s:s, s:s}", "path", f->a, "sha256", f->b)
			    : json_pack("{s:s}", "path", f->a);
	case BASELINE_EXEC_PAIR:
		return json_pack("{s:s, s:s}", "parent", f->a, "child", f->b);
	case BASELINE_LISTEN:
		return json_pack("{s:s, s:i}", "proto", proto, "port", (int)f->port);
	case BASELINE_PEER:
		return f->b ? json_pack("{s:s, s:s, s:i, s:s}", "proto", proto, "address", f->a,
					"port", (int)f->port, "name", f->b)
			    : json_pack("{s:s, s:s, s:i}", "proto", proto, "address", f->a, "port",
					(int)f->port);
	case BASELINE_SYSCALL:
	case BASELINE_CAPABILITY:
		return json_pack("{s:s}", "name", f->a);
	default:
		return json_pack("{s:s}", "path", f->a);
	}
}

static json_t *set_json(enum baseline_type t, const struct baseline_set *s)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < s->n; i++)
		if (json_array_append_new(a, fact_json(t, &s->v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *sets_json(const struct baseline_set *sets)
{
	json_t *o = json_object();
	for (size_t t = 0; o && t < _BASELINE_TYPE_MAX; t++)
		if (json_object_set_new(o, baseline_type_name(t), set_json(t, &sets[t])) < 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

int baseline_to_json(const struct baseline *b, json_t **ret)
{
	json_t *ov = json_object();
	for (size_t t = 0; ov && t < _BASELINE_TYPE_MAX; t++)
		if (json_object_set_new(ov, baseline_type_name(t),
					json_integer((json_int_t)b->sets[t].overflow)) < 0) {
			json_decref(ov);
			ov = NULL;
		}
	json_t *facts = sets_json(b->sets);
	json_t *learning = json_pack(
	    "{s:o, s:o, s:I}", "started", time_json(b->learning_started, true), "last_new_fact",
	    time_json(b->last_new_fact, true), "events", (json_int_t)b->events_learnt);
	if (!ov || !facts || !learning) {
		json_decref(ov);
		json_decref(facts);
		json_decref(learning);
		return -ENOMEM;
	}
	json_t *doc = json_pack(
	    "{s:s, s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:o}", "schema", BASELINE_SCHEMA, "workload",
	    b->workload, "version", (json_int_t)b->version, "mode", baseline_mode_name(b->mode),
	    "created", time_json(b->created, false), "updated", time_json(b->updated, false),
	    "learning", learning, "facts", facts, "overflow", ov);
	if (!doc)
		return -ENOMEM;
	*ret = doc;
	return 0;
}

int baseline_export(const struct baseline *b, struct buf *out)
{
	_cleanup_json_ json_t *doc = NULL;
	int r = baseline_to_json(b, &doc);
	return r < 0 ? r : bh_json_dump_buf(doc, out);
}

/* ---- import ----------------------------------------------------------------------------- */

struct rd {
	const char *source;
	struct bh_diag *diag;
};

_printf_(3, 4) static int bad(struct rd *rd, const char *where, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bh_diag_set(rd->diag, rd->source, 0, 0, "%s: %s", where, msg);
	return -EBADMSG;
}

/* Every member of o is one of keys (NULL-terminated). */
static int only_keys(struct rd *rd, const char *where, const json_t *o, const char *const *keys)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v)
	{
		bool known = false;
		for (const char *const *p = keys; *p && !known; p++)
			known = streq(*p, k);
		if (!known)
			return bad(rd, where, "unknown member '%s'", k);
	}
	return 0;
}

static int req_str(struct rd *rd, const char *where, const json_t *o, const char *key,
		   bool optional, const char **ret)
{
	json_t *v = json_object_get(o, key);
	*ret = NULL;
	if (!v && optional)
		return 0;
	if (!v)
		return bad(rd, where, "missing member '%s'", key);
	if (!json_is_string(v))
		return bad(rd, where, "'%s' is not a string", key);
	*ret = json_string_value(v);
	return 0;
}

static int req_int(struct rd *rd, const char *where, const json_t *o, const char *key, int64_t min,
		   int64_t max, int64_t *ret)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return bad(rd, where, "missing member '%s'", key);
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return bad(rd, where, "'%s' is not an integer in [%" PRId64 ", %" PRId64 "]", key,
			   min, max);
	*ret = json_integer_value(v);
	return 0;
}

static int req_time(struct rd *rd, const char *where, const json_t *o, const char *key,
		    bool nullable, int64_t *ret)
{
	json_t *v = json_object_get(o, key);
	*ret = 0;
	if (!v)
		return bad(rd, where, "missing member '%s'", key);
	if (nullable && json_is_null(v))
		return 0;
	if (!json_is_string(v) || time_parse(json_string_value(v), ret) < 0)
		return bad(rd, where, "'%s' is not a time \"YYYY-MM-DDTHH:MM:SSZ\"%s", key,
			   nullable ? " or null" : "");
	return 0;
}

static int read_fact(struct rd *rd, const char *where, enum baseline_type t, const json_t *o,
		     const struct baseline_limits *l, struct baseline_fact *f)
{
	static const char *const k_path[] = {"path", NULL},
				 *const k_exec[] = {"path", "sha256", NULL},
				 *const k_pair[] = {"parent", "child", NULL},
				 *const k_listen[] = {"proto", "port", NULL},
				 *const k_peer[] = {"proto", "address", "port", "name", NULL},
				 *const k_name[] = {"name", NULL};
	if (!json_is_object(o))
		return bad(rd, where, "not an object");
	const char *a = NULL, *b = NULL, *proto = NULL;
	int64_t port = 0;
	int r;
	switch (t) {
	case BASELINE_EXEC:
		r = only_keys(rd, where, o, k_exec) ?: req_str(rd, where, o, "path", false, &a) ?:
		    req_str(rd, where, o, "sha256", true, &b);
		break;
	case BASELINE_EXEC_PAIR:
		r = only_keys(rd, where, o, k_pair) ?: req_str(rd, where, o, "parent", false, &a) ?:
		    req_str(rd, where, o, "child", false, &b);
		break;
	case BASELINE_LISTEN:
		r = only_keys(rd, where, o, k_listen) ?:
		    req_str(rd, where, o, "proto", false, &proto) ?:
		    req_int(rd, where, o, "port", 0, INT64_MAX, &port);
		break;
	case BASELINE_PEER:
		r = only_keys(rd, where, o, k_peer) ?:
		    req_str(rd, where, o, "proto", false, &proto) ?:
		    req_str(rd, where, o, "address", false, &a) ?:
		    req_int(rd, where, o, "port", 0, INT64_MAX, &port) ?:
		    req_str(rd, where, o, "name", true, &b);
		break;
	case BASELINE_SYSCALL:
	case BASELINE_CAPABILITY:
		r = only_keys(rd, where, o, k_name) ?: req_str(rd, where, o, "name", false, &a);
		break;
	default:
		r = only_keys(rd, where, o, k_path) ?: req_str(rd, where, o, "path", false, &a);
		break;
	}
	if (r < 0)
		return r;
	if (port > 65535)
		return bad(rd, where, "port %" PRId64 " is not in 1-65535", port);
	*f = (struct baseline_fact){.port = (uint16_t)port, .a = (char *)a, .b = (char *)b};
	if (proto) {
		if (streq(proto, "tcp"))
			f->proto = IPPROTO_TCP;
		else if (streq(proto, "udp"))
			f->proto = IPPROTO_UDP;
		else
			return bad(rd, where, "proto '%s' is not tcp or udp", proto);
	}
	const char *why;
	if (baseline_fact_validate(t, f, l, &why) < 0)
		return bad(rd, where, "%s", why);
	return 0;
}

/* Per-key bounds learning keeps: sha256 values per executable, addresses per port. */
static int check_bounds(struct rd *rd, const struct baseline *b, enum baseline_type t)
{
	const struct baseline_set *s = &b->sets[t];
	if (t == BASELINE_EXEC) {
		size_t hashes = 0;
		for (size_t i = 0; i < s->n; i++) {
			if (i && !streq(s->v[i].a, s->v[i - 1].a))
				hashes = 0;
			hashes += s->v[i].b != NULL;
			if (hashes > b->limits.exec_hash_max)
				return bad(rd, "facts.exec", "'%s' has more than %zu sha256 values",
					   s->v[i].a, b->limits.exec_hash_max);
		}
	} else if (t == BASELINE_PEER) {
		_cleanup_free_ uint32_t *count = calloc(2 * 65536, sizeof(*count));
		if (!count)
			return -ENOMEM;
		for (size_t i = 0; i < s->n; i++) {
			uint32_t *c = &count[(s->v[i].proto == IPPROTO_UDP) * 65536 + s->v[i].port];
			if (++*c > b->limits.peer_port_max)
				return bad(
				    rd, "facts.peer", "more than %zu addresses on %s port %u",
				    b->limits.peer_port_max,
				    s->v[i].proto == IPPROTO_UDP ? "udp" : "tcp", s->v[i].port);
		}
	}
	return 0;
}

static int read_facts(struct rd *rd, struct baseline *b, const json_t *facts)
{
	const char *k;
	json_t *arr;
	char where[128];
	json_object_foreach((json_t *)facts, k, arr)
	{
		int t = baseline_type_from_name(k);
		if (t < 0)
			return bad(rd, "facts", "unknown fact type '%s'", k);
		(void)xsnprintf(where, sizeof(where), "facts.%s", k);
		if (!json_is_array(arr))
			return bad(rd, where, "not an array");
		size_t n = json_array_size(arr);
		if (n > b->limits.max_facts[t])
			return bad(rd, where, "%zu facts, more than the limit %zu", n,
				   b->limits.max_facts[t]);
		for (size_t i = 0; i < n; i++) {
			(void)xsnprintf(where, sizeof(where), "facts.%s[%zu]", k, i);
			struct baseline_fact f;
			int r = read_fact(rd, where, (enum baseline_type)t, json_array_get(arr, i),
					  &b->limits, &f);
			if (r < 0)
				return r;
			r = baseline_insert_fact(b, (enum baseline_type)t, &f);
			if (r == -EEXIST)
				return bad(rd, where, "duplicate fact");
			if (r == -E2BIG)
				return bad(rd, where, "the baseline's facts exceed %zu bytes",
					   b->limits.max_bytes);
			if (r < 0)
				return r;
		}
		int r = check_bounds(rd, b, (enum baseline_type)t);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_overflow(struct rd *rd, struct baseline *b, const json_t *o)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v)
	{
		int t = baseline_type_from_name(k);
		if (t < 0)
			return bad(rd, "overflow", "unknown fact type '%s'", k);
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return bad(rd, "overflow", "'%s' is not a non-negative integer", k);
		b->sets[t].overflow = (uint64_t)json_integer_value(v);
	}
	return 0;
}

int baseline_import(struct span in, const struct baseline_config *cfg,
		    const struct bh_limits *limits, const char *source, struct baseline **ret,
		    struct bh_diag *reterr_diag)
{
	static const char *const top[] = {
		"schema", "workload", "version", "mode", "created", "updated", "learning", "facts",
		"overflow", NULL,
	};
	static const char *const lkeys[] = {"started", "last_new_fact", "events", NULL};
	struct bh_limits def;
	if (!limits) {
		bh_limits_default(&def);
		limits = &def;
	}
	struct rd rd = {.source = source ? source : "baseline", .diag = reterr_diag};
	_cleanup_json_ json_t *doc = NULL;
	int r = bh_json_parse(in, limits, rd.source, &doc, reterr_diag);
	if (r < 0)
		return r;
	if (!json_is_object(doc))
		return bad(&rd, "document", "not a JSON object");
	const char *schema, *workload, *mode;
	r = only_keys(&rd, "document", doc, top)
		?: req_str(&rd, "document", doc, "schema", false, &schema);
	if (r < 0)
		return r;
	if (!streq(schema, BASELINE_SCHEMA))
		return bad(&rd, "schema", "'%s' is not \"" BASELINE_SCHEMA "\"", schema);
	r = req_str(&rd, "document", doc, "workload", false, &workload)
		?: req_str(&rd, "document", doc, "mode", false, &mode);
	if (r < 0)
		return r;
	size_t wl = strlen(workload);
	if (wl == 0 || wl > 1024)
		return bad(&rd, "workload", "empty or longer than 1024 bytes");
	for (size_t i = 0; i < wl; i++)
		if ((unsigned char)workload[i] < 0x20 || workload[i] == 0x7f)
			return bad(&rd, "workload", "control character");
	int m = baseline_mode_from_name(mode);
	if (m < 0)
		return bad(&rd, "mode", "'%s' is not learn, monitor or protect", mode);
	int64_t version, created, updated, started, last, events;
	json_t *learning = json_object_get(doc, "learning");
	json_t *facts = json_object_get(doc, "facts");
	json_t *overflow = json_object_get(doc, "overflow");
	r = req_int(&rd, "document", doc, "version", 1, INT64_MAX, &version) ?:
	    req_time(&rd, "document", doc, "created", false, &created) ?:
	    req_time(&rd, "document", doc, "updated", false, &updated);
	if (r < 0)
		return r;
	if (!json_is_object(learning))
		return bad(&rd, "learning", "missing or not an object");
	r = only_keys(&rd, "learning", learning, lkeys) ?:
	    req_time(&rd, "learning", learning, "started", true, &started) ?:
	    req_time(&rd, "learning", learning, "last_new_fact", true, &last) ?:
	    req_int(&rd, "learning", learning, "events", 0, INT64_MAX, &events);
	if (r < 0)
		return r;
	if (!json_is_object(facts))
		return bad(&rd, "facts", "missing or not an object");
	if (!json_is_object(overflow))
		return bad(&rd, "overflow", "missing or not an object");

	_cleanup_(baseline_freep) struct baseline *b = NULL;
	r = baseline_new(workload, (enum baseline_mode)m, created, cfg, &b);
	if (r == -EINVAL)
		return bad(&rd, "document", "invalid configuration for the baseline");
	if (r < 0)
		return r;
	b->version = (uint64_t)version;
	b->updated = updated;
	b->learning_started = started;
	b->last_new_fact = last;
	b->events_learnt = (uint64_t)events;
	r = read_facts(&rd, b, facts) ?: read_overflow(&rd, b, overflow);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(b);
	return 0;
}

/* ---- diff ------------------------------------------------------------------------------- */

static int set_push_copy(struct baseline_set *s, const struct baseline_fact *f)
{
	if (GROW(s->v, s->n, s->cap) < 0)
		return -ENOMEM;
	struct baseline_fact *c = &s->v[s->n];
	*c = (struct baseline_fact){.proto = f->proto, .port = f->port};
	if (strdup_opt(f->a, &c->a) < 0 || strdup_opt(f->b, &c->b) < 0) {
		free(c->a);
		free(c->b);
		return -ENOMEM;
	}
	s->n++;
	return 0;
}

static void set_free(struct baseline_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].a);
		free(s->v[i].b);
	}
	free(s->v);
	*s = (struct baseline_set){0};
}

void baseline_diff_free(struct baseline_diff *d)
{
	if (!d)
		return;
	for (size_t t = 0; t < _BASELINE_TYPE_MAX; t++) {
		set_free(&d->added[t]);
		set_free(&d->removed[t]);
	}
	free(d);
}

int baseline_diff(const struct baseline *a, const struct baseline *b, struct baseline_diff **ret)
{
	_cleanup_(baseline_diff_freep) struct baseline_diff *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (size_t t = 0; t < _BASELINE_TYPE_MAX; t++) {
		const struct baseline_set *x = &a->sets[t], *y = &b->sets[t];
		size_t i = 0, j = 0;
		while (i < x->n || j < y->n) {
			int c = i == x->n   ? 1
				: j == y->n ? -1
					    : baseline_fact_cmp(&x->v[i], &y->v[j]);
			int r = 0;
			if (c < 0) {
				r = set_push_copy(&d->removed[t], &x->v[i++]);
				d->n_removed++;
			} else if (c > 0) {
				r = set_push_copy(&d->added[t], &y->v[j++]);
				d->n_added++;
			} else {
				i++;
				j++;
			}
			if (r < 0)
				return r;
		}
	}
	*ret = TAKE_PTR(d);
	return 0;
}

int baseline_diff_to_json(const struct baseline_diff *d, json_t **ret)
{
	json_t *added = sets_json(d->added), *removed = sets_json(d->removed);
	if (!added || !removed) {
		json_decref(added);
		json_decref(removed);
		return -ENOMEM;
	}
	json_t *doc = json_pack("{s:s, s:I, s:I, s:o, s:o}", "schema", BASELINE_DIFF_SCHEMA,
				"n_added", (json_int_t)d->n_added, "n_removed",
				(json_int_t)d->n_removed, "added", added, "removed", removed);
	if (!doc)
		return -ENOMEM;
	*ret = doc;
	return 0;
}

int baseline_diff_to_text(const struct baseline_diff *d, struct buf *out)
{
	int r = 0;
	for (int pass = 0; pass < 2 && r >= 0; pass++)
		for (size_t t = 0; t < _BASELINE_TYPE_MAX && r >= 0; t++) {
			const struct baseline_set *s = pass == 0 ? &d->removed[t] : &d->added[t];
			for (size_t i = 0; i < s->n && r >= 0; i++)
				r = buf_printf(out, "%c %s ", pass == 0 ? '-' : '+',
					       baseline_type_name(t)) ?:
				    baseline_fact_format(t, &s->v[i], out) ?: buf_putc(out, '\n');
		}
	return r;
}
