/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fanotify.[ch] — the exec guard of protect mode before the program starts
 * (fanotify.[ch], docs/enforcement.md).
 *
 * Marks. For each protected container, every mount of its mount namespace that allows
 * execution (no "noexec") is marked with FAN_OPEN_EXEC_PERM, opened inside the container's
 * root (/proc/PID/root, openat2 RESOLVE_IN_ROOT). The root is marked as a file system
 * (FAN_MARK_FILESYSTEM) when it is an overlay of its own, so that a bind mount of it made
 * later is covered too; any other mount (and a root that shares the sensor's file system)
 * as a mount (FAN_MARK_MOUNT), which catches opens through the container's mount only,
 * never the host's. File systems refusing permission events (proc) are skipped.
 *
 * Decisions (the thread, per event; each one is answered, FAN_ALLOW on any error):
 *   1. the process's cgroup v2 (/proc/PID/cgroup) is no protected container's, nor below
 *      one: allow;
 *   2. the file's (st_dev, st_ino) is one the container's allowed paths resolved to when it
 *      was protected (with the ELF interpreters they name): allow;
 *   3. the file's path (readlink of the event's descriptor: the kernel's path from the root
 *      of the container's mount namespace) is an allowed path: allow — a file replaced at an
 *      allowed path, as the BPF side (which decides by path) allows it;
 *   4. the file starts with "#!": allow — the kernel opens its interpreter next, and that
 *      exec is decided in turn (the BPF side sees the interpreter as the executable too);
 *   5. otherwise deny (FAN_DENY: execve fails with EPERM), or with dry run allow; either is
 *      queued as an execve event.
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "runtime/fanotify.h"
#include "runtime/procfs.h"
#include "common/fileio.h"
#include "runtime/runtime.h"

#define FAN_PATH_MAX	4096
#define FAN_READ_EVENTS 32 /* events read at once: each holds a descriptor until answered */

struct fan_file {
	uint64_t dev, ino;
};

struct fan_ctr {
	char *cgroup; /* cgroup v2 path ("/libpod_parent/libpod-…") */
	char *key;    /* container.full_id or container.id, or NULL */
	char *workload;
	struct bh_event ev; /* the container (rt_container_copy) */
	int64_t pid;	    /* the process it was protected through */
	bool dry_run;
	struct fan_file *files; /* sorted, unique */
	size_t n_files;
	char **paths; /* sorted, unique */
	size_t n_paths;
};

struct sensor_fan {
	int fd;	     /* the group */
	int stop_fd; /* eventfd: the thread ends */
	pthread_t thread;
	bool started;
	dev_t own_root_dev; /* st_dev of the sensor's "/" */
	char *cgroup_mnt;   /* cgroup2 mount point, NULL when unknown (no pruning) */
	int64_t last_prune;

	pthread_mutex_t lock; /* the members below */
	struct fan_ctr *ctrs;
	size_t n_ctrs;
	struct bh_event *queue[SENSOR_FAN_QUEUE_MAX]; /* a ring */
	size_t q_head, q_len;
	struct sensor_fan_stats st;
};

/* ---- parsing (no I/O) ------------------------------------------------------------------ */

static uint64_t rd_le(const unsigned char *p, size_t n, bool le)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[le ? i : n - 1 - i] << (8 * i);
	return v;
}

/*
 * The ELF interpreter (PT_INTERP) of the file open at fd into out (n bytes): 1 found, 0 not
 * ELF or no interpreter (static, a script, anything else), -EBADMSG malformed (what the
 * kernel would refuse to run), -errno reading. As the kernel: the first PT_INTERP, its
 * last byte NUL, the path up to the first NUL.
 */
