/**
 * Every message of protocol version 1 (docs/protocol.md §2): its kind, its labelled tuple type,
 * and `parse()`, the one place where a message from the far side is judged before anything
 * reads it. A parsed message has exactly the types its tuple declares; what fails is returned
 * as a `Malformed` that says why, and never throws.
 */

export const PROTOCOL_VERSION = 1;

/** The default largest message, in bytes: room for a 16 MiB payload and its envelope. */
export const DEFAULT_MAX_MESSAGE_SIZE = 32 * 1024 * 1024;
/** The smallest `maxMessageSize` a far side may announce: room for any error reply (§9). */
export const MIN_MAX_MESSAGE_SIZE = 1024;
/** Messages in one transport message (batch) at most; a sender splits larger batches (§1.1). */
export const MAX_BATCH = 4096;
/** A method name's length at most, in UTF-16 code units. */
export const MAX_METHOD_LENGTH = 256;
/** The largest credit one STREAM_CREDIT may carry. */
export const MAX_GRANT = 1 << 16;

export const HELLO = 0;
export const CALL = 1;
export const NOTIFY = 2;
export const RESULT = 3;
export const ERROR = 4;
export const CANCEL = 5;
export const STREAM_DATA = 6;
export const STREAM_END = 7;
export const STREAM_CREDIT = 8;
export const RELEASE = 9;
export const PING = 10;
export const PONG = 11;
export const GOODBYE = 12;
export const STREAM_CANCEL = 13;
export const ABORT = 14;

/** RESULT flags: the value holds reference markers; the value is `undefined`. */
export const RESULT_REFS = 1;
export const RESULT_UNDEFINED = 2;

export type Meta = Record<string, unknown>;
/** HELLO's features: the largest message this side accepts, the timeout of a CALL without one. */
export interface HelloFeatures {
  readonly maxMessageSize?: number;
  readonly timeout?: number;
  /** What each plugin announces, under its name (§2.1). */
  readonly plugins?: Readonly<Record<string, unknown>>;
}

export type HelloMessage = [kind: typeof HELLO, version: unknown, ack: boolean, features: HelloFeatures];
/** A CALL's target when it calls a method of an object the receiver exported (§6.5). */
export type ObjectTarget = readonly [ref: number, method: string];

/**
 * `target` is a method name, the id of a callback the receiver exported, or an object the
 * receiver exported and one of its methods. The timeout slot has
 * three meanings (§2.2): absent (length ≤ 5) means the caller's default from its HELLO, nil none.
 */
export type CallMessage = [
  kind: typeof CALL,
  id: number,
  target: string | number | ObjectTarget,
  args: unknown[],
  meta?: Meta | null,
  timeout?: number | null,
  refs?: 1,
];
export type NotifyMessage = [kind: typeof NOTIFY, method: string, args: unknown[], meta?: Meta | null];
export type ResultMessage = [kind: typeof RESULT, id: number, value?: unknown, meta?: Meta | null, flags?: number, retained?: number[]];
export type ErrorMessage = [kind: typeof ERROR, id: number, error: unknown, retained?: number[]];
export type CancelMessage = [kind: typeof CANCEL, id: number, code?: unknown];
export type StreamDataMessage = [kind: typeof STREAM_DATA, ref: number, value: unknown, refs?: unknown];
export type StreamEndMessage = [kind: typeof STREAM_END, ref: number, error?: unknown];
export type StreamCreditMessage = [kind: typeof STREAM_CREDIT, ref: number, count: number];
export type ReleaseMessage = [kind: typeof RELEASE, ref: number, revoked?: unknown];
export type PingMessage = [kind: typeof PING, nonce: unknown];
export type PongMessage = [kind: typeof PONG, nonce?: unknown];
export type GoodbyeMessage = [kind: typeof GOODBYE];
export type StreamCancelMessage = [kind: typeof STREAM_CANCEL, ref: number];
export type AbortMessage = [kind: typeof ABORT, ref: number, reason: unknown];

/** The messages that belong to references (§6, §7): the reference table handles them. */
export type ReferenceMessage =
  | StreamDataMessage
  | StreamEndMessage
  | StreamCreditMessage
  | ReleaseMessage
  | StreamCancelMessage
  | AbortMessage;
export type Message =
  | HelloMessage
  | CallMessage
  | NotifyMessage
  | ResultMessage
  | ErrorMessage
  | CancelMessage
  | PingMessage
  | PongMessage
  | GoodbyeMessage
  | ReferenceMessage;

/** A message that breaks the protocol: why, and the call id to answer when it is a CALL with one. */
export class Malformed {
  constructor(
    readonly why: string,
    readonly callId: number | undefined = undefined,
  ) {}
}

export function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A metadata map: a plain, non-array object with at most `max` keys (counted without copying). */
export function isMeta(value: unknown, max: number): value is Meta {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  let count = 0;
  for (const _ in value) if (++count > max) return false;
  return true;
}

// Plain checks, no closures: parse() runs for every message received.
const absent = (value: unknown) => value === undefined || value === null;
const positive = (value: unknown) => typeof value === 'number' && value > 0;
const isMap = (value: unknown) => typeof value === 'object' && !Array.isArray(value);
const isRetained = (value: unknown) => Array.isArray(value) && value.every(isId);
const isMethod = (value: unknown) => typeof value === 'string' && value.length <= MAX_METHOD_LENGTH;
/** A CALL target: a method name, a callback's id, or `[object id, method name]`. */
const isTarget = (value: unknown) =>
  isMethod(value) || isId(value) || (Array.isArray(value) && value.length === 2 && isId(value[0]) && isMethod(value[1]));

