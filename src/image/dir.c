/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dir.c — read an unpacked root file system (dir:ROOTFS) into the file index.
 *
 * Every open is relative to the parent directory's fd with O_NOFOLLOW, so a symlink in
 * the tree is recorded as data and never followed out of ROOTFS. The walk stays on one
 * file system (like find -xdev): mount points below ROOTFS (a live /proc) are skipped.
 * The walk is iterative; its depth and the number of entries are bounded by limits.
 * img_dir_visit() then gives every regular file's bytes to a visitor (secret scanning),
 * opening each beneath the root with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS).
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "common/fileio.h"
#include "image/catalogers/catalog.h"
#include "image/image-int.h"

struct level {
	DIR *d;
	size_t prefix_len; /* length of the path of this directory inside the root */
};

static int read_content(int dirfd, const char *name, const struct stat *st, struct img_file *f,
			const struct bh_limits *l)
{
	_cleanup_close_ int fd = NERRNO(openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
	if (fd < 0)
		return fd;
	struct buf b;
	buf_init(&b, l->capture_max_bytes);
	int r = bh_read_fd(fd, l->capture_max_bytes, &b);
	if (r < 0) {
		buf_done(&b);
		return r;
	}
	size_t len = b.len;
	unsigned char *data = (unsigned char *)buf_take(&b);
	if (!data)
		return -ENOMEM;
	return img_capture_store(f, span_from(f->path), f->mode, data, len, -1, l);
}

int img_dir_read(const char *root, const struct bh_limits *l, struct img_fs *fs,
		 struct bh_diag *reterr_diag)
{
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		int r = -errno;
		bh_diag_set(reterr_diag, root, 0, 0, "cannot open directory: %s", strerror(errno));
		return r;
	}
	struct stat rst;
	if (fstat(rootfd, &rst) < 0) {
		int r = -errno;
		close(rootfd);
		return r;
	}
	DIR *d0 = fdopendir(rootfd);
	if (!d0) {
		int r = -errno;
		close(rootfd);
		return r;
	}
	struct level *stack = NULL;
	size_t depth = 0, cap = 0;
	struct buf path;
	buf_init(&path, l->path_max_bytes + 1);
	int r = GROW(stack, depth, cap);
	if (r < 0) {
		closedir(d0);
		return r;
	}
	stack[depth++] = (struct level){ d0, 0 };
	uint64_t entries = 0;

	while (depth > 0 && r >= 0) {
		struct level *top = &stack[depth - 1];
		errno = 0;
		struct dirent *de = readdir(top->d);
		if (!de) {
			if (errno) {
				r = -errno;
				bh_diag_set(reterr_diag, root, 0, 0, "cannot read directory '%s': %s",
					    path.len ? path.ptr : ".", strerror(errno));
				break;
			}
			closedir(top->d);
			depth--;
			continue;
		}
		const char *name = de->d_name;
		if (streq(name, ".") || streq(name, ".."))
			continue;
		int dfd = dirfd(top->d);
		path.len = top->prefix_len;
		if (path.ptr)
			path.ptr[path.len] = '\0';
		if ((path.len && buf_putc(&path, '/') < 0) || buf_puts(&path, name) < 0) {
			bh_diag_set(reterr_diag, root, 0, 0, "path longer than %llu bytes (path-max-bytes)",
				    (unsigned long long)l->path_max_bytes);
			r = -E2BIG;
			break;
		}
		if (++entries > l->max_entries) {
			bh_diag_set(reterr_diag, root, 0, 0, "more than %llu files (max-entries)",
				    (unsigned long long)l->max_entries);
			r = -E2BIG;
			break;
		}
		struct stat st;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			log_debug("cannot stat '%s': %m, ignoring", path.ptr);
			continue;
		}
		struct img_file f = {
			.mode = (uint32_t)st.st_mode & 07777,
			.uid = st.st_uid,
			.gid = st.st_gid,
			.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0,
			.mtime = st.st_mtime,
			.layer = -1,
		};
		f.path = strdup(path.ptr);
		if (!f.path) {
			r = -ENOMEM;
			break;
		}
		bool descend = false;
		if (S_ISDIR(st.st_mode)) {
			f.type = IMG_FT_DIR;
			descend = st.st_dev == rst.st_dev;
			if (!descend)
				log_debug("'%s' is a mount point, not descending", path.ptr);
		} else if (S_ISLNK(st.st_mode)) {
			f.type = IMG_FT_SYMLINK;
			char target[4096];
			ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
			if (n < 0)
				n = 0;
			target[n] = '\0';
			f.link = strdup(target);
			if (!f.link) {
				img_file_done(&f);
				r = -ENOMEM;
				break;
			}
		} else if (S_ISREG(st.st_mode)) {
			f.type = IMG_FT_REG;
			unsigned want = img_want_for(span_from(f.path), f.mode, f.size);
			if ((want & IMG_WANT_CONTENT) && f.size <= l->capture_max_bytes) {
				r = read_content(dfd, name, &st, &f, l);
				if (r == -ENOMEM) {
					img_file_done(&f);
					break;
				}
				if (r < 0)
					log_warning_errno(r, "cannot read '%s/%s': %m, ignoring", root, f.path);
				r = 0;
			}
		} else if (S_ISCHR(st.st_mode))
			f.type = IMG_FT_CHAR;
		else if (S_ISBLK(st.st_mode))
			f.type = IMG_FT_BLOCK;
		else if (S_ISFIFO(st.st_mode))
			f.type = IMG_FT_FIFO;
		else
			f.type = IMG_FT_OTHER;
		r = img_fs_add_take(fs, &f);
		if (r < 0) {
			if (r == -E2BIG)
				bh_diag_set(reterr_diag, root, 0, 0, "more than %llu files (max-entries)",
					    (unsigned long long)l->max_entries);
			break;
		}
		if (!descend)
			continue;
		if (depth >= l->path_max_depth) {
			bh_diag_set(reterr_diag, root, 0, 0,
				    "directory '%.200s' is deeper than %llu levels (path-max-depth)",
				    path.ptr, (unsigned long long)l->path_max_depth);
			r = -E2BIG;
			break;
		}
		int cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			log_warning("cannot open directory '%s/%s': %m, ignoring", root, path.ptr);
			continue;
		}
		DIR *cd = fdopendir(cfd);
		if (!cd) {
			close(cfd);
			r = -ENOMEM;
			break;
		}
		r = GROW(stack, depth, cap);
		if (r < 0) {
			closedir(cd);
			break;
		}
		stack[depth++] = (struct level){ cd, path.len };
	}
	for (size_t i = 0; i < depth; i++)
		closedir(stack[i].d);
	free(stack);
	buf_done(&path);
	return r < 0 ? r : 0;
}

