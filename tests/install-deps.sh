#!/usr/bin/env bash
# Install the Debian packages in $PACKAGES that are missing.  Quiet when all
# are there; waits for the dpkg lock instead of failing.
set -euo pipefail
read -r -a want <<<"${PACKAGES:?PACKAGES not set}"
missing=()
for p in "${want[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd=(apt-get install -y -q --no-install-recommends "${missing[@]}")
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages; as root run:" >&2
	echo "  apt-get update && ${cmd[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
lock=(-o DPkg::Lock::Timeout=600)
# A fresh machine has no package lists yet.
if ! apt-get "${lock[@]}" install -y -q --no-install-recommends "${missing[@]}" >/tmp/beesting-deps.log 2>&1; then
	apt-get "${lock[@]}" update -q >>/tmp/beesting-deps.log 2>&1
	if ! apt-get "${lock[@]}" install -y -q --no-install-recommends "${missing[@]}" >>/tmp/beesting-deps.log 2>&1; then
		tail -20 /tmp/beesting-deps.log >&2
		echo "deps: apt-get install failed (full log: /tmp/beesting-deps.log)" >&2
		exit 1
	fi
fi
echo "deps: done"