/** What kind a message claims, for a log line: never the untrusted value itself. */
export function kindOf(message: unknown): string {
  const kind = Array.isArray(message) ? message[0] : message;
  return typeof kind === 'number' ? String(kind) : typeof kind;
}

/** One reason per kind (the log names the kind): the details of a hostile message help no reader. */
const malformed = (message: unknown[]) => new Malformed(`a malformed message of kind ${kindOf(message)}`);

/**
 * Judges one message from the far side. `maxMetaEntries` bounds CALL and NOTIFY metadata; a
 * RESULT's metadata over it is dropped (§2.4), as is a CANCEL's unknown code (§2.6).
 */
export function parse(message: unknown, maxMetaEntries: number): Message | Malformed {
  if (!Array.isArray(message)) return new Malformed('a message that is not an array');
  switch (message[0]) {
    case CALL: {
      const id = message[1];
      if (!isId(id)) return malformed(message);
      return isTarget(message[2]) &&
        Array.isArray(message[3]) &&
        (absent(message[4]) || isMeta(message[4], maxMetaEntries)) &&
        (absent(message[5]) || (typeof message[5] === 'number' && message[5] >= 0))
        ? (message as CallMessage)
        : new Malformed('malformed call', id);
    }
    case RESULT:
      if (message.length > 3 && !(absent(message[3]) || isMeta(message[3], maxMetaEntries))) message[3] = null;
      return isId(message[1]) &&
        (message.length < 5 || absent(message[4]) || (isId(message[4]) && message[4] < 4)) &&
        (message.length < 6 || absent(message[5]) || isRetained(message[5]))
        ? (message as ResultMessage)
        : malformed(message);
    case ERROR:
      return isId(message[1]) && (message.length < 4 || absent(message[3]) || isRetained(message[3]))
        ? (message as ErrorMessage)
        : malformed(message);
    case NOTIFY:
      return isMethod(message[1]) && Array.isArray(message[2]) && (absent(message[3]) || isMeta(message[3], maxMetaEntries))
        ? (message as NotifyMessage)
        : malformed(message);
    case HELLO: {
      const features = message[3];
      if (!(absent(features) || isMap(features))) return malformed(message);
      const { maxMessageSize, timeout, plugins } = (features ?? {}) as Record<string, unknown>;
      if (
        !(
          (absent(maxMessageSize) || positive(maxMessageSize)) &&
          (absent(timeout) || positive(timeout)) &&
          (absent(plugins) || isMap(plugins))
        )
      )
        return malformed(message);
      if (features == null) message[3] = {};
      return message as HelloMessage;
    }
    case STREAM_CREDIT: {
      const count = message[2];
      return isId(message[1]) && Number.isSafeInteger(count) && (count as number) > 0 && (count as number) <= MAX_GRANT
        ? (message as StreamCreditMessage)
        : malformed(message);
    }
    case CANCEL:
    case STREAM_DATA:
    case STREAM_END:
    case RELEASE:
    case STREAM_CANCEL:
    case ABORT:
      return isId(message[1]) ? (message as CancelMessage | ReferenceMessage) : malformed(message);
    case PING:
    case PONG:
    case GOODBYE:
      return message as PingMessage | PongMessage | GoodbyeMessage;
    default:
      return new Malformed(`a message of unknown kind ${kindOf(message)}`);
  }
}

// ---- builders: the shortest form of each message (§2) ----------------------------------------

export function hello(ack: boolean, maxMessageSize: number, timeout: number, plugins?: Record<string, unknown>): HelloMessage {
  const features: { maxMessageSize: number; timeout?: number; plugins?: Record<string, unknown> } = { maxMessageSize };
  if (timeout !== Infinity) features.timeout = timeout;
  if (plugins) features.plugins = plugins;
  return [HELLO, PROTOCOL_VERSION, ack, features];
}

/**
 * A CALL: `timeout` is `undefined` for the default announced in HELLO, `null` for none. Built at
 * its final length (no push, so no backing-store growth per call).
 */
export function call(
  id: number,
  target: string | number | ObjectTarget,
  args: unknown[],
  meta: Meta | undefined,
  timeout: number | null | undefined,
  refs: boolean,
): CallMessage {
  if (refs) return [CALL, id, target, args, meta ?? null, timeout ?? null, 1];
  if (timeout !== undefined) return [CALL, id, target, args, meta ?? null, timeout];
  return meta ? [CALL, id, target, args, meta] : [CALL, id, target, args];
}

export function notify(method: string, args: unknown[], meta: Meta | undefined): NotifyMessage {
  return meta ? [NOTIFY, method, args, meta] : [NOTIFY, method, args];
}

/** A RESULT: the common plain value alone; with metadata, references or retained ids, every field. */
export function result(id: number, value: unknown, meta: Meta | undefined, refs: boolean, retained: number[] | undefined): ResultMessage {
  if (!refs && !meta && !retained) return value === undefined ? [RESULT, id] : [RESULT, id, value];
  const flags = (refs ? RESULT_REFS : 0) | (value === undefined ? RESULT_UNDEFINED : 0);
  return retained ? [RESULT, id, value ?? null, meta ?? null, flags, retained] : [RESULT, id, value ?? null, meta ?? null, flags];
}

export function error(id: number, wire: unknown, retained: number[] | undefined): ErrorMessage {
  return retained ? [ERROR, id, wire, retained] : [ERROR, id, wire];
}

export function cancel(id: number, code: 'CANCELLED' | 'DEADLINE_EXCEEDED'): CancelMessage {
  return [CANCEL, id, code];
}

export const goodbye = (): GoodbyeMessage => [GOODBYE];
export const pong = (nonce: unknown): PongMessage => [PONG, nonce];
