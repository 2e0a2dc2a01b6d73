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

/* false when bulkhead was built without BPF support (no clang, bpftool, libbpf or BTF). */
bool sensor_bpf_built(void);

/*
 * Whether this process may load tracing programs: CAP_SYS_ADMIN, or CAP_BPF with
 * CAP_PERFMON, in its effective set. 0 or -EPERM.
 */
int sensor_bpf_check_privileges(void);

/*
 * Load and attach the programs the enabled kinds need (kinds: bit n = enum bh_kind n),
 * with a ring buffer of ring_bytes (a power of two >= the page size); records carry the
 * cgroup id in hierarchy cgroup_subsys (-1 = v2, else a v1 subsystem id). On failure err
 * (errsz bytes) names what failed: the hook or the step. 0, -EOPNOTSUPP (built without
 * BPF, or no flavour of a hook works), -EPERM, -EINVAL, -ENOMEM, or libbpf's -errno.
 */
int sensor_bpf_open(uint32_t kinds, size_t ring_bytes, int cgroup_subsys, struct sensor_bpf **ret,
		    char *err, size_t errsz);
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
