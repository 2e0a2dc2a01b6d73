/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-rules-stock-eval.c — the stock Falco rules (falco_rules.yaml, unchanged) on hand-made
 * events in the JSON-lines form of `bulkhead sensor record`: each behaviour fires its rule,
 * and a benign variant of it does not. Also the alert JSON and Falco's first-match order.
 */
#include <stdio.h>

#include "common/event.h"
#include "common/json.h"
#include "rules/rules.h"
#include "tap.h"

#define CT                                                                                         \
	"\"container\":{\"id\":\"4f7c0c2d8e91\",\"name\":\"web\",\"image\":\"nginx:1.25\","        \
	"\"image_repository\":\"nginx\",\"image_tag\":\"1.25\",\"runtime\":\"podman\"}"
#define HOST "\"container\":{\"id\":\"host\"}"
#define PARENT                                                                                     \
	"\"ancestors\":[{\"pid\":10,\"name\":\"runc\",\"exepath\":\"/usr/bin/runc\","              \
	"\"cmdline\":\"runc init\"}]"

static struct rule_set *stock(void)
{
	const char *path = tap_shared_path("runtime/falco_rules.yaml");
	if (!path)
		TEST_SKIP("shared test data absent");
	struct rule_set *set = rule_set_new(NULL);
	ASSERT_NOT_NULL(set);
	ASSERT_OK(rule_set_load_file(set, path, NULL));
	rule_set_set_match_all(set, true);
	return set;
}

struct hits {
	struct strv names;
};

static int collect(const struct rule *r, const struct bh_event *ev, void *userdata)
{
	struct hits *h = userdata;
	return strv_push(&h->names, rule_name(r));
}

/* Does rule fire on the event given as one JSON line? */
static bool fires(struct rule_set *set, const char *json, const char *rule)
{
	struct bh_event ev;
	struct bh_limits lim;
	struct bh_diag diag = {0};
	bh_limits_default(&lim);
	int r = bh_event_from_json(span_from(json), &lim, "test", 1, &ev, &diag);
	if (r < 0)
		printf("# bad event: %s\n", diag.message);
	ASSERT_OK(r);
	struct hits h = {0};
	ASSERT_OK(rule_set_eval(set, &ev, collect, &h));
	bool hit = strv_contains(&h.names, rule);
	for (size_t i = 0; i < h.names.n; i++)
		printf("#   fired: %s\n", h.names.v[i]);
	strv_done(&h.names);
	bh_event_done(&ev);
	return hit;
}

#define EXECP(name, exe, args, extra, ct, parent)                                                  \
	"{\"ts\":1700000000123456789,\"num\":7,\"type\":\"execve\",\"dir\":\"<\",\"res\":0,"       \
	"\"proc\":{\"pid\":100,\"tid\":100,\"ppid\":10,\"vpid\":1,\"uid\":0,\"gid\":0,"            \
	"\"euid\":0,\"egid\":0,\"name\":\"" name "\",\"exe\":\"" exe "\",\"exepath\":\"" exe       \
	"\",\"args\":" args                                                                        \
	",\"cwd\":\"/root/\",\"user\":\"root\",\"group\":\"root\"," extra parent "}," ct "}"
#define EXEC(name, exe, args, extra, ct) EXECP(name, exe, args, extra, ct, PARENT)
#define SHELL_PARENT                                                                               \
	"\"ancestors\":[{\"pid\":10,\"name\":\"bash\",\"exepath\":\"/bin/bash\","                  \
	"\"cmdline\":\"bash\"}]"

TEST(terminal_shell_in_container)
{
	_cleanup_(rule_set_freep) struct rule_set *set = stock();
	const char *rule = "Terminal shell in container";
	ASSERT_TRUE(fires(set, EXEC("bash", "/bin/bash", "[]", "\"tty\":34816,", CT), rule));
	ASSERT_FALSE(fires(set, EXEC("bash", "/bin/bash", "[]", "\"tty\":0,", CT), rule));
	ASSERT_FALSE(fires(set, EXEC("bash", "/bin/bash", "[]", "\"tty\":34816,", HOST), rule));
	ASSERT_FALSE(
	    fires(set, EXEC("nginx", "/usr/sbin/nginx", "[]", "\"tty\":34816,", CT), rule));
}

