#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Drive the peer tools Beesting is compared against.
#
#   peers.sh start auditd|fatrace <token-path> <outfile>
#   peers.sh stop  auditd|fatrace
#   peers.sh count auditd|fatrace <outfile> <token-path>   -> prints N
#
# auditd: a watch rule (-w TOKEN -p r) with our key; the records written
#   while it was armed are copied into <outfile> (by stop, or by count while
#   it still runs).  The watch follows the inode, so every open counts, under
#   whatever name it was reached.
# fatrace: fanotify open events (-f O) into <outfile>; only lines naming
#   <token-path> count, so the path must be the one fatrace sees.
#
# Exit: 0 ok, 1 failure, 2 usage, 3 the tool cannot run here (reason on
# stderr; the harness records "unavailable").
set -euo pipefail

STATE=${BS_PEERS_STATE:-/run/beesting-peers}
KEY=beesting-peer
AUDIT_LOG=${BS_AUDIT_LOG:-/var/log/audit/audit.log}
READY_TIMEOUT=50 # x 0.1 s

die() {
	echo "peers: $*" >&2
	exit 1
}

unavailable() {
	echo "peers: unavailable: $*" >&2
	exit 3
}

usage() {
	sed -n 's/^#   //p' "$0" >&2
	exit 2
}

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			unavailable "$c not installed (Debian package: $tool)"
	done
}

