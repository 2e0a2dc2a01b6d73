/* SPDX-License-Identifier: Apache-2.0 */
/* Manifest loading and the typed model (src/k8s/manifest.c). */
#include "k8s/k8s.h"
#include "tap.h"

static struct bh_limits lim(void)
{
	struct bh_limits l;
	bh_limits_default(&l);
	return l;
}

static int load(struct k8s_manifests *m, const char *text, struct bh_diag *d)
{
	struct bh_limits l = lim();
	if (d)
		*d = (struct bh_diag){0};
	return k8s_manifests_load_buf(m, "m.yaml", span_from(text), &l, d);
}

TEST(manifest_workload_templates)
{
	static const struct {
		const char *kind, *api, *prefix, *suffix, *pod_path;
		enum k8s_kind want;
	} kinds[] = {
	    {"Pod", "v1", "", "", "spec", K8S_KIND_POD},
	    {"Deployment", "apps/v1", "spec:\n  template:\n", "", "spec.template.spec",
	     K8S_KIND_DEPLOYMENT},
	    {"StatefulSet", "apps/v1", "spec:\n  template:\n", "", "spec.template.spec",
	     K8S_KIND_STATEFULSET},
	    {"DaemonSet", "extensions/v1beta1", "spec:\n  template:\n", "", "spec.template.spec",
	     K8S_KIND_DAEMONSET},
	    {"ReplicaSet", "apps/v1", "spec:\n  template:\n", "", "spec.template.spec",
	     K8S_KIND_REPLICASET},
	    {"Job", "batch/v1", "spec:\n  template:\n", "", "spec.template.spec", K8S_KIND_JOB},
	    {"ReplicationController", "v1", "spec:\n  template:\n", "", "spec.template.spec",
	     K8S_KIND_REPLICATIONCONTROLLER},
	    {"CronJob", "batch/v1", "spec:\n  jobTemplate:\n    spec:\n      template:\n", "",
	     "spec.jobTemplate.spec.template.spec", K8S_KIND_CRONJOB},
	};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		/* Indent the pod (metadata + spec) under the template. */
		size_t indent = 0;
		for (const char *p = kinds[i].prefix; *p; p++)
			if (*p == '\n')
				indent += 2;
		char pad[16] = "";
		memset(pad, ' ', indent);
		pad[indent] = '\0';
		_cleanup_buf_ struct buf b;
		buf_init(&b, 0);
		ASSERT_OK(buf_printf(
		    &b,
		    "apiVersion: %s\nkind: %s\n%s%s"
		    "%smetadata:\n%s  name: w\n%s  namespace: team\n%s  annotations: {a: b}\n"
		    "%sspec:\n%s  hostPID: true\n"
		    "%s  hostUsers: false\n%s  initContainers: [{name: i, image: x}]\n"
		    "%s  containers:\n%s  - name: c\n%s    image: x\n"
		    "%s    ports: [{containerPort: 80, hostPort: 8080}, {containerPort: 81}]\n"
		    "%s    securityContext: {privileged: true, runAsUser: 0, "
		    "capabilities: {add: [NET_RAW], drop: [ALL]}, procMount: Unmasked}\n"
		    "%s    livenessProbe: {httpGet: {host: evil, port: 1}}\n"
		    "%s    lifecycle: {preStop: {tcpSocket: {host: h, port: 2}}}\n"
		    "%s  volumes: [{name: v, hostPath: {path: /etc}}, {name: e, emptyDir: {}}]\n",
		    kinds[i].api, kinds[i].kind,
		    kinds[i].prefix[0] ? "metadata: {name: w, namespace: team}\n" : "",
		    kinds[i].prefix, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad, pad,
		    pad, pad, pad, pad));
		struct k8s_manifests m = {0};
		struct bh_diag d;
		int r = load(&m, buf_str(&b), &d);
		if (r < 0)
			tap_fail(__FILE__, __LINE__, "%s: %s (line %u)", kinds[i].kind, d.message,
				 d.line);
		ASSERT_EQ(m.n, 1);
		const struct k8s_object *o = &m.objs[0];
		ASSERT_EQ(o->kind, kinds[i].want);
		ASSERT_TRUE(o->has_pod);
		ASSERT_STREQ(o->pod_path, kinds[i].pod_path);
		ASSERT_STREQ(k8s_object_namespace(o), "team");
		const struct k8s_pod_spec *p = &o->pod;
		ASSERT_TRUE(p->host_pid);
		ASSERT_FALSE(p->host_network);
		ASSERT_EQ(p->host_users, K8S_FALSE);
		ASSERT_STREQ(k8s_pod_annotation(p, "a"), "b");
		ASSERT_EQ(p->n_containers, 2);
		ASSERT_EQ(p->containers[0].kind, K8S_CTR_INIT);
		const struct k8s_container *c = &p->containers[1];
		ASSERT_STREQ(c->name, "c");
		ASSERT_EQ(c->sc.privileged, K8S_TRUE);
		ASSERT_TRUE(c->sc.has_run_as_user && c->sc.run_as_user == 0);
		ASSERT_EQ(c->sc.n_caps_add, 1);
		ASSERT_STREQ(c->sc.caps_drop[0], "ALL");
		ASSERT_STREQ(c->sc.proc_mount, "Unmasked");
		ASSERT_EQ(c->n_host_ports, 1);
		ASSERT_EQ(c->host_ports[0], 8080);
		ASSERT_EQ(c->n_hosts, 2);
		ASSERT_STREQ(c->hosts[0].where, "livenessProbe");
		ASSERT_STREQ(c->hosts[1].host, "h");
		ASSERT_EQ(p->n_volumes, 2);
		ASSERT_STREQ(p->volumes[0].source, "hostPath");
		ASSERT_STREQ(p->volumes[0].host_path, "/etc");
		ASSERT_STREQ(p->volumes[1].source, "emptyDir");
		k8s_manifests_done(&m);
	}
}

