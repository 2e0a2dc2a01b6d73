/* SPDX-License-Identifier: Apache-2.0 */
/*
 * progress.h — a one-line progress bar on stderr, drawn only when stderr is a TTY and
 * NO_COLOR/CI are not set; otherwise every call is a cheap no-op. Thread-safe: workers
 * add to the counter, and one of them redraws at most ~10 times a second.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct bh_progress;

/* label is borrowed for the lifetime of the bar. total may be 0 (unknown). NULL on OOM or no TTY. */
struct bh_progress *bh_progress_new(const char *label, uint64_t total);
void bh_progress_add(struct bh_progress *p, uint64_t n);
/* Erase the bar and free it. Accepts NULL. */
void bh_progress_free(struct bh_progress *p);
bool bh_progress_enabled(void);
