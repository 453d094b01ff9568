/**
 * One peer across many links (see `dialer.ts` for how links are named): a fresh `Session` (a fresh
 * hello, and over `saltline/secure` a fresh handshake) on each. Between links it holds new calls
 * or fails them (`whileDown`); calls in flight when a link drops fail with `UNAVAILABLE`, as they
 * would on any transport. A link counts as up once its session has the far side's hello.
 */

import { describe } from './caller.js';
import { ConnectionStateful } from './connection-state.js';
import { DeadlineTimer } from './deadlines.js';
import type { Dial, Reconnecting, ReconnectPolicy } from './dialer.js';
import { RpcError } from './errors.js';
import type { Line } from './line.js';
import type { Meta } from './protocol.js';
import { defaultTimeoutOf, Session } from './session.js';
import type { Transport } from './transport.js';
import type { Call, Logger, Peer, PeerOptions, PeerStats } from './types.js';

/** A call or notification made while no link is up. */
interface Held {
  readonly target: string;
  readonly args: readonly unknown[];
  readonly meta: Meta | undefined;
  /** Absent for a notification. */
  readonly call?: {
    readonly signal: AbortSignal | undefined;
    readonly deadline: number;
    readonly info: Call | undefined;
    readonly resolve: (value: unknown) => void;
    readonly reject: (reason: unknown) => void;
    onAbort: (() => void) | undefined;
  };
}

const IDLE: PeerStats = {
  pendingCalls: 0,
  heldCalls: 0,
  activeHandlers: 0,
  timers: 0,
  references: 0,
  streams: 0,
  streamItemsBuffered: 0,
  streamItemsInFlight: 0,
  messagesSent: 0,
  messagesReceived: 0,
  malformed: 0,
  ready: false,
  closed: false,
};

/** The links of one peer, one at a time, each with its own session; what waits between them. */
export class Links extends ConnectionStateful implements Line {
  readonly closed: Promise<unknown>;
  readonly defaultTimeout: number;
  readonly logger: Logger | undefined;

  readonly #dial: Dial;
  readonly #policy: Required<Omit<ReconnectPolicy, 'shouldRetry'>> & Pick<ReconnectPolicy, 'shouldRetry'>;
  readonly #options: PeerOptions;
  readonly #peer: Peer;
  readonly #maxPending: number;
  #api: object | undefined;
  #session: Session | undefined;
  /** The current session has the far side's hello. */
  #up = false;
  #held: Held[] = [];
  /** Why new calls fail at once: `whileDown: 'fail'` while down, or down longer than `maxWait`. */
  #refusal: RpcError | undefined;
  #failures = 0;
  readonly #lifetime = new AbortController();
  #redialTimer: ReturnType<typeof setTimeout> | undefined;
  #waitTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #deadlines = new DeadlineTimer((now) => this.#expire(now));
  #done = false;
  #closeReason: unknown;
  #resolveClosed!: (reason: unknown) => void;

