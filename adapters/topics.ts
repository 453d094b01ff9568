/**
 * Topics of a WebSocket service: which peers hear `broadcast(topic, method, ...args)`. With a
 * bus, a broadcast reaches the subscribers on every process (the bus delivers to this one too);
 * without, those of this process. Which peers subscribe is the app's call (e.g. in an exposed
 * `subscribe` method), so the number of topics a peer holds is capped.
 */
import { RpcError } from '../src/errors.js';
import type { Peer } from '../src/types.js';
import type { Bus } from './bus.js';

/** Default `maxTopicsPerPeer`. */
export const DEFAULT_MAX_TOPICS_PER_PEER = 64;

const validTopic = (topic: unknown): topic is string => typeof topic === 'string' && topic.length > 0 && topic.length <= 256;

export class Topics {
  readonly #bus: Bus | undefined;
  readonly #max: number;
  readonly #peers = new Map<string, Set<Peer>>();
  readonly #topicsOf = new Map<Peer, Set<string>>();
  /** Each topic's bus subscription, which resolves once active. */
  readonly #subscriptions = new Map<string, Promise<() => void>>();

  constructor(bus: Bus | undefined, maxTopicsPerPeer = DEFAULT_MAX_TOPICS_PER_PEER) {
    if (!(maxTopicsPerPeer >= 0)) throw new TypeError(`maxTopicsPerPeer must be 0 or more, not ${maxTopicsPerPeer}`);
    this.#bus = bus;
    this.#max = maxTopicsPerPeer;
  }

  /** Resolves once broadcasts to `topic` from every process reach `peer`. */
  async subscribe(peer: Peer, topic: string): Promise<void> {
    if (!validTopic(topic)) throw new RpcError('INVALID_ARGUMENT', 'a topic is a string of 1 to 256 characters');
    let topics = this.#topicsOf.get(peer);
    if (topics?.has(topic)) return void (await this.#subscriptions.get(topic));
    if ((topics?.size ?? 0) >= this.#max) throw new RpcError('RESOURCE_EXHAUSTED', `subscribed to ${this.#max} topics already`);
    if (peer.stats().closed) return;
    if (!topics) {
      topics = new Set();
      this.#topicsOf.set(peer, topics);
      void peer.closed.then(() => {
        for (const held of [...(this.#topicsOf.get(peer) ?? [])]) this.unsubscribe(peer, held);
      });
    }
    topics.add(topic);
    let peers = this.#peers.get(topic);
    if (!peers) {
      peers = new Set();
      this.#peers.set(topic, peers);
      const bus = this.#bus;
      if (bus)
        this.#subscriptions.set(
          topic,
          bus.subscribe(`topic:${topic}`, (message) => this.#deliver(topic, message)),
        );
    }
    peers.add(peer);
    await this.#subscriptions.get(topic);
  }

  unsubscribe(peer: Peer, topic: string): void {
    const topics = this.#topicsOf.get(peer);
    if (!topics?.delete(topic)) return;
    if (topics.size === 0) this.#topicsOf.delete(peer);
    const peers = this.#peers.get(topic);
    if (!peers?.delete(peer) || peers.size) return;
    this.#peers.delete(topic);
    this.#subscriptions.get(topic)?.then(
      (stop) => stop(),
      () => {},
    );
    this.#subscriptions.delete(topic);
  }

  broadcast(topic: string, method: string, args: unknown[]): void {
    if (!validTopic(topic)) throw new RpcError('INVALID_ARGUMENT', 'a topic is a string of 1 to 256 characters');
    if (this.#bus) this.#bus.publish(`topic:${topic}`, [method, args]);
    else this.#deliver(topic, [method, args]);
  }

  /** Stops listening on the bus; the peers' subscriptions end with them. */
  close(): void {
    for (const subscription of this.#subscriptions.values())
      subscription.then(
        (stop) => stop(),
        () => {},
      );
    this.#subscriptions.clear();
  }

  #deliver(topic: string, message: unknown): void {
    if (!Array.isArray(message) || typeof message[0] !== 'string' || !Array.isArray(message[1])) return;
    const [method, args] = message as [string, unknown[]];
    for (const peer of this.#peers.get(topic) ?? []) peer.notify(method, ...args);
  }
}
