/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline.c — fact sets, learning and checking (see baseline.h; the rules are described
 * for users in docs/baseline.md and must be kept in step with it). Reads events only; never
 * touches the system, never logs above debug.
 *
 * Sets are sorted arrays searched by bisection: a set holds at most a few thousand facts and
 * is read far more often (every event in monitor mode) than it changes.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>

#include "common/hash.h"
#include "common/caps.h"
#include "runtime/baseline.h"

/* ---- names ------------------------------------------------------------------------------ */

static const char *const type_names[_BASELINE_TYPE_MAX] = {
    [BASELINE_EXEC] = "exec",
    [BASELINE_EXEC_PAIR] = "exec_pair",
    [BASELINE_FILE_WRITE] = "file_write",
    [BASELINE_FILE_READ] = "file_read",
    [BASELINE_SENSITIVE_READ] = "sensitive_read",
    [BASELINE_LISTEN] = "listen",
    [BASELINE_PEER] = "peer",
    [BASELINE_SYSCALL] = "syscall",
    [BASELINE_CAPABILITY] = "capability",
};

static const char *const mode_names[_BASELINE_MODE_MAX] = {
    [BASELINE_LEARN] = "learn",
    [BASELINE_MONITOR] = "monitor",
    [BASELINE_PROTECT] = "protect",
};

const char *baseline_type_name(enum baseline_type t)
{
	return (unsigned)t < _BASELINE_TYPE_MAX ? type_names[t] : NULL;
}

int baseline_type_from_name(const char *s)
{
	for (unsigned i = 0; i < _BASELINE_TYPE_MAX; i++)
		if (streq(type_names[i], s))
			return (int)i;
	return -EINVAL;
}

const char *baseline_mode_name(enum baseline_mode m)
{
	return (unsigned)m < _BASELINE_MODE_MAX ? mode_names[m] : NULL;
}

int baseline_mode_from_name(const char *s)
{
	for (unsigned i = 0; i < _BASELINE_MODE_MAX; i++)
		if (streq(mode_names[i], s))
			return (int)i;
	return -EINVAL;
}


static bool cap_known(const char *s)
{
	for (size_t i = 0; i < BH_CAP_COUNT; i++)
		if (streq(bh_cap_names[i], s))
			return true;
	return false;
}

/* ---- configuration ---------------------------------------------------------------------- */

const char *const baseline_sensitive_default[] = {
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/sudoers",
    "/etc/sudoers.d/**",
    "/etc/ssh/ssh_host_*_key",
    "/etc/kubernetes/**",
    "/root/.ssh/**",
    "/home/*/.ssh/**",
    "/root/.aws/**",
    "/home/*/.aws/**",
    "/root/.kube/**",
    "/home/*/.kube/**",
    "/root/.docker/config.json",
    "/home/*/.docker/config.json",
    "/var/run/secrets/kubernetes.io/**",
    "/run/secrets/**",
    "/var/run/secrets/**",
    "/var/lib/kubelet/**",
    "/var/lib/etcd/**",
    "/proc/*/mem",
    "/proc/*/environ",
    "/proc/kcore",
    "/dev/mem",
    "/dev/kmem",
    "/boot/**",
    NULL,
};

void baseline_limits_default(struct baseline_limits *l)
{
	*l = (struct baseline_limits){
	    .max_bytes = (size_t)16 << 20,
	    .path_max = 1024,
	    .write_dir_max = 8,
	    .peer_port_max = 32,
	    .exec_hash_max = 4,
	};
	for (size_t i = 0; i < _BASELINE_TYPE_MAX; i++)
		l->max_facts[i] = 4096;
	l->max_facts[BASELINE_FILE_READ] = 16384;
}

void baseline_config_default(struct baseline_config *c)
{
	*c = (struct baseline_config){0};
	baseline_limits_default(&c->limits);
}

/* ---- paths ------------------------------------------------------------------------------ */

/*
 * Lexical normalisation of base + "/" + rel (base NULL: rel must be absolute): empty and "."
 * components dropped, ".." removes the previous component (never above "/"). Appends to
 * out. 0, -EINVAL (not absolute), -E2BIG, -ENOMEM.
 */
static int path_normalize(const char *base, const char *rel, struct buf *out)
{
	_cleanup_buf_ struct buf tmp;
	buf_init(&tmp, 1 << 16);
	int r;
	if (rel[0] == '/')
		r = buf_puts(&tmp, rel);
	else if (base && base[0] == '/')
		r = buf_puts(&tmp, base) ?: buf_putc(&tmp, '/') ?: buf_puts(&tmp, rel);
	else
		return -EINVAL;
	if (r < 0)
		return r;
	size_t start = out->len;
	struct span in = buf_span(&tmp), comp;
	while (span_next_token(&in, '/', &comp) == 0) {
		if (comp.len == 0 || span_eq_str(comp, "."))
			continue;
		if (span_eq_str(comp, "..")) {
			while (out->len > start && out->ptr[out->len - 1] != '/')
				out->len--;
			if (out->len > start)
				out->len--;
			out->ptr[out->len] = '\0';
			continue;
		}
		r = buf_putc(out, '/') ?: buf_append_span(out, comp);
		if (r < 0)
			return r;
	}
	if (out->len == start)
		return buf_putc(out, '/');
	return 0;
}

/* Under /proc, an all-digit component (a pid or tid) becomes "*". In place. */
static void path_proc_rewrite(struct buf *p)
{
	if (!span_startswith(buf_span(p), "/proc/"))
		return;
	_cleanup_buf_ struct buf o;
	buf_init(&o, 0);
	struct span in = buf_span(p), comp;
	bool changed = false;
	int r = 0;
	while (r >= 0 && span_next_token(&in, '/', &comp) == 0) {
		if (comp.len == 0)
			continue;
		bool digits = true;
		for (size_t i = 0; i < comp.len; i++)
			digits &= ascii_isdigit(comp.ptr[i]);
		r = buf_putc(&o, '/') ?: digits ? buf_putc(&o, '*') : buf_append_span(&o, comp);
		changed |= digits;
	}
	if (r < 0 || !changed || o.len > p->len)
		return;
	memcpy(p->ptr, o.ptr, o.len + 1);
	p->len = o.len;
}

/* '*' matches any run of bytes in one component. Iterative, with one backtrack point. */
static bool comp_match(struct span pat, struct span s)
{
	size_t p = 0, i = 0, star = SIZE_MAX, mark = 0;
	while (i < s.len) {
		if (p < pat.len && pat.ptr[p] == '*') {
			star = p++;
			mark = i;
		} else if (p < pat.len && pat.ptr[p] == s.ptr[i]) {
			p++;
			i++;
		} else if (star != SIZE_MAX) {
			p = star + 1;
			i = ++mark;
		} else
			return false;
	}
	while (p < pat.len && pat.ptr[p] == '*')
		p++;
	return p == pat.len;
}

bool baseline_path_match(const char *pattern, const char *path)
{
	struct span pt = span_from(pattern), ps = span_from(path), a, b;
	if (!span_startswith(pt, "/") || !span_startswith(ps, "/"))
		return false;
	pt = span_slice(pt, 1, pt.len - 1);
	ps = span_slice(ps, 1, ps.len - 1);
	for (;;) {
		bool pa = span_next_token(&pt, '/', &a) == 0;
		bool pb = span_next_token(&ps, '/', &b) == 0;
		if (!pa || !pb)
			return pa == pb;
		if (span_eq_str(a, "**") && pt.len == 0)
			return true; /* one or more components remain (b is one) */
		if (!comp_match(a, b))
			return false;
	}
}

/* ---- facts ------------------------------------------------------------------------------ */

