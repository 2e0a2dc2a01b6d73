/* SPDX-License-Identifier: Apache-2.0 */
/*
 * catalog.h — the contract between the image reader and the catalogers.
 *
 * A cataloger is one file in this folder exporting one `const struct img_cataloger`.
 * It works in two phases:
 *  1. while layers stream (worker threads, concurrently): want() says which regular
 *     files it needs the bytes of; optionally reduce() shrinks those bytes right away
 *     (a 40 MB Go binary becomes its few KB of build info) so memory stays small;
 *  2. once the file system is final: catalog() reads the captured content through
 *     img_catalog_content() and adds packages with img_catalog_add(). catalog() runs on
 *     one thread, catalogers one after the other; a cataloger with much per-file work
 *     fans it out with img_catalog_parallel() and merges the results in order.
 * Catalogers never open files themselves, never follow links on their own (use
 * img_fs_resolve()), and never fail the whole run for one bad record: they call
 * img_catalog_warn() naming file and line and go on.
 */
#pragma once

#include "bulkhead/image.h"
#include "common/common.h"

enum img_want_flags {
	IMG_WANT_CONTENT = 1 << 0, /* capture the file's bytes */
	IMG_WANT_HISTORY = 1 << 1, /* also keep the bytes of this path from earlier layers */
};

struct img_catalog_ctx;

struct img_cataloger {
	const char *name; /* "dpkg", "npm", ...: also pkg->found_by */
	/*
	 * Which files to capture. path is normalised (no leading '/'); mode has permission
	 * bits; size is the file's size. Called from several threads: must be pure and fast
	 * (it runs for every file of every layer). Returns enum img_want_flags or 0.
	 */
	unsigned (*want)(struct span path, uint32_t mode, uint64_t size);
	/*
	 * Optional. Reduce captured bytes before they are stored: append what to keep to out
	 * and return 0; return -ENOENT to store nothing for this cataloger (e.g. not a Go
	 * binary); other -errno are logged at debug and treated as -ENOENT. Thread-safe.
	 */
	int (*reduce)(struct span path, struct span data, const struct bh_limits *limits,
		      struct buf *out);
	/* Produce packages; 0 or -errno (fatal for the run: only -ENOMEM, -E2BIG). */
	int (*catalog)(struct img_catalog_ctx *ctx);
};

struct img_catalog_ctx {
	const struct img_cataloger *cataloger;
	size_t cataloger_index;
	struct img *img;
	const struct img_fs *fs;
	const struct bh_limits *limits;
	const struct img_os *os;
};

/* All catalogers, in the order they run; NULL-terminated. */
extern const struct img_cataloger *const img_catalogers[];
size_t img_catalogers_count(void);

/*
 * Content captured for this cataloger from file f: the reduced blob if the cataloger has
 * reduce(), else the raw bytes. NULL when nothing was captured (too big, not wanted).
 * Borrowed; valid while the image lives. data is NUL-terminated.
 */
const struct img_blob *img_catalog_content(const struct img_catalog_ctx *ctx,
					   const struct img_file *f);

/*
 * Call fn for every regular file, in tree order, that has content captured for this
 * cataloger (img_catalog_content() non-NULL). Stops at and returns the first error.
 */
typedef int (*img_catalog_file_fn)(struct img_catalog_ctx *ctx, const struct img_file *f,
				   const struct img_blob *blob);
int img_catalog_foreach_content(struct img_catalog_ctx *ctx, img_catalog_file_fn fn);

/*
 * img_fs_path_at(fs, i): the path of img_fs_at(fs, i) as a span, without a strlen() (file
 * loops over 100k paths run once per cataloger). SPAN_NULL when i is out of range.
 * img_fs_content_count() / img_fs_content_at(): the indexes (for img_fs_at()), in tree
 * order, of the regular files that have any content captured, for any cataloger.
 * All valid after img_fs_finalize().
 */
struct span img_fs_path_at(const struct img_fs *fs, size_t i);
size_t img_fs_content_count(const struct img_fs *fs);
size_t img_fs_content_at(const struct img_fs *fs, size_t k);

