/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-enforce.c — protect mode and syscall learning (src/sensor/enforce.h).
 *
 * Always: the path hash (against a backwards walk written as the BPF side does it), the
 * syscall names, the decoder's bh_action / bh_reason arguments, and the API without a
 * session that has the feature.
 *
 * Live (BH_TEST_ENFORCE_LIVE=1, set by tests/slow/t-sensor-enforce.sh; root, BPF, cgroup2
 * on /sys/fs/cgroup, else skipped): a session with protect mode and learning and no event
 * kinds enabled, a cgroup v2 directory of its own, children started in it: exec of an
 * executable not allowed is killed and an allowed one runs; an open for writing under a
 * protected directory is killed and a read is not; a connect to a loopback peer not allowed
 * is killed before it sends anything and an allowed one works; DRY_RUN marks without killing;
 * the same actions from this process (another cgroup) are never affected; every decision
 * is in an event; the syscalls of a tracked cgroup are recorded.
 *
 * Benchmark modes for bench/sensor-enforce.sh (TAP comments "# bench ..."):
 *   BH_ENFORCE_BENCH=latency  N (BH_ENFORCE_BENCH_N, 200) killed execs, opens and connects:
 *                             from the call to the decision (the record's time stamp) and
 *                             to the parent's waitpid()
 *   BH_ENFORCE_DRIVER=plain|protect   a session (default kinds) kept open until SIGTERM;
 *                             protect: the cgroup BH_ENFORCE_CGROUP protected (exec, write,
 *                             connect) with the executables in BH_ENFORCE_ALLOW (':'), any
 *                             port on 127.0.0.1 and /etc protected; prints "# ready"
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/openat2.h>
#include <inttypes.h>
#include <time.h>

#include "sensor/decode.h"
#include "sensor/enforce.h"
#include "sensor/loader.h"
#include "tap.h"

extern char **environ;

/* ---- the hash, as the BPF side computes it ---- */

/* path_scan() of bpf/sensor.bpf.c over a component list: the hash of the whole list, and the
 * hashes at each component boundary (ancestors) in anc[], *n_anc of them. */
static uint64_t scan_backwards(const char *blob, size_t len, uint64_t *anc, size_t *n_anc)
{
	uint64_t h = BH_FNV_OFFSET;
	*n_anc = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)blob[len - 1 - i];
		if (!c && i)
			anc[(*n_anc)++] = h;
		h = (h ^ c) * BH_FNV_PRIME;
	}
	return h;
}

TEST(path_hash_matches_the_backwards_walk)
{
	static const char blob[] = "ls\0bin\0usr"; /* + the final NUL of the literal */
	uint64_t anc[8], h, want;
	size_t n;
	want = scan_backwards(blob, sizeof(blob), anc, &n);
	ASSERT_OK(sensor_path_hash("/usr/bin/ls", &h));
	ASSERT_TRUE(h == want);
	ASSERT_EQ(n, 2);
	ASSERT_OK(sensor_path_hash("/usr", &h));
	ASSERT_TRUE(h == anc[0]);
	ASSERT_OK(sensor_path_hash("/usr/bin", &h));
	ASSERT_TRUE(h == anc[1]);
	/* empty components do not count; "/" is the offset basis */
	ASSERT_OK(sensor_path_hash("//usr///bin/ls/", &h));
	ASSERT_TRUE(h == want);
	ASSERT_OK(sensor_path_hash("/", &h));
	ASSERT_TRUE(h == BH_FNV_OFFSET);
	/* a known value: FNV-1a 64 of the bytes "\0sl" */
	uint64_t v = BH_FNV_OFFSET;
	v = (v ^ 0) * BH_FNV_PRIME;
	v = (v ^ 's') * BH_FNV_PRIME;
	v = (v ^ 'l') * BH_FNV_PRIME;
	ASSERT_OK(sensor_path_hash("/ls", &h));
	ASSERT_TRUE(h == v);
	ASSERT_OK(sensor_path_hash("/sl", &h));
	ASSERT_FALSE(h == v);
}

TEST(path_hash_refuses)
{
	uint64_t h;
	ASSERT_ERR(sensor_path_hash("usr/bin", &h), -EINVAL);
	ASSERT_ERR(sensor_path_hash("", &h), -EINVAL);
	ASSERT_ERR(sensor_path_hash("/usr/../etc", &h), -EINVAL);
	ASSERT_ERR(sensor_path_hash("/usr/./bin", &h), -EINVAL);
	char deep[256] = "";
	for (int i = 0; i < BH_PATH_MAX_COMPONENTS + 1; i++)
		memcpy(deep + 2 * i, "/a", 3); /* 66 bytes: fits */
	ASSERT_ERR(sensor_path_hash(deep, &h), -E2BIG);
	deep[strlen(deep) - 2] = '\0';
	ASSERT_OK(sensor_path_hash(deep, &h));
	char longname[BH_NAME_MAX + 2];
	longname[0] = '/';
	memset(longname + 1, 'x', BH_NAME_MAX);
	longname[BH_NAME_MAX + 1] = '\0';
	ASSERT_ERR(sensor_path_hash(longname, &h), -E2BIG);
	longname[BH_NAME_MAX] = '\0';
	ASSERT_OK(sensor_path_hash(longname, &h));
}

