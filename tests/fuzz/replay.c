/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay.c — a plain main() for fuzz targets: runs LLVMFuzzerTestOneInput over every
 * file in the directories or files given, so corpora and past crashes are replayed on
 * every build (with sanitizers in the ASan build).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	size_t cap = 1 << 16, len = 0;
	uint8_t *d = malloc(cap);
	size_t n;
	while (d && (n = fread(d + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			uint8_t *nd = realloc(d, cap * 2);
			if (!nd) {
				free(d);
				d = NULL;
				break;
			}
			d = nd;
			cap *= 2;
		}
	}
	fclose(f);
	if (!d)
		return 1;
	(void)LLVMFuzzerTestOneInput(d, len);
	free(d);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]))
				return 1;
			count++;
			continue;
		}
		DIR *dir = opendir(argv[i]);
		if (!dir)
			return 1;
		char **names = NULL;
		size_t n = 0, cap = 0;
		struct dirent *de;
		while ((de = readdir(dir))) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				char **nn = realloc(names, cap * sizeof(*names));
				if (!nn)
					return 1;
				names = nn;
			}
			size_t l = strlen(argv[i]) + strlen(de->d_name) + 2;
			names[n] = malloc(l);
			if (!names[n])
				return 1;
			(void)snprintf(names[n], l, "%s/%s", argv[i], de->d_name);
			n++;
		}
		closedir(dir);
		qsort(names, n, sizeof(*names), cmp);
		for (size_t k = 0; k < n; k++) {
			if (run_file(names[k]))
				return 1;
			free(names[k]);
			count++;
		}
		free(names);
	}
	printf("replayed %u inputs\n", count);
	return 0;
}
