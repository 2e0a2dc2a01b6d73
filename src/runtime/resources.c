/* SPDX-License-Identifier: Apache-2.0 */
/*
 * resources.c — cgroup counters and TCP peers of a container (resources.h). The formats:
 *   mountinfo   "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER",
 *               v1 controllers in SUPER ("rw,cpu,cpuacct"), cgroup2 as FSTYPE
 *   /proc/PID/cgroup  "HIERARCHY-ID:CONTROLLERS:PATH" per line, "0::PATH" for v2
 *   v2 cpu.stat "usage_usec N" (µs), memory.current/max, pids.current/max/events
 *   v1 cpuacct.usage (ns), memory.usage_in_bytes, memory.limit_in_bytes (a huge value
 *               rounded down to the page size when unlimited), pids.* as v2
 *   net/tcp     "sl local_address rem_address st ..." with addresses as hex words:ports
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/fileio.h"
#include "runtime/resources.h"

/* v1 memory.limit_in_bytes at or above this is "no limit" (LONG_MAX rounded to a page). */
#define RSRC_V1_UNLIMITED (UINT64_C(1) << 62)
/* The largest cgroup file read (cpu.stat and pids.events are a few lines). */
#define RSRC_FILE_MAX 4096

static const char *const v1_names[_RSRC_CTRL_MAX] = {
    [RSRC_CPU] = "cpuacct",
    [RSRC_MEM] = "memory",
    [RSRC_PIDS] = "pids",
};

const char *rsrc_ctrl_v1_name(enum rsrc_ctrl c)
{
	return c < _RSRC_CTRL_MAX ? v1_names[c] : "";
}

/* Is name one of the comma-separated items of list? */
static bool list_has(struct span list, const char *name)
{
	struct span item;
	while (span_next_token(&list, ',', &item) == 0)
		if (span_eq_str(item, name))
			return true;
	return false;
}

void rsrc_mounts_done(struct rsrc_mounts *m)
{
	if (!m)
		return;
	free(m->v2);
	for (size_t i = 0; i < _RSRC_CTRL_MAX; i++)
		free(m->v1[i]);
	*m = (struct rsrc_mounts){0};
}

int rsrc_mounts_parse(struct span mountinfo, struct rsrc_mounts *ret)
{
	struct rsrc_mounts m = {0};
	struct span rest = mountinfo, line;
	bool found = false;
	while (span_next_line(&rest, &line) == 0) {
		struct span pre, post;
		/* the optional fields end at " - " */
		ssize_t i = -1;
		for (size_t k = 0; k + 3 <= line.len; k++)
			if (memcmp(line.ptr + k, " - ", 3) == 0) {
				i = (ssize_t)k;
				break;
			}
		if (i < 0)
			continue;
		pre = span_make(line.ptr, (size_t)i);
		post = span_make(line.ptr + i + 3, line.len - (size_t)i - 3);
		struct span fstype, source, super, tok, root = {0}, mnt = {0};
		if (span_next_token(&post, ' ', &fstype) < 0 ||
		    span_next_token(&post, ' ', &source) < 0)
			continue;
		super = post;
		bool v2 = span_eq_str(fstype, "cgroup2");
		if (!v2 && !span_eq_str(fstype, "cgroup"))
			continue;
		for (int f = 0; f < 5; f++) {
			if (span_next_token(&pre, ' ', &tok) < 0)
				break;
			if (f == 3)
				root = tok;
			if (f == 4)
				mnt = tok;
		}
		/* a mount of a sub-tree (cgroup namespace) or an escaped path cannot be used */
		if (!mnt.len || !span_eq_str(root, "/") || memchr(mnt.ptr, '\\', mnt.len))
			continue;
		if (v2) {
			if (!m.v2) {
				if (!(m.v2 = span_dup(mnt)))
					goto oom;
				found = true;
			}
			continue;
		}
		for (size_t c = 0; c < _RSRC_CTRL_MAX; c++)
			if (!m.v1[c] && list_has(super, v1_names[c])) {
				if (!(m.v1[c] = span_dup(mnt)))
					goto oom;
				found = true;
			}
	}
	if (!found)
		return -ENOENT;
	*ret = m;
	return 0;
oom:
	rsrc_mounts_done(&m);
	return -ENOMEM;
}

void rsrc_cgroup_done(struct rsrc_cgroup *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < _RSRC_CTRL_MAX; i++)
		free(c->dir[i]);
	*c = (struct rsrc_cgroup){0};
}

