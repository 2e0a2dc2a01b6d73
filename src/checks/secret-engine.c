/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret-engine.c — the secret scanner's engine: every enabled rule's prefilter compiled into
 * one Vectorscan block-mode database; a file streams through a bounded buffer that is scanned
 * in windows (the last SEC_BACK_MAX bytes kept as look-behind, the last SEC_FWD_MAX bytes held
 * back as look-ahead until more data or the end of the file arrives), so a file of any size,
 * even a single 1 GB line, costs about 1 MiB. Each prefilter hit (rule, end offset) is
 * confirmed by PCRE2 (match limits set) in a bounded window around it and the value is
 * extracted (the generic assignment rules, whose key words are frequent, match the word alone
 * and parse the rest by hand: sec_assign_parse()); candidates of one window are resolved (a
 * specific rule beats a generic one on the same bytes), checked against the allow-lists and
 * turned into redacted findings: a short public prefix, the first 16 hex digits of the value's
 * SHA-256 and its length, never the value.
 * Line and column are computed only for confirmed hits (SSE2 newline count).
 *
 * Must not: keep or print a secret value beyond the window that holds it; log anything.
 */
#include <hs/hs.h>
#include <jansson.h>
#include <strings.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "checks/secret-int.h"
#include "common/hash.h"

#define SEC_WINDOW ((size_t)1 << 20)
#define SEC_BUF_CAP (SEC_WINDOW + SEC_BACK_MAX + SEC_FWD_MAX)
#define SEC_BINARY_PROBE 8192
#define SEC_MAX_CANDS 4096
#define PFX_HEADER 255
#define PFX_URL 254
#define NONE_POS UINT64_MAX

static const char sec_remediation[] =
	"Revoke and rotate this credential, then rebuild the image without it. Deleting the file "
	"in a later layer does not remove it: every layer stays in the image and can be "
	"downloaded, so the secret must never reach a layer (use build secrets such as "
	"`RUN --mount=type=secret` or inject it at run time from a secret store).";

/* ---- small helpers ------------------------------------------------------------------- */

static double log2_u(uint64_t x)
{
	int e = 63 - __builtin_clzll(x);
	double m = (double)x / (double)((uint64_t)1 << e);
	double y = (m - 1) / (m + 1), y2 = y * y, t = y, s = 0;
	for (int k = 1; k < 24; k += 2) {
		s += t / k;
		t *= y2;
	}
	return e + 2 * s / 0.69314718055994530942;
}

double sec_entropy(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	uint32_t cnt[256] = { 0 };
	for (size_t i = 0; i < n; i++)
		cnt[s[i]]++;
	double sum = 0;
	for (unsigned i = 0; i < 256; i++)
		if (cnt[i] > 1)
			sum += cnt[i] * log2_u(cnt[i]);
	double h = log2_u(n) - sum / (double)n;
	return h < 0 ? 0 : h;
}

static size_t count_nl(const unsigned char *p, size_t n)
{
	size_t c = 0, i = 0;
#if defined(__SSE2__)
	/* compare results (0 or -1 per byte) are subtracted into byte counters, which are
	 * folded with SAD before they can overflow (255 rounds of 16 bytes) */
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	while (i + 16 <= n) {
		__m128i acc = zero;
		size_t rounds = MIN((n - i) / 16, (size_t)255);
		for (size_t k = 0; k < rounds; k++, i += 16)
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(
							_mm_loadu_si128((const __m128i *)(p + i)), nl));
		__m128i sad = _mm_sad_epu8(acc, zero);
		c += (size_t)_mm_cvtsi128_si64(sad) + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sad, sad));
	}
#endif
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

/* Case-insensitive search of the lower-case needle in s. */
static bool contains_nocase(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	if (m == 0 || m > n)
		return m == 0;
	for (size_t i = 0; i + m <= n; i++) {
		size_t j = 0;
		while (j < m && ascii_tolower((unsigned char)s[i + j]) == needle[j])
			j++;
		if (j == m)
			return true;
	}
	return false;
}

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (ascii_isdigit(c))
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decode base64 or base64url (padding ignored) into out; false on a bad character or overflow. */
static bool b64_decode(const char *s, size_t n, unsigned char *out, size_t cap, size_t *ret_len)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=')
			break;
		int v = b64_val((unsigned char)s[i]);
		if (v < 0)
			return false;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return false;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	*ret_len = o;
	return true;
}

/* ---- generic assignments ------------------------------------------------------------- */

/* PCRE2's \s without UTF: space, \t, \n, \v, \f, \r. */
static inline bool rx_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline bool name_char(unsigned char c)
{
	return ascii_isalnum(c) || c == '_' || c == '.' || c == '-';
}

/* The part of SEC_ASSIGN_TAIL_RE after the operator, anchored at i. */
static bool assign_value(const unsigned char *b, size_t n, size_t i, struct sec_assign *ret)
{
	/* [ \t]{0,4}: more blanks leave one where no alternative can start */
	for (unsigned k = 0; k < 4 && i < n && (b[i] == ' ' || b[i] == '\t'); k++)
		i++;
	if (i >= n)
		return false;
	unsigned char q = b[i];
	if (q == '"' || q == '\'') {
		/* "[^\s"]{6,256}" or '[^\s']{6,256}'; the unquoted form cannot start with
		 * a quote */
		size_t j = i + 1, lim = MIN(n, i + 1 + 257);
		while (j < lim && b[j] != q && !rx_space(b[j]))
			j++;
		size_t len = j - (i + 1);
		if (j >= n || b[j] != q || len < 6 || len > 256)
			return false;
		*ret = (struct sec_assign){ .vs = i + 1, .ve = j, .end = j + 1, .quoted = true };
		return true;
	}
	/* [^\s"'`]{6,256}, greedy: a longer run is cut at 256 */
	size_t j = i, lim = MIN(n, i + 256);
	while (j < lim && !rx_space(b[j]) && b[j] != '"' && b[j] != '\'' && b[j] != '`')
		j++;
	if (j - i < 6)
		return false;
	*ret = (struct sec_assign){ .vs = i, .ve = j, .end = j, .quoted = false };
	return true;
}

/*
 * None of the characters that may follow the name tail ([A-Za-z0-9_.-]{0,30}), the optional
 * quote or the blanks is in the class before it, so no shorter repeat can match where the
 * longest did not: only the operator alternatives (":=" before ":", "=>" before "=") and the
 * value alternatives need trying in order.
 */
bool sec_assign_parse(const unsigned char *b, size_t n, size_t at, struct sec_assign *ret)
{
	size_t i = at;
	for (unsigned t = 0; t < 30 && i < n && name_char(b[i]); t++)
		i++;
	if (i < n && (b[i] == '"' || b[i] == '\''))
		i++;
	for (unsigned k = 0; k < 4 && i < n && (b[i] == ' ' || b[i] == '\t'); k++)
		i++;
	if (i >= n || (b[i] != ':' && b[i] != '='))
		return false;
	unsigned char second = b[i] == ':' ? '=' : '>';
	if (i + 1 < n && b[i + 1] == second && assign_value(b, n, i + 2, ret))
		return true;
	return assign_value(b, n, i + 1, ret);
}

/* ---- regexes ------------------------------------------------------------------------- */

pcre2_code *sec_regex_compile(const char *pattern, bool caseless, int *ret_err, size_t *ret_off)
{
	int err = 0;
	PCRE2_SIZE off = 0;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				       caseless ? PCRE2_CASELESS : 0, &err, &off, NULL);
	if (!re) {
		*ret_err = err;
		*ret_off = off;
		return NULL;
	}
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

