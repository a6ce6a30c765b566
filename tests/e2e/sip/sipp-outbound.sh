#!/usr/bin/env bash
# End to end on loopback: outbound calls from the real `parley worker` through a trunk played by
# sipp as a UAS. Checks: `parley dial` → POST /v1/calls → INVITE; the trunk's 401 digest
# challenge is answered with the configured credentials (sipp verifies the digest), ringing and
# answered are reported, the dialog runs (RTP both ways) until the far end's BYE, progress ends
# with "ended"; key presses posted to /v1/calls/{id}/dtmf during a call are sent (RFC 4733); a
# busy callee (486) is reported as busy with its SIP status; no API key → 401,
# bad requests get 400/404. Usage: sipp-outbound.sh path/to/parley
PARLEY=$(realpath "${1:?usage: $0 path/to/parley}")
E2E_NAME=sipp-outbound
. "$(dirname "$0")/lib.sh"

TRUNK_PORT=$(free_port SOCK_DGRAM)
write_trunks "    outbound:
      uri: sip:127.0.0.1:$TRUNK_PORT
      username: parley
      password: secret
      caller_id: \"+15550100100\""
write_worker_config "" json
start_worker ready
API="http://127.0.0.1:$HTTP_PORT"

# trunk SCENARIO: sipp as the trunk (UAS) for one call, in the background.
trunk() {
  local mp; mp=$(free_udp_run 4)
  sipp -sf "$FIX/$1" -p "$TRUNK_PORT" -i 127.0.0.1 -mi 127.0.0.1 -mp "$mp" -m 1 -nostdin \
    -timeout 60s -timeout_error -trace_err -error_file "$WORK/sipp-$1.err" \
    > "$WORK/sipp-$1.out" 2>&1 &
  TRUNK_PID=$!
  BG_PIDS+=("$TRUNK_PID")
  # Dial only once sipp listens (its UDP port in /proc/net/udp): a fixed sleep lost the race on a
  # loaded CI host (the INVITE met "port unreachable" and the call failed with 503).
  local hex; hex=$(printf ':%04X ' "$TRUNK_PORT")
  for _ in $(seq 100); do
    grep -q "$hex" /proc/net/udp /proc/net/udp6 2>/dev/null && return 0
    sleep 0.1
  done
  fail "sipp trunk $1 is not listening on UDP $TRUNK_PORT"
}
trunk_result() {
  local rc=0
  wait "$TRUNK_PID" || rc=$?
  [ "$rc" = 0 ] || { tail -20 "$WORK/sipp-$1.err" 2>/dev/null; fail "sipp trunk $1 exit $rc"; }
}

# 1. Digest challenge, answer, audio, BYE from the far end.
trunk uas_auth_answer.xml
"$PARLEY" dial --url "$API" --tenant demo --to "+15551230001" --context '{"name":"Ada"}' \
  > "$WORK/dial1.out" 2> "$WORK/dial1.err" || fail "dial not answered: $(cat "$WORK/dial1.out" "$WORK/dial1.err")"
cat "$WORK/dial1.out"
grep -q '"event":"ringing"' "$WORK/dial1.out" || fail "no ringing event"
grep -q '"event":"answered"' "$WORK/dial1.out" || fail "no answered event"
CALL1=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["call_id"])' "$WORK/dial1.out")
trunk_result uas_auth_answer.xml
sleep 0.5
progress=$(curl -fsS -H "$API_AUTH" "$API/v1/calls/$CALL1/progress")
grep -q '"state":"ended"' <<< "$progress" || fail "progress did not end: $progress"
line=$(grep "$CALL1" "$WORK/worker.log" | grep -E 'call ended \(rtp in' | head -1) || fail "no call end for $CALL1"
read -r in out _ <<< "$(rtp_counts "$line")"
[ "${in:-0}" -gt 100 ] && [ "${out:-0}" -gt 100 ] || fail "RTP: $line"
grep "$CALL1" "$WORK/worker.log" | grep -q '"speaker":"agent","text":"Hello Ada' ||
  fail "the agent did not greet Ada"