static int elf_interp(int fd, char *out, size_t n)
{
	unsigned char eh[64];
	ssize_t k = pread(fd, eh, sizeof(eh), 0);
	if (k < 0)
		return -errno;
	if (k < 16 || memcmp(eh, "\177ELF", 4) != 0)
		return 0;
	if ((eh[4] != 1 && eh[4] != 2) || (eh[5] != 1 && eh[5] != 2))
		return -EBADMSG;
	bool is64 = eh[4] == 2, le = eh[5] == 1;
	if ((size_t)k < (is64 ? 64u : 52u))
		return -EBADMSG;
	uint64_t phoff = is64 ? rd_le(eh + 32, 8, le) : rd_le(eh + 28, 4, le);
	size_t entsize = (size_t)rd_le(eh + (is64 ? 54 : 42), 2, le);
	size_t num = (size_t)rd_le(eh + (is64 ? 56 : 44), 2, le);
	size_t want = is64 ? 56 : 32, total;
	if (num == 0)
		return 0;
	if (entsize < want || !size_mul(entsize, num, &total) || total > 65536 ||
	    phoff > (uint64_t)INT64_MAX - total)
		return -EBADMSG;
	_cleanup_free_ unsigned char *ph = malloc(total);
	if (!ph)
		return -ENOMEM;
	k = pread(fd, ph, total, (off_t)phoff);
	if (k < 0)
		return -errno;
	if ((size_t)k != total)
		return -EBADMSG;
	for (size_t i = 0; i < num; i++) {
		const unsigned char *p = ph + i * entsize;
		if (rd_le(p, 4, le) != 3 /* PT_INTERP */)
			continue;
		uint64_t off = is64 ? rd_le(p + 8, 8, le) : rd_le(p + 4, 4, le);
		uint64_t sz = is64 ? rd_le(p + 32, 8, le) : rd_le(p + 16, 4, le);
		if (sz < 2 || sz > FAN_PATH_MAX || off > (uint64_t)INT64_MAX - sz)
			return -EBADMSG;
		if (sz > n)
			return -E2BIG;
		k = pread(fd, out, (size_t)sz, (off_t)off);
		if (k < 0)
			return -errno;
		if ((uint64_t)k != sz || out[sz - 1] != '\0' || out[0] == '\0')
			return -EBADMSG;
		return 1;
	}
	return 0;
}

/* A cgroup path is the container's or below it. */
static bool cgroup_within(const char *cg, size_t n, const char *ctr)
{
	size_t k = strlen(ctr);
	return n >= k && memcmp(cg, ctr, k) == 0 && (n == k || cg[k] == '/');
}

