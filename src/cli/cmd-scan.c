/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-scan.c — `bulkhead scan TARGET`: read and catalogue the image in one pass over its
 * layers (the secret scanner sees every file of every layer while they stream), match the
 * packages against the vulnerability database and apply VEX, check the image
 * configuration, optionally require a signature, render, and turn --fail-on (over all
 * scanners together) into the exit code. Output is all-or-nothing, as for sbom.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>

#include "bulkhead/image.h"
#include "bulkhead/report.h"
#include "checks/imgconfig.h"
#include "checks/secrets.h"
#include "checks/sign.h"
#include "cli/cli.h"
#include "common/fileio.h"
#include "common/finding.h"
#include "common/json.h"
#include "common/limits.h"
#include "common/timeutil.h"
#include "store/store.h"
#include "vuln/match.h"
#include "vuln/vex.h"

const char cmd_scan_usage[] =
	"usage: bulkhead scan TARGET [--scanners vuln,secret,config] [--db FILE] [--vex FILE]...\n"
	"                     [--secret-config FILE] [--max-age DAYS]\n"
	"                     [--require-signature --key PUB] [--store SPEC]\n"
	"                     [--format table|json|sarif|cyclonedx] [-o FILE]\n"
	"                     [--fail-on SEVERITY] [--ignore-unfixed] [--platform P]\n"
	"                     [--limit NAME=VALUE]...\n"
	"\n"
	"Scan a container image in one pass over its layers (one decompression):\n"
	"  vuln    known vulnerabilities of every package, offline, from the database that\n"
	"          `bulkhead db import|update` builds (exact package identity, each\n"
	"          ecosystem's version order)\n"
	"  secret  credentials in every file of every layer (also files deleted or replaced by\n"
	"          a later layer: they are still in the image), in Env and in the build\n"
	"          history; values are redacted to a prefix and a hash\n"
	"  config  the image configuration: root user, HEALTHCHECK, secrets in ENV, remote\n"
	"          ADD, exposed ports, setuid/setgid and world-writable files, tools that let\n"
	"          an intruder alter the container, latest/untagged, age, end-of-life release\n"
	"\n"
	"  --scanners LIST        comma-separated; default vuln,secret\n"
	"  --db FILE              vulnerability database (see 'bulkhead help db')\n"
	"  --vex FILE             OpenVEX or CycloneDX VEX document; not_affected and fixed\n"
	"                         statements suppress findings (repeatable)\n"
	"  --secret-config FILE   secret scanner allow-list and rule selection (YAML, see\n"
	"                         docs/secret-config.md)\n"
	"  --max-age DAYS         config: report images built more than DAYS ago (365)\n"
	"  --require-signature    report a finding (high) unless the image (an OCI layout) has\n"
	"                         a signature by --key PUB over its manifest digest (see\n"
	"                         'bulkhead help verify')\n"
	"  --key PUB              public key (PEM) for --require-signature\n"
	"  --store SPEC           record the scan and its findings in the store (a SQLite\n"
	"                         file or postgres://…; default $BULKHEAD_STORE, else not\n"
	"                         recorded) and append audit records for findings first\n"
	"                         seen and resolved (see 'bulkhead help audit')\n"
	"  -f, --format FORMAT    table (default), json (bulkhead.scan/v1), sarif (2.1.0),\n"
	"                         cyclonedx (CycloneDX 1.6 with vulnerabilities only)\n"
	"  -o, --output FILE      write to FILE (atomically) instead of stdout\n"
	"  --fail-on SEVERITY     exit 1 when a finding of any scanner is at or above SEVERITY\n"
	"                         (critical, high, medium, low, info, unknown)\n"
	"  --ignore-unfixed       leave out vulnerabilities that have no fixed version\n"
	"  --platform P           pick P from a multi-platform index (default linux/amd64)\n"
	"\n"
	"Exit codes: 0 no finding at or above --fail-on (or no --fail-on), 1 findings at or\n"
	"above it, 2 usage or input error (nothing is written), 3 runtime error.\n";

