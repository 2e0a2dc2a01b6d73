/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-k8s.c — the Kubernetes API audit event reader: every event of the real audit logs in
 * ../shared/testdata/k8s/audit (falcosecurity's minikube captures) parses, the changes are
 * the ones the files' names say, and each kind of malformed line is refused with a reason.
 */
#include <dirent.h>

#include "audit/audit.h"
#include "common/json.h"
#include "tap.h"

static struct bh_limits limits(void)
{
	struct bh_limits l;
	bh_limits_default(&l);
	return l;
}

static int parse(const char *line, struct audit_k8s_event *e, struct bh_diag *d)
{
	struct bh_limits l = limits();
	*e = (struct audit_k8s_event){0};
	return audit_k8s_event_parse(span_from(line), &l, e, d);
}

/* Parse the first event of a shared file. */
static void parse_shared(const char *name, struct audit_k8s_event *e)
{
	char rel[256];
	ASSERT_OK(xsnprintf(rel, sizeof(rel), "k8s/audit/%s", name));
	const char *p = tap_shared_path(rel);
	if (!p)
		TEST_SKIP("../shared/testdata is absent");
	_cleanup_free_ char *text = tap_read_file(p, NULL);
	ASSERT_NOT_NULL(text);
	char *nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	struct bh_diag d = {0};
	int r = parse(text, e, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "%s: %s", name, d.message);
}

TEST(shared_every_event_parses)
{
	const char *dir = tap_shared_path("k8s/audit");
	if (!dir)
		TEST_SKIP("../shared/testdata is absent");
	DIR *d = opendir(dir);
	ASSERT_NOT_NULL(d);
	struct dirent *de;
	unsigned events = 0, changes = 0, files = 0;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 5 || !streq(de->d_name + n - 5, ".json"))
			continue;
		files++;
		char path[1024];
		ASSERT_OK(xsnprintf(path, sizeof(path), "%s/%s", dir, de->d_name));
		_cleanup_free_ char *text = tap_read_file(path, NULL);
		ASSERT_NOT_NULL(text);
		struct span in = span_from(text), line;
		unsigned lineno = 0;
		while (span_next_line(&in, &line) == 0) {
			lineno++;
			if (span_trim(line).len == 0)
				continue;
			struct bh_limits l = limits();
			struct audit_k8s_event e = {0};
			struct bh_diag diag = {0};
			int r = audit_k8s_event_parse(line, &l, &e, &diag);
			if (r < 0)
				tap_fail(__FILE__, __LINE__, "%s:%u: %s", de->d_name, lineno,
					 diag.message);
			events++;
			if (e.is_change) {
				changes++;
				ASSERT_NOT_NULL(e.payload);
				ASSERT_NOT_NULL(e.target);
				/* the payload is canonicalisable: it can be appended */
				_cleanup_buf_ struct buf b;
				buf_init(&b, 0);
				ASSERT_OK(audit_canon_json(e.payload, 64, &b));
			}
			audit_k8s_event_done(&e);
		}
	}
	closedir(d);
	printf("# %u files, %u events, %u changes\n", files, events, changes);
	ASSERT_EQ(files, 46);
	ASSERT_EQ(events, 51);
	ASSERT_EQ(changes, 50); /* all but one "get" */
}

TEST(shared_exec)
{
	struct audit_k8s_event e;
	parse_shared("exec_pod.json", &e);
	ASSERT_TRUE(e.is_change); /* ResponseStarted of a create on pods/exec */
	ASSERT_STREQ(e.target, "default/pods/nginx-deployment-7998647bdf-phvq7/exec");
	ASSERT_STREQ(e.username, "minikube-user");
	ASSERT_STREQ(e.verb, "create");
	ASSERT_STREQ(e.stage, "ResponseStarted");
	ASSERT_STREQ(bh_json_str(e.payload, "subresource"), "exec");
	ASSERT_EQ(json_integer_value(json_object_get(e.payload, "code")), 101);
	ASSERT_STREQ(bh_json_str(e.payload, "time"), "2018-10-26T13:38:34.902914Z");
	json_t *groups = bh_json_arr(e.payload, "groups");
	ASSERT_EQ(json_array_size(groups), 2);
	ASSERT_STREQ(json_string_value(json_array_get(groups, 0)), "system:masters");
	audit_k8s_event_done(&e);
}

