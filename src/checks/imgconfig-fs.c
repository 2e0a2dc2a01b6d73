/* SPDX-License-Identifier: Apache-2.0 */
/*
 * imgconfig-fs.c — the rules over the final file index of the image: setuid/setgid regular
 * files (BH-IMG-006), world-writable directories without the sticky bit (007) and
 * world-writable regular files (008), and the tools that let an intruder alter the
 * container (009 package managers, 010 shells, 011 compilers and build tools, 012
 * debuggers and tracers, 013 network tools).
 *
 * Tools are found by name in the usual command directories, each candidate resolved with
 * img_fs_resolve() the way the kernel would inside the image, so a busybox applet (a symlink
 * or hard link to busybox) counts as the applet, a dangling link counts as nothing, and a
 * merged /usr (bin -> usr/bin) does not report the same program twice. Only executable
 * regular files count. The lists are documented in docs/image-config-checks.md.
 *
 * Must not: read file contents.
 */
#include "checks/imgconfig-int.h"
#include "common/json.h"

/* ---- setuid/setgid and world-writable ----------------------------------------------------- */

struct path_rule {
	enum imgcfg_rule_idx rule;
	uint32_t reported, omitted;
};

static int mode_evidence(const struct img_file *f, json_t **ret)
{
	char mode[8];
	int r = xsnprintf(mode, sizeof(mode), "%04o", (unsigned)(f->mode & 07777));
	json_t *ev = json_object();
	if (r >= 0)
		r = ev ? bh_json_set_str(ev, "mode", mode) : -ENOMEM;
	if (r >= 0)
		r = bh_json_set_new(ev, "uid", json_integer(f->uid));
	if (r >= 0)
		r = bh_json_set_new(ev, "gid", json_integer(f->gid));
	if (r < 0) {
		json_decref(ev);
		return r;
	}
	*ret = ev;
	return 0;
}

static int report_path(struct imgcfg_ctx *x, struct path_rule *pr, const struct img_file *f)
{
	if (pr->reported >= x->o.max_paths_per_rule) {
		pr->omitted++;
		return 0;
	}
	pr->reported++;
	json_t *ev;
	int r = mode_evidence(f, &ev);
	if (r < 0)
		return r;
	unsigned mode = f->mode & 07777;
	switch (pr->rule) {
	case R_SETUID: {
		bool su = mode & 04000, sg = mode & 02000;
		r = bh_json_set_new(ev, "setuid", json_boolean(su))
			?: bh_json_set_new(ev, "setgid", json_boolean(sg));
		if (r < 0) {
			json_decref(ev);
			return r;
		}
		return imgcfg_emit(x, R_SETUID, BH_SEV_UNKNOWN, f->path, f->layer, ev,
				   "/%s is %s (mode %04o, owner %u:%u)", f->path,
				   su && sg ? "setuid and setgid"
				   : su	    ? "setuid"
					    : "setgid",
				   mode, f->uid, f->gid);
	}
	case R_WW_DIR:
		return imgcfg_emit(x, R_WW_DIR, BH_SEV_UNKNOWN, f->path, f->layer, ev,
				   "directory /%s is world-writable without the sticky bit (mode "
				   "%04o): any user can replace the files in it",
				   f->path, mode);
	default:
		return imgcfg_emit(x, R_WW_FILE, BH_SEV_UNKNOWN, f->path, f->layer, ev,
				   "file /%s is world-writable (mode %04o)", f->path, mode);
	}
}

static int report_omitted(struct imgcfg_ctx *x, const struct path_rule *pr, const char *what)
{
	if (!pr->omitted)
		return 0;
	json_t *ev = json_object();
	int r = ev ? bh_json_set_new(ev, "omitted", json_integer(pr->omitted)) : -ENOMEM;
	if (r >= 0)
		r = bh_json_set_new(ev, "limit", json_integer(x->o.max_paths_per_rule));
	if (r < 0) {
		json_decref(ev);
		return r;
	}
	return imgcfg_emit(x, pr->rule, BH_SEV_UNKNOWN, NULL, -1, ev,
			   "%u more %s are not listed (limit %u per rule)", pr->omitted, what,
			   x->o.max_paths_per_rule);
}

static int check_modes(struct imgcfg_ctx *x)
{
	struct path_rule suid = {R_SETUID}, wwd = {R_WW_DIR}, wwf = {R_WW_FILE};
	const struct img_fs *fs = x->img->fs;
	size_t n = img_fs_count(fs);
	for (size_t i = 0; i < n; i++) {
		const struct img_file *f = img_fs_at(fs, i);
		int r = 0;
		if (f->type == IMG_FT_REG && (f->mode & 06000))
			r = report_path(x, &suid, f);
		if (r >= 0 && f->type == IMG_FT_DIR && (f->mode & 0002) && !(f->mode & 01000))
			r = report_path(x, &wwd, f);
		if (r >= 0 && f->type == IMG_FT_REG && (f->mode & 0002))
			r = report_path(x, &wwf, f);
		if (r < 0)
			return r;
	}
	return report_omitted(x, &suid, "setuid/setgid files")
		?: report_omitted(x, &wwd, "world-writable directories")
		?: report_omitted(x, &wwf, "world-writable files");
}

