#!/usr/bin/env bash
# benches/scan-vs-walk.sh — compare `azl-compat scan` with a bare directory
# walk (`find ROOT -type f`) and pax-utils `scanelf -R` on the same real trees.
#
# README: `benches/scan-vs-walk.sh [--setup] [--runs N] [--no-build] [--markdown] [ROOT...]`
#   prints, per tree, the median wall time, CPU time (user+sys), peak RSS and
#   the wall-time ratios vs find and vs scanelf (warm page cache: one untimed
#   warm-up run of each tool first). Default roots: /usr and a Debian bookworm
#   minbase root built once with debootstrap under $AZL_BENCH_CACHE
#   (default /var/tmp/azl-compat-bench, outside the repository).
#   This is a benchmark script, not a test; figures go to docs/performance.md.
#
# Options:
#   --setup        apt-get install pax-utils debootstrap time when missing
#                  (nothing is installed unless this is given)
#   --runs N       timed runs per tool and tree (default 3, median reported)
#   --no-build     do not run `cargo build --release` (use the existing binary)
#   --no-debian    do not build/use the Debian root when no ROOT is given
#   --markdown     print the tables as Markdown (for docs/performance.md)
#   --no-wait-idle do not wait for an idle machine before each timed run
#                  (by default each run waits, up to $AZL_BENCH_IDLE_TIMEOUT
#                  seconds (default 180), until the CPUs were >= 90% idle for 2 s:
#                  a compile running beside the benchmark halves a 2-core box)
#   -h, --help     this text
#
# Environment: AZL_BENCH_CACHE (cache dir), AZL_BENCH_MIRROR (Debian mirror to
# try first), AZL_BIN (scanner binary; default target/release/azl-compat).
#
# What each tool does (see docs/performance.md for the fairness discussion):
#   find     find ROOT -type f > /dev/null   (walk: getdents d_type, no per-file open/read)
#   scanelf  scanelf -R -y -B -C -n -r -i -S -b ROOT > /dev/null
#            (walk, open+mmap every regular file, check the ELF magic, and for
#             ELF files parse program headers + dynamic section + dynstr:
#             NEEDED, RPATH/RUNPATH, INTERP, SONAME, BIND_NOW; -y skips
#             symlinks, like find -type f and the scanner)
#   scan     azl-compat scan ROOT --format json -o /dev/null [--quiet]
#            (exit status 1 = blockers found, not a failure)
set -euo pipefail

RUNS=3
SETUP=0
BUILD=1
DEBIAN=1
MARKDOWN=0
WAIT_IDLE=1
IDLE_TIMEOUT="${AZL_BENCH_IDLE_TIMEOUT:-180}"
ROOTS=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --setup) SETUP=1 ;;
        --runs) RUNS="$2"; shift ;;
        --runs=*) RUNS="${1#*=}" ;;
        --no-build) BUILD=0 ;;
        --no-debian) DEBIAN=0 ;;
        --markdown) MARKDOWN=1 ;;
        --no-wait-idle) WAIT_IDLE=0 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; ROOTS+=("$@"); break ;;
        -*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
        *) ROOTS+=("$1") ;;
    esac
    shift
done

case "$RUNS" in ''|*[!0-9]*|0) echo "--runs needs a positive integer" >&2; exit 2 ;; esac

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${AZL_BENCH_CACHE:-/var/tmp/azl-compat-bench}"
DEBROOT="$CACHE/debian-bookworm"
BIN="${AZL_BIN:-$REPO/target/release/azl-compat}"
TIME=/usr/bin/time
WORK="$(mktemp -d "${TMPDIR:-/tmp}/azl-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

log() { echo "[bench] $*" >&2; }

# ---------------------------------------------------------------- setup ----
missing_pkgs() {
    local m=()
    command -v scanelf >/dev/null 2>&1 || m+=(pax-utils)
    command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || m+=(debootstrap)
    "$TIME" -f '%e' true >/dev/null 2>&1 || m+=(time)
    echo "${m[@]:-}"
}

MISSING="$(missing_pkgs)"
if [ -n "$MISSING" ]; then
    if [ "$SETUP" = 1 ]; then
        log "installing: $MISSING"
        apt-get update && apt-get install -y $MISSING
    else
        echo "missing tools (packages: $MISSING); rerun with --setup to install them" >&2
        exit 2
    fi
