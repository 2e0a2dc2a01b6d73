/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret-rules.c — the built-in secret rules (docs/secret-rules.md is the readable table):
 * one entry per credential format, and one or more prefilter/confirmation pattern pairs per
 * rule. The regular expressions are written from the vendors' published token formats
 * (prefixes, lengths, alphabets); they are data, compiled by secret-engine.c.
 *
 * Must not: contain anything that looks like a live credential. Known public example values
 * (cloud documentation keys) are listed at the end, as exact strings.
 */
#include <hs/hs.h>

#include "checks/secret-int.h"

enum {
	R_AWS_ID,
	R_AWS_SECRET,
	R_AWS_MWS,
	R_GCP_KEY,
	R_GCP_SA,
	R_AZURE_STORAGE,
	R_AZURE_AD,
	R_DO,
	R_ALIBABA,
	R_GH_PAT,
	R_GH_FINE,
	R_GH_OAUTH,
	R_GH_APP,
	R_GH_REFRESH,
	R_GL_PAT,
	R_GL_RUNNER,
	R_GL_CI,
	R_ATLASSIAN,
	R_BITBUCKET,
	R_CIRCLECI,
	R_BUILDKITE,
	R_NPM,
	R_NPMRC,
	R_PYPI,
	R_RUBYGEMS,
	R_DOCKERHUB,
	R_SLACK,
	R_SLACK_APP,
	R_SLACK_HOOK,
	R_DISCORD_HOOK,
	R_TELEGRAM,
	R_TWILIO,
	R_SENDGRID,
	R_MAILGUN,
	R_MAILCHIMP,
	R_STRIPE,
	R_STRIPE_RK,
	R_SQUARE,
	R_SQUARE_OAUTH,
	R_SHOPIFY,
	R_SHOPIFY_SS,
	R_VAULT,
	R_TFC,
	R_OPENAI,
	R_ANTHROPIC,
	R_HF,
	R_GRAFANA,
	R_NEWRELIC,
	R_POSTMAN,
	R_DOPPLER,
	R_PEM_RSA,
	R_PEM_EC,
	R_PEM_DSA,
	R_PEM_PKCS8,
	R_PEM_ENC,
	R_OPENSSH,
	R_PGP,
	R_PUTTY,
	R_JWT,
	R_K8S_SA,
	R_DOCKER_AUTH,
	R_KUBE_KEY,
	R_KUBE_TOKEN,
	R_URL_CRED,
	R_GEN_PASSWORD,
	R_GEN_SECRET,
	R_AGE,
	R_DATABRICKS,
	R_SENTRY,
	R_PULUMI,
	R_DYNATRACE,
	R_PLANETSCALE,
	R_LINEAR,
	R_FCM,
	R_SUPABASE,
	_R_MAX,
};

#define RULE(idx, id_, title_, cat, sev, prio, kw)                                                 \
	[idx] = { .info = { .id = "BH-SECRET-" id_,                                                \
			    .title = title_,                                                       \
			    .category = cat,                                                       \
			    .severity = BH_SEV_##sev,                                              \
			    .keywords = kw },                                                      \
		  .priority = prio }

