/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit-key.c — the Ed25519 audit key (OpenSSL EVP_PKEY_ED25519): default path, load or
 * create (mode 0600, never half-written: the key is written to a temporary file and
 * hard-linked into place, so a racing process either creates it or loads the complete
 * one), public key export, checkpoint signing and checking. Private key bytes are only
 * ever held by OpenSSL and the PEM buffers, which are wiped before they are freed.
 */
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "common/fileio.h"

struct audit_key {
	EVP_PKEY *pkey;
	bool is_private;
	char id[BH_DIGEST_STR_LEN + 1];
};

void audit_key_free(struct audit_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

bool audit_key_is_private(const struct audit_key *k)
{
	return k->is_private;
}

const char *audit_key_id(const struct audit_key *k)
{
	return k->id;
}

int audit_key_default_path(char **ret)
{
	const char *home = secure_getenv("BULKHEAD_HOME");
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r;
	if (home && *home)
		r = buf_printf(&b, "%s/audit-key.pem", home);
	else if (geteuid() == 0)
		r = buf_puts(&b, "/var/lib/bulkhead/audit-key.pem");
	else {
		home = secure_getenv("HOME");
		if (!home || !*home)
			return -ENOENT;
		r = buf_printf(&b, "%s/.local/share/bulkhead/audit-key.pem", home);
	}
	if (r < 0)
		return r;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

int audit_head_path(const char *key_path, char **ret)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = buf_printf(&b, "%s.head", key_path);
	if (r < 0)
		return r;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

static void wipe_buf(struct buf *b)
{
	if (b->ptr)
		explicit_bzero(b->ptr, b->cap);
	buf_done(b);
}

static int key_finish(EVP_PKEY *pkey, bool is_private, const char *path, struct audit_key **ret,
		      struct bh_diag *diag)
{
	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		const char *type = EVP_PKEY_get0_type_name(pkey);
		bh_diag_set(diag, path, 0, 0, "audit key is %s, not Ed25519",
			    type ? type : "unknown");
		EVP_PKEY_free(pkey);
		return -EOPNOTSUPP;
	}
	unsigned char raw[32];
	size_t rawlen = sizeof(raw);
	if (EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) != 1 || rawlen != 32) {
		bh_diag_set(diag, path, 0, 0, "cannot read the Ed25519 public key");
		EVP_PKEY_free(pkey);
		return -EBADMSG;
	}
	struct audit_key *k = calloc(1, sizeof(*k));
	if (!k || bh_sha256_str(raw, rawlen, k->id) < 0) {
		free(k);
		EVP_PKEY_free(pkey);
		return -ENOMEM;
	}
	k->pkey = pkey;
	k->is_private = is_private;
	*ret = k;
	return 0;
}

