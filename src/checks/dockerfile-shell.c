/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dockerfile-shell.c — enough of the POSIX shell grammar to see which commands a RUN runs
 * and with which arguments (dockerfile.h, df_script_parse): lists and pipelines, quoting,
 * comments, redirections, heredocs inside scripts, assignments, keywords and wrappers such
 * as sudo or env, and `sh -c STRING`. It is a reader for the lint rules, not an
 * interpreter: nothing is expanded or executed, $(...) stays part of its word.
 */
#include "checks/dockerfile.h"

#define SHELL_MAX_DEPTH 4

struct sh {
	struct df_script *s;
	size_t max_words, words;
	int depth;
	struct df_cmd cur;
	struct buf word;
	bool in_word;	/* a word has started (possibly empty, e.g. "") */
	bool drop_next; /* the next word is a redirection target */
	bool next_pipe_in;
	struct strv heredocs; /* delimiters whose bodies start after the next newline */
	bool heredoc_strip;
};

void df_script_done(struct df_script *s)
{
	for (size_t i = 0; i < s->n; i++)
		strv_done(&s->v[i].argv);
	free(s->v);
	*s = (struct df_script){0};
}

/* "/usr/bin/apt-get" -> "apt-get"; words with substitutions stay whole. */
static const char *base_name(const char *s)
{
	if (strpbrk(s, "$`("))
		return s;
	const char *b = strrchr(s, '/');
	return b && b[1] ? b + 1 : s;
}

static bool is_shell_name(const char *s)
{
	static const char *const shells[] = {"sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"};
	for (size_t i = 0; i < ARRAY_SIZE(shells); i++)
		if (streq(s, shells[i]))
			return true;
	return false;
}

static bool is_assignment(const char *w)
{
	if (!ascii_isalpha(*w) && *w != '_')
		return false;
	while (ascii_isalnum(*w) || *w == '_')
		w++;
	return *w == '=';
}

static int parse_depth(struct span text, size_t max_words, struct df_script *s, int depth);

/* Finish the current simple command: strip what is not the command, store it. */
static int end_command(struct sh *sh, bool pipe_out)
{
	struct df_cmd c = sh->cur;
	sh->cur = (struct df_cmd){0};
	bool pipe_in = sh->next_pipe_in;
	sh->next_pipe_in = pipe_out;
	size_t k = 0;
	char **v = c.argv.v;
	size_t n = c.argv.n;
	bool sudo = false;
	for (;;) {
		while (k < n && (is_assignment(v[k]) || streq(v[k], "!") || streq(v[k], "{") ||
				 streq(v[k], "}") || streq(v[k], "if") || streq(v[k], "then") ||
				 streq(v[k], "else") || streq(v[k], "elif") || streq(v[k], "fi") ||
				 streq(v[k], "do") || streq(v[k], "done") || streq(v[k], "while") ||
				 streq(v[k], "until") || streq(v[k], "esac")))
			k++;
		if (k >= n)
			break;
		const char *w = base_name(v[k]);
		if (streq(w, "for") || streq(w, "case") || streq(w, "function")) {
			k = n; /* loop headers run nothing themselves */
			break;
		}
		if (streq(w, "sudo") || streq(w, "doas")) {
			sudo = true;
			k++;
			while (k < n && v[k][0] == '-') {
				bool arg = streq(v[k], "-u") || streq(v[k], "-g") ||
					   streq(v[k], "-C") || streq(v[k], "-h") ||
					   streq(v[k], "-p");
				k += 1 + arg;
			}
			continue;
		}
		if (streq(w, "env")) {
			k++;
			while (k < n && (v[k][0] == '-' || is_assignment(v[k])))
				k += 1 + (streq(v[k], "-u") || streq(v[k], "-C"));
			continue;
		}
		if (streq(w, "nice") || streq(w, "nohup") || streq(w, "exec") ||
		    streq(w, "command") || streq(w, "time") || streq(w, "stdbuf") ||
		    streq(w, "ionice") || streq(w, "timeout") || streq(w, "chronic") ||
		    streq(w, "eatmydata")) {
			bool takes = streq(w, "timeout");
			k++;
			while (k < n && v[k][0] == '-')
				k += 1 + (streq(v[k], "-n") || streq(v[k], "-s") ||
					  streq(v[k], "-k") || streq(v[k], "-c"));
			if (takes && k < n)
				k++;
			continue;
		}
		break;
	}
	int r = 0;
	if (k < n && is_shell_name(base_name(v[k])) && sh->depth < SHELL_MAX_DEPTH) {
		for (size_t j = k + 1; j < n; j++) {
			if (v[j][0] != '-' || v[j][1] == '-')
				break;
			if (strchr(v[j], 'c') && j + 1 < n) {
				r = parse_depth(span_from(v[j + 1]), sh->max_words, sh->s,
						sh->depth + 1);
				strv_done(&c.argv);
				return r;
			}
		}
	}
	if (k >= n) {
		strv_done(&c.argv);
		return 0;
	}
	struct df_cmd out = {.pipe_in = pipe_in, .pipe_out = pipe_out, .sudo = sudo};
	for (size_t j = k; r >= 0 && j < n; j++)
		r = strv_push(&out.argv, j == k ? base_name(v[j]) : v[j]);
	strv_done(&c.argv);
	if (r >= 0)
		r = GROW(sh->s->v, sh->s->n, sh->s->cap);
	if (r < 0) {
		strv_done(&out.argv);
		return r;
	}
	sh->s->v[sh->s->n++] = out;
	if (pipe_out || pipe_in)
		sh->s->has_pipe = true;
	return 0;
}

