/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-dockerfile.c — the Dockerfile parser (src/checks/dockerfile.c) and the shell reader
 * (dockerfile-shell.c): directives, continuations, heredocs, exec/shell form, flags, stages,
 * substitution and its scoping, positions, every rejection with its line and column, and
 * hostile input (NUL, invalid UTF-8, huge lines, expansion bombs).
 */
#include "checks/dockerfile.h"
#include "tap.h"

static struct dockerfile *parse_ok(const char *text)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	struct dockerfile *df = NULL;
	int r = df_parse(span_from(text), &l, "Dockerfile", &df, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "parse failed: %d %u:%u %s", r, d.line, d.column,
			 d.message);
	return df;
}

/* Parse must fail with err at line:col; the message must contain what. */
static void parse_err(const char *text, int err, unsigned line, unsigned col, const char *what)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	struct dockerfile *df = NULL;
	int r = df_parse(span_from(text), &l, "Dockerfile", &df, &d);
	if (r >= 0) {
		df_free(df);
		tap_fail(__FILE__, __LINE__, "parse of '%.40s' succeeded", text);
	}
	ASSERT_EQ(r, err);
	ASSERT_EQ(d.line, line);
	ASSERT_EQ(d.column, col);
	ASSERT_STREQ(d.source, "Dockerfile");
	if (!strstr(d.message, what))
		tap_fail(__FILE__, __LINE__, "message '%s' lacks '%s'", d.message, what);
}

static const char *pair(const struct df_instr *in, const char *key)
{
	for (size_t i = 0; i < in->n_pairs; i++)
		if (streq(in->pairs[i].key, key))
			return in->pairs[i].value ? in->pairs[i].value : "(null)";
	return NULL;
}

TEST(basic_positions)
{
	struct dockerfile *df = parse_ok("# comment\n\nFROM debian:12 AS Build\n"
					 "  run echo hi\n"
					 "USER 1000\n");
	ASSERT_EQ(df->n, 3);
	ASSERT_EQ(df->n_stages, 1);
	ASSERT_EQ(df->v[0].kind, DF_FROM);
	ASSERT_EQ(df->v[0].line, 3);
	ASSERT_EQ(df->v[0].column, 1);
	ASSERT_EQ(df->v[0].stage, 0);
	ASSERT_STREQ(df->stages[0].name, "build");
	ASSERT_STREQ(df->stages[0].image, "debian:12");
	ASSERT_EQ(df->stages[0].from, 0);
	ASSERT_EQ(df->v[1].kind, DF_RUN);
	ASSERT_STREQ(df->v[1].keyword, "run");
	ASSERT_EQ(df->v[1].line, 4);
	ASSERT_EQ(df->v[1].column, 3);
	ASSERT_STREQ(df->v[1].args, "echo hi");
	ASSERT_FALSE(df->v[1].is_json);
	ASSERT_EQ(df->lines, 5);
	df_free(df);
}

TEST(continuations_with_comments_and_blank_lines)
{
	struct dockerfile *df = parse_ok("FROM alpine:3.20\n"
					 "RUN apk add \\\n"
					 "# a comment inside\n"
					 "\n"
					 "    curl \\\n"
					 "  && echo done\n"
					 "USER 1\n");
	ASSERT_EQ(df->n, 3);
	ASSERT_EQ(df->v[1].line, 2);
	ASSERT_EQ(df->v[1].end_line, 6);
	ASSERT_STREQ(df->v[1].args, "apk add     curl   && echo done");
	ASSERT_EQ(df->v[2].line, 7);
	df_free(df);
}

