// The voice-bridge console: Talk (a browser call over Twilio's Media Streams protocol) and
// Watch (the live calls, fed by Server-Sent Events from /console/events). No framework.
'use strict';

const $ = (id) => document.getElementById(id);

// ---- μ-law ----------------------------------------------------------------------------------

const ULAW_TO_FLOAT = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const u = ~i & 0xff;
  const exponent = (u >> 4) & 7;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  ULAW_TO_FLOAT[i] = (u & 0x80 ? -magnitude : magnitude) / 32768;
}

function randomHex(bytes) {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (v) => v.toString(16).padStart(2, '0')).join('');
}

function base64OfBytes(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return btoa(text);
}

// ---- Talk -----------------------------------------------------------------------------------

const counters = { framesSent: 0, bytesReceived: 0, marksEchoed: 0, clears: 0, firstAudioMs: null };
let call = null; // the browser call in progress: {ws, context, stream, callSid, streamSid, ...}

function setCallState(text) { $('call-state').textContent = text; }

async function startCall() {
  const button = $('talk-button');
  button.disabled = true;
  setCallState('opening the microphone…');
  const callSid = 'CA' + randomHex(16);
  const streamSid = 'MZ' + randomHex(16);
  const accountSid = 'AC' + randomHex(16);
  let context, stream;
  try {
    context = new AudioContext();
    await context.audioWorklet.addModule('/console/capture-worklet.js');
    await context.audioWorklet.addModule('/console/playback-worklet.js');
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
  } catch (error) {
    if (context) context.close();
    setCallState('no microphone: ' + error.message);
    button.disabled = false;
    return;
  }
  Object.assign(counters, { framesSent: 0, bytesReceived: 0, marksEchoed: 0, clears: 0, firstAudioMs: null });
  const source = context.createMediaStreamSource(stream);
  const capture = new AudioWorkletNode(context, 'capture', { numberOfInputs: 1, numberOfOutputs: 1 });
  const playback = new AudioWorkletNode(context, 'playback', { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
  source.connect(capture);
  capture.connect(context.destination); // silent; keeps the capture node running
  playback.connect(context.destination);
  if (context.state === 'suspended') await context.resume();

  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  const ws = new WebSocket(scheme + location.host + '/media-stream');
  call = { ws, context, stream, callSid, streamSid, accountSid, sequence: 0, chunk: 0, started: false, startedAt: 0 };
  selectedSid = callSid;
  $('talk-call-sid').textContent = callSid;
  const send = (message) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    call.sequence += 1;
    message.sequenceNumber = String(call.sequence);
    ws.send(JSON.stringify(message));
  };
  call.send = send;

  ws.onopen = () => {
    ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    send({
      event: 'start', streamSid,
      start: {
        accountSid, streamSid, callSid, tracks: ['inbound'],
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        customParameters: { From: 'browser', To: 'console' },
      },
    });
    call.started = true;
    call.startedAt = performance.now();
    setCallState('in call');
    button.textContent = 'Hang up';
    button.setAttribute('aria-pressed', 'true');
    button.disabled = false;
  };
  capture.port.onmessage = (event) => {
    micLevel = Math.max(micLevel * 0.8, Math.min(1, event.data.level * 4));
    if (!call || !call.started) return;
    call.chunk += 1;
    send({
      event: 'media', streamSid,
      media: { track: 'inbound', chunk: String(call.chunk), timestamp: String(call.chunk * 20), payload: base64OfBytes(event.data.frame) },
    });
    counters.framesSent += 1;
  };
  playback.port.onmessage = (event) => {
    const message = event.data;
    if (message.played !== undefined) {
      send({ event: 'mark', streamSid, mark: { name: message.played } });
      counters.marksEchoed += 1;
    } else if (message.level !== undefined) {
      outLevel = Math.min(1, message.level * 4);
    }
  };
  ws.onmessage = (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    switch (message.event) {
      case 'media': {
        const text = atob(message.media.payload);
        const samples = new Float32Array(text.length);
        for (let i = 0; i < text.length; i++) samples[i] = ULAW_TO_FLOAT[text.charCodeAt(i)];
        playback.port.postMessage({ samples }, [samples.buffer]);
        if (counters.firstAudioMs === null) counters.firstAudioMs = Math.round(performance.now() - call.startedAt);
        counters.bytesReceived += text.length;
        break;
      }
      case 'mark':
        playback.port.postMessage({ mark: message.mark.name });
        break;
      case 'clear':
        playback.port.postMessage({ clear: true });
        counters.clears += 1;
        break;
    }
  };
  ws.onclose = (event) => {
    const why = event.code === 1000 || event.code === 1005 ? 'call ended' : `call ended (${event.code}${event.reason ? ': ' + event.reason : ''})`;
    endCall(why);
  };
}

function hangUp() {
  if (!call) return;
  call.send({ event: 'stop', streamSid: call.streamSid, stop: { accountSid: call.accountSid, callSid: call.callSid } });
  call.ws.close(1000, 'caller hung up');
  endCall('call ended');
}

function endCall(why) {
  if (!call) return;
  const ended = call;
  call = null;
  ended.stream.getTracks().forEach((track) => track.stop());
  ended.context.close();
  if (ended.ws.readyState === WebSocket.OPEN || ended.ws.readyState === WebSocket.CONNECTING) ended.ws.close(1000);
  setCallState(why);
  const button = $('talk-button');
  button.textContent = 'Talk';
  button.setAttribute('aria-pressed', 'false');
  button.disabled = !config.talk;
  micLevel = 0;
  outLevel = 0;
}

let micLevel = 0;
let outLevel = 0;

function renderCounters() {
  $('frames-sent').textContent = String(counters.framesSent);
  $('frames-received').textContent = String(Math.floor(counters.bytesReceived / 160));
  $('marks-echoed').textContent = String(counters.marksEchoed);
  $('clears').textContent = String(counters.clears);
  $('first-audio-ms').textContent = counters.firstAudioMs === null ? '–' : counters.firstAudioMs + ' ms';
  $('mic-level').value = micLevel;
  $('out-level').value = outLevel;
  if (!call) { micLevel *= 0.5; outLevel *= 0.5; }
}

// ---- Watch ----------------------------------------------------------------------------------

const calls = new Map(); // call_sid -> {header, items, receivedAt}
let selectedSid = null;
let config = { talk: false, include_text: false };

function upsertCall(header, items) {
  const known = calls.get(header.call_sid);
  const entry = known || { items: [] };
  entry.header = header;
  entry.receivedAt = performance.now();
  if (items) entry.items = items;
  calls.set(header.call_sid, entry);
}

function handle(message) {
  switch (message.type) {
    case 'snapshot':
      calls.clear();
      for (const item of message.calls) upsertCall(item, item.items);
      $('text-note').hidden = message.include_text;
      break;
    case 'call':
      upsertCall(message.call);
      break;
    case 'item': {
      const entry = calls.get(message.call_sid);
      if (!entry) return;
      entry.items.push(message.item);
      if (entry.items.length > 300) entry.items.shift();
      if (message.call_sid === selectedSid) renderDetail();
      return;
    }
    case 'removed':
      calls.delete(message.call_sid);
      break;
    default:
      return;
  }
  renderCalls();
  renderDetail();
}

function formatDuration(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return Math.floor(seconds / 60) + ':' + String(seconds % 60).padStart(2, '0');
}

function elapsed(entry) {
  const header = entry.header;
  if (header.state === 'ended') return header.elapsed_ms;
  return header.elapsed_ms + (performance.now() - entry.receivedAt);
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function renderCalls() {
  const rows = $('call-rows');
  const entries = Array.from(calls.values()).reverse(); // newest first
  if (selectedSid === null && entries.length > 0) {
    const live = entries.find((e) => e.header.state !== 'ended');
    selectedSid = (live || entries[0]).header.call_sid;
  }
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.callSid : null;
  rows.replaceChildren(...entries.map((entry) => {
    const h = entry.header;
    const tr = document.createElement('tr');
    tr.dataset.callSid = h.call_sid;
    tr.dataset.state = h.state;
    tr.tabIndex = 0;
    tr.className = h.state === 'ended' ? 'ended' : 'live';
    tr.setAttribute('aria-selected', String(h.call_sid === selectedSid));
    tr.append(cell(h.call_sid), cell(h.from || '–'), cell(h.to || '–'), cell(h.agent || '–'), cell(h.provider),
      cell(formatDuration(elapsed(entry))), cell(h.state.replace('_', ' ')), cell(outcomeText(h)));
    tr.querySelector('td:nth-child(6)').className = 'duration';
    tr.onclick = () => select(h.call_sid);
    tr.onkeydown = (event) => {
      if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); select(h.call_sid); }
    };
    return tr;
  }));
  if (focused) {
    const again = rows.querySelector(`tr[data-call-sid="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
  $('no-calls').hidden = entries.length > 0;
}

function outcomeText(h) {
  if (!h.outcome) return '';
  const parts = [h.outcome.replace(/_/g, ' ')];
  if (h.cost_usd_est !== null && h.cost_usd_est !== undefined) parts.push('$' + h.cost_usd_est.toFixed(4));
  return parts.join(', ');
}

function select(sid) {
  selectedSid = sid;
  renderCalls();
  renderDetail();
}

function timeText(ms) {
  return '+' + (ms / 1000).toFixed(1) + ' s';
}

function line(kind, who, text, tMs) {
  const li = document.createElement('li');
  li.className = kind;
  const label = document.createElement('span');
  label.className = 'who';
  label.textContent = who;
  li.append(label, document.createTextNode(text));
  const time = document.createElement('span');
  time.className = 'time';
  time.textContent = timeText(tMs);
  li.append(time);
  return li;
}

function renderDetail() {
  const entry = selectedSid && calls.get(selectedSid);
  $('detail').hidden = !entry;
  if (!entry) return;
  const h = entry.header;
  $('detail-title').textContent = 'Call ' + h.call_sid;
  const summary = [`${h.direction} from ${h.from || '–'} to ${h.to || '–'}`, `agent ${h.agent || 'default'}`, `provider ${h.provider}`, h.state.replace('_', ' ')];
  if (h.outcome) {
    summary.push(`outcome ${h.outcome}`, `${h.duration_s} s`);
    if (h.usage) summary.push('usage ' + Object.entries(h.usage).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', '));
    if (h.cost_usd_est !== null && h.cost_usd_est !== undefined) summary.push(`est. $${h.cost_usd_est.toFixed(4)}`);
  }
  $('detail-summary').textContent = summary.join(' · ');
  const results = new Map(entry.items.filter((i) => i.kind === 'tool_result').map((i) => [i.call_id, i]));
  const list = $('transcript');
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  list.replaceChildren(...entry.items.filter((i) => i.kind !== 'tool_result').map((item) => {
    let li;
    switch (item.kind) {
      case 'utterance': {
        const text = item.text !== null && item.text !== undefined ? item.text : `[${item.chars} characters; text hidden]`;
        const who = item.role === 'caller' ? 'Caller' : (item.phase === 'commentary' ? 'Assistant (preamble)' : 'Assistant');
        li = line(item.role === 'caller' ? 'caller' : 'assistant', who, text, item.t_ms);
        li.dataset.role = item.role;
        break;
      }
      case 'barge_in':
        li = line('event barge-in', 'Barge-in', item.heard_ms !== null ? `caller interrupted after ${item.heard_ms} ms of the answer` : 'caller interrupted', item.t_ms);
        break;
      case 'tool_call': {
        const result = results.get(item.call_id);
        const status = result ? `${result.outcome}, ${result.ms} ms` : 'running…';
        li = line('event tool', 'Tool', `${item.name} (${status})`, item.t_ms);
        if (item.arguments !== null) { const pre = document.createElement('pre'); pre.textContent = 'arguments: ' + item.arguments; li.append(pre); }
        if (result && result.result !== null) { const pre = document.createElement('pre'); pre.textContent = 'result: ' + result.result; li.append(pre); }
        break;
      }
      case 'hang_up':
        li = line('event hang-up', 'Hang-up', 'the assistant ends the call after its goodbye', item.t_ms);
        break;
      case 'transfer':
        li = line('event transfer', 'Transfer', `to ${item.target}: ${item.status}${item.error ? ' (' + item.error + ')' : ''}`, item.t_ms);
        break;
      default:
        li = line('event', item.kind, '', item.t_ms);
    }
    li.dataset.kind = item.kind;
    return li;
  }));
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function renderDurations() {
  for (const tr of $('call-rows').children) {
    const entry = calls.get(tr.dataset.callSid);
    const td = tr.querySelector('td.duration');
    if (entry && td) td.textContent = formatDuration(elapsed(entry));
  }
}

// ---- Start ----------------------------------------------------------------------------------

function connectEvents() {
  const events = new EventSource('/console/events');
  events.onopen = () => { $('status').textContent = 'Live'; };
  events.onmessage = (event) => handle(JSON.parse(event.data));
  events.onerror = () => { $('status').textContent = 'Disconnected; reconnecting…'; };
}

function applyConfig() {
  const button = $('talk-button');
  button.disabled = !config.talk;
  if (!config.talk) {
    $('talk-note').textContent = 'Talk is off: this bridge checks Twilio signatures, so only Twilio may open a media stream. Run it in development mode (local provider, or TWILIO_VALIDATE_SIGNATURES=false) to call it from the browser.';
  } else if (!window.isSecureContext || !window.AudioWorkletNode) {
    button.disabled = true;
    $('talk-note').textContent = 'Talk needs a secure page (https://, or http://localhost) for the microphone.';
  }
  $('text-note').hidden = config.include_text;
}

document.addEventListener('DOMContentLoaded', () => {
  $('talk-button').disabled = true;
  $('talk-button').addEventListener('click', () => { if (call) hangUp(); else startCall(); });
  fetch('/console/config', { cache: 'no-store' })
    .then((response) => response.json())
    .then((answer) => { config = answer; applyConfig(); })
    .catch(() => { $('status').textContent = 'Could not load the console settings.'; });
  connectEvents();
  setInterval(renderCounters, 100);
  setInterval(renderDurations, 1000);
});
