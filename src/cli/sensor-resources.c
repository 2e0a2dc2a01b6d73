/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor-resources.c — the container_stats sampler of `bulkhead sensor run|record
 * --resources` and the built-in resource rules (sensor-resources.h, docs/resources.md).
 *
 * Per container seen (container.id other than "host"): a copy of its container fields, the
 * last process seen in it, its cgroup directories (from /proc/PID/cgroup of a process of it,
 * resolved once), the rates (src/runtime/resources.h), the forks counted from the sensor's
 * clone events since the last sample, and the mining-pool peers of its connect events since
 * the last sample. Every interval each container gets one event:
 *
 *   evt.type container_stats, container.* and proc.pid/proc.name of its last process, args
 *   cpu_pct, cpu_sustained_s, interval_ms, mem_bytes, mem_limit, mem_pct, pids, pids_max,
 *   pids_pct, pids_limit_hits, forks_per_s, mining_peers_n, mining_peers
 *
 * (an argument that is not known is left out; the rules' comparisons with it are false).
 */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli/sensor-resources.h"
#include "common/fileio.h"
#include "runtime/runtime.h"

#define CT_MAX	       4096 /* containers followed at once */
#define CACHE_MAX      512  /* peer verdicts kept */
#define CONN_PEERS_MAX 4    /* mining peers named per container and interval */
#define NET_PEERS_MAX  256  /* TCP peers classified per container and interval */
#define NET_FILE_MAX   (4u << 20)

struct cli_rsrc_ct {
	char *key;	    /* full_id, else id */
	struct bh_event ev; /* container fields, proc.pid of the last process seen */
	char *pname;	    /* its proc.name */
	struct rsrc_cgroup cg;
	bool cg_ok;
	uint64_t cg_try_ms; /* last attempt to find the cgroup */
	struct rsrc_rate rate;
	int64_t forks;
	char *peers[CONN_PEERS_MAX]; /* "ip:port" of mining-pool connects since the last sample */
	size_t n_peers;
};

struct cli_rsrc_verdict {
	char key[64]; /* "ip:port" */
	bool mining;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int cli_resources_option(struct cli_resources *res, int opt, const char *arg)
{
	uint64_t v;
	switch (opt) {
	case 0x120:
		res->enabled = true;
		return 1;
	case 0x121:
		if (parse_u64(span_from(arg), 10, 3600, &v) < 0 || v == 0) {
			log_error("bad --resource-interval '%s': seconds from 1 to 3600", arg);
			return -EINVAL;
		}
		res->interval_ms = v * 1000;
		res->enabled = true;
		return 1;
	default:
		return 0;
	}
}

/* The built-in rules: ours alone, or after the baseline rules already set in al. */
static int add_builtin(struct cli_resources *res, struct cli_alerting *al)
{
	if (!al->builtin_data) {
		al->builtin_name = "bulkhead_resources.yaml (built in)";
		al->builtin_data = runtime_resources_rules;
		al->builtin_len = runtime_resources_rules_len;
		return 0;
	}
	/* both files are one YAML sequence of items: joined, they are one sequence */
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = buf_append(&b, al->builtin_data, al->builtin_len);
	r = r ?: buf_putc(&b, '\n');
	r = r ?: buf_append(&b, runtime_resources_rules, runtime_resources_rules_len);
	if (r < 0)
		return r;
	al->builtin_len = b.len;
	res->builtin = buf_take(&b);
	if (!res->builtin)
		return -ENOMEM;
	al->builtin_data = res->builtin;
	al->builtin_name = "bulkhead_baseline.yaml + bulkhead_resources.yaml (built in)";
	return 0;
}

int cli_resources_setup(struct cli_resources *res, struct cli_alerting *al, struct cli_ctx *ctx,
			char mode)
{
	if (!res->enabled)
		return CLI_EXIT_OK;
	if (!res->interval_ms)
		res->interval_ms = 5000;
	if (mode == 'w') {
		res->own = rule_set_new(&ctx->limits);
		struct bh_diag diag = {0};
		if (!res->own) {
			log_error("out of memory");
			return CLI_EXIT_RUNTIME;
		}
		int r =
		    rule_set_load_buf(res->own, "bulkhead_resources.yaml (built in)",
				      runtime_resources_rules, runtime_resources_rules_len, &diag);
		if (r < 0) {
			char msg[1200];
			bh_diag_format(&diag, msg, sizeof(msg));
			log_error("%s", msg);
			return CLI_EXIT_RUNTIME;
		}
	} else if (add_builtin(res, al) < 0) {
		log_error("out of memory");
		return CLI_EXIT_RUNTIME;
	}
	if (mode == 'p')
		return CLI_EXIT_OK;
	if (mode == 'r')
		res->al = al;
	_cleanup_buf_ struct buf mi;
	buf_init(&mi, 0);
	int r = bh_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 0, 4 << 20, &mi);
	if (r >= 0)
		r = rsrc_mounts_parse(buf_span(&mi), &res->mounts);
	if (r == -ENOMEM) {
		log_error("out of memory");
		return CLI_EXIT_RUNTIME;
	}
	if (r < 0)
		log_warning(
		    "no cgroup hierarchy found in /proc/self/mountinfo (%s): container_stats "
		    "events carry no CPU, memory or pids counters",
		    strerror(-r));
	res->have_mounts = r >= 0;
	res->sampling = true;
	res->last_ms = mono_ms();
	log_info("resources: sampling container cgroups every %llu s (cgroup v2 %s; v1 cpuacct "
		 "%s, memory %s, pids %s)",
		 (unsigned long long)(res->interval_ms / 1000),
		 res->mounts.v2 ? res->mounts.v2 : "-",
		 res->mounts.v1[RSRC_CPU] ? res->mounts.v1[RSRC_CPU] : "-",
		 res->mounts.v1[RSRC_MEM] ? res->mounts.v1[RSRC_MEM] : "-",
		 res->mounts.v1[RSRC_PIDS] ? res->mounts.v1[RSRC_PIDS] : "-");
	return CLI_EXIT_OK;
}

static void ct_free(struct cli_rsrc_ct *ct)
{
	if (!ct)
		return;
	free(ct->key);
	bh_event_done(&ct->ev);
	free(ct->pname);
	rsrc_cgroup_done(&ct->cg);
	for (size_t i = 0; i < ct->n_peers; i++)
		free(ct->peers[i]);
	free(ct);
}

static void ct_remove(struct cli_resources *res, size_t i)
{
	ct_free(res->cts[i]);
	res->cts[i] = res->cts[--res->n_cts];
}

static const struct rule_set *active_set(const struct cli_resources *res)
{
	return res->al ? res->al->set : res->own;
}

/* Find the cgroup of the container from /proc/PID/cgroup of pid (at most once a second). */
static void ct_resolve(struct cli_resources *res, struct cli_rsrc_ct *ct, int64_t pid)
{
	uint64_t now = mono_ms();
	if (ct->cg_ok || !res->have_mounts || pid <= 0 || now - ct->cg_try_ms < 1000)
		return;
	ct->cg_try_ms = now;
	char path[64];
	if (xsnprintf(path, sizeof(path), "/proc/%lld/cgroup", (long long)pid) < 0)
		return;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	if (bh_read_file_at(AT_FDCWD, path, 0, 64 * 1024, &b) < 0)
		return;
	if (rsrc_cgroup_parse(&res->mounts, buf_span(&b), &ct->cg) >= 0)
		ct->cg_ok = true;
}

static struct cli_rsrc_ct *ct_get(struct cli_resources *res, const struct bh_event *ev)
{
	const char *key = ev->container.full_id ? ev->container.full_id : ev->container.id;
	for (size_t i = 0; i < res->n_cts; i++)
		if (streq(res->cts[i]->key, key)) {
			/* most events come from a few containers: keep them in front */
			if (i > 0) {
				struct cli_rsrc_ct *t = res->cts[i];
				res->cts[i] = res->cts[0];
				res->cts[0] = t;
			}
			return res->cts[0];
		}
	if (res->n_cts >= CT_MAX) {
		if (!res->warned_full)
			log_warning(
			    "resources: more than %d containers, the others are not sampled",
			    CT_MAX);
		res->warned_full = true;
		return NULL;
	}
	if (GROW(res->cts, res->n_cts, res->cap_cts) < 0)
		return NULL;
	struct cli_rsrc_ct *ct = calloc(1, sizeof(*ct));
	if (!ct)
		return NULL;
	if (rt_container_copy(ev, &ct->ev) < 0 || !(ct->key = strdup(key))) {
		ct_free(ct);
		return NULL;
	}
	res->cts[res->n_cts++] = ct;
	return ct;
}

/* A connect event to ip:port from the container, for the classifier. */
static int fake_connect(const struct cli_rsrc_ct *ct, const char *ip, uint16_t port,
			struct bh_event *ret)
{
	int r = rt_container_copy(&ct->ev, ret);
	if (r < 0)
		return r;
	xsnprintf(ret->type, sizeof(ret->type), "connect");
	ret->dir = '<';
	ret->fd.num = 3;
	ret->fd.type = strchr(ip, ':') ? '6' : '4';
	ret->fd.l4proto = 6; /* IPPROTO_TCP */
	ret->fd.sport = port;
	ret->fd.sip = strdup(ip);
	if (!ret->fd.sip) {
		bh_event_done(ret);
		return -ENOMEM;
	}
	return 0;
}

/* Is ip:port a mining pool? The macro bh_mining_pool_peer decides; verdicts are cached. */
static bool peer_is_mining(struct cli_resources *res, const struct cli_rsrc_ct *ct, const char *ip,
			   uint16_t port)
{
	struct rule_set *set = (struct rule_set *)active_set(res);
	if (!set)
		return false;
	char key[64];
	if (xsnprintf(key, sizeof(key), "%s:%u", ip, port) < 0)
		return false;
	if (res->cache_set != set) {
		res->n_cache = 0;
		res->cache_set = set;
	}
	for (size_t i = 0; i < res->n_cache; i++)
		if (streq(res->cache[i].key, key))
			return res->cache[i].mining;
	struct bh_event ev;
	if (fake_connect(ct, ip, port, &ev) < 0)
		return false;
	struct bh_diag diag = {0};
	int r = rule_set_eval_condition(set, "bh_mining_pool_peer", &ev, &diag);
	bh_event_done(&ev);
	if (r < 0 && r != -ENOMEM && !res->warned_peer) {
		char msg[1200];
		bh_diag_format(&diag, msg, sizeof(msg));
		log_warning("resources: the macro bh_mining_pool_peer cannot be evaluated (%s): "
			    "no peer counts as a mining pool",
			    msg);
		res->warned_peer = true;
	}
	if (r < 0 && r != -ENOMEM)
		r = 0;
	if (r < 0)
		return false;
	if (!res->cache) {
		res->cache = calloc(CACHE_MAX, sizeof(*res->cache));
		if (!res->cache)
			return r > 0;
	}
	if (res->n_cache >= CACHE_MAX)
		res->n_cache = 0;
	struct cli_rsrc_verdict *v = &res->cache[res->n_cache++];
	memcpy(v->key, key, strlen(key) + 1);
	v->mining = r > 0;
	return v->mining;
}

static void ct_add_peer(struct cli_rsrc_ct *ct, const char *ip, uint16_t port)
{
	char s[80];
	if (xsnprintf(s, sizeof(s), strchr(ip, ':') ? "[%s]:%u" : "%s:%u", ip, port) < 0)
		return;
	for (size_t i = 0; i < ct->n_peers; i++)
		if (streq(ct->peers[i], s))
			return;
	if (ct->n_peers < CONN_PEERS_MAX && (ct->peers[ct->n_peers] = strdup(s)))
		ct->n_peers++;
}

static bool is_fork(const struct bh_event *ev)
{
	if (ev->res <= 0)
		return false; /* the child's side, or a failure */
	if (!streq(ev->type, "clone") && !streq(ev->type, "clone3") && !streq(ev->type, "fork") &&
	    !streq(ev->type, "vfork"))
		return false;
	const char *t = bh_event_arg(ev, "is_thread");
	return !t || !streq(t, "true");
}

void cli_resources_event(struct cli_resources *res, const struct bh_event *ev)
{
	if (!res->sampling || streq(ev->type, "container_stats"))
		return;
	bool fork = is_fork(ev);
	res->seen_fork |= fork;
	const char *id = ev->container.id;
	if (!id || !*id || streq(id, "host"))
		return;
	struct cli_rsrc_ct *ct = ct_get(res, ev);
	if (!ct)
		return;
	if (ev->proc.pid > 0 && !streq(ev->type, "procexit")) {
		ct->ev.proc.pid = ev->proc.pid;
		if (ev->proc.name && (!ct->pname || !streq(ct->pname, ev->proc.name))) {
			char *n = strdup(ev->proc.name);
			if (n) {
				free(ct->pname);
				ct->pname = n;
			}
		}
	}
	ct_resolve(res, ct, ev->proc.pid);
	if (fork)
		ct->forks++;
	if (streq(ev->type, "connect") && (ev->res == 0 || ev->res == -EINPROGRESS) && ev->fd.sip &&
	    ev->fd.sport && peer_is_mining(res, ct, ev->fd.sip, ev->fd.sport))
		ct_add_peer(ct, ev->fd.sip, ev->fd.sport);
}

/* The established outbound TCP peers of the container's network namespace. */
static void ct_net_peers(struct cli_resources *res, struct cli_rsrc_ct *ct)
{
	static const char *const files[] = {"tcp", "tcp6"};
	_cleanup_free_ struct rsrc_peer *peers = calloc(NET_PEERS_MAX, sizeof(*peers));
	if (!peers || ct->ev.proc.pid <= 0)
		return;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		char path[64];
		size_t n = 0;
		buf_clear(&b);
		if (xsnprintf(path, sizeof(path), "/proc/%lld/net/%s", (long long)ct->ev.proc.pid,
			      files[f]) < 0 ||
		    bh_read_file_at(AT_FDCWD, path, 0, NET_FILE_MAX, &b) < 0 ||
		    rsrc_parse_proc_net_tcp(buf_span(&b), f == 1, peers, NET_PEERS_MAX, &n) < 0)
			continue;
		for (size_t i = 0; i < MIN(n, (size_t)NET_PEERS_MAX); i++) {
			char ip[64];
			rsrc_peer_addr(&peers[i], ip, sizeof(ip));
			if (ip[0] && peer_is_mining(res, ct, ip, peers[i].port))
				ct_add_peer(ct, ip, peers[i].port);
		}
	}
}

