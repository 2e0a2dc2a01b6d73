/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rpm.c — RPM packages from the rpm database: rpmdb.sqlite (rpm >= 4.16), Packages.db
 * (NDB, SUSE) and Packages (BerkeleyDB hash, legacy), under var/lib/rpm/ or
 * usr/lib/sysimage/rpm/. The only file that calls librpm.
 *
 * Headers are always decoded by librpm. The containers: sqlite and BerkeleyDB are read by
 * librpm's own backends ("sqlite", "bdb_ro"), which need the database as a file, so the
 * captured bytes are written into a private mkdtemp() directory that is removed again
 * before returning. Debian's librpm is built without the NDB backend, so NDB is walked
 * here (slot pages -> blobs, every offset and length checked against the file) and each
 * blob is handed to headerImport(). A database librpm cannot open gives one warning
 * ("unsupported rpmdb format") and no packages; it never fails the run.
 *
 * librpm keeps global state (macros, log), so all use is serialised by one mutex, and
 * its log output is captured (debug log only) instead of reaching stderr.
 * Layer attribution is the database file's layer (no history: databases are large).
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <zlib.h>

#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmtd.h>
#include <rpm/rpmts.h>

#include "image/catalogers/catalog.h"

enum rpm_fmt {
	RPM_FMT_SQLITE,
	RPM_FMT_NDB,
	RPM_FMT_BDB,
	_RPM_FMT_MAX,
};

static const char *const rpm_dirs[] = { "var/lib/rpm/", "usr/lib/sysimage/rpm/" };

/* In the order rpm itself prefers them when several are present in one directory. */
static const struct {
	const char *file;
	enum rpm_fmt fmt;
	const char *backend;
} rpm_dbs[] = {
	{ "rpmdb.sqlite", RPM_FMT_SQLITE, "sqlite" },
	{ "Packages.db", RPM_FMT_NDB, "ndb" },
	{ "Packages", RPM_FMT_BDB, "bdb_ro" },
};

static unsigned rpm_want(struct span path, uint32_t mode, uint64_t size)
{
	for (size_t i = 0; i < ARRAY_SIZE(rpm_dirs); i++) {
		if (!span_startswith(path, rpm_dirs[i]))
			continue;
		struct span base = span_slice(path, strlen(rpm_dirs[i]), path.len);
		for (size_t j = 0; j < ARRAY_SIZE(rpm_dbs); j++)
			if (span_eq_str(base, rpm_dbs[j].file))
				return IMG_WANT_CONTENT;
		/* Transactions sqlite has not checkpointed into the database yet. */
		if (span_eq_str(base, "rpmdb.sqlite-wal"))
			return IMG_WANT_CONTENT;
	}
	return 0;
}

/* ---- packages from headers ------------------------------------------------------------ */

/* A package being assembled, with the relations still to resolve. */
struct rpm_ent {
	struct pkg *p;
	struct strv requires;
	struct strv provides;
};

struct rpm_state {
	struct img_catalog_ctx *ctx;
	const struct img_file *f;
	struct rpm_ent *v;
	size_t n, cap;
	size_t skipped; /* headers that could not be decoded */
};

static void rpm_state_done(struct rpm_state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		pkg_free(s->v[i].p);
		strv_done(&s->v[i].requires);
		strv_done(&s->v[i].provides);
	}
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int hdr_set(Header h, rpmTagVal tag, char **field)
{
	const char *s = headerGetString(h, tag);
	return s && *s ? pkg_set(field, s) : 0;
}

/* Append the strings of an array tag; skip_dirs drops entries whose FILEMODES say dir. */
static int hdr_strings(Header h, rpmTagVal tag, struct strv *out, bool skip_dirs)
{
	struct rpmtd_s td, modes;
	if (!headerGet(h, tag, &td, HEADERGET_MINMEM | HEADERGET_EXT))
		return 0;
	bool have_modes = skip_dirs && headerGet(h, RPMTAG_FILEMODES, &modes, HEADERGET_MINMEM);
	if (have_modes && rpmtdCount(&modes) != rpmtdCount(&td)) {
		rpmtdFreeData(&modes);
		have_modes = false;
	}
	int r = 0;
	const char *s;
	while (r == 0 && (s = rpmtdNextString(&td))) {
		if (have_modes) {
			(void)rpmtdSetIndex(&modes, rpmtdGetIndex(&td));
			const uint16_t *m = rpmtdGetUint16(&modes);
			if (m && S_ISDIR(*m))
				continue;
		}
		r = strv_push(out, s);
	}
	if (have_modes)
		rpmtdFreeData(&modes);
	rpmtdFreeData(&td);
	return r;
}

