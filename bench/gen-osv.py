#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen-osv.py - a deterministic synthetic OSV advisory set, and a matching test image, for
bench/vuln.sh.

    gen-osv.py --out DIR [--count N] [--seed S] [--rootfs ROOTFS]

Writes, below DIR:
  osv/<Ecosystem>/all.zip   N OSV records (schema 1.6) in the per-ecosystem archives that
                            OSV publishes, one <ID>.json per entry. Ecosystems in about the
                            proportions of the real export: Debian 32 %, npm 18 %, PyPI 12 %,
                            Alpine 12 %, Maven 9 %, Go 9 %, crates.io 4 %, RubyGems 4 %.
                            Debian records (DEBIAN-CVE / DSA / DLA) name source packages at
                            dpkg versions for Debian:11/12/13 with ecosystem_specific.urgency;
                            Alpine ALPINE-CVE for v3.18-v3.20; PyPI PYSEC/GHSA with ECOSYSTEM
                            ranges plus the explicit `versions` list; npm and crates.io SEMVER;
                            Go SEMVER without the 'v'; Maven and RubyGems ECOSYSTEM ranges.
                            CVE/GHSA aliases, CVSS_V3 vectors, summaries and details of
                            realistic length, references.
  image-1000/               a `dir:` rootfs of exactly 1,000 packages whose names all occur in
                            the advisories: /etc/os-release (Debian 12), a dpkg status of 400
                            installed packages, 300 Python .dist-info distributions and 300
                            npm packages (some scoped) in /app/node_modules
  meta.json                 counts (records per ecosystem, image packages, records naming the
                            rootfs' source packages)

With --rootfs (the debootstrap bookworm tree), 4 % of the Debian records name the source
packages of its var/lib/dpkg/status (popular ones more often), with fixed versions below,
above or missing relative to the installed source version, so that scanning that image
does real matching work. Everything comes from seeded PRNGs: the same seed, count and
rootfs always give byte-identical archives.
"""
import argparse
import json
import os
import random
import shutil
import sys
import zipfile

GEN_VERSION = 1
ZIP_TIME = (2024, 1, 1, 0, 0, 0)

ECOSYSTEMS = [  # (name, share, distinct package names at --count 200000)
    ("Debian", 0.32, 4000),
    ("npm", 0.18, 14000),
    ("PyPI", 0.12, 5000),
    ("Alpine", 0.12, 2500),
    ("Maven", 0.09, 4500),
    ("Go", 0.09, 3000),
    ("crates.io", 0.04, 1400),
    ("RubyGems", 0.04, 1200),
]
SYLL = ("ab ac ad al am an ap ar as at ba be bi bo ca ce ci co cu da de di do du el em en "
        "er es ex fa fe fi fo ga ge gi go ha he hi ho il im in io ir is ka ke ki ko la le li "
        "lo lu ma me mi mo mu na ne ni no nu ob od ol om on op or os pa pe pi po pu qu ra re "
        "ri ro ru sa se si so su ta te ti to tu ul um un ur us va ve vi vo xa xe yo za ze "
        "zo").split()
TECH = ("parse http json xml yaml auth crypt cache queue stream image font zip tar sql ssh "
        "tls dns url mail log test util core net io fs sync async proto rpc grpc web socket "
        "template markdown regex date time uuid config cli term color event buffer path").split()
WORDS = ("an attacker could remote local user crafted input may allow cause denial of service "
         "memory corruption out-of-bounds read write heap buffer overflow use-after-free "
         "integer null pointer dereference information disclosure privilege escalation "
         "arbitrary code execution via the function when processing specially malformed "
         "request header file archive certificate signature validation bypass path traversal "
         "cross-site scripting injection command in versions before prior to this issue "
         "affects component library parser handler module leads to unexpected behavior "
         "which can be exploited by sending large number of packets due to improper check "
         "length boundary missing sanitization race condition infinite loop resource "
         "exhaustion allocation").split()
CWES = ["CWE-79", "CWE-787", "CWE-20", "CWE-125", "CWE-416", "CWE-22", "CWE-190", "CWE-400",
        "CWE-476", "CWE-770", "CWE-835", "CWE-94", "CWE-502", "CWE-918", "CWE-1321"]
URGENCY = ["not yet assigned"] * 6 + ["unimportant"] * 3 + ["low"] * 3 + ["low*", "medium",
                                                                           "medium", "high",
                                                                           "end-of-life"]
GHSA_ALPHA = "23456789cfghjmpqrvwx"


# ---------------------------------------------------------------------------------------
# names and versions

def word(rng, lo=2, hi=4):
    return "".join(rng.choice(SYLL) for _ in range(rng.randrange(lo, hi)))


def pkg_names(rng, eco, n):
    out, seen = [], set()
    while len(out) < n:
        w, t = word(rng), rng.choice(TECH)
        if eco == "Debian":
            name = rng.choice(["%s", "lib%s", "%s-%s", "python-%s", "golang-%s", "node-%s",
                               "ruby-%s", "lib%s-perl", "%s%d"])
            name = name.replace("%d", str(rng.randrange(2, 9)))
            name = name % ((w, t) if name.count("%s") == 2 else (w,))
        elif eco == "Alpine":
            name = rng.choice(["%s", "py3-%s", "%s-%s", "lib%s", "perl-%s"])
            name = name % ((w, t) if name.count("%s") == 2 else (w,))
        elif eco == "npm":
            name = rng.choice(["%s", "%s-%s", "%s.js", "@%s/%s", "@%s/%s-%s"])
            k = name.count("%s")
            name = name % ((w,) if k == 1 else (w, t) if k == 2 else (word(rng), w, t))
        elif eco == "PyPI":
            name = rng.choice(["%s", "%s-%s", "py%s", "%s_%s", "Django-%s", "%s.%s", "Flask-%s"])
            k = name.count("%s")
            name = name % ((w,) if k == 1 else (w, t))
        elif eco == "Maven":
            org = rng.choice(["org", "com", "io", "net"])
            name = "%s.%s.%s:%s-%s" % (org, word(rng), word(rng, 1, 3), w, t)
        elif eco == "Go":
            host = rng.choice(["github.com", "github.com", "github.com", "gitlab.com",
                               "golang.org/x", "k8s.io", "go.etcd.io"])
            if host in ("golang.org/x", "k8s.io", "go.etcd.io"):
                name = "%s/%s" % (host, w)
            else:
                name = "%s/%s/%s" % (host, word(rng), w)
            if rng.random() < 0.2:
                name += "/" + rng.choice(["v2", "v3", "pkg/" + t, "internal/" + t])
        elif eco == "crates.io":
            name = rng.choice(["%s", "%s-%s", "%s_%s", "%s-rs"])
            name = name % ((w, t) if name.count("%s") == 2 else (w,))
        else:  # RubyGems
            name = rng.choice(["%s", "%s-%s", "%s_%s", "rails-%s"])
            name = name % ((w, t) if name.count("%s") == 2 else (w,))
        key = name.lower().replace("_", "-").replace(".", "-")
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


def vtuple(rng):
    return (rng.choice([0, 0, 1, 1, 1, 2, 2, 3, 4, 5, 6, 9, 12, 20]), rng.randrange(0, 30),
            rng.randrange(0, 25))


def fmt_version(eco, t, rng):
    """Version string of tuple t in eco's syntax; the order of tuples is kept."""
    a, b, c = t
    if eco == "Debian":
        return "%d.%d.%d-%d" % (a, b, c, 1 + (a + b + c) % 4)
    if eco == "Alpine":
        return "%d.%d.%d-r%d" % (a, b, c, (a * 7 + c) % 5)
    if eco == "Maven":
        return "%d.%d.%d" % t if (a + b) % 5 else "%d.%d.%d.Final" % t
    return "%d.%d.%d" % t


def sorted_tuples(rng, k):
    s = set()
    while len(s) < k:
        s.add(vtuple(rng))
    return sorted(s)


# ---------------------------------------------------------------------------------------
# record parts

def ghsa_unique(rng, seen):
    while True:
        g = ghsa(rng)
        if g not in seen:
            seen.add(g)
            return g


def ghsa(rng):
    return "GHSA-" + "-".join("".join(rng.choice(GHSA_ALPHA) for _ in range(4)) for _ in range(3))


def cvss3(rng):
    m = [("AV", "NNNNALP"), ("AC", "LLLH"), ("PR", "NNLH"), ("UI", "NNR"), ("S", "UUUC"),
         ("C", "HHLN"), ("I", "HLNN"), ("A", "HHLN")]
    return "CVSS:3.1/" + "/".join("%s:%s" % (k, rng.choice(v)) for k, v in m)


def sentence(rng, lo, hi):
    w = [rng.choice(WORDS) for _ in range(rng.randrange(lo, hi))]
    return " ".join(w).capitalize() + "."


def details(rng, lo_chars, hi_chars):
    want, out = rng.randrange(lo_chars, hi_chars), []
    n = 0
    while n < want:
        s = sentence(rng, 8, 25)
        out.append(s)
        n += len(s) + 1
    return " ".join(out)


def dates(rng, year):
    pub = "%d-%02d-%02dT%02d:%02d:%02dZ" % (year, rng.randrange(1, 13), rng.randrange(1, 29),
                                             rng.randrange(24), rng.randrange(60),
                                             rng.randrange(60))
    mod = "%d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (min(2024, year + rng.randrange(0, 3)),
                                                 rng.randrange(1, 13), rng.randrange(1, 29),
                                                 rng.randrange(24), rng.randrange(60),
                                                 rng.randrange(60), rng.randrange(1000000))
    return pub, mod


