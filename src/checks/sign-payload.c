/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sign-payload.c — cosign's simple-signing payload (build and parse) and the signature
 * manifest that carries one payload per signature as a layer. Both parsers take hostile
 * input: sizes and depth come from struct bh_limits, duplicate keys are rejected by the
 * JSON reader, and every error names the field that is wrong.
 */
#include "checks/sign.h"
#include "common/json.h"

/* ---- building: Go's encoding/json string form, so payloads match cosign's byte for byte -- */

/* Length of the UTF-8 sequence at s[0..len), or 0 when it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t min, cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int put_json_string(struct buf *b, struct span s)
{
	static const char hex[] = "0123456789abcdef";
	int r = buf_putc(b, '"');
	const unsigned char *p = (const unsigned char *)s.ptr;
	for (size_t i = 0; i < s.len && r >= 0;) {
		unsigned char c = p[i];
		size_t n = utf8_len(p + i, s.len - i);
		if (n == 0)
			return -EINVAL;
		if (n == 3 && c == 0xe2 && p[i + 1] == 0x80 &&
		    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			r = buf_puts(b, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
		} else if (n > 1) {
			r = buf_append(b, p + i, n);
		} else if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			r = buf_append(b, e, 2);
		} else if (c == '\n') {
			r = buf_puts(b, "\\n");
		} else if (c == '\r') {
			r = buf_puts(b, "\\r");
		} else if (c == '\t') {
			r = buf_puts(b, "\\t");
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			r = buf_append(b, e, 6);
		} else {
			r = buf_putc(b, (char)c);
		}
		i += n;
	}
	return r < 0 ? r : buf_putc(b, '"');
}

static int annotation_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strcspn(x, "="), ly = strcspn(y, "=");
	int c = memcmp(x, y, MIN(lx, ly));
	return c ? c : (lx > ly) - (lx < ly);
}

int sign_payload_build(const char *docker_reference, const char *manifest_digest,
		       const struct strv *annotations, struct buf *ret)
{
	if (!docker_reference || !manifest_digest ||
	    bh_digest_validate(span_from(manifest_digest)) < 0)
		return -EINVAL;
	size_t n = annotations ? annotations->n : 0;
	_cleanup_free_ const char **sorted = NULL;
	if (n) {
		sorted = calloc(n, sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			if (!strchr(annotations->v[i], '='))
				return -EINVAL;
			sorted[i] = annotations->v[i];
		}
		qsort(sorted, n, sizeof(*sorted), annotation_cmp);
		for (size_t i = 1; i < n; i++)
			if (annotation_cmp(&sorted[i - 1], &sorted[i]) == 0)
				return -EINVAL;
	}
	size_t start = ret->len;
	int r = buf_puts(ret, "{\"critical\":{\"identity\":{\"docker-reference\":") ?:
		put_json_string(ret, span_from(docker_reference)) ?:
		buf_puts(ret, "},\"image\":{\"docker-manifest-digest\":") ?:
		put_json_string(ret, span_from(manifest_digest)) ?:
		buf_puts(ret, "},\"type\":\"" SIGN_PAYLOAD_TYPE "\"},\"optional\":");
	if (r >= 0 && n == 0)
		r = buf_puts(ret, "null");
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct span k, v;
		(void)span_cut(span_from(sorted[i]), '=', &k, &v);
		r = buf_putc(ret, i ? ',' : '{') ?: put_json_string(ret, k) ?: buf_putc(ret, ':') ?:
		    put_json_string(ret, v);
	}
	if (r >= 0 && n)
		r = buf_putc(ret, '}');
	if (r >= 0)
		r = buf_putc(ret, '}');
	if (r < 0) {
		ret->len = start;
		if (ret->ptr)
			ret->ptr[start] = '\0';
	}
	return r;
}

/* ---- parsing the payload ------------------------------------------------------------------ */

void sign_payload_done(struct sign_payload *p)
{
	free(p->docker_reference);
	if (p->optional)
		json_decref(p->optional);
	*p = (struct sign_payload){0};
}

#define FIELD_ERR(diag, ...)                                                                       \
	({                                                                                         \
		bh_diag_set((diag), NULL, 0, 0, __VA_ARGS__);                                      \
		-EBADMSG;                                                                          \
	})

