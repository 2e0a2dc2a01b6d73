/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syscalls.c — the followed syscalls (see syscalls.h). Argument names follow Falco's
 * event table (evt.arg.NAME) where rules use them: name, flags, mode, dirfd, target,
 * linkpath, oldpath, newpath, uid, gid, request, pid, ... Syscalls that an architecture
 * lacks (open, rename on arm64) are left out by #ifdef.
 */
#include <sys/syscall.h>

#include "common/common.h"
#include "sensor/syscalls.h"

#define A(n, f) { n, SENSOR_ARG_##f }
#define STR(i) BH_SC_STR##i

static const struct sensor_syscall table[] = {
#ifdef SYS_open
	{ SYS_open, "open", BH_KIND_OPEN, STR(0) | BH_SC_FD_IS_RET, 0,
	  { A("name", STR), A("flags", OFLAGS), A("mode", OCT) } },
#endif
#ifdef SYS_creat
	{ SYS_creat, "creat", BH_KIND_OPEN, STR(0) | BH_SC_FD_IS_RET, 0,
	  { A("name", STR), A("mode", OCT) } },
#endif
	{ SYS_openat, "openat", BH_KIND_OPEN, STR(1) | BH_SC_FD_IS_RET, 0,
	  { A("dirfd", FD), A("name", STR), A("flags", OFLAGS), A("mode", OCT) } },
#ifdef SYS_openat2
	/* flags live in struct open_how: the decoder takes them from the opened file */
	{ SYS_openat2, "openat2", BH_KIND_OPEN, STR(1) | BH_SC_FD_IS_RET, 0,
	  { A("dirfd", FD), A("name", STR), A("how", HEX), A("size", UDEC) } },
#endif
	{ SYS_connect, "connect", BH_KIND_CONNECT, BH_SC_SOCKADDR_IN | BH_SC_FD_IS_ARG, 0,
	  { A("fd", FD), A("addr", SOCKADDR), A("addrlen", UDEC) } },
#ifdef SYS_accept
	{ SYS_accept, "accept", BH_KIND_ACCEPT, BH_SC_SOCKADDR_OUT | BH_SC_FD_IS_RET, 0,
	  { A("fd", FD), A("addr", SOCKADDR), A("addrlen", HEX) } },
#endif
	{ SYS_accept4, "accept4", BH_KIND_ACCEPT, BH_SC_SOCKADDR_OUT | BH_SC_FD_IS_RET, 0,
	  { A("fd", FD), A("addr", SOCKADDR), A("addrlen", HEX), A("flags", HEX) } },
	{ SYS_bind, "bind", BH_KIND_BIND, BH_SC_SOCKADDR_IN | BH_SC_FD_IS_ARG, 0,
	  { A("fd", FD), A("addr", SOCKADDR), A("addrlen", UDEC) } },
	/* socket(2) creation, e.g. AF_PACKET sniffing ("Packet socket created in container"):
	 * part of the listen kind, which is about a process opening network endpoints. */
	{ SYS_socket, "socket", BH_KIND_LISTEN, BH_SC_FD_IS_RET, 0,
	  { A("domain", SOCKDOMAIN), A("type", DEC), A("proto", DEC) } },
	{ SYS_listen, "listen", BH_KIND_LISTEN, BH_SC_FD_IS_ARG, 0,
	  { A("fd", FD), A("backlog", DEC) } },
#ifdef SYS_unlink
	{ SYS_unlink, "unlink", BH_KIND_UNLINK, STR(0), 0, { A("path", STR) } },
#endif
#ifdef SYS_rmdir
	{ SYS_rmdir, "rmdir", BH_KIND_UNLINK, STR(0), 0, { A("path", STR) } },
#endif
	{ SYS_unlinkat, "unlinkat", BH_KIND_UNLINK, STR(1), 0,
	  { A("dirfd", FD), A("name", STR), A("flags", HEX) } },
#ifdef SYS_rename
	{ SYS_rename, "rename", BH_KIND_RENAME, STR(0) | STR(1), 0,
	  { A("oldpath", STR), A("newpath", STR) } },
#endif
#ifdef SYS_renameat
	{ SYS_renameat, "renameat", BH_KIND_RENAME, STR(1) | STR(3), 0,
	  { A("olddirfd", FD), A("oldpath", STR), A("newdirfd", FD), A("newpath", STR) } },
#endif
	{ SYS_renameat2, "renameat2", BH_KIND_RENAME, STR(1) | STR(3), 0,
	  { A("olddirfd", FD), A("oldpath", STR), A("newdirfd", FD), A("newpath", STR),
	    A("flags", HEX) } },
#ifdef SYS_link
	{ SYS_link, "link", BH_KIND_LINK, STR(0) | STR(1), 0,
	  { A("oldpath", STR), A("newpath", STR) } },
#endif
	{ SYS_linkat, "linkat", BH_KIND_LINK, STR(1) | STR(3), 0,
	  { A("olddir", FD), A("oldpath", STR), A("newdir", FD), A("newpath", STR),
	    A("flags", HEX) } },
#ifdef SYS_symlink
	{ SYS_symlink, "symlink", BH_KIND_LINK, STR(0) | STR(1), 0,
	  { A("target", STR), A("linkpath", STR) } },
#endif
	{ SYS_symlinkat, "symlinkat", BH_KIND_LINK, STR(0) | STR(2), 0,
	  { A("target", STR), A("linkdirfd", FD), A("linkpath", STR) } },
#ifdef SYS_chmod
	{ SYS_chmod, "chmod", BH_KIND_CHMOD, STR(0), 0, { A("filename", STR), A("mode", MODE) } },
#endif
	{ SYS_fchmod, "fchmod", BH_KIND_CHMOD, BH_SC_FD_IS_ARG, 0,
	  { A("fd", FD), A("mode", MODE) } },
	{ SYS_fchmodat, "fchmodat", BH_KIND_CHMOD, STR(1), 0,
	  { A("dirfd", FD), A("filename", STR), A("mode", MODE) } },
#ifdef SYS_chown
	{ SYS_chown, "chown", BH_KIND_CHOWN, STR(0), 0,
	  { A("path", STR), A("uid", DEC), A("gid", DEC) } },
#endif
#ifdef SYS_lchown
	{ SYS_lchown, "lchown", BH_KIND_CHOWN, STR(0), 0,
	  { A("path", STR), A("uid", DEC), A("gid", DEC) } },
#endif
	{ SYS_fchown, "fchown", BH_KIND_CHOWN, BH_SC_FD_IS_ARG, 0,
	  { A("fd", FD), A("uid", DEC), A("gid", DEC) } },
	{ SYS_fchownat, "fchownat", BH_KIND_CHOWN, STR(1), 0,
	  { A("dirfd", FD), A("pathname", STR), A("uid", DEC), A("gid", DEC), A("flags", HEX) } },
	{ SYS_dup, "dup", BH_KIND_DUP, BH_SC_FD_IS_RET | BH_SC_ONLY_OK, 0, { A("oldfd", FD) } },
#ifdef SYS_dup2
	{ SYS_dup2, "dup2", BH_KIND_DUP, BH_SC_FD_IS_RET | BH_SC_ONLY_OK, 0,
	  { A("oldfd", FD), A("newfd", FD) } },
#endif
	{ SYS_dup3, "dup3", BH_KIND_DUP, BH_SC_FD_IS_RET | BH_SC_ONLY_OK, 0,
	  { A("oldfd", FD), A("newfd", FD), A("flags", HEX) } },
	{ SYS_setuid, "setuid", BH_KIND_SETID, 0, 0, { A("uid", DEC) } },
	{ SYS_setgid, "setgid", BH_KIND_SETID, 0, 0, { A("gid", DEC) } },
	{ SYS_setreuid, "setreuid", BH_KIND_SETID, 0, 0, { A("ruid", DEC), A("euid", DEC) } },
	{ SYS_setregid, "setregid", BH_KIND_SETID, 0, 0, { A("rgid", DEC), A("egid", DEC) } },
	{ SYS_setresuid, "setresuid", BH_KIND_SETID, 0, 0,
	  { A("ruid", DEC), A("euid", DEC), A("suid", DEC) } },
	{ SYS_setresgid, "setresgid", BH_KIND_SETID, 0, 0,
	  { A("rgid", DEC), A("egid", DEC), A("sgid", DEC) } },
	{ SYS_capset, "capset", BH_KIND_CAPSET, 0, 0, { A("hdrp", HEX), A("datap", HEX) } },
	{ SYS_ptrace, "ptrace", BH_KIND_PTRACE, 0, 0,
	  { A("request", PTRACE), A("pid", DEC), A("addr", HEX), A("data", HEX) } },
	{ SYS_mount, "mount", BH_KIND_MOUNT, STR(0) | STR(1) | STR(2), 0,
	  { A("dev", STR), A("dir", STR), A("type", STR), A("flags", HEX), A("data", HEX) } },
	{ SYS_umount2, "umount2", BH_KIND_MOUNT, STR(0), 0, { A("name", STR), A("flags", HEX) } },
	{ SYS_init_module, "init_module", BH_KIND_MODULE, 0, 0,
	  { A("img", HEX), A("length", UDEC), A("uargs", HEX) } },
	{ SYS_finit_module, "finit_module", BH_KIND_MODULE, BH_SC_FD_IS_ARG, 0,
	  { A("fd", FD), A("uargs", HEX), A("flags", HEX) } },
	/* the caller's capabilities before the call: a new user namespace grants a full set */
	{ SYS_unshare, "unshare", BH_KIND_NS, BH_SC_ENTRY_CAPS, 0, { A("flags", HEX) } },
	{ SYS_setns, "setns", BH_KIND_NS, BH_SC_FD_IS_ARG | BH_SC_ENTRY_CAPS, 0,
	  { A("fd", FD), A("nstype", HEX) } },
	{ SYS_memfd_create, "memfd_create", BH_KIND_MEMFD, STR(0) | BH_SC_FD_IS_RET, 0,
	  { A("name", STR), A("flags", HEX) } },
	{ SYS_bpf, "bpf", BH_KIND_BPF, 0, 0, { A("cmd", DEC), A("attr", HEX), A("size", UDEC) } },
};