static int end_word(struct sh *sh)
{
	if (!sh->in_word)
		return 0;
	sh->in_word = false;
	int r = 0;
	if (sh->drop_next) {
		sh->drop_next = false;
		if (sh->heredocs.n && sh->heredocs.v[sh->heredocs.n - 1][0] == '\0') {
			/* the word after "<<": the heredoc delimiter */
			free(sh->heredocs.v[sh->heredocs.n - 1]);
			sh->heredocs.v[sh->heredocs.n - 1] = buf_take(&sh->word);
			return sh->heredocs.v[sh->heredocs.n - 1] ? 0 : -ENOMEM;
		}
	} else if (sh->words < sh->max_words) {
		sh->words++;
		r = strv_push(&sh->cur.argv, buf_str(&sh->word));
	}
	buf_clear(&sh->word);
	return r;
}

/* Skip a heredoc body: lines after pos until one equal to delim. Returns the new pos. */
static size_t skip_heredoc(struct span t, size_t pos, const char *delim, bool strip)
{
	while (pos < t.len) {
		size_t e = pos;
		while (e < t.len && t.ptr[e] != '\n')
			e++;
		struct span l = span_slice(t, pos, e - pos);
		if (l.len && l.ptr[l.len - 1] == '\r')
			l.len--;
		if (strip)
			while (l.len && l.ptr[0] == '\t')
				l = span_slice(l, 1, l.len - 1);
		pos = e < t.len ? e + 1 : e;
		if (span_eq_str(l, delim))
			break;
	}
	return pos;
}

static int putc_word(struct sh *sh, char c)
{
	sh->in_word = true;
	return buf_putc(&sh->word, c);
}

