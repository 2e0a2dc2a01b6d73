/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-db-update.c — `bulkhead db update`: download OSV's per-ecosystem all.zip archives
 * over HTTPS and import them into the vulnerability database in one atomic import.
 *
 * Every archive is downloaded into a private temporary directory (mode 0700, files 0600)
 * first; only when all of them arrived and look like zip archives is vuln_db_import()
 * called, once, so a network failure half-way never leaves a database that mixes old and
 * new advisories. The directory is removed at the end whatever happens, including on
 * SIGINT/SIGTERM/SIGHUP. Only HTTPS is spoken (redirects included), TLS verification is
 * never turned off (--cacert names the CA bundle to trust instead), and a download is
 * bounded in size (zip-max-bytes), redirects, connect time and minimum speed.
 *
 * The OSV mirror layout (MIRROR/<ecosystem>/all.zip) has no place for other files, so the
 * CISA KEV catalog and FIRST EPSS scores are fetched from URLs named with --kev and --epss
 * (bounded by input-max-bytes; the importer recognises them by content) and imported in the
 * same atomic import. With --store (or BULKHEAD_STORE) the change is recorded as a
 * "config.vulndb.update" audit record.
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "cli/cli.h"
#include "cli/cmd-db.h"
#include "vuln/db.h"
#include "vuln/ecosystem.h"

#define UPDATE_DEFAULT_MIRROR "https://osv-vulnerabilities.storage.googleapis.com"
#define UPDATE_MAX_REDIRS 5L
#define UPDATE_CONNECT_TIMEOUT 30L
#define UPDATE_LOW_SPEED_BYTES 1024L /* abort when slower than this ... */
#define UPDATE_LOW_SPEED_TIME 60L    /* ... for this many seconds */
#define UPDATE_URL_MAX 4096

enum update_kind {
	UPDATE_ZIP,  /* an ecosystem's all.zip from the mirror; absent (404) is a warning */
	UPDATE_FILE, /* --kev / --epss: a file that must be there */
};

/* One requested ecosystem (or exploitation data file) and where its download goes. */
struct update_item {
	enum update_kind kind;
	const char *ecosystem; /* borrowed: the ecosystem table's name; the option for a file */
	char *url;             /* owned: what is downloaded */
	char *shown;           /* owned: url without credentials, for messages */
	char *name;            /* owned: file name inside the temporary directory */
	char *path;            /* owned: directory + name, handed to the importer */
	bool present;          /* downloaded (false: the mirror does not have it) */
};

/*
 * What the signal handler removes. Filled completely before `ready` is set, read only
 * by the handler and by tmp_remove(); unlinkat() and rmdir() are async-signal-safe.
 */
static struct {
	volatile sig_atomic_t ready;
	int dirfd;
	const char *dir;
	struct update_item *items;
	size_t n;
} tmp_state = { .dirfd = -1 };

static void tmp_remove(void)
{
	if (!tmp_state.ready)
		return;
	tmp_state.ready = 0;
	for (size_t i = 0; i < tmp_state.n; i++)
		(void)unlinkat(tmp_state.dirfd, tmp_state.items[i].name, 0);
	(void)rmdir(tmp_state.dir);
}

static void on_signal(int sig)
{
	tmp_remove();
	/* SA_RESETHAND restored the default action: the process ends by this signal. */
	(void)raise(sig);
}

static const int update_signals[] = { SIGINT, SIGTERM, SIGHUP };

struct sink {
	CURL *curl;
	int fd;
	uint64_t bytes; /* received, kept or not */
	uint64_t max;
	bool too_big;
	int err; /* -errno of a failed write */
};

/* curl write callback: keep the body of a 200 response, count everything against max. */
static size_t sink_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb; /* size is always 1 (libcurl's contract) */
	if (n > s->max - s->bytes) {
		s->too_big = true;
		return 0;
	}
	s->bytes += n;
	long code = 0;
	(void)curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200)
		return n; /* an error page: read but not kept */
	for (size_t done = 0; done < n;) {
		ssize_t w = write(s->fd, data + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->err = w < 0 ? -errno : -EIO;
			return 0;
		}
		done += (size_t)w;
	}
	return n;
}

