/* SPDX-License-Identifier: Apache-2.0 */
/*
 * purl.c — Package URLs (ECMA-427 / github.com/package-url/purl-spec) for every package
 * we catalogue, and the package's bom-ref.
 *
 * Canonical form built here:
 *   pkg:TYPE[/NS-SEGMENT/...]/NAME[@VERSION][?KEY=VALUE&...]
 * - the type is lower case and never encoded;
 * - namespace segments, name, version and qualifier values are percent-encoded: every
 *   byte except A-Z a-z 0-9 . - _ ~ and ':' becomes %XX (upper-case hex), so '+' is %2B,
 *   '@' %40, '/' inside a value %2F, space %20, and UTF-8 bytes are encoded one by one;
 * - qualifiers are sorted by key and pairs with an empty value are dropped.
 * Type rules (PURL-TYPES): deb and apk lower-case namespace and name; rpm lower-cases
 * the namespace only; pypi lower-cases the name and folds runs of '-', '_', '.' to '-';
 * npm lower-cases scope and name and writes the scope with its '@' (%40); maven, gem,
 * cargo keep case. golang keeps case too, deliberately: Go module paths are
 * case-sensitive (github.com/BurntSushi/toml), vulnerability databases and every SBOM
 * consumer key on the exact path, and the purl test suite only warns on upper case.
 * Qualifiers follow what Syft writes so that consumers (Grype, Dependency-Track, OSV)
 * match: arch=, distro=, epoch= (rpm with an explicit Epoch), upstream= (deb/apk: source
 * package name, "name@version" when the source version differs; rpm: the source RPM file
 * name "name-version-release.src.rpm").
 *
 * This file must not depend on anything but the package itself: no image, no I/O.
 */
#include "bulkhead/pkg.h"
#include "common/common.h"
#include "common/hash.h"

static const char *const purl_types[_PKG_TYPE_MAX] = {
    [PKG_DEB] = "deb",	   [PKG_APK] = "apk", [PKG_RPM] = "rpm",
    [PKG_PYPI] = "pypi",   [PKG_NPM] = "npm", [PKG_GOLANG] = "golang",
    [PKG_MAVEN] = "maven", [PKG_GEM] = "gem", [PKG_CARGO] = "cargo",
};

const char *pkg_type_purl(enum pkg_type t)
{
	if ((unsigned)t >= _PKG_TYPE_MAX || !purl_types[t])
		return "generic";
	return purl_types[t];
}

enum fold {
	FOLD_NONE,
	FOLD_LOWER,
	FOLD_PYPI, /* lower case, runs of [-_.] become one '-' (PEP 503) */
};

static bool purl_is_literal(unsigned char c)
{
	return ascii_isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == ':';
}