TEST(shared_cluster_scoped_and_anonymous)
{
	struct audit_k8s_event e;
	parse_shared("anonymous_creates_namespace_foo.json", &e);
	ASSERT_TRUE(e.is_change);
	ASSERT_STREQ(e.target, "namespaces/foo");
	ASSERT_STREQ(e.username, "system:anonymous");
	audit_k8s_event_done(&e);
	parse_shared("delete_clusterrolebinding.json", &e);
	ASSERT_TRUE(e.is_change);
	ASSERT_STREQ(e.verb, "delete");
	ASSERT_NULL(bh_json_str(e.payload, "namespace"));
	audit_k8s_event_done(&e);
}

#define EV_HEAD "{\"apiVersion\":\"audit.k8s.io/v1\",\"kind\":\"Event\",\"auditID\":\"a1\","

TEST(v1_impersonation_and_stages)
{
	struct audit_k8s_event e;
	ASSERT_OK(parse(EV_HEAD
			"\"stage\":\"ResponseComplete\",\"verb\":\"patch\","
			"\"user\":{\"username\":\"alice\",\"groups\":[\"dev\"]},"
			"\"impersonatedUser\":{\"username\":\"system:admin\",\"groups\":[]},"
			"\"objectRef\":{\"resource\":\"deployments\",\"namespace\":\"prod\","
			"\"name\":\"web\",\"apiGroup\":\"apps\",\"apiVersion\":\"v1\"},"
			"\"responseStatus\":{\"code\":200},\"userAgent\":\"kubectl/v1.30\","
			"\"stageTimestamp\":\"2024-05-01T10:00:00.123456Z\"}",
			&e, NULL));
	ASSERT_TRUE(e.is_change);
	ASSERT_STREQ(e.target, "prod/deployments/web");
	ASSERT_STREQ(e.impersonated, "system:admin");
	ASSERT_STREQ(bh_json_str(e.payload, "impersonated_user"), "system:admin");
	ASSERT_STREQ(bh_json_str(e.payload, "api_group"), "apps");
	ASSERT_STREQ(bh_json_str(e.payload, "user_agent"), "kubectl/v1.30");
	audit_k8s_event_done(&e);

	/* the same request at RequestReceived, and a read, are not recorded */
	ASSERT_OK(parse(EV_HEAD "\"stage\":\"RequestReceived\",\"verb\":\"patch\","
				"\"user\":{\"username\":\"alice\"},"
				"\"objectRef\":{\"resource\":\"deployments\"}}",
			&e, NULL));
	ASSERT_FALSE(e.is_change);
	ASSERT_NULL(e.payload);
	audit_k8s_event_done(&e);
	ASSERT_OK(parse(EV_HEAD "\"stage\":\"ResponseComplete\",\"verb\":\"list\","
				"\"user\":{\"username\":\"alice\"},"
				"\"objectRef\":{\"resource\":\"secrets\"}}",
			&e, NULL));
	ASSERT_FALSE(e.is_change);
	audit_k8s_event_done(&e);
	/* a change without an object (non-resource URL) is not recorded either */
	ASSERT_OK(parse(EV_HEAD "\"stage\":\"ResponseComplete\",\"verb\":\"create\","
				"\"user\":{\"username\":\"alice\"}}",
			&e, NULL));
	ASSERT_FALSE(e.is_change);
	audit_k8s_event_done(&e);
	/* deletecollection: no name */
	ASSERT_OK(parse(EV_HEAD "\"stage\":\"ResponseComplete\",\"verb\":\"deletecollection\","
				"\"user\":{\"username\":\"bob\"},"
				"\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"dev\"}}",
			&e, NULL));
	ASSERT_TRUE(e.is_change);
	ASSERT_STREQ(e.target, "dev/pods");
	audit_k8s_event_done(&e);
}

static void expect_malformed(const char *line, int err, const char *why, int ln)
{
	struct audit_k8s_event e;
	struct bh_diag d = {0};
	int r = parse(line, &e, &d);
	if (r != err)
		tap_fail(__FILE__, ln, "%s: returned %d, expected %d", line, r, err);
	if (!strstr(d.message, why))
		tap_fail(__FILE__, ln, "%s: message '%s' lacks '%s'", line, d.message, why);
}
#define MALFORMED(line, why) expect_malformed(line, -EBADMSG, why, __LINE__)

