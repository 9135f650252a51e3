#!/usr/bin/env bash
# Build the "runtimes" fixture: a root holding the Python workload of a RHEL 9 host (Python 3.9),
# judged by tests/runtimes_e2e.rs. Real third-party code: two wheels from PyPI, fetched with
# `pip download` (pinned by version and sha256, cached), installed by unpacking them as pip does.
#
#   bash corpora/runtimes/build.sh OUTDIR
#
# OUTDIR/root/opt/app     the acceptance tree (tests/runtimes_e2e.rs says what an expert expects):
#   venv/                 a venv made by RHEL 9's `python3 -m venv` (pyvenv.cfg version 3.9.18,
#                         bin/python -> /usr/bin/python3, python3 and python3.9 -> python)
#   venv/lib/python3.9/site-packages/
#                         MarkupSafe 2.1.5 (cp39-cp39 manylinux_2_17: a CPython 3.9 extension)
#                         bcrypt 4.2.0 (cp39-abi3 manylinux_2_28: the stable ABI, from 3.9 on)
#   venv/bin/acme         a console script (#!/opt/app/venv/bin/python3)
#   src/app/              our own sources: `import imp` (removed in 3.12), guarded, commented
#                         and quoted imports that are not breaks
# OUTDIR/root/srv/variants  one case per other Python finding (synthetic dist-info and venvs).
# OUTDIR/root/srv/node-app  a Node.js application: engines.node ">=14 <17", bufferutil 4.0.8 from
#                         npm (Node-API prebuilds for linux-x64, darwin, win32), and two addons of
#                         our own exporting node_register_module_v93 (Node.js 16) and v127 (22).
# OUTDIR/root/srv/node-multi  real npm packages with builds for several platforms side by side
#                         (classic-level 1.4.1's prebuilds, @parcel/watcher 2.4.1's platform packages)
# OUTDIR/root/srv/node-alpine @parcel/watcher's musl build alone (node_modules of an Alpine build)
# OUTDIR/root/srv/py-multi  a Python module built for x86_64 glibc, x86_64 musl and aarch64, and one
#                         built for musl only
# OUTDIR/root/usr/local/lib/x86_64-linux-gnu/perl/{5.36.0,5.42.2}/auto/...   Perl XS modules
# OUTDIR/root/opt/app-rb/vendor/bundle/ruby/{3.1.0,3.4.0}/extensions/...     Ruby extensions
# OUTDIR/root/opt/{jdk8u292,jdk-11.0.16,jdk-17.0.2}   JDKs: a release file and a stub bin/java
# OUTDIR/root/etc/systemd/system/acme-api.service, /etc/sysconfig/acme-batch, /opt/acme-java/bin/run-*
#                         JAVA_HOME settings (RHEL 8's Java 11 and 8, the target's 25, a carried JDK)
# OUTDIR/root/srv/java-jni  jars and a war with JNI libraries laid out as netty, sqlite-jdbc, jna
#                         and zstd-jni lay them out (see the end of this script)
# OUTDIR/root/opt/app-bundle/wheels  wheel files of an offline install bundle (end of this script)
# OUTDIR/.cache            downloaded wheels (AZL_COMPAT_WHEEL_CACHE overrides; reused when the
#                          sha256 matches)
#
# Needs bash, python3 and pip, npm (PyPI and npm reachable, or the packages already in the
# cache), and gcc. Nothing of
# the wheels is executed.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
ROOT="$OUT/root"
CACHE="${AZL_COMPAT_WHEEL_CACHE:-$OUT/.cache}"
command -v python3 >/dev/null 2>&1 || { echo "build.sh: 'python3' is required" >&2; exit 1; }
mkdir -p "$CACHE"
# Builds running side by side (parallel tests) share the cache: one fetches at a time.
exec 9>"$CACHE/.lock"
flock 9
rm -rf "$ROOT"

