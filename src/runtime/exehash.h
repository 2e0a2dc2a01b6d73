/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exehash.h — the SHA-256 of the file a process executes, as a baseline's exec facts carry it
 * (a known path whose content changed is a deviation). The file is read through
 * /proc/PID/exe, which names the executable the kernel mapped even inside another mount
 * namespace (a container) or after it was unlinked, so no container path is resolved here.
 * Results are cached by (device, inode, size, mtime, ctime): a running workload executes the
 * same few binaries again and again, and a replaced file (new inode or new times) is hashed
 * again. Files larger than max_bytes are not hashed (-EFBIG): their path stays a fact without
 * a hash.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/common.h"
#include "common/hash.h"

struct exehash_cache;

/* n entries (0 = 4096), files up to max_bytes (0 = 256 MiB). NULL on OOM. */
struct exehash_cache *exehash_cache_new(size_t n, uint64_t max_bytes);
void exehash_cache_free(struct exehash_cache *c);
DEFINE_CLEANUP(struct exehash_cache *, exehash_cache_free)

/*
 * The digest ("sha256:…") of /proc/PID/exe into out. 0; -ESRCH / -ENOENT (the process is
 * gone: short-lived processes often exit before their exec event is read); -EFBIG; -EACCES;
 * -errno of open/read; -ENOMEM.
 */
int exehash_of_pid(struct exehash_cache *c, pid_t pid, char out[static BH_DIGEST_STR_LEN + 1]);

/* The same for a file descriptor open on the executable (fanotify hands one over). */
int exehash_of_fd(struct exehash_cache *c, int fd, char out[static BH_DIGEST_STR_LEN + 1]);

struct exehash_stats {
	uint64_t hits, misses, hashed_bytes, failures;
};
void exehash_cache_stats(const struct exehash_cache *c, struct exehash_stats *ret);
