/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loader.c — the only file that calls libbpf (see loader.h). Lifecycle, as libbpf wants
 * it: open the skeleton, choose which programs load (autoload), set the read-only data
 * (our own tgid, so the sensor does not report itself) and the ring size, load, fill the
 * maps (enabled kinds, followed syscalls), attach. Probing does the same with one
 * program at a time and throws the object away.
 */
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "common/common.h"
#include "common/fileio.h"
#include "sensor/cgroupid.h"
#include "sensor/loader.h"
#include "sensor/syscalls.h"

static const char *const hook_names[_SENSOR_HOOK_MAX] = {
    [SENSOR_HOOK_EXEC] = "sched_process_exec", [SENSOR_HOOK_EXIT] = "sched_process_exit",
    [SENSOR_HOOK_FORK] = "sched_process_fork", [SENSOR_HOOK_SYS_ENTER] = "sys_enter",
    [SENSOR_HOOK_SYS_EXIT] = "sys_exit",
};

static const char *const attach_names[_SENSOR_ATTACH_MAX] = {
    [SENSOR_ATTACH_NONE] = "none",
    [SENSOR_ATTACH_TP_BTF] = "tp_btf",
    [SENSOR_ATTACH_RAW_TP] = "raw_tp",
    [SENSOR_ATTACH_TRACEPOINT] = "tracepoint",
};

const char *sensor_hook_to_string(enum sensor_hook h)
{
	return (unsigned)h < _SENSOR_HOOK_MAX ? hook_names[h] : NULL;
}

const char *sensor_attach_to_string(enum sensor_attach a)
{
	return (unsigned)a < _SENSOR_ATTACH_MAX ? attach_names[a] : NULL;
}

int sensor_bpf_check_privileges(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {0};
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	uint64_t eff = (uint64_t)data[1].effective << 32 | data[0].effective;
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
	if (eff & (1ull << CAP_SYS_ADMIN))
		return 0;
	if ((eff & (1ull << CAP_BPF)) && (eff & (1ull << CAP_PERFMON)))
		return 0;
	return -EPERM;
}

#if BH_HAVE_BPF

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sensor.skel.h"

struct sensor_bpf {
	struct sensor_skel *skel;
	enum sensor_attach mode[_SENSOR_HOOK_MAX];
	size_t ring_size;
	int ncpu;
	unsigned features;
};

bool sensor_bpf_built(void)
{
	return true;
}

/* libbpf's messages: kept (last lines) for the error report, shown with --verbose. */
static char last_msg[512];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap) _printf_(2, 0);
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	_cleanup_buf_ struct buf line;
	buf_init(&line, 4096);
	va_list cp;
	va_copy(cp, ap);
	int r = buf_vprintf(&line, fmt, cp);
	va_end(cp);
	if (r < 0)
		return 0;
	while (line.len && line.ptr[line.len - 1] == '\n')
		line.ptr[--line.len] = '\0';
	if (level <= LIBBPF_WARN && line.len)
		(void)xsnprintf(last_msg, sizeof(last_msg), "%.*s", (int)MIN(line.len, 400),
				line.ptr);
	log_debug("libbpf: %s", buf_str(&line));
	return 0;
}

static struct bpf_program *hook_prog(struct sensor_skel *s, enum sensor_hook h,
				     enum sensor_attach a)
{
	struct bpf_program *const t[_SENSOR_HOOK_MAX][3] = {
	    [SENSOR_HOOK_EXEC] = {s->progs.exec_btf, s->progs.exec_raw, s->progs.exec_tp},
	    [SENSOR_HOOK_EXIT] = {s->progs.exit_btf, s->progs.exit_raw, s->progs.exit_tp},
	    [SENSOR_HOOK_FORK] = {s->progs.fork_btf, s->progs.fork_raw, s->progs.fork_tp},
	    [SENSOR_HOOK_SYS_ENTER] = {s->progs.sysenter_btf, s->progs.sysenter_raw,
				       s->progs.sysenter_tp},
	    [SENSOR_HOOK_SYS_EXIT] = {s->progs.sysexit_btf, s->progs.sysexit_raw,
				      s->progs.sysexit_tp},
	};
	if ((unsigned)h >= _SENSOR_HOOK_MAX || a < SENSOR_ATTACH_TP_BTF ||
	    a > SENSOR_ATTACH_TRACEPOINT)
		return NULL;
	return t[h][a - SENSOR_ATTACH_TP_BTF];
}

