#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkimage.py - build container images for tests, deterministically, from directories.

  mkimage.py oci OUTDIR LAYERS... [--compress gzip|zstd|none] [--tag TAG] [--append]
             [--platform OS/ARCH[/VARIANT]] [--config KEY=VALUE]... [--docker-media-types]
             [--corrupt WHAT]...
  mkimage.py oci-index OUTDIR --image PLATFORM=OCIDIR... [--tag TAG] [--flat]
             [--docker-list] [--attestation] [--nest N]
  mkimage.py docker-archive OUT.tar LAYERS... [--format legacy|oci] [--repo-tag NAME:TAG]...
             [--append] [--config KEY=VALUE]... [--corrupt WHAT]...

LAYERS are --layer DIR (a committed directory; entries sorted, mtime 0, uid/gid 0, modes
normalised to 0755/0644 unless --keep-modes keeps them exactly (setuid, sticky, 0777),
whiteout files ".wh.NAME" copied as they are) and --raw-layer FILE.tar (a pre-made, possibly hostile,
uncompressed tar used byte for byte), in the order given.

--config KEY=VALUE sets User, WorkingDir, StopSignal, Cmd, Entrypoint (JSON array or a
space-separated list), and appends to Env (Env=K=V), Label (Label=K=V), ExposedPort
(ExposedPort=80/tcp), Volume (Volume=/data); History=TEXT sets created_by of the layers.

--corrupt WHAT breaks the result for negative tests:
  diff-id          a wrong rootfs.diff_ids[0] in the config (digests stay consistent)
  blob-digest      the first layer blob's content changed (same size, wrong digest)
  truncate-blob    the first layer blob cut in half (size mismatch)
  config-digest    the config blob changed after its digest was taken
  manifest-digest  the manifest blob changed after its digest was taken
  config-size      the config descriptor's size off by one
Python stdlib only; zstd compression runs the zstd CLI.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile

MT = {
    "oci": {
        "manifest": "application/vnd.oci.image.manifest.v1+json",
        "index": "application/vnd.oci.image.index.v1+json",
        "config": "application/vnd.oci.image.config.v1+json",
        "none": "application/vnd.oci.image.layer.v1.tar",
        "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
        "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    },
    "docker": {
        "manifest": "application/vnd.docker.distribution.manifest.v2+json",
        "index": "application/vnd.docker.distribution.manifest.list.v2+json",
        "config": "application/vnd.docker.container.image.v1+json",
        "none": "application/vnd.docker.image.rootfs.diff.tar",
        "gzip": "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "zstd": "application/vnd.docker.image.rootfs.diff.tar.zstd",
    },
}
EPOCH = "1970-01-01T00:00:00Z"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def jdump(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


# ---- layers -------------------------------------------------------------------------------

KEEP_MODES = False


def tar_dir(root):
    """A deterministic uncompressed tar of a directory tree."""
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            rel = os.path.relpath(dirpath, root)
            names = sorted(dirnames + filenames)
            if rel != ".":
                add(tf, dirpath, rel)
            for n in names:
                full = os.path.join(dirpath, n)
                arc = n if rel == "." else rel + "/" + n
                if n in dirnames and not os.path.islink(full):
                    continue  # added when walked
                add(tf, full, arc)
    return bio.getvalue()


def add(tf, full, arc):
    st = os.lstat(full)
    ti = tarfile.TarInfo(arc)
    ti.mtime = 0
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    ti.mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        ti.type = tarfile.SYMTYPE
        ti.linkname = os.readlink(full)
        ti.mode = 0o777
        tf.addfile(ti)
    elif stat.S_ISDIR(st.st_mode):
        ti.type = tarfile.DIRTYPE
        if not KEEP_MODES:
            ti.mode = 0o755
        tf.addfile(ti)
    elif stat.S_ISREG(st.st_mode):
        if not KEEP_MODES:
            ti.mode = 0o755 if st.st_mode & 0o111 else 0o644
        ti.size = st.st_size
        with open(full, "rb") as f:
            tf.addfile(ti, f)


def compress(data, how):
    if how == "gzip":
        bio = io.BytesIO()
        with gzip.GzipFile(fileobj=bio, mode="wb", mtime=0, filename="") as g:
            g.write(data)
        return bio.getvalue()
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=data, check=True,
                              stdout=subprocess.PIPE).stdout
    return data


class LayerAction(argparse.Action):
    def __call__(self, parser, ns, value, option_string=None):
        lst = getattr(ns, "layers", None) or []
        lst.append(("dir" if option_string == "--layer" else "raw", value))
        setattr(ns, "layers", lst)


def read_layers(args):
    out = []
    for kind, path in args.layers or []:
        if kind == "dir":
            out.append(tar_dir(path))
        else:
            with open(path, "rb") as f:
                out.append(f.read())
    return out


# ---- config --------------------------------------------------------------------------------

def make_config(args, diff_ids):
    osname, arch, variant = (args.platform.split("/") + [None])[:3]
    cfg = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}
    labels, ports, volumes = {}, {}, {}
    history_text = None
    for kv in args.config or []:
        k, _, v = kv.partition("=")
        if k == "Env":
            cfg["Env"].append(v)
        elif k == "Label":
            lk, _, lv = v.partition("=")
            labels[lk] = lv
        elif k == "ExposedPort":
            ports[v] = {}
        elif k == "Volume":
            volumes[v] = {}
        elif k in ("Cmd", "Entrypoint"):
            cfg[k] = json.loads(v) if v.startswith("[") else v.split()
        elif k == "History":
            history_text = v
        else:
            cfg[k] = v
    if labels:
        cfg["Labels"] = labels
    if ports:
        cfg["ExposedPorts"] = ports
    if volumes:
        cfg["Volumes"] = volumes
    ids = list(diff_ids)
    if "diff-id" in (args.corrupt or []) and ids:
        h = ids[0]
        ids[0] = h[:-1] + ("0" if h[-1] != "0" else "1")
    conf = {
        "architecture": arch,
        "os": osname,
        "created": EPOCH,
        "config": cfg,
        "rootfs": {"type": "layers", "diff_ids": ids},
        "history": [{"created": EPOCH,
                     "created_by": history_text or ("mkimage layer %d" % i)}
                    for i in range(len(ids))],
    }
    if variant:
        conf["variant"] = variant
    return jdump(conf)


