/* biome-ignore-all lint/suspicious/noExplicitAny: shapes must accept each platform's own signatures */
/**
 * `saltline/webrtc`: byte transports over a WebRTC data channel, from an `RTCDataChannel`
 * (`fromDataChannel`) or a simple-peer instance (`fromSimplePeer`), and a signaling helper
 * (signaling.ts). Messages are cut into chunks of at most 16 KiB by the shared `fragmenting`
 * (src/fragment.ts). Chunks go to the channel only while its `bufferedAmount` is under a
 * high-water mark; the rest wait here and drain on `bufferedamountlow`, so the channel's buffer
 * stays bounded (Chromium closes a channel past ~16 MB buffered). Only ordered, reliable channels
 * are accepted: the protocol and the fragmentation need every chunk, in order.
 */
import { fragmenting } from '../src/fragment.js';
import type { BytesEncoding, Transport, TransportReceiver } from '../src/transport.js';

export {
  connectSignaling,
  type JoinOptions,
  loopbackOnly,
  type Room,
  type SignalingClient,
  type SignalingClientApi,
  type SignalingServerApi,
  type SignalingService,
  type SignalingServiceOptions,
  type SimplePeerLike,
  signalingService,
} from './signaling.js';

/** What the adapter needs of an `RTCDataChannel` (browser, or `@roamhq/wrtc` in Node). */
export interface DataChannelLike {
  readonly label: string;
  readonly ordered: boolean;
  readonly maxRetransmits: number | null;
  readonly maxPacketLifeTime: number | null;
  readonly readyState: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold?: number;
  binaryType: string;
  send(data: any): void;
  close(): void;
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
}

/** What the adapter needs of a simple-peer instance. */
export interface SimplePeerChannel {
  readonly initiator?: boolean;
  readonly connected?: boolean;
  readonly destroyed?: boolean;
  readonly bufferSize?: number;
  readonly channelConfig?: { ordered?: boolean; maxRetransmits?: number | null; maxPacketLifeTime?: number | null };
  /** simple-peer's data channel, used only to hear `bufferedamountlow`. */
  readonly _channel?: DataChannelLike | null;
  send(data: any): void;
  destroy(error?: Error): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

export interface DataChannelOptions {
  /** Largest chunk put on the channel, flag byte included. Default 16 KiB, or `connection.sctp.maxMessageSize` when smaller. */
  readonly chunkSize?: number;
  /** Largest reassembled message, in bytes. Default 32 MiB. */
  readonly maxMessageSize?: number;
  /** Chunks wait here while the channel holds this many bytes or more. Default 1 MiB. */
  readonly highWaterMark?: number;
  /** Waiting chunks drain once the channel's buffer falls to this (its `bufferedAmountLowThreshold`). Default 256 KiB. */
  readonly lowWaterMark?: number;
  /** Whether this end made the offer. Default: simple-peer's `initiator`; unknown for a bare channel. */
  readonly initiator?: boolean;
  /** The channel's connection, to read `sctp.maxMessageSize`. */
  readonly connection?: { readonly sctp?: { readonly maxMessageSize: number } | null };
  /** Close the channel (destroy the simple-peer) when the peer closes. Default true. */
  readonly close?: boolean;
}

const DEFAULT_CHUNK = 16 * 1024;
/** Where the platform has no `bufferedamountlow` event (`@roamhq/wrtc`), the queue is polled this often. */
const POLL_MS = 5;

/** `@roamhq/wrtc` reports 65535 for an unset `maxRetransmits` / `maxPacketLifeTime`. */
const isSet = (value: number | null | undefined) => value !== null && value !== undefined && value !== 65535;

function assertReliable(
  config: { ordered?: boolean; maxRetransmits?: number | null; maxPacketLifeTime?: number | null },
  what: string,
): void {
  const problems: string[] = [];
  if (config.ordered === false) problems.push('unordered (ordered: false)');
  if (isSet(config.maxRetransmits)) problems.push(`lossy (maxRetransmits: ${config.maxRetransmits})`);
  if (isSet(config.maxPacketLifeTime)) problems.push(`lossy (maxPacketLifeTime: ${config.maxPacketLifeTime})`);
  if (problems.length) {
    throw new TypeError(
      `saltline needs an ordered, reliable data channel; ${what} is ${problems.join(' and ')}. ` +
        'Create it with the defaults: no ordered: false, no maxRetransmits, no maxPacketLifeTime.',
    );
  }
}

/** The platform end of a link: how to send a chunk, how full it is, and its events. */
interface PlatformChannel {
  open(): boolean;
  buffered(): number;
  write(chunk: Uint8Array): void;
  /** The channel whose `bufferedamountlow` to hear, once there is one. */
  channel(): DataChannelLike | null | undefined;
  listen(on: { message(data: unknown): void; open(): void; closed(reason: unknown): void }): () => void;
  release(): void;
}

/** One chunk per channel message, queued while the channel is full; `fragmenting` wraps it. */
class ChunkTransport implements Transport {
  readonly encoding: BytesEncoding;
  #queue: Uint8Array[] = [];
  #head = 0;
  #queued = 0;
  #unlisten: (() => void) | undefined;
  #lowChannel: DataChannelLike | undefined;
  #poll: ReturnType<typeof setTimeout> | undefined;
  #done = false;

  readonly #channel: PlatformChannel;
  readonly #high: number;
  readonly #low: number;

  constructor(
    channel: PlatformChannel,
    maxMessageSize: number,
    high: number,
    low: number,
    readonly initiator: boolean | undefined,
  ) {
    this.encoding = { maxMessageSize };
    this.#channel = channel;
    this.#high = high;
    this.#low = low;
  }

