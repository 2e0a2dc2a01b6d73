/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvss.c — CVSS v2.0 / v3.0 / v3.1 / v4.0 vector parsing and scoring (see cvss.h).
 *
 * One table-driven parser serves every version: a version is a table of metric
 * definitions (name, allowed values, mandatory, order), and parsing yields, per metric,
 * the index of its value or NOT_SET. Scoring then works on those indices.
 *
 * Floating point is part of the contract: the specifications and reference calculators
 * compute in IEEE 754 double precision and round at the end, and a result that lands
 * within an ULP of a rounding boundary depends on the exact sequence of operations. So
 * each equation below performs the same operations in the same order as the
 * specification text (v2, v3.x) or the reference calculator (v4.0), with no contraction
 * into fused multiply-add, and rounding is done as each version defines it. Nothing here
 * needs libm: the roundings are written with integer conversions of non-negative values.
 */
#include <float.h>

#include "common/common.h"
#include "vuln/cvss.h"

/* Double evaluation must be plain IEEE binary64 (no x87 excess precision). */
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "CVSS scoring needs FLT_EVAL_METHOD == 0 (SSE2 or a non-x87 FPU)"
#endif

/* a*b+c must not become fma(a,b,c): the reference calculators round every operation. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define NOT_SET 0xff
#define MAX_VALUES 6
#define MAX_METRICS 32

struct metric_def {
	const char *name;
	const char *values[MAX_VALUES]; /* NULL-terminated when shorter */
	bool mandatory;
};

struct version_def {
	enum vuln_cvss_version version;
	const struct metric_def *metrics;
	size_t n_metrics;
	bool ordered; /* metrics must appear in table order */
};

/* ---- metric tables (value order matters: the scoring code indexes by it) ---------------- */

/* CVSS v2 guide, section 2 and Table 13 of section 3.1 (vector). */
enum { V2_AV, V2_AC, V2_AU, V2_C, V2_I, V2_A, _V2_MAX_BASE };
static const struct metric_def v2_metrics[] = {
	{ "AV", { "L", "A", "N" }, true },
	{ "AC", { "H", "M", "L" }, true },
	{ "Au", { "M", "S", "N" }, true },
	{ "C", { "N", "P", "C" }, true },
	{ "I", { "N", "P", "C" }, true },
	{ "A", { "N", "P", "C" }, true },
	{ "E", { "U", "POC", "F", "H", "ND" }, false },
	{ "RL", { "OF", "TF", "W", "U", "ND" }, false },
	{ "RC", { "UC", "UR", "C", "ND" }, false },
	{ "CDP", { "N", "L", "LM", "MH", "H", "ND" }, false },
	{ "TD", { "N", "L", "M", "H", "ND" }, false },
	{ "CR", { "L", "M", "H", "ND" }, false },
	{ "IR", { "L", "M", "H", "ND" }, false },
	{ "AR", { "L", "M", "H", "ND" }, false },
};

/* CVSS v3.0 / v3.1 specification, section 6, Table 15 (identical metric sets). */
enum { V3_AV, V3_AC, V3_PR, V3_UI, V3_S, V3_C, V3_I, V3_A };
static const struct metric_def v3_metrics[] = {
	{ "AV", { "N", "A", "L", "P" }, true },
	{ "AC", { "L", "H" }, true },
	{ "PR", { "N", "L", "H" }, true },
	{ "UI", { "N", "R" }, true },
	{ "S", { "U", "C" }, true },
	{ "C", { "H", "L", "N" }, true },
	{ "I", { "H", "L", "N" }, true },
	{ "A", { "H", "L", "N" }, true },
	{ "E", { "X", "U", "P", "F", "H" }, false },
	{ "RL", { "X", "O", "T", "W", "U" }, false },
	{ "RC", { "X", "U", "R", "C" }, false },
	{ "CR", { "X", "L", "M", "H" }, false },
	{ "IR", { "X", "L", "M", "H" }, false },
	{ "AR", { "X", "L", "M", "H" }, false },
	{ "MAV", { "X", "N", "A", "L", "P" }, false },
	{ "MAC", { "X", "L", "H" }, false },
	{ "MPR", { "X", "N", "L", "H" }, false },
	{ "MUI", { "X", "N", "R" }, false },
	{ "MS", { "X", "U", "C" }, false },
	{ "MC", { "X", "N", "L", "H" }, false },
	{ "MI", { "X", "N", "L", "H" }, false },
	{ "MA", { "X", "N", "L", "H" }, false },
};

/*
 * CVSS v4.0 specification, section 7, Table 23, in its mandatory order. The eleven
 * modified base metrics follow the eleven base metrics in the same relative order, so
 * V4_MAV + (m - V4_AV) is the modified twin of base metric m.
 */
enum {
	V4_AV, V4_AC, V4_AT, V4_PR, V4_UI, V4_VC, V4_VI, V4_VA, V4_SC, V4_SI, V4_SA,
	V4_E, V4_CR, V4_IR, V4_AR,
	V4_MAV, V4_MAC, V4_MAT, V4_MPR, V4_MUI, V4_MVC, V4_MVI, V4_MVA, V4_MSC, V4_MSI, V4_MSA,
	V4_S, V4_AU, V4_R, V4_V, V4_RE, V4_U,
	_V4_MAX,
};
static const struct metric_def v4_metrics[] = {
	{ "AV", { "N", "A", "L", "P" }, true },
	{ "AC", { "L", "H" }, true },
	{ "AT", { "N", "P" }, true },
	{ "PR", { "N", "L", "H" }, true },
	{ "UI", { "N", "P", "A" }, true },
	{ "VC", { "H", "L", "N" }, true },
	{ "VI", { "H", "L", "N" }, true },
	{ "VA", { "H", "L", "N" }, true },
	{ "SC", { "H", "L", "N" }, true },
	{ "SI", { "H", "L", "N" }, true },
	{ "SA", { "H", "L", "N" }, true },
	{ "E", { "X", "A", "P", "U" }, false },
	{ "CR", { "X", "H", "M", "L" }, false },
	{ "IR", { "X", "H", "M", "L" }, false },
	{ "AR", { "X", "H", "M", "L" }, false },
	{ "MAV", { "X", "N", "A", "L", "P" }, false },
	{ "MAC", { "X", "L", "H" }, false },
	{ "MAT", { "X", "N", "P" }, false },
	{ "MPR", { "X", "N", "L", "H" }, false },
	{ "MUI", { "X", "N", "P", "A" }, false },
	{ "MVC", { "X", "N", "L", "H" }, false },
	{ "MVI", { "X", "N", "L", "H" }, false },
	{ "MVA", { "X", "N", "L", "H" }, false },
	{ "MSC", { "X", "N", "L", "H" }, false },
	{ "MSI", { "X", "N", "L", "H", "S" }, false },
	{ "MSA", { "X", "N", "L", "H", "S" }, false },
	{ "S", { "X", "N", "P" }, false },
	{ "AU", { "X", "N", "Y" }, false },
	{ "R", { "X", "A", "U", "I" }, false },
	{ "V", { "X", "D", "C" }, false },
	{ "RE", { "X", "L", "M", "H" }, false },
	{ "U", { "X", "Clear", "Green", "Amber", "Red" }, false },
};

