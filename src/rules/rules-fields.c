/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules-fields.c — the Falco fields this engine provides, extracted from struct bh_event,
 * and the Falco event-type names. Fields Falco has but bulkhead does not provide are listed
 * too (supported = false): a condition using one makes its rule "skipped: unknown field X",
 * an output using one prints <NA>; a name in neither list is unknown to Falco as well and
 * is an error, as in Falco. Derived strings (proc.cmdline, fd.directory, capability names)
 * are built once per event into the set's fixed scratch area: nothing here allocates.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/caps.h"
#include "rules/rules-int.h"

enum {
	F_EVT_TYPE = 1,
	F_EVT_DIR,
	F_EVT_RES,
	F_EVT_RAWRES,
	F_EVT_FAILED,
	F_EVT_NUM,
	F_EVT_TIME,
	F_EVT_RAWTIME,
	F_EVT_CPU,
	F_EVT_ARG,
	F_EVT_ARGS,
	F_EVT_RAWARG,
	F_EVT_IS_OPEN_READ,
	F_EVT_IS_OPEN_WRITE,
	F_EVT_SOURCE,
	F_PROC_PID,
	F_PROC_PPID,
	F_PROC_VPID,
	F_PROC_NAME,
	F_PROC_EXE,
	F_PROC_EXEPATH,
	F_PROC_ARGS,
	F_PROC_CMDLINE,
	F_PROC_CWD,
	F_PROC_TTY,
	F_PROC_PNAME,
	F_PROC_PEXE,
	F_PROC_PEXEPATH,
	F_PROC_PCMDLINE,
	F_PROC_ANAME,
	F_PROC_AEXE,
	F_PROC_AEXEPATH,
	F_PROC_APID,
	F_PROC_ACMDLINE,
	F_PROC_UPPER,
	F_PROC_MEMFD,
	F_PROC_DURATION,
	F_PROC_LOGINUID,
	F_THREAD_TID,
	F_THREAD_VTID,
	F_CAP_P,
	F_CAP_E,
	F_CAP_I,
	F_USER_UID,
	F_USER_NAME,
	F_USER_LOGINUID,
	F_GROUP_GID,
	F_GROUP_NAME,
	F_FD_NUM,
	F_FD_TYPE,
	F_FD_TYPECHAR,
	F_FD_NAME,
	F_FD_NAMERAW,
	F_FD_DIRECTORY,
	F_FD_FILENAME,
	F_FD_L4PROTO,
	F_FD_SIP,
	F_FD_CIP,
	F_FD_LIP,
	F_FD_RIP,
	F_FD_IP,
	F_FD_SPORT,
	F_FD_CPORT,
	F_FD_LPORT,
	F_FD_RPORT,
	F_FD_PORT,
	F_FD_NET,
	F_FD_SNET,
	F_FD_CNET,
	F_FD_LNET,
	F_FD_RNET,
	F_FD_CONNECTED,
	F_FD_SOCKFAMILY,
	F_FD_NAME_CHANGED,
	F_FD_IS_SERVER,
	F_CT_ID,
	F_CT_FULL_ID,
	F_CT_NAME,
	F_CT_IMAGE,
	F_CT_IMAGE_REPO,
	F_CT_IMAGE_TAG,
	F_CT_IMAGE_DIGEST,
	F_CT_PRIVILEGED,
	F_CT_TYPE,
	F_CT_LABEL,
	F_K8S_NS,
	F_K8S_POD,
	F_UNSUPPORTED,
};

#define S(n, t, a, id)                                                                             \
	{                                                                                          \
		n, t, a, id, true                                                                  \
	}
#define U(n, t, a)                                                                                 \
	{                                                                                          \
		n, t, a, F_UNSUPPORTED, false                                                      \
	}

