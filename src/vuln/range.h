/* SPDX-License-Identifier: Apache-2.0 */
/*
 * range.h — is an installed version inside an OSV `affected` entry, and what version
 * fixes it?
 *
 * Evaluation follows the OSV schema's algorithm: per range, events sorted by the
 * ecosystem's order ("0" first), walked in order — `introduced` <= v makes v affected,
 * `fixed` <= v or `last_affected` < v makes it unaffected again; `limit` events bound
 * the whole range from above (v must be below one of them; "*" is no bound). ECOSYSTEM
 * ranges use the ecosystem's ordering, SEMVER ranges SemVer 2.0 (Go keeps x/mod's order
 * with the 'v' OSV leaves out). GIT ranges name commits, which installed packages do not
 * carry, so they are matched only through the `versions` list that OSV enumerates for them.
 * An explicit `versions` entry equal to v (in the ecosystem's order) is affected too.
 */
#pragma once

#include <jansson.h>

#include "vuln/ecosystem.h"

struct vuln_range_result {
	bool affected;
	/* the lowest `fixed` above v in a range that affects v; "" when none is known */
	char fixed[VER_MAX_LEN + 2];
};

/*
 * ranges: JSON array of OSV range objects (or NULL); versions: JSON array of strings (or
 * NULL). 0 with *ret filled; -EINVAL when version is not a valid version of the
 * ecosystem (nothing can be said: the caller reports it and does not match); -ENOMEM.
 * Malformed ranges were rejected at import; anything unexpected here is skipped.
 */
int vuln_range_eval(const struct vuln_ecosystem *eco, const char *version, const json_t *ranges,
		    const json_t *versions, struct vuln_range_result *ret);
