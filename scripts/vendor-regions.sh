#!/usr/bin/env bash
# Refresh the vendored Indonesian administrative region reference data in
# setia/customers/data/regions/ from the npm package `idn-area-data`.
#
# The package is fetched at a pinned version with `npm pack` (no install, no
# scripts run) into a temporary directory. Only provinces, regencies and
# districts are copied (villages are far too big), normalised to UTF-8 CSV with
# a header row and a fixed column order:
#
#   provinces.csv  code,name
#   regencies.csv  code,province_code,name
#   districts.csv  code,regency_code,name
#
# Codes and names are kept exactly as the package gives them (codes are
# dotted, e.g. 32.73 / 32.73.01; names are title case, e.g. "Kota Bandung").
# Parent links, uniqueness and row counts are checked before anything is
# written; on any problem the script fails and the old files stay in place.
#
# Licences: the package's code is MIT (LICENSE), but its data/ folder carries
# its own licence, the Open Database License 1.0 (data/LICENSE.md). Both are
# copied, as LICENSE and LICENSE-DATA.md, and SOURCE.txt records both.
#
# Usage: scripts/vendor-regions.sh       (run from anywhere; needs npm, tar, node, python3)
# To upgrade: change the version below, re-run, review the diff.
set -euo pipefail

# --- Pinned version (single source of truth) ---------------------------------
IDN_AREA_DATA_VERSION="4.0.1"
# -----------------------------------------------------------------------------

PACKAGE="idn-area-data"
ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="${ROOT_DIR}/setia/customers/data/regions"
PYTHON="${PYTHON:-python3}"

for tool in npm tar node "$PYTHON"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is required" >&2; exit 1; }
done

TMP_DIR="$(mktemp -d "${TMPDIR:-/tmp}/vendor-regions.XXXXXX")"
cleanup() { rm -rf "$TMP_DIR"; }
trap cleanup EXIT

# --- fetch -------------------------------------------------------------------
echo "==> ${PACKAGE}@${IDN_AREA_DATA_VERSION}" >&2
tgz="$(cd "$TMP_DIR" && npm pack "${PACKAGE}@${IDN_AREA_DATA_VERSION}" --silent --ignore-scripts | tail -n 1)"
tar -xzf "${TMP_DIR}/${tgz}" -C "$TMP_DIR"
PKG_DIR="${TMP_DIR}/package"

# Sanity check: the tarball really is the package and version we asked for.
got="$(node -p 'const p = require(process.argv[1]); `${p.name}@${p.version}`' "${PKG_DIR}/package.json")"
if [[ "$got" != "${PACKAGE}@${IDN_AREA_DATA_VERSION}" ]]; then
  echo "error: expected ${PACKAGE}@${IDN_AREA_DATA_VERSION}, got ${got}" >&2
  exit 1
fi
CODE_LICENSE="$(node -p 'require(process.argv[1]).license || "UNKNOWN"' "${PKG_DIR}/package.json")"

for f in data/provinces.csv data/regencies.csv data/districts.csv LICENSE data/LICENSE.md; do
  if [[ ! -s "${PKG_DIR}/${f}" ]]; then
    echo "error: missing or empty file in package: ${f}" >&2
    exit 1
  fi
done
if ! grep -q "Open Database License" "${PKG_DIR}/data/LICENSE.md"; then
  echo "error: data/LICENSE.md is no longer the ODbL; review the data licence before vendoring" >&2
  exit 1
fi

# --- normalise + validate into a staging dir ---------------------------------
STAGE_DIR="${TMP_DIR}/out"
mkdir -p "$STAGE_DIR"

"$PYTHON" - "${PKG_DIR}/data" "$STAGE_DIR" <<'PY'
import csv
import sys
from collections import Counter
from pathlib import Path

src_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])

# output name -> (source file, output columns, {output column: accepted source headers},
#                 plausible row-count range)
SPECS = {
    "provinces": ("provinces.csv", ["code", "name"],
                  {"code": ["code"], "name": ["name"]}, (30, 60)),
    "regencies": ("regencies.csv", ["code", "province_code", "name"],
                  {"code": ["code"], "province_code": ["province_code", "provinceCode"],
                   "name": ["name"]}, (400, 700)),
    "districts": ("districts.csv", ["code", "regency_code", "name"],
                  {"code": ["code"], "regency_code": ["regency_code", "regencyCode"],
                   "name": ["name"]}, (6000, 9000)),
}


