/* SPDX-License-Identifier: Apache-2.0 */
/*
 * imgconfig.c — see imgconfig.h. The rule table (one row per rule: id, title, default
 * severity, remediation, compliance, references), the driver, and the rules that read only
 * the image config and names: root user, HEALTHCHECK, secrets in ENV, remote ADD in history,
 * sensitive exposed ports, untagged/latest image and base image. The file-system rules are
 * in imgconfig-fs.c, the clock-dependent ones in imgconfig-eol.c.
 *
 * References: CIS Docker Benchmark v1.6.0 section 4 (container images and build file:
 * 4.1 user, 4.2 trusted base images, 4.3 unnecessary packages, 4.4 scanned and rebuilt,
 * 4.6 HEALTHCHECK, 4.8 setuid/setgid, 4.9 COPY instead of ADD, 4.10 secrets in Dockerfiles)
 * and NIST SP 800-190 section 4.1 (image countermeasures: 4.1.1 vulnerabilities, 4.1.2
 * configuration defects, 4.1.3 embedded malware, 4.1.4 embedded clear-text secrets, 4.1.5
 * untrusted images).
 *
 * Must not: put an environment value or URL credentials in a message or evidence.
 */
#include <stdarg.h>

#include "checks/imgconfig-int.h"
#include "common/json.h"

#define CIS(x)	 "CIS-DOCKER-1.6:" x
#define NIST(x)	 "NIST-800-190:" x
#define NIST_URL "https://doi.org/10.6028/NIST.SP.800-190"
#define DF_URL	 "https://docs.docker.com/reference/dockerfile/"

static const struct imgcfg_rule_info rules[_R_MAX] = {
    [R_ROOT_USER] = {"BH-IMG-001",
		     "Image runs as root",
		     BH_SEV_MEDIUM,
		     "create an unprivileged user in the Dockerfile and switch to it with USER "
		     "(a numeric UID, e.g. USER 10001)",
		     {CIS("4.1"), NIST("4.1.2")},
		     {DF_URL "#user", NIST_URL}},
    [R_NO_HEALTHCHECK] = {"BH-IMG-002",
			  "No HEALTHCHECK",
			  BH_SEV_LOW,
			  "add a HEALTHCHECK instruction (or define liveness/readiness probes "
			  "where the orchestrator ignores it)",
			  {CIS("4.6"), NIST("4.1.2")},
			  {DF_URL "#healthcheck"}},
    [R_ENV_SECRET] = {"BH-IMG-003",
		      "Secret in an environment variable",
		      BH_SEV_HIGH,
		      "remove the value from ENV/ARG, rotate the credential, and pass it at run "
		      "time (secret mounts, orchestrator secrets, RUN --mount=type=secret)",
		      {CIS("4.10"), NIST("4.1.4")},
		      {DF_URL "#env", NIST_URL}},
    [R_REMOTE_ADD] = {"BH-IMG-004",
		      "ADD from a remote URL",
		      BH_SEV_MEDIUM,
		      "download with a verified checksum (ADD --checksum=sha256:…, or curl + "
		      "sha256sum -c in RUN) or COPY a vetted file from the build context",
		      {CIS("4.9"), NIST("4.1.5"), NIST("4.1.3")},
		      {DF_URL "#add", NIST_URL}},
    [R_SENSITIVE_PORT] = {"BH-IMG-005",
			  "Sensitive port exposed",
			  BH_SEV_MEDIUM,
			  "do not EXPOSE administrative or unauthenticated services; publish "
			  "them only on private networks, with authentication and TLS",
			  {NIST("4.1.2")},
			  {DF_URL "#expose"}},
    [R_SETUID] = {"BH-IMG-006",
		  "setuid/setgid file",
		  BH_SEV_LOW,
		  "remove the setuid/setgid bits in the build (chmod u-s,g-s) unless the "
		  "program must raise privileges",
		  {CIS("4.8"), NIST("4.1.2")},
		  {NIST_URL}},
    [R_WW_DIR] = {"BH-IMG-007",
		  "World-writable directory without sticky bit",
		  BH_SEV_MEDIUM,
		  "chmod o-w the directory, or set the sticky bit (chmod +t) where every user "
		  "must be able to create files",
		  {NIST("4.1.2")},
		  {NIST_URL}},
    [R_WW_FILE] = {"BH-IMG-008",
		   "World-writable file",
		   BH_SEV_LOW,
		   "chmod o-w the file",
		   {NIST("4.1.2")},
		   {NIST_URL}},
    [R_PKG_MANAGER] = {"BH-IMG-009",
		       "Package manager in the image",
		       BH_SEV_LOW,
		       "use a multi-stage build and copy only the application into a minimal "
		       "or distroless final stage, or remove the package manager last",
		       {CIS("4.3"), NIST("4.1.2")},
		       {NIST_URL}},
    [R_SHELL] = {"BH-IMG-010",
		 "Shell in the image",
		 BH_SEV_INFO,
		 "use a distroless or scratch final stage when the application does not "
		 "need a shell",
		 {CIS("4.3"), NIST("4.1.2")},
		 {NIST_URL}},
    [R_BUILD_TOOL] = {"BH-IMG-011",
		      "Compiler or build tool in the image",
		      BH_SEV_LOW,
		      "build in an earlier stage of a multi-stage build and copy only the "
		      "artefacts into the final stage",
		      {CIS("4.3"), NIST("4.1.2")},
		      {DF_URL "#from", NIST_URL}},
    [R_DEBUGGER] = {"BH-IMG-012",
		    "Debugger or tracer in the image",
		    BH_SEV_LOW,
		    "remove debugging tools from production images; attach them with an "
		    "ephemeral debug container when needed",
		    {CIS("4.3"), NIST("4.1.2")},
		    {NIST_URL}},
    [R_NET_TOOL] = {"BH-IMG-013",
		    "Network tool in the image",
		    BH_SEV_LOW,
		    "remove download and remote-access tools the application does not use "
		    "(curl, wget, nc, ssh, …) from the final stage",
		    {CIS("4.3"), NIST("4.1.2")},
		    {NIST_URL}},
    [R_IMAGE_TAG] = {"BH-IMG-014",
		     "Image has no version tag",
		     BH_SEV_LOW,
		     "tag the image with an immutable version and deploy it by digest",
		     {NIST("4.1.5")},
		     {NIST_URL}},
    [R_BASE_TAG] = {"BH-IMG-015",
		    "Base image untagged or \"latest\"",
		    BH_SEV_MEDIUM,
		    "pin FROM to a version tag and digest (FROM image:1.2@sha256:…)",
		    {CIS("4.2"), NIST("4.1.5")},
		    {"https://github.com/opencontainers/image-spec/blob/main/annotations.md",
		     NIST_URL}},
    [R_IMAGE_AGE] = {"BH-IMG-016",
		     "Image is old",
		     BH_SEV_LOW,
		     "rebuild the image regularly on a patched base image",
		     {CIS("4.4"), NIST("4.1.1")},
		     {NIST_URL}},
    [R_EOL] = {"BH-IMG-017",
	       "End-of-life distribution release",
	       BH_SEV_HIGH,
	       "rebuild on a supported release of the distribution",
	       {CIS("4.4"), NIST("4.1.1")},
	       {NIST_URL}},
};

