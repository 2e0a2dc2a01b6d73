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
#include "runtime/baseline-int.h"

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
int bl_path_normalize(const char *base, const char *rel, struct buf *out)
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
void bl_path_proc_rewrite(struct buf *p)
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

void bl_fact_done(struct baseline_fact *f)
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

bool bl_is_path_type(enum baseline_type t)
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

bool bl_syscall_name_ok(const char *s)
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
	else if (bl_is_path_type(t))
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
		if (!why && !bl_syscall_name_ok(f->a))
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

bool bl_set_has(const struct baseline_set *s, const struct baseline_fact *f)
{
	size_t i = set_lower(s, f);
	return i < s->n && baseline_fact_cmp(&s->v[i], f) == 0;
}

/* The first index whose a (proto 0) is >= key. */
size_t bl_set_lower_str(const struct baseline_set *s, const char *key)
{
	struct baseline_fact k = {.a = (char *)key};
	return set_lower(s, &k);
}

/* Insert *f (taking its strings) at its place. 1 inserted, 0 present (f freed), -E2BIG, -ENOMEM. */
int bl_set_insert_take(struct baseline *b, enum baseline_type t, struct baseline_fact *f)
{
	struct baseline_set *s = &b->sets[t];
	size_t i = set_lower(s, f);
	if (i < s->n && baseline_fact_cmp(&s->v[i], f) == 0) {
		bl_fact_done(f);
		return 0;
	}
	size_t nb = fact_bytes(f);
	if (s->n >= b->limits.max_facts[t] || b->bytes + nb > b->limits.max_bytes) {
		bl_fact_done(f);
		return -E2BIG;
	}
	if (GROW(s->v, s->n, s->cap) < 0) {
		bl_fact_done(f);
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
void bl_set_remove(struct baseline *b, enum baseline_type t, size_t lo, size_t hi)
{
	struct baseline_set *s = &b->sets[t];
	for (size_t i = lo; i < hi; i++) {
		b->bytes -= fact_bytes(&s->v[i]);
		bl_fact_done(&s->v[i]);
	}
	memmove(&s->v[lo], &s->v[hi], (s->n - hi) * sizeof(*s->v));
	s->n -= hi - lo;
}

int bl_fact_make(uint8_t proto, uint16_t port, const char *a, const char *bb,
		 struct baseline_fact *ret)
{
	*ret = (struct baseline_fact){.proto = proto, .port = port};
	if (strdup_opt(a, &ret->a) < 0 || strdup_opt(bb, &ret->b) < 0) {
		bl_fact_done(ret);
		return -ENOMEM;
	}
	return 0;
}

int baseline_insert_fact(struct baseline *b, enum baseline_type t, const struct baseline_fact *f)
{
	if ((unsigned)t >= _BASELINE_TYPE_MAX)
		return -EINVAL;
	struct baseline_fact c;
	int r = bl_fact_make(f->proto, f->port, f->a, f->b, &c);
	if (r < 0)
		return r;
	r = bl_set_insert_take(b, t, &c);
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
			bl_fact_done(&b->sets[t].v[i]);
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

/* ---- learning --------------------------------------------------------------------------- */

static int exec_learn(struct baseline *b, struct baseline_fact *f)
{
	struct baseline_set *s = &b->sets[BASELINE_EXEC];
	if (bl_set_has(s, f))
		return 0;
	size_t n = 0;
	for (size_t i = bl_set_lower_str(s, f->a); i < s->n && streq(s->v[i].a, f->a); i++)
		n++;
	if (f->b && n >= b->limits.exec_hash_max)
		return -E2BIG;
	return bl_set_insert_take(b, BASELINE_EXEC, f);
}

static int peer_learn(struct baseline *b, struct baseline_fact *f)
{
	struct baseline_set *s = &b->sets[BASELINE_PEER];
	struct baseline_fact wild = {.proto = f->proto, .port = f->port, .a = (char *)"*"};
	if (bl_set_has(s, f) || bl_set_has(s, &wild))
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->v[i].proto == f->proto && s->v[i].port == f->port;
	if (n + 1 <= b->limits.peer_port_max)
		return bl_set_insert_take(b, BASELINE_PEER, f);
	/* too many addresses on this port: proto/\*:port replaces them */
	for (size_t i = s->n; i > 0; i--)
		if (s->v[i - 1].proto == f->proto && s->v[i - 1].port == f->port)
			bl_set_remove(b, BASELINE_PEER, i - 1, i);
	struct baseline_fact w;
	int r = bl_fact_make(f->proto, f->port, "*", NULL, &w);
	if (r < 0)
		return r;
	return bl_set_insert_take(b, BASELINE_PEER, &w);
}

static int learn_cand(struct baseline *b, struct cand *c, bool *added)
{
	int r;
	if (c->flags & CAND_TOO_LONG)
		r = -E2BIG;
	else if (c->flags & CAND_WRITE_PATH)
		r = bl_fw_learn(b, c->f.a);
	else if (c->type == BASELINE_EXEC)
		r = exec_learn(b, &c->f);
	else if (c->type == BASELINE_PEER)
		r = peer_learn(b, &c->f);
	else
		r = bl_set_insert_take(b, c->type, &c->f);
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
	_cleanup_(bl_cands_done) struct cands c = {.n = 0};
	int r = bl_event_cands(b, ev, exe_sha256, &c);
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
		if (!bl_syscall_name_ok(names[i]))
			continue;
		struct cand c = {.type = BASELINE_SYSCALL};
		int r = bl_fact_make(0, 0, names[i], NULL, &c.f);
		if (r >= 0)
			r = learn_cand(b, &c, &added);
		bl_fact_done(&c.f);
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
		return bl_set_matches_path(s, f->a);
	if (t == BASELINE_PEER) {
		struct baseline_fact w = {.proto = f->proto, .port = f->port, .a = (char *)"*"};
		if (bl_set_has(s, &w))
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
	return bl_set_has(s, f);
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
		size_t lo = bl_set_lower_str(s, f->a), n = 0;
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
	_cleanup_(bl_cands_done) struct cands c = {.n = 0};
	int r = bl_event_cands(b, ev, exe_sha256, &c);
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
		if (!bl_syscall_name_ok(names[i]))
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
