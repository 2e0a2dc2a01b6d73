/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.c — see server.h.
 *
 * Connections: evhttp accepts, and its bufferevent callback hands every new connection a
 * TLS server bufferevent made in advance (the "spare"), so that a connection can never fall
 * back to plain HTTP when memory is short: while no spare can be made the listener is
 * paused. Each SSL object carries a struct srv_conn in its ex_data; the ex_data free
 * callback (run when evhttp frees the connection) is where a connection stops counting.
 * Up to --max-connections connections are served; the ones after that, up to a headroom
 * of as many again (at most 64), are answered 503 with "Connection: close"; beyond that the
 * listener pauses and new connections wait in the kernel's backlog.
 *
 * Everything runs in the one event-loop thread (decisions take microseconds), so the
 * policy pointer and the metrics need no locking.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "admission/server.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "admission/admission.h"

#define SRV_MAX_HEADERS_BYTES (16 * 1024)
#define SRV_HEADROOM_MAX      64u /* connections answered 503 before the listener pauses */
#define SRV_SPARE_RETRY_MS    100 /* retry making a TLS connection object after ENOMEM */
#define SRV_GRACE_MAX	      5	  /* seconds open connections get after SIGTERM */
#define SRV_FD_RESERVE	      32  /* descriptors kept for everything but connections */

enum srv_path {
	SRV_PATH_VALIDATE,
	SRV_PATH_HEALTHZ,
	SRV_PATH_METRICS,
	SRV_PATH_OTHER,
	_SRV_PATH_MAX,
};

static const char *const srv_path_label[_SRV_PATH_MAX] = {
    [SRV_PATH_VALIDATE] = "/validate",
    [SRV_PATH_HEALTHZ] = "/healthz",
    [SRV_PATH_METRICS] = "/metrics",
    [SRV_PATH_OTHER] = "other",
};

/* Histogram bucket upper bounds in seconds, and their labels as written. */
static const double srv_bucket[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				    0.05,   0.1,   0.25,   0.5,	  1};
static const char *const srv_bucket_label[] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1"};

#define SRV_CODES_MAX 16 /* distinct status codes counted per path */

struct srv_code_count {
	unsigned code;
	uint64_t n;
};

struct srv_metrics {
	struct srv_code_count requests[_SRV_PATH_MAX][SRV_CODES_MAX];
	uint64_t decisions[_ADM_VERDICT_MAX];
	uint64_t buckets[ARRAY_SIZE(srv_bucket)]; /* not cumulative; +Inf is count */
	double duration_sum;
	uint64_t duration_count;
	uint64_t conn_rejected;
	uint64_t reloads_ok, reloads_error;
};

struct srv {
	const struct adm_serve_opts *o; /* borrowed */
	const struct bh_limits *limits; /* borrowed */
	struct adm_opts adm;
	struct adm_policy *policy;	   /* owned; swapped on SIGHUP */
	SSL_CTX *ssl_ctx;		   /* owned */
	struct event_base *base;	   /* owned */
	struct evhttp *http;		   /* owned */
	struct evhttp_bound_socket *bound; /* owned by http; NULL once closed */
	struct bufferevent *spare;	   /* owned: the next connection's TLS bufferevent */
	struct event *ev_hup, *ev_term, *ev_int, *ev_retry, *ev_grace; /* owned */
	unsigned n_all;						       /* open connections */
	unsigned n_served;	/* open connections under --max-connections */
	unsigned hard_cap;	/* n_all at which the listener pauses */
	struct srv_conn *conns; /* open connections (for tear-down) */
	bool listening;
	bool draining; /* SIGTERM/SIGINT seen */
	bool stopped;  /* the loop has ended: tear-down, touch nothing */
	struct srv_metrics m;
};

/* Per-connection state, in the SSL object's ex_data; freed with the SSL object. */
struct srv_conn {
	struct srv *s;
	struct bufferevent *bev;      /* borrowed: the connection's TLS bufferevent */
	struct event *deadline;	      /* owned: the current request must be complete by then */
	struct srv_conn *prev, *next; /* in srv.conns while counted */
	bool counted;		      /* handed to a connection (the spare is not) */
	bool over_limit;	      /* answered 503 */
};

static int srv_conn_idx = -1;

