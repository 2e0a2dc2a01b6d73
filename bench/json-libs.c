/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json-libs.c — the measurement behind docs/design/dependencies.md: parse the same JSON
 * documents with jansson and json-c (cJSON is similar to json-c in design) and print
 * MB/s. The two libraries export clashing symbols (json_object_get), so this file is
 * built twice, with and without USE_JANSSON. Run by bench/json-libs.sh; not product code.
 */
#ifdef USE_JANSSON
#include <jansson.h>
#else
#include <json-c/json.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	FILE *f = fopen(argv[1], "rb");
	if (!f)
		return 1;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *d = malloc((size_t)n + 1);
	if (fread(d, 1, (size_t)n, f) != (size_t)n)
		return 1;
	d[n] = 0;
	fclose(f);
	int reps = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	double t0 = now();
	for (int i = 0; i < reps; i++) {
#ifdef USE_JANSSON
		json_error_t e;
		json_t *v = json_loadb(d, (size_t)n, JSON_REJECT_DUPLICATES, &e);
		if (!v)
			return 1;
		json_decref(v);
#else
		struct json_tokener *tok = json_tokener_new_ex(512);
		struct json_object *o = json_tokener_parse_ex(tok, d, (int)n);
		if (!o)
			return 1;
		json_object_put(o);
		json_tokener_free(tok);
#endif
	}
	double t1 = now();
	double mb = (double)n * reps / 1e6;
#ifdef USE_JANSSON
	const char *lib = "jansson";
#else
	const char *lib = "json-c";
#endif
	printf("%-8s %6.1f MB x %d: %4.0f MB/s\n", lib, (double)n / 1e6, reps, mb / (t1 - t0));
	return 0;
}
