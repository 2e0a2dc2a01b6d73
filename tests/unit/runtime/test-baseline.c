/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-baseline.c — the behaviour baseline (src/runtime/baseline*.c, workload.c): learning a
 * small busybox-httpd-like stream, every kind of deviation, the collapse rules, workload
 * identity, export/import round trip, diff, strict import and a flood.
 */
#include <fcntl.h>
#include <stdio.h>

#include "common/event.h"
#include "common/json.h"
#include "runtime/baseline.h"
#include "tap.h"

#define SHA_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define T0    1700000000

static void parse(const char *line, struct bh_event *ev)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	int r = bh_event_from_json(span_from(line), &l, "inline", 1, ev, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "bad test event: %s: %s", d.message, line);
}

static bool learn(struct baseline *b, const char *line, const char *sha)
{
	struct bh_event ev;
	parse(line, &ev);
	bool added = false;
	int r = baseline_learn(b, &ev, sha, &added);
	bh_event_done(&ev);
	ASSERT_OK(r);
	return added;
}

/* Deviations of one event; returns the count, copies the first into first_* */
static size_t check(const struct baseline *b, const char *line, const char *sha,
		    struct baseline_deviation *v)
{
	struct bh_event ev;
	parse(line, &ev);
	size_t n = 0;
	int r = baseline_check(b, &ev, sha, v, BASELINE_MAX_DEVIATIONS, &n);
	bh_event_done(&ev);
	ASSERT_OK(r);
	ASSERT_TRUE(n <= BASELINE_MAX_DEVIATIONS);
	return n;
}

/* The one deviation of type t among v[0..n), or NULL. */
static const struct baseline_deviation *dev_of(const struct baseline_deviation *v, size_t n,
					       enum baseline_type t)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].type == t)
			return &v[i];
	return NULL;
}

/* ---- the httpd workload ------------------------------------------------------------------ */

#define CTR                                                                                        \
	"\"container\":{\"id\":\"4f7c0c2d8e91\",\"name\":\"web-1\",\"image\":\"busybox:1.36\"}"
#define TS(s) "\"ts\":" #s "000000000"

static const char *const httpd_stream[] = {
    "{" TS(1700000000) ",\"type\":\"execve\",\"res\":0,\"proc\":{\"pid\":10,\"exepath\":"
		       "\"/bin/busybox\",\"cwd\":\"/\",\"ancestors\":[{\"pid\":1,\"exepath\":\"/"
		       "bin/sh\"}]}," CTR "}",
    "{" TS(1700000001) ",\"type\":\"socket\",\"res\":3,\"args\":{\"domain\":\"AF_INET\","
		       "\"type\":\"1\",\"proto\":\"0\"}," CTR "}",
    "{" TS(1700000001) ",\"type\":\"bind\",\"res\":0,\"proc\":{\"euid\":0},\"fd\":{\"num\":3,"
		       "\"type\":\"4\",\"l4proto\":6,\"sip\":\"0.0.0.0\",\"sport\":80,\"is_"
		       "server\":true}," CTR "}",
    "{" TS(1700000001) ",\"type\":\"listen\",\"res\":0,\"fd\":{\"num\":3,\"type\":\"4\","
		       "\"l4proto\":6,\"sip\":\"0.0.0.0\",\"sport\":80,\"is_server\":true}," CTR
		       "}",
    "{" TS(1700000002) ",\"type\":\"accept4\",\"res\":4,\"fd\":{\"num\":4,\"type\":\"4\","
		       "\"l4proto\":6,\"cip\":\"10.0.0.9\",\"cport\":40000,\"sip\":\"10.0.0.2\","
		       "\"sport\":80,"
		       "\"is_server\":true}," CTR "}",
    "{" TS(1700000002) ",\"type\":\"openat\",\"res\":5,\"fd\":{\"num\":5,\"type\":\"f\","
		       "\"name\":\"/www/index.html\",\"open_flags\":524288}," CTR "}",
    "{" TS(1700000002) ",\"type\":\"openat\",\"res\":6,\"fd\":{\"num\":6,\"type\":\"f\","
		       "\"name\":\"/tmp/x1234567\",\"open_flags\":524353}," CTR "}",
    "{" TS(1700000003) ",\"type\":\"connect\",\"res\":-115,\"fd\":{\"num\":7,\"type\":\"4\","
		       "\"l4proto\":6,\"cip\":\"10.0.0.2\",\"cport\":50000,\"sip\":\"10.0.0.5\","
		       "\"sport\":5432}," CTR "}",
    "{" TS(1700000003) ",\"type\":\"unlinkat\",\"res\":0,\"proc\":{\"cwd\":\"/tmp/\"},"
		       "\"args\":{\"dirfd\":\"-100\",\"name\":\"x7654321\",\"flags\":\"0x0\"}," CTR
		       "}",
    "{" TS(1700000004) ",\"type\":\"openat\",\"res\":-2,\"fd\":{\"type\":\"f\","
		       "\"name\":\"/etc/nothere\",\"open_flags\":65}," CTR "}",
};

static struct baseline *httpd_baseline(void)
{
	struct baseline *b = NULL;
	int r = baseline_new("container:web@busybox:1.36", BASELINE_LEARN, T0, NULL, &b);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "baseline_new: %d", r);
	for (size_t i = 0; i < ARRAY_SIZE(httpd_stream); i++)
		(void)learn(b, httpd_stream[i], i == 0 ? SHA_A : NULL);
	return b;
}

static bool has(const struct baseline *b, enum baseline_type t, const char *a)
{
	const struct baseline_set *s = &b->sets[t];
	for (size_t i = 0; i < s->n; i++)
		if (streq_ptr(s->v[i].a, a))
			return true;
	return false;
}

TEST(learn_httpd)
{
	_cleanup_(baseline_freep) struct baseline *b = httpd_baseline();
	ASSERT_EQ(b->sets[BASELINE_EXEC].n, 1);
	ASSERT_STREQ(b->sets[BASELINE_EXEC].v[0].a, "/bin/busybox");
	ASSERT_STREQ(b->sets[BASELINE_EXEC].v[0].b, SHA_A);
	ASSERT_EQ(b->sets[BASELINE_EXEC_PAIR].n, 1);
	ASSERT_STREQ(b->sets[BASELINE_EXEC_PAIR].v[0].a, "/bin/sh");
	ASSERT_STREQ(b->sets[BASELINE_EXEC_PAIR].v[0].b, "/bin/busybox");
	ASSERT_EQ(b->sets[BASELINE_LISTEN].n, 1);
	ASSERT_EQ(b->sets[BASELINE_LISTEN].v[0].port, 80);
	ASSERT_TRUE(has(b, BASELINE_FILE_READ, "/www/index.html"));
	/* a generated name under /tmp is "/tmp/\*" at once; the unlink of a relative name
	 * resolves against the cwd and is covered by it */
	ASSERT_EQ(b->sets[BASELINE_FILE_WRITE].n, 1);
	ASSERT_STREQ(b->sets[BASELINE_FILE_WRITE].v[0].a, "/tmp/*");
	ASSERT_EQ(b->sets[BASELINE_PEER].n, 1);
	ASSERT_STREQ(b->sets[BASELINE_PEER].v[0].a, "10.0.0.5");
	ASSERT_TRUE(has(b, BASELINE_CAPABILITY, "CAP_NET_BIND_SERVICE"));
	ASSERT_EQ(b->sets[BASELINE_CAPABILITY].n, 1);
	/* syscalls: failed ones too (a seccomp profile must allow them) */
	static const char *const sc[] = {"accept4", "bind",   "connect", "execve",
					 "listen",  "openat", "socket",	 "unlinkat"};
	ASSERT_EQ(b->sets[BASELINE_SYSCALL].n, ARRAY_SIZE(sc));
	for (size_t i = 0; i < ARRAY_SIZE(sc); i++)
		ASSERT_STREQ(b->sets[BASELINE_SYSCALL].v[i].a, sc[i]);
	/* the failed open of /etc/nothere left no write fact */
	ASSERT_FALSE(has(b, BASELINE_FILE_WRITE, "/etc/nothere"));
	ASSERT_EQ(b->events_learnt, ARRAY_SIZE(httpd_stream));
	ASSERT_EQ(b->last_new_fact, 1700000003);
	ASSERT_TRUE(baseline_stable(b, 1700000003 + 60, 60));
	ASSERT_FALSE(baseline_stable(b, 1700000003 + 59, 60));
	for (size_t t = 0; t < _BASELINE_TYPE_MAX; t++)
		ASSERT_EQ(b->sets[t].overflow, 0);
}