static double now_seconds(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Listen when not stopping, a spare TLS object exists and the hard cap is not reached. */
static void srv_update_listener(struct srv *s)
{
	if (s->stopped || !s->bound)
		return;
	bool want = !s->draining && s->spare && s->n_all < s->hard_cap;
	if (want == s->listening)
		return;
	struct evconnlistener *l = evhttp_bound_socket_get_listener(s->bound);
	if ((want ? evconnlistener_enable(l) : evconnlistener_disable(l)) == 0)
		s->listening = want;
}

static void srv_conn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
			  void *argp)
{
	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	struct srv_conn *c = ptr;
	if (!c)
		return;
	struct srv *s = c->s;
	if (c->deadline)
		event_free(c->deadline);
	if (c->counted) {
		if (c->prev)
			c->prev->next = c->next;
		else
			s->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		s->n_all--;
		if (!c->over_limit)
			s->n_served--;
		if (!s->stopped) {
			if (s->draining && s->n_all == 0)
				(void)event_base_loopbreak(s->base);
			srv_update_listener(s);
		}
	}
	free(c);
}

/*
 * The deadline passed: the client took longer than --timeout for its TLS handshake and first
 * request, or for one request after the previous answer (a client trickling bytes slowly
 * enough never trips evhttp's per-read timeout). Shutting the socket down makes evhttp see
 * the end of the connection and free it the usual way.
 */
static void srv_on_deadline(evutil_socket_t fd, short what, void *u)
{
	(void)fd, (void)what;
	struct srv_conn *c = u;
	evutil_socket_t sock = bufferevent_getfd(c->bev);
	log_debug("closing a connection that took longer than %u s for a request",
		  c->s->o->timeout);
	if (sock >= 0)
		(void)shutdown(sock, SHUT_RDWR);
}

static void srv_conn_arm(struct srv_conn *c)
{
	struct timeval tv = {(time_t)c->s->o->timeout, 0};
	(void)evtimer_add(c->deadline, &tv);
}

/* Make the spare TLS bufferevent (fd set later by evhttp). 0 or -ENOMEM. */
static int srv_spare_make(struct srv *s)
{
	if (s->spare)
		return 0;
	SSL *ssl = SSL_new(s->ssl_ctx);
	if (!ssl)
		return -ENOMEM;
	struct srv_conn *c = calloc(1, sizeof(*c));
	if (!c || !SSL_set_ex_data(ssl, srv_conn_idx, c)) {
		free(c);
		SSL_free(ssl);
		return -ENOMEM;
	}
	c->s = s;
	/* From here SSL_free() frees c through srv_conn_free(). */
	c->deadline = evtimer_new(s->base, srv_on_deadline, c);
	if (!c->deadline) {
		SSL_free(ssl);
		return -ENOMEM;
	}
	s->spare = bufferevent_openssl_socket_new(s->base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
						  BEV_OPT_CLOSE_ON_FREE);
	if (!s->spare) {
		SSL_free(ssl);
		return -ENOMEM;
	}
	c->bev = s->spare;
	return 0;
}

static void srv_on_retry(evutil_socket_t fd, short what, void *u)
{
	(void)fd, (void)what;
	struct srv *s = u;
	if (srv_spare_make(s) < 0) {
		struct timeval tv = {0, SRV_SPARE_RETRY_MS * 1000};
		(void)evtimer_add(s->ev_retry, &tv);
		return;
	}
	srv_update_listener(s);
}

/* evhttp's bufferevent callback: one per accepted connection. */
static struct bufferevent *srv_on_connection(struct event_base *base, void *u)
{
	(void)base;
	struct srv *s = u;
	/* The listener is paused whenever there is no spare, so there always is one here. */
	struct bufferevent *bev = TAKE_PTR(s->spare);
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	struct srv_conn *c = SSL_get_ex_data(ssl, srv_conn_idx);
	c->counted = true;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	srv_conn_arm(c);
	s->n_all++;
	if (s->n_served >= s->o->max_connections) {
		c->over_limit = true;
		s->m.conn_rejected++;
	} else
		s->n_served++;
	if (srv_spare_make(s) < 0) {
		struct timeval tv = {0, SRV_SPARE_RETRY_MS * 1000};
		(void)evtimer_add(s->ev_retry, &tv);
	}
	srv_update_listener(s);
	return bev;
}

