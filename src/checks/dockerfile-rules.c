/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dockerfile-rules.c — the BH-DF-NNN rule table and the linter that runs it over a parsed
 * Dockerfile (dockerfile.h). Each rule states its severity, remediation, the NIST SP
 * 800-190 sections it supports and, where hadolint has the same check, its DLxxxx code
 * (docs/dockerfile-rules.md is the table for humans). Rules read the model and the shell
 * analysis of RUN; they never touch the file system or run anything.
 *
 * Rules about caches left in the image (apt lists, pip, apk, yum/dnf/zypper, yarn) look only
 * at the final stage and the stages it is built FROM: files of other build stages reach the
 * image only through COPY --from.
 */
#include <stdarg.h>
#include <strings.h>

#include "checks/dockerfile.h"

enum {
	R_ROOT_USER,
	R_NO_USER,
	R_SUDO,
	R_UNTAGGED,
	R_LATEST,
	R_APT_PIN,
	R_APT_LISTS,
	R_APT_RECOMMENDS,
	R_APT_YES,
	R_APT,
	R_APT_UPGRADE,
	R_PIP_PIN,
	R_PIP_CACHE,
	R_APK_PIN,
	R_APK_CACHE,
	R_NPM_PIN,
	R_GEM_PIN,
	R_YARN_CACHE,
	R_YUM_YES,
	R_YUM_CLEAN,
	R_YUM_PIN,
	R_DNF_YES,
	R_DNF_CLEAN,
	R_DNF_PIN,
	R_ZYPPER_YES,
	R_ZYPPER_CLEAN,
	R_ZYPPER_PIN,
	R_WORKDIR_RELATIVE,
	R_CD,
	R_POINTLESS,
	R_PORT_RANGE,
	R_MULTI_HEALTHCHECK,
	R_MULTI_CMD,
	R_MULTI_ENTRYPOINT,
	R_ADD_LOCAL,
	R_COPY_DEST_SLASH,
	R_COPY_FROM_UNKNOWN,
	R_COPY_FROM_SELF,
	R_STAGE_DUP,
	R_SHELL_FORM_CMD,
	R_REGISTRY,
	R_FROM_PLATFORM,
	R_ENV_SELF_REF,
	R_COPY_RELATIVE,
	R_WGET_PROGRESS,
	R_NO_HEALTHCHECK,
	R_CONSECUTIVE_RUN,
	R_BEFORE_FROM,
	R_MAINTAINER,
	R_WGET_AND_CURL,
	R_LN_SH,
	R_PIPEFAIL,
	R_SECRET_ENV,
	R_SECRET_ARG,
	R_ADD_NO_CHECKSUM,
	R_CURL_PIPE_SH,
	R_WORLD_WRITABLE,
	R_SETUID,
	R_SENSITIVE_PORT,
	R_INSECURE_SECURITY,
	R_HOST_NETWORK,
	R_TLS_OFF,
	R_SIGNATURES_OFF,
	R_PLAIN_HTTP,
	R_SECRET_FILE,
	R_SSH_SERVER,
	R_BAD_JSON,
	_R_MAX,
};

