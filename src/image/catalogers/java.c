/* SPDX-License-Identifier: Apache-2.0 */
/*
 * java.c — Maven artifacts in Java archives (.jar, .war, .ear, Jenkins .jpi and .hpi),
 * including archives nested inside them (WEB-INF/lib, BOOT-INF/lib, jars in ears).
 * Zip reading is libarchive's, on the captured bytes in memory; nothing is extracted.
 *
 * reduce() does all the work while the layer streams (it has the bytes) and stores only
 * a compact JSON result, so archive bytes are never kept:
 *	{"p":[{"g":groupId,"a":artifactId,"v":version,"l":"WEB-INF/lib/x.jar"|"",
 *	       "s":"sha1:<hex>","lic":[...]}, ...], "w":["warning", ...]}
 * catalog() turns it into packages and replays the warnings with img_catalog_warn().
 *
 * Per archive (Trivy's offline rules, which Syft's largely agree with):
 *  - every pom.properties entry with groupId, artifactId and version is a package (a
 *    shaded or fat jar lists several);
 *  - when none of them describes the archive itself (artifactId and version of the file
 *    name, or the file name is "<artifactId>.jar" / "<artifactId>-<version>.jar"), the
 *    main section of META-INF/MANIFEST.MF names it: groupId from Implementation-Vendor-Id,
 *    Bundle-SymbolicName without its last element, Implementation-Vendor or
 *    Specification-Vendor; artifactId from Implementation-Title, Specification-Title or
 *    Bundle-Name; version from Implementation-Version, Specification-Version or
 *    Bundle-Version (all three needed);
 *  - failing that, a single pom.properties is taken to describe the archive (a renamed
 *    jar), and without any the file name "name-1.2.3.jar" gives artifactId and version
 *    (Syft's heuristic; split at the first '-' followed by a digit).
 * The package describing the archive itself gets "sha1:<hex>" of the archive's bytes (what
 * Maven Central is searched by) and the licences of Plugin-License-Name (Jenkins) or
 * Bundle-License. Packages that only appear through a bundled pom.properties carry no
 * digest: the archive's digest would identify the container, not them. Without any
 * groupId, the artifactId doubles as namespace (Syft does the same for the purl).
 * Nested archives are read up to archive_max_depth levels, each bounded by
 * capture_max_bytes; all entries seen below one file count against archive_max_entries,
 * and all bytes inflated for one file against capture_max_bytes, so a zip bomb ends with a
 * warning and the packages found so far. Nested locations read
 * "/outer.war:WEB-INF/lib/inner.jar".
 */
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "common/json.h"
#include "image/catalogers/catalog.h"

#define JAR_TEXT_MAX ((size_t)1 << 20) /* MANIFEST.MF, pom.properties */

static const char *const jar_suffixes[] = {".jar", ".war", ".ear", ".jpi", ".hpi"};

static bool jar_is_archive_name(struct span path)
{
	if (path.len < 4)
		return false;
	struct span ext = span_make(path.ptr + path.len - 4, 4);
	for (size_t i = 0; i < ARRAY_SIZE(jar_suffixes); i++)
		if (span_eq_nocase(ext, span_from(jar_suffixes[i])))
			return true;
	return false;
}

static unsigned jar_want(struct span path, uint32_t mode, uint64_t size)
{
	return jar_is_archive_name(path) ? IMG_WANT_CONTENT : 0;
}

static struct span jar_basename(struct span path)
{
	size_t i = path.len;
	while (i > 0 && path.ptr[i - 1] != '/')
		i--;
	return span_slice(path, i, path.len);
}

/* ---- strings safe for JSON -------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (jansson's rules), or 0. */
static size_t jar_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string of s with control characters and invalid UTF-8 replaced by '?'. */
static json_t *jar_json_string(struct span s)
{
	_cleanup_free_ char *c = malloc(s.len + 1);
	if (!c)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < s.len;) {
		const unsigned char *u = (const unsigned char *)s.ptr + i;
		size_t n = jar_utf8_len(u, s.len - i);
		if (n == 0 || (n == 1 && (u[0] < 0x20 || u[0] == 0x7f))) {
			c[o++] = '?';
			i++;
			continue;
		}
		memcpy(c + o, u, n);
		o += n;
		i += n;
	}
	return json_stringn(c, o);
}