def events_for(eco, rng, intro_zero_p=0.5, unfixed_p=0.05, last_affected_p=0.03):
    """One or two [introduced, fixed) intervals; returns (events, versions in them)."""
    k = 2 if rng.random() < 0.15 else 1
    ts = sorted_tuples(rng, 2 * k)
    ev = []
    for i in range(k):
        lo, hi = ts[2 * i], ts[2 * i + 1]
        ev.append({"introduced": "0" if i == 0 and rng.random() < intro_zero_p
                   else fmt_version(eco, lo, rng)})
        if i == k - 1 and rng.random() < unfixed_p:
            break
        if rng.random() < last_affected_p:
            ev.append({"last_affected": fmt_version(eco, hi, rng)})
        else:
            ev.append({"fixed": fmt_version(eco, hi, rng)})
    return ev, ts


def listed_versions(eco, rng, ts, n_max):
    """Explicit versions inside the first interval, like PYSEC and Debian records list them."""
    lo, hi = ts[0], ts[1]
    vs = set()
    for _ in range(rng.randrange(1, n_max + 1)):
        a = rng.randrange(lo[0], hi[0] + 1)
        t = (a, rng.randrange(0, 30), rng.randrange(0, 25))
        if lo <= t < hi:
            vs.add(t)
    return [fmt_version(eco, t, rng) for t in sorted(vs)]


