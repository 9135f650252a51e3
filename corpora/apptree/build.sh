#!/usr/bin/env bash
# Build the "apptree" fixture: a small application tree under OUTDIR/root that exercises every
# verdict and every finding code of `azl-compat scan`.
#
#   bash corpora/apptree/build.sh OUTDIR
#
# OUTDIR/root   the scan root, laid out like a target filesystem (/opt/acme/..., /etc/ld.so.conf*)
# OUTDIR/.build scratch: objects and the link-time stub libraries. Outside the scan root on purpose:
#               a stub must never be found by the scanner, or a "missing" library would be "bundled".
#
# Needs bash, gcc (with -m32 compile support, standard on x86_64 Debian/Fedora), ld (GNU binutils,
# elf_i386 emulation), mkfifo. Runs in about a second; idempotent (OUTDIR/root and OUTDIR/.build are
# rebuilt from scratch); nothing is executed. See README.md beside this script for what each file
# of the tree exercises.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi

HERE=$(cd "$(dirname "$0")" && pwd)
SRC="$HERE/src"
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
ROOT="$OUT/root"
B="$OUT/.build"

for tool in gcc ld mkfifo; do
    command -v "$tool" >/dev/null 2>&1 || { echo "build.sh: '$tool' is required" >&2; exit 1; }
done

rm -rf "$ROOT" "$B"
mkdir -p "$B/stubs" "$B/obj"

A="$ROOT/opt/acme"
mkdir -p "$A/bin" "$A/lib" "$A/libs" "$A/libs-runpath" "$A/compat" "$A/syslib" "$A/plugins" \
    "$A/scripts" "$A/share" "$A/run" "$ROOT/etc/ld.so.conf.d"

# Deterministic output: fixed flags, no debug info, sources named relative to $SRC.
CFLAGS="-O1 -w -fno-ident -fno-asynchronous-unwind-tables"
cd "$SRC"

# stub SONAME SOURCE [VERSION-SCRIPT]: a throwaway shared library in $B/stubs/SONAME.
stub() {
    soname=$1 src=$2 map=${3:-}
    set -- gcc $CFLAGS -shared -fPIC -nostdlib -o "$B/stubs/$soname" "$src" -Wl,-soname,"$soname"
    [ -n "$map" ] && set -- "$@" -Wl,--version-script="$map"
    "$@"
}
# lib DEST SONAME SOURCE [extra link args...]: a shipped shared library.
lib() {
    dest=$1 soname=$2 src=$3
    shift 3
    gcc $CFLAGS -shared -fPIC -o "$dest" "$src" -Wl,-soname,"$soname" "$@"
}
# exe DEST SOURCE [extra link args...]: a shipped program.
exe() {
    dest=$1 src=$2
    shift 2
    gcc $CFLAGS -o "$dest" "$src" "$@"
}
RUNPATH_LIB="-Wl,--enable-new-dtags,-rpath,\$ORIGIN/../lib"

# ---- link-time stubs (never shipped) --------------------------------------------------------
stub libssl.so.3           stubs/ssl3.c         stubs/ssl3.map
stub libssl.so.1.1         stubs/ssl11.c        stubs/ssl11.map
stub libacme-vanished.so.4 stubs/vanished.c
stub libpython3.12.so.1.0  stubs/python312.c
stub libvarlink.so.0       stubs/varlink.c
stub libxml2.so.2          stubs/xml2.c         stubs/xml2.map
stub libacme-gone.so.3     stubs/acme_gone.c
stub libacme-plugin-rt.so.2 stubs/plugin_rt.c
stub libacme-interp-rt.so.1 stubs/interp_rt.c
mkdir -p "$B/stubs/future" "$B/stubs/private" "$B/stubs/i386" "$B/stubs/ver2"
gcc $CFLAGS -shared -fPIC -nostdlib -o "$B/stubs/future/libc.so.6" stubs/libc_future.c \
    -Wl,-soname,libc.so.6 -Wl,--version-script=stubs/libc_future.map
gcc $CFLAGS -shared -fPIC -nostdlib -o "$B/stubs/private/libc.so.6" stubs/libc_private.c \
    -Wl,-soname,libc.so.6 -Wl,--version-script=stubs/libc_private.map
gcc $CFLAGS -shared -fPIC -DACME_VER_2 -o "$B/stubs/ver2/libacme-ver.so.1" acme_ver.c \
    -Wl,-soname,libacme-ver.so.1 -Wl,--version-script=acme_ver2.map
# 32-bit: gcc only compiles (no 32-bit libc needed), GNU ld links with its elf_i386 emulation.
gcc -m32 $CFLAGS -fPIC -c -o "$B/obj/libc_i386.o" stubs/libc_i386.c
ld -m elf_i386 -shared -soname libc.so.6 -o "$B/stubs/i386/libc.so.6" "$B/obj/libc_i386.o"
L="-L$B/stubs"

