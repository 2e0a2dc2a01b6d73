/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-baseline.c — `bulkhead baseline list|show|export|import|diff|mode`: the behaviour
 * baselines the sensor learns (src/runtime/, docs/baseline.md), kept as versions in the store,
 * and the mode of each workload, which a running sensor picks up within seconds. Every mode
 * change and every import is an audit record.
 */
#include <getopt.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/fileio.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "runtime/baseline.h"
#include "store/store.h"

const char cmd_baseline_usage[] =
    "usage: bulkhead baseline list [--format table|json]\n"
    "       bulkhead baseline show WORKLOAD[#VERSION] [--format table|json]\n"
    "       bulkhead baseline export WORKLOAD[#VERSION] [-o FILE]\n"
    "       bulkhead baseline import FILE [--mode learn|monitor|protect]\n"
    "       bulkhead baseline diff OLD NEW [--format text|json]\n"
    "       bulkhead baseline mode WORKLOAD learn|monitor|protect [--actor NAME]\n"
    "       (every form also takes --store SPEC and --limit NAME=VALUE)\n"
    "\n"
    "The behaviour baseline of a workload is what `bulkhead sensor run --mode` learnt its\n"
    "processes do: executables (with SHA-256), parent/child pairs, files written (collapsed\n"
    "into directory patterns), sensitive files read, listening ports, outbound peers, syscalls\n"
    "and capabilities used (docs/baseline.md). Each save is a new version in the store.\n"
    "\n"
    "  list      every workload with its mode, latest version and fact counts\n"
    "  show      one baseline (latest, or #VERSION) as a table or its JSON document\n"
    "  export    the bulkhead.baseline/v1 document, to stdout or FILE (atomically)\n"
    "  import    check a document whole (any error rejects all of it) and store it as the\n"
    "            workload's next version; --mode also sets the workload's mode\n"
    "  diff      facts removed and added from OLD to NEW; each is WORKLOAD[#VERSION] in the\n"
    "            store, or a file when it starts with '/' or './' or ends in '.json'\n"
    "  mode      switch a workload's mode; a running sensor applies it within seconds\n"
    "            (learn: record, monitor: alert on deviations, protect: block them)\n"
    "\n"
    "  --store SPEC   the store (default $BULKHEAD_STORE, else the default store)\n"
    "  --actor NAME   who switches the mode (default: the login user), in the audit record\n"
    "\n"
    "Exit codes: 0 done, 2 usage or input error (unknown workload or version, a bad\n"
    "document), 3 runtime error (the store).\n";

struct bl_opts {
	const char *store, *out, *actor, *mode;
	bool json, json_set;
};

/* WORKLOAD[#VERSION] → workload (malloc'd) and version (0 = latest). */
static int parse_ref(const char *ref, char **ret_w, int64_t *ret_v)
{
	const char *h = strrchr(ref, '#');
	*ret_v = 0;
	if (h) {
		uint64_t v;
		if (parse_u64(span_from(h + 1), 10, INT64_MAX, &v) < 0 || v == 0) {
			log_error("bad version in '%s': WORKLOAD#N with N from 1", ref);
			return CLI_EXIT_INPUT;
		}
		*ret_v = (int64_t)v;
	}
	*ret_w = h ? span_dup(span_make(ref, (size_t)(h - ref))) : strdup(ref);
	if (!*ret_w) {
		log_error("out of memory");
		return CLI_EXIT_RUNTIME;
	}
	if (!**ret_w) {
		log_error("empty workload in '%s'", ref);
		return CLI_EXIT_INPUT;
	}
	return CLI_EXIT_OK;
}

