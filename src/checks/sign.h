/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sign.h — image signatures in cosign's format, kept in an OCI image layout.
 *
 * What is signed: cosign's "simple signing" payload, a small JSON document naming the image
 * manifest digest (critical.image.docker-manifest-digest). The signature is ECDSA P-256
 * over SHA-256 of the exact payload bytes, ASN.1 DER, base64 — what `cosign sign --key`
 * makes and `openssl dgst -sha256 -verify` checks.
 *
 * Where it is kept (docs/signing.md): the payload is a blob of the layout; one "signature
 * manifest" (an OCI image manifest) per signed image lists one layer per signature, each
 * layer being the payload blob (media type SIGN_PAYLOAD_MEDIA_TYPE) with the base64
 * signature in its annotation SIGN_ANNOTATION. index.json names the signature manifest
 * with org.opencontainers.image.ref.name = "sha256-<hex>.sig", the tag cosign gives it in
 * a registry, and with cosign's layout annotation kind = "dev.cosignproject.cosign/sigs".
 * Signing again with another key adds a layer to the same signature manifest.
 *
 * Crypto is OpenSSL's (libcrypto 3); nothing here implements a primitive. Everything read
 * from a layout is hostile: blobs are checked against their digests before use, JSON is
 * parsed within struct bh_limits, and no symlink in the layout is followed.
 * sign_image() writes only inside the layout directory, each new blob and index.json through
 * a temporary file that is fsynced and renamed into place, so a layout is never partial.
 */
#pragma once

#include <jansson.h>

#include "bulkhead/image.h"
#include "common/common.h"
#include "common/finding.h"
#include "common/hash.h"

#define SIGN_PAYLOAD_MEDIA_TYPE "application/vnd.dev.cosign.simplesigning.v1+json"
#define SIGN_ANNOTATION		"dev.cosignproject.cosign/signature"
#define SIGN_PAYLOAD_TYPE	"cosign container image signature"
#define SIGN_KIND_ANNOTATION	"kind" /* cosign's layout annotation on index.json entries */
#define SIGN_KIND_SIGS		"dev.cosignproject.cosign/sigs"
#define SIGN_KIND_IMAGE		"dev.cosignproject.cosign/image"
#define SIGN_REF_NAME		"org.opencontainers.image.ref.name"
#define SIGN_TAG_LEN		(7 + 64 + 4) /* "sha256-" + hex + ".sig" */
#define SIGN_MAX_LAYERS		1000 /* signatures in one signature manifest (cosign's bound) */
#define SIGN_KEY_MAX_BYTES	(64 * 1024)
#define SIGN_PASSWORD_ENV	"BULKHEAD_KEY_PASSWORD"
#define SIGN_RULE_ID		"BH-IMG-SIGN-001"
#define SIGN_RULE_TITLE		"image is not signed by a trusted key"
#define SIGN_COMPLIANCE		"NIST-800-190:4.1.5"

/* ---- keys ------------------------------------------------------------------------------ */

/* An ECDSA P-256 key (private, or public only) and its fingerprint. */
struct sign_key;

/*
 * Decode a PEM key. want_private: a private key (SEC1 "EC PRIVATE KEY", PKCS#8 "PRIVATE
 * KEY", encrypted PKCS#8 "ENCRYPTED PRIVATE KEY" or legacy encrypted SEC1, decrypted with
 * password); otherwise a public key ("PUBLIC KEY", SubjectPublicKeyInfo). password may be
 * NULL (an encrypted key then fails with -EACCES). source names the key in messages.
 * Errors, each with a one-line reterr_diag: -EBADMSG (not PEM, undecodable, wrong
 * password), -EOPNOTSUPP (another key type or curve; cosign's "ENCRYPTED SIGSTORE PRIVATE
 * KEY", whose NaCl secretbox OpenSSL does not provide), -EINVAL (a public key where a
 * private one is needed or the reverse), -EACCES (encrypted, no password), -ENOMEM.
 * On success *ret is owned by the caller (sign_key_free()). pem is borrowed.
 */
