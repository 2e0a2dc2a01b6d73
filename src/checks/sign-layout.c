/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sign-layout.c — signatures stored in an OCI image layout: finding the manifest digest to
 * sign, writing a signature (blobs + index.json, atomically), verifying one, and the
 * finding `scan --require-signature` reports. Storage follows cosign (see sign.h and
 * docs/signing.md). Must not: follow a symlink inside the layout, write outside it, use a
 * blob without checking its digest, or leave a partial layout behind.
 */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "checks/sign.h"
#include "common/fileio.h"
#include "common/json.h"

#define OCI_MANIFEST_MT "application/vnd.oci.image.manifest.v1+json"
#define OCI_CONFIG_MT	"application/vnd.oci.image.config.v1+json"
#define KIND_ATTS	"dev.cosignproject.cosign/atts"
#define ZERO_TIME	"0001-01-01T00:00:00Z"

/* ---- the layout directory ---------------------------------------------------------------- */

struct layout {
	int dirfd;
	int blobsfd; /* blobs/sha256 */
	const struct bh_limits *limits;
	const char *path;
};

static void layout_done(struct layout *l)
{
	if (l->blobsfd >= 0)
		(void)close(l->blobsfd);
	if (l->dirfd >= 0)
		(void)close(l->dirfd);
	l->blobsfd = l->dirfd = -1;
}

