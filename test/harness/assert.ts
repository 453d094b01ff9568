/** A small assertion set that runs unchanged in Node and in Chromium. */
import { RpcError, type RpcErrorCode } from '../../src/index.js';

export class AssertionError extends Error {
  override name = 'AssertionError';
}

function show(value: unknown): string {
  try {
    return typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

export function ok(value: unknown, message = 'expected a truthy value'): asserts value {
  if (!value) throw new AssertionError(message);
}

export function equal<T>(actual: T, expected: T, message?: string): void {
  if (!Object.is(actual, expected)) throw new AssertionError(message ?? `expected ${show(expected)}, got ${show(actual)}`);
}

export function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  if (!isDeepEqual(actual, expected)) throw new AssertionError(message ?? `expected ${show(expected)}, got ${show(actual)}`);
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return x.length === y.length && x.every((byte, i) => byte === y[i]);
  }
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => isDeepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Runs `fn` and returns what it threw; fails when it returns. */
export function throws(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new AssertionError('expected a throw');
}

/** Awaits a rejection and returns the reason; fails when the promise fulfils. */
export async function rejects(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new AssertionError('expected a rejection');
}

/** Awaits a rejection with an `RpcError` of `code`, and returns it. */
export async function rejectsWith(promise: Promise<unknown>, code: RpcErrorCode): Promise<RpcError> {
  const error = await rejects(promise);
  if (!(error instanceof RpcError)) throw new AssertionError(`expected an RpcError ${code}, got ${show(String(error))}`);
  if (error.code !== code) throw new AssertionError(`expected code ${code}, got ${error.code}: ${error.message}`);
  return error;
}

export function notEqual<T>(actual: T, expected: T, message?: string): void {
  if (Object.is(actual, expected)) throw new AssertionError(message ?? `expected something other than ${show(expected)}`);
}
