/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode.c — ring-buffer records to struct bh_event (see decode.h). The fixed part of a
 * record is copied out with memcpy (records need not be aligned); strings are taken from
 * the blob that follows it only after checking off + len against the record's own size.
 * Event types and argument names follow Falco: execve, procexit, clone, openat, ...
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "sensor/decode.h"
#include "sensor/syscalls.h"

static const char *const bad_names[_SENSOR_BAD_MAX] = {
    [SENSOR_BAD_SHORT] = "short",   [SENSOR_BAD_VERSION] = "version", [SENSOR_BAD_TYPE] = "type",
    [SENSOR_BAD_STRING] = "string", [SENSOR_BAD_SYSCALL] = "syscall", [SENSOR_BAD_FIELD] = "field",
};

const char *sensor_bad_to_string(enum sensor_bad b)
{
	return (unsigned)b < _SENSOR_BAD_MAX ? bad_names[b] : NULL;
}

uint64_t sensor_decoder_bad_total(const struct sensor_decoder *d)
{
	uint64_t n = 0;
	for (size_t i = 0; i < _SENSOR_BAD_MAX; i++)
		n += d->bad[i];
	return n;
}

/* The blob of one record: the bytes after its fixed part, up to hdr.size. */
struct blob {
	const char *ptr;
	size_t len;
};

static int blob_str(const struct blob *b, struct bh_rec_str s, struct span *ret)
{
	size_t end;
	if (!size_add(s.off, s.len, &end) || end > b->len)
		return -EBADMSG;
	*ret = span_make(b->ptr + s.off, s.len);
	return 0;
}

/* A plain string: no NUL inside. */
static int blob_text(const struct blob *b, struct bh_rec_str s, char **ret)
{
	struct span sp;
	int r = blob_str(b, s, &sp);
	if (r < 0)
		return r;
	if (memchr(sp.ptr, '\0', sp.len))
		return -EBADMSG;
	*ret = span_dup(sp);
	return *ret ? 0 : -ENOMEM;
}

/*
 * Leaf-first NUL-terminated components to a path: "ls\0bin\0usr\0" -> "/usr/bin/ls".
 * Empty components and '/' inside one are malformed. A truncated walk is marked with a
 * "<truncated>" first component so the result is never mistaken for an absolute path.
 */