/* Percent-encode everything but RFC 3986 unreserved characters ("Red Hat" → "Red%20Hat"). */
static int url_escape(const char *s, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;
	for (const unsigned char *p = (const unsigned char *)s; r >= 0 && *p; p++) {
		if (ascii_isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~')
			r = buf_putc(out, (char)*p);
		else
			r = buf_putc(out, '%') ?: buf_putc(out, hex[*p >> 4]) ?:
			    buf_putc(out, hex[*p & 15]);
	}
	return r;
}

/* The URL without its user-information part: credentials are never logged. */
static int url_redact(const char *url, struct buf *out)
{
	const char *auth = strstr(url, "://");
	if (!auth)
		return buf_puts(out, url);
	auth += 3;
	size_t alen = strcspn(auth, "/");
	const char *at = memrchr(auth, '@', alen);
	if (!at)
		return buf_puts(out, url);
	return buf_append(out, url, (size_t)(auth - url)) ?: buf_puts(out, "***") ?:
	       buf_puts(out, at);
}

/*
 * Check --mirror and write the base URL (scheme in lower case, no trailing '/') to base.
 * -EINVAL with one error logged when it is not a usable https:// URL.
 */
static int mirror_base(const char *opt, const char *mirror, struct buf *base)
{
	_cleanup_buf_ struct buf shown;
	buf_init(&shown, UPDATE_URL_MAX);
	if (url_redact(mirror, &shown) < 0)
		return log_error_errno(-EINVAL, "%s: URL too long (at most %d bytes)", opt,
				       UPDATE_URL_MAX);
	struct span m = span_from(mirror);
	if (!span_eq_nocase(span_slice(m, 0, 8), span_from("https://")))
		return log_error_errno(-EINVAL,
				       "%s '%s': only https:// %s are supported", opt,
				       buf_str(&shown), streq(opt, "--mirror") ? "mirrors" : "URLs");
	struct span rest = span_slice(m, 8, m.len - 8);
	while (rest.len > 0 && rest.ptr[rest.len - 1] == '/')
		rest.len--;
	if (rest.len == 0 || rest.ptr[0] == '/')
		return log_error_errno(-EINVAL, "%s '%s': no host name", opt,
				       buf_str(&shown));
	for (size_t i = 0; i < rest.len; i++) {
		unsigned char c = (unsigned char)rest.ptr[i];
		if (c <= 0x20 || c == 0x7f || c == '?' || c == '#' || c == '\\')
			return log_error_errno(-EINVAL, "%s '%s': spaces, control "
					       "characters, '?', '#' and '\\' are not allowed",
					       opt, buf_str(&shown));
	}
	if (buf_puts(base, "https://") < 0 || buf_append_span(base, rest) < 0)
		return log_error_errno(-EINVAL, "%s: URL too long (at most %d bytes)", opt,
				       UPDATE_URL_MAX);
	return 0;
}

/* Add ecosystem name to the request list (once); -EINVAL logged when it is not matched. */
static int want_ecosystem(const char *name, const char ***list, size_t *n, size_t *cap)
{
	const struct vuln_ecosystem *e = vuln_ecosystem_find(span_from(name));
	if (!e) {
		_cleanup_buf_ struct buf known;
		buf_init(&known, 0);
		for (size_t i = 0; i < vuln_ecosystem_count(); i++)
			if (buf_printf(&known, "%s'%s'", i ? ", " : "",
				       vuln_ecosystem_at(i)->name) < 0)
				return -ENOMEM;
		log_error("unknown ecosystem '%s' (one of %s)", name, buf_str(&known));
		return -EINVAL;
	}
	for (size_t i = 0; i < *n; i++)
		if ((*list)[i] == e->name)
			return 0;
	if (GROW(*list, *n, *cap) < 0)
		return -ENOMEM;
	(*list)[(*n)++] = e->name;
	return 0;
}

static int db_path(const char *given, char **ret)
{
	if (given) {
		*ret = strdup(given);
		return *ret ? 0 : -ENOMEM;
	}
	int r = vuln_db_default_path(ret);
	if (r == -ENOENT)
		log_error("no default database location "
			  "(set BULKHEAD_HOME or HOME, or use --db FILE)");
	return r;
}

struct update {
	struct update_item *items;
	size_t n;
	struct buf dir;    /* the temporary directory */
	struct buf mirror; /* the mirror's base URL without credentials, for messages */
};

static void update_done(struct update *u)
{
	tmp_remove();
	if (tmp_state.dirfd >= 0)
		(void)close(tmp_state.dirfd);
	tmp_state.dirfd = -1;
	for (size_t i = 0; i < u->n; i++) {
		free(u->items[i].url);
		free(u->items[i].shown);
		free(u->items[i].name);
		free(u->items[i].path);
	}
	free(u->items);
	buf_done(&u->dir);
	buf_done(&u->mirror);
}

static int dup_printf(char **ret, const char *fmt, ...) _printf_(2, 3);
static int dup_printf(char **ret, const char *fmt, ...)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, PATH_MAX);
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

