/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bh-ptattach — fork a child that waits, PTRACE_ATTACH to it, detach and reap it
 * (behaviours.md A12). Exit 0 when the attach succeeded.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t child = fork();

	if (child < 0) {
		perror("bh-ptattach: fork");
		return 1;
	}
	if (child == 0) {
		for (int i = 0; i < 100; i++)
			(void)usleep(50000);
		_exit(0);
	}
	int rc = 0;

	if (ptrace(PTRACE_ATTACH, child, NULL, NULL) != 0) {
		perror("bh-ptattach: PTRACE_ATTACH");
		rc = 1;
	} else {
		int st;

		(void)waitpid(child, &st, 0);
		(void)ptrace(PTRACE_DETACH, child, NULL, NULL);
	}
	(void)kill(child, SIGKILL);
	(void)waitpid(child, NULL, 0);
	return rc;
}
