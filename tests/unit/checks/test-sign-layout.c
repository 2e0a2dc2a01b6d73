/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-sign-layout.c — keys (every accepted PEM form, clear refusals), sign/verify round
 * trips in a real OCI layout made here, several keys, tampering (manifest replaced, tag
 * moved, payload and signature manifest blobs edited, malformed payload signed by the key),
 * and the finding. Keys are generated at test time with OpenSSL.
 */
#include <fcntl.h>
#include <ftw.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <sys/stat.h>

#include "checks/sign.h"
#include "common/hash.h"
#include "common/json.h"
#include "tap.h"

#define OCI_MT "application/vnd.oci.image.manifest.v1+json"

/* ---- keys ------------------------------------------------------------------------------ */

static char *pem_of(EVP_PKEY *k, int selection, const char *structure, const char *cipher,
		    const char *pass)
{
	OSSL_ENCODER_CTX *c = OSSL_ENCODER_CTX_new_for_pkey(k, selection, "PEM", structure, NULL);
	ASSERT_NOT_NULL(c);
	if (cipher) {
		ASSERT_TRUE(OSSL_ENCODER_CTX_set_cipher(c, cipher, NULL));
		ASSERT_TRUE(
		    OSSL_ENCODER_CTX_set_passphrase(c, (const unsigned char *)pass, strlen(pass)));
	}
	unsigned char *data = NULL;
	size_t len = 0;
	ASSERT_TRUE(OSSL_ENCODER_to_data(c, &data, &len));
	OSSL_ENCODER_CTX_free(c);
	char *s = strndup((const char *)data, len);
	OPENSSL_free(data);
	ASSERT_NOT_NULL(s);
	return s;
}

static char *priv_pem(EVP_PKEY *k)
{
	return pem_of(k, EVP_PKEY_KEYPAIR, "PrivateKeyInfo", NULL, NULL);
}

static char *pub_pem(EVP_PKEY *k)
{
	return pem_of(k, EVP_PKEY_PUBLIC_KEY, "SubjectPublicKeyInfo", NULL, NULL);
}

static struct sign_key *load(const char *pem, bool priv, const char *pw)
{
	struct sign_key *k = NULL;
	struct bh_diag d = {0};
	int r = sign_key_from_pem(span_from(pem), priv, pw, "test", &k, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "key: %d %s", r, d.message);
	return k;
}

static void expect_key_err(const char *pem, bool priv, const char *pw, int err, const char *msg)
{
	struct sign_key *k = NULL;
	struct bh_diag d = {0};
	int r = sign_key_from_pem(span_from(pem), priv, pw, "test", &k, &d);
	if (r != err || !strstr(d.message, msg))
		tap_fail(__FILE__, __LINE__, "want %d '%s', got %d '%s'", err, msg, r, d.message);
	ASSERT_NULL(k);
}