/* Ids are positions: BH-DF-001 is rules[0]. Never renumber; append new rules. */
static const struct df_rule rules[_R_MAX] = {
    [R_ROOT_USER] = {"BH-DF-001", "DL3002", BH_SEV_HIGH, "Last USER is root",
		     "switch to an unprivileged user (USER 10001 or a named user) after the steps "
		     "that need root",
		     "4.1.2,4.4.3"},
    [R_NO_USER] = {"BH-DF-002", NULL, BH_SEV_MEDIUM, "Final stage never sets USER (runs as root)",
		   "add a USER instruction with an unprivileged user to the final stage",
		   "4.1.2,4.4.3"},
    [R_SUDO] = {"BH-DF-003", "DL3004", BH_SEV_MEDIUM, "sudo in RUN",
		"RUN already runs as the current USER; switch with USER instead of sudo and do not "
		"ship sudo",
		"4.1.2"},
    [R_UNTAGGED] = {"BH-DF-004", "DL3006", BH_SEV_MEDIUM, "Base image without tag or digest",
		    "name an explicit tag, better a digest (image:tag@sha256:...)", "4.1.5"},
    [R_LATEST] = {"BH-DF-005", "DL3007", BH_SEV_MEDIUM, "Base image tagged latest",
		  "pin a version tag or a digest instead of latest", "4.1.5"},
    [R_APT_PIN] = {"BH-DF-006", "DL3008", BH_SEV_LOW, "apt-get install without version pins",
		   "pin each package: apt-get install -y package=version", "4.1.1"},
    [R_APT_LISTS] = {"BH-DF-007", "DL3009", BH_SEV_INFO, "apt lists left in the image",
		     "end the RUN with rm -rf /var/lib/apt/lists/* (or use a cache mount)", NULL},
    [R_APT_RECOMMENDS] = {"BH-DF-008", "DL3015", BH_SEV_INFO,
			  "apt-get install without --no-install-recommends",
			  "add --no-install-recommends so only the named packages are installed",
			  "4.1.2"},
    [R_APT_YES] = {"BH-DF-009", "DL3014", BH_SEV_LOW, "apt-get install without -y",
		   "add -y so the build never waits for input", NULL},
    [R_APT] = {"BH-DF-010", "DL3027", BH_SEV_LOW, "apt used instead of apt-get",
	       "use apt-get or apt-cache: apt's interface is for people and not stable for scripts",
	       NULL},
    [R_APT_UPGRADE] =
	{"BH-DF-011", "DL3005", BH_SEV_INFO, "apt-get upgrade in RUN",
	 "rebuild from an updated base image instead of upgrading in a layer; pin what you need",
	 "4.1.1"},
    [R_PIP_PIN] = {"BH-DF-012", "DL3013", BH_SEV_LOW, "pip install without version pins",
		   "pin each package (package==version) or install from a pinned requirements file",
		   "4.1.1"},
    [R_PIP_CACHE] = {"BH-DF-013", "DL3042", BH_SEV_INFO, "pip install without --no-cache-dir",
		     "add --no-cache-dir (or set PIP_NO_CACHE_DIR=1, or use a cache mount)", NULL},
    [R_APK_PIN] = {"BH-DF-014", "DL3018", BH_SEV_LOW, "apk add without version pins",
		   "pin each package: apk add package=version", "4.1.1"},
    [R_APK_CACHE] = {"BH-DF-015", "DL3019", BH_SEV_INFO, "apk add without --no-cache",
		     "add --no-cache so the index is not kept in the image", NULL},
    [R_NPM_PIN] = {"BH-DF-016", "DL3016", BH_SEV_LOW, "npm install without version pins",
		   "pin each package (npm install package@version) or use npm ci with a lock file",
		   "4.1.1"},
    [R_GEM_PIN] = {"BH-DF-017", "DL3028", BH_SEV_LOW, "gem install without version pins",
		   "pin each gem: gem install name:version (or -v version)", "4.1.1"},
    [R_YARN_CACHE] = {"BH-DF-018", "DL3060", BH_SEV_INFO, "yarn install without yarn cache clean",
		      "run yarn cache clean in the same RUN (or use a cache mount)", NULL},
    [R_YUM_YES] = {"BH-DF-019", "DL3030", BH_SEV_LOW, "yum install without -y",
		   "add -y so the build never waits for input", NULL},
    [R_YUM_CLEAN] = {"BH-DF-020", "DL3032", BH_SEV_INFO, "yum cache left in the image",
		     "run yum clean all in the same RUN", NULL},
    [R_YUM_PIN] = {"BH-DF-021", "DL3033", BH_SEV_LOW, "yum install without version pins",
		   "pin each package: yum install -y package-version", "4.1.1"},
    [R_DNF_YES] = {"BH-DF-022", "DL3038", BH_SEV_LOW, "dnf install without -y",
		   "add -y so the build never waits for input", NULL},
    [R_DNF_CLEAN] = {"BH-DF-023", "DL3040", BH_SEV_INFO, "dnf cache left in the image",
		     "run dnf clean all in the same RUN", NULL},
    [R_DNF_PIN] = {"BH-DF-024", "DL3041", BH_SEV_LOW, "dnf install without version pins",
		   "pin each package: dnf install -y package-version", "4.1.1"},
    [R_ZYPPER_YES] =
	{"BH-DF-025", "DL3034", BH_SEV_LOW, "zypper install without -n",
	 "use zypper --non-interactive install (or -y) so the build never waits for input", NULL},
    [R_ZYPPER_CLEAN] = {"BH-DF-026", "DL3036", BH_SEV_INFO, "zypper cache left in the image",
			"run zypper clean in the same RUN", NULL},
    [R_ZYPPER_PIN] = {"BH-DF-027", "DL3037", BH_SEV_LOW, "zypper install without version pins",
		      "pin each package: zypper install -y package=version", "4.1.1"},
    [R_WORKDIR_RELATIVE] = {"BH-DF-028", "DL3000", BH_SEV_MEDIUM, "Relative WORKDIR",
			    "use an absolute path: WORKDIR /app", NULL},
    [R_CD] = {"BH-DF-029", "DL3003", BH_SEV_INFO, "cd in RUN instead of WORKDIR",
	      "use WORKDIR to change the directory", NULL},
    [R_POINTLESS] = {"BH-DF-030", "DL3001", BH_SEV_INFO, "Command that makes no sense in a build",
		     "remove it: interactive and system tools (ssh, vim, service, ps, top, kill, "
		     "mount, ...) do nothing useful in RUN",
		     NULL},
    [R_PORT_RANGE] = {"BH-DF-031", "DL3011", BH_SEV_MEDIUM, "EXPOSE port out of range",
		      "use a port between 0 and 65535", NULL},
    [R_MULTI_HEALTHCHECK] = {"BH-DF-032", "DL3012", BH_SEV_MEDIUM,
			     "More than one HEALTHCHECK in a stage",
			     "keep one HEALTHCHECK per stage: only the last one counts", NULL},
    [R_MULTI_CMD] = {"BH-DF-033", "DL4003", BH_SEV_LOW, "More than one CMD in a stage",
		     "keep one CMD per stage: only the last one counts", NULL},
    [R_MULTI_ENTRYPOINT] = {"BH-DF-034", "DL4004", BH_SEV_MEDIUM,
			    "More than one ENTRYPOINT in a stage",
			    "keep one ENTRYPOINT per stage: only the last one counts", NULL},
    [R_ADD_LOCAL] = {"BH-DF-035", "DL3020", BH_SEV_LOW, "ADD for local files",
		     "use COPY for files and directories; ADD only to extract a local archive",
		     NULL},
    [R_COPY_DEST_SLASH] = {"BH-DF-036", "DL3021", BH_SEV_MEDIUM,
			   "COPY of several sources to a destination without a trailing /",
			   "end the destination with / when copying more than one source", NULL},
    [R_COPY_FROM_UNKNOWN] =
	{"BH-DF-037", "DL3022", BH_SEV_MEDIUM, "COPY --from names no earlier stage",
	 "name a stage defined earlier with FROM ... AS name (or a full image reference)", "4.1.5"},
    [R_COPY_FROM_SELF] = {"BH-DF-038", "DL3023", BH_SEV_MEDIUM, "COPY --from its own stage",
			  "copy from an earlier stage; a stage cannot copy from itself", NULL},
    [R_STAGE_DUP] = {"BH-DF-039", "DL3024", BH_SEV_MEDIUM, "Duplicate stage name",
		     "give every stage a unique name", NULL},
    [R_SHELL_FORM_CMD] =
	{"BH-DF-040", "DL3025", BH_SEV_LOW, "CMD or ENTRYPOINT in shell form",
	 "use the JSON form (CMD [\"executable\", \"arg\"]) so signals reach the process", NULL},
    [R_REGISTRY] = {"BH-DF-041", "DL3026", BH_SEV_MEDIUM, "Base image from a registry not allowed",
		    "take base images only from the allowed registries (--allowed-registry)",
		    "4.1.5,4.2.3"},
    [R_FROM_PLATFORM] =
	{"BH-DF-042", "DL3029", BH_SEV_LOW, "FROM with a fixed --platform",
	 "leave the platform to the build (or use $BUILDPLATFORM / $TARGETPLATFORM)", NULL},
    [R_ENV_SELF_REF] = {"BH-DF-043", "DL3044", BH_SEV_LOW,
			"ENV refers to a variable set in the same ENV",
			"split into two ENV instructions: the reference sees the value from before "
			"the instruction",
			NULL},
    [R_COPY_RELATIVE] = {"BH-DF-044", "DL3045", BH_SEV_LOW,
			 "COPY to a relative destination without WORKDIR",
			 "set WORKDIR first or use an absolute destination", NULL},
    [R_WGET_PROGRESS] = {"BH-DF-045", "DL3047", BH_SEV_INFO, "wget without --progress",
			 "add --progress=dot:giga (or -q) to keep build logs small", NULL},
    [R_NO_HEALTHCHECK] = {"BH-DF-046", "DL3057", BH_SEV_INFO, "No HEALTHCHECK",
			  "add a HEALTHCHECK so the runtime can tell a hung container (unless the "
			  "orchestrator probes it)",
			  "4.4.3"},
    [R_CONSECUTIVE_RUN] = {"BH-DF-047", "DL3059", BH_SEV_INFO, "Consecutive RUN instructions",
			   "join consecutive RUN instructions with && to save layers", NULL},
    [R_BEFORE_FROM] = {"BH-DF-048", "DL3061", BH_SEV_HIGH, "Instruction before FROM",
		       "begin the Dockerfile with FROM; only ARG (and comments) may come before it",
		       NULL},
    [R_MAINTAINER] = {"BH-DF-049", "DL4000", BH_SEV_INFO, "MAINTAINER is deprecated",
		      "use LABEL org.opencontainers.image.authors=... instead", NULL},
    [R_WGET_AND_CURL] = {"BH-DF-050", "DL4001", BH_SEV_INFO, "Both wget and curl used",
			 "use one download tool so the image carries only one", "4.1.2"},
    [R_LN_SH] = {"BH-DF-051", "DL4005", BH_SEV_LOW, "/bin/sh replaced with ln",
		 "use the SHELL instruction to change the shell of RUN", NULL},
    [R_PIPEFAIL] = {"BH-DF-052", "DL4006", BH_SEV_LOW, "Pipe in RUN without pipefail",
		    "set SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] so a failing stage "
		    "fails the build",
		    NULL},
    [R_SECRET_ENV] = {"BH-DF-053", NULL, BH_SEV_HIGH, "Secret in ENV",
		      "never bake secrets into the image: use RUN --mount=type=secret at build "
		      "time and a secret store at run time",
		      "4.1.4"},
    [R_SECRET_ARG] =
	{"BH-DF-054", NULL, BH_SEV_MEDIUM, "Secret passed as build ARG",
	 "build arguments are recorded in the image history: use RUN --mount=type=secret instead",
	 "4.1.4"},
    [R_ADD_NO_CHECKSUM] = {"BH-DF-055", NULL, BH_SEV_MEDIUM, "ADD from a URL without --checksum",
			   "add --checksum=sha256:... (or download and verify in RUN)",
			   "4.1.3,4.1.5"},
    [R_CURL_PIPE_SH] = {"BH-DF-056", NULL, BH_SEV_HIGH, "Remote script piped into a shell",
			"download to a file, verify its checksum or signature, then run it",
			"4.1.3,4.1.5"},
    [R_WORLD_WRITABLE] = {"BH-DF-057", NULL, BH_SEV_MEDIUM, "World-writable permissions",
			  "grant write access only to the owner (e.g. chmod 755 or 750)", "4.1.2"},
    [R_SETUID] =
	{"BH-DF-058", NULL, BH_SEV_MEDIUM, "setuid or setgid bit set",
	 "do not add setuid/setgid programs; use capabilities or drop the need for privilege",
	 "4.1.2,4.4.3"},
    [R_SENSITIVE_PORT] = {"BH-DF-059", NULL, BH_SEV_MEDIUM, "Sensitive port exposed",
			  "do not expose remote administration or control-plane ports (SSH, "
			  "Docker, RDP, kubelet, ...)",
			  "4.4.2"},
    [R_INSECURE_SECURITY] = {"BH-DF-060", NULL, BH_SEV_HIGH, "RUN --security=insecure",
			     "remove --security=insecure: the step runs without the build sandbox",
			     "4.4.3"},
    [R_HOST_NETWORK] =
	{"BH-DF-061", NULL, BH_SEV_MEDIUM, "RUN --network=host",
	 "use the default build network; host networking exposes the build host's network",
	 "4.4.2"},
    [R_TLS_OFF] = {"BH-DF-062", NULL, BH_SEV_HIGH, "TLS certificate verification disabled",
		   "keep certificate checks on; add the CA certificate to the trust store instead",
		   "4.1.3,4.1.5"},
    [R_SIGNATURES_OFF] = {"BH-DF-063", NULL, BH_SEV_HIGH, "Package signature checks disabled",
			  "import the repository key and keep signature verification on",
			  "4.1.3,4.1.5"},
    [R_PLAIN_HTTP] = {"BH-DF-064", NULL, BH_SEV_MEDIUM, "Download over plain HTTP",
		      "download over https and verify a checksum", "4.1.3,4.1.5"},
    [R_SECRET_FILE] = {"BH-DF-065", NULL, BH_SEV_HIGH, "Credential file copied into the image",
		       "keep keys and credential files out of the build context (.dockerignore); "
		       "use RUN --mount=type=secret",
		       "4.1.4"},
    [R_SSH_SERVER] =
	{"BH-DF-066", NULL, BH_SEV_MEDIUM, "SSH or telnet server installed",
	 "do not run remote-login daemons in containers; use docker exec / kubectl exec",
	 "4.1.2,4.4.2"},
    [R_BAD_JSON] = {"BH-DF-067", NULL, BH_SEV_LOW, "Malformed exec form",
		    "the arguments start with '[' but are no JSON array of strings, so they run as "
		    "a shell command: fix the JSON (double quotes, commas)",
		    NULL},
};

size_t df_rule_count(void)
{
	return ARRAY_SIZE(rules);
}

const struct df_rule *df_rule_at(size_t i)
{
	return i < ARRAY_SIZE(rules) ? &rules[i] : NULL;
}

const struct df_rule *df_rule_find(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (strcasecmp(id, rules[i].id) == 0 ||
		    (rules[i].hadolint && strcasecmp(id, rules[i].hadolint) == 0))
			return &rules[i];
	return NULL;
}

/* ---- the linter ---------------------------------------------------------------------------- */

struct lint {
	const struct dockerfile *df;
	const char *path;
	const struct df_lint_opts *o;
	struct bh_findings *out;
	struct df_script *scripts; /* per instruction; empty unless RUN */
	bool *final_chain;	   /* per stage: the final stage or one it is built FROM */
};

static bool ids_match(const struct strv *ids, const struct df_rule *r)
{
	for (size_t i = 0; ids && i < ids->n; i++)
		if (strcasecmp(ids->v[i], r->id) == 0 ||
		    (r->hadolint && strcasecmp(ids->v[i], r->hadolint) == 0))
			return true;
	return false;
}

static int vemit(struct lint *l, unsigned rule, enum bh_severity sev, const struct df_instr *in,
		 const char *fmt, va_list ap) _printf_(5, 0);