bool sec_regex_match(const pcre2_code *re, pcre2_match_context *mctx, pcre2_match_data *md,
		     const char *s, size_t n)
{
	pcre2_match_data *own = NULL;
	if (!md) {
		own = pcre2_match_data_create_from_pattern(re, NULL);
		if (!own)
			return false;
		md = own;
	}
	int rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, mctx);
	pcre2_match_data_free(own);
	return rc >= 0;
}

char *sec_glob_to_regex(const char *glob)
{
	struct buf b;
	buf_init(&b, 16384);
	while (*glob == '/')
		glob++;
	int r = buf_puts(&b, strchr(glob, '/') ? "^" : "^(?:.*/)?");
	for (const char *p = glob; r >= 0 && *p; p++) {
		if (p[0] == '*' && p[1] == '*') {
			if (p[2] == '/') {
				r = buf_puts(&b, "(?:.*/)?");
				p += 2;
			} else {
				r = buf_puts(&b, ".*");
				p++;
			}
		} else if (*p == '*')
			r = buf_puts(&b, "[^/]*");
		else if (*p == '?')
			r = buf_puts(&b, "[^/]");
		else if (ascii_isalnum((unsigned char)*p) || *p == '/' || *p == '_' || *p == '-' ||
			 (unsigned char)*p >= 0x80)
			r = buf_putc(&b, *p);
		else {
			r = buf_putc(&b, '\\');
			if (r >= 0)
				r = buf_putc(&b, *p);
		}
	}
	if (r >= 0)
		r = buf_putc(&b, '$');
	if (r < 0) {
		buf_done(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* ---- the engine ---------------------------------------------------------------------- */

struct sec_cpat {
	const struct sec_pattern *p;
	uint16_t rule;
	pcre2_code *re;
	uint32_t vgroup[3];
	bool vquoted[3]; /* the group is the inside of quotes (generic assignments) */
	unsigned n_vgroup;
	uint32_t g_user, g_host; /* URL rule: 0 = absent */
};

struct sec_rxlist {
	pcre2_code **v;
	struct strv *lits; /* globs: v[i] cannot match without every string of lits[i] */
	size_t n;
};

struct sec_callow {
	uint8_t *rule_mask; /* NULL: any rule */
	struct sec_rxlist paths, values, lines;
};

struct sec_engine {
	hs_database_t *db;
	hs_scratch_t *scratch;
	struct sec_cpat *pats;
	size_t n_pats;
	uint16_t *enabled; /* rule indices */
	size_t n_enabled;
	struct sec_callow *allow;
	size_t n_allow;
	struct sec_rxlist builtin_paths;
	bool builtin_allow;
	uint64_t max_file_bytes, max_per_file, regex_steps;
	uint64_t max_back; /* the longest look-behind of an enabled pattern's regex */
};

static void rxlist_done(struct sec_rxlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		pcre2_code_free(l->v[i]);
	for (size_t i = 0; l->lits && i < l->n; i++)
		strv_done(&l->lits[i]);
	free(l->v);
	free(l->lits);
	*l = (struct sec_rxlist){ 0 };
}

void sec_engine_free(struct sec_engine *e)
{
	if (!e)
		return;
	if (e->scratch)
		hs_free_scratch(e->scratch);
	if (e->db)
		hs_free_database(e->db);
	for (size_t i = 0; i < e->n_pats; i++)
		pcre2_code_free(e->pats[i].re);
	free(e->pats);
	free(e->enabled);
	for (size_t i = 0; i < e->n_allow; i++) {
		free(e->allow[i].rule_mask);
		rxlist_done(&e->allow[i].paths);
		rxlist_done(&e->allow[i].values);
		rxlist_done(&e->allow[i].lines);
	}
	free(e->allow);
	rxlist_done(&e->builtin_paths);
	free(e);
}

size_t sec_engine_rule_count(const struct sec_engine *e)
{
	return e->n_enabled;
}

const struct sec_rule_info *sec_engine_rule(const struct sec_engine *e, size_t i)
{
	return i < e->n_enabled ? &sec_rule_defs[e->enabled[i]].info : NULL;
}

/*
 * The literal runs of a glob (what sec_glob_to_regex() keeps as plain characters): every one
 * occurs in a path the glob matches, so a path missing one needs no regex run. The '/' after
 * "**" is optional and not part of the run that follows.
 */
static int glob_literals(const char *glob, struct strv *out)
{
	while (*glob == '/')
		glob++;
	const char *run = glob;
	for (const char *p = glob;; p++) {
		if (*p && *p != '*' && *p != '?')
			continue;
		if (p > run) {
			_cleanup_free_ char *lit = strndup(run, (size_t)(p - run));
			if (!lit || strv_push(out, lit) < 0)
				return -ENOMEM;
		}
		if (!*p)
			return 0;
		if (p[0] == '*' && p[1] == '*') {
			p++;
			if (p[1] == '/')
				p++;
		}
		run = p + 1;
	}
}

/* Compile a list of patterns (globs when is_glob) into l. */
static int rxlist_compile(struct sec_rxlist *l, const struct strv *src, bool is_glob,
			  struct bh_diag *diag)
{
	if (src->n == 0)
		return 0;
	l->v = calloc(src->n, sizeof(*l->v));
	l->lits = is_glob ? calloc(src->n, sizeof(*l->lits)) : NULL;
	if (!l->v || (is_glob && !l->lits))
		return -ENOMEM;
	for (size_t i = 0; i < src->n; i++) {
		_cleanup_free_ char *g = is_glob ? sec_glob_to_regex(src->v[i]) : NULL;
		if (is_glob && !g)
			return -ENOMEM;
		int err;
		size_t off;
		l->v[i] = sec_regex_compile(is_glob ? g : src->v[i], false, &err, &off);
		if (!l->v[i]) {
			bh_diag_set(diag, NULL, 0, 0, "cannot compile '%s'", src->v[i]);
			return -EBADMSG;
		}
		l->n++;
		if (is_glob && glob_literals(src->v[i], &l->lits[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int compile_builtin_paths(struct sec_engine *e)
{
	struct strv tmp = { 0 };
	int r = 0;
	for (size_t i = 0; i < sec_n_builtin_allow_paths && r >= 0; i++)
		r = strv_push(&tmp, sec_builtin_allow_paths[i]);
	if (r >= 0)
		r = rxlist_compile(&e->builtin_paths, &tmp, true, NULL);
	strv_done(&tmp);
	return r;
}

static int compile_patterns(struct sec_engine *e, const bool *enabled, struct bh_diag *diag)
{
	e->pats = calloc(sec_n_patterns, sizeof(*e->pats));
	if (!e->pats)
		return -ENOMEM;
	_cleanup_free_ const char **exprs = calloc(sec_n_patterns, sizeof(*exprs));
	_cleanup_free_ unsigned *flags = calloc(sec_n_patterns, sizeof(*flags));
	_cleanup_free_ unsigned *ids = calloc(sec_n_patterns, sizeof(*ids));
	if (!exprs || !flags || !ids)
		return -ENOMEM;
	for (size_t i = 0; i < sec_n_patterns; i++) {
		const struct sec_pattern *p = &sec_patterns[i];
		if (!enabled[p->rule])
			continue;
		struct sec_cpat *c = &e->pats[e->n_pats];
		c->p = p;
		c->rule = p->rule;
		int err;
		size_t off;
		c->re = sec_regex_compile(p->re, false, &err, &off);
		if (!c->re) {
			PCRE2_UCHAR msg[160];
			(void)pcre2_get_error_message(err, msg, sizeof(msg));
			bh_diag_set(diag, "built-in rules", 0, 0, "%s: regex: %s at offset %zu",
				    sec_rule_defs[p->rule].info.id, (const char *)msg, off);
			return -EBADMSG;
		}
		static const char *const vnames[] = { "v", "v2", "v3" };
		bool has_unquoted = pcre2_substring_number_from_name(c->re, (PCRE2_SPTR) "v3") > 0;
		for (unsigned k = 0; k < 3; k++) {
			int g = pcre2_substring_number_from_name(c->re, (PCRE2_SPTR)vnames[k]);
			if (g > 0) {
				c->vquoted[c->n_vgroup] = has_unquoted && k < 2;
				c->vgroup[c->n_vgroup++] = (uint32_t)g;
			}
		}
		int g = pcre2_substring_number_from_name(c->re, (PCRE2_SPTR) "user");
		c->g_user = g > 0 ? (uint32_t)g : 0;
		g = pcre2_substring_number_from_name(c->re, (PCRE2_SPTR) "host");
		c->g_host = g > 0 ? (uint32_t)g : 0;
		e->max_back = MAX(e->max_back, (uint64_t)p->back);
		exprs[e->n_pats] = p->hs;
		flags[e->n_pats] = p->hs_flags;
		ids[e->n_pats] = (unsigned)e->n_pats;
		e->n_pats++;
	}
	if (e->n_pats == 0)
		return 0;
	hs_compile_error_t *cerr = NULL;
	if (hs_compile_multi(exprs, flags, ids, (unsigned)e->n_pats, HS_MODE_BLOCK, NULL, &e->db,
			     &cerr) != HS_SUCCESS) {
		const char *id = cerr && cerr->expression >= 0 && (size_t)cerr->expression < e->n_pats
					 ? sec_rule_defs[e->pats[cerr->expression].rule].info.id
					 : "?";
		bh_diag_set(diag, "built-in rules", 0, 0, "%s: vectorscan: %s", id,
			    cerr ? cerr->message : "compile failed");
		hs_free_compile_error(cerr);
		return -EBADMSG;
	}
	if (hs_alloc_scratch(e->db, &e->scratch) != HS_SUCCESS)
		return -ENOMEM;
	return 0;
}

int sec_engine_new(const struct sec_config *cfg, const struct bh_limits *limits,
		   struct sec_engine **ret, struct bh_diag *reterr_diag)
{
	_cleanup_(sec_engine_freep) struct sec_engine *e = calloc(1, sizeof(*e));
	_cleanup_free_ bool *enabled = calloc(sec_n_rule_defs, sizeof(bool));
	if (!e || !enabled)
		return -ENOMEM;
	e->max_file_bytes = limits->secret_max_file_bytes;
	e->max_per_file = limits->secret_max_per_file ? limits->secret_max_per_file : 1;
	e->regex_steps = limits->regex_max_steps ? limits->regex_max_steps : 100000;
	e->builtin_allow = cfg ? cfg->builtin_allow : true;
	for (size_t i = 0; i < sec_n_rule_defs; i++)
		enabled[i] = true;
	if (cfg)
		for (size_t i = 0; i < cfg->disable_rules.n; i++) {
			int k = sec_rule_index(cfg->disable_rules.v[i]);
			if (k < 0) {
				bh_diag_set(reterr_diag, "secret config", 0, 0,
					    "unknown rule '%s' in disable-rules",
					    cfg->disable_rules.v[i]);
				return -EBADMSG;
			}
			enabled[k] = false;
		}
	e->enabled = calloc(sec_n_rule_defs, sizeof(*e->enabled));
	if (!e->enabled)
		return -ENOMEM;
	for (size_t i = 0; i < sec_n_rule_defs; i++)
		if (enabled[i])
			e->enabled[e->n_enabled++] = (uint16_t)i;
	int r = compile_patterns(e, enabled, reterr_diag);
	if (r < 0)
		return r;
	if (e->builtin_allow && (r = compile_builtin_paths(e)) < 0)
		return r;
	if (cfg && cfg->n_allow) {
		e->allow = calloc(cfg->n_allow, sizeof(*e->allow));
		if (!e->allow)
			return -ENOMEM;
		for (size_t i = 0; i < cfg->n_allow; i++) {
			const struct sec_allow *a = &cfg->allow[i];
			struct sec_callow *c = &e->allow[i];
			e->n_allow++;
			if (a->rules.n) {
				c->rule_mask = calloc(sec_n_rule_defs, 1);
				if (!c->rule_mask)
					return -ENOMEM;
				for (size_t k = 0; k < a->rules.n; k++) {
					int ri = sec_rule_index(a->rules.v[k]);
					if (ri < 0) {
						bh_diag_set(reterr_diag, "secret config", 0, 0,
							    "unknown rule '%s' in allow",
							    a->rules.v[k]);
						return -EBADMSG;
					}
					c->rule_mask[ri] = 1;
				}
			}
			r = rxlist_compile(&c->paths, &a->paths, true, reterr_diag);
			if (r >= 0)
				r = rxlist_compile(&c->values, &a->values, false, reterr_diag);
			if (r >= 0)
				r = rxlist_compile(&c->lines, &a->lines, false, reterr_diag);
			if (r < 0)
				return r;
		}
	}
	*ret = TAKE_PTR(e);
	return 0;
}

/* ---- the scanner --------------------------------------------------------------------- */

struct sec_cand {
	uint32_t pat;
	uint16_t rule;
	uint64_t vs, ve; /* absolute value offsets */
	double entropy;
};

struct sec_scanner {
	const struct sec_engine *e;
	hs_scratch_t *scratch;
	pcre2_match_context *mctx;
	pcre2_match_data *md;
	struct sec_stats st;

	/* the current file */
	char *path, *layer;
	bool active, stop, checked_magic, is_text, is_dockercfg;
	bool accepted, skipped; /* file_begin said 1; skipped later (binary, size) */
	bool is_code, is_doc;	/* by name: generic assignments need quotes / are examples */
	unsigned char *buf;
	size_t len;
	uint64_t base, scanned, total;
	uint64_t nl_pos, nl_count, last_nl, base_last_nl;
	uint64_t *pat_last_end;
	uint64_t last_emit_end;
	struct sec_cand *cands;
	size_t n_cands, cap_cands;
	uint64_t n_reported;
	uint64_t block_abs; /* absolute offset of the block given to hs_scan */
	struct bh_findings found;
	int err;
};

void sec_scanner_free(struct sec_scanner *s)
{
	if (!s)
		return;
	if (s->scratch)
		hs_free_scratch(s->scratch);
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mctx);
	free(s->path);
	free(s->layer);
	if (s->buf)
		explicit_bzero(s->buf, SEC_BUF_CAP);
	free(s->buf);
	free(s->pat_last_end);
	free(s->cands);
	bh_findings_done(&s->found);
	free(s);
}

int sec_scanner_new(const struct sec_engine *e, struct sec_scanner **ret)
{
	_cleanup_(sec_scanner_freep) struct sec_scanner *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->e = e;
	if (e->scratch && hs_clone_scratch(e->scratch, &s->scratch) != HS_SUCCESS)
		return -ENOMEM;
	s->mctx = pcre2_match_context_create(NULL);
	s->md = pcre2_match_data_create(32, NULL);
	s->buf = malloc(SEC_BUF_CAP);
	s->pat_last_end = calloc(e->n_pats ? e->n_pats : 1, sizeof(*s->pat_last_end));
	if (!s->mctx || !s->md || !s->buf || !s->pat_last_end)
		return -ENOMEM;
	(void)pcre2_set_match_limit(s->mctx, (uint32_t)MIN(e->regex_steps, UINT32_MAX));
	(void)pcre2_set_depth_limit(s->mctx, 10000);
	*ret = TAKE_PTR(s);
	return 0;
}

void sec_scanner_stats(const struct sec_scanner *s, struct sec_stats *acc)
{
	acc->files_scanned += s->st.files_scanned;
	acc->bytes_scanned += s->st.bytes_scanned;
	acc->skipped_allowlist += s->st.skipped_allowlist;
	acc->skipped_size += s->st.skipped_size;
	acc->skipped_binary += s->st.skipped_binary;
	acc->suppressed += s->st.suppressed;
	acc->over_cap += s->st.over_cap;
}

static bool rx_any(const struct sec_scanner *s, const struct sec_rxlist *l, const char *p,
		   size_t n)
{
	for (size_t i = 0; i < l->n; i++) {
		bool maybe = true;
		for (size_t k = 0; l->lits && maybe && k < l->lits[i].n; k++)
			maybe = memmem(p, n, l->lits[i].v[k], strlen(l->lits[i].v[k])) != NULL;
		if (maybe && sec_regex_match(l->v[i], s->mctx, s->md, p, n))
			return true;
	}
	return false;
}

static bool ends_with_nocase(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);
	return n >= m && strncasecmp(s + n - m, suffix, m) == 0;
}

/* Skipped by name: formats that are binary or compressed. */
static bool binary_by_name(const char *path)
{
	static const char *const exts[] = {
		".png",	 ".jpg",  ".jpeg", ".gif",   ".bmp",   ".ico",	".webp", ".tif",  ".tiff",
		".gz",	 ".tgz",  ".bz2",  ".xz",    ".zst",   ".lz4",	".lzma", ".zip",  ".jar",
		".war",	 ".ear",  ".whl",  ".egg",   ".7z",    ".rar",	".so",	 ".a",	  ".o",
		".ko",	 ".dll",  ".exe",  ".dylib", ".pyc",   ".pyo",	".class", ".woff", ".woff2",
		".ttf",	 ".otf",  ".eot",  ".mp3",   ".mp4",   ".ogg",	".wav",	 ".avi",  ".mov",
		".pdf",	 ".deb",  ".rpm",  ".iso",   ".sqlite", ".db",	".mo",	 ".wasm", ".node",
		".gpg",	 ".pack", ".idx",  ".cache", ".bin",   ".dat",
	};
	const char *slash = strrchr(path, '/');
	const char *b = slash ? slash + 1 : path;
	size_t n = strlen(b);
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
		if (ends_with_nocase(b, n, exts[i]))
			return true;
	/* versioned shared objects: libfoo.so.1.2.3 */
	const char *so = strstr(b, ".so.");
	if (so) {
		const char *p = so + 4;
		while (*p && (ascii_isdigit((unsigned char)*p) || *p == '.'))
			p++;
		if (!*p)
			return true;
	}
	return false;
}

static bool binary_by_magic(const unsigned char *p, size_t n)
{
	static const struct {
		const char *m;
		size_t n;
	} magics[] = {
		{ "\x7f"
		  "ELF",
		  4 },
		{ "\x89PNG", 4 },
		{ "\xff\xd8\xff", 3 },
		{ "GIF8", 4 },
		{ "PK\x03\x04", 4 },
		{ "PK\x05\x06", 4 },
		{ "\x1f\x8b", 2 },
		{ "BZh", 3 },
		{ "\xfd"
		  "7zXZ",
		  5 },
		{ "\x28\xb5\x2f\xfd", 4 },
		{ "7z\xbc\xaf\x27\x1c", 6 },
		{ "\xca\xfe\xba\xbe", 4 },
		{ "\xcf\xfa\xed\xfe", 4 },
		{ "\xce\xfa\xed\xfe", 4 },
		{ "SQLite format 3", 15 },
		{ "%PDF-", 5 },
		{ "RIFF", 4 },
		{ "OggS", 4 },
		{ "ID3", 3 },
		{ "!<arch>\n", 8 },
		{ "\x04\x22\x4d\x18", 4 },
		{ "LZIP", 4 },
		{ "wOFF", 4 },
		{ "wOF2", 4 },
		{ "\x0d\x0d\x0a", 3 }, /* .pyc of some versions */
	};
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++)
		if (n >= magics[i].n && memcmp(p, magics[i].m, magics[i].n) == 0)
			return true;
	return memchr(p, 0, MIN(n, (size_t)SEC_BINARY_PROBE)) != NULL;
}

static void file_reset(struct sec_scanner *s)
{
	free(s->path);
	free(s->layer);
	s->path = s->layer = NULL;
	s->active = s->stop = s->checked_magic = s->is_text = s->is_dockercfg = false;
	s->accepted = s->skipped = s->is_code = s->is_doc = false;
	s->len = 0;
	s->base = s->scanned = s->total = 0;
	s->nl_pos = s->nl_count = 0;
	s->last_nl = s->base_last_nl = NONE_POS;
	memset(s->pat_last_end, 0, (s->e->n_pats ? s->e->n_pats : 1) * sizeof(*s->pat_last_end));
	s->last_emit_end = 0;
	s->n_cands = 0;
	s->n_reported = 0;
	s->err = 0;
}

static int file_start(struct sec_scanner *s, const char *path, const char *layer)
{
	file_reset(s);
	s->path = strdup(path ? path : "");
	if (!s->path || strdup_opt(layer, &s->layer) < 0)
		return -ENOMEM;
	size_t n = strlen(s->path);
	s->is_dockercfg = ends_with_nocase(s->path, n, ".dockercfg");
	static const char *const code_exts[] = { ".js",	 ".mjs", ".cjs", ".ts",	  ".tsx", ".jsx",
						 ".map", ".py",	 ".rb",	 ".go",	  ".java", ".c",
						 ".h",	 ".cc",	 ".cpp", ".hpp",  ".cs",  ".php",
						 ".rs",	 ".kt",	 ".swift", ".scala", ".pl", ".pm",
						 ".lua", ".vue", ".svelte", ".dart", ".ex", ".exs" };
	static const char *const doc_exts[] = { ".md", ".markdown", ".rst", ".adoc", ".html",
						".htm", ".txt.gz", ".1", ".3", ".5", ".8" };
	for (size_t i = 0; i < ARRAY_SIZE(code_exts) && !s->is_code; i++)
		s->is_code = ends_with_nocase(s->path, n, code_exts[i]);
	for (size_t i = 0; i < ARRAY_SIZE(doc_exts) && !s->is_doc; i++)
		s->is_doc = ends_with_nocase(s->path, n, doc_exts[i]);
	s->active = s->e->n_pats > 0;
	return 0;
}

int sec_file_begin(struct sec_scanner *s, const char *path, const char *layer_digest,
		   uint64_t size)
{
	int r = file_start(s, path, layer_digest);
	if (r < 0)
		return r;
	if (!s->active)
		return 0;
	const struct sec_engine *e = s->e;
	size_t n = strlen(s->path);
	bool allowed = rx_any(s, &e->builtin_paths, s->path, n);
	for (size_t i = 0; i < e->n_allow && !allowed; i++) {
		const struct sec_callow *a = &e->allow[i];
		if (!a->rule_mask && !a->values.n && !a->lines.n && a->paths.n)
			allowed = rx_any(s, &a->paths, s->path, n);
	}
	if (allowed) {
		s->st.skipped_allowlist++;
		s->active = false;
		return 0;
	}
	if (binary_by_name(s->path)) {
		s->st.skipped_binary++;
		s->active = false;
		return 0;
	}
	if (e->max_file_bytes && size > e->max_file_bytes) {
		s->st.skipped_size++;
		s->active = false;
		return 0;
	}
	s->accepted = true;
	return 1;
}

/* Count lines up to absolute offset to (which must be in the buffer, >= nl_pos). */
static void lines_advance(struct sec_scanner *s, uint64_t to)
{
	if (to <= s->nl_pos)
		return;
	const unsigned char *p = s->buf + (s->nl_pos - s->base);
	size_t n = (size_t)(to - s->nl_pos);
	size_t c = count_nl(p, n);
	if (c) {
		const unsigned char *q = memrchr(p, '\n', n);
		s->last_nl = s->nl_pos + (uint64_t)(q - p);
		s->nl_count += c;
	}
	s->nl_pos = to;
}

static void line_col(struct sec_scanner *s, uint64_t x, uint32_t *ret_line, uint32_t *ret_col)
{
	uint64_t lines, lastnl;
	if (x >= s->nl_pos) {
		lines_advance(s, x);
		lines = s->nl_count;
		lastnl = s->last_nl;
	} else {
		const unsigned char *p = s->buf + (x - s->base);
		lines = s->nl_count - count_nl(p, (size_t)(s->nl_pos - x));
		const unsigned char *q = memrchr(s->buf, '\n', (size_t)(x - s->base));
		lastnl = q ? s->base + (uint64_t)(q - s->buf) : s->base_last_nl;
	}
	uint64_t col = lastnl == NONE_POS ? x + 1 : x - lastnl;
	*ret_line = (uint32_t)MIN(lines + 1, (uint64_t)UINT32_MAX);
	*ret_col = (uint32_t)MIN(col, (uint64_t)UINT32_MAX);
}

/* ---- confirmation checks ------------------------------------------------------------- */

static bool has_run(const char *v, size_t n, size_t run)
{
	size_t k = 1;
	for (size_t i = 1; i < n; i++) {
		k = v[i] == v[i - 1] ? k + 1 : 1;
		if (k >= run)
			return true;
	}
	return false;
}

/* Placeholder words and templating syntax that mark a value as not a real secret. */
static bool is_placeholder(const char *v, size_t n)
{
	static const char *const words[] = {
		"example", "changeme", "change_me", "change-me", "placeholder", "your_", "your-",
		"yourpass", "yoursecret", "yourtoken", "xxxx", "****", "....", "dummy", "sample",
		"redacted", "replace", "insert", "fixme", "todo", "foobar", "password", "passw0rd",
		"p@ssw0rd", "secret", "test", "fake", "mock", "default", "getenv", "environ",
		"process.env", "env[", "env(", "${", "{{", "#{", "$(", "%(", "%s", "<", ">",
		"abcdef", "123456", "qwerty", "letmein", "admin", "token", "dev",
	};
	char low[512];
	uint64_t seen[4] = { 0 }; /* the bytes of low: a word with another byte is not in it */
	if (n > sizeof(low))
		n = sizeof(low);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)ascii_tolower((unsigned char)v[i]);
		low[i] = (char)c;
		seen[c >> 6] |= (uint64_t)1 << (c & 63);
	}
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		const unsigned char *w = (const unsigned char *)words[i];
		size_t k = 0;
		while (w[k] && (seen[w[k] >> 6] >> (w[k] & 63) & 1))
			k++;
		if (!w[k] && memmem(low, n, w, k))
			return true;
	}
	return has_run(v, n, 5);
}

static bool is_dotted_identifier(const char *v, size_t n)
{
	bool need_start = true;
	size_t dots = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '.' || (c == ':' && i + 1 < n && v[i + 1] == ':')) {
			if (need_start)
				return false;
			if (c == ':')
				i++;
			dots++;
			need_start = true;
		} else if (ascii_isalpha(c) || c == '_' || c == '$') {
			need_start = false;
		} else if (ascii_isdigit(c)) {
			if (need_start)
				return false;
		} else
			return false;
	}
	return dots > 0 && !need_start;
}

