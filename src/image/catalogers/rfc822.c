/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rfc822.c — stanza/field iteration for Debian control files (deb822) and Python core
 * metadata: "Name: value" lines, continuation lines starting with space or tab, stanzas
 * separated by blank lines. Never allocates.
 */
#include "image/catalogers/catalog.h"

static bool is_blank(struct span l)
{
	for (size_t i = 0; i < l.len; i++)
		if (!ascii_isspace((unsigned char)l.ptr[i]))
			return false;
	return true;
}

int rfc822_next_field(struct span *in, unsigned *line_no, struct rfc822_field *ret)
{
	for (;;) {
		if (in->len == 0)
			return -ENOENT;
		struct span rest = *in, line;
		(void)span_next_line(&rest, &line);
		(*line_no)++;
		if (is_blank(line)) {
			*in = rest;
			return -ENOENT;
		}
		if (line.ptr[0] == '#') { /* comment lines are allowed in deb822 */
			*in = rest;
			continue;
		}
		struct span name, value;
		if (line.ptr[0] == ' ' || line.ptr[0] == '\t' || !span_cut(line, ':', &name, &value) ||
		    name.len == 0) {
			*in = rest;
			return -EBADMSG;
		}
		for (size_t i = 0; i < name.len; i++)
			if (ascii_isspace((unsigned char)name.ptr[i])) {
				*in = rest;
				return -EBADMSG;
			}
		unsigned first_line = *line_no;
		/* Swallow continuation lines. */
		const char *raw_start = value.ptr;
		const char *raw_end = value.ptr + value.len;
		for (;;) {
			struct span peek = rest, next;
			if (span_next_line(&peek, &next) < 0 || next.len == 0 ||
			    (next.ptr[0] != ' ' && next.ptr[0] != '\t') || is_blank(next))
				break;
			raw_end = next.ptr + next.len;
			rest = peek;
			(*line_no)++;
		}
		*in = rest;
		ret->name = name;
		ret->value = span_trim(value);
		ret->raw = (struct span){ raw_start, (size_t)(raw_end - raw_start) };
		ret->line = first_line;
		return 0;
	}
}
