/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-sign-payload.c — the simple-signing payload (exact bytes, hostile input), the
 * signature manifest parser, base64, and the signature tag.
 */
#include "checks/sign.h"
#include "tap.h"

#define D1 "sha256:b41549e1a855f44d39fc546ee2a05ca2a2f6bf4ec87033cb41bf91ce2ca46e89"

static struct bh_limits lim(void)
{
	struct bh_limits l;
	bh_limits_default(&l);
	return l;
}

TEST(payload_build_matches_cosign_bytes)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(sign_payload_build("registry.example/team/app", D1, NULL, &b));
	ASSERT_STREQ(
	    buf_str(&b),
	    "{\"critical\":{\"identity\":{\"docker-reference\":\"registry.example/team/app\"},"
	    "\"image\":{\"docker-manifest-digest\":\"" D1 "\"},"
	    "\"type\":\"cosign container image signature\"},\"optional\":null}");
}

TEST(payload_build_annotations_sorted_and_escaped)
{
	struct strv a = {0};
	ASSERT_OK(strv_push(&a, "z=last"));
	ASSERT_OK(strv_push(&a, "a=<b>&\"q\"\n\x01"));
	ASSERT_OK(strv_push(&a, "m=caf\xc3\xa9=x"));
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(sign_payload_build("r\xe2\x80\xa8", D1, &a, &b));
	ASSERT_TRUE(strstr(buf_str(&b), "\"docker-reference\":\"r\\u2028\"") != NULL);
	ASSERT_TRUE(strstr(buf_str(&b),
			   "\"optional\":{\"a\":\"\\u003cb\\u003e\\u0026\\\"q\\\"\\n\\u0001\","
			   "\"m\":\"caf\xc3\xa9=x\",\"z\":\"last\"}}") != NULL);
	/* and it parses back to the same facts */
	struct bh_limits l = lim();
	struct sign_payload p;
	ASSERT_OK(sign_payload_parse(buf_span(&b), &l, &p, NULL));
	ASSERT_STREQ(p.docker_reference, "r\xe2\x80\xa8");
	ASSERT_STREQ(p.manifest_digest, D1);
	ASSERT_STREQ(json_string_value(json_object_get(p.optional, "a")), "<b>&\"q\"\n\x01");
	sign_payload_done(&p);
	strv_done(&a);
}

TEST(payload_build_rejects)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	struct strv a = {0};
	ASSERT_ERR(sign_payload_build("r", "sha256:abc", NULL, &b), -EINVAL);
	ASSERT_ERR(sign_payload_build("bad\xff", D1, NULL, &b), -EINVAL);
	ASSERT_ERR(sign_payload_build("overlong\xc0\xaf", D1, NULL, &b), -EINVAL);
	ASSERT_EQ(b.len, 0);
	ASSERT_OK(strv_push(&a, "noequals"));
	ASSERT_ERR(sign_payload_build("r", D1, &a, &b), -EINVAL);
	strv_done(&a);
	ASSERT_OK(strv_push(&a, "k=1"));
	ASSERT_OK(strv_push(&a, "k=2"));
	ASSERT_ERR(sign_payload_build("r", D1, &a, &b), -EINVAL);
	strv_done(&a);
	/* a buffer limit leaves nothing behind */
	struct buf small;
	buf_init(&small, 40);
	ASSERT_ERR(sign_payload_build("r", D1, NULL, &small), -E2BIG);
	ASSERT_EQ(small.len, 0);
	buf_done(&small);
}

TEST(payload_parse_cosign_example)
{
	/* as cosign writes it, with optional claims */
	const char *in = "{\"critical\":{\"identity\":{\"docker-reference\":\"testing/manifest\"},"
			 "\"image\":{\"docker-manifest-digest\":\"" D1 "\"},"
			 "\"type\":\"cosign container image signature\"},"
			 "\"optional\":{\"creator\":\"atomic\",\"timestamp\":1458239713}}";
	struct bh_limits l = lim();
	struct sign_payload p;
	ASSERT_OK(sign_payload_parse(span_from(in), &l, &p, NULL));
	ASSERT_STREQ(p.docker_reference, "testing/manifest");
	ASSERT_STREQ(p.manifest_digest, D1);
	ASSERT_EQ(json_integer_value(json_object_get(p.optional, "timestamp")), 1458239713);
	sign_payload_done(&p);
	/* optional absent is fine too */
	const char *in2 = "{\"critical\":{\"identity\":{\"docker-reference\":\"x\"},"
			  "\"image\":{\"docker-manifest-digest\":\"" D1 "\"},"
			  "\"type\":\"cosign container image signature\"}}";
	ASSERT_OK(sign_payload_parse(span_from(in2), &l, &p, NULL));
	ASSERT_NULL(p.optional);
	sign_payload_done(&p);
}