TEST(keys_accepted_forms)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	ASSERT_NOT_NULL(k);
	char *pkcs8 = priv_pem(k), *pub = pub_pem(k);
	char *sec1 = pem_of(k, EVP_PKEY_KEYPAIR, "type-specific", NULL, NULL);
	char *enc8 =
	    pem_of(k, EVP_PKEY_KEYPAIR, "EncryptedPrivateKeyInfo", "AES-256-CBC", "s3cret");
	char *enc1 = pem_of(k, EVP_PKEY_KEYPAIR, "type-specific", "AES-128-CBC", "s3cret");
	ASSERT_TRUE(strstr(pkcs8, "BEGIN PRIVATE KEY") != NULL);
	ASSERT_TRUE(strstr(sec1, "BEGIN EC PRIVATE KEY") != NULL);
	ASSERT_TRUE(strstr(enc8, "BEGIN ENCRYPTED PRIVATE KEY") != NULL);
	ASSERT_TRUE(strstr(enc1, "Proc-Type: 4,ENCRYPTED") != NULL);

	struct sign_key *kp = load(pub, false, NULL);
	const char *forms[] = {pkcs8, sec1, enc8, enc1};
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		struct sign_key *ks = load(forms[i], true, i >= 2 ? "s3cret" : NULL);
		/* one fingerprint for the pair: SHA-256 of the SubjectPublicKeyInfo */
		ASSERT_STREQ(sign_key_fingerprint(ks), sign_key_fingerprint(kp));
		_cleanup_buf_ struct buf sig;
		buf_init(&sig, 0);
		ASSERT_OK(sign_bytes(ks, SPAN_LIT("payload"), &sig));
		ASSERT_EQ(sign_verify_bytes(kp, SPAN_LIT("payload"), buf_span(&sig)), 1);
		ASSERT_EQ(sign_verify_bytes(kp, SPAN_LIT("payloaD"), buf_span(&sig)), 0);
		/* ASN.1 DER ECDSA-Sig-Value */
		const unsigned char *p = (const unsigned char *)sig.ptr;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sig.len);
		ASSERT_NOT_NULL(es);
		ASSERT_TRUE(p == (const unsigned char *)sig.ptr + sig.len);
		ECDSA_SIG_free(es);
		sig.ptr[sig.len / 2] ^= 1;
		ASSERT_EQ(sign_verify_bytes(kp, SPAN_LIT("payload"), buf_span(&sig)), 0);
		sign_key_free(ks);
	}
	_cleanup_buf_ struct buf pem;
	buf_init(&pem, 0);
	ASSERT_OK(sign_key_public_pem(kp, &pem));
	ASSERT_STREQ(buf_str(&pem), pub);
	/* a public key cannot sign */
	_cleanup_buf_ struct buf sig;
	buf_init(&sig, 0);
	ASSERT_ERR(sign_bytes(kp, SPAN_LIT("x"), &sig), -EINVAL);
	sign_key_free(kp);

	expect_key_err(enc8, true, NULL, -EACCES, "BULKHEAD_KEY_PASSWORD");
	expect_key_err(enc1, true, NULL, -EACCES, "BULKHEAD_KEY_PASSWORD");
	expect_key_err(enc8, true, "wrong", -EBADMSG, "wrong BULKHEAD_KEY_PASSWORD");
	expect_key_err(pub, true, NULL, -EINVAL, "signing needs the private key");
	expect_key_err(pkcs8, false, NULL, -EINVAL, "verify takes the public key");
	free(pkcs8);
	free(pub);
	free(sec1);
	free(enc8);
	free(enc1);
	EVP_PKEY_free(k);
}

TEST(keys_refused_clearly)
{
	EVP_PKEY *rsa = EVP_RSA_gen(1024), *p384 = EVP_EC_gen("P-384");
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ASSERT_NOT_NULL(rsa);
	ASSERT_NOT_NULL(p384);
	ASSERT_NOT_NULL(ed);
	char *s;
	expect_key_err(s = priv_pem(rsa), true, NULL, -EOPNOTSUPP, "key is RSA");
	free(s);
	expect_key_err(s = pub_pem(rsa), false, NULL, -EOPNOTSUPP, "not ECDSA P-256");
	free(s);
	expect_key_err(s = priv_pem(p384), true, NULL, -EOPNOTSUPP, "secp384r1");
	free(s);
	expect_key_err(s = pub_pem(ed), false, NULL, -EOPNOTSUPP, "ED25519");
	free(s);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed);
	expect_key_err("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\neyJrZGYiOnt9fQ==\n"
		       "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
		       true, "pw", -EOPNOTSUPP, "PKCS#8");
	expect_key_err("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\nAA==\n"
		       "-----END ENCRYPTED COSIGN PRIVATE KEY-----\n",
		       true, NULL, -EOPNOTSUPP, "cosign's own format");
	expect_key_err("hello", true, NULL, -EBADMSG, "not a PEM key file");
	expect_key_err(
	    "-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n", true,
	    NULL, -EBADMSG, "cannot decode");
	expect_key_err("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n", false,
		       NULL, -EINVAL, "certificate");
	expect_key_err("-----BEGIN RSA PUBLIC KEY-----\nAA==\n-----END RSA PUBLIC KEY-----\n",
		       false, NULL, -EOPNOTSUPP, "SubjectPublicKeyInfo");

	struct sign_key *k = NULL;
	struct bh_diag d = {0};
	ASSERT_ERR(sign_key_load("/nonexistent/key.pem", true, &k, &d), -ENOENT);
	ASSERT_TRUE(strstr(d.message, "cannot read the key") != NULL);
}

