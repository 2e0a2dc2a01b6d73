/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db-import.c — vuln_db_import(): read OSV advisories from files, directories and zip
 * archives into a new copy of the database, then rename it into place (see db.h).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/hash.h"
#include "common/json.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "vuln/db-int.h"

struct import {
	struct vuln_db *db;
	const struct vuln_import_opts *o;
	const struct bh_limits *l;
	struct vuln_import_stats *total;
	struct vuln_import_stats cur; /* of the current source */
	int64_t source;
	struct bh_diag *diag;
	uint64_t intel_seen, intel_stored; /* KEV entries / EPSS rows of the current source */
};

static void skip(struct import *im, const struct bh_diag *why)
{
	im->cur.skipped++;
	if (im->o->on_skip)
		im->o->on_skip(why, im->o->userdata);
	else {
		char line[1100];
		bh_diag_format(why, line, sizeof(line));
		log_warning("skipping %s", line);
	}
}

static int import_record(struct import *im, const json_t *rec, const char *name)
{
	if (im->total->seen + im->cur.seen >= im->l->db_max_records) {
		bh_diag_set(im->diag, name, 0, 0, "more than %llu advisories (db-max-records)",
			    (unsigned long long)im->l->db_max_records);
		return -E2BIG;
	}
	im->cur.seen++;
	struct vuln_osv o;
	struct bh_diag why = { 0 };
	int r = vuln_osv_parse(rec, im->l, name, &o, &why);
	if (r == -EBADMSG || r == -E2BIG) {
		skip(im, &why);
		return 0;
	}
	if (r < 0)
		return r;
	enum vuln_store_result res;
	r = vuln_db_store(im->db, &o, im->source, &res);
	vuln_osv_done(&o);
	if (r < 0) {
		bh_diag_set(im->diag, im->db->path, 0, 0, "cannot store advisory: %s",
			    sqlite3_errmsg(im->db->sql));
		return r;
	}
	switch (res) {
	case VULN_STORE_NEW:
	case VULN_STORE_REPLACED:
		im->cur.imported++;
		break;
	case VULN_STORE_UNCHANGED:
		im->cur.unchanged++;
		break;
	default:
		im->cur.withdrawn++;
		break;
	}
	return 0;
}

/* A KEV catalog (recognised by content): checked whole, stored in place of an older one. */
static int import_kev(struct import *im, const json_t *doc, const char *name)
{
	struct vuln_kev_catalog c;
	int r = vuln_kev_parse(doc, im->l, name, &c, im->diag);
	if (r < 0)
		return r;
	bool stored = false;
	r = vuln_db_store_kev(im->db, &c, &stored);
	if (r < 0)
		bh_diag_set(im->diag, im->db->path, 0, 0, "cannot store the KEV catalog: %s",
			    sqlite3_errmsg(im->db->sql));
	else {
		im->intel_seen += c.n;
		if (stored) {
			im->intel_stored += c.n;
			im->total->kev_entries += c.n;
		} else {
			im->total->kev_unchanged++;
			log_info("%s: KEV catalog %s is not newer than the stored one, kept", name,
				 c.version);
		}
	}
	vuln_kev_catalog_done(&c);
	return r;
}

/* A parsed JSON document: a KEV catalog, an array of records or one record (taken). */
static int import_parsed(struct import *im, json_t *doc, const char *name)
{
	int r = 0;
	if (vuln_kev_is_catalog(doc))
		r = import_kev(im, doc, name);
	else if (json_is_array(doc)) {
		size_t i;
		json_t *rec;
		json_array_foreach(doc, i, rec) {
			char where[600];
			if (xsnprintf(where, sizeof(where), "%s[%zu]", name, i) < 0)
				(void)xsnprintf(where, sizeof(where), "%.500s", name);
			if ((r = import_record(im, rec, where)) < 0)
				break;
		}
	} else
		r = import_record(im, doc, name);
	json_decref(doc);
	return r;
}

/*
 * One JSON document found in a directory or archive: a record, an array of records or a
 * KEV catalog. A document that is not JSON is skipped like a malformed record.
 */
static int import_document(struct import *im, struct span data, const char *name)
{
	im->cur.files++;
	json_t *doc = NULL;
	struct bh_diag why = { 0 };
	int r = bh_json_parse(data, im->l, name, &doc, &why);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		im->cur.seen++;
		skip(im, &why);
		return 0;
	}
	return import_parsed(im, doc, name);
}

static bool is_json_name(const char *name)
{
	return span_endswith(span_from(name), ".json");
}

/* ---- zip archives --------------------------------------------------------------- */

