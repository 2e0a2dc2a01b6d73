/* SPDX-License-Identifier: Apache-2.0 */
/*
 * workload.c — which workload an event belongs to (see baseline.h and docs/baseline.md):
 * image plus owner, where the owner of a Kubernetes pod is its name without the suffixes its
 * controller generated, and the owner of another container is its name after the name
 * pattern. Only reads the event; never touches the system.
 */
#include "runtime/baseline.h"

#define WORKLOAD_MAX 1024

/*
 * The alphabet of Kubernetes' generated name parts (rand.String in
 * k8s.io/apimachinery/pkg/util/rand, also used by SafeEncodeString for pod-template-hash):
 * consonants and digits without vowels, 0, 1 and 3, so that no words are formed.
 */
static bool k8s_safe_char(char c)
{
	return c && strchr("bcdfghjklmnpqrstvwxz2456789", c) != NULL;
}

/* The length of a trailing "-X" of k8s_safe_char with lo <= len(X) <= hi, 0 if none. */
static size_t k8s_suffix(struct span s, size_t lo, size_t hi)
{
	size_t n = 0;
	while (n < s.len && k8s_safe_char(s.ptr[s.len - 1 - n]))
		n++;
	if (n < lo || n > hi || n + 1 >= s.len || s.ptr[s.len - 1 - n] != '-')
		return 0;
	return n + 1;
}

/* The length of a trailing "-DIGITS" with at least lo digits, 0 if none. */
static size_t digit_suffix(struct span s, size_t lo)
{
	size_t n = 0;
	while (n < s.len && ascii_isdigit(s.ptr[s.len - 1 - n]))
		n++;
	if (n < lo || n + 1 >= s.len || s.ptr[s.len - 1 - n] != '-')
		return 0;
	return n + 1;
}

char *baseline_k8s_owner(const char *pod)
{
	struct span s = span_from(pod);
	size_t cut = k8s_suffix(s, 5, 5);
	if (cut) {
		/* Deployment: NAME-<pod-template-hash, 1-10 chars>-<5 chars> */
		struct span rest = span_slice(s, 0, s.len - cut);
		size_t h = k8s_suffix(rest, 1, 10);
		if (h) {
			s = span_slice(rest, 0, rest.len - h);
		} else {
			/* DaemonSet, Job, bare ReplicaSet: NAME-<5 chars>; a CronJob's Job adds
			 * -<scheduled minute since the epoch> */
			s = rest;
			size_t d = digit_suffix(s, 8);
			if (d)
				s = span_slice(s, 0, s.len - d);
		}
	} else {
		/* StatefulSet: NAME-<ordinal> */
		size_t d = digit_suffix(s, 1);
		if (d)
			s = span_slice(s, 0, s.len - d);
	}
	return span_dup(s);
}

int baseline_workload_opts_init(struct baseline_workload_opts *o, const char *name_pattern,
				enum baseline_host host)
{
	*o = (struct baseline_workload_opts){.host = host};
	if (!name_pattern)
		return 0;
	int r = regcomp(&o->pattern, name_pattern, REG_EXTENDED);
	if (r != 0)
		return r == REG_ESPACE ? -ENOMEM : -EINVAL;
	o->has_pattern = true;
	if (o->pattern.re_nsub != 1)
		return -EINVAL;
	return 0;
}

void baseline_workload_opts_done(struct baseline_workload_opts *o)
{
	if (o && o->has_pattern) {
		regfree(&o->pattern);
		o->has_pattern = false;
	}
}

/* The owner of a container name: pattern's group, or the default strip. */
static int container_owner(const char *name, const struct baseline_workload_opts *o,
			   struct span *ret)
{
	struct span s = span_from(name);
	if (o && o->has_pattern) {
		regmatch_t m[2];
		if (regexec(&o->pattern, name, 2, m, 0) == 0 && m[1].rm_so >= 0 &&
		    m[1].rm_eo >= m[1].rm_so)
			s = span_slice(s, (size_t)m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
		*ret = s;
		return 0;
	}
	/* default: "^(.+)[-_.][0-9]+$" */
	size_t n = 0;
	while (n < s.len && ascii_isdigit(s.ptr[s.len - 1 - n]))
		n++;
	if (n > 0 && n + 1 < s.len && strchr("-_.", s.ptr[s.len - 1 - n]))
		s = span_slice(s, 0, s.len - n - 1);
	*ret = s;
	return 0;
}

static bool is_host(const struct bh_ev_container *c)
{
	return !c->id || streq(c->id, "host") || !c->id[0];
}

int baseline_workload_of(const struct bh_event *ev, const struct baseline_workload_opts *o,
			 char **ret)
{
	const struct bh_ev_container *c = &ev->container;
	_cleanup_buf_ struct buf b;
	buf_init(&b, WORKLOAD_MAX);
	const char *image = c->image_digest && c->image_digest[0] ? c->image_digest
			    : c->image && c->image[0]		  ? c->image
								  : NULL;
	int r;
	if (is_host(c)) {
		if (!o || o->host == BASELINE_HOST_SKIP)
			return -ENOENT;
		r = buf_puts(&b, "host");
	} else if (c->k8s_ns && c->k8s_ns[0] && c->k8s_pod && c->k8s_pod[0]) {
		_cleanup_free_ char *owner = baseline_k8s_owner(c->k8s_pod);
		if (!owner)
			return -ENOMEM;
		r = buf_printf(&b, "k8s:%s/%s", c->k8s_ns, owner);
		if (r >= 0 && image)
			r = buf_printf(&b, "@%s", image);
	} else if (c->name && c->name[0]) {
		struct span owner;
		r = container_owner(c->name, o, &owner);
		if (r >= 0)
			r = buf_puts(&b, "container:") ?: buf_append_span(&b, owner);
		if (r >= 0 && image)
			r = buf_printf(&b, "@%s", image);
	} else if (image) {
		r = buf_printf(&b, "image:%s", image);
	} else
		return -ENOENT;
	if (r < 0)
		return r;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}
