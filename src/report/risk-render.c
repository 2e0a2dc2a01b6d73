/* SPDX-License-Identifier: Apache-2.0 */
/*
 * risk-render.c — `bulkhead risk` output: the ranked table and bulkhead.risk/v1 JSON
 * (docs/schema/risk.schema.json) of a risk_report computed by risk.c.
 */
#include "common/json.h"
#include "common/timeutil.h"
#include "report/risk.h"
#include "report/texttable.h"

/* ---- rendering ----------------------------------------------------------------------------- */

/* Rounding of non-negative values for display. */
static double round1(double x)
{
	return x <= 0 ? 0 : (double)(int64_t)(x * 10.0 + 0.5) / 10.0;
}

static double round3(double x)
{
	return x <= 0 ? 0 : (double)(int64_t)(x * 1000.0 + 0.5) / 1000.0;
}

int risk_report_table(const struct risk_report *rep, size_t top, FILE *f)
{
	enum { C_RANK, C_SCORE, C_UNKNOWN, C_ENV, C_WORKLOAD, C_FACTORS, _C_MAX };
	static const char *const titles[_C_MAX] = {"RANK", "SCORE",    "UNKNOWN",
						   "ENV",  "WORKLOAD", "FACTORS"};
	struct text_table t;
	text_table_init(&t, _C_MAX, titles);
	_cleanup_buf_ struct buf fac;
	buf_init(&fac, 0);
	size_t n = top && top < rep->n ? top : rep->n;
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		const struct risk_workload *w = &rep->w[i];
		char rank[24], score[24], unk[24], id[1400];
		(void)xsnprintf(rank, sizeof(rank), "%zu", i + 1);
		(void)xsnprintf(score, sizeof(score), "%.1f", round1(w->score));
		(void)xsnprintf(unk, sizeof(unk), "%.1f", round1(w->unknown));
		if (xsnprintf(id, sizeof(id), "%s/%s/%s", w->obj->kind_name, w->ns, w->obj->name) <
		    0)
			(void)xsnprintf(id, sizeof(id), "%s/(long name)", w->obj->kind_name);
		buf_clear(&fac);
		/* Contributing factors, largest first. */
		size_t order[_RISK_F_MAX], k = 0;
		for (size_t j = 0; j < _RISK_F_MAX; j++)
			if (w->f[j].contribution >= 0.05)
				order[k++] = j;
		for (size_t a = 1; a < k; a++)
			for (size_t b = a;
			     b > 0 && w->f[order[b]].contribution > w->f[order[b - 1]].contribution;
			     b--) {
				size_t x = order[b];
				order[b] = order[b - 1];
				order[b - 1] = x;
			}
		for (size_t j = 0; j < k && r >= 0; j++)
			r = buf_printf(&fac, "%s%s +%.1f", j ? ", " : "", risk_model()[order[j]].id,
				       round1(w->f[order[j]].contribution));
		if (r >= 0 && w->f[RISK_F_NOT_SCANNED].value > 0)
			r = buf_printf(&fac, "%s(image not scanned)", fac.len ? ", " : "");
		const char *env = w->env == RISK_ENV_PROD  ? "prod"
				  : w->env == RISK_ENV_DEV ? "non-prod"
							   : "?";
		const char *row[_C_MAX] = {rank, score, unk, env, id, buf_str(&fac)};
		if (r >= 0)
			r = text_table_add_row(&t, row);
	}
	if (r >= 0 && t.nrows)
		text_table_print(&t, _C_MAX, f);
	text_table_done(&t);
	if (r < 0)
		return r;
	fprintf(f,
		"%s%zu workload%s ranked (score 0-100 = sum of weighted factors; UNKNOWN = points "
		"the data could not assess); %zu of %zu images scanned; store: %s\n",
		t.nrows ? "\n" : "", rep->n, rep->n == 1 ? "" : "s", rep->n_images_scanned,
		rep->n_images, rep->store_name ? rep->store_name : "none");
	for (size_t i = 0; i < rep->notes.n; i++)
		fprintf(f, "note: %s\n", rep->notes.v[i]);
	return ferror(f) ? -EIO : 0;
}

static json_t *evidence_json(const struct risk_evidence *e)
{
	static const char *const types[_RISK_EV_MAX] = {"manifest", "finding", "run", "baseline"};
	json_t *o = json_pack("{s:s, s:s}", "type", types[e->type], "ref", e->ref);
	if (o && e->type == RISK_EV_FINDING &&
	    json_object_set_new(o, "run", json_integer(e->run)) < 0) {
		json_decref(o);
		return NULL;
	}
	if (o && e->detail && bh_json_set_str(o, "detail", e->detail) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *factor_json(size_t k, const struct risk_factor *f)
{
	json_t *ev = json_array();
	for (size_t i = 0; ev && i < f->n_ev; i++)
		if (bh_json_append_new(ev, evidence_json(&f->ev[i])) < 0) {
			json_decref(ev);
			ev = NULL;
		}
	if (!ev)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:b, s:s, s:o, s:I}", "id",
			 risk_model()[k].id, "name", risk_model()[k].name, "category",
			 risk_category_name(risk_model()[k].category), "value", round3(f->value),
			 "weight", risk_model()[k].weight, "contribution", round3(f->contribution),
			 "unknown", round3(f->unknown), "assessed", f->assessed, "detail",
			 f->detail ? f->detail : "", "evidence", ev, "evidence_omitted",
			 (json_int_t)f->n_ev_omitted);
}

