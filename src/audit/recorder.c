/* SPDX-License-Identifier: Apache-2.0 */
/*
 * recorder.c — see recorder.h.
 *
 * The asynchronous recorder: producers (admission worker threads, the sensor's event loop)
 * put malloc'd blocks into a bounded ring under a mutex held for a few instructions; one
 * writer thread takes up to batch_max blocks at a time, turns them into batch items with the
 * producer's build function (the expensive JSON work happens here, off the request path),
 * and delivers them in one store batch (one transaction, one commit). When PostgreSQL cannot
 * be reached the batch goes to the spool instead and the writer retries every retry_ms;
 * once it connects again it delivers the spool, oldest first, before anything newer.
 *
 * The audit writer's private state (src/audit/audit.h, "private state") is touched here, in
 * the same subsystem: around an atomic delivery its cached tail is saved and restored when
 * the batch rolls back, and its periodic checkpoints are held back until the commit.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/recorder.h"
#include "common/hash.h"
#include "common/json.h"
#include "common/strv.h"

#define CNT_ADD(x, v) ((void)__atomic_fetch_add(&(x), (v), __ATOMIC_RELAXED))
#define CNT_GET(x)    __atomic_load_n(&(x), __ATOMIC_RELAXED)

#define DELIVER_ATTEMPTS 5 /* an atomic batch retried on -EEXIST / -EBUSY */

/* ---- batches ------------------------------------------------------------------------------- */

static json_t *str_or_null(const char *v)
{
	return v ? json_string(v) : json_null();
}

json_t *audit_batch_item(const struct store_run *r, const json_t *findings)
{
	const struct store_target *t = &r->target;
	json_t *item = json_pack(
	    "{s:{s:s, s:I, s:{s:o, s:o, s:o, s:o, s:o, s:o}, s:o, s:o}, s:O}", "run", "kind",
	    r->kind, "time", (json_int_t)r->time, "target", "type", str_or_null(t->type), "name",
	    str_or_null(t->name), "digest", str_or_null(t->digest), "cluster",
	    str_or_null(t->cluster), "namespace", str_or_null(t->namespace), "workload",
	    str_or_null(t->workload), "tool", str_or_null(r->tool), "summary",
	    r->summary ? json_deep_copy(r->summary) : json_null(), "findings", findings);
	if (item && r->no_resolve &&
	    json_object_set_new(json_object_get(item, "run"), "no_resolve", json_true()) < 0) {
		json_decref(item);
		return NULL;
	}
	return item;
}

int audit_batch_item_add_record(json_t *item, const char *kind, const char *target,
				const char *actor, const json_t *payload)
{
	if (!kind || !*kind || (payload && !json_is_object(payload)))
		return -EINVAL;
	json_t *list = json_object_get(item, "audit");
	if (!list) {
		list = json_array();
		if (!list || json_object_set_new(item, "audit", list) < 0)
			return -ENOMEM;
	}
	json_t *rec = json_pack("{s:s, s:s, s:s, s:o}", "kind", kind, "target",
				target ? target : "", "actor", actor ? actor : "", "payload",
				payload ? json_deep_copy(payload) : json_object());
	return bh_json_append_new(list, rec) < 0 ? -ENOMEM : 0;
}

/* The run of an item (strings borrowed from it). false when malformed. */
static bool item_run(const json_t *item, struct store_run *ret)
{
	const json_t *r = json_object_get(item, "run"), *t = json_object_get(r, "target");
	const json_t *sum = json_object_get(r, "summary");
	*ret = (struct store_run){
	    .kind = bh_json_str(r, "kind"),
	    .time = (int64_t)json_integer_value(json_object_get(r, "time")),
	    .target = {.type = bh_json_str(t, "type"),
		       .name = bh_json_str(t, "name"),
		       .digest = bh_json_str(t, "digest"),
		       .cluster = bh_json_str(t, "cluster"),
		       .namespace = bh_json_str(t, "namespace"),
		       .workload = bh_json_str(t, "workload")},
	    .tool = bh_json_str(r, "tool"),
	    .summary = json_is_object(sum) ? sum : NULL,
	    .no_resolve = json_is_true(json_object_get(r, "no_resolve")),
	};
	const json_t *audit = json_object_get(item, "audit");
	return ret->kind && ret->target.type && ret->target.name &&
	       json_is_array(json_object_get(item, "findings")) && (!audit || json_is_array(audit));
}

/* A resolved finding is no longer in the run: its last stored object, by id. */
struct last_seen {
	const json_t *wanted; /* id -> true: the resolved ids */
	json_t *by_id;	      /* id -> finding object */
};

static int collect_resolved(void *u, const struct store_finding_state *f)
{
	struct last_seen *x = u;
	if (f->finding && json_object_get(x->wanted, f->id))
		return json_object_set(x->by_id, f->id, f->finding) < 0 ? -ENOMEM : 0;
	return 0;
}

