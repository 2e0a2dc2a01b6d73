/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image.h — reading a container image into facts: its config, its layers, a virtual file
 * index of the final file system, the OS, and (after cataloguing) its packages.
 *
 * Layers are streamed once, never extracted to disk. While a layer streams, the files
 * that some cataloger wants (see catalogers/catalog.h) have their content captured into
 * memory, bounded by bh_limits.capture_max_bytes; everything else is only indexed.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "common/common.h"
#include "bulkhead/pkg.h"

/* ---- targets ----------------------------------------------------------------------- */

enum img_kind {
	IMG_KIND_OCI,            /* oci:DIR[:TAG|@DIGEST] */
	IMG_KIND_DOCKER_ARCHIVE, /* docker-archive:FILE[:TAG] */
	IMG_KIND_DIR,            /* dir:ROOTFS */
	IMG_KIND_AUTO,           /* no scheme: decided by img_target_detect() */
	_IMG_KIND_MAX,
};

struct img_target {
	enum img_kind kind;
	char *path;      /* file or directory */
	char *reference; /* OCI tag (org.opencontainers.image.ref.name) or docker repo:tag; NULL */
	char *digest;    /* "@sha256:..." selection for oci:, NULL */
	char *original;  /* the string the user gave, for messages */
};

/* Parse "oci:DIR:TAG", "docker-archive:FILE", "dir:PATH" or a bare path. 0, -EINVAL. */
int img_target_parse(const char *s, struct img_target *ret);
/* For IMG_KIND_AUTO, look at what is on disk and set kind. 0, -ENOENT, -EOPNOTSUPP. */
int img_target_detect(struct img_target *t);
void img_target_done(struct img_target *t);

/* ---- the virtual file system -------------------------------------------------------- */

enum img_ftype {
	IMG_FT_REG,
	IMG_FT_DIR,
	IMG_FT_SYMLINK,
	IMG_FT_HARDLINK, /* resolved at merge time into the target's type; kept only if dangling */
	IMG_FT_CHAR,
	IMG_FT_BLOCK,
	IMG_FT_FIFO,
	IMG_FT_OTHER,
	_IMG_FT_MAX,
};

/*
 * Content captured while the layer streamed. A file's content is a list (next): one raw
 * blob (owner -1) shared by catalogers without reduce(), and one reduced blob per
 * cataloger with reduce() (owner = its index in img_catalogers[]).
 */
struct img_blob {
	int owner;             /* -1 raw bytes, else cataloger index */
	int layer;             /* layer index the bytes came from, -1 for dir: */
	size_t len;
	unsigned char *data;   /* owned; NUL-terminated (data[len] == 0) for text parsers */
	struct img_blob *next; /* next blob of the same file (another owner), or NULL */
	struct img_blob *prev; /* raw blob only: this path's bytes in an earlier layer, or NULL */
};

struct img_file {
	char *path;   /* normalised: no leading '/', no "." or ".." components, no trailing '/' */
	enum img_ftype type;
	uint32_t mode; /* permission bits incl. setuid/setgid/sticky */
	uint32_t uid, gid;
	uint64_t size;
	int64_t mtime;
	char *link;   /* symlink target as stored, or hard-link target (normalised path) */
	int layer;    /* index of the layer that last wrote this path; -1 for dir: */
	struct img_blob *content; /* captured content, NULL if no cataloger wanted it */
};

struct img_fs;

/* Exact lookup by normalised path (no leading '/'); no link is followed. NULL if absent. */
const struct img_file *img_fs_lookup(const struct img_fs *fs, const char *path);
/*
 * Lookup following symlinks in every component, the way the kernel would inside a chroot
 * at the image root: ".." never climbs above the root, absolute targets restart at the
 * root, at most link_max_hops links. 0, -ENOENT, -ELOOP, -ENOTDIR, -E2BIG.
 */
int img_fs_resolve(const struct img_fs *fs, const char *path, const struct img_file **ret);
/* All files sorted by path; valid while fs lives. */
size_t img_fs_count(const struct img_fs *fs);
const struct img_file *img_fs_at(const struct img_fs *fs, size_t i);

/* ---- the image ----------------------------------------------------------------------- */

