/**
 * What the transports that redial share (`connectWebSocket`, `connectExtension`): one transport,
 * and so one peer, across many links. When a link goes down the peer is told (`interrupted`: calls
 * in flight fail with `UNAVAILABLE`, new calls wait or fail by `whileDown`); when a new one answers,
 * it starts a fresh session (`resumed`). Subclasses open links (`dial`) and let them go (`release`).
 */
import type { TransportReceiver } from '../src/transport.js';
import { ConnectionStateful } from './connection-state.js';

export abstract class Redialling extends ConnectionStateful {
  readonly initiator = true;
  protected receiver: TransportReceiver | undefined;
  /** Links in a row that failed; 0 once one answers. */
  protected failures = 0;
  /** Between a link going down and the next one answering. */
  protected down = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #done = false;

  constructor(private readonly whileDown: 'wait' | 'fail' | undefined) {
    super();
  }

  start(receiver: TransportReceiver): void {
    this.receiver = receiver;
    this.dial();
  }

  close(): void {
    this.shutdown(undefined);
  }

  protected get isClosed(): boolean {
    return this.#done;
  }

  /** Opens the next link. */
  protected abstract dial(): void;

  /** Lets go of the current link and of any timer of the subclass's own. */
  protected abstract release(): void;

  /** A link answered: the peer starts a fresh session if it was down. */
  protected linkUp(): void {
    this.failures = 0;
    this.setState({ state: 'open', attempt: 0 });
    if (this.down) {
      this.down = false;
      this.receiver?.resumed();
    }
  }

  /** The link is down and the next dial is `delay` ms away; true when this starts an outage. */
  protected redialIn(delay: number, reason: unknown): boolean {
    const outage = !this.down;
    if (outage) {
      this.down = true;
      this.receiver?.interrupted(reason, this.whileDown !== 'fail');
    }
    this.setState({ state: 'reconnecting', attempt: this.failures, delay, reason });
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.dial();
    }, delay);
    return outage;
  }

  /** Closes for good; `reason` is set when the link gave up rather than the peer closing it. */
  protected shutdown(reason: unknown): void {
    if (this.#done) return;
    this.#done = true;
    const receiver = this.receiver;
    this.receiver = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.release();
    this.setState(
      reason === undefined ? { state: 'closed', attempt: this.failures } : { state: 'closed', attempt: this.failures, reason },
    );
    if (reason !== undefined) receiver?.closed(reason);
  }
}
