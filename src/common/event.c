/* SPDX-License-Identifier: Apache-2.0 */
/* event.c — struct bh_event life cycle and its JSON-lines form (see common/event.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "common/event.h"
#include "common/json.h"

void bh_event_init(struct bh_event *ev)
{
	*ev = (struct bh_event){ 0 };
	ev->fd.num = -1;
	ev->proc.loginuid = UINT32_MAX;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void bh_event_done(struct bh_event *ev)
{
	struct bh_ev_proc *p = &ev->proc;
	free(p->name);
	free(p->exe);
	free(p->exepath);
	free_strs(p->argv, p->argc);
	free(p->cwd);
	free(p->user_name);
	free(p->group_name);
	for (size_t i = 0; i < p->n_ancestors; i++) {
		free(p->ancestors[i].name);
		free(p->ancestors[i].exepath);
		free(p->ancestors[i].cmdline);
	}
	free(ev->fd.name);
	free(ev->fd.cip);
	free(ev->fd.sip);
	struct bh_ev_container *c = &ev->container;
	free(c->id);
	free(c->full_id);
	free(c->name);
	free(c->image);
	free(c->image_repository);
	free(c->image_tag);
	free(c->image_digest);
	free(c->runtime);
	free(c->k8s_ns);
	free(c->k8s_pod);
	free_strs(c->labels, c->n_labels);
	for (size_t i = 0; i < ev->n_args; i++) {
		free(ev->args[i].name);
		free(ev->args[i].value);
	}
	bh_event_init(ev);
}

const char *bh_event_arg(const struct bh_event *ev, const char *name)
{
	for (size_t i = 0; i < ev->n_args; i++)
		if (ev->args[i].name && streq(ev->args[i].name, name))
			return ev->args[i].value;
	return NULL;
}

int bh_event_add_arg_take(struct bh_event *ev, const char *name, char *value)
{
	if (!value)
		return -ENOMEM;
	if (ev->n_args >= BH_EV_MAX_ARGS) {
		free(value);
		return -E2BIG;
	}
	char *n = strdup(name);
	if (!n) {
		free(value);
		return -ENOMEM;
	}
	ev->args[ev->n_args].name = n;
	ev->args[ev->n_args].value = value;
	ev->n_args++;
	return 0;
}

int bh_event_set_arg(struct bh_event *ev, const char *name, const char *value)
{
	char *v = strdup(value);
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < ev->n_args; i++)
		if (ev->args[i].name && streq(ev->args[i].name, name)) {
			free(ev->args[i].value);
			ev->args[i].value = v;
			return 0;
		}
	return bh_event_add_arg_take(ev, name, v);
}

/* ---- writing ---------------------------------------------------------------------- */

/* Strings come from the kernel and from processes: invalid UTF-8 becomes U+FFFD. */
static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (j)
		return j;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x80) {
			if (buf_putc(&b, (char)*p) < 0)
				return NULL;
			continue;
		}
		/* keep a well-formed sequence, replace anything else byte by byte */
		size_t n = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		size_t k = 1;
		while (n && k < n && (p[k] & 0xc0) == 0x80)
			k++;
		if (n && k == n) { /* jansson validates the one sequence (overlongs, surrogates) */
			json_t *t = json_stringn((const char *)p, n);
			if (t) {
				json_decref(t);
				if (buf_append(&b, p, n) < 0)
					return NULL;
				p += n - 1;
				continue;
			}
		}
		if (buf_puts(&b, "\xef\xbf\xbd") < 0)
			return NULL;
	}
	return json_string(buf_str(&b));
}

