/* SPDX-License-Identifier: Apache-2.0 */
/*
 * imgconfig-eol.c — the rules that need a clock: image age (BH-IMG-016, from the config's
 * "created") and end-of-life distribution release (BH-IMG-017, img->os against the table
 * generated from data/eol.tsv). Dates are UTC: an end-of-life date D means the release is
 * unsupported from D 00:00:00 UTC on; "approaching" is the eol_warn_days before that.
 *
 * Must not: report what it cannot establish — a missing or unparsable "created", the epoch
 * placeholder of reproducible builds (1970-01-01, distroless/ko/nix), a date in the future,
 * an unknown distribution or release, or a release without an announced date.
 */
#include "checks/imgconfig-int.h"
#include "common/json.h"

#define DAY 86400

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool leap_year(uint64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Exactly n decimal digits of s at off, in [min, max]. */
static int fixed_num(struct span s, size_t off, size_t n, uint64_t min, uint64_t max, uint64_t *ret)
{
	if (off + n > s.len)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!ascii_isdigit(s.ptr[off + i]))
			return -EINVAL;
	int r = parse_u64(span_slice(s, off, n), 10, max, ret);
	return r < 0 || *ret < min ? -EINVAL : 0;
}

int imgcfg_parse_date(struct span s, int64_t *ret_days)
{
	static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	uint64_t y, m, d;
	if (s.len != 10 || s.ptr[4] != '-' || s.ptr[7] != '-' ||
	    fixed_num(s, 0, 4, 1970, 9999, &y) < 0 || fixed_num(s, 5, 2, 1, 12, &m) < 0 ||
	    fixed_num(s, 8, 2, 1, 31, &d) < 0)
		return -EINVAL;
	if (d > mdays[m - 1] + (m == 2 && leap_year(y)))
		return -EINVAL;
	*ret_days = days_from_civil((int64_t)y, (unsigned)m, (unsigned)d);
	return 0;
}

int imgcfg_parse_rfc3339(struct span s, int64_t *ret)
{
	s = span_trim(s);
	int64_t days;
	uint64_t hh, mm, ss;
	if (s.len < 20 || imgcfg_parse_date(span_slice(s, 0, 10), &days) < 0 ||
	    (s.ptr[10] != 'T' && s.ptr[10] != 't' && s.ptr[10] != ' ') ||
	    fixed_num(s, 11, 2, 0, 23, &hh) < 0 || s.ptr[13] != ':' ||
	    fixed_num(s, 14, 2, 0, 59, &mm) < 0 || s.ptr[16] != ':' ||
	    fixed_num(s, 17, 2, 0, 60, &ss) < 0)
		return -EINVAL;
	size_t i = 19;
	if (s.ptr[i] == '.') {
		size_t start = ++i;
		while (i < s.len && ascii_isdigit(s.ptr[i]))
			i++;
		if (i == start)
			return -EINVAL;
	}
	int64_t offset = 0;
	if (i + 1 == s.len && (s.ptr[i] == 'Z' || s.ptr[i] == 'z'))
		offset = 0;
	else if (i + 6 == s.len && (s.ptr[i] == '+' || s.ptr[i] == '-') && s.ptr[i + 3] == ':') {
		uint64_t oh, om;
		if (fixed_num(s, i + 1, 2, 0, 23, &oh) < 0 ||
		    fixed_num(s, i + 4, 2, 0, 59, &om) < 0)
			return -EINVAL;
		offset = (int64_t)(oh * 3600 + om * 60);
		if (s.ptr[i] == '+')
			offset = -offset; /* local time ahead of UTC: subtract to get UTC */
	} else
		return -EINVAL;
	*ret = days * DAY + (int64_t)(hh * 3600 + mm * 60 + ss) + offset;
	return 0;
}

const struct imgcfg_eol *imgcfg_eol_lookup(const struct img_os *os)
{
	if (!os || !os->id)
		return NULL;
	const char *id = os->id, *ver = os->version_id;
	if (ver && !*ver)
		ver = NULL;
	if (streq(id, "centos") && os->pretty_name && strstr(os->pretty_name, "Stream"))
		id = "centos-stream";
	const struct imgcfg_eol *exact = NULL, *prefix = NULL, *any = NULL;
	size_t prefix_len = 0;
	for (size_t i = 0; i < imgcfg_eol_count; i++) {
		const struct imgcfg_eol *e = &imgcfg_eol_table[i];
		if (!streq(e->id, id))
			continue;
		size_t vl = strlen(e->version);
		if (streq(e->version, "*"))
			any = e;
		else if (!ver) {
			if (os->codename && e->codename && streq(os->codename, e->codename))
				exact = e;
		} else if (vl > 2 && streq(e->version + vl - 2, ".*")) {
			size_t xl = vl - 2;
			if (strncmp(ver, e->version, xl) == 0 &&
			    (ver[xl] == '\0' || ver[xl] == '.') && xl > prefix_len) {
				prefix = e;
				prefix_len = xl;
			}
		} else if (streq(e->version, ver))
			exact = e;
	}
	return exact ? exact : prefix ? prefix : any;
}

