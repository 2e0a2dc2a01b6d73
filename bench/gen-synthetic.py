#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen-synthetic.py - a large deterministic synthetic container image for bench/sbom.sh.

    gen-synthetic.py --gzip-out DIR [--zstd-out DIR] [--meta FILE] [--seed N] [--scale F]

Writes the same five layers (bottom first) as an OCI layout with gzip layers and,
optionally, a second layout with zstd layers:
  0 base     Debian-like: /etc/os-release, /var/lib/dpkg/status (400 installed packages
             and 10 removed ones left as config-files), info/*.list and *.md5sums, and
             ~150 MB of incompressible "shared libraries" owned by those packages
  1 python   /usr/lib/python3/dist-packages: 600 distributions, each a .dist-info
             directory (METADATA, RECORD, WHEEL, INSTALLER, top_level.txt) and a module
             directory of .py files (some with a random .so)
  2 npm-a    /app/node_modules: half of 20,000 package directories (package.json,
  3 npm-b    README.md, index.js, lib/*.js), 10 % scoped, 10 % with a nested
             node_modules/ holding another version of a dependency
  4 update   an apt-get-like update (dpkg status rewritten: 5 removed, 20 added), ~150 MB
             of incompressible assets, whiteouts of 100 npm packages and 10 Python
             distributions, and an opaque npm scope directory re-filled with 2 packages
About 650 MB uncompressed and 110,000 files at --scale 1. Everything comes from one seeded
PRNG plan (text from a seeded pool of JavaScript-like tokens, binary data from
random.randbytes), so a given seed and scale always give byte-identical layers. --meta
writes what was put in (package counts per ecosystem after whiteouts, sizes) as JSON.
"""
import argparse
import hashlib
import io
import json
import os
import random
import sys
import tarfile
from concurrent.futures import ProcessPoolExecutor

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "slow"))
import ocipack  # noqa: E402

MTIME = 1704067200
GEN_VERSION = 1
WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee "
         "zulu array buffer cache parse stream token event state queue async path util "
         "core color debug glob minimatch semver yaml json request fetch promise lodash "
         "string object merge clone deep shallow flat map reduce filter sort bind call "
         "apply proxy signal timer worker socket http crypto hash store tree graph node").split()
JS_TOKENS = ("function", "return", "const", "let", "var", "if", "else", "for", "while",
             "new", "this", "typeof", "null", "undefined", "true", "false", "=>", "===",
             "!==", "&&", "||", "+", "-", "*", "/", "=", ";", ",", ".", "(", ")", "{", "}",
             "[", "]", "require", "module.exports", "exports", "Object.keys", "Array.isArray",
             "JSON.stringify", "Promise.resolve", "throw new Error")


def make_pool(rng, size):
    """Pseudo-JavaScript text (compresses about like real minified-ish code)."""
    out = []
    n = 0
    while n < size:
        k = rng.randrange(4, 18)
        parts = []
        for _ in range(k):
            r = rng.random()
            if r < 0.45:
                w = rng.choice(WORDS)
                if rng.random() < 0.3:
                    w += rng.choice(WORDS).capitalize()
                parts.append(w)
            elif r < 0.9:
                parts.append(rng.choice(JS_TOKENS))
            elif r < 0.97:
                parts.append(str(rng.randrange(0, 100000)))
            else:
                parts.append("'%s-%x'" % (rng.choice(WORDS), rng.getrandbits(32)))
        line = "  " * rng.randrange(0, 4) + " ".join(parts) + "\n"
        out.append(line)
        n += len(line)
    return "".join(out).encode()


class Emitter:
    """Adds regular files, directories and whiteouts to a tar stream."""

    def __init__(self, tar):
        self.tar = tar
        self.dirs = set()
        self.files = 0
        self.bytes = 0

    def _mkdirs(self, path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.dirs:
                self.dirs.add(d)
                ti = tarfile.TarInfo(d)
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                ti.mtime = MTIME
                self.tar.addfile(ti)

    def file(self, path, data, mode=0o644):
        self._mkdirs(path)
        ti = tarfile.TarInfo(path)
        ti.size = len(data)
        ti.mode = mode
        ti.mtime = MTIME
        self.tar.addfile(ti, io.BytesIO(data))
        self.files += 1
        self.bytes += len(data)

    def whiteout(self, path):
        d, _, base = path.rpartition("/")
        self.file((d + "/" if d else "") + ".wh." + base, b"")

    def opaque(self, dirpath):
        self.file(dirpath + "/.wh..wh..opq", b"")


class TeeSink:
    """One uncompressed tar stream into several LayerWriters (gzip and zstd)."""

    def __init__(self, sinks):
        self.sinks = sinks

    def write(self, b):
        for s in self.sinks:
            s.write(b)
        return len(b)


# ---------------------------------------------------------------------------------------
# The plan: every name, version and size, decided up front from one PRNG.

def npm_version(rng):
    v = "%d.%d.%d" % (rng.randrange(0, 20), rng.randrange(0, 40), rng.randrange(0, 30))
    if rng.random() < 0.05:
        v += "-beta.%d" % rng.randrange(1, 9)
    return v


def deb_version(rng):
    v = "%d.%d.%d-%d" % (rng.randrange(0, 9), rng.randrange(0, 30), rng.randrange(0, 20),
                         rng.randrange(1, 6))
    if rng.random() < 0.15:
        v = "%d:%s" % (rng.randrange(1, 3), v)
    if rng.random() < 0.2:
        v += "+deb12u%d" % rng.randrange(1, 9)
    if rng.random() < 0.1:
        v += "+b%d" % rng.randrange(1, 4)
    return v


def make_plan(seed, scale):
    rng = random.Random("plan-%d" % seed)
    sc = lambda n: max(1, int(n * scale))  # noqa: E731
    plan = {"seed": seed, "scale": scale}

    debs = []
    for i in range(sc(430)):
        name = "%s%s-%d" % (rng.choice(["lib", "", "python3-", "golang-"]), rng.choice(WORDS), i)
        arch = "all" if rng.random() < 0.25 else "amd64"
        debs.append({
            "name": name, "version": deb_version(rng), "arch": arch,
            "multiarch": name.startswith("lib") and arch == "amd64",
            "source": rng.choice(WORDS) + "-src" if rng.random() < 0.3 else None,
            "installed": i >= sc(10),   # the first ten are "rc" (config-files)
            "nfiles": rng.randrange(2, 7),
        })
    plan["debs"] = debs
    base_installed = [d for d in debs if d["installed"]]
    plan["deb_removed"] = [d["name"] for d in base_installed[:sc(5)]]
    new = []
    for i in range(sc(20)):
        new.append({"name": "upd-%s-%d" % (rng.choice(WORDS), i), "version": deb_version(rng),
                    "arch": "amd64", "multiarch": False, "source": None, "installed": True,
                    "nfiles": 2})
    plan["deb_added"] = new

    py = []
    for i in range(sc(600)):
        w = rng.choice(WORDS)
        name = "%s%s_%d" % (w.capitalize() if rng.random() < 0.3 else w,
                            rng.choice(["-", "_", ".", ""]) + rng.choice(WORDS), i)
        py.append({"name": name, "version": npm_version(rng).replace("-beta.", "b"),
                   "module": "m_%s_%d" % (w, i), "nfiles": rng.randrange(5, 12),
                   "so": rng.random() < 0.33})
    plan["python"] = py
    plan["py_removed"] = [p["name"] for p in rng.sample(py, min(len(py), sc(10)))]

    # npm: directory paths below app/node_modules, split over two layers.
    n_npm = sc(20000)
    nscopes = max(1, sc(40))
    pkgs = []
    i = 0
    while len(pkgs) < n_npm:
        if rng.random() < 0.10:
            scope = "@synth-s%d" % rng.randrange(nscopes)
            name = "%s/%s-%s-%d" % (scope, rng.choice(WORDS), rng.choice(WORDS), i)
        else:
            name = "%s-%s-%d" % (rng.choice(WORDS), rng.choice(WORDS), i)
        i += 1
        top = {"name": name, "version": npm_version(rng), "path": "app/node_modules/" + name,
               "njs": rng.randrange(1, 4)}
        pkgs.append(top)
        if rng.random() < 0.10 and len(pkgs) < n_npm and len(pkgs) > 10:
            dep = rng.choice(pkgs[:-1])
            if "/node_modules/" not in dep["path"][len("app/node_modules/"):]:
                pkgs.append({"name": dep["name"], "version": npm_version(rng),
                             "path": top["path"] + "/node_modules/" + dep["name"],
                             "njs": 1})
    half = len(pkgs) // 2
    # A nested package always goes to the same layer as its parent.
    while half < len(pkgs) and pkgs[half]["path"].count("/node_modules/") > 1:
        half += 1
    plan["npm_a"] = pkgs[:half]
    plan["npm_b"] = pkgs[half:]
    unscoped_a = [p for p in plan["npm_a"] if "@" not in p["path"] and
                  p["path"].count("/node_modules/") == 1]
    plan["npm_removed"] = [p["path"] for p in rng.sample(unscoped_a, min(len(unscoped_a), sc(100)))]
    plan["npm_opaque_scope"] = "app/node_modules/@synth-s0"
    plan["npm_refill"] = [{"name": "@synth-s0/refill-%d" % k, "version": "9.%d.0" % k,
                           "path": "app/node_modules/@synth-s0/refill-%d" % k, "njs": 1}
                          for k in range(2)]
    plan["blob_base"] = sc(150 << 20)
    plan["blob_assets"] = sc(150 << 20)
    return plan


def expected_counts(plan):
    removed = set(plan["deb_removed"])
    deb = [d for d in plan["debs"] if d["installed"] and d["name"] not in removed]
    deb += plan["deb_added"]
    npm = {p["path"]: p for p in plan["npm_a"] + plan["npm_b"]}
    for path in plan["npm_removed"]:
        for k in [k for k in npm if k == path or k.startswith(path + "/")]:
            del npm[k]
    scope = plan["npm_opaque_scope"]
    for k in [k for k in npm if k.startswith(scope + "/")]:
        del npm[k]
    for p in plan["npm_refill"]:
        npm[p["path"]] = p
    pyrm = set(plan["py_removed"])
    return {"deb": len(deb), "npm": len(npm),
            "pypi": len([p for p in plan["python"] if p["name"] not in pyrm])}


# ---------------------------------------------------------------------------------------
# Layer contents

def dpkg_stanza(d, status):
    lines = ["Package: " + d["name"], "Status: " + status, "Priority: optional",
             "Section: libs" if d["name"].startswith("lib") else "Section: utils",
             "Installed-Size: %d" % (d["nfiles"] * 512),
             "Maintainer: Synthetic Maintainers <synth@example.org>",
             "Architecture: " + d["arch"]]
    if d["multiarch"]:
        lines.append("Multi-Arch: same")
    if d["source"]:
        lines.append("Source: %s (%s)" % (d["source"], d["version"].split("+")[0]))
    lines.append("Version: " + d["version"])
    lines.append("Depends: libc6 (>= 2.36), zlib1g (>= 1:1.2.0)")
    lines.append("Description: synthetic package %s" % d["name"])
    lines.append(" A generated package used by bulkhead's benchmark.")
    lines.append(" .")
    lines.append(" It owns a few files of incompressible data.")
    return "\n".join(lines) + "\n"


def dpkg_status(debs, removed=()):
    out = []
    for d in debs:
        if d["installed"] and d["name"] not in removed:
            out.append(dpkg_stanza(d, "install ok installed"))
        else:
            out.append(dpkg_stanza(d, "deinstall ok config-files"))
    return "\n".join(out).encode()


def deb_files(em, rng, d, budget_per_file):
    libdir = "usr/lib/x86_64-linux-gnu/" + d["name"]
    listing = ["/.", "/usr", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/" + libdir]
    md5 = []
    for k in range(d["nfiles"]):
        path = "%s/part%d.so.%d" % (libdir, k, k + 1)
        data = rng.randbytes(max(1, int(budget_per_file * rng.uniform(0.3, 1.7))))
        em.file(path, data, 0o644)
        listing.append("/" + path)
        md5.append("%s  %s" % (hashlib.md5(data).hexdigest(), path))
    info = "var/lib/dpkg/info/%s%s" % (d["name"], ":amd64" if d["multiarch"] else "")
    em.file(info + ".list", ("\n".join(listing) + "\n").encode())
    em.file(info + ".md5sums", ("\n".join(md5) + "\n").encode())


def text(rng, pool, header, lo, hi):
    n = rng.randrange(lo, hi)
    off = rng.randrange(0, len(pool) - n)
    return header.encode() + pool[off:off + n]


def npm_package(em, rng, pool, p):
    name, ver = p["name"], p["version"]
    deps = {rng.choice(WORDS) + "-" + rng.choice(WORDS): "^" + npm_version(rng)
            for _ in range(rng.randrange(0, 5))}
    pj = {"name": name, "version": ver,
          "description": "synthetic %s %s" % (rng.choice(WORDS), rng.choice(WORDS)),
          "main": "index.js", "license": rng.choice(["MIT", "ISC", "Apache-2.0", "BSD-3-Clause"]),
          "author": "Synth Author <a@example.org>",
          "repository": {"type": "git", "url": "git+https://example.org/%s.git" % name},
          "keywords": rng.sample(WORDS, 3), "dependencies": deps,
          "engines": {"node": ">=14"}}
    em.file(p["path"] + "/package.json", (json.dumps(pj, indent=2) + "\n").encode())
    em.file(p["path"] + "/README.md", text(rng, pool, "# %s\n\n" % name, 300, 1500))
    em.file(p["path"] + "/index.js",
            text(rng, pool, "/* %s@%s index.js */\n'use strict';\n" % (name, ver), 1500, 4500))
    for k in range(p["njs"]):
        em.file("%s/lib/%s%d.js" % (p["path"], rng.choice(WORDS), k),
                text(rng, pool, "/* %s@%s */\n" % (name, ver), 1000, 4000))


