/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-rules-lang.c — the condition language and the loader on small inputs: every operator,
 * lists and macros, transformers and field arguments, append/override, exceptions, error
 * positions, atomic reloads and the limits (alias bombs, nesting, regex backtracking).
 */
#include <stdio.h>

#include "rules/rules.h"
#include "tap.h"

static void ev_base(struct bh_event *ev)
{
	static char *argv[] = {"-c", "cat /etc/SHADOW"};
	bh_event_init(ev);
	ev->ts = 1700000000000000000ull;
	memcpy(ev->type, "openat", 7);
	ev->res = 3;
	ev->proc.pid = 42;
	ev->proc.name = "sh";
	ev->proc.exe = "/bin/sh";
	ev->proc.exepath = "/usr/bin/dash";
	ev->proc.argv = argv;
	ev->proc.argc = 2;
	ev->proc.euid = 1000;
	ev->proc.loginuid = UINT32_MAX;
	ev->proc.cap_effective = (1ull << 21) | (1ull << 0);
	ev->proc.ancestors[0] = (struct bh_ev_ancestor){41, "bash", "/bin/bash", "bash -l"};
	ev->proc.ancestors[1] = (struct bh_ev_ancestor){40, "sshd", "/usr/sbin/sshd", "sshd"};
	ev->proc.n_ancestors = 2;
	ev->fd.num = 3;
	ev->fd.type = 'f';
	ev->fd.name = "/etc/pam.d/common-auth";
	ev->container.id = "host";
	ev->args[0] = (struct bh_ev_arg){"flags", "O_RDONLY|O_CLOEXEC"};
	ev->n_args = 1;
}

static int cond(struct rule_set *set, const struct bh_event *ev, const char *c)
{
	struct bh_diag d = {0};
	int r = rule_set_eval_condition(set, c, ev, &d);
	if (r < 0)
		printf("# '%.80s': %s\n", c, d.message);
	return r;
}

#define YES(c) ASSERT_EQ(cond(set, &ev, c), 1)
#define NO(c)  ASSERT_EQ(cond(set, &ev, c), 0)
#define BAD(c) ASSERT_ERR(cond(set, &ev, c), -EBADMSG)

TEST(operators)
{
	_cleanup_(rule_set_freep) struct rule_set *set = rule_set_new(NULL);
	struct bh_event ev;
	ev_base(&ev);
	YES("proc.name = sh");
	YES("proc.name == sh");
	NO("proc.name != sh");
	YES("proc.pid > 41 and proc.pid >= 42 and proc.pid < 43 and proc.pid <= 42");
	NO("proc.pid < 42");
	YES("proc.cmdline = \"sh -c cat /etc/SHADOW\"");
	YES("proc.args contains \"cat /etc\"");
	NO("proc.args contains shadow");
	YES("proc.args icontains shadow");
	YES("fd.name startswith /etc/ and fd.name endswith auth");
	YES("fd.name glob '/etc/*/common-*'");
	NO("fd.name glob '/etc/*.conf'");
	YES("fd.name glob '/etc/pam.[abcd]/*'");
	YES("fd.name pmatch (/usr, /etc/pam.d)");
	NO("fd.name pmatch (/etc/pam)");
	YES("fd.directory = /etc/pam.d and fd.filename = common-auth");
	YES("proc.name in (bash, sh, zsh)");
	YES("proc.name intersects (sh)");
	YES("fd.name exists and not container.name exists");
	YES("fd.name regex '^/etc/(pam|security)\\.?d?/'");
	NO("fd.name regex '^/var/'");
	YES("evt.arg.flags contains O_CLOEXEC and evt.arg[0] startswith O_RDONLY");
	YES("evt.res = SUCCESS and evt.rawres = 3");
	YES("thread.cap_effective contains CAP_SYS_ADMIN and thread.cap_effective icontains "
	    "cap_chown");
	YES("user.uid = 1000 and user.loginuid = -1");
	YES("fd.typechar = f and fd.type = file");
	YES("evt.is_open_read = true and evt.is_open_write = false");
	BAD("proc.name < 3");
	BAD("proc.pid = abc");
	BAD("proc.nonexistent = 1");
}

