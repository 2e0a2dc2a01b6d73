/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-profile.c — documents made from a baseline (src/runtime/profile.c) on hand-built
 * baselines: the seccomp profile (learnt + runtime syscalls, sorted, architectures, exact,
 * unnamed syscalls, no syscalls), the NetworkPolicy (parsed back with the YAML reader: ports,
 * ipBlocks, collapsed peers, DNS, selectors, names, errors) and the unused packages (exec,
 * reads, patterns, resolved paths, directories, packages without files, JSON and table).
 */
#include <netinet/in.h>

#include "common/bh-yaml.h"
#include "common/json.h"
#include "runtime/profile.h"
#include "tap.h"

#define T0 1700000000

static void add(struct baseline *b, enum baseline_type t, uint8_t proto, uint16_t port,
		const char *a, const char *bb)
{
	struct baseline_fact f = {.proto = proto, .port = port, .a = (char *)a, .b = (char *)bb};
	ASSERT_OK(baseline_insert_fact(b, t, &f));
}

static struct baseline *web(void)
{
	struct baseline *b = NULL;
	ASSERT_OK(baseline_new("k8s:shop/web@sha256:abc", BASELINE_MONITOR, T0, NULL, &b));
	static const char *const sc[] = {"write", "accept4", "read", "openat", "syscall_451"};
	for (size_t i = 0; i < ARRAY_SIZE(sc); i++)
		add(b, BASELINE_SYSCALL, 0, 0, sc[i], NULL);
	add(b, BASELINE_LISTEN, IPPROTO_TCP, 8080, NULL, NULL);
	add(b, BASELINE_LISTEN, IPPROTO_UDP, 8125, NULL, NULL);
	add(b, BASELINE_PEER, IPPROTO_TCP, 5432, "10.0.0.7", "db.shop.svc");
	add(b, BASELINE_PEER, IPPROTO_TCP, 5432, "10.0.0.8", NULL);
	add(b, BASELINE_PEER, IPPROTO_TCP, 8443, "2001:db8::5", NULL);
	add(b, BASELINE_PEER, IPPROTO_TCP, 443, "*", NULL);
	add(b, BASELINE_PEER, IPPROTO_TCP, 443, "192.0.2.1", NULL);
	add(b, BASELINE_PEER, IPPROTO_UDP, 53, "10.96.0.10", NULL);
	add(b, BASELINE_EXEC, 0, 0, "/usr/bin/curl", NULL);
	add(b, BASELINE_EXEC_PAIR, 0, 0, "/bin/sh", "/usr/bin/curl");
	add(b, BASELINE_FILE_READ, 0, 0, "/etc/ssl/certs/ca.crt", NULL);
	add(b, BASELINE_FILE_WRITE, 0, 0, "/var/cache/app/*", NULL);
	add(b, BASELINE_SENSITIVE_READ, 0, 0, "/srv/node_modules/x/secret.json", NULL);
	return b;
}

static json_t *seccomp(const struct baseline *b, const struct profile_seccomp_opts *o,
		       struct profile_seccomp_stats *st)
{
	_cleanup_buf_ struct buf out;
	buf_init(&out, 0);
	ASSERT_OK(profile_seccomp(b, o, &out, st));
	ASSERT_TRUE(out.len > 0 && out.ptr[out.len - 1] == '\n');
	json_error_t e;
	json_t *doc = json_loadb(out.ptr, out.len, 0, &e);
	ASSERT_TRUE(doc != NULL);
	return doc;
}

static bool has_name(const json_t *names, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v) if (streq(json_string_value(v), s)) return true;
	return false;
}