#define OPEN(proc, path, flags, ct)                                                                \
	"{\"ts\":1700000000000000000,\"num\":8,\"type\":\"openat\",\"dir\":\"<\",\"res\":3,"       \
	"\"proc\":{\"pid\":100,\"tid\":100,\"name\":\"" proc "\",\"exe\":\"" proc "\","            \
	"\"exepath\":\"/usr/bin/" proc "\",\"args\":[\"" path "\"],\"user\":\"root\"," PARENT      \
	"},\"fd\":{\"num\":3,\"type\":\"f\",\"name\":\"" path "\",\"open_flags\":" flags "}," ct   \
	",\"args\":{\"flags\":\"O_RDONLY\"}}"

TEST(read_sensitive_file_untrusted)
{
	_cleanup_(rule_set_freep) struct rule_set *set = stock();
	const char *rule = "Read sensitive file untrusted";
	ASSERT_TRUE(fires(set, OPEN("cat", "/etc/shadow", "0", CT), rule));
	ASSERT_TRUE(fires(set, OPEN("cat", "/etc/pam.d/common-auth", "0", HOST), rule));
	ASSERT_FALSE(fires(set, OPEN("cat", "/etc/hostname", "0", CT), rule));
	/* package managers and shells are trusted readers */
	ASSERT_FALSE(fires(set, OPEN("dpkg", "/etc/shadow", "0", CT), rule));
	/* a write-only open is not a read */
	ASSERT_FALSE(fires(set, OPEN("cat", "/etc/shadow", "1", CT), rule));
}

#define SYS(type, res, proc, args, extra, ct)                                                      \
	"{\"ts\":1700000000000000000,\"num\":9,\"type\":\"" type "\",\"dir\":\"<\",\"res\":" res   \
	",\"proc\":{\"pid\":100,\"tid\":100,\"name\":\"" proc "\",\"exe\":\"" proc "\","           \
	"\"exepath\":\"/usr/bin/" proc "\",\"user\":\"root\"," PARENT "}," extra ct                \
	",\"args\":" args "}"

TEST(create_hardlink_and_symlink_over_sensitive_files)
{
	_cleanup_(rule_set_freep) struct rule_set *set = stock();
	ASSERT_TRUE(fires(set,
			  SYS("linkat", "0", "ln",
			      "{\"oldpath\":\"/etc/shadow\",\"newpath\":\"/tmp/s\"}", "", HOST),
			  "Create Hardlink Over Sensitive Files"));
	ASSERT_FALSE(fires(
	    set,
	    SYS("linkat", "0", "ln", "{\"oldpath\":\"/tmp/a\",\"newpath\":\"/tmp/s\"}", "", HOST),
	    "Create Hardlink Over Sensitive Files"));
	ASSERT_TRUE(fires(
	    set,
	    SYS("symlinkat", "0", "ln", "{\"target\":\"/etc\",\"linkpath\":\"/tmp/e\"}", "", CT),
	    "Create Symlink Over Sensitive Files"));
	ASSERT_FALSE(fires(set,
			   SYS("symlinkat", "0", "ln",
			       "{\"target\":\"/etc/hosts\",\"linkpath\":\"/tmp/e\"}", "", CT),
			   "Create Symlink Over Sensitive Files"));
}