static int vemit(struct lint *l, unsigned rule, enum bh_severity sev, const struct df_instr *in,
		 const char *fmt, va_list ap)
{
	const struct df_rule *r = &rules[rule];
	if (ids_match(l->o ? l->o->ignore : NULL, r) || (in && ids_match(&in->ignores, r))) {
		l->out->suppressed++;
		return 0;
	}
	_cleanup_buf_ struct buf msg;
	buf_init(&msg, 0);
	int rc = buf_vprintf(&msg, fmt, ap);
	if (rc < 0)
		return rc;
	struct bh_finding f = {.kind = "misconfiguration",
			       .severity = sev,
			       .line = in ? in->line : 1,
			       .column = in ? in->column : 1};
	f.rule_id = strdup(r->id);
	f.rule_title = strdup(r->title);
	f.path = strdup(l->path);
	f.remediation = strdup(r->remediation);
	f.message = buf_take(&msg);
	rc = f.rule_id && f.rule_title && f.path && f.remediation ? 0 : -ENOMEM;
	if (rc >= 0 && r->hadolint) {
		char ref[32];
		rc = xsnprintf(ref, sizeof(ref), "hadolint:%s", r->hadolint);
		if (rc >= 0)
			rc = strv_push(&f.refs, ref);
	}
	if (r->nist) {
		struct span list = span_from(r->nist), tok;
		while (rc >= 0 && span_next_token(&list, ',', &tok) == 0) {
			char c[48];
			rc = xsnprintf(c, sizeof(c), "NIST-800-190:%.*s", SPAN_ARG(tok));
			if (rc >= 0)
				rc = strv_push(&f.compliance, c);
		}
	}
	if (rc >= 0 && in) {
		f.evidence = json_pack("{s:s, s:i, s:i}", "instruction", df_kind_name(in->kind),
				       "line", (int)in->line, "end_line", (int)in->end_line);
		if (!f.evidence)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		bh_finding_done(&f);
		return rc == -ENOBUFS ? -ENOMEM : rc;
	}
	return bh_findings_add_take(l->out, &f);
}

static int emit(struct lint *l, unsigned rule, const struct df_instr *in, const char *fmt, ...)
    _printf_(4, 5);
static int emit(struct lint *l, unsigned rule, const struct df_instr *in, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vemit(l, rule, rules[rule].severity, in, fmt, ap);
	va_end(ap);
	return r;
}

static int emit_sev(struct lint *l, unsigned rule, enum bh_severity sev, const struct df_instr *in,
		    const char *fmt, ...) _printf_(5, 6);
static int emit_sev(struct lint *l, unsigned rule, enum bh_severity sev, const struct df_instr *in,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vemit(l, rule, sev, in, fmt, ap);
	va_end(ap);
	return r;
}

/* ---- helpers over commands ----------------------------------------------------------------- */

static bool is_opt(const char *w)
{
	return w[0] == '-' && w[1];
}

static bool in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (streq(w, *list))
			return true;
	return false;
}

/* Has the long option (exact, or with "=value") or a short cluster containing ch. */
static bool has_opt(const struct df_cmd *c, const char *long_opt, char ch)
{
	size_t n = long_opt ? strlen(long_opt) : 0;
	for (size_t i = 1; i < c->argv.n; i++) {
		const char *w = c->argv.v[i];
		if (long_opt && strncmp(w, long_opt, n) == 0 && (w[n] == '\0' || w[n] == '='))
			return true;
		if (ch && w[0] == '-' && w[1] != '-' && strchr(w + 1, ch))
			return true;
	}
	return false;
}

static bool has_word(const struct df_cmd *c, const char *word)
{
	for (size_t i = 1; i < c->argv.n; i++)
		if (streq(c->argv.v[i], word))
			return true;
	return false;
}

/*
 * Index of the first positional argument from start on (options and the values of
 * options in with_arg skipped), or argv.n.
 */
static size_t next_positional(const struct df_cmd *c, size_t start, const char *const *with_arg)
{
	for (size_t i = start; i < c->argv.n; i++) {
		const char *w = c->argv.v[i];
		if (!is_opt(w))
			return i;
		if (with_arg && in_list(w, with_arg))
			i++;
	}
	return c->argv.n;
}

/* The subcommand (first positional) is one of subs; *ret_i its index. */
static bool subcommand(const struct df_cmd *c, const char *const *with_arg, const char *const *subs,
		       size_t *ret_i)
{
	size_t i = next_positional(c, 1, with_arg);
	if (i >= c->argv.n || !in_list(c->argv.v[i], subs))
		return false;
	*ret_i = i;
	return true;
}

static bool is_cmd(const struct df_cmd *c, const char *name)
{
	return c->argv.n && streq(c->argv.v[0], name);
}

static bool is_cmd_any(const struct df_cmd *c, const char *const *names)
{
	return c->argv.n && in_list(c->argv.v[0], names);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

static bool contains_nocase(const char *s, const char *needle)
{
	size_t n = strlen(needle);
	for (; *s; s++)
		if (strncasecmp(s, needle, n) == 0)
			return true;
	return false;
}

static bool is_path_or_url(const char *w)
{
	return w[0] == '.' || w[0] == '/' || w[0] == '~' || strstr(w, "://") ||
	       strncmp(w, "git+", 4) == 0 || strncmp(w, "file:", 5) == 0;
}

/* A word whose value only the build knows: not judged. */
static bool is_variable(const char *w)
{
	return strchr(w, '$') != NULL;
}

static const struct df_instr *stage_from(const struct lint *l, size_t st)
{
	return &l->df->v[l->df->stages[st].from];
}

static bool run_has_cache_mount(const struct df_instr *in, const char *target_prefix)
{
	for (size_t i = 0; i < in->n_flags; i++) {
		const struct df_flag *f = &in->flags[i];
		if (!streq(f->name, "mount") || !f->value || !strstr(f->value, "type=cache"))
			continue;
		const char *t = strstr(f->value, "target=");
		if (!t)
			t = strstr(f->value, "dst=");
		if (!t)
			t = strstr(f->value, "destination=");
		if (t && strstr(t, target_prefix) == strchr(t, '=') + 1)
			return true;
	}
	return false;
}

/* Some command of the script removes a path starting with prefix (rm -rf PREFIX...). */
static bool script_removes(const struct df_script *s, const char *prefix)
{
	size_t n = strlen(prefix);
	for (size_t i = 0; i < s->n; i++) {
		if (!is_cmd(&s->v[i], "rm"))
			continue;
		for (size_t j = 1; j < s->v[i].argv.n; j++)
			if (strncmp(s->v[i].argv.v[j], prefix, n) == 0)
				return true;
	}
	return false;
}

/* Some command is `tool ARG1 [ARG2]` (e.g. yum clean all). */
static bool script_has(const struct df_script *s, const char *const *tools, const char *a1,
		       const char *a2)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct df_cmd *c = &s->v[i];
		if (!is_cmd_any(c, tools))
			continue;
		size_t k = next_positional(c, 1, NULL);
		if (k < c->argv.n && streq(c->argv.v[k], a1) &&
		    (!a2 || (k + 1 < c->argv.n && streq(c->argv.v[k + 1], a2))))
			return true;
	}
	return false;
}

/* Report each unpinned package once per instruction, listing up to a few. */
struct pkglist {
	struct buf names;
	unsigned n;
};

static int pkglist_add(struct pkglist *p, const char *name)
{
	p->n++;
	if (p->n > 5)
		return p->n == 6 ? buf_puts(&p->names, ", ...") : 0;
	return buf_printf(&p->names, "%s%.80s", p->n > 1 ? ", " : "", name);
}

/* ---- package manager rules ------------------------------------------------------------------ */

static const char *const apt_with_arg[] = {
    "-o", "-c", "-t", "--option", "--config-file", "--target-release", "--default-release", NULL};
static const char *const install_subs[] = {"install", NULL};

static int check_apt(struct lint *l, const struct df_instr *in, const struct df_cmd *c,
		     bool *seen_install)
{
	static const char *const upgrade_subs[] = {"upgrade", "dist-upgrade", "full-upgrade", NULL};
	size_t sub;
	int r = 0;
	if (subcommand(c, apt_with_arg, upgrade_subs, &sub))
		r = emit(l, R_APT_UPGRADE, in, "'apt-get %s' in RUN", c->argv.v[sub]);
	if (r < 0 || !subcommand(c, apt_with_arg, install_subs, &sub))
		return r;
	*seen_install = true;
	struct pkglist pk = {0};
	buf_init(&pk.names, 0);
	for (size_t i = next_positional(c, sub + 1, apt_with_arg); r >= 0 && i < c->argv.n;
	     i = next_positional(c, i + 1, apt_with_arg)) {
		const char *p = c->argv.v[i];
		if (strchr(p, '=') || ends_with(p, ".deb") || is_path_or_url(p) || is_variable(p))
			continue;
		r = pkglist_add(&pk, p);
	}
	if (r >= 0 && pk.n)
		r = emit(l, R_APT_PIN, in, "apt-get install without a version pin: %s",
			 buf_str(&pk.names));
	buf_done(&pk.names);
	bool yes = has_opt(c, "--yes", 'y') || has_opt(c, "--assume-yes", 0) ||
		   has_word(c, "-qq") || has_opt(c, "--quiet=2", 0) || has_word(c, "-q=2");
	for (size_t i = 1; i < c->argv.n; i++)
		if (contains_nocase(c->argv.v[i], "Assume-Yes=true"))
			yes = true;
	if (r >= 0 && !yes)
		r = emit(l, R_APT_YES, in, "apt-get install without -y waits for confirmation");
	bool norec = has_opt(c, "--no-install-recommends", 0);
	for (size_t i = 1; i < c->argv.n; i++)
		if (contains_nocase(c->argv.v[i], "Install-Recommends=false") ||
		    contains_nocase(c->argv.v[i], "Install-Recommends=0") ||
		    contains_nocase(c->argv.v[i], "Install-Recommends \"false\""))
			norec = true;
	if (r >= 0 && !norec)
		r = emit(l, R_APT_RECOMMENDS, in,
			 "apt-get install without --no-install-recommends pulls in recommended "
			 "packages");
	return r;
}

static const char *const pip_with_arg[] = {"-r",
					   "--requirement",
					   "-c",
					   "--constraint",
					   "-e",
					   "--editable",
					   "-i",
					   "--index-url",
					   "--extra-index-url",
					   "-t",
					   "--target",
					   "--prefix",
					   "--root",
					   "-f",
					   "--find-links",
					   "--trusted-host",
					   "--platform",
					   "--python-version",
					   "--implementation",
					   "--abi",
					   "--progress-bar",
					   "--cache-dir",
					   "--src",
					   "--upgrade-strategy",
					   "--log",
					   "--proxy",
					   "--timeout",
					   "--retries",
					   "--no-binary",
					   "--only-binary",
					   "--report",
					   "--config-settings",
					   NULL};

