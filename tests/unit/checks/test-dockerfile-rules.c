/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-dockerfile-rules.c — the BH-DF rules (src/checks/dockerfile-rules.c): every row of
 * ../shared/testdata/dockerfile/expected.tsv (hadolint codes mapped to ours, read in place),
 * a match and a no-match Dockerfile for each rule, the rule table itself, inline ignore
 * comments and --ignore, and the finding fields (refs, compliance, positions).
 */
#include <strings.h>

#include "checks/dockerfile.h"
#include "tap.h"
#include "vectors.h"

static int lint_text(const char *text, const struct df_lint_opts *o, struct bh_findings *out)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	struct dockerfile *df = NULL;
	int r = df_parse(span_from(text), &l, "Dockerfile", &df, &d);
	if (r < 0) {
		printf("# parse error %u:%u %s\n", d.line, d.column, d.message);
		return r;
	}
	r = df_lint(df, "Dockerfile", o, out);
	df_free(df);
	return r;
}

static const struct bh_finding *find_rule(const struct bh_findings *f, const char *id)
{
	const struct df_rule *rule = df_rule_find(id);
	for (size_t i = 0; rule && i < f->n; i++)
		if (streq(f->v[i].rule_id, rule->id))
			return &f->v[i];
	return NULL;
}

/* ---- shared expectations ------------------------------------------------------------------ */

struct tsv_state {
	unsigned total, passed;
};

static void tsv_row(char **cols, size_t ncols, unsigned lineno, void *u)
{
	struct tsv_state *st = u;
	if (ncols < 3)
		tap_fail(__FILE__, __LINE__, "expected.tsv:%u: fewer than 3 columns", lineno);
	st->total++;
	char rel[512];
	if (xsnprintf(rel, sizeof(rel), "dockerfile/%s", cols[0]) < 0)
		tap_fail(__FILE__, __LINE__, "path too long");
	const char *path = tap_shared_path(rel);
	const struct df_rule *rule = df_rule_find(cols[1]);
	size_t len;
	char *text = path ? tap_read_file(path, &len) : NULL;
	if (!rule || !text) {
		printf("# expected.tsv:%u: %s %s\n", lineno, !rule ? "no rule for" : "cannot read",
		       !rule ? cols[1] : cols[0]);
		free(text);
		return;
	}
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	struct dockerfile *df = NULL;
	struct bh_findings f = {0};
	int r = df_parse(span_make(text, len), &l, cols[0], &df, &d);
	if (r >= 0)
		r = df_lint(df, cols[0], NULL, &f);
	bool got = r >= 0 && find_rule(&f, rule->id) != NULL;
	bool want = streq(cols[2], "1");
	if (r < 0)
		printf("# expected.tsv:%u: %s: error %d %s\n", lineno, cols[0], r, d.message);
	else if (got != want)
		printf("# expected.tsv:%u: %s %s (%s) %s, expected %s\n", lineno, cols[0], cols[1],
		       rule->id, got ? "reported" : "not reported", want ? "reported" : "not");
	else
		st->passed++;
	bh_findings_done(&f);
	df_free(df);
	free(text);
}

TEST(shared_expected_tsv)
{
	struct tsv_state st = {0};
	tap_vectors_foreach("dockerfile/expected.tsv", tsv_row, &st);
	printf("# dockerfile/expected.tsv: %u/%u rows hold\n", st.passed, st.total);
	ASSERT_TRUE(st.total > 0);
	ASSERT_EQ(st.passed, st.total);
}

/* ---- one case per rule: Dockerfile, rule, expected -------------------------------------- */

