/* SPDX-License-Identifier: Apache-2.0 */
/* pg.c — the tests' PostgreSQL server (pg.h). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg.h"
#include "tap.h"

static char pg_base[512]; /* server URI, "" until started */
static char pg_dir[64];	  /* our server's directory, "" for an external server */
static int pg_state;	  /* 0 unknown, 1 up, 2 unavailable (skip), 3 failed */
static pid_t pg_owner;

int tap_pg_sh(const char *cmd, char *out, size_t size)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		(void)dup2(fds[1], 1);
		(void)close(fds[0]);
		(void)close(fds[1]);
		execl("/bin/sh", "sh", tap_src_path("tests/lib/pg.sh"), cmd, pg_dir, (char *)NULL);
		_exit(127);
	}
	(void)close(fds[1]);
	size_t n = 0;
	ssize_t k;
	char tmp[256];
	while ((k = read(fds[0], tmp, sizeof(tmp))) > 0)
		for (ssize_t i = 0; i < k; i++)
			if (out && n + 1 < size && tmp[i] != '\n')
				out[n++] = tmp[i];
			else if (out && tmp[i] == '\n')
				size = n + 1; /* keep the first line only */
	if (out)
		out[n] = '\0';
	(void)close(fds[0]);
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void pg_stop_at_exit(void)
{
	if (getpid() != pg_owner || !pg_dir[0])
		return;
	(void)tap_pg_sh("stop", NULL, 0);
	const char *rm[] = {"rm", "-rf", pg_dir, NULL};
	(void)tap_run(rm);
}

const char *tap_pg_server(void)
{
	if (pg_state == 0) {
		const char *env = getenv("BH_TEST_PG_URL");
		if (env && *env) {
			(void)xsnprintf(pg_base, sizeof(pg_base), "%s", env);
			pg_state = 1;
		} else {
			(void)xsnprintf(pg_dir, sizeof(pg_dir), "/tmp/bh-pg-XXXXXX");
			if (!mkdtemp(pg_dir)) {
				pg_dir[0] = '\0';
				pg_state = 3;
			} else {
				/* the server runs as `postgres` when we are root: it must reach DIR */
				(void)chmod(pg_dir, 0755);
				pg_owner = getpid();
				atexit(pg_stop_at_exit);
				int r = tap_pg_sh("start", pg_base, sizeof(pg_base));
				pg_state = r == 0 && pg_base[0] ? 1 : r == 77 ? 2 : 3;
			}
		}
	}
	if (pg_state == 2)
		TEST_SKIP("no PostgreSQL server (tests/lib/pg.sh exited 77)");
	if (pg_state == 3)
		tap_fail(__FILE__, __LINE__, "tests/lib/pg.sh could not start PostgreSQL");
	return pg_base;
}

bool tap_pg_owned(void)
{
	return pg_dir[0] != '\0';
}

void tap_pg_exec(const char *schema, const char *sql, bool replica)
{
	PGconn *c = PQconnectdb(tap_pg_server());
	ASSERT_TRUE(PQstatus(c) == CONNECTION_OK);
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	if (replica)
		PQclear(PQexec(c, "SET session_replication_role = replica"));
	char buf[4096];
	if (schema)
		ASSERT_OK(xsnprintf(buf, sizeof(buf), "SET search_path TO %s; %s", schema, sql));
	else
		ASSERT_OK(xsnprintf(buf, sizeof(buf), "%s", sql));
	PGresult *res = PQexec(c, buf);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		tap_fail(__FILE__, __LINE__, "%s: %s", sql, PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
}