fi

# Debian mirrors to try: $AZL_BENCH_MIRROR, deb.debian.org, then whatever
# apt on this machine uses for the main archive.
debian_mirrors() {
    [ -n "${AZL_BENCH_MIRROR:-}" ] && echo "$AZL_BENCH_MIRROR"
    echo "http://deb.debian.org/debian"
    {
        grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | sed 's/^URIs:[[:space:]]*//' | tr ' ' '\n'
        grep -hs '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
            | sed 's/\[[^]]*\]//' | awk '{print $2}'
    } | grep -v -e security -e '^$' | sed 's:/*$::' || true
}

build_debian_root() {
    [ -d "$DEBROOT/usr" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        log "not root: cannot debootstrap $DEBROOT; skipping the Debian tree"
        return 1
    fi
    local dbs; dbs="$(command -v debootstrap || echo /usr/sbin/debootstrap)"
    mkdir -p "$CACHE"
    local m
    for m in $(debian_mirrors | awk '!seen[$0]++'); do
        log "debootstrap --variant=minbase bookworm $DEBROOT $m (once; takes a few minutes)"
        rm -rf "$DEBROOT.tmp"
        if "$dbs" --variant=minbase bookworm "$DEBROOT.tmp" "$m" >"$CACHE/debootstrap.log" 2>&1; then
            mv "$DEBROOT.tmp" "$DEBROOT"
            return 0
        fi
        log "debootstrap from $m failed (see $CACHE/debootstrap.log)"
    done
    rm -rf "$DEBROOT.tmp"
    return 1
}

if [ ${#ROOTS[@]} -eq 0 ]; then
    ROOTS=(/usr)
    if [ "$DEBIAN" = 1 ]; then
        if build_debian_root; then ROOTS+=("$DEBROOT"); else log "Debian root unavailable"; fi
    fi
fi

# ---------------------------------------------------------------- build ----
HAVE_SCAN=1
if [ "$BUILD" = 1 ]; then
    log "cargo build --release"
    if ! (cd "$REPO" && cargo build --release --quiet) >&2; then
        log "cargo build --release failed; scan figures will be missing"
        HAVE_SCAN=0
    fi
fi
[ -x "$BIN" ] || { log "no scanner binary at $BIN"; HAVE_SCAN=0; }

SCAN_EXTRA=()
if [ "$HAVE_SCAN" = 1 ] && "$BIN" scan --help 2>/dev/null | grep -q -- '--quiet'; then
    SCAN_EXTRA=(--quiet)
fi
SCAN_OUT=/dev/null   # may fall back to a file if the scanner cannot write to /dev/null

# ------------------------------------------------------------- measuring ----
# set_cmd TOOL ROOT -> sets the array CMD to the command line for that tool.
set_cmd() {
    local tool="$1" root="$2"
    case "$tool" in
        find)    CMD=(find "$root" -type f) ;;
        scanelf) CMD=(scanelf -R -y -B -C -n -r -i -S -b "$root") ;;
        scan)    CMD=("$BIN" scan "$root" --format json -o "$SCAN_OUT" "${SCAN_EXTRA[@]}") ;;
    esac
}

# children_cpu -> cumulative user and sys seconds of waited-for children of
# this shell (bash `times`, millisecond resolution).
# `times` must run in this shell (a subshell starts with zeroed child times),
# so it writes to a file that awk then reads.
children_cpu() {
    times >"$WORK/times.out"
    tail -n 1 "$WORK/times.out" | awk '{ for (i=1;i<=2;i++) { split($i,a,"m"); sub("s","",a[2]); printf "%.3f ", a[1]*60+a[2] } print "" }'
}

