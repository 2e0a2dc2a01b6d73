/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules-int.h — private to src/rules/: the arena, the YAML tree, the field table, the
 * condition tree and the compiled set. Nothing outside src/rules/ includes this.
 */
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rules/rules.h"

/*
 * Input bounds are fields of struct bh_limits (rules-max-depth, rules-max-list,
 * rules-max-text, regex-max-steps, yaml-max-nodes, input-max-bytes); these are internal.
 */
#define RS_REGEX_DEPTH_LIMIT 1000	 /* PCRE2 depth limit (backtracking frames) */
#define RS_SCRATCH_BYTES     (64u << 10) /* per-event derived strings (cmdline, args, ...) */
#define RS_MAX_VALUES	     16		 /* values of one multi-valued field (proc.aname) */

/* ---- arena: everything of one compiled generation, freed at once ------------------- */

struct rs_arena {
	struct rs_chunk *head;
	size_t used_total;
};
void *rs_alloc(struct rs_arena *a, size_t size);
char *rs_strndup(struct rs_arena *a, const char *s, size_t n);
void rs_arena_done(struct rs_arena *a);

/* ---- YAML tree (rules-yaml.c) -------------------------------------------------------- */

enum ry_kind { RY_NULL, RY_SCALAR, RY_SEQ, RY_MAP };

struct ry_node {
	enum ry_kind kind;
	bool quoted;	       /* scalar written with quotes (never null) */
	unsigned line, column; /* 1-based start mark */
	const char *str;       /* scalar text, NUL-terminated ("" for null) */
	size_t len;
	struct ry_node **items; /* seq: n items; map: key, value, key, value ... (n = 2 * pairs) */
	size_t n;
	size_t weight; /* nodes in the subtree, aliases expanded (bomb accounting) */
};

struct ry_doc {
	struct ry_node **roots; /* one per YAML document */
	size_t n_roots;
};

/*
 * Parse data into doc (nodes in arena). Errors: -EBADMSG with *ret_line/col and msg
 * (syntax), -E2BIG (depth, node expansion, size).
 */
int ry_parse(struct rs_arena *a, const char *data, size_t len, const struct bh_limits *limits,
	     struct ry_doc *doc, unsigned *ret_line, unsigned *ret_col, char *msg, size_t msgsz);
/* Map lookup (borrowed), NULL when absent. */
const struct ry_node *ry_get(const struct ry_node *map, const char *key);
bool ry_is_true(const struct ry_node *n, bool *ret);

/* ---- fields (rules-fields.c) --------------------------------------------------------- */

enum rf_type { RF_STR, RF_INT, RF_BOOL, RF_IP, RF_IPNET };
enum rf_argkind { RF_ARG_NONE, RF_ARG_INDEX, RF_ARG_KEY, RF_ARG_ANY };

struct rf_field {
	const char *name;
	uint8_t type;	/* enum rf_type */
	uint8_t arg;	/* enum rf_argkind: what may follow in [..] (or .NAME for evt.arg) */
	uint16_t id;	/* extractor */
	bool supported; /* false: a Falco field this engine does not provide */
};

/* A field use: field, optional argument, optional transformer. */
struct rf_ref {
	const struct rf_field *f;
	int32_t index;	 /* [N], -1 none */
	const char *key; /* evt.arg.NAME / [key], NULL none */
	uint8_t xform;	 /* enum rf_xform */
};

enum rf_xform { RF_X_NONE, RF_X_TOLOWER, RF_X_TOUPPER, RF_X_BASENAME, RF_X_LEN };

/* One extracted value. s is valid until the next event (may point into the scratch). */
struct rf_val {
	const char *s;
	size_t n;
	int64_t i;
	uint8_t ip[16];
	uint8_t family; /* 4 or 6 for RF_IP */
};

