/* SPDX-License-Identifier: Apache-2.0 */
/*
 * limits.h — every bound applied to hostile input lives in one struct bh_limits.
 * Defaults are safe for real images (big node_modules trees, 100-layer images) and stop
 * bombs early. Each field is described once in the table in limits.c, which drives
 * `--limit NAME=VALUE`, BULKHEAD_LIMIT_<NAME> and `bulkhead help limits`.
 */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "common/macro.h"
#include "common/span.h"

struct bh_limits {
	uint64_t input_max_bytes;     /* any single metadata file read whole (JSON, DBs) */
	uint64_t json_max_depth;      /* nesting of arrays/objects */
	uint64_t layer_max_bytes;     /* uncompressed bytes of one layer */
	uint64_t image_max_bytes;     /* uncompressed bytes of all layers together */
	uint64_t ratio_max;           /* uncompressed:compressed ratio of a layer ... */
	uint64_t ratio_min_bytes;     /* ... enforced once a layer has inflated this much */
	uint64_t max_layers;          /* layers in one image */
	uint64_t max_entries;         /* tar entries / files over the whole image */
	uint64_t path_max_bytes;      /* length of one path */
	uint64_t path_max_depth;      /* components in one path */
	uint64_t link_max_hops;       /* symlinks followed while resolving one path */
	uint64_t capture_max_bytes;   /* content of one file kept for a cataloger */
	uint64_t archive_max_depth;   /* nested archives (jar in war in ear) */
	uint64_t archive_max_entries; /* entries in one nested archive */
	uint64_t max_packages;        /* packages in one SBOM */
	uint64_t index_max_depth;     /* nested OCI image indexes */
	uint64_t yaml_max_nodes;      /* YAML nodes per stream, aliases expanded (billion laughs) */
	uint64_t osv_max_affected;    /* affected[] entries in one OSV record */
	uint64_t osv_max_events;      /* range events plus listed versions of one entry */
	uint64_t osv_max_refs;        /* references kept per OSV record */
	uint64_t db_max_records;      /* advisories in one import */
	uint64_t zip_max_entries;     /* entries in one advisory archive (all.zip) */
	uint64_t zip_max_bytes;       /* uncompressed bytes of one advisory archive */
	uint64_t rules_max_depth;     /* nesting of one rule condition (parentheses, not) */
	uint64_t rules_max_list;      /* items of one rules list or `in (...)` after expansion */
	uint64_t rules_max_text;      /* bytes of one condition/output after appends and macros */
	uint64_t regex_max_steps;     /* PCRE2 match limit of one rules regex (backtracking) */
	uint64_t secret_max_file_bytes; /* larger files are skipped by the secret scanner */
	uint64_t secret_max_per_file; /* secret findings reported per file (rest counted) */
	uint64_t dockerfile_max_lines; /* lines of one Dockerfile */
	uint64_t threads;             /* worker threads; 0 = number of CPUs */
};

/* Fill with the safe defaults. */
void bh_limits_default(struct bh_limits *l);

/*
 * Apply one "name=value" (names as in `bulkhead help limits`, '-' or '_'; values take
 * K/M/G/T suffixes for sizes). 0, -EINVAL (unknown name, bad syntax), -ERANGE.
 */
int bh_limits_set(struct bh_limits *l, const char *assignment);

/*
 * A byte count as users write it: digits with an optional K, M, G or T suffix (powers of
 * 1024, either case), e.g. "64K", "3M". 0, -EINVAL (syntax), -ERANGE (overflow).
 */
int bh_parse_size(struct span v, uint64_t *ret);

/* Apply BULKHEAD_LIMIT_<NAME>=VALUE variables from the environment (secure_getenv). */
int bh_limits_from_env(struct bh_limits *l);

/* Print the table (name, default, meaning) for `bulkhead help limits`. */
void bh_limits_print(FILE *f);
