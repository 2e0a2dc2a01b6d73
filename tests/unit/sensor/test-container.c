/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-container.c — container attribution (src/sensor/container.c): cgroup path layouts of
 * every runtime, /proc/PID/cgroup line choice, image references, and the runtime-state
 * readers over the hand-written fixtures in tests/fixtures/runtime/root (a tree standing
 * for the host's "/", see tests/fixtures/runtime/README.md).
 */
#include <sys/stat.h>

#include "sensor/container.h"
#include "tap.h"

#define FIXTURE_ROOT "tests/fixtures/runtime/root"

/* Fixture ids (sha256 of a descriptive word, so they are valid 64-hex ids). */
#define DOCKER_WEB "f31f384749f9115acf01fcf82f5a966b59dcc0a4cbd7c9740888c0bf32aa2bbb"
#define DOCKER_PRIV "7b717c42306bfccecfef7d9dbdf93f5fe37dc98f342f64947dbcbdc2a1563298"
#define PODMAN_WEB "f9d688036191e04636c64024ce221730446495d6568b72e14d6ebc8aa23e434f"
#define PODMAN_PRIV "30a045dd831cd9de2c8a006d2f4de3ac1c4272d9a184469152ad791cc213cdff"
#define CRIO_NGINX "9689413a5a09c74fc99b598f6c28096cc8a94018930db76b0a230d72259fa57b"
#define CRIO_PRIV "137e464e2bc219dbef3992309a444e6940d1f9ad1001055c90f97e2fdd643153"
#define CTRD_CRI "8b57d0ba9695035faae48b11ea615816a9fd036da4437abc64a427459008d954"
#define CTRD_CTR "04b6527ac075b74203ee1ec93a80b51cf4ba3d712d92c051ada2767fe02f5893"
#define BAD_JSON "f7e5487eda1342f35e65bef5cf188f3ad71ea589073ecc38b44876ee27f76bd3"
#define MOBY_CTR "54954e0c310b69094d3807943a4f5cefc20b86241703a2925765abbdf62a1590"
#define ABSENT "0000000000000000000000000000000000000000000000000000000000000000"
#define DIG1 "sha256:aaaa000000000000000000000000000000000000000000000000000000000001"
#define DIG2 "sha256:bbbb000000000000000000000000000000000000000000000000000000000002"

/* Ids from the documents cited below. */
#define NV_DEBIAN "4f797c539e6c745de61a93ca3ff892358ecbcaccd8414d5db545c38428142970"
#define NV_CENTOS "9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d"
#define SLIDES_ID "7ff2ace8e15097939aa2ca98f2179fc216aa9faca0eafdcf92dd9c755bd7c4f3"
#define CRIO_SB "134b58ab2e0cfd7432a9db818b1b4ec52fdc747333f0ba2c9342860dc2ea7c50"
#define OBS_PODMAN "75d7567597f0debf47e9f4c56732d35ac7e923c8d28c090061f65337d9e4a94d"

#define U SENSOR_RUNTIME_UNKNOWN
#define DOCKER SENSOR_RUNTIME_DOCKER
#define CTRD SENSOR_RUNTIME_CONTAINERD
#define CRIO SENSOR_RUNTIME_CRIO
#define PODMAN SENSOR_RUNTIME_PODMAN
#define RUNC SENSOR_RUNTIME_RUNC

static const struct path_case {
	const char *path;
	const char *id; /* NULL: no container (-ENOENT) */
	enum sensor_runtime rt;
} path_cases[] = {
	/* neuvector/neuvector share/system/cgroup_test.go, TestDockerIDDebian: cgroup v1,
	 * Docker with cgroup-parent "/" */
	{ "/" NV_DEBIAN, NV_DEBIAN, U },
	/* same file, TestDockerIDCentOS: Docker with the systemd driver */
	{ "/system.slice/docker-" NV_CENTOS ".scope", NV_CENTOS, DOCKER },
	/* sparrc/slides cgroups-v2/slides.md: `docker run` on cgroup v1, cgroupfs driver */
	{ "/docker/" SLIDES_ID, SLIDES_ID, DOCKER },
	/* Docker in Docker: the innermost container */
	{ "/docker/" NV_DEBIAN "/docker/" SLIDES_ID, SLIDES_ID, DOCKER },
	/* systemd inside a Docker container (cgroup v2, cgroupns) */
	{ "/system.slice/docker-" NV_CENTOS ".scope/init.scope", NV_CENTOS, DOCKER },
	/* CJLove/rt-operator notes/cgroupv1_notes.md: K3s (containerd), cgroupfs driver */
	{ "/kubepods/pod0f1e2d3c-aaaa-bbbb-cccc-000000000001/" CTRD_CRI, CTRD_CRI, CTRD },
	{ "/kubepods/besteffort/pod0f1e2d3c-aaaa-bbbb-cccc-000000000001/" CTRD_CRI, CTRD_CRI,
	  CTRD },
	/* same notes: Kubernetes 1.23 with Docker, systemd driver */
	{ "/kubepods.slice/kubepods-pod0f1e2d3c_aaaa.slice/docker-" NV_CENTOS ".scope", NV_CENTOS,
	  DOCKER },
	/* same notes: Kubernetes 1.25 with CRI-O, systemd driver */
	{ "/kubepods.slice/kubepods-pod0f1e2d3c_aaaa.slice/crio-" CRIO_NGINX ".scope", CRIO_NGINX,
	  CRIO },
	/* hackingnote.com/en/kubernetes/cgroup: containerd with the systemd driver (cgroup v2) */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f1e2d3c_aaaa.slice/"
	  "cri-containerd-" CTRD_CRI ".scope",
	  CTRD_CRI, CTRD },
	/* Falco libsinsp cri.cpp layouts: CRI-O with cgroupfs, containerd without SystemdCgroup */
	{ "/kubepods/besteffort/pod0f1e2d3c/crio-" CRIO_NGINX, CRIO_NGINX, CRIO },
	{ "/kubepods-besteffort-pod0f1e2d3c.slice:cri-containerd:" CTRD_CRI, CTRD_CRI, CTRD },
	/* cri-o test fixture: cgroupsPath "kubepods-besteffort-pod<uid>.slice:crio:<id>" */
	{ "/kubepods-besteffort-podaaaa2b4a_f398_41c0_928b_049e1cc4ec40.slice:crio:" CRIO_SB,
	  CRIO_SB, CRIO },
	/* CRI-O's monitor runs in its own scope: host side, not the container */
	{ "/system.slice/crio-conmon-" CRIO_NGINX ".scope", NULL, U },
	/* containerd's default cgroupsPath /NAMESPACE/ID (ctr run, CRI namespace k8s.io) */
	{ "/default/" CTRD_CTR, CTRD_CTR, CTRD },
	{ "/k8s.io/" CTRD_CRI, CTRD_CRI, CTRD },
	/* Podman, observed on Debian 12 (podman 4.3.1, cgroup_manager=cgroupfs, v1 and "0::") */
	{ "/libpod_parent/libpod-" OBS_PODMAN, OBS_PODMAN, PODMAN },
	{ "/libpod_parent/conmon", NULL, U },
	/* Falco libsinsp podman.cpp layouts: systemd, systemd with a "container" sub-cgroup,
	 * --cgroups=split */
	{ "/machine.slice/libpod-" OBS_PODMAN ".scope", OBS_PODMAN, PODMAN },
	{ "/machine.slice/libpod-" OBS_PODMAN ".scope/container", OBS_PODMAN, PODMAN },
	{ "/machine.slice/libpod-payload-" OBS_PODMAN ".scope", OBS_PODMAN, PODMAN },
	{ "/machine.slice/libpod-conmon-" OBS_PODMAN ".scope", NULL, U },
	/* rootless Podman under the user's systemd instance */
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" OBS_PODMAN ".scope",
	  OBS_PODMAN, PODMAN },
	/* runc run --systemd-cgroup without cgroupsPath: system.slice:runc:ID */
	{ "/system.slice/runc-bhrunc1.scope", "bhrunc1", RUNC },
	/* another runtime's scope named after a 64-hex id */
	{ "/system.slice/nerdctl-" CTRD_CTR ".scope", CTRD_CTR, U },
	/* host processes */
	{ "/", NULL, U },
	{ "", NULL, U },
	{ "/init.scope", NULL, U },
	{ "/user.slice/user-1000.slice/session-3.scope", NULL, U },
	{ "/system.slice/containerd.service", NULL, U },
	{ "/system.slice/docker.service", NULL, U },
	{ "/kubepods/besteffort/pod0f1e2d3c-aaaa-bbbb-cccc-000000000001", NULL, U },
	/* observed: this CI machine's own v1 memory cgroup (32 hex digits, not a container) */
	{ "/process_api/dd12df1b17196b36ad154f3a1843aa68", NULL, U },
	/* a runc container under a parent the user chose: not knowable from the path alone */
	{ "/bhrunc1", NULL, U },
	/* near misses */
	{ "/docker/" "4f797c539e6c745de61a93ca3ff892358ecbcaccd8414d5db545c3842814297", NULL, U },
	{ "/docker/4F797C539E6C745DE61A93CA3FF892358ECBCACCD8414D5DB545C38428142970", NULL, U },
	{ "/system.slice/docker-" NV_CENTOS ".scopex", NULL, U },
	{ "/system.slice/runc-bad/id.scope", NULL, U },
	{ "/system.slice/docker-" NV_CENTOS "0.scope", NULL, U },
};