_Static_assert(ARRAY_SIZE(v4_metrics) == _V4_MAX, "v4 table and enum disagree");
_Static_assert(ARRAY_SIZE(v4_metrics) <= MAX_METRICS, "raise MAX_METRICS");
_Static_assert(ARRAY_SIZE(v3_metrics) <= MAX_METRICS, "raise MAX_METRICS");
_Static_assert(ARRAY_SIZE(v2_metrics) <= MAX_METRICS, "raise MAX_METRICS");

static const struct version_def versions[] = {
	[VULN_CVSS_V2] = { VULN_CVSS_V2, v2_metrics, ARRAY_SIZE(v2_metrics), false },
	[VULN_CVSS_V30] = { VULN_CVSS_V30, v3_metrics, ARRAY_SIZE(v3_metrics), false },
	[VULN_CVSS_V31] = { VULN_CVSS_V31, v3_metrics, ARRAY_SIZE(v3_metrics), false },
	[VULN_CVSS_V40] = { VULN_CVSS_V40, v4_metrics, ARRAY_SIZE(v4_metrics), true },
};

/* ---- parsing ----------------------------------------------------------------------------- */

/* A printable, truncated copy of hostile input for a diagnostic message. */
static const char *quote(struct span s, char *buf, size_t size)
{
	size_t n = MIN(s.len, size - 1);
	for (size_t i = 0; i < n; i++)
		buf[i] = ascii_isprint((unsigned char)s.ptr[i]) ? s.ptr[i] : '?';
	buf[n] = '\0';
	return buf;
}

/* Set the diagnostic "msg 'arg'" (arg quoted when non-empty) at column at - start + 1. */
static int fail(struct bh_diag *diag, const char *start, const char *at, const char *msg,
		struct span arg)
{
	char q[40];
	unsigned col = (unsigned)(at - start) + 1;
	if (arg.len > 0)
		bh_diag_set(diag, "cvss vector", 1, col, "%s '%s'", msg, quote(arg, q, sizeof(q)));
	else
		bh_diag_set(diag, "cvss vector", 1, col, "%s", msg);
	return -EBADMSG;
}

/*
 * Parse the metrics part of a vector (after the prefix, if any) into vals[] (one entry per
 * metric of def, NOT_SET when absent). start is the whole vector, for diagnostic columns.
 */
static int parse_metrics(const struct version_def *def, struct span body, const char *start,
			 uint8_t vals[static MAX_METRICS], struct bh_diag *diag)
{
	memset(vals, NOT_SET, MAX_METRICS);
	if (body.len == 0)
		return fail(diag, start, body.ptr, "no metrics after the prefix", SPAN_NULL);

	size_t last = SIZE_MAX; /* table index of the previous metric, for ordered versions */
	for (;;) {
		const char *field_at = body.ptr;
		ssize_t slash = span_index(body, '/');
		struct span field = slash < 0 ? body : span_slice(body, 0, (size_t)slash);
		if (field.len == 0)
			return fail(diag, start, field_at, "empty metric", SPAN_NULL);

		struct span name, value;
		if (!span_cut(field, ':', &name, &value))
			return fail(diag, start, field_at, "metric without ':'", field);

		size_t m;
		for (m = 0; m < def->n_metrics; m++)
			if (span_eq_str(name, def->metrics[m].name))
				break;
		if (m == def->n_metrics)
			return fail(diag, start, field_at, "unknown metric", name);
		if (vals[m] != NOT_SET)
			return fail(diag, start, field_at, "duplicate metric", name);
		if (def->ordered && last != SIZE_MAX && m < last)
			return fail(diag, start, field_at, "metric out of order", name);

		const struct metric_def *md = &def->metrics[m];
		size_t v;
		for (v = 0; v < MAX_VALUES && md->values[v]; v++)
			if (span_eq_str(value, md->values[v]))
				break;
		if (v == MAX_VALUES || !md->values[v])
			return fail(diag, start, field_at, "invalid metric value", field);
		vals[m] = (uint8_t)v;
		last = m;

		if (slash < 0)
			break;
		body = span_slice(body, (size_t)slash + 1, body.len - (size_t)slash - 1);
		if (body.len == 0) /* trailing '/' */
			return fail(diag, start, body.ptr, "empty metric (trailing '/')", SPAN_NULL);
	}

	for (size_t m = 0; m < def->n_metrics; m++)
		if (def->metrics[m].mandatory && vals[m] == NOT_SET)
			return fail(diag, start, start, "missing mandatory metric",
				    span_from(def->metrics[m].name));
	return 0;
}

/* ---- rounding helpers (exact for the non-negative, small values used here) --------------- */

/* JavaScript's Math.round for x >= 0: floor(x + 0.5) evaluated exactly. */
static int64_t round_half_up(double x)
{
	int64_t i = (int64_t)x; /* truncation == floor for x >= 0 */
	if (x - (double)i >= 0.5) /* exact: x and i share the exponent range */
		i++;
	return i;
}

/* ---- CVSS v2 ------------------------------------------------------------------------------ */

