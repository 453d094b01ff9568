// One server process for bench/cluster-load.mjs (the BUILT package): `add`, and broadcasts over a
// Redis bus when REDIS_URL is set (else this process only). Prints its port once listening.
import { redisBus } from '../../dist/cluster.js';
import { serveWebSocket } from '../../dist/websocket.js';

const bus = process.env.REDIS_URL ? await redisBus({ url: process.env.REDIS_URL, key: process.env.BUS_KEY }) : undefined;
const service = await serveWebSocket({ port: 0, bus, maxConnections: 10_000 }, (peer) =>
  peer.expose({
    add: (a, b) => a + b,
    subscribe: (topic) => service.subscribe(peer, topic),
    broadcast: (topic, seq, sentAt) => service.broadcast(topic, 'tick', seq, sentAt),
  }),
);
process.once('SIGTERM', async () => {
  await service.close();
  await bus?.close();
  process.exit(0);
});
console.log(JSON.stringify({ port: service.address().port }));
