/* SPDX-License-Identifier: Apache-2.0 */
/*
 * profile.c — seccomp profiles, NetworkPolicies and unused-package advice made from a
 * behaviour baseline (profile.h). Every document is built from the baseline's sorted fact
 * sets only, so the output is deterministic; nothing here reads files or the store.
 */
#include <netinet/in.h>
#include <stdio.h>

#include "common/json.h"
#include "runtime/profile.h"

/* ---- workload ids ---------------------------------------------------------------------- */

void profile_workload_parse(const char *id, struct profile_workload *ret)
{
	*ret = (struct profile_workload){.kind = PROFILE_WL_OTHER};
	struct span s = span_from(id);
	if (span_startswith(s, "k8s:")) {
		struct span rest = span_slice(s, 4, s.len - 4), ns, owner;
		if (!span_cut(rest, '/', &ns, &owner) || ns.len == 0)
			return;
		struct span img;
		if (span_cut(owner, '@', &owner, &img) && owner.len == 0)
			return;
		if (owner.len == 0)
			return;
		*ret = (struct profile_workload){.kind = PROFILE_WL_K8S, .ns = ns, .owner = owner};
	} else if (span_startswith(s, "container:")) {
		struct span owner = span_slice(s, 10, s.len - 10), img;
		(void)span_cut(owner, '@', &owner, &img);
		if (owner.len == 0)
			return;
		*ret = (struct profile_workload){.kind = PROFILE_WL_CONTAINER, .owner = owner};
	} else if (span_startswith(s, "image:"))
		ret->kind = PROFILE_WL_IMAGE;
}

/* ---- seccomp ----------------------------------------------------------------------------- */

/*
 * Why each is here (docs/man/bulkhead-profile.md has the same list). runc 1.1 without
 * no_new_privileges loads the filter in its init process before finalizeNamespace, so the
 * rest of its start runs under the profile:
 *   capget capset prctl               dropping capabilities (and PR_SET_KEEPCAPS, pdeathsig)
 *   setgroups setgid setuid           switching to the container's user
 *   openat getdents64 fstat fstatfs   closing inherited descriptors by listing /proc/self/fd
 *   fcntl close                       (and marking them close-on-exec)
 *   newfstatat faccessat2 getcwd      exec.LookPath of the program and its access check
 *   chdir                             the working directory
 *   getpid getppid                    checking that its parent did not change
 *   read write epoll_ctl futex        the exec FIFO handshake, Go's poller and locks
 *   execve                            starting the workload's program
 * runc's Go runtime may run at any moment: rt_sigreturn rt_sigprocmask sigaltstack tgkill
 * gettid (signals, async preemption), nanosleep sched_yield epoll_pwait (scheduler and
 * poller), mmap munmap madvise (memory), clone (a new OS thread). Every process must be
 * able to end: exit exit_group.
 */
const char *const profile_runtime_syscalls[] = {
    "capget",	   "capset",  "chdir",	   "clone",	 "close",	   "epoll_ctl",
    "epoll_pwait", "execve",  "exit",	   "exit_group", "faccessat2",	   "fcntl",
    "fstat",	   "fstatfs", "futex",	   "getcwd",	 "getdents64",	   "getpid",
    "getppid",	   "gettid",  "madvise",   "mmap",	 "munmap",	   "nanosleep",
    "newfstatat",  "openat",  "prctl",	   "read",	 "rt_sigprocmask", "rt_sigreturn",
    "sched_yield", "setgid",  "setgroups", "setuid",	 "sigaltstack",	   "tgkill",
    "write",	   NULL,
};

static const struct {
	const char *scmp, *alias[3];
} arch_table[] = {
    {"SCMP_ARCH_X86_64", {"x86_64", "amd64"}},
    {"SCMP_ARCH_X86", {"x86", "i386", "i686"}},
    {"SCMP_ARCH_X32", {"x32"}},
    {"SCMP_ARCH_AARCH64", {"aarch64", "arm64"}},
    {"SCMP_ARCH_ARM", {"arm"}},
    {"SCMP_ARCH_PPC64LE", {"ppc64le"}},
    {"SCMP_ARCH_S390X", {"s390x"}},
    {"SCMP_ARCH_RISCV64", {"riscv64"}},
    {"SCMP_ARCH_MIPSEL64", {"mips64el"}},
};

