// The secretbox backends behind `secure.crypto`: every pair of them interoperates (the boxes are the
// same bytes), and the option is checked. The vectors and the attack suite run per backend in
// their own specs.
import { describe, it } from '#harness';
import { createPeer } from '../../src/secure/index.js';
import { equal, ok, throws } from '../harness/assert.js';
import { backends } from '../support/backends.js';
import { checkLeaks } from '../support/connect.js';
import { clientSecure, connectSecure, links } from '../support/secure.js';

const service = { echo: (value: Uint8Array) => value };

describe('secure channel crypto backends', () => {
  checkLeaks();

  for (const near of backends) {
    for (const far of backends) {
      if (near === far) continue;
      it(`carries a 200 KiB call between a ${near.name} client and a ${far.name} server`, async () => {
        const { client } = connectSecure(links[0]!, {
          client: { secure: { crypto: near.name } },
          server: { expose: service, secure: { crypto: far.name } },
        });
        const bytes = new Uint8Array(200 * 1024).map((_, i) => i * 7);
        const echoed = await client.remote<typeof service>().echo(bytes);
        ok(echoed.every((value, i) => value === bytes[i]) && echoed.byteLength === bytes.byteLength);
      });
    }
  }

  it('refuses an unknown secure.crypto with a TypeError naming the choices', () => {
    const [here] = links[0]!.pair();
    const error = throws(() => createPeer(here, { secure: { ...clientSecure(), crypto: 'openssl' as 'auto' } }));
    ok(error instanceof TypeError && /secure\.crypto must be one of auto, tweetnacl/.test(error.message), String(error));
  });

  if (!backends.some((b) => b.name === 'sodium-native')) {
    it("refuses secure.crypto 'sodium-native' with a TypeError where it cannot be loaded", () => {
      const [here] = links[0]!.pair();
      const error = throws(() => createPeer(here, { secure: { ...clientSecure(), crypto: 'sodium-native' } }));
      equal(error instanceof TypeError, true);
    });
  }
});