static void fact_done(struct baseline_fact *f)
{
	free(f->a);
	free(f->b);
	*f = (struct baseline_fact){0};
}

static int strcmp_null(const char *x, const char *y)
{
	if (!x || !y)
		return (x != NULL) - (y != NULL);
	return strcmp(x, y);
}

int baseline_fact_cmp(const struct baseline_fact *x, const struct baseline_fact *y)
{
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	int c = strcmp_null(x->a, y->a);
	if (c)
		return c;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return strcmp_null(x->b, y->b);
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "?";
}

int baseline_fact_format(enum baseline_type t, const struct baseline_fact *f, struct buf *out)
{
	switch (t) {
	case BASELINE_EXEC:
		return buf_puts(out, f->a ? f->a : "")
			   ?: (f->b ? buf_putc(out, ' ') ?: buf_puts(out, f->b) : 0);
	case BASELINE_EXEC_PAIR:
		return buf_printf(out, "%s -> %s", f->a ? f->a : "", f->b ? f->b : "");
	case BASELINE_LISTEN:
		return buf_printf(out, "%s/%u", proto_name(f->proto), f->port);
	case BASELINE_PEER: {
		const char *a = f->a ? f->a : "";
		int r = strchr(a, ':')
			    ? buf_printf(out, "%s/[%s]:%u", proto_name(f->proto), a, f->port)
			    : buf_printf(out, "%s/%s:%u", proto_name(f->proto), a, f->port);
		if (r >= 0 && f->b)
			r = buf_printf(out, " (%s)", f->b);
		return r;
	}
	default:
		return buf_puts(out, f->a ? f->a : "");
	}
}

static char *fact_string(enum baseline_type t, const struct baseline_fact *f)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	if (baseline_fact_format(t, f, &b) < 0)
		return NULL;
	return buf_take(&b);
}

static bool is_path_type(enum baseline_type t)
{
	return t == BASELINE_EXEC || t == BASELINE_EXEC_PAIR || t == BASELINE_FILE_WRITE ||
	       t == BASELINE_FILE_READ || t == BASELINE_SENSITIVE_READ;
}

/* An absolute normalised path ("**" only as the last component). NULL or a reason. */
static const char *path_invalid(const char *p, size_t max)
{
	if (!p)
		return "missing path";
	size_t n = strlen(p);
	if (n == 0 || p[0] != '/')
		return "not an absolute path";
	if (n > max)
		return "path too long";
	if (n == 1)
		return NULL;
	if (p[n - 1] == '/')
		return "path ends with '/'";
	struct span in = span_make(p + 1, n - 1), c;
	while (span_next_token(&in, '/', &c) == 0) {
		if (c.len == 0)
			return "empty path component";
		if (span_eq_str(c, ".") || span_eq_str(c, ".."))
			return "'.' or '..' in path";
		if (span_eq_str(c, "**") && in.len != 0)
			return "'**' before the last component";
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return "control character in path";
	return NULL;
}

static bool syscall_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 63 || !(ascii_isalpha(s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || ascii_isdigit(s[i]) || s[i] == '_'))
			return false;
	return !(s[0] >= 'A' && s[0] <= 'Z');
}

/* Canonical text of an IP address: inet_ntop of inet_pton equals it, and not v4-mapped. */
static bool address_canonical(const char *s)
{
	unsigned char a[16];
	char t[INET6_ADDRSTRLEN];
	if (inet_pton(AF_INET, s, a) == 1)
		return inet_ntop(AF_INET, a, t, sizeof(t)) && streq(t, s);
	if (inet_pton(AF_INET6, s, a) != 1)
		return false;
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (!memcmp(a, mapped, 12))
		return false;
	return inet_ntop(AF_INET6, a, t, sizeof(t)) && streq(t, s);
}

static bool dns_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(ascii_isalnum(s[i]) || s[i] == '-' || s[i] == '.' || s[i] == '_'))
			return false;
	return true;
}

