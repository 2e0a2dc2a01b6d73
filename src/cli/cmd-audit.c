/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-audit.c — `bulkhead audit verify|log|export|import-k8s|checkpoint|key`: options, the
 * store and the key, one call into src/audit/ per action, rendering. The record format,
 * hashes and signatures are src/audit/'s (docs/audit-log.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "common/json.h"

const char cmd_audit_usage[] =
    "usage: bulkhead audit verify [--store S] [--key PUB] [--head FILE] [--format text|json]\n"
    "       bulkhead audit log [--store S] [--since T] [--kind K] [--target T]\n"
    "                          [--format table|json]\n"
    "       bulkhead audit export [--store S] [--since T] [--kind K] [--target T] [-o FILE]\n"
    "       bulkhead audit import-k8s [--store S] [--key KEY] FILE...\n"
    "       bulkhead audit checkpoint [--store S] [--key KEY]\n"
    "       bulkhead audit key [--key KEY]\n"
    "       bulkhead audit ask admins|regulated-data|segregation|remediation ...\n"
    "                          (see 'bulkhead audit ask --help')\n"
    "\n"
    "The audit log is a SHA-256 hash chain of records over canonical JSON with Ed25519-signed\n"
    "checkpoints (docs/audit-log.md).\n"
    "\n"
    "  verify      check every record, link, checkpoint and the head file; exit 0 intact,\n"
    "              1 tampered (one line names the first bad record)\n"
    "  log         print records (table or bulkhead.audit-log/v1 JSON)\n"
    "  export      records as JSON lines for a SIEM, each with its hash\n"
    "  import-k8s  record who changed which object from Kubernetes API audit logs\n"
    "              (audit.k8s.io/v1 Event, JSON lines) as records of kind k8s.api\n"
    "  checkpoint  verify the log, then sign a checkpoint of its last record now\n"
    "  key         print the public key (PEM) of the audit key, creating the key if needed\n"
    "\n"
    "  -s, --store S          SQLite file or postgres://... (default $BULKHEAD_STORE, else the\n"
    "                         store in $BULKHEAD_HOME or ~/.local/share/bulkhead)\n"
    "  -k, --key KEY          Ed25519 key, PEM (default $BULKHEAD_HOME/audit-key.pem, made\n"
    "                         with mode 0600 on first use); verify takes a public key too\n"
    "      --head FILE        signed head file for verify (default KEY.head)\n"
    "      --since T          records at or after T: RFC 3339 time, YYYY-MM-DD, or 30m/24h/7d\n"
    "      --kind K           records of kind K (K* : kinds starting with K)\n"
    "      --target T         records about target T (T* : targets starting with T)\n"
    "      --checkpoint-every N  import-k8s: sign a checkpoint every N records (1000)\n"
    "  -f, --format F         verify: text|json; log: table|json\n"
    "  -o, --output FILE      export: write to FILE (default stdout)\n"
    "      --limit N=V        override an input limit (see 'bulkhead help limits')\n"
    "\n"
    "Exit codes: 0 intact / done, 1 tampered (verify, checkpoint), 2 usage or input error\n"
    "(malformed event lines are reported as FILE:LINE and nothing is imported), 3 runtime\n"
    "error.\n";

enum audit_action { ACT_VERIFY, ACT_LOG, ACT_EXPORT, ACT_IMPORT, ACT_CHECKPOINT, ACT_KEY };

struct audit_args {
	enum audit_action action;
	const char *store, *key, *head, *since_str, *kind, *target, *output;
	int64_t since;
	uint64_t checkpoint_every;
	bool json;
	char **files;
	int n_files;
};

