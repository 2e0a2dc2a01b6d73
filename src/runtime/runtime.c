/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime.c — see runtime.h. Workloads live in an open-addressing table keyed by the
 * workload string; the last container seen is cached so that the common case (the next event
 * of the same container) costs one string compare, not a workload string per event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "runtime/runtime.h"
#include "store/store.h"

/*
 * A container of a workload, kept for the hooks: its container.* fields and the pid and tid
 * of its latest event (the hooks find the container's cgroup through a live process; the
 * process of its first event is often gone by the time the workload switches mode).
 */
struct rt_container {
	struct bh_event ev;
	bool watched;	     /* container_seen done (or failed for good) */
	bool protected;
	bool protect_failed; /* protect failed for good in this protect period: not retried */
};

struct rt_wl {
	char *key;
	struct baseline *b;
	enum baseline_mode mode;   /* in effect (learn while learning) */
	enum baseline_mode target; /* after learning */
	bool explicit_mode;	   /* the store names a mode for it */
	bool dirty;		   /* facts or mode changed since the last save */
	bool save_warned;
	int64_t last_save;
	struct rt_container *ctrs;
	size_t n_ctrs, cap_ctrs;
};

/* A mode read from the store, for workloads not loaded yet. */
struct rt_mode_entry {
	char *workload;
	enum baseline_mode mode;
};

