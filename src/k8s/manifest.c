/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifest.c — manifests from files and directories into the typed model of k8s.h. A field
 * of the wrong JSON type is refused the way the API server refuses it (exit 2 at the CLI,
 * naming file:line and the field); a field that is absent or null is unset.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/bh-yaml.h"
#include "k8s/k8s.h"

struct ld {
	const char *path;
	unsigned line;
	struct bh_diag *diag;
	const unsigned *item_lines; /* lines of a top-level List's items (bh_yaml_doc) */
	size_t n_item_lines;
};

static int bad(struct ld *ld, const char *where, const char *key, const char *what)
{
	bh_diag_set(ld->diag, ld->path, ld->line, 0, "%s%s%s: expected %s", where,
		    where[0] && key[0] ? "." : "", key, what);
	return -EBADMSG;
}

static int get_obj(struct ld *ld, const json_t *o, const char *key, const char *where, json_t **ret)
{
	json_t *v = json_object_get(o, key);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return bad(ld, where, key, "an object");
	*ret = v;
	return 0;
}

static int get_arr(struct ld *ld, const json_t *o, const char *key, const char *where, json_t **ret)
{
	json_t *v = json_object_get(o, key);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad(ld, where, key, "a list");
	*ret = v;
	return 0;
}

static int get_str(struct ld *ld, const json_t *o, const char *key, const char *where,
		   const char **ret)
{
	json_t *v = json_object_get(o, key);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(ld, where, key, "a string");
	*ret = json_string_value(v);
	return 0;
}

static int get_tri(struct ld *ld, const json_t *o, const char *key, const char *where,
		   enum k8s_tri *ret)
{
	json_t *v = json_object_get(o, key);
	*ret = K8S_UNSET;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return bad(ld, where, key, "a boolean");
	*ret = json_is_true(v) ? K8S_TRUE : K8S_FALSE;
	return 0;
}

static int get_bool(struct ld *ld, const json_t *o, const char *key, const char *where, bool *ret)
{
	enum k8s_tri t;
	int r = get_tri(ld, o, key, where, &t);
	*ret = t == K8S_TRUE;
	return r;
}

static int get_int(struct ld *ld, const json_t *o, const char *key, const char *where,
		   bool *ret_has, int64_t *ret)
{
	json_t *v = json_object_get(o, key);
	*ret_has = false;
	*ret = 0;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*ret = json_integer_value(v);
	} else if (json_is_real(v) && json_real_value(v) == (double)(int64_t)json_real_value(v)) {
		*ret = (int64_t)json_real_value(v);
	} else
		return bad(ld, where, key, "an integer");
	*ret_has = true;
	return 0;
}

