/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc.h — what the BPF records do not carry, added in user space: a table of processes
 * (tgid -> name, exe, exepath, argv, cwd, parent) learned from exec and fork events and,
 * for processes seen before the sensor started, read from /proc; the ancestors' exepath
 * and command line; user and group names (the host's passwd and group files).
 * /proc is read at event time, so a process that has already gone keeps only what its
 * records said. Everything read from /proc is bounded and treated as untrusted.
 * A table is used by one thread at a time.
 */
#pragma once

#include <stddef.h>

#include "bulkhead/event.h"
#include "common/common.h"

struct sensor_proctab;

/*
 * A table of at most max_entries processes reading proc_root (normally "/proc"; tests
 * pass a directory laid out like it). 0, -ENOMEM, or -errno opening proc_root.
 */
int sensor_proctab_new(const char *proc_root, size_t max_entries, struct sensor_proctab **ret);
void sensor_proctab_free(struct sensor_proctab *pt);
DEFINE_CLEANUP(struct sensor_proctab *, sensor_proctab_free)

/*
 * Update the table from ev (execve: remember the new image; clone: the child inherits the
 * parent's entry; procexit: forget the process after filling ev) and fill ev's process
 * fields that are still NULL (exe, exepath, argv, cwd, user and group names, ancestors).
 * 0 or -ENOMEM; a process that cannot be read is not an error.
 */
int sensor_proctab_enrich(struct sensor_proctab *pt, struct bh_event *ev);

/* Number of processes in the table. */
size_t sensor_proctab_size(const struct sensor_proctab *pt);
