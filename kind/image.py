#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Build the agent image as an OCI image archive, without Docker.

    image.py BUILD_DIR OUT.tar [IMAGE_REF]       (IMAGE_REF: beesting:dev)

One layer: beesting, beesting-hook and beesting-attack in /usr/local/bin,
the shared libraries and the ELF interpreter they load (from ldd, stored as
regular files at the paths ldd names), and /bin/busybox with the applets
the manifests run in the image (cp for the victims' init container, find
and sh for kubectl exec).  The archive is an OCI image layout (oci-layout,
index.json naming the image for containerd, blobs/sha256/...) plus Docker's
manifest.json, so `ctr images import`, `kind load image-archive` and
`docker load` all take it.  Deterministic: fixed mtimes and owners, sorted
entries, uncompressed layer.
"""
import hashlib
import io
import json
import os
import platform
import re
import stat
import subprocess
import sys
import tarfile

BINS = ("beesting", "beesting-hook", "beesting-attack")
BUSYBOX = "/bin/busybox"
APPLETS = ("sh", "cp", "find", "cat", "ls")
MTIME = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(),
                                                  platform.machine())
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def normalize(ref):
    """beesting:dev -> (docker.io/library/beesting:dev, tag dev)."""
    name, tag = ref, "latest"
    if re.search(r":[^/]+$", ref):
        name, tag = ref.rsplit(":", 1)
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = "docker.io/library/" + name
    elif not ("." in first or ":" in first or first == "localhost"):
        name = "docker.io/" + name
    return "%s:%s" % (name, tag), tag


def shared_libs(path):
    """Paths ldd resolves for an ELF file ([] when static)."""
    r = subprocess.run(["ldd", path], capture_output=True, text=True)
    if r.returncode != 0:
        return []  # "not a dynamic executable"
    libs = []
    for ln in r.stdout.splitlines():
        m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", ln)
        if m:
            libs.append(m.group(1))
    return libs


def info(name, kind, mode, size=0, link=""):
    t = tarfile.TarInfo(name)
    t.type, t.mode, t.size, t.linkname = kind, mode, size, link
    t.mtime, t.uid, t.gid, t.uname, t.gname = MTIME, 0, 0, "", ""
    return t


def tar_bytes(entries):
    """entries: {path: (TarInfo, bytes|None)}, written sorted."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name in sorted(entries):
            ti, data = entries[name]
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def add_dirs(entries, path):
    parts = path.strip("/").split("/")[:-1]
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i])
        mode = 0o1777 if d == "tmp" else 0o755
        entries.setdefault(d, (info(d, tarfile.DIRTYPE, mode), None))


def add_file(entries, dest, src, mode):
    with open(src, "rb") as f:
        data = f.read()
    name = dest.lstrip("/")
    add_dirs(entries, name)
    entries[name] = (info(name, tarfile.REGTYPE, mode, len(data)), data)


def layer(build):
    entries = {"tmp": (info("tmp", tarfile.DIRTYPE, 0o1777), None)}
    libs = set()
    for b in BINS:
        src = os.path.join(build, b)
        add_file(entries, "/usr/local/bin/" + b, src, 0o755)
        libs.update(shared_libs(src))
    for lib in sorted(libs):
        add_file(entries, lib, os.path.realpath(lib), 0o755)
    if os.path.exists(BUSYBOX):
        if shared_libs(BUSYBOX):
            sys.exit("image.py: %s is not static (busybox-static)" % BUSYBOX)
        add_file(entries, BUSYBOX, BUSYBOX, 0o755)
        for a in APPLETS:
            name = "bin/" + a
            entries[name] = (info(name, tarfile.SYMTYPE, 0o777,
                                  link="busybox"), None)
    return tar_bytes(entries)


def blob(blobs, data, media):
    d = hashlib.sha256(data).hexdigest()
    blobs["blobs/sha256/" + d] = data
    return {"mediaType": media, "digest": "sha256:" + d, "size": len(data)}


def dumps(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def archive(build, ref):
    full, tag = normalize(ref)
    blobs = {}
    lay = layer(build)
    ldesc = blob(blobs, lay, OCI_LAYER)
    config = {
        "architecture": ARCH,
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {
            "Entrypoint": ["/usr/local/bin/beesting"],
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                    "/usr/bin:/sbin:/bin"],
        },
        "rootfs": {"type": "layers", "diff_ids": [ldesc["digest"]]},
        "history": [{"created": "1970-01-01T00:00:00Z",
                     "created_by": "kind/image.py"}],
    }
    cdesc = blob(blobs, dumps(config), OCI_CONFIG)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": cdesc, "layers": [ldesc]}
    mdesc = blob(blobs, dumps(manifest), OCI_MANIFEST)
    mdesc["annotations"] = {"io.containerd.image.name": full,
                            "org.opencontainers.image.ref.name": tag}
    mdesc["platform"] = {"architecture": ARCH, "os": "linux"}
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX,
             "manifests": [mdesc]}
    # docker load reads this one; RepoTags as `docker images` shows them
    short = full[len("docker.io/library/"):] \
        if full.startswith("docker.io/library/") else full
    docker = [{"Config": "blobs/sha256/" + cdesc["digest"][7:],
               "RepoTags": [short],
               "Layers": ["blobs/sha256/" + ldesc["digest"][7:]]}]
    entries = {}
    for d in ("blobs", "blobs/sha256"):
        entries[d] = (info(d, tarfile.DIRTYPE, 0o755), None)
    files = dict(blobs)
    files["oci-layout"] = dumps({"imageLayoutVersion": "1.0.0"})
    files["index.json"] = dumps(index)
    files["manifest.json"] = dumps(docker)
    for name, data in files.items():
        entries[name] = (info(name, tarfile.REGTYPE, 0o644, len(data)), data)
    return tar_bytes(entries), full


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    ref = sys.argv[3] if len(sys.argv) == 4 else "beesting:dev"
    data, full = archive(sys.argv[1], ref)
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, sys.argv[2])
    print("image %s -> %s (%d bytes)" % (full, sys.argv[2], len(data)))


if __name__ == "__main__":
    main()