TEST(escape_directive)
{
	struct dockerfile *df = parse_ok("# escape=`\n# syntax=docker/dockerfile:1\n"
					 "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
					 "RUN dir c:\\ `\n  && echo ok\n"
					 "WORKDIR c:\\app\n");
	ASSERT_EQ(df->escape, '`');
	ASSERT_STREQ(df->syntax, "docker/dockerfile:1");
	ASSERT_STREQ(df->v[1].args, "dir c:\\   && echo ok");
	ASSERT_STREQ(df->v[2].words.v[0], "c:\\app");
	df_free(df);
	/* a directive after an instruction is a comment; the backslash stays the escape */
	df = parse_ok("FROM a:1\n# escape=`\nRUN a \\\n b\n");
	ASSERT_EQ(df->escape, '\\');
	ASSERT_STREQ(df->v[1].args, "a  b");
	df_free(df);
	parse_err("# escape=x\nFROM a:1\n", -EBADMSG, 1, 1, "invalid escape");
	parse_err("# escape=`\n# escape=\\\nFROM a:1\n", -EBADMSG, 2, 1, "only one escape");
}

TEST(heredocs)
{
	struct dockerfile *df = parse_ok("FROM debian:12\n"
					 "RUN <<EOF\n"
					 "apt-get update\n"
					 "apt-get install -y curl\n"
					 "EOF\n"
					 "COPY <<-\"A\" <<'B' /dest/\n"
					 "\t\tfirst $X\n"
					 "\tA\n"
					 "second\n"
					 "B\n"
					 "USER 1000\n");
	ASSERT_EQ(df->n, 4);
	const struct df_instr *run = &df->v[1];
	ASSERT_EQ(run->n_heredocs, 1);
	ASSERT_STREQ(run->heredocs[0].delim, "EOF");
	ASSERT_STREQ(run->heredocs[0].body, "apt-get update\napt-get install -y curl\n");
	ASSERT_EQ(run->heredocs[0].line, 3);
	ASSERT_EQ(run->line, 2);
	ASSERT_EQ(run->end_line, 5);
	const struct df_instr *cp = &df->v[2];
	ASSERT_EQ(cp->n_heredocs, 2);
	ASSERT_TRUE(cp->heredocs[0].strip_tabs);
	ASSERT_TRUE(cp->heredocs[0].quoted);
	ASSERT_STREQ(cp->heredocs[0].body, "first $X\n");
	ASSERT_STREQ(cp->heredocs[1].delim, "B");
	ASSERT_STREQ(cp->heredocs[1].body, "second\n");
	ASSERT_EQ(cp->end_line, 10);
	ASSERT_EQ(df->v[3].line, 11);
	/* the script of RUN <<EOF is its body */
	struct df_script s = {0};
	ASSERT_OK(df_instr_script(run, &s));
	ASSERT_EQ(s.n, 2);
	ASSERT_STREQ(s.v[1].argv.v[0], "apt-get");
	ASSERT_STREQ(s.v[1].argv.v[3], "curl");
	df_script_done(&s);
	df_free(df);
	/* here-strings and shifts are no heredocs */
	df = parse_ok("FROM a:1\nRUN cat <<<\"x\" && echo $((1<<2))\n");
	ASSERT_EQ(df->v[1].n_heredocs, 0);
	df_free(df);
	parse_err("FROM a:1\nRUN <<EOF\necho hi\n", -EBADMSG, 2, 1, "unterminated heredoc");
}

TEST(exec_and_shell_form)
{
	struct dockerfile *df = parse_ok("FROM a:1\n"
					 "CMD [\"python3\", \"app.py\"]\n"
					 "ENTRYPOINT exec /bin/app\n"
					 "RUN ['bad', 'json']\n"
					 "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n"
					 "VOLUME /data /logs\n"
					 "HEALTHCHECK --interval=5s CMD [\"/bin/check\"]\n");
	ASSERT_TRUE(df->v[1].is_json);
	ASSERT_EQ(df->v[1].words.n, 2);
	ASSERT_STREQ(df->v[1].words.v[1], "app.py");
	ASSERT_FALSE(df->v[2].is_json);
	ASSERT_FALSE(df->v[3].is_json);
	ASSERT_TRUE(df->v[3].bad_json);
	ASSERT_TRUE(df->v[4].is_json);
	ASSERT_EQ(df->v[5].words.n, 2);
	ASSERT_STREQ(df->v[6].words.v[0], "CMD");
	ASSERT_STREQ(df->v[6].words.v[1], "/bin/check");
	ASSERT_TRUE(df->v[6].is_json);
	ASSERT_STREQ(df_instr_flag(&df->v[6], "interval")->value, "5s");
	df_free(df);
	parse_err("FROM a:1\nSHELL /bin/bash -c\n", -EBADMSG, 2, 1, "JSON form");
	parse_err("FROM a:1\nHEALTHCHECK RUN x\n", -EBADMSG, 2, 1, "try CMD");
}

