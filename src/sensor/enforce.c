/* SPDX-License-Identifier: Apache-2.0 */
/*
 * enforce.c — protect mode and syscall learning (see enforce.h): the user side fills the BPF
 * maps of bpf/events.h through the loader (the only libbpf user) and keeps the BPF side's
 * gates (how many cgroups are protected, tracked) equal to the maps' sizes.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <inttypes.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "sensor/enforce.h"
#include "sensor/loader.h"
#include "sensor/syscalls.h"

/* the session's programs, when they were loaded with feature */
static struct sensor_bpf *bpf_with(struct sensor_session *s, unsigned feature)
{
	if (!s)
		return NULL;
	struct sensor_bpf *b = sensor_session_bpf(s);
	return b && (sensor_bpf_features(b) & feature) ? b : NULL;
}

/* ---- the path hash ---- */

static uint64_t fnv_byte(uint64_t h, uint8_t c)
{
	return (h ^ c) * BH_FNV_PRIME;
}

int sensor_path_hash(const char *path, uint64_t *ret)
{
	if (!path || path[0] != '/')
		return -EINVAL;
	uint64_t h = BH_FNV_OFFSET;
	size_t n = 0, bytes = 0;
	struct span in = span_from(path), comp;
	while (span_next_token(&in, '/', &comp) == 0) {
		if (!comp.len)
			continue;
		if (span_eq_str(comp, ".") || span_eq_str(comp, ".."))
			return -EINVAL;
		if (memchr(comp.ptr, '\0', comp.len))
			return -EINVAL;
		/* the walk copies at most BH_NAME_MAX bytes with the NUL */
		if (comp.len >= BH_NAME_MAX || ++n > BH_PATH_MAX_COMPONENTS)
			return -E2BIG;
		bytes += comp.len + 1;
		if (bytes > BH_PATH_HASH_SCAN)
			return -E2BIG;
		/* the component list read backwards: its NUL, then its bytes from the last */
		h = fnv_byte(h, 0);
		for (size_t i = comp.len; i > 0; i--)
			h = fnv_byte(h, (uint8_t)comp.ptr[i - 1]);
	}
	*ret = h;
	return 0;
}

int sensor_cgroup_id(const char *path, uint64_t *ret)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*ret = (uint64_t)st.st_ino;
	return 0;
}

/* ---- protect mode ---- */

