import { describe, it } from '#harness';
import { type CallContext, RpcError, withContext } from '../../src/index.js';
import { deepEqual, equal, ok, rejects, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

/** Resolves on a later task: a consumer loop that is slow without any timer-based wait. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function streamingService() {
  let producerFinished!: () => void;
  const finished = new Promise<void>((resolve) => (producerFinished = resolve));
  let cancelledContext: CallContext | undefined;
  const api = {
    async *ticks(count: number) {
      for (let i = 0; i < count; i++) yield i;
    },
    /** Yields one buffer again and again, refilled with 1, 2, ... `count`. */
    async *refilled(count: number) {
      const buffer = new Uint8Array(1024);
      for (let i = 1; i <= count; i++) yield buffer.fill(i);
    },
    readable(count: number) {
      let i = 0;
      return new ReadableStream<number>({
        pull(controller) {
          if (i < count) controller.enqueue(i++);
          else controller.close();
        },
      });
    },
    async sum(numbers: AsyncIterable<number>) {
      let total = 0;
      for await (const n of numbers) total += n;
      return total;
    },
    async *double(numbers: AsyncIterable<number>) {
      for await (const n of numbers) yield n * 2;
    },
    async *endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        producerFinished();
      }
    },
    async *failing() {
      yield 1;
      yield 2;
      throw new RangeError('out of ticks', { cause: new Error('the reason') });
    },
    hanging: withContext(async function* (ctx) {
      cancelledContext = ctx;
      yield 'first';
      await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    }),
  };
  return { api, finished, context: () => cancelledContext };
}

async function* count(n: number) {
  for (let i = 1; i <= n; i++) yield i;
}