def purl(eco, name):
    if eco == "Debian":
        return "pkg:deb/debian/%s?arch=source" % name
    if eco == "Alpine":
        return "pkg:apk/alpine/%s" % name
    if eco == "npm":
        return "pkg:npm/%s" % name.replace("@", "%40")
    if eco == "PyPI":
        return "pkg:pypi/%s" % name.lower().replace("_", "-").replace(".", "-")
    if eco == "Maven":
        g, a = name.split(":")
        return "pkg:maven/%s/%s" % (g, a)
    if eco == "Go":
        return "pkg:golang/%s" % name
    if eco == "crates.io":
        return "pkg:cargo/%s" % name
    return "pkg:gem/%s" % name


def refs(rng, ids, name, eco):
    out = [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/" + i}
           for i in ids if i.startswith("CVE-")]
    if eco in ("Debian",):
        out.append({"type": "WEB", "url": "https://security-tracker.debian.org/tracker/" + ids[0]})
    else:
        out.append({"type": "PACKAGE", "url": "https://example.org/%s" % name})
        for _ in range(rng.randrange(0, 4)):
            out.append({"type": rng.choice(["FIX", "WEB", "REPORT"]),
                        "url": "https://github.com/%s/%s/commit/%040x"
                        % (word(rng), word(rng), rng.getrandbits(160))})
    return out


