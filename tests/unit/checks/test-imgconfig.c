/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-imgconfig.c — the image configuration scanner (src/checks/imgconfig*.c): a positive
 * and a negative case for every rule BH-IMG-001…017, redaction of ENV values and ADD URLs,
 * EOL boundary dates, and the generated end-of-life table against data/eol.tsv.
 */
#include "checks/imgconfig-int.h"
#include "common/json.h"
#include "fakeimg.h"
#include "image/catalogers/catalog.h"
#include "image/image-int.h"
#include "tap.h"

/* ---- helpers ------------------------------------------------------------------------------- */

static int64_t T(const char *rfc3339)
{
	int64_t t = 0;
	if (imgcfg_parse_rfc3339(span_from(rfc3339), &t) < 0)
		tap_fail(__FILE__, __LINE__, "bad test time '%s'", rfc3339);
	return t;
}

/*
 * Add one file-index entry with any type, mode and owner, and (for regular files) content as
 * the image reader captures it (a raw blob), whether or not a cataloger wants the path.
 */
static int add_entry(struct img *img, const char *path, enum img_ftype type, uint32_t mode,
		     uint32_t uid, uint32_t gid, const char *link, const char *content, int layer)
{
	struct img_layer_entry e = {.kind = IMG_ENTRY_FILE};
	e.file.path = strdup(path);
	e.file.type = type;
	e.file.mode = mode;
	e.file.uid = uid;
	e.file.gid = gid;
	e.file.layer = layer;
	if (link)
		e.file.link = strdup(link);
	if (content) {
		struct img_blob *b = calloc(1, sizeof(*b));
		if (b) {
			b->owner = -1;
			b->layer = layer;
			b->len = strlen(content);
			b->data = (unsigned char *)strdup(content);
		}
		e.file.content = b;
		e.file.size = strlen(content);
		if (!b || !b->data) {
			img_file_done(&e.file);
			return -ENOMEM;
		}
	}
	if (!e.file.path || (link && !e.file.link)) {
		img_file_done(&e.file);
		return -ENOMEM;
	}
	struct img_layer_index idx = {.entries = &e, .n = 1, .cap = 1};
	struct bh_diag d = {0};
	int r = img_fs_apply_layer(img->fs, &idx, layer, "test", &d);
	img_file_done(&e.file);
	return r;
}

static int add_file(struct img *img, const char *path, uint32_t mode)
{
	return add_entry(img, path, IMG_FT_REG, mode, 0, 0, NULL, NULL, 0);
}

static int add_dir(struct img *img, const char *path, uint32_t mode)
{
	return add_entry(img, path, IMG_FT_DIR, mode, 0, 0, NULL, NULL, 0);
}

/* An image with a config (fakeimg_new() makes a dir: target, which has none). */
static struct img *new_img(void)
{
	struct img *img = fakeimg_new();
	if (!img)
		tap_fail(__FILE__, __LINE__, "out of memory");
	img->target.kind = IMG_KIND_OCI;
	return img;
}

static void set_os(struct img *img, const char *id, const char *version_id, const char *codename,
		   const char *pretty);

static void set(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
	if (value && !*field)
		tap_fail(__FILE__, __LINE__, "out of memory");
}

/* Layers with digests "sha256:000…0", "sha256:000…1", … so findings can name them. */
static void set_layers(struct img *img, size_t n)
{
	img->layers = calloc(n, sizeof(*img->layers));
	ASSERT_NOT_NULL(img->layers);
	img->n_layers = n;
	for (size_t i = 0; i < n; i++) {
		char d[80];
		ASSERT_OK(xsnprintf(d, sizeof(d), "sha256:%064zu", i));
		img->layers[i].digest = strdup(d);
		ASSERT_NOT_NULL(img->layers[i].digest);
	}
}

static void add_history(struct img *img, const char *created_by, bool empty_layer)
{
	struct img_config *c = &img->config;
	struct img_history *h = reallocarray(c->history, c->n_history + 1, sizeof(*h));
	ASSERT_NOT_NULL(h);
	c->history = h;
	h[c->n_history] =
	    (struct img_history){.created_by = strdup(created_by), .empty_layer = empty_layer};
	ASSERT_NOT_NULL(h[c->n_history].created_by);
	c->n_history++;
}

static void run_opts(struct img *img, const struct imgcfg_opts *o, struct bh_findings *out)
{
	if (img->fs)
		ASSERT_OK(fakeimg_finish(img));
	*out = (struct bh_findings){0};
	ASSERT_OK(imgcfg_check(img, o, out));
}

static void run(struct img *img, struct bh_findings *out)
{
	run_opts(img, NULL, out);
}

static void run_at(struct img *img, int64_t now, struct bh_findings *out)
{
	struct imgcfg_opts o = {.now = now};
	run_opts(img, &o, out);
}

static size_t count(const struct bh_findings *l, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += streq(l->v[i].rule_id, rule);
	return n;
}

/* The nth (0-based) finding of rule, or NULL. */
static const struct bh_finding *nth(const struct bh_findings *l, const char *rule, size_t k)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].rule_id, rule) && k-- == 0)
			return &l->v[i];
	return NULL;
}

/* The finding of rule whose path (or, for path NULL, message) contains needle. */
static const struct bh_finding *with(const struct bh_findings *l, const char *rule,
				     const char *needle)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct bh_finding *f = &l->v[i];
		if (streq(f->rule_id, rule) &&
		    ((f->path && strstr(f->path, needle)) || strstr(f->message, needle)))
			return f;
	}
	return NULL;
}

static const char *ev_str(const struct bh_finding *f, const char *key)
{
	return f && f->evidence ? bh_json_str(f->evidence, key) : NULL;
}

static long long ev_int(const struct bh_finding *f, const char *key)
{
	json_t *v = f && f->evidence ? json_object_get(f->evidence, key) : NULL;
	return json_is_integer(v) ? (long long)json_integer_value(v) : -999999;
}

static bool contains(const char *s, const char *needle)
{
	return s && strstr(s, needle);
}

/* The finding serialised (message + evidence): where a leaked value would show up. */
static bool leaks(const struct bh_finding *f, const char *secret)
{
	if (contains(f->message, secret) || contains(f->path, secret))
		return true;
	char *j = f->evidence ? json_dumps(f->evidence, 0) : NULL;
	bool hit = contains(j, secret);
	free(j);
	return hit;
}

/* ---- the rule table ------------------------------------------------------------------------- */

TEST(rule_table)
{
	ASSERT_EQ(imgcfg_rule_count(), 17);
	for (size_t i = 0; i < imgcfg_rule_count(); i++) {
		const struct imgcfg_rule_info *ri = imgcfg_rule(i);
		char id[16];
		ASSERT_OK(xsnprintf(id, sizeof(id), "BH-IMG-%03zu", i + 1));
		ASSERT_STREQ(ri->id, id);
		ASSERT_TRUE(ri->title && *ri->title && ri->remediation && *ri->remediation);
		ASSERT_TRUE(ri->severity > BH_SEV_UNKNOWN);
		bool nist = false;
		for (size_t k = 0; k < ARRAY_SIZE(ri->compliance) && ri->compliance[k]; k++)
			nist = nist || strncmp(ri->compliance[k], "NIST-800-190:4.1.", 17) == 0;
		ASSERT_TRUE(nist);
	}
	ASSERT_NULL(imgcfg_rule(17));
}

TEST(null_arguments)
{
	struct bh_findings out = {0};
	ASSERT_ERR(imgcfg_check(NULL, NULL, &out), -EINVAL);
	struct img *img = new_img();
	ASSERT_ERR(imgcfg_check(img, NULL, NULL), -EINVAL);
	img_free(img);
}