TEST(benign_repeats)
{
	_cleanup_(baseline_freep) struct baseline *b = httpd_baseline();
	uint64_t v = b->version;
	struct baseline_deviation d[BASELINE_MAX_DEVIATIONS];
	for (size_t i = 0; i < ARRAY_SIZE(httpd_stream); i++) {
		size_t n = check(b, httpd_stream[i], i == 0 ? SHA_A : NULL, d);
		if (n)
			tap_fail(__FILE__, __LINE__, "event %zu: %s", i, d[0].message);
		ASSERT_FALSE(learn(b, httpd_stream[i], i == 0 ? SHA_A : NULL));
	}
	ASSERT_EQ(b->version, v);
	/* another generated temp file, another client, a hash-less exec (replay) */
	ASSERT_EQ(check(b,
			"{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":"
			"\"/tmp/sess_9f8e7d6c5b4a\",\"open_flags\":577}}",
			NULL, d),
		  0);
	ASSERT_EQ(check(b,
			"{\"type\":\"execve\",\"res\":0,\"proc\":{\"exepath\":\"/bin/busybox\","
			"\"ancestors\":[{\"exepath\":\"/bin/sh\"}]}}",
			NULL, d),
		  0);
	/* normal reads are not deviations */
	ASSERT_EQ(check(b,
			"{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":"
			"\"/www/other.html\",\"open_flags\":0}}",
			NULL, d),
		  0);
}

TEST(deviations)
{
	_cleanup_(baseline_freep) struct baseline *b = httpd_baseline();
	struct baseline_deviation d[BASELINE_MAX_DEVIATIONS];
	const struct baseline_deviation *x;
	size_t n;

	/* a new binary: exec, exec pair (same parent), and nothing else */
	n = check(b,
		  "{\"type\":\"execve\",\"res\":0,\"proc\":{\"exepath\":\"/usr/bin/wget\","
		  "\"ancestors\":[{\"exepath\":\"/bin/busybox\"}]}}",
		  NULL, d);
	ASSERT_EQ(n, 2);
	x = dev_of(d, n, BASELINE_EXEC);
	ASSERT_NOT_NULL(x);
	ASSERT_EQ(x->kind, BASELINE_DEV_NEW);
	ASSERT_STREQ(x->fact, "/usr/bin/wget");
	ASSERT_STREQ(x->nearest, "/bin/busybox " SHA_A);
	ASSERT_TRUE(strstr(x->message, "'/usr/bin/wget'") != NULL);
	x = dev_of(d, n, BASELINE_EXEC_PAIR);
	ASSERT_NOT_NULL(x);
	ASSERT_STREQ(x->fact, "/bin/busybox -> /usr/bin/wget");
	ASSERT_STREQ(x->nearest, "/bin/sh -> /bin/busybox");
	baseline_deviations_done(d, n);

	/* the known binary with another hash */
	n = check(b,
		  "{\"type\":\"execve\",\"res\":0,\"proc\":{\"exepath\":\"/bin/busybox\","
		  "\"ancestors\":[{\"exepath\":\"/bin/sh\"}]}}",
		  SHA_B, d);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(d[0].type, BASELINE_EXEC);
	ASSERT_EQ(d[0].kind, BASELINE_DEV_CHANGED);
	ASSERT_STREQ(d[0].fact, "/bin/busybox " SHA_B);
	ASSERT_STREQ(d[0].nearest, "/bin/busybox " SHA_A);
	ASSERT_TRUE(strstr(d[0].message, "binary changed") != NULL);
	baseline_deviations_done(d, n);

	/* a new exec pair only */
	n = check(b,
		  "{\"type\":\"execve\",\"res\":0,\"proc\":{\"exepath\":\"/bin/busybox\","
		  "\"ancestors\":[{\"exepath\":\"/bin/busybox\"}]}}",
		  SHA_A, d);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(d[0].type, BASELINE_EXEC_PAIR);
	ASSERT_STREQ(d[0].nearest, "/bin/sh -> /bin/busybox");
	baseline_deviations_done(d, n);

	/* write to /etc/passwd (O_WRONLY|O_APPEND) */
	n = check(b,
		  "{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":"
		  "\"/etc/passwd\",\"open_flags\":1025}}",
		  NULL, d);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(d[0].type, BASELINE_FILE_WRITE);
	ASSERT_STREQ(d[0].fact, "/etc/passwd");
	ASSERT_STREQ(d[0].nearest, "/tmp/*");
	baseline_deviations_done(d, n);

	/* a rename into /etc: both ends are writes; /tmp/… is covered */
	n = check(b,
		  "{\"type\":\"rename\",\"res\":0,\"args\":{\"oldpath\":\"/tmp/abc12345678\","
		  "\"newpath\":\"/etc/cron.d/x\"}}",
		  NULL, d);
	ASSERT_EQ(n, 2);
	ASSERT_STREQ(dev_of(d, n, BASELINE_FILE_WRITE)->fact, "/etc/cron.d/x");
	ASSERT_STREQ(dev_of(d, n, BASELINE_SYSCALL)->fact, "rename");
	baseline_deviations_done(d, n);

	/* sensitive read */
	n = check(b,
		  "{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":"
		  "\"/etc/shadow\",\"open_flags\":524288}}",
		  NULL, d);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(d[0].type, BASELINE_SENSITIVE_READ);
	ASSERT_STREQ(d[0].fact, "/etc/shadow");
	ASSERT_NULL(d[0].nearest); /* no sensitive read was learnt */
	baseline_deviations_done(d, n);

	/* /proc/PID/environ of another process: the pid is "*" */
	n = check(b,
		  "{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":"
		  "\"/proc/4242/environ\",\"open_flags\":0}}",
		  NULL, d);
	ASSERT_EQ(n, 1);
	ASSERT_STREQ(d[0].fact, "/proc/*/environ");
	baseline_deviations_done(d, n);

	/* a new peer: same port, other address is the nearest */
	n = check(b,
		  "{\"type\":\"connect\",\"res\":0,\"fd\":{\"type\":\"4\",\"l4proto\":6,"
		  "\"sip\":\"203.0.113.7\",\"sport\":5432}}",
		  NULL, d);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(d[0].type, BASELINE_PEER);
	ASSERT_STREQ(d[0].fact, "tcp/203.0.113.7:5432");
	ASSERT_STREQ(d[0].nearest, "tcp/10.0.0.5:5432");
	baseline_deviations_done(d, n);

	/* IPv6 peer and an IPv4-mapped one (the latter is the known IPv4 peer) */
	n = check(b,
		  "{\"type\":\"connect\",\"res\":0,\"fd\":{\"type\":\"6\",\"l4proto\":17,"
		  "\"sip\":\"2001:db8::1\",\"sport\":53}}",
		  NULL, d);
	ASSERT_EQ(n, 1);
	ASSERT_STREQ(d[0].fact, "udp/[2001:db8::1]:53");
	baseline_deviations_done(d, n);
	ASSERT_EQ(check(b,
			"{\"type\":\"connect\",\"res\":0,\"fd\":{\"type\":\"6\",\"l4proto\":6,"
			"\"sip\":\"::ffff:10.0.0.5\",\"sport\":5432}}",
			NULL, d),
		  0);

	/* a new listening port: listen fact; below 1024 the capability is known */
	n = check(b,
		  "{\"type\":\"bind\",\"res\":0,\"fd\":{\"type\":\"4\",\"l4proto\":6,"
		  "\"sip\":\"0.0.0.0\",\"sport\":8080,\"is_server\":true}}",
		  NULL, d);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(d[0].type, BASELINE_LISTEN);
	ASSERT_STREQ(d[0].fact, "tcp/8080");
	ASSERT_STREQ(d[0].nearest, "tcp/80");
	ASSERT_TRUE(strstr(d[0].message, "tcp/8080") != NULL);
	baseline_deviations_done(d, n);

	/* failed syscalls of known types are nothing; a new syscall is a deviation */
	ASSERT_EQ(check(b,
			"{\"type\":\"connect\",\"res\":-111,\"fd\":{\"type\":\"4\",\"l4proto\":6,"
			"\"sip\":\"198.51.100.1\",\"sport\":25}}",
			NULL, d),
		  0);
	n = check(b,
		  "{\"type\":\"ptrace\",\"res\":0,\"args\":{\"request\":\"PTRACE_ATTACH\","
		  "\"pid\":\"7\"}}",
		  NULL, d);
	ASSERT_EQ(n, 2);
	ASSERT_STREQ(dev_of(d, n, BASELINE_SYSCALL)->fact, "ptrace");
	ASSERT_STREQ(dev_of(d, n, BASELINE_CAPABILITY)->fact, "CAP_SYS_PTRACE");
	ASSERT_STREQ(dev_of(d, n, BASELINE_CAPABILITY)->nearest, "CAP_NET_BIND_SERVICE");
	baseline_deviations_done(d, n);

	/* a malformed digest is the caller's error */
	struct bh_event ev;
	parse(httpd_stream[0], &ev);
	size_t m;
	ASSERT_ERR(baseline_check(b, &ev, "sha256:xyz", d, 8, &m), -EINVAL);
	ASSERT_ERR(baseline_learn(b, &ev, "md5:00", NULL), -EINVAL);
	bh_event_done(&ev);
}

