/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-decode.c — the ring-buffer record decoder (src/sensor/decode.c) over hand-made
 * records: exec, exit, fork and syscall records as the BPF side writes them, and malformed
 * ones (short, wrong version or type, strings outside the blob, bad components, unknown
 * syscalls, out-of-range fields), each rejected and counted under its reason. Also the
 * syscall table's consistency with the flags the BPF side acts on, open-flag rendering and
 * --events parsing.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "sensor/decode.h"
#include "sensor/sensor.h"
#include "sensor/syscalls.h"
#include "tap.h"

/* A record under construction: fixed part then blob, in one buffer. */
struct rec {
	uint8_t buf[BH_REC_MAX];
	size_t fixed, len;
};

static void rec_start(struct rec *r, size_t fixed, uint16_t type)
{
	memset(r, 0, sizeof(*r));
	r->fixed = r->len = fixed;
	struct bh_rec_hdr *h = (void *)r->buf;
	h->version = BH_ABI_VERSION;
	h->type = type;
	h->ts = 1000;
	h->pid = 4242;
	h->tid = 4243;
	h->ppid = 1;
	h->uid = 1000;
	h->gid = 1000;
	h->euid = 0;
	h->egid = 0;
	h->loginuid = UINT32_MAX;
	h->vpid = 7;
	h->cpu = 1;
	h->cap_effective = 0x1ff;
	memcpy(h->comm, "catcatcatcatcatc", 16); /* full 16 bytes, no NUL */
}

/* Append bytes to the blob; returns its descriptor. */
static struct bh_rec_str rec_put(struct rec *r, const void *p, size_t n)
{
	struct bh_rec_str s = {(uint16_t)(r->len - r->fixed), (uint16_t)n};
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	return s;
}

static struct bh_rec_str rec_text(struct rec *r, const char *s)
{
	struct bh_rec_str d = rec_put(r, s, strlen(s) + 1);
	d.len--; /* the NUL is written but not counted, as bpf_probe_read_str leaves it */
	return d;
}

static size_t rec_finish(struct rec *r)
{
	((struct bh_rec_hdr *)r->buf)->size = (uint32_t)r->len;
	return r->len;
}

#define COMPONENTS(lit) rec_put(&r, lit, sizeof(lit) - 1)

static size_t make_exec(struct rec *rp)
{
	struct rec r;
	rec_start(&r, sizeof(struct bh_rec_exec), BH_REC_EXEC);
	struct bh_rec_exec x;
	memcpy(&x, r.buf, sizeof(x));
	x.argv = COMPONENTS("ls\0-l\0a b\0");
	x.filename = rec_text(&r, "/bin/ls");
	x.exepath = COMPONENTS("ls\0bin\0usr\0");
	x.exepath_flags = BH_STR_COMPONENTS;
	x.cwd = COMPONENTS("x\0tmp\0");
	x.cwd_flags = BH_STR_COMPONENTS;
	x.n_ancestors = 2;
	x.anc[0].pid = 100;
	memcpy(x.anc[0].comm, "bash", 5);
	x.anc[1].pid = 1;
	memcpy(x.anc[1].comm, "init", 5);
	x.flags = BH_EXEC_DELETED;
	memcpy(r.buf, &x, sizeof(x));
	rec_finish(&r);
	*rp = r;
	return r.len;
}

TEST(exec_record)
{
	static struct rec r;
	size_t len = make_exec(&r);
	struct sensor_decoder d = {.boot_to_epoch_ns = 1000000};
	struct bh_event ev;
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_STREQ(ev.type, "execve");
	ASSERT_EQ(ev.dir, '<');
	ASSERT_EQ(ev.ts, 1001000);
	ASSERT_EQ(ev.num, 1);
	ASSERT_EQ(ev.cpu, 1);
	ASSERT_EQ(ev.proc.pid, 4242);
	ASSERT_EQ(ev.proc.tid, 4243);
	ASSERT_EQ(ev.proc.vpid, 7);
	ASSERT_EQ(ev.proc.uid, 1000);
	ASSERT_EQ(ev.proc.loginuid, UINT32_MAX);
	ASSERT_EQ(ev.proc.cap_effective, 0x1ff);
	ASSERT_STREQ(ev.proc.name, "catcatcatcatcatc");
	ASSERT_STREQ(ev.proc.exe, "ls");
	ASSERT_EQ(ev.proc.argc, 2);
	ASSERT_STREQ(ev.proc.argv[0], "-l");
	ASSERT_STREQ(ev.proc.argv[1], "a b");
	ASSERT_STREQ(ev.proc.exepath, "/usr/bin/ls");
	ASSERT_STREQ(ev.proc.cwd, "/tmp/x/");
	ASSERT_TRUE(ev.proc.exe_deleted);
	ASSERT_FALSE(ev.proc.exe_from_memfd);
	ASSERT_FALSE(ev.proc.exe_upper_layer);
	ASSERT_EQ(ev.proc.n_ancestors, 2);
	ASSERT_EQ(ev.proc.ancestors[0].pid, 100);
	ASSERT_STREQ(ev.proc.ancestors[0].name, "bash");
	ASSERT_STREQ(ev.proc.ancestors[1].name, "init");
	ASSERT_STREQ(bh_event_arg(&ev, "filename"), "/bin/ls");
	bh_event_done(&ev);
	ASSERT_EQ(d.decoded, 1);
	ASSERT_EQ(sensor_decoder_bad_total(&d), 0);

	/* the same record again, at an odd address: records need not be aligned */
	static uint8_t odd[BH_REC_MAX + 1];
	memcpy(odd + 1, r.buf, len);
	ASSERT_OK(sensor_decode(&d, odd + 1, len, &ev));
	ASSERT_EQ(ev.num, 2);
	bh_event_done(&ev);
}