int sign_key_from_pem(struct span pem, bool want_private, const char *password, const char *source,
		      struct sign_key **ret, struct bh_diag *reterr_diag);
/*
 * Read a key file (at most SIGN_KEY_MAX_BYTES) and decode it as sign_key_from_pem() does;
 * a private key's password comes from $BULKHEAD_KEY_PASSWORD (secure_getenv). The file's
 * bytes are wiped from memory after decoding. Errors as above plus -ENOENT, -E2BIG, -errno.
 */
int sign_key_load(const char *path, bool want_private, struct sign_key **ret,
		  struct bh_diag *reterr_diag);
void sign_key_free(struct sign_key *k);
DEFINE_CLEANUP(struct sign_key *, sign_key_free)
/* "sha256:<hex>" of the DER SubjectPublicKeyInfo; valid while k lives. */
const char *sign_key_fingerprint(const struct sign_key *k);
/* The public key as PEM SubjectPublicKeyInfo, appended to ret. 0, -ENOMEM, -E2BIG. */
int sign_key_public_pem(const struct sign_key *k, struct buf *ret);

/* ECDSA/SHA-256 over data with a private key: DER signature appended to ret. 0, -EINVAL
 * (public key only), -ENOMEM, -EIO (OpenSSL failed). */
int sign_bytes(const struct sign_key *k, struct span data, struct buf *ret);
/* 1 when der is a valid ECDSA/SHA-256 signature of data by k, 0 when not. Never fails. */
int sign_verify_bytes(const struct sign_key *k, struct span data, struct span der);

/* Standard base64 (RFC 4648 §4, with padding), appended to ret. 0, -ENOMEM, -E2BIG. */
int sign_base64_encode(struct span in, struct buf *ret);
/* Strict decode of the same (no whitespace, canonical padding). 0, -EBADMSG, -ENOMEM. */
int sign_base64_decode(struct span in, struct buf *ret);

/* ---- the simple-signing payload ---------------------------------------------------------- */

struct sign_payload {
	char *docker_reference;			     /* critical.identity.docker-reference */
	char manifest_digest[BH_DIGEST_STR_LEN + 1]; /* critical.image.docker-manifest-digest */
	json_t *optional;			     /* owned object; NULL for null/absent */
};

/*
 * The payload bytes cosign writes (Go's encoding/json: compact, fields in this order, "<>&"
 * escaped): {"critical":{"identity":{"docker-reference":REF},"image":{"docker-manifest-
 * digest":DIGEST},"type":"cosign container image signature"},"optional":OPT}. OPT is null
 * when annotations is NULL or empty, else an object of the "KEY=VALUE" strings, sorted by
 * key. Appended to ret. 0, -EINVAL (bad digest, invalid UTF-8, an annotation without '=' or
 * a repeated key), -ENOMEM, -E2BIG.
 */
int sign_payload_build(const char *docker_reference, const char *manifest_digest,
		       const struct strv *annotations, struct buf *ret);
/*
 * Parse a payload (hostile input, within limits). critical must hold exactly identity,
 * image and type; type must be SIGN_PAYLOAD_TYPE; the digest must be a sha256 digest;
 * optional must be an object, null or absent. reterr_diag's message names the field
 * ("critical.image.docker-manifest-digest: missing"). 0, -EBADMSG, -E2BIG, -ENOMEM.
 * On success *ret is filled (sign_payload_done()); on failure it is left zeroed.
 */
int sign_payload_parse(struct span in, const struct bh_limits *limits, struct sign_payload *ret,
		       struct bh_diag *reterr_diag);
void sign_payload_done(struct sign_payload *p);

/* ---- the signature manifest ---------------------------------------------------------------- */

