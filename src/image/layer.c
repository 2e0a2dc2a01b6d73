/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layer.c — stream one image layer: read the blob, verify its digest, decompress it
 * (gzip with ISA-L's igzip, zstd with libzstd), verify the diff_id of the tar stream,
 * and index its entries with libarchive's tar reader. Nothing is written to disk.
 *
 * Two threads per layer form a pipeline: the producer reads the compressed blob,
 * hashes it and inflates it into a small ring of chunks; the consumer (the caller's
 * thread) hashes the tar stream and feeds it to libarchive, capturing the files that
 * catalogers want. Bombs are stopped by the producer: per-layer and per-image
 * uncompressed size, and the decompression ratio once past ratio-min-bytes.
 * The tar stream is hashed to its very end, past the end-of-archive blocks, because
 * the diff_id covers every byte.
 */
#include <archive.h>
#include <archive_entry.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <zstd.h>

#include "image/catalogers/catalog.h"
#include "image/image-int.h"

#define CHUNK_IN (1u << 20)
#define CHUNK_OUT (1u << 20)
#define RING 4

struct chunk {
	unsigned char *data;
	size_t len;
};

struct pipe {
	/* fixed for the layer */
	const struct img_region *src;
	enum img_compression comp;
	struct img_read_shared *shared;
	const struct bh_limits *limits;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct chunk ring[RING];
	unsigned head, count; /* filled chunks: ring[head .. head+count) */
	bool eof;             /* producer finished (err says how) */
	bool stop;            /* consumer gave up */
	int err;              /* producer's result */
	char errmsg[256];
	unsigned held;        /* consumer holds ring[held] until its next read */
	bool holding;

	/* producer results */
	uint64_t bytes_in, bytes_out;
	char digest[BH_DIGEST_STR_LEN + 1];

	/* consumer state */
	struct bh_sha256 tar_hash;
	uint64_t consumed;
	void *visit; /* the visitor's state for this layer, when shared->visitor is set */
};

static bool cancelled(struct pipe *p)
{
	return __atomic_load_n(&p->shared->cancel, __ATOMIC_RELAXED) != 0;
}

/* Producer: wait for a free slot; returns its buffer or NULL when told to stop. */
static unsigned char *slot_get(struct pipe *p, unsigned *ret_idx)
{
	pthread_mutex_lock(&p->lock);
	while (p->count >= RING && !p->stop)
		pthread_cond_wait(&p->cond, &p->lock);
	bool stop = p->stop;
	unsigned idx = (p->head + p->count) % RING;
	pthread_mutex_unlock(&p->lock);
	if (stop || cancelled(p))
		return NULL;
	*ret_idx = idx;
	return p->ring[idx].data;
}

static void slot_put(struct pipe *p, size_t len)
{
	pthread_mutex_lock(&p->lock);
	unsigned idx = (p->head + p->count) % RING;
	p->ring[idx].len = len;
	p->count++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void produce_finish(struct pipe *p, int err)
{
	pthread_mutex_lock(&p->lock);
	p->eof = true;
	p->err = err;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static int account_out(struct pipe *p, size_t n)
{
	p->bytes_out += n;
	const struct bh_limits *l = p->limits;
	if (p->bytes_out > l->layer_max_bytes) {
		(void)xsnprintf(p->errmsg, sizeof(p->errmsg),
				"layer inflates to more than %llu bytes (layer-max-bytes)",
				(unsigned long long)l->layer_max_bytes);
		return -E2BIG;
	}
	uint64_t total = __atomic_add_fetch(&p->shared->bytes_out, n, __ATOMIC_RELAXED);
	if (total > l->image_max_bytes) {
		(void)xsnprintf(p->errmsg, sizeof(p->errmsg),
				"image inflates to more than %llu bytes (image-max-bytes)",
				(unsigned long long)l->image_max_bytes);
		return -E2BIG;
	}
	if (p->comp != IMG_COMP_NONE && p->bytes_out > l->ratio_min_bytes &&
	    p->bytes_out / (p->bytes_in ? p->bytes_in : 1) > l->ratio_max) {
		(void)xsnprintf(p->errmsg, sizeof(p->errmsg),
				"decompression ratio above %llu:1 after %llu bytes (ratio-max): "
				"a decompression bomb",
				(unsigned long long)l->ratio_max, (unsigned long long)p->bytes_out);
		return -E2BIG;
	}
	if (p->shared->progress)
		bh_progress_add(p->shared->progress, 0);
	return 0;
}

/* Read the next piece of the compressed blob; 0 at the end of the region. */
static ssize_t read_in(struct pipe *p, unsigned char *buf, size_t size, struct bh_sha256 *h)
{
	uint64_t left = p->src->length - p->bytes_in;
	if (left == 0)
		return 0;
	if (size > left)
		size = (size_t)left;
	for (;;) {
		ssize_t n = pread(p->src->fd, buf, size, (off_t)(p->src->offset + p->bytes_in));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			(void)xsnprintf(p->errmsg, sizeof(p->errmsg), "read error: %s", strerror(errno));
			return -EIO;
		}
		if (n == 0) {
			(void)xsnprintf(p->errmsg, sizeof(p->errmsg),
					"blob is shorter than its declared %llu bytes",
					(unsigned long long)p->src->length);
			return -EBADMSG;
		}
		bh_sha256_update(h, buf, (size_t)n);
		p->bytes_in += (uint64_t)n;
		if (p->shared->progress)
			bh_progress_add(p->shared->progress, (uint64_t)n);
		return n;
	}
}

static bool all_zero(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static int produce_none(struct pipe *p, struct bh_sha256 *h)
{
	for (;;) {
		unsigned idx;
		unsigned char *out = slot_get(p, &idx);
		if (!out)
			return -ECANCELED;
		ssize_t n = read_in(p, out, CHUNK_OUT, h);
		if (n <= 0)
			return (int)n;
		int r = account_out(p, (size_t)n);
		if (r < 0)
			return r;
		slot_put(p, (size_t)n);
	}
}

static int produce_gzip(struct pipe *p, struct bh_sha256 *h, unsigned char *in)
{
	struct inflate_state *st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	isal_inflate_init(st);
	st->crc_flag = ISAL_GZIP;
	int r = 0;
	bool member_done = false, any_member = false;
	st->avail_in = 0;
	for (;;) {
		if (st->avail_in == 0) {
			ssize_t n = read_in(p, in, CHUNK_IN, h);
			if (n < 0) {
				r = (int)n;
				break;
			}
			if (n == 0) {
				if (!member_done) {
					(void)xsnprintf(p->errmsg, sizeof(p->errmsg),
							"truncated gzip stream");
					r = -EBADMSG;
				}
				break;
			}
			st->next_in = in;
			st->avail_in = (uint32_t)n;
		}
		if (member_done) {
			/* Another member may follow (concatenated gzip); zero padding is tolerated. */
			if (st->avail_in >= 2 && st->next_in[0] == 0x1f && st->next_in[1] == 0x8b) {
				uint8_t *ni = st->next_in;
				uint32_t ai = st->avail_in;
				isal_inflate_reset(st);
				st->crc_flag = ISAL_GZIP;
				st->next_in = ni;
				st->avail_in = ai;
				member_done = false;
			} else if (all_zero(st->next_in, st->avail_in)) {
				st->avail_in = 0;
				continue;
			} else {
				(void)xsnprintf(p->errmsg, sizeof(p->errmsg),
						"garbage after the end of the gzip stream");
				r = -EBADMSG;
				break;
			}
		}
		unsigned idx;
		unsigned char *out = slot_get(p, &idx);
		if (!out) {
			r = -ECANCELED;
			break;
		}
		st->next_out = out;
		st->avail_out = CHUNK_OUT;
		int ir = isal_inflate(st);
		if (ir < 0) {
			(void)xsnprintf(p->errmsg, sizeof(p->errmsg), "corrupt gzip stream (igzip error %d)",
					ir);
			r = -EBADMSG;
			break;
		}
		size_t produced = CHUNK_OUT - st->avail_out;
		if (st->block_state == ISAL_BLOCK_FINISH) {
			member_done = true;
			any_member = true;
		}
		if (produced) {
			r = account_out(p, produced);
			if (r < 0)
				break;
			slot_put(p, produced);
		}
	}
	(void)any_member;
	free(st);
	return r;
}

static int produce_zstd(struct pipe *p, struct bh_sha256 *h, unsigned char *in)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	if (!z)
		return -ENOMEM;
	/* At most a 128 MiB window: bounded memory whatever the frame header asks for. */
	(void)ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 27);
	ZSTD_inBuffer ib = { in, 0, 0 };
	size_t last = 1;
	int r = 0;
	bool input_done = false;
	for (;;) {
		if (ib.pos == ib.size && !input_done) {
			ssize_t n = read_in(p, in, CHUNK_IN, h);
			if (n < 0) {
				r = (int)n;
				break;
			}
			if (n == 0)
				input_done = true;
			ib.size = (size_t)n;
			ib.pos = 0;
		}
		if (input_done && ib.pos == ib.size) {
			if (last != 0) {
				(void)xsnprintf(p->errmsg, sizeof(p->errmsg), "truncated zstd stream");
				r = -EBADMSG;
			}
			break;
		}
		unsigned idx;
		unsigned char *out = slot_get(p, &idx);
		if (!out) {
			r = -ECANCELED;
			break;
		}
		ZSTD_outBuffer ob = { out, CHUNK_OUT, 0 };
		last = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(last)) {
			(void)xsnprintf(p->errmsg, sizeof(p->errmsg), "corrupt zstd stream: %s",
					ZSTD_getErrorName(last));
			r = -EBADMSG;
			break;
		}
		if (ob.pos) {
			r = account_out(p, ob.pos);
			if (r < 0)
				break;
			slot_put(p, ob.pos);
		}
	}
	ZSTD_freeDStream(z);
	return r;
}