TEST(exec_paths_root_truncated_empty_argv)
{
	struct rec r;
	rec_start(&r, sizeof(struct bh_rec_exec), BH_REC_EXEC);
	struct bh_rec_exec x;
	memcpy(&x, r.buf, sizeof(x));
	x.filename = rec_text(&r, "./a.out");
	x.exepath = COMPONENTS("a.out\0deep\0");
	x.exepath_flags = BH_STR_COMPONENTS | BH_STR_TRUNCATED;
	x.cwd_flags = BH_STR_COMPONENTS; /* no components: the root */
	x.flags = BH_EXEC_MEMFD | BH_EXEC_UPPER;
	memcpy(r.buf, &x, sizeof(x));
	size_t len = rec_finish(&r);
	struct sensor_decoder d = {0};
	struct bh_event ev;
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_STREQ(ev.proc.exepath, "<truncated>/deep/a.out");
	ASSERT_STREQ(ev.proc.cwd, "/");
	ASSERT_STREQ(ev.proc.exe, "./a.out"); /* no argv: the file name */
	ASSERT_EQ(ev.proc.argc, 0);
	ASSERT_TRUE(ev.proc.exe_from_memfd);
	ASSERT_TRUE(ev.proc.exe_upper_layer);
	ASSERT_FALSE(ev.proc.exe_deleted);
	bh_event_done(&ev);
}

TEST(exit_and_fork)
{
	struct rec r;
	rec_start(&r, sizeof(struct bh_rec_exit), BH_REC_EXIT);
	struct bh_rec_exit x;
	memcpy(&x, r.buf, sizeof(x));
	x.exit_code = (3 << 8) | 0x80 | 9;
	memcpy(r.buf, &x, sizeof(x));
	size_t len = rec_finish(&r);
	struct sensor_decoder d = {0};
	struct bh_event ev;
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_STREQ(ev.type, "procexit");
	ASSERT_STREQ(bh_event_arg(&ev, "ret"), "3");
	ASSERT_STREQ(bh_event_arg(&ev, "sig"), "9");
	ASSERT_STREQ(bh_event_arg(&ev, "core"), "1");
	bh_event_done(&ev);

	rec_start(&r, sizeof(struct bh_rec_fork), BH_REC_FORK);
	struct bh_rec_fork f;
	memcpy(&f, r.buf, sizeof(f));
	f.child_pid = 4242;
	f.child_tid = 5000;
	f.is_thread = 1;
	memcpy(r.buf, &f, sizeof(f));
	len = rec_finish(&r);
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_STREQ(ev.type, "clone");
	ASSERT_EQ(ev.res, 5000);
	ASSERT_STREQ(bh_event_arg(&ev, "is_thread"), "true");
	bh_event_done(&ev);
}

static void sc_start(struct rec *r, struct bh_rec_syscall *x, uint32_t nr, uint16_t kind,
		     int64_t ret)
{
	rec_start(r, sizeof(*x), BH_REC_SYSCALL);
	memcpy(x, r->buf, sizeof(*x));
	x->nr = nr;
	x->kind = kind;
	x->ret = ret;
	x->fd = UINT32_MAX;
}

static size_t sc_finish(struct rec *r, const struct bh_rec_syscall *x)
{
	memcpy(r->buf, x, sizeof(*x));
	return rec_finish(r);
}

