/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc.c — the user-space process table (see proc.h). Buckets are chained by tgid; when
 * the table is full new processes are simply not remembered (their events are still
 * enriched from /proc). Files under /proc are opened relative to one directory fd.
 */
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>

#include "sensor/proc.h"

#define NBUCKETS      4096
#define PROC_READ_MAX 4096 /* bytes of /proc/PID/cmdline and stat read */
#define NAME_CACHE    64

struct pentry {
	struct pentry *next;
	int64_t pid, ppid;
	char *name, *exe, *exepath, *cwd;
	char **argv;
	size_t argc;
	char *cmdline; /* name + ' ' + args, built on first use (an entry never changes) */
};

struct idname {
	uint32_t id;
	char *name; /* NULL: looked up, not found */
};

struct sensor_proctab {
	struct pentry *bucket[NBUCKETS];
	size_t n, max;
	int proc_fd;
	struct idname users[NAME_CACHE], groups[NAME_CACHE];
	size_t n_users, n_groups;
};

static void strv_free_n(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void pentry_free(struct pentry *e)
{
	if (!e)
		return;
	free(e->name);
	free(e->exe);
	free(e->exepath);
	free(e->cwd);
	strv_free_n(e->argv, e->argc);
	free(e->cmdline);
	free(e);
}

int sensor_proctab_new(const char *proc_root, size_t max_entries, struct sensor_proctab **ret)
{
	struct sensor_proctab *pt = calloc(1, sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	pt->max = max_entries;
	pt->proc_fd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pt->proc_fd < 0) {
		int r = -errno;
		free(pt);
		return r;
	}
	*ret = pt;
	return 0;
}

void sensor_proctab_free(struct sensor_proctab *pt)
{
	if (!pt)
		return;
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct pentry *e = pt->bucket[i];
		while (e) {
			struct pentry *next = e->next;
			pentry_free(e);
			e = next;
		}
	}
	for (size_t i = 0; i < pt->n_users; i++)
		free(pt->users[i].name);
	for (size_t i = 0; i < pt->n_groups; i++)
		free(pt->groups[i].name);
	if (pt->proc_fd >= 0)
		(void)close(pt->proc_fd);
	free(pt);
}

size_t sensor_proctab_size(const struct sensor_proctab *pt)
{
	return pt->n;
}

static struct pentry **slot(struct sensor_proctab *pt, int64_t pid)
{
	struct pentry **p = &pt->bucket[(uint64_t)pid % NBUCKETS];
	while (*p && (*p)->pid != pid)
		p = &(*p)->next;
	return p;
}

static struct pentry *lookup(struct sensor_proctab *pt, int64_t pid)
{
	return *slot(pt, pid);
}

static void forget(struct sensor_proctab *pt, int64_t pid)
{
	struct pentry **p = slot(pt, pid);
	struct pentry *e = *p;
	if (!e)
		return;
	*p = e->next;
	pentry_free(e);
	pt->n--;
}

/* Insert e (taking it) in place of any entry for its pid; dropped when the table is full. */
static void insert_take(struct sensor_proctab *pt, struct pentry *e)
{
	forget(pt, e->pid);
	if (pt->n >= pt->max) {
		pentry_free(e);
		return;
	}
	struct pentry **b = &pt->bucket[(uint64_t)e->pid % NBUCKETS];
	e->next = *b;
	*b = e;
	pt->n++;
}

static int dup_strv(char *const *v, size_t n, char ***ret)
{
	*ret = NULL;
	if (!n)
		return 0;
	char **d = calloc(n, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		d[i] = strdup(v[i]);
		if (!d[i]) {
			strv_free_n(d, i);
			return -ENOMEM;
		}
	}
	*ret = d;
	return 0;
}

/* ---- /proc ---- */