/* A well-built image: every rule stays quiet. */
TEST(clean_image_has_no_findings)
{
	struct img *img = new_img();
	set(&img->config.user, "10001:10001");
	img->config.has_healthcheck = true;
	ASSERT_OK(strv_push(&img->config.healthcheck, "CMD"));
	ASSERT_OK(strv_push(&img->config.healthcheck, "/app/health"));
	ASSERT_OK(strv_push(&img->config.env, "PATH=/usr/local/bin:/usr/bin"));
	ASSERT_OK(strv_push(&img->config.env, "APP_PASSWORD_FILE=/run/secrets/app"));
	ASSERT_OK(strv_push(&img->config.exposed_ports, "8080/tcp"));
	ASSERT_OK(strv_push(&img->config.labels,
			    "org.opencontainers.image.base.name=gcr.io/distroless/static:nonroot"));
	set(&img->config.created, "2025-03-01T10:00:00Z");
	add_history(img, "COPY /out/app /app # buildkit", false);
	set(&img->target.reference, "registry.example:5000/team/app:1.4.2");
	set(&img->os.id, "debian");
	set(&img->os.version_id, "12");
	ASSERT_OK(add_file(img, "app", 0755));
	ASSERT_OK(add_dir(img, "tmp", 01777));
	ASSERT_OK(add_file(img, "etc/app.conf", 0644));
	struct bh_findings out;
	run_at(img, T("2025-06-01T00:00:00Z"), &out);
	for (size_t i = 0; i < out.n; i++)
		tap_fail(__FILE__, __LINE__, "unexpected %s: %s", out.v[i].rule_id,
			 out.v[i].message);
	bh_findings_done(&out);
	img_free(img);
}

/* dir: has no image config: only the file-system and end-of-life rules run. */
TEST(dir_target_has_no_config_rules)
{
	struct img *img = new_img();
	img->target.kind = IMG_KIND_DIR;
	set(&img->config.created, "2000-01-01T00:00:00Z");
	ASSERT_OK(strv_push(&img->config.exposed_ports, "22/tcp"));
	set_os(img, "debian", "9", "stretch", NULL);
	ASSERT_OK(add_file(img, "usr/bin/su", 04755));
	struct bh_findings out;
	run_at(img, T("2026-01-01T00:00:00Z"), &out);
	ASSERT_EQ(out.n, 2);
	ASSERT_EQ(count(&out, "BH-IMG-006"), 1);
	ASSERT_EQ(count(&out, "BH-IMG-017"), 1);
	bh_findings_done(&out);
	img->target.kind = IMG_KIND_OCI; /* the same facts with a config */
	run_at(img, T("2026-01-01T00:00:00Z"), &out);
	ASSERT_EQ(count(&out, "BH-IMG-001"), 1);
	ASSERT_EQ(count(&out, "BH-IMG-002"), 1);
	ASSERT_EQ(count(&out, "BH-IMG-005"), 1);
	ASSERT_EQ(count(&out, "BH-IMG-016"), 1);
	bh_findings_done(&out);
	img_free(img);
}

/* ---- BH-IMG-001 root user ------------------------------------------------------------------- */

TEST(root_user_default_and_explicit)
{
	static const char *const roots[] = {NULL, "",	 "  ",	      "root",	   "0",
					    "00", "0:0", "root:root", "root:1000", "0:1000"};
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		struct img *img = new_img();
		set(&img->config.user, roots[i]);
		struct bh_findings out;
		run(img, &out);
		const struct bh_finding *f = nth(&out, "BH-IMG-001", 0);
		if (!f)
			tap_fail(__FILE__, __LINE__, "no finding for User '%s'",
				 roots[i] ? roots[i] : "(null)");
		ASSERT_EQ(count(&out, "BH-IMG-001"), 1);
		ASSERT_EQ(f->severity, BH_SEV_MEDIUM);
		ASSERT_STREQ(f->kind, "misconfiguration");
		ASSERT_STREQ(f->rule_title, "Image runs as root");
		ASSERT_NULL(f->path);
		ASSERT_TRUE(strv_contains(&f->compliance, "CIS-DOCKER-1.6:4.1"));
		ASSERT_TRUE(strv_contains(&f->compliance, "NIST-800-190:4.1.2"));
		ASSERT_EQ(ev_int(f, "uid"), 0);
		ASSERT_NOT_NULL(f->remediation);
		if (span_trim(span_from(roots[i])).len == 0)
			ASSERT_TRUE(contains(f->message, "no USER"));
		bh_findings_done(&out);
		img_free(img);
	}
}

TEST(root_user_negative)
{
	static const char *const users[] = {"1000", "1000:0",	      "65534:65534",
					    "app",  "nobody:nogroup", "10001:root"};
	for (size_t i = 0; i < ARRAY_SIZE(users); i++) {
		struct img *img = new_img();
		set(&img->config.user, users[i]);
		struct bh_findings out;
		run(img, &out);
		if (count(&out, "BH-IMG-001"))
			tap_fail(__FILE__, __LINE__, "finding for User '%s'", users[i]);
		bh_findings_done(&out);
		img_free(img);
	}
}

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			     "toor:x:0:0::/root:/bin/sh\n"
			     "app:x:1000:1000::/home/app:/bin/sh\n"
			     "broken:x:notanumber:0::/:/bin/sh\n";

TEST(root_user_named_via_passwd)
{
	static const struct {
		const char *user;
		bool root;
	} cases[] = {{"toor", true},	{"toor:app", true}, {"app", false},
		     {"daemon", false}, {"broken", false},  {"ghost", false}};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct img *img = new_img();
		ASSERT_OK(add_entry(img, "etc/passwd", IMG_FT_REG, 0644, 0, 0, NULL, passwd, 0));
		set(&img->config.user, cases[i].user);
		struct bh_findings out;
		run(img, &out);
		ASSERT_EQ(count(&out, "BH-IMG-001"), cases[i].root);
		if (cases[i].root) {
			const struct bh_finding *f = nth(&out, "BH-IMG-001", 0);
			ASSERT_STREQ(ev_str(f, "uid_source"), "/etc/passwd");
			ASSERT_STREQ(ev_str(f, "user"), cases[i].user);
			ASSERT_TRUE(contains(f->message, "UID 0"));
		}
		bh_findings_done(&out);
		img_free(img);
	}
}

TEST(root_user_named_passwd_via_symlink)
{
	struct img *img = new_img();
	ASSERT_OK(add_entry(img, "usr/share/base/passwd", IMG_FT_REG, 0644, 0, 0, NULL, passwd, 0));
	ASSERT_OK(fakeimg_add_symlink(img, "etc/passwd", "../usr/share/base/passwd", 0));
	set(&img->config.user, "toor");
	struct bh_findings out;
	run(img, &out);
	ASSERT_EQ(count(&out, "BH-IMG-001"), 1);
	bh_findings_done(&out);
	img_free(img);
}

/*
 * The same through the real capture path (fakeimg_add_file() keeps content only when a
 * cataloger wants the path): needs etc/passwd in a cataloger's want().
 */
TEST(root_user_named_passwd_captured_by_reader)
{
	if (!(img_want_for(SPAN_LIT("etc/passwd"), 0644, sizeof(passwd) - 1) & IMG_WANT_CONTENT))
		TEST_SKIP("etc/passwd is not captured by the image reader (catalogers/os.c want)");
	struct img *img = new_img();
	ASSERT_OK(fakeimg_add_file(img, "etc/passwd", passwd, sizeof(passwd) - 1, 0644, 0));
	set(&img->config.user, "toor");
	struct bh_findings out;
	run(img, &out);
	ASSERT_EQ(count(&out, "BH-IMG-001"), 1);
	bh_findings_done(&out);
	img_free(img);
}

/* ---- BH-IMG-002 HEALTHCHECK ------------------------------------------------------------------ */

