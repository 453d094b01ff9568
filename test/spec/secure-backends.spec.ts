// The secretbox backends behind `secure.crypto`: every pair of them interoperates (the boxes are the
// same bytes), and the option is checked. The vectors and the attack suite run per backend in
// their own specs.
import { describe, it } from '#harness';
import { createPeer } from '../../src/secure/index.js';
import type { Transport } from '../../src/transport.js';
import { equal, ok, throws } from '../harness/assert.js';
import { backends } from '../support/backends.js';
import { checkLeaks } from '../support/connect.js';
import { clientSecure, connectSecure, type Link, links } from '../support/secure.js';

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

  for (const { name } of backends) {
    it(`seals the records of a 1 MiB call with ${name} in one reused buffer when the link copies what it sends`, async () => {
      const buffers = new Set<ArrayBufferLike>();
      let records = 0;
      const bytesLink = links.find((link) => link.kind === 'bytes')!;
      /** The memory link (which copies on send), with the client's end (the first pair's first) noting each record's buffer. */
      let pairs = 0;
      const noting: Link = {
        ...bytesLink,
        pair() {
          const [end, other] = bytesLink.pair();
          if (pairs++ > 0) return [end, other];
          const client: Transport = {
            encoding: end.encoding,
            initiator: end.initiator,
            start: (receiver) => end.start(receiver),
            send(message) {
              if ((message as Uint8Array).byteLength < 1024) return end.send(message); // the handshake, READY
              records++;
              buffers.add((message as Uint8Array).buffer);
              end.send(message);
            },
            close: () => end.close(),
          };
          return [client, other];
        },
      };
      const { client } = connectSecure(noting, { client: { secure: { crypto: name } }, server: { expose: service } });
      const bytes = new Uint8Array(1024 * 1024).map((_, i) => i * 7);
      const echoed = await client.remote<typeof service>().echo(bytes);
      ok(echoed.every((value, i) => value === bytes[i]) && echoed.byteLength === bytes.byteLength);
      ok(records >= 16, `${records} records`);
      equal(buffers.size, name === 'libsodium' ? records : 1); // libsodium's WebAssembly heap hands back copies
    });
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
