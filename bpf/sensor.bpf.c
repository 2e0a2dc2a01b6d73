// SPDX-License-Identifier: GPL-2.0-only
/*
 * sensor.bpf.c — the kernel side of `bulkhead sensor`: process lifecycle (exec, exit,
 * fork) from the sched tracepoints and selected syscalls from sys_enter/sys_exit, written
 * to one ring buffer as the records of bpf/events.h. It only copies facts: no policy, no
 * parsing; user space (src/sensor/) decodes and checks every record.
 *
 * Every hook exists in three flavours so the loader can probe what the kernel accepts
 * instead of checking versions: BTF-enabled tracepoints (tp_btf/), raw tracepoints
 * (raw_tp/) and classic tracepoints (tracepoint/). They share one body, instantiated with
 * a constant `btf`: the tp_btf flavour reads the task's fields with plain loads through
 * its BTF pointers (the verifier turns them into fault-safe loads), the others with CO-RE
 * helper calls (BPF_CORE_READ), which work everywhere. Reads the verifier refuses as plain
 * loads (variable indexes, container_of) use CO-RE in every flavour.
 * Syscalls are saved at entry (LRU hash keyed by pid_tgid) and emitted at exit, when
 * the result is known. Which syscalls matter, and which of their arguments are strings
 * or socket addresses, is the `syscalls` array that user space fills by number, so no
 * architecture's syscall table lives here (only the three numbers syscall learning cannot
 * see at an exit, BH_NR_*); both sys_enter and sys_exit test the number in
 * a read-only bitmap (sc_nrs) first and return at once for the (many) syscalls nobody
 * follows, before any helper call. The number is then looked up in the block of the
 * task's ABI: a 32-bit task on x86-64 (TS_COMPAT) makes i386 syscalls, which have their
 * own block, their arguments in other registers, and i386 socketcall(2) whose call and
 * arguments are unpacked here (see BH_SC_SOCKETCALL). Big records are built in a per-CPU
 * scratch buffer and copied with bpf_ringbuf_output(); a full ring buffer is counted per
 * CPU. The reader is woken in batches (see BH_WAKEUP_BYTES_DEFAULT).
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "events.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_UNIX		      1
#define AF_INET		      2
#define AF_INET6	      10
#define EPERM		      1
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define S_IFMT		      00170000
#define S_IFSOCK	      0140000
#define S_IFLNK		      0120000
#define S_IFREG		      0100000
#define S_IFBLK		      0060000
#define S_IFDIR		      0040000
#define S_IFCHR		      0020000
#define S_IFIFO		      0010000
#define PROC_PID_INIT_INO     0xEFFFFFFCU /* the initial pid namespace's inode (<linux/proc_ns.h>) */

const volatile __u32 self_tgid = 0; /* the sensor's own events are not reported */
/* hierarchy of hdr.cgroup_id: -1 the default (v2) one, else a v1 cgroup_subsys_id */
const volatile int cgroup_subsys = -1;
/* wake the reader after this many bytes from one CPU (see BH_WAKEUP_BYTES_DEFAULT) */
const volatile __u32 wakeup_bytes = BH_WAKEUP_BYTES_DEFAULT;

/* the sys_exit program reads the arguments from the task's saved registers (tp_btf, raw_tp);
 * false for the classic tracepoint, which has none: sys_enter then saves them */
const volatile bool exit_has_regs = false;

/* the syscall numbers with an entry in `syscalls` in any ABI block (bit nr % 64 of word
 * nr / 64): both syscall hooks test the number here first, before any helper call or read
 * of the task, and leave at once for the (many) syscalls nobody follows */
const volatile __u64 sc_nrs[BH_SC_NR_MAX / 64] = {};

/* protect mode and syscall learning are loaded at all (else the verifier drops their code) */
const volatile bool enforce_on = false;
const volatile bool learn_on = false;
/* protect mode's connect check is the cgroup/connect4 and connect6 programs (attached to the
 * root of the cgroup v2 hierarchy): a peer not allowed is refused with EPERM before any
 * packet, and sys_enter is not needed for it */
const volatile bool connect_guard = false;

/* last forced wakeup, boot ns (shared by every CPU: a lost race costs one extra wakeup) */
__u64 last_wakeup = 0;

/* entries user space put in `protect` and `sc_learn`: while 0, no hook looks them up */
__u32 n_protected = 0;
__u32 n_tracked = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BH_KIND_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} enabled SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BH_CNT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BH_SC_KEYS);
	__type(key, __u32);
	__type(value, struct bh_sc_desc);
} syscalls SEC(".maps");

struct inflight {
	__u64 args[6];
	__u32 nr; /* the syscalls map key: abi * BH_SC_NR_MAX + nr */
	__u16 has_caps;
	__u8 action, reason; /* protect mode's decision at entry (connect) */
	__u64 caps[3];	     /* permitted, effective, inheritable at entry (BH_SC_ENTRY_CAPS) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct inflight);
} inflight SEC(".maps");

/* The record is built here: fixed part, then the blob; twice BH_BLOB_MAX so that a
 * bounded write at any offset below BH_BLOB_MAX stays inside. */
struct scratch {
	char buf[BH_REC_MAX + BH_BLOB_MAX];
	__u64 names[BH_PATH_MAX_COMPONENTS]; /* put_path()'s first pass: name pointers */
};

/* [0] for the record being built, [1] for a cgroup record sent while [0] is in use */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* per CPU: bytes written since this CPU last woke the reader */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} wake_bytes SEC(".maps");

/* per CPU: the cgroup id this CPU reported or found in cgroups_seen last, so a stream of
 * records from one cgroup skips the hash lookup */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cgroup_last SEC(".maps");

/* cgroup ids already reported with a BH_REC_CGROUP record */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u8);
} cgroups_seen SEC(".maps");

/* ---- protect mode and syscall learning (see bpf/events.h) ---- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BH_PROTECT_MAX);
	__type(key, __u64);
	__type(value, struct bh_protect);
} protect SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BH_ALLOW_EXEC_MAX);
	__type(key, struct bh_path_key);
	__type(value, __u8);
} allow_exec SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BH_PROTECT_DIRS_MAX);
	__type(key, struct bh_path_key);
	__type(value, __u8);
} protect_dirs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BH_ALLOW_PEER_MAX);
	__type(key, struct bh_peer_key);
	__type(value, __u8);
} allow_peer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BH_TRACK_MAX);
	__type(key, __u64);
	__type(value, struct bh_sc_bitmap);
} sc_learn SEC(".maps");

/* kernfs_node's parent was renamed __parent (6.15); CO-RE picks the one that exists */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

#define BLOB_MASK (BH_BLOB_MAX - 1)

/* p->f: a plain load in the tp_btf flavour, a CO-RE read in the others */
#define RD(btf, p, f) ((btf) ? (p)->f : BPF_CORE_READ(p, f))

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);
	if (c)
		*c += 1;
}

static __always_inline bool kind_enabled(__u32 kind)
{
	__u32 *on = bpf_map_lookup_elem(&enabled, &kind);
	return on && *on;
}

/*
 * Protect mode: the flags of the calling task's cgroup (v2 id in *ret_cgid), 0 when it is not
 * protected. Costs nothing while no cgroup is (n_protected), one hash lookup otherwise.
 */
static __always_inline __u32 protect_flags(__u64 *ret_cgid)
{
	if (!enforce_on || !n_protected)
		return 0;
	__u64 id = bpf_get_current_cgroup_id();
	struct bh_protect *p = bpf_map_lookup_elem(&protect, &id);
	if (!p)
		return 0;
	*ret_cgid = id;
	return p->flags;
}

/* Act on a decision against the calling process: SIGKILL, or only mark it (DRY_RUN). */
static __always_inline __u8 enforce_act(__u32 pflags)
{
	if (pflags & BH_PROTECT_DRY_RUN) {
		count(BH_CNT_WOULD_KILL);
		return BH_ACT_WOULD_KILL;
	}
	if (bpf_send_signal(9 /* SIGKILL */) < 0) {
		count(BH_CNT_SIGNAL_FAILED);
		return BH_ACT_SIGNAL_FAILED;
	}
	count(BH_CNT_KILLED);
	return BH_ACT_KILLED;
}