TEST(healthcheck)
{
	struct img *img = new_img();
	struct bh_findings out;
	run(img, &out); /* absent */
	const struct bh_finding *f = nth(&out, "BH-IMG-002", 0);
	ASSERT_NOT_NULL(f);
	ASSERT_EQ(f->severity, BH_SEV_LOW);
	ASSERT_TRUE(contains(f->message, "no HEALTHCHECK"));
	ASSERT_TRUE(strv_contains(&f->compliance, "CIS-DOCKER-1.6:4.6"));
	ASSERT_TRUE(json_is_null(json_object_get(f->evidence, "healthcheck")));
	bh_findings_done(&out);

	img->config.has_healthcheck = true; /* present, empty Test: inherits nothing */
	run(img, &out);
	ASSERT_EQ(count(&out, "BH-IMG-002"), 1);
	bh_findings_done(&out);

	ASSERT_OK(strv_push(&img->config.healthcheck, "NONE"));
	run(img, &out);
	f = nth(&out, "BH-IMG-002", 0);
	ASSERT_NOT_NULL(f);
	ASSERT_TRUE(contains(f->message, "disabled"));
	ASSERT_EQ(json_array_size(json_object_get(f->evidence, "healthcheck")), 1);
	bh_findings_done(&out);

	strv_done(&img->config.healthcheck);
	ASSERT_OK(strv_push(&img->config.healthcheck, "CMD-SHELL"));
	ASSERT_OK(strv_push(&img->config.healthcheck, "curl -f http://localhost/ || exit 1"));
	run(img, &out);
	ASSERT_EQ(count(&out, "BH-IMG-002"), 0);
	bh_findings_done(&out);
	img_free(img);
}

/* ---- BH-IMG-003 secrets in ENV --------------------------------------------------------------- */

TEST(env_secrets_found_and_redacted)
{
	static const struct {
		const char *entry, *var, *value, *redacted;
	} cases[] = {
	    {"DB_PASSWORD=s3cr3tP@ssw0rd!", "DB_PASSWORD", "s3cr3tP@ssw0rd!", "s3…"},
	    {"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz",
	     "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz", "wJ…"},
	    {"GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "GITHUB_TOKEN",
	     "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "gh…"},
	    {"stripe-api-key=sk_live_0123456789abcdefghij", "stripe-api-key",
	     "sk_live_0123456789abcdefghij", "sk…"},
	    {"app.secret=abcdefghijklmnop", "app.secret", "abcdefghijklmnop", "ab…"},
	    {"JWT_PRIVATE_KEY=MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "JWT_PRIVATE_KEY",
	     "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "MI…"},
	    {"MYSQL_ROOT_PASS=hunter2", "MYSQL_ROOT_PASS", "hunter2", "…"}, /* < 8: no prefix */
	    {"DB_PWD=correct-horse-battery", "DB_PWD", "correct-horse-battery", "co…"},
	    {"POSTGRES_PASSWORD=password", "POSTGRES_PASSWORD", "password", "pa…"},
	};
	struct img *img = new_img();
	ASSERT_OK(strv_push(&img->config.env, "PATH=/usr/bin"));
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		ASSERT_OK(strv_push(&img->config.env, cases[i].entry));
	struct bh_findings out;
	run(img, &out);
	ASSERT_EQ(count(&out, "BH-IMG-003"), ARRAY_SIZE(cases));
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct bh_finding *f = NULL;
		for (size_t k = 0; !f && k < out.n; k++)
			if (streq(out.v[k].rule_id, "BH-IMG-003") &&
			    streq_ptr(ev_str(&out.v[k], "variable"), cases[i].var))
				f = &out.v[k];
		if (!f)
			tap_fail(__FILE__, __LINE__, "no finding for %s", cases[i].var);
		ASSERT_EQ(f->severity, BH_SEV_HIGH);
		ASSERT_STREQ(ev_str(f, "value_redacted"), cases[i].redacted);
		ASSERT_EQ(ev_int(f, "value_length"), strlen(cases[i].value));
		ASSERT_EQ(ev_int(f, "index"), i + 1);
		ASSERT_TRUE(contains(f->message, cases[i].var));
		if (leaks(f, cases[i].value))
			tap_fail(__FILE__, __LINE__, "value of %s leaked", cases[i].var);
		ASSERT_TRUE(strv_contains(&f->compliance, "CIS-DOCKER-1.6:4.10"));
		ASSERT_TRUE(strv_contains(&f->compliance, "NIST-800-190:4.1.4"));
	}
	bh_findings_done(&out);
	img_free(img);
}

TEST(env_placeholders_and_references_are_not_secrets)
{
	static const char *const env[] = {
	    "PASSWORD=",
	    "DB_PASSWORD=changeme",
	    "DB_PASSWORD=CHANGE_ME",
	    "API_TOKEN=${API_TOKEN}",
	    "SECRET=$SECRET",
	    "SECRET=$(cat /run/secrets/x)",
	    "TOKEN=<your token here>",
	    "API_KEY=your_api_key_here",
	    "API_KEY=xxxxxxxxxxxxxxxx",
	    "PASSWORD=********",
	    "SECRET_KEY={{ .Values.secretKey }}",
	    "AUTH_TOKEN=%AUTH_TOKEN%",
	    "DB_PASSWORD=@DB_PASSWORD@",
	    "PASSWORD_FILE=/run/secrets/db",
	    "DB_PASSWORD_FILE=db-password.txt", /* only the name says it is a reference */
	    "API_KEY=placeholder",
	    "CLIENT_SECRET=example",
	    "SECRET=null",
	    "TOKEN=None",
	    "DB_PASSWORD=dummy",
	    "DB_PASSWORD=/run/secrets/db_password",
	    "VAULT_TOKEN=vault:secret/data/app#token",
	    "DB_SECRET=arn:aws:secretsmanager:eu-west-1:123456789012:secret:db",
	    "OP_TOKEN=op://vault/item/field",
	    "ALLOW_EMPTY_PASSWORD=yes",
	    "MYSQL_RANDOM_ROOT_PASSWORD=yes",
	    "TOKEN_TTL=3600",
	    "PASSWORD_MIN_LENGTH=12",
	    "JWT_SECRET_PATH=/etc/jwt",
	    "OAUTH_TOKEN_URL=https://auth.example/token",
	    "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
	    "SECRET_NAME=db-credentials",
	    "PWD=/app",
	    "OLDPWD=/",
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
	    "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
	    "PYTHON_SHA256=bfb249609990220491a1b92850a07135ed0831e41738cf681d63cf01b2a8fbd1",
	    "PASSENGER_VERSION=6.0.18",
	    "TOKEN=1",
	    "SECRET_ENABLED=true",
	    "NOEQUALSIGN",
	    "=orphan",
	};
	struct img *img = new_img();
	for (size_t i = 0; i < ARRAY_SIZE(env); i++)
		ASSERT_OK(strv_push(&img->config.env, env[i]));
	struct bh_findings out;
	run(img, &out);
	for (size_t i = 0; i < out.n; i++)
		if (streq(out.v[i].rule_id, "BH-IMG-003"))
			tap_fail(__FILE__, __LINE__, "false positive: %s", out.v[i].message);
	bh_findings_done(&out);
	img_free(img);
}

/* ---- BH-IMG-004 ADD from a remote URL -------------------------------------------------- */

TEST(remote_add_in_history)
{
	struct img *img = new_img();
	set_layers(img, 6);
	add_history(img, "/bin/sh -c #(nop) ADD file:4b03b5f551e3fbdf47ec609712007 in / ", false);
	add_history(img, "/bin/sh -c #(nop)  CMD [\"bash\"]", true);
	add_history(img, "/bin/sh -c #(nop) ADD https://example.com/app.tar.gz in /opt/ ", false);
	add_history(img, "ENV A=1", true);
	add_history(
	    img,
	    "ADD "
	    "--checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d "
	    "https://example.com/tool.tgz /tool # buildkit",
	    false);
	add_history(img,
		    "ADD https://deploy:pa55w0rd@files.example/x.bin?token=abc123 /x # buildkit",
		    false);
	add_history(img, "ADD [\"https://example.com/a.txt\", \"/a.txt\"] # buildkit", false);
	add_history(img, "ADD git@github.com:moby/buildkit.git#v0.10.1 /buildkit # buildkit",
		    false);
	add_history(img, "COPY https://example.com/not-add /x # buildkit", true);
	add_history(img, "RUN /bin/sh -c curl -fsSL https://example.com/i.sh | sh # buildkit",
		    true);
	add_history(img, "ADD ./local.tar.gz /opt/ # buildkit", true);
	add_history(img, "/bin/sh -c #(nop) ADDX https://example.com/y in /", true);
	struct bh_findings out;
	run(img, &out);
	ASSERT_EQ(count(&out, "BH-IMG-004"), 5);

	const struct bh_finding *f = with(&out, "BH-IMG-004", "app.tar.gz");
	ASSERT_NOT_NULL(f);
	ASSERT_EQ(f->severity, BH_SEV_MEDIUM);
	ASSERT_TRUE(json_is_false(json_object_get(f->evidence, "checksum")));
	ASSERT_EQ(ev_int(f, "history_index"), 2);
	ASSERT_STREQ(f->layer, img->layers[1].digest); /* second non-empty history entry */
	ASSERT_TRUE(strv_contains(&f->compliance, "CIS-DOCKER-1.6:4.9"));
	ASSERT_TRUE(contains(f->message, "without a checksum"));

	f = with(&out, "BH-IMG-004", "tool.tgz");
	ASSERT_NOT_NULL(f);
	ASSERT_EQ(f->severity, BH_SEV_LOW);
	ASSERT_TRUE(json_is_true(json_object_get(f->evidence, "checksum")));
	ASSERT_STREQ(f->layer, img->layers[2].digest);

	f = with(&out, "BH-IMG-004", "files.example");
	ASSERT_NOT_NULL(f);
	ASSERT_FALSE(leaks(f, "pa55w0rd"));
	ASSERT_FALSE(leaks(f, "deploy"));
	ASSERT_FALSE(leaks(f, "abc123"));
	ASSERT_STREQ(json_string_value(json_array_get(json_object_get(f->evidence, "urls"), 0)),
		     "https://***@files.example/x.bin?…");

	ASSERT_NOT_NULL(with(&out, "BH-IMG-004", "https://example.com/a.txt"));
	ASSERT_NOT_NULL(with(&out, "BH-IMG-004", "git@github.com:moby/buildkit.git"));
	ASSERT_NULL(with(&out, "BH-IMG-004", "not-add"));
	ASSERT_NULL(with(&out, "BH-IMG-004", "i.sh"));
	bh_findings_done(&out);
	img_free(img);
}

/* ---- BH-IMG-005 sensitive ports ---------------------------------------------------------------
 */

TEST(sensitive_ports)
{
	struct img *img = new_img();
	static const char *const ports[] = {"22/tcp",	 "2375/tcp",  "5432/tcp", "80/tcp",
					    "443/tcp",	 "8080/tcp",  "161/udp",  "161/tcp",
					    "11211/udp", "bogus/tcp", "70000/tcp"};
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++)
		ASSERT_OK(strv_push(&img->config.exposed_ports, ports[i]));
	struct bh_findings out;
	run(img, &out);
	ASSERT_EQ(count(&out, "BH-IMG-005"), 5);
	const struct bh_finding *f = with(&out, "BH-IMG-005", "22/tcp");
	ASSERT_NOT_NULL(f);
	ASSERT_EQ(f->severity, BH_SEV_MEDIUM);
	ASSERT_STREQ(ev_str(f, "service"), "ssh");
	ASSERT_NOT_NULL(ev_str(f, "reason"));
	f = with(&out, "BH-IMG-005", "2375/tcp");
	ASSERT_EQ(f->severity, BH_SEV_HIGH);
	f = with(&out, "BH-IMG-005", "5432/tcp");
	ASSERT_EQ(f->severity, BH_SEV_LOW);
	ASSERT_NOT_NULL(with(&out, "BH-IMG-005", "161/udp"));
	ASSERT_NULL(with(&out, "BH-IMG-005", "161/tcp"));
	ASSERT_NOT_NULL(with(&out, "BH-IMG-005", "11211/udp"));
	ASSERT_NULL(with(&out, "BH-IMG-005", "8080"));
	bh_findings_done(&out);
	img_free(img);
}

