#!/usr/bin/env bash
# End to end on loopback: the real `parley worker` with SIP enabled, sipp (Debian sip-tester) as
# the trunk. Checks: a call with PCMA audio + RFC 4733 DTMF gets 180/200, RTP flows both ways and
# BYE ends it; OPTIONS → 200; unknown DID → 404; a non-allowlisted source (127.0.0.2) → 403 and
# only the stranger counter moves; garbage SDP → 488; CANCEL while ringing → 487; re-INVITE hold
# and unhold answered; SIGTERM → exit 0. Usage: sipp-inbound.sh path/to/parley
set -euo pipefail
PARLEY=$(realpath "${1:?usage: $0 path/to/parley}")
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
FIX="$ROOT/tests/fixtures/sip"
WORK=$(mktemp -d /tmp/parley-sip-e2e.XXXXXX)
WORKER_PID=""
cleanup() {
  if [ -n "$WORKER_PID" ] && kill -0 "$WORKER_PID" 2>/dev/null; then kill "$WORKER_PID" || true; fi
  if [ "${KEEP:-}" = "" ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- worker log (tail)"; tail -40 "$WORK/worker.log" || true
  exit 1
}
free_port() {
  python3 -c 'import socket,sys;s=socket.socket(socket.AF_INET,getattr(socket,sys.argv[1]));s.bind(("127.0.0.1",0));print(s.getsockname()[1])' "$1"
}
SIP_PORT=$(free_port SOCK_DGRAM)
HTTP_PORT=$(free_port SOCK_STREAM)
RTP_FIRST=$(( (RANDOM % 2000) * 2 + 30000 ))
DID="+15550100100"  # config/tenants/demo.yaml

cat > "$WORK/trunks.yaml" <<YAML
trunks:
  - name: local
    inbound:
      allow: ["127.0.0.1/32"]
YAML
cat > "$WORK/parley.yaml" <<YAML
http:
  listen: 127.0.0.1:$HTTP_PORT
data_dir: $WORK/data
tenants_dir: $ROOT/config/tenants
workers:
  threads: 1
log:
  format: text
drain_grace_s: 0
sip:
  enabled: true
  listen: 127.0.0.1:$SIP_PORT
  rtp_ports: $RTP_FIRST-$((RTP_FIRST + 99))
  trunks_file: $WORK/trunks.yaml
  ring_ms: 800
YAML

cd "$WORK"
"$PARLEY" worker -c "$WORK/parley.yaml" > "$WORK/worker.log" 2>&1 &
WORKER_PID=$!
for _ in $(seq 1 100); do
  grep -q "SIP listening" "$WORK/worker.log" 2>/dev/null && break
  kill -0 "$WORKER_PID" 2>/dev/null || fail "worker exited at start"
  sleep 0.1
done
grep -q "SIP listening" "$WORK/worker.log" || fail "worker did not start SIP"

# sipp SCENARIO SERVICE [extra flags...]: one call, must succeed.
sipp_ok() {
  local scenario=$1 service=$2; shift 2
  local mp; mp=$(( $(free_port SOCK_DGRAM) & ~1 ))
  timeout 60 sipp "127.0.0.1:$SIP_PORT" -sf "$scenario" -s "$service" -i "${SIPP_IP:-127.0.0.1}" \
    -mi 127.0.0.1 -mp "$mp" -m 1 -l 1 -nostdin -timeout 40s -timeout_error \
    -trace_err -error_file "$WORK/sipp-$(basename "$scenario").err" "$@" \
    > "$WORK/sipp-$(basename "$scenario").out" 2>&1 ||
    { cat "$WORK/sipp-$(basename "$scenario").err" 2>/dev/null | tail -20; fail "sipp $(basename "$scenario") ($service)"; }
  echo "ok: $(basename "$scenario") $service"
}
with_status() {  # template STATUS → generated scenario path
  sed "s/@STATUS@/$2/" "$1" > "$WORK/gen-$2.xml"
  echo "$WORK/gen-$2.xml"
}

sipp_ok "$FIX/call_pcap_dtmf.xml" "$DID" -d 3000
sipp_ok "$FIX/options.xml" "$DID"
sipp_ok "$(with_status "$FIX/invite_rejected.xml" 404)" "+15559990000"
sipp_ok "$FIX/invite_bad_sdp.xml" "$DID"
SIPP_IP=127.0.0.2 sipp_ok "$(with_status "$FIX/invite_rejected.xml" 403)" "$DID"
sipp_ok "$FIX/cancel.xml" "$DID"
sipp_ok "$FIX/reinvite_hold.xml" "$DID"

sleep 0.5
# The audio call: RTP both ways (sipp plays about 3 s of pcap; we send for 4 s) and the digit.
line=$(grep -E "call ended.*rtp in [0-9]+ out [0-9]+, dtmf" "$WORK/worker.log" | head -1) ||
  fail "no ended call in the log"
in=$(sed -n 's/.*rtp in \([0-9]*\) out.*/\1/p' <<< "$line")
out=$(sed -n 's/.*out \([0-9]*\),.*/\1/p' <<< "$line")
dtmf=$(sed -n 's/.*dtmf \([0-9]*\)).*/\1/p' <<< "$line")
[ "${in:-0}" -gt 50 ] || fail "too little RTP received: $line"
[ "${out:-0}" -gt 50 ] || fail "too little RTP sent: $line"
[ "${dtmf:-0}" = 1 ] || fail "DTMF not received once: $line"
echo "ok: RTP in $in out $out, DTMF 1"

metrics=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/metrics")
grep -q '^parley_sip_strangers_total 1$' <<< "$metrics" || fail "stranger counter: $(grep sip_strangers <<< "$metrics")"
grep -q 'parley_sip_invites_total{status="404"} 1' <<< "$metrics" || fail "404 counter"
grep -q 'parley_sip_invites_total{status="488"} 1' <<< "$metrics" || fail "488 counter"
grep -q '^parley_sip_calls_active 0$' <<< "$metrics" || fail "calls still active"
# The stranger left no trace at info level.
! grep -q "127.0.0.2" "$WORK/worker.log" || fail "stranger logged at info"
echo "ok: metrics"

kill -TERM "$WORKER_PID"
rc=0; wait "$WORKER_PID" || rc=$?
WORKER_PID=""
[ "$rc" = 0 ] || fail "worker exit code $rc after SIGTERM"
echo "sip e2e: all passed"