static struct srv_conn *srv_conn_of(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	return ssl ? SSL_get_ex_data(ssl, srv_conn_idx) : NULL;
}

static void srv_count_request(struct srv *s, enum srv_path path, unsigned code)
{
	struct srv_code_count *cc = s->m.requests[path];
	for (size_t i = 0; i < SRV_CODES_MAX; i++) {
		if (cc[i].code == code || cc[i].code == 0) {
			cc[i].code = code;
			cc[i].n++;
			return;
		}
	}
	/* More distinct codes than slots: cannot happen with the codes this server sends. */
}

static const char *srv_reason(unsigned code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}

/*
 * Send one response: body (may be NULL) with content_type, count it. While stopping, and
 * for rejected connections, the connection is closed after the response.
 */
static void srv_reply(struct srv *s, struct evhttp_request *req, enum srv_path path, unsigned code,
		      const char *content_type, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	if (content_type)
		(void)evhttp_add_header(h, "Content-Type", content_type);
	(void)evhttp_add_header(h, "Cache-Control", "no-store");
	struct srv_conn *c = srv_conn_of(req);
	if (s->draining || !c || c->over_limit)
		(void)evhttp_add_header(h, "Connection", "close");
	evhttp_send_reply(req, (int)code, srv_reason(code), body);
	srv_count_request(s, path, code);
}

/* A one-line text/plain response ("message\n"). */
static void srv_reply_text(struct srv *s, struct evhttp_request *req, enum srv_path path,
			   unsigned code, const char *msg)
{
	struct evbuffer *b = evbuffer_new();
	if (b && (evbuffer_add(b, msg, strlen(msg)) < 0 || evbuffer_add(b, "\n", 1) < 0)) {
		evbuffer_free(b);
		b = NULL;
	}
	srv_reply(s, req, path, code, "text/plain; charset=utf-8", b);
	if (b)
		evbuffer_free(b);
}

static void srv_reply_method(struct srv *s, struct evhttp_request *req, enum srv_path path,
			     const char *allow)
{
	(void)evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
	srv_reply_text(s, req, path, 405, "method not allowed");
}

static bool srv_is_json(const char *content_type)
{
	if (!content_type)
		return false;
	struct span ct = span_from(content_type), media, params;
	if (span_cut(ct, ';', &media, &params))
		ct = media;
	return span_eq_nocase(span_trim(ct), SPAN_LIT("application/json"));
}

static void srv_observe(struct srv *s, double seconds)
{
	for (size_t i = 0; i < ARRAY_SIZE(srv_bucket); i++)
		if (seconds <= srv_bucket[i]) {
			s->m.buckets[i]++;
			break;
		}
	s->m.duration_sum += seconds;
	s->m.duration_count++;
}