/*
 * Character classes of the generic assignment gates: trailing punctuation dropped from an
 * unquoted value, code punctuation counted, expression characters that reject an unquoted
 * value. NUL is in all three (a value holding one is not text).
 */
enum { ACC_TRAIL = 1, ACC_CODE = 2, ACC_EXPR = 4 };
static const uint8_t assign_cc[256] = {
	[0] = ACC_TRAIL | ACC_CODE | ACC_EXPR,
	[';'] = ACC_TRAIL | ACC_CODE,
	[','] = ACC_TRAIL | ACC_CODE,
	[')'] = ACC_TRAIL | ACC_CODE | ACC_EXPR,
	[']'] = ACC_TRAIL | ACC_CODE | ACC_EXPR,
	['}'] = ACC_TRAIL | ACC_CODE | ACC_EXPR,
	['\\'] = ACC_TRAIL,
	['('] = ACC_CODE | ACC_EXPR,
	['['] = ACC_CODE | ACC_EXPR,
	['{'] = ACC_CODE | ACC_EXPR,
	['<'] = ACC_EXPR,
	['>'] = ACC_EXPR,
	['|'] = ACC_EXPR,
};

/* The generic assignment gates. *n may shrink (trailing punctuation of unquoted values). */
static bool assign_ok(const char *v, size_t *np, bool quoted)
{
	const unsigned char *u = (const unsigned char *)v;
	size_t n = *np;
	if (!quoted)
		while (n > 0 && (assign_cc[u[n - 1]] & ACC_TRAIL))
			n--;
	*np = n;
	if (n < 8)
		return false;
	/* starts like an expression, a reference or a template, not a literal */
	if (!(ascii_isalnum(u[0]) || v[0] == '_' || v[0] == '-') || v[n - 1] == ':')
		return false;
	size_t code_chars = 0;
	bool digit = false, alpha = false, symbol = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		uint8_t cc = assign_cc[c];
		if (!quoted && (cc & ACC_EXPR))
			return false;
		code_chars += (cc & ACC_CODE) != 0;
		if (ascii_isdigit(c))
			digit = true;
		else if (ascii_isalpha(c))
			alpha = true;
		else if (c != '_' && c != '-' && c != '.')
			symbol = true;
	}
	if (code_chars >= 3 || memmem(v, n, "].", 2))
		return false;
	/* dates and times: 2016-09-08T21:47:36Z */
	if (n >= 10 && ascii_isdigit(u[0]) && ascii_isdigit(u[3]) && v[4] == '-' &&
	    ascii_isdigit(u[5]) && v[7] == '-')
		return false;
	if (!alpha || (!digit && !symbol))
		return false;
	if (memmem(v, n, "://", 3) || is_dotted_identifier(v, n) || is_placeholder(v, n))
		return false;
	/* a file name, not a secret: token.json, server.key */
	static const char *const file_exts[] = { ".json", ".pem", ".key", ".txt", ".yaml", ".yml",
						 ".crt",  ".cert", ".p12", ".pfx", ".env", ".conf",
						 ".cfg",  ".ini",  ".js",  ".ts",  ".py",  ".rb",
						 ".go",   ".java", ".html", ".php", ".sh" };
	for (size_t i = 0; i < ARRAY_SIZE(file_exts); i++)
		if (ends_with_nocase(v, n, file_exts[i]))
			return false;
	return true;
}

