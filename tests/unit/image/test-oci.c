/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-oci.c — img_oci_open(): selection by tag, digest and platform through nested
 * indexes, verification of index/manifest/config blobs, and every malformed-layout path.
 * Good layouts are built with tests/lib/mkimage.py (skipped without python3); hostile ones
 * are written by hand into a temporary directory.
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

/* mkimage.py SUBCOMMAND OUT ARGS... (NULL-terminated); skips the test without python3. */
#define MKIMAGE(...)                                                                               \
	do {                                                                                       \
		const char *_py[] = {"python3", "-c", "pass", NULL};                               \
		if (tap_run(_py) != 0)                                                                 \
			TEST_SKIP("python3 not available");                                        \
		const char *_mk_argv[] = {"python3", tap_src_path("tests/lib/mkimage.py"),         \
					  __VA_ARGS__, NULL};                                      \
		ASSERT_EQ(tap_run(_mk_argv), 0);                                                       \
	} while (0)

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

static int open_target(const char *s, const char *platform, struct img_layout *lay,
		       struct bh_diag *diag)
{
	struct img_target t;
	int r = img_target_parse(s, &t);
	if (r < 0)
		return r;
	struct bh_limits limits;
	bh_limits_default(&limits);
	struct img_open_opts o = {.platform = platform, .limits = &limits};
	*diag = (struct bh_diag){0};
	r = img_oci_open(&t, &o, lay, diag);
	img_target_done(&t);
	return r;
}

static char *read_str(const char *path)
{
	return tap_read_file(path, NULL);
}

/* The config's "architecture" of an opened layout. */
static const char *layout_arch(const struct img_layout *lay, char *buf, size_t size)
{
	struct img_config c;
	struct bh_limits limits;
	bh_limits_default(&limits);
	if (img_config_parse(buf_span(&lay->config_json), &limits, "config", &c, NULL, NULL) < 0)
		return NULL;
	(void)xsnprintf(buf, size, "%s%s%s", c.architecture ? c.architecture : "",
			c.variant ? "/" : "", c.variant ? c.variant : "");
	img_config_done(&c);
	return buf;
}

/* The digest of index.json's only manifest (as mkimage wrote it). */
static char *top_digest(const char *dir)
{
	char p[600];
	(void)xsnprintf(p, sizeof(p), "%s/index.json", dir);
	_cleanup_free_ char *s = read_str(p);
	if (!s)
		return NULL;
	json_t *j = json_loads(s, 0, NULL);
	const char *d = json_string_value(
	    json_object_get(json_array_get(json_object_get(j, "manifests"), 0), "digest"));
	char *r = d ? strdup(d) : NULL;
	json_decref(j);
	return r;
}

/* ---- hand-written layouts ---------------------------------------------------------------- */

static void put(const char *dir, const char *name, const void *data, size_t len)
{
	char p[700];
	(void)xsnprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	ASSERT_NOT_NULL(f);
	ASSERT_EQ(fwrite(data, 1, len, f), len);
	fclose(f);
}

