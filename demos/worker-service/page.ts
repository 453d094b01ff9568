/**
 * The page side: start the worker, make a peer on it, and call the service through a typed
 * proxy. `peer.call(name, args, options)` is the form that takes a signal or a timeout.
 *
 * Open with `?selftest` to run every example once, check the results, and report in a banner
 * (and on `document.documentElement.dataset.selftest`) — handy for headless checks.
 */
import { createPeer, type PeerStats, RpcError } from 'saltline';
import { fromWorker } from 'saltline/worker';
import type { FailKind, PrimesResult, Service, SlowResult, Stats, WorkerStatus } from './service.js';

// ---- the peer --------------------------------------------------------------------------------

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
// `terminate: true`: closing the peer also terminates the worker.
const peer = createPeer(fromWorker(worker, { terminate: true }));
const api = peer.remote<Service>();

// A worker that fails to load never says hello, so calls would wait for their timeout: report it.
worker.addEventListener('error', (event) => {
  const why = event.message || 'the worker script failed to load (see the console)';
  showBanner(`Worker error: ${why}`, false);
  peer.close(new Error(why));
});
addEventListener('pagehide', () => peer.close());

// ---- small helpers ---------------------------------------------------------------------------

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

function input(id: string): HTMLInputElement {
  return $<HTMLInputElement>(id);
}

function show(out: HTMLElement, state: 'ok' | 'err' | 'busy', text: string): void {
  out.className = `out ${state}`;
  out.textContent = text;
}

function showBanner(text: string, ok: boolean): void {
  const banner = $('banner');
  banner.hidden = false;
  banner.className = ok ? 'banner' : 'banner err';
  banner.textContent = text;
}

/** JSON with bigints as `123n`, so any value the worker returns can be shown. */
function format(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  return JSON.stringify(value, (_key, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x), 2) ?? String(value);
}

function elapsed(started: number): string {
  const ms = performance.now() - started;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** Name, code, message, class, own properties and the whole cause chain of whatever was thrown. */
function describeError(error: unknown, depth = 0): string {
  const pad = '  '.repeat(depth);
  if (!(error instanceof Error)) return `${pad}thrown value (not an Error): ${format(error)}`;
  const lines: string[] = [];
  const code = error instanceof RpcError ? ` [${error.code}]` : '';
  lines.push(`${pad}${error.name}${code}: ${error.message}`);
  // The class the error was rebuilt as here (a bundler may rename classes, so RpcError by test).
  const ctor = error instanceof RpcError ? 'RpcError' : ((error as { constructor?: { name?: string } }).constructor?.name ?? '?');
  lines.push(`${pad}  class: ${ctor}`);
  if (error instanceof RpcError && error.data !== undefined) lines.push(`${pad}  data: ${format(error.data)}`);
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (error instanceof RpcError && (key === 'code' || key === 'data')) continue;
    props[key] = (error as unknown as Record<string, unknown>)[key];
  }
  if (Object.keys(props).length > 0) lines.push(`${pad}  own properties: ${format(props)}`);
  if ('cause' in error && error.cause !== undefined) {
    lines.push(`${pad}  caused by:`);
    lines.push(describeError(error.cause, depth + 2));
  }
  return lines.join('\n');
}

/** Runs one call, showing "busy", then the result or the error, and how long it took. */
async function run<T>(out: HTMLElement, label: string, call: () => Promise<T>, render: (value: T) => string): Promise<T> {
  show(out, 'busy', `${label} …`);
  const started = performance.now();
  try {
    const value = await call();
    show(out, 'ok', `${render(value)}\n\n✓ ${label} · ${elapsed(started)}`);
    return value;
  } catch (error) {
    show(out, 'err', `${describeError(error)}\n\n✗ ${label} · ${elapsed(started)}`);
    throw error;
  } finally {
    void refreshWorkerStats();
  }
}

const ignore = (): void => {};

// ---- primes, fib, stats ----------------------------------------------------------------------

