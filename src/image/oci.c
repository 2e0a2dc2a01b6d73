/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci.c — the OCI image layout (image-spec image-layout.md): oci-layout, index.json and
 * content-addressed blobs under blobs/<alg>/<hex>. Picks one image manifest by digest,
 * tag or platform, through nested indexes (OCI indexes and Docker manifest lists), and
 * describes where its config and layers are (struct img_layout).
 *
 * Every blob that is not a layer (indexes, manifests, the config) is read whole, bounded
 * by input-max-bytes, and must match its descriptor's size and digest before it is
 * parsed. Layers are only opened and sized here; layer.c verifies their digests while
 * it streams them. A digest is validated before it becomes a file name, blobs are
 * opened relative to the layout's directory fd one component at a time with O_NOFOLLOW,
 * so no descriptor can reach outside blobs/.
 *
 * Also holds img_media_type_compression() and img_layout_done(), shared by all readers.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/hash.h"
#include "common/json.h"
#include "image/image-int.h"

#define MT_OCI_MANIFEST		 "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX		 "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG		 "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_MANIFEST	 "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST		 "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG	 "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_SCHEMA1	 "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

#define ANN_REF_NAME	    "org.opencontainers.image.ref.name"
#define ANN_CONTAINERD_NAME "io.containerd.image.name"

/* ---- shared helpers ------------------------------------------------------------------ */

static const struct {
	const char *media_type;
	enum img_compression comp;
} layer_types[] = {
    {"application/vnd.oci.image.layer.v1.tar", IMG_COMP_NONE},
    {"application/vnd.oci.image.layer.v1.tar+gzip", IMG_COMP_GZIP},
    {"application/vnd.oci.image.layer.v1.tar+zstd", IMG_COMP_ZSTD},
    {"application/vnd.docker.image.rootfs.diff.tar", IMG_COMP_NONE},
    {"application/vnd.docker.image.rootfs.diff.tar.gzip", IMG_COMP_GZIP},
    {"application/vnd.docker.image.rootfs.diff.tar.zstd", IMG_COMP_ZSTD},
};

int img_media_type_compression(const char *media_type, enum img_compression *ret)
{
	if (!media_type) {
		*ret = IMG_COMP_AUTO;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(layer_types); i++)
		if (streq(media_type, layer_types[i].media_type)) {
			*ret = layer_types[i].comp;
			return 0;
		}
	/* foreign (nondistributable) and encrypted layers, and anything else */
	return -EOPNOTSUPP;
}

void img_layout_done(struct img_layout *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		(void)close(l->fd);
	if (l->dirfd >= 0)
		(void)close(l->dirfd);
	for (size_t i = 0; i < l->n_layers; i++) {
		if (l->layer_fds && l->layer_fds[i] >= 0)
			(void)close(l->layer_fds[i]);
		if (l->layers)
			free((char *)l->layers[i].name);
		if (l->layer_media_types)
			free(l->layer_media_types[i]);
		if (l->layer_digests)
			free(l->layer_digests[i]);
	}
	free(l->layers);
	free(l->layer_fds);
	free(l->layer_media_types);
	free(l->layer_digests);
	free(l->layer_sizes);
	buf_done(&l->config_json);
	free(l->manifest_digest);
	free(l->config_digest);
	strv_done(&l->repo_tags);
	*l = (struct img_layout){.fd = -1, .dirfd = -1};
}