static const struct rf_field fields[] = {
    S("evt.type", RF_STR, RF_ARG_NONE, F_EVT_TYPE),
    S("evt.dir", RF_STR, RF_ARG_NONE, F_EVT_DIR),
    S("evt.res", RF_STR, RF_ARG_NONE, F_EVT_RES),
    S("evt.rawres", RF_INT, RF_ARG_NONE, F_EVT_RAWRES),
    S("evt.failed", RF_BOOL, RF_ARG_NONE, F_EVT_FAILED),
    S("evt.num", RF_INT, RF_ARG_NONE, F_EVT_NUM),
    S("evt.time", RF_STR, RF_ARG_NONE, F_EVT_TIME),
    S("evt.rawtime", RF_INT, RF_ARG_NONE, F_EVT_RAWTIME),
    S("evt.cpu", RF_INT, RF_ARG_NONE, F_EVT_CPU),
    S("evt.arg", RF_STR, RF_ARG_ANY, F_EVT_ARG),
    S("evt.args", RF_STR, RF_ARG_NONE, F_EVT_ARGS),
    S("evt.rawarg", RF_INT, RF_ARG_ANY, F_EVT_RAWARG),
    S("evt.is_open_read", RF_BOOL, RF_ARG_NONE, F_EVT_IS_OPEN_READ),
    S("evt.is_open_write", RF_BOOL, RF_ARG_NONE, F_EVT_IS_OPEN_WRITE),
    S("evt.source", RF_STR, RF_ARG_NONE, F_EVT_SOURCE),
    S("proc.pid", RF_INT, RF_ARG_NONE, F_PROC_PID),
    S("proc.ppid", RF_INT, RF_ARG_NONE, F_PROC_PPID),
    S("proc.vpid", RF_INT, RF_ARG_NONE, F_PROC_VPID),
    S("proc.name", RF_STR, RF_ARG_NONE, F_PROC_NAME),
    S("proc.exe", RF_STR, RF_ARG_NONE, F_PROC_EXE),
    S("proc.exepath", RF_STR, RF_ARG_NONE, F_PROC_EXEPATH),
    S("proc.args", RF_STR, RF_ARG_NONE, F_PROC_ARGS),
    S("proc.cmdline", RF_STR, RF_ARG_NONE, F_PROC_CMDLINE),
    S("proc.cwd", RF_STR, RF_ARG_NONE, F_PROC_CWD),
    S("proc.tty", RF_INT, RF_ARG_NONE, F_PROC_TTY),
    S("proc.pname", RF_STR, RF_ARG_NONE, F_PROC_PNAME),
    S("proc.pexe", RF_STR, RF_ARG_NONE, F_PROC_PEXE),
    S("proc.pexepath", RF_STR, RF_ARG_NONE, F_PROC_PEXEPATH),
    S("proc.pcmdline", RF_STR, RF_ARG_NONE, F_PROC_PCMDLINE),
    S("proc.aname", RF_STR, RF_ARG_INDEX, F_PROC_ANAME),
    S("proc.aexe", RF_STR, RF_ARG_INDEX, F_PROC_AEXE),
    S("proc.aexepath", RF_STR, RF_ARG_INDEX, F_PROC_AEXEPATH),
    S("proc.apid", RF_INT, RF_ARG_INDEX, F_PROC_APID),
    S("proc.acmdline", RF_STR, RF_ARG_INDEX, F_PROC_ACMDLINE),
    S("proc.is_exe_upper_layer", RF_BOOL, RF_ARG_NONE, F_PROC_UPPER),
    S("proc.is_exe_from_memfd", RF_BOOL, RF_ARG_NONE, F_PROC_MEMFD),
    S("proc.duration", RF_INT, RF_ARG_NONE, F_PROC_DURATION),
    S("proc.loginuid", RF_INT, RF_ARG_NONE, F_PROC_LOGINUID),
    S("thread.tid", RF_INT, RF_ARG_NONE, F_THREAD_TID),
    S("thread.vtid", RF_INT, RF_ARG_NONE, F_THREAD_VTID),
    S("thread.cap_permitted", RF_STR, RF_ARG_NONE, F_CAP_P),
    S("thread.cap_effective", RF_STR, RF_ARG_NONE, F_CAP_E),
    S("thread.cap_inheritable", RF_STR, RF_ARG_NONE, F_CAP_I),
    S("user.uid", RF_INT, RF_ARG_NONE, F_USER_UID),
    S("user.name", RF_STR, RF_ARG_NONE, F_USER_NAME),
    S("user.loginuid", RF_INT, RF_ARG_NONE, F_USER_LOGINUID),
    S("group.gid", RF_INT, RF_ARG_NONE, F_GROUP_GID),
    S("group.name", RF_STR, RF_ARG_NONE, F_GROUP_NAME),
    S("fd.num", RF_INT, RF_ARG_NONE, F_FD_NUM),
    S("fd.type", RF_STR, RF_ARG_NONE, F_FD_TYPE),
    S("fd.typechar", RF_STR, RF_ARG_NONE, F_FD_TYPECHAR),
    S("fd.name", RF_STR, RF_ARG_NONE, F_FD_NAME),
    S("fd.nameraw", RF_STR, RF_ARG_NONE, F_FD_NAMERAW),
    S("fd.directory", RF_STR, RF_ARG_NONE, F_FD_DIRECTORY),
    S("fd.filename", RF_STR, RF_ARG_NONE, F_FD_FILENAME),
    S("fd.l4proto", RF_STR, RF_ARG_NONE, F_FD_L4PROTO),
    S("fd.sip", RF_IP, RF_ARG_NONE, F_FD_SIP),
    S("fd.cip", RF_IP, RF_ARG_NONE, F_FD_CIP),
    S("fd.lip", RF_IP, RF_ARG_NONE, F_FD_LIP),
    S("fd.rip", RF_IP, RF_ARG_NONE, F_FD_RIP),
    S("fd.ip", RF_IP, RF_ARG_NONE, F_FD_IP),
    S("fd.sport", RF_INT, RF_ARG_NONE, F_FD_SPORT),
    S("fd.cport", RF_INT, RF_ARG_NONE, F_FD_CPORT),
    S("fd.lport", RF_INT, RF_ARG_NONE, F_FD_LPORT),
    S("fd.rport", RF_INT, RF_ARG_NONE, F_FD_RPORT),
    S("fd.port", RF_INT, RF_ARG_NONE, F_FD_PORT),
    S("fd.net", RF_IPNET, RF_ARG_NONE, F_FD_NET),
    S("fd.snet", RF_IPNET, RF_ARG_NONE, F_FD_SNET),
    S("fd.cnet", RF_IPNET, RF_ARG_NONE, F_FD_CNET),
    S("fd.lnet", RF_IPNET, RF_ARG_NONE, F_FD_LNET),
    S("fd.rnet", RF_IPNET, RF_ARG_NONE, F_FD_RNET),
    S("fd.connected", RF_BOOL, RF_ARG_NONE, F_FD_CONNECTED),
    S("fd.sockfamily", RF_STR, RF_ARG_NONE, F_FD_SOCKFAMILY),
    S("fd.name_changed", RF_BOOL, RF_ARG_NONE, F_FD_NAME_CHANGED),
    S("fd.is_server", RF_BOOL, RF_ARG_NONE, F_FD_IS_SERVER),
    S("container.id", RF_STR, RF_ARG_NONE, F_CT_ID),
    S("container.full_id", RF_STR, RF_ARG_NONE, F_CT_FULL_ID),
    S("container.name", RF_STR, RF_ARG_NONE, F_CT_NAME),
    S("container.image", RF_STR, RF_ARG_NONE, F_CT_IMAGE),
    S("container.image.repository", RF_STR, RF_ARG_NONE, F_CT_IMAGE_REPO),
    S("container.image.tag", RF_STR, RF_ARG_NONE, F_CT_IMAGE_TAG),
    S("container.image.digest", RF_STR, RF_ARG_NONE, F_CT_IMAGE_DIGEST),
    S("container.privileged", RF_BOOL, RF_ARG_NONE, F_CT_PRIVILEGED),
    S("container.type", RF_STR, RF_ARG_NONE, F_CT_TYPE),
    S("container.label", RF_STR, RF_ARG_KEY, F_CT_LABEL),
    S("k8s.ns.name", RF_STR, RF_ARG_NONE, F_K8S_NS),
    S("k8s.pod.name", RF_STR, RF_ARG_NONE, F_K8S_POD),
    /* Falco fields bulkhead does not provide (yet): rules using them are skipped. */
    U("evt.buffer", RF_STR, RF_ARG_NONE),
    U("evt.hostname", RF_STR, RF_ARG_NONE),
    U("evt.is_open_exec", RF_BOOL, RF_ARG_NONE),
    U("evt.plugininfo", RF_STR, RF_ARG_NONE),
    U("evt.latency", RF_INT, RF_ARG_NONE),
    U("evt.datetime", RF_STR, RF_ARG_NONE),
    U("proc.sname", RF_STR, RF_ARG_NONE),
    U("proc.sid", RF_INT, RF_ARG_NONE),
    U("proc.vpgid", RF_INT, RF_ARG_NONE),
    U("proc.is_vpgid_leader", RF_BOOL, RF_ARG_NONE),
    U("proc.is_sid_leader", RF_BOOL, RF_ARG_NONE),
    U("proc.env", RF_STR, RF_ARG_KEY),
    U("proc.exe_ino", RF_INT, RF_ARG_NONE),
    U("proc.exe_ino.ctime", RF_INT, RF_ARG_NONE),
    U("proc.exe_ino.mtime", RF_INT, RF_ARG_NONE),
    U("proc.exe_ino.ctime_duration_proc_start", RF_INT, RF_ARG_NONE),
    U("proc.exe_ino.ctime_duration_pidns_start", RF_INT, RF_ARG_NONE),
    U("proc.is_exe_writable", RF_BOOL, RF_ARG_NONE),
    U("proc.is_container_healthcheck", RF_BOOL, RF_ARG_NONE),
    U("proc.is_container_liveness_probe", RF_BOOL, RF_ARG_NONE),
    U("proc.is_container_readiness_probe", RF_BOOL, RF_ARG_NONE),
    U("proc.nthreads", RF_INT, RF_ARG_NONE),
    U("proc.stdin.name", RF_STR, RF_ARG_NONE),
    U("proc.stdout.name", RF_STR, RF_ARG_NONE),
    U("proc.stdin.type", RF_STR, RF_ARG_NONE),
    U("proc.stdout.type", RF_STR, RF_ARG_NONE),
    U("user.loginname", RF_STR, RF_ARG_NONE),
    U("user.homedir", RF_STR, RF_ARG_NONE),
    U("user.shell", RF_STR, RF_ARG_NONE),
    U("fd.sip.name", RF_STR, RF_ARG_NONE),
    U("fd.cip.name", RF_STR, RF_ARG_NONE),
    U("fd.lip.name", RF_STR, RF_ARG_NONE),
    U("fd.rip.name", RF_STR, RF_ARG_NONE),
    U("fd.types", RF_STR, RF_ARG_INDEX),
    U("fd.dev", RF_INT, RF_ARG_NONE),
    U("fd.ino", RF_INT, RF_ARG_NONE),
    U("fd.uid", RF_STR, RF_ARG_NONE),
    U("fd.containername", RF_STR, RF_ARG_NONE),
    U("fd.containerdirectory", RF_STR, RF_ARG_NONE),
    U("container.start_ts", RF_INT, RF_ARG_NONE),
    U("container.duration", RF_INT, RF_ARG_NONE),
    U("container.mount.dest", RF_STR, RF_ARG_KEY),
    U("container.mount.source", RF_STR, RF_ARG_KEY),
    U("container.mounts", RF_STR, RF_ARG_NONE),
    U("container.ip", RF_STR, RF_ARG_NONE),
    U("container.cni.json", RF_STR, RF_ARG_NONE),
    U("container.healthcheck", RF_STR, RF_ARG_NONE),
    U("container.image.id", RF_STR, RF_ARG_NONE),
    U("k8s.ns.label", RF_STR, RF_ARG_KEY),
    U("k8s.pod.label", RF_STR, RF_ARG_KEY),
    U("k8s.pod.id", RF_STR, RF_ARG_NONE),
    U("k8s.pod.uid", RF_STR, RF_ARG_NONE),
    U("k8s.pod.ip", RF_STR, RF_ARG_NONE),
};

