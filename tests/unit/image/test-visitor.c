/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-visitor.c — struct img_visitor: every regular file of every layer is seen with its
 * exact bytes and its layer, including a file a later layer deletes; dir: targets are split
 * over workers; a visitor's error aborts the read and names the file. Images are built
 * with tests/lib/mkimage.py (skipped without python3).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "bulkhead/image.h"
#include "common/hash.h"
#include "tap.h"

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

/* ---- a recording visitor ------------------------------------------------------------ */

struct seen {
	char path[256];
	int layer;
	char digest[80]; /* the layer digest given to stream_begin */
	uint64_t size, got;
	char sha[BH_DIGEST_STR_LEN + 1];
};

struct rec {
	pthread_mutex_t lock;
	struct seen v[64];
	size_t n;
	unsigned streams, ended;
	const char *fail_on; /* file_data fails for this path */
	size_t first_only;   /* when > 0: stop each file after this many bytes */
};

struct stream {
	struct rec *rec;
	int layer;
	char digest[80];
	struct seen cur;
	struct bh_sha256 h;
	bool hashing; /* h is live: file_begin ran and file_end did not */
	bool fail;
};

static int v_begin(void *u, int layer_no, const char *digest, void **ret)
{
	struct stream *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->rec = u;
	s->layer = layer_no;
	(void)xsnprintf(s->digest, sizeof(s->digest), "%s", digest ? digest : "");
	pthread_mutex_lock(&s->rec->lock);
	s->rec->streams++;
	pthread_mutex_unlock(&s->rec->lock);
	*ret = s;
	return 0;
}

static int v_file_begin(void *state, const char *path, uint32_t mode, uint64_t size)
{
	struct stream *s = state;
	s->cur = (struct seen){ .layer = s->layer, .size = size };
	(void)xsnprintf(s->cur.path, sizeof(s->cur.path), "%s", path);
	memcpy(s->cur.digest, s->digest, sizeof(s->digest));
	s->fail = s->rec->fail_on && streq(path, s->rec->fail_on);
	if (bh_sha256_init(&s->h) < 0)
		return -ENOMEM;
	s->hashing = true;
	return 1;
}

static int v_file_data(void *state, const void *data, size_t len)
{
	struct stream *s = state;
	if (s->fail)
		return -EPROTO;
	bh_sha256_update(&s->h, data, len);
	s->cur.got += len;
	return s->rec->first_only && s->cur.got >= s->rec->first_only;
}

static int v_file_end(void *state)
{
	struct stream *s = state;
	bh_sha256_final_str(&s->h, s->cur.sha);
	s->hashing = false;
	pthread_mutex_lock(&s->rec->lock);
	if (s->rec->n < 64)
		s->rec->v[s->rec->n++] = s->cur;
	pthread_mutex_unlock(&s->rec->lock);
	return 0;
}

static void v_end(void *state, int err)
{
	struct stream *s = state;
	/* A failed stream ends without file_end for its current file. */
	if (s->hashing)
		bh_sha256_done(&s->h);
	pthread_mutex_lock(&s->rec->lock);
	s->rec->ended++;
	pthread_mutex_unlock(&s->rec->lock);
	free(s);
}

static const struct seen *find(const struct rec *r, const char *path)
{
	for (size_t i = 0; i < r->n; i++)
		if (streq(r->v[i].path, path))
			return &r->v[i];
	return NULL;
}

static int open_with(const char *target, struct rec *rec, struct img **ret, struct bh_diag *diag)
{
	struct img_visitor v = {
		.userdata = rec,
		.stream_begin = v_begin,
		.file_begin = v_file_begin,
		.file_data = v_file_data,
		.file_end = v_file_end,
		.stream_end = v_end,
	};
	struct img_target t;
	int r = img_target_parse(target, &t);
	if (r < 0)
		return r;
	struct bh_limits l;
	bh_limits_default(&l);
	struct img_open_opts o = { .limits = &l, .visitor = &v };
	r = img_open(&t, &o, ret, diag);
	img_target_done(&t);
	return r;
}