size_t imgcfg_rule_count(void)
{
	return _R_MAX;
}

const struct imgcfg_rule_info *imgcfg_rule(size_t i)
{
	return i < _R_MAX ? &rules[i] : NULL;
}

int imgcfg_emit(struct imgcfg_ctx *x, enum imgcfg_rule_idx r, enum bh_severity sev,
		const char *file_path, int layer, json_t *evidence_take, const char *fmt, ...)
{
	const struct imgcfg_rule_info *ri = &rules[r];
	struct bh_finding f = {
	    .kind = "misconfiguration",
	    .severity = sev == BH_SEV_UNKNOWN ? ri->severity : sev,
	    .evidence = evidence_take,
	};
	struct buf m;
	buf_init(&m, 0);
	va_list ap;
	va_start(ap, fmt);
	int rc = buf_vprintf(&m, fmt, ap);
	va_end(ap);
	if (rc >= 0)
		f.message = buf_take(&m);
	buf_done(&m);
	rc = f.message ? 0 : -ENOMEM;
	if (rc >= 0 && (!(f.rule_id = strdup(ri->id)) || !(f.rule_title = strdup(ri->title)) ||
			!(f.remediation = strdup(ri->remediation))))
		rc = -ENOMEM;
	for (size_t i = 0; rc >= 0 && i < ARRAY_SIZE(ri->compliance) && ri->compliance[i]; i++)
		rc = strv_push(&f.compliance, ri->compliance[i]);
	for (size_t i = 0; rc >= 0 && i < ARRAY_SIZE(ri->refs) && ri->refs[i]; i++)
		rc = strv_push(&f.refs, ri->refs[i]);
	if (rc >= 0 && file_path) {
		struct buf p;
		buf_init(&p, 0);
		rc = buf_putc(&p, '/') ?: buf_puts(&p, file_path);
		f.path = rc >= 0 ? buf_take(&p) : NULL;
		buf_done(&p);
		if (!f.path)
			rc = -ENOMEM;
	}
	const struct img *img = x->img;
	if (rc >= 0 && layer >= 0 && (size_t)layer < img->n_layers && img->layers[layer].digest &&
	    !(f.layer = strdup(img->layers[layer].digest)))
		rc = -ENOMEM;
	if (rc < 0) {
		bh_finding_done(&f);
		return rc;
	}
	return bh_findings_add_take(&x->out, &f);
}

/* ---- BH-IMG-001: root user ------------------------------------------------------------------ */

