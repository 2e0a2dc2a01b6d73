/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.c — one event as a JSON line without a jansson tree (see json.h). A writer keeps
 * the first error and ignores every append after it, so the field list reads as the
 * format it writes; on error the buffer is cut back to where it started.
 */
#include <inttypes.h>

#include "common/json.h"
#include "sensor/json.h"

struct jw {
	struct buf *b;
	int r;
};

/* The common case inline: room left below both the allocation and the maximum. The NUL
 * buf promises is written once at the end (sensor_event_to_json). */
static inline void put(struct jw *w, const char *s, size_t n)
{
	struct buf *b = w->b;
	if (w->r >= 0 && b->ptr && n < b->cap - b->len && n <= b->max - b->len) {
		memcpy(b->ptr + b->len, s, n);
		b->len += n;
		return;
	}
	if (w->r >= 0 && n)
		w->r = buf_append(w->b, s, n);
}

/*
 * Eight bytes at a time (little-endian load): the high bit of each byte of the result is
 * set where x holds a byte below 0x20, at or above 0x80, '"' or '\\'. The subtractions can
 * mark a byte above a marked one by their borrow, never one below, so the lowest mark is
 * exact: that is the only one used.
 */
static inline uint64_t care_mask(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
	uint64_t lt20 = x - ones * 0x20, zq = q - ones, zb = bs - ones;
	return (((lt20 & ~x) | (zq & ~q) | (zb & ~bs)) | x) & highs;
}

static void put_lit(struct jw *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_i64(struct jw *w, int64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	put(w, tmp + i, sizeof(tmp) - i);
}

static void put_hex64(struct jw *w, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[20];
	size_t i = sizeof(tmp);
	tmp[--i] = '"';
	do {
		tmp[--i] = digits[v & 15];
		v >>= 4;
	} while (v);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	tmp[--i] = '"';
	put(w, tmp + i, sizeof(tmp) - i);
}

/* Length of the well-formed UTF-8 sequence at p (at most n bytes), 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* past U+10FFFF */
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * A JSON string as jansson dumps it: '"' and '\\' escaped, control characters as \b \f
 * \n \r \t or \u00XX, everything else (DEL, '/', UTF-8) as is; a byte that does not
 * start a well-formed UTF-8 sequence becomes U+FFFD, as bh_event_to_json() does. NULL
 * is null.
 */
static void put_str(struct jw *w, const char *s)
{
	if (!s) {
		put(w, "null", 4);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), run = 0;
	put(w, "\"", 1);
	for (size_t i = 0; i < n;) {
		if (n - i >= 8) {
			uint64_t x;
			memcpy(&x, p + i, 8);
			uint64_t m = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? care_mask(x) : 1;
			if (!m) {
				run += 8;
				i += 8;
				continue;
			}
			size_t k = (size_t)__builtin_ctzll(m) / 8; /* safe bytes before it */
			run += k;
			i += k;
		}
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			run++;
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t l = utf8_len(p + i, n - i);
			if (l) {
				run += l;
				i += l;
				continue;
			}
		}
		put(w, (const char *)p + i - run, run);
		run = 0;
		char esc[6];
		size_t el = bh_json_escape_ascii(c, false, esc);
		if (el == 0) { /* a byte that is not valid UTF-8: U+FFFD */
			memcpy(esc, "\xef\xbf\xbd", 3);
			el = 3;
		}
		put(w, esc, el);
		i++;
	}
	put(w, (const char *)p + n - run, run);
	put(w, "\"", 1);
}

/* "key": and ,"key": for our own literal keys (no escaping, length known at compile time) */
#define KEY1(w, k)	 put(w, "\"" k "\":", sizeof("\"" k "\":") - 1)
#define KEY(w, k)	 put(w, ",\"" k "\":", sizeof(",\"" k "\":") - 1)
#define KV_I64(w, k, v)	 (KEY(w, k), put_i64(w, v))
#define KV_STR(w, k, v)	 (KEY(w, k), put_str(w, v))
#define KV_BOOL(w, k, v) (KEY(w, k), (v) ? put(w, "true", 4) : put(w, "false", 5))

static void put_strv(struct jw *w, char *const *v, size_t n)
{
	put(w, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(w, ",", 1);
		put_str(w, v[i]);
	}
	put(w, "]", 1);
}

