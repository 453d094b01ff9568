/**
 * Writes test/vectors/messages.json from the cases below, encoded by `msgpackCodec()`, and prints
 * them into docs/protocol.md (§15.6, between its vector markers). Run after changing a case:
 *   node --import tsx test/support/generate-vectors.ts
 * The TypeScript spec (test/spec/vectors.spec.ts) and the Python suite check the file; a Node test
 * checks the document.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { msgpackCodec } from '../../src/msgpack.js';
import { secureVectors } from '../fixtures/secure-vectors.js';
import { fromTagged, hex, type Tagged } from './tagged.js';

const MB = { maxMessageSize: 33554432, timeout: 30000 };
const notFound = { name: 'RpcError', message: 'no method "sub" is exposed', code: 'NOT_FOUND' };
const withCause = { name: 'RangeError', message: 'out of range', cause: { name: 'Error', message: 'why' } };

/** [name, message or value, what it means]. Python encodes each to the same bytes unless listed in `decodeOnly`. */
const cases: [string, Tagged, string][] = [
  ['hello', [0, 1, false, MB], 'HELLO, opening: version 1, maxMessageSize 32 MiB, default timeout 30 s'],
  ['hello ack', [0, 1, true, { maxMessageSize: 33554432 }], 'HELLO answering one, no default timeout'],
  ['call', [1, 1, 'add', [1, 2]], 'CALL id 1 add(1, 2), the default timeout'],
  ['call with timeout', [1, 2, 'add', [1, 2], null, 5000], 'CALL with a 5 s timeout and no metadata'],
  ['call without timeout', [1, 3, 'add', [1, 2], null, null], 'CALL that waits forever where the default has a timeout'],
  ['call with meta', [1, 4, 'math.square', [3], { traceparent: 'x' }], 'CALL with metadata, a dotted method'],
  ['call with references', [1, 5, 'each', [{ '~ref': [0, 1] }], null, null, 1], 'CALL whose argument is a function, ref 1'],
  ['call to a callback', [1, 6, 7, ['hi']], 'CALL to the callback the receiver exported as ref 7'],
  ['call to an object method', [1, 7, [4, 'get'], []], 'CALL to method get of the object the receiver exported as ref 4'],
  ['notify', [2, 'log', ['text']], 'NOTIFY log("text")'],
  ['result', [3, 1, 3], 'RESULT 3 for call 1'],
  ['result undefined', [3, 4], 'RESULT undefined: the value left out'],
  ['result null', [3, 4, null], 'RESULT null'],
  ['result stream', [3, 1, { '~ref': [1, 1] }, null, 1], 'RESULT an async iterable exported as ref 1'],
  ['result undefined with retained', [3, 2, null, null, 2, [1]], 'RESULT undefined, retaining callback 1'],
  ['error', [4, 2, notFound], 'ERROR NOT_FOUND for call 2'],
  ['error with cause', [4, 3, withCause], 'ERROR: a RangeError with a cause'],
  ['error thrown value', [4, 4, { thrown: 'text' }], 'ERROR: `throw "text"`'],
  ['cancel', [5, 1, 'CANCELLED'], 'CANCEL call 1: the caller aborted'],
  ['cancel deadline', [5, 1, 'DEADLINE_EXCEEDED'], "CANCEL call 1: the caller's timeout passed"],
  ['stream data', [6, 1, 0], 'STREAM_DATA item 0 of stream 1'],
  ['stream data with references', [6, 1, { ack: { '~ref': [0, 2] } }, 1], 'STREAM_DATA whose item holds function 2'],
  ['stream end', [7, 1], 'STREAM_END: stream 1 finished'],
  ['stream end with error', [7, 1, { name: 'Error', message: 'broke' }], 'STREAM_END: stream 1 failed'],
  ['stream credit', [8, 1, 16], 'STREAM_CREDIT: 16 items for stream 1'],
  ['release', [9, 1], 'RELEASE function 1 of the receiver'],
  ['revoke', [9, 4, 1], 'RELEASE [9, ref, 1]: the sender revokes its object 4'],
  ['ping', [10, 7], 'PING nonce 7'],
  ['pong', [11, 7], 'PONG nonce 7'],
  ['goodbye', [12], 'GOODBYE'],
  ['stream cancel', [13, 1], 'STREAM_CANCEL stream 1'],
  ['abort', [14, 3, { name: 'AbortError', message: 'stop' }], 'ABORT signal 3 with its reason'],
  [
    'batch',
    [
      [0, 1, true, MB],
      [1, 1, 'add', [1, 2]],
    ],
    'a batch: the ack hello and a held call',
  ],
  [
    'escaped ~ref key',
    [1, 8, 'put', [{ '~ref': [9, { '~ref': 'data' }] }, { '~ref': [0, 1] }], null, null, 1],
    'an application map with a "~ref" key, escaped (kind 9) beside a real reference',
  ],
  ['signal marker', [1, 9, 'watch', [{ '~ref': [3, 2] }], null, null, 1], 'a live AbortSignal, ref 2'],
  [
    'aborted signal marker',
    [1, 10, 'watch', [{ '~ref': [3, 2, { name: 'AbortError', message: 'early' }] }], null, null, 1],
    'an AbortSignal already aborted',
  ],
  [
    'integers',
    [0, 1, -1, -32, -33, 127, 128, 255, 256, 65535, 65536, -2147483648, 4294967296, 9007199254740991],
    'integers in their shortest forms',
  ],
  ['floats', [1.5, -0.25, { $float: 'NaN' }, { $float: 'Infinity' }], 'float 64'],
  ['strings', ['', 'héllo ✓', 'x'.repeat(32)], 'UTF-8 strings: fixstr and str 8'],
  ['binary', { $bin: '000102ff' }, 'a Uint8Array: bin 8'],
  ['bigint', { $bigint: '12345678901234567890' }, 'extension 1: a bigint, its decimal digits'],
  ['negative bigint', { $bigint: '-98765432109876543210' }, 'extension 1 with a minus sign'],
  ['error value', { $error: { name: 'TypeError', message: 'no' } }, 'extension 2: an Error inside a value'],
  ['array buffer', { $arraybuffer: 'cafe' }, 'extension 3: an ArrayBuffer'],
  [
    'map',
    {
      $map: [
        [1, 'one'],
        [2, 'two'],
      ],
    },
    'extension 4: a Map with number keys',
  ],
  ['set', { $set: [1, 2, 3] }, 'extension 5: a Set'],
  ['date', { $date: 0 }, 'extension −1: new Date(0), timestamp 32'],
  ['date with milliseconds', { $date: 1767225600123 }, 'extension −1: a date with milliseconds, timestamp 64'],
  ['float64 array', { $typed: [7, '000000000000f03f'] }, 'extension 6, tag 7: Float64Array [1]'],
  ['int16 array', { $typed: [2, 'ffff0100'] }, 'extension 6, tag 2: Int16Array [-1, 1]'],
];

