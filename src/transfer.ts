/**
 * `transfer(value, [buffers])` marks a value so that, sent over a port, its buffers (and ports)
 * move instead of being copied. Marks are looked up on top-level arguments and results only.
 */
const marks = new WeakMap<object, Transferable[]>();

/** Returns `value`, marked so that sent over a port its `transferables` move instead of being copied. */
export function transfer<T extends object>(value: T, transferables: Transferable[]): T {
  marks.set(value, transferables);
  return value;
}

/** The transferables marked on `value`. */
export function transferablesOf(value: unknown): Transferable[] | undefined {
  return typeof value === 'object' && value !== null ? marks.get(value) : undefined;
}

/**
 * The transferables marked on any of `values`, each once: a buffer listed twice makes
 * `postMessage` throw, and merging stays linear however many values share marks.
 */
export function transferablesOfAll(values: readonly unknown[]): Transferable[] | undefined {
  let first: Transferable[] | undefined;
  let merged: Set<Transferable> | undefined;
  for (let i = 0; i < values.length; i++) {
    const list = transferablesOf(values[i]);
    if (!list || list === first) continue;
    if (!first) first = list;
    else for (const item of list) (merged ??= new Set(first)).add(item);
  }
  return merged ? [...merged] : first;
}
