/**
 * Finds the handler for a dotted method name on an exposed object. Only own, enumerable data
 * properties are followed, through plain objects only, so a caller can never reach the
 * prototype chain, a getter, or `constructor`/`__proto__`/`toString` and friends.
 */
const forbidden = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'toLocaleString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

export interface Resolved {
  readonly fn: (...args: unknown[]) => unknown;
  readonly self: object;
}

function ownData(target: object, key: string): unknown {
  if (forbidden.has(key)) return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  return descriptor && descriptor.enumerable ? descriptor.value : undefined;
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function resolveMethod(api: object | undefined, method: string): Resolved | undefined {
  if (api === undefined) return undefined;
  let self = api;
  let start = 0;
  for (;;) {
    const dot = method.indexOf('.', start);
    const key = dot < 0 ? method.slice(start) : method.slice(start, dot);
    const value = ownData(self, key);
    if (dot < 0) return typeof value === 'function' ? { fn: value as Resolved['fn'], self } : undefined;
    if (!isPlainObject(value)) return undefined;
    self = value;
    start = dot + 1;
  }
}
