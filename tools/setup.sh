#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for create-taupy's tests and demo: the Debian packages
# in .ci/debian-packages.txt that are missing (Chromium for end-to-end tests, Xvfb and WebKitGTK
# for the native window, the Windows cross-compilers…), then the monorepo's npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
while read -r package; do
  [[ -z $package || $package == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done < .ci/debian-packages.txt

if ((${#missing[@]})); then
  sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  echo "setup: installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
