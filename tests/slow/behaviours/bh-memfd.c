/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bh-memfd FILE ARG... — copy FILE into a memfd_create(2) file and fexecve(3) it with
 * ARG... as its argv, in a child (behaviours.md A15: fileless execution); exit with its status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bh-memfd FILE ARG0 [ARG...]\n");
		return 2;
	}
	int in = open(argv[1], O_RDONLY | O_CLOEXEC);

	if (in < 0) {
		perror("bh-memfd: open");
		return 1;
	}
	/* no MFD_CLOEXEC: a memfd that is closed on exec cannot be the exec'd file */
	int mfd = memfd_create("bh-payload", 0);

	if (mfd < 0) {
		perror("bh-memfd: memfd_create");
		return 1;
	}
	char block[65536];

	for (;;) {
		ssize_t n = read(in, block, sizeof(block));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("bh-memfd: read");
			return 1;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(mfd, block + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				perror("bh-memfd: write");
				return 1;
			}
			off += w;
		}
	}
	(void)close(in);
	/* from a child, so that the payload's parent is this program (not a runtime) */
	pid_t child = fork();

	if (child < 0) {
		perror("bh-memfd: fork");
		return 1;
	}
	if (child == 0) {
		fexecve(mfd, argv + 2, environ);
		perror("bh-memfd: fexecve");
		_exit(127);
	}
	int st;

	if (waitpid(child, &st, 0) != child)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
