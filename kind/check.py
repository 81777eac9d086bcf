#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Static checks of the kind backend files (no kind or Docker engine here).

    check.py parse|cluster|victims|dockerfile
    check.py daemonset [FILE INJECT DETECT ATTACH IMAGE PRIVILEGED
                        [METRICS_PORT [KUBE_EVENTS]]]
    check.py victims [FILE AGENT_IMAGE VICTIM_IMAGE]
    check.py schema NODE_MODULES_DIR FILE...
    check.py image TAR [IMAGE_REF]
    check.py quarantine [FILE NAMESPACES ALLOW_DNS]

(BS_REPO: the repository, default ".")

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

ROOT = os.environ.get("BS_REPO", ".")
YAMLS = ["kind/cluster.yaml", "kind/beesting.yaml", "kind/victims.yaml",
         "kind/quarantine.yaml"]
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


HOSTPATH_TYPES = {"Directory", "DirectoryOrCreate", "File", "FileOrCreate",
                  "Socket", "CharDevice", "BlockDevice"}
# The host paths the agent needs, each at the same path inside.
AGENT_PATHS = ("/var/run/nri", "/run/beesting", "/opt/beesting/bin")
RESTRICTED_CAPS = {"BPF", "PERFMON", "SYS_ADMIN", "SYS_RESOURCE", "SETPCAP",
                   "SYS_PTRACE", "DAC_READ_SEARCH", "DAC_OVERRIDE"}
# projected setns()es into the node's mount namespace
PROJECTED_CAPS = {"SYS_CHROOT"}


def check_security(ctr, spec_meta, privileged, inject="bind"):
    sc = ctr.get("securityContext") or {}
    if privileged:
        need(sc.get("privileged") is True, "agent is not privileged")
        return
    need(not sc.get("privileged"), "least-privilege agent is privileged")
    caps = sc.get("capabilities") or {}
    need(caps.get("drop") == ["ALL"], "capabilities not dropped (ALL)")
    want = RESTRICTED_CAPS | (PROJECTED_CAPS if inject == "projected"
                              else set())
    need(set(caps.get("add") or []) == want,
         "capabilities.add is %s, want %s"
         % (sorted(caps.get("add") or []), sorted(want)))
    need((sc.get("seccompProfile") or {}).get("type") == "Unconfined",
         "seccomp not Unconfined (bpf() is refused by RuntimeDefault)")
    ann = (spec_meta or {}).get("annotations") or {}
    need(ann.get("container.apparmor.security.beta.kubernetes.io/"
                 + ctr["name"]) == "unconfined",
         "AppArmor not unconfined (mount(securityfs) is denied)")


def check_metrics(tmpl, ctr, port):
    """--metrics-addr, the container port and the prometheus.io/*
    annotations name the same port (or, for 0, none is there)."""
    args = [a for a in ctr.get("args") or [] if a.startswith("--metrics-addr=")]
    ports = [p for p in ctr.get("ports") or [] if p.get("name") == "metrics"]
    ann = (tmpl.get("metadata") or {}).get("annotations") or {}
    if port == "0":
        need(not args and not ports
             and not any(k.startswith("prometheus.io/") for k in ann),
             "metrics off but %s %s %s" % (args, ports, ann))
        return
    need(args == ["--metrics-addr=:%s" % port],
         "agent args have %s, want --metrics-addr=:%s" % (args, port))
    need(len(ports) == 1 and str(ports[0].get("containerPort")) == port,
         "metrics containerPort %s, want %s" % (ports, port))
    need(ann.get("prometheus.io/scrape") == "true"
         and ann.get("prometheus.io/port") == port,
         "prometheus.io annotations %s, want port %s" % (ann, port))


def grants(role, resource, verb):
    return any(resource in (r.get("resources") or [])
               and verb in (r.get("verbs") or [])
               and "" in (r.get("apiGroups") or [])
               for r in role.get("rules") or [])


def check_kube_events(objs, spec, ctr, on):
    """--kube-api=in-cluster with a service account allowed to create
    Events and patch pods, and nothing more; or (off) no API access."""
    args = [a for a in ctr.get("args") or [] if a.startswith("--kube-api=")]
    roles = find(objs, "ClusterRole")
    if on != "1":
        need(not args and not roles
             and spec.get("automountServiceAccountToken") is False,
             "kube events off but %s, %d roles" % (args, len(roles)))
        return
    need(args == ["--kube-api=in-cluster"],
         "agent args have %s, want --kube-api=in-cluster" % args)
    sa = spec.get("serviceAccountName")
    need(any(x["metadata"]["name"] == sa
             and x["metadata"].get("namespace") == "beesting"
             for x in find(objs, "ServiceAccount")),
         "serviceAccountName %r is no ServiceAccount here" % sa)
    bound = [b["roleRef"]["name"] for b in find(objs, "ClusterRoleBinding")
             if any(s.get("kind") == "ServiceAccount" and s.get("name") == sa
                    and s.get("namespace") == "beesting"
                    for s in b.get("subjects") or [])]
    mine = [r for r in roles if r["metadata"]["name"] in bound]
    need(mine and all(grants(r, "events", "create")
                      and grants(r, "pods", "patch") for r in mine),
         "the agent's role cannot create events and patch pods")
    need(all(v in ("create", "patch") for r in mine
             for rule in r.get("rules") or [] for v in rule.get("verbs")),
         "the agent's role grants more than create/patch")