/* --log-decisions: {"time","uid","verdict","enforced","warned","audited","seconds"}. */
static void srv_log_decision(struct srv *s, const struct buf *response,
			     const struct adm_decision *dec, double seconds)
{
	_cleanup_json_ json_t *doc = NULL;
	const char *uid = NULL;
	if (bh_json_parse(buf_span(response), s->limits, "response", &doc, NULL) >= 0)
		uid = bh_json_str(bh_json_obj(doc, "response"), "uid");
	char when[32];
	if (bh_format_rfc3339(time(NULL), when, sizeof(when)) < 0)
		when[0] = '\0';
	_cleanup_json_ json_t *line = json_pack(
	    "{s:s, s:s?, s:s, s:I, s:I, s:I, s:f}", "time", when, "uid", uid, "verdict",
	    adm_verdict_name(dec->verdict), "enforced", (json_int_t)dec->n_enforced, "warned",
	    (json_int_t)dec->n_warned, "audited", (json_int_t)dec->n_audited, "seconds", seconds);
	if (!line || json_dumpf(line, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF ||
	    fflush(stdout) == EOF)
		log_warning("cannot write the decision log line");
}

static void srv_validate(struct srv *s, struct evhttp_request *req)
{
	double t0 = now_seconds();
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		srv_reply_method(s, req, SRV_PATH_VALIDATE, "POST");
		return;
	}
	struct evkeyvalq *in_h = evhttp_request_get_input_headers(req);
	if (!srv_is_json(evhttp_find_header(in_h, "Content-Type"))) {
		srv_reply_text(s, req, SRV_PATH_VALIDATE, 415,
			       "Content-Type must be application/json");
		srv_observe(s, now_seconds() - t0);
		return;
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	if (n > s->limits->input_max_bytes) {
		srv_reply_text(s, req, SRV_PATH_VALIDATE, 413,
			       "request body exceeds the input-max-bytes limit");
		srv_observe(s, now_seconds() - t0);
		return;
	}
	const char *p = n ? (const char *)evbuffer_pullup(in, -1) : "";
	if (!p) {
		srv_reply_text(s, req, SRV_PATH_VALIDATE, 500, "out of memory");
		srv_observe(s, now_seconds() - t0);
		return;
	}
	_cleanup_buf_ struct buf resp;
	buf_init(&resp, 0);
	struct adm_decision dec = {0};
	struct bh_diag diag = {0};
	int r = adm_review(s->policy, &s->adm, span_make(p, n), s->limits, &resp, &dec, &diag);
	if (r == -EBADMSG || r == -E2BIG) {
		char msg[1200];
		if (!diag.message[0])
			bh_diag_set(&diag, NULL, 0, 0, "%s",
				    r == -E2BIG ? "request exceeds a limit"
						: "malformed AdmissionReview");
		bh_diag_format(&diag, msg, sizeof(msg));
		/* One line: whatever the diagnostic quotes from the input stays on it. */
		for (char *q = msg; *q; q++)
			if (*q == '\n' || *q == '\r')
				*q = ' ';
		srv_reply_text(s, req, SRV_PATH_VALIDATE, 400, msg);
		srv_observe(s, now_seconds() - t0);
		return;
	}
	if (r < 0) {
		log_error_errno(r, "cannot decide an admission request: %m");
		srv_reply_text(s, req, SRV_PATH_VALIDATE, 500, "internal error");
		srv_observe(s, now_seconds() - t0);
		return;
	}
	struct evbuffer *out = evbuffer_new();
	if (!out || evbuffer_add(out, resp.ptr, resp.len) < 0) {
		if (out)
			evbuffer_free(out);
		srv_reply_text(s, req, SRV_PATH_VALIDATE, 500, "out of memory");
		srv_observe(s, now_seconds() - t0);
		return;
	}
	srv_reply(s, req, SRV_PATH_VALIDATE, 200, "application/json", out);
	evbuffer_free(out);
	if ((unsigned)dec.verdict < _ADM_VERDICT_MAX)
		s->m.decisions[dec.verdict]++;
	double dt = now_seconds() - t0;
	srv_observe(s, dt);
	if (s->o->log_decisions)
		srv_log_decision(s, &resp, &dec, dt);
}

static int srv_metrics_render(const struct srv *s, struct evbuffer *b)
{
	const struct srv_metrics *m = &s->m;
	int r = evbuffer_add_printf(b, "# HELP bulkhead_admission_requests_total HTTP requests "
				       "answered by the handler, by path and status code.\n"
				       "# TYPE bulkhead_admission_requests_total counter\n");
	for (size_t p = 0; r >= 0 && p < _SRV_PATH_MAX; p++)
		for (size_t i = 0; r >= 0 && i < SRV_CODES_MAX && m->requests[p][i].code; i++)
			r = evbuffer_add_printf(
			    b, "bulkhead_admission_requests_total{path=\"%s\",code=\"%u\"} %llu\n",
			    srv_path_label[p], m->requests[p][i].code,
			    (unsigned long long)m->requests[p][i].n);
	if (r >= 0)
		r = evbuffer_add_printf(b, "# HELP bulkhead_admission_decisions_total Admission "
					   "decisions by verdict.\n"
					   "# TYPE bulkhead_admission_decisions_total counter\n");
	for (int v = 0; r >= 0 && v < _ADM_VERDICT_MAX; v++)
		r = evbuffer_add_printf(
		    b, "bulkhead_admission_decisions_total{verdict=\"%s\"} %llu\n",
		    adm_verdict_name((enum adm_verdict)v), (unsigned long long)m->decisions[v]);
	if (r >= 0)
		r = evbuffer_add_printf(b,
					"# HELP bulkhead_admission_request_duration_seconds Time "
					"to answer one /validate request once it was read.\n"
					"# TYPE bulkhead_admission_request_duration_seconds "
					"histogram\n");
	uint64_t cum = 0;
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(srv_bucket); i++) {
		cum += m->buckets[i];
		r = evbuffer_add_printf(
		    b, "bulkhead_admission_request_duration_seconds_bucket{le=\"%s\"} %llu\n",
		    srv_bucket_label[i], (unsigned long long)cum);
	}
	if (r >= 0)
		r = evbuffer_add_printf(
		    b,
		    "bulkhead_admission_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
		    "bulkhead_admission_request_duration_seconds_sum %.9f\n"
		    "bulkhead_admission_request_duration_seconds_count %llu\n"
		    "# HELP bulkhead_admission_connections_active Open client connections.\n"
		    "# TYPE bulkhead_admission_connections_active gauge\n"
		    "bulkhead_admission_connections_active %u\n"
		    "# HELP bulkhead_admission_connections_rejected_total Connections over "
		    "--max-connections (answered 503).\n"
		    "# TYPE bulkhead_admission_connections_rejected_total counter\n"
		    "bulkhead_admission_connections_rejected_total %llu\n"
		    "# HELP bulkhead_admission_policy_reloads_total Policy reloads (SIGHUP) by "
		    "result.\n"
		    "# TYPE bulkhead_admission_policy_reloads_total counter\n"
		    "bulkhead_admission_policy_reloads_total{result=\"ok\"} %llu\n"
		    "bulkhead_admission_policy_reloads_total{result=\"error\"} %llu\n",
		    (unsigned long long)m->duration_count, m->duration_sum,
		    (unsigned long long)m->duration_count, s->n_all,
		    (unsigned long long)m->conn_rejected, (unsigned long long)m->reloads_ok,
		    (unsigned long long)m->reloads_error);
	return r < 0 ? -ENOMEM : 0;
}

