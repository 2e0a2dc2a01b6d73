/* SPDX-License-Identifier: Apache-2.0 */
/*
 * npm.c — Node.js packages: every installed package (`node_modules/<name>/package.json`
 * and `node_modules/@scope/<name>/package.json`, at any nesting, which includes the
 * hundreds of packages bundled with a global npm in /usr/lib/node_modules/npm) and the
 * packages an application's `package-lock.json` / `npm-shrinkwrap.json` lists (lockfile
 * versions 1 to 3), when the lock file is not itself inside node_modules.
 *
 * Only package.json files that sit directly in a package directory count: the many
 * package.json files deeper inside a package (test fixtures, "exports" stubs such as
 * esm/package.json) are not packages. A lock file entry whose package is installed right
 * next to it (same directory, name and version) is left out: the installed package.json
 * already lists it. Big trees have 50k+ package.json files, so per file the work is one
 * bounded JSON parse, and the de-duplication is sort + binary search.
 */
#include "common/json.h"
#include "image/catalogers/catalog.h"

/* Last path component and the path before it (without the '/'); dir is empty when none. */
static void path_split(struct span path, struct span *ret_dir, struct span *ret_base)
{
	const char *s = path.len ? memrchr(path.ptr, '/', path.len) : NULL;
	if (!s) {
		*ret_dir = SPAN_NULL;
		*ret_base = path;
		return;
	}
	*ret_dir = span_make(path.ptr, (size_t)(s - path.ptr));
	*ret_base = span_make(s + 1, (size_t)(path.ptr + path.len - s - 1));
}

/* ".../node_modules/<name>/package.json" or ".../node_modules/@scope/<name>/package.json". */
static bool npm_is_package_json(struct span path)
{
	if (!span_endswith(path, "/package.json"))
		return false;
	struct span dir, name, parent, rest;
	path_split(span_make(path.ptr, path.len - strlen("/package.json")), &dir, &name);
	if (!name.len || name.ptr[0] == '.' || name.ptr[0] == '@')
		return false;
	path_split(dir, &rest, &parent);
	if (span_eq_str(parent, "node_modules"))
		return true;
	if (parent.len < 2 || parent.ptr[0] != '@')
		return false;
	path_split(rest, &dir, &parent);
	return span_eq_str(parent, "node_modules");
}

static bool has_node_modules_component(struct span path)
{
	struct span comp;
	while (span_next_token(&path, '/', &comp) == 0)
		if (span_eq_str(comp, "node_modules"))
			return true;
	return false;
}

static bool npm_is_lock(struct span path)
{
	struct span dir, base;
	path_split(path, &dir, &base);
	if (!span_eq_str(base, "package-lock.json") && !span_eq_str(base, "npm-shrinkwrap.json"))
		return false;
	return !has_node_modules_component(dir);
}

static unsigned npm_want(struct span path, uint32_t mode, uint64_t size)
{
	if (!span_endswith(path, ".json"))
		return 0;
	return npm_is_package_json(path) || npm_is_lock(path) ? IMG_WANT_CONTENT : 0;
}

/* ---- package fields ------------------------------------------------------------------------- */

/* A usable npm name: "name" or "@scope/name", no control characters or spaces. */
static bool npm_valid_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 214 * 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	if (s[0] == '@') {
		const char *slash = strchr(s, '/');
		return slash && slash > s + 1 && slash[1] && !strchr(slash + 1, '/');
	}
	return !strchr(s, '/');
}

static bool npm_valid_version(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 512)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return false;
	return true;
}

/* "@scope/name" -> namespace "@scope", name "name"; else name only. */
static int npm_set_name(struct pkg *p, const char *full)
{
	if (full[0] == '@') {
		const char *slash = strchr(full, '/');
		if (slash) {
			int r =
			    pkg_set_span(&p->namespace, span_make(full, (size_t)(slash - full)));
			return r < 0 ? r : pkg_set(&p->name, slash + 1);
		}
	}
	return pkg_set(&p->name, full);
}

