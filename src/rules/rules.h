/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules.h — the runtime rule engine: Falco rules YAML (rule, macro, list, exceptions,
 * append/override, required_engine_version), the Falco condition language compiled into
 * trees over the field table (rules-fields.c), and evaluation of struct bh_event indexed by
 * event type. docs/man/bulkhead-rules.md describes the language as implemented.
 *
 * Loading is transactional: a batch of files is collected and compiled together with
 * everything loaded before (later items override or append to earlier ones, as in Falco);
 * when any file of the batch has an error, the set keeps its previous rules unchanged.
 * Rules whose condition uses a Falco field this engine does not provide are not errors:
 * they are skipped and rule_set_report() says which field.
 *
 * Evaluation allocates nothing: the set owns a scratch area, so one set is used by one
 * thread at a time (one set per worker).
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "bulkhead/event.h"
#include "common/common.h"

/* The engine version reported to `required_engine_version` (Falco's numbering). */
#define RULE_ENGINE_VERSION "0.57.0"

enum rule_priority {
	RULE_PRIO_EMERGENCY,
	RULE_PRIO_ALERT,
	RULE_PRIO_CRITICAL,
	RULE_PRIO_ERROR,
	RULE_PRIO_WARNING,
	RULE_PRIO_NOTICE,
	RULE_PRIO_INFORMATIONAL,
	RULE_PRIO_DEBUG,
	_RULE_PRIO_MAX,
};

/* "Emergency" ... "Debug" as Falco prints priorities. */
const char *rule_priority_name(enum rule_priority p);
/* Case-insensitive, accepts "info" for informational. 0 or -EINVAL. */
int rule_priority_parse(const char *s, enum rule_priority *ret);

struct rule_set;
struct rule;

/*
 * One load message, as Falco's rule loader reports it: code is Falco's name
 * ("LOAD_ERR_VALIDATE", "LOAD_UNUSED_MACRO", ...), item_type "rule", "macro", "list",
 * "exception", "rules content", "required_engine_version", ...; item_name may be "".
 */
struct rule_msg {
	bool is_error;
	const char *code;
	char *item_type;
	char *item_name;
	char *message;
	char *source; /* file name as given to the loader */
	unsigned line, column;
};

/* A new, empty set with the given limits (copied; NULL = defaults). NULL on OOM. */
struct rule_set *rule_set_new(const struct bh_limits *limits);
void rule_set_free(struct rule_set *set);
DEFINE_CLEANUP(struct rule_set *, rule_set_free)

/*
 * Load one rules file (path) or buffer (name used in messages). See rule_set_load_bufs.
 */
int rule_set_load_file(struct rule_set *set, const char *path, struct bh_diag *reterr_diag);
int rule_set_load_buf(struct rule_set *set, const char *name, const char *data, size_t len,
		      struct bh_diag *reterr_diag);

/*
 * Load n buffers as one batch, in order, on top of what the set holds. On error the set is
 * unchanged, reterr_diag holds the first error ("file:line:col" + "CODE: message") and
 * rule_set_messages() lists every error and warning of the attempt.
 * 0; -EBADMSG (invalid rules); -E2BIG (a limit); -ENOMEM; -errno reading a file.
 */
int rule_set_load_bufs(struct rule_set *set, const char *const *names, const char *const *data,
		       const size_t *lens, size_t n, struct bh_diag *reterr_diag);
int rule_set_load_files(struct rule_set *set, const char *const *paths, size_t n,
			struct bh_diag *reterr_diag);

/* Errors and warnings of the last load attempt (borrowed, valid until the next load). */
const struct rule_msg *rule_set_messages(const struct rule_set *set, size_t *ret_n);

/*
 * Per rule, in load order: "<name>: loaded", "<name>: disabled" or "<name>: skipped: <reason>"
 * (e.g. "skipped: unknown field proc.exe_ino.ctime"), then a summary line
 * "rules: N loaded, N skipped, N disabled". 0 or -errno from writing.
 */
int rule_set_report(const struct rule_set *set, FILE *f);

struct rule_set_stats {
	size_t n_rules;	   /* every rule item known to the set */
	size_t n_loaded;   /* compiled and evaluated (enabled) */
	size_t n_skipped;  /* unknown field, unknown source, ... */
	size_t n_disabled; /* enabled: false, or below the minimum priority */
	size_t n_macros, n_lists;
};
void rule_set_get_stats(const struct rule_set *set, struct rule_set_stats *ret);

/* Only rules at least as severe as p are evaluated (Falco's -o priority=). */
void rule_set_set_min_priority(struct rule_set *set, enum rule_priority p);
/*
 * Enable or disable the rules whose name contains substring (NULL = any) or that carry tag
 * (NULL = any). Returns how many rules changed state.
 */
size_t rule_set_enable(struct rule_set *set, const char *name_substring, const char *tag,
		       bool enabled);
/* Falco's rule_matching: false (default) = only the first matching rule fires per event. */
void rule_set_set_match_all(struct rule_set *set, bool all);

/* A rule by name, or NULL. */
const struct rule *rule_set_find(const struct rule_set *set, const char *name);

const char *rule_name(const struct rule *r);
enum rule_priority rule_priority(const struct rule *r);
const char *rule_source(const struct rule *r);
/* Tags (borrowed); *ret_n entries. */
const char *const *rule_tags(const struct rule *r, size_t *ret_n);
/* "loaded", "disabled" or "skipped: <reason>" (borrowed). */
const char *rule_status(const struct rule *r);

/*
 * Evaluate ev: fn runs for each matching rule (the first only unless match-all), in load
 * order. fn returns 0 to go on or -errno to stop (returned). Returns the number of rules
 * that matched, or fn's error.
 */
typedef int (*rule_match_fn)(const struct rule *r, const struct bh_event *ev, void *userdata);
int rule_set_eval(struct rule_set *set, const struct bh_event *ev, rule_match_fn fn,
		  void *userdata);

/*
 * Does a rule evaluated for events of type evt_type (Falco's name, "unshare") read field (as
 * the field table spells it, "thread.cap_effective") in its condition, its exceptions or
 * its output? Only rules that are loaded, enabled and at or above the minimum priority
 * count. For the sensor, to leave out what no rule looks at.
 */
bool rule_set_reads_field(const struct rule_set *set, const char *evt_type, const char *field);

/*
 * The rule's output with %field substituted ("<NA>" for missing values) into out (appended).
 * 0, -E2BIG, -ENOMEM.
 */
int rule_format_output(struct rule_set *set, const struct rule *r, const struct bh_event *ev,
		       struct buf *out);

/*
 * One Falco-compatible JSON alert on one line (with '\n') into out: time (RFC 3339, ns),
 * rule, priority, output (time and priority prefixed as Falco does), output_fields, tags,
 * hostname, source. 0, -E2BIG, -ENOMEM.
 */
int rule_alert_json(struct rule_set *set, const struct rule *r, const struct bh_event *ev,
		    const char *hostname, struct buf *out);

/*
 * Compile a lone condition (macros and lists of the set are visible) and evaluate it: for
 * tests and `bulkhead rules check`. 1 match, 0 no match; -EBADMSG (syntax, unknown field,
 * diag says where); -E2BIG; -ENOMEM.
 */
int rule_set_eval_condition(struct rule_set *set, const char *condition, const struct bh_event *ev,
			    struct bh_diag *reterr_diag);