/* pip, pip3, pip3.12, or python[3] -m pip: the index of "install" when it installs. */
static bool pip_install(const struct df_cmd *c, size_t *ret_sub)
{
	const char *a0 = c->argv.n ? c->argv.v[0] : "";
	size_t start = 1;
	if (strncmp(a0, "pip", 3) == 0) {
		for (const char *p = a0 + 3; *p; p++)
			if (!ascii_isdigit(*p) && *p != '.')
				return false;
	} else if (strncmp(a0, "python", 6) == 0) {
		size_t m = 1;
		while (m < c->argv.n && is_opt(c->argv.v[m]) && !streq(c->argv.v[m], "-m"))
			m++;
		if (m + 1 >= c->argv.n || !streq(c->argv.v[m], "-m") ||
		    !streq(c->argv.v[m + 1], "pip"))
			return false;
		start = m + 2;
	} else
		return false;
	size_t i = next_positional(c, start, pip_with_arg);
	if (i >= c->argv.n || !streq(c->argv.v[i], "install"))
		return false;
	*ret_sub = i;
	return true;
}

static int check_pip(struct lint *l, const struct df_instr *in, const struct df_cmd *c, bool final)
{
	size_t sub;
	if (!pip_install(c, &sub))
		return 0;
	int r = 0;
	bool upgrade = has_opt(c, "--upgrade", 'U');
	struct pkglist pk = {0};
	buf_init(&pk.names, 0);
	for (size_t i = next_positional(c, sub + 1, pip_with_arg); r >= 0 && i < c->argv.n;
	     i = next_positional(c, i + 1, pip_with_arg)) {
		const char *p = c->argv.v[i];
		if (strpbrk(p, "=<>@~!") || is_path_or_url(p) || is_variable(p) ||
		    ends_with(p, ".whl") || ends_with(p, ".tar.gz") || ends_with(p, ".zip") ||
		    (upgrade && (streq(p, "pip") || streq(p, "setuptools") || streq(p, "wheel"))))
			continue;
		r = pkglist_add(&pk, p);
	}
	if (r >= 0 && pk.n)
		r = emit(l, R_PIP_PIN, in, "pip install without a version pin: %s",
			 buf_str(&pk.names));
	buf_done(&pk.names);
	const char *env = in->stage == DF_NO_STAGE
			      ? NULL
			      : df_stage_env(&l->df->stages[in->stage], "PIP_NO_CACHE_DIR");
	if (r >= 0 && final && !has_opt(c, "--no-cache-dir", 0) &&
	    !(env && *env && !streq(env, "0") && strcasecmp(env, "false") != 0) &&
	    !run_has_cache_mount(in, "/root/.cache"))
		r = emit(l, R_PIP_CACHE, in, "pip install keeps its download cache in the image");
	return r;
}

static int check_apk(struct lint *l, const struct df_instr *in, const struct df_cmd *c, bool final)
{
	static const char *const with_arg[] = {"-t", "--virtual", "-X",	    "--repository",
					       "-p", "--root",	  "--arch", "--repositories-file",
					       NULL};
	static const char *const add[] = {"add", NULL};
	size_t sub;
	if (!is_cmd(c, "apk") || !subcommand(c, with_arg, add, &sub))
		return 0;
	int r = 0;
	struct pkglist pk = {0};
	buf_init(&pk.names, 0);
	for (size_t i = next_positional(c, sub + 1, with_arg); r >= 0 && i < c->argv.n;
	     i = next_positional(c, i + 1, with_arg)) {
		const char *p = c->argv.v[i];
		if (strpbrk(p, "=~<>") || ends_with(p, ".apk") || is_path_or_url(p) ||
		    is_variable(p))
			continue;
		r = pkglist_add(&pk, p);
	}
	if (r >= 0 && pk.n)
		r = emit(l, R_APK_PIN, in, "apk add without a version pin: %s", buf_str(&pk.names));
	buf_done(&pk.names);
	if (r >= 0 && final && !has_opt(c, "--no-cache", 0) &&
	    !run_has_cache_mount(in, "/var/cache/apk"))
		r = emit(l, R_APK_CACHE, in, "apk add without --no-cache keeps the package index");
	return r;
}

static int check_npm(struct lint *l, const struct df_instr *in, const struct df_cmd *c)
{
	static const char *const with_arg[] = {"--prefix", "--registry",  "--tag",
					       "-w",	   "--workspace", "--cache",
					       "--omit",   "--include",	  NULL};
	static const char *const subs[] = {"install", "i", "add", "isntall", NULL};
	size_t sub;
	if (!is_cmd(c, "npm") || !subcommand(c, with_arg, subs, &sub))
		return 0;
	int r = 0;
	struct pkglist pk = {0};
	buf_init(&pk.names, 0);
	for (size_t i = next_positional(c, sub + 1, with_arg); r >= 0 && i < c->argv.n;
	     i = next_positional(c, i + 1, with_arg)) {
		const char *p = c->argv.v[i];
		if (is_path_or_url(p) || is_variable(p) || ends_with(p, ".tgz") ||
		    ends_with(p, ".tar.gz") || strchr(p, ':') || (strchr(p, '/') && p[0] != '@'))
			continue;
		const char *at = strchr(p + 1, '@');
		if (at && at[1] && strcmp(at + 1, "latest") != 0)
			continue;
		r = pkglist_add(&pk, p);
	}
	if (r >= 0 && pk.n)
		r = emit(l, R_NPM_PIN, in, "npm install without a version pin: %s",
			 buf_str(&pk.names));
	buf_done(&pk.names);
	return r;
}

static int check_gem(struct lint *l, const struct df_instr *in, const struct df_cmd *c)
{
	static const char *const with_arg[] = {
	    "-v",     "--version", "-i", "--install-dir",  "-n",	 "--bindir",
	    "-s",     "--source",  "-P", "--trust-policy", "--platform", "-g",
	    "--file", NULL};
	static const char *const subs[] = {"install", "i", NULL};
	size_t sub;
	if (!is_cmd(c, "gem") || !subcommand(c, with_arg, subs, &sub) ||
	    has_opt(c, "--version", 0) || has_word(c, "-v"))
		return 0;
	int r = 0;
	struct pkglist pk = {0};
	buf_init(&pk.names, 0);
	for (size_t i = next_positional(c, sub + 1, with_arg); r >= 0 && i < c->argv.n;
	     i = next_positional(c, i + 1, with_arg)) {
		const char *p = c->argv.v[i];
		if (strchr(p, ':') || ends_with(p, ".gem") || is_path_or_url(p) || is_variable(p))
			continue;
		r = pkglist_add(&pk, p);
	}
	if (r >= 0 && pk.n)
		r = emit(l, R_GEM_PIN, in, "gem install without a version pin: %s",
			 buf_str(&pk.names));
	buf_done(&pk.names);
	return r;
}

/* A package of the rpm family named with a version: name-1.2 (a '-' before a digit). */
static bool rpm_pinned(const char *p)
{
	for (const char *d = strchr(p, '-'); d; d = strchr(d + 1, '-'))
		if (ascii_isdigit(d[1]))
			return true;
	return strpbrk(p, "=<>") || ends_with(p, ".rpm") || p[0] == '@' || is_path_or_url(p) ||
	       is_variable(p);
}

enum rpm_tool { RPM_YUM, RPM_DNF, RPM_ZYPPER };

static int check_rpm_family(struct lint *l, const struct df_instr *in, const struct df_cmd *c,
			    const struct df_script *s, bool final)
{
	static const char *const yum[] = {"yum", NULL};
	static const char *const dnf[] = {"dnf", "microdnf", "dnf5", "tdnf", NULL};
	static const char *const zypper[] = {"zypper", NULL};
	static const char *const yum_with_arg[] = {"-c",
						   "--config",
						   "--installroot",
						   "--enablerepo",
						   "--disablerepo",
						   "--setopt",
						   "--releasever",
						   "-x",
						   "--exclude",
						   "-d",
						   "-e",
						   "--repo",
						   "--repofrom",
						   "--nodocs-x",
						   NULL};
	static const char *const zyp_with_arg[] = {"-r",     "--repo", "-t",	   "--type", "-R",
						   "--root", "-c",     "--config", "--from", NULL};
	static const char *const yum_subs[] = {"install", "reinstall", "localinstall", NULL};
	static const char *const zyp_subs[] = {"install", "in", NULL};
	enum rpm_tool t;
	if (is_cmd_any(c, yum))
		t = RPM_YUM;
	else if (is_cmd_any(c, dnf))
		t = RPM_DNF;
	else if (is_cmd_any(c, zypper))
		t = RPM_ZYPPER;
	else
		return 0;
	size_t sub;
	const char *const *with_arg = t == RPM_ZYPPER ? zyp_with_arg : yum_with_arg;
	if (!subcommand(c, with_arg, t == RPM_ZYPPER ? zyp_subs : yum_subs, &sub))
		return 0;
	const unsigned r_yes[] = {R_YUM_YES, R_DNF_YES, R_ZYPPER_YES};
	const unsigned r_clean[] = {R_YUM_CLEAN, R_DNF_CLEAN, R_ZYPPER_CLEAN};
	const unsigned r_pin[] = {R_YUM_PIN, R_DNF_PIN, R_ZYPPER_PIN};
	const char *tool = c->argv.v[0];
	int r = 0;
	bool yes = t == RPM_ZYPPER
		       ? has_opt(c, "--non-interactive", 'n') || has_opt(c, "--no-confirm", 'y')
		       : has_opt(c, "--assumeyes", 'y');
	/* microdnf never asks */
	if (!yes && !streq(tool, "microdnf"))
		r = emit(l, r_yes[t], in, "%s install without %s waits for confirmation", tool,
			 t == RPM_ZYPPER ? "-n" : "-y");
	struct pkglist pk = {0};
	buf_init(&pk.names, 0);
	for (size_t i = next_positional(c, sub + 1, with_arg); r >= 0 && i < c->argv.n;
	     i = next_positional(c, i + 1, with_arg)) {
		const char *p = c->argv.v[i];
		if (t == RPM_ZYPPER ? (strpbrk(p, "=<>") || ends_with(p, ".rpm") ||
				       is_path_or_url(p) || is_variable(p))
				    : rpm_pinned(p))
			continue;
		r = pkglist_add(&pk, p);
	}
	if (r >= 0 && pk.n)
		r = emit(l, r_pin[t], in, "%s install without a version pin: %s", tool,
			 buf_str(&pk.names));
	buf_done(&pk.names);
	if (r < 0 || !final)
		return r;
	bool clean;
	if (t == RPM_ZYPPER)
		clean = script_has(s, zypper, "clean", NULL) || script_has(s, zypper, "cc", NULL) ||
			script_removes(s, "/var/cache/zypp");
	else
		clean = script_has(s, yum, "clean", "all") || script_has(s, dnf, "clean", "all") ||
			script_removes(s, "/var/cache/yum") ||
			script_removes(s, "/var/cache/dnf") ||
			run_has_cache_mount(in, "/var/cache/");
	if (!clean)
		r = emit(l, r_clean[t], in, "%s install without '%s' in the same RUN", tool,
			 t == RPM_ZYPPER ? "zypper clean"
			 : t == RPM_YUM	 ? "yum clean all"
					 : "dnf clean all");
	return r;
}

