/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dockerfile.h — the Dockerfile model, its parser and the linter (`bulkhead lint`).
 *
 * The parser follows BuildKit's reading of a Dockerfile: parser directives at the top
 * (`# escape=`, `# syntax=`, `# check=`), line continuations with the escape character
 * (comment lines and blank lines inside a continuation are dropped), heredocs for RUN,
 * COPY and ADD (`<<EOF`, `<<-EOF`, quoted delimiters, several per line), JSON (exec) form
 * versus shell form, flags, named stages and ARG/ENV substitution with BuildKit's scoping
 * (an ARG before the first FROM is usable only in FROM lines and in a stage that declares
 * it again; ENV is inherited by a stage built FROM an earlier stage). It never executes
 * anything. Every input bound comes from struct bh_limits: input-max-bytes for the file,
 * dockerfile-max-lines for its lines; variable expansion has a budget of its own so that
 * ENV A=$A$A chains cannot grow without bound.
 *
 * The linter runs the BH-DF-NNN rules (docs/dockerfile-rules.md) over a parsed file and
 * appends struct bh_finding values (kind "misconfiguration").
 */
#pragma once

#include "common/common.h"
#include "common/finding.h"

enum df_kind {
	DF_ADD,
	DF_ARG,
	DF_CMD,
	DF_COPY,
	DF_ENTRYPOINT,
	DF_ENV,
	DF_EXPOSE,
	DF_FROM,
	DF_HEALTHCHECK,
	DF_LABEL,
	DF_MAINTAINER,
	DF_ONBUILD,
	DF_RUN,
	DF_SHELL,
	DF_STOPSIGNAL,
	DF_USER,
	DF_VOLUME,
	DF_WORKDIR,
	_DF_KIND_MAX,
};

/* Upper-case keyword ("RUN"); "?" out of range. */
const char *df_kind_name(enum df_kind k);

#define DF_NO_STAGE ((size_t)-1)

struct df_flag {
	char *name;  /* without the leading "--" */
	char *value; /* after '=' (substituted for COPY and ADD); NULL for a bare flag */
};

struct df_heredoc {
	char *delim;
	char *
	    body; /* lines between the marker and the delimiter, '\n'-joined, each ending in '\n' */
	bool strip_tabs; /* <<- */
	bool quoted;	 /* <<"EOF" or <<'EOF': no expansion in the body */
	uint32_t line;	 /* line of the first body line */
};

struct df_pair {
	char *key;
	char *value; /* after quote removal and substitution; NULL: ARG without default */
};

struct df_instr {
	enum df_kind kind;
	char *keyword;			 /* as written */
	uint32_t line, end_line, column; /* 1-based; end_line includes heredoc bodies */
	size_t stage;			 /* index into dockerfile.stages, DF_NO_STAGE before FROM */
	struct df_flag *flags;
	size_t n_flags;
	/* Arguments after the flags as written, continuations joined (no heredoc bodies). */
	char *args;
	bool is_json;  /* exec form: words are the JSON array's strings */
	bool bad_json; /* starts with '[' but is no JSON string array: read as shell form */
	/*
	 * The arguments as words: the JSON strings in exec form; otherwise split on blanks,
	 * with quotes removed and variables substituted where BuildKit substitutes (ADD, COPY,
	 * EXPOSE, FROM, STOPSIGNAL, USER, VOLUME, WORKDIR), as written for RUN, CMD and
	 * ENTRYPOINT (their shell does the substitution). WORKDIR has one word.
	 * HEALTHCHECK: words[0] is "NONE" or "CMD", then the command (see is_json).
	 */
	struct strv words;
	struct df_pair *pairs; /* ARG, ENV, LABEL */
	size_t n_pairs;
	struct df_heredoc *heredocs;
	size_t n_heredocs;
	enum df_kind onbuild; /* ONBUILD: the trigger instruction's kind; args is its text */
	struct strv ignores;  /* ids from `# bulkhead ignore=` / `# hadolint ignore=` above */
};

struct df_stage {
	char *name;	 /* lower-case alias, NULL when the stage has none */
	char *image;	 /* base image after substitution ("" when it expanded to nothing) */
	char *image_raw; /* as written */
	char *platform;	 /* --platform after substitution; NULL */
	size_t from;	 /* index of its FROM in dockerfile.v */
	size_t base;	 /* the earlier stage it is built on, or DF_NO_STAGE */
	size_t index;	 /* position among the stages */
	struct strv env; /* "NAME=value" of ENV in effect at the end of the stage (inherited) */
};

