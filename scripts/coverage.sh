#!/usr/bin/env bash
# Line and function coverage of Sources/ by the unit tests and the whole integration suite:
# builds everything with coverage instrumentation in .build-coverage (apart from the normal
# build), runs scripts/test.sh against those binaries (every pool worker, push daemon and
# messaging-admin run writes a profile), merges the profiles and prints a table per target.
# Not part of CI: it rebuilds everything instrumented. A process writes its profile when it
# exits, so one the tests kill with -9 (a pool worker in test_rest_pool, a daemon in
# test_push_daemons) loses its counts: a few paths may be covered and not counted. (LLVM's
# continuous mode, %c, would keep them, but with this toolchain it drops the counts of some
# functions altogether.)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=$ROOT/var/coverage
rm -rf "$OUT" && mkdir -p "$OUT/profiles"
export SWIFT_BUILD_FLAGS="--scratch-path $ROOT/.build-coverage --enable-code-coverage"
export LLVM_PROFILE_FILE="$OUT/profiles/%p-%m.profraw"
swift build --build-tests $SWIFT_BUILD_FLAGS 2>&1 | grep -E "error|Build" | tail -n 3
status=0
scripts/test.sh "$@" || status=$?
BIN=$(swift build $SWIFT_BUILD_FLAGS --show-bin-path)
TOOLS=$(dirname "$(readlink -f "$(command -v swift)")")
"$TOOLS/llvm-profdata" merge -sparse "$OUT"/profiles/*.profraw "$BIN"/codecov/*.profraw -o "$OUT/merged.profdata"
objects=("$BIN/fcgi-app" -object "$BIN/push-daemon" -object "$BIN/messaging-admin" -object "$BIN/mundo-messagingPackageTests.xctest")
"$TOOLS/llvm-cov" export -summary-only -instr-profile "$OUT/merged.profdata" "${objects[@]}" \
    -ignore-filename-regex='(\.build|Tests/|/checkouts/)' >"$OUT/summary.json"
"$TOOLS/llvm-cov" report -instr-profile "$OUT/merged.profdata" "${objects[@]}" \
    -ignore-filename-regex='(\.build|Tests/|/checkouts/)' >"$OUT/report.txt"
python3 - "$OUT/summary.json" "$ROOT" <<'PY'
import collections, json, sys
data = json.load(open(sys.argv[1]))["data"][0]["files"]
root = sys.argv[2] + "/Sources/"
targets = collections.defaultdict(lambda: [0, 0, 0, 0])
for f in data:
    if not f["filename"].startswith(root):
        continue
    target = f["filename"][len(root):].split("/")[0]
    s = f["summary"]
    for i, (kind, field) in enumerate([("lines", "covered"), ("lines", "count"), ("functions", "covered"), ("functions", "count")]):
        targets[target][i] += s[kind][field]
print(f"{'target':<16} {'lines':>16} {'functions':>16}")
total = [0, 0, 0, 0]
for target in sorted(targets):
    t = targets[target]
    total = [a + b for a, b in zip(total, t)]
    print(f"{target:<16} {t[0]:>6}/{t[1]:<6} {100*t[0]/max(t[1],1):5.1f}%  {t[2]:>5}/{t[3]:<5} {100*t[2]/max(t[3],1):5.1f}%")
print(f"{'Sources/':<16} {total[0]:>6}/{total[1]:<6} {100*total[0]/max(total[1],1):5.1f}%  {total[2]:>5}/{total[3]:<5} {100*total[2]/max(total[3],1):5.1f}%")
PY
echo "per file: $OUT/report.txt"
exit $status
