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

#define COL_MAX 60 /* widest a column is padded to; longer cells just overflow */

enum col { COL_NAME, COL_VERSION, COL_TYPE, COL_SOURCE, _COL_MAX };

static const char *const col_titles[_COL_MAX] = {"NAME", "VERSION", "TYPE", "SOURCE"};

struct cell {
	char *text;
	size_t width;
};

static int cell_set(struct cell *c, const char *s)
{
	c->text = sbom_sanitize(s ? s : "", &c->width);
	return c->text ? 0 : -ENOMEM;
}

static void pad(FILE *f, size_t n)
{
	while (n-- > 0)
		fputc(' ', f);
}

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

static void print_row(FILE *f, struct cell *row, const size_t *width, int ncols)
{
	int last = ncols - 1;
	while (last > 0 && row[last].width == 0)
		last--; /* no trailing blanks */
	for (int k = 0; k <= last; k++) {
		fputs(row[k].text, f);
		if (k < last)
			pad(f, (width[k] > row[k].width ? width[k] - row[k].width : 0) + 2);
	}
	fputc('\n', f);
}

/* The name as users write it: npm "@scope/name", Go "module/path". */
static int display_name(const struct pkg *p, struct buf *b)
{
	buf_clear(b);
	const char *ns = p->namespace;
	if (ns && *ns && p->type == PKG_NPM)
		return buf_printf(b, "%s%s/%s", ns[0] == '@' ? "" : "@", ns,
				  p->name ? p->name : "");
	if (ns && *ns && p->type == PKG_GOLANG)
		return buf_printf(b, "%s/%s", ns, p->name ? p->name : "");
	return buf_puts(b, p->name ? p->name : "");
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
	size_t n = img->pkgs.n, ncells;
	if (!size_mul(n, _COL_MAX, &ncells))
		return -ENOMEM;
	struct cell *cells = calloc(ncells ? ncells : 1, sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	_cleanup_buf_ struct buf src;
	buf_init(&src, 0);
	bool any_source = false;
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		const struct pkg *p = img->pkgs.items[i];
		struct cell *row = &cells[i * _COL_MAX];
		r = display_name(p, &src);
		if (r >= 0)
			r = cell_set(&row[COL_NAME], buf_str(&src));
		if (r >= 0)
			r = cell_set(&row[COL_VERSION], p->version);
		if (r >= 0)
			r = cell_set(&row[COL_TYPE], pkg_type_purl(p->type));
		if (r >= 0)
			r = source_text(p, &src);
		if (r >= 0)
			r = cell_set(&row[COL_SOURCE], buf_str(&src));
		if (src.len > 0)
			any_source = true;
	}
	if (r >= 0 && n > 0) {
		int ncols = any_source ? _COL_MAX : COL_SOURCE;
		size_t width[_COL_MAX];
		struct cell head[_COL_MAX];
		for (int k = 0; k < _COL_MAX; k++) {
			head[k] = (struct cell){(char *)col_titles[k], strlen(col_titles[k])};
			width[k] = head[k].width;
		}
		for (size_t i = 0; i < n; i++)
			for (int k = 0; k < _COL_MAX; k++)
				width[k] =
				    MAX(width[k], MIN(cells[i * _COL_MAX + k].width, COL_MAX));
		print_row(f, head, width, ncols);
		for (size_t i = 0; i < n; i++)
			print_row(f, &cells[i * _COL_MAX], width, ncols);
	}
	for (size_t i = 0; i < ncells; i++)
		free(cells[i].text);
	free(cells);
	if (r >= 0)
		r = summary(img, f);
	if (r < 0)
		return r;
	return ferror(f) ? -EIO : 0;
}