int cli_baseline_open_store(struct cli_ctx *ctx, const char *store_opt, struct store **ret)
{
	const char *spec = cli_store_spec(store_opt);
	_cleanup_free_ char *def = NULL;
	if (!spec) {
		int r = store_default_spec(&def);
		if (r < 0) {
			log_error("no store: give --store or set BULKHEAD_STORE (%s)", strerror(-r));
			return CLI_EXIT_INPUT;
		}
		spec = def;
	}
	struct bh_diag diag = { 0 };
	int r = store_open(spec, &ctx->limits, STORE_OPEN_EXISTING | STORE_OPEN_READONLY, ret,
			   &diag);
	if (r < 0)
		return cli_fail_diag(r, &diag, spec);
	return CLI_EXIT_OK;
}

int cli_baseline_load_stored(struct cli_ctx *ctx, struct store *s, const char *ref,
			     struct baseline **ret, int64_t *ret_version)
{
	_cleanup_free_ char *w = NULL;
	int64_t v;
	int ret_code = parse_ref(ref, &w, &v);
	if (ret_code != CLI_EXIT_OK)
		return ret_code;
	struct store_baseline sb = { 0 };
	int r = store_baseline_get(s, w, v, &sb);
	if (r == -ENOENT) {
		if (v)
			log_error("%s: no version %lld of workload '%s'", store_name(s), (long long)v, w);
		else
			log_error("%s: no baseline for workload '%s' (see 'bulkhead baseline list')",
				  store_name(s), w);
		return CLI_EXIT_INPUT;
	}
	if (r < 0) {
		log_error("%s: %s", store_name(s), store_errmsg(s)[0] ? store_errmsg(s) : strerror(-r));
		return CLI_EXIT_RUNTIME;
	}
	char src[64];
	(void)xsnprintf(src, sizeof(src), "version %lld", (long long)sb.version);
	struct bh_diag diag = { 0 };
	r = baseline_import(span_from(sb.doc), NULL, &ctx->limits, src, ret, &diag);
	if (ret_version)
		*ret_version = sb.version;
	store_baseline_done(&sb);
	if (r < 0) {
		cli_fail_diag(r, &diag, w);
		return CLI_EXIT_RUNTIME; /* the store holds what bulkhead wrote: not an input error */
	}
	return CLI_EXIT_OK;
}

bool cli_baseline_is_file_ref(const char *s)
{
	size_t n = strlen(s);
	return s[0] == '/' || strncmp(s, "./", 2) == 0 || strncmp(s, "../", 3) == 0 ||
	       (n > 5 && streq(s + n - 5, ".json")) || streq(s, "-");
}

int cli_baseline_load_file(struct cli_ctx *ctx, const char *path, struct baseline **ret)
{
	_cleanup_buf_ struct buf data;
	buf_init(&data, 0);
	int r = streq(path, "-") ? bh_read_fd(STDIN_FILENO, ctx->limits.input_max_bytes, &data)
				 : bh_read_file_at(AT_FDCWD, path, 0, ctx->limits.input_max_bytes, &data);
	if (r < 0) {
		if (r == -E2BIG)
			log_error("%s: larger than input-max-bytes (%llu)", path,
				  (unsigned long long)ctx->limits.input_max_bytes);
		else
			log_error_errno(r, "%s: cannot read: %m", path);
		return CLI_EXIT_INPUT;
	}
	struct bh_diag diag = { 0 };
	r = baseline_import(span_make(data.ptr, data.len), NULL, &ctx->limits,
			    streq(path, "-") ? "stdin" : path, ret, &diag);
	if (r < 0) {
		cli_fail_diag(r, &diag, path);
		return r == -ENOMEM ? CLI_EXIT_RUNTIME : CLI_EXIT_INPUT;
	}
	return CLI_EXIT_OK;
}

static size_t facts_total(const struct baseline *b)
{
	size_t n = 0;
	for (int t = 0; t < _BASELINE_TYPE_MAX; t++)
		n += b->sets[t].n;
	return n;
}

/* ---- list ------------------------------------------------------------------------------- */

struct list_state {
	struct cli_ctx *ctx;
	struct store *s;
	json_t *arr;
	FILE *f;
	bool json;
	size_t n;
};

