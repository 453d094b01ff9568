/**
 * A blind relay for secure peers: two WebSocket connections that name the same pair
 * (`/relay?pair=ID`) get each other's frames, byte for byte, whether they reached the same hub or
 * two hubs on one bus. The hub never decodes a frame: peers run `saltline/secure` end to end over
 * it, so the relay learns nothing and can forge nothing (docs/security.md). At most two
 * connections share a pair; frames are capped at `maxMessageSize`.
 */
import { randomUUID } from 'node:crypto';

export function relayService({ bus, maxMessageSize = 1 << 20 }) {
  /** Connections of this hub by pair, for relaying without a bus. */
  const local = new Map();
  return {
    /** Serves one accepted `ws` socket for `pair`. */
    async accept(socket, pair) {
      const id = randomUUID();
      const others = local.get(pair) ?? new Set();
      let stop = () => {};
      if (bus) {
        const members = await bus.members(`relay:${pair}`);
        if (members.size >= 2) return socket.close(1008, 'pair is full');
        await bus.add(`relay:${pair}`, id);
        stop = await bus.subscribe(`relay:${pair}`, (message) => {
          if (Array.isArray(message) && message[0] !== id && message[1] instanceof Uint8Array) socket.send(message[1]);
        });
      } else if (others.size >= 2) return socket.close(1008, 'pair is full');
      others.add(socket);
      local.set(pair, others);
      socket.on('message', (data, isBinary) => {
        if (!isBinary || data.byteLength > maxMessageSize) return socket.close(1009, 'binary frames up to the size limit only');
        if (bus) bus.publish(`relay:${pair}`, [id, new Uint8Array(data)]);
        else for (const other of others) if (other !== socket) other.send(data);
      });
      socket.once('close', () => {
        stop();
        others.delete(socket);
        if (!others.size) local.delete(pair);
        bus?.remove(`relay:${pair}`, id).catch(() => {});
      });
    },
  };
}