static void srv_on_request(struct evhttp_request *req, void *u)
{
	struct srv *s = u;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	bool is_get = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;
	enum srv_path which = SRV_PATH_OTHER;
	if (path && streq(path, "/validate"))
		which = SRV_PATH_VALIDATE;
	else if (path && streq(path, "/healthz"))
		which = SRV_PATH_HEALTHZ;
	else if (path && streq(path, "/metrics"))
		which = SRV_PATH_METRICS;

	struct srv_conn *c = srv_conn_of(req);
	if (c)
		srv_conn_arm(c); /* the next request's time starts now */
	if (!c || c->over_limit) {
		(void)evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
		srv_reply_text(s, req, which, 503, "too many connections");
		return;
	}
	switch (which) {
	case SRV_PATH_VALIDATE:
		srv_validate(s, req);
		return;
	case SRV_PATH_HEALTHZ:
		if (!is_get)
			srv_reply_method(s, req, which, "GET, HEAD");
		else
			srv_reply_text(s, req, which, 200, "ok");
		return;
	case SRV_PATH_METRICS: {
		if (!is_get) {
			srv_reply_method(s, req, which, "GET, HEAD");
			return;
		}
		struct evbuffer *b = evbuffer_new();
		if (!b || srv_metrics_render(s, b) < 0) {
			if (b)
				evbuffer_free(b);
			srv_reply_text(s, req, which, 500, "out of memory");
			return;
		}
		srv_reply(s, req, which, 200, "text/plain; version=0.0.4; charset=utf-8", b);
		evbuffer_free(b);
		return;
	}
	default:
		srv_reply_text(s, req, which, 404, "not found");
		return;
	}
}

static void srv_log_policy(const char *what, const struct adm_policy *p)
{
	char desc[1024];
	adm_policy_describe(p, desc, sizeof(desc));
	log_notice("%s: %s", what, desc);
}

/* Load the policy file, or the built-in policy without one. One error line on failure. */
static int srv_policy_load(const struct adm_serve_opts *o, const struct bh_limits *limits,
			   struct adm_policy **ret, char *err, size_t err_size)
{
	if (!o->policy) {
		*ret = adm_policy_default();
		if (!*ret)
			return xsnprintf(err, err_size, "out of memory") ?: -ENOMEM;
		return 0;
	}
	struct bh_diag diag = {0};
	int r = adm_policy_load(o->policy, limits, ret, &diag);
	if (r < 0) {
		if (!diag.message[0])
			bh_diag_set(&diag, o->policy, 0, 0, "%s", strerror(-r));
		bh_diag_format(&diag, err, err_size);
	}
	return r;
}