/* priority: 3 prefixed token formats, 2 structured (keys, JWT, config files), 1 URL, 0 generic */
const struct sec_rule_def sec_rule_defs[] = {
	RULE(R_AWS_ID, "001", "AWS access key ID", "cloud", HIGH, 3,
	     "AKIA/ASIA/ABIA/ACCA followed by 16 upper-case letters or digits"),
	RULE(R_AWS_SECRET, "002", "AWS secret access key", "cloud", CRITICAL, 3,
	     "40 base64 characters assigned to aws_secret_access_key/secret_access_key, or "
	     "within 100 bytes after an access key ID"),
	RULE(R_AWS_MWS, "003", "Amazon MWS auth token", "cloud", HIGH, 3,
	     "amzn.mws. followed by a UUID"),
	RULE(R_GCP_KEY, "004", "Google API key", "cloud", HIGH, 3, "AIza followed by 35 characters"),
	RULE(R_GCP_SA, "005", "GCP service-account private key", "cloud", CRITICAL, 3,
	     "\"private_key\": \"-----BEGIN PRIVATE KEY-----…\" in a service_account JSON key"),
	RULE(R_AZURE_STORAGE, "006", "Azure storage account key", "cloud", CRITICAL, 3,
	     "AccountKey= followed by 88 base64 characters (connection strings)"),
	RULE(R_AZURE_AD, "007", "Azure AD client secret", "cloud", HIGH, 3,
	     "3 characters, a digit, Q~, 31-34 characters"),
	RULE(R_DO, "008", "DigitalOcean token", "cloud", CRITICAL, 3,
	     "dop_v1_/doo_v1_/dor_v1_ followed by 64 hex digits"),
	RULE(R_ALIBABA, "009", "Alibaba Cloud AccessKey ID", "cloud", HIGH, 3,
	     "LTAI followed by 12-20 letters or digits"),
	RULE(R_GH_PAT, "010", "GitHub personal access token", "vcs", CRITICAL, 3,
	     "ghp_ followed by 36 letters or digits"),
	RULE(R_GH_FINE, "011", "GitHub fine-grained personal access token", "vcs", CRITICAL, 3,
	     "github_pat_ followed by 22 + _ + 59 letters or digits"),
	RULE(R_GH_OAUTH, "012", "GitHub OAuth access token", "vcs", HIGH, 3,
	     "gho_ followed by 36 letters or digits"),
	RULE(R_GH_APP, "013", "GitHub App token", "vcs", HIGH, 3,
	     "ghu_/ghs_ followed by 36 letters or digits"),
	RULE(R_GH_REFRESH, "014", "GitHub refresh token", "vcs", HIGH, 3,
	     "ghr_ followed by 36-76 letters or digits"),
	RULE(R_GL_PAT, "015", "GitLab personal access token", "vcs", CRITICAL, 3,
	     "glpat- followed by 20 or more URL-safe characters"),
	RULE(R_GL_RUNNER, "016", "GitLab runner token", "ci", HIGH, 3,
	     "glrt- or GR1348941 followed by 20 or more characters"),
	RULE(R_GL_CI, "017", "GitLab pipeline trigger or deploy token", "ci", HIGH, 3,
	     "glptt- or gldt- followed by 20 or more characters"),
	RULE(R_ATLASSIAN, "018", "Atlassian API token", "vcs", HIGH, 3,
	     "ATATT3 followed by 150-250 characters"),
	RULE(R_BITBUCKET, "019", "Bitbucket app password", "vcs", HIGH, 3,
	     "ATBB followed by 28-40 characters"),
	RULE(R_CIRCLECI, "020", "CircleCI API token", "ci", HIGH, 3,
	     "CCIPAT_/CCIPRJ_ followed by 22 characters, _ and 40 hex digits"),
	RULE(R_BUILDKITE, "021", "Buildkite API token", "ci", HIGH, 3,
	     "bkua_ followed by 40 hex digits"),
	RULE(R_NPM, "022", "npm access token", "registry", HIGH, 3,
	     "npm_ followed by 36 letters or digits"),
	RULE(R_NPMRC, "023", "npm registry credential in .npmrc", "registry", HIGH, 2,
	     "_auth= or _authToken= with a literal value"),
	RULE(R_PYPI, "024", "PyPI upload token", "registry", HIGH, 3,
	     "pypi-AgEIcHlwaS5vcmc (or the test.pypi.org form) followed by 50+ characters"),
	RULE(R_RUBYGEMS, "025", "RubyGems API key", "registry", HIGH, 3,
	     "rubygems_ followed by 48 hex digits"),
	RULE(R_DOCKERHUB, "026", "Docker Hub access token", "registry", HIGH, 3,
	     "dckr_pat_/dckr_oat_ followed by 27 or more characters"),
	RULE(R_SLACK, "027", "Slack token", "chat", HIGH, 3,
	     "xoxb-/xoxp-/xoxa-/xoxe-/xoxo-/xoxr-/xoxs- with numeric and random parts"),
	RULE(R_SLACK_APP, "028", "Slack app-level token", "chat", HIGH, 3,
	     "xapp-N-<app id>-<number>-<random>"),
	RULE(R_SLACK_HOOK, "029", "Slack webhook URL", "chat", MEDIUM, 3,
	     "https://hooks.slack.com/services|workflows|triggers/T…/…"),
	RULE(R_DISCORD_HOOK, "030", "Discord webhook URL", "chat", MEDIUM, 3,
	     "https://discord.com/api/webhooks/<id>/<68-character token>"),
	RULE(R_TELEGRAM, "031", "Telegram bot token", "chat", HIGH, 3,
	     "8-10 digit bot id, :AA, 33 characters"),
	RULE(R_TWILIO, "032", "Twilio API key", "chat", HIGH, 3, "SK followed by 32 hex digits"),
	RULE(R_SENDGRID, "033", "SendGrid API key", "email", HIGH, 3,
	     "SG. followed by 22 characters, a dot and 43 characters"),
	RULE(R_MAILGUN, "034", "Mailgun API key", "email", HIGH, 3,
	     "key- followed by 32 hex digits, with \"mailgun\" nearby"),
	RULE(R_MAILCHIMP, "035", "Mailchimp API key", "email", HIGH, 3,
	     "32 hex digits followed by -us and a data-centre number"),
	RULE(R_STRIPE, "036", "Stripe live secret key", "payment", CRITICAL, 3,
	     "sk_live_ followed by 24 or more letters or digits"),
	RULE(R_STRIPE_RK, "037", "Stripe restricted live key", "payment", HIGH, 3,
	     "rk_live_ followed by 24 or more letters or digits"),
	RULE(R_SQUARE, "038", "Square access token", "payment", HIGH, 3,
	     "sq0atp- followed by 22 characters, or EAAA followed by 60"),
	RULE(R_SQUARE_OAUTH, "039", "Square OAuth secret", "payment", HIGH, 3,
	     "sq0csp- followed by 43 characters"),
	RULE(R_SHOPIFY, "040", "Shopify access token", "payment", HIGH, 3,
	     "shpat_/shpca_/shppa_ followed by 32 hex digits"),
	RULE(R_SHOPIFY_SS, "041", "Shopify shared secret", "payment", HIGH, 3,
	     "shpss_ followed by 32 hex digits"),
	RULE(R_VAULT, "042", "HashiCorp Vault token", "infra", CRITICAL, 3,
	     "hvs./hvb./hvr. followed by 24 or more characters"),
	RULE(R_TFC, "043", "Terraform Cloud API token", "infra", HIGH, 3,
	     "14 characters, .atlasv1., 60-70 characters"),
	RULE(R_OPENAI, "044", "OpenAI API key", "ai", HIGH, 3,
	     "sk-[proj-|svcacct-|admin-]… containing T3BlbkFJ"),
	RULE(R_ANTHROPIC, "045", "Anthropic API key", "ai", HIGH, 3,
	     "sk-ant-api03-/sk-ant-admin01- followed by 80-120 characters"),
	RULE(R_HF, "046", "Hugging Face access token", "ai", HIGH, 3,
	     "hf_ followed by 34 letters"),
	RULE(R_GRAFANA, "047", "Grafana token", "observability", HIGH, 3,
	     "glsa_ service-account tokens, glc_ Grafana Cloud tokens, eyJrIjoi API keys"),
	RULE(R_NEWRELIC, "048", "New Relic API key", "observability", HIGH, 3,
	     "NRAK- or NRII- followed by 27-32 characters"),
	RULE(R_POSTMAN, "049", "Postman API key", "devtools", HIGH, 3,
	     "PMAK- followed by 24 hex, - and 34 hex digits"),
	RULE(R_DOPPLER, "050", "Doppler token", "devtools", HIGH, 3,
	     "dp.pt./dp.st./dp.sa./dp.ct./dp.scim./dp.audit. followed by 40-44 characters"),
	RULE(R_PEM_RSA, "051", "RSA private key", "key", CRITICAL, 2,
	     "-----BEGIN RSA PRIVATE KEY----- with a base64 body and its END line"),
	RULE(R_PEM_EC, "052", "EC private key", "key", CRITICAL, 2,
	     "-----BEGIN EC PRIVATE KEY----- with a base64 body and its END line"),
	RULE(R_PEM_DSA, "053", "DSA private key", "key", CRITICAL, 2,
	     "-----BEGIN DSA PRIVATE KEY----- with a base64 body and its END line"),
	RULE(R_PEM_PKCS8, "054", "PKCS#8 private key", "key", CRITICAL, 2,
	     "-----BEGIN PRIVATE KEY----- with a base64 body and its END line"),
	RULE(R_PEM_ENC, "055", "Encrypted private key", "key", HIGH, 2,
	     "-----BEGIN ENCRYPTED PRIVATE KEY----- with a base64 body and its END line"),
	RULE(R_OPENSSH, "056", "OpenSSH private key", "key", CRITICAL, 2,
	     "-----BEGIN OPENSSH PRIVATE KEY----- with a base64 body and its END line"),
	RULE(R_PGP, "057", "PGP private key block", "key", CRITICAL, 2,
	     "-----BEGIN PGP PRIVATE KEY BLOCK----- with a body and its END line"),
	RULE(R_PUTTY, "058", "PuTTY private key", "key", CRITICAL, 2,
	     "PuTTY-User-Key-File-2/3 with Private-Lines and a MAC"),
	RULE(R_JWT, "059", "JSON Web Token", "jwt", MEDIUM, 2,
	     "eyJ….eyJ….signature whose header decodes to JSON with \"alg\""),
	RULE(R_K8S_SA, "060", "Kubernetes service-account token", "k8s", HIGH, 2,
	     "a JWT whose payload names kubernetes/serviceaccount"),
	RULE(R_DOCKER_AUTH, "061", "Docker registry credentials", "registry", HIGH, 2,
	     "\"auth\": \"base64(user:password)\" inside \"auths\" of a Docker config.json"),
	RULE(R_KUBE_KEY, "062", "kubeconfig client key", "k8s", CRITICAL, 2,
	     "client-key-data: base64 of a PEM private key"),
	RULE(R_KUBE_TOKEN, "063", "kubeconfig user token", "k8s", HIGH, 2,
	     "token: <value> below users: in a kubeconfig"),
	RULE(R_URL_CRED, "064", "Password in URL", "url", MEDIUM, 1,
	     "scheme://user:password@host with a literal password"),
	RULE(R_GEN_PASSWORD, "065", "Generic password assignment", "generic", MEDIUM, 0,
	     "password/passwd/passphrase/pwd = literal, gated by entropy and placeholders"),
	RULE(R_GEN_SECRET, "066", "Generic secret or token assignment", "generic", MEDIUM, 0,
	     "secret/token/api_key/access_key/client_secret/… = literal, gated by entropy"),
	RULE(R_AGE, "067", "age secret key", "key", CRITICAL, 3,
	     "AGE-SECRET-KEY-1 followed by 58 bech32 characters"),
	RULE(R_DATABRICKS, "068", "Databricks access token", "cloud", HIGH, 3,
	     "dapi followed by 32 hex digits (optionally -N)"),
	RULE(R_SENTRY, "069", "Sentry auth token", "observability", HIGH, 3,
	     "sntrys_/sntryu_ followed by the token body"),
	RULE(R_PULUMI, "070", "Pulumi access token", "infra", HIGH, 3,
	     "pul- followed by 40 hex digits"),
	RULE(R_DYNATRACE, "071", "Dynatrace API token", "observability", HIGH, 3,
	     "dt0c01. followed by 24 and 64 upper-case characters"),
	RULE(R_PLANETSCALE, "072", "PlanetScale token", "cloud", HIGH, 3,
	     "pscale_tkn_/pscale_pw_/pscale_oauth_ followed by 32-64 characters"),
	RULE(R_LINEAR, "073", "Linear API key", "devtools", MEDIUM, 3,
	     "lin_api_ followed by 40 letters or digits"),
	RULE(R_FCM, "074", "Firebase Cloud Messaging server key", "cloud", HIGH, 3,
	     "AAAA + 7 characters + :APA91b + 134 characters"),
	RULE(R_SUPABASE, "075", "Supabase access token", "cloud", HIGH, 3,
	     "sbp_ followed by 40 hex digits"),
};
const size_t sec_n_rule_defs = ARRAY_SIZE(sec_rule_defs);
_Static_assert(ARRAY_SIZE(sec_rule_defs) == _R_MAX, "every rule has a definition");

