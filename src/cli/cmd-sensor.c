/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-sensor.c — `bulkhead sensor run`: load the runtime sensor (src/sensor/sensor.h),
 * print every event as a JSON line (common/event.h) or a text line, report the kernel's
 * per-CPU drop counters and the malformed-record counters on stderr every 10 seconds and
 * at exit, and stop cleanly on SIGINT/SIGTERM or after --duration. The programs are
 * detached when the session is freed, and by the kernel if we are killed (nothing is
 * pinned).
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "cli/alerts.h"
#include "cli/behaviour.h"
#include "cli/sensor-guard.h"
#include "cli/sensor-resources.h"
#include "cli/cli.h"
#include "common/event.h"
#include "runtime/fanotify.h"
#include "sensor/json.h"
#include "sensor/enforce.h"
#include "sensor/loader.h"
#include "sensor/sensor.h"

const char cmd_sensor_usage[] =
    "usage: bulkhead sensor run [--output json|text] [--duration SECONDS] [--events LIST]\n"
    "                           [--ring-size BYTES] [--no-containers]\n"
    "                           [--rules FILE]... [--alerts SINK]... [--min-priority P]\n"
    "                           [--all-matches] [--report-rules]\n"
    "                           [--store SPEC [--cluster NAME]]\n"
    "                           [--mode learn|monitor|protect [--learn-for S] [--stable-for S]\n"
    "                            [--dry-run] [--workload-pattern RE] [--host-workload]\n"
    "                            [--no-exec-guard]]\n"
    "                           [--resources [--resource-interval S]]\n"
    "       bulkhead sensor record FILE [--duration SECONDS] [--events LIST] ...\n"
    "       bulkhead sensor replay FILE --rules FILE... (see 'bulkhead sensor replay --help')\n"
    "\n"
    "Watch what processes do, through eBPF programs attached to the scheduler and syscall\n"
    "tracepoints, and print one event per line on stdout (run) or write the events as JSON\n"
    "lines to FILE (record; '-' is stdout). Needs root (CAP_SYS_ADMIN, or CAP_BPF and\n"
    "CAP_PERFMON) and a kernel with BTF.\n"
    "\n"
    "  --output json|text  JSON lines (the `sensor record` format) or one text line per\n"
    "                      event (default json; --format is the same option)\n"
    "  --duration SECONDS  stop after this long (default: until SIGINT or SIGTERM)\n"
    "  --events LIST       comma-separated kinds (default exec,exit,fork,open,connect; 'all'):\n"
    "                      exec exit fork open connect accept bind listen unlink rename link\n"
    "                      chmod chown dup setid capset ptrace mount module ns memfd bpf\n"
    "  --ring-size BYTES   ring buffer size, a power of two (default 8M)\n"
    "  --no-containers     do not attribute events to containers\n"
    "  --rules FILE        evaluate these Falco rules files (unchanged Falco syntax) and\n"
    "                      print alerts (Falco JSON, or text) instead of events; every\n"
    "                      event kind is captured (repeatable)\n"
    "  --alerts SINK       stdout (default), file:PATH, syslog, or an http(s):// URL that\n"
    "                      receives each JSON alert as a POST (Falcosidekick); repeatable\n"
    "  --min-priority P    drop rules below P; --all-matches fires every matching rule;\n"
    "                      --report-rules prints loaded/skipped per rule on stderr\n"
    "  --store SPEC        with --rules: record every alert in this store (default\n"
    "                      $BULKHEAD_STORE): a run of kind \"runtime\" with one finding and a\n"
    "                      \"runtime.alert\" audit record, written in batches by a background\n"
    "                      thread (kept in the spool while PostgreSQL is unreachable)\n"
    "  --cluster NAME      the cluster name of the recorded runs\n"
    CLI_BEHAVIOUR_USAGE
    CLI_RESOURCES_USAGE
    "SIGHUP reloads the --rules files; if they no longer load, the running rules stay.\n"
    "With --mode, deviations from the baselines are alerts of the built-in rules\n"
    "(rules/bulkhead_baseline.yaml; --rules files loaded after them can override them), and\n"
    "'bulkhead baseline mode WORKLOAD MODE' switches a workload while the sensor runs.\n"
    "\n"
    "Every 10 seconds and at exit, stderr gets a line with the records emitted by the\n"
    "kernel, the events decoded, the records dropped per CPU (ring buffer full) and the\n"
    "malformed records (which are counted and never decoded).\n"
    "\n"
    "Exit codes: 0 stopped normally, 2 usage error, 3 runtime error (no privileges, built\n"
    "without BPF support, a hook missing from the kernel).\n";