enum scan_format { FMT_TABLE, FMT_JSON, FMT_SARIF, FMT_CYCLONEDX };

static int parse_scanners(const char *list, unsigned *ret)
{
	struct span in = span_from(list), tok;
	unsigned set = 0;
	while (span_next_token(&in, ',', &tok) == 0) {
		tok = span_trim(tok);
		if (span_eq_str(tok, "vuln"))
			set |= SCAN_VULN;
		else if (span_eq_str(tok, "secret"))
			set |= SCAN_SECRET;
		else if (span_eq_str(tok, "config") || span_eq_str(tok, "misconfig"))
			set |= SCAN_CONFIG;
		else {
			log_error("unknown scanner '%.*s' (available: vuln, secret, config)",
				  (int)tok.len, tok.ptr);
			return -EINVAL;
		}
	}
	if (!set) {
		log_error("--scanners needs at least one of vuln, secret, config");
		return -EINVAL;
	}
	*ret = set;
	return 0;
}

/* The secret engine, from the built-in rules and an optional config file. */
static int load_secret_engine(const char *path, struct cli_ctx *ctx, struct sec_engine **ret)
{
	_cleanup_(sec_config_freep) struct sec_config *cfg = NULL;
	struct bh_diag diag = { 0 };
	int r = 0;
	if (path) {
		_cleanup_buf_ struct buf data;
		buf_init(&data, (size_t)ctx->limits.input_max_bytes);
		r = bh_read_file_at(AT_FDCWD, path, 0, (size_t)ctx->limits.input_max_bytes, &data);
		if (r < 0) {
			if (r == -E2BIG)
				log_error("%s: larger than %llu bytes (input-max-bytes)", path,
					  (unsigned long long)ctx->limits.input_max_bytes);
			else
				log_error_errno(r, "%s: cannot read: %m", path);
			return cli_exit_for_errno(r);
		}
		r = sec_config_parse(buf_span(&data), &ctx->limits, path, &cfg, &diag);
	}
	if (r >= 0)
		r = sec_engine_new(cfg, &ctx->limits, ret, &diag);
	return r < 0 ? cli_fail_diag(r, &diag, path ? path : "secret rules") : 0;
}

/* One note line for what the secret scanner left out. */
static int secret_note(const struct sec_stats *st, struct strv *notes)
{
	_cleanup_free_ char *s = NULL;
	if (asprintf(&s,
		     "secret: %llu files (%llu bytes) scanned; skipped %llu binary, %llu over "
		     "secret-max-file-bytes, %llu allow-listed paths; %llu matches allow-listed, "
		     "%llu over secret-max-per-file",
		     (unsigned long long)st->files_scanned, (unsigned long long)st->bytes_scanned,
		     (unsigned long long)st->skipped_binary, (unsigned long long)st->skipped_size,
		     (unsigned long long)st->skipped_allowlist, (unsigned long long)st->suppressed,
		     (unsigned long long)st->over_cap) < 0)
		return -ENOMEM;
	return strv_push_take(notes, TAKE_PTR(s));
}

static int load_vex(const char *path, struct cli_ctx *ctx, struct vuln_report *rep)
{
	_cleanup_buf_ struct buf data;
	buf_init(&data, (size_t)ctx->limits.input_max_bytes);
	int r = bh_read_file_at(AT_FDCWD, path, 0, (size_t)ctx->limits.input_max_bytes, &data);
	if (r < 0) {
		if (r == -E2BIG)
			log_error("%s: larger than %llu bytes (input-max-bytes)", path,
				  (unsigned long long)ctx->limits.input_max_bytes);
		else
			log_error_errno(r, "%s: cannot read: %m", path);
		return cli_exit_for_errno(r);
	}
	struct bh_diag diag = { 0 };
	_cleanup_(vuln_vex_doc_freep) struct vuln_vex_doc *doc = NULL;
	r = vuln_vex_parse(buf_span(&data), &ctx->limits, path, &doc, &diag);
	if (r < 0) {
		char msg[1200];
		if (!diag.message[0])
			bh_diag_set(&diag, path, 0, 0, "%s", strerror(-r));
		bh_diag_format(&diag, msg, sizeof(msg));
		log_error("%s", msg);
		return cli_exit_for_errno(r);
	}
	r = vuln_vex_apply(doc, rep);
	if (r < 0) {
		log_error_errno(r, "%s: cannot apply: %m", path);
		return CLI_EXIT_RUNTIME;
	}
	return 0;
}

