/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret-int.h — private to src/checks/secret-*.c: the built-in rule and pattern tables,
 * the parsed configuration, and helpers shared by the engine, the config loader and the
 * image visitor. Nothing outside the secret scanner includes this; the API is secrets.h.
 */
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "checks/secrets.h"

/* How a candidate is confirmed after its PCRE2 match (beyond the regex itself). */
enum sec_check {
	SEC_CHK_NONE,	     /* the regex is the whole test */
	SEC_CHK_ASSIGN,	     /* generic assignment: placeholders, identifiers, entropy gate */
	SEC_CHK_PEM,	     /* BEGIN line: the END line of the same label and a base64 body */
	SEC_CHK_JWT,	     /* decodable header with "alg"; payload decides JWT or k8s token */
	SEC_CHK_DOCKER_AUTH, /* "auths" before it; base64 that decodes to user:password */
	SEC_CHK_URL,	     /* user:password@host: placeholder passwords and hosts dropped */
	SEC_CHK_CONTEXT,     /* ctx (lower case) must occur within ctx_span bytes before */
	_SEC_CHK_MAX,
};

/* How a prefilter hit becomes a match. */
enum sec_parse {
	SEC_PARSE_REGEX,  /* re, searched in the window [end - back, end + fwd) of the hit */
	SEC_PARSE_ASSIGN, /* hs is the key word alone; what re has after it (SEC_ASSIGN_TAIL_RE)
			   * is parsed by sec_assign_parse() from the key word's end */
	_SEC_PARSE_MAX,
};

/*
 * One Vectorscan expression with its PCRE2 confirmation. The Vectorscan expression is a
 * prefilter: bounded (at most SEC_HS_MAX_LEN bytes long), anchored on a literal where the
 * format has one, and written so that one occurrence ends at one offset. The PCRE2
 * expression must match a region that contains that end offset; its group "v" (or the
 * whole match) is the secret value.
 */
struct sec_pattern {
	uint16_t rule;	     /* index in sec_rule_defs[] */
	uint8_t check;	     /* enum sec_check */
	uint8_t prefix_len;  /* public prefix of the value shown in redactions (0: a few chars) */
	uint16_t back, fwd;  /* PCRE2 window: bytes before / after the prefilter's end */
	unsigned hs_flags;   /* extra HS_FLAG_* for the prefilter */
	const char *hs;	     /* Vectorscan prefilter */
	const char *re;	     /* PCRE2 confirmation */
	const char *ctx;     /* SEC_CHK_CONTEXT: lower-case word that must be near */
	uint16_t ctx_span;   /* SEC_CHK_CONTEXT / DOCKER_AUTH: how far back ctx may be */
	uint8_t min_entropy10; /* Shannon entropy gate in tenths of a bit per byte; 0 none */
	uint8_t parse;	       /* enum sec_parse */
};

struct sec_rule_def {
	struct sec_rule_info info;
	uint8_t priority; /* overlapping candidates: the higher wins (specific over generic) */
};

extern const struct sec_rule_def sec_rule_defs[];
extern const size_t sec_n_rule_defs;
extern const struct sec_pattern sec_patterns[];
extern const size_t sec_n_patterns;

/* Index of the rule with this id in sec_rule_defs[], or -1. */
int sec_rule_index(const char *id);

/* Longest prefilter match, the overlap kept between windows, and the context windows. */
#define SEC_HS_MAX_LEN 512
#define SEC_BACK_MAX 4096
#define SEC_FWD_MAX 16384

/*
 * A generic assignment after its key word: a name tail, an optional quote, the operator and
 * the value, in PCRE2 syntax (re of a SEC_PARSE_ASSIGN pattern is its key words followed by
 * this). Groups: v and v2 the inside of double or single quotes, v3 an unquoted value.
 */
#define SEC_ASSIGN_TAIL_RE                                                                         \
	"[A-Za-z0-9_.-]{0,30}[\"']?[ \\t]{0,4}(?::=|=>|=|:)[ \\t]{0,4}"                          \
	"(?:\"(?<v>[^\\s\"]{6,256})\"|'(?<v2>[^\\s']{6,256})'|(?<v3>[^\\s\"'`]{6,256}))"

/* Offsets in the subject of one SEC_ASSIGN_TAIL_RE match. */
struct sec_assign {
	size_t vs, ve; /* the value */
	size_t end;    /* the end of the match (after the closing quote of a quoted value) */
	bool quoted;
};

/*
 * Match SEC_ASSIGN_TAIL_RE anchored at offset at of b[0, n), by hand: the same result as
 * PCRE2 (the first alternative that matches, greedy repeats), without a regex run per key
 * word. true and *ret filled on a match.
 */
bool sec_assign_parse(const unsigned char *b, size_t n, size_t at, struct sec_assign *ret);

/* Known public example values (documentation keys), as exact strings. */
extern const char *const sec_builtin_example_values[];
extern const size_t sec_n_builtin_example_values;
/* Built-in path allow-list (globs), applied when builtin-allow is on. */
extern const char *const sec_builtin_allow_paths[];
extern const size_t sec_n_builtin_allow_paths;

/* ---- configuration ------------------------------------------------------------------- */

/* One allow entry: every non-empty list must match (rules, paths, values, lines). */
struct sec_allow {
	struct strv rules;  /* rule ids; empty = any rule */
	struct strv paths;  /* globs */
	struct strv values; /* PCRE2 over the value */
	struct strv lines;  /* PCRE2 over the line */
	char *reason;
};

struct sec_config {
	struct strv disable_rules;
	bool builtin_allow;
	struct sec_allow *allow;
	size_t n_allow, cap_allow;
};

/* ---- helpers ------------------------------------------------------------------------- */

/*
 * Translate a path glob (*, **, ?, [...] not supported) into an anchored PCRE2 pattern:
 * "*" stays inside one component, "**" crosses them, a glob without '/' matches the last
 * component. The result is malloc'd; NULL on OOM.
 */
char *sec_glob_to_regex(const char *glob);

/*
 * Compile pattern for the secret scanner (no UTF, match limits applied at match time).
 * On error, *ret_err and *ret_off describe it. NULL on failure.
 */
pcre2_code *sec_regex_compile(const char *pattern, bool caseless, int *ret_err, size_t *ret_off);

/* Shannon entropy in bits per byte of s. */
double sec_entropy(const unsigned char *s, size_t n);

/* Matches with the scanner's limits; true on a match. md may be NULL (one is made). */
bool sec_regex_match(const pcre2_code *re, pcre2_match_context *mctx, pcre2_match_data *md,
		     const char *s, size_t n);