/* ---- BH-IMG-006 setuid/setgid ------------------------------------------------------------------
 */

TEST(setuid_setgid_files)
{
	struct img *img = new_img();
	set_layers(img, 3);
	ASSERT_OK(add_entry(img, "usr/bin/passwd", IMG_FT_REG, 04755, 0, 0, NULL, NULL, 1));
	ASSERT_OK(add_entry(img, "usr/bin/wall", IMG_FT_REG, 02755, 0, 5, NULL, NULL, 2));
	ASSERT_OK(add_entry(img, "usr/bin/both", IMG_FT_REG, 06755, 1000, 1000, NULL, NULL, 0));
	ASSERT_OK(add_file(img, "usr/bin/ls", 0755));
	ASSERT_OK(add_dir(img, "var/mail", 02775)); /* setgid directory: group inheritance */
	struct bh_findings out;
	run(img, &out);
	ASSERT_EQ(count(&out, "BH-IMG-006"), 3);
	const struct bh_finding *f = with(&out, "BH-IMG-006", "/usr/bin/passwd");
	ASSERT_NOT_NULL(f);
	ASSERT_STREQ(f->path, "/usr/bin/passwd");
	ASSERT_EQ(f->severity, BH_SEV_LOW);
	ASSERT_STREQ(ev_str(f, "mode"), "4755");
	ASSERT_EQ(ev_int(f, "uid"), 0);
	ASSERT_TRUE(json_is_true(json_object_get(f->evidence, "setuid")));
	ASSERT_TRUE(json_is_false(json_object_get(f->evidence, "setgid")));
	ASSERT_STREQ(f->layer, img->layers[1].digest);
	ASSERT_TRUE(strv_contains(&f->compliance, "CIS-DOCKER-1.6:4.8"));
	f = with(&out, "BH-IMG-006", "/usr/bin/wall");
	ASSERT_EQ(ev_int(f, "gid"), 5);
	ASSERT_TRUE(contains(f->message, "setgid"));
	f = with(&out, "BH-IMG-006", "/usr/bin/both");
	ASSERT_TRUE(contains(f->message, "setuid and setgid"));
	ASSERT_STREQ(ev_str(f, "mode"), "6755");
	ASSERT_NULL(with(&out, "BH-IMG-006", "/var/mail"));
	ASSERT_NULL(with(&out, "BH-IMG-006", "/usr/bin/ls"));
	bh_findings_done(&out);
	img_free(img);
}

TEST(per_path_rules_are_capped)
{
	struct img *img = new_img();
	for (int i = 0; i < 5; i++) {
		char p[32];
		ASSERT_OK(xsnprintf(p, sizeof(p), "usr/bin/s%d", i));
		ASSERT_OK(add_file(img, p, 04755));
	}
	struct imgcfg_opts o = {.max_paths_per_rule = 2};
	struct bh_findings out;
	run_opts(img, &o, &out);
	ASSERT_EQ(count(&out, "BH-IMG-006"), 3);
	size_t with_path = 0;
	const struct bh_finding *summary = NULL;
	for (size_t i = 0; i < out.n; i++)
		if (streq(out.v[i].rule_id, "BH-IMG-006")) {
			if (out.v[i].path)
				with_path++;
			else
				summary = &out.v[i];
		}
	ASSERT_EQ(with_path, 2);
	ASSERT_NOT_NULL(summary);
	ASSERT_EQ(ev_int(summary, "omitted"), 3);
	ASSERT_EQ(ev_int(summary, "limit"), 2);
	bh_findings_done(&out);
	img_free(img);
}

