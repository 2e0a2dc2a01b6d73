/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbom-json.c — our own SBOM document, bulkhead.sbom/v1 (schema: docs/schema/sbom.schema.json).
 * Every key is always present (null when unknown) so that consumers can rely on the
 * shape; arrays keep list order (packages arrive sorted, layers in image order, labels
 * and ports sorted by the config reader). No timestamp and no random value is written,
 * so the document is a pure function of the image.
 *
 *   schema     "bulkhead.sbom/v1"
 *   target     input, kind, path, reference, name, repo_tags, manifest_digest,
 *              config_digest, platform
 *   os         id, version_id, codename, pretty_name, id_like (null when unknown)
 *   config     user, working_dir, env, entrypoint, cmd, exposed_ports, volumes, labels
 *              (object), stop_signal, created
 *   layers[]   index, digest, diff_id, media_type, size, created_by
 *   packages[] name, version, type, purl, namespace, arch, epoch, source_name,
 *              source_version, licenses, location, layer, layer_digest, found_by,
 *              depends, files_count, supplier, homepage, checksum
 */
#include "bulkhead/report.h"
#include "common/json.h"
#include "report/sbom-common.h"

static const char *const kind_names[_IMG_KIND_MAX] = {
    [IMG_KIND_OCI] = "oci",
    [IMG_KIND_DOCKER_ARCHIVE] = "docker-archive",
    [IMG_KIND_DIR] = "dir",
    [IMG_KIND_AUTO] = "auto",
};

/* A string or null. */
static int set_nullable(json_t *o, const char *key, const char *value)
{
	return bh_json_set_new(o, key, value ? sbom_json_string(value) : json_null());
}

static int set_strv(json_t *o, const char *key, const struct strv *v)
{
	json_t *arr = json_array();
	int r = bh_json_set_new(o, key, arr);
	for (size_t i = 0; i < v->n && r >= 0; i++)
		r = sbom_append_str(arr, v->v[i]);
	return r;
}

static int target(const struct img *img, json_t *doc)
{
	json_t *t = json_object();
	int r = bh_json_set_new(doc, "target", t);
	const struct img_target *tg = &img->target;
	const char *kind = (unsigned)tg->kind < _IMG_KIND_MAX ? kind_names[tg->kind] : NULL;
	_cleanup_buf_ struct buf platform;
	buf_init(&platform, 0);
	const struct img_config *cf = &img->config;
	if (r >= 0 && cf->os && cf->architecture)
		r = buf_printf(&platform, "%s/%s%s%s", cf->os, cf->architecture,
			       cf->variant ? "/" : "", cf->variant ? cf->variant : "");
	if (r >= 0)
		r = set_nullable(t, "input", tg->original);
	if (r >= 0)
		r = set_nullable(t, "kind", kind);
	if (r >= 0)
		r = set_nullable(t, "path", tg->path);
	if (r >= 0)
		r = set_nullable(t, "reference", tg->reference);
	if (r >= 0)
		r = sbom_set_str(t, "name", sbom_image_name(img));
	if (r >= 0)
		r = set_strv(t, "repo_tags", &img->repo_tags);
	if (r >= 0)
		r = set_nullable(t, "manifest_digest", img->manifest_digest);
	if (r >= 0)
		r = set_nullable(t, "config_digest", img->config_digest);
	if (r >= 0)
		r = set_nullable(t, "platform", platform.len ? buf_str(&platform) : NULL);
	return r;
}

static int os(const struct img *img, json_t *doc)
{
	if (!img->os.id && !img->os.pretty_name)
		return bh_json_set_new(doc, "os", json_null());
	json_t *o = json_object();
	int r = bh_json_set_new(doc, "os", o);
	if (r >= 0)
		r = set_nullable(o, "id", img->os.id);
	if (r >= 0)
		r = set_nullable(o, "version_id", img->os.version_id);
	if (r >= 0)
		r = set_nullable(o, "codename", img->os.codename);
	if (r >= 0)
		r = set_nullable(o, "pretty_name", img->os.pretty_name);
	if (r >= 0)
		r = set_nullable(o, "id_like", img->os.id_like);
	return r;
}

static int config(const struct img *img, json_t *doc)
{
	const struct img_config *cf = &img->config;
	json_t *o = json_object();
	int r = bh_json_set_new(doc, "config", o);
	if (r >= 0)
		r = set_nullable(o, "user", cf->user);
	if (r >= 0)
		r = set_nullable(o, "working_dir", cf->working_dir);
	if (r >= 0)
		r = set_strv(o, "env", &cf->env);
	if (r >= 0)
		r = set_strv(o, "entrypoint", &cf->entrypoint);
	if (r >= 0)
		r = set_strv(o, "cmd", &cf->cmd);
	if (r >= 0)
		r = set_strv(o, "exposed_ports", &cf->exposed_ports);
	if (r >= 0)
		r = set_strv(o, "volumes", &cf->volumes);
	json_t *labels = json_object();
	if (r >= 0)
		r = bh_json_set_new(o, "labels", labels);
	else
		json_decref(labels);
	for (size_t i = 0; i < cf->labels.n && r >= 0; i++) {
		struct span kv = span_from(cf->labels.v[i]), k, v;
		if (!span_cut(kv, '=', &k, &v)) {
			k = kv;
			v = (struct span){"", 0};
		}
		_cleanup_free_ char *key = span_dup(k);
		_cleanup_free_ char *val = span_dup(v);
		if (!key || !val) {
			r = -ENOMEM;
			break;
		}
		/* jansson keys must be valid UTF-8 too: take the repaired string's text */
		_cleanup_json_ json_t *ks = sbom_json_string(key);
		if (!ks) {
			r = -ENOMEM;
			break;
		}
		r = bh_json_set_new(labels, json_string_value(ks), sbom_json_string(val));
	}
	if (r >= 0)
		r = set_nullable(o, "stop_signal", cf->stop_signal);
	if (r >= 0)
		r = set_nullable(o, "created", cf->created);
	return r;
}