static const char *new_layout(const char *name)
{
	const char *d = tap_tmp_path(name);
	char p[600];
	ASSERT_OK(NERRNO(mkdir(d, 0755)));
	(void)xsnprintf(p, sizeof(p), "%s/blobs", d);
	ASSERT_OK(NERRNO(mkdir(p, 0755)));
	(void)xsnprintf(p, sizeof(p), "%s/blobs/sha256", d);
	ASSERT_OK(NERRNO(mkdir(p, 0755)));
	put(d, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	return d;
}

/* Write a blob, return its descriptor JSON fragment '"digest":"…","size":N'. */
static void blob(const char *dir, const char *data, char *ret_desc, size_t size)
{
	char dg[BH_DIGEST_STR_LEN + 1], name[200];
	ASSERT_OK(bh_sha256_str(data, strlen(data), dg));
	(void)xsnprintf(name, sizeof(name), "blobs/sha256/%s", dg + 7);
	put(dir, name, data, strlen(data));
	ASSERT_OK(xsnprintf(ret_desc, size, "\"digest\":\"%s\",\"size\":%zu", dg, strlen(data)));
}

#define MT_M "application/vnd.oci.image.manifest.v1+json"
#define MT_C "application/vnd.oci.image.config.v1+json"
#define MT_L "application/vnd.oci.image.layer.v1.tar"
#define CONFIG                                                                                     \
	"{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_"     \
	"ids\":[]}}"

/* A layout whose index points at a manifest with the given layers JSON. */
static const char *layout_with_manifest(const char *name, const char *manifest_fmt_layers,
					const char *layer_mt)
{
	const char *d = new_layout(name);
	char cdesc[200], ldesc[200], mdesc[200], m[2048], idx[1024];
	blob(d, CONFIG, cdesc, sizeof(cdesc));
	blob(d, "layer-bytes", ldesc, sizeof(ldesc));
	if (manifest_fmt_layers)
		ASSERT_OK(xsnprintf(m, sizeof(m), "%s", manifest_fmt_layers));
	else
		ASSERT_OK(xsnprintf(m, sizeof(m),
				    "{\"schemaVersion\":2,\"mediaType\":\"" MT_M "\",\"config\":{"
				    "\"mediaType\":\"" MT_C
				    "\",%s},\"layers\":[{\"mediaType\":\"%s\",%s}]}",
				    cdesc, layer_mt, ldesc));
	blob(d, m, mdesc, sizeof(mdesc));
	ASSERT_OK(xsnprintf(idx, sizeof(idx),
			    "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_M "\",%s}]}",
			    mdesc));
	put(d, "index.json", idx, strlen(idx));
	return d;
}

static int open_dir(const char *dir, struct img_layout *lay, struct bh_diag *diag)
{
	char s[600];
	(void)xsnprintf(s, sizeof(s), "oci:%s", dir);
	return open_target(s, NULL, lay, diag);
}

/* ---- good layouts ------------------------------------------------------------------------- */

TEST(media_types)
{
	enum img_compression c;
	ASSERT_OK(img_media_type_compression(NULL, &c));
	ASSERT_EQ(c, IMG_COMP_AUTO);
	ASSERT_OK(img_media_type_compression("application/vnd.oci.image.layer.v1.tar", &c));
	ASSERT_EQ(c, IMG_COMP_NONE);
	ASSERT_OK(img_media_type_compression("application/vnd.oci.image.layer.v1.tar+gzip", &c));
	ASSERT_EQ(c, IMG_COMP_GZIP);
	ASSERT_OK(img_media_type_compression("application/vnd.oci.image.layer.v1.tar+zstd", &c));
	ASSERT_EQ(c, IMG_COMP_ZSTD);
	ASSERT_OK(
	    img_media_type_compression("application/vnd.docker.image.rootfs.diff.tar.gzip", &c));
	ASSERT_EQ(c, IMG_COMP_GZIP);
	ASSERT_ERR(img_media_type_compression(
		       "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", &c),
		   -EOPNOTSUPP);
	ASSERT_ERR(
	    img_media_type_compression("application/vnd.oci.image.layer.v1.tar+gzip+encrypted", &c),
	    -EOPNOTSUPP);
	ASSERT_ERR(img_media_type_compression(
		       "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", &c),
		   -EOPNOTSUPP);
	ASSERT_ERR(img_media_type_compression("text/plain", &c), -EOPNOTSUPP);
}

TEST(open_basic)
{
	const char *dir = tap_tmp_path("basic");
	MKIMAGE("oci", dir, "--layer", layer_dir("base"), "--layer", layer_dir("top"), "--tag",
		"v1");
	struct img_layout lay;
	struct bh_diag diag;
	char s[600];
	(void)xsnprintf(s, sizeof(s), "oci:%s", dir);
	ASSERT_OK(open_target(s, NULL, &lay, &diag));
	ASSERT_EQ(lay.n_layers, 2);
	ASSERT_EQ(lay.fd, -1);
	ASSERT_TRUE(lay.dirfd >= 0);
	ASSERT_OK(bh_digest_validate(span_from(lay.manifest_digest)));
	ASSERT_OK(bh_digest_validate(span_from(lay.config_digest)));
	char dg[BH_DIGEST_STR_LEN + 1];
	ASSERT_OK(bh_sha256_str(lay.config_json.ptr, lay.config_json.len, dg));
	ASSERT_STREQ(dg, lay.config_digest);
	_cleanup_free_ char *top = top_digest(dir);
	ASSERT_STREQ(lay.manifest_digest, top);
	ASSERT_EQ(lay.repo_tags.n, 1);
	ASSERT_STREQ(lay.repo_tags.v[0], "v1");
	for (size_t i = 0; i < lay.n_layers; i++) {
		struct stat st;
		ASSERT_TRUE(lay.layer_fds[i] >= 0);
		ASSERT_EQ(lay.layers[i].fd, lay.layer_fds[i]);
		ASSERT_OK(NERRNO(fstat(lay.layer_fds[i], &st)));
		ASSERT_EQ(lay.layers[i].length, (uint64_t)st.st_size);
		ASSERT_EQ(lay.layer_sizes[i], (uint64_t)st.st_size);
		ASSERT_EQ(lay.layers[i].offset, 0);
		ASSERT_STREQ(lay.layer_media_types[i],
			     "application/vnd.oci.image.layer.v1.tar+gzip");
		ASSERT_OK(bh_digest_validate(span_from(lay.layer_digests[i])));
		char name[100];
		(void)xsnprintf(name, sizeof(name), "blobs/sha256/%s", lay.layer_digests[i] + 7);
		ASSERT_STREQ(lay.layers[i].name, name);
		/* the streamer's digest check would pass: the blob is what the manifest says */
		unsigned char head[2];
		ASSERT_EQ(pread(lay.layer_fds[i], head, 2, 0), 2);
		ASSERT_TRUE(head[0] == 0x1f && head[1] == 0x8b);
	}
	img_layout_done(&lay);
	ASSERT_EQ(lay.fd, -1);
	ASSERT_EQ(lay.n_layers, 0);
	img_layout_done(&lay);

	/* by tag */
	(void)xsnprintf(s, sizeof(s), "oci:%s:v1", dir);
	ASSERT_OK(open_target(s, NULL, &lay, &diag));
	img_layout_done(&lay);
	/* by digest */
	(void)xsnprintf(s, sizeof(s), "oci:%s@%s", dir, top);
	ASSERT_OK(open_target(s, NULL, &lay, &diag));
	ASSERT_STREQ(lay.manifest_digest, top);
	img_layout_done(&lay);
}

TEST(open_compressions_and_docker_types)
{
	const char *z = tap_tmp_path("zstd"), *n = tap_tmp_path("none"), *dk = tap_tmp_path("docker");
	MKIMAGE("oci", z, "--layer", layer_dir("base"), "--compress", "zstd");
	MKIMAGE("oci", n, "--layer", layer_dir("base"), "--compress", "none");
	MKIMAGE("oci", dk, "--layer", layer_dir("base"), "--docker-media-types");
	struct img_layout lay;
	struct bh_diag diag;
	enum img_compression c;
	ASSERT_OK(open_dir(z, &lay, &diag));
	ASSERT_OK(img_media_type_compression(lay.layer_media_types[0], &c));
	ASSERT_EQ(c, IMG_COMP_ZSTD);
	img_layout_done(&lay);
	ASSERT_OK(open_dir(n, &lay, &diag));
	ASSERT_OK(img_media_type_compression(lay.layer_media_types[0], &c));
	ASSERT_EQ(c, IMG_COMP_NONE);
	img_layout_done(&lay);
	ASSERT_OK(open_dir(dk, &lay, &diag));
	ASSERT_STREQ(lay.layer_media_types[0], "application/vnd.docker.image.rootfs.diff.tar.gzip");
	img_layout_done(&lay);
}

TEST(select_by_tag_and_ambiguity)
{
	const char *dir = tap_tmp_path("two");
	MKIMAGE("oci", dir, "--layer", layer_dir("base"), "--tag", "v1");
	MKIMAGE("oci", dir, "--layer", layer_dir("top"), "--tag", "v2", "--append");
	struct img_layout lay;
	struct bh_diag diag;
	char s[600];
	ASSERT_ERR(open_dir(dir, &lay, &diag), -EINVAL);
	ASSERT_TRUE(strstr(diag.message, "several images") != NULL);
	ASSERT_TRUE(strstr(diag.message, "v1, v2") != NULL);
	ASSERT_TRUE(strstr(diag.source, "index.json") != NULL);

	(void)xsnprintf(s, sizeof(s), "oci:%s:v2", dir);
	ASSERT_OK(open_target(s, NULL, &lay, &diag));
	ASSERT_STREQ(lay.repo_tags.v[0], "v2");
	img_layout_done(&lay);

	(void)xsnprintf(s, sizeof(s), "oci:%s:v3", dir);
	ASSERT_ERR(open_target(s, NULL, &lay, &diag), -ENOENT);
	ASSERT_TRUE(strstr(diag.message, "no image tagged 'v3' (available: v1, v2)") != NULL);

	(void)xsnprintf(s, sizeof(s), "oci:%s@sha256:%064d", dir, 0);
	ASSERT_ERR(open_target(s, NULL, &lay, &diag), -ENOENT);
}

static void build_arch(const char *out, const char *platform)
{
	MKIMAGE("oci", out, "--layer", layer_dir("base"), "--platform", platform);
}

TEST(select_platform_nested)
{
	const char *amd = tap_tmp_path("amd64"), *arm = tap_tmp_path("arm64"), *s390 = tap_tmp_path("s390x");
	const char *multi = tap_tmp_path("multi");
	build_arch(amd, "linux/amd64");
	build_arch(arm, "linux/arm64");
	build_arch(s390, "linux/s390x");
	char i1[600], i2[600], i3[600];
	(void)xsnprintf(i1, sizeof(i1), "linux/amd64=%s", amd);
	(void)xsnprintf(i2, sizeof(i2), "linux/arm64/v8=%s", arm);
	(void)xsnprintf(i3, sizeof(i3), "linux/s390x=%s", s390);
	MKIMAGE("oci-index", multi, "--image", i1, "--image", i2, "--image", i3, "--attestation",
		"--tag", "latest");

	struct img_layout lay;
	struct bh_diag diag;
	char s[600], arch[64];
	(void)xsnprintf(s, sizeof(s), "oci:%s", multi);
	ASSERT_OK(open_target(s, NULL, &lay, &diag));
	ASSERT_STREQ(layout_arch(&lay, arch, sizeof(arch)), "amd64");
	ASSERT_STREQ(lay.repo_tags.v[0], "latest");
	_cleanup_free_ char *amd_digest = top_digest(amd);
	ASSERT_STREQ(lay.manifest_digest, amd_digest);
	img_layout_done(&lay);

	ASSERT_OK(open_target(s, "linux/arm64", &lay, &diag));
	ASSERT_STREQ(layout_arch(&lay, arch, sizeof(arch)), "arm64");
	img_layout_done(&lay);
	ASSERT_OK(open_target(s, "linux/aarch64/v8", &lay, &diag));
	ASSERT_STREQ(layout_arch(&lay, arch, sizeof(arch)), "arm64");
	img_layout_done(&lay);
	ASSERT_OK(open_target(s, "linux/x86_64", &lay, &diag));
	ASSERT_STREQ(layout_arch(&lay, arch, sizeof(arch)), "amd64");
	img_layout_done(&lay);

	ASSERT_ERR(open_target(s, "linux/ppc64le", &lay, &diag), -ENOENT);
	ASSERT_STREQ(
	    diag.message,
	    "no manifest for platform linux/ppc64le (available: linux/amd64, linux/arm64/v8, "
	    "linux/s390x)");
	ASSERT_ERR(open_target(s, "nonsense", &lay, &diag), -EINVAL);
	ASSERT_ERR(open_target(s, "linux/", &lay, &diag), -EINVAL);

	/* a platform manifest's digest selects it through the index */
	_cleanup_free_ char *arm_digest = top_digest(arm);
	(void)xsnprintf(s, sizeof(s), "oci:%s@%s", multi, arm_digest);
	ASSERT_OK(open_target(s, NULL, &lay, &diag));
	ASSERT_STREQ(layout_arch(&lay, arch, sizeof(arch)), "arm64");
	img_layout_done(&lay);

	/* flat: the platform manifests directly in index.json, Docker manifest list */
	const char *flat = tap_tmp_path("flat"), *list = tap_tmp_path("list"), *deep = tap_tmp_path("deep");
	MKIMAGE("oci-index", flat, "--image", i1, "--image", i2, "--flat");
	(void)xsnprintf(s, sizeof(s), "oci:%s", flat);
	ASSERT_OK(open_target(s, "linux/arm64", &lay, &diag));
	ASSERT_STREQ(layout_arch(&lay, arch, sizeof(arch)), "arm64");
	img_layout_done(&lay);
	MKIMAGE("oci-index", list, "--image", i1, "--image", i2, "--docker-list");
	(void)xsnprintf(s, sizeof(s), "oci:%s", list);
	ASSERT_OK(open_target(s, "linux/arm64", &lay, &diag));
	img_layout_done(&lay);

	/* nesting: 3 indexes deep works with the default limit, not with index-max-depth 2 */
	MKIMAGE("oci-index", deep, "--image", i1, "--image", i2, "--nest", "3");
	(void)xsnprintf(s, sizeof(s), "oci:%s", deep);
	ASSERT_OK(open_target(s, NULL, &lay, &diag));
	img_layout_done(&lay);
	struct img_target t;
	ASSERT_OK(img_target_parse(s, &t));
	struct bh_limits limits;
	bh_limits_default(&limits);
	limits.index_max_depth = 2;
	struct img_open_opts o = {.limits = &limits};
	ASSERT_ERR(img_oci_open(&t, &o, &lay, &diag), -E2BIG);
	ASSERT_TRUE(strstr(diag.message, "index-max-depth") != NULL);
	img_target_done(&t);
}

TEST(select_arm_variants)
{
	const char *v6 = tap_tmp_path("armv6"), *v7 = tap_tmp_path("armv7"), *multi = tap_tmp_path("arms");
	const char *only6 = tap_tmp_path("only6");
	build_arch(v6, "linux/arm/v6");
	build_arch(v7, "linux/arm/v7");
	char i1[600], i2[600];
	(void)xsnprintf(i1, sizeof(i1), "linux/arm/v6=%s", v6);
	(void)xsnprintf(i2, sizeof(i2), "linux/arm/v7=%s", v7);
	MKIMAGE("oci-index", multi, "--image", i1, "--image", i2);
	MKIMAGE("oci-index", only6, "--image", i1);
	struct img_layout lay;
	struct bh_diag diag;
	char s[600], arch[64];
	(void)xsnprintf(s, sizeof(s), "oci:%s", multi);
	ASSERT_OK(open_target(s, "linux/arm", &lay, &diag)); /* arm means arm/v7 */
	ASSERT_STREQ(layout_arch(&lay, arch, sizeof(arch)), "arm/v7");
	img_layout_done(&lay);
	ASSERT_OK(open_target(s, "linux/arm/v6", &lay, &diag));
	ASSERT_STREQ(layout_arch(&lay, arch, sizeof(arch)), "arm/v6");
	img_layout_done(&lay);
	/* v7 runs v6 when nothing better is there; v5 does not run v6 */
	(void)xsnprintf(s, sizeof(s), "oci:%s", only6);
	ASSERT_OK(open_target(s, "linux/arm/v7", &lay, &diag));
	ASSERT_STREQ(layout_arch(&lay, arch, sizeof(arch)), "arm/v6");
	img_layout_done(&lay);
	ASSERT_ERR(open_target(s, "linux/arm/v5", &lay, &diag), -ENOENT);
	ASSERT_ERR(open_target(s, NULL, &lay, &diag), -ENOENT);
	ASSERT_STREQ(diag.message,
		     "no manifest for platform linux/amd64 (available: linux/arm/v6)");
}

/* ---- verification ---------------------------------------------------------------------------- */

TEST(corrupt_blobs)
{
	static const char *const what[] = {"config-digest", "manifest-digest", "config-size",
					   "truncate-blob"};
	static const char *const msg[] = {"digest mismatch: expected sha256:",
					  "digest mismatch: expected sha256:", "size mismatch",
					  "size mismatch"};
	for (size_t i = 0; i < ARRAY_SIZE(what); i++) {
		char name[64];
		(void)xsnprintf(name, sizeof(name), "corrupt-%s", what[i]);
		const char *dir = tap_tmp_path(name);
		MKIMAGE("oci", dir, "--layer", layer_dir("base"), "--corrupt", what[i]);
		struct img_layout lay;
		struct bh_diag diag;
		ASSERT_ERR(open_dir(dir, &lay, &diag), -EBADMSG);
		ASSERT_TRUE(strncmp(diag.message, msg[i], strlen(msg[i])) == 0);
		ASSERT_TRUE(strstr(diag.source, "blobs/sha256/") != NULL);
		ASSERT_TRUE(strncmp(diag.source, "oci:", 4) == 0);
	}
	/* a layer's digest is the streamer's to check: opening succeeds */
	const char *dir = tap_tmp_path("corrupt-layer");
	MKIMAGE("oci", dir, "--layer", layer_dir("base"), "--corrupt", "blob-digest");
	struct img_layout lay;
	struct bh_diag diag;
	ASSERT_OK(open_dir(dir, &lay, &diag));
	img_layout_done(&lay);
}

TEST(not_a_layout)
{
	struct img_layout lay;
	struct bh_diag diag;
	ASSERT_ERR(open_dir(tap_tmp_path("does-not-exist"), &lay, &diag), -ENOENT);
	ASSERT_STREQ(diag.message, "no such directory");

	const char *file = tap_tmp_path("plain-file");
	put(tap_tmp_path(""), "plain-file", "x", 1);
	ASSERT_ERR(open_dir(file, &lay, &diag), -EOPNOTSUPP);

	const char *empty = tap_tmp_path("empty-dir");
	ASSERT_OK(NERRNO(mkdir(empty, 0755)));
	ASSERT_ERR(open_dir(empty, &lay, &diag), -EOPNOTSUPP);
	ASSERT_TRUE(strstr(diag.message, "no oci-layout") != NULL);

	const char *v2 = new_layout("layout-v2");
	put(v2, "oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}", 30);
	ASSERT_ERR(open_dir(v2, &lay, &diag), -EOPNOTSUPP);

	const char *noidx = new_layout("no-index");
	ASSERT_ERR(open_dir(noidx, &lay, &diag), -EBADMSG);
	ASSERT_STREQ(diag.message, "missing index.json");
}

TEST(bad_index_json)
{
	struct img_layout lay;
	struct bh_diag diag;
	const char *d = new_layout("bad-json");
	put(d, "index.json", "{\n  \"schemaVersion\": 2,\n  \"manifests\": [,]\n}", 44);
	ASSERT_ERR(open_dir(d, &lay, &diag), -EBADMSG);
	ASSERT_TRUE(strncmp(diag.message, "invalid JSON: ", 14) == 0);
	ASSERT_EQ(diag.line, 3);
	ASSERT_TRUE(strstr(diag.source, ": index.json") != NULL);

	put(d, "index.json", "{\"schemaVersion\":2,\"manifests\":[],\"manifests\":[]}", 49);
	ASSERT_ERR(open_dir(d, &lay, &diag), -EBADMSG); /* duplicate key */

	put(d, "index.json", "{\"schemaVersion\":2,\"manifests\":[]}", 34);
	ASSERT_ERR(open_dir(d, &lay, &diag), -ENOENT);

	put(d, "index.json", "{\"manifests\":[]}", 16);
	ASSERT_ERR(open_dir(d, &lay, &diag), -EBADMSG);
	ASSERT_STREQ(diag.message, "schemaVersion must be 2");

	put(d, "index.json", "[1,2]", 5);
	ASSERT_ERR(open_dir(d, &lay, &diag), -EBADMSG);

	put(d, "index.json", "{\"schemaVersion\":2,\"manifests\":{}}", 34);
	ASSERT_ERR(open_dir(d, &lay, &diag), -EBADMSG);
}

TEST(digest_traversal_and_algorithms)
{
	struct img_layout lay;
	struct bh_diag diag;
	const char *d = new_layout("traversal");
	const char *idx = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_M "\","
			  "\"digest\":\"sha256:../../../../../../etc/passwd\",\"size\":10}]}";
	put(d, "index.json", idx, strlen(idx));
	ASSERT_ERR(open_dir(d, &lay, &diag), -EBADMSG);
	ASSERT_TRUE(strstr(diag.message, "invalid digest") != NULL);

	idx = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_M "\","
	      "\"digest\":\"sha512:abcd\",\"size\":10}]}";
	put(d, "index.json", idx, strlen(idx));
	ASSERT_ERR(open_dir(d, &lay, &diag), -EOPNOTSUPP);

	idx = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_M "\","
	      "\"digest\":\"sha256:"
	      "AAAA000000000000000000000000000000000000000000000000000000000000\","
	      "\"size\":10}]}";
	put(d, "index.json", idx, strlen(idx));
	ASSERT_ERR(open_dir(d, &lay, &diag), -EBADMSG);

	idx = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_M "\","
	      "\"digest\":\"sha256:"
	      "0000000000000000000000000000000000000000000000000000000000000000\","
	      "\"size\":-1}]}";
	put(d, "index.json", idx, strlen(idx));
	ASSERT_ERR(open_dir(d, &lay, &diag), -EBADMSG);

	/* a missing blob */
	idx = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_M "\","
	      "\"digest\":\"sha256:"
	      "0000000000000000000000000000000000000000000000000000000000000000\","
	      "\"size\":10}]}";
	put(d, "index.json", idx, strlen(idx));
	ASSERT_ERR(open_dir(d, &lay, &diag), -EBADMSG);
	ASSERT_STREQ(diag.message, "blob is missing");
}

TEST(symlinked_blobs)
{
	struct img_layout lay;
	struct bh_diag diag;
	/* a manifest blob that is a symlink to a file outside */
	const char *d = layout_with_manifest("symlink-blob", NULL, MT_L);
	char p[700], idx[4096];
	(void)xsnprintf(p, sizeof(p), "%s/index.json", d);
	_cleanup_free_ char *s = read_str(p);
	json_t *j = json_loads(s, 0, NULL);
	const char *dg = json_string_value(
	    json_object_get(json_array_get(json_object_get(j, "manifests"), 0), "digest"));
	char blobp[700], moved[700];
	(void)xsnprintf(blobp, sizeof(blobp), "%s/blobs/sha256/%s", d, dg + 7);
	(void)xsnprintf(moved, sizeof(moved), "%s.outside", d);
	ASSERT_OK(NERRNO(rename(blobp, moved)));
	ASSERT_OK(NERRNO(symlink(moved, blobp)));
	ASSERT_ERR(open_dir(d, &lay, &diag), -EBADMSG);
	ASSERT_STREQ(diag.message, "blob is a symbolic link");
	json_decref(j);
	(void)idx;

	/* blobs/ itself a symlink */
	const char *d2 = layout_with_manifest("symlink-blobs-dir", NULL, MT_L);
	char b1[700], b2[700];
	(void)xsnprintf(b1, sizeof(b1), "%s/blobs", d2);
	(void)xsnprintf(b2, sizeof(b2), "%s/real-blobs", d2);
	ASSERT_OK(NERRNO(rename(b1, b2)));
	ASSERT_OK(NERRNO(symlink("real-blobs", b1)));
	ASSERT_ERR(open_dir(d2, &lay, &diag), -EBADMSG);
}

TEST(unsupported_media_types)
{
	struct img_layout lay;
	struct bh_diag diag;
	const char *d = layout_with_manifest(
	    "encrypted", NULL, "application/vnd.oci.image.layer.v1.tar+gzip+encrypted");
	ASSERT_ERR(open_dir(d, &lay, &diag), -EOPNOTSUPP);
	ASSERT_TRUE(strstr(diag.message, "encrypted") != NULL);
	ASSERT_TRUE(strstr(diag.message, "layers[0]") != NULL);

	d = layout_with_manifest("foreign", NULL,
				 "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip");
	ASSERT_ERR(open_dir(d, &lay, &diag), -EOPNOTSUPP);
	ASSERT_TRUE(strstr(diag.message, "foreign") != NULL);

	d = layout_with_manifest("weird-layer", NULL, "text/plain");
	ASSERT_ERR(open_dir(d, &lay, &diag), -EOPNOTSUPP);

	/* schema 1, by media type and by content */
	d = new_layout("schema1");
	char md[200], idx[1024];
	blob(d, "{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}", md, sizeof(md));
	(void)xsnprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":[{%s}]}", md);
	put(d, "index.json", idx, strlen(idx));
	ASSERT_ERR(open_dir(d, &lay, &diag), -EOPNOTSUPP);
	ASSERT_TRUE(strstr(diag.message, "schema 1") != NULL);
	(void)xsnprintf(idx, sizeof(idx),
			"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
			"\"application/vnd.docker.distribution.manifest.v1+prettyjws\",%s}]}",
			md);
	put(d, "index.json", idx, strlen(idx));
	ASSERT_ERR(open_dir(d, &lay, &diag), -EOPNOTSUPP);

	/* an artifact (helm chart) rather than an image */
	d = new_layout("artifact");
	char cd[200], m[1024];
	blob(d, "{}", cd, sizeof(cd));
	(void)xsnprintf(m, sizeof(m),
			"{\"schemaVersion\":2,\"mediaType\":\"" MT_M "\",\"config\":{\"mediaType\":"
			"\"application/vnd.cncf.helm.config.v1+json\",%s},\"layers\":[]}",
			cd);
	blob(d, m, md, sizeof(md));
	(void)xsnprintf(idx, sizeof(idx),
			"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_M "\",%s}]}",
			md);
	put(d, "index.json", idx, strlen(idx));
	ASSERT_ERR(open_dir(d, &lay, &diag), -EOPNOTSUPP);
	ASSERT_TRUE(strstr(diag.message, "not a container image") != NULL);

	/* descriptor says manifest, document says index */
	d = new_layout("mt-mismatch");
	blob(d,
	     "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
	     "\"manifests\":[]}",
	     md, sizeof(md));
	(void)xsnprintf(idx, sizeof(idx),
			"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_M "\",%s}]}",
			md);
	put(d, "index.json", idx, strlen(idx));
	ASSERT_ERR(open_dir(d, &lay, &diag), -EBADMSG);
	ASSERT_TRUE(strstr(diag.message, "media type mismatch") != NULL);

	d = new_layout("unknown-mt");
	(void)xsnprintf(idx, sizeof(idx),
			"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
			"\"application/vnd.oci.artifact.manifest.v1+json\",%s}]}",
			md);
	put(d, "index.json", idx, strlen(idx));
	ASSERT_ERR(open_dir(d, &lay, &diag), -EOPNOTSUPP);
}