const char *profile_seccomp_arch(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(arch_table); i++) {
		if (streq(name, arch_table[i].scmp))
			return arch_table[i].scmp;
		for (size_t k = 0; k < ARRAY_SIZE(arch_table[i].alias); k++)
			if (arch_table[i].alias[k] && streq(name, arch_table[i].alias[k]))
				return arch_table[i].scmp;
	}
	return NULL;
}

/* "syscall_N": the sensor saw syscall number N and had no name for it. */
static bool is_unnamed(const char *s)
{
	if (strncmp(s, "syscall_", 8) != 0 || !s[8])
		return false;
	for (s += 8; *s; s++)
		if (!ascii_isdigit(*s))
			return false;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int profile_seccomp(const struct baseline *b, const struct profile_seccomp_opts *o, struct buf *out,
		    struct profile_seccomp_stats *ret_stats)
{
	static const char *const def_arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
						 "SCMP_ARCH_X32"};
	const struct baseline_set *set = &b->sets[BASELINE_SYSCALL];
	struct profile_seccomp_stats st = {0};
	size_t n_rt = ARRAY_SIZE(profile_runtime_syscalls) - 1;
	size_t cap;
	if (!size_add(set->n, n_rt, &cap))
		return -E2BIG;
	_cleanup_free_ const char **names = calloc(cap ? cap : 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < set->n; i++) {
		if (is_unnamed(set->v[i].a))
			st.skipped++;
		else
			names[n++] = set->v[i].a;
	}
	st.learnt = n;
	if (n == 0)
		return -ENOENT;
	if (!o || !o->exact) {
		struct baseline_fact f = {0};
		for (size_t i = 0; i < n_rt; i++) {
			f.a = (char *)profile_runtime_syscalls[i];
			if (!baseline_contains(b, BASELINE_SYSCALL, &f)) {
				names[n++] = profile_runtime_syscalls[i];
				st.added++;
			}
		}
	}
	qsort(names, n, sizeof(*names), cmp_str);

	const char *const *arches = def_arches;
	size_t n_arches = ARRAY_SIZE(def_arches);
	if (o && o->n_arches) {
		arches = o->arches;
		n_arches = o->n_arches;
	}
	_cleanup_json_ json_t *doc = json_object();
	json_t *ja = json_array(), *jn = json_array();
	if (!doc || !ja || !jn) {
		json_decref(ja);
		json_decref(jn);
		return -ENOMEM;
	}
	int r = bh_json_set_str(doc, "defaultAction", "SCMP_ACT_ERRNO");
	if (r >= 0)
		r = bh_json_set_new(doc, "defaultErrnoRet", json_integer(EPERM));
	if (r >= 0)
		r = bh_json_set_new(doc, "architectures", ja);
	else
		json_decref(ja);
	for (size_t i = 0; r >= 0 && i < n_arches; i++) {
		const char *a = profile_seccomp_arch(arches[i]);
		if (!a)
			r = -EINVAL;
		for (size_t k = 0; r >= 0 && k < json_array_size(ja); k++)
			if (streq(json_string_value(json_array_get(ja, k)), a))
				r = -EINVAL;
		if (r >= 0)
			r = bh_json_append_str(ja, a);
	}
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = bh_json_append_str(jn, names[i]);
	json_t *rule = NULL;
	if (r >= 0) {
		rule = json_pack("{s:o, s:s}", "names", jn, "action", "SCMP_ACT_ALLOW");
		jn = NULL;
		r = rule ? bh_json_set_new(doc, "syscalls", json_pack("[o]", rule)) : -ENOMEM;
	}
	json_decref(jn);
	if (r >= 0)
		r = bh_json_dump_buf(doc, out);
	if (r >= 0 && ret_stats)
		*ret_stats = st;
	return r;
}

/* ---- names and labels -------------------------------------------------------------------- */

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? of at most max bytes */
static bool dns_label_ok(struct span s, size_t max)
{
	if (s.len == 0 || s.len > max)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];
		bool alnum = ascii_isdigit(c) || (c >= 'a' && c <= 'z');
		if (!alnum && (c != '-' || i == 0 || i == s.len - 1))
			return false;
	}
	return true;
}