/* ---- per-file state ------------------------------------------------------------------------ */

struct jar_run {
	const struct bh_limits *limits;
	uint64_t budget;  /* bytes left to inflate for this file */
	uint64_t entries; /* entries left to look at for this file */
	bool stopped;	  /* a file-wide bound was hit: read nothing more */
	json_t *pkgs;
	json_t *warnings;
};

static int jar_warn(struct jar_run *run, const char *loc, const char *fmt, ...) _printf_(3, 4);

static int jar_warn(struct jar_run *run, const char *loc, const char *fmt, ...)
{
	if (json_array_size(run->warnings) >= 64)
		return 0;
	struct buf b;
	buf_init(&b, 4096);
	va_list ap;
	va_start(ap, fmt);
	int r = 0;
	if (*loc)
		r = buf_printf(&b, "%s: ", loc);
	if (r == 0)
		r = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (r == -E2BIG)
		r = 0; /* keep the truncated message */
	if (r == 0) {
		json_t *s = jar_json_string(buf_span(&b));
		r = s ? bh_json_append_new(run->warnings, s) : -ENOMEM;
	}
	buf_done(&b);
	return r;
}

/* ---- MANIFEST.MF and pom.properties ---------------------------------------------------------- */

enum jar_attr {
	JA_IMPL_TITLE,
	JA_IMPL_VERSION,
	JA_IMPL_VENDOR,
	JA_IMPL_VENDOR_ID,
	JA_SPEC_TITLE,
	JA_SPEC_VERSION,
	JA_SPEC_VENDOR,
	JA_BUNDLE_NAME,
	JA_BUNDLE_VERSION,
	JA_BUNDLE_SYMBOLIC,
	JA_BUNDLE_LICENSE,
	_JA_MAX,
};

static const char *const jar_attr_names[_JA_MAX] = {
    [JA_IMPL_TITLE] = "Implementation-Title",	[JA_IMPL_VERSION] = "Implementation-Version",
    [JA_IMPL_VENDOR] = "Implementation-Vendor", [JA_IMPL_VENDOR_ID] = "Implementation-Vendor-Id",
    [JA_SPEC_TITLE] = "Specification-Title",	[JA_SPEC_VERSION] = "Specification-Version",
    [JA_SPEC_VENDOR] = "Specification-Vendor",	[JA_BUNDLE_NAME] = "Bundle-Name",
    [JA_BUNDLE_VERSION] = "Bundle-Version",	[JA_BUNDLE_SYMBOLIC] = "Bundle-SymbolicName",
    [JA_BUNDLE_LICENSE] = "Bundle-License",
};

struct jar_manifest {
	char *attr[_JA_MAX];
	struct strv plugin_licenses; /* Plugin-License-Name[-N] values */
};

static void jar_manifest_done(struct jar_manifest *m)
{
	for (size_t i = 0; i < _JA_MAX; i++)
		free(m->attr[i]);
	strv_done(&m->plugin_licenses);
}

/* One unfolded "Name: value" line of the main section. */
static int jar_manifest_attr(struct jar_manifest *m, struct span line)
{
	struct span name, value;
	if (!span_cut(line, ':', &name, &value))
		return 0;
	value = span_trim(value);
	/* Unexpanded build variables ("%bundleName") name nothing. */
	if (!value.len || value.ptr[0] == '%')
		return 0;
	if (span_eq_nocase(name, SPAN_LIT("Plugin-License-Name")) ||
	    (name.len > 20 &&
	     span_eq_nocase(span_make(name.ptr, 20), SPAN_LIT("Plugin-License-Name-")))) {
		_cleanup_free_ char *v = span_dup(value);
		return v ? strv_push(&m->plugin_licenses, v) : -ENOMEM;
	}
	for (size_t i = 0; i < _JA_MAX; i++)
		if (span_eq_nocase(name, span_from(jar_attr_names[i])))
			return pkg_set_span(&m->attr[i], value);
	return 0;
}

