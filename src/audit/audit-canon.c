/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit-canon.c — canonical JSON (RFC 8785 JCS for documents of strings, integers up to
 * 2^53 - 1, booleans, null, arrays and objects) and the record byte string it hashes.
 * Written by hand rather than with json_dumps(): jansson escapes differently (upper-case
 * \u00XX, optional '/' escaping) and does not sort by UTF-16 code units, and the bytes
 * here are a format other tools must reproduce exactly (docs/audit-log.md).
 */
#include "audit/audit.h"
#include "common/json.h"

bool audit_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		uint32_t cp, min;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else
			return false;
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* Decode one code point of valid UTF-8 at *i (advanced). */
static uint32_t utf8_next(const unsigned char *p, size_t len, size_t *i)
{
	unsigned c = p[*i];
	size_t n = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
	uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1f) : n == 2 ? (c & 0x0f) : (c & 0x07);
	for (size_t k = 1; k <= n && *i + k < len; k++)
		cp = (cp << 6) | (p[*i + k] & 0x3f);
	*i += n + 1;
	return cp;
}

/*
 * UTF-16 code-unit order: code points compare as themselves except that one at or above
 * U+10000 (a surrogate pair, first unit 0xD800..0xDBFF) sorts below U+E000..U+FFFF.
 */
int audit_utf16_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
	size_t i = 0, j = 0;
	while (i < alen && j < blen) {
		uint32_t ca = utf8_next(pa, alen, &i), cb = utf8_next(pb, blen, &j);
		if (ca == cb)
			continue;
		/* first UTF-16 unit, then second */
		uint32_t ua = ca >= 0x10000 ? 0xd800 + ((ca - 0x10000) >> 10) : ca;
		uint32_t ub = cb >= 0x10000 ? 0xd800 + ((cb - 0x10000) >> 10) : cb;
		if (ua != ub)
			return ua < ub ? -1 : 1;
		ua = 0xdc00 + ((ca - 0x10000) & 0x3ff);
		ub = 0xdc00 + ((cb - 0x10000) & 0x3ff);
		return ua < ub ? -1 : 1;
	}
	if (i < alen)
		return 1;
	if (j < blen)
		return -1;
	return 0;
}

int audit_canon_string(const char *s, size_t len, struct buf *out)
{
	if (!audit_utf8_valid(s, len))
		return -EINVAL;
	size_t start = out->len;
	int r = buf_putc(out, '"');
	size_t run = 0; /* bytes copied verbatim, flushed before each escape */
	for (size_t i = 0; r == 0 && i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			run++;
			continue;
		}
		if (run)
			r = buf_append(out, s + i - run, run);
		run = 0;
		if (r < 0)
			break;
		char esc[6];
		size_t n = bh_json_escape_ascii(c, true, esc);
		r = buf_append(out, esc, n);
	}
	if (r == 0 && run)
		r = buf_append(out, s + len - run, run);
	if (r == 0)
		r = buf_putc(out, '"');
	if (r < 0) {
		out->len = start;
		if (out->ptr)
			out->ptr[start] = '\0';
	}
	return r;
}

struct member {
	const char *key;
	size_t len;
	json_t *value;
};

static int member_cmp(const void *x, const void *y)
{
	const struct member *a = x, *b = y;
	return audit_utf16_cmp(a->key, a->len, b->key, b->len);
}