static void put_proc(struct jw *w, const struct bh_ev_proc *p)
{
	KEY1(w, "pid");
	put_i64(w, p->pid);
	KV_I64(w, "tid", p->tid);
	KV_I64(w, "ppid", p->ppid);
	KV_I64(w, "vpid", p->vpid);
	KV_I64(w, "uid", p->uid);
	KV_I64(w, "gid", p->gid);
	KV_I64(w, "euid", p->euid);
	KV_I64(w, "egid", p->egid);
	KV_I64(w, "loginuid", p->loginuid == UINT32_MAX ? -1 : (int64_t)p->loginuid);
	KV_STR(w, "name", p->name);
	KV_STR(w, "exe", p->exe);
	KV_STR(w, "exepath", p->exepath);
	KEY(w, "args");
	put_strv(w, p->argv, p->argc);
	KV_STR(w, "cwd", p->cwd);
	KV_I64(w, "tty", p->tty);
	KV_STR(w, "user", p->user_name);
	KV_STR(w, "group", p->group_name);
	KEY(w, "cap_permitted");
	put_hex64(w, p->cap_permitted);
	KEY(w, "cap_effective");
	put_hex64(w, p->cap_effective);
	KEY(w, "cap_inheritable");
	put_hex64(w, p->cap_inheritable);
	KV_BOOL(w, "exe_upper_layer", p->exe_upper_layer);
	KV_BOOL(w, "exe_from_memfd", p->exe_from_memfd);
	KV_BOOL(w, "exe_deleted", p->exe_deleted);
	KV_I64(w, "start_ns", (int64_t)p->start_ns);
	KEY(w, "ancestors");
	put(w, "[", 1);
	for (size_t i = 0; i < p->n_ancestors; i++) {
		const struct bh_ev_ancestor *a = &p->ancestors[i];
		put_lit(w, i ? ",{" : "{");
		KEY1(w, "pid");
		put_i64(w, a->pid);
		KV_STR(w, "name", a->name);
		KV_STR(w, "exepath", a->exepath);
		KV_STR(w, "cmdline", a->cmdline);
		put(w, "}", 1);
	}
	put(w, "]", 1);
}

/* evt.arg.*: a later argument of the same name replaces the value in place (a JSON object) */
static void put_args(struct jw *w, const struct bh_event *ev)
{
	bool first = true;
	put(w, "{", 1);
	for (size_t i = 0; i < ev->n_args; i++) {
		const char *name = ev->args[i].name;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = streq(ev->args[j].name, name);
		if (seen)
			continue;
		const char *value = ev->args[i].value;
		for (size_t j = i + 1; j < ev->n_args; j++)
			if (streq(ev->args[j].name, name))
				value = ev->args[j].value;
		if (!first)
			put(w, ",", 1);
		first = false;
		put_str(w, name);
		put(w, ":", 1);
		put_str(w, value);
	}
	put(w, "}", 1);
}

int sensor_event_to_json(const struct bh_event *ev, struct buf *out)
{
	for (size_t i = 0; i < ev->n_args; i++)
		if (!ev->args[i].name)
			return -EINVAL;
	size_t start = out->len;
	struct jw w = {.b = out};
	const struct bh_ev_fd *fd = &ev->fd;
	const struct bh_ev_container *c = &ev->container;
	char type[2] = {ev->fd.type, 0}, dir[2] = {ev->dir ? ev->dir : '<', 0};

	put(&w, "{", 1);
	KEY1(&w, "ts");
	put_i64(&w, (int64_t)ev->ts);
	KV_I64(&w, "num", (int64_t)ev->num);
	KV_STR(&w, "type", ev->type);
	KV_STR(&w, "dir", dir);
	KV_I64(&w, "res", ev->res);
	KV_I64(&w, "cpu", ev->cpu);
	KEY(&w, "proc");
	put(&w, "{", 1);
	put_proc(&w, &ev->proc);
	put(&w, "}", 1);

	KEY(&w, "fd");
	put(&w, "{", 1);
	KEY1(&w, "num");
	put_i64(&w, fd->num);
	KV_STR(&w, "type", fd->type ? type : NULL);
	KV_STR(&w, "name", fd->name);
	KV_I64(&w, "l4proto", fd->l4proto);
	KV_STR(&w, "cip", fd->cip);
	KV_STR(&w, "sip", fd->sip);
	KV_I64(&w, "cport", fd->cport);
	KV_I64(&w, "sport", fd->sport);
	KV_BOOL(&w, "is_server", fd->is_server);
	KV_I64(&w, "open_flags", fd->open_flags);
	put(&w, "}", 1);

	KEY(&w, "container");
	put(&w, "{", 1);
	KEY1(&w, "id");
	put_str(&w, c->id);
	KV_STR(&w, "full_id", c->full_id);
	KV_STR(&w, "name", c->name);
	KV_STR(&w, "image", c->image);
	KV_STR(&w, "image_repository", c->image_repository);
	KV_STR(&w, "image_tag", c->image_tag);
	KV_STR(&w, "image_digest", c->image_digest);
	KV_STR(&w, "runtime", c->runtime);
	KV_BOOL(&w, "privileged", c->privileged);
	KV_STR(&w, "k8s_ns", c->k8s_ns);
	KV_STR(&w, "k8s_pod", c->k8s_pod);
	KEY(&w, "labels");
	put_strv(&w, c->labels, c->n_labels);
	put(&w, "}", 1);

	KEY(&w, "args");
	put_args(&w, ev);
	put(&w, "}\n", 2);
	if (w.r < 0)
		out->len = start;
	if (out->ptr)
		out->ptr[out->len] = '\0';
	return w.r < 0 ? w.r : 0;
}