struct img_layer {
	char *digest;     /* blob digest ("sha256:..."), NULL for dir: */
	char *diff_id;    /* uncompressed digest from the config */
	char *media_type; /* as declared, NULL for legacy docker-archive layer.tar */
	uint64_t size;    /* compressed size as declared */
	uint64_t uncompressed; /* bytes of tar read */
	char *created_by; /* history entry that made it, if known */
};

struct img_history {
	char *created;
	char *created_by;
	char *comment;
	bool empty_layer;
};

struct img_config {
	char *architecture, *os, *variant;
	char *created;
	char *user;
	char *working_dir;
	struct strv env;        /* "KEY=value", in config order */
	struct strv entrypoint;
	struct strv cmd;
	struct strv exposed_ports; /* "80/tcp", sorted */
	struct strv volumes;       /* sorted */
	struct strv labels;        /* "key=value", sorted by key */
	char *stop_signal;
	bool has_healthcheck;      /* a Healthcheck object is present */
	struct strv healthcheck;   /* its Test array: ["CMD-SHELL", "curl …"] or ["NONE"] */
	struct img_history *history;
	size_t n_history;
};

struct img_os {
	char *id;          /* os-release ID, e.g. "debian" */
	char *version_id;  /* "12" */
	char *codename;    /* VERSION_CODENAME */
	char *pretty_name;
	char *id_like;
};

struct img {
	struct img_target target;
	char *manifest_digest; /* digest of the image manifest, NULL for dir:/legacy archives */
	char *config_digest;   /* image ID, NULL for dir: */
	struct strv repo_tags; /* names the image is known by */
	struct img_config config;
	struct img_layer *layers;
	size_t n_layers;
	struct img_fs *fs;
	struct img_os os;
	struct pkg_list pkgs;
	uint64_t bytes_compressed, bytes_uncompressed;
};

/*
 * A visitor sees the bytes of every regular file of every layer while the layer streams —
 * including files that a later layer deletes or replaces — so scanners that need every
 * byte (secrets) run in the same pass as the catalogers, with one decompression.
 *
 * Streams run in parallel (one per layer; for dir: targets the files are split over a few
 * workers). stream_begin() is called once per stream, in that stream's thread, and returns
 * the stream's state; the file callbacks of one state are never called concurrently.
 * Hard links, symlinks and special files are not visited. A callback's -errno aborts the
 * image read with that error (the diag names the file).
 */
struct img_visitor {
	void *userdata;
	/* layer_digest: the layer's blob digest ("sha256:…"), NULL for dir:. 0 or -errno. */
	int (*stream_begin)(void *userdata, int layer_no, const char *layer_digest,
			    void **ret_state);
	/* A regular file starts; return 1 to receive its bytes, 0 to skip it, or -errno. */
	int (*file_begin)(void *state, const char *path, uint32_t mode, uint64_t size);
	/* The next bytes of the file, in order. 0, 1 = stop sending this file, or -errno. */
	int (*file_data)(void *state, const void *data, size_t len);
	/* After the last file_data of a file that file_begin accepted. 0 or -errno. */
	int (*file_end)(void *state);
	/* The stream is over (err < 0: it failed or was cancelled); frees the state. */
	void (*stream_end)(void *state, int err);
};

struct img_open_opts {
	const char *platform;   /* "os/arch[/variant]", NULL = linux/amd64 */
	const struct bh_limits *limits;
	bool progress;          /* draw a progress bar when stderr is a TTY */
	const struct img_visitor *visitor; /* NULL: none */
};

/*
 * Open the image named by target, stream every layer (in parallel), build the file
 * index with whiteouts applied and capture the files catalogers want. Does not run the
 * catalogers (img_catalog() does).
 * On success *ret is owned by the caller (img_free()). Errors: -ENOENT (missing path),
 * -EOPNOTSUPP (not an image / unsupported format), -EBADMSG (malformed input, digest
 * mismatch), -E2BIG (a limit), -ENOMEM, other -errno; reterr_diag names the input.
 */
int img_open(const struct img_target *target, const struct img_open_opts *opts,
	     struct img **ret, struct bh_diag *reterr_diag);
void img_free(struct img *img);
DEFINE_CLEANUP(struct img *, img_free)

/*
 * Run every cataloger over img->fs and fill img->os and img->pkgs (sorted, finalised).
 * Malformed records are skipped with a warning naming file and line. 0 or -errno.
 */
int img_catalog(struct img *img, const struct bh_limits *limits, struct bh_diag *reterr_diag);
