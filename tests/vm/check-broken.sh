#!/usr/bin/env bash
# Proves failure propagates out of the guest: boots the first and the last
# kernel of the matrix (the oldest and the newest), side by side, with one
# case deliberately broken (--break-case flips its expectation) and passes
# only when the matrix exits non-zero and reports exactly that failure once
# per kernel.  Ends with "vm-broken: N passed, N failed[, N skipped]".
#
# usage: check-broken.sh [matrix.sh options...]   (--kernels: first and last used)
set -uo pipefail
here=$(dirname "$0")
label=vm-broken
args=() kernels="linux-image-cloud-amd64" csv=results/kernel-matrix.csv
backend=lsm detect=open brk= mode=probe

while [ $# -gt 0 ]; do
	case "$1" in
	--kernels) kernels=$2 ;;
	--break-case) brk=$2 ;;
	--results) csv=$2 ;;
	--mode) mode=$2; args+=("$1" "$2") ;;
	*) args+=("$1" "$2") ;;
	esac
	shift 2 || break
done

# Break a case that passed in the last full run, so the flip must show.
if [ -z "$brk" ] && [ -r "$csv" ]; then
	brk=$(awk -F, -v b="$backend" -v d="$detect" \
		'$2 == b && $3 == d && $5 == "alert" && $6 == "PASS" { print $4; exit }' "$csv")
fi
# no earlier run: a case each flavour has and that alerts on lsm
if [ -z "$brk" ]; then
	[ "$mode" = suite ] && brk=cat || brk=open
fi

out=$(mktemp) && trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086 # one word per kernel
set -- $kernels
ends=$1
[ $# -gt 1 ] && ends="$1 ${!#}"
nk=$(wc -w <<<"$ends")
"$here/matrix.sh" "${args[@]}" --kernels "$ends" --label vm-broken-run --jobs 2 \
	--backends "$backend" --detects "$detect" --break-case "$brk" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
sum=$(grep -E '^vm-broken-run: [0-9]+ passed' "$out" | tail -1)
failed=$(grep -oE '[0-9]+ failed' <<<"$sum" | grep -oE '[0-9]+')
skipped=$(grep -oE '[0-9]+ skipped' <<<"$sum" | grep -oE '[0-9]+')

if [ -z "$sum" ]; then
	echo "$label: FAIL: the matrix printed no result line (exit $rc)"
	echo "$label: 0 passed, 1 failed"
	exit 1
fi
if [ "${failed:-0}" -eq 0 ] && [ "${skipped:-0}" -gt 0 ] && [ "$rc" -eq 0 ]; then
	echo "$label: skipped: the matrix could not run"
	echo "$label: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
if [ "$rc" -ne 0 ] && [ "$failed" = "$nk" ] &&
	[ "$(grep -c "| case $brk .* FAIL\$" "$out")" = "$nk" ]; then
	echo "$label: broken case '$brk' was reported as a failure on $nk kernel(s) (exit $rc)"
	echo "$label: 1 passed, 0 failed"
	exit 0
fi
echo "$label: FAIL: broken case '$brk' gave exit $rc and '$sum'"
echo "$label: 0 passed, 1 failed"
exit 1