static int file_cmp(const void *a, const void *b)
{
	const struct fan_file *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ctr_has_file(const struct fan_ctr *c, uint64_t dev, uint64_t ino)
{
	struct fan_file k = {dev, ino};
	return c->n_files && bsearch(&k, c->files, c->n_files, sizeof(k), file_cmp);
}

static bool ctr_has_path(const struct fan_ctr *c, const char *path)
{
	return c->n_paths && bsearch(&path, c->paths, c->n_paths, sizeof(char *), str_cmp);
}

static void ctr_done(struct fan_ctr *c)
{
	free(c->cgroup);
	free(c->key);
	free(c->workload);
	bh_event_done(&c->ev);
	free(c->files);
	for (size_t i = 0; i < c->n_paths; i++)
		free(c->paths[i]);
	free(c->paths);
	*c = (struct fan_ctr){0};
}

/* ---- /proc ----------------------------------------------------------------------------- */

/* readlink into out (n bytes, NUL-terminated). 0 or -errno (-ENAMETOOLONG when cut). */
static int read_link(int dirfd, const char *path, char *out, size_t n)
{
	ssize_t k = readlinkat(dirfd, path, out, n);
	if (k < 0)
		return -errno;
	if ((size_t)k >= n)
		return -ENAMETOOLONG;
	out[k] = '\0';
	return 0;
}

static int fd_path(int fd, char *out, size_t n)
{
	char p[48];
	(void)xsnprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return read_link(AT_FDCWD, p, out, n);
}

static int open_in_root(int rootfd, const char *path, uint64_t flags)
{
	/* openat2 refuses O_PATH with any flag but O_DIRECTORY, O_NOFOLLOW and O_CLOEXEC */
	struct open_how how = {
	    .flags = flags | O_CLOEXEC | (flags & O_PATH ? 0 : O_NOCTTY),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return NERRNO((int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how)));
}

/* ---- the queue ------------------------------------------------------------------------- */

/* Fill what /proc still says about the process whose exec was decided. Best effort. */
static void proc_fill(struct bh_event *ev, int64_t pid)
{
	char path[64], buf[FAN_PATH_MAX];
	(void)xsnprintf(path, sizeof(path), "/proc/%lld/status", (long long)pid);
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	if (bh_read_file_at(AT_FDCWD, path, 0, 64 * 1024, &b) >= 0) {
		struct span rest = buf_span(&b), line, name, val;
		while (span_next_line(&rest, &line) == 0) {
			if (!span_cut(line, ':', &name, &val))
				continue;
			val = span_trim(val);
			struct span a = SPAN_NULL, e = SPAN_NULL, last = SPAN_NULL, tok, t = val;
			for (int i = 0; span_next_token(&t, '\t', &tok) == 0; i++) {
				if (i == 0)
					a = tok;
				else if (i == 1)
					e = tok;
				last = tok;
			}
			uint64_t x, y;
			if (span_eq_str(name, "PPid") && parse_u64(val, 10, INT32_MAX, &x) == 0)
				ev->proc.ppid = (int64_t)x;
			else if (span_eq_str(name, "NSpid") &&
				 parse_u64(last, 10, INT32_MAX, &x) == 0)
				ev->proc.vpid = (int64_t)x;
			else if ((span_eq_str(name, "Uid") || span_eq_str(name, "Gid")) &&
				 parse_u64(a, 10, UINT32_MAX, &x) == 0 &&
				 parse_u64(e, 10, UINT32_MAX, &y) == 0) {
				if (name.ptr[0] == 'U') {
					ev->proc.uid = (uint32_t)x;
					ev->proc.euid = (uint32_t)y;
				} else {
					ev->proc.gid = (uint32_t)x;
					ev->proc.egid = (uint32_t)y;
				}
			}
		}
	}
	(void)xsnprintf(path, sizeof(path), "/proc/%lld/cwd", (long long)pid);
	if (read_link(AT_FDCWD, path, buf, sizeof(buf) - 1) >= 0) {
		size_t l = strlen(buf);
		if (l && buf[l - 1] != '/') {
			buf[l] = '/';
			buf[l + 1] = '\0';
		}
		ev->proc.cwd = strdup(buf);
	}
	if (ev->proc.ppid <= 0)
		return;
	struct bh_ev_ancestor *a = &ev->proc.ancestors[0];
	a->pid = ev->proc.ppid;
	ev->proc.n_ancestors = 1;
	(void)xsnprintf(path, sizeof(path), "/proc/%lld/comm", (long long)a->pid);
	buf_clear(&b);
	if (bh_read_file_at(AT_FDCWD, path, 0, 256, &b) >= 0) {
		struct span s = buf_span(&b);
		if (s.len && s.ptr[s.len - 1] == '\n')
			s.len--;
		a->name = span_dup(s);
	}
	(void)xsnprintf(path, sizeof(path), "/proc/%lld/exe", (long long)a->pid);
	if (read_link(AT_FDCWD, path, buf, sizeof(buf)) >= 0)
		a->exepath = strdup(buf);
}

/*
 * The execve event of a decision: the process as it would have become (proc.exepath the
 * file, proc.name its base name as the kernel would make its comm), its parent, the
 * container, and the bh_* arguments of the baseline rules.
 */
static int decision_event(const struct fan_ctr *c, int64_t pid, const char *path, bool dry,
			  struct bh_event **ret)
{
	struct bh_event *ev = malloc(sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	int r = rt_container_copy(&c->ev, ev);
	if (r < 0) {
		free(ev);
		return r;
	}
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	ev->ts = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	memcpy(ev->type, "execve", sizeof("execve"));
	ev->dir = '<';
	ev->res = dry ? 0 : -EPERM; /* with dry run the exec went ahead */
	ev->cpu = -1;
	ev->proc.pid = ev->proc.tid = pid;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	ev->proc.name = strndup(base, 15);
	ev->proc.exe = strdup(path);
	ev->proc.exepath = strdup(path);
	r = ev->proc.name && ev->proc.exe && ev->proc.exepath ? 0 : -ENOMEM;
	r = r ?: bh_event_set_arg(ev, "filename", path);
	r = r ?: bh_event_set_arg(ev, "bh_action", dry ? "would-deny" : "denied");
	r = r ?: bh_event_set_arg(ev, "bh_reason", "exec-not-allowed");
	r = r ?: bh_event_set_arg(ev, "bh_deviation", "exec");
	r = r ?: bh_event_set_arg(ev, "bh_fact", path);
	r = r ?: bh_event_set_arg(ev, "bh_workload", c->workload);
	r = r ?: bh_event_set_arg(ev, "bh_mode", "protect");
	if (r < 0) {
		bh_event_done(ev);
		free(ev);
		return r;
	}
	*ret = ev;
	return 0;
}

static void event_free(struct bh_event *ev)
{
	if (ev) {
		bh_event_done(ev);
		free(ev);
	}
}

/* ---- the thread ------------------------------------------------------------------------ */

/* Is the file a "#!" script? */
static bool is_script(int fd)
{
	char h[2];
	return pread(fd, h, 2, 0) == 2 && h[0] == '#' && h[1] == '!';
}

/* One FAN_OPEN_EXEC_PERM event: FAN_ALLOW or FAN_DENY. */
static uint32_t decide(struct sensor_fan *f, int fd, int64_t pid)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		pthread_mutex_lock(&f->lock);
		f->st.errors++;
		pthread_mutex_unlock(&f->lock);
		return FAN_ALLOW;
	}
	_cleanup_free_ char *cg = NULL;
	int r = pid <= 0 ? -ESRCH : rt_pid_cgroup2(pid, &cg);
	char path[FAN_PATH_MAX];
	bool have_path = false;
	struct bh_event *rec = NULL;
	uint32_t resp = FAN_ALLOW;
	bool dry = false;

	pthread_mutex_lock(&f->lock);
	const struct fan_ctr *c = NULL;
	for (size_t i = 0; r >= 0 && i < f->n_ctrs && !c; i++)
		if (cgroup_within(cg, strlen(cg), f->ctrs[i].cgroup))
			c = &f->ctrs[i];
	if (r < 0 && r != -ESRCH && r != -EOPNOTSUPP)
		f->st.errors++;
	else if (!c)
		f->st.outside++;
	else if (ctr_has_file(c, (uint64_t)st.st_dev, (uint64_t)st.st_ino))
		f->st.allowed++;
	else if ((have_path = fd_path(fd, path, sizeof(path)) >= 0) && ctr_has_path(c, path))
		f->st.allowed++;
	else if (is_script(fd))
		f->st.scripts++;
	else {
		dry = c->dry_run;
		if (dry)
			f->st.would_deny++;
		else {
			f->st.denied++;
			resp = FAN_DENY;
		}
		if (!have_path)
			memcpy(path, "<unknown>", sizeof("<unknown>"));
		if (decision_event(c, pid, path, dry, &rec) < 0)
			f->st.dropped++;
	}
	pthread_mutex_unlock(&f->lock);
	if (!rec)
		return resp;
	/* the process waits for the answer: /proc still shows it as it was */
	proc_fill(rec, pid);
	pthread_mutex_lock(&f->lock);
	if (f->q_len == SENSOR_FAN_QUEUE_MAX) {
		f->st.dropped++;
		pthread_mutex_unlock(&f->lock);
		event_free(rec);
		return resp;
	}
	f->queue[(f->q_head + f->q_len) % SENSOR_FAN_QUEUE_MAX] = rec;
	f->q_len++;
	pthread_mutex_unlock(&f->lock);
	return resp;
}