TEST(fileless_execution_via_memfd_create)
{
	_cleanup_(rule_set_freep) struct rule_set *set = stock();
	const char *rule = "Fileless execution via memfd_create";
	ASSERT_TRUE(fires(
	    set, EXECP("x", "memfd:payload", "[]", "\"exe_from_memfd\":true,", CT, SHELL_PARENT),
	    rule));
	ASSERT_FALSE(fires(
	    set, EXECP("x", "/usr/bin/x", "[]", "\"exe_from_memfd\":false,", CT, SHELL_PARENT),
	    rule));
	/* spawned by runc: a known memfd user */
	ASSERT_FALSE(
	    fires(set, EXEC("x", "memfd:payload", "[]", "\"exe_from_memfd\":true,", CT), rule));
	/* runc re-executing itself from a memfd is known */
	ASSERT_FALSE(fires(set,
			   EXEC("runc", "memfd:runc_cloned:/proc/self/exe", "[]",
				"\"exe_from_memfd\":true,", HOST),
			   rule));
}

TEST(redirect_stdout_to_network_connection_in_container)
{
	_cleanup_(rule_set_freep) struct rule_set *set = stock();
	const char *rule = "Redirect STDOUT/STDIN to Network Connection in Container";
#define SOCKFD(t)                                                                                  \
	"\"fd\":{\"num\":3,\"type\":\"" t "\",\"name\":\"172.17.0.2:40000->1.2.3.4:4444\","        \
	"\"l4proto\":6,\"cip\":\"172.17.0.2\",\"sip\":\"1.2.3.4\",\"cport\":40000,\"sport\":4444}" \
	","
	ASSERT_TRUE(fires(set, SYS("dup2", "1", "bash", "{}", SOCKFD("4"), CT), rule));
	ASSERT_FALSE(fires(set, SYS("dup2", "5", "bash", "{}", SOCKFD("4"), CT), rule));
	ASSERT_FALSE(fires(set, SYS("dup2", "1", "bash", "{}", SOCKFD("f"), CT), rule));
	ASSERT_FALSE(fires(set, SYS("dup2", "1", "bash", "{}", SOCKFD("4"), HOST), rule));
}

TEST(ptrace)
{
	_cleanup_(rule_set_freep) struct rule_set *set = stock();
	ASSERT_TRUE(fires(set,
			  SYS("ptrace", "0", "gdb", "{\"request\":\"PTRACE_ATTACH\"}", "", HOST),
			  "PTRACE attached to process"));
	ASSERT_FALSE(fires(set,
			   SYS("ptrace", "0", "gdb", "{\"request\":\"PTRACE_PEEKDATA\"}", "", HOST),
			   "PTRACE attached to process"));
	ASSERT_TRUE(fires(set, SYS("ptrace", "0", "x", "{\"request\":\"PTRACE_TRACEME\"}", "", CT),
			  "PTRACE anti-debug attempt"));
	ASSERT_FALSE(fires(set, SYS("ptrace", "0", "x", "{\"request\":\"PTRACE_CONT\"}", "", CT),
			   "PTRACE anti-debug attempt"));
}

TEST(netcat_remote_code_execution_in_container)
{
	_cleanup_(rule_set_freep) struct rule_set *set = stock();
	const char *rule = "Netcat Remote Code Execution in Container";
	ASSERT_TRUE(fires(
	    set, EXEC("nc", "/bin/nc", "[\"-e\",\"/bin/sh\",\"1.2.3.4\",\"4444\"]", "", CT), rule));
	ASSERT_FALSE(fires(set, EXEC("nc", "/bin/nc", "[\"-l\",\"8080\"]", "", CT), rule));
}

TEST(packet_socket_and_kernel_module_in_container)
{
	_cleanup_(rule_set_freep) struct rule_set *set = stock();
	ASSERT_TRUE(fires(set, SYS("socket", "3", "tcpdump", "{\"domain\":\"AF_PACKET\"}", "", CT),
			  "Packet socket created in container"));
	ASSERT_FALSE(fires(set, SYS("socket", "3", "curl", "{\"domain\":\"AF_INET\"}", "", CT),
			   "Packet socket created in container"));
	const char *rule = "Linux Kernel Module Injection Detected";
#define CAPS(c)                                                                                    \
	"{\"ts\":1,\"num\":1,\"type\":\"finit_module\",\"res\":0,\"proc\":{\"pid\":5,"             \
	"\"name\":\"insmod\",\"exe\":\"insmod\",\"cap_effective\":\"" c "\"," PARENT "},"
	ASSERT_TRUE(fires(set, CAPS("0x10000") CT "}", rule));
	ASSERT_FALSE(fires(set, CAPS("0x0") CT "}", rule));
	ASSERT_FALSE(fires(set, CAPS("0x10000") HOST "}", rule));
}