/* Create the private temporary directory and name every item's file in it. */
static int update_prepare(struct update *u)
{
	const char *tmp = secure_getenv("TMPDIR");
	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	int r = buf_printf(&u->dir, "%s/bulkhead-update-XXXXXX", tmp);
	if (r < 0)
		return log_error_errno(r, "TMPDIR '%s': path too long", tmp);
	for (size_t i = 0; i < u->n; i++)
		if ((r = dup_printf(&u->items[i].name, "%zu.%s", i,
				    u->items[i].kind == UPDATE_ZIP ? "zip" : "data")) < 0)
			return log_error_errno(r, "out of memory");
	/* No signal between creating the directory and telling the handler about it. */
	sigset_t block, saved;
	sigemptyset(&block);
	for (size_t i = 0; i < ARRAY_SIZE(update_signals); i++)
		sigaddset(&block, update_signals[i]);
	(void)sigprocmask(SIG_BLOCK, &block, &saved);
	int fd = -1;
	r = mkdtemp(u->dir.ptr) ? 0 : -errno;
	if (r == 0) {
		fd = open(u->dir.ptr, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			(void)rmdir(u->dir.ptr);
		}
	}
	if (r == 0) {
		tmp_state.dirfd = fd;
		tmp_state.dir = u->dir.ptr;
		tmp_state.items = u->items;
		tmp_state.n = u->n;
		tmp_state.ready = 1;
	}
	(void)sigprocmask(SIG_SETMASK, &saved, NULL);
	if (r < 0)
		return log_error_errno(r, "cannot create a temporary directory in '%s': %m", tmp);
	for (size_t i = 0; i < u->n; i++)
		if ((r = dup_printf(&u->items[i].path, "%s/%s", u->dir.ptr, u->items[i].name)) < 0)
			return log_error_errno(r, "out of memory");
	return 0;
}

/* Set the options every download shares. 0 or -ENOMEM (curl's only failure here). */
static int curl_setup(CURL *c, const char *cacert, char *errbuf)
{
	CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
	do {                                                                                       \
		if (rc == CURLE_OK)                                                                \
			rc = curl_easy_setopt(c, opt, val);                                        \
	} while (0)
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85: the _STR forms; the bitmask ones are deprecated */
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	SET(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
	SET(CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (cacert)
		SET(CURLOPT_CAINFO, cacert);
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, UPDATE_MAX_REDIRS);
	SET(CURLOPT_CONNECTTIMEOUT, UPDATE_CONNECT_TIMEOUT);
	SET(CURLOPT_LOW_SPEED_LIMIT, UPDATE_LOW_SPEED_BYTES);
	SET(CURLOPT_LOW_SPEED_TIME, UPDATE_LOW_SPEED_TIME);
	SET(CURLOPT_USERAGENT, "bulkhead/" BULKHEAD_VERSION);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_WRITEFUNCTION, sink_write);
#undef SET
	return rc == CURLE_OK ? 0 : -ENOMEM;
}

/*
 * Whether a --kev / --epss download starts the way such a file does (the importer checks it
 * whole; this keeps, say, an OSV all.zip named by mistake from being imported as advisories).
 */
