/**
 * The calling half of a session: calls waiting for their reply (and then for their result
 * streams), held until the far side's hello, timed by one deadline timer, cancelled by signal.
 */
import { endHooks } from './compose.js';
import { DeadlineTimer } from './deadlines.js';
import { errorFromWire } from './error-wire.js';
import { RpcError } from './errors.js';
import { Exchange } from './exchange.js';
import { keepMap } from './map-keepers.js';
import type { Outbox } from './outbox.js';
import { settled } from './outbox.js';
import * as wire from './protocol.js';
import { CALL, type ErrorMessage, type Meta, type ObjectTarget, RESULT_REFS, RESULT_UNDEFINED, type ResultMessage } from './protocol.js';
import { hasRefs } from './ref-markers.js';
import type { References } from './ref-table.js';
import { transferablesOfAll } from './transfer.js';
import type { Call, Logger } from './types.js';

/** An outgoing call: waiting for its reply, then (when its result streams) until they end. */
export class Pending extends Exchange {
  constructor(
    id: number,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
    readonly deadline: number,
    readonly signal: AbortSignal | undefined,
    readonly onAbort: (() => void) | undefined,
    readonly call: Call | undefined,
  ) {
    super(id);
  }
}

void new Promise((resolve, reject) => keepMap(new Pending(0, resolve, reject, 0.5, undefined, undefined, undefined)));

interface Held {
  readonly message: unknown[];
  readonly transfer: Transferable[] | undefined;
}

export interface CallerOptions {
  readonly outbox: Outbox;
  readonly refs: References;
  readonly logger: Logger | undefined;
  /** This side's default timeout (announced in hello): a call that waits it sends none. */
  readonly defaultTimeout: number;
  readonly maxPendingCalls: number;
  /** Arguments may carry transferables (clone transports). */
  readonly transfers: boolean;
  /**
   * Microtasks an idle caller waits before it clears its deadline timer: each outgoing
   * interceptor puts one between a reply and the caller's next call.
   */
  readonly idleHops: number;
}

export function describe(method: string | number | ObjectTarget): string {
  if (typeof method === 'number') return `callback ${method}`;
  if (typeof method === 'object') return `${describe(method[1])} of remote object ${method[0]}`;
  return JSON.stringify(method.length > 64 ? `${method.slice(0, 64)}…` : method);
}

/** Metadata to send: none when empty. */
function someMeta(meta: Meta | undefined): Meta | undefined {
  return meta && Object.keys(meta).length > 0 ? meta : undefined;
}

export class Caller {
  /** Outgoing calls until complete: replied and their result streams ended. */
  readonly pending = new Map<number, Pending>();
  /** Why new calls fail at once: set when the session closes. */
  refusal: (() => RpcError) | undefined = undefined;
  /** The far side has said hello: calls go now instead of waiting in `#held`. */
  ready = false;
  /** Replies dropped as malformed. */
  malformed = 0;

  #nextId = 1;
  #held: Held[] = [];
  #idleCheckScheduled = false;
  #idleHops = 0;
  readonly #deadlines = new DeadlineTimer((now) => this.#expire(now));
  readonly #options: CallerOptions;

  constructor(options: CallerOptions) {
    this.#options = options;
  }

  get armed(): boolean {
    return this.#deadlines.armed;
  }

  get heldCalls(): number {
    let count = 0;
    for (const { message } of this.#held) if (message[0] === CALL) count++;
    return count;
  }

  /** Sends a call to a method (by name), a callback the far side exported (by id), or an object's method (§6.5). */
  send(
    target: string | number | ObjectTarget,
    args: readonly unknown[],
    meta: Meta | undefined,
    signal: AbortSignal | undefined,
    timeout: number,
    call: Call | undefined,
  ): Promise<unknown> {
    if (this.refusal) return Promise.reject(this.refusal());
    const { maxPendingCalls, refs, defaultTimeout } = this.#options;
    if (this.pending.size >= maxPendingCalls) {
      return Promise.reject(new RpcError('RESOURCE_EXHAUSTED', `more than ${maxPendingCalls} calls pending`));
    }
    if (signal?.aborted) return Promise.reject(new RpcError('CANCELLED', 'the call was cancelled', { cause: signal.reason }));
    if ((typeof target !== 'string' && typeof target !== 'number' && !Array.isArray(target)) || !Array.isArray(args)) {
      return Promise.reject(new RpcError('INVALID_ARGUMENT', 'call(method: string, args: array)'));
    }
    const id = this.#nextId++;
    const deadline = timeout === Infinity ? Infinity : performance.now() + timeout;
    return new Promise((resolve, reject) => {
      const onAbort = signal ? () => this.cancel(id, 'CANCELLED', signal.reason) : undefined;
      const pending = new Pending(id, resolve, reject, deadline, signal, onAbort, call);
      endHooks(call, 0);
      this.pending.set(id, pending);
      if (onAbort) signal!.addEventListener('abort', onAbort, { once: true });
      if (deadline !== Infinity) this.#deadlines.arm(deadline);
      let withRefs: boolean;
      let wireArgs: unknown[];
      try {
        // A promise among the arguments, or more references than the far side takes, fails here.
        withRefs = hasRefs(args);
        wireArgs = withRefs ? (refs.exportValue(args, pending, false) as unknown[]) : (args as unknown[]);
      } catch (error) {
        return this.fail(pending, RpcError.from(error, 'INVALID_ARGUMENT'));
      }
      // A call that waits the default time (told in hello) leaves the timeout out.
      const wireTimeout = timeout === defaultTimeout && !withRefs ? undefined : timeout === Infinity ? null : Math.ceil(timeout);
      this.#queue(wire.call(id, target, wireArgs, someMeta(meta), wireTimeout, withRefs), this.#transfersOf(args));
    });
  }

  notify(method: string, args: readonly unknown[], meta: Meta | undefined): void {
    const { logger, maxPendingCalls } = this.#options;
    const refused = this.refusal
      ? this.refusal().message
      : !this.ready && this.#held.length >= maxPendingCalls
        ? `more than ${maxPendingCalls} messages wait for hello`
        : undefined;
    if (refused) return logger?.warn?.(`notification ${describe(method)} dropped: ${refused}`);
    this.#queue(wire.notify(method, args as unknown[], someMeta(meta)), this.#transfersOf(args));
  }

  #transfersOf(args: readonly unknown[]): Transferable[] | undefined {
    return this.#options.transfers ? transferablesOfAll(args) : undefined;
  }