static int path_from_components(struct span sp, bool truncated, bool trailing_slash, char **ret)
{
	const char *comp[BH_PATH_MAX_COMPONENTS];
	size_t clen[BH_PATH_MAX_COMPONENTS];
	size_t n = 0;
	if (sp.len && sp.ptr[sp.len - 1] != '\0')
		return -EBADMSG;
	size_t i = 0;
	while (i < sp.len) {
		const char *p = sp.ptr + i;
		size_t l = strnlen(p, sp.len - i);
		if (l == 0 || memchr(p, '/', l) || n == BH_PATH_MAX_COMPONENTS)
			return -EBADMSG;
		comp[n] = p;
		clen[n] = l;
		n++;
		i += l + 1;
	}
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = 0;
	if (truncated)
		r = buf_puts(&b, "<truncated>");
	for (size_t k = n; k > 0 && r >= 0; k--)
		r = buf_putc(&b, '/') ?: buf_append(&b, comp[k - 1], clen[k - 1]);
	if (r >= 0 && (n == 0 || trailing_slash))
		r = buf_putc(&b, '/');
	if (r < 0)
		return r == -E2BIG ? -EBADMSG : r;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

static int blob_path(const struct blob *b, struct bh_rec_str s, uint16_t flags, bool trailing_slash,
		     char **ret)
{
	struct span sp;
	int r = blob_str(b, s, &sp);
	if (r < 0)
		return r;
	if (!(flags & BH_STR_COMPONENTS))
		return -EBADMSG;
	return path_from_components(sp, flags & BH_STR_TRUNCATED, trailing_slash, ret);
}

static int dup_comm(const char comm[16], char **ret)
{
	*ret = span_dup(span_make(comm, strnlen(comm, 16)));
	return *ret ? 0 : -ENOMEM;
}

static int add_arg(struct bh_event *ev, const char *name, const char *fmt, ...) _printf_(3, 4);
static int add_arg(struct bh_event *ev, const char *name, const char *fmt, ...)
{
	if (ev->n_args >= BH_EV_MAX_ARGS)
		return 0;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	r = bh_event_add_arg_take(ev, name, buf_take(&b));
	return r == -E2BIG ? 0 : r;
}

/* An argument whose value is already allocated (taken); arguments beyond the limit are dropped. */
static int add_arg_take(struct bh_event *ev, const char *name, char *value)
{
	int r = bh_event_add_arg_take(ev, name, value);
	return r == -E2BIG ? 0 : r;
}

static int decode_hdr(struct sensor_decoder *d, const struct bh_rec_hdr *h, struct bh_event *ev)
{
	ev->ts = h->ts + (uint64_t)d->boot_to_epoch_ns;
	ev->dir = '<';
	d->last_cgroup_id = h->cgroup_id;
	ev->cpu = (int)(h->cpu & 0xffff);
	struct bh_ev_proc *p = &ev->proc;
	p->pid = h->pid;
	p->tid = h->tid;
	p->ppid = h->ppid;
	p->vpid = h->vpid;
	p->uid = h->uid;
	p->gid = h->gid;
	p->euid = h->euid;
	p->egid = h->egid;
	p->loginuid = h->loginuid;
	p->tty = h->tty;
	p->cap_permitted = h->cap_permitted;
	p->cap_effective = h->cap_effective;
	p->cap_inheritable = h->cap_inheritable;
	p->start_ns = h->start_ns + (uint64_t)d->boot_to_epoch_ns;
	return dup_comm(h->comm, &p->name);
}

static void set_type(struct bh_event *ev, const char *t)
{
	size_t l = strnlen(t, sizeof(ev->type) - 1);
	memcpy(ev->type, t, l);
	ev->type[l] = '\0';
}

/* argv: NUL-separated entries, the last possibly unterminated (truncated copy). */
static int decode_argv(const struct blob *b, struct bh_rec_str s, struct bh_ev_proc *p)
{
	struct span sp;
	int r = blob_str(b, s, &sp);
	if (r < 0)
		return r;
	size_t i = 0;
	bool first = true;
	while (i < sp.len) {
		const char *a = sp.ptr + i;
		size_t l = strnlen(a, sp.len - i);
		char *dup = span_dup(span_make(a, l));
		if (!dup)
			return -ENOMEM;
		if (first) {
			p->exe = dup;
			first = false;
		} else if (p->argc < BH_EV_MAX_ARGV) {
			char **nv = reallocarray(p->argv, p->argc + 1, sizeof(*nv));
			if (!nv) {
				free(dup);
				return -ENOMEM;
			}
			p->argv = nv;
			p->argv[p->argc++] = dup;
		} else
			free(dup);
		i += l + 1;
	}
	return 0;
}

static const char *const action_names[_BH_ACT_MAX] = {
    [BH_ACT_KILLED] = "killed",
    [BH_ACT_WOULD_KILL] = "would-kill",
    [BH_ACT_SIGNAL_FAILED] = "signal-failed",
};

static const char *const reason_names[_BH_REASON_MAX] = {
    [BH_REASON_EXEC] = "exec-not-allowed",
    [BH_REASON_WRITE] = "write-protected",
    [BH_REASON_PEER] = "peer-not-allowed",
};

const char *sensor_action_to_string(unsigned action)
{
	return action < _BH_ACT_MAX ? action_names[action] : NULL;
}

const char *sensor_reason_to_string(unsigned reason)
{
	return reason < _BH_REASON_MAX ? reason_names[reason] : NULL;
}

/* Protect mode's decision byte: 0, or a known action with a known reason; else -ERANGE. */
static int check_decision(uint8_t decision)
{
	unsigned action = BH_DECISION_ACTION(decision), reason = BH_DECISION_REASON(decision);
	if (!decision)
		return 0;
	if (!sensor_action_to_string(action) || !sensor_reason_to_string(reason))
		return -ERANGE;
	return 0;
}

/* evt.arg.bh_action and evt.arg.bh_reason for a record with a decision (checked). */
static int add_decision(struct bh_event *ev, uint8_t decision)
{
	if (!decision)
		return 0;
	return add_arg(ev, "bh_action", "%s", action_names[BH_DECISION_ACTION(decision)]) ?:
	       add_arg(ev, "bh_reason", "%s", reason_names[BH_DECISION_REASON(decision)]);
}

static int decode_exec(struct sensor_decoder *d, const char *rec, size_t size, struct bh_event *ev)
{
	struct bh_rec_exec x;
	if (size < sizeof(x))
		return -EBADMSG;
	memcpy(&x, rec, sizeof(x));
	struct blob b = {rec + sizeof(x), size - sizeof(x)};
	if (x.n_ancestors > BH_MAX_ANCESTORS || check_decision(x.decision) < 0)
		return -ERANGE;
	int r = decode_hdr(d, &x.hdr, ev);
	if (r < 0)
		return r;
	set_type(ev, "execve");
	struct bh_ev_proc *p = &ev->proc;
	r = decode_argv(&b, x.argv, p);
	if (r < 0)
		return r;
	_cleanup_free_ char *filename = NULL;
	r = blob_text(&b, x.filename, &filename);
	if (r < 0)
		return r;
	if (!p->exe) {
		p->exe = strdup(filename);
		if (!p->exe)
			return -ENOMEM;
	}
	r = blob_path(&b, x.exepath, x.exepath_flags, false, &p->exepath);
	if (r < 0)
		return r;
	r = blob_path(&b, x.cwd, x.cwd_flags, true, &p->cwd);
	if (r < 0)
		return r;
	p->exe_from_memfd = x.flags & BH_EXEC_MEMFD;
	p->exe_deleted = x.flags & BH_EXEC_DELETED;
	p->exe_upper_layer = x.flags & BH_EXEC_UPPER;
	for (uint32_t i = 0; i < x.n_ancestors; i++) {
		p->ancestors[i].pid = x.anc[i].pid;
		r = dup_comm(x.anc[i].comm, &p->ancestors[i].name);
		if (r < 0)
			return r;
		p->n_ancestors = i + 1;
	}
	return add_arg_take(ev, "filename", TAKE_PTR(filename)) ?:
	       add_decision(ev, x.decision);
}

static int decode_exit(struct sensor_decoder *d, const char *rec, size_t size, struct bh_event *ev)
{
	struct bh_rec_exit x;
	if (size < sizeof(x))
		return -EBADMSG;
	memcpy(&x, rec, sizeof(x));
	int r = decode_hdr(d, &x.hdr, ev);
	if (r < 0)
		return r;
	set_type(ev, "procexit");
	uint32_t st = x.exit_code;
	return add_arg(ev, "status", "%" PRIu32, st) ?:
	       add_arg(ev, "ret", "%" PRIu32, (st >> 8) & 0xff) ?:
	       add_arg(ev, "sig", "%" PRIu32, st & 0x7f) ?:
	       add_arg(ev, "core", "%u", (st & 0x80) ? 1u : 0u);
}

static int decode_fork(struct sensor_decoder *d, const char *rec, size_t size, struct bh_event *ev)
{
	struct bh_rec_fork x;
	if (size < sizeof(x))
		return -EBADMSG;
	memcpy(&x, rec, sizeof(x));
	if (x.is_thread > 1)
		return -ERANGE;
	int r = decode_hdr(d, &x.hdr, ev);
	if (r < 0)
		return r;
	set_type(ev, "clone");
	ev->res = x.child_tid;
	return add_arg(ev, "child_pid", "%" PRIu32, x.child_pid) ?:
	       add_arg(ev, "child_tid", "%" PRIu32, x.child_tid) ?:
	       add_arg(ev, "is_thread", "%s", x.is_thread ? "true" : "false");
}

static const struct {
	uint32_t bit;
	const char *name;
} oflag_names[] = {
    {O_CREAT, "O_CREAT"},	  {O_EXCL, "O_EXCL"},	      {O_NOCTTY, "O_NOCTTY"},
    {O_TRUNC, "O_TRUNC"},	  {O_APPEND, "O_APPEND"},     {O_NONBLOCK, "O_NONBLOCK"},
    {O_DSYNC, "O_DSYNC"},	  {O_DIRECT, "O_DIRECT"},     {0100000, "O_LARGEFILE"},
    {O_DIRECTORY, "O_DIRECTORY"}, {O_NOFOLLOW, "O_NOFOLLOW"}, {O_NOATIME, "O_NOATIME"},
    {O_CLOEXEC, "O_CLOEXEC"},	  {O_PATH, "O_PATH"},	      {020000000, "O_TMPFILE"},
    {04000000, "O_SYNC"},
};

/* Falco renders chmod modes as flag names; rules test e.g. `evt.arg.mode contains S_ISUID`. */
static const struct {
	uint32_t bit;
	const char *name;
} mode_names[] = {
    {04000, "S_ISUID"}, {02000, "S_ISGID"}, {01000, "S_ISVTX"}, {0400, "S_IRUSR"},
    {0200, "S_IWUSR"},  {0100, "S_IXUSR"},  {040, "S_IRGRP"},   {020, "S_IWGRP"},
    {010, "S_IXGRP"},   {04, "S_IROTH"},    {02, "S_IWOTH"},    {01, "S_IXOTH"},
};

int sensor_format_mode(uint32_t mode, struct buf *out)
{
	int r = 0;
	bool first = true;
	for (size_t i = 0; i < ARRAY_SIZE(mode_names) && r >= 0; i++)
		if (mode & mode_names[i].bit) {
			r = (first ? 0 : buf_putc(out, '|')) ?: buf_puts(out, mode_names[i].name);
			first = false;
		}
	if (r >= 0 && first)
		r = buf_putc(out, '0');
	return r;
}

const char *sensor_ptrace_request_name(int64_t req)
{
	static const struct {
		int64_t v;
		const char *name;
	} names[] = {
	    {0, "PTRACE_TRACEME"},	 {1, "PTRACE_PEEKTEXT"},     {2, "PTRACE_PEEKDATA"},
	    {3, "PTRACE_PEEKUSR"},	 {4, "PTRACE_POKETEXT"},     {5, "PTRACE_POKEDATA"},
	    {6, "PTRACE_POKEUSR"},	 {7, "PTRACE_CONT"},	     {8, "PTRACE_KILL"},
	    {9, "PTRACE_SINGLESTEP"},	 {12, "PTRACE_GETREGS"},     {13, "PTRACE_SETREGS"},
	    {14, "PTRACE_GETFPREGS"},	 {15, "PTRACE_SETFPREGS"},   {16, "PTRACE_ATTACH"},
	    {17, "PTRACE_DETACH"},	 {18, "PTRACE_GETFPXREGS"},  {19, "PTRACE_SETFPXREGS"},
	    {24, "PTRACE_SYSCALL"},	 {0x4200, "PTRACE_SETOPTIONS"}, {0x4201, "PTRACE_GETEVENTMSG"},
	    {0x4202, "PTRACE_GETSIGINFO"}, {0x4203, "PTRACE_SETSIGINFO"}, {0x4204, "PTRACE_GETREGSET"},
	    {0x4205, "PTRACE_SETREGSET"}, {0x4206, "PTRACE_SEIZE"},   {0x4207, "PTRACE_INTERRUPT"},
	    {0x4208, "PTRACE_LISTEN"},	 {0x4209, "PTRACE_PEEKSIGINFO"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].v == req)
			return names[i].name;
	return NULL;
}

int sensor_format_open_flags(uint32_t flags, struct buf *out)
{
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
	int r = buf_puts(out, acc[flags & O_ACCMODE]);
	uint32_t known = O_ACCMODE;
	for (size_t i = 0; i < ARRAY_SIZE(oflag_names) && r >= 0; i++) {
		known |= oflag_names[i].bit;
		/* O_SYNC includes O_DSYNC's bit, O_TMPFILE includes O_DIRECTORY's */
		if ((flags & oflag_names[i].bit) == oflag_names[i].bit)
			r = buf_putc(out, '|') ?: buf_puts(out, oflag_names[i].name);
	}
	if (r >= 0 && (flags & ~known))
		r = buf_printf(out, "|0x%" PRIx32, flags & ~known);
	return r;
}

static char fd_typechar(const struct bh_rec_syscall *x)
{
	switch (x->fd_kind) {
	case BH_FDK_FILE:
	case BH_FDK_CHR:
	case BH_FDK_BLK:
	case BH_FDK_LNK:
		return x->kind == BH_KIND_MEMFD ? 'm' : 'f';
	case BH_FDK_DIR:
		return 'd';
	case BH_FDK_PIPE:
		return 'p';
	case BH_FDK_SOCK:
		switch (x->sk_family) {
		case AF_INET:
			return '4';
		case AF_INET6:
			return '6';
		case AF_UNIX:
			return 'u';
		case AF_NETLINK:
			return 'n';
		default:
			return 'o';
		}
	case BH_FDK_OTHER:
		return 'o';
	default:
		return 0;
	}
}

static int ip_text(uint16_t family, const uint8_t *addr, char **ret)
{
	char s[INET6_ADDRSTRLEN];
	if (!inet_ntop(family, addr, s, sizeof(s)))
		return -EBADMSG;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* A sockaddr the process passed: family, address (16 bytes, IPv4 in 4) and port, or path. */
struct saddr {
	uint16_t family;
	uint8_t addr[16];
	uint16_t port;
	char *path; /* AF_UNIX: sun_path, '@' for the abstract namespace */
};

static int parse_sockaddr(struct span sp, struct saddr *ret)
{
	if (sp.len < 2)
		return -ENOENT;
	const uint8_t *p = (const uint8_t *)sp.ptr;
	uint16_t fam;
	memcpy(&fam, p, 2);
	ret->family = fam;
	if (fam == AF_INET && sp.len >= 8) {
		ret->port = (uint16_t)(p[2] << 8 | p[3]);
		memcpy(ret->addr, p + 4, 4);
		return 0;
	}
	if (fam == AF_INET6 && sp.len >= 24) {
		ret->port = (uint16_t)(p[2] << 8 | p[3]);
		memcpy(ret->addr, p + 8, 16);
		return 0;
	}
	if (fam == AF_UNIX) {
		struct span path = span_make(sp.ptr + 2, sp.len - 2);
		bool abstract = path.len && path.ptr[0] == '\0';
		if (abstract)
			path = span_slice(path, 1, path.len - 1);
		path.len = strnlen(path.ptr, path.len);
		_cleanup_buf_ struct buf b;
		buf_init(&b, 256);
		int r = buf_puts(&b, abstract ? "@" : "") ?: buf_append_span(&b, path);
		if (r < 0)
			return r == -E2BIG ? -EBADMSG : r;
		ret->path = buf_take(&b);
		return ret->path ? 0 : -ENOMEM;
	}
	return -ENOENT;
}

static int addr_port(uint16_t family, const uint8_t *addr, uint16_t port, struct buf *out)
{
	char s[INET6_ADDRSTRLEN];
	if (!inet_ntop(family, addr, s, sizeof(s)))
		return -EBADMSG;
	return buf_printf(out, family == AF_INET6 ? "[%s]:%u" : "%s:%u", s, port);
}

static int decode_socket(const struct bh_rec_syscall *x, const struct blob *b, struct bh_event *ev)
{
	struct span sp;
	int r = blob_str(b, x->sockaddr, &sp);
	if (r < 0)
		return r;
	struct saddr sa = {0};
	r = parse_sockaddr(sp, &sa);
	_cleanup_free_ char *sa_path = sa.path;
	if (r < 0 && r != -ENOENT)
		return r;
	bool have_sa = r == 0;
	struct bh_ev_fd *fd = &ev->fd;
	uint16_t fam = x->sk_family ? x->sk_family : (have_sa ? sa.family : 0);
	if (!fd->type && fam)
		fd->type = fam == AF_INET    ? '4'
			   : fam == AF_INET6 ? '6'
			   : fam == AF_UNIX  ? 'u'
					     : 'o';
	if (fam == AF_UNIX) {
		if (have_sa && sa_path) {
			fd->name = strdup(sa_path);
			if (!fd->name)
				return -ENOMEM;
		}
		return have_sa && sa_path ? add_arg(ev, "addr", "%s", sa_path) : 0;
	}
	if (fam != AF_INET && fam != AF_INET6)
		return 0;
	if (x->sk_proto == IPPROTO_TCP || x->sk_proto == IPPROTO_UDP)
		fd->l4proto = (uint8_t)x->sk_proto;
	else if (x->sk_type == SOCK_STREAM)
		fd->l4proto = IPPROTO_TCP;
	else if (x->sk_type == SOCK_DGRAM)
		fd->l4proto = IPPROTO_UDP;

	/* local from the socket; remote from the socket, or what the process passed */
	uint8_t laddr[16], raddr[16];
	uint16_t lport = x->sk_lport, rport = x->sk_rport;
	memcpy(laddr, x->sk_laddr, 16);
	memcpy(raddr, x->sk_raddr, 16);
	static const uint8_t zero[16];
	bool sa_matches = have_sa && sa.family == fam;
	bool passive =
	    x->kind == BH_KIND_ACCEPT || x->kind == BH_KIND_BIND || x->kind == BH_KIND_LISTEN;
	if (x->kind == BH_KIND_BIND && sa_matches && !x->sk_family) {
		memcpy(laddr, sa.addr, 16);
		lport = sa.port;
	} else if (!passive && sa_matches && (!rport || !memcmp(raddr, zero, 16))) {
		memcpy(raddr, sa.addr, 16);
		rport = sa.port;
	}
	_cleanup_free_ char *ltext = NULL, *rtext = NULL;
	r = ip_text(fam, laddr, &ltext) ?: ip_text(fam, raddr, &rtext);
	if (r < 0)
		return r;
	_cleanup_buf_ struct buf name;
	buf_init(&name, 256);
	if (x->kind == BH_KIND_BIND || x->kind == BH_KIND_LISTEN) {
		fd->is_server = true;
		fd->sport = lport;
		fd->sip = TAKE_PTR(ltext);
		r = addr_port(fam, laddr, lport, &name);
	} else if (x->kind == BH_KIND_ACCEPT) {
		fd->is_server = true;
		fd->cip = TAKE_PTR(rtext);
		fd->cport = rport;
		fd->sip = TAKE_PTR(ltext);
		fd->sport = lport;
		r = addr_port(fam, raddr, rport, &name) ?: buf_puts(&name, "->") ?:
		    addr_port(fam, laddr, lport, &name);
	} else {
		fd->cip = TAKE_PTR(ltext);
		fd->cport = lport;
		fd->sip = TAKE_PTR(rtext);
		fd->sport = rport;
		r = addr_port(fam, laddr, lport, &name) ?: buf_puts(&name, "->") ?:
		    addr_port(fam, raddr, rport, &name);
	}
	if (r < 0)
		return r == -E2BIG ? -EBADMSG : r;
	fd->name = buf_take(&name);
	if (!fd->name)
		return -ENOMEM;
	return add_arg(ev, "tuple", "%s", fd->name);
}

static int render_arg(const struct sensor_syscall *sc, size_t i, const struct bh_rec_syscall *x,
		      const struct blob *b, size_t *str_idx, struct bh_event *ev)
{
	uint64_t v = x->args[i];
	const char *name = sc->args[i].name;
	switch (sc->args[i].fmt) {
	case SENSOR_ARG_DEC:
		return add_arg(ev, name, "%" PRId64, (int64_t)(int32_t)v);
	case SENSOR_ARG_UDEC:
		return add_arg(ev, name, "%" PRIu64, v);
	case SENSOR_ARG_HEX:
		return add_arg(ev, name, "0x%" PRIx64, v);
	case SENSOR_ARG_OCT:
		if (((uint32_t)v & 07777) == 0)
			return add_arg(ev, name, "0");
		return add_arg(ev, name, "0%" PRIo32, (uint32_t)v & 07777);
	case SENSOR_ARG_FD:
		return add_arg(ev, name, "%" PRId32, (int32_t)v);
	case SENSOR_ARG_MODE: {
		_cleanup_buf_ struct buf f;
		buf_init(&f, 512);
		int r = sensor_format_mode((uint32_t)v, &f);
		char *t = r >= 0 ? buf_take(&f) : NULL;
		return t ? add_arg_take(ev, name, t) : r < 0 ? r : -ENOMEM;
	}
	case SENSOR_ARG_SOCKDOMAIN: {
		static const char *const af[] = {
			[1] = "AF_UNIX",  [2] = "AF_INET",     [10] = "AF_INET6",
			[16] = "AF_NETLINK", [17] = "AF_PACKET", [40] = "AF_VSOCK",
		};
		uint32_t d = (uint32_t)v;
		if (d < ARRAY_SIZE(af) && af[d])
			return add_arg(ev, name, "%s", af[d]);
		return add_arg(ev, name, "%" PRIu32, d);
	}
	case SENSOR_ARG_PTRACE: {
		const char *req = sensor_ptrace_request_name((int64_t)v);
		return req ? add_arg(ev, name, "%s", req) : add_arg(ev, name, "%" PRId64, (int64_t)v);
	}
	case SENSOR_ARG_STR: {
		if (*str_idx >= 3)
			return -EBADMSG;
		char *s = NULL;
		int r = blob_text(b, x->str[(*str_idx)++], &s);
		if (r < 0)
			return r;
		return add_arg_take(ev, name, s);
	}
	case SENSOR_ARG_OFLAGS: {
		_cleanup_buf_ struct buf f;
		buf_init(&f, 512);
		int r = sensor_format_open_flags((uint32_t)v, &f);
		if (r < 0)
			return r;
		char *s = buf_take(&f);
		return s ? add_arg_take(ev, name, s) : -ENOMEM;
	}
	default:
		return 0; /* SOCKADDR is rendered by decode_socket() */
	}
}

static int decode_syscall(struct sensor_decoder *d, const char *rec, size_t size,
			  struct bh_event *ev)
{
	struct bh_rec_syscall x;
	if (size < sizeof(x))
		return -EBADMSG;
	memcpy(&x, rec, sizeof(x));
	struct blob b = {rec + sizeof(x), size - sizeof(x)};
	/* the ABI first: an i386 number is never looked up as a native one */
	const struct sensor_syscall *sc = sensor_syscall_lookup(x.abi, x.nr);
	if (!sc || sc->kind != x.kind)
		return -ENOSYS;
	if (x.fd_kind > BH_FDK_OTHER || check_decision(x.decision) < 0)
		return -ERANGE;
	int r = decode_hdr(d, &x.hdr, ev);
	if (r < 0)
		return r;
	set_type(ev, sc->name);
	ev->res = x.ret;

	struct bh_ev_fd *fd = &ev->fd;
	int32_t rfd = (int32_t)x.fd;
	if (rfd >= 0)
		fd->num = rfd;
	else if ((sc->flags & BH_SC_FD_IS_RET) && x.ret >= 0 && x.ret <= INT32_MAX)
		fd->num = x.ret;
	else if (sc->flags & BH_SC_FD_IS_ARG)
		fd->num = (int32_t)x.args[sc->fd_arg % 6];
	fd->type = fd_typechar(&x);
	if (x.path.len) {
		r = blob_path(&b, x.path, x.path_flags, false, &fd->name);
		if (r < 0)
			return r;
	}

	size_t str_idx = 0;
	for (size_t i = 0; i < ARRAY_SIZE(sc->args) && sc->args[i].name; i++) {
		r = render_arg(sc, i, &x, &b, &str_idx, ev);
		if (r < 0)
			return r;
	}

	if (sc->kind == BH_KIND_OPEN) {
		uint32_t fl = 0;
		for (size_t i = 0; i < ARRAY_SIZE(sc->args) && sc->args[i].name; i++)
			if (sc->args[i].fmt == SENSOR_ARG_OFLAGS)
				fl = (uint32_t)x.args[i];
		if (streq(sc->name, "creat"))
			fl = O_CREAT | O_WRONLY | O_TRUNC;
		else if (streq(sc->name, "openat2") && x.ret >= 0) {
			fl = x.fd_flags;
			_cleanup_buf_ struct buf f;
			buf_init(&f, 512);
			r = sensor_format_open_flags(fl, &f);
			if (r < 0)
				return r;
			char *s = buf_take(&f);
			r = s ? add_arg_take(ev, "flags", s) : -ENOMEM;
			if (r < 0)
				return r;
		}
		fd->open_flags = fl;
		/* a failed open has no file: fd.name is the name asked for, when absolute */
		const char *asked = bh_event_arg(ev, "name");
		if (!fd->name && asked && asked[0] == '/') {
			fd->name = strdup(asked);
			if (!fd->name)
				return -ENOMEM;
		}
		if (!fd->type && x.ret >= 0)
			fd->type = 'f';
	}
	if (sc->flags & (BH_SC_SOCKADDR_IN | BH_SC_SOCKADDR_OUT) || sc->kind == BH_KIND_LISTEN) {
		r = decode_socket(&x, &b, ev);
		if (r < 0)
			return r;
	}
	return add_decision(ev, x.decision);
}

/* 1 (not an event) or -errno; *ret_cb_error set when on_cgroup itself failed */
static int decode_cgroup(struct sensor_decoder *d, const char *rec, size_t size, int *ret_cb_error)
{
	struct bh_rec_cgroup x;
	if (size < sizeof(x))
		return -EBADMSG;
	memcpy(&x, rec, sizeof(x));
	struct blob b = {rec + sizeof(x), size - sizeof(x)};
	if (!x.id)
		return -ERANGE;
	_cleanup_free_ char *path = NULL;
	int r = blob_path(&b, x.path, x.path_flags, false, &path);
	if (r < 0)
		return r;
	if (d->on_cgroup && !(x.path_flags & BH_STR_TRUNCATED)) {
		r = d->on_cgroup(d->cgroup_userdata, x.id, path);
		if (r < 0) {
			*ret_cb_error = r;
			return r;
		}
	}
	return 1;
}

int sensor_decode(struct sensor_decoder *d, const void *rec, size_t len, struct bh_event *ev)
{
	int cb_error = 0;
	bh_event_init(ev);
	struct bh_rec_hdr h;
	enum sensor_bad why = SENSOR_BAD_SHORT;
	int r = -EBADMSG;
	if (len < sizeof(h))
		goto bad;
	memcpy(&h, rec, sizeof(h));
	if (h.size > len || h.size < sizeof(h))
		goto bad;
	if (h.version != BH_ABI_VERSION) {
		why = SENSOR_BAD_VERSION;
		goto bad;
	}
	switch (h.type) {
	case BH_REC_EXEC:
		r = decode_exec(d, rec, h.size, ev);
		break;
	case BH_REC_EXIT:
		r = decode_exit(d, rec, h.size, ev);
		break;
	case BH_REC_FORK:
		r = decode_fork(d, rec, h.size, ev);
		break;
	case BH_REC_SYSCALL:
		r = decode_syscall(d, rec, h.size, ev);
		break;
	case BH_REC_CGROUP:
		r = decode_cgroup(d, rec, h.size, &cb_error);
		if (r == 1) {
			d->cgroup_records++;
			return 1;
		}
		break;
	default:
		why = SENSOR_BAD_TYPE;
		goto bad;
	}
	if (r == -ENOMEM || cb_error) {
		bh_event_done(ev);
		return r;
	}
	if (r < 0) {
		/* which check failed: the fixed part is "short", the rest by its error code */
		why =
		    r == -ENOSYS   ? SENSOR_BAD_SYSCALL
		    : r == -ERANGE ? SENSOR_BAD_FIELD
		    : (h.type == BH_REC_EXEC && h.size < sizeof(struct bh_rec_exec)) ||
			    (h.type == BH_REC_EXIT && h.size < sizeof(struct bh_rec_exit)) ||
			    (h.type == BH_REC_FORK && h.size < sizeof(struct bh_rec_fork)) ||
			    (h.type == BH_REC_SYSCALL && h.size < sizeof(struct bh_rec_syscall)) ||
			    (h.type == BH_REC_CGROUP && h.size < sizeof(struct bh_rec_cgroup))
			? SENSOR_BAD_SHORT
			: SENSOR_BAD_STRING;
		goto bad;
	}
	ev->num = ++d->seq;
	d->decoded++;
	return 0;
bad:
	bh_event_done(ev);
	d->bad[why]++;
	return -EBADMSG;
}
