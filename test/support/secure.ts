/**
 * Secure-channel test kit: the links every secure spec runs on, a relay in the middle that logs,
 * drops, reorders or rewrites what crosses it, an end driven by hand that speaks the handshake
 * itself, and the assertions for "failed with the one generic error".
 */
import nacl from 'tweetnacl';
import { runtime } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { fromPort, type PortLike } from '../../adapters/worker.js';
import { type Peer, type PeerOptions, RpcError } from '../../src/index.js';
import { sameBytes } from '../../src/secure/bytes.js';
import type { SecureTransport } from '../../src/secure/channel.js';
import { Handshake, type SessionKeys } from '../../src/secure/handshake.js';
import { createPeer, generateIdentity, type Identity, type SecureOptions, type SecurePeerOptions } from '../../src/secure/index.js';
import { type Seams, withSeams } from '../../src/secure/internal.js';
import type { Transport } from '../../src/transport.js';
import { AssertionError } from '../harness/assert.js';
import { currentCrypto } from './backends.js';
import { afterClose, listenerCheck, track } from './connect.js';

// ---- links ------------------------------------------------------------------------------------

/** A way to make two connected transports; every end is closed and checked after the test. */
export interface Link {
  readonly name: string;
  readonly kind: 'bytes' | 'clone';
  /**
   * Whether one end learns that the other closed. Chromium's MessagePort has no close event, so
   * there a closed (or failed) far side just goes quiet, and the near side must be closed by hand.
   */
  readonly reportsClose: boolean;
  pair(): [Transport, Transport];
}

function memoryLink(kind: 'bytes' | 'clone'): Link {
  return {
    name: `memory (${kind})`,
    kind,
    reportsClose: true,
    pair() {
      const ends = createMemoryPair(kind);
      afterClose(() => {
        for (const end of ends) end.close();
        if (ends.some((end) => end.receiver)) throw new AssertionError('a memory transport still has a receiver');
      });
      return ends;
    },
  };
}

const portLink: Link = {
  name: 'MessageChannel',
  kind: 'clone',
  reportsClose: runtime === 'node' || 'onclose' in MessagePort.prototype,
  pair() {
    const { port1, port2 } = new MessageChannel();
    const ends: [Transport, Transport] = [fromPort(port1 as unknown as PortLike), fromPort(port2 as unknown as PortLike)];
    // Registered before the listener checks, so they run after every end is closed.
    afterClose(() => {
      for (const end of ends) end.close();
    });
    listenerCheck('port1', port1);
    listenerCheck('port2', port2);
    return ends;
  },
};

/** Every link the secure specs run on, in Node and in Chromium. */
export const links: readonly Link[] = [memoryLink('bytes'), memoryLink('clone'), portLink];

/** The same transport, saying which end opened it (as WebSocket or worker adapters do). */
export function withRole(link: Transport, initiator: boolean): Transport {
  return {
    encoding: link.encoding,
    initiator,
    get bufferedAmount() {
      return link.bufferedAmount;
    },
    start: (receiver) => link.start(receiver),
    send: (message, transfer) => link.send(message, transfer),
    close: () => link.close(),
  };
}

function copy(message: unknown): unknown {
  return message instanceof Uint8Array ? message.slice() : message;
}

export function bytesOf(message: unknown): Uint8Array {
  if (!(message instanceof Uint8Array)) throw new AssertionError(`expected bytes on the wire, got ${String(message)}`);
  return message;
}

// ---- the relay --------------------------------------------------------------------------------

/** `up` is client → server, `down` server → client. */
export type Direction = 'up' | 'down';

/**
 * Sees every message crossing the relay (`index` counts per direction from 0). Return nothing to
 * pass it on, or the list of messages to pass on instead (empty: drop it).
 */
export type Tap = (direction: Direction, message: unknown, index: number) => unknown[] | undefined;

export interface Wire {
  /** Copies of everything each side sent, before any tampering. */
  readonly up: unknown[];
  readonly down: unknown[];
  tap: Tap | undefined;
  /** Delivers `message` as if it had crossed the wire in `direction`. */
  inject(direction: Direction, message: unknown): void;
  /** Ends both links at once, without a word: what a cut cable or a hostile relay does. */
  cut(): void;
}