/* A cgroup path we are willing to join to a mount point: absolute, not "/", no "..". */
static bool path_ok(struct span p)
{
	if (p.len < 2 || p.ptr[0] != '/')
		return false;
	for (size_t i = 0; i < p.len; i++)
		if ((unsigned char)p.ptr[i] < 0x20 || p.ptr[i] == 0x7f)
			return false;
	struct span rest = span_make(p.ptr + 1, p.len - 1), comp;
	while (span_next_token(&rest, '/', &comp) == 0)
		if (span_eq_str(comp, "..") || span_eq_str(comp, "."))
			return false;
	return true;
}

static char *join(const char *mnt, struct span path)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	size_t n = strlen(mnt);
	while (n > 1 && mnt[n - 1] == '/')
		n--;
	if (buf_append(&b, mnt, n) < 0 || buf_append_span(&b, path) < 0)
		return NULL;
	return buf_take(&b);
}

int rsrc_cgroup_parse(const struct rsrc_mounts *m, struct span proc_cgroup, struct rsrc_cgroup *ret)
{
	struct rsrc_cgroup cg = {0};
	struct span v2path = {0}, v1path[_RSRC_CTRL_MAX] = {{0}};
	struct span rest = proc_cgroup, line;
	while (span_next_line(&rest, &line) == 0) {
		struct span id, ctrls, path;
		if (span_next_token(&line, ':', &id) < 0 || span_next_token(&line, ':', &ctrls) < 0)
			continue;
		path = line; /* the rest: a path may hold ':' */
		if (span_eq_str(id, "0") && ctrls.len == 0) {
			v2path = path;
			continue;
		}
		for (size_t c = 0; c < _RSRC_CTRL_MAX; c++)
			if (list_has(ctrls, v1_names[c]))
				v1path[c] = path;
	}
	bool any = false;
	for (size_t c = 0; c < _RSRC_CTRL_MAX; c++) {
		const char *mnt = NULL;
		struct span p = {0};
		if (m->v1[c] && v1path[c].ptr) {
			mnt = m->v1[c];
			p = v1path[c];
		} else if (m->v2 && v2path.ptr) {
			mnt = m->v2;
			p = v2path;
			cg.v2[c] = true;
		}
		if (!mnt || !path_ok(p)) {
			cg.v2[c] = false;
			continue;
		}
		if (!(cg.dir[c] = join(mnt, p))) {
			rsrc_cgroup_done(&cg);
			return -ENOMEM;
		}
		any = true;
	}
	if (!any)
		return -ENOENT;
	*ret = cg;
	return 0;
}

int rsrc_parse_u64_or_max(struct span s, uint64_t *ret, bool *ret_is_max)
{
	s = span_trim(s);
	if (span_eq_str(s, "max")) {
		*ret = 0;
		*ret_is_max = true;
		return 0;
	}
	uint64_t v;
	if (parse_u64(s, 10, UINT64_MAX, &v) < 0)
		return -EBADMSG;
	*ret = v;
	*ret_is_max = false;
	return 0;
}

/* The value of the "key N" line of a flat-keyed file. */
static int keyed_value(struct span s, const char *key, uint64_t *ret)
{
	struct span line;
	while (span_next_line(&s, &line) == 0) {
		struct span k, v;
		if (!span_cut(line, ' ', &k, &v) || !span_eq_str(k, key))
			continue;
		return parse_u64(span_trim(v), 10, UINT64_MAX, ret) < 0 ? -EBADMSG : 0;
	}
	return -EBADMSG;
}

int rsrc_parse_cpu_stat(struct span s, uint64_t *ret_ns)
{
	uint64_t us;
	int r = keyed_value(s, "usage_usec", &us);
	if (r < 0)
		return r;
	if (us > UINT64_MAX / 1000)
		return -EBADMSG;
	*ret_ns = us * 1000;
	return 0;
}

int rsrc_parse_pids_events(struct span s, uint64_t *ret)
{
	return keyed_value(s, "max", ret);
}

/* Read name in dirfd: 0 and the text in b, or -errno. */
static int read_small(int dirfd, const char *name, struct buf *b)
{
	buf_clear(b);
	return bh_read_file_at(dirfd, name, O_NOFOLLOW, RSRC_FILE_MAX, b);
}

static void read_cpu(int dfd, bool v2, struct buf *b, struct rsrc_sample *s)
{
	uint64_t v;
	bool is_max;
	if (v2) {
		if (read_small(dfd, "cpu.stat", b) >= 0 &&
		    rsrc_parse_cpu_stat(buf_span(b), &v) >= 0)
			s->cpu_ns = v, s->has_cpu = true;
	} else if (read_small(dfd, "cpuacct.usage", b) >= 0 &&
		   rsrc_parse_u64_or_max(buf_span(b), &v, &is_max) >= 0 && !is_max) {
		s->cpu_ns = v, s->has_cpu = true;
	}
}

