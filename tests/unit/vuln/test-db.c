/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vulnerability database and matcher end to end in-process: import (directories,
 * zip, replacement by `modified`, withdrawal, atomic failure, schema checks), then
 * matching an in-memory image (identity, release, aliases, severity choice).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>

#include "bulkhead/image.h"
#include "common/hash.h"
#include "common/json.h"
#include "common/limits.h"
#include "fakeimg.h"
#include "tap.h"
#include "vuln/db.h"
#include "vuln/match.h"

static char tmpdir[] = "/tmp/bh-test-db.XXXXXX";

static const char *tpath(const char *name)
{
	static char buf[4][512];
	static unsigned slot;
	char *b = buf[slot++ % 4];
	if (xsnprintf(b, 512, "%s/%s", tmpdir, name) < 0)
		tap_fail(__FILE__, __LINE__, "path too long");
	return b;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	if (!f || fputs(text, f) == EOF || fclose(f) != 0)
		tap_fail(__FILE__, __LINE__, "cannot write %s", path);
}

static void sha_of(const char *path, char out[static BH_DIGEST_STR_LEN + 1])
{
	size_t len;
	char *d = tap_read_file(path, &len);
	if (!d)
		tap_fail(__FILE__, __LINE__, "cannot read %s", path);
	ASSERT_OK(bh_sha256_str(d, len, out));
	free(d);
}

