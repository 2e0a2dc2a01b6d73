/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alerts.c — where rule alerts go (sensor run / replay): Falco-compatible JSON or text
 * lines on stdout or appended to a file, syslog (one message per alert, priority mapped),
 * or an HTTP(S) endpoint receiving each JSON alert as a POST, as Falcosidekick expects
 * (Content-Type: application/json). A sink that fails is reported once and counted; the
 * others keep going (an unreachable collector must not stop detection).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "cli/alerts.h"
#include "common/buf.h"

enum sink_kind { SINK_STDOUT, SINK_FILE, SINK_SYSLOG, SINK_HTTP };

struct alert_sink {
	enum sink_kind kind;
	enum alert_format format;
	char *target; /* file path or URL */
	FILE *f;
	CURL *curl;
	struct curl_slist *headers;
	uint64_t sent, failed;
	bool warned;
	char hostname[256];
};

int alert_sink_open(const char *spec, enum alert_format format, struct alert_sink **ret)
{
	struct alert_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->format = format;
	if (gethostname(s->hostname, sizeof(s->hostname) - 1) < 0)
		memcpy(s->hostname, "localhost", 10);
	int r = 0;
	if (streq(spec, "stdout") || streq(spec, "-"))
		s->kind = SINK_STDOUT;
	else if (streq(spec, "syslog")) {
		s->kind = SINK_SYSLOG;
		openlog("bulkhead", LOG_PID, LOG_DAEMON);
	} else if (!strncmp(spec, "file:", 5) && spec[5]) {
		s->kind = SINK_FILE;
		s->f = fopen(spec + 5, "ae");
		if (!s->f)
			r = -errno;
		else
			(void)setvbuf(s->f, NULL, _IOLBF, 0); /* one alert, one write */
	} else if (!strncmp(spec, "https://", 8) || !strncmp(spec, "http://", 7)) {
		s->kind = SINK_HTTP;
		s->format = ALERT_JSON;
		s->curl = curl_easy_init();
		s->headers = curl_slist_append(NULL, "Content-Type: application/json");
		if (!s->curl || !s->headers)
			r = -ENOMEM;
	} else
		r = -EINVAL;
	if (r >= 0 && !(s->target = strdup(spec)))
		r = -ENOMEM;
	if (r < 0) {
		alert_sink_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void alert_sink_free(struct alert_sink *s)
{
	if (!s)
		return;
	if (s->f)
		fclose(s->f);
	if (s->kind == SINK_SYSLOG)
		closelog();
	curl_slist_free_all(s->headers);
	if (s->curl)
		curl_easy_cleanup(s->curl);
	free(s->target);
	free(s);
}

static int syslog_priority(enum rule_priority p)
{
	switch (p) {
	case RULE_PRIO_EMERGENCY:
		return LOG_EMERG;
	case RULE_PRIO_ALERT:
		return LOG_ALERT;
	case RULE_PRIO_CRITICAL:
		return LOG_CRIT;
	case RULE_PRIO_ERROR:
		return LOG_ERR;
	case RULE_PRIO_WARNING:
		return LOG_WARNING;
	case RULE_PRIO_NOTICE:
		return LOG_NOTICE;
	case RULE_PRIO_INFORMATIONAL:
		return LOG_INFO;
	default:
		return LOG_DEBUG;
	}
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static int post(struct alert_sink *s, const struct buf *body)
{
	curl_easy_reset(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_URL, s->target);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body->ptr);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, discard);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	CURLcode rc = curl_easy_perform(s->curl);
	long status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK || status < 200 || status >= 300) {
		if (!s->warned)
			log_warning("alerts to %s: %s", s->target,
				    rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP error status");
		s->warned = true;
		return -EIO;
	}
	return 0;
}

int alert_sink_emit(struct alert_sink *s, struct rule_set *set, const struct rule *r,
		    const struct bh_event *ev)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int rc;
	if (s->format == ALERT_JSON)
		rc = rule_alert_json(set, r, ev, s->hostname, &b);
	else {
		/* Falco's text line: "HH:MM:SS.nnnnnnnnn: Priority output" */
		time_t secs = (time_t)(ev->ts / 1000000000ull);
		struct tm tm;
		char hms[16] = "00:00:00";
		if (gmtime_r(&secs, &tm))
			(void)strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
		rc = buf_printf(&b, "%s.%09llu: %s ", hms,
				(unsigned long long)(ev->ts % 1000000000ull),
				rule_priority_name(rule_priority(r)));
		if (rc >= 0)
			rc = rule_format_output(set, r, ev, &b);
	}
	if (rc < 0)
		return rc;
	switch (s->kind) {
	case SINK_STDOUT:
	case SINK_FILE: {
		FILE *f = s->kind == SINK_FILE ? s->f : stdout;
		if (fputs(buf_str(&b), f) == EOF || (b.len && b.ptr[b.len - 1] != '\n' && fputc('\n', f) == EOF))
			rc = -EIO;
		else if (s->kind == SINK_STDOUT)
			(void)fflush(f);
		break;
	}
	case SINK_SYSLOG:
		syslog(syslog_priority(rule_priority(r)), "%s", buf_str(&b));
		break;
	case SINK_HTTP:
		rc = post(s, &b);
		break;
	}
	if (rc < 0)
		s->failed++;
	else
		s->sent++;
	return rc;
}