TEST(flags)
{
	struct dockerfile *df =
	    parse_ok("ARG P=linux/amd64\n"
		     "FROM --platform=$P golang:1.22 AS build\n"
		     "RUN --mount=type=cache,target=/root/.cache --network=none go build\n"
		     "FROM scratch\n"
		     "ARG U=1000\n"
		     "COPY --from=build --chown=$U:$U --chmod=0755 --link /out /app/\n"
		     "ADD --checksum=sha256:abc https://example.org/x.tgz /x/\n");
	ASSERT_STREQ(df->stages[0].platform, "linux/amd64");
	ASSERT_STREQ(df_instr_flag(&df->v[1], "platform")->value, "$P");
	const struct df_instr *run = &df->v[2];
	ASSERT_EQ(run->n_flags, 2);
	ASSERT_STREQ(df_instr_flag(run, "mount")->value, "type=cache,target=/root/.cache");
	ASSERT_STREQ(run->args, "go build");
	const struct df_instr *cp = &df->v[5];
	ASSERT_STREQ(df_instr_flag(cp, "from")->value, "build");
	ASSERT_STREQ(df_instr_flag(cp, "chown")->value, "1000:1000");
	ASSERT_NOT_NULL(df_instr_flag(cp, "link"));
	ASSERT_NULL(df_instr_flag(cp, "link")->value);
	ASSERT_EQ(cp->words.n, 2);
	ASSERT_STREQ(df_instr_flag(&df->v[6], "checksum")->value, "sha256:abc");
	df_free(df);
	parse_err("FROM a:1\nCOPY --frm=x a /b\n", -EBADMSG, 2, 1, "unknown flag '--frm'");
	parse_err("FROM a:1\nRUN --mount echo\n", -EBADMSG, 2, 1, "needs a value");
	parse_err("FROM a:1\nCOPY --link=maybe a /b\n", -EBADMSG, 2, 1, "true or false");
}