TEST(cgroup_path_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(path_cases); i++) {
		const struct path_case *t = &path_cases[i];
		char id[SENSOR_CONTAINER_ID_MAX + 1] = "untouched";
		enum sensor_runtime rt = _SENSOR_RUNTIME_MAX;
		int r = sensor_cgroup_container_id(span_from(t->path), id, sizeof(id), &rt);
		if (!t->id) {
			if (r != -ENOENT)
				tap_fail(__FILE__, __LINE__, "'%s': %d, expected -ENOENT", t->path,
					 r);
			ASSERT_STREQ(id, "untouched");
			continue;
		}
		if (r != 0)
			tap_fail(__FILE__, __LINE__, "'%s': %d, expected %s", t->path, r, t->id);
		ASSERT_STREQ(id, t->id);
		if (rt != t->rt)
			tap_fail(__FILE__, __LINE__, "'%s': runtime %d, expected %d", t->path, rt,
				 t->rt);
	}
}

TEST(cgroup_id_buffer)
{
	char small[64];
	enum sensor_runtime rt;
	ASSERT_ERR(sensor_cgroup_container_id(SPAN_LIT("/docker/" SLIDES_ID), small, sizeof(small),
					      &rt),
		   -ENOBUFS);
	char ok[65];
	ASSERT_OK(sensor_cgroup_container_id(SPAN_LIT("/docker/" SLIDES_ID), ok, sizeof(ok), NULL));
	ASSERT_STREQ(ok, SLIDES_ID);
	ASSERT_ERR(sensor_cgroup_container_id(SPAN_LIT("/docker/" SLIDES_ID), NULL, 0, &rt),
		   -EINVAL);
	ASSERT_STREQ(sensor_runtime_to_string(SENSOR_RUNTIME_CRIO), "cri-o");
	ASSERT_NULL(sensor_runtime_to_string(SENSOR_RUNTIME_UNKNOWN));
	ASSERT_NULL(sensor_runtime_to_string(_SENSOR_RUNTIME_MAX));
}

