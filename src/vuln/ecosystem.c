/* SPDX-License-Identifier: Apache-2.0 */
/* ecosystem.c — see ecosystem.h. */
#include <string.h>

#include "vuln/ecosystem.h"

static const struct vuln_ecosystem ecosystems[] = {
	{ "AlmaLinux", VER_RPM, true },
	{ "Alpine", VER_APK, true },
	{ "Debian", VER_DPKG, true },
	{ "Go", VER_GO, false },
	{ "Maven", VER_MAVEN, false },
	{ "PyPI", VER_PEP440, false },
	{ "Red Hat", VER_RPM, true },
	{ "Rocky Linux", VER_RPM, true },
	{ "RubyGems", VER_RUBYGEMS, false },
	{ "Ubuntu", VER_DPKG, true },
	{ "crates.io", VER_SEMVER, false },
	{ "npm", VER_NPM, false },
};

size_t vuln_ecosystem_count(void)
{
	return ARRAY_SIZE(ecosystems);
}

const struct vuln_ecosystem *vuln_ecosystem_at(size_t i)
{
	return i < ARRAY_SIZE(ecosystems) ? &ecosystems[i] : NULL;
}

const struct vuln_ecosystem *vuln_ecosystem_find(struct span base)
{
	for (size_t i = 0; i < ARRAY_SIZE(ecosystems); i++)
		if (span_eq_str(base, ecosystems[i].name))
			return &ecosystems[i];
	return NULL;
}

static const struct vuln_ecosystem *eco_named(const char *name)
{
	return vuln_ecosystem_find(span_from(name));
}

void vuln_ecosystem_split(const char *ecosystem, struct span *ret_base, struct span *ret_release)
{
	struct span all = span_from(ecosystem);
	if (!span_cut(all, ':', ret_base, ret_release)) {
		*ret_base = all;
		*ret_release = span_make(ecosystem + all.len, 0);
	}
}