static void *producer(void *arg)
{
	struct pipe *p = arg;
	struct bh_sha256 h;
	int r = bh_sha256_init(&h);
	if (r < 0) {
		produce_finish(p, r);
		return NULL;
	}
	unsigned char *in = malloc(CHUNK_IN);
	if (!in) {
		bh_sha256_done(&h);
		produce_finish(p, -ENOMEM);
		return NULL;
	}
	enum img_compression comp = p->comp;
	if (comp == IMG_COMP_AUTO) {
		unsigned char magic[4] = { 0 };
		ssize_t n = p->src->length >= 4 ? pread(p->src->fd, magic, 4, (off_t)p->src->offset)
						: 0;
		if (n == 4 && magic[0] == 0x1f && magic[1] == 0x8b)
			comp = IMG_COMP_GZIP;
		else if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
			 magic[3] == 0xfd)
			comp = IMG_COMP_ZSTD;
		else
			comp = IMG_COMP_NONE;
		p->comp = comp;
	}
	switch (comp) {
	case IMG_COMP_GZIP:
		r = produce_gzip(p, &h, in);
		break;
	case IMG_COMP_ZSTD:
		r = produce_zstd(p, &h, in);
		break;
	default:
		r = produce_none(p, &h);
		break;
	}
	free(in);
	if (r == -EBADMSG) {
		/*
		 * The stream is corrupt. Hash the rest of the blob anyway: when its digest does
		 * not match the descriptor, that is the root cause to report.
		 */
		unsigned char rest[65536];
		while (p->bytes_in < p->src->length && read_in(p, rest, sizeof(rest), &h) > 0)
			;
		if (p->bytes_in == p->src->length) {
			bh_sha256_final_str(&h, p->digest);
			produce_finish(p, r);
			return NULL;
		}
	}
	if (r >= 0 && p->bytes_in != p->src->length) {
		/* The stream ended before the blob did: hash the rest, it must be padding. */
		unsigned char tail[65536];
		while (r >= 0 && p->bytes_in < p->src->length) {
			ssize_t n = read_in(p, tail, sizeof(tail), &h);
			if (n <= 0) {
				r = n < 0 ? (int)n : -EBADMSG;
				break;
			}
			if (!all_zero(tail, (size_t)n)) {
				(void)xsnprintf(p->errmsg, sizeof(p->errmsg),
						"data after the end of the compressed stream");
				r = -EBADMSG;
			}
		}
	}
	if (r >= 0)
		bh_sha256_final_str(&h, p->digest);
	else
		bh_sha256_done(&h);
	produce_finish(p, r);
	return NULL;
}

