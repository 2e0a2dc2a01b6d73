/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret-image.c — the secret scanner as an img_visitor: one sec_scanner per layer stream
 * (streams run in parallel), findings collected per stream and merged under a mutex when the
 * stream ends; sec_image_scan_finish() adds the image configuration (Env entries and history
 * created_by lines) and sorts. Every regular file of every layer is visited, including files a
 * later layer deleted or replaced, so a finding names the layer whose bytes contain it.
 */
#include <pthread.h>

#include "bulkhead/image.h"
#include "checks/secret-int.h"

struct sec_image_priv {
	const struct sec_engine *e;
	pthread_mutex_t lock;
	struct bh_findings found;
	struct sec_stats stats;
	int err; /* first stream error (OOM while merging) */
	struct img_visitor visitor;
};

struct sec_stream {
	struct sec_image_priv *priv;
	struct sec_scanner *scanner;
	char *layer;
	struct bh_findings found;
	bool in_file;
};

static void stream_free(struct sec_stream *st)
{
	if (!st)
		return;
	sec_scanner_free(st->scanner);
	free(st->layer);
	bh_findings_done(&st->found);
	free(st);
}

static int v_stream_begin(void *userdata, int layer_no, const char *layer_digest,
			  void **ret_state)
{
	(void)layer_no;
	struct sec_image_priv *priv = userdata;
	struct sec_stream *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->priv = priv;
	int r = sec_scanner_new(priv->e, &st->scanner);
	if (r >= 0)
		r = strdup_opt(layer_digest, &st->layer);
	if (r < 0) {
		stream_free(st);
		return r;
	}
	*ret_state = st;
	return 0;
}

static int v_file_begin(void *state, const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	struct sec_stream *st = state;
	int r = sec_file_begin(st->scanner, path, st->layer, size);
	st->in_file = r > 0;
	return r;
}

static int v_file_data(void *state, const void *data, size_t len)
{
	struct sec_stream *st = state;
	return sec_file_data(st->scanner, data, len);
}

static int v_file_end(void *state)
{
	struct sec_stream *st = state;
	st->in_file = false;
	return sec_file_end(st->scanner, &st->found);
}

static void v_stream_end(void *state, int err)
{
	struct sec_stream *st = state;
	if (!st)
		return;
	struct sec_image_priv *priv = st->priv;
	pthread_mutex_lock(&priv->lock);
	if (err >= 0) {
		if (st->in_file)
			(void)sec_file_end(st->scanner, &st->found);
		int r = bh_findings_move(&priv->found, &st->found);
		if (r < 0 && priv->err == 0)
			priv->err = r;
	}
	sec_scanner_stats(st->scanner, &priv->stats);
	pthread_mutex_unlock(&priv->lock);
	stream_free(st);
}

int sec_image_scan_init(struct sec_image_scan *scan, const struct sec_engine *e)
{
	*scan = (struct sec_image_scan){ 0 };
	struct sec_image_priv *priv = calloc(1, sizeof(*priv));
	if (!priv)
		return -ENOMEM;
	priv->e = e;
	if (pthread_mutex_init(&priv->lock, NULL) != 0) {
		free(priv);
		return -ENOMEM;
	}
	priv->visitor = (struct img_visitor){
		.userdata = priv,
		.stream_begin = v_stream_begin,
		.file_begin = v_file_begin,
		.file_data = v_file_data,
		.file_end = v_file_end,
		.stream_end = v_stream_end,
	};
	scan->priv = priv;
	scan->visitor = &priv->visitor;
	return 0;
}

int sec_image_scan_finish(struct sec_image_scan *scan, const struct img *img,
			  struct bh_findings *out, struct sec_stats *ret_stats)
{
	struct sec_image_priv *priv = scan->priv;
	if (!priv)
		return -EINVAL;
	if (priv->err < 0)
		return priv->err;
	_cleanup_(sec_scanner_freep) struct sec_scanner *s = NULL;
	int r = sec_scanner_new(priv->e, &s);
	if (r < 0)
		return r;
	char where[64];
	if (img) {
		const struct img_config *c = &img->config;
		for (size_t i = 0; i < c->env.n && r >= 0; i++) {
			r = xsnprintf(where, sizeof(where), "image config: Env[%zu]", i);
			if (r >= 0)
				r = sec_scan_text(s, where, span_from(c->env.v[i]), &priv->found);
		}
		for (size_t i = 0; i < c->n_history && r >= 0; i++) {
			if (!c->history[i].created_by)
				continue;
			r = xsnprintf(where, sizeof(where), "image config: history[%zu]", i);
			if (r >= 0)
				r = sec_scan_text(s, where, span_from(c->history[i].created_by),
						  &priv->found);
		}
	}
	if (r < 0)
		return r;
	sec_scanner_stats(s, &priv->stats);
	bh_findings_sort(&priv->found);
	r = bh_findings_move(out, &priv->found);
	if (r < 0)
		return r;
	if (ret_stats)
		*ret_stats = priv->stats;
	return 0;
}

void sec_image_scan_done(struct sec_image_scan *scan)
{
	struct sec_image_priv *priv = scan->priv;
	if (priv) {
		bh_findings_done(&priv->found);
		pthread_mutex_destroy(&priv->lock);
		free(priv);
	}
	*scan = (struct sec_image_scan){ 0 };
}
