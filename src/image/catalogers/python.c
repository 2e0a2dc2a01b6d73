/* SPDX-License-Identifier: Apache-2.0 */
/*
 * python.c — installed Python distributions: core metadata (PEP 241/314/345/566/643/639)
 * in `*.dist-info/METADATA` (wheels, pip), `*.egg-info/PKG-INFO` and `*.egg/EGG-INFO/PKG-INFO`
 * (setuptools, Debian's dist-packages) and single-file `*.egg-info` (distutils). Owned files
 * come from the dist-info `RECORD` (CSV, paths relative to site-packages) or the egg-info
 * `installed-files.txt` (paths relative to the egg-info directory).
 *
 * The metadata header is RFC 822 style and read with rfc822_next_field(); the body after
 * the first blank line is the long description and is never looked at, except that old
 * distutils/setuptools wrote the description as an indented header whose blank lines often
 * lost their indentation: when the last field was Description and the text after a blank
 * line is still indented, or is a field distutils writes after Description (Classifier,
 * Platform, ...), the header goes on. This recovers e.g. the licence classifiers of
 * setuptools' own PKG-INFO.
 * Nothing is evaluated; names are kept as written (the purl builder normalises them per
 * PEP 503), dependency names are PEP 503-normalised.
 */
#include "image/catalogers/catalog.h"

enum py_kind {
	PY_NONE,
	PY_DIST_METADATA, /* x.dist-info/METADATA */
	PY_DIST_RECORD,	  /* x.dist-info/RECORD */
	PY_EGG_PKGINFO,	  /* x.egg-info/PKG-INFO, x.egg/EGG-INFO/PKG-INFO */
	PY_EGG_FILES,	  /* x.egg-info/installed-files.txt */
	PY_EGG_FILE,	  /* x.egg-info as a single file */
};

/* Last path component of path, and the component before it (empty when none). */
static void path_last_two(struct span path, struct span *ret_base, struct span *ret_parent)
{
	const char *slash = path.len ? memrchr(path.ptr, '/', path.len) : NULL;
	if (!slash) {
		*ret_base = path;
		*ret_parent = SPAN_NULL;
		return;
	}
	*ret_base = span_make(slash + 1, (size_t)(path.ptr + path.len - slash - 1));
	size_t dlen = (size_t)(slash - path.ptr);
	const char *ps = dlen ? memrchr(path.ptr, '/', dlen) : NULL;
	*ret_parent = ps ? span_make(ps + 1, (size_t)(slash - ps - 1)) : span_make(path.ptr, dlen);
}

static enum py_kind python_kind(struct span path)
{
	struct span base, parent;
	path_last_two(path, &base, &parent);
	switch (base.len) {
	case 6:
		if (span_eq_str(base, "RECORD") && span_endswith(parent, ".dist-info"))
			return PY_DIST_RECORD;
		break;
	case 8:
		if (span_eq_str(base, "METADATA") && span_endswith(parent, ".dist-info"))
			return PY_DIST_METADATA;
		if (span_eq_str(base, "PKG-INFO") &&
		    (span_endswith(parent, ".egg-info") || span_eq_str(parent, "EGG-INFO")))
			return PY_EGG_PKGINFO;
		break;
	case 19:
		if (span_eq_str(base, "installed-files.txt") && span_endswith(parent, ".egg-info"))
			return PY_EGG_FILES;
		break;
	default:
		break;
	}
	if (base.len > 9 && span_endswith(base, ".egg-info"))
		return PY_EGG_FILE;
	return PY_NONE;
}

static unsigned python_want(struct span path, uint32_t mode, uint64_t size)
{
	return python_kind(path) != PY_NONE ? IMG_WANT_CONTENT : 0;
}

/* ---- small string helpers ------------------------------------------------------------- */

/*
 * Copy s into a new string that is safe to render: valid UTF-8 is kept, other bytes
 * become '?', control characters become ' '. NULL on OOM.
 */