/*
 * The main section: lines end in CRLF, LF or a lone CR; a line starting with one space
 * continues the previous one (joined without the space); the first empty line ends it.
 */
static int jar_parse_manifest(struct span text, struct jar_manifest *m)
{
	_cleanup_buf_ struct buf attr;
	buf_init(&attr, JAR_TEXT_MAX);
	size_t i = 0;
	int r;
	while (i < text.len) {
		size_t start = i;
		while (i < text.len && text.ptr[i] != '\n' && text.ptr[i] != '\r')
			i++;
		struct span line = span_make(text.ptr + start, i - start);
		if (i < text.len && text.ptr[i] == '\r') {
			i++;
			if (i < text.len && text.ptr[i] == '\n')
				i++;
		} else if (i < text.len)
			i++; /* '\n' */
		if (!line.len)
			break;
		if (line.ptr[0] == ' ') {
			r = buf_append(&attr, line.ptr + 1, line.len - 1);
			if (r < 0)
				return r;
			continue;
		}
		r = jar_manifest_attr(m, buf_span(&attr));
		if (r < 0)
			return r;
		buf_clear(&attr);
		r = buf_append_span(&attr, line);
		if (r < 0)
			return r;
	}
	return jar_manifest_attr(m, buf_span(&attr));
}

struct jar_gav {
	char *g, *a, *v;
};

static void jar_gav_done(struct jar_gav *p)
{
	free(p->g);
	free(p->a);
	free(p->v);
	*p = (struct jar_gav){0};
}

static bool jar_gav_valid(const struct jar_gav *p)
{
	return p->g && *p->g && p->a && *p->a && p->v && *p->v;
}

/* Java properties as Maven writes them: "key=value" lines, '#'/'!' comments. */
static int jar_parse_pom_properties(struct span text, struct jar_gav *ret)
{
	struct span line;
	while (span_next_line(&text, &line) == 0) {
		line = span_trim(line);
		if (!line.len || line.ptr[0] == '#' || line.ptr[0] == '!')
			continue;
		size_t k = 0;
		while (k < line.len && line.ptr[k] != '=' && line.ptr[k] != ':')
			k++;
		if (k == line.len)
			continue;
		struct span key = span_trim(span_make(line.ptr, k));
		struct span value = span_trim(span_slice(line, k + 1, line.len));
		char **field = span_eq_str(key, "groupId")	? &ret->g
			       : span_eq_str(key, "artifactId") ? &ret->a
			       : span_eq_str(key, "version")	? &ret->v
								: NULL;
		if (field && pkg_set_span(field, value) < 0)
			return -ENOMEM;
	}
	return 0;
}

/*
 * "name-1.2.3.jar" → artifactId "name", version "1.2.3": split at the first '-' that is
 * followed by a digit; the name uses [A-Za-z0-9._-], the version no blanks.
 */
static int jar_name_from_file(struct span base, struct jar_gav *ret)
{
	if (base.len < 4)
		return -ENOENT;
	struct span stem = span_make(base.ptr, base.len - 4);
	for (size_t i = 1; i + 1 < stem.len; i++) {
		char c = stem.ptr[i];
		if (!ascii_isalnum((unsigned char)c) && c != '.' && c != '_' && c != '-')
			return -ENOENT;
		if (c != '-' || !ascii_isdigit((unsigned char)stem.ptr[i + 1]))
			continue;
		struct span v = span_slice(stem, i + 1, stem.len);
		for (size_t k = 0; k < v.len; k++)
			if (ascii_isspace((unsigned char)v.ptr[k]) ||
			    !ascii_isprint((unsigned char)v.ptr[k]))
				return -ENOENT;
		if (pkg_set_span(&ret->a, span_make(stem.ptr, i)) < 0 ||
		    pkg_set_span(&ret->v, v) < 0)
			return -ENOMEM;
		return 0;
	}
	return -ENOENT;
}