static void srv_on_hup(evutil_socket_t fd, short what, void *u)
{
	(void)fd, (void)what;
	struct srv *s = u;
	if (!s->o->policy) {
		log_notice("SIGHUP: no --policy file; the built-in policy stays");
		return;
	}
	struct adm_policy *p = NULL;
	char err[1200];
	int r = srv_policy_load(s->o, s->limits, &p, err, sizeof(err));
	if (r < 0) {
		s->m.reloads_error++;
		log_error("policy reload failed, keeping the previous policy: %s", err);
		return;
	}
	adm_policy_free(s->policy);
	s->policy = p;
	s->m.reloads_ok++;
	srv_log_policy("policy reloaded", s->policy);
}

static void srv_on_grace(evutil_socket_t fd, short what, void *u)
{
	(void)fd, (void)what;
	struct srv *s = u;
	(void)event_base_loopbreak(s->base);
}

static void srv_on_stop(evutil_socket_t sig, short what, void *u)
{
	(void)what;
	struct srv *s = u;
	if (s->draining) { /* second signal: stop now */
		(void)event_base_loopbreak(s->base);
		return;
	}
	s->draining = true;
	log_notice("%s: stopping (%u open connections)", sig == SIGINT ? "SIGINT" : "SIGTERM",
		   s->n_all);
	if (s->bound) {
		(void)evhttp_del_accept_socket(s->http, s->bound);
		s->bound = NULL;
	}
	if (s->n_all == 0) {
		(void)event_base_loopbreak(s->base);
		return;
	}
	struct timeval tv = {MIN((time_t)s->o->timeout, (time_t)SRV_GRACE_MAX), 0};
	(void)evtimer_add(s->ev_grace, &tv);
}

/* Offer "http/1.1" in ALPN when the client asks for it; anything else is not acknowledged. */
static int srv_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		    const unsigned char *in, unsigned inlen, void *arg)
{
	(void)ssl, (void)arg;
	for (unsigned i = 0; i < inlen;) {
		unsigned n = in[i];
		if (n > inlen - i - 1)
			break;
		if (n == 8 && memcmp(in + i + 1, "http/1.1", 8) == 0) {
			*out = in + i + 1;
			*outlen = 8;
			return SSL_TLSEXT_ERR_OK;
		}
		i += 1 + n;
	}
	return SSL_TLSEXT_ERR_NOACK;
}

/* One error line for a certificate/key problem, from OpenSSL's error queue. */
static int srv_tls_fail(const char *what, const char *path)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;
	log_error("cannot use %s '%s': %s", what, path, reason ? reason : "invalid");
	ERR_clear_error();
	return -EINVAL;
}

static int srv_check_readable(const char *what, const char *path)
{
	_cleanup_close_ int fd = NERRNO(open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
	if (fd < 0)
		return log_error_errno(fd, "cannot open %s '%s': %m", what, path);
	return 0;
}

static int srv_tls_setup(struct srv *s)
{
	const struct adm_serve_opts *o = s->o;
	int r = srv_check_readable("certificate", o->cert) ?: srv_check_readable("key", o->key);
	if (r < 0)
		return r;
	s->ssl_ctx = SSL_CTX_new(TLS_server_method());
	if (!s->ssl_ctx)
		return log_error_errno(-ENOMEM, "cannot create the TLS context: %m");
	if (!SSL_CTX_set_min_proto_version(s->ssl_ctx, TLS1_2_VERSION))
		return srv_tls_fail("TLS version", "1.2");
	(void)SSL_CTX_set_options(s->ssl_ctx, SSL_OP_NO_RENEGOTIATION |
						  SSL_OP_CIPHER_SERVER_PREFERENCE |
						  SSL_OP_NO_COMPRESSION);
	if (SSL_CTX_use_certificate_chain_file(s->ssl_ctx, o->cert) != 1)
		return srv_tls_fail("certificate", o->cert);
	if (SSL_CTX_use_PrivateKey_file(s->ssl_ctx, o->key, SSL_FILETYPE_PEM) != 1)
		return srv_tls_fail("key", o->key);
	if (SSL_CTX_check_private_key(s->ssl_ctx) != 1)
		return srv_tls_fail("key (it does not match the certificate)", o->key);
	SSL_CTX_set_alpn_select_cb(s->ssl_ctx, srv_alpn, NULL);
	if (srv_conn_idx < 0) {
		srv_conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, srv_conn_free);
		if (srv_conn_idx < 0)
			return log_error_errno(-ENOMEM, "cannot set up TLS connections: %m");
	}
	return 0;
}

