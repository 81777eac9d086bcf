#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Kubernetes backend of the Beesting harness (harness/backend_kind.c): the
# same scenario steps as the local backend, on a cluster.  BS_K8S_MODE=k8s
# drives any existing cluster (KUBECONFIG, BS_K8S_CONTEXT); kind (default)
# first creates the kind cluster and loads the image archive into it.  The
# agent is deployed through the manifest kind/render.py renders from the
# flags, so what runs is what was asked for.
#
#   kind.sh up INJECT DETECT ATTACH EVENTS_FILE
#                                    (kind: cluster + image) agent with these
#                                    strategies; its JSON lines follow into
#                                    the file
#   kind.sh agents                   number of agent pods wanted
#   kind.sh victim-up NAME TOKEN_PATH  one victim pod, prints
#                                    "POD_UID CONTAINER_ID [HOST_PATH]"
#   kind.sh victim-down NAME
#   kind.sh agent-alive              exit 0 when every agent pod is ready
#   kind.sh agent-restart            delete the agent pods, wait for new ones
#   kind.sh agent-stop | agent-start  no agent pods / back on every node
#   kind.sh attack <pod> <method> [path [host-path]]
#                                    beesting-attack inside the victim pod;
#                                    host_bind_source runs in the agent pod of
#                                    the victim's node on the host path
#   kind.sh recon <pod> [path]       beesting-attack recon in the victim pod
#   kind.sh logs                     agents' output (JSON lines are events)
#   kind.sh down                     delete what up made (kind: the cluster)
#   kind.sh leftovers                prints the number of objects left
#
# Environment: BS_BUILD (where make image/manifest write, default build),
# IMAGE (beesting:dev), VICTIM_IMAGE (busybox:1.36), PRIVILEGED (1).
# Exit: the attack tool's status for attack; 3 when the tools are missing
# (reason on stderr); 1 on other failures, 2 on usage errors.
set -euo pipefail

MODE=${BS_K8S_MODE:-kind}
CLUSTER=${BS_KIND_CLUSTER:-beesting}
IMAGE=${IMAGE:-beesting:dev}
VICTIM_IMAGE=${VICTIM_IMAGE:-busybox:1.36}
PRIVILEGED=${PRIVILEGED:-1}
TOKEN=${BS_TOKEN:-/root/.aws/credentials}
AGENT_NS=beesting
VICTIM_NS=beesting-victims
TOOL=/attack/beesting-attack
WAIT=${BS_KIND_WAIT:-180s}
STATE=${BS_K8S_STATE:-/run/beesting-$MODE}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BS_BUILD:-build}
PY=/usr/bin/python3

usage() {
	sed -n 's/^#   //p' "$0" >&2
	exit 2
}

# Say everything that is missing at once, then give up.
check_tools() {
	local missing=() c tools=(kubectl)
	[ "$MODE" = kind ] && tools=(kind kubectl docker)
	for c in "${tools[@]}"; do
		command -v "$c" >/dev/null 2>&1 || missing+=("$c")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "kind.sh: missing: ${missing[*]}" >&2
		exit 3
	fi
	if [ "$MODE" = kind ] && ! docker info >/dev/null 2>&1; then
		echo "kind.sh: docker is installed but no Docker engine answers" >&2
		exit 3
	fi
}

kc() {
	kubectl "${KC_ARGS[@]}" "$@"
}

render() {
	"$PY" "$SRC/kind/render.py" "$@" --image "$IMAGE" \
		--victim-image "$VICTIM_IMAGE" --privileged "$PRIVILEGED"
}

# kind: the cluster, and the image from the archive (make image), no Docker
# build.  k8s: the nodes pull IMAGE (or have it imported: ctr images import).
cluster_up() {
	[ "$MODE" = kind ] || return 0
	if ! kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
		kind create cluster --name "$CLUSTER" --config "$SRC/kind/cluster.yaml"
	fi
	make -C "$SRC" --no-print-directory -s BUILD="$BUILD_DIR" IMAGE="$IMAGE" image
	kind load image-archive "$BUILD_DIR/beesting-image.tar" --name "$CLUSTER"
}