struct sign_layer {
	char *media_type;		    /* as declared */
	char digest[BH_DIGEST_STR_LEN + 1]; /* payload blob digest */
	uint64_t size;			    /* declared size */
	char *signature;		    /* base64 from SIGN_ANNOTATION; NULL when absent */
	json_t *desc;			    /* owned: the whole descriptor, kept for rewriting */
};

struct sign_manifest {
	struct sign_layer *layers;
	size_t n, cap;
};

/*
 * Parse a signature manifest: schemaVersion 2, an OCI or Docker v2 manifest media type when
 * one is given, at most SIGN_MAX_LAYERS layers each with mediaType, digest, size and
 * string annotations. Field errors name the field ("layers[2].digest: ..."). 0, -EBADMSG,
 * -E2BIG, -ENOMEM. On success *ret is filled (sign_manifest_done()).
 */
int sign_manifest_parse(struct span in, const struct bh_limits *limits, struct sign_manifest *ret,
			struct bh_diag *reterr_diag);
void sign_manifest_done(struct sign_manifest *m);

/* "sha256-<hex>.sig" for "sha256:<hex>" into out. 0 or -EINVAL (not a sha256 digest). */
int sign_tag_for_digest(const char *manifest_digest, char out[static SIGN_TAG_LEN + 1]);
/* Is this a cosign signature tag ("sha256-" + 64 lower-case hex + ".sig")? */
bool sign_tag_is_signature(const char *name);

/* ---- targets --------------------------------------------------------------------------------- */

/*
 * Find the manifest digest that sign and verify work on, the one `bulkhead scan` reads:
 * target must be an OCI layout (else -EOPNOTSUPP, "signing needs an OCI image layout");
 * it is opened with img_open() (every blob checked against its digest), except that with
 * neither tag nor digest, signature manifests listed in index.json are not counted as
 * images. platform may be NULL. Writes the digest into ret_digest and, when ret_identity is
 * non-NULL, the docker-reference to sign (the image's repository name, else the layout
 * directory's name; caller frees). Errors as img_open(); -EOPNOTSUPP as above.
 */
int sign_resolve_target(const struct img_target *t, const char *platform,
			const struct bh_limits *limits,
			char ret_digest[static BH_DIGEST_STR_LEN + 1], char **ret_identity,
			struct bh_diag *reterr_diag);

/* ---- signing --------------------------------------------------------------------------------- */

struct sign_opts {
	const char *identity;		/* critical.identity.docker-reference; required */
	const struct strv *annotations; /* "KEY=VALUE" for optional; NULL for none */
	const struct bh_limits *limits;
};

struct sign_outcome {
	char tag[SIGN_TAG_LEN + 1];			/* "sha256-<hex>.sig" */
	char signature_manifest[BH_DIGEST_STR_LEN + 1]; /* digest of the signature manifest */
	char payload_digest[BH_DIGEST_STR_LEN + 1];
	size_t n_signatures; /* layers of the signature manifest now */
	bool already_signed; /* this key had signed this payload: nothing was written */
};

/*
 * Sign manifest_digest (normally from sign_resolve_target()) in the OCI layout t->path
 * with the private key: build the payload, sign it, add it as a layer of the image's
 * signature manifest (creating it, or appending to the one tagged "sha256-<hex>.sig"),
 * write the new blobs and replace index.json, all atomically, under an exclusive flock()
 * of the layout directory. When a layer of the existing signature manifest already holds
 * this payload with a signature that verifies with this key, nothing is written
 * (already_signed). Errors: -EINVAL (public key, bad opts), -EBADMSG (malformed index.json
 * or existing signature manifest, a blob that does not match its digest), -E2BIG
 * (SIGN_MAX_LAYERS, limits), -ENOENT, -ENOMEM, -errno from the file system; reterr_diag
 * names the file. Nothing is left half-written on failure.
 */
int sign_image(const struct img_target *t, const char *manifest_digest, const struct sign_key *key,
	       const struct sign_opts *o, struct sign_outcome *ret, struct bh_diag *reterr_diag);

