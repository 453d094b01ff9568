import { describe, it } from '#harness';
import { createMemoryPair } from '../../adapters/memory.js';
import { createPeer } from '../../src/index.js';
import { msgpackCodec } from '../../src/msgpack.js';
import { Decimal, decimalExtension } from '../fixtures/decimal.js';
import { equal, ok, throws } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';

describe('msgpack extension types', () => {
  checkLeaks();

  it('carries a Decimal registered as { type, encode, decode } both ways, exactly', async () => {
    const [near, far] = createMemoryPair('bytes');
    const codec = () => msgpackCodec({ extensions: [decimalExtension] });
    const total = (items: Decimal[]) =>
      new Decimal(
        items.reduce((sum, item) => sum + item.units, 0n),
        2,
      );
    track(createPeer(far, { codec: codec(), expose: { total } }));
    const client = track(createPeer(near, { codec: codec() }));
    const result = await client.call('total', [[Decimal.parse('0.10'), Decimal.parse('0.20')]]);
    ok(result instanceof Decimal);
    equal(Decimal.format(result), '0.30');
  });

  it('refuses a malformed Decimal payload: the frame is dropped, not half-read', () => {
    const codec = msgpackCodec({ extensions: [decimalExtension] });
    // fixext 1 (0xd4) of type 40 holding the one byte "x"
    throws(() => codec.decode(new Uint8Array([0x91, 0xd4, 40, 0x78])));
  });
});