int baseline_fact_validate(enum baseline_type t, const struct baseline_fact *f,
			   const struct baseline_limits *limits, const char **ret_why)
{
	const char *why = NULL;
	bool net = t == BASELINE_LISTEN || t == BASELINE_PEER;
	size_t max = limits ? limits->path_max : 1024;
	if (!net && (f->proto || f->port))
		why = "protocol or port on a fact without them";
	else if (net && f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
		why = "protocol is not tcp or udp";
	else if (net && f->port == 0)
		why = "port is not in 1-65535";
	else if (t != BASELINE_EXEC && t != BASELINE_EXEC_PAIR && t != BASELINE_PEER && f->b)
		why = "unexpected second value";
	else if (is_path_type(t))
		why = path_invalid(f->a, max);
	switch (t) {
	case BASELINE_EXEC:
		if (!why && f->b && bh_digest_validate(span_from(f->b)) < 0)
			why = "sha256 is not \"sha256:\" and 64 lower-case hex digits";
		break;
	case BASELINE_EXEC_PAIR:
		if (!why)
			why = path_invalid(f->b, max);
		break;
	case BASELINE_LISTEN:
		if (!why && f->a)
			why = "unexpected address";
		break;
	case BASELINE_PEER:
		if (!why && (!f->a || (!streq(f->a, "*") && !address_canonical(f->a))))
			why = "address is not a canonical IPv4/IPv6 address or '*'";
		else if (!why && f->b && !dns_name_ok(f->b))
			why = "name is not a DNS name";
		break;
	case BASELINE_SYSCALL:
		if (!why && !syscall_name_ok(f->a))
			why = "not a syscall name";
		break;
	case BASELINE_CAPABILITY:
		if (!why && (!f->a || !cap_known(f->a)))
			why = "not a capability name";
		break;
	default:
		break;
	}
	if (ret_why)
		*ret_why = why;
	return why ? -EBADMSG : 0;
}

/* ---- sets ------------------------------------------------------------------------------- */

static size_t fact_bytes(const struct baseline_fact *f)
{
	return (f->a ? strlen(f->a) + 1 : 0) + (f->b ? strlen(f->b) + 1 : 0);
}

/* Index of the first element >= f. */
static size_t set_lower(const struct baseline_set *s, const struct baseline_fact *f)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (baseline_fact_cmp(&s->v[mid], f) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool set_has(const struct baseline_set *s, const struct baseline_fact *f)
{
	size_t i = set_lower(s, f);
	return i < s->n && baseline_fact_cmp(&s->v[i], f) == 0;
}

/* The first index whose a (proto 0) is >= key. */
static size_t set_lower_str(const struct baseline_set *s, const char *key)
{
	struct baseline_fact k = {.a = (char *)key};
	return set_lower(s, &k);
}

/* Insert *f (taking its strings) at its place. 1 inserted, 0 present (f freed), -E2BIG, -ENOMEM. */
static int set_insert_take(struct baseline *b, enum baseline_type t, struct baseline_fact *f)
{
	struct baseline_set *s = &b->sets[t];
	size_t i = set_lower(s, f);
	if (i < s->n && baseline_fact_cmp(&s->v[i], f) == 0) {
		fact_done(f);
		return 0;
	}
	size_t nb = fact_bytes(f);
	if (s->n >= b->limits.max_facts[t] || b->bytes + nb > b->limits.max_bytes) {
		fact_done(f);
		return -E2BIG;
	}
	if (GROW(s->v, s->n, s->cap) < 0) {
		fact_done(f);
		return -ENOMEM;
	}
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = *f;
	*f = (struct baseline_fact){0};
	s->n++;
	b->bytes += nb;
	return 1;
}

/* Remove v[lo, hi). */
static void set_remove(struct baseline *b, enum baseline_type t, size_t lo, size_t hi)
{
	struct baseline_set *s = &b->sets[t];
	for (size_t i = lo; i < hi; i++) {
		b->bytes -= fact_bytes(&s->v[i]);
		fact_done(&s->v[i]);
	}
	memmove(&s->v[lo], &s->v[hi], (s->n - hi) * sizeof(*s->v));
	s->n -= hi - lo;
}

static int fact_make(uint8_t proto, uint16_t port, const char *a, const char *bb,
		     struct baseline_fact *ret)
{
	*ret = (struct baseline_fact){.proto = proto, .port = port};
	if (strdup_opt(a, &ret->a) < 0 || strdup_opt(bb, &ret->b) < 0) {
		fact_done(ret);
		return -ENOMEM;
	}
	return 0;
}

int baseline_insert_fact(struct baseline *b, enum baseline_type t, const struct baseline_fact *f)
{
	if ((unsigned)t >= _BASELINE_TYPE_MAX)
		return -EINVAL;
	struct baseline_fact c;
	int r = fact_make(f->proto, f->port, f->a, f->b, &c);
	if (r < 0)
		return r;
	r = set_insert_take(b, t, &c);
	return r < 0 ? r : r == 0 ? -EEXIST : 0;
}

/* ---- life cycle ------------------------------------------------------------------------- */

static bool pattern_ok(const char *p)
{
	return path_invalid(p, 4096) == NULL;
}

int baseline_new(const char *workload, enum baseline_mode mode, int64_t now,
		 const struct baseline_config *cfg, struct baseline **ret)
{
	struct baseline_config def;
	if (!cfg) {
		baseline_config_default(&def);
		cfg = &def;
	}
	if (!workload || !workload[0] || (unsigned)mode >= _BASELINE_MODE_MAX)
		return -EINVAL;
	const struct baseline_limits *l = &cfg->limits;
	for (size_t i = 0; i < _BASELINE_TYPE_MAX; i++)
		if (!l->max_facts[i])
			return -EINVAL;
	if (!l->max_bytes || !l->path_max || !l->write_dir_max || !l->peer_port_max ||
	    !l->exec_hash_max)
		return -EINVAL;
	_cleanup_(baseline_freep) struct baseline *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->workload = strdup(workload);
	if (!b->workload)
		return -ENOMEM;
	b->version = 1;
	b->mode = mode;
	b->created = b->updated = now;
	b->learning_started = mode == BASELINE_LEARN ? now : 0;
	b->limits = *l;
	if (cfg->sensitive) {
		for (size_t i = 0; i < cfg->n_sensitive; i++) {
			if (!cfg->sensitive[i] || !pattern_ok(cfg->sensitive[i]))
				return -EINVAL;
			if (strv_push(&b->sensitive, cfg->sensitive[i]) < 0)
				return -ENOMEM;
		}
	} else {
		for (size_t i = 0; baseline_sensitive_default[i]; i++)
			if (strv_push(&b->sensitive, baseline_sensitive_default[i]) < 0)
				return -ENOMEM;
	}
	*ret = TAKE_PTR(b);
	return 0;
}

void baseline_free(struct baseline *b)
{
	if (!b)
		return;
	for (size_t t = 0; t < _BASELINE_TYPE_MAX; t++) {
		for (size_t i = 0; i < b->sets[t].n; i++)
			fact_done(&b->sets[t].v[i]);
		free(b->sets[t].v);
	}
	strv_done(&b->sensitive);
	free(b->workload);
	free(b);
}

void baseline_set_mode(struct baseline *b, enum baseline_mode mode, int64_t now)
{
	if ((unsigned)mode >= _BASELINE_MODE_MAX)
		return;
	if (mode == BASELINE_LEARN && b->mode != BASELINE_LEARN)
		b->learning_started = now;
	b->mode = mode;
	b->updated = now;
}

bool baseline_stable(const struct baseline *b, int64_t now, int64_t stable_for)
{
	return b->last_new_fact > 0 && now - b->last_new_fact >= stable_for;
}

/* ---- event -> candidate facts ----------------------------------------------------------- */

enum cand_flags {
	CAND_WRITE_PATH = 1 << 0, /* file_write: learn applies the collapse rules */
	CAND_TOO_LONG = 1 << 1,	  /* a path longer than path_max: never stored */
};

struct cand {
	enum baseline_type type;
	unsigned flags;
	struct baseline_fact f;
};

#define MAX_CANDS 12

struct cands {
	struct cand v[MAX_CANDS];
	size_t n;
};

static void cands_done(struct cands *c)
{
	for (size_t i = 0; i < c->n; i++)
		fact_done(&c->v[i].f);
	c->n = 0;
}

static int cand_add(struct cands *c, const struct baseline *b, enum baseline_type t, uint8_t proto,
		    uint16_t port, const char *a, const char *bb)
{
	if (c->n >= MAX_CANDS)
		return 0;
	/* the same fact twice in one event (rename onto itself) counts once */
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].type == t && c->v[i].f.proto == proto && c->v[i].f.port == port &&
		    streq_ptr(c->v[i].f.a, a) && streq_ptr(c->v[i].f.b, bb))
			return 0;
	struct cand *x = &c->v[c->n];
	*x = (struct cand){.type = t};
	int r = fact_make(proto, port, a, bb, &x->f);
	if (r < 0)
		return r;
	if ((a && strlen(a) > b->limits.path_max && is_path_type(t)) ||
	    (bb && strlen(bb) > b->limits.path_max && t == BASELINE_EXEC_PAIR))
		x->flags |= CAND_TOO_LONG;
	c->n++;
	return 0;
}

/* A path the event names: absolute as is, relative to the cwd when dirfd is AT_FDCWD. */
static int event_path(const struct bh_event *ev, const char *arg, const char *dirfd_arg,
		      struct buf *out)
{
	const char *p = bh_event_arg(ev, arg);
	if (!p || !p[0])
		return -ENOENT;
	const char *base = NULL;
	if (p[0] != '/') {
		const char *d = dirfd_arg ? bh_event_arg(ev, dirfd_arg) : NULL;
		if (d && !streq(d, "-100"))
			return -ENOENT; /* relative to a directory fd we cannot name */
		base = ev->proc.cwd;
		if (!base || base[0] != '/')
			return -ENOENT;
	}
	int r = path_normalize(base, p, out);
	if (r < 0)
		return r == -ENOMEM ? r : -ENOENT;
	path_proc_rewrite(out);
	return 0;
}

static int fd_path(const struct bh_event *ev, struct buf *out)
{
	const char *p = ev->fd.name;
	if (!p || p[0] != '/')
		return -ENOENT;
	int r = path_normalize(NULL, p, out);
	if (r < 0)
		return r == -ENOMEM ? r : -ENOENT;
	path_proc_rewrite(out);
	return 0;
}

static bool sensitive(const struct baseline *b, const char *path)
{
	for (size_t i = 0; i < b->sensitive.n; i++)
		if (baseline_path_match(b->sensitive.v[i], path))
			return true;
	return false;
}

static bool type_is(const struct bh_event *ev, const char *const *names)
{
	for (; *names; names++)
		if (streq(ev->type, *names))
			return true;
	return false;
}

static int arg_i64(const struct bh_event *ev, const char *name, int64_t *ret)
{
	const char *v = bh_event_arg(ev, name);
	if (!v)
		return -ENOENT;
	if (v[0] == '0' && v[1] == 'x') {
		uint64_t u;
		int r = parse_u64(span_from(v + 2), 16, UINT64_MAX, &u);
		if (r < 0)
			return r;
		*ret = (int64_t)u;
		return 0;
	}
	return parse_i64(span_from(v), INT64_MIN, INT64_MAX, ret);
}

/* Is any of the id arguments given (not -1)? */
static bool id_args_set(const struct bh_event *ev, const char *const *names)
{
	for (; *names; names++) {
		int64_t v;
		if (arg_i64(ev, *names, &v) == 0 && v != -1 && v != (int64_t)UINT32_MAX)
			return true;
	}
	return false;
}