/* After the BEGIN line at abs offset vs (header ends at he): find its END line and check the
 * body. Sets *ret_end to the end of the END line. */
static bool pem_ok(const struct sec_scanner *s, uint64_t vs, uint64_t he, uint64_t limit,
		   uint64_t *ret_end)
{
	const char *hdr = (const char *)s->buf + (vs - s->base);
	/* label: between "-----BEGIN " and the closing "-----" */
	size_t hl = (size_t)(he - vs);
	if (hl < 16)
		return false;
	struct span label = span_make(hdr + 11, hl - 16);
	char endline[80];
	if (label.len > 40 ||
	    xsnprintf(endline, sizeof(endline), "-----END " SPAN_FMT "-----", SPAN_ARG(label)) < 0)
		return false;
	const char *body = (const char *)s->buf + (he - s->base);
	size_t avail = (size_t)(limit - he);
	const char *end = memmem(body, avail, endline, strlen(endline));
	if (!end)
		return false;
	size_t run = 0, best = 0, total = 0;
	for (const char *p = body; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (ascii_isalnum(c) || c == '+' || c == '/') {
			total++;
			if (++run > best)
				best = run;
		} else if (c == '\\' && p + 1 < end && (p[1] == 'n' || p[1] == 'r')) {
			p++;
			run = 0;
		} else
			run = 0;
	}
	/* a real key body is long (a P-256 EC key is ~160 base64 characters); documentation
	 * shows truncated ones ("MIIEpQIBAAKCAQEAuyf/...") */
	if (best < 48 || total < 128)
		return false;
	*ret_end = he + (uint64_t)(end - body) + strlen(endline);
	return true;
}

