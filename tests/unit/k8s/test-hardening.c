/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hardening checks (src/k8s/hardening.c) and their place in `k8s check` (check.c): one
 * failing and one passing fixture per rule under tests/fixtures/k8s/hardening/{fail,pass}/
 * (the first line of each names the exact set of rules it must raise), the rule table,
 * de-duplication against the Pod Security Standards, bulkhead.dev/ignore exceptions, secret
 * values never printed, and the shared real-world manifests.
 */
#include <dirent.h>
#include <stdio.h>

#include "k8s/check.h"
#include "k8s/hardening.h"
#include "tap.h"

static struct bh_limits lim(void)
{
	struct bh_limits l;
	bh_limits_default(&l);
	return l;
}

static const struct k8s_check_opts HARD_ONLY = {.hardening = true, .no_pss = true};

/* Rule ids of rep's findings for object o (all objects when NULL), comma-separated. */
static char *ids_of(const struct k8s_check_report *rep, const struct k8s_object *o)
{
	struct buf b;
	buf_init(&b, 0);
	size_t n = 0;
	for (size_t i = 0; i < rep->n; i++) {
		if (o && rep->f[i].obj != o)
			continue;
		const char *id = rep->f[i].hard ? rep->f[i].hard->id : rep->f[i].check->id;
		ASSERT_OK(buf_printf(&b, "%s%s", n++ ? "," : "", id));
	}
	return buf_take(&b);
}

static bool has_id(const struct k8s_check_report *rep, const char *id)
{
	for (size_t i = 0; i < rep->n; i++) {
		const char *x = rep->f[i].hard ? rep->f[i].hard->id : rep->f[i].check->id;
		if (streq(x, id))
			return true;
	}
	return false;
}

static void load_text(struct k8s_manifests *m, const char *text)
{
	struct bh_limits l = lim();
	struct bh_diag d = {0};
	if (k8s_manifests_load_buf(m, "t.yaml", span_from(text), &l, &d) < 0)
		tap_fail(__FILE__, __LINE__, "cannot load: %s", d.message);
}

static char *render(const struct k8s_manifests *m, const struct k8s_check_opts *o,
		    const struct k8s_check_report *rep, bool json)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	ASSERT_NOT_NULL(f);
	ASSERT_OK(json ? k8s_check_report_json(m, o, rep, f) : k8s_check_report_table(m, rep, f));
	ASSERT_EQ(fclose(f), 0);
	return out;
}

TEST(table)
{
	size_t n;
	const struct k8s_hard_check *c = k8s_hard_checks(&n);
	ASSERT_TRUE(n >= 25);
	for (size_t i = 0; i < n; i++) {
		char want[32];
		ASSERT_OK(xsnprintf(want, sizeof(want), "BH-K8S-HARD-%03zu", i + 1));
		ASSERT_STREQ(c[i].id, want);
		ASSERT_TRUE(c[i].name && c[i].name[0] && c[i].title && c[i].title[0]);
		ASSERT_TRUE(c[i].remediation && c[i].remediation[0]);
		ASSERT_TRUE(c[i].severity < _K8S_SEV_MAX);
		bool nist = false;
		ASSERT_NOT_NULL(c[i].refs[0]);
		for (size_t k = 0; k < K8S_HARD_MAX_REFS && c[i].refs[k]; k++) {
			struct span r = span_from(c[i].refs[k]);
			ASSERT_TRUE(span_startswith(r, "CIS-K8S-1.9:5.") ||
				    span_startswith(r, "NIST-800-190:4."));
			nist |= span_startswith(r, "NIST-800-190:");
		}
		ASSERT_TRUE(nist);
		for (size_t j = 0; j < i; j++)
			ASSERT_FALSE(streq(c[i].name, c[j].name));
		if (c[i].pss_id)
			ASSERT_TRUE(span_startswith(span_from(c[i].pss_id), "BH-K8S-PSS-"));
	}
	ASSERT_STREQ(k8s_severity_name(K8S_SEV_CRITICAL), "critical");
}

