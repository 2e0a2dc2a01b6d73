/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hardening.c — see hardening.h. One table row per rule; one function per rule that reads a
 * pod (or one container) and describes what is wrong. References: CIS Kubernetes Benchmark
 * v1.9 section 5 (5.1 RBAC and service accounts, 5.2 pod security, 5.4 secrets, 5.5 image
 * provenance, 5.7 general policies) and NIST SP 800-190 section 4 (4.1 image, 4.2 registry,
 * 4.3 orchestrator, 4.4 container, 4.5 host OS risks).
 *
 * Must not: print a literal env value, or report what the Pod Security Standards report for
 * the same object (check.c drops a rule whose pss_id was reported when both sets run).
 */
#include <stdio.h>

#include "k8s/hardening.h"

enum hard_idx {
	H_CPU_LIMIT,
	H_MEM_LIMIT,
	H_CPU_REQUEST,
	H_MEM_REQUEST,
	H_LIVENESS,
	H_READINESS,
	H_IMAGE_LATEST,
	H_IMAGE_UNTAGGED,
	H_IMAGE_DIGEST,
	H_PULL_POLICY,
	H_RO_ROOTFS,
	H_RUN_AS_NON_ROOT,
	H_RUN_AS_ROOT_UID,
	H_RUN_AS_ROOT_GID,
	H_PRIVILEGED,
	H_PRIV_ESC,
	H_CAPS_DROP_ALL,
	H_NET_RAW,
	H_DANGEROUS_CAPS,
	H_SECCOMP,
	H_SA_TOKEN,
	H_DEFAULT_SA,
	H_DEFAULT_NS,
	H_RUNTIME_SOCKET,
	H_SENSITIVE_HOST_PATH,
	H_WRITABLE_HOST_PATH,
	H_BIDIRECTIONAL,
	H_ENV_SECRET,
	H_HOST_ALIASES,
	H_SHARE_PID,
	H_NO_SECURITY_CONTEXT,
	_H_MAX,
};

#define CIS(x)	"CIS-K8S-1.9:" x
#define NIST(x) "NIST-800-190:" x