TEST(seccomp_profile)
{
	_cleanup_(baseline_freep) struct baseline *b = web();
	struct profile_seccomp_stats st;
	_cleanup_json_ json_t *doc = seccomp(b, NULL, &st);
	ASSERT_STREQ(bh_json_str(doc, "defaultAction"), "SCMP_ACT_ERRNO");
	ASSERT_EQ(json_integer_value(json_object_get(doc, "defaultErrnoRet")), 1);
	json_t *arch = json_object_get(doc, "architectures");
	ASSERT_EQ(json_array_size(arch), 3);
	ASSERT_STREQ(json_string_value(json_array_get(arch, 0)), "SCMP_ARCH_X86_64");
	ASSERT_STREQ(json_string_value(json_array_get(arch, 2)), "SCMP_ARCH_X32");
	json_t *rules = json_object_get(doc, "syscalls");
	ASSERT_EQ(json_array_size(rules), 1);
	json_t *rule = json_array_get(rules, 0);
	ASSERT_STREQ(bh_json_str(rule, "action"), "SCMP_ACT_ALLOW");
	json_t *names = json_object_get(rule, "names");
	/* the learnt ones, the runtime's, none unnamed, sorted and unique */
	ASSERT_TRUE(has_name(names, "accept4") && has_name(names, "openat"));
	ASSERT_TRUE(has_name(names, "execve") && has_name(names, "capset"));
	ASSERT_TRUE(has_name(names, "exit_group"));
	ASSERT_FALSE(has_name(names, "syscall_451"));
	ASSERT_FALSE(has_name(names, "unshare"));
	for (size_t i = 1; i < json_array_size(names); i++)
		ASSERT_TRUE(strcmp(json_string_value(json_array_get(names, i - 1)),
				   json_string_value(json_array_get(names, i))) < 0);
	size_t n_rt = 0;
	while (profile_runtime_syscalls[n_rt])
		n_rt++;
	for (size_t i = 1; i < n_rt; i++)
		ASSERT_TRUE(strcmp(profile_runtime_syscalls[i - 1], profile_runtime_syscalls[i]) <
			    0);
	ASSERT_EQ(st.learnt, 4);
	ASSERT_EQ(st.skipped, 1);
	/* read, write, openat are runtime syscalls too: not added twice */
	ASSERT_EQ(st.added, n_rt - 3);
	ASSERT_EQ(json_array_size(names), 4 + n_rt - 3);
}

TEST(seccomp_exact_arch_deterministic)
{
	_cleanup_(baseline_freep) struct baseline *b = web();
	const char *arches[] = {"aarch64", "SCMP_ARCH_ARM"};
	struct profile_seccomp_opts o = {.arches = arches, .n_arches = 2, .exact = true};
	struct profile_seccomp_stats st;
	_cleanup_json_ json_t *doc = seccomp(b, &o, &st);
	json_t *arch = json_object_get(doc, "architectures");
	ASSERT_EQ(json_array_size(arch), 2);
	ASSERT_STREQ(json_string_value(json_array_get(arch, 0)), "SCMP_ARCH_AARCH64");
	ASSERT_STREQ(json_string_value(json_array_get(arch, 1)), "SCMP_ARCH_ARM");
	json_t *names =
	    json_object_get(json_array_get(json_object_get(doc, "syscalls"), 0), "names");
	ASSERT_EQ(json_array_size(names), 4);
	ASSERT_STREQ(json_string_value(json_array_get(names, 0)), "accept4");
	ASSERT_STREQ(json_string_value(json_array_get(names, 3)), "write");
	ASSERT_EQ(st.added, 0);

	/* same input, same bytes */
	_cleanup_buf_ struct buf a1, a2;
	buf_init(&a1, 0);
	buf_init(&a2, 0);
	ASSERT_OK(profile_seccomp(b, NULL, &a1, NULL));
	ASSERT_OK(profile_seccomp(b, NULL, &a2, NULL));
	ASSERT_STREQ(buf_str(&a1), buf_str(&a2));

	const char *bad[] = {"vax"};
	o = (struct profile_seccomp_opts){.arches = bad, .n_arches = 1};
	ASSERT_ERR(profile_seccomp(b, &o, &a1, NULL), -EINVAL);
	const char *twice[] = {"x86_64", "amd64"};
	o = (struct profile_seccomp_opts){.arches = twice, .n_arches = 2};
	ASSERT_ERR(profile_seccomp(b, &o, &a1, NULL), -EINVAL);
	ASSERT_STREQ(profile_seccomp_arch("i386"), "SCMP_ARCH_X86");
	ASSERT_TRUE(profile_seccomp_arch("SCMP_ARCH_VAX") == NULL);
}