/* "HOST:PORT", "[V6]:PORT", ":PORT" (all IPv4 addresses). 0 or -EINVAL. */
static int srv_parse_listen(const char *listen, char **ret_host, uint16_t *ret_port)
{
	struct span in = span_from(listen), host, port;
	if (span_startswith(in, "[")) {
		ssize_t e = span_index(in, ']');
		if (e < 2)
			return -EINVAL;
		host = span_slice(in, 1, (size_t)e - 1);
		struct span rest = span_slice(in, (size_t)e + 1, in.len - (size_t)e - 1);
		if (!span_startswith(rest, ":"))
			return -EINVAL;
		port = span_slice(rest, 1, rest.len - 1);
	} else {
		const char *colon = memrchr(in.ptr, ':', in.len);
		if (!colon)
			return -EINVAL;
		host = span_slice(in, 0, (size_t)(colon - in.ptr));
		port = span_slice(in, host.len + 1, in.len - host.len - 1);
		if (span_index(host, ':') >= 0) /* IPv6 needs brackets */
			return -EINVAL;
		if (host.len == 0)
			host = SPAN_LIT("0.0.0.0");
	}
	for (size_t i = 0; i < host.len; i++)
		if (!ascii_isalnum(host.ptr[i]) && !memchr(".-:%_", host.ptr[i], 5))
			return -EINVAL;
	uint64_t p;
	if (parse_u64(port, 10, 65535, &p) < 0)
		return -EINVAL;
	char *h = span_dup(host);
	if (!h)
		return -ENOMEM;
	*ret_host = h;
	*ret_port = (uint16_t)p;
	return 0;
}

/* Room for max connections plus headroom in RLIMIT_NOFILE (raised up to the hard limit). */
static int srv_fd_budget(struct srv *s)
{
	unsigned headroom = MIN(s->o->max_connections, SRV_HEADROOM_MAX);
	s->hard_cap = s->o->max_connections + headroom;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	rlim_t need = (rlim_t)s->hard_cap + SRV_FD_RESERVE;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? need : MIN(need, rl.rlim_max);
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need)
			return log_error_errno(-EINVAL,
					       "--max-connections %u needs %llu file descriptors, "
					       "the limit is %llu",
					       s->o->max_connections, (unsigned long long)need,
					       (unsigned long long)rl.rlim_cur);
	}
	return 0;
}

static void srv_done(struct srv *s)
{
	s->stopped = true;
	/*
	 * The connections' SSL objects (and with them struct srv_conn) are freed by finalizers
	 * that run inside event_base_free(): their timers go first, while the base is whole.
	 */
	for (struct srv_conn *c = s->conns; c; c = c->next)
		if (c->deadline) {
			event_free(c->deadline);
			c->deadline = NULL;
		}
	if (s->spare) {
		struct srv_conn *c =
		    SSL_get_ex_data(bufferevent_openssl_get_ssl(s->spare), srv_conn_idx);
		if (c && c->deadline) {
			event_free(c->deadline);
			c->deadline = NULL;
		}
	}
	if (s->http)
		evhttp_free(s->http); /* closes the listener and every connection */
	if (s->spare)
		bufferevent_free(s->spare);
	struct event **evs[] = {&s->ev_hup, &s->ev_term, &s->ev_int, &s->ev_retry, &s->ev_grace};
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		if (*evs[i])
			event_free(*evs[i]);
	if (s->base)
		event_base_free(s->base); /* runs the connections' finalizers (SSL_free) */
	if (s->ssl_ctx)
		SSL_CTX_free(s->ssl_ctx);
	adm_policy_free(s->policy);
}

/* Options, certificate or key unusable: -EINVAL (an input error), unless memory ran out. */
static int srv_exit(int r)
{
	return r == -ENOMEM ? -ENOMEM : -EINVAL;
}