  constructor(target: Reconnecting, options: PeerOptions, peer: Peer) {
    super();
    const p = target.policy;
    this.#dial = target.dial;
    this.#policy = {
      initialDelay: p.initialDelay ?? 250,
      maxDelay: p.maxDelay ?? 30_000,
      factor: p.factor ?? 2,
      jitter: Math.min(1, Math.max(0, p.jitter ?? 0.5)),
      maxAttempts: p.maxAttempts ?? Infinity,
      maxWait: p.maxWait ?? 30_000,
      whileDown: p.whileDown ?? 'hold',
      shouldRetry: p.shouldRetry,
    };
    this.#options = options;
    this.#peer = peer;
    this.#api = options.expose;
    this.#maxPending = options.limits?.maxPendingCalls ?? 10_000;
    this.defaultTimeout = defaultTimeoutOf(options);
    this.logger = options.logger;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#next();
  }

  get isClosed(): boolean {
    return this.#done;
  }

  get remoteIdentity(): Uint8Array | undefined {
    return this.#session?.remoteIdentity;
  }

  set api(api: object | undefined) {
    this.#api = api;
    if (this.#session) this.#session.api = api;
  }

  send(
    target: string,
    args: readonly unknown[],
    meta: Meta | undefined,
    signal: AbortSignal | undefined,
    timeout: number,
    info: Call | undefined,
  ): Promise<unknown> {
    if (this.#isUp()) return this.#session!.send(target, args, meta, signal, timeout, info);
    if (this.#done) return Promise.reject(new RpcError('UNAVAILABLE', 'the peer closed', { cause: this.#closeReason }));
    if (this.#refusal) return Promise.reject(this.#refusal);
    if (this.#held.length >= this.#maxPending) {
      return Promise.reject(new RpcError('RESOURCE_EXHAUSTED', `more than ${this.#maxPending} calls wait for a link`));
    }
    if (signal?.aborted) return Promise.reject(new RpcError('CANCELLED', 'the call was cancelled', { cause: signal.reason }));
    const deadline = timeout === Infinity ? Infinity : performance.now() + timeout;
    return new Promise((resolve, reject) => {
      const call = { signal, deadline, info, resolve, reject, onAbort: undefined as (() => void) | undefined };
      const held: Held = { target, args, meta, call };
      if (signal) {
        call.onAbort = () => this.#unhold(held, new RpcError('CANCELLED', 'the call was cancelled', { cause: signal.reason }));
        signal.addEventListener('abort', call.onAbort, { once: true });
      }
      this.#held.push(held);
      if (deadline !== Infinity) this.#deadlines.arm(deadline);
    });
  }

  notify(method: string, args: readonly unknown[], meta: Meta | undefined): void {
    if (this.#isUp()) return this.#session!.notify(method, args, meta);
    const why = this.#done
      ? 'the peer closed'
      : (this.#refusal?.message ?? (this.#held.length >= this.#maxPending ? 'too many wait for a link' : undefined));
    if (why !== undefined) return this.logger?.warn?.(`notification ${describe(method)} dropped: ${why}`);
    this.#held.push({ target: method, args, meta });
  }

  close(reason?: unknown): void {
    this.#end(reason, true);
  }

  stats(): PeerStats {
    const base = this.#session?.stats() ?? IDLE;
    let heldCalls = 0;
    for (const held of this.#held) if (held.call) heldCalls++;
    const timers = (this.#redialTimer ? 1 : 0) + (this.#waitTimer ? 1 : 0) + (this.#deadlines.armed ? 1 : 0);
    return {
      ...base,
      pendingCalls: base.pendingCalls + heldCalls,
      heldCalls: base.heldCalls + heldCalls,
      timers: base.timers + timers,
      ready: this.#up,
      closed: this.#done,
    };
  }

  // ---- links ------------------------------------------------------------------------------

  /** A link is up, and its session has not closed (its `closed` reaches us a microtask later). */
  #isUp(): boolean {
    return this.#up && !this.#session!.isClosed;
  }

  /** Dials the next link. */
  #next(): void {
    this.#redialTimer = undefined;
    const signal = this.#lifetime.signal;
    let dialled: Transport | PromiseLike<Transport>;
    try {
      dialled = this.#dial({ attempt: this.#failures, signal });
    } catch (error) {
      return this.#lost(error);
    }
    if (typeof (dialled as PromiseLike<Transport>)?.then !== 'function') return this.#open(dialled as Transport);
    (dialled as PromiseLike<Transport>).then(
      (transport) => {
        if (signal.aborted) transport?.close();
        else this.#open(transport);
      },
      (error: unknown) => {
        if (!signal.aborted) this.#lost(error);
      },
    );
  }

  /** A link opened: a fresh session runs on it. */
  #open(transport: Transport): void {
    let session: Session;
    try {
      session = new Session(transport, { ...this.#options, expose: this.#api }, this.#peer, { ready: () => this.#ready(session) });
    } catch (error) {
      // Not a link problem (a codec that does not fit the transport): no redial would do better.
      transport.close();
      return this.#end(error, false);
    }
    this.#session = session;
    void session.closed.then((reason) => {
      if (this.#session !== session || this.#done) return;
      this.#session = undefined;
      this.#up = false;
      // A far side that said goodbye closed the peer, not the link.
      if (session.saidGoodbye) this.#end(reason, false);
      else this.#lost(reason);
    });
  }

  /** The far side said hello: the link is up, and what waited for it goes now. */
  #ready(session: Session): void {
    if (this.#session !== session || this.#done) return;
    this.#up = true;
    this.#failures = 0;
    this.#refusal = undefined;
    clearTimeout(this.#waitTimer);
    this.#waitTimer = undefined;
    this.setState({ state: 'open', attempt: 0 });
    const held = this.#held;
    this.#held = [];
    this.#deadlines.clear();
    const now = performance.now();
    for (const { target, args, meta, call } of held) {
      if (!call) {
        session.notify(target, args, meta);
        continue;
      }
      if (call.onAbort) call.signal!.removeEventListener('abort', call.onAbort);
      if (call.deadline <= now) call.reject(new RpcError('DEADLINE_EXCEEDED', 'the call timed out'));
      else session.send(target, args, meta, call.signal, call.deadline - now, call.info).then(call.resolve, call.reject);
    }
  }

  /** A dial failed or a link went down: redial after the backoff, or give up. */
  #lost(reason: unknown): void {
    if (this.#done) return;
    this.#failures++;
    const policy = this.#policy;
    if (this.#failures > policy.maxAttempts || (policy.shouldRetry && !policy.shouldRetry(reason))) return this.#end(reason, false);
    const outage = this.state !== 'reconnecting';
    const base = Math.min(policy.maxDelay, policy.initialDelay * policy.factor ** (this.#failures - 1));
    const delay = base * (1 - policy.jitter * Math.random());
    // A link that was up and dropped, with no delay asked for (a far side that announces itself): dial now, no timer.
    const now = delay === 0 && this.#failures === 1;
    if (!now) this.#redialTimer = setTimeout(() => this.#next(), delay);
    if (outage) {
      if (policy.whileDown === 'fail') this.#refuse(new RpcError('UNAVAILABLE', 'the connection is down', { cause: reason }), reason);
      else if (policy.maxWait < Infinity) {
        this.#waitTimer = setTimeout(() => {
          this.#waitTimer = undefined;
          this.#refuse(new RpcError('UNAVAILABLE', `still reconnecting after ${policy.maxWait} ms`, { cause: reason }), undefined);
        }, policy.maxWait);
      }
    }
    this.setState({ state: 'reconnecting', attempt: this.#failures, delay, reason });
    if (now && !this.#done) this.#next();
  }

  /** From now until a link is up, new calls fail with `refusal`; held ones fail now. */
  #refuse(refusal: RpcError, reason: unknown): void {
    this.#refusal = refusal;
    this.#failHeld(new RpcError('UNAVAILABLE', 'the connection dropped', { cause: reason ?? refusal }));
  }

  /** Closes for good: by the app (`sayGoodbye`), or because the links gave up with `reason`. */
  #end(reason: unknown, sayGoodbye: boolean): void {
    if (this.#done) return;
    this.#done = true;
    this.#closeReason = reason;
    this.#up = false;
    this.#lifetime.abort(reason);
    clearTimeout(this.#redialTimer);
    clearTimeout(this.#waitTimer);
    this.#redialTimer = this.#waitTimer = undefined;
    this.#session?.close(reason, sayGoodbye);
    this.#failHeld(new RpcError('UNAVAILABLE', 'the peer closed', { cause: reason }));
    this.setState(sayGoodbye ? { state: 'closed', attempt: this.#failures } : { state: 'closed', attempt: this.#failures, reason });
    this.#resolveClosed(reason);
  }

  // ---- held calls -------------------------------------------------------------------------

  #failHeld(error: RpcError): void {
    const held = this.#held;
    this.#held = [];
    this.#deadlines.clear();
    for (const { target, call } of held) {
      if (!call) this.logger?.warn?.(`notification ${describe(target)} dropped: ${error.message}`);
      else {
        if (call.onAbort) call.signal!.removeEventListener('abort', call.onAbort);
        call.reject(error);
      }
    }
  }

  #unhold(held: Held, error: RpcError): void {
    const index = this.#held.indexOf(held);
    if (index < 0) return;
    this.#held.splice(index, 1);
    if (held.call!.onAbort) held.call!.signal!.removeEventListener('abort', held.call!.onAbort);
    held.call!.reject(error);
    if (this.#held.length === 0) this.#deadlines.clear();
  }

  #expire(now: number): number {
    let next = Infinity;
    for (const held of [...this.#held]) {
      const deadline = held.call?.deadline ?? Infinity;
      if (deadline <= now) this.#unhold(held, new RpcError('DEADLINE_EXCEEDED', 'the call timed out'));
      else if (deadline < next) next = deadline;
    }
    return next;
  }
}
