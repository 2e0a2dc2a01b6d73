/* SPDX-License-Identifier: Apache-2.0 */
/*
 * target.c — what the user named on the command line: "oci:DIR[:TAG|@sha256:HEX]",
 * "docker-archive:FILE[:REPO:TAG]", "dir:ROOTFS" or a bare path whose kind is decided by
 * looking at the disk (img_target_detect()).
 *
 * Paths may contain ':' and '@'. Parsing is purely textual: in "oci:" only a final ":TAG"
 * with no '/' after it is a tag, and only a final "@ALG:HEX" is a digest; in
 * "docker-archive:" the reference is the longest valid "REPO:TAG" suffix after a ':'.
 * When the split path does not exist on disk but the unsplit one does, the readers and
 * img_target_detect() fall back to it. Nothing here reads image content beyond the first
 * blocks of a file (and, for tars, the member headers).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include "common/hash.h"
#include "image/image-int.h"

/*
 * Declared in docker-archive.c (until image-int.h carries it): 1 when the uncompressed tar
 * at fd holds a docker-archive (manifest.json) or an OCI layout (index.json + oci-layout),
 * 0 for another readable tar, -EBADMSG when it is not a tar, other -errno.
 */

static const struct {
	const char *prefix;
	enum img_kind kind;
} schemes[] = {
    {"oci:", IMG_KIND_OCI},
    {"docker-archive:", IMG_KIND_DOCKER_ARCHIVE},
    {"dir:", IMG_KIND_DIR},
};

/* Transports other tools know that we do not read (yet): refuse them instead of treating
 * "docker://x" as a relative path. */
static const char *const unsupported_schemes[] = {
    "docker:", "docker-daemon:", "registry:", "oci-archive:", "containers-storage:",
    "ostree:", "sif:",		 "tarball:",
};

void img_target_done(struct img_target *t)
{
	if (!t)
		return;
	free(t->path);
	free(t->reference);
	free(t->digest);
	free(t->original);
	*t = (struct img_target){.kind = IMG_KIND_AUTO};
}

/* A docker/OCI tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
static bool tag_is_valid(struct span s)
{
	if (s.len == 0 || s.len > 128)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];
		if (ascii_isalnum(c) || c == '_')
			continue;
		if (i > 0 && (c == '.' || c == '-'))
			continue;
		return false;
	}
	return true;
}

/* One path component of a repository name: [a-z0-9]+ joined by '.', '_', '__' or '-'+. */
static bool repo_component_is_valid(struct span s)
{
	if (s.len == 0)
		return false;
	if (!ascii_isalnum(s.ptr[0]) || !ascii_isalnum(s.ptr[s.len - 1]))
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];
		if ((c >= 'a' && c <= 'z') || ascii_isdigit(c) || c == '.' || c == '_' || c == '-')
			continue;
		return false;
	}
	return true;
}

/* A registry host: [A-Za-z0-9.-]+ with an optional ":PORT". */
static bool repo_domain_is_valid(struct span s)
{
	struct span host = s, port;
	if (span_cut(s, ':', &host, &port)) {
		uint64_t p;
		if (parse_u64(port, 10, 65535, &p) < 0)
			return false;
	}
	if (host.len == 0)
		return false;
	for (size_t i = 0; i < host.len; i++) {
		char c = host.ptr[i];
		if (!ascii_isalnum(c) && c != '.' && c != '-')
			return false;
	}
	return true;
}

/* "[DOMAIN[:PORT]/]COMPONENT[/COMPONENT]..." as docker accepts it (lower-case path). */
static bool repo_is_valid(struct span s)
{
	if (s.len == 0 || s.len > 255 || s.ptr[0] == '/' || s.ptr[s.len - 1] == '/')
		return false;
	bool multi = span_index(s, '/') >= 0, first = true;
	struct span rest = s, comp;
	while (span_next_token(&rest, '/', &comp) == 0) {
		/* only the first of several components may be a registry host */
		if (!repo_component_is_valid(comp) &&
		    !(first && multi && repo_domain_is_valid(comp)))
			return false;
		first = false;
	}
	return true;
}

/*
 * Split "PATH[:REPO:TAG]" for docker-archive: the tag is after the last ':' and the repo
 * is the longest valid repository between an earlier ':' and it. False when there is no
 * such split (the whole string is the path).
 */