TEST(substitution_values)
{
	struct dockerfile *df = parse_ok(
	    "ARG BASE=debian\nARG TAG=12\nARG ONLY_GLOBAL=g\n"
	    "FROM ${BASE}:${TAG:-11} AS base\n"
	    "ENV HOME_DIR=/home/app APP=\"my app\" E= SELF=$HOME_DIR\n"
	    "ARG TAG\n"
	    "LABEL a=$TAG b=${ONLY_GLOBAL}x c=${E:-dflt} d=${E-set} e=${APP:+yes} 'f g'=h\n"
	    "ENV FILE=archive.tar.gz\n"
	    "LABEL base=${FILE%%.*} ext=${FILE#*.} long=${FILE##*.} x=\\$HOME_DIR y='$APP'\n"
	    "FROM base\n"
	    "USER $HOME_DIR\n"
	    "FROM debian:12\n"
	    "USER x${HOME_DIR}x\n");
	ASSERT_STREQ(df->stages[0].image, "debian:12");
	ASSERT_STREQ(df->stages[0].image_raw, "${BASE}:${TAG:-11}");
	const struct df_instr *env = &df->v[4];
	ASSERT_STREQ(pair(env, "HOME_DIR"), "/home/app");
	ASSERT_STREQ(pair(env, "APP"), "my app");
	ASSERT_STREQ(pair(env, "E"), "");
	/* a reference in the same ENV sees the value from before the instruction */
	ASSERT_STREQ(pair(env, "SELF"), "");
	ASSERT_STREQ(pair(&df->v[5], "TAG"), "(null)");
	const struct df_instr *lb = &df->v[6];
	ASSERT_STREQ(pair(lb, "a"), "12");   /* global default taken by the redeclared ARG */
	ASSERT_STREQ(pair(lb, "b"), "x");    /* a global ARG not redeclared is not visible */
	ASSERT_STREQ(pair(lb, "c"), "dflt"); /* set but empty */
	ASSERT_STREQ(pair(lb, "d"), "");     /* set: no default */
	ASSERT_STREQ(pair(lb, "e"), "yes");
	ASSERT_STREQ(pair(lb, "f g"), "h");
	const struct df_instr *lb2 = &df->v[8];
	ASSERT_STREQ(pair(lb2, "base"), "archive");
	ASSERT_STREQ(pair(lb2, "ext"), "tar.gz");
	ASSERT_STREQ(pair(lb2, "long"), "gz");
	ASSERT_STREQ(pair(lb2, "x"), "$HOME_DIR");
	ASSERT_STREQ(pair(lb2, "y"), "$APP");
	/* FROM base: ENV is inherited */
	ASSERT_EQ(df->stages[1].base, 0);
	ASSERT_STREQ(df->v[10].words.v[0], "/home/app");
	ASSERT_STREQ(df_stage_env(&df->stages[1], "APP"), "my app");
	/* a new stage from an image starts empty */
	ASSERT_STREQ(df->v[12].words.v[0], "xx");
	df_free(df);
	parse_err("FROM a:1\nWORKDIR ${APP// /_}\n", -EBADMSG, 2, 1, "unsupported modifier");
	parse_err("FROM a:1\nUSER ${NAME:?user must be set}\n", -EBADMSG, 2, 1,
		  "NAME: user must be set");
	parse_err("FROM a:1\nUSER ${NAME\n", -EBADMSG, 2, 1, "missing '}'");
}

TEST(legacy_env_and_errors)
{
	struct dockerfile *df = parse_ok("FROM a:1\nENV PATH /usr/local/bin:$PATH\n"
					 "LABEL maintainer \"me <me@example.org>\"\n");
	ASSERT_STREQ(pair(&df->v[1], "PATH"), "/usr/local/bin:");
	ASSERT_STREQ(pair(&df->v[2], "maintainer"), "me <me@example.org>");
	df_free(df);
	parse_err("FROM a:1\nENV\n", -EBADMSG, 2, 1, "at least one argument");
	parse_err("FROM a:1\nENV A=1 B\n", -EBADMSG, 2, 1, "name=value");
	parse_err("FROM a:1\nCOPY onlyone\n", -EBADMSG, 2, 1, "at least two");
	parse_err("FROM a b c d\n", -EBADMSG, 1, 1, "FROM requires");
	parse_err("FROM a AS 1bad\n", -EBADMSG, 1, 1, "invalid name for build stage");
	parse_err("FROM a:1\nUSER a b\n", -EBADMSG, 2, 1, "exactly one");
	parse_err("FROM a:1\nONBUILD ONBUILD RUN x\n", -EBADMSG, 2, 1, "ONBUILD trigger");
	parse_err("", -EBADMSG, 0, 0, "no instructions");
	parse_err("# only a comment\n\n", -EBADMSG, 0, 0, "no instructions");
}

TEST(unknown_instruction_line_and_column)
{
	parse_err("FROM a:1\nRUN ok\n   FOO bar\n", -EBADMSG, 3, 4, "unknown instruction 'FOO'");
	parse_err("FROM a:1\n\xc3\xa9t\xc3\xa9 x\n", -EBADMSG, 2, 1, "unknown instruction");
	parse_err("FROM a:1\nRUNecho\n", -EBADMSG, 2, 1, "unknown instruction 'RUNecho'");
	/* column counts characters, not bytes */
	parse_err("FROM a:1\nRUN x\n\t\xc3\xa9 \n", -EBADMSG, 3, 2, "unknown instruction");
}