static void autoload_only(struct sensor_skel *s, const enum sensor_attach *mode)
{
	for (int h = 0; h < _SENSOR_HOOK_MAX; h++)
		for (int a = SENSOR_ATTACH_TP_BTF; a <= SENSOR_ATTACH_TRACEPOINT; a++)
			(void)bpf_program__set_autoload(hook_prog(s, h, a), (int)mode[h] == a);
}

/* Classic tracepoints are found through tracefs: mount it when it is missing. */
static void ensure_tracefs(void)
{
	struct stat st;
	if (stat("/sys/kernel/tracing/events", &st) == 0 ||
	    stat("/sys/kernel/debug/tracing/events", &st) == 0)
		return;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0)
		log_debug("cannot mount tracefs on /sys/kernel/tracing: %m");
}

/* The read-only data that selects code: the verifier drops what features leave out. The
 * connect guard's cgroup programs are loaded only by load_all(), never by a probe. */
static void set_feature_rodata(struct sensor_skel *s, unsigned features)
{
	s->rodata->enforce_on = features & SENSOR_BPF_ENFORCE;
	s->rodata->learn_on = features & SENSOR_BPF_LEARN;
	s->rodata->connect_guard = features & SENSOR_BPF_CONNECT_GUARD;
	(void)bpf_program__set_autoload(s->progs.connect4_guard, false);
	(void)bpf_program__set_autoload(s->progs.connect6_guard, false);
}

/* Attach the connect guard's two programs to the cgroup directory fd. 0 or -errno. */
static int guard_attach(struct sensor_skel *s, int fd)
{
	struct bpf_program *const progs[] = {s->progs.connect4_guard, s->progs.connect6_guard};
	struct bpf_link **const links[] = {&s->links.connect4_guard, &s->links.connect6_guard};
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		*links[i] = bpf_program__attach_cgroup(progs[i], fd);
		if (!*links[i])
			return -errno;
	}
	return 0;
}

/* Load and attach hook h as flavour a, alone, then throw it away. */
static int probe(enum sensor_hook h, enum sensor_attach a, unsigned features)
{
	if (a == SENSOR_ATTACH_TRACEPOINT)
		ensure_tracefs();
	struct sensor_skel *s = sensor_skel__open();
	if (!s)
		return -errno;
	set_feature_rodata(s, features);
	enum sensor_attach mode[_SENSOR_HOOK_MAX] = {0};
	mode[h] = a;
	autoload_only(s, mode);
	int r = sensor_skel__load(s);
	if (r >= 0) {
		struct bpf_link *l = bpf_program__attach(hook_prog(s, h, a));
		r = l ? 0 : -errno;
		bpf_link__destroy(l);
	}
	sensor_skel__destroy(s);
	return r < 0 ? r : 0;
}

/* Does an enabled syscall need its caller's state at entry (BH_SC_ENTRY_CAPS)? */
static bool kinds_need_entry(uint32_t kinds, unsigned features)
{
	if (features & SENSOR_BPF_EXIT_CAPS)
		return false;
	const struct sensor_syscall *sc;
	for (size_t i = 0; (sc = sensor_syscall_at(i)); i++)
		if ((kinds & (1u << sc->kind)) && (sc->flags & BH_SC_ENTRY_CAPS))
			return true;
	return false;
}

/*
 * Is hook h attached for these kinds? sys_enter only when sys_exit (attached as exit_mode)
 * has no saved registers to read the arguments from, or a syscall must be seen at entry:
 * with the default kinds the sensor leaves sys_enter alone, so a syscall pays for one
 * program, not two.
 */
