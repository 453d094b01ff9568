/** JSON-RPC over HTTP POST: the fetch-style handler, the Node listener, and the client transport over fetch. */
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import { describe, it } from 'node:test';
import { RpcError } from '../../src/index.js';
import { fromHttp, handleJsonRpcHttp, jsonRpcNodeListener, jsonRpcPeer } from '../../src/jsonrpc/index.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { afterClose, checkLeaks, track } from '../support/connect.js';

const api = {
  add: (a: number, b: number) => a + b,
  echo: (value: unknown) => value,
  secret: () => {
    throw Object.assign(new RpcError('PERMISSION_DENIED', 'no'), { internalPath: '/etc/secret' });
  },
};

const post = (body: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
  new Request('http://127.0.0.1/rpc', { method: 'POST', headers, body });

describe('handleJsonRpcHttp', () => {
  const handle = handleJsonRpcHttp(api, { limits: { maxMessageSize: 1000 } });

  it('answers a POSTed request with 200 and its JSON response', async () => {
    const response = await handle(post('{"jsonrpc":"2.0","id":1,"method":"add","params":[2,3]}'));
    equal(response.status, 200);
    equal(response.headers.get('content-type'), 'application/json');
    deepEqual(await response.json(), { jsonrpc: '2.0', id: 1, result: 5 });
  });

  it('answers a POSTed batch with a batch', async () => {
    const response = await handle(
      post('[{"jsonrpc":"2.0","id":1,"method":"add","params":[1,1]},{"jsonrpc":"2.0","id":2,"method":"echo","params":["x"]}]'),
    );
    deepEqual(await response.json(), [
      { jsonrpc: '2.0', id: 1, result: 2 },
      { jsonrpc: '2.0', id: 2, result: 'x' },
    ]);
  });

  it('answers a notification with 204 and no body', async () => {
    const response = await handle(post('{"jsonrpc":"2.0","method":"add","params":[1,1]}'));
    equal(response.status, 204);
    equal(await response.text(), '');
  });

  it('answers bad JSON with 200 and a -32700 error', async () => {
    const response = await handle(post('{"jsonrpc":'));
    deepEqual(((await response.json()) as { error: { code: number } }).error.code, -32700);
  });

  it('refuses a GET with 405', async () => {
    const response = await handle(new Request('http://127.0.0.1/rpc'));
    equal(response.status, 405);
    equal(response.headers.get('allow'), 'POST');
  });

  it('refuses a body that is not application/json with 415, as a plain HTML form would send', async () => {
    const response = await handle(post('{"jsonrpc":"2.0","id":1,"method":"add","params":[1,1]}', { 'Content-Type': 'text/plain' }));
    equal(response.status, 415);
  });

  it('refuses a body over maxMessageSize with 413 by its Content-Length', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: ['x'.repeat(2000)] });
    const response = await handle(post(body, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }));
    equal(response.status, 413);
  });

  it('refuses a streamed body over maxMessageSize with 413, reading no further', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(600).fill(0x20));
      },
    });
    const request = new Request('http://127.0.0.1/rpc', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    const response = await handle(request);
    equal(response.status, 413);
    ok(pulled <= 3, `read ${pulled} chunks of an endless body`);
  });

  it("sends a handler error's name, message and code, not its other properties", async () => {
    const response = await handle(post('{"jsonrpc":"2.0","id":1,"method":"secret"}'));
    const text = await response.text();
    ok(!text.includes('/etc/secret'), text);
    deepEqual(JSON.parse(text).error.data, { code: 'PERMISSION_DENIED', name: 'RpcError' });
  });
});

/** A Node HTTP server on 127.0.0.1 with the JSON-RPC listener, closed after the test. */
async function listen(listener: RequestListener): Promise<string> {
  const server: Server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  afterClose(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}/rpc`;
}

describe('jsonRpcNodeListener and fromHttp', () => {
  checkLeaks();

  it('serves calls from a jsonRpcPeer over fromHttp', async () => {
    const url = await listen(jsonRpcNodeListener(api));
    const peer = track(jsonRpcPeer(fromHttp(url)));
    equal(await peer.remote<typeof api>().add(20, 22), 42);
  });

  it('carries a batch of one tick in one POST', async () => {
    let posts = 0;
    const listener = jsonRpcNodeListener(api);
    const url = await listen((request, response) => {
      posts++;
      listener(request, response);
    });
    const peer = track(jsonRpcPeer(fromHttp(url), { batch: true }));
    const results = await Promise.all([peer.call('add', [1, 2]), peer.call('echo', ['b']), peer.call('add', [3, 4])]);
    deepEqual(results, [3, 'b', 7]);
    equal(posts, 1);
  });

  it("gives a caller the handler's RpcError code through the listener", async () => {
    const url = await listen(jsonRpcNodeListener(api));
    const peer = track(jsonRpcPeer(fromHttp(url)));
    await rejectsWith(peer.call('secret'), 'PERMISSION_DENIED');
  });

  it('rejects a call whose POST is refused with 413 with RESOURCE_EXHAUSTED', async () => {
    const url = await listen(jsonRpcNodeListener(api, { limits: { maxMessageSize: 100 } }));
    const peer = track(jsonRpcPeer(fromHttp(url)));
    await rejectsWith(peer.call('echo', ['x'.repeat(200)]), 'RESOURCE_EXHAUSTED');
  });

  it('rejects a call with UNAVAILABLE when nothing listens', async () => {
    const url = await listen(jsonRpcNodeListener(api));
    const peer = track(jsonRpcPeer(fromHttp(url.replace('/rpc', '/other').replace(/:\d+/, ':1'))));
    await rejectsWith(peer.call('add', [1, 1]), 'UNAVAILABLE');
  });
});

describe('fromHttp against a server that answers with a null id', () => {
  checkLeaks();

  it('rejects the calls of the request with that error instead of leaving them to time out', async () => {
    const body = '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}';
    const fetch = async () => new Response(body, { headers: { 'Content-Type': 'application/json' } });
    const peer = track(jsonRpcPeer(fromHttp('http://127.0.0.1:1/', { fetch }), { timeout: 0 }));
    const error = await rejectsWith(peer.call('add', [1, 2]), 'INVALID_ARGUMENT');
    equal(error.message, 'Invalid Request');
  });
});

describe('jsonRpcNodeListener refusing an oversize body', () => {
  checkLeaks();

  it('closes the connection after its 413, so the rest of the body is not read', async () => {
    const url = await listen(jsonRpcNodeListener(api, { limits: { maxMessageSize: 100 } }));
    const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: 'x'.repeat(1000) });
    equal(response.status, 413);
    equal(response.headers.get('connection'), 'close');
    await response.body?.cancel();
  });
});