/* Falco event-type names (Linux syscalls plus the engine's own events), sorted. */
static const char *const evt_names[] = {
    "_sysctl",
    "accept",
    "accept4",
    "access",
    "acct",
    "add_key",
    "adjtimex",
    "afs_syscall",
    "alarm",
    "arch_prctl",
    "asyncevent",
    "bind",
    "bpf",
    "brk",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "chroot",
    "clock_adjtime",
    "clock_getres",
    "clock_gettime",
    "clock_nanosleep",
    "clock_settime",
    "clone",
    "clone3",
    "close",
    "close_range",
    "connect",
    "container",
    "container_stats",
    "copy_file_range",
    "cpu_hotplug",
    "creat",
    "create_module",
    "delete_module",
    "drop",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fallocate",
    "fanotify_init",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchown",
    "fchownat",
    "fcntl",
    "fdatasync",
    "fgetxattr",
    "finit_module",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsconfig",
    "fsetxattr",
    "fsmount",
    "fsopen",
    "fspick",
    "fstat",
    "fstatfs",
    "fsync",
    "ftruncate",
    "futex",
    "futex_waitv",
    "futimesat",
    "get_kernel_syms",
    "get_mempolicy",
    "get_robust_list",
    "get_thread_area",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "geteuid",
    "getgid",
    "getgroups",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getpmsg",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresuid",
    "getrlimit",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "gettid",
    "gettimeofday",
    "getuid",
    "getxattr",
    "infra",
    "init_module",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_setup",
    "io_submit",
    "io_uring_enter",
    "io_uring_register",
    "io_uring_setup",
    "ioctl",
    "ioperm",
    "iopl",
    "ioprio_get",
    "ioprio_set",
    "k8s",
    "kcmp",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listxattr",
    "llistxattr",
    "lookup_dcookie",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "madvise",
    "mbind",
    "membarrier",
    "memfd_create",
    "memfd_secret",
    "mesos",
    "migrate_pages",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "modify_ldt",
    "mount",
    "mount_setattr",
    "move_mount",
    "move_pages",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedsend",
    "mq_unlink",
    "mremap",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "name_to_handle_at",
    "nanosleep",
    "newfstatat",
    "nfsservctl",
    "notification",
    "open",
    "open_by_handle_at",
    "open_tree",
    "openat",
    "openat2",
    "page_fault",
    "pause",
    "perf_event_open",
    "personality",
    "pidfd_getfd",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pivot_root",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "pluginevent",
    "poll",
    "ppoll",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_madvise",
    "process_mrelease",
    "process_vm_readv",
    "process_vm_writev",
    "procexit",
    "procinfo",
    "pselect6",
    "ptrace",
    "putpmsg",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "query_module",
    "quotactl",
    "quotactl_fd",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "reboot",
    "recvfrom",
    "recvmmsg",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "rename",
    "renameat",
    "renameat2",
    "request_key",
    "restart_syscall",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_tgsigqueueinfo",
    "scapevent",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "security",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "sendfile",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "set_mempolicy",
    "set_mempolicy_home_node",
    "set_robust_list",
    "set_thread_area",
    "set_tid_address",
    "setdomainname",
    "setfsgid",
    "setfsuid",
    "setgid",
    "setgroups",
    "sethostname",
    "setitimer",
    "setns",
    "setpgid",
    "setpriority",
    "setregid",
    "setresgid",
    "setresuid",
    "setreuid",
    "setrlimit",
    "setsid",
    "setsockopt",
    "settimeofday",
    "setuid",
    "setxattr",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaltstack",
    "signaldeliver",
    "signalfd",
    "signalfd4",
    "socket",
    "socketcall",
    "socketpair",
    "splice",
    "stat",
    "statfs",
    "statx",
    "swapoff",
    "swapon",
    "switch",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "sysfs",
    "sysinfo",
    "syslog",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_settime",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_settime",
    "times",
    "tkill",
    "tracer",
    "truncate",
    "tuxcall",
    "umask",
    "umount",
    "umount2",
    "uname",
    "unlink",
    "unlinkat",
    "unshare",
    "uselib",
    "userfaultfd",
    "ustat",
    "utime",
    "utimensat",
    "utimes",
    "vfork",
    "vhangup",
    "vmsplice",
    "vserver",
    "wait4",
    "waitid",
    "write",
    "writev",
};

