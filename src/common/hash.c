/* SPDX-License-Identifier: Apache-2.0 */
/* hash.c — see hash.h. */
#include <openssl/evp.h>

#include "common/common.h"
#include "common/hash.h"

int bh_sha256_init(struct bh_sha256 *h)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c)
		return -ENOMEM;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return -ENOMEM;
	}
	h->ctx = c;
	return 0;
}

void bh_sha256_update(struct bh_sha256 *h, const void *data, size_t len)
{
	if (len)
		(void)EVP_DigestUpdate(h->ctx, data, len);
}

void bh_sha256_final_str(struct bh_sha256 *h, char out[static BH_DIGEST_STR_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	(void)EVP_DigestFinal_ex(h->ctx, md, &n);
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < BH_SHA256_LEN; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[7 + 2 * i + 1] = hex[md[i] & 15];
	}
	out[BH_DIGEST_STR_LEN] = '\0';
	bh_sha256_done(h);
}

void bh_sha256_done(struct bh_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int bh_sha256_str(const void *data, size_t len, char out[static BH_DIGEST_STR_LEN + 1])
{
	struct bh_sha256 h;
	int r = bh_sha256_init(&h);
	if (r < 0)
		return r;
	bh_sha256_update(&h, data, len);
	bh_sha256_final_str(&h, out);
	return 0;
}

int bh_digest_validate(struct span d)
{
	struct span algo, hex;
	if (!span_cut(d, ':', &algo, &hex) || algo.len == 0)
		return -EBADMSG;
	if (!span_eq_str(algo, "sha256")) {
		for (size_t i = 0; i < algo.len; i++) {
			char c = algo.ptr[i];
			if (!(c >= 'a' && c <= 'z') && !ascii_isdigit(c) && c != '+' && c != '.' &&
			    c != '_' && c != '-')
				return -EBADMSG;
		}
		return -EOPNOTSUPP;
	}
	if (hex.len != 64)
		return -EBADMSG;
	for (size_t i = 0; i < 64; i++) {
		char c = hex.ptr[i];
		if (!ascii_isdigit(c) && !(c >= 'a' && c <= 'f'))
			return -EBADMSG;
	}
	return 0;
}
