/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-target.c — img_target_parse() (schemes, tags, digests, paths with ':' and '@') and
 * img_target_detect() on layouts, directories, archives and non-images built at test time
 * with tests/lib/mkimage.py and tests/lib/mktar.py (skipped without python3).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "bulkhead/image.h"
#include "tap.h"

/* ---- helpers: temp dir, running the fixture builders ---------------------------------- */

static void need_python(void)
{
	const char *argv[] = {"python3", "-c", "pass", NULL};
	if (tap_run(argv) != 0)
		TEST_SKIP("python3 not available");
}

static void write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");
	ASSERT_NOT_NULL(f);
	fputs(data, f);
	fclose(f);
}

/* ---- parsing ----------------------------------------------------------------------------- */

TEST(parse_oci_plain)
{
	struct img_target t;
	ASSERT_OK(img_target_parse("oci:/x/img", &t));
	ASSERT_EQ(t.kind, IMG_KIND_OCI);
	ASSERT_STREQ(t.path, "/x/img");
	ASSERT_NULL(t.reference);
	ASSERT_NULL(t.digest);
	ASSERT_STREQ(t.original, "oci:/x/img");
	img_target_done(&t);
}

TEST(parse_oci_tag)
{
	struct img_target t;
	ASSERT_OK(img_target_parse("oci:/x/img:v1.2", &t));
	ASSERT_STREQ(t.path, "/x/img");
	ASSERT_STREQ(t.reference, "v1.2");
	img_target_done(&t);

	/* a ':' followed by '/' belongs to the path */
	ASSERT_OK(img_target_parse("oci:/a:b/img", &t));
	ASSERT_STREQ(t.path, "/a:b/img");
	ASSERT_NULL(t.reference);
	img_target_done(&t);

	ASSERT_OK(img_target_parse("oci:/a:b/img:latest", &t));
	ASSERT_STREQ(t.path, "/a:b/img");
	ASSERT_STREQ(t.reference, "latest");
	img_target_done(&t);

	ASSERT_OK(img_target_parse("oci:relative", &t));
	ASSERT_STREQ(t.path, "relative");
	img_target_done(&t);
}

TEST(parse_oci_digest)
{
	struct img_target t;
	const char *d = "sha256:e9663708371c0ba1a67235d5f5293ec715c35470ece669f22b823b5c78fb755f";
	char s[200];
	ASSERT_OK(xsnprintf(s, sizeof(s), "oci:/x/img@%s", d));
	ASSERT_OK(img_target_parse(s, &t));
	ASSERT_STREQ(t.path, "/x/img");
	ASSERT_STREQ(t.digest, d);
	ASSERT_NULL(t.reference);
	img_target_done(&t);

	/* '@' without an algorithm is part of the name */
	ASSERT_OK(img_target_parse("oci:/x/img@2", &t));
	ASSERT_STREQ(t.path, "/x/img@2");
	ASSERT_NULL(t.digest);
	img_target_done(&t);

	ASSERT_ERR(img_target_parse("oci:/x/img@sha256:abc", &t), -EINVAL);
	/* a '/' after the '@' makes it part of the path: never a digest */
	ASSERT_OK(img_target_parse("oci:/x/img@sha256:../../etc", &t));
	ASSERT_STREQ(t.path, "/x/img@sha256:../../etc");
	ASSERT_NULL(t.digest);
	img_target_done(&t);
}

TEST(parse_bad)
{
	struct img_target t;
	ASSERT_ERR(img_target_parse("", &t), -EINVAL);
	ASSERT_ERR(img_target_parse(NULL, &t), -EINVAL);
	ASSERT_ERR(img_target_parse("oci:", &t), -EINVAL);
	ASSERT_ERR(img_target_parse("oci::tag", &t), -EINVAL);
	ASSERT_ERR(img_target_parse("oci:/x:", &t), -EINVAL);
	ASSERT_ERR(img_target_parse("oci:/x:bad*tag", &t), -EINVAL);
	ASSERT_ERR(img_target_parse("dir:", &t), -EINVAL);
	ASSERT_ERR(img_target_parse("docker-archive:", &t), -EINVAL);
	ASSERT_ERR(img_target_parse("docker://busybox", &t), -EOPNOTSUPP);
	ASSERT_ERR(img_target_parse("registry:ghcr.io/x:1", &t), -EOPNOTSUPP);
}

TEST(parse_docker_archive)
{
	struct img_target t;
	ASSERT_OK(img_target_parse("docker-archive:/tmp/img.tar", &t));
	ASSERT_EQ(t.kind, IMG_KIND_DOCKER_ARCHIVE);
	ASSERT_STREQ(t.path, "/tmp/img.tar");
	ASSERT_NULL(t.reference);
	img_target_done(&t);

	ASSERT_OK(img_target_parse("docker-archive:/tmp/img.tar:busybox:latest", &t));
	ASSERT_STREQ(t.path, "/tmp/img.tar");
	ASSERT_STREQ(t.reference, "busybox:latest");
	img_target_done(&t);

	ASSERT_OK(img_target_parse("docker-archive:img.tar:localhost:5000/a/b:v1", &t));
	ASSERT_STREQ(t.path, "img.tar");
	ASSERT_STREQ(t.reference, "localhost:5000/a/b:v1");
	img_target_done(&t);

	ASSERT_OK(img_target_parse("docker-archive:/a:b/img.tar:foo/bar:2", &t));
	ASSERT_STREQ(t.path, "/a:b/img.tar");
	ASSERT_STREQ(t.reference, "foo/bar:2");
	img_target_done(&t);

	/* a single ":x" is not REPO:TAG: the whole string is the path */
	ASSERT_OK(img_target_parse("docker-archive:/tmp/img.tar:latest", &t));
	ASSERT_STREQ(t.path, "/tmp/img.tar:latest");
	ASSERT_NULL(t.reference);
	img_target_done(&t);

	/* upper case is not a repository */
	ASSERT_OK(img_target_parse("docker-archive:/t/x:Foo:1", &t));
	ASSERT_STREQ(t.path, "/t/x:Foo:1");
	img_target_done(&t);
}