/* A DNS-1123 subdomain: dot-separated labels, at most 253 bytes. */
static bool dns_subdomain_ok(struct span s)
{
	if (s.len == 0 || s.len > 253)
		return false;
	struct span rest = s, lab;
	while (rest.len) {
		if (!span_cut(rest, '.', &lab, &rest)) {
			lab = rest;
			rest = span_make(rest.ptr + rest.len, 0);
		} else if (rest.len == 0)
			return false; /* trailing dot */
		if (!dns_label_ok(lab, 63))
			return false;
	}
	return true;
}

bool profile_label_value_ok(struct span s)
{
	if (s.len == 0)
		return true;
	if (s.len > 63 || !ascii_isalnum(s.ptr[0]) || !ascii_isalnum(s.ptr[s.len - 1]))
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];
		if (!ascii_isalnum(c) && c != '-' && c != '_' && c != '.')
			return false;
	}
	return true;
}

bool profile_label_key_ok(struct span s)
{
	struct span prefix, name;
	if (span_cut(s, '/', &prefix, &name)) {
		if (!dns_subdomain_ok(prefix))
			return false;
	} else
		name = s;
	return name.len > 0 && profile_label_value_ok(name);
}

/* A double-quoted YAML scalar (the JSON escapes, which YAML shares). */
static int yaml_quote(struct buf *out, struct span s)
{
	int r = buf_putc(out, '"');
	for (size_t i = 0; r >= 0 && i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c == '"' || c == '\\')
			r = buf_printf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			r = buf_printf(out, "\\u%04x", c);
		else
			r = buf_putc(out, (char)c);
	}
	return r < 0 ? r : buf_putc(out, '"');
}

/* ---- NetworkPolicy ----------------------------------------------------------------------- */

static const char *proto_upper(uint8_t p)
{
	return p == IPPROTO_UDP ? "UDP" : "TCP";
}

/*
 * "bulkhead-" + the owner lower-cased, every run of characters other than [a-z0-9] one '-',
 * cut to one DNS label (63 bytes) without a trailing '-'; "bulkhead-workload" when nothing
 * is left.
 */
static int default_name(struct span owner, struct buf *ret)
{
	char s[64] = "bulkhead-";
	size_t n = strlen(s), base = n;
	for (size_t i = 0; i < owner.len && n < 63; i++) {
		char c = (char)ascii_tolower((unsigned char)owner.ptr[i]);
		if (!ascii_isdigit(c) && !(c >= 'a' && c <= 'z'))
			c = '-';
		if (c == '-' && s[n - 1] == '-')
			continue;
		s[n++] = c;
	}
	while (n > base && s[n - 1] == '-')
		n--;
	s[n] = '\0';
	return buf_puts(ret, n > base ? s : "bulkhead-workload");
}

static int put_port(struct buf *out, const char *indent, uint8_t proto, uint16_t port)
{
	return buf_printf(out, "%s- protocol: %s\n%s  port: %u\n", indent, proto_upper(proto),
			  indent, port);
}

static int put_ipblock(struct buf *out, const char *addr, const char *name)
{
	bool v6 = strchr(addr, ':') != NULL;
	int r = buf_printf(out, "    - ipBlock:\n        cidr: \"%s/%s\"", addr, v6 ? "128" : "32");
	/* the DNS name seen with the address, as a comment (baseline_fact_validate made it a
	 * DNS name: nothing that could end the comment) */
	if (r >= 0 && name)
		r = buf_printf(out, "  # %s", name);
	return r < 0 ? r : buf_putc(out, '\n');
}

static bool is_dns(const struct baseline_fact *f)
{
	return f->port == 53;
}