/* A list of strings into an owned array of borrowed pointers. */
static int get_str_list(struct ld *ld, const json_t *o, const char *key, const char *where,
			const char ***ret, size_t *ret_n)
{
	json_t *a;
	int r = get_arr(ld, o, key, where, &a);
	if (r < 0 || !a)
		return r;
	size_t n = json_array_size(a), i;
	const char **v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	json_t *it;
	json_array_foreach(a, i, it)
	{
		if (!json_is_string(it)) {
			free(v);
			char w[300];
			(void)xsnprintf(w, sizeof(w), "%s.%s[%zu]", where, key, i);
			return bad(ld, w, "", "a string");
		}
		v[i] = json_string_value(it);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int get_kv(struct ld *ld, const json_t *o, const char *key, const char *where,
		  struct k8s_kv **ret, size_t *ret_n)
{
	json_t *m;
	int r = get_obj(ld, o, key, where, &m);
	if (r < 0 || !m)
		return r;
	size_t n = json_object_size(m), i = 0;
	struct k8s_kv *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	const char *k;
	json_t *it;
	json_object_foreach(m, k, it)
	{
		if (!json_is_string(it)) {
			free(v);
			char w[300];
			(void)xsnprintf(w, sizeof(w), "%s.%s", where, key);
			return bad(ld, w, k, "a string");
		}
		v[i++] = (struct k8s_kv){k, json_string_value(it)};
	}
	*ret = v;
	*ret_n = i;
	return 0;
}

static void sec_ctx_done(struct k8s_sec_ctx *sc)
{
	free(sc->caps_add);
	free(sc->caps_drop);
	*sc = (struct k8s_sec_ctx){0};
}

static int parse_sec_ctx(struct ld *ld, const json_t *parent, const char *where, bool is_pod,
			 struct k8s_sec_ctx *sc)
{
	char w[300], w2[320];
	json_t *o, *sub;
	int r = get_obj(ld, parent, "securityContext", where, &o);
	if (r < 0 || !o)
		return r;
	(void)xsnprintf(w, sizeof(w), "%s.securityContext", where);
	r = get_tri(ld, o, "runAsNonRoot", w, &sc->run_as_non_root);
	if (r == 0)
		r = get_int(ld, o, "runAsUser", w, &sc->has_run_as_user, &sc->run_as_user);
	if (r == 0)
		r = get_obj(ld, o, "seccompProfile", w, &sub);
	if (r == 0 && sub)
		r = get_str(ld, sub, "type", w, &sc->seccomp_type);
	if (r == 0)
		r = get_obj(ld, o, "appArmorProfile", w, &sub);
	if (r == 0 && sub)
		r = get_str(ld, sub, "type", w, &sc->apparmor_type);
	if (r == 0)
		r = get_obj(ld, o, "seLinuxOptions", w, &sub);
	(void)xsnprintf(w2, sizeof(w2), "%s.seLinuxOptions", w);
	if (r == 0 && sub)
		r = get_str(ld, sub, "type", w2, &sc->selinux_type) ?:
		    get_str(ld, sub, "user", w2, &sc->selinux_user) ?:
		    get_str(ld, sub, "role", w2, &sc->selinux_role);
	if (r == 0)
		r = get_obj(ld, o, "windowsOptions", w, &sub);
	(void)xsnprintf(w2, sizeof(w2), "%s.windowsOptions", w);
	if (r == 0 && sub)
		r = get_tri(ld, sub, "hostProcess", w2, &sc->host_process);
	if (r < 0 || is_pod)
		return r;
	r = get_tri(ld, o, "privileged", w, &sc->privileged);
	if (r == 0)
		r = get_tri(ld, o, "allowPrivilegeEscalation", w, &sc->allow_privilege_escalation);
	if (r == 0)
		r = get_str(ld, o, "procMount", w, &sc->proc_mount);
	if (r == 0)
		r = get_obj(ld, o, "capabilities", w, &sub);
	(void)xsnprintf(w2, sizeof(w2), "%s.capabilities", w);
	if (r == 0 && sub)
		r = get_str_list(ld, sub, "add", w2, &sc->caps_add, &sc->n_caps_add)
			?: get_str_list(ld, sub, "drop", w2, &sc->caps_drop, &sc->n_caps_drop);
	return r;
}

static int add_host(struct k8s_container *c, const char *where, const char *host)
{
	if (!host || !host[0])
		return 0;
	struct k8s_handler_host *n = reallocarray(c->hosts, c->n_hosts + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	c->hosts = n;
	c->hosts[c->n_hosts++] = (struct k8s_handler_host){where, host};
	return 0;
}

/* httpGet.host and tcpSocket.host of a probe or lifecycle handler. */
static int parse_handler(struct ld *ld, const json_t *parent, const char *key, const char *label,
			 const char *where, struct k8s_container *c)
{
	json_t *h, *sub;
	char w[320];
	(void)xsnprintf(w, sizeof(w), "%s.%s", where, key);
	int r = get_obj(ld, parent, key, where, &h);
	if (r < 0 || !h)
		return r;
	static const char *const kinds[] = {"httpGet", "tcpSocket"};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		const char *host;
		r = get_obj(ld, h, kinds[i], w, &sub);
		if (r == 0 && sub)
			r = get_str(ld, sub, "host", w, &host) ?: add_host(c, label, host);
		if (r < 0)
			return r;
	}
	return 0;
}

static void container_done(struct k8s_container *c)
{
	sec_ctx_done(&c->sc);
	free(c->host_ports);
	free(c->hosts);
}

static int parse_container(struct ld *ld, const json_t *o, const char *where,
			   struct k8s_container *c)
{
	int r = get_str(ld, o, "name", where, &c->name);
	if (r == 0)
		r = parse_sec_ctx(ld, o, where, false, &c->sc);
	json_t *ports = NULL, *lc = NULL;
	if (r == 0)
		r = get_arr(ld, o, "ports", where, &ports);
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p)
	{
		char w[320];
		(void)xsnprintf(w, sizeof(w), "%s.ports[%zu]", where, i);
		bool has;
		int64_t hp;
		if (r == 0 && !json_is_object(p))
			r = bad(ld, w, "", "an object");
		if (r == 0)
			r = get_int(ld, p, "hostPort", w, &has, &hp);
		if (r == 0 && has && hp != 0) {
			int64_t *n = reallocarray(c->host_ports, c->n_host_ports + 1, sizeof(*n));
			if (!n)
				return -ENOMEM;
			c->host_ports = n;
			c->host_ports[c->n_host_ports++] = hp;
		}
	}
	if (r == 0)
		r = parse_handler(ld, o, "livenessProbe", "livenessProbe", where, c) ?:
		    parse_handler(ld, o, "readinessProbe", "readinessProbe", where, c) ?:
		    parse_handler(ld, o, "startupProbe", "startupProbe", where, c);
	if (r == 0)
		r = get_obj(ld, o, "lifecycle", where, &lc);
	if (r == 0 && lc) {
		char w[320];
		(void)xsnprintf(w, sizeof(w), "%s.lifecycle", where);
		r = parse_handler(ld, lc, "postStart", "lifecycle.postStart", w, c)
			?: parse_handler(ld, lc, "preStop", "lifecycle.preStop", w, c);
	}
	return r;
}

static void pod_spec_done(struct k8s_pod_spec *p)
{
	sec_ctx_done(&p->sc);
	for (size_t i = 0; i < p->n_containers; i++)
		container_done(&p->containers[i]);
	free(p->containers);
	free(p->volumes);
	free(p->sysctls);
	free(p->annotations);
	*p = (struct k8s_pod_spec){0};
}

static int parse_pod_spec(struct ld *ld, const json_t *meta, const char *meta_where,
			  const json_t *spec, const char *where, struct k8s_pod_spec *p)
{
	int r = 0;
	if (meta)
		r = get_kv(ld, meta, "annotations", meta_where, &p->annotations, &p->n_annotations);
	if (!spec)
		return r;
	json_t *os = NULL, *sc = NULL, *sysctls = NULL, *vols = NULL;
	if (r == 0)
		r = get_bool(ld, spec, "hostNetwork", where, &p->host_network) ?:
		    get_bool(ld, spec, "hostPID", where, &p->host_pid) ?:
		    get_bool(ld, spec, "hostIPC", where, &p->host_ipc) ?:
		    get_tri(ld, spec, "hostUsers", where, &p->host_users) ?:
		    get_obj(ld, spec, "os", where, &os);
	if (r == 0 && os)
		r = get_str(ld, os, "name", where, &p->os_name);
	if (r == 0)
		r = parse_sec_ctx(ld, spec, where, true, &p->sc);
	if (r == 0)
		r = get_obj(ld, spec, "securityContext", where, &sc);
	if (r == 0 && sc)
		r = get_arr(ld, sc, "sysctls", where, &sysctls);
	if (r == 0 && sysctls) {
		size_t n = json_array_size(sysctls), i;
		json_t *it;
		p->sysctls = calloc(n ? n : 1, sizeof(*p->sysctls));
		if (!p->sysctls)
			return -ENOMEM;
		json_array_foreach(sysctls, i, it)
		{
			char w[320];
			(void)xsnprintf(w, sizeof(w), "%s.securityContext.sysctls[%zu]", where, i);
			const char *name = NULL;
			if (!json_is_object(it))
				return bad(ld, w, "", "an object");
			r = get_str(ld, it, "name", w, &name);
			if (r < 0)
				return r;
			p->sysctls[p->n_sysctls++] = name ? name : "";
		}
	}
	static const struct {
		const char *key;
		enum k8s_ctr_kind kind;
	} lists[] = {
	    {"initContainers", K8S_CTR_INIT},
	    {"containers", K8S_CTR_REGULAR},
	    {"ephemeralContainers", K8S_CTR_EPHEMERAL},
	};
	for (size_t l = 0; r == 0 && l < ARRAY_SIZE(lists); l++) {
		json_t *a;
		r = get_arr(ld, spec, lists[l].key, where, &a);
		if (r < 0 || !a)
			continue;
		size_t n = json_array_size(a), i;
		json_t *it;
		struct k8s_container *nc =
		    reallocarray(p->containers, p->n_containers + n + 1, sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		p->containers = nc;
		json_array_foreach(a, i, it)
		{
			char w[300];
			(void)xsnprintf(w, sizeof(w), "%s.%s[%zu]", where, lists[l].key, i);
			if (!json_is_object(it))
				return bad(ld, w, "", "an object");
			struct k8s_container *c = &p->containers[p->n_containers++];
			*c = (struct k8s_container){.kind = lists[l].kind};
			r = parse_container(ld, it, w, c);
			if (r < 0)
				return r;
		}
	}
	if (r == 0)
		r = get_arr(ld, spec, "volumes", where, &vols);
	if (r == 0 && vols) {
		size_t n = json_array_size(vols), i;
		json_t *it;
		p->volumes = calloc(n ? n : 1, sizeof(*p->volumes));
		if (!p->volumes)
			return -ENOMEM;
		json_array_foreach(vols, i, it)
		{
			char w[300];
			(void)xsnprintf(w, sizeof(w), "%s.volumes[%zu]", where, i);
			if (!json_is_object(it))
				return bad(ld, w, "", "an object");
			struct k8s_volume *v = &p->volumes[p->n_volumes++];
			r = get_str(ld, it, "name", w, &v->name);
			if (r < 0)
				return r;
			const char *k;
			json_t *val;
			json_object_foreach(it, k, val)
			{
				if (streq(k, "name") || json_is_null(val))
					continue;
				if (!v->source)
					v->source = k;
				if (streq(k, "hostPath") && json_is_object(val))
					(void)get_str(ld, val, "path", w, &v->host_path);
			}
		}
	}
	return r;
}

/* ---- objects ------------------------------------------------------------------------ */

static const char *const kind_names[_K8S_KIND_MAX] = {
    [K8S_KIND_POD] = "Pod",
    [K8S_KIND_DEPLOYMENT] = "Deployment",
    [K8S_KIND_STATEFULSET] = "StatefulSet",
    [K8S_KIND_DAEMONSET] = "DaemonSet",
    [K8S_KIND_REPLICASET] = "ReplicaSet",
    [K8S_KIND_JOB] = "Job",
    [K8S_KIND_CRONJOB] = "CronJob",
    [K8S_KIND_REPLICATIONCONTROLLER] = "ReplicationController",
    [K8S_KIND_PODTEMPLATE] = "PodTemplate",
    [K8S_KIND_NAMESPACE] = "Namespace",
    [K8S_KIND_SECRET] = "Secret",
    [K8S_KIND_CONFIGMAP] = "ConfigMap",
};

const char *k8s_kind_name(enum k8s_kind k)
{
	return k < _K8S_KIND_MAX && kind_names[k] ? kind_names[k] : "";
}

/* Kinds this slice knows but does not model yet (later slices: RBAC, network, exposure). */
static const char *const known_kinds[] = {
    "Service",
    "ServiceAccount",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "NetworkPolicy",
    "Ingress",
    "IngressClass",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "LimitRange",
    "ResourceQuota",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "StorageClass",
    "Endpoints",
    "EndpointSlice",
    "PriorityClass",
    "RuntimeClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "CustomResourceDefinition",
    "APIService",
    "ControllerRevision",
    "Lease",
    "CSIDriver",
    "Node",
};

/* The API group of an apiVersion ("" for the core group "v1"). */
static struct span api_group(const char *api_version)
{
	struct span before, after;
	if (span_cut(span_from(api_version), '/', &before, &after))
		return before;
	return SPAN_NULL;
}

static enum k8s_kind classify(const char *kind, const char *api_version)
{
	struct span g = api_group(api_version);
	bool core = g.len == 0, apps = span_eq_str(g, "apps") || span_eq_str(g, "extensions"),
	     batch = span_eq_str(g, "batch");
	for (int k = K8S_KIND_POD; k < _K8S_KIND_MAX; k++) {
		if (!streq(kind, kind_names[k]))
			continue;
		switch (k) {
		case K8S_KIND_DEPLOYMENT:
		case K8S_KIND_DAEMONSET:
		case K8S_KIND_REPLICASET:
			return apps ? (enum k8s_kind)k : K8S_KIND_OTHER;
		case K8S_KIND_STATEFULSET:
			return span_eq_str(g, "apps") ? K8S_KIND_STATEFULSET : K8S_KIND_OTHER;
		case K8S_KIND_JOB:
		case K8S_KIND_CRONJOB:
			return batch ? (enum k8s_kind)k : K8S_KIND_OTHER;
		default:
			return core ? (enum k8s_kind)k : K8S_KIND_OTHER;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(known_kinds); i++)
		if (streq(kind, known_kinds[i]))
			return K8S_KIND_KNOWN;
	return K8S_KIND_OTHER;
}

static void object_done(struct k8s_object *o)
{
	free(o->path);
	json_decref(o->raw);
	free(o->labels);
	pod_spec_done(&o->pod);
	*o = (struct k8s_object){0};
}

/* Where the pod template of a kind sits, as a chain of object keys. */
static const char *const *pod_template_keys(enum k8s_kind k, const char **ret_path)
{
	static const char *const pod[] = {NULL};
	static const char *const tmpl[] = {"spec", "template", NULL};
	static const char *const ptmpl[] = {"template", NULL};
	static const char *const cron[] = {"spec", "jobTemplate", "spec", "template", NULL};
	switch (k) {
	case K8S_KIND_POD:
		*ret_path = "spec";
		return pod;
	case K8S_KIND_DEPLOYMENT:
	case K8S_KIND_STATEFULSET:
	case K8S_KIND_DAEMONSET:
	case K8S_KIND_REPLICASET:
	case K8S_KIND_JOB:
	case K8S_KIND_REPLICATIONCONTROLLER:
		*ret_path = "spec.template.spec";
		return tmpl;
	case K8S_KIND_PODTEMPLATE:
		*ret_path = "template.spec";
		return ptmpl;
	case K8S_KIND_CRONJOB:
		*ret_path = "spec.jobTemplate.spec.template.spec";
		return cron;
	default:
		return NULL;
	}
}

static int fill_object(struct ld *ld, json_t *v, struct k8s_object *o)
{
	json_t *meta = NULL;
	int r = get_str(ld, v, "apiVersion", "", &o->api_version)
		    ?: get_obj(ld, v, "metadata", "", &meta);
	if (r < 0)
		return r;
	if (!o->api_version)
		o->api_version = "";
	o->kind = classify(o->kind_name, o->api_version);
	if (o->kind == K8S_KIND_SECRET || o->kind == K8S_KIND_CONFIGMAP) {
		/* Never stored, never printed. */
		(void)json_object_del(v, "data");
		(void)json_object_del(v, "stringData");
		(void)json_object_del(v, "binaryData");
	}
	if (meta)
		r = get_str(ld, meta, "name", "metadata", &o->name) ?:
		    get_str(ld, meta, "namespace", "metadata", &o->namespace_) ?:
		    get_kv(ld, meta, "labels", "metadata", &o->labels, &o->n_labels);
	if (r < 0)
		return r;
	if (!o->name)
		o->name = "";
	if (o->kind == K8S_KIND_NAMESPACE) {
		static const char *const modes[_K8S_PSA_MODE_MAX] = {"enforce", "audit", "warn"};
		for (size_t i = 0; i < o->n_labels; i++)
			for (int m = 0; m < _K8S_PSA_MODE_MAX; m++) {
				struct span k = span_from(o->labels[i].key);
				if (!span_startswith(k, "pod-security.kubernetes.io/"))
					continue;
				k = span_slice(k, 27, k.len - 27);
				if (span_eq_str(k, modes[m]))
					o->psa.level[m] = o->labels[i].value;
				else if (span_startswith(k, modes[m]) &&
					 span_eq_str(span_slice(k, strlen(modes[m]),
								k.len - strlen(modes[m])),
						     "-version"))
					o->psa.version[m] = o->labels[i].value;
			}
	}
	const char *pod_path = NULL;
	const char *const *keys = pod_template_keys(o->kind, &pod_path);
	if (!keys)
		return 0;
	json_t *t = v;
	char where[128] = "";
	for (size_t i = 0; keys[i] && t; i++) {
		json_t *next;
		r = get_obj(ld, t, keys[i], where, &next);
		if (r < 0)
			return r;
		(void)xsnprintf(where + strlen(where), sizeof(where) - strlen(where), "%s%s",
				where[0] ? "." : "", keys[i]);
		t = next;
	}
	o->pod_path = pod_path;
	if (!t)
		return 0; /* no template: nothing a pod would run */
	json_t *pmeta = NULL, *pspec = NULL;
	char wm[160];
	(void)xsnprintf(wm, sizeof(wm), "%s%smetadata", where, where[0] ? "." : "");
	r = get_obj(ld, t, "metadata", where, &pmeta) ?: get_obj(ld, t, "spec", where, &pspec);
	if (r < 0)
		return r;
	if (!pspec)
		return 0;
	o->has_pod = true;
	return parse_pod_spec(ld, pmeta, wm, pspec, pod_path, &o->pod);
}

static bool is_list_kind(const char *kind, const json_t *v)
{
	return streq(kind, "List") || (span_endswith(span_from(kind), "List") &&
				       json_is_array(json_object_get(v, "items")));
}

#define K8S_LIST_MAX_DEPTH 4

/* ---- lookup index ------------------------------------------------------------------- */

/*
 * Two open-addressing hash tables (linear probing, at most half full), one keyed by (kind as
 * written, effective namespace, name), one by (kind as written, name). A slot holds one key:
 * the first and the last object with it in load order; next[] chains the objects in between,
 * in load order, so a lookup returns the first match exactly as a scan of objs would.
 * Objects are referred to by position in objs, which stays valid when objs is reallocated.
 */
#define K8S_INDEX_MIN_OBJECTS 16 /* fewer: lookups scan, and nothing is allocated */
#define IDX_NONE	      SIZE_MAX

struct idx_slot {
	uint64_t hash;
	size_t head, tail; /* positions in objs; head is IDX_NONE in an empty slot */
};

struct idx_table {
	struct idx_slot *slots; /* owned; n_slots = 2 * cap, a power of two */
	size_t *next;		/* owned; cap entries: the next object with the same key */
	bool with_ns;		/* the key includes the effective namespace */
};

struct k8s_index {
	struct idx_table by_ns, by_name;
	size_t cap;	  /* objects the tables have room for; 0: not built */
	size_t n_indexed; /* objs[0 .. n_indexed) are in the tables */
};

static void idx_table_done(struct idx_table *t)
{
	free(t->slots);
	free(t->next);
	t->slots = NULL;
	t->next = NULL;
}

static void index_free(struct k8s_index *x)
{
	if (!x)
		return;
	idx_table_done(&x->by_ns);
	idx_table_done(&x->by_name);
	free(x);
}

/* FNV-1a over s and a terminator, so that ("ab", "c") and ("a", "bc") differ. */
static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * UINT64_C(0x100000001b3);
	return (h ^ 0xffu) * UINT64_C(0x100000001b3);
}

static uint64_t key_hash(const char *kind, const char *ns, const char *name)
{
	uint64_t h = hash_str(UINT64_C(0xcbf29ce484222325), kind);
	if (ns)
		h = hash_str(h, ns);
	h = hash_str(h, name);
	/* Spread the high bits into the low ones the mask keeps. */
	h ^= h >> 31;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	return h ^ (h >> 29);
}

static bool indexable(const struct k8s_object *o)
{
	return o->kind_name && o->name;
}

static bool obj_has_key(const struct k8s_object *o, const char *kind, const char *ns,
			const char *name)
{
	return indexable(o) && streq(o->kind_name, kind) && streq(o->name, name) &&
	       (!ns || streq(k8s_object_namespace(o), ns));
}

static void idx_insert(struct idx_table *t, size_t n_slots, const struct k8s_object *objs, size_t i)
{
	const struct k8s_object *o = &objs[i];
	const char *ns = t->with_ns ? k8s_object_namespace(o) : NULL;
	uint64_t h = key_hash(o->kind_name, ns, o->name);
	t->next[i] = IDX_NONE;
	for (size_t s = (size_t)h & (n_slots - 1);; s = (s + 1) & (n_slots - 1)) {
		struct idx_slot *sl = &t->slots[s];
		if (sl->head == IDX_NONE) {
			*sl = (struct idx_slot){h, i, i};
			return;
		}
		if (sl->hash == h && obj_has_key(&objs[sl->head], o->kind_name, ns, o->name)) {
			t->next[sl->tail] = i;
			sl->tail = i;
			return;
		}
	}
}

static int idx_table_alloc(struct idx_table *t, size_t cap, bool with_ns)
{
	size_t n_slots;
	*t = (struct idx_table){.with_ns = with_ns};
	if (!size_mul(cap, 2, &n_slots))
		return -ENOMEM;
	t->slots = reallocarray(NULL, n_slots, sizeof(*t->slots));
	t->next = reallocarray(NULL, cap, sizeof(*t->next));
	if (!t->slots || !t->next) {
		idx_table_done(t);
		return -ENOMEM;
	}
	for (size_t s = 0; s < n_slots; s++)
		t->slots[s] = (struct idx_slot){.head = IDX_NONE};
	return 0;
}

/* Bring m->index up to m->objs: 0, or -ENOMEM (the index is then unusable for m as it is). */
static int index_sync(const struct k8s_manifests *m)
{
	struct k8s_index *x = m->index;
	if (x->cap && x->n_indexed == m->n)
		return 0;
	if (!x->cap || x->n_indexed > m->n || m->n > x->cap) {
		/* (Re)build with room to double: appends stay amortised O(1). */
		size_t cap = 64;
		while (cap < m->n)
			if (!size_mul(cap, 2, &cap))
				return -ENOMEM;
		struct idx_table by_ns, by_name;
		if (idx_table_alloc(&by_ns, cap, true) < 0)
			return -ENOMEM;
		if (idx_table_alloc(&by_name, cap, false) < 0) {
			idx_table_done(&by_ns);
			return -ENOMEM;
		}
		idx_table_done(&x->by_ns);
		idx_table_done(&x->by_name);
		*x = (struct k8s_index){.by_ns = by_ns, .by_name = by_name, .cap = cap};
	}
	for (size_t i = x->n_indexed; i < m->n; i++) {
		if (!indexable(&m->objs[i])) {
			x->by_ns.next[i] = x->by_name.next[i] = IDX_NONE;
			continue;
		}
		idx_insert(&x->by_ns, 2 * x->cap, m->objs, i);
		idx_insert(&x->by_name, 2 * x->cap, m->objs, i);
	}
	x->n_indexed = m->n;
	return 0;
}

/*
 * The first object with the key (see obj_has_key()) and, when want_kind is not
 * _K8S_KIND_MAX, that model kind.
 */
static const struct k8s_object *find_object(const struct k8s_manifests *m, const char *kind,
					    const char *ns, const char *name,
					    enum k8s_kind want_kind)
{
	if (!m->index || index_sync(m) < 0) {
		for (size_t i = 0; i < m->n; i++) {
			const struct k8s_object *o = &m->objs[i];
			if (obj_has_key(o, kind, ns, name) &&
			    (want_kind == _K8S_KIND_MAX || o->kind == want_kind))
				return o;
		}
		return NULL;
	}
	const struct idx_table *t = ns ? &m->index->by_ns : &m->index->by_name;
	size_t n_slots = 2 * m->index->cap;
	uint64_t h = key_hash(kind, ns, name);
	for (size_t s = (size_t)h & (n_slots - 1);; s = (s + 1) & (n_slots - 1)) {
		const struct idx_slot *sl = &t->slots[s];
		if (sl->head == IDX_NONE)
			return NULL;
		if (sl->hash != h || !obj_has_key(&m->objs[sl->head], kind, ns, name))
			continue;
		for (size_t i = sl->head; i != IDX_NONE; i = t->next[i])
			if (want_kind == _K8S_KIND_MAX || m->objs[i].kind == want_kind)
				return &m->objs[i];
		return NULL;
	}
}

const struct k8s_object *k8s_manifests_find(const struct k8s_manifests *m, const char *kind,
					    const char *ns, const char *name)
{
	return find_object(m, kind, ns, name, _K8S_KIND_MAX);
}

static int load_value(struct k8s_manifests *m, struct ld *ld, json_t *v, unsigned depth)
{
	if (json_is_null(v))
		return 0;
	if (!json_is_object(v)) {
		bh_diag_set(ld->diag, ld->path, ld->line, 0,
			    "document is not a Kubernetes object (a mapping)");
		return -EBADMSG;
	}
	const char *kind;
	int r = get_str(ld, v, "kind", "", &kind);
	if (r < 0)
		return r;
	if (!kind || !kind[0]) {
		bh_diag_set(ld->diag, ld->path, ld->line, 0, "object has no kind");
		return -EBADMSG;
	}
	if (is_list_kind(kind, v)) {
		json_t *items;
		if (depth >= K8S_LIST_MAX_DEPTH) {
			bh_diag_set(ld->diag, ld->path, ld->line, 0, "lists nested deeper than %d",
				    K8S_LIST_MAX_DEPTH);
			return -E2BIG;
		}
		r = get_arr(ld, v, "items", "", &items);
		size_t i;
		json_t *it;
		unsigned list_line = ld->line;
		json_array_foreach(items, i, it)
		{
			if (r < 0)
				break;
			/* each item of a top-level List carries its own line */
			ld->line = depth == 0 && i < ld->n_item_lines ? ld->item_lines[i] : list_line;
			r = load_value(m, ld, it, depth + 1);
		}
		ld->line = list_line;
		return r;
	}
	if (GROW(m->objs, m->n, m->cap) < 0)
		return -ENOMEM;
	if (!m->index && m->n + 1 >= K8S_INDEX_MIN_OBJECTS) {
		/* Empty: the first lookup fills it (see k8s_manifests_find()). */
		m->index = calloc(1, sizeof(*m->index));
		if (!m->index)
			return -ENOMEM;
	}
	struct k8s_object *o = &m->objs[m->n];
	*o = (struct k8s_object){.kind_name = kind, .line = ld->line};
	o->path = strdup(ld->path);
	o->raw = json_incref(v);
	if (!o->path)
		r = -ENOMEM;
	if (r == 0)
		r = fill_object(ld, v, o);
	if (r < 0) {
		object_done(o);
		return r;
	}
	m->n++;
	if (o->kind == K8S_KIND_OTHER) {
		_cleanup_free_ char *note = NULL;
		if (asprintf(&note, "%s:%u: ignoring unknown kind %s (%s)", ld->path, ld->line,
			     kind, o->api_version[0] ? o->api_version : "no apiVersion") < 0)
			return -ENOMEM;
		r = strv_push_take(&m->notes, TAKE_PTR(note));
	}
	return r;
}

int k8s_manifests_load_buf(struct k8s_manifests *m, const char *source, struct span data,
			   const struct bh_limits *limits, struct bh_diag *reterr_diag)
{
	struct bh_yaml_stream s = {0};
	int r = bh_yaml_parse(data, limits, source, &s, reterr_diag);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < s.n; i++) {
		struct ld ld = {.path = source,
				.line = s.docs[i].line,
				.diag = reterr_diag,
				.item_lines = s.docs[i].item_lines,
				.n_item_lines = s.docs[i].n_item_lines};
		r = load_value(m, &ld, s.docs[i].value, 0);
	}
	bh_yaml_stream_done(&s);
	m->n_files++;
	return r;
}

int k8s_manifests_add_json(struct k8s_manifests *m, const char *source, json_t *obj,
			   struct bh_diag *reterr_diag)
{
	struct ld ld = {.path = source, .diag = reterr_diag};
	return load_value(m, &ld, obj, 0);
}

static int load_file_at(struct k8s_manifests *m, int dirfd, const char *name, const char *display,
			const struct bh_limits *limits, struct bh_diag *diag)
{
	_cleanup_buf_ struct buf data;
	buf_init(&data, (size_t)limits->input_max_bytes + 1);
	int r = bh_read_file_at(dirfd, name, 0, (size_t)limits->input_max_bytes, &data);
	if (r == -E2BIG) {
		bh_diag_set(diag, display, 0, 0, "larger than %llu bytes (input-max-bytes)",
			    (unsigned long long)limits->input_max_bytes);
		return r;
	}
	if (r < 0) {
		bh_diag_set(diag, display, 0, 0, "cannot read: %s", strerror(-r));
		return r;
	}
	return k8s_manifests_load_buf(m, display, buf_span(&data), limits, diag);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_manifest_name(const char *n)
{
	struct span s = span_from(n);
	return span_endswith(s, ".yaml") || span_endswith(s, ".yml") || span_endswith(s, ".json");
}

static void closedirp(DIR **d)
{
	if (*d)
		(void)closedir(*d);
}

static int load_dir(struct k8s_manifests *m, int fd_take, const char *display, unsigned depth,
		    const struct bh_limits *limits, struct bh_diag *diag)
{
	_cleanup_(closedirp) DIR *d = fdopendir(fd_take);
	if (!d) {
		int r = -errno;
		(void)close(fd_take);
		bh_diag_set(diag, display, 0, 0, "cannot read directory: %s", strerror(-r));
		return r;
	}
	if (depth > limits->path_max_depth) {
		bh_diag_set(diag, display, 0, 0,
			    "directories nested deeper than %llu "
			    "(path-max-depth)",
			    (unsigned long long)limits->path_max_depth);
		return -E2BIG;
	}
	struct strv names = {0};
	int r = 0;
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue; /* ".", "..", hidden files and directories (.git) */
		if ((r = strv_push(&names, de->d_name)) < 0)
			break;
	}
	if (r == 0 && errno != 0)
		r = -errno;
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_names);
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		const char *n = names.v[i];
		_cleanup_free_ char *child = NULL;
		if (asprintf(&child, "%s%s%s", display,
			     span_endswith(span_from(display), "/") ? "" : "/", n) < 0) {
			r = -ENOMEM;
			break;
		}
		struct stat st;
		if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			bh_diag_set(diag, child, 0, 0, "cannot stat: %s", strerror(-r));
			break;
		}
		bool is_link = S_ISLNK(st.st_mode);
		if (is_link && fstatat(dirfd(d), n, &st, 0) < 0)
			continue; /* dangling link */
		if (S_ISDIR(st.st_mode)) {
			if (is_link)
				continue; /* never follow links to directories: no loops */
			int fd =
			    openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
			if (fd < 0) {
				r = -errno;
				bh_diag_set(diag, child, 0, 0, "cannot open: %s", strerror(-r));
				break;
			}
			r = load_dir(m, fd, child, depth + 1, limits, diag);
		} else if (S_ISREG(st.st_mode) && is_manifest_name(n)) {
			r = load_file_at(m, dirfd(d), n, child, limits, diag);
		}
	}
	strv_done(&names);
	return r;
}