/* Syscall learning: mark native syscall nr in the calling task's cgroup's bitmap. */
static __always_inline void learn_syscall(__u64 nr)
{
	if (!learn_on || !n_tracked || nr >= BH_SC_LEARN_NR)
		return;
	__u64 id = bpf_get_current_cgroup_id();
	struct bh_sc_bitmap *b = bpf_map_lookup_elem(&sc_learn, &id);
	if (!b)
		return;
	__u64 m = 1ULL << (nr & 63);
	__u32 w = (__u32)(nr >> 6) & (BH_SC_LEARN_NR / 64 - 1);
	if (!(b->bits[w] & m))
		__sync_fetch_and_or(&b->bits[w], m);
}

/*
 * Is task t (the current one) in a 32-bit (ia32) syscall? Such a syscall (int 0x80, sysenter,
 * or a 64-bit task's int 0x80) runs with TS_COMPAT in thread_info.status from its entry until
 * the return to user mode, so both syscall tracepoints and a process exit in it see it.
 */
#define TS_COMPAT 0x0002
static __always_inline bool task_in_compat_syscall(struct task_struct *t, const bool btf)
{
#if defined(__TARGET_ARCH_x86)
	return RD(btf, t, thread_info.status) & TS_COMPAT;
#else
	return false;
#endif
}

/* the sixth argument and, at exit, the syscall number (a plain load from a tp_btf pt_regs) */
#if defined(__TARGET_ARCH_x86)
#define SC_ARG6(regs)	  BPF_CORE_READ(regs, r9)
#define SC_ARG6_BTF(regs) ((regs)->r9)
#define SC_NR(regs)	  BPF_CORE_READ(regs, orig_ax)
#define SC_NR_BTF(regs)	  ((regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define SC_ARG6(regs)	  BPF_CORE_READ((struct user_pt_regs *)(regs), regs[5])
#define SC_ARG6_BTF(regs) SC_ARG6(regs)
#define SC_NR(regs)	  BPF_CORE_READ(regs, syscallno)
#define SC_NR_BTF(regs)	  ((regs)->syscallno)
#else
#error "unsupported architecture: define SC_ARG6 and SC_NR"
#endif

/*
 * The native numbers of the syscalls learning cannot see at their exit: exit and exit_group
 * never return (the process exit marks them), and rt_sigreturn restores the registers and
 * sets the saved number to -1 (no restart), which is what its exit shows.
 */
#if defined(__TARGET_ARCH_x86)
#define BH_NR_RT_SIGRETURN 15
#define BH_NR_EXIT	   60
#define BH_NR_EXIT_GROUP   231
#elif defined(__TARGET_ARCH_arm64)
#define BH_NR_RT_SIGRETURN 139
#define BH_NR_EXIT	   93
#define BH_NR_EXIT_GROUP   94
#else
#error "unsupported architecture: define the numbers of rt_sigreturn, exit and exit_group"
#endif

/* Learning at a syscall's exit: native syscall nr (-1 after rt_sigreturn) of task t. */
static __always_inline void learn_at_exit(__u64 nr, struct task_struct *t, const bool btf)
{
	if (nr == (__u64)-1)
		nr = BH_NR_RT_SIGRETURN;
	if (nr >= BH_SC_LEARN_NR || task_in_compat_syscall(t, btf))
		return;
	learn_syscall(nr);
}

/*
 * Learning at the exit of thread t (the current one): the exit or exit_group it called, which
 * its saved registers still name (a thread killed by a signal shows another number there).
 */
static __always_inline void learn_task_exit(struct task_struct *t, const bool btf)
{
	if (!learn_on || !n_tracked)
		return;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);
	if (!regs)
		return;
	__u64 nr = SC_NR(regs);
	if ((nr == BH_NR_EXIT || nr == BH_NR_EXIT_GROUP) && !task_in_compat_syscall(t, btf))
		learn_syscall(nr);
}

static __always_inline void *get_scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch, &zero);
}

static __always_inline void emit(void *rec, __u32 fixed, __u32 blob_len)
{
	if (blob_len > BH_BLOB_MAX)
		blob_len = BH_BLOB_MAX;
	__u32 size = fixed + blob_len;
	((struct bh_rec_hdr *)rec)->size = size;
	if (size > BH_REC_MAX)
		return;
	/* a no-op for valid sizes, but a bound the verifier can see after clang's rewrites */
	asm volatile("" : "+r"(size));
	size &= 0x3fff;
	/* wake the reader once this CPU wrote wakeup_bytes since its last wakeup (a wakeup
	 * per record costs an irq_work and the reader a poll per record), or when no CPU sent
	 * one for BH_WAKEUP_NS; counted per CPU, so no shared cache line is written per record */
	__u64 flags = BPF_RB_NO_WAKEUP;
	__u64 now = ((struct bh_rec_hdr *)rec)->ts;
	__u32 key = 0;
	__u64 *unwoken = bpf_map_lookup_elem(&wake_bytes, &key);
	if (unwoken)
		*unwoken += size;
	if ((unwoken && *unwoken >= wakeup_bytes) || now - last_wakeup >= BH_WAKEUP_NS) {
		flags = BPF_RB_FORCE_WAKEUP;
		last_wakeup = now;
		if (unwoken)
			*unwoken = 0;
	}
	if (bpf_ringbuf_output(&events, rec, size, flags) < 0)
		count(BH_CNT_DROPPED);
	else
		count(BH_CNT_EMITTED);
}

static __always_inline __u32 task_vpid(struct task_struct *t, __u32 *ret_pidns, const bool btf)
{
	struct task_struct *leader = RD(btf, t, group_leader);
	struct pid *pid = RD(btf, leader, thread_pid);
	unsigned int level = RD(btf, pid, level);
	if (level == 0) {
		/* the initial pid namespace (every host process): its number is the global one,
		 * its inode a constant, and the two reads below are saved */
		*ret_pidns = PROC_PID_INIT_INO;
		return RD(btf, leader, pid);
	}
	struct upid up = {};
	bpf_core_read(&up, sizeof(up), &pid->numbers[level & 31]);
	*ret_pidns = BPF_CORE_READ(up.ns, ns.inum);
	return (__u32)up.nr;
}

static __always_inline __u32 task_tty(struct task_struct *t, const bool btf)
{
	struct signal_struct *sig = RD(btf, t, signal);
	struct tty_struct *tty = RD(btf, sig, tty);
	if (!tty)
		return 0;
	struct tty_driver *drv = RD(btf, tty, driver);
	__u32 major = (__u32)RD(btf, drv, major);
	__u32 minor = (__u32)RD(btf, drv, minor_start) + (__u32)RD(btf, tty, index);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

/* Report a cgroup's path the first time its id is met (see BH_REC_CGROUP). */
static __always_inline void report_cgroup(const struct bh_rec_hdr *h, struct kernfs_node *kn)
{
	__u64 id = h->cgroup_id;
	__u32 key = 0;
	__u64 *last = bpf_map_lookup_elem(&cgroup_last, &key);
	if (!id || !last || *last == id)
		return;
	*last = id;
	if (bpf_map_lookup_elem(&cgroups_seen, &id))
		return;
	__u8 one = 1;
	bpf_map_update_elem(&cgroups_seen, &id, &one, BPF_ANY);
	key = 1;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &key);
	if (!sc)
		return;
	struct bh_rec_cgroup *r = (void *)sc->buf;
	char *blob = sc->buf + sizeof(*r);
	__builtin_memcpy(&r->hdr, h, sizeof(*h));
	r->hdr.type = BH_REC_CGROUP;
	r->id = id;
	r->pad = 0;
	__u16 fl = BH_STR_COMPONENTS | BH_STR_TRUNCATED;
	__u32 off = 0;
	for (int i = 0; i < 16; i++) {
		struct kernfs_node *parent = kn_parent(kn);
		if (!parent) {
			fl &= ~BH_STR_TRUNCATED;
			break;
		}
		if (off >= BH_BLOB_MAX - BH_NAME_MAX)
			break;
		long n = bpf_probe_read_kernel_str(blob + (off & BLOB_MASK), BH_NAME_MAX,
						   BPF_CORE_READ(kn, name));
		if (n <= 0)
			break;
		off += (__u32)n;
		kn = parent;
	}
	r->path.off = 0;
	r->path.len = (__u16)off;
	r->path_flags = fl;
	emit(r, sizeof(*r), off);
}

