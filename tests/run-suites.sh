#!/usr/bin/env bash
# Run every test suite given as an argument and print one closing line with
# the totals.  Criterion binaries report through their "Synthesis" line; other
# commands (VM matrix, fuzz smoke) end with "N passed, N failed[, N skipped]".
# Exits non-zero if any suite failed, crashed or broke.
set -uo pipefail
pass=0 fail=0 skip=0 broken=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for suite in "$@"; do
	name=$(basename "${suite%% *}")
	echo "==> $name"
	if [ -x "${suite%% *}" ] && [[ "$suite" != *" "* ]] && head -c 4 "$suite" | grep -q ELF; then
		# --jobs=1: integration suites share BPF maps, runc and mounts.
		"$suite" --jobs=1 --verbose 2>&1 | tee "$log"
	else
		bash -c "$suite" 2>&1 | tee "$log"
	fi
	rc=${PIPESTATUS[0]}
	if line=$(grep -a 'Synthesis:' "$log" | tail -1) && [ -n "$line" ]; then
		t=$(sed -n 's/.*Tested: \([0-9]*\).*/\1/p' <<<"$line")
		p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$line")
		f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$line")
		c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$line")
		s=$(grep -ac '\[SKIP\]' "$log" || true)
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
		[ "$c" -gt 0 ] 2>/dev/null && [ "$c" -gt "$f" ] && fail=$((fail + c - f))
		: "$t"
	elif line=$(grep -aE '^([a-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1) && [ -n "$line" ]; then
		p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')
		f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
		s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	else
		echo "!! $name printed no result line (exit $rc)"
		broken+=("$name")
		continue
	fi
	[ "$rc" -ne 0 ] && echo "!! $name exited $rc" && broken+=("$name")
done

[ ${#broken[@]} -gt 0 ] && echo "suites that failed or broke: ${broken[*]}"
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
