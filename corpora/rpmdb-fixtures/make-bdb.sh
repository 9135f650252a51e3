#!/usr/bin/env bash
# Build a BerkeleyDB hash `Packages` database the way rpm writes one, from rpm header blobs.
#
#   make-bdb.sh OUT LORDER PAGESIZE BLOB...
#
# LORDER is 1234 (little-endian, x86) or 4321 (big-endian, s390x/ppc64); PAGESIZE is a power of
# two from 512 to 65536 (small pages push headers onto overflow-page chains, large ones keep
# them inline). Record keys are header numbers 1..N as 4-byte integers in LORDER; key 0 holds
# the next header number, rpm's counter (rpm's own reader refuses a file without it).
# Needs db5.3_load (Debian/Ubuntu: apt-get install db5.3-util). The test suite runs this at
# test time into a temporary directory (tests/packages_corpus.rs); nothing is committed.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 OUT LORDER PAGESIZE BLOB..." >&2; exit 64; }
out=$1 lorder=$2 pagesize=$3
shift 3
case $lorder in 1234|4321) ;; *) echo "LORDER must be 1234 or 4321" >&2; exit 64 ;; esac
load=$(command -v db5.3_load || command -v db_load) || {
  echo "db5.3_load not found (apt-get install db5.3-util)" >&2
  exit 69
}
key() { # header number -> 8 hex digits in LORDER
  local h
  h=$(printf '%08x' "$1")
  if [ "$lorder" = 1234 ]; then echo "${h:6:2}${h:4:2}${h:2:2}${h:0:2}"; else echo "$h"; fi
}
rm -f "$out"
{
  echo "VERSION=3"
  echo "format=bytevalue"
  echo "type=hash"
  echo "db_pagesize=$pagesize"
  echo "HEADER=END"
  n=0
  for blob in "$@"; do
    n=$((n + 1))
    echo " $(key "$n")"
    echo " $(od -An -v -tx1 "$blob" | tr -d ' \n')"
  done
  echo " $(key 0)"
  echo " $(key $((n + 1)))"
  echo "DATA=END"
} | "$load" -c db_lorder="$lorder" "$out"