static const char *jar_first(struct jar_manifest *m, enum jar_attr a, enum jar_attr b,
			     enum jar_attr c)
{
	return m->attr[a] ? m->attr[a] : m->attr[b] ? m->attr[b] : m->attr[c];
}

static int jar_manifest_gav(struct jar_manifest *m, struct jar_gav *ret)
{
	const char *g = m->attr[JA_IMPL_VENDOR_ID];
	_cleanup_free_ char *sym = NULL;
	if (!g && m->attr[JA_BUNDLE_SYMBOLIC]) {
		/* "com.fasterxml.jackson.core.jackson-databind;singleton:=true": the prefix */
		struct span s = span_from(m->attr[JA_BUNDLE_SYMBOLIC]), name, rest;
		if (span_cut(s, ';', &name, &rest))
			s = name;
		s = span_trim(s);
		size_t dot = s.len;
		while (dot > 0 && s.ptr[dot - 1] != '.')
			dot--;
		if (dot > 1)
			s.len = dot - 1;
		if (!(sym = span_dup(s)))
			return -ENOMEM;
		g = sym;
	}
	if (!g)
		g = m->attr[JA_IMPL_VENDOR] ? m->attr[JA_IMPL_VENDOR] : m->attr[JA_SPEC_VENDOR];
	const char *a = jar_first(m, JA_IMPL_TITLE, JA_SPEC_TITLE, JA_BUNDLE_NAME);
	const char *v = jar_first(m, JA_IMPL_VERSION, JA_SPEC_VERSION, JA_BUNDLE_VERSION);
	if (!g || !*g || !a || !v)
		return -ENOENT;
	if (pkg_set(&ret->g, g) < 0 || pkg_set(&ret->a, a) < 0 || pkg_set(&ret->v, v) < 0)
		return -ENOMEM;
	return 0;
}

/* A few licence URLs Bundle-License uses instead of SPDX ids. */
static const struct {
	const char *url;
	const char *spdx;
} jar_license_urls[] = {
    {"apache.org/licenses/LICENSE-2.0", "Apache-2.0"},
    {"opensource.org/licenses/apache2.0", "Apache-2.0"},
    {"opensource.org/licenses/MIT", "MIT"},
    {"eclipse.org/legal/epl-v10", "EPL-1.0"},
    {"eclipse.org/legal/epl-2.0", "EPL-2.0"},
    {"eclipse.org/org/documents/edl-v10", "BSD-3-Clause"},
    {"gnu.org/licenses/lgpl-2.1", "LGPL-2.1-only"},
    {"opensource.org/licenses/BSD-3-Clause", "BSD-3-Clause"},
};

/*
 * Bundle-License: comma-separated "name;link=...;description=..." entries, commas inside
 * double quotes do not split. The name is an SPDX id or a licence URL.
 */
