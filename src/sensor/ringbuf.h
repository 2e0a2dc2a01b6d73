/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ringbuf.h — the consumer side of a BPF ring buffer map, without libbpf: the map is
 * mmap()ed (one read-write consumer page; the producer page and the data area mapped
 * twice, read-only) and records are handed out in order. The kernel owns the producer
 * position and the record headers; we only read them (acquire) and advance the consumer
 * position (release). A record whose header is inconsistent (length larger than the
 * ring) stops consumption and is counted: a broken ring is never walked past its end.
 * One thread uses a ring at a time.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct sensor_ringbuf;

/* Called with each record (borrowed, valid during the call). A negative return stops. */
typedef int (*sensor_ringbuf_fn)(const void *data, size_t len, void *userdata);

/*
 * Map the ring buffer map map_fd whose data area is size bytes (a power of two, a
 * multiple of the page size: the map's max_entries). 0, -EINVAL, -ENOMEM, -errno of mmap.
 * map_fd stays the caller's.
 */
int sensor_ringbuf_open(int map_fd, size_t size, struct sensor_ringbuf **ret);
/*
 * A ring over memory the caller laid out as the kernel does (tests): cons and prod are
 * the two positions, data is 2 * size bytes (the second half mirroring the first).
 */
int sensor_ringbuf_open_mem(uint64_t *cons, const uint64_t *prod, const void *data, size_t size,
			    struct sensor_ringbuf **ret);
void sensor_ringbuf_free(struct sensor_ringbuf *rb);

/*
 * Hand every complete record to fn, in order, and release their space. Returns the
 * number of records handed out, -EBADMSG when a header is inconsistent (the ring is
 * then unusable), or fn's negative return.
 */
int sensor_ringbuf_consume(struct sensor_ringbuf *rb, sensor_ringbuf_fn fn, void *userdata);
/*
 * Wait up to timeout_ms for data (epoll on the map fd), then consume. The writer wakes
 * the reader in batches (bpf/events.h BH_WAKEUP_BYTES_DEFAULT), so the wait is cut to
 * BH_POLL_MS at most: callers loop. As consume; 0 when nothing arrived; -EINTR when a signal interrupted the wait.
 */
int sensor_ringbuf_poll(struct sensor_ringbuf *rb, int timeout_ms, sensor_ringbuf_fn fn,
			void *userdata);
/* Bytes produced and not yet consumed. */
uint64_t sensor_ringbuf_pending(const struct sensor_ringbuf *rb);
