/** Protocol version 1 message kinds: the first element of every message array (docs/protocol.md). */
export const PROTOCOL_VERSION = 1;

/** The default largest message, in bytes: room for a 16 MiB payload and its envelope. */
export const DEFAULT_MAX_MESSAGE_SIZE = 32 * 1024 * 1024;

export const HELLO = 0; //   [0, version, ack, features]
export const CALL = 1; //    [1, id, method | callback id, args, meta?, timeout?, refs?]
export const NOTIFY = 2; //  [2, method, args, meta?]
export const RESULT = 3; //  [3, id, value?, meta?, flags?, retained?]
export const ERROR = 4; //   [4, id, error, retained?]
export const CANCEL = 5; //  [5, id, code?]
// 6 stream data, 7 stream end, 8 stream credit, 13 stream cancel: src/streams.ts.
// 9 release, 14 abort: src/ref-table.ts.
export const PING = 10; //   [10, nonce]
export const PONG = 11; //   [11, nonce]
export const GOODBYE = 12; // [12]

export function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
