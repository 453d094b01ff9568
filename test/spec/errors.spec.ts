import { describe, it } from '#harness';
import { errorFromWire, MAX_ERROR_NODES, type WireError } from '../../src/error-wire.js';
import { RpcError } from '../../src/index.js';
import { deepEqual, equal, ok, rejects, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

const failing = {
  typeError() {
    throw new TypeError('not a number');
  },
  rangeError: async () => {
    throw new RangeError('too big');
  },
  withCause() {
    throw new Error('outer', { cause: new SyntaxError('middle', { cause: new URIError('inner') }) });
  },
  withProps() {
    const error = new Error('not found') as Error & { status: number; detail: { id: number } };
    error.status = 404;
    error.detail = { id: 7 };
    throw error;
  },
  custom() {
    throw new ValidationError('name is required', 'name');
  },
  aggregate() {
    throw new AggregateError([new TypeError('first'), new Error('second')], 'two failures');
  },
  rpc() {
    throw new RpcError('PERMISSION_DENIED', 'admins only', { data: { role: 'guest' } });
  },
  thrownString() {
    throw 'just a string';
  },
  thrownObject() {
    throw { reason: 'plain object' };
  },
  stack() {
    throw new Error('where am I');
  },
  rpcSubclass() {
    throw new QuotaError();
  },
};

/** An AggregateError of 64 copies of the same error, 8 levels deep: 64^8 errors walked as a tree. */
function sharedAggregate(): AggregateError {
  let error: Error = new Error('leaf');
  for (let level = 0; level < 8; level++) error = new AggregateError(Array(64).fill(error), `level ${level}`);
  return error as AggregateError;
}

/** The same shape in wire form, as a clone transport can deliver it in a few hundred bytes. */
function sharedWire(): WireError {
  let wire: WireError = { name: 'Error', message: 'leaf' };
  for (let level = 0; level < 8; level++) wire = { name: 'AggregateError', message: `level ${level}`, errors: Array(64).fill(wire) };
  return wire;
}

function countErrors(error: unknown): number {
  if (!(error instanceof Error)) return 0;
  const inner = error instanceof AggregateError ? error.errors.reduce((sum: number, e: unknown) => sum + countErrors(e), 0) : 0;
  return 1 + countErrors(error.cause) + inner;
}

describe('error wire forms that share their parts', () => {
  it('rebuilds at most MAX_ERROR_NODES errors from a wire form sharing 64 errors at each of 8 levels', () => {
    const error = errorFromWire(sharedWire());
    ok(error instanceof AggregateError);
    ok(countErrors(error) <= MAX_ERROR_NODES, `${countErrors(error)} errors`);
  });
});

class QuotaError extends RpcError {
  override name = 'QuotaError';
  constructor() {
    super('RESOURCE_EXHAUSTED', 'quota used up', { data: { limit: 10 } });
  }
}

for (const connector of connectors) {
  describe(`errors over ${connector.name}`, () => {
    checkLeaks();

    it('rebuilds a thrown TypeError as a TypeError with its message', async () => {
      const { client } = connector.connect({ expose: failing });
      const error = await rejects(client.call('typeError'));
      ok(error instanceof TypeError);
      equal(error.message, 'not a number');
    });

    it('rebuilds the rejection of an async handler', async () => {
      const { client } = connector.connect({ expose: failing });
      const error = await rejects(client.call('rangeError'));
      ok(error instanceof RangeError);
      equal(error.message, 'too big');
    });

    it('carries the cause chain, each link as its own class', async () => {
      const { client } = connector.connect({ expose: failing });
      const error = (await rejects(client.call('withCause'))) as Error;
      equal(error.message, 'outer');
      const middle = error.cause as Error;
      ok(middle instanceof SyntaxError);
      equal(middle.message, 'middle');
      ok(middle.cause instanceof URIError);
      equal((middle.cause as Error).message, 'inner');
    });

    it('carries the own properties of an error', async () => {
      const { client } = connector.connect({ expose: failing });
      const error = (await rejects(client.call('withProps'))) as Error & { status: number; detail: unknown };
      equal(error.status, 404);
      deepEqual(error.detail, { id: 7 });
    });

    it('keeps the name and fields of a custom error class', async () => {
      const { client } = connector.connect({ expose: failing });
      const error = (await rejects(client.call('custom'))) as Error & { field: string };
      ok(error instanceof Error);
      equal(error.name, 'ValidationError');
      equal(error.message, 'name is required');
      equal(error.field, 'name');
    });

    it('rebuilds an AggregateError with its inner errors', async () => {
      const { client } = connector.connect({ expose: failing });
      const error = await rejects(client.call('aggregate'));
      ok(error instanceof AggregateError);
      equal(error.message, 'two failures');
      equal(error.errors.length, 2);
      ok(error.errors[0] instanceof TypeError);
      equal(error.errors[1].message, 'second');
    });

    it('carries an RpcError with its code and data', async () => {
      const { client } = connector.connect({ expose: failing });
      const error = await rejectsWith(client.call('rpc'), 'PERMISSION_DENIED');
      equal(error.message, 'admins only');
      deepEqual(error.data, { role: 'guest' });
    });

    it('keeps the code, data and name of an RpcError subclass', async () => {
      const { client } = connector.connect({ expose: failing });
      const error = await rejectsWith(client.call('rpcSubclass'), 'RESOURCE_EXHAUSTED');
      equal(error.name, 'QuotaError');
      deepEqual(error.data, { limit: 10 });
    });

    it('rejects with a thrown value that is not an error, as it was', async () => {
      const { client } = connector.connect({ expose: failing });
      equal(await rejects(client.call('thrownString')), 'just a string');
      deepEqual(await rejects(client.call('thrownObject')), { reason: 'plain object' });
    });

    it('keeps handler stacks on the exposing side by default', async () => {
      const { client } = connector.connect({ expose: failing });
      const error = (await rejects(client.call('stack'))) as Error;
      ok(!String(error.stack).includes('errors.spec'), 'the remote stack crossed');
    });

    it('sends handler stacks when the exposing side allows it', async () => {
      const { client } = connector.connect({ expose: failing, exposeStacks: true });
      const error = (await rejects(client.call('stack'))) as Error;
      ok(String(error.stack).includes('errors.spec'), `no remote frame in ${error.stack}`);
    });

    it('sends an AggregateError sharing 64 errors at each of 8 levels as at most MAX_ERROR_NODES errors', async () => {
      const { client } = connector.connect({ expose: { fail: () => Promise.reject(sharedAggregate()) } });
      const error = await rejects(client.call('fail'));
      ok(error instanceof AggregateError);
      equal(error.message, 'level 7');
      ok(countErrors(error) <= MAX_ERROR_NODES, `${countErrors(error)} errors`);
    });

    it('delivers an aborted signal whose reason shares 64 errors at each of 8 levels', async () => {
      const { client } = connector.connect({ expose: { reason: (signal: AbortSignal) => (signal.reason as Error).message } });
      equal(await client.call('reason', [AbortSignal.abort(sharedAggregate())]), 'level 7');
    });

    it('returns an error passed as a value as an error', async () => {
      const { client } = connector.connect({ expose: { make: () => new RangeError('as a value') } });
      const value = await client.call('make');
      ok(value instanceof RangeError);
      equal((value as Error).message, 'as a value');
    });
  });
}
