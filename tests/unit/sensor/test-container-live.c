/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-container-live.c — attribution of a live process, driven by
 * tests/slow/t-container-attribution.sh, which starts real containers and runs this program
 * once per container with the expected answer in the environment:
 *   BH_TEST_PID        the process to attribute (unset: every test is skipped)
 *   BH_TEST_ID         the expected full container id, or "host"
 *   BH_TEST_NAME       expected container name (unset: not checked; empty: must be absent)
 *   BH_TEST_IMAGE      expected image (same convention)
 *   BH_TEST_RUNTIME    expected runtime ("podman", "runc", ...; same convention)
 *   BH_TEST_PRIVILEGED "1" or "0" (unset: not checked)
 *   BH_TEST_ROOT       the host root to read runtime state from (default "/")
 * Under `meson test` nothing is set and the program reports skips.
 */
#include <sys/types.h>

#include "sensor/container.h"
#include "tap.h"

static pid_t test_pid(void)
{
	const char *s = getenv("BH_TEST_PID");
	uint64_t v;
	if (!s || !*s)
		TEST_SKIP("BH_TEST_PID is not set (run by tests/slow/t-container-attribution.sh)");
	if (parse_u64(span_from(s), 10, INT32_MAX, &v) < 0 || v == 0)
		tap_fail(__FILE__, __LINE__, "BH_TEST_PID '%s' is not a pid", s);
	return (pid_t)v;
}

/* Compare an optional field: unset = skip, "" = must be absent. */
static void expect_field(const char *what, const char *env, const char *got)
{
	const char *want = getenv(env);
	if (!want)
		return;
	if (!*want) {
		if (got)
			tap_fail(__FILE__, __LINE__, "%s is '%s', expected none", what, got);
		return;
	}
	if (!got || !streq(got, want))
		tap_fail(__FILE__, __LINE__, "%s is '%s', expected '%s'", what,
			 got ? got : "(none)", want);
}

TEST(proc_cgroup_names_container)
{
	pid_t pid = test_pid();
	const char *want = getenv("BH_TEST_ID");
	_cleanup_free_ char *path = NULL;
	ASSERT_OK(sensor_proc_cgroup(pid, &path));
	printf("# pid %lld cgroup '%s'\n", (long long)pid, path);
	char id[SENSOR_CONTAINER_ID_MAX + 1];
	enum sensor_runtime rt;
	int r = sensor_cgroup_container_id(span_from(path), id, sizeof(id), &rt);
	if (!want || streq(want, "host") || r == -ENOENT) {
		/* the host, or a runc container under a parent of its own: only the last
		 * component can tell, and attribute_pid checks runc's state for it */
		if (want && !streq(want, "host")) {
			struct span rest = span_from(path);
			ASSERT_TRUE(span_endswith(rest, want));
		}
		return;
	}
	ASSERT_OK(r);
	ASSERT_STREQ(id, want);
}

TEST(attribute_pid)
{
	pid_t pid = test_pid();
	const char *want = getenv("BH_TEST_ID");
	if (!want)
		tap_fail(__FILE__, __LINE__, "BH_TEST_ID is not set");
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c = NULL;
	ASSERT_OK(sensor_container_cache_new(getenv("BH_TEST_ROOT"), NULL, 0, &c));
	struct bh_ev_container ev = { 0 };
	ASSERT_OK(sensor_container_cache_attribute_pid(c, pid, &ev));
	printf("# id=%s full_id=%s name=%s image=%s runtime=%s privileged=%d labels=%zu\n", ev.id,
	       ev.full_id ? ev.full_id : "-", ev.name ? ev.name : "-", ev.image ? ev.image : "-",
	       ev.runtime ? ev.runtime : "-", ev.privileged, ev.n_labels);

	if (streq(want, "host")) {
		ASSERT_STREQ(ev.id, "host");
		ASSERT_NULL(ev.full_id);
	} else {
		ASSERT_STREQ(ev.full_id, want);
		struct span w = span_from(want);
		bool hex = w.len == 64;
		_cleanup_free_ char *short_id =
			span_dup(hex ? span_slice(w, 0, SENSOR_CONTAINER_SHORT_ID_LEN) : w);
		ASSERT_NOT_NULL(short_id);
		ASSERT_STREQ(ev.id, short_id);
	}
	expect_field("name", "BH_TEST_NAME", ev.name);
	expect_field("image", "BH_TEST_IMAGE", ev.image);
	expect_field("runtime", "BH_TEST_RUNTIME", ev.runtime);
	const char *priv = getenv("BH_TEST_PRIVILEGED");
	if (priv && *priv)
		ASSERT_EQ(ev.privileged, streq(priv, "1"));
	sensor_ev_container_done(&ev);
}
