#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Static checks of the kind backend files (no kind or Docker engine here).

    check.py parse|cluster|daemonset|victims|dockerfile [REPO]

Exit 0 when the check holds, 1 with the reasons on stdout, 77 when a
needed Python module is missing.
"""
import os
import re
import sys

try:
    import yaml
except ImportError:
    print("python3-yaml is not installed")
    sys.exit(77)

ROOT = sys.argv[2] if len(sys.argv) > 2 else "."
YAMLS = ["kind/cluster.yaml", "kind/beesting.yaml", "kind/victims.yaml"]
problems = []


def need(cond, what):
    if not cond:
        problems.append(what)
    return cond


def docs(name):
    with open(os.path.join(ROOT, name)) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def find(objs, kind):
    return [o for o in objs if isinstance(o, dict) and o.get("kind") == kind]


def check_parse():
    for name in YAMLS:
        try:
            need(len(docs(name)) > 0, name + ": empty")
        except (OSError, yaml.YAMLError) as e:
            need(False, "%s: %s" % (name, e))


def check_cluster():
    import tomllib

    (c,) = docs("kind/cluster.yaml")
    need(c.get("kind") == "Cluster", "kind is not Cluster")
    need(str(c.get("apiVersion", "")).startswith("kind.x-k8s.io/"),
         "apiVersion is not kind.x-k8s.io/*")
    nri = None
    for patch in c.get("containerdConfigPatches") or []:
        try:
            t = tomllib.loads(patch)
        except tomllib.TOMLDecodeError as e:
            need(False, "containerd patch is not TOML: %s" % e)
            continue
        nri = t.get("plugins", {}).get("io.containerd.nri.v1.nri", nri)
    if need(nri is not None, "no [plugins.\"io.containerd.nri.v1.nri\"] patch"):
        need(nri.get("disable") is False, "NRI not enabled (disable = false)")
        need(nri.get("socket_path") == "/var/run/nri/nri.sock",
             "socket_path is not /var/run/nri/nri.sock")
        need(nri.get("disable_connections", False) is False,
             "external plugin connections disabled")
    need(len(c.get("nodes") or []) >= 1, "no nodes")


def check_daemonset():
    objs = docs("kind/beesting.yaml")
    need(any(n["metadata"]["name"] == "beesting"
             for n in find(objs, "Namespace")), "no Namespace beesting")
    ds = find(objs, "DaemonSet")
    if not need(len(ds) == 1, "want one DaemonSet"):
        return
    ds = ds[0]
    need(ds["metadata"].get("namespace") == "beesting",
         "DaemonSet not in namespace beesting")
    spec = ds["spec"]["template"]["spec"]
    need(spec.get("hostPID") is True, "hostPID is not true")
    need(any(t.get("key") == "node-role.kubernetes.io/control-plane"
             for t in spec.get("tolerations") or []),
         "no control-plane toleration")
    (ctr,) = spec["containers"]
    need((ctr.get("securityContext") or {}).get("privileged") is True,
         "agent is not privileged")
    need(bool((ctr.get("resources") or {}).get("requests")),
         "no resource requests")
    args = (ctr.get("command") or []) + (ctr.get("args") or [])
    for a in ("--inject=bind", "--detect=open", "--attach=auto",
              "--node=$(NODE_NAME)"):
        need(a in args, "agent args lack " + a)
    env = {e["name"]: e for e in ctr.get("env") or []}
    ref = env.get("NODE_NAME", {}).get("valueFrom", {}).get("fieldRef", {})
    need(ref.get("fieldPath") == "spec.nodeName",
         "NODE_NAME not from spec.nodeName")
    vols = {v["name"]: v.get("hostPath", {}).get("path")
            for v in spec.get("volumes") or []}
    mounts = {m["name"]: m["mountPath"] for m in ctr.get("volumeMounts") or []}
    # Paths the agent hands to containerd/runc must match on the node.
    for path in ("/var/run/nri", "/sys/fs/bpf", "/sys/kernel/tracing",
                 "/var/lib/beesting", "/opt/beesting/bin"):
        names = [n for n, p in vols.items() if p == path]
        need(names and mounts.get(names[0]) == path,
             "hostPath %s not mounted at the same path" % path)


def check_victims():
    objs = docs("kind/victims.yaml")
    work = find(objs, "Deployment") + find(objs, "Pod")
    if not need(work, "no victim Deployment or Pod"):
        return
    w = work[0]
    spec = w["spec"]["template"]["spec"] if w["kind"] != "Pod" else w["spec"]
    app = [c for c in spec["containers"] if "busybox" in c.get("image", "")]
    if not need(app, "no busybox container"):
        return
    shared = {m["name"] for m in app[0].get("volumeMounts") or []}
    copiers = [c for c in spec.get("initContainers") or []
               if "beesting-attack" in " ".join(c.get("command") or [])
               and shared & {m["name"] for m in c.get("volumeMounts") or []}]
    need(copiers or "beesting" in app[0].get("image", ""),
         "attack tool not made available to the victim")


def check_dockerfile():
    with open(os.path.join(ROOT, "kind/Dockerfile")) as f:
        lines = [ln.strip() for ln in f if ln.strip() and
                 not ln.lstrip().startswith("#")]
    # join continuation lines
    text = "\n".join(lines).replace("\\\n", " ")
    instr = [ln.split(None, 1) for ln in text.split("\n")]
    froms = [i for i, x in enumerate(instr) if x[0].upper() == "FROM"]
    if not need(len(froms) >= 2, "Dockerfile is not multi-stage"):
        return
    first = instr[froms[0]][1].split()
    need(first[0] == "debian:12", "build stage is not FROM debian:12")
    stage = first[2] if len(first) >= 3 and first[1].upper() == "AS" else "0"
    build = instr[froms[0] + 1:froms[1]]
    need(any(x[0].upper() == "RUN" and "apt-get install" in x[1]
             for x in build), "build stage installs nothing with apt")
    # make as a command, not as the package name in apt-get install
    need(any(x[0].upper() == "RUN" and
             re.search(r"(^|&&|;|\|\|)\s*make(\s|$)", x[1])
             for x in build), "build stage does not run make")
    last = instr[froms[-1]][1].split()
    need(last[0] == "debian:12-slim", "runtime stage is not debian:12-slim")
    copies = " ".join(x[1] for x in instr[froms[-1]:]
                      if x[0].upper() == "COPY" and
                      x[1].startswith("--from=" + stage))
    for b in ("beesting", "beesting-hook", "beesting-attack"):
        need("/" + b + " " in copies + " ", "runtime stage lacks " + b)


CHECKS = {
    "parse": check_parse,
    "cluster": check_cluster,
    "daemonset": check_daemonset,
    "victims": check_victims,
    "dockerfile": check_dockerfile,
}

if len(sys.argv) < 2 or sys.argv[1] not in CHECKS:
    print(__doc__)
    sys.exit(2)
try:
    CHECKS[sys.argv[1]]()
except (KeyError, TypeError, ValueError, OSError, yaml.YAMLError) as e:
    need(False, "malformed: %r" % e)
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
