/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-canon.c — the pure parts of src/audit/: canonical JSON (member order by UTF-16 code
 * units, escapes, Unicode, integers, refusals), the record hash and checkpoint signature
 * vectors (computed independently with Python's json + hashlib and the `cryptography`
 * package from the RFC 8032 test-1 key), key files, and the time helpers.
 */
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "tap.h"

static char *canon_text(const char *json)
{
	json_error_t e;
	json_t *v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (!v)
		return NULL;
	struct buf b;
	buf_init(&b, 0);
	int r = audit_canon_json(v, 64, &b);
	json_decref(v);
	if (r < 0) {
		buf_done(&b);
		return NULL;
	}
	return buf_take(&b);
}

static void expect_canon(const char *in, const char *want)
{
	_cleanup_free_ char *got = canon_text(in);
	ASSERT_STREQ(got, want);
}

static int canon_err(const char *in)
{
	json_t *v = json_loads(in, JSON_DECODE_ANY, NULL);
	if (!v)
		return -1000;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = audit_canon_json(v, 64, &b);
	json_decref(v);
	return r;
}

TEST(canon_whitespace_and_literals)
{
	expect_canon(" { \"b\" : [ 1 , true , false , null ] , \"a\" : { } } ",
		     "{\"a\":{},\"b\":[1,true,false,null]}");
	expect_canon("[]", "[]");
	expect_canon("\"x\"", "\"x\"");
	expect_canon("[0, -0, 9007199254740991, -9007199254740991]",
		     "[0,0,9007199254740991,-9007199254740991]");
}

TEST(canon_member_order)
{
	/* ASCII by code point: upper case before lower case, shorter prefix first */
	expect_canon("{\"b\":1,\"B\":2,\"a\":3,\"aa\":4,\"\":5}",
		     "{\"\":5,\"B\":2,\"a\":3,\"aa\":4,\"b\":1}");
	/* RFC 8785 §3.2.3's example: UTF-16 code units, so U+1F600 sorts before U+FB33 */
	expect_canon("{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":"
		     "\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\",\"\\ud83d\\ude00\":"
		     "\"Emoji: Grinning Face\",\"\\u0080\":\"Control\",\"\\u00f6\":"
		     "\"Latin Small Letter O With Diaeresis\"}",
		     "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
		     "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":"
		     "\"Euro Sign\",\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\",\"\xef\xac\xb3\":"
		     "\"Hebrew Letter Dalet With Dagesh\"}");
	/* nested objects are sorted too; array order is kept */
	expect_canon("{\"z\":[{\"y\":1,\"x\":2}],\"a\":{\"d\":1,\"c\":2}}",
		     "{\"a\":{\"c\":2,\"d\":1},\"z\":[{\"x\":2,\"y\":1}]}");
}

TEST(canon_utf16_cmp)
{
	ASSERT_TRUE(audit_utf16_cmp("\xf0\x9f\x98\x80", 4, "\xef\xac\xb3", 3) < 0);
	ASSERT_TRUE(audit_utf16_cmp("\xef\xac\xb3", 3, "\xf0\x9f\x98\x80", 4) > 0);
	ASSERT_TRUE(audit_utf16_cmp("a", 1, "ab", 2) < 0);
	ASSERT_EQ(audit_utf16_cmp("ab", 2, "ab", 2), 0);
	/* two astral characters: second surrogate decides */
	ASSERT_TRUE(audit_utf16_cmp("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x81", 4) < 0);
	ASSERT_TRUE(audit_utf16_cmp("\xc3\xa9", 2, "z", 1) > 0);
}

TEST(canon_escapes)
{
	/* short escapes, other controls as lower-case \u00xx, DEL, '/' and non-ASCII verbatim */
	expect_canon("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000 \\u0001 \\u001f \\u007f\"",
		     "\"\\\" \\\\ / \\b \\f \\n \\r \\t \\u0000 \\u0001 \\u001f \x7f\"");
	expect_canon("\"\\u00e9\\u2028\\ud83d\\ude00\"",
		     "\"\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80\"");
	expect_canon("{\"k\\n\":\"\\u001B\"}", "{\"k\\n\":\"\\u001b\"}");
}

