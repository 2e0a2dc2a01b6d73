/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c — the image configuration blob (OCI image-spec config.md, identical in the
 * fields we read to Docker's "container image JSON"): platform, run-time defaults
 * (user, env, entrypoint, cmd, ports, volumes, labels), history, and rootfs.diff_ids,
 * which the layer streamer checks every uncompressed layer against.
 *
 * JSON null is accepted wherever a value may be absent (Docker writes "Env": null); a
 * value of the wrong type is -EBADMSG, as in the Go decoders of docker and containerd.
 * Does not check the config against the manifest (image.c counts diff_ids vs layers).
 */
#include "common/hash.h"
#include "common/json.h"
#include "image/image-int.h"

void img_config_done(struct img_config *c)
{
	if (!c)
		return;
	free(c->architecture);
	free(c->os);
	free(c->variant);
	free(c->created);
	free(c->user);
	free(c->working_dir);
	free(c->stop_signal);
	strv_done(&c->healthcheck);
	strv_done(&c->env);
	strv_done(&c->entrypoint);
	strv_done(&c->cmd);
	strv_done(&c->exposed_ports);
	strv_done(&c->volumes);
	strv_done(&c->labels);
	for (size_t i = 0; i < c->n_history; i++) {
		free(c->history[i].created);
		free(c->history[i].created_by);
		free(c->history[i].comment);
	}
	free(c->history);
	*c = (struct img_config){0};
}

struct cfg_ctx {
	const struct bh_limits *limits;
	const char *source;
	struct bh_diag *diag;
};

static int bad(struct cfg_ctx *x, const char *field, const char *what)
{
	bh_diag_set(x->diag, x->source, 0, 0, "%s: %s", field, what);
	return -EBADMSG;
}

/* Optional string: absent/null leaves *ret NULL. */
static int get_str(struct cfg_ctx *x, const json_t *obj, const char *key, const char *field,
		   char **ret)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(x, field, "expected a string");
	char *s = strdup(json_string_value(v));
	if (!s)
		return -ENOMEM;
	free(*ret);
	*ret = s;
	return 0;
}

static int count_ok(struct cfg_ctx *x, size_t n, const char *field)
{
	if (n > x->limits->max_entries) {
		bh_diag_set(x->diag, x->source, 0, 0,
			    "%s: %zu entries exceed the limit of %llu (max-entries)", field, n,
			    (unsigned long long)x->limits->max_entries);
		return -E2BIG;
	}
	return 0;
}

/* Optional array of strings. */
static int get_strv(struct cfg_ctx *x, const json_t *obj, const char *key, const char *field,
		    struct strv *ret)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad(x, field, "expected an array of strings");
	int r = count_ok(x, json_array_size(v), field);
	if (r < 0)
		return r;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e))
			return bad(x, field, "expected an array of strings");
		r = strv_push(ret, json_string_value(e));
		if (r < 0)
			return r;
	}
	return 0;
}

/* Optional object used as a set ({"80/tcp": {}}): its keys, sorted. */
static int get_keys(struct cfg_ctx *x, const json_t *obj, const char *key, const char *field,
		    struct strv *ret)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return bad(x, field, "expected an object");
	int r = count_ok(x, json_object_size(v), field);
	if (r < 0)
		return r;
	const char *k;
	json_t *e;
	json_object_foreach(v, k, e)
	{
		r = strv_push(ret, k);
		if (r < 0)
			return r;
	}
	strv_sort_uniq(ret);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Labels: {"k": "v"} → "k=v", sorted by key (not by the joined string). */