/* Consumer: give the held chunk back and take the next one. 1 = got data, 0 = end, <0 = error. */
static int take_chunk(struct pipe *p, const void **ret, size_t *ret_len)
{
	pthread_mutex_lock(&p->lock);
	if (p->holding) {
		p->holding = false;
		p->head = (p->head + 1) % RING;
		p->count--;
		pthread_cond_broadcast(&p->cond);
	}
	while (p->count == 0 && !p->eof)
		pthread_cond_wait(&p->cond, &p->lock);
	int r;
	if (p->count > 0) {
		struct chunk *c = &p->ring[p->head];
		p->holding = true;
		*ret = c->data;
		*ret_len = c->len;
		r = 1;
	} else
		r = p->err < 0 ? p->err : 0;
	pthread_mutex_unlock(&p->lock);
	if (r == 1) {
		bh_sha256_update(&p->tar_hash, *ret, *ret_len);
		p->consumed += *ret_len;
	}
	return r;
}

static la_ssize_t ar_read(struct archive *a, void *userdata, const void **buf)
{
	struct pipe *p = userdata;
	size_t len = 0;
	int r = take_chunk(p, buf, &len);
	if (r < 0) {
		archive_set_error(a, -r, "layer stream failed");
		return -1;
	}
	return r == 0 ? 0 : (la_ssize_t)len;
}