static bool jwt_check(const char *v, size_t n, bool *ret_k8s)
{
	const char *d1 = memchr(v, '.', n);
	if (!d1)
		return false;
	const char *d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - v));
	if (!d2)
		return false;
	unsigned char hdr[1024];
	size_t hn;
	if (!b64_decode(v, (size_t)(d1 - v), hdr, sizeof(hdr), &hn) ||
	    !memmem(hdr, hn, "\"alg\"", 5))
		return false;
	_cleanup_free_ unsigned char *pl = malloc(8192);
	size_t pn;
	if (!pl)
		return false;
	if (!b64_decode(d1 + 1, (size_t)(d2 - d1 - 1), pl, 8192, &pn))
		return false;
	*ret_k8s = memmem(pl, pn, "kubernetes.io/serviceaccount", 28) ||
		   memmem(pl, pn, "\"kubernetes/serviceaccount\"", 27);
	return true;
}

static bool docker_auth_ok(const char *v, size_t n)
{
	unsigned char dec[3100];
	size_t dn;
	if (!b64_decode(v, n, dec, sizeof(dec), &dn) || dn < 3)
		return false;
	bool colon = false;
	for (size_t i = 0; i < dn; i++) {
		if (dec[i] < 0x20 || dec[i] == 0x7f)
			return false;
		colon |= dec[i] == ':';
	}
	if (!colon || dec[0] == ':' || dec[dn - 1] == ':')
		return false;
	const char *pw = memchr(dec, ':', dn);
	pw++;
	return !is_placeholder(pw, dn - (size_t)(pw - (const char *)dec)) ||
	       dn - (size_t)(pw - (const char *)dec) >= 20;
}