# ---------------------------------------------------------------------------------------
# records per ecosystem

class Gen:
    def __init__(self, seed, count, rootfs_srcs):
        self.rng = random.Random("osv-%d" % seed)
        self.count = count
        self.rootfs_srcs = rootfs_srcs  # [(source name, source version, weight)]
        scale = max(count / 200000.0, 0.005)
        self.names = {}
        self.weights = {}
        for eco, _, npk in ECOSYSTEMS:
            r = random.Random("names-%s-%d" % (eco, seed))
            # at small counts, still enough names for the image (400 deb, 300 PyPI, 300 npm)
            n = max({"Debian": 800, "PyPI": 600, "npm": 600}.get(eco, 20), int(npk * scale))
            self.names[eco] = pkg_names(r, eco, n)
            # Zipf-like popularity: a few packages have hundreds of advisories.
            self.weights[eco] = [1.0 / (i + 1) ** 0.9 for i in range(n)]
        # name -> versions known to be inside one of its advisories' ranges
        self.used = {eco: {} for eco, _, _ in ECOSYSTEMS}
        self.seq = {}
        self.ghsas = set()
        self.rootfs_records = 0

    def cve(self, rng, year):
        """Unique CVE ids, numbered upwards within a year with random gaps."""
        k = ("CVE", year)
        self.seq[k] = self.seq.get(k, 1000) + rng.randrange(1, 6)
        return "CVE-%d-%d" % (year, self.seq[k])

    def counter(self, prefix, start):
        self.seq[prefix] = self.seq.get(prefix, start) + 1
        return self.seq[prefix]

    def next_id(self, prefix, year, width=4):
        k = (prefix, year)
        self.seq[k] = self.seq.get(k, 0) + 1
        return "%s-%d-%0*d" % (prefix, year, width, self.seq[k])

    def pick(self, eco):
        return self.rng.choices(self.names[eco], weights=self.weights[eco])[0]

    def base(self, rng, oid, year, aliases, summary_p, details_lo, details_hi):
        pub, mod = dates(rng, year)
        rec = {"schema_version": "1.6.0", "id": oid, "modified": mod, "published": pub}
        if aliases:
            rec["aliases"] = aliases
        if rng.random() < summary_p:
            rec["summary"] = sentence(rng, 5, 14)[:120]
        rec["details"] = details(rng, details_lo, details_hi)
        return rec

    def debian(self, rng):
        year = rng.randrange(2005, 2025)
        c = self.cve(rng, year)
        kind = rng.random()
        if kind < 0.8:
            oid, aliases = "DEBIAN-" + c, None
        elif kind < 0.9:
            oid, aliases = "DSA-%d-1" % self.counter("DSA", 1000), [c]
        else:
            oid, aliases = "DLA-%d-1" % self.counter("DLA", 100), [c]
        rec = self.base(rng, oid, year, aliases, 0.3 if aliases else 0.0, 150, 700)
        if not aliases:
            rec["upstream"] = [c]
        on_rootfs = self.rootfs_srcs and rng.random() < 0.04
        if on_rootfs:
            name, inst, _ = rng.choices(self.rootfs_srcs,
                                        weights=[w for _, _, w in self.rootfs_srcs])[0]
            self.rootfs_records += 1
        else:
            name, inst = self.pick("Debian"), None
        releases = ["12"] + [r for r in ("11", "13") if rng.random() < 0.6]
        rng.shuffle(releases)
        aff, inside = [], []
        for rel in releases:
            if inst is not None and rel == "12":
                x = rng.random()
                ev = [{"introduced": "0"}]
                if x < 0.80:  # fixed long ago (the usual case): not affected
                    ev.append({"fixed": dpkg_below(inst, rng)})
                elif x < 0.92:  # unfixed in bookworm
                    pass
                else:  # fixed in a point release above the installed one
                    ev.append({"fixed": dpkg_above(inst, rng)})
                vers = []
            else:
                ev, ts = events_for("Debian", rng, intro_zero_p=0.95, unfixed_p=0.12,
                                    last_affected_p=0.0)
                ev = ev[:2]
                vers = listed_versions("Debian", rng, ts, 6) if rng.random() < 0.5 else []
                if rel == "12":
                    inside.append(fmt_version("Debian", ts[0], rng))
            a = {"package": {"ecosystem": "Debian:" + rel, "name": name,
                             "purl": purl("Debian", name)},
                 "ranges": [{"type": "ECOSYSTEM", "events": ev}],
                 "ecosystem_specific": {"urgency": rng.choice(URGENCY)},
                 "database_specific": {"source": "https://storage.googleapis.com/"
                                       "debian-osv/debian-cve-osv/%s.json" % oid}}
            if vers:
                a["versions"] = vers
            aff.append(a)
        rec["affected"] = aff
        if rng.random() < 0.25:
            rec["severity"] = [{"type": "CVSS_V3", "score": cvss3(rng)}]
        rec["references"] = refs(rng, [c], name, "Debian")
        self.used["Debian"].setdefault(name, []).extend(inside)
        return rec

    def alpine(self, rng):
        year = rng.randrange(2010, 2025)
        c = self.cve(rng, year)
        rec = self.base(rng, "ALPINE-" + c, year, None, 0.0, 100, 500)
        rec["upstream"] = [c]
        name = self.pick("Alpine")
        fixed = fmt_version("Alpine", vtuple(rng), rng)
        rec["affected"] = [{"package": {"ecosystem": "Alpine:" + rel, "name": name,
                                        "purl": purl("Alpine", name)},
                            "ranges": [{"type": "ECOSYSTEM",
                                        "events": [{"introduced": "0"}, {"fixed": fixed}]}]}
                           for rel in ("v3.19", "v3.18", "v3.20") if rel == "v3.19"
                           or rng.random() < 0.5]
        rec["references"] = refs(rng, [c], name, "Alpine")
        self.used["Alpine"].setdefault(name, [])
        return rec

    def lang(self, rng, eco):
        year = rng.randrange(2014, 2025)
        c = self.cve(rng, year) if rng.random() < 0.8 else None
        g = ghsa_unique(rng, self.ghsas)
        if eco == "PyPI" and rng.random() < 0.5:
            oid = self.next_id("PYSEC", year, 3)
            aliases = [a for a in (c, g) if a]
        elif eco == "Go":
            oid = self.next_id("GO", year)
            aliases = [a for a in (c, g) if a]
        elif eco == "crates.io":
            oid = self.next_id("RUSTSEC", year)
            aliases = [a for a in (c, g) if a]
        else:
            oid, aliases = g, [c] if c else None
        rec = self.base(rng, oid, year, aliases, 0.95, 200, 1800)
        name = self.pick(eco)
        rtype = "SEMVER" if eco in ("npm", "crates.io", "Go") else "ECOSYSTEM"
        aff, inside = [], []
        for _ in range(2 if rng.random() < 0.05 else 1):
            ev, ts = events_for(eco, rng)
            inside.append(fmt_version(eco, ts[0], rng))
            a = {"package": {"ecosystem": eco, "name": name, "purl": purl(eco, name)},
                 "ranges": [{"type": rtype, "events": ev}]}
            if eco == "PyPI" and oid.startswith("PYSEC"):
                a["versions"] = listed_versions(eco, rng, ts, 40)
            elif eco == "Go":
                a["ecosystem_specific"] = {"imports": [{"path": name, "symbols": [
                    word(rng).capitalize() + rng.choice(TECH).capitalize()
                    for _ in range(rng.randrange(1, 5))]}]}
            elif eco == "crates.io":
                a["ecosystem_specific"] = {"affects": {"arch": [], "os": [], "functions": []}}
            if not oid.startswith(("GO-", "RUSTSEC-")):
                a["database_specific"] = {"source": "https://github.com/github/advisory-"
                                          "database/blob/main/advisories/%s.json" % g}
            aff.append(a)
        rec["affected"] = aff
        rec["severity"] = [{"type": "CVSS_V3", "score": cvss3(rng)}]
        if oid.startswith("GHSA-"):
            rec["database_specific"] = {
                "severity": rng.choice(["LOW", "MODERATE", "MODERATE", "HIGH", "HIGH",
                                        "CRITICAL"]),
                "cwe_ids": rng.sample(CWES, rng.randrange(1, 3)),
                "github_reviewed": True,
                "github_reviewed_at": rec["modified"], "nvd_published_at": rec["published"]}
        rec["references"] = refs(rng, aliases or [oid], name, eco)
        self.used[eco].setdefault(name, []).extend(inside)
        return rec

    def records(self):
        """(ecosystem, record) for every record, in a fixed order."""
        plan = []
        for eco, share, _ in ECOSYSTEMS:
            plan += [eco] * int(round(self.count * share))
        plan = plan[:self.count]
        while len(plan) < self.count:
            plan.append("Debian")
        self.rng.shuffle(plan)
        for eco in plan:
            if eco == "Debian":
                yield eco, self.debian(self.rng)
            elif eco == "Alpine":
                yield eco, self.alpine(self.rng)
            else:
                yield eco, self.lang(self.rng, eco)