TEST(manifest_lists_namespaces_secrets_unknown)
{
	struct k8s_manifests m = {0};
	const char *text =
	    "apiVersion: v1\nkind: List\nitems:\n"
	    "- {apiVersion: v1, kind: Namespace, metadata: {name: ns1, labels: {"
	    "pod-security.kubernetes.io/enforce: restricted, "
	    "pod-security.kubernetes.io/enforce-version: v1.30, "
	    "pod-security.kubernetes.io/warn: baseline}}}\n"
	    "- {apiVersion: v1, kind: Secret, metadata: {name: s}, data: {password: aHVudGVyMg==},"
	    " stringData: {token: hunter2}}\n"
	    "---\n"
	    "{\"apiVersion\": \"rbac.authorization.k8s.io/v1\", \"kind\": \"RoleList\", "
	    "\"items\": [{\"apiVersion\": \"rbac.authorization.k8s.io/v1\", \"kind\": \"Role\", "
	    "\"metadata\": {\"name\": \"r\"}}]}\n"
	    "---\n"
	    "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
	    "---\n"
	    "apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: fake}\n"
	    "---\n"
	    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n";
	ASSERT_OK(load(&m, text, NULL));
	ASSERT_EQ(m.n, 6);
	ASSERT_EQ(m.objs[0].kind, K8S_KIND_NAMESPACE);
	ASSERT_STREQ(m.objs[0].psa.level[K8S_PSA_ENFORCE], "restricted");
	ASSERT_STREQ(m.objs[0].psa.version[K8S_PSA_ENFORCE], "v1.30");
	ASSERT_STREQ(m.objs[0].psa.level[K8S_PSA_WARN], "baseline");
	ASSERT_NULL(m.objs[0].psa.level[K8S_PSA_AUDIT]);
	ASSERT_TRUE(k8s_manifests_find_namespace(&m, "ns1") == &m.objs[0]);
	ASSERT_EQ(m.objs[1].kind, K8S_KIND_SECRET);
	/* Secret and ConfigMap payloads are gone from the model. */
	char *dump = json_dumps(m.objs[1].raw, 0);
	ASSERT_NOT_NULL(dump);
	ASSERT_TRUE(strstr(dump, "aHVudGVyMg") == NULL && strstr(dump, "hunter2") == NULL);
	free(dump);
	ASSERT_NULL(json_object_get(m.objs[5].raw, "data"));
	ASSERT_EQ(m.objs[2].kind, K8S_KIND_KNOWN);
	ASSERT_EQ(m.objs[2].line, 7);
	/* each item of a List has its own line, not the List's */
	ASSERT_EQ(m.objs[0].line, 4);
	ASSERT_EQ(m.objs[1].line, 5);
	ASSERT_EQ(m.objs[3].kind, K8S_KIND_OTHER);
	ASSERT_EQ(m.objs[4].kind, K8S_KIND_OTHER); /* Deployment outside apps/extensions */
	ASSERT_FALSE(m.objs[4].has_pod);
	ASSERT_EQ(m.notes.n, 2);
	ASSERT_TRUE(strstr(m.notes.v[0], "m.yaml:9: ignoring unknown kind Widget") != NULL);
	k8s_manifests_done(&m);
}