# name==version  wheel file  sha256  pip download arguments
WHEELS=(
  "markupsafe==2.1.5|MarkupSafe-2.1.5-cp39-cp39-manylinux_2_17_x86_64.manylinux2014_x86_64.whl|17b950fccb810b3293638215058e432159d2b71005c74371d784862b7e4683f3|--platform manylinux2014_x86_64 --abi cp39"
  "bcrypt==4.2.0|bcrypt-4.2.0-cp39-abi3-manylinux_2_28_x86_64.whl|3d3a6d28cb2305b43feac298774b997e372e56c7c7afd90a12b3dc49b189151c|--platform manylinux_2_28_x86_64 --abi abi3"
)
fetch() {
    local spec=$1 file=$2 sum=$3 args=$4
    if [ -f "$CACHE/$file" ] && echo "$sum  $CACHE/$file" | sha256sum -c --status; then
        return
    fi
    python3 -m pip --version >/dev/null 2>&1 || { echo "build.sh: pip is required to fetch $file" >&2; exit 1; }
    # shellcheck disable=SC2086
    python3 -m pip download --quiet --only-binary=:all: --no-deps --python-version 3.9 \
        --implementation cp $args -d "$CACHE" "$spec"
    echo "$sum  $CACHE/$file" | sha256sum -c --status || { echo "build.sh: $file: sha256 mismatch" >&2; exit 1; }
}
# Unpack a wheel into site-packages: what pip does for the files (RECORD, scripts aside).
install_wheel() {
    python3 - "$1" "$2" <<'PY'
import sys, zipfile, os
whl, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    for m in z.infolist():
        if m.filename.endswith("/"):
            continue
        p = os.path.join(dest, m.filename)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with z.open(m) as src, open(p, "wb") as dst:
            dst.write(src.read())
        mode = (m.external_attr >> 16) & 0o777
        if mode:
            os.chmod(p, mode)
PY
}

APP="$ROOT/opt/app"
V="$APP/venv"
SP="$V/lib/python3.9/site-packages"
mkdir -p "$V/bin" "$SP" "$V/include"
ln -s lib "$V/lib64"
cat > "$V/pyvenv.cfg" <<'CFG'
home = /usr/bin
include-system-site-packages = false
version = 3.9.18
CFG
ln -s /usr/bin/python3 "$V/bin/python"
ln -s python "$V/bin/python3"
ln -s python "$V/bin/python3.9"
for w in "${WHEELS[@]}"; do
    IFS='|' read -r spec file sum args <<< "$w"
    fetch "$spec" "$file" "$sum" "$args"
    install_wheel "$CACHE/$file" "$SP"
done
cat > "$V/bin/acme" <<'SCRIPT'
#!/opt/app/venv/bin/python3
# -*- coding: utf-8 -*-
import re
import sys
from app.cli import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\.pyw|\.exe)?$', '', sys.argv[0])
    sys.exit(main())
SCRIPT
chmod 0755 "$V/bin/acme"
mkdir -p "$APP/src"
cp -R "$HERE/src/app/app" "$APP/src/app"

# Variants: one case per other Python finding.
VAR="$ROOT/srv/variants"
# A venv made with an explicit python3.9 (the sdk package has it).
mkdir -p "$VAR/venv39/bin" "$VAR/venv39/lib/python3.9/site-packages"
printf 'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.9.18\n' > "$VAR/venv39/pyvenv.cfg"
ln -s /usr/bin/python3.9 "$VAR/venv39/bin/python"
# A venv of a Software Collections Python 3.8 (no Azure Linux package has it).
mkdir -p "$VAR/venv38/bin"
printf 'home = /opt/rh/rh-python38/root/usr/bin\nversion = 3.8.13\n' > "$VAR/venv38/pyvenv.cfg"
ln -s /opt/rh/rh-python38/root/usr/bin/python3 "$VAR/venv38/bin/python"
# A venv of the target's own Python version: nothing to say.
mkdir -p "$VAR/venv314/bin"
printf 'home = /usr/bin\nversion = 3.14.0\n' > "$VAR/venv314/pyvenv.cfg"
ln -s /usr/bin/python3 "$VAR/venv314/bin/python"
# Installed distributions outside any venv.
D="$VAR/site/lib/python3.12/site-packages"
mkdir -p "$D/newglibc-1.0.dist-info" "$D/muslonly-1.0.dist-info" "$D/pure-1.0.dist-info" "$D/stable-2.0.dist-info"
printf 'Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp314-cp314-manylinux_2_99_x86_64\n' > "$D/newglibc-1.0.dist-info/WHEEL"
printf 'Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp314-cp314-musllinux_1_2_x86_64\n' > "$D/muslonly-1.0.dist-info/WHEEL"
printf 'Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n' > "$D/pure-1.0.dist-info/WHEEL"
printf 'Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp312-cp312-manylinux_2_17_x86_64\n' > "$D/stable-2.0.dist-info/WHEEL"
# A backport installed beside code that imports the removed module: no finding.
printf '"""standard-telnetlib backport (stand-in)."""\n' > "$D/telnetlib.py"
mkdir -p "$VAR/tools"
printf 'import telnetlib\nimport cgi\n' > "$VAR/tools/probe.py"
# Extension modules outside any venv: CPython 3.9 (only the sdk python3.9 imports it) and 3.8
# (no Azure Linux Python does); the 3.8 one is the same ELF file under a 3.8 name.
mkdir -p "$VAR/plugins"
cp "$SP/markupsafe/_speedups.cpython-39-x86_64-linux-gnu.so" "$VAR/plugins/_speedups.cpython-39-x86_64-linux-gnu.so"
cp "$SP/markupsafe/_speedups.cpython-39-x86_64-linux-gnu.so" "$VAR/plugins/_legacy.cpython-38-x86_64-linux-gnu.so"

