/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syscalls.c — the followed syscalls (see syscalls.h). Argument names follow Falco's
 * event table (evt.arg.NAME) where rules use them: name, flags, mode, dirfd, target,
 * linkpath, oldpath, newpath, uid, gid, request, pid, ... Syscalls that an architecture
 * lacks (open, rename on arm64) are left out by #ifdef. On x86-64 a second table has the
 * i386 numbers of the same syscalls (32-bit processes).
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

#if defined(__x86_64__)
/*
 * A 32-bit process's syscalls, by their i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl;
 * <sys/syscall.h> here has the x86-64 ones), with the arguments as the native entries
 * name them. The 16-bit uid/gid calls (chown, setuid, ...) share the 32-bit ones' names.
 * The socket calls exist twice: as direct syscalls (since Linux 4.3) and through
 * socketcall(2), by its call numbers (<linux/net.h>: SYS_SOCKET 1, SYS_BIND 2, ...).
 */
#define IA32 BH_SC_ABI_IA32, 0
#define SOCKCALL(nargs) BH_SC_ABI_IA32_SOCKETCALL, nargs
#define CONNECT_ARGS { A("fd", FD), A("addr", SOCKADDR), A("addrlen", UDEC) }
#define ACCEPT_ARGS { A("fd", FD), A("addr", SOCKADDR), A("addrlen", HEX) }
#define ACCEPT4_ARGS { A("fd", FD), A("addr", SOCKADDR), A("addrlen", HEX), A("flags", HEX) }
#define SOCKET_ARGS { A("domain", SOCKDOMAIN), A("type", DEC), A("proto", DEC) }
#define LISTEN_ARGS { A("fd", FD), A("backlog", DEC) }
#define CHOWN_ARGS { A("path", STR), A("uid", DEC), A("gid", DEC) }
#define FCHOWN_ARGS { A("fd", FD), A("uid", DEC), A("gid", DEC) }
#define ID1(a) { A(a, DEC) }
#define ID2(a, b) { A(a, DEC), A(b, DEC) }
#define ID3(a, b, c) { A(a, DEC), A(b, DEC), A(c, DEC) }