static void stop_producer(struct pipe *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void img_layer_index_free(struct img_layer_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i < idx->n; i++)
		img_file_done(&idx->entries[i].file);
	free(idx->entries);
	free(idx);
}

static enum img_ftype ftype_of(struct archive_entry *e)
{
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		return IMG_FT_REG;
	case AE_IFDIR:
		return IMG_FT_DIR;
	case AE_IFLNK:
		return IMG_FT_SYMLINK;
	case AE_IFCHR:
		return IMG_FT_CHAR;
	case AE_IFBLK:
		return IMG_FT_BLOCK;
	case AE_IFIFO:
		return IMG_FT_FIFO;
	default:
		return IMG_FT_OTHER;
	}
}

/*
 * Give one regular file to the visitor: the captured bytes when a cataloger took them,
 * else the entry's data blocks straight from libarchive (no copy). Holes of sparse entries
 * are not given. 0, or -errno with diag filled.
 */
static int visit_file(struct archive *a, struct pipe *p, const struct img_file *f,
		      const unsigned char *captured, size_t captured_len, struct bh_diag *diag)
{
	const struct img_visitor *v = p->shared->visitor;
	int r = v->file_begin(p->visit, f->path, f->mode, f->size);
	if (r <= 0)
		goto out;
	if (captured)
		r = captured_len ? v->file_data(p->visit, captured, captured_len) : 0;
	else
		for (;;) {
			const void *blk;
			size_t n;
			la_int64_t off;
			int ar = archive_read_data_block(a, &blk, &n, &off);
			if (ar == ARCHIVE_EOF)
				break;
			if (ar < ARCHIVE_WARN) {
				bh_diag_set(diag, p->src->name, 0, 0, "cannot read '%s': %s", f->path,
					    archive_error_string(a));
				return -EBADMSG;
			}
			if (n && (r = v->file_data(p->visit, blk, n)) != 0)
				break;
		}
	if (r >= 0)
		r = v->file_end(p->visit);
out:
	if (r < 0)
		bh_diag_set(diag, p->src->name, 0, 0, "cannot scan '%s': %s", f->path, strerror(-r));
	return r < 0 ? r : 0;
}