TEST(execution_from_dev_shm_and_drift)
{
	_cleanup_(rule_set_freep) struct rule_set *set = stock();
	ASSERT_TRUE(fires(set, EXEC("x", "/dev/shm/x", "[]", "", CT), "Execution from /dev/shm"));
	ASSERT_FALSE(fires(set, EXEC("x", "/usr/bin/x", "[]", "", CT), "Execution from /dev/shm"));
	const char *rule = "Drop and execute new binary in container";
	ASSERT_TRUE(fires(set, EXEC("x", "/tmp/x", "[]", "\"exe_upper_layer\":true,", CT), rule));
	ASSERT_FALSE(fires(set, EXEC("x", "/tmp/x", "[]", "\"exe_upper_layer\":false,", CT), rule));
	ASSERT_FALSE(
	    fires(set, EXEC("x", "/tmp/x", "[]", "\"exe_upper_layer\":true,", HOST), rule));
}

TEST(disallowed_ssh_connection_non_standard_port)
{
	_cleanup_(rule_set_freep) struct rule_set *set = stock();
	const char *rule = "Disallowed SSH Connection Non Standard Port";
#define CONN(sip, sport)                                                                           \
	"\"fd\":{\"num\":3,\"type\":\"4\",\"name\":\"x\",\"l4proto\":6,"                           \
	"\"cip\":\"172.17.0.2\",\"sip\":\"" sip "\",\"cport\":40000,\"sport\":" sport "},"
	ASSERT_TRUE(
	    fires(set, SYS("connect", "0", "ssh", "{}", CONN("8.8.8.8", "4444"), CT), rule));
	ASSERT_FALSE(fires(set, SYS("connect", "0", "ssh", "{}", CONN("8.8.8.8", "22"), CT), rule));
	ASSERT_FALSE(
	    fires(set, SYS("connect", "0", "ssh", "{}", CONN("10.1.2.3", "4444"), CT), rule));
	ASSERT_FALSE(
	    fires(set, SYS("connect", "0", "curl", "{}", CONN("8.8.8.8", "4444"), CT), rule));
	/* a failed connect (not EINPROGRESS) is not an outbound connection */
	ASSERT_FALSE(
	    fires(set, SYS("connect", "-111", "ssh", "{}", CONN("8.8.8.8", "4444"), CT), rule));
	ASSERT_TRUE(
	    fires(set, SYS("connect", "-115", "ssh", "{}", CONN("8.8.8.8", "4444"), CT), rule));
}

TEST(find_aws_credentials)
{
	_cleanup_(rule_set_freep) struct rule_set *set = stock();
	const char *rule = "Find AWS Credentials";
	ASSERT_TRUE(fires(
	    set,
	    EXEC("find", "/usr/bin/find", "[\"/\",\"-name\",\"/root/.aws/credentials\"]", "", HOST),
	    rule));
	ASSERT_FALSE(
	    fires(set, EXEC("find", "/usr/bin/find", "[\"/\",\"-name\",\"x\"]", "", HOST), rule));
}

