#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Render the Beesting Kubernetes manifests from the run's flags.

    render.py agent  [options] > beesting.yaml   the Namespace + DaemonSet
    render.py victims [options] > victims.yaml   the victim Deployment
    render.py victim NAME [options]              one bare victim Pod
    render.py quarantine [--namespaces NS,...] [--allow-dns 1|0]
                                                 the opt-in NetworkPolicy

options: --inject bind|ocihook|projected|none  --detect open|readscan|fanotify|none
         --attach auto|lsm|fentry|kprobe|tracepoint  --image REF
         --victim-image REF  --privileged 1|0  --metrics-port N|0
         --kube-events 1|0  --respond none|kill|deny
         --respond-scope container|node  [--src REPO]

The templates are kind/beesting.yaml and kind/victims.yaml; only the
agent's args, the images and (with --privileged 0) the security context
change (and the metrics port: the agent's --metrics-addr, the container
port and the prometheus.io/* annotations; 0 leaves all three out; and
with --kube-events 0 no --kube-api, service account or RBAC), so
what is deployed is what the flags say.  Exit 2 on a bad flag.
"""
import argparse
import copy
import os
import re
import sys

import yaml

INJECTS = ("bind", "ocihook", "projected", "none")
DETECTS = ("open", "readscan", "fanotify", "none")
ATTACHES = ("auto", "lsm", "fentry", "kprobe", "tracepoint")

# Least privilege: what agent/privs.c and the start-up path need, nothing
# else.  At start: BPF+PERFMON load/attach tracing programs, SYS_ADMIN
# mounts securityfs for the LSM list (and stands in for BPF/PERFMON before
# 5.8), SYS_RESOURCE lets libbpf raise RLIMIT_MEMLOCK (before 5.11),
# SETPCAP drops the bounding set.  Kept after start (privs.c): BPF,
# SYS_PTRACE (/proc/<pid>/root), DAC_READ_SEARCH, DAC_OVERRIDE.
CAPS = ["BPF", "PERFMON", "SYS_ADMIN", "SYS_RESOURCE", "SETPCAP",
        "SYS_PTRACE", "DAC_READ_SEARCH", "DAC_OVERRIDE"]
# projected also enters the node's mount namespace (setns: SYS_CHROOT with
# SYS_ADMIN) to mount each container's tmpfs where runc sees it.
PROJECTED_CAPS = ["SYS_CHROOT"]
# bpf()/perf_event_open() and mount(securityfs) are refused by the default
# seccomp and AppArmor profiles; the annotation works on every release
# (securityContext.appArmorProfile only from 1.30).
APPARMOR_KEY = "container.apparmor.security.beta.kubernetes.io/agent"


def restricted_context(inject):
    caps = CAPS + (PROJECTED_CAPS if inject == "projected" else [])
    return {
        "privileged": False,
        "runAsUser": 0,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"], "add": caps},
        "seccompProfile": {"type": "Unconfined"},
    }


def load(src, name):
    with open(os.path.join(src, "kind", name)) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def set_flag(args, flag, value):
    """Replace --flag=... in args (append when absent)."""
    pre = "--%s=" % flag
    out = [a for a in args if not a.startswith(pre)]
    idx = next((i for i, a in enumerate(args) if a.startswith(pre)), len(out))
    out.insert(idx, pre + value)
    return out


PROM_KEYS = ("prometheus.io/scrape", "prometheus.io/port", "prometheus.io/path")


def metrics(tmpl, ctr, port):
    """The metrics port in the agent's args, ports and annotations."""
    args = [a for a in ctr.get("args") or []
            if not a.startswith("--metrics-addr=")]
    ports = [p for p in ctr.get("ports") or [] if p.get("name") != "metrics"]
    ann = tmpl.setdefault("metadata", {}).setdefault("annotations", {})
    for k in PROM_KEYS:
        ann.pop(k, None)
    if port:
        args.append("--metrics-addr=:%d" % port)
        ports.append({"name": "metrics", "containerPort": port,
                      "protocol": "TCP"})
        ann.update({"prometheus.io/scrape": "true",
                    "prometheus.io/port": str(port),
                    "prometheus.io/path": "/metrics"})
    ctr["args"] = args
    if ports:
        ctr["ports"] = ports
    else:
        ctr.pop("ports", None)
    if not ann:
        tmpl["metadata"].pop("annotations")


def namespaces_arg(s):
    """NS[,NS...]: DNS labels (what a namespace name is)."""
    names = s.split(",")
    if not names or not all(re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?",
                                         n) for n in names):
        raise argparse.ArgumentTypeError("namespace names, comma separated")
    return s


def port_arg(s):
    v = int(s)
    if not 0 <= v <= 65535:
        raise argparse.ArgumentTypeError("port 0-65535")
    return v


RBAC_KINDS = ("ServiceAccount", "ClusterRole", "ClusterRoleBinding")


def no_kube_events(objs, tmpl, ctr):
    """Without Events and annotations the agent needs no API access."""
    ctr["args"] = [a for a in ctr["args"] if not a.startswith("--kube-api=")]
    tmpl["spec"].pop("serviceAccountName", None)
    tmpl["spec"]["automountServiceAccountToken"] = False
    return [x for x in objs if x.get("kind") not in RBAC_KINDS]


def agent(o):
    objs = load(o.src, "beesting.yaml")
    ds = next(x for x in objs if x.get("kind") == "DaemonSet")
    tmpl = ds["spec"]["template"]
    ctr = next(c for c in tmpl["spec"]["containers"] if c["name"] == "agent")
    ctr["image"] = o.image
    args = ctr.get("args") or []
    for flag in ("inject", "detect", "attach"):
        args = set_flag(args, flag, getattr(o, flag))
    if o.respond != "none":
        args = set_flag(args, "respond", o.respond)
        args = set_flag(args, "respond-scope", o.respond_scope)
    ctr["args"] = args
    metrics(tmpl, ctr, o.metrics_port)
    if not o.kube_events:
        objs = no_kube_events(objs, tmpl, ctr)
    if not o.privileged:
        ctr["securityContext"] = restricted_context(o.inject)
        meta = tmpl.setdefault("metadata", {})
        meta.setdefault("annotations", {})[APPARMOR_KEY] = "unconfined"
    ds["metadata"].setdefault("annotations", {})["beesting.io/rendered"] = (
        "inject=%s detect=%s attach=%s image=%s privileged=%d metrics=%d "
        "kube-events=%d respond=%s/%s"
        % (o.inject, o.detect, o.attach, o.image, o.privileged,
           o.metrics_port, o.kube_events, o.respond, o.respond_scope))
    return objs


# The cluster's resolver, as kubeadm and kind label it.
DNS_PEER = {"namespaceSelector": {"matchLabels": {
                "kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}


def quarantine(o):
    """The NetworkPolicy of kind/quarantine.yaml in each namespace:
    labelled pods get no traffic in or out (but DNS with --allow-dns 1)."""
    (tmpl,) = load(o.src, "quarantine.yaml")
    objs = []
    for ns in [n for n in o.namespaces.split(",") if n]:
        pol = copy.deepcopy(tmpl)
        pol["metadata"]["namespace"] = ns
        if o.allow_dns:
            pol["spec"]["egress"] = [{
                "to": [DNS_PEER],
                "ports": [{"protocol": p, "port": 53}
                          for p in ("UDP", "TCP")]}]
        objs.append(pol)
    return objs


def images(spec, o):
    for c in spec.get("initContainers") or []:
        if c["image"].startswith("beesting"):
            c["image"] = o.image
    for c in spec.get("containers") or []:
        if "busybox" in c["image"]:
            c["image"] = o.victim_image


def victims(o):
    objs = load(o.src, "victims.yaml")
    for d in objs:
        if d.get("kind") == "Deployment":
            images(d["spec"]["template"]["spec"], o)
    return objs


def victim(o):
    """One bare Pod shaped like the Deployment's, for the harness."""
    dep = next(d for d in victims(o) if d.get("kind") == "Deployment")
    spec = dep["spec"]["template"]["spec"]
    spec.pop("topologySpreadConstraints", None)
    spec["restartPolicy"] = "Never"
    spec["terminationGracePeriodSeconds"] = 1
    return [{
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": o.name, "namespace": dep["metadata"]["namespace"],
                     "labels": {"app": "victim", "beesting.io/run": "bench"}},
        "spec": spec,
    }]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("what", choices=("agent", "victims", "victim",
                                    "quarantine"))
    p.add_argument("name", nargs="?")
    p.add_argument("--inject", default="projected", choices=INJECTS)
    p.add_argument("--detect", default="open", choices=DETECTS)
    p.add_argument("--attach", default="auto", choices=ATTACHES)
    p.add_argument("--image", default="beesting:dev")
    p.add_argument("--victim-image", default="busybox:1.36")
    p.add_argument("--privileged", type=int, default=1, choices=(0, 1))
    p.add_argument("--metrics-port", type=port_arg, default=9477)
    p.add_argument("--kube-events", type=int, default=1, choices=(0, 1))
    p.add_argument("--respond", default="none",
                   choices=("none", "kill", "deny"))
    p.add_argument("--respond-scope", default="container",
                   choices=("container", "node"))
    p.add_argument("--namespaces", type=namespaces_arg,
                   default="default,beesting-victims")
    p.add_argument("--allow-dns", type=int, default=0, choices=(0, 1))
    p.add_argument("--src", default=os.path.join(os.path.dirname(
        os.path.abspath(__file__)), ".."))
    o = p.parse_args()
    if (o.what == "victim") != bool(o.name):
        p.error("a NAME is given with 'victim' and only there")
    objs = {"agent": agent, "victims": victims, "victim": victim,
            "quarantine": quarantine}[o.what](o)
    sys.stdout.write("# Rendered by kind/render.py %s: do not edit.\n"
                     % " ".join(sys.argv[1:]))
    yaml.safe_dump_all(objs, sys.stdout, sort_keys=False,
                       default_flow_style=False, width=1000)


if __name__ == "__main__":
    main()