/* One audit record about a finding (new or resolved), as `scan --store` writes them. */
static int audit_finding(struct audit_writer *w, const char *kind, const char *id,
			 const json_t *by_id, const struct store_run *run, int64_t run_id)
{
	const json_t *found = json_object_get(by_id, id);
	_cleanup_json_ json_t *p =
	    json_pack("{s:s, s:I, s:s, s:s}", "finding", id, "run", (json_int_t)run_id, "run_kind",
		      run->kind, "target_type", run->target.type ? run->target.type : "");
	if (!p)
		return -ENOMEM;
	if (found) {
		const json_t *rule = json_object_get(found, "rule");
		if (bh_json_set_str(p, "rule", bh_json_str(rule, "id")) < 0 ||
		    bh_json_set_str(p, "severity", bh_json_str(found, "severity")) < 0 ||
		    bh_json_set_str(p, "kind", bh_json_str(found, "kind")) < 0 ||
		    bh_json_set_str(p, "message", bh_json_str(found, "message")) < 0)
			return -ENOMEM;
	}
	return audit_append(w, kind, run->target.name, run->tool, p, NULL);
}

/*
 * The audit records of a command's run: finding.new, finding.resolved, run.recorded. Findings
 * are looked up by id through hash maps (a cluster check has tens of thousands).
 */
static int command_records(struct store *s, struct audit_writer *w, const struct store_run *rr,
			   const json_t *findings, const struct store_record_result *res)
{
	_cleanup_json_ json_t *current = json_object(), *resolved = json_object(),
			      *wanted = json_object();
	int r = current && resolved && wanted ? 0 : -ENOMEM;
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f)
	{
		const char *id = bh_json_str(f, "id");
		if (r >= 0 && id && json_object_set(current, id, f) < 0)
			r = -ENOMEM;
	}
	for (size_t k = 0; r >= 0 && k < res->n_resolved; k++)
		if (json_object_set_new(wanted, res->resolved_ids[k], json_true()) < 0)
			r = -ENOMEM;
	struct last_seen ls = {.wanted = wanted, .by_id = resolved};
	struct store_finding_query q = {.run_kind = rr->kind, .target = rr->target.name};
	if (r >= 0 && res->n_resolved)
		r = store_findings_foreach(s, &q, collect_resolved, &ls);
	for (size_t k = 0; r >= 0 && k < res->n_new; k++)
		r = audit_finding(w, "finding.new", res->new_ids[k], current, rr, res->run_id);
	for (size_t k = 0; r >= 0 && k < res->n_resolved; k++)
		r = audit_finding(w, "finding.resolved", res->resolved_ids[k], resolved, rr,
				  res->run_id);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *p =
	    json_pack("{s:I, s:s, s:I, s:I, s:I}", "run", (json_int_t)res->run_id, "kind", rr->kind,
		      "findings", (json_int_t)json_array_size(findings), "new",
		      (json_int_t)res->n_new, "resolved", (json_int_t)res->n_resolved);
	return p ? audit_append(w, "run.recorded", rr->target.name, rr->tool, p, NULL) : -ENOMEM;
}

