/**
 * The examples of the JSON-RPC 2.0 specification (§7, https://www.jsonrpc.org/specification),
 * with saltline as the server (the test sends the "-->" text and expects the "<--" text) and as
 * the client (the test reads the request the peer sends and answers with the "<--" text).
 */
import { describe, it } from '#harness';
import { RpcError } from '../../src/index.js';
import { byName } from '../../src/jsonrpc/index.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks } from '../support/connect.js';
import { textEnd } from '../support/jsonrpc.js';

/** The server of §7's examples. */
const api = {
  subtract: (a: number | { minuend: number; subtrahend: number }, b?: number) =>
    typeof a === 'object' ? a.minuend - a.subtrahend : a - (b as number),
  update: (..._numbers: number[]) => {},
  sum: (...numbers: number[]) => numbers.reduce((total, n) => total + n, 0),
  notify_hello: (_n: number) => {},
  notify_sum: (..._numbers: number[]) => {},
  get_data: () => ['hello', 5],
};

/** What the comparison leaves out: saltline's detail in a protocol error's `data` (the spec leaves `data` to the server). */
function withoutData(response: unknown): unknown {
  if (Array.isArray(response)) return response.map(withoutData);
  const { error, ...rest } = response as { error?: Record<string, unknown> };
  if (!error) return response;
  const { data: _data, ...standard } = error;
  return { ...rest, error: standard };
}

/** §7: each request text and the response text it gets, or `undefined` when none is sent. */
const serverExamples: [string, string, string | undefined][] = [
  [
    'answers a call with positional parameters',
    '{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}',
    '{"jsonrpc": "2.0", "result": 19, "id": 1}',
  ],
  [
    'answers a second call with positional parameters in their order',
    '{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}',
    '{"jsonrpc": "2.0", "result": -19, "id": 2}',
  ],
  [
    'answers a call with named parameters',
    '{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}',
    '{"jsonrpc": "2.0", "result": 19, "id": 3}',
  ],
  [
    'answers a call with named parameters in another order',
    '{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}',
    '{"jsonrpc": "2.0", "result": 19, "id": 4}',
  ],
  ['sends nothing for a notification', '{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}', undefined],
  ['sends nothing for a notification of a method that does not exist', '{"jsonrpc": "2.0", "method": "foobar"}', undefined],
  [
    'answers a call of a method that does not exist with -32601',
    '{"jsonrpc": "2.0", "method": "foobar", "id": "1"}',
    '{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "1"}',
  ],
  [
    'answers invalid JSON with -32700',
    '{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]',
    '{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}',
  ],
  [
    'answers an invalid request object with -32600',
    '{"jsonrpc": "2.0", "method": 1, "params": "bar"}',
    '{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}',
  ],
  [
    'answers a batch of invalid JSON with one -32700',
    '[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"}, {"jsonrpc": "2.0", "method"]',
    '{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}',
  ],
  [
    'answers an empty batch with one -32600',
    '[]',
    '{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}',
  ],
  [
    'answers a batch of one invalid request with a batch of one -32600',
    '[1]',
    '[{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}]',
  ],
  [
    'answers a batch of invalid requests with a -32600 for each',
    '[1,2,3]',
    '[{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},' +
      '{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},' +
      '{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}]',
  ],
  [
    'answers a mixed batch with a response for each request that is not a notification',
    '[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},' +
      '{"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},' +
      '{"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},' +
      '{"foo": "boo"},' +
      '{"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},' +
      '{"jsonrpc": "2.0", "method": "get_data", "id": "9"}]',
    '[{"jsonrpc": "2.0", "result": 7, "id": "1"},' +
      '{"jsonrpc": "2.0", "result": 19, "id": "2"},' +
      '{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},' +
      '{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "5"},' +
      '{"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}]',
  ],
  [
    'sends nothing for a batch of notifications',
    '[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]',
    undefined,
  ],
];

const probe = '{"jsonrpc": "2.0", "method": "get_data", "id": "probe"}';

describe('JSON-RPC 2.0 §7 examples, saltline as the server', () => {
  checkLeaks();

  for (const [name, request, response] of serverExamples) {
    it(name, async () => {
      const end = textEnd({ expose: api });
      end.send(request);
      // A probe after the example: its answer must be the next message when the example gets none.
      if (response === undefined) end.send(probe);
      const first = await end.next();
      if (response === undefined) deepEqual(first, { jsonrpc: '2.0', result: ['hello', 5], id: 'probe' });
      else deepEqual(withoutData(first), JSON.parse(response));
    });
  }
});

