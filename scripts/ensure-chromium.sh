#!/usr/bin/env bash
# Makes a headless Chromium available for the examples' browser test (test/examples). Installs
# Debian's `chromium` with apt-get when it is missing and this machine allows it; otherwise says
# why and exits 0, and the browser test skips with that reason. No browser is ever downloaded
# from anywhere but the system's package repositories.
set -uo pipefail

for name in chromium chromium-browser; do
  if command -v "$name" >/dev/null; then
    echo "ensure-chromium: found $(command -v "$name")"
    exit 0
  fi
done
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "ensure-chromium: SKIPPED: chromium is not installed and apt-get cannot run here (needs root and apt-get)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends chromium >/tmp/ensure-chromium.log 2>&1; then
  apt-get update >/dev/null 2>&1
  apt-get install -y --no-install-recommends chromium >/tmp/ensure-chromium.log 2>&1 \
    || { echo "ensure-chromium: SKIPPED: apt-get could not install chromium: $(tail -n 3 /tmp/ensure-chromium.log | tr '\n' ' ')"; exit 0; }
fi
echo "ensure-chromium: installed $(command -v chromium)"