/*
 * UID of user name in the image's etc/passwd (name:password:UID:GID:…), when the file was
 * captured (the os cataloger wants it). 1 found, 0 unknown (no file, no such user, bad UID).
 */
static int passwd_uid(const struct img *img, struct span name, uint64_t *ret_uid)
{
	const struct img_file *f;
	if (!img->fs || img_fs_resolve(img->fs, "etc/passwd", &f) < 0 || f->type != IMG_FT_REG)
		return 0;
	const struct img_blob *b = f->content;
	while (b && b->owner != -1)
		b = b->next;
	if (!b)
		return 0;
	struct span text = span_make(b->data, b->len), line;
	while (span_next_line(&text, &line) == 0) {
		struct span user, rest, pw, uid;
		if (!span_cut(line, ':', &user, &rest) || !span_eq(user, name) ||
		    !span_cut(rest, ':', &pw, &rest))
			continue;
		if (!span_cut(rest, ':', &uid, &rest))
			uid = rest;
		return parse_u64(uid, 10, UINT32_MAX, ret_uid) == 0;
	}
	return 0;
}

static int check_root_user(struct imgcfg_ctx *x)
{
	const char *raw = x->img->config.user ? x->img->config.user : "";
	struct span spec = span_trim(span_from(raw)), user = spec, group = SPAN_NULL;
	(void)span_cut(spec, ':', &user, &group);
	const char *why;
	uint64_t uid = 0;
	bool named_uid0 = false;
	if (user.len == 0)
		why = "no USER is set, so processes run as root";
	else if (span_eq_str(user, "root"))
		why = "USER is root";
	else if (parse_u64(user, 10, UINT32_MAX, &uid) == 0) {
		if (uid != 0)
			return 0;
		why = "USER is UID 0";
	} else if (passwd_uid(x->img, user, &uid) && uid == 0) {
		why = "USER names an account with UID 0 in /etc/passwd";
		named_uid0 = true;
	} else
		return 0; /* a non-root name, or a name we cannot resolve */

	json_t *ev = json_object();
	int r = ev ? 0 : -ENOMEM;
	if (r >= 0)
		r = bh_json_set_str(ev, "user", raw);
	if (r >= 0)
		r = bh_json_set_new(ev, "uid", json_integer(0));
	if (r >= 0 && named_uid0)
		r = bh_json_set_str(ev, "uid_source", "/etc/passwd");
	if (r < 0) {
		json_decref(ev);
		return r;
	}
	if (user.len == 0)
		return imgcfg_emit(x, R_ROOT_USER, BH_SEV_UNKNOWN, NULL, -1, ev, "%s", why);
	return imgcfg_emit(x, R_ROOT_USER, BH_SEV_UNKNOWN, NULL, -1, ev, "%s ('%s')", why, raw);
}

/* ---- BH-IMG-002: HEALTHCHECK ----------------------------------------------------------------- */

static int check_healthcheck(struct imgcfg_ctx *x)
{
	const struct img_config *c = &x->img->config;
	bool disabled =
	    c->has_healthcheck && c->healthcheck.n > 0 && streq(c->healthcheck.v[0], "NONE");
	if (c->has_healthcheck && c->healthcheck.n > 0 && !disabled)
		return 0;
	json_t *ev = json_object(), *test = json_array();
	int r = ev && test ? 0 : -ENOMEM;
	for (size_t i = 0; r >= 0 && i < c->healthcheck.n; i++)
		r = bh_json_append_str(test, c->healthcheck.v[i]);
	if (r >= 0)
		r = bh_json_set_new(ev, "healthcheck",
				    c->has_healthcheck ? json_incref(test) : json_null());
	json_decref(test);
	if (r < 0) {
		json_decref(ev);
		return r;
	}
	return imgcfg_emit(x, R_NO_HEALTHCHECK, BH_SEV_UNKNOWN, NULL, -1, ev, "%s",
			   disabled ? "the HEALTHCHECK is disabled (HEALTHCHECK NONE)"
				    : "the image defines no HEALTHCHECK");
}

/* ---- BH-IMG-003: secrets in ENV ------------------------------------------------------------ */

static bool has_token(struct span name, const char *tok)
{
	size_t n = strlen(tok);
	for (size_t i = 0; i + n <= name.len; i++)
		if ((i == 0 || name.ptr[i - 1] == '_') && memcmp(name.ptr + i, tok, n) == 0 &&
		    (i + n == name.len || name.ptr[i + n] == '_'))
			return true;
	return false;
}

static bool has_sub(struct span name, const char *sub)
{
	return memmem(name.ptr, name.len, sub, strlen(sub)) != NULL;
}

/*
 * Does a variable of this name (upper-cased, '-' and '.' as '_') hold a credential? A
 * keyword anywhere in the name, unless the last word says the value only describes or
 * points to one (…_FILE, …_PATH, …_URL, …_TTL, …_ID).
 */
