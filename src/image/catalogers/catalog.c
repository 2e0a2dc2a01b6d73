/* SPDX-License-Identifier: Apache-2.0 */
/*
 * catalog.c — runs the catalogers over a finished file index (see catalog.h) and owns
 * the helpers they share: content lookup, adding packages, warnings, layer attribution.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/sysinfo.h>

#include "image/catalogers/catalog.h"
#include "image/image-int.h"

extern const struct img_cataloger img_cataloger_os;

/* Order matters only for os: it runs first so that distro packages know their distro. */
const struct img_cataloger *const img_catalogers[] = {
	&img_cataloger_os,   &img_cataloger_dpkg,   &img_cataloger_apk,
	&img_cataloger_rpm,  &img_cataloger_python, &img_cataloger_npm,
	&img_cataloger_go,   &img_cataloger_java,   &img_cataloger_ruby,
	&img_cataloger_rust, NULL,
};

size_t img_catalogers_count(void)
{
	return ARRAY_SIZE(img_catalogers) - 1;
}

unsigned img_want_for(struct span path, uint32_t mode, uint64_t size)
{
	unsigned w = 0;
	for (size_t i = 0; img_catalogers[i]; i++)
		if (img_catalogers[i]->want)
			w |= img_catalogers[i]->want(path, mode, size);
	return w;
}

void img_blob_free_list(struct img_blob *b)
{
	while (b) {
		struct img_blob *next = b->next;
		img_blob_free_list(b->prev);
		free(b->data);
		free(b);
		b = next;
	}
}

static struct img_blob *blob_new(int owner, int layer, unsigned char *data_take, size_t len)
{
	struct img_blob *b = calloc(1, sizeof(*b));
	if (!b) {
		free(data_take);
		return NULL;
	}
	b->owner = owner;
	b->layer = layer;
	b->data = data_take;
	b->len = len;
	return b;
}

int img_blob_copy_list(const struct img_blob *b, struct img_blob **ret)
{
	struct img_blob *head = NULL, **tail = &head;
	for (; b; b = b->next) {
		unsigned char *d = malloc(b->len + 1);
		if (!d) {
			img_blob_free_list(head);
			return -ENOMEM;
		}
		memcpy(d, b->data, b->len);
		d[b->len] = 0;
		struct img_blob *c = blob_new(b->owner, b->layer, d, b->len);
		if (!c) {
			img_blob_free_list(head);
			return -ENOMEM;
		}
		*tail = c;
		tail = &c->next;
	}
	*ret = head;
	return 0;
}

int img_capture_store(struct img_file *f, struct span path, uint32_t mode, unsigned char *data_take,
		      size_t len, int layer_no, const struct bh_limits *limits)
{
	bool want_raw = false;
	struct img_blob *head = NULL, **tail = &head;
	struct span data = span_make(data_take, len);
	for (size_t i = 0; img_catalogers[i]; i++) {
		const struct img_cataloger *c = img_catalogers[i];
		if (!c->want || !(c->want(path, mode, len) & IMG_WANT_CONTENT))
			continue;
		if (!c->reduce) {
			want_raw = true;
			continue;
		}
		struct buf out;
		buf_init(&out, limits->capture_max_bytes);
		int r = c->reduce(path, data, limits, &out);
		if (r == -ENOMEM) {
			buf_done(&out);
			img_blob_free_list(head);
			free(data_take);
			return r;
		}
		if (r < 0) {
			if (r != -ENOENT)
				log_debug_errno(r, "%s: cannot reduce '" SPAN_FMT "': %m, ignoring",
						c->name, SPAN_ARG(path));
			buf_done(&out);
			continue;
		}
		size_t n = out.len;
		unsigned char *d = (unsigned char *)buf_take(&out);
		struct img_blob *b = blob_new((int)i, layer_no, d, n);
		if (!b) {
			img_blob_free_list(head);
			free(data_take);
			return -ENOMEM;
		}
		*tail = b;
		tail = &b->next;
	}
	if (want_raw) {
		struct img_blob *b = blob_new(-1, layer_no, data_take, len);
		if (!b) {
			img_blob_free_list(head);
			return -ENOMEM;
		}
		b->next = head;
		head = b;
	} else
		free(data_take);
	img_blob_free_list(f->content);
	f->content = head;
	return 0;
}

const struct img_blob *img_catalog_content(const struct img_catalog_ctx *ctx,
					   const struct img_file *f)
{
	int owner = ctx->cataloger->reduce ? (int)ctx->cataloger_index : -1;
	for (const struct img_blob *b = f->content; b; b = b->next)
		if (b->owner == owner)
			return b;
	return NULL;
}

int img_catalog_foreach_content(struct img_catalog_ctx *ctx, img_catalog_file_fn fn)
{
	size_t n = img_fs_content_count(ctx->fs);
	for (size_t k = 0; k < n; k++) {
		const struct img_file *f = img_fs_at(ctx->fs, img_fs_content_at(ctx->fs, k));
		const struct img_blob *b = img_catalog_content(ctx, f);
		if (!b)
			continue;
		int r = fn(ctx, f, b);
		if (r < 0)
			return r;
	}
	return 0;
}

