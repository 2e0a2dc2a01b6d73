/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-json.c — the sensor's direct JSON writer (src/sensor/json.c) against the reference,
 * bh_event_to_json() (jansson): byte for byte on hand-made events (every field set, every
 * string NULL, control characters, invalid and edge-case UTF-8, duplicate argument names,
 * numbers past INT64_MAX) and on events filled with pseudo-random strings; a buffer too
 * small gives -E2BIG and is left as it was.
 */
#include "common/event.h"
#include "sensor/json.h"
#include "tap.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Both writers, compared; 0 when they agree. */
static int same(const struct bh_event *ev)
{
	struct buf a, b;
	buf_init(&a, 0);
	buf_init(&b, 0);
	int ra = bh_event_to_json(ev, &a), rb = sensor_event_to_json(ev, &b);
	int r = ra == rb && a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len)) ? 0 : -1;
	if (r < 0)
		fprintf(stderr, "# jansson (%d): %s\n# sensor  (%d): %s\n", ra, buf_str(&a), rb,
			buf_str(&b));
	buf_done(&a);
	buf_done(&b);
	return r;
}

static void fill(struct bh_event *ev, const char *s)
{
	bh_event_init(ev);
	ev->ts = UINT64_MAX - 5; /* jansson prints it as a negative json_int_t */
	ev->num = 42;
	memcpy(ev->type, "openat", 7);
	ev->dir = '<';
	ev->res = -13;
	ev->cpu = 3;
	struct bh_ev_proc *p = &ev->proc;
	p->pid = 100;
	p->tid = 101;
	p->ppid = 1;
	p->vpid = 7;
	p->uid = 1000;
	p->gid = UINT32_MAX;
	p->euid = 0;
	p->egid = 5;
	p->loginuid = 1000;
	p->name = dup_or_null(s);
	p->exe = dup_or_null(s);
	p->exepath = dup_or_null("/usr/bin/x");
	p->argc = 3;
	p->argv = calloc(3, sizeof(char *));
	p->argv[0] = dup_or_null(s);
	p->argv[1] = strdup("");
	p->argv[2] = NULL;
	p->cwd = dup_or_null(s);
	p->tty = 34816;
	p->user_name = strdup("root");
	p->cap_permitted = 0x1ffffffffffULL;
	p->cap_effective = 0;
	p->cap_inheritable = UINT64_MAX;
	p->exe_deleted = true;
	p->start_ns = 1234567890123456789ULL;
	p->n_ancestors = 2;
	p->ancestors[0].pid = 1;
	p->ancestors[0].name = strdup("systemd");
	p->ancestors[0].cmdline = dup_or_null(s);
	p->ancestors[1].pid = 0;
	ev->fd.num = 3;
	ev->fd.type = 'f';
	ev->fd.name = dup_or_null(s);
	ev->fd.l4proto = 6;
	ev->fd.cip = strdup("127.0.0.1");
	ev->fd.cport = 65535;
	ev->fd.is_server = true;
	ev->fd.open_flags = 0x80000;
	struct bh_ev_container *c = &ev->container;
	c->id = strdup("host");
	c->image = dup_or_null(s);
	c->privileged = true;
	c->n_labels = 2;
	c->labels = calloc(2, sizeof(char *));
	c->labels[0] = strdup("a=b");
	c->labels[1] = dup_or_null(s);
	ev->n_args = 4;
	ev->args[0].name = strdup("name");
	ev->args[0].value = dup_or_null(s);
	ev->args[1].name = strdup("flags");
	ev->args[1].value = strdup("O_RDONLY");
	ev->args[2].name = strdup("name"); /* replaces args[0] in place */
	ev->args[2].value = strdup("second");
	ev->args[3].name = strdup("x");
	ev->args[3].value = NULL;
}

TEST(empty_event)
{
	struct bh_event ev;
	bh_event_init(&ev);
	ASSERT_OK(same(&ev));
	bh_event_done(&ev);
}

TEST(strings)
{
	static const char *const cases[] = {
	    "plain",
	    "",
	    "quote\" backslash\\ slash/ del\x7f",
	    "\x01\x02\b\f\n\r\t\x1f end",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",	    /* valid 2, 3, 4 bytes */
	    "bad \xff\xfe lead",				    /* invalid leads */
	    "cont \x80\xbf alone",				    /* lone continuation bytes */
	    "over \xc0\xaf \xc1\xbf \xe0\x80\xaf \xf0\x80\x80\xaf", /* overlongs */
	    "surr \xed\xa0\x80 \xed\x9f\xbf",			    /* surrogate, last before it */
	    "max \xf4\x8f\xbf\xbf past \xf4\x90\x80\x80 \xf5\x80\x80\x80",
	    "cut \xe2\x82", /* truncated at the end */
	    "cut \xf0\x9f\x98 mid",
	    "\xc3",
	    "\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80", /* smallest of each length */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bh_event ev;
		fill(&ev, cases[i]);
		ASSERT_OK(same(&ev));
		bh_event_done(&ev);
	}
	struct bh_event ev;
	fill(&ev, NULL);
	ASSERT_OK(same(&ev));
	bh_event_done(&ev);
}

/* xorshift: deterministic strings biased to the bytes that matter */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

TEST(random_strings)
{
	static const unsigned char pool[] = {'a',  '"',	 '\\', '/',  0x01, 0x1f, 0x7f, 0x80,
					     0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f,
					     0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff, ' '};
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	for (int n = 0; n < 3000; n++) {
		char s[48];
		size_t len = rnd(&seed) % (sizeof(s) - 1);
		for (size_t i = 0; i < len; i++)
			s[i] = (char)pool[rnd(&seed) % sizeof(pool)];
		s[len] = '\0';
		struct bh_event ev;
		fill(&ev, s);
		int r = same(&ev);
		bh_event_done(&ev);
		if (r < 0)
			fprintf(stderr, "# random case %d\n", n);
		ASSERT_OK(r);
	}
}

TEST(too_big_leaves_buffer)
{
	struct bh_event ev;
	fill(&ev, "x");
	struct buf b;
	buf_init(&b, 100);
	ASSERT_OK(buf_puts(&b, "kept"));
	ASSERT_ERR(sensor_event_to_json(&ev, &b), -E2BIG);
	ASSERT_STREQ(buf_str(&b), "kept");
	buf_done(&b);
	free(ev.args[1].name);
	ev.args[1].name = NULL;
	buf_init(&b, 0);
	ASSERT_ERR(sensor_event_to_json(&ev, &b), -EINVAL);
	ASSERT_EQ(b.len, 0);
	buf_done(&b);
	bh_event_done(&ev);
}