/* kernfs id of the task's cgroup: the inode number of its directory in cgroupfs */
static __always_inline struct kernfs_node *task_cgroup_kn(struct task_struct *t, __u64 *ret_id,
							  const bool btf)
{
	if (cgroup_subsys < 0) {
		struct css_set *cs = RD(btf, t, cgroups);
		struct cgroup *cg = RD(btf, cs, dfl_cgrp);
		struct kernfs_node *kn = RD(btf, cg, kn);
		*ret_id = RD(btf, kn, id);
		return kn;
	}
	/* a variable index: no plain load (the verifier refuses it on a BTF pointer) */
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	struct cgroup_subsys_state *css = NULL;
	bpf_core_read(&css, sizeof(css), &cs->subsys[cgroup_subsys & 15]);
	struct kernfs_node *kn = BPF_CORE_READ(css, cgroup, kn);
	*ret_id = BPF_CORE_READ(kn, id);
	return kn;
}

/* The three capability sets of c. kernel_cap_t is one u64 on current kernels and two u32
 * before: both read as a u64 (a plain load only where the u64 member exists). */
static __always_inline void read_caps(const struct cred *c, __u64 *caps, const bool btf)
{
	if (btf && bpf_core_field_exists(c->cap_permitted.val)) {
		caps[0] = c->cap_permitted.val;
		caps[1] = c->cap_effective.val;
		caps[2] = c->cap_inheritable.val;
		return;
	}
	bpf_core_read(&caps[0], sizeof(__u64), &c->cap_permitted);
	bpf_core_read(&caps[1], sizeof(__u64), &c->cap_effective);
	bpf_core_read(&caps[2], sizeof(__u64), &c->cap_inheritable);
}

/* The header of a record about t, which is always the current task (every hook runs in its
 * context: exec, exit, the parent of a fork, a syscall's caller). */
static __always_inline void fill_hdr(struct bh_rec_hdr *h, struct task_struct *t, __u16 type,
				     const bool btf)
{
	h->version = BH_ABI_VERSION;
	h->type = type;
	h->ts = bpf_ktime_get_boot_ns();
	h->pid = RD(btf, t, tgid);
	h->tid = RD(btf, t, pid);
	struct task_struct *parent = RD(btf, t, real_parent);
	h->ppid = RD(btf, parent, tgid);
	const struct cred *c = RD(btf, t, real_cred);
	h->uid = RD(btf, c, uid.val);
	h->gid = RD(btf, c, gid.val);
	h->euid = RD(btf, c, euid.val);
	h->egid = RD(btf, c, egid.val);
	__u64 caps[3];
	read_caps(c, caps, btf);
	h->cap_permitted = caps[0];
	h->cap_effective = caps[1];
	h->cap_inheritable = caps[2];
	h->loginuid = (__u32)-1;
	if (bpf_core_field_exists(t->loginuid))
		h->loginuid = RD(btf, t, loginuid.val);
	h->vpid = task_vpid(t, &h->pidns, btf);
	h->cpu = bpf_get_smp_processor_id();
	struct kernfs_node *kn = task_cgroup_kn(t, &h->cgroup_id, btf);
	struct task_struct *leader = RD(btf, t, group_leader);
	h->start_ns = RD(btf, leader, start_boottime);
	h->tty = task_tty(t, btf);
	/* t is current: the helper copies and zero-pads comm without a probe read */
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	report_cgroup(h, kn);
}

/*
 * Span reads: fields of one kernel object that lie close together in the running kernel's
 * layout are copied with one probe read instead of one each (a probe read is a helper call,
 * which costs far more than the bytes it copies). The offsets are CO-RE relocations, so
 * constants for the verifier, which keeps one branch; a layout that puts the fields further
 * apart than SPAN_MAX bytes takes one read per field.
 */
#define SPAN_MAX		    64
#define FOFF(type, field)	    ((__u32)bpf_core_field_offset(type, field))
#define SPAN_AT(buf, lo, off, type) (*(type *)((char *)(buf) + ((off) - (lo))))

static __always_inline __u32 min_u32(__u32 a, __u32 b)
{
	return a < b ? a : b;
}

static __always_inline __u32 max_u32(__u32 a, __u32 b)
{
	return a > b ? a : b;
}

/* dentry->d_parent and dentry->d_name.name */
static __always_inline void dentry_read(struct dentry *dentry, struct dentry **parent,
					const void **name)
{
	__u32 op = FOFF(struct dentry, d_parent), on = FOFF(struct dentry, d_name.name);
	__u32 lo = min_u32(op, on), hi = max_u32(op, on) + 8;
	if (hi - lo > SPAN_MAX) {
		*parent = BPF_CORE_READ(dentry, d_parent);
		*name = BPF_CORE_READ(dentry, d_name.name);
		return;
	}
	__u64 buf[SPAN_MAX / 8] = {};
	bpf_probe_read_kernel(buf, hi - lo, (char *)dentry + lo);
	*parent = SPAN_AT(buf, lo, op, struct dentry *);
	*name = SPAN_AT(buf, lo, on, const void *);
}

/* mnt->mnt_parent, mnt->mnt_mountpoint and mnt->mnt.mnt_root */
static __always_inline void mount_read(struct mount *mnt, struct mount **parent,
				       struct dentry **mountpoint, struct dentry **root)
{
	__u32 op = FOFF(struct mount, mnt_parent), om = FOFF(struct mount, mnt_mountpoint);
	__u32 ort = FOFF(struct mount, mnt.mnt_root);
	__u32 lo = min_u32(min_u32(op, om), ort), hi = max_u32(max_u32(op, om), ort) + 8;
	if (hi - lo > SPAN_MAX) {
		*parent = BPF_CORE_READ(mnt, mnt_parent);
		*mountpoint = BPF_CORE_READ(mnt, mnt_mountpoint);
		*root = BPF_CORE_READ(mnt, mnt.mnt_root);
		return;
	}
	__u64 buf[SPAN_MAX / 8] = {};
	bpf_probe_read_kernel(buf, hi - lo, (char *)mnt + lo);
	*parent = SPAN_AT(buf, lo, op, struct mount *);
	*mountpoint = SPAN_AT(buf, lo, om, struct dentry *);
	*root = SPAN_AT(buf, lo, ort, struct dentry *);
}

/* the fields of struct file that describe_fd() needs */
static __always_inline void file_read(struct file *f, struct inode **ino, struct dentry **dentry,
				      struct vfsmount **mnt, void **priv, __u32 *flags)
{
	__u32 oi = FOFF(struct file, f_inode), od = FOFF(struct file, f_path.dentry);
	__u32 om = FOFF(struct file, f_path.mnt), op = FOFF(struct file, private_data);
	__u32 of = FOFF(struct file, f_flags);
	__u32 lo = min_u32(min_u32(min_u32(oi, od), min_u32(om, op)), of);
	__u32 hi = max_u32(max_u32(max_u32(oi, od), max_u32(om, op)), of) + 8;
	if (hi - lo > SPAN_MAX) {
		*ino = BPF_CORE_READ(f, f_inode);
		*dentry = BPF_CORE_READ(f, f_path.dentry);
		*mnt = BPF_CORE_READ(f, f_path.mnt);
		*priv = BPF_CORE_READ(f, private_data);
		*flags = BPF_CORE_READ(f, f_flags);
		return;
	}
	__u64 buf[SPAN_MAX / 8] = {};
	bpf_probe_read_kernel(buf, hi - lo, (char *)f + lo);
	*ino = SPAN_AT(buf, lo, oi, struct inode *);
	*dentry = SPAN_AT(buf, lo, od, struct dentry *);
	*mnt = SPAN_AT(buf, lo, om, struct vfsmount *);
	*priv = SPAN_AT(buf, lo, op, void *);
	*flags = SPAN_AT(buf, lo, of, __u32);
}

