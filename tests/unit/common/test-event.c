/* SPDX-License-Identifier: Apache-2.0 */
/* struct bh_event and its JSON lines (src/common/event.c): round trip and bad input. */
#include "common/event.h"
#include "common/limits.h"
#include "tap.h"

static struct bh_limits lim(void)
{
	struct bh_limits l;
	bh_limits_default(&l);
	return l;
}

TEST(event_json_round_trip)
{
	struct bh_event ev;
	bh_event_init(&ev);
	ASSERT_EQ(ev.fd.num, -1);
	memcpy(ev.type, "openat", 7);
	ev.dir = '<';
	ev.ts = 1700000000123456789ull;
	ev.res = 3;
	ev.proc.pid = 42;
	ev.proc.ppid = 1;
	ev.proc.uid = 0;
	ev.proc.cap_effective = 0x1ffffffffffull;
	ev.proc.name = strdup("cat");
	ev.proc.exepath = strdup("/usr/bin/cat");
	ev.proc.argc = 1;
	ev.proc.argv = calloc(1, sizeof(char *));
	ev.proc.argv[0] = strdup("/etc/sh\xffow"); /* invalid UTF-8 from a process */
	ev.proc.n_ancestors = 1;
	ev.proc.ancestors[0] = (struct bh_ev_ancestor){ .pid = 7, .name = strdup("bash") };
	ev.fd.num = 3;
	ev.fd.type = 'f';
	ev.fd.name = strdup("/etc/shadow");
	ev.fd.open_flags = 0x80000;
	ev.container.id = strdup("4f7c0c2d8e91");
	ev.container.n_labels = 1;
	ev.container.labels = calloc(1, sizeof(char *));
	ev.container.labels[0] = strdup("app=web");
	ev.n_args = 1;
	ev.args[0] = (struct bh_ev_arg){ strdup("flags"), strdup("O_RDONLY|O_CLOEXEC") };

	struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(bh_event_to_json(&ev, &b));
	ASSERT_TRUE(b.len > 0 && b.ptr[b.len - 1] == '\n');
	ASSERT_TRUE(strchr(b.ptr, '\n') == b.ptr + b.len - 1); /* one line */
	struct bh_limits l = lim();
	struct bh_event back;
	struct bh_diag d = { 0 };
	ASSERT_OK(bh_event_from_json(buf_span(&b), &l, "t", 1, &back, &d));
	ASSERT_STREQ(back.type, "openat");
	ASSERT_EQ(back.dir, '<');
	ASSERT_EQ(back.ts, 1700000000123456789ull);
	ASSERT_EQ(back.proc.cap_effective, 0x1ffffffffffull);
	ASSERT_EQ(back.proc.loginuid, UINT32_MAX);
	ASSERT_STREQ(back.proc.argv[0], "/etc/sh\xef\xbf\xbdow");
	ASSERT_STREQ(back.proc.ancestors[0].name, "bash");
	ASSERT_EQ(back.fd.type, 'f');
	ASSERT_EQ(back.fd.open_flags, 0x80000);
	ASSERT_STREQ(back.container.labels[0], "app=web");
	ASSERT_STREQ(bh_event_arg(&back, "flags"), "O_RDONLY|O_CLOEXEC");
	ASSERT_NULL(bh_event_arg(&back, "mode"));
	/* writing it again gives the same line */
	struct buf b2;
	buf_init(&b2, 0);
	ASSERT_OK(bh_event_to_json(&back, &b2));
	ASSERT_STREQ(b2.ptr, b.ptr);
	buf_done(&b);
	buf_done(&b2);
	bh_event_done(&back);
	bh_event_done(&ev);
}

TEST(event_json_bad_input)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{}",
		"{\"type\":\"\"}",
		"{\"type\":\"openat\",\"dir\":\"x\"}",
		"{\"type\":\"openat\",\"res\":\"3\"}",
		"{\"type\":\"openat\",\"proc\":{\"pid\":\"1\"}}",
		"{\"type\":\"openat\",\"proc\":{\"cap_effective\":12}}",
		"{\"type\":\"openat\",\"proc\":{\"ancestors\":[1,2,3,4,5,6,7,8,9]}}",
		"{\"type\":\"openat\",\"fd\":{\"type\":\"ff\"}}",
		"{\"type\":\"openat\",\"fd\":{\"sport\":70000}}",
		"{\"type\":\"openat\",\"args\":{\"a\":1}}",
		/* BH_EV_MAX_ARGS (16) + 1 members */
		("{\"type\":\"openat\",\"args\":{\"a\":\"1\",\"b\":\"\",\"c\":\"\",\"d\":\"\",\"e\":\"\",\"f\":\"\",\"g\":\"\",\"h\":\"\",\"i\":\"\","
		"\"j\":\"\",\"k\":\"\",\"l\":\"\",\"m\":\"\",\"n\":\"\",\"o\":\"\",\"p\":\"\",\"q\":\"\"}}"),
		"{\"type\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	};
	struct bh_limits l = lim();
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct bh_event ev;
		struct bh_diag d = { 0 };
		int r = bh_event_from_json(span_from(bad[i]), &l, "events.jsonl", 5, &ev, &d);
		if (r != -EBADMSG)
			tap_fail(__FILE__, __LINE__, "line %zu: %d, expected -EBADMSG", i, r);
		ASSERT_STREQ(d.source, "events.jsonl");
		ASSERT_EQ(d.line, 5);
	}
}
