/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loader.h — loading and attaching bpf/sensor.bpf.c; loader.c is the only file that calls
 * libbpf. Each hook is probed on the running kernel (load and attach one program, in the
 * order BTF tracepoint, raw tracepoint, classic tracepoint) and the first flavour that
 * works is used: features are probed, kernel versions are never checked. Everything is
 * detached and unloaded by sensor_bpf_free(), and by the kernel if the process dies:
 * nothing is pinned.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sensor_hook {
	SENSOR_HOOK_EXEC,
	SENSOR_HOOK_EXIT,
	SENSOR_HOOK_FORK,
	SENSOR_HOOK_SYS_ENTER,
	SENSOR_HOOK_SYS_EXIT,
	_SENSOR_HOOK_MAX,
};

enum sensor_attach {
	SENSOR_ATTACH_NONE,
	SENSOR_ATTACH_TP_BTF,
	SENSOR_ATTACH_RAW_TP,
	SENSOR_ATTACH_TRACEPOINT,
	_SENSOR_ATTACH_MAX,
};

struct sensor_bpf;

/* What is loaded besides the events of the enabled kinds (sensor_bpf_open's features). */
enum sensor_bpf_features {
	/* protect mode (bpf/events.h, src/sensor/enforce.h): the exec hook and both syscall
	 * hooks are attached, and open and connect followed, whatever the kinds */
	SENSOR_BPF_ENFORCE = 1 << 0,
	/* syscall learning: sys_exit and the process exit are attached */
	SENSOR_BPF_LEARN = 1 << 1,
	/* the BH_SC_ENTRY_CAPS syscalls (unshare, setns) carry the caller's capabilities at
	 * their exit, not at their entry, unless sys_enter is attached anyway: only protect
	 * mode needs sys_enter, so with the registers at sys_exit it stays detached */
	SENSOR_BPF_EXIT_CAPS = 1 << 2,
	/* not asked for: set in sensor_bpf_features() when protect mode's connect check is the
	 * cgroup/connect4 and connect6 programs on the cgroup v2 hierarchy's root (a refused
	 * connect fails with EPERM), rather than SIGKILL at the entry of connect */
	SENSOR_BPF_CONNECT_GUARD = 1 << 3,
};

/* The maps of protect mode and syscall learning (bpf/events.h), for src/sensor/enforce.c. */
enum sensor_bpf_map {
	SENSOR_MAP_PROTECT,	 /* u64 cgroup id -> struct bh_protect */
	SENSOR_MAP_ALLOW_EXEC,	 /* struct bh_path_key -> u8 */
	SENSOR_MAP_PROTECT_DIRS, /* struct bh_path_key -> u8 */
	SENSOR_MAP_ALLOW_PEER,	 /* struct bh_peer_key -> u8 */
	SENSOR_MAP_SC_LEARN,	 /* u64 cgroup id -> struct bh_sc_bitmap */
	_SENSOR_MAP_MAX,
};

/* The BPF side's counts of entries in SENSOR_MAP_PROTECT / SENSOR_MAP_SC_LEARN: while 0, the
 * hooks skip the lookup. */
enum sensor_bpf_gate {
	SENSOR_GATE_PROTECTED,
	SENSOR_GATE_TRACKED,
	_SENSOR_GATE_MAX,
};

/* false when bulkhead was built without BPF support (no clang, bpftool, libbpf or BTF). */
bool sensor_bpf_built(void);

/*
 * Whether this process may load tracing programs: CAP_SYS_ADMIN, or CAP_BPF with
 * CAP_PERFMON, in its effective set. 0 or -EPERM.
 */
int sensor_bpf_check_privileges(void);

/*
 * Load and attach the programs the enabled kinds need (kinds: bit n = enum bh_kind n) and
 * the features (enum sensor_bpf_features), with a ring buffer of ring_bytes (a power of two
 * >= the page size); records carry the cgroup id in hierarchy cgroup_subsys (-1 = v2, else a
 * v1 subsystem id). On failure err (errsz bytes) names what failed: the hook or the step. 0,
 * -EOPNOTSUPP (built without BPF, or no flavour of a hook works), -EPERM, -EINVAL, -ENOMEM,
 * or libbpf's -errno.
 */
int sensor_bpf_open(uint32_t kinds, unsigned features, size_t ring_bytes, int cgroup_subsys,
		    struct sensor_bpf **ret, char *err, size_t errsz);
void sensor_bpf_free(struct sensor_bpf *b);

int sensor_bpf_ringbuf_fd(const struct sensor_bpf *b);
size_t sensor_bpf_ringbuf_size(const struct sensor_bpf *b);
/* How hook h is attached. */
enum sensor_attach sensor_bpf_attach_mode(const struct sensor_bpf *b, enum sensor_hook h);
const char *sensor_attach_to_string(enum sensor_attach a);
const char *sensor_hook_to_string(enum sensor_hook h);

/*
 * Per-CPU values of counter idx (enum bh_counter): up to max entries in per_cpu, the
 * number of possible CPUs in *ret_ncpu. 0 or -errno.
 */
int sensor_bpf_counter(const struct sensor_bpf *b, unsigned idx, uint64_t *per_cpu, size_t max,
		       size_t *ret_ncpu);

/* The features b was opened with. */
unsigned sensor_bpf_features(const struct sensor_bpf *b);

/*
 * Map m of protect mode or learning (key and value borrowed, of the map's types). update:
 * create or replace, -E2BIG when the map is full. lookup: -ENOENT when absent. delete:
 * -ENOENT when absent. next_key: the key after key (NULL: the first), -ENOENT at the end.
 * -EOPNOTSUPP when b was opened without the feature the map belongs to.
 */
int sensor_bpf_map_update(struct sensor_bpf *b, enum sensor_bpf_map m, const void *key,
			  const void *value);
int sensor_bpf_map_lookup(struct sensor_bpf *b, enum sensor_bpf_map m, const void *key,
			  void *ret_value);
int sensor_bpf_map_delete(struct sensor_bpf *b, enum sensor_bpf_map m, const void *key);
int sensor_bpf_map_next_key(struct sensor_bpf *b, enum sensor_bpf_map m, const void *key,
			    void *ret_next);
/* Set gate g (the number of entries of its map). */
void sensor_bpf_set_gate(struct sensor_bpf *b, enum sensor_bpf_gate g, uint32_t n);

/*
 * What this kernel offers protect mode, without loading the sensor: 1 when a tracing
 * program may call bpf_send_signal(), 0 when not, -errno when the probe failed.
 */
int sensor_bpf_probe_send_signal(void);
/* 1 when BPF-LSM programs can be used (the program type loads and "bpf" is an active LSM),
 * else 0; why (n bytes) says which part is missing. */
int sensor_bpf_probe_lsm(char *why, size_t n);
