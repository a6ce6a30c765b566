#!/usr/bin/env bash
# End to end on loopback: the real `parley worker` with SIP enabled, sipp (Debian sip-tester) as the
# trunk. Checks: a call with PCMA audio + RFC 4733 DTMF gets 180/200, RTP flows both ways and BYE
# ends it; OPTIONS → 200; unknown DID → 404; a non-allowlisted source (127.0.0.2) → 403 and only the
# stranger counter moves; garbage SDP → 488; malformed INVITEs → 400 from the SIP stack; CANCEL
# while ringing → 487; re-INVITE hold and unhold answered; RFC 4733 keys (with and without the
# marker bit) become keypad turns; a caller asking for a person is transferred (REFER, NOTIFY
# outcome, BYE); a digest trunk's INVITE is challenged (401) and answered with the right
# credentials, refused (403, no call) with wrong ones; a trunk with register: keeps a 4 s binding at
# a sipp registrar (digest, refreshes, un-REGISTER on stop); an OPTIONS over TLS (sip.tls_listen,
# self-signed certificate, openssl s_client) gets 200; SIGTERM → exit 0.
# Usage: sipp-inbound.sh path/to/parley
PARLEY=$(realpath "${1:?usage: $0 path/to/parley}")
E2E_NAME=sipp-inbound
. "$(dirname "$0")/lib.sh"

# A second trunk ("pbx", signalling from 127.0.0.3) authenticates by digest: its password in a
# 0600 file (never in the trunks file).
PBX_PASSWORD="pbx-$RANDOM$RANDOM"
printf '%s\n' "$PBX_PASSWORD" > "$WORK/pbx.pass"
chmod 600 "$WORK/pbx.pass"
# A third trunk ("provider") REGISTERs with a registrar played by sipp: digest, 4 s bindings
# refreshed while the worker runs, un-REGISTER when it stops.
REG_PORT=$(free_port SOCK_DGRAM)
sipp -sf "$FIX/uas_registrar_loop.xml" -p "$REG_PORT" -i 127.0.0.1 -m 1 -nostdin -timeout 280s \
  -timeout_error -trace_err -error_file "$WORK/sipp-registrar.err" > "$WORK/sipp-registrar.out" 2>&1 &
REG_PID=$!
BG_PIDS+=("$REG_PID")
for _ in $(seq 100); do
  grep -q "$(printf ':%04X ' "$REG_PORT")" /proc/net/udp 2>/dev/null && break
  sleep 0.1