/* ---- BH-IMG-016: image age ------------------------------------------------------------------ */

static int check_age(struct imgcfg_ctx *x)
{
	const char *created = x->img->config.created;
	int64_t t;
	if (!created || imgcfg_parse_rfc3339(span_from(created), &t) < 0)
		return 0;
	if (t <= DAY || t > x->o.now)
		return 0; /* the epoch placeholder of reproducible builds, or a future date */
	int64_t age_days = (x->o.now - t) / DAY;
	if (age_days <= (int64_t)x->o.max_age_days)
		return 0;
	json_t *ev = json_object();
	int r = ev ? bh_json_set_str(ev, "created", created) : -ENOMEM;
	if (r >= 0)
		r = bh_json_set_new(ev, "age_days", json_integer(age_days));
	if (r >= 0)
		r = bh_json_set_new(ev, "max_age_days", json_integer(x->o.max_age_days));
	if (r < 0) {
		json_decref(ev);
		return r;
	}
	return imgcfg_emit(x, R_IMAGE_AGE, BH_SEV_UNKNOWN, NULL, -1, ev,
			   "the image was built %lld days ago (%s), more than %u days",
			   (long long)age_days, created, x->o.max_age_days);
}

/* ---- BH-IMG-017: end-of-life release ------------------------------------------------------- */

static int check_eol(struct imgcfg_ctx *x)
{
	const struct img_os *os = &x->img->os;
	const struct imgcfg_eol *e = imgcfg_eol_lookup(os);
	if (!e || e->eol_days < 0)
		return 0;
	int64_t eol_t = (int64_t)e->eol_days * DAY;
	int64_t left = eol_t - x->o.now;
	bool passed = left <= 0;
	if (!passed && left > (int64_t)x->o.eol_warn_days * DAY)
		return 0;
	bool ext_open = e->ext_eol && (int64_t)e->ext_eol_days * DAY > x->o.now;

	_cleanup_buf_ struct buf rel;
	buf_init(&rel, 0);
	int r = buf_puts(&rel, os->id);
	if (r >= 0 && os->version_id)
		r = buf_printf(&rel, " %s", os->version_id);
	if (r >= 0 && os->codename)
		r = buf_printf(&rel, " (%s)", os->codename);
	_cleanup_buf_ struct buf ext;
	buf_init(&ext, 0);
	if (r >= 0 && ext_open)
		r = buf_printf(&ext, "; extended support (%s) runs until %s", e->ext_kind,
			       e->ext_eol);
	json_t *ev = r >= 0 ? json_object() : NULL;
	if (r >= 0 && !ev)
		r = -ENOMEM;
	if (r >= 0)
		r = bh_json_set_str(ev, "distro", os->id);
	if (r >= 0)
		r = bh_json_set_str_opt(ev, "version_id", os->version_id);
	if (r >= 0)
		r = bh_json_set_str_opt(ev, "codename", os->codename);
	if (r >= 0)
		r = bh_json_set_str(ev, "release", e->version);
	if (r >= 0)
		r = bh_json_set_str(ev, "eol", e->eol);
	if (r >= 0)
		r = bh_json_set_str(ev, "eol_kind", e->eol_kind);
	if (r >= 0)
		r = bh_json_set_new(ev, passed ? "days_past" : "days_left",
				    json_integer(passed ? -left / DAY : (left + DAY - 1) / DAY));
	if (r >= 0 && e->ext_eol)
		r = bh_json_set_str(ev, "extended_eol", e->ext_eol)
			?: bh_json_set_str(ev, "extended_kind", e->ext_kind);
	if (r < 0) {
		json_decref(ev);
		return r;
	}
	if (passed)
		return imgcfg_emit(
		    x, R_EOL, BH_SEV_HIGH, NULL, -1, ev,
		    "%s reached end of life on %s (end of %s): no more free security "
		    "updates%s",
		    buf_str(&rel), e->eol, e->eol_kind, buf_str(&ext));
	return imgcfg_emit(x, R_EOL, BH_SEV_LOW, NULL, -1, ev,
			   "%s reaches end of life on %s (end of %s), in %lld days%s",
			   buf_str(&rel), e->eol, e->eol_kind, (long long)((left + DAY - 1) / DAY),
			   buf_str(&ext));
}

int imgcfg_check_time(struct imgcfg_ctx *x)
{
	if (x->o.now <= 0)
		return 0;
	int r = x->img->target.kind != IMG_KIND_DIR ? check_age(x) : 0;
	return r < 0 ? r : check_eol(x);
}