static volatile sig_atomic_t stop_signal, reload_signal;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_signal = 1;
	else
		stop_signal = sig;
}

struct run_state {
	FILE *out;
	bool text;
	struct buf line;
	int write_error;
	struct cli_alerting *alerting; /* with --rules: alerts instead of events */
	struct cli_behaviour *behaviour; /* with --mode */
	struct cli_resources *resources; /* with --resources */
};

static int print_text(const struct bh_event *ev, struct buf *b)
{
	const struct bh_ev_proc *p = &ev->proc;
	time_t secs = (time_t)(ev->ts / 1000000000ULL);
	struct tm tm;
	char when[32] = "";
	if (gmtime_r(&secs, &tm))
		(void)strftime(when, sizeof(when), "%H:%M:%S", &tm);
	int r = buf_printf(b,
			   "%s.%09" PRIu64 " %s pid=%" PRId64 " tid=%" PRId64 " ppid=%" PRId64
			   " uid=%" PRIu32 " comm=%s res=%" PRId64,
			   when, ev->ts % UINT64_C(1000000000), ev->type, p->pid, p->tid, p->ppid,
			   p->uid, p->name ? p->name : "?", ev->res);
	if (r >= 0 && p->exepath)
		r = buf_printf(b, " exepath=%s", p->exepath);
	if (r >= 0 && ev->container.id)
		r = buf_printf(b, " container=%s", ev->container.id);
	if (r >= 0 && ev->fd.num >= 0)
		r = buf_printf(b, " fd=%" PRId64, ev->fd.num);
	if (r >= 0 && ev->fd.name)
		r = buf_printf(b, " fd.name=%s", ev->fd.name);
	for (size_t i = 0; i < ev->n_args && r >= 0; i++)
		r = buf_printf(b, " %s=%s", ev->args[i].name, ev->args[i].value);
	if (r >= 0 && streq(ev->type, "execve")) {
		r = buf_printf(b, " cmdline=%s", p->exe ? p->exe : "");
		for (size_t i = 0; i < p->argc && r >= 0; i++)
			r = buf_printf(b, " %s", p->argv[i]);
	}
	if (r < 0)
		return r;
	/* one event, one line: control characters from the process become '?' */
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->ptr[i] < 0x20 || b->ptr[i] == 0x7f)
			b->ptr[i] = '?';
	return buf_putc(b, '\n');
}

static int on_event(const struct bh_event *ev, void *userdata)
{
	struct run_state *st = userdata;
	if (st->resources)
		cli_resources_event(st->resources, ev);
	if (st->behaviour) {
		/*
		 * The controller writes the deviation into the event's arguments (bh_*), which
		 * the session frees with the event after this callback.
		 */
		int r = cli_behaviour_event(st->behaviour, (struct bh_event *)ev, true,
					    (int64_t)time(NULL));
		if (r < 0)
			return r;
	}
	if (st->alerting)
		return cli_alerting_eval(st->alerting, ev);
	buf_clear(&st->line);
	/* the sensor's direct writer: the bytes of bh_event_to_json() without a jansson tree */
	int r = st->text ? print_text(ev, &st->line) : sensor_event_to_json(ev, &st->line);
	if (r == -E2BIG) {
		log_debug("event %" PRIu64 " too big to print, ignoring", ev->num);
		return 0;
	}
	if (r < 0)
		return r;
	if (fwrite(st->line.ptr, 1, st->line.len, st->out) != st->line.len) {
		st->write_error = -EPIPE;
		return -EPIPE;
	}
	return 0;
}

