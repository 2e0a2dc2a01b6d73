/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CVSS vector parsing and scoring (src/vuln/cvss.c) against scores published by FIRST
 * (specification example documents, the v4.0 reference calculator's data), the v2 guide
 * and NVD; malformed vectors; and every CVSS vector of the shared OSV advisories.
 */
#include <dirent.h>
#include <sys/stat.h>

#include "tap.h"
#include "vuln/cvss.h"

struct vec {
	const char *vector;
	int tenths; /* expected score times 10 */
	const char *severity;
};

static int tenths(double score)
{
	return (int)(score * 10 + 0.5);
}

static void check(const struct vec *v, size_t n, enum vuln_cvss_version want_version)
{
	for (size_t i = 0; i < n; i++) {
		struct vuln_cvss c;
		struct bh_diag diag = { 0 };
		int r = vuln_cvss_parse(v[i].vector, &c, &diag);
		if (r < 0)
			tap_fail(__FILE__, __LINE__, "%s: %s (%s)", v[i].vector, strerror(-r),
				 diag.message);
		if (c.version != want_version)
			tap_fail(__FILE__, __LINE__, "%s: version %d, expected %d", v[i].vector,
				 c.version, want_version);
		if (tenths(c.base_score) != v[i].tenths)
			tap_fail(__FILE__, __LINE__, "%s: score %.1f, expected %d.%d", v[i].vector,
				 c.base_score, v[i].tenths / 10, v[i].tenths % 10);
		if (c.base_score * 10 != (double)v[i].tenths)
			tap_fail(__FILE__, __LINE__, "%s: score %.17g is not %d tenths", v[i].vector,
				 c.base_score, v[i].tenths);
		ASSERT_STREQ(vuln_cvss_severity(&c), v[i].severity);
	}
	printf("# %zu vectors\n", n);
}

/*
 * FIRST, "CVSS v3.1: Examples" (https://www.first.org/cvss/v3.1/examples), the base vector
 * and base score of each example, in document order.
 */
static const struct vec v31_examples[] = {
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 61, "medium" },  /* CVE-2013-1937 */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 64, "medium" },  /* CVE-2013-0375 */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 31, "low" },     /* CVE-2014-3566 */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 99, "critical" }, /* CVE-2012-1516 */
	{ "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 42, "medium" },  /* CVE-2009-0783 */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 88, "high" },    /* CVE-2012-0384 */
	{ "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 78, "high" },    /* CVE-2015-1098 */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 75, "high" },    /* CVE-2014-0160 */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 98, "critical" }, /* CVE-2014-6271 */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 68, "medium" },  /* CVE-2008-1447 */
	{ "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 68, "medium" },  /* CVE-2014-2005 */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 58, "medium" },  /* CVE-2010-0467 */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N", 58, "medium" },  /* CVE-2012-1342 */
	{ "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 93, "critical" }, /* CVE-2013-6014 */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 54, "medium" },  /* CVE-2014-9253 */
	{ "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 78, "high" },    /* CVE-2009-0658 */
	{ "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 88, "high" },    /* CVE-2011-1265 */
	{ "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 46, "medium" },  /* CVE-2014-2019 */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 88, "high" },    /* CVE-2015-0970 */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 74, "high" },    /* CVE-2014-0224 */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 96, "critical" }, /* CVE-2012-5376 */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N", 68, "medium" },  /* CVE-2016-0128 */
	{ "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 82, "high" },    /* CVE-2016-5729 */
	{ "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 76, "high" },    /* CVE-2018-3652 */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:H", 90, "critical" }, /* CVE-2019-7551 */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H", 75, "high" },    /* CVE-2019-0884 */
	/* Two more published values, as selected in cticommons/cvss testdata/first/v31-base.json
	 * (source: the same FIRST page), covering "low" and "none". */
	{ "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:N", 33, "low" },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, "none" },
};

/* NVD's CVSS v3.1 base vectors and scores for well-known CVEs (nvd.nist.gov/vuln/detail/). */
static const struct vec v31_nvd[] = {
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 100, "critical" }, /* CVE-2021-44228 */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H", 90, "critical" },  /* CVE-2021-45046 */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", 59, "medium" },   /* CVE-2021-45105 */
	{ "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 78, "high" },     /* CVE-2021-3156 */
	{ "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", 70, "high" },     /* CVE-2016-5195 */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 98, "critical" }, /* CVE-2022-22965 */
};

/* FIRST, "CVSS v3.0: Examples" (https://www.first.org/cvss/v3.0/examples): same method. */
static const struct vec v30_examples[] = {
	{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 61, "medium" },  /* CVE-2013-1937 */
	{ "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 99, "critical" }, /* CVE-2012-1516 */
	{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 75, "high" },    /* CVE-2014-0160 */
	{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 98, "critical" }, /* CVE-2014-6271 */
};

/*
 * FIRST, "CVSS v4.0: Examples" (https://www.first.org/cvss/v4.0/examples, document
 * version 1.8): the CVSS-B vectors and scores published there.
 */
static const struct vec v40_examples[] = {
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0, "none" },
	{ "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 46, "medium" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 51, "medium" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 69, "medium" },
	{ "CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 73, "high" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:H/VI:H/VA:H/SC:L/SI:L/SA:N", 85, "high" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 93, "critical" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 100, "critical" },
};

/*
 * FIRST cvss-resources, vectorFiles/macro-vectors and macro-scores (the calculator
 * validation set of the CVSS SIG): the highest severity vector of a MacroVector scores
 * that MacroVector's table value. A sample across EQ levels, threat and environmental.
 */
static const struct vec v40_macro[] = {
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A/CR:H/IR:H/AR:H/"
	  "MSI:S/MSA:S", 100, "critical" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:P/CR:H/IR:H/AR:H/"
	  "MSI:S/MSA:S", 98, "critical" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U/CR:H/IR:H/AR:H/"
	  "MSI:S/MSA:S", 95, "critical" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:P/CR:H/IR:H/AR:H", 93,
	  "critical" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U/CR:H/IR:H/AR:H", 91,
	  "critical" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:U/CR:H/IR:H/AR:H", 81,
	  "high" },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:U/CR:H/IR:H/AR:H", 72,
	  "high" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:U/CR:M/IR:M/AR:M", 68,
	  "medium" },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:U/CR:M/IR:M/AR:M", 53,
	  "medium" },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:H/SC:L/SI:L/SA:L/E:U/CR:M/IR:H/AR:M", 30,
	  "low" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L/E:U/CR:H/IR:H/AR:H", 27,
	  "low" },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L/E:U/CR:H/IR:H/AR:H", 17,
	  "low" },
	{ "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U/CR:H/IR:H/AR:H", 77,
	  "high" },
	{ "CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:U/CR:H/IR:H/AR:H", 52,
	  "medium" },
	{ "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:U/CR:M/IR:M/AR:M", 49,
	  "medium" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:H/SA:H/E:P/CR:H/IR:H/AR:H", 69,
	  "medium" },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:L/VI:H/VA:H/SC:H/SI:H/SA:H/E:U/CR:H/IR:H/AR:H", 70,
	  "high" },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:H/SC:L/SI:L/SA:L/E:P/CR:M/IR:H/AR:M", 52,
	  "medium" },
	{ "CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U/CR:H/IR:H/AR:H/"
	  "MSI:S/MSA:S", 76, "high" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:H/SC:H/SI:H/SA:H/E:U/CR:H/IR:H/AR:H/"
	  "MSI:S/MSA:S", 90, "critical" },
};