static int cap_cand(struct cands *c, const struct baseline *b, const char *cap)
{
	return cand_add(c, b, BASELINE_CAPABILITY, 0, 0, cap, NULL);
}

/* Capabilities an event shows the process used (docs/baseline.md, "capabilities"). */
static int capability_cands(const struct bh_event *ev, const struct baseline *b, struct cands *c)
{
	static const char *const chowns[] = {"chown", "lchown", "fchown", "fchownat", NULL};
	static const char *const setuids[] = {"setuid", "setreuid", "setresuid", NULL};
	static const char *const setgids[] = {"setgid", "setregid", "setresgid", NULL};
	static const char *const admin[] = {"mount", "umount2", "umount", "setns", NULL};
	static const char *const modules[] = {"init_module", "finit_module", NULL};
	if ((streq(ev->type, "bind") || streq(ev->type, "listen")) && ev->fd.is_server &&
	    ev->fd.sport > 0 && ev->fd.sport < 1024 && (ev->fd.type == '4' || ev->fd.type == '6'))
		return cap_cand(c, b, "CAP_NET_BIND_SERVICE");
	if (type_is(ev, chowns)) {
		int64_t uid = -1, gid = -1;
		(void)arg_i64(ev, "uid", &uid);
		(void)arg_i64(ev, "gid", &gid);
		if ((uid != -1 && uid != (int64_t)UINT32_MAX && uid != (int64_t)ev->proc.euid) ||
		    (gid != -1 && gid != (int64_t)UINT32_MAX && gid != (int64_t)ev->proc.egid))
			return cap_cand(c, b, "CAP_CHOWN");
		return 0;
	}
	if (type_is(ev, setuids)) {
		static const char *const ids[] = {"uid", "ruid", "euid", "suid", NULL};
		return id_args_set(ev, ids) ? cap_cand(c, b, "CAP_SETUID") : 0;
	}
	if (type_is(ev, setgids)) {
		static const char *const ids[] = {"gid", "rgid", "egid", "sgid", NULL};
		return id_args_set(ev, ids) ? cap_cand(c, b, "CAP_SETGID") : 0;
	}
	if (type_is(ev, admin))
		return cap_cand(c, b, "CAP_SYS_ADMIN");
	if (streq(ev->type, "unshare")) {
		int64_t fl = 0;
		const int64_t ns = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
				   CLONE_NEWPID | CLONE_NEWCGROUP | 0x80 /* CLONE_NEWTIME */;
		if (arg_i64(ev, "flags", &fl) == 0 && (fl & ns) && !(fl & CLONE_NEWUSER))
			return cap_cand(c, b, "CAP_SYS_ADMIN");
		return 0;
	}
	if (streq(ev->type, "ptrace")) {
		const char *req = bh_event_arg(ev, "request");
		if (req && (streq(req, "PTRACE_ATTACH") || streq(req, "PTRACE_SEIZE")))
			return cap_cand(c, b, "CAP_SYS_PTRACE");
		return 0;
	}
	if (type_is(ev, modules))
		return cap_cand(c, b, "CAP_SYS_MODULE");
	if (streq(ev->type, "socket")) {
		const char *dom = bh_event_arg(ev, "domain");
		int64_t type = 0;
		(void)arg_i64(ev, "type", &type);
		if ((dom && streq(dom, "AF_PACKET")) || (type & 0xf) == SOCK_RAW)
			return cap_cand(c, b, "CAP_NET_RAW");
		return 0;
	}
	if (streq(ev->type, "bpf"))
		return cap_cand(c, b, "CAP_BPF");
	return 0;
}

static int path_cand(struct cands *c, const struct baseline *b, enum baseline_type t,
		     const struct buf *p)
{
	int r = cand_add(c, b, t, 0, 0, buf_str(p), NULL);
	if (r >= 0 && t == BASELINE_FILE_WRITE && c->n)
		c->v[c->n - 1].flags |= CAND_WRITE_PATH;
	return r;
}

/* Write targets named by arguments: [type, arg, dirfd arg] */
static const struct {
	const char *type, *arg, *dirfd;
} write_args[] = {
    {"unlink", "path", NULL},
    {"rmdir", "path", NULL},
    {"unlinkat", "name", "dirfd"},
    {"rename", "oldpath", NULL},
    {"rename", "newpath", NULL},
    {"renameat", "oldpath", "olddirfd"},
    {"renameat", "newpath", "newdirfd"},
    {"renameat2", "oldpath", "olddirfd"},
    {"renameat2", "newpath", "newdirfd"},
    {"link", "newpath", NULL},
    {"linkat", "newpath", "newdir"},
    {"symlink", "linkpath", NULL},
    {"symlinkat", "linkpath", "linkdirfd"},
    {"chmod", "filename", NULL},
    {"fchmodat", "filename", "dirfd"},
    {"chown", "path", NULL},
    {"lchown", "path", NULL},
    {"fchownat", "pathname", "dirfd"},
};

static int file_cands(const struct bh_event *ev, const struct baseline *b, struct cands *c)
{
	static const char *const opens[] = {"open", "openat", "openat2", "creat", NULL};
	static const char *const fdops[] = {"fchmod", "fchown", NULL};
	_cleanup_buf_ struct buf p;
	buf_init(&p, 1 << 16);
	int r;
	if (type_is(ev, opens)) {
		if (ev->fd.type && ev->fd.type != 'f')
			return 0; /* directories, memfds, sockets */
		uint32_t fl = ev->fd.open_flags;
		if (fl & O_PATH)
			return 0;
		r = fd_path(ev, &p);
		if (r < 0)
			return r == -ENOENT ? 0 : r;
		uint32_t acc = fl & O_ACCMODE;
		bool write =
		    acc == O_WRONLY || acc == O_RDWR || (fl & (O_CREAT | O_TRUNC | O_APPEND));
		bool read = acc == O_RDONLY || acc == O_RDWR;
		if (write)
			r = path_cand(c, b, BASELINE_FILE_WRITE, &p);
		else
			r = path_cand(c, b, BASELINE_FILE_READ, &p);
		if (r >= 0 && read && sensitive(b, buf_str(&p)))
			r = path_cand(c, b, BASELINE_SENSITIVE_READ, &p);
		return r;
	}
	if (type_is(ev, fdops)) {
		r = fd_path(ev, &p);
		if (r < 0)
			return r == -ENOENT ? 0 : r;
		return path_cand(c, b, BASELINE_FILE_WRITE, &p);
	}
	for (size_t i = 0; i < ARRAY_SIZE(write_args); i++) {
		if (!streq(ev->type, write_args[i].type))
			continue;
		buf_clear(&p);
		r = event_path(ev, write_args[i].arg, write_args[i].dirfd, &p);
		if (r == -ENOENT)
			continue;
		if (r >= 0)
			r = path_cand(c, b, BASELINE_FILE_WRITE, &p);
		if (r < 0)
			return r;
	}
	return 0;
}

