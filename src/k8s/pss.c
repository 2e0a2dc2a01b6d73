/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pss.c — the Pod Security Standards controls, written from the Kubernetes specification
 * (kubernetes.io/docs/concepts/security/pod-security-standards) and the versioned semantics
 * of the pod-security-admission checks:
 *
 *   - every control applies to init, regular and ephemeral containers alike;
 *   - a restricted control that refines a baseline one replaces it at restricted level
 *     (capabilities from v1.22, seccomp from v1.19, procMount);
 *   - Windows pods (spec.os.name: windows) are exempt from allowPrivilegeEscalation,
 *     seccomp and capabilities at restricted level from v1.25;
 *   - pods in a user namespace (spec.hostUsers: false) are exempt from runAsNonRoot and
 *     runAsUser, and may use procMount Unmasked at baseline (not at restricted);
 *   - versioned lists: SELinux types (container_engine_t from v1.31), safe sysctls (v1.22,
 *     v1.27, v1.29, v1.32, v1.37), AppArmor fields (v1.30), probe/lifecycle hosts (v1.34),
 *     seccomp fields (v1.19; the baseline control reads the annotations before, the
 *     restricted control starts at v1.19).
 */
#include <stdarg.h>
#include <stdio.h>

#include "k8s/pss.h"

enum check_idx {
	C_HOST_NAMESPACES,
	C_PRIVILEGED,
	C_CAPS_BASELINE,
	C_HOST_PATH,
	C_HOST_PORTS,
	C_APPARMOR,
	C_SELINUX,
	C_PROC_MOUNT,
	C_SECCOMP_BASELINE,
	C_SYSCTLS,
	C_WINDOWS_HOST_PROCESS,
	C_HOST_PROBES,
	C_VOLUMES,
	C_PRIV_ESC,
	C_RUN_AS_NON_ROOT,
	C_RUN_AS_USER,
	C_SECCOMP_RESTRICTED,
	C_CAPS_RESTRICTED,
	C_PROC_MOUNT_RESTRICTED,
	_C_MAX,
};

