#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# kind backend of the Beesting harness: the same scenario steps as the local
# backend, on a kind cluster.
#
#   kind.sh up                       cluster + agent image loaded into it
#   kind.sh deploy                   agent DaemonSet + victim pods, wait ready
#   kind.sh victims                  victim pod names, one per line
#   kind.sh attack <pod> <method> [path [host-path]]
#                                    beesting-attack inside the victim pod;
#                                    host_bind_source runs in the agent pod of
#                                    the victim's node on the host path
#   kind.sh logs                     agents' output (JSON lines are events)
#   kind.sh down                     delete the cluster
# Verbs of the harness engine (harness/backend_kind.c):
#   kind.sh up INJECT DETECT ATTACH EVENTS_FILE
#                                    cluster + agent with these strategies;
#                                    agents' JSON lines follow into the file
#   kind.sh victim-up NAME TOKEN_PATH  one victim pod, prints
#                                    "POD_UID CONTAINER_ID [HOST_PATH]"
#   kind.sh victim-down NAME
#   kind.sh agent-alive              exit 0 when every agent pod is ready
#   kind.sh leftovers                prints the number of node containers left
#
# Exit: the attack tool's status for attack; 3 when kind/kubectl/docker are
# missing (reason on stderr); 1 on other failures, 2 on usage errors.
set -euo pipefail

CLUSTER=${BS_KIND_CLUSTER:-beesting}
IMAGE=${BS_KIND_IMAGE:-beesting:dev}
TOKEN=${BS_TOKEN:-/root/.aws/credentials}
AGENT_NS=beesting
VICTIM_NS=beesting-victims
TOOL=/attack/beesting-attack
WAIT=${BS_KIND_WAIT:-180s}
STATE=${BS_KIND_STATE:-/run/beesting-kind}
SRC=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	sed -n 's/^#   //p' "$0" >&2
	exit 2
}

# Say everything that is missing at once, then give up.
check_tools() {
	local missing=() c
	for c in kind kubectl docker; do
		command -v "$c" >/dev/null 2>&1 || missing+=("$c")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "kind.sh: missing: ${missing[*]}" >&2
		exit 3
	fi
	if ! docker info >/dev/null 2>&1; then
		echo "kind.sh: docker is installed but no Docker engine answers" >&2
		exit 3
	fi
}

kc() {
	kubectl --context "kind-$CLUSTER" "$@"
}

cmd_up() {
	if ! kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
		kind create cluster --name "$CLUSTER" --config "$SRC/kind/cluster.yaml"
	fi
	docker build -f "$SRC/kind/Dockerfile" -t "$IMAGE" "$SRC"
	kind load docker-image "$IMAGE" --name "$CLUSTER"
}

# The DaemonSet with the strategies swapped in (defaults: bind/open/auto).
deploy_agent() {
	local inject=${1:-bind} detect=${2:-open} attach=${3:-auto}
	sed -e "s/--inject=bind/--inject=$inject/" \
		-e "s/--detect=open/--detect=$detect/" \
		-e "s/--attach=auto/--attach=$attach/" \
		"$SRC/kind/beesting.yaml" | kc apply -f -
	kc -n "$AGENT_NS" rollout status daemonset/beesting --timeout="$WAIT"
}

cmd_deploy() {
	deploy_agent
	kc apply -f "$SRC/kind/victims.yaml"
	kc -n "$VICTIM_NS" rollout status deployment/victim --timeout="$WAIT"
}

# Keep the agents' event lines flowing into a file until `down`.
follow_events() {
	local file=$1
	mkdir -p "$STATE"
	: >"$file"
	kc -n "$AGENT_NS" logs -f -l app=beesting -c agent --tail=-1 \
		--max-log-requests=16 2>/dev/null </dev/null |
		grep --line-buffered '^{' >>"$file" &
	echo $! >"$STATE/follow.pid"
}

stop_follow() {
	local pidf=$STATE/follow.pid
	[ -f "$pidf" ] || return 0
	# the pipeline's last process; kubectl dies of SIGPIPE after it
	kill "$(cat "$pidf")" 2>/dev/null || true
	rm -f "$pidf"
}