static bool split_docker_reference(struct span s, struct span *ret_path, struct span *ret_ref)
{
	ssize_t tc = -1;
	for (size_t i = s.len; i > 0; i--)
		if (s.ptr[i - 1] == ':') {
			tc = (ssize_t)i - 1;
			break;
		}
	if (tc <= 0)
		return false;
	struct span tag = span_slice(s, (size_t)tc + 1, s.len - (size_t)tc - 1);
	if (!tag_is_valid(tag))
		return false;
	for (size_t p = 1; p < (size_t)tc; p++) {
		if (s.ptr[p] != ':')
			continue;
		struct span repo = span_slice(s, p + 1, (size_t)tc - p - 1);
		if (repo_is_valid(repo)) {
			*ret_path = span_slice(s, 0, p);
			*ret_ref = span_slice(s, p + 1, s.len - p - 1);
			return true;
		}
	}
	return false;
}

/* Split "DIR[:TAG|@ALG:HEX]" for oci:. -EINVAL for a malformed digest or an empty tag. */
static int split_oci_reference(struct span s, struct span *ret_path, struct span *ret_tag,
			       struct span *ret_digest)
{
	*ret_path = s;
	*ret_tag = *ret_digest = SPAN_NULL;
	for (size_t i = s.len; i > 0; i--) {
		char c = s.ptr[i - 1];
		if (c == '/')
			break;
		if (c == '@') {
			struct span d = span_slice(s, i, s.len - i);
			/* only "@alg:..." is a digest; "dir@2" is just a directory name */
			if (span_index(d, ':') < 0)
				return 0;
			if (bh_digest_validate(d) < 0 || i == 1)
				return -EINVAL;
			*ret_path = span_slice(s, 0, i - 1);
			*ret_digest = d;
			return 0;
		}
	}
	ssize_t tc = -1;
	for (size_t i = s.len; i > 0; i--) {
		if (s.ptr[i - 1] == '/')
			break;
		if (s.ptr[i - 1] == ':') {
			tc = (ssize_t)i - 1;
			break;
		}
	}
	if (tc < 0)
		return 0;
	struct span tag = span_slice(s, (size_t)tc + 1, s.len - (size_t)tc - 1);
	if (tc == 0 || !tag_is_valid(tag))
		return -EINVAL;
	*ret_path = span_slice(s, 0, (size_t)tc);
	*ret_tag = tag;
	return 0;
}

static int dup_span_opt(struct span s, char **ret)
{
	if (s.len == 0)
		return 0;
	*ret = span_dup(s);
	return *ret ? 0 : -ENOMEM;
}

int img_target_parse(const char *s, struct img_target *ret)
{
	if (!s || !*s)
		return -EINVAL;
	struct img_target t = {.kind = IMG_KIND_AUTO};
	struct span rest = span_from(s);
	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++)
		if (span_startswith(rest, schemes[i].prefix)) {
			t.kind = schemes[i].kind;
			rest = span_slice(rest, strlen(schemes[i].prefix),
					  rest.len - strlen(schemes[i].prefix));
			break;
		}
	if (t.kind == IMG_KIND_AUTO)
		for (size_t i = 0; i < ARRAY_SIZE(unsupported_schemes); i++)
			if (span_startswith(rest, unsupported_schemes[i]))
				return -EOPNOTSUPP;

	struct span path = rest, tag = SPAN_NULL, digest = SPAN_NULL;
	int r = 0;
	switch (t.kind) {
	case IMG_KIND_OCI:
		r = split_oci_reference(rest, &path, &tag, &digest);
		break;
	case IMG_KIND_DOCKER_ARCHIVE:
		(void)split_docker_reference(rest, &path, &tag);
		break;
	default:
		break;
	}
	if (r < 0)
		return r;
	if (path.len == 0 || span_index(path, '\0') >= 0)
		return -EINVAL;

	t.original = strdup(s);
	t.path = span_dup(path);
	if (!t.original || !t.path) {
		img_target_done(&t);
		return -ENOMEM;
	}
	r = dup_span_opt(tag, &t.reference);
	if (r >= 0)
		r = dup_span_opt(digest, &t.digest);
	if (r < 0) {
		img_target_done(&t);
		return r;
	}
	*ret = t;
	return 0;
}

