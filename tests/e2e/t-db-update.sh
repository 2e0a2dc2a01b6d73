#!/bin/sh
# `bulkhead db update` against a local HTTPS mirror (loopback only, self-signed certificate):
# per-ecosystem all.zip archives built from the shared OSV records are downloaded and
# imported; a missing ecosystem only warns; TLS, HTTP, archive and usage failures exit 3 or 2
# with one error line and leave the database untouched and no temporary files behind.
. "$BH_SOURCE_ROOT/tests/lib/e2e.sh"
OSV=$SHARED/osv
for d in pypi go rustsec; do
	[ -d "$OSV/$d" ] || skip "shared OSV test data missing ($OSV/$d)"
done
command -v python3 >/dev/null || skip "python3 missing"
command -v openssl >/dev/null || skip "openssl missing"
command -v timeout >/dev/null || skip "timeout missing"

# Only loopback: never go through a proxy from the environment.
unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY all_proxy ALL_PROXY
export NO_PROXY='*' no_proxy='*'
# The command's temporary directory goes here, so the test can see that it is removed.
mkdir "$T/tmp"
export TMPDIR="$T/tmp"
# No default database location is ever used.
export BULKHEAD_HOME="$T/home"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1 ||
	skip "openssl cannot make a certificate"

# Mirrors under $T/www: good/ (three ecosystems), bad/ (garbage), mixed/ (good PyPI, bad Go).
# expected.txt gets "Ecosystem advisories" for each good archive: records not withdrawn.
python3 - "$OSV" "$T/www" >"$T/expected.txt" <<'EOF' || fail "cannot build the mirror"
import glob, json, os, sys, zipfile
osv, www = sys.argv[1:]
def mkzip(path, files):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.write(f, os.path.basename(f))
for eco, sub in (("PyPI", "pypi"), ("Go", "go"), ("crates.io", "rustsec")):
    files = sorted(glob.glob(os.path.join(osv, sub, "*.json")))
    mkzip(os.path.join(www, "good", eco, "all.zip"), files)
    live = sum(1 for f in files if not json.load(open(f)).get("withdrawn"))
    print(eco, live)
    if eco == "PyPI":
        mkzip(os.path.join(www, "mixed", eco, "all.zip"), files)
for d in ("bad/PyPI", "mixed/Go"):
    os.makedirs(os.path.join(www, d))
    with open(os.path.join(www, d, "all.zip"), "w") as f:
        f.write("<html>this is not a zip archive</html>\n")
EOF
[ "$(wc -l <"$T/expected.txt")" = 3 ] || fail "expected counts: $(cat "$T/expected.txt")"

# HTTPS server on 127.0.0.1, port chosen by the kernel; /e500/... answers 500 and
# /tohttp/... redirects to plain http; /slow/... trickles a zip header and then 1.3 KB/s.
cat >"$T/server.py" <<'EOF'
import functools, http.server, os, ssl, sys, time
root, cert, key, portfile = sys.argv[1:]
class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def do_GET(self):
        if self.path.startswith("/e500/"):
            self.send_error(500)
        elif self.path.startswith("/tohttp/"):
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:%d/good/PyPI/all.zip" % port)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path.startswith("/slow/"):
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 20))
            self.end_headers()
            self.wfile.write(b"PK\x03\x04")
            for _ in range(150):
                self.wfile.flush()
                time.sleep(0.2)
                self.wfile.write(b"\0" * 256)
        else:
            super().do_GET()
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=root))
port = srv.server_address[1]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(port))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
EOF
timeout 120 python3 "$T/server.py" "$T/www" "$T/cert.pem" "$T/key.pem" "$T/port" \
	>"$T/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$T/port" ] || { cat "$T/server.log" >&2; fail "HTTPS server did not start"; finish; }
PORT=$(cat "$T/port")
M=https://127.0.0.1:$PORT

update() {
	"$BULKHEAD" db update --cacert "$T/cert.pem" "$@"
}