static char *clean_dup(struct span s)
{
	struct buf b;
	buf_init(&b, 0);
	if (buf_reserve(&b, s.len + 1) < 0)
		return NULL;
	for (size_t i = 0; i < s.len;) {
		unsigned char c = (unsigned char)s.ptr[i];
		size_t n = c < 0x80		? 1
			   : (c & 0xe0) == 0xc0 ? 2
			   : (c & 0xf0) == 0xe0 ? 3
			   : (c & 0xf8) == 0xf0 ? 4
						: 0;
		bool ok = n && i + n <= s.len && !(n == 2 && c < 0xc2) && !(c > 0xf4);
		for (size_t k = 1; ok && k < n; k++)
			ok = ((unsigned char)s.ptr[i + k] & 0xc0) == 0x80;
		if (ok && n == 3) {
			unsigned char c1 = (unsigned char)s.ptr[i + 1];
			ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
		} else if (ok && n == 4) {
			unsigned char c1 = (unsigned char)s.ptr[i + 1];
			ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
		}
		int r;
		if (!ok) {
			r = buf_putc(&b, '?');
			i++;
		} else if (n == 1) {
			r = buf_putc(&b, c < 0x20 || c == 0x7f ? ' ' : (char)c);
			i++;
		} else {
			r = buf_append(&b, s.ptr + i, n);
			i += n;
		}
		if (r < 0) {
			buf_done(&b);
			return NULL;
		}
	}
	return buf_take(&b);
}

static int set_clean(char **field, struct span s)
{
	char *v = clean_dup(s);
	if (!v)
		return -ENOMEM;
	free(*field);
	*field = v;
	return 0;
}

static bool is_unknown(struct span s)
{
	return s.len == 0 || span_eq_str(s, "UNKNOWN") || span_eq_str(s, "None");
}

static bool span_eq_ci(struct span a, const char *s)
{
	return span_eq_nocase(a, span_from(s));
}

/* Names and versions: printable ASCII or UTF-8, no whitespace inside, no controls. */
static bool valid_token(struct span s)
{
	if (!s.len || s.len > 512)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c < 0x20 || c == 0x7f || c == ' ')
			return false;
	}
	return true;
}

/* ---- licences --------------------------------------------------------------------------- */

struct lic_map {
	const char *from;
	const char *spdx;
};

/* Trove classifiers ("License :: OSI Approved :: X" — the last component) to SPDX ids. */
/* clang-format off */
static const struct lic_map classifier_map[] = {
	{ "MIT License", "MIT" },
	{ "MIT No Attribution License (MIT-0)", "MIT-0" },
	{ "Apache Software License", "Apache-2.0" },
	{ "BSD Zero Clause License (0BSD)", "0BSD" },
	{ "GNU General Public License v2 (GPLv2)", "GPL-2.0-only" },
	{ "GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later" },
	{ "GNU General Public License v3 (GPLv3)", "GPL-3.0-only" },
	{ "GNU General Public License v3 or later (GPLv3+)", "GPL-3.0-or-later" },
	{ "GNU Lesser General Public License v2 (LGPLv2)", "LGPL-2.0-only" },
	{ "GNU Lesser General Public License v2 or later (LGPLv2+)", "LGPL-2.0-or-later" },
	{ "GNU Lesser General Public License v3 (LGPLv3)", "LGPL-3.0-only" },
	{ "GNU Lesser General Public License v3 or later (LGPLv3+)", "LGPL-3.0-or-later" },
	{ "GNU Affero General Public License v3", "AGPL-3.0-only" },
	{ "GNU Affero General Public License v3 or later (AGPLv3+)", "AGPL-3.0-or-later" },
	{ "Mozilla Public License 1.0 (MPL)", "MPL-1.0" },
	{ "Mozilla Public License 1.1 (MPL 1.1)", "MPL-1.1" },
	{ "Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0" },
	{ "ISC License (ISCL)", "ISC" },
	{ "Python Software Foundation License", "PSF-2.0" },
	{ "The Unlicense (Unlicense)", "Unlicense" },
	{ "Eclipse Public License 1.0 (EPL-1.0)", "EPL-1.0" },
	{ "Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0" },
	{ "Boost Software License 1.0 (BSL-1.0)", "BSL-1.0" },
	{ "zlib/libpng License", "Zlib" },
	{ "European Union Public Licence 1.1 (EUPL 1.1)", "EUPL-1.1" },
	{ "European Union Public Licence 1.2 (EUPL 1.2)", "EUPL-1.2" },
	{ "Universal Permissive License (UPL)", "UPL-1.0" },
	{ "Historical Permission Notice and Disclaimer (HPND)", "HPND" },
	{ "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0" },
	{ "W3C License", "W3C" },
	{ "PostgreSQL License", "PostgreSQL" },
	{ "Sleepycat License", "Sleepycat" },
	{ "SIL Open Font License 1.1 (OFL-1.1)", "OFL-1.1" },
};
/* clang-format on */

