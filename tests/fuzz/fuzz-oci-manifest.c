/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-oci-manifest.c — img_oci_open() on a fuzzed image manifest: config and layer
 * descriptors, media types, sizes, blob verification.
 *
 * Input: the manifest, then any number of blobs (config, layers, nested documents), each
 * after a line "--blob--"; every section is stored under its own sha256 and index.json is
 * generated to point at the manifest (without a media type, so the document's own decides),
 * so seeds reach the config with a valid digest.
 * Files live in a private temporary directory emptied after each run, removed at exit.
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
	(void)xsnprintf(root, sizeof(root), "/tmp/bh-fuzz-ocim-XXXXXX");
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
	struct span in = span_make(data, size);
	struct span manifest = next_section(&in);
	char dg[BH_DIGEST_STR_LEN + 1], index[400];
	if (bh_sha256_str(manifest.ptr, manifest.len, dg) < 0)
		return 0;
	(void)xsnprintf(index, sizeof(index),
			"{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"%s\",\"size\":%zu}]}",
			dg, manifest.len);
	if (!put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30) ||
	    !put("index.json", index, strlen(index)))
		goto out;
	put_blob(manifest);
	while (in.len)
		put_blob(next_section(&in));

	char target[400];
	(void)xsnprintf(target, sizeof(target), "oci:%s", root);
	struct bh_limits limits;
	bh_limits_default(&limits);
	limits.input_max_bytes = 1 << 20;
	limits.max_layers = 64;
	struct img_open_opts o = {.limits = &limits};
	struct img_target t;
	if (img_target_parse(target, &t) == 0) {
		struct img_layout lay;
		struct bh_diag diag = {0};
		if (img_oci_open(&t, &o, &lay, &diag) >= 0) {
			struct img_config c;
			struct strv ids = {0};
			if (img_config_parse(buf_span(&lay.config_json), &limits, "config", &c,
					     &ids, &diag) >= 0) {
				img_config_done(&c);
				strv_done(&ids);
			}
			img_layout_done(&lay);
		}
		img_target_done(&t);
	}
out:
	cleanup_root();
	return 0;
}