static const struct k8s_hard_check checks[_H_MAX] = {
    [H_CPU_LIMIT] = {"BH-K8S-HARD-001",
		     "cpu-limit",
		     "Container without a CPU limit",
		     K8S_SEV_MEDIUM,
		     "set resources.limits.cpu in every container",
		     {NIST("4.4.3"), NIST("4.3.4")}},
    [H_MEM_LIMIT] = {"BH-K8S-HARD-002",
		     "memory-limit",
		     "Container without a memory limit",
		     K8S_SEV_MEDIUM,
		     "set resources.limits.memory in every container",
		     {NIST("4.4.3"), NIST("4.3.4")}},
    [H_CPU_REQUEST] = {"BH-K8S-HARD-003",
		       "cpu-request",
		       "Container without a CPU request",
		       K8S_SEV_LOW,
		       "set resources.requests.cpu in every container",
		       {NIST("4.4.3")}},
    [H_MEM_REQUEST] = {"BH-K8S-HARD-004",
		       "memory-request",
		       "Container without a memory request",
		       K8S_SEV_LOW,
		       "set resources.requests.memory in every container",
		       {NIST("4.4.3")}},
    [H_LIVENESS] = {"BH-K8S-HARD-005",
		    "liveness-probe",
		    "Container without a liveness probe",
		    K8S_SEV_LOW,
		    "add a livenessProbe so a hung process is restarted",
		    {NIST("4.4.4")}},
    [H_READINESS] = {"BH-K8S-HARD-006",
		     "readiness-probe",
		     "Container without a readiness probe",
		     K8S_SEV_LOW,
		     "add a readinessProbe so traffic reaches only ready replicas",
		     {NIST("4.4.4")}},
    [H_IMAGE_LATEST] = {"BH-K8S-HARD-007",
			"image-latest",
			"Image uses the \"latest\" tag",
			K8S_SEV_MEDIUM,
			"use an immutable version tag, ideally with an @sha256 digest",
			{CIS("5.5.1"), NIST("4.1.5"), NIST("4.2.2")}},
    [H_IMAGE_UNTAGGED] = {"BH-K8S-HARD-008",
			  "image-untagged",
			  "Image without a tag (implicitly \"latest\")",
			  K8S_SEV_MEDIUM,
			  "name an immutable version tag, ideally with an @sha256 digest",
			  {CIS("5.5.1"), NIST("4.1.5"), NIST("4.2.2")}},
    [H_IMAGE_DIGEST] = {"BH-K8S-HARD-009",
			"image-digest",
			"Image not pinned by digest",
			K8S_SEV_LOW,
			"reference images as name@sha256:<digest>",
			{CIS("5.5.1"), NIST("4.1.5")}},
    [H_PULL_POLICY] = {"BH-K8S-HARD-010",
		       "pull-policy",
		       "Mutable image tag with a cached pull policy",
		       K8S_SEV_LOW,
		       "pin the image by digest or set imagePullPolicy: Always",
		       {NIST("4.2.2")}},
    [H_RO_ROOTFS] = {"BH-K8S-HARD-011",
		     "read-only-rootfs",
		     "Root file system is writable",
		     K8S_SEV_MEDIUM,
		     "set securityContext.readOnlyRootFilesystem: true and mount emptyDir "
		     "volumes where the application writes",
		     {CIS("5.7.3"), NIST("4.4.3"), NIST("4.5.5")}},
    [H_RUN_AS_NON_ROOT] = {"BH-K8S-HARD-012",
			   "run-as-non-root",
			   "Container may run as root",
			   K8S_SEV_MEDIUM,
			   "set securityContext.runAsNonRoot: true or a non-zero runAsUser",
			   {CIS("5.2.7"), NIST("4.4.3")},
			   "BH-K8S-PSS-015"},
    [H_RUN_AS_ROOT_UID] = {"BH-K8S-HARD-013",
			   "run-as-root-uid",
			   "Container runs as UID 0",
			   K8S_SEV_HIGH,
			   "set securityContext.runAsUser to a non-zero UID",
			   {CIS("5.2.7"), NIST("4.4.3")},
			   "BH-K8S-PSS-016"},
    [H_RUN_AS_ROOT_GID] = {"BH-K8S-HARD-014",
			   "run-as-root-gid",
			   "Container runs as GID 0",
			   K8S_SEV_MEDIUM,
			   "set securityContext.runAsGroup to a non-zero GID",
			   {CIS("5.7.3"), NIST("4.4.3")}},
    [H_PRIVILEGED] = {"BH-K8S-HARD-015",
		      "privileged",
		      "Privileged container",
		      K8S_SEV_CRITICAL,
		      "remove securityContext.privileged or set it to false",
		      {CIS("5.2.2"), NIST("4.4.3"), NIST("4.5.2")},
		      "BH-K8S-PSS-002"},
    [H_PRIV_ESC] = {"BH-K8S-HARD-016",
		    "privilege-escalation",
		    "Privilege escalation not disabled",
		    K8S_SEV_MEDIUM,
		    "set securityContext.allowPrivilegeEscalation: false",
		    {CIS("5.2.6"), NIST("4.4.3")},
		    "BH-K8S-PSS-014"},
    [H_CAPS_DROP_ALL] = {"BH-K8S-HARD-017",
			 "caps-drop-all",
			 "Capabilities not dropped (drop: [ALL])",
			 K8S_SEV_MEDIUM,
			 "set securityContext.capabilities.drop: [ALL] and add back only what "
			 "is needed",
			 {CIS("5.2.10"), NIST("4.4.3")},
			 "BH-K8S-PSS-018"},
    [H_NET_RAW] = {"BH-K8S-HARD-018",
		   "net-raw",
		   "NET_RAW capability not dropped",
		   K8S_SEV_LOW,
		   "drop NET_RAW (or ALL) and do not add it back",
		   {CIS("5.2.8"), NIST("4.4.2")}},
    [H_DANGEROUS_CAPS] = {"BH-K8S-HARD-019",
			  "dangerous-caps",
			  "Dangerous capability added",
			  K8S_SEV_HIGH,
			  "do not add SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, BPF or "
			  "similar capabilities",
			  {CIS("5.2.9"), NIST("4.4.3"), NIST("4.5.2")},
			  "BH-K8S-PSS-003"},
    [H_SECCOMP] = {"BH-K8S-HARD-020",
		   "seccomp",
		   "No seccomp profile",
		   K8S_SEV_MEDIUM,
		   "set securityContext.seccompProfile.type: RuntimeDefault (pod or container)",
		   {CIS("5.7.2"), NIST("4.5.2")},
		   "BH-K8S-PSS-017"},
    [H_SA_TOKEN] = {"BH-K8S-HARD-021",
		    "sa-token-automount",
		    "Service account token mounted automatically",
		    K8S_SEV_MEDIUM,
		    "set automountServiceAccountToken: false on the pod or its ServiceAccount "
		    "unless the workload calls the API server",
		    {CIS("5.1.6"), NIST("4.3.2")}},
    [H_DEFAULT_SA] = {"BH-K8S-HARD-022",
		      "default-service-account",
		      "Workload runs under the default service account",
		      K8S_SEV_LOW,
		      "create a dedicated ServiceAccount and set serviceAccountName",
		      {CIS("5.1.5"), NIST("4.3.2")}},
    [H_DEFAULT_NS] = {"BH-K8S-HARD-023",
		      "default-namespace",
		      "Workload in the default namespace",
		      K8S_SEV_LOW,
		      "deploy workloads into a dedicated namespace",
		      {CIS("5.7.1"), CIS("5.7.4"), NIST("4.3.4")}},
    [H_RUNTIME_SOCKET] = {"BH-K8S-HARD-024",
			  "runtime-socket",
			  "Container runtime socket mounted from the host",
			  K8S_SEV_CRITICAL,
			  "never mount docker.sock, containerd.sock, crio.sock or their "
			  "directories into a pod",
			  {CIS("5.2.12"), NIST("4.4.3"), NIST("4.5.5")}},
    [H_SENSITIVE_HOST_PATH] = {"BH-K8S-HARD-025",
			       "sensitive-host-path",
			       "Sensitive host directory mounted",
			       K8S_SEV_HIGH,
			       "do not mount /proc, /sys, /dev, /etc, /root, /boot, kubelet or "
			       "runtime state directories from the host",
			       {CIS("5.2.12"), NIST("4.5.5")}},
    [H_WRITABLE_HOST_PATH] = {"BH-K8S-HARD-026",
			      "writable-host-path",
			      "hostPath volume mounted writable",
			      K8S_SEV_MEDIUM,
			      "mount hostPath volumes with readOnly: true",
			      {CIS("5.2.12"), NIST("4.5.5")}},
    [H_BIDIRECTIONAL] = {"BH-K8S-HARD-027",
			 "bidirectional-propagation",
			 "Volume mounted with Bidirectional propagation",
			 K8S_SEV_HIGH,
			 "use mountPropagation None or HostToContainer",
			 {NIST("4.5.5")}},
    [H_ENV_SECRET] = {"BH-K8S-HARD-028",
		      "env-secret-literal",
		      "Secret in a literal environment value",
		      K8S_SEV_HIGH,
		      "move the value into a Secret and use valueFrom.secretKeyRef or a "
		      "mounted file",
		      {CIS("5.4.1"), NIST("4.1.4")}},
    [H_HOST_ALIASES] = {"BH-K8S-HARD-029",
			"host-aliases",
			"Pod overrides name resolution (hostAliases)",
			K8S_SEV_LOW,
			"remove hostAliases; use DNS or a Service",
			{NIST("4.4.3")}},
    [H_SHARE_PID] = {"BH-K8S-HARD-030",
		     "share-process-namespace",
		     "Containers share the process namespace",
		     K8S_SEV_MEDIUM,
		     "remove shareProcessNamespace or set it to false",
		     {CIS("5.7.3"), NIST("4.4.3")}},
    [H_NO_SECURITY_CONTEXT] = {"BH-K8S-HARD-031",
			       "no-security-context",
			       "No security context on the pod or container",
			       K8S_SEV_LOW,
			       "set a securityContext on the pod or on every container",
			       {CIS("5.7.3"), NIST("4.4.3")}},
};

