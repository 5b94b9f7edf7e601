#!/bin/sh
# Builds the hello plugin out of tree, in a new temporary directory, with
# only an installed gamehost SDK (headers + gamehost-plugin.pc), checks that
# it exports just the entry symbol, and prints the path of hello.so.
#
#   test.sh [STAGE]
#
# STAGE is a DESTDIR the SDK was installed into ("make install
# DESTDIR=$STAGE"); PREFIX (default /usr/local) is the prefix it was
# configured with.  Without STAGE the SDK installed on this system is used.
# The .pc file names its include dir as installed (/usr/local/include), so
# under a stage the include path is rebased onto it: PKG_CONFIG_SYSROOT_DIR,
# and if the pkg-config at hand does not apply it, an explicit -I.
set -eu

die() { echo "plugin-hello: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
stage=${1:-}
prefix=${PREFIX:-/usr/local}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

if [ -n "$stage" ]; then
    [ -d "$stage" ] || die "no stage directory '$stage'"
    stage=$(cd "$stage" && pwd)
    pcpath=
    for d in "$stage$prefix"/lib/pkgconfig "$stage$prefix"/lib/*/pkgconfig "$stage$prefix"/share/pkgconfig; do
        [ -d "$d" ] && pcpath=${pcpath:+$pcpath:}$d
    done
    [ -n "$pcpath" ] || die "no pkgconfig dir under $stage$prefix"
    PKG_CONFIG_PATH=$pcpath${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
    PKG_CONFIG_SYSROOT_DIR=$stage
    export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
fi

"$PKG_CONFIG" --exists gamehost-plugin || die "gamehost-plugin.pc not found (PKG_CONFIG_PATH=${PKG_CONFIG_PATH:-})"
cflags=$("$PKG_CONFIG" --cflags gamehost-plugin)

# Is <gamehost/plugin-util.h> (the newest SDK header hello.c uses) in one of
# the -I dirs (and, under a stage, in the stage)?  If not, add the stage's
# include dir by hand.
found=
for flag in $cflags; do
    case $flag in
    -I*) dir=${flag#-I}
         if [ -f "$dir/gamehost/plugin-util.h" ]; then
             case $dir in "$stage"*) found=$dir ;; esac
         fi ;;
    esac
done
if [ -z "$found" ]; then
    incdir=$("$PKG_CONFIG" --variable=includedir gamehost-plugin)
    case $incdir in "$stage"*) ;; *) incdir=$stage$incdir ;; esac
    [ -f "$incdir/gamehost/plugin-util.h" ] || die "gamehost/plugin-util.h is not in $incdir (an SDK from before it?)"
    cflags="-I$incdir $cflags"
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/plugin-hello.XXXXXX")
cp "$here/hello.c" "$here/Makefile" "$out/"
make -s -C "$out" GH_CFLAGS="$cflags" CFLAGS="-O2 -g -Wall -Wextra -Werror" >&2 ||
    die "build failed in $out"

exports=$(nm -D --defined-only "$out/hello.so" | awk '{ print $3 }')
[ "$exports" = gamehost_plugin_query ] || die "$out/hello.so exports '$exports', not only gamehost_plugin_query"

echo "$out/hello.so"