static json_t *strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, jstr(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *hex64(uint64_t v)
{
	char b[24];
	return xsnprintf(b, sizeof(b), "0x%" PRIx64, v) < 0 ? NULL : json_string(b);
}

static json_t *proc_json(const struct bh_ev_proc *p)
{
	json_t *anc = json_array();
	for (size_t i = 0; anc && i < p->n_ancestors; i++) {
		const struct bh_ev_ancestor *a = &p->ancestors[i];
		if (json_array_append_new(anc, json_pack("{s:I, s:o, s:o, s:o}", "pid", (json_int_t)a->pid,
							  "name", jstr(a->name), "exepath",
							  jstr(a->exepath), "cmdline", jstr(a->cmdline))) < 0) {
			json_decref(anc);
			return NULL;
		}
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, "
			 "s:I, s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:b, s:I, s:o}",
			 "pid", (json_int_t)p->pid, "tid", (json_int_t)p->tid, "ppid",
			 (json_int_t)p->ppid, "vpid", (json_int_t)p->vpid, "uid", (json_int_t)p->uid,
			 "gid", (json_int_t)p->gid, "euid", (json_int_t)p->euid, "egid",
			 (json_int_t)p->egid, "loginuid",
			 (json_int_t)(p->loginuid == UINT32_MAX ? -1 : (json_int_t)p->loginuid), "name",
			 jstr(p->name), "exe", jstr(p->exe), "exepath", jstr(p->exepath), "args",
			 strv_json(p->argv, p->argc), "cwd", jstr(p->cwd), "tty", (json_int_t)p->tty,
			 "user", jstr(p->user_name), "group", jstr(p->group_name), "cap_permitted",
			 hex64(p->cap_permitted), "cap_effective", hex64(p->cap_effective),
			 "cap_inheritable", hex64(p->cap_inheritable), "exe_upper_layer",
			 p->exe_upper_layer, "exe_from_memfd", p->exe_from_memfd, "exe_deleted",
			 p->exe_deleted, "start_ns", (json_int_t)p->start_ns, "ancestors", anc);
}

int bh_event_to_json(const struct bh_event *ev, struct buf *out)
{
	char type[2] = { ev->fd.type, 0 }, dir[2] = { ev->dir ? ev->dir : '<', 0 };
	const struct bh_ev_fd *fd = &ev->fd;
	const struct bh_ev_container *c = &ev->container;
	json_t *args = json_object();
	for (size_t i = 0; args && i < ev->n_args; i++)
		if (!ev->args[i].name || json_object_set_new(args, ev->args[i].name, jstr(ev->args[i].value)) < 0) {
			json_decref(args);
			args = NULL;
		}
	json_t *o = json_pack(
		"{s:I, s:I, s:s, s:s, s:I, s:i, s:o, "
		"s:{s:I, s:o, s:o, s:i, s:o, s:o, s:i, s:i, s:b, s:I}, "
		"s:{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o}, s:o}",
		"ts", (json_int_t)ev->ts, "num", (json_int_t)ev->num, "type", ev->type, "dir", dir,
		"res", (json_int_t)ev->res, "cpu", ev->cpu, "proc", proc_json(&ev->proc),
		"fd", "num", (json_int_t)fd->num, "type", fd->type ? json_string(type) : json_null(),
		"name", jstr(fd->name), "l4proto", fd->l4proto, "cip", jstr(fd->cip), "sip",
		jstr(fd->sip), "cport", fd->cport, "sport", fd->sport, "is_server", fd->is_server,
		"open_flags", (json_int_t)fd->open_flags,
		"container", "id", jstr(c->id), "full_id", jstr(c->full_id), "name", jstr(c->name),
		"image", jstr(c->image), "image_repository", jstr(c->image_repository), "image_tag",
		jstr(c->image_tag), "image_digest", jstr(c->image_digest), "runtime", jstr(c->runtime),
		"privileged", c->privileged, "k8s_ns", jstr(c->k8s_ns), "k8s_pod", jstr(c->k8s_pod),
		"labels", strv_json(c->labels, c->n_labels), "args", args);
	if (!o)
		return -ENOMEM;
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return -ENOMEM;
	int r = buf_puts(out, s);
	free(s);
	return r < 0 ? r : buf_putc(out, '\n');
}

/* ---- reading ---------------------------------------------------------------------- */

struct rd {
	const char *source;
	unsigned lineno;
	struct bh_diag *diag;
};

_printf_(2, 3) static int bad(struct rd *rd, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bh_diag_set(rd->diag, rd->source, rd->lineno, 0, "%s", msg);
	return -EBADMSG;
}

static int get_str(struct rd *rd, const json_t *o, const char *key, char **ret)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(rd, "'%s' is not a string", key);
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

static int get_int(struct rd *rd, const json_t *o, const char *key, int64_t min, int64_t max,
		   int64_t *ret)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return bad(rd, "'%s' is not an integer in [%" PRId64 ", %" PRId64 "]", key, min, max);
	*ret = json_integer_value(v);
	return 0;
}