static const struct k8s_pss_check checks[_C_MAX] = {
    [C_HOST_NAMESPACES] = {"BH-K8S-PSS-001", "hostNamespaces", "Host Namespaces", K8S_PSS_BASELINE,
			   "remove hostNetwork, hostPID and hostIPC or set them to false"},
    [C_PRIVILEGED] = {"BH-K8S-PSS-002", "privileged", "Privileged Containers", K8S_PSS_BASELINE,
		      "remove securityContext.privileged or set it to false"},
    [C_CAPS_BASELINE] = {"BH-K8S-PSS-003", "capabilities_baseline", "Capabilities",
			 K8S_PSS_BASELINE,
			 "add only capabilities of the default set (AUDIT_WRITE, CHOWN, "
			 "DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, "
			 "SETGID, SETPCAP, SETUID, SYS_CHROOT)"},
    [C_HOST_PATH] = {"BH-K8S-PSS-004", "hostPathVolumes", "HostPath Volumes", K8S_PSS_BASELINE,
		     "replace hostPath volumes by emptyDir, configMap, secret or a "
		     "persistentVolumeClaim"},
    [C_HOST_PORTS] = {"BH-K8S-PSS-005", "hostPorts", "Host Ports", K8S_PSS_BASELINE,
		      "remove hostPort (or set it to 0); expose the pod through a Service"},
    [C_APPARMOR] = {"BH-K8S-PSS-006", "appArmorProfile", "AppArmor", K8S_PSS_BASELINE,
		    "use the RuntimeDefault or a Localhost AppArmor profile, or none"},
    [C_SELINUX] = {"BH-K8S-PSS-007", "seLinuxOptions", "SELinux", K8S_PSS_BASELINE,
		   "remove seLinuxOptions.user and .role; use type container_t, "
		   "container_init_t, container_kvm_t or container_engine_t"},
    [C_PROC_MOUNT] = {"BH-K8S-PSS-008", "procMount", "/proc Mount Type", K8S_PSS_BASELINE,
		      "remove securityContext.procMount or set it to Default"},
    [C_SECCOMP_BASELINE] = {"BH-K8S-PSS-009", "seccompProfile_baseline", "Seccomp",
			    K8S_PSS_BASELINE, "do not set the seccomp profile to Unconfined"},
    [C_SYSCTLS] = {"BH-K8S-PSS-010", "sysctls", "Sysctls", K8S_PSS_BASELINE,
		   "set only the safe namespaced sysctls"},
    [C_WINDOWS_HOST_PROCESS] = {"BH-K8S-PSS-011", "windowsHostProcess", "HostProcess",
				K8S_PSS_BASELINE,
				"remove windowsOptions.hostProcess or set it to false"},
    [C_HOST_PROBES] = {"BH-K8S-PSS-012", "hostProbesAndHostLifecycle",
		       "Host Probes / Lifecycle Hooks", K8S_PSS_BASELINE,
		       "remove the host field of probes and lifecycle handlers"},
    [C_VOLUMES] = {"BH-K8S-PSS-013", "restrictedVolumes", "Volume Types", K8S_PSS_RESTRICTED,
		   "use only configMap, csi, downwardAPI, emptyDir, ephemeral, "
		   "persistentVolumeClaim, projected and secret volumes"},
    [C_PRIV_ESC] = {"BH-K8S-PSS-014", "allowPrivilegeEscalation", "Privilege Escalation",
		    K8S_PSS_RESTRICTED,
		    "set securityContext.allowPrivilegeEscalation to false in every "
		    "container"},
    [C_RUN_AS_NON_ROOT] = {"BH-K8S-PSS-015", "runAsNonRoot", "Running as Non-root",
			   K8S_PSS_RESTRICTED,
			   "set securityContext.runAsNonRoot to true (pod or every container)"},
    [C_RUN_AS_USER] = {"BH-K8S-PSS-016", "runAsUser", "Running as Non-root user",
		       K8S_PSS_RESTRICTED, "set runAsUser to a non-zero UID or remove it"},
    [C_SECCOMP_RESTRICTED] = {"BH-K8S-PSS-017", "seccompProfile_restricted", "Seccomp",
			      K8S_PSS_RESTRICTED,
			      "set securityContext.seccompProfile.type to RuntimeDefault or "
			      "Localhost (pod or every container)"},
    [C_CAPS_RESTRICTED] = {"BH-K8S-PSS-018", "capabilities_restricted", "Capabilities",
			   K8S_PSS_RESTRICTED,
			   "drop ALL capabilities in every container and add back at most "
			   "NET_BIND_SERVICE"},
    [C_PROC_MOUNT_RESTRICTED] = {"BH-K8S-PSS-019", "procMount_restricted", "/proc Mount Type",
				 K8S_PSS_RESTRICTED,
				 "remove securityContext.procMount or set it to Default, also "
				 "in user namespaces"},
};

const struct k8s_pss_check *k8s_pss_checks(size_t *ret_n)
{
	*ret_n = _C_MAX;
	return checks;
}

static const char *const level_names[_K8S_PSS_LEVEL_MAX] = {"privileged", "baseline", "restricted"};

int k8s_pss_level_from_name(const char *name, enum k8s_pss_level *ret)
{
	for (int i = 0; i < _K8S_PSS_LEVEL_MAX; i++)
		if (streq(name, level_names[i])) {
			*ret = (enum k8s_pss_level)i;
			return 0;
		}
	return -EINVAL;
}

const char *k8s_pss_level_name(enum k8s_pss_level level)
{
	return level < _K8S_PSS_LEVEL_MAX ? level_names[level] : "?";
}

