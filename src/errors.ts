/** Status codes, after gRPC's: the caller can branch on them without parsing messages. */
export const codes = [
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** One of the gRPC-style status codes in `codes`, e.g. `'NOT_FOUND'` or `'DEADLINE_EXCEEDED'`. */
export type RpcErrorCode = (typeof codes)[number];

const codeSet: ReadonlySet<string> = new Set(codes);

/** The optional parts of an `RpcError`: its `cause` and the data sent along with it. */
export interface RpcErrorOptions {
  /** What caused this error; crosses the wire as a chain. Default: none. */
  readonly cause?: unknown;
  /** Extra, encodable detail for the caller. Default: none. */
  readonly data?: unknown;
}

/** Marks RpcErrors of every copy of the package, so `instanceof` works across two copies. */
const brand = Symbol.for('saltline.RpcError');

/** The one error class of saltline: a code from a fixed set, a message, optional data and cause. */
export class RpcError extends Error {
  readonly code: RpcErrorCode;
  readonly data: unknown;

  constructor(code: RpcErrorCode, message: string, options: RpcErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = codeSet.has(code) ? code : 'UNKNOWN';
    this.data = options.data;
  }

  /**
   * True for an RpcError made by any copy of saltline (a bundle and a dependency can each carry
   * one); subclasses test as usual.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class tested against; a subclass tests as usual
    if (this !== RpcError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  /**
   * Converts anything thrown into an `RpcError`, keeping an existing one as it is. An abort
   * (`AbortError`) becomes `CANCELLED` and a timeout (`TimeoutError`, as from
   * `AbortSignal.timeout`) `DEADLINE_EXCEEDED`; anything else gets `code`.
   */
  static from(reason: unknown, code: RpcErrorCode = 'UNKNOWN'): RpcError {
    if (reason instanceof RpcError) return reason;
    if (reason instanceof Error || (typeof DOMException !== 'undefined' && reason instanceof DOMException)) {
      const { name, message } = reason as Error;
      if (name === 'AbortError') code = 'CANCELLED';
      else if (name === 'TimeoutError') code = 'DEADLINE_EXCEEDED';
      return new RpcError(code, message, { cause: reason });
    }
    return new RpcError(code, String(reason), { cause: reason });
  }

  static isCode(value: unknown): value is RpcErrorCode {
    return typeof value === 'string' && codeSet.has(value);
  }
}
define(RpcError.prototype, 'name', 'RpcError');
Object.defineProperty(RpcError.prototype, brand, { value: true });

/** Defines rather than assigns, so a hostile key can never reach a setter or the prototype. */
export function define(target: object, key: string, value: unknown, enumerable = false): void {
  Object.defineProperty(target, key, { value, enumerable, writable: true, configurable: true });
}

/**
 * The error as an untrusted caller should see it: its name and message, and an `RpcError`'s code
 * and data; no own properties, no cause, no stack. Network servers (`serveWebSocket`, the
 * signaling service) send handler errors through it unless given an `onSendError` of their own.
 */
export function publicError(error: unknown): Error {
  if (error instanceof RpcError) {
    const safe = new RpcError(error.code, error.message, error.data === undefined ? {} : { data: error.data });
    if (error.name !== 'RpcError') define(safe, 'name', error.name);
    return safe;
  }
  if (error instanceof Error) {
    const safe = new Error(error.message);
    define(safe, 'name', String(error.name));
    return safe;
  }
  return new RpcError('UNKNOWN', 'the handler failed');
}