static void respond(struct sensor_fan *f, int fd, uint32_t resp)
{
	struct fanotify_response a = {.fd = fd, .response = resp};
	ssize_t k;
	do
		k = write(f->fd, &a, sizeof(a));
	while (k < 0 && errno == EINTR);
	pthread_mutex_lock(&f->lock);
	f->st.events++;
	if (k != (ssize_t)sizeof(a))
		f->st.errors++; /* the event was cancelled (e.g. the process was killed) */
	pthread_mutex_unlock(&f->lock);
}

static void *fan_main(void *u)
{
	struct sensor_fan *f = u;
	/* FAN_READ_EVENTS metadata records; the kernel writes whole records only */
	struct fanotify_event_metadata buf[FAN_READ_EVENTS];
	for (;;) {
		struct pollfd p[2] = {{.fd = f->fd, .events = POLLIN},
				      {.fd = f->stop_fd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			/* ENOMEM: try again, never leave events waiting */
			if (errno != EINTR)
				(void)usleep(1000);
			continue;
		}
		if (p[1].revents)
			return NULL; /* closing the group answers what is still waiting */
		for (;;) {
			ssize_t n = read(f->fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (n < 0 && errno != EAGAIN) {
					/* EMFILE/ENFILE/ENOMEM: the kernel denied it */
					pthread_mutex_lock(&f->lock);
					f->st.errors++;
					pthread_mutex_unlock(&f->lock);
					(void)usleep(1000);
				}
				break;
			}
			const struct fanotify_event_metadata *m = buf;
			for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
				if (m->fd < 0)
					continue; /* FAN_Q_OVERFLOW: the kernel allowed those */
				uint32_t resp = FAN_ALLOW;
				if (m->vers == FANOTIFY_METADATA_VERSION &&
				    (m->mask & FAN_OPEN_EXEC_PERM))
					resp = decide(f, m->fd, (int64_t)m->pid);
				if (m->mask &
				    (FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM | FAN_ACCESS_PERM))
					respond(f, m->fd, resp);
				(void)close(m->fd);
			}
		}
	}
}

