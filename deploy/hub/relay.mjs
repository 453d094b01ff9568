/**
 * A blind relay for secure peers: two WebSocket connections that name the same pair
 * (`/relay?pair=ID`) get each other's binary frames, byte for byte, whether they reached the same
 * hub or two hubs on one bus. The hub never decodes a frame: peers run `saltline/secure` end to
 * end over it (`fromRelay` from `saltline/websocket`), so the relay learns nothing and can forge
 * nothing (docs/security.md). At most two connections share a pair; frames are capped at
 * `maxMessageSize`.
 *
 * Each socket gets one text frame `"paired"` once the other end is there (frames sent before
 * would reach no one), and is closed (1000) when the other end leaves. A text `"ping"` (a
 * browser's keep-alive) is answered `"pong"`; any other text frame closes the socket.
 */
import { randomUUID } from 'node:crypto';

/** What crosses the bus on `relay:PAIR`: `[sender, frame]`, or `[sender, 'paired' | 'gone']`. */
const PAIRED = 'paired';
const GONE = 'gone';

export function relayService({ bus, maxMessageSize = 1 << 20 }) {
  /** Connections of this hub by pair, for relaying without a bus. */
  const local = new Map();
  return {
    /** Serves one accepted `ws` socket for `pair`. */
    async accept(socket, pair) {
      const id = randomUUID();
      const channel = `relay:${pair}`;
      let isPaired = false;
      const paired = () => {
        if (isPaired || socket.readyState !== socket.OPEN) return;
        isPaired = true;
        socket.send(PAIRED);
      };
      socket.on('message', (data, isBinary) => {
        if (!isBinary && data.toString() === 'ping') return socket.send('pong');
        if (!isBinary || data.byteLength > maxMessageSize) return socket.close(1009, 'binary frames up to the size limit only');
        if (bus) bus.publish(channel, [id, new Uint8Array(data)]);
        else for (const other of local.get(pair) ?? []) if (other.socket !== socket) other.socket.send(data);
      });
      const entry = { socket, paired };
      let stop = () => {};
      let left = false;
      socket.once('close', () => {
        left = true;
        stop();
        const others = local.get(pair);
        others?.delete(entry);
        if (!others?.size) local.delete(pair);
        if (bus) {
          bus.publish(channel, [id, GONE]);
          bus.remove(channel, id).catch(() => {});
        } else for (const other of others ?? []) other.socket.close(1000, 'the other end left');
      });
      if (!bus) {
        const others = local.get(pair) ?? new Set();
        if (others.size >= 2) return socket.close(1008, 'pair is full');
        others.add(entry);
        local.set(pair, others);
        if (others.size === 2) for (const member of others) member.paired();
        return;
      }
      // Listen before reading the pair, and enter it before reading again: of two ends arriving at
      // once on two hubs, at least the later one reads both entries, and the other hears it say so.
      stop = await bus.subscribe(channel, (message) => {
        if (!Array.isArray(message) || message[0] === id) return;
        if (message[1] instanceof Uint8Array) socket.send(message[1]);
        else if (message[1] === PAIRED) paired();
        else if (message[1] === GONE) socket.close(1000, 'the other end left');
      });
      if (left) return stop();
      if ((await bus.members(channel)).size >= 2) return socket.close(1008, 'pair is full');
      await bus.add(channel, id);
      if (left) return bus.remove(channel, id);
      if ((await bus.members(channel)).size >= 2) {
        paired();
        bus.publish(channel, [id, PAIRED]);
      }
    },
  };
}
