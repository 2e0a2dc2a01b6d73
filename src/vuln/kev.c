/* SPDX-License-Identifier: Apache-2.0 */
/* kev.c — the CISA KEV catalog and EPSS CSV parsers (see kev.h). */
#include <stdarg.h>

#include "common/json.h"
#include "common/limits.h"
#include "vuln/kev.h"

bool vuln_is_cve_id(struct span s)
{
	if (s.len < 13 || s.len > 32 || !span_startswith(s, "CVE-"))
		return false;
	for (size_t i = 4; i < 8; i++)
		if (!ascii_isdigit((unsigned char)s.ptr[i]))
			return false;
	if (s.ptr[8] != '-')
		return false;
	for (size_t i = 9; i < s.len; i++)
		if (!ascii_isdigit((unsigned char)s.ptr[i]))
			return false;
	return true;
}

/* YYYY-MM-DD with a plausible month and day. */
static bool is_date(struct span s)
{
	if (s.len != 10 || s.ptr[4] != '-' || s.ptr[7] != '-')
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !ascii_isdigit((unsigned char)s.ptr[i]))
			return false;
	unsigned m = (unsigned)(s.ptr[5] - '0') * 10 + (unsigned)(s.ptr[6] - '0');
	unsigned d = (unsigned)(s.ptr[8] - '0') * 10 + (unsigned)(s.ptr[9] - '0');
	return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* ---- KEV ------------------------------------------------------------------------ */

bool vuln_kev_is_catalog(const json_t *doc)
{
	return json_is_object(doc) && json_object_get(doc, "catalogVersion") &&
	       json_object_get(doc, "vulnerabilities");
}

static void entry_done(struct vuln_kev_entry *e)
{
	free(e->cve);
	free(e->vendor);
	free(e->product);
	free(e->name);
	free(e->date_added);
	free(e->due_date);
	free(e->required_action);
}

void vuln_kev_catalog_done(struct vuln_kev_catalog *c)
{
	for (size_t i = 0; i < c->n; i++)
		entry_done(&c->v[i]);
	free(c->v);
	free(c->title);
	free(c->version);
	free(c->released);
	*c = (struct vuln_kev_catalog){ 0 };
}

struct kev_ctx {
	const char *source;
	struct bh_diag *diag;
	size_t index;    /* entry being checked, SIZE_MAX at the top level */
	const char *cve; /* its cveID once known */
};

static int kev_bad(struct kev_ctx *k, const char *fmt, ...) _printf_(2, 3);
static int kev_bad(struct kev_ctx *k, const char *fmt, ...)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 4096);
	va_list ap;
	va_start(ap, fmt);
	(void)buf_vprintf(&b, fmt, ap); /* on failure: an empty message, still a diagnostic */
	va_end(ap);
	const char *what = buf_str(&b);
	if (k->index == SIZE_MAX)
		bh_diag_set(k->diag, k->source, 0, 0, "not a valid KEV catalog: %s", what);
	else if (k->cve)
		bh_diag_set(k->diag, k->source, 0, 0, "vulnerabilities[%zu] (%.40s): %s", k->index,
			    k->cve, what);
	else
		bh_diag_set(k->diag, k->source, 0, 0, "vulnerabilities[%zu]: %s", k->index, what);
	return -EBADMSG;
}

