/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-sign.c — `bulkhead sign TARGET --key KEY` and `bulkhead verify TARGET --key PUB`:
 * parse the options, find the image's manifest digest, one call into src/checks/sign.h,
 * print the result. Signatures are cosign's (docs/signing.md); only OCI layouts hold them.
 */
#include <getopt.h>
#include <stdio.h>

#include "bulkhead/image.h"
#include "checks/sign.h"
#include "cli/cli.h"
#include "common/json.h"

const char cmd_sign_usage[] =
    "usage: bulkhead sign TARGET --key KEY [--identity REF] [-a KEY=VALUE]...\n"
    "                     [--platform OS/ARCH[/VARIANT]] [--format text|json]\n"
    "\n"
    "Sign the image's manifest digest the way cosign does: a simple-signing payload,\n"
    "ECDSA P-256 over SHA-256, kept in the OCI layout as the signature manifest tagged\n"
    "sha256-<hex>.sig. Signing with another key adds a signature; signing again with the\n"
    "same key changes nothing.\n"
    "\n"
    "TARGET is oci:DIR[:TAG|@DIGEST] (or a path to an OCI layout).\n"
    "\n"
    "  -k, --key KEY         PEM EC P-256 private key (SEC1 or PKCS#8; an encrypted key\n"
    "                        takes its password from BULKHEAD_KEY_PASSWORD)\n"
    "      --identity REF    critical.identity.docker-reference of the payload (default:\n"
    "                        the image's repository name, else the layout directory name)\n"
    "  -a, --annotation K=V  add K=V to the payload's optional section (repeatable)\n"
    "      --platform P      pick P from a multi-platform index (default linux/amd64)\n"
    "  -f, --format FORMAT   text (default) or json (bulkhead.sign/v1)\n"
    "      --limit N=V       override an input limit (see 'bulkhead help limits')\n"
    "\n"
    "Exit codes: 0 signed, 2 usage or input error (bad key, not an OCI layout),\n"
    "3 runtime error. The layout is changed atomically or not at all.\n";

const char cmd_verify_usage[] =
    "usage: bulkhead verify TARGET --key PUB [--platform OS/ARCH[/VARIANT]]\n"
    "                       [--format text|json]\n"
    "\n"
    "Verify that the image's current manifest digest carries a cosign-format signature\n"
    "made with the private key of PUB (cosign's tag-based storage in the OCI layout).\n"
    "\n"
    "TARGET is oci:DIR[:TAG|@DIGEST] (or a path to an OCI layout).\n"
    "\n"
    "  -k, --key PUB         PEM public key (SubjectPublicKeyInfo), e.g. cosign.pub\n"
    "      --platform P      pick P from a multi-platform index (default linux/amd64)\n"
    "  -f, --format FORMAT   text (default) or json (bulkhead.verify/v1)\n"
    "      --limit N=V       override an input limit (see 'bulkhead help limits')\n"
    "\n"
    "Exit codes: 0 verified, 1 not verified (one line says why: no signature, signature\n"
    "does not verify with the key, payload names another digest, tampered blob, malformed\n"
    "payload), 2 usage or input error, 3 runtime error.\n";

struct sign_args {
	const char *key;
	const char *identity;
	const char *platform;
	const char *target;
	bool json;
	struct strv annotations;
};

/* Parse the options of sign (is_sign) or verify. 0, or an exit code (> 0) after a message. */
static int parse_args(int argc, char **argv, struct cli_ctx *ctx, bool is_sign, struct sign_args *a)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"key", required_argument, NULL, 'k'},
	    {"identity", required_argument, NULL, 'i'},
	    {"annotation", required_argument, NULL, 'a'},
	    {"platform", required_argument, NULL, 'p'},
	    {"format", required_argument, NULL, 'f'},
	    {"limit", required_argument, NULL, 'L'},
	    {0},
	};
	const char *name = is_sign ? "sign" : "verify";
	const char *usage = is_sign ? cmd_sign_usage : cmd_verify_usage;
	int c;
	while ((c = getopt_long(argc, argv, "hk:a:f:", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return -1;
		case 'k':
			a->key = optarg;
			break;
		case 'i':
		case 'a':
			if (!is_sign) {
				log_error("'verify' takes no --%s (see 'bulkhead help verify')",
					  c == 'i' ? "identity" : "annotation");
				return CLI_EXIT_INPUT;
			}
			if (c == 'i')
				a->identity = optarg;
			else if (!strchr(optarg, '=') || optarg[0] == '=') {
				log_error("annotation '%s' is not KEY=VALUE", optarg);
				return CLI_EXIT_INPUT;
			} else if (strv_push(&a->annotations, optarg) < 0) {
				log_error("out of memory");
				return CLI_EXIT_RUNTIME;
			}
			break;
		case 'p':
			a->platform = optarg;
			break;
		case 'f':
			if (streq(optarg, "json"))
				a->json = true;
			else if (streq(optarg, "text"))
				a->json = false;
			else {
				log_error("unknown format '%s' (text, json)", optarg);
				return CLI_EXIT_INPUT;
			}
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				return CLI_EXIT_INPUT;
			break;
		default:
			fputs(usage, stderr);
			return CLI_EXIT_INPUT;
		}
	}
	if (optind + 1 != argc) {
		log_error(optind >= argc ? "missing TARGET (see 'bulkhead help %s')"
					 : "too many arguments (see 'bulkhead help %s')",
			  name);
		return CLI_EXIT_INPUT;
	}
	if (!a->key) {
		log_error("missing --key %s (see 'bulkhead help %s')", is_sign ? "KEY" : "PUB",
			  name);
		return CLI_EXIT_INPUT;
	}
	a->target = argv[optind];
	return 0;
}

