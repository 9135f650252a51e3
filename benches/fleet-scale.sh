#!/usr/bin/env bash
# benches/fleet-scale.sh — ingest a synthetic fleet into a `fleet` store and summarise it.
#
#   benches/fleet-scale.sh [--hosts N] [--no-build]
#
# The fleet is made from the saved reports in tests/fixtures (an app tree, a CentOS 7 package
# database with a python2 script and an .rpm installer, a systemd unit tree), with realistic
# duplication: each host takes one of them, keeps each finding with probability 0.8 (so some
# hosts lose their last blocker), and a source distribution from a small mix. The reports are
# generated once under $AZL_BENCH_CACHE (default /var/tmp/azl-compat-bench), outside the
# repository. Prints: hosts, ingest wall time and peak RSS, summary wall time, store size.
# A benchmark, not a test; figures go to docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=10000
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) hosts=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$build" = 1 ] && cargo build --release --quiet
bin=${AZL_BIN:-target/release/azl-compat}
cache=${AZL_BENCH_CACHE:-/var/tmp/azl-compat-bench}/fleet-$hosts
if [ ! -f "$cache/.done" ]; then
  rm -rf "$cache"; mkdir -p "$cache/reports"
  python3 - "$cache/reports" "$hosts" <<'PY'
import json, random, sys
out, n = sys.argv[1], int(sys.argv[2])
random.seed(42)
bases = [json.load(open(f"tests/fixtures/report-{b}.json")) for b in ("apptree", "packages", "units")]
distros = [("centos", "7"), ("rhel", "8.9"), ("rhel", "9.3"), ("ubuntu", "22.04"), ("fedora", "40")]
for i in range(n):
    r = json.loads(json.dumps(random.choices(bases, weights=(4, 4, 2))[0]))
    r["findings"] = [f for f in r["findings"] if random.random() < 0.8]
    r["source"]["distro"], r["source"]["version"] = random.choice(distros)
    with open(f"{out}/host-{i:06d}.json", "w") as fh:
        json.dump(r, fh)
PY
  touch "$cache/.done"
fi
store=$(mktemp -d)/fleet.db
trap 'rm -rf "$(dirname "$store")"' EXIT
t0=$(date +%s.%N)
find "$cache/reports" -name '*.json' | /usr/bin/time -f '%M' -o "$store.rss" "$bin" fleet ingest "$store" - 2>/dev/null
t1=$(date +%s.%N)
"$bin" fleet summary "$store" --format json >/dev/null
t2=$(date +%s.%N)
"$bin" fleet summary "$store" >/dev/null
t3=$(date +%s.%N)
printf 'hosts            %s\n' "$hosts"
printf 'ingest           %.1f s (peak RSS %s MiB)\n' "$(echo "$t1 - $t0" | bc)" "$(( $(cat "$store.rss") / 1024 ))"
printf 'summary (json)   %.2f s\n' "$(echo "$t2 - $t1" | bc)"
printf 'summary (text)   %.2f s\n' "$(echo "$t3 - $t2" | bc)"
printf 'store            %s MiB\n' "$(( $(du -k "$store" | cut -f1) / 1024 ))"