/*
 * The reference calculator after its 2024-11-01 rounding fix (RedHatProductSecurity/
 * cvss-v4-calculator issue #66 / pull request #67, which FIRST's reference-scores follow):
 * interpolated values one ULP below an x.x5 tie round up. Each of these scored a tenth
 * lower before the fix, so they tell the two roundings apart.
 */
static const struct vec v40_rounding[] = {
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H", 86, "high" },
	{ "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/E:U", 18, "low" },
	{ "CVSS:4.0/AV:L/AC:H/AT:P/PR:N/UI:A/VC:N/VI:H/VA:H/SC:L/SI:L/SA:L/E:U", 18, "low" },
	{ "CVSS:4.0/AV:L/AC:H/AT:P/PR:N/UI:A/VC:H/VI:L/VA:N/SC:L/SI:N/SA:N/E:A", 57, "medium" },
	{ "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:N/VC:H/VI:L/VA:N/SC:N/SI:L/SA:N/E:X", 57, "medium" },
	{ "CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:A/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/E:U", 18, "low" },
	{ "CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:P/VC:L/VI:N/VA:H/SC:N/SI:N/SA:L/E:U/CR:L/IR:M/AR:H/"
	  "MAV:L/MAC:L/MAT:P/MPR:H/MUI:N/MVC:L/MVI:X/MVA:X/MSC:L/MSI:N/MSA:X/S:X/AU:X/R:U/V:D/"
	  "RE:X/U:Green", 16, "low" },
	{ "CVSS:4.0/AV:A/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:L/SA:H/E:P/CR:L/IR:L/AR:H/"
	  "MAV:N/MAC:H/MAT:N/MPR:L/MUI:P/MVC:L/MVI:X/MVA:N/MSC:L/MSI:L/MSA:L", 25, "low" },
	{ "CVSS:4.0/AV:P/AC:L/AT:P/PR:H/UI:A/VC:N/VI:L/VA:L/SC:H/SI:H/SA:L/E:X/CR:L/IR:L/AR:H/"
	  "MAV:X/MAC:X/MAT:P/MPR:N/MUI:P/MVC:H/MVI:N/MVA:L/MSC:H/MSI:H/MSA:H", 47, "medium" },
};

