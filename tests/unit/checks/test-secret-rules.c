/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-secret-rules.c — one positive sample per built-in secret rule, and negatives:
 * placeholders, low entropy, identifiers, documentation example keys, PEM headers without
 * a key. Samples are generated at run time from templates (test-secret-lib.h); literal
 * prefixes are split so this file itself holds nothing that looks like a credential.
 */
#include "test-secret-lib.h"

struct sample {
	const char *rule;
	const char *tmpl;
};

/* Every rule id must have at least one sample here (checked below). */
static const struct sample samples[] = {
	{ "BH-SECRET-001", "aws_access_key_id = AK" "IA{U:16}\n" },
	{ "BH-SECRET-002", "aws_secret_access_key = {B:40}\n" },
	{ "BH-SECRET-002", "AS" "IA{U:16},{B:40}\n" },
	{ "BH-SECRET-003", "mws: amzn" ".mws.{H:8}-{H:4}-{H:4}-{H:4}-{H:12}\n" },
	{ "BH-SECRET-004", "key=AI" "za{S:35}\n" },
	{ "BH-SECRET-005", "{\"type\": \"service_account\", \"private_key_id\": \"{H:40}\",\n"
			   " \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{B:64}\\n{B:64}\\n"
			   "{B:40}\\n-----END PRIVATE KEY-----\\n\",\n \"client_email\": \"x\"}\n" },
	{ "BH-SECRET-006", "DefaultEndpointsProtocol=https;AccountName=acct;Account" "Key={B:86}==;"
			   "EndpointSuffix=core.windows.net\n" },
	{ "BH-SECRET-007", "azure: {A:3}8Q" "~{A:32}\n" },
	{ "BH-SECRET-008", "do: do" "p_v1_{H:64}\n" },
	{ "BH-SECRET-009", "ali: LT" "AI{A:20}\n" },
	{ "BH-SECRET-010", "gh: gh" "p_{A:36}\n" },
	{ "BH-SECRET-011", "gh: github" "_pat_{A:22}_{A:59}\n" },
	{ "BH-SECRET-012", "gh: gh" "o_{A:36}\n" },
	{ "BH-SECRET-013", "gh: gh" "s_{A:36}\n" },
	{ "BH-SECRET-014", "gh: gh" "r_{A:36}\n" },
	{ "BH-SECRET-015", "gl: gl" "pat-{A:20}\n" },
	{ "BH-SECRET-016", "gl: gl" "rt-{A:20}\n" },
	{ "BH-SECRET-016", "gl: GR13" "48941{A:20}\n" },
	{ "BH-SECRET-017", "gl: gl" "ptt-{A:40}\n" },
	{ "BH-SECRET-017", "gl: gl" "dt-{A:24}\n" },
	{ "BH-SECRET-018", "atl: ATA" "TT3{A:180}\n" },
	{ "BH-SECRET-019", "bb: AT" "BB{A:32}\n" },
	{ "BH-SECRET-020", "ci: CCI" "PAT_{A:22}_{H:40}\n" },
	{ "BH-SECRET-021", "bk: bk" "ua_{H:40}\n" },
	{ "BH-SECRET-022", "n: np" "m_{A:36}\n" },
	{ "BH-SECRET-023", "//registry.npmjs.org/:_auth" "Token={A:36}\n" },
	{ "BH-SECRET-024", "py: py" "pi-AgEIcHlwaS5vcmc{S:70}\n" },
	{ "BH-SECRET-025", "rg: ruby" "gems_{H:48}\n" },
	{ "BH-SECRET-026", "dh: dc" "kr_pat_{S:27}\n" },
	{ "BH-SECRET-027", "sl: xo" "xb-{D:12}-{D:13}-{A:24}\n" },
	{ "BH-SECRET-028", "sl: xa" "pp-1-{U:11}-{D:13}-{H:64}\n" },
	{ "BH-SECRET-029", "hook: https://hooks." "slack.com/services/T{U:10}/B{U:10}/{A:24}\n" },
	{ "BH-SECRET-030", "hook: https://discord.com/api/" "webhooks/{D:18}/{S:68}\n" },
	{ "BH-SECRET-031", "tg: {D:10}:A" "A{S:33}\n" },
	{ "BH-SECRET-032", "tw: S" "K{H:32}\n" },
	{ "BH-SECRET-033", "sg: S" "G.{S:22}.{S:43}\n" },
	{ "BH-SECRET-034", "MAILGUN_PRIVATE = \"ke" "y-{H:32}\"\n" },
	{ "BH-SECRET-035", "mc: {H:32}-us" "12\n" },
	{ "BH-SECRET-036", "st: sk" "_live_{A:32}\n" },
	{ "BH-SECRET-037", "st: rk" "_live_{A:32}\n" },
	{ "BH-SECRET-038", "sq: sq0" "atp-{S:22}\n" },
	{ "BH-SECRET-038", "sq: EA" "AA{S:60}\n" },
	{ "BH-SECRET-039", "sq: sq0" "csp-{S:43}\n" },
	{ "BH-SECRET-040", "sh: shp" "at_{H:32}\n" },
	{ "BH-SECRET-041", "sh: shp" "ss_{H:32}\n" },
	{ "BH-SECRET-042", "vault: hv" "s.{S:90}\n" },
	{ "BH-SECRET-043", "tfc: {A:14}.atlas" "v1.{A:64}\n" },
	{ "BH-SECRET-044", "oa: sk-proj-{S:40}T3Blbk" "FJ{S:40}\n" },
	{ "BH-SECRET-045", "an: sk-ant-" "api03-{S:93}AA\n" },
	{ "BH-SECRET-046", "hf: hf" "_{L:34}\n" },
	{ "BH-SECRET-047", "gr: gl" "sa_{A:32}_{H:8}\n" },
	{ "BH-SECRET-047", "gr: gl" "c_{B:60}\n" },
	{ "BH-SECRET-048", "nr: NR" "AK-{U:27}\n" },
	{ "BH-SECRET-049", "pm: PM" "AK-{H:24}-{H:34}\n" },
	{ "BH-SECRET-050", "dp: dp" ".pt.{A:43}\n" },
	{ "BH-SECRET-051", "-----BEGIN RSA PRIVATE" " KEY-----\n{B:64}\n{B:64}\n{B:20}==\n"
			   "-----END RSA PRIVATE KEY-----\n" },
	{ "BH-SECRET-052", "-----BEGIN EC PRIVATE" " KEY-----\n{B:64}\n{B:64}\n{B:32}\n"
			   "-----END EC PRIVATE KEY-----\n" },
	{ "BH-SECRET-053", "-----BEGIN DSA PRIVATE" " KEY-----\n{B:64}\n{B:64}\n"
			   "-----END DSA PRIVATE KEY-----\n" },
	{ "BH-SECRET-054", "-----BEGIN PRIVATE" " KEY-----\n{B:64}\n{B:64}\n"
			   "-----END PRIVATE KEY-----\n" },
	{ "BH-SECRET-055", "-----BEGIN ENCRYPTED PRIVATE" " KEY-----\n{B:64}\n{B:64}\n"
			   "-----END ENCRYPTED PRIVATE KEY-----\n" },
	{ "BH-SECRET-056", "-----BEGIN OPENSSH PRIVATE" " KEY-----\n{B:70}\n{B:70}\n"
			   "-----END OPENSSH PRIVATE KEY-----\n" },
	{ "BH-SECRET-057", "-----BEGIN PGP PRIVATE" " KEY BLOCK-----\n\n{B:64}\n{B:64}\n=ab12\n"
			   "-----END PGP PRIVATE KEY BLOCK-----\n" },
	{ "BH-SECRET-058", "PuTTY-User-Key-" "File-2: ssh-rsa\nEncryption: none\nComment: k\n"
			   "Public-Lines: 2\n{B:64}\n{B:20}\nPrivate-Lines: 2\n{B:64}\n{B:40}\n"
			   "Private-MAC: {H:40}\n" },
	/* 059-061 are built in code (they need base64 of JSON) */
	{ "BH-SECRET-062", "users:\n- name: u\n  user:\n    client-key-" "data: {B:120}\n" },
	{ "BH-SECRET-063", "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n"
			   "    to" "ken: {A:40}\n" },
	{ "BH-SECRET-064", "DATABASE_URL=postgres://app:{A:16}@db.internal:5432/app\n" },
	{ "BH-SECRET-065", "DB_PASS" "WORD={A:15}7\n" },
	{ "BH-SECRET-066", "\"api_key\": \"{A:24}\",\n" },
	{ "BH-SECRET-067", "# created\nAGE-SECRET-" "KEY-1{X:58}\n" },
	{ "BH-SECRET-068", "db: da" "pi{H:32}\n" },
	{ "BH-SECRET-069", "se: sntry" "s_{A:80}\n" },
	{ "BH-SECRET-070", "pu: pu" "l-{H:40}\n" },
	{ "BH-SECRET-071", "dt: dt0c01" ".{U:24}.{U:64}\n" },
	{ "BH-SECRET-072", "ps: pscale" "_tkn_{A:43}\n" },
	{ "BH-SECRET-073", "li: lin" "_api_{A:40}\n" },
	{ "BH-SECRET-074", "fcm: AA" "AA{S:7}:APA91b{S:134}\n" },
	{ "BH-SECRET-075", "sb: sb" "p_{H:40}\n" },
};

