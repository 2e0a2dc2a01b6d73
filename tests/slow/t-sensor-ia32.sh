#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# t-sensor-ia32.sh — `bulkhead sensor run` sees a 32-bit (ia32 compat) process on x86-64 as
# it sees a 64-bit one: its syscalls have the i386 numbers, which must be decoded by that
# table and never as the x86-64 syscalls with the same numbers.
#
# Builds a tiny static i386 program (gcc -m32 -static) that, as one process: makes a TCP
# listener on 127.0.0.1 with glibc (socket, bind, listen through socketcall(2) by the vDSO's
# sysenter), connects to it three times (glibc's connect, i.e. socketcall by sysenter; a raw
# `int $0x80` socketcall; the direct connect syscall 362 by `int $0x80`) and accepts; opens
# a unique file with a raw openat (295), reopens it with glibc and unlinks it (10); makes
# the i386 pipe (42) and dup (41) calls, whose numbers are connect and socket on x86-64;
# and finally execve()s (11) /bin/true. Checks, by that pid: both execve events with their
# exepath, the openat/open with the resolved path, the unlink, the three connects to the
# listener's address, bind, listen and accept, and no connect or socket event that pipe or
# dup could have been misread as. Exit 0 pass, 1 fail, 77 skip (not root, not x86-64, no
# BTF, built without BPF, no 32-bit toolchain or ia32 emulation).
# Environment (set by tests/meson.build): BULKHEAD.
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ "$(uname -m)" = x86_64 ] || { echo "SKIP: ia32 compat is an x86-64 feature"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: the kernel has no BTF"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is missing"; exit 77; }
command -v gcc >/dev/null 2>&1 || { echo "SKIP: gcc is missing"; exit 77; }
"$BULKHEAD" help sensor >/dev/null 2>&1 || { echo "SKIP: no sensor command"; exit 77; }

