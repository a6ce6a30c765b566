// The test-call page: one WHIP call (RFC 9725 POST/DELETE) from this browser to the worker, with
// the call's Server-Sent Events (state, transcript, latencies) shown live. Plain ES2020, no build.
'use strict';

const $ = (id) => document.getElementById(id);
const call = {
  pc: null, stream: null, location: null, sessionId: null, lastEventId: 0, pollTimer: null,
  startedAt: 0, clockTimer: null, meterTimer: null, ended: false, events: [],
};
window.parley = call; // tests read pc.getStats() and events from here

const STATE_TEXT = {
  listening: 'Listening…', user_speaking: 'You are speaking', thinking: 'Thinking…',
  agent_speaking: 'Speaking', ended: 'Call ended',
};

function showError(text) {
  const e = $('error');
  e.textContent = text;
  e.hidden = !text;
}

function setAgentState(state) {
  $('agent-state').textContent = STATE_TEXT[state] || state;
  $('avatar').dataset.state = state === 'agent_speaking' ? 'speaking'
    : state === 'thinking' ? 'thinking' : state === 'listening' || state === 'user_speaking' ? 'listening' : 'idle';
}

function addLine(who, text, extra = '') {
  const li = document.createElement('li');
  li.className = who + (extra ? ' ' + extra : '');
  const w = document.createElement('span');
  w.className = 'who';
  w.textContent = who === 'caller' ? 'You' : who === 'agent' ? 'Agent' : 'Call';
  const t = document.createElement('span');
  t.className = 'text';
  t.textContent = text;
  li.append(w, t);
  $('lines').append(li);
  $('lines').scrollTop = $('lines').scrollHeight;
}

function ms(v) { return v >= 0 ? Math.round(v) + ' ms' : '—'; }

function addTurn(m) {
  const body = $('turns');
  const empty = body.querySelector('.empty');
  if (empty) empty.remove();
  const tr = document.createElement('tr');
  for (const v of [m.turn, ms(m.voiceToVoiceMs), ms(m.sttFinalLatencyMs), ms(m.llmTimeToFirstTokenMs), ms(m.ttsTimeToFirstByteMs)]) {
    const td = document.createElement('td');
    td.textContent = v;
    tr.append(td);
  }
  body.append(tr);
}

function onEvent(type, data) {
  call.events.push({ type, data });
  switch (type) {
    case 'call':
      $('agent-name').textContent = data.name;
      if (data.mode === 'echo') addLine('system', 'Echo test: you hear your own voice back.');
      break;
    case 'connected':
      $('srtp').textContent = data.srtp ? 'DTLS-SRTP ' + data.srtp.replace('SRTP_', '') : 'DTLS-SRTP';
      break;
    case 'state': setAgentState(data.state); break;
    case 'interim': $('interim').textContent = data.text; break;
    case 'transcript':
      $('interim').textContent = '';
      addLine(data.speaker, data.text, data.interrupted ? 'cut' : '');
      break;
    case 'tool': addLine('system', 'Tool ' + data.name + (data.error ? ' failed' : ' ran')); break;
    case 'turn': addTurn(data); break;
    case 'ended':
      addLine('system', 'Call ended (' + (data.reason || 'done') + ').');
      finish(false);
      break;
  }
}

// The events endpoint answers with what happened since ?after= in text/event-stream format and
// closes; the page asks again after the server's retry delay.
async function pollEvents() {
  if (!call.sessionId) return;
  let retry = 400;
  try {
    const r = await fetch('/v1/sessions/' + call.sessionId + '/events?after=' + call.lastEventId, { cache: 'no-store' });
    if (r.ok) {
      const text = await r.text();
      for (const block of text.split('\n\n')) {
        let id = 0, type = 'message', data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) id = Number(line.slice(4));
          else if (line.startsWith('event: ')) type = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
          else if (line.startsWith('retry: ')) retry = Number(line.slice(7)) || retry;
        }
        if (id > call.lastEventId && data) {
          call.lastEventId = id;
          onEvent(type, JSON.parse(data));
        }
      }
    }
  } catch (e) { /* transient: try again */ }
  if (call.sessionId && !call.ended) call.pollTimer = setTimeout(pollEvents, retry);
}

async function loadTenants() {
  try {
    const r = await fetch('/v1/tenants');
    const j = await r.json();
    const sel = $('tenant');
    for (const t of j.tenants) {
      const o = document.createElement('option');
      o.value = t.id;
      o.textContent = t.name;
      sel.append(o);
    }
    $('token-field').hidden = !j.auth;
    const p = new URLSearchParams(location.search).get('tenant');
    if (p) sel.value = p;
    $('agent-name').textContent = sel.selectedOptions[0] ? sel.selectedOptions[0].textContent : '—';
    if (!j.tenants.length) showError('No businesses are configured on this worker (tenants_dir).');
  } catch (e) {
    showError('Cannot reach the Parley worker. Is it running?');
  }
}