/* Free-text License: values that are unambiguous names of one SPDX licence. */
/* clang-format off */
static const struct lic_map field_map[] = {
	{ "MIT", "MIT" },
	{ "MIT License", "MIT" },
	{ "MIT-0", "MIT-0" },
	{ "Apache 2.0", "Apache-2.0" },
	{ "Apache 2", "Apache-2.0" },
	{ "Apache-2.0", "Apache-2.0" },
	{ "Apache License 2.0", "Apache-2.0" },
	{ "Apache License, Version 2.0", "Apache-2.0" },
	{ "Apache License Version 2.0", "Apache-2.0" },
	{ "Apache Software License 2.0", "Apache-2.0" },
	{ "ASL 2.0", "Apache-2.0" },
	{ "BSD-2-Clause", "BSD-2-Clause" },
	{ "BSD 2-Clause", "BSD-2-Clause" },
	{ "Simplified BSD", "BSD-2-Clause" },
	{ "BSD-3-Clause", "BSD-3-Clause" },
	{ "BSD 3-Clause", "BSD-3-Clause" },
	{ "BSD 3-Clause License", "BSD-3-Clause" },
	{ "3-Clause BSD License", "BSD-3-Clause" },
	{ "New BSD", "BSD-3-Clause" },
	{ "New BSD License", "BSD-3-Clause" },
	{ "Modified BSD License", "BSD-3-Clause" },
	{ "ISC", "ISC" },
	{ "ISC License", "ISC" },
	{ "PSF", "PSF-2.0" },
	{ "PSF-2.0", "PSF-2.0" },
	{ "PSF License", "PSF-2.0" },
	{ "Python Software Foundation License", "PSF-2.0" },
	{ "MPL-2.0", "MPL-2.0" },
	{ "MPL 2.0", "MPL-2.0" },
	{ "Mozilla Public License 2.0", "MPL-2.0" },
	{ "GPLv2", "GPL-2.0-only" },
	{ "GPLv2+", "GPL-2.0-or-later" },
	{ "GPLv3", "GPL-3.0-only" },
	{ "GPLv3+", "GPL-3.0-or-later" },
	{ "LGPLv2+", "LGPL-2.0-or-later" },
	{ "LGPLv3", "LGPL-3.0-only" },
	{ "LGPLv3+", "LGPL-3.0-or-later" },
	{ "Unlicense", "Unlicense" },
	{ "The Unlicense", "Unlicense" },
	{ "CC0", "CC0-1.0" },
	{ "CC0 1.0 Universal", "CC0-1.0" },
	{ "Zlib", "Zlib" },
	{ "0BSD", "0BSD" },
};
/* clang-format on */

static const char *lic_lookup(const struct lic_map *map, size_t n, struct span s)
{
	for (size_t i = 0; i < n; i++)
		if (span_eq_ci(s, map[i].from))
			return map[i].spdx;
	return NULL;
}

/* "License :: OSI Approved :: MIT License" -> "MIT License"; empty when not a licence. */
static struct span classifier_license(struct span v)
{
	if (!span_startswith(v, "License ::"))
		return SPAN_NULL;
	struct span last = span_slice(v, strlen("License ::"), SIZE_MAX);
	for (;;) {
		struct span before, after;
		if (!span_cut(last, ':', &before, &after) || !span_startswith(after, ":"))
			break;
		last = span_slice(after, 1, SIZE_MAX);
	}
	last = span_trim(last);
	if (span_eq_str(last, "OSI Approved"))
		return SPAN_NULL;
	return last;
}

/* ---- the metadata header ---------------------------------------------------------------- */

struct py_meta {
	struct span name, version, license, license_expr, summary, home_page, home_url;
	struct span author, author_email, maintainer, maintainer_email;
	bool license_multiline;
	unsigned first_line;
	struct strv cls_spdx; /* licences from classifiers that map to SPDX ids */
	struct strv cls_raw;  /* the others, as declared */
	struct strv depends;  /* PEP 503-normalised names */
};