int k8s_pss_version_parse(const char *s, uint32_t *ret_minor)
{
	if (streq(s, "latest")) {
		*ret_minor = K8S_PSS_LATEST;
		return 0;
	}
	struct span v = span_from(s), major, minor;
	if (!span_startswith(v, "v") || !span_cut(span_slice(v, 1, v.len - 1), '.', &major, &minor))
		return -EINVAL;
	uint64_t ma, mi;
	if (parse_u64(major, 10, 1, &ma) < 0 || ma != 1 || parse_u64(minor, 10, 999, &mi) < 0)
		return -EINVAL;
	/* No leading zeros or signs: PSA accepts exactly v1.N. */
	if ((minor.len > 1 && minor.ptr[0] == '0') || major.len != 1)
		return -EINVAL;
	*ret_minor = (uint32_t)mi;
	return 0;
}

void k8s_pss_version_format(uint32_t minor, char *dst, size_t size)
{
	if (minor == K8S_PSS_LATEST)
		(void)xsnprintf(dst, size, "latest");
	else
		(void)xsnprintf(dst, size, "v1.%u", minor);
}

/* ---- evaluation --------------------------------------------------------------------- */

struct eval {
	const struct k8s_pod_spec *pod;
	uint32_t minor;
	struct k8s_pss_result *out;
	bool is_windows, user_ns;
};

static int violate(struct eval *e, enum check_idx c, const struct buf *detail)
{
	if (GROW(e->out->v, e->out->n, e->out->cap) < 0)
		return -ENOMEM;
	char *d = strdup(buf_str(detail));
	if (!d)
		return -ENOMEM;
	e->out->v[e->out->n++] = (struct k8s_pss_violation){&checks[c], d};
	return 0;
}

static const char *ctr_word(enum k8s_ctr_kind k)
{
	return k == K8S_CTR_INIT	? "init container"
	       : k == K8S_CTR_EPHEMERAL ? "ephemeral container"
					: "container";
}

/* Append ", " between items. */
static int sep(struct buf *b, size_t *count)
{
	return (*count)++ ? buf_puts(b, ", ") : 0;
}

static bool in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (streq(s, list[i]))
			return true;
	return false;
}

/*
 * For each container where pred() names a problem (writes into b and returns > 0), one
 * clause 'container "x" <problem>'; one violation with all clauses.
 */
typedef int (*ctr_pred)(struct eval *e, const struct k8s_container *c, struct buf *b);

static int per_container(struct eval *e, enum check_idx idx, ctr_pred pred)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 16);
	size_t n = 0;
	for (size_t i = 0; i < e->pod->n_containers; i++) {
		const struct k8s_container *c = &e->pod->containers[i];
		_cleanup_buf_ struct buf what;
		buf_init(&what, 1 << 14);
		int r = pred(e, c, &what);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		r = sep(&b, &n)
			?: buf_printf(&b, "%s \"%s\" %s", ctr_word(c->kind), c->name ? c->name : "",
				      buf_str(&what));
		if (r < 0)
			return r;
	}
	return n ? violate(e, idx, &b) : 0;
}

/* ---- baseline ---- */

static int check_host_namespaces(struct eval *e)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	size_t n = 0;
	int r = 0;
	if (e->pod->host_network)
		r = sep(&b, &n) ?: buf_puts(&b, "hostNetwork=true");
	if (r == 0 && e->pod->host_pid)
		r = sep(&b, &n) ?: buf_puts(&b, "hostPID=true");
	if (r == 0 && e->pod->host_ipc)
		r = sep(&b, &n) ?: buf_puts(&b, "hostIPC=true");
	if (r < 0 || n == 0)
		return r;
	_cleanup_buf_ struct buf d;
	buf_init(&d, 0);
	r = buf_printf(&d, "the pod must not set %s", buf_str(&b));
	return r < 0 ? r : violate(e, C_HOST_NAMESPACES, &d);
}

static int pred_privileged(struct eval *e, const struct k8s_container *c, struct buf *b)
{
	if (c->sc.privileged != K8S_TRUE)
		return 0;
	int r = buf_puts(b, "must not set securityContext.privileged=true");
	return r < 0 ? r : 1;
}

static const char *const caps_baseline[] = {
    "AUDIT_WRITE",	"CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",	      "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID",	   "SETPCAP", "SETUID", "SYS_CHROOT", NULL,
};

