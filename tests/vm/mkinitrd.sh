#!/usr/bin/env bash
# Pack the matrix guest: /init, /runner and a static busybox into a gzip'd
# newc cpio, plus BPF objects under /bpf for "runner verify".
# usage: mkinitrd.sh OUT RUNNER INIT BUSYBOX [OBJ.bpf.o...]
set -euo pipefail
out=$1 runner=$2 init=$3 busybox=$4
shift 4

if command -v file >/dev/null && ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
	# a dynamic busybox cannot run in the guest: it has no libc
	echo "mkinitrd: $busybox is not a static busybox (install busybox-static)" >&2
	exit 1
fi
root=$(mktemp -d "${out%/*}/root.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,bpf,dev,proc,sys,tmp}
[ $# -eq 0 ] || cp "$@" "$root/bpf/"
install -m 0755 "$busybox" "$root/bin/busybox"
install -m 0755 "$runner" "$root/runner"
install -m 0755 "$init" "$root/init"
# the kernel opens /dev/console before /init runs; needs root to create
mknod "$root/dev/console" c 5 1 2>/dev/null || true
(cd "$root" && find . | "$busybox" cpio -o -H newc 2>/dev/null) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