/* Replace t->path (and reference/digest) by the given spans of the original path. */
static int target_resplit(struct img_target *t, enum img_kind kind, struct span path,
			  struct span ref, struct span digest)
{
	_cleanup_free_ char *p = span_dup(path), *r = NULL, *d = NULL;
	if (!p || dup_span_opt(ref, &r) < 0 || dup_span_opt(digest, &d) < 0)
		return -ENOMEM;
	free(t->path);
	free(t->reference);
	free(t->digest);
	t->path = TAKE_PTR(p);
	t->reference = TAKE_PTR(r);
	t->digest = TAKE_PTR(d);
	t->kind = kind;
	return 0;
}

/* Is this (uncompressed) regular file a tar holding an image? */
static int detect_tar(int fd)
{
	struct bh_limits limits;
	bh_limits_default(&limits);
	int r = img_docker_archive_probe(fd, &limits);
	if (r == -EBADMSG || r == 0)
		return -EOPNOTSUPP;
	return r < 0 ? r : 0;
}

/*
 * Is fd a gzip- or zstd-compressed stream whose first member looks like a tar? Then it
 * is most likely a compressed `docker save`, which img_docker_archive_open() refuses
 * with a message saying to decompress it. 1 yes, 0 no.
 */
static int sniff_compressed_tar(const unsigned char *head, size_t n)
{
	unsigned char out[512];
	size_t got = 0;
	if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
		z_stream z = {0};
		if (inflateInit2(&z, 15 + 16) != Z_OK)
			return 0;
		z.next_in = (unsigned char *)head;
		z.avail_in = (unsigned)n;
		z.next_out = out;
		z.avail_out = sizeof(out);
		(void)inflate(&z, Z_SYNC_FLUSH);
		got = sizeof(out) - z.avail_out;
		(void)inflateEnd(&z);
	} else if (n >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f &&
		   head[3] == 0xfd) {
		ZSTD_DCtx *z = ZSTD_createDCtx();
		if (!z)
			return 0;
		ZSTD_inBuffer in = {head, n, 0};
		ZSTD_outBuffer o = {out, sizeof(out), 0};
		(void)ZSTD_decompressStream(z, &o, &in);
		got = o.pos;
		ZSTD_freeDCtx(z);
	} else
		return 0;
	return got >= 263 && memcmp(out + 257, "ustar", 5) == 0;
}

static int detect_path(struct img_target *t, const char *path)
{
	_cleanup_close_ int fd = NERRNO(open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	if (fd < 0)
		return fd == -ENOTDIR ? -ENOENT : fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		if (faccessat(fd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			t->kind = IMG_KIND_OCI;
		else
			t->kind = IMG_KIND_DIR;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return -EOPNOTSUPP;
	unsigned char head[4096];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	if (n < 0)
		return -errno;
	if (sniff_compressed_tar(head, (size_t)n)) {
		t->kind = IMG_KIND_DOCKER_ARCHIVE;
		return 0;
	}
	int r = detect_tar(fd);
	if (r < 0)
		return r;
	t->kind = IMG_KIND_DOCKER_ARCHIVE;
	return 0;
}

static bool path_exists(struct span p, bool want_dir)
{
	_cleanup_free_ char *s = span_dup(p);
	struct stat st;
	if (!s || stat(s, &st) < 0)
		return false;
	return want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

/*
 * A bare path that does not exist may carry a selector: "DIR:TAG" or "DIR@sha256:..."
 * (OCI layout) or "FILE:REPO:TAG" (docker archive). Only splits whose path exists count.
 */
static int detect_split(struct img_target *t)
{
	struct span whole = span_from(t->path), path, tag, digest;
	if (split_oci_reference(whole, &path, &tag, &digest) == 0 && path.len < whole.len &&
	    path_exists(path, true)) {
		int r = target_resplit(t, IMG_KIND_AUTO, path, tag, digest);
		return r < 0 ? r : 1;
	}
	if (split_docker_reference(whole, &path, &tag) && path_exists(path, false)) {
		int r = target_resplit(t, IMG_KIND_AUTO, path, tag, SPAN_NULL);
		return r < 0 ? r : 1;
	}
	return 0;
}

int img_target_detect(struct img_target *t)
{
	if (t->kind != IMG_KIND_AUTO)
		return 0;
	int r = detect_path(t, t->path);
	if (r != -ENOENT)
		return r;
	r = detect_split(t);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	r = detect_path(t, t->path);
	if (r < 0)
		return r;
	/* a digest only selects in OCI layouts; a tag selects in both */
	if (t->digest && t->kind != IMG_KIND_OCI)
		return -EOPNOTSUPP;
	if (t->kind == IMG_KIND_DIR)
		return -EOPNOTSUPP;
	return 0;
}
