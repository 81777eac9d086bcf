#!/usr/bin/env bash
# make lint: clang-tidy + cppcheck over the project's C sources.  Findings
# inside generated code ($BUILD: skeletons, protobuf-c) are not ours to fix
# and are left out; anything else fails the run.
set -uo pipefail
build=${BUILD:-build}
cflags=${LINT_CFLAGS:?}
srcs=("$@")
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# shellcheck disable=SC2086
clang-tidy --quiet "${srcs[@]}" -- $cflags >"$out" 2>&1
ours=$(grep -E '(warning|error):' "$out" | grep -v "^$build/\|/$build/" || true)
if [ -n "$ours" ]; then
	grep -v "^$build/" "$out" | head -100
	echo "lint: clang-tidy found problems" >&2
	exit 1
fi
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	--inline-suppr --suppress=missingIncludeSystem \
	-DPROTOBUF_C_VERSION_NUMBER=1004001 -D__x86_64__ -I. -I"$build" \
	"${srcs[@]}" || { echo "lint: cppcheck found problems" >&2; exit 1; }
echo "lint: clean (${#srcs[@]} files)"
