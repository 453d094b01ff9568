// Turns benchmark results into docs: the issue-7 goals table (issue 20's: ./issue20.mjs), the calls/s chart (SVG), and the
// generated blocks of docs/benchmarks.md (only between this tool's markers; everything else in
// the file, including other engineers' sections, is left as it is).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fmt, fmtRatio, median } from './measure.mjs';

// ---- machine ------------------------------------------------------------------------------------

/**
 * The shared peer-bench harness (`dir`, PEER_BENCH_DIR, default ../shared/peer-bench) and where its
 * `run` installs it (`home`, PEER_BENCH_HOME, default ${TMPDIR:-/tmp}/peer-bench-<hash of its lockfile>).
 */
export function peerBenchPaths(root) {
  const dir = resolve(root, process.env.PEER_BENCH_DIR ?? '../shared/peer-bench');
  const lock = join(dir, 'package-lock.json');
  const hash = existsSync(lock) ? createHash('sha256').update(readFileSync(lock)).digest('hex').slice(0, 12) : 'none';
  return { dir, home: process.env.PEER_BENCH_HOME ?? join(process.env.TMPDIR ?? '/tmp', `peer-bench-${hash}`) };
}

export function machine(root) {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {}
  let commit = process.env.SALTLINE_COMMIT ?? 'unknown';
  if (!process.env.SALTLINE_COMMIT)
    try {
      commit = execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=7'], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {}
  let built = 'unknown';
  try {
    built = statSync(new URL('../../dist/index.js', import.meta.url))
      .mtime.toISOString()
      .replace(/\.\d+Z$/, 'Z');
  } catch {}
  return {
    nproc: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    model,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    commit,
    built,
  };
}

export const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');

export function machineLine(m, extra = '') {
  return (
    `${m.nproc} × ${m.model} (nproc ${m.nproc}), ${m.platform}, Node ${m.node}; saltline \`${m.commit}\`, dist built ` +
    `${m.built}${extra}`
  );
}

// ---- goals ---------------------------------------------------------------------------------------

const pairedRatio = (stat, base) => (stat && base ? median(stat.samples.map((x, i) => x / base.samples[i])) : undefined);

/** The best peer library's ratio in the same table (neither raw nor saltline), for context. */
function bestPeer(stats, raw) {
  let best;
  for (const [name, stat] of Object.entries(stats ?? {})) {
    if (name === raw || /saltline/i.test(name)) continue;
    const r = pairedRatio(stat, stats[raw]);
    if (r !== undefined && (!best || r > best.ratio)) best = { name, ratio: r };
  }
  return best;
}

/**
 * The benchmark goals, as paired ratios to the raw transport in one peer-bench run.
 * `data` is the peer-bench results JSON (`results/latest.json`).
 */
export function goals(data, name = 'saltline') {
  const s1 = data?.data?.scenario1 ?? [];
  const mc = s1.find((t) => /same thread/i.test(t.title));
  const worker = s1.find((t) => /worker/i.test(t.title));
  const ws = data?.data?.scenario2;
  const s3 = data?.data?.scenario3 ?? [];
  const workerPayload = s3.find((t) => /worker/i.test(t.title));
  const wsPayload = s3.find((t) => /websocket/i.test(t.title));
  const rawOf = (stats) => Object.keys(stats ?? {}).find((k) => /^raw/i.test(k));
  const row = (label, target, stats, extraNote) => {
    const raw = rawOf(stats);
    const ratio = stats && raw ? pairedRatio(stats[name], stats[raw]) : undefined;
    const best = stats && raw ? bestPeer(stats, raw) : undefined;
    const status = ratio === undefined ? 'not measured' : ratio >= target ? '**met**' : '**not met**';
    return { label, target, ratio, status, best, note: extraNote };
  };
  return [
    row('MessageChannel, 100 in flight', 1.0, mc?.data?.inflight),
    row('MessageChannel, sequential', 0.75, mc?.data?.sequential),
    row('WebSocket, 100 in flight', 1.0, ws?.data?.inflight),
    row('WebSocket, sequential', 0.8, ws?.data?.sequential),
    row('1 MiB over WebSocket (MB/s)', 0.9, wsPayload?.data?.bytes1m),
    row('1 MiB over a worker (MB/s)', 0.9, workerPayload?.data?.bytes1m),
    row('(for reference) worker, 100 in flight', 1.0, worker?.data?.inflight, 'not a goal: the MessageChannel goals, cross-thread'),
    row('(for reference) worker, sequential', 0.75, worker?.data?.sequential, 'not a goal'),
  ];
}

export function goalsTable(rows) {
  const lines = ['| goal | target | saltline vs raw | status | best peer in the same run |', '| --- | ---: | ---: | --- | --- |'];
  for (const r of rows) {
    const best = r.best ? `${r.best.name} ${fmtRatio(r.best.ratio)}` : '–';
    lines.push(
      `| ${r.label} | ≥ ${r.target.toFixed(2)}× | ${fmtRatio(r.ratio)} | ${r.note && r.ratio !== undefined ? r.note : r.status} | ` +
        `${best} |`,
    );
  }
  return lines.join('\n');
}

// ---- chart -----------------------------------------------------------------------------------------

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * calls/s by library and transport: one panel per transport and mode, one bar per library
 * (raw grey, saltline highlighted), each labelled with its median and its ratio to raw.
 */
export function callsChart(data) {
  const panels = [];
  const add = (title, stats) => {
    if (!stats) return;
    const names = Object.keys(stats);
    const raw = names.find((k) => /^raw/i.test(k));
    const ordered = [raw, ...names.filter((n) => n !== raw)].filter(Boolean);
    panels.push({
      title,
      bars: ordered.map((n) => ({ name: n, value: stats[n].median, ratio: raw ? pairedRatio(stats[n], stats[raw]) : undefined })),
    });
  };
  for (const t of data?.data?.scenario1 ?? []) {
    const where = /same thread/i.test(t.title) ? 'MessageChannel, same thread' : 'worker_threads Worker';
    add(`${where}: sequential`, t.data.sequential);
    add(`${where}: ${data.config?.depth ?? 100} in flight`, t.data.inflight);
  }
  const ws = data?.data?.scenario2;
  if (ws) {
    add('WebSocket (ws, loopback): sequential', ws.data.sequential);
    add(`WebSocket (ws, loopback): ${data.config?.depth ?? 100} in flight`, ws.data.inflight);
  }
  const cols = 2;
  const labelW = 128;
  const barW = 230;
  const valueW = 96;
  const panelW = labelW + barW + valueW;
  const rowH = 17;
  const gap = 22;
  const titleH = 20;
  const rows = Math.ceil(panels.length / cols);
  const panelH = panels.map((p) => titleH + p.bars.length * rowH);
  const rowHeights = Array.from({ length: rows }, (_, r) => Math.max(...panelH.slice(r * cols, r * cols + cols)));
  const top = 46;
  const width = cols * panelW + (cols - 1) * gap + 20;
  const height = top + rowHeights.reduce((a, b) => a + b + gap, 0) + 10;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="600">add(a, b) calls per second, by library and transport (median of ` +
      `${data.config?.rounds ?? '?'} rounds)</text>`,
    `<text x="10" y="34" fill="#555">peer-bench run ${esc(data.date ?? '')}, Node ${esc(data.node ?? '')}. Each panel has its own ` +
      `scale; "×" = paired ratio to the raw transport in the same run.</text>`,
  ];
  let y = top;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const p = panels[r * cols + c];
      if (!p) continue;
      const x = 10 + c * (panelW + gap);
      const max = Math.max(...p.bars.map((b) => b.value));
      out.push(`<text x="${x}" y="${y + 12}" font-weight="600">${esc(p.title)}</text>`);
      p.bars.forEach((b, i) => {
        const by = y + titleH + i * rowH;
        const w = Math.max(1, (b.value / max) * barW);
        const isRaw = /^raw/i.test(b.name);
        const isOurs = /saltline/i.test(b.name);
        const fill = isRaw ? '#9e9e9e' : isOurs ? '#00897b' : '#90a4ae';
        const weight = isOurs ? ' font-weight="600"' : '';
        out.push(
          `<text x="${x + labelW - 6}" y="${by + 11}" text-anchor="end"${weight}>${esc(b.name)}</text>`,
          `<rect x="${x + labelW}" y="${by + 2}" width="${w.toFixed(1)}" height="${rowH - 5}" fill="${fill}"/>`,
          `<text x="${x + labelW + w + 4}" ` +
            `y="${by + 11}"${weight}>${fmt(b.value)}${isRaw || b.ratio === undefined ? '' : ` · ${fmtRatio(b.ratio)}`}</text>`,
        );
      });
    }
    y += rowHeights[r] + gap;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

// ---- docs/benchmarks.md ------------------------------------------------------------------------------

const TEMPLATE = `# Benchmarks

saltline measured against the raw transports and against other JavaScript RPC libraries, in one
run on one machine (ratios to the raw transport in the same run are the figures that
count; numbers from different runs or machines are not comparable). \`npm run bench\` regenerates
the blocks between the \`saltline-bench\` markers; the text around them is written by hand.

## Peer comparison

## Own benchmarks

## Size
`;

const START = (id) => `<!-- saltline-bench:${id}:start (generated by bench/run.mjs; edits inside are overwritten) -->`;
const END = (id) => `<!-- saltline-bench:${id}:end -->`;

/**
 * Replaces the generated block `id` in `file` with `body`. A missing block is placed right
 * under `heading` (created at the end when absent); text outside the markers is kept.
 */
export function writeBlock(file, id, heading, body) {
  let text = existsSync(file) ? readFileSync(file, 'utf8') : TEMPLATE;
  const block = `${START(id)}\n\n${body.trim()}\n\n${END(id)}`;
  const re = new RegExp(`<!-- saltline-bench:${id}:start[^>]*-->[\\s\\S]*?<!-- saltline-bench:${id}:end -->`);
  if (re.test(text)) {
    text = text.replace(re, () => block);
  } else {
    const h = new RegExp(`^## ${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]*$`, 'm');
    const m = h.exec(text);
    if (m) {
      const at = m.index + m[0].length;
      const rest = text.slice(at);
      text = `${text.slice(0, at)}\n\n${block}${rest.startsWith('\n\n') ? '' : '\n'}${rest}`;
    } else {
      text = `${text.trimEnd()}\n\n## ${heading}\n\n${block}\n`;
    }
  }
  writeFileSync(file, text);
}

/** The peer-bench markdown with its headings moved one level down, to sit under "Peer comparison". */
export function nestHeadings(markdown) {
  return markdown.replace(/^(#{2,5}) /gm, (_, h) => `#${h} `);
}