/* ---- tools that let an intruder alter the container --------------------------------------- */

/* Searched in this order; a name is reported once, at the first directory that has it. */
static const char *const tool_dirs[] = {
    "usr/bin", "bin", "usr/sbin", "sbin", "usr/local/bin", "usr/local/sbin",
};

static const char *const pkg_managers[] = {
    "apt",	    "apt-get", "aptitude", "dpkg",   "apk",   "yum", "dnf",   "microdnf",
    "tdnf",	    "rpm",     "zypper",   "pacman", "opkg",  "pip", "pip2",  "pip3",
    "easy_install", "npm",     "npx",	   "yarn",   "pnpm",  "gem", "conda", "mamba",
    "composer",	    "pecl",    "pear",	   "cpan",   "cpanm", NULL,
};
static const char *const shells[] = {
    "sh",  "bash", "dash", "ash",     "zsh",	"ksh", "mksh",
    "csh", "tcsh", "fish", "busybox", "toybox", NULL,
};
static const char *const build_tools[] = {
    "gcc",   "g++",   "cc", "c++", "clang", "clang++", "tcc",	"gfortran", "make",
    "cmake", "ninja", "ld", "as",  "go",    "rustc",   "cargo", "javac",    NULL,
};
static const char *const debuggers[] = {
    "gdb", "gdbserver", "lldb", "strace", "ltrace", "perf", "bpftrace", "valgrind", NULL,
};
static const char *const net_tools[] = {
    "curl", "wget", "nc",    "ncat", "netcat", "socat",	  "nmap",   "telnet", "ssh",
    "scp",  "sftp", "rsync", "ftp",  "tftp",   "tcpdump", "tshark", NULL,
};

static const struct tool_category {
	enum imgcfg_rule_idx rule;
	const char *id;	  /* evidence "category" */
	const char *what; /* message: "<what> in the image: …" */
	const char *const *names;
} categories[] = {
    {R_PKG_MANAGER, "package-manager", "package managers", pkg_managers},
    {R_SHELL, "shell", "shells", shells},
    {R_BUILD_TOOL, "build-tool", "compilers and build tools", build_tools},
    {R_DEBUGGER, "debugger", "debuggers and tracers", debuggers},
    {R_NET_TOOL, "network-tool", "network tools", net_tools},
};

/* Where name runs from, if it is an executable in one of tool_dirs. */
static bool find_tool(const struct img_fs *fs, const char *name, char *path, size_t size,
		      const struct img_file **ret)
{
	for (size_t d = 0; d < ARRAY_SIZE(tool_dirs); d++) {
		const struct img_file *f;
		if (xsnprintf(path, size, "%s/%s", tool_dirs[d], name) < 0)
			continue;
		if (img_fs_resolve(fs, path, &f) < 0 || f->type != IMG_FT_REG || !(f->mode & 0111))
			continue;
		*ret = f;
		return true;
	}
	return false;
}

static int check_category(struct imgcfg_ctx *x, const struct tool_category *c)
{
	json_t *tools = json_array();
	if (!tools)
		return -ENOMEM;
	_cleanup_buf_ struct buf list;
	buf_init(&list, 0);
	int r = 0;
	for (size_t i = 0; r >= 0 && c->names[i]; i++) {
		char path[64];
		const struct img_file *f;
		if (!find_tool(x->img->fs, c->names[i], path, sizeof(path), &f))
			continue;
		json_t *t = json_object();
		r = t ? bh_json_set_str(t, "name", c->names[i]) : -ENOMEM;
		if (r >= 0) {
			_cleanup_buf_ struct buf p;
			buf_init(&p, 0);
			r = buf_printf(&p, "/%s", path) ?: bh_json_set_str(t, "path", buf_str(&p));
			if (r >= 0 && strcmp(path, f->path) != 0) {
				buf_clear(&p);
				r = buf_printf(&p, "/%s", f->path)
					?: bh_json_set_str(t, "resolved", buf_str(&p));
			}
		}
		if (r >= 0)
			r = bh_json_append_new(tools, t);
		else
			json_decref(t);
		if (r >= 0)
			r = buf_printf(&list, "%s%s", list.len ? ", " : "", c->names[i]);
	}
	size_t n = json_array_size(tools);
	if (r < 0 || n == 0) {
		json_decref(tools);
		return r;
	}
	json_t *ev = json_object();
	r = ev ? bh_json_set_str(ev, "category", c->id) : -ENOMEM;
	if (r >= 0)
		r = bh_json_set_new(ev, "tools", tools);
	else
		json_decref(tools);
	if (r >= 0)
		r = bh_json_set_new(ev, "count", json_integer((json_int_t)n));
	if (r < 0) {
		json_decref(ev);
		return r;
	}
	return imgcfg_emit(x, c->rule, BH_SEV_UNKNOWN, NULL, -1, ev, "%s in the image: %s", c->what,
			   buf_str(&list));
}

int imgcfg_check_fs(struct imgcfg_ctx *x)
{
	if (!x->img->fs)
		return 0;
	int r = check_modes(x);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(categories); i++)
		r = check_category(x, &categories[i]);
	return r;
}