static int import_zip(struct import *im, const char *open_path, const char *path)
{
	struct archive *a = archive_read_new();
	if (!a)
		return -ENOMEM;
	archive_read_support_format_zip_seekable(a);
	int r = 0;
	if (archive_read_open_filename(a, open_path, 1 << 16) != ARCHIVE_OK) {
		bh_diag_set(im->diag, path, 0, 0, "not a zip archive: %s",
			    archive_error_string(a) ? archive_error_string(a) : "unreadable");
		archive_read_free(a);
		return -EBADMSG;
	}
	uint64_t entries = 0, bytes = 0;
	_cleanup_buf_ struct buf data;
	buf_init(&data, (size_t)im->l->input_max_bytes);
	struct archive_entry *e;
	for (;;) {
		int ar = archive_read_next_header(a, &e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN) {
			bh_diag_set(im->diag, path, 0, 0, "corrupt zip archive: %s",
				    archive_error_string(a) ? archive_error_string(a) : "bad header");
			r = -EBADMSG;
			break;
		}
		if (++entries > im->l->zip_max_entries) {
			bh_diag_set(im->diag, path, 0, 0, "more than %llu entries (zip-max-entries)",
				    (unsigned long long)im->l->zip_max_entries);
			r = -E2BIG;
			break;
		}
		const char *name = archive_entry_pathname(e);
		if (archive_entry_filetype(e) != AE_IFREG || !name || !is_json_name(name))
			continue;
		char where[1100];
		if (xsnprintf(where, sizeof(where), "%s:%s", path, name) < 0)
			(void)xsnprintf(where, sizeof(where), "%.1000s", path);
		buf_clear(&data);
		bool too_big = false;
		for (;;) {
			char chunk[65536];
			la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));
			if (n < 0) {
				bh_diag_set(im->diag, where, 0, 0, "corrupt zip entry: %s",
					    archive_error_string(a) ? archive_error_string(a) : "read error");
				r = -EBADMSG;
				break;
			}
			if (n == 0)
				break;
			bytes += (uint64_t)n;
			if (bytes > im->l->zip_max_bytes) {
				bh_diag_set(im->diag, path, 0, 0,
					    "inflates to more than %llu bytes (zip-max-bytes)",
					    (unsigned long long)im->l->zip_max_bytes);
				r = -E2BIG;
				break;
			}
			if (!too_big && buf_append(&data, chunk, (size_t)n) == -E2BIG)
				too_big = true;
		}
		if (r < 0)
			break;
		if (too_big) {
			struct bh_diag why = { 0 };
			bh_diag_set(&why, where, 0, 0, "larger than %llu bytes (input-max-bytes)",
				    (unsigned long long)im->l->input_max_bytes);
			im->cur.seen++;
			skip(im, &why);
			continue;
		}
		if ((r = import_document(im, buf_span(&data), where)) < 0)
			break;
	}
	archive_read_free(a);
	return r;
}

/* ---- directories ---------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int import_path_at(struct import *im, int dirfd, const char *name, const char *display,
			  unsigned depth);

static int import_dir(struct import *im, int fd, const char *display, unsigned depth)
{
	if (depth > im->l->path_max_depth) {
		bh_diag_set(im->diag, display, 0, 0, "directories nested deeper than %llu "
			    "(path-max-depth)", (unsigned long long)im->l->path_max_depth);
		return -E2BIG;
	}
	int dfd = dup(fd);
	if (dfd < 0)
		return -errno;
	DIR *d = fdopendir(dfd);
	if (!d) {
		int r = -errno;
		close(dfd);
		return r;
	}
	struct strv names = { 0 };
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if ((r = strv_push(&names, de->d_name)) < 0)
			break;
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_names);
	for (size_t i = 0; r >= 0 && i < names.n; i++) {
		_cleanup_buf_ struct buf sub;
		buf_init(&sub, 1 << 16);
		r = buf_printf(&sub, "%s/%s", display, names.v[i]);
		if (r >= 0)
			r = import_path_at(im, fd, names.v[i], buf_str(&sub), depth + 1);
	}
	strv_done(&names);
	return r;
}

static int import_file_fd(struct import *im, int fd, const char *display)
{
	_cleanup_buf_ struct buf data;
	buf_init(&data, (size_t)im->l->input_max_bytes);
	int r = bh_read_fd(fd, (size_t)im->l->input_max_bytes, &data);
	if (r == -E2BIG) {
		struct bh_diag why = { 0 };
		bh_diag_set(&why, display, 0, 0, "larger than %llu bytes (input-max-bytes)",
			    (unsigned long long)im->l->input_max_bytes);
		im->cur.seen++;
		skip(im, &why);
		return 0;
	}
	if (r < 0) {
		bh_diag_set(im->diag, display, 0, 0, "cannot read: %s", strerror(-r));
		return r;
	}
	return import_document(im, buf_span(&data), display);
}

/* Inside a directory: subdirectories, *.json files and *.zip archives; links are not followed. */
static int import_path_at(struct import *im, int dirfd, const char *name, const char *display,
			  unsigned depth)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			int r = -errno;
			bh_diag_set(im->diag, display, 0, 0, "cannot open directory: %s", strerror(-r));
			return r;
		}
		int r = import_dir(im, fd, display, depth);
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	if (span_endswith(span_from(name), ".zip")) {
		/* libarchive opens by name: give it a path that is this very file. */
		char proc[64];
		int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		int r = xsnprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (r >= 0)
			r = import_zip(im, proc, display);
		close(fd);
		return r;
	}
	if (!is_json_name(name))
		return 0;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = import_file_fd(im, fd, display);
	close(fd);
	return r;
}