struct rs_evctx {
	const struct bh_event *ev;
	char *scratch;
	size_t used;
	uint64_t stamp; /* bumped per event: cache validity */
	struct {
		uint64_t stamp;
		uint32_t off, len;
		bool present;
	} cache[16];
};

/*
 * Look a field name up: name is "proc.aname", "evt.arg.flags", "proc.aname[2]" (the part
 * after the field proper goes to *ret_ref). The longest known prefix wins. Returns the
 * number of bytes of s consumed (0 when no field matches).
 */
size_t rf_lookup(const char *s, size_t len, struct rf_ref *ret_ref, struct rs_arena *a);
/* Type the comparison sees (after the transformer). */
enum rf_type rf_ref_type(const struct rf_ref *r);
/* Extract up to max values; returns how many (0 = field absent / <NA>). */
size_t rf_extract(struct rs_evctx *c, const struct rf_ref *r, struct rf_val *out, size_t max);
/* Render one value as text into out. */
int rf_render(const struct rf_ref *r, const struct rf_val *v, struct buf *out);
/* Parse a textual IPv4/IPv6 address or CIDR. 0 or -EINVAL. */
int rf_parse_ip(const char *s, size_t n, uint8_t ip[16], uint8_t *ret_family, int *ret_prefix);

/* Event types: id 0 = "not a known type"; 1.. = known names. */
#define RS_EVT_WORDS 8
struct rs_evset {
	uint64_t w[RS_EVT_WORDS];
};
size_t rs_evt_count(void);
int rs_evt_id(const char *name, size_t len); /* 0 when unknown */
const char *rs_evt_name(int id);

/* ---- conditions (rules-cond.c) ------------------------------------------------------- */

enum rs_kind { RS_AND, RS_OR, RS_NOT, RS_CHECK, RS_MACRO, RS_TRUE };

enum rs_cmp {
	CMP_EQ,
	CMP_NE,
	CMP_LT,
	CMP_LE,
	CMP_GT,
	CMP_GE,
	CMP_CONTAINS,
	CMP_ICONTAINS,
	CMP_BCONTAINS,
	CMP_STARTSWITH,
	CMP_BSTARTSWITH,
	CMP_ENDSWITH,
	CMP_GLOB,
	CMP_IGLOB,
	CMP_PMATCH,
	CMP_IN,
	CMP_INTERSECTS,
	CMP_EXISTS,
	CMP_REGEX,
	_CMP_MAX,
};
/* Operator by name ("=", "==", "contains", ...), -1 unknown. */
int rs_cmp_parse(const char *s, size_t n);
bool rs_cmp_is_list(int cmp);

/* A literal as written: compiled into typed form by rs_check_compile. */
struct rs_lit {
	const char *s; /* NUL-terminated, arena */
	size_t n;
	bool quoted;
	int64_t i;
	uint8_t ip[16];
	uint8_t family;
	int prefix; /* IPNET: prefix length */
};

struct rs_hset; /* string hash set for large `in` lists */

struct rs_node {
	uint8_t kind;
	uint8_t cmp;
	bool compiled;
	bool list_value; /* the value was a parenthesised list (or a list name) */
	unsigned pos;	 /* byte offset in the condition text (diagnostics) */
	uint32_t n;	 /* kids or values */
	struct rs_node **kids;
	struct rf_ref ref;
	const char *field_text; /* the field as written (unknown-field messages) */
	struct rs_lit *vals;
	struct rs_hset *hset;
	pcre2_code *re;
	const char *macro; /* RS_MACRO: name */
};

/*
 * Parse condition text into a tree (arena). Fields are looked up; unknown ones are kept
 * with ref.f == NULL. On a syntax error returns -EBADMSG and writes a Falco-style message
 * ("unexpected token after 'execve', expecting 'or', 'and'") and the byte offset.
 */
int rs_parse_condition(struct rs_arena *a, const struct bh_limits *limits, const char *text,
		       size_t len, struct rs_node **ret, char *msg, size_t msgsz, size_t *ret_pos);