const struct k8s_hard_check *k8s_hard_checks(size_t *ret_n)
{
	*ret_n = _H_MAX;
	return checks;
}

const char *k8s_severity_name(enum k8s_severity s)
{
	static const char *const names[_K8S_SEV_MAX] = {"low", "medium", "high", "critical"};
	return s < _K8S_SEV_MAX ? names[s] : "?";
}

/* ---- raw JSON helpers ---------------------------------------------------------------- */

/* The value at a dotted path of object keys, or NULL. */
static json_t *json_at(json_t *v, const char *dotted)
{
	struct span in = span_from(dotted), tok;
	while (v && span_next_token(&in, '.', &tok) == 0) {
		char key[64];
		if (tok.len >= sizeof(key) || !json_is_object(v))
			return NULL;
		memcpy(key, tok.ptr, tok.len);
		key[tok.len] = '\0';
		v = json_object_get(v, key);
	}
	return v;
}

static const char *json_str_at(json_t *v, const char *dotted)
{
	json_t *s = json_at(v, dotted);
	return json_is_string(s) ? json_string_value(s) : NULL;
}

static bool json_true_at(json_t *v, const char *dotted)
{
	return json_is_true(json_at(v, dotted));
}

/* A value is given (not absent, not null, not ""). */
static bool json_given(json_t *v)
{
	return v && !json_is_null(v) && !(json_is_string(v) && json_string_length(v) == 0);
}

/* A non-empty object. */
static bool json_nonempty_obj(json_t *v)
{
	return json_is_object(v) && json_object_size(v) > 0;
}

/* ---- evaluation ---------------------------------------------------------------------- */

struct eval {
	const struct k8s_manifests *m;
	const struct k8s_object *o;
	const struct k8s_pod_spec *pod;
	json_t *spec;  /* the raw pod spec (an object) */
	json_t **ctrs; /* raw container objects, parallel to pod->containers */
	struct k8s_hard_result *out;
};

static int violate(struct eval *e, enum hard_idx idx, const struct buf *detail)
{
	if (GROW(e->out->v, e->out->n, e->out->cap) < 0)
		return -ENOMEM;
	char *d = strdup(buf_str(detail));
	if (!d)
		return -ENOMEM;
	e->out->v[e->out->n++] = (struct k8s_hard_violation){&checks[idx], d};
	return 0;
}

static const char *ctr_word(enum k8s_ctr_kind k)
{
	return k == K8S_CTR_INIT	? "init container"
	       : k == K8S_CTR_EPHEMERAL ? "ephemeral container"
					: "container";
}

/* Which containers a per-container rule looks at. */
enum ctr_scope {
	S_ALL,	   /* init, regular, ephemeral */
	S_RUNNING, /* init and regular (ephemeral containers take no resources) */
	S_REGULAR, /* regular only (probes) */
};

/* pred() returns > 0 and describes the problem into b when container i has it. */
typedef int (*ctr_pred)(struct eval *e, size_t i, struct buf *b);

static int per_container(struct eval *e, enum hard_idx idx, enum ctr_scope scope, ctr_pred pred)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 16);
	size_t n = 0;
	for (size_t i = 0; i < e->pod->n_containers; i++) {
		const struct k8s_container *c = &e->pod->containers[i];
		if ((scope == S_RUNNING && c->kind == K8S_CTR_EPHEMERAL) ||
		    (scope == S_REGULAR && c->kind != K8S_CTR_REGULAR))
			continue;
		_cleanup_buf_ struct buf what;
		buf_init(&what, 1 << 14);
		int r = pred(e, i, &what);
		if (r == -E2BIG)
			r = 1; /* a very long clause: report what fits */
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		r = (n++ ? buf_puts(&b, "; ") : 0)
			?: buf_printf(&b, "%s \"%s\" %s", ctr_word(c->kind), c->name ? c->name : "",
				      buf_str(&what));
		if (r == -E2BIG)
			break; /* the detail is long enough: report the clauses that fit */
		if (r < 0)
			return r;
	}
	return n ? violate(e, idx, &b) : 0;
}

