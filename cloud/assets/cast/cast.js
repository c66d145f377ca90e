// The casting page: this browser's screen to a meeting room. Signalling is
// WHIP-shaped HTTP to the cloud (docs/API.md, "Casting"), which relays it
// to the room; the media then flows peer to peer on the LAN.
//
// Every word comes from the page (#strings, in the page's language). The
// state is document.body.dataset.state: idle | connecting | sharing | busy |
// ended | error, with dataset.reason when ended or error. What shows in
// each state is the stylesheet's business.
'use strict';

(() => {
  const strings = JSON.parse(document.getElementById('strings').textContent);
  const t = (key) => strings[key] || key;
  const fill = (text, values) =>
    text.replace(/\{(\w+)\}/g, (hole, key) => (key in values ? String(values[key]) : hole));
  const el = (id) => document.getElementById(id);
  const form = el('form');
  const codeField = el('code');
  const nameField = el('name');
  const status = el('status');
  const shareButton = el('share');
  const NAME_KEY = 'roomterm.cast.name';
  // Candidates gathered by then go in the offer; later ones are trickled.
  const GATHER_MS = 1500;

  // The cast under way: { stream, pc, code, caster, offer, session,
  // events, pending, ended }.
  let cast = null;

  function setState(state, reason, text) {
    document.body.dataset.state = state;
    if (reason) {
      document.body.dataset.reason = reason;
    } else {
      delete document.body.dataset.reason;
    }
    status.textContent = text || '';
    const busy = state === 'connecting' || state === 'sharing' || state === 'busy';
    for (const field of [codeField, nameField, shareButton]) field.disabled = busy;
  }

  // Never a real form post (the CSP forbids it anyway).
  form.addEventListener('submit', (event) => event.preventDefault());

  if (
    !navigator.mediaDevices ||
    typeof navigator.mediaDevices.getDisplayMedia !== 'function' ||
    typeof RTCPeerConnection !== 'function'
  ) {
    // Phones and tablets: no screen capture in their browsers.
    setState('error', 'unsupported_browser', t('phones'));
    shareButton.disabled = true;
    return;
  }

  try {
    if (!nameField.value) nameField.value = localStorage.getItem(NAME_KEY) || '';
  } catch (_) {
    // Storage may be off (private windows): the name is just not kept.
  }

  // Typed or pasted with spaces or dashes: only the digits count.
  codeField.addEventListener('input', () => {
    const digits = codeField.value.replace(/\D/g, '');
    if (digits !== codeField.value) codeField.value = digits;
  });

  form.addEventListener('submit', () => start());
  el('stop').addEventListener('click', () => finish('stopped_by_caster', true));
  el('take-over').addEventListener('click', () => {
    if (cast && !cast.ended) post(cast, true);
  });
  el('cancel').addEventListener('click', () => {
    if (cast) release(cast);
    cast = null;
    setState('idle', null, '');
  });
  window.addEventListener('pagehide', () => finish('stopped_by_caster', true));

  async function capture() {
    const video = { frameRate: { ideal: 30 } };
    try {
      return await navigator.mediaDevices.getDisplayMedia({ video, audio: true });
    } catch (err) {
      // Browsers that cannot capture sound refuse the request as a whole.
      if (err && (err.name === 'TypeError' || err.name === 'NotSupportedError')) {
        return navigator.mediaDevices.getDisplayMedia({ video });
      }
      throw err;
    }
  }

  async function start() {
    if (cast) return;
    const code = codeField.value.replace(/\D/g, '');
    codeField.value = code;
    if (code.length !== 6) {
      setState('error', 'code_format', t('err_code_format'));
      codeField.focus();
      return;
    }
    const caster = nameField.value.trim();
    try {
      localStorage.setItem(NAME_KEY, caster);
    } catch (_) {
      // Not kept; see above.
    }
    setState('connecting', null, t('st_picking'));
    let stream;
    try {
      stream = await capture();
    } catch (err) {
      if (err && err.name === 'NotAllowedError') {
        setState('idle', null, t('st_cancelled'));
      } else {
        setState('error', 'media', t('err_media'));
      }
      return;
    }
    const pc = new RTCPeerConnection(); // no ICE servers: the room is on the LAN
    const c = { stream, pc, code, caster: caster || t('default_name'), pending: [], ended: false };
    cast = c;
    for (const track of stream.getTracks()) {
      if (track.kind === 'video') track.contentHint = 'detail';
      pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      // The browser's own "Stop sharing" bar.
      track.addEventListener('ended', () => finish('stopped_by_caster', true));
    }
    pc.addEventListener('icecandidate', (event) => {
      if (!event.candidate || !event.candidate.candidate || c.offer === undefined) return;
      if (c.session) {
        trickle(c, [event.candidate]);
      } else {
        c.pending.push(event.candidate);
      }
    });
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed' && cast === c) finish('connection_lost', true);
    });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc, GATHER_MS);
    } catch (_) {
      fail(c, 'media', t('err_media'));
      return;
    }
    if (c.ended) return;
    c.offer = pc.localDescription.sdp;
    setState('connecting', null, t('st_connecting'));
    post(c, false);
  }

  function gathered(pc, ms) {
    return new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') {
        resolve();
        return;
      }
      const done = () => {
        if (pc.iceGatheringState !== 'complete') return;
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', done);
        resolve();
      };
      const timer = setTimeout(() => {
        pc.removeEventListener('icegatheringstatechange', done);
        resolve();
      }, ms);
      pc.addEventListener('icegatheringstatechange', done);
    });
  }

  async function post(c, takeOver) {
    setState('connecting', null, t('st_connecting'));
    const query = new URLSearchParams({ name: c.caster });
    if (takeOver) query.set('take_over', '1');
    let response;
    try {
      response = await fetch('/cast/whip?' + query, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp', Authorization: 'Bearer ' + c.code },
        body: c.offer,
      });
    } catch (_) {
      fail(c, 'network', t('err_network'));
      return;
    }
    if (response.status === 201) {
      const answer = await response.text();
      c.session = response.headers.get('Location');
      if (c.ended) {
        // Stopped while the room answered: let it go again.
        fetch(c.session, { method: 'DELETE', keepalive: true }).catch(() => {});
        return;
      }
      try {
        await c.pc.setRemoteDescription({ type: 'answer', sdp: answer });
      } catch (_) {
        fetch(c.session, { method: 'DELETE', keepalive: true }).catch(() => {});
        fail(c, 'media', t('err_media'));
        return;
      }
      listen(c);
      if (c.pending.length) trickle(c, c.pending.splice(0));
      setState('sharing', null, t('st_sharing'));
      return;
    }
    if (c.ended) return;
    let error = {};
    try {
      error = (await response.json()).error || {};
    } catch (_) {
      // Not JSON: the status speaks.
    }
    const code = error.code || 'http_' + response.status;
    const values = {
      name: error.showing || t('someone'),
      min: Math.max(1, Math.ceil((error.retry_after_secs || 60) / 60)),
      code,
    };
    if (code === 'cast_busy') {
      setState('busy', null, fill(t('st_busy'), values));
      el('take-over').focus();
      return;
    }
    fail(c, code, fill(strings['err_' + code] || t('err_other'), values));
  }

  // The ICE credentials and candidates as a trickle-ICE fragment (RFC 8840).
  function trickle(c, candidates) {
    const ufrag = /^a=ice-ufrag:(.*)$/m.exec(c.offer);
    const pwd = /^a=ice-pwd:(.*)$/m.exec(c.offer);
    let fragment = '';
    if (ufrag && pwd) fragment += 'a=ice-ufrag:' + ufrag[1].trim() + '\r\na=ice-pwd:' + pwd[1].trim() + '\r\n';
    for (const candidate of candidates) {
      fragment += 'm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n';
      if (candidate.sdpMid !== null && candidate.sdpMid !== undefined) {
        fragment += 'a=mid:' + candidate.sdpMid + '\r\n';
      }
      fragment += 'a=' + candidate.candidate + '\r\n';
    }
    fetch(c.session, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/trickle-ice-sdpfrag' },
      body: fragment,
    }).catch(() => {});
  }

  // Why the cast ended, from the cloud (the room, an admin, the network).
  function listen(c) {
    c.events = new EventSource(c.session + '/events');
    c.events.addEventListener('ended', (event) => {
      let reason = 'unknown';
      try {
        reason = JSON.parse(event.data).reason || reason;
      } catch (_) {
        // Keep "unknown".
      }
      if (cast === c) finish(reason, false);
    });
  }

  function release(c) {
    c.ended = true;
    if (c.events) c.events.close();
    for (const track of c.stream.getTracks()) track.stop();
    c.pc.close();
  }

  function finish(reason, tellCloud) {
    const c = cast;
    if (!c || c.ended) return;
    cast = null;
    release(c);
    if (tellCloud && c.session) {
      fetch(c.session, { method: 'DELETE', keepalive: true }).catch(() => {});
    }
    setState('ended', reason, strings['end_' + reason] || t('end_unknown'));
  }

  function fail(c, reason, text) {
    if (c.ended) return;
    release(c);
    if (cast === c) cast = null;
    setState('error', reason, text);
  }
})();