# no_leftovers WHAT: the temporary download directory is gone.
no_leftovers() {
	checks=$((checks + 1))
	[ -z "$(ls -A "$T/tmp")" ] || fail "$1: temporary files left: $(ls -A "$T/tmp")"
	rm -rf "$T/tmp"/*
}

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# counts DB: "Ecosystem advisories" lines from db status --format json.
counts() {
	"$BULKHEAD" db status --db "$1" --format json |
		python3 -c 'import json, sys
for e in json.load(sys.stdin)["ecosystems"]:
    print(e["ecosystem"], e["advisories"])' | LC_ALL=C sort
}

# unchanged WHAT: the database is byte for byte what it was before.
unchanged() {
	checks=$((checks + 1))
	[ "$(sha "$T/v.db")" = "$before" ] || fail "$1: database changed"
	no_leftovers "$1"
}

# 1. Three ecosystems: exit 0, advisory counts as zipped.
expect_exit 0 update --mirror "$M/good" --db "$T/v.db" --ecosystem PyPI --ecosystem Go \
	--ecosystem crates.io
checks=$((checks + 1))
LC_ALL=C sort "$T/expected.txt" >"$T/expected.sorted"
counts "$T/v.db" >"$T/got.txt"
cmp -s "$T/expected.sorted" "$T/got.txt" ||
	fail "advisory counts: got $(tr '\n' ' ' <"$T/got.txt")," \
		"want $(tr '\n' ' ' <"$T/expected.sorted")"
no_leftovers "good update"
# The summary line is the command's result, on stdout; sources are recorded as URLs.
expect_exit 0 "$BULKHEAD" db update --cacert "$T/cert.pem" --mirror "$M/good/" \
	--db "$T/v.db" --ecosystem crates.io
checks=$((checks + 1))
grep -Eq "advisories read from [0-9]+ documents: 0 stored, [1-9][0-9]* unchanged" "$T/out" ||
	fail "no summary line: $(cat "$T/out")"
checks=$((checks + 1))
"$BULKHEAD" db status --db "$T/v.db" --format json | jq -e '[.sources[].name] | all(startswith("https://127.0.0.1:"))' >/dev/null ||
	fail "sources are not recorded as URLs: $("$BULKHEAD" db status --db "$T/v.db" --format json | jq -c '[.sources[].name]')"

# Default: every ecosystem bulkhead matches; those the mirror lacks are warned about
# (names are URL-escaped: "Red Hat").
expect_exit 0 update --mirror "$M/good" --db "$T/all.db"
checks=$((checks + 1))
counts "$T/all.db" >"$T/got.txt"
cmp -s "$T/expected.sorted" "$T/got.txt" || fail "default ecosystems: counts $(cat "$T/got.txt")"
for e in npm Debian 'Red%20Hat' RubyGems; do
	checks=$((checks + 1))
	grep -q "warning: $M/good/$e/all.zip: not found" "$T/err" ||
		fail "default: no warning for $e"
done
checks=$((checks + 1))
grep -Eq '/(PyPI|Go|crates.io)/all.zip' "$T/err" && fail "default: warned about a present one"
no_leftovers "default ecosystems"

# 2. An ecosystem the mirror lacks only warns; the others are imported.
expect_exit 0 update --mirror "$M/good" --db "$T/v.db" --ecosystem PyPI --ecosystem npm
checks=$((checks + 1))
grep -q "warning: .*$M/good/npm/all.zip.*404" "$T/err" || fail "no 404 warning: $(cat "$T/err")"
checks=$((checks + 1))
grep -q -v "warning: " "$T/err" && fail "more than warnings: $(cat "$T/err")"
counts "$T/v.db" >"$T/got.txt"
checks=$((checks + 1))
cmp -s "$T/expected.sorted" "$T/got.txt" || fail "counts changed after the npm update"
no_leftovers "missing ecosystem"
# Nothing at all on the mirror: error, nothing written.
expect_exit 2 update --mirror "$M/good" --db "$T/none.db" --ecosystem npm
checks=$((checks + 1))
[ -e "$T/none.db" ] && fail "database created although nothing was downloaded"
no_leftovers "nothing found"

before=$(sha "$T/v.db")

# 3. Without --cacert the self-signed certificate is refused: exit 3, one line, no change.
expect_exit 3 "$BULKHEAD" db update --mirror "$M/good" --db "$T/v.db" --ecosystem PyPI
expect_err_line "$M/good/PyPI/all.zip: .*(certificate|SSL)"
unchanged "untrusted certificate"
# A CA bundle that does not exist is a usage error.
expect_exit 2 "$BULKHEAD" db update --mirror "$M/good" --db "$T/v.db" --cacert "$T/nope.pem"
expect_err_line "nope.pem"
unchanged "missing cacert"

# 4. Garbage served as all.zip: exit 2, one line naming the URL, no change.
expect_exit 2 update --mirror "$M/bad" --db "$T/v.db" --ecosystem PyPI
expect_err_line "$M/bad/PyPI/all.zip: not a zip archive"
unchanged "garbage archive"
# One good and one bad archive: nothing is imported (a fresh database is not even created).
expect_exit 2 update --mirror "$M/mixed" --db "$T/mixed.db" --ecosystem PyPI --ecosystem Go
expect_err_line "$M/mixed/Go/all.zip: not a zip archive"
checks=$((checks + 1))
[ -e "$T/mixed.db" ] && fail "mixed: database created"
no_leftovers "mixed"
# Over zip-max-bytes: exit 2.
expect_exit 2 update --mirror "$M/good" --db "$T/v.db" --ecosystem Go --limit zip-max-bytes=1K
expect_err_line "$M/good/Go/all.zip: .*zip-max-bytes"
unchanged "too big"

# 5. Plain http is refused before anything is fetched; so are unknown ecosystems.
expect_exit 2 update --mirror "http://127.0.0.1:$PORT/good" --db "$T/v.db" --ecosystem PyPI
expect_err_line "only https:// mirrors"
unchanged "http mirror"
expect_exit 2 update --mirror "$M/good" --db "$T/v.db" --ecosystem pypi
expect_err_line "unknown ecosystem 'pypi'"
unchanged "unknown ecosystem"

# 6. Server errors and a redirect to plain http: exit 3, one line, no change.
expect_exit 3 update --mirror "$M/e500" --db "$T/v.db" --ecosystem PyPI
expect_err_line "$M/e500/PyPI/all.zip: HTTP status 500"
unchanged "HTTP 500"
expect_exit 3 update --mirror "$M/tohttp" --db "$T/v.db" --ecosystem PyPI
expect_err_line "$M/tohttp/PyPI/all.zip: .*(http|[Pp]rotocol)"
unchanged "redirect to http"
# 7. Killed during a download: the temporary directory is removed, the database unchanged.
"$BULKHEAD" db update --cacert "$T/cert.pem" --mirror "$M/slow" --db "$T/v.db" --ecosystem PyPI \
	>/dev/null 2>"$T/err" </dev/null &
pid=$!
i=0
started() {
	for f in "$T"/tmp/bulkhead-update-*/0.zip; do
		[ -s "$f" ] && return 0
	done
	return 1
}
while [ $i -lt 100 ] && ! started; do
	sleep 0.1
	i=$((i + 1))
done
checks=$((checks + 1))
[ $i -lt 100 ] || fail "slow download did not start: $(cat "$T/err")"
kill -TERM "$pid"
wait "$pid"
st=$?
checks=$((checks + 1))
[ "$st" = 143 ] || fail "killed update: exit $st (want 143, SIGTERM)"
unchanged "killed"

# Nothing listens on the port any more after the server is gone: connection refused.
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
expect_exit 3 update --mirror "$M/good" --db "$T/v.db" --ecosystem PyPI
expect_err_line "$M/good/PyPI/all.zip: "
unchanged "server down"

finish