/* Run every fixture of dir; mark in seen[] the rule numbers named by file names. */
static size_t run_fixture_dir(const char *dir, bool *seen, size_t n_checks, bool *raised)
{
	const char *path = tap_src_path(dir);
	DIR *d = opendir(path);
	if (!d)
		tap_fail(__FILE__, __LINE__, "cannot open %s", path);
	size_t files = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!span_endswith(span_from(de->d_name), ".yaml"))
			continue;
		char file[4096];
		ASSERT_OK(xsnprintf(file, sizeof(file), "%s/%s", path, de->d_name));
		uint64_t num;
		ASSERT_OK(parse_u64(span_make(de->d_name, 3), 10, n_checks, &num));
		ASSERT_TRUE(num >= 1);
		seen[num - 1] = true;
		_cleanup_free_ char *text = tap_read_file(file, NULL);
		ASSERT_NOT_NULL(text);
		struct span first, rest = span_from(text);
		ASSERT_OK(span_next_line(&rest, &first));
		ASSERT_TRUE(span_startswith(first, "# expect:"));
		struct span want = span_trim(span_slice(first, 9, first.len - 9));

		struct bh_limits l = lim();
		struct bh_diag diag = {0};
		struct k8s_manifests m = {0};
		if (k8s_manifests_load_path(&m, file, &l, &diag) < 0)
			tap_fail(__FILE__, __LINE__, "%s: cannot load: %s", de->d_name,
				 diag.message);
		struct k8s_check_report rep = {0};
		ASSERT_OK(k8s_check_run(&m, &HARD_ONLY, &rep));
		ASSERT_EQ(rep.n_workloads, 1);
		_cleanup_free_ char *got = ids_of(&rep, NULL);
		if (!span_eq_str(want, got))
			tap_fail(__FILE__, __LINE__, "%s/%s: got '%s', expected '%.*s'", dir,
				 de->d_name, got, (int)want.len, want.ptr);
		for (size_t i = 0; raised && i < rep.n; i++)
			raised[rep.f[i].hard - k8s_hard_checks(&(size_t){0})] = true;
		k8s_check_report_done(&rep);
		k8s_manifests_done(&m);
		files++;
	}
	closedir(d);
	return files;
}

TEST(fixtures)
{
	size_t n;
	(void)k8s_hard_checks(&n);
	bool fail_seen[64] = {0}, pass_seen[64] = {0}, raised[64] = {0};
	ASSERT_TRUE(n <= 64);
	size_t nf = run_fixture_dir("tests/fixtures/k8s/hardening/fail", fail_seen, n, raised);
	size_t np = run_fixture_dir("tests/fixtures/k8s/hardening/pass", pass_seen, n, NULL);
	printf("# hardening fixtures: %zu failing, %zu passing\n", nf, np);
	/* Every rule has a failing fixture named after it that raises it, and a passing one. */
	for (size_t i = 0; i < n; i++) {
		if (!fail_seen[i] || !pass_seen[i] || !raised[i])
			tap_fail(__FILE__, __LINE__,
				 "rule %zu: fail fixture %d, pass fixture %d, "
				 "raised %d",
				 i + 1, fail_seen[i], pass_seen[i], raised[i]);
	}
}

TEST(secret_values_never_printed)
{
	struct bh_limits l = lim();
	struct k8s_manifests m = {0};
	ASSERT_OK(k8s_manifests_load_path(
	    &m, tap_src_path("tests/fixtures/k8s/hardening/fail/028-env-secret-literal.yaml"), &l,
	    NULL));
	struct k8s_check_report rep = {0};
	ASSERT_OK(k8s_check_run(&m, &HARD_ONLY, &rep));
	ASSERT_EQ(rep.n, 1);
	ASSERT_NOT_NULL(strstr(rep.f[0].detail, "DB_PASSWORD"));
	ASSERT_NOT_NULL(strstr(rep.f[0].detail, "stripeApiKey"));
	ASSERT_NULL(strstr(rep.f[0].detail, "LOG_LEVEL"));
	for (int json = 0; json < 2; json++) {
		_cleanup_free_ char *out = render(&m, &HARD_ONLY, &rep, json);
		ASSERT_NOT_NULL(strstr(out, "BH-K8S-HARD-028"));
		ASSERT_NULL(strstr(out, "do-not-print"));
	}
	k8s_check_report_done(&rep);
	k8s_manifests_done(&m);
}

#define PRIV_POD                                                                                   \
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: apps}\nspec:\n"                 \
	"  containers:\n  - name: c\n    image: x:1\n"                                             \
	"    securityContext: {privileged: true, allowPrivilegeEscalation: true}\n"

