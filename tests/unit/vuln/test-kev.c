/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exploitation data: the CISA KEV catalog and EPSS CSV parsers (good input, each kind of
 * bad input, limits), and their import into the vulnerability database (recognised by
 * content, lookups, a newer catalog kept, a malformed one failing the whole import, gzip,
 * the upgrade of a schema-2 database).
 */
#include <sqlite3.h>
#include <stdio.h>

#include "common/hash.h"
#include "common/json.h"
#include "common/limits.h"
#include "tap.h"
#include "vuln/db.h"
#include "vuln/kev.h"

static struct bh_limits limits(void)
{
	struct bh_limits l;
	bh_limits_default(&l);
	return l;
}

/* A valid entry with one member replaced (or removed with value NULL). */
static char *entry(const char *cve, const char *key, const char *value)
{
	static const char *const keys[] = {
		"cveID",	  "vendorProject",  "product",	"vulnerabilityName",
		"dateAdded",	  "shortDescription", "requiredAction", "dueDate",
		"knownRansomwareCampaignUse", "notes", "cwes",
	};
	char cvej[64];
	(void)xsnprintf(cvej, sizeof(cvej), "\"%s\"", cve);
	const char *const vals[] = { cvej,	   "\"Apache\"",     "\"Log4j2\"",
				     "\"Log4Shell\"", "\"2021-12-10\"", "\"JNDI lookups\"",
				     "\"Apply updates.\"", "\"2021-12-24\"", "\"Known\"",
				     "\"\"",	      "[\"CWE-20\"]" };
	struct buf b;
	buf_init(&b, 0);
	(void)buf_putc(&b, '{');
	bool first = true;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = key && streq(key, keys[i]) ? value : vals[i];
		if (!v)
			continue;
		(void)buf_printf(&b, "%s\"%s\":%s", first ? "" : ",", keys[i], v);
		first = false;
	}
	(void)buf_putc(&b, '}');
	return buf_take(&b);
}

static char *catalog(const char *entries, int count, const char *released)
{
	struct buf b;
	buf_init(&b, 0);
	(void)buf_printf(&b,
			 "{\"title\":\"CISA Catalog of Known Exploited Vulnerabilities\","
			 "\"catalogVersion\":\"2024.06.01\",\"dateReleased\":\"%s\",\"count\":%d,"
			 "\"vulnerabilities\":[%s]}",
			 released, count, entries);
	return buf_take(&b);
}

static int parse_kev(const char *text, struct vuln_kev_catalog *ret, struct bh_diag *d)
{
	struct bh_limits l = limits();
	json_t *doc = json_loads(text, 0, NULL);
	if (!doc)
		tap_fail(__FILE__, __LINE__, "test JSON does not parse: %s", text);
	int r = vuln_kev_parse(doc, &l, "kev.json", ret, d);
	json_decref(doc);
	return r;
}

TEST(kev_good_catalog)
{
	_cleanup_free_ char *a = entry("CVE-2021-44228", NULL, NULL);
	_cleanup_free_ char *b =
		entry("CVE-2017-5638", "knownRansomwareCampaignUse", "\"Unknown\"");
	_cleanup_free_ char *c = entry("CVE-2021-45046", "knownRansomwareCampaignUse", NULL);
	char list[4096];
	ASSERT_OK(xsnprintf(list, sizeof(list), "%s,%s,%s", a, b, c));
	_cleanup_free_ char *text = catalog(list, 3, "2024-06-01T14:00:00.0000Z");
	json_t *doc = json_loads(text, 0, NULL);
	ASSERT_TRUE(vuln_kev_is_catalog(doc));
	json_decref(doc);
	struct vuln_kev_catalog cat;
	struct bh_diag d = { 0 };
	ASSERT_OK(parse_kev(text, &cat, &d));
	ASSERT_EQ(cat.n, 3u);
	ASSERT_STREQ(cat.version, "2024.06.01");
	ASSERT_STREQ(cat.released, "2024-06-01T14:00:00.0000Z");
	/* sorted by id */
	ASSERT_STREQ(cat.v[0].cve, "CVE-2017-5638");
	ASSERT_FALSE(cat.v[0].known_ransomware);
	ASSERT_STREQ(cat.v[1].cve, "CVE-2021-44228");
	ASSERT_TRUE(cat.v[1].known_ransomware);
	ASSERT_STREQ(cat.v[1].date_added, "2021-12-10");
	ASSERT_STREQ(cat.v[1].due_date, "2021-12-24");
	ASSERT_STREQ(cat.v[1].required_action, "Apply updates.");
	ASSERT_FALSE(cat.v[2].known_ransomware); /* absent: an older catalog */
	vuln_kev_catalog_done(&cat);

	/* The committed fixture is a valid catalog too. */
	size_t len;
	_cleanup_free_ char *fx = tap_read_file(tap_src_path("tests/fixtures/kev/kev-catalog.json"),
						&len);
	ASSERT_NOT_NULL(fx);
	ASSERT_OK(parse_kev(fx, &cat, &d));
	ASSERT_EQ(cat.n, 3u);
	vuln_kev_catalog_done(&cat);
}