/* The records an item lists, each payload with the run id added. */
static int listed_records(struct audit_writer *w, const json_t *list, int64_t run_id)
{
	size_t i;
	json_t *rec;
	json_array_foreach(list, i, rec)
	{
		const json_t *payload = json_object_get(rec, "payload");
		_cleanup_json_ json_t *p = payload ? json_deep_copy(payload) : json_object();
		if (!p)
			return -ENOMEM;
		if (!json_is_object(p))
			return -EBADMSG;
		if (json_object_set_new(p, "run", json_integer((json_int_t)run_id)) < 0)
			return -ENOMEM;
		int r = audit_append(w, bh_json_str(rec, "kind"), bh_json_str(rec, "target"),
				     bh_json_str(rec, "actor"), p, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

static int deliver_item(struct store *s, struct audit_writer *w, const json_t *item, size_t index,
			struct bh_diag *diag)
{
	struct store_run run;
	if (!item_run(item, &run)) {
		bh_diag_set(diag, store_name(s), 0, 0, "batch item %zu is malformed", index);
		return -EBADMSG;
	}
	const json_t *findings = json_object_get(item, "findings");
	struct store_record_result res = {0};
	int r = store_record_run(s, &run, findings, &res, diag);
	if (r >= 0) {
		const json_t *list = json_object_get(item, "audit");
		r = list ? listed_records(w, list, res.run_id)
			 : command_records(s, w, &run, findings, &res);
		if (r < 0)
			bh_diag_set(diag, store_name(s), 0, 0, "cannot append to the audit log: %s",
				    store_errmsg(s)[0] ? store_errmsg(s) : strerror(-r));
		else
			log_debug("recorded %s run %lld in %s: %zu findings, %zu new, %zu resolved",
				  run.kind, (long long)res.run_id, store_name(s),
				  json_array_size(findings), res.n_new, res.n_resolved);
	}
	store_record_result_done(&res);
	return r;
}

/* What an atomic delivery must be able to undo in the writer (same subsystem: audit-log.c). */
struct writer_snap {
	bool has_tail, dirty;
	int64_t tail_seq, last_checkpoint_seq;
	char tail_hash[BH_DIGEST_STR_LEN + 1];
};

static void writer_save(const struct audit_writer *w, struct writer_snap *x)
{
	*x = (struct writer_snap){w->has_tail, w->dirty, w->tail_seq, w->last_checkpoint_seq, ""};
	memcpy(x->tail_hash, w->tail_hash, sizeof(x->tail_hash));
}

static void writer_restore(struct audit_writer *w, const struct writer_snap *x)
{
	/* The rows appended in the batch are gone: back to the last committed tail. */
	w->has_tail = false;
	w->dirty = x->dirty;
	w->tail_seq = x->tail_seq;
	w->last_checkpoint_seq = x->last_checkpoint_seq;
	memcpy(w->tail_hash, x->tail_hash, sizeof(w->tail_hash));
}

static uint64_t writer_every(const struct audit_writer *w)
{
	return w->checkpoint_every ? w->checkpoint_every : AUDIT_CHECKPOINT_EVERY_DEFAULT;
}

int audit_batch_deliver(struct store *s, struct audit_writer *w, const json_t *batch, bool atomic,
			size_t *ret_done, struct bh_diag *reterr_diag)
{
	size_t n = json_array_size(batch), done = 0;
	int r = 0;
	if (ret_done)
		*ret_done = 0;
	if (!atomic) {
		for (size_t i = 0; r >= 0 && i < n; i++) {
			r = deliver_item(s, w, json_array_get(batch, i), i, reterr_diag);
			if (r >= 0)
				done++;
		}
		if (ret_done)
			*ret_done = done;
		return r < 0 ? r : 0;
	}
	struct writer_snap snap;
	writer_save(w, &snap);
	uint64_t every = w->checkpoint_every;
	w->checkpoint_every = UINT64_MAX; /* no checkpoint of a row that may still roll back */
	r = store_batch_begin(s);
	if (r < 0)
		bh_diag_set(reterr_diag, store_name(s), 0, 0, "%s",
			    store_errmsg(s)[0] ? store_errmsg(s) : strerror(-r));
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = deliver_item(s, w, json_array_get(batch, i), i, reterr_diag);
	if (r >= 0) {
		r = store_batch_commit(s);
		if (r < 0)
			bh_diag_set(reterr_diag, store_name(s), 0, 0, "cannot commit: %s",
				    store_errmsg(s)[0] ? store_errmsg(s) : strerror(-r));
	} else
		store_batch_rollback(s);
	w->checkpoint_every = every;
	if (r < 0) {
		writer_restore(w, &snap);
		return r;
	}
	if (ret_done)
		*ret_done = n;
	/* The checkpoint the batch held back, when one is due. */
	if (w->key && w->dirty &&
	    (uint64_t)(w->tail_seq - w->last_checkpoint_seq) >= writer_every(w)) {
		int q = audit_writer_flush(w);
		if (q < 0)
			log_debug_errno(q, "audit checkpoint after a batch failed: %m");
	}
	return 0;
}

/* ---- the spool ----------------------------------------------------------------------------- */

bool audit_spec_is_postgres(const char *spec)
{
	return spec &&
	       (strncmp(spec, "postgres://", 11) == 0 || strncmp(spec, "postgresql://", 13) == 0);
}

bool audit_store_unreachable(int r)
{
	return r == -ECONNREFUSED || r == -ETIMEDOUT || r == -EHOSTUNREACH || r == -ECONNRESET;
}

int audit_spool_dir(const char *spec, char **ret)
{
	/* Named after the spec without its password (as store_name()). */
	const char *at = strchr(spec, '@'), *scheme = strstr(spec, "://");
	_cleanup_free_ char *safe = NULL;
	if (at && scheme && at > scheme &&
	    asprintf(&safe, "%.*s%s", (int)(scheme + 3 - spec), spec, at + 1) < 0)
		return -ENOMEM;
	const char *name = safe ? safe : spec;
	_cleanup_free_ char *key = NULL;
	int r = audit_key_default_path(&key);
	if (r < 0)
		return r;
	char *slash = strrchr(key, '/');
	if (slash)
		*slash = '\0';
	char hex[BH_DIGEST_STR_LEN + 1];
	r = bh_sha256_str(name, strlen(name), hex);
	if (r < 0)
		return r;
	_cleanup_free_ char *top = NULL, *dir = NULL;
	if (asprintf(&top, "%s/spool", slash ? key : ".") < 0 ||
	    asprintf(&dir, "%s/%.16s", top, strchr(hex, ':') + 1) < 0)
		return -ENOMEM;
	if ((mkdir(top, 0700) < 0 && errno != EEXIST) || (mkdir(dir, 0700) < 0 && errno != EEXIST))
		return -errno;
	*ret = TAKE_PTR(dir);
	return 0;
}

int audit_spool_write(const char *dir, const json_t *batch)
{
	static unsigned seq; /* atomic: two files of one process in the same nanosecond */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned k = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
	_cleanup_free_ char *tmp = NULL, *final = NULL;
	if (asprintf(&tmp, "%s/.tmp-%d-%u", dir, (int)getpid(), k) < 0 ||
	    asprintf(&final, "%s/%020lld-%09ld-%d-%u.json", dir, (long long)ts.tv_sec, ts.tv_nsec,
		     (int)getpid(), k) < 0)
		return -ENOMEM;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	int r = json_dumpfd(batch, fd, JSON_COMPACT) < 0 ? -EIO : 0;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, final) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int audit_spool_deliver(struct store *s, struct audit_writer *w, const char *dir, size_t *ret_items,
			struct bh_diag *reterr_diag)
{
	if (ret_items)
		*ret_items = 0;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* One deliverer per spool: a second one would record the same files twice. */
	if (flock(dfd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? 0 : -errno;
	int ddup = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	DIR *d = ddup >= 0 ? fdopendir(ddup) : NULL;
	if (!d) {
		int r = -errno;
		if (ddup >= 0)
			(void)close(ddup);
		return r;
	}
	struct strv names = {0};
	struct dirent *de;
	int r = 0;
	while (r >= 0 && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] != '.' && len > 5 && streq(de->d_name + len - 5, ".json"))
			r = strv_push(&names, de->d_name);
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_names);
	for (size_t i = 0; r >= 0 && i < names.n; i++) {
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, names.v[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		json_error_t err;
		_cleanup_json_ json_t *batch = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
		if (!batch && access(path, F_OK) < 0)
			continue; /* delivered by another process meanwhile */
		if (!json_is_array(batch)) {
			bh_diag_set(reterr_diag, path, 0, 0,
				    "not a spooled batch (%s); left in place",
				    batch ? "not an array" : err.text);
			r = -EBADMSG;
			break;
		}
		size_t done = 0;
		struct bh_diag d2 = {0};
		r = audit_batch_deliver(s, w, batch, true, &done, &d2);
		if (r == -EBADMSG) {
			bh_diag_set(reterr_diag, path, 0, 0, "%s; left in place", d2.message);
			break;
		}
		if (r < 0) {
			if (reterr_diag)
				*reterr_diag = d2;
			break;
		}
		(void)unlink(path);
		if (ret_items)
			*ret_items += done;
		log_debug("delivered the %zu runs spooled in %s to %s", done, path, store_name(s));
	}
	strv_done(&names);
	return r < 0 ? r : 0;
}

/* ---- the asynchronous recorder ------------------------------------------------------------- */

struct audit_recorder {
	char *spec, *what, *spool; /* spool: PostgreSQL only */
	char *name;		   /* spec without a password, for messages */
	audit_recorder_build_fn build;
	void *userdata;
	size_t queue_max, queue_max_bytes, batch_max;
	unsigned retry_ms, spool_wait_ms, checkpoint_ms;
	struct bh_limits limits;

	pthread_mutex_t lock;
	pthread_cond_t wake; /* the writer: blocks queued, or stopping */
	pthread_cond_t idle; /* sync/stop: the writer finished what it took */
	void **q;	     /* ring of queue_max blocks */
	size_t *q_size;
	size_t q_head, q_n, q_bytes;
	uint64_t taken, finished; /* blocks taken by the writer / done with (under lock) */
	bool stopping, abandon, exited;
	pthread_t thread;
	bool started;

	/* counters: atomics */
	uint64_t queued, written, dropped, spooled, failed, delivered;
	int64_t last_drop_warn; /* CLOCK_MONOTONIC seconds; atomic */
	bool store_up;		/* atomic */

	/* the writer thread's own */
	struct store *store;
	struct audit_key *key;
	char *head_path;
	struct audit_writer w;
	bool has_writer;
	int64_t next_connect_ms, last_cp_ms;
	bool down_logged;
	int final_error;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void deadline_in(struct timespec *ts, unsigned ms)
{
	(void)clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int audit_recorder_submit_take(struct audit_recorder *r, void *data, size_t bytes)
{
	(void)pthread_mutex_lock(&r->lock);
	int ret = 0;
	if (r->stopping)
		ret = -ESHUTDOWN;
	else if (r->q_n >= r->queue_max || bytes > r->queue_max_bytes - r->q_bytes)
		ret = -ENOBUFS;
	else {
		size_t at = (r->q_head + r->q_n) % r->queue_max;
		r->q[at] = data;
		r->q_size[at] = bytes;
		r->q_n++;
		r->q_bytes += bytes;
		data = NULL;
		if (r->q_n == 1 || r->q_n == r->batch_max)
			(void)pthread_cond_signal(&r->wake);
	}
	(void)pthread_mutex_unlock(&r->lock);
	free(data);
	if (ret == 0) {
		CNT_ADD(r->queued, 1);
		return 0;
	}
	uint64_t n = __atomic_add_fetch(&r->dropped, 1, __ATOMIC_RELAXED);
	if (ret == -ENOBUFS) {
		int64_t now = mono_ms() / 1000, last = CNT_GET(r->last_drop_warn);
		if ((last == 0 || now - last >= 60) &&
		    __atomic_compare_exchange_n(&r->last_drop_warn, &last, now, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			log_warning(
			    "the queue of %s for %s is full (%zu waiting): %llu dropped so far",
			    r->what, r->name, r->queue_max, (unsigned long long)n);
	}
	return ret;
}

void audit_recorder_stats(struct audit_recorder *r, struct audit_recorder_stats *ret)
{
	(void)pthread_mutex_lock(&r->lock);
	size_t depth = r->q_n;
	(void)pthread_mutex_unlock(&r->lock);
	*ret = (struct audit_recorder_stats){
	    .queued = CNT_GET(r->queued),
	    .written = CNT_GET(r->written),
	    .dropped = CNT_GET(r->dropped),
	    .spooled = CNT_GET(r->spooled),
	    .failed = CNT_GET(r->failed),
	    .delivered = CNT_GET(r->delivered),
	    .depth = depth,
	    .store_up = CNT_GET(r->store_up),
	};
}

/* The spec without its password: "scheme://host…" when it has "user:pw@". */
static int safe_name(const char *spec, char **ret)
{
	const char *at = strchr(spec, '@'), *scheme = strstr(spec, "://");
	if (at && scheme && at > scheme)
		return asprintf(ret, "%.*s%s", (int)(scheme + 3 - spec), spec, at + 1) < 0 ? -ENOMEM
											   : 0;
	*ret = strdup(spec);
	return *ret ? 0 : -ENOMEM;
}

static void set_up(struct audit_recorder *r, bool up)
{
	__atomic_store_n(&r->store_up, up, __ATOMIC_RELAXED);
}

/* Checkpoint the chain when one is due (time or count), or always when forced. */
static void maybe_checkpoint(struct audit_recorder *r, bool force)
{
	if (!r->has_writer || !r->w.dirty || !CNT_GET(r->store_up))
		return;
	int64_t now = mono_ms();
	if (!force && now - r->last_cp_ms < (int64_t)r->checkpoint_ms &&
	    (uint64_t)(r->w.tail_seq - r->w.last_checkpoint_seq) < writer_every(&r->w))
		return;
	int q = audit_writer_flush(&r->w);
	if (q < 0) {
		log_warning("%s: cannot checkpoint the audit log: %s, ignoring", r->name,
			    store_errmsg(r->store)[0] ? store_errmsg(r->store) : strerror(-q));
		if (force)
			r->final_error = -EIO;
	}
	r->last_cp_ms = now;
}

/* Deliver the spool of a PostgreSQL store. 0 or the store's -errno. */
static int deliver_spool(struct audit_recorder *r)
{
	if (!r->spool)
		return 0;
	size_t n = 0;
	struct bh_diag d = {0};
	int q = audit_spool_deliver(r->store, &r->w, r->spool, &n, &d);
	if (n) {
		CNT_ADD(r->delivered, n);
		log_notice("%s: delivered %zu spooled runs from %s", r->name, n, r->spool);
	}
	if (q == -EBADMSG) {
		/* A foreign or damaged file stays where it is; everything else goes on. */
		char msg[1200];
		bh_diag_format(&d, msg, sizeof(msg));
		log_warning("%s", msg);
		return 0;
	}
	return q;
}

static void went_down(struct audit_recorder *r, int err)
{
	set_up(r, false);
	r->next_connect_ms = mono_ms() + r->retry_ms;
	if (!r->down_logged)
		log_warning("%s: PostgreSQL unreachable (%s): %s are kept in %s until it is back",
			    r->name, strerror(-err), r->what, r->spool);
	r->down_logged = true;
}

/* Reach the store (open it, deliver the spool) unless it is up; rate-limited. */
static bool writer_connect(struct audit_recorder *r, bool now)
{
	if (CNT_GET(r->store_up))
		return true;
	if (!now && mono_ms() < r->next_connect_ms)
		return false;
	r->next_connect_ms = mono_ms() + r->retry_ms;
	int q = 0;
	if (!r->store) {
		struct bh_diag d = {0};
		q = store_open(r->spec, &r->limits, 0, &r->store, &d);
		if (q >= 0) {
			audit_writer_init(&r->w, r->store, r->key, r->head_path);
			r->has_writer = true;
		} else if (!audit_spec_is_postgres(r->spec) || !audit_store_unreachable(q)) {
			char msg[1200];
			bh_diag_format(&d, msg, sizeof(msg));
			if (!r->down_logged)
				log_error("%s, retrying", msg);
			r->down_logged = true;
			return false;
		}
	}
	if (q >= 0)
		q = deliver_spool(r);
	if (q < 0) {
		if (r->spool && audit_store_unreachable(q))
			went_down(r, q);
		return false;
	}
	if (r->down_logged)
		log_notice("%s: reachable again, recording %s", r->name, r->what);
	r->down_logged = false;
	set_up(r, true);
	return true;
}

/* Spool batch (count blocks) or, without a spool, count them as failed. */
static void spool_or_fail(struct audit_recorder *r, const json_t *batch, size_t blocks)
{
	if (r->spool) {
		int q = audit_spool_write(r->spool, batch);
		if (q >= 0) {
			CNT_ADD(r->spooled, blocks);
			return;
		}
		log_error_errno(q, "%s: cannot spool %zu of %s: %m", r->spool, blocks, r->what);
	} else
		log_error("%s: %zu of %s could not be recorded", r->name, blocks, r->what);
	CNT_ADD(r->failed, blocks);
}

/* One atomic delivery, retried when another writer raced it. */
static int deliver_retry(struct audit_recorder *r, const json_t *batch, struct bh_diag *d)
{
	int q = 0;
	for (unsigned i = 0; i < DELIVER_ATTEMPTS; i++) {
		q = audit_batch_deliver(r->store, &r->w, batch, true, NULL, d);
		if (q != -EEXIST && q != -EBUSY)
			break;
		struct timespec ts = {0, 2000000L << i};
		(void)nanosleep(&ts, NULL);
	}
	return q;
}

/* Write the items of batch, which came from blocks blocks (blocks_of[i]: block of item i). */
static void writer_write(struct audit_recorder *r, json_t *batch, size_t blocks, bool abandon)
{
	if (json_array_size(batch) == 0)
		return;
	if (abandon || !writer_connect(r, false)) {
		if (!abandon && !r->spool)
			log_error("%s: %zu of %s lost: the store cannot be opened", r->name, blocks,
				  r->what);
		if (r->spool)
			spool_or_fail(r, batch, blocks);
		else
			CNT_ADD(r->failed, blocks);
		return;
	}
	struct bh_diag d = {0};
	int q = deliver_retry(r, batch, &d);
	if (q >= 0) {
		CNT_ADD(r->written, blocks);
		maybe_checkpoint(r, false);
		return;
	}
	if (r->spool && audit_store_unreachable(q)) {
		went_down(r, q);
		spool_or_fail(r, batch, blocks);
		return;
	}
	/* Something in the batch is wrong: each item alone, so the others still get in. */
	char msg[1200];
	bh_diag_format(&d, msg, sizeof(msg));
	log_warning("%s: a batch of %s failed (%s); recording its items one by one", r->name,
		    r->what, msg);
	size_t n = json_array_size(batch), ok = 0;
	for (size_t i = 0; i < n; i++) {
		_cleanup_json_ json_t *one = json_array();
		if (!one || json_array_append(one, json_array_get(batch, i)) < 0)
			continue;
		struct bh_diag d1 = {0};
		q = deliver_retry(r, one, &d1);
		if (q >= 0)
			ok++;
		else if (r->spool && audit_store_unreachable(q)) {
			went_down(r, q);
			spool_or_fail(r, one, 1);
			ok++; /* kept */
		} else {
			bh_diag_format(&d1, msg, sizeof(msg));
			log_error("%s: cannot record one of %s: %s", r->name, r->what, msg);
		}
	}
	/* Blocks and items differ only when a block makes several items: count per item. */
	size_t bad = n - ok;
	CNT_ADD(r->written, blocks > bad ? blocks - bad : 0);
	CNT_ADD(r->failed, MIN(bad, blocks));
	maybe_checkpoint(r, false);
}

static void *writer_main(void *u)
{
	struct audit_recorder *r = u;
	void **take = calloc(r->batch_max, sizeof(*take));
	(void)pthread_mutex_lock(&r->lock);
	for (;;) {
		if (!take) {
			r->abandon = true; /* out of memory: nothing can be written */
			break;
		}
		while (r->q_n == 0 && !r->stopping) {
			struct timespec ts;
			deadline_in(&ts, 1000);
			int w = pthread_cond_timedwait(&r->wake, &r->lock, &ts);
			if (w == ETIMEDOUT && r->q_n == 0 && !r->stopping) {
				/* Idle: reconnect (and deliver the spool), checkpoint when due. */
				(void)pthread_mutex_unlock(&r->lock);
				if (r->spool)
					(void)writer_connect(r, false);
				maybe_checkpoint(r, false);
				(void)pthread_mutex_lock(&r->lock);
			}
		}
		if (r->q_n == 0)
			break; /* stopping and drained */
		/* While PostgreSQL is down, gather more per spool file. */
		if (!CNT_GET(r->store_up) && r->spool && !r->stopping) {
			struct timespec ts;
			deadline_in(&ts, r->spool_wait_ms);
			while (r->q_n < r->batch_max && !r->stopping)
				if (pthread_cond_timedwait(&r->wake, &r->lock, &ts) == ETIMEDOUT)
					break;
		}
		size_t n = MIN(r->q_n, r->batch_max);
		for (size_t i = 0; i < n; i++) {
			take[i] = r->q[r->q_head];
			r->q_bytes -= r->q_size[r->q_head];
			r->q_head = (r->q_head + 1) % r->queue_max;
		}
		r->q_n -= n;
		r->taken += n;
		bool abandon = r->abandon;
		(void)pthread_mutex_unlock(&r->lock);

		_cleanup_json_ json_t *batch = json_array();
		size_t built = 0;
		for (size_t i = 0; i < n; i++) {
			int q = batch ? r->build(r->userdata, take[i], batch) : -ENOMEM;
			if (q < 0) {
				CNT_ADD(r->failed, 1);
				log_warning("cannot prepare one of %s for the store: %s, ignoring",
					    r->what, strerror(-q));
			} else
				built++;
			free(take[i]);
		}
		if (batch)
			writer_write(r, batch, built, abandon);

		(void)pthread_mutex_lock(&r->lock);
		r->finished += n;
		(void)pthread_cond_broadcast(&r->idle);
	}
	/* Out of memory above: what is queued cannot be built. */
	while (r->q_n) {
		free(r->q[r->q_head]);
		r->q_head = (r->q_head + 1) % r->queue_max;
		r->q_n--;
		r->finished++;
		CNT_ADD(r->failed, 1);
	}
	(void)pthread_mutex_unlock(&r->lock);
	free(take);
	maybe_checkpoint(r, true);
	(void)pthread_mutex_lock(&r->lock);
	r->exited = true;
	(void)pthread_cond_broadcast(&r->idle);
	(void)pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void recorder_free(struct audit_recorder *r)
{
	if (!r)
		return;
	if (r->has_writer) {
		int q = audit_writer_done(&r->w);
		if (q < 0 && r->store)
			log_debug_errno(q, "final audit checkpoint failed: %m");
	}
	store_close(r->store);
	audit_key_free(r->key);
	free(r->head_path);
	for (size_t i = 0; r->q && i < r->q_n; i++)
		free(r->q[(r->q_head + i) % r->queue_max]);
	free(r->q);
	free(r->q_size);
	free(r->spec);
	free(r->name);
	free(r->what);
	free(r->spool);
	(void)pthread_cond_destroy(&r->wake);
	(void)pthread_cond_destroy(&r->idle);
	(void)pthread_mutex_destroy(&r->lock);
	free(r);
}

int audit_recorder_start(const struct audit_recorder_opts *o, const struct bh_limits *limits,
			 struct audit_recorder **ret, struct bh_diag *reterr_diag)
{
	if (!o->spec || !o->build)
		return -EINVAL;
	_cleanup_free_ char *key_path = NULL;
	struct audit_recorder *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	pthread_condattr_t ca;
	(void)pthread_condattr_init(&ca);
	(void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	(void)pthread_mutex_init(&r->lock, NULL);
	(void)pthread_cond_init(&r->wake, &ca);
	(void)pthread_cond_init(&r->idle, &ca);
	(void)pthread_condattr_destroy(&ca);
	r->build = o->build;
	r->userdata = o->userdata;
	r->queue_max = o->queue_max ? o->queue_max : AUDIT_RECORDER_QUEUE_DEFAULT;
	r->queue_max_bytes =
	    o->queue_max_bytes ? o->queue_max_bytes : AUDIT_RECORDER_QUEUE_BYTES_DEFAULT;
	r->batch_max = o->batch_max ? o->batch_max : AUDIT_RECORDER_BATCH_DEFAULT;
	r->retry_ms = o->retry_ms ? o->retry_ms : 2000;
	r->spool_wait_ms = o->spool_wait_ms ? o->spool_wait_ms : 1000;
	r->checkpoint_ms = o->checkpoint_ms ? o->checkpoint_ms : 10000;
	if (limits)
		r->limits = *limits;
	else
		bh_limits_default(&r->limits);
	r->q = calloc(r->queue_max, sizeof(*r->q));
	r->q_size = calloc(r->queue_max, sizeof(*r->q_size));
	r->spec = strdup(o->spec);
	r->what = strdup(o->what ? o->what : "records");
	int q = r->q && r->q_size && r->spec && r->what ? safe_name(o->spec, &r->name) : -ENOMEM;
	if (q < 0)
		goto fail;

	/* The key signs checkpoints; made on first use (0600). */
	q = audit_key_default_path(&key_path);
	if (q >= 0)
		q = audit_key_load_private(key_path, true, &r->key, NULL, reterr_diag);
	if (q >= 0)
		q = audit_head_path(key_path, &r->head_path);
	if (q < 0) {
		if (reterr_diag && !reterr_diag->message[0])
			bh_diag_set(reterr_diag, key_path ? key_path : "audit key", 0, 0, "%s",
				    strerror(-q));
		goto fail;
	}
	if (audit_spec_is_postgres(o->spec)) {
		q = audit_spool_dir(o->spec, &r->spool);
		if (q < 0) {
			bh_diag_set(reterr_diag, r->name, 0, 0,
				    "cannot make the spool directory: %s", strerror(-q));
			goto fail;
		}
	}
	q = store_open(r->spec, &r->limits, 0, &r->store, reterr_diag);
	if (q < 0 && !(r->spool && audit_store_unreachable(q)))
		goto fail;
	if (q >= 0) {
		audit_writer_init(&r->w, r->store, r->key, r->head_path);
		r->has_writer = true;
		q = deliver_spool(r);
		if (q < 0 && audit_store_unreachable(q))
			went_down(r, q);
		else {
			/* A spool that cannot be delivered now is retried at the next reconnection.
			 */
			if (q < 0)
				log_warning("%s: cannot deliver the spool now: %s", r->name,
					    store_errmsg(r->store)[0] ? store_errmsg(r->store)
								      : strerror(-q));
			set_up(r, true);
		}
	} else
		went_down(r, q);
	r->last_cp_ms = mono_ms();

	/* The writer must not take the process's signals (SIGTERM, SIGHUP, ...). */
	sigset_t all, old;
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	q = -pthread_create(&r->thread, NULL, writer_main, r);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (q < 0) {
		bh_diag_set(reterr_diag, r->name, 0, 0, "cannot start the recorder thread: %s",
			    strerror(-q));
		goto fail;
	}
	r->started = true;
	(void)pthread_setname_np(r->thread, "bh-recorder");
	*ret = r;
	return 0;
fail:
	recorder_free(r);
	return q;
}

int audit_recorder_sync(struct audit_recorder *r, unsigned timeout_ms)
{
	struct timespec ts;
	deadline_in(&ts, timeout_ms);
	int ret = 0;
	(void)pthread_mutex_lock(&r->lock);
	uint64_t target = r->taken + r->q_n;
	if (r->q_n)
		(void)pthread_cond_signal(&r->wake);
	while (r->finished < target && !r->exited)
		if (pthread_cond_timedwait(&r->idle, &r->lock, &ts) == ETIMEDOUT) {
			ret = r->finished < target ? -ETIMEDOUT : 0;
			break;
		}
	(void)pthread_mutex_unlock(&r->lock);
	return ret;
}

int audit_recorder_stop(struct audit_recorder *r, unsigned deadline_ms,
			struct audit_recorder_stats *ret_stats)
{
	if (!r)
		return 0;
	int ret = 0;
	if (r->started) {
		struct timespec ts;
		deadline_in(&ts, deadline_ms);
		(void)pthread_mutex_lock(&r->lock);
		r->stopping = true;
		(void)pthread_cond_signal(&r->wake);
		while (!r->exited)
			if (pthread_cond_timedwait(&r->idle, &r->lock, &ts) == ETIMEDOUT &&
			    !r->exited) {
				/* Past the deadline: spool (or give up) instead of waiting. */
				if (!r->abandon && r->q_n) {
					log_warning("%s: %zu of %s still queued after %u ms: %s",
						    r->name, r->q_n, r->what, deadline_ms,
						    r->spool ? "spooling them"
							     : "they are not recorded");
					if (!r->spool)
						ret = -ETIMEDOUT;
				}
				r->abandon = true;
				deadline_in(&ts, 1000);
			}
		(void)pthread_mutex_unlock(&r->lock);
		(void)pthread_join(r->thread, NULL);
		if (r->final_error < 0 && ret == 0)
			ret = r->final_error;
	}
	if (ret_stats)
		audit_recorder_stats(r, ret_stats);
	recorder_free(r);
	return ret;
}
