/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exehash.c — see exehash.h. The cache is an open-addressing table keyed by the file's
 * identity; when it is full the slot found by the probe is overwritten (a bounded cache,
 * not an exact LRU: a miss only costs one more hash of the file).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/exehash.h"

struct exe_key {
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
};

struct exe_slot {
	bool used;
	struct exe_key key;
	char digest[BH_DIGEST_STR_LEN + 1];
};

struct exehash_cache {
	struct exe_slot *slots;
	size_t n; /* a power of two */
	uint64_t max_bytes;
	struct exehash_stats st;
};

struct exehash_cache *exehash_cache_new(size_t n, uint64_t max_bytes)
{
	size_t want = n ? n : 4096, cap = 16;
	while (cap < want && cap < ((size_t)1 << 24))
		cap <<= 1;
	struct exehash_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->slots = calloc(cap, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return NULL;
	}
	c->n = cap;
	c->max_bytes = max_bytes ? max_bytes : (uint64_t)256 << 20;
	return c;
}

void exehash_cache_free(struct exehash_cache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c);
}

static uint64_t key_hash(const struct exe_key *k)
{
	/* splitmix64 over the identity fields */
	uint64_t h = 0x9e3779b97f4a7c15ull;
	const uint64_t v[4] = { k->dev, k->ino, k->size, (uint64_t)k->mtime_ns ^ (uint64_t)k->ctime_s };
	for (size_t i = 0; i < 4; i++) {
		h ^= v[i] + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
		h ^= h >> 31;
		h *= 0xbf58476d1ce4e5b9ull;
	}
	return h ^ (h >> 29);
}

static bool key_eq(const struct exe_key *a, const struct exe_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns && a->ctime_s == b->ctime_s &&
	       a->ctime_ns == b->ctime_ns;
}

static int hash_fd(struct exehash_cache *c, int fd, char out[static BH_DIGEST_STR_LEN + 1])
{
	struct bh_sha256 h;
	int r = bh_sha256_init(&h);
	if (r < 0)
		return r;
	static _Thread_local unsigned char chunk[1 << 16];
	uint64_t done = 0;
	off_t off = 0;
	for (;;) {
		ssize_t n = pread(fd, chunk, sizeof(chunk), off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			bh_sha256_done(&h);
			return r;
		}
		if (n == 0)
			break;
		done += (uint64_t)n;
		if (done > c->max_bytes) {
			bh_sha256_done(&h);
			return -EFBIG;
		}
		bh_sha256_update(&h, chunk, (size_t)n);
		off += n;
	}
	bh_sha256_final_str(&h, out);
	c->st.hashed_bytes += done;
	return 0;
}

int exehash_of_fd(struct exehash_cache *c, int fd, char out[static BH_DIGEST_STR_LEN + 1])
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > c->max_bytes) {
		c->st.failures++;
		return -EFBIG;
	}
	struct exe_key k = {
		.dev = (uint64_t)st.st_dev,
		.ino = (uint64_t)st.st_ino,
		.size = (uint64_t)st.st_size,
		.mtime_s = (int64_t)st.st_mtim.tv_sec,
		.mtime_ns = (int64_t)st.st_mtim.tv_nsec,
		.ctime_s = (int64_t)st.st_ctim.tv_sec,
		.ctime_ns = (int64_t)st.st_ctim.tv_nsec,
	};
	size_t mask = c->n - 1, i = (size_t)key_hash(&k) & mask, victim = i;
	for (size_t probe = 0; probe < 8; probe++, i = (i + 1) & mask) {
		struct exe_slot *s = &c->slots[i];
		if (!s->used) {
			victim = i;
			break;
		}
		if (key_eq(&s->key, &k)) {
			memcpy(out, s->digest, sizeof(s->digest));
			c->st.hits++;
			return 0;
		}
	}
	c->st.misses++;
	int r = hash_fd(c, fd, out);
	if (r < 0) {
		c->st.failures++;
		return r;
	}
	struct exe_slot *s = &c->slots[victim];
	s->used = true;
	s->key = k;
	memcpy(s->digest, out, sizeof(s->digest));
	return 0;
}

int exehash_of_pid(struct exehash_cache *c, pid_t pid, char out[static BH_DIGEST_STR_LEN + 1])
{
	if (pid <= 0)
		return -EINVAL;
	char path[48];
	(void)snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int r = -errno;
		c->st.failures++;
		return r == -ENOENT ? -ESRCH : r;
	}
	int r = exehash_of_fd(c, fd, out);
	(void)close(fd);
	return r;
}

void exehash_cache_stats(const struct exehash_cache *c, struct exehash_stats *ret)
{
	*ret = c->st;
}
