/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sign-key.c — ECDSA P-256 keys from PEM files, signing and verifying bytes, base64.
 * Everything cryptographic is OpenSSL 3 (OSSL_DECODER, EVP_DigestSign/Verify); this file
 * only decides which PEM forms are accepted and says clearly why others are not. Key file
 * bytes and passwords are wiped after use and never logged.
 */
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "checks/sign.h"
#include "common/fileio.h"

struct sign_key {
	EVP_PKEY *pkey;
	bool is_private;
	char fingerprint[BH_DIGEST_STR_LEN + 1];
};

void sign_key_free(struct sign_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *sign_key_fingerprint(const struct sign_key *k)
{
	return k->fingerprint;
}

/* The label of the first "-----BEGIN LABEL-----" line, or an empty span. */
static struct span pem_label(struct span pem)
{
	static const char begin[] = "-----BEGIN ";
	const char *p = memmem(pem.ptr, pem.len, begin, sizeof(begin) - 1);
	if (!p)
		return SPAN_NULL;
	struct span rest =
	    span_make(p + sizeof(begin) - 1, pem.len - (size_t)(p - pem.ptr) - (sizeof(begin) - 1));
	const char *end = memmem(rest.ptr, rest.len, "-----", 5);
	if (!end || end - rest.ptr > 64)
		return SPAN_NULL;
	return span_make(rest.ptr, (size_t)(end - rest.ptr));
}

static bool span_contains(struct span s, const char *needle)
{
	return memmem(s.ptr, s.len, needle, strlen(needle)) != NULL;
}

/* Passphrase callback used when no password was given: refuse, never prompt. */
static int no_password(char *pass, size_t pass_size, size_t *pass_len, const OSSL_PARAM params[],
		       void *arg)
{
	*(bool *)arg = true;
	return 0;
}

static int key_fill_fingerprint(struct sign_key *k)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k->pkey, &der);
	if (n <= 0)
		return -ENOMEM;
	int r = bh_sha256_str(der, (size_t)n, k->fingerprint);
	OPENSSL_free(der);
	return r;
}

/* Accept only EC keys on P-256; say what the key is otherwise. */
static int key_check_type(EVP_PKEY *pkey, const char *source, struct bh_diag *diag)
{
	if (!EVP_PKEY_is_a(pkey, "EC")) {
		const char *type = EVP_PKEY_get0_type_name(pkey);
		bh_diag_set(
		    diag, source, 0, 0,
		    "key is %s, not ECDSA P-256 (the only type cosign-compatible signing uses)",
		    type ? type : "of an unknown type");
		return -EOPNOTSUPP;
	}
	char group[80] = "";
	if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					    NULL))
		group[0] = '\0';
	if (!streq(group, "prime256v1") && !streq(group, "P-256")) {
		bh_diag_set(diag, source, 0, 0, "key is on curve '%s', not P-256 (prime256v1)",
			    group[0] ? group : "explicit parameters");
		return -EOPNOTSUPP;
	}
	return 0;
}