static void read_mem(int dfd, bool v2, struct buf *b, struct rsrc_sample *s)
{
	uint64_t v;
	bool is_max;
	if (read_small(dfd, v2 ? "memory.current" : "memory.usage_in_bytes", b) >= 0 &&
	    rsrc_parse_u64_or_max(buf_span(b), &v, &is_max) >= 0 && !is_max)
		s->mem_bytes = v, s->has_mem = true;
	if (read_small(dfd, v2 ? "memory.max" : "memory.limit_in_bytes", b) >= 0 &&
	    rsrc_parse_u64_or_max(buf_span(b), &v, &is_max) >= 0 && !is_max &&
	    (v2 || v < RSRC_V1_UNLIMITED))
		s->mem_limit = v, s->has_mem_limit = true;
}

static void read_pids(int dfd, struct buf *b, struct rsrc_sample *s)
{
	uint64_t v;
	bool is_max;
	if (read_small(dfd, "pids.current", b) >= 0 &&
	    rsrc_parse_u64_or_max(buf_span(b), &v, &is_max) >= 0 && !is_max)
		s->pids = v, s->has_pids = true;
	if (read_small(dfd, "pids.max", b) >= 0 &&
	    rsrc_parse_u64_or_max(buf_span(b), &v, &is_max) >= 0 && !is_max)
		s->pids_max = v, s->has_pids_max = true;
	if (read_small(dfd, "pids.events", b) >= 0 && rsrc_parse_pids_events(buf_span(b), &v) >= 0)
		s->pids_limit_hits = v, s->has_pids_events = true;
}

