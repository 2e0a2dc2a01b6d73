/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-catalog-parallel.c — img_catalog_parallel() (every item runs once, the error of the
 * lowest failed item wins, nothing after a failure is needed) and the promise built on it:
 * cataloguing an image gives the same packages, in the same order, with the same
 * warnings in the same order, whatever limits.threads is.
 */
#include <unistd.h>

#include "image/catalogers/catalog.h"
#include "fakeimg.h"
#include "tap.h"

#define N_ITEMS 1000

struct square_job {
	size_t out[N_ITEMS];
	unsigned runs[N_ITEMS];
	size_t fail_from; /* items >= this fail with -EIO, ... */
	size_t fail_nomem; /* ... this one with -ENOMEM */
};

static int square(const struct img_catalog_ctx *ctx, size_t i, void *arg)
{
	struct square_job *j = arg;
	(void)ctx;
	__atomic_fetch_add(&j->runs[i], 1, __ATOMIC_RELAXED);
	if (i == j->fail_nomem)
		return -ENOMEM;
	if (i >= j->fail_from)
		return -EIO;
	j->out[i] = i * i;
	return 0;
}

static struct img_catalog_ctx ctx_with_threads(struct bh_limits *l, uint64_t threads)
{
	bh_limits_default(l);
	l->threads = threads;
	return (struct img_catalog_ctx){ .limits = l };
}

TEST(parallel_runs_every_item_once)
{
	static const uint64_t threads[] = { 0, 1, 2, 3, 4, 8 };
	static const size_t counts[] = { 0, 1, 31, 32, 33, N_ITEMS };
	for (size_t t = 0; t < ARRAY_SIZE(threads); t++)
		for (size_t c = 0; c < ARRAY_SIZE(counts); c++) {
			struct bh_limits l;
			struct img_catalog_ctx ctx = ctx_with_threads(&l, threads[t]);
			static struct square_job j;
			memset(&j, 0, sizeof(j));
			j.fail_from = j.fail_nomem = SIZE_MAX;
			ASSERT_OK(img_catalog_parallel(&ctx, counts[c], square, &j));
			for (size_t i = 0; i < N_ITEMS; i++) {
				ASSERT_EQ(j.runs[i], i < counts[c] ? 1u : 0u);
				ASSERT_EQ(j.out[i], i < counts[c] ? i * i : 0);
			}
		}
}

TEST(parallel_lowest_error_wins)
{
	static const uint64_t threads[] = { 1, 2, 4, 7 };
	for (size_t t = 0; t < ARRAY_SIZE(threads); t++) {
		struct bh_limits l;
		struct img_catalog_ctx ctx = ctx_with_threads(&l, threads[t]);
		static struct square_job j;
		memset(&j, 0, sizeof(j));
		/* -EIO from 500 on, -ENOMEM at 700: 500 is the lowest failure. */
		j.fail_from = 500;
		j.fail_nomem = 700;
		ASSERT_ERR(img_catalog_parallel(&ctx, N_ITEMS, square, &j), -EIO);
		/* Every item before the first failure ran, exactly once. */
		for (size_t i = 0; i < 500; i++) {
			ASSERT_EQ(j.runs[i], 1u);
			ASSERT_EQ(j.out[i], i * i);
		}
		for (size_t i = 500; i < N_ITEMS; i++)
			ASSERT_TRUE(j.runs[i] <= 1);

		memset(&j, 0, sizeof(j));
		j.fail_from = SIZE_MAX;
		j.fail_nomem = 3;
		ASSERT_ERR(img_catalog_parallel(&ctx, N_ITEMS, square, &j), -ENOMEM);
		ASSERT_EQ(j.runs[0] + j.runs[1] + j.runs[2], 3u);
	}
}

TEST(parallel_notes)
{
	struct img_catalog_note n = { 0 };
	img_catalog_note_set(&n, 7, "bad %s", "thing");
	ASSERT_STREQ(n.msg, "bad thing");
	ASSERT_EQ(n.line, 7u);
	img_catalog_note_set(&n, 0, "%s", "other");
	ASSERT_STREQ(n.msg, "other");
	ASSERT_EQ(n.line, 0u);
	img_catalog_note_done(&n);
	ASSERT_NULL(n.msg);
	img_catalog_note_done(&n);
}