TEST(seccomp_no_syscalls)
{
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	ASSERT_OK(baseline_new("container:batch@alpine", BASELINE_LEARN, T0, NULL, &b));
	_cleanup_buf_ struct buf out;
	buf_init(&out, 0);
	ASSERT_ERR(profile_seccomp(b, NULL, &out, NULL), -ENOENT);
	add(b, BASELINE_SYSCALL, 0, 0, "syscall_999", NULL);
	ASSERT_ERR(profile_seccomp(b, NULL, &out, NULL), -ENOENT);
	ASSERT_EQ(out.len, 0);
}

/* The policy parsed back the way `bulkhead k8s` reads manifests. */
static json_t *netpol(const struct baseline *b, const struct profile_netpol_opts *o)
{
	_cleanup_buf_ struct buf out;
	buf_init(&out, 0);
	const char *why = NULL;
	int r = profile_netpol(b, o, &out, &why);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "profile_netpol: %d %s", r, why ? why : "");
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_yaml_stream s = {0};
	struct bh_diag d = {0};
	r = bh_yaml_parse(buf_span(&out), &l, "netpol", &s, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "YAML: %s\n%s", d.message, buf_str(&out));
	ASSERT_EQ(s.n, 1);
	json_t *doc = json_incref(s.docs[0].value);
	bh_yaml_stream_done(&s);
	return doc;
}

static const char *jpath_str(json_t *v, const char *const *path, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		v = json_object_get(v, path[i]);
	return json_string_value(v);
}