static const struct rule_case {
	const char *id;
	int want;
	const char *text;
} cases[] = {
    {"BH-DF-001", 1, "FROM a:1\nUSER 0:0\n"},
    {"BH-DF-001", 0, "FROM a:1\nUSER root\nRUN x\nUSER app\n"},
    {"BH-DF-002", 1, "FROM a:1\nRUN x\n"},
    {"BH-DF-002", 0, "FROM a:1 AS b\nUSER 1000\nFROM b\nRUN x\n"},
    {"BH-DF-003", 1, "FROM a:1\nRUN x && sudo -u root make install\n"},
    {"BH-DF-003", 0, "FROM a:1\nRUN echo sudo\n"},
    {"BH-DF-004", 1, "FROM registry.example.com:5000/team/app\n"},
    {"BH-DF-004", 0, "FROM scratch\n"},
    {"BH-DF-005", 1, "FROM localhost:5000/app:latest\n"},
    {"BH-DF-005", 0,
     "FROM app:latest@sha256:0000000000000000000000000000000000000000000000000000000000000000\n"},
    {"BH-DF-006", 1,
     "FROM a:1\nRUN apt-get -o Dpkg::Options::=--force-confold install -y curl=7 wget\n"},
    {"BH-DF-006", 0, "FROM a:1\nRUN apt-get install -y ./local.deb curl=7.1\n"},
    {"BH-DF-007", 1, "FROM a:1\nRUN apt-get update\n"},
    {"BH-DF-007", 0, "FROM a:1\nRUN --mount=type=cache,target=/var/lib/apt apt-get update\n"},
    {"BH-DF-007", 0, "FROM a:1 AS build\nRUN apt-get update\nFROM b:1\nCOPY --from=build /x /x\n"},
    {"BH-DF-008", 1, "FROM a:1\nRUN apt-get install -y x=1\n"},
    {"BH-DF-008", 0, "FROM a:1\nRUN apt-get -o APT::Install-Recommends=false install -y x=1\n"},
    {"BH-DF-009", 1, "FROM a:1\nRUN apt-get install x=1\n"},
    {"BH-DF-009", 0, "FROM a:1\nRUN apt-get install -qy x=1\n"},
    {"BH-DF-010", 1, "FROM a:1\nRUN apt update\n"},
    {"BH-DF-010", 0, "FROM a:1\nRUN apt-cache policy x\n"},
    {"BH-DF-011", 1, "FROM a:1\nRUN apt-get dist-upgrade -y\n"},
    {"BH-DF-011", 0, "FROM a:1\nRUN apt-get install -y upgrade=1\n"},
    {"BH-DF-012", 1, "FROM a:1\nRUN python3 -m pip install --no-cache-dir -i https://x requests\n"},
    {"BH-DF-012", 0, "FROM a:1\nRUN pip install --no-cache-dir -r requirements.txt 'b>=2' ./pkg\n"},
    {"BH-DF-013", 1, "FROM a:1\nRUN pip install a==1\n"},
    {"BH-DF-013", 0, "FROM a:1\nENV PIP_NO_CACHE_DIR=1\nRUN pip install a==1\n"},
    {"BH-DF-014", 1, "FROM a:1\nRUN apk add --no-cache --virtual .deps gcc\n"},
    {"BH-DF-014", 0, "FROM a:1\nRUN apk add --no-cache gcc=13.2.1-r0\n"},
    {"BH-DF-015", 1, "FROM a:1\nRUN apk add gcc=1\n"},
    {"BH-DF-015", 0, "FROM a:1\nRUN apk add --no-cache gcc=1\n"},
    {"BH-DF-016", 1, "FROM a:1\nRUN npm install -g @angular/cli typescript@latest\n"},
    {"BH-DF-016", 0,
     "FROM a:1\nRUN npm install && npm i -g @angular/cli@17.1.0 ./local git+https://x/y\n"},
    {"BH-DF-017", 1, "FROM a:1\nRUN gem install bundler\n"},
    {"BH-DF-017", 0, "FROM a:1\nRUN gem install bundler:2.5.0 && gem install rake -v 13.0\n"},
    {"BH-DF-018", 1, "FROM a:1\nRUN yarn install --frozen-lockfile\n"},
    {"BH-DF-018", 0, "FROM a:1\nRUN yarn install && yarn cache clean\n"},
    {"BH-DF-019", 1, "FROM a:1\nRUN yum install httpd-2.4 && yum clean all\n"},
    {"BH-DF-019", 0, "FROM a:1\nRUN yum install -y httpd-2.4 && yum clean all\n"},
    {"BH-DF-020", 1, "FROM a:1\nRUN yum install -y httpd-2.4\n"},
    {"BH-DF-020", 0, "FROM a:1\nRUN yum install -y httpd-2.4 && rm -rf /var/cache/yum\n"},
    {"BH-DF-021", 1, "FROM a:1\nRUN yum install -y httpd && yum clean all\n"},
    {"BH-DF-021", 0, "FROM a:1\nRUN yum install -y httpd-2.4.6 ./x.rpm && yum clean all\n"},
    {"BH-DF-022", 1, "FROM a:1\nRUN dnf install nginx-1.24 && dnf clean all\n"},
    {"BH-DF-022", 0, "FROM a:1\nRUN microdnf install nginx-1.24 && microdnf clean all\n"},
    {"BH-DF-023", 1, "FROM a:1\nRUN dnf install -y nginx-1.24\n"},
    {"BH-DF-023", 0, "FROM a:1\nRUN dnf install -y nginx-1.24 && dnf clean all\n"},
    {"BH-DF-024", 1, "FROM a:1\nRUN dnf install -y nginx && dnf clean all\n"},
    {"BH-DF-024", 0, "FROM a:1\nRUN dnf -y install nginx-1.24.0 && dnf clean all\n"},
    {"BH-DF-025", 1, "FROM a:1\nRUN zypper install curl=8 && zypper clean\n"},
    {"BH-DF-025", 0, "FROM a:1\nRUN zypper -n install curl=8 && zypper clean\n"},
    {"BH-DF-026", 1, "FROM a:1\nRUN zypper in -y curl=8\n"},
    {"BH-DF-026", 0, "FROM a:1\nRUN zypper in -y curl=8 && zypper cc\n"},
    {"BH-DF-027", 1, "FROM a:1\nRUN zypper --non-interactive install curl && zypper clean\n"},
    {"BH-DF-027", 0, "FROM a:1\nRUN zypper --non-interactive install 'curl>=8' && zypper clean\n"},
    {"BH-DF-028", 1, "FROM a:1\nWORKDIR src\n"},
    {"BH-DF-028", 0, "FROM a:1\nWORKDIR ${HOME}/src\n"},
    {"BH-DF-029", 1, "FROM a:1\nRUN make -C x; cd y\n"},
    {"BH-DF-029", 0, "FROM a:1\nRUN echo cd\n"},
    {"BH-DF-030", 1, "FROM a:1\nRUN service nginx start\n"},
    {"BH-DF-030", 0, "FROM a:1\nRUN nginx -t\n"},
    {"BH-DF-031", 1, "FROM a:1\nEXPOSE 8000-70000/tcp\n"},
    {"BH-DF-031", 0, "FROM a:1\nEXPOSE 65535/udp\n"},
    {"BH-DF-032", 1, "FROM a:1\nHEALTHCHECK NONE\nHEALTHCHECK CMD x\n"},
    {"BH-DF-032", 0, "FROM a:1\nHEALTHCHECK CMD x\nFROM b:1\nHEALTHCHECK CMD y\n"},
    {"BH-DF-033", 1, "FROM a:1\nCMD [\"a\"]\nCMD [\"b\"]\n"},
    {"BH-DF-033", 0, "FROM a:1\nCMD [\"a\"]\nFROM b:1\nCMD [\"b\"]\n"},
    {"BH-DF-034", 1, "FROM a:1\nENTRYPOINT [\"a\"]\nENTRYPOINT [\"b\"]\n"},
    {"BH-DF-034", 0, "FROM a:1\nENTRYPOINT [\"a\"]\nCMD [\"b\"]\n"},
    {"BH-DF-035", 1, "FROM a:1\nADD https://x/a.tgz src/ /dst/\n"},
    {"BH-DF-035", 0, "FROM a:1\nADD --checksum=sha256:aa https://x/a.bin /dst\n"},
    {"BH-DF-036", 1, "FROM a:1\nCOPY [\"a\", \"b\", \"/dst\"]\n"},
    {"BH-DF-036", 0, "FROM a:1\nCOPY a /dst\n"},
    {"BH-DF-037", 1, "FROM a:1 AS x\nFROM b:1\nCOPY --from=builder /a /a\n"},
    {"BH-DF-037", 0,
     "FROM a:1 AS Builder\nFROM b:1\nCOPY --from=builder /a /a\nCOPY --from=0 /b /b\nCOPY "
     "--from=nginx:1.25 /c /c\n"},
    {"BH-DF-038", 1, "FROM a:1 AS x\nCOPY --from=x /a /a\n"},
    {"BH-DF-038", 0, "FROM a:1 AS x\nFROM b:1 AS y\nCOPY --from=x /a /a\n"},
    {"BH-DF-039", 1, "FROM a:1 AS X\nFROM b:1 AS x\n"},
    {"BH-DF-039", 0, "FROM a:1 AS x\nFROM b:1 AS y\n"},
    {"BH-DF-040", 1, "FROM a:1\nENTRYPOINT /bin/app --flag\n"},
    {"BH-DF-040", 0, "FROM a:1\nENTRYPOINT [\"/bin/app\"]\n"},
    {"BH-DF-042", 1, "FROM --platform=linux/amd64 a:1\n"},
    {"BH-DF-042", 0, "FROM --platform=$BUILDPLATFORM a:1\n"},
    {"BH-DF-043", 1, "FROM a:1\nENV A=1 B=$A\n"},
    {"BH-DF-043", 0, "FROM a:1\nENV A=1\nENV A=2 B=$A\n"},
    {"BH-DF-044", 1, "FROM a:1\nCOPY x.sh bin/\n"},
    {"BH-DF-044", 0, "FROM a:1 AS b\nWORKDIR /app\nFROM b\nCOPY x.sh bin/\n"},
    {"BH-DF-045", 1, "FROM a:1\nRUN wget https://x/y\n"},
    {"BH-DF-045", 0, "FROM a:1\nRUN wget -qO- https://x/y > y\n"},
    {"BH-DF-046", 1, "FROM a:1\n"},
    {"BH-DF-046", 0, "FROM a:1 AS b\nHEALTHCHECK CMD [\"/x\"]\nFROM b\n"},
    {"BH-DF-047", 1, "FROM a:1\nRUN a\n# comment\nRUN b\n"},
    {"BH-DF-047", 0, "FROM a:1\nRUN a\nRUN --mount=type=secret,id=t b\n"},
    {"BH-DF-048", 1, "ENV A=1\nFROM a:1\n"},
    {"BH-DF-048", 0, "ARG A=1\nFROM a:$A\n"},
    {"BH-DF-049", 1, "FROM a:1\nMAINTAINER x\n"},
    {"BH-DF-049", 0, "FROM a:1\nLABEL org.opencontainers.image.authors=x\n"},
    {"BH-DF-050", 1, "FROM a:1\nRUN curl -o a https://x\nRUN wget -q https://y\n"},
    {"BH-DF-050", 0, "FROM a:1 AS x\nRUN curl -o a https://x\nFROM b:1\nRUN wget -q https://y\n"},
    {"BH-DF-051", 1, "FROM a:1\nRUN ln -sf /bin/bash /bin/sh\n"},
    {"BH-DF-051", 0, "FROM a:1\nRUN ln -sf /bin/bash /usr/local/bin/sh2\n"},
    {"BH-DF-052", 1, "FROM a:1\nSHELL [\"/bin/bash\", \"-c\"]\nRUN a | b\n"},
    {"BH-DF-052", 0,
     "FROM a:1\nSHELL [\"/bin/bash\", \"-euxo\", \"pipefail\", \"-c\"]\nRUN a | b\nRUN set -o "
     "pipefail && c | d\nRUN e || f\n"},
    {"BH-DF-052", 0, "FROM a:1\nSHELL [\"pwsh\", \"-Command\"]\nRUN a | b\n"},
    {"BH-DF-053", 1, "FROM a:1\nENV DB_PASSWORD=hunter2\n"},
    {"BH-DF-053", 1, "FROM a:1\nENV AWS_SECRET_ACCESS_KEY wJalrXUtnFEMI\n"},
    {"BH-DF-053", 0,
     "FROM a:1\nENV DB_PASSWORD_FILE=/run/secrets/db TOKENIZERS_PARALLELISM=false GPG_KEY=ABCD\n"},
    {"BH-DF-054", 1, "FROM a:1\nARG NPM_TOKEN\n"},
    {"BH-DF-054", 0, "FROM a:1\nARG VERSION=1\n"},
    {"BH-DF-055", 1, "FROM a:1\nADD https://example.org/tool.tar.gz /opt/\n"},
    {"BH-DF-055", 0, "FROM a:1\nADD --checksum=sha256:00 https://example.org/tool.tar.gz /opt/\n"},
    {"BH-DF-056", 1, "FROM a:1\nRUN curl -fsSL https://get.example.sh | sudo sh -s -- -y\n"},
    {"BH-DF-056", 1, "FROM a:1\nRUN bash -c \"$(curl -fsSL https://x/install.sh)\"\n"},
    {"BH-DF-056", 1, "FROM a:1\nRUN wget -qO- https://x | python3 -\n"},
    {"BH-DF-056", 0, "FROM a:1\nRUN curl -fsSLo i.sh https://x && sha256sum -c i.sum && sh i.sh\n"},
    {"BH-DF-057", 1, "FROM a:1\nRUN chmod -R 777 /app\n"},
    {"BH-DF-057", 1, "FROM a:1\nCOPY --chmod=o+w x /x\n"},
    {"BH-DF-057", 0, "FROM a:1\nRUN chmod 1777 /tmp && chmod 755 /app && chmod u+w,go-w /x\n"},
    {"BH-DF-058", 1, "FROM a:1\nRUN chmod 4755 /usr/bin/tool\n"},
    {"BH-DF-058", 1, "FROM a:1\nRUN chmod u+s /usr/bin/tool\n"},
    {"BH-DF-058", 0, "FROM a:1\nRUN chmod 0755 /usr/bin/tool\n"},
    {"BH-DF-059", 1, "FROM a:1\nEXPOSE 80 22/tcp\n"},
    {"BH-DF-059", 1, "FROM a:1\nEXPOSE 2370-2380\n"},
    {"BH-DF-059", 0, "FROM a:1\nEXPOSE 80 443 8080\n"},
    {"BH-DF-060", 1, "FROM a:1\nRUN --security=insecure make\n"},
    {"BH-DF-060", 0, "FROM a:1\nRUN --security=sandbox make\n"},
    {"BH-DF-061", 1, "FROM a:1\nRUN --network=host make\n"},
    {"BH-DF-061", 0, "FROM a:1\nRUN --network=none make\n"},
    {"BH-DF-062", 1, "FROM a:1\nRUN curl -fsSLk https://x -o y\n"},
    {"BH-DF-062", 1, "FROM a:1\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\n"},
    {"BH-DF-062", 1, "FROM a:1\nRUN git -c http.sslVerify=false clone https://x\n"},
    {"BH-DF-062", 1, "FROM a:1\nRUN pip install --trusted-host pypi.example a==1\n"},
    {"BH-DF-062", 0, "FROM a:1\nRUN curl -fsSL https://x -o y\n"},
    {"BH-DF-063", 1, "FROM a:1\nRUN apt-get install -y --allow-unauthenticated x=1\n"},
    {"BH-DF-063", 1,
     "FROM a:1\nRUN echo 'deb [trusted=yes] http://r/ ./' > /etc/apt/sources.list.d/r.list\n"},
    {"BH-DF-063", 1, "FROM a:1\nRUN dnf install -y --nogpgcheck x-1\n"},
    {"BH-DF-063", 1, "FROM a:1\nRUN apk add --allow-untrusted x.apk\n"},
    {"BH-DF-063", 0, "FROM a:1\nRUN apk add --no-cache x=1\n"},
    {"BH-DF-064", 1, "FROM a:1\nRUN curl -o x http://example.org/x\n"},
    {"BH-DF-064", 0, "FROM a:1\nRUN curl -o x http://localhost:8080/x https://example.org/y\n"},
    {"BH-DF-065", 1, "FROM a:1\nCOPY id_rsa /root/.ssh/\n"},
    {"BH-DF-065", 1, "FROM a:1\nCOPY .env .npmrc /app/\n"},
    {"BH-DF-065", 1, "FROM a:1\nADD home/.aws/credentials /root/.aws/credentials\n"},
    {"BH-DF-065", 0, "FROM a:1\nCOPY id_rsa.pub .env.example /app/\n"},
    {"BH-DF-066", 1, "FROM a:1\nRUN apt-get install -y openssh-server=1:9\n"},
    {"BH-DF-066", 0, "FROM a:1\nRUN apt-get install -y openssh-client=1:9\n"},
    {"BH-DF-067", 1, "FROM a:1\nCMD ['a', 'b']\n"},
    {"BH-DF-067", 0, "FROM a:1\nCMD [\"a\", \"b\"]\n"},
    /* heredoc bodies run by the shell are analysed */
    {"BH-DF-006", 1, "FROM a:1\nRUN <<EOF\nset -e\napt-get install -y curl\nEOF\n"},
    {"BH-DF-006", 0, "FROM a:1\nRUN python3 <<EOF\napt-get install -y curl\nEOF\n"},
    /* exec form */
    {"BH-DF-014", 1, "FROM a:1\nRUN [\"apk\", \"add\", \"--no-cache\", \"curl\"]\n"},
    {"BH-DF-052", 0, "FROM a:1\nRUN [\"/bin/sh\", \"-c\", \"a | b\"]\n"},
};