void alert_sink_stats(const struct alert_sink *s, uint64_t *ret_sent, uint64_t *ret_failed)
{
	*ret_sent = s->sent;
	*ret_failed = s->failed;
}

/* ---- rules + sinks ------------------------------------------------------------------ */

int cli_alerting_option(struct cli_alerting *a, int opt, const char *arg)
{
	switch (opt) {
	case 0x100:
		return strv_push(&a->rules, arg) < 0 ? -ENOMEM : 1;
	case 0x101:
		return strv_push(&a->sinks, arg) < 0 ? -ENOMEM : 1;
	case 0x102:
		if (rule_priority_parse(arg, &a->min_prio) < 0) {
			log_error("unknown priority '%s' (emergency, alert, critical, error, warning, "
				  "notice, informational, debug)",
				  arg);
			return -EINVAL;
		}
		a->have_prio = true;
		return 1;
	case 0x103:
		a->all = true;
		return 1;
	case 0x104:
		a->report = true;
		return 1;
	default:
		return 0;
	}
}

/* A new set with the configured files and settings; logs and returns -errno on failure. */
static int load_set(struct cli_alerting *a, struct cli_ctx *ctx, struct rule_set **ret)
{
	struct rule_set *set = rule_set_new(&ctx->limits);
	if (!set)
		return -ENOMEM;
	struct bh_diag diag = { 0 };
	int r = rule_set_load_files(set, (const char *const *)a->rules.v, a->rules.n, &diag);
	if (r < 0) {
		char msg[1200];
		if (!diag.message[0])
			bh_diag_set(&diag, a->rules.n ? a->rules.v[0] : "rules", 0, 0, "%s", strerror(-r));
		bh_diag_format(&diag, msg, sizeof(msg));
		log_error("%s", msg);
		rule_set_free(set);
		return r;
	}
	if (a->report)
		(void)rule_set_report(set, stderr);
	if (a->have_prio)
		rule_set_set_min_priority(set, a->min_prio);
	rule_set_set_match_all(set, a->all);
	*ret = set;
	return 0;
}

int cli_alerting_reload(struct cli_alerting *a, struct cli_ctx *ctx)
{
	struct rule_set *set = NULL;
	int r = load_set(a, ctx, &set);
	if (r < 0) {
		log_error("rules reload failed; the previous rules stay active");
		return r;
	}
	rule_set_free(a->set);
	a->set = set;
	log_info("rules reloaded from %zu file(s)", a->rules.n);
	return 0;
}

int cli_alerting_setup(struct cli_alerting *a, struct cli_ctx *ctx)
{
	int r = load_set(a, ctx, &a->set);
	if (r < 0)
		return r == -ENOMEM ? CLI_EXIT_RUNTIME : cli_exit_for_errno(r);
	if (a->sinks.n == 0 && strv_push(&a->sinks, "stdout") < 0)
		return CLI_EXIT_RUNTIME;
	if (!(a->open = calloc(a->sinks.n, sizeof(*a->open))))
		return CLI_EXIT_RUNTIME;
	for (size_t i = 0; i < a->sinks.n; i++) {
		r = alert_sink_open(a->sinks.v[i], a->format, &a->open[i]);
		if (r == -EINVAL) {
			log_error("unknown alert sink '%s' (stdout, file:PATH, syslog, http(s)://...)",
				  a->sinks.v[i]);
			return CLI_EXIT_INPUT;
		}
		if (r < 0) {
			log_error_errno(r, "%s: cannot open: %m", a->sinks.v[i]);
			return cli_exit_for_errno(r);
		}
		a->n_open++;
	}
	return 0;
}

static int deliver(const struct rule *r, const struct bh_event *ev, void *userdata)
{
	struct cli_alerting *a = userdata;
	a->alerts++;
	for (size_t i = 0; i < a->n_open; i++)
		(void)alert_sink_emit(a->open[i], a->set, r, ev);
	return 0;
}

int cli_alerting_eval(struct cli_alerting *a, const struct bh_event *ev)
{
	int r = rule_set_eval(a->set, ev, deliver, a);
	return r < 0 ? r : 0;
}

uint64_t cli_alerting_failures(const struct cli_alerting *a)
{
	uint64_t total = 0;
	for (size_t i = 0; i < a->n_open; i++)
		total += a->open[i]->failed;
	return total;
}

void cli_alerting_done(struct cli_alerting *a)
{
	for (size_t i = 0; i < a->n_open; i++)
		alert_sink_free(a->open[i]);
	free(a->open);
	rule_set_free(a->set);
	strv_done(&a->rules);
	strv_done(&a->sinks);
	*a = (struct cli_alerting){ 0 };
}