TEST(ancestors_and_transformers)
{
	_cleanup_(rule_set_freep) struct rule_set *set = rule_set_new(NULL);
	struct bh_event ev;
	ev_base(&ev);
	YES("proc.pname = bash and proc.aname[1] = bash and proc.aname[2] = sshd");
	YES("proc.aname[0] = sh");
	NO("proc.aname[3] exists");
	YES("proc.aname = sshd");
	YES("proc.aname in (foo, sshd)");
	YES("proc.pcmdline = \"bash -l\" and proc.pexepath = /bin/bash and proc.aexepath[2] = "
	    "/usr/sbin/sshd");
	YES("toupper(proc.name) = SH and tolower(proc.args) contains shadow");
	YES("basename(proc.exepath) = dash");
	/* missing fields make every comparison false, including != */
	NO("container.image != nginx");
	YES("not container.image = nginx");
}

TEST(networks)
{
	_cleanup_(rule_set_freep) struct rule_set *set = rule_set_new(NULL);
	struct bh_event ev;
	ev_base(&ev);
	memcpy(ev.type, "connect", 8);
	ev.fd.type = '4';
	ev.fd.name = "10.0.0.2:40000->192.168.1.7:443";
	ev.fd.cip = "10.0.0.2";
	ev.fd.sip = "192.168.1.7";
	ev.fd.cport = 40000;
	ev.fd.sport = 443;
	ev.fd.l4proto = 6;
	YES("fd.sip = 192.168.1.7 and fd.sport = 443 and fd.l4proto = tcp");
	YES("fd.snet in (\"192.168.0.0/16\") and fd.net = \"10.0.0.0/8\"");
	NO("fd.snet in (\"10.0.0.0/8\", \"172.16.0.0/12\")");
	YES("fd.lport = 40000 and fd.rport = 443 and fd.rip = 192.168.1.7");
	YES("fd.port = 443 and fd.ip = 10.0.0.2 and fd.connected = true");
	BAD("fd.sip = not-an-ip");
	ev.fd.is_server = true;
	YES("fd.lport = 443 and fd.rport = 40000");
}

static int load(struct rule_set *set, const char *yaml, struct bh_diag *d)
{
	return rule_set_load_buf(set, "t.yaml", yaml, strlen(yaml), d);
}

TEST(lists_macros_append_override)
{
	_cleanup_(rule_set_freep) struct rule_set *set = rule_set_new(NULL);
	struct bh_event ev;
	ev_base(&ev);
	struct bh_diag d = {0};
	ASSERT_OK(load(
	    set,
	    "- list: a\n  items: [sh, '\"zsh\"']\n"
	    "- list: b\n  items: [a, fish]\n"
	    "- list: a\n  items: [ksh]\n  append: true\n"
	    "- macro: m\n  condition: proc.name in (b)\n"
	    "- macro: m\n  condition: and fd.name exists\n  override:\n    condition: append\n"
	    "- rule: r\n  desc: d\n  condition: evt.type = openat and m\n  output: o\n"
	    "  priority: info\n  tags: [a]\n"
	    "- rule: r\n  condition: or proc.name = nothing\n  override:\n    condition: append\n",
	    &d));
	YES("m");
	YES("proc.name in (b) and proc.name = b");
	ev.proc.name = "ksh";
	YES("proc.name in (a)");
	ev.proc.name = "zsh";
	YES("proc.name in (b)");
	ev.proc.name = "fish";
	YES("m");
	ev.proc.name = "python";
	NO("m");
	ASSERT_EQ(rule_set_eval(set, &ev, NULL, NULL), 0);
	ev.proc.name = "nothing";
	ASSERT_EQ(rule_set_eval(set, &ev, NULL, NULL), 1);
	ASSERT_EQ(rule_priority(rule_set_find(set, "r")), RULE_PRIO_INFORMATIONAL);
	/* a later file replaces the macro */
	ASSERT_OK(load(set, "- macro: m\n  condition: proc.name = python\n", &d));
	ev.proc.name = "python";
	ASSERT_EQ(rule_set_eval(set, &ev, NULL, NULL), 1);
	/* and a bad file leaves the set as it was */
	ASSERT_ERR(load(set, "- macro: m\n  condition: proc.name = (\n", &d), -EBADMSG);
	ASSERT_EQ(rule_set_eval(set, &ev, NULL, NULL), 1);
	ASSERT_ERR(load(set,
			"- rule: x\n  desc: d\n  condition: evt.type=open and nomacro\n"
			"  output: o\n  priority: info\n",
			&d),
		   -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "Undefined macro 'nomacro'") != NULL);
	ASSERT_EQ(d.line, 1);
	ASSERT_EQ(d.column, 3);
	ASSERT_OK(load(set, "- rule: r\n  enabled: false\n", &d));
	ASSERT_EQ(rule_set_eval(set, &ev, NULL, NULL), 0);
	ASSERT_STREQ(rule_status(rule_set_find(set, "r")), "disabled");
}