static bool secret_name(struct span n)
{
	static const char *const keywords[] = {
	    "PASSWORD", "PASSWD",     "PASSPHRASE",	"SECRET",      "TOKEN",
	    "API_KEY",	"APIKEY",     "PRIVATE_KEY",	"PRIVATEKEY",  "ACCESS_KEY",
	    "AUTH_KEY", "CREDENTIAL", "ENCRYPTION_KEY", "SIGNING_KEY", "MASTER_KEY",
	};
	static const char *const words[] = {"PWD", "PASS", "PASSWD"};
	static const char *const not_values[] = {
	    "FILE",	"PATH",	     "DIR",	  "URL",      "URI",	    "ENDPOINT", "HOST",
	    "PORT",	"NAME",	     "USER",	  "USERNAME", "ID",	    "TYPE",	"LENGTH",
	    "LEN",	"TTL",	     "EXPIRY",	  "EXPIRES",  "EXPIRATION", "TIMEOUT",	"HEADER",
	    "ENABLED",	"ENABLE",    "DISABLED",  "REQUIRED", "MIN",	    "MAX",	"POLICY",
	    "FORMAT",	"ALGORITHM", "ALG",	  "VERSION",  "PREFIX",	    "MODE",	"COMMAND",
	    "CMD",	"SCOPE",     "SCOPES",	  "AUDIENCE", "ISSUER",	    "FIELD",	"LOCATION",
	    "FILENAME", "REF",	     "NAMESPACE", "ROTATION", "METHOD",	    "KEYRING",	"STORE",
	};
	if (span_eq_str(n, "PWD") || span_eq_str(n, "OLDPWD"))
		return false; /* the shell's working directory */
	bool hit = false;
	for (size_t i = 0; !hit && i < ARRAY_SIZE(keywords); i++)
		hit = has_sub(n, keywords[i]);
	for (size_t i = 0; !hit && i < ARRAY_SIZE(words); i++)
		hit = has_token(n, words[i]);
	if (!hit)
		return false;
	ssize_t us = -1;
	for (size_t i = 0; i < n.len; i++)
		if (n.ptr[i] == '_')
			us = (ssize_t)i;
	if (us < 0)
		return true;
	struct span last = span_slice(n, (size_t)us + 1, n.len - (size_t)us - 1);
	for (size_t i = 0; i < ARRAY_SIZE(not_values); i++)
		if (span_eq_str(last, not_values[i]))
			return false;
	return true;
}

static bool span_eq_nocase_str(struct span a, const char *s)
{
	return span_eq_nocase(a, span_from(s));
}

static bool starts_nocase(struct span s, const char *p)
{
	size_t n = strlen(p);
	return s.len >= n && span_eq_nocase(span_slice(s, 0, n), span_make(p, n));
}

/*
 * Is v not a secret itself: empty, a scalar that configures rather than authenticates
 * (booleans, none, short numbers), a placeholder meant to be replaced (changeme, <…>,
 * your_…, xxxx, ****), or a reference resolved elsewhere ($VAR, ${VAR}, {{ … }}, %VAR%,
 * a path such as /run/secrets/db, vault:…, arn:aws:secretsmanager:…)?
 */
static bool placeholder_value(struct span v)
{
	static const char *const words[] = {
	    "none",	 "null",	"nil",	     "undefined",  "false",	 "true",
	    "yes",	 "no",		"on",	     "off",	   "changeme",	 "change_me",
	    "change-me", "changeit",	"replaceme", "replace_me", "replace-me", "todo",
	    "tbd",	 "placeholder", "example",   "dummy",	   "redacted",	 "empty",
	};
	static const char *const refs[] = {
	    "file:",	    "vault:",  "ref+",	"arn:aws:secretsmanager:",
	    "arn:aws:ssm:", "sm://",   "op://", "secret:",
	    "secrets:",	    "env:",    "k8s:",	"gcp:",
	    "azure:",	    "awskms:", "ssm:",
	};
	v = span_trim(v);
	if (v.len == 0)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (span_eq_nocase_str(v, words[i]))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(refs); i++)
		if (starts_nocase(v, refs[i]))
			return true;
	bool digits = true, filler = true;
	for (size_t i = 0; i < v.len; i++) {
		char c = v.ptr[i];
		digits = digits && ascii_isdigit(c);
		filler = filler && (c == 'x' || c == 'X' || c == '*' || c == '.' || c == '-' ||
				    c == '_' || c == '#' || c == '?');
	}
	if ((digits && v.len <= 4) || filler)
		return true;
	char c0 = v.ptr[0], cl = v.ptr[v.len - 1];
	if (c0 == '/' || (c0 == '<' && cl == '>') || (c0 == '%' && cl == '%' && v.len > 2) ||
	    (c0 == '@' && cl == '@' && v.len > 2) || span_startswith(v, "{{"))
		return true;
	if (c0 == '$' && v.len > 1 &&
	    (v.ptr[1] == '{' || v.ptr[1] == '(' || v.ptr[1] == '_' || ascii_isalpha(v.ptr[1])))
		return true;
	if (starts_nocase(v, "your") && v.len > 4 &&
	    (v.ptr[4] == '_' || v.ptr[4] == '-' || v.ptr[4] == ' ' || v.ptr[4] == '.'))
		return true;
	return false;
}