# Node.js.
command -v gcc >/dev/null 2>&1 || { echo "build.sh: 'gcc' is required" >&2; exit 1; }
NODEAPP="$ROOT/srv/node-app"
NM="$NODEAPP/node_modules"
mkdir -p "$NM/legacy-addon/build/Release" "$NM/current-addon/build/Release"
cat > "$NODEAPP/package.json" <<'JSON'
{
  "name": "acme-api",
  "version": "2.1.0",
  "private": true,
  "engines": { "node": ">=14 <17" },
  "dependencies": { "bufferutil": "4.0.8", "legacy-addon": "1.0.0", "current-addon": "1.0.0" }
}
JSON
printf '{ "name": "legacy-addon", "version": "1.0.0", "main": "build/Release/legacy.node" }\n' > "$NM/legacy-addon/package.json"
printf '{ "name": "current-addon", "version": "1.0.0", "engines": { "node": "^22.0.0 || ^24.0.0" } }\n' > "$NM/current-addon/package.json"
CFLAGS="-O1 -w -fno-ident -fno-asynchronous-unwind-tables -shared -fPIC"
gcc $CFLAGS -DNMV=93 -o "$NM/legacy-addon/build/Release/legacy.node" "$HERE/src/node/addon.c"
gcc $CFLAGS -DNMV=127 -o "$NM/current-addon/build/Release/current.node" "$HERE/src/node/addon.c"
TGZ=bufferutil-4.0.8.tgz
TGZ_SUM=5c2fd962b75fb890764a7ee2815a95691a70ece8d2ade67579a19e43b9e8e991
if ! { [ -f "$CACHE/$TGZ" ] && echo "$TGZ_SUM  $CACHE/$TGZ" | sha256sum -c --status; }; then
    command -v npm >/dev/null 2>&1 || { echo "build.sh: npm is required to fetch $TGZ" >&2; exit 1; }
    (cd "$CACHE" && npm pack --silent bufferutil@4.0.8 >/dev/null)
    echo "$TGZ_SUM  $CACHE/$TGZ" | sha256sum -c --status || { echo "build.sh: $TGZ: sha256 mismatch" >&2; exit 1; }
fi
mkdir -p "$NM/bufferutil"
tar -xzf "$CACHE/$TGZ" -C "$NM/bufferutil" --strip-components=1 --no-same-owner