static void py_meta_done(struct py_meta *m)
{
	strv_done(&m->cls_spdx);
	strv_done(&m->cls_raw);
	strv_done(&m->depends);
}

/* PEP 503: lower case, runs of '-', '_', '.' become one '-'. NULL on OOM. */
static char *pep503_normalize(struct span name)
{
	struct buf b;
	buf_init(&b, 0);
	bool sep = false;
	for (size_t i = 0; i < name.len; i++) {
		char c = name.ptr[i];
		int r = 0;
		if (c == '-' || c == '_' || c == '.') {
			sep = true;
			continue;
		}
		if (sep && b.len)
			r = buf_putc(&b, '-');
		sep = false;
		if (r == 0)
			r = buf_putc(&b, (char)ascii_tolower((unsigned char)c));
		if (r < 0) {
			buf_done(&b);
			return NULL;
		}
	}
	return buf_take(&b);
}

/* True when a PEP 508 marker mentions `extra ==`: an optional feature, not installed. */
static bool marker_has_extra(struct span m)
{
	for (size_t i = 0; i + 5 <= m.len; i++) {
		if (memcmp(m.ptr + i, "extra", 5) != 0)
			continue;
		if (i > 0 && (ascii_isalnum((unsigned char)m.ptr[i - 1]) || m.ptr[i - 1] == '_'))
			continue;
		size_t j = i + 5;
		while (j < m.len && (m.ptr[j] == ' ' || m.ptr[j] == '\t'))
			j++;
		if (j + 1 < m.len && m.ptr[j] == '=' && m.ptr[j + 1] == '=')
			return true;
	}
	return false;
}

/*
 * Requires-Dist (PEP 508): "name [extras] (specifier) ; marker" or "name[x]>=1; marker" or
 * "name @ url". Sets *ret to the normalised name, or NULL when the requirement is skipped
 * (malformed, or only needed for an extra). 0 or -ENOMEM.
 */
static int requires_dist_name(struct span v, char **ret)
{
	*ret = NULL;
	struct span spec = v, marker = SPAN_NULL;
	(void)span_cut(v, ';', &spec, &marker);
	if (marker_has_extra(marker))
		return 0;
	spec = span_trim(spec);
	size_t n = 0;
	while (n < spec.len && (ascii_isalnum((unsigned char)spec.ptr[n]) || spec.ptr[n] == '-' ||
				spec.ptr[n] == '_' || spec.ptr[n] == '.'))
		n++;
	if (n == 0)
		return 0;
	*ret = pep503_normalize(span_make(spec.ptr, n));
	return *ret ? 0 : -ENOMEM;
}

/* Header fields that come after Description in files written by distutils/setuptools. */
static bool is_late_header(struct span line)
{
	static const char *const names[] = {
	    "Platform",
	    "Supported-Platform",
	    "Classifier",
	    "Keywords",
	    "Requires-Python",
	    "Requires-Dist",
	    "Requires-External",
	    "Provides-Extra",
	    "Provides-Dist",
	    "Obsoletes-Dist",
	    "Project-URL",
	    "License",
	    "License-Expression",
	    "License-File",
	    "Description-Content-Type",
	    "Dynamic",
	    "Requires",
	    "Provides",
	    "Obsoletes",
	};
	struct span name, value;
	if (!span_cut(line, ':', &name, &value))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (span_eq_str(name, names[i]))
			return true;
	return false;
}

/*
 * After a blank line that followed a Description header: is the header still going on?
 * distutils indented every description line by 8 spaces, blank ones included, and
 * editors and packagers often strip that whitespace. The header goes on when the next
 * non-blank line is indented (more description) or is a field distutils writes after
 * Description.
 */
static bool header_continues(struct span in)
{
	struct span l;
	while (span_next_line(&in, &l) == 0) {
		if (span_trim(l).len == 0)
			continue;
		return l.ptr[0] == ' ' || l.ptr[0] == '\t' || is_late_header(l);
	}
	return false;
}

