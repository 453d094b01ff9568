// The spec API in Chromium: the globals mocha defines under @web/test-runner.
type Body = () => void | Promise<void>;
interface MochaGlobals {
  describe(name: string, body: () => void): void;
  it(name: string, body: Body): void;
  beforeEach(body: Body): void;
  afterEach(body: Body): void;
}
const mocha = globalThis as unknown as MochaGlobals;
export const describe = (name: string, body: () => void): void => mocha.describe(name, body);
export const it = (name: string, body: Body): void => mocha.it(name, () => body());
export const beforeEach = (body: Body): void => mocha.beforeEach(() => body());
export const afterEach = (body: Body): void => mocha.afterEach(() => body());
export const runtime = 'browser' as const;

/** Collects unhandled rejections until the returned function is called. */
export function watchUnhandledRejections(): () => unknown[] {
  const seen: unknown[] = [];
  const listener = (event: PromiseRejectionEvent) => {
    seen.push(event.reason);
    event.preventDefault();
  };
  addEventListener('unhandledrejection', listener);
  return () => {
    removeEventListener('unhandledrejection', listener);
    return seen;
  };
}
