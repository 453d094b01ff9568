/**
 * Plugins: named bundles of interceptors, HELLO features and lifecycle hooks that `createPeer`
 * and `serveWebSocket` take as `plugins: [...]`. A peer given none runs none of this.
 */
import type { Codec } from './codec/codec.js';
import type { Compressor } from './compression/compressor.js';
import { RpcError } from './errors.js';
import { satisfies, VERSION } from './semver.js';
import type { Transport } from './transport.js';
import type { Interceptor, Logger, Peer, PeerOptions } from './types.js';

/**
 * One plugin. The same object may serve many peers (every peer of a server): `setup`, `ready`
 * and `teardown` say which peer they are about.
 */
export interface Plugin {
  /** Unique among one peer's plugins; also the key of its `features` in HELLO. */
  readonly name: string;
  /**
   * Interceptors that run inside the peer's own `interceptors` (which stay outermost), in the
   * order of the `plugins` array: the first plugin's are outermost.
   */
  readonly interceptors?: { readonly outgoing?: readonly Interceptor[]; readonly incoming?: readonly Interceptor[] };
  /**
   * What this side announces in its HELLO under the plugin's name (msgpack- and clone-safe
   * values: the far side's `ready` receives them). Default: nothing announced.
   */
  readonly features?: unknown;
  /**
   * The saltline versions the plugin works with, as a range (`^1.2.0`, `~1.2.0`, `>=1.0.0`, `1.2.3`,
   * joined by `||`); `createPeer` throws a `TypeError` naming the plugin when this copy is outside it.
   * Default: any version.
   */
  readonly requires?: { readonly saltline?: string };
  /**
   * The codecs the plugin brings, in order of preference: the `codecs()` plugin from
   * `saltline/codecs` offers its own in HELLO (docs/protocol.md §3.1). Read by nothing in the core.
   * Default none.
   */
  readonly codecs?: readonly Codec[];
  /**
   * The frame compressors the plugin brings, in order of preference: `compression()` from
   * `saltline/compression` offers its own (docs/protocol.md §17). Read by nothing in the core. Default none.
   */
  readonly compressors?: readonly Compressor[];
  /**
   * A layer between the session and each link's transport (compression): called once per link,
   * before the session starts it. Default: the transport as it is.
   */
  wrapTransport?(transport: Transport, link: LinkContext): Transport;
  /**
   * A layer around the session's codec on each link (negotiated codecs): called once per link.
   * Default: the codec as it is.
   */
  wrapCodec?(codec: Codec, link: LinkContext): Codec;
  /**
   * Admission control: asked of each incoming call to a method (and each notification) before
   * its arguments' references are imported and before any interceptor runs, in the order of the
   * `plugins` array; the first `RpcError` returned refuses the call with it (a notification is
   * dropped). Over a byte transport whose codec can read a CALL's header alone, asked before the
   * arguments are decoded at all. Calls to callbacks and to exported objects' methods are not
   * asked (they skip interceptors too). Default: every call admitted, and no admission code runs.
   */
  admit?(call: Admission): RpcError | undefined;
  /**
   * Told of each call that a plugin later in the array refused in `admit` (as interceptors
   * further out see what an inner one refuses), so that watchers count it. Default: nothing.
   */
  refused?(call: Admission, error: RpcError): void;
  /** Called once when a peer is made with this plugin, before any call; a throw fails `createPeer`. */
  setup?(peer: Peer): void;
  /**
   * Called each time the far side's HELLO arrives (once per link, when reconnecting), with what
   * the far side announced under this plugin's name, or `undefined` when it announced nothing.
   */
  ready?(peer: Peer, features: unknown): void;
  /** Called once when the peer has closed, last plugin first. */
  teardown?(peer: Peer): void;
}

/** What `admit` knows of an incoming call: only its header, nothing of its arguments or metadata. */
export interface Admission {
  readonly method: string;
  /** The peer the call arrived at. */
  readonly peer: Peer;
  /** The caller's principal, when the secure channel established one. */
  readonly principal?: unknown;
  /** The caller's verified public key, over the secure channel. */
  readonly remoteIdentity?: Uint8Array | undefined;
}

/** The plugins' admission check, composed: the first refusal wins, and plugins before it hear of it. */
export type Admit = (call: Admission) => RpcError | undefined;