struct dockerfile {
	char escape;  /* '\\' or '`' */
	char *syntax; /* # syntax= value; NULL */
	uint32_t lines;
	struct df_instr *v;
	size_t n, cap;
	struct df_stage *stages;
	size_t n_stages, stages_cap;
};

/*
 * Parse text (the whole file; a UTF-8 byte order mark is skipped). source names it in
 * diagnostics. On success *ret is owned by the caller (df_free()).
 * Errors, with reterr_diag naming line and column: -EBADMSG (unknown instruction, bad
 * flag, missing arguments, SHELL not in JSON form, unterminated heredoc, NUL bytes,
 * invalid UTF-8, bad directive, ${VAR:?message} of an unset variable), -E2BIG (size,
 * line or expansion limit), -ENOMEM.
 */
int df_parse(struct span text, const struct bh_limits *limits, const char *source,
	     struct dockerfile **ret, struct bh_diag *reterr_diag);
void df_free(struct dockerfile *df);
DEFINE_CLEANUP(struct dockerfile *, df_free)

/* The flag named name (without "--") of in; NULL when absent. Borrowed. */
const struct df_flag *df_instr_flag(const struct df_instr *in, const char *name);
/* Value of the ENV name in effect in stage st (inherited included); NULL when unset. */
const char *df_stage_env(const struct df_stage *st, const char *name);

/* ---- shell analysis of RUN (dockerfile-shell.c) ----------------------------------------- */

struct df_cmd {
	struct strv argv; /* words with quotes removed; leading VAR=value assignments dropped */
	bool pipe_in;	  /* stdin comes from a pipe */
	bool pipe_out;	  /* stdout goes into a pipe */
	bool sudo;	  /* was prefixed by sudo (argv is the command sudo runs) */
};

struct df_script {
	struct df_cmd *v;
	size_t n, cap;
	bool has_pipe;
};

/*
 * Split a POSIX shell command line into simple commands at &&, ||, ;, |, &, newlines,
 * parentheses and braces; remove quotes; drop redirections with their targets, leading
 * assignments, shell keywords (if, then, do, ...) and wrappers (sudo, env, nice, time,
 * exec, nohup, command); descend into `sh -c STRING` (bounded depth). Never executes
 * anything; words beyond max_words are dropped. Appends to *s. 0 or -ENOMEM.
 */
int df_script_parse(struct span text, size_t max_words, struct df_script *s);
void df_script_done(struct df_script *s);

/*
 * The commands a RUN executes: its shell-form text, its exec-form argv (a shell with -c
 * is descended into), and heredoc bodies that the shell runs. 0 or -ENOMEM.
 */
int df_instr_script(const struct df_instr *in, struct df_script *s);

/* ---- the linter (dockerfile-rules.c) ------------------------------------------------------ */

struct df_rule {
	const char *id;	      /* "BH-DF-001" */
	const char *hadolint; /* "DL3002"; NULL when hadolint has no such rule */
	enum bh_severity severity;
	const char *title;	 /* short name */
	const char *remediation; /* what to change */
	const char *nist;	 /* "4.1.2,4.4.3" (SP 800-190 sections); NULL */
};

size_t df_rule_count(void);
const struct df_rule *df_rule_at(size_t i);
/* Look up "BH-DF-NNN" or a hadolint code "DLxxxx" (case-insensitive); NULL when unknown. */
const struct df_rule *df_rule_find(const char *id);

struct df_lint_opts {
	const struct strv *ignore;	       /* rule ids (ours or DLxxxx) not to report; NULL */
	const struct strv *allowed_registries; /* BH-DF for DL3026 runs only when non-empty */
};

/*
 * Run every rule over df and append the findings to out (path: the Dockerfile's name for
 * the findings). Findings suppressed by opts->ignore or by ignore comments are counted in
 * out->suppressed. 0 or -ENOMEM.
 */
int df_lint(const struct dockerfile *df, const char *path, const struct df_lint_opts *opts,
	    struct bh_findings *out);