TEST(no_duplicates_with_pss)
{
	struct k8s_manifests m = {0};
	load_text(&m, PRIV_POD);
	struct k8s_check_report rep = {0};
	/* Hardening alone reports privileged (015), escalation (016), caps (017). */
	ASSERT_OK(k8s_check_run(&m, &HARD_ONLY, &rep));
	ASSERT_TRUE(has_id(&rep, "BH-K8S-HARD-015"));
	ASSERT_TRUE(has_id(&rep, "BH-K8S-HARD-016"));
	ASSERT_TRUE(has_id(&rep, "BH-K8S-HARD-017"));
	k8s_check_report_done(&rep);
	/* Both at baseline: PSS reports privileged, hardening keeps what baseline lacks. */
	struct k8s_check_opts o = {.has_level = true, .level = K8S_PSS_BASELINE, .hardening = true};
	ASSERT_OK(k8s_check_run(&m, &o, &rep));
	ASSERT_TRUE(has_id(&rep, "BH-K8S-PSS-002"));
	ASSERT_FALSE(has_id(&rep, "BH-K8S-HARD-015"));
	ASSERT_TRUE(has_id(&rep, "BH-K8S-HARD-016"));
	ASSERT_TRUE(has_id(&rep, "BH-K8S-HARD-017"));
	ASSERT_TRUE(has_id(&rep, "BH-K8S-HARD-009"));
	k8s_check_report_done(&rep);
	/* Both at restricted: escalation, capabilities, non-root, seccomp go to PSS. */
	o.level = K8S_PSS_RESTRICTED;
	ASSERT_OK(k8s_check_run(&m, &o, &rep));
	ASSERT_TRUE(has_id(&rep, "BH-K8S-PSS-014"));
	ASSERT_TRUE(has_id(&rep, "BH-K8S-PSS-018"));
	static const char *const gone[] = {"BH-K8S-HARD-012", "BH-K8S-HARD-015", "BH-K8S-HARD-016",
					   "BH-K8S-HARD-017", "BH-K8S-HARD-020"};
	for (size_t i = 0; i < ARRAY_SIZE(gone); i++)
		if (has_id(&rep, gone[i]))
			tap_fail(__FILE__, __LINE__, "%s reported next to its PSS control",
				 gone[i]);
	ASSERT_TRUE(has_id(&rep, "BH-K8S-HARD-009")); /* not a PSS control */
	k8s_check_report_done(&rep);
	k8s_manifests_done(&m);
}

TEST(exceptions)
{
	/* On the object (with blanks and other case), and on a Deployment's pod template. */
	static const char text[] =
	    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: apps\n"
	    "  annotations: {bulkhead.dev/ignore: \"BH-K8S-HARD-015 , bh-k8s-pss-002,"
	    "BH-K8S-HARD-009\"}\nspec:\n"
	    "  containers:\n  - name: c\n    image: x:1\n"
	    "    securityContext: {privileged: true}\n"
	    "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: apps}\n"
	    "spec:\n  template:\n    metadata:\n      annotations:\n"
	    "        bulkhead.dev/ignore: BH-K8S-HARD-009\n"
	    "    spec:\n      containers:\n      - {name: c, image: x:1}\n"
	    "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: e, namespace: apps}\n"
	    "spec:\n  template:\n    spec:\n      containers:\n      - {name: c, image: x:1}\n";
	struct k8s_manifests m = {0};
	load_text(&m, text);
	ASSERT_EQ(m.n, 3);
	ASSERT_TRUE(k8s_object_ignores(&m.objs[0], "BH-K8S-HARD-015"));
	ASSERT_TRUE(k8s_object_ignores(&m.objs[0], "BH-K8S-PSS-002"));
	ASSERT_FALSE(k8s_object_ignores(&m.objs[0], "BH-K8S-HARD-01"));
	ASSERT_TRUE(k8s_object_ignores(&m.objs[1], "BH-K8S-HARD-009"));
	ASSERT_FALSE(k8s_object_ignores(&m.objs[2], "BH-K8S-HARD-009"));
	struct k8s_check_opts o = {.hardening = true};
	struct k8s_check_report rep = {0};
	ASSERT_OK(k8s_check_run(&m, &o, &rep));
	_cleanup_free_ char *p = ids_of(&rep, &m.objs[0]);
	_cleanup_free_ char *d = ids_of(&rep, &m.objs[1]);
	_cleanup_free_ char *e = ids_of(&rep, &m.objs[2]);
	ASSERT_NULL(strstr(p, "PSS-002"));
	ASSERT_NULL(strstr(p, "HARD-015"));
	ASSERT_NULL(strstr(p, "HARD-009"));
	ASSERT_NOT_NULL(strstr(p, "HARD-016")); /* not listed: still reported */
	ASSERT_NULL(strstr(d, "HARD-009"));
	ASSERT_NOT_NULL(strstr(e, "HARD-009"));
	/* p: PSS-002, HARD-009 and HARD-015 (reported because its PSS twin was suppressed,
	 * then suppressed itself); d: HARD-009. */
	ASSERT_EQ(rep.n_sup, 4);
	_cleanup_free_ char *json = render(&m, &o, &rep, true);
	ASSERT_NOT_NULL(strstr(json, "\"suppressed\": 4"));
	ASSERT_NOT_NULL(strstr(json, "suppressed by annotation bulkhead.dev/ignore"));
	ASSERT_NOT_NULL(strstr(json, "\"checks\": \"pss,hardening\""));
	ASSERT_NOT_NULL(strstr(json, "\"compliance\": [\n"));
	_cleanup_free_ char *table = render(&m, &o, &rep, false);
	ASSERT_NOT_NULL(strstr(table, "4 suppressed by bulkhead.dev/ignore"));
	k8s_check_report_done(&rep);
	k8s_manifests_done(&m);
}

