#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A throwaway PostgreSQL server for tests (docs/design/store.md, "Tests").
#
#   pg.sh start DIR   initdb a cluster in DIR/data, start it on 127.0.0.1 at a free port
#                     (trust authentication, loopback only, no fsync) and print its URI
#                     postgres://postgres@127.0.0.1:PORT/postgres on stdout
#   pg.sh stop DIR    stop it (fast shutdown; DIR is left for the caller to remove)
#
# `start` on a DIR that already holds a stopped cluster starts it again on its old port
# (tests of reconnection stop and restart the server).
#
# The server binaries come from /usr/lib/postgresql/*/bin (newest) or PATH. PostgreSQL
# refuses to run as root: as root, DIR is handed to the `postgres` user and the server runs
# as that user (DIR's parent must be searchable by it, e.g. a directory made by mktemp
# under /tmp). Exit 77 (skip) when there is no initdb, or when running as root without a
# `postgres` user; exit 1 when the server does not come up within ~20 s (its log on stderr).
set -u

die() {
	echo "pg.sh: $*" >&2
	exit 1
}
skip() {
	echo "pg.sh: $*" >&2
	exit 77
}

[ $# -eq 2 ] || die "usage: pg.sh start|stop DIR"
cmd=$1
dir=$2

bindir=
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
	if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
		bindir=$d
		break
	fi
done
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
	bindir=$(dirname "$(command -v initdb)")
fi

# as_pg CMD...: run CMD as the server's user.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case $cmd in
stop)
	[ -n "$bindir" ] || exit 0
	[ -f "$dir/data/postmaster.pid" ] || exit 0
	as_pg "$bindir/pg_ctl" stop -D "$dir/data" -m fast -w -t 20 >/dev/null 2>&1 ||
		die "cannot stop the server in $dir"
	exit 0
	;;
start) ;;
*) die "usage: pg.sh start|stop DIR" ;;
esac

[ -n "$bindir" ] || skip "no initdb (install postgresql)"
if [ "$(id -u)" = 0 ]; then
	id postgres >/dev/null 2>&1 || skip "running as root and there is no postgres user"
	command -v runuser >/dev/null 2>&1 || skip "running as root without runuser"
fi

mkdir -p "$dir" || die "cannot create $dir"
dir=$(cd "$dir" && pwd)
if [ "$(id -u)" = 0 ]; then
	chown postgres: "$dir" || die "cannot hand $dir to postgres"
	chmod 0700 "$dir"
	as_pg test -w "$dir" || die "$dir is not writable for postgres (check its parents)"
fi

# server_start PORT: start the cluster in $dir on 127.0.0.1:PORT, waiting at most 20 s.
# No fsync: a throwaway server; `stop` shuts down cleanly, so nothing committed is lost.
server_start() {
	as_pg "$bindir/pg_ctl" start -D "$dir/data" -w -t 20 -l "$dir/server.log" \
		-o "-p $1 -c listen_addresses=127.0.0.1 -k $dir -c fsync=off \
			-c synchronous_commit=off -c full_page_writes=off" >/dev/null 2>&1
}

if [ -f "$dir/data/PG_VERSION" ] && [ -f "$dir/port" ]; then
	port=$(cat "$dir/port")
	server_start "$port" || {
		tail -n 20 "$dir/server.log" >&2 2>/dev/null
		die "the server did not restart"
	}
	echo "postgres://postgres@127.0.0.1:$port/postgres"
	exit 0
fi

as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C -N \
	>"$dir/initdb.log" 2>&1 || {
	cat "$dir/initdb.log" >&2
	die "initdb failed"
}
# Loopback only: no other host may even try.
as_pg sh -c "printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' \
	>'$dir/data/pg_hba.conf'" || die "cannot write pg_hba.conf"

# A free port: ask the kernel for one, else pick at random; retry on a lost race.
free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0));
print(s.getsockname()[1])'
	else
		echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
	fi
}

tries=0
while :; do
	tries=$((tries + 1))
	port=$(free_port)
	server_start "$port" && break
	if [ $tries -ge 3 ] || ! grep -q "could not bind\|already in use" "$dir/server.log"; then
		tail -n 20 "$dir/server.log" >&2 2>/dev/null
		die "the server did not start"
	fi
done
echo "$port" >"$dir/port"
echo "postgres://postgres@127.0.0.1:$port/postgres"