/* A string member: required (absent is an error) or optional (absent: *ret NULL). */
static int kev_str(struct kev_ctx *k, const json_t *o, const char *key, bool required,
		   bool nonempty, char **ret)
{
	*ret = NULL;
	const json_t *v = json_object_get(o, key);
	if (!v) {
		if (required)
			return kev_bad(k, "%s is missing", key);
		return 0;
	}
	if (!json_is_string(v))
		return kev_bad(k, "%s is not a string", key);
	if (nonempty && json_string_length(v) == 0)
		return kev_bad(k, "%s is empty", key);
	if (memchr(json_string_value(v), '\0', json_string_length(v)))
		return kev_bad(k, "%s contains a NUL character", key);
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

static int kev_entry(struct kev_ctx *k, const json_t *o, struct vuln_kev_entry *e)
{
	if (!json_is_object(o))
		return kev_bad(k, "%s", "not an object");
	int r = kev_str(k, o, "cveID", true, true, &e->cve);
	if (r < 0)
		return r;
	if (!vuln_is_cve_id(span_from(e->cve)))
		return kev_bad(k, "%s is not a CVE id (CVE-YYYY-NNNN)", "cveID");
	k->cve = e->cve;
	char *notes = NULL;
	r = kev_str(k, o, "vendorProject", true, false, &e->vendor) ?:
	    kev_str(k, o, "product", true, false, &e->product) ?:
	    kev_str(k, o, "vulnerabilityName", true, false, &e->name) ?:
	    kev_str(k, o, "dateAdded", true, true, &e->date_added) ?:
	    kev_str(k, o, "dueDate", true, true, &e->due_date) ?:
	    kev_str(k, o, "requiredAction", true, true, &e->required_action) ?:
	    kev_str(k, o, "notes", false, false, &notes);
	free(notes);
	if (r < 0)
		return r;
	char *desc = NULL;
	r = kev_str(k, o, "shortDescription", true, false, &desc);
	free(desc);
	if (r < 0)
		return r;
	if (!is_date(span_from(e->date_added)))
		return kev_bad(k, "%s is not a date (YYYY-MM-DD)", "dateAdded");
	if (!is_date(span_from(e->due_date)))
		return kev_bad(k, "%s is not a date (YYYY-MM-DD)", "dueDate");
	const json_t *rw = json_object_get(o, "knownRansomwareCampaignUse");
	if (rw) {
		if (!json_is_string(rw) || (!streq(json_string_value(rw), "Known") &&
					    !streq(json_string_value(rw), "Unknown")))
			return kev_bad(k, "%s is neither \"Known\" nor \"Unknown\"",
				       "knownRansomwareCampaignUse");
		e->known_ransomware = streq(json_string_value(rw), "Known");
	}
	const json_t *cwes = json_object_get(o, "cwes");
	if (cwes) {
		if (!json_is_array(cwes))
			return kev_bad(k, "%s is not an array", "cwes");
		size_t i;
		const json_t *c;
		json_array_foreach(cwes, i, c)
			if (!json_is_string(c))
				return kev_bad(k, "%s has an item that is not a string", "cwes");
	}
	return 0;
}

static int cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct vuln_kev_entry *)a)->cve,
		      ((const struct vuln_kev_entry *)b)->cve);
}

int vuln_kev_parse(const json_t *doc, const struct bh_limits *limits, const char *source,
		   struct vuln_kev_catalog *ret, struct bh_diag *reterr_diag)
{
	struct kev_ctx k = { .source = source, .diag = reterr_diag, .index = SIZE_MAX };
	if (!json_is_object(doc))
		return kev_bad(&k, "%s", "not a JSON object");
	struct vuln_kev_catalog c = { 0 };
	int r = kev_str(&k, doc, "catalogVersion", true, true, &c.version) ?:
		kev_str(&k, doc, "dateReleased", true, true, &c.released) ?:
		kev_str(&k, doc, "title", false, false, &c.title);
	const json_t *list = json_object_get(doc, "vulnerabilities");
	const json_t *count = json_object_get(doc, "count");
	if (r >= 0 && !json_is_array(list))
		r = kev_bad(&k, "%s is not an array", "vulnerabilities");
	if (r >= 0 && !json_is_integer(count))
		r = kev_bad(&k, "%s is not an integer", "count");
	size_t n = json_array_size(list);
	if (r >= 0 && (json_integer_value(count) < 0 || (uint64_t)json_integer_value(count) != n)) {
		bh_diag_set(reterr_diag, source, 0, 0,
			    "not a valid KEV catalog: count is %lld but %zu entries are listed",
			    (long long)json_integer_value(count), n);
		r = -EBADMSG;
	}
	if (r >= 0 && n > limits->db_max_records) {
		bh_diag_set(reterr_diag, source, 0, 0, "more than %llu entries (db-max-records)",
			    (unsigned long long)limits->db_max_records);
		r = -E2BIG;
	}
	if (r >= 0 && n && !(c.v = calloc(n, sizeof(*c.v))))
		r = -ENOMEM;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		k.index = i;
		k.cve = NULL;
		r = kev_entry(&k, json_array_get(list, i), &c.v[i]);
		c.n = i + 1; /* entry i is freed by vuln_kev_catalog_done, complete or not */
	}
	if (r >= 0 && c.n > 1) {
		qsort(c.v, c.n, sizeof(*c.v), cmp_entries);
		for (size_t i = 1; i < c.n; i++)
			if (streq(c.v[i - 1].cve, c.v[i].cve)) {
				bh_diag_set(reterr_diag, source, 0, 0,
					    "not a valid KEV catalog: %.40s is listed twice",
					    c.v[i].cve);
				r = -EBADMSG;
				break;
			}
	}
	if (r < 0) {
		vuln_kev_catalog_done(&c);
		return r;
	}
	*ret = c;
	return 0;
}