TEST(openat_ok_and_failed)
{
	struct rec r;
	struct bh_rec_syscall x;
	sc_start(&r, &x, SYS_openat, BH_KIND_OPEN, 3);
	x.args[0] = (uint64_t)(int64_t)AT_FDCWD;
	x.args[2] = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	x.args[3] = 0644;
	x.str[0] = rec_text(&r, "shadow");
	x.path = COMPONENTS("shadow\0etc\0");
	x.path_flags = BH_STR_COMPONENTS;
	x.fd = 3;
	x.fd_kind = BH_FDK_FILE;
	size_t len = sc_finish(&r, &x);
	struct sensor_decoder d = {0};
	struct bh_event ev;
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_STREQ(ev.type, "openat");
	ASSERT_EQ(ev.res, 3);
	ASSERT_EQ(ev.fd.num, 3);
	ASSERT_EQ(ev.fd.type, 'f');
	ASSERT_STREQ(ev.fd.name, "/etc/shadow");
	ASSERT_EQ(ev.fd.open_flags, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
	ASSERT_STREQ(bh_event_arg(&ev, "dirfd"), "-100");
	ASSERT_STREQ(bh_event_arg(&ev, "name"), "shadow");
	ASSERT_STREQ(bh_event_arg(&ev, "flags"), "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC");
	ASSERT_STREQ(bh_event_arg(&ev, "mode"), "0644");
	bh_event_done(&ev);

	/* failed: no file; fd.name is the absolute name asked for */
	sc_start(&r, &x, SYS_openat, BH_KIND_OPEN, -ENOENT);
	x.args[0] = (uint64_t)(int64_t)AT_FDCWD;
	x.str[0] = rec_text(&r, "/nonexistent");
	len = sc_finish(&r, &x);
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_EQ(ev.res, -ENOENT);
	ASSERT_EQ(ev.fd.num, -1);
	ASSERT_STREQ(ev.fd.name, "/nonexistent");
	ASSERT_STREQ(bh_event_arg(&ev, "flags"), "O_RDONLY");
	ASSERT_STREQ(bh_event_arg(&ev, "mode"), "0");
	bh_event_done(&ev);

	/* failed with a relative name: fd.name unknown */
	sc_start(&r, &x, SYS_openat, BH_KIND_OPEN, -EACCES);
	x.str[0] = rec_text(&r, "rel/x");
	len = sc_finish(&r, &x);
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_NULL(ev.fd.name);
	bh_event_done(&ev);
}

TEST(connect_ipv4_ipv6_unix)
{
	struct rec r;
	struct bh_rec_syscall x;
	sc_start(&r, &x, SYS_connect, BH_KIND_CONNECT, 0);
	x.args[0] = 5;
	x.fd = 5;
	x.fd_kind = BH_FDK_SOCK;
	x.sk_family = AF_INET;
	x.sk_type = SOCK_STREAM;
	x.sk_proto = IPPROTO_TCP;
	x.sk_lport = 40000;
	x.sk_rport = 443;
	inet_pton(AF_INET, "10.0.0.1", x.sk_laddr);
	inet_pton(AF_INET, "93.184.216.34", x.sk_raddr);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(443)};
	inet_pton(AF_INET, "93.184.216.34", &sin.sin_addr);
	x.sockaddr = rec_put(&r, &sin, sizeof(sin));
	size_t len = sc_finish(&r, &x);
	struct sensor_decoder d = {0};
	struct bh_event ev;
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_EQ(ev.fd.type, '4');
	ASSERT_EQ(ev.fd.l4proto, IPPROTO_TCP);
	ASSERT_STREQ(ev.fd.name, "10.0.0.1:40000->93.184.216.34:443");
	ASSERT_STREQ(ev.fd.cip, "10.0.0.1");
	ASSERT_STREQ(ev.fd.sip, "93.184.216.34");
	ASSERT_EQ(ev.fd.cport, 40000);
	ASSERT_EQ(ev.fd.sport, 443);
	ASSERT_FALSE(ev.fd.is_server);
	bh_event_done(&ev);

	/* IPv6, the socket not readable (remote side from the sockaddr) */
	sc_start(&r, &x, SYS_connect, BH_KIND_CONNECT, -EINPROGRESS);
	x.args[0] = 6;
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(8080)};
	inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
	x.sockaddr = rec_put(&r, &s6, sizeof(s6));
	len = sc_finish(&r, &x);
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_EQ(ev.fd.num, 6);
	ASSERT_EQ(ev.fd.type, '6');
	ASSERT_STREQ(ev.fd.name, "[::]:0->[2001:db8::1]:8080");
	ASSERT_STREQ(ev.fd.sip, "2001:db8::1");
	bh_event_done(&ev);

	/* unix, abstract namespace */
	sc_start(&r, &x, SYS_connect, BH_KIND_CONNECT, 0);
	x.fd_kind = BH_FDK_SOCK;
	x.sk_family = AF_UNIX;
	x.fd = 7;
	uint8_t sun[2 + 8] = {AF_UNIX, 0, 0, 'd', 'b', 'u', 's', 0, 0, 0};
	x.sockaddr = rec_put(&r, sun, sizeof(sun));
	len = sc_finish(&r, &x);
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_EQ(ev.fd.type, 'u');
	ASSERT_STREQ(ev.fd.name, "@dbus");
	bh_event_done(&ev);
}

TEST(accept_is_server)
{
	struct rec r;
	struct bh_rec_syscall x;
	sc_start(&r, &x, SYS_accept4, BH_KIND_ACCEPT, 9);
	x.fd = 9;
	x.fd_kind = BH_FDK_SOCK;
	x.sk_family = AF_INET;
	x.sk_type = SOCK_STREAM;
	x.sk_lport = 80;
	x.sk_rport = 51000;
	inet_pton(AF_INET, "127.0.0.1", x.sk_laddr);
	inet_pton(AF_INET, "127.0.0.2", x.sk_raddr);
	size_t len = sc_finish(&r, &x);
	struct sensor_decoder d = {0};
	struct bh_event ev;
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_TRUE(ev.fd.is_server);
	ASSERT_STREQ(ev.fd.name, "127.0.0.2:51000->127.0.0.1:80");
	ASSERT_STREQ(ev.fd.cip, "127.0.0.2");
	ASSERT_EQ(ev.fd.sport, 80);
	ASSERT_EQ(ev.fd.l4proto, IPPROTO_TCP);
	bh_event_done(&ev);
}

