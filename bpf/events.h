/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events.h — the kernel↔user ABI of the runtime sensor: the records bpf/sensor.bpf.c puts
 * in the ring buffer, the maps user space fills, and the constants both sides share.
 * Built into both sides (BPF with vmlinux.h, user space with <stdint.h>), so only
 * fixed-width types, no pointers, no `long`, explicit padding; every size is asserted.
 * User space (src/sensor/decode.c) never trusts a record: it checks the size, the
 * version and every string's offset and length before reading.
 *
 * A record is a fixed part followed by a blob of strings. A string is named by a
 * struct bh_rec_str {off, len}: off counts from the start of the blob (the end of the
 * fixed part), len excludes any NUL. Path strings marked BH_STR_COMPONENTS hold the path
 * leaf first, one NUL-terminated name per component ("ls\0bin\0usr\0" is /usr/bin/ls):
 * that is the order the kernel walk finds them in; the decoder reverses them.
 *
 * Record header (every record), offsets in bytes:
 *    0  u16 version     BH_ABI_VERSION
 *    2  u16 type        enum bh_rec_type
 *    4  u32 size        whole record, header included
 *    8  u64 ts          bpf_ktime_get_boot_ns()
 *   16  u32 pid, tid, ppid, uid, gid, euid, egid, loginuid (u32 -1 = unset)
 *   48  u32 vpid        tgid in the task's own pid namespace
 *   52  u32 cpu
 *   56  u64 cgroup_id   kernfs id (= cgroupfs inode) of the task's cgroup in the hierarchy
 *                      the loader chose: v2's, or one v1 controller's (src/sensor/cgroupid.h)
 *   64  u64 start_ns    thread-group leader start, boot-time ns
 *   72  u64 cap_permitted, cap_effective, cap_inheritable  (at the syscall's entry for
 *                      BH_SC_ENTRY_CAPS syscalls, else when the record is written)
 *   96  u32 tty         controlling tty device number (new encoding), 0 = none
 *  100  u32 pidns       pid namespace inode number
 *  104  char comm[16]
 *  120  (end)
 */
#pragma once

#ifndef __bpf__
#include <stdint.h>
typedef uint8_t bh_u8;
typedef uint16_t bh_u16;
typedef uint32_t bh_u32;
typedef uint64_t bh_u64;
typedef int64_t bh_s64;
#else
typedef __u8 bh_u8;
typedef __u16 bh_u16;
typedef __u32 bh_u32;
typedef __u64 bh_u64;
typedef __s64 bh_s64;
#endif

#define BH_ABI_VERSION 3

enum bh_rec_type {
	BH_REC_EXEC = 1,
	BH_REC_EXIT = 2,
	BH_REC_FORK = 3,
	BH_REC_SYSCALL = 4, /* a syscall's exit with its arguments (see bh_sc_desc) */
	BH_REC_CGROUP = 5,  /* a cgroup id seen for the first time, with its path */
	_BH_REC_MAX,
};

/*
 * Event kinds a user enables (`--events LIST`): index of the `enabled` array map. A
 * syscall belongs to one kind through its descriptor.
 */
enum bh_kind {
	BH_KIND_EXEC = 0,
	BH_KIND_EXIT,
	BH_KIND_FORK,
	BH_KIND_OPEN,
	BH_KIND_CONNECT,
	BH_KIND_ACCEPT,
	BH_KIND_BIND,
	BH_KIND_LISTEN,
	BH_KIND_UNLINK,
	BH_KIND_RENAME,
	BH_KIND_LINK,
	BH_KIND_CHMOD,
	BH_KIND_CHOWN,
	BH_KIND_DUP,
	BH_KIND_SETID,
	BH_KIND_CAPSET,
	BH_KIND_PTRACE,
	BH_KIND_MOUNT,
	BH_KIND_MODULE,
	BH_KIND_NS,
	BH_KIND_MEMFD,
	BH_KIND_BPF,
	_BH_KIND_MAX,
};
#define BH_KIND_SLOTS 32 /* size of the enabled map (>= _BH_KIND_MAX) */

