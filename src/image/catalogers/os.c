/* SPDX-License-Identifier: Apache-2.0 */
/*
 * os.c — which distribution the image is: os-release(5) (etc/os-release, falling back to
 * usr/lib/os-release as the man page says), then etc/alpine-release. Runs before the
 * package catalogers so that distro packages get their purl distro qualifier.
 */
#include "image/catalogers/catalog.h"

static unsigned os_want(struct span path, uint32_t mode, uint64_t size)
{
	/* etc/passwd is kept for the config scanner: a USER given by name may be uid 0. */
	if (span_eq_str(path, "etc/os-release") || span_eq_str(path, "usr/lib/os-release") ||
	    span_eq_str(path, "etc/alpine-release") || span_eq_str(path, "etc/passwd"))
		return IMG_WANT_CONTENT;
	return 0;
}

/*
 * Unquote an os-release value as the shell would for the subset os-release(5) allows:
 * double quotes with backslash escapes of "\$`, single quotes literal, or bare words.
 */
static char *os_unquote(struct span v)
{
	struct buf b;
	buf_init(&b, 4096);
	char q = 0;
	for (size_t i = 0; i < v.len; i++) {
		char c = v.ptr[i];
		if (!q && (c == '"' || c == '\'')) {
			q = c;
			continue;
		}
		if (q && c == q) {
			q = 0;
			continue;
		}
		if (q == '"' && c == '\\' && i + 1 < v.len) {
			char n = v.ptr[i + 1];
			if (n == '"' || n == '\\' || n == '$' || n == '`') {
				c = n;
				i++;
			}
		}
		if (buf_putc(&b, c) < 0) {
			buf_done(&b);
			return NULL;
		}
	}
	return buf_take(&b);
}

static int os_parse_release(struct img_os *os, struct span text)
{
	struct span line;
	while (span_next_line(&text, &line) == 0) {
		line = span_trim(line);
		if (!line.len || line.ptr[0] == '#')
			continue;
		struct span k, v;
		if (!span_cut(line, '=', &k, &v))
			continue;
		char **field = span_eq_str(k, "ID")		 ? &os->id
			       : span_eq_str(k, "VERSION_ID")	 ? &os->version_id
			       : span_eq_str(k, "VERSION_CODENAME") ? &os->codename
			       : span_eq_str(k, "PRETTY_NAME")	 ? &os->pretty_name
			       : span_eq_str(k, "ID_LIKE")	 ? &os->id_like
							 : NULL;
		if (!field)
			continue;
		char *val = os_unquote(span_trim(v));
		if (!val)
			return -ENOMEM;
		free(*field);
		*field = val;
	}
	return 0;
}

static int os_catalog(struct img_catalog_ctx *ctx)
{
	struct img_os *os = &ctx->img->os;
	static const char *const candidates[] = { "etc/os-release", "usr/lib/os-release" };
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
		const struct img_file *f;
		if (img_fs_resolve(ctx->fs, candidates[i], &f) < 0 || f->type != IMG_FT_REG)
			continue;
		const struct img_blob *b = img_catalog_content(ctx, f);
		if (!b)
			continue;
		int r = os_parse_release(os, span_make(b->data, b->len));
		if (r < 0)
			return r;
		if (os->id)
			return 0;
	}
	const struct img_file *f = img_fs_lookup(ctx->fs, "etc/alpine-release");
	const struct img_blob *b = f ? img_catalog_content(ctx, f) : NULL;
	if (b) {
		struct span line;
		struct span text = span_make(b->data, b->len);
		if (span_next_line(&text, &line) == 0 && pkg_set(&os->id, "alpine") == 0)
			return pkg_set_span(&os->version_id, span_trim(line));
		return -ENOMEM;
	}
	return 0;
}

const struct img_cataloger img_cataloger_os = {
	.name = "os-release",
	.want = os_want,
	.catalog = os_catalog,
};
