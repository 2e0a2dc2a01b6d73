/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alerts.c — where rule alerts go (sensor run / replay): Falco-compatible JSON or text
 * lines on stdout or appended to a file, syslog (one message per alert, priority mapped),
 * or an HTTP(S) endpoint receiving each JSON alert as a POST, as Falcosidekick expects
 * (Content-Type: application/json). A sink that fails is reported once and counted; the
 * others keep going (an unreachable collector must not stop detection).
 */
#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "audit/recorder.h"
#include "cli/alerts.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/hash.h"
#include "common/json.h"
#include "common/timeutil.h"

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
	case 0x105:
		a->store = arg;
		return 1;
	case 0x106:
		if (cli_cluster_option(arg) < 0)
			return -EINVAL;
		a->cluster = arg;
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
	int r = 0;
	if (a->builtin_data)
		r = rule_set_load_buf(set, a->builtin_name, a->builtin_data, a->builtin_len, &diag);
	if (r >= 0 && a->rules.n)
		r = rule_set_load_files(set, (const char *const *)a->rules.v, a->rules.n, &diag);
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

static void record_reload(struct cli_alerting *a, struct cli_ctx *ctx);

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
	log_info("rules reloaded from %zu file(s)%s", a->rules.n,
		 a->builtin_data ? " and the built-in rules" : "");
	/* A rules change is an audit event. */
	if (a->rec)
		record_reload(a, ctx);
	return 0;
}

/* ---- alerts in the store -------------------------------------------------------------- */

const char *alert_priority_severity(enum rule_priority p)
{
	switch (p) {
	case RULE_PRIO_EMERGENCY:
	case RULE_PRIO_ALERT:
	case RULE_PRIO_CRITICAL:
		return "critical";
	case RULE_PRIO_ERROR:
		return "high";
	case RULE_PRIO_WARNING:
		return "medium";
	case RULE_PRIO_NOTICE:
		return "low";
	default:
		return "info";
	}
}

/* What the event loop copies per alert: the Falco JSON alert and the event's identity. */
enum {
	AB_ALERT, AB_RULE, AB_CT_ID, AB_CT_NAME, AB_IMAGE, AB_DIGEST, AB_NS, AB_POD, AB_HOST,
	AB_ACTION, AB_REASON, AB_FACT, AB_WORKLOAD, /* protect mode's evt.arg.bh_* (or "") */
	AB_MAX
};

struct alert_block {
	uint64_t ts; /* ns since the epoch */
	unsigned prio;
	char data[]; /* AB_MAX strings, each NUL-terminated */
};

/* A block of AB_MAX strings (NULL = ""), with its time and priority. */
static void *block_new(const char *const v[AB_MAX], uint64_t ts, unsigned prio, size_t *ret_bytes)
{
	size_t len[AB_MAX], size = sizeof(struct alert_block);
	for (size_t i = 0; i < AB_MAX; i++) {
		len[i] = v[i] ? strlen(v[i]) : 0;
		if (!size_add(size, len[i] + 1, &size))
			return NULL;
	}
	struct alert_block *b = malloc(size);
	if (!b)
		return NULL;
	b->ts = ts;
	b->prio = prio;
	char *p = b->data;
	for (size_t i = 0; i < AB_MAX; i++) {
		if (len[i])
			memcpy(p, v[i], len[i]);
		p[len[i]] = '\0';
		p += len[i] + 1;
	}
	*ret_bytes = size;
	return b;
}

static void *alert_block_new(const struct cli_alerting *a, const struct rule *r,
			     const struct bh_event *ev, const struct buf *alert, size_t *ret_bytes)
{
	const struct bh_ev_container *c = &ev->container;
	const char *v[AB_MAX] = {
	    [AB_ALERT] = buf_str(alert), [AB_RULE] = rule_name(r),	 [AB_CT_ID] = c->id,
	    [AB_CT_NAME] = c->name,	 [AB_IMAGE] = c->image,		 [AB_DIGEST] = c->image_digest,
	    [AB_NS] = c->k8s_ns,	 [AB_POD] = c->k8s_pod,		 [AB_HOST] = a->hostname,
	    [AB_ACTION] = bh_event_arg(ev, "bh_action"),
	    [AB_REASON] = bh_event_arg(ev, "bh_reason"),
	    [AB_FACT] = bh_event_arg(ev, "bh_fact"),
	    [AB_WORKLOAD] = bh_event_arg(ev, "bh_workload"),
	};
	return block_new(v, ev->ts, (unsigned)rule_priority(r), ret_bytes);
}

