/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image.c — img_open(): from a target to a struct img with its config, layers and final
 * file index. Format readers (oci.c, docker-archive.c, dir.c) locate the pieces; layers
 * stream in parallel worker threads (layer.c) while this thread applies finished layers
 * to the file index strictly in order (fs.c), so memory holds only the layers that are
 * done but not yet applied.
 */
#include <pthread.h>
#include <sys/sysinfo.h>

#include "image/catalogers/catalog.h"
#include "image/image-int.h"

static void img_os_done(struct img_os *os)
{
	free(os->id);
	free(os->version_id);
	free(os->codename);
	free(os->pretty_name);
	free(os->id_like);
}

void img_free(struct img *img)
{
	if (!img)
		return;
	img_target_done(&img->target);
	free(img->manifest_digest);
	free(img->config_digest);
	strv_done(&img->repo_tags);
	img_config_done(&img->config);
	for (size_t i = 0; i < img->n_layers; i++) {
		struct img_layer *l = &img->layers[i];
		free(l->digest);
		free(l->diff_id);
		free(l->media_type);
		free(l->created_by);
	}
	free(img->layers);
	img_fs_free(img->fs);
	img_os_done(&img->os);
	pkg_list_done(&img->pkgs);
	free(img);
}

static int copy_target(const struct img_target *t, struct img_target *ret)
{
	*ret = (struct img_target){ .kind = t->kind };
	if (strdup_opt(t->path, &ret->path) < 0 || strdup_opt(t->reference, &ret->reference) < 0 ||
	    strdup_opt(t->digest, &ret->digest) < 0 || strdup_opt(t->original, &ret->original) < 0) {
		img_target_done(ret);
		return -ENOMEM;
	}
	return 0;
}

/* ---- parallel layer streaming ----------------------------------------------------- */

struct job {
	struct img_layout *layout;
	struct strv *diff_ids;
	enum img_compression *comps;
	struct img_read_shared *shared;
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	size_t next;                     /* next layer to start */
	struct img_layer_index **results; /* per layer, set when done */
	int *errs;                        /* per layer result */
	bool *done;
	struct bh_diag *diags;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	for (;;) {
		pthread_mutex_lock(&j->lock);
		size_t i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->layout->n_layers)
			return NULL;
		struct img_layer_index *idx = NULL;
		int r;
		if (__atomic_load_n(&j->shared->cancel, __ATOMIC_RELAXED))
			r = -ECANCELED;
		else
			r = img_layer_read(&j->layout->layers[i], j->comps[i],
					   j->layout->layer_digests[i], j->diff_ids->v[i], (int)i,
					   j->shared, &idx, &j->diags[i]);
		pthread_mutex_lock(&j->lock);
		j->results[i] = idx;
		j->errs[i] = r;
		j->done[i] = true;
		pthread_cond_broadcast(&j->done_cond);
		pthread_mutex_unlock(&j->lock);
	}
}

static unsigned worker_count(const struct bh_limits *l, size_t n_layers)
{
	unsigned n = l->threads ? (unsigned)l->threads : (unsigned)get_nprocs();
	if (n < 1)
		n = 1;
	if (n > n_layers)
		n = (unsigned)n_layers;
	return n ? n : 1;
}