static int push_license_value(struct pkg *p, const json_t *v)
{
	const char *s = json_is_string(v)   ? json_string_value(v)
			: json_is_object(v) ? bh_json_str(v, "type")
					    : NULL;
	if (!s)
		return 0;
	struct span t = span_trim(span_from(s));
	if (!t.len || p->licenses.n >= 32)
		return 0;
	_cleanup_free_ char *c = span_dup(t);
	return c ? strv_push_uniq(&p->licenses, c) : -ENOMEM;
}

/* "license": "MIT" | {"type": "MIT"}; legacy "licenses": [ "MIT" | {"type": ...}, ... ]. */
static int npm_licenses(struct pkg *p, const json_t *o)
{
	int r = push_license_value(p, json_object_get(o, "license"));
	if (r < 0 || p->licenses.n)
		return r;
	const json_t *l = json_object_get(o, "licenses");
	if (!json_is_array(l))
		return push_license_value(p, l);
	size_t i;
	const json_t *v;
	json_array_foreach(l, i, v)
	{
		r = push_license_value(p, v);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "author": "Name <email> (url)" | {"name": ..., "email": ...}. */
static int npm_author(struct pkg *p, const json_t *o)
{
	const json_t *a = json_object_get(o, "author");
	if (json_is_string(a)) {
		struct span t = span_trim(span_from(json_string_value(a)));
		return t.len ? pkg_set_span(&p->supplier, t) : 0;
	}
	if (!json_is_object(a))
		return 0;
	const char *name = bh_json_str(a, "name"), *email = bh_json_str(a, "email");
	if (name && !*name)
		name = NULL;
	if (email && !*email)
		email = NULL;
	if (!name || !email)
		return name || email ? pkg_set(&p->supplier, name ? name : email) : 0;
	struct buf b;
	buf_init(&b, 0);
	int r = buf_printf(&b, "%s <%s>", name, email);
	if (r == 0)
		r = pkg_set(&p->supplier, buf_str(&b));
	buf_done(&b);
	return r;
}

static int npm_dep_names(struct pkg *p, const json_t *o, const char *key)
{
	const json_t *d = json_object_get(o, key);
	if (!json_is_object(d))
		return 0;
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)d, k, v)
	{
		if (!npm_valid_name(k))
			continue;
		int r = strv_push(&p->depends, k);
		if (r < 0)
			return r;
	}
	return 0;
}

static int npm_depends(struct pkg *p, const json_t *o)
{
	return npm_dep_names(p, o, "dependencies") ?: npm_dep_names(p, o, "optionalDependencies")
						       ?: npm_dep_names(p, o, "peerDependencies");
}

/*
 * A package from name and version plus whatever else the object o says. Dependencies come
 * from deps_key when set (lockfile v1 "requires": there "dependencies" holds the nested
 * packages), else from the package.json fields.
 */
static int npm_pkg_from(const char *name, const char *version, const json_t *o,
			const char *deps_key, struct pkg **ret)
{
	_cleanup_(pkg_freep) struct pkg *p = pkg_new(PKG_NPM);
	if (!p)
		return -ENOMEM;
	int r = npm_set_name(p, name) ?: pkg_set(&p->version, version) ?: npm_licenses(p, o)
								  ?: npm_author(p, o);
	if (r < 0)
		return r;
	const char *s = bh_json_str(o, "description");
	if (s) {
		struct span line, t = span_from(s);
		if (span_next_line(&t, &line) == 0 && span_trim(line).len &&
		    pkg_set_span(&p->description, span_trim(line)) < 0)
			return -ENOMEM;
	}
	s = bh_json_str(o, "homepage");
	if (s && *s && pkg_set(&p->homepage, s) < 0)
		return -ENOMEM;
	r = deps_key ? npm_dep_names(p, o, deps_key) : npm_depends(p, o);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

/*
 * Parse a JSON file; a parse failure is noted in note and returned as -EBADMSG (skip),
 * only -ENOMEM is passed on. *ret must be an object. Runs on worker threads.
 */
static int npm_json(const struct img_catalog_ctx *ctx, const struct img_file *f,
		    struct img_catalog_note *note, json_t **ret)
{
	const struct img_blob *b = img_catalog_content(ctx, f);
	if (!b) {
		img_catalog_note_set(note, 0, "content not captured (too big?)");
		return -EBADMSG;
	}
	struct bh_diag d = {0};
	json_t *root = NULL;
	int r = bh_json_parse(span_make(b->data, b->len), ctx->limits, f->path, &root, &d);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		img_catalog_note_set(note, d.line, "%s",
				     d.message[0] ? d.message : "malformed JSON");
		return -EBADMSG;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		img_catalog_note_set(note, 0, "not a JSON object");
		return -EBADMSG;
	}
	*ret = root;
	return 0;
}

