// Issue 20's goals table ("Performance round 2"): one row per goal of the issue, each with its
// figure from this run, the goal, met or not, and the suite it came from. The rows come from two
// suites — the peer comparison (calls and payloads against the raw transport, plain and secure
// saltline in the same tables) and the own benchmarks (streams over WebSocket; 1 MiB over a
// WebSocket from Chromium) — so a row whose
// suite did not run says so instead of showing an older figure. A row that misses its goal links
// the hand-written section of docs/benchmarks.md that gives the measured reason.
import { fmt, fmtRatio, ratio } from './measure.mjs';

const PLAIN = 'saltline';
const SECURE = 'saltline (secure)';
/** The own benchmarks' WebSocket stream case with the default window (bench/lib/net-streams.mjs). */
const WS_STREAM = 'WebSocket: saltline (streamWindow 16, the default)';
const WS_RAW = 'WebSocket: raw ws (every chunk sent at once, then an end marker)';

/** Hand-written sections of docs/benchmarks.md (GitHub's heading anchors) that explain a miss. */
const WHY = {
  sequential: '[Why MessageChannel sequential stays below](#where-the-time-goes-and-what-moves-each-goal-hand-written)',
  copies: '[Fewer copies, streams over WebSocket, size](#fewer-copies-streams-over-websocket-size-issue-20-items-2-4-and-5-hand-written)',
  crypto: '[Crypto backends](#crypto-backends-issue-20-hand-written)',
  smallCalls: '[Why sequential calls in one thread stay below 0.5×](#secure-channel)',
  allocator:
    '[The worker rows, the allocator, and CPU per MiB](#issue-20-round-2-the-worker-rows-the-allocator-and-cpu-per-mib-hand-written)',
};

const SUITES = {
  peer: 'peer comparison',
  own: 'own benchmarks (streams over WebSocket)',
  chromium: 'own benchmarks (Chromium to Node over WebSocket)',
};

const MiB = 1024 * 1024;
/** Which result each suite's rows read. */
const SOURCE = { peer: 'peer', own: 'own', chromium: 'own' };

const rawOf = (stats) => stats?.[Object.keys(stats).find((k) => /^raw/i.test(k))];
const callTable = (peer, title) => peer?.data?.scenario1?.find((t) => title.test(t.title))?.data;
const payloadTable = (peer, title) => peer?.data?.scenario3?.find((t) => title.test(t.title))?.data;

/**
 * One row's figure: the paired ratio of `stat` to `base` (rates from one interleaved table), and
 * both medians scaled to `unit` (`scale` per call: bytes per call / 1e6 for MB/s, 1 for calls/s).
 */
const compare = (stat, base, scale, unit) =>
  stat && base ? { ratio: ratio(stat, base), ours: stat.median * scale, base: base.median * scale, unit } : undefined;
/** saltline (or secure saltline) against the raw row of a payload table, in MB/s. */
const payload = (table, name, bytes) => compare(table?.[name], rawOf(table), bytes / 1e6, 'MB/s');

/**
 * The rows, in the issue's order. `figure(results)` returns `compare(...)` from one run, or
 * undefined when that run has no such case; `suite` says which result it reads.
 */