TEST(parse_dir_and_auto)
{
	struct img_target t;
	ASSERT_OK(img_target_parse("dir:/srv/rootfs", &t));
	ASSERT_EQ(t.kind, IMG_KIND_DIR);
	ASSERT_STREQ(t.path, "/srv/rootfs");
	img_target_done(&t);

	ASSERT_OK(img_target_parse("/some/where:with:colons", &t));
	ASSERT_EQ(t.kind, IMG_KIND_AUTO);
	ASSERT_STREQ(t.path, "/some/where:with:colons");
	ASSERT_NULL(t.reference);
	img_target_done(&t);
	img_target_done(&t); /* idempotent */
}

/* ---- detection ---------------------------------------------------------------------------- */

static int detect(const char *s, struct img_target *t)
{
	int r = img_target_parse(s, t);
	if (r < 0)
		return r;
	return img_target_detect(t);
}

TEST(detect_kinds)
{
	need_python();
	const char *layer = tap_src_path("tests/fixtures/images/layers/base");
	const char *mk = tap_src_path("tests/lib/mkimage.py");
	const char *oci = tap_tmp_path("oci"), *arc = tap_tmp_path("a.tar"), *arc2 = tap_tmp_path("b.tar");
	const char *a1[] = {"python3", mk, "oci", oci, "--layer", layer, "--tag", "v1", NULL};
	ASSERT_EQ(tap_run(a1), 0);
	const char *a2[] = {"python3", mk, "docker-archive", arc, "--layer", layer, NULL};
	ASSERT_EQ(tap_run(a2), 0);
	const char *a3[] = {"python3", mk,  "docker-archive", arc2, "--format", "oci", "--layer",
			    layer,     NULL};
	ASSERT_EQ(tap_run(a3), 0);

	struct img_target t;
	ASSERT_OK(detect(oci, &t));
	ASSERT_EQ(t.kind, IMG_KIND_OCI);
	img_target_done(&t);

	ASSERT_OK(detect(layer, &t));
	ASSERT_EQ(t.kind, IMG_KIND_DIR);
	img_target_done(&t);

	ASSERT_OK(detect(arc, &t));
	ASSERT_EQ(t.kind, IMG_KIND_DOCKER_ARCHIVE);
	img_target_done(&t);

	ASSERT_OK(detect(arc2, &t));
	ASSERT_EQ(t.kind, IMG_KIND_DOCKER_ARCHIVE);
	img_target_done(&t);

	/* a bare "DIR:TAG" whose DIR exists */
	char s[600];
	ASSERT_OK(xsnprintf(s, sizeof(s), "%s:v1", oci));
	ASSERT_OK(detect(s, &t));
	ASSERT_EQ(t.kind, IMG_KIND_OCI);
	ASSERT_STREQ(t.path, oci);
	ASSERT_STREQ(t.reference, "v1");
	img_target_done(&t);

	ASSERT_ERR(detect(tap_tmp_path("missing"), &t), -ENOENT);
	img_target_done(&t);
	ASSERT_ERR(detect("/nonexistent/x:y", &t), -ENOENT);
	img_target_done(&t);

	/* explicit kinds are left to the readers */
	ASSERT_OK(detect("oci:/nonexistent", &t));
	ASSERT_EQ(t.kind, IMG_KIND_OCI);
	img_target_done(&t);
}

TEST(detect_not_images)
{
	need_python();
	const char *txt = tap_tmp_path("notes.txt");
	write_file(txt, "hello, not an image\n");
	struct img_target t;
	ASSERT_ERR(detect(txt, &t), -EOPNOTSUPP);
	img_target_done(&t);

	const char *empty = tap_tmp_path("empty");
	write_file(empty, "");
	ASSERT_ERR(detect(empty, &t), -EOPNOTSUPP);
	img_target_done(&t);

	/* a tar that is not an image */
	const char *mt = tap_src_path("tests/lib/mktar.py");
	const char *plain = tap_tmp_path("plain.tar");
	const char *a1[] = {"python3", mt, plain, "file:etc/hostname=box", NULL};
	ASSERT_EQ(tap_run(a1), 0);
	ASSERT_ERR(detect(plain, &t), -EOPNOTSUPP);
	img_target_done(&t);

	/* a compressed tar is handed to the archive reader, which explains */
	const char *gz = tap_tmp_path("img.tar.gz");
	const char *a2[] = {"python3", mt, gz, "--gzip", "file:manifest.json=[]", NULL};
	ASSERT_EQ(tap_run(a2), 0);
	ASSERT_OK(detect(gz, &t));
	ASSERT_EQ(t.kind, IMG_KIND_DOCKER_ARCHIVE);
	img_target_done(&t);

	/* /dev/null is no image */
	ASSERT_ERR(detect("/dev/null", &t), -EOPNOTSUPP);
	img_target_done(&t);
}
