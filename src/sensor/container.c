/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.c — container attribution (see container.h and
 * docs/design/container-attribution.md for every file read and why).
 *
 * Must not: talk to a runtime daemon, follow a symlink out of the configured root, trust
 * a size, count or string found in runtime state, or allocate without a bound.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "common/fileio.h"
#include "common/json.h"
#include "sensor/container.h"

#define PROC_CGROUP_MAX ((size_t)64 << 10)
#define STATE_PATH_MAX 512
#define MAX_LABELS 256            /* labels kept per container */
#define MAX_STR_BYTES 4096        /* longest name/image/label value kept */
#define MAX_CONTAINERD_NAMESPACES 64
#define EMBEDDED_JSON_MAX ((size_t)1 << 20) /* JSON carried inside a JSON string */

static const char *const runtime_names[_SENSOR_RUNTIME_MAX] = {
	[SENSOR_RUNTIME_DOCKER] = "docker",     [SENSOR_RUNTIME_CONTAINERD] = "containerd",
	[SENSOR_RUNTIME_CRIO] = "cri-o",        [SENSOR_RUNTIME_PODMAN] = "podman",
	[SENSOR_RUNTIME_RUNC] = "runc",
};

const char *sensor_runtime_to_string(enum sensor_runtime rt)
{
	if ((unsigned)rt >= _SENSOR_RUNTIME_MAX)
		return NULL;
	return runtime_names[rt];
}

/* ---- ids and cgroup paths ------------------------------------------------------------ */

static bool is_hex64(struct span s)
{
	if (s.len != 64)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char ch = s.ptr[i];
		if (!ascii_isdigit(ch) && !(ch >= 'a' && ch <= 'f'))
			return false;
	}
	return true;
}

/* runc's rule for container ids: ^[\w+-\.]+$, and not "." or "..". */
static bool is_runc_id(struct span s)
{
	if (s.len == 0 || s.len > SENSOR_CONTAINER_ID_MAX)
		return false;
	if (span_eq_str(s, ".") || span_eq_str(s, ".."))
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char ch = s.ptr[i];
		if (!ascii_isalnum(ch) && ch != '_' && ch != '+' && ch != '-' && ch != '.')
			return false;
	}
	return true;
}

static bool span_strip_prefix(struct span *s, const char *prefix)
{
	if (!span_startswith(*s, prefix))
		return false;
	size_t n = strlen(prefix);
	*s = span_slice(*s, n, s->len - n);
	return true;
}

static bool span_strip_suffix(struct span *s, const char *suffix)
{
	if (!span_endswith(*s, suffix))
		return false;
	s->len -= strlen(suffix);
	return true;
}

static enum sensor_runtime runtime_from_prefix(struct span p)
{
	if (span_eq_str(p, "docker"))
		return SENSOR_RUNTIME_DOCKER;
	if (span_eq_str(p, "cri-containerd"))
		return SENSOR_RUNTIME_CONTAINERD;
	if (span_eq_str(p, "crio"))
		return SENSOR_RUNTIME_CRIO;
	if (span_eq_str(p, "libpod") || span_eq_str(p, "libpod-payload"))
		return SENSOR_RUNTIME_PODMAN;
	return SENSOR_RUNTIME_UNKNOWN;
}

/* Last '/'-separated component of s (s without trailing '/'), and what precedes it. */
static bool path_pop(struct span *s, struct span *ret_comp)
{
	while (s->len > 0 && s->ptr[s->len - 1] == '/')
		s->len--;
	if (s->len == 0)
		return false;
	size_t i = s->len;
	while (i > 0 && s->ptr[i - 1] != '/')
		i--;
	*ret_comp = span_slice(*s, i, s->len - i);
	s->len = i;
	return true;
}

/* Runtime of a bare 64-hex component, from the components above it. */
static enum sensor_runtime runtime_from_parents(struct span parents)
{
	struct span comp;
	bool nearest = true;
	while (path_pop(&parents, &comp)) {
		if (nearest) {
			if (span_eq_str(comp, "docker"))
				return SENSOR_RUNTIME_DOCKER;
			if (span_eq_str(comp, "libpod_parent"))
				return SENSOR_RUNTIME_PODMAN;
			/* containerd's default cgroupsPath is /NAMESPACE/ID */
			if (span_eq_str(comp, "k8s.io") || span_eq_str(comp, "default"))
				return SENSOR_RUNTIME_CONTAINERD;
			nearest = false;
		}
		if (span_startswith(comp, "kubepods"))
			return SENSOR_RUNTIME_CONTAINERD;
	}
	return SENSOR_RUNTIME_UNKNOWN;
}

/* 1 = comp names a container (id, runtime set), 0 = not, -ENOENT = a runtime monitor. */
static int match_component(struct span comp, struct span parents, struct span *ret_id,
			   enum sensor_runtime *ret_rt)
{
	if (span_startswith(comp, "crio-conmon-") || span_startswith(comp, "libpod-conmon-"))
		return -ENOENT;

	struct span base = comp;
	bool is_scope = span_strip_suffix(&base, ".scope");

	/* "SLICE:PREFIX:ID": a systemd-style cgroupsPath created by the cgroupfs driver */
	ssize_t colon = -1;
	for (size_t i = base.len; i > 0; i--)
		if (base.ptr[i - 1] == ':') {
			colon = (ssize_t)i - 1;
			break;
		}
	if (colon >= 0) {
		struct span id = span_slice(base, (size_t)colon + 1, base.len - (size_t)colon - 1);
		struct span head = span_slice(base, 0, (size_t)colon), prefix = head;
		for (size_t i = head.len; i > 0; i--)
			if (head.ptr[i - 1] == ':') {
				prefix = span_slice(head, i, head.len - i);
				break;
			}
		if (!is_hex64(id))
			return 0;
		*ret_id = id;
		*ret_rt = runtime_from_prefix(prefix);
		return 1;
	}

