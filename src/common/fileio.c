/* SPDX-License-Identifier: Apache-2.0 */
/* fileio.c — see fileio.h. */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/common.h"
#include "common/fileio.h"

int bh_read_fd(int fd, size_t max, struct buf *ret)
{
	size_t start = ret->len;
	for (;;) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		if (ret->len - start + (size_t)n > max)
			return -E2BIG;
		int r = buf_append(ret, chunk, (size_t)n);
		if (r < 0)
			return r;
	}
}

int bh_read_file_at(int dirfd, const char *path, int flags, size_t max, struct buf *ret)
{
	_cleanup_close_ int fd = NERRNO(openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | flags));
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	if ((uint64_t)st.st_size > max)
		return -E2BIG;
	return bh_read_fd(fd, max, ret);
}

int bh_output_open(struct bh_output *o, const char *path)
{
	*o = (struct bh_output){ .fd = STDOUT_FILENO };
	if (!path || streq(path, "-")) {
		o->f = open_memstream(&o->mem, &o->memlen);
		return o->f ? 0 : -ENOMEM;
	}
	/*
	 * An existing file that is not a regular file (/dev/null, a FIFO, a terminal) is
	 * written in place, never replaced by a rename: the document is kept in memory and
	 * written whole at commit, as for stdout.
	 */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		o->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (o->fd < 0)
			return -errno;
		o->f = open_memstream(&o->mem, &o->memlen);
		if (!o->f) {
			(void)close(o->fd);
			o->fd = -1;
			return -ENOMEM;
		}
		return 0;
	}
	o->path = strdup(path);
	struct buf b;
	buf_init(&b, 8192);
	int r = buf_printf(&b, "%s.tmp-XXXXXX", path);
	if (r < 0) {
		buf_done(&b);
		free(o->path);
		o->path = NULL;
		return r;
	}
	o->tmp = buf_take(&b);
	if (!o->path || !o->tmp) {
		bh_output_abort(o);
		return -ENOMEM;
	}
	int fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(o->tmp);
		o->tmp = NULL;
		bh_output_abort(o);
		return r;
	}
	(void)fchmod(fd, 0644 & ~0022);
	o->f = fdopen(fd, "w");
	if (!o->f) {
		r = -errno;
		(void)close(fd);
		bh_output_abort(o);
		return r;
	}
	/* Reports are written in many small pieces: fewer, larger write(2)s. */
	(void)setvbuf(o->f, NULL, _IOFBF, 256 * 1024);
	return 0;
}

int bh_output_commit(struct bh_output *o)
{
	int r = 0;
	if (!o->f)
		return -EINVAL;
	if (!o->path) {
		if (fclose(o->f) != 0)
			r = -ENOMEM;
		o->f = NULL;
		if (r == 0) {
			size_t off = 0;
			while (off < o->memlen) {
				ssize_t n = write(o->fd, o->mem + off, o->memlen - off);
				if (n < 0) {
					if (errno == EINTR)
						continue;
					r = -errno;
					break;
				}
				off += (size_t)n;
			}
		}
		free(o->mem);
		o->mem = NULL;
		if (o->fd != STDOUT_FILENO && o->fd >= 0)
			(void)close(o->fd);
		o->fd = -1;
		return r;
	}
	if (fflush(o->f) != 0 || fsync(fileno(o->f)) < 0)
		r = -errno;
	if (fclose(o->f) != 0 && r == 0)
		r = -errno;
	o->f = NULL;
	if (r == 0 && rename(o->tmp, o->path) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return r;
}

void bh_output_abort(struct bh_output *o)
{
	if (o->f)
		(void)fclose(o->f);
	o->f = NULL;
	if (o->tmp)
		(void)unlink(o->tmp);
	if (!o->path && o->fd != STDOUT_FILENO && o->fd >= 0)
		(void)close(o->fd);
	free(o->tmp);
	free(o->path);
	free(o->mem);
	*o = (struct bh_output){ .fd = -1 };
}