static char *sha_of_file(const char *path)
{
	size_t len;
	_cleanup_free_ char *d = tap_read_file(path, &len);
	char *out = malloc(BH_DIGEST_STR_LEN + 1);
	if (!d || !out || bh_sha256_str(d, len, out) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

#define MKIMAGE(...)                                                                               \
	do {                                                                                       \
		const char *_py[] = { "python3", "-c", "pass", NULL };                             \
		if (tap_run(_py) != 0)                                                                 \
			TEST_SKIP("python3 not available");                                        \
		const char *_mk[] = { "python3", tap_src_path("tests/lib/mkimage.py"), __VA_ARGS__, \
				     NULL };                                                       \
		ASSERT_EQ(tap_run(_mk), 0);                                                             \
	} while (0)

TEST(every_layer_even_deleted_files)
{
	const char *dir = tap_tmp_path("oci");
	MKIMAGE("oci", dir, "--layer", layer_dir("base"), "--layer", layer_dir("top"));
	struct rec rec = { .lock = PTHREAD_MUTEX_INITIALIZER };
	char target[600];
	(void)xsnprintf(target, sizeof(target), "oci:%s", dir);
	struct bh_diag diag = { 0 };
	_cleanup_(img_freep) struct img *img = NULL;
	ASSERT_EQ(open_with(target, &rec, &img, &diag), 0);
	ASSERT_EQ(rec.streams, 2u);
	ASSERT_EQ(rec.ended, 2u);
	/* usr/bin/hello is deleted by the top layer: gone from the index, seen in layer 0. */
	ASSERT_NULL(img_fs_lookup(img->fs, "usr/bin/hello"));
	const struct seen *h = find(&rec, "usr/bin/hello");
	ASSERT_NOT_NULL(h);
	ASSERT_EQ(h->layer, 0);
	ASSERT_STREQ(h->digest, img->layers[0].digest);
	_cleanup_free_ char *want = sha_of_file(tap_src_path("tests/fixtures/images/layers/base/usr/bin/hello"));
	ASSERT_NOT_NULL(want);
	ASSERT_STREQ(h->sha, want);
	ASSERT_EQ(h->got, h->size);
	const struct seen *m = find(&rec, "etc/motd");
	ASSERT_NOT_NULL(m);
	ASSERT_EQ(m->layer, 1);
	ASSERT_STREQ(m->digest, img->layers[1].digest);
	/* os-release is captured for a cataloger and visited too, with the same bytes. */
	const struct seen *o = find(&rec, "etc/os-release");
	ASSERT_NOT_NULL(o);
	_cleanup_free_ char *want_os = sha_of_file(tap_src_path("tests/fixtures/images/layers/base/etc/os-release"));
	ASSERT_STREQ(o->sha, want_os);
	/* Whiteout markers are not files. */
	for (size_t i = 0; i < rec.n; i++)
		ASSERT_TRUE(strstr(rec.v[i].path, ".wh.") == NULL);
}

TEST(visitor_may_stop_a_file_early)
{
	const char *dir = tap_tmp_path("oci-early");
	MKIMAGE("oci", dir, "--layer", layer_dir("base"), "--compress", "zstd");
	struct rec rec = { .lock = PTHREAD_MUTEX_INITIALIZER, .first_only = 1 };
	char target[600];
	(void)xsnprintf(target, sizeof(target), "oci:%s", dir);
	struct bh_diag diag = { 0 };
	_cleanup_(img_freep) struct img *img = NULL;
	ASSERT_EQ(open_with(target, &rec, &img, &diag), 0);
	ASSERT_NOT_NULL(find(&rec, "etc/passwd"));
	/* The index is complete although the visitor stopped reading early. */
	ASSERT_NOT_NULL(img_fs_lookup(img->fs, "usr/bin/hello"));
}

TEST(visitor_error_aborts_and_names_the_file)
{
	const char *dir = tap_tmp_path("oci-fail");
	MKIMAGE("oci", dir, "--layer", layer_dir("base"));
	struct rec rec = { .lock = PTHREAD_MUTEX_INITIALIZER, .fail_on = "etc/passwd" };
	char target[600];
	(void)xsnprintf(target, sizeof(target), "oci:%s", dir);
	struct bh_diag diag = { 0 };
	struct img *img = NULL;
	ASSERT_EQ(open_with(target, &rec, &img, &diag), -EPROTO);
	ASSERT_NULL(img);
	ASSERT_TRUE(strstr(diag.message, "etc/passwd") != NULL);
	ASSERT_EQ(rec.ended, rec.streams);
}

TEST(dir_target_every_file_once)
{
	struct rec rec = { .lock = PTHREAD_MUTEX_INITIALIZER };
	char target[600];
	(void)xsnprintf(target, sizeof(target), "dir:%s", layer_dir("base"));
	struct bh_diag diag = { 0 };
	_cleanup_(img_freep) struct img *img = NULL;
	ASSERT_EQ(open_with(target, &rec, &img, &diag), 0);
	size_t regular = 0;
	for (size_t i = 0; i < img_fs_count(img->fs); i++)
		regular += img_fs_at(img->fs, i)->type == IMG_FT_REG;
	ASSERT_EQ(rec.n, regular);
	ASSERT_EQ(rec.ended, rec.streams);
	const struct seen *h = find(&rec, "usr/bin/hello");
	ASSERT_NOT_NULL(h);
	ASSERT_EQ(h->layer, -1);
	ASSERT_STREQ(h->digest, "");
	_cleanup_free_ char *want = sha_of_file(tap_src_path("tests/fixtures/images/layers/base/usr/bin/hello"));
	ASSERT_STREQ(h->sha, want);
}

TEST(dir_target_symlink_is_not_followed)
{
	const char *root = tap_tmp_path("root");
	ASSERT_EQ(mkdir(root, 0755), 0);
	char p[600];
	(void)xsnprintf(p, sizeof(p), "%s/link", root);
	ASSERT_EQ(symlink("/etc/hostname", p), 0);
	(void)xsnprintf(p, sizeof(p), "%s/real", root);
	FILE *f = fopen(p, "w");
	ASSERT_NOT_NULL(f);
	fputs("x", f);
	fclose(f);
	struct rec rec = { .lock = PTHREAD_MUTEX_INITIALIZER };
	char target[600];
	(void)xsnprintf(target, sizeof(target), "dir:%s", root);
	struct bh_diag diag = { 0 };
	_cleanup_(img_freep) struct img *img = NULL;
	ASSERT_EQ(open_with(target, &rec, &img, &diag), 0);
	ASSERT_EQ(rec.n, 1u);
	ASSERT_STREQ(rec.v[0].path, "real");
}

