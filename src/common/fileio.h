/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fileio.h — bounded file reading and all-or-nothing output files.
 * Every open is O_CLOEXEC; reads relative to a directory fd refuse to follow a final
 * symlink (O_NOFOLLOW) unless the caller resolved it inside its own root first.
 */
#pragma once

#include <stdio.h>

#include "common/buf.h"
#include "common/diag.h"

/*
 * Read the regular file at (dirfd, path) into ret (appended), at most max bytes.
 * flags: extra open flags (e.g. O_NOFOLLOW). 0, -E2BIG (larger than max), -errno.
 */
int bh_read_file_at(int dirfd, const char *path, int flags, size_t max, struct buf *ret);
/* Read everything from fd into ret, at most max bytes. 0, -E2BIG, -errno. */
int bh_read_fd(int fd, size_t max, struct buf *ret);

/*
 * An output that appears at its path only when complete: data goes to a temporary file
 * in the same directory, bh_output_commit() fsyncs and renames it into place,
 * bh_output_abort() (or never committing) removes it. Path "-" or NULL means stdout,
 * which is written unbuffered only at commit time from an in-memory copy, so that a
 * failing command never prints half a document.
 */
struct bh_output {
	FILE *f;      /* where to write; valid after bh_output_open() */
	char *path;   /* final path, NULL for stdout */
	char *tmp;    /* temporary path, NULL for stdout */
	char *mem;    /* stdout or a special file: memory stream buffer */
	size_t memlen;
	int fd;       /* where mem goes at commit: STDOUT_FILENO, or the special file (owned) */
};

int bh_output_open(struct bh_output *o, const char *path);
int bh_output_commit(struct bh_output *o);
void bh_output_abort(struct bh_output *o);
