/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bh-spin SECONDS [stratum+tcp://IPV4:PORT] — burn one CPU for SECONDS; with a pool URL,
 * first connect to it and send a JSON-RPC mining.subscribe line, as a crypto miner does
 * (behaviours.md A42). Also installed in the test image as `debugfs` (A10).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int uint_parse(const char *s, size_t len, unsigned max, unsigned *ret)
{
	unsigned v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > max)
			return -1;
	}
	*ret = v;
	return 0;
}

static int pool_subscribe(const char *url)
{
	static const char scheme[] = "stratum+tcp://";
	static const char line[] =
		"{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"bh-spin/1.0\"]}\n";
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[INET_ADDRSTRLEN];
	unsigned port;

	if (strncmp(url, scheme, sizeof(scheme) - 1) != 0)
		return -1;
	const char *h = url + sizeof(scheme) - 1;
	const char *colon = strchr(h, ':');

	if (colon == NULL || (size_t)(colon - h) >= sizeof(host))
		return -1;
	memcpy(host, h, (size_t)(colon - h));
	host[colon - h] = '\0';
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    uint_parse(colon + 1, strlen(colon + 1), 65535, &port) != 0)
		return -1;
	sa.sin_port = htons((unsigned short)port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("bh-spin: connect");
		return -1;
	}
	if (write(fd, line, sizeof(line) - 1) != (ssize_t)(sizeof(line) - 1))
		perror("bh-spin: write");
	(void)close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned secs;

	if (argc < 2 || argc > 3 || uint_parse(argv[1], strlen(argv[1]), 3600, &secs) != 0) {
		fprintf(stderr, "usage: bh-spin SECONDS [stratum+tcp://IPV4:PORT]\n");
		return 2;
	}
	if (argc == 3 && pool_subscribe(argv[2]) != 0)
		return 1;
	struct timespec start, now;

	(void)clock_gettime(CLOCK_MONOTONIC, &start);
	volatile unsigned long x = 0;

	do {
		for (int i = 0; i < 1000000; i++)
			x += (unsigned long)i;
		(void)clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < (time_t)secs);
	return 0;
}