static bool file_looks_right(int fd, const char *opt)
{
	char head[32];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	if (n <= 0)
		return false;
	struct span h = span_make(head, (size_t)n);
	if (streq(opt, "--kev")) {
		size_t i = 0;
		while (i < h.len && ascii_isspace((unsigned char)h.ptr[i]))
			i++;
		return i < h.len && h.ptr[i] == '{';
	}
	return (h.len >= 2 && (unsigned char)h.ptr[0] == 0x1f && (unsigned char)h.ptr[1] == 0x8b) ||
	       span_startswith(h, "#model_version:") || span_startswith(h, "cve,epss,percentile");
}

/*
 * Download one item into its file. 0 (item->present tells whether the mirror had it), or a
 * -errno with diag naming the URL: -EBADMSG not a zip archive, -E2BIG over zip-max-bytes,
 * -EHOSTUNREACH for network, TLS and HTTP failures, other -errno for local ones.
 */
static int download(CURL *c, char *errbuf, struct update_item *it, uint64_t max,
		    struct bh_diag *diag)
{
	_cleanup_close_ int fd = openat(tmp_state.dirfd, it->name,
					O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int r = -errno;
		bh_diag_set(diag, it->path, 0, 0, "cannot create: %s", strerror(-r));
		return r;
	}
	struct sink s = { .curl = c, .fd = fd, .max = max };
	errbuf[0] = '\0';
	CURLcode rc = curl_easy_setopt(c, CURLOPT_URL, it->url);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
				      (curl_off_t)MIN(max, (uint64_t)INT64_MAX));
	if (rc == CURLE_OK)
		rc = curl_easy_perform(c);
	if (s.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		bh_diag_set(diag, it->shown, 0, 0, "larger than %llu bytes (%s)",
			    (unsigned long long)max,
			    it->kind == UPDATE_ZIP ? "zip-max-bytes" : "input-max-bytes");
		return -E2BIG;
	}
	if (s.err < 0) {
		bh_diag_set(diag, it->path, 0, 0, "cannot write: %s", strerror(-s.err));
		return s.err;
	}
	if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
		bh_diag_set(diag, it->shown, 0, 0,
			    "redirected to a URL that is not https, refusing (%s)",
			    errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return -EHOSTUNREACH;
	}
	if (rc != CURLE_OK) {
		bh_diag_set(diag, it->shown, 0, 0, "%s",
			    errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return rc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EHOSTUNREACH;
	}
	long code = 0;
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code == 404 && it->kind == UPDATE_ZIP) {
		log_warning("%s: not found on the mirror (HTTP 404), skipping ecosystem '%s'",
			    it->shown, it->ecosystem);
		return 0;
	}
	if (code != 200) {
		bh_diag_set(diag, it->shown, 0, 0, "HTTP status %ld", code);
		return -EHOSTUNREACH;
	}
	if (fsync(fd) < 0) {
		int r = -errno;
		bh_diag_set(diag, it->path, 0, 0, "cannot write: %s", strerror(-r));
		return r;
	}
	unsigned char m[4];
	if (it->kind == UPDATE_ZIP && (s.bytes < 4 || pread(fd, m, 4, 0) != 4 || m[0] != 'P' ||
					m[1] != 'K' || m[2] != 3 || m[3] != 4)) {
		bh_diag_set(diag, it->shown, 0, 0, "not a zip archive (%llu bytes received)",
			    (unsigned long long)s.bytes);
		return -EBADMSG;
	}
	if (it->kind == UPDATE_FILE && !file_looks_right(fd, it->ecosystem)) {
		bh_diag_set(diag, it->shown, 0, 0, "not %s (%llu bytes received)",
			    streq(it->ecosystem, "--kev") ? "a KEV catalog (JSON object)"
							  : "an EPSS CSV (plain or gzip)",
			    (unsigned long long)s.bytes);
		return -EBADMSG;
	}
	log_info("%s: %llu bytes", it->shown, (unsigned long long)s.bytes);
	it->present = true;
	return 0;
}