static int stream_layers(struct img *img, struct img_layout *layout, struct strv *diff_ids,
			 const struct img_open_opts *o, const struct bh_limits *l,
			 struct bh_diag *diag)
{
	size_t n = layout->n_layers;
	int r = 0;
	enum img_compression *comps = calloc(n ? n : 1, sizeof(*comps));
	struct img_layer_index **results = calloc(n ? n : 1, sizeof(*results));
	int *errs = calloc(n ? n : 1, sizeof(*errs));
	bool *done = calloc(n ? n : 1, sizeof(*done));
	struct bh_diag *diags = calloc(n ? n : 1, sizeof(*diags));
	pthread_t *threads = NULL;
	unsigned nthreads = 0;
	if (!comps || !results || !errs || !done || !diags) {
		r = -ENOMEM;
		goto out;
	}
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		r = img_media_type_compression(layout->layer_media_types[i], &comps[i]);
		if (r < 0) {
			bh_diag_set(diag, layout->layers[i].name, 0, 0,
				    "unsupported layer media type '%s'",
				    layout->layer_media_types[i] ? layout->layer_media_types[i] : "");
			goto out;
		}
		total += layout->layers[i].length;
	}
	struct img_read_shared shared = { .limits = l, .visitor = o->visitor };
	if (o->progress)
		shared.progress = bh_progress_new("reading layers", total);
	struct job j = {
		.layout = layout,
		.diff_ids = diff_ids,
		.comps = comps,
		.shared = &shared,
		.results = results,
		.errs = errs,
		.done = done,
		.diags = diags,
	};
	pthread_mutex_init(&j.lock, NULL);
	pthread_cond_init(&j.done_cond, NULL);
	unsigned want = worker_count(l, n);
	threads = calloc(want, sizeof(*threads));
	if (!threads)
		r = -ENOMEM;
	for (unsigned t = 0; r == 0 && t < want; t++) {
		if (pthread_create(&threads[t], NULL, worker, &j) != 0)
			break;
		nthreads++;
	}
	if (r == 0 && nthreads == 0)
		r = -EAGAIN;

	/* Apply layers in order as they complete. */
	for (size_t i = 0; r == 0 && i < n; i++) {
		pthread_mutex_lock(&j.lock);
		while (!done[i])
			pthread_cond_wait(&j.done_cond, &j.lock);
		pthread_mutex_unlock(&j.lock);
		if (errs[i] < 0) {
			r = errs[i];
			break;
		}
		struct img_layer *il = &img->layers[i];
		const char *expected = layout->layer_digests[i];
		if (strdup_opt(expected ? expected : results[i]->digest, &il->digest) < 0 ||
		    strdup_opt(results[i]->diff_id, &il->diff_id) < 0 ||
		    strdup_opt(layout->layer_media_types[i], &il->media_type) < 0) {
			r = -ENOMEM;
			break;
		}
		il->size = layout->layers[i].length;
		il->uncompressed = results[i]->bytes_out;
		img->bytes_compressed += results[i]->bytes_in;
		img->bytes_uncompressed += results[i]->bytes_out;
		r = img_fs_apply_layer(img->fs, results[i], (int)i, layout->layers[i].name, diag);
		img_layer_index_free(results[i]);
		results[i] = NULL;
	}
	if (r < 0)
		__atomic_store_n(&shared.cancel, 1, __ATOMIC_RELAXED);
	for (unsigned t = 0; t < nthreads; t++)
		pthread_join(threads[t], NULL);
	bh_progress_free(shared.progress);
	/* Report the first real failure in layer order (other layers were only cancelled). */
	if (r == -ECANCELED || (r < 0 && !diag->message[0])) {
		for (size_t i = 0; i < n; i++)
			if (errs[i] < 0 && errs[i] != -ECANCELED) {
				r = errs[i];
				*diag = diags[i];
				break;
			}
	}
	pthread_mutex_destroy(&j.lock);
	pthread_cond_destroy(&j.done_cond);
out:
	for (size_t i = 0; results && i < n; i++)
		img_layer_index_free(results[i]);
	free(threads);
	free(comps);
	free(results);
	free(errs);
	free(done);
	free(diags);
	return r;
}

/* Map non-empty history entries onto layers, in order (Docker/OCI convention). */
static int attach_history(struct img *img)
{
	size_t li = 0;
	for (size_t h = 0; h < img->config.n_history && li < img->n_layers; h++) {
		const struct img_history *e = &img->config.history[h];
		if (e->empty_layer)
			continue;
		if (e->created_by && strdup_opt(e->created_by, &img->layers[li].created_by) < 0)
			return -ENOMEM;
		li++;
	}
	return 0;
}

