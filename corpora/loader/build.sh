#!/usr/bin/env bash
# Build the "loader" fixture: programs whose libraries are found the way glibc's loader finds
# them, beyond the plain search path (tests/loader_e2e.rs scans it).
#
#   bash corpora/loader/build.sh OUTDIR
#
# OUTDIR/root   the scan root
# OUTDIR/.build link-time stubs, outside the root on purpose (never found by the scanner)
#
# Needs bash and gcc. Nothing is executed. What each file exercises:
#   /opt/o/bin/origin-ok        DT_NEEDED `$ORIGIN/../lib/libx.so.1` (a path), which exists
#   /opt/o/bin/origin-broken    DT_NEEDED `$ORIGIN/../lib/liby.so.1`; liby needs libicuuc.so.72
#   /opt/o/bin/origin-absent    DT_NEEDED `$ORIGIN/../lib/libgone.so.1`, absent
#   /opt/off/bin/off-broken     needs libz9.so.1, only off the search path, and libz9 breaks
#   /opt/svc/bin/svcd           libsvc.so.1 via Environment=LD_LIBRARY_PATH= of svcd.service
#   /opt/svc/bin/svc2d          libsvc2.so.1 via EnvironmentFile= of svc2d.service
#   /opt/app/bin/app.bin        libapp.so.1 via `export LD_LIBRARY_PATH=` in /opt/app/bin/app
#   /opt/app3/bin/app3.bin      LD_LIBRARY_PATH of app3.service, through the launcher it starts
#   /opt/app4/bin/app4.bin      a launcher sets LD_LIBRARY_PATH from $SNAP (replacing the one of
#                               app4.service that starts it): unknown, not guessed
#   /opt/q/bin/q-bytes          needs libq<ff>.so.1; only libq<fe>.so.1 is bundled (no match)
#   /opt/q/bin/r-bytes          needs libr<ff>.so.1, bundled under exactly that name
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
command -v gcc >/dev/null 2>&1 || { echo "build.sh: 'gcc' is required" >&2; exit 1; }
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
ROOT="$OUT/root"
B="$OUT/.build"
rm -rf "$ROOT" "$B"
mkdir -p "$B" "$ROOT/opt/o/bin" "$ROOT/opt/o/lib" "$ROOT/opt/off/bin" "$ROOT/opt/off/lib" \
    "$ROOT/opt/svc/bin" "$ROOT/opt/svc/lib" "$ROOT/opt/svc/lib2" "$ROOT/opt/app/bin" \
    "$ROOT/opt/app/lib" "$ROOT/opt/q/bin" "$ROOT/opt/q/lib" "$ROOT/etc/systemd/system" \
    "$ROOT/etc/default" "$ROOT/opt/app3/bin" "$ROOT/opt/app3/lib" "$ROOT/opt/app4/bin" \
    "$ROOT/opt/app4/lib"
CFLAGS="-O1 -w -fno-ident -fno-asynchronous-unwind-tables"
cd "$B"

printf 'int f(void){return 1;}\n' >f.c
printf 'int f(void);\nint main(void){return f();}\n' >main.c
printf 'int icu(void);\nint f(void){return icu();}\n' >f_icu.c
printf 'int icu(void){return 0;}\n' >icu.c

# A library whose SONAME is SONAME, at DEST; extra link arguments follow.
lib() {
    dest=$1 soname=$2 src=$3
    shift 3
    gcc $CFLAGS -shared -fPIC -o "$dest" "$src" -Wl,-soname,"$soname" "$@"
}
# A program at DEST linked against the libraries given.
exe() {
    dest=$1
    shift
    gcc $CFLAGS -o "$dest" main.c -Wl,-rpath-link,"$B" "$@"
}

# Stub for the missing ICU (never shipped).
lib "$B/libicuuc.so.72" libicuuc.so.72 icu.c

# $ORIGIN in DT_NEEDED: the SONAME of the link-time library becomes the needed entry.
lib "$B/libx.so.1" '$ORIGIN/../lib/libx.so.1' f.c
exe "$ROOT/opt/o/bin/origin-ok" "$B/libx.so.1"
lib "$ROOT/opt/o/lib/libx.so.1" libx.so.1 f.c
lib "$B/liby.so.1" '$ORIGIN/../lib/liby.so.1' f.c
exe "$ROOT/opt/o/bin/origin-broken" "$B/liby.so.1"
lib "$ROOT/opt/o/lib/liby.so.1" liby.so.1 f_icu.c "$B/libicuuc.so.72"
lib "$B/libgone.so.1" '$ORIGIN/../lib/libgone.so.1' f.c
exe "$ROOT/opt/o/bin/origin-absent" "$B/libgone.so.1"

