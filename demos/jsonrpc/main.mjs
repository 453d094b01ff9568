#!/usr/bin/env node
/**
 * The JSON-RPC demo on its own, for a plain HTML page (index.html) and a Python script
 * (client.py). Run `npm run build` once, then `node demos/jsonrpc/main.mjs`; it listens on
 * http://127.0.0.1:8090/ (PORT to change), serving the page at / and JSON-RPC at /rpc.
 * `npm start` mounts the same service (server.mjs) at /demos/jsonrpc/.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { attach } from './server.mjs';

const service = await attach({ path: '/' });
const page = readFileSync(new URL('./index.html', import.meta.url));
const server = createServer((request, response) => {
  if (service.handle(request, response)) return;
  if (request.method === 'GET' && (request.url === '/' || request.url === '/index.html')) {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page);
    return;
  }
  response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
});
server.listen(Number(process.env.PORT ?? 8090), '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`JSON-RPC demo on http://127.0.0.1:${port}/ (JSON-RPC at /rpc)`);
  console.log(
    `  curl -s -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"add","params":[2,3]}' http://127.0.0.1:${port}/rpc`,
  );
  console.log(`  /usr/bin/python3 demos/jsonrpc/client.py http://127.0.0.1:${port}/rpc`);
});