static int list_one(void *u, const struct store_baseline *sb)
{
	struct list_state *st = u;
	struct store_baseline_mode m = { 0 };
	int r = store_baseline_mode_get(st->s, sb->workload, &m);
	if (r < 0 && r != -ENOENT)
		return r;
	const char *mode = r >= 0 ? m.mode : sb->mode;
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	struct bh_diag diag = { 0 };
	int ir = baseline_import(span_from(sb->doc), NULL, &st->ctx->limits, sb->workload, &b, &diag);
	char when[32] = "";
	(void)bh_format_rfc3339(sb->time, when, sizeof(when));
	st->n++;
	if (st->json) {
		json_t *facts = json_object();
		for (int t = 0; b && facts && t < _BASELINE_TYPE_MAX; t++)
			(void)json_object_set_new(facts, baseline_type_name(t),
						  json_integer((json_int_t)b->sets[t].n));
		json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:s, s:s, s:o}", "workload", sb->workload,
				      "mode", mode, "mode_set", r >= 0, "version",
				      (json_int_t)sb->version, "saved", when, "doc_hash",
				      sb->doc_hash, "facts", facts ? facts : json_null());
		r = o ? json_array_append_new(st->arr, o) : -ENOMEM;
		if (r >= 0 && ir < 0)
			r = bh_json_set_str(o, "error", diag.message);
	} else {
		char cnt[32] = "?";
		if (b)
			(void)xsnprintf(cnt, sizeof(cnt), "%zu", facts_total(b));
		r = fprintf(st->f, "%-60s %-8s %7lld  %-20s %6s\n", sb->workload, mode,
			    (long long)sb->version, when, cnt) < 0
			    ? -EIO
			    : 0;
	}
	store_baseline_mode_done(&m);
	return r < 0 ? r : 0;
}

static int bl_list(struct cli_ctx *ctx, const struct bl_opts *o)
{
	_cleanup_(store_closep) struct store *s = NULL;
	int ret = cli_baseline_open_store(ctx, o->store, &s);
	if (ret != CLI_EXIT_OK)
		return ret;
	_cleanup_json_ json_t *arr = json_array();
	struct list_state st = { .ctx = ctx, .s = s, .arr = arr, .f = stdout, .json = o->json };
	if (!o->json)
		printf("%-60s %-8s %7s  %-20s %6s\n", "WORKLOAD", "MODE", "VERSION", "SAVED", "FACTS");
	int r = store_baselines_foreach(s, false, list_one, &st);
	if (r < 0) {
		log_error("%s: %s", store_name(s), store_errmsg(s)[0] ? store_errmsg(s) : strerror(-r));
		return CLI_EXIT_RUNTIME;
	}
	if (o->json) {
		_cleanup_json_ json_t *doc = json_pack("{s:s, s:s, s:O}", "schema",
						       "bulkhead.baseline-list/v1", "store",
						       store_name(s), "workloads", arr);
		if (!doc || bh_json_dump_file(doc, stdout) < 0)
			return CLI_EXIT_RUNTIME;
	}
	return CLI_EXIT_OK;
}

/* ---- show / export --------------------------------------------------------------------- */

static int show_table(const struct baseline *b, int64_t version, FILE *f)
{
	_cleanup_buf_ struct buf line;
	buf_init(&line, 0);
	fprintf(f, "workload: %s\nmode: %s\nversion: %lld\n", b->workload,
		baseline_mode_name(b->mode), (long long)version);
	for (int t = 0; t < _BASELINE_TYPE_MAX; t++) {
		const struct baseline_set *set = &b->sets[t];
		fprintf(f, "\n%s (%zu%s)\n", baseline_type_name(t), set->n,
			set->overflow ? ", incomplete" : "");
		for (size_t i = 0; i < set->n; i++) {
			buf_clear(&line);
			if (baseline_fact_format(t, &set->v[i], &line) < 0)
				return -ENOMEM;
			fprintf(f, "  %s\n", buf_str(&line));
		}
		if (set->overflow)
			fprintf(f, "  (%llu more not kept: limit reached)\n",
				(unsigned long long)set->overflow);
	}
	return ferror(f) ? -EIO : 0;
}