# Builds for several platforms side by side (real npm packages, pinned by sha256).
# spec  tarball  sha256
NPM_PACKAGES=(
  "classic-level@1.4.1|classic-level-1.4.1.tgz|60efaa69af0f6b703085ced30026f492c9ba237c9ad6d6a812801f0a4de056a3"
  "@parcel/watcher-linux-x64-glibc@2.4.1|parcel-watcher-linux-x64-glibc-2.4.1.tgz|6d5ce4552d55f6decf0b3b9c44f8162434c5ab05f3f4d2df03998c7461bdcf20"
  "@parcel/watcher-linux-x64-musl@2.4.1|parcel-watcher-linux-x64-musl-2.4.1.tgz|8a0908611cc77617b2af59c7d5ea966a3c2da720dd5e2bbcc2803c54a49883cc"
  "@parcel/watcher-linux-arm64-glibc@2.4.1|parcel-watcher-linux-arm64-glibc-2.4.1.tgz|02faa146a08ec9f80bfd4071cf990b0aa5a1a8e77d98e63a6a6c216a9f95767f"
)
npm_unpack() {
    local want=$1 dest=$2 spec file sum
    for p in "${NPM_PACKAGES[@]}"; do
        IFS='|' read -r spec file sum <<< "$p"
        [ "$spec" = "$want" ] || continue
        if ! { [ -f "$CACHE/$file" ] && echo "$sum  $CACHE/$file" | sha256sum -c --status; }; then
            command -v npm >/dev/null 2>&1 || { echo "build.sh: npm is required to fetch $file" >&2; exit 1; }
            (cd "$CACHE" && npm pack --silent "$spec" >/dev/null)
            echo "$sum  $CACHE/$file" | sha256sum -c --status || { echo "build.sh: $file: sha256 mismatch" >&2; exit 1; }
        fi
        mkdir -p "$dest"
        tar -xzf "$CACHE/$file" -C "$dest" --strip-components=1 --no-same-owner
        return
    done
    echo "build.sh: $want is not pinned" >&2
    exit 1
}
# A project whose node_modules came from `npm install` on a glibc x86_64 host: classic-level's
# prebuilds for linux-x64 (glibc and musl), linux-arm64, linux-arm, android-arm*, darwin and
# win32; @parcel/watcher's platform packages for linux-x64 glibc and musl and linux-arm64
# (as `npm install --os=linux --cpu=x64 --cpu=arm64 --libc=glibc --libc=musl` leaves them).
MULTI="$ROOT/srv/node-multi"
mkdir -p "$MULTI"
printf '{ "name": "multi", "version": "1.0.0", "private": true, "dependencies": { "classic-level": "1.4.1", "@parcel/watcher": "2.4.1" } }\n' > "$MULTI/package.json"
npm_unpack classic-level@1.4.1 "$MULTI/node_modules/classic-level"
for p in linux-x64-glibc linux-x64-musl linux-arm64-glibc; do
    npm_unpack "@parcel/watcher-$p@2.4.1" "$MULTI/node_modules/@parcel/watcher-$p"
done
# A project whose node_modules came from an Alpine build stage: only the musl build.
ALPINE="$ROOT/srv/node-alpine"
mkdir -p "$ALPINE"
printf '{ "name": "alpine", "version": "1.0.0", "private": true, "dependencies": { "@parcel/watcher": "2.4.1" } }\n' > "$ALPINE/package.json"
npm_unpack @parcel/watcher-linux-x64-musl@2.4.1 "$ALPINE/node_modules/@parcel/watcher-linux-x64-musl"
# Python extension modules for several platforms in one directory: ours for x86_64 glibc, and
# stand-ins for the musl and aarch64 builds (real musl and aarch64 ELF files: parcel's addons);
# and a module that has only its musl build.
PYM="$ROOT/srv/py-multi/pkg"
mkdir -p "$PYM"
gcc $CFLAGS -o "$PYM/_ext.cpython-314-x86_64-linux-gnu.so" "$HERE/src/c/ext.c"
cp "$MULTI/node_modules/@parcel/watcher-linux-x64-musl/watcher.node" "$PYM/_ext.cpython-314-x86_64-linux-musl.so"
cp "$MULTI/node_modules/@parcel/watcher-linux-arm64-glibc/watcher.node" "$PYM/_ext.cpython-314-aarch64-linux-gnu.so"
cp "$MULTI/node_modules/@parcel/watcher-linux-x64-musl/watcher.node" "$PYM/_only.cpython-314-x86_64-linux-musl.so"

# Perl XS modules and Ruby extensions (the install directory carries the interpreter ABI).
EXT="$HERE/src/c/ext.c"
for d in "$ROOT/usr/local/lib/x86_64-linux-gnu/perl/5.36.0/auto/Acme/XS" \
         "$ROOT/usr/local/lib/x86_64-linux-gnu/perl/5.42.2/auto/Acme/XS"; do
    mkdir -p "$d"
    gcc $CFLAGS -o "$d/XS.so" "$EXT"
done
for v in 3.1.0 3.4.0; do
    d="$ROOT/opt/app-rb/vendor/bundle/ruby/$v/extensions/x86_64-linux/$v/acme-ext-1.0"
    mkdir -p "$d"
    gcc $CFLAGS -o "$d/acme_ext.so" "$EXT"
