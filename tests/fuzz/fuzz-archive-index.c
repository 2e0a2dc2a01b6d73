/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-archive-index.c — the outer docker-archive tar indexer and everything behind it:
 * the input is the archive itself, held in a memfd and opened as /proc/self/fd/N (no
 * file is written). Also runs the kind detection, which probes the same indexer.
 */
#include <stdio.h>
#include <sys/mman.h>

#include "image/image-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-archive", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t off = 0;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	char path[64];
	(void)xsnprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	struct bh_limits limits;
	bh_limits_default(&limits);
	limits.max_entries = 5000;
	limits.input_max_bytes = 1 << 20;
	struct img_open_opts o = {.limits = &limits};
	struct img_target t;
	if (img_target_parse(path, &t) == 0) {
		(void)img_target_detect(&t);
		img_target_done(&t);
	}
	char s[80];
	(void)xsnprintf(s, sizeof(s), "docker-archive:%s", path);
	if (img_target_parse(s, &t) == 0) {
		struct img_layout lay;
		struct bh_diag diag = {0};
		if (img_docker_archive_open(&t, &o, &lay, &diag) >= 0)
			img_layout_done(&lay);
		img_target_done(&t);
	}
	(void)close(fd);
	return 0;
}