int vuln_ecosystem_name_key(const char *base, struct span name, struct buf *out)
{
	if (!streq(base, "PyPI"))
		return buf_append_span(out, name);
	/* PEP 503: re.sub(r"[-_.]+", "-", name).lower() */
	bool in_sep = false;
	for (size_t i = 0; i < name.len; i++) {
		char c = name.ptr[i];
		int r;
		if (c == '-' || c == '_' || c == '.') {
			if (in_sep)
				continue;
			in_sep = true;
			r = buf_putc(out, '-');
		} else {
			in_sep = false;
			r = buf_putc(out, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* The leading "major" or "major.minor" of an os-release VERSION_ID into out. */
static bool version_prefix(const char *v, unsigned parts, char *out, size_t size)
{
	if (!v || !ascii_isdigit(v[0]))
		return false;
	size_t n = 0;
	for (unsigned seen = 1;; seen++) {
		while (ascii_isdigit(v[n]))
			n++;
		if (v[n] != '.' || seen >= parts || !ascii_isdigit(v[n + 1]))
			break;
		n++;
	}
	if (n + 1 > size)
		return false;
	memcpy(out, v, n);
	out[n] = '\0';
	return true;
}

/* Distro ecosystem and release for the image's OS; NULL when not matched. */
static const struct vuln_ecosystem *distro_of(const struct img *img, enum pkg_type type,
					      char *release, size_t size)
{
	const char *id = img->os.id, *vid = img->os.version_id;
	if (!id)
		return NULL;
	switch (type) {
	case PKG_DEB:
		if (streq(id, "debian") && version_prefix(vid, 1, release, size))
			return eco_named("Debian");
		if (streq(id, "ubuntu") && version_prefix(vid, 2, release, size))
			return eco_named("Ubuntu");
		return NULL;
	case PKG_APK:
		if (streq(id, "alpine") && size > 1 && version_prefix(vid, 2, release + 1, size - 1)) {
			release[0] = 'v';
			return eco_named("Alpine");
		}
		return NULL;
	case PKG_RPM:
		if (!version_prefix(vid, 1, release, size))
			return NULL;
		if (streq(id, "rhel"))
			return eco_named("Red Hat");
		if (streq(id, "rocky"))
			return eco_named("Rocky Linux");
		if (streq(id, "almalinux"))
			return eco_named("AlmaLinux");
		return NULL;
	default:
		return NULL;
	}
}

int vuln_pkg_key_init(struct vuln_pkg_key *key, const struct pkg *pkg, const struct img *img)
{
	*key = (struct vuln_pkg_key){ 0 };
	buf_init(&key->name, 1024);
	if (!pkg->name || !pkg->version || !*pkg->version)
		return -ENOENT;
	key->version = pkg->version;
	struct span name = span_from(pkg->name);
	_cleanup_buf_ struct buf full;
	buf_init(&full, 1024);
	int r = 0;
	switch (pkg->type) {
	case PKG_DEB:
		/* OSV Debian and Ubuntu records name source packages at source versions. */
		if (pkg->source_name)
			name = span_from(pkg->source_name);
		if (pkg->source_version)
			key->version = pkg->source_version;
		key->eco = distro_of(img, pkg->type, key->release, sizeof(key->release));
		key->esm = key->eco && streq(key->eco->name, "Ubuntu") &&
			   strstr(key->version, "esm") != NULL;
		break;
	case PKG_APK:
		/* Alpine's secdb (and OSV from it) names the origin (source) package. */
		if (pkg->source_name)
			name = span_from(pkg->source_name);
		key->eco = distro_of(img, pkg->type, key->release, sizeof(key->release));
		break;
	case PKG_RPM:
		/* Red Hat family OSV records name binary packages; versions are EVR. */
		key->eco = distro_of(img, pkg->type, key->release, sizeof(key->release));
		break;
	case PKG_PYPI:
		key->eco = eco_named("PyPI");
		break;
	case PKG_NPM:
		key->eco = eco_named("npm");
		if (pkg->namespace) { /* the scope, "@babel" (the '@' is optional here) */
			r = buf_printf(&full, "%s%s/%s", pkg->namespace[0] == '@' ? "" : "@",
				       pkg->namespace, pkg->name);
			name = buf_span(&full);
		}
		break;
	case PKG_MAVEN:
		key->eco = eco_named("Maven");
		if (pkg->namespace) {
			r = buf_printf(&full, "%s:%s", pkg->namespace, pkg->name);
			name = buf_span(&full);
		}
		break;
	case PKG_GOLANG:
		key->eco = eco_named("Go");
		/* The toolchain is OSV's "stdlib" module; its version "go1.22.4" is v1.22.4. */
		if (!pkg->namespace && streq(pkg->name, "stdlib") && !strncmp(key->version, "go", 2))
			key->version += 2;
		if (pkg->namespace) {
			r = buf_printf(&full, "%s/%s", pkg->namespace, pkg->name);
			name = buf_span(&full);
		}
		break;
	case PKG_GEM:
		key->eco = eco_named("RubyGems");
		break;
	case PKG_CARGO:
		key->eco = eco_named("crates.io");
		break;
	default:
		break;
	}
	if (r < 0)
		return r;
	if (!key->eco)
		return -ENOENT;
	return vuln_ecosystem_name_key(key->eco->name, name, &key->name);
}

void vuln_pkg_key_done(struct vuln_pkg_key *key)
{
	buf_done(&key->name);
}

/* The first ':'-separated field of s that starts with a digit ("enterprise_linux:9::x"). */
static struct span first_numeric_field(struct span s)
{
	struct span tok;
	while (span_next_token(&s, ':', &tok) == 0)
		if (tok.len && ascii_isdigit(tok.ptr[0]))
			return tok;
	return span_make(s.ptr, 0);
}

bool vuln_ecosystem_release_applies(const struct vuln_pkg_key *key, struct span release)
{
	if (!key->eco || !key->eco->distro)
		return true;
	struct span want = span_from(key->release);
	const char *eco = key->eco->name;
	if (streq(eco, "Debian") || streq(eco, "Alpine"))
		return span_eq(release, want);
	if (streq(eco, "Ubuntu")) {
		/* "22.04", "22.04:LTS", "Pro:18.04:LTS", "Pro:FIPS:20.04:LTS", ... */
		bool pro = span_startswith(release, "Pro:");
		if (pro && !key->esm)
			return false;
		struct span v = first_numeric_field(release);
		return span_eq(v, want);
	}
	/* Red Hat family: the major version of the first numeric field ("9", "8.6", "9.2.0"). */
	struct span v = first_numeric_field(release);
	ssize_t dot = span_index(v, '.');
	if (dot >= 0)
		v.len = (size_t)dot;
	return span_eq(v, want);
}