interface SpecApi {
  subtract(a: number | { minuend: number; subtrahend: number }, b?: number): number;
  sum(...numbers: number[]): number;
  get_data(): [string, number];
  foobar(): void;
  foo: { get(named: { name: string }): unknown };
}

/** The request as §7 shows it, the id aside (saltline numbers its own). */
function withoutId(request: unknown): unknown {
  if (Array.isArray(request)) return request.map(withoutId);
  const { id: _id, ...rest } = request as { id?: unknown };
  return rest;
}

describe('JSON-RPC 2.0 §7 examples, saltline as the client', () => {
  checkLeaks();

  it('sends positional parameters as an array and resolves with the result', async () => {
    const end = textEnd();
    const result = end.peer.remote<SpecApi>().subtract(42, 23);
    const request = (await end.next()) as { id: number };
    deepEqual(withoutId(request), { jsonrpc: '2.0', method: 'subtract', params: [42, 23] });
    end.send(`{"jsonrpc": "2.0", "result": 19, "id": ${request.id}}`);
    equal(await result, 19);
  });

  it('sends named parameters as an object when the argument is byName', async () => {
    const end = textEnd();
    const result = end.peer.remote<SpecApi>().subtract(byName({ subtrahend: 23, minuend: 42 }));
    const request = (await end.next()) as { id: number };
    deepEqual(withoutId(request), { jsonrpc: '2.0', method: 'subtract', params: { subtrahend: 23, minuend: 42 } });
    end.send(`{"jsonrpc": "2.0", "result": 19, "id": ${request.id}}`);
    equal(await result, 19);
  });

  it('sends a notification without an id', async () => {
    const end = textEnd();
    end.peer.notify('update', 1, 2, 3, 4, 5);
    deepEqual(await end.next(), { jsonrpc: '2.0', method: 'update', params: [1, 2, 3, 4, 5] });
  });

  it('rejects a call answered with -32601 with NOT_FOUND and the error object as data', async () => {
    const end = textEnd();
    const result = end.peer.remote<SpecApi>().foobar();
    const request = (await end.next()) as { id: number };
    end.send(`{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": ${request.id}}`);
    const error = await rejectsWith(result, 'NOT_FOUND');
    equal(error.message, 'Method not found');
    deepEqual(error.data, { code: -32601 });
  });

  it('sends the calls of one tick as one batch and matches replies that come in any order', async () => {
    const end = textEnd({ batch: true });
    const remote = end.peer.remote<SpecApi>();
    const sum = remote.sum(1, 2, 4);
    end.peer.notify('notify_hello', 7);
    const subtract = remote.subtract(42, 23);
    const missing = remote.foo.get(byName({ name: 'myself' }));
    const data = remote.get_data();
    const batch = (await end.next()) as { id?: number }[];
    deepEqual(withoutId(batch), [
      { jsonrpc: '2.0', method: 'sum', params: [1, 2, 4] },
      { jsonrpc: '2.0', method: 'notify_hello', params: [7] },
      { jsonrpc: '2.0', method: 'subtract', params: [42, 23] },
      { jsonrpc: '2.0', method: 'foo.get', params: { name: 'myself' } },
      { jsonrpc: '2.0', method: 'get_data' },
    ]);
    const [a, , b, c, d] = batch.map((request) => request.id);
    end.send(
      `[{"jsonrpc": "2.0", "result": ["hello", 5], "id": ${d}},` +
        `{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": ${c}},` +
        `{"jsonrpc": "2.0", "result": 19, "id": ${b}},` +
        `{"jsonrpc": "2.0", "result": 7, "id": ${a}}]`,
    );
    equal(await sum, 7);
    equal(await subtract, 19);
    ok((await rejectsWith(missing, 'NOT_FOUND')) instanceof RpcError);
    deepEqual(await data, ['hello', 5]);
  });

  it('sends a batch of notifications as one message', async () => {
    const end = textEnd({ batch: true });
    end.peer.notify('notify_sum', 1, 2, 4);
    end.peer.notify('notify_hello', 7);
    deepEqual(await end.next(), [
      { jsonrpc: '2.0', method: 'notify_sum', params: [1, 2, 4] },
      { jsonrpc: '2.0', method: 'notify_hello', params: [7] },
    ]);
  });
});
