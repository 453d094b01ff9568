/**
 * One interceptor shape for everything that watches calls (logging, metrics, tracing): it sees
 * each call start and end once, with its status code, also when the result is a stream (the call
 * ends when the stream ends, fails or is cancelled, and each item is counted).
 */
import { RpcError } from '../errors.js';
import type { Call, Interceptor } from '../types.js';

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

/** An interceptor that reports each call of `side` to `watcher`. */
export function watchCalls<S>(watcher: CallWatcher<S>, side: Side): Interceptor {
  return (next) => (call) => {
    const state = watcher.start(call, side);
    let result: Promise<unknown>;
    try {
      result = watcher.run ? watcher.run(state, () => next(call)) : next(call);
    } catch (error) {
      watcher.end(state, codeOf(error), error);
      throw error;
    }
    return result.then(
      (value) => {
        if (call.notification) {
          watcher.end(state, 'OK', undefined);
          return value;
        }
        return watchResult(value, watcher, state);
      },
      (error: unknown) => {
        watcher.end(state, codeOf(error), error);
        throw error;
      },
    );
  };
}

/** A result stream is passed on wrapped, so its end ends the call; any other result ends it now. */
function watchResult<S>(value: unknown, watcher: CallWatcher<S>, state: S): unknown {
  if (typeof value === 'object' && value !== null) {
    if (typeof ReadableStream !== 'undefined' && value instanceof ReadableStream) return watchReadable(value, watcher, state);
    const iterable = value as Partial<AsyncIterable<unknown>>;
    if (typeof iterable[Symbol.asyncIterator] === 'function') return watchIterable(iterable as AsyncIterable<unknown>, watcher, state);
  }
  watcher.end(state, 'OK', undefined);
  return value;
}

/** Ends the call once, whichever way the stream stops. */
function ender<S>(watcher: CallWatcher<S>, state: S): (code: StatusCode, error: unknown) => void {
  let ended = false;
  return (code, error) => {
    if (ended) return;
    ended = true;
    watcher.end(state, code, error);
  };
}

function watchIterable<S>(source: AsyncIterable<unknown>, watcher: CallWatcher<S>, state: S): AsyncIterableIterator<unknown> {
  let iterator: AsyncIterator<unknown> | undefined;
  const end = ender(watcher, state);
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

function watchReadable<S>(source: ReadableStream<unknown>, watcher: CallWatcher<S>, state: S): ReadableStream<unknown> {
  const reader = source.getReader();
  const end = ender(watcher, state);
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
