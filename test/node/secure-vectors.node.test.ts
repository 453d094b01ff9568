/**
 * The secure channel's test vectors stay true in three places: the independent implementation in
 * secure-reference.ts (Node's crypto) still produces them, the fixture the shared specs check
 * src/secure against holds them, and docs/protocol.md prints them for other implementers.
 */
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { secureVectors } from '../fixtures/secure-vectors.js';
import { deepEqual, ok } from '../harness/assert.js';
import { transcript, vectorInputs } from './secure-reference.js';

describe('secure channel test vectors', () => {
  it('are what an independent implementation on Node crypto computes', () => {
    deepEqual(vectorInputs.map(transcript), secureVectors);
  });

  it('are printed in docs/protocol.md, every message and key', () => {
    const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8').replace(/\s+/g, '');
    for (const vector of secureVectors) {
      for (const [name, value] of Object.entries(vector)) {
        if (name === 'name' || value === '') continue;
        ok(doc.includes(value), `docs/protocol.md lacks ${vector.name}: ${name}`);
      }
    }
  });
});