TEST(check_truncates_at_max)
{
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	ASSERT_OK(baseline_new("w", BASELINE_MONITOR, T0, NULL, &b));
	struct bh_event ev;
	parse("{\"type\":\"execve\",\"res\":0,\"proc\":{\"exepath\":\"/bin/sh\",\"ancestors\":"
	      "[{\"exepath\":\"/bin/init\"}]}}",
	      &ev);
	struct baseline_deviation d[1];
	size_t n = 0;
	ASSERT_OK(baseline_check(b, &ev, NULL, d, 1, &n));
	ASSERT_EQ(n, 3); /* syscall, exec, exec_pair: only the first was kept */
	ASSERT_NOT_NULL(d[0].message);
	ASSERT_NULL(d[0].nearest);
	baseline_deviations_done(d, 1);
	bh_event_done(&ev);
}

/* ---- capabilities ------------------------------------------------------------------------ */

static size_t caps_of(const char *line, char *out, size_t size)
{
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	int r = baseline_new("w", BASELINE_LEARN, T0, NULL, &b);
	ASSERT_OK(r);
	(void)learn(b, line, NULL);
	const struct baseline_set *s = &b->sets[BASELINE_CAPABILITY];
	out[0] = '\0';
	if (s->n)
		(void)xsnprintf(out, size, "%s", s->v[0].a);
	return s->n;
}