/* "glibc-2.34-2.cm2.src.rpm" -> name "glibc", version "2.34-2.cm2". */
static bool split_srpm(struct span s, struct span *ret_name, struct span *ret_evr)
{
	if (span_endswith(s, ".src.rpm"))
		s.len -= strlen(".src.rpm");
	else if (span_endswith(s, ".nosrc.rpm"))
		s.len -= strlen(".nosrc.rpm");
	else
		return false;
	size_t dashes = 0, i = s.len;
	while (i > 0) {
		i--;
		if (s.ptr[i] == '-' && ++dashes == 2)
			break;
	}
	if (dashes != 2 || i == 0 || i + 1 >= s.len)
		return false;
	*ret_name = span_slice(s, 0, i);
	*ret_evr = span_slice(s, i + 1, s.len);
	return true;
}

static int rpm_add_header(struct rpm_state *s, Header h)
{
	const char *name = headerGetString(h, RPMTAG_NAME);
	const char *ver = headerGetString(h, RPMTAG_VERSION);
	const char *rel = headerGetString(h, RPMTAG_RELEASE);
	if (!name || !*name || !ver || !*ver) {
		s->skipped++;
		return 0;
	}
	/* Imported signing keys are recorded as pseudo-packages. */
	if (streq(name, "gpg-pubkey"))
		return 0;
	if (s->n >= s->ctx->limits->max_packages)
		return -E2BIG;
	_cleanup_(pkg_freep) struct pkg *p = pkg_new(PKG_RPM);
	if (!p || pkg_set(&p->name, name) < 0)
		return -ENOMEM;
	struct buf v;
	buf_init(&v, 0);
	int r = rel && *rel ? buf_printf(&v, "%s-%s", ver, rel) : buf_puts(&v, ver);
	if (r < 0) {
		buf_done(&v);
		return r;
	}
	p->version = buf_take(&v);
	if (headerIsEntry(h, RPMTAG_EPOCH)) {
		p->has_epoch = true;
		p->epoch = (uint32_t)headerGetNumber(h, RPMTAG_EPOCH);
	}
	r = hdr_set(h, RPMTAG_ARCH, &p->arch);
	if (r == 0)
		r = hdr_set(h, RPMTAG_SUMMARY, &p->description);
	if (r == 0)
		r = hdr_set(h, RPMTAG_URL, &p->homepage);
	if (r == 0)
		r = hdr_set(h, RPMTAG_VENDOR, &p->supplier);
	if (r == 0 && !p->supplier)
		r = hdr_set(h, RPMTAG_PACKAGER, &p->supplier);
	const char *lic = headerGetString(h, RPMTAG_LICENSE);
	if (r == 0 && lic && *lic)
		r = strv_push(&p->licenses, lic);
	const char *srpm = headerGetString(h, RPMTAG_SOURCERPM);
	struct span sn, sv;
	if (r == 0 && srpm && split_srpm(span_from(srpm), &sn, &sv)) {
		if (!span_eq_str(sn, p->name))
			r = pkg_set_span(&p->source_name, sn);
		if (r == 0 && !span_eq_str(sv, p->version))
			r = pkg_set_span(&p->source_version, sv);
	}
	if (r == 0)
		r = hdr_strings(h, RPMTAG_FILENAMES, &p->files, true);
	if (r < 0)
		return r;
	if (GROW(s->v, s->n, s->cap) < 0)
		return -ENOMEM;
	struct rpm_ent *e = &s->v[s->n];
	*e = (struct rpm_ent){ 0 };
	r = hdr_strings(h, RPMTAG_REQUIRENAME, &e->requires, false);
	if (r == 0)
		r = hdr_strings(h, RPMTAG_PROVIDENAME, &e->provides, false);
	if (r < 0) {
		strv_done(&e->requires);
		strv_done(&e->provides);
		return r;
	}
	e->p = TAKE_PTR(p);
	s->n++;
	return 0;
}

