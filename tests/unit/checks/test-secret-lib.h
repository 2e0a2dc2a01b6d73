/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-secret-lib.h — helpers shared by the secret scanner's unit tests: fake credentials
 * generated at run time from templates (so no source file holds anything that looks like a
 * live secret), and a driver that feeds a buffer through sec_file_begin/data/end in chunks.
 *
 * Template syntax: "{C:N}" is N random characters of class C:
 *   A letters and digits, H lower-case hex, U upper-case letters and digits, B base64,
 *   S base64url (letters, digits, '_' and '-'), L letters, D digits, X bech32 upper case.
 */
#pragma once

#include <stdio.h>

#include "checks/secrets.h"
#include "tap.h"

static inline const char *tsec_class(char c)
{
	switch (c) {
	case 'A':
		return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	case 'H':
		return "0123456789abcdef";
	case 'U':
		return "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	case 'B':
		return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	case 'S':
		return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
	case 'L':
		return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	case 'D':
		return "0123456789";
	case 'X':
		return "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
	default:
		return NULL;
	}
}

struct tsec_rng {
	uint64_t state;
};

static inline unsigned tsec_next(struct tsec_rng *r)
{
	r->state = r->state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(r->state >> 33);
}

/*
 * Expand tmpl into out (NUL-terminated, caller frees); the longest random run is copied to
 * ret_secret (caller frees) so tests can check it never appears in a finding.
 */
static inline char *tsec_expand(const char *tmpl, uint64_t seed, char **ret_secret)
{
	struct buf b, longest;
	buf_init(&b, 1 << 20);
	buf_init(&longest, 1 << 20);
	struct tsec_rng rng = { seed * 2654435761ULL + 1 };
	for (const char *p = tmpl; *p; p++) {
		if (p[0] == '{' && tsec_class(p[1]) && p[2] == ':') {
			const char *cs = tsec_class(p[1]);
			size_t csn = strlen(cs), n = 0;
			const char *q = p + 3;
			while (ascii_isdigit((unsigned char)*q))
				n = n * 10 + (size_t)(*q++ - '0');
			if (*q == '}') {
				size_t start = b.len;
				for (size_t i = 0; i < n; i++)
					(void)buf_putc(&b, cs[tsec_next(&rng) % csn]);
				if (n > longest.len) {
					buf_clear(&longest);
					(void)buf_append(&longest, b.ptr + start, n);
				}
				p = q;
				continue;
			}
		}
		(void)buf_putc(&b, *p);
	}
	if (ret_secret)
		*ret_secret = buf_take(&longest);
	else
		buf_done(&longest);
	return buf_take(&b);
}

/* base64 (url: base64url without padding) of s into a new string. */
static inline char *tsec_b64(const char *s, size_t n, bool url)
{
	const char *std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *u = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *t = url ? u : std;
	struct buf b;
	buf_init(&b, 1 << 20);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		(void)buf_putc(&b, t[(v >> 18) & 63]);
		(void)buf_putc(&b, t[(v >> 12) & 63]);
		if (i + 1 < n)
			(void)buf_putc(&b, t[(v >> 6) & 63]);
		else if (!url)
			(void)buf_putc(&b, '=');
		if (i + 2 < n)
			(void)buf_putc(&b, t[v & 63]);
		else if (!url)
			(void)buf_putc(&b, '=');
	}
	return buf_take(&b);
}

/* Scan data as the file path, chunk bytes at a time (0 = all at once). Returns begin's value. */
static inline int tsec_scan(struct sec_scanner *s, const char *path, const void *data, size_t len,
			    size_t chunk, struct bh_findings *out)
{
	int r = sec_file_begin(s, path, "sha256:layer0", len);
	if (r <= 0)
		return r;
	if (chunk == 0)
		chunk = len ? len : 1;
	const char *p = data;
	for (size_t off = 0; off < len; off += chunk) {
		int d = sec_file_data(s, p + off, MIN(chunk, len - off));
		if (d < 0)
			return d;
		if (d == 1)
			break;
	}
	int e = sec_file_end(s, out);
	return e < 0 ? e : 1;
}

/* Index of the first finding with rule id, or -1. */
static inline int tsec_find(const struct bh_findings *l, const char *rule)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].rule_id, rule))
			return (int)i;
	return -1;
}

/* Does needle appear anywhere in the finding's strings or its evidence JSON? */
static inline bool tsec_leaks(const struct bh_finding *f, const char *needle)
{
	if (!needle || !*needle)
		return false;
	const char *fields[] = { f->message, f->rule_title, f->path, f->remediation, f->layer };
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (fields[i] && strstr(fields[i], needle))
			return true;
	if (f->evidence) {
		char *d = json_dumps(f->evidence, JSON_COMPACT);
		bool hit = d && strstr(d, needle);
		free(d);
		if (hit)
			return true;
	}
	return false;
}