static int pred_caps_baseline(struct eval *e, const struct k8s_container *c, struct buf *b)
{
	size_t n = 0;
	for (size_t i = 0; i < c->sc.n_caps_add; i++) {
		if (in_list(c->sc.caps_add[i], caps_baseline))
			continue;
		int r = n ? buf_puts(b, ", ") : buf_puts(b, "must not add capabilities ");
		if (r >= 0)
			r = buf_printf(b, "\"%s\"", c->sc.caps_add[i]);
		if (r < 0)
			return r;
		n++;
	}
	return n > 0;
}

static int check_host_path(struct eval *e)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 16);
	size_t n = 0;
	for (size_t i = 0; i < e->pod->n_volumes; i++) {
		const struct k8s_volume *v = &e->pod->volumes[i];
		if (!v->source || !streq(v->source, "hostPath"))
			continue;
		int r = n ? buf_puts(&b, ", ") : buf_puts(&b, "hostPath volumes are forbidden: ");
		if (r >= 0)
			r = buf_printf(&b, "\"%s\"%s%s%s", v->name ? v->name : "",
				       v->host_path ? " (" : "", v->host_path ? v->host_path : "",
				       v->host_path ? ")" : "");
		if (r < 0)
			return r;
		n++;
	}
	return n ? violate(e, C_HOST_PATH, &b) : 0;
}

static int pred_host_ports(struct eval *e, const struct k8s_container *c, struct buf *b)
{
	for (size_t i = 0; i < c->n_host_ports; i++) {
		int r = buf_printf(b, "%s%lld", i ? ", " : "uses hostPort ",
				   (long long)c->host_ports[i]);
		if (r < 0)
			return r;
	}
	return c->n_host_ports > 0;
}

#define APPARMOR_ANNOTATION_PREFIX "container.apparmor.security.beta.kubernetes.io/"

static bool apparmor_type_ok(const char *t)
{
	return !t || streq(t, "RuntimeDefault") || streq(t, "Localhost");
}

static int check_apparmor(struct eval *e)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 16);
	size_t n = 0;
	int r = 0;
	const struct k8s_pod_spec *p = e->pod;
	for (size_t i = 0; r == 0 && i < p->n_annotations; i++) {
		struct span k = span_from(p->annotations[i].key);
		const char *v = p->annotations[i].value;
		if (!span_startswith(k, APPARMOR_ANNOTATION_PREFIX))
			continue;
		if (!v[0] || streq(v, "runtime/default") ||
		    span_startswith(span_from(v), "localhost/"))
			continue;
		r = sep(&b, &n) ?: buf_printf(&b, "annotation %s=\"%s\"", k.ptr, v);
	}
	if (e->minor >= 30) {
		if (r == 0 && !apparmor_type_ok(p->sc.apparmor_type))
			r = sep(&b, &n)
				?: buf_printf(&b, "pod appArmorProfile.type \"%s\"",
					      p->sc.apparmor_type);
		for (size_t i = 0; r == 0 && i < p->n_containers; i++) {
			const struct k8s_container *c = &p->containers[i];
			if (apparmor_type_ok(c->sc.apparmor_type))
				continue;
			r = sep(&b, &n)
				?: buf_printf(&b, "%s \"%s\" appArmorProfile.type \"%s\"",
					      ctr_word(c->kind), c->name ? c->name : "",
					      c->sc.apparmor_type);
		}
	}
	if (r < 0 || n == 0)
		return r;
	_cleanup_buf_ struct buf d;
	buf_init(&d, 1 << 16);
	r = buf_printf(&d, "forbidden AppArmor profiles: %s", buf_str(&b));
	return r < 0 ? r : violate(e, C_APPARMOR, &d);
}

