// The conference-control page: the meeting's live view over a WebSocket
// (sent at once and after every change), drawn as the state line and the
// participants' table; every button posts one host action as the cloud's
// API spells it. The session is the page's HttpOnly cookie; the strings
// are the page's own (a JSON block), so every word is in both languages.
'use strict';

const strings = JSON.parse(document.getElementById('strings').textContent);
const meeting = document.body.dataset.meeting;
const $ = (id) => document.getElementById(id);
let view = null;

function t(key, values = {}) {
  let text = strings[key] || key;
  for (const [name, value] of Object.entries(values)) {
    text = text.replace(`{${name}}`, value);
  }
  return text;
}

function setState(state, status) {
  document.body.dataset.state = state;
  $('status').textContent = status;
}

function clock(secs) {
  return new Date(secs * 1000).toLocaleTimeString(document.documentElement.lang, {
    hour: '2-digit',
    minute: '2-digit',
  });
}

function showError(code) {
  const key = `err_${code}`;
  $('notice').textContent = strings[key] ? t(key) : t('err_other', { code });
}

// Posts `action`; true when the cloud took it.
async function act(action) {
  $('notice').textContent = '';
  try {
    const response = await fetch(`/control/${meeting}/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(action),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      showError(body.error ? body.error.code : String(response.status));
    }
    return response.ok;
  } catch (err) {
    showError('network');
    return false;
  }
}

function button(label, action, danger = false) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.dataset.action = action.action;
  if (action.participant !== undefined) {
    b.dataset.participant = String(action.participant);
  }
  if (danger) {
    b.className = 'danger';
  }
  b.addEventListener('click', () => {
    if (action.action === 'remove' && !window.confirm(t('confirm_remove', { name: b.dataset.name }))) {
      return;
    }
    act(action);
  });
  return b;
}

function cell(row, text, className) {
  const td = row.insertCell();
  if (text !== undefined) {
    td.textContent = text;
  }
  if (className) {
    td.className = className;
  }
  return td;
}

function participantRow(p) {
  const row = document.createElement('tr');
  row.dataset.participant = String(p.participant);
  const name = cell(row, p.name);
  const kind = document.createElement('span');
  kind.className = 'kind';
  kind.textContent = t(`kind_${p.kind}`);
  name.appendChild(kind);
  if (p.hand_raised) {
    const hand = document.createElement('span');
    hand.className = 'hand';
    hand.textContent = t('hand');
    name.appendChild(hand);
  }
  cell(row, t(`role_${p.role}`));
  const sound = p.muted ? t(p.muted_by_host ? 'muted_by_host' : 'muted_self') : t('speaking');
  cell(row, sound, p.muted ? 'muted' : '');
  const picture = !p.video ? t('no_picture') : p.video_stopped ? t('picture_off') : t('picture_on');
  cell(row, picture);
  const actions = cell(row, undefined, 'actions');
  const id = p.participant;
  actions.appendChild(button(p.muted ? t('unmute') : t('mute'), { action: p.muted ? 'unmute' : 'mute', participant: id }));
  if (p.video) {
    const stopped = p.video_stopped;
    actions.appendChild(button(stopped ? t('start_video') : t('stop_video'), { action: stopped ? 'start_video' : 'stop_video', participant: id }));
  }
  if (p.video && !p.video_stopped) {
    const shown = view && view.broadcast === id;
    actions.appendChild(button(shown ? t('stop_broadcast') : t('broadcast'), shown ? { action: 'stop_broadcast' } : { action: 'broadcast', participant: id }));
  }
  if (p.role !== 'host') {
    const coHost = p.role === 'co_host';
    actions.appendChild(button(coHost ? t('make_guest') : t('make_co_host'), { action: 'set_role', participant: id, role: coHost ? 'guest' : 'co_host' }));
    actions.appendChild(button(t('make_host'), { action: 'set_role', participant: id, role: 'host' }));
  }
  if (p.hand_raised) {
    actions.appendChild(button(t('lower_hand'), { action: 'lower_hand', participant: id }));
  }
  const remove = button(t('remove'), { action: 'remove', participant: id }, true);
  remove.dataset.name = p.name;
  actions.appendChild(remove);
  return row;
}

function waitingRow(held) {
  const item = document.createElement('li');
  item.dataset.participant = String(held.participant);
  const name = document.createElement('span');
  name.textContent = held.name;
  item.append(name,
    button(t('admit'), { action: 'admit', participant: held.participant }),
    button(t('deny'), { action: 'deny', participant: held.participant }, true));
  return item;
}

function ringingRow(rung) {
  const item = document.createElement('li');
  item.dataset.participant = String(rung.participant);
  const name = document.createElement('span');
  name.textContent = t('ringing_name', { name: rung.name });
  item.append(name,
    button(t('stop_ringing'), { action: 'cancel_invite', participant: rung.participant }, true));
  return item;
}

function render(next) {
  view = next;
  if (!next.not_in_progress) {
    $('poll').textContent = next.polling ? t('stop_polling') : t('poll');
    $('poll-pages').hidden = Boolean(next.polling);
  }
  if (next.not_in_progress) {
    setState('idle', t('not_in_progress'));
    $('roster').tBodies[0].replaceChildren();
    $('waiting').hidden = true;
    $('ringing-list').replaceChildren();
    return;
  }
  const parts = [t('count', { n: next.participants.length })];
  if (next.ends_at) {
    parts.push(t('ends_at', { time: clock(next.ends_at) }));
  }
  setState('live', parts.join(' · '));
  for (const [flag, key] of [[next.ending_soon, 'ending_soon'], [next.controls.locked, 'locked']]) {
    if (flag) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = t(key);
      $('status').appendChild(badge);
    }
  }
  $('lock').textContent = next.controls.locked ? t('unlock') : t('lock');
  $('mute-on-entry').checked = next.controls.mute_on_entry;
  $('waiting-room').checked = next.controls.waiting_room;
  $('host-only-share').checked = next.controls.host_only_share;
  const waiting = next.waiting || [];
  $('waiting').hidden = waiting.length === 0;
  $('waiting-title').textContent = t('waiting_title', { n: waiting.length });
  $('waiting-list').replaceChildren(...waiting.map(waitingRow));
  $('ringing-list').replaceChildren(...(next.ringing || []).map(ringingRow));
  $('roster').tBodies[0].replaceChildren(...next.participants.map(participantRow));
}

function connect(delay = 0) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/control/${meeting}/live`);
  socket.addEventListener('message', (event) => render(JSON.parse(event.data)));
  socket.addEventListener('close', () => {
    setState('reconnecting', t('reconnecting'));
    // The session may have ended: a reload shows the sign-in form then.
    setTimeout(() => connect(Math.min(5000, delay * 2 + 500)), delay + 500);
  });
}

$('mute-all').addEventListener('click', () =>
  act({ action: 'mute_all', allow_self_unmute: $('allow-self-unmute').checked }));
$('unmute-all').addEventListener('click', () => act({ action: 'unmute_all' }));
$('mute-on-entry').addEventListener('change', (event) =>
  act({ action: 'mute_on_entry', on: event.target.checked }));
$('waiting-room').addEventListener('change', (event) =>
  act({ action: 'waiting_room', on: event.target.checked }));
$('host-only-share').addEventListener('change', (event) =>
  act({ action: 'host_only_share', on: event.target.checked }));
$('admit-all').addEventListener('click', () => act({ action: 'admit_all' }));
$('lock').addEventListener('click', () =>
  act({ action: view && view.controls && view.controls.locked ? 'unlock' : 'lock' }));
$('extend').addEventListener('click', () => act({ action: 'extend' }));
$('invite-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const to = $('invite-to').value.trim();
  if (to && (await act({ action: 'invite', to }))) {
    $('invite-to').value = '';
    $('status').textContent = t('invited', { to });
  }
});
$('poll').addEventListener('click', () =>
  act(view && view.polling ? { action: 'stop_polling' } : { action: 'poll', interval_secs: 15 }));
$('poll-pages').addEventListener('click', () =>
  act({ action: 'poll', interval_secs: 15, pages: true }));
$('end').addEventListener('click', () => {
  if (window.confirm(t('confirm_end'))) {
    act({ action: 'end_for_all' });
  }
});

connect();