struct rt {
	struct rt_options o;
	struct baseline_config cfg;
	char *actor;
	struct rt_wl **tab; /* open addressing, n_tab a power of two */
	size_t n_tab, n_wl;
	struct rt_mode_entry *modes; /* explicit modes from the store */
	size_t n_modes, cap_modes;
	int64_t mode_seq, last_poll;
	/* cache: the last event's container (full id or id) and its workload */
	char *last_ctr;
	struct rt_wl *last_wl;
	int first_error;
	struct rt_stats st;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

static const char *ctr_key(const struct bh_event *ev)
{
	if (ev->container.full_id && *ev->container.full_id)
		return ev->container.full_id;
	return ev->container.id;
}

/* ---- modes from the store ---------------------------------------------------------------- */

static struct rt_mode_entry *mode_find(struct rt *rt, const char *workload)
{
	for (size_t i = 0; i < rt->n_modes; i++)
		if (streq(rt->modes[i].workload, workload))
			return &rt->modes[i];
	return NULL;
}

static int mode_put(struct rt *rt, const char *workload, enum baseline_mode m)
{
	struct rt_mode_entry *e = mode_find(rt, workload);
	if (e) {
		e->mode = m;
		return 0;
	}
	if (rt->n_modes == rt->cap_modes) {
		size_t cap = rt->cap_modes ? rt->cap_modes * 2 : 16;
		void *p = reallocarray(rt->modes, cap, sizeof(*rt->modes));
		if (!p)
			return -ENOMEM;
		rt->modes = p;
		rt->cap_modes = cap;
	}
	char *w = strdup(workload);
	if (!w)
		return -ENOMEM;
	rt->modes[rt->n_modes++] = (struct rt_mode_entry){ .workload = w, .mode = m };
	return 0;
}

/* ---- containers of a workload ------------------------------------------------------------ */

static int dup_str(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int rt_container_copy(const struct bh_event *ev, struct bh_event *out)
{
	bh_event_init(out);
	out->proc.pid = ev->proc.pid;
	out->proc.tid = ev->proc.tid;
	const struct bh_ev_container *c = &ev->container;
	struct bh_ev_container *d = &out->container;
	d->privileged = c->privileged;
	int r = dup_str(c->id, &d->id);
	if (r >= 0)
		r = dup_str(c->full_id, &d->full_id);
	if (r >= 0)
		r = dup_str(c->name, &d->name);
	if (r >= 0)
		r = dup_str(c->image, &d->image);
	if (r >= 0)
		r = dup_str(c->image_repository, &d->image_repository);
	if (r >= 0)
		r = dup_str(c->image_tag, &d->image_tag);
	if (r >= 0)
		r = dup_str(c->image_digest, &d->image_digest);
	if (r >= 0)
		r = dup_str(c->runtime, &d->runtime);
	if (r >= 0)
		r = dup_str(c->k8s_ns, &d->k8s_ns);
	if (r >= 0)
		r = dup_str(c->k8s_pod, &d->k8s_pod);
	if (r < 0)
		bh_event_done(out);
	return r;
}

static void hook_failed(struct rt *rt, struct rt_wl *wl, const char *what, int r)
{
	rt->st.hook_failures++;
	if (rt->st.hook_failures <= 5)
		log_warning("%s: cannot %s the workload's container: %s", wl->key, what,
			    strerror(-r));
}

/* -ESRCH from a hook: the process it was given is gone; tried again with the next event's. */
static void protect_container(struct rt *rt, struct rt_wl *wl, struct rt_container *c)
{
	if (!rt->o.hooks.protect || c->protected || c->protect_failed)
		return;
	int r = rt->o.hooks.protect(rt->o.hooks.u, &c->ev, wl->b, rt->o.dry_run);
	if (r == -ESRCH)
		return;
	if (r < 0) {
		hook_failed(rt, wl, "protect", r);
		c->protect_failed = true;
	} else
		c->protected = true;
}

static void watch_container(struct rt *rt, struct rt_wl *wl, struct rt_container *c)
{
	if (c->watched || !rt->o.hooks.container_seen)
		return;
	int r = rt->o.hooks.container_seen(rt->o.hooks.u, &c->ev);
	if (r == -ESRCH)
		return;
	c->watched = true;
	if (r < 0)
		hook_failed(rt, wl, "watch", r);
}

static void unprotect_container(struct rt *rt, struct rt_wl *wl, struct rt_container *c)
{
	c->protect_failed = false;
	if (!c->protected)
		return;
	c->protected = false;
	if (!rt->o.hooks.unprotect)
		return;
	int r = rt->o.hooks.unprotect(rt->o.hooks.u, &c->ev);
	if (r < 0)
		hook_failed(rt, wl, "unprotect", r);
}

/*
 * Remember the event's container and its latest process; a new container of a protected
 * workload is protected (hooks that found no live process are retried with a later event).
 */
static int track_container(struct rt *rt, struct rt_wl *wl, const struct bh_event *ev)
{
	const char *k = ctr_key(ev);
	if (!k)
		return 0;
	for (size_t i = 0; i < wl->n_ctrs; i++) {
		struct rt_container *c = &wl->ctrs[i];
		if (!streq(ctr_key(&c->ev), k))
			continue;
		c->ev.proc.pid = ev->proc.pid;
		c->ev.proc.tid = ev->proc.tid;
		watch_container(rt, wl, c);
		if (wl->mode == BASELINE_PROTECT)
			protect_container(rt, wl, c);
		return 0;
	}
	if (wl->n_ctrs == 256) /* replicas of one workload on one node: plenty */
		return 0;
	if (wl->n_ctrs == wl->cap_ctrs) {
		size_t cap = wl->cap_ctrs ? wl->cap_ctrs * 2 : 4;
		void *p = reallocarray(wl->ctrs, cap, sizeof(*wl->ctrs));
		if (!p)
			return -ENOMEM;
		wl->ctrs = p;
		wl->cap_ctrs = cap;
	}
	struct rt_container *c = &wl->ctrs[wl->n_ctrs];
	*c = (struct rt_container){ 0 };
	int r = rt_container_copy(ev, &c->ev);
	if (r < 0)
		return r;
	wl->n_ctrs++;
	watch_container(rt, wl, c);
	if (wl->mode == BASELINE_PROTECT)
		protect_container(rt, wl, c);
	return 0;
}

/* ---- saving and mode switches ------------------------------------------------------------ */

static int save(struct rt *rt, struct rt_wl *wl, int64_t now)
{
	wl->last_save = now;
	if (!rt->o.store) {
		wl->dirty = false;
		return 0;
	}
	_cleanup_buf_ struct buf doc;
	buf_init(&doc, 0);
	int r = baseline_export(wl->b, &doc);
	int64_t version = 0;
	if (r >= 0)
		r = store_baseline_put(rt->o.store, wl->key, now > 0 ? now : 1,
				       baseline_mode_name(wl->mode), buf_str(&doc), &version);
	if (r < 0) {
		rt->st.save_failures++;
		if (!rt->first_error)
			rt->first_error = r;
		if (!wl->save_warned)
			log_warning("%s: cannot save the baseline in %s: %s", wl->key,
				    store_name(rt->o.store),
				    store_errmsg(rt->o.store)[0] ? store_errmsg(rt->o.store)
								 : strerror(-r));
		wl->save_warned = true;
		return r;
	}
	rt->st.saves++;
	wl->dirty = false;
	wl->save_warned = false;
	return 0;
}

static size_t n_facts(const struct baseline *b)
{
	size_t n = 0;
	for (size_t t = 0; t < _BASELINE_TYPE_MAX; t++)
		n += b->sets[t].n;
	return n;
}

static void audit_mode(struct rt *rt, struct rt_wl *wl, enum baseline_mode from,
		       enum baseline_mode to, const char *reason)
{
	if (!rt->o.audit)
		return;
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:I, s:b}", "workload", wl->key, "from",
			      baseline_mode_name(from), "to", baseline_mode_name(to), "reason",
			      reason, "facts", (json_int_t)n_facts(wl->b), "dry_run",
			      rt->o.dry_run && to == BASELINE_PROTECT);
	if (!p)
		return;
	int r = rt->o.audit(rt->o.audit_u, "baseline.mode", wl->key, p);
	if (r < 0 && !rt->first_error)
		rt->first_error = r;
	json_decref(p);
}

