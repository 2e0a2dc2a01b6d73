/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit-head.c — the signed head file next to the audit key (docs/audit-log.md "Head
 * file"). It repeats, outside the store, the last checkpoint written for each store, so
 * that rows and checkpoints removed together from the store still leave a trace. Updates
 * are serialised by flock() on a lock file and are atomic (temporary file + rename).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "audit/audit-int.h"
#include "common/fileio.h"
#include "common/json.h"

#define HEAD_MAX_BYTES (1u << 20)

void audit_head_entries_free(struct audit_head_entry *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++) {
		free(e[i].store);
		free(e[i].genesis);
		store_checkpoint_done(&e[i].cp);
	}
	free(e);
}

static int entry_from_json(const json_t *o, struct audit_head_entry *e)
{
	const char *store = bh_json_str(o, "store"), *genesis = bh_json_str(o, "genesis");
	const char *hash = bh_json_str(o, "hash"), *key_id = bh_json_str(o, "key_id");
	const char *sig = bh_json_str(o, "signature");
	json_t *seq = json_object_get(o, "seq"), *time = json_object_get(o, "time");
	if (!store || !genesis || !hash || !key_id || !sig || !json_is_integer(seq) ||
	    !json_is_integer(time) || json_integer_value(seq) < 1)
		return -EBADMSG;
	*e = (struct audit_head_entry){
	    .store = strdup(store),
	    .genesis = strdup(genesis),
	    .cp = {.seq = json_integer_value(seq),
		   .time = json_integer_value(time),
		   .hash = strdup(hash),
		   .key_id = strdup(key_id),
		   .signature = strdup(sig)},
	};
	if (!e->store || !e->genesis || !e->cp.hash || !e->cp.key_id || !e->cp.signature) {
		free(e->store);
		free(e->genesis);
		store_checkpoint_done(&e->cp);
		return -ENOMEM;
	}
	return 0;
}

static int head_parse(struct span text, struct audit_head_entry **ret, size_t *ret_n)
{
	struct bh_limits limits;
	bh_limits_default(&limits);
	limits.json_max_depth = 8;
	_cleanup_json_ json_t *doc = NULL;
	int r = bh_json_parse(text, &limits, "audit head", &doc, NULL);
	if (r < 0)
		return r == -ENOMEM ? r : -EBADMSG;
	const char *schema = bh_json_str(doc, "schema");
	json_t *heads = bh_json_arr(doc, "heads");
	if (!schema || !streq(schema, AUDIT_HEAD_SCHEMA) || !heads ||
	    json_array_size(heads) > AUDIT_HEAD_MAX_ENTRIES)
		return -EBADMSG;
	size_t n = json_array_size(heads);
	struct audit_head_entry *e = calloc(n ? n : 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r = entry_from_json(json_array_get(heads, i), &e[i]);
		if (r < 0) {
			audit_head_entries_free(e, i);
			return r;
		}
	}
	*ret = e;
	*ret_n = n;
	return 0;
}

int audit_head_read(const char *path, struct audit_head_entry **ret, size_t *ret_n)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = bh_read_file_at(AT_FDCWD, path, 0, HEAD_MAX_BYTES, &b);
	if (r < 0)
		return r;
	return head_parse(buf_span(&b), ret, ret_n);
}

static int entry_to_json(const struct audit_head_entry *e, json_t *arr)
{
	json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	int r = bh_json_set_str(o, "store", e->store) ?: bh_json_set_str(o, "genesis", e->genesis) ?:
		bh_json_set_new(o, "seq", json_integer(e->cp.seq)) ?:
		bh_json_set_new(o, "time", json_integer(e->cp.time)) ?:
		bh_json_set_str(o, "hash", e->cp.hash) ?:
		bh_json_set_str(o, "key_id", e->cp.key_id) ?:
		bh_json_set_str(o, "signature", e->cp.signature);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	return bh_json_append_new(arr, o);
}