static int selinux_problem(const struct eval *e, const struct k8s_sec_ctx *sc, struct buf *b)
{
	static const char *const types[] = {"container_t", "container_init_t", "container_kvm_t",
					    NULL};
	size_t n = 0;
	int r = 0;
	const char *t = sc->selinux_type;
	if (t && t[0] && !in_list(t, types) && !(e->minor >= 31 && streq(t, "container_engine_t")))
		r = sep(b, &n) ?: buf_printf(b, "seLinuxOptions.type \"%s\"", t);
	if (r == 0 && sc->selinux_user && sc->selinux_user[0])
		r = sep(b, &n) ?: buf_printf(b, "seLinuxOptions.user \"%s\"", sc->selinux_user);
	if (r == 0 && sc->selinux_role && sc->selinux_role[0])
		r = sep(b, &n) ?: buf_printf(b, "seLinuxOptions.role \"%s\"", sc->selinux_role);
	return r < 0 ? r : n > 0;
}

static int pred_selinux(struct eval *e, const struct k8s_container *c, struct buf *b)
{
	int r = buf_puts(b, "must not set ");
	return r < 0 ? r : selinux_problem(e, &c->sc, b);
}

static int check_selinux(struct eval *e)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 16);
	int r = buf_puts(&b, "the pod must not set ");
	if (r < 0)
		return r;
	r = selinux_problem(e, &e->pod->sc, &b);
	if (r > 0)
		r = violate(e, C_SELINUX, &b);
	if (r < 0)
		return r;
	/* The container clauses are their own violation of the same control. */
	return per_container(e, C_SELINUX, pred_selinux);
}

static int pred_proc_mount(struct eval *e, const struct k8s_container *c, struct buf *b)
{
	const char *pm = c->sc.proc_mount;
	if (!pm || streq(pm, "Default"))
		return 0;
	int r = buf_printf(b, "must not set securityContext.procMount=\"%s\"", pm);
	return r < 0 ? r : 1;
}

static bool seccomp_annotation_unconfined(const char *v)
{
	return v && streq(v, "unconfined");
}

static int check_seccomp_baseline(struct eval *e)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 16);
	size_t n = 0;
	int r = 0;
	const struct k8s_pod_spec *p = e->pod;
	if (e->minor < 19) {
		const char *pv = k8s_pod_annotation(p, "seccomp.security.alpha.kubernetes.io/pod");
		if (seccomp_annotation_unconfined(pv))
			r = sep(&b, &n)
				?: buf_puts(&b, "the pod annotation seccomp.security.alpha."
						"kubernetes.io/pod=\"unconfined\"");
		for (size_t i = 0; r == 0 && i < p->n_annotations; i++) {
			struct span k = span_from(p->annotations[i].key);
			if (span_startswith(k, "container.seccomp.security.alpha.kubernetes.io/") &&
			    seccomp_annotation_unconfined(p->annotations[i].value))
				r = sep(&b, &n)
					?: buf_printf(&b, "annotation %s=\"unconfined\"", k.ptr);
		}
	} else {
		if (p->sc.seccomp_type && streq(p->sc.seccomp_type, "Unconfined"))
			r = sep(&b, &n)
				?: buf_puts(&b, "the pod seccompProfile.type \"Unconfined\"");
		for (size_t i = 0; r == 0 && i < p->n_containers; i++) {
			const struct k8s_container *c = &p->containers[i];
			if (c->sc.seccomp_type && streq(c->sc.seccomp_type, "Unconfined"))
				r = sep(&b, &n)
					?: buf_printf(
					       &b, "%s \"%s\" seccompProfile.type \"Unconfined\"",
					       ctr_word(c->kind), c->name ? c->name : "");
		}
	}
	if (r < 0 || n == 0)
		return r;
	_cleanup_buf_ struct buf d;
	buf_init(&d, 1 << 16);
	r = buf_printf(&d, "forbidden seccomp profile: %s", buf_str(&b));
	return r < 0 ? r : violate(e, C_SECCOMP_BASELINE, &d);
}