# A library off the search path that breaks itself.
lib "$ROOT/opt/off/lib/libz9.so.1" libz9.so.1 f_icu.c "$B/libicuuc.so.72"
exe "$ROOT/opt/off/bin/off-broken" "$ROOT/opt/off/lib/libz9.so.1"

# LD_LIBRARY_PATH from a unit's Environment= and EnvironmentFile=.
lib "$ROOT/opt/svc/lib/libsvc.so.1" libsvc.so.1 f.c
exe "$ROOT/opt/svc/bin/svcd" "$ROOT/opt/svc/lib/libsvc.so.1"
cat >"$ROOT/etc/systemd/system/svcd.service" <<'UNIT'
[Unit]
Description=svcd

[Service]
Environment="LD_LIBRARY_PATH=/opt/svc/lib" OTHER=1
ExecStart=/opt/svc/bin/svcd --serve

[Install]
WantedBy=multi-user.target
UNIT
lib "$ROOT/opt/svc/lib2/libsvc2.so.1" libsvc2.so.1 f.c
exe "$ROOT/opt/svc/bin/svc2d" "$ROOT/opt/svc/lib2/libsvc2.so.1"
cat >"$ROOT/etc/systemd/system/svc2d.service" <<'UNIT'
[Service]
EnvironmentFile=-/etc/default/svc2d
ExecStart=/opt/svc/bin/svc2d
UNIT
printf '# svc2d settings\nLD_LIBRARY_PATH=/opt/svc/lib2\n' >"$ROOT/etc/default/svc2d"

# LD_LIBRARY_PATH exported by a launcher script that execs the program.
lib "$ROOT/opt/app/lib/libapp.so.1" libapp.so.1 f.c
exe "$ROOT/opt/app/bin/app.bin" "$ROOT/opt/app/lib/libapp.so.1"
cat >"$ROOT/opt/app/bin/app" <<'SH'
#!/bin/sh
# Launcher: the bundled libraries are in ../lib.
HERE="$(dirname "$(readlink -f "$0")")"
export LD_LIBRARY_PATH="$HERE/../lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$HERE/app.bin" "$@"
SH
chmod 755 "$ROOT/opt/app/bin/app"

# A unit sets LD_LIBRARY_PATH and starts a launcher that sets none: the program inherits it.
lib "$ROOT/opt/app3/lib/libapp3.so.1" libapp3.so.1 f.c
exe "$ROOT/opt/app3/bin/app3.bin" "$ROOT/opt/app3/lib/libapp3.so.1"
cat >"$ROOT/etc/systemd/system/app3.service" <<'UNIT'
[Service]
Environment=LD_LIBRARY_PATH=/opt/app3/lib
ExecStart=/opt/app3/bin/start
UNIT
cat >"$ROOT/opt/app3/bin/start" <<'SH'
#!/bin/bash
cd /opt/app3 || exit 1
exec /opt/app3/bin/app3.bin --daemon
SH
chmod 755 "$ROOT/opt/app3/bin/start"

# A launcher whose LD_LIBRARY_PATH depends on the caller's environment: not guessed.
lib "$ROOT/opt/app4/lib/libapp4.so.1" libapp4.so.1 f.c
exe "$ROOT/opt/app4/bin/app4.bin" "$ROOT/opt/app4/lib/libapp4.so.1"
cat >"$ROOT/opt/app4/bin/app4" <<'SH'
#!/bin/sh
export LD_LIBRARY_PATH="$SNAP/lib"
exec /opt/app4/bin/app4.bin
SH
chmod 755 "$ROOT/opt/app4/bin/app4"
# Its unit's own setting does not reach the program: the launcher replaces it.
cat >"$ROOT/etc/systemd/system/app4.service" <<'UNIT'
[Service]
Environment=LD_LIBRARY_PATH=/opt/app4/lib
ExecStart=/opt/app4/bin/app4
UNIT

# File names are bytes: libq\xff.so.1 is needed, only libq\xfe.so.1 is bundled.
QF=$(printf 'libq\377.so.1') QE=$(printf 'libq\376.so.1') RF=$(printf 'libr\377.so.1')
lib "$B/$QF" "$QF" f.c
exe "$ROOT/opt/q/bin/q-bytes" "$B/$QF" -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'
lib "$ROOT/opt/q/lib/$QE" "$QE" f.c
lib "$ROOT/opt/q/lib/$RF" "$RF" f.c
exe "$ROOT/opt/q/bin/r-bytes" "$ROOT/opt/q/lib/$RF" -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'