static int parse_args(int argc, char **argv, struct cli_ctx *ctx, struct audit_args *a)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"store", required_argument, NULL, 's'},
	    {"key", required_argument, NULL, 'k'},
	    {"head", required_argument, NULL, 'H'},
	    {"since", required_argument, NULL, 'S'},
	    {"kind", required_argument, NULL, 'K'},
	    {"target", required_argument, NULL, 'T'},
	    {"checkpoint-every", required_argument, NULL, 'C'},
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"limit", required_argument, NULL, 'L'},
	    {0},
	};
	if (argc < 2) {
		log_error("missing action: verify, log, export, import-k8s, checkpoint or key (see "
			  "'bulkhead help audit')");
		return CLI_EXIT_INPUT;
	}
	static const char *const names[] = {"verify",	  "log",	"export",
					    "import-k8s", "checkpoint", "key"};
	size_t i;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (streq(argv[1], names[i]))
			break;
	if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
		fputs(cmd_audit_usage, stdout);
		return -1;
	}
	if (i == ARRAY_SIZE(names)) {
		log_error("unknown audit action '%s' (see 'bulkhead help audit')", argv[1]);
		return CLI_EXIT_INPUT;
	}
	a->action = (enum audit_action)i;
	const char *format = NULL;
	argc--;
	argv++;
	optind = 0;
	int c;
	while ((c = getopt_long(argc, argv, "hs:k:f:o:", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_audit_usage, stdout);
			return -1;
		case 's':
			a->store = optarg;
			break;
		case 'k':
			a->key = optarg;
			break;
		case 'H':
			a->head = optarg;
			break;
		case 'S':
			a->since_str = optarg;
			break;
		case 'K':
			a->kind = optarg;
			break;
		case 'T':
			a->target = optarg;
			break;
		case 'C':
			if (parse_u64(span_from(optarg), 10, 100000000, &a->checkpoint_every) < 0 ||
			    a->checkpoint_every == 0) {
				log_error(
				    "--checkpoint-every '%s' is not a number from 1 to 100000000",
				    optarg);
				return CLI_EXIT_INPUT;
			}
			break;
		case 'f':
			format = optarg;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				return CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_audit_usage, stderr);
			return CLI_EXIT_INPUT;
		}
	}
	a->files = argv + optind;
	a->n_files = argc - optind;
	if (a->action == ACT_IMPORT && a->n_files == 0) {
		log_error("missing FILE (see 'bulkhead help audit')");
		return CLI_EXIT_INPUT;
	}
	if (a->action != ACT_IMPORT && a->n_files > 0) {
		log_error("unexpected argument '%s' (see 'bulkhead help audit')", a->files[0]);
		return CLI_EXIT_INPUT;
	}
	if (format) {
		bool ok = streq(format, "json") ||
			  (a->action == ACT_VERIFY && streq(format, "text")) ||
			  (a->action == ACT_LOG && streq(format, "table"));
		if (!ok || (a->action != ACT_VERIFY && a->action != ACT_LOG)) {
			log_error("unknown format '%s' for audit %s (%s)", format, names[i],
				  a->action == ACT_VERIFY ? "text, json"
				  : a->action == ACT_LOG  ? "table, json"
							  : "no --format");
			return CLI_EXIT_INPUT;
		}
		a->json = streq(format, "json");
	}
	if (a->since_str &&
	    audit_parse_since(span_from(a->since_str), audit_now_us(), &a->since) < 0) {
		log_error("--since '%s' is not an RFC 3339 time, a date YYYY-MM-DD or a duration "
			  "like 24h",
			  a->since_str);
		return CLI_EXIT_INPUT;
	}
	if ((a->since_str || a->kind || a->target) && a->action != ACT_LOG &&
	    a->action != ACT_EXPORT) {
		log_error("--since, --kind and --target apply to log and export only");
		return CLI_EXIT_INPUT;
	}
	if (a->output && a->action != ACT_EXPORT) {
		log_error("--output applies to export only");
		return CLI_EXIT_INPUT;
	}
	return 0;
}

static int open_store(struct cli_ctx *ctx, const struct audit_args *a, bool write,
		      struct store **ret)
{
	_cleanup_free_ char *def = NULL;
	const char *spec = a->store;
	int r;
	if (!spec) {
		if ((r = store_default_spec(&def)) < 0)
			return log_error_errno(r, "cannot find the default store (set --store or "
						  "BULKHEAD_STORE): %m"),
			       cli_exit_for_errno(r);
		spec = def;
	}
	struct bh_diag diag = {0};
	r = store_open(spec, &ctx->limits, write ? 0 : STORE_OPEN_EXISTING | STORE_OPEN_READONLY,
		       ret, &diag);
	if (r < 0)
		return cli_fail_diag(r, &diag, spec);
	return 0;
}

/* The private key path (--key or the default) in *ret. 0 or an exit code. */
static int key_path(const struct audit_args *a, char **ret)
{
	if (a->key) {
		*ret = strdup(a->key);
		return *ret ? 0 : CLI_EXIT_RUNTIME;
	}
	int r = audit_key_default_path(ret);
	if (r < 0) {
		log_error_errno(
		    r, "cannot find the default audit key (set --key or BULKHEAD_HOME): %m");
		return cli_exit_for_errno(r);
	}
	return 0;
}