static int jar_bundle_licenses(const char *header, json_t *out)
{
	struct span s = span_from(header);
	bool quoted = false;
	size_t start = 0;
	for (size_t i = 0; i <= s.len; i++) {
		if (i < s.len) {
			char c = s.ptr[i];
			if (c == '\\' && quoted) {
				i++;
				continue;
			}
			if (c == '"')
				quoted = !quoted;
			if (c != ',' || quoted)
				continue;
		}
		struct span entry = span_make(s.ptr + start, MIN(i, s.len) - start), name, rest;
		start = i + 1;
		if (span_cut(entry, ';', &name, &rest))
			entry = name;
		entry = span_trim(entry);
		if (entry.len >= 2 && entry.ptr[0] == '"' && entry.ptr[entry.len - 1] == '"')
			entry = span_trim(span_make(entry.ptr + 1, entry.len - 2));
		if (!entry.len || span_eq_str(entry, "<<EXTERNAL>>"))
			continue;
		struct span id = entry;
		if (span_startswith(entry, "http://") || span_startswith(entry, "https://")) {
			id = SPAN_NULL;
			for (size_t k = 0; k < ARRAY_SIZE(jar_license_urls); k++) {
				_cleanup_free_ char *e = span_dup(entry);
				if (!e)
					return -ENOMEM;
				if (strcasestr(e, jar_license_urls[k].url)) {
					id = span_from(jar_license_urls[k].spdx);
					break;
				}
			}
			if (!id.len)
				continue;
		}
		json_t *j = jar_json_string(id);
		if (!j || bh_json_append_new(out, j) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- archives ------------------------------------------------------------------------------ */

static int jar_sha1(struct span data, char out[static 5 + 40 + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (!EVP_Digest(data.ptr, data.len, md, &n, EVP_sha1(), NULL) || n != 20)
		return -ENOMEM;
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "sha1:", 5);
	for (unsigned i = 0; i < n; i++) {
		out[5 + 2 * i] = hex[md[i] >> 4];
		out[5 + 2 * i + 1] = hex[md[i] & 15];
	}
	out[5 + 40] = 0;
	return 0;
}

static int jar_emit(struct jar_run *run, const struct jar_gav *p, const char *loc, const char *sha1,
		    json_t *licenses)
{
	_cleanup_json_ json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	const char *keys[] = {"g", "a", "v", "l"};
	const char *vals[] = {p->g ? p->g : "", p->a, p->v, loc};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		json_t *s = jar_json_string(span_from(vals[i]));
		if (!s || bh_json_set_new(o, keys[i], s) < 0)
			return -ENOMEM;
	}
	if (sha1 && bh_json_set_str(o, "s", sha1) < 0)
		return -ENOMEM;
	if (licenses && json_array_size(licenses) &&
	    bh_json_set_new(o, "lic", json_incref(licenses)) < 0)
		return -ENOMEM;
	return bh_json_append_new(run->pkgs, TAKE_PTR(o));
}

/*
 * Read the current entry's bytes into out, at most max; counted against the file's budget.
 * 0, -E2BIG (entry larger than max: skipped; or budget exhausted: run->stopped),
 * -EBADMSG (corrupt or unsupported entry), -ENOMEM.
 */
static int jar_read_entry(struct jar_run *run, struct archive *a, struct archive_entry *e,
			  size_t max, struct buf *out)
{
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
	    (uint64_t)archive_entry_size(e) > max)
		return -E2BIG;
	char chunk[65536];
	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));
		if (n == 0)
			return 0;
		if (n < 0)
			return n == ARCHIVE_FATAL && archive_errno(a) == ENOMEM ? -ENOMEM
										: -EBADMSG;
		if ((uint64_t)n > run->budget) {
			run->stopped = true;
			return -E2BIG;
		}
		run->budget -= (uint64_t)n;
		if (out->len + (size_t)n > max)
			return -E2BIG;
		int r = buf_append(out, chunk, (size_t)n);
		if (r < 0)
			return r;
	}
}

static int jar_scan(struct jar_run *run, struct span data, const char *loc, struct span name,
		    unsigned depth);

static const char *jar_entry_name(struct archive_entry *e)
{
	const char *n = archive_entry_pathname_utf8(e);
	return n ? n : archive_entry_pathname(e);
}

/* Is pom p the archive's own descriptor, judged by the archive's file name? */
static bool jar_pom_is_own(const struct jar_gav *p, struct span base, const struct jar_gav *fname)
{
	if (fname->a && streq(fname->a, p->a) && streq_ptr(fname->v, p->v))
		return true;
	if (base.len < 4)
		return false;
	struct span stem = span_make(base.ptr, base.len - 4);
	size_t al = strlen(p->a), vl = strlen(p->v);
	if (span_eq_str(stem, p->a))
		return true;
	return stem.len == al + 1 + vl && !memcmp(stem.ptr, p->a, al) && stem.ptr[al] == '-' &&
	       !memcmp(stem.ptr + al + 1, p->v, vl);
}

struct jar_archive {
	struct jar_gav *poms;
	size_t n_poms, cap_poms;
	struct jar_manifest manifest;
	bool has_manifest;
};

static void jar_archive_done(struct jar_archive *ja)
{
	for (size_t i = 0; i < ja->n_poms; i++)
		jar_gav_done(&ja->poms[i]);
	free(ja->poms);
	jar_manifest_done(&ja->manifest);
}