/* Index one tar entry. Returns 0, or -errno with diag filled. */
static int index_entry(struct archive *a, struct archive_entry *e, struct pipe *p,
		       struct img_layer_index *idx, int layer_no, struct buf *path,
		       struct bh_diag *diag)
{
	const struct bh_limits *l = p->limits;
	const char *name = archive_entry_pathname(e);
	const char *src = p->src->name;
	if (!name || !*name) {
		bh_diag_set(diag, src, 0, 0, "tar entry without a name");
		return -EBADMSG;
	}
	if (__atomic_add_fetch(&p->shared->entries, 1, __ATOMIC_RELAXED) > l->max_entries) {
		bh_diag_set(diag, src, 0, 0, "more than %llu entries in the image (max-entries)",
			    (unsigned long long)l->max_entries);
		return -E2BIG;
	}
	if (name[0] == '/') {
		bh_diag_set(diag, src, 0, 0, "entry '%.200s' has an absolute path", name);
		return -EBADMSG;
	}
	int r = img_path_normalize(span_from(name), l, path);
	if (r == -EBADMSG) {
		bh_diag_set(diag, src, 0, 0, "entry '%.200s' has a '..' component or a NUL byte", name);
		return r;
	}
	if (r == -E2BIG) {
		bh_diag_set(diag, src, 0, 0,
			    "entry '%.100s…' is longer than %llu bytes or deeper than %llu components "
			    "(path-max-bytes, path-max-depth)",
			    name, (unsigned long long)l->path_max_bytes,
			    (unsigned long long)l->path_max_depth);
		return r;
	}
	if (r < 0)
		return r;
	if (path->len == 0)
		return 0; /* "./" itself: the root carries no information we keep */

	struct img_layer_entry ent = { .kind = IMG_ENTRY_FILE };
	struct span full = buf_span(path);
	const char *slash = memrchr(full.ptr, '/', full.len);
	struct span base = slash ? span_make(slash + 1, full.len - (size_t)(slash + 1 - full.ptr)) : full;
	if (span_startswith(base, ".wh.")) {
		size_t dir_len = slash ? (size_t)(slash - full.ptr) : 0;
		if (span_eq_str(base, ".wh..wh..opq")) {
			ent.kind = IMG_ENTRY_OPAQUE;
			path->len = dir_len;
			path->ptr[dir_len] = '\0';
		} else if (span_startswith(base, ".wh..wh.")) {
			return 0; /* aufs bookkeeping (.wh..wh.plnk etc.): not part of the file system */
		} else {
			struct span victim = span_slice(base, 4, SIZE_MAX);
			if (victim.len == 0 || span_eq_str(victim, ".") || span_eq_str(victim, "..")) {
				bh_diag_set(diag, src, 0, 0, "invalid whiteout '%s'", path->ptr);
				return -EBADMSG;
			}
			ent.kind = IMG_ENTRY_WHITEOUT;
			memmove(path->ptr + (full.len - base.len), victim.ptr, victim.len);
			path->len = full.len - 4;
			path->ptr[path->len] = '\0';
		}
	}
	ent.file.path = span_dup(buf_span(path));
	if (!ent.file.path)
		return -ENOMEM;
	ent.file.layer = layer_no;
	ent.file.mode = (uint32_t)archive_entry_perm(e) & 07777;
	ent.file.uid = (uint32_t)archive_entry_uid(e);
	ent.file.gid = (uint32_t)archive_entry_gid(e);
	ent.file.mtime = archive_entry_mtime(e);
	ent.file.type = ftype_of(e);
	la_int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
	ent.file.size = size > 0 ? (uint64_t)size : 0;