int img_catalog_add(struct img_catalog_ctx *ctx, const struct img_file *f, struct pkg *p)
{
	if (!p)
		return -ENOMEM;
	if (ctx->img->pkgs.n >= ctx->limits->max_packages) {
		pkg_free(p);
		return -E2BIG;
	}
	p->found_by = (char *)ctx->cataloger->name;
	if (f) {
		if (!p->location) {
			struct buf b;
			buf_init(&b, 0);
			if (buf_putc(&b, '/') < 0 || buf_puts(&b, f->path) < 0) {
				buf_done(&b);
				pkg_free(p);
				return -ENOMEM;
			}
			p->location = buf_take(&b);
		}
		if (p->layer < 0)
			p->layer = f->layer;
	}
	return pkg_list_add_take(&ctx->img->pkgs, p);
}

void img_catalog_warn(const struct img_catalog_ctx *ctx, const char *path, unsigned line,
		      const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		log_warning("%s: /%s:%u: %s, skipping", ctx->cataloger->name, path, line, msg);
	else
		log_warning("%s: /%s: %s, skipping", ctx->cataloger->name, path, msg);
}

void img_catalog_note_set(struct img_catalog_note *n, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	free(n->msg);
	/* Out of memory: the warning is lost, the record is still skipped. */
	n->msg = strdup(msg);
	n->line = line;
}

void img_catalog_note_flush(const struct img_catalog_ctx *ctx, const char *path,
			    struct img_catalog_note *n)
{
	if (n->msg)
		img_catalog_warn(ctx, path, n->line, "%s", n->msg);
	img_catalog_note_done(n);
}

void img_catalog_note_done(struct img_catalog_note *n)
{
	free(n->msg);
	*n = (struct img_catalog_note){ 0 };
}

/* ---- parallel per-item work -------------------------------------------------------- */

/* Items per hand-out: big enough that the shared counter is not hot, small for balance. */
#define PAR_CHUNK 32

struct par_job {
	const struct img_catalog_ctx *ctx;
	img_catalog_work_fn fn;
	void *arg;
	size_t n;
	size_t next; /* atomic: first item of the next chunk */
	int stop;    /* atomic: an item failed, hand out no more chunks */
	pthread_mutex_t lock;
	size_t err_i; /* lowest failed item (n: none), under lock */
	int err;
};

static void par_run(struct par_job *j)
{
	while (!__atomic_load_n(&j->stop, __ATOMIC_RELAXED)) {
		size_t start = __atomic_fetch_add(&j->next, PAR_CHUNK, __ATOMIC_RELAXED);
		if (start >= j->n)
			return;
		size_t end = MIN(start + PAR_CHUNK, j->n);
		for (size_t i = start; i < end; i++) {
			int r = j->fn(j->ctx, i, j->arg);
			if (r < 0) {
				/* Items before i here ran; earlier chunks run to their end. */
				pthread_mutex_lock(&j->lock);
				if (i < j->err_i) {
					j->err_i = i;
					j->err = r;
				}
				pthread_mutex_unlock(&j->lock);
				__atomic_store_n(&j->stop, 1, __ATOMIC_RELAXED);
				break;
			}
		}
	}
}

static void *par_thread(void *arg)
{
	par_run(arg);
	return NULL;
}