/* RedHatProductSecurity/cvss (the Python library of the reference calculator's authors),
 * tests/vectors_simple4: base vectors with their scores. */
static const struct vec v40_redhat[] = {
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:L/SC:N/SI:H/SA:L", 92, "critical" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:N/SA:L", 78, "high" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:N/VA:N/SC:L/SI:N/SA:L", 53, "medium" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:N/SC:N/SI:L/SA:L", 85, "high" },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:H", 63, "medium" },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N", 21, "low" },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:N/VI:L/VA:L/SC:L/SI:N/SA:N", 18, "low" },
	{ "CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:H/SA:N", 40, "medium" },
	{ "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:L/SA:N", 95, "critical" },
	{ "CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:A/VC:L/VI:L/VA:L/SC:H/SI:H/SA:H", 52, "medium" },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:L/VI:N/VA:N/SC:H/SI:L/SA:H", 56, "medium" },
};

/*
 * "A Complete Guide to the Common Vulnerability Scoring System Version 2.0" (FIRST),
 * section 3.3 "Examples": CVE-2002-0392 7.8, CVE-2003-0818 10.0, CVE-2003-0062 6.2. Then
 * NVD v2 base vectors and scores, e.g. CVE-2014-0160 5.0, CVE-2021-44228 9.3,
 * CVE-2016-5195 7.2, CVE-2012-1823 7.5.
 */
static const struct vec v2_examples[] = {
	{ "AV:N/AC:L/Au:N/C:N/I:N/A:C", 78, "high" },
	{ "AV:N/AC:L/Au:N/C:C/I:C/A:C", 100, "high" },
	{ "AV:L/AC:H/Au:N/C:C/I:C/A:C", 62, "medium" },
	{ "AV:N/AC:L/Au:N/C:P/I:N/A:N", 50, "medium" },
	{ "AV:N/AC:M/Au:N/C:C/I:C/A:C", 93, "high" },
	{ "AV:L/AC:L/Au:N/C:C/I:C/A:C", 72, "high" },
	{ "AV:N/AC:L/Au:N/C:P/I:P/A:P", 75, "high" },
	{ "AV:N/AC:M/Au:N/C:N/I:P/A:N", 43, "medium" },
	{ "AV:N/AC:L/Au:S/C:C/I:C/A:C", 90, "high" },
	{ "AV:L/AC:L/Au:N/C:P/I:N/A:N", 21, "low" },
	{ "AV:N/AC:L/Au:N/C:N/I:N/A:N", 0, "low" },
	/* The v2 guide's CVE-2002-0392 with its temporal and environmental metrics. */
	{ "AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C", 78, "high" },
	{ "AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H", 78, "high" },
	{ "(AV:N/AC:L/Au:N/C:N/I:N/A:C)", 78, "high" },
};

