/**
 * Streams across the channel, with credit-based flow control: the consumer grants the producer a
 * window of items and grants more only as it takes items out, so a slow consumer holds the
 * producer (and both sides' memory) to the window. Breaking out of `for await` cancels the
 * producer, whose `finally` then runs.
 */
import { RpcError } from './errors.js';
import { settled } from './outbox.js';
import { STREAM_CANCEL, STREAM_CREDIT, STREAM_END } from './protocol.js';

// The stream messages are defined with every other kind in protocol.ts.
export { STREAM_CANCEL, STREAM_CREDIT, STREAM_DATA, STREAM_END } from './protocol.js';

/**
 * The largest window a consumer may ask for (its first STREAM_CREDIT): a larger one ends the
 * stream with `RESOURCE_EXHAUSTED`, so a hostile consumer cannot make a producer run far ahead.
 */
export const MAX_STREAM_WINDOW = 1_024;

/** Items a producer sends before it lets the event loop run other tasks (a fast producer must not starve them). */
export const PUMP_BATCH = 64;

/** What a stream end needs from its session. */
export interface StreamLink {
  send(message: unknown[]): void;
  /**
   * `undefined` when the transport can take a message now, else a promise that settles once it
   * can (its buffer drained): producers wait on it, so transport backpressure bounds their memory.
   */
  whenWritable?(): Promise<void> | undefined;
  /** The stream will exchange no more messages: drop it from the tables. Ids of the two ends are
   * separate namespaces (each side numbers what it exports), so the end says which it is. */
  finished(end: RemoteStream | StreamSource): void;
}

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(reason: unknown): void;
}

/**
 * The consuming end: an async iterator fed by the far side's producer. Once an item has carried
 * references, the stream stays in its session's table (keeping its call, and so those references,
 * alive) until the consumer has seen the end: the last item's callbacks work in the loop body.
 */
export class RemoteStream<T = unknown> implements AsyncIterableIterator<T> {
  readonly #buffer: T[] = [];
  readonly #waiters: Waiter<T>[] = [];
  #started = false;
  #ended = false;
  /** `finished` has been reported to the link. */
  #released = false;
  #holdsRefs = false;
  #error: unknown = undefined;
  #taken = 0;

  readonly #window: number;
  readonly #link: StreamLink;

  constructor(
    readonly id: number,
    window: number,
    link: StreamLink,
  ) {
    this.#window = window;
    this.#link = link;
  }

  /** Items received but not yet taken by the consumer. */
  get buffered(): number {
    return this.#buffer.length;
  }