TEST(hostile_input)
{
	static const char nul[] = "FROM a:1\nRUN a\0b\n";
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	struct dockerfile *df = NULL;
	ASSERT_ERR(df_parse(span_make(nul, sizeof(nul) - 1), &l, "x", &df, &d), -EBADMSG);
	ASSERT_EQ(d.line, 2);
	ASSERT_EQ(d.column, 6);
	ASSERT_TRUE(strstr(d.message, "NUL") != NULL);
	parse_err("FROM a:1\nRUN \xff\xfe\n", -EBADMSG, 2, 5, "invalid UTF-8");
	parse_err("FROM a:1\nRUN \xed\xa0\x80\n", -EBADMSG, 2, 5, "invalid UTF-8"); /* surrogate */
	parse_err("FROM a:1\nRUN \xc0\xaf\n", -EBADMSG, 2, 5, "invalid UTF-8");	    /* overlong */
	/* too many lines */
	l.dockerfile_max_lines = 3;
	ASSERT_ERR(df_parse(SPAN_LIT("FROM a:1\nRUN a\nRUN b\nRUN c\n"), &l, "x", &df, &d), -E2BIG);
	ASSERT_EQ(d.line, 4);
	/* too large */
	bh_limits_default(&l);
	l.input_max_bytes = 8;
	ASSERT_ERR(df_parse(SPAN_LIT("FROM a:1\nRUN a\n"), &l, "x", &df, &d), -E2BIG);
	/* a huge single line parses in linear time */
	bh_limits_default(&l);
	size_t n = 8 << 20;
	char *big = malloc(n + 32);
	ASSERT_NOT_NULL(big);
	memcpy(big, "FROM a:1\nRUN ", 13);
	memset(big + 13, 'x', n);
	for (size_t i = 13; i < n; i += 97)
		big[i] = i % 2 ? ' ' : '|';
	big[n + 13] = '\n';
	ASSERT_OK(df_parse(span_make(big, n + 14), &l, "x", &df, &d));
	struct bh_findings f = {0};
	ASSERT_OK(df_lint(df, "x", NULL, &f));
	bh_findings_done(&f);
	df_free(df);
	free(big);
	/* a UTF-8 byte order mark is skipped */
	df = parse_ok("\xef\xbb\xbf"
		      "FROM a:1\n");
	ASSERT_EQ(df->v[0].column, 1);
	df_free(df);
}

TEST(expansion_bomb_is_bounded)
{
	struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(buf_puts(&b, "FROM a:1\nENV A=0123456789abcdef0123456789abcdef\n"));
	for (int i = 0; i < 64; i++)
		ASSERT_OK(buf_puts(&b, "ENV A=$A$A$A$A\n"));
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	struct dockerfile *df = NULL;
	ASSERT_ERR(df_parse(buf_span(&b), &l, "x", &df, &d), -E2BIG);
	ASSERT_TRUE(d.line > 2);
	buf_done(&b);
}

TEST(ignore_comments)
{
	struct dockerfile *df = parse_ok("FROM a:1\n"
					 "# bulkhead ignore=BH-DF-007, BH-DF-012\n"
					 "# hadolint ignore=DL3008\n"
					 "RUN x\n"
					 "# bulkhead ignore=BH-DF-001\n"
					 "\n"
					 "RUN y\n");
	ASSERT_EQ(df->v[1].ignores.n, 3);
	ASSERT_STREQ(df->v[1].ignores.v[0], "BH-DF-007");
	ASSERT_STREQ(df->v[1].ignores.v[1], "BH-DF-012");
	ASSERT_STREQ(df->v[1].ignores.v[2], "DL3008");
	ASSERT_EQ(df->v[2].ignores.n, 0); /* a blank line ends the comment block */
	df_free(df);
}

