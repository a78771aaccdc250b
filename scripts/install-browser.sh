#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests and screenshots (Playwright drives it;
# Playwright's own browser download is not used). Idempotent; needs root or sudo for apt.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium
