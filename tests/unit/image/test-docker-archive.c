/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-docker-archive.c — img_docker_archive_open(): legacy and Docker 25+ (OCI inside)
 * `docker save` archives built by tests/lib/mkimage.py, image selection by REPO:TAG,
 * layer regions readable with pread(), and hostile outer tars from tests/lib/mktar.py
 * (duplicates, truncation, traversal, links leaving the archive, limits, compression).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common/hash.h"
#include "common/json.h"
#include "image/image-int.h"
#include "tap.h"

/* ---- helpers -------------------------------------------------------------------------------- */

static void need_python(void)
{
	const char *py[] = {"python3", "-c", "pass", NULL};
	if (tap_run(py) != 0)
		TEST_SKIP("python3 not available");
}

#define TOOL(script, ...)                                                                          \
	do {                                                                                       \
		need_python();                                                                     \
		const char *_tool_argv[] = {"python3", tap_src_path("tests/lib/" script),          \
					    __VA_ARGS__, NULL};                                    \
		ASSERT_EQ(tap_run(_tool_argv), 0);                                                     \
	} while (0)
#define MKIMAGE(...) TOOL("mkimage.py", __VA_ARGS__)
#define MKTAR(...)   TOOL("mktar.py", __VA_ARGS__)

static const char *layer_dir(const char *name)
{
	static char b[4][512];
	static unsigned slot;
	char rel[128];
	(void)xsnprintf(rel, sizeof(rel), "tests/fixtures/images/layers/%s", name);
	char *p = b[slot++ % 4];
	(void)xsnprintf(p, 512, "%s", tap_src_path(rel));
	return p;
}

static int open_target_limits(const char *s, const struct bh_limits *limits, struct img_layout *lay,
			      struct bh_diag *diag)
{
	struct img_target t;
	int r = img_target_parse(s, &t);
	if (r < 0)
		return r;
	struct img_open_opts o = {.limits = limits};
	*diag = (struct bh_diag){0};
	r = img_docker_archive_open(&t, &o, lay, diag);
	img_target_done(&t);
	return r;
}

static int open_target(const char *s, struct img_layout *lay, struct bh_diag *diag)
{
	struct bh_limits limits;
	bh_limits_default(&limits);
	return open_target_limits(s, &limits, lay, diag);
}

static int open_file(const char *path, struct img_layout *lay, struct bh_diag *diag)
{
	char s[600];
	(void)xsnprintf(s, sizeof(s), "docker-archive:%s", path);
	return open_target(s, lay, diag);
}

/* Read a region and return its sha256. */
static void region_digest(const struct img_region *r, char out[static BH_DIGEST_STR_LEN + 1])
{
	_cleanup_free_ char *data = malloc(r->length ? r->length : 1);
	ASSERT_NOT_NULL(data);
	ASSERT_EQ(pread(r->fd, data, r->length, (off_t)r->offset), (ssize_t)r->length);
	ASSERT_OK(bh_sha256_str(data, r->length, out));
}

static void check_diff_ids(const struct img_layout *lay)
{
	struct img_config c;
	struct strv ids = {0};
	struct bh_limits limits;
	bh_limits_default(&limits);
	ASSERT_OK(img_config_parse(buf_span(&lay->config_json), &limits, "config", &c, &ids, NULL));
	ASSERT_EQ(ids.n, lay->n_layers);
	for (size_t i = 0; i < lay->n_layers; i++) {
		char dg[BH_DIGEST_STR_LEN + 1];
		region_digest(&lay->layers[i], dg);
		/* uncompressed layers: blob digest == diff_id */
		ASSERT_STREQ(dg, ids.v[i]);
		if (lay->layer_digests[i])
			ASSERT_STREQ(lay->layer_digests[i], dg);
	}
	img_config_done(&c);
	strv_done(&ids);
}

/* ---- good archives ------------------------------------------------------------------------ */