/* The priority of a block that records a rules reload (a configuration change), not an alert. */
#define RULES_RELOAD_BLOCK 0xffffffffu

/* Record a successful rules reload: which files (with their SHA-256), how many rules. */
static void record_reload(struct cli_alerting *a, struct cli_ctx *ctx)
{
	_cleanup_json_ json_t *files = json_array();
	for (size_t i = 0; files && i < a->rules.n; i++) {
		char sha[BH_DIGEST_STR_LEN + 1] = "";
		struct buf data;
		buf_init(&data, (size_t)ctx->limits.input_max_bytes);
		if (bh_read_file_at(AT_FDCWD, a->rules.v[i], 0, (size_t)ctx->limits.input_max_bytes,
				    &data) >= 0)
			(void)bh_sha256_str(data.ptr, data.len, sha);
		buf_done(&data);
		if (json_array_append_new(files, json_pack("{s:s, s:s}", "path", a->rules.v[i],
							   "sha256", sha)) < 0) {
			json_decref(TAKE_PTR(files));
			break;
		}
	}
	_cleanup_free_ char *text = files ? json_dumps(files, JSON_COMPACT) : NULL;
	const char *v[AB_MAX] = {[AB_ALERT] = text, [AB_HOST] = a->hostname};
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	size_t bytes;
	void *block = text ? block_new(v, (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec,
				       RULES_RELOAD_BLOCK, &bytes)
			   : NULL;
	if (!block || audit_recorder_submit_take(a->rec, block, bytes) < 0)
		log_warning("the rules reload could not be queued for the audit log");
}

/* A rules reload: a run of kind "sensor.rules" (no findings) and a "sensor.rules.reload" record. */
static int reload_record_build(const char *cluster, const struct alert_block *b, const char *files,
			       const char *host, json_t *batch)
{
	_cleanup_json_ json_t *list = json_loads(files, 0, NULL);
	if (!json_is_array(list))
		return -EBADMSG;
	_cleanup_json_ json_t *summary = json_pack("{s:O, s:s}", "files", list, "hostname", host);
	_cleanup_json_ json_t *findings = json_array();
	if (!summary || !findings || bh_json_set_str_opt(summary, "cluster", cluster) < 0)
		return -ENOMEM;
	int64_t secs = (int64_t)(b->ts / 1000000000u);
	struct store_run run = {
	    .kind = "sensor.rules",
	    .time = secs > 0 ? secs : 1,
	    .target = {.type = "host", .name = host, .cluster = cluster},
	    .tool = "bulkhead " BULKHEAD_VERSION " sensor",
	    .summary = summary,
	    .no_resolve = true,
	};
	_cleanup_json_ json_t *item = audit_batch_item(&run, findings);
	if (!item)
		return -ENOMEM;
	int r = audit_batch_item_add_record(item, "sensor.rules.reload", host, NULL, summary);
	if (r < 0)
		return r;
	return json_array_append(batch, item) < 0 ? -ENOMEM : 0;
}

static int record_alert(struct cli_alerting *a, const struct rule *r, const struct bh_event *ev)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int rc = rule_alert_json(a->set, r, ev, a->hostname, &b);
	size_t bytes = 0;
	void *block = rc >= 0 ? alert_block_new(a, r, ev, &b, &bytes) : NULL;
	if (!block) {
		a->record_failed++;
		return rc < 0 ? rc : -ENOMEM;
	}
	if (a->record_wait) {
		/* Offline: a recording faster than the store waits for it rather than dropping. */
		struct audit_recorder_stats st;
		audit_recorder_stats(a->rec, &st);
		if (st.depth >= AUDIT_RECORDER_QUEUE_DEFAULT / 2)
			(void)audit_recorder_sync(a->rec, 60000);
	}
	return audit_recorder_submit_take(a->rec, block, bytes);
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/*
 * audit_recorder_build_fn (userdata: the cluster name or NULL): a run of kind "runtime" (an
 * event run: nothing it lacks is resolved) with one finding of kind "runtime", and a
 * "runtime.alert" audit record. The finding id is per rule and container (or pod, or host), so
 * a rule firing again in the same container updates one finding's last_seen.
 */
static int alert_record_build(void *userdata, const void *data, json_t *batch)
{
	const char *cluster = userdata;
	const struct alert_block *b = data;
	const char *v[AB_MAX];
	const char *p = b->data;
	for (size_t i = 0; i < AB_MAX; i++) {
		v[i] = p;
		p += strlen(p) + 1;
	}
	if (b->prio == RULES_RELOAD_BLOCK)
		return reload_record_build(cluster, b, v[AB_ALERT], v[AB_HOST], batch);
	_cleanup_json_ json_t *alert = json_loads(v[AB_ALERT], 0, NULL);
	if (!json_is_object(alert))
		return -EBADMSG;
	const char *ct = nonempty(v[AB_CT_ID]), *pod = nonempty(v[AB_POD]), *ns = nonempty(v[AB_NS]);
	bool host = !ct || streq(ct, "host");
	const char *type = host && !pod ? "host" : "container";
	const char *name = !host ? ct : pod ? pod : v[AB_HOST];
	_cleanup_free_ char *workload = NULL;
	if (pod && asprintf(&workload, "Pod/%s", pod) < 0)
		return -ENOMEM;
	const char *sev = alert_priority_severity((enum rule_priority)b->prio);
	const char *prio = bh_json_str(alert, "priority");
	const char *output = bh_json_str(alert, "output");
	_cleanup_buf_ struct buf idsrc;
	buf_init(&idsrc, 0);
	char hex[BH_DIGEST_STR_LEN + 1], id[40];
	int r = buf_printf(&idsrc, "runtime\n%s\n%s/%s\n%s", v[AB_RULE], type, name, ns ? ns : "");
	if (r >= 0)
		r = bh_sha256_str(idsrc.ptr, idsrc.len, hex);
	if (r >= 0)
		r = xsnprintf(id, sizeof(id), "%.32s", strchr(hex, ':') + 1);
	if (r < 0)
		return r;
	int64_t secs = b->ts ? (int64_t)(b->ts / 1000000000u) : (int64_t)time(NULL);
	if (secs <= 0)
		secs = 1;
	char when[32];
	if (bh_format_rfc3339((time_t)secs, when, sizeof(when)) < 0)
		when[0] = '\0';

	json_t *target = json_pack("{s:s, s:s}", "type", type, "name", name);
	json_t *evidence = json_pack("{s:s, s:s, s:O?, s:O?, s:O?}", "priority", prio ? prio : "",
				     "hostname", v[AB_HOST], "time", json_object_get(alert, "time"),
				     "output_fields", json_object_get(alert, "output_fields"),
				     "tags", json_object_get(alert, "tags"));
	_cleanup_json_ json_t *finding = NULL, *findings = json_array();
	if (target && evidence && findings)
		finding = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:o, s:s, s:o}", "schema",
				    "bulkhead.finding/v1", "id", id, "kind", "runtime", "severity",
				    sev, "rule", "id", v[AB_RULE], "title", v[AB_RULE], "target",
				    target, "message", output ? output : v[AB_RULE], "evidence",
				    evidence);
	else {
		json_decref(target);
		json_decref(evidence);
	}
	if (!finding || bh_json_set_str_opt(json_object_get(finding, "target"), "namespace", ns) < 0 ||
	    bh_json_set_str_opt(json_object_get(finding, "target"), "workload", workload) < 0 ||
	    bh_json_set_str_opt(json_object_get(finding, "target"), "image",
				nonempty(v[AB_IMAGE])) < 0 ||
	    json_array_append(findings, finding) < 0)
		return -ENOMEM;

	_cleanup_json_ json_t *summary = json_pack("{s:s, s:s, s:s}", "rule", v[AB_RULE], "priority",
						   prio ? prio : "", "severity", sev);
	_cleanup_json_ json_t *payload =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "rule", v[AB_RULE], "priority",
		      prio ? prio : "", "severity", sev, "output", output ? output : "", "time",
		      when, "hostname", v[AB_HOST]);
	if (!summary || !payload)
		return -ENOMEM;
	const struct {
		const char *key, *value;
	} ids[] = {{"container", host ? NULL : ct},
		   {"container_name", nonempty(v[AB_CT_NAME])},
		   {"image", nonempty(v[AB_IMAGE])},
		   {"namespace", ns},
		   {"pod", pod},
		   {"cluster", cluster}};
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		if (bh_json_set_str_opt(summary, ids[i].key, ids[i].value) < 0 ||
		    bh_json_set_str_opt(payload, ids[i].key, ids[i].value) < 0)
			return -ENOMEM;
	struct store_run run = {
	    .kind = "runtime",
	    .time = secs,
	    .target = {.type = type,
		       .name = name,
		       .digest = nonempty(v[AB_DIGEST]),
		       .cluster = cluster,
		       .namespace = ns,
		       .workload = workload},
	    .tool = "bulkhead " BULKHEAD_VERSION " sensor",
	    .summary = summary,
	    .no_resolve = true,
	};
	_cleanup_json_ json_t *item = audit_batch_item(&run, findings);
	if (!item)
		return -ENOMEM;
	/*
	 * An enforcement action (protect mode killed or denied something, or would have with
	 * --dry-run) is its own audit kind, with what was blocked and why.
	 */
	const char *action = nonempty(v[AB_ACTION]);
	bool block = action && (streq(action, "killed") || streq(action, "denied") ||
				streq(action, "would-kill") || streq(action, "would-deny"));
	if (block && (bh_json_set_str(payload, "action", action) < 0 ||
		      bh_json_set_str_opt(payload, "reason", nonempty(v[AB_REASON])) < 0 ||
		      bh_json_set_str_opt(payload, "fact", nonempty(v[AB_FACT])) < 0 ||
		      bh_json_set_str_opt(payload, "workload", nonempty(v[AB_WORKLOAD])) < 0))
		return -ENOMEM;
	r = audit_batch_item_add_record(item, !block ? "runtime.alert"
					: strncmp(action, "would-", 6) == 0 ? "enforcement.dry-run"
									    : "enforcement.block",
					name, NULL, payload);
	if (r < 0)
		return r;
	return json_array_append(batch, item) < 0 ? -ENOMEM : 0;
}

