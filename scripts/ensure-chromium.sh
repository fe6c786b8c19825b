#!/usr/bin/env bash
# Debian's chromium for the explorer's browser test (tests/test_explorer_browser.py), installed when missing.
# Playwright drives it through its executable path; no browser is downloaded.
set -u
command -v chromium >/dev/null && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "chromium is missing and installing it needs root: the browser test will be skipped" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
command -v chromium
