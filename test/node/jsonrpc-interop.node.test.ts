/**
 * JSON-RPC 2.0 interop: saltline over WebSocket (serveJsonRpc, fromWebSocket), and an independent
 * implementation in Python (test/interop/jsonrpc_peer.py: json, urllib, http.server and
 * python3-websockets) calling saltline and called by it, over HTTP and WebSocket. Loopback only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fromWebSocket } from '../../adapters/websocket.js';
import { RpcError } from '../../src/index.js';
import { byName, fromHttp, jsonRpcNodeListener, jsonRpcPeer, serveJsonRpc } from '../../src/jsonrpc/index.js';
import type { Peer } from '../../src/types.js';
import { deepEqual, equal, rejectsWith } from '../harness/assert.js';
import { afterClose, checkLeaks, track } from '../support/connect.js';
import { WebSocket } from '../support/ws-node.js';

const script = fileURLToPath(new URL('../interop/jsonrpc_peer.py', import.meta.url));
// Debian's python3 sees the apt packages (python3-websockets); another python3 on PATH may not.
const python = process.env.SALTLINE_PYTHON ?? '/usr/bin/python3';

const api = {
  subtract: (a: number | { minuend: number; subtrahend: number }, b?: number) =>
    typeof a === 'object' ? a.minuend - a.subtrahend : a - (b as number),
  echo: (value: unknown) => value,
  fail: () => {
    throw new RpcError('FAILED_PRECONDITION', 'it failed', { data: { why: 'asked to' } });
  },
};

/** What the Python client prints for its calls (test/interop/jsonrpc_peer.py's CALLS), bodies only. */
const expectedAnswers = [
  { jsonrpc: '2.0', id: 1, result: 19 },
  { jsonrpc: '2.0', id: 2, result: 19 },
  { jsonrpc: '2.0', id: 'three', result: { text: 'héllo', list: [1, null, true] } },
  { jsonrpc: '2.0', id: 4, error: { code: -32601, message: 'Method not found' } },
  {
    jsonrpc: '2.0',
    id: 5,
    error: { code: -32000, message: 'it failed', data: { code: 'FAILED_PRECONDITION', name: 'RpcError', data: { why: 'asked to' } } },
  },
  null,
  [
    { jsonrpc: '2.0', id: 6, result: 9 },
    { jsonrpc: '2.0', id: 7, result: 'in a batch' },
  ],
];

/** Runs the Python peer; its lines as they come, and it is stopped (stdin closed) after the test. */
function runPython(...args: string[]): { child: ChildProcess; lines: AsyncIterator<string> } {
  const child = spawn(python, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  afterClose(async () => {
    child.stdin?.end();
    if (child.exitCode === null) await once(child, 'exit');
  });
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
}

async function line(lines: AsyncIterator<string>): Promise<string> {
  const { value, done } = await lines.next();
  if (done) throw new Error('the Python peer ended early');
  return value;
}

describe('jsonRpcPeer over WebSocket', () => {
  checkLeaks();

  it('serves a saltline client over serveJsonRpc, and calls it back', async () => {
    const serverPeers: Peer[] = [];
    const service = await serveJsonRpc({ peer: { expose: api } }, (peer) => void serverPeers.push(track(peer)));
    afterClose(() => service.close());
    const client = track(jsonRpcPeer(fromWebSocket(new WebSocket(service.url)), { expose: { name: () => 'client' } }));
    equal(await client.remote<typeof api>().subtract(byName({ minuend: 5, subtrahend: 3 })), 2);
    equal(await serverPeers[0]!.call('name'), 'client');
  });
});

describe('an independent JSON-RPC client (Python) calling saltline', () => {
  checkLeaks();

  it('gets the expected answers over HTTP POST from jsonRpcNodeListener', async () => {
    const server = createServer(jsonRpcNodeListener(api, { onSendError: (error) => error }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    afterClose(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as { port: number };
    const { lines } = runPython('http-client', `http://127.0.0.1:${port}/`);
    for (const expected of expectedAnswers) deepEqual(JSON.parse(await line(lines)).body, expected);
  });

  it('gets the expected answers over WebSocket from serveJsonRpc, and answers its calls', async () => {
    let served!: (peer: Peer) => void;
    const connected = new Promise<Peer>((resolve) => (served = resolve));
    const service = await serveJsonRpc({ peer: { expose: api } }, (peer) => served(track(peer)));
    afterClose(() => service.close());
    const { lines } = runPython('ws-client', service.url);
    for (const expected of expectedAnswers) deepEqual(JSON.parse(await line(lines)).body, expected);
    const peer = await connected;
    equal(await peer.call('subtract', [10, 4]), 6);
    peer.close();
  });
});

describe('saltline calling an independent JSON-RPC server (Python)', () => {
  checkLeaks();

  async function pythonServer(mode: string): Promise<number> {
    const { lines } = runPython(mode);
    return Number(await line(lines));
  }

  for (const [mode, connect] of [
    ['http-server', (port: number) => jsonRpcPeer(fromHttp(`http://127.0.0.1:${port}/`))],
    ['ws-server', (port: number) => jsonRpcPeer(fromWebSocket(new WebSocket(`ws://127.0.0.1:${port}/`)))],
  ] as const) {
    it(`calls with positional and named params, and maps its errors (${mode})`, async () => {
      const peer = track(connect(await pythonServer(mode)));
      const remote = peer.remote<typeof api>();
      equal(await remote.subtract(42, 23), 19);
      equal(await remote.subtract(byName({ minuend: 42, subtrahend: 20 })), 22);
      deepEqual(await remote.echo({ list: [1, 'two'] }), { list: [1, 'two'] });
      const missing = await rejectsWith(peer.call('missing'), 'NOT_FOUND');
      deepEqual(missing.data, { code: -32601 });
      const failed = await rejectsWith(remote.fail(), 'UNKNOWN');
      deepEqual(failed.data, { code: -32000, data: { why: 'asked to' } });
    });
  }
});