int sign_key_from_pem(struct span pem, bool want_private, const char *password, const char *source,
		      struct sign_key **ret, struct bh_diag *reterr_diag)
{
	struct span label = pem_label(pem);
	if (label.len == 0) {
		bh_diag_set(reterr_diag, source, 0, 0, "not a PEM key file (no '-----BEGIN' line)");
		return -EBADMSG;
	}
	if (span_contains(label, "SIGSTORE PRIVATE KEY") ||
	    span_contains(label, "COSIGN PRIVATE KEY")) {
		bh_diag_set(reterr_diag, source, 0, 0,
			    "key is in cosign's own format (" SPAN_FMT
			    ", scrypt + NaCl secretbox), "
			    "which OpenSSL cannot decrypt: export the key as PKCS#8 PEM "
			    "('BEGIN PRIVATE KEY' or 'BEGIN ENCRYPTED PRIVATE KEY') and use that",
			    SPAN_ARG(label));
		return -EOPNOTSUPP;
	}
	bool is_private_label = span_endswith(label, "PRIVATE KEY");
	if (span_eq_str(label, "CERTIFICATE")) {
		bh_diag_set(
		    reterr_diag, source, 0, 0,
		    "file is a certificate: give the public key (openssl x509 -pubkey -noout)");
		return -EINVAL;
	}
	if (want_private && !is_private_label) {
		bh_diag_set(reterr_diag, source, 0, 0,
			    "file holds a " SPAN_FMT ", signing needs the private key",
			    SPAN_ARG(label));
		return -EINVAL;
	}
	if (!want_private && is_private_label) {
		bh_diag_set(reterr_diag, source, 0, 0,
			    "file holds a private key: verify takes the public key "
			    "(openssl pkey -in KEY -pubout)");
		return -EINVAL;
	}
	if (!want_private && !span_eq_str(label, "PUBLIC KEY")) {
		bh_diag_set(reterr_diag, source, 0, 0,
			    "PEM block '" SPAN_FMT "' is not a public key ('BEGIN PUBLIC KEY', "
			    "SubjectPublicKeyInfo)",
			    SPAN_ARG(label));
		return -EOPNOTSUPP;
	}
	bool encrypted = span_eq_str(label, "ENCRYPTED PRIVATE KEY") ||
			 span_contains(pem, "Proc-Type: 4,ENCRYPTED");
	if (encrypted && !password) {
		bh_diag_set(reterr_diag, source, 0, 0,
			    "key is encrypted: set " SIGN_PASSWORD_ENV " to its password");
		return -EACCES;
	}

	EVP_PKEY *pkey = NULL;
	int selection = want_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
	OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(
	    &pkey, "PEM", want_private ? NULL : "SubjectPublicKeyInfo", NULL, selection, NULL,
	    NULL);
	if (!dctx) {
		ERR_clear_error();
		return -ENOMEM;
	}
	bool asked = false;
	int ok;
	if (password)
		ok = OSSL_DECODER_CTX_set_passphrase(dctx, (const unsigned char *)password,
						     strlen(password));
	else
		ok = OSSL_DECODER_CTX_set_passphrase_cb(dctx, no_password, &asked);
	if (ok) {
		const unsigned char *p = (const unsigned char *)pem.ptr;
		size_t len = pem.len;
		ok = OSSL_DECODER_from_data(dctx, &p, &len);
	}
	OSSL_DECODER_CTX_free(dctx);
	ERR_clear_error();
	if (!ok || !pkey) {
		EVP_PKEY_free(pkey);
		if (asked)
			bh_diag_set(reterr_diag, source, 0, 0,
				    "key is encrypted: set " SIGN_PASSWORD_ENV " to its password");
		else if (encrypted)
			bh_diag_set(reterr_diag, source, 0, 0,
				    "cannot decrypt the key: wrong " SIGN_PASSWORD_ENV "?");
		else
			bh_diag_set(reterr_diag, source, 0, 0,
				    "cannot decode the " SPAN_FMT " (malformed PEM or DER)",
				    SPAN_ARG(label));
		return asked ? -EACCES : -EBADMSG;
	}
	int r = key_check_type(pkey, source, reterr_diag);
	if (r < 0) {
		EVP_PKEY_free(pkey);
		return r;
	}
	struct sign_key *k = calloc(1, sizeof(*k));
	if (!k) {
		EVP_PKEY_free(pkey);
		return -ENOMEM;
	}
	k->pkey = pkey;
	k->is_private = want_private;
	r = key_fill_fingerprint(k);
	if (r < 0) {
		sign_key_free(k);
		ERR_clear_error();
		return r;
	}
	*ret = k;
	return 0;
}

int sign_key_load(const char *path, bool want_private, struct sign_key **ret,
		  struct bh_diag *reterr_diag)
{
	struct buf b;
	buf_init(&b, SIGN_KEY_MAX_BYTES);
	int r = bh_read_file_at(AT_FDCWD, path, 0, SIGN_KEY_MAX_BYTES, &b);
	if (r < 0) {
		if (r == -E2BIG)
			bh_diag_set(reterr_diag, path, 0, 0, "key file larger than %d bytes",
				    SIGN_KEY_MAX_BYTES);
		else
			bh_diag_set(reterr_diag, path, 0, 0, "cannot read the key: %s",
				    strerror(-r));
	} else {
		const char *password = want_private ? secure_getenv(SIGN_PASSWORD_ENV) : NULL;
		r = sign_key_from_pem(buf_span(&b), want_private, password, path, ret, reterr_diag);
	}
	if (b.ptr)
		explicit_bzero(b.ptr, b.cap);
	buf_done(&b);
	return r;
}

