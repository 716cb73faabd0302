#!/usr/bin/env bash
# Refresh vendored front-end assets in static/vendor/ from the npm registry.
#
# Packages are fetched at pinned versions with `npm pack` (no CDN, no install
# scripts run) into a temporary directory, and only the distribution files the
# templates need are copied out, together with each package's licence file.
#
# Usage: scripts/vendor-assets.sh        (run from anywhere; needs npm + tar)
# To upgrade: change a version below, re-run, review the diff, test the UI.
set -euo pipefail

# --- Pinned versions (single source of truth) --------------------------------
BOOTSTRAP_VERSION="5.3.9"
BOOTSTRAP_ICONS_VERSION="1.13.2"
HTMX_VERSION="2.0.11"      # stay on htmx 2.x; 4.x is a different major with breaking changes
CHARTJS_VERSION="4.6.1"
SORTABLEJS_VERSION="1.15.7"
# -----------------------------------------------------------------------------

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR_DIR="${ROOT_DIR}/static/vendor"

for tool in npm tar node; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is required" >&2; exit 1; }
done

TMP_DIR="$(mktemp -d "${TMPDIR:-/tmp}/vendor-assets.XXXXXX")"
cleanup() { rm -rf "$TMP_DIR"; }
trap cleanup EXIT

VERSIONS_LINES=()

# fetch NAME VERSION -> prints the extracted package directory
fetch() {
  local name="$1" version="$2" dest="${TMP_DIR}/${1}"
  mkdir -p "$dest"
  echo "==> ${name}@${version}" >&2
  local tgz
  tgz="$(cd "$dest" && npm pack "${name}@${version}" --silent --ignore-scripts | tail -n 1)"
  tar -xzf "${dest}/${tgz}" -C "$dest"
  # Sanity check: the tarball really is the version we asked for.
  local got
  got="$(node -p "require(process.argv[1]).version" "${dest}/package/package.json")"
  if [[ "$got" != "$version" ]]; then
    echo "error: ${name}: expected ${version}, got ${got}" >&2
    exit 1
  fi
  echo "${dest}/package"
}

# copy_file SRC DEST: copy, failing loudly if missing or empty
copy_file() {
  local src="$1" dest="$2"
  if [[ ! -s "$src" ]]; then
    echo "error: missing or empty file in package: ${src#"$TMP_DIR"/}" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$dest")"
  cp "$src" "$dest"
}

# copy_license PKG_DIR OUT_DIR: copy the package's LICENSE* file(s)
copy_license() {
  local pkg="$1" out="$2" found=0 f
  for f in "$pkg"/LICENSE "$pkg"/LICENSE.* "$pkg"/LICENCE "$pkg"/LICENCE.*; do
    [[ -f "$f" ]] || continue
    copy_file "$f" "${out}/$(basename "$f")"
    found=1
  done
  if [[ "$found" -eq 0 ]]; then
    echo "error: no LICENSE file found in ${pkg}" >&2
    exit 1
  fi
}

# record NAME PKG_DIR: add "name@version  licence" to VERSIONS.txt
record() {
  local name="$1" pkg="$2" line
  line="$(node -p 'const p = require(process.argv[1]); `${p.name}@${p.version}  ${p.license || "UNKNOWN"}`' "${pkg}/package.json")"
  VERSIONS_LINES+=("$line")
}

# Start from a clean slate so removed files don't linger.
rm -rf "${VENDOR_DIR:?}/bootstrap" "${VENDOR_DIR:?}/bootstrap-icons" \
       "${VENDOR_DIR:?}/htmx" "${VENDOR_DIR:?}/chartjs" "${VENDOR_DIR:?}/sortablejs"
mkdir -p "$VENDOR_DIR"

# --- bootstrap ---------------------------------------------------------------
pkg="$(fetch bootstrap "$BOOTSTRAP_VERSION")"
out="${VENDOR_DIR}/bootstrap"
for f in bootstrap.min.css bootstrap.min.css.map; do
  copy_file "${pkg}/dist/css/${f}" "${out}/${f}"
done
for f in bootstrap.bundle.min.js bootstrap.bundle.min.js.map; do
  copy_file "${pkg}/dist/js/${f}" "${out}/${f}"
done
copy_license "$pkg" "$out"
record bootstrap "$pkg"

# --- bootstrap-icons ---------------------------------------------------------
# The CSS references fonts/bootstrap-icons.woff2 / .woff relative to itself.
pkg="$(fetch bootstrap-icons "$BOOTSTRAP_ICONS_VERSION")"
out="${VENDOR_DIR}/bootstrap-icons"
copy_file "${pkg}/font/bootstrap-icons.min.css" "${out}/bootstrap-icons.min.css"
for f in bootstrap-icons.woff2 bootstrap-icons.woff; do
  copy_file "${pkg}/font/fonts/${f}" "${out}/fonts/${f}"
done
copy_license "$pkg" "$out"
record bootstrap-icons "$pkg"

# --- htmx --------------------------------------------------------------------
pkg="$(fetch htmx.org "$HTMX_VERSION")"
out="${VENDOR_DIR}/htmx"
copy_file "${pkg}/dist/htmx.min.js" "${out}/htmx.min.js"
copy_license "$pkg" "$out"
record htmx.org "$pkg"

# --- chart.js (UMD build) ----------------------------------------------------
# The .map is copied too: chart.umd.min.js ends with a sourceMappingURL comment,
# and Django's ManifestStaticFilesStorage (used in production via whitenoise)
# fails collectstatic if a referenced source map is missing.
pkg="$(fetch chart.js "$CHARTJS_VERSION")"
out="${VENDOR_DIR}/chartjs"
copy_file "${pkg}/dist/chart.umd.min.js" "${out}/chart.umd.min.js"
copy_file "${pkg}/dist/chart.umd.min.js.map" "${out}/chart.umd.min.js.map"
copy_license "$pkg" "$out"
record chart.js "$pkg"

# --- sortablejs --------------------------------------------------------------
pkg="$(fetch sortablejs "$SORTABLEJS_VERSION")"
out="${VENDOR_DIR}/sortablejs"
copy_file "${pkg}/Sortable.min.js" "${out}/Sortable.min.js"
copy_license "$pkg" "$out"
record sortablejs "$pkg"

# --- VERSIONS.txt ------------------------------------------------------------
{
  echo "# Vendored front-end assets. Generated by scripts/vendor-assets.sh; do not edit by hand."
  echo "# package@version  licence"
  printf '%s\n' "${VERSIONS_LINES[@]}"
} > "${VENDOR_DIR}/VERSIONS.txt"

echo "Done. Vendored assets in ${VENDOR_DIR#"$ROOT_DIR"/}:" >&2
cat "${VENDOR_DIR}/VERSIONS.txt" >&2