TEST(capability_mapping)
{
	char c[64];
	static const struct {
		const char *ev, *cap;
	} cases[] = {
	    {"{\"type\":\"chown\",\"res\":0,\"proc\":{\"euid\":0},\"args\":{\"path\":\"/a/b\","
	     "\"uid\":\"33\",\"gid\":\"-1\"}}",
	     "CAP_CHOWN"},
	    {"{\"type\":\"chown\",\"res\":0,\"proc\":{\"euid\":33,\"egid\":33},\"args\":"
	     "{\"path\":\"/a/b\",\"uid\":\"33\",\"gid\":\"33\"}}",
	     NULL},
	    {"{\"type\":\"setuid\",\"res\":0,\"args\":{\"uid\":\"1000\"}}", "CAP_SETUID"},
	    {"{\"type\":\"setresgid\",\"res\":0,\"args\":{\"rgid\":\"-1\",\"egid\":\"5\","
	     "\"sgid\":\"-1\"}}",
	     "CAP_SETGID"},
	    {"{\"type\":\"setresuid\",\"res\":0,\"args\":{\"ruid\":\"-1\",\"euid\":\"-1\","
	     "\"suid\":\"-1\"}}",
	     NULL},
	    {"{\"type\":\"mount\",\"res\":0,\"args\":{\"dev\":\"x\",\"dir\":\"/mnt\"}}",
	     "CAP_SYS_ADMIN"},
	    {"{\"type\":\"unshare\",\"res\":0,\"args\":{\"flags\":\"0x20000\"}}", "CAP_SYS_ADMIN"},
	    {"{\"type\":\"unshare\",\"res\":0,\"args\":{\"flags\":\"0x10020000\"}}", NULL},
	    {"{\"type\":\"setns\",\"res\":0,\"args\":{\"fd\":\"3\",\"nstype\":\"0x0\"}}",
	     "CAP_SYS_ADMIN"},
	    {"{\"type\":\"ptrace\",\"res\":0,\"args\":{\"request\":\"PTRACE_SEIZE\"}}",
	     "CAP_SYS_PTRACE"},
	    {"{\"type\":\"ptrace\",\"res\":0,\"args\":{\"request\":\"PTRACE_TRACEME\"}}", NULL},
	    {"{\"type\":\"finit_module\",\"res\":0,\"args\":{\"fd\":\"3\"}}", "CAP_SYS_MODULE"},
	    {"{\"type\":\"socket\",\"res\":3,\"args\":{\"domain\":\"AF_INET\",\"type\":\"3\","
	     "\"proto\":\"1\"}}",
	     "CAP_NET_RAW"},
	    {"{\"type\":\"socket\",\"res\":3,\"args\":{\"domain\":\"AF_PACKET\",\"type\":\"2\","
	     "\"proto\":\"0\"}}",
	     "CAP_NET_RAW"},
	    {"{\"type\":\"socket\",\"res\":3,\"args\":{\"domain\":\"AF_INET\",\"type\":\"526337\","
	     "\"proto\":\"0\"}}",
	     NULL}, /* SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC */
	    {"{\"type\":\"bpf\",\"res\":3,\"args\":{\"cmd\":\"5\"}}", "CAP_BPF"},
	    {"{\"type\":\"bind\",\"res\":0,\"proc\":{\"euid\":1000},\"fd\":{\"type\":\"6\","
	     "\"l4proto\":17,\"sip\":\"::\",\"sport\":53,\"is_server\":true}}",
	     "CAP_NET_BIND_SERVICE"},
	    {"{\"type\":\"bind\",\"res\":0,\"fd\":{\"type\":\"4\",\"l4proto\":6,\"sip\":"
	     "\"0.0.0.0\",\"sport\":1024,\"is_server\":true}}",
	     NULL},
	    /* failed: nothing was used */
	    {"{\"type\":\"mount\",\"res\":-1,\"args\":{\"dev\":\"x\",\"dir\":\"/mnt\"}}", NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = caps_of(cases[i].ev, c, sizeof(c));
		if (cases[i].cap) {
			if (n != 1 || !streq(c, cases[i].cap))
				tap_fail(__FILE__, __LINE__, "case %zu: %zu caps '%s', expected %s",
					 i, n, c, cases[i].cap);
		} else if (n != 0)
			tap_fail(__FILE__, __LINE__, "case %zu: unexpected %s", i, c);
	}
}

/* ---- file_write collapse ---------------------------------------------------------------- */

static bool write_path(struct baseline *b, const char *path)
{
	char line[8192];
	(void)xsnprintf(line, sizeof(line),
			"{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":\"%s\","
			"\"open_flags\":577}}",
			path);
	return learn(b, line, NULL);
}

static char *writes_joined(const struct baseline *b)
{
	struct buf o;
	buf_init(&o, 0);
	const struct baseline_set *s = &b->sets[BASELINE_FILE_WRITE];
	for (size_t i = 0; i < s->n; i++)
		ASSERT_OK(buf_printf(&o, "%s%s", i ? " " : "", s->v[i].a));
	return buf_take(&o);
}

TEST(collapse_count_rule)
{
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	ASSERT_OK(baseline_new("w", BASELINE_LEARN, T0, NULL, &b));
	char p[64];
	for (int i = 0; i < 8; i++) {
		(void)xsnprintf(p, sizeof(p), "/var/cache/app/f%c.dat", 'a' + i);
		ASSERT_TRUE(write_path(b, p));
	}
	ASSERT_EQ(b->sets[BASELINE_FILE_WRITE].n, 8); /* 8 = the limit: still exact */
	ASSERT_TRUE(write_path(b, "/var/cache/app/zz.dat"));
	_cleanup_free_ char *j = writes_joined(b);
	ASSERT_STREQ(j, "/var/cache/app/*");
	ASSERT_FALSE(write_path(b, "/var/cache/app/new.dat"));
	ASSERT_TRUE(baseline_contains(b, BASELINE_FILE_WRITE,
				      &(struct baseline_fact){.a = (char *)"/var/cache/app/q"}));
	ASSERT_FALSE(baseline_contains(b, BASELINE_FILE_WRITE,
				       &(struct baseline_fact){.a = (char *)"/var/cache/app/q/r"}));
	/* a new subdirectory below a collapsed one is "*" at once */
	ASSERT_TRUE(write_path(b, "/var/cache/app/sub/log"));
	free(j);
	j = writes_joined(b);
	ASSERT_STREQ(j, "/var/cache/app/* /var/cache/app/*/log");
}

TEST(collapse_double_star)
{
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	ASSERT_OK(baseline_new("w", BASELINE_LEARN, T0, NULL, &b));
	char p[64];
	/* 9 subdirectories with 9 files each: the subdirectories collapse, then their
	 * entries: "/srv/data/\*\*" */
	for (int i = 0; i < 9; i++)
		for (int k = 0; k < 9; k++) {
			(void)xsnprintf(p, sizeof(p), "/srv/data/d%c/f%c", 'a' + i, 'a' + k);
			(void)write_path(b, p);
		}
	_cleanup_free_ char *j = writes_joined(b);
	ASSERT_STREQ(j, "/srv/data/**");
	ASSERT_TRUE(baseline_contains(b, BASELINE_FILE_WRITE,
				      &(struct baseline_fact){.a = (char *)"/srv/data/x/y/z"}));
	ASSERT_FALSE(baseline_contains(b, BASELINE_FILE_WRITE,
				       &(struct baseline_fact){.a = (char *)"/srv/data"}));
	ASSERT_FALSE(baseline_contains(b, BASELINE_FILE_WRITE,
				       &(struct baseline_fact){.a = (char *)"/srv/other"}));
}

TEST(collapse_generated_and_protected)
{
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	ASSERT_OK(baseline_new("w", BASELINE_LEARN, T0, NULL, &b));
	/* generated names: hex run, digit run, mktemp-style mixed case */
	ASSERT_TRUE(write_path(b, "/var/lib/app/3f2a9c1d7e.tmp"));
	ASSERT_FALSE(write_path(b, "/var/lib/app/20240101.log"));
	ASSERT_TRUE(write_path(b, "/run/lock/tmp.aB3xYz"));
	/* a generated directory in the middle */
	ASSERT_TRUE(write_path(b, "/tmp/tmp.Q7rT2k/out.txt"));
	_cleanup_free_ char *j = writes_joined(b);
	ASSERT_STREQ(j, "/run/lock/* /tmp/*/out.txt /var/lib/app/*");
	/* shallow directories never collapse: /etc keeps exact names even past the limit,
	 * and a generated-looking name directly in /etc stays exact */
	char p[64];
	for (int i = 0; i < 12; i++) {
		(void)xsnprintf(p, sizeof(p), "/etc/conf%c", 'a' + i);
		ASSERT_TRUE(write_path(b, p));
	}
	ASSERT_TRUE(write_path(b, "/etc/deadbeef0123"));
	ASSERT_FALSE(baseline_contains(b, BASELINE_FILE_WRITE,
				       &(struct baseline_fact){.a = (char *)"/etc/passwd"}));
	/* /proc pids */
	ASSERT_TRUE(write_path(b, "/proc/123/oom_score_adj"));
	ASSERT_FALSE(write_path(b, "/proc/456/oom_score_adj"));
	ASSERT_TRUE(has(b, BASELINE_FILE_WRITE, "/proc/*/oom_score_adj"));
	/* lexical normalisation */
	ASSERT_FALSE(write_path(b, "/etc/./x/../confa"));
}

TEST(path_match)
{
	ASSERT_TRUE(baseline_path_match("/etc/sudoers.d/**", "/etc/sudoers.d/a"));
	ASSERT_TRUE(baseline_path_match("/etc/sudoers.d/**", "/etc/sudoers.d/a/b"));
	ASSERT_FALSE(baseline_path_match("/etc/sudoers.d/**", "/etc/sudoers.d"));
	ASSERT_TRUE(baseline_path_match("/home/*/.ssh/**", "/home/bob/.ssh/id_rsa"));
	ASSERT_FALSE(baseline_path_match("/home/*/.ssh/**", "/home/.ssh/id_rsa"));
	ASSERT_TRUE(baseline_path_match("/etc/ssh/ssh_host_*_key", "/etc/ssh/ssh_host_rsa_key"));
	ASSERT_FALSE(
	    baseline_path_match("/etc/ssh/ssh_host_*_key", "/etc/ssh/ssh_host_rsa_key.pub"));
	ASSERT_TRUE(baseline_path_match("/tmp/*", "/tmp/x"));
	ASSERT_FALSE(baseline_path_match("/tmp/*", "/tmp/x/y"));
	ASSERT_TRUE(baseline_path_match("/a/*b*c", "/a/xbyc"));
	ASSERT_FALSE(baseline_path_match("/a/*b*c", "/a/xbyd"));
	ASSERT_TRUE(baseline_path_match("/", "/"));
	ASSERT_FALSE(baseline_path_match("tmp/*", "tmp/x"));
}

TEST(sensitive_configurable)
{
	static const char *const pats[] = {"/data/keys/**"};
	struct baseline_config cfg;
	baseline_config_default(&cfg);
	cfg.sensitive = pats;
	cfg.n_sensitive = 1;
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	ASSERT_OK(baseline_new("w", BASELINE_LEARN, T0, &cfg, &b));
	(void)learn(b,
		    "{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":"
		    "\"/data/keys/k1\",\"open_flags\":2}}",
		    NULL); /* O_RDWR: read and write */
	ASSERT_TRUE(has(b, BASELINE_SENSITIVE_READ, "/data/keys/k1"));
	ASSERT_TRUE(has(b, BASELINE_FILE_WRITE, "/data/keys/k1"));
	ASSERT_FALSE(has(b, BASELINE_FILE_READ, "/data/keys/k1"));
	struct baseline_deviation d[BASELINE_MAX_DEVIATIONS];
	/* /etc/shadow is not in this list */
	ASSERT_EQ(check(b,
			"{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":"
			"\"/etc/shadow\",\"open_flags\":0}}",
			NULL, d),
		  0);
	size_t n = check(b,
			 "{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":"
			 "\"/data/keys/k2\",\"open_flags\":0}}",
			 NULL, d);
	ASSERT_EQ(n, 1);
	ASSERT_STREQ(d[0].nearest, "/data/keys/k1");
	baseline_deviations_done(d, n);
	static const char *const bad1[] = {"relative/**"}, *const bad2[] = {"/a/**/b"};
	struct baseline *x = NULL;
	cfg.sensitive = bad1;
	ASSERT_ERR(baseline_new("w", BASELINE_LEARN, T0, &cfg, &x), -EINVAL);
	cfg.sensitive = bad2;
	ASSERT_ERR(baseline_new("w", BASELINE_LEARN, T0, &cfg, &x), -EINVAL);
}

TEST(peer_collapse_per_port)
{
	struct baseline_config cfg;
	baseline_config_default(&cfg);
	cfg.limits.peer_port_max = 4;
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	ASSERT_OK(baseline_new("w", BASELINE_LEARN, T0, &cfg, &b));
	char line[256];
	for (int i = 1; i <= 5; i++) {
		(void)xsnprintf(
		    line, sizeof(line),
		    "{\"type\":\"connect\",\"res\":0,\"fd\":{\"type\":\"4\",\"l4proto\":6,"
		    "\"sip\":\"10.1.0.%d\",\"sport\":443}}",
		    i);
		ASSERT_TRUE(learn(b, line, NULL));
	}
	ASSERT_EQ(b->sets[BASELINE_PEER].n, 1);
	ASSERT_STREQ(b->sets[BASELINE_PEER].v[0].a, "*");
	struct buf o;
	buf_init(&o, 0);
	ASSERT_OK(baseline_fact_format(BASELINE_PEER, &b->sets[BASELINE_PEER].v[0], &o));
	ASSERT_STREQ(buf_str(&o), "tcp/*:443");
	buf_done(&o);
	struct baseline_deviation d[BASELINE_MAX_DEVIATIONS];
	ASSERT_EQ(check(b,
			"{\"type\":\"connect\",\"res\":0,\"fd\":{\"type\":\"4\",\"l4proto\":6,"
			"\"sip\":\"192.0.2.1\",\"sport\":443}}",
			NULL, d),
		  0);
	size_t n = check(b,
			 "{\"type\":\"connect\",\"res\":0,\"fd\":{\"type\":\"4\",\"l4proto\":17,"
			 "\"sip\":\"192.0.2.1\",\"sport\":443}}",
			 NULL, d);
	ASSERT_EQ(n, 1); /* udp is another protocol */
	baseline_deviations_done(d, n);
}

TEST(exec_hash_limit_and_syscalls)
{
	struct baseline_config cfg;
	baseline_config_default(&cfg);
	cfg.limits.exec_hash_max = 1;
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	ASSERT_OK(baseline_new("w", BASELINE_LEARN, T0, &cfg, &b));
	const char *ev = "{\"type\":\"execve\",\"res\":0,\"proc\":{\"exepath\":\"/app/run\"}}";
	ASSERT_TRUE(learn(b, ev, SHA_A));
	ASSERT_FALSE(learn(b, ev, SHA_B)); /* over exec_hash_max: counted */
	ASSERT_EQ(b->sets[BASELINE_EXEC].overflow, 1);
	ASSERT_TRUE(learn(b, ev, NULL)); /* the path without a hash is its own fact */

	static const char *const names[] = {"read", "write", "Bad-Name", "futex"};
	bool added = false;
	ASSERT_OK(baseline_add_syscalls(b, names, 4, T0 + 9, &added));
	ASSERT_TRUE(added);
	ASSERT_TRUE(has(b, BASELINE_SYSCALL, "futex"));
	ASSERT_FALSE(has(b, BASELINE_SYSCALL, "Bad-Name"));
	ASSERT_EQ(b->last_new_fact, T0 + 9);
	static const char *const later[] = {"read", "ptrace", "mount"};
	struct baseline_deviation d[2];
	size_t n = 0;
	ASSERT_OK(baseline_check_syscalls(b, later, 3, d, 2, &n));
	ASSERT_EQ(n, 2);
	ASSERT_STREQ(d[0].fact, "ptrace");
	ASSERT_STREQ(d[1].fact, "mount");
	baseline_deviations_done(d, n);
}

/* ---- workload identity ------------------------------------------------------------------ */

static char *wl(const char *container_json, const struct baseline_workload_opts *o, int *ret_r)
{
	char line[2048];
	(void)xsnprintf(line, sizeof(line), "{\"type\":\"openat\",\"container\":%s}",
			container_json);
	struct bh_event ev;
	parse(line, &ev);
	char *s = NULL;
	*ret_r = baseline_workload_of(&ev, o, &s);
	bh_event_done(&ev);
	return s;
}

TEST(k8s_owner)
{
	static const char *const cases[][2] = {
	    {"web-7d4b9c8f6-x2x9z", "web"},
	    {"my-api-server-5f7b8d9c4d-abcde", "my-api-server-5f7b8d9c4d-abcde"}, /* a, e */
	    {"my-api-server-5f7b8d9c4d-2bcdf", "my-api-server"},
	    {"db-0", "db"},
	    {"kafka-12", "kafka"},
	    {"fluentd-x2x9z", "fluentd"},
	    {"node-exporter-7xk2p", "node-exporter"},
	    {"backup-28391520-x2x9z", "backup"},
	    {"nginx", "nginx"},
	    {"-0", "-0"},
	    {"a-", "a-"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *o = baseline_k8s_owner(cases[i][0]);
		ASSERT_STREQ(o, cases[i][1]);
	}
}

TEST(workload_identity)
{
	int r;
	char *s;
	s = wl("{\"id\":\"4f7c0c2d8e91\",\"name\":\"x\",\"image\":\"nginx:1.25\",\"image_digest\":"
	       "\"sha256:"
	       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
	       "\"k8s_ns\":\"prod\",\"k8s_pod\":\"web-7d4b9c8f6-x2x9z\"}",
	       NULL, &r);
	ASSERT_OK(r);
	ASSERT_STREQ(s, "k8s:prod/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef"
			"0123456789abcdef");
	free(s);
	s = wl("{\"id\":\"4f7c0c2d8e91\",\"image\":\"postgres:16\",\"k8s_ns\":\"data\","
	       "\"k8s_pod\":\"db-2\"}",
	       NULL, &r);
	ASSERT_STREQ(s, "k8s:data/db@postgres:16");
	free(s);
	s = wl("{\"id\":\"4f7c0c2d8e91\",\"name\":\"web-1\",\"image\":\"nginx:1.25\"}", NULL, &r);
	ASSERT_STREQ(s, "container:web@nginx:1.25");
	free(s);
	s = wl("{\"id\":\"4f7c0c2d8e91\",\"name\":\"proj_worker_3\",\"image\":\"w:1\"}", NULL, &r);
	ASSERT_STREQ(s, "container:proj_worker@w:1");
	free(s);
	s = wl("{\"id\":\"4f7c0c2d8e91\",\"name\":\"cache.2\"}", NULL, &r);
	ASSERT_STREQ(s, "container:cache");
	free(s);
	s = wl("{\"id\":\"4f7c0c2d8e91\",\"image\":\"redis:7\"}", NULL, &r);
	ASSERT_STREQ(s, "image:redis:7");
	free(s);
	s = wl("{\"id\":\"4f7c0c2d8e91\"}", NULL, &r);
	ASSERT_ERR(r, -ENOENT);
	ASSERT_NULL(s);
	/* host: skipped by default, the workload "host" when asked */
	s = wl("{\"id\":\"host\"}", NULL, &r);
	ASSERT_ERR(r, -ENOENT);
	s = wl("{\"id\":null}", NULL, &r);
	ASSERT_ERR(r, -ENOENT);
	struct baseline_workload_opts o;
	ASSERT_OK(baseline_workload_opts_init(&o, NULL, BASELINE_HOST_WORKLOAD));
	s = wl("{\"id\":\"host\"}", &o, &r);
	ASSERT_STREQ(s, "host");
	free(s);
	baseline_workload_opts_done(&o);
	/* a custom pattern: the group is the owner; no match = the whole name */
	ASSERT_OK(baseline_workload_opts_init(&o, "^app-([a-z]+)-v[0-9]+$", BASELINE_HOST_SKIP));
	s = wl("{\"id\":\"4f7c0c2d8e91\",\"name\":\"app-billing-v12\",\"image\":\"b:2\"}", &o, &r);
	ASSERT_STREQ(s, "container:billing@b:2");
	free(s);
	s = wl("{\"id\":\"4f7c0c2d8e91\",\"name\":\"web-1\"}", &o, &r);
	ASSERT_STREQ(s, "container:web-1");
	free(s);
	s = wl("{\"id\":\"host\"}", &o, &r);
	ASSERT_ERR(r, -ENOENT);
	baseline_workload_opts_done(&o);
	ASSERT_ERR(baseline_workload_opts_init(&o, "^(a)(b)$", BASELINE_HOST_SKIP), -EINVAL);
	baseline_workload_opts_done(&o);
	ASSERT_ERR(baseline_workload_opts_init(&o, "^(a$", BASELINE_HOST_SKIP), -EINVAL);
	baseline_workload_opts_done(&o);
}

/* ---- JSON ------------------------------------------------------------------------------- */

TEST(export_import_round_trip)
{
	_cleanup_(baseline_freep) struct baseline *b = httpd_baseline();
	(void)learn(b,
		    "{" TS(1700000009) ",\"type\":\"connect\",\"res\":0,\"fd\":{\"type\":\"6\","
				       "\"l4proto\":17,\"sip\":\"2001:db8::53\",\"sport\":53}}",
		    NULL);
	(void)learn(b,
		    "{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":"
		    "\"/etc/shadow\",\"open_flags\":0}}",
		    NULL);
	b->sets[BASELINE_FILE_READ].overflow = 7;
	baseline_set_mode(b, BASELINE_MONITOR, 1700000100);
	struct buf one, two;
	buf_init(&one, 0);
	buf_init(&two, 0);
	ASSERT_OK(baseline_export(b, &one));
	ASSERT_TRUE(strstr(buf_str(&one), "\"schema\": \"bulkhead.baseline/v1\"") != NULL);
	ASSERT_TRUE(strstr(buf_str(&one), "\"path\": \"/tmp/*\"") != NULL);
	ASSERT_TRUE(strstr(buf_str(&one), "\"file_read\": 7") != NULL);
	ASSERT_TRUE(strstr(buf_str(&one), "\"mode\": \"monitor\"") != NULL);
	struct baseline *c = NULL;
	struct bh_diag d = {0};
	ASSERT_OK(baseline_import(buf_span(&one), NULL, NULL, "one.json", &c, &d));
	ASSERT_OK(baseline_export(c, &two));
	ASSERT_STREQ(buf_str(&two), buf_str(&one));
	ASSERT_EQ(c->version, b->version);
	ASSERT_EQ(c->mode, BASELINE_MONITOR);
	ASSERT_EQ(c->sets[BASELINE_EXEC].n, 1);
	/* the imported baseline checks like the original */
	struct baseline_deviation dv[BASELINE_MAX_DEVIATIONS];
	for (size_t i = 0; i < ARRAY_SIZE(httpd_stream); i++)
		ASSERT_EQ(check(c, httpd_stream[i], i == 0 ? SHA_A : NULL, dv), 0);
	baseline_free(c);
	buf_done(&one);
	buf_done(&two);
}

TEST(diff)
{
	_cleanup_(baseline_freep) struct baseline *a = httpd_baseline();
	_cleanup_(baseline_freep) struct baseline *b = httpd_baseline();
	(void)learn(b, "{\"type\":\"execve\",\"res\":0,\"proc\":{\"exepath\":\"/usr/bin/curl\"}}",
		    NULL);
	_cleanup_(baseline_diff_freep) struct baseline_diff *d = NULL;
	ASSERT_OK(baseline_diff(a, b, &d));
	ASSERT_EQ(d->n_added, 1);
	ASSERT_EQ(d->n_removed, 0);
	struct buf t;
	buf_init(&t, 0);
	ASSERT_OK(baseline_diff_to_text(d, &t));
	ASSERT_STREQ(buf_str(&t), "+ exec /usr/bin/curl\n");
	buf_clear(&t);
	baseline_diff_free(d);
	d = NULL;
	ASSERT_OK(baseline_diff(b, a, &d));
	ASSERT_OK(baseline_diff_to_text(d, &t));
	ASSERT_STREQ(buf_str(&t), "- exec /usr/bin/curl\n");
	_cleanup_json_ json_t *j = NULL;
	ASSERT_OK(baseline_diff_to_json(d, &j));
	ASSERT_STREQ(bh_json_str(j, "schema"), BASELINE_DIFF_SCHEMA);
	json_t *rm = json_array_get(json_object_get(bh_json_obj(j, "removed"), "exec"), 0);
	ASSERT_STREQ(bh_json_str(rm, "path"), "/usr/bin/curl");
	ASSERT_EQ(json_array_size(json_object_get(bh_json_obj(j, "added"), "exec")), 0);
	buf_done(&t);
}

/* A valid document with one member replaced by text (after "\"facts\": {"). */
#define DOC_HEAD                                                                                   \
	"{\"schema\":\"bulkhead.baseline/v1\",\"workload\":\"container:web\",\"version\":3,"       \
	"\"mode\":\"learn\",\"created\":\"2023-11-14T22:13:20Z\",\"updated\":"                     \
	"\"2023-11-14T22:13:25Z\",\"learning\":{\"started\":\"2023-11-14T22:13:20Z\","             \
	"\"last_new_fact\":null,\"events\":5},"
#define DOC(facts, overflow) DOC_HEAD "\"facts\":{" facts "},\"overflow\":{" overflow "}}"

static int import_str(const char *s, struct bh_diag *d)
{
	struct baseline *b = NULL;
	*d = (struct bh_diag){0};
	int r = baseline_import(span_from(s), NULL, NULL, "bad.json", &b, d);
	baseline_free(b);
	return r;
}

TEST(import_accepts_minimal)
{
	struct bh_diag d;
	ASSERT_OK(import_str(DOC("", ""), &d));
	ASSERT_OK(
	    import_str(DOC("\"exec\":[{\"path\":\"/bin/sh\",\"sha256\":\"" SHA_A "\"},"
			   "{\"path\":\"/bin/sh\"}],\"peer\":[{\"proto\":\"udp\",\"address\":"
			   "\"*\",\"port\":53},{\"proto\":\"tcp\",\"address\":\"::1\",\"port\":"
			   "5432,\"name\":\"db.local\"}],\"file_write\":[{\"path\":\"/tmp/**\"}]",
			   "\"peer\":2"),
		       &d));
}

TEST(import_rejects)
{
	static const struct {
		const char *doc, *msg;
	} cases[] = {
	    {"[]", "not a JSON object"},
	    {"{\"schema\":\"bulkhead.baseline/v2\"}", "schema"},
	    {"{\"schema\":\"bulkhead.baseline/v1\",\"extra\":1}", "unknown member 'extra'"},
	    {"{\"schema\":\"bulkhead.baseline/v1\"}", "missing member 'workload'"},
	    {DOC("\"bogus\":[]", ""), "unknown fact type 'bogus'"},
	    {DOC("", "\"bogus\":1"), "unknown fact type 'bogus'"},
	    {DOC("", "\"exec\":-1"), "non-negative"},
	    {DOC("\"exec\":{}", ""), "facts.exec: not an array"},
	    {DOC("\"exec\":[\"/bin/sh\"]", ""), "facts.exec[0]: not an object"},
	    {DOC("\"exec\":[{\"path\":\"bin/sh\"}]", ""), "facts.exec[0]: not an absolute path"},
	    {DOC("\"exec\":[{\"path\":\"/bin/../sh\"}]", ""), "'.' or '..'"},
	    {DOC("\"exec\":[{\"path\":\"/bin//sh\"}]", ""), "empty path component"},
	    {DOC("\"exec\":[{\"path\":\"/bin/sh\",\"sha256\":\"sha256:12\"}]", ""), "sha256"},
	    {DOC("\"exec\":[{\"path\":\"/bin/sh\",\"hash\":\"x\"}]", ""), "unknown member 'hash'"},
	    {DOC("\"exec\":[{\"path\":5}]", ""), "'path' is not a string"},
	    {DOC("\"exec_pair\":[{\"parent\":\"/bin/sh\"}]", ""), "missing member 'child'"},
	    {DOC("\"file_write\":[{\"path\":\"/a/**/b\"}]", ""), "'**' before the last"},
	    {DOC("\"listen\":[{\"proto\":\"tcp\",\"port\":65536}]", ""),
	     "facts.listen[0]: port 65536 is not in 1-65535"},
	    {DOC("\"listen\":[{\"proto\":\"tcp\",\"port\":0}]", ""), "port is not in 1-65535"},
	    {DOC("\"listen\":[{\"proto\":\"sctp\",\"port\":80}]", ""), "not tcp or udp"},
	    {DOC("\"listen\":[{\"proto\":\"tcp\",\"port\":\"80\"}]", ""),
	     "'port' is not an integer"},
	    {DOC("\"peer\":[{\"proto\":\"tcp\",\"address\":\"010.0.0.1\",\"port\":1}]", ""),
	     "canonical"},
	    {DOC("\"peer\":[{\"proto\":\"tcp\",\"address\":\"::ffff:10.0.0.1\",\"port\":1}]", ""),
	     "canonical"},
	    {DOC("\"peer\":[{\"proto\":\"tcp\",\"address\":\"2001:DB8::1\",\"port\":1}]", ""),
	     "canonical"},
	    {DOC("\"peer\":[{\"proto\":\"tcp\",\"address\":\"1.2.3.4\",\"port\":1,\"name\":"
		 "\"a b\"}]",
		 ""),
	     "DNS name"},
	    {DOC("\"syscall\":[{\"name\":\"Open\"}]", ""), "not a syscall name"},
	    {DOC("\"capability\":[{\"name\":\"CAP_EVERYTHING\"}]", ""), "not a capability"},
	    {DOC("\"syscall\":[{\"name\":\"read\"},{\"name\":\"read\"}]", ""),
	     "facts.syscall[1]: duplicate fact"},
	    {DOC("\"exec\":[{\"path\":\"/bin/sh\",\"sha256\":\"" SHA_A "\"},{\"path\":\"/bin/sh\","
		 "\"sha256\":\"" SHA_B "\"},{\"path\":\"/bin/sh\",\"sha256\":\"sha256:"
		 "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"},{\"path\":"
		 "\"/bin/sh\",\"sha256\":\"sha256:"
		 "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\"},{\"path\":"
		 "\"/bin/sh\",\"sha256\":\"sha256:"
		 "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"}]",
		 ""),
	     "more than 4 sha256"},
	    {DOC_HEAD "\"facts\":{},\"overflow\":{},\"version\":1}", "duplicate"},
	    {"{\"schema\":\"bulkhead.baseline/v1\",\"workload\":\"w\",\"version\":0,\"mode\":"
	     "\"learn\",\"created\":\"2023-11-14T22:13:20Z\",\"updated\":\"2023-11-14T22:13:20Z\","
	     "\"learning\":{\"started\":null,\"last_new_fact\":null,\"events\":0},\"facts\":{},"
	     "\"overflow\":{}}",
	     "'version' is not an integer"},
	    {"{\"schema\":\"bulkhead.baseline/v1\",\"workload\":\"w\",\"version\":1,\"mode\":"
	     "\"watch\",\"created\":\"2023-11-14T22:13:20Z\",\"updated\":\"2023-11-14T22:13:20Z\","
	     "\"learning\":{\"started\":null,\"last_new_fact\":null,\"events\":0},\"facts\":{},"
	     "\"overflow\":{}}",
	     "mode: 'watch'"},
	    {"{\"schema\":\"bulkhead.baseline/v1\",\"workload\":\"w\",\"version\":1,\"mode\":"
	     "\"learn\",\"created\":\"2023-02-30T22:13:20Z\",\"updated\":\"2023-11-14T22:13:20Z\","
	     "\"learning\":{\"started\":null,\"last_new_fact\":null,\"events\":0},\"facts\":{},"
	     "\"overflow\":{}}",
	     "'created' is not a time"},
	    {"{\"schema\":\"bulkhead.baseline/v1\",\"workload\":\"\",\"version\":1,\"mode\":"
	     "\"learn\",\"created\":\"2023-11-14T22:13:20Z\",\"updated\":\"2023-11-14T22:13:20Z\","
	     "\"learning\":{\"started\":null,\"last_new_fact\":null,\"events\":0},\"facts\":{},"
	     "\"overflow\":{}}",
	     "workload: empty"},
	    {"{\"schema\":\"bulkhead.baseline/v1\",\"workload\":\"w\",\"version\":1,\"mode\":"
	     "\"learn\",\"created\":\"2023-11-14T22:13:20Z\",\"updated\":\"2023-11-14T22:13:20Z\","
	     "\"learning\":{\"started\":null,\"events\":0},\"facts\":{},"
	     "\"overflow\":{}}",
	     "learning: missing member 'last_new_fact'"},
	    {"{\"schema\":", ""},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bh_diag d;
		int r = import_str(cases[i].doc, &d);
		if (r != -EBADMSG)
			tap_fail(__FILE__, __LINE__, "case %zu: %d, expected -EBADMSG", i, r);
		char line[1200];
		bh_diag_format(&d, line, sizeof(line));
		if (!strstr(line, cases[i].msg) || strncmp(line, "bad.json", 8) != 0)
			tap_fail(__FILE__, __LINE__, "case %zu: diag '%s' lacks '%s'", i, line,
				 cases[i].msg);
	}
}

