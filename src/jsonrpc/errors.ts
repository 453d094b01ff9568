/**
 * JSON-RPC 2.0 error objects to and from `RpcError`. The five codes of the specification map to
 * the nearest `RpcError` code; every other saltline code travels as -32000 ("server error") with
 * the saltline code, the error's name and its `data` in `error.data`, so a saltline caller gets
 * the same `RpcError` back and a foreign caller still sees a standard error object.
 */
import { RpcError, type RpcErrorCode } from '../errors.js';

/** JSON-RPC 2.0 code for a body that is not valid JSON. */
export const PARSE_ERROR = -32700;
/** JSON-RPC 2.0 code for JSON that is not a valid request object. */
export const INVALID_REQUEST = -32600;
/** JSON-RPC 2.0 code for a method that is not exposed. */
export const METHOD_NOT_FOUND = -32601;
/** JSON-RPC 2.0 code for parameters a method cannot take (`INVALID_ARGUMENT`). */
export const INVALID_PARAMS = -32602;
/** JSON-RPC 2.0 code for a failure inside the server (`INTERNAL`). */
export const INTERNAL_ERROR = -32603;
/** The code every other saltline error travels as, with the saltline code in `error.data`. */
export const SERVER_ERROR = -32000;

/** A JSON-RPC 2.0 error object as it crosses the wire. */
export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/** What `error.data` holds for an error a saltline peer sends. */
export interface SaltlineErrorData {
  /** The `RpcError` code, or `UNKNOWN` for a plain thrown error. */
  readonly code: RpcErrorCode;
  /** The error's `name` (`RpcError`, `TypeError`, ...). */
  readonly name: string;
  /** The `RpcError`'s `data`, when it has some. */
  readonly data?: unknown;
}

const fromStandard: Readonly<Record<number, RpcErrorCode>> = {
  [PARSE_ERROR]: 'INVALID_ARGUMENT',
  [INVALID_REQUEST]: 'INVALID_ARGUMENT',
  [METHOD_NOT_FOUND]: 'NOT_FOUND',
  [INVALID_PARAMS]: 'INVALID_ARGUMENT',
  [INTERNAL_ERROR]: 'INTERNAL',
};

const toStandard: Partial<Record<RpcErrorCode, number>> = {
  INVALID_ARGUMENT: INVALID_PARAMS,
  UNIMPLEMENTED: METHOD_NOT_FOUND,
  INTERNAL: INTERNAL_ERROR,
};

const standardMessages: Readonly<Record<number, string>> = {
  [PARSE_ERROR]: 'Parse error',
  [INVALID_REQUEST]: 'Invalid Request',
  [METHOD_NOT_FOUND]: 'Method not found',
  [INVALID_PARAMS]: 'Invalid params',
  [INTERNAL_ERROR]: 'Internal error',
};

/**
 * The error for a request refused before any handler ran: the specification's message for its
 * code (as §7 shows them), and what exactly was wrong, when there is more to say, as `data`.
 */
export function protocolError(code: number, detail?: string): JsonRpcErrorObject {
  const message = standardMessages[code] ?? 'Server error';
  return detail === undefined ? { code, message } : { code, message, data: detail };
}

/**
 * The error object for a handler's error (after `onSendError`). `NOT_FOUND` from the method
 * lookup is -32601; a handler's own `NOT_FOUND` ("no such user") is a server error.
 */
export function toErrorObject(error: unknown, methodMissing = false): JsonRpcErrorObject {
  if (methodMissing) return { code: METHOD_NOT_FOUND, message: messageOf(error) };
  const code: RpcErrorCode = error instanceof RpcError ? error.code : 'UNKNOWN';
  const name = error instanceof Error ? String(error.name) : 'Error';
  const saltline: SaltlineErrorData =
    error instanceof RpcError && error.data !== undefined ? { code, name, data: error.data } : { code, name };
  return { code: toStandard[code] ?? SERVER_ERROR, message: messageOf(error), data: saltline };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return String(error.message);
  return typeof error === 'string' ? error : 'the handler failed';
}

function isSaltlineData(data: unknown): data is SaltlineErrorData {
  return typeof data === 'object' && data !== null && RpcError.isCode((data as SaltlineErrorData).code);
}

/**
 * The `RpcError` a caller gets for an error object. From a saltline peer: its code, name and data
 * as sent. From anyone else: the nearest code (-32601 `NOT_FOUND`, -32700/-32600/-32602
 * `INVALID_ARGUMENT`, -32603 `INTERNAL`, others `UNKNOWN`), with `data` the object's `code` and `data`.
 */
export function fromErrorObject(error: unknown): RpcError {
  if (typeof error !== 'object' || error === null) return new RpcError('UNKNOWN', 'the far side sent a malformed error');
  const { code, message, data } = error as Partial<JsonRpcErrorObject>;
  const text = typeof message === 'string' ? message : 'the far side sent an error without a message';
  if (isSaltlineData(data)) {
    const rpc = new RpcError(data.code, text, data.data === undefined ? {} : { data: data.data });
    if (typeof data.name === 'string' && data.name !== 'RpcError') {
      Object.defineProperty(rpc, 'name', { value: data.name, writable: true, configurable: true });
    }
    return rpc;
  }
  const mapped = typeof code === 'number' ? (fromStandard[code] ?? 'UNKNOWN') : 'UNKNOWN';
  return new RpcError(mapped, text, { data: data === undefined ? { code } : { code, data } });
}