def dpkg_split(v):
    epoch, _, rest = v.rpartition(":") if ":" in v else ("", "", v)
    return (epoch + ":" if epoch else ""), rest


def dpkg_below(v, rng):
    """A dpkg version strictly below v: an older upstream with the same epoch."""
    ep, rest = dpkg_split(v)
    return ep + "0~%d.%d-1" % (rng.randrange(0, 9), rng.randrange(0, 9))


def dpkg_above(v, rng):
    """A dpkg version strictly above v: a later stable point release."""
    return v + "+deb12u%d" % rng.randrange(1, 9)


# ---------------------------------------------------------------------------------------
# inputs from the rootfs, and the 1,000-package image

def rootfs_sources(rootfs):
    """[(source name, source version, weight)] from ROOTFS/var/lib/dpkg/status."""
    path = os.path.join(rootfs, "var/lib/dpkg/status")
    srcs = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for para in f.read().split("\n\n"):
            fields = {}
            for line in para.split("\n"):
                if line and not line[0].isspace() and ":" in line:
                    k, _, v = line.partition(":")
                    fields[k] = v.strip()
            if "Package" not in fields or "installed" not in fields.get("Status", ""):
                continue
            name, ver = fields["Package"], fields.get("Version", "")
            src = fields.get("Source")
            if src:
                if "(" in src:
                    name, _, sv = src.partition("(")
                    name, ver = name.strip(), sv.rstrip(")").strip()
                else:
                    name = src
            srcs.setdefault(name, ver)
    rng = random.Random("rootfs-weights")
    return [(n, v, rng.choice([1, 1, 1, 2, 3, 5, 8])) for n, v in sorted(srcs.items())]


