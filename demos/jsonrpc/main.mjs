#!/usr/bin/env node
/**
 * A saltline API served over JSON-RPC 2.0 HTTP, for a plain HTML page (index.html) and a Python
 * script (client.py). Run `npm run build` once, then `node demos/jsonrpc/main.mjs`; it listens on
 * http://127.0.0.1:8090/ (PORT to change), serving the page at / and JSON-RPC at /rpc.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { RpcError } from 'saltline';
import { jsonRpcNodeListener } from 'saltline/jsonrpc';

const notes = [];
const api = {
  add: (a, b) => a + b,
  notes: {
    add(params) {
      const text = typeof params === 'object' && params ? params.text : params;
      if (typeof text !== 'string' || text.length === 0 || text.length > 200) {
        throw new RpcError('INVALID_ARGUMENT', 'a note is 1 to 200 characters');
      }
      notes.push({ id: notes.length + 1, text });
      if (notes.length > 50) notes.shift();
      return notes.at(-1);
    },
    list: () => notes,
  },
};

const rpc = jsonRpcNodeListener(api);
const page = readFileSync(new URL('./index.html', import.meta.url));
const server = createServer((request, response) => {
  if (request.url === '/rpc') return rpc(request, response);
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
