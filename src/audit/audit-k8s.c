/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit-k8s.c — one Kubernetes API audit event (audit.k8s.io/v1 Event, v1beta1 has the same
 * shape) from one JSON line, reduced to who changed which object. Hostile input: bounded by
 * bh_limits (line bytes, nesting), every field type-checked, nothing kept but strings and
 * the response code. Which events become records is decided here (is_change) so that the
 * fuzz target covers it: a change is verb create/update/patch/delete/deletecollection on
 * an objectRef with a resource, at any stage but RequestReceived (the same request is
 * logged again when its response starts or completes; the importer keeps one record per
 * auditID).
 */
#include <stdio.h>

#include "audit/audit.h"
#include "common/json.h"

void audit_k8s_event_done(struct audit_k8s_event *e)
{
	free(e->audit_id);
	free(e->verb);
	free(e->stage);
	free(e->username);
	free(e->impersonated);
	free(e->target);
	json_decref(e->payload);
	*e = (struct audit_k8s_event){0};
}

/* A member that must be a string when present: its value, NULL when absent. */
static int opt_str(const json_t *o, const char *key, const char *where, const char **ret,
		   struct bh_diag *diag)
{
	json_t *v = json_object_get(o, key);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		bh_diag_set(diag, NULL, 0, 0, "%s%s is not a string", where, key);
		return -EBADMSG;
	}
	if (json_string_length(v) > AUDIT_FIELD_MAX) {
		bh_diag_set(diag, NULL, 0, 0, "%s%s is longer than %d bytes", where, key,
			    AUDIT_FIELD_MAX);
		return -E2BIG;
	}
	*ret = json_string_value(v);
	return 0;
}

static int req_str(const json_t *o, const char *key, const char *where, const char **ret,
		   struct bh_diag *diag)
{
	int r = opt_str(o, key, where, ret, diag);
	if (r == 0 && (!*ret || !**ret)) {
		bh_diag_set(diag, NULL, 0, 0, "missing %s%s", where, key);
		return -EBADMSG;
	}
	return r;
}

static int opt_obj(const json_t *o, const char *key, json_t **ret, struct bh_diag *diag)
{
	json_t *v = json_object_get(o, key);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v)) {
		bh_diag_set(diag, NULL, 0, 0, "%s is not an object", key);
		return -EBADMSG;
	}
	*ret = v;
	return 0;
}

/* An array of strings (when present) copied into a new array *ret (NULL when absent). */
static int opt_strings(const json_t *o, const char *key, const char *where, json_t **ret,
		       struct bh_diag *diag)
{
	json_t *v = json_object_get(o, key);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > 1024) {
		bh_diag_set(diag, NULL, 0, 0, "%s%s is not an array of at most 1024 strings", where,
			    key);
		return -EBADMSG;
	}
	json_t *a = json_array();
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *s = json_array_get(v, i);
		if (!json_is_string(s) || json_string_length(s) > AUDIT_FIELD_MAX) {
			json_decref(a);
			bh_diag_set(diag, NULL, 0, 0,
				    "%s%s[%zu] is not a string (of at most %d bytes)", where, key,
				    i, AUDIT_FIELD_MAX);
			return -EBADMSG;
		}
		if (json_array_append(a, s) < 0) {
			json_decref(a);
			return -ENOMEM;
		}
	}
	*ret = a;
	return 0;
}

static int set_opt(json_t *p, const char *key, const char *v)
{
	return v ? bh_json_set_str(p, key, v) : 0;
}

static int dup_into(const char *s, char **ret)
{
	return strdup_opt(s, ret);
}

int audit_k8s_event_parse(struct span line, const struct bh_limits *limits,
			  struct audit_k8s_event *ret, struct bh_diag *reterr_diag)
{
	struct bh_diag *diag = reterr_diag;
	_cleanup_json_ json_t *doc = NULL;
	int r = bh_json_parse(line, limits, "k8s audit event", &doc, diag);
	if (r < 0)
		return r;
	if (!json_is_object(doc)) {
		bh_diag_set(diag, NULL, 0, 0, "not a JSON object");
		return -EBADMSG;
	}
	const char *api_version = NULL, *kind = NULL, *audit_id = NULL, *verb = NULL;
	const char *stage = NULL, *username = NULL;
	r = opt_str(doc, "apiVersion", "", &api_version, diag)
		?: opt_str(doc, "kind", "", &kind, diag);
	if (r < 0)
		return r;
	if (api_version && !streq(api_version, "audit.k8s.io/v1") &&
	    !streq(api_version, "audit.k8s.io/v1beta1")) {
		bh_diag_set(diag, NULL, 0, 0,
			    "apiVersion '%.64s' is not audit.k8s.io/v1 (or v1beta1)", api_version);
		return -EBADMSG;
	}
	if (kind && !streq(kind, "Event")) {
		bh_diag_set(diag, NULL, 0, 0, "kind '%.64s' is not Event", kind);
		return -EBADMSG;
	}
	json_t *user = NULL, *imp = NULL, *ref = NULL, *status = NULL, *ann = NULL;
	r = req_str(doc, "auditID", "", &audit_id, diag) ?: req_str(doc, "verb", "", &verb, diag) ?:
	    req_str(doc, "stage", "", &stage, diag) ?: opt_obj(doc, "user", &user, diag) ?:
	    opt_obj(doc, "impersonatedUser", &imp, diag) ?: opt_obj(doc, "objectRef", &ref, diag) ?:
	    opt_obj(doc, "responseStatus", &status, diag) ?:
	    opt_obj(doc, "annotations", &ann, diag);
	if (r < 0)
		return r;
	if (!user) {
		bh_diag_set(diag, NULL, 0, 0, "missing user");
		return -EBADMSG;
	}
	if ((r = req_str(user, "username", "user.", &username, diag)) < 0)
		return r;