TEST(manifest_rejects_malformed_objects)
{
	static const struct {
		const char *text, *msg;
		unsigned line;
	} bad[] = {
	    {"apiVersion: v1\nkind: Service\n---\n- 1\n- 2\n", "not a Kubernetes object", 4},
	    {"apiVersion: v1\nmetadata: {name: x}\n", "no kind", 1},
	    {"kind: Pod\napiVersion: v1\nspec: {hostNetwork: \"true\"}\n",
	     "spec.hostNetwork: expected a boolean", 1},
	    {"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: c\n"
	     "    securityContext: {runAsUser: abc}\n",
	     "spec.containers[0].securityContext.runAsUser: expected an integer", 1},
	    {"kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: c\n"
	     "    securityContext: {capabilities: {add: [1]}}\n",
	     "capabilities.add[0]: expected a string", 1},
	    {"kind: Service\n---\nkind: Deployment\napiVersion: apps/v1\nspec: {template: []}\n",
	     "spec.template: expected an object", 3},
	    {"kind: Pod\napiVersion: v1\nmetadata: {labels: {a: [1]}}\n",
	     "metadata.labels.a: expected a string", 1},
	    {"kind: Pod\napiVersion: v1\nmetadata: {name: a, name: b}\n", "duplicate", 3},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct k8s_manifests m = {0};
		struct bh_diag d;
		int r = load(&m, bad[i].text, &d);
		if (r != -EBADMSG || !strstr(d.message, bad[i].msg) || d.line != bad[i].line)
			tap_fail(__FILE__, __LINE__, "case %zu: r=%d line %u '%s'", i, r, d.line,
				 d.message);
		ASSERT_STREQ(d.source, "m.yaml");
		k8s_manifests_done(&m);
	}
}

TEST(manifest_shared_examples_load)
{
	const char *dir = tap_shared_path("k8s/manifests");
	if (!dir)
		TEST_SKIP("shared test data absent");
	struct bh_limits l = lim();
	struct k8s_manifests m = {0};
	struct bh_diag d = {0};
	int r = k8s_manifests_load_path(&m, dir, &l, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "%s:%u: %s", d.source, d.line, d.message);
	printf("# %zu files, %zu objects\n", m.n_files, m.n);
	ASSERT_EQ(m.n_files, 92);
	ASSERT_TRUE(m.n >= 92);
	size_t workloads = 0;
	for (size_t i = 0; i < m.n; i++) {
		ASSERT_TRUE(m.objs[i].line >= 1);
		workloads += m.objs[i].has_pod;
	}
	ASSERT_TRUE(workloads >= 15);
	k8s_manifests_done(&m);
}

TEST(manifest_missing_path)
{
	struct bh_limits l = lim();
	struct k8s_manifests m = {0};
	struct bh_diag d = {0};
	ASSERT_ERR(k8s_manifests_load_path(&m, "/nonexistent/bulkhead-k8s", &l, &d), -ENOENT);
	ASSERT_STREQ(d.source, "/nonexistent/bulkhead-k8s");
	k8s_manifests_done(&m);
}
