/**
 * The remote typing: what a caller sees of the far side's API (`Remote<T>` and its helpers). Pure
 * type-level code, apart from `types.ts` (which re-exports it) so the options and peer interfaces
 * stay readable and this mapping can be read in one piece.
 */
import type { LocalName } from './proxy.js';
import type { RpcTarget, Target } from './target.js';

// Like comlink (`Remote<T>` maps a parameter typed `Remote<Cb>` back to the local `Cb`) and
// capnweb (`RpcStub<T>` unstubs parameters), the exposing side types what it receives as it
// behaves there, and the caller sees what it may pass. A function argument is called back across
// the channel, so calling it returns a promise: its handler parameter is typed `Callback<F>`,
// and the caller passes a plain local `F`, sync or async. A parameter typed as a function that
// does not return a promise would lie to the handler, so the caller cannot pass anything to it.

/**
 * The type a handler gives a function it receives as an argument: calling it calls the caller
 * back, so it returns a promise, which rejects when the call fails (released, closed, timed out).
 * `subscribe(onEvent: Callback<(event: string) => void>)`; the caller passes `(event) => ...`.
 */
export type Callback<F extends (...args: never[]) => unknown> = F extends (...args: infer A) => infer R
  ? (...args: A) => Promise<Awaited<R>>
  : never;

/**
 * What a caller sees in place of a handler parameter typed as a function that does not return a
 * promise: no function fits, and the error names the fix.
 */
export interface CallbackMustReturnPromise<F> {
  readonly 'saltline: type this handler parameter as Callback<F>: calling it returns a promise': F;
}

/**
 * What `Remote<T>` is for a class instance: its methods live on its prototype, where no caller
 * can reach them, so none is callable. Expose a plain object of functions instead.
 */
export interface ClassInstanceIsNotCallable {
  readonly 'saltline: a class instance is not callable remotely: expose a plain object of functions'?: never;
}

/** Promise-returning view of a remote API: functions become async, nested plain objects namespaces. */
// biome-ignore lint/suspicious/noExplicitAny: an untyped remote (`Remote<any>`) stays untyped
export type Remote<T> = 0 extends 1 & T ? any : RemoteObject<T>;

/** The callable part of an exposed object: its functions and its namespaces that hold some. */
export type RemoteObject<T> = [T] extends [Target | RpcTarget]
  ? RemoteTarget<T>
  : IsClassInstance<T> extends true
    ? ClassInstanceIsNotCallable
    : { readonly [K in keyof T as RemoteKey<T, K>]: T[K] extends AnyFunction ? RemoteFunction<T[K]> : RemoteObject<T[K]> };

/** Type-only: which local type a `RemoteTarget` stands for, so a caller may pass that type for it. */
declare const remoteOf: unique symbol;

/**
 * What an object sent by reference (`target(obj)`, an `RpcTarget` subclass) is on the far side:
 * its methods, own and inherited, return promises; `[Symbol.dispose]()` releases it. A handler
 * types a parameter `RemoteTarget<Doc>` to receive one; its caller passes a local `Doc`.
 */
export type RemoteTarget<T> = {
  readonly [K in keyof T as K extends string
    ? K extends LocalName
      ? never
      : T[K] extends AnyFunction
        ? K
        : never
    : never]: RemoteFunction<T[K]>;
} & Disposable & { readonly [remoteOf]: T };

/** A remote method: called with local values, it answers with a promise of remote ones. */
export type RemoteFunction<F> = F extends (...args: infer A) => infer R
  ? (...args: { [I in keyof A]: Crossed<A[I], 'argument'> }) => RemoteResult<Crossed<Awaited<R>, 'result'>>
  : never;

/**
 * What a remote call returns: a promise of the result; for a stream, a promise that can also be
 * iterated directly, `for await (const x of api.ticks())`.
 */