TEST(malformed)
{
	const char *ok_tail =
	    "\"stage\":\"ResponseComplete\",\"verb\":\"create\","
	    "\"user\":{\"username\":\"u\"},\"objectRef\":{\"resource\":\"pods\"}}";
	char line[1024];
	MALFORMED("{\"auditID\":", "");
	MALFORMED("[1,2]", "not a JSON object");
	MALFORMED("{\"apiVersion\":\"audit.k8s.io/v2\"}", "apiVersion 'audit.k8s.io/v2'");
	MALFORMED("{\"apiVersion\":1}", "apiVersion is not a string");
	MALFORMED("{\"kind\":\"EventList\"}", "kind 'EventList'");
	ASSERT_OK(xsnprintf(line, sizeof(line), "{%s", ok_tail));
	MALFORMED(line, "missing auditID");
	MALFORMED("{\"auditID\":\"a\",\"verb\":7}", "verb is not a string");
	MALFORMED("{\"auditID\":\"a\",\"verb\":\"get\",\"stage\":\"ResponseComplete\"}",
		  "missing user");
	MALFORMED("{\"auditID\":\"a\",\"verb\":\"get\",\"stage\":\"ResponseComplete\","
		  "\"user\":{}}",
		  "missing user.username");
	MALFORMED("{\"auditID\":\"a\",\"verb\":\"get\",\"stage\":\"ResponseComplete\","
		  "\"user\":\"alice\"}",
		  "user is not an object");
	MALFORMED(EV_HEAD "\"stage\":\"ResponseComplete\",\"verb\":\"get\","
			  "\"user\":{\"username\":\"u\",\"groups\":\"admins\"}}",
		  "user.groups is not an array");
	MALFORMED(EV_HEAD "\"stage\":\"ResponseComplete\",\"verb\":\"get\","
			  "\"user\":{\"username\":\"u\",\"groups\":[1]}}",
		  "user.groups[0] is not a string");
	MALFORMED(EV_HEAD "\"stage\":\"ResponseComplete\",\"verb\":\"get\","
			  "\"user\":{\"username\":\"u\"},\"objectRef\":[]}",
		  "objectRef is not an object");
	MALFORMED(EV_HEAD "\"stage\":\"ResponseComplete\",\"verb\":\"get\","
			  "\"user\":{\"username\":\"u\"},\"objectRef\":{\"name\":5}}",
		  "objectRef.name is not a string");
	MALFORMED(EV_HEAD "\"stage\":\"ResponseComplete\",\"verb\":\"get\","
			  "\"user\":{\"username\":\"u\"},\"stageTimestamp\":\"yesterday\"}",
		  "stageTimestamp 'yesterday'");
	MALFORMED(EV_HEAD "\"stage\":\"ResponseComplete\",\"verb\":\"get\","
			  "\"user\":{\"username\":\"u\"},\"responseStatus\":{\"code\":1000}}",
		  "responseStatus.code");
	MALFORMED(EV_HEAD "\"stage\":\"ResponseComplete\",\"verb\":\"get\","
			  "\"user\":{\"username\":\"u\"},\"responseStatus\":{\"code\":2.5}}",
		  "responseStatus.code");
	MALFORMED(EV_HEAD "\"stage\":\"ResponseComplete\",\"verb\":\"get\","
			  "\"user\":{\"username\":\"u\"},\"impersonatedUser\":{}}",
		  "missing impersonatedUser.username");
	MALFORMED(EV_HEAD "\"auditID\":\"dup\"}", "duplicate");
	ASSERT_OK(xsnprintf(line, sizeof(line), EV_HEAD "%s", ok_tail));
	struct audit_k8s_event e;
	ASSERT_OK(parse(line, &e, NULL));
	ASSERT_TRUE(e.is_change);
	audit_k8s_event_done(&e);
}

TEST(limits)
{
	struct bh_limits l = limits();
	l.json_max_depth = 4;
	struct audit_k8s_event e = {0};
	ASSERT_ERR(audit_k8s_event_parse(span_from("{\"a\":[[[[[1]]]]]}"), &l, &e, NULL), -E2BIG);
	l = limits();
	l.input_max_bytes = 1024;
	_cleanup_free_ char *big = malloc(4096);
	memset(big, ' ', 4095);
	big[0] = '{';
	big[4094] = '}';
	big[4095] = '\0';
	ASSERT_ERR(audit_k8s_event_parse(span_from(big), &l, &e, NULL), -E2BIG);
	/* a field longer than a record may hold */
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(buf_puts(&b, EV_HEAD "\"stage\":\"ResponseComplete\",\"verb\":\"create\","
				       "\"user\":{\"username\":\""));
	for (int i = 0; i < AUDIT_FIELD_MAX + 1; i++)
		ASSERT_OK(buf_putc(&b, 'u'));
	ASSERT_OK(buf_puts(&b, "\"}}"));
	l = limits();
	ASSERT_ERR(audit_k8s_event_parse(buf_span(&b), &l, &e, NULL), -E2BIG);
}