/* ---- a small OCI layout ------------------------------------------------------------------ */

struct layout {
	char dir[64];
	char manifest[BH_DIGEST_STR_LEN + 1];
	struct img_target t;
	struct bh_limits l;
};

static void put(const char *dir, const char *name, const void *data, size_t len)
{
	char p[256];
	ASSERT_OK(xsnprintf(p, sizeof(p), "%s/%s", dir, name));
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, data, len), (ssize_t)len);
	ASSERT_OK(NERRNO(close(fd)));
}

static void put_blob(struct layout *y, const char *data, size_t len,
		     char out[static BH_DIGEST_STR_LEN + 1])
{
	ASSERT_OK(bh_sha256_str(data, len, out));
	char name[100];
	ASSERT_OK(xsnprintf(name, sizeof(name), "blobs/sha256/%s", out + 7));
	put(y->dir, name, data, len);
}

static json_t *read_json(struct layout *y, const char *name)
{
	char p[256];
	ASSERT_OK(xsnprintf(p, sizeof(p), "%s/%s", y->dir, name));
	json_t *v = json_load_file(p, 0, NULL);
	ASSERT_NOT_NULL(v);
	return v;
}

static void write_index(struct layout *y, json_t *idx)
{
	char *s = json_dumps(idx, JSON_COMPACT);
	ASSERT_NOT_NULL(s);
	put(y->dir, "index.json", s, strlen(s));
	free(s);
}

/* An image manifest (no layers) whose config carries label; returns its digest. */
static void put_image(struct layout *y, const char *label, char out[static BH_DIGEST_STR_LEN + 1])
{
	char cfg[400], man[600], cd[BH_DIGEST_STR_LEN + 1];
	ASSERT_OK(xsnprintf(cfg, sizeof(cfg),
			    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":"
			    "{\"v\":\"%s\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
			    label));
	put_blob(y, cfg, strlen(cfg), cd);
	ASSERT_OK(
	    xsnprintf(man, sizeof(man),
		      "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT "\",\"config\":{\"mediaType"
		      "\":\"application/vnd.oci.image.config.v1+json\",\"size\":%zu,\"digest\":"
		      "\"%s\"},\"layers\":[]}",
		      strlen(cfg), cd));
	put_blob(y, man, strlen(man), out);
}