	static const char *const prefixes[] = { "docker-", "cri-containerd-", "crio-",
						"libpod-payload-", "libpod-" };
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		struct span rest = base;
		if (span_strip_prefix(&rest, prefixes[i]) && is_hex64(rest)) {
			struct span p = span_from(prefixes[i]);
			p.len--; /* without the '-' */
			*ret_id = rest;
			*ret_rt = runtime_from_prefix(p);
			return 1;
		}
	}

	struct span rest = base;
	if (is_scope && span_strip_prefix(&rest, "runc-") && is_runc_id(rest)) {
		*ret_id = rest;
		*ret_rt = SENSOR_RUNTIME_RUNC;
		return 1;
	}

	if (!is_scope && is_hex64(base)) {
		*ret_id = base;
		*ret_rt = runtime_from_parents(parents);
		return 1;
	}

	if (is_scope) {
		/* NAME-<64hex>.scope: a container scope of a runtime we do not name */
		ssize_t dash = -1;
		for (size_t i = base.len; i > 0; i--)
			if (base.ptr[i - 1] == '-') {
				dash = (ssize_t)i - 1;
				break;
			}
		if (dash > 0) {
			struct span id = span_slice(base, (size_t)dash + 1,
						    base.len - (size_t)dash - 1);
			if (is_hex64(id)) {
				*ret_id = id;
				*ret_rt = SENSOR_RUNTIME_UNKNOWN;
				return 1;
			}
		}
	}
	return 0;
}

int sensor_cgroup_container_id(struct span cgroup_path, char *ret_id, size_t size,
			       enum sensor_runtime *ret_runtime)
{
	if (!ret_id || size == 0)
		return -EINVAL;
	struct span rest = cgroup_path, comp;
	while (path_pop(&rest, &comp)) {
		struct span id;
		enum sensor_runtime rt;
		int r = match_component(comp, rest, &id, &rt);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if (id.len >= size)
			return -ENOBUFS;
		memcpy(ret_id, id.ptr, id.len);
		ret_id[id.len] = '\0';
		if (ret_runtime)
			*ret_runtime = rt;
		return 0;
	}
	return -ENOENT;
}

static bool path_names_container(struct span path)
{
	char id[SENSOR_CONTAINER_ID_MAX + 1];
	return sensor_cgroup_container_id(path, id, sizeof(id), NULL) == 0;
}

/* Preference of a /proc/PID/cgroup line by its controller list: lower is better. */
static unsigned controller_rank(struct span hier, struct span ctrls)
{
	static const char *const order[] = { "pids", "memory", "name=systemd" };
	struct span rest = ctrls, tok;
	unsigned best = 4;
	while (span_next_token(&rest, ',', &tok) == 0)
		for (unsigned i = 0; i < ARRAY_SIZE(order); i++)
			if (span_eq_str(tok, order[i]) && i < best)
				best = i;
	if (best == 4 && ctrls.len == 0 && span_eq_str(hier, "0"))
		best = 3;
	return best;
}

int sensor_cgroup_pick(struct span content, struct span *ret_path)
{
	struct span rest = content, line;
	struct span best_any = { 0 }, best_ctr = { 0 };
	unsigned rank_any = UINT32_MAX, rank_ctr = UINT32_MAX;
	bool have_any = false, have_ctr = false;

	while (span_next_line(&rest, &line) == 0) {
		if (line.len == 0)
			continue;
		struct span hier, after, ctrls, path;
		if (!span_cut(line, ':', &hier, &after) || !span_cut(after, ':', &ctrls, &path))
			return -EBADMSG;
		(void)span_strip_suffix(&path, " (deleted)");
		unsigned rank = controller_rank(hier, ctrls);
		if (rank < rank_any) {
			rank_any = rank;
			best_any = path;
			have_any = true;
		}
		if (rank < rank_ctr && path_names_container(path)) {
			rank_ctr = rank;
			best_ctr = path;
			have_ctr = true;
		}
	}
	if (have_ctr)
		*ret_path = best_ctr;
	else if (have_any)
		*ret_path = best_any;
	else
		return -ENOENT;
	return 0;
}

int sensor_proc_cgroup(pid_t pid, char **ret_path)
{
	if (pid <= 0)
		return -EINVAL;
	char path[64];
	int r = xsnprintf(path, sizeof(path), "/proc/%lld/cgroup", (long long)pid);
	if (r < 0)
		return r;
	_cleanup_buf_ struct buf b;
	buf_init(&b, PROC_CGROUP_MAX);
	r = bh_read_file_at(AT_FDCWD, path, 0, PROC_CGROUP_MAX, &b);
	if (r < 0)
		return r == -ESRCH ? -ENOENT : r;
	struct span picked;
	r = sensor_cgroup_pick(buf_span(&b), &picked);
	if (r < 0)
		return r;
	char *s = span_dup(picked);
	if (!s)
		return -ENOMEM;
	*ret_path = s;
	return 0;
}

/* ---- image references ---------------------------------------------------------------- */

static int dup_span_opt(struct span s, char **ret)
{
	*ret = NULL;
	if (s.len == 0)
		return 0;
	*ret = span_dup(s);
	return *ret ? 0 : -ENOMEM;
}

int sensor_image_ref_split(const char *image, char **ret_repository, char **ret_tag,
			   char **ret_digest)
{
	_cleanup_free_ char *repo = NULL, *tag = NULL, *digest = NULL;
	struct span s = span_from(image), name = s, dig = SPAN_NULL;
	int r;

	if (span_startswith(s, "sha256:")) {
		dig = s;
		name = SPAN_NULL;
	} else {
		ssize_t at = span_index(s, '@');
		if (at >= 0) {
			name = span_slice(s, 0, (size_t)at);
			dig = span_slice(s, (size_t)at + 1, s.len - (size_t)at - 1);
		}
	}
	struct span tg = SPAN_NULL;
	size_t slash = 0;
	for (size_t i = 0; i < name.len; i++)
		if (name.ptr[i] == '/')
			slash = i + 1;
	for (size_t i = name.len; i > slash; i--)
		if (name.ptr[i - 1] == ':') {
			tg = span_slice(name, i, name.len - i);
			name.len = i - 1;
			break;
		}
	r = dup_span_opt(name, &repo) ?: dup_span_opt(tg, &tag) ?: dup_span_opt(dig, &digest);
	if (r < 0)
		return r;
	*ret_repository = TAKE_PTR(repo);
	*ret_tag = TAKE_PTR(tag);
	*ret_digest = TAKE_PTR(digest);
	return 0;
}