/* A value must not continue a longer token on the left or on the right. */
#define LB "(?<![A-Za-z0-9+/_-])"
#define RB "(?![A-Za-z0-9+/_-])"

#define P(r, chk, pfx, b, f, hsx, rex, ...)                                                        \
	{ .rule = r, .check = chk, .prefix_len = pfx, .back = b, .fwd = f, .hs = hsx, .re = rex,   \
	  __VA_ARGS__ }
/* A prefixed token: the prefilter is the whole fixed-length token, the regex adds bounds. */
#define TOK(r, pfx, hsx, rex, ...) P(r, SEC_CHK_NONE, pfx, 160, 320, hsx, LB rex RB, __VA_ARGS__)

/* Prefix lengths of 255 mean "the BEGIN line"; 254 "scheme://host/". */
#define PFX_HEADER 255
#define PFX_URL 254

#define PEM(r, label)                                                                              \
	P(r, SEC_CHK_PEM, PFX_HEADER, 64, SEC_FWD_MAX, "-----BEGIN " label "-----",                \
	  "(?<v>-----BEGIN " label "-----)")

/*
 * Key names of the generic rules. The prefilter is the key word alone (a literal search, cheap
 * however often the words occur); the engine parses the rest of re (SEC_ASSIGN_TAIL_RE: name
 * tail, operator, value) by hand from the word's end.
 */
