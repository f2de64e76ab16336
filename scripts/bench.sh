#!/usr/bin/env bash
# `make bench`: release build, a stack of its own in var/bench, every workload, BENCHMARKS.md.
# Extra arguments go to bench/bench.py (e.g. --duration 10 --only W1).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# wrk and the Python packages the workloads import: a fresh clone needs nothing else first.
WITH_BENCH_TOOLS=1 scripts/install-deps.sh
# W3's receivers are C (bench/ws_receiver.c), compiled here with cc (CC overrides); the Swift
# toolchain's clang serves when no system compiler is installed.
if [ -z "${CC:-}" ] && ! command -v cc >/dev/null; then
    if command -v clang >/dev/null; then export CC=clang
    elif [ "$(id -u)" -eq 0 ]; then apt-get install -y -q gcc >/dev/null; fi
fi
export STACK_DIR=$ROOT/var/bench HTTP_PORT=${BENCH_HTTP_PORT:-28180} PG_PORT=${BENCH_PG_PORT:-28473} PUSH_PORT=${BENCH_PUSH_PORT:-28190}
export METRICS_PORT=${BENCH_METRICS_PORT:-29464} PUSH_METRICS_PORT=${BENCH_PUSH_METRICS_PORT:-29465}
# The pool runs in the production default shape (fcgi_workers 1 x fcgi_threads 16: one stream of
# group commits; BENCH_FCGI_WORKERS / BENCH_FCGI_THREADS try another).
# The load generators are a few users sending as fast as they can: limits far above their rates
# (the check itself still runs on every request, as in production).
# nginx's per-token limit (production: 50 a second) at 100: W1 spreads up to ~5,500 sends a
# second over 100 tokens, and W9's flood still meets it. BENCH_NGINX_TOKEN_RATE changes it.
export NGINX_TOKEN_RATE=${BENCH_NGINX_TOKEN_RATE:-100}
export RATE_LIMITS="send=1000000/s:1000000, conversation=1000000/s:1000000, react=1000000/s:1000000, read=1000000/s:1000000, search=1000000/s:1000000"
# W2's stage timeline (bench/timeline.py): the processes record only while W2 sends.
export MESSAGING_STAGE_TIMELINE=$STACK_DIR/timeline
mkdir -p "$MESSAGING_STAGE_TIMELINE"
export BUILD_CONFIG=release LOG_LEVEL=${BENCH_LOG_LEVEL:-warning}
[ -z "${BENCH_FCGI_WORKERS:-}" ] || export FCGI_WORKERS=$BENCH_FCGI_WORKERS
[ -z "${BENCH_FCGI_THREADS:-}" ] || export FCGI_THREADS=$BENCH_FCGI_THREADS
# W4 spreads ~20,000 idle connections over 400 users (50 each, --w4-users): above the production
# default cap of 20 per user, so the bench's daemon allows more.
export MESSAGING_PUSH_MAX_CONNECTIONS_PER_USER=${BENCH_MAX_CONNECTIONS_PER_USER:-1000}
# W4 holds ~20,000 connections in one push daemon: every process started from here (the daemon
# included) gets the hard limit on open files, not a distribution's default soft limit of 1024.
ulimit -n "$(ulimit -Hn)"
trap 'scripts/stack.sh down >/dev/null 2>&1 || true' EXIT
scripts/stack.sh up >/dev/null
python3 bench/bench.py --stack-dir "$STACK_DIR" --http-port "$HTTP_PORT" \
    --admin "$(swift build -c release --show-bin-path)/messaging-admin" "$@"
