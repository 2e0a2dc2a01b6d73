/* SPDX-License-Identifier: Apache-2.0 */
/*
 * risk.c — the risk model of `bulkhead risk` (docs/risk-model.md): workloads from the
 * manifests, their images matched to the store's scans, and one weighted factor per signal.
 * Gathering is in four passes, each linear in its input: the manifests (exposure,
 * reachability, RBAC, Pod Security Standards and hardening per workload), the store's runs
 * (which scan stands for which image), the store's open findings of those scans, and the
 * store's behaviour baselines (only those naming a workload and image of the manifests are
 * parsed). The store is only read; no SQL here (src/store/ hides it).
 */
#include <fnmatch.h>
#include <stdarg.h>

#include "common/json.h"
#include "common/timeutil.h"
#include "k8s/hardening.h"
#include "k8s/netpol.h"
#include "k8s/pss.h"
#include "k8s/rbac.h"
#include "report/risk.h"
#include "report/texttable.h"
#include "runtime/baseline.h"
#include "store/store.h"

/* ---- the model ---------------------------------------------------------------------------- */

static const struct risk_model_factor model[_RISK_F_MAX] = {
    [RISK_F_VULN_SEVERITY] = {"vuln-severity", "vulnerability severity", RISK_CAT_VULNERABILITY, 22,
			      "P / (P + 10), P = 10 per critical, 4 per high, 1 per medium or "
			      "unknown, 0.25 per low open vulnerability of the images"},
    [RISK_F_VULN_FIXABLE] = {"vuln-fixable", "fix available", RISK_CAT_VULNERABILITY, 5,
			     "F / (F + 10), F = the points P of the vulnerabilities that have a "
			     "fixed version"},
    [RISK_F_VULN_EXPLOITED] =
	{"vuln-exploited", "known exploitation", RISK_CAT_VULNERABILITY, 8,
	 "1 when a finding's evidence says known_exploited or kev (CISA KEV); "
	 "unknown when the findings carry no such field"},
    [RISK_F_NOT_SCANNED] = {"image-not-scanned", "image not scanned", RISK_CAT_VULNERABILITY, 0,
			    "share of the images without a scan.vuln run in the store; their share "
			    "of the vulnerability weights is unknown"},
    [RISK_F_EXTERNAL] = {"external-exposure", "external exposure", RISK_CAT_EXPOSURE, 14,
			 "1 for a LoadBalancer, Ingress or externalIPs Service, 0.8 NodePort, "
			 "0.6 hostNetwork or hostPort"},
    [RISK_F_REACH] = {"network-reachability", "network reachability", RISK_CAT_EXPOSURE, 6,
		      "NetworkPolicies admit: 0.5 from outside the cluster + 0.5 from every "
		      "namespace; 0.25 from some other namespaces; 0.1 from its own only"},
    [RISK_F_PRIVILEGED] = {"privileged", "privileged container", RISK_CAT_PRIVILEGE, 7,
			   "1 when a container is privileged or a Windows HostProcess "
			   "(BH-K8S-PSS-002, -011)"},
    [RISK_F_HOST_NAMESPACES] = {"host-namespaces", "host namespaces", RISK_CAT_PRIVILEGE, 3,
				"1 with hostPID, hostIPC or hostNetwork (BH-K8S-PSS-001)"},
    [RISK_F_HOST_MOUNTS] =
	{"host-mounts", "host path mounts", RISK_CAT_PRIVILEGE, 4,
	 "1 for a runtime socket, sensitive or writable host path "
	 "(BH-K8S-HARD-024..026), 0.5 for other hostPath volumes (BH-K8S-PSS-004)"},
    [RISK_F_CAPABILITIES] = {"capabilities", "added capabilities", RISK_CAT_PRIVILEGE, 3,
			     "1 for capabilities beyond the default set or dangerous ones "
			     "(BH-K8S-PSS-003, BH-K8S-HARD-019), 0.3 when ALL is not dropped "
			     "(BH-K8S-PSS-018)"},
    [RISK_F_ROOT] = {"runs-as-root", "runs as root", RISK_CAT_PRIVILEGE, 2,
		     "1 for runAsUser 0, or no runAsNonRoot and an image USER of root "
		     "(BH-IMG-001 in the image's scan.config run); 0.5 when the image decides and "
		     "its configuration was not scanned"},
    [RISK_F_RBAC] =
	{"service-account-rbac", "service account RBAC", RISK_CAT_PRIVILEGE, 6,
	 "the strongest grant of the pod's service account: 1 wildcard, escalate, bind, "
	 "impersonate, create clusterrolebindings; 0.8 create pods, workloads, "
	 "rolebindings, pods/exec; 0.7 read secrets, mint tokens; x0.6 when only in "
	 "its namespace, x0.25 when the token is not mounted"},
    [RISK_F_ENVIRONMENT] = {"environment", "environment", RISK_CAT_ENVIRONMENT, 10,
			    "1 production, 0.5 unknown, 0 non-production (patterns, then the "
			    "environment label, then the namespace name)"},
    [RISK_F_RUNTIME_ALERTS] = {"runtime-alerts", "runtime alerts", RISK_CAT_RUNTIME, 6,
			       "A / (A + 5), A = 5 per critical, 3 per high, 1 per medium or "
			       "unknown, 0.3 per low alert of runs of kind runtime in the window"},
    [RISK_F_VULN_IN_USE] = {"vuln-in-use", "vulnerable packages in use", RISK_CAT_RUNTIME, 4,
			    "U / (U + 10), U = the points P of the vulnerabilities whose package "
			    "had a file executed or opened per the workload's behaviour baseline; "
			    "vulnerabilities of packages never loaded count x0.25 in severity and "
			    "fix; unknown without a baseline"},
};

const struct risk_model_factor *risk_model(void)
{
	return model;
}

const char *risk_category_name(enum risk_category c)
{
	static const char *const names[_RISK_CAT_MAX] = {"vulnerability", "exposure", "privilege",
							 "environment", "runtime"};
	return c < _RISK_CAT_MAX ? names[c] : "";
}

const char *risk_env_name(enum risk_env e)
{
	static const char *const names[_RISK_ENV_MAX] = {"unknown", "production", "non-production"};
	return e < _RISK_ENV_MAX ? names[e] : "";
}

/* ---- small helpers ------------------------------------------------------------------------- */

static bool str_empty(const char *s)
{
	return !s || !*s;
}

static json_t *json_walk(json_t *v, const char *path)
{
	while (v && *path) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		char key[64];
		if (len >= sizeof(key))
			return NULL;
		memcpy(key, path, len);
		key[len] = '\0';
		v = json_object_get(v, key);
		path += len + (dot ? 1 : 0);
	}
	return v;
}

static int ev_add(const struct risk_opts *o, struct risk_factor *f, enum risk_ev_type type,
		  const char *ref, int64_t run, const char *detail)
{
	if (f->n_ev >= o->max_evidence) {
		f->n_ev_omitted++;
		return 0;
	}
	for (size_t i = 0; i < f->n_ev; i++)
		if (f->ev[i].type == type && streq(f->ev[i].ref, ref) &&
		    streq_ptr(f->ev[i].detail, detail))
			return 0;
	if (GROW(f->ev, f->n_ev, f->cap_ev) < 0)
		return -ENOMEM;
	struct risk_evidence e = {.type = type, .run = run};
	e.ref = strdup(ref);
	if (!e.ref || strdup_opt(detail, &e.detail) < 0) {
		free(e.ref);
		return -ENOMEM;
	}
	f->ev[f->n_ev++] = e;
	return 0;
}

static int ev_obj(const struct risk_opts *o, struct risk_factor *f, const struct k8s_object *obj,
		  const char *detail)
{
	char ref[1100];
	if (xsnprintf(ref, sizeof(ref), "%s:%u", obj->path ? obj->path : "-", obj->line) < 0)
		(void)xsnprintf(ref, sizeof(ref), "(path too long):%u", obj->line);
	return ev_add(o, f, RISK_EV_MANIFEST, ref, 0, detail);
}

static int ev_id(const struct risk_opts *o, struct risk_factor *f, enum risk_ev_type type,
		 int64_t id, const char *detail)
{
	char ref[32];
	(void)xsnprintf(ref, sizeof(ref), "%lld", (long long)id);
	return ev_add(o, f, type, ref, 0, detail);
}

static int set_detail(struct risk_factor *f, const char *fmt, ...) _printf_(2, 3);
static int set_detail(struct risk_factor *f, const char *fmt, ...)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	char *d = buf_take(&b);
	if (!d)
		return -ENOMEM;
	free(f->detail);
	f->detail = d;
	return 0;
}

static void factor_done(struct risk_factor *f)
{
	for (size_t i = 0; i < f->n_ev; i++) {
		free(f->ev[i].ref);
		free(f->ev[i].detail);
	}
	free(f->ev);
	free(f->detail);
	*f = (struct risk_factor){0};
}

void risk_report_done(struct risk_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		for (size_t k = 0; k < _RISK_F_MAX; k++)
			factor_done(&r->w[i].f[k]);
		strv_done(&r->w[i].images);
	}
	free(r->w);
	strv_done(&r->notes);
	free(r->store_name);
	*r = (struct risk_report){0};
}

/* ---- image references ---------------------------------------------------------------------- */

int risk_image_normalize(const char *ref, char **ret_name, char **ret_digest)
{
	if (str_empty(ref))
		return -EINVAL;
	for (const char *p = ref; *p; p++)
		if (ascii_isspace((unsigned char)*p) || (unsigned char)*p < 0x20)
			return -EINVAL;
	struct span s = span_from(ref), digest = {0};
	const char *at = memchr(s.ptr, '@', s.len);
	if (at) {
		digest = (struct span){at + 1, s.len - (size_t)(at + 1 - s.ptr)};
		s.len = (size_t)(at - s.ptr);
		if (digest.len == 0 || !memchr(digest.ptr, ':', digest.len))
			return -EINVAL;
	}
	if (s.len == 0)
		return -EINVAL;
	/* The tag: after the last ':' that follows the last '/'. */
	struct span tag = {0};
	const char *slash = memrchr(s.ptr, '/', s.len);
	const char *from = slash ? slash + 1 : s.ptr;
	const char *colon = memrchr(from, ':', s.len - (size_t)(from - s.ptr));
	if (colon) {
		tag = (struct span){colon + 1, s.len - (size_t)(colon + 1 - s.ptr)};
		s.len = (size_t)(colon - s.ptr);
		if (tag.len == 0 || s.len == 0)
			return -EINVAL;
	}
	/* The domain: a first component with '.' or ':', or "localhost". */
	struct span domain = span_from("docker.io"), path = s;
	const char *first = memchr(s.ptr, '/', s.len);
	if (first) {
		struct span c = {s.ptr, (size_t)(first - s.ptr)};
		if (memchr(c.ptr, '.', c.len) || memchr(c.ptr, ':', c.len) ||
		    span_eq_str(c, "localhost")) {
			domain = c;
			path = (struct span){first + 1, s.len - c.len - 1};
		}
	}
	if (path.len == 0)
		return -EINVAL;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = 0;
	for (size_t i = 0; i < domain.len && r >= 0; i++)
		r = buf_putc(&b, (char)ascii_tolower((unsigned char)domain.ptr[i]));
	bool hub = streq(buf_str(&b), "docker.io") || streq(buf_str(&b), "index.docker.io") ||
		   streq(buf_str(&b), "registry-1.docker.io");
	if (r >= 0 && hub) {
		buf_clear(&b);
		r = buf_puts(&b, "docker.io");
	}
	if (r >= 0)
		r = buf_putc(&b, '/');
	if (r >= 0 && hub && !memchr(path.ptr, '/', path.len))
		r = buf_puts(&b, "library/");
	if (r >= 0)
		r = buf_append_span(&b, path);
	if (r >= 0 && tag.len)
		r = buf_putc(&b, ':') ?: buf_append_span(&b, tag);
	else if (r >= 0 && !digest.len)
		r = buf_puts(&b, ":latest");
	if (r < 0)
		return r;
	_cleanup_free_ char *d = NULL;
	if (digest.len) {
		d = strndup(digest.ptr, digest.len);
		if (!d)
			return -ENOMEM;
	}
	char *name = buf_take(&b);
	if (!name)
		return -ENOMEM;
	*ret_name = name;
	*ret_digest = TAKE_PTR(d);
	return 0;
}

