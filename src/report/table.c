/* SPDX-License-Identifier: Apache-2.0 */
/*
 * table.c — the human SBOM: one aligned row per package (NAME, VERSION, TYPE, and SOURCE
 * when any package names a source package), in list order, then one summary line:
 *   "N packages (deb: n, npm: m) in IMAGE (OS pretty name)"
 * Every string comes from the image, so every string is sanitised before it reaches a
 * terminal: control characters and invalid UTF-8 print as '?'. Column widths count
 * characters and are capped so that one absurd name does not pad every row.
 */
#include "bulkhead/report.h"
#include "report/sbom-common.h"
#include "report/texttable.h"

enum col { COL_NAME, COL_VERSION, COL_TYPE, COL_SOURCE, _COL_MAX };

static const char *const col_titles[_COL_MAX] = {"NAME", "VERSION", "TYPE", "SOURCE"};

static int source_text(const struct pkg *p, struct buf *b)
{
	buf_clear(b);
	if (!p->source_name && !p->source_version)
		return 0;
	int r = buf_puts(b, p->source_name ? p->source_name : p->name ? p->name : "");
	if (r >= 0 && p->source_version && !streq_ptr(p->source_version, p->version))
		r = buf_printf(b, " (%s)", p->source_version);
	return r;
}

static int summary(const struct img *img, FILE *f)
{
	size_t count[_PKG_TYPE_MAX + 1] = {0};
	for (size_t i = 0; i < img->pkgs.n; i++) {
		enum pkg_type t = img->pkgs.items[i]->type;
		count[(unsigned)t < _PKG_TYPE_MAX ? t : _PKG_TYPE_MAX]++;
	}
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = buf_printf(&b, "%zu package%s", img->pkgs.n, img->pkgs.n == 1 ? "" : "s");
	bool first = true;
	for (int t = 0; t <= _PKG_TYPE_MAX && r >= 0; t++) {
		if (!count[t])
			continue;
		r = buf_printf(&b, "%s%s: %zu", first ? " (" : ", ",
			       t < _PKG_TYPE_MAX ? pkg_type_purl((enum pkg_type)t) : "other",
			       count[t]);
		first = false;
	}
	if (r >= 0 && !first)
		r = buf_putc(&b, ')');
	if (r >= 0)
		r = buf_printf(&b, " in %s", sbom_image_name(img));
	if (r >= 0 && (img->os.pretty_name || img->os.id))
		r = img->os.pretty_name
			? buf_printf(&b, " (%s)", img->os.pretty_name)
			: buf_printf(&b, " (%s%s%s)", img->os.id, img->os.version_id ? " " : "",
				     img->os.version_id ? img->os.version_id : "");
	if (r < 0)
		return r;
	_cleanup_free_ char *line = sbom_sanitize(buf_str(&b), NULL);
	if (!line)
		return -ENOMEM;
	fprintf(f, "%s\n", line);
	return 0;
}

int report_table(const struct img *img, FILE *f)
{
	struct text_table t;
	text_table_init(&t, _COL_MAX, col_titles);
	_cleanup_buf_ struct buf name, src;
	buf_init(&name, 0);
	buf_init(&src, 0);
	bool any_source = false;
	int r = 0;
	for (size_t i = 0; i < img->pkgs.n && r >= 0; i++) {
		const struct pkg *p = img->pkgs.items[i];
		r = sbom_pkg_display_name(p, &name);
		if (r >= 0)
			r = source_text(p, &src);
		if (src.len > 0)
			any_source = true;
		const char *row[_COL_MAX] = { buf_str(&name), p->version, pkg_type_purl(p->type),
					      buf_str(&src) };
		if (r >= 0)
			r = text_table_add_row(&t, row);
	}
	if (r >= 0 && t.nrows > 0)
		text_table_print(&t, any_source ? _COL_MAX : COL_SOURCE, f);
	text_table_done(&t);
	if (r >= 0)
		r = summary(img, f);
	if (r < 0)
		return r;
	return ferror(f) ? -EIO : 0;
}