/* --require-signature: a finding unless a signature by key covers the manifest digest. */
static int check_signature(const struct img *img, const struct sign_key *key, const char *key_path,
			   struct cli_ctx *ctx, struct bh_findings *out)
{
	if (img->target.kind != IMG_KIND_OCI || !img->manifest_digest) {
		log_error("%s: --require-signature needs an OCI image layout (signatures are "
			  "stored next to the image, as cosign stores them)",
			  img->target.original);
		return CLI_EXIT_INPUT;
	}
	struct sign_result res;
	struct bh_diag diag = { 0 };
	int r = sign_verify_image_key(&img->target, img->manifest_digest, key, &ctx->limits, &res,
				      &diag);
	if (r < 0) {
		sign_result_done(&res);
		return cli_fail_diag(r, &diag, img->target.original);
	}
	if (res.status != SIGN_STATUS_VERIFIED) {
		struct bh_finding f;
		r = sign_result_finding(&res, key_path, &f);
		if (r >= 0)
			r = bh_findings_add_take(out, &f);
	}
	sign_result_done(&res);
	if (r < 0) {
		log_error_errno(r, "signature check failed: %m");
		return CLI_EXIT_RUNTIME;
	}
	return CLI_EXIT_OK;
}

/* Which recorded run (scope) a scan finding belongs to. */
static bool is_signature(const json_t *f)
{
	return streq_ptr(bh_json_str(json_object_get(f, "rule"), "id"), SIGN_RULE_ID);
}
static bool is_vuln(const json_t *f)
{
	return streq_ptr(bh_json_str(f, "kind"), "vulnerability");
}
static bool is_secret(const json_t *f)
{
	return streq_ptr(bh_json_str(f, "kind"), "secret");
}
static bool is_config(const json_t *f)
{
	return streq_ptr(bh_json_str(f, "kind"), "misconfiguration") && !is_signature(f);
}

struct scan_render {
	enum scan_format fmt;
	const struct img *img;
	const struct scan_results *res;
};

static int scan_render(void *u, FILE *f)
{
	const struct scan_render *x = u;
	switch (x->fmt) {
	case FMT_JSON:
		return report_scan_json(x->img, x->res, f);
	case FMT_SARIF:
		return report_scan_sarif(x->img, x->res, f);
	case FMT_CYCLONEDX:
		return report_scan_cyclonedx(x->img, x->res->vuln, f);
	default:
		return report_scan_table(x->img, x->res, f);
	}
}

/*
 * What `scan --store` records beyond the JSON a user sees: the evidence of each vulnerability
 * finding not suppressed by VEX also lists the files of its package ("package_files"), so
 * that `bulkhead risk` can tell the packages a workload's processes executed or opened from
 * those it never loaded (docs/risk-model.md, "Vulnerable packages in use"). Bounded: at most
 * PKG_FILES_MAX files per package and IMG_FILES_MAX per image, given to the packages of the
 * most severe findings first, files outside /usr/share/ (programs and libraries) before
 * those under it; a package cut short says by how many ("package_files_omitted"), and the
 * run summary counts them ("package_files").
 */
enum { PKG_FILES_MAX = 512, IMG_FILES_MAX = 20000 };

struct pkg_files {
	const struct pkg *p;
	int sev;      /* its most severe finding */
	size_t first; /* its first finding */
	json_t *files;
	size_t omitted;
};

/* A package's identity as its findings spell it: where it was found and its purl. */
static int pkg_files_key(struct buf *b, const char *location, const char *purl, const char *type,
			 const char *name, const char *version)
{
	buf_clear(b);
	if (purl && *purl)
		return buf_printf(b, "%s\n%s", location ? location : "", purl);
	return buf_printf(b, "%s\n\n%s\n%s\n%s", location ? location : "", type ? type : "",
			  name ? name : "", version ? version : "");
}