alive() {
	[ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null
}

# Stop one process we started: TERM, wait up to 5 s, then KILL.
stop_pid() {
	local pid=$1 i
	alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# ---- fatrace ---------------------------------------------------------------

fatrace_start() {
	local token=$1 out=$2 probe pid i
	need fatrace
	probe=$(mktemp "$STATE/probe.XXXXXX")
	rm -f "$out" # fatrace -o refuses an existing file
	# stdio away from the caller: a popen()ing harness must not wait on us
	fatrace -f O -o "$out" </dev/null >/dev/null 2>"$STATE/fatrace.err" &
	pid=$!
	echo "$pid" >"$STATE/fatrace.pid"
	# Ready once our own probe open shows up: no sleeps guessed.
	for ((i = 0; i < READY_TIMEOUT; i++)); do
		if ! alive "$pid"; then
			rm -f "$probe" "$STATE/fatrace.pid"
			unavailable "fatrace exited: $(head -c 300 "$STATE/fatrace.err")"
		fi
		cat "$probe" >/dev/null
		grep -qF "$probe" "$out" && break
		sleep 0.1
	done
	rm -f "$probe"
	if [ "$i" -ge "$READY_TIMEOUT" ]; then
		stop_pid "$pid"
		rm -f "$STATE/fatrace.pid"
		unavailable "fatrace started but reported no open events"
	fi
	echo "$token" >"$STATE/fatrace.token"
}

fatrace_stop() {
	local pidf=$STATE/fatrace.pid
	[ -f "$pidf" ] || return 0
	stop_pid "$(cat "$pidf")"
	rm -f "$pidf" "$STATE/fatrace.token"
}

# Lines look like "comm(pid): RCO /path"; the path is everything after the
# event letters and their padding.
fatrace_count() {
	local out=$1 token=$2
	[ -f "$out" ] || die "no such output file: $out"
	awk -v tok="$token" '
		{
			i = index($0, "): ")
			if (!i)
				next
			rest = substr($0, i + 3)
			# event letters (merged, e.g. "RCO"), padded with blanks
			if (sub(/^[^ ]+ +/, "", rest) && rest == tok)
				n++
		}
		END { print n + 0 }' "$out"
}

# ---- auditd ----------------------------------------------------------------

audit_status() {
	auditctl -s 2>&1
}

auditd_start() {
	local token=$1 out=$2 st enabled pid i err
	# A watch is on the inode the path names: a projected token is a
	# symlink (name -> ..data/name), the file is where it leads.
	token=$(readlink -f -- "$token") || die "cannot resolve $1"
	need auditctl auditd ausearch
	st=$(audit_status) || unavailable "kernel audit not usable: $st"
	enabled=$(awk '$1 == "enabled" { print $2 }' <<<"$st")
	[ "$enabled" = 2 ] && unavailable "audit configuration is locked (enabled 2)"
	pid=$(awk '$1 == "pid" { print $2 }' <<<"$st")
	echo "$enabled" >"$STATE/auditd.enabled"
	if [ "${pid:-0}" = 0 ]; then
		mkdir -p "$(dirname "$AUDIT_LOG")"
		auditd -n </dev/null >/dev/null 2>"$STATE/auditd.err" &
		echo $! >"$STATE/auditd.pid"
		for ((i = 0; i < READY_TIMEOUT; i++)); do
			alive "$(cat "$STATE/auditd.pid")" ||
				unavailable "auditd exited: $(head -c 300 "$STATE/auditd.err")"
			st=$(audit_status)
			[ "$(awk '$1 == "pid" { print $2 }' <<<"$st")" != 0 ] && break
			sleep 0.1
		done
		[ "$i" -lt "$READY_TIMEOUT" ] || {
			auditd_stop
			unavailable "auditd did not register with the kernel"
		}
	fi
	auditctl -e 1 >/dev/null || unavailable "cannot enable auditing"
	touch "$AUDIT_LOG"
	stat -c %s "$AUDIT_LOG" >"$STATE/auditd.offset"
	echo "$token" >"$STATE/auditd.token"
	echo "$out" >"$STATE/auditd.out"
	if ! err=$(auditctl -w "$token" -p r -k "$KEY" 2>&1); then
		auditd_stop
		die "auditctl -w $token: $err"
	fi
	: >"$out"
}

# Copy what auditd logged since start into the output file.
auditd_collect() {
	local out=$1 off
	[ -f "$STATE/auditd.offset" ] || return 0
	off=$(cat "$STATE/auditd.offset")
	tail -c +"$((off + 1))" "$AUDIT_LOG" >"$out" 2>/dev/null || true
}

auditd_stop() {
	local token out pid
	if [ -f "$STATE/auditd.token" ]; then
		token=$(cat "$STATE/auditd.token")
		auditctl -W "$token" -p r -k "$KEY" >/dev/null 2>&1 || true
	fi
	if [ -f "$STATE/auditd.pid" ]; then
		pid=$(cat "$STATE/auditd.pid")
		stop_pid "$pid"
		wait "$pid" 2>/dev/null || true
	fi
	[ -f "$STATE/auditd.out" ] && auditd_collect "$(cat "$STATE/auditd.out")"
	if [ -f "$STATE/auditd.enabled" ]; then
		auditctl -e "$(cat "$STATE/auditd.enabled")" >/dev/null 2>&1 || true
	fi
	rm -f "$STATE"/auditd.{pid,token,out,offset,enabled,err}
}

# One SYSCALL (or io_uring URINGOP) record per access carries our key;
# auditctl's own rule changes carry it too and are left out.
auditd_count() {
	local out=$1
	if [ -f "$STATE/auditd.out" ] && [ "$(cat "$STATE/auditd.out")" = "$out" ]; then
		auditd_collect "$out"
	fi
	[ -f "$out" ] || die "no such output file: $out"
	awk -v key="key=\"$KEY\"" '
		match($0, /msg=audit\([0-9.:]+\)/) {
			id = substr($0, RSTART + 10, RLENGTH - 11)
			if ($1 == "type=CONFIG_CHANGE")
				cfg[id] = 1
			else if (($1 == "type=SYSCALL" || $1 == "type=URINGOP") &&
				 index($0, key))
				hit[id] = 1
		}
		END {
			for (id in hit)
				if (!(id in cfg))
					n++
			print n + 0
		}' "$out"
}

# ---- main ------------------------------------------------------------------

[ $# -ge 2 ] || usage
cmd=$1 tool=$2
case $tool in
auditd | fatrace) ;;
*) echo "peers: unknown tool '$tool' (auditd|fatrace)" >&2 && exit 2 ;;
esac
mkdir -p "$STATE"

case $cmd in
start)
	[ $# -eq 4 ] || usage
	[ -e "$3" ] || die "token $3 does not exist"
	if [ -f "$STATE/$tool.token" ]; then
		die "$tool already started (peers.sh stop $tool)"
	fi
	"${tool}_start" "$3" "$4"
	;;
stop)
	[ $# -eq 2 ] || usage
	"${tool}_stop"
	;;
count)
	[ $# -eq 4 ] || usage
	"${tool}_count" "$3" "$4"
	;;
*)
	usage
	;;
esac