/* An execution the fanotify guard decided on: through the baselines and rules as any event. */
static int on_fan_event(struct bh_event *ev, void *userdata)
{
	return on_event(ev, userdata);
}

/* --resources: the synthetic container_stats events do not go through the baselines */
static int on_stats(const struct bh_event *ev, void *userdata)
{
	struct run_state *st = userdata;
	struct cli_behaviour *b = st->behaviour;
	st->behaviour = NULL;
	int r = on_event(ev, st);
	st->behaviour = b;
	return r;
}

/*
 * Does a rule read the capabilities of an unshare or setns event? The sensor takes them at
 * the syscall's entry (a new user namespace changes them) only then: that needs sys_enter
 * on every syscall.
 */
static bool rules_read_entry_caps(const struct rule_set *set)
{
	static const char *const types[] = {"unshare", "setns"};
	static const char *const fields[] = {"thread.cap_permitted", "thread.cap_effective",
					     "thread.cap_inheritable"};
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		for (size_t k = 0; k < ARRAY_SIZE(fields); k++)
			if (rule_set_reads_field(set, types[i], fields[k]))
				return true;
	return false;
}

static void report_stats(struct sensor_session *s, const char *when)
{
	struct sensor_stats *st = calloc(1, sizeof(*st));
	if (!st || sensor_session_stats(s, st) < 0) {
		free(st);
		log_warning("cannot read the sensor's counters, ignoring");
		return;
	}
	_cleanup_buf_ struct buf b;
	buf_init(&b, 1 << 16);
	uint64_t bad = 0;
	for (size_t i = 0; i < _SENSOR_BAD_MAX; i++)
		bad += st->bad[i];
	int r = buf_printf(&b,
			   "sensor %s: emitted %" PRIu64 ", decoded %" PRIu64 " events and %" PRIu64
			   " cgroup records, dropped %" PRIu64 " (per cpu:",
			   when, st->emitted, st->decoded, st->cgroup_records, st->dropped);
	for (size_t i = 0; i < st->ncpu && r >= 0; i++)
		r = buf_printf(&b, " %" PRIu64, st->dropped_per_cpu[i]);
	r = r ?: buf_printf(&b, "), malformed %" PRIu64, bad);
	for (size_t i = 0; i < _SENSOR_BAD_MAX && r >= 0; i++)
		if (st->bad[i])
			r = buf_printf(&b, " %s=%" PRIu64, sensor_bad_to_string(i), st->bad[i]);
	if (r >= 0 && st->entry_lost)
		r = buf_printf(&b, ", syscall entries lost %" PRIu64, st->entry_lost);
	/* protect mode's kernel-side decisions, once there are any */
	if (r >= 0 && (st->killed || st->would_kill || st->signal_failed || st->denied))
		r = buf_printf(&b,
			       ", protect: killed %" PRIu64 ", would-kill %" PRIu64
			       ", connects refused %" PRIu64 ", signal failures %" PRIu64,
			       st->killed, st->would_kill, st->denied, st->signal_failed);
	if (r >= 0 && st->ring_broken)
		r = buf_puts(&b, ", ring buffer broken");
	/* counters are data the user asked for: printed whatever the log level */
	fprintf(stderr, "%s\n", buf_str(&b));
	free(st);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* run (record_path NULL: stdout, text or JSON) or record (JSON lines to record_path). */
static int sensor_run(int argc, char **argv, struct cli_ctx *ctx, const char *record_path)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"output", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, 'o'},
	    {"duration", required_argument, NULL, 'd'},
	    {"events", required_argument, NULL, 'e'},
	    {"ring-size", required_argument, NULL, 'R'},
	    {"no-containers", no_argument, NULL, 'C'},
	    {"limit", required_argument, NULL, 'L'},
	    CLI_ALERTING_OPTIONS,
	    CLI_BEHAVIOUR_OPTIONS,
	    CLI_RESOURCES_OPTIONS,
	    {0},
	};
	struct sensor_session_options so = {.kinds = sensor_kinds_default()};
	_cleanup_(cli_alerting_done) struct cli_alerting al = {.format = ALERT_JSON};
	_cleanup_(cli_behaviour_cleanup) struct cli_behaviour bh = {0};
	_cleanup_(cli_resources_done) struct cli_resources res = {0};
	bool text = false;
	uint64_t duration_s = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		bool handled;
		int ar = record_path ? 0 : cli_alerting_option(&al, c, optarg);
		if (ar == 0 && !record_path)
			ar = cli_behaviour_option(&bh, c, optarg);
		if (ar == 0)
			ar = cli_resources_option(&res, c, optarg);
		if (ar < 0)
			return ar == -ENOMEM ? CLI_EXIT_RUNTIME : CLI_EXIT_INPUT;
		if (ar > 0)
			continue;
		switch (c) {
		case 'h':
			fputs(cmd_sensor_usage, stdout);
			return CLI_EXIT_OK;
		case 'o':
			if (streq(optarg, "json"))
				text = false;
			else if (streq(optarg, "text"))
				text = true;
			else {
				log_error("unknown output format '%s' (json or text)", optarg);
				return CLI_EXIT_INPUT;
			}
			break;
		case 'd':
			if (parse_u64(span_from(optarg), 10, 365ULL * 24 * 3600, &duration_s) < 0 ||
			    duration_s == 0) {
				log_error("bad --duration '%s': a number of seconds from 1",
					  optarg);
				return CLI_EXIT_INPUT;
			}
			break;
		case 'e': {
			const char *bad = NULL;
			if (sensor_kinds_parse(optarg, &so.kinds, &bad) < 0) {
				log_error("unknown event kind '%s' in --events (see 'bulkhead help "
					  "sensor')",
					  bad ? bad : optarg);
				return CLI_EXIT_INPUT;
			}
			break;
		}
		case 'R': {
			uint64_t v;
			if (bh_parse_size(span_from(optarg), &v) < 0 || v < 4096 || v > (1ULL << 30) ||
			    (v & (v - 1))) {
				log_error("bad --ring-size '%s': a power of two from 4K to 1G",
					  optarg);
				return CLI_EXIT_INPUT;
			}
			so.ring_bytes = (size_t)v;
			break;
		}
		case 'C':
			so.no_containers = true;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				return CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_sensor_usage, stderr);
			return CLI_EXIT_INPUT;
		}
	}
	if (optind != argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return CLI_EXIT_INPUT;
	}
	if (record_path && text) {
		log_error("'sensor record' writes JSON lines only");
		return CLI_EXIT_INPUT;
	}
	if ((al.sinks.n || al.store || al.cluster) && !al.rules.n && !bh.mode && !res.enabled) {
		log_error("%s needs --rules", al.sinks.n ? "--alerts" : al.store ? "--store" : "--cluster");
		return CLI_EXIT_INPUT;
	}
	/* the guard gets its session once it is open; the controller needs its hooks now */
	_cleanup_(sensor_guard_done) struct sensor_guard guard = {0};
	_cleanup_(sensor_fan_closep) struct sensor_fan *fan = NULL; /* after guard: freed first */
	struct rt_hooks hooks;
	if (sensor_guard_init(&guard, NULL, false, false, &hooks) < 0)
		return CLI_EXIT_RUNTIME;
	if (bh.mode) {
		int br = cli_behaviour_setup(&bh, ctx, &al, &hooks);
		if (br != CLI_EXIT_OK)
			return br;
	}
	int rsr = cli_resources_setup(&res, &al, ctx, record_path ? 'w' : 'r');
	if (rsr != CLI_EXIT_OK)
		return rsr;
	if (al.rules.n || bh.mode || (res.enabled && !record_path)) {
		/* Rules are checked before anything is attached: a bad file costs nothing. */
		al.format = text ? ALERT_TEXT : ALERT_JSON;
		int ar = cli_alerting_setup(&al, ctx);
		if (ar > 0)
			return ar;
		/* Falco's stock rules need these kinds at least. */
		const char *bad = NULL;
		if (sensor_kinds_parse("all", &so.kinds, &bad) < 0)
			return CLI_EXIT_RUNTIME;
		/* alerts are all that is written: entry capabilities only for rules that read
		 * them (baselines do not: they infer capabilities from the calls made) */
		so.exit_caps = !rules_read_entry_caps(al.set);
	}
	if (!sensor_bpf_built()) {
		log_error("bulkhead was built without BPF support (clang, bpftool, libbpf or the "
			  "build machine's BTF was missing): 'sensor run' is not available");
		return CLI_EXIT_RUNTIME;
	}

	struct sigaction sa = {.sa_handler = on_signal};
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL); /* reload --rules; the old rules stay on failure */
	(void)signal(SIGPIPE, SIG_IGN);

	char err[768];
	_cleanup_(sensor_session_freep) struct sensor_session *s = NULL;
	/* baselines: protect mode and syscall sets, for any workload that may switch to it */
	so.enforce = so.learn_syscalls = bh.mode != NULL;
	int r = sensor_session_open(&so, &s, err, sizeof(err));
	if (r < 0 && so.enforce && r != -EPERM) {
		log_warning("protect mode is not available (%s): baselines are learnt and "
			    "monitored, nothing is blocked",
			    err[0] ? err : strerror(-r));
		so.enforce = false;
		r = sensor_session_open(&so, &s, err, sizeof(err));
	}
	if (r >= 0 && bh.mode) {
		guard.s = s;
		guard.enforce = so.enforce;
		guard.syscalls = so.learn_syscalls;
		char why[512];
		if (so.enforce && sensor_enforce_probe(s, why, sizeof(why)) >= 0)
			log_info("protect mode: %s", why);
		if (so.enforce && !bh.no_exec_guard) {
			/* executions outside a baseline are denied before they start where fanotify
			 * permission events work; the BPF kill stays the backstop */
			if (sensor_fan_open(&fan, why, sizeof(why)) < 0)
				log_notice("protect mode: %s; executions are killed at exec instead", why);
			else
				log_info("protect mode: %s", why);
			guard.fan = fan;
		}
	}
	if (r < 0) {
		log_error("cannot start the sensor: %s", err[0] ? err : strerror(-r));
		return CLI_EXIT_RUNTIME;
	}
	_cleanup_buf_ struct buf desc;
	buf_init(&desc, 4096);
	if (sensor_session_describe(s, &desc) >= 0)
		log_info("sensor attached: %s", buf_str(&desc));

	struct run_state st = {.text = text,
			       .out = stdout,
			       .alerting = al.rules.n || bh.mode || (res.enabled && !record_path)
						   ? &al
						   : NULL,
			       .behaviour = bh.mode ? &bh : NULL,
			       .resources = res.sampling ? &res : NULL};
	if (record_path && !streq(record_path, "-")) {
		int fd = open(record_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		st.out = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!st.out) {
			r = -errno;
			if (fd >= 0)
				(void)close(fd);
			(void)log_error_errno(r, "cannot create '%s': %m", record_path);
			return CLI_EXIT_INPUT;
		}
	}
	buf_init(&st.line, 0);
	/* events are flushed after each batch the ring hands out: one write per batch, not
	 * one per st_blksize (4 KiB on /dev/null and pipes) */
	(void)setvbuf(st.out, NULL, _IOFBF, (size_t)1 << 18);
	uint64_t start = now_ms(), last_report = start;
	int ret = CLI_EXIT_OK;
	while (!stop_signal) {
		uint64_t t = now_ms();
		if (duration_s && t - start >= duration_s * 1000)
			break;
		if (reload_signal) {
			reload_signal = 0;
			if (st.alerting) {
				/* what is already in the ring (the kernel wakes us in batches)
				 * happened under the old rules: evaluate it with them first */
				r = sensor_session_poll(s, 0, on_event, &st);
				if (r < 0 && r != -EINTR) {
					log_error("sensor stopped: %s", strerror(-r));
					ret = CLI_EXIT_RUNTIME;
					break;
				}
				(void)cli_alerting_reload(st.alerting, ctx);
				if (so.exit_caps && rules_read_entry_caps(st.alerting->set))
					log_warning("the reloaded rules read the capabilities of "
						    "unshare/setns events: until a restart they are "
						    "those at the syscall's exit");
			}
		}
		if (t - last_report >= 10000) {
			(void)fflush(st.out);
			report_stats(s, "counters");
			last_report = t;
		}
		r = sensor_session_poll(s, 200, on_event, &st);
		if (r >= 0 && fan) {
			/* executions fanotify denied (or would have): events like the sensor's */
			int fr = sensor_fan_drain(fan, on_fan_event, &st);
			r = fr < 0 ? fr : r + fr;
		}
		if (r >= 0 && st.resources) {
			int rr = cli_resources_tick(st.resources, on_stats, &st);
			r = rr < 0 ? rr : r + rr;
		}
		if (st.behaviour) {
			int64_t now = (int64_t)time(NULL);
			cli_behaviour_tick(st.behaviour, now);
			int gr = sensor_guard_tick(&guard, bh.rt, &al, now);
			if (gr < 0)
				log_warning("syscall sets: %s", strerror(-gr));
		}
		if (r == -EINTR)
			continue;
		if (r < 0) {
			if (r == -EPIPE || st.write_error)
				log_error("cannot write events: %s", strerror(EPIPE));
			else
				log_error("sensor stopped: %s", strerror(-r));
			ret = CLI_EXIT_RUNTIME;
			break;
		}
		if (r > 0 && fflush(st.out) != 0) {
			(void)log_error_errno(-errno, "cannot write events: %m");
			ret = CLI_EXIT_RUNTIME;
			break;
		}
	}
	/* drain what is already in the ring and the exec guard's queue, then report */
	if (ret == CLI_EXIT_OK) {
		(void)sensor_session_poll(s, 0, on_event, &st);
		if (fan)
			(void)sensor_fan_drain(fan, on_fan_event, &st);
	}
	if (fflush(st.out) != 0 && ret == CLI_EXIT_OK) {
		(void)log_error_errno(-errno, "cannot write events: %m");
		ret = CLI_EXIT_RUNTIME;
	}
	if (st.out != stdout && fclose(st.out) != 0 && ret == CLI_EXIT_OK) {
		(void)log_error_errno(-errno, "cannot write '%s': %m", record_path);
		ret = CLI_EXIT_RUNTIME;
	}
	report_stats(s, "exit");
	buf_done(&st.line);
	int bret = cli_behaviour_done(&bh);
	if (ret == CLI_EXIT_OK)
		ret = bret;
	if (cli_alerting_stop_recording(&al) < 0 && ret == CLI_EXIT_OK)
		ret = CLI_EXIT_RUNTIME;
	return ret;
}

int cmd_sensor(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		fputs(cmd_sensor_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_INPUT : CLI_EXIT_OK;
	}
	if (streq(argv[1], "run"))
		return sensor_run(argc - 1, argv + 1, ctx, NULL);
	if (streq(argv[1], "record")) {
		if (argc < 3 || (argv[2][0] == '-' && argv[2][1] != '\0')) {
			log_error("'sensor record' needs a FILE ('-' for stdout)");
			return CLI_EXIT_INPUT;
		}
		/* the FILE operand stands where getopt expects the command name */
		return sensor_run(argc - 2, argv + 2, ctx, argv[2]);
	}
	if (streq(argv[1], "replay"))
		return cmd_sensor_replay(argc - 1, argv + 1, ctx);
	log_error("unknown sensor command '%s' (see 'bulkhead help sensor')", argv[1]);
	return CLI_EXIT_INPUT;
}