def python_dist(em, rng, pool, p):
    site = "usr/lib/python3/dist-packages"
    norm = p["name"].replace("-", "_").replace(".", "_")
    di = "%s/%s-%s.dist-info" % (site, norm, p["version"])
    record = []
    for k in range(p["nfiles"]):
        path = "%s/%s/%s.py" % (site, p["module"], "__init__" if k == 0 else "mod%d" % k)
        data = text(rng, pool, "# %s %s\n" % (p["name"], p["version"]), 800, 6000)
        em.file(path, data)
        record.append(path[len(site) + 1:], )
    if p["so"]:
        path = "%s/%s/_speedups.cpython-311-x86_64-linux-gnu.so" % (site, p["module"])
        em.file(path, rng.randbytes(rng.randrange(20000, 120000)), 0o755)
        record.append(path[len(site) + 1:])
    meta = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: synthetic %s\n"
            "Home-page: https://example.org/%s\nAuthor: Synth\nLicense: MIT\n"
            "Requires-Python: >=3.8\nRequires-Dist: requests (>=2.0)\n\nLong description.\n"
            % (p["name"], p["version"], rng.choice(WORDS), norm)).encode()
    files = {"METADATA": meta, "WHEEL": b"Wheel-Version: 1.0\nGenerator: synth\n"
             b"Root-Is-Purelib: true\nTag: py3-none-any\n",
             "INSTALLER": b"pip\n", "top_level.txt": (p["module"] + "\n").encode()}
    for fn, data in files.items():
        em.file(di + "/" + fn, data)
    rec = "\n".join("%s,," % r for r in record + [di[len(site) + 1:] + "/" + f for f in files])
    em.file(di + "/RECORD", (rec + "\n" + di[len(site) + 1:] + "/RECORD,,\n").encode())


