#!/usr/bin/env bash
# Installs everything Tripod's tests need on a Debian machine: the Debian packages listed in
# .ci/apt-packages.txt (Chromium for the browser tests, CJK fonts, poppler for PDF checks) and
# the Python packages in requirements-dev.txt. Safe to run again; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .ci/apt-packages.txt ] && command -v apt-get >/dev/null 2>&1; then
  mapfile -t pkgs < <(grep -v '^\s*#' .ci/apt-packages.txt | grep -v '^\s*$')
  missing=()
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
  fi
fi
python3 -m pip install -q -r requirements-dev.txt