/* ---- visiting every regular file (secret scanning) ---------------------------------- */

struct dir_visit {
	int rootfd;
	const struct img_fs *fs;
	const struct img_visitor *v;
	size_t next;	 /* atomic: next index into fs */
	int err;	 /* atomic: first failure; the other workers stop */
	pthread_mutex_t lock;
	struct bh_diag *diag;
};

enum { VISIT_BUF = 256 * 1024 };

/* Feed one file. 0, or -errno from the visitor (open/read failures only warn). */
static int visit_one(struct dir_visit *d, void *state, const struct img_file *f,
		     unsigned char *buf)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	int r = d->v->file_begin(state, f->path, f->mode, f->size);
	if (r <= 0)
		return r;
	_cleanup_close_ int fd = NERRNO((int)syscall(SYS_openat2, d->rootfd, f->path, &how,
						     sizeof(how)));
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)))
		fd = -EBADF;
	if (fd < 0)
		log_warning("%s: skipped, cannot open: %s", f->path, strerror(-fd));
	for (r = 0; fd >= 0 && r == 0;) {
		ssize_t n = read(fd, buf, VISIT_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_warning("%s: skipped the rest, cannot read: %m", f->path);
			break;
		}
		if (n == 0)
			break;
		r = d->v->file_data(state, buf, (size_t)n);
	}
	if (r >= 0)
		r = d->v->file_end(state);
	return r < 0 ? r : 0;
}

static void *visit_worker(void *arg)
{
	struct dir_visit *d = arg;
	void *state = NULL;
	unsigned char *buf = malloc(VISIT_BUF);
	int r = buf ? d->v->stream_begin(d->v->userdata, -1, NULL, &state) : -ENOMEM;
	bool began = r == 0;
	const struct img_file *f = NULL;
	size_t n = img_fs_count(d->fs);
	while (r == 0 && !__atomic_load_n(&d->err, __ATOMIC_RELAXED)) {
		size_t i = __atomic_fetch_add(&d->next, 1, __ATOMIC_RELAXED);
		if (i >= n)
			break;
		f = img_fs_at(d->fs, i);
		if (f->type == IMG_FT_REG)
			r = visit_one(d, state, f, buf);
	}
	if (began)
		d->v->stream_end(state, r);
	if (r < 0) {
		pthread_mutex_lock(&d->lock);
		if (!d->err) {
			d->err = r;
			bh_diag_set(d->diag, f ? f->path : "", 0, 0, "cannot scan: %s", strerror(-r));
		}
		pthread_mutex_unlock(&d->lock);
	}
	free(buf);
	return NULL;
}

int img_dir_visit(const char *root, const struct img_fs *fs, const struct bh_limits *l,
		  const struct img_visitor *v, struct bh_diag *reterr_diag)
{
	struct dir_visit d = { .fs = fs, .v = v, .diag = reterr_diag };
	d.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d.rootfd < 0) {
		int r = -errno;
		bh_diag_set(reterr_diag, root, 0, 0, "cannot open directory: %s", strerror(errno));
		return r;
	}
	pthread_mutex_init(&d.lock, NULL);
	unsigned want = l->threads ? (unsigned)l->threads : (unsigned)get_nprocs();
	want = want < 1 ? 1 : want > 64 ? 64 : want;
	pthread_t thr[64];
	unsigned started = 0;
	for (; started < want; started++)
		if (pthread_create(&thr[started], NULL, visit_worker, &d) != 0)
			break;
	if (started == 0)
		visit_worker(&d);
	for (unsigned i = 0; i < started; i++)
		pthread_join(thr[i], NULL);
	pthread_mutex_destroy(&d.lock);
	close(d.rootfd);
	return d.err;
}
