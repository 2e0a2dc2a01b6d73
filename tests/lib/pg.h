/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg.h — the PostgreSQL server of the unit tests that need one: $BH_TEST_PG_URL when set,
 * else one this program starts with tests/lib/pg.sh in a temporary directory on first use
 * and stops at exit. Without PostgreSQL (pg.sh exits 77) the calling test is skipped.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The server's URI; skips the current test without PostgreSQL, fails it when it won't start. */
const char *tap_pg_server(void);
/* Whether this program started the server (and may stop and restart it with tap_pg_sh). */
bool tap_pg_owned(void);
/* tests/lib/pg.sh CMD on our server's directory; stdout's first line into out (may be NULL). */
int tap_pg_sh(const char *cmd, char *out, size_t size);
/*
 * Run sql on the server, with search_path = schema when given; replica: as a database admin
 * whose writes skip foreign keys and triggers (session_replication_role = replica). Fails the
 * test on error.
 */
void tap_pg_exec(const char *schema, const char *sql, bool replica);