int img_catalog_parallel(const struct img_catalog_ctx *ctx, size_t n, img_catalog_work_fn fn,
			 void *arg)
{
	size_t want = ctx->limits->threads ? ctx->limits->threads : (size_t)get_nprocs();
	want = MIN(want, (n + PAR_CHUNK - 1) / PAR_CHUNK);
	want = MIN(want, (size_t)256);
	if (want <= 1) {
		for (size_t i = 0; i < n; i++) {
			int r = fn(ctx, i, arg);
			if (r < 0)
				return r;
		}
		return 0;
	}
	struct par_job j = { .ctx = ctx, .fn = fn, .arg = arg, .n = n, .err_i = n };
	pthread_mutex_init(&j.lock, NULL);
	pthread_t threads[255];
	size_t started = 0;
	/* A thread that cannot be created only means less parallelism. */
	while (started < want - 1 && pthread_create(&threads[started], NULL, par_thread, &j) == 0)
		started++;
	par_run(&j);
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	pthread_mutex_destroy(&j.lock);
	return j.err_i < n ? j.err : 0;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A package's identity for layer attribution: name, version and arch. */
static char *pkg_key(const struct pkg *p)
{
	struct buf b;
	buf_init(&b, 0);
	/* 0x01 separates the parts: it cannot occur in names or versions we keep. */
	if (buf_printf(&b, "%s\x01%s\x01%s", p->name ? p->name : "", p->version ? p->version : "",
		       p->arch ? p->arch : "") < 0) {
		buf_done(&b);
		return NULL;
	}
	return buf_take(&b);
}

int img_catalog_attribute_layers(struct img_catalog_ctx *ctx, const struct img_file *f,
				 img_catalog_parse_fn parse, struct pkg_list *pkgs)
{
	int owner = ctx->cataloger->reduce ? (int)ctx->cataloger_index : -1;
	const struct img_blob *final = NULL;
	for (const struct img_blob *b = f->content; b; b = b->next)
		if (b->owner == owner)
			final = b;
	for (size_t i = 0; i < pkgs->n; i++)
		if (pkgs->items[i]->layer < 0)
			pkgs->items[i]->layer = final ? final->layer : f->layer;
	if (!final || !final->prev)
		return 0;

	/* Walk older versions newest first; a package keeps moving down while present. */
	bool *still = calloc(pkgs->n ? pkgs->n : 1, sizeof(bool));
	if (!still)
		return -ENOMEM;
	for (size_t i = 0; i < pkgs->n; i++)
		still[i] = true;
	int r = 0;
	for (const struct img_blob *old = final->prev; old; old = old->prev) {
		struct pkg_list ol = { 0 };
		log_debug("%s: attributing layers with /%s from layer %d", ctx->cataloger->name,
			  f->path, old->layer);
		/* Keep warnings about older versions quiet: they are history, not findings. */
		enum log_level saved = log_get_level();
		log_set_level(LOG_LVL_ERROR);
		r = parse(ctx, f, old, &ol);
		log_set_level(saved);
		if (r == -ENOMEM) {
			pkg_list_done(&ol);
			break;
		}
		r = 0;
		struct strv keys = { 0 };
		for (size_t j = 0; j < ol.n && r == 0; j++)
			r = strv_push_take(&keys, pkg_key(ol.items[j]));
		pkg_list_done(&ol);
		if (r < 0) {
			strv_done(&keys);
			break;
		}
		strv_sort_uniq(&keys);
		bool any = false;
		for (size_t i = 0; i < pkgs->n; i++) {
			if (!still[i])
				continue;
			_cleanup_free_ char *k = pkg_key(pkgs->items[i]);
			if (!k) {
				r = -ENOMEM;
				break;
			}
			char **hit = keys.n ? bsearch(&k, keys.v, keys.n, sizeof(char *), cmp_strp)
					    : NULL;
			if (hit) {
				pkgs->items[i]->layer = old->layer;
				any = true;
			} else
				still[i] = false;
		}
		strv_done(&keys);
		if (r < 0 || !any)
			break;
	}
	free(still);
	return r;
}

static bool is_distro_type(enum pkg_type t)
{
	return t == PKG_DEB || t == PKG_RPM || t == PKG_APK;
}

/* Distro fields, purl, bom-ref and sorted lists of package i (img_catalog_work_fn). */
static int finalize_pkg(const struct img_catalog_ctx *ctx, size_t i, void *arg)
{
	const struct img_os *os = ctx->os;
	struct pkg *p = ctx->img->pkgs.items[i];
	(void)arg;
	if (is_distro_type(p->type) && !p->distro && os->id) {
		struct buf b;
		buf_init(&b, 0);
		int r = os->version_id ? buf_printf(&b, "%s-%s", os->id, os->version_id)
				       : buf_puts(&b, os->id);
		if (r < 0) {
			buf_done(&b);
			return r;
		}
		p->distro = buf_take(&b);
	}
	if (is_distro_type(p->type) && !p->namespace && os->id &&
	    pkg_set(&p->namespace, os->id) < 0)
		return -ENOMEM;
	int r = pkg_finalize(p);
	if (r < 0)
		return r;
	strv_sort_uniq(&p->files);
	strv_sort_uniq(&p->licenses);
	strv_sort_uniq(&p->depends);
	return 0;
}

int img_catalog(struct img *img, const struct bh_limits *limits, struct bh_diag *reterr_diag)
{
	for (size_t i = 0; img_catalogers[i]; i++) {
		struct img_catalog_ctx ctx = {
			.cataloger = img_catalogers[i],
			.cataloger_index = i,
			.img = img,
			.fs = img->fs,
			.limits = limits,
			.os = &img->os,
		};
		int r = img_catalogers[i]->catalog(&ctx);
		if (r < 0) {
			if (r == -E2BIG)
				bh_diag_set(reterr_diag, img->target.original, 0, 0,
					    "more than %llu packages (max-packages)",
					    (unsigned long long)limits->max_packages);
			else
				bh_diag_set(reterr_diag, img->target.original, 0, 0,
					    "%s cataloger failed: %s", img_catalogers[i]->name,
					    strerror(-r));
			return r;
		}
	}
	/* Packages are independent here: finish them on all threads. */
	struct img_catalog_ctx ctx = {
		.img = img, .fs = img->fs, .limits = limits, .os = &img->os
	};
	int r = img_catalog_parallel(&ctx, img->pkgs.n, finalize_pkg, NULL);
	if (r < 0)
		return r;
	pkg_list_sort(&img->pkgs);
	return 0;
}