/* "dir\x01name\x01version": an installed package's identity for lock de-duplication. */
static char *installed_key(struct span dir, const char *name, const char *version)
{
	struct buf b;
	buf_init(&b, 0);
	if (buf_printf(&b, SPAN_FMT "\x01%s\x01%s", SPAN_ARG(dir), name, version) < 0) {
		buf_done(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* One installed package.json, parsed on a worker thread and merged in tree order. */
struct npm_item {
	const struct img_file *f;
	struct pkg *p;	/* the package; NULL when skipped */
	char *key;	/* its installed_key() */
	struct img_catalog_note note;
};

static int npm_parse_package_json(const struct img_catalog_ctx *ctx, size_t i, void *arg)
{
	struct npm_item *it = (struct npm_item *)arg + i;
	_cleanup_json_ json_t *root = NULL;
	int r = npm_json(ctx, it->f, &it->note, &root);
	if (r < 0)
		return r == -EBADMSG ? 0 : r;
	const char *name = bh_json_str(root, "name"), *version = bh_json_str(root, "version");
	if (!name || !npm_valid_name(name) || !version || !npm_valid_version(version)) {
		img_catalog_note_set(&it->note, 0, "%s",
				     !name	  ? "no \"name\""
				     : !version ? "no \"version\""
						: "malformed name or version");
		return 0;
	}
	struct pkg *p = NULL;
	r = npm_pkg_from(name, version, root, NULL, &p);
	if (r < 0)
		return r;
	struct span dir, base;
	path_split(span_from(it->f->path), &dir, &base);
	it->key = installed_key(dir, name, version);
	if (!it->key) {
		pkg_free(p);
		return -ENOMEM;
	}
	it->p = p;
	return 0;
}

/*
 * Parse every installed package.json in parallel, then, in tree order, warn and add the
 * packages and their installed keys, exactly as one thread going file by file would.
 */
static int npm_catalog_package_jsons(struct img_catalog_ctx *ctx, struct npm_item *items,
				     size_t n, struct strv *installed)
{
	/* jansson makes its hash seed on first use; have it made before threads race to. */
	json_object_seed(0);
	int r = img_catalog_parallel(ctx, n, npm_parse_package_json, items);
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct npm_item *it = &items[i];
		img_catalog_note_flush(ctx, it->f->path, &it->note);
		if (!it->p)
			continue;
		r = strv_push_take(installed, TAKE_PTR(it->key));
		if (r < 0)
			break;
		r = img_catalog_add(ctx, it->f, TAKE_PTR(it->p));
	}
	for (size_t i = 0; i < n; i++) {
		img_catalog_note_done(&items[i].note);
		pkg_free(items[i].p);
		free(items[i].key);
	}
	return r;
}

/* ---- lock files ------------------------------------------------------------------------------ */

struct lock_ctx {
	struct img_catalog_ctx *ctx;
	const struct img_file *f;
	struct span lock_dir;	      /* directory of the lock file ("" at the root) */
	const struct strv *installed; /* sorted installed keys */
	struct pkg_list pkgs;	      /* collected entries */
};

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_installed(const struct lock_ctx *lc, struct span rel, const char *name,
			 const char *version, int *reterr)
{
	if (!lc->installed->n)
		return false;
	struct buf dir;
	buf_init(&dir, 0);
	int r = lc->lock_dir.len
		    ? buf_printf(&dir, SPAN_FMT "/" SPAN_FMT, SPAN_ARG(lc->lock_dir), SPAN_ARG(rel))
		    : buf_append_span(&dir, rel);
	_cleanup_free_ char *k = r == 0 ? installed_key(buf_span(&dir), name, version) : NULL;
	buf_done(&dir);
	if (!k) {
		*reterr = -ENOMEM;
		return false;
	}
	return bsearch(&k, lc->installed->v, lc->installed->n, sizeof(char *), cmp_strp) != NULL;
}

/*
 * One lock entry: name, version and the object with its details; rel is the package's
 * install directory relative to the lock file ("node_modules/a/node_modules/b").
 */
static int lock_entry(struct lock_ctx *lc, const char *name, const char *version, const json_t *o,
		      struct span rel, const char *requires_key)
{
	/* "npm:real-name@1.2.3": an alias; the package really is real-name. */
	_cleanup_free_ char *alias_name = NULL;
	if (strncmp(version, "npm:", 4) == 0) {
		const char *spec = version + 4;
		const char *at = spec[0] ? strrchr(spec + 1, '@') : NULL;
		if (!at)
			return 0;
		alias_name = strndup(spec, (size_t)(at - spec));
		if (!alias_name)
			return -ENOMEM;
		name = alias_name;
		version = at + 1;
	}
	if (!npm_valid_name(name) || !npm_valid_version(version) ||
	    strncmp(version, "file:", 5) == 0 || strncmp(version, "link:", 5) == 0)
		return 0;
	int r = 0;
	if (is_installed(lc, rel, name, version, &r) || r < 0)
		return r;
	struct pkg *p = NULL;
	r = npm_pkg_from(name, version, o, requires_key, &p);
	if (r < 0)
		return r;
	return pkg_list_add_take(&lc->pkgs, p);
}

/* lockfileVersion 1: nested "dependencies" objects keyed by name. */
static int lock_v1(struct lock_ctx *lc, const json_t *deps, struct buf *rel, unsigned depth)
{
	if (depth > 256)
		return 0;
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)deps, k, v)
	{
		if (!json_is_object(v))
			continue;
		size_t saved = rel->len;
		int r = buf_printf(rel, "%snode_modules/%s", saved ? "/" : "", k);
		if (r == -E2BIG)
			continue;
		if (r < 0)
			return r;
		const char *version = bh_json_str(v, "version");
		if (version)
			r = lock_entry(lc, k, version, v, buf_span(rel), "requires");
		const json_t *sub = bh_json_obj(v, "dependencies");
		if (r == 0 && sub)
			r = lock_v1(lc, sub, rel, depth + 1);
		rel->len = saved;
		if (rel->ptr)
			rel->ptr[saved] = 0;
		if (r < 0)
			return r;
	}
	return 0;
}