TEST(kev_not_a_catalog)
{
	json_t *osv =
		json_loads("{\"id\":\"GHSA-x\",\"modified\":\"2024-01-01T00:00:00Z\"}", 0, NULL);
	ASSERT_FALSE(vuln_kev_is_catalog(osv));
	json_decref(osv);
	json_t *arr = json_loads("[{\"catalogVersion\":\"1\",\"vulnerabilities\":[]}]", 0, NULL);
	ASSERT_FALSE(vuln_kev_is_catalog(arr));
	json_decref(arr);
}

/* Each kind of bad input: rejected whole, the diagnostic names the entry and the member. */
TEST(kev_bad_entries)
{
	static const struct {
		const char *key, *value, *want;
	} cases[] = {
		{ "cveID", NULL, "vulnerabilities[1]: cveID is missing" },
		{ "cveID", "42", "vulnerabilities[1]: cveID is not a string" },
		{ "cveID", "\"CVE-21-1\"", "cveID is not a CVE id" },
		{ "cveID", "\"GHSA-jfh8-c2jp-5v3q\"", "cveID is not a CVE id" },
		{ "dateAdded", "\"2021-13-10\"", "(CVE-2021-0001): dateAdded is not a date" },
		{ "dateAdded", "\"yesterday\"", "dateAdded is not a date" },
		{ "dueDate", NULL, "(CVE-2021-0001): dueDate is missing" },
		{ "dueDate", "\"2021-12-24T00:00:00Z\"", "dueDate is not a date" },
		{ "requiredAction", "\"\"", "requiredAction is empty" },
		{ "requiredAction", "null", "requiredAction is not a string" },
		{ "vendorProject", NULL, "vendorProject is missing" },
		{ "shortDescription", "[]", "shortDescription is not a string" },
		{ "knownRansomwareCampaignUse", "\"Yes\"", "Use is neither \"Known\" nor" },
		{ "knownRansomwareCampaignUse", "true", "Use is neither \"Known\" nor" },
		{ "notes", "5", "notes is not a string" },
		{ "cwes", "\"CWE-20\"", "cwes is not an array" },
		{ "cwes", "[20]", "cwes has an item that is not a string" },
	};
	_cleanup_free_ char *good = entry("CVE-2021-44228", NULL, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *bad = entry("CVE-2021-0001", cases[i].key, cases[i].value);
		char list[4096];
		ASSERT_OK(xsnprintf(list, sizeof(list), "%s,%s", good, bad));
		_cleanup_free_ char *text = catalog(list, 2, "2024-06-01");
		struct vuln_kev_catalog cat = { 0 };
		struct bh_diag d = { 0 };
		ASSERT_ERR(parse_kev(text, &cat, &d), -EBADMSG);
		ASSERT_EQ(cat.n, 0u);
		ASSERT_STREQ(d.source, "kev.json");
		if (!strstr(d.message, cases[i].want))
			tap_fail(__FILE__, __LINE__, "case %zu: '%s' lacks '%s'", i, d.message,
				 cases[i].want);
	}
	/* An entry that is not an object. */
	_cleanup_free_ char *text = catalog("\"CVE-2021-44228\"", 1, "2024-06-01");
	struct vuln_kev_catalog cat;
	struct bh_diag d = { 0 };
	ASSERT_ERR(parse_kev(text, &cat, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "vulnerabilities[0]: not an object") != NULL);
}