/* Grow all per-layer arrays of l to hold n layers (zeroed, fds -1). 0 or -ENOMEM. */
static int layout_alloc_layers(struct img_layout *l, size_t n)
{
	l->layers = calloc(n ? n : 1, sizeof(*l->layers));
	l->layer_fds = calloc(n ? n : 1, sizeof(*l->layer_fds));
	l->layer_media_types = calloc(n ? n : 1, sizeof(*l->layer_media_types));
	l->layer_digests = calloc(n ? n : 1, sizeof(*l->layer_digests));
	l->layer_sizes = calloc(n ? n : 1, sizeof(*l->layer_sizes));
	if (!l->layers || !l->layer_fds || !l->layer_media_types || !l->layer_digests ||
	    !l->layer_sizes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		l->layer_fds[i] = -1;
	return 0;
}

/* ---- platforms ------------------------------------------------------------------------- */

struct platform {
	char os[32], arch[32], variant[32];
};

/* Normalise like containerd: x86_64 → amd64, aarch64 → arm64, armhf → arm/v7, and the
 * default variants (amd64 v1, arm64 v8, arm v7) made explicit so they compare equal. */
static void platform_normalize(struct platform *p)
{
	for (char *c = p->os; *c; c++)
		*c = (char)ascii_tolower(*c);
	for (char *c = p->arch; *c; c++)
		*c = (char)ascii_tolower(*c);
	for (char *c = p->variant; *c; c++)
		*c = (char)ascii_tolower(*c);
	if (streq(p->os, "macos"))
		(void)xsnprintf(p->os, sizeof(p->os), "darwin");
	const char *a = p->arch, *v = p->variant;
	if (streq(a, "x86_64") || streq(a, "x86-64") || streq(a, "amd64")) {
		(void)xsnprintf(p->arch, sizeof(p->arch), "amd64");
		if (!*v)
			(void)xsnprintf(p->variant, sizeof(p->variant), "v1");
	} else if (streq(a, "i386") || streq(a, "i686") || streq(a, "x86")) {
		(void)xsnprintf(p->arch, sizeof(p->arch), "386");
	} else if (streq(a, "aarch64") || streq(a, "arm64")) {
		(void)xsnprintf(p->arch, sizeof(p->arch), "arm64");
		if (!*v || streq(v, "8") || streq(v, "v8.0"))
			(void)xsnprintf(p->variant, sizeof(p->variant), "v8");
	} else if (streq(a, "armhf")) {
		(void)xsnprintf(p->arch, sizeof(p->arch), "arm");
		(void)xsnprintf(p->variant, sizeof(p->variant), "v7");
	} else if (streq(a, "armel")) {
		(void)xsnprintf(p->arch, sizeof(p->arch), "arm");
		(void)xsnprintf(p->variant, sizeof(p->variant), "v6");
	} else if (streq(a, "arm")) {
		if (!*v)
			(void)xsnprintf(p->variant, sizeof(p->variant), "v7");
		else if (ascii_isdigit(v[0]) && !v[1]) {
			char d = v[0];
			(void)xsnprintf(p->variant, sizeof(p->variant), "v%c", d);
		}
	}
}

static bool copy_field(char *dst, size_t size, const char *src)
{
	if (!src)
		src = "";
	return xsnprintf(dst, size, "%s", src) == 0;
}

/* "os/arch[/variant]" → platform. -EINVAL when malformed. */
static int platform_parse(const char *s, struct platform *ret)
{
	struct platform p = {0};
	struct span in = span_from(s), os, arch, variant = SPAN_NULL;
	if (!span_cut(in, '/', &os, &arch))
		return -EINVAL;
	(void)span_cut(arch, '/', &arch, &variant);
	if (os.len == 0 || arch.len == 0 || span_index(variant, '/') >= 0 ||
	    os.len >= sizeof(p.os) || arch.len >= sizeof(p.arch) ||
	    variant.len >= sizeof(p.variant))
		return -EINVAL;
	memcpy(p.os, os.ptr, os.len);
	memcpy(p.arch, arch.ptr, arch.len);
	memcpy(p.variant, variant.ptr, variant.len);
	platform_normalize(&p);
	*ret = p;
	return 0;
}

/* Numeric level of a "vN" variant, or -1. */
static int variant_level(const char *v)
{
	if (v[0] != 'v' || !ascii_isdigit(v[1]) || v[2])
		return -1;
	return v[1] - '0';
}

/*
 * How well a descriptor's platform serves the wanted one: 0 no, higher is better.
 * An exact match beats a compatible older variant (arm/v7 runs v6 and v5 images,
 * amd64/v3 runs v2 and v1, arm64 v9 runs v8).
 */
static int platform_score(const struct platform *want, const struct platform *have)
{
	if (!streq(want->os, have->os) || !streq(want->arch, have->arch))
		return 0;
	if (streq(want->variant, have->variant))
		return 100;
	int w = variant_level(want->variant), h = variant_level(have->variant);
	if (w > 0 && h > 0 && h < w)
		return 100 - (w - h);
	return 0;
}

/* ---- descriptors ------------------------------------------------------------------------ */

struct oci_desc {
	json_t *obj;		/* a reference; the fields below borrow from it */
	const char *media_type; /* NULL when absent */
	const char *digest;
	uint64_t size;
	const char *ref_name, *containerd_name;
	bool has_platform, attestation;
	bool cosign; /* a cosign signature/attestation/SBOM artefact, not an image */
	struct platform platform; /* normalised */
	char platform_str[100];	  /* as declared, for messages */
};

/*
 * cosign keeps signatures, attestations and SBOMs next to the image they describe: tagged
 * "sha256-<64 hex>.sig|.att|.sbom" and, in a layout it wrote, annotated with kind
 * "dev.cosignproject.cosign/sigs|atts". They are not images to pick when no tag is given.
 */
static bool is_cosign_artefact(const char *ref_name, const char *kind)
{
	if (kind && (streq(kind, "dev.cosignproject.cosign/sigs") ||
		     streq(kind, "dev.cosignproject.cosign/atts")))
		return true;
	if (!ref_name || strncmp(ref_name, "sha256-", 7) != 0)
		return false;
	const char *h = ref_name + 7;
	for (int i = 0; i < 64; i++)
		if (!ascii_isdigit(h[i]) && !(h[i] >= 'a' && h[i] <= 'f'))
			return false;
	return streq(h + 64, ".sig") || streq(h + 64, ".att") || streq(h + 64, ".sbom");
}

static void desc_done(struct oci_desc *d)
{
	if (d->obj)
		json_decref(d->obj);
	*d = (struct oci_desc){0};
}

struct oci_ctx {
	const struct img_target *t;
	const struct bh_limits *limits;
	struct platform want;
	const char *want_str;
	struct bh_diag *diag;
	char source[600]; /* "oci:DIR" */
	int dirfd;
	int algfd; /* blobs/sha256, opened on first use */
};

static const char *src_file(struct oci_ctx *x, const char *file, char *buf, size_t size)
{
	if (xsnprintf(buf, size, "%s: %s", x->source, file) < 0)
		return x->source;
	return buf;
}

static const char *src_blob(struct oci_ctx *x, const char *digest, char *buf, size_t size)
{
	const char *hex = strchr(digest, ':');
	if (xsnprintf(buf, size, "%s: blobs/sha256/%s", x->source, hex ? hex + 1 : digest) < 0)
		return x->source;
	return buf;
}

/* Parse a descriptor object; where names it in messages ("index.json: manifests[2]"). */
static int desc_parse(struct oci_ctx *x, json_t *o, const char *src, const char *where,
		      struct oci_desc *ret)
{
	struct oci_desc d = {0};
	if (!json_is_object(o)) {
		bh_diag_set(x->diag, src, 0, 0, "%s: expected a descriptor object", where);
		return -EBADMSG;
	}
	json_t *mt = json_object_get(o, "mediaType");
	if (mt && !json_is_string(mt)) {
		bh_diag_set(x->diag, src, 0, 0, "%s: mediaType is not a string", where);
		return -EBADMSG;
	}
	d.media_type = json_string_value(mt);
	d.digest = bh_json_str(o, "digest");
	if (!d.digest) {
		bh_diag_set(x->diag, src, 0, 0, "%s: missing digest", where);
		return -EBADMSG;
	}
	int r = bh_digest_validate(span_from(d.digest));
	if (r < 0) {
		bh_diag_set(x->diag, src, 0, 0, "%s: %s digest '%.100s'", where,
			    r == -EOPNOTSUPP ? "unsupported" : "invalid", d.digest);
		return r;
	}
	r = bh_json_u64(o, "size", &d.size);
	if (r < 0) {
		bh_diag_set(x->diag, src, 0, 0, "%s: %s size", where,
			    r == -ENOENT ? "missing" : "invalid");
		return -EBADMSG;
	}
	json_t *ann = json_object_get(o, "annotations");
	if (ann && !json_is_null(ann) && !json_is_object(ann)) {
		bh_diag_set(x->diag, src, 0, 0, "%s: annotations is not an object", where);
		return -EBADMSG;
	}
	d.ref_name = bh_json_str(ann, ANN_REF_NAME);
	d.containerd_name = bh_json_str(ann, ANN_CONTAINERD_NAME);
	const char *reftype = bh_json_str(ann, "vnd.docker.reference.type");
	if (reftype && streq(reftype, "attestation-manifest"))
		d.attestation = true;
	d.cosign = is_cosign_artefact(d.ref_name, bh_json_str(ann, "kind"));
	json_t *plat = json_object_get(o, "platform");
	if (plat && !json_is_null(plat)) {
		const char *os = bh_json_str(plat, "os"), *arch = bh_json_str(plat, "architecture");
		const char *variant = bh_json_str(plat, "variant");
		if (!json_is_object(plat) || !os || !arch) {
			bh_diag_set(x->diag, src, 0, 0, "%s: platform needs os and architecture",
				    where);
			return -EBADMSG;
		}
		d.has_platform = true;
		if (!copy_field(d.platform.os, sizeof(d.platform.os), os) ||
		    !copy_field(d.platform.arch, sizeof(d.platform.arch), arch) ||
		    !copy_field(d.platform.variant, sizeof(d.platform.variant), variant)) {
			bh_diag_set(x->diag, src, 0, 0, "%s: platform field too long", where);
			return -EBADMSG;
		}
		(void)xsnprintf(d.platform_str, sizeof(d.platform_str), "%s/%s%s%s", os, arch,
				variant && *variant ? "/" : "", variant ? variant : "");
		if (streq(os, "unknown") && streq(arch, "unknown"))
			d.attestation = true;
		platform_normalize(&d.platform);
	}
	d.obj = json_incref(o);
	*ret = d;
	return 0;
}

/* ---- blobs -------------------------------------------------------------------------------- */

static int open_dir_nofollow(int dirfd, const char *name)
{
	return NERRNO(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

/*
 * Open blobs/sha256/<hex> for a validated digest and check it is a regular file of the
 * declared size. Errors name the blob in the diag.
 */
static int blob_open(struct oci_ctx *x, const char *digest, uint64_t size, int *ret_fd)
{
	char src[700];
	src_blob(x, digest, src, sizeof(src));
	int r = bh_digest_validate(span_from(digest));
	if (r < 0) {
		bh_diag_set(x->diag, x->source, 0, 0, "%s digest '%.100s'",
			    r == -EOPNOTSUPP ? "unsupported" : "invalid", digest);
		return r;
	}
	if (x->algfd < 0) {
		_cleanup_close_ int blobs = open_dir_nofollow(x->dirfd, "blobs");
		if (blobs >= 0)
			x->algfd = open_dir_nofollow(blobs, "sha256");
		r = blobs < 0 ? blobs : x->algfd;
		if (r < 0) {
			bh_diag_set(x->diag, src_file(x, "blobs/sha256", src, sizeof(src)), 0, 0,
				    "%s",
				    r == -ENOENT		   ? "missing blob directory"
				    : r == -ELOOP || r == -ENOTDIR ? "not a directory"
								   : strerror(-r));
			x->algfd = -1;
			return r == -ENOENT || r == -ELOOP || r == -ENOTDIR ? -EBADMSG : r;
		}
	}
	_cleanup_close_ int fd = NERRNO(openat(
	    x->algfd, digest + 7, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
	if (fd < 0) {
		bh_diag_set(x->diag, src, 0, 0, "%s",
			    fd == -ENOENT  ? "blob is missing"
			    : fd == -ELOOP ? "blob is a symbolic link"
					   : strerror(-fd));
		return fd == -ENOENT || fd == -ELOOP ? -EBADMSG : fd;
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		bh_diag_set(x->diag, src, 0, 0, "blob is not a regular file");
		return -EBADMSG;
	}
	if ((uint64_t)st.st_size != size) {
		bh_diag_set(x->diag, src, 0, 0,
			    "size mismatch: descriptor says %llu bytes, blob has %llu",
			    (unsigned long long)size, (unsigned long long)st.st_size);
		return -EBADMSG;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Read a non-layer blob whole and verify size and digest. */
static int blob_read(struct oci_ctx *x, const char *digest, uint64_t size, struct buf *ret)
{
	char src[700];
	src_blob(x, digest, src, sizeof(src));
	if (size > x->limits->input_max_bytes) {
		bh_diag_set(x->diag, src, 0, 0,
			    "blob of %llu bytes exceeds the limit of %llu (input-max-bytes)",
			    (unsigned long long)size,
			    (unsigned long long)x->limits->input_max_bytes);
		return -E2BIG;
	}
	_cleanup_close_ int fd = -1;
	int r = blob_open(x, digest, size, &fd);
	if (r < 0)
		return r;
	buf_init(ret, (size_t)size);
	r = bh_read_fd(fd, (size_t)size, ret);
	if (r < 0 || ret->len != size) {
		bh_diag_set(x->diag, src, 0, 0, "%s",
			    r == -E2BIG || r >= 0 ? "blob changed size while read" : strerror(-r));
		buf_done(ret);
		return r == -E2BIG || r >= 0 ? -EBADMSG : r;
	}
	char got[BH_DIGEST_STR_LEN + 1];
	r = bh_sha256_str(ret->ptr ? ret->ptr : "", ret->len, got);
	if (r < 0) {
		buf_done(ret);
		return r;
	}
	if (!streq(got, digest)) {
		bh_diag_set(x->diag, src, 0, 0, "digest mismatch: expected %s, got %s", digest,
			    got);
		buf_done(ret);
		return -EBADMSG;
	}
	return 0;
}

static int blob_read_json(struct oci_ctx *x, const struct oci_desc *d, json_t **ret)
{
	_cleanup_buf_ struct buf b = {0};
	int r = blob_read(x, d->digest, d->size, &b);
	if (r < 0)
		return r;
	char src[700];
	return bh_json_parse(buf_span(&b), x->limits, src_blob(x, d->digest, src, sizeof(src)), ret,
			     x->diag);
}

/* ---- indexes and manifests ------------------------------------------------------------- */

enum doc_kind { DOC_INDEX, DOC_MANIFEST, DOC_SCHEMA1, DOC_OTHER };

static enum doc_kind media_type_kind(const char *mt)
{
	if (streq(mt, MT_OCI_INDEX) || streq(mt, MT_DOCKER_LIST))
		return DOC_INDEX;
	if (streq(mt, MT_OCI_MANIFEST) || streq(mt, MT_DOCKER_MANIFEST))
		return DOC_MANIFEST;
	if (streq(mt, MT_DOCKER_SCHEMA1) || streq(mt, MT_DOCKER_SCHEMA1_SIGNED))
		return DOC_SCHEMA1;
	return DOC_OTHER;
}

/* Refuse schema 1 and unknown documents with a message. */
static int check_kind(struct oci_ctx *x, enum doc_kind k, const char *mt, const char *src)
{
	if (k == DOC_SCHEMA1) {
		bh_diag_set(x->diag, src, 0, 0,
			    "docker image manifest schema 1 is not supported (convert the image "
			    "with a current docker or skopeo)");
		return -EOPNOTSUPP;
	}
	if (k == DOC_OTHER) {
		bh_diag_set(x->diag, src, 0, 0, "unsupported media type '%.100s'",
			    mt ? mt : "(none)");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * What a fetched document is: the descriptor's media type and the document's own must
 * agree when both are present; without either, the shape decides.
 */
static int doc_classify(struct oci_ctx *x, const struct oci_desc *d, json_t *doc, const char *src,
			enum doc_kind *ret)
{
	if (!json_is_object(doc)) {
		bh_diag_set(x->diag, src, 0, 0, "expected a JSON object");
		return -EBADMSG;
	}
	json_t *mtv = json_object_get(doc, "mediaType");
	if (mtv && !json_is_string(mtv)) {
		bh_diag_set(x->diag, src, 0, 0, "mediaType is not a string");
		return -EBADMSG;
	}
	const char *own = json_string_value(mtv);
	if (d && d->media_type && own && !streq(d->media_type, own)) {
		bh_diag_set(x->diag, src, 0, 0,
			    "media type mismatch: descriptor says '%.100s', document says '%.100s'",
			    d->media_type, own);
		return -EBADMSG;
	}
	const char *mt = d && d->media_type ? d->media_type : own;
	json_t *sv = json_object_get(doc, "schemaVersion");
	if (json_is_integer(sv) && json_integer_value(sv) == 1) {
		*ret = DOC_SCHEMA1;
	} else if (mt) {
		*ret = media_type_kind(mt);
	} else if (json_object_get(doc, "manifests"))
		*ret = DOC_INDEX;
	else if (json_object_get(doc, "config") || json_object_get(doc, "layers"))
		*ret = DOC_MANIFEST;
	else
		*ret = DOC_OTHER;
	int r = check_kind(x, *ret, mt, src);
	if (r < 0)
		return r;
	if (!json_is_integer(sv) || json_integer_value(sv) != 2) {
		bh_diag_set(x->diag, src, 0, 0, "schemaVersion must be 2");
		return -EBADMSG;
	}
	return 0;
}

struct desc_list {
	struct oci_desc *v;
	size_t n;
};

static void desc_list_done(struct desc_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		desc_done(&l->v[i]);
	free(l->v);
	*l = (struct desc_list){0};
}

static int index_descs(struct oci_ctx *x, json_t *doc, const char *src, struct desc_list *ret)
{
	json_t *m = json_object_get(doc, "manifests");
	if (!json_is_array(m)) {
		bh_diag_set(x->diag, src, 0, 0, "manifests: expected an array");
		return -EBADMSG;
	}
	size_t n = json_array_size(m);
	if (n > x->limits->max_entries) {
		bh_diag_set(x->diag, src, 0, 0,
			    "%zu manifests exceed the limit of %llu (max-entries)", n,
			    (unsigned long long)x->limits->max_entries);
		return -E2BIG;
	}
	struct desc_list l = {calloc(n ? n : 1, sizeof(*l.v)), 0};
	if (!l.v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char where[64];
		(void)xsnprintf(where, sizeof(where), "manifests[%zu]", i);
		int r = desc_parse(x, json_array_get(m, i), src, where, &l.v[l.n]);
		if (r < 0) {
			desc_list_done(&l);
			return r;
		}
		l.n++;
	}
	*ret = l;
	return 0;
}

/* "linux/amd64, linux/arm64/v8" for the non-attestation entries of an index. */
static void list_platforms(const struct desc_list *l, char *dst, size_t size)
{
	struct buf b;
	buf_init(&b, size > 1 ? size - 1 : 1);
	for (size_t i = 0; i < l->n; i++) {
		const struct oci_desc *d = &l->v[i];
		if (d->attestation)
			continue;
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = !l->v[j].attestation && streq(l->v[j].platform_str, d->platform_str);
		if (dup)
			continue;
		if (buf_printf(&b, "%s%s", b.len ? ", " : "",
			       d->has_platform ? d->platform_str : "unspecified") < 0)
			break;
	}
	(void)xsnprintf(dst, size, "%s", b.len ? buf_str(&b) : "none");
	buf_done(&b);
}

/* The best entry of an index for the wanted platform; -ENOENT lists what is there. */
static int index_pick_platform(struct oci_ctx *x, const struct desc_list *l, const char *src,
			       size_t *ret)
{
	int best = 0;
	size_t at = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct oci_desc *d = &l->v[i];
		if (d->attestation)
			continue;
		/* containerd: an entry without a platform matches anything, last resort */
		int s = d->has_platform ? platform_score(&x->want, &d->platform) : 1;
		if (s > best) {
			best = s;
			at = i;
		}
	}
	if (best == 0) {
		char avail[400];
		list_platforms(l, avail, sizeof(avail));
		bh_diag_set(x->diag, src, 0, 0, "no manifest for platform %s (available: %s)",
			    x->want_str, avail);
		return -ENOENT;
	}
	*ret = at;
	return 0;
}

/* Take a reference-counted copy of a descriptor. */
static void desc_copy(const struct oci_desc *from, struct oci_desc *to)
{
	*to = *from;
	to->obj = json_incref(from->obj);
}

/*
 * Follow a descriptor through nested indexes (platform selection) until an image
 * manifest; on success *ret_doc is that manifest and *d its descriptor.
 */
static int resolve(struct oci_ctx *x, struct oci_desc *d, json_t **ret_doc)
{
	for (uint64_t depth = 0;; depth++) {
		char src[700];
		src_blob(x, d->digest, src, sizeof(src));
		/* say so before reading the blob: it may not even be JSON */
		int r = d->media_type
			    ? check_kind(x, media_type_kind(d->media_type), d->media_type, src)
			    : 0;
		if (r < 0)
			return r;
		_cleanup_json_ json_t *doc = NULL;
		r = blob_read_json(x, d, &doc);
		if (r < 0)
			return r;
		enum doc_kind kind;
		r = doc_classify(x, d, doc, src, &kind);
		if (r < 0)
			return r;
		if (kind == DOC_MANIFEST) {
			*ret_doc = TAKE_PTR(doc);
			return 0;
		}
		if (depth + 1 >= x->limits->index_max_depth) {
			bh_diag_set(x->diag, src, 0, 0,
				    "image indexes nested deeper than %llu (index-max-depth)",
				    (unsigned long long)x->limits->index_max_depth);
			return -E2BIG;
		}
		struct desc_list l = {0};
		r = index_descs(x, doc, src, &l);
		if (r < 0)
			return r;
		size_t at;
		r = index_pick_platform(x, &l, src, &at);
		if (r >= 0) {
			desc_done(d);
			desc_copy(&l.v[at], d);
		}
		desc_list_done(&l);
		if (r < 0)
			return r;
	}
}

/* Depth-first search for a manifest or index with this digest below d. 1 found, 0 not. */
static int find_digest(struct oci_ctx *x, const struct oci_desc *d, const char *digest,
		       uint64_t depth, struct oci_desc *ret)
{
	if (d->media_type && media_type_kind(d->media_type) != DOC_INDEX)
		return 0;
	if (depth + 1 >= x->limits->index_max_depth)
		return 0;
	_cleanup_json_ json_t *doc = NULL;
	int r = blob_read_json(x, d, &doc);
	if (r < 0)
		return r;
	char src[700];
	enum doc_kind kind;
	r = doc_classify(x, d, doc, src_blob(x, d->digest, src, sizeof(src)), &kind);
	if (r == -EOPNOTSUPP)
		return 0; /* not what we look for, and not ours to judge here */
	if (r < 0)
		return r;
	if (kind != DOC_INDEX)
		return 0;
	struct desc_list l = {0};
	r = index_descs(x, doc, src, &l);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l.n && r == 0; i++)
		if (streq(l.v[i].digest, digest)) {
			desc_copy(&l.v[i], ret);
			r = 1;
		}
	for (size_t i = 0; i < l.n && r == 0; i++)
		r = find_digest(x, &l.v[i], digest, depth + 1, ret);
	desc_list_done(&l);
	return r;
}

/* Does a top-level entry carry this tag? ref.name "TAG" or a full name ending in ":TAG". */
static bool desc_has_tag(const struct oci_desc *d, const char *tag)
{
	const char *names[] = {d->ref_name, d->containerd_name};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *n = names[i];
		if (!n)
			continue;
		if (streq(n, tag))
			return true;
		size_t ln = strlen(n), lt = strlen(tag);
		const char *slash = strrchr(n, '/');
		if (ln > lt + 1 && n[ln - lt - 1] == ':' && streq(n + ln - lt, tag) &&
		    (!slash || slash < n + ln - lt - 1))
			return true;
	}
	return false;
}

static const char *desc_name(const struct oci_desc *d)
{
	return d->containerd_name ? d->containerd_name : d->ref_name;
}

/* "a, b, c" of the names (or digests) of distinct top-level entries. */
static void list_names(const struct desc_list *l, char *dst, size_t size)
{
	struct buf b;
	buf_init(&b, size > 1 ? size - 1 : 1);
	for (size_t i = 0; i < l->n; i++) {
		const char *n = l->v[i].ref_name ? l->v[i].ref_name : l->v[i].digest;
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = streq(l->v[j].ref_name ? l->v[j].ref_name : l->v[j].digest, n);
		if (!dup && buf_printf(&b, "%s%s", b.len ? ", " : "", n) < 0)
			break;
	}
	(void)xsnprintf(dst, size, "%s", b.len ? buf_str(&b) : "none");
	buf_done(&b);
}

/*
 * Choose from index.json: by digest (anywhere below), by tag, the only entry, or — when
 * several unnamed entries differ only by platform — by platform.
 */
static int select_top(struct oci_ctx *x, const struct desc_list *l, const char *src,
		      struct oci_desc *ret, struct strv *ret_names)
{
	const char *digest = x->t->digest, *tag = x->t->reference;
	ssize_t pick = -1;
	if (digest) {
		for (size_t i = 0; i < l->n && pick < 0; i++)
			if (streq(l->v[i].digest, digest))
				pick = (ssize_t)i;
		if (pick < 0) {
			for (size_t i = 0; i < l->n; i++) {
				int r = find_digest(x, &l->v[i], digest, 0, ret);
				if (r < 0)
					return r;
				if (r > 0)
					return 0;
			}
			bh_diag_set(x->diag, src, 0, 0, "no manifest %s in the layout", digest);
			return -ENOENT;
		}
	} else if (tag) {
		for (size_t i = 0; i < l->n; i++) {
			if (!desc_has_tag(&l->v[i], tag))
				continue;
			if (pick >= 0 && !streq(l->v[pick].digest, l->v[i].digest)) {
				bh_diag_set(x->diag, src, 0, 0,
					    "tag '%s' names several manifests (%s, %s); select one "
					    "with oci:DIR@DIGEST",
					    tag, l->v[pick].digest, l->v[i].digest);
				return -EINVAL;
			}
			if (pick < 0)
				pick = (ssize_t)i;
		}
		if (pick < 0) {
			char avail[400];
			list_names(l, avail, sizeof(avail));
			bh_diag_set(x->diag, src, 0, 0, "no image tagged '%s' (available: %s)", tag,
				    avail);
			return -ENOENT;
		}
	} else {
		if (l->n == 0) {
			bh_diag_set(x->diag, src, 0, 0, "the index lists no manifests");
			return -ENOENT;
		}
		/* The one image next to its cosign artefacts is the image. */
		ssize_t only = -1;
		size_t images = 0;
		for (size_t i = 0; i < l->n; i++)
			if (!l->v[i].cosign && (only < 0 || !streq(l->v[i].digest, l->v[only].digest))) {
				images++;
				only = (ssize_t)i;
			}
		bool one = true, names_differ = false;
		for (size_t i = 1; i < l->n; i++) {
			if (!streq(l->v[i].digest, l->v[0].digest))
				one = false;
			if (!streq_ptr(l->v[i].ref_name, l->v[0].ref_name))
				names_differ = true;
		}
		if (images == 1 && !one)
			pick = only;
		else if (one)
			pick = 0;
		else if (names_differ) {
			char avail[400];
			list_names(l, avail, sizeof(avail));
			bh_diag_set(x->diag, src, 0, 0,
				    "the layout holds several images; select one with oci:DIR:TAG "
				    "(available: %s)",
				    avail);
			return -EINVAL;
		} else {
			size_t at;
			int r = index_pick_platform(x, l, src, &at);
			if (r < 0)
				return r;
			pick = (ssize_t)at;
		}
	}
	/* every top-level name of the chosen manifest */
	for (size_t i = 0; i < l->n; i++) {
		if (!streq(l->v[i].digest, l->v[pick].digest) || !desc_name(&l->v[i]))
			continue;
		int r = strv_push_uniq(ret_names, desc_name(&l->v[i]));
		if (r < 0)
			return r;
	}
	desc_copy(&l->v[pick], ret);
	return 0;
}

static int manifest_fill(struct oci_ctx *x, const struct oci_desc *md, json_t *doc,
			 struct img_layout *lay)
{
	char src[700];
	src_blob(x, md->digest, src, sizeof(src));
	struct oci_desc cfg = {0};
	int r = desc_parse(x, json_object_get(doc, "config"), src, "config", &cfg);
	if (r < 0)
		return r;
	bool ok_cfg = !cfg.media_type || streq(cfg.media_type, MT_OCI_CONFIG) ||
		      streq(cfg.media_type, MT_DOCKER_CONFIG);
	if (!ok_cfg) {
		bh_diag_set(x->diag, src, 0, 0, "not a container image: config media type '%.100s'",
			    cfg.media_type);
		desc_done(&cfg);
		return -EOPNOTSUPP;
	}
	r = blob_read(x, cfg.digest, cfg.size, &lay->config_json);
	if (r >= 0) {
		lay->config_digest = strdup(cfg.digest);
		lay->manifest_digest = strdup(md->digest);
		if (!lay->config_digest || !lay->manifest_digest)
			r = -ENOMEM;
	}
	desc_done(&cfg);
	if (r < 0)
		return r;

	json_t *layers = json_object_get(doc, "layers");
	if (!json_is_array(layers)) {
		bh_diag_set(x->diag, src, 0, 0, "layers: expected an array");
		return -EBADMSG;
	}
	size_t n = json_array_size(layers);
	if (n > x->limits->max_layers) {
		bh_diag_set(x->diag, src, 0, 0, "%zu layers exceed the limit of %llu (max-layers)",
			    n, (unsigned long long)x->limits->max_layers);
		return -E2BIG;
	}
	r = layout_alloc_layers(lay, n);
	if (r < 0)
		return r;
	lay->n_layers = n;
	for (size_t i = 0; i < n; i++) {
		char where[64];
		(void)xsnprintf(where, sizeof(where), "layers[%zu]", i);
		struct oci_desc ld = {0};
		r = desc_parse(x, json_array_get(layers, i), src, where, &ld);
		if (r < 0)
			return r;
		enum img_compression comp;
		if (!ld.media_type)
			r = -EBADMSG;
		else
			r = img_media_type_compression(ld.media_type, &comp);
		if (r < 0) {
			bool enc = ld.media_type && strstr(ld.media_type, "encrypted");
			bool foreign = ld.media_type && (strstr(ld.media_type, "foreign") ||
							 strstr(ld.media_type, "nondistributable"));
			bh_diag_set(x->diag, src, 0, 0, "%s: %s media type '%.100s'", where,
				    !ld.media_type ? "missing"
				    : enc	   ? "encrypted layers are not supported:"
				    : foreign	   ? "foreign layers are not supported:"
						   : "unsupported layer",
				    ld.media_type ? ld.media_type : "");
			desc_done(&ld);
			return r;
		}
		struct buf name;
		buf_init(&name, 0);
		r = buf_printf(&name, "blobs/sha256/%s", ld.digest + 7);
		lay->layers[i].name = r < 0 ? NULL : buf_take(&name);
		buf_done(&name);
		lay->layer_digests[i] = strdup(ld.digest);
		lay->layer_media_types[i] = strdup(ld.media_type);
		lay->layer_sizes[i] = ld.size;
		if (!lay->layers[i].name || !lay->layer_digests[i] || !lay->layer_media_types[i]) {
			desc_done(&ld);
			return -ENOMEM;
		}
		r = blob_open(x, ld.digest, ld.size, &lay->layer_fds[i]);
		desc_done(&ld);
		if (r < 0)
			return r;
		lay->layers[i] = (struct img_region){
		    .fd = lay->layer_fds[i],
		    .offset = 0,
		    .length = lay->layer_sizes[i],
		    .name = lay->layers[i].name,
		};
	}
	return 0;
}

static int check_layout_file(struct oci_ctx *x)
{
	char src[700];
	src_file(x, "oci-layout", src, sizeof(src));
	_cleanup_buf_ struct buf b = {0};
	buf_init(&b, 0);
	int r = bh_read_file_at(x->dirfd, "oci-layout", O_NOFOLLOW, 4096, &b);
	if (r < 0) {
		bh_diag_set(x->diag, src, 0, 0, "%s",
			    r == -ENOENT  ? "not an OCI image layout (no oci-layout file)"
			    : r == -E2BIG ? "file too large"
					  : "cannot read the file");
		return r == -ENOENT ? -EOPNOTSUPP : r == -E2BIG || r == -ELOOP ? -EBADMSG : r;
	}
	_cleanup_json_ json_t *j = NULL;
	r = bh_json_parse(buf_span(&b), x->limits, src, &j, x->diag);
	if (r < 0)
		return r;
	const char *v = bh_json_str(j, "imageLayoutVersion");
	if (!v) {
		bh_diag_set(x->diag, src, 0, 0, "missing imageLayoutVersion");
		return -EBADMSG;
	}
	if (!streq(v, "1.0.0")) {
		bh_diag_set(x->diag, src, 0, 0, "unsupported imageLayoutVersion '%.40s'", v);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* open(DIR); when "DIR:TAG" was split but only the unsplit path exists, use that. */
static int open_layout_dir(const struct img_target *t, const char **ret_unsplit)
{
	*ret_unsplit = NULL;
	int fd = NERRNO(open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (fd != -ENOENT || (!t->reference && !t->digest) || !t->original)
		return fd;
	const char *whole = t->original;
	if (strncmp(whole, "oci:", 4) == 0)
		whole += 4;
	int fd2 = NERRNO(open(whole, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (fd2 < 0)
		return fd;
	*ret_unsplit = whole;
	return fd2;
}

int img_oci_open(const struct img_target *t, const struct img_open_opts *o, struct img_layout *ret,
		 struct bh_diag *reterr_diag)
{
	struct bh_limits def;
	const struct bh_limits *limits = o ? o->limits : NULL;
	if (!limits) {
		bh_limits_default(&def);
		limits = &def;
	}
	struct oci_ctx x = {
	    .limits = limits,
	    .diag = reterr_diag,
	    .dirfd = -1,
	    .algfd = -1,
	    .want_str = o && o->platform ? o->platform : "linux/amd64",
	};
	(void)xsnprintf(x.source, sizeof(x.source), "oci:%.500s", t->path);
	if (platform_parse(x.want_str, &x.want) < 0) {
		bh_diag_set(reterr_diag, x.source, 0, 0,
			    "invalid platform '%.100s' (expected os/arch[/variant])", x.want_str);
		return -EINVAL;
	}

	const char *unsplit;
	int r = open_layout_dir(t, &unsplit);
	if (r < 0) {
		bh_diag_set(reterr_diag, x.source, 0, 0, "%s",
			    r == -ENOENT    ? "no such directory"
			    : r == -ENOTDIR ? "not a directory"
					    : strerror(-r));
		return r == -ENOTDIR ? -EOPNOTSUPP : r;
	}
	struct img_target t2 = *t;
	if (unsplit) {
		/* "oci:/x/a:b" where /x/a:b is the layout: no selector after all */
		t2.path = (char *)unsplit;
		t2.reference = t2.digest = NULL;
		(void)xsnprintf(x.source, sizeof(x.source), "oci:%.500s", t2.path);
	}
	x.t = &t2;
	x.dirfd = r;

	struct img_layout lay = {.fd = -1, .dirfd = -1};
	struct oci_desc md = {0};
	struct desc_list top = {0};
	json_t *manifest = NULL, *index = NULL;
	_cleanup_buf_ struct buf ib = {0};
	char src[700];
	src_file(&x, "index.json", src, sizeof(src));

	r = check_layout_file(&x);
	if (r < 0)
		goto out;
	buf_init(&ib, 0);
	r = bh_read_file_at(x.dirfd, "index.json", O_NOFOLLOW, limits->input_max_bytes, &ib);
	if (r < 0) {
		bh_diag_set(reterr_diag, src, 0, 0, "%s",
			    r == -ENOENT  ? "missing index.json"
			    : r == -E2BIG ? "file exceeds input-max-bytes"
					  : strerror(-r));
		r = r == -ENOENT || r == -ELOOP || r == -EBADF ? -EBADMSG : r;
		goto out;
	}
	r = bh_json_parse(buf_span(&ib), limits, src, &index, reterr_diag);
	if (r < 0)
		goto out;
	enum doc_kind kind;
	r = doc_classify(&x, NULL, index, src, &kind);
	if (r >= 0 && kind != DOC_INDEX) {
		bh_diag_set(reterr_diag, src, 0, 0, "not an image index");
		r = -EBADMSG;
	}
	if (r < 0)
		goto out;
	r = index_descs(&x, index, src, &top);
	if (r < 0)
		goto out;
	r = select_top(&x, &top, src, &md, &lay.repo_tags);
	if (r < 0)
		goto out;
	r = resolve(&x, &md, &manifest);
	if (r < 0)
		goto out;
	r = manifest_fill(&x, &md, manifest, &lay);
	if (r < 0)
		goto out;
	lay.dirfd = TAKE_FD(x.dirfd);
	*ret = lay;
	lay = (struct img_layout){.fd = -1, .dirfd = -1};
out:
	img_layout_done(&lay);
	desc_done(&md);
	desc_list_done(&top);
	if (manifest)
		json_decref(manifest);
	if (index)
		json_decref(index);
	if (x.algfd >= 0)
		(void)close(x.algfd);
	if (x.dirfd >= 0)
		(void)close(x.dirfd);
	return r;
}
