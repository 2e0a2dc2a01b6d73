/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ecosystem.h — OSV ecosystems as bulkhead understands them: which version ordering each
 * uses, how package names are compared, and how an installed package (struct pkg plus the
 * image's OS) maps to the (ecosystem, release, name, version) an advisory speaks about.
 *
 * An OSV ecosystem string is "Base" or "Base:release" ("Debian:12", "Alpine:v3.19",
 * "Ubuntu:Pro:18.04:LTS", "Red Hat:enterprise_linux:9::appstream"). Ecosystems not listed
 * here are stored by the importer but never matched (precision first; `db status` lists
 * them).
 */
#pragma once

#include "bulkhead/image.h"
#include "bulkhead/pkg.h"
#include "common/buf.h"
#include "common/span.h"
#include "vuln/version/version.h"

struct vuln_ecosystem {
	const char *name;	/* OSV base name */
	enum ver_scheme scheme; /* ordering of ECOSYSTEM ranges and of `versions` */
	bool distro;		/* versions are distribution package versions */
};

/* The ecosystems bulkhead matches, by index (0 .. vuln_ecosystem_count()-1), sorted by name. */
size_t vuln_ecosystem_count(void);
const struct vuln_ecosystem *vuln_ecosystem_at(size_t i);

/* The ecosystem for an OSV base name (exact, case-sensitive as OSV writes them), or NULL. */
const struct vuln_ecosystem *vuln_ecosystem_find(struct span base);

/* Split "Base:release" at the first ':'; release is empty when there is none. */
void vuln_ecosystem_split(const char *ecosystem, struct span *ret_base, struct span *ret_release);

/*
 * The name as the ecosystem compares names, appended to out: PyPI per PEP 503 (lower case,
 * runs of '-', '_', '.' become one '-'), everything else unchanged (npm, Maven group:artifact,
 * Go module paths and distro package names are case-sensitive). 0, -E2BIG, -ENOMEM.
 */
int vuln_ecosystem_name_key(const char *base, struct span name, struct buf *out);

/* What an installed package is called in OSV terms. Strings point into pkg/img or key. */
struct vuln_pkg_key {
	const struct vuln_ecosystem *eco; /* NULL: the package's ecosystem is not matched */
	const char *version;              /* version to compare (deb: the source version) */
	struct buf name;                  /* name key, as vuln_ecosystem_name_key() writes it */
	/* distro packages: the image's release, in the form the ecosystem uses ("12",
	 * "v3.19", "22.04", "9"); empty for language packages */
	char release[64];
	bool esm; /* Ubuntu: the installed version comes from Ubuntu Pro (ESM) */
};

/*
 * Fill key for pkg in img (OS from img->os). -ENOENT when the package cannot be matched
 * (unsupported type, distro package of an unknown or unsupported distribution, no
 * version); 0 otherwise. Call vuln_pkg_key_done() either way.
 */
int vuln_pkg_key_init(struct vuln_pkg_key *key, const struct pkg *pkg, const struct img *img);
void vuln_pkg_key_done(struct vuln_pkg_key *key);

/*
 * Whether an advisory's release part applies to the installed release: "12" to Debian 12,
 * "v3.19" to Alpine 3.19.x, "22.04:LTS" / "22.04" (and "Pro:22.04:LTS" only for ESM
 * versions) to Ubuntu 22.04, "enterprise_linux:9::appstream" / "9" to RHEL-family 9.
 * Language ecosystems match any release.
 */
bool vuln_ecosystem_release_applies(const struct vuln_pkg_key *key, struct span release);
