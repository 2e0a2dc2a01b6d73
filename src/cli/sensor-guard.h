/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor-guard.h — the hooks of the behaviour controller (runtime.h) on a live sensor
 * session: protect mode in the kernel and per-container syscall sets (sensor-guard.c).
 */
#pragma once

#include "cli/alerts.h"
#include "runtime/runtime.h"
#include "sensor/sensor.h"

#define SENSOR_GUARD_MAX_TRACKED 1000 /* containers whose syscalls are recorded at once */

struct sensor_guard_tracked {
	uint64_t cgroup;
	char *dir;	   /* /sys/fs/cgroup/…: gone = the container is gone */
	struct bh_event ev; /* the container (rt_container_copy) */
	uint64_t seen[8];   /* syscalls already handed to the controller */
};

struct sensor_fan;

struct sensor_guard {
	struct sensor_session *s;
	struct sensor_fan *fan; /* the fanotify exec guard (borrowed), NULL when not available */
	bool enforce, syscalls, warned_peers;
	struct sensor_guard_tracked *t;
	size_t n;
	int64_t last_read;
};

/* Hooks for rt_options (u = g). enforce / syscalls: what the session has loaded. 0, -ENOMEM. */
int sensor_guard_init(struct sensor_guard *g, struct sensor_session *s, bool enforce,
		      bool syscalls, struct rt_hooks *ret_hooks);
/*
 * Every 5 seconds: the new syscalls of each watched container go to the controller; a
 * deviation is evaluated by al's rules (alerts). Containers whose cgroup is gone are dropped.
 * 0 or -errno.
 */
int sensor_guard_tick(struct sensor_guard *g, struct rt *rt, struct cli_alerting *al, int64_t now);
void sensor_guard_done(struct sensor_guard *g);
