import { define, RpcError } from './errors.js';
import { forbidden } from './lookup.js';

/**
 * The wire form of a thrown value. Errors keep their name, message, own properties, cause chain
 * and (for AggregateError) inner errors; anything else thrown travels as `thrown`.
 */
export interface WireError {
  name?: string;
  message?: string;
  code?: string;
  data?: unknown;
  props?: Record<string, unknown>;
  cause?: WireError;
  errors?: WireError[];
  stack?: string;
  thrown?: unknown;
}

/** Built-in classes rebuilt as themselves; looked up by own key only. */
const builtins: Record<string, ErrorConstructor | undefined> = Object.assign(Object.create(null), {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
});

/** Fields carried in their own slots, and every name Object.prototype has, never as `props`. */
const reserved = new Set(['name', 'message', 'stack', 'cause', 'errors', ...forbidden]);
/** A key never carried in `props`: a reserved one, or an RpcError's `code` and `data`. */
const carriedApart = (key: string, isRpc: boolean) => reserved.has(key) || (isRpc && (key === 'code' || key === 'data'));
const MAX_DEPTH = 8;
const MAX_ERRORS = 64;

/**
 * Errors one wire form may hold, counting the top one, its causes and inner errors at every depth.
 * Depth and width caps alone still allow 64^8 nodes, and a clone transport can deliver that as a
 * few hundred bytes of shared errors; past this many, further causes and inner errors are left out.
 */
export const MAX_ERROR_NODES = 256;

/** Nodes left to the conversion under way: one counter per top-level call. */
interface Budget {
  left: number;
}

export function errorToWire(value: unknown, withStack: boolean): WireError {
  return toWire(value, withStack, 0, { left: MAX_ERROR_NODES });
}

function toWire(value: unknown, withStack: boolean, depth: number, budget: Budget): WireError {
  budget.left--;
  if (!(value instanceof Error)) return { thrown: value };
  const wire: WireError = { name: String(value.name), message: String(value.message) };
  const isRpc = value instanceof RpcError;
  if (isRpc) {
    wire.code = value.code;
    if (value.data !== undefined) wire.data = value.data;
  }
  let props: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    if (carriedApart(key, isRpc)) continue;
    const prop = (value as unknown as Record<string, unknown>)[key];
    if (typeof prop === 'function' || typeof prop === 'symbol') continue;
    (props ??= {})[key] = prop;
  }
  if (props) wire.props = props;
  if (withStack && typeof value.stack === 'string') wire.stack = value.stack;
  if (depth >= MAX_DEPTH) return wire;
  if ('cause' in value && budget.left > 0) wire.cause = toWire(value.cause, withStack, depth + 1, budget);
  if (value instanceof AggregateError && Array.isArray(value.errors)) {
    wire.errors = inner(value.errors, (e) => toWire(e, withStack, depth + 1, budget), budget);
  }
  return wire;
}

/** The first inner errors of an AggregateError, as many as the caps and the budget allow. */
function inner<T>(errors: unknown[], convert: (error: unknown) => T, budget: Budget): T[] {
  const out: T[] = [];
  const count = Math.min(errors.length, MAX_ERRORS);
  for (let i = 0; i < count && budget.left > 0; i++) out.push(convert(errors[i]));
  return out;
}

/** The same error without anything that might not encode: the fallback when encoding fails. */
export function plainWire(wire: WireError): WireError {
  return { name: wire.name ?? 'Error', message: wire.message ?? '', code: wire.code };
}

const text = (value: unknown, otherwise: string) => (typeof value === 'string' ? value : otherwise);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rebuilds a thrown value from its wire form. Hostile input yields an error, never a throw. */
export function errorFromWire(input: unknown): unknown {
  return fromWire(input, 0, { left: MAX_ERROR_NODES });
}

function fromWire(input: unknown, depth: number, budget: Budget): unknown {
  budget.left--;
  if (!isRecord(input)) return new RpcError('INTERNAL', 'malformed error from the remote peer');
  if ('thrown' in input) return input.thrown;
  const name = text(input.name, 'Error');
  const message = text(input.message, '');
  const deeper = depth < MAX_DEPTH;
  const cause = 'cause' in input && deeper && budget.left > 0 ? { cause: fromWire(input.cause, depth + 1, budget) } : {};
  let error: Error;
  if (name === 'RpcError' || RpcError.isCode(input.code)) {
    // An RpcError, or a subclass with a name of its own: rebuilt as an RpcError that keeps the name.
    error = new RpcError(RpcError.isCode(input.code) ? input.code : 'UNKNOWN', message, { ...cause, data: input.data });
  } else if (name === 'AggregateError') {
    const errors = Array.isArray(input.errors) && deeper ? inner(input.errors, (e) => fromWire(e, depth + 1, budget), budget) : [];
    error = new AggregateError(errors, message, cause);
  } else {
    const Builtin = builtins[name];
    error = new (Builtin ?? Error)(message, cause);
  }
  // An RpcError subclass or an unknown class keeps its name; a built-in has it already.
  if (error.name !== name) define(error, 'name', name);
  if (isRecord(input.props)) {
    for (const key of Object.keys(input.props)) {
      if (carriedApart(key, error instanceof RpcError)) continue;
      define(error, key, input.props[key], true);
    }
  }
  define(error, 'stack', text(input.stack, `${name}: ${message}\n    at <remote>`));
  return error;
}
