/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline-int.h — what baseline.c (sets, learning, checking) and baseline-facts.c (event to
 * facts, write collapse) share. Private to src/runtime/.
 */
#pragma once

#include "common/buf.h"
#include "runtime/baseline.h"

enum cand_flags {
	CAND_WRITE_PATH = 1 << 0, /* file_write: learn applies the collapse rules */
	CAND_TOO_LONG = 1 << 1,	  /* a path longer than path_max: never stored */
};

struct cand {
	enum baseline_type type;
	unsigned flags;
	struct baseline_fact f;
};

#define MAX_CANDS 12

struct cands {
	struct cand v[MAX_CANDS];
	size_t n;
};

void bl_fact_done(struct baseline_fact *f);
int bl_fact_make(uint8_t proto, uint16_t port, const char *a, const char *bb,
		 struct baseline_fact *ret);
bool bl_is_path_type(enum baseline_type t);
int bl_path_normalize(const char *base, const char *rel, struct buf *out);
void bl_path_proc_rewrite(struct buf *p);
bool bl_set_has(const struct baseline_set *s, const struct baseline_fact *f);
int bl_set_insert_take(struct baseline *b, enum baseline_type t, struct baseline_fact *f);
size_t bl_set_lower_str(const struct baseline_set *s, const char *key);
void bl_set_remove(struct baseline *b, enum baseline_type t, size_t lo, size_t hi);
bool bl_syscall_name_ok(const char *s);
int bl_event_cands(const struct baseline *b, const struct bh_event *ev, const char *sha,
		   struct cands *c);
int bl_fw_learn(struct baseline *b, const char *path);
bool bl_set_matches_path(const struct baseline_set *s, const char *path);
void bl_cands_done(struct cands *c);