TEST(bad_manifests)
{
	struct img_layout lay;
	struct bh_diag diag;
	static const char *const bad[] = {
	    "{\"schemaVersion\":2,\"mediaType\":\"" MT_M "\",\"layers\":[]}",
	    "{\"schemaVersion\":2,\"mediaType\":\"" MT_M "\",\"config\":{\"digest\":\"x\","
	    "\"size\":1},\"layers\":[]}",
	    "{\"schemaVersion\":3,\"mediaType\":\"" MT_M "\"}",
	    "{\"schemaVersion\":2,\"mediaType\":\"" MT_M "\"",
	    "{\"schemaVersion\":2,\"mediaType\":7}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char name[64];
		(void)xsnprintf(name, sizeof(name), "bad-manifest-%zu", i);
		const char *d = layout_with_manifest(name, bad[i], NULL);
		ASSERT_ERR(open_dir(d, &lay, &diag), -EBADMSG);
		ASSERT_TRUE(strstr(diag.source, "blobs/sha256/") != NULL);
	}
	/* a layer entry without a media type, and one whose blob size differs */
	const char *d = new_layout("layer-size");
	char cd[200], ld[200], md[200], m[1024], idx[1024];
	blob(d, CONFIG, cd, sizeof(cd));
	blob(d, "12345", ld, sizeof(ld));
	char *sz = strstr(ld, "\"size\":5");
	ASSERT_NOT_NULL(sz);
	sz[7] = '6';
	(void)xsnprintf(m, sizeof(m),
			"{\"schemaVersion\":2,\"mediaType\":\"" MT_M
			"\",\"config\":{\"mediaType\":\"" MT_C
			"\",%s},\"layers\":[{\"mediaType\":\"" MT_L "\",%s}]}",
			cd, ld);
	blob(d, m, md, sizeof(md));
	(void)xsnprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":[{%s}]}", md);
	put(d, "index.json", idx, strlen(idx));
	ASSERT_ERR(open_dir(d, &lay, &diag), -EBADMSG);
	ASSERT_STREQ(diag.message, "size mismatch: descriptor says 6 bytes, blob has 5");

	/* too many layers */
	d = layout_with_manifest("ok-for-limits", NULL, MT_L);
	struct img_target t;
	char s[600];
	(void)xsnprintf(s, sizeof(s), "oci:%s", d);
	ASSERT_OK(img_target_parse(s, &t));
	struct bh_limits limits;
	bh_limits_default(&limits);
	struct img_open_opts o = {.limits = &limits};
	ASSERT_OK(img_oci_open(&t, &o, &lay, &diag));
	img_layout_done(&lay);
	limits.input_max_bytes = 16; /* the config blob is larger */
	ASSERT_ERR(img_oci_open(&t, &o, &lay, &diag), -E2BIG);
	img_target_done(&t);
}

TEST(path_with_colon)
{
	/* a layout directory whose own name ends in ":x" is found though "x" looks like a tag */
	const char *dir = tap_tmp_path("img:x");
	MKIMAGE("oci", dir, "--layer", layer_dir("base"));
	struct img_layout lay;
	struct bh_diag diag;
	ASSERT_OK(open_dir(dir, &lay, &diag));
	img_layout_done(&lay);
}