TEST(v31_first_examples)
{
	check(v31_examples, ARRAY_SIZE(v31_examples), VULN_CVSS_V31);
}

TEST(v31_nvd)
{
	check(v31_nvd, ARRAY_SIZE(v31_nvd), VULN_CVSS_V31);
}

TEST(v30_first_examples)
{
	check(v30_examples, ARRAY_SIZE(v30_examples), VULN_CVSS_V30);
}

TEST(v40_first_examples)
{
	check(v40_examples, ARRAY_SIZE(v40_examples), VULN_CVSS_V40);
}

TEST(v40_macrovectors)
{
	check(v40_macro, ARRAY_SIZE(v40_macro), VULN_CVSS_V40);
}

TEST(v40_rounding_fix)
{
	check(v40_rounding, ARRAY_SIZE(v40_rounding), VULN_CVSS_V40);
}

TEST(v40_redhat_vectors)
{
	check(v40_redhat, ARRAY_SIZE(v40_redhat), VULN_CVSS_V40);
}

TEST(v2_guide_examples)
{
	check(v2_examples, ARRAY_SIZE(v2_examples), VULN_CVSS_V2);
}

static double score_of(const char *vector)
{
	struct vuln_cvss c;
	int r = vuln_cvss_parse(vector, &c, NULL);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "%s: %s", vector, strerror(-r));
	return c.base_score;
}

/*
 * v3.0 rounds with a plain ceiling, v3.1 with its Appendix A Roundup (5 decimals first).
 * On base scores the two agree for all 2592 metric combinations (checked here), so the
 * v3.1 change only shows in temporal and environmental scores, which are not computed.
 */
TEST(v30_v31_base_scores_agree)
{
	static const char *const av = "NALP", *const ac = "LH", *const pr = "NLH", *const ui = "NR",
				 *const s = "UC", *const cia = "HLN";
	unsigned n = 0;
	for (int i = 0; i < 2592; i++) {
		int k = i;
		char v31[64], v30[64];
		char m[8];
		m[0] = av[k % 4], k /= 4;
		m[1] = ac[k % 2], k /= 2;
		m[2] = pr[k % 3], k /= 3;
		m[3] = ui[k % 2], k /= 2;
		m[4] = s[k % 2], k /= 2;
		m[5] = cia[k % 3], k /= 3;
		m[6] = cia[k % 3], k /= 3;
		m[7] = cia[k % 3];
#define V3_FMT "CVSS:3.%c/AV:%c/AC:%c/PR:%c/UI:%c/S:%c/C:%c/I:%c/A:%c"
		ASSERT_OK(xsnprintf(v31, sizeof(v31), V3_FMT, '1', m[0], m[1], m[2], m[3], m[4],
				    m[5], m[6], m[7]));
		ASSERT_OK(xsnprintf(v30, sizeof(v30), V3_FMT, '0', m[0], m[1], m[2], m[3], m[4],
				    m[5], m[6], m[7]));
#undef V3_FMT
		double a = score_of(v31), b = score_of(v30);
		if (a != b)
			tap_fail(__FILE__, __LINE__, "%s: %.1f, v3.0: %.1f", v31, a, b);
		ASSERT_TRUE(a >= 0 && a <= 10);
		n++;
	}
	ASSERT_EQ(n, 2592);
}

/* v2 and v3.x accept metrics in any order; temporal/environmental do not change the base. */
TEST(v3_any_order_and_optional_metrics)
{
	ASSERT_EQ(tenths(score_of("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N")), 98);
	ASSERT_EQ(tenths(score_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U/"
				  "CR:L/IR:L/AR:L/MAV:P/MAC:H/MPR:H/MUI:R/MS:U/MC:N/MI:N/MA:N")),
		  98);
	ASSERT_EQ(tenths(score_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/RL:X/RC:X")),
		  98);
	ASSERT_EQ(tenths(score_of("A:C/I:N/C:N/Au:N/AC:L/AV:N")), 78);
}

