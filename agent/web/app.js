// The test-call page: one WHIP call (RFC 9725 POST/DELETE) from this browser to the worker, with
// the call's Server-Sent Events (state, transcript, latencies) shown live. Plain ES2020, no build.
'use strict';

const $ = (id) => document.getElementById(id);
const call = {
  pc: null, stream: null, location: null, sessionId: null, origin: '', lastEventId: 0, source: null,
  startedAt: 0, clockTimer: null, meterTimer: null, ended: false, events: [], onEnded: null,
  tenants: [],
};
// Every event type the worker sends (agent/whip/WebRtcCall.hpp lists their data).
const EVENT_TYPES = ['call', 'connected', 'state', 'interim', 'transcript', 'tool', 'turn', 'bargein', 'ended'];
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
      closeEvents();
      finish(false);
      if (call.onEnded) call.onEnded();
      break;
  }
}

// The call's events arrive live on one EventSource (text/event-stream pushed by the worker as
// they happen, with a keep-alive comment every 15 s). If the connection drops, the browser
// reconnects by itself and the worker resumes after the Last-Event-ID it sends.
function openEvents() {
  closeEvents();
  const es = new EventSource(call.origin + '/v1/sessions/' + encodeURIComponent(call.sessionId) + '/events');
  call.source = es;
  for (const type of EVENT_TYPES) {
    es.addEventListener(type, (e) => {
      if (es !== call.source) return;
      const id = Number(e.lastEventId) || 0;
      if (id && id <= call.lastEventId) return;
      if (id) call.lastEventId = id;
      let data;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      onEvent(type, data);
    });
  }
}

function closeEvents() {
  if (call.source) call.source.close();
  call.source = null;
}

async function loadTenants() {
  try {
    const r = await fetch('/v1/tenants');
    const j = await r.json();
    const sel = $('tenant');
    call.tenants = j.tenants;
    for (const t of j.tenants) {
      const o = document.createElement('option');
      o.value = t.id;
      o.textContent = t.name;
      sel.append(o);
    }
    const p = new URLSearchParams(location.search).get('tenant');
    if (p) sel.value = p;
    tenantChanged();
    if (!j.tenants.length) showError('No businesses are configured on this worker (tenants_dir).');
  } catch (e) {
    showError('Cannot reach the Parley worker. Is it running?');
  }
}

// The token field shows when the chosen business needs a bearer token (its own or the worker's).
function tenantChanged() {
  const sel = $('tenant');
  const t = call.tenants.find((x) => x.id === sel.value);
  $('agent-name').textContent = sel.selectedOptions[0] ? sel.selectedOptions[0].textContent : '—';
  $('token-field').hidden = !(t && t.auth);
}

function authHeaders() {
  const token = $('token').value.trim();
  return token ? { Authorization: 'Bearer ' + token } : {};
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
  call.onEnded = null;
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
  const headers = { 'Content-Type': 'application/sdp', ...authHeaders() };
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
  // A busy worker may redirect the offer (307) to another one: the session lives where the
  // answer came from (r.url), so resolve its URLs there.
  call.location = new URL(r.headers.get('Location'), r.url).href;
  call.sessionId = r.headers.get('X-Parley-Session');
  call.origin = new URL(r.url).origin;
  await pc.setRemoteDescription({ type: 'answer', sdp: await r.text() });
  $('hangup').disabled = false;
  openEvents();
  call.clockTimer = setInterval(() => {
    if (!call.startedAt) return;
    const s = Math.floor((Date.now() - call.startedAt) / 1000);
    $('duration').textContent = Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }, 500);
  call.meterTimer = setInterval(levels, 200);
}

function finish(failed) {
  if (call.ended) return;
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
  call.location = null;
  if (loc) {
    try { await fetch(loc, { method: 'DELETE', headers: authHeaders() }); } catch (e) { /* the worker ends it on consent loss */ }
  }
  // The worker pushes the session's last events (its end) on the open stream; wait for them.
  if (call.source && !call.ended) {
    await new Promise((resolve) => { call.onEnded = resolve; setTimeout(resolve, 3000); });
  }
  call.onEnded = null;
  closeEvents();
  finish(false);
}

$('call').addEventListener('click', startCall);
$('hangup').addEventListener('click', hangup);
$('tenant').addEventListener('change', tenantChanged);
loadTenants();
