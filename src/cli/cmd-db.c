/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-db.c — `bulkhead db import|update|status`: build, refresh and describe the offline
 * vulnerability database (src/vuln/db.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include <fcntl.h>
#include <stdlib.h>

#include "audit/recorder.h"
#include "cli/cmd-db.h"
#include "common/hash.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "store/store.h"
#include "vuln/db.h"

const char cmd_db_usage[] =
	"usage: bulkhead db import [--db FILE] [--replace] [--store SPEC] PATH...\n"
	"       bulkhead db update [--db FILE] [--mirror URL] [--ecosystem NAME]... [--cacert FILE]\n"
	"                          [--kev URL] [--epss URL] [--store SPEC]\n"
	"       bulkhead db status [--db FILE] [--format text|json] [--max-age DAYS]\n"
	"\n"
	"Build and inspect the offline vulnerability database (OSV advisories in SQLite).\n"
	"\n"
	"import   read OSV records from JSON files (one record or an array), directories\n"
	"         (searched for *.json and *.zip) and zip archives such as OSV's per-ecosystem\n"
	"         all.zip. Records are added to the existing database (a record replaces a\n"
	"         stored copy only when it was modified later); --replace starts empty.\n"
	"         Malformed records are skipped with a warning naming them; withdrawn ones\n"
	"         are removed. A CISA KEV catalog (JSON) and a FIRST EPSS CSV (plain or\n"
	"         gzip) are recognised by their content and stored as exploitation data;\n"
	"         a malformed one fails the whole import. The database file is replaced\n"
	"         atomically, only on success.\n"
	"update   download the all.zip archives of the ecosystems bulkhead matches from\n"
	"         --mirror (default https://osv-vulnerabilities.storage.googleapis.com) over\n"
	"         HTTPS, check them and import them (see import); --kev URL and --epss URL\n"
	"         download a KEV catalog and EPSS scores too, in the same import.\n"
	"status   print when the database was built, its sources, advisories per ecosystem\n"
	"         (ecosystems bulkhead does not match are marked), the KEV catalog's\n"
	"         version and count and the EPSS scores' date; warns when it is older than\n"
	"         --max-age days (default 7, or BULKHEAD_DB_MAX_AGE).\n"
	"\n"
	"  --db FILE     the database (default $BULKHEAD_HOME/vuln.db, /var/lib/bulkhead/vuln.db\n"
	"                for root, else ~/.local/share/bulkhead/vuln.db)\n"
	"  --store SPEC  import, update: append a config.vulndb.update audit record to the\n"
	"                store (default $BULKHEAD_STORE; without either nothing is recorded)\n"
	"\n"
	"Exit codes: 0 success, 2 usage or input error (the database is unchanged),\n"
	"3 runtime error.\n";

static int db_path(const char *given, char **ret)
{
	if (given) {
		*ret = strdup(given);
		return *ret ? 0 : -ENOMEM;
	}
	int r = vuln_db_default_path(ret);
	if (r == -ENOENT)
		log_error("no default database location (set BULKHEAD_HOME or HOME, or use --db FILE)");
	return r;
}

void cli_db_print_import_summary(const char *path, const struct vuln_import_stats *st)
{
	printf("%s: %llu advisories read from %llu documents: %llu stored, %llu unchanged, "
	       "%llu withdrawn, %llu skipped\n",
	       path, (unsigned long long)st->seen, (unsigned long long)st->files,
	       (unsigned long long)st->imported, (unsigned long long)st->unchanged,
	       (unsigned long long)st->withdrawn, (unsigned long long)st->skipped);
}

/* "sha256:…" of the file at path into out; "" when there is no such file. 0 or -errno. */
static int file_sha256(const char *path, char out[static BH_DIGEST_STR_LEN + 1])
{
	out[0] = '\0';
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	struct bh_sha256 h;
	int r = bh_sha256_init(&h);
	if (r < 0)
		return r;
	for (;;) {
		unsigned char b[1 << 16];
		ssize_t n = read(fd, b, sizeof(b));
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
	}
	bh_sha256_final_str(&h, out);
	return 0;
}

/* The batch of one database change: a "config.vulndb" run and its audit record. */
static json_t *change_batch(const char *db_path, const char *actor, const char *prev,
			    const char *now_sha, const struct vuln_import_stats *st,
			    const char *const *sources, size_t n_sources)
{
	_cleanup_json_ json_t *src = json_array();
	for (size_t i = 0; src && i < n_sources; i++)
		if (bh_json_append_str(src, sources[i]) < 0)
			return NULL;
	_cleanup_json_ json_t *payload = src ? json_pack(
		"{s:s, s:s, s:o, s:{s:I, s:I, s:I, s:I}, s:I, s:I, s:O, s:s}", "db", db_path,
		"sha256", now_sha, "previous_sha256", prev[0] ? json_string(prev) : json_null(),
		"advisories", "imported", (json_int_t)st->imported, "unchanged",
		(json_int_t)st->unchanged, "withdrawn", (json_int_t)st->withdrawn, "skipped",
		(json_int_t)st->skipped, "kev_entries", (json_int_t)st->kev_entries, "epss_rows",
		(json_int_t)st->epss_rows, "sources", src, "actor", actor) : NULL;
	_cleanup_json_ json_t *findings = json_array();
	if (!payload || !findings)
		return NULL;
	struct store_run run = {
		.kind = "config.vulndb",
		.time = (int64_t)bh_now(NULL),
		.target = { .type = "vulndb", .name = db_path },
		.tool = "bulkhead " BULKHEAD_VERSION,
		.summary = payload,
		.no_resolve = true,
	};
	_cleanup_json_ json_t *item = audit_batch_item(&run, findings);
	_cleanup_json_ json_t *batch = json_array();
	if (!item || !batch ||
	    audit_batch_item_add_record(item, "config.vulndb.update", db_path, actor, payload) < 0 ||
	    json_array_append(batch, item) < 0)
		return NULL;
	return TAKE_PTR(batch);
}


int cli_db_import_recorded(struct cli_ctx *ctx, const char *db_path, char *const *paths,
			   size_t n_paths, const struct vuln_import_opts *o,
			   const char *const *sources, const char *store_spec, const char *actor,
			   struct bh_diag *reterr_diag)
{
	char prev[BH_DIGEST_STR_LEN + 1] = "", now_sha[BH_DIGEST_STR_LEN + 1] = "";
	int r = store_spec ? file_sha256(db_path, prev) : 0;
	if (r < 0) {
		bh_diag_set(reterr_diag, db_path, 0, 0, "cannot read: %s", strerror(-r));
		return r;
	}
	struct vuln_import_stats st;
	r = vuln_db_import(db_path, paths, n_paths, o, &st, reterr_diag);
	if (r < 0)
		return r;
	cli_db_print_import_summary(db_path, &st);
	if (st.kev_entries || st.kev_unchanged || st.epss_rows || st.epss_unchanged)
		printf("%s: %llu KEV entries stored%s, %llu EPSS rows stored%s\n", db_path,
		       (unsigned long long)st.kev_entries,
		       st.kev_unchanged ? " (a catalog not newer than the stored one was kept out)"
					: "",
		       (unsigned long long)st.epss_rows,
		       st.epss_unchanged ? " (scores not newer than the stored ones were kept out)"
					 : "");
	if (!store_spec)
		return CLI_EXIT_OK;
	r = file_sha256(db_path, now_sha);
	if (r >= 0 && !now_sha[0])
		r = -ENOENT;
	if (r < 0) {
		log_error_errno(r, "%s: cannot read the new database: %m", db_path);
		return CLI_EXIT_RUNTIME;
	}
	/* The record names the database by its absolute path: the store outlives the cwd. */
	_cleanup_free_ char *abs = realpath(db_path, NULL);
	_cleanup_json_ json_t *batch = change_batch(abs ? abs : db_path, actor, prev, now_sha, &st,
						    sources, n_paths);
	if (!batch) {
		log_error("out of memory");
		return CLI_EXIT_RUNTIME;
	}
	return cli_record_batch(ctx, store_spec, batch);
}

static int db_import(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "db", required_argument, NULL, 'd' },
		{ "replace", no_argument, NULL, 'R' },
		{ "limit", required_argument, NULL, 'L' },
		{ "store", required_argument, NULL, 'T' },
		{ 0 },
	};
	const char *db = NULL, *store_opt = NULL;
	bool replace = false;
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
		case 'R':
			replace = true;
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
	if (optind >= argc) {
		log_error("missing PATH (see 'bulkhead help db')");
		return CLI_EXIT_INPUT;
	}
	_cleanup_free_ char *path = NULL;
	int r = db_path(db, &path);
	if (r < 0)
		return cli_exit_for_errno(r);
	struct vuln_import_opts o = { .limits = &ctx->limits, .replace = replace, .progress = true };
	struct bh_diag diag = { 0 };
	r = cli_db_import_recorded(ctx, path, argv + optind, (size_t)(argc - optind), &o,
				   (const char *const *)(argv + optind), cli_store_spec(store_opt),
				   "bulkhead db import", &diag);
	if (r < 0)
		return cli_fail_diag(r, &diag, path);
	return r;
}