/* ---- struct sensor_container_info and struct bh_ev_container ------------------------- */

void sensor_container_info_done(struct sensor_container_info *info)
{
	if (!info)
		return;
	free(info->full_id);
	free(info->name);
	free(info->image);
	free(info->image_repository);
	free(info->image_tag);
	free(info->image_digest);
	free(info->k8s_ns);
	free(info->k8s_pod);
	for (size_t i = 0; i < info->n_labels; i++)
		free(info->labels[i]);
	free(info->labels);
	*info = (struct sensor_container_info){ 0 };
}

void sensor_ev_container_done(struct bh_ev_container *ev)
{
	if (!ev)
		return;
	free(ev->id);
	free(ev->full_id);
	free(ev->name);
	free(ev->image);
	free(ev->image_repository);
	free(ev->image_tag);
	free(ev->image_digest);
	free(ev->runtime);
	free(ev->k8s_ns);
	free(ev->k8s_pod);
	for (size_t i = 0; i < ev->n_labels; i++)
		free(ev->labels[i]);
	free(ev->labels);
	*ev = (struct bh_ev_container){ 0 };
}

int sensor_ev_container_set_host(struct bh_ev_container *ev)
{
	sensor_ev_container_done(ev);
	ev->id = strdup("host");
	return ev->id ? 0 : -ENOMEM;
}

int sensor_ev_container_from_info(const struct sensor_container_info *info,
				  struct bh_ev_container *ev)
{
	struct bh_ev_container out = { 0 };
	struct span full = span_from(info->full_id);
	int r;

	out.id = span_dup(is_hex64(full) ? span_slice(full, 0, SENSOR_CONTAINER_SHORT_ID_LEN)
					 : full);
	if (!out.id)
		goto oom;
	r = strdup_opt(info->full_id, &out.full_id) ?: strdup_opt(info->name, &out.name) ?:
	    strdup_opt(info->image, &out.image) ?:
	    strdup_opt(info->image_repository, &out.image_repository) ?:
	    strdup_opt(info->image_tag, &out.image_tag) ?:
	    strdup_opt(info->image_digest, &out.image_digest) ?:
	    strdup_opt(sensor_runtime_to_string(info->runtime), &out.runtime) ?:
	    strdup_opt(info->k8s_ns, &out.k8s_ns) ?: strdup_opt(info->k8s_pod, &out.k8s_pod);
	if (r < 0)
		goto oom;
	out.privileged = info->privileged;
	if (info->n_labels > 0) {
		out.labels = calloc(info->n_labels, sizeof(char *));
		if (!out.labels)
			goto oom;
		for (size_t i = 0; i < info->n_labels; i++) {
			out.labels[i] = strdup(info->labels[i]);
			if (!out.labels[i])
				goto oom;
			out.n_labels = i + 1;
		}
	}
	*ev = out;
	return 0;
oom:
	sensor_ev_container_done(&out);
	return -ENOMEM;
}

/* ---- reading runtime state ----------------------------------------------------------- */

struct entry {
	struct sensor_container_info info;
	uint64_t expires_ns; /* 0: never (state found); else retry after this time */
	bool probe_only;     /* negative answer of a runc-only probe, not a full lookup */
	uint32_t hash;
	int32_t hnext;       /* next entry in the same bucket */
	int32_t prev, next;  /* LRU list: head is the most recently used */
};

struct sensor_container_cache {
	int root_fd;
	bool in_root; /* resolve with RESOLVE_IN_ROOT (root is not "/") */
	struct bh_limits limits;
	struct entry *entries;
	size_t n, max;
	int32_t *buckets;
	size_t n_buckets; /* power of two */
	int32_t head, tail;
	struct sensor_container_cache_stats stats;
};