TEST(legacy_archive)
{
	const char *a = tap_tmp_path("legacy.tar");
	/* the third layer repeats the first: docker links it to the first copy */
	MKIMAGE("docker-archive", a, "--layer", layer_dir("base"), "--layer", layer_dir("top"),
		"--layer", layer_dir("base"), "--repo-tag", "foo/bar:1", "--repo-tag",
		"foo/bar:latest");
	struct img_layout lay;
	struct bh_diag diag;
	ASSERT_OK(open_file(a, &lay, &diag));
	ASSERT_EQ(lay.n_layers, 3);
	ASSERT_TRUE(lay.fd >= 0);
	ASSERT_EQ(lay.dirfd, -1);
	ASSERT_NULL(lay.manifest_digest);
	char dg[BH_DIGEST_STR_LEN + 1];
	ASSERT_OK(bh_sha256_str(lay.config_json.ptr, lay.config_json.len, dg));
	ASSERT_STREQ(lay.config_digest, dg);
	ASSERT_EQ(lay.repo_tags.n, 2);
	ASSERT_STREQ(lay.repo_tags.v[0], "foo/bar:1");
	for (size_t i = 0; i < 3; i++) {
		ASSERT_EQ(lay.layers[i].fd, lay.fd);
		ASSERT_EQ(lay.layer_fds[i], -1);
		ASSERT_NULL(lay.layer_digests[i]);
		ASSERT_NULL(lay.layer_media_types[i]);
		ASSERT_EQ(lay.layer_sizes[i], lay.layers[i].length);
		ASSERT_TRUE(strstr(lay.layers[i].name, "/layer.tar") != NULL);
		ASSERT_EQ(lay.layers[i].offset % 512, 0);
	}
	ASSERT_EQ(lay.layers[2].offset, lay.layers[0].offset);
	check_diff_ids(&lay);
	img_layout_done(&lay);
}

TEST(oci_archive)
{
	const char *a = tap_tmp_path("oci.tar");
	MKIMAGE("docker-archive", a, "--format", "oci", "--layer", layer_dir("base"), "--layer",
		layer_dir("top"), "--repo-tag", "busybox:latest");
	struct img_layout lay;
	struct bh_diag diag;
	ASSERT_OK(open_file(a, &lay, &diag));
	ASSERT_EQ(lay.n_layers, 2);
	ASSERT_NOT_NULL(lay.manifest_digest);
	ASSERT_OK(bh_digest_validate(span_from(lay.manifest_digest)));
	for (size_t i = 0; i < 2; i++) {
		ASSERT_NOT_NULL(lay.layer_digests[i]);
		ASSERT_TRUE(strstr(lay.layers[i].name, "blobs/sha256/") != NULL);
	}
	check_diff_ids(&lay);
	img_layout_done(&lay);

	/* the familiar and the full name select the same image */
	char s[600];
	(void)xsnprintf(s, sizeof(s), "docker-archive:%s:docker.io/library/busybox:latest", a);
	ASSERT_OK(open_target(s, &lay, &diag));
	img_layout_done(&lay);
}

TEST(select_image)
{
	const char *a = tap_tmp_path("multi.tar");
	MKIMAGE("docker-archive", a, "--layer", layer_dir("base"), "--repo-tag", "one:1");
	MKIMAGE("docker-archive", a, "--layer", layer_dir("top"), "--repo-tag", "two/x:2",
		"--append");
	struct img_layout lay;
	struct bh_diag diag;
	ASSERT_ERR(open_file(a, &lay, &diag), -EINVAL);
	ASSERT_TRUE(strstr(diag.message, "holds 2 images") != NULL);
	ASSERT_TRUE(strstr(diag.message, "(available: one:1, two/x:2)") != NULL);
	ASSERT_TRUE(strstr(diag.source, "manifest.json") != NULL);

	char s[600];
	(void)xsnprintf(s, sizeof(s), "docker-archive:%s:two/x:2", a);
	ASSERT_OK(open_target(s, &lay, &diag));
	ASSERT_STREQ(lay.repo_tags.v[0], "two/x:2");
	img_layout_done(&lay);
	(void)xsnprintf(s, sizeof(s), "docker-archive:%s:one:1", a);
	ASSERT_OK(open_target(s, &lay, &diag));
	ASSERT_STREQ(lay.repo_tags.v[0], "one:1");
	img_layout_done(&lay);
	(void)xsnprintf(s, sizeof(s), "docker-archive:%s:three:3", a);
	ASSERT_ERR(open_target(s, &lay, &diag), -ENOENT);
	ASSERT_TRUE(strstr(diag.message, "no image tagged 'three:3'") != NULL);
}

