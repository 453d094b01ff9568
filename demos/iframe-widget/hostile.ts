/**
 * A hostile frame on the widget's origin: it sends every kind of saltline/window handshake signal
 * (with a port of its own) and fake RPC replies to the host page and to the widget (its sibling),
 * then `{ hostile: 'done' }` to the host. None of it is heard: neither is the window the other side
 * talks to, and after the handshake the real traffic is on a MessageChannel it cannot reach.
 */
let forged = 0;
function forge(target: Window): void {
  for (const type of ['hello', 'connect', 'bye']) {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => port1.postMessage([[2, 1, 'forged']]);
    target.postMessage({ saltline: 'link/1', type, channel: 'saltline', from: 'attacker' }, '*', [port2]);
    forged++;
  }
  for (let id = 1; id < 10; id++) {
    target.postMessage([[2, id, 'forged result']], '*');
    forged++;
  }
}

for (let i = 0; i < parent.frames.length; i++) if (parent.frames[i] !== window) forge(parent.frames[i]!);
forge(parent);
parent.postMessage({ hostile: 'done', forged }, '*');