export type RemoteResult<R> = [R] extends [never]
  ? Promise<R>
  : [R] extends [ReadableStream<infer X>]
    ? Promise<ReadableStream<X>> & AsyncIterable<X>
    : [R] extends [AsyncIterable<infer X>]
      ? Promise<AsyncIterableIterator<X>> & AsyncIterable<X>
      : Promise<R>;

type AnyFunction = (...args: never[]) => unknown;

/**
 * Values that cross whole, copied with their prototype or as one reference (stream, signal, port):
 * never looked into. Ports are matched by shape: Node's `MessagePort` is not a global type.
 */
type Opaque =
  | string
  | number
  | boolean
  | bigint
  | symbol
  | null
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: what a handler that returns nothing gives
  | void
  | ArrayBuffer
  | ArrayBufferView
  | Date
  | RegExp
  | Error
  | ReadonlyMap<unknown, unknown>
  | ReadonlySet<unknown>
  | AbortSignal
  | ReadableStream<unknown>
  | WritableStream<unknown>
  | Blob
  | { postMessage(...args: never[]): unknown; close(): unknown }
  | AsyncIterable<unknown>
  | PromiseLike<unknown>;

/**
 * A class instance, as far as types can tell: it has private members (`#x` or `private`), so a
 * copy of its public members is not one. A class with only public members is indistinguishable
 * from an interface; `assertExposable` catches that one on the exposing side at run time.
 */
type IsClassInstance<T> = T extends object ? ({ [K in keyof T]: T[K] } extends T ? false : true) : false;

type RemoteKey<T, K extends keyof T> = K extends string
  ? K extends LocalName
    ? never
    : T[K] extends AnyFunction
      ? K
      : IsNamespace<T[K]> extends true
        ? K
        : never
  : never;

/** A plain object holding something callable: data, arrays and class instances are not namespaces. */
type IsNamespace<V> = [V] extends [Opaque | readonly unknown[] | AnyFunction]
  ? false
  : [V] extends [object]
    ? IsClassInstance<V> extends true
      ? false
      : [keyof RemoteObject<V>] extends [never]
        ? false
        : true
    : false;

/** Nesting levels `Crossed` looks into; deeper values keep their declared types. */
type Depth = [never, 0, 1, 2, 3, 4, 5, 6, 7];

/**
 * A value as it is on the far side of the channel. Its functions (at any depth of plain objects
 * and arrays) are references: an `argument`'s are called back from the far side, so the caller
 * may pass a local one, sync or async, where the handler declared `Callback<F>`; a `result`'s are
 * remote functions that return promises. Values without functions keep their types.
 */
type Crossed<T, Way extends 'argument' | 'result', D extends number = 8> = 0 extends 1 & T
  ? T
  : T extends Opaque
    ? T
    : T extends AnyFunction
      ? Way extends 'argument'
        ? LocalCallback<T>
        : RemoteFunction<T>
      : T extends Target | RpcTarget
        ? Way extends 'argument'
          ? T
          : RemoteTarget<T>
        : T extends { readonly [remoteOf]: infer L }
          ? Way extends 'argument'
            ? L
            : T
          : T extends object
            ? [D] extends [never]
              ? T
              : HoldsFunction<T, D> extends true
                ? { [K in keyof T]: Crossed<T[K], Way, Depth[D]> }
                : T
            : T;

type HoldsFunction<T, D extends number> = [D] extends [never]
  ? false
  : T extends AnyFunction
    ? true
    : T extends Opaque
      ? false
      : T extends readonly (infer E)[]
        ? HoldsFunction<E, Depth[D]>
        : T extends object
          ? true extends { [K in keyof T]-?: HoldsFunction<T[K], Depth[D]> }[keyof T]
            ? true
            : false
          : false;

/** The local function a caller may pass where a handler declared `Callback<F>` (or any promise-returning type). */
type LocalCallback<F> = F extends (...args: infer A) => infer R
  ? [R] extends [PromiseLike<unknown>]
    ? (...args: A) => Awaited<R> | PromiseLike<Awaited<R>>
    : CallbackMustReturnPromise<F>
  : never;