static int jar_child_loc(const char *loc, const char *entry, char **ret)
{
	struct buf b;
	buf_init(&b, 0);
	int r = *loc ? buf_printf(&b, "%s:%s", loc, entry) : buf_puts(&b, entry);
	if (r < 0) {
		buf_done(&b);
		return r;
	}
	*ret = buf_take(&b);
	return 0;
}

/* One entry of an archive: pom.properties, the manifest, or a nested archive. */
static int jar_entry(struct jar_run *run, struct archive *a, struct archive_entry *e,
		     const char *loc, unsigned depth, struct jar_archive *ja)
{
	const char *ename = jar_entry_name(e);
	if (!ename || archive_entry_filetype(e) != AE_IFREG)
		return 0;
	struct span en = span_from(ename), base = jar_basename(en);
	bool is_pom = span_eq_str(base, "pom.properties");
	bool is_manifest = span_eq_nocase(en, SPAN_LIT("META-INF/MANIFEST.MF"));
	bool is_nested = jar_is_archive_name(en);
	if (!is_pom && !is_manifest && !is_nested)
		return 0;
	if (is_nested && depth >= run->limits->archive_max_depth)
		return jar_warn(run, loc,
				"'%s' nested deeper than %llu archives (archive-max-depth)", ename,
				(unsigned long long)run->limits->archive_max_depth);

	size_t max = is_nested ? (size_t)MIN(run->limits->capture_max_bytes, (uint64_t)SIZE_MAX - 1)
			       : JAR_TEXT_MAX;
	_cleanup_buf_ struct buf content;
	buf_init(&content, max);
	int r = jar_read_entry(run, a, e, max, &content);
	if (r == -ENOMEM)
		return r;
	if (r == -E2BIG && run->stopped)
		return jar_warn(run, loc,
				"more than %llu bytes inflated (capture-max-bytes), "
				"possible zip bomb, stopping",
				(unsigned long long)run->limits->capture_max_bytes);
	if (r == -E2BIG)
		return jar_warn(run, loc, "'%s' is larger than %zu bytes", ename, max);
	if (r < 0)
		return jar_warn(run, loc, "cannot read '%s': %s", ename,
				archive_error_string(a) ? archive_error_string(a)
							: "corrupt entry");
	struct span text = buf_span(&content);
	if (is_pom) {
		struct jar_gav p = {0};
		r = jar_parse_pom_properties(text, &p);
		if (r == 0 && !jar_gav_valid(&p))
			r = jar_warn(run, loc, "'%s' lacks groupId, artifactId or version", ename);
		else if (r == 0) {
			r = GROW(ja->poms, ja->n_poms, ja->cap_poms);
			if (r == 0) {
				ja->poms[ja->n_poms++] = p;
				p = (struct jar_gav){0};
			}
		}
		jar_gav_done(&p);
		return r;
	}
	if (is_manifest) {
		jar_manifest_done(&ja->manifest);
		ja->manifest = (struct jar_manifest){0};
		ja->has_manifest = true;
		return jar_parse_manifest(text, &ja->manifest);
	}
	_cleanup_free_ char *child = NULL;
	r = jar_child_loc(loc, ename, &child);
	if (r < 0)
		return r;
	return jar_scan(run, text, child, base, depth + 1);
}

/* Walk the entries; a broken archive keeps what was read before the damage. */
static int jar_walk(struct jar_run *run, struct span data, const char *loc, unsigned depth,
		    bool seekable, struct jar_archive *ja, bool *ret_opened)
{
	struct archive *a = archive_read_new();
	if (!a)
		return -ENOMEM;
	if (seekable)
		(void)archive_read_support_format_zip_seekable(a);
	else
		(void)archive_read_support_format_zip_streamable(a);
	int r = 0;
	*ret_opened = false;
	if (archive_read_open_memory(a, data.ptr, data.len) != ARCHIVE_OK)
		goto out;
	for (;;) {
		struct archive_entry *e;
		int ar = archive_read_next_header(a, &e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN) {
			if (*ret_opened)
				r = jar_warn(run, loc, "corrupt archive: %s, stopping",
					     archive_error_string(a) ? archive_error_string(a)
								     : "?");
			break;
		}
		*ret_opened = true;
		if (run->entries == 0) {
			run->stopped = true;
			r = jar_warn(run, loc,
				     "more than %llu entries (archive-max-entries), stopping",
				     (unsigned long long)run->limits->archive_max_entries);
			break;
		}
		run->entries--;
		r = jar_entry(run, a, e, loc, depth, ja);
		if (r < 0 || run->stopped)
			break;
	}
out:
	archive_read_free(a);
	return r;
}

