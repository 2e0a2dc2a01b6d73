/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.h — the HTTPS server of `bulkhead admission serve`: libevent's evhttp
 * (HTTP/1.1, keep-alive) over bufferevent_openssl (TLS 1.2+), one event loop per worker
 * thread, the listening sockets bound with SO_REUSEPORT.
 * POST /validate runs adm_review() on each AdmissionReview; /healthz and /metrics
 * (Prometheus text 0.0.4) for the kubelet and for monitoring. SIGHUP reloads the policy
 * file, SIGTERM/SIGINT stop accepting, let open requests finish and end the loop.
 */
#pragma once

#include "common/common.h"

#define ADM_SERVE_THREADS_MAX	      64u /* --threads and the threads limit */
#define ADM_SERVE_THREADS_DEFAULT_MAX 16u /* one worker per online CPU, up to this */

struct adm_serve_opts {
	const char *listen;	  /* borrowed: "HOST:PORT" or "[V6]:PORT"; port 0 = any */
	const char *cert;	  /* borrowed: PEM certificate chain file */
	const char *key;	  /* borrowed: PEM private key file */
	const char *policy;	  /* borrowed: policy file, NULL = built-in default */
	bool fail_closed;	  /* adm_opts.fail_closed */
	bool log_decisions;	  /* one JSON line per decision on stdout */
	unsigned max_connections; /* connections served; more get 503 */
	unsigned timeout;	  /* seconds: idle read/write timeout, TLS handshake included */
	uint64_t max_body;	  /* bytes of one request body; more is 413 */
	unsigned threads;	  /* workers; 0 = limits->threads, else one per CPU (max 16) */
	const char *store;	  /* borrowed: record every decision there (NULL: not recorded) */
	const char *cluster;	  /* borrowed: the cluster name of recorded runs (NULL: none) */
	size_t record_queue;	  /* decisions waiting for the store; 0 = the recorder's default */
};

/*
 * Run the server until SIGTERM/SIGINT; every failure is logged as one line first. SIGHUP,
 * SIGTERM and SIGINT are blocked while it runs (the calling thread reads them from a
 * signalfd), and the workers are threads of this process. 0 after a
 * clean stop; -EINVAL, -ENOENT, -EBADMSG, -E2BIG when the options, certificate, key or
 * policy are unusable (input errors); -ENOMEM, -EIO, -EADDRINUSE, ... on a runtime failure
 * (cannot bind, out of memory, the event loop failed).
 */
int adm_serve(const struct adm_serve_opts *o, const struct bh_limits *limits);