static int pkg_files_cmp(const void *a, const void *b)
{
	const struct pkg_files *x = a, *y = b;
	if (x->sev != y->sev)
		return y->sev - x->sev;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Fill pf->files with at most max of its package's files, programs and libraries first. */
static int pkg_files_take(struct pkg_files *pf, size_t max)
{
	const struct strv *files = &pf->p->files;
	pf->files = json_array();
	if (!pf->files)
		return -ENOMEM;
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < files->n && n < max; i++) {
			bool share = strncmp(files->v[i], "/usr/share/", 11) == 0;
			if (share != (pass == 1))
				continue;
			/* Not UTF-8: left out (jansson refuses it), counted as omitted. */
			if (json_array_append_new(pf->files, json_string(files->v[i])) == 0)
				n++;
		}
	pf->omitted = files->n - n;
	return 0;
}

/* Add package_files to the vulnerability findings of doc (the recorded scan document). */
static int add_package_files(json_t *doc, const struct vuln_report *rep)
{
	_cleanup_json_ json_t *index = json_object();
	_cleanup_free_ struct pkg_files *pf = NULL;
	size_t n = 0, cap = 0;
	_cleanup_buf_ struct buf key;
	buf_init(&key, 0);
	if (!index)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; i < rep->n && r >= 0; i++) {
		const struct vuln_finding *x = &rep->v[i];
		const struct pkg *p = x->pkg;
		if (x->vex || !p)
			continue;
		r = pkg_files_key(&key, p->location, p->purl, pkg_type_purl(p->type), p->name,
				  p->version);
		if (r < 0)
			break;
		json_t *have = json_object_get(index, buf_str(&key));
		if (have) {
			struct pkg_files *e = &pf[json_integer_value(have)];
			e->sev = MAX(e->sev, (int)x->severity);
			continue;
		}
		if (GROW(pf, n, cap) < 0 ||
		    json_object_set_new_nocheck(index, buf_str(&key), json_integer((json_int_t)n)) <
			0)
			return -ENOMEM;
		pf[n++] = (struct pkg_files){.p = p, .sev = (int)x->severity, .first = i};
	}
	if (r < 0)
		return r;
	if (n)
		qsort(pf, n, sizeof(*pf), pkg_files_cmp);
	size_t left = IMG_FILES_MAX, recorded = 0, omitted = 0, cut = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		r = pkg_files_take(&pf[i], MIN((size_t)PKG_FILES_MAX, left));
		if (r < 0)
			break;
		size_t got = json_array_size(pf[i].files);
		left -= got;
		recorded += got;
		omitted += pf[i].omitted;
		cut += pf[i].omitted > 0;
		/* The index now points at the sorted entries. */
		r = pkg_files_key(&key, pf[i].p->location, pf[i].p->purl,
				  pkg_type_purl(pf[i].p->type), pf[i].p->name, pf[i].p->version);
		if (r >= 0 && json_object_set_new_nocheck(index, buf_str(&key),
							  json_integer((json_int_t)i)) < 0)
			r = -ENOMEM;
	}
	size_t k;
	json_t *f;
	json_array_foreach(json_object_get(doc, "findings"), k, f)
	{
		if (r < 0)
			break;
		json_t *ev = json_object_get(f, "evidence");
		const json_t *pk = json_object_get(ev, "package");
		if (!streq_ptr(bh_json_str(f, "kind"), "vulnerability") || !json_is_object(ev) ||
		    json_object_get(ev, "vex"))
			continue;
		r = pkg_files_key(&key, bh_json_str(json_object_get(f, "location"), "path"),
				  bh_json_str(pk, "purl"), bh_json_str(pk, "type"),
				  bh_json_str(pk, "name"), bh_json_str(pk, "version"));
		json_t *have = r < 0 ? NULL : json_object_get(index, buf_str(&key));
		if (!have)
			continue;
		const struct pkg_files *e = &pf[json_integer_value(have)];
		if (json_object_set(ev, "package_files", e->files) < 0 ||
		    (e->omitted && json_object_set_new(ev, "package_files_omitted",
						       json_integer((json_int_t)e->omitted)) < 0))
			r = -ENOMEM;
	}
	json_t *sum = json_object_get(doc, "summary");
	if (r >= 0 && json_is_object(sum) &&
	    json_object_set_new(sum, "package_files",
				json_pack("{s:I, s:I, s:I, s:I}", "packages", (json_int_t)n,
					  "files", (json_int_t)recorded, "packages_cut",
					  (json_int_t)cut, "omitted", (json_int_t)omitted)) < 0)
		r = -ENOMEM;
	for (size_t i = 0; i < n; i++)
		json_decref(pf[i].files);
	if (r >= 0 && cut)
		log_info(
		    "recording package files: %zu file%s of %zu package%s left out (at most %d "
		    "per package, %d per image)",
		    omitted, omitted == 1 ? "" : "s", cut, cut == 1 ? "" : "s", PKG_FILES_MAX,
		    IMG_FILES_MAX);
	return r;
}