static int workload_fill(void *u, size_t i, json_t *into)
{
	const struct risk_report *rep = u;
	const struct risk_workload *w = &rep->w[i];
	json_t *imgs = json_array(), *fs = json_array();
	for (size_t k = 0; imgs && k < w->images.n; k++)
		if (bh_json_append_str(imgs, w->images.v[k]) < 0) {
			json_decref(imgs);
			imgs = NULL;
		}
	for (size_t k = 0; fs && k < _RISK_F_MAX; k++)
		if (bh_json_append_new(fs, factor_json(k, &w->f[k])) < 0) {
			json_decref(fs);
			fs = NULL;
		}
	if (!imgs || !fs) {
		json_decref(imgs);
		json_decref(fs);
		return -ENOMEM;
	}
	char wl[1100], src[1100];
	if (xsnprintf(wl, sizeof(wl), "%s/%s", w->obj->kind_name, w->obj->name) < 0)
		(void)xsnprintf(wl, sizeof(wl), "%s/(long name)", w->obj->kind_name);
	if (xsnprintf(src, sizeof(src), "%s:%u", w->obj->path ? w->obj->path : "-", w->obj->line) <
	    0)
		(void)xsnprintf(src, sizeof(src), "-");
	json_t *o =
	    json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:f, s:f, s:o}", "rank",
		      (json_int_t)(i + 1), "workload", wl, "kind", w->obj->kind_name, "name",
		      w->obj->name, "namespace", w->ns, "source", src, "images", imgs, "score",
		      round1(w->score), "unknown", round1(w->unknown), "factors", fs);
	if (o && bh_json_set_str(o, "environment", risk_env_name(w->env)) < 0) {
		json_decref(o);
		return -ENOMEM;
	}
	return bh_json_append_new(into, o);
}

static json_t *model_json(const struct risk_opts *o)
{
	json_t *fs = json_array(), *weights = json_object(), *cats = json_object();
	json_t *prod = json_array(), *dev = json_array();
	bool ok = fs && weights && cats && prod && dev;
	for (size_t k = 0; ok && k < _RISK_F_MAX; k++) {
		json_t *cw = json_object_get(cats, risk_category_name(risk_model()[k].category));
		double prev = cw ? json_real_value(cw) : 0;
		ok = json_object_set_new(weights, risk_model()[k].id,
					 json_real(risk_model()[k].weight)) == 0 &&
		     json_object_set_new(cats, risk_category_name(risk_model()[k].category),
					 json_real(prev + risk_model()[k].weight)) == 0 &&
		     bh_json_append_new(
			 fs, json_pack("{s:s, s:s, s:s, s:f, s:s}", "id", risk_model()[k].id,
				       "name", risk_model()[k].name, "category",
				       risk_category_name(risk_model()[k].category), "weight",
				       risk_model()[k].weight, "how", risk_model()[k].how)) == 0;
	}
	for (size_t i = 0; ok && i < o->n_prod; i++)
		ok = bh_json_append_str(prod, o->prod[i]) == 0;
	for (size_t i = 0; ok && i < o->n_dev; i++)
		ok = bh_json_append_str(dev, o->dev[i]) == 0;
	if (!ok) {
		json_decref(fs);
		json_decref(weights);
		json_decref(cats);
		json_decref(prod);
		json_decref(dev);
		return NULL;
	}
	return json_pack("{s:i, s:i, s:o, s:o, s:o, s:{s:s, s:o, s:o}, s:I, s:s}", "version", 1,
			 "max_score", 100, "weights", weights, "categories", cats, "factors", fs,
			 "environment", "label", o->env_label, "prod_patterns", prod,
			 "dev_patterns", dev, "runtime_window_days",
			 (json_int_t)(o->runtime_window / 86400), "doc", "docs/risk-model.md");
}

int risk_report_json(const struct risk_report *rep, size_t top, FILE *f)
{
	char now[32];
	int r = bh_format_rfc3339(bh_now(NULL), now, sizeof(now));
	if (r < 0)
		return r;
	_cleanup_json_ json_t *doc = json_object();
	json_t *notes = json_array();
	if (!doc || !notes) {
		json_decref(notes);
		return -ENOMEM;
	}
	for (size_t i = 0; r >= 0 && i < rep->notes.n; i++)
		r = bh_json_append_str(notes, rep->notes.v[i]);
	size_t n = top && top < rep->n ? top : rep->n;
	if (r >= 0)
		r = bh_json_set_str(doc, "schema", "bulkhead.risk/v1");
	if (r >= 0)
		r = bh_json_set_str(doc, "generator", "bulkhead " BULKHEAD_VERSION);
	if (r >= 0)
		r = bh_json_set_str(doc, "generated", now);
	if (r >= 0)
		r = bh_json_set_new(doc, "model", model_json(&rep->opts));
	if (r >= 0)
		r = bh_json_set_new(
		    doc, "summary",
		    json_pack("{s:I, s:I, s:I, s:I, s:o, s:b, s:I}", "workloads",
			      (json_int_t)rep->n, "shown", (json_int_t)n, "images",
			      (json_int_t)rep->n_images, "images_scanned",
			      (json_int_t)rep->n_images_scanned, "store",
			      rep->store_name ? json_string(rep->store_name) : json_null(),
			      "runtime_data", rep->has_runtime, "baselines_matched",
			      (json_int_t)rep->n_baselines));
	if (r >= 0)
		r = bh_json_set_new(doc, "notes", notes);
	else
		json_decref(notes);
	if (r >= 0)
		r = bh_json_set_new(doc, "workloads", json_array());
	if (r < 0)
		return r;
	const struct bh_json_stream streams[] = {{"workloads", n, workload_fill, (void *)rep}};
	return bh_json_dump_file_streamed(doc, streams, ARRAY_SIZE(streams), f);
}
