/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.h — the sensor's fast path for one event as a JSON line: the same bytes as
 * bh_event_to_json() (common/event.h: the `sensor record` format, compact, keys in the
 * same order, invalid UTF-8 replaced by U+FFFD, control characters escaped as jansson
 * does), written straight into a buffer instead of building a jansson object tree per
 * event. A live sensor formats every event it reads, so this is its hottest user-space
 * code; tests/unit/sensor/test-json.c holds it byte for byte to bh_event_to_json().
 */
#pragma once

#include "common/common.h"
#include "common/event.h"

/*
 * Append ev as one JSON object and a newline to out. 0, -E2BIG past out's maximum,
 * -ENOMEM, -EINVAL for an argument without a name. On failure out is as it was.
 */
int sensor_event_to_json(const struct bh_event *ev, struct buf *out);