#define PW_WORDS "password|passwd|passphrase|pwd"
#define SECRET_WORDS                                                                               \
	"secret|token|api[_.-]?key|access[_.-]?key|auth[_.-]?key|private[_.-]?key|credentials?"
#define ASSIGN_HS(words) "(?:" words ")"
#define ASSIGN_RE(words) "(?i:" words ")" SEC_ASSIGN_TAIL_RE

const struct sec_pattern sec_patterns[] = {
	TOK(R_AWS_ID, 4, "(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}",
	    "(?<v>(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})"),
	P(R_AWS_SECRET, SEC_CHK_NONE, 0, 96, 160, "aws_?secret|secret_?access_?key",
	  "(?i:aws_?secret(?:_?access)?(?:_?key)?|secret_?access_?key)[\"']?[ \\t]{0,4}"
	  "(?:=|:=|:|=>)[ \\t]{0,4}[\"']?(?<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
	  .hs_flags = HS_FLAG_CASELESS, .min_entropy10 = 35),
	P(R_AWS_SECRET, SEC_CHK_NONE, 0, 64, 200, "(?:AKIA|ASIA)[A-Z0-9]{16}",
	  "(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])[\\s\\S]{0,100}?(?<![A-Za-z0-9/+])"
	  "(?<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
	  .min_entropy10 = 42),
	TOK(R_AWS_MWS, 9,
	    "amzn\\.mws\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
	    "(?<v>amzn\\.mws\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"),
	TOK(R_GCP_KEY, 4, "AIza[0-9A-Za-z_-]{35}", "(?<v>AIza[0-9A-Za-z_-]{35})"),
	P(R_GCP_SA, SEC_CHK_CONTEXT, PFX_HEADER, 64, SEC_FWD_MAX,
	  "\"private_key\"[ \\t]*:[ \\t]*\"-----BEGIN",
	  "\"private_key\"[ \\t]*:[ \\t]*\"(?<v>-----BEGIN (?:RSA )?PRIVATE KEY-----"
	  "(?:\\\\[nr]|[A-Za-z0-9+/=])+-----END (?:RSA )?PRIVATE KEY-----(?:\\\\n)?)\"",
	  .ctx = "\"service_account\"", .ctx_span = SEC_BACK_MAX),
	P(R_AZURE_STORAGE, SEC_CHK_NONE, 0, 160, 64, "AccountKey=[A-Za-z0-9+/]{86}==",
	  "AccountKey=(?<v>[A-Za-z0-9+/]{86}==)"),
	P(R_AZURE_AD, SEC_CHK_NONE, 0, 64, 64, "[0-9A-Za-z_~.-]{3}[0-9]Q~[0-9A-Za-z_~.-]{31}",
	  "(?<![0-9A-Za-z_~.-])(?<v>[0-9A-Za-z_~.-]{3}[0-9]Q~[0-9A-Za-z_~.-]{31,34})"
	  "(?![0-9A-Za-z_~.-])",
	  .min_entropy10 = 35),
	TOK(R_DO, 7, "do[opr]_v1_[a-f0-9]{64}", "(?<v>do[opr]_v1_[a-f0-9]{64})"),
	TOK(R_ALIBABA, 4, "LTAI[A-Za-z0-9]{12}", "(?<v>LTAI[A-Za-z0-9]{12,20})",
	    .min_entropy10 = 30),
	TOK(R_GH_PAT, 4, "ghp_[A-Za-z0-9]{36}", "(?<v>ghp_[A-Za-z0-9]{36})"),
	TOK(R_GH_FINE, 11, "github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}",
	    "(?<v>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})"),
	TOK(R_GH_OAUTH, 4, "gho_[A-Za-z0-9]{36}", "(?<v>gho_[A-Za-z0-9]{36})"),
	TOK(R_GH_APP, 4, "gh[us]_[A-Za-z0-9]{36}", "(?<v>gh[us]_[A-Za-z0-9]{36})"),
	TOK(R_GH_REFRESH, 4, "ghr_[A-Za-z0-9]{36}", "(?<v>ghr_[A-Za-z0-9]{36,76})"),
	TOK(R_GL_PAT, 6, "glpat-[A-Za-z0-9_-]{20}",
	    "(?<v>glpat-[A-Za-z0-9_-]{20,300}(?:\\.[0-9a-z]{9})?)", .min_entropy10 = 30),
	TOK(R_GL_RUNNER, 5, "glrt-[A-Za-z0-9_-]{20}",
	    "(?<v>glrt-[A-Za-z0-9_-]{20,300}(?:\\.[0-9a-z]{9})?)", .min_entropy10 = 30),
	TOK(R_GL_RUNNER, 9, "GR1348941[A-Za-z0-9_-]{20}", "(?<v>GR1348941[A-Za-z0-9_-]{20,40})",
	    .min_entropy10 = 30),
	TOK(R_GL_CI, 6, "glptt-[A-Za-z0-9_-]{20}", "(?<v>glptt-[A-Za-z0-9_-]{20,64})",
	    .min_entropy10 = 30),
	TOK(R_GL_CI, 5, "gldt-[A-Za-z0-9_-]{20}", "(?<v>gldt-[A-Za-z0-9_-]{20,64})",
	    .min_entropy10 = 30),
	TOK(R_ATLASSIAN, 6, "ATATT3[A-Za-z0-9_=-]{150}", "(?<v>ATATT3[A-Za-z0-9_=-]{150,250})"),
	TOK(R_BITBUCKET, 4, "ATBB[A-Za-z0-9_=.-]{28}", "(?<v>ATBB[A-Za-z0-9_=.-]{28,40})",
	    .min_entropy10 = 35),
	TOK(R_CIRCLECI, 7, "CCIP(?:AT|RJ)_[A-Za-z0-9]{22}_[a-f0-9]{40}",
	    "(?<v>CCIP(?:AT|RJ)_[A-Za-z0-9]{22}_[a-f0-9]{40})"),
	TOK(R_BUILDKITE, 5, "bkua_[a-f0-9]{40}", "(?<v>bkua_[a-f0-9]{40})"),
	TOK(R_NPM, 4, "npm_[A-Za-z0-9]{36}", "(?<v>npm_[A-Za-z0-9]{36})", .min_entropy10 = 35),
	P(R_NPMRC, SEC_CHK_ASSIGN, 0, 64, 600, "_auth(?:Token)?[ \\t]*=",
	  "(?<![A-Za-z0-9])_auth(?:Token)?[ \\t]*=[ \\t]*"
	  "(?:\"(?<v>[A-Za-z0-9+/=._~-]{8,512})\"|(?<v3>[A-Za-z0-9+/=._~-]{8,512}))"
	  "(?![^\\s\"])",
	  .min_entropy10 = 30),
	TOK(R_PYPI, 5, "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50}",
	    "(?<v>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000})"),
	TOK(R_PYPI, 5, "pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9_-]{50}",
	    "(?<v>pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9_-]{50,1000})"),
	TOK(R_RUBYGEMS, 9, "rubygems_[a-f0-9]{48}", "(?<v>rubygems_[a-f0-9]{48})"),
	TOK(R_DOCKERHUB, 9, "dckr_(?:pat|oat)_[A-Za-z0-9_-]{27}",
	    "(?<v>dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,64})"),
	TOK(R_SLACK, 5, "xox[abeoprs]-[0-9]",
	    "(?<v>xox[abeoprs]-(?:[0-9]{1,20}-){1,4}[A-Za-z0-9-]{8,255})", .min_entropy10 = 30),
	TOK(R_SLACK_APP, 5, "xapp-[0-9]-[A-Za-z0-9]{8}",
	    "(?<v>xapp-[0-9]-[A-Za-z0-9]{8,14}-[0-9]{8,16}-[A-Za-z0-9]{32,100})"),
	P(R_SLACK_HOOK, SEC_CHK_NONE, PFX_URL, 64, 200,
	  "hooks\\.slack\\.com/(?:services|workflows|triggers)/T",
	  "(?<v>https?://hooks\\.slack\\.com/(?:services|workflows|triggers)/T[A-Za-z0-9_]{6,14}/"
	  "[A-Za-z0-9_/]{8,120}[A-Za-z0-9])",
	  .min_entropy10 = 30),
	P(R_DISCORD_HOOK, SEC_CHK_NONE, PFX_URL, 64, 200,
	  "discord(?:app)?\\.com/api/webhooks/[0-9]{17}",
	  "(?<v>https?://(?:[a-z]{2,10}\\.)?discord(?:app)?\\.com/api/webhooks/[0-9]{17,20}/"
	  "[A-Za-z0-9_-]{60,68})(?![A-Za-z0-9_-])",
	  .min_entropy10 = 30),
	P(R_TELEGRAM, SEC_CHK_NONE, 0, 64, 64, "[0-9]{8}:AA[A-Za-z0-9_-]{33}",
	  "(?<![0-9A-Za-z_-])(?<v>[0-9]{8,10}:AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])",
	  .min_entropy10 = 35),
	TOK(R_TWILIO, 2, "SK[0-9a-f]{32}", "(?<v>SK[0-9a-f]{32})", .min_entropy10 = 30),
	TOK(R_SENDGRID, 3, "SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}",
	    "(?<v>SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43})"),
	P(R_MAILGUN, SEC_CHK_CONTEXT, 4, 64, 64, "key-[0-9a-f]{32}",
	  LB "(?<v>key-[0-9a-f]{32})" RB, .ctx = "mailgun", .ctx_span = 512),
	P(R_MAILCHIMP, SEC_CHK_NONE, 0, 64, 64, "[0-9a-f]{32}-us[0-9]",
	  LB "(?<v>[0-9a-f]{32}-us[0-9]{1,2})(?![A-Za-z0-9])", .min_entropy10 = 30),
	TOK(R_STRIPE, 8, "sk_live_[0-9A-Za-z]{24}", "(?<v>sk_live_[0-9A-Za-z]{24,247})"),
	TOK(R_STRIPE_RK, 8, "rk_live_[0-9A-Za-z]{24}", "(?<v>rk_live_[0-9A-Za-z]{24,247})"),
	TOK(R_SQUARE, 7, "sq0atp-[0-9A-Za-z_-]{22}", "(?<v>sq0atp-[0-9A-Za-z_-]{22})"),
	TOK(R_SQUARE, 4, "EAAA[0-9A-Za-z_-]{60}", "(?<v>EAAA[0-9A-Za-z_-]{60})",
	    .min_entropy10 = 40),
	TOK(R_SQUARE_OAUTH, 7, "sq0csp-[0-9A-Za-z_-]{43}", "(?<v>sq0csp-[0-9A-Za-z_-]{43})"),
	TOK(R_SHOPIFY, 6, "shp(?:at|ca|pa)_[a-fA-F0-9]{32}", "(?<v>shp(?:at|ca|pa)_[a-fA-F0-9]{32})"),
	TOK(R_SHOPIFY_SS, 6, "shpss_[a-fA-F0-9]{32}", "(?<v>shpss_[a-fA-F0-9]{32})"),
	TOK(R_VAULT, 4, "hv[sbr]\\.[A-Za-z0-9_-]{24}", "(?<v>hv[sbr]\\.[A-Za-z0-9_-]{24,400})",
	    .min_entropy10 = 35),
	TOK(R_TFC, 0, "[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60}",
	    "(?<v>[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60,70})"),
	P(R_OPENAI, SEC_CHK_NONE, 3, 256, 256, "T3BlbkFJ",
	  LB "(?<v>sk-(?:[a-z]{2,10}-)?[A-Za-z0-9_-]{16,200}T3BlbkFJ[A-Za-z0-9_-]{16,200})" RB),
	TOK(R_ANTHROPIC, 7, "sk-ant-(?:api|admin)[0-9]{2}-",
	    "(?<v>sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,120})"),
	TOK(R_HF, 3, "hf_[A-Za-z]{34}", "(?<v>hf_[A-Za-z]{34})", .min_entropy10 = 40),
	TOK(R_GRAFANA, 5, "glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}",
	    "(?<v>glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})"),
	TOK(R_GRAFANA, 4, "glc_[A-Za-z0-9+/]{32}", "(?<v>glc_[A-Za-z0-9+/]{32,400}={0,2})",
	    .min_entropy10 = 40),
	TOK(R_GRAFANA, 8, "eyJrIjoi[A-Za-z0-9]{42}", "(?<v>eyJrIjoi[A-Za-z0-9+/]{42,400}={0,2})",
	    .min_entropy10 = 40),
	TOK(R_NEWRELIC, 5, "NR(?:AK|II)-[A-Za-z0-9_-]{27}", "(?<v>NR(?:AK|II)-[A-Za-z0-9_-]{27,32})"),
	TOK(R_POSTMAN, 5, "PMAK-[a-f0-9]{24}-[a-f0-9]{34}", "(?<v>PMAK-[a-f0-9]{24}-[a-f0-9]{34})"),
	TOK(R_DOPPLER, 6, "dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40}",
	    "(?<v>dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,44})"),
	PEM(R_PEM_RSA, "RSA PRIVATE KEY"),
	PEM(R_PEM_EC, "EC PRIVATE KEY"),
	PEM(R_PEM_DSA, "DSA PRIVATE KEY"),
	PEM(R_PEM_PKCS8, "PRIVATE KEY"),
	PEM(R_PEM_ENC, "ENCRYPTED PRIVATE KEY"),
	PEM(R_OPENSSH, "OPENSSH PRIVATE KEY"),
	PEM(R_PGP, "PGP PRIVATE KEY BLOCK"),
	P(R_PUTTY, SEC_CHK_NONE, 22, 64, 12000, "PuTTY-User-Key-File-[23]: ",
	  "(?<v>PuTTY-User-Key-File-[23]: [a-z0-9-]{3,40}\\r?\\n[\\s\\S]{0,4096}?"
	  "Private-Lines: [0-9]{1,4}\\r?\\n[A-Za-z0-9+/=\\r\\n]{40,8192}?)Private-(?:MAC|Hash): "),
	P(R_JWT, SEC_CHK_JWT, 3, 512, 9800, "eyJ[A-Za-z0-9_-]{8,400}\\.eyJ",
	  "(?<![A-Za-z0-9_-])(?<v>eyJ[A-Za-z0-9_-]{8,400}\\.eyJ[A-Za-z0-9_-]{8,8000}\\."
	  "[A-Za-z0-9_-]{16,1400})(?![A-Za-z0-9_-])"),
	P(R_DOCKER_AUTH, SEC_CHK_DOCKER_AUTH, 0, 64, 4200, "\"auth\"[ \\t]*:[ \\t]*\"",
	  "\"auth\"[ \\t]*:[ \\t]*\"(?<v>[A-Za-z0-9+/]{6,4096}={0,2})\"", .ctx = "\"auths\"",
	  .ctx_span = SEC_BACK_MAX),
	P(R_KUBE_KEY, SEC_CHK_NONE, 4, 64, SEC_FWD_MAX, "client-key-data[\"']?[ \\t]*:",
	  "client-key-data[\"']?[ \\t]*:[ \\t]*[\"']?(?<v>[A-Za-z0-9+/]{40,16000}={0,2})"),
	P(R_KUBE_TOKEN, SEC_CHK_CONTEXT, 0, 64, 4200, "token:[ \\t]",
	  "(?m)^[ \\t-]*token:[ \\t]+[\"']?(?<v>[A-Za-z0-9._~+/=-]{20,4096})[\"']?[ \\t]*\\r?$",
	  .ctx = "users:", .ctx_span = 2048, .min_entropy10 = 30),
	P(R_URL_CRED, SEC_CHK_URL, 0, 320, 320, "://[^/\\s:@'\"<>]{1,64}:[^/\\s@'\"<>]{3,128}@",
	  "(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,19}://(?<user>[^/\\s:@'\"<>]{1,64}):"
	  "(?<v>[^/\\s@'\"<>]{3,128})@(?<host>[A-Za-z0-9_-][A-Za-z0-9._-]{0,252})"),
	P(R_GEN_PASSWORD, SEC_CHK_ASSIGN, 0, 0, 0, ASSIGN_HS(PW_WORDS), ASSIGN_RE(PW_WORDS),
	  .hs_flags = HS_FLAG_CASELESS, .min_entropy10 = 30, .parse = SEC_PARSE_ASSIGN),
	P(R_GEN_SECRET, SEC_CHK_ASSIGN, 0, 0, 0, ASSIGN_HS(SECRET_WORDS),
	  ASSIGN_RE(SECRET_WORDS), .hs_flags = HS_FLAG_CASELESS, .min_entropy10 = 35,
	  .parse = SEC_PARSE_ASSIGN),
	TOK(R_AGE, 16, "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
	    "(?<v>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})"),
	TOK(R_DATABRICKS, 4, "dapi[a-f0-9]{32}", "(?<v>dapi[a-f0-9]{32}(?:-[0-9])?)",
	    .min_entropy10 = 30),
	TOK(R_SENTRY, 7, "sntry[su]_[A-Za-z0-9_=+/-]{40}", "(?<v>sntry[su]_[A-Za-z0-9_=+/-]{40,400})"),
	TOK(R_PULUMI, 4, "pul-[a-f0-9]{40}", "(?<v>pul-[a-f0-9]{40})"),
	TOK(R_DYNATRACE, 7, "dt0c01\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}",
	    "(?<v>dt0c01\\.[A-Z0-9]{24}\\.[A-Z0-9]{64})"),
	TOK(R_PLANETSCALE, 11, "pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.-]{32}",
	    "(?<v>pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.-]{32,64})"),
	TOK(R_LINEAR, 8, "lin_api_[A-Za-z0-9]{40}", "(?<v>lin_api_[A-Za-z0-9]{40})"),
	P(R_FCM, SEC_CHK_NONE, 4, 200, 64, ":APA91b[A-Za-z0-9_-]{134}",
	  LB "(?<v>AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134})" RB),
	TOK(R_SUPABASE, 4, "sbp_[a-f0-9]{40}", "(?<v>sbp_[a-f0-9]{40})"),
};
const size_t sec_n_patterns = ARRAY_SIZE(sec_patterns);