TEST(syscall_names)
{
	uint64_t bm[8] = {0};
	_cleanup_buf_ struct buf b;
	buf_init(&b, 4096);
	ASSERT_OK(sensor_syscalls_names(bm, ',', &b));
	ASSERT_STREQ(buf_str(&b), "");
	bm[SYS_read / 64] |= 1ULL << (SYS_read % 64);
	bm[SYS_openat / 64] |= 1ULL << (SYS_openat % 64);
	bm[SYS_exit_group / 64] |= 1ULL << (SYS_exit_group % 64);
	bm[511 / 64] |= 1ULL << (511 % 64);
	ASSERT_OK(sensor_syscalls_names(bm, ',', &b));
	/* in number order (x86-64: read 0, exit_group 231, openat 257) */
#if defined(__x86_64__)
	ASSERT_STREQ(buf_str(&b), "read,exit_group,openat,syscall_511");
#else
	ASSERT_TRUE(strstr(buf_str(&b), "openat") && strstr(buf_str(&b), "syscall_511"));
#endif
	ASSERT_STREQ(sensor_syscall_name(SYS_execve), "execve");
	ASSERT_STREQ(sensor_syscall_name(SYS_connect), "connect");
	ASSERT_TRUE(sensor_syscall_name(511) == NULL);
}

TEST(api_needs_the_feature)
{
	uint64_t bm[8];
	ASSERT_ERR(sensor_protect_cgroup(NULL, 1, SENSOR_PROTECT_EXEC), -EOPNOTSUPP);
	ASSERT_ERR(sensor_unprotect_cgroup(NULL, 1), -EOPNOTSUPP);
	ASSERT_ERR(sensor_allow_exec(NULL, 1, "/bin/true"), -EOPNOTSUPP);
	ASSERT_ERR(sensor_protect_dir(NULL, 1, "/etc"), -EOPNOTSUPP);
	uint8_t lo[4] = {127, 0, 0, 1};
	ASSERT_ERR(sensor_allow_peer(NULL, 1, AF_INET, lo, 80), -EOPNOTSUPP);
	ASSERT_ERR(sensor_track_syscalls(NULL, 1, true), -EOPNOTSUPP);
	ASSERT_ERR(sensor_syscalls_read(NULL, 1, bm), -EOPNOTSUPP);
	char why[512];
	int caps = sensor_enforce_probe(NULL, why, sizeof(why));
	ASSERT_TRUE(caps >= 0);
	ASSERT_FALSE(caps & SENSOR_ENFORCE_LOADED);
	ASSERT_TRUE(strstr(why, "BPF-LSM") != NULL);
	ASSERT_TRUE(strstr(why, "no session") != NULL);
}

/* ---- decoding decisions ---- */

static size_t make_connect(uint8_t *buf, uint8_t action, uint8_t reason)
{
	struct bh_rec_syscall x;
	memset(&x, 0, sizeof(x));
	x.hdr.version = BH_ABI_VERSION;
	x.hdr.type = BH_REC_SYSCALL;
	x.hdr.size = sizeof(x);
	x.hdr.pid = x.hdr.tid = 77;
	memcpy(x.hdr.comm, "curl", 5);
	x.nr = SYS_connect;
	x.kind = BH_KIND_CONNECT;
	x.ret = -EINTR;
	x.fd = (uint32_t)-1;
	x.decision = BH_DECISION(action, reason);
	memcpy(buf, &x, sizeof(x));
	return sizeof(x);
}

TEST(decode_decisions)
{
	uint8_t buf[BH_REC_MAX];
	struct sensor_decoder d = {0};
	struct bh_event ev;
	size_t len = make_connect(buf, BH_ACT_KILLED, BH_REASON_PEER);
	ASSERT_OK(sensor_decode(&d, buf, len, &ev));
	ASSERT_STREQ(ev.type, "connect");
	ASSERT_STREQ(bh_event_arg(&ev, "bh_action"), "killed");
	ASSERT_STREQ(bh_event_arg(&ev, "bh_reason"), "peer-not-allowed");
	bh_event_done(&ev);
	len = make_connect(buf, BH_ACT_WOULD_KILL, BH_REASON_WRITE);
	ASSERT_OK(sensor_decode(&d, buf, len, &ev));
	ASSERT_STREQ(bh_event_arg(&ev, "bh_action"), "would-kill");
	ASSERT_STREQ(bh_event_arg(&ev, "bh_reason"), "write-protected");
	bh_event_done(&ev);
	len = make_connect(buf, 0, 0);
	ASSERT_OK(sensor_decode(&d, buf, len, &ev));
	ASSERT_TRUE(bh_event_arg(&ev, "bh_action") == NULL);
	bh_event_done(&ev);
	/* half a decision, or values out of range: malformed */
	static const uint8_t bad[][2] = {{BH_ACT_KILLED, 0},
					 {0, BH_REASON_EXEC},
					 {_BH_ACT_MAX, 1},
					 {1, _BH_REASON_MAX},
					 {15, 15}};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		len = make_connect(buf, bad[i][0], bad[i][1]);
		ASSERT_ERR(sensor_decode(&d, buf, len, &ev), -EBADMSG);
	}
	ASSERT_EQ(d.bad[SENSOR_BAD_FIELD], ARRAY_SIZE(bad));
	ASSERT_STREQ(sensor_action_to_string(BH_ACT_SIGNAL_FAILED), "signal-failed");
	ASSERT_STREQ(sensor_reason_to_string(BH_REASON_EXEC), "exec-not-allowed");
	ASSERT_TRUE(sensor_action_to_string(0) == NULL);
}