TEST(kev_bad_top_level)
{
	_cleanup_free_ char *e = entry("CVE-2021-44228", NULL, NULL);
	struct vuln_kev_catalog cat;
	struct bh_diag d = { 0 };
	/* count disagrees with the list */
	_cleanup_free_ char *t1 = catalog(e, 2, "2024-06-01");
	ASSERT_ERR(parse_kev(t1, &cat, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "count is 2 but 1 entries") != NULL);
	/* listed twice */
	char list[4096];
	ASSERT_OK(xsnprintf(list, sizeof(list), "%s,%s", e, e));
	_cleanup_free_ char *t2 = catalog(list, 2, "2024-06-01");
	ASSERT_ERR(parse_kev(t2, &cat, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "CVE-2021-44228 is listed twice") != NULL);
	/* missing or mistyped top-level members */
	static const char *const bad[] = {
		"{\"catalogVersion\":\"1\",\"dateReleased\":\"x\",\"count\":0,\"vulnerabilities\":{}}",
		"{\"catalogVersion\":\"1\",\"dateReleased\":\"x\",\"vulnerabilities\":[]}",
		"{\"catalogVersion\":\"1\",\"dateReleased\":\"x\",\"count\":\"0\",\"vulnerabilities\":[]}",
		"{\"catalogVersion\":\"1\",\"count\":0,\"vulnerabilities\":[]}",
		"{\"catalogVersion\":7,\"dateReleased\":\"x\",\"count\":0,\"vulnerabilities\":[]}",
		"{\"catalogVersion\":\"\",\"dateReleased\":\"x\",\"count\":0,\"vulnerabilities\":[]}",
		"{\"catalogVersion\":\"1\",\"dateReleased\":\"x\",\"count\":-1,\"vulnerabilities\":[]}",
		"[]",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		d = (struct bh_diag){ 0 };
		ASSERT_ERR(parse_kev(bad[i], &cat, &d), -EBADMSG);
		ASSERT_TRUE(d.message[0] != '\0');
	}
	/* An empty catalog is valid. */
	ASSERT_OK(parse_kev("{\"catalogVersion\":\"1\",\"dateReleased\":\"x\",\"count\":0,"
			    "\"vulnerabilities\":[]}",
			    &cat, &d));
	ASSERT_EQ(cat.n, 0u);
	vuln_kev_catalog_done(&cat);
}

TEST(kev_limit)
{
	struct bh_limits l = limits();
	l.db_max_records = 1;
	_cleanup_free_ char *a = entry("CVE-2021-44228", NULL, NULL);
	_cleanup_free_ char *b = entry("CVE-2021-45046", NULL, NULL);
	char list[4096];
	ASSERT_OK(xsnprintf(list, sizeof(list), "%s,%s", a, b));
	_cleanup_free_ char *text = catalog(list, 2, "2024-06-01");
	json_t *doc = json_loads(text, 0, NULL);
	struct vuln_kev_catalog cat;
	struct bh_diag d = { 0 };
	ASSERT_ERR(vuln_kev_parse(doc, &l, "kev.json", &cat, &d), -E2BIG);
	ASSERT_TRUE(strstr(d.message, "db-max-records") != NULL);
	json_decref(doc);
}

TEST(cve_ids)
{
	ASSERT_TRUE(vuln_is_cve_id(span_from("CVE-2021-44228")));
	ASSERT_TRUE(vuln_is_cve_id(span_from("CVE-1999-0001")));
	ASSERT_TRUE(vuln_is_cve_id(span_from("CVE-2024-1234567")));
	ASSERT_FALSE(vuln_is_cve_id(span_from("CVE-2021-123")));
	ASSERT_FALSE(vuln_is_cve_id(span_from("cve-2021-44228")));
	ASSERT_FALSE(vuln_is_cve_id(span_from("CVE-2021-4422a")));
	ASSERT_FALSE(vuln_is_cve_id(span_from("CVE-20211-44228")));
	ASSERT_FALSE(vuln_is_cve_id(span_from("CVE-2021-44228 ")));
	ASSERT_FALSE(vuln_is_cve_id(span_from("")));
}