/* ---- security rules on commands ---------------------------------------------------------------
 */

static bool is_interpreter(const char *w)
{
	static const char *const names[] = {"sh",   "bash",   "dash",	 "ash",	    "zsh",
					    "ksh",  "python", "python3", "python2", "perl",
					    "ruby", "node",   "php",	 "busybox", NULL};
	return in_list(w, names);
}

static bool fetches_remote_code(const char *w)
{
	static const char *const pat[] = {"$(curl", "$(wget", "`curl", "`wget",
					  "<(curl", "<(wget", NULL};
	for (size_t i = 0; pat[i]; i++)
		if (strstr(w, pat[i]))
			return true;
	return false;
}

static bool is_plain_http(const char *w)
{
	if (strncasecmp(w, "http://", 7) != 0)
		return false;
	const char *h = w + 7;
	return strncmp(h, "localhost", 9) != 0 && strncmp(h, "127.", 4) != 0 &&
	       strncmp(h, "[::1]", 5) != 0;
}

/* chmod mode: world-writable (without sticky bit) and/or setuid/setgid. */
static void mode_bits(const char *m, bool *ret_ww, bool *ret_suid)
{
	*ret_ww = *ret_suid = false;
	size_t n = strlen(m);
	bool octal = n > 0 && n <= 4;
	for (size_t i = 0; i < n; i++)
		octal = octal && m[i] >= '0' && m[i] <= '7';
	if (octal) {
		unsigned others = (unsigned)(m[n - 1] - '0');
		unsigned special = n == 4 ? (unsigned)(m[0] - '0') : 0;
		*ret_ww = (others & 2) && !(special & 1);
		*ret_suid = (special & 6) != 0;
		return;
	}
	bool sticky = strchr(m, 't') != NULL;
	struct span in = span_from(m), clause;
	while (span_next_token(&in, ',', &clause) == 0) {
		size_t i = 0;
		bool who_o = false, who_any = false;
		while (i < clause.len && strchr("ugoa", clause.ptr[i])) {
			who_o |= clause.ptr[i] == 'o' || clause.ptr[i] == 'a';
			who_any = true;
			i++;
		}
		while (i < clause.len && strchr("+-=", clause.ptr[i])) {
			char op = clause.ptr[i++];
			size_t s = i;
			while (i < clause.len && !strchr("+-=", clause.ptr[i]))
				i++;
			struct span perms = span_slice(clause, s, i - s);
			if (op == '-')
				continue;
			if (span_index(perms, 'w') >= 0 && (who_o || !who_any) && !sticky)
				*ret_ww = true;
			if (span_index(perms, 's') >= 0)
				*ret_suid = true;
		}
	}
}

static int check_mode(struct lint *l, const struct df_instr *in, const char *mode,
		      const char *where)
{
	bool ww, suid;
	mode_bits(mode, &ww, &suid);
	int r = 0;
	if (ww)
		r = emit(l, R_WORLD_WRITABLE, in, "%s '%.40s' makes files writable by every user",
			 where, mode);
	if (r >= 0 && suid)
		r = emit(l, R_SETUID, in, "%s '%.40s' sets the setuid/setgid bit", where, mode);
	return r;
}

static bool is_remote_login_pkg(const char *p)
{
	static const char *const pkgs[] = {
	    "openssh-server", "dropbear", "telnetd",	     "inetutils-telnetd",
	    "telnet-server",  "xrdp",	  "tigervnc-server", NULL};
	size_t n = strcspn(p, "=<>~");
	for (size_t i = 0; pkgs[i]; i++)
		if (strlen(pkgs[i]) <= n && strncmp(p, pkgs[i], strlen(pkgs[i])) == 0 &&
		    (n == strlen(pkgs[i]) || p[strlen(pkgs[i])] == '-'))
			return true;
	return false;
}

static int check_command_security(struct lint *l, const struct df_instr *in,
				  const struct df_script *s, size_t ci)
{
	const struct df_cmd *c = &s->v[ci];
	const char *a0 = c->argv.v[0];
	int r = 0;
	/* remote code straight into an interpreter */
	if ((streq(a0, "curl") || streq(a0, "wget")) && c->pipe_out && ci + 1 < s->n &&
	    s->v[ci + 1].pipe_in && s->v[ci + 1].argv.n && is_interpreter(s->v[ci + 1].argv.v[0]))
		r = emit(l, R_CURL_PIPE_SH, in, "output of %s is piped into %s", a0,
			 s->v[ci + 1].argv.v[0]);
	for (size_t i = 0; r >= 0 && i < c->argv.n; i++)
		if (fetches_remote_code(c->argv.v[i]) &&
		    (i == 0 || is_interpreter(a0) || streq(a0, "eval") || streq(a0, "source") ||
		     streq(a0, "."))) {
			r = emit(l, R_CURL_PIPE_SH, in, "a downloaded script is run by %.40s", a0);
			break;
		}
	if (r < 0)
		return r;
	/* TLS verification */
	if ((streq(a0, "curl") && (has_opt(c, "--insecure", 'k'))) ||
	    (streq(a0, "wget") && has_opt(c, "--no-check-certificate", 0)))
		r = emit(l, R_TLS_OFF, in, "%s runs without certificate verification", a0);
	if (r >= 0 &&
	    (streq(a0, "pip") || strncmp(a0, "pip3", 4) == 0 || strncmp(a0, "python", 6) == 0) &&
	    has_opt(c, "--trusted-host", 0))
		r = emit(l, R_TLS_OFF, in,
			 "pip --trusted-host accepts the index without TLS verification");
	for (size_t i = 1; r >= 0 && i < c->argv.n; i++) {
		const char *w = c->argv.v[i];
		if ((streq(a0, "git") && contains_nocase(w, "sslverify=false")) ||
		    ((streq(a0, "npm") || streq(a0, "yarn")) && streq(w, "strict-ssl") &&
		     i + 1 < c->argv.n && streq(c->argv.v[i + 1], "false")) ||
		    (streq(a0, "git") && contains_nocase(w, "http.sslVerify") &&
		     i + 1 < c->argv.n && streq(c->argv.v[i + 1], "false"))) {
			r = emit(l, R_TLS_OFF, in,
				 "%s is configured without certificate verification", a0);
			break;
		}
	}
	/* package signatures */
	static const char *const apt_unsafe[] = {
	    "--allow-unauthenticated", "--allow-insecure-repositories", "--force-yes", NULL};
	static const char *const rpm_tools[] = {"yum",	"dnf", "microdnf", "dnf5",
						"tdnf", "rpm", NULL};
	bool sig_off = false;
	if (streq(a0, "apt-get") || streq(a0, "apt"))
		for (size_t i = 1; i < c->argv.n; i++)
			sig_off |= in_list(c->argv.v[i], apt_unsafe) ||
				   contains_nocase(c->argv.v[i], "AllowUnauthenticated") ||
				   contains_nocase(c->argv.v[i], "AllowInsecureRepositories");
	if (streq(a0, "apk"))
		sig_off |= has_opt(c, "--allow-untrusted", 0);
	if (in_list(a0, rpm_tools))
		sig_off |= has_opt(c, "--nogpgcheck", 0) || has_opt(c, "--nosignature", 0) ||
			   has_opt(c, "--nodigest", 0);
	for (size_t i = 1; i < c->argv.n; i++)
		sig_off |= strstr(c->argv.v[i], "[trusted=yes]") != NULL ||
			   strstr(c->argv.v[i], "trusted=yes]") != NULL ||
			   strstr(c->argv.v[i], "gpgcheck=0") != NULL;
	if (r >= 0 && sig_off)
		r = emit(l, R_SIGNATURES_OFF, in,
			 "%s installs packages without verifying signatures", a0);
	/* plain http downloads */
	if (r >= 0 && (streq(a0, "curl") || streq(a0, "wget")))
		for (size_t i = 1; i < c->argv.n; i++)
			if (is_plain_http(c->argv.v[i])) {
				r = emit(l, R_PLAIN_HTTP, in,
					 "%s downloads '%.80s' over plain HTTP", a0, c->argv.v[i]);
				break;
			}
	/* permissions */
	if (r >= 0 && streq(a0, "chmod")) {
		size_t i = next_positional(c, 1, NULL);
		if (i < c->argv.n)
			r = check_mode(l, in, c->argv.v[i], "chmod");
	}
	if (r < 0)
		return r;
	/* remote-login daemons */
	static const char *const installers[] = {"apt-get",  "apt",    "apk",  "yum", "dnf",
						 "microdnf", "zypper", "tdnf", NULL};
	if (is_cmd_any(c, installers)) {
		static const char *const subs[] = {"install", "add", "in", NULL};
		size_t sub;
		if (subcommand(c, apt_with_arg, subs, &sub))
			for (size_t i = sub + 1; i < c->argv.n; i++)
				if (!is_opt(c->argv.v[i]) &&
				    (is_remote_login_pkg(c->argv.v[i]) ||
				     (streq(a0, "apk") && streq(c->argv.v[i], "openssh")))) {
					r = emit(l, R_SSH_SERVER, in, "%s installs '%.60s'", a0,
						 c->argv.v[i]);
					break;
				}
	}
	return r;
}

/* ---- per-instruction rules ------------------------------------------------------------------ */