TEST(netpol_rules)
{
	_cleanup_(baseline_freep) struct baseline *b = web();
	_cleanup_json_ json_t *doc = netpol(b, NULL);
	ASSERT_STREQ(bh_json_str(doc, "apiVersion"), "networking.k8s.io/v1");
	ASSERT_STREQ(bh_json_str(doc, "kind"), "NetworkPolicy");
	json_t *md = json_object_get(doc, "metadata");
	ASSERT_STREQ(bh_json_str(md, "name"), "bulkhead-web");
	ASSERT_STREQ(bh_json_str(md, "namespace"), "shop");
	ASSERT_STREQ(jpath_str(md, (const char *[]){"annotations", "bulkhead.dev/workload"}, 2),
		     "k8s:shop/web@sha256:abc");
	json_t *spec = json_object_get(doc, "spec");
	ASSERT_STREQ(
	    jpath_str(spec,
		      (const char *[]){"podSelector", "matchLabels", "app.kubernetes.io/name"}, 3),
	    "web");
	json_t *pt = json_object_get(spec, "policyTypes");
	ASSERT_EQ(json_array_size(pt), 2);
	ASSERT_STREQ(json_string_value(json_array_get(pt, 0)), "Ingress");
	ASSERT_STREQ(json_string_value(json_array_get(pt, 1)), "Egress");

	json_t *ing = json_object_get(spec, "ingress");
	ASSERT_EQ(json_array_size(ing), 1);
	ASSERT_TRUE(json_object_get(json_array_get(ing, 0), "from") == NULL);
	json_t *ports = json_object_get(json_array_get(ing, 0), "ports");
	ASSERT_EQ(json_array_size(ports), 2);
	ASSERT_STREQ(bh_json_str(json_array_get(ports, 0), "protocol"), "TCP");
	ASSERT_EQ(json_integer_value(json_object_get(json_array_get(ports, 0), "port")), 8080);
	ASSERT_STREQ(bh_json_str(json_array_get(ports, 1), "protocol"), "UDP");
	ASSERT_EQ(json_integer_value(json_object_get(json_array_get(ports, 1), "port")), 8125);

	/* tcp/443 (collapsed: any address), tcp/5432 (two /32), tcp/8443 (/128), DNS */
	json_t *eg = json_object_get(spec, "egress");
	ASSERT_EQ(json_array_size(eg), 4);
	json_t *r0 = json_array_get(eg, 0), *to0 = json_object_get(r0, "to");
	ASSERT_EQ(json_array_size(to0), 2);
	ASSERT_STREQ(jpath_str(json_array_get(to0, 0), (const char *[]){"ipBlock", "cidr"}, 2),
		     "0.0.0.0/0");
	ASSERT_STREQ(jpath_str(json_array_get(to0, 1), (const char *[]){"ipBlock", "cidr"}, 2),
		     "::/0");
	ASSERT_EQ(json_integer_value(
		      json_object_get(json_array_get(json_object_get(r0, "ports"), 0), "port")),
		  443);
	json_t *to1 = json_object_get(json_array_get(eg, 1), "to");
	ASSERT_EQ(json_array_size(to1), 2);
	ASSERT_STREQ(jpath_str(json_array_get(to1, 0), (const char *[]){"ipBlock", "cidr"}, 2),
		     "10.0.0.7/32");
	ASSERT_STREQ(jpath_str(json_array_get(to1, 1), (const char *[]){"ipBlock", "cidr"}, 2),
		     "10.0.0.8/32");
	json_t *to2 = json_object_get(json_array_get(eg, 2), "to");
	ASSERT_STREQ(jpath_str(json_array_get(to2, 0), (const char *[]){"ipBlock", "cidr"}, 2),
		     "2001:db8::5/128");
	json_t *dns = json_array_get(eg, 3), *dto = json_array_get(json_object_get(dns, "to"), 0);
	ASSERT_STREQ(jpath_str(dto, (const char *[]){"podSelector", "matchLabels", "k8s-app"}, 3),
		     "kube-dns");
	json_t *dp = json_object_get(dns, "ports");
	ASSERT_EQ(json_array_size(dp), 2);
	ASSERT_STREQ(bh_json_str(json_array_get(dp, 0), "protocol"), "UDP");
	ASSERT_STREQ(bh_json_str(json_array_get(dp, 1), "protocol"), "TCP");

	/* --dns peers: the resolver's address stays an ipBlock on udp/53 */
	struct profile_netpol_opts o = {.dns = PROFILE_DNS_PEERS};
	_cleanup_json_ json_t *d2 = netpol(b, &o);
	json_t *eg2 = json_object_get(json_object_get(d2, "spec"), "egress");
	ASSERT_EQ(json_array_size(eg2), 4);
	json_t *last = json_array_get(eg2, 3);
	ASSERT_STREQ(jpath_str(json_array_get(json_object_get(last, "to"), 0),
			       (const char *[]){"ipBlock", "cidr"}, 2),
		     "10.96.0.10/32");
	ASSERT_STREQ(bh_json_str(json_array_get(json_object_get(last, "ports"), 0), "protocol"),
		     "UDP");
}