def build_layer(args):
    idx, plan, outs = args
    rng = random.Random("layer-%d-%d" % (plan["seed"], idx))
    pool = make_pool(random.Random("pool-%d" % plan["seed"]), 4 << 20)
    writers = [ocipack.OciWriter(d).layer(c) for d, c in outs]
    with tarfile.open(fileobj=TeeSink(writers), mode="w|", format=tarfile.PAX_FORMAT) as tar:
        em = Emitter(tar)
        if idx == 0:
            em.file("etc/os-release", b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
                    b'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\n'
                    b'VERSION_CODENAME=bookworm\nID=debian\n')
            em.file("var/lib/dpkg/status", dpkg_status(plan["debs"]))
            inst = [d for d in plan["debs"] if d["installed"]]
            per_file = plan["blob_base"] / max(1, sum(d["nfiles"] for d in inst))
            for d in inst:
                deb_files(em, rng, d, per_file)
        elif idx == 1:
            for p in plan["python"]:
                python_dist(em, rng, pool, p)
        elif idx in (2, 3):
            for p in plan["npm_a" if idx == 2 else "npm_b"]:
                npm_package(em, rng, pool, p)
        else:
            removed = set(plan["deb_removed"])
            em.file("var/lib/dpkg/status",
                    dpkg_status(plan["debs"] + plan["deb_added"], removed))
            for d in plan["deb_added"]:
                deb_files(em, rng, d, 200000)
            for name in plan["deb_removed"]:
                em.whiteout("usr/lib/x86_64-linux-gnu/" + name)
            for path in plan["npm_removed"]:
                em.whiteout(path)
            em.opaque(plan["npm_opaque_scope"])
            for p in plan["npm_refill"]:
                npm_package(em, rng, pool, p)
            site = "usr/lib/python3/dist-packages"
            pyrm = set(plan["py_removed"])
            for p in plan["python"]:
                if p["name"] in pyrm:
                    norm = p["name"].replace("-", "_").replace(".", "_")
                    em.whiteout("%s/%s-%s.dist-info" % (site, norm, p["version"]))
                    em.whiteout("%s/%s" % (site, p["module"]))
            left = plan["blob_assets"]
            k = 0
            while left > 0:
                n = min(left, rng.randrange(256 << 10, 2 << 20))
                em.file("app/assets/blob%04d.bin" % k, rng.randbytes(n))
                left -= n
                k += 1
            em.file("app/package.json", b'{"name": "synthetic-app", "private": true}\n')
        files = em.files
    return idx, files, [w.finish() for w in writers]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gzip-out", required=True, help="OCI layout directory (gzip layers)")
    ap.add_argument("--zstd-out", help="second OCI layout directory (zstd layers)")
    ap.add_argument("--meta", help="write counts and sizes as JSON here")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    a = ap.parse_args()

    plan = make_plan(a.seed, a.scale)
    outs = [(a.gzip_out, "gzip")] + ([(a.zstd_out, "zstd")] if a.zstd_out else [])
    for d, _ in outs:
        os.makedirs(d, exist_ok=True)
    # Biggest layers first so that two workers stay busy.
    order = [0, 4, 2, 3, 1]
    results = {}
    with ProcessPoolExecutor(max_workers=max(1, min(a.jobs, 5))) as ex:
        for idx, files, res in ex.map(build_layer, [(i, plan, outs) for i in order]):
            results[idx] = (files, res)
    for k, (d, _) in enumerate(outs):
        ocipack.OciWriter(d).finish([results[i][1][k] for i in range(5)],
                                    comment="gen-synthetic seed %d" % a.seed)
    meta = {
        "generator_version": GEN_VERSION, "seed": a.seed, "scale": a.scale,
        "layers": 5,
        "files": sum(results[i][0] for i in range(5)),
        "uncompressed_bytes": sum(results[i][1][0]["uncompressed_size"] for i in range(5)),
        "compressed_bytes": {c: sum(results[i][1][k]["descriptor"]["size"] for i in range(5))
                             for k, (_, c) in enumerate(outs)},
        "expected_packages": expected_counts(plan),
    }
    if a.meta:
        with open(a.meta, "w") as f:
            json.dump(meta, f, indent=2, sort_keys=True)
            f.write("\n")
    print(json.dumps(meta, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
