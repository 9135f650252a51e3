#!/usr/bin/env bash
# benches/image-vs-tar.sh — compare `azl-compat scan IMAGE` with `tar -t` over the same layer.
#
#   benches/image-vs-tar.sh [--runs N] [--no-build] [--size-mb MB] [SOURCE_DIR]
#
# Builds once, under $AZL_BENCH_CACHE (default /var/tmp/azl-compat-bench, outside the
# repository), a generated image from SOURCE_DIR (default /usr, cut to about --size-mb MB of
# files, default 1024): one layer tar made by GNU tar, wrapped
#   image-plain.tar  a `docker save` archive with the layer uncompressed (what docker save writes)
#   image-gzip.tar   the same with the layer gzip-compressed (what registries hold)
# Then, per image, prints the median wall time, CPU time and peak RSS of
#   tar      tar -tf layer.tar > /dev/null          (plain: GNU tar seeks over member data)
#            tar -tzf layer.tar.gz > /dev/null       (gzip: decompresses everything once)
#   scan     azl-compat scan IMAGE --format json -o /dev/null -q
# and the ratio scan/tar. A benchmark, not a test; the figures go to docs/performance.md.
#
# Environment: AZL_BENCH_CACHE, AZL_BIN (default target/release/azl-compat).
set -euo pipefail

RUNS=3
BUILD=1
SIZE_MB=1024
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --size-mb) SIZE_MB=$2; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
SRC=${1:-/usr}
cd "$(dirname "$0")/.."
CACHE=${AZL_BENCH_CACHE:-/var/tmp/azl-compat-bench}/image
BIN=${AZL_BIN:-target/release/azl-compat}
for t in tar gzip python3 /usr/bin/time; do
    command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 2; }
done
[ "$BUILD" = 1 ] && cargo build --release --quiet
mkdir -p "$CACHE"

if [ ! -f "$CACHE/image-gzip.tar" ]; then
    echo "building the images from $SRC (about $SIZE_MB MB) in $CACHE" >&2
    # The first files of a sorted walk up to the size: a reproducible cut of a real tree.
    # (awk stops reading at the size: the pipe's SIGPIPE upstream is expected.)
    (set +o pipefail; cd "$SRC" && find . -xdev \( -type f -o -type l -o -type d \) -printf '%s\t%p\n' | sort -k2 |
        awk -v max=$((SIZE_MB << 20)) -F'\t' '{ t += $1; if (t > max) exit; print $2 }') \
        > "$CACHE/files.txt"
    tar -C "$SRC" --no-recursion --numeric-owner -cf "$CACHE/layer.tar" -T "$CACHE/files.txt"
    gzip -1 -c "$CACHE/layer.tar" > "$CACHE/layer.tar.gz"
    for kind in plain gzip; do
        layer="$CACHE/layer.tar"; [ "$kind" = gzip ] && layer="$CACHE/layer.tar.gz"
        python3 - "$layer" "$CACHE/image-$kind.tar" <<'EOF'
import hashlib, io, json, sys, tarfile
layer, out = sys.argv[1], sys.argv[2]
h = hashlib.sha256()
with open(layer, "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + h.hexdigest()]},
                  "history": [{"created_by": "COPY tree /"}]}).encode()
man = json.dumps([{"Config": "config.json", "RepoTags": ["bench:1"],
                   "Layers": ["l0/layer.tar"]}]).encode()
with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
    t.add(layer, arcname="l0/layer.tar")
    for name, data in (("config.json", cfg), ("manifest.json", man)):
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
EOF
    done
fi

# median of the runs: "wall cpu rss_kb"
measure() {
    local f
    f=$(mktemp)
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -o "$f" -f '%e %U %S %M' "$@" >/dev/null 2>&1 || true
        # (a non-zero exit adds a line before the figures)
        tail -1 "$f" | awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }'
    done | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2)'
    rm -f "$f"
}

printf '%-6s %-5s %9s %9s %10s\n' image tool wall_s cpu_s rss_mb
for kind in plain gzip; do
    img="$CACHE/image-$kind.tar"
    if [ "$kind" = plain ]; then t=(tar -tf "$CACHE/layer.tar"); else t=(tar -tzf "$CACHE/layer.tar.gz"); fi
    "${t[@]}" >/dev/null; "$BIN" scan "$img" --format json -o /dev/null -q || true   # warm cache
    read -r tw tc tr < <(measure "${t[@]}")
    read -r sw sc sr < <(measure "$BIN" scan "$img" --format json -o /dev/null -q)
    printf '%-6s %-5s %9s %9s %10.1f\n' "$kind" tar "$tw" "$tc" "$(echo "$tr / 1024" | bc -l)"
    printf '%-6s %-5s %9s %9s %10.1f\n' "$kind" scan "$sw" "$sc" "$(echo "$sr / 1024" | bc -l)"
    printf '%-6s ratio scan/tar (wall): %.2f\n' "$kind" "$(echo "$sw / $tw" | bc -l)"
done
printf 'image: %s MB plain, %s MB gzip, %s members\n' \
    "$(( $(stat -c %s "$CACHE/image-plain.tar") >> 20 ))" \
    "$(( $(stat -c %s "$CACHE/image-gzip.tar") >> 20 ))" "$(wc -l < "$CACHE/files.txt")"
