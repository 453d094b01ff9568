import { describe, it } from '#harness';
import { deepEqual, equal } from '../harness/assert.js';

interface Step {
  readonly value?: { id: string; run: number };
  readonly info?: { source: string; stale: boolean };
  readonly runs: number;
  readonly error?: string;
}

/** Loads the cache page in a fresh iframe (a new page: nothing in memory) and returns what it posted. */
async function visit(db: string, up: boolean): Promise<Step> {
  const frame = document.createElement('iframe');
  const posted = new Promise<Step>((resolve) => {
    const listener = (event: MessageEvent) => {
      if (event.source !== frame.contentWindow) return;
      removeEventListener('message', listener);
      resolve(event.data as Step);
    };
    addEventListener('message', listener);
  });
  frame.src = `/test/browser/fixtures/cache-page.html?db=${db}${up ? '&up=1' : ''}`;
  document.body.append(frame);
  try {
    return await posted;
  } finally {
    frame.remove();
  }
}

describe('saltline/cache across page loads, on real IndexedDB', () => {
  it('serves a persisted result after a reload with the server down, then revalidates it when the server is back', async () => {
    const db = `saltline-reload-${crypto.randomUUID()}`;
    const first = await visit(db, true);
    deepEqual([first.value, first.info?.source], [{ id: '42', run: 1 }, 'network']);
    const offline = await visit(db, false);
    deepEqual([offline.value, offline.info?.source, offline.info?.stale], [{ id: '42', run: 1 }, 'indexeddb', true]);
    const back = await visit(db, true);
    deepEqual([back.value, back.info?.source], [{ id: '42', run: 1 }, 'network']);
    equal(back.runs, 1); // this page's server ran the handler: the first call revalidated
    indexedDB.deleteDatabase(db);
  });
});
