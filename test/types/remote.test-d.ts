/**
 * Type-level tests for the remote proxy, checked by `npm run typecheck` (part of `npm test`).
 * A line marked @ts-expect-error fails the check if it ever compiles.
 */

import { createMemoryPair } from '../../adapters/memory.js';
import { type Callback, createPeer, type Remote, withContext } from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expect<T extends true>(): T | undefined {
  return undefined;
}

const api = {
  add: (a: number, b: number) => a + b,
  greet: async (name: string) => `hi ${name}`,
  nothing: () => {},
  math: { deep: { neg: (x: number) => -x } },
  version: 3,
  slow: withContext((ctx, ms: number) => ctx.deadline + ms),
  async *ticks(n: number) {
    for (let i = 0; i < n; i++) yield i;
  },
  readable: () => new ReadableStream<string>(),
  sum: async (numbers: AsyncIterable<number>) => numbers,
  withCallback: async (fn: Callback<(n: number) => number>) => fn(1),
};

type Api = Remote<typeof api>;

// Functions become promise-returning with the same parameters.
expect<Equal<Api['add'], (a: number, b: number) => Promise<number>>>();
// A handler that already returns a promise is not wrapped twice.
expect<Equal<Api['greet'], (name: string) => Promise<string>>>();
expect<Equal<Api['nothing'], () => Promise<void>>>();
// Nested objects are namespaces.
expect<Equal<Api['math']['deep']['neg'], (x: number) => Promise<number>>>();
// withContext drops the context parameter from the remote signature.
expect<Equal<Api['slow'], (ms: number) => Promise<number>>>();
// A stream-returning method gives a promise that can also be iterated directly.
expect<Equal<Api['ticks'], (n: number) => Promise<AsyncIterableIterator<number>> & AsyncIterable<number>>>();
expect<Equal<Api['readable'], () => Promise<ReadableStream<string>> & AsyncIterable<string>>>();
// Streams as arguments keep their declared types; callbacks are passed as local functions (callbacks.test-d.ts).
expect<Equal<Parameters<Api['sum']>, [numbers: AsyncIterable<number>]>>();
expect<Equal<Parameters<Api['withCallback']>, [fn: (n: number) => number | PromiseLike<number>]>>();
// Data properties are not part of the remote API.
expect<Equal<'version' extends keyof Api ? true : false, false>>();

const [a] = createMemoryPair();
const remote = createPeer(a).remote<typeof api>();
void remote.add(1, 2);
// @ts-expect-error wrong argument type
void remote.add('1', 2);
// @ts-expect-error missing argument
void remote.add(1);
// @ts-expect-error not a method of the API
void remote.subtract(1, 2);
// @ts-expect-error the context is supplied by the peer, not the caller
void remote.slow({}, 5);
async function iterate() {
  for await (const tick of remote.ticks(3)) expect<Equal<typeof tick, number>>();
}
void iterate;
// Without a type argument the proxy is untyped and accepts any call.
void createPeer(a).remote().anything.at.all(1, 'x');
