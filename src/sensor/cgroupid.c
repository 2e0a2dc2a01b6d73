/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroupid.c — cgroup kernfs id -> path (see cgroupid.h). The hierarchy's mount is found
 * in mountinfo (mount point, and the root within the hierarchy that it shows); the walk is
 * bounded in depth and in entries, opens directories relative to their parent with
 * O_NOFOLLOW, and keeps one hash table from id to path.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "sensor/cgroupid.h"

#define NBUCKETS  4096
#define MAX_DEPTH 16

struct cgent {
	struct cgent *next;
	uint64_t id;
	char *path;
};

struct sensor_cgmap {
	int subsys;
	char *mount; /* where the hierarchy is mounted */
	char *root;  /* the hierarchy path the mount shows ("/" usually) */
	struct cgent *bucket[NBUCKETS];
	size_t n;
	uint64_t last_scan_ns;
	bool scanned;
};

static void clear(struct sensor_cgmap *m)
{
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct cgent *e = m->bucket[i];
		while (e) {
			struct cgent *next = e->next;
			free(e->path);
			free(e);
			e = next;
		}
		m->bucket[i] = NULL;
	}
	m->n = 0;
}

void sensor_cgmap_free(struct sensor_cgmap *m)
{
	if (!m)
		return;
	clear(m);
	free(m->mount);
	free(m->root);
	free(m);
}

int sensor_cgmap_subsys(const struct sensor_cgmap *m)
{
	return m->subsys;
}

static int read_small(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 20);
	char chunk[4096];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		int r = buf_append(&b, chunk, (size_t)n);
		if (r < 0)
			return r;
	}
	*ret_len = b.len;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

/* The subsystem id (line index in /proc/cgroups) of name if it has a v1 hierarchy. */
static int v1_subsys(struct span cgroups, const char *name)
{
	struct span line;
	int idx = -1;
	while (span_next_line(&cgroups, &line) == 0) {
		if (span_startswith(line, "#"))
			continue;
		idx++;
		struct span f = line, subsys, hier;
		if (span_next_token(&f, '\t', &subsys) < 0 || span_next_token(&f, '\t', &hier) < 0)
			continue;
		if (span_eq_str(subsys, name))
			return span_eq_str(hier, "0") ? -ENOENT : idx;
	}
	return -ENOENT;
}

/*
 * The mountinfo line of a cgroup mount: for v2 (want == NULL) the cgroup2 mount, else a
 * cgroup mount whose super options list want. Fills mount point and root.
 */
static int find_mount(struct span info, const char *want, char **ret_mount, char **ret_root)
{
	struct span line;
	while (span_next_line(&info, &line) == 0) {
		struct span f = line, tok, root = SPAN_NULL, mnt = SPAN_NULL;
		/* id parent major:minor root mountpoint options [optional...] - fstype source super
		 */
		for (int i = 0; i < 5 && span_next_token(&f, ' ', &tok) == 0; i++) {
			if (i == 3)
				root = tok;
			if (i == 4)
				mnt = tok;
		}
		/* the optional fields end at " - " */
		const char *sep = memmem(line.ptr, line.len, " - ", 3);
		if (!sep)
			continue;
		struct span tail = span_make(sep + 3, line.len - (size_t)(sep + 3 - line.ptr));
		struct span fstype, source, super;
		if (span_next_token(&tail, ' ', &fstype) < 0 ||
		    span_next_token(&tail, ' ', &source) < 0 ||
		    span_next_token(&tail, ' ', &super) < 0)
			continue;
		if (!want) {
			if (!span_eq_str(fstype, "cgroup2"))
				continue;
		} else {
			if (!span_eq_str(fstype, "cgroup"))
				continue;
			bool found = false;
			struct span opt;
			while (span_next_token(&super, ',', &opt) == 0)
				if (span_eq_str(opt, want))
					found = true;
			if (!found)
				continue;
		}
		/* mountinfo escapes spaces as \040: cgroup mount points have none; refuse them */
		if (memchr(mnt.ptr, '\\', mnt.len) || memchr(root.ptr, '\\', root.len))
			continue;
		*ret_mount = span_dup(mnt);
		*ret_root = span_dup(root);
		if (!*ret_mount || !*ret_root) {
			free(*ret_mount);
			free(*ret_root);
			return -ENOMEM;
		}
		return 0;
	}
	return -ENOENT;
}

/* proc_root/name, read whole. */
static int read_proc(const char *proc_root, const char *name, char **ret, size_t *ret_len)
{
	char path[4096];
	int r = xsnprintf(path, sizeof(path), "%s/%s", proc_root, name);
	return r < 0 ? r : read_small(path, ret, ret_len);
}

int sensor_cgroup2_mount(const char *proc_root, char **ret)
{
	_cleanup_free_ char *info = NULL, *root = NULL;
	size_t info_len = 0;
	int r = read_proc(proc_root, "self/mountinfo", &info, &info_len);
	if (r < 0)
		return r;
	return find_mount(span_make(info, info_len), NULL, ret, &root);
}