static int py_field(struct py_meta *m, const struct rfc822_field *fl)
{
	struct span k = fl->name, v = fl->value;
	struct span *slot = NULL;
	if (span_eq_ci(k, "Name"))
		slot = &m->name;
	else if (span_eq_ci(k, "Version"))
		slot = &m->version;
	else if (span_eq_ci(k, "License-Expression"))
		slot = &m->license_expr;
	else if (span_eq_ci(k, "Summary"))
		slot = &m->summary;
	else if (span_eq_ci(k, "Home-page"))
		slot = &m->home_page;
	else if (span_eq_ci(k, "Author"))
		slot = &m->author;
	else if (span_eq_ci(k, "Author-email"))
		slot = &m->author_email;
	else if (span_eq_ci(k, "Maintainer"))
		slot = &m->maintainer;
	else if (span_eq_ci(k, "Maintainer-email"))
		slot = &m->maintainer_email;
	if (slot) {
		if (!slot->len && !is_unknown(v)) {
			*slot = v;
			if (slot == &m->name)
				m->first_line = fl->line;
		}
		return 0;
	}
	if (span_eq_ci(k, "License")) {
		if (!m->license.len && !is_unknown(v)) {
			m->license = v;
			/* A License spanning lines is the licence text, not its name. */
			m->license_multiline = span_trim(fl->raw).len > v.len;
		}
		return 0;
	}
	if (span_eq_ci(k, "Classifier")) {
		struct span l = classifier_license(v);
		if (!l.len)
			return 0;
		const char *id = lic_lookup(classifier_map, ARRAY_SIZE(classifier_map), l);
		if (id)
			return strv_push_uniq(&m->cls_spdx, id);
		_cleanup_free_ char *raw = clean_dup(l);
		return raw ? strv_push_uniq(&m->cls_raw, raw) : -ENOMEM;
	}
	if (span_eq_ci(k, "Project-URL")) {
		/* "Label, URL": PEP 753 normalises labels; "homepage" and "home" name the site. */
		struct span label, url;
		if (m->home_url.len || !span_cut(v, ',', &label, &url))
			return 0;
		char norm[16];
		size_t n = 0;
		for (size_t i = 0; i < label.len && n < sizeof(norm) - 1; i++)
			if (ascii_isalnum((unsigned char)label.ptr[i]))
				norm[n++] = (char)ascii_tolower((unsigned char)label.ptr[i]);
		norm[n] = 0;
		if (streq(norm, "homepage") || streq(norm, "home"))
			m->home_url = span_trim(url);
		return 0;
	}
	if (span_eq_ci(k, "Requires-Dist")) {
		char *dep;
		int r = requires_dist_name(v, &dep);
		if (r < 0 || !dep)
			return r;
		return strv_push_take(&m->depends, dep);
	}
	return 0;
}

static int py_parse_header(struct span text, struct py_meta *m)
{
	unsigned line = 0;
	bool last_was_description = false;
	for (;;) {
		struct rfc822_field fl;
		int r = rfc822_next_field(&text, &line, &fl);
		if (r == -EBADMSG)
			continue; /* a stray line (or an indented description line): tolerated */
		if (r == -ENOENT) {
			if (last_was_description && text.len && header_continues(text))
				continue;
			break;
		}
		if (r < 0)
			return r;
		last_was_description = span_eq_ci(fl.name, "Description");
		r = py_field(m, &fl);
		if (r < 0)
			return r;
	}
	return 0;
}

/* supplier: "Author <email>", the email alone when it already names someone, else what is set. */
static int py_supplier(struct pkg *p, struct span who, struct span email)
{
	if (!who.len && !email.len)
		return 0;
	if (!email.len || span_index(email, '<') >= 0)
		return set_clean(&p->supplier, who.len && !email.len ? who : email);
	if (!who.len)
		return set_clean(&p->supplier, email);
	struct buf b;
	buf_init(&b, 0);
	int r = buf_printf(&b, SPAN_FMT " <" SPAN_FMT ">", SPAN_ARG(who), SPAN_ARG(email));
	if (r == 0)
		r = set_clean(&p->supplier, buf_span(&b));
	buf_done(&b);
	return r;
}