/*
 * Append the path of (dentry, mnt) to the blob at off as leaf-first components; stops at
 * the root of the task's mount namespace (a mount that is its own parent). Returns the
 * new offset; s and flags describe what was written. Two passes keep the verifier
 * linear: the walk (with its mount-crossing branch) only collects name pointers, the
 * copy (with the variable offset) has one branch. One probe read per level (d_parent and
 * d_name.name) and one per mount (its parent, mountpoint and root).
 */
static __always_inline __u32 put_path(char *blob, __u32 off, __u64 *names, struct dentry *dentry,
				      struct vfsmount *vfsmnt, struct bh_rec_str *s, __u16 *flags)
{
	struct mount *mnt = container_of(vfsmnt, struct mount, mnt);
	__u16 fl = BH_STR_COMPONENTS | BH_STR_TRUNCATED;
	__u32 start = off;
	int depth = 0; /* entries of names[] the walk filled: the rest is stale */
	struct mount *mp;
	struct dentry *mountpoint, *root;
	mount_read(mnt, &mp, &mountpoint, &root);

	for (int i = 0; i < BH_PATH_MAX_COMPONENTS; i++) {
		depth = i + 1;
		struct dentry *parent;
		const void *name;
		dentry_read(dentry, &parent, &name);
		names[i] = 0;
		if (dentry == root || dentry == parent) {
			if (dentry != root || mp == mnt || !mp) {
				fl &= ~BH_STR_TRUNCATED;
				depth = i;
				break;
			}
			dentry = mountpoint;
			mnt = mp;
			mount_read(mnt, &mp, &mountpoint, &root);
			continue;
		}
		names[i] = (__u64)name;
		dentry = parent;
	}
	for (int i = 0; i < BH_PATH_MAX_COMPONENTS; i++) {
		if (i >= depth)
			break;
		const void *name = (const void *)names[i];
		if (!name)
			continue;
		if (off >= BH_BLOB_MAX - BH_NAME_MAX) {
			fl |= BH_STR_TRUNCATED;
			break;
		}
		long r = bpf_probe_read_kernel_str(blob + (off & BLOB_MASK), BH_NAME_MAX, name);
		if (r <= 0)
			break;
		off += (__u32)r;
	}
	s->off = (__u16)start;
	s->len = (__u16)(off - start);
	*flags = fl;
	return off;
}

static __always_inline __u32 put_kstr(char *blob, __u32 off, const char *p, struct bh_rec_str *s)
{
	s->off = (__u16)off;
	s->len = 0;
	if (!p || off >= BH_BLOB_MAX - BH_USTR_MAX)
		return off;
	long n = bpf_probe_read_kernel_str(blob + (off & BLOB_MASK), BH_USTR_MAX, p);
	if (n <= 0)
		return off;
	s->len = (__u16)(n - 1);
	return off + (__u32)n;
}

static __always_inline __u32 put_ustr(char *blob, __u32 off, __u64 p, struct bh_rec_str *s)
{
	s->off = (__u16)off;
	s->len = 0;
	if (!p || off >= BH_BLOB_MAX - BH_USTR_MAX)
		return off;
	long n = bpf_probe_read_user_str(blob + (off & BLOB_MASK), BH_USTR_MAX, (void *)p);
	if (n <= 0)
		return off;
	s->len = (__u16)(n - 1);
	return off + (__u32)n;
}

/*
 * Protect mode: hash the path components at sc->buf[start, start + len) backwards
 * (bh_path_hash, bpf/events.h). exec: 1 when the whole path is in allow_exec for cgid.
 * Otherwise: 1 when the path or one of its ancestors is in protect_dirs for cgid. Only the
 * last BH_PATH_HASH_SCAN bytes (the root side) are read; a longer path is never allowed
 * for exec, and checked up to that depth for writes. A global function: the verifier checks
 * its loop once, not in every caller.
 */
#define SCAN_MASK 0x3fff
__noinline int path_scan(struct scratch *sc, __u32 start, __u32 len, __u64 cgid, int exec)
{
	if (!sc || !len)
		return 0;
	__u32 n = len > BH_PATH_HASH_SCAN ? BH_PATH_HASH_SCAN : len;
	__u32 end = start + len - 1;
	struct bh_path_key k = {.cgroup_id = cgid};
	__u64 h = BH_FNV_OFFSET;
	for (__u32 i = 0; i < BH_PATH_HASH_SCAN; i++) {
		if (i >= n)
			break;
		__u8 c = (__u8)sc->buf[(end - i) & SCAN_MASK];
		/* a NUL ends a component (read backwards: starts the next one): the hash so far
		 * is an ancestor's */
		if (!exec && !c && i) {
			k.hash = h;
			if (bpf_map_lookup_elem(&protect_dirs, &k))
				return 1;
		}
		h = (h ^ c) * BH_FNV_PRIME;
	}
	if (n != len)
		return 0;
	k.hash = h;
	if (exec)
		return bpf_map_lookup_elem(&allow_exec, &k) ? 1 : 0;
	return bpf_map_lookup_elem(&protect_dirs, &k) ? 1 : 0;
}

_Static_assert(sizeof(((struct scratch *)0)->buf) > SCAN_MASK, "scratch too small for SCAN_MASK");

/* ---- exec ---- */

static __always_inline int on_exec(struct task_struct *t, struct file *file, const char *fname,
				   const bool btf)
{
	__u64 cgid = 0;
	__u32 pf = protect_flags(&cgid);
	bool ev = kind_enabled(BH_KIND_EXEC);
	if (!ev && !(pf & BH_PROTECT_EXEC))
		return 0;
	struct scratch *sc = get_scratch();
	if (!sc)
		return 0;
	struct bh_rec_exec *r = (void *)sc->buf;
	char *blob = sc->buf + sizeof(*r);
	fill_hdr(&r->hdr, t, BH_REC_EXEC, btf);
	if (r->hdr.pid == self_tgid)
		return 0;

	r->flags = 0;
	r->n_ancestors = 0;
	struct task_struct *p = t;
	for (int i = 0; i < BH_MAX_ANCESTORS; i++) {
		p = BPF_CORE_READ(p, group_leader, real_parent);
		if (!p)
			break;
		__u32 pid = BPF_CORE_READ(p, tgid);
		r->anc[i].pid = pid;
		BPF_CORE_READ_STR_INTO(&r->anc[i].comm, p, comm);
		r->n_ancestors = i + 1;
		if (pid <= 1)
			break;
	}

	/* argv first: it is the biggest and starts at 0, so its bound is a constant */
	__u32 off = 0;
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	__u64 as = BPF_CORE_READ(mm, arg_start), ae = BPF_CORE_READ(mm, arg_end);
	__u64 alen = ae > as ? ae - as : 0;
	r->argv_flags = 0;
	if (alen > BH_ARGV_MAX - 1) {
		alen = BH_ARGV_MAX - 1;
		r->argv_flags = BH_STR_TRUNCATED;
	}
	alen &= BH_ARGV_MAX - 1;
	r->argv.off = 0;
	r->argv.len = 0;
	if (alen && bpf_probe_read_user(blob, alen, (void *)as) == 0) {
		r->argv.len = (__u16)alen;
		off = (__u32)alen;
	}

	off = put_kstr(blob, off, fname, &r->filename);

	if (!file)
		file = BPF_CORE_READ(mm, exe_file);
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	struct inode *ino = BPF_CORE_READ(d, d_inode);
	r->exe_ino = (__u32)BPF_CORE_READ(ino, i_ino);
	r->exe_dev = BPF_CORE_READ(ino, i_sb, s_dev);
	if (BPF_CORE_READ(ino, __i_nlink) == 0)
		r->flags |= BH_EXEC_DELETED;
	/* overlayfs (a container's root): is the file in the upper, writable layer? */
	if (bpf_core_type_exists(struct ovl_inode) &&
	    BPF_CORE_READ(ino, i_sb, s_magic) == OVERLAYFS_SUPER_MAGIC) {
		struct ovl_inode *oi = container_of(ino, struct ovl_inode, vfs_inode);
		if (BPF_CORE_READ(oi, __upperdentry))
			r->flags |= BH_EXEC_UPPER;
	}
	char pfx[8] = {};
	bpf_probe_read_kernel_str(pfx, sizeof(pfx), BPF_CORE_READ(d, d_name.name));
	if (pfx[0] == 'm' && pfx[1] == 'e' && pfx[2] == 'm' && pfx[3] == 'f' && pfx[4] == 'd' &&
	    pfx[5] == ':')
		r->flags |= BH_EXEC_MEMFD;
	off = put_path(blob, off, sc->names, d, BPF_CORE_READ(file, f_path.mnt), &r->exepath,
		       &r->exepath_flags);
	/* protect mode: decided on the resolved path, before the new program runs a single
	 * instruction (the signal is delivered on the return to user mode) */
	r->decision = 0;
	r->pad = 0;
	if ((pf & BH_PROTECT_EXEC) &&
	    ((r->exepath_flags & BH_STR_TRUNCATED) ||
	     !path_scan(sc, sizeof(*r) + r->exepath.off, r->exepath.len, cgid, 1)))
		r->decision = BH_DECISION(enforce_act(pf), BH_REASON_EXEC);

	struct fs_struct *fs = BPF_CORE_READ(t, fs);
	off = put_path(blob, off, sc->names, BPF_CORE_READ(fs, pwd.dentry),
		       BPF_CORE_READ(fs, pwd.mnt), &r->cwd, &r->cwd_flags);
	if (ev || r->decision)
		emit(r, sizeof(*r), off);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(p, bprm->file, bprm->filename, true);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(exec_raw, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(p, BPF_CORE_READ(bprm, file), BPF_CORE_READ(bprm, filename), false);
}

SEC("tracepoint/sched/sched_process_exec")
int exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	__u32 loc = BPF_CORE_READ(ctx, __data_loc_filename);
	return on_exec((struct task_struct *)bpf_get_current_task(), NULL,
		       (const char *)ctx + (loc & 0xffff), false);
}

