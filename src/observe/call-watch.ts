/**
 * One interceptor shape for everything that watches calls (logging, metrics, tracing): it sees
 * each call start and end once, with its status code, also when the result is a stream (the call
 * ends when the stream ends, fails or is cancelled, and each item is counted).
 */

import { type CallEnd, type EndingCall, endsCalls } from '../compose.js';
import { RpcError } from '../errors.js';
import type { Call, CallHandler, Interceptor } from '../types.js';

/** Which end of the call this side is: `client` for outgoing calls, `server` for incoming ones. */
export type Side = 'client' | 'server';

/** `OK` or the gRPC-style code of what the call failed with. */
export type StatusCode = 'OK' | RpcError['code'];

/** What a watcher does with a call; `S` is its own per-call state, returned by `start`. */
export interface CallWatcher<S> {
  start(call: Call, side: Side): S;
  /** One item of a result stream went by. */
  item?(state: S): void;
  /** Runs the rest of the chain, e.g. inside a tracing context. Default: runs it as it is. */
  run?(state: S, proceed: () => Promise<unknown>): Promise<unknown>;
  /** The call is over; `error` is `undefined` on success. Called exactly once. */
  end(state: S, code: StatusCode, error: unknown): void;
}

/** The status code of a failure, as the caller sees it. */
export function codeOf(error: unknown): RpcError['code'] {
  return RpcError.from(error).code;
}

/** Codes that mean the serving side failed, after gRPC's rule (used by error-rate alerts and spans). */
export const serverFaults: ReadonlySet<string> = new Set([
  'UNKNOWN',
  'DEADLINE_EXCEEDED',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
]);

/**
 * One call's end, reported once however many ways it is seen: by the core (`CallEnd`, when this
 * watcher sits directly outside it) or by the promise and stream of its result.
 */
class Ending<S> implements CallEnd {
  claimed = false;
  #done = false;
  /** The result streams: the wrapped stream says how the call ended (the core sees a cancel as a plain end). */
  #streaming = false;

  constructor(
    readonly next: CallEnd | undefined,
    readonly watcher: CallWatcher<S>,
    readonly state: S,
  ) {}

  result(value: unknown): unknown {
    const watched = watchStream(value, this);
    this.#streaming ||= watched !== value;
    return watched;
  }

  end(error: unknown): void {
    if (error === undefined && this.#streaming) return;
    this.finish(error === undefined ? 'OK' : codeOf(error), error);
  }

  finish(code: StatusCode, error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.watcher.end(this.state, code, error);
  }
}

/**
 * An interceptor that reports each call of `side` to `watcher`. Directly outside the core, it
 * leaves the end of each call the core takes to the core (no promise chained per call).
 */
export function watchCalls<S>(watcher: CallWatcher<S>, side: Side): Interceptor {
  return (next) => {
    const direct = endsCalls.has(next);
    const handler: CallHandler = (call) => {
      const state = watcher.start(call, side);
      const ending = new Ending(direct ? (call as EndingCall).ending : undefined, watcher, state);
      if (direct) (call as EndingCall).ending = ending;
      let result: Promise<unknown>;
      try {
        result = watcher.run ? watcher.run(state, () => next(call)) : next(call);
      } catch (error) {
        if (direct) (call as EndingCall).ending = ending.next;
        ending.finish(codeOf(error), error);
        throw error;
      }
      if (ending.claimed) return result;
      if (direct) (call as EndingCall).ending = ending.next;
      return result.then(
        (value) => {
          if (call.notification) {
            ending.finish('OK', undefined);
            return value;
          }
          const watched = watchStream(value, ending);
          if (watched === value) ending.finish('OK', undefined);
          return watched;
        },
        (error: unknown) => {
          ending.finish(codeOf(error), error);
          throw error;
        },
      );
    };
    if (direct) endsCalls.add(handler);
    return handler;
  };
}

/** A result stream is passed on wrapped, so its end ends the call; any other value is returned as it is. */
function watchStream<S>(value: unknown, ending: Ending<S>): unknown {
  if (typeof value === 'object' && value !== null) {
    if (typeof ReadableStream !== 'undefined' && value instanceof ReadableStream) return watchReadable(value, ending);
    const iterable = value as Partial<AsyncIterable<unknown>>;
    if (typeof iterable[Symbol.asyncIterator] === 'function') return watchIterable(iterable as AsyncIterable<unknown>, ending);
  }
  return value;
}

function watchIterable<S>(source: AsyncIterable<unknown>, ending: Ending<S>): AsyncIterableIterator<unknown> {
  let iterator: AsyncIterator<unknown> | undefined;
  const { watcher, state } = ending;
  const end = (code: StatusCode, error: unknown) => ending.finish(code, error);
  const cancelled = new RpcError('CANCELLED', 'the stream was cancelled');
  const wrapped: AsyncIterableIterator<unknown> = {
    [Symbol.asyncIterator]: () => wrapped,
    async next() {
      iterator ??= source[Symbol.asyncIterator]();
      try {
        const step = await iterator.next();
        if (step.done) end('OK', undefined);
        else watcher.item?.(state);
        return step;
      } catch (error) {
        end(codeOf(error), error);
        throw error;
      }
    },
    async return(value?: unknown) {
      end('CANCELLED', cancelled);
      iterator ??= source[Symbol.asyncIterator]();
      return iterator.return ? iterator.return(value) : { value, done: true };
    },
    async throw(reason?: unknown) {
      end(codeOf(reason), reason);
      iterator ??= source[Symbol.asyncIterator]();
      if (iterator.throw) return iterator.throw(reason);
      throw reason;
    },
  };
  return wrapped;
}

function watchReadable<S>(source: ReadableStream<unknown>, ending: Ending<S>): ReadableStream<unknown> {
  const reader = source.getReader();
  const { watcher, state } = ending;
  const end = (code: StatusCode, error: unknown) => ending.finish(code, error);
  return new ReadableStream(
    {
      async pull(controller) {
        try {
          const { value, done } = await reader.read();
          if (done) {
            end('OK', undefined);
            controller.close();
          } else {
            watcher.item?.(state);
            controller.enqueue(value);
          }
        } catch (error) {
          end(codeOf(error), error);
          controller.error(error);
        }
      },
      cancel(reason) {
        end('CANCELLED', reason);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
