#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mktar.py - write (possibly hostile) tar files from a tiny spec, for tests.

Usage: mktar.py OUT.tar [--gzip|--zstd] [--truncate N] SPEC...

Each SPEC is one entry, written in order (duplicates are kept, nothing is sanitised):
  file:PATH[=CONTENT]       regular file (CONTENT may use \\n escapes)
  exec:PATH[=CONTENT]       regular file, mode 0755
  dir:PATH                  directory
  symlink:PATH=TARGET       symbolic link
  hardlink:PATH=TARGET      hard link
  fifo:PATH / char:PATH     special files
  deep:N[:NAME]             a file N directories deep ("d/d/.../NAME"), long name via pax
  many:N[:PREFIX]           N tiny files PREFIXnnnnnnn (fast: headers built by hand)
  big:PATH=SIZE             a file of SIZE zero bytes (declared and written)
  lie:PATH=SIZE             a header declaring SIZE bytes with no data after it
  raw:HEX                   raw bytes appended as they are

--truncate N cuts the finished (uncompressed) stream to N bytes, or drops -N bytes
from its end when N is negative. Output is deterministic: mtime 0, uid/gid 0.
Python stdlib only; --zstd runs the zstd CLI.
"""
import gzip
import io
import subprocess
import sys

BLOCK = 512


def _octal(n, width):
    s = ("%0*o" % (width - 1, n)).encode()
    if len(s) > width - 1:
        # GNU base-256 for numbers that do not fit
        out = bytearray(width)
        for i in range(width - 1, 0, -1):
            out[i] = n & 0xFF
            n >>= 8
        out[0] = 0x80
        return bytes(out)
    return s + b"\0"


def header(name, size=0, mode=0o644, typeflag=b"0", linkname=b""):
    if isinstance(name, str):
        name = name.encode()
    if isinstance(linkname, str):
        linkname = linkname.encode()
    h = bytearray(BLOCK)
    h[0:100] = name[:100].ljust(100, b"\0")
    h[100:108] = _octal(mode, 8)
    h[108:116] = _octal(0, 8)
    h[116:124] = _octal(0, 8)
    h[124:136] = _octal(size, 12)
    h[136:148] = _octal(0, 12)
    h[148:156] = b" " * 8
    h[156:157] = typeflag
    h[157:257] = linkname[:100].ljust(100, b"\0")
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    chk = sum(h)
    h[148:156] = ("%06o\0 " % chk).encode()
    return bytes(h)


def pad(data):
    return data + b"\0" * ((-len(data)) % BLOCK)


def pax_record(key, value):
    if isinstance(value, str):
        value = value.encode()
    body = b" " + key.encode() + b"=" + value + b"\n"
    n = len(body) + 1
    while len(str(n).encode()) + len(body) != n:
        n = len(str(n).encode()) + len(body)
    return str(n).encode() + body


def entry(name, data=b"", mode=0o644, typeflag=b"0", linkname=b""):
    """One entry, preceded by a pax header when the name or link does not fit."""
    bname = name.encode() if isinstance(name, str) else name
    blink = linkname.encode() if isinstance(linkname, str) else linkname
    out = b""
    recs = b""
    if len(bname) > 100:
        recs += pax_record("path", bname)
    if len(blink) > 100:
        recs += pax_record("linkpath", blink)
    if recs:
        out += header(b"././@PaxHeader", len(recs), typeflag=b"x") + pad(recs)
    out += header(bname, len(data), mode, typeflag, blink) + pad(data)
    return out


def build(specs):
    out = io.BytesIO()
    for spec in specs:
        kind, _, arg = spec.partition(":")
        if kind in ("file", "exec"):
            path, _, content = arg.partition("=")
            data = content.encode().decode("unicode_escape").encode("latin-1")
            out.write(entry(path, data, 0o755 if kind == "exec" else 0o644))
        elif kind == "dir":
            out.write(entry(arg.rstrip("/") + "/", mode=0o755, typeflag=b"5"))
        elif kind in ("symlink", "hardlink"):
            path, _, target = arg.partition("=")
            out.write(entry(path, mode=0o777, typeflag=b"2" if kind == "symlink" else b"1",
                            linkname=target))
        elif kind == "fifo":
            out.write(entry(arg, typeflag=b"6"))
        elif kind == "char":
            out.write(entry(arg, typeflag=b"3"))
        elif kind == "deep":
            n, _, name = arg.partition(":")
            out.write(entry("d/" * int(n) + (name or "f"), b"x"))
        elif kind == "many":
            n, _, prefix = arg.partition(":")
            prefix = prefix or "f"
            data = pad(b"x")
            for i in range(int(n)):
                out.write(header("%s%07d" % (prefix, i), 1))
                out.write(data)
        elif kind == "big":
            path, _, size = arg.partition("=")
            size = int(size)
            out.write(header(path, size))
            out.write(b"\0" * (size + ((-size) % BLOCK)))
        elif kind == "lie":
            path, _, size = arg.partition("=")
            out.write(header(path, int(size)))
        elif kind == "raw":
            out.write(bytes.fromhex(arg))
        else:
            sys.exit("mktar: unknown spec '%s'" % spec)
    out.write(b"\0" * (2 * BLOCK))
    return out.getvalue()


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    outpath = argv[1]
    comp = None
    truncate = None
    specs = []
    args = iter(argv[2:])
    for a in args:
        if a == "--gzip":
            comp = "gzip"
        elif a == "--zstd":
            comp = "zstd"
        elif a == "--truncate":
            truncate = int(next(args))
        else:
            specs.append(a)
    data = build(specs)
    if truncate is not None:
        data = data[:truncate] if truncate >= 0 else data[:len(data) + truncate]
    if comp == "gzip":
        bio = io.BytesIO()
        with gzip.GzipFile(fileobj=bio, mode="wb", mtime=0, filename="") as g:
            g.write(data)
        data = bio.getvalue()
    elif comp == "zstd":
        data = subprocess.run(["zstd", "-q", "-c"], input=data, check=True,
                              stdout=subprocess.PIPE).stdout
    with open(outpath, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
