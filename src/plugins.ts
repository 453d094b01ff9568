/**
 * Plugins: named bundles of interceptors, HELLO features and lifecycle hooks that `createPeer`
 * and `serveWebSocket` take as `plugins: [...]`. A peer given none runs none of this.
 */
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

/** The peer's interceptors followed by each plugin's, in order; duplicate or empty names throw. */
export function withPlugins(options: PeerOptions): PeerOptions {
  const plugins = options.plugins ?? [];
  const names = new Set<string>();
  for (const plugin of plugins) {
    if (typeof plugin?.name !== 'string' || plugin.name === '') throw new TypeError('a plugin needs a non-empty name');
    if (names.has(plugin.name)) throw new TypeError(`two plugins are named "${plugin.name}"`);
    names.add(plugin.name);
  }
  const chain = (side: 'outgoing' | 'incoming') => [
    ...(options.interceptors?.[side] ?? []),
    ...plugins.flatMap((plugin) => plugin.interceptors?.[side] ?? []),
  ];
  return { ...options, interceptors: { outgoing: chain('outgoing'), incoming: chain('incoming') } };
}

/** Runs each plugin's `setup`, and its `teardown` once the peer has closed. */
export function startPlugins(peer: Peer, plugins: readonly Plugin[], logger: Logger | undefined): void {
  try {
    for (const plugin of plugins) plugin.setup?.(peer);
  } catch (error) {
    peer.close(error);
    throw error;
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
