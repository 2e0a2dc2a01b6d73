/* SPDX-License-Identifier: Apache-2.0 */
/* The Pod Security Standards (src/k8s/pss.c): upstream fixtures and versioned rules. */
#include <dirent.h>
#include <stdio.h>

#include "k8s/check.h"
#include "k8s/pss.h"
#include "tap.h"

static struct bh_limits lim(void)
{
	struct bh_limits l;
	bh_limits_default(&l);
	return l;
}

/* Names (PSA check names) of the violations of the single pod in text, comma-separated. */
static char *violations(const char *text, enum k8s_pss_level level, const char *version)
{
	struct bh_limits l = lim();
	struct k8s_manifests m = {0};
	struct bh_diag d = {0};
	uint32_t minor;
	if (k8s_pss_version_parse(version, &minor) < 0)
		tap_fail(__FILE__, __LINE__, "bad version %s", version);
	if (k8s_manifests_load_buf(&m, "t.yaml", span_from(text), &l, &d) < 0 || m.n != 1 ||
	    !m.objs[0].has_pod)
		tap_fail(__FILE__, __LINE__, "cannot load: %s", d.message);
	struct k8s_pss_result res = {0};
	ASSERT_OK(k8s_pss_evaluate(&m.objs[0].pod, level, minor, &res));
	struct buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < res.n; i++)
		ASSERT_OK(buf_printf(&b, "%s%s", i ? "," : "", res.v[i].check->name));
	k8s_pss_result_done(&res);
	k8s_manifests_done(&m);
	return buf_take(&b);
}

#define EXPECT(text, level, version, want)                                                         \
	do {                                                                                       \
		char *_got = violations(text, level, version);                                     \
		if (strcmp(_got, want) != 0)                                                       \
			tap_fail(__FILE__, __LINE__, "%s %s: got '%s', expected '%s'", #level,     \
				 version, _got, want);                                             \
		free(_got);                                                                        \
	} while (0)

#define B K8S_PSS_BASELINE
#define R K8S_PSS_RESTRICTED

/* A pod that passes restricted at every version, with the given extra lines. */
#define GOOD_POD(pod_extra, ctr_extra)                                                             \
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" pod_extra                        \
	"  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n"        \
	"  containers:\n  - name: c\n    image: x\n    securityContext:\n"                         \
	"      allowPrivilegeEscalation: false\n      capabilities: {drop: [ALL]}\n" ctr_extra

TEST(pss_upstream_fixtures)
{
	const char *root = tap_shared_path("k8s/psa");
	if (!root)
		TEST_SKIP("shared test data absent");
	static const char *const levels[] = {"baseline", "restricted"};
	size_t total = 0, agree = 0;
	struct bh_limits l = lim();
	for (size_t li = 0; li < ARRAY_SIZE(levels); li++) {
		char lvdir[1024];
		ASSERT_OK(xsnprintf(lvdir, sizeof(lvdir), "%s/%s", root, levels[li]));
		DIR *vd = opendir(lvdir);
		if (!vd)
			continue;
		struct dirent *ve;
		while ((ve = readdir(vd))) {
			if (ve->d_name[0] == '.')
				continue;
			uint32_t minor;
			if (k8s_pss_version_parse(ve->d_name, &minor) < 0)
				continue;
			for (int expect_fail = 0; expect_fail < 2; expect_fail++) {
				char dir[1200];
				ASSERT_OK(xsnprintf(dir, sizeof(dir), "%s/%s/%s", lvdir, ve->d_name,
						    expect_fail ? "fail" : "pass"));
				DIR *fd = opendir(dir);
				if (!fd)
					continue;
				struct dirent *fe;
				while ((fe = readdir(fd))) {
					if (fe->d_name[0] == '.')
						continue;
					char path[1500];
					ASSERT_OK(xsnprintf(path, sizeof(path), "%s/%s", dir,
							    fe->d_name));
					struct k8s_manifests m = {0};
					struct bh_diag d = {0};
					ASSERT_OK(k8s_manifests_load_path(&m, path, &l, &d));
					struct k8s_check_opts o = {true, li ? R : B, true, minor};
					struct k8s_check_report rep = {0};
					ASSERT_OK(k8s_check_run(&m, &o, &rep));
					total++;
					if ((rep.n > 0) == (expect_fail == 1))
						agree++;
					else
						printf("# disagree: %s (%zu violations)\n", path,
						       rep.n);
					k8s_check_report_done(&rep);
					k8s_manifests_done(&m);
				}
				closedir(fd);
			}
		}
		closedir(vd);
	}
	printf("# PSS fixtures: %zu/%zu agree\n", agree, total);
	ASSERT_TRUE(total > 0);
	ASSERT_EQ(agree, total);
}

