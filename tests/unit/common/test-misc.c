/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/hash.h"
#include "common/progress.h"
#include "common/timeutil.h"
#include "tap.h"

TEST(limits_set_and_env)
{
	struct bh_limits l;
	bh_limits_default(&l);
	ASSERT_EQ(l.max_entries, 1000000);
	ASSERT_OK(bh_limits_set(&l, "max-entries=10"));
	ASSERT_EQ(l.max_entries, 10);
	ASSERT_OK(bh_limits_set(&l, "layer_max_bytes=2M"));
	ASSERT_EQ(l.layer_max_bytes, 2 << 20);
	ASSERT_ERR(bh_limits_set(&l, "nope=1"), -EINVAL);
	ASSERT_ERR(bh_limits_set(&l, "max-entries"), -EINVAL);
	ASSERT_ERR(bh_limits_set(&l, "max-entries=0"), -ERANGE);
	ASSERT_ERR(bh_limits_set(&l, "max-entries=x"), -EINVAL);
	setenv("BULKHEAD_LIMIT_MAX_LAYERS", "7", 1);
	ASSERT_OK(bh_limits_from_env(&l));
	ASSERT_EQ(l.max_layers, 7);
	unsetenv("BULKHEAD_LIMIT_MAX_LAYERS");
	FILE *f = fopen("/dev/null", "w");
	bh_limits_print(f);
	fclose(f);
}

TEST(parse_size)
{
	uint64_t v = 0;
	ASSERT_OK(bh_parse_size(span_from("123"), &v));
	ASSERT_EQ(v, 123);
	ASSERT_OK(bh_parse_size(span_from("64k"), &v));
	ASSERT_EQ(v, 64 << 10);
	ASSERT_OK(bh_parse_size(span_from("3M"), &v));
	ASSERT_EQ(v, 3 << 20);
	ASSERT_OK(bh_parse_size(span_from("2T"), &v));
	ASSERT_EQ(v, (uint64_t)2 << 40);
	ASSERT_TRUE(bh_parse_size(span_from(""), &v) < 0);
	ASSERT_TRUE(bh_parse_size(span_from("M"), &v) < 0);
	ASSERT_TRUE(bh_parse_size(span_from("1.5M"), &v) < 0);
	ASSERT_TRUE(bh_parse_size(span_from("-1"), &v) < 0);
	ASSERT_ERR(bh_parse_size(span_from("20000000000T"), &v), -ERANGE);
}

TEST(sha256_and_digest)
{
	char out[BH_DIGEST_STR_LEN + 1];
	ASSERT_OK(bh_sha256_str("abc", 3, out));
	ASSERT_STREQ(out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	struct bh_sha256 h;
	ASSERT_OK(bh_sha256_init(&h));
	bh_sha256_update(&h, "a", 1);
	bh_sha256_update(&h, "bc", 2);
	char out2[BH_DIGEST_STR_LEN + 1];
	bh_sha256_final_str(&h, out2);
	ASSERT_STREQ(out, out2);
	bh_sha256_done(&h);
	ASSERT_OK(bh_digest_validate(span_from(out)));
	ASSERT_ERR(bh_digest_validate(SPAN_LIT("sha256:ABC")), -EBADMSG);
	ASSERT_ERR(bh_digest_validate(SPAN_LIT("sha512:abc")), -EOPNOTSUPP);
	ASSERT_ERR(bh_digest_validate(SPAN_LIT("nocolon")), -EBADMSG);
	ASSERT_ERR(bh_digest_validate(SPAN_LIT("sha256:../../../etc/passwd")), -EBADMSG);
}

TEST(diag_format)
{
	struct bh_diag d = { 0 };
	char out[1200];
	bh_diag_set(&d, "f.json", 3, 7, "bad %s", "thing");
	bh_diag_format(&d, out, sizeof(out));
	ASSERT_STREQ(out, "f.json:3:7: bad thing");
	bh_diag_wrap(&d, "oci:x");
	bh_diag_format(&d, out, sizeof(out));
	ASSERT_STREQ(out, "oci:x: f.json:3:7: bad thing");
	bh_diag_set(&d, NULL, 0, 0, "plain");
	bh_diag_format(&d, out, sizeof(out));
	ASSERT_STREQ(out, "oci:x: f.json: plain");
	bh_diag_set(NULL, "x", 0, 0, "ignored");
}

TEST(output_atomic)
{
	char dir[] = "/tmp/bh-test-XXXXXX";
	ASSERT_NOT_NULL(mkdtemp(dir));
	char path[256];
	ASSERT_OK(xsnprintf(path, sizeof(path), "%s/out.json", dir));
	struct bh_output o;
	ASSERT_OK(bh_output_open(&o, path));
	fputs("partial", o.f);
	bh_output_abort(&o);
	struct stat st;
	ASSERT_TRUE(stat(path, &st) < 0);
	ASSERT_OK(bh_output_open(&o, path));
	fputs("whole", o.f);
	ASSERT_OK(bh_output_commit(&o));
	struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(bh_read_file_at(AT_FDCWD, path, 0, 100, &b));
	ASSERT_STREQ(buf_str(&b), "whole");
	buf_clear(&b);
	ASSERT_ERR(bh_read_file_at(AT_FDCWD, path, 0, 3, &b), -E2BIG);
	ASSERT_ERR(bh_read_file_at(AT_FDCWD, dir, 0, 3, &b), -EISDIR);
	buf_done(&b);
	(void)unlink(path);
	(void)rmdir(dir);
}

TEST(time_and_progress)
{
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	bool fixed = false;
	time_t t = bh_now(&fixed);
	ASSERT_TRUE(fixed);
	char s[32];
	ASSERT_OK(bh_format_rfc3339(t, s, sizeof(s)));
	ASSERT_STREQ(s, "2023-11-14T22:13:20Z");
	unsetenv("SOURCE_DATE_EPOCH");
	(void)bh_now(&fixed);
	ASSERT_FALSE(fixed);
	/* Under meson stderr is not a TTY: the bar is disabled and calls are no-ops. */
	struct bh_progress *p = bh_progress_new("x", 10);
	bh_progress_add(p, 5);
	bh_progress_free(p);
}

TEST(log_returns_error)
{
	ASSERT_EQ(log_error_errno(-ENOENT, "x %m"), -ENOENT);
	enum log_level saved = log_get_level();
	log_set_level(LOG_LVL_WARNING);
	unsigned before = log_warning_count();
	log_warning("w");
	ASSERT_EQ(log_warning_count(), before + 1);
	log_set_level(saved);
}