/* Per-CPU counters (array map `counters`, one slot per index). */
enum bh_counter {
	BH_CNT_DROPPED = 0, /* ring buffer full: record lost */
	BH_CNT_EMITTED,	    /* records written */
	BH_CNT_ENTRY_LOST,  /* a syscall entry could not be saved (map full) */
	BH_CNT_KILLED,	    /* protect mode: SIGKILL sent (see bh_action) */
	BH_CNT_WOULD_KILL,  /* protect mode, DRY_RUN: a kill decided and not sent */
	BH_CNT_SIGNAL_FAILED, /* bpf_send_signal() refused: the process was not killed */
	BH_CNT_DENIED,	      /* protect mode: a connect refused with EPERM (connect guard) */
	_BH_CNT_MAX,
};
#define BH_CNT_SLOTS 8

/*
 * How the BPF side treats one syscall: value of the `syscalls` array map, index = the key
 * below (abi * BH_SC_NR_MAX + nr, nr below BH_SC_NR_MAX). User space fills the entries of the enabled kinds and sets `on`; every
 * other entry stays zero, so sys_enter and sys_exit drop a syscall nobody asked for with
 * one array load before any other work.
 *
 * A syscall is named by its ABI and its number in that ABI, and the map holds one block of
 * BH_SC_NR_MAX entries per ABI (key = abi * BH_SC_NR_MAX + nr): a 32-bit (ia32) process on a
 * 64-bit x86 kernel makes its syscalls with the i386 numbers (arch/x86/entry/syscalls/
 * syscall_32.tbl), which the sys_enter/sys_exit tracepoints pass unchanged, so the BPF side
 * tells them apart by the task's TS_COMPAT status and never looks an i386 number up in the
 * native block. i386 socketcall(2) multiplexes the socket calls: its entry has
 * BH_SC_SOCKETCALL, and the call it makes (arg0: SYS_SOCKET 1, SYS_CONNECT 3, ...) is looked
 * up in the BH_SC_ABI_IA32_SOCKETCALL block, whose entries give the number of 32-bit
 * arguments (nargs) to read from the user array at arg1.
 */
#define BH_SC_NR_MAX 1024
enum bh_sc_abi {
	BH_SC_ABI_NATIVE = 0,	       /* the kernel's own ABI (x86-64, arm64) */
	BH_SC_ABI_IA32 = 1,	       /* i386 syscalls of a compat task (x86-64 only) */
	BH_SC_ABI_IA32_SOCKETCALL = 2, /* nr = the socketcall call (SYS_CONNECT ...) */
	_BH_SC_ABI_MAX,
};
#define BH_SC_KEYS	       (_BH_SC_ABI_MAX * BH_SC_NR_MAX) /* entries of the `syscalls` map */
#define BH_SC_SOCKETCALL_NARGS 6 /* at most this many arguments to unpack */
enum bh_sc_flags {
	BH_SC_STR0 = 1 << 0, /* argument n is a user string: copy it (at most 3 are copied) */
	BH_SC_STR1 = 1 << 1,
	BH_SC_STR2 = 1 << 2,
	BH_SC_STR3 = 1 << 3,
	BH_SC_STR4 = 1 << 4,
	BH_SC_SOCKADDR_IN = 1 << 6,  /* arg1 = sockaddr, arg2 = its length (connect, bind) */
	BH_SC_SOCKADDR_OUT = 1 << 7, /* arg1 = sockaddr, arg2 = int * length (accept) */
	BH_SC_FD_IS_RET = 1 << 8,    /* the fd to describe is the return value */
	BH_SC_FD_IS_ARG = 1 << 9,    /* the fd to describe is argument fd_arg */
	BH_SC_ONLY_OK = 1 << 10,     /* emit only when the call succeeded */
	/* the header's capabilities are the caller's at entry, not at exit: for calls that
	 * change them (unshare and setns into a user namespace grant a full set) */
	BH_SC_ENTRY_CAPS = 1 << 11,
	/* i386 socketcall(2): arg0 is the call, arg1 the user address of its u32 arguments */
	BH_SC_SOCKETCALL = 1 << 12,
};

/* bh_sc_desc.on: why the syscall is followed (0, an entry never filled: ignored) */
enum bh_sc_on {
	BH_SC_ON_EVENTS = 1 << 0,  /* its kind is enabled: emit a record per call */
	BH_SC_ON_ENFORCE = 1 << 1, /* protect mode checks it (open, connect): a record only for
				    * a decision, unless BH_SC_ON_EVENTS is set too */
};
/* bh_sc_desc.oflags: where an open's O_* flags are (protect mode's write check) */
#define BH_SC_OFLAGS_ARG_MASK 0x7 /* argument index + 1 holding the flags; 0: none (creat) */
#define BH_SC_OFLAGS_HOW      0x8 /* that argument points to a struct open_how (u64 flags first) */