/*
 * Switch wl to mode `to`. by_sensor: the sensor decided it (learning ended) and stores the
 * new mode itself; otherwise a user's change read from the store, already recorded.
 */
static void switch_mode(struct rt *rt, struct rt_wl *wl, enum baseline_mode to, int64_t now,
			const char *reason, bool by_sensor)
{
	enum baseline_mode from = wl->mode;
	if (from == to)
		return;
	if (from == BASELINE_PROTECT)
		for (size_t i = 0; i < wl->n_ctrs; i++)
			unprotect_container(rt, wl, &wl->ctrs[i]);
	baseline_set_mode(wl->b, to, now);
	wl->mode = to;
	wl->dirty = true;
	rt->st.mode_changes++;
	log_notice("%s: %s -> %s (%s)", wl->key, baseline_mode_name(from), baseline_mode_name(to),
		   reason);
	(void)save(rt, wl, now);
	if (by_sensor && rt->o.store) {
		int64_t seq = 0;
		int r = store_baseline_mode_set(rt->o.store, wl->key, baseline_mode_name(to),
						now > 0 ? now : 1, rt->actor, &seq);
		if (r < 0)
			log_warning("%s: cannot store the mode: %s", wl->key,
				    store_errmsg(rt->o.store)[0] ? store_errmsg(rt->o.store)
								 : strerror(-r));
		if (r >= 0 && mode_put(rt, wl->key, to) < 0)
			log_warning("out of memory");
		wl->explicit_mode = r >= 0;
	}
	audit_mode(rt, wl, from, to, reason);
	if (to == BASELINE_PROTECT)
		for (size_t i = 0; i < wl->n_ctrs; i++)
			protect_container(rt, wl, &wl->ctrs[i]);
}

/* Learning ends by time or by stability (rt_options), into the workload's target mode. */
static void end_learning_if_due(struct rt *rt, struct rt_wl *wl, int64_t now)
{
	if (wl->mode != BASELINE_LEARN || wl->target == BASELINE_LEARN || n_facts(wl->b) == 0)
		return;
	const struct baseline *b = wl->b;
	char why[96];
	if (rt->o.learn_seconds && b->learning_started &&
	    now - b->learning_started >= rt->o.learn_seconds)
		(void)xsnprintf(why, sizeof(why), "learning ended after %llds",
				(long long)rt->o.learn_seconds);
	else if (rt->o.stable_seconds && baseline_stable(b, now, rt->o.stable_seconds))
		(void)xsnprintf(why, sizeof(why), "learning ended: no new fact for %llds",
				(long long)rt->o.stable_seconds);
	else
		return;
	switch_mode(rt, wl, wl->target, now, why, true);
}