TEST(import_limits)
{
	struct baseline_config cfg;
	baseline_config_default(&cfg);
	cfg.limits.max_facts[BASELINE_SYSCALL] = 1;
	struct baseline *b = NULL;
	struct bh_diag d = {0};
	const char *doc = DOC("\"syscall\":[{\"name\":\"read\"},{\"name\":\"write\"}]", "");
	ASSERT_ERR(baseline_import(span_from(doc), &cfg, NULL, "lim.json", &b, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "more than the limit 1") != NULL);
	cfg.limits.max_facts[BASELINE_SYSCALL] = 4096;
	cfg.limits.peer_port_max = 1;
	doc = DOC("\"peer\":[{\"proto\":\"tcp\",\"address\":\"10.0.0.1\",\"port\":80},"
		  "{\"proto\":\"tcp\",\"address\":\"10.0.0.2\",\"port\":80}]",
		  "");
	ASSERT_ERR(baseline_import(span_from(doc), &cfg, NULL, "lim.json", &b, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "more than 1 addresses on tcp port 80") != NULL);
	ASSERT_NULL(b);
}

/* ---- flood ------------------------------------------------------------------------------ */

TEST(flood_is_bounded)
{
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	ASSERT_OK(baseline_new("w", BASELINE_LEARN, T0, NULL, &b));
	char line[512];
	/* 100k distinct reads, 100k distinct writes in a two-level tree, 100k peers */
	for (int i = 0; i < 100000; i++) {
		(void)xsnprintf(line, sizeof(line),
				"{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":"
				"\"/usr/share/doc/pkg%d/file%d\",\"open_flags\":0}}",
				i / 7, i);
		(void)learn(b, line, NULL);
		(void)xsnprintf(line, sizeof(line),
				"{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":"
				"\"/srv/data/u%d/f%d\",\"open_flags\":65}}",
				i % 1000, i);
		(void)learn(b, line, NULL);
		(void)xsnprintf(
		    line, sizeof(line),
		    "{\"type\":\"connect\",\"res\":0,\"fd\":{\"type\":\"4\",\"l4proto\":6,"
		    "\"sip\":\"10.%d.%d.%d\",\"sport\":%d}}",
		    (i >> 16) & 255, (i >> 8) & 255, i & 255, 1 + i % 20000);
		(void)learn(b, line, NULL);
	}
	const struct baseline_set *r = &b->sets[BASELINE_FILE_READ];
	ASSERT_EQ(r->n, b->limits.max_facts[BASELINE_FILE_READ]);
	ASSERT_EQ(r->overflow, 100000 - r->n);
	ASSERT_EQ(b->sets[BASELINE_PEER].n, b->limits.max_facts[BASELINE_PEER]);
	ASSERT_EQ(b->sets[BASELINE_PEER].overflow, 100000 - b->sets[BASELINE_PEER].n);
	/* the writes collapsed into one pattern */
	_cleanup_free_ char *j = writes_joined(b);
	ASSERT_STREQ(j, "/srv/data/**");
	ASSERT_TRUE(b->bytes <= b->limits.max_bytes);
	/* the export says so */
	struct buf o;
	buf_init(&o, 0);
	ASSERT_OK(baseline_export(b, &o));
	char want[64];
	(void)xsnprintf(want, sizeof(want), "\"file_read\": %zu", 100000 - r->n);
	ASSERT_TRUE(strstr(buf_str(&o), want) != NULL);
	buf_done(&o);
}

