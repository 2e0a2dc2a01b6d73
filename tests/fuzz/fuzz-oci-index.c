/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-oci-index.c — img_oci_open() on a fuzzed OCI layout: selection from index.json and
 * nested indexes (tag, digest, platform, depth), blob verification and manifest reading.
 *
 * Input: "SELECTOR|PLATFORM\n" then index.json, then any number of blobs, each after a
 * line "--blob--"; blobs are stored under their own sha256, so seeds can nest indexes.
 * SELECTOR is empty, ":TAG" or "@sha256:HEX". Files live in a private temporary directory
 * that is emptied after every run and removed at exit.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/hash.h"
#include "image/image-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP	  "\n--blob--\n"
#define MAX_BLOBS 16

static char root[128];
static char names[MAX_BLOBS][BH_DIGEST_STR_LEN + 1];
static size_t n_names;

static void cleanup_root(void)
{
	char p[300];
	for (size_t i = 0; i < n_names; i++) {
		(void)xsnprintf(p, sizeof(p), "%s/blobs/sha256/%s", root, names[i] + 7);
		(void)unlink(p);
	}
	n_names = 0;
	static const char *const files[] = {"index.json", "oci-layout"};
	for (size_t i = 0; i < 2; i++) {
		(void)xsnprintf(p, sizeof(p), "%s/%s", root, files[i]);
		(void)unlink(p);
	}
}

static void remove_root(void)
{
	char p[300];
	cleanup_root();
	(void)xsnprintf(p, sizeof(p), "%s/blobs/sha256", root);
	(void)rmdir(p);
	(void)xsnprintf(p, sizeof(p), "%s/blobs", root);
	(void)rmdir(p);
	(void)rmdir(root);
}

static bool put(const char *name, const void *d, size_t len)
{
	char p[300];
	(void)xsnprintf(p, sizeof(p), "%s/%s", root, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	bool ok = write(fd, d, len) == (ssize_t)len;
	(void)close(fd);
	return ok;
}

static bool setup(void)
{
	if (root[0])
		return true;
	(void)xsnprintf(root, sizeof(root), "/tmp/bh-fuzz-oci-XXXXXX");
	if (!mkdtemp(root)) {
		root[0] = '\0';
		return false;
	}
	char p[300];
	(void)xsnprintf(p, sizeof(p), "%s/blobs", root);
	(void)mkdir(p, 0755);
	(void)xsnprintf(p, sizeof(p), "%s/blobs/sha256", root);
	(void)mkdir(p, 0755);
	atexit(remove_root);
	return true;
}

static void put_blob(struct span b)
{
	char dg[BH_DIGEST_STR_LEN + 1], name[100];
	if (n_names >= MAX_BLOBS || bh_sha256_str(b.ptr, b.len, dg) < 0)
		return;
	(void)xsnprintf(name, sizeof(name), "blobs/sha256/%s", dg + 7);
	if (put(name, b.ptr, b.len))
		memcpy(names[n_names++], dg, sizeof(dg));
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
	if (!setup())
		return 0;
	struct span in = span_make(data, size), header = SPAN_NULL, sel, plat;
	if (!span_cut(in, '\n', &header, &in))
		return 0;
	if (!span_cut(header, '|', &sel, &plat) || sel.len > 200 || plat.len > 60)
		return 0;
	struct span index = next_section(&in);
	if (!put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30) ||
	    !put("index.json", index.ptr, index.len))
		goto out;
	while (in.len)
		put_blob(next_section(&in));

	char target[400], platform[64];
	(void)xsnprintf(target, sizeof(target), "oci:%s" SPAN_FMT, root, SPAN_ARG(sel));
	(void)xsnprintf(platform, sizeof(platform), SPAN_FMT, SPAN_ARG(plat));
	struct bh_limits limits;
	bh_limits_default(&limits);
	limits.input_max_bytes = 1 << 20;
	limits.max_entries = 1000;
	struct img_open_opts o = {.limits = &limits, .platform = plat.len ? platform : NULL};
	struct img_target t;
	if (img_target_parse(target, &t) == 0) {
		struct img_layout lay;
		struct bh_diag diag = {0};
		if (img_oci_open(&t, &o, &lay, &diag) >= 0)
			img_layout_done(&lay);
		img_target_done(&t);
	}
out:
	cleanup_root();
	return 0;
}