int profile_netpol(const struct baseline *b, const struct profile_netpol_opts *o, struct buf *out,
		   const char **ret_why)
{
	static const struct profile_netpol_opts none = {0};
	const char *why_dummy;
	if (!ret_why)
		ret_why = &why_dummy;
	if (!o)
		o = &none;
	struct profile_workload wl;
	profile_workload_parse(b->workload, &wl);

	_cleanup_buf_ struct buf name;
	buf_init(&name, 256);
	int r;
	if (o->name) {
		if (!dns_subdomain_ok(span_from(o->name))) {
			*ret_why =
			    "the name is not a DNS subdomain (lower-case letters, digits, '-', "
			    "'.', at most 253)";
			return -EINVAL;
		}
		r = buf_puts(&name, o->name);
	} else
		r = default_name(wl.owner, &name);
	if (r < 0)
		return r;
	struct span ns = o->namespace ? span_from(o->namespace) : wl.ns;
	if (ns.len && !dns_label_ok(ns, 63)) {
		*ret_why = "the namespace is not a DNS label (lower-case letters, digits, '-', at "
			   "most 63)";
		return -EINVAL;
	}
	for (size_t i = 0; i < o->n_selector; i++) {
		struct span k, v;
		if (!span_cut(span_from(o->selector[i]), '=', &k, &v) || !profile_label_key_ok(k) ||
		    !profile_label_value_ok(v)) {
			*ret_why =
			    "a selector is not KEY=VALUE with a Kubernetes label key and value";
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			struct span k2, v2;
			(void)span_cut(span_from(o->selector[j]), '=', &k2, &v2);
			if (span_eq(k, k2)) {
				*ret_why = "a selector key is given twice";
				return -EINVAL;
			}
		}
	}
	if (o->n_selector == 0 && (wl.owner.len == 0 || !profile_label_value_ok(wl.owner))) {
		*ret_why = wl.owner.len ? "the owner's name is no label value: give --selector"
					: "the workload has no owner to select: give --selector";
		return -EINVAL;
	}

	const struct baseline_set *listen = &b->sets[BASELINE_LISTEN];
	const struct baseline_set *peer = &b->sets[BASELINE_PEER];
	char ver[32];
	(void)xsnprintf(ver, sizeof(ver), "%llu",
			(unsigned long long)(o->version ? o->version : b->version));
	r = buf_puts(out, "# Made by bulkhead profile export from the behaviour baseline of a "
			  "workload: it allows\n# exactly the flows seen while it learnt.\n"
			  "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
			  "  name: ");
	if (r >= 0)
		r = yaml_quote(out, buf_span(&name));
	if (r >= 0 && ns.len)
		r = buf_puts(out, "\n  namespace: ") ?: yaml_quote(out, ns);
	if (r >= 0)
		r = buf_puts(out, "\n  annotations:\n    bulkhead.dev/workload: ") ?:
		    yaml_quote(out, span_from(b->workload)) ?:
		    buf_printf(out, "\n    bulkhead.dev/baseline-version: \"%s\"\n", ver) ?:
		    buf_puts(out, "spec:\n  podSelector:\n    matchLabels:\n");
	if (r < 0)
		return r;
	if (o->n_selector == 0)
		r = buf_puts(out, "      \"app.kubernetes.io/name\": ") ?:
		    yaml_quote(out, wl.owner) ?: buf_putc(out, '\n');
	/* labels in key order, as kubectl would print them */
	_cleanup_free_ const char **sel = NULL;
	if (o->n_selector) {
		sel = calloc(o->n_selector, sizeof(*sel));
		if (!sel)
			return -ENOMEM;
		memcpy(sel, o->selector, o->n_selector * sizeof(*sel));
		qsort(sel, o->n_selector, sizeof(*sel), cmp_str);
	}
	for (size_t i = 0; r >= 0 && i < o->n_selector; i++) {
		struct span k, v;
		(void)span_cut(span_from(sel[i]), '=', &k, &v);
		r = buf_puts(out, "      ") ?: yaml_quote(out, k) ?: buf_puts(out, ": ") ?:
		    yaml_quote(out, v) ?: buf_putc(out, '\n');
	}
	if (r >= 0)
		r = buf_puts(out, "  policyTypes:\n  - Ingress\n  - Egress\n");
	if (r < 0)
		return r;

	/* ingress: one rule from anywhere on the listening ports */
	if (listen->n == 0)
		r = buf_puts(out, "  ingress: []\n");
	else {
		r = buf_puts(out, "  ingress:\n  - ports:\n");
		for (size_t i = 0; r >= 0 && i < listen->n; i++)
			r = put_port(out, "    ", listen->v[i].proto, listen->v[i].port);
	}

	/* egress: one rule per (proto, port); the set is ordered by (proto, address, port), so
	 * each rule collects its addresses in one pass over the set */
	bool cluster_dns = o->dns == PROFILE_DNS_CLUSTER, any_rule = false, any_dns = false;
	for (size_t i = 0; r >= 0 && i < peer->n; i++) {
		const struct baseline_fact *f = &peer->v[i];
		if (cluster_dns && is_dns(f)) {
			any_dns = true;
			continue;
		}
		bool first = true, wild = false;
		for (size_t j = 0; j < i && first; j++)
			if (peer->v[j].proto == f->proto && peer->v[j].port == f->port)
				first = false;
		if (!first)
			continue;
		for (size_t j = i; j < peer->n; j++)
			if (peer->v[j].proto == f->proto && peer->v[j].port == f->port &&
			    streq(peer->v[j].a, "*"))
				wild = true;
		r = buf_puts(out, any_rule ? "  - to:\n" : "  egress:\n  - to:\n");
		any_rule = true;
		if (r >= 0 && wild)
			r = buf_puts(out, "    - ipBlock:\n        cidr: \"0.0.0.0/0\"\n"
					  "    - ipBlock:\n        cidr: \"::/0\"\n");
		for (size_t j = i; r >= 0 && !wild && j < peer->n; j++)
			if (peer->v[j].proto == f->proto && peer->v[j].port == f->port)
				r = put_ipblock(out, peer->v[j].a, peer->v[j].b);
		if (r >= 0)
			r = buf_puts(out, "    ports:\n")
				?: put_port(out, "    ", f->proto, f->port);
	}
	if (r >= 0 && any_dns) {
		r = buf_puts(out, any_rule ? "" : "  egress:\n") ?:
		    buf_puts(out, "  # DNS: the resolver's queries reach the cluster DNS pods (the "
				  "Service address\n  # a pod sends them to is translated before "
				  "policies apply)\n"
				  "  - to:\n    - namespaceSelector:\n        matchLabels:\n"
				  "          \"kubernetes.io/metadata.name\": \"kube-system\"\n"
				  "      podSelector:\n        matchLabels:\n"
				  "          \"k8s-app\": \"kube-dns\"\n    ports:\n") ?:
		    put_port(out, "    ", IPPROTO_UDP, 53) ?:
		    put_port(out, "    ", IPPROTO_TCP, 53);
		any_rule = true;
	}
	if (r >= 0 && !any_rule)
		r = buf_puts(out, "  egress: []\n");
	return r;
}

