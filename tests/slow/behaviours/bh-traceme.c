/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bh-traceme — PTRACE_TRACEME, the anti-debugging self-check (behaviours.md A13). Exit 0
 * when the call succeeded (nobody traced us yet).
 */
#include <stdio.h>
#include <sys/ptrace.h>

int main(void)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) {
		perror("bh-traceme: PTRACE_TRACEME");
		return 1;
	}
	return 0;
}