static bool sysctl_allowed(const char *name, uint32_t minor)
{
	static const struct {
		const char *name;
		uint32_t since;
	} safe[] = {
	    {"kernel.shm_rmid_forced", 0},
	    {"net.ipv4.ip_local_port_range", 0},
	    {"net.ipv4.tcp_syncookies", 0},
	    {"net.ipv4.ping_group_range", 0},
	    {"net.ipv4.ip_unprivileged_port_start", 22},
	    {"net.ipv4.ip_local_reserved_ports", 27},
	    {"net.ipv4.tcp_keepalive_time", 29},
	    {"net.ipv4.tcp_fin_timeout", 29},
	    {"net.ipv4.tcp_keepalive_intvl", 29},
	    {"net.ipv4.tcp_keepalive_probes", 29},
	    {"net.ipv4.tcp_rmem", 32},
	    {"net.ipv4.tcp_wmem", 32},
	    {"net.ipv4.tcp_slow_start_after_idle", 37},
	    {"net.ipv4.tcp_notsent_lowat", 37},
	};
	for (size_t i = 0; i < ARRAY_SIZE(safe); i++)
		if (minor >= safe[i].since && streq(name, safe[i].name))
			return true;
	return false;
}

static int check_sysctls(struct eval *e)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 16);
	size_t n = 0;
	for (size_t i = 0; i < e->pod->n_sysctls; i++) {
		const char *s = e->pod->sysctls[i];
		if (sysctl_allowed(s, e->minor))
			continue;
		int r = n ? buf_puts(&b, ", ") : buf_puts(&b, "forbidden sysctls: ");
		if (r >= 0)
			r = buf_printf(&b, "\"%s\"", s);
		if (r < 0)
			return r;
		n++;
	}
	return n ? violate(e, C_SYSCTLS, &b) : 0;
}

static int check_windows_host_process(struct eval *e)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 16);
	size_t n = 0;
	int r = 0;
	if (e->pod->sc.host_process == K8S_TRUE)
		r = sep(&b, &n) ?: buf_puts(&b, "the pod");
	for (size_t i = 0; r == 0 && i < e->pod->n_containers; i++) {
		const struct k8s_container *c = &e->pod->containers[i];
		if (c->sc.host_process == K8S_TRUE)
			r = sep(&b, &n)
				?: buf_printf(&b, "%s \"%s\"", ctr_word(c->kind),
					      c->name ? c->name : "");
	}
	if (r < 0 || n == 0)
		return r;
	r = buf_puts(&b, " must not set securityContext.windowsOptions.hostProcess=true");
	return r < 0 ? r : violate(e, C_WINDOWS_HOST_PROCESS, &b);
}

static int pred_host_probes(struct eval *e, const struct k8s_container *c, struct buf *b)
{
	for (size_t i = 0; i < c->n_hosts; i++) {
		int r = buf_printf(b, "%s%s.host=\"%s\"", i ? ", " : "must not set ",
				   c->hosts[i].where, c->hosts[i].host);
		if (r < 0)
			return r;
	}
	return c->n_hosts > 0;
}

/* ---- restricted ---- */

static int check_volumes(struct eval *e)
{
	static const char *const allowed[] = {"configMap", "csi",	"downwardAPI",
					      "emptyDir",  "ephemeral", "persistentVolumeClaim",
					      "projected", "secret",	NULL};
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 16);
	size_t n = 0;
	for (size_t i = 0; i < e->pod->n_volumes; i++) {
		const struct k8s_volume *v = &e->pod->volumes[i];
		if (!v->source || in_list(v->source, allowed))
			continue;
		int r = n ? buf_puts(&b, ", ") : buf_puts(&b, "forbidden volume types: ");
		if (r >= 0)
			r = buf_printf(&b, "\"%s\" (%s)", v->name ? v->name : "", v->source);
		if (r < 0)
			return r;
		n++;
	}
	return n ? violate(e, C_VOLUMES, &b) : 0;
}

static int pred_priv_esc(struct eval *e, const struct k8s_container *c, struct buf *b)
{
	if (c->sc.allow_privilege_escalation == K8S_FALSE)
		return 0;
	int r = buf_puts(b, "must set securityContext.allowPrivilegeEscalation=false");
	return r < 0 ? r : 1;
}