static int get_bool(struct rd *rd, const json_t *o, const char *key, bool *ret)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return bad(rd, "'%s' is not a boolean", key);
	*ret = json_is_true(v);
	return 0;
}

static int get_hex(struct rd *rd, const json_t *o, const char *key, uint64_t *ret)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	if (!s || strncmp(s, "0x", 2) != 0 || parse_u64(span_from(s + 2), 16, UINT64_MAX, ret) < 0)
		return bad(rd, "'%s' is not a hex string (\"0x...\")", key);
	return 0;
}

static int get_strv(struct rd *rd, const json_t *o, const char *key, size_t max, char ***ret,
		    size_t *ret_n)
{
	json_t *a = json_object_get(o, key);
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > max)
		return bad(rd, "'%s' is not an array of at most %zu strings", key, max);
	size_t n = json_array_size(a);
	char **v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *x = json_array_get(a, i);
		if (!json_is_string(x) || !(v[i] = strdup(json_string_value(x)))) {
			free_strs(v, i);
			return json_is_string(x) ? -ENOMEM : bad(rd, "'%s' has a non-string element", key);
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int read_proc(struct rd *rd, const json_t *j, struct bh_ev_proc *p)
{
	int64_t v;
	int r = 0;
#define INT(key, field, lo, hi)                                                           \
	do {                                                                              \
		v = (int64_t)p->field;                                                    \
		if (r >= 0 && (r = get_int(rd, j, key, lo, hi, &v)) >= 0)                 \
			p->field = (__typeof__(p->field))v;                              \
	} while (0)
	INT("pid", pid, -1, INT32_MAX);
	INT("tid", tid, -1, INT32_MAX);
	INT("ppid", ppid, -1, INT32_MAX);
	INT("vpid", vpid, -1, INT32_MAX);
	INT("uid", uid, 0, UINT32_MAX);
	INT("gid", gid, 0, UINT32_MAX);
	INT("euid", euid, 0, UINT32_MAX);
	INT("egid", egid, 0, UINT32_MAX);
	INT("tty", tty, 0, UINT32_MAX);
	INT("start_ns", start_ns, 0, INT64_MAX);
#undef INT
	v = -1;
	if (r >= 0 && (r = get_int(rd, j, "loginuid", -1, UINT32_MAX - 1, &v)) >= 0)
		p->loginuid = v < 0 ? UINT32_MAX : (uint32_t)v;
	if (r >= 0)
		r = get_str(rd, j, "name", &p->name);
	if (r >= 0)
		r = get_str(rd, j, "exe", &p->exe);
	if (r >= 0)
		r = get_str(rd, j, "exepath", &p->exepath);
	if (r >= 0)
		r = get_strv(rd, j, "args", BH_EV_MAX_ARGV, &p->argv, &p->argc);
	if (r >= 0)
		r = get_str(rd, j, "cwd", &p->cwd);
	if (r >= 0)
		r = get_str(rd, j, "user", &p->user_name);
	if (r >= 0)
		r = get_str(rd, j, "group", &p->group_name);
	if (r >= 0)
		r = get_hex(rd, j, "cap_permitted", &p->cap_permitted);
	if (r >= 0)
		r = get_hex(rd, j, "cap_effective", &p->cap_effective);
	if (r >= 0)
		r = get_hex(rd, j, "cap_inheritable", &p->cap_inheritable);
	if (r >= 0)
		r = get_bool(rd, j, "exe_upper_layer", &p->exe_upper_layer);
	if (r >= 0)
		r = get_bool(rd, j, "exe_from_memfd", &p->exe_from_memfd);
	if (r >= 0)
		r = get_bool(rd, j, "exe_deleted", &p->exe_deleted);
	json_t *anc = json_object_get(j, "ancestors");
	if (r >= 0 && anc && !json_is_null(anc)) {
		if (!json_is_array(anc) || json_array_size(anc) > BH_EV_MAX_ANCESTORS)
			return bad(rd, "'ancestors' is not an array of at most %d objects",
				   BH_EV_MAX_ANCESTORS);
		for (size_t i = 0; r >= 0 && i < json_array_size(anc); i++) {
			json_t *a = json_array_get(anc, i);
			struct bh_ev_ancestor *x = &p->ancestors[p->n_ancestors++];
			if (!json_is_object(a))
				return bad(rd, "an ancestor is not an object");
			int64_t pid = -1;
			r = get_int(rd, a, "pid", -1, INT32_MAX, &pid);
			x->pid = pid;
			if (r >= 0)
				r = get_str(rd, a, "name", &x->name);
			if (r >= 0)
				r = get_str(rd, a, "exepath", &x->exepath);
			if (r >= 0)
				r = get_str(rd, a, "cmdline", &x->cmdline);
		}
	}
	return r;
}

static int read_fd(struct rd *rd, const json_t *j, struct bh_ev_fd *fd)
{
	int64_t v = fd->num;
	int r = get_int(rd, j, "num", -1, INT32_MAX, &v);
	fd->num = v;
	json_t *t = json_object_get(j, "type");
	if (r >= 0 && t && !json_is_null(t)) {
		if (!json_is_string(t) || strlen(json_string_value(t)) != 1)
			return bad(rd, "'fd.type' is not a one-character string");
		fd->type = json_string_value(t)[0];
	}
	if (r >= 0)
		r = get_str(rd, j, "name", &fd->name);
	v = 0;
	if (r >= 0 && (r = get_int(rd, j, "l4proto", 0, 255, &v)) >= 0)
		fd->l4proto = (uint8_t)v;
	if (r >= 0)
		r = get_str(rd, j, "cip", &fd->cip);
	if (r >= 0)
		r = get_str(rd, j, "sip", &fd->sip);
	v = 0;
	if (r >= 0 && (r = get_int(rd, j, "cport", 0, 65535, &v)) >= 0)
		fd->cport = (uint16_t)v;
	v = 0;
	if (r >= 0 && (r = get_int(rd, j, "sport", 0, 65535, &v)) >= 0)
		fd->sport = (uint16_t)v;
	if (r >= 0)
		r = get_bool(rd, j, "is_server", &fd->is_server);
	v = 0;
	if (r >= 0 && (r = get_int(rd, j, "open_flags", 0, UINT32_MAX, &v)) >= 0)
		fd->open_flags = (uint32_t)v;
	return r;
}

static int read_container(struct rd *rd, const json_t *j, struct bh_ev_container *c)
{
	int r = get_str(rd, j, "id", &c->id);
	if (r >= 0)
		r = get_str(rd, j, "full_id", &c->full_id);
	if (r >= 0)
		r = get_str(rd, j, "name", &c->name);
	if (r >= 0)
		r = get_str(rd, j, "image", &c->image);
	if (r >= 0)
		r = get_str(rd, j, "image_repository", &c->image_repository);
	if (r >= 0)
		r = get_str(rd, j, "image_tag", &c->image_tag);
	if (r >= 0)
		r = get_str(rd, j, "image_digest", &c->image_digest);
	if (r >= 0)
		r = get_str(rd, j, "runtime", &c->runtime);
	if (r >= 0)
		r = get_bool(rd, j, "privileged", &c->privileged);
	if (r >= 0)
		r = get_str(rd, j, "k8s_ns", &c->k8s_ns);
	if (r >= 0)
		r = get_str(rd, j, "k8s_pod", &c->k8s_pod);
	if (r >= 0)
		r = get_strv(rd, j, "labels", 256, &c->labels, &c->n_labels);
	return r;
}

int bh_event_from_json(struct span line, const struct bh_limits *limits, const char *source,
		       unsigned lineno, struct bh_event *ev, struct bh_diag *reterr_diag)
{
	struct bh_diag local = { 0 };
	struct rd rd = { .source = source, .lineno = lineno, .diag = reterr_diag ? reterr_diag : &local };
	bh_event_init(ev);
	json_t *j = NULL;
	int r = bh_json_parse(line, limits, source, &j, rd.diag);
	if (r < 0) {
		rd.diag->line = lineno;
		return r;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return bad(&rd, "an event is not a JSON object");
	}
	const char *type = bh_json_str(j, "type");
	if (!type || !*type || strlen(type) >= sizeof(ev->type)) {
		json_decref(j);
		return bad(&rd, "event without a valid 'type'");
	}
	memcpy(ev->type, type, strlen(type) + 1);
	int64_t v = 0;
	r = get_int(&rd, j, "ts", 0, INT64_MAX, &v);
	ev->ts = (uint64_t)v;
	v = 0;
	if (r >= 0 && (r = get_int(&rd, j, "num", 0, INT64_MAX, &v)) >= 0)
		ev->num = (uint64_t)v;
	if (r >= 0 && (r = get_int(&rd, j, "res", INT64_MIN, INT64_MAX, &ev->res)) >= 0) {
		v = 0;
		if ((r = get_int(&rd, j, "cpu", 0, 65535, &v)) >= 0)
			ev->cpu = (int)v;
	}
	const char *dir = bh_json_str(j, "dir");
	if (r >= 0 && dir && !streq(dir, "<") && !streq(dir, ">"))
		r = bad(&rd, "'dir' is neither \"<\" nor \">\"");
	ev->dir = dir ? dir[0] : '<';
	json_t *x;
	if (r >= 0 && (x = json_object_get(j, "proc")) && !json_is_null(x))
		r = json_is_object(x) ? read_proc(&rd, x, &ev->proc) : bad(&rd, "'proc' is not an object");
	if (r >= 0 && (x = json_object_get(j, "fd")) && !json_is_null(x))
		r = json_is_object(x) ? read_fd(&rd, x, &ev->fd) : bad(&rd, "'fd' is not an object");
	if (r >= 0 && (x = json_object_get(j, "container")) && !json_is_null(x))
		r = json_is_object(x) ? read_container(&rd, x, &ev->container)
				      : bad(&rd, "'container' is not an object");
	if (r >= 0 && (x = json_object_get(j, "args")) && !json_is_null(x)) {
		if (!json_is_object(x) || json_object_size(x) > BH_EV_MAX_ARGS)
			r = bad(&rd, "'args' is not an object of at most %d members", BH_EV_MAX_ARGS);
		const char *k;
		json_t *val;
		json_object_foreach(x, k, val) {
			if (r < 0)
				break;
			if (!json_is_string(val) && !json_is_null(val)) {
				r = bad(&rd, "argument '%.40s' is not a string", k);
				break;
			}
			struct bh_ev_arg *a = &ev->args[ev->n_args++];
			if (!(a->name = strdup(k)) ||
			    (json_is_string(val) && !(a->value = strdup(json_string_value(val)))))
				r = -ENOMEM;
		}
	}
	json_decref(j);
	if (r < 0)
		bh_event_done(ev);
	return r;
}