static int py_licenses(struct pkg *p, const struct py_meta *m)
{
	if (m->license_expr.len) {
		_cleanup_free_ char *e = clean_dup(m->license_expr);
		return e ? strv_push(&p->licenses, e) : -ENOMEM;
	}
	bool field_ok = m->license.len && !m->license_multiline && m->license.len <= 128;
	const char *id = field_ok ? lic_lookup(field_map, ARRAY_SIZE(field_map), m->license) : NULL;
	if (id)
		return strv_push(&p->licenses, id);
	if (m->cls_spdx.n) {
		for (size_t i = 0; i < m->cls_spdx.n; i++)
			if (strv_push(&p->licenses, m->cls_spdx.v[i]) < 0)
				return -ENOMEM;
		return 0;
	}
	if (field_ok) {
		_cleanup_free_ char *e = clean_dup(m->license);
		return e ? strv_push(&p->licenses, e) : -ENOMEM;
	}
	for (size_t i = 0; i < m->cls_raw.n; i++)
		if (strv_push(&p->licenses, m->cls_raw.v[i]) < 0)
			return -ENOMEM;
	return 0;
}

static int py_build(const struct py_meta *m, struct pkg *p)
{
	if (set_clean(&p->name, m->name) < 0 || set_clean(&p->version, m->version) < 0)
		return -ENOMEM;
	if (m->summary.len && set_clean(&p->description, m->summary) < 0)
		return -ENOMEM;
	struct span home = m->home_page.len ? m->home_page : m->home_url;
	if (home.len && set_clean(&p->homepage, home) < 0)
		return -ENOMEM;
	bool by_author = m->author.len || m->author_email.len;
	if (py_supplier(p, by_author ? m->author : m->maintainer,
			by_author ? m->author_email : m->maintainer_email) < 0)
		return -ENOMEM;
	if (py_licenses(p, m) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < m->depends.n; i++)
		if (strv_push(&p->depends, m->depends.v[i]) < 0)
			return -ENOMEM;
	return 0;
}

/*
 * Parse one metadata file into a package. 0 with *ret set, -EBADMSG (warned: no Name or
 * Version), -ENOMEM.
 */
static int py_parse(struct img_catalog_ctx *ctx, const char *path, struct span text,
		    struct pkg **ret)
{
	struct py_meta m = {0};
	struct pkg *p = NULL;
	int r = py_parse_header(text, &m);
	if (r < 0)
		goto out;
	if (!valid_token(m.name) || !valid_token(m.version)) {
		img_catalog_warn(ctx, path, m.name.len ? m.first_line : 0, "%s",
				 !m.name.len	  ? "no Name field"
				 : !m.version.len ? "no Version field"
						  : "malformed Name or Version");
		r = -EBADMSG;
		goto out;
	}
	p = pkg_new(PKG_PYPI);
	r = p ? py_build(&m, p) : -ENOMEM;
	if (r == 0)
		*ret = TAKE_PTR(p);
out:
	pkg_free(p);
	py_meta_done(&m);
	return r;
}

/* ---- owned files ------------------------------------------------------------------------- */

/*
 * Append "/" + base + "/" + rel (or "/" + rel when rel is absolute) to out with "." and
 * ".." resolved lexically, never above the root. 0, -EBADMSG (empty), -ENOMEM.
 */
static int join_normalize(struct span base, struct span rel, struct buf *out)
{
	buf_clear(out);
	struct span parts[2] = {base, rel};
	for (size_t p = rel.len && rel.ptr[0] == '/' ? 1 : 0; p < 2; p++) {
		struct span in = parts[p], comp;
		while (span_next_token(&in, '/', &comp) == 0) {
			if (comp.len == 0 || span_eq_str(comp, "."))
				continue;
			if (span_eq_str(comp, "..")) {
				const char *s = out->len ? memrchr(out->ptr, '/', out->len) : NULL;
				out->len = s ? (size_t)(s - out->ptr) : 0;
				if (out->ptr)
					out->ptr[out->len] = 0;
				continue;
			}
			int r = buf_putc(out, '/');
			if (r == 0)
				r = buf_append_span(out, comp);
			if (r < 0)
				return r;
		}
	}
	return out->len ? 0 : -EBADMSG;
}

/* First CSV field of a RECORD line: bare, or double-quoted with "" escapes. */
static int csv_first_field(struct span line, struct buf *tmp, struct span *ret)
{
	if (!line.len || line.ptr[0] != '"') {
		struct span rest;
		if (!span_cut(line, ',', ret, &rest))
			*ret = line;
		return 0;
	}
	buf_clear(tmp);
	for (size_t i = 1; i < line.len; i++) {
		if (line.ptr[i] == '"') {
			if (i + 1 < line.len && line.ptr[i + 1] == '"') {
				i++;
			} else {
				*ret = buf_span(tmp);
				return 0;
			}
		}
		int r = buf_putc(tmp, line.ptr[i]);
		if (r < 0)
			return r;
	}
	return -EBADMSG; /* unterminated quote */
}