static double score_v2(const uint8_t *v)
{
	/* v2 guide, section 3.2.1; weights in the order of the value tables above. */
	static const double av[] = { 0.395, 0.646, 1.0 };
	static const double ac[] = { 0.35, 0.61, 0.71 };
	static const double au[] = { 0.45, 0.56, 0.704 };
	static const double cia[] = { 0.0, 0.275, 0.660 };

	double impact = 10.41 * (1 - (1 - cia[v[V2_C]]) * (1 - cia[v[V2_I]]) * (1 - cia[v[V2_A]]));
	double exploitability = 20 * av[v[V2_AV]] * ac[v[V2_AC]] * au[v[V2_AU]];
	double f_impact = impact == 0 ? 0 : 1.176;
	double base = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f_impact;
	if (base <= 0)
		return 0.0;
	/*
	 * "round_to_1_decimal": half up. Like v3.1's Roundup, first round to 5 decimals in
	 * integers so that a value one ULP below an x.x5 tie (the equation is exact in decimal
	 * arithmetic) rounds as the decimal value does.
	 */
	int64_t i5 = round_half_up(base * 100000.0);
	return (double)((i5 + 5000) / 10000) / 10.0;
}

/* ---- CVSS v3.0 / v3.1 --------------------------------------------------------------------- */

/* v3.1 specification, Appendix A. */
static double roundup_v31(double x)
{
	int64_t i = round_half_up(x * 100000.0);
	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (double)(i / 10000 + 1) / 10.0;
}

/* v3.0 specification, section 7.1 "Round up", as the v3.0 calculator: ceil(x * 10) / 10. */
static double roundup_v30(double x)
{
	double t = x * 10;
	int64_t i = (int64_t)t;
	if ((double)i < t)
		i++;
	return (double)i / 10.0;
}

/* x^15 by repeated multiplication; the Roundup that follows absorbs its last-bit error. */
static double pow15(double x)
{
	double x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;
	return x8 * x4 * x2 * x;
}

static double score_v3(const uint8_t *v, bool is_v31)
{
	/* Specification section 7.4, weights in the order of the value tables above. */
	static const double av[] = { 0.85, 0.62, 0.55, 0.2 };
	static const double ac[] = { 0.77, 0.44 };
	static const double pr_unchanged[] = { 0.85, 0.62, 0.27 };
	static const double pr_changed[] = { 0.85, 0.68, 0.5 };
	static const double ui[] = { 0.85, 0.62 };
	static const double cia[] = { 0.56, 0.22, 0 };

	bool changed = v[V3_S] == 1;
	double (*roundup)(double) = is_v31 ? roundup_v31 : roundup_v30;

	/* Section 7.1. */
	double iss = 1 - ((1 - cia[v[V3_C]]) * (1 - cia[v[V3_I]]) * (1 - cia[v[V3_A]]));
	double impact;
	if (changed)
		impact = 7.52 * (iss - 0.029) - 3.25 * pow15(iss - 0.02);
	else
		impact = 6.42 * iss;
	double pr = changed ? pr_changed[v[V3_PR]] : pr_unchanged[v[V3_PR]];
	double exploitability = 8.22 * av[v[V3_AV]] * ac[v[V3_AC]] * pr * ui[v[V3_UI]];

	if (impact <= 0)
		return 0.0;
	if (changed)
		return roundup(MIN(1.08 * (impact + exploitability), 10));
	return roundup(MIN(impact + exploitability, 10));
}

/* ---- CVSS v4.0 ---------------------------------------------------------------------------- */

/*
 * MacroVector scores, CVSS v4.0 specification section 8.3 (the reference calculator's
 * cvss_lookup.js), indexed by the six EQ levels. The table has 270 entries; the other
 * index combinations do not exist (they are "no lower MacroVector" for the interpolation).
 */