done
export PARLEY_E2E_REGISTER_PASSWORD=secret
write_trunks "  - name: provider
    register:
      registrar: sip:127.0.0.1:$REG_PORT
      username: parley
      password_env: PARLEY_E2E_REGISTER_PASSWORD
  - name: pbx
    inbound:
      allow: [\"127.0.0.3/32\"]
      digest:
        realm: parley-e2e
        username: pbx
        password_file: $WORK/pbx.pass"
# SIP over TLS too, with a self-signed certificate made here.
TLS_PORT=$(free_port SOCK_STREAM)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -keyout "$WORK/tls-key.pem" -out "$WORK/tls-cert.pem" > "$WORK/openssl.log" 2>&1 ||
  fail "openssl req: $(cat "$WORK/openssl.log")"
chmod 600 "$WORK/tls-key.pem"
write_worker_config "  ring_ms: 800
  tls_listen: 127.0.0.1:$TLS_PORT
  tls_certificate: $WORK/tls-cert.pem
  tls_key: $WORK/tls-key.pem"
start_worker ready

sipp_ok "$FIX/call_pcap_dtmf.xml" "$DID" -d 3000
sipp_ok "$FIX/options.xml" "$DID"
# OPTIONS over TLS from openssl s_client (verifying our certificate) → 200 over TLS.
printf 'OPTIONS sips:%s@127.0.0.1:%s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-e2e-tls\r\nFrom: <sip:tester@127.0.0.1>;tag=t1\r\nTo: <sips:%s@127.0.0.1:%s>\r\nCall-ID: e2e-tls-1@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n' \
  "$DID" "$TLS_PORT" "$DID" "$TLS_PORT" > "$WORK/options-tls.txt"
(cat "$WORK/options-tls.txt"; sleep 2) | timeout 20 openssl s_client -connect "127.0.0.1:$TLS_PORT" \
  -CAfile "$WORK/tls-cert.pem" -verify_return_error -quiet > "$WORK/tls-reply.txt" 2> "$WORK/s_client.log" || true
head -1 "$WORK/tls-reply.txt" | grep -q '^SIP/2.0 200 OK' ||
  fail "OPTIONS over TLS: $(head -3 "$WORK/tls-reply.txt") $(tail -3 "$WORK/s_client.log")"
grep -q '^Via: SIP/2.0/TLS' "$WORK/tls-reply.txt" || fail "TLS reply without our Via"
echo "ok: OPTIONS over TLS (certificate verified by openssl s_client) → 200"
sipp_ok "$(with_status "$FIX/invite_rejected.xml" 404)" "+15559990000"
sipp_ok "$FIX/invite_bad_sdp.xml" "$DID"
# Malformed INVITEs (no Call-ID; a CSeq naming another method; a Content-Length past the end of
# the datagram) get a 4xx from the SIP stack, nothing is started, and the calls below still work.
python3 - "$SIP_PORT" "$DID" <<'PY' || fail "malformed INVITE"
import socket, sys
port, did = int(sys.argv[1]), sys.argv[2]
def invite(drop="", cseq="1 INVITE", length=None, n=0):
    body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    headers = [f"Via: SIP/2.0/UDP 127.0.0.1:{{}};branch=z9hG4bK-bad{n}",
               "Max-Forwards: 70", f"From: <sip:bad@127.0.0.1>;tag=bad{n}",
               f"To: <sip:{did}@127.0.0.1:{port}>", f"Call-ID: bad-{n}@127.0.0.1",
               f"CSeq: {cseq}", "Contact: <sip:bad@127.0.0.1>", "Content-Type: application/sdp",
               f"Content-Length: {len(body) if length is None else length}"]
    headers = [h for h in headers if not (drop and h.startswith(drop))]
    return f"INVITE sip:{did}@127.0.0.1:{port} SIP/2.0\r\n" + "\r\n".join(headers) + "\r\n\r\n" + body
cases = [("no Call-ID", dict(drop="Call-ID")), ("CSeq method mismatch", dict(cseq="1 BYE")),
         ("Content-Length past the datagram", dict(length=4000))]
for n, (name, kw) in enumerate(cases):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    msg = invite(n=n, **kw).replace("{}", str(s.getsockname()[1]), 1)
    s.sendto(msg.encode(), ("127.0.0.1", port))
    try:
        status = s.recv(65536).decode(errors="replace").split("\r\n", 1)[0]
    except socket.timeout:
        status = "no answer"
    print(f"malformed INVITE ({name}): {status}")
    parts = status.split(" ")
    assert len(parts) > 1 and parts[1].startswith("4"), f"{name}: {status}"
print("ok: malformed INVITEs get a 4xx")
PY
SIPP_IP=127.0.0.2 sipp_ok "$(with_status "$FIX/invite_rejected.xml" 403)" "$DID"
# Digest: 401 with a challenge, then the right credentials are answered; wrong ones get 403
# and no call (the answered-INVITE count does not move).
SIPP_IP=127.0.0.3 sipp_ok "$FIX/invite_auth.xml" "$DID" -au pbx -ap "$PBX_PASSWORD"
answered_before=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/metrics" | sed -n 's/^parley_sip_invites_total{status="200"} //p')
SIPP_IP=127.0.0.3 sipp_ok "$(with_status "$FIX/invite_auth_refused.xml" 403)" "$DID" -au pbx -ap wrong
answered_after=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/metrics" | sed -n 's/^parley_sip_invites_total{status="200"} //p')
[ "$answered_before" = "$answered_after" ] || fail "a call was started for wrong credentials"
sipp_ok "$FIX/cancel.xml" "$DID"
sipp_ok "$FIX/reinvite_hold.xml" "$DID"

# Keys: RFC 4733 digit 1 as bundled (marker bit set), digit 2 with every marker bit cleared.
python3 - /usr/share/sip-tester/dtmf_2833_2.pcap "$WORK/dtmf_2_nomarker.pcap" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
off = 24  # pcap global header; records: 16-byte header, Ethernet 14 + IPv4 20 + UDP 8 + RTP
while off + 16 <= len(d):
    incl = struct.unpack_from("<I", d, off + 8)[0]
    rtp = off + 16 + 42
    if rtp + 12 <= off + 16 + incl and d[rtp] >> 6 == 2:
        d[rtp + 1] &= 0x7F
    off += 16 + incl
open(sys.argv[2], "wb").write(d)
PY
sed "s|@NOMARKER_PCAP@|$WORK/dtmf_2_nomarker.pcap|" "$FIX/call_dtmf_keys.xml" > "$WORK/call_dtmf_keys.xml"
sipp_ok "$WORK/call_dtmf_keys.xml" "$DID"

# transfer_call: the caller asks for a person; blind REFER to the tenant's transfer_to.
flite -voice kal -t "I would like to speak to a person, please." -o "$WORK/person16.wav"
sox "$WORK/person16.wav" -r 8000 -c 1 -e a-law -t raw "$WORK/person.alaw"
sed "s|@CALLER_ALAW@|$WORK/person.alaw|" "$FIX/call_transfer.xml" > "$WORK/call_transfer.xml"
sipp_ok "$WORK/call_transfer.xml" "$DID"

sleep 0.5
# The audio call: RTP both ways (sipp plays about 3 s of pcap; we send for 4 s) and the digit.
line=$(grep -E "call ended.*rtp in [0-9]+ out [0-9]+, dtmf" "$WORK/worker.log" | head -1) ||
  fail "no ended call in the log"
read -r in out dtmf <<< "$(rtp_counts "$line")"
[ "${in:-0}" -gt 50 ] || fail "too little RTP received: $line"
[ "${out:-0}" -gt 50 ] || fail "too little RTP sent: $line"
[ "${dtmf:-0}" = 1 ] || fail "DTMF not received once: $line"
echo "ok: RTP in $in out $out, DTMF 1"
# The keys reached the conversation: one keypad turn each (marker bit or not).
grep -q 'caller pressed a key.* digit=1' "$WORK/worker.log" || fail "key 1 (marker bit) not received"
grep -q 'caller pressed a key.* digit=2' "$WORK/worker.log" || fail "key 2 (no marker bit) not received"
grep -q 'transcript .*speaker=caller text=(pressed 1 on the keypad)' "$WORK/worker.log" ||
  fail "key 1 was not a caller turn"
grep -q 'transcript .*speaker=caller text=(pressed 2 on the keypad)' "$WORK/worker.log" ||
  fail "key 2 was not a caller turn"
echo "ok: RFC 4733 keys with and without the marker bit became keypad turns"
grep -q 'transferring dialog .* to <sip:+15550100199@127.0.0.1:' "$WORK/worker.log" || fail "no REFER"
grep -q 'transfer done (200)' "$WORK/worker.log" || fail "NOTIFY 200 not reported"
grep -q 'call ended: transferred (transfer)' "$WORK/worker.log" || fail "call record: not transferred"
echo "ok: transfer_call → REFER to transfer_to, NOTIFY 100 then 200, BYE"

metrics=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/metrics")
grep -q '^parley_sip_strangers_total 1$' <<< "$metrics" || fail "stranger counter: $(grep sip_strangers <<< "$metrics")"
grep -q 'parley_sip_invites_total{status="404"} 1' <<< "$metrics" || fail "404 counter"
grep -q 'parley_sip_invites_total{status="488"} 1' <<< "$metrics" || fail "488 counter"
grep -q '^parley_sip_calls_active 0$' <<< "$metrics" || fail "calls still active"
grep -q 'parley_sip_digest_total{result="challenged"} 2' <<< "$metrics" || fail "digest challenges: $(grep sip_digest <<< "$metrics")"
grep -q 'parley_sip_digest_total{result="accepted"} 1' <<< "$metrics" || fail "digest accepted: $(grep sip_digest <<< "$metrics")"
grep -q 'parley_sip_digest_total{result="forbidden"} 1' <<< "$metrics" || fail "digest forbidden: $(grep sip_digest <<< "$metrics")"
! grep -q "$PBX_PASSWORD" "$WORK/worker.log" || fail "the trunk password was logged"
grep -q 'parley_sip_registered{trunk="provider"} 1' <<< "$metrics" || fail "not registered: $(grep sip_registered <<< "$metrics")"
# The stranger left no trace at info level.
! grep -q "127.0.0.2" "$WORK/worker.log" || fail "stranger logged at info"
echo "ok: metrics"

stop_worker
# The registrar saw the digest, the refreshes and the final un-REGISTER (Expires: 0).
reg_rc=0
wait "$REG_PID" || reg_rc=$?
[ "$reg_rc" = 0 ] || { tail -30 "$WORK/sipp-registrar.out"; fail "registrar scenario (rc $reg_rc)"; }
echo "ok: REGISTER with digest, refreshed every few seconds, un-REGISTER on stop"
echo "sip e2e: all passed"