static void layout_new(struct layout *y)
{
	*y = (struct layout){0};
	ASSERT_OK(xsnprintf(y->dir, sizeof(y->dir), "/tmp/bh-test-sign-XXXXXX"));
	ASSERT_NOT_NULL(mkdtemp(y->dir));
	char p[256];
	ASSERT_OK(xsnprintf(p, sizeof(p), "%s/blobs", y->dir));
	ASSERT_OK(NERRNO(mkdir(p, 0755)));
	ASSERT_OK(xsnprintf(p, sizeof(p), "%s/blobs/sha256", y->dir));
	ASSERT_OK(NERRNO(mkdir(p, 0755)));
	put(y->dir, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	put_image(y, "one", y->manifest);
	json_t *idx = json_pack("{s:i,s:[{s:s,s:s,s:i,s:{s:s}}]}", "schemaVersion", 2, "manifests",
				"mediaType", OCI_MT, "digest", y->manifest, "size", 0,
				"annotations", SIGN_REF_NAME, "v1");
	/* the real size of the manifest blob */
	char name[100];
	ASSERT_OK(xsnprintf(name, sizeof(name), "blobs/sha256/%s", y->manifest + 7));
	struct stat st;
	ASSERT_OK(xsnprintf(p, sizeof(p), "%s/%s", y->dir, name));
	ASSERT_OK(NERRNO(stat(p, &st)));
	json_object_set_new(json_array_get(json_object_get(idx, "manifests"), 0), "size",
			    json_integer(st.st_size));
	write_index(y, idx);
	json_decref(idx);
	char target[128];
	ASSERT_OK(xsnprintf(target, sizeof(target), "oci:%s", y->dir));
	ASSERT_OK(img_target_parse(target, &y->t));
	bh_limits_default(&y->l);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void layout_free(struct layout *y)
{
	(void)nftw(y->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	img_target_done(&y->t);
}

static void sign_ok(struct layout *y, struct sign_key *k, const char *digest,
		    struct sign_outcome *out)
{
	struct sign_opts o = {.identity = "registry.example/app", .limits = &y->l};
	struct bh_diag d = {0};
	int r = sign_image(&y->t, digest, k, &o, out, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "sign: %d %s: %s", r, d.source, d.message);
}

static enum sign_status verify(struct layout *y, struct sign_key *k, const char *digest,
			       struct sign_result *res)
{
	struct bh_diag d = {0};
	int r = sign_verify_image_key(&y->t, digest, k, &y->l, res, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "verify: %d %s", r, d.message);
	return res->status;
}

static size_t count_sig_entries(struct layout *y)
{
	json_t *idx = read_json(y, "index.json");
	size_t n = 0, i;
	json_t *d;
	json_array_foreach(json_object_get(idx, "manifests"), i, d)
	{
		const char *name = json_string_value(
		    json_object_get(json_object_get(d, "annotations"), SIGN_REF_NAME));
		n += sign_tag_is_signature(name);
	}
	json_decref(idx);
	return n;
}

struct keys {
	EVP_PKEY *e[3];
	struct sign_key *priv[3], *pub[3];
};

static void keys_new(struct keys *k)
{
	for (int i = 0; i < 3; i++) {
		k->e[i] = EVP_EC_gen("P-256");
		ASSERT_NOT_NULL(k->e[i]);
		char *a = priv_pem(k->e[i]), *b = pub_pem(k->e[i]);
		k->priv[i] = load(a, true, NULL);
		k->pub[i] = load(b, false, NULL);
		free(a);
		free(b);
	}
}

static void keys_free(struct keys *k)
{
	for (int i = 0; i < 3; i++) {
		sign_key_free(k->priv[i]);
		sign_key_free(k->pub[i]);
		EVP_PKEY_free(k->e[i]);
	}
}

TEST(sign_verify_round_trip_several_keys)
{
	struct layout y;
	struct keys k;
	layout_new(&y);
	keys_new(&k);
	struct sign_result res;

	ASSERT_EQ(verify(&y, k.pub[0], y.manifest, &res), SIGN_STATUS_UNSIGNED);
	ASSERT_TRUE(strstr(res.message, "no signature for sha256:") != NULL);
	sign_result_done(&res);

	struct sign_outcome out;
	sign_ok(&y, k.priv[0], y.manifest, &out);
	ASSERT_EQ(out.n_signatures, 1);
	ASSERT_FALSE(out.already_signed);
	ASSERT_TRUE(sign_tag_is_signature(out.tag));
	ASSERT_TRUE(memcmp(out.tag + 7, y.manifest + 7, 64) == 0);
	ASSERT_EQ(verify(&y, k.pub[0], y.manifest, &res), SIGN_STATUS_VERIFIED);
	ASSERT_EQ(res.n_verified, 1);
	ASSERT_STREQ(res.verified[0].identity, "registry.example/app");
	ASSERT_STREQ(res.key_fingerprint, sign_key_fingerprint(k.pub[0]));
	ASSERT_STREQ(res.verified[0].signature_manifest, out.signature_manifest);
	sign_result_done(&res);

	/* a second key adds a layer to the same signature manifest */
	sign_ok(&y, k.priv[1], y.manifest, &out);
	ASSERT_EQ(out.n_signatures, 2);
	ASSERT_EQ(count_sig_entries(&y), 1);
	ASSERT_EQ(verify(&y, k.pub[0], y.manifest, &res), SIGN_STATUS_VERIFIED);
	ASSERT_EQ(res.n_examined, 2);
	sign_result_done(&res);
	ASSERT_EQ(verify(&y, k.pub[1], y.manifest, &res), SIGN_STATUS_VERIFIED);
	sign_result_done(&res);

	/* the same key again: nothing changes */
	char before[BH_DIGEST_STR_LEN + 1];
	memcpy(before, out.signature_manifest, sizeof(before));
	sign_ok(&y, k.priv[0], y.manifest, &out);
	ASSERT_TRUE(out.already_signed);
	ASSERT_EQ(out.n_signatures, 2);
	ASSERT_STREQ(out.signature_manifest, before);

	/* a key that signed nothing */
	ASSERT_EQ(verify(&y, k.pub[2], y.manifest, &res), SIGN_STATUS_BAD_SIGNATURE);
	ASSERT_EQ(res.n_rejected, 2);
	ASSERT_TRUE(strstr(res.message, "signature does not verify with") != NULL);
	ASSERT_EQ(res.n_verified, 0);
	sign_result_done(&res);

	/* the signature manifest is a valid OCI manifest whose layers are the payloads */
	json_t *idx = read_json(&y, "index.json");
	json_t *e = json_array_get(json_object_get(idx, "manifests"), 1);
	ASSERT_STREQ(json_string_value(
			 json_object_get(json_object_get(e, "annotations"), SIGN_KIND_ANNOTATION)),
		     SIGN_KIND_SIGS);
	/* the layout's one image is marked the way cosign's layouts mark it */
	ASSERT_STREQ(json_string_value(json_object_get(
			 json_object_get(json_array_get(json_object_get(idx, "manifests"), 0),
					 "annotations"),
			 SIGN_KIND_ANNOTATION)),
		     SIGN_KIND_IMAGE);
	char name[100];
	ASSERT_OK(xsnprintf(name, sizeof(name), "blobs/sha256/%s",
			    json_string_value(json_object_get(e, "digest")) + 7));
	json_t *man = read_json(&y, name);
	ASSERT_EQ(json_integer_value(json_object_get(man, "schemaVersion")), 2);
	json_t *layers = json_object_get(man, "layers");
	ASSERT_EQ(json_array_size(layers), 2);
	ASSERT_STREQ(json_string_value(json_object_get(json_array_get(layers, 0), "mediaType")),
		     SIGN_PAYLOAD_MEDIA_TYPE);
	const char *cfgd =
	    json_string_value(json_object_get(json_object_get(man, "config"), "digest"));
	ASSERT_OK(xsnprintf(name, sizeof(name), "blobs/sha256/%s", cfgd + 7));
	json_t *cfg = read_json(&y, name);
	ASSERT_EQ(json_array_size(json_object_get(json_object_get(cfg, "rootfs"), "diff_ids")), 2);
	json_decref(cfg);
	json_decref(man);
	json_decref(idx);

	/* the image reader still opens the untagged layout to the same digest */
	char dg[BH_DIGEST_STR_LEN + 1];
	_cleanup_free_ char *id = NULL;
	struct bh_diag d = {0};
	int r = sign_resolve_target(&y.t, NULL, &y.l, dg, &id, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "resolve: %d %s", r, d.message);
	ASSERT_STREQ(dg, y.manifest);
	ASSERT_NOT_NULL(id);

	keys_free(&k);
	layout_free(&y);
}

/* Point the image entry of index.json at another manifest (a changed image). */
static void replace_image(struct layout *y, char out[static BH_DIGEST_STR_LEN + 1])
{
	put_image(y, "two", out);
	json_t *idx = read_json(y, "index.json");
	json_t *e = json_array_get(json_object_get(idx, "manifests"), 0);
	json_object_set_new(e, "digest", json_string(out));
	char p[256];
	struct stat st;
	ASSERT_OK(xsnprintf(p, sizeof(p), "%s/blobs/sha256/%s", y->dir, out + 7));
	ASSERT_OK(NERRNO(stat(p, &st)));
	json_object_set_new(e, "size", json_integer(st.st_size));
	write_index(y, idx);
	json_decref(idx);
}

TEST(tamper_manifest_changed_after_signing)
{
	struct layout y;
	struct keys k;
	layout_new(&y);
	keys_new(&k);
	struct sign_outcome out;
	sign_ok(&y, k.priv[0], y.manifest, &out);
	char changed[BH_DIGEST_STR_LEN + 1];
	replace_image(&y, changed);
	ASSERT_FALSE(streq(changed, y.manifest));

	struct sign_result res;
	ASSERT_EQ(verify(&y, k.pub[0], changed, &res), SIGN_STATUS_OTHER_DIGEST);
	ASSERT_TRUE(strstr(res.message, "payload names another digest") != NULL);
	ASSERT_TRUE(strstr(res.message, y.manifest) != NULL);
	sign_result_done(&res);
	/* another key's view: simply unsigned */
	ASSERT_EQ(verify(&y, k.pub[1], changed, &res), SIGN_STATUS_UNSIGNED);
	sign_result_done(&res);

	/* move the signature tag to the new digest: the payload still names the old one */
	json_t *idx = read_json(&y, "index.json");
	char tag[SIGN_TAG_LEN + 1];
	ASSERT_OK(sign_tag_for_digest(changed, tag));
	json_object_set_new(
	    json_object_get(json_array_get(json_object_get(idx, "manifests"), 1), "annotations"),
	    SIGN_REF_NAME, json_string(tag));
	write_index(&y, idx);
	json_decref(idx);
	ASSERT_EQ(verify(&y, k.pub[0], changed, &res), SIGN_STATUS_OTHER_DIGEST);
	ASSERT_TRUE(strstr(res.message, "payload names another digest: the key signed") != NULL);
	sign_result_done(&res);
	keys_free(&k);
	layout_free(&y);
}

/* The digest of the first layer of the signature manifest, and that manifest's digest. */
static void sig_digests(struct layout *y, char payload[static BH_DIGEST_STR_LEN + 1],
			char man[static BH_DIGEST_STR_LEN + 1])
{
	json_t *idx = read_json(y, "index.json");
	const char *md = json_string_value(
	    json_object_get(json_array_get(json_object_get(idx, "manifests"), 1), "digest"));
	memcpy(man, md, BH_DIGEST_STR_LEN + 1);
	char name[100];
	ASSERT_OK(xsnprintf(name, sizeof(name), "blobs/sha256/%s", md + 7));
	json_t *m = read_json(y, name);
	memcpy(payload,
	       json_string_value(
		   json_object_get(json_array_get(json_object_get(m, "layers"), 0), "digest")),
	       BH_DIGEST_STR_LEN + 1);
	json_decref(m);
	json_decref(idx);
}

static void flip_byte(struct layout *y, const char *digest, size_t at)
{
	char p[256];
	ASSERT_OK(xsnprintf(p, sizeof(p), "%s/blobs/sha256/%s", y->dir, digest + 7));
	int fd = open(p, O_RDWR | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	char c;
	ASSERT_EQ(pread(fd, &c, 1, (off_t)at), 1);
	c ^= 0x20;
	ASSERT_EQ(pwrite(fd, &c, 1, (off_t)at), 1);
	(void)close(fd);
}

TEST(tamper_blobs)
{
	struct layout y;
	struct keys k;
	layout_new(&y);
	keys_new(&k);
	struct sign_outcome out;
	sign_ok(&y, k.priv[0], y.manifest, &out);
	char payload[BH_DIGEST_STR_LEN + 1], man[BH_DIGEST_STR_LEN + 1];
	sig_digests(&y, payload, man);
	struct sign_result res;

	flip_byte(&y, payload, 40);
	ASSERT_EQ(verify(&y, k.pub[0], y.manifest, &res), SIGN_STATUS_BLOB_MISMATCH);
	ASSERT_TRUE(strstr(res.message, "payload layer digest mismatch") != NULL);
	sign_result_done(&res);
	/* restored, it verifies again */
	flip_byte(&y, payload, 40);
	ASSERT_EQ(verify(&y, k.pub[0], y.manifest, &res), SIGN_STATUS_VERIFIED);
	sign_result_done(&res);

	flip_byte(&y, man, 20);
	ASSERT_EQ(verify(&y, k.pub[0], y.manifest, &res), SIGN_STATUS_BLOB_MISMATCH);
	ASSERT_TRUE(strstr(res.message, "digest mismatch") != NULL);
	sign_result_done(&res);
	/* sign refuses to replace a signature manifest it cannot read */
	struct sign_opts o = {.identity = "x", .limits = &y.l};
	struct bh_diag d = {0};
	ASSERT_ERR(sign_image(&y.t, y.manifest, k.priv[1], &o, &out, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "refusing to replace it") != NULL);
	keys_free(&k);
	layout_free(&y);
}

/* A signature manifest made by hand: payload signed by key, tagged for digest. */
static void put_signature(struct layout *y, struct sign_key *key, const char *payload,
			  const char *digest)
{
	_cleanup_buf_ struct buf der, b64;
	buf_init(&der, 0);
	buf_init(&b64, 0);
	ASSERT_OK(sign_bytes(key, span_from(payload), &der));
	ASSERT_OK(sign_base64_encode(buf_span(&der), &b64));
	char pd[BH_DIGEST_STR_LEN + 1], md[BH_DIGEST_STR_LEN + 1], tag[SIGN_TAG_LEN + 1];
	put_blob(y, payload, strlen(payload), pd);
	json_t *m = json_pack("{s:i,s:s,s:[{s:s,s:i,s:s,s:{s:s}}]}", "schemaVersion", 2,
			      "mediaType", OCI_MT, "layers", "mediaType", SIGN_PAYLOAD_MEDIA_TYPE,
			      "size", (int)strlen(payload), "digest", pd, "annotations",
			      SIGN_ANNOTATION, buf_str(&b64));
	char *ms = json_dumps(m, JSON_COMPACT);
	put_blob(y, ms, strlen(ms), md);
	ASSERT_OK(sign_tag_for_digest(digest, tag));
	json_t *idx = read_json(y, "index.json");
	json_array_append_new(json_object_get(idx, "manifests"),
			      json_pack("{s:s,s:s,s:i,s:{s:s}}", "mediaType", OCI_MT, "digest", md,
					"size", (int)strlen(ms), "annotations", SIGN_REF_NAME,
					tag));
	write_index(y, idx);
	json_decref(idx);
	free(ms);
	json_decref(m);
}

TEST(malformed_payload_signed_by_the_key)
{
	struct layout y;
	struct keys k;
	layout_new(&y);
	keys_new(&k);
	char payload[600];
	ASSERT_OK(xsnprintf(payload, sizeof(payload),
			    "{\"critical\":{\"identity\":{\"docker-reference\":\"x\"},\"image\":{"
			    "\"docker-manifest-digest\":\"%s\"},\"type\":\"atomic container "
			    "signature\"},\"optional\":null}",
			    y.manifest));
	put_signature(&y, k.priv[0], payload, y.manifest);
	struct sign_result res;
	ASSERT_EQ(verify(&y, k.pub[0], y.manifest, &res), SIGN_STATUS_MALFORMED);
	ASSERT_TRUE(strstr(res.message, "malformed payload") != NULL);
	ASSERT_TRUE(strstr(res.message, "critical.type") != NULL);
	sign_result_done(&res);
	/* by another key it is just a signature that does not verify */
	ASSERT_EQ(verify(&y, k.pub[1], y.manifest, &res), SIGN_STATUS_BAD_SIGNATURE);
	sign_result_done(&res);
	keys_free(&k);
	layout_free(&y);
}

TEST(cosign_layout_signatures_by_kind)
{
	/* cosign save: the signature manifest is found by kind=sigs, not by tag */
	struct layout y;
	struct keys k;
	layout_new(&y);
	keys_new(&k);
	_cleanup_buf_ struct buf p;
	buf_init(&p, 0);
	ASSERT_OK(sign_payload_build("index.docker.io/library/app", y.manifest, NULL, &p));
	put_signature(&y, k.priv[0], buf_str(&p), y.manifest);
	json_t *idx = read_json(&y, "index.json");
	json_t *ann =
	    json_object_get(json_array_get(json_object_get(idx, "manifests"), 1), "annotations");
	json_object_del(ann, SIGN_REF_NAME);
	json_object_set_new(ann, SIGN_KIND_ANNOTATION, json_string(SIGN_KIND_SIGS));
	write_index(&y, idx);
	json_decref(idx);
	struct sign_result res;
	ASSERT_EQ(verify(&y, k.pub[0], y.manifest, &res), SIGN_STATUS_VERIFIED);
	ASSERT_STREQ(res.verified[0].identity, "index.docker.io/library/app");
	sign_result_done(&res);
	ASSERT_EQ(verify(&y, k.pub[1], y.manifest, &res), SIGN_STATUS_BAD_SIGNATURE);
	sign_result_done(&res);
	keys_free(&k);
	layout_free(&y);
}

TEST(finding_and_api_edges)
{
	struct layout y;
	layout_new(&y);
	EVP_PKEY *e = EVP_EC_gen("P-256");
	char *pub = pub_pem(e);
	char path[128];
	ASSERT_OK(xsnprintf(path, sizeof(path), "%s/pub.pem", y.dir));
	put("/", path + 1, pub, strlen(pub));

	struct sign_result res;
	struct bh_diag d = {0};
	ASSERT_OK(sign_verify_image(&y.t, y.manifest, path, &y.l, &res, &d));
	ASSERT_EQ(res.status, SIGN_STATUS_UNSIGNED);
	struct bh_finding f;
	ASSERT_OK(sign_result_finding(&res, path, &f));
	ASSERT_STREQ(f.kind, "misconfiguration");
	ASSERT_STREQ(f.rule_id, "BH-IMG-SIGN-001");
	ASSERT_STREQ(f.rule_title, "image is not signed by a trusted key");
	ASSERT_EQ(f.severity, BH_SEV_HIGH);
	ASSERT_STREQ(f.compliance.v[0], "NIST-800-190:4.1.5");
	ASSERT_STREQ(f.message, res.message);
	ASSERT_STREQ(bh_json_str(f.evidence, "status"), "unsigned");
	ASSERT_STREQ(bh_json_str(f.evidence, "manifest_digest"), y.manifest);
	bh_finding_done(&f);
	sign_result_done(&res);

	/* the key is checked: a missing or private key is an error, not a verdict */
	ASSERT_ERR(sign_verify_image(&y.t, y.manifest, "/nonexistent.pub", &y.l, &res, &d),
		   -ENOENT);
	sign_result_done(&res);
	ASSERT_ERR(sign_verify_image(&y.t, "sha256:12", path, &y.l, &res, &d), -EINVAL);
	sign_result_done(&res);

	/* only OCI layouts */
	struct img_target t;
	ASSERT_OK(img_target_parse("docker-archive:/tmp/x.tar", &t));
	char dg[BH_DIGEST_STR_LEN + 1];
	ASSERT_ERR(sign_resolve_target(&t, NULL, &y.l, dg, NULL, &d), -EOPNOTSUPP);
	ASSERT_TRUE(strstr(d.message, "signing needs an OCI image layout") != NULL);
	img_target_done(&t);

	free(pub);
	EVP_PKEY_free(e);
	layout_free(&y);
}
