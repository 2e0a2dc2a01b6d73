/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.c — see server.h.
 *
 * Threads: --threads workers, each with its own event_base, evhttp and listening socket, all
 * bound to the same address with SO_REUSEPORT so that the kernel spreads new connections over
 * them; a connection stays with the worker that accepted it. The main thread only waits for
 * signals (signalfd; they are blocked in every thread) and for the workers to end: SIGHUP
 * loads the policy and publishes it, SIGTERM/SIGINT set a flag and wake every worker through
 * its eventfd. Nothing of libevent is ever touched from another thread than its base's.
 *
 * Connections: evhttp accepts, and its bufferevent callback hands every new connection a
 * TLS server bufferevent made in advance by that worker (the "spare"), so that a connection
 * can never fall back to plain HTTP when memory is short: while a worker has no spare its
 * listener is paused. Each SSL object carries a struct srv_conn in its ex_data; the ex_data
 * free callback (run when evhttp frees the connection) is where a connection stops counting.
 * Up to --max-connections connections are served (one count shared by all workers); the ones
 * after that, up to a headroom of as many again (at most 64), are answered 503 with
 * "Connection: close"; beyond that the listeners pause and new connections wait in the
 * kernel's backlog. The worker whose connection crosses that cap, either way, wakes the
 * others so that they pause or resume too (each may accept one more connection before it
 * notices: the file-descriptor budget counts one per worker).
 *
 * Shared state: the SSL_CTX (thread-safe), the connection counts (atomics), the current
 * policy (an immutable struct adm_policy in a reference-counted holder: a request takes a
 * reference under a short mutex and drops it after adm_review(), so a reload frees the old
 * policy once the last request using it is done) and the metrics (per worker, written by
 * their worker with relaxed atomics, summed when /metrics is rendered).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
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
#include "common/fileio.h"
#include "common/hash.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "admission/admission.h"
#include "audit/recorder.h"

#define SRV_MAX_HEADERS_BYTES (16 * 1024)
#define SRV_HEADROOM_MAX      64u /* connections answered 503 before the listeners pause */
#define SRV_SPARE_RETRY_MS    100 /* retry making a TLS connection object after ENOMEM */
#define SRV_GRACE_MAX	      5	  /* seconds open connections get after SIGTERM */
#define SRV_FD_RESERVE	      32  /* descriptors kept for everything but connections */
#define SRV_FD_PER_WORKER     4	  /* epoll, listener, eventfd, one connection past the cap */
#define SRV_BACKLOG	      128
#define SRV_RECORD_DRAIN_MS   10000 /* after the last request, the recorder's queue gets this */

/* Counters written by one thread and read by others (relaxed: totals, not ordering). */
#define CNT_ADD(x, v) ((void)__atomic_fetch_add(&(x), (v), __ATOMIC_RELAXED))
#define CNT_GET(x)    __atomic_load_n(&(x), __ATOMIC_RELAXED)

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
	unsigned code; /* 0 = free slot; published (release) after n's first increment */
	uint64_t n;
};

/* One worker's metrics: written by the worker only, read by whichever renders /metrics. */
struct srv_metrics {
	struct srv_code_count requests[_SRV_PATH_MAX][SRV_CODES_MAX];
	uint64_t decisions[_ADM_VERDICT_MAX];
	uint64_t duration_count;		  /* incremented before the bucket */
	uint64_t buckets[ARRAY_SIZE(srv_bucket)]; /* not cumulative; +Inf is duration_count */
	uint64_t duration_ns;
	uint64_t conn_rejected;
};

/* An immutable policy shared by the requests that use it; freed with its last reference. */
struct srv_policy {
	struct adm_policy *p; /* owned */
	unsigned refs;	      /* atomic */
};

struct srv_worker;

struct srv {
	const struct adm_serve_opts *o; /* borrowed */
	const struct bh_limits *limits; /* borrowed */
	struct adm_opts adm;
	SSL_CTX *ssl_ctx;		    /* owned */
	pthread_mutex_t policy_lock;	    /* guards the pointer policy (not the policy) */
	struct srv_policy *policy;	    /* one reference owned; replaced on SIGHUP */
	unsigned n_all;			    /* atomic: open connections of all workers */
	unsigned n_served;		    /* atomic: open connections under --max-connections */
	unsigned hard_cap;		    /* n_all at which the listeners pause */
	bool draining;			    /* atomic: SIGTERM/SIGINT seen */
	bool force;			    /* atomic: a second signal: stop at once */
	uint64_t reloads_ok, reloads_error; /* atomic */
	struct srv_worker *workers;	    /* owned, n_workers of them */
	unsigned n_workers;
	int done_fd; /* owned eventfd: a worker's loop has ended */
	struct audit_recorder *rec;  /* owned: --store, else NULL */
	struct adm_record_ctx rctx;  /* its build function's context */
	uint64_t record_failed;	     /* atomic: blocks that could not be made (out of memory) */
};

/* One event-loop thread; everything in it but m is touched by that thread only. */
struct srv_worker {
	struct srv *s;
	pthread_t thread;
	bool started;			   /* thread running (to be joined) */
	bool failed;			   /* its event loop failed */
	struct event_base *base;	   /* owned */
	struct evhttp *http;		   /* owned */
	struct evhttp_bound_socket *bound; /* owned by http; NULL once closed */
	struct bufferevent *spare;	   /* owned: the next connection's TLS bufferevent */
	struct event *ev_notify, *ev_retry, *ev_grace; /* owned */
	int notify_fd;				       /* owned eventfd: look at srv's state */
	unsigned n_conns;			       /* this worker's open connections */
	struct srv_conn *conns;			       /* open connections (for tear-down) */
	bool listening;
	bool draining; /* has seen srv.draining */
	bool stopped;  /* the loop has ended: tear-down, touch nothing */
	struct srv_metrics m;
};

