// biome-ignore-all lint/suspicious/noExplicitAny: the platform's own signatures
/**
 * `saltline/window`: a transport between two windows — a page and an iframe it embeds, or a page
 * and a popup it opened — over `postMessage`, with explicit origins.
 *
 * The two sides find each other with a short handshake on `window.postMessage` (either may load
 * first), checked against the target window and the allowed origins; then the side that created
 * the other (the parent, the opener) hands over a dedicated `MessageChannel`, and every frame goes
 * over it, out of reach of other scripts' `message` listeners and of other windows. When the far
 * window reloads or navigates away, calls in flight fail with `UNAVAILABLE` and the next instance is
 * handshaken anew. See docs/guide/window.md.
 */
import { ChannelDialer, isSignal, type LinkOptions, type PageLike, type Signal } from './link.js';

export type { ConnectionState, ConnectionStateChange } from '../src/connection-state.js';
export type { ChannelDialer, LinkOptions, LinkPort, PageLike, Signal } from './link.js';

/** What a transport posts to: an iframe's `contentWindow`, `window.parent`, `window.opener`, a popup. */
export interface WindowLike {
  postMessage(message: any, targetOrigin: string, transfer?: Transferable[]): void;
}

/** Where this side listens for `message` (and `pagehide`/`pageshow`): its own `window`. */
export interface WindowScope extends PageLike {
  readonly parent?: unknown;
  readonly opener?: unknown;
}

export interface WindowOptions extends LinkOptions {
  /**
   * The far window's origin, e.g. `'https://widget.example'`, or a list of those allowed. Required:
   * messages from any other origin are ignored, and nothing is posted to another origin. `'null'`
   * allows an opaque origin (a sandboxed iframe without `allow-same-origin`); `'*'` is refused
   * unless `dangerouslyAllowAnyOrigin` is set.
   */
  readonly origin: string | readonly string[];
  /** Accept `origin: '*'`: talk to whatever document is in the target window. Default false. */
  readonly dangerouslyAllowAnyOrigin?: boolean;
  /**
   * Whether this side created the other (made the iframe, opened the popup); that side hands over
   * the channel. Default: false when `target` is this window's `parent` or `opener`, else true.
   * Two windows where neither made the other (siblings) must set it on exactly one side.
   */
  readonly initiator?: boolean;
  /** This side's window. Default `globalThis`. */
  readonly self?: WindowScope;
}

/** A transport to `target`, a window of an allowed `origin`. */
export function fromWindow(target: WindowLike, options: WindowOptions): WindowDialer {
  return new WindowDialer(target, options);
}

export class WindowDialer extends ChannelDialer {
  readonly initiator: boolean;
  /** The allowed origins; `['*']` with `dangerouslyAllowAnyOrigin`. */
  readonly origins: readonly string[];
  /** The far window's origin once it has been heard from. */
  origin: string | undefined;
  readonly #scope: WindowScope;

  constructor(
    readonly target: WindowLike,
    options: WindowOptions,
  ) {
    const scope = options?.self ?? (globalThis as unknown as WindowScope);
    super(options, scope);
    const origins = typeof options?.origin === 'string' ? [options.origin] : [...(options?.origin ?? [])];
    if (origins.length === 0) throw new TypeError("fromWindow needs { origin }: the far window's origin, e.g. 'https://example.com'");
    for (const origin of origins) {
      if (origin === '*' ? !options.dangerouslyAllowAnyOrigin : origin !== 'null' && originOf(origin) !== origin) {
        throw new TypeError(
          origin === '*'
            ? "origin '*' lets any page in the target window talk to this one: name the origin, or set dangerouslyAllowAnyOrigin"
            : `${JSON.stringify(origin)} is not an origin (scheme://host[:port])${originOf(origin) ? `; did you mean ${JSON.stringify(originOf(origin))}?` : ''}`,
        );
      }
    }
    this.origins = origins;
    this.#scope = scope;
    this.initiator = options.initiator ?? !(target === scope.opener || (target === scope.parent && (target as unknown) !== scope));
    if (this.initiator) {
      this.createChannel = () => {
        const { port1, port2 } = new MessageChannel();
        return [port1, port2];
      };
    }
  }

  protected attach(): void {
    this.listen(this.#scope, 'message', this.#onMessage);
  }

  protected signal(signal: Signal, transfer?: Transferable[]): void {
    // An answer goes to the origin it answers; an announcement to each allowed origin (the browser
    // delivers it only if the target's document has that origin).
    const origins = signal.to !== undefined && this.origin !== undefined ? [this.origin] : this.origins;
    for (const origin of origins) {
      try {
        this.target.postMessage(signal, origin === 'null' ? '*' : origin, transfer);
      } catch {
        // A closed or torn-down window: nobody to tell.
      }
    }
  }

  /** Only signals from the target window, from an allowed origin, reach the handshake. */
  readonly #onMessage = (event: MessageEvent): void => {
    if (event.source !== (this.target as unknown) || !isSignal(event.data, this.channel)) return;
    if (!this.origins.includes(event.origin) && !this.origins.includes('*')) return;
    this.origin = event.origin;
    this.received(event.data, event.ports[0]);
  };
}

function originOf(value: string): string | undefined {
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}
