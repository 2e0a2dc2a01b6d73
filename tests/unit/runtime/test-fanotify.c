/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-fanotify.c — protect mode's exec guard (src/cli/fanotify.[ch], compiled in here:
 * the CLI is not a library). The parsers run everywhere; the live_ tests run only under
 * tests/slow/t-fanotify-exec.sh (BH_TEST_FANOTIFY_LIVE=1, root, two podman containers of a
 * busybox image, named in BH_FAN_A / BH_FAN_B with their pids and ids) and skip otherwise.
 */
#include <signal.h>
#include <sys/wait.h>

#include "runtime/fanotify.c" /* its parsers and decisions are static */
#include "tap.h"

/* ---- ELF interpreters ------------------------------------------------------------------ */

static void put(unsigned char *p, uint64_t v, size_t n, bool le)
{
	for (size_t i = 0; i < n; i++)
		p[le ? i : n - 1 - i] = (unsigned char)(v >> (8 * i));
}

/*
 * An ELF file in a memfd: a PT_LOAD then a PT_INTERP of interp (sz bytes, as given) at
 * offset 512. entsize 0 = the right size.
 */
static int elf_file(bool is64, bool le, const char *interp, size_t sz, size_t entsize, size_t num)
{
	unsigned char b[1024] = {0};
	memcpy(b, "\177ELF", 4);
	b[4] = is64 ? 2 : 1;
	b[5] = le ? 1 : 2;
	b[6] = 1;
	size_t es = entsize ? entsize : is64 ? 56 : 32, phoff = is64 ? 64 : 52;
	if (is64) {
		put(b + 32, phoff, 8, le);
		put(b + 54, es, 2, le);
		put(b + 56, num, 2, le);
	} else {
		put(b + 28, phoff, 4, le);
		put(b + 42, es, 2, le);
		put(b + 44, num, 2, le);
	}
	unsigned char *ph = b + phoff;
	put(ph, 1, 4, le); /* PT_LOAD */
	ph += es;
	put(ph, 3, 4, le); /* PT_INTERP */
	if (is64) {
		put(ph + 8, 512, 8, le);
		put(ph + 32, sz, 8, le);
	} else {
		put(ph + 4, 512, 4, le);
		put(ph + 16, sz, 4, le);
	}
	if (interp)
		memcpy(b + 512, interp, MIN(strlen(interp) + 1, sizeof(b) - 512));
	int fd = memfd_create("elf", MFD_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, b, sizeof(b)), (ssize_t)sizeof(b));
	return fd;
}

static int bytes_file(const void *p, size_t n)
{
	int fd = memfd_create("txt", MFD_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, p, n), (ssize_t)n);
	return fd;
}

static int text_file(const char *text)
{
	return bytes_file(text, strlen(text));
}

TEST(elf_interp_64_and_32_both_byte_orders)
{
	char out[256];
	static const bool widths[] = {true, false};
	for (size_t w = 0; w < 2; w++)
		for (int le = 0; le < 2; le++) {
			_cleanup_close_ int fd = elf_file(widths[w], le, "/lib/ld.so.1", 13, 0, 2);
			ASSERT_EQ(elf_interp(fd, out, sizeof(out)), 1);
			ASSERT_STREQ(out, "/lib/ld.so.1");
		}
}

TEST(elf_interp_none_for_static_scripts_and_text)
{
	char out[256];
	_cleanup_close_ int st = elf_file(true, true, NULL, 0, 0, 1); /* only the PT_LOAD */
	ASSERT_EQ(elf_interp(st, out, sizeof(out)), 0);
	_cleanup_close_ int none = elf_file(true, true, NULL, 0, 0, 0);
	ASSERT_EQ(elf_interp(none, out, sizeof(out)), 0);
	_cleanup_close_ int sh = text_file("#!/bin/sh\necho hi\n");
	ASSERT_EQ(elf_interp(sh, out, sizeof(out)), 0);
	_cleanup_close_ int empty = text_file("");
	ASSERT_EQ(elf_interp(empty, out, sizeof(out)), 0);
}