/* ---- setup ----------------------------------------------------------------------------- */

static void say(char *why, size_t n, const char *s)
{
	if (why && n)
		(void)xsnprintf(why, n, "%s", s);
}

/* Can this group mark anything with FAN_OPEN_EXEC_PERM (Linux 5.0)? Tried on a memfd. */
static int probe_exec_perm(int group)
{
	_cleanup_close_ int mfd = NERRNO(memfd_create("bh-fanotify-probe", MFD_CLOEXEC));
	if (mfd < 0)
		return mfd;
	int r = NERRNO(fanotify_mark(group, FAN_MARK_ADD, FAN_OPEN_EXEC_PERM, mfd, NULL));
	if (r < 0)
		return r;
	return NERRNO(fanotify_mark(group, FAN_MARK_REMOVE, FAN_OPEN_EXEC_PERM, mfd, NULL));
}

int sensor_fan_open(struct sensor_fan **ret, char *why, size_t n)
{
	say(why, n, "");
	int fd = NERRNO(fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK,
				      O_RDONLY | O_LARGEFILE | O_CLOEXEC));
	if (fd < 0) {
		if (fd == -EINVAL || fd == -ENOSYS) {
			say(why, n,
			    "fanotify permission events are not available in this kernel "
			    "(CONFIG_FANOTIFY_ACCESS_PERMISSIONS): executions are killed at "
			    "exec, not denied before");
			return -EOPNOTSUPP;
		}
		say(why, n,
		    fd == -EPERM ? "fanotify permission events need CAP_SYS_ADMIN"
				 : "cannot create a fanotify group");
		return fd;
	}
	int r = probe_exec_perm(fd);
	if (r < 0) {
		(void)close(fd);
		if (r == -EINVAL) {
			say(why, n,
			    "FAN_OPEN_EXEC_PERM is not available in this kernel (Linux 5.0): "
			    "executions are killed at exec, not denied before");
			return -EOPNOTSUPP;
		}
		say(why, n, "cannot place a fanotify mark");
		return r;
	}
	struct sensor_fan *f = calloc(1, sizeof(*f));
	if (!f) {
		(void)close(fd);
		return -ENOMEM;
	}
	f->fd = fd;
	f->stop_fd = -1;
	pthread_mutex_init(&f->lock, NULL);
	struct stat st;
	if (stat("/", &st) == 0)
		f->own_root_dev = st.st_dev;
	f->cgroup_mnt = rt_cgroup2_mount();
	f->stop_fd = NERRNO(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (f->stop_fd < 0) {
		r = f->stop_fd;
		sensor_fan_close(f);
		return r;
	}
	sigset_t all, old;
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&f->thread, NULL, fan_main, f);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		sensor_fan_close(f);
		return r;
	}
	f->started = true;
	say(why, n,
	    "fanotify permission events: executions of files not in the baseline are "
	    "denied before they start (EPERM)");
	*ret = f;
	return 0;
}