static bool pipefail_shell(const struct lint *l, const struct df_instr *in, bool *ret_posix)
{
	/* the SHELL in effect: the last one before in, in its stage or the stages below it */
	*ret_posix = true;
	size_t st = in->stage;
	size_t upto = (size_t)(in - l->df->v);
	while (st != DF_NO_STAGE) {
		const struct df_instr *shell = NULL;
		for (size_t i = l->df->stages[st].from; i < upto; i++)
			if (l->df->v[i].stage == st && l->df->v[i].kind == DF_SHELL)
				shell = &l->df->v[i];
		if (shell) {
			const struct strv *w = &shell->words;
			const char *exe = w->n ? w->v[0] : "";
			const char *b = strrchr(exe, '/');
			b = b ? b + 1 : exe;
			static const char *const posix[] = {"sh",   "bash", "zsh",  "ash",
							    "dash", "ksh",  "mksh", NULL};
			if (!in_list(b, posix)) {
				*ret_posix = false;
				return false;
			}
			for (size_t i = 1; i + 1 < w->n; i++)
				if (w->v[i][0] == '-' && w->v[i][1] != '-' &&
				    strchr(w->v[i], 'o') && streq(w->v[i + 1], "pipefail"))
					return true;
			return false;
		}
		upto = l->df->stages[st].from;
		st = l->df->stages[st].base;
	}
	return false;
}

static int check_run(struct lint *l, size_t idx, bool *saw_curl, bool *saw_wget,
		     bool *both_reported)
{
	const struct df_instr *in = &l->df->v[idx];
	const struct df_script *s = &l->scripts[idx];
	bool final = in->stage != DF_NO_STAGE && l->final_chain[in->stage];
	int r = 0;
	const struct df_flag *sec = df_instr_flag(in, "security");
	if (sec && sec->value && streq(sec->value, "insecure"))
		r = emit(l, R_INSECURE_SECURITY, in,
			 "RUN --security=insecure runs without the sandbox");
	const struct df_flag *net = df_instr_flag(in, "network");
	if (r >= 0 && net && net->value && streq(net->value, "host"))
		r = emit(l, R_HOST_NETWORK, in, "RUN --network=host uses the build host's network");
	if (r >= 0 && in->bad_json)
		r = emit(l, R_BAD_JSON, in,
			 "RUN arguments start with '[' but are not a JSON string array");

	bool apt_install = false, apt_update = false, yarn_install = false;
	static const char *const pointless[] = {"ssh", "vim",  "shutdown", "service",  "ps", "free",
						"top", "kill", "mount",	   "ifconfig", NULL};
	for (size_t ci = 0; r >= 0 && ci < s->n; ci++) {
		const struct df_cmd *c = &s->v[ci];
		const char *a0 = c->argv.v[0];
		if (c->sudo)
			r = emit(l, R_SUDO, in, "sudo '%.40s' in RUN", a0);
		if (r >= 0 && streq(a0, "cd"))
			r = emit(l, R_CD, in, "'cd' in RUN: use WORKDIR");
		if (r >= 0 && in_list(a0, pointless))
			r = emit(l, R_POINTLESS, in, "'%s' makes no sense in a container build",
				 a0);
		if (r >= 0 && streq(a0, "apt-get"))
			r = check_apt(l, in, c, &apt_install);
		if (streq(a0, "apt-get") && has_word(c, "update"))
			apt_update = true;
		if (r >= 0 && streq(a0, "apt")) {
			r = emit(l, R_APT, in, "'apt' in RUN: use apt-get");
			size_t sub;
			if (subcommand(c, apt_with_arg, install_subs, &sub))
				apt_install = true;
		}
		if (r >= 0)
			r = check_pip(l, in, c, final);
		if (r >= 0)
			r = check_apk(l, in, c, final);
		if (r >= 0)
			r = check_npm(l, in, c);
		if (r >= 0)
			r = check_gem(l, in, c);
		if (r >= 0)
			r = check_rpm_family(l, in, c, s, final);
		if (streq(a0, "yarn") && (c->argv.n == 1 || has_word(c, "install")))
			yarn_install = true;
		if (r >= 0 && streq(a0, "wget") && !has_opt(c, "--progress", 0) &&
		    !has_opt(c, "--quiet", 'q') && !has_opt(c, "--no-verbose", 0) &&
		    !has_word(c, "-nv"))
			r = emit(l, R_WGET_PROGRESS, in,
				 "wget without --progress floods the build log");
		if (r >= 0 && streq(a0, "ln") && c->argv.n > 2 &&
		    streq(c->argv.v[c->argv.n - 1], "/bin/sh"))
			r = emit(l, R_LN_SH, in, "'ln' replaces /bin/sh: use SHELL");
		if (r >= 0)
			r = check_command_security(l, in, s, ci);
		if (streq(a0, "curl"))
			*saw_curl = true;
		if (streq(a0, "wget"))
			*saw_wget = true;
		if (r >= 0 && *saw_curl && *saw_wget && !*both_reported) {
			*both_reported = true;
			r = emit(l, R_WGET_AND_CURL, in,
				 "both wget and curl are used in this stage");
		}
	}
	if (r >= 0 && final && (apt_install || apt_update) &&
	    !script_removes(s, "/var/lib/apt/lists") && !run_has_cache_mount(in, "/var/lib/apt"))
		r = emit(l, R_APT_LISTS, in, "apt-get %s without removing /var/lib/apt/lists",
			 apt_install ? "install" : "update");
	if (r >= 0 && final && yarn_install &&
	    !script_has(s, (const char *const[]){"yarn", NULL}, "cache", "clean") &&
	    !run_has_cache_mount(in, "/usr/local/share/.cache/yarn"))
		r = emit(l, R_YARN_CACHE, in, "yarn install without 'yarn cache clean'");
	if (r >= 0 && !in->is_json && s->has_pipe) {
		bool posix, set_in_script = false;
		for (size_t ci = 0; ci < s->n; ci++)
			if (is_cmd(&s->v[ci], "set") && has_word(&s->v[ci], "pipefail"))
				set_in_script = true;
		if (!pipefail_shell(l, in, &posix) && posix && !set_in_script)
			r = emit(l, R_PIPEFAIL, in,
				 "a pipe in RUN hides failures of all but its last command");
	}
	return r;
}

static bool secret_name(const char *key)
{
	static const char *const words[] = {"PASSWORD",	  "PASSWD",    "PASS",	     "SECRET",
					    "TOKEN",	  "APIKEY",    "CREDENTIAL", "CREDENTIALS",
					    "PRIVATEKEY", "SECRETKEY", NULL};
	static const char *const pairs[][2] = {
	    {"API", "KEY"},	{"ACCESS", "KEY"}, {"PRIVATE", "KEY"},
	    {"SECRET", "KEY"},	{"AUTH", "KEY"},   {"ENCRYPTION", "KEY"},
	    {"SIGNING", "KEY"}, {"MASTER", "KEY"}, {"CLIENT", "SECRET"},
	};
	static const char *const benign_last[] = {
	    "FILE",    "PATH",	 "DIR",	    "URL",    "NAME",  "LENGTH", "TTL",
	    "TIMEOUT", "EXPIRY", "EXPIRES", "HEADER", "PARAM", "FIELD",	 "ENV",
	    "VAR",     "POLICY", "PROMPT",  "MIN",    "MAX",   "LEN",	 NULL};
	char parts[8][32];
	size_t n = 0, k = 0;
	for (const char *p = key;; p++) {
		if (*p == '_' || *p == '-' || *p == '.' || *p == '\0') {
			if (k && n < ARRAY_SIZE(parts)) {
				parts[n][k] = '\0';
				n++;
			}
			k = 0;
			if (!*p)
				break;
		} else if (k + 1 < sizeof(parts[0]))
			parts[n < ARRAY_SIZE(parts) ? n : ARRAY_SIZE(parts) - 1][k++] =
			    (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	}
	if (!n || in_list(parts[n - 1], benign_last))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (in_list(parts[i], words))
			return true;
		for (size_t j = 0; i + 1 < n && j < ARRAY_SIZE(pairs); j++)
			if (streq(parts[i], pairs[j][0]) && streq(parts[i + 1], pairs[j][1]))
				return true;
	}
	return false;
}

static bool tls_off_env(const char *key, const char *value)
{
	if (!value)
		return false;
	if (streq(key, "NODE_TLS_REJECT_UNAUTHORIZED") || streq(key, "PYTHONHTTPSVERIFY"))
		return streq(value, "0");
	if (streq(key, "GIT_SSL_NO_VERIFY"))
		return *value && !streq(value, "0") && strcasecmp(value, "false") != 0;
	if (strcasecmp(key, "NPM_CONFIG_STRICT_SSL") == 0)
		return strcasecmp(value, "false") == 0;
	return false;
}

/* In an ENV's text: what follows the word "KEY=..." that defines key; NULL when absent. */
static const char *after_definition(const char *args, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = args; (p = strstr(p, key)); p++) {
		if ((p != args && p[-1] != ' ' && p[-1] != '\t') || p[kl] != '=')
			continue;
		char q = 0;
		const char *e = p + kl + 1;
		for (; *e && (q || (*e != ' ' && *e != '\t')); e++) {
			if (*e == '\\' && e[1])
				e++;
			else if (!q && (*e == '"' || *e == '\''))
				q = *e;
			else if (q && *e == q)
				q = 0;
		}
		return e;
	}
	return NULL;
}

/* text mentions $key or ${key...} */
static bool references(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = strchr(text, '$'); p; p = strchr(p + 1, '$')) {
		const char *nm = p[1] == '{' ? p + 2 : p + 1;
		if (strncmp(nm, key, kl) == 0 && !ascii_isalnum(nm[kl]) && nm[kl] != '_')
			return true;
	}
	return false;
}