/* ---- unused packages ----------------------------------------------------------------------- */

struct path_ent {
	char *path; /* owned */
	size_t pkg;
};

struct path_index {
	struct path_ent *v;
	size_t n, cap;
};

static void path_index_done(struct path_index *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->v[i].path);
	free(x->v);
}

static int path_index_add(struct path_index *x, const char *path, size_t pkg)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct path_ent *v = reallocarray(x->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		x->v = v;
		x->cap = cap;
	}
	char *s = strdup(path);
	if (!s)
		return -ENOMEM;
	x->v[x->n++] = (struct path_ent){s, pkg};
	return 0;
}

static int cmp_ent(const void *a, const void *b)
{
	const struct path_ent *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : (x->pkg > y->pkg) - (x->pkg < y->pkg);
}

void profile_usage_free(struct profile_usage *pu)
{
	if (!pu)
		return;
	for (size_t i = 0; pu->use && i < pu->n; i++)
		free(pu->use[i].evidence);
	free(pu->use);
	free(pu);
}

static int mark(struct profile_usage *pu, size_t pkg, enum baseline_type by, const char *path)
{
	struct profile_pkg_use *u = &pu->use[pkg];
	if (u->use == PROFILE_USE_USED)
		return 0;
	u->evidence = strdup(path);
	if (!u->evidence)
		return -ENOMEM;
	u->use = PROFILE_USE_USED;
	u->by = by;
	return 0;
}

static bool has_wildcard(const char *p)
{
	return strchr(p, '*') != NULL;
}

