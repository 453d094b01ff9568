/**
 * What the reference table shares with the caller and the callee: the call each reference belongs
 * to (`Exchange`), the bounds a far side is held to, and what the table needs from its session.
 */
import type { ObjectTarget } from './protocol.js';

/** One call, on either side, as far as the references it carries are concerned. */
export class Exchange {
  /** Ids of references this side exported with the call (args when calling, result when answering). */
  exported: number[] | undefined = undefined;
  /** Ids of references this side imported with the call. */
  imported: number[] | undefined = undefined;
  /** Streams of the result still open; the call is complete when replied and this is 0. */
  openStreams = 0;
  replied = false;
  /** Callee side: imported callbacks the handler retained, reported to the caller in the reply. */
  retained: number[] | undefined = undefined;

  constructor(readonly id: number) {}
}

/** Bounds on what the far side can make this side hold (`limits` in `PeerOptions`). */
export interface ReferenceLimits {
  /** References imported from the far side and live at once, in the whole session. Default 10,000. */
  readonly maxReferences?: number;
  /** References one message (a call's arguments, a result, a stream item) may carry, either way. Default 1,000. */
  readonly maxReferencesPerMessage?: number;
  /** References the items of one stream may carry in all (they live until its call completes). Default 1,000. */
  readonly maxReferencesPerStream?: number;
}

export const DEFAULT_MAX_REFERENCES = 10_000;
export const DEFAULT_MAX_REFERENCES_PER_MESSAGE = 1_000;
export const DEFAULT_MAX_REFERENCES_PER_STREAM = 1_000;

/** What the reference table needs from its session. */
export interface ReferenceHost {
  send(message: unknown[]): void;
  /**
   * `undefined` when the transport can take a message now, else a promise that settles when it
   * can (for example once a WebSocket's `bufferedAmount` is low again). Stream producers wait on
   * it. Left out, producers are bounded by credit alone.
   */
  whenWritable?(): Promise<void> | undefined;
  /** Calls a function the far side exported (by its id), or a method of an object it exported (§6.5). */
  callRef(target: number | ObjectTarget, args: unknown[]): Promise<unknown>;
  /** An exchange finished its streams after its reply: drop it. */
  completed(exchange: Exchange): void;
  readonly exposeStacks: boolean;
}