const ROWS = [
  {
    label: 'encrypted 1 MiB over WebSocket, Node (MB/s vs raw ws)',
    cpu: ['WebSocket, 1 MiB', 'secure', 'raw'],
    target: 0.4,
    suite: 'peer',
    secure: true,
    why: WHY.crypto,
    figure: ({ peer }) => {
      return payload(payloadTable(peer, /websocket/i)?.bytes1m, SECURE, MiB);
    },
  },
  {
    label: 'encrypted 1 MiB over WebSocket, Chromium (MB/s vs the faster raw WebSocket: one message or 64 KiB ones)',
    target: 0.2,
    suite: 'chromium',
    secure: true,
    backend: "libsodium's WebAssembly build (`crypto: 'libsodium'`, the browser's opt-in backend)",
    why: WHY.crypto,
    figure: ({ own }) => {
      // Against the faster raw baseline: Chromium sends one 1 MiB message slower than 16 of 64 KiB.
      const page = own?.suites?.['chromium-ws']?.data;
      const raw = [page?.raw, page?.raw64k].filter(Boolean).sort((a, b) => b.median - a.median)[0];
      return compare(page?.libsodium, raw, 1, 'MB/s');
    },
  },
  {
    label: 'encrypted 64 KiB over a worker (MB/s vs raw)',
    cpu: ['worker, 64 KiB', 'secure', 'raw'],
    target: 0.3,
    suite: 'peer',
    secure: true,
    why: `${WHY.allocator}; ${WHY.crypto}`,
    figure: ({ peer }) => {
      return payload(payloadTable(peer, /worker/i)?.bytes64k, SECURE, 64 * 1024);
    },
  },
  {
    label: 'encrypted 1 MiB over a worker (MB/s vs raw)',
    cpu: ['worker, 1 MiB', 'secure', 'raw'],
    target: 0.3,
    suite: 'peer',
    secure: true,
    why: `${WHY.allocator}; ${WHY.crypto}`,
    figure: ({ peer }) => {
      return payload(payloadTable(peer, /worker/i)?.bytes1m, SECURE, MiB);
    },
  },
  {
    label: 'encrypted small calls, sequential, same thread (calls/s vs plain saltline)',
    cpu: ['MessageChannel, same thread, add(2, 3)', 'secure', 'saltline'],
    target: 0.6,
    suite: 'peer',
    secure: true,
    why: `${WHY.smallCalls}; ${WHY.crypto}`,
    figure: ({ peer }) => {
      const t = callTable(peer, /same thread/i)?.sequential;
      return compare(t?.[SECURE], t?.[PLAIN], 1, 'calls/s');
    },
  },
  {
    label: 'MessageChannel, sequential (calls/s vs raw)',
    cpu: ['MessageChannel, same thread, add(2, 3)', 'saltline', 'raw'],
    target: 0.8,
    suite: 'peer',
    why: WHY.sequential,
    figure: ({ peer }) => {
      const t = callTable(peer, /same thread/i)?.sequential;
      return compare(t?.[PLAIN], rawOf(t), 1, 'calls/s');
    },
  },
  {
    label: 'streams over WebSocket, 64 KiB chunks (MB/s vs a raw socket)',
    target: 0.85,
    suite: 'own',
    why: WHY.copies,
    figure: ({ own }) => {
      const streams = (own?.suites?.['net-streams'] ?? own?.suites?.['ws-streams'])?.data;
      return compare(streams?.cases?.[WS_STREAM]?.stats, streams?.cases?.[WS_RAW]?.stats, (streams?.bytesPerCall ?? 0) / 1e6, 'MB/s');
    },
  },
  {
    label: '1 MiB over WebSocket (MB/s vs raw ws)',
    cpu: ['WebSocket, 1 MiB', 'saltline', 'raw'],
    target: 1.0,
    suite: 'peer',
    why: `${WHY.copies}; ${WHY.allocator}`,
    figure: ({ peer }) => {
      return payload(payloadTable(peer, /websocket/i)?.bytes1m, PLAIN, MiB);
    },
  },
  {
    label: '1 MiB over a worker (MB/s vs raw)',
    cpu: ['worker, 1 MiB', 'saltline', 'raw'],
    target: 1.0,
    suite: 'peer',
    why: `${WHY.allocator}; ${WHY.copies}`,
    figure: ({ peer }) => {
      return payload(payloadTable(peer, /worker/i)?.bytes1m, PLAIN, MiB);
    },
  },
];

/**
 * The steadier figure beside a row's wall-clock ratio (bench/lib/cpu.mjs): baseline CPU / saltline CPU
 * of both ends, so it reads like the goal (≥ target is as good), per allocator mode; undefined when
 * the `cpu` suite did not run or the row has no such case.
 */
function cpuFigure(own, [row, ours, base]) {
  const modes = own?.suites?.cpu?.data;
  if (!modes || !row) return undefined;
  const inverse = (mode) => {
    const r = ratio(modes[mode]?.rows?.[row]?.[ours], modes[mode]?.rows?.[row]?.[base]);
    return r === undefined ? undefined : 1 / r;
  };
  return { pinned: inverse('pinned'), default: inverse('default') };
}

/**
 * Issue 20's rows from one run. `results` holds what ran this time: `peer` (the peer-bench
 * results JSON) and `own` (bench/own.mjs's JSON); a suite left out makes its rows "did not run".
 */
export function issue20Goals(results) {
  return ROWS.map((r) => {
    const base = {
      label: r.label,
      target: r.target,
      suite: SUITES[r.suite],
      secure: !!r.secure,
      backend: r.backend,
      why: r.why,
      cpu: cpuFigure(results.own, r.cpu ?? []),
    };
    if (!results[SOURCE[r.suite]]) return { ...base, status: `not measured: the ${SUITES[r.suite]} did not run this time` };
    const figure = r.figure(results);
    if (figure === undefined) return { ...base, status: `not measured: no such case in the ${SUITES[r.suite]}` };
    const met = figure.ratio >= r.target;
    return { ...base, ...figure, met, status: met ? '**met**' : '**not met**' };
  });
}

/** The markdown table of `issue20Goals`; `backend` is the secretbox backend the encrypted rows used. */
export function issue20Table(rows, backend) {
  const lines = [
    '| goal (issue 20) | target | this run | saltline / baseline (medians) | status | by CPU of both ends: pinned · default allocator | suite | measured reason for a miss |',
    '| --- | ---: | ---: | ---: | --- | ---: | --- | --- |',
  ];
  for (const r of rows) {
    const suite = r.secure && r.ratio !== undefined ? `${r.suite}; \`${SECURE}\` on ${r.backend ?? backend}` : r.suite;
    const why = r.met === false || r.ratio === undefined ? r.why : '';
    const medians = r.ratio === undefined ? '' : `${fmt(r.ours)} / ${fmt(r.base)} ${r.unit}`;
    const cpu = r.cpu ? `${fmtRatio(r.cpu.pinned)} · ${fmtRatio(r.cpu.default)}` : '–';
    lines.push(
      `| ${r.label} | ≥ ${r.target.toFixed(2)}× | ${fmtRatio(r.ratio)} | ${medians} | ${r.status} | ${cpu} | ${suite} | ${why} |`,
    );
  }
  return lines.join('\n');
}