size_t rs_evt_count(void)
{
	return ARRAY_SIZE(evt_names) + 1;
}

static int cmp_name(const void *k, const void *e)
{
	const struct span *key = k;
	const char *name = *(const char *const *)e;
	size_t n = strlen(name);
	int c = memcmp(key->ptr, name, MIN(key->len, n));
	if (c)
		return c;
	return key->len < n ? -1 : key->len > n ? 1 : 0;
}

int rs_evt_id(const char *name, size_t len)
{
	struct span key = {name, len};
	const char *const *p =
	    bsearch(&key, evt_names, ARRAY_SIZE(evt_names), sizeof(evt_names[0]), cmp_name);
	return p ? (int)(p - evt_names) + 1 : 0;
}

const char *rs_evt_name(int id)
{
	return id > 0 && (size_t)id <= ARRAY_SIZE(evt_names) ? evt_names[id - 1] : "";
}


static bool is_ident(char c)
{
	return ascii_isalnum(c) || c == '_';
}

size_t rf_lookup(const char *s, size_t len, struct rf_ref *ret_ref, struct rs_arena *a)
{
	const struct rf_field *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		size_t n = strlen(fields[i].name);
		if (n > len || n <= best_len || memcmp(s, fields[i].name, n) != 0)
			continue;
		if (n < len && is_ident(s[n]))
			continue;
		/* "fd.sip.name" must not be read as fd.sip + ".name"; evt.arg.X may. */
		if (n < len && s[n] == '.' && fields[i].arg != RF_ARG_ANY)
			continue;
		best = &fields[i];
		best_len = n;
	}
	if (!best)
		return 0;
	struct rf_ref ref = {.f = best, .index = -1};
	size_t pos = best_len;
	if (best->arg == RF_ARG_ANY && pos < len && s[pos] == '.') {
		size_t st = ++pos;
		while (pos < len && is_ident(s[pos]))
			pos++;
		if (pos == st)
			return 0;
		ref.key = a ? rs_strndup(a, s + st, pos - st) : "";
		if (!ref.key)
			return 0;
	} else if (best->arg != RF_ARG_NONE && pos < len && s[pos] == '[') {
		size_t st = ++pos;
		while (pos < len && s[pos] != ']')
			pos++;
		if (pos >= len || pos == st)
			return 0;
		struct span arg = {s + st, pos - st};
		pos++;
		uint64_t v;
		if (best->arg != RF_ARG_KEY && parse_u64(arg, 10, 1000, &v) == 0) {
			ref.index = (int32_t)v;
		} else if (best->arg == RF_ARG_INDEX) {
			return 0;
		} else {
			ref.key = a ? rs_strndup(a, arg.ptr, arg.len) : "";
			if (!ref.key)
				return 0;
		}
	} else if (best->supported && (best->arg == RF_ARG_KEY || best->arg == RF_ARG_ANY)) {
		/* container.label and evt.arg need an argument */
		return 0;
	}
	*ret_ref = ref;
	return pos;
}

