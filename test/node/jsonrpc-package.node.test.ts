/**
 * JSON-RPC 2.0 interop with an independent JavaScript implementation, the `json-rpc-2.0` npm
 * package: its client calls saltline's HTTP listener, and saltline's `jsonRpcPeer` over `fromHttp`
 * calls its server. Loopback only.
 */
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import { describe, it } from 'node:test';
import { JSONRPCClient, JSONRPCErrorException, type JSONRPCResponse, JSONRPCServer } from 'json-rpc-2.0';
import { byName, fromHttp, jsonRpcNodeListener, jsonRpcPeer } from '../../src/jsonrpc/index.js';
import { deepEqual, equal, rejects, rejectsWith } from '../harness/assert.js';
import { afterClose, checkLeaks, track } from '../support/connect.js';

const api = {
  subtract: (a: number | { minuend: number; subtrahend: number }, b?: number) =>
    typeof a === 'object' ? a.minuend - a.subtrahend : a - (b as number),
  echo: (value: unknown) => value,
};

/** A Node HTTP server on 127.0.0.1, closed after the test; resolves to its URL. */
async function listen(listener: RequestListener): Promise<string> {
  const server: Server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  afterClose(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/rpc`;
}

/** The package's client, posting each request (or batch) to `url` and handing it the answer. */
function packageClient(url: string): JSONRPCClient {
  const client: JSONRPCClient = new JSONRPCClient(async (payload) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    if (response.status === 200) client.receive(await response.json());
    else if (payload.id !== undefined) client.rejectAllPendingRequests(`HTTP ${response.status}`);
  });
  return client;
}

/** The package's server behind a Node HTTP listener. */
function packageServer(): RequestListener {
  const server = new JSONRPCServer();
  server.addMethod('subtract', ([a, b]: [number, number]) => a - b);
  server.addMethod('greet', ({ name }: { name: string }) => `hello, ${name}`);
  server.addMethod('refuse', () => {
    throw new JSONRPCErrorException('not today', 42, { why: 'asked to' });
  });
  return (request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk));
    request.on('end', async () => {
      const answer = await server.receive(JSON.parse(body));
      if (answer === null) {
        response.writeHead(204).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  };
}

describe('the json-rpc-2.0 package calling saltline over HTTP', () => {
  checkLeaks();

  it('gets the result of a call with positional params', async () => {
    const client = packageClient(await listen(jsonRpcNodeListener(api)));
    equal(await client.request('subtract', [42, 23]), 19);
  });

  it('gets the result of a call with named params', async () => {
    const client = packageClient(await listen(jsonRpcNodeListener(api)));
    equal(await client.request('subtract', { minuend: 42, subtrahend: 23 }), 19);
  });

  it('gets method not found (-32601) for a method saltline does not expose', async () => {
    const client = packageClient(await listen(jsonRpcNodeListener(api)));
    const answer = (await client.requestAdvanced({ jsonrpc: '2.0', id: 1, method: 'missing' })) as JSONRPCResponse;
    equal(answer.error?.code, -32601);
  });

  it('gets every answer of a batch, matched by id', async () => {
    const client = packageClient(await listen(jsonRpcNodeListener(api)));
    const answers = await client.requestAdvanced([
      { jsonrpc: '2.0', id: 1, method: 'subtract', params: [5, 3] },
      { jsonrpc: '2.0', id: 2, method: 'echo', params: ['in a batch'] },
    ]);
    deepEqual(
      [...answers].sort((a, b) => Number(a.id) - Number(b.id)).map((answer) => answer.result),
      [2, 'in a batch'],
    );
  });
});

describe('saltline calling the json-rpc-2.0 package over HTTP', () => {
  checkLeaks();

  it('gets the result of a call with positional params', async () => {
    const peer = track(jsonRpcPeer(fromHttp(await listen(packageServer()))));
    equal(await peer.call('subtract', [42, 23]), 19);
  });

  it('sends named params with byName', async () => {
    const peer = track(jsonRpcPeer(fromHttp(await listen(packageServer()))));
    equal(await peer.call('greet', [byName({ name: 'ada' })]), 'hello, ada');
  });

  it("rejects with NOT_FOUND for a method the package's server lacks", async () => {
    const peer = track(jsonRpcPeer(fromHttp(await listen(packageServer()))));
    await rejectsWith(peer.call('missing'), 'NOT_FOUND');
  });

  it("keeps a foreign error's number and data", async () => {
    const peer = track(jsonRpcPeer(fromHttp(await listen(packageServer()))));
    const error = (await rejects(peer.call('refuse'))) as { message: string; data?: { code?: number; data?: unknown } };
    equal(error.message, 'not today');
    equal(error.data?.code, 42);
  });
});