TEST(pss_good_pod_passes_everywhere)
{
	static const char *const versions[] = {"v1.0",	"v1.8",	 "v1.19", "v1.22",
					       "v1.25", "v1.30", "v1.34", "latest"};
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		EXPECT(GOOD_POD("", ""), B, versions[i], "");
		EXPECT(GOOD_POD("", ""), R, versions[i], "");
	}
	EXPECT(GOOD_POD("", ""), K8S_PSS_PRIVILEGED, "latest", "");
}

TEST(pss_versioned_rules)
{
	/* Safe sysctls grow with the version. */
	const char *sysctl = "apiVersion: v1\nkind: Pod\nspec:\n  securityContext:\n"
			     "    sysctls: [{name: net.ipv4.tcp_rmem, value: '1 2 3'}]\n"
			     "  containers: [{name: c, image: x}]\n";
	EXPECT(sysctl, B, "v1.31", "sysctls");
	EXPECT(sysctl, B, "v1.32", "");
	const char *lowat = "apiVersion: v1\nkind: Pod\nspec:\n  securityContext:\n"
			    "    sysctls: [{name: net.ipv4.tcp_notsent_lowat, value: '1'}]\n"
			    "  containers: [{name: c, image: x}]\n";
	EXPECT(lowat, B, "v1.36", "sysctls");
	EXPECT(lowat, B, "v1.37", "");
	/* Probe hosts from v1.34. */
	const char *probe = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: c, image: x, "
			    "readinessProbe: {tcpSocket: {host: 10.0.0.1, port: 1}}}]\n";
	EXPECT(probe, B, "v1.33", "");
	EXPECT(probe, B, "v1.34", "hostProbesAndHostLifecycle");
	/* SELinux container_engine_t from v1.31. */
	const char *se = "apiVersion: v1\nkind: Pod\nspec:\n  securityContext: {seLinuxOptions: "
			 "{type: container_engine_t}}\n  containers: [{name: c, image: x}]\n";
	EXPECT(se, B, "v1.30", "seLinuxOptions");
	EXPECT(se, B, "v1.31", "");
	/* AppArmor fields from v1.30; annotations always. */
	const char *aa = "apiVersion: v1\nkind: Pod\nspec:\n  securityContext: {appArmorProfile: "
			 "{type: Unconfined}}\n  containers: [{name: c, image: x}]\n";
	EXPECT(aa, B, "v1.29", "");
	EXPECT(aa, B, "v1.30", "appArmorProfile");
	/* Seccomp: annotations before v1.19, fields after. */
	const char *sa = "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n"
			 "    seccomp.security.alpha.kubernetes.io/pod: unconfined\n"
			 "spec:\n  containers: [{name: c, image: x}]\n";
	EXPECT(sa, B, "v1.18", "seccompProfile_baseline");
	EXPECT(sa, B, "v1.19", "");
	/* Restricted controls and when they start. */
	EXPECT(GOOD_POD("", "      runAsUser: 0\n"), R, "v1.22", "");
	EXPECT(GOOD_POD("", "      runAsUser: 0\n"), R, "v1.23", "runAsUser");
	const char *nodrop =
	    "apiVersion: v1\nkind: Pod\nspec:\n  securityContext: {runAsNonRoot: true, "
	    "seccompProfile: {type: Localhost}}\n  containers: [{name: c, image: x, "
	    "securityContext: {allowPrivilegeEscalation: false}}]\n";
	EXPECT(nodrop, R, "v1.21", "");
	EXPECT(nodrop, R, "v1.22", "capabilities_restricted");
	const char *noseccomp =
	    "apiVersion: v1\nkind: Pod\nspec:\n  securityContext: {runAsNonRoot: true}\n"
	    "  containers: [{name: c, image: x, securityContext: {allowPrivilegeEscalation: "
	    "false}}]\n";
	EXPECT(noseccomp, R, "v1.18", "");
	EXPECT(noseccomp, R, "v1.19", "seccompProfile_restricted");
	const char *esc = "apiVersion: v1\nkind: Pod\nspec:\n  securityContext: {runAsNonRoot: "
			  "true}\n  containers: [{name: c, image: x}]\n";
	EXPECT(esc, R, "v1.7", "");
	EXPECT(esc, R, "v1.8", "allowPrivilegeEscalation");
	/* Windows pods are exempt from three restricted controls from v1.25. */
	const char *win = "apiVersion: v1\nkind: Pod\nspec:\n  os: {name: windows}\n"
			  "  securityContext: {runAsNonRoot: true}\n"
			  "  containers: [{name: c, image: x}]\n";
	EXPECT(win, R, "v1.24",
	       "allowPrivilegeEscalation,seccompProfile_restricted,capabilities_restricted");
	EXPECT(win, R, "v1.25", "");
}