static bool hook_needed(enum sensor_hook h, uint32_t kinds, unsigned features,
			enum sensor_attach exit_mode)
{
	uint32_t syscall_kinds =
	    kinds & ~((1u << BH_KIND_EXEC) | (1u << BH_KIND_EXIT) | (1u << BH_KIND_FORK));
	/* protect mode decides at exec, at an open's exit and at a connect (the connect guard,
	 * else its entry; sys_exit checks the connected peer again, and without registers it
	 * needs the entry's arguments); learning sees every syscall at its exit, and exit and
	 * exit_group (which have none) at the process exit */
	bool exit_regs = exit_mode == SENSOR_ATTACH_TP_BTF || exit_mode == SENSOR_ATTACH_RAW_TP;
	if ((features & SENSOR_BPF_ENFORCE) && (h == SENSOR_HOOK_EXEC || h == SENSOR_HOOK_SYS_EXIT))
		return true;
	if ((features & SENSOR_BPF_ENFORCE) && h == SENSOR_HOOK_SYS_ENTER &&
	    (!(features & SENSOR_BPF_CONNECT_GUARD) || !exit_regs))
		return true;
	if ((features & SENSOR_BPF_LEARN) && (h == SENSOR_HOOK_SYS_EXIT || h == SENSOR_HOOK_EXIT))
		return true;
	switch (h) {
	case SENSOR_HOOK_EXEC:
		return kinds & (1u << BH_KIND_EXEC);
	case SENSOR_HOOK_EXIT:
		return kinds & (1u << BH_KIND_EXIT);
	case SENSOR_HOOK_FORK:
		return kinds & (1u << BH_KIND_FORK);
	case SENSOR_HOOK_SYS_ENTER:
		if (!syscall_kinds)
			return false;
		if (exit_regs)
			return kinds_need_entry(syscall_kinds, features);
		return true;
	default:
		return syscall_kinds;
	}
}

/* The order hooks are chosen in: sys_exit before sys_enter, which depends on it. */
static const enum sensor_hook hook_order[_SENSOR_HOOK_MAX] = {
    SENSOR_HOOK_EXEC,	  SENSOR_HOOK_EXIT,	 SENSOR_HOOK_FORK,
    SENSOR_HOOK_SYS_EXIT, SENSOR_HOOK_SYS_ENTER,
};

/* Where an open's O_* flags are (bh_sc_desc.oflags): the OFLAGS argument, or for openat2
 * its struct open_how. */
static uint8_t open_flags_where(const struct sensor_syscall *sc)
{
	if (sc->kind != BH_KIND_OPEN)
		return 0;
	if (streq(sc->name, "openat2"))
		return 3 | BH_SC_OFLAGS_HOW; /* how: argument 2 */
	for (size_t i = 0; i < ARRAY_SIZE(sc->args) && sc->args[i].name; i++)
		if (sc->args[i].fmt == SENSOR_ARG_OFLAGS)
			return (uint8_t)(i + 1);
	return 0;
}

/*
 * The `syscalls` map entry of sc for these kinds and features: false when sc is not followed.
 * entry_caps: BH_SC_ENTRY_CAPS syscalls are saved at entry (sys_enter is attached).
 */
static bool syscall_desc(const struct sensor_syscall *sc, uint32_t kinds, unsigned features,
			 bool entry_caps, struct bh_sc_desc *ret)
{
	uint8_t on = 0;
	if (kinds & (1u << sc->kind))
		on |= BH_SC_ON_EVENTS;
	if ((features & SENSOR_BPF_ENFORCE) &&
	    (sc->kind == BH_KIND_OPEN || sc->kind == BH_KIND_CONNECT))
		on |= BH_SC_ON_ENFORCE;
	if (!on)
		return false;
	uint16_t flags = sc->flags;
	if (!entry_caps)
		flags &= (uint16_t)~BH_SC_ENTRY_CAPS;
	*ret = (struct bh_sc_desc){.kind = sc->kind,
				   .flags = flags,
				   .fd_arg = sc->fd_arg,
				   .on = on,
				   .nargs = sc->nargs,
				   .oflags = open_flags_where(sc)};
	return true;
}

