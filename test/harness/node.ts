// The spec API in Node: node's own test runner.
export { describe, it, beforeEach, afterEach } from 'node:test';
export const runtime = 'node' as const;
