/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline-facts.c — from an event to the facts it gives (which events give which facts,
 * paths resolved and normalised, capabilities inferred) and the collapse of written paths
 * into patterns (docs/baseline.md, "Facts" and "Written paths"; keep them in step). The
 * sets themselves, learning and checking are baseline.c's.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>

#include "common/caps.h"
#include "common/hash.h"
#include "runtime/baseline-int.h"

/* ---- event -> candidate facts ----------------------------------------------------------- */

void bl_cands_done(struct cands *c)
{
	for (size_t i = 0; i < c->n; i++)
		bl_fact_done(&c->v[i].f);
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
	int r = bl_fact_make(proto, port, a, bb, &x->f);
	if (r < 0)
		return r;
	if ((a && strlen(a) > b->limits.path_max && bl_is_path_type(t)) ||
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
	int r = bl_path_normalize(base, p, out);
	if (r < 0)
		return r == -ENOMEM ? r : -ENOENT;
	bl_path_proc_rewrite(out);
	return 0;
}

static int fd_path(const struct bh_event *ev, struct buf *out)
{
	const char *p = ev->fd.name;
	if (!p || p[0] != '/')
		return -ENOENT;
	int r = bl_path_normalize(NULL, p, out);
	if (r < 0)
		return r == -ENOMEM ? r : -ENOENT;
	bl_path_proc_rewrite(out);
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
	int r = bl_path_normalize(NULL, exe, &p);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	r = cand_add(c, b, BASELINE_EXEC, 0, 0, buf_str(&p), sha);
	if (r < 0)
		return r;
	const char *parent = ev->proc.n_ancestors ? ev->proc.ancestors[0].exepath : NULL;
	/* the runtime that started it (`podman exec`: runc or conmon, by timing) is no fact */
	if (!parent || parent[0] != '/' || baseline_is_runtime_exe(parent))
		return 0;
	r = bl_path_normalize(NULL, parent, &q);
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

int bl_event_cands(const struct baseline *b, const struct bh_event *ev, const char *sha,
		   struct cands *c)
{
	if (sha && bh_digest_validate(span_from(sha)) < 0)
		return -EINVAL;
	int r = 0;
	if (ev->type[0] && !streq(ev->type, "procexit") && bl_syscall_name_ok(ev->type))
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
	size_t i = bl_set_lower_str(s, buf_str(&k));
	if (i < s->n && streq(s->v[i].a, buf_str(&k)))
		return true;
	if (buf_putc(&k, '/') < 0)
		return false;
	i = bl_set_lower_str(s, buf_str(&k));
	return i < s->n && span_startswith(span_from(s->v[i].a), buf_str(&k));
}

static bool set_has_str(const struct baseline_set *s, struct span key)
{
	_cleanup_buf_ struct buf k;
	buf_init(&k, 0);
	if (buf_append_span(&k, key) < 0)
		return false;
	size_t i = bl_set_lower_str(s, buf_str(&k));
	return i < s->n && streq(s->v[i].a, buf_str(&k));
}

#define FW_MATCH_STATES 64

/*
 * Does a file_write pattern match the concrete path? In learnt patterns only whole
 * components "*" (one component) and a last "**" (one or more) are wildcards, so the walk
 * follows, component by component, the prefixes "P/c" and "P/\*" that some pattern has,
 * each by bisection. Past FW_MATCH_STATES live prefixes it falls back to a scan.
 */
bool bl_set_matches_path(const struct baseline_set *s, const char *path)
{
	struct baseline_fact k = {.a = (char *)path};
	if (bl_set_has(s, &k))
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
	*lo = bl_set_lower_str(s, buf_str(&k));
	k.ptr[k.len - 1] = '0'; /* '/' + 1: the first string after every "d/…" */
	*hi = bl_set_lower_str(s, buf_str(&k));
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
				next = MAX(next, bl_set_lower_str(s, buf_str(&k)));
		}
		i = next;
	}
	return n;
}

/* Insert a file_write pattern; 1 new, 0 present, -E2BIG (counted by the caller), -ENOMEM. */
static int fw_insert(struct baseline *b, const char *pattern)
{
	struct baseline_fact f;
	int r = bl_fact_make(0, 0, pattern, NULL, &f);
	return r < 0 ? r : bl_set_insert_take(b, BASELINE_FILE_WRITE, &f);
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
		bl_set_remove(b, BASELINE_FILE_WRITE, lo, hi);
		return;
	}
	bl_set_remove(b, BASELINE_FILE_WRITE, keep + 1, hi);
	bl_set_remove(b, BASELINE_FILE_WRITE, lo, keep);
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
	bl_set_remove(b, BASELINE_FILE_WRITE, lo, hi);
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
int bl_fw_learn(struct baseline *b, const char *path)
{
	struct baseline_set *s = &b->sets[BASELINE_FILE_WRITE];
	if (bl_set_matches_path(s, path))
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
	if (bl_set_matches_path(s, buf_str(&p)))
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