static int canon(const json_t *v, size_t depth, size_t max_depth, struct buf *out)
{
	int r;
	switch (json_typeof(v)) {
	case JSON_NULL:
		return buf_puts(out, "null");
	case JSON_TRUE:
		return buf_puts(out, "true");
	case JSON_FALSE:
		return buf_puts(out, "false");
	case JSON_REAL:
		return -EINVAL;
	case JSON_INTEGER: {
		json_int_t n = json_integer_value(v);
		if (n > AUDIT_JSON_INT_MAX || n < -AUDIT_JSON_INT_MAX)
			return -EINVAL;
		return buf_printf(out, "%lld", (long long)n);
	}
	case JSON_STRING:
		return audit_canon_string(json_string_value(v), json_string_length(v), out);
	case JSON_ARRAY: {
		if (depth >= max_depth)
			return -E2BIG;
		r = buf_putc(out, '[');
		for (size_t i = 0; r == 0 && i < json_array_size(v); i++) {
			if (i)
				r = buf_putc(out, ',');
			if (r == 0)
				r = canon(json_array_get(v, i), depth + 1, max_depth, out);
		}
		return r ?: buf_putc(out, ']');
	}
	case JSON_OBJECT: {
		if (depth >= max_depth)
			return -E2BIG;
		size_t n = json_object_size(v);
		_cleanup_free_ struct member *m = n ? calloc(n, sizeof(*m)) : NULL;
		if (n && !m)
			return -ENOMEM;
		size_t k = 0;
		const char *key;
		json_t *val;
		json_object_foreach((json_t *)v, key, val)
		{
			if (k == n)
				break;
			m[k++] = (struct member){key, strlen(key), val};
		}
		for (size_t i = 0; i < k; i++)
			if (!audit_utf8_valid(m[i].key, m[i].len))
				return -EINVAL;
		if (k > 1)
			qsort(m, k, sizeof(*m), member_cmp);
		r = buf_putc(out, '{');
		for (size_t i = 0; r == 0 && i < k; i++) {
			if (i)
				r = buf_putc(out, ',');
			r = r ?: audit_canon_string(m[i].key, m[i].len, out);
			r = r ?: buf_putc(out, ':');
			r = r ?: canon(m[i].value, depth + 1, max_depth, out);
		}
		return r ?: buf_putc(out, '}');
	}
	}
	return -EINVAL;
}

int audit_canon_json(const json_t *v, size_t max_depth, struct buf *out)
{
	if (!v)
		return -EINVAL;
	size_t start = out->len;
	int r = canon(v, 0, max_depth, out);
	if (r < 0) {
		out->len = start;
		if (out->ptr)
			out->ptr[start] = '\0';
	}
	return r;
}

/*
 * The members of a record in canonical (UTF-16 = here ASCII) order: actor, hash (export
 * only), kind, payload, prev_hash, schema, seq, target, time.
 */
static int record_json(const struct store_audit_row *row, const char *hash, struct buf *out)
{
	size_t start = out->len;
	const char *actor = row->actor ? row->actor : "", *target = row->target ? row->target : "";
	const char *kind = row->kind ? row->kind : "", *payload = row->payload ? row->payload : "";
	const char *prev = row->prev_hash ? row->prev_hash : "";
	int r = buf_puts(out, "{\"actor\":") ?: audit_canon_string(actor, strlen(actor), out);
	if (r == 0 && hash)
		r = buf_puts(out, ",\"hash\":") ?: audit_canon_string(hash, strlen(hash), out);
	r = r ?: buf_puts(out, ",\"kind\":") ?: audit_canon_string(kind, strlen(kind), out);
	r = r ?: buf_puts(out, ",\"payload\":") ?: buf_puts(out, payload);
	r = r ?: buf_puts(out, ",\"prev_hash\":") ?: audit_canon_string(prev, strlen(prev), out);
	r = r
		?: buf_printf(out,
			      ",\"schema\":\"%s\",\"seq\":%lld,\"target\":", AUDIT_RECORD_SCHEMA,
			      (long long)row->seq);
	r = r ?: audit_canon_string(target, strlen(target), out);
	r = r ?: buf_printf(out, ",\"time\":%lld}", (long long)row->time);
	if (r < 0) {
		out->len = start;
		if (out->ptr)
			out->ptr[start] = '\0';
	}
	return r;
}

int audit_record_bytes(const struct store_audit_row *row, struct buf *out)
{
	return record_json(row, NULL, out);
}

int audit_record_export(const struct store_audit_row *row, struct buf *out)
{
	return record_json(row, row->hash ? row->hash : "", out);
}

int audit_record_hash(const struct store_audit_row *row, char out[static BH_DIGEST_STR_LEN + 1])
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = audit_record_bytes(row, &b);
	if (r < 0)
		return r;
	return bh_sha256_str(b.ptr, b.len, out);
}