/* ---- environment --------------------------------------------------------------------------- */

static enum risk_env env_word(struct span w)
{
	static const char *const prod[] = {"prod", "production", "prd", "live"};
	static const char *const dev[] = {"dev",   "development", "test",    "testing", "staging",
					  "stage", "qa",	  "sandbox", "demo"};
	char low[32];
	if (w.len == 0 || w.len >= sizeof(low))
		return RISK_ENV_UNKNOWN;
	for (size_t i = 0; i < w.len; i++)
		low[i] = (char)ascii_tolower((unsigned char)w.ptr[i]);
	low[w.len] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(prod); i++)
		if (streq(low, prod[i]))
			return RISK_ENV_PROD;
	for (size_t i = 0; i < ARRAY_SIZE(dev); i++)
		if (streq(low, dev[i]))
			return RISK_ENV_DEV;
	return RISK_ENV_UNKNOWN;
}

static const char *kv_get(const struct k8s_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (streq(kv[i].key, key))
			return kv[i].value;
	return NULL;
}

enum risk_env risk_environment(const struct risk_opts *o, const char *ns,
			       const struct k8s_kv *wl_labels, size_t n_wl,
			       const struct k8s_kv *ns_labels, size_t n_ns, char **ret_why)
{
	const char *key = o->env_label ? o->env_label : "environment";
	_cleanup_buf_ struct buf why;
	buf_init(&why, 0);
	enum risk_env e = RISK_ENV_UNKNOWN;
	int r = 0;
	for (size_t i = 0; i < o->n_prod && e == RISK_ENV_UNKNOWN; i++)
		if (fnmatch(o->prod[i], ns, 0) == 0) {
			e = RISK_ENV_PROD;
			r = buf_printf(&why, "namespace '%s' matches --prod '%s'", ns, o->prod[i]);
		}
	for (size_t i = 0; i < o->n_dev && e == RISK_ENV_UNKNOWN; i++)
		if (fnmatch(o->dev[i], ns, 0) == 0) {
			e = RISK_ENV_DEV;
			r = buf_printf(&why, "namespace '%s' matches --dev '%s'", ns, o->dev[i]);
		}
	const char *v = NULL;
	if (e == RISK_ENV_UNKNOWN && (v = kv_get(wl_labels, n_wl, key))) {
		e = env_word(span_from(v));
		if (e != RISK_ENV_UNKNOWN)
			r = buf_printf(&why, "workload label %s=%s", key, v);
	}
	const char *nv = NULL;
	if (e == RISK_ENV_UNKNOWN && (nv = kv_get(ns_labels, n_ns, key))) {
		e = env_word(span_from(nv));
		if (e != RISK_ENV_UNKNOWN)
			r = buf_printf(&why, "namespace label %s=%s", key, nv);
	}
	if (e == RISK_ENV_UNKNOWN) {
		/* The words of the namespace name: "shop-prod", "payments_staging". */
		struct span s = span_from(ns);
		size_t start = 0;
		for (size_t i = 0; i <= s.len && e == RISK_ENV_UNKNOWN; i++) {
			if (i < s.len && s.ptr[i] != '-' && s.ptr[i] != '_' && s.ptr[i] != '.')
				continue;
			e = env_word(span_slice(s, start, i - start));
			start = i + 1;
		}
		if (e != RISK_ENV_UNKNOWN)
			r = buf_printf(&why, "namespace name '%s'", ns);
		else if (v || nv)
			r = buf_printf(&why, "label %s=%s names no known environment", key,
				       v ? v : nv);
		else
			r = buf_printf(&why,
				       "no --prod/--dev pattern, '%s' label or word of the "
				       "namespace name '%s' says it",
				       key, ns);
	}
	if (ret_why)
		*ret_why = r < 0 ? NULL : buf_take(&why);
	return e;
}

/* ---- images and the store ------------------------------------------------------------------ */

enum { SEV_UNKNOWN, SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL, _SEV_MAX };

static int sev_parse(const char *s)
{
	static const char *const names[_SEV_MAX] = {"unknown", "info", "low",
						    "medium",  "high", "critical"};
	for (int i = 0; i < _SEV_MAX; i++)
		if (streq_ptr(s, names[i]))
			return i;
	return SEV_UNKNOWN;
}

static const char *const sev_names[_SEV_MAX] = {"unknown", "info", "low",
						"medium",  "high", "critical"};

/* Points of a vulnerability and of a runtime alert, by severity. */
static const double vuln_points[_SEV_MAX] = {1, 0, 0.25, 1, 4, 10};
static const double alert_points[_SEV_MAX] = {1, 0, 0.3, 1, 3, 5};

struct vfind {
	char *id, *rule;
	int64_t run;
	int sev;
	bool fixed, exploited;
	/* evidence.package_files of a recorded scan (a reference), NULL when not recorded */
	json_t *files;
	bool files_cut; /* evidence.package_files_omitted > 0 */
	char *pkg;	/* location.package ("name@version"), "" when absent */
	char *pkgkey;	/* pkg "\n" location.path: one package of the image */
};

/* ---- behaviour baselines (the vuln-in-use factor) ----------------------------------------- */

/* What a workload's baselines say about a vulnerable package; ordered: the best known wins. */
enum use { USE_UNKNOWN, USE_NOT_LOADED, USE_USED };

struct bl_pat {
	char *path; /* a fact with '*' (e.g. /proc/\*\/maps) */
	int type;
};

/* A baseline in the store naming a workload and image of the manifests. */
struct bl_entry {
	char *workload; /* its workload id, the store's key */
	int64_t version;
	char *mode;
	json_t *exact; /* exec, file_read and sensitive_read paths (usr_merged) -> type */
	struct bl_pat *pat;
	size_t n_pat, cap_pat;
	bool incomplete; /* one of those types overflowed: "never loaded" cannot be said */
};

/* Baseline bl applies to image slot `slot` of workload `wl` (index before ranking). */
struct bl_match {
	size_t wl, slot, bl;
};

struct use_info {
	enum use use;
	const char *file; /* USE_USED: the package's file seen (borrowed from its vfind) */
	int type;	  /* USE_USED: the fact type that saw it */
	size_t bl;     /* the baseline that saw it (else the first one checked); SIZE_MAX: none */
	bool no_files; /* USE_UNKNOWN: the scan recorded no files of the package */
};

struct img_slot {
	char *name, *digest; /* normalised (owned) */
	char *ref;	     /* first spelling seen in a pod spec (owned) */
	/* the scan.vuln run standing for the image */
	int64_t vrun, vtime;
	bool v_by_digest;
	char *vscope, *vdigest; /* its target name and digest */
	/* the scan.config run */
	int64_t crun;
	bool c_by_digest;
	char *cscope;
	char *root_id; /* open BH-IMG-001 finding id, NULL when none */
	int64_t root_run;
	/* open vulnerability findings of vscope */
	struct vfind *vf;
	size_t n_vf, cap_vf;
	bool kev_data;
};

struct gather {
	const struct risk_opts *o;
	struct img_slot *img;
	size_t n_img, cap_img;
	json_t *by_key;	   /* name "\n" digest -> slot */
	json_t *by_name;   /* name -> [slots] */
	json_t *by_digest; /* digest -> [slots] */
	json_t *vscopes;   /* target name -> [slots] */
	json_t *cscopes;
	/* runtime */
	bool has_runtime;
	json_t *wl_by_id;	  /* "ns/Kind/name" -> workload index */
	json_t *wl_by_name;	  /* "ns/name" -> workload index (first) */
	struct risk_workload *wl; /* for runtime matches */
	double *alert_points;	  /* per workload */
	size_t *alert_count;	  /* per workload */
	int64_t runtime_runs_seen;
	/* behaviour baselines */
	json_t *wl_by_owner; /* "ns/owner" -> [workload indices] */
	struct bl_entry *bl;
	size_t n_bl, cap_bl;
	struct bl_match *blm; /* sorted by workload, slot, baseline once gathered */
	size_t n_blm, cap_blm;
	size_t n_bl_seen; /* baselines in the store (latest versions) */
	struct strv notes;
};

static void slot_done(struct img_slot *s)
{
	free(s->name);
	free(s->digest);
	free(s->ref);
	free(s->vscope);
	free(s->vdigest);
	free(s->cscope);
	free(s->root_id);
	for (size_t i = 0; i < s->n_vf; i++) {
		free(s->vf[i].id);
		free(s->vf[i].rule);
		json_decref(s->vf[i].files);
		free(s->vf[i].pkg);
		free(s->vf[i].pkgkey);
	}
	free(s->vf);
}

static void bl_entry_done(struct bl_entry *e)
{
	free(e->workload);
	free(e->mode);
	json_decref(e->exact);
	for (size_t i = 0; i < e->n_pat; i++)
		free(e->pat[i].path);
	free(e->pat);
}

static void gather_done(struct gather *g)
{
	for (size_t i = 0; i < g->n_img; i++)
		slot_done(&g->img[i]);
	free(g->img);
	json_decref(g->by_key);
	json_decref(g->by_name);
	json_decref(g->by_digest);
	json_decref(g->vscopes);
	json_decref(g->cscopes);
	json_decref(g->wl_by_id);
	json_decref(g->wl_by_name);
	free(g->alert_points);
	free(g->alert_count);
	json_decref(g->wl_by_owner);
	for (size_t i = 0; i < g->n_bl; i++)
		bl_entry_done(&g->bl[i]);
	free(g->bl);
	free(g->blm);
	strv_done(&g->notes);
}

/* Append slot index i to the array under key in map. */
static int map_push(json_t *map, const char *key, size_t i)
{
	json_t *a = json_object_get(map, key);
	if (!a) {
		a = json_array();
		if (!a || json_object_set_new(map, key, a) < 0)
			return -ENOMEM;
	}
	return json_array_append_new(a, json_integer((json_int_t)i)) < 0 ? -ENOMEM : 0;
}