/*
 * The redacted form used in messages and evidence: the first 2 characters (only for values
 * of 8 or more bytes, and only printable ASCII, else '?') and "…". Never more.
 */
static int redact(struct span v, struct buf *out)
{
	if (v.len < 8)
		return buf_puts(out, "…");
	for (size_t i = 0; i < 2; i++) {
		int r = buf_putc(out, ascii_isprint(v.ptr[i]) ? v.ptr[i] : '?');
		if (r < 0)
			return r;
	}
	return buf_puts(out, "…");
}

static int check_env_secrets(struct imgcfg_ctx *x)
{
	const struct strv *env = &x->img->config.env;
	for (size_t i = 0; i < env->n; i++) {
		struct span name, value;
		if (!span_cut(span_from(env->v[i]), '=', &name, &value) || name.len == 0)
			continue;
		char norm[256];
		if (name.len >= sizeof(norm))
			continue; /* no real variable name is this long */
		for (size_t k = 0; k < name.len; k++) {
			char c = name.ptr[k];
			norm[k] = (c == '-' || c == '.')
				      ? '_'
				      : (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
		}
		if (!secret_name(span_make(norm, name.len)) || placeholder_value(value))
			continue;
		_cleanup_buf_ struct buf red;
		buf_init(&red, 64);
		_cleanup_free_ char *var = span_dup(name);
		json_t *ev = json_object();
		int r = var && ev ? 0 : -ENOMEM;
		if (r >= 0)
			r = redact(value, &red);
		if (r >= 0)
			r = bh_json_set_str(ev, "variable", var);
		if (r >= 0)
			r = bh_json_set_new(ev, "index", json_integer((json_int_t)i));
		if (r >= 0)
			r = bh_json_set_str(ev, "value_redacted", buf_str(&red));
		if (r >= 0)
			r = bh_json_set_new(ev, "value_length",
					    json_integer((json_int_t)value.len));
		if (r < 0) {
			json_decref(ev);
			return r;
		}
		r = imgcfg_emit(x, R_ENV_SECRET, BH_SEV_UNKNOWN, NULL, -1, ev,
				"environment variable %s holds what looks like a secret (%s, %zu "
				"characters) in the image config",
				var, buf_str(&red), value.len);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- BH-IMG-004: ADD from a remote URL -------------------------------------------------- */

static bool remote_source(struct span t)
{
	return starts_nocase(t, "http://") || starts_nocase(t, "https://") ||
	       starts_nocase(t, "git://") || starts_nocase(t, "git@") || starts_nocase(t, "ssh://");
}

/* The URL without credentials (user:pass@ → ***@) or query string (?… → ?…). */
static int redact_url(struct span u, struct buf *out)
{
	ssize_t q = span_index(u, '?');
	if (q >= 0)
		u = span_slice(u, 0, (size_t)q);
	ssize_t scheme = -1;
	for (size_t i = 0; i + 2 < u.len; i++)
		if (u.ptr[i] == ':' && u.ptr[i + 1] == '/' && u.ptr[i + 2] == '/') {
			scheme = (ssize_t)i + 3;
			break;
		}
	int r = 0;
	if (scheme >= 0) {
		struct span rest = span_slice(u, (size_t)scheme, u.len - (size_t)scheme);
		ssize_t slash = span_index(rest, '/'), at = span_index(rest, '@');
		if (at >= 0 && (slash < 0 || at < slash)) {
			r = buf_append(out, u.ptr, (size_t)scheme) ?: buf_puts(out, "***");
			u = span_slice(rest, (size_t)at, rest.len - (size_t)at);
		}
	}
	if (r >= 0)
		r = buf_append_span(out, u);
	if (r >= 0 && q >= 0)
		r = buf_puts(out, "?…");
	return r;
}

/*
 * The instruction of a history line, if it is an ADD: "/bin/sh -c #(nop) ADD src in dst"
 * (classic builder), "ADD --checksum=… src dst # buildkit" (BuildKit), "ADD src dst".
 */
static bool history_add_args(const char *created_by, struct span *ret_args)
{
	struct span s = span_trim(span_from(created_by));
	if (span_startswith(s, "/bin/sh -c "))
		s = span_trim(span_slice(s, 11, s.len - 11));
	if (span_startswith(s, "#(nop)"))
		s = span_trim(span_slice(s, 6, s.len - 6));
	if (!starts_nocase(s, "ADD") || s.len < 4 || !ascii_isspace(s.ptr[3]))
		return false;
	s = span_trim(span_slice(s, 4, s.len - 4));
	if (span_endswith(s, "# buildkit"))
		s = span_trim(span_slice(s, 0, s.len - 10));
	*ret_args = s;
	return true;
}

static int check_remote_add(struct imgcfg_ctx *x)
{
	const struct img_config *c = &x->img->config;
	int layer = 0;
	for (size_t i = 0; i < c->n_history; i++) {
		const struct img_history *h = &c->history[i];
		int this_layer = h->empty_layer ? -1 : layer;
		if (!h->empty_layer)
			layer++;
		struct span args;
		if (!h->created_by || !history_add_args(h->created_by, &args))
			continue;
		bool checksum = false;
		json_t *urls = json_array();
		if (!urls)
			return -ENOMEM;
		_cleanup_buf_ struct buf first;
		buf_init(&first, 0);
		struct span tok;
		int r = 0;
		while (r >= 0 && span_next_token(&args, ' ', &tok) == 0) {
			tok = span_trim(tok);
			/* JSON form: ["src", "dst"] */
			while (tok.len && (tok.ptr[0] == '[' || tok.ptr[0] == '"'))
				tok = span_slice(tok, 1, tok.len - 1);
			while (tok.len &&
			       (tok.ptr[tok.len - 1] == ']' || tok.ptr[tok.len - 1] == ',' ||
				tok.ptr[tok.len - 1] == '"'))
				tok.len--;
			if (span_startswith(tok, "--checksum="))
				checksum = true;
			if (span_startswith(tok, "--") || !remote_source(tok))
				continue;
			_cleanup_buf_ struct buf u;
			buf_init(&u, 0);
			r = redact_url(tok, &u) ?: bh_json_append_str(urls, buf_str(&u));
			if (r >= 0 && first.len == 0)
				r = buf_puts(&first, buf_str(&u));
		}
		if (r < 0 || json_array_size(urls) == 0) {
			json_decref(urls);
			if (r < 0)
				return r;
			continue;
		}
		size_t n_urls = json_array_size(urls);
		json_t *ev = json_object();
		r = ev ? bh_json_set_new(ev, "urls", urls) : (json_decref(urls), -ENOMEM);
		if (r >= 0)
			r = bh_json_set_new(ev, "history_index", json_integer((json_int_t)i));
		if (r >= 0)
			r = bh_json_set_new(ev, "checksum", json_boolean(checksum));
		if (r >= 0)
			r = bh_json_set_str_opt(ev, "created", h->created);
		if (r < 0) {
			json_decref(ev);
			return r;
		}
		r = imgcfg_emit(x, R_REMOTE_ADD, checksum ? BH_SEV_LOW : BH_SEV_MEDIUM, NULL,
				this_layer, ev, "history entry %zu ADDs the remote URL '%s'%s%s", i,
				buf_str(&first), n_urls > 1 ? " (and more)" : "",
				checksum ? " (with --checksum)" : " without a checksum");
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- BH-IMG-005: sensitive exposed ports ------------------------------------------------ */

struct port_info {
	uint16_t port;
	const char *proto; /* "tcp", "udp", NULL = either */
	const char *service;
	enum bh_severity severity;
	const char *reason;
};

/* Documented in docs/image-config-checks.md; keep both in step. */
static const struct port_info ports[] = {
    {21, "tcp", "ftp", BH_SEV_MEDIUM, "FTP sends credentials and data in clear text"},
    {22, "tcp", "ssh", BH_SEV_MEDIUM,
     "an SSH server is a second way into the container that bypasses the orchestrator's "
     "access control and audit"},
    {23, "tcp", "telnet", BH_SEV_HIGH, "Telnet is a clear-text remote shell"},
    {69, "udp", "tftp", BH_SEV_MEDIUM, "TFTP has no authentication"},
    {111, NULL, "rpcbind", BH_SEV_MEDIUM,
     "the portmapper lists RPC services and is abused for reflection attacks"},
    {135, "tcp", "msrpc", BH_SEV_MEDIUM, "Microsoft RPC endpoint mapper"},
    {139, "tcp", "netbios-ssn", BH_SEV_MEDIUM, "NetBIOS/SMB file sharing"},
    {161, "udp", "snmp", BH_SEV_MEDIUM,
     "SNMP v1/v2c community strings are clear-text shared secrets"},
    {445, "tcp", "smb", BH_SEV_MEDIUM, "SMB file sharing, a frequent remote-exploit target"},
    {512, "tcp", "rexec", BH_SEV_HIGH, "r-services trust host names and send clear text"},
    {513, "tcp", "rlogin", BH_SEV_HIGH, "r-services trust host names and send clear text"},
    {514, "tcp", "rsh", BH_SEV_HIGH, "r-services trust host names and send clear text"},
    {873, "tcp", "rsync", BH_SEV_MEDIUM, "rsync daemon modules are often unauthenticated"},
    {1433, "tcp", "mssql", BH_SEV_LOW,
     "database port: reachable only by the application network, never publicly"},
    {1521, "tcp", "oracle", BH_SEV_LOW,
     "database port: reachable only by the application network, never publicly"},
    {2049, NULL, "nfs", BH_SEV_MEDIUM, "NFS trusts client-asserted UIDs"},
    {2375, "tcp", "docker", BH_SEV_HIGH,
     "the Docker Engine API without TLS: whoever reaches it controls the host"},
    {2376, "tcp", "docker-tls", BH_SEV_MEDIUM,
     "the Docker Engine API: full control of the host for any client certificate it trusts"},
    {2379, "tcp", "etcd", BH_SEV_HIGH, "etcd holds the cluster state, Secrets included"},
    {2380, "tcp", "etcd-peer", BH_SEV_HIGH, "etcd peer traffic: the cluster state"},
    {3306, "tcp", "mysql", BH_SEV_LOW,
     "database port: reachable only by the application network, never publicly"},
    {3389, "tcp", "rdp", BH_SEV_MEDIUM, "remote desktop: a remote-access service"},
    {4243, "tcp", "docker", BH_SEV_HIGH,
     "legacy Docker Engine API port, usually without TLS: control of the host"},
    {5432, "tcp", "postgresql", BH_SEV_LOW,
     "database port: reachable only by the application network, never publicly"},
    {5900, "tcp", "vnc", BH_SEV_MEDIUM,
     "VNC often has weak or no authentication and no encryption"},
    {5984, "tcp", "couchdb", BH_SEV_MEDIUM, "CouchDB HTTP API, historically open by default"},
    {6379, "tcp", "redis", BH_SEV_MEDIUM, "Redis has no authentication unless configured"},
    {6443, "tcp", "kube-apiserver", BH_SEV_MEDIUM, "the Kubernetes API server"},
    {8500, "tcp", "consul", BH_SEV_MEDIUM, "the Consul HTTP API is open unless ACLs are enabled"},
    {9042, "tcp", "cassandra", BH_SEV_LOW,
     "database port: reachable only by the application network, never publicly"},
    {9200, "tcp", "elasticsearch", BH_SEV_MEDIUM,
     "Elasticsearch HTTP API; older versions have no authentication by default"},
    {9300, "tcp", "elasticsearch-transport", BH_SEV_MEDIUM, "Elasticsearch node transport"},
    {10250, "tcp", "kubelet", BH_SEV_HIGH, "the kubelet API can exec into every pod of a node"},
    {10255, "tcp", "kubelet-readonly", BH_SEV_MEDIUM,
     "the kubelet read-only API lists pods and their environment"},
    {11211, NULL, "memcached", BH_SEV_MEDIUM,
     "memcached has no authentication; over UDP it is abused for amplification"},
    {27017, "tcp", "mongodb", BH_SEV_MEDIUM,
     "MongoDB before 3.6 listened on all interfaces without authentication"},
};

static int check_ports(struct imgcfg_ctx *x)
{
	const struct strv *ep = &x->img->config.exposed_ports;
	for (size_t i = 0; i < ep->n; i++) {
		struct span num = span_from(ep->v[i]), proto = SPAN_LIT("tcp");
		(void)span_cut(span_from(ep->v[i]), '/', &num, &proto);
		uint64_t port;
		if (parse_u64(num, 10, 65535, &port) < 0)
			continue;
		const struct port_info *pi = NULL;
		for (size_t k = 0; !pi && k < ARRAY_SIZE(ports); k++)
			if (ports[k].port == port &&
			    (!ports[k].proto || span_eq_nocase_str(proto, ports[k].proto)))
				pi = &ports[k];
		if (!pi)
			continue;
		json_t *ev = json_object();
		int r = ev ? 0 : -ENOMEM;
		if (r >= 0)
			r = bh_json_set_str(ev, "port", ep->v[i]);
		if (r >= 0)
			r = bh_json_set_str(ev, "service", pi->service);
		if (r >= 0)
			r = bh_json_set_str(ev, "reason", pi->reason);
		if (r < 0) {
			json_decref(ev);
			return r;
		}
		r = imgcfg_emit(x, R_SENSITIVE_PORT, pi->severity, NULL, -1, ev,
				"the image exposes port %s (%s): %s", ep->v[i], pi->service,
				pi->reason);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- BH-IMG-014/015: image and base image names --------------------------------------- */

enum ref_kind { REF_PINNED, REF_TAGGED, REF_LATEST, REF_UNTAGGED };

/*
 * name[:tag][@digest]: pinned by digest, a version tag, "latest", or no tag. bare_is_tag: a
 * name without '/', ':' and '@' is a tag (OCI org.opencontainers.image.ref.name "v1").
 */
static enum ref_kind classify_ref(const char *ref, bool bare_is_tag)
{
	struct span s = span_trim(span_from(ref));
	if (span_index(s, '@') >= 0)
		return REF_PINNED;
	if (bare_is_tag && span_index(s, '/') < 0 && span_index(s, ':') < 0)
		return span_eq_str(s, "latest") ? REF_LATEST : REF_TAGGED;
	ssize_t colon = -1;
	for (size_t i = 0; i < s.len; i++)
		if (s.ptr[i] == ':')
			colon = (ssize_t)i;
		else if (s.ptr[i] == '/')
			colon = -1; /* a registry port, not a tag */
	if (colon < 0 || (size_t)colon + 1 == s.len)
		return REF_UNTAGGED;
	struct span tag = span_slice(s, (size_t)colon + 1, s.len - (size_t)colon - 1);
	return span_eq_str(tag, "latest") ? REF_LATEST : REF_TAGGED;
}

static int check_image_tag(struct imgcfg_ctx *x)
{
	const struct img *img = x->img;
	json_t *names = json_array();
	if (!names)
		return -ENOMEM;
	bool versioned = false;
	const char *shown = NULL;
	enum ref_kind shown_kind = REF_UNTAGGED;
	int r = 0;
	for (size_t i = 0; r >= 0 && i <= img->repo_tags.n; i++) {
		const char *n = i == 0 ? img->target.reference : img->repo_tags.v[i - 1];
		if (!n || !*n)
			continue;
		enum ref_kind k = classify_ref(n, i == 0 && img->target.kind == IMG_KIND_OCI);
		versioned = versioned || k == REF_PINNED || k == REF_TAGGED;
		if (!shown) {
			shown = n;
			shown_kind = k;
		}
		r = bh_json_append_str(names, n);
	}
	if (r < 0 || versioned || !shown) {
		json_decref(names);
		return r < 0 ? r : 0;
	}
	json_t *ev = json_object();
	r = ev ? bh_json_set_new(ev, "names", names) : (json_decref(names), -ENOMEM);
	if (r < 0) {
		json_decref(ev);
		return r;
	}
	return imgcfg_emit(
	    x, R_IMAGE_TAG, BH_SEV_UNKNOWN, NULL, -1, ev, "the image is known only as '%s', %s",
	    shown, shown_kind == REF_LATEST ? "the mutable \"latest\" tag" : "without a tag");
}

static const char *label(const struct img *img, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < img->config.labels.n; i++) {
		const char *l = img->config.labels.v[i];
		if (strncmp(l, key, n) == 0 && l[n] == '=')
			return l + n + 1;
	}
	return NULL;
}

static int check_base_tag(struct imgcfg_ctx *x)
{
	const char *base = label(x->img, "org.opencontainers.image.base.name");
	if (!base || !*base)
		return 0;
	enum ref_kind k = classify_ref(base, false);
	if (k == REF_PINNED || k == REF_TAGGED)
		return 0;
	json_t *ev = json_object();
	int r = ev ? bh_json_set_str(ev, "base_name", base) : -ENOMEM;
	if (r >= 0)
		r = bh_json_set_str_opt(ev, "base_digest",
					label(x->img, "org.opencontainers.image.base.digest"));
	if (r < 0) {
		json_decref(ev);
		return r;
	}
	return imgcfg_emit(x, R_BASE_TAG, BH_SEV_UNKNOWN, NULL, -1, ev, "the base image '%s' is %s",
			   base,
			   k == REF_LATEST ? "referenced by the mutable \"latest\" tag"
					   : "referenced without a tag (implicitly \"latest\")");
}

/* ---- driver ---------------------------------------------------------------------------------- */

int imgcfg_check(const struct img *img, const struct imgcfg_opts *o, struct bh_findings *out)
{
	if (!img || !out)
		return -EINVAL;
	struct imgcfg_ctx x = {.img = img};
	if (o)
		x.o = *o;
	if (!x.o.max_age_days)
		x.o.max_age_days = IMGCFG_DEFAULT_MAX_AGE_DAYS;
	if (!x.o.eol_warn_days)
		x.o.eol_warn_days = IMGCFG_DEFAULT_EOL_WARN_DAYS;
	if (!x.o.max_paths_per_rule)
		x.o.max_paths_per_rule = IMGCFG_DEFAULT_MAX_PATHS;
	/* A dir: target is a root file system without an image config: no config rules. */
	bool has_config = img->target.kind != IMG_KIND_DIR;
	int r = 0;
	if (has_config)
		r = check_root_user(&x) ?: check_healthcheck(&x) ?: check_env_secrets(&x)
			?: check_remote_add(&x) ?: check_ports(&x) ?: check_base_tag(&x);
	if (r >= 0)
		r = imgcfg_check_fs(&x) ?: check_image_tag(&x) ?: imgcfg_check_time(&x);
	if (r >= 0) {
		bh_findings_sort(&x.out);
		r = bh_findings_move(out, &x.out);
	}
	bh_findings_done(&x.out);
	return r < 0 ? r : 0;
}