/* ---- exit ---- */

static __always_inline int on_exit(struct task_struct *t, const bool btf)
{
	learn_task_exit(t, btf);
	if (!kind_enabled(BH_KIND_EXIT))
		return 0;
	if (RD(btf, t, pid) != RD(btf, t, tgid))
		return 0; /* threads: only the leader's exit is a process exit */
	struct bh_rec_exit r = {};
	fill_hdr(&r.hdr, t, BH_REC_EXIT, btf);
	if (r.hdr.pid == self_tgid)
		return 0;
	r.exit_code = (__u32)RD(btf, t, exit_code);
	emit(&r, sizeof(r), 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *p)
{
	return on_exit(p, true);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(exit_raw, struct task_struct *p)
{
	return on_exit(p, false);
}

SEC("tracepoint/sched/sched_process_exit")
int exit_tp(void *ctx)
{
	return on_exit((struct task_struct *)bpf_get_current_task(), false);
}

/* ---- fork ---- */

static __always_inline int on_fork(struct task_struct *parent, __u32 child_tgid, __u32 child_tid,
				   const bool btf)
{
	if (!kind_enabled(BH_KIND_FORK))
		return 0;
	struct bh_rec_fork r = {};
	fill_hdr(&r.hdr, parent, BH_REC_FORK, btf);
	if (r.hdr.pid == self_tgid)
		return 0;
	r.child_pid = child_tgid;
	r.child_tid = child_tid;
	r.is_thread = child_tgid == r.hdr.pid;
	emit(&r, sizeof(r), 0);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, child->tgid, child->pid, true);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, BPF_CORE_READ(child, tgid), BPF_CORE_READ(child, pid), false);
}

SEC("tracepoint/sched/sched_process_fork")
int fork_tp(struct trace_event_raw_sched_process_fork *ctx)
{
	/* the classic tracepoint names only the child's thread id */
	__u32 child = (__u32)BPF_CORE_READ(ctx, child_pid);
	return on_fork((struct task_struct *)bpf_get_current_task(), child, child, false);
}

/* ---- syscalls ---- */

/* Is syscall number nr followed in some ABI (sc_nrs)? A load from .rodata, no helper call. */
static __always_inline bool sc_nr_followed(__u64 nr)
{
	if (nr >= BH_SC_NR_MAX)
		return false;
	return sc_nrs[(nr >> 6) & (BH_SC_NR_MAX / 64 - 1)] & (1ULL << (nr & 63));
}

/*
 * The descriptor of the syscall with this key (abi * BH_SC_NR_MAX + nr) when it is followed,
 * else NULL: the first thing both syscall hooks do, before reading any argument (one
 * inlined array load; user space fills only the syscalls of the enabled kinds).
 */
static __always_inline struct bh_sc_desc *sc_followed(__u64 key)
{
	if (key >= BH_SC_KEYS)
		return NULL;
	__u32 k = (__u32)key;
	struct bh_sc_desc *d = bpf_map_lookup_elem(&syscalls, &k);
	return d && d->on ? d : NULL;
}

/*
 * The map key of syscall nr made by the current task, or BH_SC_KEYS (never followed) for a
 * number out of range; a compat task's nr is an i386 number (task_in_compat_syscall).
 */
static __always_inline __u64 sc_key(__u64 nr, struct task_struct *t, const bool btf)
{
	if (nr >= BH_SC_NR_MAX)
		return BH_SC_KEYS;
	if (task_in_compat_syscall(t, btf))
		return BH_SC_ABI_IA32 * BH_SC_NR_MAX + nr;
	return nr;
}

static __always_inline bool key_is_compat(__u64 key)
{
	return key >= BH_SC_NR_MAX;
}

/*
 * Does sys_enter save this syscall? Only when sys_exit cannot read the arguments itself or
 * the record needs the caller's state at entry: a followed syscall otherwise costs its
 * entry one array load, and no map update per call.
 */
static __always_inline bool save_at_entry(const struct bh_sc_desc *d)
{
	return !exit_has_regs || (d->flags & BH_SC_ENTRY_CAPS);
}

/* Does sys_enter look at this syscall: its record needs the entry, or protect mode checks it
 * there (connect, and i386 socketcall for its connect call)? */
static __always_inline bool enter_needed(const struct bh_sc_desc *d)
{
	if ((d->on & BH_SC_ON_EVENTS) && save_at_entry(d))
		return true;
	return enforce_on && (!connect_guard || !exit_has_regs) && (d->on & BH_SC_ON_ENFORCE) &&
	       (d->kind == BH_KIND_CONNECT || (d->flags & BH_SC_SOCKETCALL));
}

#define SYS_CONNECT_CALL 3 /* socketcall(2)'s call number of connect (<linux/net.h>) */

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it is. */
static __always_inline void peer_normalise(__u16 *family, __u8 *addr)
{
	if (*family != AF_INET6)
		return;
	for (int i = 0; i < 10; i++)
		if (addr[i])
			return;
	if (addr[10] != 0xff || addr[11] != 0xff)
		return;
	*family = AF_INET;
	for (int i = 0; i < 4; i++)
		addr[i] = addr[12 + i];
	for (int i = 4; i < 16; i++)
		addr[i] = 0;
}

/* Is (family, addr, port) in cgid's allow_peer, with its port or with port 0 (any)? */
static __always_inline bool peer_allowed(__u64 cgid, __u16 family, __u16 port, const __u8 *addr)
{
	struct bh_peer_key k = {.cgroup_id = cgid, .family = family, .port = port};
	__builtin_memcpy(k.addr, addr, 16);
	peer_normalise(&k.family, k.addr);
	if (bpf_map_lookup_elem(&allow_peer, &k))
		return true;
	k.port = 0;
	return bpf_map_lookup_elem(&allow_peer, &k) != NULL;
}

/* Does the sockaddr at user address ua (len bytes) name an AF_INET/AF_INET6 peer cgid may
 * not reach? */