/* ---- EPSS ---------------------------------------------------------------------- */

struct rows {
	size_t n;
	char cve[8][33];
	double score[8], pct[8];
};

static int on_row(const struct vuln_epss_row *row, void *userdata)
{
	struct rows *r = userdata;
	if (r->n < 8) {
		(void)xsnprintf(r->cve[r->n], sizeof(r->cve[0]), "%s", row->cve);
		r->score[r->n] = row->score;
		r->pct[r->n] = row->percentile;
	}
	r->n++;
	return 0;
}

static int parse_epss(const char *text, struct vuln_epss_header *h, struct rows *rows,
		      struct bh_diag *d)
{
	struct bh_limits l = limits();
	*rows = (struct rows){ 0 };
	return vuln_epss_parse(span_from(text), &l, "epss.csv", h, on_row, rows, d);
}

static bool near(double a, double b)
{
	return a - b < 1e-12 && b - a < 1e-12;
}

TEST(epss_good)
{
	struct vuln_epss_header h;
	struct rows rows;
	struct bh_diag d = { 0 };
	ASSERT_OK(parse_epss("#model_version:v2023.03.01,score_date:2024-06-01T00:00:00+0000\n"
			     "cve,epss,percentile\n"
			     "CVE-2021-44228,0.97565,0.99999\n"
			     "CVE-1999-0001,0.01141,0.83728\r\n"
			     "CVE-2024-0001,4.3e-04,1.0\n"
			     "CVE-2024-0002,0,1\n\n",
			     &h, &rows, &d));
	ASSERT_STREQ(h.model, "v2023.03.01");
	ASSERT_STREQ(h.date, "2024-06-01");
	ASSERT_EQ(rows.n, 4u);
	ASSERT_STREQ(rows.cve[0], "CVE-2021-44228");
	ASSERT_TRUE(near(rows.score[0], 0.97565));
	ASSERT_TRUE(near(rows.pct[0], 0.99999));
	ASSERT_STREQ(rows.cve[1], "CVE-1999-0001");
	ASSERT_TRUE(near(rows.score[2], 0.00043));
	ASSERT_TRUE(near(rows.pct[2], 1.0));
	ASSERT_TRUE(near(rows.score[3], 0.0));
	/* No comment line (older files); a header and no rows. */
	ASSERT_OK(parse_epss("cve,epss,percentile\nCVE-2021-44228,0.5,0.5\n", &h, &rows, &d));
	ASSERT_STREQ(h.date, "");
	ASSERT_EQ(rows.n, 1u);
	ASSERT_OK(parse_epss("cve,epss,percentile\n", &h, &rows, &d));
	ASSERT_EQ(rows.n, 0u);
	ASSERT_TRUE(vuln_epss_is_csv(span_from("#model_version:x,score_date:2024-01-01\n")));
	ASSERT_TRUE(vuln_epss_is_csv(span_from("cve,epss,percentile\n")));
	ASSERT_FALSE(vuln_epss_is_csv(span_from("{\"cve\":1}")));
}