def check_daemonset(name="kind/beesting.yaml", inject="projected", detect="open",
                    attach="auto", image="beesting:dev", privileged="1",
                    metrics_port="9477", kube_events="1"):
    objs = docs(name)
    need(any(n["metadata"]["name"] == "beesting"
             for n in find(objs, "Namespace")), "no Namespace beesting")
    ds = find(objs, "DaemonSet")
    if not need(len(ds) == 1, "want one DaemonSet"):
        return
    ds = ds[0]
    need(ds["metadata"].get("namespace") == "beesting",
         "DaemonSet not in namespace beesting")
    tmpl = ds["spec"]["template"]
    spec = tmpl["spec"]
    need(spec.get("hostPID") is True, "hostPID is not true")
    need(any(t.get("key") == "node-role.kubernetes.io/control-plane"
             for t in spec.get("tolerations") or []),
         "no control-plane toleration")
    (ctr,) = spec["containers"]
    need(ctr.get("image") == image,
         "image is %s, want %s" % (ctr.get("image"), image))
    check_security(ctr, tmpl.get("metadata"), privileged == "1", inject)
    check_metrics(tmpl, ctr, metrics_port)
    check_kube_events(objs, spec, ctr, kube_events)
    need(bool((ctr.get("resources") or {}).get("requests")),
         "no resource requests")
    args = ctr.get("args") or []
    for flag, want in (("inject", inject), ("detect", detect),
                       ("attach", attach)):
        got = [a for a in args if a.startswith("--%s=" % flag)]
        need(got == ["--%s=%s" % (flag, want)],
             "agent args have %s, want --%s=%s" % (got, flag, want))
    need("--node=$(NODE_NAME)" in args, "agent args lack --node=$(NODE_NAME)")
    env = {e["name"]: e for e in ctr.get("env") or []}
    ref = env.get("NODE_NAME", {}).get("valueFrom", {}).get("fieldRef", {})
    need(ref.get("fieldPath") == "spec.nodeName",
         "NODE_NAME not from spec.nodeName")
    host = {v["name"]: v["hostPath"] for v in spec.get("volumes") or []
            if "hostPath" in v}
    for v, hp in host.items():
        need(hp.get("type") in HOSTPATH_TYPES,
             "hostPath %s has no type (or a bad one: %r)"
             % (hp.get("path"), hp.get("type")))
        # nothing is pinned: a bpffs volume only stops bare nodes
        need(not hp.get("path", "").startswith("/sys/fs/bpf"),
             "bpffs mounted but the agent pins nothing")
    mounts = {m["name"]: m for m in ctr.get("volumeMounts") or []}
    for m in mounts.values():
        need(m.get("mountPropagation") in (None, "None", "HostToContainer"),
             "%s: mountPropagation %s (needs a shared mount on the node)"
             % (m["mountPath"], m.get("mountPropagation")))
    # Paths the agent hands to containerd/runc must match on the node.
    for path in AGENT_PATHS:
        names = [n for n, hp in host.items() if hp.get("path") == path]
        need(names and mounts.get(names[0], {}).get("mountPath") == path,
             "hostPath %s not mounted at the same path" % path)
    need(len(host) == len(AGENT_PATHS),
         "host paths %s, the agent needs only %s"
         % (sorted(hp.get("path") for hp in host.values()),
            list(AGENT_PATHS)))


def check_schema(modules, *names):
    """Every object of the files against the API's JSON schemas (node +
    kubernetes-models); exit 77 through when it is not installed."""
    import json
    import subprocess
    import tempfile

    jsons = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(names):
            path = os.path.join(tmp, "%d.json" % i)
            with open(path, "w") as f:
                json.dump(docs(name), f)
            jsons.append(path)
        r = subprocess.run(["node", os.path.join(ROOT, "kind/validate.cjs"),
                            modules] + jsons, capture_output=True, text=True)
    if r.returncode == 77:
        print(r.stdout.strip())
        sys.exit(77)
    for ln in (r.stdout + r.stderr).splitlines():
        need(False, ln)
    need(r.returncode == 0, "validate.cjs exit %d" % r.returncode)


def check_victims(name="kind/victims.yaml", image=None, victim_image=None):
    objs = docs(name)
    work = find(objs, "Deployment") + find(objs, "Pod")
    if not need(work, "no victim Deployment or Pod"):
        return
    w = work[0]
    spec = w["spec"]["template"]["spec"] if w["kind"] != "Pod" else w["spec"]
    app = [c for c in spec["containers"] if c["name"] == "app"]
    if not need(app, "no app container"):
        return
    if victim_image:
        need(app[0].get("image") == victim_image,
             "victim image %s, want %s" % (app[0].get("image"), victim_image))
    if image:
        need(all(c.get("image") == image
                 for c in spec.get("initContainers") or []),
             "init containers do not run %s" % image)
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