/** Bytes every implementation must refuse as a whole transport message (§10, §11). */
const invalid: [string, string][] = [
  ['c0c0', 'two values: trailing bytes'],
  ['a36162', 'a str 3 with 2 bytes'],
  ['dd00100000', 'an array 32 of 1,048,576 elements in 5 bytes'],
  ['c702013161', 'a bigint whose digits are not digits'],
  ['c70204' + '9101', 'a Map of odd length'],
  ['c704060700000' + '0', 'a Float64Array of 3 bytes'],
  ['91'.repeat(100) + 'c0', 'a value 101 levels deep'],
  ['8190' + '01', 'a map key that is an array'],
];

const codec = msgpackCodec();
const messages = cases.map(([name, value, meaning]) => ({
  name,
  meaning,
  hex: hex(codec.encode(fromTagged(value)) as Uint8Array),
  value,
}));
const file = {
  comment: 'Generated by test/support/generate-vectors.ts; see test/vectors/README.md.',
  messages,
  invalid: invalid.map(([h, why]) => ({ hex: h, why })),
};
const url = new URL('../vectors/messages.json', import.meta.url);
writeFileSync(url, `${JSON.stringify(file, null, 2)}\n`);

// The secure channel's vectors (computed by test/node/secure-reference.ts) for other languages.
writeFileSync(new URL('../vectors/secure.json', import.meta.url), `${JSON.stringify(secureVectors, null, 2)}\n`);

// docs/protocol.md §15.6 prints the same file.
const spaced = (h: string) => h.match(/../g)!.join(' ');
const table = [
  '| Vector | Meaning | Bytes |',
  '| --- | --- | --- |',
  ...messages.map((m) => `| ${m.name} | ${m.meaning.replaceAll('|', '\\|')} | \`${spaced(m.hex)}\` |`),
  '',
  'Bytes every decoder refuses (the whole transport message is dropped and counted, §10):',
  '',
  '| Bytes | Why |',
  '| --- | --- |',
  ...invalid.map(([h, why]) => `| \`${spaced(h.length > 48 ? `${h.slice(0, 16)}…${h.slice(-4)}` : h)}\` | ${why} |`),
];
const docUrl = new URL('../../docs/protocol.md', import.meta.url);
const doc = readFileSync(docUrl, 'utf8');
const begin = '<!-- vectors:begin (generated by test/support/generate-vectors.ts) -->';
const end = '<!-- vectors:end -->';
const at = doc.indexOf(begin);
if (at < 0) throw new Error('docs/protocol.md has no vector markers');
writeFileSync(docUrl, `${doc.slice(0, at + begin.length)}\n${table.join('\n')}\n${doc.slice(doc.indexOf(end))}`);
console.log(`${messages.length} vectors, ${invalid.length} invalid`);
