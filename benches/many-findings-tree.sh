#!/usr/bin/env bash
# Build a tree whose scan has about COPIES x 33 findings: one program that needs 40 libraries
# the target does not have (stub libraries used only to link it, outside the tree), copied
# COPIES times under OUTDIR/root/opt/app (copies, not hard links: each is judged).
#
#   bash benches/many-findings-tree.sh OUTDIR [COPIES]   (default 6100: ~200,000 findings)
#
# Used by tests/report_size.rs and for the "Many findings" figures in docs/performance.md.
# Needs gcc. Nothing is executed.
set -euo pipefail
out=${1:?usage: $0 OUTDIR [COPIES]}
copies=${2:-6100}
build="$out/.build"
rm -rf "$out/root" "$build"
mkdir -p "$build" "$out/root/opt/app"
libs=()
for i in $(seq -w 1 40); do
    printf 'int azl_stub_%s(void) { return %d; }\n' "$i" "$((10#$i))" > "$build/s$i.c"
    gcc -shared -fPIC -Wl,-soname,libazlmissing$i.so.1 -o "$build/libazlmissing$i.so" "$build/s$i.c"
    libs+=("-lazlmissing$i")
done
{
    for i in $(seq -w 1 40); do printf 'int azl_stub_%s(void);\n' "$i"; done
    printf 'int main(void) { return 0'
    for i in $(seq -w 1 40); do printf ' + azl_stub_%s()' "$i"; done
    printf '; }\n'
} > "$build/main.c"
gcc -o "$build/app" "$build/main.c" -L"$build" -Wl,--no-as-needed "${libs[@]}"
for i in $(seq 1 "$copies"); do
    d="$out/root/opt/app/d$((i / 500))"
    mkdir -p "$d"
    cp "$build/app" "$d/app$i"
done