/* ---- BH-IMG-007/008 world-writable -------------------------------------------------------- */

TEST(world_writable_paths)
{
	struct img *img = new_img();
	ASSERT_OK(add_dir(img, "tmp", 01777));
	ASSERT_OK(add_dir(img, "var/tmp", 01777));
	ASSERT_OK(add_dir(img, "data", 0777));
	ASSERT_OK(add_dir(img, "srv/upload", 0773));
	ASSERT_OK(add_dir(img, "srv/group", 0775));
	ASSERT_OK(add_file(img, "etc/app.conf", 0666));
	ASSERT_OK(add_file(img, "etc/ok.conf", 0644));
	ASSERT_OK(add_file(img, "tmp/scratch", 0666));
	ASSERT_OK(fakeimg_add_symlink(img, "etc/link", "/etc/ok.conf", 0)); /* links are 0777 */
	ASSERT_OK(add_entry(img, "run/fifo", IMG_FT_FIFO, 0666, 0, 0, NULL, NULL, 0));
	struct bh_findings out;
	run(img, &out);
	ASSERT_EQ(count(&out, "BH-IMG-007"), 2);
	const struct bh_finding *f = with(&out, "BH-IMG-007", "/data");
	ASSERT_NOT_NULL(f);
	ASSERT_STREQ(f->path, "/data");
	ASSERT_EQ(f->severity, BH_SEV_MEDIUM);
	ASSERT_STREQ(ev_str(f, "mode"), "0777");
	ASSERT_NOT_NULL(with(&out, "BH-IMG-007", "/srv/upload"));
	ASSERT_NULL(with(&out, "BH-IMG-007", "/tmp"));
	ASSERT_NULL(with(&out, "BH-IMG-007", "/srv/group"));
	ASSERT_EQ(count(&out, "BH-IMG-008"), 2);
	f = with(&out, "BH-IMG-008", "/etc/app.conf");
	ASSERT_NOT_NULL(f);
	ASSERT_EQ(f->severity, BH_SEV_LOW);
	ASSERT_NOT_NULL(with(&out, "BH-IMG-008", "/tmp/scratch"));
	ASSERT_NULL(with(&out, "BH-IMG-008", "/etc/link"));
	ASSERT_NULL(with(&out, "BH-IMG-008", "/run/fifo"));
	bh_findings_done(&out);
	img_free(img);
}

/* ---- BH-IMG-009…013 tools ------------------------------------------------------------------- */

static json_t *tool(const struct bh_finding *f, const char *name)
{
	json_t *tools = f ? json_object_get(f->evidence, "tools") : NULL, *t;
	size_t i;
	json_array_foreach(tools, i, t)
	{
		if (streq_ptr(bh_json_str(t, "name"), name))
			return t;
	}
	return NULL;
}

TEST(tools_busybox_applets)
{
	/* Alpine-like: busybox applets as symlinks, apk as a binary. */
	struct img *img = new_img();
	ASSERT_OK(add_file(img, "bin/busybox", 0755));
	ASSERT_OK(fakeimg_add_symlink(img, "bin/sh", "/bin/busybox", 0));
	ASSERT_OK(fakeimg_add_symlink(img, "usr/bin/wget", "/bin/busybox", 0));
	ASSERT_OK(fakeimg_add_symlink(img, "usr/bin/nc", "../../bin/busybox", 0));
	ASSERT_OK(add_file(img, "sbin/apk", 0755));
	struct bh_findings out;
	run(img, &out);
	const struct bh_finding *f = nth(&out, "BH-IMG-010", 0);
	ASSERT_NOT_NULL(f);
	ASSERT_EQ(f->severity, BH_SEV_INFO);
	ASSERT_STREQ(ev_str(f, "category"), "shell");
	ASSERT_EQ(ev_int(f, "count"), 2);
	ASSERT_STREQ(bh_json_str(tool(f, "sh"), "path"), "/bin/sh");
	ASSERT_STREQ(bh_json_str(tool(f, "sh"), "resolved"), "/bin/busybox");
	ASSERT_NOT_NULL(tool(f, "busybox"));
	ASSERT_NULL(bh_json_str(tool(f, "busybox"), "resolved"));
	ASSERT_TRUE(contains(f->message, "sh, busybox"));

	f = nth(&out, "BH-IMG-013", 0);
	ASSERT_NOT_NULL(f);
	ASSERT_EQ(f->severity, BH_SEV_LOW);
	ASSERT_EQ(ev_int(f, "count"), 2);
	ASSERT_STREQ(bh_json_str(tool(f, "nc"), "resolved"), "/bin/busybox");
	ASSERT_NOT_NULL(tool(f, "wget"));

	f = nth(&out, "BH-IMG-009", 0);
	ASSERT_NOT_NULL(f);
	ASSERT_STREQ(bh_json_str(tool(f, "apk"), "path"), "/sbin/apk");
	ASSERT_TRUE(strv_contains(&f->compliance, "CIS-DOCKER-1.6:4.3"));
	ASSERT_EQ(count(&out, "BH-IMG-011"), 0);
	ASSERT_EQ(count(&out, "BH-IMG-012"), 0);
	bh_findings_done(&out);
	img_free(img);
}

TEST(tools_merged_usr_reported_once)
{
	/* Debian 12-like: /bin -> usr/bin, sh -> dash, gcc -> gcc-12. */
	struct img *img = new_img();
	ASSERT_OK(fakeimg_add_symlink(img, "bin", "usr/bin", 0));
	ASSERT_OK(fakeimg_add_symlink(img, "sbin", "usr/sbin", 0));
	ASSERT_OK(add_file(img, "usr/bin/bash", 0755));
	ASSERT_OK(add_file(img, "usr/bin/dash", 0755));
	ASSERT_OK(fakeimg_add_symlink(img, "usr/bin/sh", "dash", 0));
	ASSERT_OK(add_file(img, "usr/bin/apt-get", 0755));
	ASSERT_OK(add_file(img, "usr/bin/dpkg", 0755));
	ASSERT_OK(add_file(img, "usr/bin/gcc-12", 0755));
	ASSERT_OK(fakeimg_add_symlink(img, "usr/bin/gcc", "gcc-12", 0));
	ASSERT_OK(add_file(img, "usr/bin/make", 0755));
	ASSERT_OK(add_file(img, "usr/bin/gdb", 0755));
	ASSERT_OK(add_file(img, "usr/bin/strace", 0755));
	ASSERT_OK(add_file(img, "usr/bin/curl", 0755));
	struct bh_findings out;
	run(img, &out);
	const struct bh_finding *f = nth(&out, "BH-IMG-010", 0);
	ASSERT_EQ(ev_int(f, "count"), 3); /* sh, bash, dash: not again under /bin */
	ASSERT_STREQ(bh_json_str(tool(f, "sh"), "path"), "/usr/bin/sh");
	ASSERT_STREQ(bh_json_str(tool(f, "sh"), "resolved"), "/usr/bin/dash");
	f = nth(&out, "BH-IMG-009", 0);
	ASSERT_EQ(ev_int(f, "count"), 2);
	ASSERT_TRUE(contains(f->message, "apt-get, dpkg"));
	f = nth(&out, "BH-IMG-011", 0);
	ASSERT_NOT_NULL(f);
	ASSERT_EQ(ev_int(f, "count"), 2);
	ASSERT_STREQ(bh_json_str(tool(f, "gcc"), "resolved"), "/usr/bin/gcc-12");
	f = nth(&out, "BH-IMG-012", 0);
	ASSERT_NOT_NULL(f);
	ASSERT_NOT_NULL(tool(f, "gdb"));
	ASSERT_NOT_NULL(tool(f, "strace"));
	ASSERT_NOT_NULL(tool(nth(&out, "BH-IMG-013", 0), "curl"));
	bh_findings_done(&out);
	img_free(img);
}

