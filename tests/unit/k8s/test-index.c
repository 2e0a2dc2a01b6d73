/* SPDX-License-Identifier: Apache-2.0 */
/* The lookup index of struct k8s_manifests: k8s_manifests_find(), _find_namespace(). */
#include "k8s/k8s.h"
#include "tap.h"

static int load(struct k8s_manifests *m, const char *source, const char *text)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	return k8s_manifests_load_buf(m, source, span_from(text), &l, &d);
}

/* The semantics the index must keep: the first object of a scan in load order. */
static const struct k8s_object *scan(const struct k8s_manifests *m, const char *kind,
				     const char *ns, const char *name)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct k8s_object *o = &m->objs[i];
		if (streq(o->kind_name, kind) && streq(o->name, name) &&
		    (!ns || streq(k8s_object_namespace(o), ns)))
			return o;
	}
	return NULL;
}

static const struct k8s_object *scan_namespace(const struct k8s_manifests *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->objs[i].kind == K8S_KIND_NAMESPACE && streq(m->objs[i].name, name))
			return &m->objs[i];
	return NULL;
}

/* n filler ConfigMaps named f<first>..: enough objects for the index to be built. */
static int filler(struct buf *b, unsigned first, unsigned n)
{
	int r = 0;
	for (unsigned i = first; r == 0 && i < first + n; i++)
		r = buf_printf(b,
			       "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: f%u, "
			       "namespace: fill}\n",
			       i);
	return r;
}

static const char dups[] = "apiVersion: v1\n"
			   "kind: ServiceAccount\n"
			   "metadata: {name: app, namespace: team}\n"
			   "---\n"
			   "apiVersion: v1\n"
			   "kind: ServiceAccount\n"
			   "metadata: {name: app, namespace: other}\n"
			   "---\n"
			   "apiVersion: v1\n"
			   "kind: ServiceAccount\n"
			   "metadata: {name: app, namespace: team}\n"
			   "automountServiceAccountToken: false\n"
			   "---\n"
			   "apiVersion: v1\n"
			   "kind: ServiceAccount\n"
			   "metadata: {name: app}\n"
			   "---\n"
			   "apiVersion: v1\n"
			   "kind: ServiceAccount\n"
			   "metadata: {name: app, namespace: \"\"}\n"
			   "---\n"
			   "apiVersion: example.com/v1\n"
			   "kind: Namespace\n"
			   "metadata: {name: team}\n"
			   "---\n"
			   "apiVersion: v1\n"
			   "kind: Namespace\n"
			   "metadata: {name: team, namespace: odd}\n"
			   "---\n"
			   "apiVersion: v1\n"
			   "kind: Namespace\n"
			   "metadata:\n"
			   "  name: team\n"
			   "  labels: {pod-security.kubernetes.io/enforce: restricted}\n";

/* The lookups of the dups document, with or without an index behind them. */
static void check_dups(const struct k8s_manifests *m, size_t base)
{
	const struct k8s_object *o = k8s_manifests_find(m, "ServiceAccount", "team", "app");
	ASSERT_TRUE(o == &m->objs[base]); /* the first of the two in team */
	o = k8s_manifests_find(m, "ServiceAccount", "other", "app");
	ASSERT_TRUE(o == &m->objs[base + 1]);
	/* No namespace and an empty one are both "default": the first wins. */
	o = k8s_manifests_find(m, "ServiceAccount", "default", "app");
	ASSERT_TRUE(o == &m->objs[base + 3]);
	/* Any namespace: the first in load order. */
	o = k8s_manifests_find(m, "ServiceAccount", NULL, "app");
	ASSERT_TRUE(o == &m->objs[base]);
	ASSERT_NULL(k8s_manifests_find(m, "ServiceAccount", "nowhere", "app"));
	ASSERT_NULL(k8s_manifests_find(m, "ServiceAccount", "team", "ap"));
	ASSERT_NULL(k8s_manifests_find(m, "Serviceaccount", "team", "app"));
	ASSERT_NULL(k8s_manifests_find(m, "ServiceAccount", "", "app"));
	/* The kind as written, whatever its apiVersion: the example.com Namespace comes first. */
	o = k8s_manifests_find(m, "Namespace", NULL, "team");
	ASSERT_TRUE(o == &m->objs[base + 5]);
	ASSERT_EQ(o->kind, K8S_KIND_OTHER);
	/* Namespaces are cluster-scoped: a stray metadata.namespace does not hide one. */
	o = k8s_manifests_find_namespace(m, "team");
	ASSERT_TRUE(o == &m->objs[base + 6]);
	ASSERT_TRUE(o == scan_namespace(m, "team"));
	ASSERT_NULL(o->psa.level[K8S_PSA_ENFORCE]);
	ASSERT_NULL(k8s_manifests_find_namespace(m, "other"));
	ASSERT_NULL(k8s_manifests_find_namespace(m, "app"));
}

TEST(index_duplicates_and_scope_small)
{
	/* Below the threshold nothing is allocated; lookups scan. */
	struct k8s_manifests m = {0};
	ASSERT_OK(load(&m, "dups.yaml", dups));
	ASSERT_EQ(m.n, 8u);
	ASSERT_NULL(m.index);
	check_dups(&m, 0);
	k8s_manifests_done(&m);
}