static int say(struct buf *b, const char *s)
{
	int r = buf_puts(b, s);
	return r < 0 ? r : 1;
}

/* -- resources, probes -- */

static int missing(struct eval *e, size_t i, struct buf *b, const char *path, const char *what)
{
	if (json_given(json_at(e->ctrs[i], path)))
		return 0;
	return say(b, what);
}

static int pred_cpu_limit(struct eval *e, size_t i, struct buf *b)
{
	return missing(e, i, b, "resources.limits.cpu", "has no resources.limits.cpu");
}

static int pred_mem_limit(struct eval *e, size_t i, struct buf *b)
{
	return missing(e, i, b, "resources.limits.memory", "has no resources.limits.memory");
}

static int pred_cpu_request(struct eval *e, size_t i, struct buf *b)
{
	return missing(e, i, b, "resources.requests.cpu", "has no resources.requests.cpu");
}

static int pred_mem_request(struct eval *e, size_t i, struct buf *b)
{
	return missing(e, i, b, "resources.requests.memory", "has no resources.requests.memory");
}

static int pred_liveness(struct eval *e, size_t i, struct buf *b)
{
	return json_nonempty_obj(json_at(e->ctrs[i], "livenessProbe"))
		   ? 0
		   : say(b, "has no livenessProbe");
}

static int pred_readiness(struct eval *e, size_t i, struct buf *b)
{
	return json_nonempty_obj(json_at(e->ctrs[i], "readinessProbe"))
		   ? 0
		   : say(b, "has no readinessProbe");
}

/* Probes make no sense for run-to-completion pods. */
static bool is_batch(const struct eval *e)
{
	if (e->o->kind == K8S_KIND_JOB || e->o->kind == K8S_KIND_CRONJOB)
		return true;
	const char *rp = json_str_at(e->spec, "restartPolicy");
	return e->o->kind == K8S_KIND_POD && rp && !streq(rp, "Always");
}

/* -- images -- */

struct image_ref {
	bool has_digest;
	struct span tag; /* empty when none */
};

/* [registry[:port]/]path[:tag][@digest]: the tag is a ':' after the last '/'. */
static struct image_ref image_parse(const char *image)
{
	struct image_ref ref = {0};
	struct span s = span_from(image), name = s, digest;
	if (span_cut(s, '@', &name, &digest))
		ref.has_digest = true;
	size_t start = 0;
	for (size_t k = 0; k < name.len; k++)
		if (name.ptr[k] == '/')
			start = k + 1;
	for (size_t k = start; k < name.len; k++)
		if (name.ptr[k] == ':') {
			ref.tag = span_slice(name, k + 1, name.len - k - 1);
			break;
		}
	return ref;
}

static const char *ctr_image(struct eval *e, size_t i)
{
	const char *img = json_str_at(e->ctrs[i], "image");
	return img && img[0] ? img : NULL;
}

static int pred_image_latest(struct eval *e, size_t i, struct buf *b)
{
	const char *img = ctr_image(e, i);
	if (!img)
		return 0;
	struct image_ref ref = image_parse(img);
	if (ref.has_digest || !span_eq_str(ref.tag, "latest"))
		return 0;
	int r = buf_printf(b, "uses image \"%s\"", img);
	return r < 0 ? r : 1;
}

static int pred_image_untagged(struct eval *e, size_t i, struct buf *b)
{
	const char *img = ctr_image(e, i);
	if (!img)
		return 0;
	struct image_ref ref = image_parse(img);
	if (ref.has_digest || ref.tag.len)
		return 0;
	int r = buf_printf(b, "uses image \"%s\" without a tag", img);
	return r < 0 ? r : 1;
}

static int pred_image_digest(struct eval *e, size_t i, struct buf *b)
{
	const char *img = ctr_image(e, i);
	if (!img || image_parse(img).has_digest)
		return 0;
	int r = buf_printf(b, "uses image \"%s\" without a digest", img);
	return r < 0 ? r : 1;
}

static int pred_pull_policy(struct eval *e, size_t i, struct buf *b)
{
	const char *img = ctr_image(e, i);
	const char *pp = json_str_at(e->ctrs[i], "imagePullPolicy");
	if (!img || !pp || streq(pp, "Always"))
		return 0;
	struct image_ref ref = image_parse(img);
	if (ref.has_digest || (ref.tag.len && !span_eq_str(ref.tag, "latest")))
		return 0;
	int r = buf_printf(b, "uses the mutable image \"%s\" with imagePullPolicy %s", img, pp);
	return r < 0 ? r : 1;
}

/* -- security context -- */

static int pred_ro_rootfs(struct eval *e, size_t i, struct buf *b)
{
	return json_true_at(e->ctrs[i], "securityContext.readOnlyRootFilesystem")
		   ? 0
		   : say(b, "does not set securityContext.readOnlyRootFilesystem=true");
}