TEST(generic_syscalls)
{
	struct rec r;
	struct bh_rec_syscall x;
	sc_start(&r, &x, SYS_symlinkat, BH_KIND_LINK, 0);
	x.str[0] = rec_text(&r, "/etc/passwd");
	x.args[1] = (uint64_t)(int64_t)AT_FDCWD;
	x.str[1] = rec_text(&r, "link");
	size_t len = sc_finish(&r, &x);
	struct sensor_decoder d = {0};
	struct bh_event ev;
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_STREQ(ev.type, "symlinkat");
	ASSERT_STREQ(bh_event_arg(&ev, "target"), "/etc/passwd");
	ASSERT_STREQ(bh_event_arg(&ev, "linkpath"), "link");
	ASSERT_EQ(ev.fd.num, -1);
	bh_event_done(&ev);

	sc_start(&r, &x, SYS_setuid, BH_KIND_SETID, -EPERM);
	x.args[0] = 0;
	len = sc_finish(&r, &x);
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_STREQ(ev.type, "setuid");
	ASSERT_STREQ(bh_event_arg(&ev, "uid"), "0");
	ASSERT_EQ(ev.res, -EPERM);
	bh_event_done(&ev);

	sc_start(&r, &x, SYS_memfd_create, BH_KIND_MEMFD, 4);
	x.str[0] = rec_text(&r, "payload");
	x.fd = 4;
	x.fd_kind = BH_FDK_FILE;
	len = sc_finish(&r, &x);
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_EQ(ev.fd.type, 'm');
	ASSERT_STREQ(bh_event_arg(&ev, "name"), "payload");
	bh_event_done(&ev);
}

/* Decode must fail with -EBADMSG and count one record under reason why. */
static void expect_bad(const void *rec, size_t len, enum sensor_bad why)
{
	struct sensor_decoder d = {0};
	struct bh_event ev;
	ASSERT_ERR(sensor_decode(&d, rec, len, &ev), -EBADMSG);
	ASSERT_EQ(d.bad[why], 1);
	ASSERT_EQ(sensor_decoder_bad_total(&d), 1);
	ASSERT_EQ(d.decoded, 0);
	ASSERT_EQ(ev.n_args, 0); /* nothing left behind */
	ASSERT_NULL(ev.proc.name);
	bh_event_done(&ev);
}

TEST(malformed_header)
{
	static struct rec r;
	size_t len = make_exec(&r);
	struct bh_rec_hdr *h = (void *)r.buf;
	expect_bad(r.buf, 0, SENSOR_BAD_SHORT);
	expect_bad(r.buf, sizeof(*h) - 1, SENSOR_BAD_SHORT);
	expect_bad(r.buf, len - 1, SENSOR_BAD_SHORT); /* hdr.size says more than we got */
	h->size = sizeof(*h) - 8;
	expect_bad(r.buf, len, SENSOR_BAD_SHORT);
	h->size = sizeof(*h) + 8; /* a header, but not an exec's fixed part */
	expect_bad(r.buf, len, SENSOR_BAD_SHORT);
	h->size = (uint32_t)len;
	h->version = BH_ABI_VERSION + 1;
	expect_bad(r.buf, len, SENSOR_BAD_VERSION);
	h->version = BH_ABI_VERSION;
	h->type = 0;
	expect_bad(r.buf, len, SENSOR_BAD_TYPE);
	h->type = _BH_REC_MAX;
	expect_bad(r.buf, len, SENSOR_BAD_TYPE);
}

TEST(malformed_strings)
{
	static struct rec r;
	size_t len = make_exec(&r);
	struct bh_rec_exec x, orig;
	memcpy(&orig, r.buf, sizeof(orig));

	x = orig; /* string past the blob */
	x.cwd.len = 60000;
	memcpy(r.buf, &x, sizeof(x));
	expect_bad(r.buf, len, SENSOR_BAD_STRING);
	x = orig; /* offset past the blob */
	x.filename.off = 0xffff;
	memcpy(r.buf, &x, sizeof(x));
	expect_bad(r.buf, len, SENSOR_BAD_STRING);
	x = orig; /* components without their final NUL */
	x.exepath.len--;
	memcpy(r.buf, &x, sizeof(x));
	expect_bad(r.buf, len, SENSOR_BAD_STRING);
	x = orig; /* a path string not marked as components */
	x.exepath_flags = 0;
	memcpy(r.buf, &x, sizeof(x));
	expect_bad(r.buf, len, SENSOR_BAD_STRING);
	x = orig; /* a plain string with a NUL inside: filename spans into exepath */
	x.filename.len = (uint16_t)(x.filename.len + 3);
	memcpy(r.buf, &x, sizeof(x));
	expect_bad(r.buf, len, SENSOR_BAD_STRING);
	x = orig; /* too many ancestors */
	x.n_ancestors = BH_MAX_ANCESTORS + 1;
	memcpy(r.buf, &x, sizeof(x));
	expect_bad(r.buf, len, SENSOR_BAD_FIELD);

	/* an empty component and a component with '/' */
	struct rec q;
	rec_start(&q, sizeof(struct bh_rec_exec), BH_REC_EXEC);
	struct bh_rec_exec y;
	memcpy(&y, q.buf, sizeof(y));
	y.exepath = rec_put(&q, "ls\0\0usr\0", 8);
	y.exepath_flags = BH_STR_COMPONENTS;
	y.cwd_flags = BH_STR_COMPONENTS;
	memcpy(q.buf, &y, sizeof(y));
	len = rec_finish(&q);
	expect_bad(q.buf, len, SENSOR_BAD_STRING);
	rec_start(&q, sizeof(struct bh_rec_exec), BH_REC_EXEC);
	memcpy(&y, q.buf, sizeof(y));
	y.exepath = rec_put(&q, "l/s\0usr\0", 8);
	y.exepath_flags = BH_STR_COMPONENTS;
	y.cwd_flags = BH_STR_COMPONENTS;
	memcpy(q.buf, &y, sizeof(y));
	len = rec_finish(&q);
	expect_bad(q.buf, len, SENSOR_BAD_STRING);
}

