#!/usr/bin/env bash
# Seed the fuzz corpora (fuzz/corpus/<target>/, git-ignored) from the shared real corpora:
# small header blobs and .rpm files, small BerkeleyDB files made with
# ../corpora/rpmdb-fixtures/make-bdb.sh (512-byte pages, both byte orders), a small NDB file
# (same layout as rpm writes, see src/inventory/rpm/ndb.rs), the dpkg status files and the
# systemd unit files.
set -euo pipefail
cd "$(dirname "$0")"
src=${AZL_COMPAT_CORPORA:-$(cd ../.. && pwd)/shared/corpora}
[ -f "$src/MANIFEST.tsv" ] || { echo "no corpora at $src" >&2; exit 1; }
mkdir -p corpus/header corpus/bdb corpus/ndb corpus/dpkg corpus/units
# `|| true`: head closing the pipe early is SIGPIPE for sort, fatal under pipefail.
small_blobs=$(find "$src/rpmheader" -name '*.bin' -size -8k | sort | head -12 || true)
for b in $small_blobs; do cp "$b" corpus/header/; done
find "$src/rpmfile" -type f -size -12k -exec cp {} corpus/header/ \;
two=$(echo "$small_blobs" | head -2 || true)
# shellcheck disable=SC2086
../corpora/rpmdb-fixtures/make-bdb.sh corpus/bdb/le-512 1234 512 $two
# shellcheck disable=SC2086
../corpora/rpmdb-fixtures/make-bdb.sh corpus/bdb/be-512 4321 512 $two
cp "$src/rpmdb/anchore__syft/syft/pkg/cataloger/redhat/testdata/Packages" corpus/bdb/syft
cp "$src/rpmdb/snyk__rpm-parser/test/fixtures/rpm4_empty" corpus/bdb/rpm4_empty
python3 - corpus/ndb/two $two <<'PY'
import struct, sys, zlib
out, blobs = sys.argv[1], sys.argv[2:]
page = bytearray(4096)
page[0:4] = b"RpmP"; page[8:12] = struct.pack("<I", 1); page[12:16] = struct.pack("<I", 1)
page[16:20] = struct.pack("<I", len(blobs) + 1)
for s in range(2, 256):
    page[16 * s:16 * s + 4] = b"Slot"
data = bytearray(page)
for i, path in enumerate(blobs):
    blob = open(path, "rb").read()
    blkoff = len(data) // 16
    cnt = (16 + len(blob) + 12 + 15) // 16
    area = b"BlbS" + struct.pack("<III", i + 1, 0, len(blob)) + blob
    area += b"\0" * (cnt * 16 - 12 - len(area))
    area += struct.pack("<II", zlib.adler32(area), len(blob)) + b"BlbE"
    data += area
    struct.pack_into("<III", data, 16 * (2 + i) + 4, i + 1, blkoff, cnt)
open(out, "wb").write(data)
PY
find "$src/dpkg" -type f -size -16k -exec cp {} corpus/dpkg/ \;
# Unit files and drop-ins (names made unique by their path).
find "$src/systemd" -type f -size -16k | while read -r f; do
  cp "$f" "corpus/units/$(echo "${f#"$src"/}" | tr / _)"
done
echo "seeded: $(ls corpus/header | wc -l) header, $(ls corpus/bdb | wc -l) bdb, $(ls corpus/ndb | wc -l) ndb, $(ls corpus/dpkg | wc -l) dpkg, $(ls corpus/units | wc -l) units"