struct link {
	const char *resolved;
	const char *key;
};

static int cmp_link(const void *a, const void *b)
{
	return strcmp(((const struct link *)a)->resolved, ((const struct link *)b)->resolved);
}

/* lockfileVersion 2 and 3: "packages" keyed by install path. */
static int lock_v2(struct lock_ctx *lc, const json_t *packages)
{
	/* Workspace members have no node_modules path; their name is that of the link to them. */
	struct link *links = NULL;
	size_t n_links = 0, cap_links = 0;
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)packages, k, v)
	{
		const char *res = bh_json_str(v, "resolved");
		if (!json_is_true(json_object_get(v, "link")) || !res)
			continue;
		if (GROW(links, n_links, cap_links) < 0) {
			free(links);
			return -ENOMEM;
		}
		links[n_links++] = (struct link){res, k};
	}
	if (n_links)
		qsort(links, n_links, sizeof(*links), cmp_link);

	int r = 0;
	json_object_foreach((json_t *)packages, k, v)
	{
		if (!*k || !json_is_object(v) || json_is_true(json_object_get(v, "link")))
			continue;
		const char *version = bh_json_str(v, "version");
		if (!version)
			continue; /* a workspace member without a version, or junk */
		const char *name = bh_json_str(v, "name");
		const char *nm = NULL;
		for (const char *s = k; (s = strstr(s, "node_modules/")); s++)
			if (s == k || s[-1] == '/')
				nm = s + strlen("node_modules/");
		if (!name && nm)
			name = nm;
		if (!name && n_links) {
			struct link key = {k, NULL};
			const struct link *l =
			    bsearch(&key, links, n_links, sizeof(*links), cmp_link);
			if (l) {
				const char *ln = NULL;
				for (const char *s = l->key; (s = strstr(s, "node_modules/")); s++)
					ln = s + strlen("node_modules/");
				name = ln;
			}
		}
		if (!name) {
			const char *slash = strrchr(k, '/');
			name = slash ? slash + 1 : k;
		}
		r = lock_entry(lc, name, version, v, span_from(k), NULL);
		if (r < 0)
			break;
	}
	free(links);
	return r;
}

