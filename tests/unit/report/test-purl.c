/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-purl.c — pkg_finalize(): Package URLs and bom-refs.
 * The "build" vectors are transcribed from the purl-spec test suite
 * (github.com/package-url/purl-spec tests/types/{deb,rpm,apk,pypi,npm,golang,maven,gem,
 * cargo}-test.json and test-suite-data.json) for the types we emit; the Syft-style
 * qualifier vectors (upstream=, distro=) follow what Syft writes for the same packages.
 */
#include "bulkhead/pkg.h"
#include "tap.h"

struct vec {
	enum pkg_type type;
	const char *namespace, *name, *version, *arch, *distro;
	const char *source_name, *source_version;
	bool has_epoch;
	uint32_t epoch;
	const char *want;
};

static const struct vec spec_vectors[] = {
    /* deb-test.json */
    {PKG_DEB, "debian", "curl", "7.50.3-1", "i386", "jessie",
     .want = "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie"},
    {PKG_DEB, "debian", "dpkg", "1.19.0.4", "amd64", "stretch",
     .want = "pkg:deb/debian/dpkg@1.19.0.4?arch=amd64&distro=stretch"},
    {PKG_DEB, "ubuntu", "dpkg", "1.19.0.4", "amd64", NULL,
     .want = "pkg:deb/ubuntu/dpkg@1.19.0.4?arch=amd64"},
    {PKG_DEB, "debian", "attr", "1:2.4.47-2", "source", NULL,
     .want = "pkg:deb/debian/attr@1:2.4.47-2?arch=source"},
    {PKG_DEB, "debian", "attr", "1:2.4.47-2+b1", "amd64", NULL,
     .want = "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64"},
    /* rpm-test.json */
    {PKG_RPM, "fedora", "curl", "7.50.3-1.fc25", "i386", "fedora-25",
     .want = "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25"},
    {PKG_RPM, "Fedora", "curl", "7.50.3-1.fc25", "i386", "fedora-25",
     .want = "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25"},
    {PKG_RPM, NULL, "centerim", "4.22.10-1.el6", "i686", "fedora-25", .has_epoch = true, .epoch = 1,
     .want = "pkg:rpm/centerim@4.22.10-1.el6?arch=i686&distro=fedora-25&epoch=1"},
    /* apk-definition.json examples */
    {PKG_APK, "alpine", "curl", "7.83.0-r0", "x86", NULL,
     .want = "pkg:apk/alpine/curl@7.83.0-r0?arch=x86"},
    {PKG_APK, "alpine", "apk", "2.12.9-r3", "x86", NULL,
     .want = "pkg:apk/alpine/apk@2.12.9-r3?arch=x86"},
    /* pypi-test.json, test-suite-data.json */
    {PKG_PYPI, NULL, "My.PyPI_.--._Package", "1.11.1.dev1",
     .want = "pkg:pypi/my-pypi-package@1.11.1.dev1"},
    {PKG_PYPI, NULL, "Django_package", "1.11.1.dev1",
     .want = "pkg:pypi/django-package@1.11.1.dev1"},
    {PKG_PYPI, NULL, "django-allauth", "12.23", .want = "pkg:pypi/django-allauth@12.23"},
    /* npm-test.json */
    {PKG_NPM, "@angular", "animation", "12.3.1", .want = "pkg:npm/%40angular/animation@12.3.1"},
    {PKG_NPM, NULL, "foobar", "12.3.1", .want = "pkg:npm/foobar@12.3.1"},
    {PKG_NPM, NULL, "LoDash", "4.17.21", .want = "pkg:npm/lodash@4.17.21"},
    {PKG_NPM, "@MyScope", "MyPackage", "1.0.0", .want = "pkg:npm/%40myscope/mypackage@1.0.0"},
    {PKG_NPM, NULL, "my-package.js", "1.0.0", .want = "pkg:npm/my-package.js@1.0.0"},
    {PKG_NPM, NULL, "react", NULL, .want = "pkg:npm/react"},
    /* golang-test.json */
    {PKG_GOLANG, "github.com/gorilla", "context", "234fd47e07d1004f0aed9c",
     .want = "pkg:golang/github.com/gorilla/context@234fd47e07d1004f0aed9c"},
    {PKG_GOLANG, "google.golang.org", "genproto", NULL,
     .want = "pkg:golang/google.golang.org/genproto"},
    /* maven-test.json, test-suite-data.json */
    {PKG_MAVEN, "org.apache.commons", "io", "1.3.4",
     .want = "pkg:maven/org.apache.commons/io@1.3.4"},
    {PKG_MAVEN, "org.apache.commons", "io", NULL, .want = "pkg:maven/org.apache.commons/io"},
    {PKG_MAVEN, "HTTPClient", "HTTPClient", "0.3-3",
     .want = "pkg:maven/HTTPClient/HTTPClient@0.3-3"},
    {PKG_MAVEN, "mygroup", "myartifact", "1.0.0 Final",
     .want = "pkg:maven/mygroup/myartifact@1.0.0%20Final"},
    {PKG_MAVEN, "org.apache.xmlgraphics", "batik-anim", "1.9.1",
     .want = "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1"},
    /* gem-test.json */
    {PKG_GEM, NULL, "ruby-advisory-db-check", "0.12.4",
     .want = "pkg:gem/ruby-advisory-db-check@0.12.4"},
    {PKG_GEM, NULL, "jruby-launcher", "1.1.2", .want = "pkg:gem/jruby-launcher@1.1.2"},
    /* cargo-test.json */
    {PKG_CARGO, NULL, "rand", "0.7.2", .want = "pkg:cargo/rand@0.7.2"},
    {PKG_CARGO, NULL, "clap", "2.33.0", .want = "pkg:cargo/clap@2.33.0"},
    {PKG_CARGO, NULL, "structopt", "0.3.11", .want = "pkg:cargo/structopt@0.3.11"},
};