# Keep the agents' event lines flowing into a file (appended) until down.
# setsid: one process group, so down stops kubectl and grep together.
follow_events() {
	local file=$1
	stop_follow
	setsid bash -c 'kubectl "$@" 2>/dev/null </dev/null |
		grep --line-buffered "^{"' _ \
		"${KC_ARGS[@]}" -n "$AGENT_NS" logs -f -l app=beesting -c agent \
		--tail=-1 --max-log-requests=64 >>"$file" &
	echo $! >"$STATE/follow.pid"
	echo "$file" >"$STATE/events"
}

stop_follow() {
	local pidf=$STATE/follow.pid
	[ -f "$pidf" ] || return 0
	kill -- "-$(cat "$pidf")" 2>/dev/null || true
	rm -f "$pidf"
}

cmd_up() {
	mkdir -p "$STATE"
	cluster_up
	render agent --inject "$1" --detect "$2" --attach "$3" >"$STATE/beesting.yaml"
	kc apply -f "$STATE/beesting.yaml" >&2
	kc -n "$AGENT_NS" rollout status daemonset/beesting --timeout="$WAIT" >&2
	kc get namespace "$VICTIM_NS" >/dev/null 2>&1 ||
		kc create namespace "$VICTIM_NS" >&2
	: >"$4"
	follow_events "$4"
}

cmd_agents() {
	kc -n "$AGENT_NS" get daemonset beesting \
		-o jsonpath='{.status.desiredNumberScheduled}'
}

# The agent pod running on the same node as a victim pod.
agent_pod_for() {
	local node
	node=$(kc -n "$VICTIM_NS" get pod "$1" -o jsonpath='{.spec.nodeName}')
	kc -n "$AGENT_NS" get pods -l app=beesting \
		--field-selector "spec.nodeName=$node" \
		-o jsonpath='{.items[0].metadata.name}'
}

