/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image-int.h — private contract between the parts of src/image/: the format readers
 * (oci.c, docker-archive.c, dir.c), the layer streamer (layer.c), the file index (fs.c)
 * and image.c which drives them. Not for other subsystems.
 */
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include "bulkhead/image.h"
#include "common/common.h"
#include "common/hash.h"
#include "common/progress.h"

/* ---- blobs: a byte range of a file, readable with pread() from any thread ----------- */

struct img_region {
	int fd;          /* borrowed; open for the life of the image read */
	uint64_t offset; /* where the blob starts in fd */
	uint64_t length; /* its exact length */
	const char *name; /* for messages: "blobs/sha256/ab12…" or "archive.tar:abc/layer.tar" */
};

/* ---- one layer's entries, as read from its tar stream -------------------------------- */

enum img_entry_kind {
	IMG_ENTRY_FILE,     /* a regular entry (any img_ftype) */
	IMG_ENTRY_WHITEOUT, /* ".wh.NAME": path is the removed NAME */
	IMG_ENTRY_OPAQUE,   /* ".wh..wh..opq": path is the directory made opaque */
};

struct img_layer_entry {
	enum img_entry_kind kind;
	struct img_file file; /* path, type, mode, uid, gid, size, mtime, link; content list */
	unsigned want;        /* union of enum img_want_flags over catalogers (hard links) */
};

struct img_layer_index {
	struct img_layer_entry *entries; /* in tar order */
	size_t n, cap;
	uint64_t bytes_in;  /* compressed bytes read */
	uint64_t bytes_out; /* uncompressed tar bytes */
	char digest[BH_DIGEST_STR_LEN + 1];  /* computed digest of the blob */
	char diff_id[BH_DIGEST_STR_LEN + 1]; /* computed digest of the uncompressed tar */
};

void img_layer_index_free(struct img_layer_index *idx);
DEFINE_CLEANUP(struct img_layer_index *, img_layer_index_free)

/* Shared by all layers of one image while they stream in parallel. */
struct img_read_shared {
	const struct bh_limits *limits;
	uint64_t entries;      /* atomic: entries over all layers, checked against max-entries */
	uint64_t bytes_out;    /* atomic: uncompressed bytes over all layers (image-max-bytes) */
	struct bh_progress *progress; /* may be NULL */
	int cancel;            /* atomic: set when one layer failed, so the others stop early */
	const struct img_visitor *visitor; /* may be NULL */
};

enum img_compression {
	IMG_COMP_AUTO, /* decide by magic bytes */
	IMG_COMP_NONE,
	IMG_COMP_GZIP,
	IMG_COMP_ZSTD,
	_IMG_COMP_MAX,
};

/*
 * Map an OCI/Docker layer media type to its compression: 0, -EOPNOTSUPP (foreign or
 * encrypted layer types). NULL media type means IMG_COMP_AUTO.
 */
int img_media_type_compression(const char *media_type, enum img_compression *ret);

/*
 * Stream one layer: decompress, hash both the blob and the tar stream, parse tar
 * entries, normalise and check paths, capture wanted content (catalogers' want/reduce).
 * expect_digest / expect_diff_id: when non-NULL, a mismatch is -EBADMSG.
 * layer_no is recorded in captured blobs. On success *ret is owned by the caller.
 * Errors: -EBADMSG (corrupt/truncated stream, bad path, digest mismatch, duplicate entry),
 * -E2BIG (a limit), -EOPNOTSUPP, -ENOMEM, -EIO; reterr_diag names region and entry.
 */
int img_layer_read(const struct img_region *src, enum img_compression comp,
		   const char *expect_digest, const char *expect_diff_id, int layer_no,
		   struct img_read_shared *shared, struct img_layer_index **ret,
		   struct bh_diag *reterr_diag);

/*
 * Normalise a tar member name or a hard-link target: strip "./" and leading "/",
 * collapse "//" and ".", drop a trailing "/". ".." that would climb above the root and
 * NUL bytes are -EBADMSG; over path-max-bytes/path-max-depth is -E2BIG. Result in ret
 * (cleared first). An empty result (the root itself) is returned as "".
 */
int img_path_normalize(struct span in, const struct bh_limits *limits, struct buf *ret);

/* Compute the catalogers' union of want flags for one path. */
unsigned img_want_for(struct span path, uint32_t mode, uint64_t size);
/*
 * Turn captured raw bytes into the content list of a file: a raw blob (owner -1) if any
 * cataloger without reduce() wants it, plus one reduced blob per cataloger with reduce().
 * data_take is owned by this call (kept as the raw blob or freed). 0 or -ENOMEM.
 */