static int read_proc_file(struct sensor_proctab *pt, int64_t pid, const char *what, char *buf,
			  size_t size, size_t *ret_len)
{
	char rel[64];
	int r = xsnprintf(rel, sizeof(rel), "%" PRId64 "/%s", pid, what);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = openat(pt->proc_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_len = len;
	return 0;
}

static int read_proc_link(struct sensor_proctab *pt, int64_t pid, const char *what, char **ret)
{
	char rel[64], target[4096];
	int r = xsnprintf(rel, sizeof(rel), "%" PRId64 "/%s", pid, what);
	if (r < 0)
		return r;
	ssize_t n = readlinkat(pt->proc_fd, rel, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	*ret = span_dup(span_make(target, (size_t)n));
	return *ret ? 0 : -ENOMEM;
}

/* "PID (COMM) S PPID ...": comm may hold ')' and spaces, so look for the last ')'. */
static int read_proc_stat(struct sensor_proctab *pt, int64_t pid, int64_t *ret_ppid,
			  char **ret_comm)
{
	char buf[1024];
	size_t len;
	int r = read_proc_file(pt, pid, "stat", buf, sizeof(buf), &len);
	if (r < 0)
		return r;
	struct span s = span_make(buf, len);
	ssize_t open_paren = span_index(s, '(');
	ssize_t close_paren = -1;
	for (size_t i = len; i > 0; i--)
		if (buf[i - 1] == ')') {
			close_paren = (ssize_t)i - 1;
			break;
		}
	if (open_paren < 0 || close_paren < open_paren || (size_t)close_paren + 4 > len)
		return -EBADMSG;
	struct span rest = span_slice(s, (size_t)close_paren + 4, len - (size_t)close_paren - 4);
	struct span ppid_s;
	if (span_next_token(&rest, ' ', &ppid_s) < 0)
		return -EBADMSG;
	int64_t ppid;
	r = parse_i64(ppid_s, 0, INT32_MAX, &ppid);
	if (r < 0)
		return -EBADMSG;
	if (ret_comm) {
		*ret_comm = span_dup(
		    span_slice(s, (size_t)open_paren + 1, (size_t)(close_paren - open_paren - 1)));
		if (!*ret_comm)
			return -ENOMEM;
	}
	*ret_ppid = ppid;
	return 0;
}

/* An entry for a process the sensor has not seen exec, from /proc; NULL when it is gone. */
static int entry_from_proc(struct sensor_proctab *pt, int64_t pid, struct pentry **ret)
{
	*ret = NULL;
	struct pentry *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->pid = pid;
	int r = read_proc_stat(pt, pid, &e->ppid, &e->name);
	if (r < 0) {
		pentry_free(e);
		return r == -ENOMEM ? r : 0;
	}
	r = read_proc_link(pt, pid, "exe", &e->exepath);
	if (r == -ENOMEM)
		goto oom;
	r = read_proc_link(pt, pid, "cwd", &e->cwd);
	if (r == -ENOMEM)
		goto oom;
	char buf[PROC_READ_MAX];
	size_t len = 0;
	if (read_proc_file(pt, pid, "cmdline", buf, sizeof(buf), &len) == 0) {
		size_t i = 0;
		while (i < len) {
			size_t l = strnlen(buf + i, len - i);
			char *a = span_dup(span_make(buf + i, l));
			if (!a)
				goto oom;
			if (!e->exe)
				e->exe = a;
			else if (e->argc < BH_EV_MAX_ARGV) {
				char **nv = reallocarray(e->argv, e->argc + 1, sizeof(*nv));
				if (!nv) {
					free(a);
					goto oom;
				}
				e->argv = nv;
				e->argv[e->argc++] = a;
			} else
				free(a);
			i += l + 1;
		}
	}
	*ret = e;
	return 0;
oom:
	pentry_free(e);
	return -ENOMEM;
}

static int get_entry(struct sensor_proctab *pt, int64_t pid, struct pentry **ret)
{
	*ret = lookup(pt, pid);
	if (*ret || pid <= 0)
		return 0;
	struct pentry *e;
	int r = entry_from_proc(pt, pid, &e);
	if (r < 0 || !e)
		return r;
	insert_take(pt, e);
	*ret = lookup(pt, pid);
	return 0;
}

/* ---- names ---- */

static int id_name(struct idname *cache, size_t *n, uint32_t id, bool group, char **ret)
{
	*ret = NULL;
	for (size_t i = 0; i < *n; i++)
		if (cache[i].id == id)
			return strdup_opt(cache[i].name, ret);
	char buf[4096];
	char *name = NULL;
	if (group) {
		struct group g, *res = NULL;
		if (getgrgid_r(id, &g, buf, sizeof(buf), &res) == 0 && res)
			name = strdup(res->gr_name);
	} else {
		struct passwd p, *res = NULL;
		if (getpwuid_r(id, &p, buf, sizeof(buf), &res) == 0 && res)
			name = strdup(res->pw_name);
	}
	size_t at;
	if (*n < NAME_CACHE)
		at = (*n)++;
	else {
		at = id % NAME_CACHE;
		free(cache[at].name);
	}
	cache[at].id = id;
	cache[at].name = name;
	return strdup_opt(name, ret);
}

/* name + ' ' + args, as proc.pcmdline shows it. */
/* A copy of the entry's command line; built once per entry (ancestors repeat per event). */
static int cmdline_of(struct pentry *e, char **ret)
{
	if (!e->cmdline) {
		_cleanup_buf_ struct buf b;
		buf_init(&b, 1 << 16);
		int r = buf_puts(&b, e->name ? e->name : "");
		for (size_t i = 0; i < e->argc && r >= 0; i++)
			r = buf_putc(&b, ' ') ?: buf_puts(&b, e->argv[i]);
		if (r < 0 && r != -E2BIG)
			return r;
		if (!(e->cmdline = buf_take(&b)))
			return -ENOMEM;
	}
	return strdup_opt(e->cmdline, ret);
}

static int fill_from_entry(struct bh_ev_proc *p, const struct pentry *e)
{
	int r = 0;
	if (!p->exe && e->exe)
		r = strdup_opt(e->exe, &p->exe);
	if (r >= 0 && !p->exepath && e->exepath)
		r = strdup_opt(e->exepath, &p->exepath);
	if (r >= 0 && !p->cwd && e->cwd) {
		size_t l = strlen(e->cwd);
		/* Falco prints cwd with a trailing '/' */
		_cleanup_buf_ struct buf b;
		buf_init(&b, 0);
		r = buf_puts(&b, e->cwd) ?: (l && e->cwd[l - 1] == '/' ? 0 : buf_putc(&b, '/'));
		if (r >= 0) {
			p->cwd = buf_take(&b);
			r = p->cwd ? 0 : -ENOMEM;
		}
	}
	if (r >= 0 && !p->argv && e->argc) {
		r = dup_strv(e->argv, e->argc, &p->argv);
		if (r >= 0)
			p->argc = e->argc;
	}
	return r;
}

static int entry_from_event(const struct bh_event *ev, struct pentry **ret)
{
	const struct bh_ev_proc *p = &ev->proc;
	struct pentry *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->pid = p->pid;
	e->ppid = p->ppid;
	int r = strdup_opt(p->name, &e->name) ?: strdup_opt(p->exe, &e->exe) ?:
		strdup_opt(p->exepath, &e->exepath) ?: strdup_opt(p->cwd, &e->cwd) ?:
		dup_strv(p->argv, p->argc, &e->argv);
	if (r < 0) {
		pentry_free(e);
		return r;
	}
	e->argc = p->argc;
	*ret = e;
	return 0;
}

static int copy_entry(const struct pentry *src, int64_t pid, int64_t ppid, struct pentry **ret)
{
	struct pentry *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->pid = pid;
	e->ppid = ppid;
	int r = strdup_opt(src->name, &e->name) ?: strdup_opt(src->exe, &e->exe) ?:
		strdup_opt(src->exepath, &e->exepath) ?: strdup_opt(src->cwd, &e->cwd) ?:
		dup_strv(src->argv, src->argc, &e->argv);
	if (r < 0) {
		pentry_free(e);
		return r;
	}
	e->argc = src->argc;
	*ret = e;
	return 0;
}

static int fill_ancestors(struct sensor_proctab *pt, struct bh_ev_proc *p)
{
	int r;
	if (p->n_ancestors == 0) {
		/* walk the table (and /proc) from the parent */
		int64_t pid = p->ppid;
		for (size_t i = 0; i < BH_EV_MAX_ANCESTORS && pid > 0; i++) {
			struct pentry *e;
			r = get_entry(pt, pid, &e);
			if (r < 0)
				return r;
			if (!e)
				break;
			p->ancestors[i].pid = pid;
			r = strdup_opt(e->name, &p->ancestors[i].name);
			if (r < 0)
				return r;
			p->n_ancestors = i + 1;
			if (pid == 1)
				break;
			pid = e->ppid;
		}
	}
	for (size_t i = 0; i < p->n_ancestors; i++) {
		struct bh_ev_ancestor *a = &p->ancestors[i];
		struct pentry *e;
		r = get_entry(pt, a->pid, &e);
		if (r < 0)
			return r;
		if (!e)
			continue;
		if (!a->exepath && e->exepath) {
			r = strdup_opt(e->exepath, &a->exepath);
			if (r < 0)
				return r;
		}
		if (!a->cmdline) {
			r = cmdline_of(e, &a->cmdline);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int sensor_proctab_enrich(struct sensor_proctab *pt, struct bh_event *ev)
{
	struct bh_ev_proc *p = &ev->proc;
	int r;
	if (streq(ev->type, "execve") && ev->res == 0) {
		struct pentry *e;
		r = entry_from_event(ev, &e);
		if (r < 0)
			return r;
		insert_take(pt, e);
	} else if (streq(ev->type, "clone") && ev->res > 0) {
		const char *is_thread = bh_event_arg(ev, "is_thread");
		struct pentry *parent;
		r = get_entry(pt, p->pid, &parent);
		if (r < 0)
			return r;
		if (parent && !(is_thread && streq(is_thread, "true"))) {
			struct pentry *child;
			r = copy_entry(parent, ev->res, p->pid, &child);
			if (r < 0)
				return r;
			insert_take(pt, child);
		}
	}

	struct pentry *e;
	r = get_entry(pt, p->pid, &e);
	if (r < 0)
		return r;
	if (e) {
		r = fill_from_entry(p, e);
		if (r < 0)
			return r;
	}
	if (!p->user_name) {
		r = id_name(pt->users, &pt->n_users, p->uid, false, &p->user_name);
		if (r < 0)
			return r;
	}
	if (!p->group_name) {
		r = id_name(pt->groups, &pt->n_groups, p->gid, true, &p->group_name);
		if (r < 0)
			return r;
	}
	r = fill_ancestors(pt, p);
	if (r < 0)
		return r;
	if (streq(ev->type, "procexit"))
		forget(pt, p->pid);
	return 0;
}
