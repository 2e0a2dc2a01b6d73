/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-sbom.c — `bulkhead sbom TARGET`: open the image, catalogue it, render one document.
 * Output is all-or-nothing: -o writes a temporary file renamed into place on success;
 * stdout receives the document only once it is complete.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdio_ext.h>

#include "bulkhead/image.h"
#include "bulkhead/report.h"
#include "cli/cli.h"

const char cmd_sbom_usage[] =
	"usage: bulkhead sbom TARGET [--format cyclonedx|spdx|table|json] [-o FILE]\n"
	"                     [--platform OS/ARCH[/VARIANT]] [--limit NAME=VALUE]...\n"
	"\n"
	"List every package in a container image.\n"
	"\n"
	"TARGET is oci:DIR[:TAG|@DIGEST], docker-archive:FILE, dir:ROOTFS, or a path whose\n"
	"kind is detected from what is on disk.\n"
	"\n"
	"  -f, --format FORMAT   table (default), cyclonedx (CycloneDX 1.6 JSON),\n"
	"                        spdx (SPDX 2.3 JSON), json (bulkhead.sbom/v1)\n"
	"  -o, --output FILE     write to FILE (atomically) instead of stdout\n"
	"      --platform P      pick P from a multi-platform index (default linux/amd64)\n"
	"      --limit N=V       override an input limit (see 'bulkhead help limits')\n"
	"\n"
	"SOURCE_DATE_EPOCH fixes the timestamp and serial number of the document.\n"
	"Exit codes: 0 success, 2 usage or input error (nothing is written), 3 runtime error.\n";

/*
 * Leak-checked builds (ASan, which brings LeakSanitizer) free the image like any library
 * user must; see sbom_img_release().
 */
#if defined(__SANITIZE_ADDRESS__)
#define SBOM_FREE_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SBOM_FREE_AT_EXIT 1
#endif
#endif
#ifndef SBOM_FREE_AT_EXIT
#define SBOM_FREE_AT_EXIT 0
#endif

/*
 * The image is the last thing the command drops before the process exits. Freeing a big
 * one (100k file index nodes, their paths and captured contents, 20k packages) costs a
 * tenth of a second of free() calls that give nothing back to anyone, so a normal build
 * leaves it to exit(). Only this command does so: img_free() itself always frees all.
 */
static void sbom_img_release(struct img **img)
{
	if (SBOM_FREE_AT_EXIT)
		img_free(*img);
	*img = NULL;
}

enum sbom_format { FMT_TABLE, FMT_CYCLONEDX, FMT_SPDX, FMT_JSON };

struct sbom_render {
	enum sbom_format fmt;
	const struct img *img;
};

static int sbom_render(void *u, FILE *f)
{
	const struct sbom_render *x = u;
	/* Only this thread writes f: skip the stream lock taken by each of ~10^6 small writes. */
	(void)__fsetlocking(f, FSETLOCKING_BYCALLER);
	switch (x->fmt) {
	case FMT_CYCLONEDX:
		return report_cyclonedx(x->img, f);
	case FMT_SPDX:
		return report_spdx(x->img, f);
	case FMT_JSON:
		return report_sbom_json(x->img, f);
	default:
		return report_table(x->img, f);
	}
}

int cmd_sbom(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "platform", required_argument, NULL, 'p' },
		{ "limit", required_argument, NULL, 'L' },
		{ 0 },
	};
	enum sbom_format fmt = FMT_TABLE;
	const char *out_path = NULL, *platform = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "hf:o:", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_sbom_usage, stdout);
			return CLI_EXIT_OK;
		case 'f':
			if (streq(optarg, "table"))
				fmt = FMT_TABLE;
			else if (streq(optarg, "cyclonedx") || streq(optarg, "cyclonedx-json"))
				fmt = FMT_CYCLONEDX;
			else if (streq(optarg, "spdx") || streq(optarg, "spdx-json"))
				fmt = FMT_SPDX;
			else if (streq(optarg, "json"))
				fmt = FMT_JSON;
			else {
				log_error("unknown format '%s' (cyclonedx, spdx, table, json)", optarg);
				return CLI_EXIT_INPUT;
			}
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'p':
			platform = optarg;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				return CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_sbom_usage, stderr);
			return CLI_EXIT_INPUT;
		}
	}
	if (optind + 1 != argc) {
		log_error(optind >= argc ? "missing TARGET (see 'bulkhead help sbom')"
					 : "too many arguments (see 'bulkhead help sbom')");
		return CLI_EXIT_INPUT;
	}
	_cleanup_(sbom_img_release) struct img *img = NULL;
	int r = cli_open_image(ctx, argv[optind], platform, NULL, &img);
	if (r > 0)
		return r;

	struct sbom_render sr = { .fmt = fmt, .img = img };
	return cli_write_output(out_path, sbom_render, &sr);
}