/* Qualifiers and encodings as we (and Syft) write them for real packages. */
static const struct vec our_vectors[] = {
    {PKG_DEB, "debian", "libc6", "2.36-9+deb12u4", "amd64", "debian-12", "glibc", NULL,
     .want = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"},
    {PKG_DEB, "debian", "libc6", "2.36-9+b1", NULL, "debian-12", "glibc", "2.36-9",
     .want = "pkg:deb/debian/libc6@2.36-9%2Bb1?distro=debian-12&upstream=glibc%402.36-9"},
    {PKG_DEB, "ubuntu", "libc6", "2.35-0ubuntu3.8", "amd64", "ubuntu-22.04", "glibc",
     "2.35-0ubuntu3.9",
     .want = "pkg:deb/ubuntu/libc6@2.35-0ubuntu3.8?arch=amd64&"
	     "distro=ubuntu-22.04&upstream=glibc%402.35-0ubuntu3.9"},
    /* source named like the binary, same version: no upstream */
    {PKG_DEB, "debian", "curl", "7.88.1-10", "amd64", "debian-12", "curl", "7.88.1-10",
     .want = "pkg:deb/debian/curl@7.88.1-10?arch=amd64&distro=debian-12"},
    {PKG_DEB, "Debian", "Curl", "1.0", .want = "pkg:deb/debian/curl@1.0"},
    {PKG_APK, "alpine", "musl", "1.2.5-r0", "x86_64", "alpine-3.20.3",
     .want = "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"},
    {PKG_APK, "alpine", "libcrypto3", "3.3.2-r0", "x86_64", "alpine-3.20.3", "openssl",
     .want =
	 "pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64&distro=alpine-3.20.3&upstream=openssl"},
    {PKG_RPM, "redhat", "glibc-common", "2.34-60.el9", "x86_64", "rhel-9.2", "glibc",
     .want = "pkg:rpm/redhat/glibc-common@2.34-60.el9?arch=x86_64&distro=rhel-9.2&"
	     "upstream=glibc-2.34-60.el9.src.rpm"},
    {PKG_RPM, "redhat", "openssl-libs", "3.0.7-24.el9", "x86_64", "rhel-9.3",
     "openssl-3.0.7-24.el9.src.rpm", .has_epoch = true, .epoch = 1,
     .want = "pkg:rpm/redhat/openssl-libs@3.0.7-24.el9?arch=x86_64&distro=rhel-9.3&epoch=1&"
	     "upstream=openssl-3.0.7-24.el9.src.rpm"},
    /* an epoch the cataloger left in the version string is not written twice */
    {PKG_RPM, "fedora", "LibX", "1:2-3", NULL, NULL, .has_epoch = true, .epoch = 1,
     .want = "pkg:rpm/fedora/LibX@2-3?epoch=1"},
    {PKG_RPM, "fedora", "zero", "1.0-1", NULL, NULL, .has_epoch = true, .epoch = 0,
     .want = "pkg:rpm/fedora/zero@1.0-1?epoch=0"},
    /* npm: scope without its '@', or inside the name */
    {PKG_NPM, "babel", "core", "7.24.0", .want = "pkg:npm/%40babel/core@7.24.0"},
    {PKG_NPM, NULL, "@0no-co/graphql.web", "1.0.11",
     .want = "pkg:npm/%400no-co/graphql.web@1.0.11"},
    /* Go: module path in the name, case kept, "+incompatible" encoded */
    {PKG_GOLANG, NULL, "github.com/BurntSushi/toml", "v1.2.1",
     .want = "pkg:golang/github.com/BurntSushi/toml@v1.2.1"},
    {PKG_GOLANG, NULL, "github.com/docker/docker", "v24.0.7+incompatible",
     .want = "pkg:golang/github.com/docker/docker@v24.0.7%2Bincompatible"},
    {PKG_GOLANG, NULL, "stdlib", "go1.22.4", .want = "pkg:golang/stdlib@1.22.4"},
    /* percent-encoding: only A-Z a-z 0-9 . - _ ~ : stay literal */
    {PKG_GEM, NULL, "a b/c@d?e#f&g=h%i", "1 2+3~4:5",
     .want = "pkg:gem/a%20b%2Fc%40d%3Fe%23f%26g%3Dh%25i@1%202%2B3~4:5"},
    {PKG_CARGO, NULL, "caf\xc3\xa9", "0.1.0", .want = "pkg:cargo/caf%C3%A9@0.1.0"},
    /* qualifier values are encoded too; empty values are dropped */
    {PKG_DEB, "debian", "x", "1", "", "debian 12/sid",
     .want = "pkg:deb/debian/x@1?distro=debian%2012%2Fsid"},
    {PKG_MAVEN, "org.apache.logging.log4j", "log4j-core", "2.14.1",
     .want = "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
};

static struct pkg *make(const struct vec *v)
{
	struct pkg *p = pkg_new(v->type);
	ASSERT_NOT_NULL(p);
	ASSERT_OK(pkg_set(&p->namespace, v->namespace));
	ASSERT_OK(pkg_set(&p->name, v->name));
	ASSERT_OK(pkg_set(&p->version, v->version));
	ASSERT_OK(pkg_set(&p->arch, v->arch));
	ASSERT_OK(pkg_set(&p->distro, v->distro));
	ASSERT_OK(pkg_set(&p->source_name, v->source_name));
	ASSERT_OK(pkg_set(&p->source_version, v->source_version));
	p->has_epoch = v->has_epoch;
	p->epoch = v->epoch;
	return p;
}

static void run(const struct vec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_(pkg_freep) struct pkg *p = make(&v[i]);
		ASSERT_OK(pkg_finalize(p));
		if (!streq(p->purl, v[i].want))
			tap_fail(__FILE__, __LINE__, "vector %zu: got '%s', want '%s'", i, p->purl,
				 v[i].want);
	}
}

TEST(spec_build_vectors)
{
	run(spec_vectors, ARRAY_SIZE(spec_vectors));
}

TEST(our_vectors)
{
	run(our_vectors, ARRAY_SIZE(our_vectors));
}

TEST(type_strings)
{
	ASSERT_STREQ(pkg_type_purl(PKG_DEB), "deb");
	ASSERT_STREQ(pkg_type_purl(PKG_APK), "apk");
	ASSERT_STREQ(pkg_type_purl(PKG_RPM), "rpm");
	ASSERT_STREQ(pkg_type_purl(PKG_PYPI), "pypi");
	ASSERT_STREQ(pkg_type_purl(PKG_NPM), "npm");
	ASSERT_STREQ(pkg_type_purl(PKG_GOLANG), "golang");
	ASSERT_STREQ(pkg_type_purl(PKG_MAVEN), "maven");
	ASSERT_STREQ(pkg_type_purl(PKG_GEM), "gem");
	ASSERT_STREQ(pkg_type_purl(PKG_CARGO), "cargo");
	ASSERT_STREQ(pkg_type_purl(_PKG_TYPE_MAX), "generic");
	ASSERT_STREQ(pkg_type_purl((enum pkg_type) - 1), "generic");
}

TEST(missing_name)
{
	_cleanup_(pkg_freep) struct pkg *p = pkg_new(PKG_NPM);
	ASSERT_ERR(pkg_finalize(p), -EINVAL);
	ASSERT_OK(pkg_set(&p->name, ""));
	ASSERT_ERR(pkg_finalize(p), -EINVAL);
	ASSERT_NULL(p->purl);
}

TEST(bom_ref_stable_and_distinct)
{
	static const struct vec v = {PKG_NPM, NULL, "a", "1.0.0", .want = "pkg:npm/a@1.0.0"};
	_cleanup_(pkg_freep) struct pkg *p1 = make(&v);
	_cleanup_(pkg_freep) struct pkg *p2 = make(&v);
	_cleanup_(pkg_freep) struct pkg *p3 = make(&v);
	ASSERT_OK(pkg_set(&p1->location, "/app/node_modules/a/package.json"));
	ASSERT_OK(pkg_set(&p2->location, "/app/node_modules/b/node_modules/a/package.json"));
	ASSERT_OK(pkg_set(&p3->location, "/app/node_modules/a/package.json"));
	ASSERT_OK(pkg_finalize(p1));
	ASSERT_OK(pkg_finalize(p2));
	ASSERT_OK(pkg_finalize(p3));
	ASSERT_STREQ(p1->purl, p2->purl);
	ASSERT_TRUE(strncmp(p1->bom_ref, "pkg:npm/a@1.0.0?package-id=", 27) == 0);
	ASSERT_EQ(strlen(p1->bom_ref), 27 + 16);
	ASSERT_FALSE(streq(p1->bom_ref, p2->bom_ref));
	ASSERT_STREQ(p1->bom_ref, p3->bom_ref);
	/* idempotent */
	_cleanup_free_ char *before = strdup(p1->bom_ref);
	ASSERT_OK(pkg_finalize(p1));
	ASSERT_STREQ(p1->bom_ref, before);

	/* a purl with qualifiers gets "&package-id=" */
	static const struct vec d = {PKG_DEB, "debian", "x", "1", "amd64", .want = ""};
	_cleanup_(pkg_freep) struct pkg *q = make(&d);
	ASSERT_OK(pkg_finalize(q));
	ASSERT_TRUE(strncmp(q->bom_ref, "pkg:deb/debian/x@1?arch=amd64&package-id=", 41) == 0);
}

TEST(hostile_bytes)
{
	/* every byte value survives as literal or %XX; nothing crashes */
	char name[256];
	for (int i = 1; i < 256; i++)
		name[i - 1] = (char)i;
	name[255] = '\0';
	_cleanup_(pkg_freep) struct pkg *p = pkg_new(PKG_PYPI);
	ASSERT_OK(pkg_set(&p->name, name));
	ASSERT_OK(pkg_set(&p->version, name));
	ASSERT_OK(pkg_finalize(p));
	for (const char *c = p->purl; *c; c++)
		ASSERT_TRUE(ascii_isalnum((unsigned char)*c) || strchr(".-_~:%/@?=&", *c));
}
