/* SPDX-License-Identifier: Apache-2.0 */
/* limits.c — the declarative table of limits: name, field, default, bounds, meaning. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"

#define KiB ((uint64_t)1 << 10)
#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)

struct limit_def {
	const char *name;
	size_t offset;
	uint64_t def, min, max;
	bool is_size;
	const char *help;
};

#define L(n, f, d, lo, hi, sz, h) { n, offsetof(struct bh_limits, f), d, lo, hi, sz, h }
static const struct limit_def limit_table[] = {
	L("input-max-bytes", input_max_bytes, 64 * MiB, 1 * KiB, 4 * GiB, true,
	  "largest metadata file read whole (manifest, config, package DB)"),
	L("json-max-depth", json_max_depth, 512, 2, 10000, false, "deepest JSON nesting"),
	L("layer-max-bytes", layer_max_bytes, 64 * GiB, 1 * KiB, UINT64_MAX / 2, true,
	  "largest uncompressed layer"),
	L("image-max-bytes", image_max_bytes, 256 * GiB, 1 * KiB, UINT64_MAX / 2, true,
	  "largest uncompressed image (all layers)"),
	L("ratio-max", ratio_max, 250, 2, 1000000, false,
	  "highest decompression ratio of a layer (bomb guard)"),
	L("ratio-min-bytes", ratio_min_bytes, 256 * MiB, 0, UINT64_MAX / 2, true,
	  "uncompressed bytes after which ratio-max applies"),
	L("max-layers", max_layers, 512, 1, 65536, false, "layers in one image"),
	L("max-entries", max_entries, 1000000, 1, 100000000, false,
	  "file-system entries in one image (all layers)"),
	L("path-max-bytes", path_max_bytes, 4096, 16, 1 * MiB, true, "longest path in an image"),
	L("path-max-depth", path_max_depth, 256, 2, 100000, false,
	  "most components in one path"),
	L("link-max-hops", link_max_hops, 40, 1, 1000, false,
	  "symlinks followed when resolving one path"),
	L("capture-max-bytes", capture_max_bytes, 256 * MiB, 1 * KiB, 16 * GiB, true,
	  "largest file read for a cataloger (binaries, archives, package DBs)"),
	L("archive-max-depth", archive_max_depth, 4, 0, 64, false,
	  "nesting of archives inside archives (jar in war)"),
	L("archive-max-entries", archive_max_entries, 200000, 1, 100000000, false,
	  "entries in one archive file (jar, war, ear)"),
	L("max-packages", max_packages, 1000000, 1, 100000000, false, "packages in one SBOM"),
	L("index-max-depth", index_max_depth, 8, 1, 64, false, "nesting of OCI image indexes"),
	L("yaml-max-nodes", yaml_max_nodes, 4 << 20, 1000, 1 << 30, false,
	  "YAML nodes in one stream, every alias expansion counted (billion laughs)"),
	L("osv-max-affected", osv_max_affected, 20000, 1, 10000000, false,
	  "affected packages in one OSV advisory"),
	L("osv-max-events", osv_max_events, 200000, 1, 100000000, false,
	  "range events plus listed versions of one affected package"),
	L("osv-max-refs", osv_max_refs, 16, 0, 100000, false,
	  "reference URLs kept per advisory"),
	L("db-max-records", db_max_records, 20000000, 1, UINT64_MAX / 2, false,
	  "advisories in one import"),
	L("zip-max-entries", zip_max_entries, 5000000, 1, UINT64_MAX / 2, false,
	  "entries in one advisory archive (all.zip)"),
	L("zip-max-bytes", zip_max_bytes, 32 * GiB, 1 * KiB, UINT64_MAX / 2, true,
	  "uncompressed bytes of one advisory archive"),
	L("rules-max-depth", rules_max_depth, 200, 4, 10000, false,
	  "nesting of one rule condition (parentheses, not, and/or chains)"),
	L("rules-max-list", rules_max_list, 100000, 1, 100000000, false,
	  "items of one rules list or in (...) after expansion"),
	L("rules-max-text", rules_max_text, 1 * MiB, 1 * KiB, 1 * GiB, true,
	  "bytes of one rule condition or output after appends"),
	L("regex-max-steps", regex_max_steps, 100000, 100, 1000000000, false,
	  "backtracking steps of one rules regex match (PCRE2 match limit)"),
	L("secret-max-file-bytes", secret_max_file_bytes, 64 * MiB, 0, UINT64_MAX / 2, true,
	  "files larger than this are not scanned for secrets (counted; 0 = no limit)"),
	L("secret-max-per-file", secret_max_per_file, 100, 1, 1000000, false,
	  "secret findings reported per file; the rest are counted"),
	L("dockerfile-max-lines", dockerfile_max_lines, 100000, 1, 100000000, false,
	  "lines of one Dockerfile, continuations included"),
	L("threads", threads, 0, 0, 1024, false, "worker threads (0 = one per CPU)"),
};
#undef L

static uint64_t *field(struct bh_limits *l, const struct limit_def *d)
{
	return (uint64_t *)((char *)l + d->offset);
}

void bh_limits_default(struct bh_limits *l)
{
	for (size_t i = 0; i < ARRAY_SIZE(limit_table); i++)
		*field(l, &limit_table[i]) = limit_table[i].def;
}

static bool name_matches(struct span given, const char *name)
{
	if (given.len != strlen(name))
		return false;
	for (size_t i = 0; i < given.len; i++) {
		char a = (char)ascii_tolower((unsigned char)given.ptr[i]);
		if (a == '_')
			a = '-';
		if (a != name[i])
			return false;
	}
	return true;
}

static int parse_value(struct span v, bool is_size, uint64_t *ret);

int bh_parse_size(struct span v, uint64_t *ret)
{
	return parse_value(v, true, ret);
}

static int parse_value(struct span v, bool is_size, uint64_t *ret)
{
	uint64_t mul = 1;
	if (is_size && v.len) {
		switch (v.ptr[v.len - 1]) {
		case 'k': case 'K': mul = KiB; break;
		case 'm': case 'M': mul = MiB; break;
		case 'g': case 'G': mul = GiB; break;
		case 't': case 'T': mul = GiB * 1024; break;
		default: break;
		}
		if (mul != 1)
			v.len--;
	}
	uint64_t n;
	int r = parse_u64(v, 10, UINT64_MAX, &n);
	if (r < 0)
		return r;
	if (__builtin_mul_overflow(n, mul, &n))
		return -ERANGE;
	*ret = n;
	return 0;
}

static int set_one(struct bh_limits *l, struct span name, struct span value)
{
	for (size_t i = 0; i < ARRAY_SIZE(limit_table); i++) {
		const struct limit_def *d = &limit_table[i];
		if (!name_matches(name, d->name))
			continue;
		uint64_t v;
		int r = parse_value(span_trim(value), d->is_size, &v);
		if (r < 0)
			return r;
		if (v < d->min || v > d->max)
			return -ERANGE;
		*field(l, d) = v;
		return 0;
	}
	return -EINVAL;
}

int bh_limits_set(struct bh_limits *l, const char *assignment)
{
	struct span name, value;
	if (!span_cut(span_from(assignment), '=', &name, &value))
		return -EINVAL;
	return set_one(l, span_trim(name), value);
}

int bh_limits_from_env(struct bh_limits *l)
{
	for (size_t i = 0; i < ARRAY_SIZE(limit_table); i++) {
		char var[128] = "BULKHEAD_LIMIT_";
		size_t n = strlen(var);
		for (const char *p = limit_table[i].name; *p && n < sizeof(var) - 1; p++)
			var[n++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		var[n] = '\0';
		const char *v = secure_getenv(var);
		if (!v)
			continue;
		int r = set_one(l, span_from(limit_table[i].name), span_from(v));
		if (r < 0)
			return log_error_errno(r, "invalid value '%s' in %s", v, var);
	}
	return 0;
}

void bh_limits_print(FILE *f)
{
	struct bh_limits d;
	bh_limits_default(&d);
	fprintf(f, "%-22s %-14s %s\n", "NAME", "DEFAULT", "MEANING");
	for (size_t i = 0; i < ARRAY_SIZE(limit_table); i++) {
		const struct limit_def *t = &limit_table[i];
		fprintf(f, "%-22s %-14llu %s\n", t->name, (unsigned long long)*field(&d, t),
			t->help);
	}
}