static int write_file(const char *path, const struct buf *data)
{
	_cleanup_buf_ struct buf tmp;
	buf_init(&tmp, 0);
	int r = buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	if (r < 0)
		return r;
	(void)unlink(tmp.ptr);
	int fd = NERRNO(open(tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
	if (fd < 0)
		return fd;
	ssize_t w = write(fd, data->ptr, data->len);
	r = w == (ssize_t)data->len ? NERRNO(fsync(fd)) : (w < 0 ? -errno : -ENOSPC);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0)
		r = NERRNO(rename(tmp.ptr, path));
	if (r < 0)
		(void)unlink(tmp.ptr);
	return r;
}

static int entry_time_cmp(const void *x, const void *y)
{
	const struct audit_head_entry *a = x, *b = y;
	return a->cp.time < b->cp.time ? 1 : a->cp.time > b->cp.time ? -1 : 0;
}

int audit_head_update(const char *path, const char *store, const char *genesis,
		      const struct store_checkpoint *cp)
{
	_cleanup_buf_ struct buf lock_path;
	buf_init(&lock_path, 0);
	int r = buf_printf(&lock_path, "%s.lock", path);
	if (r < 0)
		return r;
	_cleanup_close_ int lfd =
	    NERRNO(open(lock_path.ptr, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
	if (lfd < 0)
		return lfd;
	if ((r = NERRNO(flock(lfd, LOCK_EX))) < 0)
		return r;

	struct audit_head_entry *e = NULL;
	size_t n = 0;
	r = audit_head_read(path, &e, &n);
	if (r == -ENOENT || r == -EBADMSG) {
		/* a damaged head file is replaced: verify reports what it can without it */
		e = NULL;
		n = 0;
	} else if (r < 0)
		return r;

	size_t i;
	for (i = 0; i < n; i++)
		if (streq(e[i].genesis, genesis))
			break;
	if (i < n && e[i].cp.seq >= cp->seq && streq(e[i].cp.key_id, cp->key_id)) {
		audit_head_entries_free(e, n);
		return 0; /* never move a head back */
	}
	if (i == n) {
		struct audit_head_entry *ne = reallocarray(e, n + 1, sizeof(*e));
		if (!ne) {
			audit_head_entries_free(e, n);
			return -ENOMEM;
		}
		e = ne;
		e[n++] = (struct audit_head_entry){0};
	} else {
		free(e[i].store);
		free(e[i].genesis);
		store_checkpoint_done(&e[i].cp);
		e[i] = (struct audit_head_entry){0};
	}
	e[i].store = strdup(store);
	e[i].genesis = strdup(genesis);
	e[i].cp = (struct store_checkpoint){.seq = cp->seq,
					    .time = cp->time,
					    .hash = strdup(cp->hash),
					    .key_id = strdup(cp->key_id),
					    .signature = strdup(cp->signature)};
	if (!e[i].store || !e[i].genesis || !e[i].cp.hash || !e[i].cp.key_id ||
	    !e[i].cp.signature) {
		audit_head_entries_free(e, n);
		return -ENOMEM;
	}
	/* newest first; keep the newest AUDIT_HEAD_MAX_ENTRIES */
	qsort(e, n, sizeof(*e), entry_time_cmp);
	size_t keep = MIN(n, (size_t)AUDIT_HEAD_MAX_ENTRIES);

	_cleanup_json_ json_t *doc = json_object();
	json_t *arr = json_array();
	r = !doc || !arr ? -ENOMEM : bh_json_set_str(doc, "schema", AUDIT_HEAD_SCHEMA);
	if (r < 0)
		json_decref(arr);
	else
		r = bh_json_set_new(doc, "heads", arr); /* takes arr, also on failure */
	for (size_t k = 0; r == 0 && k < keep; k++)
		r = entry_to_json(&e[k], arr);
	audit_head_entries_free(e, n);
	if (r < 0)
		return r;
	_cleanup_buf_ struct buf out;
	buf_init(&out, HEAD_MAX_BYTES);
	r = bh_json_dump_buf(doc, &out);
	return r < 0 ? r : write_file(path, &out);
}