static struct sec_engine *engine_default(void)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct sec_engine *e = NULL;
	struct bh_diag d = { 0 };
	int r = sec_engine_new(NULL, &l, &e, &d);
	if (r < 0)
		fprintf(stderr, "# engine: %s\n", d.message);
	return r < 0 ? NULL : e;
}

/* Scan text as etc/app.conf; true if rule fires, and the secret never leaks. */
static void expect_rule(struct sec_scanner *s, const char *text, const char *rule,
			const char *secret, const char *what)
{
	struct bh_findings out = { 0 };
	ASSERT_EQ(tsec_scan(s, "etc/app.conf", text, strlen(text), 0, &out), 1);
	int i = tsec_find(&out, rule);
	if (i < 0) {
		fprintf(stderr, "# %s: no %s in %zu findings for:\n# %.200s\n", what, rule, out.n,
			text);
		for (size_t k = 0; k < out.n; k++)
			fprintf(stderr, "#   got %s\n", out.v[k].rule_id);
	}
	ASSERT_TRUE(i >= 0);
	for (size_t k = 0; k < out.n; k++) {
		const struct bh_finding *f = &out.v[k];
		ASSERT_STREQ(f->kind, "secret");
		ASSERT_FALSE(tsec_leaks(f, secret));
		ASSERT_NOT_NULL(strstr(f->message, "sha256:"));
		ASSERT_TRUE(f->line >= 1 && f->column >= 1);
		ASSERT_STREQ(f->layer, "sha256:layer0");
		ASSERT_EQ(f->compliance.n, 1);
		ASSERT_STREQ(f->compliance.v[0], "NIST-800-190:4.1.4");
		ASSERT_NOT_NULL(json_object_get(f->evidence, "sha256"));
		ASSERT_NOT_NULL(json_object_get(f->evidence, "length"));
		ASSERT_NOT_NULL(json_object_get(f->evidence, "category"));
	}
	bh_findings_done(&out);
}

