/* SPDX-License-Identifier: Apache-2.0 */
/* test-exehash.c — executable digests through /proc/PID/exe, cached by file identity. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/hash.h"
#include "runtime/exehash.h"
#include "tap.h"

static void digest_of_path(const char *path, char out[static BH_DIGEST_STR_LEN + 1])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	struct bh_sha256 h;
	ASSERT_OK(bh_sha256_init(&h));
	unsigned char b[4096];
	ssize_t n;
	while ((n = read(fd, b, sizeof(b))) > 0)
		bh_sha256_update(&h, b, (size_t)n);
	ASSERT_TRUE(n == 0);
	bh_sha256_final_str(&h, out);
	close(fd);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	ASSERT_TRUE(fd >= 0);
	ASSERT_TRUE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

TEST(self_exe_matches_the_file_and_is_cached)
{
	char want[BH_DIGEST_STR_LEN + 1], got[BH_DIGEST_STR_LEN + 1], again[BH_DIGEST_STR_LEN + 1];
	digest_of_path("/proc/self/exe", want);
	struct exehash_cache *c = exehash_cache_new(0, 0);
	ASSERT_NOT_NULL(c);
	ASSERT_OK(exehash_of_pid(c, getpid(), got));
	ASSERT_STREQ(got, want);
	ASSERT_OK(exehash_of_pid(c, getpid(), again));
	ASSERT_STREQ(again, want);
	struct exehash_stats st;
	exehash_cache_stats(c, &st);
	ASSERT_EQ(st.misses, 1u);
	ASSERT_EQ(st.hits, 1u);
	exehash_cache_free(c);
}

TEST(changed_file_is_hashed_again)
{
	const char *p = tap_tmp_path("exe-a");
	write_file(p, "#!/bin/sh\necho one\n");
	struct exehash_cache *c = exehash_cache_new(16, 0);
	ASSERT_NOT_NULL(c);
	char a[BH_DIGEST_STR_LEN + 1], b[BH_DIGEST_STR_LEN + 1], want[BH_DIGEST_STR_LEN + 1];
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(exehash_of_fd(c, fd, a));
	close(fd);
	digest_of_path(p, want);
	ASSERT_STREQ(a, want);
	/* another content (and size): a new identity, a new digest */
	write_file(p, "#!/bin/sh\necho two two\n");
	fd = open(p, O_RDONLY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(exehash_of_fd(c, fd, b));
	close(fd);
	ASSERT_TRUE(strcmp(a, b) != 0);
	digest_of_path(p, want);
	ASSERT_STREQ(b, want);
	exehash_cache_free(c);
}

TEST(limits_and_errors)
{
	const char *p = tap_tmp_path("exe-big");
	write_file(p, "0123456789abcdef0123456789abcdef");
	struct exehash_cache *c = exehash_cache_new(16, 8);
	ASSERT_NOT_NULL(c);
	char d[BH_DIGEST_STR_LEN + 1];
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_ERR(exehash_of_fd(c, fd, d), -EFBIG);
	close(fd);
	/* a directory is not an executable */
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_ERR(exehash_of_fd(c, fd, d), -EINVAL);
	close(fd);
	ASSERT_ERR(exehash_of_pid(c, 0, d), -EINVAL);
	/* pid_max is at most 2^22: this pid cannot exist */
	ASSERT_ERR(exehash_of_pid(c, (1 << 22) + 7, d), -ESRCH);
	exehash_cache_free(c);
}

TEST(many_files_stay_bounded)
{
	struct exehash_cache *c = exehash_cache_new(16, 0);
	ASSERT_NOT_NULL(c);
	char d[BH_DIGEST_STR_LEN + 1];
	for (int i = 0; i < 40; i++) {
		char name[32];
		ASSERT_OK(xsnprintf(name, sizeof(name), "exe-%d", i));
		const char *p = tap_tmp_path(name);
		write_file(p, name);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		ASSERT_TRUE(fd >= 0);
		ASSERT_OK(exehash_of_fd(c, fd, d));
		close(fd);
	}
	struct exehash_stats st;
	exehash_cache_stats(c, &st);
	ASSERT_EQ(st.misses, 40u);
	exehash_cache_free(c);
}
