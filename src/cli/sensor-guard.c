/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor-guard.c — the sensor's side of behaviour baselines (runtime.h hooks) for `bulkhead
 * sensor run --mode`: the cgroup of a container (from /proc/PID/cgroup of one of its
 * processes), its syscall set recorded in the kernel and fed to the controller, and protect
 * mode programmed into the kernel from a baseline (src/sensor/enforce.h):
 *
 *   exec     every exec fact's path is allowed; any other executable is killed at exec
 *   write    the system directories (BH_GUARD_DIRS) are protected, except those under which
 *            the baseline holds a written path (the workload writes there by design)
 *   connect  every peer fact with an address is allowed (its port); a baseline with a
 *            collapsed peer ("tcp/ANY:443") cannot be expressed as an allow-list, so
 *            connects of that workload are monitored, not blocked (logged once)
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/sensor-guard.h"
#include "common/fileio.h"
#include "runtime/fanotify.h"
#include "runtime/procfs.h"
#include "sensor/enforce.h"

/* Protected against writes unless the baseline writes below them. */
static const char *const guard_dirs[] = {
	"/bin", "/sbin", "/usr", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/boot", "/root",
};

/*
 * The cgroup v2 id of pid (what bpf_get_current_cgroup_id() returns and the enforcement and
 * syscall maps are keyed by): the inode number of its directory under the cgroup2 mount. A
 * process in the root cgroup has none of its own (-EOPNOTSUPP: protecting it would protect
 * every process). Its directory goes to *ret_dir (malloc'd) when ret_dir is not NULL.
 */
static int cgroup_of_pid(int64_t pid, uint64_t *ret, char **ret_dir)
{
	if (pid <= 0)
		return -ESRCH;
	_cleanup_free_ char *cg = NULL, *mnt = NULL;
	int r = rt_pid_cgroup2(pid, &cg);
	if (r < 0)
		return r;
	mnt = rt_cgroup2_mount();
	if (!mnt)
		return -EOPNOTSUPP;
	_cleanup_buf_ struct buf dir;
	buf_init(&dir, 0);
	if (buf_puts(&dir, mnt) < 0 || buf_puts(&dir, cg) < 0)
		return -ENOMEM;
	r = sensor_cgroup_id(buf_str(&dir), ret);
	if (r >= 0 && ret_dir && !(*ret_dir = buf_take(&dir)))
		r = -ENOMEM;
	return r;
}

static const char *ctr_key(const struct bh_event *ev)
{
	if (ev->container.full_id && *ev->container.full_id)
		return ev->container.full_id;
	return ev->container.id;
}

/*
 * The cgroup of a container: the one guard_seen found for it while its directory still has
 * that id (a container restarted under the same id has a new one), else the cgroup of
 * cev's process (-ESRCH when it is gone: the controller tries again with a later event).
 * Protecting and unprotecting then need no live process of the container.
 */
static int container_cgroup(const struct sensor_guard *g, const struct bh_event *cev, uint64_t *ret)
{
	const char *k = ctr_key(cev);
	for (size_t i = 0; k && i < g->n; i++) {
		const struct sensor_guard_tracked *t = &g->t[i];
		const char *tk = ctr_key(&t->ev);
		uint64_t now_id;
		if (tk && streq(tk, k) && sensor_cgroup_id(t->dir, &now_id) >= 0 &&
		    now_id == t->cgroup) {
			*ret = t->cgroup;
			return 0;
		}
	}
	return cgroup_of_pid(cev->proc.pid, ret, NULL);
}

/*
 * A process of cev's container now: the first pid of its cgroup's cgroup.procs. The event that
 * led to protecting a container may be from a process gone since (a mode switch read from the
 * store acts on the container's last event), and fanotify reaches the container's root through
 * a live one. 0, -ESRCH (no process, or the container is not tracked), -errno.
 */
static int container_live_pid(const struct sensor_guard *g, const struct bh_event *cev,
			      int64_t *ret)
{
	const char *k = ctr_key(cev), *dir = NULL;
	for (size_t i = 0; k && i < g->n && !dir; i++) {
		const char *tk = ctr_key(&g->t[i].ev);
		if (tk && streq(tk, k))
			dir = g->t[i].dir;
	}
	if (!dir)
		return -ESRCH;
	_cleanup_close_ int dfd = NERRNO(open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (dfd < 0)
		return dfd == -ENOENT ? -ESRCH : dfd;
	_cleanup_close_ int fd = NERRNO(openat(dfd, "cgroup.procs", O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return fd == -ENOENT ? -ESRCH : fd;
	_cleanup_buf_ struct buf b;
	buf_init(&b, (size_t)1 << 20);
	int r = bh_read_fd(fd, (size_t)1 << 20, &b);
	if (r < 0 && r != -E2BIG)
		return r;
	struct span rest = buf_span(&b), line;
	while (span_next_line(&rest, &line) == 0) {
		uint64_t pid;
		if (parse_u64(line, 10, INT32_MAX, &pid) >= 0 && pid > 0) {
			*ret = (int64_t)pid;
			return 0;
		}
	}
	return -ESRCH;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static int guard_protect(void *u, const struct bh_event *cev, const struct baseline *b, bool dry_run)
{
	struct sensor_guard *g = u;
	if (!g->enforce)
		return -EOPNOTSUPP;
	uint64_t cg;
	int r = container_cgroup(g, cev, &cg);
	if (r < 0)
		return r;
	unsigned flags = dry_run ? SENSOR_PROTECT_DRY_RUN : 0;
	/* exec: the baseline's executables */
	const struct baseline_set *ex = &b->sets[BASELINE_EXEC];
	for (size_t i = 0; i < ex->n && r >= 0; i++)
		if (ex->v[i].a && (r = sensor_allow_exec(g->s, cg, ex->v[i].a)) == -EINVAL)
			r = 0; /* a path the kernel's walk cannot name is simply not allowed */
	if (r < 0)
		return r;
	if (ex->n)
		flags |= SENSOR_PROTECT_EXEC;
	/* and before they start: fanotify denies other executables with EPERM (fanotify.h) */
	if (g->fan && ex->n) {
		const char **paths = calloc(ex->n, sizeof(*paths));
		if (!paths)
			return -ENOMEM;
		size_t np = 0;
		for (size_t i = 0; i < ex->n; i++)
			if (ex->v[i].a)
				paths[np++] = ex->v[i].a;
		int fr = sensor_fan_protect(g->fan, cev, b->workload, paths, np, dry_run);
		int64_t pid;
		if (fr == -ESRCH && container_live_pid(g, cev, &pid) >= 0) {
			struct bh_event alive = *cev; /* borrowed fields: not freed */
			alive.proc.pid = pid;
			fr = sensor_fan_protect(g->fan, &alive, b->workload, paths, np, dry_run);
		}
		free(paths);
		if (fr < 0)
			log_warning("%s: executions are not denied before they start (%s); they are "
				    "killed at exec",
				    b->workload, strerror(-fr));
	}
	/* write: system directories the workload never writes below */
	const struct baseline_set *wr = &b->sets[BASELINE_FILE_WRITE];
	for (size_t d = 0; d < ARRAY_SIZE(guard_dirs) && r >= 0; d++) {
		bool written = false;
		for (size_t i = 0; i < wr->n && !written; i++)
			written = wr->v[i].a && under(wr->v[i].a, guard_dirs[d]);
		if (written)
			continue;
		r = sensor_protect_dir(g->s, cg, guard_dirs[d]);
		if (r >= 0)
			flags |= SENSOR_PROTECT_WRITE;
	}
	if (r < 0)
		return r;
	/* connect: the baseline's peers, unless one is collapsed to any address */
	const struct baseline_set *pe = &b->sets[BASELINE_PEER];
	bool exact = true;
	for (size_t i = 0; i < pe->n && exact; i++)
		exact = pe->v[i].a && !streq(pe->v[i].a, "*");
	for (size_t i = 0; exact && i < pe->n && r >= 0; i++) {
		unsigned char addr[16];
		if (inet_pton(AF_INET, pe->v[i].a, addr) == 1)
			r = sensor_allow_peer(g->s, cg, AF_INET, addr, pe->v[i].port);
		else if (inet_pton(AF_INET6, pe->v[i].a, addr) == 1)
			r = sensor_allow_peer(g->s, cg, AF_INET6, addr, pe->v[i].port);
	}
	if (r < 0)
		return r;
	if (exact)
		flags |= SENSOR_PROTECT_CONNECT;
	else if (!g->warned_peers) {
		g->warned_peers = true;
		log_notice("%s: the baseline has collapsed peers (any address on a port): its "
			   "connects are monitored, not blocked",
			   b->workload);
	}
	if (!(flags & (SENSOR_PROTECT_EXEC | SENSOR_PROTECT_WRITE | SENSOR_PROTECT_CONNECT)))
		return 0;
	r = sensor_protect_cgroup(g->s, cg, flags);
	if (r >= 0)
		log_info("%s: container %s (cgroup %llu) protected:%s%s%s%s", b->workload,
			 cev->container.id ? cev->container.id : "?", (unsigned long long)cg,
			 flags & SENSOR_PROTECT_EXEC ? " exec" : "",
			 flags & SENSOR_PROTECT_WRITE ? " write" : "",
			 flags & SENSOR_PROTECT_CONNECT ? " connect" : "",
			 dry_run ? " (dry run)" : "");
	return r;
}

static int guard_unprotect(void *u, const struct bh_event *cev)
{
	struct sensor_guard *g = u;
	int64_t pid;
	if (g->fan && cev->proc.pid > 0 && kill((pid_t)cev->proc.pid, 0) < 0 &&
	    container_live_pid(g, cev, &pid) >= 0) {
		/* the marks are removed through a live process's root */
		struct bh_event alive = *cev; /* borrowed fields: not freed */
		alive.proc.pid = pid;
		(void)sensor_fan_unprotect(g->fan, &alive);
	} else if (g->fan) {
		(void)sensor_fan_unprotect(g->fan, cev);
	}
	if (!g->enforce)
		return 0;
	uint64_t cg;
	int r = container_cgroup(g, cev, &cg);
	if (r >= 0)
		r = sensor_unprotect_cgroup(g->s, cg);
	return r == -ENOENT || r == -ESRCH ? 0 : r;
}

static int guard_seen(void *u, const struct bh_event *cev)
{
	struct sensor_guard *g = u;
	if (!g->syscalls || g->n == SENSOR_GUARD_MAX_TRACKED)
		return 0;
	uint64_t cg;
	_cleanup_free_ char *dir = NULL;
	int r = cgroup_of_pid(cev->proc.pid, &cg, &dir);
	if (r < 0)
		return r; /* -ESRCH, gone already: the controller tries again with a later event */
	for (size_t i = 0; i < g->n; i++)
		if (g->t[i].cgroup == cg)
			return 0;
	r = sensor_track_syscalls(g->s, cg, true);
	if (r < 0)
		return r;
	struct sensor_guard_tracked *t = &g->t[g->n];
	*t = (struct sensor_guard_tracked){ .cgroup = cg, .dir = TAKE_PTR(dir) };
	r = rt_container_copy(cev, &t->ev);
	if (r < 0) {
		(void)sensor_track_syscalls(g->s, cg, false);
		return r;
	}
	g->n++;
	return 0;
}

int sensor_guard_init(struct sensor_guard *g, struct sensor_session *s, bool enforce,
		      bool syscalls, struct rt_hooks *ret_hooks)
{
	*g = (struct sensor_guard){ .s = s, .enforce = enforce, .syscalls = syscalls };
	g->t = calloc(SENSOR_GUARD_MAX_TRACKED, sizeof(*g->t));
	if (!g->t)
		return -ENOMEM;
	*ret_hooks = (struct rt_hooks){
		.u = g,
		.protect = guard_protect,
		.unprotect = guard_unprotect,
		.container_seen = guard_seen,
	};
	return 0;
}

static void drop(struct sensor_guard *g, size_t i)
{
	(void)sensor_track_syscalls(g->s, g->t[i].cgroup, false);
	bh_event_done(&g->t[i].ev);
	free(g->t[i].dir);
	g->t[i] = g->t[--g->n];
}

int sensor_guard_tick(struct sensor_guard *g, struct rt *rt, struct cli_alerting *al, int64_t now)
{
	if (!g->syscalls || now - g->last_read < 5)
		return 0;
	g->last_read = now;
	for (size_t i = 0; i < g->n;) {
		struct sensor_guard_tracked *t = &g->t[i];
		uint64_t bm[8];
		int r = sensor_syscalls_read(g->s, t->cgroup, bm);
		if (r < 0 || access(t->dir, F_OK) < 0) {
			drop(g, i); /* the container is gone (or its set): stop watching it */
			continue;
		}
		const char *names[512];
		size_t n = 0;
		char unknown[512][20];
		for (uint32_t nr = 0; nr < 512; nr++) {
			uint64_t bit = 1ull << (nr % 64);
			if (!(bm[nr / 64] & bit) || (t->seen[nr / 64] & bit))
				continue;
			const char *nm = sensor_syscall_name(nr);
			if (!nm) {
				(void)xsnprintf(unknown[n], sizeof(unknown[n]), "syscall_%u", nr);
				nm = unknown[n];
			}
			names[n++] = nm;
		}
		i++;
		if (n == 0)
			continue;
		struct bh_event ev;
		r = rt_container_copy(&t->ev, &ev);
		if (r < 0)
			return r;
		memcpy(ev.type, "syscalls", sizeof("syscalls"));
		ev.ts = (uint64_t)now * 1000000000u;
		r = rt_observe_syscalls(rt, &ev, names, n, now);
		if (r > 0 && al)
			r = cli_alerting_eval(al, &ev);
		bh_event_done(&ev);
		if (r < 0)
			return r;
		for (size_t w = 0; w < 8; w++)
			t->seen[w] |= bm[w];
	}
	return 0;
}

void sensor_guard_done(struct sensor_guard *g)
{
	for (size_t i = 0; i < g->n; i++) {
		bh_event_done(&g->t[i].ev);
		free(g->t[i].dir);
	}
	free(g->t);
	*g = (struct sensor_guard){ 0 };
}
