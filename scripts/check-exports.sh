#!/usr/bin/env bash
# Every symbol the runtime's libraries export is gh_<module>_…: statics carry
# no gh_ and exports carry nothing else (docs/architecture.md, names).  Read
# with nm on the built libraries; compiler-generated names (__…) are skipped.
# Usage: scripts/check-exports.sh BUILDDIR   (a `make check` test too)
set -euo pipefail
builddir=${1:-${GH_TEST_BUILDDIR:-.}}
bad=0
n=0
for layer in util gpu conf plugin virt session api ctl; do
    lib="$builddir/.libs/libgh$layer.a"
    [ -f "$lib" ] || { echo "check-exports: $lib is missing (build first)" >&2; exit 1; }
    while read -r obj sym; do
        n=$((n + 1))
        case "$sym" in
            gh_[a-z]*_*) ;;
            __*) ;;
            *) echo "check-exports: libgh$layer ($obj) exports $sym: exported names start gh_<module>_"
               bad=1 ;;
        esac
    done < <(nm -A -g --defined-only "$lib" 2>/dev/null |
             awk 'NF == 3 && $2 ~ /[TDBRVWG]/ {split($1, p, ":"); sub(/^libgh[a-z]+_la-/, "", p[2]); print p[2], $3}')
done
if [ "$bad" -ne 0 ]; then
    echo "check-exports: FAIL"
    exit 1
fi
echo "check-exports: OK ($n exported symbols, all gh_<module>_…)"