int sec_rule_index(const char *id)
{
	for (size_t i = 0; i < sec_n_rule_defs; i++)
		if (streq(sec_rule_defs[i].info.id, id))
			return (int)i;
	return -1;
}

/*
 * Public example credentials from vendor documentation. Values containing "EXAMPLE" are
 * treated as examples anyway (secret-engine.c); these are the ones that matter beyond that.
 */
const char *const sec_builtin_example_values[] = {
	"AKIAIOSFODNN7EXAMPLE",
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"AKIAI44QH8DHBEXAMPLE",
	"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
	/* the jwt.io sample token (HS256, "John Doe") */
	("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwi"
	 "aWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSf36POk6yJV_adQssw5c"),
};
const size_t sec_n_builtin_example_values = ARRAY_SIZE(sec_builtin_example_values);

/*
 * Documentation and the test-fixture directories of third-party package trees: keys there
 * are test vectors shipped by upstream packages, not the image owner's credentials.
 */
const char *const sec_builtin_allow_paths[] = {
	"usr/share/doc/**",
	"usr/share/man/**",
	"**/node_modules/**/test/**",
	"**/node_modules/**/tests/**",
	"**/node_modules/**/__tests__/**",
	"**/node_modules/**/fixtures/**",
	"**/node_modules/**/example/**",
	"**/node_modules/**/examples/**",
	"**/node_modules/**/*.examples.json",
	"**/node_modules/**/test.js",
	"**/node_modules/**/*.test.*",
	"**/node_modules/**/*.spec.*",
	"**/site-packages/**/tests/**",
	"**/site-packages/**/test/**",
	"**/dist-packages/**/tests/**",
	"**/dist-packages/**/test/**",
	"**/go/pkg/mod/**/testdata/**",
	"**/gems/*/gems/**/test/**",
	"**/gems/*/gems/**/spec/**",
};
const size_t sec_n_builtin_allow_paths = ARRAY_SIZE(sec_builtin_allow_paths);