/* ---- dependency resolution ------------------------------------------------------------ */

struct rpm_key {
	const char *key;
	size_t ent;
	int kind; /* 0 package name, 1 provide, 2 file: names win over provides over files */
};

static int key_cmp(const void *x, const void *y)
{
	const struct rpm_key *a = x, *b = y;
	int c = strcmp(a->key, b->key);
	if (c)
		return c;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->ent < b->ent ? -1 : a->ent > b->ent ? 1 : 0;
}

static const struct rpm_key *key_find(const struct rpm_key *v, size_t n, const char *k)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].key, k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && streq(v[lo].key, k) ? &v[lo] : NULL;
}

static bool looks_like_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!ascii_isalnum((unsigned char)*s) && !strchr("-._+", *s))
			return false;
	return true;
}

/*
 * Requirements become package names: a package name, the package providing a capability
 * ("libc.so.6()(64bit)", "config(x)") or owning a required file ("/bin/sh"). rpmlib()
 * features and unresolvable capabilities are dropped; unresolved plain names are kept.
 */
static int rpm_resolve(struct rpm_state *s)
{
	struct rpm_key *keys = NULL;
	size_t n = 0, cap = 0;
	int r = 0;
	for (size_t i = 0; i < s->n && r == 0; i++) {
		const struct rpm_ent *e = &s->v[i];
		const struct strv *lists[] = { NULL, &e->provides, &e->p->files };
		if (GROW(keys, n, cap) < 0) {
			r = -ENOMEM;
			break;
		}
		keys[n++] = (struct rpm_key){ e->p->name, i, 0 };
		for (int k = 1; k < 3 && r == 0; k++)
			for (size_t j = 0; j < lists[k]->n; j++) {
				if (GROW(keys, n, cap) < 0) {
					r = -ENOMEM;
					break;
				}
				keys[n++] = (struct rpm_key){ lists[k]->v[j], i, k };
			}
	}
	if (r == 0 && n)
		qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < s->n && r == 0; i++) {
		struct rpm_ent *e = &s->v[i];
		for (size_t j = 0; j < e->requires.n && r == 0; j++) {
			const char *req = e->requires.v[j];
			if (!strncmp(req, "rpmlib(", 7))
				continue;
			const struct rpm_key *hit = key_find(keys, n, req);
			const char *pick = hit ? s->v[hit->ent].p->name
					       : looks_like_name(req) ? req : NULL;
			if (pick && !streq(pick, e->p->name))
				r = strv_push_uniq(&e->p->depends, pick);
		}
	}
	free(keys);
	return r;
}

/* ---- librpm plumbing ------------------------------------------------------------------ */

static pthread_mutex_t rpm_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t rpm_once = PTHREAD_ONCE_INIT;
static bool rpm_config_ok;

/* Log capture while a database is read (under rpm_lock). */
static unsigned rpm_log_problems;

static int rpm_log_cb(rpmlogRec rec, rpmlogCallbackData data)
{
	rpmlogLvl pri = rpmlogRecPriority(rec);
	const char *msg = rpmlogRecMessage(rec);
	if (pri <= RPMLOG_WARNING)
		rpm_log_problems++;
	log_debug("librpm: %s", msg ? msg : "");
	return 0; /* handled: nothing reaches stderr */
}

static void rpm_init_once(void)
{
	rpmlogCallback old = rpmlogSetCallback(rpm_log_cb, NULL);
	rpm_config_ok = rpmReadConfigFiles(NULL, NULL) == 0;
	rpmlogSetCallback(old, NULL);
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len > (1u << 30) ? (1u << 30) : len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Remove everything in dir (librpm may add -wal/-shm/__db files), then dir itself. */
static void tmpdir_remove(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd >= 0) {
		DIR *d = fdopendir(dfd);
		if (!d)
			(void)close(dfd);
		else {
			struct dirent *de;
			while ((de = readdir(d))) {
				if (streq(de->d_name, ".") || streq(de->d_name, ".."))
					continue;
				if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno == EISDIR)
					(void)unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
			}
			closedir(d);
		}
	}
	if (rmdir(dir) < 0)
		log_debug("rpm: cannot remove temporary directory '%s': %m", dir);
}