function levels() {
  if (!call.pc) return;
  call.pc.getStats().then((stats) => {
    stats.forEach((s) => {
      if (s.type === 'media-source' && s.kind === 'audio' && s.audioLevel !== undefined) $('level-in').value = s.audioLevel * 3;
      if (s.type === 'inbound-rtp' && s.kind === 'audio' && s.audioLevel !== undefined) $('level-out').value = s.audioLevel * 3;
    });
  });
}

async function startCall() {
  showError('');
  $('call').disabled = true;
  $('lines').replaceChildren();
  call.ended = false;
  call.lastEventId = 0;
  call.events = [];
  try {
    $('mic').textContent = 'asking…';
    call.stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    $('mic').textContent = 'on';
  } catch (e) {
    $('mic').textContent = 'blocked';
    showError('Microphone access was denied. Allow the microphone for this page and try again.');
    $('call').disabled = false;
    return;
  }
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
  call.pc = pc;
  pc.addTransceiver(call.stream.getAudioTracks()[0], { direction: 'sendrecv', streams: [call.stream] });
  pc.ontrack = (e) => { $('remote').srcObject = e.streams[0] || new MediaStream([e.track]); };
  pc.onconnectionstatechange = () => {
    $('conn').textContent = pc.connectionState;
    if (pc.connectionState === 'connected') {
      call.startedAt = Date.now();
      setAgentState('listening');
    }
    if ((pc.connectionState === 'failed' || pc.connectionState === 'disconnected') && !call.ended) {
      showError('Connection lost. Check your network (UDP must reach the worker) and call again.');
      hangup();
    }
  };
  $('agent-state').textContent = 'Connecting…';
  // ICE-lite server: it never checks us, so the offer goes out at once without gathering.
  await pc.setLocalDescription(await pc.createOffer());
  const headers = { 'Content-Type': 'application/sdp' };
  const token = $('token').value.trim();
  if (token) headers.Authorization = 'Bearer ' + token;
  let r;
  try {
    r = await fetch('/whip/' + encodeURIComponent($('tenant').value), { method: 'POST', headers, body: pc.localDescription.sdp });
  } catch (e) {
    showError('Cannot reach the Parley worker.');
    return finish(true);
  }
  if (r.status !== 201) {
    let msg = '';
    try { msg = (await r.json()).error.message; } catch (e) { /* not JSON */ }
    if (r.status === 503) showError('The agent is busy right now. Try again in ' + (r.headers.get('Retry-After') || 'a few') + ' seconds.');
    else if (r.status === 401) showError('This worker needs an access token. Enter it above.');
    else showError('The call could not start (' + r.status + '): ' + msg);
    return finish(true);
  }
  call.location = r.headers.get('Location');
  call.sessionId = r.headers.get('X-Parley-Session');
  await pc.setRemoteDescription({ type: 'answer', sdp: await r.text() });
  $('hangup').disabled = false;
  pollEvents();
  call.clockTimer = setInterval(() => {
    if (!call.startedAt) return;
    const s = Math.floor((Date.now() - call.startedAt) / 1000);
    $('duration').textContent = Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }, 500);
  call.meterTimer = setInterval(levels, 200);
}

function finish(failed) {
  call.ended = true;
  if (call.pc) call.pc.close();
  if (call.stream) call.stream.getTracks().forEach((t) => t.stop());
  clearInterval(call.clockTimer);
  clearInterval(call.meterTimer);
  $('call').disabled = false;
  $('hangup').disabled = true;
  $('conn').textContent = failed ? 'failed' : 'closed';
  $('mic').textContent = 'off';
  $('level-in').value = 0;
  $('level-out').value = 0;
  setAgentState('ended');
  call.startedAt = 0;
}

async function hangup() {
  $('hangup').disabled = true;
  const loc = call.location;
  // Read the last events (the session's end) before the page forgets the session.
  if (loc) {
    try { await fetch(loc, { method: 'DELETE' }); } catch (e) { /* the worker ends it on consent loss */ }
  }
  finish(false);
  await new Promise((r) => setTimeout(r, 500));
  const id = call.sessionId;
  call.ended = false;
  await pollEvents();
  call.ended = true;
  clearTimeout(call.pollTimer);
  if (id === call.sessionId) call.location = null;
}

$('call').addEventListener('click', startCall);
$('hangup').addEventListener('click', hangup);
$('tenant').addEventListener('change', () => { $('agent-name').textContent = $('tenant').selectedOptions[0].textContent; });
loadTenants();