/* Is path dir itself or below it? */
static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static int match_fact(struct profile_usage *pu, const struct path_index *x, enum baseline_type t,
		      const char *path, profile_resolve_fn resolve, void *u, struct buf *tmp)
{
	int r;
	if (has_wildcard(path)) {
		for (size_t i = 0; i < x->n; i++)
			if (baseline_path_match(path, x->v[i].path) &&
			    (r = mark(pu, x->v[i].pkg, t, path)) < 0)
				return r;
		for (size_t p = 0; p < pu->n; p++)
			if (pu->pkgs[p].dir && under(path, pu->pkgs[p].dir) &&
			    (r = mark(pu, p, t, path)) < 0)
				return r;
		return 0;
	}
	const char *cand[2] = {path, NULL};
	if (resolve) {
		buf_clear(tmp);
		r = resolve(u, path, tmp);
		if (r < 0 && r != -ENOENT)
			return r;
		if (r >= 0 && tmp->len && !streq(buf_str(tmp), path))
			cand[1] = buf_str(tmp);
	}
	for (size_t c = 0; c < 2 && cand[c]; c++) {
		/* the first entry not below cand[c], then every equal one */
		size_t lo = 0, hi = x->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(x->v[mid].path, cand[c]) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < x->n && streq(x->v[lo].path, cand[c]); lo++)
			if ((r = mark(pu, x->v[lo].pkg, t, path)) < 0)
				return r;
		for (size_t p = 0; p < pu->n; p++)
			if (pu->pkgs[p].dir && under(cand[c], pu->pkgs[p].dir) &&
			    (r = mark(pu, p, t, path)) < 0)
				return r;
	}
	return 0;
}

int profile_unused(const struct baseline *b, const struct profile_pkg *pkgs, size_t n,
		   profile_resolve_fn resolve, void *u, struct profile_usage **ret)
{
	_cleanup_(profile_usage_freep) struct profile_usage *pu = calloc(1, sizeof(*pu));
	if (!pu)
		return -ENOMEM;
	pu->workload = b->workload;
	pu->version = b->version;
	pu->pkgs = pkgs;
	pu->n = n;
	pu->use = calloc(n ? n : 1, sizeof(*pu->use));
	if (!pu->use)
		return -ENOMEM;

	_cleanup_buf_ struct buf tmp;
	buf_init(&tmp, 0);
	struct path_index x = {0};
	int r = 0;
	for (size_t p = 0; r >= 0 && p < n; p++) {
		if (pkgs[p].n_files == 0 && !pkgs[p].dir)
			pu->use[p].use = PROFILE_USE_UNKNOWN;
		for (size_t i = 0; r >= 0 && i < pkgs[p].n_files; i++) {
			const char *f = pkgs[p].files[i];
			r = path_index_add(&x, f, p);
			if (r < 0 || !resolve)
				continue;
			buf_clear(&tmp);
			int rr = resolve(u, f, &tmp);
			if (rr < 0 && rr != -ENOENT)
				r = rr;
			else if (rr >= 0 && tmp.len && !streq(buf_str(&tmp), f))
				r = path_index_add(&x, buf_str(&tmp), p);
		}
	}
	if (x.n)
		qsort(x.v, x.n, sizeof(*x.v), cmp_ent);

	/* facts in type order, so the evidence is an exec when there is one */
	static const enum baseline_type types[] = {BASELINE_EXEC, BASELINE_EXEC_PAIR,
						   BASELINE_FILE_READ, BASELINE_SENSITIVE_READ,
						   BASELINE_FILE_WRITE};
	for (size_t k = 0; r >= 0 && k < ARRAY_SIZE(types); k++) {
		const struct baseline_set *set = &b->sets[types[k]];
		if (set->overflow)
			pu->incomplete = true;
		for (size_t i = 0; r >= 0 && i < set->n; i++) {
			r = match_fact(pu, &x, types[k], set->v[i].a, resolve, u, &tmp);
			if (r >= 0 && types[k] == BASELINE_EXEC_PAIR && set->v[i].b)
				r = match_fact(pu, &x, types[k], set->v[i].b, resolve, u, &tmp);
		}
	}
	path_index_done(&x);
	if (r < 0)
		return r;
	for (size_t p = 0; p < n; p++)
		pu->n_by[pu->use[p].use]++;
	*ret = TAKE_PTR(pu);
	return 0;
}

