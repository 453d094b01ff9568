// The spec API in Node: node's own test runner.
export { afterEach, beforeEach, describe, it } from 'node:test';
export const runtime = 'node' as const;

/** Collects unhandled rejections until the returned function is called. */
export function watchUnhandledRejections(): () => unknown[] {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', listener);
  return () => {
    process.off('unhandledRejection', listener);
    return seen;
  };
}