static int pred_run_as_non_root(struct eval *e, size_t i, struct buf *b)
{
	const struct k8s_sec_ctx *c = &e->pod->containers[i].sc, *p = &e->pod->sc;
	enum k8s_tri rnr =
	    c->run_as_non_root != K8S_UNSET ? c->run_as_non_root : p->run_as_non_root;
	bool has_uid = c->has_run_as_user || p->has_run_as_user;
	int64_t uid = c->has_run_as_user ? c->run_as_user : p->run_as_user;
	if (rnr == K8S_TRUE || (has_uid && uid != 0))
		return 0;
	return say(b, rnr == K8S_FALSE ? "sets runAsNonRoot=false"
				       : "sets neither runAsNonRoot=true nor a non-zero runAsUser");
}

static int pred_root_uid(struct eval *e, size_t i, struct buf *b)
{
	const struct k8s_sec_ctx *c = &e->pod->containers[i].sc, *p = &e->pod->sc;
	bool has_uid = c->has_run_as_user || p->has_run_as_user;
	int64_t uid = c->has_run_as_user ? c->run_as_user : p->run_as_user;
	return has_uid && uid == 0 ? say(b, "runs with runAsUser=0") : 0;
}

static int pred_root_gid(struct eval *e, size_t i, struct buf *b)
{
	json_t *g = json_at(e->ctrs[i], "securityContext.runAsGroup");
	if (!json_is_integer(g))
		g = json_at(e->spec, "securityContext.runAsGroup");
	return json_is_integer(g) && json_integer_value(g) == 0 ? say(b, "runs with runAsGroup=0")
								: 0;
}

static int pred_privileged(struct eval *e, size_t i, struct buf *b)
{
	return e->pod->containers[i].sc.privileged == K8S_TRUE
		   ? say(b, "sets securityContext.privileged=true")
		   : 0;
}

static int pred_priv_esc(struct eval *e, size_t i, struct buf *b)
{
	return e->pod->containers[i].sc.allow_privilege_escalation == K8S_FALSE
		   ? 0
		   : say(b, "does not set securityContext.allowPrivilegeEscalation=false");
}

/* A capability name without its optional CAP_ prefix, upper case as written. */
static bool cap_is(const char *cap, const char *name)
{
	struct span s = span_from(cap);
	if (span_startswith(s, "CAP_"))
		s = span_slice(s, 4, s.len - 4);
	return span_eq_nocase(s, span_from(name));
}

static bool caps_has(const char **caps, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (cap_is(caps[i], name))
			return true;
	return false;
}

static int pred_caps_drop_all(struct eval *e, size_t i, struct buf *b)
{
	const struct k8s_sec_ctx *sc = &e->pod->containers[i].sc;
	return caps_has(sc->caps_drop, sc->n_caps_drop, "ALL")
		   ? 0
		   : say(b, "does not drop ALL capabilities");
}

static int pred_net_raw(struct eval *e, size_t i, struct buf *b)
{
	const struct k8s_sec_ctx *sc = &e->pod->containers[i].sc;
	if (caps_has(sc->caps_add, sc->n_caps_add, "NET_RAW") ||
	    caps_has(sc->caps_add, sc->n_caps_add, "ALL"))
		return say(b, "adds NET_RAW");
	if (caps_has(sc->caps_drop, sc->n_caps_drop, "ALL") ||
	    caps_has(sc->caps_drop, sc->n_caps_drop, "NET_RAW"))
		return 0;
	return say(b, "does not drop NET_RAW");
}

static int pred_dangerous_caps(struct eval *e, size_t i, struct buf *b)
{
	static const char *const bad[] = {
	    "ALL",	    "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE",      "SYS_RAWIO",
	    "BPF",	    "PERFMON",	 "SYS_BOOT",  "SYS_TIME",   "DAC_READ_SEARCH", "MAC_ADMIN",
	    "MAC_OVERRIDE", "SYSLOG",	 NULL,
	};
	const struct k8s_sec_ctx *sc = &e->pod->containers[i].sc;
	size_t n = 0;
	for (size_t k = 0; k < sc->n_caps_add; k++) {
		bool hit = false;
		for (size_t j = 0; bad[j] && !hit; j++)
			hit = cap_is(sc->caps_add[k], bad[j]);
		if (!hit)
			continue;
		int r = buf_printf(b, "%s\"%s\"", n++ ? ", " : "adds ", sc->caps_add[k]);
		if (r < 0)
			return r;
	}
	return n > 0;
}

static int pred_seccomp(struct eval *e, size_t i, struct buf *b)
{
	const char *t = e->pod->containers[i].sc.seccomp_type;
	if (!t)
		t = e->pod->sc.seccomp_type;
	if (!t) {
		/* The pre-1.19 annotations still select a profile on old clusters. */
		const char *a =
		    k8s_pod_annotation(e->pod, "seccomp.security.alpha.kubernetes.io/pod");
		if (a && (streq(a, "runtime/default") || streq(a, "docker/default") ||
			  span_startswith(span_from(a), "localhost/")))
			return 0;
	}
	return t ? 0 : say(b, "has no seccompProfile (pod or container)");
}

static int pred_no_security_context(struct eval *e, size_t i, struct buf *b)
{
	if (json_nonempty_obj(json_at(e->spec, "securityContext")) ||
	    json_nonempty_obj(json_at(e->ctrs[i], "securityContext")))
		return 0;
	return say(b, "has no securityContext and neither has the pod");
}