static json_t *pkg_json(const struct profile_pkg *p, const struct profile_pkg_use *use)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "name", p->name ? p->name : "", "version",
			      p->version ? p->version : "", "type", p->type ? p->type : "", "files",
			      (json_int_t)p->n_files);
	if (o && use->use == PROFILE_USE_USED &&
	    bh_json_set_new(o, "evidence",
			    json_pack("{s:s, s:s}", "type", baseline_type_name(use->by), "path",
				      use->evidence)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int profile_usage_to_json(const struct profile_usage *pu, const char *image, json_t **ret)
{
	_cleanup_json_ json_t *doc = json_pack(
	    "{s:s, s:s, s:I, s:o, s:b, s:{s:I, s:I, s:I, s:I}, s:[], s:[], s:[]}", "schema",
	    "bulkhead.profile-unused/v1", "workload", pu->workload, "baseline_version",
	    (json_int_t)pu->version, "image", image ? json_string(image) : json_null(),
	    "incomplete", pu->incomplete, "summary", "packages", (json_int_t)pu->n, "used",
	    (json_int_t)pu->n_by[PROFILE_USE_USED], "unused",
	    (json_int_t)pu->n_by[PROFILE_USE_UNUSED], "unknown",
	    (json_int_t)pu->n_by[PROFILE_USE_UNKNOWN], "unused", "used", "unknown");
	if (!doc)
		return -ENOMEM;
	static const char *const key[_PROFILE_USE_MAX] = {"unused", "used", "unknown"};
	for (size_t i = 0; i < pu->n; i++) {
		json_t *arr = json_object_get(doc, key[pu->use[i].use]);
		if (bh_json_append_new(arr, pkg_json(&pu->pkgs[i], &pu->use[i])) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(doc);
	return 0;
}

static size_t width(const char *s)
{
	return s ? strlen(s) : 0;
}

int profile_usage_to_text(const struct profile_usage *pu, struct buf *out)
{
	size_t w[3] = {strlen("PACKAGE"), strlen("VERSION"), strlen("TYPE")};
	for (size_t i = 0; i < pu->n; i++) {
		if (pu->use[i].use != PROFILE_USE_UNUSED)
			continue;
		w[0] = MAX(w[0], width(pu->pkgs[i].name));
		w[1] = MAX(w[1], width(pu->pkgs[i].version));
		w[2] = MAX(w[2], width(pu->pkgs[i].type));
	}
	w[0] = MIN(w[0], 60);
	w[1] = MIN(w[1], 40);
	w[2] = MIN(w[2], 12);
	int r = 0;
	if (pu->n_by[PROFILE_USE_UNUSED])
		r = buf_printf(out, "%-*s  %-*s  %-*s  %s\n", (int)w[0], "PACKAGE", (int)w[1],
			       "VERSION", (int)w[2], "TYPE", "FILES");
	for (size_t i = 0; r >= 0 && i < pu->n; i++) {
		const struct profile_pkg *p = &pu->pkgs[i];
		if (pu->use[i].use != PROFILE_USE_UNUSED)
			continue;
		r = buf_printf(out, "%-*s  %-*s  %-*s  %zu\n", (int)w[0], p->name ? p->name : "",
			       (int)w[1], p->version ? p->version : "", (int)w[2],
			       p->type ? p->type : "", p->n_files);
	}
	if (r >= 0)
		r = buf_printf(
		    out, "%s%zu of %zu packages unused (%zu used, %zu without a file list)\n",
		    pu->n_by[PROFILE_USE_UNUSED] ? "\n" : "", pu->n_by[PROFILE_USE_UNUSED], pu->n,
		    pu->n_by[PROFILE_USE_USED], pu->n_by[PROFILE_USE_UNKNOWN]);
	if (r >= 0 && pu->incomplete)
		r = buf_puts(out,
			     "the baseline is incomplete (a fact limit was reached): a package "
			     "listed may have been used\n");
	return r;
}