static int get_labels(struct cfg_ctx *x, const json_t *obj, struct strv *ret)
{
	json_t *v = json_object_get(obj, "Labels");
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return bad(x, "config.Labels", "expected an object");
	size_t n = json_object_size(v);
	int r = count_ok(x, n, "config.Labels");
	if (r < 0)
		return r;
	if (n == 0)
		return 0;
	_cleanup_free_ const char **keys = calloc(n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	size_t k = 0;
	const char *key;
	json_t *e;
	json_object_foreach(v, key, e)
	{
		if (!json_is_string(e) && !json_is_null(e))
			return bad(x, "config.Labels", "expected string values");
		if (k < n)
			keys[k++] = key;
	}
	qsort(keys, k, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < k; i++) {
		const char *val = bh_json_str(v, keys[i]);
		struct buf b;
		buf_init(&b, 0);
		r = buf_printf(&b, "%s=%s", keys[i], val ? val : "");
		if (r < 0) {
			buf_done(&b);
			return r;
		}
		r = strv_push_take(ret, buf_take(&b));
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * config.Healthcheck (Docker's HealthConfig; OCI's config.md does not define it, but
 * Docker and BuildKit write it into OCI configs too): only Test is kept, as written —
 * ["NONE"] disables a check inherited from the base image, [] (or no Test) inherits.
 * Interval, Timeout, StartPeriod and Retries are not read.
 */
static int get_healthcheck(struct cfg_ctx *x, const json_t *cc, struct img_config *c)
{
	json_t *h = json_object_get(cc, "Healthcheck");
	if (!h || json_is_null(h))
		return 0;
	if (!json_is_object(h))
		return bad(x, "config.Healthcheck", "expected an object");
	c->has_healthcheck = true;
	return get_strv(x, h, "Test", "config.Healthcheck.Test", &c->healthcheck);
}

static int parse_history(struct cfg_ctx *x, const json_t *root, struct img_config *c)
{
	json_t *h = json_object_get(root, "history");
	if (!h || json_is_null(h))
		return 0;
	if (!json_is_array(h))
		return bad(x, "history", "expected an array");
	size_t n = json_array_size(h);
	int r = count_ok(x, n, "history");
	if (r < 0)
		return r;
	if (n == 0)
		return 0;
	c->history = calloc(n, sizeof(*c->history));
	if (!c->history)
		return -ENOMEM;
	size_t i;
	json_t *e;
	json_array_foreach(h, i, e)
	{
		if (!json_is_object(e))
			return bad(x, "history", "expected an array of objects");
		struct img_history *hi = &c->history[c->n_history++];
		r = get_str(x, e, "created", "history.created", &hi->created);
		if (r >= 0)
			r = get_str(x, e, "created_by", "history.created_by", &hi->created_by);
		if (r >= 0)
			r = get_str(x, e, "comment", "history.comment", &hi->comment);
		if (r < 0)
			return r;
		json_t *el = json_object_get(e, "empty_layer");
		if (el && !json_is_null(el) && !json_is_boolean(el))
			return bad(x, "history.empty_layer", "expected a boolean");
		hi->empty_layer = json_is_true(el);
	}
	return 0;
}

static int parse_rootfs(struct cfg_ctx *x, const json_t *root, struct strv *ret)
{
	json_t *rootfs = json_object_get(root, "rootfs");
	if (!json_is_object(rootfs))
		return bad(x, "rootfs", rootfs ? "expected an object" : "missing");
	const char *type = bh_json_str(rootfs, "type");
	if (!type)
		return bad(x, "rootfs.type", "missing");
	if (!streq(type, "layers"))
		return bad(x, "rootfs.type", "expected \"layers\"");
	json_t *ids = json_object_get(rootfs, "diff_ids");
	if (!ids || json_is_null(ids))
		return 0; /* an image without layers (FROM scratch, nothing added) */
	if (!json_is_array(ids))
		return bad(x, "rootfs.diff_ids", "expected an array of digests");
	if (json_array_size(ids) > x->limits->max_layers) {
		bh_diag_set(x->diag, x->source, 0, 0,
			    "rootfs.diff_ids: %zu layers exceed the limit of %llu (max-layers)",
			    json_array_size(ids), (unsigned long long)x->limits->max_layers);
		return -E2BIG;
	}
	size_t i;
	json_t *e;
	json_array_foreach(ids, i, e)
	{
		const char *d = json_string_value(e);
		if (!d)
			return bad(x, "rootfs.diff_ids", "expected an array of digests");
		int r = bh_digest_validate(span_from(d));
		if (r < 0) {
			bh_diag_set(x->diag, x->source, 0, 0,
				    "rootfs.diff_ids[%zu]: %s digest '%.80s'", i,
				    r == -EOPNOTSUPP ? "unsupported" : "invalid", d);
			return r;
		}
		r = strv_push(ret, d);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_config(struct cfg_ctx *x, const json_t *root, struct img_config *c,
			struct strv *diff_ids)
{
	if (!json_is_object(root))
		return bad(x, "config", "expected a JSON object");
	int r = get_str(x, root, "architecture", "architecture", &c->architecture);
	if (r >= 0)
		r = get_str(x, root, "os", "os", &c->os);
	if (r >= 0)
		r = get_str(x, root, "variant", "variant", &c->variant);
	if (r >= 0)
		r = get_str(x, root, "created", "created", &c->created);
	if (r < 0)
		return r;

	json_t *cc = json_object_get(root, "config");
	if (cc && !json_is_null(cc)) {
		if (!json_is_object(cc))
			return bad(x, "config", "expected an object");
		r = get_str(x, cc, "User", "config.User", &c->user);
		if (r >= 0)
			r = get_str(x, cc, "WorkingDir", "config.WorkingDir", &c->working_dir);
		if (r >= 0)
			r = get_str(x, cc, "StopSignal", "config.StopSignal", &c->stop_signal);
		if (r >= 0)
			r = get_strv(x, cc, "Env", "config.Env", &c->env);
		if (r >= 0)
			r = get_strv(x, cc, "Entrypoint", "config.Entrypoint", &c->entrypoint);
		if (r >= 0)
			r = get_strv(x, cc, "Cmd", "config.Cmd", &c->cmd);
		if (r >= 0)
			r = get_keys(x, cc, "ExposedPorts", "config.ExposedPorts",
				     &c->exposed_ports);
		if (r >= 0)
			r = get_keys(x, cc, "Volumes", "config.Volumes", &c->volumes);
		if (r >= 0)
			r = get_labels(x, cc, &c->labels);
		if (r >= 0)
			r = get_healthcheck(x, cc, c);
		if (r < 0)
			return r;
	}
	r = parse_history(x, root, c);
	if (r < 0)
		return r;
	return parse_rootfs(x, root, diff_ids);
}

int img_config_parse(struct span json, const struct bh_limits *limits, const char *source,
		     struct img_config *ret_config, struct strv *ret_diff_ids,
		     struct bh_diag *reterr_diag)
{
	struct bh_limits def;
	if (!limits) {
		bh_limits_default(&def);
		limits = &def;
	}
	if (!source)
		source = "image config";
	_cleanup_json_ json_t *root = NULL;
	int r = bh_json_parse(json, limits, source, &root, reterr_diag);
	if (r < 0)
		return r;
	struct cfg_ctx x = {limits, source, reterr_diag};
	struct img_config c = {0};
	struct strv ids = {0};
	r = parse_config(&x, root, &c, &ids);
	if (r < 0) {
		img_config_done(&c);
		strv_done(&ids);
		return r;
	}
	*ret_config = c;
	if (ret_diff_ids)
		*ret_diff_ids = ids;
	else
		strv_done(&ids);
	return 0;
}