def write_image(out, gen, seed):
    rng = random.Random("image-%d" % seed)
    if os.path.exists(out):
        shutil.rmtree(out)

    def put(rel, data):
        p = os.path.join(out, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8") as f:
            f.write(data)

    put("etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
        'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n')

    def inst_version(eco, name):
        """Inside one of the package's advisory ranges 40 % of the time, else a version newer
        than every generated one (as most installed packages are past most fixes)."""
        inside = gen.used[eco].get(name)
        if inside and rng.random() < 0.4:
            return rng.choice(inside)
        return fmt_version(eco, (rng.randrange(21, 25), rng.randrange(0, 30),
                                 rng.randrange(0, 25)), rng)

    def pick_used(eco, n):
        names = sorted(gen.used[eco])
        if eco == "PyPI":  # one distribution per PEP 503 name
            seen, uniq = set(), []
            for x in names:
                k = x.lower().replace("_", "-").replace(".", "-")
                if k not in seen:
                    seen.add(k)
                    uniq.append(x)
            names = uniq
        if len(names) < n:
            sys.exit("gen-osv: only %d %s package names in the advisories (need %d); "
                     "use a larger --count" % (len(names), eco, n))
        return rng.sample(names, n)

    paras = []
    for src in pick_used("Debian", 400):
        binary = src if rng.random() < 0.6 else ("lib%s%d" % (src, rng.randrange(1, 4)))
        ver = inst_version("Debian", src)
        p = ["Package: %s" % binary, "Status: install ok installed", "Priority: optional",
             "Section: libs", "Installed-Size: %d" % rng.randrange(20, 9000),
             "Maintainer: Synthetic Maintainers <synth@example.org>",
             "Architecture: amd64", "Multi-Arch: same" if binary.startswith("lib") else None]
        if binary != src:
            p.append("Source: %s" % src)
        p += ["Version: %s" % ver, "Depends: libc6 (>= 2.34)",
              "Description: synthetic package %s\n the %s package for the vuln benchmark"
              % (binary, src)]
        paras.append("\n".join(x for x in p if x))
    put("var/lib/dpkg/status", "\n\n".join(paras) + "\n")

    site = "usr/lib/python3/dist-packages"
    for name in pick_used("PyPI", 300):
        ver = inst_version("PyPI", name)
        norm = name.replace("-", "_").replace(".", "_")
        di = "%s/%s-%s.dist-info" % (site, norm, ver)
        put(di + "/METADATA", "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: synthetic\n"
            "License: MIT\n\nLong description.\n" % (name, ver))
        put(di + "/RECORD", "%s/METADATA,,\n%s/RECORD,,\n" % (di[len(site) + 1:],
                                                              di[len(site) + 1:]))
        put(di + "/INSTALLER", "pip\n")
    for name in pick_used("npm", 300):
        ver = inst_version("npm", name)
        put("app/node_modules/%s/package.json" % name,
            json.dumps({"name": name, "version": ver, "license": "MIT",
                        "main": "index.js"}, indent=2) + "\n")
    put("app/package.json", '{"name": "vuln-bench-app", "private": true}\n')
    return {"deb": 400, "pypi": 300, "npm": 300}


# ---------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rootfs", help="debootstrap rootfs whose source packages to name")
    a = ap.parse_args()
    if a.count < 10000:
        sys.exit("gen-osv: --count must be at least 10000")
    srcs = rootfs_sources(a.rootfs) if a.rootfs else []
    gen = Gen(a.seed, a.count, srcs)
    osv_dir = os.path.join(a.out, "osv")
    if os.path.exists(osv_dir):
        shutil.rmtree(osv_dir)
    zips, counts = {}, {}
    for eco, _, _ in ECOSYSTEMS:
        d = os.path.join(osv_dir, eco)
        os.makedirs(d)
        zips[eco] = zipfile.ZipFile(os.path.join(d, "all.zip"), "w", zipfile.ZIP_DEFLATED,
                                    compresslevel=6)
        counts[eco] = 0
    ids = set()
    for eco, rec in gen.records():
        oid = rec["id"]
        assert oid not in ids, oid
        ids.add(oid)
        zi = zipfile.ZipInfo(oid + ".json", ZIP_TIME)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zips[eco].writestr(zi, json.dumps(rec, indent=2) + "\n")
        counts[eco] += 1
    for z in zips.values():
        z.close()
    image = write_image(os.path.join(a.out, "image-1000"), gen, a.seed)
    meta = {"generator": GEN_VERSION, "seed": a.seed, "records": sum(counts.values()),
            "per_ecosystem": counts, "rootfs_sources": len(srcs),
            "rootfs_records": gen.rootfs_records, "image_packages": image}
    with open(os.path.join(a.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