static int layout_open(const char *path, const struct bh_limits *limits, struct layout *ret,
		       struct bh_diag *diag)
{
	*ret = (struct layout){.dirfd = -1, .blobsfd = -1, .limits = limits, .path = path};
	ret->dirfd = NERRNO(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (ret->dirfd < 0) {
		int r = ret->dirfd;
		bh_diag_set(diag, path, 0, 0, "cannot open the OCI layout: %s", strerror(-r));
		return r;
	}
	_cleanup_close_ int blobs =
	    NERRNO(openat(ret->dirfd, "blobs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (blobs >= 0)
		ret->blobsfd = NERRNO(
		    openat(blobs, "sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (blobs < 0 || ret->blobsfd < 0) {
		int r = blobs < 0 ? blobs : ret->blobsfd;
		bh_diag_set(diag, path, 0, 0, "blobs/sha256: %s (not an OCI image layout?)",
			    strerror(-r));
		layout_done(ret);
		return r;
	}
	return 0;
}

/*
 * Read the blob named digest, at most the input limit; when size is not UINT64_MAX the
 * blob must have exactly that size. The content must hash to digest.
 * 0, -ENOENT (absent), -EBADMSG (digest or size mismatch), -E2BIG, -errno.
 */
static int blob_read(const struct layout *l, const char *digest, uint64_t size, struct buf *ret,
		     struct bh_diag *diag)
{
	char src[100];
	(void)xsnprintf(src, sizeof(src), "blobs/sha256/%.64s", digest + 7);
	buf_init(ret, l->limits->input_max_bytes > SIZE_MAX / 2
			  ? SIZE_MAX / 2
			  : (size_t)l->limits->input_max_bytes);
	int r = bh_read_file_at(l->blobsfd, digest + 7, O_NOFOLLOW, ret->max, ret);
	if (r < 0) {
		if (r == -E2BIG)
			bh_diag_set(diag, src, 0, 0, "larger than input-max-bytes (%llu)",
				    (unsigned long long)l->limits->input_max_bytes);
		else if (r == -ENOENT)
			bh_diag_set(diag, src, 0, 0, "blob is missing");
		else
			bh_diag_set(diag, src, 0, 0, "%s", strerror(-r));
		buf_done(ret);
		return r;
	}
	if (size != UINT64_MAX && ret->len != size) {
		bh_diag_set(diag, src, 0, 0,
			    "size mismatch: descriptor says %llu, blob has %zu bytes",
			    (unsigned long long)size, ret->len);
		buf_done(ret);
		return -EBADMSG;
	}
	char got[BH_DIGEST_STR_LEN + 1];
	r = bh_sha256_str(ret->ptr ? ret->ptr : "", ret->len, got);
	if (r >= 0 && !streq(got, digest)) {
		bh_diag_set(diag, src, 0, 0, "digest mismatch: expected %s, got %s", digest, got);
		r = -EBADMSG;
	}
	if (r < 0)
		buf_done(ret);
	return r;
}

/* index.json, parsed: an object whose "manifests" is an array of descriptors with digests. */
static int index_read(const struct layout *l, json_t **ret, struct bh_diag *diag)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, l->limits->input_max_bytes > SIZE_MAX / 2
			 ? SIZE_MAX / 2
			 : (size_t)l->limits->input_max_bytes);
	int r = bh_read_file_at(l->dirfd, "index.json", O_NOFOLLOW, b.max, &b);
	if (r < 0) {
		bh_diag_set(diag, "index.json", 0, 0, "%s",
			    r == -E2BIG ? "larger than input-max-bytes" : strerror(-r));
		bh_diag_wrap(diag, l->path);
		return r;
	}
	_cleanup_json_ json_t *doc = NULL;
	r = bh_json_parse(buf_span(&b), l->limits, "index.json", &doc, diag);
	if (r < 0) {
		bh_diag_wrap(diag, l->path);
		return r;
	}
	json_t *m = json_object_get(doc, "manifests");
	if (!json_is_object(doc) || !json_is_array(m)) {
		bh_diag_set(diag, "index.json", 0, 0, "no \"manifests\" array");
		bh_diag_wrap(diag, l->path);
		return -EBADMSG;
	}
	size_t i;
	json_t *d;
	json_array_foreach(m, i, d)
	{
		const char *digest = bh_json_str(d, "digest");
		json_t *ann = json_object_get(d, "annotations");
		if (!digest || bh_digest_validate(span_from(digest)) < 0 ||
		    (ann && !json_is_object(ann))) {
			bh_diag_set(diag, "index.json", 0, 0,
				    "manifests[%zu]: malformed descriptor (digest, annotations)",
				    i);
			bh_diag_wrap(diag, l->path);
			return -EBADMSG;
		}
	}
	*ret = TAKE_PTR(doc);
	return 0;
}

static const char *desc_annotation(const json_t *d, const char *key)
{
	return bh_json_str(json_object_get(d, "annotations"), key);
}

static uint64_t desc_size(const json_t *d)
{
	uint64_t size;
	return bh_json_u64(d, "size", &size) < 0 ? UINT64_MAX : size;
}

/* A cosign artefact (signature, attestation, SBOM) rather than an image. */
static bool desc_is_cosign_artifact(const json_t *d)
{
	const char *kind = desc_annotation(d, SIGN_KIND_ANNOTATION);
	if (kind && (streq(kind, SIGN_KIND_SIGS) || streq(kind, KIND_ATTS)))
		return true;
	const char *name = desc_annotation(d, SIGN_REF_NAME);
	if (!name || strlen(name) < 71 || memcmp(name, "sha256-", 7) != 0)
		return false;
	for (size_t i = 7; i < 71; i++)
		if (!ascii_isdigit(name[i]) && !(name[i] >= 'a' && name[i] <= 'f'))
			return false;
	return streq(name + 71, ".sig") || streq(name + 71, ".att") || streq(name + 71, ".sbom");
}

static bool desc_is_signature_manifest(const json_t *d)
{
	const char *kind = desc_annotation(d, SIGN_KIND_ANNOTATION);
	return (kind && streq(kind, SIGN_KIND_SIGS)) ||
	       sign_tag_is_signature(desc_annotation(d, SIGN_REF_NAME));
}

/* ---- atomic writes -------------------------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write name in dirfd through a temporary file that is fsynced and renamed into place. */
static int write_atomic(int dirfd, const char *name, struct span data)
{
	static unsigned counter;
	char tmp[160];
	int fd = -1;
	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		int r = xsnprintf(tmp, sizeof(tmp), ".%.100s.tmp-%d-%u", name, (int)getpid(),
				  counter++);
		if (r < 0)
			return r;
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	int r = write_all(fd, data.ptr, data.len);
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r >= 0)
		r = -errno;
	if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(dirfd, tmp, 0);
	return r;
}

static int blob_write(const struct layout *l, struct span data,
		      char ret_digest[static BH_DIGEST_STR_LEN + 1])
{
	int r = bh_sha256_str(data.ptr, data.len, ret_digest);
	return r < 0 ? r : write_atomic(l->blobsfd, ret_digest + 7, data);
}

static int dump_compact(const json_t *v, struct buf *ret)
{
	size_t n = json_dumpb(v, NULL, 0, JSON_COMPACT);
	if (n == 0)
		return -ENOMEM;
	int r = buf_reserve(ret, n);
	if (r < 0)
		return r;
	if (json_dumpb(v, ret->ptr + ret->len, n, JSON_COMPACT) != n)
		return -ENOMEM;
	ret->len += n;
	ret->ptr[ret->len] = '\0';
	return 0;
}

/* ---- targets ------------------------------------------------------------------------------- */

/* The repository part of "host/repo:tag" or "host/repo@sha256:…"; NULL without a '/'. */
static char *repository_of(const char *name)
{
	const char *slash = strrchr(name, '/');
	if (!slash)
		return NULL;
	size_t len = strlen(name);
	const char *at = strchr(slash, '@'), *colon = strchr(slash, ':');
	if (at)
		len = (size_t)(at - name);
	if (colon && (size_t)(colon - name) < len)
		len = (size_t)(colon - name);
	return strndup(name, len);
}

static char *layout_basename(const char *path)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	size_t start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (len - start == 0 || (len - start == 1 && path[start] == '.'))
		return strdup("local");
	return strndup(path + start, len - start);
}