# measure TOOL ROOT -> prints "wall user sys maxrss_kb" for one run.
# Peak RSS comes from GNU time (%M); wall (EPOCHREALTIME) and user/sys (bash
# `times` deltas) are taken around it with millisecond resolution, because
# GNU time's %e/%U/%S have only 10 ms resolution, too coarse for small trees.
# They include GNU time's own fork/exec (~1 ms).
measure() {
    local tool="$1" root="$2" tf="$WORK/time.out" rc=0 t0 t1 c0 c1
    set_cmd "$tool" "$root"
    children_cpu >"$WORK/c0"; t0=$EPOCHREALTIME
    "$TIME" -f '%e %U %S %M' -o "$tf" "${CMD[@]}" >/dev/null 2>"$WORK/cmd.err" || rc=$?
    t1=$EPOCHREALTIME; children_cpu >"$WORK/c1"
    c0=$(cat "$WORK/c0"); c1=$(cat "$WORK/c1")
    # find/scanelf may exit 1 on unreadable entries; scan exits 1 on blockers.
    if [ "$rc" -gt 1 ]; then
        log "$tool on $root exited with $rc"
        sed "s/^/[$tool stderr] /" "$WORK/cmd.err" | head -20 >&2
        return 1
    fi
    # GNU time prepends "Command exited with non-zero status" lines: take the last.
    local rss; rss=$(tail -n 1 "$tf" | awk '{print $4}')
    awk -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v rss="$rss" 'BEGIN {
        split(c0, a, " "); split(c1, b, " ");
        printf "%.3f %.3f %.3f %d\n", t1-t0, b[1]-a[1], b[2]-a[2], rss }'
}

