#!/usr/bin/env bash
# Installs what the build, the stack and the tests need and this machine lacks.
# Debian packages need root (CI runs as root); without root, missing ones are listed instead.
set -euo pipefail

packages=(libfcgi-dev libpq-dev liblua5.4-dev postgresql postgresql-contrib nginx-light curl)
# The browser tests drive Debian's Chromium (Playwright's own browser download cannot work here);
# the emoji font makes reactions legible in their screenshots.
if [ "${WITH_TEST_TOOLS:-0}" = 1 ]; then packages+=(chromium fonts-noto-color-emoji); fi
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q "${missing[@]}" >/dev/null
    # Debian starts a system nginx and cluster on install; this project runs its own.
    (service nginx stop || true) >/dev/null 2>&1
fi

if [ "${WITH_TEST_TOOLS:-0}" = 1 ]; then
    python3 -c 'import websockets, pytest, requests, cryptography, playwright' 2>/dev/null \
        || python3 -m pip install -q 'websockets>=12' pytest requests cryptography playwright
fi