TEST(elf_interp_malformed)
{
	char out[256];
	/* no NUL at the end of the segment */
	_cleanup_close_ int a = elf_file(true, true, "/lib/ld.so.1", 12, 0, 2);
	ASSERT_ERR(elf_interp(a, out, sizeof(out)), -EBADMSG);
	/* entries smaller than a program header */
	_cleanup_close_ int b = elf_file(true, true, "/lib/ld.so.1", 13, 40, 2);
	ASSERT_ERR(elf_interp(b, out, sizeof(out)), -EBADMSG);
	/* a table past the end of the file */
	_cleanup_close_ int c = elf_file(true, true, "/lib/ld.so.1", 13, 0, 1000);
	ASSERT_ERR(elf_interp(c, out, sizeof(out)), -EBADMSG);
	/* a segment of 1 byte, and one longer than PATH_MAX */
	_cleanup_close_ int d = elf_file(false, true, "", 1, 0, 2);
	ASSERT_ERR(elf_interp(d, out, sizeof(out)), -EBADMSG);
	_cleanup_close_ int e = elf_file(false, true, "/x", 5000, 0, 2);
	ASSERT_ERR(elf_interp(e, out, sizeof(out)), -EBADMSG);
	/* longer than the caller's buffer */
	_cleanup_close_ int g = elf_file(true, false, "/lib/ld.so.1", 13, 0, 2);
	ASSERT_ERR(elf_interp(g, out, 8), -E2BIG);
	/* a bad class byte, a truncated header */
	static const char bad_class[] = "\177ELF\003\001\001\000\000\000\000\000\000\000\000\000";
	_cleanup_close_ int h = bytes_file(bad_class, sizeof(bad_class));
	ASSERT_ERR(elf_interp(h, out, sizeof(out)), -EBADMSG);
	static const char short_hdr[40] = "\177ELF\002\001\001";
	_cleanup_close_ int i = bytes_file(short_hdr, sizeof(short_hdr));
	ASSERT_ERR(elf_interp(i, out, sizeof(out)), -EBADMSG);
}

TEST(elf_interp_of_a_real_dynamic_program)
{
	_cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	char out[FAN_PATH_MAX];
	int r = elf_interp(fd, out, sizeof(out));
	ASSERT_OK(r);
	if (r == 0)
		TEST_SKIP("this test program is linked statically");
	ASSERT_TRUE(out[0] == '/');
	ASSERT_TRUE(strstr(out, "ld") != NULL);
}

/* ---- mountinfo, cgroups ---------------------------------------------------------------- */

TEST(mountinfo_lines)
{
	const char *text =
	    "81 52 0:41 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
	    "83 81 0:45 / /dev rw,nosuid,noexec - tmpfs tmpfs rw,size=65536k,mode=755\n"
	    "87 81 254:0 /run/x/resolv.conf /etc/resolv.conf rw,relatime shared:1 - ext4 /dev/vda "
	    "rw\n"
	    "90 81 0:50 / /data\\040dir\\134x rw master:7 - tmpfs tmpfs rw\n"
	    "91 81 0:50 / /bad\\04 rw - tmpfs tmpfs rw\n"
	    "92 81 0:50 / /no-separator rw tmpfs tmpfs rw\n"
	    "93 81 0:50 / relative rw - tmpfs tmpfs rw\n";
	struct span rest = span_from(text);
	struct rt_mount m;
	ASSERT_OK(rt_mountinfo_next(&rest, &m));
	ASSERT_STREQ(m.point, "/");
	ASSERT_TRUE(m.overlay && m.whole_root && !m.noexec);
	ASSERT_OK(rt_mountinfo_next(&rest, &m));
	ASSERT_STREQ(m.point, "/dev");
	ASSERT_TRUE(!m.overlay && m.whole_root && m.noexec);
	ASSERT_OK(rt_mountinfo_next(&rest, &m));
	ASSERT_STREQ(m.point, "/etc/resolv.conf");
	ASSERT_TRUE(!m.overlay && !m.whole_root && !m.noexec);
	ASSERT_OK(rt_mountinfo_next(&rest, &m));
	ASSERT_STREQ(m.point, "/data dir\\x");
	ASSERT_ERR(rt_mountinfo_next(&rest, &m), -EBADMSG);
	ASSERT_ERR(rt_mountinfo_next(&rest, &m), -EBADMSG);
	ASSERT_ERR(rt_mountinfo_next(&rest, &m), -EBADMSG);
	ASSERT_ERR(rt_mountinfo_next(&rest, &m), -ENOENT);
}

