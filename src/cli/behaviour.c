/* SPDX-License-Identifier: Apache-2.0 */
/* behaviour.c — see behaviour.h. */
#include <stdio.h>

#include "cli/behaviour.h"
#include "store/store.h"


static int parse_secs(const char *opt, const char *arg, int64_t *ret)
{
	uint64_t v;
	if (parse_u64(span_from(arg), 10, 10ULL * 365 * 24 * 3600, &v) < 0) {
		log_error("bad %s '%s': a number of seconds", opt, arg);
		return -EINVAL;
	}
	*ret = (int64_t)v;
	return 1;
}

int cli_behaviour_option(struct cli_behaviour *b, int opt, const char *arg)
{
	switch (opt) {
	case 0x110:
		if (baseline_mode_from_name(arg) < 0) {
			log_error("unknown --mode '%s' (learn, monitor, protect)", arg);
			return -EINVAL;
		}
		b->mode = arg;
		return 1;
	case 0x111:
		return parse_secs("--learn-for", arg, &b->learn_for);
	case 0x112:
		return parse_secs("--stable-for", arg, &b->stable_for);
	case 0x113:
		b->dry_run = true;
		return 1;
	case 0x114:
		b->pattern = arg;
		return 1;
	case 0x115:
		b->host = true;
		return 1;
	case 0x116:
		b->no_exec_guard = true;
		return 1;
	default:
		return 0;
	}
}

static int audit_cb(void *u, const char *kind, const char *target, const json_t *payload)
{
	struct cli_behaviour *b = u;
	return cli_audit_append(&b->audit, kind, target, "bulkhead sensor", payload) == CLI_EXIT_OK
		   ? 0
		   : -EIO;
}

int cli_behaviour_setup(struct cli_behaviour *b, struct cli_ctx *ctx, struct cli_alerting *al,
			const struct rt_hooks *hooks)
{
	if (!b->mode) {
		if (b->learn_for || b->stable_for || b->dry_run || b->pattern || b->host ||
		    b->no_exec_guard) {
			log_error("--learn-for, --stable-for, --dry-run, --workload-pattern, "
				  "--host-workload and --no-exec-guard need --mode");
			return CLI_EXIT_INPUT;
		}
		return CLI_EXIT_OK;
	}
	int r = baseline_workload_opts_init(&b->wopts, b->pattern,
					    b->host ? BASELINE_HOST_WORKLOAD : BASELINE_HOST_SKIP);
	b->wopts_ready = true;
	if (r < 0) {
		log_error("bad --workload-pattern '%s': a POSIX extended regular expression with "
			  "exactly one group",
			  b->pattern ? b->pattern : "");
		return CLI_EXIT_INPUT;
	}
	/* NULL: the default store (store_open resolves it and names it in its errors) */
	int ret = cli_audit_open(ctx, cli_store_spec(al->store), 0, &b->audit);
	if (ret != CLI_EXIT_OK)
		return ret;
	b->hashes = exehash_cache_new(0, 0);
	if (!b->hashes) {
		log_error("out of memory");
		return CLI_EXIT_RUNTIME;
	}
	struct rt_options o = {
		.default_mode = (enum baseline_mode)baseline_mode_from_name(b->mode),
		.learn_seconds = b->learn_for ? b->learn_for : 3600,
		.stable_seconds = b->stable_for,
		.dry_run = b->dry_run,
		.workload = &b->wopts,
		.store = b->audit.store,
		.actor = "bulkhead sensor",
		.audit = audit_cb,
		.audit_u = b,
	};
	if (!b->stable_for)
		o.stable_seconds = 600;
	if (hooks)
		o.hooks = *hooks;
	struct bh_diag diag = { 0 };
	r = rt_new(&o, &b->rt, &diag);
	if (r < 0)
		return cli_fail_diag(r, &diag, store_name(b->audit.store));
	al->builtin_name = "bulkhead_baseline.yaml (built in)";
	al->builtin_data = runtime_baseline_rules;
	al->builtin_len = runtime_baseline_rules_len;
	b->active = true;
	log_info("behaviour baselines in %s, default mode %s%s", store_name(b->audit.store),
		 b->mode, b->dry_run ? " (dry run)" : "");
	return CLI_EXIT_OK;
}

static bool is_exec(const struct bh_event *ev)
{
	return ev->res == 0 && (streq(ev->type, "execve") || streq(ev->type, "execveat"));
}

int cli_behaviour_event(struct cli_behaviour *b, struct bh_event *ev, bool live, int64_t now)
{
	if (!b->active)
		return 0;
	char digest[BH_DIGEST_STR_LEN + 1];
	const char *sha = NULL;
	if (live && is_exec(ev) && ev->container.id && !streq(ev->container.id, "host") &&
	    exehash_of_pid(b->hashes, (pid_t)ev->proc.pid, digest) >= 0)
		sha = digest;
	else if (!live)
		sha = bh_event_arg(ev, "bh_exe_sha256");
	/* time moves first: learning that ended by now must not learn this event */
	cli_behaviour_tick(b, now);
	int r = rt_observe(b->rt, ev, sha, now);
	return r < 0 ? r : 0;
}

void cli_behaviour_tick(struct cli_behaviour *b, int64_t now)
{
	if (!b->active || now == b->last_tick)
		return;
	b->last_tick = now;
	int r = rt_tick(b->rt, now);
	if (r < 0)
		log_warning("%s: cannot read baseline modes: %s", store_name(b->audit.store),
			    store_errmsg(b->audit.store)[0] ? store_errmsg(b->audit.store)
							    : strerror(-r));
}

int cli_behaviour_done(struct cli_behaviour *b)
{
	int ret = CLI_EXIT_OK;
	if (b->rt) {
		struct rt_stats st;
		rt_get_stats(b->rt, &st);
		int r = rt_free(b->rt);
		b->rt = NULL;
		log_info("baselines: %zu workloads, %llu events, %llu new facts, %llu deviations "
			 "(%llu blocked), %llu saves, %llu mode changes",
			 st.workloads, (unsigned long long)st.events,
			 (unsigned long long)st.learnt_facts, (unsigned long long)st.deviations,
			 (unsigned long long)st.blocked, (unsigned long long)st.saves,
			 (unsigned long long)st.mode_changes);
		if (r < 0 || st.save_failures) {
			log_error("%llu baseline saves failed (%s)", (unsigned long long)st.save_failures,
				  strerror(r < 0 ? -r : EIO));
			ret = CLI_EXIT_RUNTIME;
		}
	}
	exehash_cache_free(b->hashes);
	b->hashes = NULL;
	if (b->wopts_ready)
		baseline_workload_opts_done(&b->wopts);
	b->wopts_ready = false;
	if (b->audit.store) {
		int c = cli_audit_close(&b->audit);
		if (ret == CLI_EXIT_OK)
			ret = c;
	}
	b->active = false;
	return ret;
}

void cli_behaviour_cleanup(struct cli_behaviour *b)
{
	(void)cli_behaviour_done(b);
}