typedef int (*sc_desc_fn)(uint32_t key, const struct bh_sc_desc *d, void *userdata);

/* The map keys syscall_desc() follows, in the order fill_maps() writes them, i386 socketcall(2)
 * itself last: fn(key, desc, userdata) for each, stopping at its negative return. */
static int syscall_descs_foreach(uint32_t kinds, unsigned features, bool entry_caps, sc_desc_fn fn,
				 void *userdata)
{
	const struct sensor_syscall *sc;
	uint8_t socketcall = 0;
	for (size_t i = 0; (sc = sensor_syscall_at(i)); i++) {
		struct bh_sc_desc d;
		if (!syscall_desc(sc, kinds, features, entry_caps, &d))
			continue;
		if (sc->nr >= BH_SC_NR_MAX || sc->abi >= _BH_SC_ABI_MAX ||
		    sc->nargs > BH_SC_SOCKETCALL_NARGS)
			return -E2BIG;
		int r = fn(sensor_syscall_key(sc), &d, userdata);
		if (r < 0)
			return r;
		if (sc->abi == BH_SC_ABI_IA32_SOCKETCALL)
			socketcall |= d.on;
	}
	if (!socketcall)
		return 0;
	/* i386 socketcall(2) itself: the BPF side follows the call it makes */
	struct bh_sc_desc d = {.flags = BH_SC_SOCKETCALL, .on = socketcall};
	return fn(BH_SC_ABI_IA32 * BH_SC_NR_MAX + SENSOR_IA32_NR_SOCKETCALL, &d, userdata);
}

static int desc_to_map(uint32_t key, const struct bh_sc_desc *d, void *userdata)
{
	return bpf_map_update_elem(*(int *)userdata, &key, d, BPF_ANY) < 0 ? -errno : 0;
}

/* Set the bit of key's syscall number in sc_nrs (the socketcall block's keys are call numbers,
 * which sys_exit finds through socketcall's own key). */
static int desc_to_bitmap(uint32_t key, const struct bh_sc_desc *d, void *userdata)
{
	uint64_t *nrs = userdata;
	if (key / BH_SC_NR_MAX == BH_SC_ABI_IA32_SOCKETCALL)
		return 0;
	uint32_t nr = key % BH_SC_NR_MAX;
	nrs[nr / 64] |= 1ull << (nr % 64);
	return 0;
}

static int fill_maps(struct sensor_skel *s, uint32_t kinds, unsigned features, bool entry_caps)
{
	int efd = bpf_map__fd(s->maps.enabled), sfd = bpf_map__fd(s->maps.syscalls);
	for (uint32_t k = 0; k < _BH_KIND_MAX; k++) {
		uint32_t on = (kinds >> k) & 1;
		if (bpf_map_update_elem(efd, &k, &on, BPF_ANY) < 0)
			return -errno;
	}
	return syscall_descs_foreach(kinds, features, entry_caps, desc_to_map, &sfd);
}

/* Open, load, fill and attach with the flavours in mode, and the connect guard to the cgroup
 * directory guard_fd when features ask for it. 0 with *ret, or -errno. */