/* Download everything, then import what the mirror had. Returns the exit code. */
static int update_run(struct update *u, const char *path, const char *cacert,
		      const char *store_spec, struct cli_ctx *ctx)
{
	struct bh_diag diag = { 0 };
	char line[1200];
	if (update_prepare(u) < 0)
		return CLI_EXIT_RUNTIME;
	CURL *c = curl_easy_init();
	char errbuf[CURL_ERROR_SIZE];
	if (!c || curl_setup(c, cacert, errbuf) < 0) {
		curl_easy_cleanup(c);
		log_error("cannot set up libcurl");
		return CLI_EXIT_RUNTIME;
	}
	int r = 0;
	size_t n_present = 0;
	for (size_t i = 0; r >= 0 && i < u->n; i++) {
		log_info("downloading %s", u->items[i].shown);
		r = download(c, errbuf, &u->items[i],
			     u->items[i].kind == UPDATE_ZIP ? ctx->limits.zip_max_bytes
							    : ctx->limits.input_max_bytes,
			     &diag);
		if (r >= 0 && u->items[i].present)
			n_present++;
	}
	curl_easy_cleanup(c);
	if (r < 0) {
		bh_diag_format(&diag, line, sizeof(line));
		log_error("%s", line);
		return r == -EBADMSG || r == -E2BIG ? CLI_EXIT_INPUT : CLI_EXIT_RUNTIME;
	}
	if (n_present == 0) {
		log_error("%s: the mirror has none of the requested ecosystems, "
			  "the database is unchanged",
			  buf_str(&u->mirror));
		return CLI_EXIT_INPUT;
	}
	_cleanup_free_ char **paths = calloc(n_present, sizeof(*paths));
	_cleanup_free_ const char **names = calloc(n_present, sizeof(*names));
	if (!paths || !names) {
		log_error_errno(-ENOMEM, "out of memory");
		return CLI_EXIT_RUNTIME;
	}
	size_t k = 0;
	for (size_t i = 0; i < u->n; i++)
		if (u->items[i].present) {
			names[k] = u->items[i].shown; /* the URL, not the temporary file */
			paths[k++] = u->items[i].path;
		}
	struct vuln_import_opts o = {
		.limits = &ctx->limits,
		.replace = false,
		.progress = true,
		.source_names = names,
	};
	r = cli_db_import_recorded(ctx, path, paths, k, &o, names, store_spec,
				   "bulkhead db update", &diag);
	if (r < 0) {
		if (!diag.message[0])
			bh_diag_set(&diag, path, 0, 0, "%s", strerror(-r));
		bh_diag_format(&diag, line, sizeof(line));
		log_error("%s", line);
		return cli_exit_for_errno(r);
	}
	return r;
}