/* Age in days of an RFC 3339 UTC time, or -1 when it cannot be read. */
static double age_days(const char *rfc3339)
{
	struct tm tm = { 0 };
	if (!rfc3339 || !strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return -1;
	time_t t = timegm(&tm);
	return difftime(bh_now(NULL), t) / 86400.0;
}

static void print_status(const json_t *s, FILE *f)
{
	fprintf(f, "database:   %s (schema %lld)\n", bh_json_str(s, "path"),
		(long long)json_integer_value(json_object_get(s, "schema_version")));
	const char *built = bh_json_str(s, "built");
	double age = age_days(built);
	if (age >= 0)
		fprintf(f, "built:      %s (%.1f days ago) by %s\n", built, age,
			bh_json_str(s, "generator") ? bh_json_str(s, "generator") : "?");
	fprintf(f, "advisories: %lld\n", (long long)json_integer_value(json_object_get(s, "advisories")));
	const json_t *kev = json_object_get(s, "kev"), *epss = json_object_get(s, "epss");
	if (json_is_object(kev))
		fprintf(f, "kev:        CISA KEV catalog %s released %s, %lld entries\n",
			bh_json_str(kev, "version") ? bh_json_str(kev, "version") : "?",
			bh_json_str(kev, "released") ? bh_json_str(kev, "released") : "?",
			(long long)json_integer_value(json_object_get(kev, "count")));
	else
		fputs("kev:        none (import a CISA KEV catalog to flag exploited "
		      "vulnerabilities)\n",
		      f);
	if (json_is_object(epss))
		fprintf(f, "epss:       scores of %s, %lld CVEs\n",
			bh_json_str(epss, "date") ? bh_json_str(epss, "date") : "an unknown date",
			(long long)json_integer_value(json_object_get(epss, "count")));
	else
		fputs("epss:       none\n", f);
	fputs("\nECOSYSTEM                ADVISORIES  PACKAGES  MATCHED\n", f);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(s, "ecosystems"), i, e)
		fprintf(f, "%-24s %10lld %9lld  %s\n", bh_json_str(e, "ecosystem"),
			(long long)json_integer_value(json_object_get(e, "advisories")),
			(long long)json_integer_value(json_object_get(e, "packages")),
			json_is_true(json_object_get(e, "matched")) ? "yes" : "no (kept, never matched)");
	fputs("\nSOURCE                                        KIND       RECORDS  STORED  WITHDRAWN  SKIPPED  IMPORTED\n",
	      f);
	json_array_foreach(json_object_get(s, "sources"), i, e)
		fprintf(f, "%-45s %-9s %8lld %7lld %10lld %8lld  %s\n", bh_json_str(e, "name"),
			bh_json_str(e, "kind"),
			(long long)json_integer_value(json_object_get(e, "records")),
			(long long)json_integer_value(json_object_get(e, "stored")),
			(long long)json_integer_value(json_object_get(e, "withdrawn")),
			(long long)json_integer_value(json_object_get(e, "skipped")),
			bh_json_str(e, "imported"));
}