/** Two links joined by a relay: `[client end, server end, wire]`. */
export function relay(link: Link): [Transport, Transport, Wire] {
  const [clientEnd, nearClient] = link.pair();
  const [nearServer, serverEnd] = link.pair();
  const toward = { up: nearServer, down: nearClient };
  const send = (direction: Direction, message: unknown) => {
    try {
      toward[direction].send(message);
    } catch {
      // that side is closed already
    }
  };
  const wire: Wire = {
    up: [],
    down: [],
    tap: undefined,
    inject: send,
    cut() {
      nearClient.close();
      nearServer.close();
    },
  };
  const listen = (end: Transport, direction: Direction, other: Transport): void =>
    end.start({
      message(data) {
        const index = wire[direction].length;
        wire[direction].push(copy(data));
        const out = wire.tap?.(direction, data, index);
        for (const message of out ?? [data]) send(direction, message);
      },
      closed: () => other.close(),
    });
  listen(nearClient, 'up', nearServer);
  listen(nearServer, 'down', nearClient);
  return [clientEnd, serverEnd, wire];
}

// ---- keys and options ---------------------------------------------------------------------------

export const clientIdentity: Identity = generateIdentity();
export const serverIdentity: Identity = generateIdentity();
export const networkKey = nacl.randomBytes(32);

const transports: SecureTransport[] = [];

/** Attaches seams (and the timer check) to secure options. */
export function seamed(secure: SecureOptions, seams: Seams = {}): SecureOptions {
  afterClose(() => {
    for (const transport of transports.splice(0)) {
      if (transport.timerArmed) throw new AssertionError('a secure channel left its handshake timer armed');
    }
  });
  return withSeams(
    { ...secure },
    {
      ...seams,
      onTransport(transport) {
        transports.push(transport);
        seams.onTransport?.(transport);
      },
    },
  );
}

/** The client's default: our identity, the server's key pinned. */
export function clientSecure(overrides: Partial<SecureOptions> = {}): SecureOptions {
  return { identity: clientIdentity, networkKey, expectedRemoteKey: serverIdentity.publicKey, crypto: currentCrypto(), ...overrides };
}

/** The server's default: accepts the client's key only, with a principal naming it. */
export function serverSecure(overrides: Partial<SecureOptions> = {}): SecureOptions {
  return {
    identity: serverIdentity,
    networkKey,
    crypto: currentCrypto(),
    authorize: ({ remoteKey }) => (sameBytes(remoteKey, clientIdentity.publicKey) ? { name: 'client' } : false),
    ...overrides,
  };
}

export interface Logged {
  readonly logger: PeerOptions['logger'];
  readonly lines: string[];
}

export function logged(): Logged {
  const lines: string[] = [];
  return { logger: { warn: (message) => lines.push(message), error: (message) => lines.push(message) }, lines };
}

export interface SideOptions extends Omit<PeerOptions, 'secure'> {
  readonly secure?: Partial<SecureOptions>;
  readonly seams?: Seams;
}

export interface SecureConnection {
  readonly client: Peer;
  readonly server: Peer;
  readonly wire: Wire;
  readonly clientLog: string[];
  readonly serverLog: string[];
}

export interface ConnectOptions {
  readonly client?: SideOptions;
  readonly server?: SideOptions;
  /** `known` (default): the client's transport says it initiated. `unknown`: neither says. */
  readonly roles?: 'known' | 'unknown';
}

function peerOptions(side: SideOptions | undefined, secure: SecureOptions, log: Logged): SecurePeerOptions {
  const { secure: _, seams, ...rest } = side ?? {};
  return { logger: log.logger, ...rest, secure: seamed(secure, seams) };
}

/** A secure client and server over `link`, through a relay. */
export function connectSecure(link: Link, options: ConnectOptions = {}): SecureConnection {
  const [clientEnd, serverEnd, wire] = relay(link);
  const known = (options.roles ?? 'known') === 'known';
  const clientLog = logged();
  const serverLog = logged();
  const server = track(
    createPeer(
      known ? withRole(serverEnd, false) : serverEnd,
      peerOptions(options.server, serverSecure(options.server?.secure), serverLog),
    ),
  );
  const client = track(
    createPeer(
      known ? withRole(clientEnd, true) : clientEnd,
      peerOptions(options.client, clientSecure(options.client?.secure), clientLog),
    ),
  );
  return { client, server, wire, clientLog: clientLog.lines, serverLog: serverLog.lines };
}

// ---- an end driven by hand ----------------------------------------------------------------------

