/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor-load.c — syscall-heavy loads and the floor loader of bench/sensor.sh (not part of
 * the build: the script compiles it with cc and links it with -lbpf).
 *
 *   sensor-load open SECONDS [RATE [PATH]]   openat(PATH, O_RDONLY) + close in a loop
 *   sensor-load forkexec SECONDS [RATE]      fork + execve("/bin/true") + waitpid
 *   sensor-load connect SECONDS [RATE]       TCP connect to a listener on 127.0.0.1,
 *                                            accept, close both (RST: no TIME_WAIT)
 *   sensor-load floor OBJ                    load OBJ (sensor-floor.bpf.o), attach every
 *                                            program, print "attached N", wait for
 *                                            SIGINT/SIGTERM
 *
 * A load runs for SECONDS (a decimal number) and prints "ops N seconds S" on stdout: the
 * iterations done and the time they took. RATE (iterations per second, 0 = as fast as
 * possible) paces the loop in batches, for the drop ladder. Exit status 0, or 1 with a
 * message on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

extern char **environ;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = {.tv_sec = (time_t)(t / 1000000000u), .tv_nsec = (long)(t % 1000000000u)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* A non-negative decimal number with an optional fraction ("1", "0.5"), in billionths. */
static int parse_nano(const char *s, uint64_t *ret)
{
	uint64_t whole = 0, frac = 0, scale = 1000000000u;
	const char *p = s;
	if (!*p)
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > 1000000000u)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
	}
	if (*p)
		return -EINVAL;
	*ret = whole * 1000000000u + frac;
	return 0;
}

static int die(const char *what)
{
	fprintf(stderr, "sensor-load: %s: %s\n", what, strerror(errno));
	return 1;
}

struct pacer {
	uint64_t start, end, rate; /* rate: iterations per second, 0 = unpaced */
	uint64_t ops;
};

/* After each iteration: false when the time is up; sleeps when ahead of RATE. */
static bool pacer_next(struct pacer *p)
{
	p->ops++;
	if (p->ops % 16)
		return true;
	uint64_t t = now_ns();
	if (t >= p->end)
		return false;
	if (p->rate) {
		uint64_t due = p->start + p->ops * 1000000000u / p->rate;
		if (due > t)
			sleep_until(due < p->end ? due : p->end);
	}
	return true;
}

static void pacer_report(const struct pacer *p)
{
	uint64_t t = now_ns();
	printf("ops %llu seconds %.6f\n", (unsigned long long)p->ops, (double)(t - p->start) / 1e9);
}

static int load_open(struct pacer *p, const char *path)
{
	do {
		int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return die(path);
		close(fd);
	} while (pacer_next(p));
	return 0;
}

static int load_forkexec(struct pacer *p)
{
	char *const args[] = {"true", NULL};
	do {
		pid_t pid = fork();
		if (pid < 0)
			return die("fork");
		if (pid == 0) {
			execve("/bin/true", args, environ);
			_exit(127);
		}
		int status;
		if (waitpid(pid, &status, 0) < 0)
			return die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "sensor-load: /bin/true failed (status %d)\n", status);
			return 1;
		}
	} while (pacer_next(p));
	return 0;
}

static int load_connect(struct pacer *p)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 64) < 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &len) < 0)
		return die("listener on 127.0.0.1");
	const struct linger lg = {.l_onoff = 1, .l_linger = 0};
	do {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c < 0)
			return die("socket");
		if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return die("connect 127.0.0.1");
		int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (a < 0)
			return die("accept");
		/* reset rather than FIN: no TIME_WAIT, so ephemeral ports never run out */
		(void)setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c);
		close(a);
	} while (pacer_next(p));
	close(l);
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static int floor_attach(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "sensor-load: cannot open %s\n", path);
		return 1;
	}
	struct bpf_link *links[16];
	struct bpf_program *prog;
	int n = 0, r = 1;
	if (bpf_object__load(obj) < 0) {
		fprintf(stderr, "sensor-load: cannot load %s\n", path);
		goto out;
	}
	bpf_object__for_each_program(prog, obj)
	{
		if (n == (int)(sizeof(links) / sizeof(links[0]))) {
			fprintf(stderr, "sensor-load: too many programs in %s\n", path);
			goto out;
		}
		links[n] = bpf_program__attach(prog);
		if (!links[n]) {
			fprintf(stderr, "sensor-load: cannot attach %s\n", bpf_program__name(prog));
			goto out;
		}
		n++;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("attached %d\n", n);
	fflush(stdout);
	while (!stop)
		pause();
	r = 0;
out:
	while (n > 0)
		bpf_link__destroy(links[--n]);
	bpf_object__close(obj);
	return r;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "floor"))
		return floor_attach(argv[2]);
	if (argc < 3 || argc > 5) {
		fputs("usage: sensor-load open|forkexec|connect SECONDS [RATE [PATH]]\n"
		      "       sensor-load floor OBJ\n",
		      stderr);
		return 2;
	}
	uint64_t dur, rate = 0;
	if (parse_nano(argv[2], &dur) < 0 || !dur ||
	    (argc > 3 && parse_nano(argv[3], &rate) < 0)) {
		fputs("sensor-load: bad SECONDS or RATE\n", stderr);
		return 2;
	}
	rate /= 1000000000u;
	struct pacer p = {.start = now_ns(), .rate = rate};
	p.end = p.start + dur;
	int r;
	if (!strcmp(argv[1], "open"))
		r = load_open(&p, argc > 4 ? argv[4] : "/etc/hostname");
	else if (!strcmp(argv[1], "forkexec"))
		r = load_forkexec(&p);
	else if (!strcmp(argv[1], "connect"))
		r = load_connect(&p);
	else {
		fprintf(stderr, "sensor-load: unknown load '%s'\n", argv[1]);
		return 2;
	}
	if (r == 0)
		pacer_report(&p);
	return r;
}