/* ---- workloads ------------------------------------------------------------------------------ */

static void wl_free(struct rt_wl *wl)
{
	if (!wl)
		return;
	for (size_t i = 0; i < wl->n_ctrs; i++)
		bh_event_done(&wl->ctrs[i].ev);
	free(wl->ctrs);
	baseline_free(wl->b);
	free(wl->key);
	free(wl);
}

static struct rt_wl **slot(struct rt *rt, const char *key)
{
	size_t mask = rt->n_tab - 1, i = (size_t)str_hash(key) & mask;
	while (rt->tab[i] && !streq(rt->tab[i]->key, key))
		i = (i + 1) & mask;
	return &rt->tab[i];
}

/* A workload's baseline and mode, from the store when it has them. */
static int wl_load(struct rt *rt, struct rt_wl *wl, int64_t now)
{
	const struct rt_mode_entry *m = mode_find(rt, wl->key);
	wl->explicit_mode = m != NULL;
	wl->target = m ? m->mode : rt->o.default_mode;
	if (rt->o.store) {
		struct store_baseline sb = { 0 };
		int r = store_baseline_get(rt->o.store, wl->key, 0, &sb);
		if (r >= 0) {
			struct bh_diag diag = { 0 };
			r = baseline_import(span_from(sb.doc), &rt->cfg, NULL, wl->key, &wl->b,
					    &diag);
			if (r < 0) {
				char msg[1200];
				bh_diag_format(&diag, msg, sizeof(msg));
				log_warning("%s: the stored baseline version %lld is not usable "
					    "(%s); learning a new one",
					    wl->key, (long long)sb.version, msg);
			}
			store_baseline_done(&sb);
			if (r == -ENOMEM)
				return r;
		} else if (r != -ENOENT)
			return r;
	}
	if (wl->b && n_facts(wl->b) > 0) {
		/*
		 * A baseline to work with: the stored mode when a user set one; else a baseline
		 * saved while still learning goes on learning (its learning_started is kept, so
		 * the learning period is not restarted); else the default mode.
		 */
		if (!wl->explicit_mode && wl->b->mode == BASELINE_LEARN)
			wl->mode = BASELINE_LEARN;
		else {
			wl->mode = wl->target;
			if (wl->b->mode != wl->mode)
				baseline_set_mode(wl->b, wl->mode, now);
		}
		return 0;
	}
	baseline_free(wl->b);
	wl->b = NULL;
	wl->mode = BASELINE_LEARN;
	return baseline_new(wl->key, BASELINE_LEARN, now, &rt->cfg, &wl->b);
}

static int wl_get(struct rt *rt, const struct bh_event *ev, int64_t now, struct rt_wl **ret)
{
	const char *ck = ctr_key(ev);
	if (ck && rt->last_ctr && rt->last_wl && streq(ck, rt->last_ctr)) {
		*ret = rt->last_wl;
		return 0;
	}
	_cleanup_free_ char *key = NULL;
	int r = baseline_workload_of(ev, rt->o.workload, &key);
	if (r < 0)
		return r;
	struct rt_wl **sl = slot(rt, key);
	if (!*sl) {
		size_t max = rt->o.max_workloads ? rt->o.max_workloads : 4096;
		if (rt->n_wl >= max) {
			rt->st.workloads_over_limit++;
			if (rt->st.workloads_over_limit == 1)
				log_warning("more than %zu workloads: events of further workloads are "
					    "not learnt or checked (counted)",
					    max);
			return -ENOENT;
		}
		struct rt_wl *wl = calloc(1, sizeof(*wl));
		if (!wl)
			return -ENOMEM;
		wl->key = TAKE_PTR(key);
		r = wl_load(rt, wl, now);
		if (r < 0) {
			wl_free(wl);
			return r;
		}
		wl->last_save = now;
		*sl = wl;
		rt->n_wl++;
		rt->st.workloads = rt->n_wl;
		/* a stored baseline whose learning period is over by now */
		end_learning_if_due(rt, wl, now);
	}
	if (ck) {
		char *c = strdup(ck);
		if (!c)
			return -ENOMEM;
		free(rt->last_ctr);
		rt->last_ctr = c;
		rt->last_wl = *sl;
	}
	*ret = *sl;
	return 0;
}

