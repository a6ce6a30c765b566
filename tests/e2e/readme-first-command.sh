#!/usr/bin/env bash
# Runs the README's first command exactly as written, from the repository root, and checks that
# the worker it starts answers /healthz, /readyz and /metrics on the default port, then drains
# and exits 0 on SIGTERM. (Setup is idempotent: with everything installed it only rebuilds.)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cmd=$(grep -m1 -E '^scripts/setup && build/parley worker$' README.md) || {
  echo "README.md does not start with 'scripts/setup && build/parley worker'"; exit 1; }
log=$(mktemp)
bash -c "$cmd" >"$log" 2>&1 &
pid=$!
trap 'kill -KILL $pid 2>/dev/null || true; pkill -KILL -f "build/parley worker" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  grep -q '"msg":"ready"' "$log" && break
  kill -0 $pid 2>/dev/null || { echo "exited early:"; cat "$log"; exit 1; }
  sleep 0.5
done
grep '"msg":"ready"' "$log"
# Bodies are read whole before matching: `curl | grep -q` fails under pipefail when grep exits at
# its first match while curl is still writing (curl: (23) Failed writing body).
fetch() { curl -fsS "http://127.0.0.1:8080$1"; }
healthz=$(fetch /healthz) && grep -q '"status":"ok"' <<<"$healthz"
readyz=$(fetch /readyz) && grep -q '"status":"ready"' <<<"$readyz"
metrics=$(fetch /metrics) && grep -q '^parley_active_sessions 0' <<<"$metrics"
worker=$(pgrep -f "build/parley worker" | head -1)
kill -TERM "$worker"
for _ in $(seq 1 100); do kill -0 "$worker" 2>/dev/null || break; sleep 0.1; done
wait $pid; rc=$?
grep -q '"msg":"stopped"' "$log"
echo "README first command: worker served the three endpoints and stopped with exit $rc"
exit $rc