TEST(archive_name_with_colon)
{
	const char *a = tap_tmp_path("img:one:1");
	MKIMAGE("docker-archive", a, "--layer", layer_dir("base"), "--repo-tag", "x:1");
	struct img_layout lay;
	struct bh_diag diag;
	/* "…/img:one:1" looks like FILE:REPO:TAG, but only the whole name exists */
	ASSERT_OK(open_file(a, &lay, &diag));
	img_layout_done(&lay);
}

/* ---- verification -------------------------------------------------------------------------- */

TEST(corrupt_config)
{
	static const char *const fmts[] = {"legacy", "oci"};
	for (size_t i = 0; i < 2; i++) {
		char n[64];
		(void)xsnprintf(n, sizeof(n), "corrupt-%s.tar", fmts[i]);
		const char *a = tap_tmp_path(n);
		MKIMAGE("docker-archive", a, "--format", fmts[i], "--layer", layer_dir("base"),
			"--corrupt", "config-digest");
		struct img_layout lay;
		struct bh_diag diag;
		ASSERT_ERR(open_file(a, &lay, &diag), -EBADMSG);
		ASSERT_TRUE(strncmp(diag.message, "digest mismatch: expected sha256:", 33) == 0);
		ASSERT_TRUE(strstr(diag.source, "docker-archive:") == diag.source);
	}
}

TEST(not_an_archive)
{
	struct img_layout lay;
	struct bh_diag diag;
	ASSERT_ERR(open_file(tap_tmp_path("missing.tar"), &lay, &diag), -ENOENT);
	ASSERT_ERR(open_file("/", &lay, &diag), -EOPNOTSUPP);

	const char *txt = tap_tmp_path("text");
	FILE *f = fopen(txt, "w");
	ASSERT_NOT_NULL(f);
	for (int i = 0; i < 100; i++)
		fputs("hello world, this is not a tar\n", f);
	fclose(f);
	ASSERT_ERR(open_file(txt, &lay, &diag), -EBADMSG);
	ASSERT_TRUE(strstr(diag.message, "not a tar archive") != NULL);

	const char *plain = tap_tmp_path("plain.tar");
	MKTAR(plain, "file:etc/hostname=box");
	ASSERT_ERR(open_file(plain, &lay, &diag), -EOPNOTSUPP);
	ASSERT_STREQ(diag.message, "not an image: no manifest.json in the archive");

	const char *oci = tap_tmp_path("ocionly.tar");
	MKTAR(oci, "file:oci-layout={}", "file:index.json={}");
	ASSERT_ERR(open_file(oci, &lay, &diag), -EOPNOTSUPP);
	ASSERT_TRUE(strstr(diag.message, "oci:DIR") != NULL);
}

TEST(compressed)
{
	struct img_layout lay;
	struct bh_diag diag;
	const char *gz = tap_tmp_path("img.tar.gz"), *zs = tap_tmp_path("img.tar.zst");
	MKTAR(gz, "--gzip", "file:manifest.json=[]");
	ASSERT_ERR(open_file(gz, &lay, &diag), -EOPNOTSUPP);
	ASSERT_TRUE(strstr(diag.message, "gzip-compressed; decompress it first") != NULL);
	const char *zargv[] = {"zstd", "--version", NULL};
	if (tap_run(zargv) != 0)
		return;
	MKTAR(zs, "--zstd", "file:manifest.json=[]");
	ASSERT_ERR(open_file(zs, &lay, &diag), -EOPNOTSUPP);
	ASSERT_TRUE(strstr(diag.message, "zstd-compressed") != NULL);
}

