/**
 * The signaling service of the WebRTC chat demo, mounted by demos/serve.mjs (`npm start`) at
 * /demos/webrtc-chat/signal: a saltline service over WebSocket that relays offers, answers and
 * ICE candidates between the members of a room. Chat and files never pass through it. Pages from
 * `origins` (the demo server's own) may connect; no other site's.
 */

import { signalingService } from 'saltline/webrtc';
import { serveWebSocket } from 'saltline/websocket';

export async function attach({ server, path = '/', port, origins = [] } = {}) {
  const rooms = signalingService({ maxRoomSize: 8 });
  const options = { server, port, path: `${path}signal`, allowOrigins: origins, maxMessageSize: 64 * 1024 };
  return serveWebSocket(options, (peer) => rooms.accept(peer));
}