int img_capture_store(struct img_file *f, struct span path, uint32_t mode, unsigned char *data_take,
		      size_t len, int layer_no, const struct bh_limits *limits);
void img_blob_free_list(struct img_blob *b);
/* Deep copy of a content list (for hard links). 0 or -ENOMEM. */
int img_blob_copy_list(const struct img_blob *b, struct img_blob **ret);

/* ---- the file index ------------------------------------------------------------------- */

int img_fs_new(const struct bh_limits *limits, struct img_fs **ret);
void img_fs_free(struct img_fs *fs);
DEFINE_CLEANUP(struct img_fs *, img_fs_free)

/*
 * Apply one layer on top of the index, as the OCI spec says: first its whiteouts and
 * opaque markers against the lower layers, then its entries in tar order (later entries
 * replace earlier ones; a non-directory replaces a directory subtree; hard links copy
 * their target, which must already exist). Moves captured content out of idx (keeping
 * history for IMG_WANT_HISTORY paths). 0, -EBADMSG (hard link to a missing target or
 * outside the root), -E2BIG, -ENOMEM.
 */
int img_fs_apply_layer(struct img_fs *fs, struct img_layer_index *idx, int layer_no,
		       const char *layer_name, struct bh_diag *reterr_diag);
/* Add one entry directly (dir: targets); takes the entry's allocations. */
int img_fs_add_take(struct img_fs *fs, struct img_file *f_take);
/* Sort and freeze: after this, img_fs_at() and img_fs_count() are valid. 0 or -ENOMEM. */
int img_fs_finalize(struct img_fs *fs);
/* Free the path/link/content of an img_file (not the struct itself). */
void img_file_done(struct img_file *f);

/* ---- format readers ------------------------------------------------------------------ */

/*
 * Read the image config JSON (OCI/Docker) into img->config and the layers' diff_ids
 * (returned as a strv in order). 0, -EBADMSG, -E2BIG, -ENOMEM.
 */
int img_config_parse(struct span json, const struct bh_limits *limits, const char *source,
		     struct img_config *ret_config, struct strv *ret_diff_ids,
		     struct bh_diag *reterr_diag);
void img_config_done(struct img_config *c);

/*
 * A resolved image: where the config and the layers are. Format readers fill this;
 * image.c streams the layers and assembles struct img.
 */
struct img_layout {
	int fd;                       /* owned: blob container (archive file) or -1 */
	int dirfd;                    /* owned: OCI layout directory or -1 */
	struct buf config_json;       /* the config blob, verified against its digest */
	char *manifest_digest;        /* NULL for legacy docker archives */
	char *config_digest;
	struct img_region *layers;    /* n_layers entries; region fds borrowed from fd/dirfd */
	int *layer_fds;               /* OCI: one owned fd per layer blob (-1 if shared fd) */
	char **layer_media_types;     /* owned strings, NULL entries allowed */
	char **layer_digests;         /* expected blob digests (NULL: unknown, e.g. legacy) */
	uint64_t *layer_sizes;        /* declared sizes, 0 if unknown */
	size_t n_layers;
	struct strv repo_tags;
};

void img_layout_done(struct img_layout *l);

/* oci:DIR — pick manifest by tag/digest/platform through nested indexes. */
int img_oci_open(const struct img_target *t, const struct img_open_opts *o,
		 struct img_layout *ret, struct bh_diag *reterr_diag);
/* docker-archive:FILE — manifest.json (+ legacy repositories), layer.tar or blobs/ layout. */
int img_docker_archive_open(const struct img_target *t, const struct img_open_opts *o,
			    struct img_layout *ret, struct bh_diag *reterr_diag);
/* Is fd (at offset 0) a docker-archive tar? 1 yes, 0 another tar, -EBADMSG not a tar. */
int img_docker_archive_probe(int fd, const struct bh_limits *limits);
/* dir:ROOTFS — walk the tree (no symlink followed, openat-relative) into fs. */
int img_dir_read(const char *root, const struct bh_limits *limits, struct img_fs *fs,
		 struct bh_diag *reterr_diag);
/*
 * dir:ROOTFS — give every regular file of the finalised index fs to the visitor, split over
 * a few worker threads; files are opened beneath root without following any symlink.
 * A file that vanished or cannot be opened is skipped with a warning. 0 or -errno.
 */
int img_dir_visit(const char *root, const struct img_fs *fs, const struct bh_limits *limits,
		  const struct img_visitor *v, struct bh_diag *reterr_diag);