static int net_cands(const struct bh_event *ev, const struct baseline *b, struct cands *c)
{
	static const char *const servers[] = {"bind", "listen", "accept", "accept4", NULL};
	const struct bh_ev_fd *fd = &ev->fd;
	if (fd->type != '4' && fd->type != '6')
		return 0;
	if (fd->l4proto != IPPROTO_TCP && fd->l4proto != IPPROTO_UDP)
		return 0;
	if (type_is(ev, servers)) {
		if (!fd->sport)
			return 0;
		return cand_add(c, b, BASELINE_LISTEN, fd->l4proto, fd->sport, NULL, NULL);
	}
	if (!streq(ev->type, "connect") || !fd->sip || !fd->sport)
		return 0;
	/* the canonical text; an IPv4-mapped IPv6 address is the IPv4 address */
	unsigned char a[16];
	char t[INET6_ADDRSTRLEN];
	if (inet_pton(AF_INET, fd->sip, a) == 1) {
		if (!inet_ntop(AF_INET, a, t, sizeof(t)))
			return 0;
	} else if (inet_pton(AF_INET6, fd->sip, a) == 1) {
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		bool m = !memcmp(a, mapped, 12);
		if (!inet_ntop(m ? AF_INET : AF_INET6, m ? a + 12 : a, t, sizeof(t)))
			return 0;
	} else
		return 0;
	return cand_add(c, b, BASELINE_PEER, fd->l4proto, fd->sport, t, NULL);
}

static int exec_cands(const struct bh_event *ev, const struct baseline *b, const char *sha,
		      struct cands *c)
{
	if (!streq(ev->type, "execve") && !streq(ev->type, "execveat"))
		return 0;
	const char *exe = ev->proc.exepath;
	if (!exe || exe[0] != '/')
		return 0;
	_cleanup_buf_ struct buf p, q;
	buf_init(&p, 1 << 16);
	buf_init(&q, 1 << 16);
	int r = path_normalize(NULL, exe, &p);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	r = cand_add(c, b, BASELINE_EXEC, 0, 0, buf_str(&p), sha);
	if (r < 0)
		return r;
	const char *parent = ev->proc.n_ancestors ? ev->proc.ancestors[0].exepath : NULL;
	/* the runtime that started it (`podman exec`: runc or conmon, by timing) is no fact */
	if (!parent || parent[0] != '/' || baseline_is_runtime_exe(parent))
		return 0;
	r = path_normalize(NULL, parent, &q);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	return cand_add(c, b, BASELINE_EXEC_PAIR, 0, 0, buf_str(&q), buf_str(&p));
}

bool baseline_is_runtime_exe(const char *path)
{
	static const char *const names[] = {
		"runc", "crun", "youki", "runsc", "conmon", "containerd-shim",
		"containerd-shim-runc-v1", "containerd-shim-runc-v2", "crio", "docker-runc",
	};
	if (!path)
		return false;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (streq(base, names[i]))
			return true;
	return false;
}

bool baseline_is_runtime_setup(const struct bh_event *ev)
{
	/* runc's and crun's init re-exec themselves as "runc:[1:CHILD]", "runc:[2:INIT]", … */
	const char *name = ev->proc.name;
	if (name && (strncmp(name, "runc:[", 6) == 0 || strncmp(name, "crun:[", 6) == 0 ||
		     strncmp(name, "youki:[", 7) == 0))
		return true;
	return baseline_is_runtime_exe(ev->proc.exepath);
}

static int event_cands(const struct baseline *b, const struct bh_event *ev, const char *sha,
		       struct cands *c)
{
	if (sha && bh_digest_validate(span_from(sha)) < 0)
		return -EINVAL;
	int r = 0;
	if (ev->type[0] && !streq(ev->type, "procexit") && syscall_name_ok(ev->type))
		r = cand_add(c, b, BASELINE_SYSCALL, 0, 0, ev->type, NULL);
	/* failed calls did nothing; a non-blocking connect in progress did */
	bool ok = ev->res >= 0 || (streq(ev->type, "connect") && ev->res == -EINPROGRESS);
	if (r < 0 || !ok)
		return r;
	return exec_cands(ev, b, sha, c) ?: file_cands(ev, b, c) ?: net_cands(ev, b, c) ?:
	       capability_cands(ev, b, c);
}

/* ---- file_write collapse ---------------------------------------------------------------- */

static bool comp_generated(struct span c)
{
	size_t hex = 0, dec = 0;
	bool hex_digit = false;
	size_t run = 0;
	bool up = false, low = false, dig = false;
	for (size_t i = 0; i <= c.len; i++) {
		char ch = i < c.len ? c.ptr[i] : '\0';
		if (ascii_isxdigit(ch)) {
			hex++;
			hex_digit |= ascii_isdigit(ch);
		} else
			hex = 0, hex_digit = false;
		if (hex >= 8 && hex_digit)
			return true;
		dec = ascii_isdigit(ch) ? dec + 1 : 0;
		if (dec >= 5)
			return true;
		if (ascii_isalnum(ch)) {
			run++;
			up |= ch >= 'A' && ch <= 'Z';
			low |= ch >= 'a' && ch <= 'z';
			dig |= ascii_isdigit(ch);
		} else {
			if (run >= 6 && up && low && dig)
				return true;
			run = 0;
			up = low = dig = false;
		}
	}
	return false;
}

/* May entries of directory d (a prefix of a path, no trailing '/') be collapsed? */
static bool dir_collapsible(struct span d)
{
	if (span_eq_str(d, "/tmp") || span_eq_str(d, "/run"))
		return true;
	size_t n = 0;
	for (size_t i = 0; i < d.len; i++)
		n += d.ptr[i] == '/';
	return n >= 2 && !span_startswith(d, "/proc/") && !span_eq_str(d, "/proc");
}

static bool comp_is_wild(struct span c)
{
	return span_eq_str(c, "*") || span_eq_str(c, "**");
}

/* Is there a fact equal to key, or one under it ("key/…")? */
static bool set_has_prefix(const struct baseline_set *s, struct span key)
{
	_cleanup_buf_ struct buf k;
	buf_init(&k, 0);
	if (buf_append_span(&k, key) < 0)
		return false;
	size_t i = set_lower_str(s, buf_str(&k));
	if (i < s->n && streq(s->v[i].a, buf_str(&k)))
		return true;
	if (buf_putc(&k, '/') < 0)
		return false;
	i = set_lower_str(s, buf_str(&k));
	return i < s->n && span_startswith(span_from(s->v[i].a), buf_str(&k));
}

static bool set_has_str(const struct baseline_set *s, struct span key)
{
	_cleanup_buf_ struct buf k;
	buf_init(&k, 0);
	if (buf_append_span(&k, key) < 0)
		return false;
	size_t i = set_lower_str(s, buf_str(&k));
	return i < s->n && streq(s->v[i].a, buf_str(&k));
}

#define FW_MATCH_STATES 64

/*
 * Does a file_write pattern match the concrete path? In learnt patterns only whole
 * components "*" (one component) and a last "**" (one or more) are wildcards, so the walk
 * follows, component by component, the prefixes "P/c" and "P/\*" that some pattern has,
 * each by bisection. Past FW_MATCH_STATES live prefixes it falls back to a scan.
 */
