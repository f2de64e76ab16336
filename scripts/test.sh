#!/usr/bin/env bash
# Runs every test: Swift unit tests, then integration tests (pytest) against a real stack
# (PostgreSQL, the FastCGI pool, the push daemon, nginx) started on its own ports in var/test.
#   scripts/test.sh                 everything
#   scripts/test.sh -k reactions    pytest selection, after the unit tests
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# The stack under test gets the settings below and the defaults, nothing from the caller's shell:
# a MESSAGING_* override left there (an operator's, a bench session's per-user connection cap)
# changes what the tests check. MESSAGING_CHROMIUM names the browser the tests drive; it stays.
for name in $(compgen -e); do
    case $name in MESSAGING_CHROMIUM) ;; MESSAGING_*) unset "$name" ;; esac
done

WITH_TEST_TOOLS=1 scripts/install-deps.sh
echo "== unit tests"
swift build --build-tests ${SWIFT_BUILD_FLAGS:-} 2>&1 | grep -E "error|Build" | tail -n 5
swift test --skip-build ${SWIFT_BUILD_FLAGS:-} 2>&1 | tail -n 15

# Ports below 32768: the kernel never hands them out as the source port of an outgoing connection.
export STACK_DIR=$ROOT/var/test HTTP_PORT=${TEST_HTTP_PORT:-18080} PG_PORT=${TEST_PG_PORT:-15433} PUSH_PORT=${TEST_PUSH_PORT:-18090}
export METRICS_PORT=${TEST_METRICS_PORT:-19464} PUSH_METRICS_PORT=${TEST_PUSH_METRICS_PORT:-19465}
export TEST_ROUTES=true LOG_LEVEL=${LOG_LEVEL:-info}
# Two worker processes (production's default is one): the tests of what holds across processes
# (one rate limit, a worker killed while the other serves, group commits side by side) need two.
export FCGI_WORKERS=${TEST_FCGI_WORKERS:-2} FCGI_THREADS=${TEST_FCGI_THREADS:-8}
# Tests send in bursts from one user: the stack's limits are generous, and the rate-limit tests
# give their own users tight ones (messaging-admin rate-limit set).
# nginx's per-token limit (messaging-limits.conf) likewise.
export NGINX_TOKEN_RATE=${TEST_NGINX_TOKEN_RATE:-2000}
export RATE_LIMITS="send=1000/s:5000, conversation=1000/s:5000, react=1000/s:5000, edit=1000/s:5000, delete=1000/s:5000, read=1000/s:5000, group_admin=1000/s:5000, search=1000/s:5000"
# The `staff` fixture creates this user (ids from the platform may be any positive integer).
# The retention job runs every second, so the retention tests see the stack's own job purge.
export RETENTION_PURGE_INTERVAL_SECONDS=1
export STAFF_USER_IDS=${TEST_STAFF_USER_ID:-990000001} MESSAGING_TEST_STAFF_ID=${TEST_STAFF_USER_ID:-990000001}
# The platform's side of identity: a JWKS served over loopback http (the tests rotate its keys),
# tokens that must name this issuer and audience, users provisioned from platform tokens.
JWKS_PORT=${TEST_JWKS_PORT:-$((HTTP_PORT + 7))}
export JWKS=http://127.0.0.1:$JWKS_PORT/jwks.json JWKS_REFRESH_SECONDS=2 JWKS_MIN_REFRESH_SECONDS=1
export JWT_ISSUER=https://platform.test JWT_AUDIENCE=mundo-messaging JWT_LEEWAY_SECONDS=2 PROVISION_USERS=from_token PROFILE_SYNC_SECONDS=2
export MESSAGING_TEST_JWKS_DIR=$STACK_DIR/jwks MESSAGING_TEST_ISSUER=$JWT_ISSUER MESSAGING_TEST_AUDIENCE=$JWT_AUDIENCE
echo "== integration tests (stack in $STACK_DIR, nginx on 127.0.0.1:$HTTP_PORT, JWKS on 127.0.0.1:$JWKS_PORT)"
JWKS_SERVER=
trap 'scripts/stack.sh down >/dev/null 2>&1 || true; [ -z "$JWKS_SERVER" ] || kill "$JWKS_SERVER" 2>/dev/null || true' EXIT
scripts/stack.sh down >/dev/null 2>&1 || true
mkdir -p "$MESSAGING_TEST_JWKS_DIR" "$STACK_DIR/log" && echo '{"keys":[]}' >"$MESSAGING_TEST_JWKS_DIR/jwks.json"
python3 -m http.server "$JWKS_PORT" --bind 127.0.0.1 --directory "$MESSAGING_TEST_JWKS_DIR" >"$STACK_DIR/log/jwks-server.log" 2>&1 &
JWKS_SERVER=$!
# The H2AC tests edit scripts while the stack runs: they get a copy, never the repo's lua/.
rm -rf "$STACK_DIR/lua" && mkdir -p "$STACK_DIR" && cp -r lua "$STACK_DIR/lua"
export HOOKS_DIR=$STACK_DIR/lua
scripts/stack.sh up >/dev/null
BIN=$(swift build ${SWIFT_BUILD_FLAGS:-} --show-bin-path)
export MESSAGING_BASE_URL=http://127.0.0.1:$HTTP_PORT MESSAGING_CONFIG=$STACK_DIR/messaging.conf \
    MESSAGING_ADMIN=$BIN/messaging-admin MESSAGING_STACK_DIR=$STACK_DIR MESSAGING_ROOT=$ROOT MESSAGING_BIN=$BIN