struct bad_payload {
	const char *json;
	int err;
	const char *field; /* substring of the diag message */
};

#define CRIT(id, img, type) "{\"critical\":{" id img type "}"
#define ID		    "\"identity\":{\"docker-reference\":\"x\"},"
#define IMG		    "\"image\":{\"docker-manifest-digest\":\"" D1 "\"},"
#define TYPE		    "\"type\":\"cosign container image signature\""

TEST(payload_parse_rejects_with_field)
{
	static const struct bad_payload cases[] = {
	    {"[]", -EBADMSG, "not a JSON object"},
	    {"{\"optional\":null}", -EBADMSG, "critical: missing"},
	    {"{\"critical\":[]}", -EBADMSG, "critical: not an object"},
	    {CRIT(ID, IMG, "\"type\":\"atomic container signature\"") "}", -EBADMSG,
	     "critical.type"},
	    {CRIT(ID, IMG, "\"type\":7") "}", -EBADMSG, "critical.type: not a string"},
	    {CRIT(ID, "", TYPE) "}", -EBADMSG, "critical.image: missing"},
	    {CRIT("", IMG, TYPE) "}", -EBADMSG, "critical.identity: missing"},
	    {CRIT(ID, "\"image\":{\"docker-manifest-digest\":\"sha256:00\"},", TYPE) "}", -EBADMSG,
	     "critical.image.docker-manifest-digest: 'sha256:00'"},
	    {CRIT(ID, "\"image\":{\"Docker-manifest-digest\":\"" D1 "\"},", TYPE) "}", -EBADMSG,
	     "critical.image.Docker-manifest-digest: unknown field"},
	    {CRIT(ID, IMG, TYPE ",\"extra\":1") "}", -EBADMSG, "critical.extra: unknown field"},
	    {CRIT("\"identity\":{},", IMG, TYPE) "}", -EBADMSG,
	     "critical.identity.docker-reference: missing"},
	    {CRIT(ID, IMG, TYPE) ",\"optional\":\"x\"}", -EBADMSG, "optional"},
	    {CRIT(ID, IMG, TYPE) ",\"optional\":null,\"optional\":null}", -EBADMSG, ""},
	    {"{\"critical\":", -EBADMSG, ""},
	    {"", -EBADMSG, ""},
	    {"{\"critical\":{\"identity\":{\"docker-reference\":\"a\\u0000b\"}," IMG TYPE "}}",
	     -EBADMSG, ""},
	};
	struct bh_limits l = lim();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sign_payload p;
		struct bh_diag d = {0};
		int r = sign_payload_parse(span_from(cases[i].json), &l, &p, &d);
		if (r != cases[i].err || !strstr(d.message, cases[i].field))
			tap_fail(__FILE__, __LINE__, "case %zu: r=%d message '%s'", i, r,
				 d.message);
		ASSERT_NULL(p.docker_reference);
	}
	/* limits: nesting and size */
	l.json_max_depth = 2;
	struct sign_payload p;
	ASSERT_ERR(sign_payload_parse(span_from(CRIT(ID, IMG, TYPE) "}"), &l, &p, NULL), -E2BIG);
	l = lim();
	l.input_max_bytes = 16;
	ASSERT_ERR(sign_payload_parse(span_from(CRIT(ID, IMG, TYPE) "}"), &l, &p, NULL), -E2BIG);
}

#define LAYER(dg, extra)                                                                           \
	"{\"mediaType\":\"" SIGN_PAYLOAD_MEDIA_TYPE "\",\"size\":10,\"digest\":\"" dg "\"" extra "}"