static int parse_depth(struct span t, size_t max_words, struct df_script *s, int depth)
{
	struct sh sh = {.s = s, .max_words = max_words, .depth = depth};
	buf_init(&sh.word, 1 << 20);
	int r = 0;
	size_t i = 0;
	while (r >= 0 && i < t.len) {
		char c = t.ptr[i];
		if (c == '\\' && i + 1 < t.len) {
			if (t.ptr[i + 1] == '\n') { /* line continuation */
				i += 2;
				continue;
			}
			r = putc_word(&sh, t.ptr[i + 1]);
			i += 2;
		} else if (c == '\'') {
			sh.in_word = true;
			size_t e = i + 1;
			while (e < t.len && t.ptr[e] != '\'')
				e++;
			r = buf_append(&sh.word, t.ptr + i + 1, e - i - 1);
			i = e + 1;
		} else if (c == '"') {
			sh.in_word = true;
			i++;
			while (r >= 0 && i < t.len && t.ptr[i] != '"') {
				if (t.ptr[i] == '\\' && i + 1 < t.len &&
				    strchr("\"\\$`\n", t.ptr[i + 1]))
					i++;
				r = buf_putc(&sh.word, t.ptr[i]);
				i++;
			}
			i++;
		} else if (c == '$' && i + 1 < t.len && t.ptr[i + 1] == '(') {
			/* $(...) and $((...)) stay inside the word, nesting counted */
			int d = 0;
			r = putc_word(&sh, '$');
			i++;
			do {
				if (t.ptr[i] == '(')
					d++;
				else if (t.ptr[i] == ')')
					d--;
				if (r >= 0)
					r = putc_word(&sh, t.ptr[i]);
				i++;
			} while (r >= 0 && i < t.len && d > 0);
		} else if (c == '`') {
			size_t e = i + 1;
			while (e < t.len && t.ptr[e] != '`')
				e++;
			sh.in_word = true;
			r = buf_append(&sh.word, t.ptr + i, MIN(e + 1, t.len) - i);
			i = e + 1;
		} else if (c == '#' && !sh.in_word) {
			while (i < t.len && t.ptr[i] != '\n')
				i++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			r = end_word(&sh);
			i++;
		} else if (c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
			bool pipe = c == '|' && !(i + 1 < t.len && t.ptr[i + 1] == '|');
			if (c == '&' && i + 1 < t.len && t.ptr[i + 1] == '>') {
				/* &> file */
				r = end_word(&sh);
				i += 2 + (i + 2 < t.len && t.ptr[i + 2] == '>');
				sh.drop_next = true;
				continue;
			}
			r = end_word(&sh);
			if (r >= 0)
				r = end_command(&sh, pipe);
			if ((c == '&' || c == '|') && i + 1 < t.len &&
			    (t.ptr[i + 1] == c || (c == '|' && t.ptr[i + 1] == '&')))
				i++;
			i++;
			if (c == '\n' && sh.heredocs.n) {
				for (size_t h = 0; h < sh.heredocs.n; h++)
					i = skip_heredoc(t, i, sh.heredocs.v[h], sh.heredoc_strip);
				strv_done(&sh.heredocs);
			}
		} else if (c == '>' || c == '<') {
			/* redirection: an fd number before it belongs to it */
			bool digits = sh.in_word && sh.word.len > 0;
			for (size_t k = 0; digits && k < sh.word.len; k++)
				digits = ascii_isdigit(sh.word.ptr[k]);
			if (digits) {
				buf_clear(&sh.word);
				sh.in_word = false;
			} else
				r = end_word(&sh);
			if (c == '<' && i + 1 < t.len && t.ptr[i + 1] == '(') {
				/* <(...) process substitution: a word */
				int d = 0;
				i++;
				r = putc_word(&sh, '<');
				do {
					if (t.ptr[i] == '(')
						d++;
					else if (t.ptr[i] == ')')
						d--;
					if (r >= 0)
						r = putc_word(&sh, t.ptr[i]);
					i++;
				} while (r >= 0 && i < t.len && d > 0);
				continue;
			}
			bool heredoc = c == '<' && i + 1 < t.len && t.ptr[i + 1] == '<' &&
				       !(i + 2 < t.len && t.ptr[i + 2] == '<');
			i++;
			while (i < t.len && (t.ptr[i] == '>' || t.ptr[i] == '<' || t.ptr[i] == '|'))
				i++;
			if (heredoc && i < t.len && t.ptr[i] == '-') {
				sh.heredoc_strip = true;
				i++;
			}
			if (i < t.len && t.ptr[i] == '&') {
				/* >&2, <&-: the target is an fd */
				i++;
				while (i < t.len && (ascii_isdigit(t.ptr[i]) || t.ptr[i] == '-'))
					i++;
				continue;
			}
			if (heredoc && r >= 0)
				r = strv_push(&sh.heredocs, "");
			sh.drop_next = true;
			while (i < t.len && (t.ptr[i] == ' ' || t.ptr[i] == '\t'))
				i++;
		} else {
			r = putc_word(&sh, c);
			i++;
		}
	}
	if (r >= 0)
		r = end_word(&sh);
	if (r >= 0)
		r = end_command(&sh, false);
	strv_done(&sh.cur.argv);
	strv_done(&sh.heredocs);
	buf_done(&sh.word);
	return r == -E2BIG ? 0 : r; /* an absurd word is cut, not an error */
}

int df_script_parse(struct span text, size_t max_words, struct df_script *s)
{
	return parse_depth(text, max_words, s, 0);
}

int df_instr_script(const struct df_instr *in, struct df_script *s)
{
	const size_t max_words = 1 << 16;
	if (in->is_json) {
		const struct strv *w = &in->words;
		if (!w->n)
			return 0;
		/* ["sh", "-c", "script"]: the script */
		if (is_shell_name(base_name(w->v[0])))
			for (size_t j = 1; j + 1 < w->n && w->v[j][0] == '-'; j++)
				if (strchr(w->v[j], 'c'))
					return df_script_parse(span_from(w->v[j + 1]), max_words,
							       s);
		struct df_cmd c = {0};
		int r = 0;
		for (size_t j = 0; r >= 0 && j < w->n; j++)
			r = strv_push(&c.argv, j ? w->v[j] : base_name(w->v[j]));
		if (r >= 0)
			r = GROW(s->v, s->n, s->cap);
		if (r < 0) {
			strv_done(&c.argv);
			return r;
		}
		s->v[s->n++] = c;
		return 0;
	}
	size_t before = s->n;
	int r = df_script_parse(span_from(in->args), max_words, s);
	if (r < 0 || !in->n_heredocs)
		return r;
	/* The bodies are scripts when the shell reads them: "RUN <<EOF" or "RUN bash <<EOF". */
	bool shell_reads =
	    s->n == before || (s->n == before + 1 && is_shell_name(s->v[before].argv.v[0]) &&
			       s->v[before].argv.n == 1);
	if (!shell_reads)
		return 0;
	if (s->n == before + 1) {
		strv_done(&s->v[before].argv);
		s->n = before;
	}
	for (size_t h = 0; r >= 0 && h < in->n_heredocs; h++)
		r = df_script_parse(span_from(in->heredocs[h].body), max_words, s);
	return r;
}