static int bl_show(struct cli_ctx *ctx, const struct bl_opts *o, const char *ref, bool export)
{
	_cleanup_(store_closep) struct store *s = NULL;
	int ret = cli_baseline_open_store(ctx, o->store, &s);
	if (ret != CLI_EXIT_OK)
		return ret;
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	int64_t version = 0;
	ret = cli_baseline_load_stored(ctx, s, ref, &b, &version);
	if (ret != CLI_EXIT_OK)
		return ret;
	struct bh_output out;
	int r = bh_output_open(&out, o->out);
	if (r < 0) {
		log_error_errno(r, "%s: cannot write: %m", o->out);
		return CLI_EXIT_INPUT;
	}
	if (export || o->json) {
		_cleanup_buf_ struct buf doc;
		buf_init(&doc, 0);
		r = baseline_export(b, &doc);
		if (r >= 0 && fwrite(doc.ptr, 1, doc.len, out.f) != doc.len)
			r = -EIO;
	} else
		r = show_table(b, version, out.f);
	if (r >= 0)
		r = bh_output_commit(&out);
	else
		bh_output_abort(&out);
	if (r < 0) {
		log_error_errno(r, "%s: cannot write: %m", o->out ? o->out : "stdout");
		return CLI_EXIT_RUNTIME;
	}
	return CLI_EXIT_OK;
}

/* ---- import / mode ---------------------------------------------------------------------- */

static const char *default_actor(const struct bl_opts *o)
{
	if (o->actor)
		return o->actor;
	const char *u = getlogin();
	if (!u || !*u)
		u = secure_getenv("USER");
	return u && *u ? u : "bulkhead baseline";
}

static int set_mode(struct cli_ctx *ctx, const struct bl_opts *o, struct cli_audit *a,
		    const char *workload, const char *mode, const char *why)
{
	struct store_baseline_mode old = { 0 };
	int r = store_baseline_mode_get(a->store, workload, &old);
	if (r < 0 && r != -ENOENT) {
		log_error("%s: %s", store_name(a->store),
			  store_errmsg(a->store)[0] ? store_errmsg(a->store) : strerror(-r));
		return CLI_EXIT_RUNTIME;
	}
	int64_t seq = 0;
	const char *actor = default_actor(o);
	r = store_baseline_mode_set(a->store, workload, mode, (int64_t)time(NULL), actor, &seq);
	if (r < 0) {
		store_baseline_mode_done(&old);
		log_error("%s: cannot set the mode: %s", store_name(a->store),
			  store_errmsg(a->store)[0] ? store_errmsg(a->store) : strerror(-r));
		return r == -EINVAL ? CLI_EXIT_INPUT : CLI_EXIT_RUNTIME;
	}
	_cleanup_json_ json_t *p = json_pack("{s:s, s:o, s:s, s:s, s:I}", "workload", workload,
					     "from", old.mode ? json_string(old.mode) : json_null(),
					     "to", mode, "reason", why, "seq", (json_int_t)seq);
	store_baseline_mode_done(&old);
	if (!p)
		return CLI_EXIT_RUNTIME;
	(void)ctx;
	return cli_audit_append(a, "baseline.mode", workload, actor, p);
}

static int bl_mode(struct cli_ctx *ctx, const struct bl_opts *o, const char *workload,
		   const char *mode)
{
	if (baseline_mode_from_name(mode) < 0) {
		log_error("unknown mode '%s' (learn, monitor, protect)", mode);
		return CLI_EXIT_INPUT;
	}
	/* NULL: the default store (store_open resolves it) */
	const char *spec = cli_store_spec(o->store);
	struct cli_audit a;
	int ret = cli_audit_open(ctx, spec, STORE_OPEN_EXISTING, &a);
	if (ret != CLI_EXIT_OK)
		return ret;
	struct store_baseline sb = { 0 };
	int r = store_baseline_get(a.store, workload, 0, &sb);
	store_baseline_done(&sb);
	if (r == -ENOENT)
		log_notice("%s: no baseline stored for '%s' yet: the mode applies once the sensor "
			   "sees the workload (it learns first)",
			   store_name(a.store), workload);
	ret = set_mode(ctx, o, &a, workload, mode, "set by a user");
	int c = cli_audit_close(&a);
	if (ret == CLI_EXIT_OK)
		printf("%s: %s\n", workload, mode);
	return ret != CLI_EXIT_OK ? ret : c;
}