/* -- volumes -- */

static const char *const runtime_sockets[] = {
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
    "/run/cri-dockerd.sock",
    "/var/run/podman/podman.sock",
    "/run/podman/podman.sock",
    "/var/run/dockershim.sock",
    "/run/k3s/containerd/containerd.sock",
    NULL,
};

static const char *const sensitive_dirs[] = {
    "/proc",
    "/sys",
    "/dev",
    "/etc",
    "/root",
    "/boot",
    "/home",
    "/usr",
    "/lib/modules",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/etcd",
    "/var/lib/rancher",
    "/var/log",
    NULL,
};

/* The host path without trailing slashes ("/" stays "/"). */
static struct span host_path_norm(const char *p)
{
	struct span s = span_from(p);
	while (s.len > 1 && s.ptr[s.len - 1] == '/')
		s.len--;
	return s;
}

/* dir is path or one of its parents. */
static bool path_under(struct span path, struct span dir)
{
	if (span_eq_str(dir, "/"))
		return path.len > 0 && path.ptr[0] == '/';
	if (path.len < dir.len || memcmp(path.ptr, dir.ptr, dir.len) != 0)
		return false;
	return path.len == dir.len || path.ptr[dir.len] == '/';
}

/* The runtime socket a hostPath exposes (the socket itself or a parent directory). */
static const char *exposed_socket(const char *host_path)
{
	struct span hp = host_path_norm(host_path);
	for (size_t i = 0; runtime_sockets[i]; i++)
		if (path_under(span_from(runtime_sockets[i]), hp))
			return runtime_sockets[i];
	/* Any other *.sock under a runtime directory. */
	if (span_endswith(hp, "docker.sock") || span_endswith(hp, "containerd.sock") ||
	    span_endswith(hp, "crio.sock") || span_endswith(hp, "podman.sock"))
		return host_path;
	return NULL;
}

static int each_host_path(struct eval *e, enum hard_idx idx)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 16);
	size_t n = 0;
	for (size_t i = 0; i < e->pod->n_volumes; i++) {
		const struct k8s_volume *v = &e->pod->volumes[i];
		if (!v->source || !streq(v->source, "hostPath") || !v->host_path)
			continue;
		const char *sock = exposed_socket(v->host_path);
		int r = 0;
		if (idx == H_RUNTIME_SOCKET && sock) {
			r = buf_printf(&b, "%svolume \"%s\" mounts %s", n++ ? "; " : "",
				       v->name ? v->name : "", v->host_path);
			if (r >= 0 && !streq(sock, v->host_path))
				r = buf_printf(&b, " (exposes %s)", sock);
		} else if (idx == H_SENSITIVE_HOST_PATH && !sock) {
			struct span hp = host_path_norm(v->host_path);
			for (size_t k = 0; sensitive_dirs[k]; k++)
				if (path_under(hp, span_from(sensitive_dirs[k]))) {
					r = buf_printf(&b, "%svolume \"%s\" mounts %s",
						       n++ ? "; " : "", v->name ? v->name : "",
						       v->host_path);
					break;
				}
		}
		if (r == -E2BIG)
			break; /* report the volumes that fit */
		if (r < 0)
			return r;
	}
	return n ? violate(e, idx, &b) : 0;
}

static bool volume_is_host_path(const struct eval *e, const char *name)
{
	for (size_t i = 0; name && i < e->pod->n_volumes; i++) {
		const struct k8s_volume *v = &e->pod->volumes[i];
		if (v->name && streq(v->name, name) && v->source && streq(v->source, "hostPath"))
			return true;
	}
	return false;
}

static int pred_writable_host_path(struct eval *e, size_t i, struct buf *b)
{
	json_t *mounts = json_at(e->ctrs[i], "volumeMounts"), *vm;
	size_t k, n = 0;
	if (!json_is_array(mounts))
		return 0;
	json_array_foreach(mounts, k, vm)
	{
		const char *name = json_str_at(vm, "name");
		if (!volume_is_host_path(e, name) || json_true_at(vm, "readOnly"))
			continue;
		const char *mp = json_str_at(vm, "mountPath");
		int r = buf_printf(b, "%s\"%s\"%s%s", n++ ? ", " : "mounts hostPath volume ", name,
				   mp ? " writable at " : " writable", mp ? mp : "");
		if (r < 0)
			return r;
	}
	return n > 0;
}

static int pred_bidirectional(struct eval *e, size_t i, struct buf *b)
{
	json_t *mounts = json_at(e->ctrs[i], "volumeMounts"), *vm;
	size_t k, n = 0;
	if (!json_is_array(mounts))
		return 0;
	json_array_foreach(mounts, k, vm)
	{
		const char *prop = json_str_at(vm, "mountPropagation");
		if (!prop || !streq(prop, "Bidirectional"))
			continue;
		const char *name = json_str_at(vm, "name");
		int r =
		    buf_printf(b, "%s\"%s\"", n++ ? ", " : "mounts with Bidirectional propagation ",
			       name ? name : "");
		if (r < 0)
			return r;
	}
	return n > 0;
}

/* -- env -- */

