/**
 * Named parameters: `api.subtract(byName({ minuend: 42, subtrahend: 23 }))` sends `params` as that
 * object, where a plain argument list is sent as an array. A handler gets named params as its
 * one argument, so the same function serves callers of either form.
 */
const named = Symbol('saltline.jsonrpc.byName');

export interface ByName<T extends object> {
  readonly [named]: T;
}

/** Marks an object to be sent as JSON-RPC named params (`"params": { ... }`); pass it as the only argument. */
export function byName<T extends object>(params: T): T {
  return { [named]: params } as unknown as T;
}

/** The `params` member for a call's arguments: the named object, the list, or nothing for none. */
export function paramsOf(args: readonly unknown[]): unknown {
  if (args.length === 0) return undefined;
  const first = args[0] as Partial<ByName<object>> | null;
  if (args.length === 1 && typeof first === 'object' && first !== null && named in first) return first[named];
  return args;
}