int rsrc_sample_read(const struct rsrc_cgroup *cg, struct rsrc_sample *ret)
{
	struct rsrc_sample s = {0};
	_cleanup_buf_ struct buf b;
	buf_init(&b, RSRC_FILE_MAX + 1);
	bool any = false;
	for (size_t c = 0; c < _RSRC_CTRL_MAX; c++) {
		if (!cg->dir[c])
			continue;
		_cleanup_close_ int dfd = open(cg->dir[c], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		any = true;
		if (c == RSRC_CPU)
			read_cpu(dfd, cg->v2[c], &b, &s);
		else if (c == RSRC_MEM)
			read_mem(dfd, cg->v2[c], &b, &s);
		else
			read_pids(dfd, &b, &s);
	}
	if (!any)
		return -ENOENT;
	*ret = s;
	return 0;
}

/* a * 100 / b, rounded down, without overflow for the values cgroups hold. */
static int64_t pct(uint64_t a, uint64_t b)
{
	if (b == 0)
		return -1;
	unsigned __int128 v = (unsigned __int128)a * 100 / b;
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

static int64_t clamp_i64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

void rsrc_rate_update(struct rsrc_rate *st, const struct rsrc_sample *s, uint64_t now_ns,
		      int64_t forks, struct rsrc_stats *ret)
{
	struct rsrc_stats o = {
	    .cpu_pct = -1,
	    .interval_ms = -1,
	    .mem_bytes = s->has_mem ? clamp_i64(s->mem_bytes) : -1,
	    .mem_limit = s->has_mem_limit ? clamp_i64(s->mem_limit) : -1,
	    .mem_pct = s->has_mem && s->has_mem_limit ? pct(s->mem_bytes, s->mem_limit) : -1,
	    .pids = s->has_pids ? clamp_i64(s->pids) : -1,
	    .pids_max = s->has_pids_max ? clamp_i64(s->pids_max) : -1,
	    .pids_pct = s->has_pids && s->has_pids_max ? pct(s->pids, s->pids_max) : -1,
	    .pids_limit_hits = -1,
	    .forks_per_s = -1,
	};
	bool restart = !st->primed || now_ns <= st->last_ns ||
		       (s->has_cpu && s->cpu_ns < st->last_cpu_ns) ||
		       (s->has_pids_events && s->pids_limit_hits < st->last_hits);
	if (!restart) {
		uint64_t dt = now_ns - st->last_ns;
		o.interval_ms = clamp_i64(dt / 1000000);
		if (s->has_cpu)
			o.cpu_pct = pct(s->cpu_ns - st->last_cpu_ns, dt);
		if (s->has_pids_events)
			o.pids_limit_hits = clamp_i64(s->pids_limit_hits - st->last_hits);
		if (forks >= 0) {
			unsigned __int128 f = (unsigned __int128)forks * 1000000000u / dt;
			o.forks_per_s = f > INT64_MAX ? INT64_MAX : (int64_t)f;
		}
	} else {
		st->busy_ns = 0;
	}
	st->primed = true;
	st->last_ns = now_ns;
	st->last_cpu_ns = s->has_cpu ? s->cpu_ns : 0;
	st->last_hits = s->has_pids_events ? s->pids_limit_hits : 0;
	*ret = o;
}

int64_t rsrc_rate_busy(struct rsrc_rate *st, const struct rsrc_stats *s, bool busy)
{
	if (!busy || s->interval_ms < 0) {
		st->busy_ns = 0;
		return 0;
	}
	uint64_t add = (uint64_t)s->interval_ms * 1000000;
	st->busy_ns = st->busy_ns > UINT64_MAX - add ? UINT64_MAX : st->busy_ns + add;
	return clamp_i64(st->busy_ns / 1000000000);
}

/* "HEX:HEX" (address words, port) of a net/tcp entry. */
static int parse_endpoint(struct span s, bool v6, uint8_t addr[16], uint16_t *ret_port)
{
	struct span a, p;
	uint64_t v;
	if (!span_cut(s, ':', &a, &p) || a.len != (v6 ? 32u : 8u))
		return -EBADMSG;
	if (parse_u64(p, 16, 0xffff, &v) < 0)
		return -EBADMSG;
	*ret_port = (uint16_t)v;
	memset(addr, 0, 16);
	for (size_t w = 0; w < a.len / 8; w++) {
		uint64_t word;
		if (parse_u64(span_make(a.ptr + w * 8, 8), 16, UINT32_MAX, &word) < 0)
			return -EBADMSG;
		/* the kernel prints each 32-bit word of the network-order address as a
		 * host-order integer: its memory bytes are the address bytes */
		uint32_t w32 = (uint32_t)word;
		memcpy(addr + w * 4, &w32, 4);
	}
	return 0;
}

/* The fields of one entry line: local, remote, state. */
static int parse_entry(struct span line, bool v6, struct rsrc_peer *ret_peer, unsigned *ret_state)
{
	struct span tok, f[4];
	size_t n = 0;
	while (n < 4 && span_next_token(&line, ' ', &tok) == 0)
		if (tok.len)
			f[n++] = tok;
	if (n < 4 || f[0].len < 2 || f[0].ptr[f[0].len - 1] != ':')
		return -EBADMSG;
	struct rsrc_peer p = {.family = v6 ? 6 : 4};
	uint8_t laddr[16];
	uint64_t st;
	if (parse_endpoint(f[1], v6, laddr, &p.lport) < 0 ||
	    parse_endpoint(f[2], v6, p.addr, &p.port) < 0 || parse_u64(f[3], 16, 0xff, &st) < 0)
		return -EBADMSG;
	/* an IPv4-mapped IPv6 peer is an IPv4 peer */
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (v6 && memcmp(p.addr, mapped, 12) == 0) {
		memmove(p.addr, p.addr + 12, 4);
		memset(p.addr + 4, 0, 12);
		p.family = 4;
	}
	*ret_peer = p;
	*ret_state = (unsigned)st;
	return 0;
}

enum { TCP_ESTABLISHED = 1, TCP_SYN_SENT = 2, TCP_LISTEN = 10 };

int rsrc_parse_proc_net_tcp(struct span s, bool v6, struct rsrc_peer *out, size_t max,
			    size_t *ret_n)
{
	/* first pass: the ports listened on; second: the connections not accepted on them */
	uint16_t listen[256]; /* beyond that, clients of a server are taken for peers: that only
			       * widens what the rules see */
	size_t n_listen = 0;
	for (int pass = 0; pass < 2; pass++) {
		struct span rest = s, line;
		size_t n = 0;
		bool header = true;
		while (span_next_line(&rest, &line) == 0) {
			struct span t = span_trim(line);
			if (!t.len)
				continue;
			if (header) {
				header = false;
				if (span_startswith(t, "sl "))
					continue;
			}
			struct rsrc_peer p;
			unsigned state;
			if (parse_entry(t, v6, &p, &state) < 0)
				return -EBADMSG;
			if (pass == 0) {
				if (state != TCP_LISTEN)
					continue;
				if (n_listen < ARRAY_SIZE(listen))
					listen[n_listen++] = p.lport;
				continue;
			}
			if (state != TCP_ESTABLISHED && state != TCP_SYN_SENT)
				continue;
			bool accepted = false;
			for (size_t i = 0; i < n_listen && !accepted; i++)
				accepted = listen[i] == p.lport;
			if (accepted)
				continue;
			if (n < max)
				out[n] = p;
			n++;
		}
		if (pass == 1)
			*ret_n = n;
	}
	return 0;
}

void rsrc_peer_addr(const struct rsrc_peer *p, char *buf, size_t size)
{
	if (!inet_ntop(p->family == 6 ? AF_INET6 : AF_INET, p->addr, buf, (socklen_t)size) && size)
		buf[0] = '\0';
}