static int check_run_as_non_root(struct eval *e)
{
	const struct k8s_pod_spec *p = e->pod;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 16);
	size_t n = 0;
	int r = 0;
	if (p->sc.run_as_non_root == K8S_FALSE)
		r = sep(&b, &n)
			?: buf_puts(&b, "the pod must not set "
					"securityContext.runAsNonRoot=false");
	bool pod_true = p->sc.run_as_non_root == K8S_TRUE;
	size_t n_unset = 0;
	_cleanup_buf_ struct buf unset;
	buf_init(&unset, 1 << 16);
	for (size_t i = 0; r == 0 && i < p->n_containers; i++) {
		const struct k8s_container *c = &p->containers[i];
		if (c->sc.run_as_non_root == K8S_FALSE)
			r = sep(&b, &n)
				?: buf_printf(&b,
					      "%s \"%s\" must not set "
					      "securityContext.runAsNonRoot=false",
					      ctr_word(c->kind), c->name ? c->name : "");
		else if (c->sc.run_as_non_root == K8S_UNSET && !pod_true)
			r = sep(&unset, &n_unset)
				?: buf_printf(&unset, "%s \"%s\"", ctr_word(c->kind),
					      c->name ? c->name : "");
	}
	if (r == 0 && n_unset)
		r = sep(&b, &n)
			?: buf_printf(&b,
				      "the pod or %s must set "
				      "securityContext.runAsNonRoot=true",
				      buf_str(&unset));
	if (r < 0 || n == 0)
		return r;
	return violate(e, C_RUN_AS_NON_ROOT, &b);
}

static int check_run_as_user(struct eval *e)
{
	const struct k8s_pod_spec *p = e->pod;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 16);
	size_t n = 0;
	int r = 0;
	if (p->sc.has_run_as_user && p->sc.run_as_user == 0)
		r = sep(&b, &n) ?: buf_puts(&b, "the pod");
	for (size_t i = 0; r == 0 && i < p->n_containers; i++) {
		const struct k8s_container *c = &p->containers[i];
		if (c->sc.has_run_as_user && c->sc.run_as_user == 0)
			r = sep(&b, &n)
				?: buf_printf(&b, "%s \"%s\"", ctr_word(c->kind),
					      c->name ? c->name : "");
	}
	if (r < 0 || n == 0)
		return r;
	r = buf_puts(&b, " must not set securityContext.runAsUser=0");
	return r < 0 ? r : violate(e, C_RUN_AS_USER, &b);
}

static bool seccomp_type_ok(const char *t)
{
	return t && (streq(t, "RuntimeDefault") || streq(t, "Localhost"));
}

static int check_seccomp_restricted(struct eval *e)
{
	const struct k8s_pod_spec *p = e->pod;
	_cleanup_buf_ struct buf b, unset;
	buf_init(&b, 1 << 16);
	buf_init(&unset, 1 << 16);
	size_t n = 0, n_unset = 0;
	int r = 0;
	{
		const char *pt = p->sc.seccomp_type;
		bool pod_ok = seccomp_type_ok(pt);
		if (pt && !pod_ok)
			r = sep(&b, &n) ?: buf_printf(&b, "the pod seccompProfile.type \"%s\"", pt);
		for (size_t i = 0; r == 0 && i < p->n_containers; i++) {
			const struct k8s_container *c = &p->containers[i];
			const char *ct = c->sc.seccomp_type;
			if (ct && !seccomp_type_ok(ct))
				r = sep(&b, &n)
					?: buf_printf(&b, "%s \"%s\" seccompProfile.type \"%s\"",
						      ctr_word(c->kind), c->name ? c->name : "",
						      ct);
			else if (!ct && !pod_ok)
				r = sep(&unset, &n_unset)
					?: buf_printf(&unset, "%s \"%s\"", ctr_word(c->kind),
						      c->name ? c->name : "");
		}
	}
	if (r == 0 && n_unset)
		r = sep(&b, &n)
			?: buf_printf(&b,
				      "the pod or %s must set "
				      "securityContext.seccompProfile.type to "
				      "RuntimeDefault or Localhost",
				      buf_str(&unset));
	if (r < 0 || n == 0)
		return r;
	return violate(e, C_SECCOMP_RESTRICTED, &b);
}