int sign_resolve_target(const struct img_target *t, const char *platform,
			const struct bh_limits *limits,
			char ret_digest[static BH_DIGEST_STR_LEN + 1], char **ret_identity,
			struct bh_diag *reterr_diag)
{
	if (t->kind != IMG_KIND_OCI) {
		bh_diag_set(reterr_diag, t->original, 0, 0,
			    "signing needs an OCI image layout (oci:DIR[:TAG|@DIGEST])");
		return -EOPNOTSUPP;
	}
	struct img_target lt = *t; /* borrowed fields; never img_target_done()d */
	_cleanup_json_ json_t *idx_doc = NULL;
	if (!t->reference && !t->digest) {
		/* the signatures we add must not make an untagged layout ambiguous */
		struct layout l;
		int r = layout_open(t->path, limits, &l, reterr_diag);
		if (r < 0)
			return r;
		r = index_read(&l, &idx_doc, reterr_diag);
		layout_done(&l);
		if (r < 0)
			return r;
		const char *only = NULL;
		bool several = false;
		size_t i;
		json_t *d;
		json_array_foreach(json_object_get(idx_doc, "manifests"), i, d)
		{
			if (desc_is_cosign_artifact(d))
				continue;
			const char *dg = bh_json_str(d, "digest");
			if (only && !streq(only, dg))
				several = true;
			only = dg;
		}
		if (only && !several)
			lt.digest = (char *)only;
	}
	struct img_open_opts o = {.platform = platform, .limits = limits};
	_cleanup_(img_freep) struct img *img = NULL;
	int r = img_open(&lt, &o, &img, reterr_diag);
	if (r < 0)
		return r;
	if (!img->manifest_digest || bh_digest_validate(span_from(img->manifest_digest)) < 0) {
		bh_diag_set(reterr_diag, t->original, 0, 0,
			    "the image has no sha256 manifest digest");
		return -EOPNOTSUPP;
	}
	if (ret_identity) {
		char *id = NULL;
		for (size_t i = 0; i < img->repo_tags.n && !id; i++)
			id = repository_of(img->repo_tags.v[i]);
		if (!id)
			id = layout_basename(t->path);
		if (!id)
			return -ENOMEM;
		*ret_identity = id;
	}
	memcpy(ret_digest, img->manifest_digest, BH_DIGEST_STR_LEN + 1);
	return 0;
}

/* ---- signing ----------------------------------------------------------------------------------
 */

/* The signature manifest's config: a valid, empty image config listing the layers. */
static int build_config(const struct sign_manifest *m, const char *new_digest, struct buf *ret)
{
	_cleanup_json_ json_t *cfg = json_object(), *hist = json_array(), *diff = json_array();
	if (!cfg || !hist || !diff)
		return -ENOMEM;
	size_t n = m->n + 1;
	for (size_t i = 0; i < n; i++) {
		json_t *h = json_pack("{s:s}", "created", ZERO_TIME);
		const char *dg = i < m->n ? m->layers[i].digest : new_digest;
		if (bh_json_append_new(hist, h) < 0 || bh_json_append_str(diff, dg) < 0)
			return -ENOMEM;
	}
	json_t *rootfs = json_pack("{s:s,s:O}", "type", "layers", "diff_ids", diff);
	int r = bh_json_set_str(cfg, "architecture", "") ?:
		bh_json_set_str(cfg, "created", ZERO_TIME) ?:
		bh_json_set_new(cfg, "history", json_incref(hist)) ?:
		bh_json_set_str(cfg, "os", "") ?:
		bh_json_set_new(cfg, "rootfs", rootfs) ?:
		bh_json_set_new(cfg, "config", json_object());
	return r < 0 ? r : dump_compact(cfg, ret);
}

