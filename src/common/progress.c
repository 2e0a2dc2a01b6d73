/* SPDX-License-Identifier: Apache-2.0 */
/* progress.c — see progress.h. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "common/common.h"
#include "common/progress.h"

struct bh_progress {
	const char *label;
	uint64_t total;
	uint64_t done;
	uint64_t last_draw_ns;
	pthread_mutex_t lock;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool bh_progress_enabled(void)
{
	if (!isatty(STDERR_FILENO))
		return false;
	const char *ci = secure_getenv("CI");
	if (ci && *ci && !streq(ci, "false") && !streq(ci, "0"))
		return false;
	const char *term = secure_getenv("TERM");
	return !(term && streq(term, "dumb"));
}

struct bh_progress *bh_progress_new(const char *label, uint64_t total)
{
	if (!bh_progress_enabled())
		return NULL;
	struct bh_progress *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->label = label;
	p->total = total;
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

static void draw(struct bh_progress *p)
{
	char line[160];
	const int width = 30;
	if (p->total) {
		uint64_t pct = p->done >= p->total ? 100 : p->done * 100 / p->total;
		int fill = (int)(pct * (uint64_t)width / 100);
		char bar[64];
		for (int i = 0; i < width; i++)
			bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
		bar[width] = '\0';
		(void)snprintf(line, sizeof(line), "\r%s [%s] %3llu%% ", p->label, bar,
			       (unsigned long long)pct);
	} else
		(void)snprintf(line, sizeof(line), "\r%s %llu MiB ", p->label,
			       (unsigned long long)(p->done >> 20));
	fputs(line, stderr);
	fflush(stderr);
}

void bh_progress_add(struct bh_progress *p, uint64_t n)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->done += n;
	uint64_t t = now_ns();
	if (t - p->last_draw_ns > 100000000u) {
		p->last_draw_ns = t;
		draw(p);
	}
	pthread_mutex_unlock(&p->lock);
}

void bh_progress_free(struct bh_progress *p)
{
	if (!p)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