struct bh_sc_desc {
	bh_u16 kind;  /* enum bh_kind */
	bh_u16 flags; /* enum bh_sc_flags */
	bh_u8 fd_arg; /* with BH_SC_FD_IS_ARG */
	bh_u8 on;     /* enum bh_sc_on */
	bh_u8 nargs;  /* BH_SC_ABI_IA32_SOCKETCALL entries: u32 arguments in user memory */
	bh_u8 oflags; /* kind BH_KIND_OPEN: BH_SC_OFLAGS_* */
};

struct bh_rec_str {
	bh_u16 off;
	bh_u16 len;
};

enum bh_str_flags {
	BH_STR_COMPONENTS = 1 << 0, /* leaf-first NUL-terminated path components */
	BH_STR_TRUNCATED = 1 << 1,  /* the walk or copy stopped at a limit */
};

struct bh_rec_hdr {
	bh_u16 version;
	bh_u16 type;
	bh_u32 size;
	bh_u64 ts;
	bh_u32 pid, tid, ppid, uid, gid, euid, egid, loginuid;
	bh_u32 vpid;
	bh_u32 cpu;
	bh_u64 cgroup_id;
	bh_u64 start_ns;
	bh_u64 cap_permitted, cap_effective, cap_inheritable;
	bh_u32 tty;
	bh_u32 pidns;
	char comm[16];
};

#define BH_MAX_ANCESTORS 8

struct bh_rec_ancestor {
	bh_u32 pid;
	char comm[16];
};

enum bh_exec_flags {
	BH_EXEC_MEMFD = 1 << 0,	  /* the executable is a memfd */
	BH_EXEC_DELETED = 1 << 1, /* the executable has no links left */
	BH_EXEC_UPPER = 1 << 2,	  /* the executable is in an overlayfs upper layer */
};

/*
 * BH_REC_EXEC: after a successful execve/execveat (sched_process_exec).
 *  120  u32 flags (enum bh_exec_flags), u32 n_ancestors (<= BH_MAX_ANCESTORS)
 *  128  bh_rec_ancestor anc[8]   [0] = parent
 *  288  str filename  as passed to exec (bprm->filename)
 *  292  str exepath   components of the executable's path
 *  296  str cwd       components of the working directory
 *  300  str argv      NUL-separated argv[0..], as in /proc/PID/cmdline
 *  304  u16 exepath_flags, cwd_flags, argv_flags (enum bh_str_flags)
 *  310  u8 decision   protect mode's decision (BH_DECISION), 0 none; u8 pad
 *  312  u32 exe_ino, u32 exe_dev
 *  320  (end, blob follows)
 */
struct bh_rec_exec {
	struct bh_rec_hdr hdr;
	bh_u32 flags;
	bh_u32 n_ancestors;
	struct bh_rec_ancestor anc[BH_MAX_ANCESTORS];
	struct bh_rec_str filename, exepath, cwd, argv;
	bh_u16 exepath_flags, cwd_flags, argv_flags;
	bh_u8 decision, pad;
	bh_u32 exe_ino, exe_dev;
};

/* BH_REC_EXIT: a thread-group leader exits (sched_process_exit). */
struct bh_rec_exit {
	struct bh_rec_hdr hdr;
	bh_u32 exit_code; /* wait status: code << 8 | signal */
	bh_u32 pad;
};

/* BH_REC_FORK: a task was created (sched_process_fork); the header is the parent. */
struct bh_rec_fork {
	struct bh_rec_hdr hdr;
	bh_u32 child_pid; /* tgid */
	bh_u32 child_tid;
	bh_u32 is_thread;
	bh_u32 pad;
};

/* File type of a described fd (from the inode's mode). */
enum bh_fd_kind {
	BH_FDK_NONE = 0,
	BH_FDK_FILE,
	BH_FDK_DIR,
	BH_FDK_SOCK,
	BH_FDK_PIPE,
	BH_FDK_CHR,
	BH_FDK_BLK,
	BH_FDK_LNK,
	BH_FDK_OTHER,
};

