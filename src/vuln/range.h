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
 *
 * Ranges and versions are stored in the database in a compact length-prefixed text form
 * (not JSON), so that matching parses them in place without allocating:
 *   ranges   := range*         range := TYPE COUNT ':' event{COUNT}   TYPE: E S G
 *   event    := KIND LEN ':' BYTES                                    KIND: i f l m
 *   versions := (LEN ':' BYTES)*
 * (introduced, fixed, last_affected, limit). The database is a file and so input: the
 * decoder checks every length and rejects anything malformed.
 */
#pragma once

#include "common/buf.h"
#include "vuln/ecosystem.h"
#include "vuln/osv.h"

/* Encode an affected entry's ranges / listed versions (appended to out). 0, -ENOMEM, -E2BIG. */
int vuln_ranges_encode(const struct vuln_affected *a, struct buf *out);
/* A string list in the versions form (also used for aliases and references). */
int vuln_versions_encode(const struct strv *versions, struct buf *out);
/* Decode such a list, appending to out. 0, -EBADMSG, -ENOMEM. */
int vuln_strv_decode(struct span enc, struct strv *out);

struct vuln_range_result {
	bool affected;
	/* the lowest `fixed` above v in a range that affects v; "" when none is known */
	char fixed[VER_MAX_LEN + 2];
};

/*
 * ranges / versions: encoded forms (NULL or "" for none). 0 with *ret filled; -EINVAL
 * when version is not a valid version of a language ecosystem (nothing can be said: the
 * caller reports it and does not match); -EBADMSG when an encoding is malformed; -ENOMEM.
 */
int vuln_range_eval(const struct vuln_ecosystem *eco, const char *version, const char *ranges,
		    const char *versions, struct vuln_range_result *ret);