static bool url_ok(const char *user, size_t un, const char *pw, size_t pn, const char *host,
		   size_t hn)
{
	if (pn < 3 || strchr("$%{<[*(", pw[0]))
		return false;
	if (is_placeholder(pw, pn) || (un == pn && memcmp(user, pw, un) == 0))
		return false;
	static const char *const fake_pw[] = { "pass", "pwd", "pw", "passwd", "user", "username",
					       "xxx", "abc", "foo", "bar", "baz", "null", "none",
					       "nil", "guest", "root", "admin", "login", "***" };
	for (size_t i = 0; i < ARRAY_SIZE(fake_pw); i++)
		if (pn == strlen(fake_pw[i]) && strncasecmp(pw, fake_pw[i], pn) == 0)
			return false;
	if (has_run(pw, pn, 3) && pn <= 4)
		return false;
	if (contains_nocase(host, hn, "example") ||
	    (hn <= 8 && (strncasecmp(host, "host", hn) == 0 ||
			 strncasecmp(host, "hostname", hn) == 0 || strncasecmp(host, "server", hn) == 0 ||
			 strncasecmp(host, "domain", hn) == 0)))
		return false;
	return true;
}

/* Does the line holding abs offset x start with a comment marker (slashes, hash, star)? */
static bool in_comment(const struct sec_scanner *s, uint64_t x)
{
	const char *b = (const char *)s->buf;
	size_t i = (size_t)(x - s->base), lo = i > 1024 ? i - 1024 : 0;
	while (i > lo && b[i - 1] != '\n')
		i--;
	while (i < s->len && (b[i] == ' ' || b[i] == '\t'))
		i++;
	return i < s->len && (b[i] == '#' || b[i] == '*' || (b[i] == '/' && i + 1 < s->len &&
								(b[i + 1] == '/' || b[i + 1] == '*')));
}

/* ctx (lower case) within span bytes before ms or a little after me. */
static bool context_near(const struct sec_scanner *s, const char *ctx, uint16_t span, uint64_t ms,
			 uint64_t me, uint64_t limit)
{
	uint64_t from = ms > s->base + span ? ms - span : s->base;
	uint64_t to = MIN(limit, me + span / 4);
	return contains_nocase((const char *)s->buf + (from - s->base), (size_t)(to - from), ctx);
}

static int cand_add(struct sec_scanner *s, const struct sec_cand *c)
{
	if (s->n_cands >= SEC_MAX_CANDS) {
		s->st.over_cap++;
		return 0;
	}
	if (GROW(s->cands, s->n_cands, s->cap_cands) < 0)
		return -ENOMEM;
	s->cands[s->n_cands++] = *c;
	return 0;
}