static int build_manifest(const struct sign_manifest *m, json_t *new_layer_take,
			  const char *config_digest, size_t config_size, struct buf *ret)
{
	_cleanup_json_ json_t *layers = json_array(), *new_layer = new_layer_take;
	_cleanup_json_ json_t *doc = json_object();
	if (!layers || !doc || !new_layer)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++)
		if (json_array_append(layers, m->layers[i].desc) < 0)
			return -ENOMEM;
	if (json_array_append(layers, new_layer) < 0)
		return -ENOMEM;
	json_t *config = json_pack("{s:s,s:I,s:s}", "mediaType", OCI_CONFIG_MT, "size",
				   (json_int_t)config_size, "digest", config_digest);
	int r = bh_json_set_new(doc, "schemaVersion", json_integer(2)) ?:
		bh_json_set_str(doc, "mediaType", OCI_MANIFEST_MT) ?:
		bh_json_set_new(doc, "config", config) ?:
		bh_json_set_new(doc, "layers", json_incref(layers));
	return r < 0 ? r : dump_compact(doc, ret);
}

/* Does a layer of m already hold payload_digest signed by key? */
static bool already_signed(const struct layout *l, const struct sign_manifest *m,
			   const char *payload_digest, const struct sign_key *key)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct sign_layer *y = &m->layers[i];
		if (!streq(y->digest, payload_digest) || !y->signature)
			continue;
		_cleanup_buf_ struct buf der, payload;
		buf_init(&der, 0);
		buf_init(&payload, 0);
		struct bh_diag ignored = {0};
		if (sign_base64_decode(span_from(y->signature), &der) < 0 ||
		    blob_read(l, y->digest, y->size, &payload, &ignored) < 0)
			continue;
		if (sign_verify_bytes(key, buf_span(&payload), buf_span(&der)) == 1)
			return true;
	}
	return false;
}

/*
 * The new index.json: every entry tagged tag removed, the signature manifest appended, and
 * (when the layout holds just this one image, as cosign's layouts do) the image entry marked
 * with cosign's kind annotation so `cosign verify --local-image` finds both.
 */
static int build_index(json_t *idx_doc, const char *manifest_digest, const char *tag,
		       const char *sig_digest, size_t sig_size, struct buf *ret)
{
	json_t *old = json_object_get(idx_doc, "manifests");
	_cleanup_json_ json_t *list = json_array();
	if (!list)
		return -ENOMEM;
	const char *only = NULL;
	bool several = false;
	size_t i;
	json_t *d;
	json_array_foreach(old, i, d)
	{
		if (streq_ptr(desc_annotation(d, SIGN_REF_NAME), tag))
			continue;
		if (json_array_append(list, d) < 0)
			return -ENOMEM;
		if (desc_is_cosign_artifact(d))
			continue;
		const char *dg = bh_json_str(d, "digest");
		if (only && !streq(only, dg))
			several = true;
		only = dg;
	}
	if (only && !several && streq(only, manifest_digest)) {
		json_array_foreach(list, i, d)
		{
			if (desc_is_cosign_artifact(d) || desc_annotation(d, SIGN_KIND_ANNOTATION))
				continue;
			json_t *ann = json_object_get(d, "annotations");
			if (!ann && bh_json_set_new(d, "annotations", ann = json_object()) < 0)
				return -ENOMEM;
			if (bh_json_set_str(ann, SIGN_KIND_ANNOTATION, SIGN_KIND_IMAGE) < 0)
				return -ENOMEM;
		}
	}
	json_t *desc = json_pack("{s:s,s:s,s:I,s:{s:s,s:s}}", "mediaType", OCI_MANIFEST_MT,
				 "digest", sig_digest, "size", (json_int_t)sig_size, "annotations",
				 SIGN_KIND_ANNOTATION, SIGN_KIND_SIGS, SIGN_REF_NAME, tag);
	if (bh_json_append_new(list, desc) < 0 ||
	    bh_json_set_new(idx_doc, "manifests", json_incref(list)) < 0)
		return -ENOMEM;
	return dump_compact(idx_doc, ret);
}

