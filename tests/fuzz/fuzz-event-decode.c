/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-event-decode.c — the ring-buffer record decoder (src/sensor/decode.c), which reads
 * bytes the kernel side wrote and must never trust them. The first input byte is a mode:
 * bit 0 set makes the header's size field and version agree with the input (so mutations
 * reach the per-type checks); the rest is the record. Contract checked besides not
 * crashing: failures are -EBADMSG and counted exactly once; cgroup records give an
 * absolute path and no event; events have a type, a direction, argument names and
 * values, and serialise to one JSON line.
 */
#include "common/event.h"
#include "sensor/decode.h"

#include "../../bpf/events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A cgroup record's path: absolute, no empty component. */
static int on_cgroup(void *userdata, uint64_t id, const char *path)
{
	if (!id || path[0] != '/' || strstr(path, "//"))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 2 * BH_REC_MAX)
		return 0;
	uint8_t mode = data[0];
	size--;
	/* a private, unaligned copy: the decoder must not need alignment */
	uint8_t *mem = malloc(size + 1);
	if (!mem)
		return 0;
	uint8_t *rec = mem + 1;
	if (size)
		memcpy(rec, data + 1, size);
	if ((mode & 1) && size >= sizeof(struct bh_rec_hdr)) {
		uint16_t v = BH_ABI_VERSION;
		uint32_t s = (uint32_t)size;
		memcpy(rec + offsetof(struct bh_rec_hdr, version), &v, sizeof(v));
		memcpy(rec + offsetof(struct bh_rec_hdr, size), &s, sizeof(s));
	}

	struct sensor_decoder d = {.boot_to_epoch_ns = 1, .on_cgroup = on_cgroup};
	struct bh_event ev;
	int r = sensor_decode(&d, rec, size, &ev);
	if (r == 1) {
		if (d.decoded != 0 || sensor_decoder_bad_total(&d) != 0 || ev.n_args ||
		    ev.proc.name)
			abort();
	} else if (r < 0) {
		if (r != -EBADMSG && r != -ENOMEM)
			abort();
		if (r == -EBADMSG && (sensor_decoder_bad_total(&d) != 1 || d.decoded != 0))
			abort();
		if (ev.n_args != 0 || ev.proc.name || ev.fd.name)
			abort(); /* nothing half-decoded is left behind */
	} else {
		if (d.decoded != 1 || sensor_decoder_bad_total(&d) != 0 || ev.num != 1)
			abort();
		if (!ev.type[0] || ev.dir != '<' || ev.n_args > BH_EV_MAX_ARGS ||
		    ev.proc.n_ancestors > BH_EV_MAX_ANCESTORS || ev.proc.argc > BH_EV_MAX_ARGV)
			abort();
		for (size_t i = 0; i < ev.n_args; i++)
			if (!ev.args[i].name || !ev.args[i].value)
				abort();
		if (ev.proc.exepath && ev.proc.exepath[0] != '/' && ev.proc.exepath[0] != '<')
			abort();
		struct buf out;
		buf_init(&out, 0);
		int jr = bh_event_to_json(&ev, &out);
		if (jr < 0 && jr != -E2BIG && jr != -ENOMEM)
			abort();
		if (jr == 0 && (out.len == 0 || out.ptr[out.len - 1] != '\n' ||
				memchr(out.ptr, '\n', out.len - 1)))
			abort();
		buf_done(&out);
	}
	bh_event_done(&ev);
	free(mem);
	return 0;
}