/* Per-connection state, in the SSL object's ex_data; freed with the SSL object. */
struct srv_conn {
	struct srv_worker *w;
	struct bufferevent *bev;      /* borrowed: the connection's TLS bufferevent */
	struct event *deadline;	      /* owned: the current request must be complete by then */
	struct srv_conn *prev, *next; /* in srv_worker.conns while counted */
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

/* The current policy, with a reference the caller drops with srv_policy_unref(). */
static struct srv_policy *srv_policy_ref(struct srv *s)
{
	(void)pthread_mutex_lock(&s->policy_lock);
	struct srv_policy *sp = s->policy;
	__atomic_add_fetch(&sp->refs, 1, __ATOMIC_RELAXED);
	(void)pthread_mutex_unlock(&s->policy_lock);
	return sp;
}

static void srv_policy_unref(struct srv_policy *sp)
{
	if (!sp || __atomic_sub_fetch(&sp->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	adm_policy_free(sp->p);
	free(sp);
}

/* Wrap a loaded policy (taken) with one reference. NULL on -ENOMEM (the policy is freed). */
static struct srv_policy *srv_policy_new_take(struct adm_policy *p)
{
	struct srv_policy *sp = calloc(1, sizeof(*sp));
	if (!sp) {
		adm_policy_free(p);
		return NULL;
	}
	sp->p = p;
	sp->refs = 1;
	return sp;
}

/* Wake a worker: it re-reads the shared state (stop flags, connection count). */
static void srv_notify(struct srv_worker *w)
{
	uint64_t one = 1;
	ssize_t n = write(w->notify_fd, &one, sizeof(one));
	(void)n; /* EAGAIN: the counter is already non-zero, the worker will look */
}

static void srv_notify_others(struct srv_worker *self)
{
	struct srv *s = self->s;
	for (unsigned i = 0; i < s->n_workers; i++)
		if (&s->workers[i] != self)
			srv_notify(&s->workers[i]);
}

/* Listen when not stopping, a spare TLS object exists and the hard cap is not reached. */
static void srv_update_listener(struct srv_worker *w)
{
	if (w->stopped || !w->bound)
		return;
	bool want = !w->draining && w->spare &&
		    __atomic_load_n(&w->s->n_all, __ATOMIC_RELAXED) < w->s->hard_cap;
	if (want == w->listening)
		return;
	struct evconnlistener *l = evhttp_bound_socket_get_listener(w->bound);
	if ((want ? evconnlistener_enable(l) : evconnlistener_disable(l)) == 0)
		w->listening = want;
}

static void srv_conn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
			  void *argp)
{
	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	struct srv_conn *c = ptr;
	if (!c)
		return;
	struct srv_worker *w = c->w;
	struct srv *s = w->s;
	if (c->deadline)
		event_free(c->deadline);
	if (c->counted) {
		if (c->prev)
			c->prev->next = c->next;
		else
			w->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		w->n_conns--;
		unsigned left = __atomic_sub_fetch(&s->n_all, 1, __ATOMIC_RELAXED);
		if (!c->over_limit)
			(void)__atomic_sub_fetch(&s->n_served, 1, __ATOMIC_RELAXED);
		if (!w->stopped) {
			if (w->draining && w->n_conns == 0)
				(void)event_base_loopbreak(w->base);
			if (left + 1 == s->hard_cap)
				srv_notify_others(w); /* below the cap again: resume */
			srv_update_listener(w);
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
		  c->w->s->o->timeout);
	if (sock >= 0)
		(void)shutdown(sock, SHUT_RDWR);
}

static void srv_conn_arm(struct srv_conn *c)
{
	struct timeval tv = {(time_t)c->w->s->o->timeout, 0};
	(void)evtimer_add(c->deadline, &tv);
}

/* Make the worker's spare TLS bufferevent (fd set later by evhttp). 0 or -ENOMEM. */
static int srv_spare_make(struct srv_worker *w)
{
	if (w->spare)
		return 0;
	SSL *ssl = SSL_new(w->s->ssl_ctx);
	if (!ssl)
		return -ENOMEM;
	struct srv_conn *c = calloc(1, sizeof(*c));
	if (!c || !SSL_set_ex_data(ssl, srv_conn_idx, c)) {
		free(c);
		SSL_free(ssl);
		return -ENOMEM;
	}
	c->w = w;
	/* From here SSL_free() frees c through srv_conn_free(). */
	c->deadline = evtimer_new(w->base, srv_on_deadline, c);
	if (!c->deadline) {
		SSL_free(ssl);
		return -ENOMEM;
	}
	w->spare = bufferevent_openssl_socket_new(w->base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
						  BEV_OPT_CLOSE_ON_FREE);
	if (!w->spare) {
		SSL_free(ssl);
		return -ENOMEM;
	}
	c->bev = w->spare;
	return 0;
}

static void srv_on_retry(evutil_socket_t fd, short what, void *u)
{
	(void)fd, (void)what;
	struct srv_worker *w = u;
	if (srv_spare_make(w) < 0) {
		struct timeval tv = {0, SRV_SPARE_RETRY_MS * 1000};
		(void)evtimer_add(w->ev_retry, &tv);
		return;
	}
	srv_update_listener(w);
}

/* Count one more served connection unless --max-connections are; false: over the limit. */
static bool srv_try_serve(struct srv *s)
{
	unsigned n = __atomic_load_n(&s->n_served, __ATOMIC_RELAXED);
	do {
		if (n >= s->o->max_connections)
			return false;
	} while (!__atomic_compare_exchange_n(&s->n_served, &n, n + 1, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

/* evhttp's bufferevent callback: one per accepted connection. */
static struct bufferevent *srv_on_connection(struct event_base *base, void *u)
{
	(void)base;
	struct srv_worker *w = u;
	struct srv *s = w->s;
	/* The listener is paused whenever there is no spare, so there always is one here. */
	struct bufferevent *bev = TAKE_PTR(w->spare);
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	struct srv_conn *c = SSL_get_ex_data(ssl, srv_conn_idx);
	c->counted = true;
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	srv_conn_arm(c);
	w->n_conns++;
	unsigned n_all = __atomic_add_fetch(&s->n_all, 1, __ATOMIC_RELAXED);
	if (!srv_try_serve(s)) {
		c->over_limit = true;
		CNT_ADD(w->m.conn_rejected, 1);
	}
	if (srv_spare_make(w) < 0) {
		struct timeval tv = {0, SRV_SPARE_RETRY_MS * 1000};
		(void)evtimer_add(w->ev_retry, &tv);
	}
	if (n_all == s->hard_cap)
		srv_notify_others(w); /* the cap is reached: pause */
	srv_update_listener(w);
	return bev;
}

static struct srv_conn *srv_conn_of(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	return ssl ? SSL_get_ex_data(ssl, srv_conn_idx) : NULL;
}

static void srv_count_request(struct srv_worker *w, enum srv_path path, unsigned code)
{
	struct srv_code_count *cc = w->m.requests[path];
	for (size_t i = 0; i < SRV_CODES_MAX; i++) {
		unsigned have = __atomic_load_n(&cc[i].code, __ATOMIC_RELAXED);
		if (have == code) {
			CNT_ADD(cc[i].n, 1);
			return;
		}
		if (have == 0) {
			CNT_ADD(cc[i].n, 1);
			__atomic_store_n(&cc[i].code, code, __ATOMIC_RELEASE);
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
static void srv_reply(struct srv_worker *w, struct evhttp_request *req, enum srv_path path,
		      unsigned code, const char *content_type, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	if (content_type)
		(void)evhttp_add_header(h, "Content-Type", content_type);
	(void)evhttp_add_header(h, "Cache-Control", "no-store");
	struct srv_conn *c = srv_conn_of(req);
	if (w->draining || !c || c->over_limit)
		(void)evhttp_add_header(h, "Connection", "close");
	evhttp_send_reply(req, (int)code, srv_reason(code), body);
	srv_count_request(w, path, code);
}

/* A one-line text/plain response ("message\n"). */
static void srv_reply_text(struct srv_worker *w, struct evhttp_request *req, enum srv_path path,
			   unsigned code, const char *msg)
{
	struct evbuffer *b = evbuffer_new();
	if (b && (evbuffer_add(b, msg, strlen(msg)) < 0 || evbuffer_add(b, "\n", 1) < 0)) {
		evbuffer_free(b);
		b = NULL;
	}
	srv_reply(w, req, path, code, "text/plain; charset=utf-8", b);
	if (b)
		evbuffer_free(b);
}

static void srv_reply_method(struct srv_worker *w, struct evhttp_request *req, enum srv_path path,
			     const char *allow)
{
	(void)evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
	srv_reply_text(w, req, path, 405, "method not allowed");
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

static void srv_observe(struct srv_worker *w, double seconds)
{
	struct srv_metrics *m = &w->m;
	/* The count first: a reader that sees the bucket then sees the count too. */
	CNT_ADD(m->duration_count, 1);
	for (size_t i = 0; i < ARRAY_SIZE(srv_bucket); i++)
		if (seconds <= srv_bucket[i]) {
			(void)__atomic_fetch_add(&m->buckets[i], 1, __ATOMIC_RELEASE);
			break;
		}
	CNT_ADD(m->duration_ns, (uint64_t)(seconds * 1e9 + 0.5));
}

/*
 * --log-decisions: {"time","uid","verdict","enforced","warned","audited","seconds"}, written
 * whole under stdout's lock before the response is sent, so that a client that has its answer
 * finds the line written, and lines from several workers never mix.
 */
static void srv_log_decision(struct srv_worker *w, const struct buf *response,
			     const struct adm_decision *dec, double seconds)
{
	_cleanup_json_ json_t *doc = NULL;
	const char *uid = NULL;
	if (bh_json_parse(buf_span(response), w->s->limits, "response", &doc, NULL) >= 0)
		uid = bh_json_str(bh_json_obj(doc, "response"), "uid");
	char when[32];
	if (bh_format_rfc3339(time(NULL), when, sizeof(when)) < 0)
		when[0] = '\0';
	_cleanup_json_ json_t *line = json_pack(
	    "{s:s, s:s?, s:s, s:I, s:I, s:I, s:f}", "time", when, "uid", uid, "verdict",
	    adm_verdict_name(dec->verdict), "enforced", (json_int_t)dec->n_enforced, "warned",
	    (json_int_t)dec->n_warned, "audited", (json_int_t)dec->n_audited, "seconds", seconds);
	_cleanup_free_ char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
	bool ok = false;
	if (text) {
		flockfile(stdout);
		ok = fputs(text, stdout) != EOF && fputc('\n', stdout) != EOF &&
		     fflush(stdout) != EOF;
		funlockfile(stdout);
	}
	if (!ok)
		log_warning("cannot write the decision log line");
}

static void srv_validate(struct srv_worker *w, struct evhttp_request *req)
{
	struct srv *s = w->s;
	double t0 = now_seconds();
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		srv_reply_method(w, req, SRV_PATH_VALIDATE, "POST");
		return;
	}
	struct evkeyvalq *in_h = evhttp_request_get_input_headers(req);
	if (!srv_is_json(evhttp_find_header(in_h, "Content-Type"))) {
		srv_reply_text(w, req, SRV_PATH_VALIDATE, 415,
			       "Content-Type must be application/json");
		srv_observe(w, now_seconds() - t0);
		return;
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	if (n > s->limits->input_max_bytes) {
		srv_reply_text(w, req, SRV_PATH_VALIDATE, 413,
			       "request body exceeds the input-max-bytes limit");
		srv_observe(w, now_seconds() - t0);
		return;
	}
	const char *p = n ? (const char *)evbuffer_pullup(in, -1) : "";
	if (!p) {
		srv_reply_text(w, req, SRV_PATH_VALIDATE, 500, "out of memory");
		srv_observe(w, now_seconds() - t0);
		return;
	}
	_cleanup_buf_ struct buf resp;
	buf_init(&resp, 0);
	struct adm_decision dec = {0};
	struct bh_diag diag = {0};
	struct srv_policy *sp = srv_policy_ref(s);
	int r = adm_review(sp->p, &s->adm, span_make(p, n), s->limits, &resp, &dec, &diag);
	srv_policy_unref(sp);
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
		srv_reply_text(w, req, SRV_PATH_VALIDATE, 400, msg);
		srv_observe(w, now_seconds() - t0);
		return;
	}
	if (r < 0) {
		log_error_errno(r, "cannot decide an admission request: %m");
		srv_reply_text(w, req, SRV_PATH_VALIDATE, 500, "internal error");
		srv_observe(w, now_seconds() - t0);
		return;
	}
	struct evbuffer *out = evbuffer_new();
	if (!out || evbuffer_add(out, resp.ptr, resp.len) < 0) {
		if (out)
			evbuffer_free(out);
		srv_reply_text(w, req, SRV_PATH_VALIDATE, 500, "out of memory");
		srv_observe(w, now_seconds() - t0);
		return;
	}
	if (s->o->log_decisions)
		srv_log_decision(w, &resp, &dec, now_seconds() - t0);
	if (s->rec) {
		/* A copy into the recorder's queue; the store is written by its own thread. */
		size_t bytes = 0;
		void *block = adm_record_block(span_make(p, n), buf_span(&resp), &dec,
					       (int64_t)time(NULL), &bytes);
		if (!block)
			CNT_ADD(s->record_failed, 1);
		else
			(void)audit_recorder_submit_take(s->rec, block, bytes);
	}
	srv_reply(w, req, SRV_PATH_VALIDATE, 200, "application/json", out);
	evbuffer_free(out);
	if ((unsigned)dec.verdict < _ADM_VERDICT_MAX)
		CNT_ADD(w->m.decisions[dec.verdict], 1);
	srv_observe(w, now_seconds() - t0);
}

/* All workers' metrics summed; request counts merged by status code. */
static void srv_metrics_sum(const struct srv *s, struct srv_metrics *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned k = 0; k < s->n_workers; k++) {
		struct srv_metrics *m = &s->workers[k].m;
		for (size_t p = 0; p < _SRV_PATH_MAX; p++)
			for (size_t i = 0; i < SRV_CODES_MAX; i++) {
				unsigned code =
				    __atomic_load_n(&m->requests[p][i].code, __ATOMIC_ACQUIRE);
				if (!code)
					break;
				uint64_t n = CNT_GET(m->requests[p][i].n);
				for (size_t j = 0; j < SRV_CODES_MAX; j++) {
					struct srv_code_count *cc = &sum->requests[p][j];
					if (cc->code == code || cc->code == 0) {
						cc->code = code;
						cc->n += n;
						break;
					}
				}
			}
		for (size_t v = 0; v < _ADM_VERDICT_MAX; v++)
			sum->decisions[v] += CNT_GET(m->decisions[v]);
		/* The buckets before the count: +Inf is never below the last bucket. */
		for (size_t i = 0; i < ARRAY_SIZE(srv_bucket); i++)
			sum->buckets[i] += __atomic_load_n(&m->buckets[i], __ATOMIC_ACQUIRE);
		sum->duration_count += CNT_GET(m->duration_count);
		sum->duration_ns += CNT_GET(m->duration_ns);
		sum->conn_rejected += CNT_GET(m->conn_rejected);
	}
}

static int srv_metrics_render(const struct srv *s, struct evbuffer *b)
{
	_cleanup_free_ struct srv_metrics *m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	srv_metrics_sum(s, m);
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
		    (unsigned long long)m->duration_count, (double)m->duration_ns / 1e9,
		    (unsigned long long)m->duration_count,
		    __atomic_load_n(&s->n_all, __ATOMIC_RELAXED),
		    (unsigned long long)m->conn_rejected,
		    (unsigned long long)CNT_GET(s->reloads_ok),
		    (unsigned long long)CNT_GET(s->reloads_error));
	if (r >= 0 && s->rec) {
		struct audit_recorder_stats rs;
		audit_recorder_stats(s->rec, &rs);
		r = evbuffer_add_printf(
		    b,
		    "# HELP bulkhead_admission_records_total Decisions for the store, by state: "
		    "queued, written (committed), spooled (PostgreSQL unreachable), dropped (queue "
		    "full), failed, delivered (spooled runs delivered later).\n"
		    "# TYPE bulkhead_admission_records_total counter\n"
		    "bulkhead_admission_records_total{state=\"queued\"} %llu\n"
		    "bulkhead_admission_records_total{state=\"written\"} %llu\n"
		    "bulkhead_admission_records_total{state=\"spooled\"} %llu\n"
		    "bulkhead_admission_records_total{state=\"dropped\"} %llu\n"
		    "bulkhead_admission_records_total{state=\"failed\"} %llu\n"
		    "bulkhead_admission_records_total{state=\"delivered\"} %llu\n"
		    "# HELP bulkhead_admission_records_queue Decisions waiting for the store.\n"
		    "# TYPE bulkhead_admission_records_queue gauge\n"
		    "bulkhead_admission_records_queue %zu\n"
		    "# HELP bulkhead_admission_store_up Whether the store was reached last time.\n"
		    "# TYPE bulkhead_admission_store_up gauge\n"
		    "bulkhead_admission_store_up %d\n",
		    (unsigned long long)rs.queued, (unsigned long long)rs.written,
		    (unsigned long long)rs.spooled, (unsigned long long)rs.dropped,
		    (unsigned long long)(rs.failed + CNT_GET(s->record_failed)),
		    (unsigned long long)rs.delivered, rs.depth, rs.store_up ? 1 : 0);
	}
	return r < 0 ? -ENOMEM : 0;
}

static void srv_on_request(struct evhttp_request *req, void *u)
{
	struct srv_worker *w = u;
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
		srv_reply_text(w, req, which, 503, "too many connections");
		return;
	}
	switch (which) {
	case SRV_PATH_VALIDATE:
		srv_validate(w, req);
		return;
	case SRV_PATH_HEALTHZ:
		if (!is_get)
			srv_reply_method(w, req, which, "GET, HEAD");
		else
			srv_reply_text(w, req, which, 200, "ok");
		return;
	case SRV_PATH_METRICS: {
		if (!is_get) {
			srv_reply_method(w, req, which, "GET, HEAD");
			return;
		}
		struct evbuffer *b = evbuffer_new();
		if (!b || srv_metrics_render(w->s, b) < 0) {
			if (b)
				evbuffer_free(b);
			srv_reply_text(w, req, which, 500, "out of memory");
			return;
		}
		srv_reply(w, req, which, 200, "text/plain; version=0.0.4; charset=utf-8", b);
		evbuffer_free(b);
		return;
	}
	default:
		srv_reply_text(w, req, which, 404, "not found");
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

/* SIGHUP, in the main thread: load, then publish; requests still using the old one finish. */
static void srv_reload(struct srv *s)
{
	if (!s->o->policy) {
		log_notice("SIGHUP: no --policy file; the built-in policy stays");
		return;
	}
	struct adm_policy *p = NULL;
	char err[1200];
	int r = srv_policy_load(s->o, s->limits, &p, err, sizeof(err));
	struct srv_policy *sp = r >= 0 ? srv_policy_new_take(p) : NULL;
	if (r >= 0 && !sp)
		r = xsnprintf(err, sizeof(err), "out of memory") ?: -ENOMEM;
	if (r < 0) {
		CNT_ADD(s->reloads_error, 1);
		log_error("policy reload failed, keeping the previous policy: %s", err);
		return;
	}
	char desc[1024];
	adm_policy_describe(sp->p, desc, sizeof(desc));
	(void)pthread_mutex_lock(&s->policy_lock);
	struct srv_policy *old = s->policy;
	s->policy = sp;
	(void)pthread_mutex_unlock(&s->policy_lock);
	srv_policy_unref(old);
	CNT_ADD(s->reloads_ok, 1);
	log_notice("policy reloaded: %s", desc);
	/* A policy change is an audit event: which file, which content, what it says now. */
	if (s->rec) {
		char sha[BH_DIGEST_STR_LEN + 1] = "";
		struct buf data;
		buf_init(&data, (size_t)s->limits->input_max_bytes);
		if (bh_read_file_at(AT_FDCWD, s->o->policy, 0, (size_t)s->limits->input_max_bytes,
				    &data) >= 0)
			(void)bh_sha256_str(data.ptr, data.len, sha);
		buf_done(&data);
		size_t bytes;
		void *block = adm_record_policy_block(s->o->policy, sha, desc,
						      (int64_t)time(NULL), &bytes);
		if (block)
			(void)audit_recorder_submit_take(s->rec, block, bytes);
	}
}

/* SIGTERM/SIGINT, in the main thread: the workers drain; a second signal stops them now. */
static void srv_stop(struct srv *s, int sig)
{
	if (__atomic_load_n(&s->draining, __ATOMIC_RELAXED))
		__atomic_store_n(&s->force, true, __ATOMIC_RELAXED);
	else {
		__atomic_store_n(&s->draining, true, __ATOMIC_RELAXED);
		log_notice("%s: stopping (%u open connections)",
			   sig == SIGINT ? "SIGINT" : "SIGTERM",
			   __atomic_load_n(&s->n_all, __ATOMIC_RELAXED));
	}
	for (unsigned i = 0; i < s->n_workers; i++)
		srv_notify(&s->workers[i]);
}

static void srv_on_grace(evutil_socket_t fd, short what, void *u)
{
	(void)fd, (void)what;
	struct srv_worker *w = u;
	(void)event_base_loopbreak(w->base);
}

/* The worker was woken: stop, start draining, or pause/resume its listener. */
static void srv_on_notify(evutil_socket_t fd, short what, void *u)
{
	(void)what;
	struct srv_worker *w = u;
	struct srv *s = w->s;
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof(v));
	(void)n;
	if (__atomic_load_n(&s->force, __ATOMIC_RELAXED)) {
		(void)event_base_loopbreak(w->base);
		return;
	}
	if (__atomic_load_n(&s->draining, __ATOMIC_RELAXED) && !w->draining) {
		w->draining = true;
		if (w->bound) {
			(void)evhttp_del_accept_socket(w->http, w->bound);
			w->bound = NULL;
		}
		if (w->n_conns == 0) {
			(void)event_base_loopbreak(w->base);
			return;
		}
		struct timeval tv = {MIN((time_t)s->o->timeout, (time_t)SRV_GRACE_MAX), 0};
		(void)evtimer_add(w->ev_grace, &tv);
		return;
	}
	srv_update_listener(w);
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

/*
 * Room in RLIMIT_NOFILE (raised up to the hard limit) for max connections plus headroom, and
 * per worker its event loop, listener, eventfd and one connection accepted past the cap.
 */
static int srv_fd_budget(struct srv *s)
{
	unsigned headroom = MIN(s->o->max_connections, SRV_HEADROOM_MAX);
	s->hard_cap = s->o->max_connections + headroom;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	rlim_t need =
	    (rlim_t)s->hard_cap + SRV_FD_RESERVE + (rlim_t)s->n_workers * SRV_FD_PER_WORKER;
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

/* Workers: --threads, else the threads limit, else one per online CPU up to 16. */
static unsigned srv_thread_count(const struct adm_serve_opts *o, const struct bh_limits *limits)
{
	if (o->threads)
		return MIN(o->threads, ADM_SERVE_THREADS_MAX);
	if (limits->threads)
		return (unsigned)MIN(limits->threads, (uint64_t)ADM_SERVE_THREADS_MAX);
	int cpus = get_nprocs();
	return cpus < 1 ? 1 : MIN((unsigned)cpus, ADM_SERVE_THREADS_DEFAULT_MAX);
}

/* A worker's event loop, HTTP server and spare connection (no listener yet). 0 or -ENOMEM. */
static int srv_worker_init(struct srv_worker *w, struct srv *s)
{
	w->s = s;
	w->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->notify_fd < 0)
		return -errno;
	w->base = event_base_new();
	w->http = w->base ? evhttp_new(w->base) : NULL;
	if (!w->http)
		return -ENOMEM;
	w->ev_notify = event_new(w->base, w->notify_fd, EV_READ | EV_PERSIST, srv_on_notify, w);
	w->ev_retry = evtimer_new(w->base, srv_on_retry, w);
	w->ev_grace = evtimer_new(w->base, srv_on_grace, w);
	if (!w->ev_notify || !w->ev_retry || !w->ev_grace || event_add(w->ev_notify, NULL) < 0 ||
	    srv_spare_make(w) < 0)
		return -ENOMEM;
	const struct adm_serve_opts *o = s->o;
	evhttp_set_max_body_size(w->http, (ev_ssize_t)MIN(o->max_body, (uint64_t)INT64_MAX));
	evhttp_set_max_headers_size(w->http, SRV_MAX_HEADERS_BYTES);
	evhttp_set_timeout(w->http, (int)o->timeout);
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(w->http, srv_on_request, w);
	evhttp_set_bevcb(w->http, srv_on_connection, w);
	return 0;
}

/*
 * Bind the worker's listening socket to sa; every worker's socket has SO_REUSEPORT when there
 * are several. 0 or -errno of socket()/bind()/listen().
 */
static int srv_worker_listen(struct srv_worker *w, const struct sockaddr *sa, socklen_t len)
{
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE;
	if (w->s->n_workers > 1)
		flags |= LEV_OPT_REUSEABLE_PORT;
	errno = 0;
	struct evconnlistener *l =
	    evconnlistener_new_bind(w->base, NULL, NULL, flags, SRV_BACKLOG, sa, (int)len);
	if (!l)
		return errno > 0 ? -errno : -EADDRNOTAVAIL;
	w->bound = evhttp_bind_listener(w->http, l);
	if (!w->bound) {
		evconnlistener_free(l);
		return -ENOMEM;
	}
	w->listening = true;
	/*
	 * Accepted sockets inherit TCP_NODELAY on Linux: a response is two TLS records (headers,
	 * body), and Nagle plus the client's delayed ACK would hold the second one for 40 ms.
	 */
	int one = 1;
	(void)setsockopt(evconnlistener_get_fd(l), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

static void srv_worker_done(struct srv_worker *w)
{
	w->stopped = true;
	/*
	 * The connections' SSL objects (and with them struct srv_conn) are freed by finalizers
	 * that run inside event_base_free(): their timers go first, while the base is whole.
	 */
	for (struct srv_conn *c = w->conns; c; c = c->next)
		if (c->deadline) {
			event_free(c->deadline);
			c->deadline = NULL;
		}
	if (w->spare) {
		struct srv_conn *c =
		    SSL_get_ex_data(bufferevent_openssl_get_ssl(w->spare), srv_conn_idx);
		if (c && c->deadline) {
			event_free(c->deadline);
			c->deadline = NULL;
		}
	}
	if (w->http)
		evhttp_free(w->http); /* closes the listener and every connection */
	if (w->spare)
		bufferevent_free(w->spare);
	struct event **evs[] = {&w->ev_notify, &w->ev_retry, &w->ev_grace};
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		if (*evs[i])
			event_free(*evs[i]);
	if (w->base)
		event_base_free(w->base); /* runs the connections' finalizers (SSL_free) */
	if (w->notify_fd >= 0)
		(void)close(w->notify_fd);
}

static void *srv_worker_main(void *u)
{
	struct srv_worker *w = u;
	if (event_base_dispatch(w->base) < 0)
		__atomic_store_n(&w->failed, true, __ATOMIC_RELAXED);
	uint64_t one = 1;
	ssize_t n = write(w->s->done_fd, &one, sizeof(one));
	(void)n;
	return NULL;
}

/*
 * The main thread until every worker's loop has ended: signals from sig_fd, ends from
 * done_fd. A worker that ends on its own (its loop failed) stops the others. 0 or -EIO.
 */
static int srv_run(struct srv *s, int sig_fd)
{
	struct pollfd pfd[2] = {{.fd = sig_fd, .events = POLLIN},
				{.fd = s->done_fd, .events = POLLIN}};
	unsigned done = 0;
	int ret = 0;
	while (done < s->n_workers) {
		if (poll(pfd, ARRAY_SIZE(pfd), -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error_errno(-errno, "cannot wait for signals: %m");
			ret = -EIO;
			__atomic_store_n(&s->draining, true, __ATOMIC_RELAXED);
			srv_stop(s, SIGTERM); /* draining already: stops at once */
			break;
		}
		struct signalfd_siginfo si;
		while (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGHUP)
				srv_reload(s);
			else
				srv_stop(s, (int)si.ssi_signo);
		}
		uint64_t v;
		if (read(s->done_fd, &v, sizeof(v)) == (ssize_t)sizeof(v)) {
			done += (unsigned)v;
			if (!__atomic_load_n(&s->draining, __ATOMIC_RELAXED)) {
				ret = -EIO; /* nobody asked it to stop */
				__atomic_store_n(&s->draining, true, __ATOMIC_RELAXED);
				srv_stop(s, SIGTERM);
			}
		}
	}
	for (unsigned i = 0; i < s->n_workers; i++)
		if (__atomic_load_n(&s->workers[i].failed, __ATOMIC_RELAXED))
			ret = -EIO;
	return ret;
}

/* Options, certificate or key unusable: -EINVAL (an input error), unless memory ran out. */
static int srv_exit(int r)
{
	return r == -ENOMEM ? -ENOMEM : -EINVAL;
}

/* Resolve HOST:PORT for a passive socket (the first address, as evhttp would). */
static int srv_resolve(const struct srv *s, const char *host, uint16_t port,
		       struct sockaddr_storage *ret, socklen_t *ret_len)
{
	char service[8];
	int r = xsnprintf(service, sizeof(service), "%u", (unsigned)port);
	if (r < 0)
		return r;
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	r = getaddrinfo(host, service, &hints, &ai);
	if (r != 0) {
		log_error("cannot listen on %s: %s", s->o->listen, gai_strerror(r));
		return r == EAI_MEMORY ? -ENOMEM : -EADDRNOTAVAIL;
	}
	if (ai->ai_addrlen > sizeof(*ret)) {
		freeaddrinfo(ai);
		return -EAFNOSUPPORT;
	}
	memset(ret, 0, sizeof(*ret));
	memcpy(ret, ai->ai_addr, ai->ai_addrlen);
	*ret_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* The address a listener got: text (without brackets) and port. */
static void srv_bound_address(struct srv_worker *w, struct sockaddr_storage *ss, char *addr,
			      size_t addr_size, unsigned *port)
{
	struct evconnlistener *l = evhttp_bound_socket_get_listener(w->bound);
	socklen_t sl = sizeof(*ss);
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)ss, &sl) < 0)
		return;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)ss;
		(void)inet_ntop(AF_INET6, &a6->sin6_addr, addr, (socklen_t)addr_size);
		*port = ntohs(a6->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)ss;
		(void)inet_ntop(AF_INET, &a4->sin_addr, addr, (socklen_t)addr_size);
		*port = ntohs(a4->sin_port);
	}
}

static void srv_set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

/*
 * With SO_REUSEPORT a second server of the same user would share a port that is in use
 * instead of failing to bind it. So first bind a plain socket (SO_REUSEADDR, as every
 * listener has, but not SO_REUSEPORT), which fails when anything listens there. 0 or -errno.
 */
static int srv_port_free(const struct sockaddr *sa, socklen_t len)
{
	_cleanup_close_ int fd = NERRNO(socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (fd < 0)
		return fd;
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int r = NERRNO(bind(fd, sa, len));
	return r < 0 ? r : 0;
}

/* Set up every worker and bind their listeners (port 0: the first one's port for all). */
static int srv_workers_setup(struct srv *s, const char *host, uint16_t port, char *ret_addr,
			     size_t addr_size, unsigned *ret_port)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	int r = srv_resolve(s, host, port, &ss, &sl);
	if (r < 0)
		return r;
	if (port != 0 && s->n_workers > 1 && (r = srv_port_free((struct sockaddr *)&ss, sl)) < 0) {
		log_error_errno(r, "cannot listen on %s: %m", s->o->listen);
		return r == -EACCES || r == -EPERM ? -EIO : r; /* a runtime failure */
	}
	for (unsigned i = 0; i < s->n_workers; i++) {
		struct srv_worker *w = &s->workers[i];
		r = srv_worker_init(w, s);
		if (r < 0)
			return log_error_errno(r, "cannot set up the event loop: %m");
		r = srv_worker_listen(w, (const struct sockaddr *)&ss, sl);
		if (r < 0) {
			log_error_errno(r, "cannot listen on %s: %m", s->o->listen);
			return r == -EACCES || r == -EPERM ? -EIO : r; /* a runtime failure */
		}
		if (i == 0) {
			struct sockaddr_storage got = {0};
			*ret_port = port;
			srv_bound_address(w, &got, ret_addr, addr_size, ret_port);
			srv_set_port(&ss, *ret_port);
		}
	}
	return 0;
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
	struct srv s = {
	    .o = o,
	    .limits = limits,
	    .adm = {.fail_closed = o->fail_closed},
	    .n_workers = srv_thread_count(o, limits),
	    .done_fd = -1,
	};
	(void)pthread_mutex_init(&s.policy_lock, NULL);
	int ret = -EIO, sig_fd = -1;
	sigset_t sigs, old_mask;
	bool masked = false;
	if ((r = srv_fd_budget(&s)) < 0 || (r = srv_tls_setup(&s)) < 0) {
		ret = srv_exit(r);
		goto out;
	}
	char err[1200];
	struct adm_policy *p = NULL;
	if ((r = srv_policy_load(o, limits, &p, err, sizeof(err))) < 0) {
		log_error("%s", err);
		ret = r;
		goto out;
	}
	s.policy = srv_policy_new_take(p);
	s.workers = calloc(s.n_workers, sizeof(*s.workers));
	if (o->store && s.policy && s.workers) {
		s.rctx = (struct adm_record_ctx){.cluster = o->cluster, .limits = limits};
		struct audit_recorder_opts ro = {.spec = o->store,
						 .what = "admission decisions",
						 .build = adm_record_build,
						 .userdata = &s.rctx,
						 .queue_max = o->record_queue};
		struct bh_diag diag = {0};
		r = audit_recorder_start(&ro, limits, &s.rec, &diag);
		if (r < 0) {
			char msg[1200];
			if (!diag.message[0])
				bh_diag_set(&diag, "store", 0, 0, "%s", strerror(-r));
			bh_diag_format(&diag, msg, sizeof(msg));
			log_error("cannot record decisions: %s", msg);
			ret = r == -ENOMEM ? r : -EINVAL;
			goto out;
		}
	}
	if (!s.policy || !s.workers) {
		ret = log_error_errno(-ENOMEM, "cannot set up the server: %m");
		goto out;
	}
	for (unsigned i = 0; i < s.n_workers; i++)
		s.workers[i].notify_fd = -1;

	/* Signals go to the main thread's signalfd only: blocked here, inherited by workers. */
	(void)signal(SIGPIPE, SIG_IGN);
	(void)sigemptyset(&sigs);
	(void)sigaddset(&sigs, SIGHUP);
	(void)sigaddset(&sigs, SIGTERM);
	(void)sigaddset(&sigs, SIGINT);
	masked = pthread_sigmask(SIG_BLOCK, &sigs, &old_mask) == 0;
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	s.done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!masked || sig_fd < 0 || s.done_fd < 0) {
		log_error_errno(-errno, "cannot set up signal handling: %m");
		goto out;
	}
	json_object_seed(0); /* jansson's hash seed, once, before the workers (no-op if set) */

	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned real_port = port;
	if ((r = srv_workers_setup(&s, host, port, addr, sizeof(addr), &real_port)) < 0) {
		ret = r;
		goto out;
	}
	for (unsigned i = 0; i < s.n_workers; i++) {
		r = -pthread_create(&s.workers[i].thread, NULL, srv_worker_main, &s.workers[i]);
		if (r < 0) {
			log_error_errno(r, "cannot start a worker thread: %m");
			__atomic_store_n(&s.draining, true, __ATOMIC_RELAXED);
			srv_stop(&s, SIGTERM);
			for (unsigned k = 0; k < i; k++)
				(void)pthread_join(s.workers[k].thread, NULL);
			goto out;
		}
		s.workers[i].started = true;
		char name[16];
		if (xsnprintf(name, sizeof(name), "bh-admission-%u", MIN(i, 99u)) >= 0)
			(void)pthread_setname_np(s.workers[i].thread, name);
	}
	bool v6 = strchr(addr, ':') != NULL;
	srv_log_policy("policy", s.policy->p);
	log_notice("listening on https://%s%s%s:%u (max %u connections, timeout %u s, %s, "
		   "%u thread%s)",
		   v6 ? "[" : "", addr, v6 ? "]" : "", real_port, o->max_connections, o->timeout,
		   o->fail_closed ? "fail-closed" : "fail-open", s.n_workers,
		   s.n_workers == 1 ? "" : "s");

	r = srv_run(&s, sig_fd);
	bool rec_lost = false;
	for (unsigned i = 0; i < s.n_workers; i++)
		if (s.workers[i].started)
			(void)pthread_join(s.workers[i].thread, NULL);
	if (s.rec) {
		/* Every worker has ended: no decision can be queued any more. */
		struct audit_recorder_stats rs;
		int q = audit_recorder_stop(TAKE_PTR(s.rec), SRV_RECORD_DRAIN_MS, &rs);
		log_notice("recorded decisions: %llu written, %llu spooled, %llu dropped, %llu "
			   "failed",
			   (unsigned long long)rs.written, (unsigned long long)rs.spooled,
			   (unsigned long long)rs.dropped, (unsigned long long)rs.failed);
		if (q < 0) {
			log_error("not every decision could be recorded (see above)");
			rec_lost = true;
		}
	}
	if (r < 0)
		log_error("the event loop failed");
	else
		log_notice("stopped");
	ret = r < 0 ? r : rec_lost ? -EIO : 0;
out:
	(void)audit_recorder_stop(TAKE_PTR(s.rec), 0, NULL);
	for (unsigned i = 0; s.workers && i < s.n_workers; i++)
		srv_worker_done(&s.workers[i]);
	free(s.workers);
	if (s.ssl_ctx)
		SSL_CTX_free(s.ssl_ctx);
	srv_policy_unref(s.policy);
	(void)pthread_mutex_destroy(&s.policy_lock);
	if (s.done_fd >= 0)
		(void)close(s.done_fd);
	if (sig_fd >= 0) {
		struct signalfd_siginfo si;
		while (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			; /* signals that came too late to matter */
		(void)close(sig_fd);
	}
	if (masked)
		(void)pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return ret;
}