static int jar_scan(struct jar_run *run, struct span data, const char *loc, struct span name,
		    unsigned depth)
{
	struct jar_archive ja = {0};
	_cleanup_json_ json_t *licenses = json_array();
	struct jar_gav fname = {0}, own = {0};
	char sha1[5 + 40 + 1];
	bool opened;
	int r = licenses ? jar_sha1(data, sha1) : -ENOMEM;
	if (r < 0)
		goto out;
	r = jar_walk(run, data, loc, depth, true, &ja, &opened);
	if (r == 0 && !opened && !run->stopped) {
		/* No central directory (truncated?): the streaming reader may still read entries.
		 */
		jar_archive_done(&ja);
		ja = (struct jar_archive){0};
		r = jar_walk(run, data, loc, depth, false, &ja, &opened);
		if (r == 0 && !opened) {
			r = jar_warn(run, loc, "not a zip archive");
			goto out;
		}
	}
	if (r < 0)
		goto out;

	r = jar_name_from_file(name, &fname);
	if (r == -ENOMEM)
		goto out;
	if (ja.has_manifest) {
		for (size_t i = 0; i < ja.manifest.plugin_licenses.n; i++) {
			json_t *s = jar_json_string(span_from(ja.manifest.plugin_licenses.v[i]));
			if (!s || bh_json_append_new(licenses, s) < 0) {
				r = -ENOMEM;
				goto out;
			}
		}
		if (!json_array_size(licenses) && ja.manifest.attr[JA_BUNDLE_LICENSE]) {
			r = jar_bundle_licenses(ja.manifest.attr[JA_BUNDLE_LICENSE], licenses);
			if (r < 0)
				goto out;
		}
	}

	/*
	 * Which package is the archive itself: a pom.properties matching the file name; else
	 * the manifest's (or the pom.properties it repeats); else the only pom.properties;
	 * else the file name.
	 */
	ssize_t own_pom = -1;
	struct jar_gav *own_extra = NULL;
	for (size_t i = 0; i < ja.n_poms && own_pom < 0; i++)
		if (jar_pom_is_own(&ja.poms[i], name, &fname))
			own_pom = (ssize_t)i;
	if (own_pom < 0) {
		r = ja.has_manifest ? jar_manifest_gav(&ja.manifest, &own) : -ENOENT;
		if (r == -ENOMEM)
			goto out;
		if (r == 0) {
			own_extra = &own;
			for (size_t i = 0; i < ja.n_poms && own_pom < 0; i++)
				if (streq(ja.poms[i].g, own.g) && streq(ja.poms[i].a, own.a) &&
				    streq(ja.poms[i].v, own.v)) {
					own_pom = (ssize_t)i;
					own_extra = NULL;
				}
		}
	}
	if (own_pom < 0 && !own_extra && ja.n_poms == 1)
		own_pom = 0;
	if (own_pom < 0 && !own_extra && fname.a && fname.v)
		own_extra = &fname;

	for (size_t i = 0; i < ja.n_poms; i++) {
		bool dup = false;
		for (size_t k = 0; k < i && !dup; k++)
			dup = streq(ja.poms[k].g, ja.poms[i].g) &&
			      streq(ja.poms[k].a, ja.poms[i].a) &&
			      streq(ja.poms[k].v, ja.poms[i].v);
		if (dup)
			continue;
		bool is_own = (ssize_t)i == own_pom;
		r = jar_emit(run, &ja.poms[i], loc, is_own ? sha1 : NULL, is_own ? licenses : NULL);
		if (r < 0)
			goto out;
	}
	r = own_extra ? jar_emit(run, own_extra, loc, sha1, licenses) : 0;
out:
	jar_gav_done(&own);
	jar_gav_done(&fname);
	jar_archive_done(&ja);
	return r;
}