/*
 * Whether an env variable name suggests a credential: a word (split at non-alphanumerics,
 * compared without case) containing PASSWORD, PASSWD, SECRET, TOKEN, APIKEY, ACCESSKEY or
 * PRIVATEKEY (camelCase names are one word), or being KEY, PWD or CREDENTIAL(S); unless the last
 * word says the value only points to the secret (FILE, PATH, DIR, NAME, REF, URL, ...).
 */
static bool env_name_sensitive(const char *name)
{
	static const char *const subs[] = {"PASSWORD", "PASSWD",    "SECRET",	  "TOKEN",
					   "APIKEY",   "ACCESSKEY", "PRIVATEKEY", NULL};
	static const char *const words[] = {"KEY", "PWD", "CREDENTIALS", "CREDENTIAL", NULL};
	static const char *const pointers[] = {
	    "FILE",	"PATH", "DIR", "NAME", "REF",	  "URL",  "URI",    "KEYREF",
	    "ENDPOINT", "TYPE", "TTL", "ID",   "ENABLED", "SIZE", "LENGTH", NULL};
	char up[256];
	size_t n = 0;
	for (const char *p = name; *p && n + 1 < sizeof(up); p++)
		up[n++] = ascii_isalnum((unsigned char)*p)
			      ? (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p)
			      : ' ';
	up[n] = '\0';
	bool hit = false;
	struct span in = span_from(up), w, last = {0};
	while (span_next_token(&in, ' ', &w) == 0) {
		if (w.len == 0)
			continue;
		last = w;
		for (size_t i = 0; !hit && subs[i]; i++) {
			size_t l = strlen(subs[i]);
			for (size_t k = 0; !hit && k + l <= w.len; k++)
				hit = memcmp(w.ptr + k, subs[i], l) == 0;
		}
		for (size_t i = 0; !hit && words[i]; i++)
			hit = span_eq_str(w, words[i]);
	}
	if (!hit)
		return false;
	for (size_t i = 0; pointers[i]; i++)
		if (span_eq_str(last, pointers[i]))
			return false;
	return true;
}

static int pred_env_secret(struct eval *e, size_t i, struct buf *b)
{
	json_t *env = json_at(e->ctrs[i], "env"), *it;
	size_t k, n = 0;
	if (!json_is_array(env))
		return 0;
	json_array_foreach(env, k, it)
	{
		const char *name = json_str_at(it, "name");
		json_t *val = json_at(it, "value");
		/* Only literal values: valueFrom (secretKeyRef, ...) is how it should be done. */
		if (!name || !json_is_string(val) || json_string_length(val) == 0 ||
		    !env_name_sensitive(name))
			continue;
		/* "$(OTHER_VAR)" only refers to another variable. */
		struct span v = span_from(json_string_value(val));
		if (span_startswith(v, "$(") && span_endswith(v, ")") && span_index(v, ' ') < 0)
			continue;
		int r = buf_printf(b, "%s%s", n++ ? ", " : "sets a literal value for env ", name);
		if (r < 0)
			return r;
	}
	return n > 0;
}

/* -- pod level -- */

static int pod_flag(struct eval *e, enum hard_idx idx, bool bad, const char *what)
{
	if (!bad)
		return 0;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 14);
	int r = buf_puts(&b, what);
	return r < 0 ? r : violate(e, idx, &b);
}

static const char *service_account(struct eval *e)
{
	const char *sa = json_str_at(e->spec, "serviceAccountName");
	if (!sa || !sa[0])
		sa = json_str_at(e->spec, "serviceAccount");
	return sa && sa[0] ? sa : "default";
}

static const struct k8s_object *find_service_account(struct eval *e, const char *name)
{
	return k8s_manifests_find(e->m, "ServiceAccount", k8s_object_namespace(e->o), name);
}

static int check_sa_token(struct eval *e)
{
	json_t *a = json_at(e->spec, "automountServiceAccountToken");
	if (json_is_false(a))
		return 0;
	const char *sa = service_account(e);
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 14);
	int r;
	if (json_is_true(a)) {
		r = buf_puts(&b, "the pod sets automountServiceAccountToken=true");
	} else {
		const struct k8s_object *so = find_service_account(e, sa);
		if (so && json_is_false(json_at(so->raw, "automountServiceAccountToken")))
			return 0;
		r = buf_printf(&b,
			       "neither the pod nor ServiceAccount \"%s\" sets "
			       "automountServiceAccountToken=false",
			       sa);
	}
	return r < 0 ? r : violate(e, H_SA_TOKEN, &b);
}

static int check_default_sa(struct eval *e)
{
	return pod_flag(e, H_DEFAULT_SA, streq(service_account(e), "default"),
			"the pod runs under the \"default\" service account");
}

static int check_default_ns(struct eval *e)
{
	return pod_flag(e, H_DEFAULT_NS, e->o->namespace_ && streq(e->o->namespace_, "default"),
			"metadata.namespace is \"default\"");
}

static int check_host_aliases(struct eval *e)
{
	json_t *h = json_at(e->spec, "hostAliases");
	return pod_flag(e, H_HOST_ALIASES, json_is_array(h) && json_array_size(h) > 0,
			"the pod sets hostAliases");
}

static int check_share_pid(struct eval *e)
{
	return pod_flag(e, H_SHARE_PID, json_true_at(e->spec, "shareProcessNamespace"),
			"the pod sets shareProcessNamespace=true");
}