static int load_all(uint32_t kinds, unsigned features, const enum sensor_attach *mode,
		    size_t ring_bytes, int cgroup_subsys, int guard_fd, struct sensor_skel **ret)
{
	struct sensor_skel *s = sensor_skel__open();
	if (!s)
		return -errno;
	autoload_only(s, mode);
	set_feature_rodata(s, features);
	if (features & SENSOR_BPF_CONNECT_GUARD) {
		(void)bpf_program__set_autoload(s->progs.connect4_guard, true);
		(void)bpf_program__set_autoload(s->progs.connect6_guard, true);
	}
	s->rodata->self_tgid = (uint32_t)getpid();
	s->rodata->cgroup_subsys = cgroup_subsys;
	/* counted per CPU: all of them together fill at most an eighth of the ring unwoken */
	int ncpu = libbpf_num_possible_cpus();
	size_t wake = ring_bytes / 8 / (size_t)(ncpu > 0 ? ncpu : 1);
	s->rodata->wakeup_bytes = (uint32_t)MAX(MIN(wake, (size_t)BH_WAKEUP_BYTES_DEFAULT), 4096);
	/* with a pt_regs at exit, sys_enter saves only what must be seen at entry */
	s->rodata->exit_has_regs = mode[SENSOR_HOOK_SYS_EXIT] == SENSOR_ATTACH_TP_BTF ||
				   mode[SENSOR_HOOK_SYS_EXIT] == SENSOR_ATTACH_RAW_TP;
	/* capabilities at entry where sys_enter runs anyway, or where they are wanted */
	bool entry_caps =
	    !(features & SENSOR_BPF_EXIT_CAPS) || mode[SENSOR_HOOK_SYS_ENTER] != SENSOR_ATTACH_NONE;
	_Static_assert(sizeof(s->rodata->sc_nrs) == BH_SC_NR_MAX / 8, "sc_nrs size");
	int r = syscall_descs_foreach(kinds, features, entry_caps, desc_to_bitmap,
				      (uint64_t *)s->rodata->sc_nrs);
	if (r >= 0)
		r = bpf_map__set_max_entries(s->maps.events, (uint32_t)ring_bytes);
	if (r >= 0)
		r = sensor_skel__load(s);
	if (r >= 0)
		r = fill_maps(s, kinds, features, entry_caps);
	if (r >= 0)
		r = sensor_skel__attach(s);
	/* the skeleton does not attach cgroup programs; it destroys their links */
	if (r >= 0 && (features & SENSOR_BPF_CONNECT_GUARD))
		r = guard_attach(s, guard_fd);
	if (r < 0) {
		sensor_skel__destroy(s); /* detaches whatever was attached */
		return r;
	}
	*ret = s;
	return 0;
}

/*
 * Choose each hook's flavour for these features (every hook as a BTF tracepoint in one load,
 * else hook by hook the first flavour this kernel takes) and load everything: b->mode and *ret.
 */
static int load_modes(struct sensor_bpf *b, uint32_t kinds, unsigned features, size_t ring_bytes,
		      int cgroup_subsys, int guard_fd, struct sensor_skel **ret, char *err,
		      size_t errsz)
{
	for (int i = 0; i < _SENSOR_HOOK_MAX; i++) {
		enum sensor_hook h = hook_order[i];
		b->mode[h] = hook_needed(h, kinds, features, b->mode[SENSOR_HOOK_SYS_EXIT])
				 ? SENSOR_ATTACH_TP_BTF
				 : SENSOR_ATTACH_NONE;
	}
	last_msg[0] = '\0';
	int r = load_all(kinds, features, b->mode, ring_bytes, cgroup_subsys, guard_fd, ret);
	if (r == -EPERM) {
		(void)xsnprintf(err, errsz, "the kernel refused to load BPF programs: %s",
				last_msg[0] ? last_msg : strerror(-r));
		return r;
	}
	if (r >= 0)
		return 0;
	log_debug("BTF tracepoints for every hook: %s (%s); probing each hook", strerror(-r),
		  last_msg);
	for (int h = 0; h < _SENSOR_HOOK_MAX; h++)
		b->mode[h] = SENSOR_ATTACH_NONE;
	for (int i = 0; i < _SENSOR_HOOK_MAX; i++) {
		enum sensor_hook h = hook_order[i];
		if (!hook_needed(h, kinds, features, b->mode[SENSOR_HOOK_SYS_EXIT]))
			continue;
		int first = 0;
		for (int a = SENSOR_ATTACH_TP_BTF; a <= SENSOR_ATTACH_TRACEPOINT; a++) {
			last_msg[0] = '\0';
			r = probe(h, a, features);
			if (r == 0) {
				b->mode[h] = a;
				break;
			}
			log_debug("hook %s as %s: %s (%s)", hook_names[h], attach_names[a],
				  strerror(-r), last_msg);
			if (!first)
				first = r;
			if (r == -EPERM)
				break;
		}
		if (!b->mode[h]) {
			(void)xsnprintf(err, errsz,
					"no way to attach to '%s' works on this kernel "
					"(tp_btf, raw_tp, tracepoint): %s",
					hook_names[h], last_msg[0] ? last_msg : strerror(-first));
			return first == -EPERM ? -EPERM : -EOPNOTSUPP;
		}
		if (b->mode[h] != SENSOR_ATTACH_TP_BTF)
			log_warning("hook %s: BTF tracepoint refused, using %s", hook_names[h],
				    attach_names[b->mode[h]]);
	}
	last_msg[0] = '\0';
	r = load_all(kinds, features, b->mode, ring_bytes, cgroup_subsys, guard_fd, ret);
	if (r < 0)
		(void)xsnprintf(err, errsz, "cannot load and attach the BPF programs: %s%s%s",
				strerror(-r), last_msg[0] ? ": " : "", last_msg);
	return r;
}