TEST(canon_refusals)
{
	ASSERT_ERR(canon_err("1.5"), -EINVAL);
	ASSERT_ERR(canon_err("[1e3]"), -EINVAL);
	ASSERT_ERR(canon_err("{\"a\":9007199254740992}"), -EINVAL);
	ASSERT_ERR(canon_err("-9007199254740992"), -EINVAL);
	/* invalid UTF-8 in a string or member name (json_stringn_nocheck bypasses jansson) */
	json_t *o = json_object();
	json_object_set_new(o, "a", json_stringn_nocheck("\xff", 1));
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(buf_puts(&b, "keep"));
	ASSERT_ERR(audit_canon_json(o, 64, &b), -EINVAL);
	ASSERT_STREQ(buf_str(&b), "keep"); /* nothing half-written */
	json_decref(o);
	o = json_object();
	json_object_set_new_nocheck(o, "\xc0\xaf", json_integer(1)); /* overlong '/' */
	ASSERT_ERR(audit_canon_json(o, 64, &b), -EINVAL);
	json_decref(o);
	/* depth */
	char deep[2 * 70 + 2];
	for (int i = 0; i < 70; i++)
		deep[i] = '[', deep[70 + 1 + i] = ']';
	deep[70] = '1';
	deep[2 * 70 + 1] = '\0';
	ASSERT_ERR(canon_err(deep), -E2BIG);
	deep[6] = '1', deep[7] = '\0';
	memset(deep + 7, ']', 6);
	deep[13] = '\0';
	ASSERT_OK(canon_err(deep + 0)); /* 6 deep is fine */
	/* the buffer's maximum */
	struct buf small;
	buf_init(&small, 4);
	json_t *s = json_string("abcdef");
	ASSERT_ERR(audit_canon_json(s, 64, &small), -E2BIG);
	ASSERT_EQ(small.len, 0);
	json_decref(s);
	buf_done(&small);
}

