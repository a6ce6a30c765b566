#!/usr/bin/env bash
# End to end on loopback with a real softphone: baresip (Debian baresip-core) calls the demo
# tenant's DID on a running `parley worker` (local speech engines and the scripted booking
# policy) and books a cleaning by voice, one flite (kal) line per turn, each switched in when the
# agent has finished speaking (baresip_caller.py follows the worker's JSON log). baresip records
# what it hears (sndfile). Checks: RTP both ways; the recording, transcribed by the worker's local
# STT (`parley stt`), holds the greeting and the booking read-back; the appointment is in the
# tenant's store (`parley bookings list`); SIGTERM → exit 0.
# Then the same booking the other way round: `parley dial` has the worker call baresip through
# the trunk (auto-answer), and the second appointment lands in the store.
# Usage: baresip-call.sh path/to/parley
PARLEY=$(realpath "${1:?usage: $0 path/to/parley}")
E2E_NAME=baresip
. "$(dirname "$0")/lib.sh"

# The day the caller asks for: the first weekday (Mon-Fri) at least two days ahead in the
# tenant's time zone, said by name ("Wednesday") so the words do not depend on today's date.
DAY=$(python3 - <<'PY'
import datetime, zoneinfo
today = datetime.datetime.now(zoneinfo.ZoneInfo("America/New_York")).date()
d = today + datetime.timedelta(days=2)
closed = {"2025-12-25", "2026-01-01", "2026-12-25", "2027-01-01"}  # config/tenants/demo.yaml
while d.weekday() >= 5 or d.isoformat() in closed:
    d += datetime.timedelta(days=1)
print(d.strftime("%A"))
PY
)
LINES=("Hi, I'd like to book a cleaning." "$DAY, please." "The first one." "My name is John Smith."
  "Yes, please." "No, that's all. Goodbye.")
mkdir -p "$WORK/baresip" "$WORK/rec" "$WORK/lines"
# What the agent's reply to each line shows when the line was understood (else the caller says
# it again, up to twice — a misheard word must not fail the test, a deaf agent must).
EXPECT=("day" "which would you like|I have" "name" "confirm|book it" "all set|confirmation" "")
TURNS=()
for i in "${!LINES[@]}"; do
  flite -voice kal -t "${LINES[$i]}" -o "$WORK/lines/$i-16k.wav"
  # 8 kHz mono; a long silent tail (baresip ends the call when an aufile source runs out).
  sox "$WORK/lines/$i-16k.wav" -r 8000 -c 1 -b 16 "$WORK/lines/$i.wav" pad 0.2 60
  TURNS+=(--turn "$WORK/lines/$i.wav" --expect "${EXPECT[$i]}")
done
sox -n -r 8000 -c 1 -b 16 "$WORK/lines/idle.wav" trim 0 120

CTRL_PORT=$(free_port SOCK_STREAM)
PHONE_PORT=$(free_port_both)
cat > "$WORK/baresip/config" <<CFG
poll_method epoll
sip_listen 127.0.0.1:$PHONE_PORT
audio_player aufile,/dev/null
audio_source aufile,$WORK/lines/idle.wav
audio_alert aufile,/dev/null
ausrc_srate 8000
auplay_srate 8000
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module sndfile.so
module_app account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:$CTRL_PORT
snd_path $WORK/rec
CFG
echo "<sip:+15557654321@127.0.0.1>;regint=0;answermode=auto" > "$WORK/baresip/accounts"
# Outbound calls go to the softphone, as if it were the PSTN behind the trunk.
write_trunks "    outbound:
      uri: sip:127.0.0.1:$PHONE_PORT
      caller_id: \"$DID\""
write_worker_config "" json
start_worker ready

python3 "$ROOT/tests/e2e/sip/baresip_caller.py" --config "$WORK/baresip" --ctrl-port "$CTRL_PORT" \
  --worker-log "$WORK/worker.log" --baresip-log "$WORK/baresip.log" \
  --uri "sip:$DID@127.0.0.1:$SIP_PORT" "${TURNS[@]}" || fail "the caller did not get through"
sleep 0.5

ended=$(grep '"component":"session".*call ended' "$WORK/worker.log" | head -1) || fail "session did not end"
line=$(grep -E 'call ended \(rtp in' "$WORK/worker.log" | head -1) || fail "no SIP call end"
read -r in out _ <<< "$(rtp_counts "$line")"
[ "${in:-0}" -gt 500 ] && [ "${out:-0}" -gt 500 ] || fail "RTP: $line"
echo "ok: RTP in $in out $out"
# baresip offers PCMU first: the agent's speech went out as the TTS's µ-law bytes, unconverted.
passthrough=$(sed -n 's/.*, passthrough \([0-9]*\).*/\1/p' <<< "$line")
[ "${passthrough:-0}" -gt 100 ] || fail "TTS audio was not passed through as µ-law: $line"
echo "ok: $passthrough packets of TTS µ-law sent as they came"
python3 - "$WORK/worker.log" <<'PY'
import json, statistics, sys
v2v = []
for l in open(sys.argv[1]):
    try:
        j = json.loads(l)
    except ValueError:
        continue
    if j.get("msg") == "turn latency" and float(j.get("voice_to_voice_ms", -1)) > 0:
        v2v.append(float(j["voice_to_voice_ms"]))
