/* SPDX-License-Identifier: Apache-2.0 */
/* tap.c — see tap.h. */
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

struct tap_case {
	const char *name;
	tap_fn fn;
};

static struct tap_case cases[1024];
static size_t n_cases;
static jmp_buf tap_jmp;
static int tap_outcome; /* 0 pass, 1 fail, 2 skip */
static char tap_msg[1024];

void tap_register(const char *name, tap_fn fn)
{
	if (n_cases < ARRAY_SIZE(cases))
		cases[n_cases++] = (struct tap_case){ name, fn };
}

void tap_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(tap_msg, sizeof(tap_msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	(void)vsnprintf(tap_msg + n, sizeof(tap_msg) - (size_t)n, fmt, ap);
	va_end(ap);
	tap_outcome = 1;
	longjmp(tap_jmp, 1);
}

void tap_skip(const char *reason)
{
	(void)snprintf(tap_msg, sizeof(tap_msg), "%s", reason);
	tap_outcome = 2;
	longjmp(tap_jmp, 1);
}

static const char *root(void)
{
	const char *r = getenv("BH_SOURCE_ROOT");
	return r && *r ? r : ".";
}

const char *tap_src_path(const char *rel)
{
	static char bufs[8][4096];
	static unsigned slot;
	char *b = bufs[slot++ % 8];
	(void)snprintf(b, 4096, "%s/%s", root(), rel);
	return b;
}

const char *tap_shared_path(const char *rel)
{
	static char bufs[8][4096];
	static unsigned slot;
	char *b = bufs[slot++ % 8];
	const char *env = getenv("BH_SHARED_TESTDATA");
	if (env && *env)
		(void)snprintf(b, 4096, "%s/%s", env, rel);
	else
		(void)snprintf(b, 4096, "%s/../shared/testdata/%s", root(), rel);
	struct stat st;
	return stat(b, &st) == 0 ? b : NULL;
}

char *tap_read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b;
	buf_init(&b, (size_t)1 << 30);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) < 0) {
			buf_done(&b);
			fclose(f);
			return NULL;
		}
	fclose(f);
	if (ret_len)
		*ret_len = b.len;
	return buf_take(&b);
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	/* Tests log through log.h; keep stderr readable but quiet by default. */
	if (!getenv("BH_TEST_VERBOSE"))
		log_set_level(LOG_LVL_ERROR);
	size_t planned = 0;
	for (size_t i = 0; i < n_cases; i++)
		if (!only || strcmp(only, cases[i].name) == 0)
			planned++;
	printf("1..%zu\n", planned);
	int failed = 0;
	size_t k = 0;
	for (size_t i = 0; i < n_cases; i++) {
		if (only && strcmp(only, cases[i].name) != 0)
			continue;
		k++;
		tap_outcome = 0;
		tap_msg[0] = '\0';
		if (setjmp(tap_jmp) == 0)
			cases[i].fn();
		if (tap_outcome == 0)
			printf("ok %zu - %s\n", k, cases[i].name);
		else if (tap_outcome == 2)
			printf("ok %zu - %s # SKIP %s\n", k, cases[i].name, tap_msg);
		else {
			printf("not ok %zu - %s\n# %s\n", k, cases[i].name, tap_msg);
			failed++;
		}
		fflush(stdout);
	}
	return failed ? 1 : 0;
}

/* ---- temporary files and child processes -------------------------------------------- */

static char tmp_root[256];

static void rm_tmp_root(void)
{
	if (!tmp_root[0])
		return;
	pid_t pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", tmp_root, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		(void)waitpid(pid, NULL, 0);
}

const char *tap_tmp_path(const char *name)
{
	static char bufs[16][512];
	static unsigned slot;
	if (!tmp_root[0]) {
		(void)xsnprintf(tmp_root, sizeof(tmp_root), "/tmp/bh-test-XXXXXX");
		if (!mkdtemp(tmp_root)) {
			tmp_root[0] = '\0';
			return NULL;
		}
		atexit(rm_tmp_root);
	}
	char *b = bufs[slot++ % 16];
	(void)xsnprintf(b, 512, "%s/%s", tmp_root, name);
	return b;
}

int tap_run(const char *const *argv)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			(void)dup2(fd, 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