static int check_pairs(struct lint *l, const struct df_instr *in)
{
	int r = 0;
	for (size_t i = 0; r >= 0 && i < in->n_pairs; i++) {
		const struct df_pair *p = &in->pairs[i];
		if (in->kind == DF_ENV && secret_name(p->key) && p->value && *p->value)
			r = emit(l, R_SECRET_ENV, in,
				 "ENV '%.80s' looks like a secret and stays in the image", p->key);
		else if (in->kind == DF_ARG && secret_name(p->key))
			r = emit(l, R_SECRET_ARG, in,
				 "ARG '%.80s' looks like a secret; build arguments are kept in the "
				 "image history",
				 p->key);
		if (r >= 0 && in->kind == DF_ENV && tls_off_env(p->key, p->value))
			r = emit(l, R_TLS_OFF, in,
				 "ENV %.60s=%.20s turns certificate verification off", p->key,
				 p->value);
	}
	if (r < 0 || in->kind != DF_ENV || in->n_pairs < 2)
		return r;
	/* a reference to a name defined earlier in the same ENV, not defined before it */
	for (size_t j = 0; j + 1 < in->n_pairs; j++) {
		const char *key = in->pairs[j].key;
		bool before = false;
		for (size_t k = in->stage == DF_NO_STAGE ? 0 : l->df->stages[in->stage].from;
		     k < (size_t)(in - l->df->v); k++) {
			const struct df_instr *e = &l->df->v[k];
			if ((e->kind != DF_ENV && e->kind != DF_ARG) || e->stage != in->stage)
				continue;
			for (size_t m = 0; m < e->n_pairs; m++)
				before |= streq(e->pairs[m].key, key);
		}
		if (before)
			continue;
		const char *rest = after_definition(in->args, key);
		if (rest && references(rest, key))
			return emit(l, R_ENV_SELF_REF, in,
				    "ENV uses $%.60s, which this same ENV defines", key);
	}
	return 0;
}

static bool is_archive(const char *s)
{
	static const char *const ext[] = {".tar",    ".tar.gz",	  ".tgz",  ".tar.bz2", ".tbz2",
					  ".tbz",    ".tar.xz",	  ".txz",  ".tar.zst", ".tzst",
					  ".tar.lz", ".tar.lzma", ".tlz",  ".gz",      ".bz2",
					  ".xz",     ".zst",	  ".lzma", NULL};
	for (size_t i = 0; ext[i]; i++)
		if (ends_with(s, ext[i]))
			return true;
	return false;
}

static bool is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0 ||
	       strncmp(s, "git@", 4) == 0 || strncasecmp(s, "git://", 6) == 0;
}

static bool is_secret_file(const char *src)
{
	static const char *const names[] = {"id_rsa",
					    "id_dsa",
					    "id_ecdsa",
					    "id_ed25519",
					    ".env",
					    ".npmrc",
					    ".pypirc",
					    ".netrc",
					    "_netrc",
					    ".git-credentials",
					    ".dockercfg",
					    ".htpasswd",
					    "kubeconfig",
					    ".pgpass",
					    ".ssh",
					    ".aws",
					    ".gnupg",
					    "credentials.json",
					    "service-account.json",
					    NULL};
	static const char *const paths[] = {".docker/config.json", ".kube/config",
					    ".aws/credentials", ".ssh/", NULL};
	static const char *const exts[] = {".key", ".p12", ".pfx", ".keystore", ".jks", NULL};
	char buf[512];
	size_t n = strlen(src);
	while (n > 1 && src[n - 1] == '/')
		n--;
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, src, n);
	buf[n] = '\0';
	const char *b = strrchr(buf, '/');
	b = b ? b + 1 : buf;
	if (in_list(b, names))
		return true;
	for (size_t i = 0; paths[i]; i++)
		if (strstr(buf, paths[i]))
			return true;
	for (size_t i = 0; exts[i]; i++)
		if (ends_with(b, exts[i]))
			return true;
	return false;
}

static bool workdir_set(const struct lint *l, const struct df_instr *in)
{
	size_t st = in->stage, upto = (size_t)(in - l->df->v);
	while (st != DF_NO_STAGE) {
		for (size_t i = l->df->stages[st].from; i < upto; i++)
			if (l->df->v[i].stage == st && l->df->v[i].kind == DF_WORKDIR)
				return true;
		upto = l->df->stages[st].from;
		st = l->df->stages[st].base;
	}
	return false;
}

static bool is_absolute(const char *p)
{
	return p[0] == '/' || p[0] == '\\' || is_variable(p) ||
	       (ascii_isalpha(p[0]) && p[1] == ':');
}

static int check_copy_add(struct lint *l, const struct df_instr *in)
{
	const struct strv *w = &in->words;
	int r = 0;
	if (in->bad_json)
		r = emit(l, R_BAD_JSON, in,
			 "%s arguments start with '[' but are not a JSON string array",
			 df_kind_name(in->kind));
	if (r < 0 || w->n < 1)
		return r;
	size_t nsrc = w->n >= 2 ? w->n - 1 : 0;
	const char *dest = w->v[w->n - 1];
	if (in->kind == DF_ADD) {
		bool local = false;
		for (size_t i = 0; r >= 0 && i < nsrc; i++) {
			const char *s = w->v[i];
			if (strncmp(s, "<<", 2) == 0)
				continue;
			if (is_url(s)) {
				if (strncasecmp(s, "http", 4) == 0 &&
				    !df_instr_flag(in, "checksum"))
					r = emit(l, R_ADD_NO_CHECKSUM, in,
						 "ADD '%.80s' without --checksum trusts whatever "
						 "the server sends",
						 s);
				if (r >= 0 && is_plain_http(s))
					r = emit(l, R_PLAIN_HTTP, in,
						 "ADD downloads '%.80s' over plain HTTP", s);
			} else if (!is_archive(s))
				local = true;
		}
		if (r >= 0 && local)
			r = emit(l, R_ADD_LOCAL, in, "ADD of local files: use COPY");
	}
	if (r >= 0 && in->kind == DF_COPY && w->n > 2 && !ends_with(dest, "/") &&
	    !is_variable(dest))
		r = emit(l, R_COPY_DEST_SLASH, in,
			 "COPY of %zu sources to '%.80s': the destination must end with /", nsrc,
			 dest);
	if (r >= 0 && in->kind == DF_COPY && !is_absolute(dest) && in->stage != DF_NO_STAGE &&
	    !workdir_set(l, in))
		r = emit(l, R_COPY_RELATIVE, in,
			 "COPY to the relative path '%.80s' before any WORKDIR", dest);
	const struct df_flag *from = df_instr_flag(in, "from");
	for (size_t i = 0; r >= 0 && i < nsrc; i++)
		if (strncmp(w->v[i], "<<", 2) != 0 && is_secret_file(w->v[i])) {
			r = emit(l, R_SECRET_FILE, in,
				 "%s '%.80s' puts a credential file into the image",
				 df_kind_name(in->kind), w->v[i]);
			break;
		}
	const struct df_flag *chmod = df_instr_flag(in, "chmod");
	if (r >= 0 && chmod && chmod->value)
		r = check_mode(l, in, chmod->value, "--chmod");
	if (r < 0 || in->kind != DF_COPY || !from || !from->value || in->stage == DF_NO_STAGE)
		return r;
	const char *v = from->value;
	const struct df_stage *cur = &l->df->stages[in->stage];
	uint64_t num;
	if (parse_u64(span_from(v), 10, UINT32_MAX, &num) == 0) {
		if (num == cur->index)
			return emit(l, R_COPY_FROM_SELF, in, "COPY --from=%s is this stage", v);
		if (num > cur->index)
			return emit(l, R_COPY_FROM_UNKNOWN, in,
				    "COPY --from=%s names no earlier stage", v);
		return 0;
	}
	if (cur->name && strcasecmp(cur->name, v) == 0)
		return emit(l, R_COPY_FROM_SELF, in, "COPY --from=%.60s is this stage", v);
	for (size_t i = 0; i < cur->index; i++)
		if (l->df->stages[i].name && strcasecmp(l->df->stages[i].name, v) == 0)
			return 0;
	if (strpbrk(v, ":/@.") || is_variable(v))
		return 0; /* an image reference */
	return emit(l, R_COPY_FROM_UNKNOWN, in, "COPY --from=%.60s names no earlier stage", v);
}

static int check_expose(struct lint *l, const struct df_instr *in)
{
	static const struct {
		unsigned port;
		const char *what;
		bool high;
	} sensitive[] = {
	    {21, "FTP", false},		 {22, "SSH", false},
	    {23, "telnet", true},	 {111, "rpcbind", false},
	    {135, "MS RPC", false},	 {139, "NetBIOS", false},
	    {445, "SMB", false},	 {2375, "Docker API without TLS", true},
	    {2376, "Docker API", false}, {2379, "etcd", false},
	    {2380, "etcd peer", false},	 {3389, "RDP", false},
	    {5900, "VNC", false},	 {5985, "WinRM", false},
	    {5986, "WinRM", false},	 {6443, "Kubernetes API", false},
	    {10250, "kubelet", false},	 {10255, "kubelet read-only", false},
	};
	int r = 0;
	for (size_t i = 0; r >= 0 && i < in->words.n; i++) {
		const char *w = in->words.v[i];
		if (is_variable(w))
			continue;
		struct span port = span_from(w), proto, lo_s, hi_s;
		if (span_cut(port, '/', &lo_s, &proto))
			port = lo_s;
		uint64_t lo, hi;
		if (span_cut(port, '-', &lo_s, &hi_s)) {
			if (parse_u64(lo_s, 10, UINT64_MAX, &lo) < 0 ||
			    parse_u64(hi_s, 10, UINT64_MAX, &hi) < 0)
				continue;
		} else if (parse_u64(port, 10, UINT64_MAX, &lo) < 0)
			continue;
		else
			hi = lo;
		if (lo > 65535 || hi > 65535) {
			r = emit(l, R_PORT_RANGE, in, "EXPOSE %.40s: ports range from 0 to 65535",
				 w);
			continue;
		}
		for (size_t k = 0; r >= 0 && k < ARRAY_SIZE(sensitive); k++)
			if (sensitive[k].port >= lo && sensitive[k].port <= hi) {
				r = emit_sev(
				    l, R_SENSITIVE_PORT,
				    sensitive[k].high ? BH_SEV_HIGH
						      : rules[R_SENSITIVE_PORT].severity,
				    in, "EXPOSE %u (%s)%s", sensitive[k].port, sensitive[k].what,
				    sensitive[k].high ? ": unauthenticated remote control" : "");
			}
	}
	return r;
}

