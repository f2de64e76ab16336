#!/usr/bin/env bash
# Delivery latency with each hostile hook statement installed next to the shipped scripts
# (bench/hostile_hooks.py): starts a stack of its own in var/hooklat (a copy of lua/, its own
# ports), measures, stops it. Pass bench/hostile_hooks.py options through (--messages, --rate).
# BUILD_CONFIG=release measures the release build. Not part of `make test`: it prints figures.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export STACK_DIR=$ROOT/var/hooklat HTTP_PORT=${HTTP_PORT:-28180} PG_PORT=${PG_PORT:-55463} PUSH_PORT=${PUSH_PORT:-28190}
export METRICS_PORT=${METRICS_PORT:-29564} PUSH_METRICS_PORT=${PUSH_METRICS_PORT:-29565} LOG_LEVEL=warning
WITH_TEST_TOOLS=1 scripts/install-deps.sh
rm -rf "$STACK_DIR/lua" && mkdir -p "$STACK_DIR" && cp -r lua "$STACK_DIR/lua"
export HOOKS_DIR=$STACK_DIR/lua
trap 'scripts/stack.sh down >/dev/null 2>&1 || true' EXIT
scripts/stack.sh up >/dev/null
BIN=$(swift build -c "${BUILD_CONFIG:-debug}" --show-bin-path)
python3 bench/hostile_hooks.py --stack-dir "$STACK_DIR" --http-port "$HTTP_PORT" --admin "$BIN/messaging-admin" "$@"