static void expect_pick(const char *content, const char *want)
{
	struct span path;
	int r = sensor_cgroup_pick(span_from(content), &path);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "pick failed: %d on:\n%s", r, content);
	if (!span_eq_str(path, want))
		tap_fail(__FILE__, __LINE__, "picked '" SPAN_FMT "', expected '%s'", SPAN_ARG(path),
			 want);
}

TEST(cgroup_pick)
{
	/* observed: podman (cgroupfs) on this hybrid v1 machine */
	expect_pick("9:name=systemd:/libpod_parent/libpod-" OBS_PODMAN "\n"
		    "8:pids:/libpod_parent/libpod-" OBS_PODMAN "\n"
		    "4:memory:/libpod_parent/libpod-" OBS_PODMAN "\n"
		    "1:cpu:/libpod_parent/libpod-" OBS_PODMAN "\n"
		    "0::/libpod_parent/libpod-" OBS_PODMAN "\n",
		    "/libpod_parent/libpod-" OBS_PODMAN);
	/* observed: a host shell here; pids comes first */
	expect_pick("9:name=systemd:/\n8:pids:/\n"
		    "4:memory:/process_api/dd12df1b17196b36ad154f3a1843aa68\n"
		    "1:cpu:/\n0::/\n",
		    "/");
	/* observed: `runc run` without cgroupsPath; memory is relative to runc's own cgroup */
	expect_pick("8:pids:/bhrunc1\n"
		    "4:memory:/process_api/dd12df1b17196b36ad154f3a1843aa68/bhrunc1\n"
		    "0::/bhrunc1\n",
		    "/bhrunc1");
	/* neuvector TestDockerIDCentOS: joined controllers "cpuacct,cpu", no pids line */
	expect_pick("10:devices:/system.slice/docker-" NV_CENTOS ".scope\n"
		    "2:cpuacct,cpu:/system.slice/docker-" NV_CENTOS ".scope\n"
		    "1:name=systemd:/system.slice/docker-" NV_CENTOS ".scope\n",
		    "/system.slice/docker-" NV_CENTOS ".scope");
	/* a container only visible in one controller wins over a host path in pids */
	expect_pick("8:pids:/\n7:blkio:/docker/" SLIDES_ID "\n", "/docker/" SLIDES_ID);
	/* pure cgroup v2 */
	expect_pick("0::/system.slice/docker-" NV_CENTOS ".scope\n",
		    "/system.slice/docker-" NV_CENTOS ".scope");
	/* a process left in a removed cgroup */
	expect_pick("0::/machine.slice/libpod-" OBS_PODMAN ".scope (deleted)\n",
		    "/machine.slice/libpod-" OBS_PODMAN ".scope");
	/* a path containing ':' is kept whole */
	expect_pick("1:name=systemd:/kubepods-besteffort-pod1.slice:cri-containerd:" CTRD_CRI "\n",
		    "/kubepods-besteffort-pod1.slice:cri-containerd:" CTRD_CRI);

	struct span p;
	ASSERT_ERR(sensor_cgroup_pick(SPAN_LIT(""), &p), -ENOENT);
	ASSERT_ERR(sensor_cgroup_pick(SPAN_LIT("\n\n"), &p), -ENOENT);
	ASSERT_ERR(sensor_cgroup_pick(SPAN_LIT("0::/\ngarbage\n"), &p), -EBADMSG);
	ASSERT_ERR(sensor_cgroup_pick(SPAN_LIT("4:memory\n"), &p), -EBADMSG);
}

