/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hash.h — SHA-256 (OpenSSL libcrypto, which uses the CPU's SHA extensions) and
 * OCI digest strings ("sha256:<64 lower-case hex>").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/span.h"

#define BH_SHA256_LEN 32
#define BH_DIGEST_STR_LEN (7 + 64) /* "sha256:" + hex, without NUL */

struct bh_sha256 {
	void *ctx; /* EVP_MD_CTX, owned */
};

/* 0 or -ENOMEM. */
int bh_sha256_init(struct bh_sha256 *h);
void bh_sha256_update(struct bh_sha256 *h, const void *data, size_t len);
/* Writes "sha256:<hex>" plus NUL into out (BH_DIGEST_STR_LEN + 1 bytes); frees the context. */
void bh_sha256_final_str(struct bh_sha256 *h, char out[static BH_DIGEST_STR_LEN + 1]);
/* Frees the context without producing a digest; safe on a finalised or zeroed struct. */
void bh_sha256_done(struct bh_sha256 *h);
/* One-shot digest of a buffer. 0 or -ENOMEM. */
int bh_sha256_str(const void *data, size_t len, char out[static BH_DIGEST_STR_LEN + 1]);

/*
 * Validate an OCI digest: "sha256:" + 64 lower-case hex (the only algorithm we accept; a
 * sha512 digest gets -EOPNOTSUPP). 0, -EBADMSG, -EOPNOTSUPP.
 */
int bh_digest_validate(struct span digest);
