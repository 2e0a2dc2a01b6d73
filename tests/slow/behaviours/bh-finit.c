/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bh-finit FILE — call finit_module(2) on FILE (behaviours.md A09: a junk file, so the load
 * fails; the attempt is what counts). Exit 0 if the kernel accepted it, 1 otherwise.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bh-finit FILE\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		perror("bh-finit: open");
		return 1;
	}
	long r = syscall(SYS_finit_module, fd, "", 0);

	if (r != 0)
		perror("bh-finit: finit_module");
	(void)close(fd);
	return r == 0 ? 0 : 1;
}