TEST(epss_bad)
{
	static const struct {
		const char *text;
		unsigned line;
		const char *want;
	} cases[] = {
		{ "", 0, "no EPSS header" },
		{ "#model_version:v1\ncve,epss,percentile\n", 1, "not an EPSS comment line" },
		{ "#model_version:v1,score_date:2024-99-01\ncve,epss,percentile\n", 1,
		  "not an EPSS comment line" },
		{ "#hello\ncve,epss,percentile\n", 1, "not an EPSS comment line" },
		{ "cve,score,percentile\n", 1, "not the EPSS header" },
		{ "cve,epss,percentile\nCVE-2021-44228,0.5\n", 2, "three fields" },
		{ "cve,epss,percentile\nCVE-2021-44228,0.5,0.5,0.5\n", 2, "three fields" },
		{ "cve,epss,percentile\nCVE-2021-44228,0.5,0.5,\n", 2, "three fields" },
		{ "cve,epss,percentile\nGHSA-xxxx,0.5,0.5\n", 2, "not a CVE id" },
		{ "cve,epss,percentile\nCVE-2021-44228,1.5,0.5\n", 2, "numbers from 0 to 1" },
		{ "cve,epss,percentile\nCVE-2021-44228,-0.1,0.5\n", 2, "numbers from 0 to 1" },
		{ "cve,epss,percentile\nCVE-2021-44228,.5,0.5\n", 2, "numbers from 0 to 1" },
		{ "cve,epss,percentile\nCVE-2021-44228,0.,0.5\n", 2, "numbers from 0 to 1" },
		{ "cve,epss,percentile\nCVE-2021-44228,0.5,nan\n", 2, "numbers from 0 to 1" },
		{ "cve,epss,percentile\nCVE-2021-44228,0.5,1e5\n", 2, "numbers from 0 to 1" },
		{ "cve,epss,percentile\nCVE-2021-44228,0.5,0.5e\n", 2, "numbers from 0 to 1" },
		{ "cve,epss,percentile\nCVE-2021-1111,0.1,0.1\n\nCVE-2021-2222,0.1,0.1\n", 3,
		  "empty line inside the data" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vuln_epss_header h;
		struct rows rows;
		struct bh_diag d = { 0 };
		ASSERT_ERR(parse_epss(cases[i].text, &h, &rows, &d), -EBADMSG);
		if (!strstr(d.message, cases[i].want) || d.line != cases[i].line)
			tap_fail(__FILE__, __LINE__, "case %zu: line %u '%s', want line %u '%s'", i,
				 d.line, d.message, cases[i].line, cases[i].want);
	}
	/* Rows over db-max-records. */
	struct bh_limits l = limits();
	l.db_max_records = 1;
	struct vuln_epss_header h;
	struct rows rows = { 0 };
	struct bh_diag d = { 0 };
	ASSERT_ERR(vuln_epss_parse(span_from("cve,epss,percentile\nCVE-2021-1111,0.1,0.1\n"
					     "CVE-2021-2222,0.1,0.1\n"),
				   &l, "e.csv", &h, on_row, &rows, &d),
		   -E2BIG);
	ASSERT_EQ(rows.n, 1u);
}

/* ---- the database ------------------------------------------------------------- */

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "we");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		tap_fail(__FILE__, __LINE__, "cannot write %s", path);
}

static int import(const char *db, const char *path, struct vuln_import_stats *st,
		  struct bh_diag *d)
{
	struct bh_limits l = limits();
	struct vuln_import_opts o = { .limits = &l };
	char *paths[] = { (char *)path };
	return vuln_db_import(db, paths, 1, &o, st, d);
}