static int pred_caps_restricted(struct eval *e, const struct k8s_container *c, struct buf *b)
{
	bool drops_all = false;
	for (size_t i = 0; i < c->sc.n_caps_drop; i++)
		if (streq(c->sc.caps_drop[i], "ALL"))
			drops_all = true;
	size_t n = 0;
	int r = 0;
	if (!drops_all)
		r = sep(b, &n)
			?: buf_puts(b, "must set securityContext.capabilities.drop=[\"ALL\"]");
	size_t n_add = 0;
	for (size_t i = 0; r == 0 && i < c->sc.n_caps_add; i++) {
		if (streq(c->sc.caps_add[i], "NET_BIND_SERVICE"))
			continue;
		if (n_add++ == 0)
			r = sep(b, &n) ?: buf_puts(b, "must not add capabilities ");
		else
			r = buf_puts(b, ", ");
		if (r == 0)
			r = buf_printf(b, "\"%s\"", c->sc.caps_add[i]);
	}
	return r < 0 ? r : n > 0;
}

static int pred_proc_mount_restricted(struct eval *e, const struct k8s_container *c, struct buf *b)
{
	return pred_proc_mount(e, c, b);
}

int k8s_pss_evaluate(const struct k8s_pod_spec *pod, enum k8s_pss_level level, uint32_t minor,
		     struct k8s_pss_result *ret)
{
	if (level == K8S_PSS_PRIVILEGED)
		return 0;
	struct eval e = {
	    .pod = pod,
	    .minor = minor,
	    .out = ret,
	    .is_windows = pod->os_name && streq(pod->os_name, "windows"),
	    .user_ns = pod->host_users == K8S_FALSE,
	};
	bool restricted = level == K8S_PSS_RESTRICTED;
	int r = check_host_namespaces(&e) ?: per_container(&e, C_PRIVILEGED, pred_privileged);
	/* capabilities_restricted (v1.22+) replaces capabilities_baseline at restricted. */
	if (r == 0 && !(restricted && minor >= 22))
		r = per_container(&e, C_CAPS_BASELINE, pred_caps_baseline);
	if (r == 0)
		r = check_host_path(&e) ?: per_container(&e, C_HOST_PORTS, pred_host_ports) ?:
		    check_apparmor(&e) ?: check_selinux(&e);
	/* procMount_restricted replaces procMount at restricted; baseline relaxes it in a
	 * user namespace. */
	if (r == 0 && !restricted && !e.user_ns)
		r = per_container(&e, C_PROC_MOUNT, pred_proc_mount);
	/* seccompProfile_restricted (v1.19+) replaces seccompProfile_baseline at restricted. */
	if (r == 0 && !(restricted && minor >= 19))
		r = check_seccomp_baseline(&e);
	if (r == 0)
		r = check_sysctls(&e) ?: check_windows_host_process(&e);
	if (r == 0 && minor >= 34)
		r = per_container(&e, C_HOST_PROBES, pred_host_probes);
	if (r < 0 || !restricted)
		return r;

	r = check_volumes(&e);
	if (r == 0 && minor >= 8 && !(minor >= 25 && e.is_windows))
		r = per_container(&e, C_PRIV_ESC, pred_priv_esc);
	if (r == 0 && !e.user_ns)
		r = check_run_as_non_root(&e);
	if (r == 0 && minor >= 23 && !e.user_ns)
		r = check_run_as_user(&e);
	if (r == 0 && minor >= 19 && !(minor >= 25 && e.is_windows))
		r = check_seccomp_restricted(&e);
	if (r == 0 && minor >= 22 && !(minor >= 25 && e.is_windows))
		r = per_container(&e, C_CAPS_RESTRICTED, pred_caps_restricted);
	if (r == 0)
		r = per_container(&e, C_PROC_MOUNT_RESTRICTED, pred_proc_mount_restricted);
	return r;
}

void k8s_pss_result_done(struct k8s_pss_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].detail);
	free(r->v);
	*r = (struct k8s_pss_result){0};
}
