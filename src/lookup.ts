/**
 * Finds the handler for a dotted method name on an exposed object. Only own, enumerable data
 * properties are followed, through plain objects only, so a caller can never reach the
 * prototype chain, a getter, or `constructor`/`__proto__`/`toString` and friends.
 */
/** `prototype` and every name `Object.prototype` has (`__proto__`, `constructor`, `toString`...). */
export const forbidden = new Set(['prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

export interface Resolved {
  readonly fn: (...args: unknown[]) => unknown;
  readonly self: object;
}

function ownData(target: object, key: string): unknown {
  if (forbidden.has(key)) return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  return descriptor?.enumerable ? descriptor.value : undefined;
}

/** An object made by `{}` or `Object.create(null)`: the only kind whose fields are followed. */
export function isPlainObject(value: unknown): value is object {
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

/**
 * Finds a method of an object exported by reference (`target(obj)`, `RpcTarget`): one name, no
 * dots, looked up on the object and its prototypes up to (not including) `RpcTarget.prototype`
 * or `Object.prototype`. Only data properties holding functions qualify, own or inherited, so a
 * caller never runs a getter, reaches `constructor` or the platform's `Object.prototype` members.
 * The nearest property of that name decides: a non-function there hides any method further up.
 */
export function resolveTargetMethod(obj: object, method: string, stop: object): Resolved | undefined {
  if (forbidden.has(method) || method.includes('.')) return undefined;
  for (let level: object | null = obj; level !== null && level !== stop && level !== Object.prototype; ) {
    const descriptor = Object.getOwnPropertyDescriptor(level, method);
    if (descriptor) return typeof descriptor.value === 'function' ? { fn: descriptor.value, self: obj } : undefined;
    level = Object.getPrototypeOf(level) as object | null;
  }
  return undefined;
}

export interface ExposableCheck {
  /** Nested namespaces looked into below the exposed object. Default 32. */
  readonly maxDepth?: number;
  /** Properties looked at in all; the rest is not checked. Default 10,000. */
  readonly maxNodes?: number;
}

/**
 * Throws a `TypeError` when `api` would expose methods no caller can reach: an object whose
 * callable members all live on its prototype (a class instance), or a class instance nested as a
 * namespace (only plain objects are followed). Without it, every call would fail with
 * `NOT_FOUND` and the mistake would surface far from its cause. Only own, enumerable data
 * properties are read (no getter runs), and the walk stops at `maxDepth` and `maxNodes`.
 */
export function assertExposable(api: unknown, check: ExposableCheck = {}): void {
  if (api === undefined) return;
  if ((typeof api !== 'object' && typeof api !== 'function') || api === null) {
    throw new TypeError(`expose() takes an object of functions, not ${api === null ? 'null' : typeof api}`);
  }
  const maxDepth = check.maxDepth ?? 32;
  const maxNodes = check.maxNodes ?? 10_000;
  if (!isPlainObject(api)) {
    if (prototypeMethods(api).length > 0 && !hasOwnFunction(api)) throw new TypeError(unreachable(api, 'api'));
  }
  const seen = new Set<object>([api]);
  const pending: { value: object; path: string; depth: number }[] = [{ value: api, path: 'api', depth: 0 }];
  let budget = maxNodes;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const key of Object.keys(next.value)) {
      if (--budget < 0) return;
      const value = ownData(next.value, key);
      if (typeof value !== 'object' || value === null || seen.has(value)) continue;
      seen.add(value);
      const path = `${next.path}.${key}`;
      if (isPlainObject(value)) {
        if (next.depth < maxDepth) pending.push({ value, path, depth: next.depth + 1 });
      } else if (hasOwnFunction(value) || prototypeMethods(value).length > 0) {
        throw new TypeError(unreachable(value, path));
      }
    }
  }
}

function hasOwnFunction(value: object): boolean {
  for (const key of Object.keys(value)) if (typeof ownData(value, key) === 'function') return true;
  return false;
}

/** Whether a prototype belongs to the platform (Map, Uint8Array, Date...): its methods are data's, not an API's. */
function isBuiltIn(proto: object): boolean {
  const maker = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
  return typeof maker === 'function' && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(maker));
}

/** Names of the functions on `value`'s own prototypes (up to the first built-in one); at most 3. */
function prototypeMethods(value: object): string[] {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(value); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    if (isBuiltIn(proto)) break;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || typeof Object.getOwnPropertyDescriptor(proto, name)?.value !== 'function') continue;
      if (names.push(name) === 3) return names;
    }
  }
  return names;
}

function className(value: object): string {
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && name ? name : '(anonymous class)';
}

/** Why `value`, at `path` in the exposed object, exposes nothing, and the fix. */
function unreachable(value: object, path: string): string {
  const methods = prototypeMethods(value);
  const name = methods[0] ?? 'method';
  return (
    `cannot expose ${path}, an instance of ${className(value)}: only plain objects' own functions are callable` +
    (methods.length ? `, not its prototype's (${methods.join(', ')})` : '') +
    `; bind them: { ${name}: instance.${name}.bind(instance) }`
  );
}