for (const connector of connectors) {
  describe(`streams over ${connector.name}`, () => {
    checkLeaks();

    it('iterates a remote async generator with for await', async () => {
      const { api } = streamingService();
      const { client } = connector.connect({ expose: api });
      const remote = client.remote<typeof api>();
      const seen: number[] = [];
      for await (const tick of remote.ticks(5)) seen.push(tick);
      deepEqual(seen, [0, 1, 2, 3, 4]);
    });

    it('sends each item as it was when yielded, though the producer refills one buffer', async () => {
      const { api } = streamingService();
      const { client } = connector.connect({ expose: api });
      const firsts: number[] = [];
      for await (const chunk of client.remote<typeof api>().refilled(40)) {
        ok(chunk.every((byte) => byte === chunk[0]));
        firsts.push(chunk[0]!);
      }
      deepEqual(
        firsts,
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
    });

    it('resolves a streaming call to an async iterable', async () => {
      const { api } = streamingService();
      const { client } = connector.connect({ expose: api });
      const stream = await client.remote<typeof api>().ticks(3);
      const seen: number[] = [];
      for await (const tick of stream) seen.push(tick);
      deepEqual(seen, [0, 1, 2]);
    });

    it('returns a ReadableStream as a ReadableStream', async () => {
      const { api } = streamingService();
      const { client } = connector.connect({ expose: api });
      const stream = await client.remote<typeof api>().readable(4);
      ok(stream instanceof ReadableStream);
      const reader = stream.getReader();
      const seen: number[] = [];
      for (let r = await reader.read(); !r.done; r = await reader.read()) seen.push(r.value);
      deepEqual(seen, [0, 1, 2, 3]);
    });

    it('takes an async iterable as an argument', async () => {
      const { api } = streamingService();
      const { client } = connector.connect({ expose: api });
      equal(await client.remote<typeof api>().sum(count(100)), 5050);
    });

    it('takes a ReadableStream as an argument', async () => {
      const { api } = streamingService();
      const { client } = connector.connect({ expose: api });
      const source = new ReadableStream<number>({
        start(controller) {
          for (const n of [5, 6, 7]) controller.enqueue(n);
          controller.close();
        },
      });
      equal(await client.remote<typeof api>().sum(source as unknown as AsyncIterable<number>), 18);
    });

    it('streams both ways in one call: an iterable in, an iterable out', async () => {
      const { api } = streamingService();
      const { client } = connector.connect({ expose: api });
      const seen: number[] = [];
      for await (const n of client.remote<typeof api>().double(count(50))) seen.push(n);
      deepEqual(
        seen,
        Array.from({ length: 50 }, (_, i) => 2 * (i + 1)),
      );
    });

    it('lets the callee stream to a caller that is also serving streams', async () => {
      const { api } = streamingService();
      const { client, server } = connector.connect({ expose: api }, { expose: api });
      const [fromServer, fromClient] = await Promise.all([
        client.remote<typeof api>().sum(count(10)),
        server.remote<typeof api>().sum(count(20)),
      ]);
      equal(fromServer, 55);
      equal(fromClient, 210);
    });

    it('cancels the producer when the consumer breaks out, and its finally runs', async () => {
      const { api, finished } = streamingService();
      const { client } = connector.connect({ expose: api });
      let taken = 0;
      for await (const n of client.remote<typeof api>().endless()) {
        if (++taken === 3) break;
        equal(n, taken - 1);
      }
      await finished; // the test times out if the producer's finally never runs
    });

    it('delivers an error thrown mid-stream after the items before it, with its class and cause', async () => {
      const { api } = streamingService();
      const { client } = connector.connect({ expose: api });
      const seen: number[] = [];
      const error = await rejects(
        (async () => {
          for await (const n of client.remote<typeof api>().failing()) seen.push(n);
        })(),
      );
      deepEqual(seen, [1, 2]);
      ok(error instanceof RangeError);
      equal((error as Error).message, 'out of ticks');
      equal(((error as Error).cause as Error).message, 'the reason');
    });

    it('ends a stream that outlives its timeout with DEADLINE_EXCEEDED on both sides', async () => {
      const { api, context } = streamingService();
      const { client } = connector.connect({ expose: api });
      // Open the session first, so the timed call and its first item take one round trip.
      for await (const tick of client.remote<typeof api>().ticks(0)) throw new Error(`no ticks expected, got ${tick}`);
      const stream = await client.call<AsyncIterable<string>>('hanging', [], { timeout: 100 });
      const seen: string[] = [];
      const error = await rejectsWith(
        (async () => {
          for await (const item of stream) seen.push(item);
        })(),
        'DEADLINE_EXCEEDED',
      );
      ok(error instanceof RpcError);
      deepEqual(seen, ['first']);
      const signal = context()!.signal;
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve));
      equal((signal.reason as RpcError).code, 'DEADLINE_EXCEEDED');
    });

    it('cancels a stream mid-way when the call’s signal aborts', async () => {
      const { api, context } = streamingService();
      const { client } = connector.connect({ expose: api });
      const controller = new AbortController();
      const stream = await client.call<AsyncIterable<string>>('hanging', [], { signal: controller.signal });
      const iterator = stream[Symbol.asyncIterator]();
      equal((await iterator.next()).value, 'first');
      const next = iterator.next();
      controller.abort();
      await rejectsWith(next, 'CANCELLED');
      const signal = context()!.signal;
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve));
      equal((signal.reason as RpcError).code, 'CANCELLED');
    });

    it('ends a stream on both sides with UNAVAILABLE when the peer closes', async () => {
      const { api, context } = streamingService();
      const { client } = connector.connect({ expose: api });
      const iterator = (await client.call<AsyncIterable<string>>('hanging'))[Symbol.asyncIterator]();
      equal((await iterator.next()).value, 'first');
      const next = iterator.next();
      client.close('done');
      await rejectsWith(next, 'UNAVAILABLE');
      const signal = context()!.signal;
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve));
      equal((signal.reason as RpcError).code, 'UNAVAILABLE');
    });

    it('streams between peers configured with very different windows', async () => {
      const { api } = streamingService();
      const { client } = connector.connect({ expose: api, streamWindow: 2 }, { streamWindow: 64 });
      const seen: number[] = [];
      for await (const tick of client.remote<typeof api>().ticks(100)) seen.push(tick);
      equal(seen.length, 100);
    });

    it('holds a fast producer to the credit window of a slow consumer', async () => {
      const window = 4;
      let produced = 0;
      const api = {
        async *chunks() {
          for (let i = 0; i < 40; i++) {
            produced++;
            yield new Uint8Array(64 * 1024);
          }
        },
      };
      const { client, server } = connector.connect({ expose: api }, { streamWindow: window });
      let consumed = 0;
      for await (const chunk of client.remote<typeof api>().chunks()) {
        equal(chunk.byteLength, 64 * 1024);
        consumed++;
        ok(produced - consumed <= window, `producer ran ${produced - consumed} items ahead`);
        ok(client.stats().streamItemsBuffered <= window, `consumer buffered ${client.stats().streamItemsBuffered}`);
        ok(server.stats().streamItemsInFlight <= window, `producer had ${server.stats().streamItemsInFlight} in flight`);
        await nextTask();
        await nextTask();
      }
      equal(consumed, 40);
    });
  });
}