static int bl_import(struct cli_ctx *ctx, const struct bl_opts *o, const char *path)
{
	if (o->mode && baseline_mode_from_name(o->mode) < 0) {
		log_error("unknown mode '%s' (learn, monitor, protect)", o->mode);
		return CLI_EXIT_INPUT;
	}
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	int ret = cli_baseline_load_file(ctx, path, &b);
	if (ret != CLI_EXIT_OK)
		return ret;
	_cleanup_buf_ struct buf doc;
	buf_init(&doc, 0);
	if (baseline_export(b, &doc) < 0) {
		log_error("out of memory");
		return CLI_EXIT_RUNTIME;
	}
	/* NULL: the default store (store_open resolves it) */
	const char *spec = cli_store_spec(o->store);
	struct cli_audit a;
	ret = cli_audit_open(ctx, spec, 0, &a);
	if (ret != CLI_EXIT_OK)
		return ret;
	int64_t version = 0;
	const char *mode = o->mode ? o->mode : baseline_mode_name(b->mode);
	int r = store_baseline_put(a.store, b->workload, (int64_t)time(NULL), mode, buf_str(&doc), &version);
	if (r < 0) {
		log_error("%s: cannot store the baseline: %s", store_name(a.store),
			  store_errmsg(a.store)[0] ? store_errmsg(a.store) : strerror(-r));
		ret = r == -EINVAL ? CLI_EXIT_INPUT : CLI_EXIT_RUNTIME;
	}
	if (ret == CLI_EXIT_OK) {
		char hash[BH_DIGEST_STR_LEN + 1];
		_cleanup_json_ json_t *p = NULL;
		if (bh_sha256_str(doc.ptr, doc.len, hash) >= 0)
			p = json_pack("{s:s, s:s, s:I, s:I, s:s}", "workload", b->workload, "source",
				      path, "version", (json_int_t)version, "facts",
				      (json_int_t)facts_total(b), "doc_hash", hash);
		ret = p ? cli_audit_append(&a, "baseline.import", b->workload, default_actor(o), p)
			: CLI_EXIT_RUNTIME;
	}
	if (ret == CLI_EXIT_OK && o->mode)
		ret = set_mode(ctx, o, &a, b->workload, o->mode, "set by an import");
	int c = cli_audit_close(&a);
	if (ret == CLI_EXIT_OK)
		printf("%s: version %lld (%zu facts)\n", b->workload, (long long)version,
		       facts_total(b));
	return ret != CLI_EXIT_OK ? ret : c;
}

/* ---- diff ------------------------------------------------------------------------------- */

