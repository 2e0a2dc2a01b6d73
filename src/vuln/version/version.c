/* SPDX-License-Identifier: Apache-2.0 */
/* version.c — the scheme table (see version.h). */
#include "common/common.h"
#include "vuln/version/version.h"

static const struct ver_scheme_ops *const schemes[_VER_SCHEME_MAX] = {
	[VER_DPKG] = &ver_dpkg,	    [VER_RPM] = &ver_rpm,	  [VER_APK] = &ver_apk,
	[VER_SEMVER] = &ver_semver, [VER_NPM] = &ver_npm,	  [VER_GO] = &ver_go,
	[VER_PEP440] = &ver_pep440, [VER_MAVEN] = &ver_maven, [VER_RUBYGEMS] = &ver_rubygems,
};

const struct ver_scheme_ops *ver_scheme_ops(enum ver_scheme s)
{
	return (unsigned)s < _VER_SCHEME_MAX ? schemes[s] : NULL;
}

int ver_scheme_from_name(const char *name, enum ver_scheme *ret)
{
	for (unsigned i = 0; i < _VER_SCHEME_MAX; i++)
		if (streq(schemes[i]->name, name)) {
			*ret = (enum ver_scheme)i;
			return 0;
		}
	return -ENOENT;
}
