/* SPDX-License-Identifier: Apache-2.0 */
/* match.c — see match.h. */
#include <strings.h>

#include "common/json.h"
#include "common/log.h"
#include "vuln/cvss.h"
#include "vuln/kev.h"
#include "vuln/match.h"
#include "vuln/range.h"

int vuln_severity_from_name(const char *s, enum vuln_severity *ret)
{
	for (unsigned i = 0; i < _VULN_SEV_MAX; i++)
		if (strcasecmp(s, vuln_severity_name((enum vuln_severity)i)) == 0) {
			*ret = (enum vuln_severity)i;
			return 0;
		}
	return -EINVAL;
}

void vuln_vex_free(struct vuln_vex *v)
{
	if (!v)
		return;
	free(v->status);
	free(v->justification);
	free(v->statement);
	free(v->source);
	free(v);
}

static void finding_done(struct vuln_finding *f)
{
	free(f->id);
	strv_done(&f->ids);
	strv_done(&f->advisories);
	free(f->summary);
	free(f->installed);
	free(f->fixed);
	free(f->cvss_vector);
	strv_done(&f->references);
	free(f->published);
	free(f->modified);
	vuln_vex_free(f->vex);
	vuln_kev_free(f->kev);
	vuln_epss_free(f->epss);
}

void vuln_report_done(struct vuln_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		finding_done(&r->v[i]);
	free(r->v);
	free(r->db_built);
	*r = (struct vuln_report){ 0 };
}

size_t vuln_report_count_at_least(const struct vuln_report *r, enum vuln_severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		if (!r->v[i].vex && r->v[i].severity >= sev)
			n++;
	return n;
}

/* ---- one package ---------------------------------------------------------------- */

struct hit {
	int64_t advisory;
	char *fixed; /* NULL when unknown */
	char *distro_severity;
	char *cvss_v3, *cvss_v4; /* per-package vectors */
	struct vuln_advisory adv;
	size_t group;
};

struct pkg_ctx {
	const struct vuln_pkg_key *key;
	struct hit *hits;
	size_t n, cap;
	bool bad_version;
};

static void hit_done(struct hit *h)
{
	free(h->fixed);
	free(h->distro_severity);
	free(h->cvss_v3);
	free(h->cvss_v4);
	vuln_advisory_done(&h->adv);
}

static int on_row(const struct vuln_db_row *row, void *userdata)
{
	struct pkg_ctx *c = userdata;
	struct span base, release;
	vuln_ecosystem_split(row->ecosystem, &base, &release);
	if (!vuln_ecosystem_release_applies(c->key, release))
		return 0;
	struct vuln_range_result res;
	int r = vuln_range_eval(c->key->eco, c->key->version, row->ranges, row->versions, &res);
	if (r == -EBADMSG) {
		log_debug("advisory row %lld: malformed ranges, ignored", (long long)row->advisory);
		return 0;
	}
	if (r == -EINVAL) {
		c->bad_version = true;
		return 1; /* the version is not comparable: stop, nothing can be said */
	}
	if (r < 0)
		return r;
	if (!res.affected)
		return 0;
	/* The same advisory may list the package twice (two ranges entries). */
	for (size_t i = 0; i < c->n; i++)
		if (c->hits[i].advisory == row->advisory) {
			if (res.fixed[0] && !c->hits[i].fixed && !(c->hits[i].fixed = strdup(res.fixed)))
				return -ENOMEM;
			return 0;
		}
	if (GROW(c->hits, c->n, c->cap) < 0)
		return -ENOMEM;
	struct hit *h = &c->hits[c->n];
	*h = (struct hit){ .advisory = row->advisory };
	c->n++;
	r = strdup_opt(res.fixed[0] ? res.fixed : NULL, &h->fixed);
	if (r >= 0)
		r = strdup_opt(row->distro_severity, &h->distro_severity);
	if (r >= 0)
		r = strdup_opt(row->cvss_v3, &h->cvss_v3);
	if (r >= 0)
		r = strdup_opt(row->cvss_v4, &h->cvss_v4);
	return r;
}

/* Every id an advisory goes by. */
static bool adv_has_id(const struct vuln_advisory *a, const char *id)
{
	return streq(a->id, id) || strv_contains(&a->aliases, id);
}

