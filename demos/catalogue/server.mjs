#!/usr/bin/env node
/**
 * The catalogue service: products over WebSocket, their results cached by the callers
 * (`cached` policies from saltline/cache), and invalidations pushed when a price changes.
 *
 * - `npm start` mounts it on the demo server at /demos/catalogue/ws (see demos/serve.mjs).
 * - `node demos/catalogue/server.mjs` runs it alone on ws://127.0.0.1:8082/ (PORT to change).
 *
 * `outage(seconds)` takes the service down for a while (connections dropped, new ones refused)
 * while the page host stays up, so a reload shows the page working offline from IndexedDB.
 */
import { fileURLToPath } from 'node:url';
import { RpcError } from 'saltline';
import { cached, createCache, invalidate } from 'saltline/cache';
import { serveWebSocket } from 'saltline/websocket';

const products = new Map(
  [
    ['teapot', 'Cast-iron teapot', 39],
    ['kettle', 'Gooseneck kettle', 54],
    ['cups', 'Six porcelain cups', 24],
    ['whisk', 'Bamboo matcha whisk', 12],
  ].map(([id, name, price]) => [id, { id, name, price, version: 1 }]),
);

export async function attach({ server, path = '/', port, origins = [] } = {}) {
  let downUntil = 0;
  const cache = createCache();
  const policy = { maxAge: 30_000, staleWhileRevalidate: 60_000, staleIfError: 7 * 86_400_000, persist: true, private: false };
  const api = {
    list: cached({ ...policy, tags: () => ['products'], etag: (_args, list) => list.map((p) => `${p.id}@${p.version}`).join(',') }, () => [
      ...products.values(),
    ]),
    product: cached({ ...policy, tags: ([id]) => [`product:${id}`], etag: (_args, p) => String(p.version) }, (id) => {
      const product = products.get(String(id));
      if (!product) throw new RpcError('NOT_FOUND', `no product ${id}`);
      return product;
    }),
    setPrice(id, price) {
      const product = products.get(String(id));
      if (!product || !(price > 0 && price < 1e6)) throw new RpcError('INVALID_ARGUMENT', 'a known product and a price');
      products.set(product.id, { ...product, price: Math.round(price * 100) / 100, version: product.version + 1 });
      invalidate(cache, { tags: [`product:${product.id}`, 'products'] });
    },
    outage(seconds) {
      downUntil = Date.now() + Math.min(Math.max(Number(seconds) || 0, 1), 120) * 1000;
      setTimeout(() => {
        for (const peer of service.peers) peer.close(new RpcError('UNAVAILABLE', 'outage'));
      }, 50);
    },
  };
  const service = await serveWebSocket(
    {
      server,
      port,
      path: `${path}ws`,
      allowOrigins: origins,
      accept: () => (Date.now() < downUntil ? { status: 503, message: 'outage' } : true),
      peer: { expose: api, cache },
    },
    () => undefined,
  );
  return service;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const service = await attach({ port: Number(process.env.PORT ?? 8082), path: '/' });
  console.log(`catalogue service: ${service.url}  (Ctrl+C to stop)`);
  const stop = async () => {
    await service.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
