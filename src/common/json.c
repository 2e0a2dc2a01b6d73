/* SPDX-License-Identifier: Apache-2.0 */
/* json.c — see json.h. */
#include <assert.h>
#include <string.h>

#include "common/common.h"
#include "common/json.h"

size_t bh_json_depth(struct span in, size_t max)
{
	size_t depth = 0, deepest = 0;
	bool in_str = false, esc = false;
	for (size_t i = 0; i < in.len; i++) {
		char c = in.ptr[i];
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '[' || c == '{') {
			if (++depth > deepest) {
				deepest = depth;
				if (deepest > max)
					return SIZE_MAX;
			}
		} else if ((c == ']' || c == '}') && depth)
			depth--;
	}
	return deepest;
}

int bh_json_parse(struct span in, const struct bh_limits *limits, const char *source,
		  json_t **ret, struct bh_diag *reterr_diag)
{
	if (in.len > limits->input_max_bytes) {
		bh_diag_set(reterr_diag, source, 0, 0, "JSON document of %zu bytes exceeds the limit of %llu (input-max-bytes)",
			    in.len, (unsigned long long)limits->input_max_bytes);
		return -E2BIG;
	}
	if (bh_json_depth(in, limits->json_max_depth) == SIZE_MAX) {
		bh_diag_set(reterr_diag, source, 0, 0, "JSON nesting deeper than %llu (json-max-depth)",
			    (unsigned long long)limits->json_max_depth);
		return -E2BIG;
	}
	json_error_t err;
	json_t *v = json_loadb(in.ptr, in.len, JSON_REJECT_DUPLICATES, &err);
	if (!v) {
		if (json_error_code(&err) == json_error_out_of_memory)
			return -ENOMEM;
		bh_diag_set(reterr_diag, source, err.line > 0 ? (unsigned)err.line : 0,
			    err.column > 0 ? (unsigned)err.column : 0, "invalid JSON: %s", err.text);
		return -EBADMSG;
	}
	*ret = v;
	return 0;
}

const char *bh_json_str(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *bh_json_obj(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_object(v) ? v : NULL;
}

json_t *bh_json_arr(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_array(v) ? v : NULL;
}

int bh_json_u64(const json_t *obj, const char *key, uint64_t *ret)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (!v)
		return -ENOENT;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -EBADMSG;
	*ret = (uint64_t)json_integer_value(v);
	return 0;
}

int bh_json_set_new(json_t *obj, const char *key, json_t *value_take)
{
	if (!value_take)
		return -ENOMEM;
	return json_object_set_new(obj, key, value_take) < 0 ? -ENOMEM : 0;
}

int bh_json_set_str(json_t *obj, const char *key, const char *value)
{
	return bh_json_set_new(obj, key, json_string(value ? value : ""));
}

int bh_json_set_str_opt(json_t *obj, const char *key, const char *value)
{
	if (!value || !*value)
		return 0;
	return bh_json_set_str(obj, key, value);
}

int bh_json_append_new(json_t *arr, json_t *value_take)
{
	if (!value_take)
		return -ENOMEM;
	return json_array_append_new(arr, value_take) < 0 ? -ENOMEM : 0;
}

int bh_json_append_str(json_t *arr, const char *value)
{
	return bh_json_append_new(arr, json_string(value ? value : ""));
}

static int dump_cb(const char *data, size_t size, void *userdata)
{
	return buf_append(userdata, data, size) < 0 ? -1 : 0;
}