if v2v:
    print(f"voice-to-voice over SIP: {len(v2v)} turns, median {statistics.median(v2v):.0f} ms, "
          f"max {max(v2v):.0f} ms")
PY

# What baresip heard, through the worker's own local STT (boosted with the words we look for,
# as a session boosts the tenant's vocabulary).
stt_url=$(sed -n 's/.*local engines ready (stt=\([^ ]*\) .*/\1/p' "$WORK/worker.log" | head -1)
[ -n "$stt_url" ] || fail "no local STT URL in the worker log"
heard_wav=$(ls "$WORK"/rec/*-dec.wav | head -1) || fail "baresip recorded nothing"
"$PARLEY" stt --config "$WORK/parley.yaml" --in "$heard_wav" --speed 0 --timeout 240 \
  --url "$stt_url?keyterm=Maple%20Street%20Dental&keyterm=cleaning&keyterm=$DAY" \
  > "$WORK/heard.jsonl" 2> "$WORK/stt.err" || fail "parley stt: $(cat "$WORK/stt.err")"
python3 - "$WORK/heard.jsonl" "$DAY" <<'PY' || fail "the greeting or the read-back is not in what baresip heard"
import json, sys
finals = []
for l in open(sys.argv[1]):
    try:
        j = json.loads(l)
    except ValueError:
        continue
    if j.get("event") == "transcript" and j.get("final") and j.get("text"):
        finals.append(j["text"].lower())
print("heard:\n  " + "\n  ".join(finals))
day = sys.argv[2].lower()
greeting = finals[0] if finals else ""
assert "maple street dental" in greeting and "how can i help" in greeting, "greeting"
readback = [f for f in finals if "cleaning" in f and day in f and "nine am" in f]
assert readback, "read-back of the booking (cleaning, day, nine am)"
print(f"ok: greeting and read-back heard ({len(readback)} line(s) with cleaning, {day}, nine am)")
PY

# The booking is in the tenant's store.
"$PARLEY" bookings list --tenant demo --tenants-dir "$ROOT/config/tenants" --data-dir "$WORK/data" \
  --json > "$WORK/bookings.json" || fail "parley bookings list"
python3 - "$WORK/bookings.json" "$DAY" <<'PY' || fail "booking not in the store: $(cat "$WORK/bookings.json")"
import datetime, json, sys
appts = json.load(open(sys.argv[1]))
assert len(appts) == 1, appts
a = appts[0]
assert a["service_id"] == "cleaning", a
assert a["customer_phone"] == "+15557654321", a
assert datetime.datetime.fromisoformat(a["start"]).strftime("%A") == sys.argv[2], a
print(f"ok: booked {a['appointment_id']} {a['start']} {a['service_id']} for {a['customer_name']}")
PY
echo "ok: $ended"

# The worker calls the softphone (outbound) and the same booking works.
python3 "$ROOT/tests/e2e/sip/baresip_caller.py" --config "$WORK/baresip" --ctrl-port "$CTRL_PORT" \
  --worker-log "$WORK/worker.log" --baresip-log "$WORK/baresip-out.log" --answer "${TURNS[@]}" \
  > "$WORK/caller-out.log" 2>&1 &
CALLER_PID=$!
BG_PIDS+=("$CALLER_PID")
sleep 1.5
"$PARLEY" dial --url "http://127.0.0.1:$HTTP_PORT" --tenant demo --to "+15557654321" \
  --context '{"name":"John"}' > "$WORK/dial.out" 2>&1 || fail "dial: $(cat "$WORK/dial.out")"
cat "$WORK/dial.out"
rc=0; wait "$CALLER_PID" || rc=$?
cat "$WORK/caller-out.log"
[ "$rc" = 0 ] || fail "the outbound call did not get through"
"$PARLEY" bookings list --tenant demo --tenants-dir "$ROOT/config/tenants" --data-dir "$WORK/data" \
  --json > "$WORK/bookings.json" || fail "parley bookings list"
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/bookings.json")
[ "$n" = 2 ] || fail "outbound call: want 2 appointments, have $n: $(cat "$WORK/bookings.json")"
echo "ok: outbound call booked too"
stop_worker
echo "sip baresip e2e: passed"