int sensor_bpf_open(uint32_t kinds, unsigned features, size_t ring_bytes, int cgroup_subsys,
		    struct sensor_bpf **ret, char *err, size_t errsz)
{
	err[0] = '\0';
	if (!ring_bytes || (ring_bytes & (ring_bytes - 1)) || ring_bytes < 4096)
		return -EINVAL;
	libbpf_set_print(libbpf_print);
	int r = sensor_bpf_check_privileges();
	if (r < 0) {
		(void)xsnprintf(err, errsz,
				"loading BPF programs needs root (CAP_SYS_ADMIN, or "
				"CAP_BPF and CAP_PERFMON)");
		return r;
	}

	_cleanup_free_ struct sensor_bpf *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	features &= ~(unsigned)SENSOR_BPF_CONNECT_GUARD;
	/* protect mode: the connect guard on the cgroup v2 hierarchy's root, where there is one */
	_cleanup_close_ int guard_fd = -1;
	if (features & SENSOR_BPF_ENFORCE) {
		_cleanup_free_ char *mnt = NULL;
		r = sensor_cgroup2_mount("/proc", &mnt);
		if (r >= 0)
			guard_fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (guard_fd >= 0)
			features |= SENSOR_BPF_CONNECT_GUARD;
		else
			log_info("no cgroup v2 hierarchy (%s): protect mode checks connects at "
				 "their entry and kills",
				 strerror(r < 0 ? -r : errno));
	}
	struct sensor_skel *s = NULL;
	r = load_modes(b, kinds, features, ring_bytes, cgroup_subsys, guard_fd, &s, err, errsz);
	if (r < 0 && r != -EPERM && (features & SENSOR_BPF_CONNECT_GUARD)) {
		log_info("the connect guard cannot be attached (%s): protect mode checks connects "
			 "at their entry and kills",
			 err);
		features &= ~(unsigned)SENSOR_BPF_CONNECT_GUARD;
		err[0] = '\0';
		r = load_modes(b, kinds, features, ring_bytes, cgroup_subsys, -1, &s, err, errsz);
	}
	if (r < 0)
		return r;
	b->skel = s;
	b->ring_size = ring_bytes;
	b->ncpu = libbpf_num_possible_cpus();
	b->features = features;
	*ret = TAKE_PTR(b);
	return 0;
}

void sensor_bpf_free(struct sensor_bpf *b)
{
	if (!b)
		return;
	sensor_skel__destroy(b->skel); /* detaches every link, closes every fd */
	free(b);
}

int sensor_bpf_ringbuf_fd(const struct sensor_bpf *b)
{
	return bpf_map__fd(b->skel->maps.events);
}

size_t sensor_bpf_ringbuf_size(const struct sensor_bpf *b)
{
	return b->ring_size;
}

