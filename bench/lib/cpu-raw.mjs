// The raw baselines of bench/lib/cpu.mjs, as the peer-bench has them: bare postMessage of
// [method, ...args] over a port, and over `ws` a binary frame that is the `bytes` argument itself
// (other calls as JSON text); replies are bare results matched FIFO, one promise per call.
import { acceptOn, dial } from '../peer-adapters/ws/_ws.mjs';

const fifo = (send) => {
  const waiting = [];
  const call = (m, args) =>
    new Promise((resolve) => {
      waiting.push(resolve);
      send(m, args);
    });
  return { reply: (value) => waiting.shift()(value), client: { add: (a, b) => call('add', [a, b]), bytes: (u8) => call('bytes', [u8]) } };
};

export const port = {
  serve(port, service) {
    port.on('message', ([m, ...args]) => port.postMessage(service[m](...args)));
  },
  client(port) {
    const { reply, client } = fifo((m, args) => port.postMessage([m, ...args]));
    port.on('message', reply);
    return { ...client, close: () => port.close() };
  },
};

export const ws = {
  serve(server, service) {
    acceptOn(server, (socket) =>
      socket.on('message', (data, binary) => {
        const [m, ...args] = binary ? ['bytes', data] : JSON.parse(data);
        socket.send(JSON.stringify(service[m](...args)));
      }),
    );
  },
  async client(url) {
    const socket = await dial(url);
    const { reply, client } = fifo((m, args) => socket.send(m === 'bytes' ? args[0] : JSON.stringify([m, ...args])));
    socket.on('message', (data) => reply(JSON.parse(data)));
    return { ...client, close: () => socket.close() };
  },
};
