/**
 * The browser client: `connectWebSocket` to the Node service on this demo server, a typed proxy
 * of its API, and an exposed API the service calls back. `?selftest` checks every feature once
 * (including a dropped connection and the redial) and reports in a banner and on
 * `document.documentElement.dataset.selftest`.
 */
import { createPeer, RpcError } from 'saltline';
import { type ConnectionStateChange, connectWebSocket } from 'saltline/websocket';
import type { ClientApi, ServiceApi } from './api.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const log = (id: string, line: string, state: 'ok' | 'err' | 'busy' = 'ok') => {
  const out = $(id);
  out.className = `out ${state}`;
  out.textContent = `${line}\n${out.textContent ?? ''}`.split('\n').slice(0, 12).join('\n');
};

const dialer = connectWebSocket(`ws://${location.host}${location.pathname}ws`, {
  reconnect: { initialDelay: 250, maxDelay: 5_000, whileDown: 'hold', maxWait: 15_000 },
});
const describeState = ({ state, attempt, delay }: ConnectionStateChange) =>
  delay === undefined ? state : `${state}: dial #${attempt + 1} in ${Math.round(delay)} ms`;

const said: string[] = [];
const client: ClientApi = {
  said: (from, text) => {
    said.push(text);
    log('chat-out', `${from}: ${text}`);
  },
  progress: (step, of) => log('count-out', `progress ${step}/${of}`, 'busy'),
  whoAreYou: () => `a page (${navigator.userAgent.split(' ').pop()})`,
};
const peer = createPeer(dialer, { expose: client, timeout: 20_000 });
log('state-out', peer.state, 'busy');
peer.onStateChange((change) => log('state-out', describeState(change), change.state === 'open' ? 'ok' : 'busy'));
const api = peer.remote<ServiceApi>();
addEventListener('pagehide', () => peer.close());

const describe = (error: unknown) => (error instanceof RpcError ? `${error.code}: ${error.message}` : String(error));

const me = api.hello('page').then((r) => (log('state-out', `hello: I am #${r.id}, ${r.clients} client(s)`), r));

$('say-form').addEventListener('submit', (event) => {
  event.preventDefault();
  api.say($<HTMLInputElement>('say-text').value).catch((e) => log('chat-out', describe(e), 'err'));
});
$('drop').addEventListener('click', () => peer.notify('drop'));
$('stats').addEventListener('click', () =>
  api.stats().then(
    (s) => log('state-out', JSON.stringify(s)),
    (e) => log('state-out', describe(e), 'err'),
  ),
);
$('file').addEventListener('change', async () => {
  const file = $<HTMLInputElement>('file').files?.[0];
  if (!file) return;
  log('sha-out', `hashing ${file.name} (${file.size} bytes)…`, 'busy');
  try {
    log('sha-out', `${file.name}: ${await api.sha256(new Uint8Array(await file.arrayBuffer()))}`);
  } catch (error) {
    log('sha-out', describe(error), 'err');
  }
});

let counting: AbortController | undefined;
$('count').addEventListener('click', async () => {
  counting?.abort();
  const controller = (counting = new AbortController());
  $<HTMLButtonElement>('cancel').disabled = false;
  try {
    log('count-out', `done: ${await peer.call('count', [20, 200], { signal: controller.signal })}`);
  } catch (error) {
    log('count-out', describe(error), 'err');
  } finally {
    $<HTMLButtonElement>('cancel').disabled = true;
  }
});
$('cancel').addEventListener('click', () => counting?.abort());

// ---- self-test -------------------------------------------------------------------------------

async function selftest(): Promise<string[]> {
  const failures: string[] = [];
  const check = async (name: string, body: () => Promise<unknown>) => {
    try {
      await body();
    } catch (error) {
      failures.push(`${name}: ${describe(error)}`);
    }
  };
  const expect = (ok: unknown, what: string) => {
    if (!ok) throw new Error(what);
  };
  await check('hello', async () => expect((await me).id > 0, 'no id'));
  await check('time', async () => expect(!Number.isNaN(Date.parse(await api.time())), 'not a date'));
  await check('sha256', async () => {
    const hex = await api.sha256(new TextEncoder().encode('abc'));
    expect(hex === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', hex);
  });
  await check('count with progress', async () => expect((await api.count(3, 10)) === 3, 'wrong count'));
  await check('cancel', async () => {
    const controller = new AbortController();
    const call = peer.call('count', [50, 50], { signal: controller.signal });
    controller.abort();
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error instanceof RpcError && error.code === 'CANCELLED', describe(error));
  });
  await check('say and said', async () => {
    await api.say('selftest');
    await api.time(); // the broadcast notification arrives before this reply
    expect(said.includes('selftest'), 'no broadcast');
  });
  await check('drop and redial', async () => {
    const reopened = new Promise<void>((resolve) => {
      const stop = peer.onStateChange((c) => c.state === 'open' && (stop(), resolve()));
    });
    peer.notify('drop');
    await reopened;
    expect((await api.stats()).clients >= 1, 'no service after the redial');
  });
  return failures;
}

if (new URLSearchParams(location.search).has('selftest')) {
  const failures = await selftest();
  const banner = $('banner');
  banner.hidden = false;
  banner.className = failures.length ? 'banner err' : 'banner';
  banner.textContent = failures.length ? `Self-test failed: ${failures.join('; ')}` : 'Self-test: all checks passed';
  document.documentElement.dataset.selftest = failures.length ? 'fail' : 'pass';
}
