import { describe, it } from '#harness';
import { fromWebSocket } from '../../adapters/websocket.js';
import { codecs } from '../../src/codecs/index.js';
import { createPeer, type Plugin } from '../../src/index.js';
import { jsonCodec } from '../../src/json.js';
import type { Service } from '../fixtures/service.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { checkLeaks, listenerCheck, track } from '../support/connect.js';

// Served by test/browser/servers.ts: the test service offering JSON, counting the frames it receives.
type Api = Service & { frames(): { text: number; binary: number } };

function connect(plugins: Plugin[]) {
  const socket = new WebSocket(`ws://${location.host}/__saltline/ws-json`);
  listenerCheck('a WebSocket', socket);
  return track(createPeer(fromWebSocket(socket), { plugins })).remote<Api>();
}

describe('negotiated JSON from a browser WebSocket', () => {
  checkLeaks();

  it('sends text frames after the binary hello once both sides offer JSON', async () => {
    const api = connect([codecs([jsonCodec()])]);
    deepEqual(await api.echo({ when: new Date(0), big: 10n }), { when: new Date(0), big: 10n });
    const { text, binary } = await api.frames();
    ok(binary >= 1, 'the hello is binary');
    ok(text >= 1, `${text} text frames`);
  });

  it('keeps binary msgpack frames when the page offers no JSON codec', async () => {
    const api = connect([]);
    equal(await api.add(1, 2), 3);
    equal((await api.frames()).text, 0);
  });
});
