/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diag.h — where and why a parser rejected its input. Parsers fill an optional
 * struct bh_diag *reterr_diag; the binary that decides turns it into one log line.
 * Fixed-size fields so that filling it never allocates and never fails.
 */
#pragma once

#include "common/macro.h"

struct bh_diag {
	char source[512];  /* input name: file path, "layer sha256:…", target string */
	unsigned line;     /* 1-based, 0 = unknown */
	unsigned column;   /* 1-based, 0 = unknown */
	char message[512]; /* what is wrong, lower-case, no full stop */
};

/* Set message (printf-style) and, when source is non-NULL, source. diag may be NULL. */
void bh_diag_set(struct bh_diag *diag, const char *source, unsigned line, unsigned column,
		 const char *fmt, ...) _printf_(5, 6);
/* Prefix the existing source with "outer: " (e.g. the image target around a layer). */
void bh_diag_wrap(struct bh_diag *diag, const char *outer);
/* "source:line:column: message" or "source: message" into dst. */
void bh_diag_format(const struct bh_diag *diag, char *dst, size_t size);
