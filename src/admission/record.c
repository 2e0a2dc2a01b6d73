/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.c — admission decisions in the store (docs/design/store.md, "Admission decisions
 * and runtime alerts"). The request path only copies the request body and the response into
 * one block (adm_record_block); the recorder's writer thread turns it into a run of kind
 * "admission" with the violated rules as findings and an "admission.decision" audit record
 * (adm_record_build). Nothing here runs on a request's time but the copy.
 *
 * The rules come from the response's auditAnnotations (enforced, warned, audited: what the
 * decision reported, ignored rules excluded), their severity and title from the k8s tables,
 * as `bulkhead k8s check` reports them.
 */
#include <stdio.h>

#include "admission/admission.h"
#include "audit/recorder.h"
#include "common/hash.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "k8s/hardening.h"
#include "k8s/pss.h"

struct adm_record_block {
	int64_t time; /* unix seconds */
	unsigned verdict;
	size_t body_len, resp_len;
	char data[]; /* body, NUL, response, NUL */
};

void *adm_record_block(struct span body, struct span response, const struct adm_decision *dec,
		       int64_t time, size_t *ret_bytes)
{
	size_t size;
	if (!size_add(sizeof(struct adm_record_block), body.len, &size) ||
	    !size_add(size, response.len, &size) || !size_add(size, 2, &size))
		return NULL;
	struct adm_record_block *b = malloc(size);
	if (!b)
		return NULL;
	b->time = time;
	b->verdict = (unsigned)dec->verdict;
	b->body_len = body.len;
	b->resp_len = response.len;
	if (body.len)
		memcpy(b->data, body.ptr, body.len);
	b->data[body.len] = '\0';
	if (response.len)
		memcpy(b->data + body.len + 1, response.ptr, response.len);
	b->data[body.len + 1 + response.len] = '\0';
	*ret_bytes = size;
	return b;
}

/* adm_record_block's verdict for a policy change block (not a decision). */
#define POLICY_BLOCK 0xffffffffu

void *adm_record_policy_block(const char *path, const char *sha256, const char *description,
			      int64_t time, size_t *ret_bytes)
{
	/* body: the policy path; response: "sha256\ndescription". */
	_cleanup_buf_ struct buf resp;
	buf_init(&resp, 0);
	if (buf_printf(&resp, "%s\n%s", sha256 ? sha256 : "", description ? description : "") < 0)
		return NULL;
	struct adm_decision dec = {0};
	void *b = adm_record_block(span_from(path ? path : ""), buf_span(&resp), &dec, time,
				   ret_bytes);
	if (b)
		((struct adm_record_block *)b)->verdict = POLICY_BLOCK;
	return b;
}

static int build_policy(const struct adm_record_ctx *ctx, const struct adm_record_block *b,
			json_t *batch)
{
	const char *path = b->data, *resp = b->data + b->body_len + 1;
	const char *nl = strchr(resp, '\n');
	_cleanup_free_ char *sha = nl ? strndup(resp, (size_t)(nl - resp)) : strdup(resp);
	const char *desc = nl ? nl + 1 : "";
	_cleanup_json_ json_t *summary =
	    json_pack("{s:s, s:s, s:s}", "policy", path, "sha256", sha ? sha : "", "description",
		      desc);
	if (!sha || !summary)
		return -ENOMEM;
	struct store_run run = {
	    .kind = "admission.policy",
	    .time = b->time,
	    .target = {.type = "cluster",
		       .name = ctx->cluster ? ctx->cluster : "default",
		       .cluster = ctx->cluster},
	    .tool = "bulkhead " BULKHEAD_VERSION " admission serve",
	    .summary = summary,
	    .no_resolve = true,
	};
	_cleanup_json_ json_t *findings = json_array();
	_cleanup_json_ json_t *item = findings ? audit_batch_item(&run, findings) : NULL;
	if (!item)
		return -ENOMEM;
	int r = audit_batch_item_add_record(item, "admission.policy.reload", run.target.name,
					    "bulkhead admission serve", summary);
	if (r < 0)
		return r;
	return json_array_append(batch, item) < 0 ? -ENOMEM : 0;
}