static bool has_zip_magic(int fd)
{
	unsigned char m[4];
	return pread(fd, m, 4, 0) == 4 && m[0] == 'P' && m[1] == 'K' && m[2] == 3 && m[3] == 4;
}

static int file_sha256(int fd, char out[static BH_DIGEST_STR_LEN + 1])
{
	struct bh_sha256 h;
	int r = bh_sha256_init(&h);
	if (r < 0)
		return r;
	unsigned char b[1 << 16];
	off_t off = 0;
	for (;;) {
		ssize_t n = pread(fd, b, sizeof(b), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			bh_sha256_done(&h);
			return r;
		}
		if (n == 0)
			break;
		bh_sha256_update(&h, b, (size_t)n);
		off += n;
	}
	bh_sha256_final_str(&h, out);
	return 0;
}

static int add_source(struct import *im, const char *name, const char *kind, const char *sha)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int r = bh_format_rfc3339(bh_now(NULL), now, sizeof(now));
	if (r < 0)
		return r;
	int rc = sqlite3_prepare_v2(im->db->sql,
				    "INSERT INTO source(name, kind, sha256, imported, seen, "
				    "imported_records, withdrawn, skipped) VALUES(?,?,?,?,0,0,0,0)",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		if (sha)
			sqlite3_bind_text(st, 3, sha, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -EIO;
	im->source = sqlite3_last_insert_rowid(im->db->sql);
	return 0;
}

static int finish_source(struct import *im)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(im->db->sql,
				    "UPDATE source SET seen = ?, imported_records = ?, withdrawn = ?, "
				    "skipped = ? WHERE id = ?",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)(im->cur.seen + im->intel_seen));
		sqlite3_bind_int64(st, 2, (sqlite3_int64)(im->cur.imported + im->intel_stored));
		sqlite3_bind_int64(st, 3, (sqlite3_int64)im->cur.withdrawn);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)im->cur.skipped);
		sqlite3_bind_int64(st, 5, im->source);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	struct vuln_import_stats *t = im->total;
	t->seen += im->cur.seen;
	t->imported += im->cur.imported;
	t->unchanged += im->cur.unchanged;
	t->withdrawn += im->cur.withdrawn;
	t->skipped += im->cur.skipped;
	t->files += im->cur.files;
	im->cur = (struct vuln_import_stats){ 0 };
	im->intel_seen = im->intel_stored = 0;
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* ---- EPSS ------------------------------------------------------------------------ */

struct epss_ctx {
	struct import *im;
	const char *name;
	const struct vuln_epss_header *h;
	bool begun, stored;
};

static int on_epss_row(const struct vuln_epss_row *row, void *userdata)
{
	struct epss_ctx *e = userdata;
	struct import *im = e->im;
	int r = 0;
	if (!e->begun) {
		e->begun = true;
		r = vuln_db_epss_begin(im->db, e->h, &e->stored);
		if (r < 0)
			return r;
	}
	im->intel_seen++;
	if (!e->stored)
		return 0;
	r = vuln_db_epss_add(im->db, row);
	if (r == -EBADMSG) {
		bh_diag_set(im->diag, e->name, row->line, 0, "%s is listed twice", row->cve);
		return r;
	}
	if (r < 0)
		return r;
	im->intel_stored++;
	return 0;
}