int sensor_cgmap_new(const char *proc_root, struct sensor_cgmap **ret)
{
	_cleanup_free_ char *info = NULL, *cgroups = NULL;
	size_t info_len = 0, cgroups_len = 0;
	int r = read_proc(proc_root, "self/mountinfo", &info, &info_len);
	if (r < 0)
		return r;
	_cleanup_(sensor_cgmap_freep) struct sensor_cgmap *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->subsys = -1;
	r = find_mount(span_make(info, info_len), NULL, &m->mount, &m->root);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !streq(m->mount, "/sys/fs/cgroup")) {
		/* not unified: a v1 controller */
		free(m->mount);
		free(m->root);
		m->mount = m->root = NULL;
		r = read_proc(proc_root, "cgroups", &cgroups, &cgroups_len);
		if (r < 0)
			return r;
		static const char *const prefer[] = {"pids", "memory", "cpu", "devices", "freezer"};
		r = -ENOENT;
		for (size_t i = 0; i < ARRAY_SIZE(prefer) && r < 0; i++) {
			int ss = v1_subsys(span_make(cgroups, cgroups_len), prefer[i]);
			if (ss < 0)
				continue;
			r = find_mount(span_make(info, info_len), prefer[i], &m->mount, &m->root);
			if (r == -ENOMEM)
				return r;
			if (r == 0)
				m->subsys = ss;
		}
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(m);
	return 0;
}

static int add(struct sensor_cgmap *m, uint64_t id, const char *path)
{
	if (m->n >= SENSOR_CGMAP_MAX)
		return -E2BIG;
	struct cgent *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->id = id;
	e->path = strdup(path);
	if (!e->path) {
		free(e);
		return -ENOMEM;
	}
	struct cgent **b = &m->bucket[id % NBUCKETS];
	for (struct cgent *o = *b; o; o = o->next)
		if (o->id == id) {
			free(e->path);
			free(e);
			return 0; /* known already */
		}
	e->next = *b;
	*b = e;
	m->n++;
	return 0;
}

/* Walk the directory dfd (whose hierarchy path is in rel) and add every cgroup below. */
static int walk(struct sensor_cgmap *m, int dfd, struct buf *rel, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return 0;
	int fd2 = dup(dfd);
	if (fd2 < 0)
		return -errno;
	DIR *d = fdopendir(fd2);
	if (!d) {
		int r = -errno;
		(void)close(fd2);
		return r;
	}
	int r = 0;
	struct dirent *de;
	while (r >= 0 && (de = readdir(d))) {
		if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue; /* removed meanwhile */
		struct stat st;
		size_t keep = rel->len;
		if (fstat(sub, &st) == 0) {
			r = (rel->len > 1 ? buf_putc(rel, '/') : 0) ?: buf_puts(rel, de->d_name);
			if (r >= 0)
				r = add(m, (uint64_t)st.st_ino, buf_str(rel));
			if (r >= 0)
				r = walk(m, sub, rel, depth + 1);
			if (r == -E2BIG)
				r = 0; /* a huge tree: keep what fit */
		}
		rel->len = keep;
		if (rel->ptr)
			rel->ptr[keep] = '\0';
		(void)close(sub);
	}
	(void)closedir(d);
	return r;
}

/* Add what the hierarchy holds now; learnt ids stay (their cgroups may be gone). */
static int rescan(struct sensor_cgmap *m)
{
	_cleanup_close_ int fd = open(m->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	int r = add(m, (uint64_t)st.st_ino, m->root);
	if (r < 0)
		return r;
	_cleanup_buf_ struct buf rel;
	buf_init(&rel, 8192);
	r = buf_puts(&rel, m->root);
	if (r < 0)
		return r;
	return walk(m, fd, &rel, 0);
}

static struct cgent *find_ent(struct sensor_cgmap *m, uint64_t id)
{
	for (struct cgent *e = m->bucket[id % NBUCKETS]; e; e = e->next)
		if (e->id == id)
			return e;
	return NULL;
}

int sensor_cgmap_learn(struct sensor_cgmap *m, uint64_t id, const char *path)
{
	struct cgent *e = find_ent(m, id);
	if (e) {
		if (streq(e->path, path))
			return 0;
		char *p = strdup(path);
		if (!p)
			return -ENOMEM;
		free(e->path);
		e->path = p;
		return 0;
	}
	return add(m, id, path);
}

static const char *find(struct sensor_cgmap *m, uint64_t id)
{
	for (struct cgent *e = m->bucket[id % NBUCKETS]; e; e = e->next)
		if (e->id == id)
			return e->path;
	return NULL;
}

const char *sensor_cgmap_lookup(struct sensor_cgmap *m, uint64_t id, uint64_t now_ns)
{
	if (!id)
		return NULL;
	const char *p = find(m, id);
	if (p)
		return p;
	if (m->scanned && now_ns - m->last_scan_ns < SENSOR_CGMAP_RESCAN_NS)
		return NULL;
	m->scanned = true;
	m->last_scan_ns = now_ns;
	if (rescan(m) < 0)
		log_debug("cannot scan the cgroup hierarchy at '%s', ignoring", m->mount);
	return find(m, id);
}
