/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor.c — the session (see sensor.h): loader + ring buffer + decoder + enrichment.
 * Time stamps: the BPF side uses the boot clock (it keeps counting across suspend, like
 * CLOCK_REALTIME); the offset to the epoch is taken once at open.
 */
#include <inttypes.h>
#include <time.h>

#include "sensor/cgroupid.h"
#include "sensor/container.h"
#include "sensor/loader.h"
#include "sensor/proc.h"
#include "sensor/ringbuf.h"
#include "sensor/sensor.h"
#include "sensor/syscalls.h"

#define PROCTAB_MAX 65536

struct sensor_session {
	struct sensor_bpf *bpf;
	struct sensor_ringbuf *rb;
	struct sensor_decoder dec;
	struct sensor_proctab *procs;
	struct sensor_container_cache *containers;
	struct sensor_cgmap *cgroups; /* NULL: attribute from /proc/PID/cgroup */
	bool ring_broken;
	/* during a poll */
	sensor_event_fn fn;
	void *userdata;
	int fn_error;
};

uint32_t sensor_kinds_default(void)
{
	return 1u << BH_KIND_EXEC | 1u << BH_KIND_EXIT | 1u << BH_KIND_FORK | 1u << BH_KIND_OPEN |
	       1u << BH_KIND_CONNECT;
}

int sensor_kinds_parse(const char *list, uint32_t *ret, const char **ret_bad)
{
	static char bad[64];
	uint32_t mask = 0;
	struct span in = span_from(list), word;
	while (span_next_token(&in, ',', &word) == 0) {
		word = span_trim(word);
		if (span_eq_str(word, "all")) {
			mask |= (1u << _BH_KIND_MAX) - 1;
			continue;
		}
		char name[32];
		int k = -EINVAL;
		if (word.len < sizeof(name)) {
			memcpy(name, word.ptr, word.len);
			name[word.len] = '\0';
			k = sensor_kind_from_string(name);
		}
		if (k < 0) {
			if (ret_bad) {
				(void)xsnprintf(bad, sizeof(bad), "%.*s", (int)MIN(word.len, 60),
						word.ptr);
				*ret_bad = bad;
			}
			return -EINVAL;
		}
		mask |= 1u << k;
	}
	if (!mask) {
		if (ret_bad)
			*ret_bad = "";
		return -EINVAL;
	}
	*ret = mask;
	return 0;
}

static int64_t boot_to_epoch(void)
{
	struct timespec rt, bt;
	(void)clock_gettime(CLOCK_REALTIME, &rt);
	(void)clock_gettime(CLOCK_BOOTTIME, &bt);
	return ((int64_t)rt.tv_sec - (int64_t)bt.tv_sec) * 1000000000LL +
	       ((int64_t)rt.tv_nsec - (int64_t)bt.tv_nsec);
}

static int learn_cgroup(void *userdata, uint64_t id, const char *path)
{
	log_debug("cgroup %" PRIu64 " is '%s'", id, path);
	int r = sensor_cgmap_learn(userdata, id, path);
	return r == -E2BIG ? 0 : r;
}

void sensor_session_free(struct sensor_session *s)
{
	if (!s)
		return;
	sensor_ringbuf_free(s->rb);
	sensor_bpf_free(s->bpf);
	sensor_proctab_free(s->procs);
	sensor_container_cache_free(s->containers);
	sensor_cgmap_free(s->cgroups);
	free(s);
}