enum rf_type rf_ref_type(const struct rf_ref *r)
{
	if (r->xform == RF_X_LEN)
		return RF_INT;
	if (r->xform != RF_X_NONE)
		return RF_STR;
	return (enum rf_type)r->f->type;
}

int rf_parse_ip(const char *s, size_t n, uint8_t ip[16], uint8_t *ret_family, int *ret_prefix)
{
	char tmp[64];
	if (n == 0 || n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	int prefix = -1;
	char *slash = strchr(tmp, '/');
	if (slash) {
		uint64_t v;
		*slash = 0;
		if (parse_u64(span_from(slash + 1), 10, 128, &v) < 0)
			return -EINVAL;
		prefix = (int)v;
	}
	memset(ip, 0, 16);
	if (inet_pton(AF_INET, tmp, ip) == 1) {
		*ret_family = 4;
		if (prefix > 32)
			return -EINVAL;
		if (prefix < 0)
			prefix = 32;
	} else if (inet_pton(AF_INET6, tmp, ip) == 1) {
		*ret_family = 6;
		if (prefix < 0)
			prefix = 128;
	} else {
		return -EINVAL;
	}
	if (ret_prefix)
		*ret_prefix = prefix;
	return 0;
}

/* ---- per-event scratch ----------------------------------------------------------- */

enum { C_ARGS, C_CMDLINE, C_DIR, C_FILE, C_CAPP, C_CAPE, C_CAPI, C_EVTARGS, C_TIME, _C_MAX };

void rs_evctx_begin(struct rs_evctx *c, const struct bh_event *ev)
{
	c->ev = ev;
	c->used = 0;
	c->stamp++;
}

/* Append bytes to the scratch; false when full (the value is then cut). */
static bool sc_put(struct rs_evctx *c, const char *s, size_t n)
{
	size_t room = RS_SCRATCH_BYTES - 1 - c->used;
	bool ok = n <= room;
	n = MIN(n, room);
	memcpy(c->scratch + c->used, s, n);
	c->used += n;
	return ok;
}

static bool cache_get(struct rs_evctx *c, int slot, struct rf_val *v, bool *present)
{
	if (c->cache[slot].stamp != c->stamp)
		return false;
	*present = c->cache[slot].present;
	v->s = c->scratch + c->cache[slot].off;
	v->n = c->cache[slot].len;
	return true;
}

static size_t cache_begin(struct rs_evctx *c)
{
	return c->used;
}

static size_t cache_end(struct rs_evctx *c, int slot, size_t start, struct rf_val *v)
{
	c->scratch[c->used] = 0;
	c->cache[slot].stamp = c->stamp;
	c->cache[slot].off = (uint32_t)start;
	c->cache[slot].len = (uint32_t)(c->used - start);
	c->cache[slot].present = true;
	if (c->used < RS_SCRATCH_BYTES - 1)
		c->used++; /* keep the NUL */
	v->s = c->scratch + start;
	v->n = c->cache[slot].len;
	return 1;
}

static size_t put_str(const char *s, struct rf_val *v)
{
	if (!s)
		return 0;
	v->s = s;
	v->n = strlen(s);
	return 1;
}

static size_t put_int(int64_t i, struct rf_val *v)
{
	v->i = i;
	return 1;
}

static size_t put_ip(const char *s, struct rf_val *v)
{
	if (!s || rf_parse_ip(s, strlen(s), v->ip, &v->family, NULL) < 0)
		return 0;
	v->s = s;
	v->n = strlen(s);
	return 1;
}

static bool is_socket(const struct bh_event *ev)
{
	return ev->fd.type == '4' || ev->fd.type == '6';
}

static size_t caps(struct rs_evctx *c, int slot, uint64_t mask, struct rf_val *v)
{
	bool present;
	if (cache_get(c, slot, v, &present))
		return present;
	size_t st = cache_begin(c);
	bool first = true;
	for (size_t i = 0; i < BH_CAP_COUNT; i++) {
		if (!(mask & ((uint64_t)1 << i)))
			continue;
		if (!first)
			sc_put(c, " ", 1);
		sc_put(c, bh_cap_names[i], strlen(bh_cap_names[i]));
		first = false;
	}
	return cache_end(c, slot, st, v);
}

static size_t join_args(struct rs_evctx *c, int slot, bool with_name, struct rf_val *v)
{
	const struct bh_ev_proc *p = &c->ev->proc;
	bool present;
	if (cache_get(c, slot, v, &present))
		return present;
	if (with_name && !p->name)
		return 0;
	size_t st = cache_begin(c);
	bool first = true;
	if (with_name) {
		sc_put(c, p->name, strlen(p->name));
		first = false;
	}
	for (size_t i = 0; i < p->argc; i++) {
		if (!p->argv[i])
			continue;
		if (!first)
			sc_put(c, " ", 1);
		sc_put(c, p->argv[i], strlen(p->argv[i]));
		first = false;
	}
	return cache_end(c, slot, st, v);
}

static const char *fd_type_name(char t)
{
	switch (t) {
	case 'f':
		return "file";
	case 'd':
		return "directory";
	case '4':
		return "ipv4";
	case '6':
		return "ipv6";
	case 'u':
		return "unix";
	case 'p':
		return "pipe";
	case 'e':
		return "event";
	case 's':
		return "signalfd";
	case 'l':
		return "eventpoll";
	case 'i':
		return "inotify";
	case 't':
		return "timerfd";
	case 'n':
		return "netlink";
	case 'b':
		return "bpf";
	case 'm':
		return "memfd";
	case 'o':
		return "other";
	default:
		return NULL;
	}
}

static size_t fd_dir_or_file(struct rs_evctx *c, bool dir, struct rf_val *v)
{
	const struct bh_event *ev = c->ev;
	bool present;
	if (!ev->fd.name || (ev->fd.type != 'f' && ev->fd.type != 'd'))
		return 0;
	if (cache_get(c, dir ? C_DIR : C_FILE, v, &present))
		return present;
	const char *name = ev->fd.name;
	size_t n = strlen(name);
	size_t st = cache_begin(c);
	if (ev->fd.type == 'd') {
		if (!dir)
			return 0;
		sc_put(c, name, n);
		return cache_end(c, C_DIR, st, v);
	}
	const char *slash = memrchr(name, '/', n);
	if (dir) {
		if (!slash)
			return 0;
		size_t dl = (size_t)(slash - name);
		sc_put(c, name, dl ? dl : 1);
		return cache_end(c, C_DIR, st, v);
	}
	const char *b = slash ? slash + 1 : name;
	sc_put(c, b, n - (size_t)(b - name));
	return cache_end(c, C_FILE, st, v);
}

static const struct bh_ev_ancestor *anc(const struct bh_event *ev, int idx)
{
	if (idx < 1 || (size_t)idx > ev->proc.n_ancestors)
		return NULL;
	return &ev->proc.ancestors[idx - 1];
}

static size_t ancestor_field(const struct bh_event *ev, uint16_t id, int idx, struct rf_val *v)
{
	const struct bh_ev_proc *p = &ev->proc;
	if (idx == 0) {
		switch (id) {
		case F_PROC_ANAME:
			return put_str(p->name, v);
		case F_PROC_AEXE:
			return put_str(p->exe, v);
		case F_PROC_AEXEPATH:
			return put_str(p->exepath, v);
		case F_PROC_APID:
			return put_int(p->pid, v);
		default:
			return 0;
		}
	}
	const struct bh_ev_ancestor *a = anc(ev, idx);
	if (!a)
		return 0;
	switch (id) {
	case F_PROC_ANAME:
		return put_str(a->name, v);
	case F_PROC_AEXE:
	case F_PROC_AEXEPATH:
		return put_str(a->exepath, v);
	case F_PROC_APID:
		return put_int(a->pid, v);
	case F_PROC_ACMDLINE:
		return put_str(a->cmdline, v);
	default:
		return 0;
	}
}

static size_t evt_args(struct rs_evctx *c, struct rf_val *v)
{
	const struct bh_event *ev = c->ev;
	bool present;
	if (cache_get(c, C_EVTARGS, v, &present))
		return present;
	size_t st = cache_begin(c);
	for (size_t i = 0; i < ev->n_args; i++) {
		if (!ev->args[i].name)
			continue;
		if (i)
			sc_put(c, " ", 1);
		sc_put(c, ev->args[i].name, strlen(ev->args[i].name));
		sc_put(c, "=", 1);
		if (ev->args[i].value)
			sc_put(c, ev->args[i].value, strlen(ev->args[i].value));
	}
	return cache_end(c, C_EVTARGS, st, v);
}

static size_t evt_time(struct rs_evctx *c, struct rf_val *v)
{
	bool present;
	if (cache_get(c, C_TIME, v, &present))
		return present;
	time_t secs = (time_t)(c->ev->ts / 1000000000u);
	struct tm tm;
	char tmp[64];
	if (!gmtime_r(&secs, &tm) ||
	    xsnprintf(tmp, sizeof(tmp), "%02d:%02d:%02d.%09u", tm.tm_hour, tm.tm_min, tm.tm_sec,
		      (unsigned)(c->ev->ts % 1000000000u)) < 0)
		return 0;
	size_t st = cache_begin(c);
	sc_put(c, tmp, strlen(tmp));
	return cache_end(c, C_TIME, st, v);
}

static size_t extract_raw(struct rs_evctx *c, const struct rf_ref *r, struct rf_val *out,
			  size_t max)
{
	const struct bh_event *ev = c->ev;
	const struct bh_ev_proc *p = &ev->proc;
	const struct bh_ev_fd *fd = &ev->fd;
	const struct bh_ev_container *ct = &ev->container;
	struct rf_val *v = out;
	bool srv = fd->is_server;

	switch (r->f->id) {
	case F_EVT_TYPE:
		return ev->type[0]
			   ? (v->s = ev->type, v->n = strnlen(ev->type, sizeof(ev->type)), 1)
			   : 0;
	case F_EVT_DIR:
		return ev->dir ? (v->s = ev->dir == '>' ? ">" : "<", v->n = 1, 1) : 0;
	case F_EVT_RES:
		if (ev->res < 0) {
			const char *e = ev->res >= -4095 ? strerrorname_np((int)-ev->res) : NULL;
			return put_str(e ? e : "E?", v);
		}
		return put_str("SUCCESS", v);
	case F_EVT_RAWRES:
		return put_int(ev->res, v);
	case F_EVT_FAILED:
		return put_int(ev->res < 0, v);
	case F_EVT_NUM:
		return put_int((int64_t)ev->num, v);
	case F_EVT_TIME:
		return evt_time(c, v);
	case F_EVT_RAWTIME:
		return put_int((int64_t)ev->ts, v);
	case F_EVT_CPU:
		return put_int(ev->cpu, v);
	case F_EVT_ARG:
		if (r->key)
			return put_str(bh_event_arg(ev, r->key), v);
		if (r->index >= 0 && (size_t)r->index < ev->n_args)
			return put_str(ev->args[r->index].value, v);
		return 0;
	case F_EVT_ARGS:
		return evt_args(c, v);
	case F_EVT_RAWARG: {
		/* the argument as a number (Falco's evt.rawarg): absent unless it is one */
		const char *s = r->key ? bh_event_arg(ev, r->key)
			      : r->index >= 0 && (size_t)r->index < ev->n_args ? ev->args[r->index].value
										  : NULL;
		int64_t i;
		if (!s || parse_i64(span_from(s), INT64_MIN, INT64_MAX, &i) < 0)
			return 0;
		return put_int(i, v);
	}
	case F_EVT_IS_OPEN_READ:
	case F_EVT_IS_OPEN_WRITE: {
		if (!streq(ev->type, "open") && !streq(ev->type, "openat") &&
		    !streq(ev->type, "openat2") && !streq(ev->type, "creat"))
			return put_int(0, v);
		uint32_t acc = fd->open_flags & O_ACCMODE;
		if (streq(ev->type, "creat"))
			acc = O_WRONLY;
		if (r->f->id == F_EVT_IS_OPEN_READ)
			return put_int(acc == O_RDONLY || acc == O_RDWR, v);
		return put_int(acc == O_WRONLY || acc == O_RDWR, v);
	}
	case F_EVT_SOURCE:
		return put_str("syscall", v);
	case F_PROC_PID:
		return put_int(p->pid, v);
	case F_PROC_PPID:
		return put_int(p->ppid, v);
	case F_PROC_VPID:
		return put_int(p->vpid, v);
	case F_PROC_NAME:
		return put_str(p->name, v);
	case F_PROC_EXE:
		return put_str(p->exe, v);
	case F_PROC_EXEPATH:
		return put_str(p->exepath, v);
	case F_PROC_ARGS:
		return join_args(c, C_ARGS, false, v);
	case F_PROC_CMDLINE:
		return join_args(c, C_CMDLINE, true, v);
	case F_PROC_CWD:
		return put_str(p->cwd, v);
	case F_PROC_TTY:
		return put_int(p->tty, v);
	case F_PROC_PNAME:
		return ancestor_field(ev, F_PROC_ANAME, 1, v);
	case F_PROC_PEXE:
		return ancestor_field(ev, F_PROC_AEXE, 1, v);
	case F_PROC_PEXEPATH:
		return ancestor_field(ev, F_PROC_AEXEPATH, 1, v);
	case F_PROC_PCMDLINE:
		return ancestor_field(ev, F_PROC_ACMDLINE, 1, v);
	case F_PROC_ANAME:
	case F_PROC_AEXE:
	case F_PROC_AEXEPATH:
	case F_PROC_APID:
	case F_PROC_ACMDLINE:
		if (r->index >= 0)
			return ancestor_field(ev, r->f->id, r->index, v);
		{
			/* no index: every ancestor, parent first (Falco matches any of them) */
			size_t k = 0;
			for (size_t i = 1; i <= p->n_ancestors && k < max; i++)
				k += ancestor_field(ev, r->f->id, (int)i, &out[k]);
			return k;
		}
	case F_PROC_UPPER:
		return put_int(p->exe_upper_layer, v);
	case F_PROC_MEMFD:
		return put_int(p->exe_from_memfd, v);
	case F_PROC_DURATION:
		if (!p->start_ns || ev->ts < p->start_ns)
			return 0;
		return put_int((int64_t)(ev->ts - p->start_ns), v);
	case F_PROC_LOGINUID:
	case F_USER_LOGINUID:
		return put_int(p->loginuid == UINT32_MAX ? -1 : (int64_t)p->loginuid, v);
	case F_THREAD_TID:
		return put_int(p->tid, v);
	case F_THREAD_VTID:
		return put_int(p->vpid, v);
	case F_CAP_P:
		return caps(c, C_CAPP, p->cap_permitted, v);
	case F_CAP_E:
		return caps(c, C_CAPE, p->cap_effective, v);
	case F_CAP_I:
		return caps(c, C_CAPI, p->cap_inheritable, v);
	case F_USER_UID:
		return put_int(p->euid, v);
	case F_USER_NAME:
		return put_str(p->user_name, v);
	case F_GROUP_GID:
		return put_int(p->egid, v);
	case F_GROUP_NAME:
		return put_str(p->group_name, v);
	case F_FD_NUM:
		return put_int(fd->num, v);
	case F_FD_TYPE:
		return put_str(fd_type_name(fd->type), v);
	case F_FD_TYPECHAR:
		if (!fd->type)
			return 0;
		v->s = &fd->type;
		v->n = 1;
		return 1;
	case F_FD_NAME:
		return put_str(fd->name, v);
	case F_FD_NAMERAW: {
		const char *raw = bh_event_arg(ev, "name");
		return put_str(raw ? raw : fd->name, v);
	}
	case F_FD_DIRECTORY:
		return fd_dir_or_file(c, true, v);
	case F_FD_FILENAME:
		return fd_dir_or_file(c, false, v);
	case F_FD_L4PROTO:
		switch (fd->l4proto) {
		case 6:
			return put_str("tcp", v);
		case 17:
			return put_str("udp", v);
		case 1:
		case 58:
			return put_str("icmp", v);
		case 255:
			return put_str("raw", v);
		default:
			return 0;
		}
	case F_FD_SIP:
	case F_FD_SNET:
		return is_socket(ev) ? put_ip(fd->sip, v) : 0;
	case F_FD_CIP:
	case F_FD_CNET:
		return is_socket(ev) ? put_ip(fd->cip, v) : 0;
	case F_FD_LIP:
	case F_FD_LNET:
		return is_socket(ev) ? put_ip(srv ? fd->sip : fd->cip, v) : 0;
	case F_FD_RIP:
	case F_FD_RNET:
		return is_socket(ev) ? put_ip(srv ? fd->cip : fd->sip, v) : 0;
	case F_FD_IP:
	case F_FD_NET: {
		if (!is_socket(ev))
			return 0;
		size_t k = put_ip(fd->cip, &out[0]);
		if (max > k)
			k += put_ip(fd->sip, &out[k]);
		return k;
	}
	case F_FD_SPORT:
		return is_socket(ev) && fd->sport ? put_int(fd->sport, v) : 0;
	case F_FD_CPORT:
		return is_socket(ev) && fd->cport ? put_int(fd->cport, v) : 0;
	case F_FD_LPORT: {
		uint16_t port = srv ? fd->sport : fd->cport;
		return is_socket(ev) && port ? put_int(port, v) : 0;
	}
	case F_FD_RPORT: {
		uint16_t port = srv ? fd->cport : fd->sport;
		return is_socket(ev) && port ? put_int(port, v) : 0;
	}
	case F_FD_PORT: {
		if (!is_socket(ev))
			return 0;
		size_t k = 0;
		if (fd->cport)
			k += put_int(fd->cport, &out[k]);
		if (fd->sport && max > k)
			k += put_int(fd->sport, &out[k]);
		return k;
	}
	case F_FD_CONNECTED:
		if (!fd->type)
			return 0;
		return put_int(is_socket(ev) && fd->cip && fd->sip && fd->cport && fd->sport, v);
	case F_FD_SOCKFAMILY:
		if (is_socket(ev))
			return put_str("ip", v);
		return fd->type == 'u' ? put_str("unix", v) : 0;
	case F_FD_NAME_CHANGED:
		return fd->type ? put_int(0, v) : 0;
	case F_FD_IS_SERVER:
		return is_socket(ev) || fd->type == 'u' ? put_int(srv, v) : 0;
	case F_CT_ID:
		return put_str(ct->id, v);
	case F_CT_FULL_ID:
		return put_str(ct->full_id, v);
	case F_CT_NAME:
		return put_str(ct->name, v);
	case F_CT_IMAGE:
		return put_str(ct->image, v);
	case F_CT_IMAGE_REPO:
		return put_str(ct->image_repository, v);
	case F_CT_IMAGE_TAG:
		return put_str(ct->image_tag, v);
	case F_CT_IMAGE_DIGEST:
		return put_str(ct->image_digest, v);
	case F_CT_PRIVILEGED:
		return ct->id ? put_int(ct->privileged, v) : 0;
	case F_CT_TYPE:
		return put_str(ct->runtime, v);
	case F_CT_LABEL: {
		size_t kl = strlen(r->key);
		for (size_t i = 0; i < ct->n_labels; i++) {
			const char *l = ct->labels[i];
			if (l && strncmp(l, r->key, kl) == 0 && l[kl] == '=')
				return put_str(l + kl + 1, v);
		}
		return 0;
	}
	case F_K8S_NS:
		return put_str(ct->k8s_ns, v);
	case F_K8S_POD:
		return put_str(ct->k8s_pod, v);
	default:
		return 0;
	}
}

size_t rf_extract(struct rs_evctx *c, const struct rf_ref *r, struct rf_val *out, size_t max)
{
	if (!r->f || !r->f->supported || max == 0)
		return 0;
	size_t n = extract_raw(c, r, out, max);
	if (r->xform == RF_X_NONE || r->f->type != RF_STR)
		return n;
	for (size_t i = 0; i < n; i++) {
		struct rf_val *v = &out[i];
		if (r->xform == RF_X_LEN) {
			v->i = (int64_t)v->n;
			continue;
		}
		if (r->xform == RF_X_BASENAME) {
			const char *sl = memrchr(v->s, '/', v->n);
			if (sl) {
				v->n -= (size_t)(sl + 1 - v->s);
				v->s = sl + 1;
			}
			continue;
		}
		/* tolower / toupper: a transformed copy in the scratch */
		size_t st = c->used;
		for (size_t k = 0; k < v->n; k++) {
			char ch = v->s[k];
			if (r->xform == RF_X_TOLOWER)
				ch = (char)ascii_tolower((unsigned char)ch);
			else if (ch >= 'a' && ch <= 'z')
				ch = (char)(ch - 32);
			if (!sc_put(c, &ch, 1))
				break;
		}
		c->scratch[c->used] = 0;
		v->s = c->scratch + st;
		v->n = c->used - st;
		if (c->used < RS_SCRATCH_BYTES - 1)
			c->used++;
	}
	return n;
}

int rf_render(const struct rf_ref *r, const struct rf_val *v, struct buf *out)
{
	switch (rf_ref_type(r)) {
	case RF_STR:
	case RF_IP:
	case RF_IPNET:
		return buf_append(out, v->s, v->n);
	case RF_BOOL:
		return buf_puts(out, v->i ? "true" : "false");
	case RF_INT:
	default:
		return buf_printf(out, "%lld", (long long)v->i);
	}
}
