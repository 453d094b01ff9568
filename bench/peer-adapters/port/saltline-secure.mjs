// saltline/secure over a MessagePort (peer-bench adapter): the same calls as ./saltline.mjs, but
// through the secure channel: a handshake when the client is made (the first call waits for it),
// then msgpack in XSalsa20-Poly1305 records, each a transferred Uint8Array. Both ends pin each
// other's key (../_saltline.mjs). Imports the BUILT package (dist/; `npm run build` first).
import { createPeer } from '../../../dist/secure.js';
import { fromPort } from '../../../dist/worker.js';
import { clientOf, secureOptions } from '../_saltline.mjs';

export default {
  name: 'saltline (secure)',
  binary: true,
  serve(port, service) {
    createPeer(fromPort(port), { expose: service, secure: secureOptions.server });
  },
  client: (port) => clientOf(createPeer(fromPort(port), { secure: secureOptions.client })),
};
