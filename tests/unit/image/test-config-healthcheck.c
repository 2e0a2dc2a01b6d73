/* SPDX-License-Identifier: Apache-2.0 */
/* test-config-healthcheck.c — img_config_parse(): config.Healthcheck (Test array, NONE, nulls). */
#include "image/image-int.h"
#include "tap.h"

#define ROOTFS "\"rootfs\": {\"type\": \"layers\", \"diff_ids\": []}"

static int parse(const char *json, struct img_config *c, struct bh_diag *diag)
{
	struct bh_limits limits;
	bh_limits_default(&limits);
	*diag = (struct bh_diag){0};
	return img_config_parse(span_from(json), &limits, "config.json", c, NULL, diag);
}

TEST(healthcheck_cmd_shell)
{
	struct img_config c;
	struct bh_diag diag;
	ASSERT_OK(parse("{\"config\": {\"Healthcheck\": {\"Test\": [\"CMD-SHELL\", "
			"\"curl -f http://localhost/ || exit 1\"], \"Interval\": 30000000000, "
			"\"Timeout\": 3000000000, \"Retries\": 3}}, " ROOTFS "}",
			&c, &diag));
	ASSERT_TRUE(c.has_healthcheck);
	ASSERT_EQ(c.healthcheck.n, 2);
	ASSERT_STREQ(c.healthcheck.v[0], "CMD-SHELL");
	ASSERT_STREQ(c.healthcheck.v[1], "curl -f http://localhost/ || exit 1");
	img_config_done(&c);
}

TEST(healthcheck_none)
{
	struct img_config c;
	struct bh_diag diag;
	ASSERT_OK(parse("{\"config\": {\"Healthcheck\": {\"Test\": [\"NONE\"]}}, " ROOTFS "}", &c,
			&diag));
	ASSERT_TRUE(c.has_healthcheck);
	ASSERT_EQ(c.healthcheck.n, 1);
	ASSERT_STREQ(c.healthcheck.v[0], "NONE");
	img_config_done(&c);
}

TEST(healthcheck_absent_or_null)
{
	struct img_config c;
	struct bh_diag diag;
	ASSERT_OK(parse("{\"config\": {\"User\": \"app\"}, " ROOTFS "}", &c, &diag));
	ASSERT_FALSE(c.has_healthcheck);
	ASSERT_EQ(c.healthcheck.n, 0);
	img_config_done(&c);

	ASSERT_OK(parse("{\"config\": {\"Healthcheck\": null}, " ROOTFS "}", &c, &diag));
	ASSERT_FALSE(c.has_healthcheck);
	img_config_done(&c);

	/* No config object at all. */
	ASSERT_OK(parse("{" ROOTFS "}", &c, &diag));
	ASSERT_FALSE(c.has_healthcheck);
	img_config_done(&c);
}

TEST(healthcheck_without_test)
{
	/* An object without Test (or Test null) is present but inherits: empty list. */
	struct img_config c;
	struct bh_diag diag;
	ASSERT_OK(
	    parse("{\"config\": {\"Healthcheck\": {\"Interval\": 1}}, " ROOTFS "}", &c, &diag));
	ASSERT_TRUE(c.has_healthcheck);
	ASSERT_EQ(c.healthcheck.n, 0);
	img_config_done(&c);

	ASSERT_OK(
	    parse("{\"config\": {\"Healthcheck\": {\"Test\": null}}, " ROOTFS "}", &c, &diag));
	ASSERT_TRUE(c.has_healthcheck);
	ASSERT_EQ(c.healthcheck.n, 0);
	img_config_done(&c);
}

TEST(healthcheck_malformed)
{
	struct img_config c;
	struct bh_diag diag;
	ASSERT_ERR(parse("{\"config\": {\"Healthcheck\": [\"CMD\"]}, " ROOTFS "}", &c, &diag),
		   -EBADMSG);
	ASSERT_NOT_NULL(strstr(diag.message, "config.Healthcheck"));
	ASSERT_ERR(parse("{\"config\": {\"Healthcheck\": {\"Test\": \"CMD true\"}}, " ROOTFS "}",
			 &c, &diag),
		   -EBADMSG);
	ASSERT_NOT_NULL(strstr(diag.message, "config.Healthcheck.Test"));
	ASSERT_ERR(parse("{\"config\": {\"Healthcheck\": {\"Test\": [\"CMD\", 1]}}, " ROOTFS "}",
			 &c, &diag),
		   -EBADMSG);
}

TEST(healthcheck_entry_limit)
{
	struct bh_limits limits;
	bh_limits_default(&limits);
	limits.max_entries = 2;
	struct img_config c;
	struct bh_diag diag = {0};
	const char *json =
	    "{\"config\": {\"Healthcheck\": {\"Test\": [\"CMD\", \"a\", \"b\"]}}, " ROOTFS "}";
	ASSERT_ERR(img_config_parse(span_from(json), &limits, "config.json", &c, NULL, &diag),
		   -E2BIG);
}