static int load_private(const struct audit_args *a, struct audit_key **ret, char **ret_head)
{
	_cleanup_free_ char *path = NULL;
	int r = key_path(a, &path);
	if (r)
		return r;
	struct bh_diag diag = {0};
	bool created = false;
	r = audit_key_load_private(path, true, ret, &created, &diag);
	if (r < 0)
		return cli_fail_diag(r, &diag, path);
	if (created)
		log_notice("created audit key '%s' (%s)", path, audit_key_id(*ret));
	if (audit_head_path(path, ret_head) < 0) {
		audit_key_free(*ret);
		*ret = NULL;
		return CLI_EXIT_RUNTIME;
	}
	return 0;
}

static bool file_exists(const char *p)
{
	struct stat st;
	return p && stat(p, &st) == 0;
}

/* ---- verify -------------------------------------------------------------------------------- */

static int do_verify(struct cli_ctx *ctx, const struct audit_args *a)
{
	_cleanup_(store_closep) struct store *s = NULL;
	int r = open_store(ctx, a, false, &s);
	if (r)
		return r;
	_cleanup_(audit_key_freep) struct audit_key *k = NULL;
	_cleanup_free_ char *defkey = NULL, *head = NULL;
	struct bh_diag diag = {0};
	const char *kp = a->key;
	if (!kp && audit_key_default_path(&defkey) == 0 && file_exists(defkey))
		kp = defkey;
	if (kp && (r = audit_key_load_public(kp, &k, &diag)) < 0)
		return cli_fail_diag(r, &diag, kp);
	if (a->head)
		head = strdup(a->head);
	else if (kp && audit_head_path(kp, &head) == 0 && !file_exists(head) && defkey == NULL &&
		 audit_key_default_path(&defkey) == 0) {
		free(head);
		head = NULL;
		(void)audit_head_path(defkey, &head);
	}
	if (!k)
		log_warning("no audit key (--key PUB, or %s): checkpoint signatures not checked",
			    defkey ? defkey : "$BULKHEAD_HOME/audit-key.pem");

	struct audit_verify_result res;
	r = audit_verify(s, k, head, &res);
	if (r < 0) {
		log_error_errno(r, "cannot verify the audit log of '%s': %m", store_name(s));
		return cli_exit_for_errno(r);
	}
	bool ok = res.problem == AUDIT_OK;
	if (a->json) {
		_cleanup_json_ json_t *doc = json_object();
		json_t *bad = ok ? json_null() : json_object();
		if (!doc || !bad)
			return CLI_EXIT_RUNTIME;
		if (!ok && (bh_json_set_new(bad, "seq", json_integer(res.bad_seq)) < 0 ||
			    bh_json_set_new(bad, "from_seq", json_integer(res.bad_from)) < 0 ||
			    bh_json_set_str(bad, "problem", audit_problem_name(res.problem)) < 0 ||
			    bh_json_set_str(bad, "message", res.message) < 0)) {
			json_decref(bad);
			return CLI_EXIT_RUNTIME;
		}
		r = bh_json_set_str(doc, "schema", "bulkhead.audit-verify/v1") ?:
		    bh_json_set_str(doc, "store", store_name(s)) ?:
		    bh_json_set_new(doc, "intact", json_boolean(ok)) ?:
		    bh_json_set_new(doc, "records", json_integer(res.records)) ?:
		    bh_json_set_new(doc, "checkpoints", json_integer(res.checkpoints)) ?:
		    bh_json_set_new(doc, "last_signed_seq", json_integer(res.last_signed_seq)) ?:
		    bh_json_set_new(doc, "unsigned_records", json_integer(res.unsigned_records)) ?:
		    bh_json_set_new(doc, "key_id", k ? json_string(audit_key_id(k)) : json_null()) ?:
		    bh_json_set_new(doc, "head_seq",
				    res.head_used ? json_integer(res.head_seq) : json_null()) ?:
		    bh_json_set_new(doc, "first_bad", bad);
		if (r < 0 || bh_json_dump_file(doc, stdout) < 0)
			return CLI_EXIT_RUNTIME;
	} else if (ok) {
		printf("intact: %lld records, %lld checkpoints, signed through seq %lld",
		       (long long)res.records, (long long)res.checkpoints,
		       (long long)res.last_signed_seq);
		if (res.unsigned_records)
			printf(" (%lld later records not yet covered by a signature)",
			       (long long)res.unsigned_records);
		putchar('\n');
	} else
		printf("tampered: record %lld: %s (%s)\n", (long long)res.bad_seq, res.message,
		       audit_problem_name(res.problem));
	return ok ? CLI_EXIT_OK : CLI_EXIT_FINDINGS;
}