cmd_victim_up() {
	# $2, the token path, is the agent's default (--token in the manifest)
	local name=$1 uid ctr host agent
	render victim "$name" | kc apply -f - >&2
	kc -n "$VICTIM_NS" wait --for=condition=Ready "pod/$name" --timeout="$WAIT" >&2
	uid=$(kc -n "$VICTIM_NS" get pod "$name" -o jsonpath='{.metadata.uid}')
	ctr=$(kc -n "$VICTIM_NS" get pod "$name" \
		-o jsonpath='{.status.containerStatuses[0].containerID}')
	ctr=${ctr#*://}
	# the bind source: the agent's file for that container (bind only)
	host=""
	agent=$(agent_pod_for "$name" || true)
	if [ -n "$agent" ]; then
		host=$(kc -n "$AGENT_NS" exec "$agent" -c agent -- \
			find /run/beesting -path "*$ctr*" -type f 2>/dev/null |
			head -1 || true)
	fi
	echo "$uid $ctr $host"
}

cmd_victim_down() {
	kc -n "$VICTIM_NS" delete pod "$1" --grace-period=1 --wait=true \
		--ignore-not-found >&2
}

cmd_agent_alive() {
	local want ready
	want=$(cmd_agents 2>/dev/null || true)
	ready=$(kc -n "$AGENT_NS" get daemonset beesting \
		-o jsonpath='{.status.numberReady}' 2>/dev/null || true)
	[ -n "$want" ] && [ "$want" -gt 0 ] && [ "$want" = "$ready" ]
}

# New pods are not followed by a running `logs -f -l`: follow again.
refollow() {
	[ -f "$STATE/events" ] && follow_events "$(cat "$STATE/events")"
	return 0
}

cmd_agent_restart() {
	kc -n "$AGENT_NS" delete pod -l app=beesting --wait=true >&2
	kc -n "$AGENT_NS" rollout status daemonset/beesting --timeout="$WAIT" >&2
	refollow
}

# No agent anywhere (a node selector no node has), then back.
cmd_agent_stop() {
	kc -n "$AGENT_NS" patch daemonset beesting --type merge -p \
		'{"spec":{"template":{"spec":{"nodeSelector":{"beesting.io/none":"x"}}}}}' >&2
	kc -n "$AGENT_NS" wait --for=delete pod -l app=beesting --timeout="$WAIT" >&2
}

cmd_agent_start() {
	kc -n "$AGENT_NS" patch daemonset beesting --type json -p \
		'[{"op":"remove","path":"/spec/template/spec/nodeSelector"}]' >&2
	kc -n "$AGENT_NS" rollout status daemonset/beesting --timeout="$WAIT" >&2
	refollow
}

cmd_attack() {
	local pod=$1 method=$2 path=${3:-$TOKEN} agent
	if [ "$method" = host_bind_source ]; then
		path=${4:-${3:-}}
		if [ -z "$path" ]; then
			echo "kind.sh: host_bind_source needs the host path" >&2
			exit 1
		fi
		agent=$(agent_pod_for "$pod")
		[ -n "$agent" ] || { echo "kind.sh: no agent pod on $pod's node" >&2; exit 1; }
		kc -n "$AGENT_NS" exec "$agent" -c agent -- \
			/usr/local/bin/beesting-attack host_bind_source "$path"
		return
	fi
	kc -n "$VICTIM_NS" exec "$pod" -c app -- \
		"$TOOL" "$method" "$path" --other /etc/hostname
}

# The attacker's view (harness/attack/tells.h): one "tell,visible,evidence" line
# per tell on stdout.
cmd_recon() {
	kc -n "$VICTIM_NS" exec "$1" -c app -- "$TOOL" recon "${2:-$TOKEN}"
}

# Agent stdout carries the JSON events, stderr its log; kubectl merges them,
# so readers keep the lines that start with '{'.
cmd_logs() {
	kc -n "$AGENT_NS" logs -l app=beesting -c agent --tail=-1 \
		--max-log-requests=64
}

# Every step is tried whatever the one before did; the status says if all
# worked.
cmd_down() {
	local rc=0
	stop_follow
	if [ "$MODE" = kind ]; then
		kind delete cluster --name "$CLUSTER" || rc=1
	else
		kc delete namespace "$VICTIM_NS" --ignore-not-found \
			--wait=true >&2 || rc=1
		if [ -f "$STATE/beesting.yaml" ]; then
			kc delete -f "$STATE/beesting.yaml" --ignore-not-found \
				--wait=true >&2 || rc=1
		fi
	fi
	rm -rf "$STATE"
	return $rc
}

# What down did not remove: kind node containers, or our namespaces.
cmd_leftovers() {
	if [ "$MODE" = kind ]; then
		docker ps -aq --filter "label=io.x-k8s.kind.cluster=$CLUSTER" | wc -l
		return
	fi
	kc get namespace "$AGENT_NS" "$VICTIM_NS" --ignore-not-found \
		-o name 2>/dev/null | wc -l
}

[ $# -ge 1 ] || usage
check_tools
KC_ARGS=()
if [ "$MODE" = kind ]; then
	KC_ARGS=(--context "kind-$CLUSTER")
elif [ -n "${BS_K8S_CONTEXT:-}" ]; then
	KC_ARGS=(--context "$BS_K8S_CONTEXT")
fi
case $1 in
up)
	[ $# -eq 5 ] || usage
	cmd_up "$2" "$3" "$4" "$5"
	;;
agents) cmd_agents ;;
victim-up)
	[ $# -eq 3 ] || usage
	cmd_victim_up "$2" "$3"
	;;
victim-down)
	[ $# -eq 2 ] || usage
	cmd_victim_down "$2"
	;;
agent-alive) cmd_agent_alive ;;
agent-restart) cmd_agent_restart ;;
agent-stop) cmd_agent_stop ;;
agent-start) cmd_agent_start ;;
leftovers) cmd_leftovers ;;
attack)
	[ $# -ge 3 ] || usage
	shift
	cmd_attack "$@"
	;;
recon)
	[ $# -ge 2 ] || usage
	cmd_recon "$2" "${3:-}"
	;;
logs) cmd_logs ;;
down) cmd_down ;;
*) usage ;;
esac
