/**
 * The browser side: a plain saltline peer over a WebSocket to the Python service (forwarded by
 * this demo server). `?selftest` checks each feature once and reports in a banner and on
 * `document.documentElement.dataset.selftest`.
 */
import { createPeer, RpcError } from 'saltline';
import { fromWebSocket } from 'saltline/websocket';

interface PythonApi {
  hello(name: string): Promise<string>;
  add(a: number, b: number): Promise<number>;
  primes(limit: number): Promise<AsyncIterable<number>>;
  count(n: number, seconds: number): Promise<number>;
  sha256(data: Uint8Array): Promise<string>;
  fail(): Promise<never>;
  twice(fn: (x: number) => Promise<number>, x: number): Promise<number>;
}

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const log = (id: string, line: string, state: 'ok' | 'err' | 'busy' = 'ok') => {
  const out = $(id);
  out.className = `out ${state}`;
  out.textContent = `${line}\n${out.textContent ?? ''}`.split('\n').slice(0, 12).join('\n');
};
const describe = (error: unknown) =>
  error instanceof RpcError ? `${error.code}: ${error.message}` : `${(error as Error).name}: ${(error as Error).message}`;

const peer = createPeer(fromWebSocket(new WebSocket(`ws://${location.host}${location.pathname}ws`)), {
  expose: { progress: (step: number, of: number) => log('count-out', `progress ${step}/${of}`, 'busy') },
});
const api = peer.remote<PythonApi>();
addEventListener('pagehide', () => peer.close());

$('hello').addEventListener('click', () => api.hello('page').then((text) => log('calls-out', text)));
$('fail').addEventListener('click', () => api.fail().catch((error) => log('calls-out', describe(error), 'err')));
$('twice').addEventListener('click', () => api.twice(async (x) => x * 2, 21).then((n) => log('calls-out', `twice → ${n}`)));
$('primes').addEventListener('click', async () => {
  const found: number[] = [];
  for await (const prime of await api.primes(1000)) found.push(prime);
  log('primes-out', `${found.length} primes, the last ${found.slice(-5).join(', ')}`);
});
let controller: AbortController | undefined;
$('count').addEventListener('click', () => {
  controller = new AbortController();
  peer.call('count', [10, 0.5], { signal: controller.signal }).then(
    (n) => log('count-out', `counted to ${n}`),
    (error) => log('count-out', describe(error), 'err'),
  );
});
$('stop').addEventListener('click', () => controller?.abort());

async function selftest(): Promise<string[]> {
  const failures: string[] = [];
  const check = async (name: string, body: () => Promise<boolean>) => {
    try {
      if (!(await body())) failures.push(name);
    } catch (error) {
      failures.push(`${name}: ${describe(error)}`);
    }
  };
  await check('a call', async () => (await api.add(2, 3)) === 5);
  await check('bytes', async () => (await api.sha256(new TextEncoder().encode('abc'))).startsWith('ba7816bf'));
  await check('a stream', async () => {
    let n = 0;
    for await (const _ of await api.primes(1000)) n++;
    return n === 168;
  });
  await check('a callback', async () => (await api.twice(async (x) => x + 1, 1)) === 2);
  await check('an error', async () => {
    const error = await api.fail().catch((e: Error) => e);
    return error.name === 'ValueError';
  });
  await check('cancellation', async () => {
    const stop = new AbortController();
    const call = peer.call('count', [100, 0.05], { signal: stop.signal });
    setTimeout(() => stop.abort(), 100);
    return (await call.catch((e: RpcError) => e.code)) === 'CANCELLED';
  });
  return failures;
}

if (new URLSearchParams(location.search).has('selftest')) {
  const failures = await selftest();
  const banner = $('banner');
  banner.hidden = false;
  banner.textContent = failures.length ? `self-test failed: ${failures.join('; ')}` : 'self-test passed';
  banner.className = `banner ${failures.length ? 'err' : 'ok'}`;
  document.documentElement.dataset.selftest = failures.length ? 'failed' : 'passed';
}
