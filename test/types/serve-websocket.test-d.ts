// serveWebSocket's options are typed by the peer they make: a secure server written the way that
// works at run time (`createPeer` from saltline/secure, `peer: { secure }`) type-checks, and
// `secure` without that createPeer (which would serve plaintext) does not.
import { createPeer, generateIdentity } from 'saltline/secure';
import { serveWebSocket } from 'saltline/websocket';

const identity = generateIdentity();
const api = { add: (a: number, b: number) => a + b };

export const secureServer = serveWebSocket({ peer: { expose: api, secure: { identity, authorize: () => true } }, createPeer }, () => {});

export const perRequest = serveWebSocket({ peer: () => ({ secure: { identity, authorize: () => true } }), createPeer }, () => {});

export const plainServer = serveWebSocket({ peer: { expose: api } }, () => {});

// @ts-expect-error `secure` without `createPeer` from saltline/secure would be ignored: a plaintext server
export const forgotCreatePeer = serveWebSocket({ peer: { expose: api, secure: { identity, authorize: () => true } } }, () => {});