int sensor_session_open(const struct sensor_session_options *opt, struct sensor_session **ret,
			char *err, size_t errsz)
{
	err[0] = '\0';
	_cleanup_(sensor_session_freep) struct sensor_session *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	size_t ring = opt->ring_bytes ? opt->ring_bytes : (size_t)8 << 20;
	int r = sensor_proctab_new("/proc", PROCTAB_MAX, &s->procs);
	if (r < 0) {
		(void)xsnprintf(err, errsz, "cannot open /proc: %s", strerror(-r));
		return r;
	}
	if (!opt->no_containers) {
		r = sensor_container_cache_new(NULL, NULL, 0, &s->containers);
		if (r < 0) {
			(void)xsnprintf(err, errsz, "cannot set up container attribution: %s",
					strerror(-r));
			return r;
		}
	}
	int subsys = -1;
	if (!opt->no_containers) {
		r = sensor_cgmap_new("/proc", &s->cgroups);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			log_warning(
			    "no cgroup hierarchy found (%s): containers are attributed from "
			    "/proc, which misses processes that exit quickly",
			    strerror(-r));
		else
			subsys = sensor_cgmap_subsys(s->cgroups);
	}
	unsigned features = (opt->enforce ? SENSOR_BPF_ENFORCE : 0) |
			    (opt->learn_syscalls ? SENSOR_BPF_LEARN : 0) |
			    (opt->exit_caps ? SENSOR_BPF_EXIT_CAPS : 0);
	r = sensor_bpf_open(opt->kinds, features, ring, subsys, &s->bpf, err, errsz);
	if (r < 0)
		return r;
	r = sensor_ringbuf_open(sensor_bpf_ringbuf_fd(s->bpf), sensor_bpf_ringbuf_size(s->bpf),
				&s->rb);
	if (r < 0) {
		(void)xsnprintf(err, errsz, "cannot map the ring buffer: %s", strerror(-r));
		return r;
	}
	s->dec.boot_to_epoch_ns = boot_to_epoch();
	if (s->cgroups) {
		s->dec.on_cgroup = learn_cgroup;
		s->dec.cgroup_userdata = s->cgroups;
	}
	*ret = TAKE_PTR(s);
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int on_record(const void *data, size_t len, void *userdata)
{
	struct sensor_session *s = userdata;
	struct bh_event ev;
	int r = sensor_decode(&s->dec, data, len, &ev);
	if (r == -EBADMSG || r == 1) {
		bh_event_done(&ev);
		return 0; /* malformed (counted by the decoder), or not an event */
	}
	if (r < 0)
		return r;
	r = sensor_proctab_enrich(s->procs, &ev);
	if (r >= 0 && s->containers) {
		/* the cgroup the record names, else /proc (too late for processes that are gone:
		 * their container stays unknown rather than failing the event) */
		const char *cg =
		    s->cgroups ? sensor_cgmap_lookup(s->cgroups, s->dec.last_cgroup_id, mono_ns())
			       : NULL;
		int cr = cg ? sensor_container_cache_attribute(s->containers, span_from(cg),
							       &ev.container)
			    : sensor_container_cache_attribute_pid(
				  s->containers, (pid_t)ev.proc.pid, &ev.container);
		if (cr == -ENOMEM)
			r = cr;
	}
	if (r >= 0)
		r = s->fn(&ev, s->userdata);
	bh_event_done(&ev);
	return r;
}

int sensor_session_poll(struct sensor_session *s, int timeout_ms, sensor_event_fn fn,
			void *userdata)
{
	if (s->ring_broken)
		return -EBADMSG;
	s->fn = fn;
	s->userdata = userdata;
	int r = sensor_ringbuf_poll(s->rb, timeout_ms, on_record, s);
	if (r == -EBADMSG)
		s->ring_broken = true;
	return r;
}

struct sensor_bpf *sensor_session_bpf(struct sensor_session *s)
{
	return s->bpf;
}

/* The sum over CPUs of counter idx. */
static int counter_sum(struct sensor_session *s, unsigned idx, uint64_t *ret)
{
	uint64_t tmp[SENSOR_MAX_CPUS];
	size_t ncpu = 0;
	int r = sensor_bpf_counter(s->bpf, idx, tmp, SENSOR_MAX_CPUS, &ncpu);
	if (r < 0)
		return r;
	*ret = 0;
	for (size_t i = 0; i < MIN(ncpu, (size_t)SENSOR_MAX_CPUS); i++)
		*ret += tmp[i];
	return 0;
}

int sensor_session_stats(struct sensor_session *s, struct sensor_stats *ret)
{
	*ret = (struct sensor_stats){0};
	size_t ncpu = 0;
	uint64_t *v = ret->dropped_per_cpu;
	int r = sensor_bpf_counter(s->bpf, BH_CNT_DROPPED, v, SENSOR_MAX_CPUS, &ncpu);
	if (r < 0)
		return r;
	ret->ncpu = MIN(ncpu, (size_t)SENSOR_MAX_CPUS);
	for (size_t i = 0; i < ret->ncpu; i++)
		ret->dropped += v[i];
	uint64_t tmp[SENSOR_MAX_CPUS];
	r = sensor_bpf_counter(s->bpf, BH_CNT_EMITTED, tmp, SENSOR_MAX_CPUS, &ncpu);
	if (r < 0)
		return r;
	for (size_t i = 0; i < MIN(ncpu, (size_t)SENSOR_MAX_CPUS); i++)
		ret->emitted += tmp[i];
	r = sensor_bpf_counter(s->bpf, BH_CNT_ENTRY_LOST, tmp, SENSOR_MAX_CPUS, &ncpu);
	if (r < 0)
		return r;
	for (size_t i = 0; i < MIN(ncpu, (size_t)SENSOR_MAX_CPUS); i++)
		ret->entry_lost += tmp[i];
	r = counter_sum(s, BH_CNT_KILLED, &ret->killed) ?:
	    counter_sum(s, BH_CNT_WOULD_KILL, &ret->would_kill) ?:
	    counter_sum(s, BH_CNT_SIGNAL_FAILED, &ret->signal_failed) ?:
	    counter_sum(s, BH_CNT_DENIED, &ret->denied);
	if (r < 0)
		return r;
	ret->decoded = s->dec.decoded;
	ret->cgroup_records = s->dec.cgroup_records;
	memcpy(ret->bad, s->dec.bad, sizeof(ret->bad));
	ret->ring_broken = s->ring_broken;
	return 0;
}

int sensor_session_describe(const struct sensor_session *s, struct buf *out)
{
	int r = 0;
	bool first = true;
	for (int h = 0; h < _SENSOR_HOOK_MAX && r >= 0; h++) {
		enum sensor_attach a = sensor_bpf_attach_mode(s->bpf, h);
		if (a == SENSOR_ATTACH_NONE)
			continue;
		r = buf_printf(out, "%s%s=%s", first ? "" : " ", sensor_hook_to_string(h),
			       sensor_attach_to_string(a));
		first = false;
	}
	return r;
}
