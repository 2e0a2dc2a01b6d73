/* SPDX-License-Identifier: Apache-2.0 */
/*
 * imgconfig.h — the image configuration scanner (`bulkhead scan --scanners config`): rules
 * BH-IMG-001… over an opened image's config (user, healthcheck, env, history, exposed
 * ports, labels, created), its final file index (setuid/setgid, world-writable paths,
 * tools that let an intruder alter the container), its names and its distribution release
 * (end of life). Every rule, with severity, rationale and references, is documented in
 * docs/image-config-checks.md; the end-of-life dates come from data/eol.tsv, compiled into
 * imgcfg_eol_table[] at build time by scripts/gen-eol.sh.
 *
 * Must not: read file contents other than the captured etc/passwd, print the value of an
 * environment variable (values are redacted: first 2 characters and the length), fail a scan
 * for a fact it cannot establish (a missing passwd, an unparsable date, an unknown release:
 * no finding), or log above debug.
 */
#pragma once

#include <stdint.h>

#include "bulkhead/image.h"
#include "common/common.h"
#include "common/finding.h"

/* ---- options ------------------------------------------------------------------------------ */

struct imgcfg_opts {
	/*
	 * Unix seconds; the CLI passes time(NULL) or SOURCE_DATE_EPOCH (bh_now()). Rules that
	 * need a clock (image age, end of life) are skipped when now <= 0.
	 */
	int64_t now;
	uint32_t max_age_days;	/* BH-IMG-016 threshold; 0 = default 365 */
	uint32_t eol_warn_days; /* BH-IMG-017 "approaching" window; 0 = default 90 */
	/*
	 * Per-path rules (setuid/setgid, world-writable) report at most this many paths each;
	 * the rest are counted in one extra finding of the same rule. 0 = default 100.
	 */
	uint32_t max_paths_per_rule;
};

#define IMGCFG_DEFAULT_MAX_AGE_DAYS  365
#define IMGCFG_DEFAULT_EOL_WARN_DAYS 90
#define IMGCFG_DEFAULT_MAX_PATHS     100

/* ---- the rules ------------------------------------------------------------------------------ */

struct imgcfg_rule_info {
	const char *id;		   /* "BH-IMG-001" */
	const char *title;	   /* "Image runs as root" */
	enum bh_severity severity; /* default; a few rules vary it per finding (documented) */
	const char *remediation;   /* one sentence */
	const char *compliance[3]; /* "CIS-DOCKER-1.6:4.1", "NIST-800-190:4.1.2"; NULL-padded */
	const char *refs[2];	   /* URLs; NULL-padded */
};

/* Number of rules and the i-th (0 ≤ i < count; NULL past the end). Static data. */
size_t imgcfg_rule_count(void);
const struct imgcfg_rule_info *imgcfg_rule(size_t i);

/*
 * Run every rule over img (borrowed; img->fs must be finalised, and img_catalog() must have
 * run for img->os) and append the findings (kind "misconfiguration") to out, sorted with
 * bh_findings_sort(). o may be NULL (defaults, no clock). A dir: target has no image config:
 * only the file-system, name and end-of-life rules run. On error out is unchanged.
 * 0, -EINVAL (img or out NULL), -ENOMEM.
 */
int imgcfg_check(const struct img *img, const struct imgcfg_opts *o, struct bh_findings *out);

/* ---- end-of-life table (generated from data/eol.tsv) ------------------------------------ */

/* One release. Strings are static; a NULL date has days -1 (not announced, or rolling). */
struct imgcfg_eol {
	const char *id;	      /* os-release ID, or "centos-stream" */
	const char *version;  /* exact VERSION_ID, "X.*" (X or X.anything) or "*" (any) */
	const char *codename; /* VERSION_CODENAME, used only when the image has no VERSION_ID */
	const char *eol;      /* "YYYY-MM-DD": first day without free security updates */
	int32_t eol_days;     /* the same as days since 1970-01-01 */
	const char *eol_kind; /* "LTS", "standard support", "rolling", … */
	const char *ext_eol;  /* end of paid/extended support, "YYYY-MM-DD" or NULL */
	int32_t ext_eol_days;
	const char *ext_kind; /* "ESM (Ubuntu Pro)", … or NULL */
};

extern const struct imgcfg_eol imgcfg_eol_table[];
extern const size_t imgcfg_eol_count;

/*
 * The release of os in the table: id (CentOS with "Stream" in PRETTY_NAME is looked up as
 * "centos-stream"), then VERSION_ID exactly, then a "X.*" row whose X is VERSION_ID or a
 * prefix of it ending before a '.', then a "*" row; without VERSION_ID, VERSION_CODENAME.
 * Returns the row (static) or NULL when the distribution or release is unknown.
 */
const struct imgcfg_eol *imgcfg_eol_lookup(const struct img_os *os);

/*
 * Days since 1970-01-01 of "YYYY-MM-DD" (a calendar date, year 1970…9999). 0 or -EINVAL.
 * Exposed for tests that check the generated table against the TSV.
 */
int imgcfg_parse_date(struct span s, int64_t *ret_days);
