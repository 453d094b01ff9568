import { describe, it } from '#harness';
import { transfer } from '../../src/index.js';
import { msgpackCodec } from '../../src/msgpack.js';
import { equal, ok } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

const MiB = 1024 * 1024;
const api = {
  size: (bytes: Uint8Array) => bytes.byteLength,
  checksum: (bytes: Uint8Array) => bytes.reduce((sum, byte) => (sum + byte) % 65521, 0),
  make: (size: number) => new Uint8Array(size).fill(7),
  makeTransferred(size: number) {
    const bytes = new Uint8Array(size).fill(9);
    return transfer(bytes, [bytes.buffer]);
  },
  echo: (bytes: Uint8Array) => bytes,
};

for (const connector of connectors) {
  describe(`binary over ${connector.name}`, () => {
    checkLeaks();

    it('carries a 16 MiB argument', async () => {
      const { client } = connector.connect({ expose: api });
      const bytes = new Uint8Array(16 * MiB);
      bytes[16 * MiB - 1] = 200;
      equal(await client.call('checksum', [bytes]), 200);
    });

    it('returns a 16 MiB result', async () => {
      const { client } = connector.connect({ expose: api });
      const bytes = (await client.call('make', [16 * MiB])) as Uint8Array;
      ok(bytes instanceof Uint8Array);
      equal(bytes.byteLength, 16 * MiB);
      equal(bytes[16 * MiB - 1], 7);
    });
  });
}

for (const connector of connectors.filter((c) => c.kind === 'clone')) {
  describe(`transfer over ${connector.name}`, () => {
    checkLeaks();

    it('moves a transferred argument’s buffer instead of copying it', async () => {
      const { client } = connector.connect({ expose: api });
      const bytes = new Uint8Array(MiB).fill(1);
      equal(await client.call('size', [transfer(bytes, [bytes.buffer])]), MiB);
      equal(bytes.byteLength, 0, 'the buffer was copied, not moved');
    });

    it('moves a transferred result’s buffer to the caller', async () => {
      const { client } = connector.connect({ expose: api });
      const bytes = (await client.call('makeTransferred', [1024])) as Uint8Array;
      equal(bytes.byteLength, 1024);
      equal(bytes[0], 9);
    });

    it('copies an argument that was not marked for transfer', async () => {
      const { client } = connector.connect({ expose: api });
      const bytes = new Uint8Array(1024);
      equal(await client.call('size', [bytes]), 1024);
      equal(bytes.byteLength, 1024);
    });
  });
}

describe('binary on byte transports', () => {
  it('encodes a Uint8Array as msgpack binary, not base64', () => {
    const payload = new Uint8Array(1000).fill(0xab);
    const encoded = msgpackCodec().encode([[1, 1, 'size', [payload]]]) as Uint8Array;
    ok(encoded.byteLength < 1020, `${encoded.byteLength} bytes for 1000 bytes of payload`);
    equal(encoded[10], 0xc5); // msgpack bin 16, then a 2-byte length, then the bytes themselves
    equal(encoded[13], 0xab);
  });
});