static int import_epss(struct import *im, struct span data, const char *name)
{
	struct vuln_epss_header h = { 0 };
	struct epss_ctx e = { .im = im, .name = name, .h = &h };
	int r = vuln_epss_parse(data, im->l, name, &h, on_epss_row, &e, im->diag);
	if (r >= 0 && !e.begun) /* a header and no rows: the scores are an empty set */
		r = vuln_db_epss_begin(im->db, &h, &e.stored);
	if (r >= 0 && e.stored)
		r = vuln_db_epss_end(im->db, &h, im->intel_stored);
	if (r < 0) {
		if (!im->diag->message[0])
			bh_diag_set(im->diag, im->db->path, 0, 0, "cannot store EPSS scores: %s",
				    sqlite3_errmsg(im->db->sql));
		return r;
	}
	if (e.stored)
		im->total->epss_rows += im->intel_stored;
	else {
		im->total->epss_unchanged++;
		log_info("%s: EPSS scores of %s are not newer than the stored ones, kept", name,
			 h.date);
	}
	return 0;
}

static bool has_gzip_magic(struct span d)
{
	return d.len >= 2 && (unsigned char)d.ptr[0] == 0x1f && (unsigned char)d.ptr[1] == 0x8b;
}

/* Inflate a gzip file (one member stream) into out, at most input-max-bytes. */
static int gunzip(struct import *im, struct span in, const char *name, struct buf *out)
{
	struct archive *a = archive_read_new();
	if (!a)
		return -ENOMEM;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	struct archive_entry *e;
	int r = 0;
	if (archive_read_open_memory(a, in.ptr, in.len) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		bh_diag_set(im->diag, name, 0, 0, "corrupt gzip file: %s",
			    archive_error_string(a) ? archive_error_string(a) : "bad header");
		r = -EBADMSG;
	}
	while (r >= 0) {
		char chunk[65536];
		la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));
		if (n < 0) {
			const char *why = archive_error_string(a);
			bh_diag_set(im->diag, name, 0, 0, "corrupt gzip file: %s",
				    why ? why : "read error");
			r = -EBADMSG;
		} else if (n == 0)
			break;
		else if ((r = buf_append(out, chunk, (size_t)n)) == -E2BIG)
			bh_diag_set(im->diag, name, 0, 0,
				    "inflates to more than %llu bytes (input-max-bytes)",
				    (unsigned long long)im->l->input_max_bytes);
	}
	archive_read_free(a);
	return r;
}

/*
 * A file named on the command line that is not a zip archive: an EPSS CSV (plain or gzip),
 * else a JSON document (OSV records or a KEV catalog) that must at least be JSON.
 */
static int import_named_file(struct import *im, int fd, const char *name, const char *sha)
{
	_cleanup_buf_ struct buf data, plain;
	buf_init(&data, (size_t)im->l->input_max_bytes);
	buf_init(&plain, (size_t)im->l->input_max_bytes);
	int r = bh_read_fd(fd, (size_t)im->l->input_max_bytes, &data);
	if (r == -E2BIG)
		bh_diag_set(im->diag, name, 0, 0, "larger than %llu bytes (input-max-bytes)",
			    (unsigned long long)im->l->input_max_bytes);
	if (r < 0)
		return r;
	struct span content = buf_span(&data);
	bool gz = has_gzip_magic(content);
	if (gz) {
		if ((r = gunzip(im, content, name, &plain)) < 0)
			return r;
		content = buf_span(&plain);
	}
	if (vuln_epss_is_csv(content)) {
		r = add_source(im, name, "epss", sha);
		return r < 0 ? r : import_epss(im, content, name);
	}
	if (gz) {
		bh_diag_set(im->diag, name, 0, 0, "a gzip file that is not an EPSS CSV");
		return -EBADMSG;
	}
	/* A file named explicitly must at least be JSON. */
	json_t *doc = NULL;
	r = bh_json_parse(content, im->l, name, &doc, im->diag);
	if (r < 0)
		return r;
	im->cur.files++;
	r = add_source(im, name, vuln_kev_is_catalog(doc) ? "kev" : "json", sha);
	if (r < 0) {
		json_decref(doc);
		return r;
	}
	return import_parsed(im, doc, name);
}

/* One path named on the command line; name is what to call it (source, diagnostics). */
static int import_top(struct import *im, const char *path, const char *name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;
		bh_diag_set(im->diag, name, 0, 0, "%s", strerror(-r));
		return r;
	}
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : 0;
	char sha[BH_DIGEST_STR_LEN + 1] = "";
	const char *kind = S_ISDIR(st.st_mode) ? "directory" : has_zip_magic(fd) ? "zip" : "json";
	if (r >= 0 && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		bh_diag_set(im->diag, name, 0, 0, "not a file or directory");
		r = -EBADMSG;
	}
	if (r >= 0 && S_ISREG(st.st_mode))
		r = file_sha256(fd, sha);
	if (r >= 0 && !streq(kind, "json"))
		r = add_source(im, name, kind, sha[0] ? sha : NULL);
	if (r >= 0) {
		if (S_ISDIR(st.st_mode))
			r = import_dir(im, fd, name, 0);
		else if (streq(kind, "zip"))
			r = import_zip(im, path, name);
		else
			r = import_named_file(im, fd, name, sha[0] ? sha : NULL);
	}
	close(fd);
	if (r >= 0)
		r = finish_source(im);
	return r;
}