/* Confirm the prefilter hit of pattern pi ending at absolute offset hit. */
static int confirm(struct sec_scanner *s, unsigned pi, uint64_t hit, uint64_t limit)
{
	const struct sec_cpat *cp = &s->e->pats[pi];
	const struct sec_pattern *p = cp->p;
	/* in documentation, assignments are examples */
	if (p->check == SEC_CHK_ASSIGN && s->is_doc)
		return 0;
	const char *subj = (const char *)s->buf;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
	uint64_t we = MIN(limit, hit + p->fwd); /* the end of the regex window */
	uint64_t ms, me;
	size_t vo, vend;
	bool quoted = false;
	if (p->parse == SEC_PARSE_ASSIGN) {
		struct sec_assign a;
		size_t n = (size_t)(limit - s->base), at = (size_t)(hit - s->base);
		if (!sec_assign_parse(s->buf, n, at, &a))
			return 0;
		/* key words inside this match (in a longer name, in the value) are part of it,
		 * whether or not it passes the gates below */
		s->pat_last_end[pi] = s->base + a.end;
		ms = hit;
		me = s->base + a.end;
		vo = a.vs;
		vend = a.ve;
		quoted = a.quoted;
	} else {
		uint64_t ws = hit > s->base + p->back ? hit - p->back : s->base;
		size_t subj_len = (size_t)(we - s->base);
		size_t off = (size_t)(ws - s->base);
		bool found = false;
		for (unsigned tries = 0; tries < 64 && off <= subj_len; tries++) {
			int rc = pcre2_match(cp->re, (PCRE2_SPTR)subj, subj_len, off, 0, s->md,
					     s->mctx);
			if (rc < 0)
				break;
			if (s->base + ov[0] >= hit)
				break;
			if (s->base + ov[1] >= hit) {
				found = true;
				break;
			}
			off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		}
		if (!found)
			return 0;
		ms = s->base + ov[0];
		me = s->base + ov[1];
		vo = ov[0];
		vend = ov[1];
		for (unsigned k = 0; k < cp->n_vgroup; k++) {
			uint32_t g = cp->vgroup[k];
			if (ov[2 * g] != PCRE2_UNSET) {
				vo = ov[2 * g];
				vend = ov[2 * g + 1];
				quoted = cp->vquoted[k];
				break;
			}
		}
	}
	const char *v = subj + vo;
	size_t vn = vend - vo;
	struct sec_cand c = { .pat = pi, .rule = cp->rule, .vs = s->base + vo };
	switch ((enum sec_check)p->check) {
	case SEC_CHK_ASSIGN:
		/* in source code an unquoted right-hand side is an expression, not a literal */
		if ((s->is_code && (!quoted || in_comment(s, s->base + vo))) ||
		    !assign_ok(v, &vn, quoted))
			return 0;
		break;
	case SEC_CHK_PEM: {
		uint64_t end;
		if (!pem_ok(s, s->base + vo, s->base + vend, we, &end))
			return 0;
		vn = (size_t)(end - (s->base + vo));
		me = end;
		break;
	}
	case SEC_CHK_JWT: {
		bool k8s = false;
		if (!jwt_check(v, vn, &k8s))
			return 0;
		if (k8s) {
			int ri = sec_rule_index("BH-SECRET-060");
			bool on = false;
			for (size_t i = 0; i < s->e->n_enabled && ri >= 0; i++)
				on |= s->e->enabled[i] == ri;
			if (on)
				c.rule = (uint16_t)ri;
		}
		break;
	}
	case SEC_CHK_DOCKER_AUTH:
		if (!s->is_dockercfg && !context_near(s, p->ctx, p->ctx_span, ms, me, we))
			return 0;
		if (!docker_auth_ok(v, vn))
			return 0;
		break;
	case SEC_CHK_URL: {
		uint32_t gu = cp->g_user, gh = cp->g_host;
		if (!gu || !gh || ov[2 * gu] == PCRE2_UNSET || ov[2 * gh] == PCRE2_UNSET)
			return 0;
		if (!url_ok(subj + ov[2 * gu], ov[2 * gu + 1] - ov[2 * gu], v, vn, subj + ov[2 * gh],
			    ov[2 * gh + 1] - ov[2 * gh]))
			return 0;
		break;
	}
	case SEC_CHK_CONTEXT:
		if (!context_near(s, p->ctx, p->ctx_span, ms, me, we))
			return 0;
		break;
	case SEC_CHK_NONE:
	case _SEC_CHK_MAX:
		break;
	}
	if (vn <= 256 && has_run(v, vn, 8) && p->check != SEC_CHK_PEM)
		return 0;
	c.ve = c.vs + vn;
	c.entropy = sec_entropy((const unsigned char *)v, vn);
	if (p->min_entropy10 && c.entropy * 10 < p->min_entropy10)
		return 0;
	s->pat_last_end[pi] = me;
	return cand_add(s, &c);
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *ctx)
{
	(void)from;
	(void)flags;
	struct sec_scanner *s = ctx;
	uint64_t hit = s->block_abs + to;
	if (hit <= s->scanned || hit <= s->pat_last_end[id])
		return 0;
	int r = confirm(s, id, hit, s->base + s->len);
	if (r < 0) {
		s->err = r;
		return 1;
	}
	return 0;
}

/* ---- findings ------------------------------------------------------------------------ */

static bool is_builtin_example(const char *v, size_t n)
{
	if (memmem(v, n, "EXAMPLE", 7))
		return true;
	for (size_t i = 0; i < sec_n_builtin_example_values; i++) {
		const char *x = sec_builtin_example_values[i];
		if (strlen(x) == n && memcmp(x, v, n) == 0)
			return true;
	}
	return false;
}

/* The line around [vs, ve), clipped to the buffer and 1 KiB either side. */
static struct span line_around(const struct sec_scanner *s, uint64_t vs, uint64_t ve)
{
	const char *b = (const char *)s->buf;
	size_t lo = (size_t)(vs - s->base), hi = (size_t)(ve - s->base);
	size_t min_lo = lo > 1024 ? lo - 1024 : 0, max_hi = MIN(s->len, hi + 1024);
	while (lo > min_lo && b[lo - 1] != '\n')
		lo--;
	while (hi < max_hi && b[hi] != '\n')
		hi++;
	return span_make(b + lo, hi - lo);
}

static bool allowed_by_config(struct sec_scanner *s, const struct sec_cand *c, const char *v,
			      size_t n)
{
	const struct sec_engine *e = s->e;
	struct span line = { 0 };
	bool have_line = false;
	for (size_t i = 0; i < e->n_allow; i++) {
		const struct sec_callow *a = &e->allow[i];
		if (a->rule_mask && !a->rule_mask[c->rule])
			continue;
		if (a->paths.n && !rx_any(s, &a->paths, s->path, strlen(s->path)))
			continue;
		if (a->values.n && !rx_any(s, &a->values, v, n))
			continue;
		if (a->lines.n) {
			if (!have_line) {
				line = line_around(s, c->vs, c->ve);
				have_line = true;
			}
			if (!rx_any(s, &a->lines, line.ptr, line.len))
				continue;
		}
		return true;
	}
	return false;
}

static size_t redact_prefix_len(const struct sec_pattern *p, const char *v, size_t n)
{
	size_t k;
	if (p->prefix_len == PFX_HEADER) {
		const char *d = n > 10 ? memmem(v + 10, n - 10, "-----", 5) : NULL;
		k = d ? (size_t)(d - v) + 5 : 0;
	} else if (p->prefix_len == PFX_URL) {
		const char *sch = memmem(v, n, "://", 3);
		const char *sl = sch ? memchr(sch + 3, '/', n - (size_t)(sch + 3 - v)) : NULL;
		k = sl ? (size_t)(sl - v) + 1 : 0;
	} else if (p->prefix_len)
		k = p->prefix_len;
	else
		k = n >= 20 ? 4 : n / 5;
	return MIN(k, n / 2);
}

