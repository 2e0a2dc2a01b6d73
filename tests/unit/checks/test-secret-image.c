/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-secret-image.c — the secret scanner as an img_visitor: two layer streams run in two
 * threads the way the image reader runs them (a file deleted by the later layer is still
 * reported with the layer that holds it), then finish() adds Env and history findings and
 * sorts; the stats add up.
 */
#include <pthread.h>

#include "bulkhead/image.h"
#include "fakeimg.h"
#include "test-secret-lib.h"

struct layer_job {
	const struct img_visitor *v;
	int layer_no;
	const char *digest;
	const char *path;
	const char *content;
	int ret;
};

static void *run_layer(void *arg)
{
	struct layer_job *j = arg;
	void *state = NULL;
	j->ret = j->v->stream_begin(j->v->userdata, j->layer_no, j->digest, &state);
	if (j->ret < 0)
		return NULL;
	int r = j->v->file_begin(state, j->path, 0644, strlen(j->content));
	if (r == 1) {
		/* three chunks, like a tar stream would deliver them */
		size_t n = strlen(j->content), a = n / 3;
		r = j->v->file_data(state, j->content, a);
		if (r == 0)
			r = j->v->file_data(state, j->content + a, a);
		if (r == 0)
			r = j->v->file_data(state, j->content + 2 * a, n - 2 * a);
		if (r >= 0)
			r = j->v->file_end(state);
	}
	/* a binary in the same stream is skipped */
	if (r >= 0 && j->v->file_begin(state, "usr/lib/x.so", 0755, 4) != 0)
		r = -EINVAL;
	j->v->stream_end(state, r < 0 ? r : 0);
	j->ret = r;
	return NULL;
}

TEST(visitor_layers_and_config)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct sec_engine *e = NULL;
	ASSERT_OK(sec_engine_new(NULL, &l, &e, NULL));
	struct sec_image_scan scan;
	ASSERT_OK(sec_image_scan_init(&scan, e));
	ASSERT_NOT_NULL(scan.visitor);

	char *sec0 = NULL, *sec1 = NULL, *sec2 = NULL, *sec3 = NULL;
	char *c0 = tsec_expand("[default]\nkey = gh" "p_{A:36}\n", 11, &sec0);
	char *c1 = tsec_expand("STRIPE=sk" "_live_{A:30}\n", 12, &sec1);
	struct layer_job jobs[2] = {
		{ scan.visitor, 0, "sha256:aaaa", "root/.config/gh/hosts.yml", c0, 0 },
		{ scan.visitor, 1, "sha256:bbbb", "app/.env", c1, 0 },
	};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, run_layer, &jobs[i]), 0);
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(pthread_join(t[i], NULL), 0);
		ASSERT_OK(jobs[i].ret);
	}

	struct img *img = fakeimg_new();
	ASSERT_NOT_NULL(img);
	char *env = tsec_expand("GITLAB_TOKEN=gl" "pat-{A:20}", 13, &sec2);
	ASSERT_OK(strv_push(&img->config.env, "PATH=/usr/bin"));
	ASSERT_OK(strv_push(&img->config.env, env));
	img->config.history = calloc(2, sizeof(*img->config.history));
	ASSERT_NOT_NULL(img->config.history);
	img->config.n_history = 2;
	char *hist = tsec_expand("/bin/sh -c curl -H 'Authorization: token gh" "o_{A:36}' x", 14,
				 &sec3);
	img->config.history[1].created_by = hist;

	struct bh_findings out = { 0 };
	struct sec_stats st = { 0 };
	ASSERT_OK(sec_image_scan_finish(&scan, img, &out, &st));
	ASSERT_EQ(out.n, 4);
	/* sorted: critical first (010 ghp, 015 glpat, 036 stripe), then high (012 gho) */
	ASSERT_STREQ(out.v[0].rule_id, "BH-SECRET-010");
	ASSERT_STREQ(out.v[0].layer, "sha256:aaaa");
	ASSERT_STREQ(out.v[0].path, "/root/.config/gh/hosts.yml");
	ASSERT_EQ(out.v[0].line, 2);
	ASSERT_STREQ(out.v[1].rule_id, "BH-SECRET-015");
	ASSERT_STREQ(out.v[1].path, "image config: Env[1]");
	ASSERT_NULL(out.v[1].layer);
	ASSERT_STREQ(out.v[2].rule_id, "BH-SECRET-036");
	ASSERT_STREQ(out.v[2].layer, "sha256:bbbb");
	ASSERT_STREQ(out.v[3].rule_id, "BH-SECRET-012");
	ASSERT_STREQ(out.v[3].path, "image config: history[1]");
	const char *secrets[] = { sec0, sec1, sec2, sec3 };
	for (size_t i = 0; i < out.n; i++)
		for (size_t k = 0; k < ARRAY_SIZE(secrets); k++)
			ASSERT_FALSE(tsec_leaks(&out.v[i], secrets[k]));
	ASSERT_EQ(st.files_scanned, 2);
	ASSERT_EQ(st.skipped_binary, 2);

	bh_findings_done(&out);
	sec_image_scan_done(&scan);
	img_free(img);
	free(c0);
	free(c1);
	free(env);
	free(sec0);
	free(sec1);
	free(sec2);
	free(sec3);
	sec_engine_free(e);
}

TEST(visitor_failed_open)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct sec_engine *e = NULL;
	ASSERT_OK(sec_engine_new(NULL, &l, &e, NULL));
	struct sec_image_scan scan;
	ASSERT_OK(sec_image_scan_init(&scan, e));
	void *state = NULL;
	ASSERT_OK(scan.visitor->stream_begin(scan.visitor->userdata, 0, NULL, &state));
	ASSERT_EQ(scan.visitor->file_begin(state, "a.txt", 0644, 10), 1);
	ASSERT_OK(scan.visitor->file_data(state, "password=", 9));
	/* the image read failed mid-file: the stream ends with an error */
	scan.visitor->stream_end(state, -EBADMSG);
	sec_image_scan_done(&scan);
	sec_image_scan_done(&scan);
	sec_engine_free(e);
}
