/**
 * The dashboard page: one HTML document, its script inline, no library and nothing from another
 * host. It is a saltline client: it connects back over WebSocket, reads `$sys.Metrics.watch` and
 * draws each frame into SVG charts and tables. Everything the far side names (methods, codes,
 * alert names) is written with `textContent`, never as HTML.
 */

const style = `
body { font: 14px system-ui, sans-serif; margin: 1.5rem; background: #fafafa; color: #222; }
h1 { font-size: 1.2rem; margin: 0 0 1rem; } h2 { font-size: 1rem; margin: 0 0 .4rem; }
#status { margin-left: 1rem; font-size: .9rem; color: #666; } #status[data-state=denied] { color: #b00; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1rem; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .8rem; }
.big { font-size: 1.6rem; font-weight: 600; } svg { width: 100%; height: 120px; display: block; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: right; padding: 2px 6px; }
td:first-child, th:first-child { text-align: left; word-break: break-all; }
#alerts li[data-state=firing] { color: #b00; font-weight: 600; } #alerts li[data-state=pending] { color: #b60; }
.legend span { margin-right: .8rem; font-size: .8rem; }`;

const script = (base: string) => `
import { createPeer } from '${base}/lib/index.js';
import { fromWebSocket } from '${base}/lib/websocket.js';

const HISTORY = 120;
const series = { calls: [], p50: [], p90: [], p99: [], inFlight: [], errors: [] };
const colors = { calls: '#2563eb', p50: '#16a34a', p90: '#ca8a04', p99: '#dc2626', inFlight: '#7c3aed', errors: '#dc2626' };
const $ = (id) => document.getElementById(id);
const number = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
let lastErrors;

function push(name, value) {
  const values = series[name];
  values.push(value);
  if (values.length > HISTORY) values.shift();
}

/** Draws the named series into an SVG as polylines, scaled to their common maximum. */
function chart(id, names) {
  const svg = $(id);
  const max = Math.max(1e-9, ...names.flatMap((name) => series[name]));
  svg.replaceChildren();
  svg.setAttribute('viewBox', '0 0 ' + HISTORY + ' 100');
  svg.setAttribute('preserveAspectRatio', 'none');
  for (const name of names) {
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    const values = series[name];
    const offset = HISTORY - values.length;
    line.setAttribute('points', values.map((v, i) => (offset + i) + ',' + (100 - (v / max) * 95).toFixed(2)).join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', colors[name]);
    line.setAttribute('stroke-width', '1.5');
    line.setAttribute('vector-effect', 'non-scaling-stroke');
    line.dataset.series = name;
    svg.append(line);
  }
  svg.dataset.max = String(max);
}

function rows(id, items, cells) {
  $(id).replaceChildren(
    ...items.map((item) => {
      const tr = document.createElement('tr');
      for (const text of cells(item)) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }),
  );
}

function render(frame) {
  const errors = Object.entries(frame.byCode).reduce((sum, [code, n]) => (code === 'OK' ? sum : sum + n), 0);
  push('calls', frame.callsPerSecond);
  push('p50', frame.p50);
  push('p90', frame.p90);
  push('p99', frame.p99);
  push('inFlight', frame.inFlight);
  push('errors', lastErrors === undefined ? 0 : errors - lastErrors);
  lastErrors = errors;
  $('calls-per-second').textContent = number(frame.callsPerSecond);
  $('p50').textContent = number(frame.p50);
  $('p90').textContent = number(frame.p90);
  $('p99').textContent = number(frame.p99);
  $('in-flight').textContent = String(frame.inFlight);
  $('rate-limited').textContent = number(frame.rateLimitedPerSecond);
  chart('chart-calls', ['calls']);
  chart('chart-latency', ['p50', 'p90', 'p99']);
  chart('chart-in-flight', ['inFlight']);
  chart('chart-errors', ['errors']);
  rows('errors', Object.entries(frame.byCode).sort((a, b) => b[1] - a[1]), ([code, n]) => [code, String(n)]);
  rows('methods', frame.methods, (m) => [
    m.method,
    String(m.calls),
    String(m.errors),
    number(m.p50),
    number(m.p99),
    String(m.inFlight),
    String(m.rateLimited),
    String(m.bytesIn),
    String(m.bytesOut),
  ]);
  $('alerts').replaceChildren(
    ...frame.alerts.map((alert) => {
      const li = document.createElement('li');
      li.dataset.state = alert.state;
      li.dataset.rule = alert.rule;
      li.textContent = alert.rule + ': ' + alert.state + ' (' + number(alert.value) + ')';
      return li;
    }),
  );
  $('status').textContent = 'live · ' + new Date(frame.time).toLocaleTimeString();
  $('status').dataset.state = 'live';
  document.body.dataset.frames = String(Number(document.body.dataset.frames ?? 0) + 1);
}

const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '${base}/ws');
const peer = createPeer(fromWebSocket(socket));
try {
  for await (const frame of peer.remote().$sys.Metrics.watch()) render(frame);
  $('status').textContent = 'ended';
} catch (error) {
  const denied = error && error.code === 'PERMISSION_DENIED';
  $('status').textContent = denied ? 'permission denied' : 'disconnected: ' + (error && error.message);
  $('status').dataset.state = denied ? 'denied' : 'down';
}
`;

const card = (title: string, value: string, chartId: string, legend = '') =>
  `<div class="card"><h2>${title}</h2><div class="big" id="${value}">–</div><svg id="${chartId}"></svg>${legend}</div>`;

/** The page served at `base` (its assets under `base/lib/`, its socket at `base/ws`). */
export function dashboardPage(base: string): string {
  const imports = JSON.stringify({ imports: { '@msgpack/msgpack': `${base}/vendor/msgpack/index.mjs` } });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>saltline dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${style}</style>
<script type="importmap">${imports}</script>
</head><body>
<h1>saltline<span id="status" data-state="connecting">connecting…</span></h1>
<div class="grid">
${card('Calls per second', 'calls-per-second', 'chart-calls')}
${card(
  'Latency (ms): p50 · p90 · p99',
  'p99',
  'chart-latency',
  '<div class="legend"><span>p50 <b id="p50">–</b></span><span>p90 <b id="p90">–</b></span></div>',
)}
${card('In flight', 'in-flight', 'chart-in-flight', '<div class="legend"><span>rate-limited/s <b id="rate-limited">–</b></span></div>')}
<div class="card"><h2>Errors per second</h2><svg id="chart-errors"></svg>
<table><thead><tr><th>code</th><th>calls</th></tr></thead><tbody id="errors"></tbody></table></div>
<div class="card"><h2>Alerts</h2><ul id="alerts"></ul></div>
</div>
<div class="card" style="margin-top:1rem"><h2>Methods</h2>
<table><thead><tr><th>method</th><th>calls</th><th>errors</th><th>p50 ms</th><th>p99 ms</th><th>in flight</th><th>rate-limited</th><th>bytes in</th><th>bytes out</th></tr></thead>
<tbody id="methods"></tbody></table></div>
<script type="module">${script(base)}</script>
</body></html>`;
}