echo "ok: digest + answered + RTP in $in out $out; $progress"

# 1b. Key presses to the callee (RFC 4733, e.g. through its phone menu) over the REST API while
# the call is up: 202, then the leg sends them (the packets themselves are checked in
# tests/media/sip/SipLegTest.cpp); bad digits 400, unknown call 404.
trunk uas_auth_answer.xml
resp=$(curl -fsS -H "$API_AUTH" -X POST "$API/v1/calls" -d '{"tenant":"demo","to":"+15551230004"}') ||
  fail "POST /v1/calls"
CALL3=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["call_id"])' "$resp")
for _ in $(seq 100); do
  curl -fsS -H "$API_AUTH" "$API/v1/calls/$CALL3/progress" | grep -q '"answered"' && break
  sleep 0.1
done
code=$(curl -s -o "$WORK/dtmf.out" -w '%{http_code}' -H "$API_AUTH" -X POST "$API/v1/calls/$CALL3/dtmf" \
  -d '{"digits":"12#","duration_ms":120}')
[ "$code" = 202 ] || fail "dtmf → $code $(cat "$WORK/dtmf.out")"
grep -q '"queued":3' "$WORK/dtmf.out" || fail "dtmf reply: $(cat "$WORK/dtmf.out")"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$API_AUTH" -X POST "$API/v1/calls/$CALL3/dtmf" -d '{"digits":"1x"}')
[ "$code" = 400 ] || fail "bad digits → $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$API_AUTH" -X POST "$API/v1/calls/sip-unknown/dtmf" -d '{"digits":"1"}')
[ "$code" = 404 ] || fail "dtmf to an unknown call → $code"
trunk_result uas_auth_answer.xml
sleep 0.5
grep "$CALL3" "$WORK/worker.log" | grep -q 'key presses sent: 3' || fail "the 3 key presses were not sent"
echo "ok: POST /v1/calls/{id}/dtmf → 3 RFC 4733 key presses sent; 400 bad digits, 404 unknown call"

# 2. Busy.
trunk uas_busy.xml
rc=0
"$PARLEY" dial --url "$API" --tenant demo --to "+15551230002" > "$WORK/dial2.out" 2>&1 || rc=$?
cat "$WORK/dial2.out"
[ "$rc" = 1 ] || fail "dial to a busy number exit $rc (want 1)"
grep '"event":"busy"' "$WORK/dial2.out" | grep -q '"sip_status":486' || fail "busy not reported with 486"
trunk_result uas_busy.xml
echo "ok: busy 486"

# 3. Bad requests; no API key → 401 (nothing dialled).
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API/v1/calls" -d '{"tenant":"demo","to":"+15551230009"}')
[ "$code" = 401 ] || fail "no API key → $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong" "$API/v1/calls/$CALL1/progress")
[ "$code" = 401 ] || fail "wrong API key → $code"
rc=0; PARLEY_API_KEY= "$PARLEY" dial --url "$API" --tenant demo --to "+15551230009" 2> /dev/null || rc=$?
[ "$rc" = 1 ] || fail "dial without a key exit $rc (want 1)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$API_AUTH" -X POST "$API/v1/calls" -d '{"tenant":"demo"}')
[ "$code" = 400 ] || fail "missing to → $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$API_AUTH" -X POST "$API/v1/calls" -d '{"tenant":"demo","to":"call me"}')
[ "$code" = 400 ] || fail "bad number → $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$API_AUTH" -X POST "$API/v1/calls" -d '{"tenant":"nope","to":"+15551230003"}')
[ "$code" = 404 ] || fail "unknown tenant → $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$API_AUTH" "$API/v1/calls/sip-unknown/progress")
[ "$code" = 404 ] || fail "unknown call progress → $code"
rc=0; "$PARLEY" dial --url "$API" --tenant demo --to "+1555" --context '[1]' 2> /dev/null || rc=$?
[ "$rc" = 2 ] || fail "dial with a bad --context exit $rc (want 2)"
echo "ok: 401 without a key, 400/404 and usage errors"

stop_worker
echo "sip outbound e2e: passed"
