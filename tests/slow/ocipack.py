#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ocipack.py - write deterministic OCI image layouts for the slow suite and benchmarks.

As a program: pack directories (one per layer) into an OCI layout:
    ocipack.py OUTDIR [--compress gzip|zstd|none] --layer DIR [--layer DIR]...
Entries are added in sorted order with integer mtimes and numeric owners only (no user
names), so the same tree always gives the same digests. Hard links, symlinks, device
nodes and FIFOs are kept; sockets are skipped. Run as root to read every file.

As a module (bench/gen-synthetic.py): OciWriter(outdir).layer(compress) returns a
LayerWriter, a file-like sink for tarfile.open(fileobj=..., mode="w|") that compresses
through gzip/zstd in a child process while hashing the uncompressed stream (diff_id).
"""
import argparse
import hashlib
import json
import os
import stat
import subprocess
import sys
import tarfile

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}
COMPRESSOR = {
    "gzip": ["gzip", "-n", "-6", "-c"],
    "zstd": ["zstd", "-q", "-3", "-c"],
}
CREATED = "2024-01-01T00:00:00Z"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


class LayerWriter:
    """Write-only sink: uncompressed tar bytes in, compressed blob on disk."""

    def __init__(self, blobdir, compress):
        self.blobdir = blobdir
        self.compress = compress
        self.tmp = os.path.join(blobdir, ".layer-%d-%d.tmp" % (os.getpid(), id(self)))
        self.out = open(self.tmp, "wb")
        self.proc = None
        if compress != "none":
            self.proc = subprocess.Popen(COMPRESSOR[compress], stdin=subprocess.PIPE,
                                         stdout=self.out)
            self.sink = self.proc.stdin
        else:
            self.sink = self.out
        self.diff = hashlib.sha256()
        self.usize = 0

    def write(self, b):
        self.diff.update(b)
        self.usize += len(b)
        self.sink.write(b)
        return len(b)

    def finish(self):
        """Close the stream; returns the layer descriptor plus its diff_id and size."""
        if self.proc is not None:
            self.proc.stdin.close()
            if self.proc.wait() != 0:
                raise RuntimeError("%s failed" % COMPRESSOR[self.compress][0])
        self.out.close()
        digest = sha256_file(self.tmp)
        size = os.path.getsize(self.tmp)
        os.replace(self.tmp, os.path.join(self.blobdir, digest))
        return {
            "descriptor": {"mediaType": MT_LAYER[self.compress],
                           "digest": "sha256:" + digest, "size": size},
            "diff_id": "sha256:" + self.diff.hexdigest(),
            "uncompressed_size": self.usize,
        }


class OciWriter:
    def __init__(self, outdir):
        self.outdir = outdir
        self.blobdir = os.path.join(outdir, "blobs", "sha256")
        os.makedirs(self.blobdir, exist_ok=True)

    def layer(self, compress):
        return LayerWriter(self.blobdir, compress)

    def _blob(self, data):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.blobdir, digest), "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + digest, "size": len(data)}

    def finish(self, layers, ref="latest", comment="ocipack"):
        """layers: list of LayerWriter.finish() results, bottom first."""
        config = {
            "created": CREATED,
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                       "Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in layers]},
            "history": [{"created": CREATED, "created_by": "%s layer %d" % (comment, i)}
                        for i in range(len(layers))],
        }
        cdesc = self._blob(json.dumps(config, indent=2, sort_keys=True).encode())
        manifest = {
            "schemaVersion": 2,
            "mediaType": MT_MANIFEST,
            "config": dict(mediaType=MT_CONFIG, **cdesc),
            "layers": [l["descriptor"] for l in layers],
        }
        mdesc = self._blob(json.dumps(manifest, indent=2, sort_keys=True).encode())
        index = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [dict(mediaType=MT_MANIFEST,
                               annotations={"org.opencontainers.image.ref.name": ref},
                               **mdesc)],
        }
        with open(os.path.join(self.outdir, "index.json"), "w") as f:
            json.dump(index, f, indent=2, sort_keys=True)
        with open(os.path.join(self.outdir, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)


def _walk(root):
    """Yield relative paths below root in sorted order, directories before their content."""
    stack = [""]
    while stack:
        rel = stack.pop()
        with os.scandir(os.path.join(root, rel) if rel else root) as it:
            names = sorted(e.name for e in it)
        subdirs = []
        for n in names:
            p = rel + "/" + n if rel else n
            yield p
            if stat.S_ISDIR(os.lstat(os.path.join(root, p)).st_mode):
                subdirs.append(p)
        stack.extend(reversed(subdirs))


def pack_dir(tar, root):
    for rel in _walk(root):
        full = os.path.join(root, rel)
        ti = tar.gettarinfo(full, arcname=rel)
        if ti is None:  # socket
            continue
        ti.mtime = int(ti.mtime)
        ti.uname = ""
        ti.gname = ""
        if ti.isreg():
            with open(full, "rb") as f:
                tar.addfile(ti, f)
        else:
            tar.addfile(ti)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--layer", action="append", required=True, help="directory, one per layer")
    ap.add_argument("--compress", choices=sorted(MT_LAYER), default="gzip")
    ap.add_argument("--ref", default="latest")
    a = ap.parse_args()
    w = OciWriter(a.outdir)
    results = []
    for d in a.layer:
        lw = w.layer(a.compress)
        with tarfile.open(fileobj=lw, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            pack_dir(tar, d)
        results.append(lw.finish())
    w.finish(results, ref=a.ref)
    return 0


if __name__ == "__main__":
    sys.exit(main())
