/* SPDX-License-Identifier: Apache-2.0 */
/*
 * event.h (common) — JSON lines for struct bh_event (include/bulkhead/event.h): what
 * `bulkhead sensor record` writes and `replay` reads, and what tests feed the rule engine.
 * One event is one JSON object on one line:
 *   {"ts":1700000000000000000,"num":1,"type":"openat","dir":"<","res":3,"cpu":0,
 *    "proc":{"pid":..,"tid":..,"ppid":..,"vpid":..,"uid":..,"gid":..,"euid":..,"egid":..,
 *            "loginuid":-1,"name":"cat","exe":"cat","exepath":"/usr/bin/cat",
 *            "args":["/etc/shadow"],"cwd":"/root/","tty":34816,"user":"root","group":"root",
 *            "cap_permitted":"0x1ff","cap_effective":"0x1ff","cap_inheritable":"0x0",
 *            "exe_upper_layer":false,"exe_from_memfd":false,"exe_deleted":false,
 *            "start_ns":..,"ancestors":[{"pid":..,"name":"bash","exepath":"/bin/bash",
 *            "cmdline":"bash -i"}]},
 *    "fd":{"num":3,"type":"f","name":"/etc/shadow","l4proto":0,"cip":null,"sip":null,
 *          "cport":0,"sport":0,"is_server":false,"open_flags":524288},
 *    "container":{"id":"4f7c0c2d8e91","full_id":"..","name":"web","image":"nginx:1.25",
 *          "image_repository":"nginx","image_tag":"1.25","image_digest":null,
 *          "runtime":"podman","privileged":false,"k8s_ns":null,"k8s_pod":null,
 *          "labels":["app=web"]},
 *    "args":{"flags":"O_RDONLY|O_CLOEXEC","mode":"0"}}
 * Absent members and null mean "not known". Capability masks are hex strings (they do not
 * fit JSON's exact-integer range). Everything is bounded by struct bh_limits.
 */
#pragma once

#include "bulkhead/event.h"
#include "common/common.h"

/* Append ev as one JSON line (with the final '\n') to out. 0, -ENOMEM, -E2BIG. */
int bh_event_to_json(const struct bh_event *ev, struct buf *out);

/*
 * Parse one line into ev (which the function initialises; call bh_event_done after).
 * 0; -EBADMSG (not JSON, wrong member types, too many args/ancestors/argv: diag says
 * which); -E2BIG (input-max-bytes, json-max-depth); -ENOMEM.
 */
int bh_event_from_json(struct span line, const struct bh_limits *limits, const char *source,
		       unsigned lineno, struct bh_event *ev, struct bh_diag *reterr_diag);