TEST(malformed_syscall)
{
	struct rec r;
	struct bh_rec_syscall x;
	sc_start(&r, &x, 0xfffff, BH_KIND_OPEN, 0); /* not in the table */
	size_t len = sc_finish(&r, &x);
	expect_bad(r.buf, len, SENSOR_BAD_SYSCALL);
	sc_start(&r, &x, SYS_openat, BH_KIND_CONNECT, 0); /* kind disagrees with the table */
	len = sc_finish(&r, &x);
	expect_bad(r.buf, len, SENSOR_BAD_SYSCALL);
	sc_start(&r, &x, SYS_openat, BH_KIND_OPEN, 0);
	x.fd_kind = 99;
	len = sc_finish(&r, &x);
	expect_bad(r.buf, len, SENSOR_BAD_FIELD);
	sc_start(&r, &x, SYS_openat, BH_KIND_OPEN, 3);
	x.path = (struct bh_rec_str){0, 10}; /* nothing in the blob */
	x.path_flags = BH_STR_COMPONENTS;
	len = sc_finish(&r, &x);
	expect_bad(r.buf, len, SENSOR_BAD_STRING);
	sc_start(&r, &x, SYS_connect, BH_KIND_CONNECT, 0);
	x.sockaddr = (struct bh_rec_str){4, 16};
	len = sc_finish(&r, &x);
	expect_bad(r.buf, len, SENSOR_BAD_STRING);
}

