// saltline over a MessagePort (peer-bench adapter). Imports the BUILT package (dist/), resolved
// relative to this file, so the harness can be copied anywhere (`npm run build` first).
// Defaults throughout: structured-clone codec, 30 s per-call timeout (one shared deadline timer,
// see docs/benchmarks.md for what it costs), no transfer (the harness reuses its payloads).
import { createPeer } from '../../../dist/index.js';
import { fromPort } from '../../../dist/worker.js';
import { clientOf } from '../_saltline.mjs';

export default {
  name: 'saltline',
  binary: true,
  serve(port, service) {
    createPeer(fromPort(port), { expose: service });
  },
  client: (port) => clientOf(createPeer(fromPort(port))),
};