export interface RawEnd {
  /** The real peer on the other end. */
  readonly peer: Peer;
  readonly log: string[];
  /** Every message the real peer sent, in order. */
  readonly received: unknown[];
  /** The next message not yet read with `next` (as bytes). */
  next(): Promise<Uint8Array>;
  send(message: unknown): void;
  /** Fulfils when the real peer's side of the link is gone. */
  readonly closed: Promise<unknown>;
}

/** A real secure peer playing `role`, facing an end the test drives byte by byte. */
export function rawAgainst(link: Link, role: 'client' | 'server', side: SideOptions = {}): RawEnd {
  const [near, far] = link.pair();
  const received: unknown[] = [];
  let read = 0;
  let wake: (() => void) | undefined;
  let closedNow!: (reason: unknown) => void;
  const closed = new Promise<unknown>((resolve) => (closedNow = resolve));
  far.start({
    message(data) {
      received.push(copy(data));
      wake?.();
    },
    closed: (reason) => closedNow(reason),
  });
  const log = logged();
  const secure = role === 'client' ? clientSecure(side.secure) : serverSecure(side.secure);
  const peer = track(createPeer(withRole(near, role === 'client'), peerOptions(side, secure, log)));
  return {
    peer,
    log: log.lines,
    received,
    async next() {
      while (read >= received.length) await new Promise<void>((resolve) => (wake = resolve));
      return bytesOf(received[read++]);
    },
    send(message) {
      far.send(message);
    },
    closed,
  };
}

/** Plays a correct responder up to (not including) READY; returns its keys. */
export async function respondByHand(raw: RawEnd, identity: Identity = serverIdentity): Promise<SessionKeys> {
  const handshake = new Handshake(false, { identity, networkKey });
  handshake.readHello(await raw.next());
  raw.send(handshake.writeIdentity());
  handshake.readAuth(await raw.next());
  return handshake.finish();
}

/** Plays a correct initiator through message 3; returns its keys (READY is still to come). */
export async function initiateByHand(raw: RawEnd, identity: Identity = clientIdentity): Promise<SessionKeys> {
  const handshake = new Handshake(true, { identity, networkKey });
  raw.send(handshake.writeHello(Date.now()));
  handshake.readIdentity(await raw.next());
  raw.send(handshake.writeAuth());
  return handshake.finish();
}

// ---- outcomes -----------------------------------------------------------------------------------

/** The errors along a cause chain, outermost first. */
export function causes(reason: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let at = reason; at !== undefined && chain.length < 10; at = (at as { cause?: unknown })?.cause) chain.push(at);
  return chain;
}

/** The one `RpcError` of `code` in the chain; fails when there is none or several. */
export function findCode(reason: unknown, code: RpcError['code']): RpcError {
  const found = causes(reason).filter((e): e is RpcError => e instanceof RpcError && e.code === code);
  if (found.length !== 1) throw new AssertionError(`expected one ${code} in the cause chain, found ${found.length}: ${String(reason)}`);
  return found[0]!;
}

/**
 * The exact outcome of a secure-channel failure on one side: the peer closed with exactly one
 * generic UNAUTHENTICATED error in its close reason (no detail, no cause), and the local log has
 * exactly one failure line, which says `detail`.
 */
export async function expectFailure(peer: Peer, log: string[], detail: string): Promise<void> {
  const reason = await peer.closed;
  const error = findCode(reason, 'UNAUTHENTICATED');
  if (error.message !== 'the secure channel failed' || error.cause !== undefined || error.data !== undefined) {
    throw new AssertionError(`the application saw detail: ${error.message}`);
  }
  const failures = log.filter((line) => line.startsWith('secure channel failed'));
  if (failures.length !== 1 || !failures[0]!.startsWith(`secure channel failed: ${detail}`)) {
    throw new AssertionError(`expected the log to say "${detail}", it says ${JSON.stringify(failures)}`);
  }
}

/**
 * What the far side of a failure sees: its link closed under it, reported as `expected` — where
 * the link can report a close. Elsewhere the test closes it, as its timeout eventually would.
 */
export async function farSideSees(link: Link, peer: Peer, expected: () => Promise<void>): Promise<void> {
  if (link.reportsClose) return expected();
  peer.close('this link cannot report the far side closing');
  await peer.closed;
}

/** The peer closed because the transport ended without a CLOSE record. */
export async function expectTruncated(peer: Peer): Promise<void> {
  const error = findCode(await peer.closed, 'DATA_LOSS');
  if (error.message !== 'the secure channel was truncated') throw new AssertionError(`unexpected: ${error.message}`);
}

/** Whether `needle` occurs anywhere in `haystack`. */
export function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
