/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit-int.h — what the files of src/audit/ share and nobody else sees: the head file.
 */
#pragma once

#include "audit/audit.h"

/* One entry of the head file: the last checkpoint written for one store. Strings owned. */
struct audit_head_entry {
	char *store;   /* store_name() when it was written (identifies an emptied store) */
	char *genesis; /* hash of record 1 (identifies the chain) */
	struct store_checkpoint cp;
};
void audit_head_entries_free(struct audit_head_entry *e, size_t n);

/* Most entries a head file keeps (the oldest by time are dropped). */
#define AUDIT_HEAD_MAX_ENTRIES 256

/* Read the head file: 0, -ENOENT (absent), -EBADMSG (malformed), -E2BIG, -errno. */
int audit_head_read(const char *path, struct audit_head_entry **ret, size_t *ret_n);
/*
 * Record cp for the chain starting with genesis (store name store) in the head file under
 * an exclusive lock (path + ".lock"), replacing an entry of the same chain only with a
 * higher seq; written to a temporary file, fsynced and renamed (mode 0600). 0 or -errno.
 */
int audit_head_update(const char *path, const char *store, const char *genesis,
		      const struct store_checkpoint *cp);

/* The hash of record 1 of s into out: 0, -ENOENT (empty log), -errno. */
int audit_genesis(struct store *s, char out[static BH_DIGEST_STR_LEN + 1]);