static char *sha_of(const char *path)
{
	size_t len;
	_cleanup_free_ char *d = tap_read_file(path, &len);
	if (!d)
		return NULL;
	char *out = malloc(BH_DIGEST_STR_LEN + 1);
	if (out && bh_sha256_str(d, len, out) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

TEST(db_import_kev_epss)
{
	const char *db = tap_tmp_path("intel.db");
	struct vuln_import_stats st;
	struct bh_diag d = { 0 };
	ASSERT_OK(import(db, tap_src_path("tests/fixtures/kev/kev-catalog.json"), &st, &d));
	ASSERT_EQ(st.kev_entries, 3u);
	ASSERT_EQ(st.seen, 0u);
	ASSERT_OK(import(db, tap_src_path("tests/fixtures/kev/epss-scores.csv.gz"), &st, &d));
	ASSERT_EQ(st.epss_rows, 5u);

	_cleanup_(vuln_db_freep) struct vuln_db *v = NULL;
	ASSERT_OK(vuln_db_open(db, &v, &d));
	ASSERT_TRUE(vuln_db_has_kev(v));
	struct vuln_kev *k = NULL;
	ASSERT_OK(vuln_db_kev(v, "CVE-2021-44228", &k));
	ASSERT_STREQ(k->date_added, "2021-12-10");
	ASSERT_STREQ(k->due_date, "2021-12-24");
	ASSERT_TRUE(k->known_ransomware);
	ASSERT_TRUE(strstr(k->required_action, "Apply updates") != NULL);
	vuln_kev_free(k);
	ASSERT_ERR(vuln_db_kev(v, "CVE-2021-45105", &k), -ENOENT);
	struct vuln_epss *e = NULL;
	ASSERT_OK(vuln_db_epss(v, "CVE-2021-45105", &e));
	ASSERT_TRUE(near(e->score, 0.65934));
	ASSERT_TRUE(near(e->percentile, 0.97937));
	ASSERT_STREQ(e->date, "2024-06-01");
	vuln_epss_free(e);
	ASSERT_ERR(vuln_db_epss(v, "CVE-2000-0001", &e), -ENOENT);

	_cleanup_json_ json_t *s = NULL;
	ASSERT_OK(vuln_db_status(v, &s));
	ASSERT_EQ(json_integer_value(json_object_get(s, "schema_version")), VULN_DB_SCHEMA_VERSION);
	ASSERT_STREQ(bh_json_str(json_object_get(s, "kev"), "version"), "2024.06.01");
	ASSERT_EQ(json_integer_value(json_object_get(json_object_get(s, "kev"), "count")), 3);
	ASSERT_STREQ(bh_json_str(json_object_get(s, "epss"), "date"), "2024-06-01");
	const json_t *srcs = json_object_get(s, "sources");
	ASSERT_EQ(json_array_size(srcs), 2u);
	ASSERT_STREQ(bh_json_str(json_array_get(srcs, 0), "kind"), "kev");
	ASSERT_STREQ(bh_json_str(json_array_get(srcs, 1), "kind"), "epss");
}

TEST(db_kev_newer_kept_and_bad_rejected)
{
	const char *db = tap_tmp_path("newer.db");
	const char *newer = tap_tmp_path("newer-kev.json");
	const char *older = tap_tmp_path("older-kev.json");
	const char *bad = tap_tmp_path("bad-kev.json");
	_cleanup_free_ char *a = entry("CVE-2021-44228", NULL, NULL);
	_cleanup_free_ char *b = entry("CVE-2021-45046", NULL, NULL);
	_cleanup_free_ char *bad_e = entry("CVE-2021-45046", "dueDate", "\"soon\"");
	char two[4096], three[4096];
	ASSERT_OK(xsnprintf(two, sizeof(two), "%s,%s", a, b));
	ASSERT_OK(xsnprintf(three, sizeof(three), "%s,%s", a, bad_e));
	_cleanup_free_ char *tn = catalog(two, 2, "2024-06-02T00:00:00Z");
	_cleanup_free_ char *to = catalog(a, 1, "2024-06-01T00:00:00Z");
	_cleanup_free_ char *tb = catalog(three, 2, "2024-06-03T00:00:00Z");
	write_file(newer, tn, strlen(tn));
	write_file(older, to, strlen(to));
	write_file(bad, tb, strlen(tb));
	struct vuln_import_stats st;
	struct bh_diag d = { 0 };
	ASSERT_OK(import(db, newer, &st, &d));
	ASSERT_EQ(st.kev_entries, 2u);
	/* An older catalog does not replace the stored one. */
	ASSERT_OK(import(db, older, &st, &d));
	ASSERT_EQ(st.kev_entries, 0u);
	ASSERT_EQ(st.kev_unchanged, 1u);
	{
		_cleanup_(vuln_db_freep) struct vuln_db *v = NULL;
		ASSERT_OK(vuln_db_open(db, &v, &d));
		struct vuln_kev *k = NULL;
		ASSERT_OK(vuln_db_kev(v, "CVE-2021-45046", &k));
		vuln_kev_free(k);
	}
	/* A malformed catalog fails the import and changes nothing. */
	_cleanup_free_ char *before = sha_of(db);
	d = (struct bh_diag){ 0 };
	ASSERT_ERR(import(db, bad, &st, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.source, "bad-kev.json") != NULL);
	ASSERT_TRUE(strstr(d.message, "vulnerabilities[1] (CVE-2021-45046): dueDate") != NULL);
	_cleanup_free_ char *after = sha_of(db);
	ASSERT_STREQ(before, after);
	/* So does a malformed EPSS file, and a gzip file that is not EPSS. */
	const char *be = tap_tmp_path("bad.csv");
	const char *txt = "cve,epss,percentile\nCVE-2021-44228,0.5,2\n";
	write_file(be, txt, strlen(txt));
	d = (struct bh_diag){ 0 };
	ASSERT_ERR(import(db, be, &st, &d), -EBADMSG);
	ASSERT_EQ(d.line, 2u);
	const char *dup = tap_tmp_path("dup.csv");
	txt = "cve,epss,percentile\nCVE-2021-44228,0.5,0.5\nCVE-2021-44228,0.5,0.5\n";
	write_file(dup, txt, strlen(txt));
	d = (struct bh_diag){ 0 };
	ASSERT_ERR(import(db, dup, &st, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "listed twice") != NULL);
	ASSERT_EQ(d.line, 3u);
	const char *gz = tap_tmp_path("notepss.gz");
	/* gzip of "hello\n" */
	static const unsigned char hello_gz[] = { 0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
						  0x02, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xe7,
						  0x02, 0x00, 0x20, 0x30, 0x3a, 0x36, 0x06, 0x00,
						  0x00, 0x00 };
	write_file(gz, (const char *)hello_gz, sizeof(hello_gz));
	d = (struct bh_diag){ 0 };
	ASSERT_ERR(import(db, gz, &st, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "not an EPSS CSV") != NULL);
	const char *trunc = tap_tmp_path("trunc.gz");
	write_file(trunc, (const char *)hello_gz, 14);
	d = (struct bh_diag){ 0 };
	ASSERT_ERR(import(db, trunc, &st, &d), -EBADMSG);
	_cleanup_free_ char *after2 = sha_of(db);
	ASSERT_STREQ(before, after2);
}

/* A schema-2 database (no exploitation tables) is read as it is and upgraded by an import. */
TEST(db_schema2_upgrade)
{
	const char *db = tap_tmp_path("old.db");
	struct vuln_import_stats st;
	struct bh_diag d = { 0 };
	const char *rec = tap_tmp_path("rec.json");
	const char *txt = "{\"id\":\"GHSA-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":"
			  "[\"CVE-2021-44228\"],\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\","
			  "\"name\":\"x\"},\"versions\":[\"1.0\"]}]}";
	write_file(rec, txt, strlen(txt));
	ASSERT_OK(import(db, rec, &st, &d));
	sqlite3 *s = NULL;
	ASSERT_EQ(sqlite3_open(db, &s), SQLITE_OK);
	ASSERT_EQ(sqlite3_exec(s,
			       "DROP TABLE kev; DROP TABLE epss; UPDATE meta SET value='2' WHERE "
			       "key='schema_version'",
			       NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(s);
	{
		_cleanup_(vuln_db_freep) struct vuln_db *v = NULL;
		ASSERT_OK(vuln_db_open(db, &v, &d));
		ASSERT_FALSE(vuln_db_has_kev(v));
		struct vuln_kev *k = NULL;
		ASSERT_ERR(vuln_db_kev(v, "CVE-2021-44228", &k), -ENOENT);
		_cleanup_json_ json_t *js = NULL;
		ASSERT_OK(vuln_db_status(v, &js));
		ASSERT_EQ(json_integer_value(json_object_get(js, "schema_version")), 2);
		ASSERT_TRUE(json_is_null(json_object_get(js, "kev")));
	}
	ASSERT_OK(import(db, tap_src_path("tests/fixtures/kev/kev-catalog.json"), &st, &d));
	_cleanup_(vuln_db_freep) struct vuln_db *v = NULL;
	ASSERT_OK(vuln_db_open(db, &v, &d));
	ASSERT_TRUE(vuln_db_has_kev(v));
	_cleanup_json_ json_t *js = NULL;
	ASSERT_OK(vuln_db_status(v, &js));
	ASSERT_EQ(json_integer_value(json_object_get(js, "schema_version")), 3);
	ASSERT_EQ(json_integer_value(json_object_get(js, "advisories")), 1);
}