TEST(exceptions)
{
	_cleanup_(rule_set_freep) struct rule_set *set = rule_set_new(NULL);
	struct bh_event ev;
	ev_base(&ev);
	struct bh_diag d = {0};
	ASSERT_OK(load(
	    set,
	    "- list: shells\n  items: [sh, bash]\n"
	    "- rule: r\n  desc: d\n  condition: evt.type = openat\n  output: o\n"
	    "  priority: warning\n  exceptions:\n"
	    "    - name: pn\n      fields: [proc.name, fd.name]\n      comps: [in, startswith]\n"
	    "      values:\n        - [shells, /var]\n"
	    "    - name: single\n      fields: proc.pname\n      values: [zsh]\n",
	    &d));
	ASSERT_EQ(rule_set_eval(set, &ev, NULL, NULL), 1);
	ASSERT_OK(load(set,
		       "- rule: r\n  exceptions:\n    - name: pn\n      values:\n"
		       "        - [shells, /etc/pam.d]\n  append: true\n",
		       &d));
	ASSERT_EQ(rule_set_eval(set, &ev, NULL, NULL), 0);
	ev.proc.name = "cat";
	ASSERT_EQ(rule_set_eval(set, &ev, NULL, NULL), 1);
	ev.proc.ancestors[0].name = "zsh";
	ASSERT_EQ(rule_set_eval(set, &ev, NULL, NULL), 0);
}

TEST(syntax_errors_and_limits)
{
	_cleanup_(rule_set_freep) struct rule_set *set = rule_set_new(NULL);
	struct bh_event ev;
	ev_base(&ev);
	BAD("proc.name = sh and");
	BAD("(proc.name = sh");
	BAD("proc.name in (a, b");
	BAD("proc.name = 'unterminated");
	BAD("proc.name sh");
	/* deep nesting is refused, not a stack overflow */
	struct buf b;
	buf_init(&b, 0);
	for (int i = 0; i < 5000; i++)
		ASSERT_OK(buf_puts(&b, "not ("));
	ASSERT_OK(buf_puts(&b, "proc.name = sh"));
	for (int i = 0; i < 5000; i++)
		ASSERT_OK(buf_putc(&b, ')'));
	BAD(buf_str(&b));
	buf_done(&b);
	/* catastrophic regex backtracking stops at the match limit */
	ev.fd.name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
	NO("fd.name regex '^(a+)+$'");
	/* a YAML alias bomb is refused */
	struct bh_diag d = {0};
	struct buf y;
	buf_init(&y, 0);
	ASSERT_OK(buf_puts(&y, "- list: l0\n  items: &a0 [x, x, x, x, x, x, x, x, x, x]\n"));
	for (int i = 1; i < 9; i++)
		ASSERT_OK(buf_printf(&y,
				     "- list: l%d\n  items: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, "
				     "*a%d, *a%d, *a%d, *a%d, *a%d]\n",
				     i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
				     i - 1, i - 1));
	ASSERT_ERR(rule_set_load_buf(set, "bomb.yaml", buf_str(&y), y.len, &d), -E2BIG);
	buf_done(&y);
	/* YAML syntax errors carry file:line:col */
	ASSERT_ERR(load(set, "- rule: x\n  desc: [unclosed\n", &d), -EBADMSG);
	ASSERT_STREQ(d.source, "t.yaml");
	ASSERT_TRUE(d.line >= 2);
	ASSERT_TRUE(strstr(d.message, "LOAD_ERR_YAML_PARSE") != NULL);
	/* an empty file and a file of comments are fine */
	ASSERT_OK(load(set, "", &d));
	ASSERT_OK(load(set, "# nothing\n", &d));
}