/* Severity and title of a rule id, as `k8s check` reports them. */
static void rule_info(const char *id, const char **ret_sev, const char **ret_title)
{
	size_t n;
	const struct k8s_pss_check *p = k8s_pss_checks(&n);
	for (size_t i = 0; i < n; i++)
		if (streq(p[i].id, id)) {
			*ret_sev = p[i].level == K8S_PSS_RESTRICTED ? "medium" : "high";
			*ret_title = p[i].title;
			return;
		}
	const struct k8s_hard_check *h = k8s_hard_checks(&n);
	for (size_t i = 0; i < n; i++)
		if (streq(h[i].id, id)) {
			*ret_sev = k8s_severity_name(h[i].severity);
			*ret_title = h[i].title;
			return;
		}
	*ret_sev = "unknown";
	*ret_title = id;
}

/* The container images of a pod-bearing object (Pod, template, job template). */
static int collect_images(const json_t *object, json_t *images)
{
	const json_t *spec = bh_json_obj(object, "spec");
	const json_t *pods[] = {
	    spec,
	    bh_json_obj(bh_json_obj(spec, "template"), "spec"),
	    bh_json_obj(
		bh_json_obj(bh_json_obj(bh_json_obj(spec, "jobTemplate"), "spec"), "template"),
		"spec"),
	};
	static const char *const lists[] = {"initContainers", "containers", "ephemeralContainers"};
	for (size_t p = 0; p < ARRAY_SIZE(pods); p++)
		for (size_t l = 0; pods[p] && l < ARRAY_SIZE(lists); l++) {
			size_t i;
			const json_t *c;
			json_array_foreach(bh_json_arr(pods[p], lists[l]), i, c)
			{
				const char *img = bh_json_str(c, "image");
				bool seen = false;
				size_t k;
				const json_t *x;
				json_array_foreach(images, k, x) seen =
				    seen || streq(json_string_value(x), img ? img : "");
				if (img && *img && !seen && bh_json_append_str(images, img) < 0)
					return -ENOMEM;
			}
		}
	return 0;
}

/* The finding for one violated rule of the decision. */
static int rule_finding(const char *rule, const char *action, const char *target,
			const char *operation, const char *uid, json_t *findings)
{
	const char *sev, *title;
	rule_info(rule, &sev, &title);
	_cleanup_buf_ struct buf idsrc, msg;
	buf_init(&idsrc, 0);
	buf_init(&msg, 0);
	char hex[BH_DIGEST_STR_LEN + 1], id[40];
	int r = buf_printf(&idsrc, "misconfiguration\n%s\n%s\nadmission", rule, target);
	if (r >= 0)
		r = buf_printf(&msg, "%s: %s (%s by the admission policy)", target, title,
			       streq(action, "enforce") ? "denied" : action);
	if (r >= 0)
		r = bh_sha256_str(idsrc.ptr, idsrc.len, hex);
	if (r >= 0)
		r = xsnprintf(id, sizeof(id), "%.32s", strchr(hex, ':') + 1);
	if (r < 0)
		return r;
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s, "
			      "s:{s:s, s:s, s:s}}",
			      "schema", "bulkhead.finding/v1", "id", id, "kind", "misconfiguration",
			      "severity", sev, "rule", "id", rule, "title", title, "target", "type",
			      "workload", "name", target, "message", buf_str(&msg), "evidence",
			      "action", action, "operation", operation, "uid", uid);
	return bh_json_append_new(findings, f);
}

/* Split a comma list of rule ids from the annotation into findings and rule lists. */
static int add_rules(const json_t *annotations, const char *key, const char *action,
		     const char *target, const char *operation, const char *uid, json_t *findings,
		     json_t *all, json_t *mine)
{
	const char *list = bh_json_str(annotations, key);
	struct span rest = span_from(list ? list : ""), one;
	while (rest.len) {
		if (!span_cut(rest, ',', &one, &rest)) {
			one = rest;
			rest = span_make("", 0);
		}
		one = span_trim(one);
		if (!one.len)
			continue;
		_cleanup_free_ char *rule = span_dup(one);
		if (!rule)
			return -ENOMEM;
		int r = rule_finding(rule, action, target, operation, uid, findings);
		if (r >= 0)
			r = bh_json_append_str(all, rule);
		if (r >= 0 && mine)
			r = bh_json_append_str(mine, rule);
		if (r < 0)
			return r;
	}
	return 0;
}

