#!/usr/bin/env bash
# Install what reportgen needs on a fresh Debian machine: the system libraries
# WeasyPrint uses for PDFs, then the Python package (with test tools if --test).
set -euo pipefail
cd "$(dirname "$0")/.."

packages="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
extras=""
if [ "${1:-}" = "--test" ]; then
  packages="$packages chromium poppler-utils"
  command -v java >/dev/null 2>&1 || packages="$packages default-jre-headless"
  command -v npm >/dev/null 2>&1 || packages="$packages npm"
  extras="[test]"
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  missing=""
  for pkg in $packages; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
  done
  if [ -n "$missing" ]; then
    echo "Installing Debian packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  fi
fi
python3 -m pip install -q -e ".$extras"
if [ "${1:-}" = "--test" ]; then
  # axe-core (accessibility rules) and the W3C Nu HTML checker, from npm.
  mkdir -p .tools
  (cd .tools && npm install --silent --no-audit --no-fund axe-core@4 vnu-jar@latest >/dev/null)
fi