/* ---- deviations into the event ----------------------------------------------------------- */


static const char *dev_name(const struct baseline_deviation *d)
{
	if (d->type == BASELINE_EXEC && d->kind == BASELINE_DEV_CHANGED)
		return "exec_hash";
	if (d->type == BASELINE_SENSITIVE_READ)
		return "file_read";
	return baseline_type_name(d->type);
}

static bool is_block(const char *action)
{
	return action && (streq(action, "killed") || streq(action, "would-kill") ||
			  streq(action, "denied") || streq(action, "would-deny"));
}

/* The kernel's reason for a block, as a deviation name. */
static const char *reason_dev(const char *reason)
{
	if (!reason)
		return "exec";
	if (streq(reason, "write-protected"))
		return "file_write";
	if (streq(reason, "peer-not-allowed"))
		return "peer";
	return "exec";
}

/* Which deviation of an event names it: the most telling first, a new syscall last. */
static int dev_rank(const struct baseline_deviation *d)
{
	switch (d->type) {
	case BASELINE_EXEC:
		return 0;
	case BASELINE_FILE_WRITE:
		return 1;
	case BASELINE_SENSITIVE_READ:
		return 2;
	case BASELINE_PEER:
		return 3;
	case BASELINE_LISTEN:
		return 4;
	case BASELINE_EXEC_PAIR:
		return 5;
	case BASELINE_CAPABILITY:
		return 6;
	default:
		return 7;
	}
}

static int annotate(struct rt *rt, struct rt_wl *wl, struct bh_event *ev,
		    struct baseline_deviation *d, size_t n)
{
	/* stable insertion sort by rank (n <= BASELINE_MAX_DEVIATIONS) */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && dev_rank(&d[j]) < dev_rank(&d[j - 1]); j--) {
			struct baseline_deviation t = d[j];
			d[j] = d[j - 1];
			d[j - 1] = t;
		}
	const char *action = bh_event_arg(ev, "bh_action");
	bool blocked = is_block(action);
	if (n == 0 && !blocked)
		return 0;
	_cleanup_buf_ struct buf all;
	buf_init(&all, 0);
	for (size_t i = 0; i < n; i++) {
		const char *nm = dev_name(&d[i]);
		/* each name once */
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen = seen || streq(dev_name(&d[j]), nm);
		if (!seen && buf_printf(&all, "%s%s", all.len ? "," : "", nm) < 0)
			return -ENOMEM;
	}
	const char *first = n ? dev_name(&d[0]) : reason_dev(bh_event_arg(ev, "bh_reason"));
	const char *fact = n ? d[0].fact : NULL;
	if (!fact)
		fact = ev->fd.name && !streq(first, "exec") ? ev->fd.name
							    : ev->proc.exepath ? ev->proc.exepath : "";
	int r = bh_event_set_arg(ev, "bh_deviation", first);
	if (r >= 0)
		r = bh_event_set_arg(ev, "bh_deviations", all.len ? buf_str(&all) : first);
	if (r >= 0)
		r = bh_event_set_arg(ev, "bh_fact", fact);
	if (r >= 0 && n && d[0].nearest)
		r = bh_event_set_arg(ev, "bh_nearest", d[0].nearest);
	if (r >= 0)
		r = bh_event_set_arg(ev, "bh_workload", wl->key);
	if (r >= 0)
		r = bh_event_set_arg(ev, "bh_mode", baseline_mode_name(wl->mode));
	if (r >= 0 && !action)
		r = bh_event_set_arg(ev, "bh_action", "alert");
	if (r == -E2BIG) {
		/* a full argument list: the rules see what fitted; never lose the event */
		r = 0;
	}
	if (r < 0)
		return r;
	rt->st.deviations++;
	if (blocked)
		rt->st.blocked++;
	return 1;
}