/* ---- log and export ------------------------------------------------------------------------ */

static bool match(const char *pattern, const char *value)
{
	if (!pattern)
		return true;
	size_t n = strlen(pattern);
	if (n && pattern[n - 1] == '*')
		return strncmp(value ? value : "", pattern, n - 1) == 0;
	return streq(pattern, value ? value : "");
}

struct walk {
	const struct audit_args *a;
	FILE *f;
	json_t *records; /* log --format json */
	struct buf line;
	size_t n;
	int err;
};

static int log_row_json(struct walk *w, const struct store_audit_row *row)
{
	char when[40];
	json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	json_t *payload =
	    json_loadb(row->payload, strlen(row->payload), JSON_REJECT_DUPLICATES, NULL);
	int r = audit_format_time(row->time, when, sizeof(when));
	r = r ?: bh_json_set_new(o, "seq", json_integer(row->seq)) ?:
	    bh_json_set_new(o, "time", json_integer(row->time)) ?:
	    bh_json_set_str(o, "time_rfc3339", when) ?: bh_json_set_str(o, "kind", row->kind) ?:
	    bh_json_set_str(o, "target", row->target) ?: bh_json_set_str(o, "actor", row->actor) ?:
	    bh_json_set_new(o, "payload", payload ? payload : json_string(row->payload)) ?:
	    bh_json_set_str(o, "prev_hash", row->prev_hash) ?:
	    bh_json_set_str(o, "hash", row->hash);
	if (r < 0) {
		json_decref(o);
		return r == -EINVAL ? -EBADMSG : r;
	}
	return bh_json_append_new(w->records, o);
}

/* Printable column text: control characters shown as '?', cut at width (0 = no limit). */
static void put_cell(FILE *f, const char *s, int width, bool last)
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && (!width || n < width);
	     p++, n++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
	if (!last)
		for (; n < width + 2; n++)
			fputc(' ', f);
}

static int walk_cb(void *u, const struct store_audit_row *row)
{
	struct walk *w = u;
	if (row->time < w->a->since || !match(w->a->kind, row->kind) ||
	    !match(w->a->target, row->target))
		return 0;
	int r = 0;
	w->n++;
	if (w->a->action == ACT_EXPORT) {
		buf_clear(&w->line);
		r = audit_record_export(row, &w->line);
		if (r == -EINVAL) {
			log_error(
			    "record %lld has a field that is not UTF-8: cannot export it (run "
			    "'bulkhead audit verify')",
			    (long long)row->seq);
			r = -EBADMSG;
		}
		if (r == 0 && (fwrite(w->line.ptr, 1, w->line.len, w->f) != w->line.len ||
			       fputc('\n', w->f) == EOF))
			r = -EIO;
	} else if (w->records)
		r = log_row_json(w, row);
	else {
		char when[40];
		if (audit_format_time(row->time, when, sizeof(when)) == 0)
			when[19] = 'Z', when[20] = '\0';
		fprintf(w->f, "%-8lld  %-20s  ", (long long)row->seq, when);
		put_cell(w->f, row->kind, 20, false);
		put_cell(w->f, row->actor, 24, false);
		put_cell(w->f, row->target, 0, true);
		fputc('\n', w->f);
	}
	if (r < 0) {
		w->err = r;
		return r;
	}
	return 0;
}

struct render {
	struct store *s;
	const struct audit_args *a;
};

static int render_walk(void *u, FILE *f)
{
	struct render *x = u;
	struct walk w = {.a = x->a, .f = f};
	buf_init(&w.line, 0);
	_cleanup_json_ json_t *doc = NULL;
	if (x->a->action == ACT_LOG && x->a->json) {
		doc = json_object();
		w.records = json_array();
		if (!doc || !w.records ||
		    bh_json_set_str(doc, "schema", "bulkhead.audit-log/v1") < 0 ||
		    bh_json_set_str(doc, "store", store_name(x->s)) < 0) {
			json_decref(w.records);
			return -ENOMEM;
		}
		if (bh_json_set_new(doc, "records", w.records) < 0)
			return -ENOMEM;
	} else if (x->a->action == ACT_LOG)
		fprintf(f, "%-8s  %-20s  %-20s  %-24s  %s\n", "SEQ", "TIME", "KIND", "ACTOR",
			"TARGET");
	int r = store_audit_foreach(x->s, 1, walk_cb, &w);
	buf_done(&w.line);
	if (w.err < 0)
		return w.err;
	if (r < 0)
		return r;
	if (doc)
		return bh_json_dump_file(doc, f);
	return 0;
}

