/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-k8s-cidr.c — arbitrary bytes as ipBlock CIDRs: the first line is the block, the
 * others its exceptions. Every parsed CIDR must format to text that parses back to the
 * same CIDR, contain itself, and the coverage check must terminate.
 */
#include <string.h>

#include "k8s/netpol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct k8s_cidr *c)
{
	char text[80];
	struct k8s_cidr back;
	if (k8s_cidr_format(c, text, sizeof(text)) < 0 ||
	    k8s_cidr_parse(span_from(text), &back) < 0 || memcmp(&back, c, sizeof(*c)) != 0 ||
	    !k8s_cidr_contains(c, c))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span in = span_make(data, size), line;
	struct k8s_cidr block, except[16];
	size_t n = 0;
	bool have_block = false;
	while (span_next_line(&in, &line) == 0) {
		struct k8s_cidr c;
		if (k8s_cidr_parse(line, &c) < 0)
			continue;
		roundtrip(&c);
		if (!have_block) {
			block = c;
			have_block = true;
		} else if (n < ARRAY_SIZE(except)) {
			except[n++] = c;
		}
	}
	if (have_block) {
		bool covered = k8s_cidr_covered(&block, except, n);
		/* An exception containing the block covers it. */
		for (size_t i = 0; i < n; i++)
			if (k8s_cidr_contains(&except[i], &block) && !covered)
				__builtin_trap();
	}
	return 0;
}