TEST(rule_cases)
{
	unsigned failed = 0;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bh_findings f = {0};
		ASSERT_OK(lint_text(cases[i].text, NULL, &f));
		bool got = find_rule(&f, cases[i].id) != NULL;
		if (got != (cases[i].want == 1)) {
			printf("# case %zu: %s %s, expected %s:\n", i, cases[i].id,
			       got ? "reported" : "not reported",
			       cases[i].want ? "reported" : "not");
			for (size_t k = 0; k < f.n; k++)
				printf("#   %s %s\n", f.v[k].rule_id, f.v[k].message);
			failed++;
		}
		bh_findings_done(&f);
	}
	ASSERT_EQ(failed, 0);
}

TEST(every_rule_has_a_case)
{
	for (size_t i = 0; i < df_rule_count(); i++) {
		const struct df_rule *r = df_rule_at(i);
		bool hit = false, miss = false;
		for (size_t k = 0; k < ARRAY_SIZE(cases); k++)
			if (streq(cases[k].id, r->id)) {
				hit |= cases[k].want == 1;
				miss |= cases[k].want == 0;
			}
		if (streq(r->id, "BH-DF-041"))
			continue; /* needs options: allowed_registries below */
		if (!hit || !miss)
			tap_fail(__FILE__, __LINE__, "%s lacks a %s case", r->id,
				 hit ? "no-match" : "match");
	}
}

