/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pkg.h — the package inventory: what catalogers find and what SBOM renderers and the
 * vulnerability matcher read. One struct pkg per installed package (or library) found
 * in one place of an image. A package list owns its packages.
 */
#pragma once

#include <stdint.h>

#include "common/macro.h"
#include "common/span.h"
#include "common/strv.h"

enum pkg_type {
	PKG_DEB,    /* purl type deb */
	PKG_APK,    /* apk */
	PKG_RPM,    /* rpm */
	PKG_PYPI,   /* pypi */
	PKG_NPM,    /* npm */
	PKG_GOLANG, /* golang (modules and the Go toolchain "stdlib") */
	PKG_MAVEN,  /* maven */
	PKG_GEM,    /* gem */
	PKG_CARGO,  /* cargo */
	_PKG_TYPE_MAX,
};

struct pkg {
	enum pkg_type type;
	char *name;      /* as the ecosystem spells it (npm: without scope; maven: artifactId) */
	char *namespace; /* purl namespace: distro id for deb/rpm/apk ("debian"), npm scope
			  * ("@babel" without '@' in purl), maven groupId, Go module path prefix;
			  * NULL when none */
	char *version;   /* full version as the ecosystem writes it (deb: [epoch:]upstream[-rev]) */
	uint32_t epoch;  /* rpm epoch (0 when absent); deb epochs stay inside version */
	bool has_epoch;  /* rpm: an explicit Epoch tag was present */
	char *arch;      /* architecture (deb/rpm/apk), NULL otherwise */
	char *source_name;    /* dpkg Source:, rpm SOURCERPM name, apk origin; NULL = same as name */
	char *source_version; /* when it differs from version; NULL otherwise */
	char *distro;         /* purl qualifier distro=, e.g. "debian-12" ; NULL for language pkgs */
	char *purl;           /* exact Package URL, filled by pkg_finalize() */
	struct strv licenses; /* SPDX ids or expressions where known, else declared names */
	struct strv files;    /* absolute paths in the image the package owns, sorted */
	struct strv depends;  /* names (as in name field, npm "scope/name") of direct dependencies */
	char *location;       /* absolute path in the image of the DB/file it was found in */
	char *found_by;       /* cataloger name ("dpkg", "npm", ...); static string, not owned */
	char *supplier;       /* Maintainer / Packager / author, optional */
	char *description;    /* one-line summary, optional */
	char *homepage;       /* optional */
	char *checksum;       /* e.g. "sha1:..." of a jar or "h1:..." Go sum, optional */
	int layer;            /* index of the layer that introduced it, -1 = none (dir:) */
	char *bom_ref;        /* stable identifier inside one SBOM, filled by pkg_finalize() */
};

struct pkg_list {
	struct pkg **items;
	size_t n;
	size_t cap;
};

/* Allocate a zeroed package with layer = -1. NULL on OOM. */
struct pkg *pkg_new(enum pkg_type type);
void pkg_free(struct pkg *p);
DEFINE_CLEANUP(struct pkg *, pkg_free)

/* Replace a string field with a copy of value (NULL clears). 0 or -ENOMEM. */
int pkg_set(char **field, const char *value);
int pkg_set_span(char **field, struct span value);

/* Append, taking ownership (freed on failure). 0 or -ENOMEM. */
int pkg_list_add_take(struct pkg_list *l, struct pkg *p);
void pkg_list_done(struct pkg_list *l);

/* purl type string ("deb"), and ecosystem name used in output ("deb", "npm", ...). */
const char *pkg_type_purl(enum pkg_type t);

/*
 * Build p->purl exactly per the purl specification (type-specific name normalisation,
 * percent-encoding, sorted qualifiers such as arch=, distro=, epoch=, upstream=) and a
 * stable p->bom_ref. 0, -EINVAL (no name), -ENOMEM.
 */
int pkg_finalize(struct pkg *p);

/*
 * Sort into the canonical order (type, namespace, name, version, location) and drop exact
 * duplicates (same purl and location). Deterministic output depends on this.
 */
void pkg_list_sort(struct pkg_list *l);