/* ---- verification ---------------------------------------------------------------------------- */

/* Verdicts, from success to the least specific failure. */
enum sign_status {
	SIGN_STATUS_VERIFIED,	   /* a signature by the key covers the current manifest digest */
	SIGN_STATUS_OTHER_DIGEST,  /* the key signed a payload naming another digest */
	SIGN_STATUS_MALFORMED,	   /* a payload or signature manifest is malformed */
	SIGN_STATUS_BLOB_MISMATCH, /* a payload or signature manifest blob does not match its digest
				    */
	SIGN_STATUS_BAD_SIGNATURE, /* signatures exist, none verifies with the key */
	SIGN_STATUS_UNSIGNED,	   /* no signature for the digest */
	_SIGN_STATUS_MAX,
};

/* "verified", "other-digest", "malformed", "blob-mismatch", "bad-signature", "unsigned". */
const char *sign_status_name(enum sign_status s);

struct sign_verified {
	char *identity; /* docker-reference of the payload */
	char payload_digest[BH_DIGEST_STR_LEN + 1];
	char signature_manifest[BH_DIGEST_STR_LEN + 1];
	json_t *optional; /* owned; NULL when null */
};

struct sign_result {
	enum sign_status status;
	char manifest_digest[BH_DIGEST_STR_LEN + 1];
	char key_fingerprint[BH_DIGEST_STR_LEN + 1];
	char message[1024];		/* one line: why not verified, or what verified */
	size_t n_examined;		/* signature layers looked at */
	size_t n_rejected;		/* of those, signatures that do not verify with the key */
	struct sign_verified *verified; /* the signatures by the key over manifest_digest */
	size_t n_verified, cap_verified;
};

/*
 * Verify that the OCI layout t->path holds a signature by the public key at pubkey_path
 * over a payload whose docker-manifest-digest is manifest_digest (the digest of the image
 * as read now, e.g. img->manifest_digest: sign_verify_image() does not re-read the image).
 * Looks at the signature manifest tagged "sha256-<hex>.sig" and, when that yields no
 * verified signature, at every other signature manifest of the layout (tagged
 * "sha256-*.sig" or kind SIGN_KIND_SIGS), so that a manifest changed after signing reads
 * "payload names another digest" rather than only "no signature".
 *
 * Returns 0 when the check ran: the verdict is ret->status with one line in ret->message
 * and, when verified, the signatures in ret->verified. Returns -errno when it could not
 * run: the key (as sign_key_load(), reterr_diag says why), an unreadable or malformed
 * index.json (-EBADMSG, -E2BIG), -ENOMEM, -errno. ret is always initialised (free it
 * with sign_result_done()). t, manifest_digest, pubkey_path and limits are borrowed.
 */
int sign_verify_image(const struct img_target *t, const char *manifest_digest,
		      const char *pubkey_path, const struct bh_limits *limits,
		      struct sign_result *ret, struct bh_diag *reterr_diag);
/* The same with a key already loaded (borrowed). */
int sign_verify_image_key(const struct img_target *t, const char *manifest_digest,
			  const struct sign_key *key, const struct bh_limits *limits,
			  struct sign_result *ret, struct bh_diag *reterr_diag);
void sign_result_done(struct sign_result *r);

/*
 * The finding `bulkhead scan --require-signature --key PUB` reports for a result that is
 * not SIGN_STATUS_VERIFIED: kind "misconfiguration", rule SIGN_RULE_ID / SIGN_RULE_TITLE,
 * severity high, compliance SIGN_COMPLIANCE, message r->message, evidence {status,
 * manifest_digest, key, key_fingerprint, signatures_examined}. pubkey_path is borrowed (the
 * evidence holds a copy). *ret is written only on success (bh_findings_add_take() it).
 * 0, -EINVAL (r is verified), -ENOMEM.
 */
int sign_result_finding(const struct sign_result *r, const char *pubkey_path,
			struct bh_finding *ret);