#define MV(e1, e2, e3, e4, e5, e6) [e1][e2][e3][e4][e5][e6]
static const double v4_lookup[3][2][3][3][3][2] = {
	MV(0, 0, 0, 0, 0, 0) = 10,  MV(0, 0, 0, 0, 0, 1) = 9.9, MV(0, 0, 0, 0, 1, 0) = 9.8,
	MV(0, 0, 0, 0, 1, 1) = 9.5, MV(0, 0, 0, 0, 2, 0) = 9.5, MV(0, 0, 0, 0, 2, 1) = 9.2,
	MV(0, 0, 0, 1, 0, 0) = 10,  MV(0, 0, 0, 1, 0, 1) = 9.6, MV(0, 0, 0, 1, 1, 0) = 9.3,
	MV(0, 0, 0, 1, 1, 1) = 8.7, MV(0, 0, 0, 1, 2, 0) = 9.1, MV(0, 0, 0, 1, 2, 1) = 8.1,
	MV(0, 0, 0, 2, 0, 0) = 9.3, MV(0, 0, 0, 2, 0, 1) = 9,   MV(0, 0, 0, 2, 1, 0) = 8.9,
	MV(0, 0, 0, 2, 1, 1) = 8,   MV(0, 0, 0, 2, 2, 0) = 8.1, MV(0, 0, 0, 2, 2, 1) = 6.8,
	MV(0, 0, 1, 0, 0, 0) = 9.8, MV(0, 0, 1, 0, 0, 1) = 9.5, MV(0, 0, 1, 0, 1, 0) = 9.5,
	MV(0, 0, 1, 0, 1, 1) = 9.2, MV(0, 0, 1, 0, 2, 0) = 9,   MV(0, 0, 1, 0, 2, 1) = 8.4,
	MV(0, 0, 1, 1, 0, 0) = 9.3, MV(0, 0, 1, 1, 0, 1) = 9.2, MV(0, 0, 1, 1, 1, 0) = 8.9,
	MV(0, 0, 1, 1, 1, 1) = 8.1, MV(0, 0, 1, 1, 2, 0) = 8.1, MV(0, 0, 1, 1, 2, 1) = 6.5,
	MV(0, 0, 1, 2, 0, 0) = 8.8, MV(0, 0, 1, 2, 0, 1) = 8,   MV(0, 0, 1, 2, 1, 0) = 7.8,
	MV(0, 0, 1, 2, 1, 1) = 7,   MV(0, 0, 1, 2, 2, 0) = 6.9, MV(0, 0, 1, 2, 2, 1) = 4.8,
	MV(0, 0, 2, 0, 0, 1) = 9.2, MV(0, 0, 2, 0, 1, 1) = 8.2, MV(0, 0, 2, 0, 2, 1) = 7.2,
	MV(0, 0, 2, 1, 0, 1) = 7.9, MV(0, 0, 2, 1, 1, 1) = 6.9, MV(0, 0, 2, 1, 2, 1) = 5,
	MV(0, 0, 2, 2, 0, 1) = 6.9, MV(0, 0, 2, 2, 1, 1) = 5.5, MV(0, 0, 2, 2, 2, 1) = 2.7,
	MV(0, 1, 0, 0, 0, 0) = 9.9, MV(0, 1, 0, 0, 0, 1) = 9.7, MV(0, 1, 0, 0, 1, 0) = 9.5,
	MV(0, 1, 0, 0, 1, 1) = 9.2, MV(0, 1, 0, 0, 2, 0) = 9.2, MV(0, 1, 0, 0, 2, 1) = 8.5,
	MV(0, 1, 0, 1, 0, 0) = 9.5, MV(0, 1, 0, 1, 0, 1) = 9.1, MV(0, 1, 0, 1, 1, 0) = 9,
	MV(0, 1, 0, 1, 1, 1) = 8.3, MV(0, 1, 0, 1, 2, 0) = 8.4, MV(0, 1, 0, 1, 2, 1) = 7.1,
	MV(0, 1, 0, 2, 0, 0) = 9.2, MV(0, 1, 0, 2, 0, 1) = 8.1, MV(0, 1, 0, 2, 1, 0) = 8.2,
	MV(0, 1, 0, 2, 1, 1) = 7.1, MV(0, 1, 0, 2, 2, 0) = 7.2, MV(0, 1, 0, 2, 2, 1) = 5.3,
	MV(0, 1, 1, 0, 0, 0) = 9.5, MV(0, 1, 1, 0, 0, 1) = 9.3, MV(0, 1, 1, 0, 1, 0) = 9.2,
	MV(0, 1, 1, 0, 1, 1) = 8.5, MV(0, 1, 1, 0, 2, 0) = 8.5, MV(0, 1, 1, 0, 2, 1) = 7.3,
	MV(0, 1, 1, 1, 0, 0) = 9.2, MV(0, 1, 1, 1, 0, 1) = 8.2, MV(0, 1, 1, 1, 1, 0) = 8,
	MV(0, 1, 1, 1, 1, 1) = 7.2, MV(0, 1, 1, 1, 2, 0) = 7,   MV(0, 1, 1, 1, 2, 1) = 5.9,
	MV(0, 1, 1, 2, 0, 0) = 8.4, MV(0, 1, 1, 2, 0, 1) = 7,   MV(0, 1, 1, 2, 1, 0) = 7.1,
	MV(0, 1, 1, 2, 1, 1) = 5.2, MV(0, 1, 1, 2, 2, 0) = 5,   MV(0, 1, 1, 2, 2, 1) = 3,
	MV(0, 1, 2, 0, 0, 1) = 8.6, MV(0, 1, 2, 0, 1, 1) = 7.5, MV(0, 1, 2, 0, 2, 1) = 5.2,
	MV(0, 1, 2, 1, 0, 1) = 7.1, MV(0, 1, 2, 1, 1, 1) = 5.2, MV(0, 1, 2, 1, 2, 1) = 2.9,
	MV(0, 1, 2, 2, 0, 1) = 6.3, MV(0, 1, 2, 2, 1, 1) = 2.9, MV(0, 1, 2, 2, 2, 1) = 1.7,
	MV(1, 0, 0, 0, 0, 0) = 9.8, MV(1, 0, 0, 0, 0, 1) = 9.5, MV(1, 0, 0, 0, 1, 0) = 9.4,
	MV(1, 0, 0, 0, 1, 1) = 8.7, MV(1, 0, 0, 0, 2, 0) = 9.1, MV(1, 0, 0, 0, 2, 1) = 8.1,
	MV(1, 0, 0, 1, 0, 0) = 9.4, MV(1, 0, 0, 1, 0, 1) = 8.9, MV(1, 0, 0, 1, 1, 0) = 8.6,
	MV(1, 0, 0, 1, 1, 1) = 7.4, MV(1, 0, 0, 1, 2, 0) = 7.7, MV(1, 0, 0, 1, 2, 1) = 6.4,
	MV(1, 0, 0, 2, 0, 0) = 8.7, MV(1, 0, 0, 2, 0, 1) = 7.5, MV(1, 0, 0, 2, 1, 0) = 7.4,
	MV(1, 0, 0, 2, 1, 1) = 6.3, MV(1, 0, 0, 2, 2, 0) = 6.3, MV(1, 0, 0, 2, 2, 1) = 4.9,
	MV(1, 0, 1, 0, 0, 0) = 9.4, MV(1, 0, 1, 0, 0, 1) = 8.9, MV(1, 0, 1, 0, 1, 0) = 8.8,
	MV(1, 0, 1, 0, 1, 1) = 7.7, MV(1, 0, 1, 0, 2, 0) = 7.6, MV(1, 0, 1, 0, 2, 1) = 6.7,
	MV(1, 0, 1, 1, 0, 0) = 8.6, MV(1, 0, 1, 1, 0, 1) = 7.6, MV(1, 0, 1, 1, 1, 0) = 7.4,
	MV(1, 0, 1, 1, 1, 1) = 5.8, MV(1, 0, 1, 1, 2, 0) = 5.9, MV(1, 0, 1, 1, 2, 1) = 5,
	MV(1, 0, 1, 2, 0, 0) = 7.2, MV(1, 0, 1, 2, 0, 1) = 5.7, MV(1, 0, 1, 2, 1, 0) = 5.7,
	MV(1, 0, 1, 2, 1, 1) = 5.2, MV(1, 0, 1, 2, 2, 0) = 5.2, MV(1, 0, 1, 2, 2, 1) = 2.5,
	MV(1, 0, 2, 0, 0, 1) = 8.3, MV(1, 0, 2, 0, 1, 1) = 7,   MV(1, 0, 2, 0, 2, 1) = 5.4,
	MV(1, 0, 2, 1, 0, 1) = 6.5, MV(1, 0, 2, 1, 1, 1) = 5.8, MV(1, 0, 2, 1, 2, 1) = 2.6,
	MV(1, 0, 2, 2, 0, 1) = 5.3, MV(1, 0, 2, 2, 1, 1) = 2.1, MV(1, 0, 2, 2, 2, 1) = 1.3,
	MV(1, 1, 0, 0, 0, 0) = 9.5, MV(1, 1, 0, 0, 0, 1) = 9,   MV(1, 1, 0, 0, 1, 0) = 8.8,
	MV(1, 1, 0, 0, 1, 1) = 7.6, MV(1, 1, 0, 0, 2, 0) = 7.6, MV(1, 1, 0, 0, 2, 1) = 7,
	MV(1, 1, 0, 1, 0, 0) = 9,   MV(1, 1, 0, 1, 0, 1) = 7.7, MV(1, 1, 0, 1, 1, 0) = 7.5,
	MV(1, 1, 0, 1, 1, 1) = 6.2, MV(1, 1, 0, 1, 2, 0) = 6.1, MV(1, 1, 0, 1, 2, 1) = 5.3,
	MV(1, 1, 0, 2, 0, 0) = 7.7, MV(1, 1, 0, 2, 0, 1) = 6.6, MV(1, 1, 0, 2, 1, 0) = 6.8,
	MV(1, 1, 0, 2, 1, 1) = 5.9, MV(1, 1, 0, 2, 2, 0) = 5.2, MV(1, 1, 0, 2, 2, 1) = 3,
	MV(1, 1, 1, 0, 0, 0) = 8.9, MV(1, 1, 1, 0, 0, 1) = 7.8, MV(1, 1, 1, 0, 1, 0) = 7.6,
	MV(1, 1, 1, 0, 1, 1) = 6.7, MV(1, 1, 1, 0, 2, 0) = 6.2, MV(1, 1, 1, 0, 2, 1) = 5.8,
	MV(1, 1, 1, 1, 0, 0) = 7.4, MV(1, 1, 1, 1, 0, 1) = 5.9, MV(1, 1, 1, 1, 1, 0) = 5.7,
	MV(1, 1, 1, 1, 1, 1) = 5.7, MV(1, 1, 1, 1, 2, 0) = 4.7, MV(1, 1, 1, 1, 2, 1) = 2.3,
	MV(1, 1, 1, 2, 0, 0) = 6.1, MV(1, 1, 1, 2, 0, 1) = 5.2, MV(1, 1, 1, 2, 1, 0) = 5.7,
	MV(1, 1, 1, 2, 1, 1) = 2.9, MV(1, 1, 1, 2, 2, 0) = 2.4, MV(1, 1, 1, 2, 2, 1) = 1.6,
	MV(1, 1, 2, 0, 0, 1) = 7.1, MV(1, 1, 2, 0, 1, 1) = 5.9, MV(1, 1, 2, 0, 2, 1) = 3,
	MV(1, 1, 2, 1, 0, 1) = 5.8, MV(1, 1, 2, 1, 1, 1) = 2.6, MV(1, 1, 2, 1, 2, 1) = 1.5,
	MV(1, 1, 2, 2, 0, 1) = 2.3, MV(1, 1, 2, 2, 1, 1) = 1.3, MV(1, 1, 2, 2, 2, 1) = 0.6,
	MV(2, 0, 0, 0, 0, 0) = 9.3, MV(2, 0, 0, 0, 0, 1) = 8.7, MV(2, 0, 0, 0, 1, 0) = 8.6,
	MV(2, 0, 0, 0, 1, 1) = 7.2, MV(2, 0, 0, 0, 2, 0) = 7.5, MV(2, 0, 0, 0, 2, 1) = 5.8,
	MV(2, 0, 0, 1, 0, 0) = 8.6, MV(2, 0, 0, 1, 0, 1) = 7.4, MV(2, 0, 0, 1, 1, 0) = 7.4,
	MV(2, 0, 0, 1, 1, 1) = 6.1, MV(2, 0, 0, 1, 2, 0) = 5.6, MV(2, 0, 0, 1, 2, 1) = 3.4,
	MV(2, 0, 0, 2, 0, 0) = 7,   MV(2, 0, 0, 2, 0, 1) = 5.4, MV(2, 0, 0, 2, 1, 0) = 5.2,
	MV(2, 0, 0, 2, 1, 1) = 4,   MV(2, 0, 0, 2, 2, 0) = 4,   MV(2, 0, 0, 2, 2, 1) = 2.2,
	MV(2, 0, 1, 0, 0, 0) = 8.5, MV(2, 0, 1, 0, 0, 1) = 7.5, MV(2, 0, 1, 0, 1, 0) = 7.4,
	MV(2, 0, 1, 0, 1, 1) = 5.5, MV(2, 0, 1, 0, 2, 0) = 6.2, MV(2, 0, 1, 0, 2, 1) = 5.1,
	MV(2, 0, 1, 1, 0, 0) = 7.2, MV(2, 0, 1, 1, 0, 1) = 5.7, MV(2, 0, 1, 1, 1, 0) = 5.5,
	MV(2, 0, 1, 1, 1, 1) = 4.1, MV(2, 0, 1, 1, 2, 0) = 4.6, MV(2, 0, 1, 1, 2, 1) = 1.9,
	MV(2, 0, 1, 2, 0, 0) = 5.3, MV(2, 0, 1, 2, 0, 1) = 3.6, MV(2, 0, 1, 2, 1, 0) = 3.4,
	MV(2, 0, 1, 2, 1, 1) = 1.9, MV(2, 0, 1, 2, 2, 0) = 1.9, MV(2, 0, 1, 2, 2, 1) = 0.8,
	MV(2, 0, 2, 0, 0, 1) = 6.4, MV(2, 0, 2, 0, 1, 1) = 5.1, MV(2, 0, 2, 0, 2, 1) = 2,
	MV(2, 0, 2, 1, 0, 1) = 4.7, MV(2, 0, 2, 1, 1, 1) = 2.1, MV(2, 0, 2, 1, 2, 1) = 1.1,
	MV(2, 0, 2, 2, 0, 1) = 2.4, MV(2, 0, 2, 2, 1, 1) = 0.9, MV(2, 0, 2, 2, 2, 1) = 0.4,
	MV(2, 1, 0, 0, 0, 0) = 8.8, MV(2, 1, 0, 0, 0, 1) = 7.5, MV(2, 1, 0, 0, 1, 0) = 7.3,
	MV(2, 1, 0, 0, 1, 1) = 5.3, MV(2, 1, 0, 0, 2, 0) = 6,   MV(2, 1, 0, 0, 2, 1) = 5,
	MV(2, 1, 0, 1, 0, 0) = 7.3, MV(2, 1, 0, 1, 0, 1) = 5.5, MV(2, 1, 0, 1, 1, 0) = 5.9,
	MV(2, 1, 0, 1, 1, 1) = 4,   MV(2, 1, 0, 1, 2, 0) = 4.1, MV(2, 1, 0, 1, 2, 1) = 2,
	MV(2, 1, 0, 2, 0, 0) = 5.4, MV(2, 1, 0, 2, 0, 1) = 4.3, MV(2, 1, 0, 2, 1, 0) = 4.5,
	MV(2, 1, 0, 2, 1, 1) = 2.2, MV(2, 1, 0, 2, 2, 0) = 2,   MV(2, 1, 0, 2, 2, 1) = 1.1,
	MV(2, 1, 1, 0, 0, 0) = 7.5, MV(2, 1, 1, 0, 0, 1) = 5.5, MV(2, 1, 1, 0, 1, 0) = 5.8,
	MV(2, 1, 1, 0, 1, 1) = 4.5, MV(2, 1, 1, 0, 2, 0) = 4,   MV(2, 1, 1, 0, 2, 1) = 2.1,
	MV(2, 1, 1, 1, 0, 0) = 6.1, MV(2, 1, 1, 1, 0, 1) = 5.1, MV(2, 1, 1, 1, 1, 0) = 4.8,
	MV(2, 1, 1, 1, 1, 1) = 1.8, MV(2, 1, 1, 1, 2, 0) = 2,   MV(2, 1, 1, 1, 2, 1) = 0.9,
	MV(2, 1, 1, 2, 0, 0) = 4.6, MV(2, 1, 1, 2, 0, 1) = 1.8, MV(2, 1, 1, 2, 1, 0) = 1.7,
	MV(2, 1, 1, 2, 1, 1) = 0.7, MV(2, 1, 1, 2, 2, 0) = 0.8, MV(2, 1, 1, 2, 2, 1) = 0.2,
	MV(2, 1, 2, 0, 0, 1) = 5.3, MV(2, 1, 2, 0, 1, 1) = 2.4, MV(2, 1, 2, 0, 2, 1) = 1.4,
	MV(2, 1, 2, 1, 0, 1) = 2.4, MV(2, 1, 2, 1, 1, 1) = 1.2, MV(2, 1, 2, 1, 2, 1) = 0.5,
	MV(2, 1, 2, 2, 0, 1) = 1,   MV(2, 1, 2, 2, 1, 1) = 0.3, MV(2, 1, 2, 2, 2, 1) = 0.1,
};
#undef MV