int sign_image(const struct img_target *t, const char *manifest_digest, const struct sign_key *key,
	       const struct sign_opts *o, struct sign_outcome *ret, struct bh_diag *reterr_diag)
{
	struct sign_outcome out = {0};
	if (!o || !o->identity || !o->limits || t->kind != IMG_KIND_OCI ||
	    sign_tag_for_digest(manifest_digest, out.tag) < 0)
		return -EINVAL;
	_cleanup_buf_ struct buf payload, der, b64, cfg, man, idx;
	buf_init(&payload, 0);
	buf_init(&der, 0);
	buf_init(&b64, 0);
	buf_init(&cfg, 0);
	buf_init(&man, 0);
	buf_init(&idx, 0);
	int r = sign_payload_build(o->identity, manifest_digest, o->annotations, &payload);
	if (r < 0) {
		bh_diag_set(reterr_diag, NULL, 0, 0,
			    "cannot build the payload (identity or annotations: KEY=VALUE, UTF-8, "
			    "each key once)");
		return r;
	}
	r = bh_sha256_str(payload.ptr, payload.len, out.payload_digest);
	if (r < 0)
		return r;

	_cleanup_json_ json_t *idx_doc = NULL;
	struct sign_manifest m = {0};
	struct layout l;
	r = layout_open(t->path, o->limits, &l, reterr_diag);
	if (r < 0)
		return r;
	/* one writer at a time: index.json is read, changed and replaced */
	if (flock(l.dirfd, LOCK_EX) < 0) {
		r = -errno;
		bh_diag_set(reterr_diag, t->path, 0, 0, "cannot lock the layout: %s", strerror(-r));
		goto out;
	}
	r = index_read(&l, &idx_doc, reterr_diag);
	if (r < 0)
		goto out;

	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(idx_doc, "manifests"), i, d)
	{
		if (!streq_ptr(desc_annotation(d, SIGN_REF_NAME), out.tag))
			continue;
		_cleanup_buf_ struct buf mb;
		const char *dg = bh_json_str(d, "digest");
		r = blob_read(&l, dg, desc_size(d), &mb, reterr_diag);
		if (r >= 0)
			r = sign_manifest_parse(buf_span(&mb), o->limits, &m, reterr_diag);
		if (r < 0) {
			char inner[1200];
			bh_diag_format(reterr_diag, inner, sizeof(inner));
			bh_diag_set(
			    reterr_diag, t->path, 0, 0,
			    "existing signature manifest %s (tag %s) is unusable, refusing to "
			    "replace it: %s",
			    dg, out.tag, inner);
			goto out;
		}
		break;
	}
	if (already_signed(&l, &m, out.payload_digest, key)) {
		out.already_signed = true;
		out.n_signatures = m.n;
		json_array_foreach(json_object_get(idx_doc, "manifests"), i,
				   d) if (streq_ptr(desc_annotation(d, SIGN_REF_NAME), out.tag))
		{
			memcpy(out.signature_manifest, bh_json_str(d, "digest"),
			       BH_DIGEST_STR_LEN + 1);
			break;
		}
		*ret = out;
		r = 0;
		goto out_m;
	}
	/* Checked after already_signed(): re-signing with the same key is not an error. */
	if (m.n >= SIGN_MAX_LAYERS) {
		bh_diag_set(reterr_diag, t->path, 0, 0, "the image already has %d signatures",
			    SIGN_MAX_LAYERS);
		r = -E2BIG;
		goto out_m;
	}

	r = sign_bytes(key, buf_span(&payload), &der);
	if (r >= 0)
		r = sign_base64_encode(buf_span(&der), &b64);
	if (r < 0) {
		bh_diag_set(reterr_diag, NULL, 0, 0, "signing failed (is the key a private key?)");
		goto out_m;
	}
	json_t *layer = json_pack("{s:s,s:I,s:s,s:{s:s}}", "mediaType", SIGN_PAYLOAD_MEDIA_TYPE,
				  "size", (json_int_t)payload.len, "digest", out.payload_digest,
				  "annotations", SIGN_ANNOTATION, buf_str(&b64));
	char cfg_digest[BH_DIGEST_STR_LEN + 1];
	r = build_config(&m, out.payload_digest, &cfg);
	if (r >= 0)
		r = bh_sha256_str(cfg.ptr, cfg.len, cfg_digest);
	if (r < 0) {
		json_decref(layer);
		goto out_m;
	}
	r = build_manifest(&m, layer, cfg_digest, cfg.len, &man);
	if (r >= 0)
		r = bh_sha256_str(man.ptr, man.len, out.signature_manifest);
	if (r >= 0)
		r = build_index(idx_doc, manifest_digest, out.tag, out.signature_manifest, man.len,
				&idx);
	if (r < 0)
		goto out_m;

	/* blobs first (each atomic), then the index that makes them reachable */
	char written[BH_DIGEST_STR_LEN + 1];
	r = blob_write(&l, buf_span(&payload), written);
	if (r >= 0)
		r = blob_write(&l, buf_span(&cfg), written);
	if (r >= 0)
		r = blob_write(&l, buf_span(&man), written);
	if (r >= 0 && fsync(l.blobsfd) < 0)
		r = -errno;
	if (r >= 0)
		r = write_atomic(l.dirfd, "index.json", buf_span(&idx));
	if (r >= 0 && fsync(l.dirfd) < 0)
		r = -errno;
	if (r < 0) {
		bh_diag_set(reterr_diag, t->path, 0, 0, "cannot write the signature: %s",
			    strerror(-r));
		goto out_m;
	}
	out.n_signatures = m.n + 1;
	*ret = out;