TEST(proc_cgroup_self)
{
	char *path = NULL;
	int r = sensor_proc_cgroup(getpid(), &path);
	if (r == -ENOENT)
		TEST_SKIP("no /proc/self/cgroup (cgroups not mounted)");
	ASSERT_OK(r);
	ASSERT_TRUE(path[0] == '/');
	free(path);
	ASSERT_ERR(sensor_proc_cgroup(0, &path), -EINVAL);
	/* beyond PID_MAX_LIMIT (4M): never a process */
	ASSERT_ERR(sensor_proc_cgroup(999999999, &path), -ENOENT);
}

static const struct ref_case {
	const char *in, *repo, *tag, *digest;
} ref_cases[] = {
	{ "busybox", "busybox", NULL, NULL },
	{ "busybox:1.36", "busybox", "1.36", NULL },
	{ "docker.io/library/nginx:1.25", "docker.io/library/nginx", "1.25", NULL },
	{ "localhost:5000/app", "localhost:5000/app", NULL, NULL },
	{ "registry.local:5000/tools/debug:2.1", "registry.local:5000/tools/debug", "2.1", NULL },
	{ "registry.local:5000/tools/debug@" DIG2, "registry.local:5000/tools/debug", NULL, DIG2 },
	{ "ghcr.io/example/api:v3@" DIG1, "ghcr.io/example/api", "v3", DIG1 },
	{ DIG1, NULL, NULL, DIG1 },
	{ "", NULL, NULL, NULL },
};

TEST(image_ref_split)
{
	for (size_t i = 0; i < ARRAY_SIZE(ref_cases); i++) {
		const struct ref_case *t = &ref_cases[i];
		char *repo = (char *)1, *tag = (char *)1, *digest = (char *)1;
		ASSERT_OK(sensor_image_ref_split(t->in, &repo, &tag, &digest));
		ASSERT_TRUE(streq_ptr(repo, t->repo));
		ASSERT_TRUE(streq_ptr(tag, t->tag));
		ASSERT_TRUE(streq_ptr(digest, t->digest));
		free(repo);
		free(tag);
		free(digest);
	}
}

static struct sensor_container_cache *fixture_cache(size_t max)
{
	const char *root = tap_src_path(FIXTURE_ROOT);
	struct stat st;
	if (stat(root, &st) < 0)
		tap_fail(__FILE__, __LINE__, "fixture root '%s' missing", root);
	struct sensor_container_cache *c = NULL;
	ASSERT_OK(sensor_container_cache_new(root, NULL, max, &c));
	return c;
}

static bool has_label(const struct sensor_container_info *info, const char *kv)
{
	for (size_t i = 0; i < info->n_labels; i++)
		if (streq(info->labels[i], kv))
			return true;
	return false;
}

TEST(docker_state)
{
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c = fixture_cache(0);
	const struct sensor_container_info *info;

	ASSERT_OK(sensor_container_cache_lookup(c, DOCKER_WEB, SENSOR_RUNTIME_DOCKER, &info));
	ASSERT_NOT_NULL(info->source);
	ASSERT_EQ(info->runtime, SENSOR_RUNTIME_DOCKER);
	ASSERT_STREQ(info->full_id, DOCKER_WEB);
	ASSERT_STREQ(info->name, "web");
	ASSERT_STREQ(info->image, "busybox:1.36");
	ASSERT_STREQ(info->image_repository, "busybox");
	ASSERT_STREQ(info->image_tag, "1.36");
	ASSERT_STREQ(info->image_digest, DIG1); /* from repositories.json */
	ASSERT_FALSE(info->privileged);
	ASSERT_EQ(info->n_labels, 2);
	ASSERT_STREQ(info->labels[0], "com.example.team=web"); /* sorted */
	ASSERT_STREQ(info->labels[1], "tier=front");
	ASSERT_NULL(info->k8s_ns);

	/* no hint: found by trying the runtimes in turn */
	ASSERT_OK(sensor_container_cache_lookup(c, DOCKER_PRIV, SENSOR_RUNTIME_UNKNOWN, &info));
	ASSERT_EQ(info->runtime, SENSOR_RUNTIME_DOCKER);
	ASSERT_TRUE(info->privileged);
	ASSERT_STREQ(info->name, "k8s_debug_debug-7f9c_kube-system_0");
	ASSERT_STREQ(info->image_repository, "registry.local:5000/tools/debug");
	ASSERT_NULL(info->image_tag);
	ASSERT_STREQ(info->image_digest, DIG2);
	ASSERT_STREQ(info->k8s_ns, "kube-system");
	ASSERT_STREQ(info->k8s_pod, "debug-7f9c");
	ASSERT_TRUE(has_label(info, "io.kubernetes.container.name=debug"));
}