TEST(rule_table)
{
	struct sec_engine *e = engine_default();
	ASSERT_NOT_NULL(e);
	size_t n = sec_engine_rule_count(e);
	ASSERT_TRUE(n >= 40);
	for (size_t i = 0; i < n; i++) {
		const struct sec_rule_info *ri = sec_engine_rule(e, i);
		char want[32];
		ASSERT_OK(xsnprintf(want, sizeof(want), "BH-SECRET-%03zu", i + 1));
		ASSERT_STREQ(ri->id, want);
		ASSERT_TRUE(ri->title && *ri->title && ri->category && ri->keywords);
		ASSERT_TRUE(ri->severity >= BH_SEV_MEDIUM);
		/* every rule has a sample (059-061 in code below) */
		bool has = i + 1 >= 59 && i + 1 <= 61;
		for (size_t k = 0; k < ARRAY_SIZE(samples) && !has; k++)
			has = streq(samples[k].rule, ri->id);
		if (!has)
			fprintf(stderr, "# no sample for %s\n", ri->id);
		ASSERT_TRUE(has);
	}
	ASSERT_NULL(sec_engine_rule(e, n));
	sec_engine_free(e);
}

TEST(every_rule_positive)
{
	struct sec_engine *e = engine_default();
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	for (size_t k = 0; k < ARRAY_SIZE(samples); k++) {
		char *secret = NULL;
		char *text = tsec_expand(samples[k].tmpl, k + 1, &secret);
		expect_rule(s, text, samples[k].rule, secret, samples[k].rule);
		free(text);
		free(secret);
	}
	sec_scanner_free(s);
	sec_engine_free(e);
}

