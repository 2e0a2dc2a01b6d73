/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timeutil.h — wall-clock time for documents we write. SOURCE_DATE_EPOCH (reproducible
 * builds spec) replaces "now" so that output is byte-for-byte reproducible.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Current time, or SOURCE_DATE_EPOCH when set and valid. *ret_fixed tells which (may be NULL). */
time_t bh_now(bool *ret_fixed);
/* "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). 0 or -EINVAL. */
int bh_format_rfc3339(time_t t, char *out, size_t size);