static int layers(const struct img *img, json_t *doc)
{
	json_t *arr = json_array();
	int r = bh_json_set_new(doc, "layers", arr);
	for (size_t i = 0; i < img->n_layers && r >= 0; i++) {
		const struct img_layer *l = &img->layers[i];
		json_t *o = json_object();
		r = bh_json_append_new(arr, o);
		if (r >= 0)
			r = bh_json_set_new(o, "index", json_integer((json_int_t)i));
		if (r >= 0)
			r = set_nullable(o, "digest", l->digest);
		if (r >= 0)
			r = set_nullable(o, "diff_id", l->diff_id);
		if (r >= 0)
			r = set_nullable(o, "media_type", l->media_type);
		if (r >= 0)
			r = bh_json_set_new(
			    o, "size", json_integer((json_int_t)MIN(l->size, (uint64_t)INT64_MAX)));
		if (r >= 0)
			r = set_nullable(o, "created_by", l->created_by);
	}
	return r;
}

static int package(const struct img *img, const struct pkg *p, json_t *arr)
{
	json_t *o = json_object();
	int r = bh_json_append_new(arr, o);
	if (r >= 0)
		r = sbom_set_str(o, "name", p->name);
	if (r >= 0)
		r = set_nullable(o, "version", p->version);
	if (r >= 0)
		r = sbom_set_str(o, "type", pkg_type_purl(p->type));
	if (r >= 0)
		r = set_nullable(o, "purl", p->purl);
	if (r >= 0)
		r = set_nullable(o, "namespace", p->namespace);
	if (r >= 0)
		r = set_nullable(o, "arch", p->arch);
	if (r >= 0)
		r = bh_json_set_new(o, "epoch",
				    p->has_epoch ? json_integer(p->epoch) : json_null());
	if (r >= 0)
		r = set_nullable(o, "source_name", p->source_name);
	if (r >= 0)
		r = set_nullable(o, "source_version", p->source_version);
	if (r >= 0)
		r = set_strv(o, "licenses", &p->licenses);
	if (r >= 0)
		r = set_nullable(o, "location", p->location);
	bool has_layer = p->layer >= 0 && (size_t)p->layer < img->n_layers;
	if (r >= 0)
		r = bh_json_set_new(o, "layer", has_layer ? json_integer(p->layer) : json_null());
	if (r >= 0)
		r = set_nullable(o, "layer_digest", sbom_pkg_layer_digest(img, p));
	if (r >= 0)
		r = set_nullable(o, "found_by", p->found_by);
	if (r >= 0)
		r = set_strv(o, "depends", &p->depends);
	if (r >= 0)
		r = bh_json_set_new(o, "files_count", json_integer((json_int_t)p->files.n));
	if (r >= 0)
		r = set_nullable(o, "supplier", p->supplier);
	if (r >= 0)
		r = set_nullable(o, "homepage", p->homepage);
	if (r >= 0)
		r = set_nullable(o, "checksum", p->checksum);
	return r;
}

static int fill_package(void *userdata, size_t i, json_t *into)
{
	const struct img *img = userdata;
	return package(img, img->pkgs.items[i], into);
}

int report_sbom_json(const struct img *img, FILE *f)
{
	_cleanup_json_ json_t *doc = json_object();
	if (!doc)
		return -ENOMEM;
	int r = sbom_set_str(doc, "schema", "bulkhead.sbom/v1");
	if (r >= 0)
		r = sbom_set_str(doc, "generator", "bulkhead " BULKHEAD_VERSION);
	if (r >= 0)
		r = target(img, doc);
	if (r >= 0)
		r = os(img, doc);
	if (r >= 0)
		r = config(img, doc);
	if (r >= 0)
		r = layers(img, doc);
	json_t *arr = json_array();
	if (r >= 0)
		r = bh_json_set_new(doc, "packages", arr);
	else
		json_decref(arr);
	if (r < 0)
		return r;
	/* Packages are added while writing, one at a time. */
	const struct bh_json_stream streams[] = {
		{ "packages", img->pkgs.n, fill_package, (void *)img },
	};
	return bh_json_dump_file_streamed(doc, streams, ARRAY_SIZE(streams), f);
}