static int open_in_root(struct sensor_container_cache *c, const char *path, int flags)
{
	flags |= O_RDONLY | O_CLOEXEC | O_NOCTTY;
	if (c->in_root) {
		struct open_how how = {
			.flags = (uint64_t)flags,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		return NERRNO((int)syscall(SYS_openat2, c->root_fd, path, &how, sizeof(how)));
	}
	return NERRNO(openat(c->root_fd, path, flags));
}

/* Read and parse the JSON file at path (relative to the root). -ENOENT when absent. */
static int read_json(struct sensor_container_cache *c, const char *path, json_t **ret)
{
	_cleanup_close_ int fd = open_in_root(c, path, O_NOFOLLOW);
	if (fd < 0)
		return fd == -ENOTDIR || fd == -ELOOP ? -ENOENT : fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOENT;
	size_t max = c->limits.input_max_bytes > SIZE_MAX ? SIZE_MAX
							   : (size_t)c->limits.input_max_bytes;
	_cleanup_buf_ struct buf b;
	buf_init(&b, max);
	int r = bh_read_fd(fd, max, &b);
	if (r < 0)
		goto fail;
	r = bh_json_parse(buf_span(&b), &c->limits, path, ret, NULL);
	if (r < 0)
		goto fail;
	return 0;
fail:
	if (r != -ENOMEM) {
		c->stats.errors++;
		log_debug("container state '%s' rejected: %s, ignoring", path, strerror(-r));
	}
	return r;
}

/* Bounded string member; NULL when absent, not a string, empty or too long. */
static const char *jstr(const json_t *obj, const char *key)
{
	const char *s = bh_json_str(obj, key);
	if (!s || !*s || strnlen(s, MAX_STR_BYTES + 1) > MAX_STR_BYTES)
		return NULL;
	return s;
}

/* *dst = copy of s unless *dst is already set or s is NULL. */
static int set_once(char **dst, const char *s)
{
	if (*dst || !s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

static int labels_add(struct strv *l, const char *key, const char *value)
{
	if (l->n >= MAX_LABELS || !key || !value || !*key)
		return 0;
	if (strnlen(key, MAX_STR_BYTES + 1) + strnlen(value, MAX_STR_BYTES + 1) > MAX_STR_BYTES)
		return 0;
	_cleanup_buf_ struct buf b;
	buf_init(&b, MAX_STR_BYTES + 2);
	int r = buf_printf(&b, "%s=%s", key, value);
	if (r < 0)
		return r;
	return strv_push_take(l, buf_take(&b));
}

/* Labels from a JSON object of strings (non-string values are skipped). */
static int labels_add_object(struct strv *l, const json_t *obj)
{
	const char *key;
	json_t *v;
	if (!json_is_object(obj))
		return 0;
	json_object_foreach((json_t *)obj, key, v) {
		if (!json_is_string(v))
			continue;
		int r = labels_add(l, key, json_string_value(v));
		if (r < 0)
			return r;
	}
	return 0;
}

/* Move the collected labels into info (sorted, unique). */
static void labels_finish(struct strv *l, struct sensor_container_info *info)
{
	strv_sort_uniq(l);
	info->labels = l->v;
	info->n_labels = l->n;
	*l = (struct strv){ 0 };
}

static int set_image(struct sensor_container_info *info, const char *image)
{
	if (info->image || !image)
		return 0;
	int r = set_once(&info->image, image);
	if (r < 0)
		return r;
	char *repo, *tag, *digest;
	r = sensor_image_ref_split(image, &repo, &tag, &digest);
	if (r < 0)
		return r;
	info->image_repository = repo;
	info->image_tag = tag;
	if (!info->image_digest)
		info->image_digest = digest;
	else
		free(digest);
	return 0;
}

static bool json_array_has_str(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	if (!json_is_array(arr))
		return false;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && streq(json_string_value(v), s))
			return true;
	return false;
}

/*
 * What Docker, Podman and CRI do for a privileged container, seen in its OCI spec: all
 * capabilities in the bounding set (CAP_SYS_ADMIN stands for them) and no masked /proc
 * paths. A runtime flag, when there is one, takes precedence over this.
 */
static bool oci_spec_looks_privileged(const json_t *spec)
{
	json_t *caps = bh_json_obj(bh_json_obj(spec, "process"), "capabilities");
	if (!json_array_has_str(bh_json_arr(caps, "bounding"), "CAP_SYS_ADMIN"))
		return false;
	json_t *masked = bh_json_arr(bh_json_obj(spec, "linux"), "maskedPaths");
	return !masked || json_array_size(masked) == 0;
}

static bool str_is_true(const char *s)
{
	return s && (streq(s, "true") || streq(s, "TRUE") || streq(s, "True"));
}

/* Parse a JSON document carried in a string (CRI-O's io.kubernetes.cri-o.Labels). */
static json_t *parse_embedded(struct sensor_container_cache *c, const char *s, const char *what)
{
	if (!s || strnlen(s, EMBEDDED_JSON_MAX + 1) > EMBEDDED_JSON_MAX)
		return NULL;
	json_t *v = NULL;
	if (bh_json_parse(span_from(s), &c->limits, what, &v, NULL) < 0)
		return NULL;
	return v;
}

/* Docker: /var/lib/docker/containers/ID/{config.v2.json,hostconfig.json}. */
static int docker_digest(struct sensor_container_cache *c, const char *driver,
			 const char *image_id, struct sensor_container_info *info)
{
	char path[STATE_PATH_MAX];
	if (!driver || !image_id || info->image_digest || !is_runc_id(span_from(driver)))
		return 0;
	int r = xsnprintf(path, sizeof(path), "var/lib/docker/image/%s/repositories.json", driver);
	if (r < 0)
		return 0;
	_cleanup_json_ json_t *repos = NULL;
	r = read_json(c, path, &repos);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	const char *repo_name, *ref;
	json_t *refs, *v;
	json_object_foreach(bh_json_obj(repos, "Repositories"), repo_name, refs) {
		if (!json_is_object(refs))
			continue;
		json_object_foreach(refs, ref, v) {
			const char *at = strchr(ref, '@');
			if (!at || !json_is_string(v) || !streq(json_string_value(v), image_id))
				continue;
			if (info->image_repository && !streq(repo_name, info->image_repository))
				continue;
			return set_once(&info->image_digest, at + 1);
		}
	}
	return 0;
}

#define DOCKER_CONTAINERS "var/lib/docker/containers"

static int docker_resolve(struct sensor_container_cache *c, struct sensor_container_info *info)
{
	char path[STATE_PATH_MAX];
	_cleanup_json_ json_t *cfg = NULL, *host = NULL;
	_cleanup_(strv_done) struct strv labels = { 0 };

	const char *id = info->full_id;
	int r = xsnprintf(path, sizeof(path), DOCKER_CONTAINERS "/%s/config.v2.json", id);
	if (r < 0)
		return -ENOENT;
	r = read_json(c, path, &cfg);
	if (r < 0)
		return r;
	const char *name = jstr(cfg, "Name");
	if (name && name[0] == '/')
		name++;
	json_t *config = bh_json_obj(cfg, "Config");
	r = set_once(&info->name, name && *name ? name : NULL) ?:
	    set_image(info, jstr(config, "Image")) ?:
	    labels_add_object(&labels, bh_json_obj(config, "Labels"));
	if (r < 0)
		return r;
	/* dockershim / cri-dockerd containers carry the pod in labels */
	json_t *lab = bh_json_obj(config, "Labels");
	r = set_once(&info->k8s_ns, jstr(lab, "io.kubernetes.pod.namespace")) ?:
	    set_once(&info->k8s_pod, jstr(lab, "io.kubernetes.pod.name")) ?:
	    docker_digest(c, jstr(cfg, "Driver"), jstr(cfg, "Image"), info);
	if (r < 0)
		return r;

	if (xsnprintf(path, sizeof(path), DOCKER_CONTAINERS "/%s/hostconfig.json", id) == 0 &&
	    read_json(c, path, &host) == 0)
		info->privileged = json_is_true(json_object_get(host, "Privileged"));
	labels_finish(&labels, info);
	info->runtime = SENSOR_RUNTIME_DOCKER;
	info->source = "/var/lib/docker/containers/ID/config.v2.json";
	return 0;
}

/* containers/storage (Podman, CRI-O): graph root first, then run root; overlay, then vfs. */
static const char *const storage_roots[] = { "var/lib/containers/storage",
					     "run/containers/storage" };
static const char *const storage_drivers[] = { "overlay", "vfs" };

/* Podman: name and image from containers.json, digest from images.json. */
static int podman_storage_meta(struct sensor_container_cache *c, const char *root,
			       const char *driver, struct sensor_container_info *info)
{
	char path[STATE_PATH_MAX];
	_cleanup_json_ json_t *list = NULL, *images = NULL;
	int r = xsnprintf(path, sizeof(path), "%s/%s-containers/containers.json", root, driver);
	if (r < 0)
		return 0;
	r = read_json(c, path, &list);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	size_t i;
	json_t *e;
	const char *image_id = NULL;
	json_array_foreach(list, i, e) {
		const char *id = bh_json_str(e, "id");
		if (!id || !streq(id, info->full_id))
			continue;
		json_t *names = bh_json_arr(e, "names");
		json_t *n0 = json_array_get(names, 0);
		if (json_is_string(n0) && json_string_length(n0) <= MAX_STR_BYTES &&
		    json_string_length(n0) > 0) {
			r = set_once(&info->name, json_string_value(n0));
			if (r < 0)
				return r;
		}
		image_id = jstr(e, "image");
		_cleanup_json_ json_t *meta = parse_embedded(c, bh_json_str(e, "metadata"),
							     "containers.json metadata");
		r = set_once(&info->name, jstr(meta, "name")) ?:
		    set_image(info, jstr(meta, "image-name"));
		if (r < 0)
			return r;
		break;
	}
	if (!image_id || info->image_digest)
		return 0;
	r = xsnprintf(path, sizeof(path), "%s/%s-images/images.json", root, driver);
	if (r < 0)
		return 0;
	r = read_json(c, path, &images);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	json_array_foreach(images, i, e) {
		const char *id = bh_json_str(e, "id");
		if (id && streq(id, image_id))
			return set_once(&info->image_digest, jstr(e, "digest"));
	}
	return 0;
}

static int crio_meta(struct sensor_container_cache *c, const json_t *ann,
		     struct sensor_container_info *info, struct strv *labels)
{
	static const char labels_key[] = "io.kubernetes.cri-o.Labels";
	static const char meta_key[] = "io.kubernetes.cri-o.Metadata";
	_cleanup_json_ json_t *lab = parse_embedded(c, bh_json_str(ann, labels_key), labels_key);
	_cleanup_json_ json_t *md = parse_embedded(c, bh_json_str(ann, meta_key), meta_key);
	int r = labels_add_object(labels, lab) ?:
		set_once(&info->name, jstr(ann, "io.kubernetes.container.name")) ?:
		set_once(&info->name, jstr(lab, "io.kubernetes.container.name")) ?:
		set_once(&info->name, jstr(md, "name")) ?:
		set_once(&info->k8s_ns, jstr(lab, "io.kubernetes.pod.namespace")) ?:
		set_once(&info->k8s_pod, jstr(lab, "io.kubernetes.pod.name"));
	if (r < 0)
		return r;
	/* ImageRef is "repo@sha256:..." in some versions, the bare image id in others */
	const char *ref = jstr(ann, "io.kubernetes.cri-o.ImageRef");
	const char *at = ref ? strchr(ref, '@') : NULL;
	if (at) {
		r = set_once(&info->image_digest, at + 1);
		if (r < 0)
			return r;
	}
	r = set_image(info, jstr(ann, "io.kubernetes.cri-o.ImageName"));
	if (r < 0)
		return r;
	if (str_is_true(jstr(ann, "io.kubernetes.cri-o.PrivilegedRuntime")))
		info->privileged = true;
	return 0;
}

static int storage_resolve(struct sensor_container_cache *c, struct sensor_container_info *info)
{
	char path[STATE_PATH_MAX];
	_cleanup_json_ json_t *spec = NULL;
	_cleanup_(strv_done) struct strv labels = { 0 };
	/* the container and image lists live in the graph root, whichever held the spec */
	const char *root = storage_roots[0], *driver = NULL;
	int r = -ENOENT;

	for (size_t i = 0; i < ARRAY_SIZE(storage_roots) && r == -ENOENT; i++)
		for (size_t j = 0; j < ARRAY_SIZE(storage_drivers) && r == -ENOENT; j++) {
			if (xsnprintf(path, sizeof(path),
				      "%s/%s-containers/%s/userdata/config.json", storage_roots[i],
				      storage_drivers[j], info->full_id) < 0)
				return -ENOENT;
			r = read_json(c, path, &spec);
			driver = storage_drivers[j];
		}
	if (r < 0)
		return r;

	json_t *ann = bh_json_obj(spec, "annotations");
	const char *manager = jstr(ann, "io.container.manager");
	bool is_crio = (!manager || !streq(manager, "libpod")) &&
		       (jstr(ann, "io.kubernetes.cri-o.ContainerType") ||
			jstr(ann, "io.kubernetes.cri-o.ContainerID"));

	info->privileged = oci_spec_looks_privileged(spec);
	const char *podman_priv = jstr(ann, "io.podman.annotations.privileged");
	if (podman_priv)
		info->privileged = str_is_true(podman_priv);
	r = set_once(&info->k8s_ns, jstr(ann, "io.kubernetes.pod.namespace")) ?:
	    set_once(&info->k8s_pod, jstr(ann, "io.kubernetes.pod.name"));
	if (r < 0)
		return r;
	if (is_crio) {
		r = crio_meta(c, ann, info, &labels);
		info->runtime = SENSOR_RUNTIME_CRIO;
		info->source = "/var/lib/containers/storage/overlay-containers/ID/userdata/"
			       "config.json";
	} else {
		r = podman_storage_meta(c, root, driver, info);
		info->runtime = SENSOR_RUNTIME_PODMAN;
		info->source = "/var/lib/containers/storage/overlay-containers/containers.json";
	}
	if (r < 0)
		return r;
	labels_finish(&labels, info);
	return 0;
}

/* containerd: /run/containerd/io.containerd.runtime.v2.task/NS/ID/config.json (the bundle). */
#define CONTAINERD_TASKS "run/containerd/io.containerd.runtime.v2.task"

static int containerd_resolve(struct sensor_container_cache *c, struct sensor_container_info *info)
{
	char path[STATE_PATH_MAX];
	_cleanup_json_ json_t *spec = NULL;
	_cleanup_(strv_done) struct strv labels = { 0 };
	char ns[256] = "";

	int dfd = open_in_root(c, CONTAINERD_TASKS, O_DIRECTORY);
	if (dfd < 0)
		return dfd == -ENOTDIR ? -ENOENT : dfd;
	DIR *d = fdopendir(dfd);
	if (!d) {
		(void)close(dfd);
		return -errno;
	}
	int r = -ENOENT;
	for (size_t n = 0; r == -ENOENT && n < MAX_CONTAINERD_NAMESPACES; n++) {
		struct dirent *de = readdir(d);
		if (!de)
			break;
		if (!is_runc_id(span_from(de->d_name)))
			continue;
		if (xsnprintf(path, sizeof(path), CONTAINERD_TASKS "/%s/%s/config.json", de->d_name,
			      info->full_id) < 0)
			continue;
		r = read_json(c, path, &spec);
		if (r == 0 && xsnprintf(ns, sizeof(ns), "%s", de->d_name) < 0)
			ns[0] = '\0';
	}
	(void)closedir(d);
	if (r < 0)
		return r;

	json_t *ann = bh_json_obj(spec, "annotations");
	const char *type = jstr(ann, "io.kubernetes.cri.container-type");
	const char *pod_ns = jstr(ann, "io.kubernetes.cri.sandbox-namespace");
	const char *pod = jstr(ann, "io.kubernetes.cri.sandbox-name");
	const char *cname = jstr(ann, "io.kubernetes.cri.container-name");
	if (type && streq(type, "sandbox") && !cname)
		cname = pod;
	/*
	 * CRI labels live in containerd's bbolt metadata, which we do not read; the labels
	 * kubelet always sets are restated from the annotations that carry the same values.
	 */
	const char *uid = jstr(ann, "io.kubernetes.cri.sandbox-uid");
	r = set_once(&info->name, cname) ?:
	    set_image(info, jstr(ann, "io.kubernetes.cri.image-name")) ?:
	    set_once(&info->k8s_ns, pod_ns) ?: set_once(&info->k8s_pod, pod) ?:
	    labels_add(&labels, "io.kubernetes.pod.namespace", pod_ns) ?:
	    labels_add(&labels, "io.kubernetes.pod.name", pod) ?:
	    labels_add(&labels, "io.kubernetes.pod.uid", uid) ?:
	    labels_add(&labels, "io.kubernetes.container.name",
		       jstr(ann, "io.kubernetes.cri.container-name"));
	if (r < 0)
		return r;
	info->privileged = oci_spec_looks_privileged(spec);
	labels_finish(&labels, info);
	/* Docker 20+ runs its containers in containerd's "moby" namespace */
	info->runtime = streq(ns, "moby") ? SENSOR_RUNTIME_DOCKER : SENSOR_RUNTIME_CONTAINERD;
	info->source = "/run/containerd/io.containerd.runtime.v2.task/NS/ID/config.json";
	return 0;
}

/*
 * runc: /run/runc/ID/state.json. Its config.labels are the bundle's annotations as
 * "key=value" plus "bundle=PATH". When verify is non-empty, the state must list that cgroup
 * path (as the tail of one of its cgroup_paths), else -ENOENT.
 */
static int runc_resolve(struct sensor_container_cache *c, struct sensor_container_info *info,
			struct span verify)
{
	char path[STATE_PATH_MAX];
	_cleanup_json_ json_t *st = NULL;
	_cleanup_(strv_done) struct strv labels = { 0 };

	int r = xsnprintf(path, sizeof(path), "run/runc/%s/state.json", info->full_id);
	if (r < 0)
		return -ENOENT;
	r = read_json(c, path, &st);
	if (r < 0)
		return r;
	if (verify.len > 0) {
		bool match = false;
		const char *key;
		json_t *v;
		while (verify.len > 1 && verify.ptr[verify.len - 1] == '/')
			verify.len--;
		json_object_foreach(bh_json_obj(st, "cgroup_paths"), key, v) {
			if (!json_is_string(v))
				continue;
			struct span p = span_make(json_string_value(v), json_string_length(v));
			if (p.len > verify.len &&
			    memcmp(p.ptr + p.len - verify.len, verify.ptr, verify.len) == 0 &&
			    (verify.ptr[0] == '/' || p.ptr[p.len - verify.len - 1] == '/')) {
				match = true;
				break;
			}
		}
		if (!match)
			return -ENOENT;
	}
	json_t *config = bh_json_obj(st, "config");
	size_t i;
	json_t *v;
	bool priv_flag = false, has_priv_flag = false;
	json_array_foreach(bh_json_arr(config, "labels"), i, v) {
		if (!json_is_string(v))
			continue;
		struct span kv = span_make(json_string_value(v), json_string_length(v)), k, val;
		if (!span_cut(kv, '=', &k, &val) || span_eq_str(k, "bundle"))
			continue;
		if (span_eq_str(k, "io.podman.annotations.privileged")) {
			has_priv_flag = true;
			priv_flag = span_eq_str(val, "TRUE") || span_eq_str(val, "true");
		}
		if (labels.n >= MAX_LABELS || kv.len > MAX_STR_BYTES)
			continue;
		r = strv_push(&labels, json_string_value(v));
		if (r < 0)
			return r;
	}
	if (has_priv_flag)
		info->privileged = priv_flag;
	else {
		json_t *caps = bh_json_obj(config, "capabilities");
		json_t *masked = bh_json_arr(config, "mask_paths");
		json_t *bounding = bh_json_arr(caps, "Bounding");
		info->privileged = json_array_has_str(bounding, "CAP_SYS_ADMIN") &&
				   (!masked || json_array_size(masked) == 0);
	}
	r = set_once(&info->name, info->full_id);
	if (r < 0)
		return r;
	labels_finish(&labels, info);
	info->runtime = SENSOR_RUNTIME_RUNC;
	info->source = "/run/runc/ID/state.json";
	return 0;
}

typedef int (*resolve_fn)(struct sensor_container_cache *c, struct sensor_container_info *info);

static int runc_resolve_any(struct sensor_container_cache *c, struct sensor_container_info *info)
{
	return runc_resolve(c, info, SPAN_NULL);
}

static resolve_fn resolver_for(enum sensor_runtime rt)
{
	switch (rt) {
	case SENSOR_RUNTIME_DOCKER:
		return docker_resolve;
	case SENSOR_RUNTIME_CONTAINERD:
		return containerd_resolve;
	case SENSOR_RUNTIME_CRIO:
	case SENSOR_RUNTIME_PODMAN:
		return storage_resolve;
	case SENSOR_RUNTIME_RUNC:
		return runc_resolve_any;
	default:
		return NULL;
	}
}

/* Fill info (full_id set) from the first runtime that has state for it. */
static int resolve(struct sensor_container_cache *c, enum sensor_runtime hint,
		   struct sensor_container_info *info)
{
	static const enum sensor_runtime order[] = {
		SENSOR_RUNTIME_DOCKER,
		SENSOR_RUNTIME_PODMAN,
		SENSOR_RUNTIME_CONTAINERD,
		SENSOR_RUNTIME_RUNC,
	};
	resolve_fn first = resolver_for(hint);
	int r = -ENOENT;
	if (first)
		r = first(c, info);
	for (size_t i = 0; i < ARRAY_SIZE(order) && r < 0 && r != -ENOMEM; i++) {
		resolve_fn f = resolver_for(order[i]);
		if (f == first)
			continue;
		/* a source that failed half-way may have set fields: start clean */
		char *id = TAKE_PTR(info->full_id);
		sensor_container_info_done(info);
		info->full_id = id;
		r = f(c, info);
	}
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		char *id = TAKE_PTR(info->full_id);
		sensor_container_info_done(info);
		info->full_id = id;
		info->runtime = hint;
		c->stats.not_found++;
	}
	return 0;
}

/* ---- the cache ----------------------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint32_t hash_id(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

int sensor_container_cache_new(const char *root, const struct bh_limits *limits,
			       size_t max_entries, struct sensor_container_cache **ret)
{
	if (max_entries == 0)
		max_entries = SENSOR_CONTAINER_CACHE_DEFAULT;
	if (max_entries > SENSOR_CONTAINER_CACHE_MAX)
		return -EINVAL;
	struct sensor_container_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->root_fd = -1;
	c->head = c->tail = -1;
	if (limits)
		c->limits = *limits;
	else
		bh_limits_default(&c->limits);
	c->max = max_entries;
	c->n_buckets = 16;
	while (c->n_buckets < max_entries * 2)
		c->n_buckets *= 2;
	c->entries = calloc(c->max, sizeof(*c->entries));
	c->buckets = malloc(c->n_buckets * sizeof(*c->buckets));
	if (!c->entries || !c->buckets) {
		sensor_container_cache_free(c);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->n_buckets; i++)
		c->buckets[i] = -1;
	c->in_root = root && !streq(root, "/");
	c->root_fd = NERRNO(open(c->in_root ? root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (c->root_fd < 0) {
		int r = c->root_fd;
		sensor_container_cache_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void sensor_container_cache_free(struct sensor_container_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		sensor_container_info_done(&c->entries[i].info);
	free(c->entries);
	free(c->buckets);
	if (c->root_fd >= 0)
		(void)close(c->root_fd);
	free(c);
}

static void lru_unlink(struct sensor_container_cache *c, int32_t i)
{
	struct entry *e = &c->entries[i];
	if (e->prev >= 0)
		c->entries[e->prev].next = e->next;
	else
		c->head = e->next;
	if (e->next >= 0)
		c->entries[e->next].prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = -1;
}

static void lru_push_front(struct sensor_container_cache *c, int32_t i)
{
	struct entry *e = &c->entries[i];
	e->prev = -1;
	e->next = c->head;
	if (c->head >= 0)
		c->entries[c->head].prev = i;
	c->head = i;
	if (c->tail < 0)
		c->tail = i;
}

static int32_t *bucket_of(struct sensor_container_cache *c, uint32_t h)
{
	return &c->buckets[h & (c->n_buckets - 1)];
}

static int32_t find(struct sensor_container_cache *c, const char *id, uint32_t h)
{
	for (int32_t i = *bucket_of(c, h); i >= 0; i = c->entries[i].hnext)
		if (c->entries[i].hash == h && streq(c->entries[i].info.full_id, id))
			return i;
	return -1;
}

static void unhash(struct sensor_container_cache *c, int32_t i)
{
	int32_t *p = bucket_of(c, c->entries[i].hash);
	while (*p >= 0 && *p != i)
		p = &c->entries[*p].hnext;
	if (*p == i)
		*p = c->entries[i].hnext;
	c->entries[i].hnext = -1;
}

/* A free slot: a new one, or the least recently used entry, emptied. */
static int32_t take_slot(struct sensor_container_cache *c)
{
	int32_t i;
	if (c->n < c->max) {
		i = (int32_t)c->n++;
	} else {
		i = c->tail;
		lru_unlink(c, i);
		unhash(c, i);
		sensor_container_info_done(&c->entries[i].info);
		c->stats.evictions++;
	}
	c->entries[i] = (struct entry){ .prev = -1, .next = -1, .hnext = -1 };
	return i;
}

/*
 * Resolve id into a fresh slot (or refresh slot `reuse` in place). probe: only ask runc,
 * verifying cgroup path `verify`. Returns the slot index or -ENOMEM.
 */
static int32_t fill_slot(struct sensor_container_cache *c, int32_t reuse, const char *id,
			 uint32_t h, enum sensor_runtime hint, bool probe, struct span verify)
{
	struct sensor_container_info info = { .full_id = strdup(id) };
	if (!info.full_id)
		return -ENOMEM;
	c->stats.misses++;
	int r;
	if (probe) {
		r = runc_resolve(c, &info, verify);
		if (r < 0 && r != -ENOMEM) {
			char *keep = TAKE_PTR(info.full_id);
			sensor_container_info_done(&info);
			info.full_id = keep;
			r = 0;
		}
	} else
		r = resolve(c, hint, &info);
	if (r < 0) {
		sensor_container_info_done(&info);
		return r;
	}
	int32_t i = reuse;
	if (i >= 0) {
		lru_unlink(c, i);
		unhash(c, i);
		sensor_container_info_done(&c->entries[i].info);
		c->entries[i] = (struct entry){ .prev = -1, .next = -1, .hnext = -1 };
	} else
		i = take_slot(c);
	struct entry *e = &c->entries[i];
	e->info = info;
	e->hash = h;
	e->probe_only = probe && !info.source;
	e->expires_ns = info.source ? 0 : now_ns() + SENSOR_CONTAINER_RETRY_NS;
	int32_t *b = bucket_of(c, h);
	e->hnext = *b;
	*b = i;
	lru_push_front(c, i);
	return i;
}

static bool valid_id(const char *id)
{
	return id && is_runc_id(span_from(id));
}

int sensor_container_cache_lookup(struct sensor_container_cache *c, const char *id,
				  enum sensor_runtime hint,
				  const struct sensor_container_info **ret)
{
	if (!valid_id(id))
		return -EINVAL;
	uint32_t h = hash_id(id);
	int32_t i = find(c, id, h);
	if (i >= 0) {
		struct entry *e = &c->entries[i];
		if (!e->probe_only && (e->expires_ns == 0 || now_ns() < e->expires_ns)) {
			c->stats.hits++;
			lru_unlink(c, i);
			lru_push_front(c, i);
			*ret = &e->info;
			return 0;
		}
	}
	i = fill_slot(c, i, id, h, hint, false, SPAN_NULL);
	if (i < 0)
		return i;
	*ret = &c->entries[i].info;
	return 0;
}

/* The runc-only probe for a path that names no container; NULL when it is not runc's. */
static int probe_runc(struct sensor_container_cache *c, struct span cgroup_path,
		      const struct sensor_container_info **ret)
{
	struct span rest = cgroup_path, last;
	char id[SENSOR_CONTAINER_ID_MAX + 1];
	*ret = NULL;
	if (!path_pop(&rest, &last) || !is_runc_id(last))
		return 0;
	memcpy(id, last.ptr, last.len);
	id[last.len] = '\0';
	uint32_t h = hash_id(id);
	int32_t i = find(c, id, h);
	if (i >= 0) {
		struct entry *e = &c->entries[i];
		if (e->expires_ns == 0 || now_ns() < e->expires_ns) {
			c->stats.hits++;
			lru_unlink(c, i);
			lru_push_front(c, i);
			if (e->info.source && e->info.runtime == SENSOR_RUNTIME_RUNC)
				*ret = &e->info;
			return 0;
		}
	}
	i = fill_slot(c, i, id, h, SENSOR_RUNTIME_RUNC, true, cgroup_path);
	if (i < 0)
		return i;
	if (c->entries[i].info.source)
		*ret = &c->entries[i].info;
	return 0;
}

int sensor_container_cache_attribute(struct sensor_container_cache *c, struct span cgroup_path,
				     struct bh_ev_container *ev)
{
	char id[SENSOR_CONTAINER_ID_MAX + 1];
	enum sensor_runtime rt;
	const struct sensor_container_info *info = NULL;
	int r = sensor_cgroup_container_id(cgroup_path, id, sizeof(id), &rt);
	if (r == 0)
		r = sensor_container_cache_lookup(c, id, rt, &info);
	else if (r == -ENOENT)
		r = probe_runc(c, cgroup_path, &info);
	else
		r = 0; /* an id too long for any runtime: not a container we know */
	if (r < 0)
		return r;
	if (!info)
		return sensor_ev_container_set_host(ev);
	return sensor_ev_container_from_info(info, ev);
}

int sensor_container_cache_attribute_pid(struct sensor_container_cache *c, pid_t pid,
					 struct bh_ev_container *ev)
{
	_cleanup_free_ char *path = NULL;
	int r = sensor_proc_cgroup(pid, &path);
	if (r < 0)
		return r;
	return sensor_container_cache_attribute(c, span_from(path), ev);
}

void sensor_container_cache_forget(struct sensor_container_cache *c, const char *id)
{
	if (!valid_id(id))
		return;
	int32_t i = find(c, id, hash_id(id));
	if (i < 0)
		return;
	lru_unlink(c, i);
	unhash(c, i);
	sensor_container_info_done(&c->entries[i].info);
	/* keep the slot array dense: move the last entry into the hole, keeping its place */
	int32_t last = (int32_t)c->n - 1;
	if (i != last) {
		unhash(c, last);
		struct entry *e = &c->entries[i];
		*e = c->entries[last];
		if (e->prev >= 0)
			c->entries[e->prev].next = i;
		else
			c->head = i;
		if (e->next >= 0)
			c->entries[e->next].prev = i;
		else
			c->tail = i;
		int32_t *b = bucket_of(c, e->hash);
		e->hnext = *b;
		*b = i;
	}
	c->entries[last] = (struct entry){ .prev = -1, .next = -1, .hnext = -1 };
	c->n--;
}

void sensor_container_cache_get_stats(const struct sensor_container_cache *c,
				      struct sensor_container_cache_stats *ret)
{
	*ret = c->stats;
}