static int bl_diff(struct cli_ctx *ctx, const struct bl_opts *o, const char *a_ref, const char *b_ref)
{
	_cleanup_(store_closep) struct store *s = NULL;
	_cleanup_(baseline_freep) struct baseline *a = NULL, *b = NULL;
	const char *refs[2] = { a_ref, b_ref };
	struct baseline **bs[2] = { &a, &b };
	for (int i = 0; i < 2; i++) {
		int ret;
		if (cli_baseline_is_file_ref(refs[i]))
			ret = cli_baseline_load_file(ctx, refs[i], bs[i]);
		else {
			if (!s && (ret = cli_baseline_open_store(ctx, o->store, &s)) != CLI_EXIT_OK)
				return ret;
			ret = cli_baseline_load_stored(ctx, s, refs[i], bs[i], NULL);
		}
		if (ret != CLI_EXIT_OK)
			return ret;
	}
	_cleanup_(baseline_diff_freep) struct baseline_diff *d = NULL;
	if (baseline_diff(a, b, &d) < 0) {
		log_error("out of memory");
		return CLI_EXIT_RUNTIME;
	}
	int r;
	if (o->json) {
		_cleanup_json_ json_t *doc = NULL;
		r = baseline_diff_to_json(d, &doc);
		if (r >= 0 && (bh_json_set_str(doc, "old", a_ref) < 0 ||
			       bh_json_set_str(doc, "new", b_ref) < 0))
			r = -ENOMEM;
		if (r >= 0)
			r = bh_json_dump_file(doc, stdout);
	} else {
		_cleanup_buf_ struct buf t;
		buf_init(&t, 0);
		r = baseline_diff_to_text(d, &t);
		if (r >= 0 && fputs(buf_str(&t), stdout) == EOF)
			r = -EIO;
	}
	if (r < 0) {
		log_error_errno(r, "cannot write the diff: %m");
		return CLI_EXIT_RUNTIME;
	}
	return CLI_EXIT_OK;
}

int cmd_baseline(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },	     { "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },  { "store", required_argument, NULL, 'T' },
		{ "actor", required_argument, NULL, 'A' },   { "mode", required_argument, NULL, 'M' },
		{ "limit", required_argument, NULL, 'L' },   { 0 },
	};
	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		fputs(cmd_baseline_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_INPUT : CLI_EXIT_OK;
	}
	const char *sub = argv[1];
	struct bl_opts o = { 0 };
	int c;
	optind = 0;
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "hf:o:", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_baseline_usage, stdout);
			return CLI_EXIT_OK;
		case 'f':
			if (streq(optarg, "json"))
				o.json = true;
			else if (!streq(optarg, "table") && !streq(optarg, "text")) {
				log_error("unknown format '%s' (table or text, json)", optarg);
				return CLI_EXIT_INPUT;
			}
			o.json_set = true;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'T':
			o.store = optarg;
			break;
		case 'A':
			if (!*optarg) {
				log_error("--actor needs a name");
				return CLI_EXIT_INPUT;
			}
			o.actor = optarg;
			break;
		case 'M':
			o.mode = optarg;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				return CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_baseline_usage, stderr);
			return CLI_EXIT_INPUT;
		}
	}
	int nargs = argc - optind;
	char **args = argv + optind;
	struct {
		const char *name;
		int nargs;
	} forms[] = { { "list", 0 }, { "show", 1 }, { "export", 1 },
		      { "import", 1 }, { "diff", 2 }, { "mode", 2 } };
	size_t k = 0;
	while (k < ARRAY_SIZE(forms) && !streq(forms[k].name, sub))
		k++;
	if (k == ARRAY_SIZE(forms)) {
		log_error("unknown baseline command '%s' (list, show, export, import, diff, mode)",
			  sub);
		return CLI_EXIT_INPUT;
	}
	if (nargs != forms[k].nargs) {
		log_error("'baseline %s' takes %d argument%s (see 'bulkhead baseline --help')", sub,
			  forms[k].nargs, forms[k].nargs == 1 ? "" : "s");
		return CLI_EXIT_INPUT;
	}
	if (o.out && !streq(sub, "export")) {
		log_error("-o is for 'baseline export'");
		return CLI_EXIT_INPUT;
	}
	if (o.mode && !streq(sub, "import")) {
		log_error("--mode is for 'baseline import' (use 'baseline mode WORKLOAD MODE')");
		return CLI_EXIT_INPUT;
	}
	switch (k) {
	case 0:
		return bl_list(ctx, &o);
	case 1:
		return bl_show(ctx, &o, args[0], false);
	case 2:
		return bl_show(ctx, &o, args[0], true);
	case 3:
		return bl_import(ctx, &o, args[0]);
	case 4:
		return bl_diff(ctx, &o, args[0], args[1]);
	default:
		return bl_mode(ctx, &o, args[0], args[1]);
	}
}
