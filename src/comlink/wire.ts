/**
 * comlink's wire protocol (4.x), as its `expose` and `wrap` speak it over a port: requests
 * `{ id, type, path, argumentList | value }`, replies `{ id, type: 'RAW' | 'HANDLER', ... }`. A
 * value crosses raw (structured clone), as a `proxy` handler (a `MessagePort` the far side serves
 * the object on), or as a `throw` handler (an error, reduced to its name, message and stack).
 */

export type RequestType = 'GET' | 'SET' | 'APPLY' | 'CONSTRUCT' | 'ENDPOINT' | 'RELEASE';

export type WireValue =
  | { readonly type: 'RAW'; readonly value: unknown }
  | { readonly type: 'HANDLER'; readonly name: string; readonly value: unknown };

export interface WireRequest {
  readonly id: string;
  readonly type: RequestType;
  readonly path?: unknown;
  readonly argumentList?: unknown;
  readonly value?: unknown;
}

/** What comlink's `throw` handler carries. */
export interface ThrownValue {
  readonly isError: boolean;
  readonly value: unknown;
}

const requestTypes: ReadonlySet<unknown> = new Set(['GET', 'SET', 'APPLY', 'CONSTRUCT', 'ENDPOINT', 'RELEASE']);

export function isRequest(data: unknown): data is WireRequest {
  return typeof data === 'object' && data !== null && requestTypes.has((data as WireRequest).type) && isId((data as WireRequest).id);
}

export function isReply(data: unknown): data is WireValue & { readonly id: string } {
  if (typeof data !== 'object' || data === null) return false;
  const type = (data as WireValue).type;
  return (type === 'RAW' || type === 'HANDLER') && isId((data as { id?: unknown }).id);
}

function isId(id: unknown): id is string {
  // comlink's wrap ignores falsy ids; its own are random strings.
  return typeof id === 'string' && id !== '' && id.length <= 256;
}

export const raw = (value: unknown): WireValue => ({ type: 'RAW', value });

export const proxied = (port: MessagePort): WireValue => ({ type: 'HANDLER', name: 'proxy', value: port });

/** An error as comlink's `throw` handler sends it: errors by name, message and (if allowed) stack; other values as they are. */
export function thrown(error: unknown, withStack: boolean): WireValue {
  const value: ThrownValue =
    error instanceof Error
      ? {
          isError: true,
          value: withStack
            ? { message: error.message, name: error.name, stack: error.stack }
            : { message: error.message, name: error.name },
        }
      : { isError: false, value: error };
  return { type: 'HANDLER', name: 'throw', value };
}

/** The error a `throw` handler stands for, rebuilt as comlink does: an `Error` with the sent name and message. */
export function errorOf(value: unknown): unknown {
  const sent = value as Partial<ThrownValue> | null;
  if (!sent || typeof sent !== 'object' || !sent.isError) return sent?.value;
  const fields = (sent.value ?? {}) as { message?: unknown; name?: unknown; stack?: unknown };
  const error = new Error(typeof fields.message === 'string' ? fields.message : 'the far side threw');
  if (typeof fields.name === 'string') Object.defineProperty(error, 'name', { value: fields.name, writable: true, configurable: true });
  if (typeof fields.stack === 'string') error.stack = fields.stack;
  return error;
}