/* The slot of an image reference (made on first use); *ret = SIZE_MAX when not a reference. */
static int slot_for(struct gather *g, const char *ref, size_t *ret)
{
	*ret = SIZE_MAX;
	_cleanup_free_ char *name = NULL, *digest = NULL;
	int r = risk_image_normalize(ref, &name, &digest);
	if (r == -EINVAL)
		return 0;
	if (r < 0)
		return r;
	_cleanup_buf_ struct buf key;
	buf_init(&key, 0);
	r = buf_printf(&key, "%s\n%s", name, digest ? digest : "");
	if (r < 0)
		return r;
	json_t *have = json_object_get(g->by_key, buf_str(&key));
	if (have) {
		*ret = (size_t)json_integer_value(have);
		return 0;
	}
	if (GROW(g->img, g->n_img, g->cap_img) < 0)
		return -ENOMEM;
	size_t i = g->n_img;
	struct img_slot s = {0};
	s.ref = strdup(ref);
	if (!s.ref)
		return -ENOMEM;
	s.name = TAKE_PTR(name);
	s.digest = TAKE_PTR(digest);
	g->img[g->n_img++] = s;
	if (json_object_set_new(g->by_key, buf_str(&key), json_integer((json_int_t)i)) < 0 ||
	    map_push(g->by_name, s.name, i) < 0 ||
	    (s.digest && map_push(g->by_digest, s.digest, i) < 0))
		return -ENOMEM;
	*ret = i;
	return 0;
}

struct run_ctx {
	struct gather *g;
	bool config; /* scan.config (else scan.vuln) */
};

static int match_run(struct gather *g, struct img_slot *s, size_t i, const struct store_run_row *rr,
		     bool config, bool by_digest)
{
	int64_t *run = config ? &s->crun : &s->vrun;
	bool *byd = config ? &s->c_by_digest : &s->v_by_digest;
	/* Runs come newest first: the first match wins, a digest match over a name match. */
	if (*run && (*byd || !by_digest))
		return 0;
	char **scope = config ? &s->cscope : &s->vscope;
	json_t *scopes = config ? g->cscopes : g->vscopes;
	char *name = strdup(rr->target_name);
	if (!name)
		return -ENOMEM;
	free(*scope);
	*scope = name;
	*run = rr->id;
	*byd = by_digest;
	if (!config) {
		s->vtime = rr->time;
		free(s->vdigest);
		s->vdigest = NULL;
		if (strdup_opt(rr->target_digest, &s->vdigest) < 0)
			return -ENOMEM;
	}
	return map_push(scopes, name, i);
}

static int run_cb(void *u, const struct store_run_row *rr)
{
	struct run_ctx *x = u;
	struct gather *g = x->g;
	if (str_empty(rr->target_name))
		return 0;
	int r = 0;
	if (!str_empty(rr->target_digest)) {
		json_t *a = json_object_get(g->by_digest, rr->target_digest);
		for (size_t k = 0; r >= 0 && k < json_array_size(a); k++) {
			size_t i = (size_t)json_integer_value(json_array_get(a, k));
			r = match_run(g, &g->img[i], i, rr, x->config, true);
		}
	}
	_cleanup_free_ char *name = NULL, *digest = NULL;
	int q = risk_image_normalize(rr->target_name, &name, &digest);
	if (q == -ENOMEM)
		return q;
	if (q < 0 || r < 0)
		return r;
	json_t *a = json_object_get(g->by_name, name);
	for (size_t k = 0; r >= 0 && k < json_array_size(a); k++) {
		size_t i = (size_t)json_integer_value(json_array_get(a, k));
		/* A scan named by digest stands for a pinned image only. */
		if (digest && !streq_ptr(digest, g->img[i].digest))
			continue;
		r = match_run(g, &g->img[i], i, rr, x->config, false);
	}
	if (digest && r >= 0) {
		json_t *d = json_object_get(g->by_digest, digest);
		for (size_t k = 0; r >= 0 && k < json_array_size(d); k++) {
			size_t i = (size_t)json_integer_value(json_array_get(d, k));
			r = match_run(g, &g->img[i], i, rr, x->config, true);
		}
	}
	return r;
}

static bool evidence_exploited(const json_t *ev, bool *ret_has)
{
	const json_t *ke = json_object_get(ev, "known_exploited");
	const json_t *kev = json_object_get(ev, "kev");
	*ret_has = ke || kev;
	return json_is_true(ke) || json_is_true(kev) || json_is_object(kev);
}

static int vuln_cb(void *u, const struct store_finding_state *f)
{
	struct gather *g = u;
	json_t *a = json_object_get(g->vscopes, f->target_name);
	if (!a)
		return 0;
	const json_t *ev = json_object_get(f->finding, "evidence");
	/* Suppressed by a VEX statement (not_affected, fixed): not a vulnerability here. */
	if (json_object_get(ev, "vex"))
		return 0;
	bool has_kev;
	bool exploited = evidence_exploited(ev, &has_kev);
	bool fixed = json_is_string(json_object_get(ev, "fixed"));
	json_t *files = json_object_get(ev, "package_files");
	json_t *omitted = json_object_get(ev, "package_files_omitted");
	const json_t *loc = json_object_get(f->finding, "location");
	const char *pkg = bh_json_str(loc, "package");
	const char *rule = f->rule_id;
	_cleanup_buf_ struct buf key;
	buf_init(&key, 0);
	if (buf_printf(&key, "%s\n%s", pkg ? pkg : "", bh_json_str(loc, "path") ?: "") < 0)
		return -ENOMEM;
	for (size_t k = 0; k < json_array_size(a); k++) {
		struct img_slot *s = &g->img[json_integer_value(json_array_get(a, k))];
		if (!streq_ptr(s->vscope, f->target_name))
			continue;
		if (GROW(s->vf, s->n_vf, s->cap_vf) < 0)
			return -ENOMEM;
		struct vfind v = {.run = f->last_run_id,
				  .sev = sev_parse(f->severity),
				  .fixed = fixed,
				  .exploited = exploited,
				  .files_cut = json_integer_value(omitted) > 0};
		v.id = strdup(f->id);
		v.rule = strdup(rule ? rule : "");
		v.pkg = strdup(pkg ? pkg : "");
		v.pkgkey = strdup(buf_str(&key));
		if (!v.id || !v.rule || !v.pkg || !v.pkgkey) {
			free(v.id);
			free(v.rule);
			free(v.pkg);
			free(v.pkgkey);
			return -ENOMEM;
		}
		if (json_is_array(files))
			v.files = json_incref(files);
		s->vf[s->n_vf++] = v;
		s->kev_data |= has_kev;
	}
	return 0;
}

static int config_cb(void *u, const struct store_finding_state *f)
{
	struct gather *g = u;
	if (!streq_ptr(f->rule_id, "BH-IMG-001"))
		return 0;
	json_t *a = json_object_get(g->cscopes, f->target_name);
	for (size_t k = 0; k < json_array_size(a); k++) {
		struct img_slot *s = &g->img[json_integer_value(json_array_get(a, k))];
		if (!streq_ptr(s->cscope, f->target_name) || s->root_id)
			continue;
		s->root_id = strdup(f->id);
		if (!s->root_id)
			return -ENOMEM;
		s->root_run = f->last_run_id;
	}
	return 0;
}

static int any_run_cb(void *u, const struct store_run_row *rr)
{
	(void)rr;
	*(bool *)u = true;
	return 1; /* one is enough */
}

/* The workload a runtime finding is about, or SIZE_MAX. */
static size_t runtime_workload(const struct gather *g, const struct store_finding_state *f)
{
	char key[1024];
	const json_t *t = json_object_get(f->finding, "target");
	const char *ns = f->namespace, *wl = f->workload;
	if (str_empty(ns))
		ns = bh_json_str(t, "namespace");
	if (str_empty(wl))
		wl = bh_json_str(t, "workload");
	/* A workload target named "namespace/Kind/name". */
	if ((str_empty(ns) || str_empty(wl)) && streq_ptr(f->target_type, "workload") &&
	    !str_empty(f->target_name)) {
		json_t *v = json_object_get(g->wl_by_id, f->target_name);
		return v ? (size_t)json_integer_value(v) : SIZE_MAX;
	}
	if (str_empty(ns) || str_empty(wl))
		return SIZE_MAX;
	if (xsnprintf(key, sizeof(key), "%s/%s", ns, wl) < 0)
		return SIZE_MAX;
	json_t *v = json_object_get(g->wl_by_id, key);
	if (v)
		return (size_t)json_integer_value(v);
	/* A pod of a controller: "Pod/web-7d9f8b6c5-x2x4z" -> "web-7d9f8b6c5", "web". */
	if (strncmp(wl, "Pod/", 4) != 0)
		return SIZE_MAX;
	if (xsnprintf(key, sizeof(key), "%s/%s", ns, wl + 4) < 0)
		return SIZE_MAX;
	size_t pre = strlen(ns) + 1;
	for (int cut = 0; cut < 3; cut++) {
		char *dash = strrchr(key + pre, '-');
		if (!dash)
			break;
		*dash = '\0';
		v = json_object_get(g->wl_by_name, key);
		if (v)
			return (size_t)json_integer_value(v);
	}
	return SIZE_MAX;
}

static int runtime_cb(void *u, const struct store_finding_state *f)
{
	struct gather *g = u;
	size_t i = runtime_workload(g, f);
	if (i == SIZE_MAX)
		return 0;
	g->alert_points[i] += alert_points[sev_parse(f->severity)];
	g->alert_count[i]++;
	struct risk_factor *rf = &g->wl[i].f[RISK_F_RUNTIME_ALERTS];
	char det[256];
	(void)xsnprintf(det, sizeof(det), "%s %s", f->severity ? f->severity : "",
			f->rule_id ? f->rule_id : "");
	return ev_add(g->o, rf, RISK_EV_FINDING, f->id, f->last_run_id, det);
}

/*
 * Merged /usr (Debian 12, Fedora, Arch, ...): /bin, /sbin and /lib* are links into /usr, so
 * a package lists /lib/x86_64-linux-gnu/libz.so.1 and the kernel reports the process opening
 * /usr/lib/x86_64-linux-gnu/libz.so.1. Both sides compare without the /usr of those
 * directories (a pointer into p).
 */
static const char *usr_merged(const char *p)
{
	static const char *const dirs[] = {"bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/"};
	if (strncmp(p, "/usr/", 5) != 0)
		return p;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (strncmp(p + 5, dirs[i], strlen(dirs[i])) == 0)
			return p + 4;
	return p;
}

/* The fact types that say a file was loaded: run, or opened for reading. */
static const enum baseline_type use_types[] = {BASELINE_EXEC, BASELINE_FILE_READ,
					       BASELINE_SENSITIVE_READ};