/* The decoder and the BPF side agree on which arguments are strings. */
TEST(syscall_table_consistent)
{
	const struct sensor_syscall *sc;
	size_t n = 0;
	for (size_t i = 0; (sc = sensor_syscall_at(i)); i++, n++) {
		uint16_t str_bits = 0;
		unsigned nstr = 0;
		for (size_t a = 0; a < 6 && sc->args[a].name; a++)
			if (sc->args[a].fmt == SENSOR_ARG_STR) {
				ASSERT_TRUE(a < 5);
				str_bits |= (uint16_t)(1u << a);
				nstr++;
			}
		if ((sc->flags & 0x1f) != str_bits)
			tap_fail(__FILE__, __LINE__, "%s: string flags 0x%x, args say 0x%x",
				 sc->name, sc->flags & 0x1f, str_bits);
		ASSERT_TRUE(nstr <= 3);
		ASSERT_TRUE(sc->kind < _BH_KIND_MAX);
		ASSERT_TRUE(sc->kind > BH_KIND_FORK);
		ASSERT_TRUE(sc->fd_arg < 6);
		ASSERT_TRUE(strlen(sc->name) < sizeof(((struct bh_event *)0)->type));
		ASSERT_TRUE(sensor_syscall_lookup(sc->abi, sc->nr) == sc);
		ASSERT_NOT_NULL(sensor_kind_to_string(sc->kind));
		ASSERT_TRUE(sc->nr < BH_SC_NR_MAX); /* an index of the BPF `syscalls` array */
		ASSERT_TRUE(sc->abi < _BH_SC_ABI_MAX);
		ASSERT_TRUE(sensor_syscall_key(sc) < BH_SC_KEYS);
		ASSERT_FALSE(sc->flags & BH_SC_SOCKETCALL); /* the loader's, not the table's */
		/* socketcall's calls, and only they, say how many u32 arguments to unpack */
		size_t nargs = 0;
		while (nargs < 6 && sc->args[nargs].name)
			nargs++;
		if (sc->abi == BH_SC_ABI_IA32_SOCKETCALL) {
			ASSERT_TRUE(sc->nargs >= nargs);
			ASSERT_TRUE(sc->nargs <= BH_SC_SOCKETCALL_NARGS);
		} else {
			ASSERT_EQ(sc->nargs, 0);
		}
		/* a 32-bit syscall is the native one under another number: same name, kind,
		 * flags and arguments, so rules and the decoder see one syscall */
		if (sc->abi != BH_SC_ABI_NATIVE) {
			const struct sensor_syscall *nat = NULL, *t;
			for (size_t j = 0; (t = sensor_syscall_at(j)); j++)
				if (t->abi == BH_SC_ABI_NATIVE && streq(t->name, sc->name))
					nat = t;
			if (!nat)
				tap_fail(__FILE__, __LINE__,
					 "%s (abi %u): no native syscall of that name", sc->name,
					 sc->abi);
			ASSERT_NOT_NULL(nat);
			ASSERT_EQ(nat->kind, sc->kind);
			ASSERT_EQ(nat->flags, sc->flags);
			ASSERT_EQ(nat->fd_arg, sc->fd_arg);
			for (size_t a = 0; a < 6; a++) {
				ASSERT_EQ(nat->args[a].fmt, sc->args[a].fmt);
				ASSERT_TRUE(!nat->args[a].name == !sc->args[a].name);
				if (nat->args[a].name)
					ASSERT_STREQ(nat->args[a].name, sc->args[a].name);
			}
		}
		/* capabilities at entry exactly for the calls that can grant a full set */
		ASSERT_EQ(!!(sc->flags & BH_SC_ENTRY_CAPS), sc->kind == BH_KIND_NS);
	}
	ASSERT_TRUE(n >= 40);
	ASSERT_NOT_NULL(sensor_syscall_by_nr(SYS_openat));
	ASSERT_NULL(sensor_syscall_by_nr(SYS_getpid));
	ASSERT_TRUE(sensor_syscall_by_nr(SYS_unshare)->flags & BH_SC_ENTRY_CAPS);
	ASSERT_NULL(sensor_syscall_lookup(_BH_SC_ABI_MAX, SYS_openat));
#if defined(__x86_64__)
	/* i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl) */
	ASSERT_STREQ(sensor_syscall_lookup(BH_SC_ABI_IA32, 5)->name, "open");
	ASSERT_STREQ(sensor_syscall_lookup(BH_SC_ABI_IA32, 295)->name, "openat");
	ASSERT_STREQ(sensor_syscall_lookup(BH_SC_ABI_IA32, 10)->name, "unlink");
	ASSERT_STREQ(sensor_syscall_lookup(BH_SC_ABI_IA32, 362)->name, "connect");
	ASSERT_STREQ(sensor_syscall_lookup(BH_SC_ABI_IA32, 359)->name, "socket");
	ASSERT_STREQ(sensor_syscall_lookup(BH_SC_ABI_IA32, 364)->name, "accept4");
	ASSERT_STREQ(sensor_syscall_lookup(BH_SC_ABI_IA32, 310)->name, "unshare");
	ASSERT_NULL(sensor_syscall_lookup(BH_SC_ABI_IA32, 42)); /* pipe, x86-64's connect */
	ASSERT_STREQ(sensor_syscall_lookup(BH_SC_ABI_IA32, 41)->name, "dup"); /* x86-64 socket */
	ASSERT_NULL(sensor_syscall_lookup(BH_SC_ABI_IA32, SENSOR_IA32_NR_SOCKETCALL));
	/* socketcall's calls (<linux/net.h>) */
	ASSERT_STREQ(sensor_syscall_lookup(BH_SC_ABI_IA32_SOCKETCALL, 1)->name, "socket");
	ASSERT_STREQ(sensor_syscall_lookup(BH_SC_ABI_IA32_SOCKETCALL, 3)->name, "connect");
	ASSERT_EQ(sensor_syscall_lookup(BH_SC_ABI_IA32_SOCKETCALL, 4)->nargs, 2);
	ASSERT_EQ(sensor_syscall_lookup(BH_SC_ABI_IA32_SOCKETCALL, 18)->nargs, 4);
	ASSERT_NULL(sensor_syscall_lookup(BH_SC_ABI_IA32_SOCKETCALL, 9)); /* SYS_SEND */
#else
	ASSERT_NULL(sensor_syscall_lookup(BH_SC_ABI_IA32, SYS_openat));
#endif
}

/*
 * A record's ABI picks the table: an i386 number is never read as the native syscall with
 * that number, and the native one never as the i386 one.
 */
TEST(compat_abi)
{
	struct rec r;
	struct bh_rec_syscall x;
#if defined(__x86_64__)
	struct sensor_decoder d = {0};
	struct bh_event ev;
	/* i386 openat (295), 32-bit arguments */
	sc_start(&r, &x, 295, BH_KIND_OPEN, 3);
	x.abi = BH_SC_ABI_IA32;
	x.args[0] = (uint32_t)AT_FDCWD;
	x.args[2] = O_RDONLY | O_CLOEXEC;
	x.str[0] = rec_text(&r, "/etc/passwd");
	x.path = COMPONENTS("passwd\0etc\0");
	x.path_flags = BH_STR_COMPONENTS;
	x.fd = 3;
	x.fd_kind = BH_FDK_FILE;
	size_t len = sc_finish(&r, &x);
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_STREQ(ev.type, "openat");
	ASSERT_STREQ(ev.fd.name, "/etc/passwd");
	ASSERT_STREQ(bh_event_arg(&ev, "dirfd"), "-100");
	ASSERT_STREQ(bh_event_arg(&ev, "flags"), "O_RDONLY|O_CLOEXEC");
	bh_event_done(&ev);

	/* socketcall(SYS_CONNECT) with its unpacked arguments */
	sc_start(&r, &x, 3, BH_KIND_CONNECT, 0);
	x.abi = BH_SC_ABI_IA32_SOCKETCALL;
	x.args[0] = 4;
	x.args[2] = 16;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(8443)};
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	x.sockaddr = rec_put(&r, &sin, sizeof(sin));
	len = sc_finish(&r, &x);
	ASSERT_OK(sensor_decode(&d, r.buf, len, &ev));
	ASSERT_STREQ(ev.type, "connect");
	ASSERT_EQ(ev.fd.num, 4);
	ASSERT_STREQ(ev.fd.sip, "127.0.0.1");
	ASSERT_EQ(ev.fd.sport, 8443);
	bh_event_done(&ev);

	/* the same number as a native record is x86-64's, not i386's */
	sc_start(&r, &x, 295, BH_KIND_OPEN, 3); /* x86-64 preadv: not followed */
	len = sc_finish(&r, &x);
	expect_bad(r.buf, len, SENSOR_BAD_SYSCALL);
	sc_start(&r, &x, 3, BH_KIND_CONNECT, 0); /* x86-64 close */
	len = sc_finish(&r, &x);
	expect_bad(r.buf, len, SENSOR_BAD_SYSCALL);
	/* i386 pipe (42) is not x86-64's connect (42) */
	sc_start(&r, &x, SYS_connect, BH_KIND_CONNECT, 0);
	x.abi = BH_SC_ABI_IA32;
	len = sc_finish(&r, &x);
	expect_bad(r.buf, len, SENSOR_BAD_SYSCALL);