TEST(utf8_validation)
{
	ASSERT_TRUE(audit_utf8_valid("", 0));
	ASSERT_TRUE(audit_utf8_valid("\xf4\x8f\xbf\xbf", 4));  /* U+10FFFF */
	ASSERT_FALSE(audit_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
	ASSERT_FALSE(audit_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	ASSERT_FALSE(audit_utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
	ASSERT_FALSE(audit_utf8_valid("\xc3", 1));	       /* truncated */
	ASSERT_FALSE(audit_utf8_valid("\x80", 1));
}

static const struct store_audit_row vector_row = {
    .seq = 1,
    .time = 1700000000000000,
    .kind = "finding.new",
    .target = "image/alpine",
    .actor = "bulkhead scan",
    .payload = "{\"a\":\"\xc3\xa9\\n\\u001f\\\"\\\\/\",\"b\":1,\"c\":[true,false,null,-5]}",
    .prev_hash = AUDIT_ZERO_HASH,
};
#define VECTOR_HASH "sha256:f08a591ebc111c2ac7e2a49a694aac6eb30ad7a316c2e5f795db664f12658654"

TEST(record_hash_vector)
{
	_cleanup_free_ char *p = canon_text("{\"c\":[true,false,null,-5],\"b\":1,"
					    "\"a\":\"\\u00e9\\n\\u001F\\\"\\\\\\/\"}");
	ASSERT_STREQ(p, vector_row.payload);
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(audit_record_bytes(&vector_row, &b));
	ASSERT_STREQ(
	    buf_str(&b),
	    "{\"actor\":\"bulkhead scan\",\"kind\":\"finding.new\",\"payload\":{\"a\":\""
	    "\xc3\xa9\\n\\u001f\\\"\\\\/\",\"b\":1,\"c\":[true,false,null,-5]},\"prev_hash\":"
	    "\"" AUDIT_ZERO_HASH "\",\"schema\":\"bulkhead.audit-record/v1\",\"seq\":1,"
	    "\"target\":\"image/alpine\",\"time\":1700000000000000}");
	char h[BH_DIGEST_STR_LEN + 1];
	ASSERT_OK(audit_record_hash(&vector_row, h));
	ASSERT_STREQ(h, VECTOR_HASH);

	/* every field is covered: changing any one changes the hash */
	struct store_audit_row r = vector_row;
	char h2[BH_DIGEST_STR_LEN + 1];
	const char *fields[] = {"seq", "time", "kind", "target", "actor", "payload", "prev"};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		r = vector_row;
		switch (i) {
		case 0:
			r.seq = 2;
			break;
		case 1:
			r.time++;
			break;
		case 2:
			r.kind = "finding.newer";
			break;
		case 3:
			r.target = "image/alpinf";
			break;
		case 4:
			r.actor = "bulkhead scan ";
			break;
		case 5:
			r.payload = "{\"b\":1}";
			break;
		case 6:
			r.prev_hash = VECTOR_HASH;
			break;
		}
		ASSERT_OK(audit_record_hash(&r, h2));
		if (streq(h, h2))
			tap_fail(__FILE__, __LINE__, "changing %s keeps the hash", fields[i]);
	}
	/* export = hashed bytes plus "hash" */
	r = vector_row;
	r.hash = (char *)VECTOR_HASH;
	buf_clear(&b);
	ASSERT_OK(audit_record_export(&r, &b));
	ASSERT_TRUE(strstr(buf_str(&b), "{\"actor\":\"bulkhead scan\",\"hash\":\"" VECTOR_HASH
					"\",\"kind\":") == buf_str(&b));
	/* a field that is not UTF-8 cannot be hashed */
	r.actor = "\xff";
	ASSERT_ERR(audit_record_hash(&r, h2), -EINVAL);
}

static const char rfc8032_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
static const char rfc8032_pub[] = "-----BEGIN PUBLIC KEY-----\n"
				  "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
				  "-----END PUBLIC KEY-----\n";
#define RFC8032_KEY_ID "sha256:21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9"
#define VECTOR_SIG                                                                                 \
	"802OWaegpPiZvReRi/n2hkqjGLBl1CS/MZ6bpb04Lz2VyYHYBmvlgQYPYzXPX5B2+kDcg/lPtMJqma8yaiGxAQ=="

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, text, strlen(text)), (long long)strlen(text));
	close(fd);
	ASSERT_OK(chmod(path, mode));
}

TEST(checkpoint_signature_vector)
{
	const char *kp = tap_tmp_path("rfc8032.pem"), *pp = tap_tmp_path("rfc8032.pub");
	write_file(kp, rfc8032_pem, 0600);
	write_file(pp, rfc8032_pub, 0644);
	_cleanup_(audit_key_freep) struct audit_key *k = NULL, *pub = NULL;
	bool created = true;
	ASSERT_OK(audit_key_load_private(kp, false, &k, &created, NULL));
	ASSERT_FALSE(created);
	ASSERT_TRUE(audit_key_is_private(k));
	ASSERT_STREQ(audit_key_id(k), RFC8032_KEY_ID);
	ASSERT_OK(audit_key_load_public(pp, &pub, NULL));
	ASSERT_FALSE(audit_key_is_private(pub));
	ASSERT_STREQ(audit_key_id(pub), RFC8032_KEY_ID);
	_cleanup_buf_ struct buf pem;
	buf_init(&pem, 0);
	ASSERT_OK(audit_key_public_pem(k, &pem));
	ASSERT_STREQ(buf_str(&pem), rfc8032_pub);

	struct store_checkpoint c;
	ASSERT_OK(audit_checkpoint_sign(k, 1, 1700000000000001, VECTOR_HASH, &c));
	ASSERT_STREQ(c.signature, VECTOR_SIG); /* Ed25519 is deterministic */
	ASSERT_STREQ(c.key_id, RFC8032_KEY_ID);
	ASSERT_OK(audit_checkpoint_check(pub, &c));
	/* any change breaks it */
	c.seq = 2;
	ASSERT_ERR(audit_checkpoint_check(pub, &c), -EBADMSG);
	c.seq = 1;
	c.time++;
	ASSERT_ERR(audit_checkpoint_check(pub, &c), -EBADMSG);
	c.time--;
	c.signature[3] ^= 1;
	ASSERT_ERR(audit_checkpoint_check(pub, &c), -EBADMSG);
	c.signature[3] ^= 1;
	c.signature[87] = 'A'; /* not canonical base64 */
	ASSERT_ERR(audit_checkpoint_check(pub, &c), -EBADMSG);
	c.signature[87] = '=';
	ASSERT_OK(audit_checkpoint_check(pub, &c));
	free(c.key_id);
	c.key_id =
	    strdup("sha256:0000000000000000000000000000000000000000000000000000000000000001");
	ASSERT_ERR(audit_checkpoint_check(pub, &c), -EKEYREJECTED);
	store_checkpoint_done(&c);
	/* a public key cannot sign */
	ASSERT_ERR(audit_checkpoint_sign(pub, 1, 1, VECTOR_HASH, &c), -EINVAL);
	ASSERT_ERR(audit_checkpoint_sign(k, 1, 1, "sha256:xyz", &c), -EINVAL);
}

