/**
 * Type tests: `Remote<T>` has only members a caller can call. Data, arrays, class instances and
 * the names the proxy answers itself are not on it.
 */

import { createMemoryPair } from '../../adapters/memory.js';
import { type ClassInstanceIsNotCallable, createPeer, type Remote } from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expect<T extends true>(): T | undefined {
  return undefined;
}
type Has<T, K extends PropertyKey> = K extends keyof T ? true : false;

class Store {
  readonly #items = new Map<string, string>();
  get(key: string) {
    return this.#items.get(key);
  }
}

interface Shape {
  area(): number;
}

const api = {
  ok: () => 1,
  version: 3,
  config: { retries: 3, name: 'x' },
  tags: ['a', 'b'],
  created: new Date(),
  store: new Store(),
  shapes: { square: { area: () => 4 } satisfies Shape },
  // biome-ignore lint/suspicious/noThenProperty: the test is that Remote<T> leaves it out
  then: () => 'not a thenable',
  toString: () => 'hidden',
  valueOf: () => 0,
  toJSON: () => ({}),
  bind: () => 'hidden',
  call: () => 'hidden',
  apply: () => 'hidden',
  constructor: () => 'hidden',
};
type Api = Remote<typeof api>;

expect<Equal<keyof Api, 'ok' | 'shapes'>>();
// Data properties, data-only objects, arrays and dates are not on the proxy.
expect<Equal<Has<Api, 'version' | 'config' | 'tags' | 'created'>, false>>();
// A nested class instance is not a namespace: lookup follows plain objects only.
expect<Equal<Has<Api, 'store'>, false>>();
// A plain namespace is.
expect<Equal<Api['shapes']['square']['area'], () => Promise<number>>>();
// Names the proxy answers itself are never remote methods.
expect<Equal<Has<Api, 'then' | 'toString' | 'valueOf' | 'toJSON' | 'bind' | 'call' | 'apply' | 'constructor'>, false>>();
// A class instance (one with private members) has nothing callable: its methods live on its prototype.
expect<Equal<Remote<Store>, ClassInstanceIsNotCallable>>();
// An interface is a plain API.
expect<Equal<Remote<Shape>, { readonly area: () => Promise<number> }>>();

const [a] = createMemoryPair();
const remote = createPeer(a).remote<typeof api>();
void remote.ok();
// @ts-expect-error data is not callable
void remote.version();
// @ts-expect-error an array is not a namespace
void remote.tags.map(String);
// @ts-expect-error a nested class instance's methods are NOT_FOUND
void remote.store.get('k');
// @ts-expect-error a class instance's prototype methods are NOT_FOUND
void createPeer(a).remote<Store>().get('k');
// toString is answered by the proxy: a label, not a remote call.
expect<Equal<ReturnType<typeof remote.toString>, string>>();
// @ts-expect-error then is not on the proxy: awaiting it does not call anything
void remote.then;
// @ts-expect-error apply is not a remote method either
void remote.apply;