  get bufferedAmount(): number {
    return this.#channel.buffered() + this.#queued;
  }

  start(receiver: TransportReceiver): void {
    this.#unlisten = this.#channel.listen({
      message: (data) => receiver.message(data),
      open: () => this.#drain(),
      closed: (reason) => {
        if (this.#done) return;
        this.#stop();
        receiver.closed(reason);
      },
    });
    this.#watch();
    if (this.#channel.open()) this.#drain();
  }

  send(chunk: unknown): void {
    const bytes = chunk as Uint8Array;
    if (this.#queued === 0 && this.#channel.open() && this.#channel.buffered() + bytes.byteLength <= this.#high)
      return this.#channel.write(bytes);
    this.#queue.push(bytes);
    this.#queued += bytes.byteLength;
    this.#schedule();
  }

  close(): void {
    if (this.#done) return;
    this.#stop();
    this.#channel.release();
  }

  /** Hands waiting chunks to the channel while it has room. */
  readonly #drain = (): void => {
    this.#poll = undefined;
    if (this.#done) return;
    this.#watch();
    while (
      this.#head < this.#queue.length &&
      this.#channel.open() &&
      this.#channel.buffered() + this.#queue[this.#head]!.byteLength <= this.#high
    ) {
      const chunk = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as never;
      this.#queued -= chunk.byteLength;
      this.#channel.write(chunk);
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else this.#schedule();
  };

  /** Listens for `bufferedamountlow` on the channel, once there is one. */
  #watch(): void {
    const channel = this.#channel.channel();
    if (!channel || channel === this.#lowChannel || typeof channel.bufferedAmountLowThreshold !== 'number') return;
    this.#lowChannel?.removeEventListener('bufferedamountlow', this.#drain);
    this.#lowChannel = channel;
    channel.bufferedAmountLowThreshold = this.#low;
    channel.addEventListener('bufferedamountlow', this.#drain);
  }

  /** Until the channel opens, its open event drains; then `bufferedamountlow`, or a poll where that event does not exist. */
  #schedule(): void {
    if (this.#poll !== undefined || this.#done || !this.#channel.open() || this.#lowChannel) return;
    this.#poll = setTimeout(this.#drain, POLL_MS);
  }

  #stop(): void {
    this.#done = true;
    clearTimeout(this.#poll);
    this.#poll = undefined;
    this.#queue = [];
    this.#queued = 0;
    this.#lowChannel?.removeEventListener('bufferedamountlow', this.#drain);
    this.#lowChannel = undefined;
    this.#unlisten?.();
    this.#unlisten = undefined;
  }
}

function build(channel: PlatformChannel, options: DataChannelOptions, initiator: boolean | undefined): Transport {
  const chunkSize = Math.min(options.chunkSize ?? DEFAULT_CHUNK, options.connection?.sctp?.maxMessageSize || Infinity);
  const high = Math.max(options.highWaterMark ?? 1024 * 1024, chunkSize);
  // Chunks wait only while the buffer is above high − chunkSize, so the low mark must be below it for the event to come.
  const low = Math.max(0, Math.min(options.lowWaterMark ?? 256 * 1024, high - chunkSize));
  return fragmenting(new ChunkTransport(channel, chunkSize, high, low, initiator), chunkSize, options.maxMessageSize);
}

/** A transport over an ordered, reliable `RTCDataChannel`, open or still connecting. */
export function fromDataChannel(channel: DataChannelLike, options: DataChannelOptions = {}): Transport {
  assertReliable(channel, `data channel "${channel.label}"`);
  channel.binaryType = 'arraybuffer';
  const platform: PlatformChannel = {
    open: () => channel.readyState === 'open',
    buffered: () => channel.bufferedAmount,
    write: (chunk) => channel.send(chunk),
    channel: () => channel,
    listen(on) {
      const message = (event: { data: unknown }) => on.message(event.data);
      const closed = () => on.closed('the data channel closed');
      const failed = (event: { error?: unknown }) => on.closed(event.error ?? 'the data channel failed');
      const events: [string, (event: any) => void][] = [
        ['message', message],
        ['open', on.open],
        ['close', closed],
        ['error', failed],
      ];
      for (const [type, listener] of events) channel.addEventListener(type, listener);
      if (channel.readyState === 'closing' || channel.readyState === 'closed') queueMicrotask(closed);
      return () => {
        for (const [type, listener] of events) channel.removeEventListener(type, listener);
      };
    },
    release: () => {
      if (options.close !== false) channel.close();
    },
  };
  return build(platform, options, options.initiator);
}

/** A transport over a simple-peer instance's data channel, connected or not yet. */
export function fromSimplePeer(peer: SimplePeerChannel, options: DataChannelOptions = {}): Transport {
  assertReliable(peer.channelConfig ?? {}, 'the simple-peer channelConfig');
  if (peer._channel) assertReliable(peer._channel, 'the simple-peer data channel');
  const platform: PlatformChannel = {
    open: () => peer.connected === true && !peer.destroyed,
    buffered: () => peer.bufferSize ?? 0,
    write: (chunk) => peer.send(chunk),
    channel: () => peer._channel,
    listen(on) {
      const closed = () => on.closed('the WebRTC connection closed');
      const events: [string, (...args: any[]) => void][] = [
        ['data', on.message],
        ['connect', on.open],
        ['close', closed],
        ['error', on.closed],
      ];
      for (const [type, listener] of events) peer.on(type, listener);
      if (peer.destroyed) queueMicrotask(closed);
      return () => {
        for (const [type, listener] of events) peer.removeListener(type, listener);
      };
    },
    release: () => {
      if (options.close !== false) peer.destroy();
    },
  };
  return build(platform, options, options.initiator ?? peer.initiator);
}