function doPrimes(): Promise<PrimesResult> {
  const limit = input('primes-limit').valueAsNumber;
  return run(
    $('primes-out'),
    `api.primes(${limit})`,
    () => api.primes(limit),
    (r) =>
      [
        `${r.count.toLocaleString('en')} primes ≤ ${r.limit.toLocaleString('en')} (sieved in ${r.elapsedMs} ms in the worker)`,
        `first: ${r.head.join(', ')}`,
        r.tail.length ? `last:  ${r.tail.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
  );
}

function doFib(): Promise<bigint> {
  const n = input('fib-n').valueAsNumber;
  return run(
    $('fib-out'),
    `api.fib(${n})`,
    () => api.fib(n),
    (value) => {
      const digits = value.toString().length;
      return `fib(${n}) = ${value}n\n(${typeof value}, ${digits} digit${digits === 1 ? '' : 's'})`;
    },
  );
}

function parseNumbers(text: string): number[] {
  return text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map(Number);
}

function doStats(): Promise<Stats> {
  const numbers = parseNumbers(input('stats-numbers').value);
  const shown = numbers.length > 6 ? `[${numbers.slice(0, 6).join(', ')}, …]` : `[${numbers.join(', ')}]`;
  return run(
    $('stats-out'),
    `api.stats(${shown})`,
    () => api.stats(numbers),
    (s) =>
      Object.entries(s)
        .map(([key, value]) => `${key.padEnd(7)} ${Number.isInteger(value) ? value : value.toFixed(4)}`)
        .join('\n'),
  );
}

$('primes-form').addEventListener('submit', (event) => {
  event.preventDefault();
  doPrimes().catch(ignore);
});
$('fib-form').addEventListener('submit', (event) => {
  event.preventDefault();
  doFib().catch(ignore);
});
$('stats-form').addEventListener('submit', (event) => {
  event.preventDefault();
  doStats().catch(ignore);
});

// ---- slow: cancel and timeout ----------------------------------------------------------------

let slowController: AbortController | undefined;

function describeStatus(status: WorkerStatus): string {
  const last = status.lastAbort;
  return [
    `worker saw: ${status.slowStarted} started, ${status.slowCompleted} completed, ${status.slowAborted} aborted`,
    last ? `last ctx.signal.reason: ${last.name}${last.code ? ` [${last.code}]` : ''}: ${last.message}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** Starts `slow(ms)` with an AbortController (and a timeout when given); settles with the outcome. */
async function doSlow(timeout?: number): Promise<SlowResult> {
  const ms = input('slow-ms').valueAsNumber;
  const out = $('slow-out');
  slowController?.abort(new Error('replaced by a newer call'));
  const controller = new AbortController();
  slowController = controller;
  const cancel = $<HTMLButtonElement>('slow-cancel');
  cancel.disabled = false;
  const options = timeout === undefined ? { signal: controller.signal } : { signal: controller.signal, timeout };
  const label = `peer.call('slow', [${ms}], { signal${timeout === undefined ? '' : `, timeout: ${timeout}`} })`;
  const started = performance.now();
  const ticker = setInterval(() => show(out, 'busy', `${label}\nwaiting… ${elapsed(started)}`), 100);
  show(out, 'busy', `${label}\nwaiting…`);
  try {
    const result = await peer.call<SlowResult>('slow', [ms], options);
    const budget = result.budgetMs === null ? 'no deadline' : `caller's budget at start: ${result.budgetMs} ms`;
    show(out, 'ok', `waited ${result.waitedMs} ms in the worker (${budget})\n\n✓ ${label} · ${elapsed(started)}`);
    return result;
  } catch (error) {
    show(out, 'err', `${describeError(error)}\n\n✗ ${label} · ${elapsed(started)}`);
    throw error;
  } finally {
    clearInterval(ticker);
    if (slowController === controller) {
      slowController = undefined;
      cancel.disabled = true;
    }
    // The cancel message has gone to the worker before this call: its status shows the abort.
    const status = await api.status().catch(() => undefined);
    if (status) out.textContent += `\n${describeStatus(status)}`;
    void refreshWorkerStats();
  }
}

$('slow-start').addEventListener('click', () => doSlow().catch(ignore));
$('slow-timed').addEventListener('click', () => doSlow(input('slow-timeout').valueAsNumber).catch(ignore));
$('slow-cancel').addEventListener('click', () => slowController?.abort(new Error('the user pressed Cancel')));

// ---- fail: errors ----------------------------------------------------------------------------

function doFail(kind: FailKind): Promise<never> {
  return run(
    $('fail-out'),
    `api.fail('${kind}')`,
    () => api.fail(kind),
    () => 'unexpectedly succeeded',
  );
}

function doMissing(): Promise<unknown> {
  return run($('fail-out'), `peer.call('noSuchMethod')`, () => peer.call('noSuchMethod'), format);
}

for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-fail]')) {
  button.addEventListener('click', () => doFail(button.dataset.fail as FailKind).catch(ignore));
}
$('missing').addEventListener('click', () => doMissing().catch(ignore));

// ---- stats -----------------------------------------------------------------------------------

let pageStats: PeerStats = peer.stats();
let workerStats: PeerStats | undefined;

/** One row per statistic: the page's (live) next to the worker's (as of its last read). */
function renderStats(): void {
  const keys = new Set([...Object.keys(pageStats), ...Object.keys(workerStats ?? {})]);
  const rows = [...keys].map((key) => {
    const row = document.createElement('tr');
    for (const text of [key, pageStats[key as keyof PeerStats], workerStats?.[key as keyof PeerStats]]) {
      const cell = document.createElement('td');
      cell.textContent = text === undefined ? '–' : String(text);
      row.append(cell);
    }
    return row;
  });
  $('stats-body').replaceChildren(...rows);
}

async function refreshWorkerStats(): Promise<void> {
  if (peer.stats().closed) return;
  workerStats = await api.peerStats().catch(() => undefined);
  renderStats();
}

setInterval(() => {
  pageStats = peer.stats();
  renderStats();
}, 100);
renderStats();
void refreshWorkerStats();

// ---- self-test -------------------------------------------------------------------------------

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, it succeeded');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function selftest(): Promise<void> {
  const checks: Check[] = [];
  const check = async (name: string, body: () => Promise<void>) => {
    try {
      await body();
      checks.push({ name, ok: true, detail: '' });
    } catch (error) {
      checks.push({ name, ok: false, detail: describeError(error) });
    }
  };
  const set = (id: string, value: string) => (input(id).value = value);

  await check('primes(1e6) counts 78,498 primes', async () => {
    set('primes-limit', '1000000');
    const r = await doPrimes();
    expect(r.count === 78_498 && r.largest === 999_983, `got ${r.count} primes, largest ${r.largest}`);
  });
  await check('primes(-1) is refused with INVALID_ARGUMENT', async () => {
    const e = await rejection(api.primes(-1));
    expect(e instanceof RpcError && e.code === 'INVALID_ARGUMENT', describeError(e));
  });
  await check('fib(300) is an exact bigint', async () => {
    set('fib-n', '300');
    const value = await doFib();
    expect(typeof value === 'bigint', `got a ${typeof value}`);
    expect(value === 222232244629420445529739893461909967206666939096499764990979600n, `got ${value}`);
  });
  await check('stats() of ten numbers', async () => {
    set('stats-numbers', '3, 1, 4, 1, 5, 9, 2, 6, 5, 3');
    const s = await doStats();
    expect(s.count === 10 && s.sum === 39 && s.median === 3.5 && s.min === 1 && s.max === 9, format(s));
  });
  await check('non-Error thrown arrives as the value', async () => {
    const e = await rejection(doFail('thrown'));
    expect(!(e instanceof Error) && (e as { reason?: string }).reason === 'a plain object was thrown', format(e));
  });
  await check('unknown method is NOT_FOUND', async () => {
    const e = await rejection(doMissing());
    expect(e instanceof RpcError && e.code === 'NOT_FOUND', describeError(e));
  });
  await check('custom error keeps its name and own properties', async () => {
    const e = (await rejection(doFail('custom'))) as Error & { limit?: number; used?: number; retryAfterMs?: number };
    expect(e instanceof Error && e.name === 'QuotaError', describeError(e));
    expect(e.limit === 100 && e.used === 137 && e.retryAfterMs === 2500, describeError(e));
  });
  await check('RpcError keeps code, data and cause', async () => {
    const e = await rejection(doFail('rpc'));
    expect(e instanceof RpcError && e.code === 'PERMISSION_DENIED', describeError(e));
    expect((e.data as { required?: string }).required === 'admin', describeError(e));
    expect(e.cause instanceof Error && e.cause.message === 'token scope is "read"', describeError(e));
  });
  await check('TypeError keeps its class and a three-level cause chain', async () => {
    const e = await rejection(doFail('type'));
    expect(e instanceof TypeError, describeError(e));
    const cause = e.cause as Error;
    expect(cause instanceof Error && cause.cause instanceof SyntaxError, describeError(e));
  });
  await check('Cancel aborts the call here and ctx.signal in the worker', async () => {
    set('slow-ms', '3000');
    const pending = rejection(doSlow());
    await sleep(300);
    $('slow-cancel').click();
    const started = performance.now();
    const e = await pending;
    expect(e instanceof RpcError && e.code === 'CANCELLED', describeError(e));
    expect(performance.now() - started < 1000, 'the call did not reject promptly');
    const status = await api.status();
    expect(status.lastAbort?.code === 'CANCELLED', describeStatus(status));
  });
  await check('a 500 ms timeout gives DEADLINE_EXCEEDED on both sides', async () => {
    set('slow-ms', '3000');
    set('slow-timeout', '500');
    const started = performance.now();
    const e = await rejection(doSlow(500));
    const took = performance.now() - started;
    expect(e instanceof RpcError && e.code === 'DEADLINE_EXCEEDED', describeError(e));
    expect(took >= 450 && took < 1500, `rejected after ${Math.round(took)} ms`);
    const status = await api.status();
    expect(status.lastAbort?.code === 'DEADLINE_EXCEEDED' && status.slowAborted === 2, describeStatus(status));
  });
  await check('slow(200) without a timeout completes', async () => {
    // Called directly, not through the card, so the card keeps showing the timeout above.
    const result = await peer.call<SlowResult>('slow', [200], { timeout: 0 });
    expect(result.waitedMs >= 190 && result.budgetMs === null, format(result));
  });
  await check('the page peer is idle afterwards', async () => {
    const stats = peer.stats();
    expect(stats.ready && stats.pendingCalls === 0 && stats.timers === 0 && stats.malformed === 0, format(stats));
    const remote = await api.peerStats();
    // The worker's count includes the peerStats call that reads it.
    expect(remote?.activeHandlers === 1 && remote.malformed === 0, format(remote));
  });

  const failed = checks.filter((c) => !c.ok);
  const summary = `Self-test: ${checks.length - failed.length}/${checks.length} checks passed`;
  showBanner(failed.length ? `${summary} — failed: ${failed.map((c) => c.name).join('; ')}` : summary, failed.length === 0);
  for (const c of checks) (c.ok ? console.info : console.error)(`${c.ok ? 'PASS' : 'FAIL'} ${c.name}${c.detail ? `\n${c.detail}` : ''}`);
  Object.assign(window, { selftestResults: checks });
  document.documentElement.dataset.selftest = failed.length ? 'fail' : 'pass';
}

if (new URLSearchParams(location.search).has('selftest')) {
  selftest().catch((error: unknown) => {
    showBanner(`Self-test crashed: ${describeError(error)}`, false);
    document.documentElement.dataset.selftest = 'fail';
  });
}