status=0
python3 -m pytest -q -p no:cacheprovider Tests/integration "$@" || status=$?
# 5: the arguments selected none of these tests (maybe cluster tests, below).
[ $# -gt 0 ] && [ $status -eq 5 ] && status=-1
scripts/stack.sh down >/dev/null 2>&1 || true

# The replicated cluster's tests (Tests/cluster) on their own stack: etcd, three Patroni-managed
# PostgreSQL nodes, pool, daemon, nginx (scripts/cluster.sh). With pytest arguments, only when
# they select one of these tests. TEST_CLUSTER_* ports override the cluster script's defaults.
export CLUSTER_DIR=$ROOT/var/test-cluster
# Below 32768 like the stack's above: the integration tests' connections had left 127.0.0.1:42380
# (the cluster script's default etcd peer port) in TIME-WAIT as a source port, and etcd could not bind.
export CLUSTER_PG_PORTS=${TEST_CLUSTER_PG_PORTS:-25641,25642,25643} CLUSTER_API_PORTS=${TEST_CLUSTER_API_PORTS:-24008,24009,24010}
export CLUSTER_ETCD_PORTS=${TEST_CLUSTER_ETCD_PORTS:-24379,24380}
export CLUSTER_HTTP_PORT=${TEST_CLUSTER_HTTP_PORT:-24180} CLUSTER_PUSH_PORT=${TEST_CLUSTER_PUSH_PORT:-24190}
export CLUSTER_METRICS_PORT=${TEST_CLUSTER_METRICS_PORT:-24474} CLUSTER_PUSH_METRICS_PORT=${TEST_CLUSTER_PUSH_METRICS_PORT:-24475}
if [ $# -eq 0 ] || python3 -m pytest -q --collect-only -p no:cacheprovider Tests/cluster "$@" >/dev/null 2>&1; then
    echo "== cluster tests (stack in $CLUSTER_DIR, nginx on 127.0.0.1:$CLUSTER_HTTP_PORT)"
    trap 'scripts/cluster.sh down >/dev/null 2>&1 || true; [ -z "$JWKS_SERVER" ] || kill "$JWKS_SERVER" 2>/dev/null || true' EXIT
    SKIP_BUILD=1 scripts/cluster.sh up >"$STACK_DIR/log/cluster-up.log" 2>&1 || { tail -n 30 "$STACK_DIR/log/cluster-up.log"; exit 1; }
    MESSAGING_BASE_URL=http://127.0.0.1:$CLUSTER_HTTP_PORT MESSAGING_CONFIG=$CLUSTER_DIR/stack/messaging.conf \
        MESSAGING_STACK_DIR=$CLUSTER_DIR/stack python3 -m pytest -q -s -p no:cacheprovider Tests/cluster "$@" || cluster_status=$?
    scripts/cluster.sh down >/dev/null 2>&1 || true
    [ $status -eq -1 ] && status=0
    [ "${cluster_status:-0}" -eq 0 ] || status=$cluster_status
fi
[ $status -ne -1 ] || status=5
exit $status