TEST(decode_exec_decision)
{
	uint8_t buf[BH_REC_MAX];
	struct bh_rec_exec x;
	memset(&x, 0, sizeof(x));
	x.hdr.version = BH_ABI_VERSION;
	x.hdr.type = BH_REC_EXEC;
	x.hdr.pid = x.hdr.tid = 78;
	memcpy(x.hdr.comm, "id", 3);
	static const char blob[] = "/usr/bin/id\0id\0bin\0usr";
	x.filename = (struct bh_rec_str){0, 11};
	x.exepath = (struct bh_rec_str){12, sizeof(blob) - 12};
	x.exepath_flags = BH_STR_COMPONENTS;
	x.cwd_flags = BH_STR_COMPONENTS;
	x.cwd = (struct bh_rec_str){0, 0};
	x.decision = BH_DECISION(BH_ACT_KILLED, BH_REASON_EXEC);
	x.hdr.size = (uint32_t)(sizeof(x) + sizeof(blob));
	memcpy(buf, &x, sizeof(x));
	memcpy(buf + sizeof(x), blob, sizeof(blob));
	struct sensor_decoder d = {0};
	struct bh_event ev;
	ASSERT_OK(sensor_decode(&d, buf, x.hdr.size, &ev));
	ASSERT_STREQ(ev.proc.exepath, "/usr/bin/id");
	ASSERT_STREQ(bh_event_arg(&ev, "bh_action"), "killed");
	ASSERT_STREQ(bh_event_arg(&ev, "bh_reason"), "exec-not-allowed");
	bh_event_done(&ev);
}

/* ---- live ---- */

static struct sensor_session *live;
static char live_cg[128];
static uint64_t live_cgid;
static int64_t boot_to_epoch;

static uint64_t boot_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void live_cleanup(void)
{
	sensor_session_free(live);
	live = NULL;
	if (live_cg[0])
		(void)rmdir(live_cg);
}

/* Skips unless live tests were asked for and can run; opens the session once. */
static void live_require(bool events)
{
	if (!getenv("BH_TEST_ENFORCE_LIVE"))
		TEST_SKIP(
		    "BH_TEST_ENFORCE_LIVE is not set (run by tests/slow/t-sensor-enforce.sh)");
	if (geteuid() != 0)
		TEST_SKIP("needs root");
	if (!sensor_bpf_built())
		TEST_SKIP("built without BPF support");
	/* the unified hierarchy: /sys/fs/cgroup, or its "unified" directory on a hybrid setup */
	static const char *const roots[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	const char *root = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(roots) && !root; i++) {
		struct statfs sf;
		if (statfs(roots[i], &sf) == 0 && sf.f_type == 0x63677270 /* CGROUP2 */)
			root = roots[i];
	}
	if (!root)
		TEST_SKIP("no cgroup2 mount at /sys/fs/cgroup or /sys/fs/cgroup/unified");
	if (live)
		return;
	struct sensor_session_options o = {
	    .kinds = events ? (1u << BH_KIND_EXEC | 1u << BH_KIND_EXIT) : 0,
	    .no_containers = true,
	    .enforce = true,
	    .learn_syscalls = true,
	};
	char err[512];
	int r = sensor_session_open(&o, &live, err, sizeof(err));
	if (r == -EOPNOTSUPP || r == -EPERM)
		TEST_SKIP("the sensor cannot load here");
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "sensor_session_open: %s: %s", strerror(-r), err);
	ASSERT_OK(xsnprintf(live_cg, sizeof(live_cg), "%s/bh-enforce-%d", root, getpid()));
	if (mkdir(live_cg, 0755) < 0 && errno != EEXIST)
		tap_fail(__FILE__, __LINE__, "mkdir %s: %m", live_cg);
	ASSERT_OK(sensor_cgroup_id(live_cg, &live_cgid));
	atexit(live_cleanup);
	struct timespec rt, bt;
	(void)clock_gettime(CLOCK_REALTIME, &rt);
	(void)clock_gettime(CLOCK_BOOTTIME, &bt);
	boot_to_epoch = ((int64_t)rt.tv_sec - (int64_t)bt.tv_sec) * 1000000000LL +
			((int64_t)rt.tv_nsec - (int64_t)bt.tv_nsec);
}

/* Move the calling process into cgroup dir cg. */
static void join_cgroup(const char *cg)
{
	char p[160];
	if (xsnprintf(p, sizeof(p), "%s/cgroup.procs", cg) < 0)
		_exit(120);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		_exit(121);
	close(fd);
}

typedef int (*child_fn)(const void *arg);

/* fork; the child joins cg (NULL: stays here) and returns fn(arg) as its exit status; the
 * wait status of the child, its pid in *ret_pid. */
static int run_child(const char *cg, child_fn fn, const void *arg, pid_t *ret_pid)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		tap_fail(__FILE__, __LINE__, "fork: %m");
	if (pid == 0) {
		if (cg)
			join_cgroup(cg);
		_exit(fn(arg));
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		tap_fail(__FILE__, __LINE__, "waitpid: %m");
	if (ret_pid)
		*ret_pid = pid;
	return st;
}

