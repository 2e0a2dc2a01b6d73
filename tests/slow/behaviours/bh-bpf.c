/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bh-bpf — load a trivial BPF socket filter ("return 0") with bpf(BPF_PROG_LOAD)
 * (behaviours.md A54). Exit 0 when the kernel accepted it, 1 otherwise (the attempt is what
 * the sensor sees).
 */
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (uint64_t)(uintptr_t)"GPL";
	long fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));

	if (fd < 0) {
		perror("bh-bpf: BPF_PROG_LOAD");
		return 1;
	}
	(void)close((int)fd);
	return 0;
}