static int jar_reduce(struct span path, struct span data, const struct bh_limits *limits,
		      struct buf *out)
{
	struct jar_run run = {
	    .limits = limits,
	    .budget = limits->capture_max_bytes,
	    .entries = limits->archive_max_entries,
	    .pkgs = json_array(),
	    .warnings = json_array(),
	};
	_cleanup_json_ json_t *root = json_object();
	int r = -ENOMEM;
	if (!root || !run.pkgs || !run.warnings) {
		json_decref(run.pkgs);
		json_decref(run.warnings);
		return r;
	}
	r = bh_json_set_new(root, "p", run.pkgs);
	if (r == 0)
		r = bh_json_set_new(root, "w", run.warnings);
	else
		json_decref(run.warnings);
	if (r < 0)
		return r;
	r = jar_scan(&run, data, "", jar_basename(path), 0);
	if (r < 0)
		return r;
	char *s = json_dumps(root, JSON_COMPACT);
	if (!s)
		return -ENOMEM;
	r = buf_puts(out, s);
	free(s);
	return r;
}

/* ---- catalog -------------------------------------------------------------------------------- */

static int jar_catalog_file(struct img_catalog_ctx *ctx, const struct img_file *f,
			    const struct img_blob *blob)
{
	_cleanup_json_ json_t *root = NULL;
	struct bh_diag diag = {0};
	int r = bh_json_parse(span_make(blob->data, blob->len), ctx->limits, f->path, &root, &diag);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		/* Our own output: only a limit smaller than the result gets here. */
		img_catalog_warn(ctx, f->path, 0, "cannot read Java archive summary: %s",
				 diag.message);
		return 0;
	}
	json_t *w = bh_json_arr(root, "w"), *pkgs = bh_json_arr(root, "p"), *v;
	size_t i;
	json_array_foreach(w, i, v) if (json_is_string(v))
	    img_catalog_warn(ctx, f->path, 0, "%s", json_string_value(v));
	json_array_foreach(pkgs, i, v)
	{
		const char *g = bh_json_str(v, "g"), *a = bh_json_str(v, "a");
		const char *ver = bh_json_str(v, "v"), *loc = bh_json_str(v, "l");
		const char *sha1 = bh_json_str(v, "s");
		if (!a || !*a || !ver || !*ver)
			continue;
		_cleanup_(pkg_freep) struct pkg *p = pkg_new(PKG_MAVEN);
		if (!p || pkg_set(&p->name, a) < 0 || pkg_set(&p->version, ver) < 0 ||
		    pkg_set(&p->namespace, g && *g ? g : a) < 0 ||
		    (sha1 && pkg_set(&p->checksum, sha1) < 0))
			return -ENOMEM;
		if (loc && *loc) {
			struct buf b;
			buf_init(&b, 0);
			if (buf_printf(&b, "/%s:%s", f->path, loc) < 0) {
				buf_done(&b);
				return -ENOMEM;
			}
			p->location = buf_take(&b);
		}
		json_t *lic = bh_json_arr(v, "lic"), *l;
		size_t k;
		json_array_foreach(lic, k, l) if (json_is_string(l) &&
						  strv_push(&p->licenses, json_string_value(l)) <
						      0) return -ENOMEM;
		r = img_catalog_add(ctx, f, TAKE_PTR(p));
		if (r < 0)
			return r;
	}
	return 0;
}

static int jar_catalog(struct img_catalog_ctx *ctx)
{
	return img_catalog_foreach_content(ctx, jar_catalog_file);
}

const struct img_cataloger img_cataloger_java = {
    .name = "java",
    .want = jar_want,
    .reduce = jar_reduce,
    .catalog = jar_catalog,
};
