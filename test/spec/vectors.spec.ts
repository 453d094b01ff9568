/**
 * The conformance vectors (test/vectors/*.json), which the Python peer checks too: every message
 * and value decodes from its bytes to its meaning and encodes back to the same bytes; every invalid
 * message is refused; the secure vectors file holds what the secure specs check.
 */
import { describe, it, runtime } from '#harness';
import { msgpackCodec } from '../../src/msgpack.js';
import { secureVectors } from '../fixtures/secure-vectors.js';
import { deepEqual, equal, throws } from '../harness/assert.js';
import { fromTagged, hex, type Tagged, toTagged, unhex } from '../support/tagged.js';

interface MessageVectors {
  readonly messages: { name: string; meaning: string; hex: string; value: Tagged }[];
  readonly invalid: { hex: string; why: string }[];
}

async function load<T>(name: string): Promise<T> {
  const url = new URL(`../vectors/${name}`, import.meta.url);
  if ((runtime as string) === 'browser') return (await fetch(url)).json() as Promise<T>;
  const fs = 'node:fs/promises'; // not a static import: the browser build must not see it
  const { readFile } = (await import(fs)) as typeof import('node:fs/promises');
  return JSON.parse(await readFile(url, 'utf8')) as T;
}

const vectors = await load<MessageVectors>('messages.json');
const secure = await load<unknown>('secure.json');
const codec = msgpackCodec();

describe('conformance vectors', () => {
  for (const vector of vectors.messages) {
    it(`decodes "${vector.name}" to its meaning`, () => {
      deepEqual(toTagged(codec.decode(unhex(vector.hex))), vector.value);
    });
    it(`encodes "${vector.name}" to its bytes`, () => {
      equal(hex(codec.encode(fromTagged(vector.value)) as Uint8Array), vector.hex);
    });
  }
  for (const vector of vectors.invalid) {
    it(`refuses ${vector.why}`, () => {
      throws(() => codec.decode(unhex(vector.hex)));
    });
  }
  it('has a vector for every message kind', () => {
    const kinds = new Set(
      vectors.messages
        .map((vector) => vector.value)
        .filter(Array.isArray)
        .map((message) => message[0]),
    );
    deepEqual(
      Array.from({ length: 15 }, (_, kind) => kind).filter((kind) => !kinds.has(kind)),
      [],
    );
  });
  it('publishes the secure vectors that the secure specs check', () => {
    deepEqual(secure, secureVectors);
  });
});