TEST(netpol_options_and_empty)
{
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	ASSERT_OK(baseline_new("container:Batch_Job.2@alpine:3.19", BASELINE_LEARN, T0, NULL, &b));
	/* no network facts: deny both ways */
	const char *sel[] = {"tier=batch", "app=job"};
	struct profile_netpol_opts o = {.namespace = "jobs", .selector = sel, .n_selector = 2};
	_cleanup_json_ json_t *doc = netpol(b, &o);
	json_t *md = json_object_get(doc, "metadata"), *spec = json_object_get(doc, "spec");
	ASSERT_STREQ(bh_json_str(md, "name"), "bulkhead-batch-job-2");
	ASSERT_STREQ(bh_json_str(md, "namespace"), "jobs");
	json_t *ml = json_object_get(json_object_get(spec, "podSelector"), "matchLabels");
	ASSERT_EQ(json_object_size(ml), 2);
	ASSERT_STREQ(bh_json_str(ml, "app"), "job");
	ASSERT_STREQ(bh_json_str(ml, "tier"), "batch");
	ASSERT_EQ(json_array_size(json_object_get(spec, "ingress")), 0);
	ASSERT_TRUE(json_is_array(json_object_get(spec, "ingress")));
	ASSERT_TRUE(json_is_array(json_object_get(spec, "egress")));
	ASSERT_EQ(json_array_size(json_object_get(spec, "egress")), 0);

	/* the default selector: the container name as it is */
	_cleanup_json_ json_t *d2 = netpol(b, NULL);
	ASSERT_TRUE(json_object_get(json_object_get(d2, "metadata"), "namespace") == NULL);
	ASSERT_STREQ(
	    jpath_str(json_object_get(d2, "spec"),
		      (const char *[]){"podSelector", "matchLabels", "app.kubernetes.io/name"}, 3),
	    "Batch_Job.2");

	_cleanup_buf_ struct buf out;
	buf_init(&out, 0);
	const char *why = NULL;
	const char *bad_sel[] = {"app"};
	o = (struct profile_netpol_opts){.selector = bad_sel, .n_selector = 1};
	ASSERT_ERR(profile_netpol(b, &o, &out, &why), -EINVAL);
	ASSERT_TRUE(why != NULL);
	const char *dup_sel[] = {"a=1", "a=2"};
	o = (struct profile_netpol_opts){.selector = dup_sel, .n_selector = 2};
	ASSERT_ERR(profile_netpol(b, &o, &out, &why), -EINVAL);
	o = (struct profile_netpol_opts){.namespace = "Bad_NS"};
	ASSERT_ERR(profile_netpol(b, &o, &out, &why), -EINVAL);
	o = (struct profile_netpol_opts){.name = "-x"};
	ASSERT_ERR(profile_netpol(b, &o, &out, &why), -EINVAL);
	ASSERT_EQ(out.len, 0);

	_cleanup_(baseline_freep) struct baseline *img = NULL;
	ASSERT_OK(baseline_new("image:redis:7", BASELINE_LEARN, T0, NULL, &img));
	ASSERT_ERR(profile_netpol(img, NULL, &out, &why), -EINVAL);
	const char *ok_sel[] = {"example.com/role=cache"};
	o = (struct profile_netpol_opts){.selector = ok_sel, .n_selector = 1, .name = "redis"};
	_cleanup_json_ json_t *d3 = netpol(img, &o);
	ASSERT_STREQ(bh_json_str(json_object_get(d3, "metadata"), "name"), "redis");
}

TEST(labels_and_workloads)
{
	ASSERT_TRUE(profile_label_key_ok(span_from("app.kubernetes.io/name")));
	ASSERT_TRUE(profile_label_key_ok(span_from("app")));
	ASSERT_FALSE(profile_label_key_ok(span_from("/app")));
	ASSERT_FALSE(profile_label_key_ok(span_from("Bad_Prefix/app")));
	ASSERT_FALSE(profile_label_key_ok(span_from("")));
	ASSERT_TRUE(profile_label_value_ok(span_from("")));
	ASSERT_TRUE(profile_label_value_ok(span_from("a_b.c-1")));
	ASSERT_FALSE(profile_label_value_ok(span_from("-a")));
	ASSERT_FALSE(profile_label_value_ok(span_from("a b")));
	ASSERT_FALSE(profile_label_value_ok(
	    span_from("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")));

	struct profile_workload w;
	profile_workload_parse("k8s:prod/web@sha256:1", &w);
	ASSERT_EQ(w.kind, PROFILE_WL_K8S);
	ASSERT_TRUE(span_eq_str(w.ns, "prod") && span_eq_str(w.owner, "web"));
	profile_workload_parse("k8s:prod/db", &w);
	ASSERT_TRUE(w.kind == PROFILE_WL_K8S && span_eq_str(w.owner, "db"));
	profile_workload_parse("container:web@nginx@sha256:1", &w);
	ASSERT_TRUE(w.kind == PROFILE_WL_CONTAINER && span_eq_str(w.owner, "web"));
	profile_workload_parse("image:redis:7", &w);
	ASSERT_TRUE(w.kind == PROFILE_WL_IMAGE && w.owner.len == 0);
	profile_workload_parse("host", &w);
	ASSERT_EQ(w.kind, PROFILE_WL_OTHER);
	profile_workload_parse("k8s:/web", &w);
	ASSERT_EQ(w.kind, PROFILE_WL_OTHER);
}

