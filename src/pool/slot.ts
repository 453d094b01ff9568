/**
 * One place in a pool: the member's current peer, or the wait before its replacement. A member
 * that fails is replaced by a fresh `factory` call after a delay that doubles while replacements
 * fail before their first message, so a dead server is dialled at a bounded rate.
 */
import type { Transport } from '../transport.js';
import type { CallOptions, Peer, PeerOptions } from '../types.js';

export interface SlotContext {
  readonly factory: (index: number) => Transport | PromiseLike<Transport>;
  readonly make: (transport: Transport, options: PeerOptions) => Peer;
  readonly peerOptions: PeerOptions;
  readonly backoff: { readonly initial: number; readonly max: number };
  /** A new member may take calls. */
  readonly up: () => void;
  /** A failed member is being replaced. */
  readonly replaced: () => void;
}

export class Slot {
  readonly index: number;
  /** The member's peer while it is up; `undefined` while down or dialling. */
  peer: Peer | undefined;
  readonly #context: SlotContext;
  #calls = 0;
  #failures = 0;
  /** Failures in a row without a message from the far side: the backoff exponent. */
  #streak = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closing = false;

  constructor(index: number, context: SlotContext) {
    this.index = index;
    this.#context = context;
    this.#dial();
  }

  /** Sends one call to `peer` (this slot's, when it was picked) with what is left of its deadline. */
  call(peer: Peer, method: string, args: readonly unknown[], options: CallOptions | undefined, remaining: number): Promise<unknown> {
    this.#calls++;
    return peer.call(method, args, { ...options, timeout: Math.max(1, remaining) });
  }

  stats() {
    const peer = this.peer;
    const stats = peer?.stats();
    return {
      index: this.index,
      state: !stats ? ('down' as const) : stats.ready ? ('ready' as const) : ('up' as const),
      pendingCalls: stats?.pendingCalls ?? 0,
      calls: this.#calls,
      failures: this.#failures,
    };
  }

  /** Stops replacing the member and closes it; settles once its peer has closed. */
  close(reason: unknown): Promise<unknown> {
    this.#closing = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const peer = this.peer;
    peer?.close(reason);
    return peer ? peer.closed : Promise.resolve();
  }

  #dial(): void {
    let made: Transport | PromiseLike<Transport>;
    try {
      made = this.#context.factory(this.index);
    } catch {
      return this.#failed(false);
    }
    if (typeof (made as PromiseLike<Transport>).then !== 'function') return this.#start(made as Transport);
    (made as PromiseLike<Transport>).then(
      (transport) => this.#start(transport),
      () => this.#failed(false),
    );
  }

  #start(transport: Transport): void {
    if (this.#closing) return transport.close();
    let peer: Peer;
    try {
      peer = this.#context.make(transport, this.#context.peerOptions);
    } catch {
      transport.close();
      return this.#failed(false);
    }
    this.peer = peer;
    void peer.closed.then(() => {
      if (this.peer === peer) this.peer = undefined;
      this.#failed(peer.stats().messagesReceived > 0);
    });
    this.#context.up();
  }

  #failed(worked: boolean): void {
    if (this.#closing) return;
    this.#failures++;
    this.#streak = worked ? 0 : this.#streak + 1;
    const { initial, max } = this.#context.backoff;
    const delay = Math.min(max, initial * 2 ** Math.max(0, this.#streak - 1));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#context.replaced();
      this.#dial();
    }, delay);
  }
}
