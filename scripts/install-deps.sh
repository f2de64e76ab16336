#!/usr/bin/env bash
# Installs what the build, the stack and the tests need and this machine lacks: the one list of
# Debian and Python packages (`.ci/run` calls this too). Debian packages need root (CI runs as
# root); without root, missing ones are listed instead.
#   WITH_TEST_TOOLS=1   also what the tests need (Chromium for the browser tests, pytest, ...)
#   WITH_BENCH_TOOLS=1  also what `make bench` needs (wrk, the WebSocket client library, matplotlib)
set -euo pipefail

# patroni and etcd-server: the replicated cluster (scripts/cluster.sh), which the tests run too.
packages=(libfcgi-dev libpq-dev liblua5.4-dev postgresql postgresql-contrib nginx-light curl make patroni etcd-server)
python_packages=()
if [ "${WITH_TEST_TOOLS:-0}" = 1 ]; then
    # The browser tests drive Debian's Chromium (Playwright's own browser download cannot work
    # here); the emoji font makes reactions legible in their screenshots.
    packages+=(chromium fonts-noto-color-emoji)
    # A unit test checks the reaction emoji set against Unicode's emoji-test.txt from here.
    packages+=(unicode-data)
    python_packages=('websockets>=12' pytest requests jsonschema openapi-spec-validator pyyaml cryptography playwright 'schemathesis==4.32.5')
fi
if [ "${WITH_BENCH_TOOLS:-0}" = 1 ]; then
    packages+=(wrk)
    # matplotlib draws the charts in docs/bench/ (bench/charts.py).
    python_packages+=('websockets>=12' matplotlib)
fi

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
    # Debian starts a system nginx, cluster and etcd on install; this project runs its own.
    (service nginx stop || true) >/dev/null 2>&1
    (service etcd stop || true) >/dev/null 2>&1
fi

# pip only when something is missing (each name as Python imports it).
modules=()
for package in "${python_packages[@]}"; do
    module=${package%%[<>=]*}
    module=${module//-/_}
    [ "$module" = pyyaml ] && module=yaml  # the one whose import name differs
    python3 -c "import $module" 2>/dev/null || modules+=("$package")
done
if [ ${#modules[@]} -gt 0 ]; then
    python3 -m pip install -q "${modules[@]}"
fi