static __always_inline bool user_peer_denied(__u64 ua, __u64 len, __u64 cgid)
{
	__u8 sa[32] = {};
	if (len > 28)
		len = 28;
	if (len < 8 || bpf_probe_read_user(sa, len & 31, (void *)ua) < 0)
		return false;
	__u16 family = (__u16)(sa[0] | sa[1] << 8);
	__u16 port = (__u16)(sa[2] << 8 | sa[3]);
	__u8 addr[16] = {};
	if (family == AF_INET)
		__builtin_memcpy(addr, sa + 4, 4);
	else if (family == AF_INET6 && len >= 24)
		__builtin_memcpy(addr, sa + 8, 16);
	else
		return false;
	return !peer_allowed(cgid, family, port, addr);
}

/*
 * Protect mode at a connect's entry (without the connect guard): BH_REASON_PEER when the
 * sockaddr the caller passes names an AF_INET/AF_INET6 peer cgid may not reach, else 0. The
 * sockaddr is read from user memory before the kernel copies it: sys_exit checks the socket's
 * peer again (the kernel's view).
 */
static __always_inline __u8 connect_denied(const struct bh_sc_desc *d, __u64 key, const __u64 *args,
					   __u64 cgid)
{
	__u64 ua = args[1], len = args[2];
	if (key_is_compat(key)) {
		ua &= 0xffffffffULL;
		len &= 0xffffffffULL;
	}
	if (d->flags & BH_SC_SOCKETCALL) {
		__u32 call_args[3] = {};
		if ((args[0] & 0xffffffffULL) != SYS_CONNECT_CALL ||
		    bpf_probe_read_user(call_args, sizeof(call_args),
					(void *)(args[1] & 0xffffffffULL)) < 0)
			return 0;
		ua = call_args[1];
		len = call_args[2];
	} else if (d->kind != BH_KIND_CONNECT) {
		return 0;
	}
	return user_peer_denied(ua, len, cgid) ? BH_REASON_PEER : 0;
}

/*
 * The connect guard: protect mode's check of every connect (connect(2), ia32 socketcall, TCP
 * fast open, io_uring) on the address the kernel copied, so no later change of the caller's
 * memory can pass it. 1 lets the connect go on, 0 refuses it with EPERM: nothing is sent, and
 * the connect's exit (on_sys_exit) finds the EPERM and the peer, marks the record and kills
 * the process as for the other deviations. Runs only at connects.
 */
static __always_inline int connect_guard_check(struct bpf_sock_addr *ctx, __u16 family)
{
	__u64 cgid = 0;
	__u32 pf = protect_flags(&cgid);
	if (!(pf & BH_PROTECT_CONNECT) || (pf & BH_PROTECT_DRY_RUN))
		return 1;
	__u8 addr[16] = {};
	if (family == AF_INET) {
		__u32 ip = ctx->user_ip4;
		__builtin_memcpy(addr, &ip, 4);
	} else {
		/* constant offsets: the verifier refuses a moving context pointer */
		__u32 w[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
			      ctx->user_ip6[3]};
		__builtin_memcpy(addr, w, 16);
	}
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	if (peer_allowed(cgid, family, port, addr))
		return 1;
	count(BH_CNT_DENIED);
	return 0;
}

SEC("cgroup/connect4")
int connect4_guard(struct bpf_sock_addr *ctx)
{
	return connect_guard_check(ctx, AF_INET);
}

SEC("cgroup/connect6")
int connect6_guard(struct bpf_sock_addr *ctx)
{
	return connect_guard_check(ctx, AF_INET6);
}

/*
 * Save a followed syscall's arguments (and, when asked, the caller's capabilities) when its
 * record needs them; in protect mode decide a connect here, so the caller never returns
 * from it, and save the decision for the record written at exit.
 */
static __always_inline int on_sys_enter(__u64 key, const struct bh_sc_desc *d, const __u64 *args)
{
	__u64 id = bpf_get_current_pid_tgid();
	if ((__u32)(id >> 32) == self_tgid)
		return 0;
	__u8 action = 0, reason = 0;
	if (enforce_on && !connect_guard && (d->on & BH_SC_ON_ENFORCE)) {
		__u64 cgid = 0;
		__u32 pf = protect_flags(&cgid);
		if (pf & BH_PROTECT_CONNECT) {
			reason = connect_denied(d, key, args, cgid);
			if (reason)
				action = enforce_act(pf);
		}
	}
	/* without saved registers at exit (classic tracepoint), a checked connect is saved
	 * for the check sys_exit makes */
	bool checked = enforce_on && (d->on & BH_SC_ON_ENFORCE) && !exit_has_regs;
	if (!reason && !checked && !((d->on & BH_SC_ON_EVENTS) && save_at_entry(d)))
		return 0;
	struct inflight in = {};
	in.action = action;
	in.reason = reason;
	for (int i = 0; i < 6; i++)
		in.args[i] = args[i];
	in.nr = (__u32)key;
	if (d->flags & BH_SC_ENTRY_CAPS) {
		struct task_struct *t = (struct task_struct *)bpf_get_current_task();
		read_caps(BPF_CORE_READ(t, real_cred), in.caps, false);
		in.has_caps = 1;
	}
	if (bpf_map_update_elem(&inflight, &id, &in, BPF_ANY) < 0)
		count(BH_CNT_ENTRY_LOST);
	return 0;
}

/* t->files->fdt->fd[fd]: plain loads down to the array in the tp_btf flavour (the
 * variable index needs a probe read in every flavour) */