/* Parse a stored baseline and index its paths; *ret = its index, SIZE_MAX when invalid. */
static int baseline_load(struct gather *g, const struct store_baseline *sb, size_t *ret)
{
	*ret = SIZE_MAX;
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	struct bh_diag d = {0};
	int r = baseline_import(span_from(sb->doc), NULL, NULL, sb->workload, &b, &d);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		_cleanup_buf_ struct buf n;
		buf_init(&n, 0);
		if (buf_printf(&n,
			       "baseline %s#%lld in the store is not a valid bulkhead.baseline/v1 "
			       "document (%s): not used",
			       sb->workload, (long long)sb->version, d.message) < 0)
			return -ENOMEM;
		return strv_push(&g->notes, buf_str(&n));
	}
	if (GROW(g->bl, g->n_bl, g->cap_bl) < 0)
		return -ENOMEM;
	struct bl_entry *e = &g->bl[g->n_bl++];
	*e = (struct bl_entry){.version = sb->version};
	e->workload = strdup(sb->workload);
	e->mode = strdup(sb->mode ? sb->mode : "");
	e->exact = json_object();
	if (!e->workload || !e->mode || !e->exact)
		return -ENOMEM;
	for (size_t t = 0; t < ARRAY_SIZE(use_types); t++) {
		const struct baseline_set *set = &b->sets[use_types[t]];
		e->incomplete |= set->overflow > 0;
		for (size_t i = 0; i < set->n; i++) {
			const char *a = set->v[i].a;
			if (!a)
				continue;
			if (strchr(a, '*')) {
				if (GROW(e->pat, e->n_pat, e->cap_pat) < 0)
					return -ENOMEM;
				char *c = strdup(a);
				if (!c)
					return -ENOMEM;
				e->pat[e->n_pat++] = (struct bl_pat){c, (int)use_types[t]};
				continue;
			}
			const char *k = usr_merged(a);
			/* exec first: a program run says more than a file read. */
			if (!json_object_get(e->exact, k) &&
			    json_object_set_new_nocheck(e->exact, k,
							json_integer((json_int_t)use_types[t])) < 0)
				return -ENOMEM;
		}
	}
	*ret = g->n_bl - 1;
	return 0;
}

/* Does the image of a baseline (a digest, or a reference normalised) name slot s? */
static bool image_matches(const struct img_slot *s, const char *digest, const char *name)
{
	if (digest)
		return streq_ptr(s->digest, digest) || streq_ptr(s->vdigest, digest);
	return streq_ptr(s->name, name);
}

/*
 * A baseline of the store: "k8s:NS/OWNER@IMAGE" matches the workloads of namespace NS named
 * OWNER (bare Pods: also by their owner name) that run IMAGE. Other forms (container:,
 * image:, host) name no Kubernetes workload.
 */
static int baseline_cb(void *u, const struct store_baseline *b)
{
	struct gather *g = u;
	g->n_bl_seen++;
	const char *id = b->workload;
	if (!id || strncmp(id, "k8s:", 4) != 0)
		return 0;
	const char *at = strchr(id + 4, '@');
	char key[1100];
	size_t klen = at ? (size_t)(at - (id + 4)) : 0;
	if (!at || !at[1] || klen == 0 || klen >= sizeof(key))
		return 0;
	memcpy(key, id + 4, klen);
	key[klen] = '\0';
	json_t *wls = json_object_get(g->wl_by_owner, key);
	if (!wls)
		return 0;
	const char *image = at + 1;
	_cleanup_free_ char *name = NULL, *digest = NULL;
	const char *want_digest = NULL;
	if (strncmp(image, "sha256:", 7) == 0 || strncmp(image, "sha512:", 7) == 0) {
		want_digest = image;
	} else {
		int r = risk_image_normalize(image, &name, &digest);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return 0;
		want_digest = digest;
	}
	size_t bi = SIZE_MAX;
	bool loaded = false;
	for (size_t k = 0; k < json_array_size(wls); k++) {
		size_t wi = (size_t)json_integer_value(json_array_get(wls, k));
		const struct risk_workload *w = &g->wl[wi];
		for (size_t i = 0; i < w->images.n; i++) {
			size_t si;
			int r = slot_for(g, w->images.v[i], &si);
			if (r < 0)
				return r;
			if (si == SIZE_MAX || !image_matches(&g->img[si], want_digest, name))
				continue;
			if (!loaded) {
				r = baseline_load(g, b, &bi);
				if (r < 0)
					return r;
				loaded = true;
			}
			if (bi == SIZE_MAX)
				return 0;
			if (GROW(g->blm, g->n_blm, g->cap_blm) < 0)
				return -ENOMEM;
			g->blm[g->n_blm++] = (struct bl_match){wi, si, bi};
		}
	}
	return 0;
}

static int bl_match_cmp(const void *a, const void *b)
{
	const struct bl_match *x = a, *y = b;
	if (x->wl != y->wl)
		return x->wl < y->wl ? -1 : 1;
	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return x->bl < y->bl ? -1 : x->bl > y->bl;
}

/* The matches of workload wi: g->blm[*ret_from .. *ret_to). */
static void bl_matches_of(const struct gather *g, size_t wi, size_t *ret_from, size_t *ret_to)
{
	size_t lo = 0, hi = g->n_blm;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->blm[mid].wl < wi)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t to = lo;
	while (to < g->n_blm && g->blm[to].wl == wi)
		to++;
	*ret_from = lo;
	*ret_to = to;
}

/*
 * Was a file of v's package executed or opened, per the baselines m[0 .. n) of its image?
 * Used when a file matches a fact exactly or a fact's pattern; never loaded when none does
 * and the package's file list and the baselines are complete; else unknown.
 */
static struct use_info package_use(const struct gather *g, const struct bl_match *m, size_t n,
				   const struct vfind *v)
{
	struct use_info u = {.use = USE_UNKNOWN, .bl = n ? m[0].bl : SIZE_MAX};
	if (!n)
		return u;
	if (!v->files || json_array_size(v->files) == 0) {
		u.no_files = !v->files;
		return u;
	}
	bool incomplete = v->files_cut;
	for (size_t k = 0; k < n; k++)
		incomplete |= g->bl[m[k].bl].incomplete;
	size_t i;
	json_t *f;
	json_array_foreach(v->files, i, f)
	{
		const char *path = json_string_value(f);
		if (!path || path[0] != '/')
			continue;
		const char *c = usr_merged(path);
		for (size_t k = 0; k < n; k++) {
			json_t *t = json_object_get(g->bl[m[k].bl].exact, c);
			if (t)
				return (struct use_info){USE_USED, path, (int)json_integer_value(t),
							 m[k].bl, false};
		}
	}
	for (size_t k = 0; k < n; k++) {
		const struct bl_entry *e = &g->bl[m[k].bl];
		for (size_t p = 0; p < e->n_pat; p++)
			json_array_foreach(v->files, i, f)
			{
				const char *path = json_string_value(f);
				if (path && path[0] == '/' &&
				    baseline_path_match(usr_merged(e->pat[p].path),
							usr_merged(path)))
					return (struct use_info){USE_USED, path, e->pat[p].type,
								 m[k].bl, false};
			}
	}
	u.use = incomplete ? USE_UNKNOWN : USE_NOT_LOADED;
	return u;
}

static int gather_baselines(struct gather *g, struct store *s, struct risk_report *rep)
{
	int r = store_baselines_foreach(s, false, baseline_cb, g);
	if (r < 0)
		return r;
	if (g->n_blm)
		qsort(g->blm, g->n_blm, sizeof(*g->blm), bl_match_cmp);
	rep->n_baselines = g->n_bl;
	return 0;
}

static int gather_store(struct gather *g, struct store *s, struct risk_report *rep)
{
	struct run_ctx rv = {g, false}, rc = {g, true};
	int r = store_runs_foreach(s, "scan.vuln", 0, run_cb, &rv);
	if (r >= 0)
		r = store_runs_foreach(s, "scan.config", 0, run_cb, &rc);
	if (r >= 0 && json_object_size(g->vscopes)) {
		struct store_finding_query q = {
		    .run_kind = "scan.vuln", .kind = "vulnerability", .open_only = true};
		r = store_findings_foreach(s, &q, vuln_cb, g);
	}
	if (r >= 0 && json_object_size(g->cscopes)) {
		struct store_finding_query q = {.run_kind = "scan.config", .open_only = true};
		r = store_findings_foreach(s, &q, config_cb, g);
	}
	bool any = false;
	if (r >= 0)
		r = store_runs_foreach(s, "runtime", 0, any_run_cb, &any);
	if (r > 0)
		r = 0;
	g->has_runtime = any;
	rep->has_runtime = any;
	if (r >= 0 && any) {
		int64_t window = g->o->runtime_window;
		struct store_finding_query q = {
		    .run_kind = "runtime", .since = g->o->now > window ? g->o->now - window : 0};
		r = store_findings_foreach(s, &q, runtime_cb, g);
	}
	/* After the runs: a baseline naming an image by digest matches the scanned digest. */
	if (r >= 0)
		r = gather_baselines(g, s, rep);
	return r < 0 ? r : 0;
}

/* ---- per workload ------------------------------------------------------------------------ */

static bool is_workload(const struct k8s_manifests *m, const struct k8s_object *o)
{
	if (!o->has_pod || !o->pod_path)
		return false;
	switch (o->kind) {
	case K8S_KIND_POD:
	case K8S_KIND_DEPLOYMENT:
	case K8S_KIND_STATEFULSET:
	case K8S_KIND_DAEMONSET:
	case K8S_KIND_REPLICASET:
	case K8S_KIND_JOB:
	case K8S_KIND_CRONJOB:
	case K8S_KIND_REPLICATIONCONTROLLER:
		break;
	default:
		return false;
	}
	/* Owned by a controller among the inputs: the owner stands for it. */
	json_t *owners = json_walk(o->raw, "metadata.ownerReferences");
	for (size_t i = 0; i < json_array_size(owners); i++) {
		json_t *ow = json_array_get(owners, i);
		const char *kind = bh_json_str(ow, "kind"), *name = bh_json_str(ow, "name");
		if (json_is_true(json_object_get(ow, "controller")) && kind && name &&
		    k8s_manifests_find(m, kind, k8s_object_namespace(o), name))
			return false;
	}
	return true;
}