	const char *imp_name = NULL, *res = NULL, *ns = NULL, *name = NULL, *sub = NULL;
	const char *group = NULL, *ver = NULL, *ua = NULL, *uri = NULL, *ts = NULL, *rts = NULL;
	const char *decision = NULL;
	_cleanup_json_ json_t *groups = NULL, *imp_groups = NULL, *ips = NULL;
	r = opt_strings(user, "groups", "user.", &groups, diag);
	if (r == 0 && imp)
		r = req_str(imp, "username", "impersonatedUser.", &imp_name, diag)
			?: opt_strings(imp, "groups", "impersonatedUser.", &imp_groups, diag);
	if (r == 0 && ref)
		r = opt_str(ref, "resource", "objectRef.", &res, diag) ?:
		    opt_str(ref, "namespace", "objectRef.", &ns, diag) ?:
		    opt_str(ref, "name", "objectRef.", &name, diag) ?:
		    opt_str(ref, "subresource", "objectRef.", &sub, diag) ?:
		    opt_str(ref, "apiGroup", "objectRef.", &group, diag) ?:
		    opt_str(ref, "apiVersion", "objectRef.", &ver, diag);
	if (r == 0 && ann)
		r = opt_str(ann, "authorization.k8s.io/decision", "annotations.", &decision, diag);
	r = r ?: opt_strings(doc, "sourceIPs", "", &ips, diag) ?:
	    opt_str(doc, "userAgent", "", &ua, diag) ?: opt_str(doc, "requestURI", "", &uri, diag) ?:
	    opt_str(doc, "stageTimestamp", "", &ts, diag) ?:
	    opt_str(doc, "requestReceivedTimestamp", "", &rts, diag);
	if (r < 0)
		return r;
	int64_t us;
	if (ts && audit_parse_rfc3339(span_from(ts), &us) < 0) {
		bh_diag_set(diag, NULL, 0, 0, "stageTimestamp '%.64s' is not an RFC 3339 time", ts);
		return -EBADMSG;
	}
	if (rts && audit_parse_rfc3339(span_from(rts), &us) < 0) {
		bh_diag_set(diag, NULL, 0, 0,
			    "requestReceivedTimestamp '%.64s' is not an RFC 3339 time", rts);
		return -EBADMSG;
	}
	json_t *code = status ? json_object_get(status, "code") : NULL;
	if (code && !json_is_null(code) &&
	    (!json_is_integer(code) || json_integer_value(code) < 0 ||
	     json_integer_value(code) > 999)) {
		bh_diag_set(diag, NULL, 0, 0, "responseStatus.code is not an HTTP status code");
		return -EBADMSG;
	}

	struct audit_k8s_event e = {0};
	static const char *const changes[] = {"create", "update", "patch", "delete",
					      "deletecollection"};
	for (size_t i = 0; i < ARRAY_SIZE(changes); i++)
		if (streq(verb, changes[i]))
			e.is_change = true;
	if (!res || !*res || streq(stage, "RequestReceived"))
		e.is_change = false;

	r = dup_into(audit_id, &e.audit_id) ?: dup_into(verb, &e.verb) ?:
	    dup_into(stage, &e.stage) ?: dup_into(username, &e.username) ?:
	    dup_into(imp_name, &e.impersonated);
	if (r < 0 || !e.is_change) {
		if (r == 0)
			*ret = e;
		else
			audit_k8s_event_done(&e);
		return r;
	}

	_cleanup_buf_ struct buf t;
	buf_init(&t, AUDIT_FIELD_MAX);
	if (ns && *ns)
		r = buf_printf(&t, "%s/", ns);
	r = r ?: buf_puts(&t, res);
	if (r == 0 && name && *name)
		r = buf_printf(&t, "/%s", name);
	if (r == 0 && sub && *sub)
		r = buf_printf(&t, "/%s", sub);
	if (r == -E2BIG)
		bh_diag_set(diag, NULL, 0, 0, "objectRef is longer than %d bytes", AUDIT_FIELD_MAX);
	if (r == 0 && !(e.target = buf_take(&t)))
		r = -ENOMEM;

	json_t *p = r == 0 ? json_object() : NULL;
	if (r == 0 && !p)
		r = -ENOMEM;
	e.payload = p;
	r = r ?: bh_json_set_str(p, "audit_id", audit_id) ?: bh_json_set_str(p, "verb", verb) ?:
	    bh_json_set_str(p, "stage", stage) ?: bh_json_set_str(p, "user", username) ?:
	    (groups ? bh_json_set_new(p, "groups", json_incref(groups)) : 0) ?:
	    set_opt(p, "impersonated_user", imp_name) ?:
	    (imp_groups ? bh_json_set_new(p, "impersonated_groups", json_incref(imp_groups)) : 0) ?:
	    set_opt(p, "api_group", group) ?: set_opt(p, "api_version", ver) ?:
	    bh_json_set_str(p, "resource", res) ?: set_opt(p, "subresource", sub) ?:
	    set_opt(p, "namespace", ns) ?: set_opt(p, "name", name) ?:
	    (code && json_is_integer(code) ? bh_json_set_new(p, "code", json_incref(code)) : 0) ?:
	    set_opt(p, "decision", decision) ?:
	    (ips ? bh_json_set_new(p, "source_ips", json_incref(ips)) : 0) ?:
	    set_opt(p, "user_agent", ua) ?: set_opt(p, "request_uri", uri) ?:
	    set_opt(p, "time", ts ? ts : rts);
	if (r < 0) {
		audit_k8s_event_done(&e);
		return r;
	}
	*ret = e;
	return 0;
}