int bh_json_dump_buf(const json_t *v, struct buf *b)
{
	size_t before = b->len;
	if (json_dump_callback(v, dump_cb, b, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
		b->len = before;
		if (b->ptr)
			b->ptr[before] = '\0';
		return -E2BIG;
	}
	return buf_putc(b, '\n');
}

int bh_json_dump_file(const json_t *v, FILE *f)
{
	if (json_dumpf(v, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', f) == EOF)
		return -EIO;
	return 0;
}

/*
 * The streamed writer's output: bytes gather in `out` and reach the FILE in blocks of about
 * OUT_FLUSH bytes (jansson hands its callback one token at a time: an fwrite per token cost
 * a fifth of writing a large SBOM). `indent`: spaces after every newline of the value being
 * dumped.
 */
#define OUT_FLUSH ((size_t)256 << 10)

struct indent_out {
	FILE *f;
	struct buf out;
	unsigned indent;
};

static const char spaces[] = "                ";

static int out_flush(struct indent_out *o)
{
	if (o->out.len && fwrite(o->out.ptr, 1, o->out.len, o->f) != o->out.len)
		return -EIO;
	buf_clear(&o->out);
	return 0;
}

static int out_puts(struct indent_out *o, const char *s)
{
	int r = buf_puts(&o->out, s);
	if (r < 0)
		return r;
	return o->out.len >= OUT_FLUSH ? out_flush(o) : 0;
}

static int indent_cb(const char *data, size_t size, void *userdata)
{
	struct indent_out *o = userdata;
	while (size > 0) {
		const char *nl = memchr(data, '\n', size);
		size_t n = nl ? (size_t)(nl - data) + 1 : size;
		if (buf_append(&o->out, data, n) < 0)
			return -1;
		if (nl && buf_append(&o->out, spaces, o->indent) < 0)
			return -1;
		data += n;
		size -= n;
	}
	return o->out.len >= OUT_FLUSH && out_flush(o) < 0 ? -1 : 0;
}

/* Dump v at nesting level `level` (2 spaces each), as jansson would inside a document. */
static int dump_at(const json_t *v, unsigned level, struct indent_out *o)
{
	o->indent = 2 * level;
	assert(o->indent < sizeof(spaces));
	return json_dump_callback(v, indent_cb, o,
				  JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) < 0
		       ? -EIO
		       : 0;
}

static const struct bh_json_stream *stream_for(const char *key, const struct bh_json_stream *s,
					       size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(s[i].key, key))
			return &s[i];
	return NULL;
}

static int put_element(const json_t *e, bool *first, struct indent_out *o)
{
	int r = out_puts(o, *first ? "[\n    " : ",\n    ");
	if (r < 0)
		return r;
	*first = false;
	return dump_at(e, 2, o);
}

/* Write one streamed array's elements: those already in arr, then fill()'s. */
static int dump_stream(const json_t *arr, const struct bh_json_stream *st, struct indent_out *o)
{
	bool first = true;
	size_t idx;
	json_t *e;
	int r = 0;
	json_array_foreach(arr, idx, e)
		if ((r = put_element(e, &first, o)) < 0)
			return r;
	_cleanup_json_ json_t *scratch = json_array();
	if (!scratch)
		return -ENOMEM;
	for (size_t i = 0; i < st->n; i++) {
		r = st->fill(st->userdata, i, scratch);
		if (r < 0)
			return r;
		json_array_foreach(scratch, idx, e)
			if ((r = put_element(e, &first, o)) < 0)
				return r;
		json_array_clear(scratch);
	}
	return out_puts(o, first ? "[]" : "\n  ]");
}

static int dump_streamed(const json_t *doc, const struct bh_json_stream *streams,
			 size_t n_streams, struct indent_out *o)
{
	if (json_object_size(doc) == 0)
		return out_puts(o, "{}\n");
	bool first = true;
	const char *key;
	json_t *v;
	int r;
	json_object_foreach((json_t *)doc, key, v) {
		if ((r = out_puts(o, first ? "{\n  " : ",\n  ")) < 0)
			return r;
		first = false;
		_cleanup_json_ json_t *k = json_string(key);
		if (!k)
			return -ENOMEM;
		if ((r = dump_at(k, 1, o)) < 0 || (r = out_puts(o, ": ")) < 0)
			return r;
		const struct bh_json_stream *st = stream_for(key, streams, n_streams);
		r = st && json_is_array(v) ? dump_stream(v, st, o) : dump_at(v, 1, o);
		if (r < 0)
			return r;
	}
	return out_puts(o, "\n}\n");
}

int bh_json_dump_file_streamed(const json_t *doc, const struct bh_json_stream *streams,
			       size_t n_streams, FILE *f)
{
	if (!json_is_object(doc))
		return -EINVAL;
	struct indent_out o = {.f = f};
	buf_init(&o.out, 0);
	int r = dump_streamed(doc, streams, n_streams, &o);
	if (r >= 0)
		r = out_flush(&o);
	buf_done(&o.out);
	return r;
}

size_t bh_json_escape_ascii(unsigned char c, bool lower_hex, char out[static 6])
{
	static const char simple[] = { ['"'] = '"', ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f',
				       ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't' };
	if (c >= 0x20 && c != '"' && c != '\\')
		return 0;
	out[0] = '\\';
	if (c < sizeof(simple) && simple[c]) {
		out[1] = simple[c];
		return 2;
	}
	const char *hex = lower_hex ? "0123456789abcdef" : "0123456789ABCDEF";
	memcpy(out + 1, "u00", 3);
	out[4] = hex[c >> 4];
	out[5] = hex[c & 15];
	return 6;
}
