#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen-secrets-corpus.py OUT_DIR [MEGABYTES] — a synthetic file tree for bench/secrets.sh.

About 75 % text (source code, JSON, YAML, .env and log lines, base64 and hex blobs such as
package-lock integrity hashes and source maps, placeholder assignments that must NOT be
reported) and 25 % binaries (ELF-headed random bytes, .png/.gz named random bytes, NUL-laden
data). Fake credentials in real formats are planted at random places in the text files
(about one per 512 KiB), including one 64 MiB file that is a single line with a token at
its end. Everything is generated from a fixed seed, so runs compare. OUT_DIR/.planted holds
the number of planted secrets (what a scanner should report at least once each).
"""
import os
import random
import sys

SEED = 20240607
AN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
HEX = "0123456789abcdef"
UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
B64 = AN + "+/"
URLS = AN + "_-"


def rs(rng, cs, n):
    return "".join(rng.choice(cs) for _ in range(n))


# Prefixes are split so this file holds nothing a push-protection scanner would flag.
def fake_secret(rng):
    k = rng.randrange(14)
    if k == 0:
        return "GITHUB_TOKEN=gh" "p_" + rs(rng, AN, 36)
    if k == 1:
        return "aws_access_key_id = AK" "IA" + rs(rng, UP, 16) + "\naws_secret_access_key = " + rs(rng, B64, 40)
    if k == 2:
        return "token: gl" "pat-" + rs(rng, AN, 20)
    if k == 3:
        return "SLACK_BOT_TOKEN=xo" "xb-" + rs(rng, "0123456789", 12) + "-" + rs(rng, "0123456789", 13) + "-" + rs(rng, AN, 24)
    if k == 4:
        return "stripe.api_key = 'sk" "_live_" + rs(rng, AN, 32) + "'"
    if k == 5:
        body = "\n".join(rs(rng, B64, 64) for _ in range(12))
        return "-----BEGIN RSA PRIVATE" " KEY-----\n" + body + "\n-----END RSA PRIVATE KEY-----"
    if k == 6:
        return "DATABASE_URL=postgres://app:" + rs(rng, AN, 18) + "@db.internal:5432/app"
    if k == 7:
        return "DB_PASSWORD=\"" + rs(rng, AN, 14) + "9x\""
    if k == 8:
        return "npm_token: np" "m_" + rs(rng, AN, 36)
    if k == 9:
        return "\"api_key\": \"" + rs(rng, AN, 28) + "\""
    if k == 10:
        return "OPENAI_API_KEY=sk-proj-" + rs(rng, URLS, 40) + "T3Blbk" "FJ" + rs(rng, URLS, 40)
    if k == 11:
        return "vault_token = \"hv" "s." + rs(rng, URLS, 90) + "\""
    if k == 12:
        return "DIGITALOCEAN_TOKEN=do" "p_v1_" + rs(rng, HEX, 64)
    return "hf_token = \"hf" "_" + rs(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 34) + "\""


def text_pool(rng, size):
    """Realistic lines, including things that look like secrets but are not."""
    lines = []
    words = ["config", "value", "result", "handler", "request", "token", "password", "secret",
             "options", "buffer", "stream", "promise", "callback", "module", "exports"]
    total = 0
    while total < size:
        k = rng.randrange(16)
        w = rng.choice(words)
        if k < 5:
            line = "  const %s%d = compute(%s, %d); // %s" % (w, rng.randrange(99), rng.choice(words), rng.randrange(9999), " ".join(rng.choice(words) for _ in range(5)))
        elif k < 7:
            # random values under keys that are not credential names
            key = rng.choice(["name", "version", "id", "hash", "etag", "nonce", "uuid"])
            line = '    "%s": "%s",' % (key, rs(rng, AN, rng.randrange(4, 30)))
        elif k == 7:
            line = '      "integrity": "sha512-%s==",' % rs(rng, B64, 86)
        elif k == 8:
            line = "//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpb" + rs(rng, B64, rng.randrange(200, 3000))
        elif k == 9:
            line = "%s: ${%s_%s}" % (w, w.upper(), rng.choice(words).upper())
        elif k == 10:
            line = "password = os.environ['DB_PASSWORD']  # %s" % rs(rng, HEX, 40)
        elif k == 11:
            line = "token = process.env.GITHUB_TOKEN || options.%s" % w
        elif k == 12:
            line = "2024-05-01T12:%02d:%02dZ INFO request id=%s status=200 path=/api/v1/%s" % (rng.randrange(60), rng.randrange(60), rs(rng, HEX, 32), w)
        elif k == 13:
            line = "commit %s Merge branch '%s'" % (rs(rng, HEX, 40), w)
        elif k == 14:
            line = "  password: changeme   # example %s" % w
        else:
            line = "\t%s.%s(%s, function (err, %s) { if (err) return cb(err); });" % (w, rng.choice(words), rng.choice(words), w)
        lines.append(line)
        total += len(line) + 1
    return ("\n".join(lines) + "\n").encode()


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    out = sys.argv[1]
    megabytes = int(sys.argv[2]) if len(sys.argv) > 2 else 1100
    target = megabytes << 20
    rng = random.Random(SEED)
    pool = text_pool(rng, 8 << 20)
    os.makedirs(out, exist_ok=True)
    written = 0
    planted = 0
    n = 0

    # one 64 MiB single line with a token at the end
    d = os.path.join(out, "data")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "one-line.json"), "wb") as f:
        chunk = pool.replace(b"\n", b" ")[: 1 << 20]
        for _ in range(64):
            f.write(chunk)
        f.write((" " + fake_secret(rng).replace("\n", " ") + "\n").encode())
        written += (64 << 20) + 200
        planted += 1

    while written < target:
        n += 1
        sub = os.path.join(out, "d%03d" % (n % 512), "s%02d" % (n % 17))
        os.makedirs(sub, exist_ok=True)
        r = rng.random()
        if r < 0.25:
            size = int(rng.choice([4 << 10, 64 << 10, 512 << 10, 2 << 20]) * rng.uniform(0.5, 1.5))
            kind = rng.randrange(4)
            body = os.urandom(size)
            if kind == 0:
                name, body = "lib%d.so.1" % n, b"\x7fELF\x02\x01\x01\x00" + body
            elif kind == 1:
                name = "img%d.png" % n
            elif kind == 2:
                name = "pkg%d.tar.gz" % n
            else:
                name, body = "blob%d.dat" % n, b"\x00\x01" + body
            with open(os.path.join(sub, name), "wb") as f:
                f.write(body)
            written += len(body)
            continue
        size = int(rng.choice([2 << 10, 16 << 10, 128 << 10, 1 << 20, 4 << 20]) * rng.uniform(0.5, 1.5))
        off = rng.randrange(0, len(pool) - size - 1) if size < len(pool) else 0
        body = bytearray(pool[off : off + size])
        k = max(0, int(size / (512 << 10) + rng.random()))
        pieces = []
        last = 0
        for pos in sorted(rng.randrange(0, len(body)) for _ in range(k)):
            nl = body.find(b"\n", pos)
            if nl < 0:
                break
            pieces.append(bytes(body[last : nl + 1]))
            pieces.append((fake_secret(rng) + "\n").encode())
            planted += 1
            last = nl + 1
        pieces.append(bytes(body[last:]))
        data = b"".join(pieces)
        ext = rng.choice([".js", ".py", ".json", ".yaml", ".conf", ".log", ".env", ".txt"])
        with open(os.path.join(sub, "f%d%s" % (n, ext)), "wb") as f:
            f.write(data)
        written += len(data)
    with open(os.path.join(out, ".planted"), "w") as f:
        f.write("%d\n" % planted)
    print("corpus: %d MiB, %d files, %d planted secrets" % (written >> 20, n + 1, planted))


if __name__ == "__main__":
    main()
