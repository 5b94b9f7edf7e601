#!/usr/bin/env bash
# The layer rule of docs/architecture.md, checked on the sources and on the
# built libraries:
#   util → gpu → conf → plugin → virt → session → api → daemon
#   ctl uses util, gpu, conf, plugin only
#   worker (gamehost-plugin-scanner, gamehost-worker) uses util, plugin only
# A file in runtime/<layer>/ may include only "<layer>/…" headers of its own
# layer or of a layer allowed to it, and a layer's library may leave undefined
# only symbols that it, an allowed layer or a system library defines.
# Usage: scripts/check-layers.sh SRCDIR BUILDDIR   (a `make check` test too)
set -euo pipefail
srcdir=${1:-${GH_TEST_SRCDIR:-.}}
builddir=${2:-${GH_TEST_BUILDDIR:-.}}
order=(util gpu conf plugin virt session api daemon)

# allowed LAYER: the layers LAYER may use, itself included.
allowed() {
    case "$1" in
        ctl) echo "util gpu conf plugin ctl"; return ;;
        worker) echo "util plugin worker"; return ;;
    esac
    local out=""
    for l in "${order[@]}"; do
        out="$out $l"
        [ "$l" = "$1" ] && break
    done
    echo "$out"
}
is_allowed() { case " $(allowed "$1") " in *" $2 "*) return 0 ;; esac; return 1; }

bad=0
layers="${order[*]} ctl worker"
for layer in $layers; do
    [ -d "$srcdir/runtime/$layer" ] || { echo "check-layers: runtime/$layer is missing" >&2; exit 1; }
done
# Every runtime source sits in a layer folder.
for f in "$srcdir"/runtime/*.[ch]; do
    [ -e "$f" ] || continue
    echo "check-layers: ${f#"$srcdir"/} is outside the layer folders"
    bad=1
done

# Includes: "X/name.h" where X is a layer.
for layer in $layers; do
    for f in "$srcdir/runtime/$layer"/*.[ch]; do
        while IFS=: read -r line text; do
            target=$(printf '%s' "$text" | sed 's/.*"\(.*\)".*/\1/')
            to=${target%%/*}
            case " $layers " in *" $to "*) ;; *) continue ;; esac
            if ! is_allowed "$layer" "$to"; then
                echo "check-layers: runtime/$layer/${f##*/}:$line includes \"$target\": $layer may not use $to"
                bad=1
            fi
        done < <(grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]+/[^"]+"' "$f" || true)
    done
done

# Symbols: who defines what, then what each layer leaves undefined.
declare -A owner
for layer in $layers; do
    lib="$builddir/.libs/libgh$layer.a"
    case "$layer" in daemon|worker) continue ;; esac   # programs, not libraries
    [ -f "$lib" ] || { echo "check-layers: $lib is missing (build first)" >&2; exit 1; }
    while read -r sym; do
        owner[$sym]=$layer
    done < <(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF == 3 && $2 ~ /[TDBRVW]/ {print $3}')
done
for layer in $layers; do
    if [ "$layer" = daemon ] || [ "$layer" = worker ]; then
        objs=$(find "$builddir/runtime/$layer" -name '*.o' 2>/dev/null)
    else
        objs="$builddir/.libs/libgh$layer.a"
    fi
    [ -n "$objs" ] || continue
    while read -r sym; do
        to=${owner[$sym]:-}
        [ -n "$to" ] || continue
        if ! is_allowed "$layer" "$to"; then
            echo "check-layers: libgh$layer needs $sym, defined in $to: $layer may not use $to"
            bad=1
        fi
    done < <(nm -u $objs 2>/dev/null | awk '$1 == "U" {print $2}' | sort -u)
done

if [ "$bad" -ne 0 ]; then
    echo "check-layers: FAIL (the layer rule: docs/architecture.md)"
    exit 1
fi
echo "check-layers: OK ($layers)"