TEST(pss_controls)
{
	/* Restricted replaces the baseline capabilities and seccomp controls. */
	const char *sysadmin =
	    "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: c, image: x, "
	    "securityContext: {capabilities: {add: [SYS_ADMIN], drop: [ALL]}}}]\n";
	EXPECT(sysadmin, B, "latest", "capabilities_baseline");
	const char *caps = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: c, image: x, "
			   "securityContext: {capabilities: {add: [SYS_ADMIN]}}}]\n";
	EXPECT(caps, R, "latest",
	       "allowPrivilegeEscalation,runAsNonRoot,seccompProfile_restricted,"
	       "capabilities_restricted");
	EXPECT(caps, R, "v1.21",
	       "capabilities_baseline,allowPrivilegeEscalation,runAsNonRoot,"
	       "seccompProfile_restricted");
	/* User namespaces: runAsNonRoot/runAsUser exempt, Unmasked /proc only at baseline. */
	const char *userns =
	    "apiVersion: v1\nkind: Pod\nspec:\n  hostUsers: false\n"
	    "  securityContext: {runAsUser: 0, seccompProfile: {type: "
	    "RuntimeDefault}}\n  containers: [{name: c, image: x, securityContext: "
	    "{allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, "
	    "procMount: Unmasked}}]\n";
	EXPECT(userns, B, "latest", "");
	EXPECT(userns, R, "latest", "procMount_restricted");
	const char *hostns = "apiVersion: v1\nkind: Pod\nspec:\n  hostUsers: true\n"
			     "  containers: [{name: c, image: x, securityContext: "
			     "{procMount: Unmasked}}]\n";
	EXPECT(hostns, B, "latest", "procMount");
	/* Ephemeral containers are containers too; hostPort 0 is no host port. */
	const char *eph = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: c, image: x, "
			  "ports: [{containerPort: 1, hostPort: 0}]}]\n"
			  "  ephemeralContainers: [{name: d, image: x, securityContext: "
			  "{privileged: true}}]\n";
	EXPECT(eph, B, "latest", "privileged");
	/* Volumes without a source are fine; csi and ephemeral are allowed. */
	EXPECT(GOOD_POD("  volumes: [{name: a}, {name: b, csi: {driver: d}}, {name: e, "
			"ephemeral: {}}]\n",
			""),
	       R, "latest", "");
	EXPECT(GOOD_POD("  volumes: [{name: a, nfs: {server: s, path: /}}]\n", ""), R, "latest",
	       "restrictedVolumes");
	EXPECT(GOOD_POD("  volumes: [{name: a, hostPath: {path: /}}]\n", ""), R, "latest",
	       "hostPathVolumes,restrictedVolumes");
	EXPECT(GOOD_POD("  hostNetwork: true\n  hostIPC: false\n", ""), R, "latest",
	       "hostNamespaces");
	EXPECT(GOOD_POD("", "      windowsOptions: {hostProcess: true}\n"), B, "latest",
	       "windowsHostProcess");
	EXPECT(GOOD_POD("", "      seLinuxOptions: {user: u}\n"), B, "latest", "seLinuxOptions");
	EXPECT(GOOD_POD("", "      seLinuxOptions: {level: 's0:c1'}\n"), B, "latest", "");
}