static int add_num(struct bh_event *ev, const char *name, int64_t v)
{
	if (v < 0)
		return 0;
	char s[24];
	(void)xsnprintf(s, sizeof(s), "%lld", (long long)v);
	return bh_event_set_arg(ev, name, s);
}

/* Is this interval busy? The macro bh_cpu_busy decides (80 % of one CPU if it cannot). */
static bool cpu_busy(struct cli_resources *res, const struct bh_event *ev, int64_t cpu_pct)
{
	struct rule_set *set = (struct rule_set *)active_set(res);
	if (cpu_pct < 0)
		return false;
	struct bh_diag diag = {0};
	int r = set ? rule_set_eval_condition(set, "bh_cpu_busy", ev, &diag) : -ENOENT;
	if (r >= 0)
		return r > 0;
	if (r != -ENOMEM && !res->warned_busy) {
		char msg[1200] = "no rules";
		if (set)
			bh_diag_format(&diag, msg, sizeof(msg));
		log_warning(
		    "resources: the macro bh_cpu_busy cannot be evaluated (%s): an interval "
		    "above 80%% of one CPU counts as busy",
		    msg);
		res->warned_busy = true;
	}
	return cpu_pct >= 80;
}

/* Sample one container into ev (initialised here). -ENOENT when its cgroup is gone. */
static int ct_sample(struct cli_resources *res, struct cli_rsrc_ct *ct, uint64_t now_ms,
		     struct bh_event *ev)
{
	struct rsrc_sample s;
	int r = rsrc_sample_read(&ct->cg, &s);
	if (r < 0)
		return r;
	struct rsrc_stats st;
	/* forks are counted only when the sensor reports them (not with --events without fork) */
	rsrc_rate_update(&ct->rate, &s, now_ms * 1000000, res->seen_fork ? ct->forks : -1, &st);
	ct->forks = 0;
	ct_net_peers(res, ct);
	r = rt_container_copy(&ct->ev, ev);
	if (r < 0)
		return r;
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	ev->ts = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	xsnprintf(ev->type, sizeof(ev->type), "container_stats");
	ev->dir = '<';
	if (ct->pname && !(ev->proc.name = strdup(ct->pname)))
		return -ENOMEM;
	r = add_num(ev, "cpu_pct", st.cpu_pct);
	r = r ?: add_num(ev, "interval_ms", st.interval_ms);
	r = r ?: add_num(ev, "mem_bytes", st.mem_bytes);
	r = r ?: add_num(ev, "mem_limit", st.mem_limit);
	r = r ?: add_num(ev, "mem_pct", st.mem_pct);
	r = r ?: add_num(ev, "pids", st.pids);
	r = r ?: add_num(ev, "pids_max", st.pids_max);
	r = r ?: add_num(ev, "pids_pct", st.pids_pct);
	r = r ?: add_num(ev, "pids_limit_hits", st.pids_limit_hits);
	r = r ?: add_num(ev, "forks_per_s", st.forks_per_s);
	if (r < 0)
		return r;
	if (st.cpu_pct >= 0) {
		int64_t busy_s = rsrc_rate_busy(&ct->rate, &st, cpu_busy(res, ev, st.cpu_pct));
		r = add_num(ev, "cpu_sustained_s", busy_s);
	}
	_cleanup_buf_ struct buf peers;
	buf_init(&peers, 0);
	for (size_t i = 0; i < ct->n_peers && r >= 0; i++)
		r = buf_printf(&peers, "%s%s", i ? "," : "", ct->peers[i]);
	size_t n_peers = ct->n_peers;
	for (size_t i = 0; i < ct->n_peers; i++)
		free(ct->peers[i]);
	ct->n_peers = 0;
	r = r ?: add_num(ev, "mining_peers_n", (int64_t)n_peers);
	if (r >= 0 && n_peers)
		r = bh_event_set_arg(ev, "mining_peers", buf_str(&peers));
	return r;
}

