/**
 * The secure channel as a transport: wraps a transport that carries bytes (or a port, which
 * then carries our records as transferred `Uint8Array`s), runs the handshake, then seals every
 * outgoing message into records and opens every incoming one. It is itself a byte transport.
 *
 * Roles: the initiator is whoever opened the link (`secure.role`, else `link.initiator`). When neither can say
 * (a port pair), both ends send a hello, and the end whose ephemeral key is lower, compared
 * byte by byte, is the initiator; the other answers the lower hello with the ephemeral key of
 * its own. Equal keys mean our hello came back, and fail.
 *
 * A responder answers a hello only if it is fresh, new and within the handshake budget
 * (freshness.ts); anything else costs it one MAC check and gets silence.
 *
 * On any failure the keys are wiped, the link is closed without another byte, and the peer
 * gets one `RpcError('UNAUTHENTICATED', 'the secure channel failed')` as the link's close reason;
 * the logger gets the detail. Every key this channel copied is wiped when it closes for good.
 */
import { RpcError } from '../errors.js';
import { type BytesEncoding, bytesOf, type Transport, type TransportReceiver } from '../transport.js';
import type { Logger } from '../types.js';
import { asBytes, compareBytes, sameBytes, wipe } from './bytes.js';
import { type HelloGuard, sharedGuard } from './freshness.js';
import {
  checkHello,
  Handshake,
  HandshakeError,
  HELLO_SIZE,
  KEY_SIZE,
  MAX_REPLY,
  type RemoteIdentity,
  type SessionKeys,
} from './handshake.js';
import type { Seams } from './internal.js';
import type { ResolvedSecureOptions } from './options.js';
import { RecordLayer, type RecordLimits } from './record-layer.js';
import { CLOSE, MAX_RECORD, MIN_RECORD, READY, REKEY_INTERVAL, REKEY_RECORDS } from './records.js';

// Channel states, in handshake order.
const AWAIT_HELLO = 0; //  responder: waits for message 1
const AWAIT_TIE = 1; //    roles unknown: sent our hello, waits for the far one
const AWAIT_REPLY = 2; //  initiator: waits for message 2
const AWAIT_AUTH = 3; //   responder: waits for message 3
const AUTHORIZING = 4; //  `authorize` runs; nothing may arrive meanwhile
const AWAIT_READY = 5; //  initiator: sent message 3, waits for the READY record
const OPEN = 6;
const CLOSED = 8;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

export class SecureTransport implements Transport {
  /** `send` seals (copies) the message before it returns, so the codec may reuse its buffer. */
  readonly encoding: BytesEncoding;
  readonly initiator: boolean | undefined;
  /** The far side's verified Ed25519 key, from when the channel opens. */
  remoteIdentity: Uint8Array | undefined = undefined;
  /** What `authorize` returned for the far side. */
  principal: unknown = undefined;
  /** The final handshake hash: equal on both ends of one session only. */
  channelBinding: Uint8Array | undefined = undefined;

  #state = AWAIT_HELLO;
  #receiver: TransportReceiver | undefined;
  #handshake: Handshake | undefined;
  /** Roles settled by tie-break: the responder's ephemeral key, which its reply must repeat. */
  #tieKey: Uint8Array | undefined;
  #remote: RemoteIdentity | undefined;
  #pendingPrincipal: unknown;
  #binding: Uint8Array | undefined;
  /** The records, once the handshake has agreed on keys. */
  #records: RecordLayer | undefined;
  /** Messages the peer sent before the channel opened (its hello). */
  #queue: Uint8Array[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped whenever a handshake starts or ends, so a late `authorize` answer is ignored. */
  #attempt = 0;
  /** A port: send records as transferred buffers, and received buffers are ours alone. */
  readonly #transfer: boolean;
  readonly #recordLimits: RecordLimits;
  /** Our clock for hello timestamps, in milliseconds since the Unix epoch. */
  readonly #now: () => number;
  /** Decides which MAC-valid hellos get an answer: the realm's, or one the options share. */
  readonly #guard: HelloGuard;

