/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-rules-yaml.c — a Falco rules file from arbitrary bytes: YAML, the loader's collect and
 * compile phases, then one evaluation of a fixed event (so compiled trees are walked too) and
 * the report.
 */
#include <stdio.h>

#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_limits l;
	bh_limits_default(&l);
	l.input_max_bytes = 1 << 20;
	l.json_max_depth = 64;
	struct rule_set *set = rule_set_new(&l);
	if (!set)
		return 0;
	static char *argv[] = {"-c", "id"};
	struct bh_event ev;
	bh_event_init(&ev);
	memcpy(ev.type, "execve", 7);
	ev.proc.name = "sh";
	ev.proc.argv = argv;
	ev.proc.argc = 2;
	ev.fd.name = "/etc/shadow";
	ev.fd.type = 'f';
	ev.container.id = "host";
	if (rule_set_load_buf(set, "fuzz.yaml", (const char *)data, size, NULL) == 0) {
		rule_set_set_match_all(set, true);
		(void)rule_set_eval(set, &ev, NULL, NULL);
		memcpy(ev.type, "openat", 7);
		(void)rule_set_eval(set, &ev, NULL, NULL);
		FILE *f = fopen("/dev/null", "w");
		if (f) {
			(void)rule_set_report(set, f);
			fclose(f);
		}
	}
	rule_set_free(set);
	return 0;
}