	if (ent.kind == IMG_ENTRY_FILE) {
		const char *hl = archive_entry_hardlink(e);
		const char *sl = archive_entry_symlink(e);
		if (hl) {
			if (hl[0] == '/') {
				bh_diag_set(diag, src, 0, 0, "hard link '%s' has absolute target '%.200s'",
					    ent.file.path, hl);
				r = -EBADMSG;
				goto fail;
			}
			struct buf t;
			buf_init(&t, l->path_max_bytes + 1);
			r = img_path_normalize(span_from(hl), l, &t);
			if (r < 0 || t.len == 0) {
				bh_diag_set(diag, src, 0, 0, "hard link '%s' points outside the image ('%.200s')",
					    ent.file.path, hl);
				buf_done(&t);
				r = r == -E2BIG ? r : -EBADMSG;
				goto fail;
			}
			ent.file.link = buf_take(&t);
			ent.file.type = IMG_FT_HARDLINK;
			ent.file.size = 0;
			ent.want = img_want_for(span_from(ent.file.path), ent.file.mode, 0);
		} else if (ent.file.type == IMG_FT_SYMLINK) {
			ent.file.link = strdup(sl ? sl : "");
			if (!ent.file.link) {
				r = -ENOMEM;
				goto fail;
			}
		} else if (ent.file.type == IMG_FT_REG) {
			ent.want = img_want_for(span_from(ent.file.path), ent.file.mode, ent.file.size);
			if ((ent.want & IMG_WANT_CONTENT) && ent.file.size <= l->capture_max_bytes) {
				size_t len = (size_t)ent.file.size;
				unsigned char *data = malloc(len + 1);
				if (!data) {
					r = -ENOMEM;
					goto fail;
				}
				size_t got = 0;
				while (got < len) {
					la_ssize_t n = archive_read_data(a, data + got, len - got);
					if (n < 0) {
						free(data);
						bh_diag_set(diag, src, 0, 0, "cannot read '%s': %s",
							    ent.file.path, archive_error_string(a));
						r = -EBADMSG;
						goto fail;
					}
					if (n == 0)
						break;
					got += (size_t)n;
				}
				if (got != len) {
					free(data);
					bh_diag_set(diag, src, 0, 0, "truncated entry '%s'", ent.file.path);
					r = -EBADMSG;
					goto fail;
				}
				data[len] = 0;
				if (p->shared->visitor &&
				    (r = visit_file(a, p, &ent.file, data, len, diag)) < 0) {
					free(data);
					goto fail;
				}
				r = img_capture_store(&ent.file, span_from(ent.file.path), ent.file.mode,
						      data, len, layer_no, l);
				if (r < 0)
					goto fail;
			} else if (p->shared->visitor &&
				   (r = visit_file(a, p, &ent.file, NULL, 0, diag)) < 0)
				goto fail;
		}
	}
	if (GROW(idx->entries, idx->n, idx->cap) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	idx->entries[idx->n++] = ent;
	return 0;
fail:
	img_file_done(&ent.file);
	return r;
}

int img_layer_read(const struct img_region *src, enum img_compression comp,
		   const char *expect_digest, const char *expect_diff_id, int layer_no,
		   struct img_read_shared *shared, struct img_layer_index **ret,
		   struct bh_diag *reterr_diag)
{
	struct pipe p = {
		.src = src,
		.comp = comp,
		.shared = shared,
		.limits = shared->limits,
	};
	struct img_layer_index *idx = calloc(1, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	int r = 0;
	for (unsigned i = 0; i < RING; i++) {
		p.ring[i].data = malloc(CHUNK_OUT);
		if (!p.ring[i].data)
			r = -ENOMEM;
	}
	if (r == 0)
		r = bh_sha256_init(&p.tar_hash);
	if (r < 0) {
		for (unsigned i = 0; i < RING; i++)
			free(p.ring[i].data);
		free(idx);
		return r;
	}
	const struct img_visitor *v = shared->visitor;
	if (v && (r = v->stream_begin(v->userdata, layer_no, expect_digest, &p.visit)) < 0) {
		bh_diag_set(reterr_diag, src->name, 0, 0, "cannot start scanning: %s", strerror(-r));
		for (unsigned i = 0; i < RING; i++)
			free(p.ring[i].data);
		bh_sha256_done(&p.tar_hash);
		free(idx);
		return r;
	}
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	pthread_t thr;
	bool started = pthread_create(&thr, NULL, producer, &p) == 0;
	if (!started)
		r = -EAGAIN;

	struct archive *a = started ? archive_read_new() : NULL;
	struct buf path;
	buf_init(&path, shared->limits->path_max_bytes * 2 + 16);
	if (started && !a)
		r = -ENOMEM;
	if (a) {
		archive_read_support_format_tar(a);
		archive_read_support_format_empty(a);
		archive_read_support_filter_none(a);
		if (archive_read_open(a, &p, NULL, ar_read, NULL) != ARCHIVE_OK) {
			if (p.err == 0 && !p.eof)
				bh_diag_set(reterr_diag, src->name, 0, 0, "not a tar stream: %s",
					    archive_error_string(a));
			r = -EBADMSG;
		}
	}
	while (r == 0) {
		if (cancelled(&p)) {
			r = -ECANCELED;
			break;
		}
		struct archive_entry *e;
		int ar = archive_read_next_header(a, &e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN) {
			bh_diag_set(reterr_diag, src->name, 0, 0, "corrupt or truncated tar stream: %s",
				    archive_error_string(a) ? archive_error_string(a) : "unknown error");
			r = -EBADMSG;
			break;
		}
		r = index_entry(a, e, &p, idx, layer_no, &path, reterr_diag);
	}
	/* Drain to the end of the stream: the diff_id covers trailing padding too. */
	if (r == 0 && started) {
		const void *d;
		size_t n;
		int t;
		while ((t = take_chunk(&p, &d, &n)) > 0)
			;
		if (t < 0)
			r = t;
	}
	if (a)
		archive_read_free(a);
	buf_done(&path);
	if (started) {
		stop_producer(&p);
		pthread_join(thr, NULL);
	}
	/* The producer's error explains a consumer-side failure (e.g. truncated stream). */
	if (p.err < 0 && p.err != -ECANCELED) {
		r = p.err;
		bh_diag_set(reterr_diag, src->name, 0, 0, "%s",
			    p.errmsg[0] ? p.errmsg : strerror(-p.err));
	}
	/* A corrupt stream whose blob does not match its digest: report the mismatch. */
	if (r < 0 && p.digest[0] && expect_digest && !streq(expect_digest, p.digest)) {
		bh_diag_set(reterr_diag, src->name, 0, 0, "digest mismatch: expected %s, got %s",
			    expect_digest, p.digest);
		r = -EBADMSG;
	}
	if (r == 0) {
		bh_sha256_final_str(&p.tar_hash, idx->diff_id);
		memcpy(idx->digest, p.digest, sizeof(idx->digest));
		idx->bytes_in = p.bytes_in;
		idx->bytes_out = p.consumed;
		if (expect_digest && !streq(expect_digest, p.digest)) {
			bh_diag_set(reterr_diag, src->name, 0, 0,
				    "digest mismatch: expected %s, got %s", expect_digest, p.digest);
			r = -EBADMSG;
		} else if (expect_diff_id && !streq(expect_diff_id, idx->diff_id)) {
			bh_diag_set(reterr_diag, src->name, 0, 0,
				    "diff_id mismatch: config says %s, layer content is %s",
				    expect_diff_id, idx->diff_id);
			r = -EBADMSG;
		}
	} else
		bh_sha256_done(&p.tar_hash);
	if (r < 0 && r != -ECANCELED)
		__atomic_store_n(&shared->cancel, 1, __ATOMIC_RELAXED);
	if (v)
		v->stream_end(p.visit, r);
	for (unsigned i = 0; i < RING; i++)
		free(p.ring[i].data);
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.cond);
	if (r < 0) {
		img_layer_index_free(idx);
		return r;
	}
	*ret = idx;
	return 0;
}