# ---- bundled libraries --------------------------------------------------------------------------
lib "$A/lib/libacme-core.so.1.2.3" libacme-core.so.1 acme_core.c
ln -s libacme-core.so.1.2.3 "$A/lib/libacme-core.so.1"                      # relative symlink
ln -s /opt/acme/lib/libacme-core.so.1.2.3 "$A/compat/libacme-core.so.1"     # absolute (root-relative)
lib "$A/lib/libbroken.so.1" libbroken.so.1 libbroken.c $L -l:libacme-gone.so.3
lib "$A/lib/libacme-ver.so.1" libacme-ver.so.1 acme_ver.c -Wl,--version-script=acme_ver1.map
lib "$A/syslib/libacme-sys.so.1" libacme-sys.so.1 acme_sys.c
echo "include ld.so.conf.d/*.conf" > "$ROOT/etc/ld.so.conf"
echo "/opt/acme/syslib" > "$ROOT/etc/ld.so.conf.d/acme.conf"
# RPATH inheritance: liba has no RPATH/RUNPATH and needs libb from the same directory.
lib "$A/libs/libinh-b.so.1" libinh-b.so.1 inh_b.c
lib "$A/libs/libinh-a.so.1" libinh-a.so.1 inh_a.c -L"$A/libs" -l:libinh-b.so.1
lib "$A/libs-runpath/libnoinh-b.so.1" libnoinh-b.so.1 inh_b.c
lib "$A/libs-runpath/libnoinh-a.so.1" libnoinh-a.so.1 inh_a.c -L"$A/libs-runpath" -l:libnoinh-b.so.1
# A plugin: nothing in the tree links to it.
lib "$A/plugins/acme-plugin-foo.so" acme-plugin-foo.so plugin.c $L -l:libacme-plugin-rt.so.2
# A plugin that needs a bundled library off its own search path, which a program of the tree loads.
lib "$A/plugins/acme-plugin-host.so" acme-plugin-host.so plugin_host.c -L"$A/lib" -l:libacme-core.so.1

# ---- programs -----------------------------------------------------------------------------------
exe "$A/bin/hello" hello.c
exe "$A/bin/hello-static" hello.c -static
exe "$A/bin/uses-bundled" use_core.c -L"$A/lib" -l:libacme-core.so.1 $RUNPATH_LIB
exe "$A/bin/uses-abs-symlink" use_core.c -L"$A/lib" -l:libacme-core.so.1 \
    -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../compat'
exe "$A/bin/no-rpath" use_core.c -L"$A/lib" -l:libacme-core.so.1
exe "$A/bin/uses-ldconf" use_sys.c -L"$A/syslib" -l:libacme-sys.so.1
exe "$A/bin/needs-openssl3" use_ssl.c $L -l:libssl.so.3
exe "$A/bin/needs-openssl11" use_ssl11.c $L -l:libssl.so.1.1
exe "$A/bin/needs-vanished" use_vanished.c $L -l:libacme-vanished.so.4
exe "$A/bin/needs-python312" use_python.c $L -l:libpython3.12.so.1.0
exe "$A/bin/needs-varlink" use_varlink.c $L -l:libvarlink.so.0
exe "$A/bin/needs-libxml2" use_xml.c $L -l:libxml2.so.2
exe "$A/bin/needs-glibc-2.99" nostd_future.c -nostdlib -fno-stack-protector "$B/stubs/future/libc.so.6"
exe "$A/bin/uses-glibc-private" nostd_private.c -nostdlib -fno-stack-protector "$B/stubs/private/libc.so.6"
exe "$A/bin/musl-interp" hello.c -Wl,--dynamic-linker=/lib/ld-musl-x86_64.so.1
gcc -m32 $CFLAGS -fno-pic -c -o "$B/obj/i386_start.o" i386_start.c
ld -m elf_i386 -dynamic-linker /lib/ld-linux.so.2 -o "$A/bin/i386-prog" "$B/obj/i386_start.o" \
    "$B/stubs/i386/libc.so.6"
exe "$A/bin/uses-broken" use_broken.c -L"$A/lib" -l:libbroken.so.1 -Wl,-rpath-link,"$B/stubs" $RUNPATH_LIB
exe "$A/bin/needs-newer-bundled" use_ver.c "$B/stubs/ver2/libacme-ver.so.1" $RUNPATH_LIB
exe "$A/bin/rpath-inherit" use_inh.c -L"$A/libs" -l:libinh-a.so.1 -Wl,-rpath-link,"$A/libs" \
    -Wl,--disable-new-dtags,-rpath,'$ORIGIN/../libs'
exe "$A/bin/runpath-noinherit" use_inh.c -L"$A/libs-runpath" -l:libnoinh-a.so.1 \
    -Wl,-rpath-link,"$A/libs-runpath" -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../libs-runpath'
exe "$A/bin/acme-interp" use_interp_rt.c $L -l:libacme-interp-rt.so.1
# A hardlink pair: one file, judged once.
exe "$A/bin/acme-tool" hello.c -DGREETING=\"acme-tool\"
ln "$A/bin/acme-tool" "$A/bin/acme-tool-hardlink"

# ---- scripts ------------------------------------------------------------------------------------
for s in scripts/*; do
    cp "$s" "$A/scripts/"
done
chmod 755 "$A"/scripts/*

# ---- bad input and files to ignore --------------------------------------------------------------
head -c 200 "$A/bin/hello" > "$A/bin/truncated-elf"      # whole ELF header, program headers cut
head -c 40 "$A/bin/hello" > "$A/bin/truncated-header"    # ELF header itself cut
chmod 755 "$A/bin/truncated-elf" "$A/bin/truncated-header"
mkfifo "$A/run/acme.fifo"
ln -s loop-b.so "$A/lib/loop-a.so"
ln -s loop-a.so "$A/lib/loop-b.so"
printf 'ACME\000\001\002\003 data, neither ELF nor script\n' > "$A/share/data.bin"
printf 'Acme 1.0 - plain text, not a script\n' > "$A/share/README.txt"

# Stubs and objects stay in $B, outside the scan root.
echo "apptree: built $ROOT"