static const struct sensor_syscall table_ia32[] = {
	{ 5, "open", BH_KIND_OPEN, STR(0) | BH_SC_FD_IS_RET, 0,
	  { A("name", STR), A("flags", OFLAGS), A("mode", OCT) }, IA32 },
	{ 8, "creat", BH_KIND_OPEN, STR(0) | BH_SC_FD_IS_RET, 0,
	  { A("name", STR), A("mode", OCT) }, IA32 },
	{ 295, "openat", BH_KIND_OPEN, STR(1) | BH_SC_FD_IS_RET, 0,
	  { A("dirfd", FD), A("name", STR), A("flags", OFLAGS), A("mode", OCT) }, IA32 },
	{ 437, "openat2", BH_KIND_OPEN, STR(1) | BH_SC_FD_IS_RET, 0,
	  { A("dirfd", FD), A("name", STR), A("how", HEX), A("size", UDEC) }, IA32 },
	{ 362, "connect", BH_KIND_CONNECT, BH_SC_SOCKADDR_IN | BH_SC_FD_IS_ARG, 0, CONNECT_ARGS,
	  IA32 },
	{ 364, "accept4", BH_KIND_ACCEPT, BH_SC_SOCKADDR_OUT | BH_SC_FD_IS_RET, 0, ACCEPT4_ARGS,
	  IA32 },
	{ 361, "bind", BH_KIND_BIND, BH_SC_SOCKADDR_IN | BH_SC_FD_IS_ARG, 0, CONNECT_ARGS, IA32 },
	{ 359, "socket", BH_KIND_LISTEN, BH_SC_FD_IS_RET, 0, SOCKET_ARGS, IA32 },
	{ 363, "listen", BH_KIND_LISTEN, BH_SC_FD_IS_ARG, 0, LISTEN_ARGS, IA32 },
	{ 10, "unlink", BH_KIND_UNLINK, STR(0), 0, { A("path", STR) }, IA32 },
	{ 40, "rmdir", BH_KIND_UNLINK, STR(0), 0, { A("path", STR) }, IA32 },
	{ 301, "unlinkat", BH_KIND_UNLINK, STR(1), 0,
	  { A("dirfd", FD), A("name", STR), A("flags", HEX) }, IA32 },
	{ 38, "rename", BH_KIND_RENAME, STR(0) | STR(1), 0,
	  { A("oldpath", STR), A("newpath", STR) }, IA32 },
	{ 302, "renameat", BH_KIND_RENAME, STR(1) | STR(3), 0,
	  { A("olddirfd", FD), A("oldpath", STR), A("newdirfd", FD), A("newpath", STR) }, IA32 },
	{ 353, "renameat2", BH_KIND_RENAME, STR(1) | STR(3), 0,
	  { A("olddirfd", FD), A("oldpath", STR), A("newdirfd", FD), A("newpath", STR),
	    A("flags", HEX) }, IA32 },
	{ 9, "link", BH_KIND_LINK, STR(0) | STR(1), 0,
	  { A("oldpath", STR), A("newpath", STR) }, IA32 },
	{ 303, "linkat", BH_KIND_LINK, STR(1) | STR(3), 0,
	  { A("olddir", FD), A("oldpath", STR), A("newdir", FD), A("newpath", STR),
	    A("flags", HEX) }, IA32 },
	{ 83, "symlink", BH_KIND_LINK, STR(0) | STR(1), 0,
	  { A("target", STR), A("linkpath", STR) }, IA32 },
	{ 304, "symlinkat", BH_KIND_LINK, STR(0) | STR(2), 0,
	  { A("target", STR), A("linkdirfd", FD), A("linkpath", STR) }, IA32 },
	{ 15, "chmod", BH_KIND_CHMOD, STR(0), 0, { A("filename", STR), A("mode", MODE) }, IA32 },
	{ 94, "fchmod", BH_KIND_CHMOD, BH_SC_FD_IS_ARG, 0, { A("fd", FD), A("mode", MODE) },
	  IA32 },
	{ 306, "fchmodat", BH_KIND_CHMOD, STR(1), 0,
	  { A("dirfd", FD), A("filename", STR), A("mode", MODE) }, IA32 },
	{ 182, "chown", BH_KIND_CHOWN, STR(0), 0, CHOWN_ARGS, IA32 },
	{ 212, "chown", BH_KIND_CHOWN, STR(0), 0, CHOWN_ARGS, IA32 },
	{ 16, "lchown", BH_KIND_CHOWN, STR(0), 0, CHOWN_ARGS, IA32 },
	{ 198, "lchown", BH_KIND_CHOWN, STR(0), 0, CHOWN_ARGS, IA32 },
	{ 95, "fchown", BH_KIND_CHOWN, BH_SC_FD_IS_ARG, 0, FCHOWN_ARGS, IA32 },
	{ 207, "fchown", BH_KIND_CHOWN, BH_SC_FD_IS_ARG, 0, FCHOWN_ARGS, IA32 },
	{ 298, "fchownat", BH_KIND_CHOWN, STR(1), 0,
	  { A("dirfd", FD), A("pathname", STR), A("uid", DEC), A("gid", DEC), A("flags", HEX) },
	  IA32 },
	{ 41, "dup", BH_KIND_DUP, BH_SC_FD_IS_RET | BH_SC_ONLY_OK, 0, { A("oldfd", FD) }, IA32 },
	{ 63, "dup2", BH_KIND_DUP, BH_SC_FD_IS_RET | BH_SC_ONLY_OK, 0,
	  { A("oldfd", FD), A("newfd", FD) }, IA32 },
	{ 330, "dup3", BH_KIND_DUP, BH_SC_FD_IS_RET | BH_SC_ONLY_OK, 0,
	  { A("oldfd", FD), A("newfd", FD), A("flags", HEX) }, IA32 },
	{ 23, "setuid", BH_KIND_SETID, 0, 0, ID1("uid"), IA32 },
	{ 213, "setuid", BH_KIND_SETID, 0, 0, ID1("uid"), IA32 },
	{ 46, "setgid", BH_KIND_SETID, 0, 0, ID1("gid"), IA32 },
	{ 214, "setgid", BH_KIND_SETID, 0, 0, ID1("gid"), IA32 },
	{ 70, "setreuid", BH_KIND_SETID, 0, 0, ID2("ruid", "euid"), IA32 },
	{ 203, "setreuid", BH_KIND_SETID, 0, 0, ID2("ruid", "euid"), IA32 },
	{ 71, "setregid", BH_KIND_SETID, 0, 0, ID2("rgid", "egid"), IA32 },
	{ 204, "setregid", BH_KIND_SETID, 0, 0, ID2("rgid", "egid"), IA32 },
	{ 164, "setresuid", BH_KIND_SETID, 0, 0, ID3("ruid", "euid", "suid"), IA32 },
	{ 208, "setresuid", BH_KIND_SETID, 0, 0, ID3("ruid", "euid", "suid"), IA32 },
	{ 170, "setresgid", BH_KIND_SETID, 0, 0, ID3("rgid", "egid", "sgid"), IA32 },
	{ 210, "setresgid", BH_KIND_SETID, 0, 0, ID3("rgid", "egid", "sgid"), IA32 },
	{ 185, "capset", BH_KIND_CAPSET, 0, 0, { A("hdrp", HEX), A("datap", HEX) }, IA32 },
	{ 26, "ptrace", BH_KIND_PTRACE, 0, 0,
	  { A("request", PTRACE), A("pid", DEC), A("addr", HEX), A("data", HEX) }, IA32 },
	{ 21, "mount", BH_KIND_MOUNT, STR(0) | STR(1) | STR(2), 0,
	  { A("dev", STR), A("dir", STR), A("type", STR), A("flags", HEX), A("data", HEX) },
	  IA32 },
	{ 52, "umount2", BH_KIND_MOUNT, STR(0), 0, { A("name", STR), A("flags", HEX) }, IA32 },
	{ 128, "init_module", BH_KIND_MODULE, 0, 0,
	  { A("img", HEX), A("length", UDEC), A("uargs", HEX) }, IA32 },
	{ 350, "finit_module", BH_KIND_MODULE, BH_SC_FD_IS_ARG, 0,
	  { A("fd", FD), A("uargs", HEX), A("flags", HEX) }, IA32 },
	{ 310, "unshare", BH_KIND_NS, BH_SC_ENTRY_CAPS, 0, { A("flags", HEX) }, IA32 },
	{ 346, "setns", BH_KIND_NS, BH_SC_FD_IS_ARG | BH_SC_ENTRY_CAPS, 0,
	  { A("fd", FD), A("nstype", HEX) }, IA32 },
	{ 356, "memfd_create", BH_KIND_MEMFD, STR(0) | BH_SC_FD_IS_RET, 0,
	  { A("name", STR), A("flags", HEX) }, IA32 },
	{ 357, "bpf", BH_KIND_BPF, 0, 0, { A("cmd", DEC), A("attr", HEX), A("size", UDEC) },
	  IA32 },
	/* through socketcall(2): SYS_SOCKET 1, SYS_BIND 2, SYS_CONNECT 3, SYS_LISTEN 4,
	 * SYS_ACCEPT 5, SYS_ACCEPT4 18, with their argument counts */
	{ 1, "socket", BH_KIND_LISTEN, BH_SC_FD_IS_RET, 0, SOCKET_ARGS, SOCKCALL(3) },
	{ 2, "bind", BH_KIND_BIND, BH_SC_SOCKADDR_IN | BH_SC_FD_IS_ARG, 0, CONNECT_ARGS,
	  SOCKCALL(3) },
	{ 3, "connect", BH_KIND_CONNECT, BH_SC_SOCKADDR_IN | BH_SC_FD_IS_ARG, 0, CONNECT_ARGS,
	  SOCKCALL(3) },
	{ 4, "listen", BH_KIND_LISTEN, BH_SC_FD_IS_ARG, 0, LISTEN_ARGS, SOCKCALL(2) },
	{ 5, "accept", BH_KIND_ACCEPT, BH_SC_SOCKADDR_OUT | BH_SC_FD_IS_RET, 0, ACCEPT_ARGS,
	  SOCKCALL(3) },
	{ 18, "accept4", BH_KIND_ACCEPT, BH_SC_SOCKADDR_OUT | BH_SC_FD_IS_RET, 0, ACCEPT4_ARGS,
	  SOCKCALL(4) },
};
#endif

const struct sensor_syscall *sensor_syscall_at(size_t i)
{
	if (i < ARRAY_SIZE(table))
		return &table[i];
#if defined(__x86_64__)
	i -= ARRAY_SIZE(table);
	if (i < ARRAY_SIZE(table_ia32))
		return &table_ia32[i];
#endif
	return NULL;
}

const struct sensor_syscall *sensor_syscall_lookup(unsigned abi, uint32_t nr)
{
	const struct sensor_syscall *sc;
	for (size_t i = 0; (sc = sensor_syscall_at(i)); i++)
		if (sc->abi == abi && sc->nr == nr)
			return sc;
	return NULL;
}

const struct sensor_syscall *sensor_syscall_by_nr(uint32_t nr)
{
	return sensor_syscall_lookup(BH_SC_ABI_NATIVE, nr);
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