cmd_up_engine() {
	cmd_up
	deploy_agent "$1" "$2" "$3"
	kc get namespace "$VICTIM_NS" >/dev/null 2>&1 ||
		kc create namespace "$VICTIM_NS"
	follow_events "$4"
}

# One bare victim pod like the Deployment's, so the engine controls its life.
cmd_victim_up() {
	local name=$1 token=$2 uid ctr host agent
	kc -n "$VICTIM_NS" apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $name
  labels:
    app: victim
spec:
  initContainers:
    - name: attack-tool
      image: $IMAGE
      imagePullPolicy: IfNotPresent
      command: ["cp", "/usr/local/bin/beesting-attack", "/attack/"]
      volumeMounts: [{name: attack, mountPath: /attack}]
  containers:
    - name: app
      image: busybox:1.36
      command: ["sleep", "86400"]
      volumeMounts: [{name: attack, mountPath: /attack, readOnly: true}]
  volumes: [{name: attack, emptyDir: {}}]
YAML
	kc -n "$VICTIM_NS" wait --for=condition=Ready "pod/$name" --timeout="$WAIT" >&2
	uid=$(kc -n "$VICTIM_NS" get pod "$name" -o jsonpath='{.metadata.uid}')
	ctr=$(kc -n "$VICTIM_NS" get pod "$name" \
		-o jsonpath='{.status.containerStatuses[0].containerID}')
	ctr=${ctr#*://}
	# Best effort: the bind source is the agent's file named after the token.
	host=""
	agent=$(agent_pod_for "$name" || true)
	if [ -n "$agent" ]; then
		host=$(kc -n "$AGENT_NS" exec "$agent" -c agent -- \
			find /var/lib/beesting -path "*$ctr*" -type f \
			-name "$(basename "$token")" 2>/dev/null | head -1 || true)
	fi
	echo "$uid $ctr $host"
}

cmd_victim_down() {
	kc -n "$VICTIM_NS" delete pod "$1" --grace-period=1 --wait=true \
		--ignore-not-found >&2
}

cmd_agent_alive() {
	local want ready
	want=$(kc -n "$AGENT_NS" get daemonset beesting \
		-o jsonpath='{.status.desiredNumberScheduled}' 2>/dev/null || true)
	ready=$(kc -n "$AGENT_NS" get daemonset beesting \
		-o jsonpath='{.status.numberReady}' 2>/dev/null || true)
	[ -n "$want" ] && [ "$want" -gt 0 ] && [ "$want" = "$ready" ]
}

cmd_leftovers() {
	docker ps -aq --filter "label=io.x-k8s.kind.cluster=$CLUSTER" | wc -l
}

cmd_victims() {
	kc -n "$VICTIM_NS" get pods -l app=victim \
		-o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}'
}

# The agent pod running on the same node as a victim pod.
agent_pod_for() {
	local node
	node=$(kc -n "$VICTIM_NS" get pod "$1" -o jsonpath='{.spec.nodeName}')
	kc -n "$AGENT_NS" get pods -l app=beesting \
		--field-selector "spec.nodeName=$node" \
		-o jsonpath='{.items[0].metadata.name}'
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

# Agent stdout carries the JSON events, stderr its log; kubectl merges them,
# so readers keep the lines that start with '{'.
cmd_logs() {
	kc -n "$AGENT_NS" logs -l app=beesting -c agent --tail=-1 \
		--max-log-requests=16
}

cmd_down() {
	stop_follow
	kind delete cluster --name "$CLUSTER"
}

[ $# -ge 1 ] || usage
check_tools
case $1 in
up)
	if [ $# -eq 5 ]; then
		cmd_up_engine "$2" "$3" "$4" "$5"
	else
		[ $# -eq 1 ] || usage
		cmd_up
	fi
	;;
victim-up)
	[ $# -eq 3 ] || usage
	cmd_victim_up "$2" "$3"
	;;
victim-down)
	[ $# -eq 2 ] || usage
	cmd_victim_down "$2"
	;;
agent-alive) cmd_agent_alive ;;
leftovers) cmd_leftovers ;;
deploy) cmd_deploy ;;
victims) cmd_victims ;;
attack)
	[ $# -ge 3 ] || usage
	shift
	cmd_attack "$@"
	;;
logs) cmd_logs ;;
down) cmd_down ;;
*) usage ;;
esac
