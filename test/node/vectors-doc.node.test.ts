/** docs/protocol.md §15.6 prints test/vectors/messages.json: rerun test/support/generate-vectors.ts when either changes. */
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ok } from '../harness/assert.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const vectors = JSON.parse(read('../vectors/messages.json')) as { messages: { name: string; hex: string }[] };
const doc = read('../../docs/protocol.md').replace(/\s+/g, '');

describe('docs/protocol.md conformance vectors', () => {
  it('prints every message vector of test/vectors/messages.json', () => {
    const missing = vectors.messages.filter((vector) => !doc.includes(vector.hex)).map((vector) => vector.name);
    ok(missing.length === 0, `docs/protocol.md lacks ${missing.join(', ')}: run node --import tsx test/support/generate-vectors.ts`);
  });
});