static bool same_vuln(const struct vuln_advisory *a, const struct vuln_advisory *b)
{
	if (adv_has_id(b, a->id))
		return true;
	for (size_t i = 0; i < a->aliases.n; i++)
		if (adv_has_id(b, a->aliases.v[i]))
			return true;
	return false;
}

static size_t find_root(size_t *parent, size_t i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

/* Rank of an id for choosing the primary one: CVE, then GHSA, then anything else. */
static int id_rank(const char *id)
{
	return !strncmp(id, "CVE-", 4) ? 0 : !strncmp(id, "GHSA-", 5) ? 1 : 2;
}

static int cmp_ids(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int ra = id_rank(x), rb = id_rank(y);
	return ra != rb ? ra - rb : strcmp(x, y);
}

static enum vuln_severity distro_rating(const char *s)
{
	if (!s)
		return VULN_SEV_UNKNOWN;
	struct span v = span_from(s);
	if (v.len && v.ptr[v.len - 1] == '*') /* Debian marks unconfirmed urgencies "low*" */
		v.len--;
	if (span_eq_str(v, "unimportant") || span_eq_str(v, "negligible"))
		return VULN_SEV_INFO;
	if (span_eq_str(v, "low"))
		return VULN_SEV_LOW;
	if (span_eq_str(v, "medium"))
		return VULN_SEV_MEDIUM;
	if (span_eq_str(v, "high"))
		return VULN_SEV_HIGH;
	if (span_eq_str(v, "critical"))
		return VULN_SEV_CRITICAL;
	return VULN_SEV_UNKNOWN; /* "not yet assigned", "untriaged", "end-of-life", ... */
}

static enum vuln_severity ghsa_rating(const char *s)
{
	if (!s)
		return VULN_SEV_UNKNOWN;
	if (!strcasecmp(s, "LOW"))
		return VULN_SEV_LOW;
	if (!strcasecmp(s, "MODERATE") || !strcasecmp(s, "MEDIUM"))
		return VULN_SEV_MEDIUM;
	if (!strcasecmp(s, "HIGH"))
		return VULN_SEV_HIGH;
	if (!strcasecmp(s, "CRITICAL"))
		return VULN_SEV_CRITICAL;
	return VULN_SEV_UNKNOWN;
}

/* Highest CVSS score among the group's vectors of one version; 0 when found. */
static int best_cvss(struct hit *hits, size_t n, size_t root, int which, double *ret_score,
		     const char **ret_vec)
{
	double best = -1;
	const char *vec = NULL;
	for (size_t i = 0; i < n; i++) {
		if (hits[i].group != root)
			continue;
		const char *cands[2];
		size_t nc = 0;
		if (which == 4) {
			cands[nc++] = hits[i].cvss_v4;
			cands[nc++] = hits[i].adv.cvss_v4;
		} else if (which == 3) {
			cands[nc++] = hits[i].cvss_v3;
			cands[nc++] = hits[i].adv.cvss_v3;
		} else
			cands[nc++] = hits[i].adv.cvss_v2;
		for (size_t k = 0; k < nc; k++) {
			struct vuln_cvss c;
			if (!cands[k] || vuln_cvss_parse(cands[k], &c, NULL) < 0)
				continue;
			if (c.base_score > best) {
				best = c.base_score;
				vec = cands[k];
			}
		}
	}
	if (!vec)
		return -ENOENT;
	*ret_score = best;
	*ret_vec = vec;
	return 0;
}

static enum vuln_severity cvss_rating(double score)
{
	return score >= 9.0 ? VULN_SEV_CRITICAL
	       : score >= 7.0 ? VULN_SEV_HIGH
	       : score >= 4.0 ? VULN_SEV_MEDIUM
	       : score > 0.0  ? VULN_SEV_LOW
			      : VULN_SEV_INFO;
}

static int severity_of(struct vuln_finding *f, const struct vuln_pkg_key *key, struct hit *hits,
		       size_t n, size_t root)
{
	f->score = -1;
	f->severity = VULN_SEV_UNKNOWN;
	f->severity_source = "none";
	if (key->eco->distro) {
		/* The distribution's own rating wins for its packages (it knows its build). */
		enum vuln_severity best = VULN_SEV_UNKNOWN;
		for (size_t i = 0; i < n; i++)
			if (hits[i].group == root) {
				enum vuln_severity s = distro_rating(hits[i].distro_severity);
				if (s == VULN_SEV_UNKNOWN && streq(key->eco->name, "Ubuntu"))
					s = distro_rating(hits[i].adv.db_severity);
				if (s > best)
					best = s;
			}
		if (best != VULN_SEV_UNKNOWN) {
			f->severity = best;
			f->severity_source = streq(key->eco->name, "Ubuntu") ? "ubuntu"
					     : streq(key->eco->name, "Debian") ? "debian"
									       : "distro";
		}
	}
	static const struct {
		int which;
		const char *name;
	} order[] = { { 3, "cvss_v3" }, { 4, "cvss_v4" }, { 2, "cvss_v2" } };
	/* v3.x first: it is the score advisories, NVD and users still rate by, and where a
	 * record carries both, v4's different scale would silently change ratings
	 * (GHSA-qw6h-vgh9-j6wx: v3.1 5.0 medium, as GitHub rates it, v4.0 2.3 low). */
	for (size_t k = 0; k < ARRAY_SIZE(order); k++) {
		double score;
		const char *vec;
		if (best_cvss(hits, n, root, order[k].which, &score, &vec) < 0)
			continue;
		f->score = score;
		if (!(f->cvss_vector = strdup(vec)))
			return -ENOMEM;
		if (f->severity == VULN_SEV_UNKNOWN) {
			f->severity = cvss_rating(score);
			f->severity_source = order[k].name;
		}
		break;
	}
	if (f->severity == VULN_SEV_UNKNOWN)
		for (size_t i = 0; i < n; i++)
			if (hits[i].group == root && ghsa_rating(hits[i].adv.db_severity) > f->severity) {
				f->severity = ghsa_rating(hits[i].adv.db_severity);
				f->severity_source = "ghsa";
			}
	return 0;
}

/* Exploitation data: the first of the finding's CVE ids (primary first) that is listed. */
static int intel_of(struct vuln_db *db, struct vuln_finding *f)
{
	f->kev_known = vuln_db_has_kev(db);
	for (size_t i = 0; i < f->ids.n; i++) {
		const char *id = f->ids.v[i];
		if (!vuln_is_cve_id(span_from(id)))
			continue;
		int r = f->kev ? 0 : vuln_db_kev(db, id, &f->kev);
		if (r < 0 && r != -ENOENT)
			return r;
		r = f->epss ? 0 : vuln_db_epss(db, id, &f->epss);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

static int build_finding(struct vuln_db *db, struct vuln_report *rep, const struct pkg *pkg,
			 size_t pkg_index,
			 const struct vuln_pkg_key *key, struct hit *hits, size_t n, size_t root,
			 const struct vuln_match_opts *o)
{
	struct vuln_finding f = { .pkg = pkg, .pkg_index = pkg_index };
	int r = 0;
	const char *fixed = NULL;
	struct strv ids = { 0 };
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct hit *h = &hits[i];
		if (h->group != root)
			continue;
		r = strv_push_uniq(&f.advisories, h->adv.id);
		if (r >= 0)
			r = strv_push_uniq(&ids, h->adv.id);
		for (size_t k = 0; r >= 0 && k < h->adv.aliases.n; k++)
			r = strv_push_uniq(&ids, h->adv.aliases.v[k]);
		for (size_t k = 0; r >= 0 && k < h->adv.references.n && f.references.n < 32; k++)
			r = strv_push_uniq(&f.references, h->adv.references.v[k]);
		/* Advisories may disagree on the fix: the highest one satisfies them all. */
		if (h->fixed && (!fixed || ver_compare(key->eco->scheme, h->fixed, fixed) > 0))
			fixed = h->fixed;
	}
	if (r >= 0 && o->ignore_unfixed && !fixed) {
		strv_done(&ids);
		finding_done(&f);
		return 0;
	}
	strv_sort_uniq(&f.advisories);
	if (r >= 0 && ids.n) {
		qsort(ids.v, ids.n, sizeof(*ids.v), cmp_ids);
		f.ids = ids;
		ids = (struct strv){ 0 };
		r = strdup_opt(f.ids.v[0], &f.id);
	}
	strv_done(&ids);
	/* Title and dates from the first advisory (sorted) that has them. */
	for (size_t k = 0; r >= 0 && k < f.advisories.n; k++)
		for (size_t i = 0; r >= 0 && i < n; i++) {
			struct hit *h = &hits[i];
			if (h->group != root || !streq(h->adv.id, f.advisories.v[k]))
				continue;
			if (!f.summary && h->adv.summary)
				r = strdup_opt(h->adv.summary, &f.summary);
			if (r >= 0 && !f.published && h->adv.published)
				r = strdup_opt(h->adv.published, &f.published);
			if (r >= 0 && !f.modified && h->adv.modified)
				r = strdup_opt(h->adv.modified, &f.modified);
		}
	if (r >= 0)
		r = strdup_opt(fixed, &f.fixed);
	if (r >= 0)
		r = strdup_opt(key->version, &f.installed);
	if (r >= 0)
		r = severity_of(&f, key, hits, n, root);
	if (r >= 0)
		r = intel_of(db, &f);
	if (r >= 0 && GROW(rep->v, rep->n, rep->cap) < 0)
		r = -ENOMEM;
	if (r < 0) {
		finding_done(&f);
		return r;
	}
	rep->v[rep->n++] = f;
	return 0;
}

static int match_pkg(struct vuln_db *db, const struct img *img, size_t pkg_index,
		     const struct vuln_match_opts *o, struct vuln_report *rep)
{
	const struct pkg *pkg = img->pkgs.items[pkg_index];
	struct vuln_pkg_key key;
	int r = vuln_pkg_key_init(&key, pkg, img);
	if (r == -ENOENT) {
		rep->unmatched++;
		vuln_pkg_key_done(&key);
		return 0;
	}
	if (r < 0) {
		vuln_pkg_key_done(&key);
		return r;
	}
	rep->packages++;
	struct pkg_ctx c = { .key = &key };
	r = vuln_db_lookup(db, key.eco->name, buf_str(&key.name), on_row, &c);
	if (r >= 0 && c.bad_version) {
		rep->bad_versions++;
		log_debug("%s %s: version not valid for %s ordering, not matched", pkg->name,
			  key.version, key.eco->name);
	}
	for (size_t i = 0; r >= 0 && i < c.n; i++)
		r = vuln_db_advisory(db, c.hits[i].advisory, &c.hits[i].adv);
	/* Merge advisories naming the same vulnerability (shared id or alias). */
	size_t *parent = c.n ? calloc(c.n, sizeof(*parent)) : NULL;
	if (c.n && !parent)
		r = -ENOMEM;
	for (size_t i = 0; r >= 0 && i < c.n; i++)
		parent[i] = i;
	for (size_t i = 0; r >= 0 && i < c.n; i++)
		for (size_t j = i + 1; j < c.n; j++)
			if (same_vuln(&c.hits[i].adv, &c.hits[j].adv))
				parent[find_root(parent, j)] = find_root(parent, i);
	for (size_t i = 0; r >= 0 && i < c.n; i++)
		c.hits[i].group = find_root(parent, i);
	for (size_t i = 0; r >= 0 && i < c.n; i++)
		if (c.hits[i].group == i)
			r = build_finding(db, rep, pkg, pkg_index, &key, c.hits, c.n, i, o);
	free(parent);
	for (size_t i = 0; i < c.n; i++)
		hit_done(&c.hits[i]);
	free(c.hits);
	vuln_pkg_key_done(&key);
	return r;
}

/* Within one package (findings are made package by package): most severe first. */
static int cmp_findings(const void *a, const void *b)
{
	const struct vuln_finding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

int vuln_match_image(struct vuln_db *db, const struct img *img, const struct vuln_match_opts *o,
		     struct vuln_report *ret)
{
	struct vuln_report rep = { 0 };
	int r = 0;
	for (size_t i = 0; r >= 0 && i < img->pkgs.n; i++) {
		size_t first = rep.n;
		r = match_pkg(db, img, i, o, &rep);
		if (r >= 0 && rep.n - first > 1)
			qsort(rep.v + first, rep.n - first, sizeof(*rep.v), cmp_findings);
	}
	if (r >= 0) {
		r = vuln_db_built(db, &rep.db_built);
		if (r == -ENOENT)
			r = 0;
	}
	if (r < 0) {
		vuln_report_done(&rep);
		return r;
	}
	*ret = rep;
	return 0;
}
