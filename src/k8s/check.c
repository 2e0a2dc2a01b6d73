/* SPDX-License-Identifier: Apache-2.0 */
/* check.c — see check.h. */
#include <stdio.h>

#include "common/hash.h"
#include "common/json.h"
#include "k8s/check.h"

#define PSS_DOC "https://kubernetes.io/docs/concepts/security/pod-security-standards/"

static int note_add(struct strv *notes, const char *fmt, ...) _printf_(2, 3);
static int note_add(struct strv *notes, const char *fmt, ...)
{
	if (!notes)
		return 0;
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return strv_push_uniq(notes, s) ?: (free(s), 0);
}

void k8s_check_policy_for(const struct k8s_manifests *m, const struct k8s_object *o,
			  const struct k8s_check_opts *opts, enum k8s_pss_level *ret_level,
			  uint32_t *ret_minor, struct strv *notes)
{
	enum k8s_pss_level level = K8S_PSS_BASELINE;
	uint32_t minor = K8S_PSS_LATEST;
	const struct k8s_object *ns = k8s_manifests_find_namespace(m, k8s_object_namespace(o));
	const char *lv = ns ? ns->psa.level[K8S_PSA_ENFORCE] : NULL;
	const char *vv = ns ? ns->psa.version[K8S_PSA_ENFORCE] : NULL;
	if (opts->has_level)
		level = opts->level;
	else if (lv && k8s_pss_level_from_name(lv, &level) < 0) {
		/* As Pod Security Admission does: an invalid label enforces restricted. */
		level = K8S_PSS_RESTRICTED;
		(void)note_add(notes,
			       "%s:%u: namespace %s: invalid pod-security.kubernetes.io/"
			       "enforce \"%s\"; using restricted",
			       ns->path, ns->line, ns->name, lv);
	}
	if (opts->has_version)
		minor = opts->minor;
	else if (!opts->has_level && vv && k8s_pss_version_parse(vv, &minor) < 0) {
		minor = K8S_PSS_LATEST;
		(void)note_add(notes,
			       "%s:%u: namespace %s: invalid pod-security.kubernetes.io/"
			       "enforce-version \"%s\"; using latest",
			       ns->path, ns->line, ns->name, vv);
	}
	*ret_level = level;
	*ret_minor = minor;
}

static int suppress(struct k8s_check_report *rep, const struct k8s_object *o, const char *id)
{
	if (GROW(rep->sup, rep->n_sup, rep->cap_sup) < 0)
		return -ENOMEM;
	rep->sup[rep->n_sup++] = (struct k8s_suppressed){o, id};
	return 0;
}

/* Append a finding (taking detail), or record it as suppressed. */
static int add_finding(struct k8s_check_report *rep, struct k8s_finding f)
{
	const char *id = f.check ? f.check->id : f.hard->id;
	if (k8s_object_ignores(f.obj, id)) {
		free(f.detail);
		return suppress(rep, f.obj, id);
	}
	if (GROW(rep->f, rep->n, rep->cap) < 0) {
		free(f.detail);
		return -ENOMEM;
	}
	rep->f[rep->n++] = f;
	return 0;
}

/* Whether a PSS finding with id was reported for o (among the findings from 'from'). */
static bool pss_reported(const struct k8s_check_report *rep, size_t from,
			 const struct k8s_object *o, const char *id)
{
	for (size_t i = from; i < rep->n; i++)
		if (rep->f[i].obj == o && rep->f[i].check && streq(rep->f[i].check->id, id))
			return true;
	return false;
}

static int run_pss(const struct k8s_manifests *m, const struct k8s_object *o,
		   const struct k8s_check_opts *opts, struct k8s_check_report *rep)
{
	enum k8s_pss_level level;
	uint32_t minor;
	k8s_check_policy_for(m, o, opts, &level, &minor, &rep->notes);
	struct k8s_pss_result res = {0};
	int r = k8s_pss_evaluate(&o->pod, level, minor, &res);
	for (size_t k = 0; r == 0 && k < res.n; k++)
		r = add_finding(rep, (struct k8s_finding){
					 .obj = o,
					 .level = level,
					 .minor = minor,
					 .check = res.v[k].check,
					 .detail = TAKE_PTR(res.v[k].detail),
				     });
	k8s_pss_result_done(&res);
	return r;
}