static char *make_jwt(const char *payload, const char *sig_tmpl, char **ret_sig)
{
	const char *hdr = "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}";
	char *h = tsec_b64(hdr, strlen(hdr), true);
	char *p = tsec_b64(payload, strlen(payload), true);
	char *sig = tsec_expand(sig_tmpl, 99, NULL);
	struct buf b;
	buf_init(&b, 1 << 20);
	(void)buf_printf(&b, "%s.%s.%s", h, p, sig);
	free(h);
	free(p);
	*ret_sig = sig;
	return buf_take(&b);
}

TEST(jwt_k8s_docker)
{
	struct sec_engine *e = engine_default();
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	char *sig = NULL, *jwt = make_jwt("{\"sub\":\"user-1\",\"iat\":1700000000}", "{S:43}", &sig);
	struct buf t;
	buf_init(&t, 1 << 20);
	ASSERT_OK(buf_printf(&t, "Authorization: Bearer %s\n", jwt));
	expect_rule(s, buf_str(&t), "BH-SECRET-059", jwt, "jwt");
	expect_rule(s, buf_str(&t), "BH-SECRET-059", sig, "jwt");
	free(jwt);
	free(sig);

	jwt = make_jwt("{\"iss\":\"kubernetes/serviceaccount\",\"kubernetes.io/serviceaccount/"
		       "namespace\":\"default\",\"sub\":\"system:serviceaccount:default:x\"}",
		       "{S:342}", &sig);
	buf_clear(&t);
	ASSERT_OK(buf_puts(&t, jwt));
	expect_rule(s, buf_str(&t), "BH-SECRET-060", sig, "k8s");
	free(jwt);
	free(sig);

	char *pw = tsec_expand("ci-bot:{A:20}", 7, NULL);
	char *auth = tsec_b64(pw, strlen(pw), false);
	buf_clear(&t);
	ASSERT_OK(buf_printf(&t, "{\n  \"auths\": {\n    \"registry.acme.io\": {\n      \"auth\": "
				 "\"%s\"\n    }\n  }\n}\n",
			     auth));
	expect_rule(s, buf_str(&t), "BH-SECRET-061", auth, "docker");
	expect_rule(s, buf_str(&t), "BH-SECRET-061", pw + 7, "docker");
	free(pw);
	free(auth);
	buf_done(&t);
	sec_scanner_free(s);
	sec_engine_free(e);
}

static size_t count_findings(struct sec_scanner *s, const char *text, struct bh_findings *keep)
{
	struct bh_findings out = { 0 };
	(void)tsec_scan(s, "srv/app/settings.py", text, strlen(text), 0, &out);
	size_t n = out.n;
	for (size_t i = 0; i < out.n; i++)
		fprintf(stderr, "#   unexpected %s: %s\n", out.v[i].rule_id, out.v[i].message);
	if (keep)
		ASSERT_OK(bh_findings_move(keep, &out));
	bh_findings_done(&out);
	return n;
}

