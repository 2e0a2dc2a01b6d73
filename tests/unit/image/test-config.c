/* SPDX-License-Identifier: Apache-2.0 */
/* test-config.c — img_config_parse(): fields, ordering, nulls, diff_ids and malformed input. */
#include "image/image-int.h"
#include "tap.h"

static const char full[] =
    "{\n"
    "  \"architecture\": \"arm64\", \"os\": \"linux\", \"variant\": \"v8\",\n"
    "  \"created\": \"2024-01-02T03:04:05Z\",\n"
    "  \"config\": {\n"
    "    \"User\": \"1000:1000\", \"WorkingDir\": \"/app\", \"StopSignal\": \"SIGTERM\",\n"
    "    \"Env\": [\"PATH=/usr/bin\", \"A=1\"],\n"
    "    \"Entrypoint\": [\"/bin/sh\", \"-c\"], \"Cmd\": [\"run\"],\n"
    "    \"ExposedPorts\": {\"8080/tcp\": {}, \"53/udp\": {}},\n"
    "    \"Volumes\": {\"/var/lib/x\": {}, \"/data\": {}},\n"
    "    \"Labels\": {\"org.b\": \"2\", \"org.a.z\": \"3\", \"org.a\": \"1\", \"empty\": \"\"}\n"
    "  },\n"
    "  \"history\": [\n"
    "    {\"created\": \"2024-01-01T00:00:00Z\", \"created_by\": \"/bin/sh -c #(nop) ADD x\"},\n"
    "    {\"created_by\": \"ENV A=1\", \"comment\": \"buildkit\", \"empty_layer\": true}\n"
    "  ],\n"
    "  \"rootfs\": {\"type\": \"layers\", \"diff_ids\": [\n"
    "    \"sha256:1111111111111111111111111111111111111111111111111111111111111111\",\n"
    "    \"sha256:2222222222222222222222222222222222222222222222222222222222222222\"]}\n"
    "}\n";

static int parse(const char *json, struct img_config *c, struct strv *ids, struct bh_diag *diag)
{
	struct bh_limits limits;
	bh_limits_default(&limits);
	*diag = (struct bh_diag){0};
	return img_config_parse(span_from(json), &limits, "blobs/sha256/abcd", c, ids, diag);
}

TEST(full_config)
{
	struct img_config c;
	struct strv ids = {0};
	struct bh_diag diag;
	ASSERT_OK(parse(full, &c, &ids, &diag));
	ASSERT_STREQ(c.architecture, "arm64");
	ASSERT_STREQ(c.os, "linux");
	ASSERT_STREQ(c.variant, "v8");
	ASSERT_STREQ(c.created, "2024-01-02T03:04:05Z");
	ASSERT_STREQ(c.user, "1000:1000");
	ASSERT_STREQ(c.working_dir, "/app");
	ASSERT_STREQ(c.stop_signal, "SIGTERM");
	ASSERT_EQ(c.env.n, 2);
	ASSERT_STREQ(c.env.v[0], "PATH=/usr/bin");
	ASSERT_STREQ(c.env.v[1], "A=1");
	ASSERT_EQ(c.entrypoint.n, 2);
	ASSERT_STREQ(c.entrypoint.v[1], "-c");
	ASSERT_EQ(c.cmd.n, 1);
	ASSERT_EQ(c.exposed_ports.n, 2);
	ASSERT_STREQ(c.exposed_ports.v[0], "53/udp");
	ASSERT_STREQ(c.exposed_ports.v[1], "8080/tcp");
	ASSERT_EQ(c.volumes.n, 2);
	ASSERT_STREQ(c.volumes.v[0], "/data");
	/* sorted by key: "org.a" < "org.a.z" < "org.b" (not by the joined "k=v") */
	ASSERT_EQ(c.labels.n, 4);
	ASSERT_STREQ(c.labels.v[0], "empty=");
	ASSERT_STREQ(c.labels.v[1], "org.a=1");
	ASSERT_STREQ(c.labels.v[2], "org.a.z=3");
	ASSERT_STREQ(c.labels.v[3], "org.b=2");
	ASSERT_EQ(c.n_history, 2);
	ASSERT_STREQ(c.history[0].created_by, "/bin/sh -c #(nop) ADD x");
	ASSERT_FALSE(c.history[0].empty_layer);
	ASSERT_NULL(c.history[1].created);
	ASSERT_STREQ(c.history[1].comment, "buildkit");
	ASSERT_TRUE(c.history[1].empty_layer);
	ASSERT_EQ(ids.n, 2);
	ASSERT_STREQ(ids.v[1],
		     "sha256:2222222222222222222222222222222222222222222222222222222222222222");
	img_config_done(&c);
	img_config_done(&c);
	strv_done(&ids);
}