/* A merged-/usr image: /bin and /lib are links into /usr. */
static int resolve_usrmerge(void *u, const char *path, struct buf *ret)
{
	(void)u;
	static const char *const pre[] = {"/bin/", "/lib/"};
	for (size_t i = 0; i < ARRAY_SIZE(pre); i++)
		if (strncmp(path, pre[i], strlen(pre[i])) == 0)
			return buf_printf(ret, "/usr%s", path);
	if (streq(path, "/fail"))
		return -EIO;
	return -ENOENT;
}

TEST(unused_packages)
{
	_cleanup_(baseline_freep) struct baseline *b = web();
	static const char *const curl[] = {"/bin/curl", "/usr/share/doc/curl/copyright"};
	static const char *const ca[] = {"/etc/ssl/certs/ca.crt"};
	static const char *const zlib[] = {"/lib/libz.so.1"};
	static const char *const app[] = {"/var/cache/app/index.db"};
	static const char *const shell[] = {"/bin/sh"};
	static const char *const perl[] = {"/usr/bin/perl", "/usr/lib/perl5/strict.pm"};
	const struct profile_pkg pkgs[] = {
	    {"curl", "7.88.1", "deb", curl, 2, NULL},
	    {"ca-certificates", "2023", "deb", ca, 1, NULL},
	    {"zlib1g", "1.2.13", "deb", zlib, 1, NULL},
	    {"app-data", "1", "deb", app, 1, NULL},
	    {"dash", "0.5", "deb", shell, 1, NULL},
	    {"perl", "5.36", "deb", perl, 2, NULL},
	    {"x", "1.0", "npm", NULL, 0, "/srv/node_modules/x"},
	    {"y", "2.0", "npm", NULL, 0, "/srv/node_modules/y"},
	    {"rake", "13", "gem", NULL, 0, NULL},
	};
	_cleanup_(profile_usage_freep) struct profile_usage *pu = NULL;
	ASSERT_OK(profile_unused(b, pkgs, ARRAY_SIZE(pkgs), resolve_usrmerge, NULL, &pu));
	ASSERT_EQ(pu->use[0].use, PROFILE_USE_USED); /* /bin/curl = /usr/bin/curl, executed */
	ASSERT_EQ(pu->use[0].by, BASELINE_EXEC);
	ASSERT_STREQ(pu->use[0].evidence, "/usr/bin/curl");
	ASSERT_EQ(pu->use[1].use, PROFILE_USE_USED);
	ASSERT_EQ(pu->use[1].by, BASELINE_FILE_READ);
	ASSERT_EQ(pu->use[2].use, PROFILE_USE_UNUSED); /* never opened */
	ASSERT_EQ(pu->use[3].use, PROFILE_USE_USED);   /* the write pattern /var/cache/app/\* */
	ASSERT_EQ(pu->use[3].by, BASELINE_FILE_WRITE);
	ASSERT_EQ(pu->use[4].use, PROFILE_USE_USED); /* the parent of an exec pair */
	ASSERT_EQ(pu->use[4].by, BASELINE_EXEC_PAIR);
	ASSERT_EQ(pu->use[5].use, PROFILE_USE_UNUSED);
	ASSERT_EQ(pu->use[6].use, PROFILE_USE_USED); /* a file below its directory was read */
	ASSERT_EQ(pu->use[6].by, BASELINE_SENSITIVE_READ);
	ASSERT_EQ(pu->use[7].use, PROFILE_USE_UNUSED);
	ASSERT_EQ(pu->use[8].use, PROFILE_USE_UNKNOWN);
	ASSERT_EQ(pu->n_by[PROFILE_USE_USED], 5);
	ASSERT_EQ(pu->n_by[PROFILE_USE_UNUSED], 3);
	ASSERT_EQ(pu->n_by[PROFILE_USE_UNKNOWN], 1);
	ASSERT_FALSE(pu->incomplete);

	_cleanup_json_ json_t *doc = NULL;
	ASSERT_OK(profile_usage_to_json(pu, "oci:/img:1", &doc));
	ASSERT_STREQ(bh_json_str(doc, "schema"), "bulkhead.profile-unused/v1");
	ASSERT_STREQ(bh_json_str(doc, "image"), "oci:/img:1");
	json_t *sum = json_object_get(doc, "summary");
	ASSERT_EQ(json_integer_value(json_object_get(sum, "unused")), 3);
	json_t *unused = json_object_get(doc, "unused");
	ASSERT_EQ(json_array_size(unused), 3);
	ASSERT_STREQ(bh_json_str(json_array_get(unused, 0), "name"), "zlib1g");
	json_t *used0 = json_array_get(json_object_get(doc, "used"), 0);
	ASSERT_STREQ(jpath_str(used0, (const char *[]){"evidence", "type"}, 2), "exec");

	_cleanup_buf_ struct buf t;
	buf_init(&t, 0);
	ASSERT_OK(profile_usage_to_text(pu, &t));
	ASSERT_TRUE(strstr(buf_str(&t), "PACKAGE") == buf_str(&t));
	ASSERT_TRUE(strstr(buf_str(&t), "\nperl ") != NULL);
	ASSERT_TRUE(strstr(buf_str(&t), "curl") == NULL);
	ASSERT_TRUE(strstr(buf_str(&t), "3 of 9 packages unused (5 used, 1 without a file list)") !=
		    NULL);

	/* without the resolver /bin/curl is not /usr/bin/curl */
	_cleanup_(profile_usage_freep) struct profile_usage *p2 = NULL;
	ASSERT_OK(profile_unused(b, pkgs, ARRAY_SIZE(pkgs), NULL, NULL, &p2));
	ASSERT_EQ(p2->use[0].use, PROFILE_USE_UNUSED);

	/* a resolver error fails the call */
	static const char *const failing[] = {"/fail"};
	const struct profile_pkg bad[] = {{"f", "1", "deb", failing, 1, NULL}};
	_cleanup_(profile_usage_freep) struct profile_usage *p3 = NULL;
	ASSERT_ERR(profile_unused(b, bad, 1, resolve_usrmerge, NULL, &p3), -EIO);
	ASSERT_TRUE(p3 == NULL);

	/* an overflowing set makes the answer incomplete */
	b->sets[BASELINE_FILE_READ].overflow = 3;
	_cleanup_(profile_usage_freep) struct profile_usage *p4 = NULL;
	ASSERT_OK(profile_unused(b, pkgs, 0, NULL, NULL, &p4));
	ASSERT_TRUE(p4->incomplete);
	buf_clear(&t);
	ASSERT_OK(profile_usage_to_text(p4, &t));
	ASSERT_TRUE(strstr(buf_str(&t), "0 of 0 packages unused") != NULL);
	ASSERT_TRUE(strstr(buf_str(&t), "incomplete") != NULL);
}