TEST(negatives)
{
	static const char *const texts[] = {
		"password = ${DB_PASSWORD}\n",
		"password: changeme\n",
		"api_key = \"<your-api-key>\"\n",
		"token: xxxxxxxxxxxxxxxxxxxx\n",
		"secret: \"****************\"\n",
		"password = os.environ['DB_PASSWORD']\n",
		"token = process.env.GITHUB_TOKEN\n",
		"String password = getPassword();\n",
		"api_key: \"example-key-1234abcd\"\n",
		"password = aaaaaaaa1\n",
		"secret = \"abababababab\"\n",
		"token: this.props.accessToken\n",
		"tokenizer = Tokenizer(vocab)\n",
		"password_hash = bcrypt(password)\n",
		"secret = 'client_secret'\n",
		"token_type: Bearer\n",
		"access_key: AccessKeyNameOnly\n",
		"PASSWORD_FILE=/run/secrets/db_password\n",
		"password: !vault |\n",
		"password: ENC[AES256_GCM,data:abc,iv:def]\n",
		("const BEGIN = \"-----BEGIN RSA PRIVATE KEY-----\";\n"
		 "const END = \"-----END RSA PRIVATE KEY-----\";\n"),
		"url = \"postgres://user:password@localhost/db\"\n",
		"url = \"https://%s:%s@%s/\"\n",
		"DATABASE_URL=mysql://root:${MYSQL_ROOT_PASSWORD}@db/app\n",
		"see https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n",
		"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
		"ghp_short\n",
		"xoghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	};
	struct sec_engine *e = engine_default();
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		size_t n = count_findings(s, texts[i], NULL);
		if (n)
			fprintf(stderr, "# negative %zu fired: %s", i, texts[i]);
		ASSERT_EQ(n, 0);
	}
	sec_scanner_free(s);
	sec_engine_free(e);
}

TEST(example_keys_suppressed)
{
	struct sec_engine *e = engine_default();
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	/* The AWS documentation pair and the jwt.io sample: allow-listed, counted. */
	const char *text = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
			   "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
			   "jwt: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6"
			   "IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSf36POk6yJV_adQssw5c\n";
	struct bh_findings out = { 0 };
	ASSERT_EQ(tsec_scan(s, "root/.aws/credentials", text, strlen(text), 0, &out), 1);
	ASSERT_EQ(out.n, 0);
	ASSERT_TRUE(out.suppressed >= 3);
	struct sec_stats st = { 0 };
	sec_scanner_stats(s, &st);
	ASSERT_TRUE(st.suppressed >= 3);
	bh_findings_done(&out);
	sec_scanner_free(s);
	sec_engine_free(e);
}

TEST(specific_beats_generic)
{
	struct sec_engine *e = engine_default();
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	char *secret = NULL;
	char *text = tsec_expand("GITHUB_TOKEN=gh" "p_{A:36}\n", 3, &secret);
	struct bh_findings out = { 0 };
	ASSERT_EQ(tsec_scan(s, "app/.env", text, strlen(text), 0, &out), 1);
	ASSERT_EQ(out.n, 1);
	ASSERT_STREQ(out.v[0].rule_id, "BH-SECRET-010");
	ASSERT_EQ(out.v[0].severity, BH_SEV_CRITICAL);
	ASSERT_EQ(out.v[0].line, 1);
	ASSERT_EQ(out.v[0].column, 14);
	/* redaction: the public prefix, an ellipsis, 16 hex digits of SHA-256, the length */
	ASSERT_NOT_NULL(strstr(out.v[0].message, "GitHub personal access token gh" "p_\xe2\x80\xa6(sha256:"));
	ASSERT_NOT_NULL(strstr(out.v[0].message, ", 40 bytes) in /app/.env line 1"));
	ASSERT_STREQ(json_string_value(json_object_get(out.v[0].evidence, "redacted")),
		     "gh" "p_\xe2\x80\xa6");
	const char *sha = json_string_value(json_object_get(out.v[0].evidence, "sha256"));
	ASSERT_EQ(strlen(sha), 7 + 16);
	ASSERT_EQ(json_integer_value(json_object_get(out.v[0].evidence, "length")), 40);
	ASSERT_FALSE(tsec_leaks(&out.v[0], secret));
	ASSERT_FALSE(tsec_leaks(&out.v[0], secret + 20));
	free(text);
	free(secret);
	bh_findings_done(&out);
	sec_scanner_free(s);
	sec_engine_free(e);
}