TEST(manifest_parse)
{
	struct bh_limits l = lim();
	struct sign_manifest m;
	const char *ok = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest."
			 "v1+json\",\"layers\":[" LAYER(D1, ",\"annotations\":{\"" SIGN_ANNOTATION
							    "\":\"TUVV\"}") "," LAYER(D1, "") "]}";
	ASSERT_OK(sign_manifest_parse(span_from(ok), &l, &m, NULL));
	ASSERT_EQ(m.n, 2);
	ASSERT_STREQ(m.layers[0].signature, "TUVV");
	ASSERT_NULL(m.layers[1].signature);
	ASSERT_EQ(m.layers[0].size, 10);
	ASSERT_STREQ(m.layers[0].digest, D1);
	sign_manifest_done(&m);

	static const struct bad_payload cases[] = {
	    {"{\"layers\":[]}", -EBADMSG, "schemaVersion"},
	    {"{\"schemaVersion\":2,\"mediaType\":\"text/plain\",\"layers\":[]}", -EBADMSG,
	     "mediaType"},
	    {"{\"schemaVersion\":2}", -EBADMSG, "layers: missing"},
	    {"{\"schemaVersion\":2,\"layers\":[1]}", -EBADMSG, "layers[0]: not an object"},
	    {"{\"schemaVersion\":2,\"layers\":[" LAYER("sha256:12", "") "]}", -EBADMSG,
	     "layers[0].digest"},
	    {"{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"x\",\"digest\":\"" D1
	     "\",\"size\":-1}]}",
	     -EBADMSG, "layers[0].size"},
	    {"{\"schemaVersion\":2,\"layers\":[" LAYER(D1, ",\"annotations\":{\"a\":1}") "]}",
	     -EBADMSG, "layers[0].annotations.a: not a string"},
	    {"{\"schemaVersion\":2,\"layers\":[" LAYER(D1, ",\"annotations\":[]") "]}", -EBADMSG,
	     "layers[0].annotations: not an object"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bh_diag d = {0};
		int r = sign_manifest_parse(span_from(cases[i].json), &l, &m, &d);
		if (r != cases[i].err || !strstr(d.message, cases[i].field))
			tap_fail(__FILE__, __LINE__, "case %zu: r=%d message '%s'", i, r,
				 d.message);
	}
	/* more layers than cosign allows */
	_cleanup_buf_ struct buf big;
	buf_init(&big, 0);
	ASSERT_OK(buf_puts(&big, "{\"schemaVersion\":2,\"layers\":["));
	for (int i = 0; i <= SIGN_MAX_LAYERS; i++)
		ASSERT_OK(buf_printf(&big, "%s" LAYER(D1, ""), i ? "," : ""));
	ASSERT_OK(buf_puts(&big, "]}"));
	ASSERT_ERR(sign_manifest_parse(buf_span(&big), &l, &m, NULL), -E2BIG);
}

TEST(base64)
{
	static const char *const vec[][2] = {
	    {"", ""},
	    {"f", "Zg=="},
	    {"fo", "Zm8="},
	    {"foo", "Zm9v"},
	    {"foob", "Zm9vYg=="},
	    {"fooba", "Zm9vYmE="},
	    {"foobar", "Zm9vYmFy"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(vec); i++) {
		_cleanup_buf_ struct buf e, d;
		buf_init(&e, 0);
		buf_init(&d, 0);
		ASSERT_OK(sign_base64_encode(span_from(vec[i][0]), &e));
		ASSERT_STREQ(buf_str(&e), vec[i][1]);
		ASSERT_OK(sign_base64_decode(span_from(vec[i][1]), &d));
		ASSERT_STREQ(buf_str(&d), vec[i][0]);
	}
	static const char *const bad[] = {
	    "Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zm 9", "Zg==Zg==", "Zm=v", "Zm9v\n", "!!!!"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_buf_ struct buf d;
		buf_init(&d, 0);
		if (sign_base64_decode(span_from(bad[i]), &d) != -EBADMSG)
			tap_fail(__FILE__, __LINE__, "'%s' decoded", bad[i]);
		ASSERT_EQ(d.len, 0);
	}
	/* all byte values round-trip */
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	_cleanup_buf_ struct buf e, d;
	buf_init(&e, 0);
	buf_init(&d, 0);
	ASSERT_OK(sign_base64_encode(span_make(all, 256), &e));
	ASSERT_OK(sign_base64_decode(buf_span(&e), &d));
	ASSERT_EQ(d.len, 256);
	ASSERT_TRUE(memcmp(d.ptr, all, 256) == 0);
}

TEST(tags)
{
	char tag[SIGN_TAG_LEN + 1];
	ASSERT_OK(sign_tag_for_digest(D1, tag));
	ASSERT_STREQ(tag,
		     "sha256-b41549e1a855f44d39fc546ee2a05ca2a2f6bf4ec87033cb41bf91ce2ca46e89.sig");
	ASSERT_TRUE(sign_tag_is_signature(tag));
	ASSERT_ERR(sign_tag_for_digest("sha512:00", tag), -EINVAL);
	ASSERT_ERR(sign_tag_for_digest(NULL, tag), -EINVAL);
	ASSERT_FALSE(sign_tag_is_signature("latest"));
	ASSERT_FALSE(sign_tag_is_signature(NULL));
	ASSERT_FALSE(sign_tag_is_signature(
	    "sha256-B41549e1a855f44d39fc546ee2a05ca2a2f6bf4ec87033cb41bf91ce2ca46e89.sig"));
	ASSERT_FALSE(sign_tag_is_signature(
	    "sha256-b41549e1a855f44d39fc546ee2a05ca2a2f6bf4ec87033cb41bf91ce2ca46e89.att"));
}
