/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-secret-engine.c — the secret scanner's streaming engine: matches across chunk and
 * window boundaries at every offset, line/column, binary files (magic and name), oversized
 * files, invalid UTF-8, a 64 MiB single line fed in chunks, the per-file cap, and the text
 * entry point used for the image configuration.
 */
#include <sys/resource.h>

#include "test-secret-lib.h"

static struct sec_engine *engine_with(uint64_t max_file, uint64_t per_file)
{
	struct bh_limits l;
	bh_limits_default(&l);
	l.secret_max_file_bytes = max_file;
	l.secret_max_per_file = per_file;
	struct sec_engine *e = NULL;
	return sec_engine_new(NULL, &l, &e, NULL) < 0 ? NULL : e;
}

/* Filler text: lines of 99 characters and a newline, no secrets. */
static void fill_range(char *p, size_t from, size_t n)
{
	static const char word[] = "lorem ipsum dolor sit amet ";
	for (size_t i = from; i < from + n; i++)
		p[i] = (i % 100 == 99) ? '\n' : word[(i % 100) % (sizeof(word) - 1)];
}

static void fill_lines(char *p, size_t n)
{
	fill_range(p, 0, n);
}

TEST(window_boundaries)
{
	struct sec_engine *e = engine_with(0, 100);
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	char *secret = NULL;
	char *tok = tsec_expand("gh" "p_{A:36}", 5, &secret);
	size_t tl = strlen(tok);
	/* The first scan of a full buffer stops 16 KiB before its end (1 MiB + 20 KiB): put the
	 * token across that limit, across the 1 MiB mark and across the buffer end. */
	size_t cap = ((size_t)1 << 20) + 4096 + 16384;
	size_t marks[] = { cap - 16384, (size_t)1 << 20, cap, 2 * cap - 20480 - 16384 };
	size_t total = 3 * cap;
	char *data = malloc(total);
	ASSERT_NOT_NULL(data);
	fill_lines(data, total);
	for (size_t m = 0; m < ARRAY_SIZE(marks); m++) {
		for (long d = -45; d <= 5; d += 5) {
			size_t at = (size_t)((long)marks[m] + d);
			data[at - 1] = ' ';
			memcpy(data + at, tok, tl);
			data[at + tl] = ' ';
			size_t chunks[] = { 0, 4096 + 3 };
			for (size_t c = 0; c < ARRAY_SIZE(chunks); c++) {
				struct bh_findings out = { 0 };
				ASSERT_EQ(tsec_scan(s, "big.txt", data, total, chunks[c], &out), 1);
				if (out.n != 1)
					fprintf(stderr, "# mark %zu d %ld chunk %zu: %zu findings\n", m, d,
						chunks[c], out.n);
				ASSERT_EQ(out.n, 1);
				ASSERT_EQ(out.v[0].line, at / 100 + 1);
				ASSERT_EQ(out.v[0].column, at % 100 + 1);
				ASSERT_FALSE(tsec_leaks(&out.v[0], secret));
				bh_findings_done(&out);
			}
			fill_range(data, at - 100, tl + 200);
		}
	}
	free(data);
	free(tok);
	free(secret);
	sec_scanner_free(s);
	sec_engine_free(e);
}

TEST(line_and_column)
{
	struct sec_engine *e = engine_with(0, 100);
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	char *text = tsec_expand("a\n\r\nbb\n  x=gh" "p_{A:36}\n\n\tk: sk" "_live_{A:30}\n", 9, NULL);
	struct bh_findings out = { 0 };
	ASSERT_EQ(tsec_scan(s, "x.env", text, strlen(text), 1, &out), 1);
	ASSERT_EQ(out.n, 2);
	bh_findings_sort(&out);
	/* both critical: sorted by rule id */
	ASSERT_STREQ(out.v[0].rule_id, "BH-SECRET-010");
	ASSERT_EQ(out.v[0].line, 4);
	ASSERT_EQ(out.v[0].column, 5);
	ASSERT_STREQ(out.v[1].rule_id, "BH-SECRET-036");
	ASSERT_EQ(out.v[1].line, 6);
	ASSERT_EQ(out.v[1].column, 5);
	bh_findings_done(&out);
	free(text);
	sec_scanner_free(s);
	sec_engine_free(e);
}

TEST(binary_and_size_skips)
{
	struct sec_engine *e = engine_with(1000, 100);
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	char *tok = tsec_expand(" gh" "p_{A:36} ", 1, NULL);
	struct bh_findings out = { 0 };
	char elf[200] = "\x7f" "ELF\x02\x01\x01";
	memcpy(elf + 100, tok, strlen(tok));
	ASSERT_EQ(tsec_scan(s, "usr/bin/tool", elf, sizeof(elf), 0, &out), 1);
	char nul[200];
	memset(nul, 'a', sizeof(nul));
	nul[10] = '\0';
	memcpy(nul + 100, tok, strlen(tok));
	ASSERT_EQ(tsec_scan(s, "data/blob", nul, sizeof(nul), 0, &out), 1);
	ASSERT_EQ(tsec_scan(s, "img/logo.PNG", tok, strlen(tok), 0, &out), 0);
	ASSERT_EQ(tsec_scan(s, "usr/lib/libx.so.1.2", tok, strlen(tok), 0, &out), 0);
	ASSERT_EQ(out.n, 0);
	/* oversized: declared size and actual bytes */
	char *big = malloc(2000);
	ASSERT_NOT_NULL(big);
	fill_lines(big, 2000);
	memcpy(big + 1500, tok, strlen(tok));
	ASSERT_EQ(sec_file_begin(s, "var/big.log", NULL, 2000), 0);
	ASSERT_EQ(sec_file_begin(s, "var/liar.log", NULL, 10), 1);
	ASSERT_EQ(sec_file_data(s, big, 2000), 1);
	ASSERT_OK(sec_file_end(s, &out));
	ASSERT_EQ(out.n, 0);
	/* a normal file still works, and its size is fine */
	ASSERT_EQ(tsec_scan(s, "etc/ok.conf", tok, strlen(tok), 0, &out), 1);
	ASSERT_EQ(out.n, 1);
	struct sec_stats st = { 0 };
	sec_scanner_stats(s, &st);
	ASSERT_EQ(st.skipped_binary, 4);
	ASSERT_EQ(st.skipped_size, 2);
	ASSERT_EQ(st.files_scanned, 1);
	ASSERT_EQ(st.bytes_scanned, strlen(tok));
	bh_findings_done(&out);
	free(big);
	free(tok);
	sec_scanner_free(s);
	sec_engine_free(e);
}