/* ---- EPSS ----------------------------------------------------------------------- */

#define EPSS_HEADER "cve,epss,percentile"

bool vuln_epss_is_csv(struct span data)
{
	return span_startswith(data, "#model_version:") || span_startswith(data, EPSS_HEADER);
}

/* One digit of a decimal: kept while 18 significant digits fit, else only scaled. */
static void add_digit(uint64_t *mant, int *sig, int *scale, char c, bool frac)
{
	if (*sig < 18) {
		*mant = *mant * 10 + (uint64_t)(c - '0');
		if (*mant)
			(*sig)++;
		if (frac)
			(*scale)--;
	} else if (!frac)
		(*scale)++;
}

/*
 * A probability as EPSS writes it: digits, an optional fraction, an optional exponent
 * ("0.00043", "1.0", "4.3e-04"), in [0, 1]. 0 or -EINVAL.
 */
static int parse_probability(struct span s, double *ret)
{
	size_t i = 0, n_int = 0, n_frac = 0;
	uint64_t mant = 0;
	int sig = 0, scale = 0;
	for (; i < s.len && ascii_isdigit((unsigned char)s.ptr[i]); i++, n_int++)
		add_digit(&mant, &sig, &scale, s.ptr[i], false);
	if (n_int == 0)
		return -EINVAL;
	if (i < s.len && s.ptr[i] == '.') {
		for (i++; i < s.len && ascii_isdigit((unsigned char)s.ptr[i]); i++, n_frac++)
			add_digit(&mant, &sig, &scale, s.ptr[i], true);
		if (n_frac == 0)
			return -EINVAL;
	}
	if (i < s.len && (s.ptr[i] == 'e' || s.ptr[i] == 'E')) {
		i++;
		bool neg = false;
		if (i < s.len && (s.ptr[i] == '-' || s.ptr[i] == '+'))
			neg = s.ptr[i++] == '-';
		uint64_t e;
		if (parse_u64(span_slice(s, i, s.len - i), 10, 400, &e) < 0)
			return -EINVAL;
		scale += neg ? -(int)e : (int)e;
		i = s.len;
	}
	if (i != s.len)
		return -EINVAL;
	/* mant / 10^-scale is rounded once while the power of ten is exact (up to 1e22). */
	double v = (double)mant;
	while (mant && scale > 0 && v <= 1.0) {
		v *= 10.0;
		scale--;
	}
	while (mant && scale < 0 && v != 0.0) {
		int k = scale < -22 ? 22 : -scale;
		double p = 1.0;
		for (int j = 0; j < k; j++)
			p *= 10.0;
		v /= p;
		scale += k;
	}
	if (!(v >= 0.0 && v <= 1.0))
		return -EINVAL;
	*ret = v;
	return 0;
}

static struct span chomp(struct span l)
{
	if (l.len && l.ptr[l.len - 1] == '\r')
		l.len--;
	return l;
}

