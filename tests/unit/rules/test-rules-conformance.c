/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-rules-conformance.c — Falco's own loader regression tests (engine-cases/expected.tsv,
 * mode "validate"): load each test's rule files in order as one batch and check the expected
 * outcome (error or not), and every expected error/warning by code, item type and item name.
 * Falco's exact message text is counted separately (a nice-to-have, not required).
 */
#include <stdio.h>

#include "rules/rules.h"
#include "tap.h"
#include "vectors.h"

struct expect {
	bool is_error;
	char code[64], type[64], name[256], message[512];
	bool has_name, has_message;
	long count; /* -1: at least one; otherwise exact count of code+type */
};

struct state {
	size_t total, passed, msg_checked, msg_matched;
	unsigned fails_printed;
};

/* Copy the argument of NAME("...") out of term into out; false when absent. */
static bool arg_of(const char *term, const char *name, char *out, size_t size)
{
	char key[64];
	(void)xsnprintf(key, sizeof(key), "%s(\"", name);
	const char *p = strstr(term, key);
	if (!p)
		return false;
	p += strlen(key);
	size_t n = 0;
	while (*p && !(p[0] == '"' && p[1] == ')')) {
		if (p[0] == '\\' && p[1])
			p++;
		if (n + 1 < size)
			out[n++] = *p;
		p++;
	}
	out[n] = 0;
	return true;
}

static bool find_msg(const struct rule_msg *m, size_t n, const struct expect *e, bool *ret_msg_ok)
{
	size_t hits = 0;
	bool msg_ok = false;
	for (size_t i = 0; i < n; i++) {
		if (m[i].is_error != e->is_error || !streq(m[i].code, e->code) ||
		    !streq(m[i].item_type, e->type))
			continue;
		if (e->has_name && !streq(m[i].item_name, e->name))
			continue;
		hits++;
		if (e->has_message && streq(m[i].message, e->message))
			msg_ok = true;
	}
	*ret_msg_ok = msg_ok;
	return e->count < 0 ? hits > 0 : hits == (size_t)e->count;
}

static void one_test(char **cols, size_t ncols, unsigned lineno, void *userdata)
{
	struct state *st = userdata;
	if (ncols < 6 || !streq(cols[1], "validate"))
		return;
	st->total++;
	const char *paths[8];
	char *files = strdup(cols[2]);
	ASSERT_NOT_NULL(files);
	size_t nf = 0;
	for (char *save = NULL, *tok = strtok_r(files, " ", &save); tok && nf < 8;
	     tok = strtok_r(NULL, " ", &save)) {
		char rel[512];
		ASSERT_OK(xsnprintf(rel, sizeof(rel), "runtime/engine-cases/rules/%s", tok));
		paths[nf] = strdup(tap_shared_path(rel));
		ASSERT_NOT_NULL(paths[nf]);
		nf++;
	}
	_cleanup_(rule_set_freep) struct rule_set *set = rule_set_new(NULL);
	ASSERT_NOT_NULL(set);
	struct bh_diag diag = {0};
	int r = rule_set_load_files(set, paths, nf, &diag);
	size_t nm;
	const struct rule_msg *msgs = rule_set_messages(set, &nm);

	bool ok = true;
	char why[1024] = "";
	struct expect chain = {0};
	bool have_chain = false;
	char *exp = strdup(cols[5]);
	ASSERT_NOT_NULL(exp);
	/* terms are separated by " | " */
	for (char *t = exp; t && *t;) {
		char *next = strstr(t, " | ");
		if (next) {
			*next = 0;
			next += 3;
		}
		struct expect e = {.count = -1};
		bool check = false;
		if (streq(t, "err")) {
			if (r >= 0) {
				ok = false;
				(void)xsnprintf(why, sizeof(why), "expected an error");
			}
		} else if (streq(t, "noerr")) {
			if (r < 0) {
				ok = false;
				(void)xsnprintf(why, sizeof(why), "unexpected error: %s",
						diag.message);
			}
		} else if (strstr(t, "OfCode(")) {
			e.is_error = strstr(t, "AllErrors.OfCode") != NULL;
			(void)arg_of(t, "OfCode", e.code, sizeof(e.code));
			(void)arg_of(t, "OfItemType", e.type, sizeof(e.type));
			e.has_name = arg_of(t, "OfItemName", e.name, sizeof(e.name));
			e.has_message = arg_of(t, "OfMessage", e.message, sizeof(e.message));
			if (strncmp(t, "Equal", 5) == 0 && ascii_isdigit(t[5]))
				e.count = t[5] - '0';
			chain = e;
			have_chain = true;
			check = true;
		} else if (strncmp(t, "NotNil:OfItemName(", 18) == 0 && have_chain) {
			e = chain;
			e.count = -1;
			e.has_name = arg_of(t, "OfItemName", e.name, sizeof(e.name));
			e.has_message = arg_of(t, "OfMessage", e.message, sizeof(e.message));
			check = true;
		} else if (strncmp(t, "Equal1:AllErrors.Count", 22) == 0) {
			size_t ne = 0;
			for (size_t i = 0; i < nm; i++)
				ne += msgs[i].is_error;
			if (ne != 1) {
				ok = false;
				(void)xsnprintf(why, sizeof(why), "%zu errors, expected 1", ne);
			}
		}
		if (check) {
			bool msg_ok;
			if (!find_msg(msgs, nm, &e, &msg_ok)) {
				ok = false;
				(void)xsnprintf(why, sizeof(why), "missing %s %s/%s/%s",
						e.is_error ? "error" : "warning", e.code, e.type,
						e.has_name ? e.name : "*");
			}
			if (e.has_message) {
				st->msg_checked++;
				st->msg_matched += msg_ok;
			}
		}
		t = next;
	}
	if (ok) {
		st->passed++;
	} else if (st->fails_printed++ < 40) {
		printf("# line %u %s: %s\n", lineno, cols[0], why);
		for (size_t i = 0; i < nm; i++)
			printf("#     got %s %s %s '%s': %s\n",
			       msgs[i].is_error ? "error" : "warning", msgs[i].code,
			       msgs[i].item_type, msgs[i].item_name, msgs[i].message);
	}
	free(exp);
	free(files);
	for (size_t i = 0; i < nf; i++)
		free((char *)paths[i]);
}

TEST(falco_validate_cases)
{
	struct state st = {0};
	(void)tap_vectors_foreach("runtime/engine-cases/expected.tsv", one_test, &st);
	printf("# engine-cases validate: %zu/%zu match (code, item type, item name); "
	       "messages identical to Falco's: %zu/%zu\n",
	       st.passed, st.total, st.msg_matched, st.msg_checked);
	ASSERT_EQ(st.total, 39);
	ASSERT_EQ(st.passed, st.total);
}
