/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-db.h — what `db import` (cmd-db.c) and `db update` (cmd-db-update.c) share: running
 * the import and recording the change of bulkhead's own configuration in the store.
 */
#pragma once

#include "cli/cli.h"
#include "vuln/db.h"

/*
 * Import paths into the database at db_path (vuln_db_import), print the summary line, and,
 * when store_spec is non-NULL, append a "config.vulndb.update" audit record (run kind
 * "config.vulndb": database path, its SHA-256 before and after, counts, sources, actor) to the
 * store. sources: what to name each input in the record (file names, URLs). On an import
 * failure *reterr_diag says why and the -errno is returned with nothing recorded; otherwise
 * the exit code (CLI_EXIT_RUNTIME when the database changed but the store could not record
 * it: one error line).
 */
int cli_db_import_recorded(struct cli_ctx *ctx, const char *db_path, char *const *paths,
			   size_t n_paths, const struct vuln_import_opts *o,
			   const char *const *sources, const char *store_spec, const char *actor,
			   struct bh_diag *reterr_diag);
