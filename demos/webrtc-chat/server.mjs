/**
 * The signaling service of the WebRTC chat demo, mounted by demos/serve.mjs (`npm start`) at
 * /demos/webrtc-chat/signal: a saltline service over WebSocket that relays offers, answers and
 * ICE candidates between the members of a room. Chat and files never pass through it.
 */

import { signalingService } from 'saltline/webrtc';
import { serveWebSocket } from 'saltline/websocket';

export async function attach({ server, path = '/', port } = {}) {
  const rooms = signalingService({ maxRoomSize: 8 });
  return serveWebSocket({ server, port, path: `${path}signal`, maxMessageSize: 64 * 1024 }, (peer) => rooms.accept(peer));
}