TEST(rule_table)
{
	ASSERT_TRUE(df_rule_count() >= 30);
	for (size_t i = 0; i < df_rule_count(); i++) {
		const struct df_rule *r = df_rule_at(i);
		char want[16];
		ASSERT_OK(xsnprintf(want, sizeof(want), "BH-DF-%03zu", i + 1));
		ASSERT_STREQ(r->id, want);
		ASSERT_TRUE(r->title && *r->title && r->remediation && *r->remediation);
		ASSERT_TRUE(r->severity > BH_SEV_UNKNOWN && r->severity < _BH_SEV_MAX);
		if (r->hadolint) {
			ASSERT_TRUE(strncmp(r->hadolint, "DL", 2) == 0 && strlen(r->hadolint) == 6);
			ASSERT_TRUE(df_rule_find(r->hadolint) == r);
			for (size_t k = 0; k < i; k++)
				ASSERT_FALSE(df_rule_at(k)->hadolint &&
					     streq(df_rule_at(k)->hadolint, r->hadolint));
		}
		ASSERT_TRUE(df_rule_find(r->id) == r);
	}
	ASSERT_NULL(df_rule_find("BH-DF-999"));
	ASSERT_TRUE(df_rule_find("dl3008") == df_rule_find("BH-DF-006"));
}

