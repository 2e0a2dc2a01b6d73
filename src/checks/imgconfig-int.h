/* SPDX-License-Identifier: Apache-2.0 */
/*
 * imgconfig-int.h — private contract between the files of the image configuration scanner:
 * imgconfig.c (rule table, driver, config rules), imgconfig-fs.c (file-system rules) and
 * imgconfig-eol.c (dates, image age, end of life). Not for other modules.
 */
#pragma once

#include <jansson.h>

#include "checks/imgconfig.h"

enum imgcfg_rule_idx {
	R_ROOT_USER,
	R_NO_HEALTHCHECK,
	R_ENV_SECRET,
	R_REMOTE_ADD,
	R_SENSITIVE_PORT,
	R_SETUID,
	R_WW_DIR,
	R_WW_FILE,
	R_PKG_MANAGER,
	R_SHELL,
	R_BUILD_TOOL,
	R_DEBUGGER,
	R_NET_TOOL,
	R_IMAGE_TAG,
	R_BASE_TAG,
	R_IMAGE_AGE,
	R_EOL,
	_R_MAX,
};

/* One scan: the image (borrowed), options with defaults filled in, findings so far. */
struct imgcfg_ctx {
	const struct img *img;
	struct imgcfg_opts o;
	struct bh_findings out;
};

/*
 * Append a finding of rule r. sev BH_SEV_UNKNOWN = the rule's default. file_path: a path of
 * the image file index (no leading '/'; reported as "/path"), or NULL for config facts.
 * layer: index into img->layers whose digest becomes the finding's layer, or -1.
 * evidence_take: owned JSON object (may be NULL; freed on error too). 0 or -ENOMEM.
 */
int imgcfg_emit(struct imgcfg_ctx *x, enum imgcfg_rule_idx r, enum bh_severity sev,
		const char *file_path, int layer, json_t *evidence_take, const char *fmt, ...)
    _printf_(7, 8);

/* The file-system rules (imgconfig-fs.c): setuid/setgid, world-writable, tools. 0 or -ENOMEM. */
int imgcfg_check_fs(struct imgcfg_ctx *x);
/* Image age and end of life (imgconfig-eol.c); nothing without a clock. 0 or -ENOMEM. */
int imgcfg_check_time(struct imgcfg_ctx *x);

/*
 * Seconds since the epoch of an RFC 3339 date-time ("2024-01-02T03:04:05.123Z",
 * "…+02:00"; a space instead of 'T' is accepted, fractions are dropped). 0 or -EINVAL.
 */
int imgcfg_parse_rfc3339(struct span s, int64_t *ret);
