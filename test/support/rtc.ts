/** Two RTCPeerConnections in one process or page, wired to each other directly: loopback candidates only. */
import { loopbackOnly } from '../../adapters/webrtc.js';
import { afterClose } from './connect.js';

/** Two connections that pass each other their loopback candidates; both close after the test. */
export function loopbackPair(Connection: typeof RTCPeerConnection): { a: RTCPeerConnection; b: RTCPeerConnection } {
  const a = new Connection({ iceServers: [] });
  const b = new Connection({ iceServers: [] });
  afterClose(() => {
    a.close();
    b.close();
  });
  const relay = (to: RTCPeerConnection) => (event: RTCPeerConnectionIceEvent) => {
    if (event.candidate && loopbackOnly({ candidate: event.candidate.toJSON() })) void to.addIceCandidate(event.candidate);
  };
  a.onicecandidate = relay(b);
  b.onicecandidate = relay(a);
  return { a, b };
}

/** `a` offers, `b` answers. */
export async function negotiate(a: RTCPeerConnection, b: RTCPeerConnection): Promise<void> {
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(offer);
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(answer);
}