TEST(allowed_registries)
{
	struct strv allowed = {0};
	ASSERT_OK(strv_push(&allowed, "docker.io"));
	ASSERT_OK(strv_push(&allowed, "*.example.com"));
	struct df_lint_opts o = {.allowed_registries = &allowed};
	struct bh_findings f = {0};
	ASSERT_OK(
	    lint_text("FROM debian:12\nFROM reg.example.com/a:1\nFROM b:1 AS c\nFROM c\n", &o, &f));
	ASSERT_NULL(find_rule(&f, "DL3026"));
	bh_findings_done(&f);
	ASSERT_OK(lint_text("FROM quay.io/x/y:1\n", &o, &f));
	ASSERT_NOT_NULL(find_rule(&f, "DL3026"));
	bh_findings_done(&f);
	/* without a list the rule does not run */
	ASSERT_OK(lint_text("FROM quay.io/x/y:1\n", NULL, &f));
	ASSERT_NULL(find_rule(&f, "DL3026"));
	bh_findings_done(&f);
	strv_done(&allowed);
}

TEST(ignores)
{
	struct bh_findings f = {0};
	ASSERT_OK(lint_text("FROM a:1\n"
			    "# bulkhead ignore=BH-DF-006,BH-DF-009\n"
			    "# hadolint ignore=DL3015\n"
			    "RUN apt-get install curl\n"
			    "RUN apt-get install wget\n",
			    NULL, &f));
	size_t pins = 0;
	for (size_t i = 0; i < f.n; i++)
		if (streq(f.v[i].rule_id, "BH-DF-006")) {
			pins++;
			ASSERT_EQ(f.v[i].line, 5);
		}
	ASSERT_EQ(pins, 1);
	ASSERT_EQ(f.suppressed, 3);
	bh_findings_done(&f);
	struct strv ign = {0};
	ASSERT_OK(strv_push(&ign, "DL3008"));
	ASSERT_OK(strv_push(&ign, "BH-DF-046"));
	struct df_lint_opts o = {.ignore = &ign};
	ASSERT_OK(lint_text("FROM a:1\nRUN apt-get install -y a b\n", &o, &f));
	ASSERT_NULL(find_rule(&f, "BH-DF-006"));
	ASSERT_NULL(find_rule(&f, "BH-DF-046"));
	ASSERT_EQ(f.suppressed, 2);
	bh_findings_done(&f);
	strv_done(&ign);
}