/* mkdir -p for the database's directory (the default location may not exist yet). */
static int make_parent(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	char *dir = dirname(copy);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int fsync_dir_of(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int vuln_db_import(const char *db_path, char *const *paths, size_t n_paths,
		   const struct vuln_import_opts *opts, struct vuln_import_stats *ret_stats,
		   struct bh_diag *reterr_diag)
{
	struct bh_diag local = { 0 };
	struct bh_diag *diag = reterr_diag ? reterr_diag : &local;
	struct vuln_import_stats stats = { 0 };
	struct bh_limits defaults;
	const struct bh_limits *l = opts->limits;
	if (!l) {
		bh_limits_default(&defaults);
		l = &defaults;
	}
	int r = make_parent(db_path);
	if (r < 0) {
		bh_diag_set(diag, db_path, 0, 0, "cannot create its directory: %s", strerror(-r));
		return r;
	}
	/* The existing database, if any, must be one we can extend. */
	bool extend = false;
	if (!opts->replace && access(db_path, F_OK) == 0) {
		_cleanup_(vuln_db_freep) struct vuln_db *old = NULL;
		r = vuln_db_open(db_path, &old, diag);
		if (r < 0)
			return r;
		extend = true;
	}
	_cleanup_buf_ struct buf tmp;
	buf_init(&tmp, 8192);
	if ((r = buf_printf(&tmp, "%s.tmp-XXXXXX", db_path)) < 0)
		return r;
	int tfd = mkostemp(tmp.ptr, O_CLOEXEC);
	if (tfd < 0) {
		r = -errno;
		bh_diag_set(diag, db_path, 0, 0, "cannot create a temporary file: %s", strerror(-r));
		return r;
	}
	(void)fchmod(tfd, 0644);
	struct vuln_db *db = NULL;
	if (extend) {
		/* Copy the current database into the (empty) temporary file. */
		sqlite3 *src = NULL;
		int rc = sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READONLY, NULL);
		sqlite3_stmt *st = NULL;
		if (rc == SQLITE_OK)
			rc = sqlite3_prepare_v2(src, "VACUUM INTO ?", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 1, buf_str(&tmp), -1, SQLITE_STATIC);
			rc = sqlite3_step(st);
		}
		if (rc != SQLITE_DONE && rc != SQLITE_OK) {
			bh_diag_set(diag, db_path, 0, 0, "cannot copy the database: %s",
				    src ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
			r = -EIO;
		}
		sqlite3_finalize(st);
		sqlite3_close(src);
	}
	if (r >= 0)
		r = vuln_db_open_write(buf_str(&tmp), !extend, &db, diag);
	struct import im = { .db = db, .o = opts, .l = l, .total = &stats, .diag = diag };
	if (r >= 0)
		r = vuln_db_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN", diag);
	for (size_t i = 0; r >= 0 && i < n_paths; i++) {
		const char *name = opts->source_names && opts->source_names[i]
					   ? opts->source_names[i]
					   : paths[i];
		r = import_top(&im, paths[i], name);
	}
	if (r >= 0) {
		char now[32];
		r = bh_format_rfc3339(bh_now(NULL), now, sizeof(now));
		if (r >= 0)
			r = vuln_db_meta_set(db, "built", now);
		if (r >= 0)
			r = vuln_db_meta_set(db, "generator", "bulkhead " BULKHEAD_VERSION);
		if (r >= 0)
			r = vuln_db_exec(db, "COMMIT", diag);
	}
	if (db) {
		vuln_db_writer_done(db);
		vuln_db_free(db);
	}
	if (r >= 0 && fsync(tfd) < 0)
		r = -errno;
	close(tfd);
	if (r >= 0 && rename(buf_str(&tmp), db_path) < 0) {
		r = -errno;
		bh_diag_set(diag, db_path, 0, 0, "cannot replace: %s", strerror(-r));
	}
	if (r < 0) {
		(void)unlink(buf_str(&tmp));
		if (!diag->message[0])
			bh_diag_set(diag, db_path, 0, 0, "%s", strerror(-r));
		return r;
	}
	(void)fsync_dir_of(db_path);
	if (ret_stats)
		*ret_stats = stats;
	return 0;
}