/*
 * BH_REC_SYSCALL: one syscall, seen at its exit with the arguments saved at its entry.
 *  120  u32 nr, u16 kind, u16 sc_flags
 *  128  s64 ret
 *  136  u64 args[6]    a compat task's are its 32-bit values, zero-extended; for a
 *                      socketcall, the unpacked arguments of the call it made
 *  184  str str[3]     the user strings of the BH_SC_STRn arguments, in argument order
 *  196  str path       components of the described fd's path (files, directories)
 *  200  str sockaddr   raw bytes of the user's sockaddr (at most 128)
 *  204  u16 path_flags, u16 fd_kind (enum bh_fd_kind)
 *  208  s32 fd (described fd, -1 none) as u32, u32 fd_mode (inode mode)
 *  216  u16 sk_family, sk_type, sk_proto
 *  222  u8 abi (enum bh_sc_abi: nr is in that ABI), u8 decision (BH_DECISION, 0 none)
 *  224  u16 sk_lport, sk_rport  (host order)
 *  228  u32 fd_flags   the open file's f_flags (O_*), 0 for none
 *  232  u8 sk_laddr[16], sk_raddr[16]  IPv4 in the first 4 bytes
 *  264  (end, blob follows)
 */
struct bh_rec_syscall {
	struct bh_rec_hdr hdr;
	bh_u32 nr;
	bh_u16 kind;
	bh_u16 sc_flags;
	bh_s64 ret;
	bh_u64 args[6];
	struct bh_rec_str str[3];
	struct bh_rec_str path;
	struct bh_rec_str sockaddr;
	bh_u16 path_flags;
	bh_u16 fd_kind;
	bh_u32 fd;
	bh_u32 fd_mode;
	bh_u16 sk_family, sk_type, sk_proto;
	bh_u8 abi;	/* enum bh_sc_abi */
	bh_u8 decision; /* BH_DECISION(action, reason) */
	bh_u16 sk_lport, sk_rport;
	bh_u32 fd_flags;
	bh_u8 sk_laddr[16];
	bh_u8 sk_raddr[16];
};

/*
 * BH_REC_CGROUP: sent before the first record that carries a cgroup id the BPF side has
 * not reported yet (an LRU set: an id may be sent again), so user space learns the path
 * while the cgroup still exists. The header is the task that met it.
 *  120  u64 id         as hdr.cgroup_id
 *  128  str path       components of the path below the hierarchy's root
 *  132  u16 path_flags, u16 pad
 *  136  (end, blob follows)
 */
struct bh_rec_cgroup {
	struct bh_rec_hdr hdr;
	bh_u64 id;
	struct bh_rec_str path;
	bh_u16 path_flags;
	bh_u16 pad;
};

