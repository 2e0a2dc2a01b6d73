/* SPDX-License-Identifier: Apache-2.0 */
/* procfs.c — see procfs.h. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "runtime/procfs.h"

/* The cgroup v2 path ("0::PATH") of a /proc/PID/cgroup text. 0, -ENOENT (none: cgroup v1). */
int rt_cgroup2_line(struct span text, struct span *ret)
{
	struct span line;
	while (span_next_line(&text, &line) == 0)
		if (span_startswith(line, "0::/")) {
			*ret = span_slice(line, 3, line.len - 3);
			return 0;
		}
	return -ENOENT;
}

/*
 * The next line of a mountinfo text:
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER".
 * 0, -ENOENT at the end, -EBADMSG for a malformed line (which is consumed).
 */
int rt_mountinfo_next(struct span *rest, struct rt_mount *ret)
{
	struct span line, f[6], tail;
	if (span_next_line(rest, &line) < 0)
		return -ENOENT;
	struct span in = line;
	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		if (span_next_token(&in, ' ', &f[i]) < 0)
			return -EBADMSG;
	const char *sep = memmem(line.ptr, line.len, " - ", 3);
	if (!sep)
		return -EBADMSG;
	tail = span_make(sep + 3, line.len - (size_t)(sep + 3 - line.ptr));
	struct span fstype;
	if (span_next_token(&tail, ' ', &fstype) < 0)
		return -EBADMSG;
	/* the mount point, \ooo escapes (space, tab, newline, backslash) undone */
	size_t o = 0;
	for (size_t i = 0; i < f[4].len; i++) {
		char c = f[4].ptr[i];
		if (c == '\\') {
			uint64_t v;
			if (i + 3 >= f[4].len)
				return -EBADMSG;
			if (parse_u64(span_slice(f[4], i + 1, 3), 8, 255, &v) < 0 || v == 0)
				return -EBADMSG;
			c = (char)v;
			i += 3;
		}
		if (o + 1 >= sizeof(ret->point))
			return -EBADMSG;
		ret->point[o++] = c;
	}
	ret->point[o] = '\0';
	if (o == 0 || ret->point[0] != '/')
		return -EBADMSG;
	ret->whole_root = span_eq_str(f[3], "/");
	ret->overlay = span_eq_str(fstype, "overlay");
	ret->noexec = false;
	struct span opts = f[5], opt;
	while (span_next_token(&opts, ',', &opt) == 0)
		ret->noexec = ret->noexec || span_eq_str(opt, "noexec");
	return 0;
}

/* pid's cgroup v2 path into out (malloc'd). -ESRCH gone, -EOPNOTSUPP root or none. */
int rt_pid_cgroup2(int64_t pid, char **ret)
{
	char path[64];
	(void)xsnprintf(path, sizeof(path), "/proc/%lld/cgroup", (long long)pid);
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = bh_read_file_at(AT_FDCWD, path, 0, 64 * 1024, &b);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	struct span cg;
	if (rt_cgroup2_line(buf_span(&b), &cg) < 0 || cg.len <= 1)
		return -EOPNOTSUPP;
	*ret = span_dup(cg);
	return *ret ? 0 : -ENOMEM;
}

char *rt_cgroup2_mount(void)
{
	_cleanup_buf_ struct buf mi;
	buf_init(&mi, 0);
	if (bh_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 0, 4 << 20, &mi) < 0)
		return NULL;
	struct span rest = buf_span(&mi), line;
	while (span_next_line(&rest, &line) == 0) {
		if (!memmem(line.ptr, line.len, " - cgroup2 ", 11))
			continue;
		struct span one = line;
		struct rt_mount m;
		if (rt_mountinfo_next(&one, &m) == 0)
			return strdup(m.point);
	}
	return NULL;
}