static bool killed(int st)
{
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

static bool exited(int st, int code)
{
	return WIFEXITED(st) && WEXITSTATUS(st) == code;
}

/* the programs' output is not TAP */
static void quiet_stdout(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0)
		(void)dup2(fd, STDOUT_FILENO);
}

static int do_exec(const void *arg)
{
	char *const *argv = arg;
	quiet_stdout();
	execve(argv[0], argv, environ);
	return 127;
}

/* Events seen so far (the ones with a decision, and execs and exits). */
struct seen {
	int64_t pid;
	char type[24];
	char action[16];
	char reason[24];
	char name[256];
	uint64_t ts;
	int64_t sig;
};
static struct seen seen[4096];
static size_t n_seen;

static int collect(const struct bh_event *ev, void *userdata)
{
	if (n_seen >= ARRAY_SIZE(seen))
		return 0;
	const char *a = bh_event_arg(ev, "bh_action"), *r = bh_event_arg(ev, "bh_reason");
	const char *sig = bh_event_arg(ev, "sig");
	struct seen *s = &seen[n_seen++];
	memset(s, 0, sizeof(*s));
	s->pid = ev->proc.pid;
	s->ts = ev->ts;
	(void)xsnprintf(s->type, sizeof(s->type), "%s", ev->type);
	(void)xsnprintf(s->action, sizeof(s->action), "%s", a ? a : "");
	(void)xsnprintf(s->reason, sizeof(s->reason), "%s", r ? r : "");
	const char *name = ev->fd.name ? ev->fd.name : ev->proc.exepath;
	(void)xsnprintf(s->name, sizeof(s->name), "%.200s", name ? name : "");
	s->sig = sig ? sig[0] - '0' : -1;
	return 0;
}

/* The event of pid whose type starts with type and that has action and reason, waiting up
 * to 3 s for it; NULL when it does not come. */
static const struct seen *wait_event(int64_t pid, const char *type, const char *action,
				     const char *reason)
{
	for (int round = 0; round < 30; round++) {
		for (size_t i = 0; i < n_seen; i++)
			if (seen[i].pid == pid && !strncmp(seen[i].type, type, strlen(type)) &&
			    streq(seen[i].action, action) && streq(seen[i].reason, reason))
				return &seen[i];
		int r = sensor_session_poll(live, 100, collect, NULL);
		if (r < 0 && r != -EINTR)
			tap_fail(__FILE__, __LINE__, "poll: %s", strerror(-r));
	}
	return NULL;
}

static void allow_real(uint64_t cgid, const char *path)
{
	char real[4096];
	if (!realpath(path, real))
		tap_fail(__FILE__, __LINE__, "realpath %s: %m", path);
	ASSERT_OK(sensor_allow_exec(live, cgid, real));
}

TEST(live_probe)
{
	live_require(false);
	char why[512];
	int caps = sensor_enforce_probe(live, why, sizeof(why));
	printf("# %s\n", why);
	ASSERT_TRUE(caps >= 0);
	ASSERT_TRUE(caps & SENSOR_ENFORCE_SIGNAL);
	ASSERT_TRUE(caps & SENSOR_ENFORCE_LOADED);
}

TEST(live_exec)
{
	live_require(false);
	allow_real(live_cgid, "/bin/sh");
	allow_real(live_cgid, "/usr/bin/true");
	ASSERT_OK(sensor_protect_cgroup(live, live_cgid, SENSOR_PROTECT_EXEC));
	char *const id[] = {"/usr/bin/id", NULL};
	char *const tru[] = {"/usr/bin/true", NULL};
	char *const sh[] = {"/bin/sh", "-c", "exit 3", NULL};
	pid_t pid;
	int st = run_child(live_cg, do_exec, id, &pid);
	ASSERT_TRUE(killed(st));
	ASSERT_TRUE(wait_event(pid, "execve", "killed", "exec-not-allowed") != NULL);
	ASSERT_TRUE(exited(run_child(live_cg, do_exec, tru, NULL), 0));
	ASSERT_TRUE(exited(run_child(live_cg, do_exec, sh, NULL), 3));
	/* this process's cgroup is not protected */
	ASSERT_TRUE(exited(run_child(NULL, do_exec, id, &pid), 0));
	ASSERT_TRUE(wait_event(pid, "execve", "killed", "exec-not-allowed") == NULL);
	ASSERT_OK(sensor_unprotect_cgroup(live, live_cgid));
	ASSERT_TRUE(exited(run_child(live_cg, do_exec, id, NULL), 0));
	ASSERT_ERR(sensor_unprotect_cgroup(live, live_cgid), -ENOENT);
}

struct open_arg {
	const char *path;
	int flags;
};

static int do_open(const void *arg)
{
	const struct open_arg *a = arg;
	int fd = open(a->path, a->flags | O_CLOEXEC, 0644);
	if (fd < 0)
		return 10;
	if ((a->flags & O_ACCMODE) != O_RDONLY && write(fd, "x", 1) != 1)
		return 11;
	close(fd);
	return 0;
}

/* creat(2), and openat2(2) with its flags in user memory: no flags argument to look at */
static int do_creat(const void *arg)
{
	int fd = creat(arg, 0644);
	if (fd < 0)
		return 10;
	close(fd);
	return 0;
}