/*
 * Protect mode (enforcement) and syscall learning, per cgroup. Both key on the cgroup v2 id
 * of the calling task (bpf_get_current_cgroup_id(): the inode number of its directory in
 * cgroup2fs, which user space reads with stat(2)), whatever hierarchy hdr.cgroup_id comes
 * from. User space fills the maps below (src/sensor/enforce.h); the BPF side decides at the
 * event and sends SIGKILL with bpf_send_signal() to the calling process.
 *
 *   protect       u64 cgroup id -> struct bh_protect      (BH_PROTECT_MAX cgroups)
 *   allow_exec    struct bh_path_key -> u8                 (BH_ALLOW_EXEC_MAX paths)
 *   protect_dirs  struct bh_path_key -> u8                 (BH_PROTECT_DIRS_MAX paths)
 *   allow_peer    struct bh_peer_key -> u8                 (BH_ALLOW_PEER_MAX peers)
 *   sc_learn      u64 cgroup id -> struct bh_sc_bitmap     (BH_TRACK_MAX cgroups)
 *
 * Decisions: the record of the exec, open or connect carries one in its `decision` byte,
 * BH_DECISION(action, reason) (enum bh_action in the low 4 bits, enum bh_reason in the high
 * 4), 0 for none. The byte was padding (exec) and the high byte of a u16 abi that never
 * exceeded 2 (syscall) in earlier builds of the same ABI version, so a record without a
 * decision is byte for byte what it was. The decoder renders evt.arg.bh_action and
 * evt.arg.bh_reason from it.
 *
 *   BH_PROTECT_EXEC     at sched_process_exec, the executable's path (as exepath, resolved
 *                       in the task's mount namespace) hashed with bh_path_hash must be in
 *                       allow_exec for the cgroup, else BH_REASON_EXEC. A walk that was
 *                       truncated, or a path longer than BH_PATH_HASH_SCAN bytes, is never
 *                       allowed.
 *   BH_PROTECT_WRITE    at the exit of a successful open/openat/openat2/creat that writes
 *                       (O_WRONLY, O_RDWR, O_CREAT or O_TRUNC), the opened file's path or
 *                       one of its ancestors must not be in protect_dirs, else
 *                       BH_REASON_WRITE. A truncated walk counts as protected.
 *   BH_PROTECT_CONNECT  an AF_INET or AF_INET6 peer (IPv4-mapped IPv6 as AF_INET) must be
 *                       in allow_peer with its port or with port 0 (any port), else
 *                       BH_REASON_PEER. Other families are not checked. Where the cgroup v2
 *                       hierarchy is mounted, the cgroup/connect4 and connect6 programs
 *                       refuse the connect (EPERM: nothing is sent) and its exit kills the
 *                       process (the record carries the decision). Elsewhere, SIGKILL at
 *                       the entry of connect (native, ia32, ia32 socketcall). Either way the
 *                       connected socket's peer is checked again at the exit (SIGKILL).
 *   BH_PROTECT_DRY_RUN  decide and mark BH_ACT_WOULD_KILL; never signal, never refuse.
 * A record with a decision is emitted even when its kind is not enabled.
 *
 * bh_path_hash(path): FNV-1a 64 (offset basis BH_FNV_OFFSET, prime BH_FNV_PRIME) over the
 * BH_STR_COMPONENTS bytes of the path read backwards: for "/usr/bin/ls" ("ls\0bin\0usr\0")
 * the bytes "\0rsu\0nib\0sl", i.e. for each component from the root: a NUL, then the
 * component's bytes in reverse. So the hash of a directory is the running hash at a
 * component boundary of the hash of any path below it: one backwards pass checks every
 * ancestor. "/" hashes to BH_FNV_OFFSET.
 *
 * Syscall learning: while a cgroup has an entry in sc_learn, sys_exit (and the process exit,
 * for exit and exit_group) sets bit nr of its
 * bitmap for every native syscall nr < BH_SC_LEARN_NR its tasks make (x86-64 or arm64
 * numbers). ia32 syscalls of compat tasks are ignored (another numbering; counted in no
 * bitmap).
 */
enum bh_protect_flags {
	BH_PROTECT_EXEC = 1 << 0,
	BH_PROTECT_WRITE = 1 << 1,
	BH_PROTECT_CONNECT = 1 << 2,
	BH_PROTECT_DRY_RUN = 1 << 3,
};
#define BH_PROTECT_ALL (BH_PROTECT_EXEC | BH_PROTECT_WRITE | BH_PROTECT_CONNECT | BH_PROTECT_DRY_RUN)

enum bh_action {
	BH_ACT_NONE = 0,
	BH_ACT_KILLED = 1,     /* SIGKILL sent to the process */
	BH_ACT_WOULD_KILL = 2, /* DRY_RUN: it would have been */
	BH_ACT_SIGNAL_FAILED = 3, /* decided, but bpf_send_signal() failed (counted) */
	_BH_ACT_MAX,
};

enum bh_reason {
	BH_REASON_NONE = 0,
	BH_REASON_EXEC = 1,  /* "exec-not-allowed" */
	BH_REASON_WRITE = 2, /* "write-protected" */
	BH_REASON_PEER = 3,  /* "peer-not-allowed" */
	_BH_REASON_MAX,
};

#define BH_DECISION(action, reason) ((bh_u8)((action) | (reason) << 4))
#define BH_DECISION_ACTION(d)	    ((d) & 0xf)
#define BH_DECISION_REASON(d)	    ((d) >> 4)

struct bh_protect {
	bh_u32 flags; /* enum bh_protect_flags */
	bh_u32 pad;
};

struct bh_path_key {
	bh_u64 cgroup_id;
	bh_u64 hash; /* bh_path_hash */
};