static int cmp_pkg(const void *a, const void *b)
{
	const struct pkg *x = *(struct pkg *const *)a, *y = *(struct pkg *const *)b;
	int c = strcmp(x->namespace ? x->namespace : "", y->namespace ? y->namespace : "");
	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(x->version, y->version);
	return c;
}

static int npm_catalog_lock(struct img_catalog_ctx *ctx, const struct img_file *f,
			    const struct strv *installed)
{
	_cleanup_json_ json_t *root = NULL;
	struct img_catalog_note note = {0};
	int r = npm_json(ctx, f, &note, &root);
	img_catalog_note_flush(ctx, f->path, &note);
	if (r < 0)
		return r == -EBADMSG ? 0 : r;
	struct lock_ctx lc = {.ctx = ctx, .f = f, .installed = installed};
	struct span base;
	path_split(span_from(f->path), &lc.lock_dir, &base);
	uint64_t ver = 1;
	(void)bh_json_u64(root, "lockfileVersion", &ver);
	const json_t *packages = bh_json_obj(root, "packages");
	const json_t *deps = bh_json_obj(root, "dependencies");
	if (packages && ver >= 2)
		r = lock_v2(&lc, packages);
	else if (deps) {
		struct buf rel;
		buf_init(&rel, ctx->limits->path_max_bytes);
		r = lock_v1(&lc, deps, &rel, 0);
		buf_done(&rel);
	} else if (packages)
		r = lock_v2(&lc, packages);
	if (r < 0) {
		pkg_list_done(&lc.pkgs);
		return r;
	}
	/* One package per name and version: nested copies of the same release are one. */
	if (lc.pkgs.n)
		qsort(lc.pkgs.items, lc.pkgs.n, sizeof(*lc.pkgs.items), cmp_pkg);
	size_t kept = 0;
	for (size_t i = 0; i < lc.pkgs.n; i++) {
		if (kept && cmp_pkg(&lc.pkgs.items[kept - 1], &lc.pkgs.items[i]) == 0)
			pkg_free(lc.pkgs.items[i]);
		else
			lc.pkgs.items[kept++] = lc.pkgs.items[i];
	}
	lc.pkgs.n = kept;
	for (size_t i = 0; i < lc.pkgs.n; i++) {
		r = img_catalog_add(ctx, f, TAKE_PTR(lc.pkgs.items[i]));
		if (r < 0)
			break;
	}
	pkg_list_done(&lc.pkgs);
	return r;
}

static int npm_catalog(struct img_catalog_ctx *ctx)
{
	struct strv installed = {0};
	struct npm_item *items = NULL;
	size_t *locks = NULL, n_locks = 0, cap_locks = 0, n_items = 0, cap_items = 0;
	size_t n = img_fs_count(ctx->fs);
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		const struct img_file *f = img_fs_at(ctx->fs, i);
		if (f->type != IMG_FT_REG)
			continue;
		struct span path = img_fs_path_at(ctx->fs, i);
		if (!span_endswith(path, ".json"))
			continue;
		if (npm_is_package_json(path)) {
			r = GROW(items, n_items, cap_items);
			if (r == 0)
				items[n_items++] = (struct npm_item){.f = f};
		} else if (npm_is_lock(path)) {
			r = GROW(locks, n_locks, cap_locks);
			if (r == 0)
				locks[n_locks++] = i;
		}
	}
	if (r >= 0)
		r = npm_catalog_package_jsons(ctx, items, n_items, &installed);
	if (r >= 0)
		strv_sort_uniq(&installed);
	for (size_t i = 0; i < n_locks && r >= 0; i++)
		r = npm_catalog_lock(ctx, img_fs_at(ctx->fs, locks[i]), &installed);
	free(items);
	free(locks);
	strv_done(&installed);
	return r < 0 ? r : 0;
}

const struct img_cataloger img_cataloger_npm = {
    .name = "npm",
    .want = npm_want,
    .catalog = npm_catalog,
};