int adm_record_build(void *userdata, const void *data, json_t *batch)
{
	const struct adm_record_ctx *ctx = userdata;
	const struct adm_record_block *b = data;
	if (b->verdict == POLICY_BLOCK)
		return build_policy(ctx, b, batch);
	_cleanup_json_ json_t *req_doc = NULL, *resp_doc = NULL;
	int r = bh_json_parse(span_make(b->data, b->body_len), ctx->limits, "AdmissionReview",
			      &req_doc, NULL);
	if (r >= 0)
		r = bh_json_parse(span_make(b->data + b->body_len + 1, b->resp_len), ctx->limits,
				  "response", &resp_doc, NULL);
	if (r < 0)
		return r;
	const json_t *rq = bh_json_obj(req_doc, "request"), *rs = bh_json_obj(resp_doc, "response");
	const json_t *object = bh_json_obj(rq, "object");
	if (!json_is_object(object))
		object = bh_json_obj(rq, "oldObject"); /* DELETE */
	const json_t *meta = bh_json_obj(object, "metadata");
	const char *uid = bh_json_str(rq, "uid"), *op = bh_json_str(rq, "operation");
	const char *kind = bh_json_str(bh_json_obj(rq, "kind"), "kind");
	const char *ns = bh_json_str(rq, "namespace"), *name = bh_json_str(rq, "name");
	const char *user = bh_json_str(bh_json_obj(rq, "userInfo"), "username");
	if (!ns || !*ns)
		ns = bh_json_str(meta, "namespace");
	if (!name || !*name)
		name = bh_json_str(meta, "name");
	_cleanup_buf_ struct buf workload, target;
	buf_init(&workload, 0);
	buf_init(&target, 0);
	if (name && *name)
		r = buf_printf(&workload, "%s/%s", kind ? kind : "?", name);
	else {
		const char *gn = bh_json_str(meta, "generateName");
		r = gn && *gn ? buf_printf(&workload, "%s/%s*", kind ? kind : "?", gn)
			      : buf_printf(&workload, "%s/(unnamed)", kind ? kind : "?");
	}
	if (r >= 0)
		r = ns && *ns ? buf_printf(&target, "%s/%s", ns, buf_str(&workload))
			      : buf_puts(&target, buf_str(&workload));
	if (r < 0)
		return r;
	bool allowed = json_is_true(json_object_get(rs, "allowed"));
	const char *verdict = adm_verdict_name((enum adm_verdict)b->verdict);
	const json_t *ann = bh_json_obj(rs, "auditAnnotations");
	_cleanup_json_ json_t *findings = json_array(), *all = json_array(),
			      *enforced = json_array(), *images = json_array();
	if (!findings || !all || !enforced || !images)
		return -ENOMEM;
	const char *t = buf_str(&target), *o = op ? op : "", *u = uid ? uid : "";
	r = add_rules(ann, "enforced", "enforce", t, o, u, findings, all, enforced);
	if (r >= 0)
		r = add_rules(ann, "warned", "warn", t, o, u, findings, all, NULL);
	if (r >= 0)
		r = add_rules(ann, "audited", "audit", t, o, u, findings, all, NULL);
	if (r >= 0)
		r = collect_images(object, images);
	if (r < 0)
		return r;

	_cleanup_json_ json_t *summary = json_pack(
	    "{s:b, s:s, s:s, s:s, s:I, s:O}", "allowed", allowed, "verdict", verdict, "operation",
	    o, "uid", u, "findings", (json_int_t)json_array_size(findings), "images", images);
	if (!summary || bh_json_set_str_opt(summary, "user", user) < 0 ||
	    bh_json_set_str_opt(summary, "message",
				bh_json_str(bh_json_obj(rs, "status"), "message")) < 0)
		return -ENOMEM;
	struct store_run run = {
	    .kind = "admission",
	    .time = b->time,
	    .target = {.type = "workload",
		       .name = t,
		       .cluster = ctx->cluster,
		       .namespace = ns && *ns ? ns : NULL,
		       .workload = buf_str(&workload)},
	    .tool = "bulkhead " BULKHEAD_VERSION " admission serve",
	    .summary = summary,
	};
	_cleanup_json_ json_t *item = audit_batch_item(&run, findings);
	char when[32];
	if (!item || bh_format_rfc3339((time_t)b->time, when, sizeof(when)) < 0)
		return -ENOMEM;
	_cleanup_json_ json_t *payload =
	    json_pack("{s:b, s:s, s:O, s:O, s:s, s:s, s:s, s:s}", "allowed", allowed, "verdict",
		      verdict, "rules", all, "enforced", enforced, "uid", u, "operation", o, "time",
		      when, "cluster", ctx->cluster ? ctx->cluster : "");
	if (!payload)
		return -ENOMEM;
	r = audit_batch_item_add_record(item, "admission.decision", t, user, payload);
	if (r < 0)
		return r;
	return json_array_append(batch, item) < 0 ? -ENOMEM : 0;
}