TEST(tools_negative)
{
	/* Distroless-like, plus things that look like tools but are not runnable commands. */
	struct img *img = new_img();
	ASSERT_OK(add_file(img, "app", 0755));
	ASSERT_OK(fakeimg_add_symlink(img, "usr/bin/curl", "/nonexistent/curl", 0)); /* dangling */
	ASSERT_OK(add_file(img, "usr/bin/wget", 0644));	      /* not executable */
	ASSERT_OK(add_dir(img, "usr/bin/make", 0755));	      /* a directory */
	ASSERT_OK(add_file(img, "opt/tools/bin/bash", 0755)); /* not a command directory */
	ASSERT_OK(add_file(img, "usr/lib/gcc/x86_64-linux-gnu/12/cc1", 0755));
	struct bh_findings out;
	run(img, &out);
	for (int r = 9; r <= 13; r++) {
		char id[16];
		ASSERT_OK(xsnprintf(id, sizeof(id), "BH-IMG-%03d", r));
		if (count(&out, id))
			tap_fail(__FILE__, __LINE__, "unexpected %s: %s", id,
				 nth(&out, id, 0)->message);
	}
	bh_findings_done(&out);
	img_free(img);
}

/* ---- BH-IMG-014/015 names ------------------------------------------------------------------ */

struct name_case {
	enum img_kind kind;
	const char *reference;
	const char *tags[3];
	int expect; /* findings of BH-IMG-014 */
	const char *word;
};