static int emit(struct sec_scanner *s, const struct sec_cand *c)
{
	const struct sec_engine *e = s->e;
	const struct sec_pattern *p = e->pats[c->pat].p;
	const struct sec_rule_info *ri = &sec_rule_defs[c->rule].info;
	const char *v = (const char *)s->buf + (c->vs - s->base);
	size_t n = (size_t)(c->ve - c->vs);

	if ((e->builtin_allow && is_builtin_example(v, n)) || allowed_by_config(s, c, v, n)) {
		s->st.suppressed++;
		s->found.suppressed++;
		return 0;
	}
	if (s->n_reported >= e->max_per_file) {
		s->st.over_cap++;
		s->stop = true;
		return 0;
	}
	uint32_t line, col;
	line_col(s, c->vs, &line, &col);

	char digest[BH_DIGEST_STR_LEN + 1];
	int r = bh_sha256_str(v, n, digest);
	if (r < 0)
		return r;
	digest[7 + 16] = '\0';
	size_t pl = redact_prefix_len(p, v, n);
	_cleanup_buf_ struct buf red, msg;
	buf_init(&red, 4096);
	buf_init(&msg, 8192);
	r = buf_append(&red, v, pl);
	if (r >= 0)
		r = buf_puts(&red, "\xe2\x80\xa6");
	if (r >= 0)
		r = buf_printf(&msg, "%s %s(%s, %zu bytes) in %s%s", ri->title, buf_str(&red), digest,
			       n, s->is_text || s->path[0] == '/' ? "" : "/", s->path);
	if (r >= 0 && !s->is_text)
		r = buf_printf(&msg, " line %u", line);
	if (r < 0)
		return r == -E2BIG ? 0 : r;

	struct bh_finding f = { .kind = "secret", .severity = ri->severity, .line = line,
				.column = col };
	json_t *ev = json_object();
	if (!ev)
		return -ENOMEM;
	f.evidence = ev;
	r = 0;
	if (json_object_set_new(ev, "redacted", json_string(buf_str(&red))) < 0 ||
	    json_object_set_new(ev, "sha256", json_string(digest)) < 0 ||
	    json_object_set_new(ev, "length", json_integer((json_int_t)n)) < 0 ||
	    json_object_set_new(ev, "entropy",
				json_real((double)(int64_t)(c->entropy * 100 + 0.5) / 100)) < 0 ||
	    json_object_set_new(ev, "category", json_string(ri->category)) < 0)
		r = -ENOMEM;
	f.rule_id = strdup(ri->id);
	f.rule_title = strdup(ri->title);
	/* Files in the image are named from its root, as package locations are. */
	if (s->is_text || s->path[0] == '/')
		f.path = strdup(s->path);
	else if (asprintf(&f.path, "/%s", s->path) < 0)
		f.path = NULL;
	f.remediation = strdup(sec_remediation);
	f.message = buf_take(&msg);
	if (r < 0 || !f.rule_id || !f.rule_title || !f.path || !f.remediation || !f.message ||
	    strdup_opt(s->layer, &f.layer) < 0 ||
	    strv_push(&f.compliance, "NIST-800-190:4.1.4") < 0) {
		bh_finding_done(&f);
		return -ENOMEM;
	}
	r = bh_findings_add_take(&s->found, &f);
	if (r < 0)
		return r;
	s->n_reported++;
	return 0;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct sec_cand *x = a, *y = b;
	if (x->vs != y->vs)
		return x->vs < y->vs ? -1 : 1;
	if (x->ve != y->ve)
		return x->ve > y->ve ? -1 : 1;
	return (int)x->pat - (int)y->pat;
}

/*
 * Resolve the window's candidates (overlaps: higher priority, then the earlier) and emit.
 * Unless eof, a candidate that ends within max_back bytes of the scan limit may overlap one
 * the next window finds (whose hit is past the limit): it is held for the next flush, with
 * every candidate after it and every one overlapping those, when their bytes stay in the
 * buffer (the look-behind), so that a specific rule still beats a generic one across the limit.
 */
static int flush_cands(struct sec_scanner *s, bool eof)
{
	if (s->n_cands == 0)
		return 0;
	size_t held = 0;
	if (!eof) {
		uint64_t hold_end = s->scanned - MIN(s->scanned, s->e->max_back);
		uint64_t keep = s->scanned - MIN(s->scanned, (uint64_t)SEC_BACK_MAX);
		uint64_t from = NONE_POS;
		for (size_t i = 0; i < s->n_cands; i++)
			if (s->cands[i].ve > hold_end && s->cands[i].vs >= keep)
				from = MIN(from, s->cands[i].vs);
		for (bool grew = from != NONE_POS; grew;) {
			grew = false;
			for (size_t i = 0; i < s->n_cands; i++) {
				const struct sec_cand *c = &s->cands[i];
				if (c->vs >= keep && c->vs < from && c->ve > from) {
					from = c->vs;
					grew = true;
				}
			}
		}
		for (size_t i = 0; from != NONE_POS && i < s->n_cands; i++)
			if (s->cands[i].vs >= from) {
				struct sec_cand t = s->cands[held];
				s->cands[held++] = s->cands[i];
				s->cands[i] = t;
			}
	}
	struct sec_cand *v = s->cands + held;
	size_t n = s->n_cands - held;
	qsort(v, n, sizeof(*v), cand_cmp);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct sec_cand *c = &v[i];
		if (c->vs < s->last_emit_end)
			continue;
		if (k > 0 && c->vs < v[k - 1].ve) {
			if (sec_rule_defs[c->rule].priority > sec_rule_defs[v[k - 1].rule].priority)
				v[k - 1] = *c;
			continue;
		}
		v[k++] = *c;
	}
	int r = 0;
	for (size_t i = 0; i < k && r >= 0; i++) {
		r = emit(s, &v[i]);
		s->last_emit_end = MAX(s->last_emit_end, v[i].ve);
	}
	s->n_cands = held;
	return r;
}

/* Scan what the buffer holds up to its end (eof) or up to the look-ahead reserve. */
static int process(struct sec_scanner *s, bool eof)
{
	if (!s->checked_magic) {
		s->checked_magic = true;
		if (!s->is_text && binary_by_magic(s->buf, s->len)) {
			s->st.skipped_binary++;
			s->active = false;
			s->skipped = s->stop = true;
			return 0;
		}
	}
	uint64_t end = s->base + s->len;
	uint64_t limit = eof ? end : end - SEC_FWD_MAX;
	if (limit > s->scanned) {
		uint64_t bs = s->scanned > s->base + SEC_HS_MAX_LEN ? s->scanned - SEC_HS_MAX_LEN
								     : s->base;
		s->block_abs = bs;
		hs_error_t he = hs_scan(s->e->db, (const char *)s->buf + (bs - s->base),
					(unsigned)(limit - bs), 0, s->scratch, on_match, s);
		if (s->err < 0)
			return s->err;
		if (he != HS_SUCCESS && he != HS_SCAN_TERMINATED)
			return -EIO;
		s->st.bytes_scanned += limit - s->scanned;
		s->scanned = limit;
		int r = flush_cands(s, eof);
		if (r < 0)
			return r;
	}
	if (!eof) {
		uint64_t keep = s->scanned - SEC_BACK_MAX;
		lines_advance(s, keep);
		s->base_last_nl = s->last_nl;
		size_t drop = (size_t)(keep - s->base);
		memmove(s->buf, s->buf + drop, s->len - drop);
		s->len -= drop;
		s->base = keep;
	}
	return 0;
}

int sec_file_data(struct sec_scanner *s, const void *data, size_t len)
{
	if (!s->active || s->stop)
		return 1;
	const unsigned char *p = data;
	if (s->e->max_file_bytes && !s->is_text && s->total + len > s->e->max_file_bytes) {
		s->st.skipped_size++;
		s->active = false;
		s->skipped = s->stop = true;
		return 1;
	}
	s->total += len;
	while (len > 0) {
		size_t n = MIN(len, SEC_BUF_CAP - s->len);
		memcpy(s->buf + s->len, p, n);
		s->len += n;
		p += n;
		len -= n;
		if (s->len == SEC_BUF_CAP) {
			int r = process(s, false);
			if (r < 0)
				return r;
			if (s->stop)
				return 1;
		}
	}
	return 0;
}

int sec_file_end(struct sec_scanner *s, struct bh_findings *out)
{
	int r = 0;
	if (s->active && !s->stop)
		r = process(s, true);
	if (s->accepted && !s->skipped)
		s->st.files_scanned++;
	if (r >= 0)
		r = bh_findings_move(out, &s->found);
	bh_findings_done(&s->found);
	explicit_bzero(s->buf, s->len);
	file_reset(s);
	return r;
}

int sec_scan_text(struct sec_scanner *s, const char *where, struct span text,
		  struct bh_findings *out)
{
	int r = file_start(s, where, NULL);
	if (r < 0)
		return r;
	s->is_text = true;
	if (s->active) {
		r = sec_file_data(s, text.ptr, text.len);
		if (r < 0)
			return r;
		if (!s->stop)
			r = process(s, true);
	}
	if (r >= 0)
		r = bh_findings_move(out, &s->found);
	bh_findings_done(&s->found);
	file_reset(s);
	return r < 0 ? r : 0;
}
