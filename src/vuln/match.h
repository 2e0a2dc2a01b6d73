/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match.h — match an image's packages against the vulnerability database.
 *
 * Identity first: each package is looked up under its OSV ecosystem and its name as that
 * ecosystem compares names (vuln_pkg_key_init), distro packages by source package and
 * only in advisories for the image's own release; versions are evaluated with the
 * ecosystem's own ordering (range.h). There is no CPE or fuzzy name matching.
 */
#pragma once

#include "bulkhead/vuln.h"
#include "vuln/db.h"

struct vuln_match_opts {
	bool ignore_unfixed; /* drop findings that have no fixed version */
};

/* Fill ret (caller calls vuln_report_done). 0, -EIO, -ENOMEM. */
int vuln_match_image(struct vuln_db *db, const struct img *img, const struct vuln_match_opts *o,
		     struct vuln_report *ret);