static __always_inline struct file *task_fd_file(struct task_struct *t, __s64 fd, const bool btf)
{
	if (fd < 0 || fd > 0x7fffffff)
		return NULL;
	struct files_struct *files = RD(btf, t, files);
	if (!files)
		return NULL;
	struct fdtable *fdt = RD(btf, files, fdt);
	if (!fdt || (__u64)fd >= (__u64)RD(btf, fdt, max_fds))
		return NULL;
	struct file **fds = RD(btf, fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/*
 * Describe the current task's descriptor fd in the syscall record being built in sc (its
 * path at blob offset off); returns the new offset. Called through describe_fd_btf() or
 * describe_fd_core(): global functions, which the verifier checks once, on their own,
 * rather than on every path of the caller that reaches them (inlined, the path walk
 * multiplied sys_exit's paths to the verifier's limit). Their arguments can only be scalars
 * and pointers to memory, so the task is read here, not passed.
 */
static __always_inline __u32 describe_fd(struct scratch *sc, __s64 fd, __u32 off, const bool btf)
{
	if (!sc)
		return off;
	struct bh_rec_syscall *r = (void *)sc->buf;
	char *blob = sc->buf + sizeof(*r);
	struct task_struct *t =
	    btf ? bpf_get_current_task_btf() : (struct task_struct *)bpf_get_current_task();
	struct file *f = task_fd_file(t, fd, btf);
	if (!f)
		return off;
	r->fd = (__u32)fd;
	struct inode *ino;
	struct dentry *dentry;
	struct vfsmount *mnt;
	void *priv;
	__u32 fflags;
	file_read(f, &ino, &dentry, &mnt, &priv, &fflags);
	__u32 mode = BPF_CORE_READ(ino, i_mode);
	r->fd_mode = mode;
	r->fd_flags = fflags;
	switch (mode & S_IFMT) {
	case S_IFREG:
		r->fd_kind = BH_FDK_FILE;
		break;
	case S_IFDIR:
		r->fd_kind = BH_FDK_DIR;
		break;
	case S_IFSOCK:
		r->fd_kind = BH_FDK_SOCK;
		break;
	case S_IFIFO:
		r->fd_kind = BH_FDK_PIPE;
		break;
	case S_IFCHR:
		r->fd_kind = BH_FDK_CHR;
		break;
	case S_IFBLK:
		r->fd_kind = BH_FDK_BLK;
		break;
	case S_IFLNK:
		r->fd_kind = BH_FDK_LNK;
		break;
	default:
		r->fd_kind = BH_FDK_OTHER;
	}
	if (r->fd_kind != BH_FDK_SOCK) {
		if (r->fd_kind == BH_FDK_PIPE)
			return off;
		return put_path(blob, off, sc->names, dentry, mnt, &r->path, &r->path_flags);
	}
	struct socket *sock = priv;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return off;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	r->sk_family = family;
	r->sk_type = BPF_CORE_READ(sk, sk_type);
	r->sk_proto = BPF_CORE_READ(sk, sk_protocol);
	if (family == AF_INET) {
		r->sk_lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		r->sk_rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		bpf_core_read(r->sk_laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(r->sk_raddr, 4, &sk->__sk_common.skc_daddr);
	} else if (family == AF_INET6) {
		r->sk_lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		r->sk_rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		bpf_core_read(r->sk_laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(r->sk_raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	return off;
}

__noinline int describe_fd_btf(struct scratch *sc, __s64 fd, __u32 off)
{
	return (int)describe_fd(sc, fd, off, true);
}

__noinline int describe_fd_core(struct scratch *sc, __s64 fd, __u32 off)
{
	return (int)describe_fd(sc, fd, off, false);
}

#define O_ACCMODE 00000003
#define O_CREAT	  00000100
#define O_TRUNC	  00001000
#define O_PATH	  010000000

/*
 * Protect mode: does this successful open write? The opened file's access mode (fflags,
 * the kernel's), or O_CREAT / O_TRUNC in the flags the caller passed (the argument the
 * descriptor names, or the struct open_how it points to). O_PATH opens never write.
 */
static __always_inline bool open_writes(__u8 oflags, const __u64 *args, __u32 fflags)
{
	if (fflags & O_PATH)
		return false;
	if (fflags & O_ACCMODE)
		return true;
	__u32 oa = oflags & BH_SC_OFLAGS_ARG_MASK;
	if (!oa)
		return false;
	__u64 v = 0;
	for (int i = 0; i < 6; i++)
		if (i + 1 == (int)oa)
			v = args[i];
	if (oflags & BH_SC_OFLAGS_HOW) {
		__u64 f = 0;
		if (bpf_probe_read_user(&f, sizeof(f), (void *)v) < 0)
			return false;
		v = f;
	}
	return v & (O_ACCMODE | O_CREAT | O_TRUNC);
}

/*
 * Does this open surely not write, from the flags among its arguments alone (regs_args may be
 * NULL)? Then protect mode's write check, and the cgroup lookup before it, are skipped: most
 * opens read. creat and openat2 (no flags argument; flags in user memory) are never sure.
 */
static __always_inline bool open_surely_reads(__u8 oflags, const __u64 *regs_args)
{
	__u32 oa = oflags & BH_SC_OFLAGS_ARG_MASK;
	if (!regs_args || !oa || (oflags & BH_SC_OFLAGS_HOW))
		return false;
	__u64 v = 0;
	for (int i = 0; i < 6; i++)
		if (i + 1 == (int)oa)
			v = regs_args[i];
	return !(v & (O_ACCMODE | O_CREAT | O_TRUNC));
}

/*
 * A followed syscall's exit. regs_args holds the arguments read from the saved registers
 * (NULL for the classic tracepoint); the saved entry is used when sys_enter made one.
 */
static __always_inline int on_sys_exit(__u64 key, __s64 ret, const struct bh_sc_desc *d,
				       const __u64 *regs_args, const bool btf)
{
	__u64 id = bpf_get_current_pid_tgid();
	if ((__u32)(id >> 32) == self_tgid)
		return 0;
	bool ev = d->on & BH_SC_ON_EVENTS;
	/* protect mode: what is checked here (writes; a connect's peer as the kernel sees it) */
	__u64 cgid = 0;
	__u32 pf = 0;
	if (enforce_on && (d->on & BH_SC_ON_ENFORCE) &&
	    !(d->kind == BH_KIND_OPEN && open_surely_reads(d->oflags, regs_args)))
		pf = protect_flags(&cgid);
	bool chk_open = (pf & BH_PROTECT_WRITE) && d->kind == BH_KIND_OPEN && ret >= 0;
	bool chk_conn = (pf & BH_PROTECT_CONNECT) &&
			(d->kind == BH_KIND_CONNECT || (d->flags & BH_SC_SOCKETCALL));
	if (!ev && !chk_open && !chk_conn)
		return 0;
	struct inflight a = {};
	bool saved = ev && save_at_entry(d);
	bool have = false;
	if (saved || chk_conn) {
		struct inflight *in = bpf_map_lookup_elem(&inflight, &id);
		if (in) {
			a = *in;
			bpf_map_delete_elem(&inflight, &id);
			/* else an entry whose exit was never seen (the task was killed) */
			have = a.nr == key;
		}
		/* a missing entry (lost, or the syscall began before the hooks were attached):
		 * the record is written from the registers, with the caller's state at exit */
	}
	if (!have) {
		if (!regs_args)
			return 0;
		__builtin_memset(&a, 0, sizeof(a));
		for (int i = 0; i < 6; i++)
			a.args[i] = regs_args[i];
		a.nr = (__u32)key;
	}
	if (key_is_compat(key)) {
		/* a compat task's arguments are 32 bits: the registers' upper halves are junk */
		for (int i = 0; i < 6; i++)
			a.args[i] &= 0xffffffffULL;
	}
	if (d->flags & BH_SC_SOCKETCALL) {
		/* socketcall(call, args): follow the call, with its arguments from user memory */
		__u64 call = a.args[0];
		if (call >= BH_SC_NR_MAX)
			return 0;
		key = BH_SC_ABI_IA32_SOCKETCALL * BH_SC_NR_MAX + call;
		d = sc_followed(key);
		if (!d)
			return 0;
		ev = d->on & BH_SC_ON_EVENTS;
		chk_conn = chk_conn && d->kind == BH_KIND_CONNECT;
		if (!ev && !chk_conn && !a.reason)
			return 0;
		__u32 ua[BH_SC_SOCKETCALL_NARGS] = {};
		__u32 len = (__u32)d->nargs * sizeof(__u32);
		if (len > sizeof(ua))
			return 0;
		if (len && bpf_probe_read_user(ua, len & 31, (void *)a.args[1]) < 0)
			return 0;
		for (int i = 0; i < 6; i++)
			a.args[i] = ua[i];
	}
	__u16 flags = d->flags;
	__u8 fd_arg = d->fd_arg;
	__u8 oflags = d->oflags;
	if ((flags & BH_SC_ONLY_OK) && ret < 0)
		return 0;
	struct scratch *sc = get_scratch();
	if (!sc)
		return 0;
	struct bh_rec_syscall *r = (void *)sc->buf;
	char *blob = sc->buf + sizeof(*r);
	struct task_struct *t =
	    btf ? bpf_get_current_task_btf() : (struct task_struct *)bpf_get_current_task();
	fill_hdr(&r->hdr, t, BH_REC_SYSCALL, btf);
	if (a.has_caps) {
		r->hdr.cap_permitted = a.caps[0];
		r->hdr.cap_effective = a.caps[1];
		r->hdr.cap_inheritable = a.caps[2];
	}
	r->nr = (__u32)(key % BH_SC_NR_MAX);
	r->abi = (__u8)(key / BH_SC_NR_MAX);
	r->decision = BH_DECISION(a.action, a.reason);
	r->kind = d->kind;
	r->sc_flags = flags;
	r->ret = ret;
	for (int i = 0; i < 6; i++)
		r->args[i] = a.args[i];
	r->path.off = r->path.len = 0;
	r->sockaddr.off = r->sockaddr.len = 0;
	r->path_flags = 0;
	r->fd_kind = BH_FDK_NONE;
	r->fd = (__u32)-1;
	r->fd_mode = 0;
	r->sk_family = r->sk_type = r->sk_proto = 0;
	r->sk_lport = r->sk_rport = 0;
	r->fd_flags = 0;
	__builtin_memset(r->sk_laddr, 0, sizeof(r->sk_laddr));
	__builtin_memset(r->sk_raddr, 0, sizeof(r->sk_raddr));

	__u32 off = 0;
	int n = 0;
	for (int i = 0; i < 3; i++) {
		r->str[i].off = 0;
		r->str[i].len = 0;
	}
	for (int i = 0; i < 5; i++) {
		if (!(flags & (1 << i)))
			continue;
		if (n == 0)
			off = put_ustr(blob, off, a.args[i], &r->str[0]);
		else if (n == 1)
			off = put_ustr(blob, off, a.args[i], &r->str[1]);
		else if (n == 2)
			off = put_ustr(blob, off, a.args[i], &r->str[2]);
		n++;
	}

	if (flags & (BH_SC_SOCKADDR_IN | BH_SC_SOCKADDR_OUT)) {
		__u64 len = a.args[2];
		if (flags & BH_SC_SOCKADDR_OUT) {
			int ulen = 0;
			len = 0;
			if (a.args[2] &&
			    bpf_probe_read_user(&ulen, sizeof(ulen), (void *)a.args[2]) == 0 &&
			    ulen > 0)
				len = (__u64)ulen;
		}
		if (len > BH_SOCKADDR_MAX)
			len = BH_SOCKADDR_MAX;
		r->sockaddr.off = (__u16)off;
		if (a.args[1] && len && off < BH_BLOB_MAX - BH_SOCKADDR_MAX &&
		    bpf_probe_read_user(blob + (off & BLOB_MASK), len & (2 * BH_SOCKADDR_MAX - 1),
					(void *)a.args[1]) == 0) {
			r->sockaddr.len = (__u16)len;
			off += (__u32)len;
		}
	}

	__s64 fd = -1;
	if (flags & BH_SC_FD_IS_RET)
		fd = ret;
	else if ((flags & BH_SC_FD_IS_ARG) && fd_arg < 6)
		fd = (__s64)(int)a.args[fd_arg & 7];
	if (fd >= 0)
		off = (__u32)(btf ? describe_fd_btf(sc, fd, off) : describe_fd_core(sc, fd, off));

	/* protect mode: an open that writes under a protected directory (the opened file's
	 * path: a truncated walk counts as protected); a connected peer that is not allowed
	 * (the socket's own, which a change of the user's sockaddr after entry cannot hide) */
	if (chk_open && !r->decision && r->path.len && open_writes(oflags, a.args, r->fd_flags) &&
	    ((r->path_flags & BH_STR_TRUNCATED) ||
	     path_scan(sc, sizeof(*r) + r->path.off, r->path.len, cgid, 0)))
		r->decision = BH_DECISION(enforce_act(pf), BH_REASON_WRITE);
	if (chk_conn && connect_guard && !r->decision && ret == -EPERM &&
	    user_peer_denied(a.args[1], a.args[2], cgid))
		r->decision = BH_DECISION(enforce_act(pf), BH_REASON_PEER);
	if (chk_conn && !r->decision && r->fd_kind == BH_FDK_SOCK && r->sk_rport &&
	    (r->sk_family == AF_INET || r->sk_family == AF_INET6) &&
	    !peer_allowed(cgid, r->sk_family, r->sk_rport, r->sk_raddr))
		r->decision = BH_DECISION(enforce_act(pf), BH_REASON_PEER);
	if (ev || r->decision)
		emit(r, sizeof(*r), off);
	return 0;
}


/*
 * The six arguments from the saved registers: the native convention, or for an i386
 * syscall of a compat task (x86) ebx, ecx, edx, esi, edi, ebp.
 */
static __always_inline void sc_regs_args(struct pt_regs *regs, __u64 key, __u64 *a, const bool btf)
{
#if defined(__TARGET_ARCH_x86)
	if (key_is_compat(key)) {
		a[0] = RD(btf, regs, bx);
		a[1] = RD(btf, regs, cx);
		a[2] = RD(btf, regs, dx);
		a[3] = RD(btf, regs, si);
		a[4] = RD(btf, regs, di);
		a[5] = RD(btf, regs, bp);
		return;
	}
#endif
	if (btf) {
		a[0] = PT_REGS_PARM1_SYSCALL(regs);
		a[1] = PT_REGS_PARM2_SYSCALL(regs);
		a[2] = PT_REGS_PARM3_SYSCALL(regs);
		a[3] = PT_REGS_PARM4_SYSCALL(regs);
		a[4] = PT_REGS_PARM5_SYSCALL(regs);
		a[5] = SC_ARG6_BTF(regs);
	} else {
		a[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
		a[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
		a[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
		a[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
		a[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
		a[5] = SC_ARG6(regs);
	}
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sysenter_btf, struct pt_regs *regs, long id)
{
	if (!sc_nr_followed((__u64)id))
		return 0;
	__u64 key = sc_key((__u64)id, bpf_get_current_task_btf(), true);
	const struct bh_sc_desc *d = sc_followed(key);
	if (!d || !enter_needed(d))
		return 0;
	__u64 a[6];
	sc_regs_args(regs, key, a, true);
	return on_sys_enter(key, d, a);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sysenter_raw, struct pt_regs *regs, long id)
{
	if (!sc_nr_followed((__u64)id))
		return 0;
	__u64 key = sc_key((__u64)id, (struct task_struct *)bpf_get_current_task(), false);
	const struct bh_sc_desc *d = sc_followed(key);
	if (!d || !enter_needed(d))
		return 0;
	__u64 a[6];
	sc_regs_args(regs, key, a, false);
	return on_sys_enter(key, d, a);
}

/* the classic tracepoint's args are already the compat registers for a compat task */
SEC("tracepoint/raw_syscalls/sys_enter")
int sysenter_tp(struct trace_event_raw_sys_enter *ctx)
{
	if (!sc_nr_followed((__u64)ctx->id))
		return 0;
	__u64 key = sc_key((__u64)ctx->id, (struct task_struct *)bpf_get_current_task(), false);
	const struct bh_sc_desc *d = sc_followed(key);
	if (!d || !enter_needed(d))
		return 0;
	/* constant offsets: the verifier refuses a moving context pointer */
	__u64 a[6] = {ctx->args[0], ctx->args[1], ctx->args[2],
		      ctx->args[3], ctx->args[4], ctx->args[5]};
	return on_sys_enter(key, d, a);
}

/*
 * At exit the saved registers still hold the arguments: the kernel writes only the return
 * register (x86 ax; arm64 x0, whose argument is kept in orig_x0, which the _SYSCALL
 * accessors read), and a tracer's changes at the entry stop are made before the call runs.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(sysexit_btf, struct pt_regs *regs, long ret)
{
	__u64 nr = SC_NR_BTF(regs);
	if (learn_on && n_tracked)
		learn_at_exit(nr, bpf_get_current_task_btf(), true);
	if (!sc_nr_followed(nr))
		return 0;
	__u64 key = sc_key(nr, bpf_get_current_task_btf(), true);
	const struct bh_sc_desc *d = sc_followed(key);
	if (!d)
		return 0;
	__u64 a[6];
	sc_regs_args(regs, key, a, true);
	return on_sys_exit(key, ret, d, a, true);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sysexit_raw, struct pt_regs *regs, long ret)
{
	__u64 nr = SC_NR(regs);
	if (learn_on && n_tracked)
		learn_at_exit(nr, (struct task_struct *)bpf_get_current_task(), false);
	if (!sc_nr_followed(nr))
		return 0;
	__u64 key = sc_key(nr, (struct task_struct *)bpf_get_current_task(), false);
	const struct bh_sc_desc *d = sc_followed(key);
	if (!d)
		return 0;
	__u64 a[6];
	sc_regs_args(regs, key, a, false);
	return on_sys_exit(key, ret, d, a, false);
}

SEC("tracepoint/raw_syscalls/sys_exit")
int sysexit_tp(struct trace_event_raw_sys_exit *ctx)
{
	if (learn_on && n_tracked)
		learn_at_exit((__u64)ctx->id, (struct task_struct *)bpf_get_current_task(), false);
	if (!sc_nr_followed((__u64)ctx->id))
		return 0;
	__u64 key = sc_key((__u64)ctx->id, (struct task_struct *)bpf_get_current_task(), false);
	const struct bh_sc_desc *d = sc_followed(key);
	if (!d)
		return 0;
	return on_sys_exit(key, ctx->ret, d, NULL, false);
}