const struct sensor_syscall *sensor_syscall_by_nr(uint32_t nr)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (table[i].nr == nr)
			return &table[i];
	return NULL;
}

const struct sensor_syscall *sensor_syscall_at(size_t i)
{
	return i < ARRAY_SIZE(table) ? &table[i] : NULL;
}

static const char *const kind_names[_BH_KIND_MAX] = {
	[BH_KIND_EXEC] = "exec",     [BH_KIND_EXIT] = "exit",     [BH_KIND_FORK] = "fork",
	[BH_KIND_OPEN] = "open",     [BH_KIND_CONNECT] = "connect", [BH_KIND_ACCEPT] = "accept",
	[BH_KIND_BIND] = "bind",     [BH_KIND_LISTEN] = "listen", [BH_KIND_UNLINK] = "unlink",
	[BH_KIND_RENAME] = "rename", [BH_KIND_LINK] = "link",     [BH_KIND_CHMOD] = "chmod",
	[BH_KIND_CHOWN] = "chown",   [BH_KIND_DUP] = "dup",       [BH_KIND_SETID] = "setid",
	[BH_KIND_CAPSET] = "capset", [BH_KIND_PTRACE] = "ptrace", [BH_KIND_MOUNT] = "mount",
	[BH_KIND_MODULE] = "module", [BH_KIND_NS] = "ns",         [BH_KIND_MEMFD] = "memfd",
	[BH_KIND_BPF] = "bpf",
};

const char *sensor_kind_to_string(unsigned kind)
{
	return kind < _BH_KIND_MAX ? kind_names[kind] : NULL;
}

int sensor_kind_from_string(const char *s)
{
	for (unsigned i = 0; i < _BH_KIND_MAX; i++)
		if (kind_names[i] && streq(kind_names[i], s))
			return (int)i;
	return -EINVAL;
}