/* Mark (or unmark) every mount of pid's mount namespace that allows exec. */
static int mark_mounts(struct sensor_fan *f, int64_t pid, int rootfd, bool add)
{
	char path[64];
	(void)xsnprintf(path, sizeof(path), "/proc/%lld/mountinfo", (long long)pid);
	_cleanup_buf_ struct buf mi;
	buf_init(&mi, 0);
	int r = bh_read_file_at(AT_FDCWD, path, 0, 16 << 20, &mi);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	struct span rest = buf_span(&mi);
	size_t lines = 0;
	for (size_t i = 0; i < mi.len; i++)
		lines += mi.ptr[i] == '\n';
	if (add && lines > SENSOR_FAN_MAX_MOUNTS)
		return -E2BIG;
	struct rt_mount *m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	uint64_t unmarked = 0;
	int ret = 0;
	bool root_marked = false;
	while ((r = rt_mountinfo_next(&rest, m)) != -ENOENT) {
		if (r < 0 || m->noexec)
			continue;
		bool is_root = streq(m->point, "/");
		_cleanup_close_ int pfd = open_in_root(rootfd, m->point, O_PATH);
		struct stat st;
		if (pfd < 0 || fstat(pfd, &st) < 0 ||
		    !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
			unmarked++;
			if (is_root)
				ret = pfd < 0 ? pfd : -ENOTDIR;
			continue;
		}
		/* fanotify_mark() wants a descriptor that is not O_PATH: reopen ours */
		char self[48];
		(void)xsnprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
		_cleanup_close_ int ofd =
		    NERRNO(open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
					  (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0)));
		unsigned flags = add ? FAN_MARK_ADD : FAN_MARK_REMOVE;
		/* the container's own overlay: the whole file system, bind mounts of it included */
		if (is_root && m->overlay && m->whole_root && st.st_dev != f->own_root_dev)
			flags |= FAN_MARK_FILESYSTEM;
		else
			flags |= FAN_MARK_MOUNT;
		r = ofd < 0 ? ofd
			    : NERRNO(fanotify_mark(f->fd, flags, FAN_OPEN_EXEC_PERM, ofd, NULL));
		if (r < 0) {
			unmarked++;
			if (is_root && add)
				ret = r;
		} else if (is_root)
			root_marked = true;
	}
	free(m);
	if (add) {
		pthread_mutex_lock(&f->lock);
		f->st.unmarked += unmarked;
		pthread_mutex_unlock(&f->lock);
		if (ret >= 0 && !root_marked)
			ret = -ENOENT; /* no root in the mount table: nothing is protected */
	}
	return add ? ret : 0;
}

/* The allowed set of a container: files resolved in its root, paths, ELF interpreters. */
/*
 * Ignore marks on the allowed files' inodes: the kernel then raises no permission event for
 * their executions at all, so an allowed exec costs no round trip to this process (the
 * round trip is two cross-CPU wake-ups, ~130 µs per exec on small VMs). A write to a file
 * clears its ignore mark (no FAN_MARK_IGNORED_SURV_MODIFY): its next exec is decided here
 * again. add false removes them (the set changes or the container is no longer protected).
 * Best effort: a file that cannot be marked is decided by decide() as before.
 */
static void ignore_allowed(int group, int rootfd, char *const *paths, size_t n, bool add)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int fd = open_in_root(rootfd, paths[i], O_RDONLY | O_NONBLOCK);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		(void)fanotify_mark(group,
				    (add ? FAN_MARK_ADD : FAN_MARK_REMOVE) | FAN_MARK_IGNORED_MASK,
				    FAN_OPEN_EXEC_PERM, fd, NULL);
	}
}

static int build_allowed(int rootfd, const char *const *exec_paths, size_t n, struct fan_ctr *c)
{
	size_t cap_f = 0, cap_p = 0;
	char interp[FAN_PATH_MAX];
	for (size_t i = 0; i < n; i++) {
		const char *p = exec_paths[i];
		if (!p || p[0] != '/')
			continue; /* a path the kernel's walk cannot name is simply not allowed */
		for (int step = 0; step < 2 && p; step++) {
			if (c->n_paths >= SENSOR_FAN_MAX_PATHS)
				return -E2BIG;
			if (GROW(c->paths, c->n_paths, cap_p) < 0 ||
			    !(c->paths[c->n_paths] = strdup(p)))
				return -ENOMEM;
			c->n_paths++;
			_cleanup_close_ int fd = open_in_root(rootfd, p, O_RDONLY | O_NONBLOCK);
			struct stat st;
			p = NULL;
			if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
				continue; /* not there (now): allowed by path only */
			if (GROW(c->files, c->n_files, cap_f) < 0)
				return -ENOMEM;
			c->files[c->n_files++] = (struct fan_file){st.st_dev, st.st_ino};
			if (step == 0 && elf_interp(fd, interp, sizeof(interp)) == 1 &&
			    interp[0] == '/')
				p = interp;
		}
	}
	if (c->n_files)
		qsort(c->files, c->n_files, sizeof(*c->files), file_cmp);
	size_t w = 0;
	for (size_t i = 0; i < c->n_files; i++)
		if (w == 0 || file_cmp(&c->files[w - 1], &c->files[i]) != 0)
			c->files[w++] = c->files[i];
	c->n_files = w;
	if (c->n_paths)
		qsort(c->paths, c->n_paths, sizeof(char *), str_cmp);
	w = 0;
	for (size_t i = 0; i < c->n_paths; i++) {
		if (w && streq(c->paths[w - 1], c->paths[i]))
			free(c->paths[i]);
		else
			c->paths[w++] = c->paths[i];
	}
	c->n_paths = w;
	return 0;
}

