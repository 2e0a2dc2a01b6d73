/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbom-common.h — what the SBOM renderers share (private to src/report/): one document
 * context per rendering with a unique reference per package (CycloneDX bom-ref, SPDXID),
 * the dependency graph resolved from pkg->depends, licence classification against the
 * SPDX licence list, deterministic serial numbers, and text sanitising for terminals.
 * Nothing here writes output; nothing here reads anything but the struct img.
 */
#pragma once

#include "bulkhead/image.h"
#include "common/common.h"
#include "common/json.h"

/* One resolved dependency list: indices into img->pkgs.items, ascending, no repeats. */
struct sbom_deps {
	size_t *to;
	size_t n;
};

/* A non-SPDX licence name and the LicenseRef- identifier it is given in this document. */
struct sbom_licref {
	char *name; /* as declared */
	char *id;   /* "LicenseRef-..." unique within the document */
};

struct sbom_ctx {
	const struct img *img;	     /* borrowed */
	size_t n;		     /* img->pkgs.n */
	char **refs;		     /* [n] unique CycloneDX bom-refs */
	char **spdxids;		     /* [n] unique SPDXIDs ("SPDXRef-Package-..."), from
				      * sbom_ctx_spdxids(); NULL before */
	struct sbom_deps *deps;	     /* [n] */
	struct sbom_licref *licrefs; /* sorted by name */
	size_t n_licrefs;
	char *name;	    /* display name of the image (repo tag, reference or path) */
	char *uuid;	    /* document UUID: random, or derived from content when
			     * SOURCE_DATE_EPOCH is set */
	char timestamp[32]; /* RFC 3339 "now" (bh_now()) */
	bool fixed_time;    /* SOURCE_DATE_EPOCH was set */
};

/*
 * Build the context for one document. salt distinguishes document kinds so that the
 * CycloneDX serial number and the SPDX namespace differ. 0 or -ENOMEM (-EIO when no
 * randomness is available).
 */
int sbom_ctx_init(struct sbom_ctx *c, const struct img *img, const char *salt);
/* Fill c->spdxids (only SPDX documents need them: a SHA-256 per package). 0 or -ENOMEM. */
int sbom_ctx_spdxids(struct sbom_ctx *c);
void sbom_ctx_done(struct sbom_ctx *c);

/*
 * The image's full reference ("registry/ns/name:tag"): its first repo tag, else the OCI
 * reference when it is more than a bare tag; NULL when there is none.
 */
const char *sbom_image_ref(const struct img *img);
/* The image's display name: sbom_image_ref(), else the target as given, else its path. */
const char *sbom_image_name(const struct img *img);
/* Digest identifying the image: manifest digest, else config digest, else NULL. */
const char *sbom_image_digest(const struct img *img);

/*
 * Licence strings, classified:
 *   SBOM_LIC_ID    exactly one SPDX licence identifier from the list (case folded to
 *                  the list's spelling into *ret_norm)
 *   SBOM_LIC_EXPR  a valid SPDX licence expression that is not a single listed id
 *                  (AND / OR / WITH / parentheses / "+" / LicenseRef-), normalised
 *   SBOM_LIC_NAME  anything else (a free-form name such as "GPL" or "BSD-like")
 * *ret_norm is malloc'd (caller frees) for ID and EXPR, NULL for NAME.
 * Returns the kind, or -ENOMEM.
 */
enum sbom_lic_kind {
	SBOM_LIC_ID,
	SBOM_LIC_EXPR,
	SBOM_LIC_NAME,
	_SBOM_LIC_KIND_MAX,
};
int sbom_license_classify(const char *s, char **ret_norm);
/* Canonical spelling of an SPDX licence/exception identifier, or NULL if unlisted. */
const char *sbom_spdx_id_lookup(struct span id);
/* The SPDX licence list version the identifier table was generated from ("3.28"). */
const char *sbom_spdx_list_version(void);

/*
 * The package's licences as one SPDX expression: listed ids and expressions as they
 * are, names replaced by their LicenseRef- identifier from c->licrefs, joined with AND
 * (compound parts parenthesised). *ret is NULL when the package declares no licence.
 * 0 or -ENOMEM.
 */
int sbom_license_expression(const struct sbom_ctx *c, const struct pkg *p, char **ret);
/* LicenseRef- identifier given to a licence name in this document; NULL if unknown. */
const char *sbom_licref_lookup(const struct sbom_ctx *c, const char *name);

/* Layer of a package as "sha256:..." (blob digest, else diff_id), or NULL. */
const char *sbom_pkg_layer_digest(const struct img *img, const struct pkg *p);

/*
 * Copy s for display on a terminal: control characters (C0, DEL, C1) and invalid UTF-8
 * become '?'. *ret_width gets the number of characters (code points). NULL on OOM.
 */
char *sbom_sanitize(const char *s, size_t *ret_width);
/* The name as users write it: npm "@scope/name", Go "module/path", Maven "group:artifact". */
int sbom_pkg_display_name(const struct pkg *p, struct buf *b);

/* Replace every byte outside [A-Za-z0-9.-] by '-' (SPDXID and LicenseRef idstring). */
int sbom_put_idstring(struct buf *b, const char *s);

/*
 * JSON strings from untrusted text: jansson refuses invalid UTF-8, so invalid sequences
 * are replaced by U+FFFD first. A NULL value is written as "" by sbom_set_str() and
 * skipped (with "") by sbom_set_str_opt(). 0 or -ENOMEM.
 */
json_t *sbom_json_string(const char *s);
int sbom_set_str(json_t *obj, const char *key, const char *value);
int sbom_set_str_opt(json_t *obj, const char *key, const char *value);
int sbom_append_str(json_t *arr, const char *value);
/* {"name": name, "value": value} appended to props unless value is empty. */
int sbom_add_property(json_t *props, const char *name, const char *value);

/* Append s percent-encoded per the purl rules (see src/image/purl.c), optionally lower-cased. */
int sbom_purl_put(struct buf *b, struct span s, bool lower);

/*
 * The image's own purl, "pkg:oci/<name>@<digest>?arch=..&repository_url=..&tag=..", from
 * its first repo tag (or reference). *ret (caller frees) is NULL when there is no digest or
 * no repository name. 0 or -ENOMEM.
 */
int sbom_image_purl(const struct img *img, const char *digest, char **ret);