struct bh_peer_key {
	bh_u64 cgroup_id;
	bh_u16 family; /* AF_INET or AF_INET6 */
	bh_u16 port;   /* host order; 0 = any port */
	bh_u32 pad;
	bh_u8 addr[16]; /* IPv4 in the first 4 bytes, the rest zero */
};

#define BH_SC_LEARN_NR 512
struct bh_sc_bitmap {
	bh_u64 bits[BH_SC_LEARN_NR / 64];
};

#define BH_PROTECT_MAX	    1024
#define BH_ALLOW_EXEC_MAX   16384
#define BH_PROTECT_DIRS_MAX 4096
#define BH_ALLOW_PEER_MAX   16384
#define BH_TRACK_MAX	    1024
#define BH_PATH_HASH_SCAN   2048 /* component bytes a decision hashes, from the root side */
#define BH_FNV_OFFSET	    0xcbf29ce484222325ULL
#define BH_FNV_PRIME	    0x100000001b3ULL

/*
 * Waking the reader: a record is written with BPF_RB_NO_WAKEUP unless its CPU has written
 * the loader's wakeup_bytes since it last woke the reader (rodata; BH_WAKEUP_BYTES_DEFAULT:
 * a share of the ring the reader should take in one go) or BH_WAKEUP_NS passed since the
 * last wakeup on any CPU.
 * The reader also wakes on a timer (BH_POLL_MS at most), so the last records of a burst
 * wait at most that long. A wakeup per record would cost the writer an irq_work and the
 * reader a poll, a context switch and a flush per record.
 */
#define BH_WAKEUP_BYTES_DEFAULT (256 << 10)
#define BH_WAKEUP_NS		(5 * 1000 * 1000)
#define BH_POLL_MS		50

/* Strings blob: every record's blob is at most BH_BLOB_MAX bytes. */
#define BH_BLOB_MAX	       8192
#define BH_REC_MAX	       (320 + BH_BLOB_MAX)
#define BH_PATH_MAX_COMPONENTS 32
#define BH_NAME_MAX	       256  /* one path component, with NUL */
#define BH_USTR_MAX	       1024 /* one user string argument, with NUL */
#define BH_ARGV_MAX	       4096 /* argv bytes */
#define BH_SOCKADDR_MAX	       128

_Static_assert(sizeof(struct bh_rec_hdr) == 120, "bh_rec_hdr size");
_Static_assert(sizeof(struct bh_rec_ancestor) == 20, "bh_rec_ancestor size");
_Static_assert(sizeof(struct bh_rec_exec) == 320, "bh_rec_exec size");
_Static_assert(sizeof(struct bh_rec_exit) == 128, "bh_rec_exit size");
_Static_assert(sizeof(struct bh_rec_fork) == 136, "bh_rec_fork size");
_Static_assert(sizeof(struct bh_rec_syscall) == 264, "bh_rec_syscall size");
_Static_assert(sizeof(struct bh_rec_cgroup) == 136, "bh_rec_cgroup size");
_Static_assert(sizeof(struct bh_sc_desc) == 8, "bh_sc_desc size");
_Static_assert(sizeof(struct bh_rec_str) == 4, "bh_rec_str size");
_Static_assert(_BH_KIND_MAX <= BH_KIND_SLOTS, "enabled map too small");
_Static_assert(BH_SC_KEYS == 3072, "syscalls map size");
_Static_assert(__builtin_offsetof(struct bh_rec_syscall, abi) == 222, "bh_rec_syscall abi");
_Static_assert(_BH_CNT_MAX <= BH_CNT_SLOTS, "counter map too small");
_Static_assert(__builtin_offsetof(struct bh_rec_exec, decision) == 310, "bh_rec_exec decision");
_Static_assert(__builtin_offsetof(struct bh_rec_syscall, decision) == 223, "bh_rec_syscall decision");
_Static_assert(_BH_ACT_MAX <= 16 && _BH_REASON_MAX <= 16, "a decision is one byte");
_Static_assert(sizeof(struct bh_protect) == 8, "bh_protect size");
_Static_assert(sizeof(struct bh_path_key) == 16, "bh_path_key size");
_Static_assert(sizeof(struct bh_peer_key) == 32, "bh_peer_key size");
_Static_assert(sizeof(struct bh_sc_bitmap) == 64, "bh_sc_bitmap size");