static bool set_matches_path(const struct baseline_set *s, const char *path)
{
	struct baseline_fact k = {.a = (char *)path};
	if (set_has(s, &k))
		return true;
	struct buf st[2][FW_MATCH_STATES];
	size_t n[2] = {1, 0}, cur = 0;
	bool found = false, overflow = false;
	for (size_t i = 0; i < FW_MATCH_STATES; i++) {
		buf_init(&st[0][i], 1 << 16);
		buf_init(&st[1][i], 1 << 16);
	}
	struct span in = span_from(path[0] == '/' ? path + 1 : path), c;
	while (!found && !overflow && n[cur] && span_next_token(&in, '/', &c) == 0) {
		size_t nx = 1 - cur;
		n[nx] = 0;
		for (size_t i = 0; i < n[cur] && !found && !overflow; i++) {
			struct buf *p = &st[cur][i];
			size_t len = p->len;
			if (buf_puts(p, "/**") < 0) {
				overflow = true;
				break;
			}
			if (set_has_str(s, buf_span(p))) {
				found = true;
				break;
			}
			for (int w = 0; w < 2 && !overflow; w++) {
				p->len = len;
				p->ptr[len] = '\0';
				if ((w == 0 ? buf_putc(p, '/') ?: buf_append_span(p, c)
					    : buf_puts(p, "/*")) < 0) {
					overflow = true;
					break;
				}
				if (w == 1 && span_eq_str(c, "*"))
					break; /* same prefix as the literal one */
				if (!set_has_prefix(s, buf_span(p)))
					continue;
				if (n[nx] == FW_MATCH_STATES) {
					overflow = true;
					break;
				}
				struct buf *q = &st[nx][n[nx]++];
				buf_clear(q);
				if (buf_append_span(q, buf_span(p)) < 0)
					overflow = true;
			}
		}
		cur = nx;
	}
	if (!found && !overflow)
		for (size_t i = 0; i < n[cur] && !found; i++)
			found = set_has_str(s, buf_span(&st[cur][i]));
	for (size_t i = 0; i < FW_MATCH_STATES; i++) {
		buf_done(&st[0][i]);
		buf_done(&st[1][i]);
	}
	if (overflow)
		for (size_t i = 0; i < s->n && !found; i++)
			found = strchr(s->v[i].a, '*') && baseline_path_match(s->v[i].a, path);
	return found;
}

/* Range [lo, hi) of facts with prefix "d/". */
static void prefix_range(const struct baseline_set *s, struct span d, size_t *lo, size_t *hi)
{
	_cleanup_buf_ struct buf k;
	buf_init(&k, 0);
	if (buf_append_span(&k, d) < 0 || buf_putc(&k, '/') < 0) {
		*lo = *hi = 0;
		return;
	}
	*lo = set_lower_str(s, buf_str(&k));
	k.ptr[k.len - 1] = '0'; /* '/' + 1: the first string after every "d/…" */
	*hi = set_lower_str(s, buf_str(&k));
}

/* Is there a wildcard entry directly under d ("d/\*", "d/\**", "d/\*\/…")? */
static bool dir_has_wild_child(const struct baseline_set *s, struct span d)
{
	_cleanup_buf_ struct buf k;
	buf_init(&k, 0);
	if (buf_append_span(&k, d) < 0 || buf_puts(&k, "/*") < 0)
		return false;
	if (set_has_prefix(s, buf_span(&k)))
		return true;
	return buf_putc(&k, '*') == 0 && set_has_str(s, buf_span(&k));
}

/*
 * Distinct next components under d, counting stops past max. A child's subtree ("d/c/…",
 * which sorts contiguously before "d/c0") is skipped by one bisection.
 */
static size_t dir_children(const struct baseline_set *s, struct span d, size_t max)
{
	size_t lo, hi, n = 0;
	prefix_range(s, d, &lo, &hi);
	struct span seen[64];
	size_t cap = MIN(max + 1, ARRAY_SIZE(seen));
	_cleanup_buf_ struct buf k;
	buf_init(&k, 0);
	for (size_t i = lo; i < hi && n <= max;) {
		struct span rest = span_from(s->v[i].a + d.len + 1), c;
		(void)span_next_token(&rest, '/', &c);
		bool subtree = c.ptr[c.len] == '/';
		bool dup = false;
		for (size_t j = 0; j < n && j < cap && !dup; j++)
			dup = span_eq(seen[j], c);
		if (!dup) {
			if (n < cap)
				seen[n] = c;
			n++;
		}
		size_t next = i + 1;
		if (subtree) {
			buf_clear(&k);
			if (buf_append(&k, s->v[i].a, d.len + 1 + c.len) == 0 &&
			    buf_putc(&k, '0') == 0)
				next = MAX(next, set_lower_str(s, buf_str(&k)));
		}
		i = next;
	}
	return n;
}

/* Insert a file_write pattern; 1 new, 0 present, -E2BIG (counted by the caller), -ENOMEM. */
static int fw_insert(struct baseline *b, const char *pattern)
{
	struct baseline_fact f;
	int r = fact_make(0, 0, pattern, NULL, &f);
	return r < 0 ? r : set_insert_take(b, BASELINE_FILE_WRITE, &f);
}

/* If pattern has two wildcard components, "P/\**" with P before the first; else unchanged. */
static int fold_double_wild(const char *pattern, struct buf *out)
{
	struct span in = span_from(pattern + 1), c;
	size_t first = SIZE_MAX, pos = 1;
	bool twice = false;
	while (span_next_token(&in, '/', &c) == 0) {
		if (comp_is_wild(c)) {
			if (first == SIZE_MAX)
				first = pos - 1; /* offset of the '/' before it */
			else
				twice = true;
		}
		pos += c.len + 1;
	}
	buf_clear(out);
	if (twice && first != SIZE_MAX && dir_collapsible(span_make(pattern, first)))
		return buf_append(out, pattern, first) ?: buf_puts(out, "/**");
	return buf_puts(out, pattern);
}

/* Drop every pattern under p (a "P/\**" now covers them). */
static void fw_remove_under(struct baseline *b, struct span p)
{
	struct baseline_set *s = &b->sets[BASELINE_FILE_WRITE];
	size_t lo, hi;
	prefix_range(s, p, &lo, &hi);
	size_t keep = SIZE_MAX;
	for (size_t i = lo; i < hi; i++) {
		struct span rest = span_from(s->v[i].a + p.len);
		if (span_eq_str(rest, "/**"))
			keep = i;
	}
	if (keep == SIZE_MAX) {
		set_remove(b, BASELINE_FILE_WRITE, lo, hi);
		return;
	}
	set_remove(b, BASELINE_FILE_WRITE, keep + 1, hi);
	set_remove(b, BASELINE_FILE_WRITE, lo, keep);
}

/* Replace the component after d of every pattern under d with '*' (then fold "**"). */
static int fw_collapse(struct baseline *b, struct span d)
{
	struct baseline_set *s = &b->sets[BASELINE_FILE_WRITE];
	size_t lo, hi;
	prefix_range(s, d, &lo, &hi);
	_cleanup_(strv_done) struct strv out = {0};
	_cleanup_buf_ struct buf nb, folded;
	buf_init(&nb, 0);
	buf_init(&folded, 0);
	int r;
	for (size_t i = lo; i < hi; i++) {
		const char *a = s->v[i].a;
		struct span rest = span_from(a + d.len + 1);
		ssize_t slash = span_index(rest, '/');
		buf_clear(&nb);
		r = buf_append_span(&nb, d) ?: buf_puts(&nb, "/*");
		if (r >= 0 && slash >= 0)
			r = buf_append(&nb, rest.ptr + slash, rest.len - (size_t)slash);
		if (r >= 0 && span_startswith(rest, "**") && rest.len == 2) {
			buf_clear(&nb);
			r = buf_puts(&nb, a);
		}
		if (r >= 0)
			r = fold_double_wild(buf_str(&nb), &folded);
		if (r >= 0)
			r = strv_push(&out, buf_str(&folded));
		if (r < 0)
			return r;
	}
	set_remove(b, BASELINE_FILE_WRITE, lo, hi);
	strv_sort_uniq(&out);
	for (size_t i = 0; i < out.n; i++) {
		r = fw_insert(b, out.v[i]);
		if (r == -ENOMEM)
			return r;
		if (r == -E2BIG)
			b->sets[BASELINE_FILE_WRITE].overflow++;
	}
	for (size_t i = 0; i < out.n; i++)
		if (span_endswith(span_from(out.v[i]), "/**"))
			fw_remove_under(b, span_make(out.v[i], strlen(out.v[i]) - 3));
	return 0;
}