TEST(limits_are_configurable)
{
	/* rules-max-depth, rules-max-list and rules-max-text come from struct bh_limits */
	struct bh_limits lim;
	bh_limits_default(&lim);
	ASSERT_OK(bh_limits_set(&lim, "rules-max-depth=8"));
	ASSERT_OK(bh_limits_set(&lim, "rules-max-list=3"));
	ASSERT_OK(bh_limits_set(&lim, "rules-max-text=2K"));
	_cleanup_(rule_set_freep) struct rule_set *tight = rule_set_new(&lim);
	_cleanup_(rule_set_freep) struct rule_set *dflt = rule_set_new(NULL);
	ASSERT_NOT_NULL(tight);
	ASSERT_NOT_NULL(dflt);
	struct bh_diag d = {0};
	const char *deep = "- rule: deep\n  desc: d\n  condition: evt.type = execve and "
			   "not (not (not (not (not (not (not (not (not (not "
			   "(proc.name = sh))))))))))\n  output: o\n  priority: info\n";
	ASSERT_OK(rule_set_load_buf(dflt, "deep.yaml", deep, strlen(deep), &d));
	ASSERT_TRUE(rule_set_load_buf(tight, "deep.yaml", deep, strlen(deep), &d) < 0);
	ASSERT_TRUE(strstr(d.message, "rules-max-depth") != NULL);
	const char *lst = "- list: l\n  items: [a, b, c, d, e]\n";
	ASSERT_OK(rule_set_load_buf(dflt, "list.yaml", lst, strlen(lst), &d));
	ASSERT_TRUE(rule_set_load_buf(tight, "list.yaml", lst, strlen(lst), &d) < 0);
	ASSERT_TRUE(strstr(d.message, "rules-max-list") != NULL);
	struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(buf_puts(&b, "- macro: m\n  condition: proc.name in ("));
	for (int i = 0; i < 400; i++)
		ASSERT_OK(buf_printf(&b, "%sname%d", i ? ", " : "", i));
	ASSERT_OK(buf_puts(&b, ")\n"));
	_cleanup_(rule_set_freep) struct rule_set *tight2 = rule_set_new(&lim);
	ASSERT_OK(rule_set_load_buf(dflt, "long.yaml", buf_str(&b), b.len, &d));
	ASSERT_TRUE(rule_set_load_buf(tight2, "long.yaml", buf_str(&b), b.len, &d) < 0);
	ASSERT_TRUE(strstr(d.message, "rules-max-text") != NULL);
	buf_done(&b);
}

TEST(report_names_missing_fields)
{
	_cleanup_(rule_set_freep) struct rule_set *set = rule_set_new(NULL);
	struct bh_diag d = {0};
	ASSERT_OK(load(set,
		       "- rule: ok\n  desc: d\n  condition: evt.type = execve\n  output: "
		       "'%proc.sname'\n  priority: info\n"
		       "- rule: nope\n  desc: d\n  condition: evt.type = execve and proc.sname = "
		       "x\n  output: o\n  priority: info\n"
		       "- rule: other\n  desc: d\n  condition: evt.type = execve\n  output: o\n  "
		       "priority: info\n  source: k8s_audit\n",
		       &d));
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ASSERT_NOT_NULL(f);
	ASSERT_OK(rule_set_report(set, f));
	fclose(f);
	ASSERT_STREQ(text, "ok: loaded\nnope: skipped: unknown field proc.sname\n"
			   "other: skipped: unknown source k8s_audit\n"
			   "rules: 1 loaded, 2 skipped, 0 disabled\n");
	free(text);
}

TEST(reads_field)
{
	/* what `sensor run --rules` asks before attaching sys_enter (entry capabilities) */
	static const char rules[] =
	    "- rule: caps at unshare\n"
	    "  desc: d\n"
	    "  condition: evt.type = unshare and thread.cap_permitted contains CAP_SYS_ADMIN\n"
	    "  output: o\n"
	    "  priority: WARNING\n"
	    "- rule: setns output\n"
	    "  desc: d\n"
	    "  condition: evt.type = setns\n"
	    "  output: \"%thread.cap_effective\"\n"
	    "  priority: NOTICE\n"
	    "- rule: shells\n"
	    "  desc: d\n"
	    "  condition: evt.type = execve and proc.name = bash\n"
	    "  output: o\n"
	    "  priority: NOTICE\n";
	struct rule_set *set = rule_set_new(NULL);
	ASSERT_NOT_NULL(set);
	ASSERT_OK(rule_set_load_buf(set, "reads.yaml", rules, sizeof(rules) - 1, NULL));
	ASSERT_TRUE(rule_set_reads_field(set, "unshare", "thread.cap_permitted"));
	ASSERT_FALSE(rule_set_reads_field(set, "unshare", "thread.cap_effective"));
	ASSERT_TRUE(rule_set_reads_field(set, "setns", "thread.cap_effective")); /* output only */
	ASSERT_FALSE(rule_set_reads_field(set, "setns", "thread.cap_permitted"));
	ASSERT_FALSE(rule_set_reads_field(set, "execve", "thread.cap_permitted"));
	ASSERT_TRUE(rule_set_reads_field(set, "execve", "proc.name"));
	/* a disabled rule reads nothing */
	ASSERT_TRUE(rule_set_enable(set, "caps at unshare", NULL, false) == 1);
	ASSERT_FALSE(rule_set_reads_field(set, "unshare", "thread.cap_permitted"));
	rule_set_free(set);
}
