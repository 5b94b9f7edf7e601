#!/usr/bin/env bash
# Every symbol the runtime's libraries export is gh_<module>_…, and no static
# starts with gh_: the prefix tells API from file-local helpers
# (docs/architecture.md, names).  Read with nm on the built libraries;
# compiler-generated names (__…, and gcc's .cold/.part clones) are skipped.
# Usage: scripts/check-exports.sh BUILDDIR [SRCDIR]   (a `make check` test too)
set -euo pipefail
builddir=${1:-${GH_TEST_BUILDDIR:-.}}
srcdir=${2:-${GH_TEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}}
# The SDK's static inline helpers (include/gamehost/) are gh_ by right; an
# unoptimised build keeps a local copy of them in the objects that use them.
sdk_inline=" $(sed -n 's/^static inline[^(]*[ *]\(gh_[a-z0-9_]*\)(.*/\1/p; /^static inline/{n; s/^\(gh_[a-z0-9_]*\)(.*/\1/p}' \
    "$srcdir"/include/gamehost/*.h | sort -u | tr '\n' ' ') "
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
    while read -r obj sym; do
        case "$sdk_inline" in *" $sym "*) continue ;; esac
        echo "check-exports: libgh$layer ($obj) has a static named $sym: statics never start gh_"
        bad=1
    done < <(nm -A --defined-only "$lib" 2>/dev/null |
             awk 'NF == 3 && $2 ~ /^[tdbr]$/ && $3 ~ /^gh_/ && $3 !~ /\./ {split($1, p, ":"); sub(/^libgh[a-z]+_la-/, "", p[2]); print p[2], $3}')
done
if [ "$bad" -ne 0 ]; then
    echo "check-exports: FAIL"
    exit 1
fi
echo "check-exports: OK ($n exported symbols, all gh_<module>_…)"
