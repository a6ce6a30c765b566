# Shared helpers of the SIP end-to-end scripts (tests/e2e/sip/*.sh). Source it after setting
# PARLEY (the binary) and E2E_NAME (used in the temp dir name):
#   . "$(dirname "$0")/lib.sh"
# It sets ROOT (checkout), FIX (tests/fixtures/sip), WORK (a fresh temp dir, removed at exit
# unless KEEP=1), SIP_PORT / HTTP_PORT (free loopback ports), RTP_FIRST (an even port in
# 30000-33998 with 100 ports above it free of our other tests), DID (the demo tenant's number),
# PARLEY_API_KEY / API_AUTH (the worker's admin API key), and defines fail, free_port, write_trunks, write_worker_config, start_worker, stop_worker.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
FIX="$ROOT/tests/fixtures/sip"
WORK=$(mktemp -d "/tmp/parley-${E2E_NAME:-sip}-e2e.XXXXXX")
WORKER_PID=""
BG_PIDS=()
DID="+15550100100"  # config/tenants/demo.yaml

cleanup() {
  local p
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$WORKER_PID" ] && kill -0 "$WORKER_PID" 2>/dev/null; then
    kill "$WORKER_PID" || true
    # A worker with a call still up drains for drain_timeout_s; a failed test does not wait.
    for _ in $(seq 1 50); do kill -0 "$WORKER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$WORKER_PID" 2>/dev/null || true
  fi
  if [ "${KEEP:-}" = "" ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT

# fail MESSAGE: prints it with the tail of the worker log and exits 1.
fail() {
  echo "FAIL: $*"
  echo "--- worker log (tail)"; tail -40 "$WORK/worker.log" 2>/dev/null || true
  exit 1
}

# free_port [SOCK_DGRAM|SOCK_STREAM]: a port the kernel just handed out on 127.0.0.1.
free_port() {
  python3 -c 'import socket,sys;s=socket.socket(socket.AF_INET,getattr(socket,sys.argv[1]));s.bind(("127.0.0.1",0));print(s.getsockname()[1])' "${1:-SOCK_DGRAM}"
}

# free_udp_run N: the first of N consecutive free UDP ports, starting at an even one (sipp's -mp
# takes mp for audio RTP, mp+1 RTCP, mp+2 and mp+3 for video, and fails if any is taken).
free_udp_run() {
  python3 -c '
import random, socket, sys
n = int(sys.argv[1])
while True:
    base = random.randrange(20000, 60000, 2)
    held = []
    try:
        for p in range(base, base + n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            held.append(s)
            s.bind(("127.0.0.1", p))
        print(base)
        break
    except OSError:
        pass
    finally:
        for s in held: s.close()
' "${1:-4}"
}

# free_port_both: a port free for UDP and TCP at once (SIP listens on both).
free_port_both() {
  python3 -c '
import socket
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", u.getsockname()[1])); print(u.getsockname()[1]); break
    except OSError:
        pass'
}

SIP_PORT=$(free_port_both)
HTTP_PORT=$(free_port SOCK_STREAM)
RTP_FIRST=$(( (RANDOM % 2000) * 2 + 30000 ))

# write_trunks [EXTRA_YAML]: $WORK/trunks.yaml with one trunk "local" allowing 127.0.0.1; the
# extra text is appended inside that trunk (e.g. an outbound block), indented by the caller.
write_trunks() {
  cat > "$WORK/trunks.yaml" <<YAML
trunks:
  - name: local
    inbound:
      allow: ["127.0.0.1/32"]
${1:-}
YAML
}

# The admin API key of the test worker (the /v1 routes need one): PARLEY_API_KEY for `parley dial`,
# API_AUTH for curl.
export PARLEY_API_KEY="sip-e2e-$RANDOM$RANDOM"
API_AUTH="Authorization: Bearer $PARLEY_API_KEY"
API_KEY_SHA256=$(printf '%s' "$PARLEY_API_KEY" | sha256sum | cut -d' ' -f1)

# write_worker_config [EXTRA_SIP_KEYS] [FORMAT]: $WORK/parley.yaml for a worker on loopback with
# SIP on $SIP_PORT, the demo tenants, a fresh data dir, the admin API key, and the given extra
# sip.* lines (indented two spaces). FORMAT: text (default) or json logs.
write_worker_config() {
  cat > "$WORK/parley.yaml" <<YAML
api:
  admin_key_sha256: $API_KEY_SHA256
admission:
  load_threshold: 100  # SIP behaviour under test, not overload refusals (a shared CI box is busy)
http:
  listen: 127.0.0.1:$HTTP_PORT
data_dir: $WORK/data
tenants_dir: $ROOT/config/tenants
workers:
  threads: 1
log:
  format: ${2:-text}
drain_grace_s: 0
sip:
  enabled: true
  listen: 127.0.0.1:$SIP_PORT
  rtp_ports: $RTP_FIRST-$((RTP_FIRST + 99))
  trunks_file: $WORK/trunks.yaml
${1:-}
YAML
}

# start_worker [ready]: runs `parley worker` on $WORK/parley.yaml (log in $WORK/worker.log) and
# waits for SIP to listen; with "ready", also for /readyz (the local speech engines loaded).
start_worker() {
  (cd "$WORK" && exec "$PARLEY" worker -c "$WORK/parley.yaml" > "$WORK/worker.log" 2>&1) &
  WORKER_PID=$!
  local _
  for _ in $(seq 1 150); do
    grep -q "SIP listening" "$WORK/worker.log" 2>/dev/null && break
    kill -0 "$WORKER_PID" 2>/dev/null || fail "worker exited at start"
    sleep 0.1
  done
  grep -q "SIP listening" "$WORK/worker.log" || fail "worker did not start SIP"
  if [ "${1:-}" = ready ]; then
    for _ in $(seq 1 600); do
      curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" > /dev/null 2>&1 && return 0
      kill -0 "$WORKER_PID" 2>/dev/null || fail "worker exited while loading"
      sleep 0.1
    done
    fail "worker not ready after 60 s"
  fi
}

# stop_worker: SIGTERM, and the worker must exit 0.
stop_worker() {
  kill -TERM "$WORKER_PID"
  local rc=0
  wait "$WORKER_PID" || rc=$?
  WORKER_PID=""
  [ "$rc" = 0 ] || fail "worker exit code $rc after SIGTERM"
}

# sipp_ok SCENARIO SERVICE [sipp flags...]: one call of a client scenario against the worker,
# which must pass. Output in $WORK/sipp-<scenario>.{out,err}.
sipp_ok() {
  local scenario=$1 service=$2; shift 2
  local mp name attempt; name=$(basename "$scenario")
  # A port found free can be taken by another process before sipp binds it (parallel tests):
  # that one error (nothing reached the worker) gets one more try on other ports.
  for attempt in 1 2; do
    mp=$(free_udp_run 4)
    rm -f "$WORK/sipp-$name.err"
    timeout 60 sipp "127.0.0.1:$SIP_PORT" -sf "$scenario" -s "$service" -i "${SIPP_IP:-127.0.0.1}" \
      -mi 127.0.0.1 -mp "$mp" -m 1 -l 1 -nostdin -timeout 40s -timeout_error \
      -trace_err -error_file "$WORK/sipp-$name.err" "$@" > "$WORK/sipp-$name.out" 2>&1 && {
      echo "ok: $name $service"; return 0; }
    grep -q "Unable to bind .*errno = 98" "$WORK/sipp-$name.err" "$WORK/sipp-$name.out" 2>/dev/null ||
      break
    echo "sipp $name: a media port was taken meanwhile; again on other ports"
  done
  tail -20 "$WORK/sipp-$name.err" 2>/dev/null
  fail "sipp $name ($service)"
}

# with_status TEMPLATE STATUS: the scenario with @STATUS@ replaced; prints the generated path.
with_status() {
  sed "s/@STATUS@/$2/" "$1" > "$WORK/gen-$2-$(basename "$1")"
  echo "$WORK/gen-$2-$(basename "$1")"
}

# rtp_counts LINE: "IN OUT DTMF" from a "[sip] call ended (rtp in N out M, dtmf D)" log line.
rtp_counts() {
  sed -n 's/.*rtp in \([0-9]*\) out \([0-9]*\), dtmf \([0-9]*\)).*/\1 \2 \3/p' <<< "$1"
}