/* v4.0: the valid sample vectors of the specification, section 7 (scores from the
 * reference calculator), and environmental metrics changing the score. */
TEST(v40_spec_samples)
{
	/* CVSS-BT */
	ASSERT_EQ(tenths(score_of("CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:H/VI:H/VA:H/SC:L/SI:L/"
				  "SA:L/E:P")),
		  tenths(score_of("CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:H/VI:H/VA:H/SC:L/SI:L/"
				  "SA:L/E:P/S:X/AU:X/R:X/V:X/RE:X/U:X")));
	/* CVSS-B with supplemental: supplemental metrics never change the score */
	ASSERT_EQ(tenths(score_of("CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:P/VC:H/VI:H/VA:H/SC:L/SI:L/"
				  "SA:L/E:A/S:P/AU:Y/R:A/V:D/RE:L/U:Red")),
		  tenths(score_of("CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:P/VC:H/VI:H/VA:H/SC:L/SI:L/"
				  "SA:L")));
	/* CVSS-BE and CVSS-BTE with supplemental */
	(void)score_of("CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:A/VC:N/VI:N/VA:L/SC:H/SI:H/SA:H/CR:H/"
		       "IR:H/AR:M/MAV:N/MAC:L/MAT:P/MPR:L/MUI:A/MVC:N/MVI:H/MVA:L/MSC:L/MSI:S/"
		       "MSA:H");
	(void)score_of("CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/E:U/CR:L/"
		       "IR:X/AR:L/MAV:A/MAC:H/MAT:N/MPR:N/MUI:P/MVC:X/MVI:N/MVA:H/MSC:N/MSI:L/"
		       "MSA:S/S:N/AU:N/R:I/V:C/RE:H/U:Green");
	/* Modified metrics replace base metrics: a vector equals its modified twin. */
	ASSERT_EQ(tenths(score_of("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:N/"
				  "SA:N/MAV:N/MAC:L/MAT:N/MPR:N/MUI:N/MVC:H/MVI:H/MVA:H/MSC:H/"
				  "MSI:H/MSA:H")),
		  100);
	/* All impacts None: 0.0 even when everything else is worst case. */
	ASSERT_EQ(tenths(score_of("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/"
				  "SA:H/MVC:N/MVI:N/MVA:N/MSC:N/MSI:N/MSA:N")),
		  0);
}

struct bad {
	const char *vector;
	int err;
};