TEST(podman_state)
{
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c = fixture_cache(0);
	const struct sensor_container_info *info;

	ASSERT_OK(sensor_container_cache_lookup(c, PODMAN_WEB, SENSOR_RUNTIME_PODMAN, &info));
	ASSERT_NOT_NULL(info->source);
	ASSERT_EQ(info->runtime, SENSOR_RUNTIME_PODMAN);
	ASSERT_STREQ(info->name, "podweb");
	ASSERT_STREQ(info->image, "localhost/bhtest:latest");
	ASSERT_STREQ(info->image_repository, "localhost/bhtest");
	ASSERT_STREQ(info->image_tag, "latest");
	ASSERT_STREQ(info->image_digest, DIG1); /* images.json */
	ASSERT_FALSE(info->privileged);
	ASSERT_EQ(info->n_labels, 0);

	/* a wrong hint still finds it */
	ASSERT_OK(sensor_container_cache_lookup(c, PODMAN_PRIV, SENSOR_RUNTIME_DOCKER, &info));
	ASSERT_EQ(info->runtime, SENSOR_RUNTIME_PODMAN);
	ASSERT_STREQ(info->name, "podpriv");
	ASSERT_STREQ(info->image, "quay.io/example/tools:2.1");
	ASSERT_STREQ(info->image_digest, DIG2);
	ASSERT_TRUE(info->privileged);
}

TEST(crio_state)
{
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c = fixture_cache(0);
	const struct sensor_container_info *info;

	/* only in the run root (/run/containers/storage) */
	ASSERT_OK(sensor_container_cache_lookup(c, CRIO_NGINX, SENSOR_RUNTIME_CRIO, &info));
	ASSERT_EQ(info->runtime, SENSOR_RUNTIME_CRIO);
	ASSERT_STREQ(info->name, "nginx");
	ASSERT_STREQ(info->image, "docker.io/library/nginx:1.25");
	ASSERT_NULL(info->image_digest); /* ImageRef is a bare image id here */
	ASSERT_STREQ(info->k8s_ns, "shop");
	ASSERT_STREQ(info->k8s_pod, "web-5d8f");
	ASSERT_FALSE(info->privileged);
	ASSERT_EQ(info->n_labels, 4);
	ASSERT_TRUE(has_label(info, "io.kubernetes.pod.uid=0f1e2d3c-aaaa-bbbb-cccc-000000000001"));

	ASSERT_OK(sensor_container_cache_lookup(c, CRIO_PRIV, SENSOR_RUNTIME_UNKNOWN, &info));
	ASSERT_EQ(info->runtime, SENSOR_RUNTIME_CRIO);
	ASSERT_STREQ(info->name, "tools");
	ASSERT_STREQ(info->image_digest, DIG2); /* from ImageRef repo@digest */
	ASSERT_STREQ(info->k8s_ns, "kube-system");
	ASSERT_STREQ(info->k8s_pod, "node-debug");
	ASSERT_TRUE(info->privileged);
}

TEST(containerd_state)
{
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c = fixture_cache(0);
	const struct sensor_container_info *info;

	ASSERT_OK(sensor_container_cache_lookup(c, CTRD_CRI, SENSOR_RUNTIME_CONTAINERD, &info));
	ASSERT_EQ(info->runtime, SENSOR_RUNTIME_CONTAINERD);
	ASSERT_STREQ(info->name, "api");
	ASSERT_STREQ(info->image, "ghcr.io/example/api:v3@" DIG1);
	ASSERT_STREQ(info->image_repository, "ghcr.io/example/api");
	ASSERT_STREQ(info->image_tag, "v3");
	ASSERT_STREQ(info->image_digest, DIG1);
	ASSERT_STREQ(info->k8s_ns, "prod");
	ASSERT_STREQ(info->k8s_pod, "api-6c9d7");
	ASSERT_FALSE(info->privileged);
	ASSERT_EQ(info->n_labels, 4);
	ASSERT_STREQ(info->labels[0], "io.kubernetes.container.name=api");

	/* ctr run in the "default" namespace: no CRI annotations, privileged by its spec */
	ASSERT_OK(sensor_container_cache_lookup(c, CTRD_CTR, SENSOR_RUNTIME_CONTAINERD, &info));
	ASSERT_EQ(info->runtime, SENSOR_RUNTIME_CONTAINERD);
	ASSERT_NULL(info->name);
	ASSERT_NULL(info->image);
	ASSERT_TRUE(info->privileged);

	/* Docker's containers in containerd's "moby" namespace are Docker's */
	ASSERT_OK(sensor_container_cache_lookup(c, MOBY_CTR, SENSOR_RUNTIME_DOCKER, &info));
	ASSERT_EQ(info->runtime, SENSOR_RUNTIME_DOCKER);
	ASSERT_FALSE(info->privileged);
}