TEST(shared_manifests)
{
	const char *dir = tap_shared_path("k8s/manifests");
	if (!dir)
		TEST_SKIP("shared test data absent");
	struct bh_limits l = lim();
	struct bh_diag diag = {0};
	struct k8s_manifests m = {0};
	if (k8s_manifests_load_path(&m, dir, &l, &diag) < 0)
		tap_fail(__FILE__, __LINE__, "cannot load: %s", diag.message);
	size_t n;
	const struct k8s_hard_check *c = k8s_hard_checks(&n);
	for (int both = 0; both < 2; both++) {
		struct k8s_check_opts o = {.hardening = true, .no_pss = !both};
		struct k8s_check_report rep = {0};
		ASSERT_OK(k8s_check_run(&m, &o, &rep));
		ASSERT_TRUE(rep.n_workloads > 0);
		ASSERT_TRUE(rep.n > 0);
		size_t per[64] = {0}, pss = 0;
		for (size_t i = 0; i < rep.n; i++) {
			if (rep.f[i].hard)
				per[rep.f[i].hard - c]++;
			else
				pss++;
		}
		printf("# %s: %zu objects, %zu workloads, %zu findings (%zu PSS)\n",
		       both ? "pss+hardening" : "hardening only", m.n, rep.n_workloads, rep.n, pss);
		for (size_t i = 0; i < n && i < 64; i++)
			printf("#   %s %-26s %zu\n", c[i].id, c[i].name, per[i]);
		_cleanup_free_ char *json = render(&m, &o, &rep, true);
		ASSERT_NOT_NULL(strstr(json, "bulkhead.k8s-check/v1"));
		k8s_check_report_done(&rep);
	}
	k8s_manifests_done(&m);
}

TEST(long_details_are_cut_not_fatal)
{
	/* 3000 literal secrets in one container: far past the detail's size limit. */
	struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(buf_puts(&b, "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\n"
			       "spec:\n  containers:\n  - name: c\n    image: x:1\n    env:\n"));
	for (int i = 0; i < 3000; i++)
		ASSERT_OK(buf_printf(&b, "    - {name: SERVICE_PASSWORD_%04d, value: v}\n", i));
	struct k8s_manifests m = {0};
	load_text(&m, buf_str(&b));
	buf_done(&b);
	struct k8s_check_report rep = {0};
	ASSERT_OK(k8s_check_run(&m, &HARD_ONLY, &rep));
	ASSERT_TRUE(has_id(&rep, "BH-K8S-HARD-028"));
	for (size_t i = 0; i < rep.n; i++)
		if (streq(rep.f[i].hard->id, "BH-K8S-HARD-028")) {
			ASSERT_NOT_NULL(strstr(rep.f[i].detail, "SERVICE_PASSWORD_0000"));
			ASSERT_NULL(strstr(rep.f[i].detail, "SERVICE_PASSWORD_2999"));
		}
	k8s_check_report_done(&rep);
	k8s_manifests_done(&m);
}
