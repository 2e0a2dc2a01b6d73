/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bh-yaml.h — a YAML stream (JSON included: JSON is YAML) into one jansson value per document,
 * on libyaml's event parser. Mappings become objects, sequences arrays; plain scalars are
 * typed the way Kubernetes' YAML reader (go-yaml v2 under sigs.k8s.io/yaml) types them:
 * null (~, null, empty), booleans (true/false, yes/no, on/off, y/n in their three cases),
 * integers (decimal, 0x hex, 0o and leading-0 octal, 0b binary, '_' separators), floats;
 * everything else, and every quoted scalar, is a string. Values that JSON cannot carry
 * (.inf, .nan, integers beyond 64 bits) stay strings or become reals as go-yaml does.
 *
 * Bounded: the input size (input-max-bytes), nesting depth (json-max-depth) and the number
 * of nodes produced counting every alias expansion (yaml-max-nodes per stream), so a
 * "billion laughs" document is refused before anything walks it. Duplicate mapping keys
 * and non-scalar keys are rejected. Aliases share the anchored value (json_incref), so an
 * expanded value costs no memory, only weight. Tags are ignored. Merge keys ("<<") are
 * applied: keys written in the mapping itself win over merged ones.
 */
#pragma once

#include <jansson.h>

#include "common/diag.h"
#include "common/limits.h"
#include "common/span.h"

/* Nodes one stream may produce, aliases expanded (a new bh_limits field would replace it). */

struct bh_yaml_doc {
	json_t *value; /* owned reference; JSON null for an empty document */
	unsigned line; /* 1-based line of the document's first node */
	/*
	 * When the document is a mapping whose "items" is a sequence written in place (a
	 * Kubernetes List, `kubectl get -o yaml|json`): the 1-based line of each element, in
	 * order (owned; n_item_lines may be short of the array if elements came from aliases).
	 */
	unsigned *item_lines;
	size_t n_item_lines;
};

struct bh_yaml_stream {
	struct bh_yaml_doc *docs; /* owned array */
	size_t n, cap;
};

/*
 * Parse every document of in; source names the input in diagnostics. On success ret is
 * filled (it must be zeroed or freshly done); free with bh_yaml_stream_done(). On failure
 * ret is left empty. Errors: -E2BIG (size, depth or node limit), -EBADMSG (syntax, duplicate
 * or non-scalar key, unknown or recursive alias), -ENOMEM; reterr_diag gets line/column.
 */
int bh_yaml_parse(struct span in, const struct bh_limits *limits, const char *source,
		  struct bh_yaml_stream *ret, struct bh_diag *reterr_diag);

/* Release every document; the stream may be reused. Accepts a zeroed stream. */
void bh_yaml_stream_done(struct bh_yaml_stream *s);

/*
 * Type one plain (unquoted) scalar as described above. Returns a new reference or NULL on
 * OOM. Exposed for tests.
 */
json_t *bh_yaml_plain_scalar(const char *s, size_t len);

/*
 * The 1-based line, at or after from_line, where token first stands as a word (as_key
 * false) or as a mapping key ("token:" / "'token':", as_key true) in text; from_line when
 * it is nowhere. A word is bounded by characters other than letters, digits and . _ / * -.
 * Used to point a configuration error at the offending key after the document was turned
 * into JSON.
 */
unsigned bh_yaml_find_line(struct span text, unsigned from_line, const char *token, bool as_key);
