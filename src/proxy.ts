/**
 * The remote proxy: property access builds a dotted path, a call sends it. Each node caches its
 * children, so `api.math.add(1, 2)` allocates nothing after the first use. `then` is never a
 * property, so a proxy is not mistaken for a promise.
 */
export function createRemoteProxy(call: (method: string, args: unknown[]) => Promise<unknown>): unknown {
  return node(call, '');
}

function node(call: (method: string, args: unknown[]) => Promise<unknown>, path: string): unknown {
  const children = new Map<string, unknown>();
  return new Proxy(function remote() {}, {
    get(_target, key) {
      if (typeof key !== 'string' || key === 'then') return undefined;
      let child = children.get(key);
      if (child === undefined) {
        child = node(call, path ? `${path}.${key}` : key);
        children.set(key, child);
      }
      return child;
    },
    apply(_target, _self, args: unknown[]) {
      return call(path, args);
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}