static int collect_images(const struct k8s_object *o, struct strv *out)
{
	json_t *spec = json_walk(o->raw, o->pod_path);
	static const char *const keys[] = {"initContainers", "containers"};
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		json_t *a = json_object_get(spec, keys[k]);
		for (size_t i = 0; i < json_array_size(a); i++) {
			const char *img = bh_json_str(json_array_get(a, i), "image");
			if (!str_empty(img) && strv_push_uniq(out, img) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* Diminishing returns: k points give 0.5, 3k give 0.75, never 1 (no libm needed). */
static double saturate(double points, double k)
{
	return points <= 0 ? 0 : points / (points + k);
}

/* Vulnerabilities of packages a baseline shows never loaded count this much (docs). */
#define NOT_LOADED_WEIGHT 0.25

/* One open vulnerability finding of a workload's image, with what its baselines say. */
struct ventry {
	const struct vfind *v;
	size_t slot;
	struct use_info u;
};

static int ventry_cmp(const void *a, const void *b)
{
	const struct vfind *x = ((const struct ventry *)a)->v, *y = ((const struct ventry *)b)->v;
	if (x->exploited != y->exploited)
		return x->exploited ? -1 : 1;
	if (x->sev != y->sev)
		return y->sev - x->sev;
	if (x->fixed != y->fixed)
		return x->fixed ? -1 : 1;
	int c = strcmp(x->rule, y->rule);
	return c ? c : strcmp(x->id, y->id);
}

/* A vulnerable package of a workload's image, for the vuln-in-use evidence. */
struct pkg_use {
	const char *pkg; /* "name@version" */
	struct use_info u;
	size_t n;      /* its open vulnerabilities */
	double points; /* and their points */
};

static int pkg_use_cmp(const void *a, const void *b)
{
	const struct pkg_use *x = a, *y = b;
	if (x->u.use != y->u.use)
		return x->u.use > y->u.use ? -1 : 1;
	if (x->points != y->points)
		return x->points > y->points ? -1 : 1;
	return strcmp(x->pkg, y->pkg);
}

/* "WORKLOAD#VERSION" of baseline bi (`bulkhead baseline show` takes it). */
static int bl_ref(const struct gather *g, size_t bi, struct buf *out)
{
	buf_clear(out);
	return buf_printf(out, "%s#%lld", g->bl[bi].workload, (long long)g->bl[bi].version);
}

/* The vuln-in-use factor from the per-package uses (sorted here). */
static int score_in_use(struct gather *g, struct risk_workload *w, size_t m0, size_t m1,
			struct pkg_use *pk, size_t n_pk, const size_t ucount[3],
			const double upoints[3])
{
	const struct risk_opts *o = g->o;
	struct risk_factor *f = &w->f[RISK_F_VULN_IN_USE];
	double weight = model[RISK_F_VULN_IN_USE].weight;
	_cleanup_buf_ struct buf bls, ref, det;
	buf_init(&bls, 0);
	buf_init(&ref, 0);
	buf_init(&det, 0);
	/* The baselines, each once (matches are sorted by slot, then baseline). */
	size_t n_bls = 0;
	int r = 0;
	for (size_t k = m0; k < m1 && r >= 0; k++) {
		bool seen = false;
		for (size_t j = m0; j < k; j++)
			seen |= g->blm[j].bl == g->blm[k].bl;
		if (seen)
			continue;
		if (n_bls++ == 0)
			r = bl_ref(g, g->blm[k].bl, &bls)
				?: buf_printf(&bls, " (%s)", g->bl[g->blm[k].bl].mode);
	}
	if (r >= 0 && n_bls > 1)
		r = buf_printf(&bls, " and %zu more", n_bls - 1);
	if (r < 0)
		return r;
	size_t n_vuln = ucount[USE_UNKNOWN] + ucount[USE_NOT_LOADED] + ucount[USE_USED];
	f->unknown = weight;
	if (n_vuln == 0) {
		f->assessed = true;
		f->unknown = 0;
		return set_detail(f, "no open vulnerability; baseline %s", buf_str(&bls));
	}
	size_t n_by[3] = {0}, n_no_files = 0;
	for (size_t i = 0; i < n_pk; i++) {
		n_by[pk[i].u.use]++;
		n_no_files += pk[i].u.no_files;
	}
	if (ucount[USE_USED] + ucount[USE_NOT_LOADED] == 0)
		return set_detail(f, "not in the data: %s; baseline %s",
				  n_no_files == n_pk
				      ? "the scan in the store lists no package files (recorded by "
					"an older bulkhead: scan again with --store)"
				      : "the package file lists or the baselines are incomplete "
					"(cut short, or facts beyond the baseline's limits)",
				  buf_str(&bls));
	f->assessed = true;
	double total = upoints[USE_UNKNOWN] + upoints[USE_NOT_LOADED] + upoints[USE_USED];
	f->unknown = total > 0 ? weight * upoints[USE_UNKNOWN] / total : 0;
	f->value = saturate(upoints[USE_USED], 10);
	if (n_pk)
		qsort(pk, n_pk, sizeof(*pk), pkg_use_cmp);
	for (size_t i = 0; i < n_pk && r >= 0; i++) {
		const struct pkg_use *p = &pk[i];
		if (p->u.use == USE_UNKNOWN || p->u.bl == SIZE_MAX)
			continue;
		buf_clear(&det);
		r = p->u.use == USE_USED
			? buf_printf(&det, "in use: %s: %s (%s)", p->pkg, p->u.file,
				     baseline_type_name((enum baseline_type)p->u.type))
			: buf_printf(&det, "not loaded: %s", p->pkg);
		if (r >= 0)
			r = buf_printf(&det, "; %zu vulnerabilit%s", p->n, p->n == 1 ? "y" : "ies");
		if (r >= 0)
			r = bl_ref(g, p->u.bl, &ref);
		if (r >= 0)
			r = ev_add(o, f, RISK_EV_BASELINE, buf_str(&ref), 0, buf_str(&det));
	}
	if (r < 0)
		return r;
	buf_clear(&det);
	r = buf_printf(&det,
		       "%zu of %zu vulnerable package%s in use (%zu vulnerabilit%s), %zu never "
		       "loaded (%zu vulnerabilit%s, x%.2g in severity and fix)",
		       n_by[USE_USED], n_pk, n_pk == 1 ? "" : "s", ucount[USE_USED],
		       ucount[USE_USED] == 1 ? "y" : "ies", n_by[USE_NOT_LOADED],
		       ucount[USE_NOT_LOADED], ucount[USE_NOT_LOADED] == 1 ? "y" : "ies",
		       NOT_LOADED_WEIGHT);
	if (r >= 0 && n_by[USE_UNKNOWN])
		r = buf_printf(&det, ", %zu of unknown use", n_by[USE_UNKNOWN]);
	if (r >= 0)
		r = buf_printf(&det, "; baseline %s", buf_str(&bls));
	return r < 0 ? r : set_detail(f, "%s", buf_str(&det));
}

static int score_vulns(struct gather *g, size_t wi, bool have_store)
{
	const struct risk_opts *o = g->o;
	struct risk_workload *w = &g->wl[wi];
	struct risk_factor *fs = &w->f[RISK_F_VULN_SEVERITY], *ff = &w->f[RISK_F_VULN_FIXABLE],
			   *fe = &w->f[RISK_F_VULN_EXPLOITED], *fn = &w->f[RISK_F_NOT_SCANNED],
			   *fu = &w->f[RISK_F_VULN_IN_USE];
	size_t n_img = 0, n_scanned = 0;
	size_t n_find = 0;
	bool kev_data = false;
	_cleanup_buf_ struct buf unscanned, key;
	buf_init(&unscanned, 0);
	buf_init(&key, 0);
	int r = 0;
	/* The slots of the workload's images (distinct), and their findings. */
	size_t slots[64], n_slots = 0;
	for (size_t i = 0; i < w->images.n && r >= 0; i++) {
		size_t si;
		r = slot_for(g, w->images.v[i], &si);
		if (r < 0)
			break;
		n_img++;
		bool dup = false;
		for (size_t k = 0; k < n_slots; k++)
			dup |= si != SIZE_MAX && slots[k] == si;
		if (dup)
			continue;
		const struct img_slot *s = si == SIZE_MAX ? NULL : &g->img[si];
		if (s && s->vrun) {
			n_scanned++;
			n_find += s->n_vf;
			kev_data |= s->kev_data;
			if (n_slots < ARRAY_SIZE(slots))
				slots[n_slots++] = si;
			_cleanup_buf_ struct buf d;
			buf_init(&d, 0);
			r = buf_printf(&d, "scan of %s at run %lld%s", s->vscope,
				       (long long)s->vrun, s->v_by_digest ? " (same digest)" : "");
			if (r >= 0 && s->digest && !s->v_by_digest)
				r = buf_printf(
				    &d, "; pinned digest %s was not scanned, matched by name",
				    s->digest);
			if (r >= 0)
				r = ev_id(o, fs, RISK_EV_RUN, s->vrun, buf_str(&d));
		} else {
			r = buf_printf(&unscanned, "%s%s", unscanned.len ? ", " : "",
				       w->images.v[i]);
		}
	}
	if (r < 0)
		return r;
	/*
	 * Findings of all slots with what the workload's baselines (g->blm[m0 .. m1), sorted by
	 * slot) say of their package, worst first, each finding id once. The use of a package
	 * is computed once per slot.
	 */
	size_t m0, m1;
	bl_matches_of(g, wi, &m0, &m1);
	_cleanup_free_ struct ventry *all = n_find ? calloc(n_find, sizeof(*all)) : NULL;
	_cleanup_json_ json_t *memo = json_object(), *pkg_index = json_object();
	if ((n_find && !all) || !memo || !pkg_index)
		return -ENOMEM;
	size_t n_all = 0;
	for (size_t k = 0; k < n_slots; k++) {
		const struct img_slot *s = &g->img[slots[k]];
		size_t ms = m0, me;
		while (ms < m1 && g->blm[ms].slot != slots[k])
			ms++;
		me = ms;
		while (me < m1 && g->blm[me].slot == slots[k])
			me++;
		for (size_t i = 0; i < s->n_vf && n_all < n_find; i++) {
			struct ventry *e = &all[n_all];
			e->v = &s->vf[i];
			e->slot = slots[k];
			buf_clear(&key);
			if (buf_printf(&key, "%zu\n%s", slots[k], e->v->pkgkey) < 0)
				return -ENOMEM;
			json_t *have = json_object_get(memo, buf_str(&key));
			if (have) {
				e->u = all[json_integer_value(have)].u;
			} else {
				e->u = package_use(g, me > ms ? &g->blm[ms] : NULL, me - ms, e->v);
				if (json_object_set_new_nocheck(
					memo, buf_str(&key), json_integer((json_int_t)n_all)) < 0)
					return -ENOMEM;
			}
			n_all++;
		}
	}
	if (n_all)
		qsort(all, n_all, sizeof(*all), ventry_cmp);
	/* A finding seen through two spellings of one image: the best known use. */
	for (size_t i = 0, j; i < n_all; i = j)
		for (j = i + 1; j < n_all && streq(all[j].v->id, all[i].v->id); j++)
			if (all[j].u.use > all[i].u.use)
				all[i].u = all[j].u;
	double points = 0, fix_points = 0, upoints[3] = {0};
	size_t cnt[_SEV_MAX] = {0}, n_fixed = 0, n_expl = 0, ucount[3] = {0};
	_cleanup_free_ struct pkg_use *pk = NULL;
	size_t n_pk = 0, cap_pk = 0;
	for (size_t i = 0; i < n_all && r >= 0; i++) {
		const struct ventry *e = &all[i];
		const struct vfind *v = e->v;
		if (i > 0 && streq(all[i - 1].v->id, v->id))
			continue;
		double m = e->u.use == USE_NOT_LOADED ? NOT_LOADED_WEIGHT : 1;
		points += vuln_points[v->sev] * m;
		cnt[v->sev]++;
		upoints[e->u.use] += vuln_points[v->sev];
		ucount[e->u.use]++;
		char det[256];
		(void)xsnprintf(det, sizeof(det), "%s %s%s%s", v->rule, sev_names[v->sev],
				v->fixed ? " fixed" : "",
				e->u.use == USE_USED	     ? " in use"
				: e->u.use == USE_NOT_LOADED ? " not loaded"
							     : "");
		r = ev_add(o, fs, RISK_EV_FINDING, v->id, v->run, det);
		if (r >= 0 && v->fixed) {
			fix_points += vuln_points[v->sev] * m;
			n_fixed++;
			r = ev_add(o, ff, RISK_EV_FINDING, v->id, v->run, det);
		}
		if (r >= 0 && v->exploited) {
			n_expl++;
			r = ev_add(o, fe, RISK_EV_FINDING, v->id, v->run, det);
		}
		if (r < 0 || m0 == m1)
			continue;
		/* Per package of an image, for the vuln-in-use evidence. */
		buf_clear(&key);
		r = buf_printf(&key, "%zu\n%s", e->slot, v->pkgkey);
		if (r < 0)
			break;
		json_t *have = json_object_get(pkg_index, buf_str(&key));
		size_t pi = have ? (size_t)json_integer_value(have) : n_pk;
		if (!have) {
			if (GROW(pk, n_pk, cap_pk) < 0 ||
			    json_object_set_new_nocheck(pkg_index, buf_str(&key),
							json_integer((json_int_t)n_pk)) < 0)
				return -ENOMEM;
			pk[n_pk++] = (struct pkg_use){.pkg = v->pkg, .u = e->u};
		}
		if (e->u.use > pk[pi].u.use)
			pk[pi].u = e->u;
		pk[pi].n++;
		pk[pi].points += vuln_points[v->sev];
	}
	if (r < 0)
		return r;
	fs->assessed = ff->assessed = fe->assessed = true;
	fs->value = saturate(points, 10);
	ff->value = saturate(fix_points, 10);
	fe->value = n_expl ? 1 : 0;
	size_t n_open = cnt[SEV_CRITICAL] + cnt[SEV_HIGH] + cnt[SEV_MEDIUM] + cnt[SEV_LOW] +
			cnt[SEV_INFO] + cnt[SEV_UNKNOWN];
	fu->unknown = model[RISK_F_VULN_IN_USE].weight;
	if (n_img == 0) {
		r = set_detail(fs, "no container image in the pod spec");
		fn->value = 0;
		if (r >= 0)
			r = set_detail(fn, "no image");
		if (r >= 0)
			r = set_detail(ff, "no image");
		fe->assessed = false;
		fe->unknown = model[RISK_F_VULN_EXPLOITED].weight;
		if (r >= 0)
			r = set_detail(fe, "not in the data: no image");
		if (r >= 0)
			r = set_detail(fu, "not in the data: no image");
		return r;
	}
	r = set_detail(
	    fs,
	    "%zu open vulnerabilit%s (critical %zu, high %zu, medium %zu, low %zu, "
	    "other %zu) in %zu of %zu image%s scanned%s",
	    n_open, n_open == 1 ? "y" : "ies", cnt[SEV_CRITICAL], cnt[SEV_HIGH], cnt[SEV_MEDIUM],
	    cnt[SEV_LOW], cnt[SEV_INFO] + cnt[SEV_UNKNOWN], n_scanned, n_img, n_img == 1 ? "" : "s",
	    ucount[USE_NOT_LOADED] ? "; those of packages never loaded count x0.25" : "");
	if (r >= 0)
		r = set_detail(ff, "%zu of %zu open vulnerabilities have a fixed version", n_fixed,
			       n_open);
	if (r < 0)
		return r;
	if (n_scanned == 0) {
		fs->assessed = ff->assessed = false;
	}
	if (kev_data) {
		r = set_detail(fe, "%zu vulnerabilit%s known to be exploited", n_expl,
			       n_expl == 1 ? "y" : "ies");
	} else {
		fe->assessed = false;
		fe->unknown = model[RISK_F_VULN_EXPLOITED].weight;
		r = set_detail(fe, "not in the data: %s",
			       n_scanned ? "the vulnerability findings carry no known-exploitation "
					   "flag (CISA KEV)"
					 : "no image was scanned");
	}
	if (r < 0)
		return r;
	/* Vulnerable packages in use: only with a scan and a baseline of the workload. */
	if (!have_store) {
		r = set_detail(fu, "not in the data: no store read");
	} else if (n_scanned == 0) {
		r = set_detail(fu, "not in the data: no image was scanned");
	} else if (m0 == m1) {
		/* The id a baseline would have: the image's digest when known, or its name. */
		const struct img_slot *s0 = &g->img[slots[0]];
		const char *d0 = s0->digest ? s0->digest : s0->vdigest;
		r = set_detail(
		    fu,
		    "not assessed: no behaviour baseline in the store for k8s:%s/%s@%s%s%s%s "
		    "(learnt by bulkhead sensor run --mode learn, or bulkhead baseline "
		    "import)",
		    w->ns, w->obj->name, d0 ? d0 : s0->name, d0 ? " or @" : "", d0 ? s0->name : "",
		    n_slots > 1 ? " nor its other images" : "");
	} else {
		r = score_in_use(g, w, m0, m1, pk, n_pk, ucount, upoints);
	}
	if (r < 0)
		return r;
	double share = (double)(n_img - n_scanned) / (double)n_img;
	fn->value = share;
	fn->unknown =
	    share * (model[RISK_F_VULN_SEVERITY].weight + model[RISK_F_VULN_FIXABLE].weight);
	fn->assessed = n_scanned == n_img;
	if (n_scanned == n_img)
		return set_detail(fn, "every image has a scan.vuln run in the store");
	return set_detail(fn, "%s: %s",
			  have_store ? "no scan.vuln run in the store" : "no store read",
			  buf_str(&unscanned));
}

/* Exposure reasons of a workload, from k8s_net_exposure(). */
static int score_external(const struct risk_opts *o, const struct k8s_manifests *m,
			  const struct k8s_exposure_report *ex, size_t xi, struct risk_workload *w)
{
	struct risk_factor *f = &w->f[RISK_F_EXTERNAL];
	f->assessed = true;
	_cleanup_buf_ struct buf d;
	buf_init(&d, 0);
	int r = 0;
	double v = 0;
	for (size_t i = 0; i < ex->n && r >= 0; i++) {
		const struct k8s_exposure *e = &ex->e[i];
		if (e->wl != xi)
			continue;
		double x = streq(e->via, "NodePort")				       ? 0.8
			   : streq(e->via, "hostNetwork") || streq(e->via, "hostPort") ? 0.6
										       : 1.0;
		v = MAX(v, x);
		r = buf_printf(&d, "%s%s (%s)", d.len ? "; " : "", e->detail, e->via);
		/* Evidence: the Service or Ingress named first in the detail, else the workload. */
		char kind[32], ns[256], name[256];
		const struct k8s_object *src = NULL;
		const char *p = e->detail, *s1 = strchr(p, '/');
		const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
		if (s2 && (size_t)(s1 - p) < sizeof(kind) && (size_t)(s2 - s1 - 1) < sizeof(ns)) {
			size_t nl = strcspn(s2 + 1, " ");
			if (nl < sizeof(name)) {
				memcpy(kind, p, (size_t)(s1 - p));
				kind[s1 - p] = '\0';
				memcpy(ns, s1 + 1, (size_t)(s2 - s1 - 1));
				ns[s2 - s1 - 1] = '\0';
				memcpy(name, s2 + 1, nl);
				name[nl] = '\0';
				src = k8s_manifests_find(m, kind, ns, name);
			}
		}
		if (r >= 0)
			r = ev_obj(o, f, src ? src : w->obj, e->detail);
	}
	if (r < 0)
		return r;
	f->value = v;
	return d.len ? set_detail(f, "%s", buf_str(&d))
		     : set_detail(f, "no LoadBalancer, NodePort, Ingress, externalIPs, hostNetwork "
				     "or hostPort among the inputs");
}

struct reach_info {
	bool from_outside;
	size_t n_ns_from; /* distinct source namespaces (its own included) */
	bool from_other;  /* some other namespace */
};

static int score_reach(const struct risk_opts *o, const struct k8s_net_report *nr,
		       const struct reach_info *ri, size_t n_ns, struct risk_workload *w)
{
	struct risk_factor *f = &w->f[RISK_F_REACH];
	f->assessed = true;
	bool every = n_ns > 1 && ri->n_ns_from >= n_ns;
	double v = (ri->from_outside ? 0.5 : 0) + (every ? 0.5 : 0);
	if (!every && ri->from_other)
		v += 0.25;
	else if (!every && ri->n_ns_from > 0)
		v += 0.1;
	f->value = MIN(v, 1.0);
	(void)nr;
	int r = ev_obj(o, f, w->obj, "NetworkPolicy evaluation (bulkhead k8s reach)");
	if (r < 0)
		return r;
	return set_detail(f, "%s; reachable from %zu of %zu namespace%s%s",
			  ri->from_outside ? "NetworkPolicies admit connections from outside the "
					     "cluster"
					   : "no connection from outside the cluster is admitted",
			  ri->n_ns_from, n_ns, n_ns == 1 ? "" : "s",
			  every ? " (every namespace)" : "");
}

static bool has_pss(const struct k8s_pss_result *p, const char *id, const char **ret_detail)
{
	for (size_t i = 0; i < p->n; i++)
		if (streq(p->v[i].check->id, id)) {
			if (ret_detail)
				*ret_detail = p->v[i].detail;
			return true;
		}
	return false;
}

static bool has_hard(const struct k8s_hard_result *h, const char *id, const char **ret_detail)
{
	for (size_t i = 0; i < h->n; i++)
		if (streq(h->v[i].check->id, id)) {
			if (ret_detail)
				*ret_detail = h->v[i].detail;
			return true;
		}
	return false;
}

/* One rule-based privilege factor: rules[] in order of decreasing value. */
struct rule_val {
	const char *id;
	double value;
	bool hard;
};

static int score_rules(const struct risk_opts *o, struct risk_workload *w, enum risk_factor_id fid,
		       const struct k8s_pss_result *p, const struct k8s_hard_result *h,
		       const struct rule_val *rules, size_t n, const char *none)
{
	struct risk_factor *f = &w->f[fid];
	f->assessed = true;
	_cleanup_buf_ struct buf d;
	buf_init(&d, 0);
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		const char *det = NULL;
		bool hit =
		    rules[i].hard ? has_hard(h, rules[i].id, &det) : has_pss(p, rules[i].id, &det);
		if (!hit)
			continue;
		f->value = MAX(f->value, rules[i].value);
		r = buf_printf(&d, "%s%s: %s", d.len ? "; " : "", rules[i].id, det ? det : "");
		if (r >= 0)
			r = ev_obj(o, f, w->obj, rules[i].id);
	}
	if (r < 0)
		return r;
	return set_detail(f, "%s", d.len ? buf_str(&d) : none);
}

static int score_root(struct gather *g, struct risk_workload *w, const struct k8s_pss_result *p,
		      const struct k8s_hard_result *h)
{
	const struct risk_opts *o = g->o;
	struct risk_factor *f = &w->f[RISK_F_ROOT];
	f->assessed = true;
	const char *det = NULL;
	if (has_hard(h, "BH-K8S-HARD-013", &det)) {
		f->value = 1;
		int r = ev_obj(o, f, w->obj, "BH-K8S-HARD-013");
		return r < 0 ? r : set_detail(f, "BH-K8S-HARD-013: %s", det ? det : "");
	}
	if (!has_pss(p, "BH-K8S-PSS-015", &det))
		return set_detail(f, "runAsNonRoot is set for every container");
	/* The image's USER decides: its scan.config run says. */
	bool any_root = false, all_known = true;
	int r = 0;
	for (size_t i = 0; i < w->images.n && r >= 0; i++) {
		size_t si;
		r = slot_for(g, w->images.v[i], &si);
		if (r < 0 || si == SIZE_MAX || !g->img[si].crun) {
			all_known = false;
			continue;
		}
		const struct img_slot *s = &g->img[si];
		if (s->root_id) {
			any_root = true;
			r = ev_add(o, f, RISK_EV_FINDING, s->root_id, s->root_run, "BH-IMG-001");
		}
	}
	if (r < 0)
		return r;
	r = ev_obj(o, f, w->obj, "BH-K8S-PSS-015");
	if (r < 0)
		return r;
	if (any_root) {
		f->value = 1;
		return set_detail(f, "no runAsNonRoot and the image runs as root (BH-IMG-001)");
	}
	if (all_known && w->images.n)
		return set_detail(f,
				  "no runAsNonRoot, but the image USER is not root (scan.config)");
	f->value = 0.5;
	return set_detail(f, "no runAsNonRoot: the image's USER decides (its configuration was "
			     "not scanned)");
}

/* ---- RBAC power of service accounts -------------------------------------------------------- */

struct power {
	const char *verb, *group, *resource, *sub;
	double value;
	const char *what;
};

static const struct power powers[] = {
    {"*", "*", "*", NULL, 1.0, "use every verb on every resource"},
    {"escalate", "rbac.authorization.k8s.io", "clusterroles", NULL, 1.0, "escalate ClusterRoles"},
    {"bind", "rbac.authorization.k8s.io", "clusterroles", NULL, 1.0, "bind ClusterRoles"},
    {"impersonate", "", "users", NULL, 1.0, "impersonate users"},
    {"impersonate", "", "serviceaccounts", NULL, 1.0, "impersonate service accounts"},
    {"create", "rbac.authorization.k8s.io", "clusterrolebindings", NULL, 1.0,
     "create ClusterRoleBindings"},
    {"create", "rbac.authorization.k8s.io", "rolebindings", NULL, 0.8, "create RoleBindings"},
    {"create", "", "pods", NULL, 0.8, "create pods"},
    {"create", "", "pods", "exec", 0.8, "exec into pods"},
    {"create", "apps", "deployments", NULL, 0.8, "create Deployments"},
    {"create", "apps", "daemonsets", NULL, 0.8, "create DaemonSets"},
    {"create", "batch", "jobs", NULL, 0.8, "create Jobs"},
    {"get", "", "secrets", NULL, 0.7, "read secrets"},
    {"list", "", "secrets", NULL, 0.7, "list secrets"},
    {"create", "", "serviceaccounts", "token", 0.7, "mint service-account tokens"},
};

struct sa_power {
	double value;
	const struct power *pw;
	bool cluster;
	const struct k8s_rbac_binding *binding;
};

static struct sa_power sa_power_of(const struct k8s_rbac *rb, const char *ns, const char *sa,
				   int *ret)
{
	struct sa_power best = {0};
	struct k8s_rbac_subject subj = {K8S_SUBJ_SERVICEACCOUNT, sa, ns};
	_cleanup_buf_ struct buf nb, gb;
	buf_init(&nb, 0);
	buf_init(&gb, 0);
	const char *groups[8];
	struct k8s_rbac_user u;
	*ret = k8s_rbac_subject_user(&subj, &nb, &gb, groups, &u);
	if (*ret < 0)
		return best;
	for (size_t i = 0; i < ARRAY_SIZE(powers); i++) {
		const struct power *pw = &powers[i];
		if (pw->value <= best.value)
			continue;
		for (int scope = 0; scope < 2; scope++) {
			struct k8s_rbac_request req = {.verb = pw->verb,
						       .api_group = pw->group,
						       .resource = pw->resource,
						       .subresource = pw->sub,
						       .namespace_ = scope ? ns : ""};
			const struct k8s_rbac_binding *b = NULL;
			double v = pw->value * (scope ? 0.6 : 1.0);
			if (v > best.value && k8s_rbac_allows(rb, &u, &req, &b)) {
				best = (struct sa_power){v, pw, scope == 0, b};
				break;
			}
		}
	}
	return best;
}

static int score_rbac(const struct risk_opts *o, const struct k8s_rbac *rb,
		      const struct k8s_rbac_workload *rw, json_t *cache, struct sa_power *memo,
		      size_t *n_memo, struct risk_workload *w)
{
	struct risk_factor *f = &w->f[RISK_F_RBAC];
	if (rb->n_bindings == 0) {
		f->unknown = model[RISK_F_RBAC].weight;
		return set_detail(f, "not in the data: no RoleBinding or ClusterRoleBinding among "
				     "the inputs");
	}
	f->assessed = true;
	const char *sa = rw && rw->service_account ? rw->service_account : "default";
	char key[600];
	if (xsnprintf(key, sizeof(key), "%s/%s", w->ns, sa) < 0)
		return set_detail(f, "service account name too long");
	struct sa_power p;
	json_t *have = json_object_get(cache, key);
	if (have) {
		p = memo[json_integer_value(have)];
	} else {
		int r;
		p = sa_power_of(rb, w->ns, sa, &r);
		if (r < 0)
			return r;
		memo[*n_memo] = p;
		if (json_object_set_new(cache, key, json_integer((json_int_t)*n_memo)) < 0)
			return -ENOMEM;
		(*n_memo)++;
	}
	bool no_token = rw && rw->automount_disabled;
	f->value = p.value * (no_token ? 0.25 : 1.0);
	if (!p.pw)
		return set_detail(f,
				  "ServiceAccount %s can do none of the powerful actions the "
				  "model checks",
				  key);
	int r = 0;
	if (p.binding && p.binding->obj) {
		char det[600];
		(void)xsnprintf(det, sizeof(det), "%s/%s%s%s",
				p.binding->is_cluster ? "ClusterRoleBinding" : "RoleBinding",
				p.binding->namespace_, p.binding->is_cluster ? "" : "/",
				p.binding->name);
		r = ev_obj(o, f, p.binding->obj, det);
	}
	if (r < 0)
		return r;
	return set_detail(
	    f, "ServiceAccount %s can %s %s (%s %s)%s", key, p.pw->what,
	    p.cluster ? "cluster-wide" : "in its namespace",
	    p.binding && p.binding->is_cluster ? "ClusterRoleBinding" : "RoleBinding",
	    p.binding ? p.binding->name : "?",
	    no_token ? "; its token is not mounted (automountServiceAccountToken: false)" : "");
}

/* ---- ranking and the whole run ------------------------------------------------------------- */

static int wl_cmp(const void *a, const void *b)
{
	const struct risk_workload *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->unknown != y->unknown)
		return x->unknown > y->unknown ? -1 : 1;
	int c = strcmp(x->ns, y->ns);
	if (c == 0)
		c = strcmp(x->obj->kind_name, y->obj->kind_name);
	return c ? c : strcmp(x->obj->name, y->obj->name);
}

static int wl_key(const struct risk_workload *w, char *dst, size_t size)
{
	return xsnprintf(dst, size, "%s/%s/%s", w->ns, w->obj->kind_name, w->obj->name);
}

/* Reachability per workload of the exposure/reach model (index by object). */
static int reach_infos(const struct k8s_net_report *nr, struct reach_info *ri)
{
	size_t n_ns = nr->n_ns, nw = (n_ns + 63) / 64, words;
	if (!size_mul(nr->n_wl ? nr->n_wl : 1, nw ? nw : 1, &words))
		return -E2BIG;
	_cleanup_free_ uint64_t *bits = calloc(words, sizeof(*bits));
	_cleanup_free_ size_t *wl_ns = calloc(nr->n_wl ? nr->n_wl : 1, sizeof(*wl_ns));
	if (!bits || !wl_ns)
		return -ENOMEM;
	for (size_t i = 0; i < nr->n_wl; i++) {
		/* rep.ns is sorted by name: binary search. */
		size_t lo = 0, hi = n_ns;
		wl_ns[i] = SIZE_MAX;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(nr->ns[mid].name, nr->wl[i].ns);
			if (c == 0) {
				wl_ns[i] = mid;
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	for (size_t i = 0; i < nr->n_edges; i++) {
		const struct k8s_net_edge *e = &nr->edges[i];
		if (e->to == K8S_NET_EXTERNAL || e->to >= nr->n_wl)
			continue;
		if (e->from == K8S_NET_EXTERNAL) {
			ri[e->to].from_outside = true;
			continue;
		}
		if (e->from >= nr->n_wl)
			continue;
		size_t sn = wl_ns[e->from];
		if (sn == SIZE_MAX)
			continue;
		uint64_t *b = &bits[e->to * nw];
		if (!(b[sn / 64] & (UINT64_C(1) << (sn % 64)))) {
			b[sn / 64] |= UINT64_C(1) << (sn % 64);
			ri[e->to].n_ns_from++;
			if (sn != wl_ns[e->to])
				ri[e->to].from_other = true;
		}
	}
	return 0;
}

int risk_run(const struct k8s_manifests *m, struct store *s, const struct risk_opts *opts,
	     struct risk_report *ret, struct bh_diag *reterr_diag)
{
	struct risk_opts o = *opts;
	if (!o.runtime_window)
		o.runtime_window = 30 * 86400;
	if (!o.max_evidence)
		o.max_evidence = 20;
	if (!o.env_label)
		o.env_label = "environment";
	ret->opts = o;
	struct gather g = {.o = &ret->opts};
	struct k8s_exposure_report ex = {0};
	struct k8s_net_report nr = {0};
	struct k8s_rbac rb = {0};
	_cleanup_free_ size_t *obj_wl = NULL, *obj_ex = NULL, *obj_nr = NULL, *obj_rb = NULL;
	_cleanup_free_ struct reach_info *ri = NULL;
	_cleanup_free_ struct sa_power *sap = NULL;
	_cleanup_json_ json_t *sa_cache = json_object();
	int r = 0;
	g.by_key = json_object();
	g.by_name = json_object();
	g.by_digest = json_object();
	g.vscopes = json_object();
	g.cscopes = json_object();
	g.wl_by_id = json_object();
	g.wl_by_name = json_object();
	g.wl_by_owner = json_object();
	size_t n_objs = m->n ? m->n : 1;
	obj_wl = malloc(n_objs * sizeof(*obj_wl));
	obj_ex = malloc(n_objs * sizeof(*obj_ex));
	obj_nr = malloc(n_objs * sizeof(*obj_nr));
	obj_rb = malloc(n_objs * sizeof(*obj_rb));
	if (!g.by_key || !g.by_name || !g.by_digest || !g.vscopes || !g.cscopes || !g.wl_by_id ||
	    !g.wl_by_name || !g.wl_by_owner || !sa_cache || !obj_wl || !obj_ex || !obj_nr ||
	    !obj_rb) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < m->n; i++)
		obj_wl[i] = obj_ex[i] = obj_nr[i] = obj_rb[i] = SIZE_MAX;

	/* The workloads and their images. */
	size_t n = 0;
	for (size_t i = 0; i < m->n; i++)
		n += is_workload(m, &m->objs[i]);
	ret->w = calloc(n ? n : 1, sizeof(*ret->w));
	g.alert_points = calloc(n ? n : 1, sizeof(*g.alert_points));
	g.alert_count = calloc(n ? n : 1, sizeof(*g.alert_count));
	sap = calloc(n ? n : 1, sizeof(*sap));
	if (!ret->w || !g.alert_points || !g.alert_count || !sap) {
		r = -ENOMEM;
		goto out;
	}
	g.wl = ret->w;
	for (size_t i = 0; i < m->n && r >= 0; i++) {
		const struct k8s_object *obj = &m->objs[i];
		if (!is_workload(m, obj))
			continue;
		struct risk_workload *w = &ret->w[ret->n];
		w->obj = obj;
		w->ns = k8s_object_namespace(obj);
		obj_wl[i] = ret->n++;
		r = collect_images(obj, &w->images);
		char key[1400];
		if (r >= 0 && wl_key(w, key, sizeof(key)) >= 0) {
			r = json_object_set_new(g.wl_by_id, key,
						json_integer((json_int_t)obj_wl[i]));
			if (r >= 0 && xsnprintf(key, sizeof(key), "%s/%s", w->ns, obj->name) >= 0 &&
			    !json_object_get(g.wl_by_name, key))
				r = json_object_set_new(g.wl_by_name, key,
							json_integer((json_int_t)obj_wl[i]));
			if (r < 0)
				r = -ENOMEM;
		}
		/* The owner of its pods' baselines: its name; a bare Pod's also after the rule of
		 * baseline_k8s_owner() ("db-0" -> "db"), as the sensor names it. */
		if (r >= 0 && xsnprintf(key, sizeof(key), "%s/%s", w->ns, obj->name) >= 0)
			r = map_push(g.wl_by_owner, key, obj_wl[i]);
		if (r >= 0 && obj->kind == K8S_KIND_POD) {
			_cleanup_free_ char *owner = baseline_k8s_owner(obj->name);
			if (!owner)
				r = -ENOMEM;
			else if (!streq(owner, obj->name) &&
				 xsnprintf(key, sizeof(key), "%s/%s", w->ns, owner) >= 0)
				r = map_push(g.wl_by_owner, key, obj_wl[i]);
		}
		for (size_t k = 0; r >= 0 && k < w->images.n; k++) {
			size_t si;
			r = slot_for(&g, w->images.v[k], &si);
		}
	}
	if (r < 0)
		goto out;
	ret->n_images = g.n_img;

	/* The store. */
	if (s) {
		r = gather_store(&g, s, ret);
		if (r < 0)
			goto out;
		ret->store_name = strdup(store_name(s));
		if (!ret->store_name) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < g.n_img; i++)
			ret->n_images_scanned += g.img[i].vrun != 0;
	}

	/* The manifests' models. */
	r = k8s_net_exposure(m, &ex);
	if (r >= 0)
		r = k8s_net_reach(m, &nr);
	if (r >= 0)
		r = k8s_rbac_build(&rb, m, reterr_diag);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < ex.n_wl; i++)
		obj_ex[ex.wl[i].obj - m->objs] = i;
	for (size_t i = 0; i < nr.n_wl; i++)
		obj_nr[nr.wl[i].obj - m->objs] = i;
	for (size_t i = 0; i < rb.n_workloads; i++)
		if (rb.workloads[i].obj >= m->objs && rb.workloads[i].obj < m->objs + m->n)
			obj_rb[rb.workloads[i].obj - m->objs] = i;
	ri = calloc(nr.n_wl ? nr.n_wl : 1, sizeof(*ri));
	if (!ri) {
		r = -ENOMEM;
		goto out;
	}
	r = reach_infos(&nr, ri);
	if (r < 0)
		goto out;

	size_t n_sap = 0;
	for (size_t i = 0; i < ret->n && r >= 0; i++) {
		struct risk_workload *w = &ret->w[i];
		size_t oi = (size_t)(w->obj - m->objs);
		r = score_vulns(&g, i, s != NULL);
		if (r < 0)
			break;
		size_t xi = obj_ex[oi], ni = obj_nr[oi], bi = obj_rb[oi];
		r = xi != SIZE_MAX ? score_external(&ret->opts, m, &ex, xi, w)
				   : set_detail(&w->f[RISK_F_EXTERNAL], "not modelled");
		if (r >= 0 && ni != SIZE_MAX)
			r = score_reach(&ret->opts, &nr, &ri[ni], nr.n_ns, w);
		if (r < 0)
			break;
		struct k8s_pss_result p = {0};
		struct k8s_hard_result h = {0};
		r = k8s_pss_evaluate(&w->obj->pod, K8S_PSS_RESTRICTED, K8S_PSS_LATEST, &p);
		if (r >= 0)
			r = k8s_hard_evaluate(m, w->obj, &h);
		static const struct rule_val priv[] = {{"BH-K8S-PSS-002", 1, false},
						       {"BH-K8S-PSS-011", 1, false}};
		static const struct rule_val hostns[] = {{"BH-K8S-PSS-001", 1, false}};
		static const struct rule_val mounts[] = {{"BH-K8S-HARD-024", 1, true},
							 {"BH-K8S-HARD-025", 1, true},
							 {"BH-K8S-HARD-026", 1, true},
							 {"BH-K8S-PSS-004", 0.5, false}};
		static const struct rule_val caps[] = {{"BH-K8S-PSS-003", 1, false},
						       {"BH-K8S-HARD-019", 1, true},
						       {"BH-K8S-PSS-018", 0.3, false}};
		if (r >= 0)
			r = score_rules(&ret->opts, w, RISK_F_PRIVILEGED, &p, &h, priv,
					ARRAY_SIZE(priv), "no privileged container");
		if (r >= 0)
			r = score_rules(&ret->opts, w, RISK_F_HOST_NAMESPACES, &p, &h, hostns,
					ARRAY_SIZE(hostns),
					"no host PID, IPC or network namespace");
		if (r >= 0)
			r = score_rules(&ret->opts, w, RISK_F_HOST_MOUNTS, &p, &h, mounts,
					ARRAY_SIZE(mounts), "no hostPath volume");
		if (r >= 0)
			r = score_rules(&ret->opts, w, RISK_F_CAPABILITIES, &p, &h, caps,
					ARRAY_SIZE(caps), "every container drops ALL capabilities");
		if (r >= 0)
			r = score_root(&g, w, &p, &h);
		k8s_pss_result_done(&p);
		k8s_hard_result_done(&h);
		if (r >= 0)
			r = score_rbac(&ret->opts, &rb, bi != SIZE_MAX ? &rb.workloads[bi] : NULL,
				       sa_cache, sap, &n_sap, w);
		if (r < 0)
			break;

		/* Environment. */
		struct risk_factor *fe = &w->f[RISK_F_ENVIRONMENT];
		const struct k8s_object *nso = k8s_manifests_find_namespace(m, w->ns);
		_cleanup_free_ char *why = NULL;
		w->env = risk_environment(&ret->opts, w->ns, w->obj->labels, w->obj->n_labels,
					  nso ? nso->labels : NULL, nso ? nso->n_labels : 0, &why);
		if (!why) {
			r = -ENOMEM;
			break;
		}
		fe->assessed = w->env != RISK_ENV_UNKNOWN;
		fe->value = w->env == RISK_ENV_PROD ? 1 : w->env == RISK_ENV_DEV ? 0 : 0.5;
		fe->unknown = fe->assessed ? 0 : model[RISK_F_ENVIRONMENT].weight * 0.5;
		r = set_detail(fe, "%s: %s", risk_env_name(w->env), why);
		if (r >= 0)
			r = ev_obj(&ret->opts, fe, nso ? nso : w->obj,
				   nso ? "Namespace" : "workload");

		/* Runtime (vuln-in-use is scored with the vulnerabilities). */
		struct risk_factor *fr = &w->f[RISK_F_RUNTIME_ALERTS];
		if (r >= 0 && !g.has_runtime) {
			fr->unknown = model[RISK_F_RUNTIME_ALERTS].weight;
			r = set_detail(fr, "no runtime data: %s",
				       s ? "the store has no run of kind runtime"
					 : "no store read");
		} else if (r >= 0) {
			fr->assessed = true;
			fr->value = saturate(g.alert_points[i], 5);
			r = set_detail(fr, "%zu alert%s in the last %lld days", g.alert_count[i],
				       g.alert_count[i] == 1 ? "" : "s",
				       (long long)(ret->opts.runtime_window / 86400));
		}

		/* The sum. */
		for (size_t k = 0; k < _RISK_F_MAX; k++) {
			struct risk_factor *f = &w->f[k];
			f->value = f->value < 0 ? 0 : f->value > 1 ? 1 : f->value;
			f->contribution = f->value * model[k].weight;
			w->score += f->contribution;
			w->unknown += f->unknown;
		}
	}
	if (r < 0)
		goto out;
	/* Runtime alert evidence was filled through g.wl before sorting: still in place. */
	if (ret->n)
		qsort(ret->w, ret->n, sizeof(*ret->w), wl_cmp);
	if (!s)
		r = strv_push(&ret->notes, "no store: vulnerability and runtime factors are not "
					   "assessed");
	else if (!g.has_runtime)
		r = strv_push(&ret->notes, "the store has no runtime data (runs of kind runtime)");
	if (r >= 0)
		r = strv_push(&ret->notes,
			      "known exploitation: not in the data unless the findings "
			      "carry it (docs/risk-model.md)");
	if (r >= 0 && s && g.n_bl_seen == 0)
		r = strv_push(&ret->notes,
			      "the store has no behaviour baselines: vulnerable packages "
			      "in use (vuln-in-use) are not assessed");
	else if (r >= 0 && s && g.n_bl == 0)
		r = strv_push(
		    &ret->notes,
		    "no behaviour baseline in the store names a workload and image of "
		    "the manifests (k8s:NAMESPACE/NAME@IMAGE): vuln-in-use is not assessed");
	for (size_t i = 0; r >= 0 && i < g.notes.n; i++)
		r = strv_push(&ret->notes, g.notes.v[i]);
	for (size_t i = 0; r >= 0 && i < nr.notes.n; i++)
		r = strv_push(&ret->notes, nr.notes.v[i]);
	for (size_t i = 0; r >= 0 && i < rb.notes.n; i++)
		r = strv_push(&ret->notes, rb.notes.v[i]);
out:
	k8s_exposure_report_done(&ex);
	k8s_net_report_done(&nr);
	k8s_rbac_done(&rb);
	gather_done(&g);
	return r < 0 ? r : 0;
}