TEST(cgroup_lines)
{
	struct span cg;
	ASSERT_OK(
	    rt_cgroup2_line(span_from("9:name=systemd:/a\n1:cpu:/a\n0::/libpod_parent/x\n"), &cg));
	ASSERT_TRUE(span_eq_str(cg, "/libpod_parent/x"));
	ASSERT_ERR(rt_cgroup2_line(span_from("1:cpu:/a\n"), &cg), -ENOENT);
	ASSERT_TRUE(cgroup_within("/a/b", 4, "/a/b"));
	ASSERT_TRUE(cgroup_within("/a/b/c", 6, "/a/b"));
	ASSERT_FALSE(cgroup_within("/a/bc", 5, "/a/b"));
	ASSERT_FALSE(cgroup_within("/a", 2, "/a/b"));
}

/* ---- the allowed set ------------------------------------------------------------------- */

TEST(allowed_set_resolves_in_the_root)
{
	const char *dir = tap_tmp_path("root");
	ASSERT_NOT_NULL(dir);
	ASSERT_TRUE(mkdir(dir, 0755) == 0 || errno == EEXIST);
	_cleanup_close_ int rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_TRUE(rootfd >= 0);
	ASSERT_TRUE(mkdirat(rootfd, "bin", 0755) == 0 || errno == EEXIST);
	int fd = openat(rootfd, "bin/prog", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, "x", 1), 1);
	close(fd);
	ASSERT_TRUE(symlinkat("prog", rootfd, "bin/link") == 0 || errno == EEXIST);
	/* an absolute symlink stays inside the root: /bin/prog of the root, not the host's */
	ASSERT_TRUE(symlinkat("/bin/prog", rootfd, "bin/abs") == 0 || errno == EEXIST);
	const char *const paths[] = {"/bin/prog", "/bin/link", "/bin/abs", "/bin/prog",
				     "/missing",  "relative",  NULL};
	struct fan_ctr c = {0};
	bh_event_init(&c.ev);
	ASSERT_OK(build_allowed(rootfd, paths, ARRAY_SIZE(paths), &c));
	ASSERT_EQ(c.n_files, 1);
	ASSERT_EQ(c.n_paths, 4);
	ASSERT_STREQ(c.paths[0], "/bin/abs");
	ASSERT_STREQ(c.paths[3], "/missing");
	struct stat st;
	ASSERT_TRUE(fstatat(rootfd, "bin/prog", &st, 0) == 0);
	ASSERT_TRUE(ctr_has_file(&c, st.st_dev, st.st_ino));
	ASSERT_FALSE(ctr_has_file(&c, st.st_dev, st.st_ino + 1));
	ASSERT_TRUE(ctr_has_path(&c, "/missing"));
	ASSERT_FALSE(ctr_has_path(&c, "/bin/other"));
	ctr_done(&c);
}

TEST(decision_event_fields)
{
	struct fan_ctr c = {.workload = (char *)"container:web@img"};
	struct bh_event cev;
	bh_event_init(&cev);
	cev.container.id = (char *)"0123456789ab";
	cev.container.name = (char *)"web";
	ASSERT_OK(rt_container_copy(&cev, &c.ev));
	struct bh_event *ev = NULL;
	ASSERT_OK(decision_event(&c, 4242, "/tmp/a-rather-long-program-name", false, &ev));
	ASSERT_STREQ(ev->type, "execve");
	ASSERT_EQ(ev->res, -EPERM);
	ASSERT_EQ(ev->proc.pid, 4242);
	ASSERT_STREQ(ev->proc.name, "a-rather-long-p");
	ASSERT_STREQ(ev->proc.exepath, "/tmp/a-rather-long-program-name");
	ASSERT_STREQ(ev->container.id, "0123456789ab");
	ASSERT_STREQ(ev->container.name, "web");
	ASSERT_STREQ(bh_event_arg(ev, "bh_action"), "denied");
	ASSERT_STREQ(bh_event_arg(ev, "bh_deviation"), "exec");
	ASSERT_STREQ(bh_event_arg(ev, "bh_fact"), "/tmp/a-rather-long-program-name");
	ASSERT_STREQ(bh_event_arg(ev, "bh_workload"), "container:web@img");
	ASSERT_STREQ(bh_event_arg(ev, "bh_mode"), "protect");
	event_free(ev);
	ASSERT_OK(decision_event(&c, 1, "/x", true, &ev));
	ASSERT_EQ(ev->res, 0);
	ASSERT_STREQ(bh_event_arg(ev, "bh_action"), "would-deny");
	event_free(ev);
	bh_event_done(&c.ev);
}