int adm_serve(const struct adm_serve_opts *o, const struct bh_limits *limits)
{
	_cleanup_free_ char *host = NULL;
	uint16_t port = 0;
	int r = srv_parse_listen(o->listen, &host, &port);
	if (r < 0) {
		log_error("--listen '%s': expected HOST:PORT or [IPV6]:PORT", o->listen);
		return srv_exit(r);
	}
	struct srv s = {.o = o, .limits = limits, .adm = {.fail_closed = o->fail_closed}};
	int ret = -EIO;
	if ((r = srv_fd_budget(&s)) < 0 || (r = srv_tls_setup(&s)) < 0) {
		ret = srv_exit(r);
		goto out;
	}
	char err[1200];
	if ((r = srv_policy_load(o, limits, &s.policy, err, sizeof(err))) < 0) {
		log_error("%s", err);
		ret = r;
		goto out;
	}

	(void)signal(SIGPIPE, SIG_IGN);
	s.base = event_base_new();
	s.http = s.base ? evhttp_new(s.base) : NULL;
	if (!s.http) {
		log_error_errno(-ENOMEM, "cannot create the HTTP server: %m");
		goto out;
	}
	s.ev_hup = evsignal_new(s.base, SIGHUP, srv_on_hup, &s);
	s.ev_term = evsignal_new(s.base, SIGTERM, srv_on_stop, &s);
	s.ev_int = evsignal_new(s.base, SIGINT, srv_on_stop, &s);
	s.ev_retry = evtimer_new(s.base, srv_on_retry, &s);
	s.ev_grace = evtimer_new(s.base, srv_on_grace, &s);
	if (!s.ev_hup || !s.ev_term || !s.ev_int || !s.ev_retry || !s.ev_grace ||
	    event_add(s.ev_hup, NULL) < 0 || event_add(s.ev_term, NULL) < 0 ||
	    event_add(s.ev_int, NULL) < 0 || srv_spare_make(&s) < 0) {
		log_error_errno(-ENOMEM, "cannot set up the event loop: %m");
		goto out;
	}
	evhttp_set_max_body_size(s.http, (ev_ssize_t)MIN(o->max_body, (uint64_t)INT64_MAX));
	evhttp_set_max_headers_size(s.http, SRV_MAX_HEADERS_BYTES);
	evhttp_set_timeout(s.http, (int)o->timeout);
	evhttp_set_allowed_methods(s.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
					       EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
					       EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(s.http, srv_on_request, &s);
	evhttp_set_bevcb(s.http, srv_on_connection, &s);

	errno = 0;
	s.bound = evhttp_bind_socket_with_handle(s.http, host, port);
	if (!s.bound) {
		r = errno > 0 ? -errno : -EADDRNOTAVAIL;
		log_error_errno(r, "cannot listen on %s: %m", o->listen);
		ret = r == -EACCES || r == -EPERM ? -EIO : r; /* a runtime failure, exit 3 */
		goto out;
	}
	s.listening = true;
	/*
	 * Accepted sockets inherit TCP_NODELAY on Linux: a response is two TLS records (headers,
	 * body), and Nagle plus the client's delayed ACK would hold the second one for 40 ms.
	 */
	int one = 1;
	(void)setsockopt(evhttp_bound_socket_get_fd(s.bound), IPPROTO_TCP, TCP_NODELAY, &one,
			 sizeof(one));
	struct sockaddr_storage ss = {0};
	socklen_t sl = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned real_port = port;
	if (getsockname(evhttp_bound_socket_get_fd(s.bound), (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&ss;
			(void)inet_ntop(AF_INET6, &a6->sin6_addr, addr, sizeof(addr));
			real_port = ntohs(a6->sin6_port);
		} else if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *a4 = (const struct sockaddr_in *)&ss;
			(void)inet_ntop(AF_INET, &a4->sin_addr, addr, sizeof(addr));
			real_port = ntohs(a4->sin_port);
		}
	}
	srv_log_policy("policy", s.policy);
	log_notice("listening on https://%s%s%s:%u (max %u connections, timeout %u s, %s)",
		   ss.ss_family == AF_INET6 ? "[" : "", addr, ss.ss_family == AF_INET6 ? "]" : "",
		   real_port, o->max_connections, o->timeout,
		   o->fail_closed ? "fail-closed" : "fail-open");

	if (event_base_dispatch(s.base) < 0) {
		log_error("the event loop failed");
		goto out;
	}
	log_notice("stopped");
	ret = 0;
out:
	srv_done(&s);
	return ret;
}