static const struct bad bad_vectors[] = {
	{ "", -EBADMSG },
	{ "CVSS:3.1", -EBADMSG },
	{ "CVSS:3.1/", -EBADMSG },
	/* wrong prefix */
	{ "CVSS3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -EBADMSG },
	{ "cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -EBADMSG },
	{ "CVSS:3/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -EBADMSG },
	{ "CVSS:3.1.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -EBADMSG },
	{ " CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -EBADMSG },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H ", -EBADMSG },
	/* v3.x without prefix is not v2 */
	{ "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -EBADMSG },
	/* v4.0 spec: "CVSS v4.0 prefix is missing" */
	{ "AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", -EBADMSG },
	/* unknown versions */
	{ "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -EOPNOTSUPP },
	{ "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", -EOPNOTSUPP },
	{ "CVSS:5.0/AV:N", -EOPNOTSUPP },
	/* duplicate metric */
	{ "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -EBADMSG },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/E:X", -EBADMSG },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A/E:X", -EBADMSG },
	{ "AV:N/AC:L/Au:N/C:P/I:P/A:P/A:P", -EBADMSG },
	/* missing mandatory metric */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", -EBADMSG },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H", -EBADMSG },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/SC:N/SI:N/SA:N", -EBADMSG },
	{ "AV:N/AC:L/C:P/I:P/A:P", -EBADMSG },
	/* unknown value, unknown metric (names and values are case sensitive) */
	{ "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -EBADMSG },
	{ "CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -EBADMSG },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:P/S:U/C:H/I:H/A:H", -EBADMSG },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:Z", -EBADMSG },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:N", -EBADMSG },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:HH", -EBADMSG },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:", -EBADMSG },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H:H", -EBADMSG },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/AH", -EBADMSG },
	{ "CVSS:4.0/AV:F/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", -EBADMSG },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/ui:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", -EBADMSG },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:S/SA:N", -EBADMSG },
	{ "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X", -EBADMSG },
	/* v4.0 spec: "Fixed ordering is not respected" */
	{ "CVSS:4.0/AC:L/AV:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/CR:L/IR:X/AR:L/RE:H/MAV:A/"
	  "MAC:H/MAT:N/MPR:N/MUI:P/AT:N/MVC:X/MVI:N/MVA:H/MSC:N/MSI:L/MSA:S/E:U/S:N/AU:N/R:I/"
	  "V:C/U:Green",
	  -EBADMSG },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/CR:H/E:A", -EBADMSG },
	/* empty fields: trailing, leading and doubled '/' */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", -EBADMSG },
	{ "CVSS:3.1//AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -EBADMSG },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N//S:U/C:H/I:H/A:H", -EBADMSG },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/", -EBADMSG },
	{ "AV:N/AC:L/Au:N/C:P/I:P/A:P/", -EBADMSG },
	/* v2 parentheses */
	{ "(AV:N/AC:L/Au:N/C:P/I:P/A:P", -EBADMSG },
	{ "()", -EBADMSG },
	{ "(", -EBADMSG },
};

TEST(bad_vectors)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_vectors); i++) {
		struct vuln_cvss c = { .version = VULN_CVSS_V2, .base_score = -1 };
		struct bh_diag diag = { 0 };
		int r = vuln_cvss_parse(bad_vectors[i].vector, &c, &diag);
		if (r != bad_vectors[i].err)
			tap_fail(__FILE__, __LINE__, "'%s' returned %d, expected %d",
				 bad_vectors[i].vector, r, bad_vectors[i].err);
		ASSERT_TRUE(c.base_score == -1); /* untouched on failure */
		ASSERT_TRUE(diag.message[0] != '\0');
	}
	printf("# %zu malformed vectors\n", ARRAY_SIZE(bad_vectors));
}

TEST(diag_points_at_the_field)
{
	struct vuln_cvss c;
	struct bh_diag diag = { 0 };
	ASSERT_ERR(vuln_cvss_parse("CVSS:3.1/AV:N/AC:X/PR:N/UI:N/S:U/C:H/I:H/A:H", &c, &diag),
		   -EBADMSG);
	ASSERT_EQ(diag.column, 15);
	ASSERT_NOT_NULL(strstr(diag.message, "'AC:X'"));
	ASSERT_ERR(vuln_cvss_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", &c, &diag),
		   -EBADMSG);
	ASSERT_EQ(diag.column, 46);
	ASSERT_ERR(vuln_cvss_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", &c, &diag),
		   -EBADMSG);
	ASSERT_NOT_NULL(strstr(diag.message, "'A'"));
	/* hostile bytes are not copied into the message */
	ASSERT_ERR(vuln_cvss_parse("CVSS:3.1/A\x1b[2J:N", &c, &diag), -EBADMSG);
	ASSERT_NULL(strchr(diag.message, '\x1b'));
	/* NULL diag is fine */
	ASSERT_ERR(vuln_cvss_parse("CVSS:3.1/", &c, NULL), -EBADMSG);
}

TEST(long_input)
{
	size_t n = 10 * 1024;
	char *s = malloc(n + 1);
	ASSERT_NOT_NULL(s);
	/* a valid vector followed by 10 KB of repeated optional metrics */
	const char *head = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
	size_t len = strlen(head);
	memcpy(s, head, len);
	while (len + 4 <= n) {
		memcpy(s + len, "/E:X", 4);
		len += 4;
	}
	s[len] = '\0';
	struct vuln_cvss c;
	ASSERT_ERR(vuln_cvss_parse(s, &c, NULL), -EBADMSG);
	memset(s, 'A', n);
	s[n] = '\0';
	ASSERT_ERR(vuln_cvss_parse(s, &c, NULL), -EBADMSG);
	/* exactly at the limit is still parsed (and rejected for its content) */
	s[VULN_CVSS_MAX_LEN] = '\0';
	ASSERT_ERR(vuln_cvss_parse(s, &c, NULL), -EBADMSG);
	free(s);
}