/* ---- live ------------------------------------------------------------------------------ */

struct live_ctr {
	const char *name, *id;
	int64_t pid;
};

static struct live_ctr ctr_a, ctr_b;
static struct sensor_fan *fan;

static void fan_drop(void)
{
	sensor_fan_close(fan);
	fan = NULL;
}

static void live_require(void)
{
	fan_drop();
	const char *live = getenv("BH_TEST_FANOTIFY_LIVE");
	if (!live || !streq(live, "1"))
		TEST_SKIP("live tests run from tests/slow/t-fanotify-exec.sh");
	if (geteuid() != 0)
		TEST_SKIP("needs root");
	char why[256];
	int r = sensor_fan_open(&fan, why, sizeof(why));
	if (r == -EOPNOTSUPP)
		TEST_SKIP(why);
	ASSERT_OK(r);
	static const char *const vars[2][3] = {{"BH_FAN_A", "BH_FAN_A_ID", "BH_FAN_A_PID"},
					       {"BH_FAN_B", "BH_FAN_B_ID", "BH_FAN_B_PID"}};
	struct live_ctr *cs[2] = {&ctr_a, &ctr_b};
	for (size_t i = 0; i < 2; i++) {
		const char *pid = getenv(vars[i][2]);
		uint64_t v;
		cs[i]->name = getenv(vars[i][0]);
		cs[i]->id = getenv(vars[i][1]);
		ASSERT_TRUE(cs[i]->name && cs[i]->id && pid);
		ASSERT_OK(parse_u64(span_from(pid), 10, INT32_MAX, &v));
		cs[i]->pid = (int64_t)v;
	}
}

/*
 * Run argv with stdout and stderr into out (n bytes, NUL-terminated); its exit status, 128 +
 * signal, or -ETIMEDOUT (killed after timeout_s).
 */