static const char *ctr_key(const struct bh_event *ev)
{
	const char *k = ev->container.full_id ? ev->container.full_id : ev->container.id;
	return k && !streq(k, "host") ? k : NULL;
}

int sensor_fan_protect(struct sensor_fan *f, const struct bh_event *cev, const char *workload,
		       const char *const *exec_paths, size_t n, bool dry_run)
{
	if (!f || !cev || !workload || (n && !exec_paths))
		return -EINVAL;
	if (cev->proc.pid <= 0)
		return -ESRCH;
	struct fan_ctr c = {.pid = cev->proc.pid, .dry_run = dry_run};
	bh_event_init(&c.ev);
	_cleanup_close_ int rootfd = -1;
	int r = rt_pid_cgroup2(cev->proc.pid, &c.cgroup);
	if (r < 0)
		goto fail;
	char root[64];
	(void)xsnprintf(root, sizeof(root), "/proc/%lld/root", (long long)cev->proc.pid);
	rootfd = NERRNO(open(root, O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (rootfd < 0) {
		r = rootfd == -ENOENT ? -ESRCH : rootfd;
		goto fail;
	}
	r = strdup_opt(workload, &c.workload);
	r = r ?: strdup_opt(ctr_key(cev), &c.key);
	r = r ?: rt_container_copy(cev, &c.ev);
	r = r ?: build_allowed(rootfd, exec_paths, n, &c);
	if (r < 0)
		goto fail;
	/* the set first, then the marks: an event in between is decided with it */
	pthread_mutex_lock(&f->lock);
	size_t i = 0;
	while (i < f->n_ctrs && !streq(f->ctrs[i].cgroup, c.cgroup))
		i++;
	if (i == f->n_ctrs && f->n_ctrs == SENSOR_FAN_MAX_CONTAINERS) {
		pthread_mutex_unlock(&f->lock);
		r = -E2BIG;
		goto fail;
	}
	if (i == f->n_ctrs) {
		void *p = reallocarray(f->ctrs, f->n_ctrs + 1, sizeof(*f->ctrs));
		if (!p) {
			pthread_mutex_unlock(&f->lock);
			r = -ENOMEM;
			goto fail;
		}
		f->ctrs = p;
		f->n_ctrs++;
	} else {
		/* the old set's files may no longer be allowed: they are decided here again */
		ignore_allowed(f->fd, rootfd, f->ctrs[i].paths, f->ctrs[i].n_paths, false);
		ctr_done(&f->ctrs[i]);
	}
	f->ctrs[i] = c;
	pthread_mutex_unlock(&f->lock);
	c = (struct fan_ctr){0};
	r = mark_mounts(f, cev->proc.pid, rootfd, true);
	if (r < 0) {
		/* nothing or not everything is marked: do not pretend */
		(void)sensor_fan_unprotect(f, cev);
		return r;
	}
	/* only this thread changes the sets: reading the paths without the lock is safe */
	ignore_allowed(f->fd, rootfd, f->ctrs[i].paths, f->ctrs[i].n_paths, true);
	return 0;
fail:
	ctr_done(&c);
	return r;
}

int sensor_fan_unprotect(struct sensor_fan *f, const struct bh_event *cev)
{
	if (!f || !cev)
		return 0;
	const char *key = ctr_key(cev);
	_cleanup_free_ char *cg = NULL;
	if (!key && (cev->proc.pid <= 0 || rt_pid_cgroup2(cev->proc.pid, &cg) < 0))
		return 0;
	struct fan_ctr c = {0};
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->n_ctrs; i++) {
		const struct fan_ctr *x = &f->ctrs[i];
		if (key ? streq_ptr(x->key, key) : streq(x->cgroup, cg)) {
			c = f->ctrs[i];
			f->ctrs[i] = f->ctrs[--f->n_ctrs];
			break;
		}
	}
	pthread_mutex_unlock(&f->lock);
	if (!c.cgroup)
		return 0;
	/* the marks go with the container's mounts; while it lives, remove them (best effort:
	 * events of a container that is not protected are allowed anyway) */
	int64_t pids[2] = {cev->proc.pid, c.pid};
	for (size_t k = 0; k < ARRAY_SIZE(pids); k++) {
		_cleanup_free_ char *now = NULL;
		if (pids[k] <= 0 || rt_pid_cgroup2(pids[k], &now) < 0 ||
		    !cgroup_within(now, strlen(now), c.cgroup))
			continue;
		char root[64];
		(void)xsnprintf(root, sizeof(root), "/proc/%lld/root", (long long)pids[k]);
		_cleanup_close_ int rootfd = NERRNO(open(root, O_PATH | O_DIRECTORY | O_CLOEXEC));
		if (rootfd < 0)
			continue;
		ignore_allowed(f->fd, rootfd, c.paths, c.n_paths, false);
		if (mark_mounts(f, pids[k], rootfd, false) >= 0)
			break;
	}
	ctr_done(&c);
	return 0;
}

/* Forget containers whose cgroup directory is gone (their marks went with their mounts). */
static void prune(struct sensor_fan *f)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!f->cgroup_mnt || ts.tv_sec - f->last_prune < 5)
		return;
	f->last_prune = ts.tv_sec;
	for (size_t i = 0;;) {
		pthread_mutex_lock(&f->lock);
		if (i >= f->n_ctrs) {
			pthread_mutex_unlock(&f->lock);
			return;
		}
		_cleanup_buf_ struct buf dir;
		buf_init(&dir, 0);
		int r = buf_puts(&dir, f->cgroup_mnt) ?: buf_puts(&dir, f->ctrs[i].cgroup);
		struct fan_ctr gone = {0};
		if (r >= 0 && access(buf_str(&dir), F_OK) < 0 && errno == ENOENT) {
			gone = f->ctrs[i];
			f->ctrs[i] = f->ctrs[--f->n_ctrs];
		} else
			i++;
		pthread_mutex_unlock(&f->lock);
		ctr_done(&gone);
	}
}