TEST(byte_limit)
{
	struct baseline_config cfg;
	baseline_config_default(&cfg);
	cfg.limits.max_bytes = 100;
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	ASSERT_OK(baseline_new("w", BASELINE_LEARN, T0, &cfg, &b));
	char line[512];
	for (int i = 0; i < 50; i++) {
		(void)xsnprintf(line, sizeof(line),
				"{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":"
				"\"/lib/libx%02d.so\",\"open_flags\":0}}",
				i);
		(void)learn(b, line, NULL);
	}
	ASSERT_TRUE(b->bytes <= 100);
	ASSERT_TRUE(b->sets[BASELINE_FILE_READ].overflow > 0);
	/* a path longer than path_max is never stored */
	char longp[1200];
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	uint64_t before = b->sets[BASELINE_FILE_READ].overflow;
	(void)xsnprintf(line, sizeof(line), "%s", "");
	struct buf l;
	buf_init(&l, 0);
	ASSERT_OK(buf_printf(&l,
			     "{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":"
			     "\"%s\",\"open_flags\":0}}",
			     longp));
	(void)learn(b, buf_str(&l), NULL);
	ASSERT_EQ(b->sets[BASELINE_FILE_READ].overflow, before + 1);
	buf_done(&l);
}

TEST(names)
{
	for (int t = 0; t < _BASELINE_TYPE_MAX; t++)
		ASSERT_EQ(baseline_type_from_name(baseline_type_name(t)), t);
	for (int m = 0; m < _BASELINE_MODE_MAX; m++)
		ASSERT_EQ(baseline_mode_from_name(baseline_mode_name(m)), m);
	ASSERT_ERR(baseline_type_from_name("x"), -EINVAL);
	ASSERT_NULL(baseline_type_name(_BASELINE_TYPE_MAX));
	struct baseline *b = NULL;
	ASSERT_ERR(baseline_new("", BASELINE_LEARN, T0, NULL, &b), -EINVAL);
	ASSERT_OK(baseline_new("w", BASELINE_MONITOR, T0, NULL, &b));
	ASSERT_EQ(b->learning_started, 0);
	baseline_set_mode(b, BASELINE_LEARN, T0 + 5);
	ASSERT_EQ(b->learning_started, T0 + 5);
	ASSERT_FALSE(baseline_stable(b, T0 + 1000, 10)); /* nothing learnt yet */
	baseline_free(b);
}

TEST(fuzz_seed_documents)
{
	/* the fuzz corpus' valid seeds import (so the fuzzer starts past the parser) */
	static const char *const ok[] = {"full.json", "empty.json"};
	static const char *const bad[] = {"bad-port.json", "duplicate.json", "bad-schema.json",
					  "bad-path.json"};
	char rel[256];
	for (size_t i = 0; i < ARRAY_SIZE(ok) + ARRAY_SIZE(bad); i++) {
		bool good = i < ARRAY_SIZE(ok);
		(void)xsnprintf(rel, sizeof(rel), "tests/fuzz/corpus/baseline-import/%s",
				good ? ok[i] : bad[i - ARRAY_SIZE(ok)]);
		size_t len = 0;
		_cleanup_free_ char *text = tap_read_file(tap_src_path(rel), &len);
		ASSERT_NOT_NULL(text);
		struct baseline *b = NULL;
		struct bh_diag d = {0};
		int r = baseline_import(span_make(text, len), NULL, NULL, rel, &b, &d);
		if (good && r < 0)
			tap_fail(__FILE__, __LINE__, "%s: %s", rel, d.message);
		if (!good)
			ASSERT_ERR(r, -EBADMSG);
		baseline_free(b);
	}
}