TEST(hostile_tars)
{
	struct img_layout lay;
	struct bh_diag diag;
	const char *dup = tap_tmp_path("dup.tar");
	MKTAR(dup, "file:manifest.json=[]", "file:manifest.json=[]");
	ASSERT_ERR(open_file(dup, &lay, &diag), -EBADMSG);
	ASSERT_STREQ(diag.message, "duplicate member 'manifest.json'");

	/* "./manifest.json" and "manifest.json" are the same member */
	const char *dup2 = tap_tmp_path("dup2.tar");
	MKTAR(dup2, "file:./manifest.json=[]", "file:manifest.json=[]");
	ASSERT_ERR(open_file(dup2, &lay, &diag), -EBADMSG);

	const char *trunc = tap_tmp_path("trunc.tar");
	MKTAR(trunc, "--truncate", "-1100", "file:manifest.json=[]", "big:x=3000");
	ASSERT_ERR(open_file(trunc, &lay, &diag), -EBADMSG);
	ASSERT_TRUE(strstr(diag.message, "truncated") != NULL);

	const char *noend = tap_tmp_path("noend.tar");
	MKTAR(noend, "--truncate", "-1024", "file:manifest.json=[]");
	ASSERT_ERR(open_file(noend, &lay, &diag), -EBADMSG);
	ASSERT_TRUE(strstr(diag.message, "no end-of-archive marker") != NULL);

	const char *lie = tap_tmp_path("lie.tar");
	MKTAR(lie, "file:manifest.json=[]", "lie:x=999999999");
	ASSERT_ERR(open_file(lie, &lay, &diag), -EBADMSG);

	const char *half = tap_tmp_path("half.tar");
	MKTAR(half, "--truncate", "700", "file:manifest.json=[]", "file:a=b");
	ASSERT_ERR(open_file(half, &lay, &diag), -EBADMSG);

	const char *trav = tap_tmp_path("trav.tar");
	MKTAR(trav, "file:manifest.json=[]", "file:../../etc/passwd=root");
	ASSERT_ERR(open_file(trav, &lay, &diag), -EBADMSG);
	ASSERT_TRUE(strstr(diag.message, "invalid member name '../../etc/passwd'") != NULL);

	/* absolute names are normalised (and then duplicate here) */
	const char *abs = tap_tmp_path("abs.tar");
	MKTAR(abs, "file:/manifest.json=[]", "file:manifest.json=[]");
	ASSERT_ERR(open_file(abs, &lay, &diag), -EBADMSG);

	/* manifest.json entries that lead out of the archive or loop */
	const char *esc = tap_tmp_path("escape.tar");
	MKTAR(esc, "file:manifest.json=[{\"Config\":\"c.json\",\"Layers\":[\"l/layer.tar\"]}]",
	      "file:c.json={\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
	      "symlink:l/layer.tar=../../../etc/passwd");
	ASSERT_ERR(open_file(esc, &lay, &diag), -EBADMSG);
	ASSERT_TRUE(strstr(diag.source, "l/layer.tar") != NULL);
	ASSERT_STREQ(diag.message, "layer link points outside the archive");

	const char *loop = tap_tmp_path("loop.tar");
	MKTAR(loop, "file:manifest.json=[{\"Config\":\"c.json\",\"Layers\":[\"a\"]}]",
	      "file:c.json={}", "symlink:a=b", "symlink:b=a");
	ASSERT_ERR(open_file(loop, &lay, &diag), -EBADMSG);
	ASSERT_STREQ(diag.message, "too many levels of links");

	const char *dirlayer = tap_tmp_path("dirlayer.tar");
	MKTAR(dirlayer, "file:manifest.json=[{\"Config\":\"c.json\",\"Layers\":[\"d\"]}]",
	      "file:c.json={}", "dir:d");
	ASSERT_ERR(open_file(dirlayer, &lay, &diag), -EBADMSG);

	/* a hard link and a relative symlink that stay inside are followed */
	const char *links = tap_tmp_path("links.tar");
	MKTAR(links, "file:manifest.json=[{\"Config\":\"c.json\",\"Layers\":[\"x/l\",\"y\"]}]",
	      "file:c.json={\"rootfs\":{\"type\":\"layers\"}}", "file:real=abc",
	      "symlink:x/l=../real", "hardlink:y=real");
	ASSERT_OK(open_file(links, &lay, &diag));
	ASSERT_EQ(lay.n_layers, 2);
	ASSERT_EQ(lay.layers[0].length, 3);
	ASSERT_EQ(lay.layers[0].offset, lay.layers[1].offset);
	img_layout_done(&lay);

	const char *badjson = tap_tmp_path("badjson.tar");
	MKTAR(badjson, "file:manifest.json=[{\"Config\": }]");
	ASSERT_ERR(open_file(badjson, &lay, &diag), -EBADMSG);
	ASSERT_TRUE(strncmp(diag.message, "invalid JSON: ", 14) == 0);
	ASSERT_TRUE(strstr(diag.source, "manifest.json") != NULL);

	const char *shapes = tap_tmp_path("shapes.tar");
	MKTAR(shapes, "file:manifest.json={\"Config\":\"x\"}");
	ASSERT_ERR(open_file(shapes, &lay, &diag), -EBADMSG);
	const char *missing = tap_tmp_path("missing-layer.tar");
	MKTAR(missing,
	      "file:manifest.json=[{\"Config\":\"c.json\",\"Layers\":[\"nope/layer.tar\"]}]",
	      "file:c.json={}");
	ASSERT_ERR(open_file(missing, &lay, &diag), -EBADMSG);
	ASSERT_STREQ(diag.message, "layer missing from the archive");
	const char *nocfg = tap_tmp_path("missing-config.tar");
	MKTAR(nocfg, "file:manifest.json=[{\"Config\":\"c.json\",\"Layers\":[]}]");
	ASSERT_ERR(open_file(nocfg, &lay, &diag), -EBADMSG);
	ASSERT_STREQ(diag.message, "missing from the archive");
}

