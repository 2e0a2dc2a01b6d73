/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bh-packet — open an AF_PACKET raw socket (behaviours.md A08). Exit 0 when the socket was
 * created, 1 when the kernel refused it (the attempt is what the sensor sees either way).
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (fd < 0) {
		perror("bh-packet: socket(AF_PACKET)");
		return 1;
	}
	(void)close(fd);
	return 0;
}