# idle_pct SECONDS -> percentage of CPU time spent idle over the interval.
idle_pct() {
    local a b
    a=$(head -n 1 /proc/stat); sleep "$1"; b=$(head -n 1 /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { na=split(a,x," "); split(b,y," "); t=0;
        for (i=2;i<=na;i++) t+=y[i]-x[i]; idle=(y[5]-x[5])+(y[6]-x[6]);
        printf "%d", (t>0 ? 100*idle/t : 100) }'
}

# wait_idle -> waits until the machine is >= 90% idle over 2 s (or the timeout).
# Sets CONTENDED=1 when it gave up waiting.
CONTENDED=0
wait_idle() {
    [ "$WAIT_IDLE" = 1 ] || return 0
    local start=$SECONDS p
    while :; do
        p=$(idle_pct 2)
        [ "$p" -ge 90 ] && return 0
        if [ $((SECONDS - start)) -ge "$IDLE_TIMEOUT" ]; then
            log "machine still busy (${p}% idle) after ${IDLE_TIMEOUT}s; measuring anyway"
            CONTENDED=1
            return 0
        fi
        log "waiting for an idle machine (${p}% idle)"
    done
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2}'; }

human_bytes() { awk -v b="$1" 'BEGIN{split("B KiB MiB GiB TiB",u," "); i=1; while (b>=1024 && i<5) {b/=1024; i++} printf "%.1f %s", b, u[i]}'; }

bench_root() {
    local root="$1"
    [ -d "$root" ] || { log "not a directory: $root"; return 1; }
    local tools=(find scanelf)
    [ "$HAVE_SCAN" = 1 ] && tools+=(scan)

    # Tree facts (also warms the page cache for the metadata).
    local nfiles nbytes nelf nscript=""
    nfiles=$(find "$root" -type f | wc -l)
    nbytes=$(find "$root" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f", s}')
    nelf=$(scanelf -R -y -B -C -F '%F' "$root" 2>/dev/null | wc -l)

    # Untimed warm-up of each tool (file contents into the page cache).
    # For scan it also checks the exit status and keeps the JSON for its summary.
    local t
    for t in "${tools[@]}"; do
        log "warm-up: $t $root"
        if [ "$t" = scan ]; then
            local rc=0
            "$BIN" scan "$root" --format json -o "$WORK/scan.json" "${SCAN_EXTRA[@]}" >/dev/null 2>"$WORK/scan.err" || rc=$?
            if [ "$rc" -gt 1 ] || [ ! -s "$WORK/scan.json" ]; then
                log "scan failed on $root (exit $rc); dropping scan figures for this tree"
                sed 's/^/[scan stderr] /' "$WORK/scan.err" | head -20 >&2
                tools=(find scanelf)
                continue
            fi
            # Make sure the scanner accepts -o /dev/null; otherwise time it writing a file.
            rc=0
            "$BIN" scan "$root" --format json -o /dev/null "${SCAN_EXTRA[@]}" >/dev/null 2>&1 || rc=$?
            if [ "$rc" -gt 1 ]; then SCAN_OUT="$WORK/scan-timed.json"; log "scan cannot write to /dev/null; timing with -o $SCAN_OUT"; fi
            if command -v jq >/dev/null 2>&1; then
                nscript=$(jq -r '
                    def kv: to_entries | map(select(.value|type=="number") | "\(.key)=\(.value)") | join(" ");
                    [ (if .source then "files: " + (.source|kv) else empty end),
                      (if .summary.binaries then "verdicts: " + (.summary.binaries|kv) else empty end),
                      (if .summary.findings then "findings: " + (.summary.findings|kv) else empty end),
                      (if .diagnostics then "diagnostics: \(.diagnostics|length)" else empty end)
                    ] | join("; ")' "$WORK/scan.json" 2>/dev/null || true)
            fi
        else
            set_cmd "$t" "$root"
            "${CMD[@]}" >/dev/null 2>&1 || true
        fi
    done

    # Timed runs, interleaved so that drift affects every tool alike.
    local i
    for i in $(seq 1 "$RUNS"); do
        for t in "${tools[@]}"; do
            wait_idle
            log "run $i/$RUNS: $t $root"
            measure "$t" "$root" >>"$WORK/$t.runs" || true
        done
    done

    # Medians.
    declare -A W C R
    for t in "${tools[@]}"; do
        [ -s "$WORK/$t.runs" ] || continue
        W[$t]=$(awk '{print $1}' "$WORK/$t.runs" | median)
        C[$t]=$(awk '{printf "%.3f\n", $2+$3}' "$WORK/$t.runs" | median)
        R[$t]=$(awk '{print $4}' "$WORK/$t.runs" | median)
    done

    local size; size=$(human_bytes "$nbytes")
    # Other CPU hogs on the machine skew the figures (2-core machines especially).
    local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
    [ "$CONTENDED" = 1 ] && load="$load (WARNING: some rounds ran on a busy machine)"
    CONTENDED=0
    if [ "$MARKDOWN" = 1 ]; then
        echo
        echo "### \`$root\` — $nfiles files, $nelf ELF, $size"
        echo
        echo "runs: $RUNS (median), warm cache; load average after the runs: $load"
        [ -n "$nscript" ] && echo "scan summary: $nscript"
        echo
        echo "| tool | median wall (s) | median CPU user+sys (s) | median peak RSS | wall / find | wall / scanelf | all runs: wall user sys rss_kb |"
        echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
    else
        echo
        echo "== $root: $nfiles files, $nelf ELF files, $size (runs: $RUNS, warm cache; load average after: $load) =="
        [ -n "$nscript" ] && echo "   scan summary: $nscript"
        printf '%-8s %10s %10s %12s %10s %12s\n' tool wall_s cpu_s peak_rss wall/find wall/scanelf
    fi
    for t in "${tools[@]}"; do
        [ -n "${W[$t]:-}" ] || continue
        local rf rs rss runs
        rf=$(awk -v a="${W[$t]}" -v b="${W[find]:-0}" 'BEGIN{ if (b>0) printf "%.2fx", a/b; else print "n/a" }')
        rs=$(awk -v a="${W[$t]}" -v b="${W[scanelf]:-0}" 'BEGIN{ if (b>0) printf "%.2fx", a/b; else print "n/a" }')
        rss=$(awk -v k="${R[$t]}" 'BEGIN{ printf "%.1f MiB", k/1024 }')
        if [ "$MARKDOWN" = 1 ]; then
            runs=$(awk '{printf "%s%s/%s/%s/%s", (NR>1?"; ":""), $1,$2,$3,$4}' "$WORK/$t.runs")
            printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$t" "${W[$t]}" "${C[$t]}" "$rss" "$rf" "$rs" "$runs"
        else
            printf '%-8s %10s %10s %12s %10s %12s\n' "$t" "${W[$t]}" "${C[$t]}" "$rss" "$rf" "$rs"
        fi
    done
    rm -f "$WORK"/*.runs
}

echo "azl-compat scan-vs-walk benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2/1048576}' /proc/meminfo)"
echo "scanelf: scanelf -R -y -B -C -n -r -i -S -b ROOT; find: find ROOT -type f; scan: $(basename "$BIN") scan ROOT --format json -o $SCAN_OUT ${SCAN_EXTRA[*]:-}"
[ "$HAVE_SCAN" = 1 ] || echo "scan figures pending: scanner binary not built/available"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in "${ROOTS[@]}"; do
    bench_root "$r" || true
done