/* Every MacroVector has a score > 0, so 0 (the initialiser's default) marks a gap. */
static bool v4_macro_score(const int eq[6], double *ret)
{
	if (eq[0] > 2 || eq[1] > 1 || eq[2] > 2 || eq[3] > 2 || eq[4] > 2 || eq[5] > 1)
		return false;
	double s = v4_lookup[eq[0]][eq[1]][eq[2]][eq[3]][eq[4]][eq[5]];
	if (s == 0)
		return false;
	*ret = s;
	return true;
}

/* The value letter of metric m, 'X' when absent (all scored values are one letter). */
static char v4_raw(const uint8_t *v, int m)
{
	return v[m] == NOT_SET ? 'X' : v4_metrics[m].values[v[m]][0];
}

/*
 * The value a metric takes in scoring (specification section 4.2 and Table 15; reference
 * calculator getEffectiveMetricValue): E, CR, IR, AR that are Not Defined take their worst
 * case; a base metric takes its Modified twin when that is defined.
 */
static char v4_eff(const uint8_t *v, int m)
{
	char c = v4_raw(v, m);
	if (c == 'X') {
		if (m == V4_E)
			return 'A';
		if (m == V4_CR || m == V4_IR || m == V4_AR)
			return 'H';
	}
	if (m >= V4_AV && m <= V4_SA) {
		char mod = v4_raw(v, V4_MAV + (m - V4_AV));
		if (mod != 'X')
			return mod;
	}
	return c;
}