/* Append s percent-encoded (after folding) to b. */
static int purl_put(struct buf *b, struct span s, enum fold fold)
{
	static const char hex[] = "0123456789ABCDEF";
	int r;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (fold == FOLD_PYPI && (c == '-' || c == '_' || c == '.')) {
			while (i + 1 < s.len &&
			       (s.ptr[i + 1] == '-' || s.ptr[i + 1] == '_' || s.ptr[i + 1] == '.'))
				i++;
			c = '-';
		} else if (fold != FOLD_NONE)
			c = (unsigned char)ascii_tolower(c);
		if (purl_is_literal(c))
			r = buf_putc(b, (char)c);
		else {
			char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
			r = buf_append(b, esc, sizeof(esc));
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Namespace: segments split on '/', empty segments dropped, each encoded. */
static int purl_put_namespace(struct buf *b, struct span ns, enum fold fold)
{
	struct span seg;
	int r;
	while (span_next_token(&ns, '/', &seg) == 0) {
		if (seg.len == 0)
			continue;
		r = purl_put(b, seg, fold);
		if (r >= 0)
			r = buf_putc(b, '/');
		if (r < 0)
			return r;
	}
	return 0;
}

struct qualifier {
	const char *key;
	char *value; /* owned */
};

static int qualifier_cmp(const void *a, const void *b)
{
	return strcmp(((const struct qualifier *)a)->key, ((const struct qualifier *)b)->key);
}

static bool str_empty(const char *s)
{
	return !s || !*s;
}

/* upstream= value into *ret, NULL when the package is its own source. 0 or -ENOMEM. */
static int purl_upstream(const struct pkg *p, char **ret)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r;
	*ret = NULL;
	if (p->type == PKG_RPM) {
		if (str_empty(p->source_name))
			return 0;
		/* Syft and rpm itself name the source by its file: glibc-2.34-60.el9.src.rpm */
		if (span_endswith(span_from(p->source_name), ".rpm"))
			r = buf_puts(&b, p->source_name);
		else
			r = buf_printf(&b, "%s-%s.src.rpm", p->source_name,
				       p->source_version ? p->source_version
							 : (p->version ? p->version : ""));
	} else if (p->type == PKG_DEB || p->type == PKG_APK) {
		const char *src = str_empty(p->source_name) ? p->name : p->source_name;
		bool other_version =
		    !str_empty(p->source_version) && !streq_ptr(p->source_version, p->version);
		if (streq_ptr(src, p->name) && !other_version)
			return 0;
		r = buf_puts(&b, src);
		if (r >= 0 && other_version)
			r = buf_printf(&b, "@%s", p->source_version);
	} else
		return 0;
	if (r < 0)
		return r;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

static void qualifiers_free(struct qualifier *q, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(q[i].value);
}

/*
 * Split a package's name into purl namespace and name where the ecosystem writes them
 * together: Go module path "github.com/a/b" and an npm name "@scope/name".
 */
static void purl_split_name(const struct pkg *p, struct span *ret_ns, struct span *ret_name)
{
	struct span name = span_from(p->name), ns = span_from(p->namespace ? p->namespace : "");
	if (ns.len == 0 &&
	    (p->type == PKG_GOLANG || (p->type == PKG_NPM && name.len > 0 && name.ptr[0] == '@'))) {
		for (size_t i = name.len; i > 0; i--)
			if (name.ptr[i - 1] == '/') {
				ns = span_make(name.ptr, i - 1);
				name = span_slice(name, i, name.len - i);
				break;
			}
	}
	*ret_ns = ns;
	*ret_name = name;
}

static int purl_build(const struct pkg *p, struct buf *b)
{
	struct span ns, name;
	enum fold ns_fold = FOLD_NONE, name_fold = FOLD_NONE;
	int r;
	/* deb/rpm/apk: the namespace is the distro vendor ("debian"), set by the cataloger */

	purl_split_name(p, &ns, &name);
	switch (p->type) {
	case PKG_DEB:
	case PKG_APK:
		ns_fold = name_fold = FOLD_LOWER;
		break;
	case PKG_RPM:
		ns_fold = FOLD_LOWER;
		break;
	case PKG_PYPI:
		name_fold = FOLD_PYPI;
		ns = (struct span){"", 0}; /* pypi has no namespace */
		break;
	case PKG_NPM:
		ns_fold = name_fold = FOLD_LOWER;
		break;
	default:
		break;
	}

	r = buf_printf(b, "pkg:%s/", pkg_type_purl(p->type));
	if (r < 0)
		return r;
	if (ns.len > 0) {
		if (p->type == PKG_NPM && ns.ptr[0] != '@') {
			/* a scope stored without its '@' */
			r = buf_puts(b, "%40");
			if (r < 0)
				return r;
		}
		r = purl_put_namespace(b, ns, ns_fold);
		if (r < 0)
			return r;
	}
	/* leading and trailing slashes of the name are not significant */
	while (name.len > 0 && name.ptr[0] == '/')
		name = span_slice(name, 1, name.len - 1);
	while (name.len > 0 && name.ptr[name.len - 1] == '/')
		name.len--;
	r = purl_put(b, name, name_fold);
	if (r < 0)
		return r;

	struct span version = span_from(p->version ? p->version : "");
	if (p->type == PKG_RPM && p->has_epoch) {
		/* the epoch travels as a qualifier; drop an "E:" prefix a cataloger kept */
		struct span e, rest;
		uint64_t ev;
		if (span_cut(version, ':', &e, &rest) && parse_u64(e, 10, UINT32_MAX, &ev) == 0 &&
		    ev == p->epoch)
			version = rest;
	}
	/* The Go toolchain: pkg:golang/stdlib@1.22.4, as Syft and OSV write it. */
	if (p->type == PKG_GOLANG && !p->namespace && p->name && streq(p->name, "stdlib") &&
	    span_startswith(version, "go"))
		version = span_slice(version, 2, SIZE_MAX);
	if (version.len > 0) {
		r = buf_putc(b, '@');
		if (r >= 0)
			r = purl_put(b, version, FOLD_NONE);
		if (r < 0)
			return r;
	}

	struct qualifier q[4];
	size_t nq = 0;
	char epoch[16];
	if (!str_empty(p->arch))
		q[nq++] = (struct qualifier){"arch", strdup(p->arch)};
	if (!str_empty(p->distro))
		q[nq++] = (struct qualifier){"distro", strdup(p->distro)};
	if (p->type == PKG_RPM && p->has_epoch) {
		(void)xsnprintf(epoch, sizeof(epoch), "%u", p->epoch);
		q[nq++] = (struct qualifier){"epoch", strdup(epoch)};
	}
	char *up;
	r = purl_upstream(p, &up);
	if (up)
		q[nq++] = (struct qualifier){"upstream", up};
	for (size_t i = 0; i < nq; i++)
		if (!q[i].value)
			r = -ENOMEM;
	if (r < 0) {
		qualifiers_free(q, nq);
		return r;
	}
	qsort(q, nq, sizeof(q[0]), qualifier_cmp);
	for (size_t i = 0; i < nq && r >= 0; i++) {
		r = buf_printf(b, "%c%s=", i == 0 ? '?' : '&', q[i].key);
		if (r >= 0)
			r = purl_put(b, span_from(q[i].value), FOLD_NONE);
	}
	qualifiers_free(q, nq);
	return r;
}

/*
 * bom-ref: the purl plus a package-id qualifier, a short hash over everything that tells
 * two packages with the same purl apart (the place it was found, the unnormalised name
 * and version). Stable across runs; unique in practice within one document (renderers
 * still de-duplicate).
 */
static int purl_bom_ref(const struct pkg *p, char **ret)
{
	struct bh_sha256 h;
	char digest[BH_DIGEST_STR_LEN + 1];
	const char *parts[] = {pkg_type_purl(p->type),
			       p->namespace,
			       p->name,
			       p->version,
			       p->arch,
			       p->location,
			       p->purl};
	int r = bh_sha256_init(&h);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		const char *s = parts[i] ? parts[i] : "";
		bh_sha256_update(&h, s, strlen(s) + 1);
	}
	bh_sha256_final_str(&h, digest);

	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	r = buf_printf(&b, "%s%cpackage-id=%.16s", p->purl, strchr(p->purl, '?') ? '&' : '?',
		       digest + 7);
	if (r < 0)
		return r;
	char *s = buf_take(&b);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int pkg_finalize(struct pkg *p)
{
	if (!p || str_empty(p->name))
		return -EINVAL;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = purl_build(p, &b);
	if (r < 0)
		return r;
	char *purl = buf_take(&b);
	if (!purl)
		return -ENOMEM;
	free(p->purl);
	p->purl = purl;

	char *ref;
	r = purl_bom_ref(p, &ref);
	if (r < 0)
		return r;
	free(p->bom_ref);
	p->bom_ref = ref;
	return 0;
}
