/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-ringbuf.c — the mmap ring-buffer consumer (src/sensor/ringbuf.c) over memory laid
 * out as the kernel lays it out: records in order, discarded ones skipped, a record still
 * being written stops consumption, a record that wraps is read from the mirror, and
 * inconsistent headers are refused instead of walked past.
 */
#include <linux/bpf.h>

#include "sensor/ringbuf.h"
#include "tap.h"

#define SIZE 256

struct fake {
	uint64_t cons, prod;
	uint8_t data[2 * SIZE];
};

/* Write a record of n bytes filled with tag at the producer position. */
static void produce(struct fake *f, uint32_t n, uint8_t tag, uint32_t extra_bits)
{
	uint64_t pos = f->prod;
	uint32_t hdr = n | extra_bits;
	uint8_t rec[SIZE];
	memcpy(rec, &hdr, 4);
	memset(rec + 4, 0, 4);
	memset(rec + 8, tag, n);
	size_t total = (8 + n + 7) & ~(size_t)7;
	for (size_t i = 0; i < total; i++) {
		size_t at = (pos + i) & (SIZE - 1);
		f->data[at] = rec[i];
		f->data[at + SIZE] = rec[i]; /* the second mapping */
	}
	f->prod = pos + total;
}

struct seen {
	size_t n;
	size_t len[16];
	uint8_t first[16], last[16];
	int fail_at;
};

static int collect(const void *data, size_t len, void *userdata)
{
	struct seen *s = userdata;
	const uint8_t *p = data;
	if (s->n < 16) {
		s->len[s->n] = len;
		s->first[s->n] = len ? p[0] : 0;
		s->last[s->n] = len ? p[len - 1] : 0;
	}
	s->n++;
	if (s->fail_at && (int)s->n == s->fail_at)
		return -ECANCELED;
	return 0;
}

TEST(in_order_discard_busy)
{
	static struct fake f;
	memset(&f, 0, sizeof(f));
	struct sensor_ringbuf *rb;
	ASSERT_OK(sensor_ringbuf_open_mem(&f.cons, &f.prod, f.data, SIZE, &rb));
	produce(&f, 5, 0xa1, 0);
	produce(&f, 16, 0xa2, BPF_RINGBUF_DISCARD_BIT);
	produce(&f, 9, 0xa3, 0);
	struct seen s = {0};
	ASSERT_EQ(sensor_ringbuf_consume(rb, collect, &s), 2);
	ASSERT_EQ(s.len[0], 5);
	ASSERT_EQ(s.first[0], 0xa1);
	ASSERT_EQ(s.len[1], 9);
	ASSERT_EQ(s.last[1], 0xa3);
	ASSERT_EQ(f.cons, f.prod);
	ASSERT_EQ(sensor_ringbuf_pending(rb), 0);

	/* a busy record stops consumption there, and is read once it is committed */
	produce(&f, 3, 0xb1, BPF_RINGBUF_BUSY_BIT);
	uint64_t busy_at = f.cons;
	s = (struct seen){0};
	ASSERT_EQ(sensor_ringbuf_consume(rb, collect, &s), 0);
	ASSERT_EQ(f.cons, busy_at);
	uint32_t hdr = 3;
	memcpy(f.data + (busy_at & (SIZE - 1)), &hdr, 4);
	ASSERT_EQ(sensor_ringbuf_consume(rb, collect, &s), 1);
	ASSERT_EQ(s.first[0], 0xb1);
	sensor_ringbuf_free(rb);
}

TEST(wrap_through_mirror)
{
	static struct fake f;
	memset(&f, 0, sizeof(f));
	f.cons = f.prod = SIZE - 16; /* the next record crosses the end of the data area */
	struct sensor_ringbuf *rb;
	ASSERT_OK(sensor_ringbuf_open_mem(&f.cons, &f.prod, f.data, SIZE, &rb));
	produce(&f, 40, 0xc1, 0);
	struct seen s = {0};
	ASSERT_EQ(sensor_ringbuf_consume(rb, collect, &s), 1);
	ASSERT_EQ(s.len[0], 40);
	ASSERT_EQ(s.first[0], 0xc1);
	ASSERT_EQ(s.last[0], 0xc1);
	sensor_ringbuf_free(rb);
}

TEST(callback_error_releases_record)
{
	static struct fake f;
	memset(&f, 0, sizeof(f));
	struct sensor_ringbuf *rb;
	ASSERT_OK(sensor_ringbuf_open_mem(&f.cons, &f.prod, f.data, SIZE, &rb));
	produce(&f, 8, 1, 0);
	produce(&f, 8, 2, 0);
	struct seen s = {.fail_at = 1};
	ASSERT_ERR(sensor_ringbuf_consume(rb, collect, &s), -ECANCELED);
	ASSERT_EQ(f.cons, 16); /* the first record is released, the second is still there */
	s = (struct seen){0};
	ASSERT_EQ(sensor_ringbuf_consume(rb, collect, &s), 1);
	ASSERT_EQ(s.first[0], 2);
	sensor_ringbuf_free(rb);
}

TEST(inconsistent_headers)
{
	static struct fake f;
	struct sensor_ringbuf *rb;
	struct seen s = {0};

	/* a length beyond what was produced */
	memset(&f, 0, sizeof(f));
	ASSERT_OK(sensor_ringbuf_open_mem(&f.cons, &f.prod, f.data, SIZE, &rb));
	produce(&f, 8, 1, 0);
	uint32_t hdr = 200;
	memcpy(f.data, &hdr, 4);
	ASSERT_ERR(sensor_ringbuf_consume(rb, collect, &s), -EBADMSG);
	ASSERT_EQ(s.n, 0);
	ASSERT_EQ(f.cons, 0);

	/* a producer more than a ring ahead */
	memset(&f, 0, sizeof(f));
	f.prod = 2 * SIZE;
	ASSERT_ERR(sensor_ringbuf_consume(rb, collect, &s), -EBADMSG);

	/* a misaligned consumer position */
	memset(&f, 0, sizeof(f));
	f.cons = 3;
	f.prod = 64;
	ASSERT_ERR(sensor_ringbuf_consume(rb, collect, &s), -EBADMSG);
	sensor_ringbuf_free(rb);

	uint64_t c = 0, p = 0;
	ASSERT_ERR(sensor_ringbuf_open_mem(&c, &p, f.data, 100, &rb), -EINVAL);
	ASSERT_ERR(sensor_ringbuf_open(-1, 4096, &rb), -EINVAL);
}