int cli_alerting_stop_recording(struct cli_alerting *a)
{
	if (!a->rec)
		return 0;
	struct audit_recorder_stats st;
	int r = audit_recorder_stop(TAKE_PTR(a->rec), 10000, &st);
	st.failed += a->record_failed;
	log_info("recorded alerts: %llu written, %llu spooled, %llu dropped, %llu failed",
		 (unsigned long long)st.written, (unsigned long long)st.spooled,
		 (unsigned long long)st.dropped, (unsigned long long)st.failed);
	if (r < 0 || st.dropped || st.failed) {
		log_error("not every alert could be recorded: %llu dropped, %llu failed",
			  (unsigned long long)st.dropped, (unsigned long long)st.failed);
		return -EIO;
	}
	return 0;
}

int cli_alerting_setup(struct cli_alerting *a, struct cli_ctx *ctx)
{
	if (gethostname(a->hostname, sizeof(a->hostname) - 1) < 0)
		memcpy(a->hostname, "localhost", 10);
	const char *store = cli_store_spec(a->store);
	if (a->cluster && !store) {
		log_error("--cluster needs --store (or BULKHEAD_STORE)");
		return CLI_EXIT_INPUT;
	}
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
	if (store) {
		struct audit_recorder_opts ro = {.spec = store,
						 .what = "runtime alerts",
						 .build = alert_record_build,
						 .userdata = (void *)a->cluster};
		struct bh_diag diag = {0};
		r = audit_recorder_start(&ro, &ctx->limits, &a->rec, &diag);
		if (r < 0) {
			if (!diag.message[0])
				bh_diag_set(&diag, "store", 0, 0, "%s", strerror(-r));
			char msg[1200];
			bh_diag_format(&diag, msg, sizeof(msg));
			log_error("cannot record alerts: %s", msg);
			return r == -ENOMEM ? CLI_EXIT_RUNTIME : CLI_EXIT_INPUT;
		}
	}
	return 0;
}

static int deliver(const struct rule *r, const struct bh_event *ev, void *userdata)
{
	struct cli_alerting *a = userdata;
	a->alerts++;
	for (size_t i = 0; i < a->n_open; i++)
		(void)alert_sink_emit(a->open[i], a->set, r, ev);
	if (a->rec)
		(void)record_alert(a, r, ev); /* a full queue is counted and warned about there */
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
	(void)cli_alerting_stop_recording(a);
	for (size_t i = 0; i < a->n_open; i++)
		alert_sink_free(a->open[i]);
	free(a->open);
	rule_set_free(a->set);
	strv_done(&a->rules);
	strv_done(&a->sinks);
	*a = (struct cli_alerting){ 0 };
}
