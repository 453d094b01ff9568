/**
 * Type tests: functions that cross the channel are typed as they behave on the side that holds
 * them. A handler receives callbacks that return promises (`Callback<F>`); a caller passes plain
 * local functions; a function a remote method returns is remote and returns promises.
 */

import { createMemoryPair } from '../../adapters/memory.js';
import { type Callback, type CallbackMustReturnPromise, createPeer, type Remote } from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expect<T extends true>(): T | undefined {
  return undefined;
}

// Callback<F> is F with its result promised: what calling a received function really returns.
expect<Equal<Callback<(n: number) => number>, (n: number) => Promise<number>>>();
expect<Equal<Callback<(n: number) => Promise<number>>, (n: number) => Promise<number>>>();
expect<Equal<Callback<(event: string) => void>, (event: string) => Promise<void>>>();

const api = {
  twice: async (fn: Callback<(n: number) => number>) => (await fn(1)) + (await fn(2)),
  subscribe: (onEvent: Callback<(event: string) => void>) => void onEvent,
  optional: async (fn?: Callback<() => string>) => (fn ? fn() : 'none'),
  nested: async (options: { label: string; hooks: { format: Callback<(n: number) => string> } }) => options.label,
  list: async (steps: Callback<() => number>[]) => steps.length,
  plain: (point: { x: number; y: number }) => point.x,
  port: (port: MessagePort, blob: Blob) => [port, blob] as const,
  lyingSync: (fn: (n: number) => number) => fn(1),
  lyingVoid: (fn: (event: string) => void) => fn('x'),
  lyingNested: (options: { hooks: { format: (n: number) => string } }) => options.hooks,
  adder: (base: number) => (n: number) => base + n,
  handle: () => ({ id: 1, close: () => true }),
};
type Api = Remote<typeof api>;

// The caller passes a local function, sync or async, where the handler declared Callback<F>.
expect<Equal<Parameters<Api['twice']>, [fn: (n: number) => number | PromiseLike<number>]>>();
expect<Equal<Parameters<Api['subscribe']>, [onEvent: (event: string) => void | PromiseLike<void>]>>();
// Callbacks nested in plain objects and arrays are passed as local functions too.
expect<Equal<Parameters<Api['nested']>[0]['hooks']['format'], (n: number) => string | PromiseLike<string>>>();
expect<Equal<Parameters<Api['list']>[0], (() => number | PromiseLike<number>)[]>>();
// A parameter without functions keeps its declared type, and so do ports and blobs (they cross whole).
expect<Equal<Parameters<Api['plain']>, [point: { x: number; y: number }]>>();
expect<Equal<Parameters<Api['port']>, [port: MessagePort, blob: Blob]>>();
// A handler parameter typed as a synchronous function is refused: the handler would be lied to.
expect<Equal<Parameters<Api['lyingSync']>[0], CallbackMustReturnPromise<(n: number) => number>>>();
// A function returned by a remote method is remote: calling it returns a promise.
expect<Equal<Api['adder'], (base: number) => Promise<(n: number) => Promise<number>>>>();
expect<Equal<Api['handle'], () => Promise<{ id: number; close: () => Promise<boolean> }>>>();

const [a] = createMemoryPair();
const remote = createPeer(a).remote<typeof api>();
void remote.twice((n) => n * 10);
void remote.twice(async (n) => n * 10);
void remote.subscribe((event) => console.log(event));
void remote.optional();
void remote.nested({ label: 'x', hooks: { format: (n) => `#${n}` } });
// @ts-expect-error the callback must give what the handler awaits
void remote.twice(() => 'ten');
// @ts-expect-error a sync-typed callback parameter accepts no function
void remote.lyingSync((n) => n);
// @ts-expect-error a void-typed callback parameter accepts no function: its promise could reject unseen
void remote.lyingVoid(() => {});
// @ts-expect-error a sync-typed callback nested in an object is refused too
void remote.lyingNested({ hooks: { format: (n: number) => `${n}` } });
async function callReturned() {
  const add = await remote.adder(1);
  expect<Equal<ReturnType<typeof add>, Promise<number>>>();
  // @ts-expect-error a returned function answers with a promise, not a number
  const sum: number = add(2);
  void sum;
}
void callReturned;
