/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ringbuf.c — BPF ring buffer consumer over mmap (see ringbuf.h). The layout is the
 * kernel's (kernel/bpf/ringbuf.c, Documentation/bpf/ringbuf.rst): page 0 holds the
 * consumer position (we write it), page 1 the producer position, then the data area
 * mapped twice so a record that wraps is still contiguous. Each record starts with an
 * 8-byte header: u32 length with BUSY (still being written) and DISCARD bits, u32 page
 * offset; records are 8-byte aligned.
 */
#include <linux/bpf.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#include "common/common.h"
#include "sensor/ringbuf.h"

#include "../../bpf/events.h"

#define RELEASE_STEP (64 << 10)

struct sensor_ringbuf {
	uint64_t *cons;
	const uint64_t *prod;
	const uint8_t *data;
	size_t size; /* data area, power of two */
	/* mappings to undo (NULL for open_mem) */
	void *cons_map, *prod_map;
	size_t cons_map_len, prod_map_len;
	int epfd;
};

static bool is_pow2(size_t v)
{
	return v && !(v & (v - 1));
}

int sensor_ringbuf_open_mem(uint64_t *cons, const uint64_t *prod, const void *data, size_t size,
			    struct sensor_ringbuf **ret)
{
	if (!cons || !prod || !data || !is_pow2(size) || size < 16)
		return -EINVAL;
	struct sensor_ringbuf *rb = calloc(1, sizeof(*rb));
	if (!rb)
		return -ENOMEM;
	rb->cons = cons;
	rb->prod = prod;
	rb->data = data;
	rb->size = size;
	rb->epfd = -1;
	*ret = rb;
	return 0;
}

int sensor_ringbuf_open(int map_fd, size_t size, struct sensor_ringbuf **ret)
{
	long page = sysconf(_SC_PAGESIZE);
	if (map_fd < 0 || page <= 0 || !is_pow2(size) || size % (size_t)page)
		return -EINVAL;
	size_t plen;
	if (!size_mul(size, 2, &plen) || !size_add(plen, (size_t)page, &plen))
		return -EINVAL;
	void *c = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (c == MAP_FAILED)
		return -errno;
	void *p = mmap(NULL, plen, PROT_READ, MAP_SHARED, map_fd, page);
	if (p == MAP_FAILED) {
		int r = -errno;
		(void)munmap(c, (size_t)page);
		return r;
	}
	struct sensor_ringbuf *rb = calloc(1, sizeof(*rb));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ee = {.events = EPOLLIN};
	if (!rb || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, map_fd, &ee) < 0) {
		int r = !rb ? -ENOMEM : -errno;
		free(rb);
		if (ep >= 0)
			(void)close(ep);
		(void)munmap(c, (size_t)page);
		(void)munmap(p, plen);
		return r;
	}
	rb->cons = c;
	rb->prod = p;
	rb->data = (const uint8_t *)p + page;
	rb->size = size;
	rb->cons_map = c;
	rb->cons_map_len = (size_t)page;
	rb->prod_map = p;
	rb->prod_map_len = plen;
	rb->epfd = ep;
	*ret = rb;
	return 0;
}

void sensor_ringbuf_free(struct sensor_ringbuf *rb)
{
	if (!rb)
		return;
	if (rb->cons_map)
		(void)munmap(rb->cons_map, rb->cons_map_len);
	if (rb->prod_map)
		(void)munmap(rb->prod_map, rb->prod_map_len);
	if (rb->epfd >= 0)
		(void)close(rb->epfd);
	free(rb);
}

uint64_t sensor_ringbuf_pending(const struct sensor_ringbuf *rb)
{
	uint64_t prod = __atomic_load_n(rb->prod, __ATOMIC_ACQUIRE);
	uint64_t cons = __atomic_load_n(rb->cons, __ATOMIC_ACQUIRE);
	return prod - cons;
}

int sensor_ringbuf_consume(struct sensor_ringbuf *rb, sensor_ringbuf_fn fn, void *userdata)
{
	int n = 0;
	uint64_t cons = __atomic_load_n(rb->cons, __ATOMIC_ACQUIRE), released = cons;
	for (;;) {
		uint64_t prod = __atomic_load_n(rb->prod, __ATOMIC_ACQUIRE);
		if (cons >= prod)
			break;
		if (prod - cons > rb->size || (cons & 7))
			goto broken;
		const uint8_t *hdr = rb->data + (cons & (rb->size - 1));
		uint32_t len = __atomic_load_n((const uint32_t *)hdr, __ATOMIC_ACQUIRE);
		if (len & BPF_RINGBUF_BUSY_BIT)
			break; /* still being written */
		bool discarded = len & BPF_RINGBUF_DISCARD_BIT;
		len &= ~(uint32_t)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		uint64_t step = ((uint64_t)len + BPF_RINGBUF_HDR_SZ + 7) & ~(uint64_t)7;
		if (step > prod - cons)
			goto broken;
		if (!discarded) {
			int r = fn(hdr + BPF_RINGBUF_HDR_SZ, len, userdata);
			if (r < 0) {
				/* the record was seen: release it before stopping */
				__atomic_store_n(rb->cons, cons + step, __ATOMIC_RELEASE);
				return r;
			}
			if (n < INT32_MAX)
				n++;
		}
		cons += step;
		/* release space in steps: the writer reads this cache line on every record */
		if (cons - released >= RELEASE_STEP) {
			__atomic_store_n(rb->cons, cons, __ATOMIC_RELEASE);
			released = cons;
		}
	}
	if (cons != released)
		__atomic_store_n(rb->cons, cons, __ATOMIC_RELEASE);
	return n;
broken:
	if (cons != released)
		__atomic_store_n(rb->cons, cons, __ATOMIC_RELEASE);
	return -EBADMSG;
}

int sensor_ringbuf_poll(struct sensor_ringbuf *rb, int timeout_ms, sensor_ringbuf_fn fn,
			void *userdata)
{
	if (rb->epfd >= 0 && sensor_ringbuf_pending(rb) == 0) {
		struct epoll_event ee;
		/* the writer wakes us in batches: look again at least every BH_POLL_MS */
		if (timeout_ms < 0 || timeout_ms > BH_POLL_MS)
			timeout_ms = BH_POLL_MS;
		int r = epoll_wait(rb->epfd, &ee, 1, timeout_ms);
		if (r < 0)
			return -errno;
	}
	return sensor_ringbuf_consume(rb, fn, userdata);
}
