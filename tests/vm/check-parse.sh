#!/usr/bin/env bash
# The matrix's verdict logic without QEMU: synthetic guest logs through
# matrix.sh --parse-only, checking "passed failed skipped n/a" for each.
# Ends with "vm-parse: N passed, N failed".
set -uo pipefail
matrix=$(dirname "$0")/matrix.sh
log=$(mktemp) && trap 'rm -f "$log"' EXIT
pass=0 fail=0

B='@@ begin kernel=k detect=open backend=lsm'
R='@@ begin kernel=k detect=readscan backend=lsm'
ok='case a backend=lsm expect=alert got=1 PASS'

# check NAME "P F S NA" LINE...   ($na: the expected-N/A table, default
# tests/vm/unsupported)
check() {
	local name=$1 want=$2 got
	shift 2
	printf '%s\r\n' "$@" >"$log"
	got=$("$matrix" --parse-only "$log" ${na:+--unsupported "$na"} 2>/dev/null | tail -1)
	if [ "$got" = "$want" ]; then
		pass=$((pass + 1))
	else
		echo "vm-parse: $name: want '$want', got '$got'"
		fail=$((fail + 1))
	fi
}

check all_pass "2 0 0 0" "$B" "$ok" "case b backend=lsm expect=none got=0 PASS" "@@ end rc=0"
check blind_is_skip "1 0 1 0" "$B" "$ok" "case b backend=lsm expect=blind got=0 BLIND" "@@ end rc=0"
check fail_line "0 1 0 0" "$B" "case a backend=lsm expect=alert got=0 FAIL" "@@ end rc=1"
check na_backend "0 0 1 1" "$R" "@@ end rc=2"
check no_start "0 1 0 0" "$B" "@@ end rc=2"
# An expected N/A bounded by kernel: here readscan on every backend of
# kernels before 5.17 (a table of the test's own)
natab=$(mktemp) && trap 'rm -f "$log" "$natab"' EXIT
na=$natab
printf '%s\n' '# test table' 'readscan lsm - no LSM hook' 'readscan * 5.17 needs bpf_loop' >"$na"
old='@@ begin kernel=5.10.0-46-cloud-amd64 detect=readscan backend=fentry'
new='@@ begin kernel=6.1.0-57-cloud-amd64 detect=readscan backend=fentry'
check na_old_kernel "0 0 1 1" "$old" "@@ end rc=2"
check na_not_on_newer "0 1 0 0" "$new" "@@ end rc=2"
check na_other_detect "0 1 0 0" "${old/readscan/open}" "@@ end rc=2"
check na_is_only_nostart "0 1 0 0" "$old" "@@ end rc=1"
check na_but_ran "1 0 0 0" "$old" "case a backend=fentry expect=alert got=1 PASS" "@@ end rc=0"
check na_unknown_kernel "0 1 0 0" "${old/5.10.0-46-cloud-amd64/k}" "@@ end rc=2"
# the table the matrix runs with: 5.10 starts every readscan backend now
na=
check no_na_for_5_10_readscan "0 1 0 0" "$old" "@@ end rc=2"
check wrong_backend "0 1 0 0" "$B" "case a backend=tracepoint expect=alert got=1 PASS" "@@ end rc=0"
check exit_without_fail "1 1 0 0" "$B" "$ok" "@@ end rc=1"
check crash "1 1 0 0" "$B" "$ok" "@@ end rc=139"
check no_cases "0 1 0 0" "$B" "@@ end rc=0"
check unfinished "1 1 0 0" "$B" "$ok"
check noise_ignored "1 0 0 0" "[    1.0] case x backend=lsm PASS" "$B" "$ok" \
	"# case b backend=lsm expect=alert got=0 FAIL" "@@ end rc=0" "case z backend=lsm expect=alert got=0 FAIL"
check empty_log "0 0 0 0"

# A kernel config without fanotify permission events: no fanotify run,
# the reason said; with them, or with no config to read, it runs.
kdir=$(mktemp -d) && trap 'rm -f "$log" "$natab"; rm -rf "$kdir"' EXIT
touch "$kdir/vmlinuz-9.9-test"
# detects NAME "WANT" CONFIG-LINES
detects() {
	local name=$1 want=$2 got
	shift 2
	if [ $# -gt 0 ]; then printf '%s\n' "$@" >"$kdir/config-9.9-test"; fi
	got=$("$matrix" --detects-for "$kdir/vmlinuz-9.9-test" | paste -sd'|' -)
	if [ "$got" = "$want" ]; then
		pass=$((pass + 1))
	else
		echo "vm-parse: $name: want '$want', got '$got'"
		fail=$((fail + 1))
	fi
}
detects no_config "open,readscan,fanotify"
detects no_perm_events "open,readscan|9.9-test kernel config lacks CONFIG_FANOTIFY_ACCESS_PERMISSIONS" \
	CONFIG_FANOTIFY=y "# CONFIG_FANOTIFY_ACCESS_PERMISSIONS is not set"
detects no_fanotify "open,readscan|9.9-test kernel config lacks CONFIG_FANOTIFY" "# CONFIG_FANOTIFY is not set"
detects perm_events "open,readscan,fanotify" CONFIG_FANOTIFY=y CONFIG_FANOTIFY_ACCESS_PERMISSIONS=y

echo "vm-parse: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