out_m:
	sign_manifest_done(&m);
out:
	layout_done(&l); /* closing the directory releases the lock */
	return r;
}

/* ---- verification -------------------------------------------------------------------------- */

const char *sign_status_name(enum sign_status s)
{
	static const char *const names[_SIGN_STATUS_MAX] = {
	    [SIGN_STATUS_VERIFIED] = "verified",
	    [SIGN_STATUS_OTHER_DIGEST] = "other-digest",
	    [SIGN_STATUS_MALFORMED] = "malformed",
	    [SIGN_STATUS_BLOB_MISMATCH] = "blob-mismatch",
	    [SIGN_STATUS_BAD_SIGNATURE] = "bad-signature",
	    [SIGN_STATUS_UNSIGNED] = "unsigned",
	};
	return (unsigned)s < _SIGN_STATUS_MAX ? names[s] : "unknown";
}

void sign_result_done(struct sign_result *r)
{
	for (size_t i = 0; i < r->n_verified; i++) {
		free(r->verified[i].identity);
		if (r->verified[i].optional)
			json_decref(r->verified[i].optional);
	}
	free(r->verified);
	r->verified = NULL;
	r->n_verified = r->cap_verified = 0;
}

/* Verdicts seen while looking: the first message of each kind of failure. */
struct verify_state {
	const struct layout *l;
	const struct sign_key *key;
	struct sign_result *res;
	bool seen[_SIGN_STATUS_MAX];
	char msg[_SIGN_STATUS_MAX][1024];
	bool foreign; /* a signature manifest for another digest: only the key's verdicts count */
};

static void note(struct verify_state *s, enum sign_status st, const char *fmt, ...) _printf_(3, 4);
static void note(struct verify_state *s, enum sign_status st, const char *fmt, ...)
{
	if (s->seen[st])
		return;
	s->seen[st] = true;
	struct buf b;
	buf_init(&b, 4096);
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	size_t n = r < 0 ? 0 : MIN(b.len, sizeof(s->msg[st]) - 1);
	if (n)
		memcpy(s->msg[st], b.ptr, n);
	s->msg[st][n] = '\0';
	buf_done(&b);
}

static int verify_layer(struct verify_state *s, const struct sign_layer *y, size_t i,
			const char *sig_digest)
{
	const char *want = s->res->manifest_digest;
	s->res->n_examined++;
	if (!y->signature) {
		if (!s->foreign)
			note(s, SIGN_STATUS_MALFORMED,
			     "malformed signature manifest %s: layers[%zu] has no " SIGN_ANNOTATION
			     " annotation",
			     sig_digest, i);
		return 0;
	}
	_cleanup_buf_ struct buf der, payload;
	buf_init(&der, 4096);
	buf_init(&payload, 0);
	int r = sign_base64_decode(span_from(y->signature), &der);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (!s->foreign)
			note(s, SIGN_STATUS_MALFORMED,
			     "malformed signature manifest %s: layers[%zu] signature is not base64",
			     sig_digest, i);
		return 0;
	}
	struct bh_diag diag = {0};
	r = blob_read(s->l, y->digest, y->size, &payload, &diag);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (!s->foreign)
			note(s, SIGN_STATUS_BLOB_MISMATCH,
			     "payload layer digest mismatch: %s: %s (tampered or missing blob)",
			     diag.source, diag.message);
		return 0;
	}
	if (sign_verify_bytes(s->key, buf_span(&payload), buf_span(&der)) != 1) {
		if (!s->foreign)
			s->res->n_rejected++;
		return 0;
	}
	struct sign_payload p;
	r = sign_payload_parse(buf_span(&payload), s->l->limits, &p, &diag);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (!s->foreign)
			note(s, SIGN_STATUS_MALFORMED, "malformed payload %s: %s", y->digest,
			     diag.message);
		return 0;
	}
	if (!streq(p.manifest_digest, want)) {
		if (s->foreign)
			note(s, SIGN_STATUS_OTHER_DIGEST,
			     "no signature for %s; payload names another digest: the key signed %s "
			     "(was the manifest changed after signing?)",
			     want, p.manifest_digest);
		else
			note(s, SIGN_STATUS_OTHER_DIGEST,
			     "payload names another digest: the key signed %s, the image manifest "
			     "is %s",
			     p.manifest_digest, want);
		sign_payload_done(&p);
		return 0;
	}
	struct sign_result *res = s->res;
	r = GROW(res->verified, res->n_verified, res->cap_verified);
	if (r < 0) {
		sign_payload_done(&p);
		return r;
	}
	struct sign_verified *v = &res->verified[res->n_verified++];
	*v = (struct sign_verified){.identity = TAKE_PTR(p.docker_reference),
				    .optional = TAKE_PTR(p.optional)};
	memcpy(v->payload_digest, y->digest, sizeof(v->payload_digest));
	memcpy(v->signature_manifest, sig_digest, sizeof(v->signature_manifest));
	sign_payload_done(&p);
	return 0;
}