static int run(const char *const *argv, char *out, size_t n, int timeout_s)
{
	const char *log = tap_tmp_path("run.log");
	ASSERT_NOT_NULL(log);
	pid_t pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || in < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || dup2(in, 0) < 0)
			_exit(125);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int status = 0, r;
	struct timespec t0, t;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		r = (int)waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		(void)clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= timeout_s) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		(void)usleep(10000);
	}
	out[0] = '\0';
	int fd = open(log, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t k = read(fd, out, n - 1);
		out[k > 0 ? k : 0] = '\0';
		close(fd);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* sh -c script in a container (podman exec): as run(). */
static int in_ctr(const struct live_ctr *c, const char *script, char *out, size_t n)
{
	const char *argv[] = {"podman", "exec", c->name, "/bin/sh", "-c", script, NULL};
	return run(argv, out, n, 180);
}

static struct bh_event cev_of(const struct live_ctr *c)
{
	struct bh_event ev;
	bh_event_init(&ev);
	ev.proc.pid = ev.proc.tid = c->pid;
	ev.container.full_id = (char *)c->id;
	ev.container.id = (char *)c->id;
	ev.container.name = (char *)c->name;
	return ev;
}

static const char *const allowed[] = {"/bin/busybox", "/usr/bin/dyntrue"};

static void protect_a(bool dry)
{
	struct bh_event ev = cev_of(&ctr_a);
	ASSERT_OK(
	    sensor_fan_protect(fan, &ev, "container:fan-a", allowed, ARRAY_SIZE(allowed), dry));
}

#define MAX_RECS 2048
struct rec {
	char action[16], fact[64], ctr[80], workload[64], mode[16], parent[32];
	int64_t pid, res;
};
static struct rec recs[MAX_RECS];
static size_t n_recs;

static int collect(struct bh_event *ev, void *u)
{
	(void)u;
	if (n_recs == MAX_RECS)
		return -E2BIG;
	struct rec *r = &recs[n_recs++];
	const char *a = bh_event_arg(ev, "bh_action"), *f = bh_event_arg(ev, "bh_fact");
	const char *w = bh_event_arg(ev, "bh_workload"), *m = bh_event_arg(ev, "bh_mode");
	(void)xsnprintf(r->action, sizeof(r->action), "%s", a ? a : "");
	(void)xsnprintf(r->fact, sizeof(r->fact), "%s", f ? f : "");
	(void)xsnprintf(r->workload, sizeof(r->workload), "%s", w ? w : "");
	(void)xsnprintf(r->mode, sizeof(r->mode), "%s", m ? m : "");
	(void)xsnprintf(r->ctr, sizeof(r->ctr), "%s", ev->container.id ? ev->container.id : "");
	(void)xsnprintf(
	    r->parent, sizeof(r->parent), "%s",
	    ev->proc.n_ancestors && ev->proc.ancestors[0].name ? ev->proc.ancestors[0].name : "");
	r->pid = ev->proc.pid;
	r->res = ev->res;
	if (!streq(ev->type, "execve"))
		return -EBADMSG;
	return 0;
}

static size_t drain(void)
{
	n_recs = 0;
	int r = sensor_fan_drain(fan, collect, NULL);
	ASSERT_OK(r);
	ASSERT_EQ((size_t)r, n_recs);
	return n_recs;
}

/* copy busybox to /tmp/c/busybox (not allowed) and run it: does it start? */
#define COPY "/tmp/c/busybox"
#define TRY_COPY                                                                                   \
	"mkdir -p /tmp/c && cp /bin/busybox " COPY " && rm -f /tmp/started; " COPY                 \
	" touch /tmp/started; echo rc=$?; test -e /tmp/started && echo STARTED; true"

TEST(live_allowed_programs_run)
{
	live_require();
	protect_a(false);
	char out[4096];
	ASSERT_EQ(
	    in_ctr(&ctr_a, "/bin/busybox true && /usr/bin/dyntrue && echo ok", out, sizeof(out)),
	    0);
	ASSERT_TRUE(strstr(out, "ok") != NULL);
	/* a script runs: its interpreter is what is checked */
	ASSERT_EQ(in_ctr(&ctr_a,
			 "printf '#!/bin/sh\\necho script-ran\\n' >/tmp/s.sh && chmod +x /tmp/s.sh "
			 "&& /tmp/s.sh",
			 out, sizeof(out)),
		  0);
	ASSERT_TRUE(strstr(out, "script-ran") != NULL);
	ASSERT_EQ(drain(), 0);
	struct sensor_fan_stats st;
	sensor_fan_get_stats(fan, &st);
	/* sh, busybox, dyntrue and its ld.so carry ignore marks: their execs raise no event */
	ASSERT_TRUE(st.allowed < 4);
	ASSERT_TRUE(st.scripts >= 1);
	ASSERT_EQ(st.denied, 0);
	ASSERT_EQ(st.errors, 0);
	ASSERT_EQ(st.containers, 1);
	fan_drop();
}

TEST(live_copy_is_denied_before_it_starts)
{
	live_require();
	protect_a(false);
	char out[4096];
	ASSERT_EQ(in_ctr(&ctr_a, TRY_COPY, out, sizeof(out)), 0);
	if (!strstr(out, "Operation not permitted") || strstr(out, "STARTED"))
		tap_fail(__FILE__, __LINE__, "the copy was not denied: %s", out);
	ASSERT_TRUE(strstr(out, "rc=126") != NULL);
	ASSERT_EQ(drain(), 1);
	ASSERT_STREQ(recs[0].action, "denied");
	ASSERT_STREQ(recs[0].fact, COPY);
	ASSERT_STREQ(recs[0].ctr, ctr_a.id);
	ASSERT_STREQ(recs[0].workload, "container:fan-a");
	ASSERT_STREQ(recs[0].mode, "protect");
	ASSERT_STREQ(recs[0].parent, "sh");
	ASSERT_EQ(recs[0].res, -EPERM);
	ASSERT_TRUE(recs[0].pid > 0);
	/* the other container and the host are not affected */
	ASSERT_EQ(in_ctr(&ctr_b, TRY_COPY, out, sizeof(out)), 0);
	if (!strstr(out, "STARTED"))
		tap_fail(__FILE__, __LINE__, "the other container was blocked: %s", out);
	const char *host = tap_tmp_path("host-true");
	ASSERT_NOT_NULL(host);
	const char *cp[] = {"cp", "/bin/true", host, NULL};
	ASSERT_EQ(run(cp, out, sizeof(out), 30), 0);
	const char *h[] = {host, NULL};
	ASSERT_EQ(run(h, out, sizeof(out), 30), 0);
	ASSERT_EQ(drain(), 0);
	struct sensor_fan_stats st;
	sensor_fan_get_stats(fan, &st);
	ASSERT_EQ(st.denied, 1);
	ASSERT_EQ(st.errors, 0);
	ASSERT_EQ(st.outside, 0); /* the marks are on the container's mounts only */
	fan_drop();
}

TEST(live_dry_run_reports_and_allows)
{
	live_require();
	protect_a(true);
	char out[4096];
	ASSERT_EQ(in_ctr(&ctr_a, TRY_COPY, out, sizeof(out)), 0);
	if (!strstr(out, "STARTED"))
		tap_fail(__FILE__, __LINE__, "dry run blocked: %s", out);
	ASSERT_EQ(drain(), 1);
	ASSERT_STREQ(recs[0].action, "would-deny");
	ASSERT_STREQ(recs[0].fact, COPY);
	ASSERT_EQ(recs[0].res, 0);
	/* protecting again replaces dry run */
	protect_a(false);
	ASSERT_EQ(in_ctr(&ctr_a, TRY_COPY, out, sizeof(out)), 0);
	ASSERT_TRUE(strstr(out, "STARTED") == NULL);
	ASSERT_EQ(drain(), 1);
	ASSERT_STREQ(recs[0].action, "denied");
	fan_drop();
}

TEST(live_unprotect_lifts_it)
{
	live_require();
	protect_a(false);
	struct bh_event ev = cev_of(&ctr_a);
	ASSERT_OK(sensor_fan_unprotect(fan, &ev));
	ASSERT_OK(sensor_fan_unprotect(fan, &ev)); /* twice is fine */
	char out[4096];
	ASSERT_EQ(in_ctr(&ctr_a, TRY_COPY, out, sizeof(out)), 0);
	if (!strstr(out, "STARTED"))
		tap_fail(__FILE__, __LINE__, "still blocked after unprotect: %s", out);
	ASSERT_EQ(drain(), 0);
	struct sensor_fan_stats st;
	sensor_fan_get_stats(fan, &st);
	ASSERT_EQ(st.containers, 0);
	ASSERT_EQ(st.events, 0); /* the marks are gone too */
	fan_drop();
}

TEST(live_closing_the_group_leaves_nothing_blocked)
{
	live_require();
	protect_a(false);
	fan_drop();
	char out[4096];
	ASSERT_EQ(in_ctr(&ctr_a, TRY_COPY, out, sizeof(out)), 0);
	if (!strstr(out, "STARTED"))
		tap_fail(__FILE__, __LINE__, "blocked after close: %s", out);
}

TEST(live_stress_every_exec_is_answered)
{
	live_require();
	protect_a(false);
	char out[8192];
	struct timespec t0, t1;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = in_ctr(&ctr_a,
		       "mkdir -p /tmp/c && cp /bin/busybox " COPY
		       " || exit 9; i=0; d=0; while [ $i -lt 1000 ]; do "
		       "/bin/busybox true || exit 3; i=$((i+1)); done; i=0; while [ $i -lt 300 ]; "
		       "do " COPY " true 2>/dev/null || d=$((d+1)); i=$((i+1)); done; echo "
		       "execs-done denied=$d",
		       out, sizeof(out));
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r != 0)
		tap_fail(__FILE__, __LINE__, "the loop failed (%d): %s", r, out);
	ASSERT_TRUE(strstr(out, "execs-done denied=300") != NULL);
	ASSERT_EQ(drain(), 300);
	struct sensor_fan_stats st;
	sensor_fan_get_stats(fan, &st);
	/* the 1,000 allowed execs never reach the group (ignore marks), the 300 others do */
	ASSERT_TRUE(st.allowed < 10);
	ASSERT_EQ(st.denied, 300);
	ASSERT_EQ(st.errors, 0);
	ASSERT_EQ(st.dropped, 0);
	printf("# 1300 execs answered in %.2f s (%llu events)\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (unsigned long long)st.events);
	fan_drop();
}