static int write_file(const char *dir, const char *name, const struct img_blob *b)
{
	_cleanup_buf_ struct buf file;
	buf_init(&file, 0);
	int r = buf_printf(&file, "%s/%s", dir, name);
	if (r < 0)
		return r;
	int fd = open(file.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, b->data, b->len);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

/*
 * librpm's sqlite backend leaks its connection when a file turns out not to be an rpm
 * database, so only plausible ones reach it: the sqlite header (magic, a power-of-two
 * page size, whole pages) and rpm's Packages table named somewhere in the schema.
 */
static bool sqlite_plausible(const struct img_blob *b)
{
	static const char magic[16] = "SQLite format 3";
	if (b->len < 512 || memcmp(b->data, magic, sizeof(magic)) != 0)
		return false;
	uint32_t page = (uint32_t)b->data[16] << 8 | b->data[17];
	if (page == 1)
		page = 65536;
	if (page < 512 || (page & (page - 1)) || b->len % page)
		return false;
	return memmem(b->data, b->len, "'Packages'", 10) ||
	       memmem(b->data, b->len, "Packages(", 9) || memmem(b->data, b->len, "Packages (", 10);
}

/*
 * Read a sqlite or BerkeleyDB database with librpm's backend; wal is the sqlite
 * write-ahead log found next to the database, or NULL. Called under rpm_lock.
 */
static int rpm_read_librpm(struct rpm_state *s, const struct img_blob *b,
			   const struct img_blob *wal, size_t db)
{
	if (!rpm_config_ok || (rpm_dbs[db].fmt == RPM_FMT_SQLITE && !sqlite_plausible(b)))
		return -EOPNOTSUPP;
	const char *tmp = secure_getenv("TMPDIR");
	if (!tmp || !*tmp || tmp[0] != '/' || strchr(tmp, '%'))
		tmp = "/tmp";
	_cleanup_buf_ struct buf dir;
	buf_init(&dir, 4096);
	int r = buf_printf(&dir, "%s/bulkhead-rpm-XXXXXX", tmp);
	if (r < 0)
		return r == -ENOMEM ? r : -EIO;
	if (!mkdtemp(dir.ptr))
		return log_debug_errno(-errno, "rpm: cannot create a temporary directory: %m");
	r = write_file(dir.ptr, rpm_dbs[db].file, b);
	if (r == 0 && wal && rpm_dbs[db].fmt == RPM_FMT_SQLITE)
		r = write_file(dir.ptr, "rpmdb.sqlite-wal", wal);
	if (r < 0) {
		tmpdir_remove(dir.ptr);
		return r == -ENOMEM ? r : log_debug_errno(r, "rpm: cannot write database: %m");
	}

	rpmPushMacro(NULL, "_dbpath", NULL, dir.ptr, RMIL_CMDLINE);
	rpmPushMacro(NULL, "_db_backend", NULL, rpm_dbs[db].backend, RMIL_CMDLINE);
	rpmts ts = rpmtsCreate();
	r = 0;
	if (!ts)
		r = -ENOMEM;
	else {
		(void)rpmtsSetRootDir(ts, "/");
		(void)rpmtsSetVSFlags(ts, _RPMVSF_NOSIGNATURES | _RPMVSF_NODIGESTS);
		if (rpmtsOpenDB(ts, O_RDONLY) != 0)
			r = -EOPNOTSUPP;
	}
	if (r == 0) {
		rpmdbMatchIterator mi = rpmtsInitIterator(ts, RPMDBI_PACKAGES, NULL, 0);
		Header h;
		if (!mi)
			r = -EOPNOTSUPP;
		while (mi && r == 0 && (h = rpmdbNextIterator(mi)))
			r = rpm_add_header(s, h);
		rpmdbFreeIterator(mi);
	}
	if (ts) {
		(void)rpmtsCloseDB(ts);
		rpmtsFree(ts);
	}
	rpmPopMacro(NULL, "_db_backend");
	rpmPopMacro(NULL, "_dbpath");
	tmpdir_remove(dir.ptr);
	return r;
}

/* ---- NDB (Packages.db) ---------------------------------------------------------------- */

/*
 * Layout (rpm lib/backend/ndb/rpmpkg.c), all little-endian:
 *   offset 0: header, 32 bytes: magic "RpmP", version 0, generation, slot pages, next idx
 *   slot pages (4096 bytes each, the first starts after the header): 16-byte slots
 *     "Slot", package index, block offset, block count (blocks are 16 bytes; offset 0 =
 *     free slot)
 *   blob at offset*16: "BlbS", package index, timestamp, length; the header bytes;
 *     zero padding; tail: adler32 of everything before it, length, "BlbE".
 */
#define NDB_PAGE 4096u
#define NDB_BLK 16u
#define NDB_HEAD 16u
#define NDB_TAIL 12u

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool magic_is(const unsigned char *p, const char m[4])
{
	return memcmp(p, m, 4) == 0;
}

struct ndb_slot {
	uint32_t idx;
	uint64_t start, size; /* bytes */
};

static int slot_cmp(const void *x, const void *y)
{
	const struct ndb_slot *a = x, *b = y;
	return a->start < b->start ? -1 : a->start > b->start ? 1 : 0;
}

/* Decode one blob: its head, tail and checksum must agree with its slot. */
static int ndb_blob(struct rpm_state *s, const unsigned char *d, const struct ndb_slot *sl)
{
	const unsigned char *blob = d + sl->start;
	uint64_t blen = le32(blob + 12);
	const unsigned char *tail = blob + sl->size - NDB_TAIL;
	if (!magic_is(blob, "BlbS") || le32(blob + 4) != sl->idx || blen < 8 ||
	    (NDB_HEAD + blen + NDB_TAIL + NDB_BLK - 1) / NDB_BLK * NDB_BLK != sl->size ||
	    le32(tail + 4) != blen || !magic_is(tail + 8, "BlbE") ||
	    le32(tail) != (uint32_t)adler32_z(1, blob, (size_t)(sl->size - NDB_TAIL))) {
		s->skipped++;
		return 0;
	}
	Header h = headerImport((void *)(blob + NDB_HEAD), (unsigned)blen, HEADERIMPORT_COPY);
	if (!h) {
		s->skipped++;
		return 0;
	}
	int r = rpm_add_header(s, h);
	headerFree(h);
	return r;
}

/*
 * Called under rpm_lock (headerImport allocates through librpm). Slots are checked
 * against the file and against each other: blobs may not overlap (rpm treats that as
 * corruption), which also keeps the work linear in the file size.
 */
static int rpm_read_ndb(struct rpm_state *s, const struct img_blob *b)
{
	const unsigned char *d = b->data;
	uint64_t len = b->len;
	if (len < NDB_PAGE || !magic_is(d, "RpmP") || le32(d + 4) != 0)
		return -EOPNOTSUPP;
	uint64_t npages = le32(d + 12);
	if (npages == 0 || npages * NDB_PAGE > len)
		return -EBADMSG;
	uint64_t min_blk = npages * (NDB_PAGE / NDB_BLK);
	struct ndb_slot *slots = NULL;
	size_t n = 0, cap = 0;
	int r = 0;
	for (uint64_t off = 32; off < npages * NDB_PAGE; off += 16) {
		const unsigned char *slot = d + off;
		if (!magic_is(slot, "Slot")) {
			r = -EBADMSG;
			break;
		}
		uint32_t idx = le32(slot + 4);
		uint64_t blk = le32(slot + 8), cnt = le32(slot + 12);
		if (blk == 0)
			continue; /* free slot */
		uint64_t start = blk * NDB_BLK, size = cnt * NDB_BLK;
		if (idx == 0 || blk < min_blk || size < NDB_HEAD + NDB_TAIL || start > len ||
		    size > len - start) {
			s->skipped++;
			continue;
		}
		if (GROW(slots, n, cap) < 0) {
			r = -ENOMEM;
			break;
		}
		slots[n++] = (struct ndb_slot){ idx, start, size };
	}
	if (r == 0 && n)
		qsort(slots, n, sizeof(*slots), slot_cmp);
	uint64_t end = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (slots[i].start < end) {
			s->skipped++;
			continue;
		}
		end = slots[i].start + slots[i].size;
		r = ndb_blob(s, d, &slots[i]);
	}
	free(slots);
	return r;
}