TEST(pss_levels_and_versions)
{
	enum k8s_pss_level lv;
	ASSERT_OK(k8s_pss_level_from_name("restricted", &lv));
	ASSERT_EQ(lv, K8S_PSS_RESTRICTED);
	ASSERT_ERR(k8s_pss_level_from_name("Restricted", &lv), -EINVAL);
	uint32_t m;
	ASSERT_OK(k8s_pss_version_parse("v1.30", &m));
	ASSERT_EQ(m, 30);
	ASSERT_OK(k8s_pss_version_parse("latest", &m));
	ASSERT_EQ(m, K8S_PSS_LATEST);
	static const char *const bad[] = {"1.30",    "v2.1", "v1.",   "v1.030", "v1.-1",
					  "v1.30.1", "",     "v01.3", "v1.1000"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (k8s_pss_version_parse(bad[i], &m) == 0)
			tap_fail(__FILE__, __LINE__, "accepted '%s'", bad[i]);
	char s[16];
	k8s_pss_version_format(25, s, sizeof(s));
	ASSERT_STREQ(s, "v1.25");
	size_t n;
	const struct k8s_pss_check *c = k8s_pss_checks(&n);
	ASSERT_EQ(n, 19);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			ASSERT_TRUE(strcmp(c[i].id, c[j].id) != 0);
}

TEST(pss_namespace_selects_level)
{
	const char *text =
	    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: locked\n  labels:\n"
	    "    pod-security.kubernetes.io/enforce: restricted\n"
	    "    pod-security.kubernetes.io/enforce-version: v1.22\n"
	    "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: odd\n  labels:\n"
	    "    pod-security.kubernetes.io/enforce: strict\n"
	    "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: open\n  labels:\n"
	    "    pod-security.kubernetes.io/enforce: privileged\n"
	    "---\napiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: locked}\n"
	    "spec: {containers: [{name: c, image: x}]}\n"
	    "---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: odd}\n"
	    "spec: {containers: [{name: c, image: x}]}\n"
	    "---\napiVersion: v1\nkind: Pod\nmetadata: {name: c, namespace: open}\n"
	    "spec: {hostPID: true, containers: [{name: c, image: x}]}\n"
	    "---\napiVersion: v1\nkind: Pod\nmetadata: {name: d}\n"
	    "spec: {hostPID: true, containers: [{name: c, image: x}]}\n";
	struct bh_limits l = lim();
	struct k8s_manifests m = {0};
	ASSERT_OK(k8s_manifests_load_buf(&m, "ns.yaml", span_from(text), &l, NULL));
	ASSERT_EQ(m.n, 7);
	struct k8s_check_opts o = {0};
	struct k8s_check_report rep = {0};
	enum k8s_pss_level lv;
	uint32_t minor;
	struct strv notes = {0};
	k8s_check_policy_for(&m, &m.objs[3], &o, &lv, &minor, &notes);
	ASSERT_EQ(lv, K8S_PSS_RESTRICTED);
	ASSERT_EQ(minor, 22);
	k8s_check_policy_for(&m, &m.objs[4], &o, &lv, &minor, &notes);
	ASSERT_EQ(lv, K8S_PSS_RESTRICTED); /* invalid label: restricted, with a note */
	ASSERT_EQ(notes.n, 1);
	strv_done(&notes);
	k8s_check_policy_for(&m, &m.objs[5], &o, &lv, &minor, NULL);
	ASSERT_EQ(lv, K8S_PSS_PRIVILEGED);
	k8s_check_policy_for(&m, &m.objs[6], &o, &lv, &minor, NULL);
	ASSERT_EQ(lv, K8S_PSS_BASELINE);
	ASSERT_EQ(minor, K8S_PSS_LATEST);
	ASSERT_OK(k8s_check_run(&m, &o, &rep));
	ASSERT_EQ(rep.n_workloads, 4);
	/* a and b: allowPrivilegeEscalation, runAsNonRoot, seccomp, capabilities (restricted
	 * at v1.22 and latest); c: none (privileged); d: hostNamespaces (baseline). */
	size_t per[4] = {0};
	for (size_t i = 0; i < rep.n; i++)
		per[rep.f[i].obj - &m.objs[3]]++;
	ASSERT_EQ(per[0], 4);
	ASSERT_EQ(per[1], 4);
	ASSERT_EQ(per[2], 0);
	ASSERT_EQ(per[3], 1);
	/* --level overrides the labels (and their version). */
	k8s_check_report_done(&rep);
	o = (struct k8s_check_opts){.has_level = true, .level = K8S_PSS_BASELINE};
	ASSERT_OK(k8s_check_run(&m, &o, &rep));
	ASSERT_EQ(rep.n, 2);
	k8s_check_report_done(&rep);
	k8s_manifests_done(&m);
}