/* ---- the set (rules-load.c, rules-eval.c) -------------------------------------------- */

struct rs_list {
	const char *name;
	const struct ry_node *node;
	const char **items; /* raw, before expansion */
	size_t n, cap;
	const char **exp; /* expanded */
	size_t n_exp;
	int state; /* 0 new, 1 expanding, 2 done */
	bool used;
	const char *source;
};

struct rs_macro {
	const char *name;
	const struct ry_node *node;
	struct buf cond;
	struct rs_node *ast;
	int state; /* 0 new, 1 compiling, 2 done, 3 failed */
	bool used;
	const char *source;
	/* what the macro's tree lacks, reported to every rule using it */
	const char *pb_unknown_field, *pb_unsupported_field, *pb_unknown_evt;
};

struct rs_exception {
	const char *name;
	const struct ry_node *node;
	const struct ry_node *fields;  /* scalar or seq */
	const struct ry_node *comps;   /* scalar, seq or NULL */
	const struct ry_node **values; /* each: seq (tuple) or scalar */
	size_t n_values, cap_values;
};

struct rule {
	const char *name;
	const struct ry_node *node;
	const char *source_file;
	struct buf cond;
	struct buf output;
	const char *desc;
	enum rule_priority priority;
	const char **tags;
	size_t n_tags;
	bool enabled;
	bool warn_evttypes;
	bool skip_unknown;
	const char *evsource; /* "syscall" */
	struct rs_exception *exc;
	size_t n_exc, cap_exc;
	/* compiled */
	struct rs_node *ast;
	struct rs_evset evts;
	char *status;  /* "loaded", "disabled", "skipped: ..." (arena) */
	bool runnable; /* compiled and source known */
	struct rs_outseg *out;
	size_t n_out;
	uint32_t index; /* load order */
};

/* Output format: literal text or a field. */
struct rs_outseg {
	const char *text;
	size_t len;
	struct rf_ref ref;	/* ref.f == NULL: literal; f->supported false: always <NA> */
	const char *field_name; /* as written, for output_fields */
};

struct rs_gen {
	struct rs_arena arena;
	struct rs_list **lists;
	size_t n_lists, cap_lists;
	struct rs_macro **macros;
	size_t n_macros, cap_macros;
	struct rule **rules;
	size_t n_rules, cap_rules;
	uint32_t **by_evt; /* per event type id: rule indices, load order */
	uint32_t *n_by_evt;
	pcre2_code **res; /* compiled regexes (not in the arena) */
	size_t n_res, cap_res;
	bool plugin_note; /* required_plugin_versions seen (ignored) */
};

struct rule_set {
	struct bh_limits limits;
	struct rs_gen *gen;
	/* sources loaded so far (owned copies), replayed to build a new generation */
	char **src_names;
	char **src_data;
	size_t *src_lens;
	size_t n_src, cap_src;
	struct rule_msg *msgs;
	size_t n_msgs, cap_msgs;
	enum rule_priority min_prio;
	bool match_all;
	/* per-rule enable overrides by rule_set_enable, re-applied on reload */
	struct rs_enable_op {
		char *name_sub;
		char *tag;
		bool enabled;
	} * enable_ops;
	size_t n_enable_ops, cap_enable_ops;
	struct rs_evctx ctx;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

/* Compile a check's values for its field (list expansion done by the caller). */
int rs_check_compile(struct rs_gen *g, struct rs_node *n, char *msg, size_t msgsz);
/* Evaluate a compiled tree. */
bool rs_eval_node(struct rule_set *set, const struct rs_node *n);
void rs_evset_compute(const struct rs_node *n, bool neg, struct rs_evset *out);
void rs_evctx_begin(struct rs_evctx *c, const struct bh_event *ev);
int rs_output_compile(struct rs_arena *a, const char *fmt, size_t len, struct rs_outseg **ret,
		      size_t *ret_n, const char **ret_bad);