/* "name", "name:tag", "host:port/name:tag@sha256:..." -> tag (NULL) and digest presence. */
static void image_tag(const char *image, const char **ret_tag, size_t *ret_len, bool *ret_digest)
{
	const char *at = strchr(image, '@');
	*ret_digest = at != NULL;
	size_t end = at ? (size_t)(at - image) : strlen(image);
	const char *slash = NULL;
	for (const char *p = image; p < image + end; p++)
		if (*p == '/')
			slash = p;
	const char *colon = NULL;
	for (const char *p = slash ? slash : image; p < image + end; p++)
		if (*p == ':')
			colon = p;
	*ret_tag = colon ? colon + 1 : NULL;
	*ret_len = colon ? (size_t)(image + end - colon - 1) : 0;
}

static bool registry_allowed(const struct strv *allowed, const char *image)
{
	const char *slash = strchr(image, '/');
	char reg[256] = "docker.io";
	if (slash && (size_t)(slash - image) < sizeof(reg)) {
		struct span first = span_make(image, (size_t)(slash - image));
		if (span_index(first, '.') >= 0 || span_index(first, ':') >= 0 ||
		    span_eq_str(first, "localhost")) {
			memcpy(reg, image, first.len);
			reg[first.len] = '\0';
		}
	}
	for (size_t i = 0; i < allowed->n; i++) {
		const char *a = allowed->v[i];
		if (strcasecmp(a, reg) == 0 || streq(a, "*"))
			return true;
		if (strncmp(a, "*.", 2) == 0 && ends_with(reg, a + 1))
			return true;
		if (streq(a, "docker.io") && (strcasecmp(reg, "index.docker.io") == 0 ||
					      strcasecmp(reg, "registry-1.docker.io") == 0))
			return true;
	}
	return false;
}

static int check_stage(struct lint *l, size_t si)
{
	const struct df_stage *st = &l->df->stages[si];
	const struct df_instr *from = stage_from(l, si);
	int r = 0;
	for (size_t i = 0; r >= 0 && i < si; i++)
		if (st->name && l->df->stages[i].name && streq(st->name, l->df->stages[i].name)) {
			r = emit(l, R_STAGE_DUP, from,
				 "stage name '%.60s' is already used on line %u", st->name,
				 stage_from(l, i)->line);
			break;
		}
	const struct df_flag *pf = df_instr_flag(from, "platform");
	if (r >= 0 && pf && pf->value && !strstr(pf->value, "BUILDPLATFORM") &&
	    !strstr(pf->value, "TARGETPLATFORM"))
		r = emit(l, R_FROM_PLATFORM, from, "FROM --platform=%.40s fixes the platform",
			 pf->value);
	if (r < 0 || st->base != DF_NO_STAGE || is_variable(st->image_raw) || !*st->image ||
	    streq(st->image, "scratch"))
		return r;
	const char *tag;
	size_t tag_len;
	bool digest;
	image_tag(st->image, &tag, &tag_len, &digest);
	if (!tag && !digest)
		r = emit(l, R_UNTAGGED, from,
			 "FROM '%.80s' has no tag: the build takes whatever latest is", st->image);
	else if (!digest && tag_len == 6 && strncmp(tag, "latest", 6) == 0)
		r = emit(l, R_LATEST, from, "FROM '%.80s' uses the latest tag", st->image);
	const struct strv *allowed = l->o ? l->o->allowed_registries : NULL;
	if (r >= 0 && allowed && allowed->n && !registry_allowed(allowed, st->image))
		r = emit(l, R_REGISTRY, from, "FROM '%.80s' is not from an allowed registry",
			 st->image);
	return r;
}

/* USER of the final stage, following FROM <stage> downwards. */
static int check_user(struct lint *l)
{
	size_t final = l->df->n_stages - 1;
	for (size_t st = final; st != DF_NO_STAGE; st = l->df->stages[st].base) {
		const struct df_instr *user = NULL;
		for (size_t i = l->df->stages[st].from; i < l->df->n; i++)
			if (l->df->v[i].stage == st && l->df->v[i].kind == DF_USER)
				user = &l->df->v[i];
		if (!user)
			continue;
		const char *u = user->words.n ? user->words.v[0] : "";
		size_t n = strcspn(u, ":");
		if ((n == 4 && strncmp(u, "root", 4) == 0) || (n == 1 && u[0] == '0'))
			return emit(
			    l, R_ROOT_USER, user, "the image runs as root (USER %.40s%s)", u,
			    st == final ? "" : ", set in a stage the final stage is built FROM");
		return 0;
	}
	return emit(l, R_NO_USER, stage_from(l, final),
		    "the final stage never sets USER, so the image runs as root unless its base "
		    "image sets a user");
}

static int check_final(struct lint *l)
{
	if (!l->df->n_stages)
		return 0;
	int r = check_user(l);
	bool hc = false;
	for (size_t i = 0; i < l->df->n; i++)
		if (l->df->v[i].kind == DF_HEALTHCHECK && l->df->v[i].stage != DF_NO_STAGE &&
		    l->final_chain[l->df->v[i].stage])
			hc = true;
	if (r >= 0 && !hc)
		r = emit(l, R_NO_HEALTHCHECK, stage_from(l, l->df->n_stages - 1),
			 "the image defines no HEALTHCHECK");
	return r;
}

static bool same_flags(const struct df_instr *a, const struct df_instr *b)
{
	if (a->n_flags != b->n_flags)
		return false;
	for (size_t i = 0; i < a->n_flags; i++)
		if (!streq(a->flags[i].name, b->flags[i].name) ||
		    !streq_ptr(a->flags[i].value, b->flags[i].value))
			return false;
	return true;
}

static int check_instructions(struct lint *l)
{
	const struct dockerfile *df = l->df;
	int r = 0;
	bool before_reported = false;
	size_t n_hc = 0, n_cmd = 0, n_ep = 0, cur_stage = DF_NO_STAGE;
	bool saw_curl = false, saw_wget = false, both = false;
	for (size_t i = 0; r >= 0 && i < df->n; i++) {
		const struct df_instr *in = &df->v[i];
		if (in->stage != cur_stage) {
			cur_stage = in->stage;
			n_hc = n_cmd = n_ep = 0;
			saw_curl = saw_wget = both = false;
		}
		if (in->stage == DF_NO_STAGE && in->kind != DF_ARG && !before_reported) {
			before_reported = true;
			r = emit(l, R_BEFORE_FROM, in, "%s before the first FROM",
				 df_kind_name(in->kind));
		}
		if (r < 0)
			break;
		switch (in->kind) {
		case DF_RUN:
			if (i > 0 && df->v[i - 1].kind == DF_RUN &&
			    df->v[i - 1].stage == in->stage && same_flags(&df->v[i - 1], in))
				r = emit(l, R_CONSECUTIVE_RUN, in, "RUN follows a RUN on line %u",
					 df->v[i - 1].line);
			if (r >= 0)
				r = check_run(l, i, &saw_curl, &saw_wget, &both);
			break;
		case DF_CMD:
		case DF_ENTRYPOINT: {
			size_t *count = in->kind == DF_CMD ? &n_cmd : &n_ep;
			if (++*count > 1)
				r = emit(
				    l, in->kind == DF_CMD ? R_MULTI_CMD : R_MULTI_ENTRYPOINT, in,
				    "%s repeated in this stage: only the last one takes effect",
				    df_kind_name(in->kind));
			if (r >= 0 && in->bad_json)
				r = emit(
				    l, R_BAD_JSON, in,
				    "%s arguments start with '[' but are not a JSON string array",
				    df_kind_name(in->kind));
			else if (r >= 0 && !in->is_json && in->args[0])
				r = emit(l, R_SHELL_FORM_CMD, in,
					 "%s in shell form runs under /bin/sh -c",
					 df_kind_name(in->kind));
			break;
		}
		case DF_HEALTHCHECK:
			if (++n_hc > 1)
				r = emit(l, R_MULTI_HEALTHCHECK, in,
					 "HEALTHCHECK repeated in this stage: only the last one "
					 "takes effect");
			break;
		case DF_WORKDIR: {
			const char *w = in->words.n ? in->words.v[0] : "";
			if (!is_absolute(w) && !is_variable(in->args) && *w)
				r = emit(l, R_WORKDIR_RELATIVE, in, "WORKDIR '%.80s' is relative",
					 w);
			break;
		}
		case DF_EXPOSE:
			r = check_expose(l, in);
			break;
		case DF_COPY:
		case DF_ADD:
			r = check_copy_add(l, in);
			break;
		case DF_ENV:
		case DF_ARG:
			r = check_pairs(l, in);
			break;
		case DF_MAINTAINER:
			r = emit(l, R_MAINTAINER, in, "MAINTAINER is deprecated");
			break;
		case DF_VOLUME:
			if (in->bad_json)
				r = emit(l, R_BAD_JSON, in,
					 "VOLUME arguments start with '[' but are not a JSON "
					 "string array");
			break;
		default:
			break;
		}
	}
	return r;
}

int df_lint(const struct dockerfile *df, const char *path, const struct df_lint_opts *opts,
	    struct bh_findings *out)
{
	struct lint l = {.df = df, .path = path ? path : "Dockerfile", .o = opts, .out = out};
	l.scripts = calloc(df->n ? df->n : 1, sizeof(*l.scripts));
	l.final_chain = calloc(df->n_stages ? df->n_stages : 1, sizeof(*l.final_chain));
	int r = l.scripts && l.final_chain ? 0 : -ENOMEM;
	for (size_t i = 0; r >= 0 && i < df->n; i++)
		if (df->v[i].kind == DF_RUN)
			r = df_instr_script(&df->v[i], &l.scripts[i]);
	/* stages chained by FROM <stage> (base < index, so the walk ends) */
	if (df->n_stages)
		for (size_t st = df->n_stages - 1; st != DF_NO_STAGE; st = df->stages[st].base)
			l.final_chain[st] = true;
	for (size_t si = 0; r >= 0 && si < df->n_stages; si++)
		r = check_stage(&l, si);
	if (r >= 0)
		r = check_instructions(&l);
	if (r >= 0)
		r = check_final(&l);
	for (size_t i = 0; l.scripts && i < df->n; i++)
		df_script_done(&l.scripts[i]);
	free(l.scripts);
	free(l.final_chain);
	return r;
}