/* "#model_version:v2023.03.01,score_date:2023-03-07T00:00:00+0000" */
static int epss_comment(struct span line, struct vuln_epss_header *h)
{
	struct span rest = span_slice(line, 1, line.len - 1), item;
	bool have_date = false;
	while (span_next_token(&rest, ',', &item) == 0) {
		struct span key, val;
		if (!span_cut(item, ':', &key, &val))
			return -EINVAL;
		if (span_eq_str(key, "model_version")) {
			if (val.len == 0 || val.len >= sizeof(h->model))
				return -EINVAL;
			for (size_t i = 0; i < val.len; i++)
				if (!ascii_isprint((unsigned char)val.ptr[i]))
					return -EINVAL;
			memcpy(h->model, val.ptr, val.len);
			h->model[val.len] = '\0';
		} else if (span_eq_str(key, "score_date")) {
			struct span d = span_slice(val, 0, 10);
			if (!is_date(d) || (val.len > 10 && val.ptr[10] != 'T'))
				return -EINVAL;
			memcpy(h->date, d.ptr, 10);
			h->date[10] = '\0';
			have_date = true;
		}
	}
	return have_date ? 0 : -EINVAL;
}

int vuln_epss_parse(struct span data, const struct bh_limits *limits, const char *source,
		    struct vuln_epss_header *ret_header,
		    int (*fn)(const struct vuln_epss_row *row, void *userdata), void *userdata,
		    struct bh_diag *reterr_diag)
{
	struct vuln_epss_header h = { .model = "", .date = "" };
	struct span in = data, line;
	unsigned lineno = 0;
	bool header = false, blank = false;
	uint64_t rows = 0;
	while (span_next_line(&in, &line) == 0) {
		lineno++;
		line = chomp(line);
		if (line.len == 0) {
			blank = true;
			continue;
		}
		if (blank) {
			bh_diag_set(reterr_diag, source, lineno - 1, 0,
				    "empty line inside the data");
			return -EBADMSG;
		}
		if (!header && lineno == 1 && line.len && line.ptr[0] == '#') {
			if (epss_comment(line, &h) < 0) {
				bh_diag_set(reterr_diag, source, lineno, 0,
					    "not an EPSS comment line "
					    "(#model_version:…,score_date:YYYY-MM-DD…)");
				return -EBADMSG;
			}
			continue;
		}
		if (!header) {
			if (!span_eq_str(line, EPSS_HEADER)) {
				bh_diag_set(reterr_diag, source, lineno, 0,
					    "not the EPSS header \"" EPSS_HEADER "\"");
				return -EBADMSG;
			}
			header = true;
			*ret_header = h;
			continue;
		}
		if (++rows > limits->db_max_records) {
			bh_diag_set(reterr_diag, source, lineno, 0,
				    "more than %llu rows (db-max-records)",
				    (unsigned long long)limits->db_max_records);
			return -E2BIG;
		}
		struct span rest = line, cve, score, pct;
		char id[33];
		struct vuln_epss_row row = { .cve = id, .line = lineno };
		if (span_next_token(&rest, ',', &cve) < 0 ||
		    span_next_token(&rest, ',', &score) < 0 ||
		    span_next_token(&rest, ',', &pct) < 0 || rest.len > 0 ||
		    pct.ptr + pct.len != line.ptr + line.len) {
			bh_diag_set(reterr_diag, source, lineno, 0,
				    "not a row of three fields (cve,epss,percentile)");
			return -EBADMSG;
		}
		if (!vuln_is_cve_id(cve)) {
			bh_diag_set(reterr_diag, source, lineno, 0, "not a CVE id (CVE-YYYY-NNNN)");
			return -EBADMSG;
		}
		memcpy(id, cve.ptr, cve.len);
		id[cve.len] = '\0';
		if (parse_probability(score, &row.score) < 0 ||
		    parse_probability(pct, &row.percentile) < 0) {
			bh_diag_set(reterr_diag, source, lineno, 0,
				    "%s: score and percentile must be numbers from 0 to 1", id);
			return -EBADMSG;
		}
		int r = fn(&row, userdata);
		if (r < 0)
			return r;
	}
	if (!header) {
		bh_diag_set(reterr_diag, source, lineno, 0,
			    "no EPSS header \"" EPSS_HEADER "\"");
		return -EBADMSG;
	}
	return 0;
}