/* Parse and detect the target; only OCI layouts hold signatures. 0 or an exit code. */
static int open_target(const char *s, struct img_target *ret)
{
	int r = img_target_parse(s, ret);
	if (r < 0) {
		log_error_errno(r, "invalid target '%s'", s);
		return CLI_EXIT_INPUT;
	}
	if (ret->kind == IMG_KIND_AUTO && (r = img_target_detect(ret)) < 0) {
		log_error_errno(r, "'%s': cannot tell what kind of image this is: %m", s);
		img_target_done(ret);
		return CLI_EXIT_INPUT;
	}
	if (ret->kind != IMG_KIND_OCI) {
		log_error("'%s': signing needs an OCI image layout (oci:DIR[:TAG|@DIGEST]); "
			  "convert it first, e.g. skopeo copy docker-archive:FILE oci:DIR",
			  s);
		img_target_done(ret);
		return CLI_EXIT_INPUT;
	}
	return 0;
}

/* ---- sign ---------------------------------------------------------------------------------- */

struct sign_report {
	const struct sign_args *a;
	const struct sign_outcome *out;
	const char *digest, *identity, *fingerprint;
};

static int sign_render_json(void *u, FILE *f)
{
	const struct sign_report *x = u;
	_cleanup_json_ json_t *doc = json_object();
	if (!doc)
		return -ENOMEM;
	int r = bh_json_set_str(doc, "schema", "bulkhead.sign/v1") ?:
		bh_json_set_str(doc, "target", x->a->target) ?:
		bh_json_set_str(doc, "manifest_digest", x->digest) ?:
		bh_json_set_str(doc, "identity", x->identity) ?:
		bh_json_set_str(doc, "key_fingerprint", x->fingerprint) ?:
		bh_json_set_str(doc, "tag", x->out->tag) ?:
		bh_json_set_str(doc, "signature_manifest", x->out->signature_manifest) ?:
		bh_json_set_str(doc, "payload_digest", x->out->payload_digest) ?:
		bh_json_set_new(doc, "signatures", json_integer((json_int_t)x->out->n_signatures)) ?:
		bh_json_set_new(doc, "already_signed", json_boolean(x->out->already_signed));
	return r < 0 ? r : bh_json_dump_file(doc, f);
}

int cmd_sign(int argc, char **argv, struct cli_ctx *ctx)
{
	struct sign_args a = {0};
	int r = parse_args(argc, argv, ctx, true, &a);
	if (r != 0) {
		strv_done(&a.annotations);
		return r < 0 ? CLI_EXIT_OK : r;
	}
	struct img_target t;
	r = open_target(a.target, &t);
	if (r > 0) {
		strv_done(&a.annotations);
		return r;
	}
	struct bh_diag diag = {0};
	_cleanup_(sign_key_freep) struct sign_key *key = NULL;
	_cleanup_free_ char *identity = NULL;
	char digest[BH_DIGEST_STR_LEN + 1];
	struct sign_outcome out;
	int exit_code;
	r = sign_key_load(a.key, true, &key, &diag);
	if (r < 0) {
		exit_code = cli_fail_diag(r, &diag, a.key);
		goto done;
	}
	r = sign_resolve_target(&t, a.platform, &ctx->limits, digest, &identity, &diag);
	if (r < 0) {
		if (!diag.source[0])
			bh_diag_wrap(&diag, a.target);
		exit_code = cli_fail_diag(r, &diag, a.target);
		goto done;
	}
	struct sign_opts o = {.identity = a.identity ? a.identity : identity,
			      .annotations = &a.annotations,
			      .limits = &ctx->limits};
	r = sign_image(&t, digest, key, &o, &out, &diag);
	if (r < 0) {
		exit_code = cli_fail_diag(r, &diag, a.target);
		goto done;
	}
	if (a.json) {
		struct sign_report rep = {.a = &a,
					  .out = &out,
					  .digest = digest,
					  .identity = o.identity,
					  .fingerprint = sign_key_fingerprint(key)};
		exit_code = cli_write_output(NULL, sign_render_json, &rep);
	} else {
		printf("%s %s with key %s: %s (%zu signature%s in %s)\n",
		       out.already_signed ? "already signed" : "signed", digest,
		       sign_key_fingerprint(key), out.tag, out.n_signatures,
		       out.n_signatures == 1 ? "" : "s", a.target);
		exit_code = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_RUNTIME;
	}
done:
	img_target_done(&t);
	strv_done(&a.annotations);
	return exit_code;
}