  /** Calls and notifications wait for the far side's hello; everything else goes now. */
  #queue(message: unknown[], transfer: Transferable[] | undefined): void {
    if (this.ready) this.#options.outbox.push(message, transfer);
    else this.#held.push({ message, transfer });
  }

  /** The far side said hello: what waited for it goes now. */
  release(): void {
    this.ready = true;
    const held = this.#held;
    this.#held = [];
    for (const { message, transfer } of held) this.#options.outbox.push(message, transfer);
  }

  /** A RESULT or an ERROR for one of our calls. */
  onReply(message: ResultMessage | ErrorMessage): void {
    const call = this.pending.get(message[1]);
    if (!call || call.replied) return; // cancelled or timed out here already; late replies are expected
    const { refs } = this.#options;
    if (message[0] === wire.ERROR) {
      refs.keep(message[3], call);
      return this.fail(call, errorFromWire(message[2]) as RpcError);
    }
    refs.keep(message[5], call);
    const flags = message[4] ?? 0;
    let value = flags & RESULT_UNDEFINED ? undefined : message[2];
    try {
      if (flags & RESULT_REFS) value = endHooks(call.call, 1, refs.importValue(value, call, true));
    } catch (error) {
      this.malformed++;
      return this.fail(call, new RpcError('INTERNAL', 'a malformed reply', { cause: error }));
    }
    call.replied = true;
    // parse() has already dropped metadata that is not a map within maxMetaEntries.
    if (call.call && message[3]) call.call.resultMeta = message[3];
    call.resolve(value);
    if (call.openStreams === 0) this.complete(call, undefined);
  }

  /** Stops waiting for a call: rejects it (or ends its streams) and tells the far side to stop. */
  cancel(id: number, code: 'CANCELLED' | 'DEADLINE_EXCEEDED', cause: unknown): void {
    const call = this.pending.get(id);
    if (!call) return;
    const message = code === 'CANCELLED' ? 'the call was cancelled' : 'the call timed out';
    this.fail(call, new RpcError(code, message, { cause }));
    if (!this.#removeHeld(id)) this.#options.outbox.push(wire.cancel(id, code));
  }

  /** Ends an outgoing call with `error`: a rejection before its reply, a stream error after. */
  fail(call: Pending, error: RpcError): void {
    if (call.replied) this.#options.refs.failStreams(call, error);
    else {
      call.replied = true;
      call.reject(error);
    }
    // A far side may throw undefined or null; the end hook still has to see a failure.
    this.complete(call, error ?? RpcError.from(error));
  }

  /** A CALL that could not be sent fails its own call. */
  unsent(id: number, target: string | number | ObjectTarget, error: RpcError): void {
    const call = this.pending.get(id);
    if (call) this.fail(call, new RpcError(error.code, `arguments of ${describe(target)}: ${error.message}`, { cause: error.cause }));
  }

  /** A call is complete: forget it and release what it owned. */
  complete(call: Pending, reason: unknown): void {
    if (this.pending.get(call.id) !== call) return;
    this.pending.delete(call.id);
    if (call.onAbort) call.signal!.removeEventListener('abort', call.onAbort);
    if (this.pending.size === 0) this.#clearDeadlinesWhenIdle();
    this.#options.refs.complete(call, reason);
    endHooks(call.call, 2, reason);
  }

  /** Fails every pending call, held ones included, with `error`. */
  dropAll(error: RpcError): void {
    this.#held = [];
    for (const call of [...this.pending.values()]) this.fail(call, error);
  }

  /** The session is over: nothing more goes, and no timer stays armed. */
  stop(): void {
    this.#held = [];
    this.#deadlines.clear();
  }

  /**
   * Clears the deadline timer once no call is pending, a few microtasks from now: a caller making
   * calls one after another starts the next before then (after its interceptors' steps), and
   * keeps the timer instead of paying for a new one per call.
   */
  #clearDeadlinesWhenIdle(): void {
    if (this.#idleCheckScheduled) return;
    this.#idleCheckScheduled = true;
    this.#idleHops = this.#options.idleHops;
    void settled.then(this.#clearIfIdle);
  }

  readonly #clearIfIdle = (): void => {
    if (this.pending.size !== 0) this.#idleCheckScheduled = false;
    else if (--this.#idleHops > 0) void settled.then(this.#clearIfIdle);
    else {
      this.#idleCheckScheduled = false;
      this.#deadlines.clear();
    }
  };

  #removeHeld(id: number): boolean {
    const index = this.#held.findIndex(({ message }) => message[0] === CALL && message[1] === id);
    if (index >= 0) this.#held.splice(index, 1);
    return index >= 0;
  }

  #expire(now: number): number {
    let next = Infinity;
    for (const [id, call] of this.pending) {
      if (call.deadline <= now) this.cancel(id, 'DEADLINE_EXCEEDED', undefined);
      else if (call.deadline < next) next = call.deadline;
    }
    return next;
  }
}