static int run_hardening(const struct k8s_manifests *m, const struct k8s_object *o, size_t pss_from,
			 struct k8s_check_report *rep)
{
	struct k8s_hard_result res = {0};
	int r = k8s_hard_evaluate(m, o, &res);
	for (size_t k = 0; r == 0 && k < res.n; k++) {
		const struct k8s_hard_check *c = res.v[k].check;
		if (c->pss_id && pss_reported(rep, pss_from, o, c->pss_id))
			continue;
		r = add_finding(rep, (struct k8s_finding){
					 .obj = o,
					 .hard = c,
					 .detail = TAKE_PTR(res.v[k].detail),
				     });
	}
	k8s_hard_result_done(&res);
	return r;
}

int k8s_check_run(const struct k8s_manifests *m, const struct k8s_check_opts *opts,
		  struct k8s_check_report *rep)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct k8s_object *o = &m->objs[i];
		if (!o->has_pod)
			continue;
		rep->n_workloads++;
		size_t from = rep->n;
		int r = opts->no_pss ? 0 : run_pss(m, o, opts, rep);
		if (r == 0 && opts->hardening)
			r = run_hardening(m, o, from, rep);
		if (r < 0)
			return r;
	}
	return 0;
}

void k8s_check_report_done(struct k8s_check_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		free(rep->f[i].detail);
	free(rep->f);
	free(rep->sup);
	strv_done(&rep->notes);
	*rep = (struct k8s_check_report){0};
}

/* "Kind/namespace/name" for namespaced objects. */
static int target_name(const struct k8s_object *o, struct buf *b)
{
	return buf_printf(b, "%s/%s/%s", o->kind_name, k8s_object_namespace(o), o->name);
}

/* CIS Kubernetes Benchmark v1.9, section 5.2 (Pod Security Standards). */
static const char *cis_ref(const struct k8s_pss_check *c, const struct k8s_finding *f)
{
	static const struct {
		const char *check, *ref;
	} map[] = {
	    {"privileged", "CIS-K8S-1.9:5.2.2"},
	    {"allowPrivilegeEscalation", "CIS-K8S-1.9:5.2.6"},
	    {"runAsNonRoot", "CIS-K8S-1.9:5.2.7"},
	    {"runAsUser", "CIS-K8S-1.9:5.2.7"},
	    {"capabilities_baseline", "CIS-K8S-1.9:5.2.9"},
	    {"capabilities_restricted", "CIS-K8S-1.9:5.2.10"},
	    {"windowsHostProcess", "CIS-K8S-1.9:5.2.11"},
	    {"hostPathVolumes", "CIS-K8S-1.9:5.2.12"},
	    {"hostPorts", "CIS-K8S-1.9:5.2.13"},
	    {"seccompProfile_restricted", "CIS-K8S-1.9:5.7.2"},
	};
	(void)f;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (streq(c->name, map[i].check))
			return map[i].ref;
	return NULL;
}

static int finding_json(const struct k8s_finding *x, json_t *into)
{
	const struct k8s_object *o = x->obj;
	char ver[16], hex[BH_DIGEST_STR_LEN + 1];
	k8s_pss_version_format(x->minor, ver, sizeof(ver));
	_cleanup_buf_ struct buf target, msg, title, idsrc;
	buf_init(&target, 0);
	buf_init(&msg, 0);
	buf_init(&title, 0);
	buf_init(&idsrc, 0);
	int r = target_name(o, &target);
	if (r >= 0)
		r = buf_printf(&msg, "%s violates PodSecurity \"%s:%s\": %s (%s)", buf_str(&target),
			       k8s_pss_level_name(x->level), ver, x->check->title, x->detail);
	if (r >= 0)
		r = buf_printf(&title, "Pod Security Standards (%s): %s",
			       k8s_pss_level_name(x->check->level), x->check->title);
	if (r >= 0)
		r = buf_printf(&idsrc, "misconfiguration\n%s\n%s\n%s:%u", x->check->id,
			       buf_str(&target), o->path, o->line);
	if (r >= 0)
		r = bh_sha256_str(idsrc.ptr, idsrc.len, hex);
	if (r < 0)
		return r;
	const char *digits = strchr(hex, ':') ? strchr(hex, ':') + 1 : hex;
	char id[40];
	r = xsnprintf(id, sizeof(id), "%.32s", digits);
	if (r < 0)
		return r;
	const char *cis = cis_ref(x->check, x);
	json_t *f =
	    json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:[s]}, s:{s:s, s:s}, s:{s:s, s:I}, s:s, "
		      "s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:[]}",
		      "schema", "bulkhead.finding/v1", "id", id, "kind", "misconfiguration",
		      "severity", x->check->level == K8S_PSS_RESTRICTED ? "medium" : "high", "rule",
		      "id", x->check->id, "title", buf_str(&title), "refs", PSS_DOC, "target",
		      "type", "workload", "name", buf_str(&target), "location", "path", o->path,
		      "line", (json_int_t)o->line, "message", buf_str(&msg), "evidence", "check",
		      x->check->name, "level", k8s_pss_level_name(x->level), "version", ver,
		      "apiVersion", o->api_version, "podSpec", o->pod_path ? o->pod_path : "",
		      "detail", x->detail, "remediation", x->check->remediation, "compliance");
	if (!f)
		return -ENOMEM;
	if (cis && json_array_append_new(json_object_get(f, "compliance"), json_string(cis)) < 0) {
		json_decref(f);
		return -ENOMEM;
	}
	return bh_json_append_new(into, f);
}