/* Severity levels of the reference calculator (0.0 = most severe), tenths as doubles. */
static double v4_level(int m, char c)
{
	switch (m) {
	case V4_AV:
		return c == 'N' ? 0.0 : c == 'A' ? 0.1 : c == 'L' ? 0.2 : 0.3;
	case V4_PR:
		return c == 'N' ? 0.0 : c == 'L' ? 0.1 : 0.2;
	case V4_UI:
		return c == 'N' ? 0.0 : c == 'P' ? 0.1 : 0.2;
	case V4_AC:
		return c == 'L' ? 0.0 : 0.1;
	case V4_AT:
		return c == 'N' ? 0.0 : 0.1;
	case V4_VC:
	case V4_VI:
	case V4_VA:
		return c == 'H' ? 0.0 : c == 'L' ? 0.1 : 0.2;
	case V4_SC:
		return c == 'H' ? 0.1 : c == 'L' ? 0.2 : 0.3;
	case V4_SI:
	case V4_SA:
		return c == 'S' ? 0.0 : c == 'H' ? 0.1 : c == 'L' ? 0.2 : 0.3;
	case V4_CR:
	case V4_IR:
	case V4_AR:
		return c == 'H' ? 0.0 : c == 'M' ? 0.1 : 0.2;
	default:
		return 0.0;
	}
}

/*
 * Highest severity vectors of each EQ level (specification Tables 24-30; reference
 * max_composed.js), as value letters, in the reference calculator's order.
 */
static const char *const v4_max_eq1[3][3] = { /* AV PR UI */
	{ "NNN" },
	{ "ANN", "NLN", "NNP" },
	{ "PNN", "ALP" },
};
static const char *const v4_max_eq2[2][2] = { /* AC AT */
	{ "LN" },
	{ "HN", "LP" },
};
static const char *const v4_max_eq3eq6[3][2][5] = { /* VC VI VA CR IR AR */
	{ { "HHHHHH" }, { "HHLMMH", "HHHMMM" } },
	{ { "LHHHHH", "HLHHHH" }, { "LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM" } },
	{ { NULL }, { "LLLHHH" } },
};
static const char *const v4_max_eq4[3] = { "HSS", "HHH", "LLL" }; /* SC SI SA */

/* Depth of each EQ level in steps of 0.1 (reference max_severity.js, "+1"). */
static const int v4_depth_eq1[3] = { 1, 4, 5 };
static const int v4_depth_eq2[2] = { 1, 2 };
static const int v4_depth_eq3eq6[3][2] = { { 7, 6 }, { 8, 8 }, { 0, 10 } };
static const int v4_depth_eq4[3] = { 6, 5, 4 };

