/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-rules-condition.c — one condition from arbitrary bytes, parsed, compiled against a
 * small set of lists and macros, and evaluated on a fixed event.
 */
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base[] =
    "- list: shells\n  items: [sh, bash, '\"zsh\"']\n"
    "- list: nets\n  items: ['\"10.0.0.0/8\"']\n"
    "- macro: spawned\n  condition: evt.type in (execve, execveat)\n"
    "- macro: shell\n  condition: proc.name in (shells)\n"
    "- rule: r\n  desc: d\n  condition: spawned and shell and not fd.snet in (nets)\n"
    "  output: o\n  priority: info\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rule_set *set;
	if (!set) {
		set = rule_set_new(NULL);
		if (!set || rule_set_load_buf(set, "base.yaml", base, sizeof(base) - 1, NULL) < 0)
			return 0;
	}
	char *c = malloc(size + 1);
	if (!c)
		return 0;
	memcpy(c, data, size);
	c[size] = 0;
	static char *argv[] = {"-c", "cat /etc/shadow"};
	struct bh_event ev;
	bh_event_init(&ev);
	memcpy(ev.type, "connect", 8);
	ev.proc.name = "bash";
	ev.proc.argv = argv;
	ev.proc.argc = 2;
	ev.proc.ancestors[0] = (struct bh_ev_ancestor){1, "sshd", "/usr/sbin/sshd", "sshd"};
	ev.proc.n_ancestors = 1;
	ev.fd.type = '4';
	ev.fd.sip = "10.1.2.3";
	ev.fd.cip = "192.168.0.1";
	ev.fd.sport = 22;
	ev.fd.cport = 40000;
	ev.container.id = "host";
	(void)rule_set_eval_condition(set, c, &ev, NULL);
	free(c);
	return 0;
}
