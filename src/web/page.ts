/**
 * The live view page: one self-contained HTML document (inline CSS and JS, no external assets). It polls
 * `/api/channels` once a second, keeps one card per channel (annotated MJPEG stream, state, counters) and
 * an event log. A `?token=` in the page URL is passed on to its API calls and stream URLs.
 */

/** The page's HTML. `title` is plain text (escaped here). */
export function livePageHtml(title = 'rxvision live view'): string {
  const safeTitle = title.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${safeTitle}</title>
<style>
  :root { color-scheme: dark; --bg: #111418; --card: #1b2027; --line: #2c333d; --muted: #8b96a5; --ok: #22dd55; --warn: #ffcc00; --bad: #ff4d4d; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: #e8edf2; }
  header { display: flex; gap: 16px; align-items: baseline; padding: 10px 16px; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 17px; margin: 0; }
  header .meta { color: var(--muted); }
  header a { color: #8ab4f8; }
  main { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px; padding: 12px 16px; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
  .card h2 { display: flex; justify-content: space-between; align-items: center; margin: 0; padding: 8px 10px; font-size: 15px; }
  .state { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #333; }
  .state.live { background: #184d2a; color: var(--ok); }
  .state.stalled, .state.reconnecting, .state.connecting { background: #4d4218; color: var(--warn); }
  .state.failed { background: #4d1818; color: var(--bad); }
  .state.ended { background: #2a2f36; color: var(--muted); }
  .frame { position: relative; background: #000; aspect-ratio: 4 / 3; display: flex; align-items: center; justify-content: center; }
  .frame img { max-width: 100%; max-height: 100%; display: block; }
  .frame .hint { position: absolute; color: var(--muted); }
  .frame img[src] + .hint { display: none; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  td { padding: 3px 10px; border-top: 1px solid var(--line); }
  td:nth-child(odd) { color: var(--muted); width: 22%; }
  .actions { padding: 6px 10px; border-top: 1px solid var(--line); display: flex; gap: 8px; align-items: center; color: var(--muted); }
  button { background: #2a3340; color: #e8edf2; border: 1px solid var(--line); border-radius: 4px; padding: 3px 10px; cursor: pointer; }
  .error { color: var(--bad); padding: 4px 10px; }
  section#events { padding: 0 16px 16px; }
  section#events h2 { font-size: 15px; }
  #log { max-height: 220px; overflow: auto; font: 12px/1.5 ui-monospace, monospace; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 6px 10px; margin: 0; }
  #empty { color: var(--muted); padding: 24px 16px; }
</style>
</head>
<body>
<header><h1>${safeTitle}</h1><span class="meta" id="run">waiting for the run to start...</span>
<span class="meta"><a id="metrics-link" href="metrics">metrics</a> · <a id="reports-link" href="reports/">reports</a></span></header>
<div id="empty">No channels yet.</div>
<main id="grid"></main>
<section id="events"><h2>Channel events</h2><pre id="log"></pre></section>
<script>
(() => {
  'use strict';
  const token = new URLSearchParams(location.search).get('token');
  const withToken = (url) => token ? url + (url.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token) : url;
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  const grid = document.getElementById('grid');
  const log = document.getElementById('log');
  const cards = new Map();
  let lastEvent = 0;
  document.getElementById('metrics-link').href = withToken('metrics');
  document.getElementById('reports-link').href = withToken('reports/');

  const FIELDS = [
    ['fps', 'FPS in / out'], ['latency', 'latency'], ['frames', 'frames'], ['dropped', 'drops'],
    ['faces', 'faces'], ['tracks', 'tracks'], ['queue', 'queue'], ['view', 'live view'],
  ];

  function el(tag, props, children) {
    const e = document.createElement(tag);
    Object.assign(e, props || {});
    for (const c of children || []) e.append(c);
    return e;
  }

  function makeCard(id) {
    const state = el('span', { className: 'state', textContent: '...' });
    const img = el('img', { alt: 'live frames of ' + id });
    img.dataset.channel = id;
    const frame = el('div', { className: 'frame' }, [img, el('span', { className: 'hint', textContent: 'paused' })]);
    const cells = {};
    const rows = [];
    for (let i = 0; i < FIELDS.length; i += 2) {
      const tr = el('tr');
      for (const [key, label] of FIELDS.slice(i, i + 2)) {
        cells[key] = el('td', { textContent: '-' });
        cells[key].dataset.field = key;
        tr.append(el('td', { textContent: label }), cells[key]);
      }
      rows.push(tr);
    }
    const toggle = el('button', { textContent: 'pause video' });
    const error = el('div', { className: 'error' });
    const card = el('div', { className: 'card' }, [
      el('h2', {}, [el('span', { textContent: id }), state]),
      frame, el('table', {}, rows), error,
      el('div', { className: 'actions' }, [toggle]),
    ]);
    card.dataset.channel = id;
    const streamUrl = withToken('stream/' + encodeURIComponent(id));
    const play = () => { img.src = streamUrl + (streamUrl.includes('?') ? '&' : '?') + 't=' + Date.now(); toggle.textContent = 'pause video'; };
    const pause = () => { img.removeAttribute('src'); toggle.textContent = 'play video'; };
    toggle.onclick = () => (img.getAttribute('src') ? pause() : play());
    const entry = { card, state, img, cells, error, play, pause };
    grid.append(card);
    play();
    return entry;
  }

  function update(c) {
    let entry = cards.get(c.id);
    if (!entry) { entry = makeCard(c.id); cards.set(c.id, entry); }
    entry.state.textContent = c.state;
    entry.state.className = 'state ' + c.state;
    const set = (k, v) => { entry.cells[k].textContent = v; };
    set('fps', c.fpsIn.toFixed(1) + ' / ' + c.fpsOut.toFixed(1));
    set('latency', c.latencyMs.toFixed(0) + ' ms');
    set('frames', String(c.frames));
    set('dropped', String(c.dropped) + (c.failedFrames ? ' (+' + c.failedFrames + ' failed)' : ''));
    set('faces', c.lastFaces + ' now, ' + c.faces + ' total');
    set('tracks', c.activeTracks + ' now, ' + c.tracks + ' total');
    set('queue', String(c.queueDepth));
    set('view', c.view.encoded + ' frames, ' + c.view.viewers + ' viewer(s)');
    entry.error.textContent = c.error || '';
    entry.card.dataset.frames = String(c.frames);
    entry.card.dataset.viewFrames = String(c.view.encoded);
  }

  function addEvents(events) {
    for (const e of events) {
      if (e.id <= lastEvent) continue;
      lastEvent = e.id;
      const line = new Date(e.at).toLocaleTimeString() + '  ' + e.channel + '  ' + e.state + (e.detail ? '  ' + e.detail : '');
      log.prepend(document.createTextNode(line + '\\n'));
    }
  }

  async function poll() {
    try {
      const r = await fetch(withToken('api/channels'), { headers, cache: 'no-store' });
      if (r.status === 401) { document.getElementById('run').textContent = 'unauthorized: open this page with ?token=...'; return; }
      const s = await r.json();
      document.getElementById('run').textContent = s.started ? (s.runId ? 'run ' + s.runId : 'run') + ', ' + s.channels.length + ' channel(s)' : 'waiting for the run to start...';
      document.getElementById('empty').style.display = s.channels.length ? 'none' : '';
      for (const c of s.channels) update(c);
      addEvents(s.events);
      document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
    } catch (err) {
      document.getElementById('run').textContent = 'server unreachable (' + err.message + ')';
    }
  }
  poll();
  setInterval(poll, 1000);
})();
</script>
</body>
</html>
`;
}
