/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h — what every `bulkhead` subcommand shares: the context built from global
 * options, the exit-code convention and the command table entry.
 */
#pragma once

#include "audit/audit.h"

#include <jansson.h>
#include <stdio.h>

#include "common/common.h"

enum cli_exit {
	CLI_EXIT_OK = 0,       /* nothing at or above the threshold */
	CLI_EXIT_FINDINGS = 1, /* findings at or above the threshold */
	CLI_EXIT_INPUT = 2,    /* usage, configuration or input error */
	CLI_EXIT_RUNTIME = 3,  /* runtime error (out of memory, I/O) */
};

struct cli_ctx {
	struct bh_limits limits;
};

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv, struct cli_ctx *ctx);
	const char *summary;
	const char *usage; /* full help text printed by `bulkhead help NAME` and NAME --help */
};

/* Map a -errno from a subsystem to an exit code: input problems are 2, the rest 3. */
int cli_exit_for_errno(int r);
/* Handle an option shared by all commands (--limit); true if consumed. */
int cli_common_option(struct cli_ctx *ctx, int opt, const char *arg, bool *ret_handled);

int cmd_sbom(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_sbom_usage[];
int cmd_scan(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_scan_usage[];
int cmd_db(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_db_usage[];
int cmd_sensor(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_sensor_usage[];
int cmd_k8s(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_k8s_usage[];
int cmd_admission(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_admission_usage[];
/* `bulkhead audit ask ...` (cmd-audit-ask.c); argv[0] is "ask". */
int cmd_audit_ask(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_audit_ask_usage[];
int cmd_lint(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_lint_usage[];
int cmd_sign(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_sign_usage[];
int cmd_verify(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_verify_usage[];
int cmd_audit(int argc, char **argv, struct cli_ctx *ctx); extern const char cmd_audit_usage[];
int cmd_risk(int argc, char **argv, struct cli_ctx *ctx);
int cmd_baseline(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_baseline_usage[];
/*
 * Baselines for the commands that read them (cmd-baseline.c, cmd-profile.c): the store
 * (--store, $BULKHEAD_STORE, else the default; must exist, opened read-only); a stored
 * WORKLOAD[#VERSION] (*ret_version, may be NULL, gets the stored version); a document file
 * ("-" = stdin); whether a reference names a file (it starts with '/', './', '../' or ends
 * in '.json'). Each returns CLI_EXIT_OK or an exit code after one error line.
 */
struct baseline;
int cli_baseline_open_store(struct cli_ctx *ctx, const char *store_opt, struct store **ret);
int cli_baseline_load_stored(struct cli_ctx *ctx, struct store *s, const char *ref,
			     struct baseline **ret, int64_t *ret_version);
int cli_baseline_load_file(struct cli_ctx *ctx, const char *path, struct baseline **ret);
bool cli_baseline_is_file_ref(const char *s);

/* `bulkhead profile export ...` (cmd-profile.c). */
int cmd_profile(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_profile_usage[];
extern const char cmd_risk_usage[];
int cmd_report(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_report_usage[];
/* `bulkhead k8s who-can ...` and `bulkhead k8s rbac ...` (cmd-k8s-rbac.c); argv[0] is the name. */
int cmd_k8s_who_can(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_k8s_who_can_usage[];
int cmd_k8s_rbac(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_k8s_rbac_usage[];
/* `bulkhead k8s reach|exposure ...` (cmd-k8s-net.c); argv[0] is "reach" or "exposure". */
int cmd_k8s_reach(int argc, char **argv, struct cli_ctx *ctx);
int cmd_k8s_exposure(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_k8s_reach_usage[];
extern const char cmd_k8s_exposure_usage[];
/* `bulkhead sensor replay ...` (cmd-sensor-replay.c); argv[0] is "replay". */
int cmd_sensor_replay(int argc, char **argv, struct cli_ctx *ctx);
extern const char cmd_sensor_replay_usage[];
/* `bulkhead db update ...` (cmd-db-update.c); argv[0] is "update". */
int cmd_db_update(int argc, char **argv, struct cli_ctx *ctx);

struct vuln_import_stats;
/* The one-line result of db import / db update, on stdout. */
void cli_db_print_import_summary(const char *path, const struct vuln_import_stats *st);

/*
 * Write a command's result to out_path ("-" or NULL: stdout) all-or-nothing: render(u, f)
 * writes the document; on any failure nothing appears and one line is logged. Returns
 * CLI_EXIT_OK or the exit code.
 */
int cli_write_output(const char *out_path, int (*render)(void *u, FILE *f), void *u);

/* Log diag as one line (source when it names nothing) and return the exit code for r. */
int cli_fail_diag(int r, struct bh_diag *diag, const char *source);

struct k8s_manifests;
/* Load every PATH into m (k8s commands): 0, or an exit code after one error line. */
int cli_k8s_load(struct cli_ctx *ctx, char *const *paths, int n, struct k8s_manifests *m);

struct store_run;
/* The store a recording command writes to: --store's value, else $BULKHEAD_STORE, else NULL
 * (nothing is recorded). */
const char *cli_store_spec(const char *opt);
/* Check a --cluster value (1-253 characters): 0, or -EINVAL after one error line. */
int cli_cluster_option(const char *arg);
/* A slice of a command's findings recorded as its own run (kind), e.g. one per scanner. */
struct cli_record_part {
	const char *kind;		   /* run kind: "scan.vuln", "scan.secret", … */
	bool (*match)(const json_t *finding); /* does this finding belong to the part */
};
/*
 * Record a run in the store spec: the findings of the JSON document render(u, f) writes
 * (the command's own --format json output; target from it unless run names one) — as one
 * run, or one run per part — then audit records for the findings first seen and resolved and
 * for each run. One line on stderr on failure. CLI_EXIT_OK or an exit code.
 */
int cli_record(struct cli_ctx *ctx, const char *spec, const struct store_run *run,
	       int (*render)(void *u, FILE *f), void *u, const struct cli_record_part *parts,
	       size_t n_parts);
/*
 * Deliver a batch (src/audit/recorder.h: runs, findings, audit records) to the store spec in
 * one transaction, after the runs spooled earlier; a PostgreSQL store that cannot be reached
 * gets the batch spooled (nothing lost). CLI_EXIT_OK or an exit code after one error line.
 */
int cli_record_batch(struct cli_ctx *ctx, const char *spec, const json_t *batch);

/*
 * A store opened for writing with the audit writer of this process (key made on first use,
 * checkpoints and the signed head file as src/audit/ does): for commands that change
 * bulkhead's own state (baseline modes, vulnerability DB updates) and append audit records
 * directly. cli_audit_open: 0 or an exit code after one error line; cli_audit_close flushes
 * (checkpoint) and returns CLI_EXIT_OK or an exit code.
 */
struct cli_audit {
	struct store *store;
	struct audit_key *key;
	char *key_path, *head_path;
	struct audit_writer writer;
	bool writer_ready;
};
int cli_audit_open(struct cli_ctx *ctx, const char *spec, unsigned store_flags, struct cli_audit *a);
/* Append one record; logs one line and returns an exit code on failure. */
int cli_audit_append(struct cli_audit *a, const char *kind, const char *target, const char *actor,
		     const json_t *payload);
int cli_audit_close(struct cli_audit *a);

struct img;
struct img_visitor;
/*
 * Open and catalogue the image named by target_str for a command (sbom, scan): parses
 * the target, reads the image with the context's limits and a progress bar (and visitor,
 * may be NULL, in the same pass), runs every cataloger. On failure logs one line naming
 * the input and returns the exit code (> 0); 0 with *ret set on success.
 */
int cli_open_image(struct cli_ctx *ctx, const char *target_str, const char *platform,
		   const struct img_visitor *visitor, struct img **ret);