static void setup(void)
{
	/* Once per process (a flag, not the template's last character: mkdtemp may put an
	 * 'X' there too). */
	static bool made;
	if (!made && !mkdtemp(tmpdir))
		tap_fail(__FILE__, __LINE__, "mkdtemp");
	made = true;
	char sub[600];
	ASSERT_OK(xsnprintf(sub, sizeof(sub), "%s/recs", tmpdir));
	(void)mkdir(sub, 0755);
	ASSERT_OK(xsnprintf(sub, sizeof(sub), "%s/recs/nested", tmpdir));
	(void)mkdir(sub, 0755);
	/* PyPI: one vulnerability known under three ids. */
	write_file(tpath("recs/PYSEC-1.json"),
		   "{\"id\":\"PYSEC-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[\"CVE-2024-1\",\"GHSA-aaaa-bbbb-cccc\"],"
		   "\"summary\":\"pysec title\",\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"Requests\"},"
		   "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.32.0\"}]}]}]}");
	write_file(tpath("recs/nested/GHSA-aaaa-bbbb-cccc.json"),
		   "{\"id\":\"GHSA-aaaa-bbbb-cccc\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[\"CVE-2024-1\"],"
		   "\"summary\":\"ghsa title\",\"database_specific\":{\"severity\":\"MODERATE\"},"
		   "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N\"}],"
		   "\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"requests\"},"
		   "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"2.3.0\"},{\"fixed\":\"2.32.1\"}]}]}]}");
	/* Debian: by source package, per release; the distro's urgency wins over CVSS. */
	write_file(tpath("recs/DEBIAN-CVE-2024-2.json"),
		   "[{\"id\":\"DEBIAN-CVE-2024-2\",\"modified\":\"2024-02-01T00:00:00Z\",\"aliases\":[\"CVE-2024-2\"],"
		   "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],"
		   "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"openssl\"},"
		   "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"3.0.15-1~deb12u2\"}]}],"
		   "\"ecosystem_specific\":{\"urgency\":\"low\"}},"
		   "{\"package\":{\"ecosystem\":\"Debian:11\",\"name\":\"openssl\"},"
		   "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"9.9-1\"}]}]}]}]");
	/* Only Debian 11 is affected: must not match a Debian 12 image. */
	write_file(tpath("recs/DEBIAN-CVE-2024-3.json"),
		   "{\"id\":\"DEBIAN-CVE-2024-3\",\"modified\":\"2024-02-01T00:00:00Z\","
		   "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:11\",\"name\":\"openssl\"},"
		   "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
	/* Unknown ecosystem: kept, never matched. */
	write_file(tpath("recs/HEX-1.json"),
		   "{\"id\":\"HEX-1\",\"modified\":\"2024-02-01T00:00:00Z\","
		   "\"affected\":[{\"package\":{\"ecosystem\":\"Hex\",\"name\":\"plug\"},"
		   "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}");
	/* Malformed: skipped and counted; not JSON: skipped; not .json: ignored. */
	write_file(tpath("recs/BAD-1.json"), "{\"id\":\"BAD-1\",\"modified\":\"x\",\"affected\":[{\"ranges\":5}]}");
	write_file(tpath("recs/garbage.json"), "{not json");
	write_file(tpath("recs/README.txt"), "not an advisory");
}

static struct bh_limits limits(void)
{
	struct bh_limits l;
	bh_limits_default(&l);
	return l;
}

static unsigned skipped_reports;
static void count_skip(const struct bh_diag *why, void *userdata)
{
	(void)why;
	(void)userdata;
	skipped_reports++;
}

static int import(const char *db, const char *path, bool replace, struct vuln_import_stats *st,
		  struct bh_diag *d)
{
	struct bh_limits l = limits();
	struct vuln_import_opts o = { .limits = &l, .replace = replace, .on_skip = count_skip };
	char *paths[] = { (char *)path };
	return vuln_db_import(db, paths, 1, &o, st, d);
}

TEST(db_import_directory_and_status)
{
	setup();
	struct vuln_import_stats st;
	struct bh_diag d = { 0 };
	skipped_reports = 0;
	ASSERT_OK(import(tpath("a.db"), tpath("recs"), true, &st, &d));
	ASSERT_EQ(st.imported, 5);
	ASSERT_EQ(st.skipped, 2);
	ASSERT_EQ(skipped_reports, 2);
	ASSERT_EQ(st.files, 7);
	struct vuln_db *db = NULL;
	ASSERT_OK(vuln_db_open(tpath("a.db"), &db, &d));
	json_t *s = NULL;
	ASSERT_OK(vuln_db_status(db, &s));
	ASSERT_EQ(json_integer_value(json_object_get(s, "advisories")), 5);
	size_t i;
	json_t *e;
	bool saw_hex = false;
	json_array_foreach(json_object_get(s, "ecosystems"), i, e)
		if (streq(bh_json_str(e, "ecosystem"), "Hex")) {
			saw_hex = true;
			ASSERT_TRUE(json_is_false(json_object_get(e, "matched")));
		}
	ASSERT_TRUE(saw_hex);
	json_decref(s);
	vuln_db_free(db);
}

TEST(db_import_keeps_latest_and_withdraws)
{
	setup();
	struct vuln_import_stats st;
	struct bh_diag d = { 0 };
	ASSERT_OK(import(tpath("b.db"), tpath("recs"), true, &st, &d));
	/* An older copy does not replace a newer one ... */
	write_file(tpath("old.json"), "{\"id\":\"PYSEC-1\",\"modified\":\"2020-01-01T00:00:00Z\"}");
	ASSERT_OK(import(tpath("b.db"), tpath("old.json"), false, &st, &d));
	ASSERT_EQ(st.unchanged, 1);
	ASSERT_EQ(st.imported, 0);
	/* ... a withdrawn one removes it. */
	write_file(tpath("wd.json"), "{\"id\":\"PYSEC-1\",\"modified\":\"2025-01-01T00:00:00Z\","
				     "\"withdrawn\":\"2025-01-01T00:00:00Z\"}");
	ASSERT_OK(import(tpath("b.db"), tpath("wd.json"), false, &st, &d));
	ASSERT_EQ(st.withdrawn, 1);
	struct vuln_db *db = NULL;
	ASSERT_OK(vuln_db_open(tpath("b.db"), &db, &d));
	json_t *s = NULL;
	ASSERT_OK(vuln_db_status(db, &s));
	ASSERT_EQ(json_integer_value(json_object_get(s, "advisories")), 4);
	ASSERT_EQ(json_array_size(json_object_get(s, "sources")), 3);
	json_decref(s);
	vuln_db_free(db);
}

TEST(db_import_is_atomic)
{
	setup();
	struct vuln_import_stats st;
	struct bh_diag d = { 0 };
	ASSERT_OK(import(tpath("c.db"), tpath("recs"), true, &st, &d));
	char before[BH_DIGEST_STR_LEN + 1], after[BH_DIGEST_STR_LEN + 1];
	sha_of(tpath("c.db"), before);
	/* A missing path, a corrupt zip: errors, and the database is untouched. */
	d = (struct bh_diag){ 0 };
	ASSERT_ERR(import(tpath("c.db"), tpath("nope"), false, &st, &d), -ENOENT);
	ASSERT_TRUE(strstr(d.source, "nope") != NULL);
	write_file(tpath("bad.zip"), "PK\003\004 this is not really a zip archive at all");
	d = (struct bh_diag){ 0 };
	ASSERT_ERR(import(tpath("c.db"), tpath("bad.zip"), false, &st, &d), -EBADMSG);
	ASSERT_TRUE(d.message[0] != '\0');
	/* A named file that is not JSON is an error, not a skip. */
	write_file(tpath("notjson.json"), "hello");
	ASSERT_ERR(import(tpath("c.db"), tpath("notjson.json"), false, &st, &d), -EBADMSG);
	sha_of(tpath("c.db"), after);
	ASSERT_STREQ(after, before);
	/* and no temporary file is left behind */
	DIR *dir = opendir(tmpdir);
	ASSERT_NOT_NULL(dir);
	struct dirent *de;
	while ((de = readdir(dir)))
		if (strstr(de->d_name, ".tmp-"))
			tap_fail(__FILE__, __LINE__, "temporary file %s left behind", de->d_name);
	closedir(dir);
}

static void write_zip(const char *path)
{
	struct archive *a = archive_write_new();
	ASSERT_NOT_NULL(a);
	ASSERT_EQ(archive_write_set_format_zip(a), ARCHIVE_OK);
	ASSERT_EQ(archive_write_open_filename(a, path), ARCHIVE_OK);
	static const char *const names[] = { "GO-1.json", "x/GO-2.json", "notes.txt" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char rec[300];
		ASSERT_OK(xsnprintf(rec, sizeof(rec),
				    "{\"id\":\"GO-%zu\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":"
				    "{\"ecosystem\":\"Go\",\"name\":\"example.org/m\"},\"ranges\":[{\"type\":\"SEMVER\","
				    "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.2.0\"}]}]}]}",
				    i + 1));
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_size(e, (la_int64_t)strlen(rec));
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK);
		ASSERT_EQ(archive_write_data(a, rec, strlen(rec)), (la_ssize_t)strlen(rec));
		archive_entry_free(e);
	}
	ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

TEST(db_import_zip)
{
	setup();
	write_zip(tpath("all.zip"));
	struct vuln_import_stats st;
	struct bh_diag d = { 0 };
	ASSERT_OK(import(tpath("z.db"), tpath("all.zip"), true, &st, &d));
	ASSERT_EQ(st.imported, 2); /* notes.txt is not an advisory */
}

TEST(db_open_refuses_newer_schema_and_non_db)
{
	setup();
	struct vuln_import_stats st;
	struct bh_diag d = { 0 };
	ASSERT_OK(import(tpath("n.db"), tpath("recs"), true, &st, &d));
	sqlite3 *s = NULL;
	ASSERT_EQ(sqlite3_open(tpath("n.db"), &s), SQLITE_OK);
	ASSERT_EQ(sqlite3_exec(s, "UPDATE meta SET value='99' WHERE key='schema_version'", NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(s);
	struct vuln_db *db = NULL;
	d = (struct bh_diag){ 0 };
	ASSERT_ERR(vuln_db_open(tpath("n.db"), &db, &d), -EPROTONOSUPPORT);
	ASSERT_TRUE(strstr(d.message, "newer") != NULL);
	/* importing into it is refused too, and leaves it as it is */
	ASSERT_ERR(import(tpath("n.db"), tpath("recs"), false, &st, &d), -EPROTONOSUPPORT);
	write_file(tpath("text.db"), "just text, not SQLite");
	ASSERT_ERR(vuln_db_open(tpath("text.db"), &db, &d), -EBADMSG);
	d = (struct bh_diag){ 0 };
	ASSERT_ERR(vuln_db_open(tpath("missing.db"), &db, &d), -ENOENT);
	ASSERT_TRUE(strstr(d.message, "bulkhead db import") != NULL);
}

static const char dpkg_status[] =
	"Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\n"
	"Version: 3.0.15-1~deb12u1\n\n"
	"Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\n"
	"Version: 1:1.2.13.dfsg-1\n\n";

TEST(match_identity_aliases_severity)
{
	setup();
	struct vuln_import_stats st;
	struct bh_diag d = { 0 };
	ASSERT_OK(import(tpath("m.db"), tpath("recs"), true, &st, &d));
	struct img *img = fakeimg_new();
	ASSERT_NOT_NULL(img);
	static const char osr[] = "ID=debian\nVERSION_ID=\"12\"\n";
	static const char meta[] = "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n";
	ASSERT_OK(fakeimg_add_file(img, "etc/os-release", osr, strlen(osr), 0644, 0));
	ASSERT_OK(fakeimg_add_file(img, "var/lib/dpkg/status", dpkg_status, strlen(dpkg_status), 0644, 0));
	ASSERT_OK(fakeimg_add_file(img, "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA",
				   meta, strlen(meta), 0644, 1));
	struct bh_limits l = limits();
	ASSERT_OK(fakeimg_finish(img));
	ASSERT_OK(img_catalog(img, &l, &d));
	struct vuln_db *db = NULL;
	ASSERT_OK(vuln_db_open(tpath("m.db"), &db, &d));
	struct vuln_report rep;
	struct vuln_match_opts mo = { 0 };
	ASSERT_OK(vuln_match_image(db, img, &mo, &rep));
	ASSERT_EQ(rep.n, 2);
	const struct vuln_finding *py = NULL, *ssl = NULL;
	for (size_t i = 0; i < rep.n; i++) {
		if (streq(rep.v[i].pkg->name, "requests"))
			py = &rep.v[i];
		if (streq(rep.v[i].pkg->name, "libssl3"))
			ssl = &rep.v[i];
	}
	ASSERT_NOT_NULL(py);
	ASSERT_NOT_NULL(ssl);
	/* Three ids, one finding; CVE first; the highest fix satisfies both advisories. */
	ASSERT_STREQ(py->id, "CVE-2024-1");
	ASSERT_EQ(py->ids.n, 3);
	ASSERT_STREQ(py->ids.v[1], "GHSA-aaaa-bbbb-cccc");
	ASSERT_EQ(py->advisories.n, 2);
	ASSERT_STREQ(py->fixed, "2.32.1");
	ASSERT_STREQ(py->severity_source, "cvss_v3");
	ASSERT_EQ(py->severity, VULN_SEV_MEDIUM);
	ASSERT_TRUE(py->score > 5.2 && py->score < 5.4);
	/* Debian: source package, Debian 12 record only, urgency "low" beats CVSS 9.8. */
	ASSERT_STREQ(ssl->id, "CVE-2024-2");
	ASSERT_STREQ(ssl->fixed, "3.0.15-1~deb12u2");
	ASSERT_EQ(ssl->severity, VULN_SEV_LOW);
	ASSERT_STREQ(ssl->severity_source, "debian");
	ASSERT_EQ(rep.packages, 3);
	ASSERT_EQ(vuln_report_count_at_least(&rep, VULN_SEV_MEDIUM), 1);
	vuln_report_done(&rep);
	/* --ignore-unfixed keeps both: both have fixes. */
	mo.ignore_unfixed = true;
	ASSERT_OK(vuln_match_image(db, img, &mo, &rep));
	ASSERT_EQ(rep.n, 2);
	vuln_report_done(&rep);
	vuln_db_free(db);
	img_free(img);
}
