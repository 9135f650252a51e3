#!/usr/bin/env bash
# Build the "units" fixture: a root with systemd units, drop-ins, SysV scripts, rc.local and
# host files that exercises every row of platform/units-directives.tsv and every unit finding
# code of azl-compat (tests/units.rs; README.md beside this script lists what each file is for).
#
#   bash corpora/units/build.sh OUTDIR
#
# OUTDIR/root   the scan root: src/root copied, plus the links (enablement, masks, aliases, a
#               linked unit, a runlevel link farm) and execute bits git does not carry, and two
#               programs: /opt/acme/bin/acme-ok (runs) and /opt/acme/bin/acme-broken (needs a
#               library nothing provides).
# OUTDIR/.build scratch (the stub library the broken program links against; never in the root).
#
# Needs bash, gcc, cp, ln. Idempotent; nothing is executed.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
ROOT="$OUT/root"
B="$OUT/.build"
command -v gcc >/dev/null 2>&1 || { echo "build.sh: 'gcc' is required" >&2; exit 1; }

rm -rf "$ROOT" "$B"
mkdir -p "$B"
cp -R "$HERE/src/root" "$ROOT"

CFLAGS="-O1 -w -fno-ident -fno-asynchronous-unwind-tables"
gcc $CFLAGS -o "$ROOT/opt/acme/bin/acme-ok" "$HERE/src/c/acme-ok.c"
gcc $CFLAGS -shared -fPIC -o "$B/libacme_gone.so.1" "$HERE/src/c/acme-gone.c" -Wl,-soname,libacme_gone.so.1
gcc $CFLAGS -o "$ROOT/opt/acme/bin/acme-broken" "$HERE/src/c/acme-broken.c" "$B/libacme_gone.so.1"

# Execute bits (acme-noexec stays without: the SysV generator ignores it).
chmod 0755 "$ROOT/etc/init.d/acme-sysv" "$ROOT/etc/init.d/ssh" "$ROOT/etc/rc.local" \
    "$ROOT/opt/acme/bin/acme-script.sh" "$ROOT/usr/sbin/halt.local"
chmod 0644 "$ROOT/etc/init.d/acme-noexec"

S="$ROOT/etc/systemd/system"
mkdir -p "$S/multi-user.target.wants" "$S/runlevel3.target.wants" "$S/sockets.target.wants" \
    "$ROOT/etc/systemd/user/default.target.wants" "$ROOT/etc/rc3.d"
ln -s ../acme-limits.service "$S/multi-user.target.wants/acme-limits.service"
ln -s /etc/systemd/system/acme-legacy.service "$S/multi-user.target.wants/acme-legacy.service"
ln -s ../acme-tpl@.service "$S/multi-user.target.wants/acme-tpl@alpha.service"
ln -s /lib/systemd/system/ssh.service "$S/multi-user.target.wants/ssh.service"
ln -s /lib/systemd/system/nginx.service "$S/multi-user.target.wants/nginx.service"
ln -s /lib/systemd/system/xinetd.service "$S/multi-user.target.wants/xinetd.service"
ln -s ../acme-runlevel.service "$S/runlevel3.target.wants/acme-runlevel.service"
ln -s ../acme-sock.socket "$S/sockets.target.wants/acme-sock.socket"
ln -s /dev/null "$S/acme-masked.service"
ln -s acme-limits.service "$S/acme-alias.service"
ln -s /opt/acme/units/acme-linked.service "$S/acme-linked.service"
ln -s ../acme-agent.service "$ROOT/etc/systemd/user/default.target.wants/acme-agent.service"
ln -s ../init.d/acme-sysv "$ROOT/etc/rc3.d/S20acme-sysv"