/* ---- the API ------------------------------------------------------------------------------ */

static int read_mode(void *u, const struct store_baseline_mode *m)
{
	struct rt *rt = u;
	int mode = baseline_mode_from_name(m->mode);
	if (m->seq > rt->mode_seq)
		rt->mode_seq = m->seq;
	if (mode < 0)
		return 0; /* the store validates modes; a foreign value is ignored */
	int r = mode_put(rt, m->workload, (enum baseline_mode)mode);
	if (r < 0)
		return r;
	struct rt_wl *wl = *slot(rt, m->workload);
	if (!wl)
		return 0;
	wl->explicit_mode = true;
	wl->target = (enum baseline_mode)mode;
	if (wl->mode != (enum baseline_mode)mode && !(wl->mode == BASELINE_LEARN && n_facts(wl->b) == 0))
		switch_mode(rt, wl, (enum baseline_mode)mode, m->time, "set by the store", false);
	return 0;
}

int rt_new(const struct rt_options *o, struct rt **ret, struct bh_diag *reterr_diag)
{
	*ret = NULL;
	struct rt *rt = calloc(1, sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	rt->o = *o;
	if (o->config)
		rt->cfg = *o->config;
	else
		baseline_config_default(&rt->cfg);
	rt->actor = strdup(o->actor ? o->actor : "bulkhead sensor");
	rt->n_tab = 1;
	size_t max = o->max_workloads ? o->max_workloads : 4096;
	while (rt->n_tab < max * 2)
		rt->n_tab <<= 1;
	rt->tab = calloc(rt->n_tab, sizeof(*rt->tab));
	if (!rt->actor || !rt->tab) {
		(void)rt_free(rt);
		return -ENOMEM;
	}
	if (o->store) {
		int r = store_baseline_modes_foreach(o->store, 0, read_mode, rt);
		if (r < 0) {
			bh_diag_set(reterr_diag, store_name(o->store), 0, 0, "cannot read baseline modes: %s",
				    store_errmsg(o->store)[0] ? store_errmsg(o->store) : strerror(-r));
			(void)rt_free(rt);
			return r;
		}
	}
	*ret = rt;
	return 0;
}

int rt_free(struct rt *rt)
{
	if (!rt)
		return 0;
	int64_t now = 0;
	for (size_t i = 0; rt->tab && i < rt->n_tab; i++) {
		struct rt_wl *wl = rt->tab[i];
		if (!wl)
			continue;
		if (wl->dirty && n_facts(wl->b) > 0) {
			now = wl->b->updated > wl->last_save ? wl->b->updated : wl->last_save;
			(void)save(rt, wl, now > 0 ? now : 1);
		}
		wl_free(wl);
	}
	int r = rt->first_error;
	free(rt->tab);
	for (size_t i = 0; i < rt->n_modes; i++)
		free(rt->modes[i].workload);
	free(rt->modes);
	free(rt->last_ctr);
	free(rt->actor);
	free(rt);
	return r;
}

int rt_observe(struct rt *rt, struct bh_event *ev, const char *exe_sha256, int64_t now)
{
	rt->st.events++;
	if (baseline_is_runtime_setup(ev)) {
		rt->st.runtime_setup++;
		return 0;
	}
	struct rt_wl *wl;
	int r = wl_get(rt, ev, now, &wl);
	if (r == -ENOENT) {
		rt->st.no_workload++;
		return 0;
	}
	if (r < 0)
		return r;
	r = track_container(rt, wl, ev);
	if (r < 0)
		return r;
	if (wl->mode == BASELINE_LEARN) {
		bool added = false;
		r = baseline_learn(wl->b, ev, exe_sha256, &added);
		if (r == -EINVAL)
			r = baseline_learn(wl->b, ev, NULL, &added); /* a bad digest: learn the path */
		if (r < 0)
			return r;
		if (added) {
			rt->st.learnt_facts++;
			wl->dirty = true;
		}
		return 0;
	}
	struct baseline_deviation d[BASELINE_MAX_DEVIATIONS];
	size_t n = 0;
	/*
	 * A call the kernel killed at its entry (a connect) failed because of the kill: check
	 * what it was about to do, so that the block names the fact and its nearest like an
	 * alert would (a failed call gives no fact).
	 */
	int64_t res = ev->res;
	if (res < 0 && is_block(bh_event_arg(ev, "bh_action")))
		ev->res = 0;
	r = baseline_check(wl->b, ev, exe_sha256, d, BASELINE_MAX_DEVIATIONS, &n);
	if (r == -EINVAL)
		r = baseline_check(wl->b, ev, NULL, d, BASELINE_MAX_DEVIATIONS, &n);
	ev->res = res;
	if (r < 0)
		return r;
	size_t have = n < BASELINE_MAX_DEVIATIONS ? n : BASELINE_MAX_DEVIATIONS;
	r = annotate(rt, wl, ev, d, have);
	baseline_deviations_done(d, have);
	return r < 0 ? r : (int)have;
}

int rt_observe_syscalls(struct rt *rt, struct bh_event *ev, const char *const *names, size_t n,
			int64_t now)
{
	struct rt_wl *wl;
	int r = wl_get(rt, ev, now, &wl);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (wl->mode == BASELINE_LEARN) {
		bool added = false;
		r = baseline_add_syscalls(wl->b, names, n, now, &added);
		if (r >= 0 && added) {
			rt->st.learnt_facts++;
			wl->dirty = true;
		}
		return r < 0 ? r : 0;
	}
	struct baseline_deviation d[BASELINE_MAX_DEVIATIONS];
	size_t nd = 0;
	r = baseline_check_syscalls(wl->b, names, n, d, BASELINE_MAX_DEVIATIONS, &nd);
	if (r < 0)
		return r;
	size_t have = nd < BASELINE_MAX_DEVIATIONS ? nd : BASELINE_MAX_DEVIATIONS;
	if (have == 0)
		return 0;
	/* one alert naming every unknown syscall of this set */
	_cleanup_buf_ struct buf facts;
	buf_init(&facts, 0);
	for (size_t i = 0; i < have && r >= 0; i++)
		r = buf_printf(&facts, "%s%s", i ? "," : "", d[i].fact);
	if (r >= 0 && nd > have)
		r = buf_printf(&facts, ",… (%zu in all)", nd);
	if (r >= 0) {
		free(d[0].fact);
		d[0].fact = buf_take(&facts);
		r = d[0].fact ? annotate(rt, wl, ev, d, 1) : -ENOMEM;
	}
	baseline_deviations_done(d, have);
	return r < 0 ? r : (int)have;
}

int rt_tick(struct rt *rt, int64_t now)
{
	for (size_t i = 0; i < rt->n_tab; i++) {
		struct rt_wl *wl = rt->tab[i];
		if (!wl)
			continue;
		end_learning_if_due(rt, wl, now);
		int64_t every = rt->o.save_seconds ? rt->o.save_seconds : 60;
		if (wl->dirty && n_facts(wl->b) > 0 && now - wl->last_save >= every)
			(void)save(rt, wl, now);
	}
	int64_t poll = rt->o.poll_seconds ? rt->o.poll_seconds : 2;
	if (rt->o.store && now - rt->last_poll >= poll) {
		rt->last_poll = now;
		int r = store_baseline_modes_foreach(rt->o.store, rt->mode_seq, read_mode, rt);
		if (r < 0)
			return r;
	}
	return 0;
}

void rt_get_stats(const struct rt *rt, struct rt_stats *ret)
{
	*ret = rt->st;
}