TEST(invalid_utf8)
{
	struct sec_engine *e = engine_with(0, 100);
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	char *tok = tsec_expand("gl" "pat-{A:20}", 2, NULL);
	size_t n = 300000;
	unsigned char *d = malloc(n);
	ASSERT_NOT_NULL(d);
	struct tsec_rng r = { 42 };
	for (size_t i = 0; i < n; i++)
		d[i] = (unsigned char)(0x80 | (tsec_next(&r) & 0x7f)); /* never NUL, never ASCII */
	d[n / 2 - 1] = '\n';
	memcpy(d + n / 2, tok, strlen(tok));
	d[n / 2 + strlen(tok)] = '"';
	struct bh_findings out = { 0 };
	ASSERT_EQ(tsec_scan(s, "weird.txt", d, n, 777, &out), 1);
	ASSERT_EQ(out.n, 1);
	ASSERT_STREQ(out.v[0].rule_id, "BH-SECRET-015");
	ASSERT_EQ(out.v[0].line, 2);
	ASSERT_EQ(out.v[0].column, 1);
	/* the message is built from our own bytes only, so it is valid UTF-8 */
	json_t *js = json_string(out.v[0].message);
	ASSERT_NOT_NULL(js);
	json_decref(js);
	bh_findings_done(&out);
	free(d);
	free(tok);
	sec_scanner_free(s);
	sec_engine_free(e);
}

TEST(long_single_line)
{
	struct sec_engine *e = engine_with(0, 100);
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	struct rusage ru0, ru1;
	ASSERT_OK(getrusage(RUSAGE_SELF, &ru0));
	size_t chunk = (size_t)1 << 20, total = (size_t)64 << 20;
	char *c = malloc(chunk);
	ASSERT_NOT_NULL(c);
	for (size_t i = 0; i < chunk; i++)
		c[i] = "aB3 x=-,.{}"[i % 11];
	char *secret = NULL;
	char *tok = tsec_expand(" sk" "_live_{A:40}", 4, &secret);
	ASSERT_EQ(sec_file_begin(s, "one-line.json", NULL, total + strlen(tok)), 1);
	for (size_t off = 0; off < total; off += chunk)
		ASSERT_EQ(sec_file_data(s, c, chunk), 0);
	ASSERT_EQ(sec_file_data(s, tok, strlen(tok)), 0);
	struct bh_findings out = { 0 };
	ASSERT_OK(sec_file_end(s, &out));
	ASSERT_OK(getrusage(RUSAGE_SELF, &ru1));
	ASSERT_EQ(out.n, 1);
	ASSERT_EQ(out.v[0].line, 1);
	ASSERT_EQ(out.v[0].column, total + 2);
	ASSERT_FALSE(tsec_leaks(&out.v[0], secret));
	/* bounded memory: the scanner never holds the line (64 MiB); allow slack for malloc */
	ASSERT_TRUE(ru1.ru_maxrss - ru0.ru_maxrss < 16 * 1024);
	bh_findings_done(&out);
	free(c);
	free(tok);
	free(secret);
	sec_scanner_free(s);
	sec_engine_free(e);
}

TEST(per_file_cap)
{
	struct sec_engine *e = engine_with(0, 3);
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	char *text = tsec_expand("gh" "p_{A:36}\ngh" "p_{A:36}\ngh" "p_{A:36}\ngh" "p_{A:36}\ngh"
				 "p_{A:36}\n",
				 8, NULL);
	struct bh_findings out = { 0 };
	ASSERT_EQ(tsec_scan(s, "tokens.txt", text, strlen(text), 0, &out), 1);
	ASSERT_EQ(out.n, 3);
	struct sec_stats st = { 0 };
	sec_scanner_stats(s, &st);
	ASSERT_EQ(st.over_cap, 2); /* counted, not reported; the scan then stops */
	bh_findings_done(&out);
	free(text);
	sec_scanner_free(s);
	sec_engine_free(e);
}

TEST(scan_text)
{
	struct sec_engine *e = engine_with(64, 100);
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	/* longer than secret-max-file-bytes: config strings are not files, no size skip */
	char *env = tsec_expand("NPM_TOKEN=np" "m_{A:36} and some padding to pass 64 bytes ok", 3,
				NULL);
	struct bh_findings out = { 0 };
	ASSERT_OK(sec_scan_text(s, "image config: Env[2]", span_from(env), &out));
	ASSERT_EQ(out.n, 1);
	ASSERT_STREQ(out.v[0].path, "image config: Env[2]");
	ASSERT_NULL(out.v[0].layer);
	ASSERT_NOT_NULL(strstr(out.v[0].message, "in image config: Env[2]"));
	ASSERT_NULL(strstr(out.v[0].message, " line "));
	ASSERT_EQ(out.v[0].column, 11);
	bh_findings_done(&out);
	free(env);
	sec_scanner_free(s);
	sec_engine_free(e);
}