TEST(instruction_before_from_is_kept)
{
	struct dockerfile *df = parse_ok("LABEL a=b\nARG X=1\nFROM a:$X\n");
	ASSERT_EQ(df->v[0].stage, DF_NO_STAGE);
	ASSERT_EQ(df->v[1].stage, DF_NO_STAGE);
	ASSERT_EQ(df->v[2].stage, 0);
	ASSERT_STREQ(df->stages[0].image, "a:1");
	df_free(df);
}

static struct df_script script_of(const char *text)
{
	struct df_script s = {0};
	if (df_script_parse(span_from(text), 1000, &s) < 0)
		tap_fail(__FILE__, __LINE__, "script parse failed");
	return s;
}

TEST(shell_reader)
{
	struct df_script s = script_of(
	    "set -eux; DEBIAN_FRONTEND=noninteractive sudo -u root apt-get install -y 'a b' "
	    "\"c\\\"d\" \\\n"
	    " && curl -fsSL https://x/y.sh | bash -s -- --flag 2>/dev/null || true # comment | x\n"
	    "if [ -f x ]; then env A=1 /usr/bin/pip3 install z >out.log; fi\n"
	    "sh -c 'cd /tmp && make' &\n"
	    "cat <<EOF > /etc/conf\n"
	    "rm -rf / | not a command\n"
	    "EOF\n"
	    "echo $(curl x | sh) `y`");
	ASSERT_EQ(s.n, 11);
	ASSERT_STREQ(s.v[0].argv.v[0], "set");
	ASSERT_STREQ(s.v[1].argv.v[0], "apt-get");
	ASSERT_TRUE(s.v[1].sudo);
	ASSERT_STREQ(s.v[1].argv.v[3], "a b");
	ASSERT_STREQ(s.v[1].argv.v[4], "c\"d");
	ASSERT_STREQ(s.v[2].argv.v[0], "curl");
	ASSERT_TRUE(s.v[2].pipe_out);
	ASSERT_STREQ(s.v[3].argv.v[0], "bash");
	ASSERT_TRUE(s.v[3].pipe_in);
	ASSERT_EQ(s.v[3].argv.n, 4); /* 2>/dev/null dropped */
	ASSERT_STREQ(s.v[4].argv.v[0], "true");
	ASSERT_FALSE(s.v[4].pipe_in);
	ASSERT_STREQ(s.v[5].argv.v[0], "[");
	ASSERT_STREQ(s.v[6].argv.v[0], "pip3");
	ASSERT_EQ(s.v[6].argv.n, 3);
	ASSERT_STREQ(s.v[7].argv.v[0], "cd"); /* from sh -c */
	ASSERT_STREQ(s.v[8].argv.v[0], "make");
	ASSERT_STREQ(s.v[9].argv.v[0], "cat");
	ASSERT_EQ(s.v[9].argv.n, 1);
	ASSERT_STREQ(s.v[10].argv.v[0], "echo");
	ASSERT_STREQ(s.v[10].argv.v[1], "$(curl x | sh)");
	ASSERT_TRUE(s.has_pipe);
	df_script_done(&s);
	/* word limit */
	s = (struct df_script){0};
	ASSERT_OK(df_script_parse(SPAN_LIT("a b c d e f"), 3, &s));
	ASSERT_EQ(s.n, 1);
	ASSERT_EQ(s.v[0].argv.n, 3);
	df_script_done(&s);
}

TEST(exec_form_script)
{
	struct dockerfile *df = parse_ok("FROM a:1\nRUN [\"/bin/sh\", \"-ec\", \"cd /x && make\"]\n"
					 "RUN [\"/usr/bin/apt-get\", \"install\", \"x\"]\n");
	struct df_script s = {0};
	ASSERT_OK(df_instr_script(&df->v[1], &s));
	ASSERT_EQ(s.n, 2);
	ASSERT_STREQ(s.v[0].argv.v[0], "cd");
	df_script_done(&s);
	ASSERT_OK(df_instr_script(&df->v[2], &s));
	ASSERT_EQ(s.n, 1);
	ASSERT_STREQ(s.v[0].argv.v[0], "apt-get");
	df_script_done(&s);
	df_free(df);
}