TEST(image_tag)
{
	static const struct name_case cases[] = {
	    {IMG_KIND_OCI, "latest", {NULL}, 1, "latest"},
	    {IMG_KIND_OCI, "v1.2", {NULL}, 0, NULL},
	    {IMG_KIND_OCI, "docker.io/library/alpine:latest", {NULL}, 1, "latest"},
	    {IMG_KIND_DOCKER_ARCHIVE, NULL, {"app:latest"}, 1, "latest"},
	    {IMG_KIND_DOCKER_ARCHIVE, NULL, {"app"}, 1, "without a tag"},
	    {IMG_KIND_DOCKER_ARCHIVE, NULL, {"registry:5000/app"}, 1, "without a tag"},
	    {IMG_KIND_DOCKER_ARCHIVE, NULL, {"registry:5000/app:1.0"}, 0, NULL},
	    {IMG_KIND_DOCKER_ARCHIVE, NULL, {"app:latest", "app:1.2"}, 0, NULL},
	    {IMG_KIND_DOCKER_ARCHIVE, "app:latest", {"app:latest"}, 1, "latest"},
	    {IMG_KIND_DOCKER_ARCHIVE,
	     NULL,
	     {"app@sha256:0000000000000000000000000000000000000000000000000000000000000000"},
	     0,
	     NULL},
	    {IMG_KIND_DIR, NULL, {NULL}, 0, NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct img *img = new_img();
		img->target.kind = cases[i].kind;
		set(&img->target.reference, cases[i].reference);
		for (size_t k = 0; k < ARRAY_SIZE(cases[i].tags) && cases[i].tags[k]; k++)
			ASSERT_OK(strv_push(&img->repo_tags, cases[i].tags[k]));
		struct bh_findings out;
		run(img, &out);
		if ((int)count(&out, "BH-IMG-014") != cases[i].expect)
			tap_fail(__FILE__, __LINE__, "case %zu: %zu findings, expected %d", i,
				 count(&out, "BH-IMG-014"), cases[i].expect);
		if (cases[i].word) {
			const struct bh_finding *f = nth(&out, "BH-IMG-014", 0);
			ASSERT_TRUE(contains(f->message, cases[i].word));
			ASSERT_EQ(f->severity, BH_SEV_LOW);
			ASSERT_TRUE(json_array_size(json_object_get(f->evidence, "names")) >= 1);
		}
		bh_findings_done(&out);
		img_free(img);
	}
}

TEST(base_image_tag)
{
	static const struct {
		const char *base;
		int expect;
	} cases[] = {
	    {"docker.io/library/alpine:latest", 1},
	    {"alpine", 1},
	    {"localhost:5000/base", 1},
	    {"alpine:3.18", 0},
	    {"docker.io/library/"
	     "alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000",
	     0},
	    {NULL, 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct img *img = new_img();
		ASSERT_OK(strv_push(&img->config.labels,
				    "org.opencontainers.image.base.digest=sha256:ab"));
		if (cases[i].base) {
			char l[256];
			ASSERT_OK(xsnprintf(l, sizeof(l), "org.opencontainers.image.base.name=%s",
					    cases[i].base));
			ASSERT_OK(strv_push(&img->config.labels, l));
		}
		struct bh_findings out;
		run(img, &out);
		ASSERT_EQ(count(&out, "BH-IMG-015"), cases[i].expect);
		if (cases[i].expect) {
			const struct bh_finding *f = nth(&out, "BH-IMG-015", 0);
			ASSERT_EQ(f->severity, BH_SEV_MEDIUM);
			ASSERT_STREQ(ev_str(f, "base_name"), cases[i].base);
			ASSERT_STREQ(ev_str(f, "base_digest"), "sha256:ab");
			ASSERT_TRUE(strv_contains(&f->compliance, "CIS-DOCKER-1.6:4.2"));
		}
		bh_findings_done(&out);
		img_free(img);
	}
}

/* ---- BH-IMG-016 image age -----------------------------------------------------------------------
 */

TEST(image_age)
{
	struct img *img = new_img();
	set(&img->config.created, "2024-01-01T00:00:00Z");
	struct bh_findings out;
	run_at(img, T("2024-12-31T23:59:59Z"), &out); /* 365 days: not more than 365 */
	ASSERT_EQ(count(&out, "BH-IMG-016"), 0);
	bh_findings_done(&out);
	run_at(img, T("2025-01-01T00:00:00Z"), &out); /* 366 days */
	const struct bh_finding *f = nth(&out, "BH-IMG-016", 0);
	ASSERT_NOT_NULL(f);
	ASSERT_EQ(f->severity, BH_SEV_LOW);
	ASSERT_EQ(ev_int(f, "age_days"), 366);
	ASSERT_EQ(ev_int(f, "max_age_days"), 365);
	ASSERT_STREQ(ev_str(f, "created"), "2024-01-01T00:00:00Z");
	ASSERT_TRUE(strv_contains(&f->compliance, "NIST-800-190:4.1.1"));
	bh_findings_done(&out);

	struct imgcfg_opts o = {.now = T("2024-02-01T00:00:00Z"), .max_age_days = 30};
	run_opts(img, &o, &out);
	ASSERT_EQ(count(&out, "BH-IMG-016"), 1);
	bh_findings_done(&out);

	run(img, &out); /* no clock */
	ASSERT_EQ(count(&out, "BH-IMG-016"), 0);
	bh_findings_done(&out);
	img_free(img);
}

TEST(image_age_unknown_dates)
{
	static const char *const created[] = {NULL,
					      "",
					      "1970-01-01T00:00:00Z",
					      "0001-01-01T00:00:00Z",
					      "2030-01-01T00:00:00Z",
					      "yesterday",
					      "2024-13-01T00:00:00Z"};
	for (size_t i = 0; i < ARRAY_SIZE(created); i++) {
		struct img *img = new_img();
		set(&img->config.created, created[i]);
		struct bh_findings out;
		run_at(img, T("2026-01-01T00:00:00Z"), &out);
		ASSERT_EQ(count(&out, "BH-IMG-016"), 0);
		bh_findings_done(&out);
		img_free(img);
	}
}

TEST(rfc3339)
{
	int64_t t;
	ASSERT_OK(imgcfg_parse_rfc3339(SPAN_LIT("1970-01-01T00:00:00Z"), &t));
	ASSERT_EQ(t, 0);
	ASSERT_OK(imgcfg_parse_rfc3339(SPAN_LIT("2024-02-29T12:34:56.123456789Z"), &t));
	ASSERT_EQ(t, 1709210096);
	ASSERT_OK(imgcfg_parse_rfc3339(SPAN_LIT("2024-02-29T14:34:56+02:00"), &t));
	ASSERT_EQ(t, 1709210096);
	ASSERT_OK(imgcfg_parse_rfc3339(SPAN_LIT("2024-02-29 07:04:56.5-05:30"), &t));
	ASSERT_EQ(t, 1709210096);
	ASSERT_ERR(imgcfg_parse_rfc3339(SPAN_LIT("2023-02-29T00:00:00Z"), &t), -EINVAL);
	ASSERT_ERR(imgcfg_parse_rfc3339(SPAN_LIT("2024-01-01T24:00:00Z"), &t), -EINVAL);
	ASSERT_ERR(imgcfg_parse_rfc3339(SPAN_LIT("2024-01-01T00:00:00"), &t), -EINVAL);
	ASSERT_ERR(imgcfg_parse_rfc3339(SPAN_LIT("2024-01-01T00:00:00.Z"), &t), -EINVAL);
	ASSERT_ERR(imgcfg_parse_rfc3339(SPAN_LIT("2024-01-01T00:00:00+0200"), &t), -EINVAL);
	ASSERT_ERR(imgcfg_parse_rfc3339(SPAN_LIT("+2024-01-01T00:00:00Z"), &t), -EINVAL);
	int64_t d;
	ASSERT_OK(imgcfg_parse_date(SPAN_LIT("2000-03-01"), &d));
	ASSERT_EQ(d, 11017);
	ASSERT_ERR(imgcfg_parse_date(SPAN_LIT("1900-02-29"), &d), -EINVAL);
	ASSERT_ERR(imgcfg_parse_date(SPAN_LIT("2100-02-29"), &d), -EINVAL);
	ASSERT_ERR(imgcfg_parse_date(SPAN_LIT("2024-1-01"), &d), -EINVAL);
}

/* ---- BH-IMG-017 end of life --------------------------------------------------------------- */

static void set_os(struct img *img, const char *id, const char *version_id, const char *codename,
		   const char *pretty)
{
	set(&img->os.id, id);
	set(&img->os.version_id, version_id);
	set(&img->os.codename, codename);
	set(&img->os.pretty_name, pretty);
}

/* Findings of BH-IMG-017 for an OS at a time; *ret the finding (or NULL). */
static size_t eol_at(const char *id, const char *ver, const char *codename, const char *pretty,
		     const char *now, struct bh_findings *out, const struct bh_finding **ret)
{
	struct img *img = new_img();
	set_os(img, id, ver, codename, pretty);
	run_at(img, T(now), out);
	img_free(img);
	*ret = nth(out, "BH-IMG-017", 0);
	return count(out, "BH-IMG-017");
}

TEST(eol_boundaries)
{
	/* Debian 10: LTS ended 2024-06-30; warning window 90 days (from 2024-04-01). */
	struct bh_findings out;
	const struct bh_finding *f;
	ASSERT_EQ(eol_at("debian", "10", "buster", NULL, "2024-03-31T23:59:59Z", &out, &f), 0);
	bh_findings_done(&out);

	ASSERT_EQ(eol_at("debian", "10", "buster", NULL, "2024-04-01T00:00:00Z", &out, &f), 1);
	ASSERT_EQ(f->severity, BH_SEV_LOW);
	ASSERT_EQ(ev_int(f, "days_left"), 90);
	ASSERT_TRUE(contains(f->message, "in 90 days"));
	bh_findings_done(&out);

	ASSERT_EQ(eol_at("debian", "10", "buster", NULL, "2024-06-29T23:59:59Z", &out, &f), 1);
	ASSERT_EQ(f->severity, BH_SEV_LOW);
	ASSERT_EQ(ev_int(f, "days_left"), 1);
	bh_findings_done(&out);

	ASSERT_EQ(eol_at("debian", "10", "buster", NULL, "2024-06-30T00:00:00Z", &out, &f), 1);
	ASSERT_EQ(f->severity, BH_SEV_HIGH);
	ASSERT_EQ(ev_int(f, "days_past"), 0);
	ASSERT_STREQ(ev_str(f, "eol"), "2024-06-30");
	ASSERT_STREQ(ev_str(f, "eol_kind"), "LTS");
	ASSERT_STREQ(ev_str(f, "extended_eol"), "2029-06-30");
	ASSERT_TRUE(contains(f->message, "debian 10 (buster) reached end of life on 2024-06-30"));
	ASSERT_TRUE(
	    contains(f->message, "extended support (ELTS (Freexian)) runs until 2029-06-30"));
	ASSERT_TRUE(strv_contains(&f->compliance, "NIST-800-190:4.1.1"));
	bh_findings_done(&out);

	ASSERT_EQ(eol_at("debian", "10", NULL, NULL, "2030-01-01T00:00:00Z", &out, &f), 1);
	ASSERT_FALSE(contains(f->message, "extended support")); /* ELTS over too */
	ASSERT_TRUE(ev_int(f, "days_past") > 2000);
	bh_findings_done(&out);
}

TEST(eol_custom_window_and_no_clock)
{
	struct img *img = new_img();
	set_os(img, "debian", "10", NULL, NULL);
	struct imgcfg_opts o = {.now = T("2024-06-20T00:00:00Z"), .eol_warn_days = 5};
	struct bh_findings out;
	run_opts(img, &o, &out);
	ASSERT_EQ(count(&out, "BH-IMG-017"), 0);
	bh_findings_done(&out);
	o.eol_warn_days = 10;
	run_opts(img, &o, &out);
	ASSERT_EQ(count(&out, "BH-IMG-017"), 1);
	bh_findings_done(&out);
	run(img, &out);
	ASSERT_EQ(count(&out, "BH-IMG-017"), 0);
	bh_findings_done(&out);
	img_free(img);
}

TEST(eol_release_matching)
{
	static const struct {
		const char *id, *ver, *codename, *pretty, *now;
		int expect;
		const char *release; /* evidence "release" */
	} cases[] = {
	    /* Ubuntu: standard support ends, ESM named. */
	    {"ubuntu", "20.04", "focal", NULL, "2025-06-01T00:00:00Z", 1, "20.04"},
	    {"ubuntu", "22.04", "jammy", NULL, "2026-01-01T00:00:00Z", 0, NULL},
	    /* Alpine: a patch release maps to its branch. */
	    {"alpine", "3.18.4", NULL, NULL, "2025-06-01T00:00:00Z", 1, "3.18.*"},
	    {"alpine", "3.18", NULL, NULL, "2025-06-01T00:00:00Z", 1, "3.18.*"},
	    {"alpine", "3.180.1", NULL, NULL, "2025-06-01T00:00:00Z", 0, NULL},
	    {"alpine", "3.1.4", NULL, NULL, "2025-06-01T00:00:00Z", 1, "3.1.*"},
	    {"alpine", "3.22_alpha20250108", NULL, NULL, "2030-01-01T00:00:00Z", 0, NULL},
	    /* RHEL/UBI and clones: the major release. */
	    {"rhel", "8.10", NULL, NULL, "2029-06-01T00:00:00Z", 1, "8.*"},
	    {"rhel", "9.4", NULL, NULL, "2026-01-01T00:00:00Z", 0, NULL},
	    {"centos", "7", NULL, "CentOS Linux 7 (Core)", "2024-07-01T00:00:00Z", 1, "7.*"},
	    {"centos", "8", NULL, "CentOS Stream 8", "2024-06-01T00:00:00Z", 1, "8.*"},
	    {"centos", "9", NULL, "CentOS Stream 9", "2026-01-01T00:00:00Z", 0, NULL},
	    {"rocky", "8.9", NULL, NULL, "2029-06-01T00:00:00Z", 1, "8.*"},
	    {"almalinux", "9.3", NULL, NULL, "2026-01-01T00:00:00Z", 0, NULL},
	    {"ol", "7.9", NULL, NULL, "2025-01-01T00:00:00Z", 1, "7.*"},
	    /* Exact versions. */
	    {"amzn", "2", NULL, NULL, "2026-07-01T00:00:00Z", 1, "2"},
	    {"amzn", "2023", NULL, NULL, "2026-07-01T00:00:00Z", 0, NULL},
	    {"amzn", "2018.03", NULL, NULL, "2024-01-01T00:00:00Z", 1, "2018.03"},
	    {"fedora", "38", NULL, NULL, "2024-06-01T00:00:00Z", 1, "38"},
	    {"opensuse-leap", "15.4", NULL, NULL, "2024-01-01T00:00:00Z", 1, "15.4"},
	    {"sles", "15.7", NULL, NULL, "2026-01-01T00:00:00Z", 0, NULL},
	    {"sles", "15.3", NULL, NULL, "2024-01-01T00:00:00Z", 1, "15.3"},
	    {"photon", "3.0", NULL, NULL, "2024-06-01T00:00:00Z", 1, "3.0"},
	    /* Debian testing: no VERSION_ID, matched by codename. */
	    {"debian", NULL, "buster", NULL, "2025-01-01T00:00:00Z", 1, "10"},
	    {"debian", NULL, "forky", NULL, "2040-01-01T00:00:00Z", 0, NULL},
	    /* Unknown distribution or release, no announced date, rolling: nothing. */
	    {"gentoo", "2.15", NULL, NULL, "2040-01-01T00:00:00Z", 0, NULL},
	    {"debian", "99", NULL, NULL, "2040-01-01T00:00:00Z", 0, NULL},
	    {"photon", "5.0", NULL, NULL, "2040-01-01T00:00:00Z", 0, NULL},
	    {"wolfi", "20230201", NULL, NULL, "2040-01-01T00:00:00Z", 0, NULL},
	    {"chainguard", NULL, NULL, NULL, "2040-01-01T00:00:00Z", 0, NULL},
	    {NULL, NULL, NULL, NULL, "2040-01-01T00:00:00Z", 0, NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bh_findings out;
		const struct bh_finding *f;
		size_t n = eol_at(cases[i].id, cases[i].ver, cases[i].codename, cases[i].pretty,
				  cases[i].now, &out, &f);
		if ((int)n != cases[i].expect)
			tap_fail(__FILE__, __LINE__, "%s %s: %zu findings, expected %d",
				 cases[i].id ? cases[i].id : "(null)",
				 cases[i].ver ? cases[i].ver : "(null)", n, cases[i].expect);
		if (cases[i].release)
			ASSERT_STREQ(ev_str(f, "release"), cases[i].release);
		bh_findings_done(&out);
	}
}

TEST(eol_lookup_rows)
{
	struct img_os os = {.id = (char *)"centos",
			    .version_id = (char *)"8",
			    .pretty_name = (char *)"CentOS Stream 8"};
	const struct imgcfg_eol *e = imgcfg_eol_lookup(&os);
	ASSERT_NOT_NULL(e);
	ASSERT_STREQ(e->id, "centos-stream");
	ASSERT_STREQ(e->eol, "2024-05-31");
	os.pretty_name = (char *)"CentOS Linux 8";
	e = imgcfg_eol_lookup(&os);
	ASSERT_STREQ(e->id, "centos");
	ASSERT_STREQ(e->eol, "2021-12-31");
	os = (struct img_os){.id = (char *)"wolfi", .version_id = (char *)"20230201"};
	e = imgcfg_eol_lookup(&os);
	ASSERT_NOT_NULL(e);
	ASSERT_NULL(e->eol);
	ASSERT_EQ(e->eol_days, -1);
	ASSERT_STREQ(e->eol_kind, "rolling");
	os = (struct img_os){.id = (char *)"ubuntu", .version_id = (char *)"24.04"};
	e = imgcfg_eol_lookup(&os);
	ASSERT_STREQ(e->ext_kind, "ESM (Ubuntu Pro)");
	ASSERT_NULL(imgcfg_eol_lookup(NULL));
}

/*
 * The compiled table is exactly data/eol.tsv: same rows in the same order, every day number
 * agrees with its date string.
 */
TEST(eol_table_matches_tsv)
{
	size_t len;
	char *tsv = tap_read_file(tap_src_path("data/eol.tsv"), &len);
	ASSERT_NOT_NULL(tsv);
	struct span text = span_make(tsv, len), line;
	size_t row = 0;
	while (span_next_line(&text, &line) == 0) {
		if (line.len == 0 || line.ptr[0] == '#')
			continue;
		ASSERT_TRUE(row < imgcfg_eol_count);
		const struct imgcfg_eol *e = &imgcfg_eol_table[row++];
		struct span id, ver, rest;
		ASSERT_TRUE(span_cut(line, '\t', &id, &rest));
		ASSERT_TRUE(span_cut(rest, '\t', &ver, &rest));
		ASSERT_TRUE(span_eq_str(id, e->id));
		ASSERT_TRUE(span_eq_str(ver, e->version));
		int64_t d;
		if (e->eol) {
			ASSERT_OK(imgcfg_parse_date(span_from(e->eol), &d));
			ASSERT_EQ(d, e->eol_days);
		} else
			ASSERT_EQ(e->eol_days, -1);
		if (e->ext_eol) {
			ASSERT_OK(imgcfg_parse_date(span_from(e->ext_eol), &d));
			ASSERT_EQ(d, e->ext_eol_days);
			ASSERT_TRUE(e->ext_eol_days >= e->eol_days);
			ASSERT_NOT_NULL(e->ext_kind);
		}
		ASSERT_NOT_NULL(e->eol_kind);
	}
	ASSERT_EQ(row, imgcfg_eol_count);
	ASSERT_TRUE(row >= 100);
	free(tsv);
}

/* ---- output shape -----------------------------------------------------------------------------
 */

TEST(findings_sorted_and_complete)
{
	struct img *img = new_img();
	ASSERT_OK(strv_push(&img->config.env, "API_TOKEN=0123456789abcdef0123"));
	ASSERT_OK(strv_push(&img->config.exposed_ports, "22/tcp"));
	ASSERT_OK(add_file(img, "usr/bin/su", 04755));
	struct bh_findings out = {0};
	/* Appends after what is there. */
	struct bh_finding pre = {
	    .kind = "secret", .severity = BH_SEV_CRITICAL, .message = strdup("earlier")};
	ASSERT_OK(bh_findings_add_take(&out, &pre));
	ASSERT_OK(fakeimg_finish(img));
	ASSERT_OK(imgcfg_check(img, NULL, &out));
	ASSERT_STREQ(out.v[0].message, "earlier");
	ASSERT_TRUE(out.n >= 5); /* earlier, 001, 002, 003, 005, 006 */
	for (size_t i = 1; i < out.n; i++) {
		const struct bh_finding *f = &out.v[i];
		ASSERT_STREQ(f->kind, "misconfiguration");
		ASSERT_NOT_NULL(f->rule_id);
		ASSERT_NOT_NULL(f->rule_title);
		ASSERT_NOT_NULL(f->message);
		ASSERT_NOT_NULL(f->remediation);
		ASSERT_TRUE(f->compliance.n >= 1);
		ASSERT_TRUE(f->refs.n >= 1);
		ASSERT_TRUE(json_is_object(f->evidence));
		if (i > 1)
			ASSERT_TRUE(out.v[i - 1].severity >= f->severity);
	}
	bh_findings_done(&out);
	img_free(img);
}
