/**
 * The secure channel once its handshake is done: every outgoing message sealed into records of at
 * most one record's payload (rekeying by count and by age), every incoming record opened, checked
 * and reassembled. Anything wrong is reported as a failure; the channel then ends the session.
 */
import { type ChunkFlag, Reassembler, split } from '../fragment.js';
import { bytesOf, type Transport } from '../transport.js';
import { type BackendSource, sealRoom } from './backend.js';
import type { SessionKeys } from './handshake.js';
import {
  CLOSE,
  FROM_INITIATOR,
  FROM_RESPONDER,
  LAST,
  MAX_RECORD,
  MIN_RECORD,
  MORE,
  READY,
  REKEY,
  RecordCipher,
  WHOLE,
} from './records.js';

const EMPTY = new Uint8Array(0);

/**
 * One buffer where every channel of the realm seals records for links that copy what they send:
 * the link has copied a record before `send` returns, so the next seal may reuse the buffer, and a
 * stream of records allocates nothing. It grows to the largest record sealed (at most 64 KiB and a
 * little), once per realm rather than once per channel. It holds ciphertext only.
 */
let scratch = new Uint8Array(0);

function scratchFor(payload: number): Uint8Array {
  const size = sealRoom(payload);
  if (scratch.byteLength < size) scratch = new Uint8Array(Math.max(size, 2 * scratch.byteLength));
  return scratch;
}

/** What the record layer tells its channel. */
export interface RecordEvents {
  /** A whole application message arrived. */
  message(data: Uint8Array): void;
  /** The READY record arrived (the initiator waits for it before it sends anything). */
  ready(): void;
  /** The far side closed the channel with a CLOSE record. */
  closed(): void;
  /** A record broke the rules: the channel must fail. */
  fail(detail: string): void;
  /** A rekey happened (for tests). */
  event?(name: 'rekey sent' | 'rekey received'): void;
}

export interface RecordLimits {
  /** Largest payload of one record: the link's message limit less a record's overhead. */
  readonly payload: number;
  readonly rekeyRecords: number;
  readonly rekeyInterval: number;
  /** Largest reassembled message. */
  readonly maxMessageSize: number;
  /** The secretbox backend of each record. */
  readonly backend: BackendSource;
}

export class RecordLayer {
  /** True until the READY record arrives (initiator only). */
  awaitingReady: boolean;
  readonly #sender: RecordCipher;
  readonly #opener: RecordCipher;
  readonly #reassembler: Reassembler;
  #sentUnderKey = 0;
  #keyTime = performance.now();
  readonly #link: Transport;
  readonly #transfer: boolean;
  /** The link copies what it sends (a WebSocket, a fragmenting link): records are sealed in `scratch`. */
  readonly #inPlace: boolean;
  readonly #limits: RecordLimits;
  readonly #events: RecordEvents;

  constructor(link: Transport, keys: SessionKeys, initiator: boolean, limits: RecordLimits, events: RecordEvents) {
    this.#link = link;
    this.#transfer = link.encoding === 'clone';
    this.#inPlace = bytesOf(link)?.copiesOnSend === true;
    this.#limits = limits;
    this.#events = events;
    this.#sender = new RecordCipher(keys.send, initiator ? FROM_INITIATOR : FROM_RESPONDER, limits.backend);
    this.#opener = new RecordCipher(keys.receive, initiator ? FROM_RESPONDER : FROM_INITIATOR, limits.backend);
    this.#reassembler = new Reassembler(limits.maxMessageSize);
    this.awaitingReady = initiator;
  }

  /** The clock of the rekey interval starts when the channel opens. */
  opened(): void {
    this.#keyTime = performance.now();
    this.#sentUnderKey = 0;
  }

  receive(record: Uint8Array): void {
    const events = this.#events;
    const length = record.byteLength;
    if (length === 0) return events.fail('an empty record');
    if (length < MIN_RECORD) return events.fail('an under-length record');
    if (length > MAX_RECORD) return events.fail('an oversize record');
    const plain = this.#opener.open(record, this.#transfer);
    if (!plain) return events.fail('a record that did not open');
    const type = plain[0]!;
    const payload = plain.subarray(1);
    if (this.awaitingReady) {
      if (type !== READY) return events.fail('a record before READY');
      if (payload.byteLength) return events.fail('a READY record with a payload');
      this.awaitingReady = false;
      return events.ready();
    }
    switch (type) {
      case WHOLE:
      case MORE:
      case LAST: {
        let message: Uint8Array | undefined;
        try {
          message = this.#reassembler.push(type, payload);
        } catch (error) {
          return events.fail(`a broken fragment sequence: ${(error as Error).message}`);
        }
        if (message) events.message(message);
        return;
      }
      case REKEY:
        if (payload.byteLength) return events.fail('a REKEY record with a payload');
        this.#opener.rekey();
        return events.event?.('rekey received');
      case CLOSE:
        if (payload.byteLength) return events.fail('a CLOSE record with a payload');
        return events.closed();
      default:
        return events.fail(type === READY ? 'a second READY' : `a record of unknown type ${type}`);
    }
  }

  /** Seals an application message, in several records when it is larger than one. */
  sendData(message: Uint8Array): void {
    if (message.byteLength <= this.#limits.payload) return this.#sendChunk(WHOLE, message);
    split(message, this.#limits.payload, this.#sendChunk);
  }

  readonly #sendChunk = (flag: ChunkFlag, chunk: Uint8Array): void => {
    const { rekeyRecords, rekeyInterval } = this.#limits;
    if (++this.#sentUnderKey > rekeyRecords || performance.now() - this.#keyTime >= rekeyInterval) {
      this.sendRecord(REKEY, EMPTY);
      this.#sender.rekey();
      this.#sentUnderKey = 1;
      this.#keyTime = performance.now();
      this.#events.event?.('rekey sent');
    }
    this.sendRecord(flag, chunk);
  };

  /** One record of `type` (READY and CLOSE are sent empty). */
  sendRecord(type: number, payload: Uint8Array = EMPTY): void {
    const record = this.#sender.seal(type, payload, this.#inPlace ? scratchFor(payload.byteLength) : undefined);
    this.#link.send(record, this.#transfer ? [record.buffer as ArrayBuffer] : undefined);
  }

  wipe(): void {
    this.#sender.wipe();
    this.#opener.wipe();
    this.#reassembler.reset();
  }
}