/* ---- verify ------------------------------------------------------------------------------ */

struct verify_report {
	const struct sign_args *a;
	const struct sign_result *res;
};

static int verify_render_json(void *u, FILE *f)
{
	const struct verify_report *x = u;
	const struct sign_result *res = x->res;
	_cleanup_json_ json_t *doc = json_object(), *sigs = json_array();
	if (!doc || !sigs)
		return -ENOMEM;
	bool ok = res->status == SIGN_STATUS_VERIFIED;
	int r = bh_json_set_str(doc, "schema", "bulkhead.verify/v1") ?:
		bh_json_set_str(doc, "target", x->a->target) ?:
		bh_json_set_str_opt(doc, "manifest_digest", res->manifest_digest) ?:
		bh_json_set_new(doc, "key", json_pack("{s:s,s:s}", "path", x->a->key, "fingerprint",
						      res->key_fingerprint)) ?:
		bh_json_set_new(doc, "verified", json_boolean(ok)) ?:
		bh_json_set_str(doc, "status", sign_status_name(res->status)) ?:
		bh_json_set_str(doc, "message", res->message) ?:
		bh_json_set_new(doc, "signatures_examined", json_integer((json_int_t)res->n_examined));
	for (size_t i = 0; i < res->n_verified && r >= 0; i++) {
		const struct sign_verified *v = &res->verified[i];
		json_t *o = json_object();
		r = o ? 0 : -ENOMEM;
		if (r >= 0)
			r = bh_json_set_str(o, "key_fingerprint", res->key_fingerprint) ?:
			    bh_json_set_str(o, "digest", res->manifest_digest) ?:
			    bh_json_set_str(o, "identity", v->identity) ?:
			    bh_json_set_str(o, "payload_digest", v->payload_digest) ?:
			    bh_json_set_str(o, "signature_manifest", v->signature_manifest) ?:
			    bh_json_set_new(o, "optional",
					    v->optional ? json_incref(v->optional) : json_null());
		if (r >= 0)
			r = bh_json_append_new(sigs, o);
		else if (o)
			json_decref(o);
	}
	if (r >= 0)
		r = bh_json_set_new(doc, "signatures", json_incref(sigs));
	return r < 0 ? r : bh_json_dump_file(doc, f);
}

int cmd_verify(int argc, char **argv, struct cli_ctx *ctx)
{
	struct sign_args a = {0};
	int r = parse_args(argc, argv, ctx, false, &a);
	if (r != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	struct img_target t;
	r = open_target(a.target, &t);
	if (r > 0)
		return r;
	struct bh_diag diag = {0};
	struct sign_result res = {0};
	char digest[BH_DIGEST_STR_LEN + 1];
	int exit_code;
	{
		/* a bad key is a usage error: say so before reading the image */
		_cleanup_(sign_key_freep) struct sign_key *key = NULL;
		r = sign_key_load(a.key, false, &key, &diag);
		if (r < 0) {
			exit_code = cli_fail_diag(r, &diag, a.key);
			goto done;
		}
	}
	r = sign_resolve_target(&t, a.platform, &ctx->limits, digest, NULL, &diag);
	if (r == -EBADMSG) {
		/* the image does not match its own digests: not verified, whatever was signed */
		char msg[1200];
		if (!diag.source[0])
			bh_diag_wrap(&diag, a.target);
		bh_diag_format(&diag, msg, sizeof(msg));
		log_error("not verified: the image does not match its digests: %s", msg);
		exit_code = CLI_EXIT_FINDINGS;
		goto done;
	}
	if (r < 0) {
		if (!diag.source[0])
			bh_diag_wrap(&diag, a.target);
		exit_code = cli_fail_diag(r, &diag, a.target);
		goto done;
	}
	r = sign_verify_image(&t, digest, a.key, &ctx->limits, &res, &diag);
	if (r < 0) {
		exit_code = cli_fail_diag(r, &diag, a.target);
		goto done;
	}
	bool ok = res.status == SIGN_STATUS_VERIFIED;
	if (!ok)
		log_error("%s", res.message);
	if (a.json) {
		struct verify_report rep = {.a = &a, .res = &res};
		exit_code = cli_write_output(NULL, verify_render_json, &rep);
	} else {
		if (ok) {
			printf("verified %s with key %s (%s)\n", res.manifest_digest,
			       res.key_fingerprint, a.key);
			for (size_t i = 0; i < res.n_verified; i++)
				printf("  signature: identity %s, payload %s\n",
				       res.verified[i].identity, res.verified[i].payload_digest);
		}
		exit_code = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_RUNTIME;
	}
	if (exit_code == CLI_EXIT_OK && !ok)
		exit_code = CLI_EXIT_FINDINGS;
done:
	sign_result_done(&res);
	img_target_done(&t);
	return exit_code;
}