TEST(key_files)
{
	const char *kp = tap_tmp_path("home/sub/audit-key.pem");
	_cleanup_(audit_key_freep) struct audit_key *k = NULL, *k2 = NULL, *pub = NULL;
	struct bh_diag diag = {0};
	ASSERT_ERR(audit_key_load_private(kp, false, &k, NULL, &diag), -ENOENT);
	bool created = false;
	ASSERT_OK(audit_key_load_private(kp, true, &k, &created, &diag));
	ASSERT_TRUE(created);
	struct stat st;
	ASSERT_OK(stat(kp, &st));
	ASSERT_EQ(st.st_mode & 0777, 0600);
	ASSERT_OK(audit_key_load_private(kp, true, &k2, &created, NULL));
	ASSERT_FALSE(created);
	ASSERT_STREQ(audit_key_id(k), audit_key_id(k2));
	ASSERT_OK(audit_key_load_public(kp, &pub, NULL)); /* derived from the private file */
	ASSERT_STREQ(audit_key_id(pub), audit_key_id(k));
	ASSERT_FALSE(audit_key_is_private(pub));

	/* group-readable private key refused; a public key file may be readable */
	ASSERT_OK(chmod(kp, 0640));
	audit_key_free(k2);
	k2 = NULL;
	ASSERT_ERR(audit_key_load_private(kp, false, &k2, NULL, &diag), -EACCES);
	ASSERT_TRUE(strstr(diag.message, "chmod 600") != NULL);

	/* not a key, another algorithm */
	const char *junk = tap_tmp_path("junk.pem");
	write_file(junk, "hello\n", 0600);
	ASSERT_ERR(audit_key_load_private(junk, false, &k2, NULL, NULL), -EBADMSG);
	ASSERT_ERR(audit_key_load_public(junk, &k2, NULL), -EBADMSG);
	const char *ec = tap_tmp_path("ec.pem");
	EVP_PKEY *eck = EVP_EC_gen("P-256");
	ASSERT_NOT_NULL(eck);
	FILE *f = fopen(ec, "we");
	ASSERT_NOT_NULL(f);
	ASSERT_EQ(PEM_write_PrivateKey(f, eck, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	EVP_PKEY_free(eck);
	ASSERT_OK(chmod(ec, 0600));
	ASSERT_ERR(audit_key_load_private(ec, false, &k2, NULL, &diag), -EOPNOTSUPP);

	_cleanup_free_ char *hp = NULL;
	ASSERT_OK(audit_head_path("/x/audit-key.pem", &hp));
	ASSERT_STREQ(hp, "/x/audit-key.pem.head");
}

TEST(key_default_path)
{
	_cleanup_free_ char *p = NULL;
	ASSERT_OK(setenv("BULKHEAD_HOME", "/srv/bh", 1));
	ASSERT_OK(audit_key_default_path(&p));
	ASSERT_STREQ(p, "/srv/bh/audit-key.pem");
	ASSERT_OK(unsetenv("BULKHEAD_HOME"));
}

TEST(time_rfc3339)
{
	int64_t us;
	ASSERT_OK(audit_parse_rfc3339(span_from("1970-01-01T00:00:00Z"), &us));
	ASSERT_EQ(us, 0);
	ASSERT_OK(audit_parse_rfc3339(span_from("2018-10-26T09:51:20.717013Z"), &us));
	ASSERT_EQ(us, 1540547480717013LL);
	ASSERT_OK(audit_parse_rfc3339(span_from("2018-10-26T11:51:20.7170139+02:00"), &us));
	ASSERT_EQ(us, 1540547480717013LL);
	ASSERT_OK(audit_parse_rfc3339(span_from("2024-02-29T23:59:60Z"), &us));
	ASSERT_EQ(us, 1709251199000000LL);
	ASSERT_ERR(audit_parse_rfc3339(span_from("2023-02-29T00:00:00Z"), &us), -EBADMSG);
	ASSERT_ERR(audit_parse_rfc3339(span_from("2018-10-26T09:51:20"), &us), -EBADMSG);
	ASSERT_ERR(audit_parse_rfc3339(span_from("2018-10-26T09:51:20.Z"), &us), -EBADMSG);
	ASSERT_ERR(audit_parse_rfc3339(span_from("2018-10-26T24:00:00Z"), &us), -EBADMSG);
	ASSERT_ERR(audit_parse_rfc3339(span_from("1969-12-31T23:59:59Z"), &us), -EBADMSG);
	ASSERT_ERR(audit_parse_rfc3339(span_from("2018-10-26T09:51:20Zx"), &us), -EBADMSG);
	ASSERT_ERR(audit_parse_rfc3339(span_from("2018-10-26T09:51:20.1234567890Z"), &us),
		   -EBADMSG);

	char out[40];
	ASSERT_OK(audit_format_time(1540547480717013LL, out, sizeof(out)));
	ASSERT_STREQ(out, "2018-10-26T09:51:20.717013Z");
	ASSERT_OK(audit_format_time(951782400000000LL, out, sizeof(out)));
	ASSERT_STREQ(out, "2000-02-29T00:00:00.000000Z");
	ASSERT_ERR(audit_format_time(-1, out, sizeof(out)), -EINVAL);
	/* round trip over many days */
	for (int64_t d = 0; d < 200000; d += 37) {
		int64_t t = d * 86400 * 1000000 + 12345;
		ASSERT_OK(audit_format_time(t, out, sizeof(out)));
		ASSERT_OK(audit_parse_rfc3339(span_from(out), &us));
		ASSERT_EQ(us, t);
	}
}

TEST(time_since)
{
	int64_t us, now = 1000000LL * 1000000;
	ASSERT_OK(audit_parse_since(span_from("24h"), now, &us));
	ASSERT_EQ(us, now - 86400LL * 1000000);
	ASSERT_OK(audit_parse_since(span_from("7d"), now, &us));
	ASSERT_EQ(us, now - 7 * 86400LL * 1000000);
	ASSERT_OK(audit_parse_since(span_from("90s"), now, &us));
	ASSERT_EQ(us, now - 90LL * 1000000);
	ASSERT_OK(audit_parse_since(span_from("30m"), now, &us));
	ASSERT_EQ(us, now - 1800LL * 1000000);
	ASSERT_OK(audit_parse_since(span_from("2018-10-26"), now, &us));
	ASSERT_EQ(us, 1540512000LL * 1000000);
	ASSERT_OK(audit_parse_since(span_from("2018-10-26T09:51:20Z"), now, &us));
	ASSERT_EQ(us, 1540547480LL * 1000000);
	ASSERT_ERR(audit_parse_since(span_from("yesterday"), now, &us), -EBADMSG);
	ASSERT_ERR(audit_parse_since(span_from("h"), now, &us), -EBADMSG);
	ASSERT_ERR(audit_parse_since(span_from("-5h"), now, &us), -EBADMSG);
	ASSERT_ERR(audit_parse_since(span_from("2018-13-01"), now, &us), -EBADMSG);
}