TEST(runc_state)
{
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c = fixture_cache(0);
	const struct sensor_container_info *info;

	ASSERT_OK(sensor_container_cache_lookup(c, "bhrunc1", SENSOR_RUNTIME_RUNC, &info));
	ASSERT_EQ(info->runtime, SENSOR_RUNTIME_RUNC);
	ASSERT_STREQ(info->name, "bhrunc1");
	ASSERT_NULL(info->image);
	ASSERT_EQ(info->n_labels, 1); /* bundle= is not a label */
	ASSERT_STREQ(info->labels[0], "org.example.team=runc-test");
	ASSERT_FALSE(info->privileged);
}

TEST(absent_and_malformed_state)
{
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c = fixture_cache(0);
	const struct sensor_container_info *info;
	struct sensor_container_cache_stats st;

	ASSERT_OK(sensor_container_cache_lookup(c, ABSENT, SENSOR_RUNTIME_DOCKER, &info));
	ASSERT_NULL(info->source);
	ASSERT_EQ(info->runtime, SENSOR_RUNTIME_DOCKER); /* the hint */
	ASSERT_STREQ(info->full_id, ABSENT);
	ASSERT_NULL(info->name);

	/* truncated config.v2.json: rejected, counted, the other runtimes tried */
	ASSERT_OK(sensor_container_cache_lookup(c, BAD_JSON, SENSOR_RUNTIME_DOCKER, &info));
	ASSERT_NULL(info->source);
	sensor_container_cache_get_stats(c, &st);
	ASSERT_EQ(st.errors, 1);
	ASSERT_EQ(st.not_found, 2);

	/* ids that could walk the state directories */
	ASSERT_ERR(sensor_container_cache_lookup(c, "..", SENSOR_RUNTIME_RUNC, &info), -EINVAL);
	ASSERT_ERR(sensor_container_cache_lookup(c, "../runc/bhrunc1", SENSOR_RUNTIME_RUNC, &info),
		   -EINVAL);
	ASSERT_ERR(sensor_container_cache_lookup(c, "", SENSOR_RUNTIME_RUNC, &info), -EINVAL);
	char longid[SENSOR_CONTAINER_ID_MAX + 2];
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	ASSERT_ERR(sensor_container_cache_lookup(c, longid, SENSOR_RUNTIME_RUNC, &info), -EINVAL);
}

TEST(limits_apply_to_state)
{
	struct bh_limits l;
	bh_limits_default(&l);
	l.input_max_bytes = 256; /* smaller than the podman spec fixture */
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c = NULL;
	ASSERT_OK(sensor_container_cache_new(tap_src_path(FIXTURE_ROOT), &l, 0, &c));
	const struct sensor_container_info *info;
	ASSERT_OK(sensor_container_cache_lookup(c, PODMAN_WEB, SENSOR_RUNTIME_PODMAN, &info));
	ASSERT_NULL(info->source);
	struct sensor_container_cache_stats st;
	sensor_container_cache_get_stats(c, &st);
	ASSERT_TRUE(st.errors >= 1);

	l.json_max_depth = 2; /* the docker config nests three deep */
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c2 = NULL;
	ASSERT_OK(sensor_container_cache_new(tap_src_path(FIXTURE_ROOT), &l, 0, &c2));
	ASSERT_OK(sensor_container_cache_lookup(c2, DOCKER_WEB, SENSOR_RUNTIME_DOCKER, &info));
	ASSERT_NULL(info->source);
}

