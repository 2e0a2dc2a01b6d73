/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secrets.h — the secret scanner: built-in rules for real credential formats, compiled
 * into one Vectorscan (Hyperscan) database, PCRE2 for confirmation and extraction, entropy
 * gates for generic assignments, an allow-list from a config file, and redaction (a short
 * prefix and a hash, never the value) in every finding.
 *
 * Layering: a sec_engine is immutable after sec_engine_new() and shared by all threads; a
 * sec_scanner is one thread's scratch space. A file is given in chunks (begin/data/end), so
 * files of any size stream through bounded memory; strings from the image config (ENV,
 * history) go through sec_scan_text().
 */
#pragma once

#include "common/common.h"
#include "common/diag.h"
#include "common/finding.h"
#include "common/limits.h"
#include "common/span.h"

struct img;
struct img_visitor;

/* ---- configuration: allow-list and rule selection (YAML or JSON file) ------------------ */

struct sec_config;

/*
 * Parse a secret-scanner configuration (format in docs/secret-config.md). Errors name the
 * source, line and what is wrong: -EBADMSG (syntax, unknown key, bad regex), -E2BIG (a
 * limit), -ENOMEM.
 */
int sec_config_parse(struct span text, const struct bh_limits *limits, const char *source,
		     struct sec_config **ret, struct bh_diag *reterr_diag);
void sec_config_free(struct sec_config *c);
DEFINE_CLEANUP(struct sec_config *, sec_config_free)

/* ---- the compiled rule set ------------------------------------------------------------- */

struct sec_rule_info {
	const char *id;	      /* "BH-SECRET-001" */
	const char *title;    /* "AWS access key ID" */
	const char *category; /* "cloud", "vcs", "ci", "chat", "payment", "key", "registry",
			       * "k8s", "generic", … */
	enum bh_severity severity;
	const char *keywords; /* documentation: what the rule looks for */
};

struct sec_engine;

/*
 * Compile the built-in rules (minus those cfg disables, plus the allow-list of cfg; cfg
 * may be NULL). 0, -EBADMSG (a rule failed to compile: diag says which), -ENOMEM.
 */
int sec_engine_new(const struct sec_config *cfg, const struct bh_limits *limits,
		   struct sec_engine **ret, struct bh_diag *reterr_diag);
void sec_engine_free(struct sec_engine *e);
DEFINE_CLEANUP(struct sec_engine *, sec_engine_free)
size_t sec_engine_rule_count(const struct sec_engine *e);
const struct sec_rule_info *sec_engine_rule(const struct sec_engine *e, size_t i);

/* ---- scanning --------------------------------------------------------------------------- */

struct sec_scanner;

int sec_scanner_new(const struct sec_engine *e, struct sec_scanner **ret);
void sec_scanner_free(struct sec_scanner *s);
DEFINE_CLEANUP(struct sec_scanner *, sec_scanner_free)

/*
 * Start a file. layer_digest may be NULL. Returns 1 when the file will be scanned, 0 when
 * it is skipped (allow-listed path, over secret-max-file-bytes, a binary by name); the
 * reason of a skip is counted in the scanner's stats. -ENOMEM.
 */
int sec_file_begin(struct sec_scanner *s, const char *path, const char *layer_digest,
		   uint64_t size);
/*
 * The next bytes. 0, 1 when the scanner has seen enough (binary by magic, per-file cap
 * reached) and wants no more bytes of this file, or -errno.
 */
int sec_file_data(struct sec_scanner *s, const void *data, size_t len);
/* End of the file: append its findings (kind "secret", path, line, column, layer). */
int sec_file_end(struct sec_scanner *s, struct bh_findings *out);

/*
 * Scan a string that is not a file, e.g. an ENV entry or a history line. where becomes the
 * finding's path ("image config: Env[3]"); line and column count inside text. 0 or -errno.
 */
int sec_scan_text(struct sec_scanner *s, const char *where, struct span text,
		  struct bh_findings *out);

struct sec_stats {
	uint64_t files_scanned, bytes_scanned;
	uint64_t skipped_allowlist, skipped_size, skipped_binary;
	uint64_t suppressed; /* matches the allow-list (patterns, rules, known test keys) removed */
	uint64_t over_cap;   /* findings beyond secret-max-per-file, counted not reported */
};
/* Add s's counters to *acc. */
void sec_scanner_stats(const struct sec_scanner *s, struct sec_stats *acc);

/* ---- whole images ------------------------------------------------------------------------ */

/*
 * An img_visitor that scans every regular file of every layer (one sec_scanner per stream)
 * and collects the findings. Use: sec_image_scan_init(), pass &scan->visitor in
 * img_open_opts, img_open(), then sec_image_scan_finish() (also scans the image config:
 * Env entries and history created_by lines) which moves the findings to out (sorted) and
 * returns the stats. sec_image_scan_done() frees everything (also after a failed open).
 */
struct sec_image_scan {
	struct img_visitor *visitor; /* pass this in img_open_opts.visitor */
	void *priv;
};
int sec_image_scan_init(struct sec_image_scan *scan, const struct sec_engine *e);
int sec_image_scan_finish(struct sec_image_scan *scan, const struct img *img,
			  struct bh_findings *out, struct sec_stats *ret_stats);
void sec_image_scan_done(struct sec_image_scan *scan);