done

# Java runtimes: a JDK is its release file beside bin/java (a stub program here).
for j in "jdk8u292|1.8.0_292" "jdk-11.0.16|11.0.16" "jdk-17.0.2|17.0.2"; do
    IFS='|' read -r dir ver <<< "$j"
    mkdir -p "$ROOT/opt/$dir/bin"
    printf 'IMPLEMENTOR="Eclipse Adoptium"\nJAVA_VERSION="%s"\nOS_NAME="Linux"\n' "$ver" > "$ROOT/opt/$dir/release"
    gcc -O1 -w -fno-ident -o "$ROOT/opt/$dir/bin/java" "$HERE/src/c/java-stub.c"
done
# JAVA_HOME set by units, an EnvironmentFile and scripts: RHEL 8's Java 11 and 8 (the target
# has neither), the target's own Java 25 line, and a JDK the tree carries.
mkdir -p "$ROOT/etc/systemd/system" "$ROOT/etc/sysconfig" "$ROOT/opt/acme-java/bin"
cat > "$ROOT/etc/systemd/system/acme-api.service" <<'UNIT'
[Unit]
Description=Acme API

[Service]
Environment=JAVA_HOME=/usr/lib/jvm/java-11-openjdk LANG=C.UTF-8
EnvironmentFile=-/etc/sysconfig/acme-batch
ExecStart=/opt/acme-java/bin/run-api

[Install]
WantedBy=multi-user.target
UNIT
printf '# Acme batch\nJAVA_HOME="/usr/lib/jvm/jre-1.8.0-openjdk"\n' > "$ROOT/etc/sysconfig/acme-batch"
printf '#!/bin/sh\nexport JAVA_HOME=/opt/jdk-17.0.2\nexec "$JAVA_HOME/bin/java" -jar /opt/acme-java/api.jar\n' > "$ROOT/opt/acme-java/bin/run-api"
printf '#!/bin/bash\n# JAVA_HOME=/usr/lib/jvm/java-1.7.0 (old)\nexport JAVA_HOME=/usr/lib/jvm/java-25-openjdk\nexec "$JAVA_HOME/bin/java" -version\n' > "$ROOT/opt/acme-java/bin/run-next"
chmod 0755 "$ROOT/opt/acme-java/bin/run-api" "$ROOT/opt/acme-java/bin/run-next"
# A release file that is not a JDK's.
printf 'JAVA_VERSION="1.6.0"\n' > "$ROOT/opt/app/release"

# Java archives with native code (JNI), laid out as the real ones are (netty, sqlite-jdbc,
# jna, zstd-jni inside a war's WEB-INF/lib/), built with python3's zipfile:
# - netty.jar: epoll for x86_64 (fine) beside epoll for aarch_64 (a real aarch64 ELF: parcel's
#   arm64 addon) and the macOS kqueue .jnilib: the other builds are never loaded;
# - sqlite-jdbc.jar: Linux/x86_64 needs GLIBC_2.99 (a break), Linux-Musl/x86_64 (a real musl
#   ELF) and Mac/aarch64 (.dylib) are other platforms;
# - jna.jar: only linux-aarch64: nothing the target can load;
# - acme.war: WEB-INF/lib/zstd-jni.jar whose linux/amd64 library needs a library bundled
#   beside it (fine) and libacme-gone.so.3 (absent on the target).
JNI="$ROOT/srv/java-jni"
JB="$OUT/jni-build"
mkdir -p "$JNI/lib" "$JB"
JCF="-O1 -w -fno-ident -fno-asynchronous-unwind-tables -shared -fPIC"
gcc $JCF -nostdlib -o "$JB/libc.so.6" "$HERE/src/jni/stub.c" -Wl,-soname,libc.so.6 \
    -Wl,--version-script="$HERE/src/jni/future.map"