/* The document recorded in the store: the JSON output plus the package files. */
static int scan_record_render(void *u, FILE *f)
{
	const struct scan_render *x = u;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		return -ENOMEM;
	int r = report_scan_json(x->img, x->res, mem);
	if (fclose(mem) != 0 && r >= 0)
		r = -ENOMEM;
	_cleanup_json_ json_t *doc = NULL;
	if (r >= 0) {
		json_error_t err;
		doc = json_loadb(text, len, 0, &err);
		if (!doc)
			r = -ENOMEM;
	}
	free(text);
	if (r >= 0 && (x->res->scanners & SCAN_VULN))
		r = add_package_files(doc, x->res->vuln);
	return r < 0 ? r : bh_json_dump_file(doc, f);
}

int cmd_scan(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "scanners", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "vex", required_argument, NULL, 'x' },
		{ "secret-config", required_argument, NULL, 'S' },
		{ "max-age", required_argument, NULL, 'A' },
		{ "require-signature", no_argument, NULL, 'R' },
		{ "key", required_argument, NULL, 'K' },
		{ "store", required_argument, NULL, 'T' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "ignore-unfixed", no_argument, NULL, 'U' },
		{ "platform", required_argument, NULL, 'p' },
		{ "limit", required_argument, NULL, 'L' },
		{ 0 },
	};
	enum scan_format fmt = FMT_TABLE;
	const char *out_path = NULL, *platform = NULL, *db_opt = NULL, *secret_cfg = NULL;
	const char *key_path = NULL, *store_opt = NULL;
	bool require_sig = false;
	struct strv vex = { 0 };
	unsigned scanners = SCAN_VULN | SCAN_SECRET;
	bool fail_on_set = false;
	enum bh_severity fail_on = BH_SEV_UNKNOWN;
	struct vuln_match_opts mo = { 0 };
	struct imgcfg_opts co = { 0 };
	int c, ret = CLI_EXIT_OK;
	while ((c = getopt_long(argc, argv, "hf:o:", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_scan_usage, stdout);
			strv_done(&vex);
			return CLI_EXIT_OK;
		case 's':
			if (parse_scanners(optarg, &scanners) < 0)
				ret = CLI_EXIT_INPUT;
			break;
		case 'd':
			db_opt = optarg;
			break;
		case 'x':
			if (strv_push(&vex, optarg) < 0)
				ret = CLI_EXIT_RUNTIME;
			break;
		case 'S':
			secret_cfg = optarg;
			break;
		case 'R':
			require_sig = true;
			break;
		case 'K':
			key_path = optarg;
			break;
		case 'T':
			store_opt = optarg;
			break;
		case 'A': {
			uint64_t days;
			if (bh_parse_size(span_from(optarg), &days) < 0 || days == 0 ||
			    days > 100000 || !ascii_isdigit(optarg[strlen(optarg) - 1])) {
				log_error("--max-age: '%s' is not a number of days (1-100000)", optarg);
				ret = CLI_EXIT_INPUT;
			}
			co.max_age_days = (uint32_t)days;
			break;
		}
		case 'f':
			if (streq(optarg, "table"))
				fmt = FMT_TABLE;
			else if (streq(optarg, "json"))
				fmt = FMT_JSON;
			else if (streq(optarg, "sarif"))
				fmt = FMT_SARIF;
			else if (streq(optarg, "cyclonedx") || streq(optarg, "cyclonedx-json"))
				fmt = FMT_CYCLONEDX;
			else {
				log_error("unknown format '%s' (table, json, sarif, cyclonedx)", optarg);
				ret = CLI_EXIT_INPUT;
			}
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'F':
			if (bh_severity_from_name(optarg, &fail_on) < 0) {
				log_error("unknown severity '%s' (critical, high, medium, low, info, "
					  "unknown)",
					  optarg);
				ret = CLI_EXIT_INPUT;
			}
			fail_on_set = true;
			break;
		case 'U':
			mo.ignore_unfixed = true;
			break;
		case 'p':
			platform = optarg;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				ret = CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_scan_usage, stderr);
			ret = CLI_EXIT_INPUT;
			break;
		}
		if (ret != CLI_EXIT_OK)
			break;
	}
	if (ret == CLI_EXIT_OK && optind + 1 != argc) {
		log_error(optind >= argc ? "missing TARGET (see 'bulkhead help scan')"
					 : "too many arguments (see 'bulkhead help scan')");
		ret = CLI_EXIT_INPUT;
	}
	if (ret == CLI_EXIT_OK && fmt == FMT_CYCLONEDX && !(scanners & SCAN_VULN)) {
		log_error("--format cyclonedx carries vulnerabilities only: add vuln to --scanners");
		ret = CLI_EXIT_INPUT;
	}
	if (ret == CLI_EXIT_OK && vex.n && !(scanners & SCAN_VULN)) {
		log_error("--vex applies to vulnerabilities: add vuln to --scanners");
		ret = CLI_EXIT_INPUT;
	}
	if (ret == CLI_EXIT_OK && require_sig != (key_path != NULL)) {
		log_error(require_sig ? "--require-signature needs --key PUB"
				      : "--key is used with --require-signature");
		ret = CLI_EXIT_INPUT;
	}
	_cleanup_(sign_key_freep) struct sign_key *key = NULL;
	if (ret == CLI_EXIT_OK && require_sig) {
		struct bh_diag diag = { 0 };
		int r = sign_key_load(key_path, false, &key, &diag);
		if (r < 0)
			ret = cli_fail_diag(r, &diag, key_path);
	}
	_cleanup_free_ char *db_path = NULL;
	if (ret == CLI_EXIT_OK && (scanners & SCAN_VULN)) {
		int r = db_opt ? ((db_path = strdup(db_opt)) ? 0 : -ENOMEM)
			       : vuln_db_default_path(&db_path);
		if (r < 0) {
			log_error("no default database location (set BULKHEAD_HOME or HOME, or use "
				  "--db FILE)");
			ret = CLI_EXIT_INPUT;
		}
	}
	/* Open the database and load rules first: mistakes there are likely, and cheap. */
	_cleanup_(vuln_db_freep) struct vuln_db *db = NULL;
	if (ret == CLI_EXIT_OK && (scanners & SCAN_VULN)) {
		struct bh_diag diag = { 0 };
		int r = vuln_db_open(db_path, &db, &diag);
		if (r < 0) {
			char msg[1200];
			bh_diag_format(&diag, msg, sizeof(msg));
			log_error("%s", msg);
			ret = cli_exit_for_errno(r);
		}
	}
	_cleanup_(sec_engine_freep) struct sec_engine *engine = NULL;
	struct sec_image_scan sec = { 0 };
	bool sec_init = false;
	if (ret == CLI_EXIT_OK && (scanners & SCAN_SECRET)) {
		ret = load_secret_engine(secret_cfg, ctx, &engine);
		if (ret == CLI_EXIT_OK) {
			int r = sec_image_scan_init(&sec, engine);
			if (r < 0) {
				log_error_errno(r, "cannot start the secret scanner: %m");
				ret = CLI_EXIT_RUNTIME;
			}
			sec_init = r >= 0;
		}
	} else if (ret == CLI_EXIT_OK && secret_cfg) {
		log_error("--secret-config applies to the secret scanner: add secret to --scanners");
		ret = CLI_EXIT_INPUT;
	}
	_cleanup_(img_freep) struct img *img = NULL;
	if (ret == CLI_EXIT_OK)
		ret = cli_open_image(ctx, argv[optind], platform, sec_init ? sec.visitor : NULL,
				     &img);
	struct vuln_report rep = { 0 };
	struct bh_findings other = { 0 };
	struct scan_results res = { .scanners = scanners, .vuln = &rep, .other = &other };
	if (ret == CLI_EXIT_OK && (scanners & SCAN_VULN)) {
		int r = vuln_match_image(db, img, &mo, &rep);
		if (r < 0) {
			log_error_errno(r, "%s: cannot read the vulnerability database: %m", db_path);
			ret = r == -ENOMEM ? CLI_EXIT_RUNTIME : CLI_EXIT_INPUT;
		}
	}
	for (size_t i = 0; ret == CLI_EXIT_OK && i < vex.n; i++)
		ret = load_vex(vex.v[i], ctx, &rep);
	strv_done(&vex);
	if (ret == CLI_EXIT_OK && sec_init) {
		struct sec_stats st = { 0 };
		int r = sec_image_scan_finish(&sec, img, &other, &st);
		if (r >= 0)
			r = secret_note(&st, &res.notes);
		if (r < 0) {
			log_error_errno(r, "secret scan failed: %m");
			ret = CLI_EXIT_RUNTIME;
		}
	}
	if (sec_init)
		sec_image_scan_done(&sec);
	if (ret == CLI_EXIT_OK && (scanners & SCAN_CONFIG)) {
		co.now = (int64_t)bh_now(NULL);
		int r = imgcfg_check(img, &co, &other);
		if (r < 0) {
			log_error_errno(r, "configuration checks failed: %m");
			ret = CLI_EXIT_RUNTIME;
		}
	}
	if (ret == CLI_EXIT_OK && require_sig)
		ret = check_signature(img, key, key_path, ctx, &other);
	bh_findings_sort(&other);

	const char *store_spec = cli_store_spec(store_opt);
	if (ret == CLI_EXIT_OK && store_spec) {
		struct scan_render jr = { .fmt = FMT_JSON, .img = img, .res = &res };
		struct store_run run = { .kind = "scan", .time = (int64_t)bh_now(NULL),
					 .tool = "bulkhead " BULKHEAD_VERSION };
		struct cli_record_part parts[4];
		size_t n = 0;
		if (scanners & SCAN_VULN)
			parts[n++] = (struct cli_record_part){ "scan.vuln", is_vuln };
		if (scanners & SCAN_SECRET)
			parts[n++] = (struct cli_record_part){ "scan.secret", is_secret };
		if (scanners & SCAN_CONFIG)
			parts[n++] = (struct cli_record_part){ "scan.config", is_config };
		if (require_sig)
			parts[n++] = (struct cli_record_part){ "scan.signature", is_signature };
		ret = cli_record(ctx, store_spec, &run, scan_record_render, &jr, parts, n);
	}
	if (ret == CLI_EXIT_OK) {
		struct scan_render sr = { .fmt = fmt, .img = img, .res = &res };
		ret = cli_write_output(out_path, scan_render, &sr);
	}
	if (ret == CLI_EXIT_OK && fail_on_set &&
	    (vuln_report_count_at_least(&rep, (enum vuln_severity)fail_on) > 0 ||
	     bh_findings_count_at_least(&other, fail_on) > 0))
		ret = CLI_EXIT_FINDINGS;
	vuln_report_done(&rep);
	bh_findings_done(&other);
	strv_done(&res.notes);
	return ret;
}