/* The raw pod spec: pod_path ("spec", "spec.template.spec", ...) from the object's root. */
static json_t *raw_pod_spec(const struct k8s_object *o)
{
	json_t *s = o->pod_path ? json_at(o->raw, o->pod_path) : NULL;
	return json_is_object(s) ? s : NULL;
}

/* Raw containers in the model's order (init, regular, ephemeral). */
static int raw_containers(const struct k8s_object *o, json_t *spec, json_t ***ret)
{
	static const char *const lists[] = {"initContainers", "containers", "ephemeralContainers"};
	json_t **v = calloc(o->pod.n_containers + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t n = 0;
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
		json_t *a = json_object_get(spec, lists[l]), *it;
		size_t i;
		if (!json_is_array(a))
			continue;
		json_array_foreach(a, i, it)
		{
			if (n < o->pod.n_containers)
				v[n] = it;
			n++;
		}
	}
	if (n != o->pod.n_containers) {
		/* The loader built the model from these arrays; anything else is a bug. */
		free(v);
		return -EBADMSG;
	}
	*ret = v;
	return 0;
}

int k8s_hard_evaluate(const struct k8s_manifests *m, const struct k8s_object *o,
		      struct k8s_hard_result *ret)
{
	if (!o->has_pod)
		return 0;
	json_t *spec = raw_pod_spec(o);
	if (!spec)
		return 0;
	_cleanup_free_ json_t **ctrs = NULL;
	int r = raw_containers(o, spec, &ctrs);
	if (r < 0)
		return r == -EBADMSG ? 0 : r;
	struct eval e = {.m = m, .o = o, .pod = &o->pod, .spec = spec, .ctrs = ctrs, .out = ret};
	r = per_container(&e, H_CPU_LIMIT, S_RUNNING, pred_cpu_limit)
		?: per_container(&e, H_MEM_LIMIT, S_RUNNING, pred_mem_limit)
		?: per_container(&e, H_CPU_REQUEST, S_RUNNING, pred_cpu_request)
		?: per_container(&e, H_MEM_REQUEST, S_RUNNING, pred_mem_request);
	if (r == 0 && !is_batch(&e))
		r = per_container(&e, H_LIVENESS, S_REGULAR, pred_liveness)
			?: per_container(&e, H_READINESS, S_REGULAR, pred_readiness);
	if (r == 0)
		r = per_container(&e, H_IMAGE_LATEST, S_ALL, pred_image_latest)
			?: per_container(&e, H_IMAGE_UNTAGGED, S_ALL, pred_image_untagged)
			?: per_container(&e, H_IMAGE_DIGEST, S_ALL, pred_image_digest)
			?: per_container(&e, H_PULL_POLICY, S_ALL, pred_pull_policy)
			?: per_container(&e, H_RO_ROOTFS, S_RUNNING, pred_ro_rootfs)
			?: per_container(&e, H_RUN_AS_NON_ROOT, S_ALL, pred_run_as_non_root)
			?: per_container(&e, H_RUN_AS_ROOT_UID, S_ALL, pred_root_uid)
			?: per_container(&e, H_RUN_AS_ROOT_GID, S_ALL, pred_root_gid)
			?: per_container(&e, H_PRIVILEGED, S_ALL, pred_privileged)
			?: per_container(&e, H_PRIV_ESC, S_ALL, pred_priv_esc)
			?: per_container(&e, H_CAPS_DROP_ALL, S_ALL, pred_caps_drop_all)
			?: per_container(&e, H_NET_RAW, S_ALL, pred_net_raw)
			?: per_container(&e, H_DANGEROUS_CAPS, S_ALL, pred_dangerous_caps)
			?: per_container(&e, H_SECCOMP, S_ALL, pred_seccomp)
			?: check_sa_token(&e) ?: check_default_sa(&e) ?: check_default_ns(&e)
			?: each_host_path(&e, H_RUNTIME_SOCKET)
			?: each_host_path(&e, H_SENSITIVE_HOST_PATH)
			?: per_container(&e, H_WRITABLE_HOST_PATH, S_ALL, pred_writable_host_path)
			?: per_container(&e, H_BIDIRECTIONAL, S_ALL, pred_bidirectional)
			?: per_container(&e, H_ENV_SECRET, S_ALL, pred_env_secret)
			?: check_host_aliases(&e) ?: check_share_pid(&e)
			?: per_container(&e, H_NO_SECURITY_CONTEXT, S_ALL, pred_no_security_context);
	return r;
}

void k8s_hard_result_done(struct k8s_hard_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].detail);
	free(r->v);
	*r = (struct k8s_hard_result){0};
}

/* ---- exceptions ---------------------------------------------------------------------- */

static bool list_has(const char *list, const char *rule_id)
{
	if (!list)
		return false;
	struct span in = span_from(list), tok;
	while (span_next_token(&in, ',', &tok) == 0)
		if (span_eq_nocase(span_trim(tok), span_from(rule_id)))
			return true;
	return false;
}

bool k8s_object_ignores(const struct k8s_object *o, const char *rule_id)
{
	json_t *ann = json_at(o->raw, "metadata.annotations");
	if (json_is_object(ann)) {
		json_t *v = json_object_get(ann, K8S_IGNORE_ANNOTATION);
		if (json_is_string(v) && list_has(json_string_value(v), rule_id))
			return true;
	}
	return o->has_pod && list_has(k8s_pod_annotation(&o->pod, K8S_IGNORE_ANNOTATION), rule_id);
}
