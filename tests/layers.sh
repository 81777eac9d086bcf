#!/usr/bin/env bash
# Includes run one way, from the bottom layer up:
#
#   lib  <-  bpf (event header)  <-  nri  <-  strategies  <-  agent
#        <-  harness  <-  bench                     tests: at the side
#
# A file may include its own layer and the layers below it, never one
# above; nothing but tests includes tests/.  Prints every include that
# breaks this and exits 1; "layers: clean" otherwise.  Run from the root.
set -uo pipefail

rank() {
	case $1 in
	lib) echo 0 ;;
	bpf) echo 1 ;;
	nri) echo 2 ;;
	strategies) echo 3 ;;
	agent) echo 4 ;;
	harness) echo 5 ;;
	bench) echo 6 ;;
	tests) echo 99 ;;
	*) echo -1 ;;
	esac
}

# Inside harness/ the rooms run one way too: attack/ (the static attack
# tool) <- runtime/ (runc, OCI, containerd, the NRI pod driver; and the
# agent process, agentproc.h) <- reliability/ <- the engine and backends
# at the top.
room() {
	case $1 in
	harness/attack/*) echo 0 ;;
	harness/runtime/* | harness/agentproc.[ch]) echo 1 ;;
	harness/reliability/*) echo 2 ;;
	*) echo 3 ;;
	esac
}

bad=0
while IFS= read -r f; do
	from=${f%%/*}
	rf=$(rank "$from")
	[ "$rf" -lt 0 ] && continue
	while IFS= read -r inc; do
		to=${inc%%/*}
		rt=$(rank "$to")
		[ "$rt" -lt 0 ] && continue # system or generated header
		if [ "$to" = tests ] && [ "$from" != tests ]; then
			echo "$f: includes $inc (only tests include tests/)"
			bad=1
		elif [ "$from" != tests ] && [ "$rt" -gt "$rf" ]; then
			echo "$f: includes $inc ($to is above $from)"
			bad=1
		elif [ "$from" = harness ] && [ "$to" = harness ] &&
			[ "$(room "$inc")" -gt "$(room "$f")" ]; then
			echo "$f: includes $inc (a room above its own)"
			bad=1
		fi
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done < <(git ls-files '*.c' '*.h')

if [ "$bad" -ne 0 ]; then
	echo "layers: includes that run against the layer order" >&2
	exit 1
fi
echo "layers: clean"
