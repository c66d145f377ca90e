// The web console's only script, and every page works without it: it
// fills the browser's time zone into the schedule form (minutes east of
// UTC; without it the start is read as UTC) and, on the rooms page,
// refreshes each room's live columns every few seconds while the page is
// visible.
"use strict";

(() => {
  for (const field of document.querySelectorAll("input[data-tz]")) {
    field.value = String(-new Date().getTimezoneOffset());
  }

  const rooms = document.querySelector("table[data-live]");
  if (!rooms) {
    return;
  }
  const url = rooms.dataset.live;
  const REFRESH_MS = 3000;

  async function refresh() {
    if (document.hidden) {
      return;
    }
    let live;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) {
        return;
      }
      live = await response.json();
    } catch {
      return; // The next round tries again.
    }
    for (const room of live) {
      const row = rooms.querySelector(`tr[data-sn="${CSS.escape(room.sn)}"]`);
      if (!row) {
        continue;
      }
      for (const cell of room.cells) {
        const td = row.querySelector(`td[data-live="${cell.key}"]`);
        if (!td) {
          continue;
        }
        td.textContent = cell.text;
        if (cell.ok === null) {
          td.removeAttribute("data-ok");
        } else {
          td.dataset.ok = cell.ok ? "yes" : "no";
        }
      }
    }
    rooms.dataset.refreshed = String(Date.now());
  }

  setInterval(refresh, REFRESH_MS);
  document.addEventListener("visibilitychange", refresh);
})();
