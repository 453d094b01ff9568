/**
 * The Node side of the Python demo: it starts demos/python-service/service.py and forwards
 * WebSocket upgrades for `<path>ws` to it, so the page talks to Python on this server's origin.
 * Pages from other origins are refused (403) before anything reaches Python.
 *
 * `npm start` calls `attach`. Needs /usr/bin/python3 with python3-msgpack, python3-nacl and
 * python3-websockets (PYTHON overrides the interpreter); without them the demo says so and the
 * other demos run as usual.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

export async function attach({ server, path = '/', origins = [] }) {
  const python = spawn(process.env.PYTHON ?? '/usr/bin/python3', [here('./service.py')], {
    env: { ...process.env, PYTHONPATH: here('../../bindings/python/src') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await Promise.race([
    createInterface({ input: python.stdout })[Symbol.asyncIterator]().next(),
    new Promise((resolve) => python.once('error', () => resolve({ value: undefined }))),
  ]);
  const port = first.value ? JSON.parse(first.value).port : undefined;
  if (!port) console.warn('[python-service] the Python service did not start: see bindings/python/README.md to install it');

  const onUpgrade = (request, socket, head) => {
    if (new URL(request.url, 'http://x').pathname !== `${path}ws`) return;
    const origin = request.headers.origin;
    if (!port || (origin !== undefined && !origins.includes(origin))) {
      socket.end(`HTTP/1.1 ${port ? '403 Forbidden' : '503 Service Unavailable'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    const upstream = net.connect(port, '127.0.0.1', () => {
      const lines = [`${request.method} / HTTP/1.1`];
      // The origin was checked here; Python's server admits only requests without one (programs).
      for (let i = 0; i < request.rawHeaders.length; i += 2) {
        if (request.rawHeaders[i].toLowerCase() !== 'origin') lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head?.length) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    const drop = () => (socket.destroy(), upstream.destroy());
    upstream.on('error', drop);
    socket.on('error', drop);
  };
  server.on('upgrade', onUpgrade);
  return {
    url: `ws://127.0.0.1:${server.address().port}${path}ws`,
    async close() {
      server.off('upgrade', onUpgrade);
      python.kill();
    },
  };
}