static int verify_manifest(struct verify_state *s, const json_t *d)
{
	const char *dg = bh_json_str(d, "digest");
	_cleanup_buf_ struct buf mb;
	struct bh_diag diag = {0};
	int r = blob_read(s->l, dg, desc_size(d), &mb, &diag);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (!s->foreign)
			note(s, SIGN_STATUS_BLOB_MISMATCH,
			     "signature manifest %s: %s: %s (tampered or missing blob)", dg,
			     diag.source, diag.message);
		return 0;
	}
	struct sign_manifest m;
	r = sign_manifest_parse(buf_span(&mb), s->l->limits, &m, &diag);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (!s->foreign)
			note(s, SIGN_STATUS_MALFORMED, "malformed signature manifest %s: %s", dg,
			     diag.message);
		return 0;
	}
	for (size_t i = 0; i < m.n && r >= 0; i++) {
		if (!streq(m.layers[i].media_type, SIGN_PAYLOAD_MEDIA_TYPE))
			continue;
		r = verify_layer(s, &m.layers[i], i, dg);
	}
	sign_manifest_done(&m);
	return r;
}

static void result_init(struct sign_result *r, const char *manifest_digest,
			const struct sign_key *key)
{
	*r = (struct sign_result){.status = SIGN_STATUS_UNSIGNED};
	(void)xsnprintf(r->manifest_digest, sizeof(r->manifest_digest), "%s",
			manifest_digest ? manifest_digest : "");
	if (key)
		memcpy(r->key_fingerprint, sign_key_fingerprint(key), BH_DIGEST_STR_LEN + 1);
}

static void set_bad_signature_message(struct sign_result *res, const char *key_name)
{
	size_t n_bad = res->n_rejected;
	(void)xsnprintf(
	    res->message, sizeof(res->message),
	    "signature does not verify with %s%s%s (key %.19s…): %zu signature%s for %s, "
	    "none made by this key",
	    key_name ? "'" : "key", key_name ? key_name : "", key_name ? "'" : "",
	    res->key_fingerprint, n_bad, n_bad == 1 ? "" : "s", res->manifest_digest);
}