static int db_status(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "max-age", required_argument, NULL, 'a' },
		{ 0 },
	};
	const char *db = NULL;
	bool json = false;
	uint64_t max_age = 7;
	const char *env = secure_getenv("BULKHEAD_DB_MAX_AGE");
	if (env && parse_u64(span_from(env), 10, 100000, &max_age) < 0) {
		log_error("BULKHEAD_DB_MAX_AGE='%s' is not a number of days", env);
		return CLI_EXIT_INPUT;
	}
	int c;
	while ((c = getopt_long(argc, argv, "hf:", opts, NULL)) >= 0) {
		switch (c) {
		case 'h':
			fputs(cmd_db_usage, stdout);
			return CLI_EXIT_OK;
		case 'd':
			db = optarg;
			break;
		case 'f':
			if (streq(optarg, "json"))
				json = true;
			else if (streq(optarg, "text") || streq(optarg, "table"))
				json = false;
			else {
				log_error("unknown format '%s' (text, json)", optarg);
				return CLI_EXIT_INPUT;
			}
			break;
		case 'a':
			if (parse_u64(span_from(optarg), 10, 100000, &max_age) < 0) {
				log_error("--max-age '%s' is not a number of days", optarg);
				return CLI_EXIT_INPUT;
			}
			break;
		default:
			fputs(cmd_db_usage, stderr);
			return CLI_EXIT_INPUT;
		}
	}
	if (optind != argc) {
		log_error("too many arguments (see 'bulkhead help db')");
		return CLI_EXIT_INPUT;
	}
	(void)ctx;
	_cleanup_free_ char *path = NULL;
	int r = db_path(db, &path);
	if (r < 0)
		return cli_exit_for_errno(r);
	struct bh_diag diag = { 0 };
	_cleanup_(vuln_db_freep) struct vuln_db *vdb = NULL;
	r = vuln_db_open(path, &vdb, &diag);
	if (r < 0)
		return cli_fail_diag(r, &diag, path);
	_cleanup_json_ json_t *s = NULL;
	r = vuln_db_status(vdb, &s);
	if (r < 0) {
		log_error_errno(r, "%s: cannot read the database: %m", path);
		return cli_exit_for_errno(r == -ENOMEM ? r : -EBADMSG);
	}
	double age = age_days(bh_json_str(s, "built"));
	bool stale = age < 0 || age > (double)max_age;
	if (json) {
		if (bh_json_set_new(s, "age_days", age >= 0 ? json_real(age) : json_null()) < 0 ||
		    bh_json_set_new(s, "stale", json_boolean(stale)) < 0 ||
		    bh_json_set_new(s, "schema", json_string("bulkhead.db-status/v1")) < 0)
			return CLI_EXIT_RUNTIME;
		if (bh_json_dump_file(s, stdout) < 0)
			return CLI_EXIT_RUNTIME;
	} else
		print_status(s, stdout);
	if (stale)
		log_warning("%s: the database is %s than %llu days; run `bulkhead db update` or "
			    "import fresh advisories",
			    path, age < 0 ? "of unknown age, maybe older" : "older",
			    (unsigned long long)max_age);
	return CLI_EXIT_OK;
}

int cmd_db(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2) {
		log_error("missing subcommand: import, update or status (see 'bulkhead help db')");
		return CLI_EXIT_INPUT;
	}
	const char *sub = argv[1];
	if (streq(sub, "--help") || streq(sub, "-h")) {
		fputs(cmd_db_usage, stdout);
		return CLI_EXIT_OK;
	}
	/* The subcommand sees argv[0] = its name. */
	optind = 0;
	if (streq(sub, "import"))
		return db_import(argc - 1, argv + 1, ctx);
	if (streq(sub, "status"))
		return db_status(argc - 1, argv + 1, ctx);
	if (streq(sub, "update"))
		return cmd_db_update(argc - 1, argv + 1, ctx);
	log_error("unknown subcommand '%s' (import, update, status)", sub);
	return CLI_EXIT_INPUT;
}
