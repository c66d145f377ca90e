// The web admin's script. The status page refreshes its figures every
// 2 s (the page's own markup, fetched again); the web remote shows the
// room's screen from a WebSocket of pictures, sends a click on it as a tap
// where it fell and the keys as the remote's. The control API takes the
// session's CSRF token in a header.
'use strict';

(() => {
  const main = document.querySelector('main[data-csrf]');
  if (!main) return;
  const csrf = main.dataset.csrf;

  const post = (path, body) => fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });

  if (document.querySelector('[data-live="status"]')) {
    setInterval(async () => {
      try {
        const response = await fetch(location.pathname, { credentials: 'same-origin' });
        if (!response.ok || response.redirected) return;
        const page = new DOMParser().parseFromString(await response.text(), 'text/html');
        const fresh = page.querySelector('[data-live="status"]');
        const shown = document.querySelector('[data-live="status"]');
        if (fresh && shown) shown.replaceWith(fresh);
      } catch (_) { /* the next round tries again */ }
    }, 2000);
  }

  const screen = document.getElementById('screen');
  if (screen) {
    let shown = null;
    const connect = () => {
      const socket = new WebSocket(`wss://${location.host}/api/v1/screen/live`);
      socket.binaryType = 'blob';
      socket.onmessage = (event) => {
        const url = URL.createObjectURL(event.data);
        screen.onload = () => { if (shown) URL.revokeObjectURL(shown); shown = url; screen.dataset.frames = String(Number(screen.dataset.frames || 0) + 1); };
        screen.src = url;
      };
      socket.onclose = () => setTimeout(connect, 2000);
    };
    connect();
    screen.addEventListener('click', (event) => {
      const box = screen.getBoundingClientRect();
      const x = (event.clientX - box.left) * screen.naturalWidth / box.width;
      const y = (event.clientY - box.top) * screen.naturalHeight / box.height;
      post('/api/v1/screen/click', { x, y });
    });
    document.querySelectorAll('[data-key]').forEach((button) => {
      button.addEventListener('click', () => post('/api/v1/keys', { keys: [button.dataset.key] }));
    });
  }
})();