#endif
	/* an ABI the decoder does not know */
	sc_start(&r, &x, SYS_openat, BH_KIND_OPEN, 3);
	x.abi = _BH_SC_ABI_MAX;
	size_t blen = sc_finish(&r, &x);
	expect_bad(r.buf, blen, SENSOR_BAD_SYSCALL);
}

TEST(open_flags_text)
{
	struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(sensor_format_open_flags(O_RDONLY, &b));
	ASSERT_STREQ(buf_str(&b), "O_RDONLY");
	buf_clear(&b);
	ASSERT_OK(sensor_format_open_flags(O_RDWR | O_APPEND | O_NOFOLLOW, &b));
	ASSERT_STREQ(buf_str(&b), "O_RDWR|O_APPEND|O_NOFOLLOW");
	buf_clear(&b);
	ASSERT_OK(sensor_format_open_flags(O_WRONLY | 0x40000000u, &b));
	ASSERT_STREQ(buf_str(&b), "O_WRONLY|0x40000000");
	buf_done(&b);
}

TEST(kinds_parse)
{
	uint32_t m;
	const char *bad = NULL;
	ASSERT_OK(sensor_kinds_parse("exec,open", &m, &bad));
	ASSERT_EQ(m, (1u << BH_KIND_EXEC) | (1u << BH_KIND_OPEN));
	ASSERT_OK(sensor_kinds_parse("all", &m, &bad));
	ASSERT_EQ(m, (1u << _BH_KIND_MAX) - 1);
	ASSERT_ERR(sensor_kinds_parse("exec,bogus", &m, &bad), -EINVAL);
	ASSERT_STREQ(bad, "bogus");
	ASSERT_ERR(sensor_kinds_parse("", &m, &bad), -EINVAL);
	ASSERT_TRUE(sensor_kinds_default() & (1u << BH_KIND_CONNECT));
}

static uint64_t seen_id;
static char seen_path[256];

static int on_cgroup(void *userdata, uint64_t id, const char *path)
{
	seen_id = id;
	(void)xsnprintf(seen_path, sizeof(seen_path), "%s", path);
	return *(int *)userdata;
}

TEST(cgroup_record)
{
	struct rec r;
	rec_start(&r, sizeof(struct bh_rec_cgroup), BH_REC_CGROUP);
	struct bh_rec_cgroup x;
	memcpy(&x, r.buf, sizeof(x));
	x.id = 77;
	x.path = COMPONENTS("libpod-abc\0libpod_parent\0");
	x.path_flags = BH_STR_COMPONENTS;
	memcpy(r.buf, &x, sizeof(x));
	size_t len = rec_finish(&r);
	memcpy(&x, r.buf, sizeof(x)); /* with the size rec_finish() set */
	int cb_ret = 0;
	struct sensor_decoder d = {.on_cgroup = on_cgroup, .cgroup_userdata = &cb_ret};
	struct bh_event ev;
	ASSERT_EQ(sensor_decode(&d, r.buf, len, &ev), 1);
	ASSERT_EQ(seen_id, 77);
	ASSERT_STREQ(seen_path, "/libpod_parent/libpod-abc");
	ASSERT_EQ(d.decoded, 0);
	ASSERT_EQ(d.cgroup_records, 1);
	ASSERT_EQ(ev.n_args, 0);
	bh_event_done(&ev);

	/* the callback's failure is the decoder's, not a malformed record */
	cb_ret = -ENOMEM;
	ASSERT_ERR(sensor_decode(&d, r.buf, len, &ev), -ENOMEM);
	ASSERT_EQ(sensor_decoder_bad_total(&d), 0);
	bh_event_done(&ev);

	/* a truncated path is not learnt; id 0 is malformed */
	cb_ret = 0;
	seen_id = 0;
	x.path_flags |= BH_STR_TRUNCATED;
	memcpy(r.buf, &x, sizeof(x));
	ASSERT_EQ(sensor_decode(&d, r.buf, len, &ev), 1);
	ASSERT_EQ(seen_id, 0);
	bh_event_done(&ev);
	x.id = 0;
	memcpy(r.buf, &x, sizeof(x));
	expect_bad(r.buf, len, SENSOR_BAD_FIELD);
	x.id = 77;
	x.path.len++;
	memcpy(r.buf, &x, sizeof(x));
	expect_bad(r.buf, len, SENSOR_BAD_STRING);
	expect_bad(r.buf, sizeof(struct bh_rec_hdr) + 4, SENSOR_BAD_SHORT);

	/* the id carried by events is remembered for attribution */
	struct rec e;
	size_t elen = make_exec(&e);
	((struct bh_rec_hdr *)e.buf)->cgroup_id = 77;
	ASSERT_OK(sensor_decode(&d, e.buf, elen, &ev));
	ASSERT_EQ(d.last_cgroup_id, 77);
	bh_event_done(&ev);
}