/* Read the key file (at most 64 KiB). */
static int read_key_file(const char *path, bool is_private, struct buf *b, struct bh_diag *diag)
{
	_cleanup_close_ int fd = NERRNO(open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
	if (fd < 0) {
		bh_diag_set(diag, path, 0, 0, "cannot open audit key: %s", strerror(-fd));
		return fd;
	}
	struct stat st;
	int r = NERRNO(fstat(fd, &st));
	if (r < 0)
		return r;
	if (!S_ISREG(st.st_mode)) {
		bh_diag_set(diag, path, 0, 0, "audit key is not a regular file");
		return -EBADMSG;
	}
	if (is_private && (st.st_mode & 077)) {
		bh_diag_set(
		    diag, path, 0, 0,
		    "private audit key is accessible by group or others (mode %04o; chmod 600)",
		    (unsigned)(st.st_mode & 07777));
		return -EACCES;
	}
	r = bh_read_fd(fd, 64 * 1024, b);
	if (r < 0)
		bh_diag_set(diag, path, 0, 0, "cannot read audit key: %s", strerror(-r));
	return r;
}

static int parse_private(const char *path, struct buf *pem, struct audit_key **ret,
			 struct bh_diag *diag)
{
	BIO *bio = BIO_new_mem_buf(pem->ptr ? pem->ptr : "", (int)pem->len);
	if (!bio)
		return -ENOMEM;
	EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	if (!pkey) {
		bh_diag_set(diag, path, 0, 0, "not a PEM private key (PKCS#8 Ed25519 expected)");
		return -EBADMSG;
	}
	return key_finish(pkey, true, path, ret, diag);
}

/* Generate a key and link it into path; -EEXIST when another process was first. */
static int create_key(const char *path, struct bh_diag *diag)
{
	/* make missing parent directories, 0700 */
	_cleanup_free_ char *dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			int r = -errno;
			bh_diag_set(diag, dir, 0, 0,
				    "cannot create directory for the audit key: %s", strerror(-r));
			return r;
		}
		*p = '/';
	}

	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	EVP_PKEY *pkey = NULL;
	if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1) {
		EVP_PKEY_CTX_free(ctx);
		bh_diag_set(diag, path, 0, 0, "cannot generate an Ed25519 key");
		return -EIO;
	}
	EVP_PKEY_CTX_free(ctx);

	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio || PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		BIO_free(bio);
		EVP_PKEY_free(pkey);
		return -ENOMEM;
	}
	EVP_PKEY_free(pkey);
	char *data;
	long len = BIO_get_mem_data(bio, &data);

	_cleanup_buf_ struct buf tmp;
	buf_init(&tmp, 0);
	int r = buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	if (r < 0) {
		BIO_free(bio);
		return r;
	}
	(void)unlink(tmp.ptr);
	int fd = NERRNO(open(tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
	if (fd < 0) {
		BIO_free(bio);
		bh_diag_set(diag, path, 0, 0, "cannot create audit key: %s", strerror(-fd));
		return fd;
	}
	ssize_t w = len > 0 ? write(fd, data, (size_t)len) : 0;
	r = w == (ssize_t)len ? NERRNO(fsync(fd)) : (w < 0 ? -errno : -EIO);
	OPENSSL_cleanse(data, len > 0 ? (size_t)len : 0);
	BIO_free(bio);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0)
		r = NERRNO(link(tmp.ptr, path));
	(void)unlink(tmp.ptr);
	if (r < 0 && r != -EEXIST)
		bh_diag_set(diag, path, 0, 0, "cannot write audit key: %s", strerror(-r));
	return r;
}

int audit_key_load_private(const char *path, bool create, struct audit_key **ret, bool *ret_created,
			   struct bh_diag *reterr_diag)
{
	bool created = false;
	struct buf pem;
	buf_init(&pem, 0);
	int r = read_key_file(path, true, &pem, reterr_diag);
	if (r == -ENOENT && create) {
		r = create_key(path, reterr_diag);
		created = r == 0;
		if (r == 0 || r == -EEXIST) {
			if (reterr_diag)
				reterr_diag->message[0] = '\0';
			r = read_key_file(path, true, &pem, reterr_diag);
		}
	}
	if (r == 0)
		r = parse_private(path, &pem, ret, reterr_diag);
	wipe_buf(&pem);
	if (r == 0 && ret_created)
		*ret_created = created;
	return r;
}

int audit_key_load_public(const char *path, struct audit_key **ret, struct bh_diag *reterr_diag)
{
	struct buf pem;
	buf_init(&pem, 0);
	int r = read_key_file(path, false, &pem, reterr_diag);
	if (r < 0) {
		wipe_buf(&pem);
		return r;
	}
	if (strstr(buf_str(&pem), "PRIVATE KEY-----")) {
		struct audit_key *k;
		r = parse_private(path, &pem, &k, reterr_diag);
		wipe_buf(&pem);
		if (r < 0)
			return r;
		k->is_private = false; /* verification only */
		*ret = k;
		return 0;
	}
	BIO *bio = BIO_new_mem_buf(buf_str(&pem), (int)pem.len);
	EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	wipe_buf(&pem);
	if (!pkey) {
		bh_diag_set(reterr_diag, path, 0, 0,
			    "not a PEM public key (SubjectPublicKeyInfo Ed25519 expected)");
		return -EBADMSG;
	}
	return key_finish(pkey, false, path, ret, reterr_diag);
}