enum { D_AV, D_PR, D_UI, D_AC, D_AT, D_VC, D_VI, D_VA, D_SC, D_SI, D_SA, D_CR, D_IR, D_AR, _D_MAX };

/* Distances of the vector from one highest severity vector; false if any is negative. */
static bool v4_distances(const char eff[_V4_MAX], const char *e1, const char *e2, const char *e36,
			 const char *e4, double d[_D_MAX])
{
	d[D_AV] = v4_level(V4_AV, eff[V4_AV]) - v4_level(V4_AV, e1[0]);
	d[D_PR] = v4_level(V4_PR, eff[V4_PR]) - v4_level(V4_PR, e1[1]);
	d[D_UI] = v4_level(V4_UI, eff[V4_UI]) - v4_level(V4_UI, e1[2]);
	d[D_AC] = v4_level(V4_AC, eff[V4_AC]) - v4_level(V4_AC, e2[0]);
	d[D_AT] = v4_level(V4_AT, eff[V4_AT]) - v4_level(V4_AT, e2[1]);
	d[D_VC] = v4_level(V4_VC, eff[V4_VC]) - v4_level(V4_VC, e36[0]);
	d[D_VI] = v4_level(V4_VI, eff[V4_VI]) - v4_level(V4_VI, e36[1]);
	d[D_VA] = v4_level(V4_VA, eff[V4_VA]) - v4_level(V4_VA, e36[2]);
	d[D_SC] = v4_level(V4_SC, eff[V4_SC]) - v4_level(V4_SC, e4[0]);
	d[D_SI] = v4_level(V4_SI, eff[V4_SI]) - v4_level(V4_SI, e4[1]);
	d[D_SA] = v4_level(V4_SA, eff[V4_SA]) - v4_level(V4_SA, e4[2]);
	d[D_CR] = v4_level(V4_CR, eff[V4_CR]) - v4_level(V4_CR, e36[3]);
	d[D_IR] = v4_level(V4_IR, eff[V4_IR]) - v4_level(V4_IR, e36[4]);
	d[D_AR] = v4_level(V4_AR, eff[V4_AR]) - v4_level(V4_AR, e36[5]);
	for (int i = 0; i < _D_MAX; i++)
		if (d[i] < 0)
			return false;
	return true;
}

static double score_v4(const uint8_t *v)
{
	char eff[_V4_MAX];
	for (int m = 0; m < _V4_MAX; m++)
		eff[m] = v4_eff(v, m);

	/* No impact on the vulnerable or any subsequent system: 0.0 (reference shortcut). */
	if (eff[V4_VC] == 'N' && eff[V4_VI] == 'N' && eff[V4_VA] == 'N' && eff[V4_SC] == 'N' &&
	    eff[V4_SI] == 'N' && eff[V4_SA] == 'N')
		return 0.0;

	/* The MacroVector: specification Tables 24-29. */
	int eq[6];
	char av = eff[V4_AV], pr = eff[V4_PR], ui = eff[V4_UI];
	if (av == 'N' && pr == 'N' && ui == 'N')
		eq[0] = 0;
	else if ((av == 'N' || pr == 'N' || ui == 'N') && av != 'P')
		eq[0] = 1;
	else
		eq[0] = 2;
	eq[1] = eff[V4_AC] == 'L' && eff[V4_AT] == 'N' ? 0 : 1;
	char vc = eff[V4_VC], vi = eff[V4_VI], va = eff[V4_VA];
	if (vc == 'H' && vi == 'H')
		eq[2] = 0;
	else if (vc == 'H' || vi == 'H' || va == 'H')
		eq[2] = 1;
	else
		eq[2] = 2;
	/* EQ4 looks at MSI/MSA themselves: only a Modified value can be S(afety). */
	if (v4_raw(v, V4_MSI) == 'S' || v4_raw(v, V4_MSA) == 'S')
		eq[3] = 0;
	else if (eff[V4_SC] == 'H' || eff[V4_SI] == 'H' || eff[V4_SA] == 'H')
		eq[3] = 1;
	else
		eq[3] = 2;
	eq[4] = eff[V4_E] == 'A' ? 0 : eff[V4_E] == 'P' ? 1 : 2;
	eq[5] = (eff[V4_CR] == 'H' && vc == 'H') || (eff[V4_IR] == 'H' && vi == 'H') ||
				(eff[V4_AR] == 'H' && va == 'H') ?
			0 :
			1;

	double value;
	if (!v4_macro_score(eq, &value))
		return 0.0; /* unreachable: every reachable MacroVector is in the table */

	/*
	 * Step 1a: maximal scoring difference to the next lower MacroVector of each EQ (absent
	 * ones are ignored). EQ3 and EQ6 move together: 00 has two lower neighbours (01 and 10,
	 * the higher-scoring one counts), 01 -> 11, 10 -> 11, 11 -> 21, 21 has none.
	 */
	bool has_lower[5];
	double lower[5];
	int n[6];
	for (int i = 0; i < 5; i++) {
		if (i == 2) /* EQ3+EQ6, below */
			continue;
		memcpy(n, eq, sizeof(n));
		n[i]++; /* slot i is EQ1, EQ2, -, EQ4, EQ5: eq[i] is that EQ's level */
		has_lower[i] = v4_macro_score(n, &lower[i]);
	}
	memcpy(n, eq, sizeof(n));
	if (eq[2] == 0 && eq[5] == 0) {
		double left = 0, right = 0;
		n[5]++;
		bool has_left = v4_macro_score(n, &left);
		n[5]--;
		n[2]++;
		bool has_right = v4_macro_score(n, &right);
		has_lower[2] = has_left && has_right;
		lower[2] = left > right ? left : right;
	} else {
		if (eq[2] == 1 && eq[5] == 0)
			n[5]++;
		else if (eq[2] == 2) /* 21 -> 32: does not exist */
			n[2]++, n[5]++;
		else
			n[2]++;
		has_lower[2] = v4_macro_score(n, &lower[2]);
	}

	/*
	 * Step 1b: severity distance from the first highest severity vector of this
	 * MacroVector (composed in the reference calculator's order) that is at least as
	 * severe in every metric. If none is (cannot happen), the last one tried is used, as
	 * the reference does.
	 */
	double d[_D_MAX] = { 0 };
	bool found = false;
	for (size_t a = 0; a < ARRAY_SIZE(v4_max_eq1[0]) && !found; a++) {
		const char *e1 = v4_max_eq1[eq[0]][a];
		for (size_t b = 0; e1 && b < ARRAY_SIZE(v4_max_eq2[0]) && !found; b++) {
			const char *e2 = v4_max_eq2[eq[1]][b];
			for (size_t c = 0; e2 && c < ARRAY_SIZE(v4_max_eq3eq6[0][0]) && !found; c++) {
				const char *e36 = v4_max_eq3eq6[eq[2]][eq[5]][c];
				if (e36)
					found = v4_distances(eff, e1, e2, e36, v4_max_eq4[eq[3]], d);
			}
		}
	}

	double dist_eq1 = d[D_AV] + d[D_PR] + d[D_UI];
	double dist_eq2 = d[D_AC] + d[D_AT];
	double dist_eq3eq6 = d[D_VC] + d[D_VI] + d[D_VA] + d[D_CR] + d[D_IR] + d[D_AR];
	double dist_eq4 = d[D_SC] + d[D_SI] + d[D_SA];

	const double step = 0.1;
	double depth[4] = {
		v4_depth_eq1[eq[0]] * step,
		v4_depth_eq2[eq[1]] * step,
		v4_depth_eq3eq6[eq[2]][eq[5]] * step,
		v4_depth_eq4[eq[3]] * step,
	};
	double dist[4] = { dist_eq1, dist_eq2, dist_eq3eq6, dist_eq4 };

	/*
	 * Steps 1c, 1d and 2: each proportion of distance times its maximal scoring
	 * difference, averaged over the EQs that have a lower MacroVector. EQ5's proportion is
	 * always 0 but it still counts in the mean.
	 */
	double normalized[5] = { 0 };
	int n_lower = 0;
	for (int i = 0; i < 5; i++) {
		if (!has_lower[i])
			continue;
		n_lower++;
		double available = value - lower[i];
		double percent = i < 4 ? dist[i] / depth[i] : 0;
		normalized[i] = available * percent;
	}
	double mean = 0;
	if (n_lower > 0)
		mean = (normalized[0] + normalized[1] + normalized[2] + normalized[3] +
			normalized[4]) /
		       n_lower;

	/* Step 3, and the reference's rounding: half up after lifting by 1e-6. */
	value -= mean;
	if (value < 0)
		value = 0.0;
	if (value > 10)
		value = 10.0;
	return (double)round_half_up((value + 1e-6) * 10) / 10;
}