/* ---- whole catalogue, threads = 1 against threads = 4 ---------------------------------- */

#define N_NPM 600

static void add(struct img *img, const char *path, const char *data, int layer)
{
	int r = fakeimg_add_file(img, path, data, strlen(data), 0644, layer);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "cannot add %s: %d", path, r);
}

/*
 * An image with many npm packages (some malformed in each way the cataloger warns about,
 * some the same release installed twice), a lock file partly installed next to it, a
 * dpkg status and an os-release, so that distro packages are finished too.
 */
static struct img *build_image(void)
{
	struct img *img = fakeimg_new();
	if (!img)
		tap_fail(__FILE__, __LINE__, "fakeimg_new");
	char path[256], json[512];
	for (unsigned i = 0; i < N_NPM; i++) {
		const char *dir = i % 5 == 0 ? "srv/b" : "app";
		unsigned id = i % 3 == 0 ? i / 3 : i; /* a few name/version pairs repeat */
		(void)snprintf(path, sizeof(path), "%s/node_modules/%sp%03u/package.json", dir,
			       i % 4 == 0 ? "@s/" : "", i);
		if (i % 7 == 0)
			(void)snprintf(json, sizeof(json), "{\"name\": \"p%u\",\n \"v\": ",
				       i);
		else if (i % 11 == 0)
			(void)snprintf(json, sizeof(json), "{\"name\": \"p%u\"}", i);
		else if (i % 13 == 0)
			(void)snprintf(json, sizeof(json), "[\"p%u\"]", i);
		else
			(void)snprintf(json, sizeof(json),
				       "{\"name\": \"%sp%03u\", \"version\": \"1.%u.0\", "
				       "\"license\": \"%s\", \"author\": {\"name\": \"A%u\", "
				       "\"email\": \"a%u@example.com\"}, \"description\": \"d%u\", "
				       "\"dependencies\": {\"z%u\": \"*\", \"a%u\": \"^1\"}}",
				       i % 4 == 0 ? "@s/" : "", i, id, i % 2 ? "MIT" : "ISC", id,
				       id, id, id, id);
		add(img, path, json, (int)(i % 3));
	}
	add(img, "app/package-lock.json",
	    "{\"lockfileVersion\": 3, \"packages\": {\"\": {\"name\": \"app\"},"
	    " \"node_modules/p001\": {\"version\": \"1.1.0\"},"
	    " \"node_modules/p002\": {\"version\": \"9.9.9\", \"license\": \"MIT\"},"
	    " \"node_modules/extra\": {\"version\": \"2.0.0\"}}}",
	    2);
	add(img, "etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0);
	add(img, "var/lib/dpkg/status",
	    "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n"
	    "Architecture: amd64\n\n"
	    "Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13\n"
	    "Architecture: amd64\nDepends: libc6 (>= 2.14)\n",
	    0);
	if (fakeimg_finish(img) < 0)
		tap_fail(__FILE__, __LINE__, "fakeimg_finish");
	return img;
}

/* Catalogue with the given thread count; stderr (the warnings) into *ret_log. */
static int catalog_logged(struct img *img, uint64_t threads, uint64_t max_packages,
			  char **ret_log)
{
	struct bh_limits l;
	bh_limits_default(&l);
	l.threads = threads;
	if (max_packages)
		l.max_packages = max_packages;
	FILE *tmp = tmpfile();
	if (!tmp)
		tap_fail(__FILE__, __LINE__, "tmpfile");
	int saved = dup(STDERR_FILENO);
	if (saved < 0 || dup2(fileno(tmp), STDERR_FILENO) < 0)
		tap_fail(__FILE__, __LINE__, "dup");
	enum log_level lvl = log_get_level();
	log_set_level(LOG_LVL_WARNING);
	struct bh_diag d = { 0 };
	int r = img_catalog(img, &l, &d);
	log_set_level(lvl);
	(void)dup2(saved, STDERR_FILENO);
	close(saved);
	long len = ftell(tmp);
	char *s = calloc(1, len > 0 ? (size_t)len + 1 : 1);
	if (!s)
		tap_fail(__FILE__, __LINE__, "calloc");
	rewind(tmp);
	if (len > 0 && fread(s, 1, (size_t)len, tmp) != (size_t)len)
		tap_fail(__FILE__, __LINE__, "fread");
	fclose(tmp);
	*ret_log = s;
	return r;
}

static void assert_strv_eq(const struct strv *a, const struct strv *b)
{
	ASSERT_EQ(a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		ASSERT_STREQ(a->v[i], b->v[i]);
}

static size_t count_lines(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

TEST(catalog_same_with_any_thread_count)
{
	_cleanup_(img_freep) struct img *one = build_image();
	_cleanup_free_ char *log_one = NULL;
	ASSERT_OK(catalog_logged(one, 1, 0, &log_one));
	/* Sanity: the image says what it was built to say. */
	ASSERT_TRUE(one->pkgs.n > N_NPM / 2);
	ASSERT_NOT_NULL(fakeimg_find(one, "zlib1g", "1:1.2.13"));
	ASSERT_NOT_NULL(fakeimg_find(one, "extra", "2.0.0"));
	ASSERT_NOT_NULL(fakeimg_find(one, "p002", "9.9.9"));
	/* p001 is both installed and in the lock file next to it: listed once. */
	size_t p001 = 0;
	for (size_t i = 0; i < one->pkgs.n; i++)
		p001 += streq_ptr(one->pkgs.items[i]->name, "p001");
	ASSERT_EQ(p001, (size_t)1);
	size_t malformed = 0, no_version = 0, not_object = 0;
	for (unsigned i = 0; i < N_NPM; i++) {
		if (i % 7 == 0)
			malformed++;
		else if (i % 11 == 0)
			no_version++;
		else if (i % 13 == 0)
			not_object++;
	}
	ASSERT_EQ(count_lines(log_one, "invalid JSON"), malformed);
	ASSERT_EQ(count_lines(log_one, "no \"version\""), no_version);
	ASSERT_EQ(count_lines(log_one, "not a JSON object"), not_object);

	static const uint64_t threads[] = { 2, 4, 0 };
	for (size_t t = 0; t < ARRAY_SIZE(threads); t++) {
		_cleanup_(img_freep) struct img *many = build_image();
		_cleanup_free_ char *log_many = NULL;
		ASSERT_OK(catalog_logged(many, threads[t], 0, &log_many));
		ASSERT_STREQ(log_many, log_one);
		ASSERT_EQ(many->pkgs.n, one->pkgs.n);
		for (size_t i = 0; i < one->pkgs.n; i++) {
			const struct pkg *a = one->pkgs.items[i], *b = many->pkgs.items[i];
			ASSERT_STREQ(b->purl, a->purl);
			ASSERT_STREQ(b->bom_ref, a->bom_ref);
			ASSERT_TRUE(streq_ptr(b->location, a->location));
			ASSERT_TRUE(streq_ptr(b->found_by, a->found_by));
			ASSERT_TRUE(streq_ptr(b->supplier, a->supplier));
			ASSERT_TRUE(streq_ptr(b->distro, a->distro));
			ASSERT_EQ(b->layer, a->layer);
			assert_strv_eq(&b->licenses, &a->licenses);
			assert_strv_eq(&b->depends, &a->depends);
			assert_strv_eq(&b->files, &a->files);
		}
	}
}

TEST(catalog_package_limit_with_threads)
{
	/* Hitting max-packages fails the same way (and leaks nothing) with any thread count. */
	static const uint64_t threads[] = { 1, 4 };
	for (size_t t = 0; t < ARRAY_SIZE(threads); t++) {
		_cleanup_(img_freep) struct img *img = build_image();
		_cleanup_free_ char *log = NULL;
		ASSERT_ERR(catalog_logged(img, threads[t], 100, &log), -E2BIG);
		ASSERT_EQ(img->pkgs.n, (size_t)100);
	}
}