TEST(alert_json_is_falco_compatible)
{
	_cleanup_(rule_set_freep) struct rule_set *set = stock();
	struct bh_event ev;
	struct bh_limits lim;
	bh_limits_default(&lim);
	ASSERT_OK(bh_event_from_json(
	    span_from(EXEC("bash", "/bin/bash", "[\"-i\"]", "\"tty\":34816,", CT)), &lim, "test", 1,
	    &ev, NULL));
	const struct rule *r = rule_set_find(set, "Terminal shell in container");
	ASSERT_NOT_NULL(r);
	_cleanup_buf_ struct buf out;
	buf_init(&out, 0);
	ASSERT_OK(rule_format_output(set, r, &ev, &out));
	printf("# %s\n", buf_str(&out));
	ASSERT_TRUE(strstr(buf_str(&out), "process=bash proc_exepath=/bin/bash parent=runc "
					  "command=bash -i terminal=34816 exe_flags=<NA>") != NULL);
	buf_clear(&out);
	ASSERT_OK(rule_alert_json(set, r, &ev, "node1", &out));
	printf("# %s", buf_str(&out));
	json_error_t err;
	json_t *j = json_loads(buf_str(&out), 0, &err);
	ASSERT_NOT_NULL(j);
	ASSERT_STREQ(json_string_value(json_object_get(j, "time")),
		     "2023-11-14T22:13:20.123456789Z");
	ASSERT_STREQ(json_string_value(json_object_get(j, "rule")), "Terminal shell in container");
	ASSERT_STREQ(json_string_value(json_object_get(j, "priority")), "Notice");
	ASSERT_STREQ(json_string_value(json_object_get(j, "hostname")), "node1");
	ASSERT_STREQ(json_string_value(json_object_get(j, "source")), "syscall");
	const char *o = json_string_value(json_object_get(j, "output"));
	ASSERT_TRUE(o && strncmp(o, "22:13:20.123456789: Notice A shell was spawned", 46) == 0);
	json_t *f = json_object_get(j, "output_fields");
	ASSERT_STREQ(json_string_value(json_object_get(f, "proc.name")), "bash");
	ASSERT_EQ(json_integer_value(json_object_get(f, "proc.tty")), 34816);
	ASSERT_TRUE(json_is_null(json_object_get(f, "evt.arg.flags")));
	ASSERT_TRUE(json_array_size(json_object_get(j, "tags")) > 3);
	json_decref(j);
	bh_event_done(&ev);
}

TEST(first_match_only_by_default)
{
	static const char rules[] =
	    "- rule: first\n  desc: d\n  condition: evt.type=openat and fd.name startswith /etc\n"
	    "  output: one %fd.name\n  priority: WARNING\n"
	    "- rule: second\n  desc: d\n  condition: evt.type=openat\n  output: two\n"
	    "  priority: ERROR\n";
	_cleanup_(rule_set_freep) struct rule_set *set = rule_set_new(NULL);
	ASSERT_NOT_NULL(set);
	ASSERT_OK(rule_set_load_buf(set, "t.yaml", rules, sizeof(rules) - 1, NULL));
	struct bh_event ev;
	struct bh_limits lim;
	bh_limits_default(&lim);
	ASSERT_OK(bh_event_from_json(span_from(OPEN("cat", "/etc/hosts", "0", HOST)), &lim, "t", 1,
				     &ev, NULL));
	struct hits h = {0};
	ASSERT_EQ(rule_set_eval(set, &ev, collect, &h), 1);
	ASSERT_EQ(h.names.n, 1);
	ASSERT_STREQ(h.names.v[0], "first");
	strv_done(&h.names);
	rule_set_set_match_all(set, true);
	ASSERT_EQ(rule_set_eval(set, &ev, collect, &h), 2);
	strv_done(&h.names);
	/* minimum priority ERROR: only "second" is evaluated */
	rule_set_set_match_all(set, false);
	rule_set_set_min_priority(set, RULE_PRIO_ERROR);
	ASSERT_EQ(rule_set_eval(set, &ev, collect, &h), 1);
	ASSERT_STREQ(h.names.v[0], "second");
	strv_done(&h.names);
	/* disabled by name */
	ASSERT_EQ(rule_set_enable(set, "sec", NULL, false), 1);
	ASSERT_EQ(rule_set_eval(set, &ev, collect, &h), 0);
	/* an event type no rule names never reaches a rule */
	memcpy(ev.type, "read", 5);
	ASSERT_EQ(rule_set_eval(set, &ev, collect, &h), 0);
	bh_event_done(&ev);
}