/* ---- entry points ------------------------------------------------------------------------- */

static bool is_version_number(struct span s)
{
	struct span major, minor;
	if (!span_cut(s, '.', &major, &minor) || major.len == 0 || minor.len == 0)
		return false;
	for (size_t i = 0; i < major.len; i++)
		if (!ascii_isdigit((unsigned char)major.ptr[i]))
			return false;
	for (size_t i = 0; i < minor.len; i++)
		if (!ascii_isdigit((unsigned char)minor.ptr[i]))
			return false;
	return true;
}

int vuln_cvss_parse(const char *vector, struct vuln_cvss *ret, struct bh_diag *reterr_diag)
{
	if (!vector || !ret)
		return -EINVAL;

	size_t len = strnlen(vector, VULN_CVSS_MAX_LEN + 1);
	if (len > VULN_CVSS_MAX_LEN) {
		bh_diag_set(reterr_diag, "cvss vector", 1, 0, "longer than %d bytes",
			    VULN_CVSS_MAX_LEN);
		return -EBADMSG;
	}
	struct span in = span_make(vector, len);
	if (in.len == 0) {
		bh_diag_set(reterr_diag, "cvss vector", 1, 0, "empty vector");
		return -EBADMSG;
	}

	const struct version_def *def;
	struct span body;
	if (span_startswith(in, "CVSS:")) {
		struct span rest = span_slice(in, 5, in.len - 5), ver;
		if (!span_cut(rest, '/', &ver, &body)) {
			ver = rest;
			body = span_make(in.ptr + in.len, 0);
		}
		if (span_eq_str(ver, "3.0"))
			def = &versions[VULN_CVSS_V30];
		else if (span_eq_str(ver, "3.1"))
			def = &versions[VULN_CVSS_V31];
		else if (span_eq_str(ver, "4.0"))
			def = &versions[VULN_CVSS_V40];
		else if (is_version_number(ver)) {
			char q[40];
			bh_diag_set(reterr_diag, "cvss vector", 1, 6, "unsupported CVSS version '%s'",
				    quote(ver, q, sizeof(q)));
			return -EOPNOTSUPP;
		} else
			return fail(reterr_diag, vector, ver.ptr, "invalid CVSS version", ver);
	} else {
		/* v2 has no prefix; NVD prints it in parentheses. */
		def = &versions[VULN_CVSS_V2];
		body = in;
		if (span_startswith(in, "(")) {
			if (!span_endswith(in, ")") || in.len < 2)
				return fail(reterr_diag, vector, vector, "unbalanced '('", SPAN_NULL);
			body = span_slice(in, 1, in.len - 2);
		}
	}

	uint8_t vals[MAX_METRICS];
	int r = parse_metrics(def, body, vector, vals, reterr_diag);
	if (r < 0)
		return r;

	double score;
	switch (def->version) {
	case VULN_CVSS_V2:
		score = score_v2(vals);
		break;
	case VULN_CVSS_V30:
	case VULN_CVSS_V31:
		score = score_v3(vals, def->version == VULN_CVSS_V31);
		break;
	case VULN_CVSS_V40:
		score = score_v4(vals);
		break;
	default:
		return -EINVAL;
	}
	*ret = (struct vuln_cvss){ .version = def->version, .base_score = score };
	return 0;
}

const char *vuln_cvss_severity(const struct vuln_cvss *c)
{
	if (!c || (unsigned)c->version >= _VULN_CVSS_VERSION_MAX)
		return NULL;
	/* Scores come from vuln_cvss_parse(), but a caller's struct may hold anything. */
	double s = c->base_score;
	int64_t tenths = !(s > 0) ? 0 : s >= 10 ? 100 : round_half_up(s * 10);
	if (c->version == VULN_CVSS_V2)
		return tenths < 40 ? "low" : tenths < 70 ? "medium" : "high";
	if (tenths == 0)
		return "none";
	if (tenths < 40)
		return "low";
	if (tenths < 70)
		return "medium";
	if (tenths < 90)
		return "high";
	return "critical";
}
