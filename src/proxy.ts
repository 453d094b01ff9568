/**
 * The remote proxy: property access builds a dotted path, a call sends it. Each node caches its
 * children, so `api.math.add(1, 2)` allocates nothing after the first use.
 *
 * Some names are asked of every object by the language, the runtime or a debugger: `then` when
 * it is awaited, `Symbol.toPrimitive`/`toString`/`valueOf` in a template literal, `toJSON` in
 * `JSON.stringify`, `bind`/`call`/`apply`, the inspect hook in `console.log`. Sent, each would be
 * a call that fails with `NOT_FOUND` (the far side never exposes them) and, unawaited, an
 * unhandled rejection. The proxy answers them itself.
 */

import { forbidden } from './lookup.js';
import type { CallOptions, Peer, RemoteDescriptor } from './types.js';

type Send = (method: string, args: unknown[]) => Promise<unknown>;

/** The dotted path of each proxy node and of its target (`util.inspect` looks at the target). */
const paths = new WeakMap<object, string>();

/** `[saltline remote a.b]`: what a proxy node is called wherever a string of it is asked for. */
function describe(this: unknown): string {
  const path = typeof this === 'object' || typeof this === 'function' ? paths.get(this as object) : undefined;
  return path ? `[saltline remote ${path}]` : '[saltline remote]';
}

function itself<T>(this: T): T {
  return this;
}

const inspectHook = Symbol.for('nodejs.util.inspect.custom');

/**
 * What the proxy answers locally, by name. `undefined` answers mean "no such member": `then`
 * (so the proxy is not a promise), `toJSON` (so `JSON.stringify` drops it like any function), and
 * every other name of `Object.prototype` (`constructor`, `__proto__`...) and `prototype` (see
 * `local`). `bind`, `call` and `apply` are `Function.prototype`'s: they invoke the proxy, so
 * `remote.a.call(null, 1)` sends "a".
 */
const answers = {
  // biome-ignore lint/suspicious/noThenProperty: declared absent, so an awaited proxy is not mistaken for a promise
  then: undefined,
  toString: describe,
  toLocaleString: describe,
  valueOf: itself,
  toJSON: undefined,
  bind: Function.prototype.bind,
  call: Function.prototype.call,
  apply: Function.prototype.apply,
  hasOwnProperty: Object.prototype.hasOwnProperty,
  isPrototypeOf: Object.prototype.isPrototypeOf,
  propertyIsEnumerable: Object.prototype.propertyIsEnumerable,
};

/** The names the proxy answers itself and never sends; `Remote<T>` leaves them out. */
export type LocalName =
  | keyof typeof answers
  | 'constructor'
  | 'prototype'
  | '__proto__'
  | '__defineGetter__'
  | '__defineSetter__'
  | '__lookupGetter__'
  | '__lookupSetter__';

/** Every other symbol (iterators included, so `for of` and spreading throw the engine's TypeError) is `undefined`. */
const local = new Map<string | symbol, unknown>([
  ...[...forbidden].map((name): [string, undefined] => [name, undefined]),
  ...Object.entries(answers),
  [Symbol.toPrimitive, describe],
  [Symbol.toStringTag, 'saltline remote'],
  [inspectHook, describe],
]);

export function createRemoteProxy(send: Send): unknown {
  return node(send, '', undefined);
}

/**
 * The proxy of one remote object (§6.5): not callable itself (`typeof` is "object"); its members
 * are method nodes as above, and `own` answers (such as `Symbol.dispose`) come before the rest.
 */
export function createObjectProxy(send: Send, own: ReadonlyMap<string | symbol, unknown>): object {
  return node(send, '', own) as object;
}

function node(send: Send, path: string, own: ReadonlyMap<string | symbol, unknown> | undefined): unknown {
  const children = new Map<string, unknown>();
  // An arrow function: callable, not constructible (`new remote.a()` is the engine's TypeError), no `prototype`.
  // A remote object's root is a prototype-less object instead: awaited, copied or called, it is no function.
  const target = own ? Object.create(null) : (): void => {};
  // Node's util.inspect formats a proxy's target without calling traps: the hook must be on it.
  Object.defineProperty(target, inspectHook, { value: describe, configurable: true });
  const proxy: object = new Proxy(target, {
    get(_target, key) {
      // Cached children first: the hot path is one Map lookup.
      let child = typeof key === 'string' ? children.get(key) : undefined;
      if (child !== undefined) return child;
      if (own?.has(key)) return own.get(key);
      if (typeof key !== 'string' || local.has(key)) return local.get(key);
      child = node(send, path ? `${path}.${key}` : key, undefined);
      children.set(key, child);
      return child;
    },
    apply(_target, _self, args: unknown[]) {
      return send(path, args);
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
  paths.set(proxy, path);
  paths.set(target, path);
  return proxy;
}

/**
 * What `remote(options)` returns, for every kind of peer: a service descriptor's own client, or a
 * proxy whose calls carry `options`. Peers keep the one made without options.
 */
export function remoteOf(peer: Peer, options: CallOptions | RemoteDescriptor<unknown> | undefined): unknown {
  if (options && '~remote' in options) return options['~remote'](peer);
  return createRemoteProxy(options ? (method, args) => peer.call(method, args, options) : (method, args) => peer.call(method, args));
}