/* Entries of map m (at most max): the BPF side's gate for it. */
static int map_count(struct sensor_bpf *b, enum sensor_bpf_map m, size_t key_size, uint32_t *ret)
{
	uint8_t key[64], next[64];
	assert(key_size <= sizeof(key));
	uint32_t n = 0;
	const void *prev = NULL;
	for (;;) {
		int r = sensor_bpf_map_next_key(b, m, prev, next);
		if (r == -ENOENT)
			break;
		if (r < 0)
			return r;
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	*ret = n;
	return 0;
}

static int update_gate(struct sensor_bpf *b, enum sensor_bpf_map m, enum sensor_bpf_gate g)
{
	uint32_t n;
	int r = map_count(b, m, sizeof(uint64_t), &n);
	if (r < 0)
		return r;
	sensor_bpf_set_gate(b, g, n);
	return 0;
}

int sensor_protect_cgroup(struct sensor_session *s, uint64_t cgroup_id, unsigned flags)
{
	struct sensor_bpf *b = bpf_with(s, SENSOR_BPF_ENFORCE);
	if (!b)
		return -EOPNOTSUPP;
	if (!cgroup_id || (flags & ~(unsigned)BH_PROTECT_ALL) ||
	    !(flags & (BH_PROTECT_EXEC | BH_PROTECT_WRITE | BH_PROTECT_CONNECT)))
		return -EINVAL;
	struct bh_protect p = {.flags = flags};
	int r = sensor_bpf_map_update(b, SENSOR_MAP_PROTECT, &cgroup_id, &p);
	if (r < 0)
		return r;
	return update_gate(b, SENSOR_MAP_PROTECT, SENSOR_GATE_PROTECTED);
}

/* Delete every key of map m whose first 8 bytes are cgroup_id. */
static int drop_cgroup_keys(struct sensor_bpf *b, enum sensor_bpf_map m, size_t key_size,
			    uint64_t cgroup_id)
{
	_cleanup_free_ uint8_t *keys = NULL;
	size_t n = 0, cap = 0;
	uint8_t cur[64], next[64];
	assert(key_size <= sizeof(cur));
	const void *prev = NULL;
	for (;;) {
		int r = sensor_bpf_map_next_key(b, m, prev, next);
		if (r == -ENOENT)
			break;
		if (r < 0)
			return r;
		memcpy(cur, next, key_size);
		prev = cur;
		uint64_t id;
		memcpy(&id, cur, sizeof(id));
		if (id != cgroup_id)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			uint8_t *nk = reallocarray(keys, ncap, key_size);
			if (!nk)
				return -ENOMEM;
			keys = nk;
			cap = ncap;
		}
		memcpy(keys + n * key_size, cur, key_size);
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		int r = sensor_bpf_map_delete(b, m, keys + i * key_size);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

int sensor_unprotect_cgroup(struct sensor_session *s, uint64_t cgroup_id)
{
	struct sensor_bpf *b = bpf_with(s, SENSOR_BPF_ENFORCE);
	if (!b)
		return -EOPNOTSUPP;
	int r = sensor_bpf_map_delete(b, SENSOR_MAP_PROTECT, &cgroup_id);
	int rg = update_gate(b, SENSOR_MAP_PROTECT, SENSOR_GATE_PROTECTED);
	if (r < 0)
		return r;
	if (rg < 0)
		return rg;
	return drop_cgroup_keys(b, SENSOR_MAP_ALLOW_EXEC, sizeof(struct bh_path_key), cgroup_id) ?:
	       drop_cgroup_keys(b, SENSOR_MAP_PROTECT_DIRS, sizeof(struct bh_path_key),
				cgroup_id) ?:
	       drop_cgroup_keys(b, SENSOR_MAP_ALLOW_PEER, sizeof(struct bh_peer_key), cgroup_id);
}

static int put_path_key(struct sensor_session *s, enum sensor_bpf_map m, uint64_t cgroup_id,
			const char *path)
{
	struct sensor_bpf *b = bpf_with(s, SENSOR_BPF_ENFORCE);
	if (!b)
		return -EOPNOTSUPP;
	if (!cgroup_id)
		return -EINVAL;
	struct bh_path_key k = {.cgroup_id = cgroup_id};
	int r = sensor_path_hash(path, &k.hash);
	if (r < 0)
		return r;
	uint8_t one = 1;
	return sensor_bpf_map_update(b, m, &k, &one);
}

int sensor_allow_exec(struct sensor_session *s, uint64_t cgroup_id, const char *path)
{
	return put_path_key(s, SENSOR_MAP_ALLOW_EXEC, cgroup_id, path);
}

int sensor_protect_dir(struct sensor_session *s, uint64_t cgroup_id, const char *dir)
{
	/* "/" would protect everything: a write anywhere kills */
	return put_path_key(s, SENSOR_MAP_PROTECT_DIRS, cgroup_id, dir);
}

int sensor_allow_peer(struct sensor_session *s, uint64_t cgroup_id, int family, const void *addr,
		      uint16_t port)
{
	struct sensor_bpf *b = bpf_with(s, SENSOR_BPF_ENFORCE);
	if (!b)
		return -EOPNOTSUPP;
	if (!cgroup_id || !addr)
		return -EINVAL;
	struct bh_peer_key k = {.cgroup_id = cgroup_id, .port = port};
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (family == AF_INET) {
		k.family = AF_INET;
		memcpy(k.addr, addr, 4);
	} else if (family == AF_INET6) {
		k.family = AF_INET6;
		memcpy(k.addr, addr, 16);
		if (!memcmp(k.addr, mapped, sizeof(mapped))) {
			k.family = AF_INET;
			memmove(k.addr, k.addr + 12, 4);
			memset(k.addr + 4, 0, 12);
		}
	} else {
		return -EINVAL;
	}
	uint8_t one = 1;
	return sensor_bpf_map_update(b, SENSOR_MAP_ALLOW_PEER, &k, &one);
}

int sensor_enforce_probe(struct sensor_session *s, char *why, size_t n)
{
	static bool lsm_said;
	int caps = 0;
	int r = sensor_bpf_probe_send_signal();
	if (r < 0 && r != -EOPNOTSUPP)
		return r;
	if (r > 0)
		caps |= SENSOR_ENFORCE_SIGNAL;
	if (bpf_with(s, SENSOR_BPF_ENFORCE))
		caps |= SENSOR_ENFORCE_LOADED;
	if (bpf_with(s, SENSOR_BPF_ENFORCE) && bpf_with(s, SENSOR_BPF_CONNECT_GUARD))
		caps |= SENSOR_ENFORCE_CONNECT_GUARD;
	char lsm[160];
	if (sensor_bpf_probe_lsm(lsm, sizeof(lsm)) > 0)
		caps |= SENSOR_ENFORCE_LSM;
	if (!lsm_said) {
		log_debug("protect mode: BPF-LSM: %s; decisions are made on tracepoints", lsm);
		lsm_said = true;
	}
	r = xsnprintf(why, n,
		      "bpf_send_signal: %s; protect mode: %s%s; BPF-LSM: %s (not used: decisions "
		      "are made on the sched_process_exec and syscall tracepoints)",
		      (caps & SENSOR_ENFORCE_SIGNAL) ? "available to tracing programs"
		      : r == -EOPNOTSUPP	     ? "unknown (built without BPF support)"
						     : "refused by this kernel",
		      (caps & SENSOR_ENFORCE_LOADED) ? "loaded in this session"
		      : s ? "not loaded in this session (open it with enforce)"
			  : "no session",
		      (caps & SENSOR_ENFORCE_CONNECT_GUARD) ? ", connects refused by the cgroup guard "
							      "then killed"
		      : (caps & SENSOR_ENFORCE_LOADED)	    ? ", connects killed at their entry"
							    : "",
		      lsm);
	return r < 0 ? r : caps;
}

/* ---- syscall learning ---- */

int sensor_track_syscalls(struct sensor_session *s, uint64_t cgroup_id, bool on)
{
	struct sensor_bpf *b = bpf_with(s, SENSOR_BPF_LEARN);
	if (!b)
		return -EOPNOTSUPP;
	if (!cgroup_id)
		return -EINVAL;
	int r;
	if (on) {
		struct bh_sc_bitmap cur;
		r = sensor_bpf_map_lookup(b, SENSOR_MAP_SC_LEARN, &cgroup_id, &cur);
		if (r == 0)
			return 0; /* already tracked: keep what it learnt */
		struct bh_sc_bitmap zero = {0};
		r = sensor_bpf_map_update(b, SENSOR_MAP_SC_LEARN, &cgroup_id, &zero);
	} else {
		r = sensor_bpf_map_delete(b, SENSOR_MAP_SC_LEARN, &cgroup_id);
	}
	if (r < 0)
		return r;
	return update_gate(b, SENSOR_MAP_SC_LEARN, SENSOR_GATE_TRACKED);
}

int sensor_syscalls_read(struct sensor_session *s, uint64_t cgroup_id, uint64_t bitmap[8])
{
	struct sensor_bpf *b = bpf_with(s, SENSOR_BPF_LEARN);
	if (!b)
		return -EOPNOTSUPP;
	struct bh_sc_bitmap v;
	int r = sensor_bpf_map_lookup(b, SENSOR_MAP_SC_LEARN, &cgroup_id, &v);
	if (r < 0)
		return r;
	memcpy(bitmap, v.bits, sizeof(v.bits));
	return 0;
}

#if defined(__x86_64__)
/* x86-64 syscall names by number (arch/x86/entry/syscalls/syscall_64.tbl) */
static const char *const x86_64_names[] = {
    [0] = "read",
    [1] = "write",
    [2] = "open",
    [3] = "close",
    [4] = "stat",
    [5] = "fstat",
    [6] = "lstat",
    [7] = "poll",
    [8] = "lseek",
    [9] = "mmap",
    [10] = "mprotect",
    [11] = "munmap",
    [12] = "brk",
    [13] = "rt_sigaction",
    [14] = "rt_sigprocmask",
    [15] = "rt_sigreturn",
    [16] = "ioctl",
    [17] = "pread64",
    [18] = "pwrite64",
    [19] = "readv",
    [20] = "writev",
    [21] = "access",
    [22] = "pipe",
    [23] = "select",
    [24] = "sched_yield",
    [25] = "mremap",
    [26] = "msync",
    [27] = "mincore",
    [28] = "madvise",
    [29] = "shmget",
    [30] = "shmat",
    [31] = "shmctl",
    [32] = "dup",
    [33] = "dup2",
    [34] = "pause",
    [35] = "nanosleep",
    [36] = "getitimer",
    [37] = "alarm",
    [38] = "setitimer",
    [39] = "getpid",
    [40] = "sendfile",
    [41] = "socket",
    [42] = "connect",
    [43] = "accept",
    [44] = "sendto",
    [45] = "recvfrom",
    [46] = "sendmsg",
    [47] = "recvmsg",
    [48] = "shutdown",
    [49] = "bind",
    [50] = "listen",
    [51] = "getsockname",
    [52] = "getpeername",
    [53] = "socketpair",
    [54] = "setsockopt",
    [55] = "getsockopt",
    [56] = "clone",
    [57] = "fork",
    [58] = "vfork",
    [59] = "execve",
    [60] = "exit",
    [61] = "wait4",
    [62] = "kill",
    [63] = "uname",
    [64] = "semget",
    [65] = "semop",
    [66] = "semctl",
    [67] = "shmdt",
    [68] = "msgget",
    [69] = "msgsnd",
    [70] = "msgrcv",
    [71] = "msgctl",
    [72] = "fcntl",
    [73] = "flock",
    [74] = "fsync",
    [75] = "fdatasync",
    [76] = "truncate",
    [77] = "ftruncate",
    [78] = "getdents",
    [79] = "getcwd",
    [80] = "chdir",
    [81] = "fchdir",
    [82] = "rename",
    [83] = "mkdir",
    [84] = "rmdir",
    [85] = "creat",
    [86] = "link",
    [87] = "unlink",
    [88] = "symlink",
    [89] = "readlink",
    [90] = "chmod",
    [91] = "fchmod",
    [92] = "chown",
    [93] = "fchown",
    [94] = "lchown",
    [95] = "umask",
    [96] = "gettimeofday",
    [97] = "getrlimit",
    [98] = "getrusage",
    [99] = "sysinfo",
    [100] = "times",
    [101] = "ptrace",
    [102] = "getuid",
    [103] = "syslog",
    [104] = "getgid",
    [105] = "setuid",
    [106] = "setgid",
    [107] = "geteuid",
    [108] = "getegid",
    [109] = "setpgid",
    [110] = "getppid",
    [111] = "getpgrp",
    [112] = "setsid",
    [113] = "setreuid",
    [114] = "setregid",
    [115] = "getgroups",
    [116] = "setgroups",
    [117] = "setresuid",
    [118] = "getresuid",
    [119] = "setresgid",
    [120] = "getresgid",
    [121] = "getpgid",
    [122] = "setfsuid",
    [123] = "setfsgid",
    [124] = "getsid",
    [125] = "capget",
    [126] = "capset",
    [127] = "rt_sigpending",
    [128] = "rt_sigtimedwait",
    [129] = "rt_sigqueueinfo",
    [130] = "rt_sigsuspend",
    [131] = "sigaltstack",
    [132] = "utime",
    [133] = "mknod",
    [134] = "uselib",
    [135] = "personality",
    [136] = "ustat",
    [137] = "statfs",
    [138] = "fstatfs",
    [139] = "sysfs",
    [140] = "getpriority",
    [141] = "setpriority",
    [142] = "sched_setparam",
    [143] = "sched_getparam",
    [144] = "sched_setscheduler",
    [145] = "sched_getscheduler",
    [146] = "sched_get_priority_max",
    [147] = "sched_get_priority_min",
    [148] = "sched_rr_get_interval",
    [149] = "mlock",
    [150] = "munlock",
    [151] = "mlockall",
    [152] = "munlockall",
    [153] = "vhangup",
    [154] = "modify_ldt",
    [155] = "pivot_root",
    [156] = "_sysctl",
    [157] = "prctl",
    [158] = "arch_prctl",
    [159] = "adjtimex",
    [160] = "setrlimit",
    [161] = "chroot",
    [162] = "sync",
    [163] = "acct",
    [164] = "settimeofday",
    [165] = "mount",
    [166] = "umount2",
    [167] = "swapon",
    [168] = "swapoff",
    [169] = "reboot",
    [170] = "sethostname",
    [171] = "setdomainname",
    [172] = "iopl",
    [173] = "ioperm",
    [174] = "create_module",
    [175] = "init_module",
    [176] = "delete_module",
    [177] = "get_kernel_syms",
    [178] = "query_module",
    [179] = "quotactl",
    [180] = "nfsservctl",
    [181] = "getpmsg",
    [182] = "putpmsg",
    [183] = "afs_syscall",
    [184] = "tuxcall",
    [185] = "security",
    [186] = "gettid",
    [187] = "readahead",
    [188] = "setxattr",
    [189] = "lsetxattr",
    [190] = "fsetxattr",
    [191] = "getxattr",
    [192] = "lgetxattr",
    [193] = "fgetxattr",
    [194] = "listxattr",
    [195] = "llistxattr",
    [196] = "flistxattr",
    [197] = "removexattr",
    [198] = "lremovexattr",
    [199] = "fremovexattr",
    [200] = "tkill",
    [201] = "time",
    [202] = "futex",
    [203] = "sched_setaffinity",
    [204] = "sched_getaffinity",
    [205] = "set_thread_area",
    [206] = "io_setup",
    [207] = "io_destroy",
    [208] = "io_getevents",
    [209] = "io_submit",
    [210] = "io_cancel",
    [211] = "get_thread_area",
    [212] = "lookup_dcookie",
    [213] = "epoll_create",
    [214] = "epoll_ctl_old",
    [215] = "epoll_wait_old",
    [216] = "remap_file_pages",
    [217] = "getdents64",
    [218] = "set_tid_address",
    [219] = "restart_syscall",
    [220] = "semtimedop",
    [221] = "fadvise64",
    [222] = "timer_create",
    [223] = "timer_settime",
    [224] = "timer_gettime",
    [225] = "timer_getoverrun",
    [226] = "timer_delete",
    [227] = "clock_settime",
    [228] = "clock_gettime",
    [229] = "clock_getres",
    [230] = "clock_nanosleep",
    [231] = "exit_group",
    [232] = "epoll_wait",
    [233] = "epoll_ctl",
    [234] = "tgkill",
    [235] = "utimes",
    [236] = "vserver",
    [237] = "mbind",
    [238] = "set_mempolicy",
    [239] = "get_mempolicy",
    [240] = "mq_open",
    [241] = "mq_unlink",
    [242] = "mq_timedsend",
    [243] = "mq_timedreceive",
    [244] = "mq_notify",
    [245] = "mq_getsetattr",
    [246] = "kexec_load",
    [247] = "waitid",
    [248] = "add_key",
    [249] = "request_key",
    [250] = "keyctl",
    [251] = "ioprio_set",
    [252] = "ioprio_get",
    [253] = "inotify_init",
    [254] = "inotify_add_watch",
    [255] = "inotify_rm_watch",
    [256] = "migrate_pages",
    [257] = "openat",
    [258] = "mkdirat",
    [259] = "mknodat",
    [260] = "fchownat",
    [261] = "futimesat",
    [262] = "newfstatat",
    [263] = "unlinkat",
    [264] = "renameat",
    [265] = "linkat",
    [266] = "symlinkat",
    [267] = "readlinkat",
    [268] = "fchmodat",
    [269] = "faccessat",
    [270] = "pselect6",
    [271] = "ppoll",
    [272] = "unshare",
    [273] = "set_robust_list",
    [274] = "get_robust_list",
    [275] = "splice",
    [276] = "tee",
    [277] = "sync_file_range",
    [278] = "vmsplice",
    [279] = "move_pages",
    [280] = "utimensat",
    [281] = "epoll_pwait",
    [282] = "signalfd",
    [283] = "timerfd_create",
    [284] = "eventfd",
    [285] = "fallocate",
    [286] = "timerfd_settime",
    [287] = "timerfd_gettime",
    [288] = "accept4",
    [289] = "signalfd4",
    [290] = "eventfd2",
    [291] = "epoll_create1",
    [292] = "dup3",
    [293] = "pipe2",
    [294] = "inotify_init1",
    [295] = "preadv",
    [296] = "pwritev",
    [297] = "rt_tgsigqueueinfo",
    [298] = "perf_event_open",
    [299] = "recvmmsg",
    [300] = "fanotify_init",
    [301] = "fanotify_mark",
    [302] = "prlimit64",
    [303] = "name_to_handle_at",
    [304] = "open_by_handle_at",
    [305] = "clock_adjtime",
    [306] = "syncfs",
    [307] = "sendmmsg",
    [308] = "setns",
    [309] = "getcpu",
    [310] = "process_vm_readv",
    [311] = "process_vm_writev",
    [312] = "kcmp",
    [313] = "finit_module",
    [314] = "sched_setattr",
    [315] = "sched_getattr",
    [316] = "renameat2",
    [317] = "seccomp",
    [318] = "getrandom",
    [319] = "memfd_create",
    [320] = "kexec_file_load",
    [321] = "bpf",
    [322] = "execveat",
    [323] = "userfaultfd",
    [324] = "membarrier",
    [325] = "mlock2",
    [326] = "copy_file_range",
    [327] = "preadv2",
    [328] = "pwritev2",
    [329] = "pkey_mprotect",
    [330] = "pkey_alloc",
    [331] = "pkey_free",
    [332] = "statx",
    [333] = "io_pgetevents",
    [334] = "rseq",
    [424] = "pidfd_send_signal",
    [425] = "io_uring_setup",
    [426] = "io_uring_enter",
    [427] = "io_uring_register",
    [428] = "open_tree",
    [429] = "move_mount",
    [430] = "fsopen",
    [431] = "fsconfig",
    [432] = "fsmount",
    [433] = "fspick",
    [434] = "pidfd_open",
    [435] = "clone3",
    [436] = "close_range",
    [437] = "openat2",
    [438] = "pidfd_getfd",
    [439] = "faccessat2",
    [440] = "process_madvise",
    [441] = "epoll_pwait2",
    [442] = "mount_setattr",
    [443] = "quotactl_fd",
    [444] = "landlock_create_ruleset",
    [445] = "landlock_add_rule",
    [446] = "landlock_restrict_self",
    [447] = "memfd_secret",
    [448] = "process_mrelease",
    [449] = "futex_waitv",
    [450] = "set_mempolicy_home_node",
    [451] = "cachestat",
    [452] = "fchmodat2",
    [453] = "map_shadow_stack",
    [454] = "futex_wake",
    [455] = "futex_wait",
    [456] = "futex_requeue",
    [457] = "statmount",
    [458] = "listmount",
    [459] = "lsm_get_self_attr",
    [460] = "lsm_set_self_attr",
    [461] = "lsm_list_modules",
    [462] = "mseal",
    [463] = "setxattrat",
    [464] = "getxattrat",
    [465] = "listxattrat",
    [466] = "removexattrat",
    [467] = "open_tree_attr",
    [468] = "file_getattr",
    [469] = "file_setattr",
};
#endif

const char *sensor_syscall_name(uint32_t nr)
{
#if defined(__x86_64__)
	if (nr < ARRAY_SIZE(x86_64_names) && x86_64_names[nr])
		return x86_64_names[nr];
#endif
	/* elsewhere, the syscalls the sensor follows */
	const struct sensor_syscall *sc = sensor_syscall_by_nr(nr);
	return sc ? sc->name : NULL;
}

int sensor_syscalls_names(const uint64_t bitmap[8], char sep, struct buf *out)
{
	int r = 0;
	bool first = true;
	for (uint32_t nr = 0; nr < BH_SC_LEARN_NR && r >= 0; nr++) {
		if (!(bitmap[nr / 64] & (1ULL << (nr % 64))))
			continue;
		if (!first)
			r = buf_putc(out, sep);
		first = false;
		const char *name = sensor_syscall_name(nr);
		if (r >= 0)
			r = name ? buf_puts(out, name) : buf_printf(out, "syscall_%" PRIu32, nr);
	}
	return r;
}