/*
 * Add a package found in file f (f may be NULL): sets found_by, location ("/" + path)
 * and, when still -1, layer from f. Takes ownership of p (freed on error).
 * 0, -E2BIG (max-packages), -ENOMEM.
 */
int img_catalog_add(struct img_catalog_ctx *ctx, const struct img_file *f, struct pkg *p);

/* Warn about a skipped record: "PATH:LINE: MESSAGE, skipping" (line 0 = no line). */
void img_catalog_warn(const struct img_catalog_ctx *ctx, const char *path, unsigned line,
		      const char *fmt, ...) _printf_(4, 5);

/*
 * Run fn(ctx, i, arg) for every i in [0, n) on up to limits->threads threads (0 = CPUs),
 * the calling thread included; items are handed out in small chunks, so which thread runs
 * which item is not fixed. fn must only write item i's own state (and its own
 * allocations) and read what is shared: it must not call img_catalog_add() or
 * img_catalog_warn(), nor log. Collect per item, then merge in index order on the
 * calling thread (img_catalog_note_* keep a warning for later), so that the result is
 * the same whatever the thread count. Once an item fails, items not yet started are
 * skipped. Returns 0 or the error of the lowest-numbered failed item.
 */
typedef int (*img_catalog_work_fn)(const struct img_catalog_ctx *ctx, size_t i, void *arg);
int img_catalog_parallel(const struct img_catalog_ctx *ctx, size_t n, img_catalog_work_fn fn,
			 void *arg);

/* A warning kept by a worker for img_catalog_note_flush() (zero-initialised = none). */
struct img_catalog_note {
	char *msg;     /* NULL: nothing to say (or no memory to say it) */
	unsigned line;
};
/* Record a warning (as img_catalog_warn() would word it); a later one replaces it. */
void img_catalog_note_set(struct img_catalog_note *n, unsigned line, const char *fmt, ...)
	_printf_(3, 4);
/* Issue the kept warning, if any, through img_catalog_warn(), and clear it. */
void img_catalog_note_flush(const struct img_catalog_ctx *ctx, const char *path,
			    struct img_catalog_note *n);
void img_catalog_note_done(struct img_catalog_note *n);

/*
 * Layer attribution for packages read from a database file that has history
 * (IMG_WANT_HISTORY). parse() reads one version of the file into a list; for each
 * package in `pkgs` (found in the final version) whose layer is -1, sets layer to the
 * earliest layer from which on every version of the file lists the same name, version
 * and arch. Without history, the file's own layer is used. 0 or -ENOMEM.
 */
typedef int (*img_catalog_parse_fn)(struct img_catalog_ctx *ctx, const struct img_file *f,
				    const struct img_blob *blob, struct pkg_list *out);
int img_catalog_attribute_layers(struct img_catalog_ctx *ctx, const struct img_file *f,
				 img_catalog_parse_fn parse, struct pkg_list *pkgs);

/*
 * Helpers shared by the RFC 822-style parsers (dpkg status, Python METADATA):
 * iterate stanzas separated by blank lines, and fields with continuation lines.
 */
struct rfc822_field {
	struct span name;
	struct span value; /* first line, trimmed; continuation lines in raw */
	struct span raw;   /* whole value including continuation lines (untrimmed) */
	unsigned line;     /* 1-based line of the field name */
};
/*
 * Take the next field of the stanza at *in; 0, -ENOENT at end of stanza (blank line
 * consumed) or input, -EBADMSG for a line that is neither "Name: value" nor a
 * continuation (then *in has skipped that line and *line_no is its line).
 */
int rfc822_next_field(struct span *in, unsigned *line_no, struct rfc822_field *ret);

/* Declarations of every cataloger, defined one per file. */
extern const struct img_cataloger img_cataloger_dpkg;
extern const struct img_cataloger img_cataloger_apk;
extern const struct img_cataloger img_cataloger_rpm;
extern const struct img_cataloger img_cataloger_python;
extern const struct img_cataloger img_cataloger_npm;
extern const struct img_cataloger img_cataloger_go;
extern const struct img_cataloger img_cataloger_java;
extern const struct img_cataloger img_cataloger_ruby;
extern const struct img_cataloger img_cataloger_rust;