enum sensor_attach sensor_bpf_attach_mode(const struct sensor_bpf *b, enum sensor_hook h)
{
	return (unsigned)h < _SENSOR_HOOK_MAX ? b->mode[h] : SENSOR_ATTACH_NONE;
}

int sensor_bpf_counter(const struct sensor_bpf *b, unsigned idx, uint64_t *per_cpu, size_t max,
		       size_t *ret_ncpu)
{
	if (b->ncpu <= 0 || idx >= BH_CNT_SLOTS)
		return -EINVAL;
	_cleanup_free_ uint64_t *v = calloc((size_t)b->ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.counters), &idx, v) < 0)
		return -errno;
	size_t n = MIN((size_t)b->ncpu, max);
	memcpy(per_cpu, v, n * sizeof(*v));
	*ret_ncpu = (size_t)b->ncpu;
	return 0;
}

unsigned sensor_bpf_features(const struct sensor_bpf *b)
{
	return b->features;
}

static struct bpf_map *feature_map(struct sensor_bpf *b, enum sensor_bpf_map m)
{
	struct sensor_skel *s = b->skel;
	switch (m) {
	case SENSOR_MAP_PROTECT:
		return (b->features & SENSOR_BPF_ENFORCE) ? s->maps.protect : NULL;
	case SENSOR_MAP_ALLOW_EXEC:
		return (b->features & SENSOR_BPF_ENFORCE) ? s->maps.allow_exec : NULL;
	case SENSOR_MAP_PROTECT_DIRS:
		return (b->features & SENSOR_BPF_ENFORCE) ? s->maps.protect_dirs : NULL;
	case SENSOR_MAP_ALLOW_PEER:
		return (b->features & SENSOR_BPF_ENFORCE) ? s->maps.allow_peer : NULL;
	case SENSOR_MAP_SC_LEARN:
		return (b->features & SENSOR_BPF_LEARN) ? s->maps.sc_learn : NULL;
	default:
		return NULL;
	}
}

int sensor_bpf_map_update(struct sensor_bpf *b, enum sensor_bpf_map m, const void *key,
			  const void *value)
{
	struct bpf_map *map = feature_map(b, m);
	if (!map)
		return -EOPNOTSUPP;
	if (bpf_map_update_elem(bpf_map__fd(map), key, value, BPF_ANY) < 0)
		return errno == ENOSPC ? -E2BIG : -errno;
	return 0;
}

int sensor_bpf_map_lookup(struct sensor_bpf *b, enum sensor_bpf_map m, const void *key,
			  void *ret_value)
{
	struct bpf_map *map = feature_map(b, m);
	if (!map)
		return -EOPNOTSUPP;
	return bpf_map_lookup_elem(bpf_map__fd(map), key, ret_value) < 0 ? -errno : 0;
}

int sensor_bpf_map_delete(struct sensor_bpf *b, enum sensor_bpf_map m, const void *key)
{
	struct bpf_map *map = feature_map(b, m);
	if (!map)
		return -EOPNOTSUPP;
	return bpf_map_delete_elem(bpf_map__fd(map), key) < 0 ? -errno : 0;
}

int sensor_bpf_map_next_key(struct sensor_bpf *b, enum sensor_bpf_map m, const void *key,
			    void *ret_next)
{
	struct bpf_map *map = feature_map(b, m);
	if (!map)
		return -EOPNOTSUPP;
	return bpf_map_get_next_key(bpf_map__fd(map), key, ret_next) < 0 ? -errno : 0;
}

void sensor_bpf_set_gate(struct sensor_bpf *b, enum sensor_bpf_gate g, uint32_t n)
{
	/* .bss is mapped into this process: a plain store the BPF side sees at its next run */
	if (g == SENSOR_GATE_PROTECTED)
		__atomic_store_n(&b->skel->bss->n_protected, n, __ATOMIC_SEQ_CST);
	else if (g == SENSOR_GATE_TRACKED)
		__atomic_store_n(&b->skel->bss->n_tracked, n, __ATOMIC_SEQ_CST);
}

