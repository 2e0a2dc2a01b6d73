/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vuln-match.c — matching-only timer for bench/vuln.sh (not part of the build: the script
 * compiles it with the compiler flags of src/cli/bulkhead and links it against the build
 * tree's static libraries).
 *
 *   vuln-match DB TARGET [RUNS]
 *
 * Opens the database and the image and catalogues it (timed, not counted as matching),
 * then calls vuln_match_image() once to warm up (statements prepared, pages cached) and
 * RUNS more times (default 10), and prints one "key value" line each: packages, findings,
 * db_open_ms, first_ms (the warm-up call: what one `bulkhead scan` pays), best_ms,
 * median_ms. Exit status 0, or 1 with a message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bulkhead/image.h"
#include "common/limits.h"
#include "common/log.h"
#include "vuln/match.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int fail(const char *what, const struct bh_diag *diag, int r)
{
	char msg[1200];
	if (diag && diag->message[0]) {
		bh_diag_format(diag, msg, sizeof(msg));
		fprintf(stderr, "vuln-match: %s: %s\n", what, msg);
	} else
		fprintf(stderr, "vuln-match: %s: %s\n", what, strerror(-r));
	return EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	uint64_t runs = 10;
	if (argc < 3 || argc > 4 ||
	    (argc == 4 && parse_u64(span_from(argv[3]), 10, 100000, &runs) < 0) || runs == 0) {
		fprintf(stderr, "usage: vuln-match DB TARGET [RUNS]\n");
		return 2;
	}
	log_set_program("vuln-match");
	log_set_level(LOG_LVL_ERROR);
	struct bh_limits limits;
	bh_limits_default(&limits);
	struct bh_diag diag = { 0 };

	double t0 = now_ms();
	_cleanup_(vuln_db_freep) struct vuln_db *db = NULL;
	int r = vuln_db_open(argv[1], &db, &diag);
	if (r < 0)
		return fail(argv[1], &diag, r);
	double db_open = now_ms() - t0;

	struct img_target target;
	if ((r = img_target_parse(argv[2], &target)) < 0)
		return fail(argv[2], NULL, r);
	struct img_open_opts o = { .limits = &limits };
	_cleanup_(img_freep) struct img *img = NULL;
	r = img_open(&target, &o, &img, &diag);
	img_target_done(&target);
	if (r >= 0)
		r = img_catalog(img, &limits, &diag);
	if (r < 0)
		return fail(argv[2], &diag, r);

	double *t = calloc(runs, sizeof(*t));
	if (!t)
		return fail("calloc", NULL, -ENOMEM);
	struct vuln_match_opts mo = { 0 };
	size_t packages = 0, findings = 0;
	double first = 0;
	for (uint64_t i = 0; i <= runs; i++) {
		struct vuln_report rep = { 0 };
		double s = now_ms();
		r = vuln_match_image(db, img, &mo, &rep);
		double e = now_ms() - s;
		if (r < 0) {
			free(t);
			return fail("vuln_match_image", NULL, r);
		}
		if (i == 0) {
			first = e;
			packages = img->pkgs.n;
			findings = rep.n;
		} else
			t[i - 1] = e;
		vuln_report_done(&rep);
	}
	qsort(t, runs, sizeof(*t), cmp_double);
	printf("packages %zu\nfindings %zu\ndb_open_ms %.3f\nfirst_ms %.3f\nbest_ms %.3f\n"
	       "median_ms %.3f\n",
	       packages, findings, db_open, first, t[0], t[runs / 2]);
	free(t);
	return EXIT_SUCCESS;
}