TEST(finding_fields)
{
	struct bh_findings f = {0};
	ASSERT_OK(
	    lint_text("FROM a:1\n\n  RUN apt-get install -y \\\n    curl\nUSER root\n", NULL, &f));
	const struct bh_finding *x = find_rule(&f, "DL3008");
	ASSERT_NOT_NULL(x);
	ASSERT_STREQ(x->kind, "misconfiguration");
	ASSERT_STREQ(x->path, "Dockerfile");
	ASSERT_EQ(x->line, 3);
	ASSERT_EQ(x->column, 3);
	ASSERT_EQ(x->refs.n, 1);
	ASSERT_STREQ(x->refs.v[0], "hadolint:DL3008");
	ASSERT_STREQ(x->compliance.v[0], "NIST-800-190:4.1.1");
	ASSERT_TRUE(strstr(x->message, "curl") != NULL);
	ASSERT_NOT_NULL(x->remediation);
	ASSERT_EQ(json_integer_value(json_object_get(x->evidence, "end_line")), 4);
	x = find_rule(&f, "BH-DF-001");
	ASSERT_NOT_NULL(x);
	ASSERT_EQ(x->severity, BH_SEV_HIGH);
	ASSERT_EQ(x->compliance.n, 2);
	ASSERT_STREQ(x->compliance.v[1], "NIST-800-190:4.4.3");
	bh_findings_done(&f);
	/* secrets: the value never appears in a message */
	ASSERT_OK(lint_text("FROM a:1\nENV API_KEY=sk_live_abcdef\n", NULL, &f));
	x = find_rule(&f, "BH-DF-053");
	ASSERT_NOT_NULL(x);
	ASSERT_NULL(strstr(x->message, "sk_live"));
	bh_findings_done(&f);
	/* a sensitive port unauthenticated by design is high */
	ASSERT_OK(lint_text("FROM a:1\nEXPOSE 2375\n", NULL, &f));
	ASSERT_EQ(find_rule(&f, "BH-DF-059")->severity, BH_SEV_HIGH);
	bh_findings_done(&f);
}