static int do_walk(struct cli_ctx *ctx, const struct audit_args *a)
{
	_cleanup_(store_closep) struct store *s = NULL;
	int r = open_store(ctx, a, false, &s);
	if (r)
		return r;
	struct render x = {s, a};
	return cli_write_output(a->action == ACT_EXPORT ? a->output : NULL, render_walk, &x);
}

/* ---- import-k8s ---------------------------------------------------------------------------- */

/* A set of strings (auditIDs): open addressing, FNV-1a. */
struct strset {
	char **slot;
	size_t cap, n;
};

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void strset_done(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
}

static int strset_grow(struct strset *set)
{
	size_t ncap = set->cap ? set->cap * 2 : 256;
	char **ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < set->cap; i++) {
		if (!set->slot[i])
			continue;
		size_t j = fnv(set->slot[i]) & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = set->slot[i];
	}
	free(set->slot);
	set->slot = ns;
	set->cap = ncap;
	return 0;
}

/* Add s: 1 added, 0 already present, -ENOMEM. */
static int strset_add(struct strset *set, const char *s)
{
	if ((set->n + 1) * 2 > set->cap && strset_grow(set) < 0)
		return -ENOMEM;
	size_t j = fnv(s) & (set->cap - 1);
	while (set->slot[j]) {
		if (streq(set->slot[j], s))
			return 0;
		j = (j + 1) & (set->cap - 1);
	}
	if (!(set->slot[j] = strdup(s)))
		return -ENOMEM;
	set->n++;
	return 1;
}

static int known_ids_cb(void *u, const struct store_audit_row *row)
{
	if (!streq(row->kind, "k8s.api"))
		return 0;
	json_t *p = json_loads(row->payload, 0, NULL);
	const char *id = p ? bh_json_str(p, "audit_id") : NULL;
	int r = id ? strset_add(u, id) : 0;
	json_decref(p);
	return r < 0 ? r : 0;
}

struct import_stats {
	size_t events, changes, recorded, duplicates;
};

/*
 * One pass over every line of every file: check (append false) or append. A malformed line
 * is reported as FILE:LINE and ends the pass with an exit code.
 */
static int import_pass(struct cli_ctx *ctx, const struct audit_args *a, struct audit_writer *w,
		       struct strset *seen, struct import_stats *st)
{
	for (int i = 0; i < a->n_files; i++) {
		const char *path = a->files[i];
		FILE *f = fopen(path, "re");
		if (!f) {
			int r = -errno;
			log_error_errno(r, "cannot open '%s': %m", path);
			return cli_exit_for_errno(r);
		}
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		unsigned lineno = 0;
		int rc = 0;
		while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
			lineno++;
			struct span l = span_trim(span_make(line, (size_t)len));
			if (l.len == 0)
				continue;
			if ((uint64_t)len > ctx->limits.input_max_bytes) {
				log_error("%s:%u: line longer than input-max-bytes (%llu)", path,
					  lineno, (unsigned long long)ctx->limits.input_max_bytes);
				rc = CLI_EXIT_INPUT;
				break;
			}
			struct audit_k8s_event e = {0};
			struct bh_diag diag = {0};
			int r = audit_k8s_event_parse(l, &ctx->limits, &e, &diag);
			if (r < 0) {
				if (r == -ENOMEM) {
					log_error("out of memory");
					rc = CLI_EXIT_RUNTIME;
				} else {
					log_error("%s:%u: malformed audit event: %s", path, lineno,
						  diag.message[0] ? diag.message : strerror(-r));
					rc = CLI_EXIT_INPUT;
				}
				break;
			}
			if (w) {
				st->events++;
				if (e.is_change) {
					st->changes++;
					r = strset_add(seen, e.audit_id);
					if (r == 0)
						st->duplicates++;
					else if (r > 0) {
						r = audit_append(w, "k8s.api", e.target, e.username,
								 e.payload, NULL);
						if (r == 0)
							st->recorded++;
					}
					if (r < 0) {
						log_error_errno(r,
								"%s:%u: cannot append the audit "
								"record: %m",
								path, lineno);
						rc = cli_exit_for_errno(r);
					}
				}
			}
			audit_k8s_event_done(&e);
		}
		if (rc == 0 && ferror(f)) {
			log_error("cannot read '%s'", path);
			rc = CLI_EXIT_INPUT;
		}
		free(line);
		fclose(f);
		if (rc)
			return rc;
	}
	return 0;
}

