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
# Environment (set by tests/meson.build): BULKHEAD, BH_SOURCE_ROOT (lib-sensor.sh).
set -eu

: "${BULKHEAD:?BULKHEAD is not set}"
: "${BH_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"

. "$BH_SOURCE_ROOT/tests/slow/lib-sensor.sh"
[ "$(uname -m)" = x86_64 ] || { echo "SKIP: ia32 compat is an x86-64 feature"; exit 77; }
bh_sensor_require gcc || exit $?

bh_sensor_setup sensor-ia32
dir=$BH_SENSOR_DIR
trap bh_sensor_cleanup EXIT
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

bh_sensor_start "$dir/out.json" "$dir/err.txt" \
	--events exec,open,unlink,connect,bind,listen,accept --output json || exit $?

uniq=$(bh_sensor_unique "bhia32-$$-")
file="$dir/$uniq"
"$dir/bhia32" "$file" "$dir/port" &
ppid_=$!
wait "$ppid_" && prc=0 || prc=$?
sleep 1
bh_sensor_stop || bh_sensor_fail "the sensor exited with $BH_SENSOR_RC after SIGINT"
[ "$prc" = 0 ] || bh_sensor_fail "the 32-bit program exited with $prc (it did not reach its execve)"
port=$(cat "$dir/port" 2>/dev/null || echo 0)
[ "$port" -gt 0 ] || bh_sensor_fail "the 32-bit program wrote no port"

bh_sensor_events_of "$ppid_" "$dir/out.json" >"$dir/mine.json"
has()
{
	bh_sensor_any "$dir/mine.json" "$1" || bh_sensor_fail "$2"
}
count()
{
	bh_sensor_count "$dir/mine.json" "$1"
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
	bh_sensor_fail "$n connects to 127.0.0.1:$port, expected 3" \
		"(glibc socketcall, int 0x80 socketcall, connect 362)"
# pipe (42) and dup (41) must not show up as x86-64's connect and socket
n=$(count ".type == \"connect\"")
[ "$n" = 3 ] ||
	bh_sensor_fail "$n connect events, expected 3 (an i386 pipe read as x86-64 connect?)"
n=$(count ".type == \"socket\" and .args.domain != \"AF_INET\"")
[ "$n" = 0 ] || bh_sensor_fail "$n socket events that are not AF_INET (an i386 dup read as socket?)"
jq -e -s 'length > 0' "$dir/out.json" >/dev/null || bh_sensor_fail "the output is not JSON lines"

if [ "$BH_SENSOR_FAILURES" != 0 ]; then
	echo "--- stderr"
	bh_sensor_print_err
	echo "--- events of pid $ppid_"
	sed 's/^/    /' "$dir/mine.json" | cut -c1-400 | head -n 40
	exit 1
fi
echo "ok: 32-bit pid $ppid_: execve x2, openat, open, unlink, bind, listen, accept, 3 connects"
exit 0