/* ---- the cataloger -------------------------------------------------------------------- */

/* Read one database into s. 0, -EOPNOTSUPP (unreadable), -EBADMSG, -ENOMEM, -E2BIG. */
static int rpm_read_db(struct rpm_state *s, const struct img_blob *b, const struct img_blob *wal,
		       size_t db)
{
	pthread_once(&rpm_once, rpm_init_once);
	pthread_mutex_lock(&rpm_lock);
	rpm_log_problems = 0;
	rpmlogCallback old = rpmlogSetCallback(rpm_log_cb, NULL);
	int r = rpm_dbs[db].fmt == RPM_FMT_NDB ? rpm_read_ndb(s, b)
							 : rpm_read_librpm(s, b, wal, db);
	/* librpm falls back to an empty "dummy" database when it cannot open one. */
	if (r == 0 && s->n == 0 && rpm_log_problems > 0)
		r = -EOPNOTSUPP;
	rpmlogSetCallback(old, NULL);
	rpmlogClose(); /* frees the records librpm kept */
	pthread_mutex_unlock(&rpm_lock);
	return r;
}

static int rpm_catalog_one(struct img_catalog_ctx *ctx, const char *dir, const struct img_file *f,
			   size_t db)
{
	const struct img_blob *b = img_catalog_content(ctx, f);
	if (!b) {
		img_catalog_warn(ctx, f->path, 0, "rpm database not captured (too large?)");
		return -ENOENT;
	}
	const struct img_blob *wal = NULL;
	char path[64];
	const struct img_file *wf;
	if (rpm_dbs[db].fmt == RPM_FMT_SQLITE &&
	    xsnprintf(path, sizeof(path), "%srpmdb.sqlite-wal", dir) == 0 &&
	    img_fs_resolve(ctx->fs, path, &wf) == 0 && wf->type == IMG_FT_REG)
		wal = img_catalog_content(ctx, wf);
	struct rpm_state s = { .ctx = ctx, .f = f };
	int r = rpm_read_db(&s, b, wal, db);
	if (r == -ENOMEM || r == -E2BIG) {
		rpm_state_done(&s);
		return r;
	}
	if (r < 0 && !rpm_config_ok && rpm_dbs[db].fmt != RPM_FMT_NDB) {
		img_catalog_warn(ctx, f->path, 0,
				 "cannot read the %s database: librpm found no configuration "
				 "(/usr/lib/rpm/rpmrc, from the rpm-common package)",
				 rpm_dbs[db].backend);
		rpm_state_done(&s);
		return -EOPNOTSUPP;
	}
	if (r < 0) {
		img_catalog_warn(ctx, f->path, 0, "unsupported rpmdb format (%s %s database)",
				 r == -EBADMSG ? "corrupt" : "unreadable", rpm_dbs[db].backend);
		rpm_state_done(&s);
		return -EOPNOTSUPP;
	}
	if (s.skipped)
		img_catalog_warn(ctx, f->path, 0, "%zu undecodable package header(s)", s.skipped);
	r = rpm_resolve(&s);
	for (size_t i = 0; r == 0 && i < s.n; i++)
		r = img_catalog_add(ctx, f, TAKE_PTR(s.v[i].p));
	rpm_state_done(&s);
	return r;
}

