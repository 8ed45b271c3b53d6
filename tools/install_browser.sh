#!/usr/bin/env bash
# Install headless Chromium + ChromeDriver from Debian's packages for the docs browser test (tests/test_docs.py).
# Idempotent and quiet: does nothing when both are already installed. Never downloads a browser build of its own.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "install_browser.sh: not root and no sudo; the browser test will be skipped" >&2; exit 0; fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq >/dev/null && \
       $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; }; then
  echo "install_browser.sh: apt-get could not install chromium/chromium-driver; the browser test will be skipped" >&2
  exit 0
fi
command -v chromium >/dev/null && command -v chromedriver >/dev/null
echo "install_browser.sh: $(chromium --version 2>/dev/null | head -1), $(chromedriver --version 2>/dev/null | head -1 | cut -d' ' -f1-2)"