TEST(nulls_and_minimal)
{
	struct img_config c;
	struct strv ids = {0};
	struct bh_diag diag;
	ASSERT_OK(parse("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":null,"
			"\"Cmd\":null,\"Entrypoint\":null,\"Labels\":null,\"ExposedPorts\":null,"
			"\"User\":null},\"history\":null,\"rootfs\":{\"type\":\"layers\","
			"\"diff_ids\":null}}",
			&c, &ids, &diag));
	ASSERT_EQ(c.env.n, 0);
	ASSERT_NULL(c.user);
	ASSERT_EQ(ids.n, 0);
	img_config_done(&c);

	ASSERT_OK(parse("{\"config\":null,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", &c,
			NULL, &diag));
	ASSERT_NULL(c.architecture);
	img_config_done(&c);
}

TEST(malformed)
{
	static const struct {
		const char *json;
		int err;
		const char *msg;
	} cases[] = {
	    {"{", -EBADMSG, "invalid JSON: "},
	    {"[]", -EBADMSG, "config: expected a JSON object"},
	    {"{}", -EBADMSG, "rootfs: missing"},
	    {"{\"rootfs\":[]}", -EBADMSG, "rootfs: expected an object"},
	    {"{\"rootfs\":{}}", -EBADMSG, "rootfs.type: missing"},
	    {"{\"rootfs\":{\"type\":\"squashfs\"}}", -EBADMSG, "rootfs.type: expected \"layers\""},
	    {"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":\"sha256:x\"}}", -EBADMSG,
	     "rootfs.diff_ids: expected an array of digests"},
	    {"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:../../x\"]}}", -EBADMSG,
	     "rootfs.diff_ids[0]: invalid digest"},
	    {"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha512:abcd\"]}}", -EOPNOTSUPP,
	     "rootfs.diff_ids[0]: unsupported digest"},
	    {"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[1]}}", -EBADMSG, "rootfs.diff_ids"},
	    {"{\"architecture\":5,\"rootfs\":{\"type\":\"layers\"}}", -EBADMSG,
	     "architecture: expected a string"},
	    {"{\"config\":[],\"rootfs\":{\"type\":\"layers\"}}", -EBADMSG,
	     "config: expected an object"},
	    {"{\"config\":{\"Env\":\"A=1\"},\"rootfs\":{\"type\":\"layers\"}}", -EBADMSG,
	     "config.Env: expected an array of strings"},
	    {"{\"config\":{\"Cmd\":[1]},\"rootfs\":{\"type\":\"layers\"}}", -EBADMSG,
	     "config.Cmd: expected an array of strings"},
	    {"{\"config\":{\"Labels\":{\"a\":1}},\"rootfs\":{\"type\":\"layers\"}}", -EBADMSG,
	     "config.Labels: expected string values"},
	    {"{\"config\":{\"ExposedPorts\":[\"80\"]},\"rootfs\":{\"type\":\"layers\"}}", -EBADMSG,
	     "config.ExposedPorts: expected an object"},
	    {"{\"history\":{},\"rootfs\":{\"type\":\"layers\"}}", -EBADMSG,
	     "history: expected an array"},
	    {"{\"history\":[1],\"rootfs\":{\"type\":\"layers\"}}", -EBADMSG,
	     "history: expected an array of objects"},
	    {"{\"history\":[{\"empty_layer\":\"yes\"}],\"rootfs\":{\"type\":\"layers\"}}", -EBADMSG,
	     "history.empty_layer: expected a boolean"},
	    {"{\"os\":\"linux\",\"os\":\"windows\",\"rootfs\":{\"type\":\"layers\"}}", -EBADMSG,
	     "invalid JSON: "},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct img_config c = {0};
		struct strv ids = {0};
		struct bh_diag diag;
		int r = parse(cases[i].json, &c, &ids, &diag);
		if (r != cases[i].err || strncmp(diag.message, cases[i].msg, strlen(cases[i].msg)))
			tap_fail(__FILE__, __LINE__, "case %zu: %d '%s'", i, r, diag.message);
		ASSERT_STREQ(diag.source, "blobs/sha256/abcd");
		ASSERT_EQ(ids.n, 0);
	}
}

TEST(limits)
{
	struct bh_limits limits;
	bh_limits_default(&limits);
	limits.max_layers = 1;
	struct img_config c;
	struct strv ids = {0};
	struct bh_diag diag = {0};
	ASSERT_ERR(img_config_parse(span_from(full), &limits, "cfg", &c, &ids, &diag), -E2BIG);
	ASSERT_TRUE(strstr(diag.message, "max-layers") != NULL);
	bh_limits_default(&limits);
	limits.max_entries = 1;
	ASSERT_ERR(img_config_parse(span_from(full), &limits, "cfg", &c, &ids, &diag), -E2BIG);
	bh_limits_default(&limits);
	limits.input_max_bytes = 100;
	ASSERT_ERR(img_config_parse(span_from(full), &limits, "cfg", &c, &ids, &diag), -E2BIG);
	bh_limits_default(&limits);
	limits.json_max_depth = 2;
	ASSERT_ERR(img_config_parse(span_from(full), &limits, "cfg", &c, &ids, &diag), -E2BIG);
}