gcc $JCF -nostdlib -o "$JB/libacme-gone.so.3" "$HERE/src/jni/stub.c" -Wl,-soname,libacme-gone.so.3
gcc $JCF -o "$JB/epoll.so" "$HERE/src/jni/jni.c"
gcc $JCF -nostdlib -o "$JB/sqlite.so" "$HERE/src/jni/future.c" "$JB/libc.so.6"
gcc $JCF -o "$JB/libzstd-helper.so" "$HERE/src/jni/jni.c" -Wl,-soname,libzstd-helper.so
gcc $JCF -o "$JB/zstd.so" "$HERE/src/jni/jni.c" -Wl,--no-as-needed "$JB/libzstd-helper.so" "$JB/libacme-gone.so.3"
ARM="$MULTI/node_modules/@parcel/watcher-linux-arm64-glibc/watcher.node"
MUSL="$MULTI/node_modules/@parcel/watcher-linux-x64-musl/watcher.node"
python3 - "$JNI" "$JB" "$ARM" "$MUSL" <<'PY'
import io, sys, zipfile
jni, jb, arm, musl = sys.argv[1:]
def jar(members):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        for name, src in members:
            z.writestr(name, open(src, "rb").read() if isinstance(src, str) else src)
    return b.getvalue()
n = "META-INF/native/"
open(f"{jni}/lib/netty.jar", "wb").write(jar([
    (n + "libnetty_transport_native_epoll_x86_64.so", f"{jb}/epoll.so"),
    (n + "libnetty_transport_native_epoll_aarch_64.so", arm),
    (n + "libnetty_transport_native_kqueue_x86_64.jnilib", b"\xcf\xfa\xed\xfe macho stand-in"),
]))
s = "org/sqlite/native/"
open(f"{jni}/lib/sqlite-jdbc.jar", "wb").write(jar([
    (s + "Linux/x86_64/libsqlitejdbc.so", f"{jb}/sqlite.so"),
    (s + "Linux-Musl/x86_64/libsqlitejdbc.so", musl),
    (s + "Mac/aarch64/libsqlitejdbc.dylib", b"\xcf\xfa\xed\xfe macho stand-in"),
]))
open(f"{jni}/lib/jna.jar", "wb").write(jar([
    ("com/sun/jna/linux-aarch64/libjnidispatch.so", arm),
]))
zstd = jar([
    ("linux/amd64/libzstd-jni.so", f"{jb}/zstd.so"),
    ("linux/amd64/libzstd-helper.so", f"{jb}/libzstd-helper.so"),
])
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("WEB-INF/web.xml", "<web-app/>\n")
    z.writestr(zipfile.ZipInfo("WEB-INF/lib/zstd-jni.jar"), zstd)
open(f"{jni}/acme.war", "wb").write(b.getvalue())
PY
rm -rf "$JB"

# Wheel files of an offline install bundle (installed on the target at deploy time), built with
# python3's zipfile with a minimal METADATA, WHEEL and RECORD (judged by their names' tags):
# one for CPython 3.9 only, one for glibc 2.99, a pure-Python one, an abi3 one, a project with
# builds for manylinux, macOS and musllinux (one fits), and one with a macOS build only.
WH="$ROOT/opt/app-bundle/wheels"
mkdir -p "$WH"
python3 - "$WH" <<'PY'
import sys, zipfile
out = sys.argv[1]
for f in [
    "acme_fast-1.0-cp39-cp39-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "acme_new-1.0-cp314-cp314-manylinux_2_99_x86_64.whl",
    "acme_pure-1.0-py3-none-any.whl",
    "acme_stable-1.0-cp38-abi3-manylinux2014_x86_64.whl",
    "acme_multi-2.0-cp314-cp314-manylinux_2_28_x86_64.whl",
    "acme_multi-2.0-cp314-cp314-macosx_11_0_arm64.whl",
    "acme_multi-2.0-cp314-cp314-musllinux_1_2_x86_64.whl",
    "acme_mac-1.0-cp314-cp314-macosx_11_0_arm64.whl",
]:
    name, ver, py, abi, plat = f[:-4].split("-")
    di = f"{name}-{ver}.dist-info"
    with zipfile.ZipFile(f"{out}/{f}", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{name}/__init__.py", "")
        z.writestr(f"{di}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {ver}\n")
        tags = "".join(f"Tag: {p}-{a}-{t}\n" for p in py.split(".") for a in abi.split(".") for t in plat.split("."))
        z.writestr(f"{di}/WHEEL", f"Wheel-Version: 1.0\nGenerator: build.sh\nRoot-Is-Purelib: {'true' if abi == 'none' else 'false'}\n{tags}")
        z.writestr(f"{di}/RECORD", f"{name}/__init__.py,,\n{di}/METADATA,,\n{di}/WHEEL,,\n{di}/RECORD,,\n")
PY