def corrupt_same_size(data):
    if not data:
        return b"x"
    b = bytearray(data)
    b[-1] ^= 0x01
    return bytes(b)


# ---- OCI layout -----------------------------------------------------------------------------

def put_blob(outdir, data):
    d = sha256(data)
    path = os.path.join(outdir, "blobs", "sha256", d[7:])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": d, "size": len(data)}


def write_blob_raw(outdir, digest, data):
    with open(os.path.join(outdir, "blobs", "sha256", digest[7:]), "wb") as f:
        f.write(data)


def write_layout(outdir, manifests, append=False):
    os.makedirs(os.path.join(outdir, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(outdir, "oci-layout"), "wb") as f:
        f.write(b'{"imageLayoutVersion":"1.0.0"}')
    idxpath = os.path.join(outdir, "index.json")
    existing = []
    if append and os.path.exists(idxpath):
        with open(idxpath, "rb") as f:
            existing = json.load(f).get("manifests", [])
    index = {"schemaVersion": 2, "mediaType": MT["oci"]["index"],
             "manifests": existing + manifests}
    with open(idxpath, "wb") as f:
        f.write(jdump(index))


def build_image(outdir, args, media):
    """Write layer, config and manifest blobs; return the manifest descriptor."""
    corrupt = args.corrupt or []
    how = args.compress
    raw = read_layers(args)
    diff_ids = [sha256(t) for t in raw]
    blobs = [compress(t, how) for t in raw]
    layer_descs = []
    for i, b in enumerate(blobs):
        d = put_blob(outdir, b)
        layer_descs.append({"mediaType": MT[media][how], **d})
        if i == 0 and "blob-digest" in corrupt:
            write_blob_raw(outdir, d["digest"], corrupt_same_size(b))
        if i == 0 and "truncate-blob" in corrupt:
            write_blob_raw(outdir, d["digest"], b[:len(b) // 2])
    config = make_config(args, diff_ids)
    cd = put_blob(outdir, config)
    if "config-digest" in corrupt:
        write_blob_raw(outdir, cd["digest"], corrupt_same_size(config))
    cdesc = {"mediaType": MT[media]["config"], **cd}
    if "config-size" in corrupt:
        cdesc["size"] += 1
    manifest = {"schemaVersion": 2, "mediaType": MT[media]["manifest"],
                "config": cdesc, "layers": layer_descs}
    mdata = jdump(manifest)
    md = put_blob(outdir, mdata)
    if "manifest-digest" in corrupt:
        write_blob_raw(outdir, md["digest"], corrupt_same_size(mdata))
    osname, arch, variant = (args.platform.split("/") + [None])[:3]
    plat = {"os": osname, "architecture": arch}
    if variant:
        plat["variant"] = variant
    return {"mediaType": MT[media]["manifest"], **md, "platform": plat}


def cmd_oci(args):
    if not args.append and os.path.exists(args.out):
        shutil.rmtree(args.out)
    media = "docker" if args.docker_media_types else "oci"
    desc = build_image(args.out, args, media)
    if args.tag:
        desc["annotations"] = {"org.opencontainers.image.ref.name": args.tag}
    write_layout(args.out, [desc], args.append)


def single_manifest(ocidir):
    with open(os.path.join(ocidir, "index.json"), "rb") as f:
        ms = json.load(f)["manifests"]
    if len(ms) != 1:
        sys.exit("mkimage: %s must hold exactly one manifest" % ocidir)
    return ms[0]


def cmd_oci_index(args):
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    os.makedirs(os.path.join(args.out, "blobs", "sha256"))
    media = "docker" if args.docker_list else "oci"
    entries = []
    for spec in args.image:
        plat, _, src = spec.partition("=")
        for n in sorted(os.listdir(os.path.join(src, "blobs", "sha256"))):
            shutil.copyfile(os.path.join(src, "blobs", "sha256", n),
                            os.path.join(args.out, "blobs", "sha256", n))
        m = single_manifest(src)
        osname, arch, variant = (plat.split("/") + [None])[:3]
        p = {"os": osname, "architecture": arch}
        if variant:
            p["variant"] = variant
        entries.append({"mediaType": m["mediaType"], "digest": m["digest"],
                        "size": m["size"], "platform": p})
    if args.attestation:
        att = put_blob(args.out, jdump({"schemaVersion": 2, "mediaType": MT["oci"]["manifest"],
                                        "config": {"mediaType": "application/vnd.oci.empty.v1+json",
                                                   "digest": sha256(b"{}"), "size": 2},
                                        "layers": []}))
        put_blob(args.out, b"{}")
        entries.append({"mediaType": MT["oci"]["manifest"], **att,
                        "platform": {"os": "unknown", "architecture": "unknown"},
                        "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                                        "vnd.docker.reference.digest": entries[0]["digest"]}})
    if args.flat:
        top = entries
    else:
        desc = None
        for _ in range(args.nest):
            idx = {"schemaVersion": 2, "mediaType": MT[media]["index"],
                   "manifests": entries if desc is None else [desc]}
            desc = {"mediaType": MT[media]["index"], **put_blob(args.out, jdump(idx))}
        top = [desc]
    if args.tag:
        for d in top:
            d["annotations"] = dict(d.get("annotations", {}))
            d["annotations"]["org.opencontainers.image.ref.name"] = args.tag
    write_layout(args.out, top)


# ---- docker save ----------------------------------------------------------------------------

def tar_members(members):
    """members: {name: bytes | ("symlink", target)} -> deterministic tar bytes."""
    bio = io.BytesIO()
    dirs = set()
    for name in members:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name in sorted(set(members) | dirs):
            ti = tarfile.TarInfo(name)
            ti.mtime = 0
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            if name in dirs and name not in members:
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                tf.addfile(ti)
                continue
            v = members[name]
            if isinstance(v, tuple):
                ti.type = tarfile.SYMTYPE
                ti.linkname = v[1]
                ti.mode = 0o777
                tf.addfile(ti)
            else:
                ti.size = len(v)
                ti.mode = 0o644
                tf.addfile(ti, io.BytesIO(v))
    return bio.getvalue()


def read_members(path):
    members = {}
    with tarfile.open(path, "r:") as tf:
        for ti in tf.getmembers():
            if ti.isdir():
                continue
            if ti.issym():
                members[ti.name] = ("symlink", ti.linkname)
            else:
                members[ti.name] = tf.extractfile(ti).read()
    return members


def familiar_to_full(tag):
    name = tag
    if "/" not in name.split(":")[0] or "." not in name.split("/")[0]:
        name = "docker.io/" + ("library/" + name if "/" not in name else name)
    return name


def cmd_docker_archive(args):
    corrupt = args.corrupt or []
    members = read_members(args.out) if args.append and os.path.exists(args.out) else {}
    manifest = json.loads(members.get("manifest.json", b"[]"))
    repos = json.loads(members.get("repositories", b"{}"))
    raw = read_layers(args)
    diff_ids = [sha256(t) for t in raw]
    config = make_config(args, diff_ids)
    cdig = sha256(config)
    layer_paths = []
    if args.format == "legacy":
        parent = ""
        seen = {}
        for i, t in enumerate(raw):
            lid = hashlib.sha256((parent + "\n" + diff_ids[i]).encode()).hexdigest()
            path = lid + "/layer.tar"
            data = compress(t, args.compress)
            if i == 0 and "blob-digest" in corrupt:
                data = corrupt_same_size(data)
            if i == 0 and "truncate-blob" in corrupt:
                data = data[:len(data) // 2]
            if diff_ids[i] in seen:
                members[path] = ("symlink", "../" + seen[diff_ids[i]])
            else:
                members[path] = data
                seen[diff_ids[i]] = path
            members[lid + "/VERSION"] = b"1.0"
            members[lid + "/json"] = jdump({"id": lid, "parent": parent or None})
            layer_paths.append(path)
            parent = lid
        cname = cdig[7:] + ".json"
        members[cname] = corrupt_same_size(config) if "config-digest" in corrupt else config
        top = parent
    else:
        descs = []
        for i, t in enumerate(raw):
            data = compress(t, args.compress)
            d = sha256(data)
            path = "blobs/sha256/" + d[7:]
            if i == 0 and "blob-digest" in corrupt:
                data = corrupt_same_size(data)
            if i == 0 and "truncate-blob" in corrupt:
                data = data[:len(data) // 2]
            members[path] = data
            layer_paths.append(path)
            descs.append({"mediaType": MT["oci"][args.compress], "digest": d,
                          "size": len(data)})
        cname = "blobs/sha256/" + cdig[7:]
        members[cname] = corrupt_same_size(config) if "config-digest" in corrupt else config
        man = jdump({"schemaVersion": 2, "mediaType": MT["oci"]["manifest"],
                     "config": {"mediaType": MT["oci"]["config"], "digest": cdig,
                                "size": len(config)},
                     "layers": descs})
        mdig = sha256(man)
        members["blobs/sha256/" + mdig[7:]] = man
        index = json.loads(members.get("index.json", b'{"schemaVersion":2,"manifests":[]}'))
        index["mediaType"] = MT["oci"]["index"]
        for tag in args.repo_tag or [None]:
            d = {"mediaType": MT["oci"]["manifest"], "digest": mdig, "size": len(man)}
            if tag:
                d["annotations"] = {"io.containerd.image.name": familiar_to_full(tag),
                                    "org.opencontainers.image.ref.name": tag.rsplit(":", 1)[-1]}
            index["manifests"].append(d)
        members["index.json"] = jdump(index)
        members["oci-layout"] = b'{"imageLayoutVersion":"1.0.0"}'
        top = mdig[7:]
    manifest.append({"Config": cname, "RepoTags": args.repo_tag or None,
                     "Layers": layer_paths})
    members["manifest.json"] = jdump(manifest)
    for tag in args.repo_tag or []:
        repo, _, t = tag.rpartition(":")
        repos.setdefault(repo, {})[t] = top
    if repos:
        members["repositories"] = jdump(repos)
    with open(args.out, "wb") as f:
        f.write(tar_members(members))


def main():
    p = argparse.ArgumentParser(description="build test container images")
    sub = p.add_subparsers(dest="cmd", required=True)

    def image_opts(sp):
        sp.add_argument("--layer", action=LayerAction, dest="layers", metavar="DIR")
        sp.add_argument("--raw-layer", action=LayerAction, dest="layers", metavar="FILE.tar")
        sp.add_argument("--platform", default="linux/amd64")
        sp.add_argument("--keep-modes", action="store_true",
                        help="keep file and directory modes exactly (setuid, sticky, 0777)")
        sp.add_argument("--config", action="append", metavar="KEY=VALUE")
        sp.add_argument("--corrupt", action="append",
                        choices=["diff-id", "blob-digest", "truncate-blob", "config-digest",
                                 "manifest-digest", "config-size"])
        sp.add_argument("--append", action="store_true",
                        help="add the image to an existing layout or archive")

    o = sub.add_parser("oci")
    o.add_argument("out")
    image_opts(o)
    o.add_argument("--compress", default="gzip", choices=["gzip", "zstd", "none"])
    o.add_argument("--tag")
    o.add_argument("--docker-media-types", action="store_true")

    i = sub.add_parser("oci-index")
    i.add_argument("out")
    i.add_argument("--image", action="append", required=True, metavar="PLATFORM=OCIDIR")
    i.add_argument("--tag")
    i.add_argument("--flat", action="store_true", help="platform manifests in index.json")
    i.add_argument("--docker-list", action="store_true")
    i.add_argument("--attestation", action="store_true")
    i.add_argument("--nest", type=int, default=1, help="levels of nested indexes")

    d = sub.add_parser("docker-archive")
    d.add_argument("out")
    image_opts(d)
    d.add_argument("--format", default="legacy", choices=["legacy", "oci"])
    d.add_argument("--compress", default="none", choices=["gzip", "zstd", "none"])
    d.add_argument("--repo-tag", action="append")

    args = p.parse_args()
    global KEEP_MODES
    KEEP_MODES = bool(getattr(args, "keep_modes", False))
    if args.cmd == "oci":
        cmd_oci(args)
    elif args.cmd == "oci-index":
        cmd_oci_index(args)
    else:
        cmd_docker_archive(args)


if __name__ == "__main__":
    main()