int sign_verify_image_key(const struct img_target *t, const char *manifest_digest,
			  const struct sign_key *key, const struct bh_limits *limits,
			  struct sign_result *ret, struct bh_diag *reterr_diag)
{
	result_init(ret, manifest_digest, key);
	char tag[SIGN_TAG_LEN + 1];
	if (sign_tag_for_digest(manifest_digest, tag) < 0) {
		bh_diag_set(reterr_diag, NULL, 0, 0, "'%s' is not a sha256 manifest digest",
			    manifest_digest ? manifest_digest : "(null)");
		return -EINVAL;
	}
	if (t->kind != IMG_KIND_OCI) {
		bh_diag_set(reterr_diag, t->original, 0, 0,
			    "signing needs an OCI image layout (oci:DIR[:TAG|@DIGEST])");
		return -EOPNOTSUPP;
	}
	struct layout l;
	int r = layout_open(t->path, limits, &l, reterr_diag);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *idx_doc = NULL;
	r = index_read(&l, &idx_doc, reterr_diag);
	if (r < 0) {
		layout_done(&l);
		return r;
	}
	struct verify_state s = {.l = &l, .key = key, .res = ret};
	json_t *list = json_object_get(idx_doc, "manifests");
	size_t n = json_array_size(list);
	_cleanup_free_ bool *done = calloc(n ? n : 1, sizeof(bool));
	if (!done) {
		layout_done(&l);
		return -ENOMEM;
	}
	/* the signature manifest tagged for this digest, then every other one */
	for (int pass = 0; pass < 2 && r >= 0 && ret->n_verified == 0; pass++) {
		for (size_t i = 0; i < n && r >= 0; i++) {
			json_t *d = json_array_get(list, i);
			const char *name = desc_annotation(d, SIGN_REF_NAME);
			if (done[i] || (pass == 0 && !streq_ptr(name, tag)) ||
			    (pass == 1 && !desc_is_signature_manifest(d)))
				continue;
			/* the same manifest listed twice is read once */
			bool dup = false;
			for (size_t j = 0; j < n && !dup; j++)
				dup =
				    done[j] && streq(bh_json_str(json_array_get(list, j), "digest"),
						     bh_json_str(d, "digest"));
			done[i] = true;
			if (dup)
				continue;
			/*
			 * Tagged for another digest: only the key's own signatures count there. An
			 * untagged one marked kind=sigs is how cosign's layouts hold the signatures
			 * of their one image: judged in full.
			 */
			s.foreign = pass == 1 && sign_tag_is_signature(name);
			r = verify_manifest(&s, d);
		}
	}
	layout_done(&l);
	if (r < 0) {
		sign_result_done(ret);
		return r;
	}
	if (ret->n_verified) {
		ret->status = SIGN_STATUS_VERIFIED;
		(void)xsnprintf(ret->message, sizeof(ret->message),
				"%s: %zu signature%s by key %s verified", ret->manifest_digest,
				ret->n_verified, ret->n_verified == 1 ? "" : "s",
				ret->key_fingerprint);
		return 0;
	}
	if (ret->n_rejected)
		s.seen[SIGN_STATUS_BAD_SIGNATURE] = true;
	for (int st = SIGN_STATUS_OTHER_DIGEST; st < _SIGN_STATUS_MAX; st++) {
		if (!s.seen[st])
			continue;
		ret->status = (enum sign_status)st;
		if (st == SIGN_STATUS_BAD_SIGNATURE)
			set_bad_signature_message(ret, NULL);
		else
			(void)xsnprintf(ret->message, sizeof(ret->message), "%s", s.msg[st]);
		return 0;
	}
	ret->status = SIGN_STATUS_UNSIGNED;
	(void)xsnprintf(ret->message, sizeof(ret->message),
			"no signature for %s (no signature manifest tagged %s in the layout)",
			ret->manifest_digest, tag);
	return 0;
}

int sign_verify_image(const struct img_target *t, const char *manifest_digest,
		      const char *pubkey_path, const struct bh_limits *limits,
		      struct sign_result *ret, struct bh_diag *reterr_diag)
{
	_cleanup_(sign_key_freep) struct sign_key *key = NULL;
	int r = sign_key_load(pubkey_path, false, &key, reterr_diag);
	if (r < 0) {
		result_init(ret, manifest_digest, NULL);
		return r;
	}
	r = sign_verify_image_key(t, manifest_digest, key, limits, ret, reterr_diag);
	if (r >= 0 && ret->status == SIGN_STATUS_BAD_SIGNATURE)
		set_bad_signature_message(ret, pubkey_path); /* name the file the user gave */
	return r;
}

int sign_result_finding(const struct sign_result *r, const char *pubkey_path,
			struct bh_finding *ret)
{
	if (r->status == SIGN_STATUS_VERIFIED)
		return -EINVAL;
	struct bh_finding f = {.kind = "misconfiguration", .severity = BH_SEV_HIGH};
	f.rule_id = strdup(SIGN_RULE_ID);
	f.rule_title = strdup(SIGN_RULE_TITLE);
	f.message = strdup(r->message[0] ? r->message : "the image is not signed by a trusted key");
	f.remediation = strdup("sign the image with a trusted key (bulkhead sign TARGET --key KEY, "
			       "or cosign sign --key) after its last change, and verify with the "
			       "matching public key");
	f.evidence = json_object();
	int e = (!f.rule_id || !f.rule_title || !f.message || !f.remediation || !f.evidence)
		    ? -ENOMEM
		    : 0;
	if (e >= 0)
		e = strv_push(&f.compliance, SIGN_COMPLIANCE) ?:
		    strv_push(&f.refs, "https://github.com/sigstore/cosign/blob/main/specs/"
				       "SIGNATURE_SPEC.md") ?:
		    bh_json_set_str(f.evidence, "status", sign_status_name(r->status)) ?:
		    bh_json_set_str_opt(f.evidence, "manifest_digest", r->manifest_digest) ?:
		    bh_json_set_str_opt(f.evidence, "key", pubkey_path) ?:
		    bh_json_set_str_opt(f.evidence, "key_fingerprint", r->key_fingerprint) ?:
		    bh_json_set_new(f.evidence, "signatures_examined",
				    json_integer((json_int_t)r->n_examined));
	if (e < 0) {
		bh_finding_done(&f);
		return -ENOMEM;
	}
	*ret = f;
	return 0;
}
