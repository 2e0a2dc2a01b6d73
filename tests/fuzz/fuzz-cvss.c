/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-cvss.c — CVSS vector parsing and scoring (src/vuln/cvss.c). The input, made a
 * NUL-terminated string, is parsed as a vector of any version. Besides not crashing, the
 * contract is checked: failures are -EBADMSG or -EOPNOTSUPP and fill the diagnostic;
 * successes have a known version, a score in [0.0, 10.0] with one decimal, and a rating.
 */
#include "common/common.h"
#include "vuln/cvss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4 * VULN_CVSS_MAX_LEN)
		size = 4 * VULN_CVSS_MAX_LEN; /* longer inputs only hit the length check */
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';

	struct vuln_cvss c;
	struct bh_diag diag = { 0 };
	int r = vuln_cvss_parse(s, &c, &diag);
	if (r < 0) {
		if ((r != -EBADMSG && r != -EOPNOTSUPP) || diag.message[0] == '\0')
			abort();
	} else {
		if ((unsigned)c.version >= _VULN_CVSS_VERSION_MAX)
			abort();
		if (!(c.base_score >= 0.0 && c.base_score <= 10.0))
			abort();
		double tenths = c.base_score * 10;
		if (tenths != (double)(int)(tenths + 0.5))
			abort();
		if (!vuln_cvss_severity(&c))
			abort();
		/* The same input without a diagnostic sink gives the same answer. */
		struct vuln_cvss again;
		if (vuln_cvss_parse(s, &again, NULL) != 0 || again.base_score != c.base_score)
			abort();
	}
	free(s);
	return 0;
}