/* The finding id: 32 hex digits of SHA-256 over kind, rule, target and location. */
static int finding_id(const char *rule_id, const char *target, const struct k8s_object *o,
		      char id[static 40])
{
	char hex[BH_DIGEST_STR_LEN + 1];
	_cleanup_buf_ struct buf idsrc;
	buf_init(&idsrc, 0);
	int r = buf_printf(&idsrc, "misconfiguration\n%s\n%s\n%s:%u", rule_id, target, o->path,
			   o->line);
	if (r >= 0)
		r = bh_sha256_str(idsrc.ptr, idsrc.len, hex);
	if (r < 0)
		return r;
	const char *digits = strchr(hex, ':') ? strchr(hex, ':') + 1 : hex;
	return xsnprintf(id, 40, "%.32s", digits);
}

static int hard_finding_json(const struct k8s_finding *x, json_t *into)
{
	const struct k8s_object *o = x->obj;
	const struct k8s_hard_check *c = x->hard;
	_cleanup_buf_ struct buf target, msg;
	buf_init(&target, 0);
	buf_init(&msg, 0);
	char id[40];
	int r = target_name(o, &target);
	if (r >= 0)
		r = buf_printf(&msg, "%s: %s (%s)", buf_str(&target), c->title, x->detail);
	if (r >= 0)
		r = finding_id(c->id, buf_str(&target), o, id);
	if (r < 0)
		return r;
	json_t *f = json_pack(
	    "{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:[]}, s:{s:s, s:s}, s:{s:s, s:I}, s:s, "
	    "s:{s:s, s:s, s:s, s:s}, s:s, s:[]}",
	    "schema", "bulkhead.finding/v1", "id", id, "kind", "misconfiguration", "severity",
	    k8s_severity_name(c->severity), "rule", "id", c->id, "title", c->title, "refs",
	    "target", "type", "workload", "name", buf_str(&target), "location", "path", o->path,
	    "line", (json_int_t)o->line, "message", buf_str(&msg), "evidence", "check", c->name,
	    "apiVersion", o->api_version, "podSpec", o->pod_path ? o->pod_path : "", "detail",
	    x->detail, "remediation", c->remediation, "compliance");
	if (!f)
		return -ENOMEM;
	json_t *comp = json_object_get(f, "compliance");
	for (size_t i = 0; i < K8S_HARD_MAX_REFS && c->refs[i]; i++)
		if (bh_json_append_str(comp, c->refs[i]) < 0) {
			json_decref(f);
			return -ENOMEM;
		}
	return bh_json_append_new(into, f);
}

static int suppressed_json(const struct k8s_suppressed *x, json_t *into)
{
	_cleanup_buf_ struct buf target;
	buf_init(&target, 0);
	if (target_name(x->obj, &target) < 0)
		return -ENOMEM;
	json_t *v = json_pack("{s:s, s:s, s:{s:s, s:I}, s:s}", "rule", x->rule_id, "target",
			      buf_str(&target), "location", "path", x->obj->path, "line",
			      (json_int_t)x->obj->line, "note",
			      "suppressed by annotation " K8S_IGNORE_ANNOTATION);
	return v ? bh_json_append_new(into, v) : -ENOMEM;
}