/** `undefined` when no plugin has `admit`: a peer without one runs no admission code. */
export function admission(plugins: readonly Plugin[] | undefined): Admit | undefined {
  if (!plugins?.some((plugin) => plugin.admit)) return undefined;
  return (call) => {
    for (let i = 0, error: RpcError | undefined; i < plugins.length; i++) {
      if ((error = plugins[i]!.admit?.(call))) {
        while (i--) plugins[i]!.refused?.(call, error);
        return error;
      }
    }
  };
}

/** What `wrapTransport` learns of the link it wraps. */
export interface LinkContext {
  readonly peer: Peer;
  /** The largest message this side accepts (`limits.maxMessageSize`). */
  readonly maxMessageSize: number;
}

/**
 * The peer's interceptors followed by each plugin's, in order; duplicate or empty names, and a
 * plugin whose `requires.saltline` range excludes this version, throw.
 */
export function withPlugins(options: PeerOptions): PeerOptions {
  const plugins = options.plugins ?? [];
  const names = new Set<string>();
  for (const plugin of plugins) {
    if (!plugin?.name || typeof plugin.name !== 'string') throw new TypeError('a plugin needs a name');
    if (names.has(plugin.name)) throw new TypeError(`two plugins are named "${plugin.name}"`);
    names.add(plugin.name);
    const range = plugin.requires?.saltline;
    if (range !== undefined && !satisfies(VERSION, range)) {
      throw new TypeError(`plugin "${plugin.name}" requires saltline ${range}; this is ${VERSION}`);
    }
  }
  const chain = (side: 'outgoing' | 'incoming') => [
    ...(options.interceptors?.[side] ?? []),
    ...plugins.flatMap((plugin) => plugin.interceptors?.[side] ?? []),
  ];
  return { ...options, interceptors: { outgoing: chain('outgoing'), incoming: chain('incoming') } };
}

/** Runs each plugin's `setup`, and its `teardown` once the peer has closed. */
export function startPlugins(peer: Peer, plugins: readonly Plugin[], logger: Logger | undefined): void {
  for (const plugin of plugins) {
    try {
      plugin.setup?.(peer);
    } catch (cause) {
      const error = new RpcError('FAILED_PRECONDITION', `plugin "${plugin.name}" failed to set up: ${(cause as Error)?.message}`, {
        cause,
      });
      peer.close(error);
      throw error;
    }
  }
  const teardown = () => {
    for (const plugin of [...plugins].reverse()) {
      try {
        plugin.teardown?.(peer);
      } catch (error) {
        logger?.warn?.(`plugin "${plugin.name}" failed to tear down`, error);
      }
    }
  };
  peer.closed.then(teardown, teardown);
}

/** The HELLO `plugins` map: each plugin's features under its name; `undefined` when none has any. */
export function helloFeatures(plugins: readonly Plugin[] | undefined): Record<string, unknown> | undefined {
  let map: Record<string, unknown> | undefined;
  for (const plugin of plugins ?? []) {
    if (plugin.features === undefined) continue;
    map ??= {};
    map[plugin.name] = plugin.features;
  }
  return map;
}

/** Tells each plugin what the far side announced for it; a plugin that throws is logged, not fatal. */
export function announceReady(
  peer: Peer,
  plugins: readonly Plugin[],
  remote: Readonly<Record<string, unknown>> | undefined,
  logger: Logger | undefined,
): void {
  for (const plugin of plugins) {
    if (!plugin.ready) continue;
    try {
      plugin.ready(peer, remote && Object.hasOwn(remote, plugin.name) ? remote[plugin.name] : undefined);
    } catch (error) {
      logger?.warn?.(`plugin "${plugin.name}" failed on hello`, error);
    }
  }
}

/**
 * `value` (the link's transport, or the session's codec) inside every plugin's layer of that kind,
 * the first plugin's outermost.
 */
export function layered<T extends Transport | Codec>(
  plugins: readonly Plugin[],
  hook: 'wrapTransport' | 'wrapCodec',
  value: T,
  link: LinkContext,
): T {
  for (let i = plugins.length - 1; i >= 0; i--) {
    value = ((plugins[i]![hook] as ((value: T, link: LinkContext) => T) | undefined)?.(value, link) ?? value) as T;
  }
  return value;
}