static int do_import(struct cli_ctx *ctx, const struct audit_args *a)
{
	/* check every line before anything is written */
	int r = import_pass(ctx, a, NULL, NULL, NULL);
	if (r)
		return r;
	_cleanup_(store_closep) struct store *s = NULL;
	if ((r = open_store(ctx, a, true, &s)))
		return r;
	_cleanup_(audit_key_freep) struct audit_key *k = NULL;
	_cleanup_free_ char *head = NULL;
	if ((r = load_private(a, &k, &head)))
		return r;
	struct strset seen = {0};
	int q = store_audit_foreach(s, 1, known_ids_cb, &seen);
	if (q < 0) {
		strset_done(&seen);
		log_error_errno(q, "cannot read the audit log of '%s': %m", store_name(s));
		return cli_exit_for_errno(q);
	}
	struct audit_writer w;
	audit_writer_init(&w, s, k, head);
	w.checkpoint_every = a->checkpoint_every;
	struct import_stats st = {0};
	r = import_pass(ctx, a, &w, &seen, &st);
	q = audit_writer_done(&w);
	strset_done(&seen);
	if (q < 0 && !r) {
		log_error_errno(q, "cannot write the audit checkpoint: %m");
		r = cli_exit_for_errno(q);
	}
	if (r)
		return r;
	printf("imported %zu records from %zu events (%zu changes, %zu already recorded) into %s\n",
	       st.recorded, st.events, st.changes, st.duplicates, store_name(s));
	return CLI_EXIT_OK;
}

/* ---- checkpoint and key -------------------------------------------------------------------- */

static int do_checkpoint(struct cli_ctx *ctx, const struct audit_args *a)
{
	_cleanup_(store_closep) struct store *s = NULL;
	int r = open_store(ctx, a, true, &s);
	if (r)
		return r;
	_cleanup_(audit_key_freep) struct audit_key *k = NULL;
	_cleanup_free_ char *head = NULL;
	if ((r = load_private(a, &k, &head)))
		return r;
	int64_t seq = 0;
	r = audit_checkpoint_now(s, k, head, &seq);
	if (r == -ENOENT) {
		log_notice("the audit log of '%s' is empty: nothing to checkpoint", store_name(s));
		return CLI_EXIT_OK;
	}
	if (r == -EBADMSG) {
		struct audit_verify_result res;
		if (audit_verify(s, k, head, &res) == 0 && res.problem != AUDIT_OK)
			printf("tampered: record %lld: %s (%s); nothing signed\n",
			       (long long)res.bad_seq, res.message,
			       audit_problem_name(res.problem));
		return CLI_EXIT_FINDINGS;
	}
	if (r < 0) {
		log_error_errno(r, "cannot checkpoint the audit log of '%s': %m", store_name(s));
		return cli_exit_for_errno(r);
	}
	printf("checkpoint at seq %lld signed with %s\n", (long long)seq, audit_key_id(k));
	return CLI_EXIT_OK;
}

static int do_key(const struct audit_args *a)
{
	_cleanup_(audit_key_freep) struct audit_key *k = NULL;
	_cleanup_free_ char *head = NULL;
	int r = load_private(a, &k, &head);
	if (r)
		return r;
	_cleanup_buf_ struct buf pem;
	buf_init(&pem, 0);
	if (audit_key_public_pem(k, &pem) < 0)
		return CLI_EXIT_RUNTIME;
	fputs(buf_str(&pem), stdout);
	log_info("key id %s", audit_key_id(k));
	return CLI_EXIT_OK;
}

int cmd_audit(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc >= 2 && streq(argv[1], "ask"))
		return cmd_audit_ask(argc - 1, argv + 1, ctx);
	struct audit_args a = {0};
	int r = parse_args(argc, argv, ctx, &a);
	if (r)
		return r < 0 ? CLI_EXIT_OK : r;
	switch (a.action) {
	case ACT_VERIFY:
		return do_verify(ctx, &a);
	case ACT_LOG:
	case ACT_EXPORT:
		return do_walk(ctx, &a);
	case ACT_IMPORT:
		return do_import(ctx, &a);
	case ACT_CHECKPOINT:
		return do_checkpoint(ctx, &a);
	case ACT_KEY:
		return do_key(&a);
	}
	return CLI_EXIT_INPUT;
}