int sensor_fan_drain(struct sensor_fan *f, int (*fn)(struct bh_event *ev, void *u), void *u)
{
	if (!f)
		return 0;
	prune(f);
	int ret = 0, count = 0;
	for (;;) {
		pthread_mutex_lock(&f->lock);
		struct bh_event *ev = NULL;
		if (f->q_len) {
			ev = f->queue[f->q_head];
			f->q_head = (f->q_head + 1) % SENSOR_FAN_QUEUE_MAX;
			f->q_len--;
		}
		pthread_mutex_unlock(&f->lock);
		if (!ev)
			break;
		int r = fn ? fn(ev, u) : 0;
		if (r < 0 && ret == 0)
			ret = r;
		count++;
		event_free(ev);
	}
	return ret < 0 ? ret : count;
}

void sensor_fan_get_stats(struct sensor_fan *f, struct sensor_fan_stats *ret)
{
	pthread_mutex_lock(&f->lock);
	*ret = f->st;
	ret->containers = f->n_ctrs;
	pthread_mutex_unlock(&f->lock);
}

void sensor_fan_close(struct sensor_fan *f)
{
	if (!f)
		return;
	if (f->started) {
		uint64_t one = 1;
		/* an eventfd write of 1 cannot fail short of an overflow it cannot reach */
		(void)!write(f->stop_fd, &one, sizeof(one));
		(void)pthread_join(f->thread, NULL);
	}
	/* the kernel allows every event still waiting when the group goes */
	if (f->fd >= 0)
		(void)close(f->fd);
	if (f->stop_fd >= 0)
		(void)close(f->stop_fd);
	for (size_t i = 0; i < f->n_ctrs; i++)
		ctr_done(&f->ctrs[i]);
	free(f->ctrs);
	for (size_t i = 0; i < f->q_len; i++)
		event_free(f->queue[(f->q_head + i) % SENSOR_FAN_QUEUE_MAX]);
	free(f->cgroup_mnt);
	pthread_mutex_destroy(&f->lock);
	free(f);
}