/* Learn one concrete write path. 1 new, 0 known, -E2BIG (overflow), -ENOMEM. */
static int fw_learn(struct baseline *b, const char *path)
{
	struct baseline_set *s = &b->sets[BASELINE_FILE_WRITE];
	if (set_matches_path(s, path))
		return 0;
	/* rewrite: components under collapsed directories, generated names */
	_cleanup_buf_ struct buf p;
	buf_init(&p, 1 << 16);
	struct span in = span_from(path + 1), c;
	int r = 0;
	while (r >= 0 && span_next_token(&in, '/', &c) == 0) {
		struct span d = buf_span(&p);
		bool wild = dir_collapsible(d) && (dir_has_wild_child(s, d) || comp_generated(c));
		r = buf_putc(&p, '/') ?: wild ? buf_putc(&p, '*') : buf_append_span(&p, c);
	}
	if (r < 0)
		return r;
	if (p.len == 0 && (r = buf_putc(&p, '/')) < 0)
		return r;
	if (set_matches_path(s, buf_str(&p)))
		return 0;
	if (strstr(buf_str(&p), "/*/") || span_endswith(buf_span(&p), "/*")) {
		_cleanup_buf_ struct buf f;
		buf_init(&f, 0);
		r = fold_double_wild(buf_str(&p), &f);
		if (r < 0)
			return r;
		if (!streq(buf_str(&f), buf_str(&p))) {
			r = fw_insert(b, buf_str(&f));
			if (r > 0)
				fw_remove_under(b, span_make(f.ptr, f.len - 3));
			return r;
		}
	}
	r = fw_insert(b, buf_str(&p));
	if (r <= 0)
		return r;
	/* count rule, deepest directory first */
	for (size_t end = p.len; end > 0;) {
		while (end > 0 && p.ptr[end - 1] != '/')
			end--;
		if (end <= 1)
			break;
		end--; /* the '/' before the last component */
		struct span d = span_make(p.ptr, end);
		if (!dir_collapsible(d))
			continue;
		if (dir_children(s, d, b->limits.write_dir_max) > b->limits.write_dir_max) {
			r = fw_collapse(b, d);
			if (r < 0)
				return r;
		}
	}
	return 1;
}

/* ---- learning --------------------------------------------------------------------------- */

static int exec_learn(struct baseline *b, struct baseline_fact *f)
{
	struct baseline_set *s = &b->sets[BASELINE_EXEC];
	if (set_has(s, f))
		return 0;
	size_t n = 0;
	for (size_t i = set_lower_str(s, f->a); i < s->n && streq(s->v[i].a, f->a); i++)
		n++;
	if (f->b && n >= b->limits.exec_hash_max)
		return -E2BIG;
	return set_insert_take(b, BASELINE_EXEC, f);
}

static int peer_learn(struct baseline *b, struct baseline_fact *f)
{
	struct baseline_set *s = &b->sets[BASELINE_PEER];
	struct baseline_fact wild = {.proto = f->proto, .port = f->port, .a = (char *)"*"};
	if (set_has(s, f) || set_has(s, &wild))
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->v[i].proto == f->proto && s->v[i].port == f->port;
	if (n + 1 <= b->limits.peer_port_max)
		return set_insert_take(b, BASELINE_PEER, f);
	/* too many addresses on this port: proto/\*:port replaces them */
	for (size_t i = s->n; i > 0; i--)
		if (s->v[i - 1].proto == f->proto && s->v[i - 1].port == f->port)
			set_remove(b, BASELINE_PEER, i - 1, i);
	struct baseline_fact w;
	int r = fact_make(f->proto, f->port, "*", NULL, &w);
	if (r < 0)
		return r;
	return set_insert_take(b, BASELINE_PEER, &w);
}

static int learn_cand(struct baseline *b, struct cand *c, bool *added)
{
	int r;
	if (c->flags & CAND_TOO_LONG)
		r = -E2BIG;
	else if (c->flags & CAND_WRITE_PATH)
		r = fw_learn(b, c->f.a);
	else if (c->type == BASELINE_EXEC)
		r = exec_learn(b, &c->f);
	else if (c->type == BASELINE_PEER)
		r = peer_learn(b, &c->f);
	else
		r = set_insert_take(b, c->type, &c->f);
	if (r == -E2BIG) {
		b->sets[c->type].overflow++;
		return 0;
	}
	if (r > 0) {
		*added = true;
		b->version++;
	}
	return r < 0 ? r : 0;
}

static void learnt(struct baseline *b, int64_t now, bool added)
{
	if (!b->learning_started)
		b->learning_started = now;
	if (added) {
		b->last_new_fact = now;
		b->updated = MAX(b->updated, now);
	}
}

int baseline_learn(struct baseline *b, const struct bh_event *ev, const char *exe_sha256,
		   bool *ret_new)
{
	_cleanup_(cands_done) struct cands c = {.n = 0};
	int r = event_cands(b, ev, exe_sha256, &c);
	if (r < 0)
		return r;
	bool added = false;
	for (size_t i = 0; i < c.n && r >= 0; i++)
		r = learn_cand(b, &c.v[i], &added);
	if (r < 0)
		return r;
	b->events_learnt++;
	learnt(b, (int64_t)(ev->ts / 1000000000u), added);
	if (ret_new)
		*ret_new = added;
	return 0;
}

int baseline_add_syscalls(struct baseline *b, const char *const *names, size_t n, int64_t now,
			  bool *ret_new)
{
	bool added = false;
	for (size_t i = 0; i < n; i++) {
		if (!syscall_name_ok(names[i]))
			continue;
		struct cand c = {.type = BASELINE_SYSCALL};
		int r = fact_make(0, 0, names[i], NULL, &c.f);
		if (r >= 0)
			r = learn_cand(b, &c, &added);
		fact_done(&c.f);
		if (r < 0)
			return r;
	}
	learnt(b, now, added);
	if (ret_new)
		*ret_new = added;
	return 0;
}

bool baseline_contains(const struct baseline *b, enum baseline_type t,
		       const struct baseline_fact *f)
{
	if ((unsigned)t >= _BASELINE_TYPE_MAX)
		return false;
	const struct baseline_set *s = &b->sets[t];
	if (t == BASELINE_FILE_WRITE && f->a)
		return set_matches_path(s, f->a);
	if (t == BASELINE_PEER) {
		struct baseline_fact w = {.proto = f->proto, .port = f->port, .a = (char *)"*"};
		if (set_has(s, &w))
			return true;
		/* a DNS name is informational: an address is known with or without one */
		for (size_t i = set_lower(
			 s, &(struct baseline_fact){.proto = f->proto, .a = f->a, .port = f->port});
		     i < s->n && s->v[i].proto == f->proto && s->v[i].port == f->port &&
		     streq_ptr(s->v[i].a, f->a);
		     i++)
			return true;
		return false;
	}
	return set_has(s, f);
}

/* ---- nearest ---------------------------------------------------------------------------- */

/* Levenshtein distance over the first 256 bytes of each. */
static size_t edit_distance(const char *x, const char *y)
{
	size_t n = MIN(strlen(x), (size_t)256), m = MIN(strlen(y), (size_t)256);
	size_t row[257];
	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t up = row[j];
			size_t best = diag + (x[i - 1] != y[j - 1]);
			best = MIN(best, up + 1);
			best = MIN(best, row[j - 1] + 1);
			row[j] = best;
			diag = up;
		}
	}
	return row[m];
}

/* Whole components two absolute paths share from the start. */
static size_t common_components(const char *x, const char *y)
{
	size_t n = 0, i = 0;
	for (; x[i] && x[i] == y[i]; i++)
		if (x[i] == '/' && i > 0)
			n++;
	if ((!x[i] || x[i] == '/') && (!y[i] || y[i] == '/') && i > 1)
		n++;
	return n;
}