int sensor_bpf_probe_send_signal(void)
{
	/* the program types the hooks load as: tp_btf is BPF_PROG_TYPE_TRACING, whose helper
	 * list is the raw tracepoint's plus a few; the probe loads a raw tracepoint program */
	int r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_FUNC_send_signal, NULL);
	if (r < 0)
		return r;
	return r ? 1 : 0;
}

int sensor_bpf_probe_lsm(char *why, size_t n)
{
	int r = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_LSM, NULL);
	if (r <= 0) {
		(void)xsnprintf(why, n, "the kernel has no BPF-LSM program type (CONFIG_BPF_LSM)");
		return 0;
	}
	_cleanup_buf_ struct buf lsm;
	buf_init(&lsm, 4096);
	if (bh_read_file_at(AT_FDCWD, "/sys/kernel/security/lsm", 0, 4096, &lsm) < 0) {
		(void)xsnprintf(why, n, "cannot read the active LSMs (/sys/kernel/security/lsm)");
		return 0;
	}
	struct span in = span_make(lsm.ptr, lsm.len), word;
	while (span_next_token(&in, ',', &word) == 0)
		if (span_eq_str(span_trim(word), "bpf")) {
			(void)xsnprintf(why, n, "BPF-LSM is available");
			return 1;
		}
	(void)xsnprintf(why, n, "'bpf' is not among the active LSMs (lsm= boot parameter)");
	return 0;
}

#else /* !BH_HAVE_BPF: built without clang/bpftool/libbpf/BTF; the CLI says so */

struct sensor_bpf {
	int unused;
};

bool sensor_bpf_built(void)
{
	return false;
}

int sensor_bpf_open(uint32_t kinds, unsigned features, size_t ring_bytes, int cgroup_subsys,
		    struct sensor_bpf **ret, char *err, size_t errsz)
{
	(void)xsnprintf(err, errsz, "bulkhead was built without BPF support");
	return -EOPNOTSUPP;
}

void sensor_bpf_free(struct sensor_bpf *b)
{
	free(b);
}

int sensor_bpf_ringbuf_fd(const struct sensor_bpf *b)
{
	return -1;
}

size_t sensor_bpf_ringbuf_size(const struct sensor_bpf *b)
{
	return 0;
}

enum sensor_attach sensor_bpf_attach_mode(const struct sensor_bpf *b, enum sensor_hook h)
{
	return SENSOR_ATTACH_NONE;
}

int sensor_bpf_counter(const struct sensor_bpf *b, unsigned idx, uint64_t *per_cpu, size_t max,
		       size_t *ret_ncpu)
{
	return -EOPNOTSUPP;
}

unsigned sensor_bpf_features(const struct sensor_bpf *b)
{
	return 0;
}

int sensor_bpf_map_update(struct sensor_bpf *b, enum sensor_bpf_map m, const void *key,
			  const void *value)
{
	return -EOPNOTSUPP;
}

int sensor_bpf_map_lookup(struct sensor_bpf *b, enum sensor_bpf_map m, const void *key,
			  void *ret_value)
{
	return -EOPNOTSUPP;
}

int sensor_bpf_map_delete(struct sensor_bpf *b, enum sensor_bpf_map m, const void *key)
{
	return -EOPNOTSUPP;
}

int sensor_bpf_map_next_key(struct sensor_bpf *b, enum sensor_bpf_map m, const void *key,
			    void *ret_next)
{
	return -EOPNOTSUPP;
}

void sensor_bpf_set_gate(struct sensor_bpf *b, enum sensor_bpf_gate g, uint32_t n)
{
}

int sensor_bpf_probe_send_signal(void)
{
	return -EOPNOTSUPP;
}

int sensor_bpf_probe_lsm(char *why, size_t n)
{
	(void)xsnprintf(why, n, "bulkhead was built without BPF support");
	return 0;
}

#endif
