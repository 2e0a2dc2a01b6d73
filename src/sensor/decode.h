/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode.h — one ring-buffer record (bpf/events.h) to one struct bh_event. The record is
 * untrusted bytes: every size, offset, length and enum is checked before use, and a record
 * that fails a check is counted by reason and not decoded. The decoder only uses the
 * record: /proc enrichment (proc.h) and container attribution happen after it, so the same
 * bytes always decode to the same event (what the unit tests and the fuzz target rely on).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bulkhead/event.h"
#include "common/common.h"

enum sensor_bad {
	SENSOR_BAD_SHORT,   /* shorter than its header or fixed part, or than hdr.size */
	SENSOR_BAD_VERSION, /* hdr.version is not BH_ABI_VERSION */
	SENSOR_BAD_TYPE,    /* unknown record type */
	SENSOR_BAD_STRING,  /* a string outside the blob, or with bad contents */
	SENSOR_BAD_SYSCALL, /* a syscall number or kind the table does not know */
	SENSOR_BAD_FIELD,   /* another field out of range (ancestor count, fd kind, ...) */
	_SENSOR_BAD_MAX,
};

struct sensor_decoder {
	int64_t boot_to_epoch_ns; /* added to boot-time stamps: CLOCK_REALTIME - CLOCK_BOOTTIME */
	uint64_t seq;		  /* evt.num of the last decoded event */
	uint64_t last_cgroup_id;  /* hdr.cgroup_id of the last decoded event (cgroupid.h) */
	uint64_t decoded;
	uint64_t cgroup_records; /* BH_REC_CGROUP records consumed (not events) */
	uint64_t bad[_SENSOR_BAD_MAX];
	/* BH_REC_CGROUP records: called with the id and its path (borrowed); may be NULL */
	int (*on_cgroup)(void *userdata, uint64_t id, const char *path);
	void *cgroup_userdata;
};

/* Name of a reason ("short", "version", ...). */
const char *sensor_bad_to_string(enum sensor_bad b);
/* Sum of d->bad[]. */
uint64_t sensor_decoder_bad_total(const struct sensor_decoder *d);

/*
 * Decode rec[0..len) into ev (initialised here; the caller calls bh_event_done() after
 * any outcome). 0: ev is an event; 1: the record was not an event (a cgroup record,
 * handed to d->on_cgroup) and ev is empty; -EBADMSG for a malformed record (counted in
 * d->bad); -ENOMEM, or on_cgroup's negative return. rec is borrowed and need not be
 * aligned.
 */
int sensor_decode(struct sensor_decoder *d, const void *rec, size_t len, struct bh_event *ev);

/*
 * Protect mode's decisions as the decoder renders them in evt.arg.bh_action ("killed",
 * "would-kill", "signal-failed") and evt.arg.bh_reason ("exec-not-allowed",
 * "write-protected", "peer-not-allowed"); NULL for 0 and unknown values.
 */
const char *sensor_action_to_string(unsigned action);
const char *sensor_reason_to_string(unsigned reason);

/* Render open flags as Falco does ("O_RDONLY|O_CLOEXEC") into out. 0, -ENOMEM, -E2BIG. */
int sensor_format_open_flags(uint32_t flags, struct buf *out);
/* A chmod mode as Falco prints it ("S_ISUID|S_IRUSR|..."; "0" for none). 0, -ENOMEM, -E2BIG. */
int sensor_format_mode(uint32_t mode, struct buf *out);
/* Falco's name of a ptrace request ("PTRACE_ATTACH"), or NULL when unknown. */
const char *sensor_ptrace_request_name(int64_t req);
