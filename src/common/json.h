/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.h — JSON reading and writing on jansson (see docs/design/dependencies.md).
 * Reading is bounded: input size and nesting depth come from struct bh_limits, duplicate
 * object keys are rejected (a scanner and a runtime must never disagree about which of
 * two "digest" keys counts), embedded NUL bytes in strings are rejected.
 * Writing keeps insertion order, so callers emit keys in a fixed order and sort arrays
 * themselves; output is therefore deterministic.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/limits.h"
#include "common/span.h"

/*
 * Parse one JSON document from in. source names the input in diagnostics.
 * On success *ret owns a reference (json_decref()). Errors: -E2BIG (size or depth limit),
 * -EBADMSG (syntax, duplicate key), -ENOMEM; reterr_diag gets line/column/reason.
 */
int bh_json_parse(struct span in, const struct bh_limits *limits, const char *source,
		  json_t **ret, struct bh_diag *reterr_diag);

/* Nesting depth of the JSON text (strings skipped), or SIZE_MAX past max. Never fails. */
size_t bh_json_depth(struct span in, size_t max);

/* Borrowed lookups; NULL/false when absent or of another type. */
const char *bh_json_str(const json_t *obj, const char *key);
json_t *bh_json_obj(const json_t *obj, const char *key);
json_t *bh_json_arr(const json_t *obj, const char *key);
/* 0, -ENOENT (absent), -EBADMSG (not a non-negative integer). */
int bh_json_u64(const json_t *obj, const char *key, uint64_t *ret);

/* Builders: 0 or -ENOMEM. A NULL or empty value is skipped (returns 0) for *_opt. */
int bh_json_set_str(json_t *obj, const char *key, const char *value);
int bh_json_set_str_opt(json_t *obj, const char *key, const char *value);
int bh_json_set_new(json_t *obj, const char *key, json_t *value_take);
int bh_json_append_new(json_t *arr, json_t *value_take);
int bh_json_append_str(json_t *arr, const char *value);

/* Serialise with 2-space indentation and a final newline into b (or f). 0, -E2BIG, -ENOMEM. */
int bh_json_dump_buf(const json_t *v, struct buf *b);
int bh_json_dump_file(const json_t *v, FILE *f);

/*
 * A top-level array of a document that is produced while it is written: after the
 * elements already in the document's array under key, fill(userdata, i, into) runs for
 * i = 0 .. n-1 and appends zero or more elements to the empty array into; they are
 * written and released at once. fill returns 0 or -errno.
 */
struct bh_json_stream {
	const char *key;
	size_t n;
	int (*fill)(void *userdata, size_t i, json_t *into);
	void *userdata;
};

/*
 * Write the object doc to f byte for byte as bh_json_dump_file() would write it with the
 * streamed arrays filled in, but holding only one element of each streamed array in
 * memory at a time: large documents (SBOMs of 100k packages) cost no more memory than
 * their largest element. Keys of doc not named in streams are written as they are.
 * 0, -EIO, -ENOMEM or fill's error.
 */
int bh_json_dump_file_streamed(const json_t *doc, const struct bh_json_stream *streams,
			       size_t n_streams, FILE *f);

static inline void bh_json_decrefp(json_t **p)
{
	if (*p)
		json_decref(*p);
}
#define _cleanup_json_ _cleanup_(bh_json_decrefp)

/*
 * The JSON escape of an ASCII byte that needs one: '"' and '\\' and the control characters
 * below 0x20 (\b \f \n \r \t, else \u00XX with lower- or upper-case hex digits). Writes up to
 * 6 bytes to out and returns their count; 0 for a byte that needs no escape (including every
 * byte >= 0x20 other than '"' and '\\', which callers handle: UTF-8 checks differ).
 */
size_t bh_json_escape_ascii(unsigned char c, bool lower_hex, char out[static 6]);