TEST(invalid_arguments)
{
	struct vuln_cvss c;
	ASSERT_ERR(vuln_cvss_parse(NULL, &c, NULL), -EINVAL);
	ASSERT_ERR(vuln_cvss_parse("AV:N/AC:L/Au:N/C:P/I:P/A:P", NULL, NULL), -EINVAL);
	ASSERT_NULL(vuln_cvss_severity(NULL));
	c = (struct vuln_cvss){ .version = _VULN_CVSS_VERSION_MAX, .base_score = 5.0 };
	ASSERT_NULL(vuln_cvss_severity(&c));
}

TEST(severity_boundaries)
{
	static const struct {
		double score;
		const char *v3, *v2;
	} b[] = {
		{ 0.0, "none", "low" },	    { 0.1, "low", "low" },	 { 3.9, "low", "low" },
		{ 4.0, "medium", "medium" }, { 6.9, "medium", "medium" }, { 7.0, "high", "high" },
		{ 8.9, "high", "high" },     { 9.0, "critical", "high" }, { 10.0, "critical", "high" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(b); i++) {
		for (int v = VULN_CVSS_V30; v <= VULN_CVSS_V40; v++) {
			struct vuln_cvss c = { .version = v, .base_score = b[i].score };
			ASSERT_STREQ(vuln_cvss_severity(&c), b[i].v3);
		}
		struct vuln_cvss c = { .version = VULN_CVSS_V2, .base_score = b[i].score };
		ASSERT_STREQ(vuln_cvss_severity(&c), b[i].v2);
	}
}

/* ---- every "score" of the shared OSV advisories parses and lands in range ---------------- */

struct osv_run {
	unsigned files, vectors, failed;
};

static void scan_file(const char *path, struct osv_run *run)
{
	size_t len;
	char *text = tap_read_file(path, &len);
	if (!text)
		tap_fail(__FILE__, __LINE__, "cannot read %s", path);
	run->files++;
	for (char *p = strstr(text, "\"score\""); p; p = strstr(p + 1, "\"score\"")) {
		char *q = p + strlen("\"score\"");
		while (*q == ' ' || *q == ':')
			q++;
		if (*q != '"')
			continue; /* a number, e.g. database_specific scores */
		char *end = strchr(++q, '"');
		if (!end)
			break;
		*end = '\0';
		if (strncmp(q, "CVSS:", 5) == 0 || strncmp(q, "AV:", 3) == 0) {
			struct vuln_cvss c;
			struct bh_diag diag = { 0 };
			int r = vuln_cvss_parse(q, &c, &diag);
			run->vectors++;
			if (r < 0 || c.base_score < 0 || c.base_score > 10) {
				run->failed++;
				printf("# %s: '%s': %s\n", path, q, r < 0 ? diag.message : "range");
			}
		}
		*end = '"';
		p = end;
	}
	free(text);
}

static void scan_dir(const char *dir, struct osv_run *run, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		tap_fail(__FILE__, __LINE__, "cannot open %s", dir);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		if (xsnprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < 0)
			continue;
		struct stat st;
		if (stat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 4)
			scan_dir(path, run, depth + 1);
		else if (S_ISREG(st.st_mode) && strstr(e->d_name, ".json"))
			scan_file(path, run);
	}
	closedir(d);
}

TEST(shared_osv_vectors)
{
	const char *dir = tap_shared_path("osv");
	struct stat st;
	if (!dir || stat(dir, &st) < 0)
		TEST_SKIP("shared testdata absent");
	struct osv_run run = { 0 };
	scan_dir(dir, &run, 0);
	printf("# osv: %u/%u CVSS vectors in %u files parse\n", run.vectors - run.failed,
	       run.vectors, run.files);
	ASSERT_EQ(run.failed, 0);
	ASSERT_TRUE(run.vectors > 0);
}