TEST(decode_falco_renderings)
{
	/* Stock rules test these as text: "evt.arg.mode contains S_ISUID",
	 * "evt.arg.request contains PTRACE_ATTACH". */
	struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(sensor_format_mode(04755, &b));
	ASSERT_STREQ(buf_str(&b), "S_ISUID|S_IRUSR|S_IWUSR|S_IXUSR|S_IRGRP|S_IXGRP|S_IROTH|S_IXOTH");
	buf_clear(&b);
	ASSERT_OK(sensor_format_mode(0, &b));
	ASSERT_STREQ(buf_str(&b), "0");
	buf_done(&b);
	ASSERT_STREQ(sensor_ptrace_request_name(16), "PTRACE_ATTACH");
	ASSERT_STREQ(sensor_ptrace_request_name(0), "PTRACE_TRACEME");
	ASSERT_STREQ(sensor_ptrace_request_name(0x4206), "PTRACE_SEIZE");
	ASSERT_NULL(sensor_ptrace_request_name(12345));
}

/*
 * The fuzz seeds (tests/fuzz/corpus/event-decode) are records of the current ABI: every
 * one decodes as written (without the fuzzer's fix-up of version and size) except those
 * named bad-*, which fail for their reason. A version bump that forgets the corpus fails
 * here instead of leaving the fuzzer with seeds that stop at the version check.
 */
/* the *-ia32 seeds are events where the i386 ABI exists, else syscalls nobody follows */
#if defined(__x86_64__)
#define IA32_SEED 0
#else
#define IA32_SEED (-1)
#endif

TEST(fuzz_corpus_is_current)
{
	static const struct {
		const char *name;
		int want; /* 0 event, 1 cgroup record, -1 malformed */
		/* with -1: the reason, or _SENSOR_BAD_MAX for "any but the version" */
		enum sensor_bad why;
	} seeds[] = {
	    {"accept", 0, 0},
	    {"connect-unix", 0, 0},
	    {"connect4", 0, 0},
	    {"connect6", 0, 0},
	    {"connect4-ia32", IA32_SEED, SENSOR_BAD_SYSCALL},
	    {"connect4-ia32-socketcall", IA32_SEED, SENSOR_BAD_SYSCALL},
	    {"openat-ia32", IA32_SEED, SENSOR_BAD_SYSCALL},
	    {"bad-ia32-as-native", -1, SENSOR_BAD_SYSCALL},
	    {"exec", 0, 0},
	    {"exit", 0, 0},
	    {"fork", 0, 0},
	    {"mount", 0, 0},
	    {"openat", 0, 0},
	    {"openat-fail", 0, 0},
	    {"openat2", 0, 0},
	    {"symlinkat", 0, 0},
	    {"bad-string", -1, _SENSOR_BAD_MAX},
	    {"bad-version", -1, SENSOR_BAD_VERSION},
	};
	for (size_t i = 0; i < ARRAY_SIZE(seeds); i++) {
		char rel[128];
		ASSERT_OK(xsnprintf(rel, sizeof(rel), "tests/fuzz/corpus/event-decode/%s",
				    seeds[i].name));
		size_t len;
		_cleanup_free_ char *data = tap_read_file(tap_src_path(rel), &len);
		ASSERT_NOT_NULL(data);
		ASSERT_TRUE(len > 1);
		ASSERT_EQ(data[0] & 1, 0); /* no fix-up: the record is as the kernel writes it */
		struct sensor_decoder d = {0};
		struct bh_event ev;
		int r = sensor_decode(&d, data + 1, len - 1, &ev);
		if (r != (seeds[i].want < 0 ? -EBADMSG : seeds[i].want))
			fprintf(stderr, "# seed %s: %d\n", seeds[i].name, r);
		ASSERT_EQ(r, seeds[i].want < 0 ? -EBADMSG : seeds[i].want);
		if (seeds[i].want < 0 && seeds[i].why < _SENSOR_BAD_MAX)
			ASSERT_EQ(d.bad[seeds[i].why], 1);
		else
			ASSERT_EQ(d.bad[SENSOR_BAD_VERSION], 0);
		bh_event_done(&ev);
	}
}