  readonly #link: Transport;
  readonly #options: ResolvedSecureOptions;
  readonly #logger: Logger | undefined;
  readonly #seams: Seams | undefined;

  constructor(
    link: Transport,
    options: ResolvedSecureOptions,
    maxMessageSize: number,
    logger: Logger | undefined,
    seams: Seams | undefined,
  ) {
    this.#link = link;
    this.#options = options;
    this.#logger = logger;
    this.#seams = seams;
    this.initiator = options.role === undefined ? link.initiator : options.role === 'initiator';
    this.encoding = { maxMessageSize, copiesOnSend: true };
    const limit = Math.min(MAX_RECORD, bytesOf(link)?.maxMessageSize ?? Infinity);
    if (limit < MAX_REPLY)
      throw new TypeError(`the transport carries at most ${limit} bytes a message; the secure channel needs ${MAX_REPLY}`);
    this.#transfer = link.encoding === 'clone';
    this.#recordLimits = {
      payload: limit - MIN_RECORD,
      rekeyRecords: seams?.rekeyRecords ?? REKEY_RECORDS,
      rekeyInterval: seams?.rekeyInterval ?? REKEY_INTERVAL,
      maxMessageSize,
      backend: options.backend,
    };
    this.#now = seams?.clock ?? Date.now;
    this.#guard = options.handshakes ?? sharedGuard;
    seams?.onTransport?.(this);
  }

  get bufferedAmount(): number | undefined {
    return this.#link.bufferedAmount;
  }

  /** Whether the handshake timer is armed (for leak checks). */
  get timerArmed(): boolean {
    return this.#timer !== undefined;
  }

  get isOpen(): boolean {
    return this.#state === OPEN;
  }

  /** The secrets this channel copied from its options (live, not copies): for tests that check wiping. */
  get secretsHeld(): readonly Uint8Array[] {
    const { identity, networkKey, psk, token } = this.#options;
    return [identity.secretKey, networkKey, ...(psk ? [psk] : []), ...(token ? [token] : [])];
  }

  start(receiver: TransportReceiver): void {
    this.#receiver = receiver;
    this.#prepare(); // before the link starts, in case it delivers at once
    this.#link.start({
      message: (data) => this.#onMessage(data),
      closed: (reason) => this.#onLinkClosed(reason),
    });
    this.#sayHello();
  }

  send(message: unknown): void {
    if (this.#state === CLOSED) throw new RpcError('UNAVAILABLE', 'the secure channel is closed');
    if (!(message instanceof Uint8Array)) throw new TypeError('the secure channel carries bytes (Uint8Array)');
    if (this.#state === OPEN) this.#records!.sendData(message);
    // Held until READY (the far side's hello, which lets calls go, can only follow it): a copy,
    // since the codec may reuse the bytes it gave us.
    else this.#queue.push(message.slice());
  }

  close(): void {
    if (this.#state === CLOSED) return;
    if (this.#state === OPEN) {
      try {
        this.#records!.sendRecord(CLOSE);
      } catch {
        // The link is gone already; the far side will see a truncation, which it is.
      }
    }
    this.#shutdown();
    this.#wipeSecrets();
    this.#receiver = undefined;
    this.#link.close();
  }

  // ---- handshake --------------------------------------------------------------------------

  /** Arms the timer and sets up this end's handshake for its role. */
  #prepare(): void {
    this.#attempt++;
    this.#timer = setTimeout(this.#timedOut, this.#options.handshakeTimeout);
    const role = this.initiator;
    this.#handshake = this.#newHandshake(role !== false);
    this.#state = role === true ? AWAIT_REPLY : role === false ? AWAIT_HELLO : AWAIT_TIE;
  }

  /** An initiator, or an end that does not know its role, speaks first. */
  #sayHello(): void {
    if (this.#state !== AWAIT_REPLY && this.#state !== AWAIT_TIE) return;
    try {
      this.#sendRaw(this.#handshake!.writeHello(this.#now()));
    } catch (error) {
      this.#fail(`the hello could not be sent: ${String(error)}`);
    }
  }

  #newHandshake(initiator: boolean, ephemeral = this.#seams?.ephemerals?.shift()): Handshake {
    const { identity, networkKey, psk, token } = this.#options;
    // A copy: the handshake wipes its ephemeral secret, and a test's fixed key must survive.
    const copy = ephemeral && { publicKey: ephemeral.publicKey.slice(), secretKey: ephemeral.secretKey.slice() };
    return new Handshake(initiator, { identity, networkKey, psk, token, ephemeral: copy, backend: this.#options.backend() });
  }

  readonly #timedOut = (): void => {
    this.#timer = undefined;
    this.#fail('the handshake timed out');
  };

  #onMessage(data: unknown): void {
    if (this.#state === CLOSED) return;
    const bytes = asBytes(data);
    if (!bytes) return this.#fail('a message that is not bytes');
    if (this.#state === OPEN || this.#state === AWAIT_READY) return this.#records!.receive(bytes);
    try {
      switch (this.#state) {
        case AWAIT_HELLO:
          return this.#onHello(bytes);
        case AWAIT_TIE:
          return this.#onTie(bytes);
        case AWAIT_REPLY:
          return this.#onReply(bytes);
        case AWAIT_AUTH:
          return this.#onAuth(bytes);
        default:
          return this.#fail('a message while authorize was deciding');
      }
    } catch (error) {
      this.#fail(error instanceof HandshakeError ? error.message : `the handshake broke: ${String(error)}`);
    }
  }

  /** Responder, message 1. A wrong MAC, a stale, replayed or over-budget hello throw before anything is sent: silence. */
  #onHello(message: Uint8Array, hello = checkHello(this.#options.networkKey, message, this.#options.backend())): void {
    const refused = this.#guard.admit(hello.time, hello.mac, this.#now());
    if (refused) throw new HandshakeError(refused);
    const handshake = this.#handshake!;
    handshake.readHello(message, hello);
    this.#state = AWAIT_AUTH;
    this.#sendRaw(handshake.writeIdentity());
  }

  /** Roles unknown: the far hello settles them, or a reply says the far side knew it responds. */
  #onTie(message: Uint8Array): void {
    if (message.byteLength !== HELLO_SIZE) {
      this.#state = AWAIT_REPLY;
      return this.#onReply(message);
    }
    const ours = this.#handshake!.ephemeral;
    const hello = checkHello(this.#options.networkKey, message, this.#options.backend());
    const theirs = hello.ephemeral;
    const order = compareBytes(ours.publicKey, theirs);
    if (order === 0) throw new HandshakeError('our own hello came back');
    if (order < 0) {
      this.#tieKey = theirs;
      this.#state = AWAIT_REPLY;
      return;
    }
    const abandoned = this.#handshake!;
    this.#handshake = this.#newHandshake(false, ours); // copies `ours`
    abandoned.wipe();
    this.#onHello(message, hello);
  }

  /** Initiator, message 2: authenticate and authorize the responder before revealing ourselves. */
  #onReply(reply: Uint8Array): void {
    const handshake = this.#handshake!;
    if (this.#tieKey && reply.byteLength >= KEY_SIZE && !sameBytes(reply.subarray(0, KEY_SIZE), this.#tieKey)) {
      throw new HandshakeError('a reply whose ephemeral key is not the one of its hello');
    }
    const remote = handshake.readIdentity(reply);
    this.#authorize(remote, () => {
      this.#sendRaw(handshake.writeAuth());
      this.#useKeys(handshake.finish(), true);
      this.#state = AWAIT_READY;
    });
  }

  /** Responder, message 3. */
  #onAuth(auth: Uint8Array): void {
    const handshake = this.#handshake!;
    const remote = handshake.readAuth(auth);
    this.#authorize(remote, () => {
      this.#useKeys(handshake.finish(), false);
      this.#open();
    });
  }

  /** Pinned key first, then `authorize`, sync or async; `then` runs only if both agree. */
  #authorize(remote: RemoteIdentity, then: () => void): void {
    const { expectedRemoteKey, authorize } = this.#options;
    if (expectedRemoteKey && !sameBytes(remote.remoteKey, expectedRemoteKey)) return this.#fail('the remote key is not the expected key');
    this.#remote = remote;
    if (!authorize) return then();
    this.#state = AUTHORIZING;
    const attempt = this.#attempt;
    const current = () => this.#attempt === attempt && this.#state === AUTHORIZING;
    const refuse = (error: unknown) => {
      if (current()) this.#fail(`authorize threw: ${String(error)}`);
    };
    const decide = (principal: unknown) => {
      if (!current()) return; // closed, failed or restarted meanwhile
      if (principal === false || principal === null || principal === undefined) return this.#fail('authorize refused the remote key');
      this.#pendingPrincipal = principal;
      try {
        then();
      } catch (error) {
        this.#fail(error instanceof HandshakeError ? error.message : `the handshake broke: ${String(error)}`);
      }
    };
    let verdict: unknown;
    try {
      verdict = authorize({ remoteKey: remote.remoteKey.slice(), token: remote.token?.slice(), transport: this.#link });
    } catch (error) {
      return refuse(error);
    }
    if (isThenable(verdict)) verdict.then(decide, refuse);
    else decide(verdict);
  }

  #useKeys(keys: SessionKeys, initiator: boolean): void {
    this.#records = new RecordLayer(this.#link, keys, initiator, this.#recordLimits, {
      message: (data) => this.#receiver?.message(data),
      ready: () => this.#open(),
      closed: () => this.#end('the far side closed the secure channel'),
      fail: (detail) => this.#fail(detail),
      event: (name) => this.#seams?.onEvent?.(name),
    });
    this.#binding = keys.binding;
    this.#handshake = undefined;
  }

  /** Both sides agree: the responder sends READY, and what the peer queued goes out. */
  #open(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const responder = this.#state !== AWAIT_READY;
    this.#state = OPEN;
    this.remoteIdentity = this.#remote!.remoteKey;
    this.principal = this.#pendingPrincipal;
    this.channelBinding = this.#binding;
    this.#remote = undefined;
    this.#pendingPrincipal = undefined;
    this.#tieKey = undefined;
    const records = this.#records!;
    records.opened();
    try {
      if (responder) records.sendRecord(READY);
      const queued = this.#queue;
      this.#queue = [];
      for (const message of queued) records.sendData(message);
    } catch (error) {
      return this.#fail(`a record could not be sent: ${String(error)}`);
    }
  }

  #sendRaw(message: Uint8Array): void {
    this.#link.send(message, this.#transfer ? [message.buffer as ArrayBuffer] : undefined);
  }

  // ---- endings ----------------------------------------------------------------------------

  #onLinkClosed(reason: unknown): void {
    if (this.#state === CLOSED) return;
    if (this.#state === OPEN) {
      this.#logger?.warn?.('secure channel truncated: the transport ended without a CLOSE record');
      return this.#end(new RpcError('DATA_LOSS', 'the secure channel was truncated', { cause: reason }));
    }
    this.#fail(`the transport closed during the handshake: ${String(reason)}`);
  }

  /** Any failure: wipe, close without a word, and one generic error for the application. */
  #fail(detail: string): void {
    if (this.#state === CLOSED) return;
    this.#logger?.warn?.(`secure channel failed: ${detail}`);
    this.#end(new RpcError('UNAUTHENTICATED', 'the secure channel failed'));
  }

  #end(reason: unknown): void {
    const receiver = this.#receiver;
    this.#shutdown();
    this.#wipeSecrets();
    this.#receiver = undefined;
    this.#link.close();
    receiver?.closed(reason);
  }

  /** For good: no handshake will follow, so the copies of the options' secrets go too. */
  #wipeSecrets(): void {
    for (const secret of this.secretsHeld) wipe(secret);
  }

  #shutdown(): void {
    this.#state = CLOSED;
    this.#attempt++;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#handshake?.wipe();
    this.#records?.wipe();
    this.#handshake = this.#records = undefined;
    this.#remote = this.#tieKey = this.#pendingPrincipal = undefined;
    for (const message of this.#queue) wipe(message); // plaintext the application meant for the far side alone
    this.#queue = [];
  }
}
