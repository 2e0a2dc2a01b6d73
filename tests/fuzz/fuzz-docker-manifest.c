/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-docker-manifest.c — img_docker_archive_open() on a fuzzed manifest.json: image
 * selection by REPO:TAG, Config/Layers paths, links inside the archive, config digests.
 *
 * Input: "REFERENCE\n" (may be empty), then manifest.json, then members, each after a
 * line "--member--" and written as "NAME\nCONTENT"; a first line "NAME->TARGET" makes a
 * symlink instead. The tar is built in a memfd (no file is written) and opened as
 * /proc/self/fd/N.
 */
#include <stdio.h>
#include <sys/mman.h>

#include "image/image-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "\n--member--\n"

static void put_octal(char *dst, size_t width, uint64_t v)
{
	(void)xsnprintf(dst, width, "%0*llo", (int)width - 1, (unsigned long long)v);
}

/* Append one ustar member; names over 100 bytes are cut (the fuzzer need not go there). */
static bool tar_add(int fd, struct span name, struct span link, const void *d, size_t len)
{
	char h[512] = {0};
	memcpy(h, name.ptr, MIN(name.len, (size_t)99));
	put_octal(h + 100, 8, 0644);
	put_octal(h + 108, 8, 0);
	put_octal(h + 116, 8, 0);
	put_octal(h + 124, 12, link.len ? 0 : len);
	put_octal(h + 136, 12, 0);
	memset(h + 148, ' ', 8);
	h[156] = link.len ? '2' : '0';
	memcpy(h + 157, link.ptr, MIN(link.len, (size_t)99));
	memcpy(h + 257,
	       "ustar\0"
	       "00",
	       8);
	unsigned sum = 0;
	for (size_t i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	(void)xsnprintf(h + 148, 8, "%06o", sum);
	if (write(fd, h, 512) != 512)
		return false;
	if (link.len || !len)
		return true;
	if (write(fd, d, len) != (ssize_t)len)
		return false;
	static const char zero[512];
	size_t pad = (512 - len % 512) % 512;
	return write(fd, zero, pad) == (ssize_t)pad;
}

static struct span next_section(struct span *in)
{
	const char *p = in->len ? memmem(in->ptr, in->len, SEP, strlen(SEP)) : NULL;
	struct span s = *in;
	if (!p) {
		*in = (struct span){in->ptr + in->len, 0};
		return s;
	}
	s.len = (size_t)(p - in->ptr);
	size_t skip = s.len + strlen(SEP);
	*in = (struct span){in->ptr + skip, in->len - skip};
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span in = span_make(data, size), ref;
	if (!span_cut(in, '\n', &ref, &in) || ref.len > 200)
		return 0;
	int fd = memfd_create("fuzz-docker", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	struct span manifest = next_section(&in);
	bool ok = tar_add(fd, SPAN_LIT("manifest.json"), SPAN_NULL, manifest.ptr, manifest.len);
	for (unsigned n = 0; ok && in.len && n < 64; n++) {
		struct span sec = next_section(&in), name, content = SPAN_NULL, target = SPAN_NULL;
		if (!span_cut(sec, '\n', &name, &content))
			name = sec;
		ssize_t arrow = -1;
		for (size_t i = 0; i + 1 < name.len; i++)
			if (name.ptr[i] == '-' && name.ptr[i + 1] == '>') {
				arrow = (ssize_t)i;
				break;
			}
		if (arrow >= 0) {
			target = span_slice(name, (size_t)arrow + 2, name.len - (size_t)arrow - 2);
			name.len = (size_t)arrow;
		}
		if (name.len)
			ok = tar_add(fd, name, target, content.ptr, content.len);
	}
	static const char end[1024];
	if (ok && write(fd, end, sizeof(end)) == (ssize_t)sizeof(end)) {
		char s[300];
		(void)xsnprintf(s, sizeof(s), "docker-archive:/proc/self/fd/%d%s" SPAN_FMT, fd,
				ref.len ? ":" : "", SPAN_ARG(ref));
		struct bh_limits limits;
		bh_limits_default(&limits);
		limits.input_max_bytes = 1 << 20;
		struct img_open_opts o = {.limits = &limits};
		struct img_target t;
		if (img_target_parse(s, &t) == 0) {
			struct img_layout lay;
			struct bh_diag diag = {0};
			if (img_docker_archive_open(&t, &o, &lay, &diag) >= 0)
				img_layout_done(&lay);
			img_target_done(&t);
		}
	}
	(void)close(fd);
	return 0;
}