/* Read a file list (RECORD or installed-files.txt) whose paths are relative to base. */
static int py_add_files(struct img_catalog_ctx *ctx, struct pkg *p, const char *list_path,
			struct span base, bool csv)
{
	const struct img_file *f = img_fs_lookup(ctx->fs, list_path);
	if (!f || f->type != IMG_FT_REG)
		return 0;
	const struct img_blob *b = img_catalog_content(ctx, f);
	if (!b)
		return 0;
	struct span text = span_make(b->data, b->len), line;
	struct buf tmp, path;
	buf_init(&tmp, ctx->limits->path_max_bytes);
	buf_init(&path, ctx->limits->path_max_bytes);
	int r = 0;
	while (r >= 0 && span_next_line(&text, &line) == 0) {
		struct span field = line;
		if (csv) {
			r = csv_first_field(line, &tmp, &field);
			if (r == -EBADMSG || r == -E2BIG) {
				r = 0;
				continue;
			}
		}
		field = span_trim(field);
		if (r < 0 || !field.len || memchr(field.ptr, 0, field.len))
			continue;
		r = join_normalize(base, field, &path);
		if (r == -EBADMSG || r == -E2BIG) {
			r = 0;
			continue;
		}
		if (r == 0) {
			char *s = clean_dup(buf_span(&path));
			r = s ? strv_push_take(&p->files, s) : -ENOMEM;
		}
	}
	buf_done(&tmp);
	buf_done(&path);
	return r;
}

static struct span dir_of(struct span path)
{
	const char *s = path.len ? memrchr(path.ptr, '/', path.len) : NULL;
	return s ? span_make(path.ptr, (size_t)(s - path.ptr)) : SPAN_NULL;
}

static int py_catalog_one(struct img_catalog_ctx *ctx, const struct img_file *f, enum py_kind kind)
{
	const struct img_blob *b = img_catalog_content(ctx, f);
	if (!b) {
		img_catalog_warn(ctx, f->path, 0, "content not captured (too big?)");
		return 0;
	}
	struct pkg *p = NULL;
	int r = py_parse(ctx, f->path, span_make(b->data, b->len), &p);
	if (r == -EBADMSG)
		return 0;
	if (r < 0)
		return r;
	struct span meta_dir = dir_of(span_from(f->path));
	struct buf list;
	buf_init(&list, 0);
	if (kind == PY_DIST_METADATA) {
		/* RECORD paths are relative to site-packages, the dist-info's parent. */
		r = buf_printf(&list, SPAN_FMT "/RECORD", SPAN_ARG(meta_dir));
		if (r == 0)
			r = py_add_files(ctx, p, buf_str(&list), dir_of(meta_dir), true);
	} else if (kind == PY_EGG_PKGINFO && span_endswith(meta_dir, ".egg-info")) {
		r = buf_printf(&list, SPAN_FMT "/installed-files.txt", SPAN_ARG(meta_dir));
		if (r == 0)
			r = py_add_files(ctx, p, buf_str(&list), meta_dir, false);
	}
	buf_done(&list);
	if (r < 0) {
		pkg_free(p);
		return r;
	}
	return img_catalog_add(ctx, f, p);
}

static int python_catalog(struct img_catalog_ctx *ctx)
{
	size_t n = img_fs_count(ctx->fs);
	for (size_t i = 0; i < n; i++) {
		const struct img_file *f = img_fs_at(ctx->fs, i);
		if (f->type != IMG_FT_REG)
			continue;
		enum py_kind kind = python_kind(img_fs_path_at(ctx->fs, i));
		if (kind != PY_DIST_METADATA && kind != PY_EGG_PKGINFO && kind != PY_EGG_FILE)
			continue;
		int r = py_catalog_one(ctx, f, kind);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct img_cataloger img_cataloger_python = {
    .name = "python",
    .want = python_want,
    .catalog = python_catalog,
};
