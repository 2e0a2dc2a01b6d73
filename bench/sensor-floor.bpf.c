/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor-floor.bpf.c — the empty-program floor of bench/sensor.sh (not part of the build:
 * the script compiles it with `clang -target bpf`). One program on each hook the sensor
 * uses (bpf/sensor.bpf.c, tp_btf variants), each only returning: what any BPF program on
 * these hooks costs before it does anything. Loaded and attached by `sensor-load floor`.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sched_process_exec")
int floor_exec(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int floor_exit(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_fork")
int floor_fork(void *ctx)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int floor_sys_enter(void *ctx)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int floor_sys_exit(void *ctx)
{
	return 0;
}
