/**
 * Streams across the channel, with credit-based flow control: the consumer grants the producer a
 * window of items and grants more only as it takes items out, so a slow consumer holds the
 * producer (and both sides' memory) to the window. Breaking out of `for await` cancels the
 * producer, whose `finally` then runs.
 */
import { RpcError } from './errors.js';

export const STREAM_DATA = 6; //   [6, id, value, refs?]
export const STREAM_END = 7; //    [7, id, error?]
export const STREAM_CREDIT = 8; // [8, id, count]
export const STREAM_CANCEL = 13; // [13, id]

/** What a stream end needs from its session. */
export interface StreamLink {
  send(message: unknown[]): void;
  /** The stream will exchange no more messages: drop it from the tables. Ids of the two ends are
   * separate namespaces (each side numbers what it exports), so the end says which it is. */
  finished(end: RemoteStream | StreamSource): void;
}

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(reason: unknown): void;
}

/** The consuming end: an async iterator fed by the far side's producer. */
export class RemoteStream<T = unknown> implements AsyncIterableIterator<T> {
  readonly #buffer: T[] = [];
  readonly #waiters: Waiter<T>[] = [];
  #started = false;
  #ended = false;
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
    if (this.#ended) return this.#error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(this.#error);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Stops consuming: the producer is cancelled and its `finally` runs. */
  return(): Promise<IteratorResult<T>> {
    if (!this.#ended) {
      this.#link.send([STREAM_CANCEL, this.id]);
      this.#finish(undefined);
    }
    this.#buffer.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(reason?: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(reason);
  }

  /** An item from the producer. */
  deliver(value: T): void {
    if (this.#ended) return;
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
    this.#finish(error);
  }

  /** Ends the stream from this side (close, timeout, cancel): buffered items are dropped. */
  fail(error: unknown): void {
    this.#buffer.length = 0;
    if (!this.#ended) this.#finish(error);
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

  #finish(error: unknown): void {
    this.#ended = true;
    this.#error = error;
    this.#link.finished(this);
    if (this.#buffer.length > 0) return;
    for (const waiter of this.#waiters.splice(0)) {
      if (error === undefined) waiter.resolve({ value: undefined, done: true });
      else waiter.reject(error);
    }
  }
}

/** The producing end: pulls from a local iterator only while the consumer has granted credit. */
export class StreamSource {
  #credit = 0;
  #pulling = false;
  #done = false;
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

  get open(): boolean {
    return !this.#done;
  }

  grant(count: number): void {
    if (this.#done) return;
    this.#credit += count;
    this.inFlight = Math.max(0, this.inFlight - count);
    this.#pump();
  }

  /** Stops producing and lets the iterator clean up (its `finally` runs). */
  cancel(): void {
    if (this.#done) return;
    this.#done = true;
    this.#link.finished(this);
    try {
      void Promise.resolve(this.#iterator.return?.()).catch(() => {});
    } catch {
      // A throwing return() is the producer's own business; the stream is over either way.
    }
  }

  #pump(): void {
    if (this.#pulling || this.#done || this.#credit <= 0) return;
    this.#pulling = true;
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
    if (result.done) {
      this.#done = true;
      this.#link.send([STREAM_END, this.id]);
      this.#link.finished(this);
      return;
    }
    this.#credit--;
    this.inFlight++;
    this.#link.send(this.#encode(result.value));
    this.#pump();
  };

  readonly #onError = (error: unknown): void => {
    this.#pulling = false;
    if (this.#done) return;
    this.#done = true;
    this.#link.send([STREAM_END, this.id, this.#encodeError(error)]);
    this.#link.finished(this);
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
