/**
 * A hostile JSON-RPC sender: every bound has a test that sends past it, and the server answers
 * with the specified error and keeps serving.
 */
import { describe, it } from '#harness';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { checkLeaks } from '../support/connect.js';
import { textEnd } from '../support/jsonrpc.js';

let runs = 0;
const api = {
  echo: (value: unknown) => value,
  count: () => ++runs,
  hang: () => new Promise(() => {}),
};

const request = (id: number, method = 'echo', params: unknown = [id]) => JSON.stringify({ jsonrpc: '2.0', id, method, params });

/** The error code and id of a response. */
function codeOf(response: unknown): [number | undefined, unknown] {
  const { error, id } = response as { error?: { code: number }; id: unknown };
  return [error?.code, id];
}

/** Sends a good request after the bad one: the server still answers it. */
async function stillServes(end: ReturnType<typeof textEnd>): Promise<void> {
  end.send(request(99));
  deepEqual(await end.next(), { jsonrpc: '2.0', id: 99, result: 99 });
}

describe('a JSON-RPC server under hostile input', () => {
  checkLeaks();

  it('answers malformed JSON with -32700 and keeps serving', async () => {
    const end = textEnd({ expose: api });
    end.send('{"jsonrpc": "2.0", "id": 1, "method": ');
    deepEqual(codeOf(await end.next()), [-32700, null]);
    await stillServes(end);
  });

  it('answers a request with the wrong jsonrpc version with -32600 and its id', async () => {
    const end = textEnd({ expose: api });
    end.send('{"jsonrpc": "1.0", "id": 7, "method": "echo", "params": [1]}');
    deepEqual(codeOf(await end.next()), [-32600, 7]);
    await stillServes(end);
  });

  it('answers a request without jsonrpc with -32600', async () => {
    const end = textEnd({ expose: api });
    end.send('{"id": 7, "method": "echo"}');
    deepEqual(codeOf(await end.next()), [-32600, 7]);
  });

  it('answers an id that is neither string, number nor null with -32600 and a null id', async () => {
    const end = textEnd({ expose: api });
    end.send('{"jsonrpc": "2.0", "id": {"x": 1}, "method": "echo"}');
    deepEqual(codeOf(await end.next()), [-32600, null]);
  });

  it('answers params that are neither array nor object with -32600', async () => {
    const end = textEnd({ expose: api });
    end.send('{"jsonrpc": "2.0", "id": 3, "method": "echo", "params": 5}');
    deepEqual(codeOf(await end.next()), [-32600, 3]);
  });

  it('answers a batch longer than maxBatch with one -32600 and runs none of it', async () => {
    const end = textEnd({ expose: api, limits: { maxBatch: 10 } });
    const before = runs;
    end.send(`[${Array.from({ length: 11 }, (_, i) => request(i, 'count', [])).join(',')}]`);
    const response = await end.next();
    ok(!Array.isArray(response), 'one error, not a batch of them');
    deepEqual(codeOf(response), [-32600, null]);
    equal(runs, before);
    await stillServes(end);
  });

  it('answers a message nested deeper than maxDepth with -32600 before parsing it', async () => {
    const end = textEnd({ expose: api, limits: { maxDepth: 8 } });
    end.send(request(1, 'echo', [[[[[[[[[[1]]]]]]]]]]));
    const response = (await end.next()) as { error: { data: string } };
    deepEqual(codeOf(response), [-32600, null]);
    ok(response.error.data.includes('deeper than 8'), response.error.data);
    await stillServes(end);
  });

  it('answers a hundred thousand open brackets with -32600', async () => {
    const end = textEnd({ expose: api });
    end.send('['.repeat(100_000));
    deepEqual(codeOf(await end.next()), [-32600, null]);
    await stillServes(end);
  });

  it('does not count brackets inside strings as nesting', async () => {
    const end = textEnd({ expose: api, limits: { maxDepth: 4 } });
    end.send(request(1, 'echo', ['[[[[[[{{{{"\\"[[[[']));
    deepEqual(await end.next(), { jsonrpc: '2.0', id: 1, result: '[[[[[[{{{{"\\"[[[[' });
  });

  it('answers a message over maxMessageSize with -32600 and keeps serving', async () => {
    const end = textEnd({ expose: api, limits: { maxMessageSize: 1000 } });
    end.send(request(1, 'echo', ['x'.repeat(1000)]));
    deepEqual(codeOf(await end.next()), [-32600, null]);
    await stillServes(end);
  });

  it('answers requests past maxActiveHandlers with RESOURCE_EXHAUSTED and keeps serving', async () => {
    const end = textEnd({ expose: api, limits: { maxActiveHandlers: 2 } });
    end.send(request(1, 'hang', []));
    end.send(request(2, 'hang', []));
    end.send(request(3));
    const response = (await end.next()) as { id: number; error: { code: number; data: { code: string } } };
    equal(response.id, 3);
    equal(response.error.data.code, 'RESOURCE_EXHAUSTED');
    end.peer.close();
  });

  it('answers a batch of requests that exceed maxActiveHandlers with an error for each one over', async () => {
    const end = textEnd({ expose: api, limits: { maxActiveHandlers: 1 } });
    end.send(`[${request(1, 'hang', [])},${request(2)}]`);
    end.send(request(3));
    const response = (await end.next()) as { id: number; error: { data: { code: string } } };
    equal(response.id, 3);
    equal(response.error.data.code, 'RESOURCE_EXHAUSTED');
    end.peer.close();
  });

  it('drops bytes that are not UTF-8, counting them as malformed', async () => {
    const end = textEnd({ expose: api });
    (end as unknown as { send(data: unknown): void }).send(new Uint8Array([0xff, 0xfe, 0x7b]) as unknown as string);
    await stillServes(end);
    equal(end.peer.stats().malformed, 1);
  });

  it('drops a reply to no pending call, counting it as malformed', async () => {
    const end = textEnd({ expose: api });
    end.send('{"jsonrpc": "2.0", "id": "nobody", "result": 1}');
    await stillServes(end);
    equal(end.peer.stats().malformed, 1);
  });

  it('never answers an error response, so two peers cannot loop on errors', async () => {
    const end = textEnd({ expose: api });
    end.send('{"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Parse error"}}');
    await stillServes(end);
    equal(end.sent.length, 1);
  });
});

describe('a JSON-RPC peer that batches its own calls', () => {
  checkLeaks();

  it('still answers separate requests with separate replies', async () => {
    const end = textEnd({ expose: api, batch: true });
    end.send(request(1));
    end.send(request(2));
    deepEqual(await end.next(), { jsonrpc: '2.0', id: 1, result: 1 });
    deepEqual(await end.next(), { jsonrpc: '2.0', id: 2, result: 2 });
  });
});