int cmd_db_update(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "db", required_argument, NULL, 'd' },
		{ "mirror", required_argument, NULL, 'm' },
		{ "ecosystem", required_argument, NULL, 'e' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "limit", required_argument, NULL, 'L' },
		{ "kev", required_argument, NULL, 'K' },
		{ "epss", required_argument, NULL, 'E' },
		{ "store", required_argument, NULL, 'T' },
		{ 0 },
	};
	const char *db = NULL, *mirror = UPDATE_DEFAULT_MIRROR, *cacert = NULL;
	const char *kev = NULL, *epss = NULL, *store_opt = NULL;
	_cleanup_free_ const char **ecos = NULL;
	size_t n_ecos = 0, cap_ecos = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_db_usage, stdout);
			return CLI_EXIT_OK;
		case 'd':
			db = optarg;
			break;
		case 'm':
			mirror = optarg;
			break;
		case 'e': {
			int r = want_ecosystem(optarg, &ecos, &n_ecos, &cap_ecos);
			if (r < 0)
				return cli_exit_for_errno(r);
			break;
		}
		case 'c':
			cacert = optarg;
			break;
		case 'K':
			kev = optarg;
			break;
		case 'E':
			epss = optarg;
			break;
		case 'T':
			store_opt = optarg;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				return CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_db_usage, stderr);
			return CLI_EXIT_INPUT;
		}
	}
	if (optind != argc) {
		log_error("unexpected argument '%s' (see 'bulkhead help db')", argv[optind]);
		return CLI_EXIT_INPUT;
	}
	_cleanup_buf_ struct buf base;
	buf_init(&base, UPDATE_URL_MAX);
	if (mirror_base("--mirror", mirror, &base) < 0)
		return CLI_EXIT_INPUT;
	_cleanup_buf_ struct buf kev_url, epss_url;
	buf_init(&kev_url, UPDATE_URL_MAX);
	buf_init(&epss_url, UPDATE_URL_MAX);
	if ((kev && mirror_base("--kev", kev, &kev_url) < 0) ||
	    (epss && mirror_base("--epss", epss, &epss_url) < 0))
		return CLI_EXIT_INPUT;
	if (cacert) {
		struct stat st;
		int fd = open(cacert, O_RDONLY | O_CLOEXEC);
		int r = fd < 0 ? -errno : fstat(fd, &st) < 0 ? -errno : 0;
		if (fd >= 0)
			(void)close(fd);
		if (r == 0 && !S_ISREG(st.st_mode))
			r = -EISDIR;
		if (r < 0) {
			log_error_errno(r, "--cacert '%s': %m", cacert);
			return CLI_EXIT_INPUT;
		}
	}
	bool all = n_ecos == 0; /* default: every ecosystem bulkhead matches */
	for (size_t i = 0; all && i < vuln_ecosystem_count(); i++)
		if (want_ecosystem(vuln_ecosystem_at(i)->name, &ecos, &n_ecos, &cap_ecos) < 0)
			return CLI_EXIT_RUNTIME;
	_cleanup_free_ char *path = NULL;
	int r = db_path(db, &path);
	if (r < 0)
		return cli_exit_for_errno(r);

	struct update u = { .n = 0 };
	buf_init(&u.dir, PATH_MAX);
	buf_init(&u.mirror, UPDATE_URL_MAX);
	u.items = calloc(n_ecos + 2, sizeof(*u.items));
	if (!u.items || url_redact(buf_str(&base), &u.mirror) < 0) {
		update_done(&u);
		log_error_errno(-ENOMEM, "out of memory");
		return CLI_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < n_ecos; i++) {
		struct update_item *it = &u.items[u.n++];
		it->ecosystem = ecos[i];
		struct buf url, shown;
		buf_init(&url, UPDATE_URL_MAX);
		buf_init(&shown, UPDATE_URL_MAX);
		r = buf_append_span(&url, buf_span(&base)) ?: buf_putc(&url, '/') ?:
		    url_escape(ecos[i], &url) ?: buf_puts(&url, "/all.zip");
		if (r >= 0)
			r = url_redact(buf_str(&url), &shown);
		it->url = buf_take(&url);
		it->shown = buf_take(&shown);
		if (r < 0 || !it->url || !it->shown) {
			update_done(&u);
			log_error("--mirror: URL too long (at most %d bytes)", UPDATE_URL_MAX);
			return CLI_EXIT_INPUT;
		}
	}
	const struct {
		const char *opt;
		const struct buf *url;
	} files[] = { { "--kev", &kev_url }, { "--epss", &epss_url } };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		if (!files[i].url->len)
			continue;
		struct update_item *it = &u.items[u.n++];
		*it = (struct update_item){ .kind = UPDATE_FILE, .ecosystem = files[i].opt };
		struct buf shown;
		buf_init(&shown, UPDATE_URL_MAX);
		r = url_redact(buf_str(files[i].url), &shown);
		it->shown = buf_take(&shown);
		if (r < 0 || !it->shown || !(it->url = strdup(buf_str(files[i].url)))) {
			update_done(&u);
			log_error_errno(-ENOMEM, "out of memory");
			return CLI_EXIT_RUNTIME;
		}
	}

	/* Handlers first, so that no moment exists where the directory could be left behind. */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };
	struct sigaction old[ARRAY_SIZE(update_signals)];
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(update_signals); i++) {
		(void)sigaction(update_signals[i], &sa, &old[i]);
		/* A signal ignored by whoever started us (nohup, sh's '&') stays ignored. */
		if (old[i].sa_handler == SIG_IGN)
			(void)sigaction(update_signals[i], &old[i], NULL);
	}
	int ret;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("cannot initialise libcurl");
		ret = CLI_EXIT_RUNTIME;
	} else {
		ret = update_run(&u, path, cacert, cli_store_spec(store_opt), ctx);
		curl_global_cleanup();
	}
	update_done(&u);
	for (size_t i = 0; i < ARRAY_SIZE(update_signals); i++)
		(void)sigaction(update_signals[i], &old[i], NULL);
	return ret;
}
