/* SPDX-License-Identifier: Apache-2.0 */
/* OSV record parsing (src/vuln/osv.c): what is kept, and what makes a record malformed. */
#include "common/json.h"
#include "common/limits.h"
#include "tap.h"
#include "vuln/osv.h"

static int parse(const char *text, struct vuln_osv *o, struct bh_diag *d)
{
	struct bh_limits l;
	bh_limits_default(&l);
	json_t *j = json_loads(text, 0, NULL);
	if (!j)
		tap_fail(__FILE__, __LINE__, "bad test JSON: %s", text);
	int r = vuln_osv_parse(j, &l, "t.json", o, d);
	json_decref(j);
	return r;
}

TEST(osv_full_record)
{
	struct vuln_osv o;
	ASSERT_OK(parse("{\"id\":\"GHSA-1\",\"modified\":\"2024-01-02T00:00:00Z\",\"published\":\"2023-01-01T00:00:00Z\","
			"\"aliases\":[\"CVE-2023-1\"],\"summary\":\"s\",\"details\":\"d\","
			"\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"},"
			"{\"type\":\"Ubuntu\",\"score\":\"medium\"}],"
			"\"database_specific\":{\"severity\":\"HIGH\"},"
			"\"references\":[{\"type\":\"WEB\",\"url\":\"https://a\"}],"
			"\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"curl\",\"purl\":\"pkg:deb/debian/curl\"},"
			"\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.0-1\"}]}],"
			"\"versions\":[\"0.9-1\"],\"ecosystem_specific\":{\"urgency\":\"low\"}},"
			"{\"ranges\":[{\"type\":\"GIT\",\"repo\":\"https://g\",\"events\":[{\"introduced\":\"0\"},{\"limit\":\"abc\"}]}]}]}",
			&o, NULL));
	ASSERT_STREQ(o.id, "GHSA-1");
	ASSERT_STREQ(o.aliases.v[0], "CVE-2023-1");
	ASSERT_STREQ(o.cvss_v3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
	ASSERT_STREQ(o.ubuntu_priority, "medium");
	ASSERT_STREQ(o.db_severity, "HIGH");
	ASSERT_STREQ(o.references.v[0], "https://a");
	ASSERT_EQ(o.n_affected, 2);
	ASSERT_STREQ(o.affected[0].ecosystem, "Debian:12");
	ASSERT_STREQ(o.affected[0].distro_severity, "low");
	ASSERT_EQ(o.affected[0].ranges[0].n_events, 2);
	ASSERT_EQ(o.affected[0].ranges[0].events[1].kind, VULN_EVENT_FIXED);
	ASSERT_STREQ(o.affected[0].versions.v[0], "0.9-1");
	ASSERT_NULL(o.affected[1].ecosystem); /* GIT-only entry without a package */
	ASSERT_EQ(o.affected[1].ranges[0].type, VULN_RANGE_GIT);
	vuln_osv_done(&o);
}

TEST(osv_malformed_records)
{
	static const char *const bad[] = {
		"[]",
		"{\"modified\":\"x\"}",
		"{\"id\":\"A\"}",
		"{\"id\":7,\"modified\":\"x\"}",
		"{\"id\":\"A\",\"modified\":\"x\",\"aliases\":\"CVE-1\"}",
		"{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"package\":{\"name\":\"n\"}}]}",
		"{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"n\"},"
		"\"ranges\":[{\"type\":\"RANGE\",\"events\":[{\"introduced\":\"0\"}]}]}]}",
		"{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"n\"},"
		"\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"fixed\":\"1\"}]}]}]}",
		"{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"n\"},"
		"\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\",\"fixed\":\"1\"}]}]}]}",
		"{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"n\"},"
		"\"ranges\":[{\"type\":\"GIT\",\"events\":[{\"introduced\":\"0\"}]}]}]}",
		"{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"n\"},"
		"\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"\"}]}]}]}",
		"{\"id\":\"A\",\"modified\":\"x\",\"severity\":[{\"type\":\"CVSS_V3\"}]}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct vuln_osv o;
		struct bh_diag d = { 0 };
		int r = parse(bad[i], &o, &d);
		if (r != -EBADMSG)
			tap_fail(__FILE__, __LINE__, "record %zu: %d, expected -EBADMSG", i, r);
		ASSERT_TRUE(d.message[0] != '\0');
		ASSERT_STREQ(d.source, "t.json");
	}
}

TEST(osv_limits)
{
	struct bh_limits l;
	bh_limits_default(&l);
	l.osv_max_affected = 1;
	json_t *j = json_loads("{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{},{}]}", 0, NULL);
	struct vuln_osv o;
	struct bh_diag d = { 0 };
	ASSERT_ERR(vuln_osv_parse(j, &l, "t", &o, &d), -E2BIG);
	ASSERT_TRUE(strstr(d.message, "osv-max-affected") != NULL);
	json_decref(j);
	bh_limits_default(&l);
	l.osv_max_events = 2;
	j = json_loads("{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\","
		       "\"name\":\"n\"},\"versions\":[\"1\",\"2\",\"3\"]}]}",
		       0, NULL);
	d = (struct bh_diag){ 0 };
	ASSERT_ERR(vuln_osv_parse(j, &l, "t", &o, &d), -E2BIG);
	ASSERT_TRUE(strstr(d.message, "osv-max-events") != NULL);
	json_decref(j);
}

TEST(osv_shared_records_parse)
{
	/* Every record of ../shared/testdata/osv except the three known-invalid ones parses. */
	const char *dir = tap_shared_path("osv/misc/GO-2020-0001.json");
	if (!dir)
		TEST_SKIP("../shared/testdata is absent");
	static const char *const files[] = {
		"osv/misc/GO-2020-0001.json",	 "osv/misc/RHSA-2024_4546.json",
		"osv/misc/MAL-2024-10238.json",	 "osv/misc/CVE-2018-5407.json",
		"osv/ghsa-synthetic/withdrawn.osv.json", "osv/ghsa-synthetic/full_ranges.osv.json",
	};
	struct bh_limits l;
	bh_limits_default(&l);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		size_t len;
		char *data = tap_read_file(tap_shared_path(files[i]), &len);
		ASSERT_NOT_NULL(data);
		json_t *j = json_loadb(data, len, 0, NULL);
		free(data);
		ASSERT_NOT_NULL(j);
		struct vuln_osv o;
		struct bh_diag d = { 0 };
		int r = vuln_osv_parse(j, &l, files[i], &o, &d);
		json_decref(j);
		if (r < 0)
			tap_fail(__FILE__, __LINE__, "%s: %s", files[i], d.message);
		if (strstr(files[i], "withdrawn"))
			ASSERT_NOT_NULL(o.withdrawn);
		vuln_osv_done(&o);
	}
	size_t len;
	char *data = tap_read_file(tap_shared_path("osv/invalid/nointroduced-CVE-2023-41045.json"), &len);
	ASSERT_NOT_NULL(data);
	json_t *j = json_loadb(data, len, 0, NULL);
	free(data);
	struct vuln_osv o;
	ASSERT_ERR(vuln_osv_parse(j, &l, "nointroduced", &o, NULL), -EBADMSG);
	json_decref(j);
}
