#!/usr/bin/env bash
# results/kernel-matrix.csv -> Markdown table for docs/strategies.md.
# Rows: detect/case; columns: kernel/backend; cells: alert (alerted as
# expected), — (silent as expected), blind (a known blind spot), n/a (the
# strategy has no such backend), FAIL / nostart (broken).
# usage: matrix-table.sh [CSV]   (default results/kernel-matrix.csv)
set -euo pipefail
csv=${1:-results/kernel-matrix.csv}
[ -r "$csv" ] || { echo "matrix-table: cannot read $csv" >&2; exit 1; }

awk -F, '
function cell(e, r) {
	if (r == "BLIND") return "blind"
	if (r == "N/A") return "n/a"
	if (r == "PASS") return e == "alert" ? "alert" : "—"
	if (r == "FAIL") return "**FAIL** (" e " expected)"
	return "**" tolower(r) "**"
}
NR == 1 { next }
NF < 6 { next }
{
	k = $1; sub(/-cloud-amd64$/, "", k); sub(/\+deb[0-9]+$/, "", k)
	col = k " " $2
	row = $3 "/" $4
	if (!(col in cseen)) { cseen[col] = 1; cols[++nc] = col }
	# "(start)"/"(runner)" rows (a configuration that did not run) go last
	if (!(row in rseen)) {
		rseen[row] = 1
		if (substr($4, 1, 1) == "(") late[++nl] = row
		else rows[++nr] = row
	}
	v[row, col] = cell($5, $6)
}
END {
	for (i = 1; i <= nl; i++) rows[++nr] = late[i]
	if (!nr) { print "matrix-table: no rows" > "/dev/stderr"; exit 1 }
	line = "| case |"; sep = "|---|"
	for (c = 1; c <= nc; c++) { line = line " " cols[c] " |"; sep = sep "---|" }
	print line; print sep
	for (r = 1; r <= nr; r++) {
		line = "| " rows[r] " |"
		for (c = 1; c <= nc; c++)
			line = line " " ((rows[r], cols[c]) in v ? v[rows[r], cols[c]] : "") " |"
		print line
	}
}' "$csv"