TEST(cache_lru)
{
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c = fixture_cache(2);
	const struct sensor_container_info *info;
	struct sensor_container_cache_stats st;

	ASSERT_OK(sensor_container_cache_lookup(c, DOCKER_WEB, SENSOR_RUNTIME_DOCKER, &info));
	ASSERT_OK(sensor_container_cache_lookup(c, PODMAN_WEB, SENSOR_RUNTIME_PODMAN, &info));
	ASSERT_OK(sensor_container_cache_lookup(c, DOCKER_WEB, SENSOR_RUNTIME_DOCKER, &info));
	ASSERT_STREQ(info->name, "web");
	sensor_container_cache_get_stats(c, &st);
	ASSERT_EQ(st.misses, 2);
	ASSERT_EQ(st.hits, 1);

	/* a third id evicts the least recently used (podman), not docker */
	ASSERT_OK(sensor_container_cache_lookup(c, CRIO_NGINX, SENSOR_RUNTIME_CRIO, &info));
	ASSERT_OK(sensor_container_cache_lookup(c, DOCKER_WEB, SENSOR_RUNTIME_DOCKER, &info));
	sensor_container_cache_get_stats(c, &st);
	ASSERT_EQ(st.evictions, 1);
	ASSERT_EQ(st.hits, 2);
	ASSERT_OK(sensor_container_cache_lookup(c, PODMAN_WEB, SENSOR_RUNTIME_PODMAN, &info));
	ASSERT_STREQ(info->name, "podweb");
	sensor_container_cache_get_stats(c, &st);
	ASSERT_EQ(st.misses, 4);
	ASSERT_EQ(st.evictions, 2); /* crio went */

	/* forget: the next lookup reads the state again; the other entry stays cached */
	sensor_container_cache_forget(c, PODMAN_WEB);
	sensor_container_cache_forget(c, ABSENT); /* not cached: no-op */
	ASSERT_OK(sensor_container_cache_lookup(c, DOCKER_WEB, SENSOR_RUNTIME_DOCKER, &info));
	ASSERT_STREQ(info->name, "web");
	ASSERT_OK(sensor_container_cache_lookup(c, PODMAN_WEB, SENSOR_RUNTIME_PODMAN, &info));
	ASSERT_STREQ(info->name, "podweb");
	sensor_container_cache_get_stats(c, &st);
	ASSERT_EQ(st.hits, 3);
	ASSERT_EQ(st.misses, 5);
	ASSERT_EQ(st.evictions, 2);

	/* forget the entry in slot 0 of 2: the moved entry keeps working */
	sensor_container_cache_forget(c, DOCKER_WEB);
	ASSERT_OK(sensor_container_cache_lookup(c, PODMAN_WEB, SENSOR_RUNTIME_PODMAN, &info));
	ASSERT_STREQ(info->name, "podweb");
	sensor_container_cache_get_stats(c, &st);
	ASSERT_EQ(st.hits, 4);

	ASSERT_ERR(sensor_container_cache_new(NULL, NULL, SENSOR_CONTAINER_CACHE_MAX + 1, &c),
		   -EINVAL);
}

TEST(cache_churn)
{
	/* many ids through a small cache: every slot is reused, lookups stay consistent */
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c = fixture_cache(7);
	const struct sensor_container_info *info;
	char id[65];
	for (unsigned i = 0; i < 200; i++) {
		ASSERT_OK(xsnprintf(id, sizeof(id), "%064x", i % 23));
		ASSERT_OK(sensor_container_cache_lookup(c, id, SENSOR_RUNTIME_UNKNOWN, &info));
		ASSERT_STREQ(info->full_id, id);
		if (i % 5 == 0)
			sensor_container_cache_forget(c, id);
	}
	ASSERT_OK(sensor_container_cache_lookup(c, DOCKER_WEB, SENSOR_RUNTIME_UNKNOWN, &info));
	ASSERT_STREQ(info->name, "web");
}