TEST(index_duplicates_and_scope_indexed)
{
	struct k8s_manifests m = {0};
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(filler(&b, 0, 40));
	ASSERT_OK(load(&m, "fill.yaml", buf_str(&b)));
	ASSERT_OK(load(&m, "dups.yaml", dups));
	ASSERT_NOT_NULL(m.index);
	check_dups(&m, 40);
	ASSERT_TRUE(k8s_manifests_find(&m, "ConfigMap", "fill", "f39") == &m.objs[39]);
	ASSERT_TRUE(k8s_manifests_find(&m, "ConfigMap", NULL, "f0") == &m.objs[0]);
	ASSERT_NULL(k8s_manifests_find(&m, "ConfigMap", "default", "f0"));
	k8s_manifests_done(&m);
	/* Reusable after done. */
	ASSERT_NULL(m.index);
	ASSERT_OK(load(&m, "dups.yaml", dups));
	check_dups(&m, 0);
	k8s_manifests_done(&m);
}

TEST(index_lookups_after_appending)
{
	struct k8s_manifests m = {0};
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(filler(&b, 0, 20));
	ASSERT_OK(load(&m, "a.yaml", buf_str(&b)));
	ASSERT_NOT_NULL(m.index);
	/* The first lookup builds the index; the objects below are not in it yet. */
	ASSERT_NULL(k8s_manifests_find(&m, "ServiceAccount", "team", "app"));
	ASSERT_NULL(k8s_manifests_find_namespace(&m, "team"));
	ASSERT_TRUE(k8s_manifests_find(&m, "ConfigMap", "fill", "f7") == &m.objs[7]);

	/* Appended by the loader: found, and duplicates appended later never shadow. */
	ASSERT_OK(load(&m, "dups.yaml", dups));
	check_dups(&m, 20);
	ASSERT_OK(load(&m, "dups2.yaml", dups));
	check_dups(&m, 20);
	ASSERT_EQ(m.n, 36u);

	/* Enough more to outgrow the tables (rebuilt), with the same answers. */
	buf_clear(&b);
	ASSERT_OK(filler(&b, 0, 300));
	ASSERT_OK(load(&m, "b.yaml", buf_str(&b)));
	ASSERT_EQ(m.n, 336u);
	check_dups(&m, 20);
	ASSERT_TRUE(k8s_manifests_find(&m, "ConfigMap", "fill", "f7") == &m.objs[7]);
	ASSERT_TRUE(k8s_manifests_find(&m, "ConfigMap", "fill", "f299") == &m.objs[335]);

	/* Appended as a parsed object (the admission path). */
	json_error_t err;
	json_t *obj = json_loads("{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\","
				 "\"metadata\":{\"name\":\"late\",\"namespace\":\"team\"}}",
				 0, &err);
	ASSERT_NOT_NULL(obj);
	struct bh_diag d = {0};
	int r = k8s_manifests_add_json(&m, "request.object", obj, &d);
	json_decref(obj);
	ASSERT_OK(r);
	ASSERT_TRUE(k8s_manifests_find(&m, "ServiceAccount", "team", "late") == &m.objs[336]);
	ASSERT_TRUE(k8s_manifests_find(&m, "ServiceAccount", NULL, "late") == &m.objs[336]);
	ASSERT_NULL(k8s_manifests_find(&m, "ServiceAccount", "other", "late"));
	check_dups(&m, 20);
	k8s_manifests_done(&m);
}

TEST(index_agrees_with_a_scan)
{
	/* Many keys with duplicates across kinds, namespaces and names, looked up in bulk. */
	static const char *const kinds[] = {"ServiceAccount", "Service", "Namespace", "ConfigMap"};
	static const char *const nss[] = {NULL, "default", "a", "b", "c"};
	struct k8s_manifests m = {0};
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	uint32_t x = 12345;
	for (unsigned i = 0; i < 1500; i++) {
		x = x * 1103515245u + 12345u;
		const char *k = kinds[(x >> 8) % ARRAY_SIZE(kinds)];
		const char *ns = nss[(x >> 12) % ARRAY_SIZE(nss)];
		ASSERT_OK(buf_printf(&b,
				     "---\napiVersion: v1\nkind: %s\nmetadata: {name: n%u%s%s}\n",
				     k, (x >> 16) % 97, ns ? ", namespace: " : "", ns ? ns : ""));
		if (i == 700) {
			/* Half loaded and looked up, then the rest appended. */
			ASSERT_OK(load(&m, "half.yaml", buf_str(&b)));
			buf_clear(&b);
			ASSERT_TRUE(k8s_manifests_find(&m, "Service", "a", "n1") ==
				    scan(&m, "Service", "a", "n1"));
		}
	}
	ASSERT_OK(load(&m, "rest.yaml", buf_str(&b)));
	ASSERT_EQ(m.n, 1500u);
	unsigned found = 0;
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
		for (size_t s = 0; s < ARRAY_SIZE(nss); s++)
			for (unsigned n = 0; n < 100; n++) {
				char name[16];
				(void)xsnprintf(name, sizeof(name), "n%u", n);
				const struct k8s_object *want = scan(&m, kinds[k], nss[s], name);
				ASSERT_TRUE(k8s_manifests_find(&m, kinds[k], nss[s], name) == want);
				found += want != NULL;
				if (s == 0)
					ASSERT_TRUE(k8s_manifests_find_namespace(&m, name) ==
						    scan_namespace(&m, name));
			}
	/* The data has hits and misses. */
	ASSERT_TRUE(found > 500);
	ASSERT_TRUE(found < 4 * 5 * 100);
	k8s_manifests_done(&m);
}