  get open(): boolean {
    return !this.#ended;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (!this.#started && !this.#ended) {
      this.#started = true;
      this.#link.send([STREAM_CREDIT, this.id, this.#window]);
    }
    if (this.#buffer.length > 0) return Promise.resolve({ value: this.#take(), done: false });
    if (this.#ended) {
      this.#release(true);
      return this.#error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(this.#error);
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Stops consuming: the producer is cancelled and its `finally` runs. */
  return(): Promise<IteratorResult<T>> {
    if (!this.#ended) {
      this.#link.send([STREAM_CANCEL, this.id]);
      this.#ended = true;
    }
    this.#buffer.length = 0;
    this.#release(false);
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(reason?: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(reason);
  }

  /** An item from the producer; `holdsRefs` when it carried references. */
  deliver(value: T, holdsRefs = false): void {
    if (this.#ended) return;
    this.#holdsRefs ||= holdsRefs;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#credit();
      waiter.resolve({ value, done: false });
    } else if (this.#buffer.length >= this.#window) {
      this.#link.send([STREAM_CANCEL, this.id]);
      this.fail(new RpcError('RESOURCE_EXHAUSTED', 'the stream producer sent more than its credit'));
    } else {
      this.#buffer.push(value);
    }
  }

  /** The producer ended, normally or with an error that the consumer sees after the buffered items. */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    // A consumer still busy with items that carried references sees the end at its next read.
    if (this.#waiters.length > 0 || !this.#holdsRefs) this.#release(true);
  }

  /** Ends the stream from this side (close, timeout, cancel): buffered items are dropped. */
  fail(error: unknown): void {
    if (!this.#ended || this.#buffer.length > 0) {
      this.#ended = true;
      this.#error = error;
    }
    this.#buffer.length = 0;
    this.#release(false);
  }

  #take(): T {
    this.#credit();
    return this.#buffer.shift() as T;
  }

  /** Grants credit back in batches of half the window, so credits cost few messages. */
  #credit(): void {
    if (this.#ended) return;
    if (++this.#taken >= Math.ceil(this.#window / 2)) {
      this.#link.send([STREAM_CREDIT, this.id, this.#taken]);
      this.#taken = 0;
    }
  }

  /**
   * Reports the stream finished (once); readers waiting now get the end. `seen`: the consumer has
   * seen the producer's end, which it acknowledges when items carried references (§7).
   */
  #release(seen: boolean): void {
    if (this.#released) return;
    this.#released = true;
    if (seen && this.#holdsRefs) this.#link.send([STREAM_CANCEL, this.id]);
    this.#link.finished(this);
    for (const waiter of this.#waiters.splice(0)) {
      if (this.#error === undefined) waiter.resolve({ value: undefined, done: true });
      else waiter.reject(this.#error);
    }
  }
}

/**
 * The producing end: pulls from a local iterator only while the consumer has granted credit, the
 * transport can take more, and (every `PUMP_BATCH` items) after other tasks have had a turn.
 */
export class StreamSource {
  #credit = 0;
  /** The consumer's window, from its first grant; credit plus items in flight never exceed it. */
  #window = 0;
  #pulling = false;
  #done = false;
  #endSent = false;
  #sinceYield = 0;
  /** Items sent and not yet credited back: what the consumer may hold. */
  inFlight = 0;

  readonly #iterator: AsyncIterator<unknown>;
  readonly #link: StreamLink;
  readonly #encode: (value: unknown) => unknown[];
  readonly #encodeError: (error: unknown) => unknown;

  constructor(
    readonly id: number,
    iterator: AsyncIterator<unknown>,
    link: StreamLink,
    encode: (value: unknown) => unknown[],
    encodeError: (error: unknown) => unknown,
  ) {
    this.#iterator = iterator;
    this.#link = link;
    this.#encode = encode;
    this.#encodeError = encodeError;
  }

  /** This side ended the stream with STREAM_END (not cancelled by the consumer or its call). */
  get endSent(): boolean {
    return this.#endSent;
  }

  /** Credit granted and not yet spent: with `inFlight`, never more than the consumer's window. */
  get credit(): number {
    return this.#credit;
  }

  /** Credit from the consumer: the first grant is its window (§7); later grants are capped to it. */
  grant(count: number): void {
    if (this.#done) return;
    if (this.#window === 0) {
      if (count > MAX_STREAM_WINDOW) {
        const message = `a stream window of ${count} items is over the limit of ${MAX_STREAM_WINDOW}`;
        return this.#stop(new RpcError('RESOURCE_EXHAUSTED', message));
      }
      this.#window = count;
    }
    this.inFlight = Math.max(0, this.inFlight - count);
    this.#credit = Math.min(this.#credit + count, this.#window - this.inFlight);
    this.#pump();
  }

  /** Stops producing and lets the iterator clean up (its `finally` runs). */
  cancel(): void {
    if (this.#done) return;
    this.#done = true;
    this.#link.finished(this);
    this.#closeIterator();
  }

  /** Ends the stream from this side with `error`, which the consumer receives. */
  #stop(error: unknown): void {
    if (!this.#done) this.#end([STREAM_END, this.id, this.#encodeError(error)], true);
  }

  /** Sends the stream's STREAM_END; `close` lets an iterator that did not end itself clean up. */
  #end(message: unknown[], close: boolean): void {
    this.#done = true;
    this.#endSent = true;
    this.#link.send(message);
    this.#link.finished(this);
    if (close) this.#closeIterator();
  }

  #closeIterator(): void {
    try {
      void Promise.resolve(this.#iterator.return?.()).catch(() => {});
    } catch {
      // A throwing return() is the producer's own business; the stream is over either way.
    }
  }

  #pump(): void {
    if (this.#pulling || this.#done || this.#credit <= 0) return;
    this.#pulling = true;
    const writable = this.#link.whenWritable?.();
    if (writable !== undefined) {
      writable.then(this.#resume, (error: unknown) => this.#stop(error));
      return;
    }
    if (++this.#sinceYield > PUMP_BATCH) {
      this.#sinceYield = 0;
      return afterOtherTasks(this.#resume);
    }
    let next: Promise<IteratorResult<unknown>>;
    try {
      next = Promise.resolve(this.#iterator.next());
    } catch (error) {
      next = Promise.reject(error);
    }
    next.then(this.#onItem, this.#onError);
  }

  readonly #onItem = (result: IteratorResult<unknown>): void => {
    this.#pulling = false;
    if (this.#done) return;
    if (result.done) return this.#end([STREAM_END, this.id], false);
    let message: unknown[];
    try {
      message = this.#encode(result.value);
    } catch (error) {
      // An item that cannot be sent (a promise in it, too many references) ends the stream, clearly.
      return this.#stop(error);
    }
    this.#credit--;
    this.inFlight++;
    this.#link.send(message);
    // The next item is pulled after this tick's batch is encoded (its flush was queued first), so a
    // producer that refills the buffer it just yielded cannot change an item before it goes.
    this.#pulling = true;
    void settled.then(this.#resume);
  };

  readonly #resume = (): void => {
    this.#pulling = false;
    this.#pump();
  };

  readonly #onError = (error: unknown): void => {
    this.#pulling = false;
    if (!this.#done) this.#end([STREAM_END, this.id, this.#encodeError(error)], false);
  };
}

/** Runs `task` in a later macrotask, so I/O and timers waiting behind a busy producer run first. */
function afterOtherTasks(task: () => void): void {
  if (typeof setImmediate === 'function') setImmediate(task);
  else (queueTask ??= taskQueue())(task);
}

let queueTask: ((task: () => void) => void) | undefined;

/** Browsers: one MessageChannel whose messages are macrotasks, without setTimeout's 4 ms clamp. */
function taskQueue(): (task: () => void) => void {
  const tasks: (() => void)[] = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => tasks.shift()?.();
  return (task) => {
    tasks.push(task);
    channel.port2.postMessage(undefined);
  };
}

/** An async iterator over a `ReadableStream`, whose `return` cancels the stream. */
export function readableIterator(stream: ReadableStream<unknown>): AsyncIterator<unknown> {
  const reader = stream.getReader();
  return {
    next: () => reader.read() as Promise<IteratorResult<unknown>>,
    return: async () => {
      await reader.cancel();
      return { value: undefined, done: true };
    },
  };
}

/** A `ReadableStream` that pulls from a remote stream one item at a time. */
export function toReadable<T>(stream: RemoteStream<T>): ReadableStream<T> {
  return new ReadableStream<T>(
    {
      async pull(controller) {
        const { value, done } = await stream.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: () => void stream.return(),
    },
    { highWaterMark: 0 },
  );
}