static int rpm_catalog(struct img_catalog_ctx *ctx)
{
	const struct img_file *done[ARRAY_SIZE(rpm_dirs) * ARRAY_SIZE(rpm_dbs)];
	size_t n_done = 0;
	for (size_t i = 0; i < ARRAY_SIZE(rpm_dirs); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(rpm_dbs); j++) {
			char path[64];
			if (xsnprintf(path, sizeof(path), "%s%s", rpm_dirs[i], rpm_dbs[j].file) < 0)
				continue;
			const struct img_file *f;
			if (img_fs_resolve(ctx->fs, path, &f) < 0 || f->type != IMG_FT_REG)
				continue;
			bool seen = false;
			for (size_t k = 0; k < n_done; k++)
				seen = seen || done[k] == f;
			if (seen)
				break; /* var/lib/rpm is a link to usr/lib/sysimage/rpm */
			done[n_done++] = f;
			int r = rpm_catalog_one(ctx, rpm_dirs[i], f, j);
			if (r == -ENOMEM || r == -E2BIG)
				return r;
			if (r == 0)
				break; /* rpm uses one database per directory */
		}
	}
	return 0;
}

const struct img_cataloger img_cataloger_rpm = {
	.name = "rpm",
	.want = rpm_want,
	.catalog = rpm_catalog,
};