static const char *sets_name(const struct k8s_check_opts *opts)
{
	return opts->no_pss ? (opts->hardening ? "hardening" : "none")
			    : (opts->hardening ? "pss,hardening" : "pss");
}

int k8s_check_report_json(const struct k8s_manifests *m, const struct k8s_check_opts *opts,
			  const struct k8s_check_report *rep, FILE *f)
{
	char ver[16];
	k8s_pss_version_format(opts->has_version ? opts->minor : K8S_PSS_LATEST, ver, sizeof(ver));
	_cleanup_json_ json_t *doc = json_pack(
	    "{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:I, s:I, s:I, s:I, s:I}, s:[], s:[], s:[]}",
	    "schema", "bulkhead.k8s-check/v1", "tool", "name", "bulkhead", "version",
	    BULKHEAD_VERSION, "policy", "level",
	    opts->has_level ? k8s_pss_level_name(opts->level) : "namespace", "version",
	    opts->has_version ? ver : (opts->has_level ? "latest" : "namespace"), "checks",
	    sets_name(opts), "summary", "files", (json_int_t)m->n_files, "objects",
	    (json_int_t)m->n, "workloads", (json_int_t)rep->n_workloads, "findings",
	    (json_int_t)rep->n, "suppressed", (json_int_t)rep->n_sup, "notes", "findings",
	    "suppressed");
	if (!doc)
		return -ENOMEM;
	json_t *notes = json_object_get(doc, "notes"), *findings = json_object_get(doc, "findings");
	for (size_t i = 0; i < m->notes.n; i++)
		if (bh_json_append_str(notes, m->notes.v[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < rep->notes.n; i++)
		if (bh_json_append_str(notes, rep->notes.v[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < rep->n; i++) {
		int r = rep->f[i].hard ? hard_finding_json(&rep->f[i], findings)
				       : finding_json(&rep->f[i], findings);
		if (r < 0)
			return r;
	}
	json_t *sup = json_object_get(doc, "suppressed");
	for (size_t i = 0; i < rep->n_sup; i++) {
		int r = suppressed_json(&rep->sup[i], sup);
		if (r < 0)
			return r;
	}
	return bh_json_dump_file(doc, f);
}

int k8s_check_report_table(const struct k8s_manifests *m, const struct k8s_check_report *rep,
			   FILE *f)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct k8s_finding *x = &rep->f[i];
		char ver[16];
		k8s_pss_version_format(x->minor, ver, sizeof(ver));
		_cleanup_buf_ struct buf target;
		buf_init(&target, 0);
		if (target_name(x->obj, &target) < 0)
			return -ENOMEM;
		if (x->hard) {
			char sev[16];
			const char *sn = k8s_severity_name(x->hard->severity);
			size_t k = 0;
			for (; sn[k] && k + 1 < sizeof(sev); k++)
				sev[k] = (char)(sn[k] - 'a' + 'A');
			sev[k] = '\0';
			if (fprintf(f, "%s:%u: %s %s %s [hardening] %s: %s\n", x->obj->path,
				    x->obj->line, sev, x->hard->id, buf_str(&target),
				    x->hard->title, x->detail) < 0)
				return -EIO;
			continue;
		}
		if (fprintf(f, "%s:%u: %s %s %s [%s:%s] %s: %s\n", x->obj->path, x->obj->line,
			    x->check->level == K8S_PSS_RESTRICTED ? "MEDIUM" : "HIGH", x->check->id,
			    buf_str(&target), k8s_pss_level_name(x->level), ver, x->check->title,
			    x->detail) < 0)
			return -EIO;
	}
	if (fprintf(f, "%zu finding%s in %zu workload%s (%zu object%s, %zu file%s)", rep->n,
		    rep->n == 1 ? "" : "s", rep->n_workloads, rep->n_workloads == 1 ? "" : "s",
		    m->n, m->n == 1 ? "" : "s", m->n_files, m->n_files == 1 ? "" : "s") < 0)
		return -EIO;
	if (rep->n_sup && fprintf(f, ", %zu suppressed by " K8S_IGNORE_ANNOTATION, rep->n_sup) < 0)
		return -EIO;
	if (fputc('\n', f) == EOF)
		return -EIO;
	return 0;
}