static size_t common_prefix(const char *x, const char *y)
{
	size_t i = 0;
	while (x[i] && x[i] == y[i])
		i++;
	return i;
}

/*
 * Score of candidate i for deviating fact f (higher is nearer): a tuple folded into
 * (primary, -secondary). The first best in set order wins.
 */
static void nearest_score(enum baseline_type t, const struct baseline_fact *f,
			  const struct baseline_fact *g, size_t *p1, size_t *p2, size_t *d)
{
	*p1 = *p2 = 0;
	*d = 0;
	switch (t) {
	case BASELINE_EXEC_PAIR:
		*p1 = streq_ptr(f->b, g->b) ? 2 : streq_ptr(f->a, g->a) ? 1 : 0;
		*p2 = common_components(f->b, g->b);
		*d = edit_distance(f->b, g->b);
		break;
	case BASELINE_LISTEN:
		*p1 = f->proto == g->proto;
		*d = f->port > g->port ? f->port - g->port : g->port - f->port;
		break;
	case BASELINE_PEER:
		*p1 = f->proto == g->proto && f->port == g->port ? 2
		      : streq_ptr(f->a, g->a)			 ? 1
								 : 0;
		*p2 = common_prefix(f->a, g->a);
		*d = edit_distance(f->a, g->a);
		break;
	case BASELINE_SYSCALL:
	case BASELINE_CAPABILITY:
		*d = edit_distance(f->a, g->a);
		break;
	default:
		*p1 = common_components(f->a, g->a);
		*p2 = common_prefix(f->a, g->a);
		*d = edit_distance(f->a, g->a);
		break;
	}
}

static const struct baseline_fact *nearest(const struct baseline *b, enum baseline_type t,
					   const struct baseline_fact *f)
{
	const struct baseline_set *s = &b->sets[t];
	const struct baseline_fact *best = NULL;
	size_t b1 = 0, b2 = 0, bd = SIZE_MAX;
	for (size_t i = 0; i < s->n; i++) {
		size_t p1, p2, d;
		/* the distance is only computed for candidates that tie on the prefixes */
		nearest_score(t, f, &s->v[i], &p1, &p2, &d);
		if (!best || p1 > b1 || (p1 == b1 && (p2 > b2 || (p2 == b2 && d < bd)))) {
			best = &s->v[i];
			b1 = p1;
			b2 = p2;
			bd = d;
		}
	}
	return best;
}

/* ---- checking --------------------------------------------------------------------------- */

void baseline_deviation_done(struct baseline_deviation *d)
{
	if (!d)
		return;
	free(d->fact);
	free(d->nearest);
	free(d->message);
	*d = (struct baseline_deviation){0};
}

void baseline_deviations_done(struct baseline_deviation *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		baseline_deviation_done(&v[i]);
}

static int message(enum baseline_type t, enum baseline_dev_kind k, const char *fact, struct buf *m)
{
	if (k == BASELINE_DEV_CHANGED)
		return buf_printf(m,
				  "The executable '%s' has a sha256 that is not in the baseline "
				  "(binary changed).",
				  fact);
	switch (t) {
	case BASELINE_EXEC:
		return buf_printf(m, "The workload ran '%s', an executable not in its baseline.",
				  fact);
	case BASELINE_EXEC_PAIR:
		return buf_printf(m,
				  "The workload ran the parent and child '%s', a pair not in "
				  "its baseline.",
				  fact);
	case BASELINE_FILE_WRITE:
		return buf_printf(m,
				  "The workload wrote '%s', which no write in its baseline "
				  "covers.",
				  fact);
	case BASELINE_SENSITIVE_READ:
		return buf_printf(m,
				  "The workload read the sensitive file '%s', which it did "
				  "not read while learning.",
				  fact);
	case BASELINE_LISTEN:
		return buf_printf(m, "The workload listened on %s, a port not in its baseline.",
				  fact);
	case BASELINE_PEER:
		return buf_printf(m, "The workload connected to %s, a peer not in its baseline.",
				  fact);
	case BASELINE_SYSCALL:
		return buf_printf(m,
				  "The workload made the syscall '%s', which is not in its "
				  "baseline.",
				  fact);
	case BASELINE_CAPABILITY:
		return buf_printf(m, "The workload used %s, a capability not in its baseline.",
				  fact);
	default:
		return buf_printf(m, "The workload did '%s', which is not in its baseline.", fact);
	}
}

struct devs {
	struct baseline_deviation *v;
	size_t max, n;
};

static int dev_add(struct devs *d, enum baseline_type t, enum baseline_dev_kind k,
		   const struct baseline_fact *f, const struct baseline_fact *near)
{
	size_t i = d->n++;
	if (i >= d->max)
		return 0;
	struct baseline_deviation *x = &d->v[i];
	*x = (struct baseline_deviation){.type = t, .kind = k};
	_cleanup_buf_ struct buf m;
	buf_init(&m, 0);
	/* the path alone for a changed binary; the nearest is the known hash */
	x->fact = fact_string(t, f);
	if (x->fact && near)
		x->nearest = fact_string(t, near);
	int r = x->fact && (!near || x->nearest) ? 0 : -ENOMEM;
	if (r >= 0)
		r = message(t, k, k == BASELINE_DEV_CHANGED ? f->a : x->fact, &m);
	if (r >= 0 && !(x->message = buf_take(&m)))
		r = -ENOMEM;
	return r;
}

static int check_cand(const struct baseline *b, const struct cand *c, struct devs *d)
{
	const struct baseline_set *s = &b->sets[c->type];
	const struct baseline_fact *f = &c->f;
	switch (c->type) {
	case BASELINE_FILE_READ:
		return 0; /* normal reads are never deviations */
	case BASELINE_EXEC: {
		size_t lo = set_lower_str(s, f->a), n = 0;
		const struct baseline_fact *hashed = NULL;
		bool same = false;
		for (size_t i = lo; i < s->n && streq(s->v[i].a, f->a); i++) {
			n++;
			if (s->v[i].b && !hashed)
				hashed = &s->v[i];
			same |= streq_ptr(s->v[i].b, f->b);
		}
		if (n == 0)
			return dev_add(d, c->type, BASELINE_DEV_NEW, f, nearest(b, c->type, f));
		if (f->b && hashed && !same)
			return dev_add(d, c->type, BASELINE_DEV_CHANGED, f, hashed);
		return 0;
	}
	default:
		if (baseline_contains(b, c->type, f))
			return 0;
		return dev_add(d, c->type, BASELINE_DEV_NEW, f, nearest(b, c->type, f));
	}
}

int baseline_check(const struct baseline *b, const struct bh_event *ev, const char *exe_sha256,
		   struct baseline_deviation *ret, size_t max, size_t *ret_n)
{
	_cleanup_(cands_done) struct cands c = {.n = 0};
	int r = event_cands(b, ev, exe_sha256, &c);
	if (r < 0)
		return r;
	struct devs d = {.v = ret, .max = max};
	for (size_t i = 0; i < c.n && r >= 0; i++)
		r = check_cand(b, &c.v[i], &d);
	if (r < 0) {
		baseline_deviations_done(ret, MIN(d.n, max));
		return r;
	}
	*ret_n = d.n;
	return 0;
}

int baseline_check_syscalls(const struct baseline *b, const char *const *names, size_t n,
			    struct baseline_deviation *ret, size_t max, size_t *ret_n)
{
	struct devs d = {.v = ret, .max = max};
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (!syscall_name_ok(names[i]))
			continue;
		struct cand c = {.type = BASELINE_SYSCALL, .f = {.a = (char *)names[i]}};
		r = check_cand(b, &c, &d);
	}
	if (r < 0) {
		baseline_deviations_done(ret, MIN(d.n, max));
		return r;
	}
	*ret_n = d.n;
	return 0;
}