/* Every key of o must be one of allowed (NULL-terminated); else name the stray one. */
static int only_keys(const json_t *o, const char *where, const char *const *allowed,
		     struct bh_diag *diag)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = streq(key, allowed[i]);
		if (!ok)
			return FIELD_ERR(diag, "%s.%.64s: unknown field", where, key);
	}
	return 0;
}

static int get_object(const json_t *o, const char *key, const char *where, json_t **ret,
		      struct bh_diag *diag)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return FIELD_ERR(diag, "%s%s%s: missing", where, *where ? "." : "", key);
	if (!json_is_object(v))
		return FIELD_ERR(diag, "%s%s%s: not an object", where, *where ? "." : "", key);
	*ret = v;
	return 0;
}

static int get_string(const json_t *o, const char *key, const char *where, const char **ret,
		      struct bh_diag *diag)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return FIELD_ERR(diag, "%s.%s: missing", where, key);
	if (!json_is_string(v))
		return FIELD_ERR(diag, "%s.%s: not a string", where, key);
	*ret = json_string_value(v);
	return 0;
}

int sign_payload_parse(struct span in, const struct bh_limits *limits, struct sign_payload *ret,
		       struct bh_diag *reterr_diag)
{
	static const char *const critical_keys[] = {"identity", "image", "type", NULL};
	static const char *const identity_keys[] = {"docker-reference", NULL};
	static const char *const image_keys[] = {"docker-manifest-digest", NULL};
	*ret = (struct sign_payload){0};
	_cleanup_json_ json_t *doc = NULL;
	int r = bh_json_parse(in, limits, "payload", &doc, reterr_diag);
	if (r < 0)
		return r;
	if (!json_is_object(doc))
		return FIELD_ERR(reterr_diag, "payload: not a JSON object");
	json_t *critical, *identity, *image;
	const char *type, *ref, *digest;
	r = get_object(doc, "critical", "", &critical, reterr_diag) ?:
	    only_keys(critical, "critical", critical_keys, reterr_diag) ?:
	    get_string(critical, "type", "critical", &type, reterr_diag);
	if (r < 0)
		return r;
	if (!streq(type, SIGN_PAYLOAD_TYPE))
		return FIELD_ERR(reterr_diag,
				 "critical.type: '%.64s' is not '" SIGN_PAYLOAD_TYPE "'", type);
	r = get_object(critical, "image", "critical", &image, reterr_diag) ?:
	    only_keys(image, "critical.image", image_keys, reterr_diag) ?:
	    get_string(image, "docker-manifest-digest", "critical.image", &digest, reterr_diag) ?:
	    get_object(critical, "identity", "critical", &identity, reterr_diag) ?:
	    only_keys(identity, "critical.identity", identity_keys, reterr_diag) ?:
	    get_string(identity, "docker-reference", "critical.identity", &ref, reterr_diag);
	if (r < 0)
		return r;
	if (bh_digest_validate(span_from(digest)) < 0)
		return FIELD_ERR(
		    reterr_diag,
		    "critical.image.docker-manifest-digest: '%.80s' is not a sha256 digest",
		    digest);
	json_t *optional = json_object_get(doc, "optional");
	if (optional && !json_is_null(optional) && !json_is_object(optional))
		return FIELD_ERR(reterr_diag, "optional: neither an object nor null");
	struct sign_payload p = {0};
	p.docker_reference = strdup(ref);
	if (!p.docker_reference)
		return -ENOMEM;
	memcpy(p.manifest_digest, digest, BH_DIGEST_STR_LEN + 1);
	if (optional && json_is_object(optional))
		p.optional = json_incref(optional);
	*ret = p;
	return 0;
}

/* ---- the signature manifest --------------------------------------------------------------- */

void sign_manifest_done(struct sign_manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->layers[i].media_type);
		free(m->layers[i].signature);
		if (m->layers[i].desc)
			json_decref(m->layers[i].desc);
	}
	free(m->layers);
	*m = (struct sign_manifest){0};
}

