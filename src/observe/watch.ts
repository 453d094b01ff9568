/**
 * A stream of values taken every `interval` ms: the first at once, then one per tick while the
 * consumer reads. One timer at most, cleared by `return()` (a cancelled saltline stream calls it)
 * or the signal, so a watcher that goes away leaves nothing armed.
 */
export function watchSnapshots<T>(take: () => T, interval: number, signal?: AbortSignal): AsyncIterableIterator<T> {
  let first = true;
  let done = signal?.aborted ?? false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: ((result: IteratorResult<T>) => void) | undefined;
  const finish = (): IteratorResult<T> => {
    done = true;
    clearTimeout(timer);
    timer = undefined;
    signal?.removeEventListener('abort', stop);
    const waiting = wake;
    wake = undefined;
    waiting?.({ value: undefined, done: true });
    return { value: undefined, done: true };
  };
  const stop = () => void finish();
  signal?.addEventListener('abort', stop, { once: true });
  const iterator: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => iterator,
    next() {
      if (done) return Promise.resolve({ value: undefined, done: true });
      if (first) {
        first = false;
        return Promise.resolve({ value: take(), done: false });
      }
      return new Promise((resolve) => {
        wake = resolve;
        timer = setTimeout(() => {
          timer = undefined;
          wake = undefined;
          resolve({ value: take(), done: false });
        }, interval);
      });
    },
    return: () => Promise.resolve(finish()),
  };
  return iterator;
}
