import { describe, it } from '#harness';
import { cacheKey, NotCacheable } from '../../src/cache/canonical.js';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { sha512_256 } from '../../src/cache/sha512-256.js';
import type { CacheEntry } from '../../src/cache/store.js';
import { equal, notEqual, ok, throws } from '../harness/assert.js';

const key = (...args: unknown[]) => cacheKey('scope', '', 'm', args);
const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

describe('cache keys', () => {
  it('hashes with SHA-512/256, not truncated SHA-512 (FIPS 180-4 test vector "abc")', () => {
    equal(hex(sha512_256(new TextEncoder().encode('abc'))), '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23');
  });

  it('hashes a message that needs a second padding block (112 bytes) like the standard', () => {
    // FIPS 180-4 two-block vector for SHA-512/256.
    const message = 'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu';
    equal(hex(sha512_256(new TextEncoder().encode(message))), '3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563a');
  });

  it('keys objects alike whatever the order of their keys', () => {
    equal(key({ a: 1, b: 2 }), key({ b: 2, a: 1 }));
  });

  it('keys Maps and Sets alike whatever their insertion order', () => {
    equal(
      key(
        new Map([
          [1, 'x'],
          [2, 'y'],
        ]),
      ),
      key(
        new Map([
          [2, 'y'],
          [1, 'x'],
        ]),
      ),
    );
    equal(key(new Set(['a', 'b'])), key(new Set(['b', 'a'])));
  });

  it('tells a Map with an entry, an empty Map and an empty object apart', () => {
    const keys = new Set([key(new Map([[1, 'x']])), key(new Map()), key({})]);
    equal(keys.size, 3);
  });

  it('tells a bigint from the number of the same value', () => notEqual(key(1n), key(1)));

  it('tells 2n ** 64n from 0n', () => notEqual(key(2n ** 64n), key(0n)));

  it('tells typed arrays of one byte content but different kinds apart', () => {
    notEqual(key(new Uint8Array([1, 0])), key(new Uint16Array([1])));
  });

  it('tells a Date from its time as a number', () => notEqual(key(new Date(5)), key(5)));

  it('keys f(x) and f(x, undefined) alike', () => equal(key('x'), key('x', undefined)));

  it('keys {a: undefined} like {} and {a: null} unlike it', () => {
    equal(key({ a: undefined }), key({}));
    notEqual(key({ a: null }), key({}));
  });

  it('keeps lone surrogates apart (WTF-8, not UTF-8)', () => notEqual(key('\ud800'), key('\udc00')));

  it('keys −0 like 0, as the wire carries them', () => equal(key(-0), key(0)));

  it('refuses functions, cycles and class instances as NotCacheable', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const value of [() => 1, cycle, new (class Point {})()]) ok(throws(() => key(value)) instanceof NotCacheable);
  });

  it('refuses nesting deeper than 100 levels', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 150; i++) deep = [deep];
    ok(throws(() => key(deep)) instanceof NotCacheable);
  });

  it('refuses arguments over 64 KiB', () => ok(throws(() => key('x'.repeat(70_000))) instanceof NotCacheable));

  it('keys one call differently in different scopes and for different principals', () => {
    const keys = new Set([cacheKey('a', '', 'm', [1]), cacheKey('b', '', 'm', [1]), cacheKey('a', 'u1', 'm', [1])]);
    equal(keys.size, 3);
  });
});

describe('the memory store', () => {
  const entry = (key: string, bytes: number, order = 1): CacheEntry => ({
    key,
    scope: 's',
    principal: '',
    method: 'm',
    value: key,
    bytes,
    storedAt: 0,
    policy: { a: 1000 },
    invalidated: false,
    order,
  });

  it('evicts the least recently used entry and stays within its byte budget', () => {
    const store = new MemoryStore({ maxBytes: 1 << 20 });
    store.put(entry('a', 400 << 10));
    store.put(entry('b', 400 << 10));
    ok(store.get('a', 1)); // a is now the most recently used
    store.put(entry('c', 400 << 10));
    equal(store.get('b', 1), undefined);
    ok(store.get('a', 1) && store.get('c', 1));
    ok(store.bytes <= 1 << 20);
  });

  it('never replaces an entry with one from an earlier request', () => {
    const store = new MemoryStore();
    store.put({ ...entry('k', 10, 2), value: 'newer' });
    store.put({ ...entry('k', 10, 1), value: 'older' });
    equal(store.get('k', 1)?.value, 'newer');
  });

  it('does not keep a result over its entry limit', () => {
    const store = new MemoryStore({ maxEntryBytes: 100 });
    equal(store.put(entry('big', 101)), false);
    equal(store.entries, 0);
  });
});