static int open_layout(struct img *img, const struct img_open_opts *o, const struct bh_limits *l,
		       struct bh_diag *diag)
{
	struct img_layout layout = { .fd = -1, .dirfd = -1 };
	struct strv diff_ids = { 0 };
	int r = img->target.kind == IMG_KIND_OCI
			? img_oci_open(&img->target, o, &layout, diag)
			: img_docker_archive_open(&img->target, o, &layout, diag);
	if (r < 0)
		goto out;
	if (layout.n_layers > l->max_layers) {
		bh_diag_set(diag, img->target.original, 0, 0, "%zu layers, more than %llu (max-layers)",
			    layout.n_layers, (unsigned long long)l->max_layers);
		r = -E2BIG;
		goto out;
	}
	r = img_config_parse(buf_span(&layout.config_json), l, "image config", &img->config,
			     &diff_ids, diag);
	if (r < 0)
		goto out;
	if (diff_ids.n != layout.n_layers) {
		bh_diag_set(diag, "image config", 0, 0,
			    "config lists %zu diff_ids but the manifest has %zu layers", diff_ids.n,
			    layout.n_layers);
		r = -EBADMSG;
		goto out;
	}
	if (strdup_opt(layout.manifest_digest, &img->manifest_digest) < 0 ||
	    strdup_opt(layout.config_digest, &img->config_digest) < 0) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < layout.repo_tags.n; i++)
		if ((r = strv_push(&img->repo_tags, layout.repo_tags.v[i])) < 0)
			goto out;
	img->layers = calloc(layout.n_layers ? layout.n_layers : 1, sizeof(*img->layers));
	if (!img->layers) {
		r = -ENOMEM;
		goto out;
	}
	img->n_layers = layout.n_layers;
	r = stream_layers(img, &layout, &diff_ids, o, l, diag);
	if (r >= 0)
		r = attach_history(img);
out:
	strv_done(&diff_ids);
	img_layout_done(&layout);
	return r;
}

int img_open(const struct img_target *target, const struct img_open_opts *opts, struct img **ret,
	     struct bh_diag *reterr_diag)
{
	struct bh_limits defaults;
	struct img_open_opts o = opts ? *opts : (struct img_open_opts){ 0 };
	if (!o.limits) {
		bh_limits_default(&defaults);
		o.limits = &defaults;
	}
	const struct bh_limits *l = o.limits;
	struct bh_diag local = { 0 };
	struct bh_diag *diag = reterr_diag ? reterr_diag : &local;

	_cleanup_(img_freep) struct img *img = calloc(1, sizeof(*img));
	if (!img)
		return -ENOMEM;
	int r = copy_target(target, &img->target);
	if (r < 0)
		return r;
	if (img->target.kind == IMG_KIND_AUTO) {
		r = img_target_detect(&img->target);
		if (r < 0) {
			if (!diag->message[0])
				bh_diag_set(diag, img->target.original, 0, 0, "%s",
					    r == -ENOENT ? "no such file or directory"
							 : "not a container image (OCI layout, docker-archive or root file system directory)");
			return r;
		}
	}
	r = img_fs_new(l, &img->fs);
	if (r < 0)
		return r;
	if (img->target.kind == IMG_KIND_DIR)
		r = img_dir_read(img->target.path, l, img->fs, diag);
	else
		r = open_layout(img, &o, l, diag);
	if (r < 0) {
		if (!diag->message[0])
			bh_diag_set(diag, NULL, 0, 0, "%s", strerror(-r));
		if (strncmp(diag->source, img->target.original, strlen(img->target.original)) != 0)
			bh_diag_wrap(diag, img->target.original);
		return r;
	}
	r = img_fs_finalize(img->fs);
	if (r < 0)
		return r;
	if (img->target.kind == IMG_KIND_DIR && o.visitor) {
		r = img_dir_visit(img->target.path, img->fs, l, o.visitor, diag);
		if (r < 0) {
			bh_diag_wrap(diag, img->target.original);
			return r;
		}
	}
	*ret = TAKE_PTR(img);
	return 0;
}