dir=$(mktemp -d /tmp/bh-sensor-ia32.XXXXXX)
spid=
cleanup()
{
	if [ -n "$spid" ]; then
		kill -TERM "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cat >"$dir/prog.c" <<'EOF'
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* raw i386 syscalls by int $0x80 (glibc itself goes through the vDSO's sysenter) */
static long sys3(long nr, long a, long b, long c)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}
static long sys4(long nr, long a, long b, long c, long d)
{
	long r;
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d)
			 : "memory");
	return r;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 8) < 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &len) < 0)
		return 3;
	FILE *f = fopen(argv[2], "w");
	if (!f || fprintf(f, "%u\n", ntohs(sa.sin_port)) < 0 || fclose(f) != 0)
		return 4;

	int c1 = socket(AF_INET, SOCK_STREAM, 0);
	if (c1 < 0 || connect(c1, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 5;
	int a1 = accept(l, NULL, NULL);
	if (a1 < 0)
		return 6;
	/* socketcall(SYS_CONNECT, {fd, addr, len}) */
	int c2 = (int)sys3(359, AF_INET, SOCK_STREAM, 0);
	unsigned long args[3] = {(unsigned long)c2, (unsigned long)&sa, sizeof(sa)};
	if (c2 < 0 || sys3(102, 3, (long)args, 0) != 0)
		return 7;
	/* the direct connect syscall */
	int c3 = (int)sys3(359, AF_INET, SOCK_STREAM, 0);
	if (c3 < 0 || sys3(362, c3, (long)&sa, sizeof(sa)) != 0)
		return 8;

	long fd = sys4(295, AT_FDCWD, (long)argv[1], O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return 9;
	close((int)fd);
	int g = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (g < 0)
		return 10;
	close(g);
	if (sys3(10, (long)argv[1], 0, 0) != 0)
		return 11;

	/* i386 pipe (42) and dup (41): x86-64's connect and socket numbers */
	int p[2];
	if (sys3(42, (long)p, 0, 0) != 0 || sys3(41, p[0], 0, 0) < 0)
		return 12;

	char *nargv[] = {"true", NULL}, *nenv[] = {NULL};
	sys3(11, (long)"/bin/true", (long)nargv, (long)nenv);
	return 13;
}
EOF
if ! gcc -m32 -static -O1 -o "$dir/bhia32" "$dir/prog.c" 2>"$dir/gcc.txt"; then
	echo "SKIP: no 32-bit toolchain (gcc -m32 -static: gcc-multilib, libc6-dev-i386):"
	sed 's/^/    /' "$dir/gcc.txt"
	exit 77
fi
# the kernel may lack ia32 emulation (or have it off: ia32_emulation=0)
prc=0
"$dir/bhia32" >/dev/null 2>&1 || prc=$?
if [ "$prc" -ge 126 ]; then
	echo "SKIP: this kernel does not run 32-bit programs"
	exit 77
fi

: >"$dir/err.txt"
"$BULKHEAD" -v sensor run --events exec,open,unlink,connect,bind,listen,accept \
	--output json >"$dir/out.json" 2>"$dir/err.txt" &
spid=$!
i=0
while ! grep -q 'sensor attached' "$dir/err.txt"; do
	if ! kill -0 "$spid" 2>/dev/null; then
		wait "$spid" && rc=0 || rc=$?
		spid=
		grep -q 'built without BPF support' "$dir/err.txt" &&
			{ echo "SKIP: no BPF support"; exit 77; }
		echo "FAIL: the sensor exited with $rc before attaching:"
		sed 's/^/    /' "$dir/err.txt"
		exit 1
	fi
	i=$((i + 1))
	if [ "$i" -gt 300 ]; then
		echo "FAIL: the sensor did not attach within 30 s:"
		sed 's/^/    /' "$dir/err.txt"
		exit 1
	fi
	sleep 0.1
done

uniq="bhia32-$$-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
file="$dir/$uniq"
"$dir/bhia32" "$file" "$dir/port" &
ppid_=$!
wait "$ppid_" && prc=0 || prc=$?
sleep 1
kill -INT "$spid"
wait "$spid" && rc=0 || rc=$?
spid=

failures=0
fail()
{
	echo "FAIL: $*"
	failures=$((failures + 1))
}
[ "$prc" = 0 ] || fail "the 32-bit program exited with $prc (it did not reach its execve)"
[ "$rc" = 0 ] || fail "the sensor exited with $rc after SIGINT"
port=$(cat "$dir/port" 2>/dev/null || echo 0)
[ "$port" -gt 0 ] || fail "the 32-bit program wrote no port"

jq -c --argjson pid "$ppid_" 'select(.proc.pid == $pid)' "$dir/out.json" >"$dir/mine.json"
has()
{
	jq -e -s "any(.[]; $1)" "$dir/mine.json" >/dev/null || fail "$2"
}
count()
{
	jq -s "[.[] | select($1)] | length" "$dir/mine.json"
}
real_true=$(realpath /bin/true)
real_file=$(realpath "$dir")/$uniq

has ".type == \"execve\" and .proc.exepath == \"$(realpath "$dir/bhia32")\"" \
	"no execve of the 32-bit program"
has ".type == \"execve\" and .proc.exepath == \"$real_true\" and .res == 0" \
	"no execve of $real_true by the 32-bit program (i386 execve, int 0x80)"
has ".type == \"openat\" and .fd.name == \"$real_file\" and .res >= 0 and
	.args.name == \"$file\" and (.args.flags | test(\"O_CREAT\"))" \
	"no openat of '$file' (i386 openat 295, int 0x80)"
has "(.type == \"openat\" or .type == \"open\") and .fd.name == \"$real_file\" and
	(.args.flags | test(\"O_CREAT\") | not)" \
	"no open of '$file' by glibc (sysenter)"
has ".type == \"unlink\" and .args.path == \"$file\" and .res == 0" \
	"no unlink of '$file' (i386 unlink 10)"
has ".type == \"bind\" and .fd.sip == \"127.0.0.1\" and .fd.sport == $port" \
	"no bind to 127.0.0.1:$port (socketcall SYS_BIND)"
has ".type == \"listen\" and .fd.sport == $port" "no listen on port $port (socketcall)"
has ".type == \"socket\" and .args.domain == \"AF_INET\"" "no socket (AF_INET)"
has "(.type == \"accept\" or .type == \"accept4\") and .fd.sport == $port and .res >= 0" \
	"no accept on port $port"
n=$(count ".type == \"connect\" and .fd.sip == \"127.0.0.1\" and .fd.sport == $port and
	.res == 0 and (.args.tuple | endswith(\"->127.0.0.1:$port\"))")
[ "$n" = 3 ] ||
	fail "$n connects to 127.0.0.1:$port, expected 3" \
		"(glibc socketcall, int 0x80 socketcall, connect 362)"
# pipe (42) and dup (41) must not show up as x86-64's connect and socket
n=$(count ".type == \"connect\"")
[ "$n" = 3 ] || fail "$n connect events, expected 3 (an i386 pipe read as x86-64 connect?)"
n=$(count ".type == \"socket\" and .args.domain != \"AF_INET\"")
[ "$n" = 0 ] || fail "$n socket events that are not AF_INET (an i386 dup read as socket?)"
jq -e -s 'length > 0' "$dir/out.json" >/dev/null || fail "the output is not JSON lines"

if [ "$failures" != 0 ]; then
	echo "--- stderr"
	sed 's/^/    /' "$dir/err.txt"
	echo "--- events of pid $ppid_"
	sed 's/^/    /' "$dir/mine.json" | cut -c1-400 | head -n 40
	exit 1
fi
echo "ok: 32-bit pid $ppid_: execve x2, openat, open, unlink, bind, listen, accept, 3 connects"
exit 0