def check_image(tar, ref="beesting:dev"):
    """The archive's OCI index, manifest, config and layer agree (digests,
    sizes, diff_ids), name the image for containerd and docker, and the
    layer holds the agent, the hook and the attack tool."""
    import hashlib
    import json
    import tarfile

    sys.path.insert(0, os.path.join(ROOT, "kind"))
    from image import normalize

    full, tag = normalize(ref)
    with tarfile.open(tar) as t:
        files = {m.name: t.extractfile(m).read() for m in t if m.isfile()}

    def desc_ok(d, what):
        data = files.get("blobs/sha256/" + d["digest"][7:])
        if not need(data is not None, "%s blob %s missing" % (what,
                                                          d["digest"])):
            return None
        need("sha256:" + hashlib.sha256(data).hexdigest() == d["digest"],
             "%s digest does not match its blob" % what)
        need(len(data) == d["size"], "%s size %d, blob has %d"
             % (what, d["size"], len(data)))
        return data

    need(json.loads(files["oci-layout"]) == {"imageLayoutVersion": "1.0.0"},
         "bad oci-layout")
    (m,) = json.loads(files["index.json"])["manifests"]
    ann = m.get("annotations") or {}
    need(ann.get("io.containerd.image.name") == full,
         "io.containerd.image.name is %r, want %s"
         % (ann.get("io.containerd.image.name"), full))
    need(ann.get("org.opencontainers.image.ref.name") == tag,
         "org.opencontainers.image.ref.name is not the tag")
    man = json.loads(desc_ok(m, "manifest") or b"{}")
    cfg_data = desc_ok(man["config"], "config")
    layers = [desc_ok(ld, "layer") for ld in man["layers"]]
    cfg = json.loads(cfg_data or b"{}")
    need(cfg["rootfs"]["diff_ids"] == [ld["digest"] for ld in man["layers"]],
         "config diff_ids are not the (uncompressed) layers")
    (dock,) = json.loads(files["manifest.json"])
    need(dock["Config"] == "blobs/sha256/" + man["config"]["digest"][7:],
         "manifest.json Config is not the OCI config")
    need(dock["Layers"] == ["blobs/sha256/" + ld["digest"][7:]
                            for ld in man["layers"]],
         "manifest.json Layers are not the OCI layers")
    short = full[len("docker.io/library/"):] if full.startswith(
        "docker.io/library/") else full
    need(dock["RepoTags"] == [short], "RepoTags %s" % dock["RepoTags"])
    names = set()
    for data in layers:
        if data:
            import io
            with tarfile.open(fileobj=io.BytesIO(data)) as lt:
                names |= {x.name for x in lt if x.isfile() and
                          x.mode & 0o111}
    for b in ("beesting", "beesting-hook", "beesting-attack"):
        need("usr/local/bin/" + b in names,
             "layer lacks executable /usr/local/bin/" + b)
    need(cfg["config"]["Entrypoint"] == ["/usr/local/bin/beesting"],
         "entrypoint is not the agent")


def check_quarantine(name="kind/quarantine.yaml", namespaces="default",
                     allow_dns="0"):
    """One NetworkPolicy per namespace that selects exactly the pods
    labelled beesting.io/compromised=true, for Ingress and Egress, and
    lets nothing through (with allow_dns 1: port 53 to kube-dns only)."""
    objs = docs(name)
    pols = find(objs, "NetworkPolicy")
    need(len(pols) == len(objs), "objects other than NetworkPolicies")
    need(sorted(p["metadata"].get("namespace") for p in pols)
         == sorted(namespaces.split(",")),
         "namespaces %s, want %s"
         % ([p["metadata"].get("namespace") for p in pols], namespaces))
    for p in pols:
        spec = p.get("spec") or {}
        sel = spec.get("podSelector") or {}
        need(sel == {"matchLabels": {"beesting.io/compromised": "true"}},
             "podSelector %s is not the quarantine label" % sel)
        need(sorted(spec.get("policyTypes") or []) == ["Egress", "Ingress"],
             "policyTypes %s" % spec.get("policyTypes"))
        need(not spec.get("ingress"), "ingress allowed: %s"
             % spec.get("ingress"))
        egress = spec.get("egress") or []
        if allow_dns != "1":
            need(not egress, "egress allowed: %s" % egress)
            continue
        need(len(egress) == 1, "want one egress rule (DNS), got %s" % egress)
        for rule in egress:
            need(sorted((x.get("protocol"), x.get("port"))
                        for x in rule.get("ports") or [])
                 == [("TCP", 53), ("UDP", 53)],
                 "egress beyond port 53: %s" % rule.get("ports"))
            need(all(t.get("podSelector") == {"matchLabels":
                                              {"k8s-app": "kube-dns"}}
                     for t in rule.get("to") or [{}]),
                 "egress to more than kube-dns: %s" % rule.get("to"))


CHECKS = {
    "quarantine": check_quarantine,
    "schema": check_schema,
    "image": check_image,
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
    CHECKS[sys.argv[1]](*sys.argv[2:])
except (KeyError, TypeError, ValueError, OSError, yaml.YAMLError) as e:
    need(False, "malformed: %r" % e)
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