static int layer_parse(json_t *d, size_t i, struct sign_layer *ret, struct bh_diag *diag)
{
	if (!json_is_object(d))
		return FIELD_ERR(diag, "layers[%zu]: not an object", i);
	const char *mt = bh_json_str(d, "mediaType"), *digest = bh_json_str(d, "digest");
	if (!mt)
		return FIELD_ERR(diag, "layers[%zu].mediaType: missing or not a string", i);
	if (!digest)
		return FIELD_ERR(diag, "layers[%zu].digest: missing or not a string", i);
	if (bh_digest_validate(span_from(digest)) < 0)
		return FIELD_ERR(diag, "layers[%zu].digest: '%.80s' is not a sha256 digest", i,
				 digest);
	uint64_t size;
	int r = bh_json_u64(d, "size", &size);
	if (r < 0)
		return FIELD_ERR(diag, "layers[%zu].size: %s", i,
				 r == -ENOENT ? "missing" : "not a non-negative integer");
	json_t *ann = json_object_get(d, "annotations");
	const char *sig = NULL;
	if (ann) {
		if (!json_is_object(ann))
			return FIELD_ERR(diag, "layers[%zu].annotations: not an object", i);
		const char *key;
		json_t *v;
		json_object_foreach(ann, key, v)
		{
			if (!json_is_string(v))
				return FIELD_ERR(
				    diag, "layers[%zu].annotations.%.64s: not a string", i, key);
		}
		sig = bh_json_str(ann, SIGN_ANNOTATION);
	}
	struct sign_layer l = {.size = size};
	memcpy(l.digest, digest, BH_DIGEST_STR_LEN + 1);
	l.media_type = strdup(mt);
	l.signature = sig ? strdup(sig) : NULL;
	if (!l.media_type || (sig && !l.signature)) {
		free(l.media_type);
		free(l.signature);
		return -ENOMEM;
	}
	l.desc = json_incref(d);
	*ret = l;
	return 0;
}

int sign_manifest_parse(struct span in, const struct bh_limits *limits, struct sign_manifest *ret,
			struct bh_diag *reterr_diag)
{
	*ret = (struct sign_manifest){0};
	_cleanup_json_ json_t *doc = NULL;
	int r = bh_json_parse(in, limits, "signature manifest", &doc, reterr_diag);
	if (r < 0)
		return r;
	if (!json_is_object(doc))
		return FIELD_ERR(reterr_diag, "signature manifest: not a JSON object");
	uint64_t version;
	if (bh_json_u64(doc, "schemaVersion", &version) < 0 || version != 2)
		return FIELD_ERR(reterr_diag, "schemaVersion: missing or not 2");
	json_t *mt = json_object_get(doc, "mediaType");
	if (mt && (!json_is_string(mt) ||
		   (!streq(json_string_value(mt), "application/vnd.oci.image.manifest.v1+json") &&
		    !streq(json_string_value(mt),
			   "application/vnd.docker.distribution.manifest.v2+json"))))
		return FIELD_ERR(reterr_diag, "mediaType: not an image manifest media type");
	json_t *layers = json_object_get(doc, "layers");
	if (!json_is_array(layers))
		return FIELD_ERR(reterr_diag, "layers: missing or not an array");
	size_t n = json_array_size(layers);
	if (n > SIGN_MAX_LAYERS) {
		bh_diag_set(reterr_diag, NULL, 0, 0, "layers: %zu signatures, more than %d", n,
			    SIGN_MAX_LAYERS);
		return -E2BIG;
	}
	struct sign_manifest m = {0};
	for (size_t i = 0; i < n; i++) {
		r = GROW(m.layers, m.n, m.cap);
		if (r >= 0)
			r = layer_parse(json_array_get(layers, i), i, &m.layers[m.n], reterr_diag);
		if (r < 0) {
			sign_manifest_done(&m);
			return r;
		}
		m.n++;
	}
	*ret = m;
	return 0;
}

/* ---- tags ------------------------------------------------------------------------------------ */

int sign_tag_for_digest(const char *manifest_digest, char out[static SIGN_TAG_LEN + 1])
{
	if (!manifest_digest || bh_digest_validate(span_from(manifest_digest)) < 0)
		return -EINVAL;
	memcpy(out, "sha256-", 7);
	memcpy(out + 7, manifest_digest + 7, 64);
	memcpy(out + 71, ".sig", 5);
	return 0;
}

bool sign_tag_is_signature(const char *name)
{
	if (!name || strlen(name) != SIGN_TAG_LEN || memcmp(name, "sha256-", 7) != 0 ||
	    !streq(name + 71, ".sig"))
		return false;
	for (size_t i = 7; i < 71; i++)
		if (!ascii_isdigit(name[i]) && !(name[i] >= 'a' && name[i] <= 'f'))
			return false;
	return true;
}