TEST(attribute_paths)
{
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c = fixture_cache(0);
	struct bh_ev_container ev = { 0 };

	ASSERT_OK(sensor_container_cache_attribute(c, SPAN_LIT("/docker/" DOCKER_WEB), &ev));
	ASSERT_STREQ(ev.id, "f31f384749f9");
	ASSERT_STREQ(ev.full_id, DOCKER_WEB);
	ASSERT_STREQ(ev.name, "web");
	ASSERT_STREQ(ev.image, "busybox:1.36");
	ASSERT_STREQ(ev.image_repository, "busybox");
	ASSERT_STREQ(ev.image_tag, "1.36");
	ASSERT_STREQ(ev.image_digest, DIG1);
	ASSERT_STREQ(ev.runtime, "docker");
	ASSERT_EQ(ev.n_labels, 2);
	ASSERT_STREQ(ev.labels[1], "tier=front");
	sensor_ev_container_done(&ev);

	struct span kube = SPAN_LIT("/kubepods/besteffort/pod11111111-2222-3333-4444-555555555555/"
				    CTRD_CRI);
	ASSERT_OK(sensor_container_cache_attribute(c, kube, &ev));
	ASSERT_STREQ(ev.id, "8b57d0ba9695");
	ASSERT_STREQ(ev.runtime, "containerd");
	ASSERT_STREQ(ev.k8s_ns, "prod");
	ASSERT_STREQ(ev.k8s_pod, "api-6c9d7");
	sensor_ev_container_done(&ev);

	struct span pod = SPAN_LIT("/libpod_parent/libpod-" PODMAN_PRIV);
	ASSERT_OK(sensor_container_cache_attribute(c, pod, &ev));
	ASSERT_STREQ(ev.id, "30a045dd831c");
	ASSERT_STREQ(ev.name, "podpriv");
	ASSERT_TRUE(ev.privileged);
	ASSERT_STREQ(ev.runtime, "podman");
	sensor_ev_container_done(&ev);

	/* a container whose runtime state is gone: id and runtime from the path only */
	struct span gone = SPAN_LIT("/system.slice/crio-" ABSENT ".scope");
	ASSERT_OK(sensor_container_cache_attribute(c, gone, &ev));
	ASSERT_STREQ(ev.id, "000000000000");
	ASSERT_STREQ(ev.full_id, ABSENT);
	ASSERT_STREQ(ev.runtime, "cri-o");
	ASSERT_NULL(ev.name);
	sensor_ev_container_done(&ev);

	/* host paths, and the monitor */
	static const char *const host[] = { "/", "/init.scope", "/system.slice/containerd.service",
					     "/system.slice/crio-conmon-" CRIO_NGINX ".scope",
					     "/process_api/dd12df1b17196b36ad154f3a1843aa68" };
	for (size_t i = 0; i < ARRAY_SIZE(host); i++) {
		ASSERT_OK(sensor_container_cache_attribute(c, span_from(host[i]), &ev));
		ASSERT_STREQ(ev.id, "host");
		ASSERT_NULL(ev.full_id);
		ASSERT_NULL(ev.runtime);
		sensor_ev_container_done(&ev);
	}
}

TEST(attribute_runc_direct)
{
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c = fixture_cache(0);
	struct bh_ev_container ev = { 0 };

	/* the path runc chose for each controller, as its state lists them */
	static const char *const paths[] = { "/bhrunc1", "/user.slice/bhrunc1", "/bhrunc1/" };
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		ASSERT_OK(sensor_container_cache_attribute(c, span_from(paths[i]), &ev));
		ASSERT_STREQ(ev.id, "bhrunc1"); /* not 64 hex: the whole id, as Falco prints it */
		ASSERT_STREQ(ev.full_id, "bhrunc1");
		ASSERT_STREQ(ev.name, "bhrunc1");
		ASSERT_STREQ(ev.runtime, "runc");
		ASSERT_NULL(ev.image);
		sensor_ev_container_done(&ev);
	}
	/* same last component, but runc's state does not list this cgroup: the host */
	_cleanup_(sensor_container_cache_freep) struct sensor_container_cache *c2 = NULL;
	c2 = fixture_cache(0);
	ASSERT_OK(sensor_container_cache_attribute(c2, SPAN_LIT("/elsewhere/bhrunc1"), &ev));
	ASSERT_STREQ(ev.id, "host");
	sensor_ev_container_done(&ev);
	/* a negative probe is cached too */
	struct sensor_container_cache_stats st;
	ASSERT_OK(sensor_container_cache_attribute(c2, SPAN_LIT("/somewhere/unknown-name"), &ev));
	ASSERT_OK(sensor_container_cache_attribute(c2, SPAN_LIT("/somewhere/unknown-name"), &ev));
	ASSERT_STREQ(ev.id, "host");
	sensor_ev_container_done(&ev);
	sensor_container_cache_get_stats(c2, &st);
	ASSERT_EQ(st.misses, 2);
	ASSERT_EQ(st.hits, 1);
}

TEST(ev_from_info)
{
	struct sensor_container_info info = { 0 };
	struct bh_ev_container ev = { 0 };
	info.full_id = strdup("lxc-name");
	info.runtime = SENSOR_RUNTIME_UNKNOWN;
	ASSERT_NOT_NULL(info.full_id);
	ASSERT_OK(sensor_ev_container_from_info(&info, &ev));
	ASSERT_STREQ(ev.id, "lxc-name");
	ASSERT_NULL(ev.runtime);
	ASSERT_EQ(ev.n_labels, 0);
	ASSERT_NULL(ev.labels);
	sensor_ev_container_done(&ev);
	sensor_container_info_done(&info);
	sensor_container_info_done(NULL);
	sensor_ev_container_done(NULL);

	ASSERT_OK(sensor_ev_container_set_host(&ev));
	ASSERT_STREQ(ev.id, "host");
	sensor_ev_container_done(&ev);
	ASSERT_NULL(ev.id);
}