int sign_key_public_pem(const struct sign_key *k, struct buf *ret)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio)
		return -ENOMEM;
	int r = -ENOMEM;
	if (PEM_write_bio_PUBKEY(bio, k->pkey)) {
		char *data;
		long n = BIO_get_mem_data(bio, &data);
		r = n > 0 ? buf_append(ret, data, (size_t)n) : -EIO;
	}
	BIO_free(bio);
	ERR_clear_error();
	return r;
}

int sign_bytes(const struct sign_key *k, struct span data, struct buf *ret)
{
	if (!k->is_private)
		return -EINVAL;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	if (!mctx)
		return -ENOMEM;
	int r = -EIO;
	size_t len = 0;
	if (EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
	    EVP_DigestSign(mctx, NULL, &len, (const unsigned char *)data.ptr, data.len) == 1) {
		r = buf_reserve(ret, len);
		if (r >= 0) {
			r = -EIO;
			if (EVP_DigestSign(mctx, (unsigned char *)ret->ptr + ret->len, &len,
					   (const unsigned char *)data.ptr, data.len) == 1) {
				ret->len += len;
				ret->ptr[ret->len] = '\0';
				r = 0;
			}
		}
	}
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return r;
}

int sign_verify_bytes(const struct sign_key *k, struct span data, struct span der)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	if (!mctx)
		return 0;
	int ok = EVP_DigestVerifyInit(mctx, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
		 EVP_DigestVerify(mctx, (const unsigned char *)der.ptr, der.len,
				  (const unsigned char *)data.ptr, data.len) == 1;
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return ok ? 1 : 0;
}

/* ---- base64 ---------------------------------------------------------------------------- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sign_base64_encode(struct span in, struct buf *ret)
{
	if (in.len == 0)
		return 0;
	size_t groups = in.len / 3 + (in.len % 3 != 0), need;
	if (!size_mul(groups, 4, &need))
		return -E2BIG;
	int r = buf_reserve(ret, need);
	if (r < 0)
		return r;
	const unsigned char *p = (const unsigned char *)in.ptr;
	char *o = ret->ptr + ret->len;
	for (size_t i = 0; i < in.len; i += 3) {
		size_t left = in.len - i;
		uint32_t v = (uint32_t)p[i] << 16;
		if (left > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		*o++ = b64_alphabet[(v >> 18) & 63];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = left > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
		*o++ = left > 2 ? b64_alphabet[v & 63] : '=';
	}
	ret->len += need;
	ret->ptr[ret->len] = '\0';
	return 0;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int sign_base64_decode(struct span in, struct buf *ret)
{
	if (in.len % 4 != 0)
		return -EBADMSG;
	if (in.len == 0)
		return 0;
	int r = buf_reserve(ret, in.len / 4 * 3);
	if (r < 0)
		return r;
	const unsigned char *p = (const unsigned char *)in.ptr;
	size_t start = ret->len;
	for (size_t i = 0; i < in.len; i += 4) {
		bool last = i + 4 == in.len;
		int v[4];
		size_t pad = 0;
		for (size_t j = 0; j < 4; j++) {
			if (p[i + j] == '=' && last && j >= 2) {
				/* only "x==", "xy=" forms: padding runs to the end */
				if (j == 2 && p[i + 3] != '=')
					goto bad;
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad || (v[j] = b64_value(p[i + j])) < 0)
				goto bad;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		/* canonical: the bits padding drops must be zero */
		if ((pad == 2 && (w & 0xffff)) || (pad == 1 && (w & 0xff)))
			goto bad;
		ret->ptr[ret->len++] = (char)(w >> 16);
		if (pad < 2)
			ret->ptr[ret->len++] = (char)(w >> 8);
		if (pad < 1)
			ret->ptr[ret->len++] = (char)w;
	}
	ret->ptr[ret->len] = '\0';
	return 0;
bad:
	ret->len = start;
	if (ret->ptr)
		ret->ptr[ret->len] = '\0';
	return -EBADMSG;
}