static int do_openat2(const void *arg)
{
	const struct open_arg *a = arg;
	struct open_how how = {.flags = (uint64_t)(a->flags | O_CLOEXEC),
			       .mode = (a->flags & O_CREAT) ? 0644 : 0}; /* else EINVAL */
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, a->path, &how, sizeof(how));
	if (fd < 0)
		return errno == ENOSYS ? 0 : 10;
	close(fd);
	return 0;
}

TEST(live_write)
{
	live_require(false);
	char tmpl[] = "/tmp/bh-enforce-XXXXXX", other[] = "/tmp/bh-enforce-XXXXXX";
	ASSERT_TRUE(mkdtemp(tmpl) != NULL);
	ASSERT_TRUE(mkdtemp(other) != NULL);
	char real[4096], f[4200], g[4200], h[4200];
	ASSERT_TRUE(realpath(tmpl, real) != NULL);
	ASSERT_OK(xsnprintf(f, sizeof(f), "%s/sub-file", real));
	ASSERT_OK(xsnprintf(g, sizeof(g), "%s/existing", real));
	ASSERT_OK(xsnprintf(h, sizeof(h), "%s/free", other));
	int fd = open(g, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ASSERT_TRUE(fd >= 0);
	ASSERT_TRUE(write(fd, "data", 4) == 4);
	close(fd);
	ASSERT_OK(sensor_protect_dir(live, live_cgid, real));
	ASSERT_OK(sensor_protect_cgroup(live, live_cgid, SENSOR_PROTECT_WRITE));
	pid_t pid;
	struct open_arg create = {f, O_WRONLY | O_CREAT}, rd = {g, O_RDONLY},
			trunc = {g, O_RDONLY | O_TRUNC}, rw = {g, O_RDWR},
			elsewhere = {h, O_WRONLY | O_CREAT};
	ASSERT_TRUE(killed(run_child(live_cg, do_open, &create, &pid)));
	const struct seen *e = wait_event(pid, "open", "killed", "write-protected");
	ASSERT_TRUE(e != NULL);
	ASSERT_STREQ(e->name, f);
	ASSERT_TRUE(exited(run_child(live_cg, do_open, &rd, NULL), 0));
	ASSERT_TRUE(killed(run_child(live_cg, do_open, &rw, NULL)));
	ASSERT_TRUE(killed(run_child(live_cg, do_open, &trunc, NULL)));
	ASSERT_TRUE(exited(run_child(live_cg, do_open, &elsewhere, NULL), 0));
	ASSERT_TRUE(killed(run_child(live_cg, do_creat, f, NULL)));
	ASSERT_TRUE(killed(run_child(live_cg, do_openat2, &create, NULL)));
	ASSERT_TRUE(exited(run_child(live_cg, do_openat2, &rd, NULL), 0));
	/* no byte was written by the killed writers: the file still holds this process's data
	 * (O_TRUNC did truncate it: the open had happened when the kill was decided) */
	struct stat st;
	ASSERT_OK(NERRNO(stat(f, &st)));
	ASSERT_EQ(st.st_size, 0);
	/* another cgroup writes freely */
	ASSERT_TRUE(exited(run_child(NULL, do_open, &create, NULL), 0));
	ASSERT_OK(sensor_unprotect_cgroup(live, live_cgid));
	ASSERT_TRUE(exited(run_child(live_cg, do_open, &create, NULL), 0));
	(void)unlink(f);
	(void)unlink(g);
	(void)unlink(h);
	(void)rmdir(real);
	(void)rmdir(other);
}

struct peer {
	int family;
	const char *addr;
	uint16_t port;
};

static int do_connect(const void *arg)
{
	const struct peer *p = arg;
	int fd = socket(p->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 10;
	struct sockaddr_storage ss = {0};
	socklen_t len;
	if (p->family == AF_INET) {
		struct sockaddr_in *in = (void *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(p->port);
		if (inet_pton(AF_INET, p->addr, &in->sin_addr) != 1)
			return 11;
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (void *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(p->port);
		if (inet_pton(AF_INET6, p->addr, &in6->sin6_addr) != 1)
			return 11;
		len = sizeof(*in6);
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		return 12;
	if (write(fd, "payload", 7) != 7)
		return 13;
	close(fd);
	return 0;
}

static int listen_on(int family, const char *addr, uint16_t *ret_port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_storage ss = {0};
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *in = (void *)&ss;
		in->sin_family = AF_INET;
		(void)inet_pton(AF_INET, addr, &in->sin_addr);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (void *)&ss;
		in6->sin6_family = AF_INET6;
		(void)inet_pton(AF_INET6, addr, &in6->sin6_addr);
		len = sizeof(*in6);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		close(fd);
		return -errno;
	}
	*ret_port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					    : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/* Bytes the connections waiting on listener fd carry (accepting each). */
static size_t drain(int fd)
{
	size_t total = 0;
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0)
			return total;
		char b[64];
		usleep(20000);
		ssize_t n = read(c, b, sizeof(b));
		if (n > 0)
			total += (size_t)n;
		close(c);
	}
}

TEST(live_connect)
{
	live_require(false);
	uint16_t p_ok, p_bad, p6;
	int l_ok = listen_on(AF_INET, "127.0.0.1", &p_ok);
	int l_bad = listen_on(AF_INET, "127.0.0.1", &p_bad);
	int l6 = listen_on(AF_INET6, "::1", &p6);
	ASSERT_TRUE(l_ok >= 0 && l_bad >= 0);
	uint8_t lo[4] = {127, 0, 0, 1};
	ASSERT_OK(sensor_allow_peer(live, live_cgid, AF_INET, lo, p_ok));
	ASSERT_OK(sensor_protect_cgroup(live, live_cgid, SENSOR_PROTECT_CONNECT));
	struct peer ok = {AF_INET, "127.0.0.1", p_ok}, bad = {AF_INET, "127.0.0.1", p_bad},
		    mapped = {AF_INET6, "::ffff:127.0.0.1", p_ok}, v6 = {AF_INET6, "::1", p6};
	pid_t pid;
	char why[512];
	bool guard = sensor_enforce_probe(live, why, sizeof(why)) & SENSOR_ENFORCE_CONNECT_GUARD;
	printf("# connect check: %s\n", guard ? "cgroup guard (EPERM), then killed" : "killed at entry");
	struct sensor_stats st0, st;
	ASSERT_OK(sensor_session_stats(live, &st0));
	ASSERT_TRUE(exited(run_child(live_cg, do_connect, &ok, NULL), 0));
	ASSERT_EQ(drain(l_ok), 7);
	ASSERT_TRUE(killed(run_child(live_cg, do_connect, &bad, &pid)));
	ASSERT_TRUE(wait_event(pid, "connect", "killed", "peer-not-allowed") != NULL);
	ASSERT_EQ(drain(l_bad), 0); /* no payload left: refused, or killed at connect's entry */
	ASSERT_TRUE(exited(run_child(live_cg, do_connect, &mapped, NULL), 0));
	ASSERT_EQ(drain(l_ok), 7);
	if (l6 >= 0) {
		ASSERT_TRUE(killed(run_child(live_cg, do_connect, &v6, &pid)));
		ASSERT_TRUE(wait_event(pid, "connect", "killed", "peer-not-allowed") != NULL);
		ASSERT_EQ(drain(l6), 0);
	}
	ASSERT_OK(sensor_session_stats(live, &st));
	/* the guard refused the connects before the kill: no SYN left the socket */
	ASSERT_EQ(st.denied - st0.denied, guard ? (l6 >= 0 ? 2 : 1) : 0);
	/* dry run: the connect goes through, marked would-kill */
	ASSERT_OK(sensor_protect_cgroup(live, live_cgid,
					SENSOR_PROTECT_CONNECT | SENSOR_PROTECT_DRY_RUN));
	ASSERT_TRUE(exited(run_child(live_cg, do_connect, &bad, &pid), 0));
	ASSERT_EQ(drain(l_bad), 7);
	ASSERT_TRUE(wait_event(pid, "connect", "would-kill", "peer-not-allowed") != NULL);
	ASSERT_OK(sensor_protect_cgroup(live, live_cgid, SENSOR_PROTECT_CONNECT));
	/* this process's cgroup is not protected */
	ASSERT_TRUE(exited(run_child(NULL, do_connect, &bad, NULL), 0));
	ASSERT_EQ(drain(l_bad), 7);
	ASSERT_OK(sensor_unprotect_cgroup(live, live_cgid));
	ASSERT_TRUE(exited(run_child(live_cg, do_connect, &bad, NULL), 0));
	ASSERT_EQ(drain(l_bad), 7);
	close(l_ok);
	close(l_bad);
	if (l6 >= 0)
		close(l6);
}

TEST(live_dry_run)
{
	live_require(false);
	char tmpl[] = "/tmp/bh-enforce-XXXXXX";
	ASSERT_TRUE(mkdtemp(tmpl) != NULL);
	char real[4096], f[4200];
	ASSERT_TRUE(realpath(tmpl, real) != NULL);
	ASSERT_OK(xsnprintf(f, sizeof(f), "%s/file", real));
	ASSERT_OK(sensor_protect_dir(live, live_cgid, real));
	ASSERT_OK(sensor_protect_cgroup(
	    live, live_cgid, SENSOR_PROTECT_EXEC | SENSOR_PROTECT_WRITE | SENSOR_PROTECT_DRY_RUN));
	char *const id[] = {"/usr/bin/id", NULL};
	pid_t pid;
	ASSERT_TRUE(exited(run_child(live_cg, do_exec, id, &pid), 0));
	ASSERT_TRUE(wait_event(pid, "execve", "would-kill", "exec-not-allowed") != NULL);
	struct open_arg create = {f, O_WRONLY | O_CREAT};
	ASSERT_TRUE(exited(run_child(live_cg, do_open, &create, &pid), 0));
	ASSERT_TRUE(wait_event(pid, "open", "would-kill", "write-protected") != NULL);
	struct sensor_stats stats;
	ASSERT_OK(sensor_session_stats(live, &stats));
	ASSERT_TRUE(stats.would_kill >= 2);
	ASSERT_TRUE(stats.killed >= 1);
	ASSERT_EQ(stats.signal_failed, 0);
	ASSERT_OK(sensor_unprotect_cgroup(live, live_cgid));
	(void)unlink(f);
	(void)rmdir(real);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* getppid, sched_yield, a handled signal (rt_sigreturn), then exit_group via _exit */
static int do_syscalls(const void *arg)
{
	(void)arg;
	(void)syscall(SYS_getppid);
	(void)syscall(SYS_sched_yield);
	struct sigaction sa = {.sa_handler = on_usr1};
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || raise(SIGUSR1) != 0)
		return 1;
	return 0;
}

/* the exit syscall itself (what a thread's end calls), not exit_group */
static int do_thread_exit(const void *arg)
{
	(void)arg;
	(void)syscall(SYS_exit, 0);
	return 1;
}

static int do_killed(const void *arg)
{
	(void)arg;
	(void)kill(getpid(), SIGKILL);
	return 1;
}

static bool bit(const uint64_t *bm, unsigned nr)
{
	return bm[nr / 64] & (1ULL << (nr % 64));
}

/* the live cgroup's set, learnt afresh from one child running fn */
static void learn_child(child_fn fn, uint64_t *bm, int *st)
{
	ASSERT_OK(sensor_track_syscalls(live, live_cgid, true));
	*st = run_child(live_cg, fn, NULL, NULL);
	ASSERT_OK(sensor_syscalls_read(live, live_cgid, bm));
	ASSERT_OK(sensor_track_syscalls(live, live_cgid, false));
}

TEST(live_learning)
{
	live_require(false);
	uint64_t bm[8];
	ASSERT_ERR(sensor_syscalls_read(live, live_cgid, bm), -ENOENT);
	ASSERT_OK(sensor_track_syscalls(live, live_cgid, true));
	ASSERT_OK(sensor_syscalls_read(live, live_cgid, bm));
	pid_t pid;
	ASSERT_TRUE(exited(run_child(live_cg, do_syscalls, NULL, &pid), 0));
	ASSERT_OK(sensor_syscalls_read(live, live_cgid, bm));
	ASSERT_TRUE(bit(bm, SYS_getppid));
	ASSERT_TRUE(bit(bm, SYS_sched_yield));
	ASSERT_TRUE(bit(bm, SYS_rt_sigaction));
	ASSERT_TRUE(bit(bm, SYS_rt_sigreturn)); /* its exit shows number -1 */
	ASSERT_TRUE(bit(bm, SYS_exit_group));	/* never returns: marked at the process exit */
	ASSERT_FALSE(bit(bm, SYS_exit));
	/* this process's own syscalls go to no set: its cgroup is not tracked */
	ASSERT_FALSE(bit(bm, SYS_statfs));
	_cleanup_buf_ struct buf names;
	buf_init(&names, 8192);
	ASSERT_OK(sensor_syscalls_names(bm, ' ', &names));
	printf("# learnt: %s\n", buf_str(&names));
	ASSERT_TRUE(strstr(buf_str(&names), "getppid") != NULL);
	ASSERT_OK(sensor_track_syscalls(live, live_cgid, false));
	ASSERT_ERR(sensor_syscalls_read(live, live_cgid, bm), -ENOENT);

	/* exit, not exit_group, when the group is not exiting */
	int st;
	learn_child(do_thread_exit, bm, &st);
	ASSERT_TRUE(exited(st, 0));
	ASSERT_TRUE(bit(bm, SYS_exit));
	ASSERT_FALSE(bit(bm, SYS_exit_group));
	/* killed by a signal: neither */
	learn_child(do_killed, bm, &st);
	ASSERT_TRUE(killed(st));
	ASSERT_TRUE(bit(bm, SYS_kill));
	ASSERT_FALSE(bit(bm, SYS_exit));
	ASSERT_FALSE(bit(bm, SYS_exit_group));
}

/* ---- benchmark modes (bench/sensor-enforce.sh) ---- */

/* the child's time stamp just before its call, shared with the parent */
static volatile uint64_t *shared_t0;

static int do_exec_timed(const void *arg)
{
	char *const *argv = arg;
	quiet_stdout();
	*shared_t0 = boot_ns();
	execve(argv[0], argv, environ);
	return 127;
}

static int do_open_timed(const void *arg)
{
	*shared_t0 = boot_ns();
	return do_open(arg);
}

static int do_connect_timed(const void *arg)
{
	*shared_t0 = boot_ns();
	return do_connect(arg);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *v, size_t n)
{
	if (!n) {
		printf("# bench %s n 0\n", what);
		return;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("# bench %s n %zu median_us %.1f p90_us %.1f max_us %.1f\n", what, n,
	       (double)v[n / 2] / 1e3, (double)v[n * 9 / 10] / 1e3, (double)v[n - 1] / 1e3);
}

/* N killed calls of one kind: call -> the record's time stamp (decision), call -> reaped */
static void bench_kind(const char *what, child_fn fn, const void *arg, const char *type,
		       const char *reason, size_t n)
{
	_cleanup_free_ uint64_t *dec = calloc(n, sizeof(uint64_t)),
				*reap = calloc(n, sizeof(uint64_t));
	ASSERT_TRUE(dec && reap);
	size_t nd = 0, nr = 0;
	for (size_t i = 0; i < n; i++) {
		*shared_t0 = 0;
		pid_t pid;
		int st = run_child(live_cg, fn, arg, &pid);
		uint64_t t1 = boot_ns();
		ASSERT_TRUE(killed(st));
		uint64_t t0 = *shared_t0;
		ASSERT_TRUE(t0 != 0);
		reap[nr++] = t1 - t0;
		const struct seen *e = wait_event(pid, type, "killed", reason);
		if (e && e->ts - (uint64_t)boot_to_epoch >= t0)
			dec[nd++] = e->ts - (uint64_t)boot_to_epoch - t0;
		if (n_seen > ARRAY_SIZE(seen) - 64)
			n_seen = 0;
	}
	char label[64];
	ASSERT_OK(xsnprintf(label, sizeof(label), "%s call_to_decision", what));
	report(label, dec, nd);
	ASSERT_OK(xsnprintf(label, sizeof(label), "%s call_to_reaped", what));
	report(label, reap, nr);
}

TEST(bench_latency)
{
	const char *mode = getenv("BH_ENFORCE_BENCH");
	if (!mode || !streq(mode, "latency"))
		TEST_SKIP("BH_ENFORCE_BENCH is not 'latency'");
	live_require(false);
	uint64_t n = 200;
	const char *ns = getenv("BH_ENFORCE_BENCH_N");
	if (ns)
		ASSERT_OK(parse_u64(span_from(ns), 10, 100000, &n));
	shared_t0 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(shared_t0 != MAP_FAILED);
	char tmpl[] = "/tmp/bh-enforce-XXXXXX";
	ASSERT_TRUE(mkdtemp(tmpl) != NULL);
	char real[4096], f[4200];
	ASSERT_TRUE(realpath(tmpl, real) != NULL);
	ASSERT_OK(xsnprintf(f, sizeof(f), "%s/file", real));
	uint16_t port;
	int l = listen_on(AF_INET, "127.0.0.1", &port);
	ASSERT_TRUE(l >= 0);
	ASSERT_OK(sensor_protect_dir(live, live_cgid, real));
	ASSERT_OK(sensor_protect_cgroup(
	    live, live_cgid, SENSOR_PROTECT_EXEC | SENSOR_PROTECT_WRITE | SENSOR_PROTECT_CONNECT));
	char *const id[] = {"/usr/bin/id", NULL};
	struct open_arg create = {f, O_WRONLY | O_CREAT};
	struct peer bad = {AF_INET, "127.0.0.1", port};
	bench_kind("exec", do_exec_timed, id, "execve", "exec-not-allowed", n);
	bench_kind("open", do_open_timed, &create, "open", "write-protected", n);
	bench_kind("connect", do_connect_timed, &bad, "connect", "peer-not-allowed", n);
	(void)drain(l);
	close(l);
	ASSERT_OK(sensor_unprotect_cgroup(live, live_cgid));
	(void)unlink(f);
	(void)rmdir(real);
}

static volatile sig_atomic_t driver_stop;

static void on_term(int sig)
{
	driver_stop = 1;
}

static int count_event(const struct bh_event *ev, void *userdata)
{
	(*(uint64_t *)userdata)++;
	return 0;
}

TEST(bench_driver)
{
	const char *mode = getenv("BH_ENFORCE_DRIVER");
	if (!mode)
		TEST_SKIP("BH_ENFORCE_DRIVER is not set");
	if (geteuid() != 0 || !sensor_bpf_built())
		TEST_SKIP("needs root and BPF");
	bool protect = streq(mode, "protect");
	struct sensor_session_options o = {
	    .kinds = sensor_kinds_default(), .no_containers = true, .enforce = protect};
	char err[512];
	_cleanup_(sensor_session_freep) struct sensor_session *s = NULL;
	int r = sensor_session_open(&o, &s, err, sizeof(err));
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "sensor_session_open: %s: %s", strerror(-r), err);
	if (protect) {
		const char *cg = getenv("BH_ENFORCE_CGROUP"), *allow = getenv("BH_ENFORCE_ALLOW");
		uint64_t id;
		ASSERT_TRUE(cg && allow);
		ASSERT_OK(sensor_cgroup_id(cg, &id));
		struct span in = span_from(allow), p;
		while (span_next_token(&in, ':', &p) == 0) {
			_cleanup_free_ char *path = span_dup(p);
			ASSERT_TRUE(path != NULL);
			ASSERT_OK(sensor_allow_exec(s, id, path));
		}
		uint8_t lo[4] = {127, 0, 0, 1};
		ASSERT_OK(sensor_allow_peer(s, id, AF_INET, lo, 0));
		ASSERT_OK(sensor_protect_dir(s, id, "/etc"));
		ASSERT_OK(sensor_protect_cgroup(
		    s, id, SENSOR_PROTECT_EXEC | SENSOR_PROTECT_WRITE | SENSOR_PROTECT_CONNECT));
	}
	struct sigaction sa = {.sa_handler = on_term};
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	printf("# ready\n");
	fflush(stdout);
	uint64_t events = 0;
	while (!driver_stop) {
		r = sensor_session_poll(s, 100, count_event, &events);
		if (r < 0 && r != -EINTR)
			tap_fail(__FILE__, __LINE__, "poll: %s", strerror(-r));
	}
	struct sensor_stats st;
	ASSERT_OK(sensor_session_stats(s, &st));
	printf("# bench driver %s events %" PRIu64 " killed %" PRIu64 " dropped %" PRIu64 "\n",
	       mode, events, st.killed, st.dropped);
	ASSERT_EQ(st.killed, 0);
}