int k8s_manifests_load_path(struct k8s_manifests *m, const char *path,
			    const struct bh_limits *limits, struct bh_diag *reterr_diag)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		int r = -errno;
		bh_diag_set(reterr_diag, path, 0, 0, "%s", strerror(-r));
		return r;
	}
	if (S_ISDIR(st.st_mode)) {
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			int r = -errno;
			bh_diag_set(reterr_diag, path, 0, 0, "cannot open: %s", strerror(-r));
			return r;
		}
		return load_dir(m, fd, path, 0, limits, reterr_diag);
	}
	return load_file_at(m, AT_FDCWD, path, path, limits, reterr_diag);
}

void k8s_manifests_done(struct k8s_manifests *m)
{
	for (size_t i = 0; i < m->n; i++)
		object_done(&m->objs[i]);
	free(m->objs);
	strv_done(&m->notes);
	index_free(m->index);
	*m = (struct k8s_manifests){0};
}

const char *k8s_object_namespace(const struct k8s_object *o)
{
	return o->namespace_ && o->namespace_[0] ? o->namespace_ : "default";
}

const struct k8s_object *k8s_manifests_find_namespace(const struct k8s_manifests *m,
						      const char *name)
{
	/* The loader gives every K8S_KIND_NAMESPACE object the kind_name "Namespace". */
	return find_object(m, "Namespace", NULL, name, K8S_KIND_NAMESPACE);
}

const char *k8s_pod_annotation(const struct k8s_pod_spec *pod, const char *key)
{
	for (size_t i = 0; i < pod->n_annotations; i++)
		if (streq(pod->annotations[i].key, key))
			return pod->annotations[i].value;
	return NULL;
}