TEST(limits)
{
	struct img_layout lay;
	struct bh_diag diag;
	struct bh_limits limits;
	bh_limits_default(&limits);
	char s[600];

	const char *many = tap_tmp_path("many.tar");
	MKTAR(many, "file:manifest.json=[]", "many:2000");
	limits.max_entries = 1000;
	(void)xsnprintf(s, sizeof(s), "docker-archive:%s", many);
	ASSERT_ERR(open_target_limits(s, &limits, &lay, &diag), -E2BIG);
	ASSERT_TRUE(strstr(diag.message, "max-entries") != NULL);

	/* 10,000 directories deep, named through a pax header */
	const char *deep = tap_tmp_path("deep.tar");
	MKTAR(deep, "file:manifest.json=[]", "deep:10000");
	bh_limits_default(&limits);
	(void)xsnprintf(s, sizeof(s), "docker-archive:%s", deep);
	ASSERT_ERR(open_target_limits(s, &limits, &lay, &diag), -E2BIG);
	ASSERT_TRUE(strstr(diag.message, "path-max-bytes") != NULL);

	const char *deep2 = tap_tmp_path("deep2.tar");
	MKTAR(deep2, "file:manifest.json=[]", "deep:300:x");
	limits.path_max_bytes = 100000;
	(void)xsnprintf(s, sizeof(s), "docker-archive:%s", deep2);
	ASSERT_ERR(open_target_limits(s, &limits, &lay, &diag), -E2BIG);
	ASSERT_TRUE(strstr(diag.message, "over-long member name") != NULL);
}