def fail(msg):
    sys.exit(f"error: {msg}")


def load(name):
    fname, columns, aliases, (lo, hi) = SPECS[name]
    raw = (src_dir / fname).read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # tolerate (and drop) a BOM
    except UnicodeDecodeError as exc:
        fail(f"{fname} is not valid UTF-8: {exc}")
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader, [])]
    index = {}
    for col in columns:
        matches = [header.index(a) for a in aliases[col] if a in header]
        if not matches:
            fail(f"{fname}: no column for {col!r} in header {header}")
        index[col] = matches[0]
    rows = []
    for lineno, rec in enumerate(reader, start=2):
        if not any(f.strip() for f in rec):
            continue  # blank line
        if len(rec) != len(header):
            fail(f"{fname}:{lineno}: expected {len(header)} fields, got {len(rec)}: {rec}")
        row = {col: rec[i].strip() for col, i in index.items()}
        if not all(row.values()):
            fail(f"{fname}:{lineno}: empty field in {row}")
        rows.append(row)
    if not lo <= len(rows) <= hi:
        fail(f"{fname}: {len(rows)} rows, expected between {lo} and {hi}")
    dupes = sorted(c for c, n in Counter(r["code"] for r in rows).items() if n > 1)
    if dupes:
        fail(f"{fname}: duplicate codes {dupes[:10]}")
    return rows


data = {name: load(name) for name in SPECS}

for child, parent, key in (("regencies", "provinces", "province_code"),
                           ("districts", "regencies", "regency_code")):
    parent_codes = {r["code"] for r in data[parent]}
    orphans = [r for r in data[child] if r[key] not in parent_codes]
    if orphans:
        fail(f"{child}: {len(orphans)} rows whose {key} is not in {parent}, e.g. {orphans[:3]}")
    # Codes are hierarchical: a child's code starts with its parent's code.
    bad = [r for r in data[child] if not r["code"].startswith(r[key])]
    if bad:
        fail(f"{child}: {len(bad)} codes not prefixed by their {key}, e.g. {bad[:3]}")

for name, rows in data.items():
    columns = SPECS[name][1]
    with open(out_dir / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([r[c] for c in columns] for r in rows)
    print(f"    {name}.csv: {len(rows)} rows", file=sys.stderr)
PY

cp "${PKG_DIR}/LICENSE" "${STAGE_DIR}/LICENSE"
cp "${PKG_DIR}/data/LICENSE.md" "${STAGE_DIR}/LICENSE-DATA.md"

{
  echo "# Generated by scripts/vendor-regions.sh; do not edit by hand."
  echo "package: ${PACKAGE}@${IDN_AREA_DATA_VERSION}"
  echo "tarball: $(npm view "${PACKAGE}@${IDN_AREA_DATA_VERSION}" dist.tarball 2>/dev/null || echo unknown)"
  echo "homepage: https://github.com/fityannugroho/idn-area-data"
  echo "licence (package code, LICENSE): ${CODE_LICENSE}"
  echo "licence (data files, LICENSE-DATA.md): Open Database License (ODbL) 1.0"
  echo "files: provinces.csv, regencies.csv, districts.csv (from data/; villages and islands not vendored)"
  echo "changes: columns selected and ordered as listed in each header row; UTF-8, LF line endings;"
  echo "         codes and names kept exactly as published."
  echo ""
  echo "Contains information from idn-area-data (https://github.com/fityannugroho/idn-area-data),"
  echo "which is made available here under the Open Database License (ODbL)"
  echo "(https://opendatacommons.org/licenses/odbl/1-0/)."
} > "${STAGE_DIR}/SOURCE.txt"

# --- install: replace the folder only after everything above succeeded -------
rm -rf "${OUT_DIR:?}"
mkdir -p "$(dirname "$OUT_DIR")"
cp -R "$STAGE_DIR" "$OUT_DIR"

echo "Done. Region data in ${OUT_DIR#"$ROOT_DIR"/}:" >&2
ls -l "$OUT_DIR" >&2