int audit_key_public_pem(const struct audit_key *k, struct buf *out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio || PEM_write_bio_PUBKEY(bio, k->pkey) != 1) {
		BIO_free(bio);
		return -ENOMEM;
	}
	char *data;
	long len = BIO_get_mem_data(bio, &data);
	int r = buf_append(out, data, len > 0 ? (size_t)len : 0);
	BIO_free(bio);
	return r;
}

/* ---- checkpoints ------------------------------------------------------------------------ */

static int checkpoint_message(int64_t seq, int64_t time, const char *hash, const char *key_id,
			      struct buf *out)
{
	return buf_puts(out, "{\"hash\":") ?: audit_canon_string(hash, strlen(hash), out) ?:
	       buf_puts(out, ",\"key_id\":") ?: audit_canon_string(key_id, strlen(key_id), out) ?:
	       buf_printf(out, ",\"schema\":\"%s\",\"seq\":%lld,\"time\":%lld}",
			  AUDIT_CHECKPOINT_SCHEMA, (long long)seq, (long long)time);
}

int audit_checkpoint_sign(const struct audit_key *k, int64_t seq, int64_t time, const char *hash,
			  struct store_checkpoint *ret)
{
	if (!k->is_private || !hash || bh_digest_validate(span_from(hash)) < 0)
		return -EINVAL;
	_cleanup_buf_ struct buf msg;
	buf_init(&msg, 0);
	int r = checkpoint_message(seq, time, hash, k->id, &msg);
	if (r < 0)
		return r;
	unsigned char sig[64];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md)
		return -ENOMEM;
	if (EVP_DigestSignInit(md, NULL, NULL, NULL, k->pkey) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)msg.ptr, msg.len) != 1) {
		EVP_MD_CTX_free(md);
		return -EIO;
	}
	EVP_MD_CTX_free(md);
	char b64[4 * 64 / 3 + 8];
	int n = EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
	if (n <= 0)
		return -EIO;
	b64[n] = '\0';
	struct store_checkpoint c = {.seq = seq, .time = time};
	c.hash = strdup(hash);
	c.key_id = strdup(k->id);
	c.signature = strdup(b64);
	if (!c.hash || !c.key_id || !c.signature) {
		store_checkpoint_done(&c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

/* Strict standard base64 of exactly 64 bytes: 86 characters plus "==". */
static int decode_sig(const char *s, unsigned char out[static 64])
{
	size_t len = strlen(s);
	if (len != 88 || s[86] != '=' || s[87] != '=')
		return -EBADMSG;
	for (size_t i = 0; i < 86; i++)
		if (!ascii_isalnum(s[i]) && s[i] != '+' && s[i] != '/')
			return -EBADMSG;
	unsigned char tmp[66];
	int n = EVP_DecodeBlock(tmp, (const unsigned char *)s, 88);
	if (n != 66)
		return -EBADMSG;
	memcpy(out, tmp, 64);
	return 0;
}

int audit_checkpoint_check(const struct audit_key *k, const struct store_checkpoint *c)
{
	if (!c->key_id || !streq(c->key_id, k->id))
		return -EKEYREJECTED;
	if (!c->hash || !c->signature || bh_digest_validate(span_from(c->hash)) < 0)
		return -EBADMSG;
	unsigned char sig[64];
	if (decode_sig(c->signature, sig) < 0)
		return -EBADMSG;
	_cleanup_buf_ struct buf msg;
	buf_init(&msg, 0);
	int r = checkpoint_message(c->seq, c->time, c->hash, c->key_id, &msg);
	if (r < 0)
		return r;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md)
		return -ENOMEM;
	int ok = EVP_DigestVerifyInit(md, NULL, NULL, NULL, k->pkey) == 1 &&
		 EVP_DigestVerify(md, sig, 64, (const unsigned char *)msg.ptr, msg.len) == 1;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -EBADMSG;
}