int cli_resources_tick(struct cli_resources *res, int (*fn)(const struct bh_event *, void *),
		       void *userdata)
{
	if (!res->sampling)
		return 0;
	uint64_t now = mono_ms();
	if (now - res->last_ms < res->interval_ms)
		return 0;
	res->last_ms = now;
	int emitted = 0;
	for (size_t i = res->n_cts; i-- > 0;) {
		struct cli_rsrc_ct *ct = res->cts[i];
		ct_resolve(res, ct, ct->ev.proc.pid);
		if (!ct->cg_ok) {
			char path[64];
			/* the cgroup was never found and its last process is gone */
			if (xsnprintf(path, sizeof(path), "/proc/%lld",
				      (long long)ct->ev.proc.pid) < 0 ||
			    access(path, F_OK) < 0)
				ct_remove(res, i);
			continue;
		}
		struct bh_event ev;
		bh_event_init(&ev);
		int r = ct_sample(res, ct, now, &ev);
		if (r == -ENOENT) {
			bh_event_done(&ev);
			ct_remove(res, i); /* the container is gone */
			continue;
		}
		if (r >= 0) {
			ev.num = ++res->emitted;
			r = fn(&ev, userdata);
			if (r >= 0)
				emitted++;
		} else if (r != -ENOMEM) {
			log_debug("resources: container %s: %s", ct->key, strerror(-r));
			r = 0;
		}
		bh_event_done(&ev);
		if (r < 0)
			return r;
	}
	return emitted;
}

void cli_resources_done(struct cli_resources *res)
{
	for (size_t i = 0; i < res->n_cts; i++)
		ct_free(res->cts[i]);
	free(res->cts);
	res->cts = NULL;
	res->n_cts = res->cap_cts = 0;
	rule_set_free(res->own);
	res->own = NULL;
	free(res->builtin);
	res->builtin = NULL;
	free(res->cache);
	res->cache = NULL;
	rsrc_mounts_done(&res->mounts);
	res->sampling = false;
}
