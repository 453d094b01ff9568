#!/usr/bin/env node
/**
 * Serves the demos on http://127.0.0.1:PORT/demos/ (`npm start` builds first, then runs this), and
 * the documentation site (`npm run docs`, in site/) at http://127.0.0.1:PORT/ when it is built.
 *
 * - Demo `.ts` files are compiled on request by esbuild; bare imports resolve from node_modules.
 * - `saltline` and `saltline/<entry>` resolve to the BUILT package (dist/), as the `exports` of
 *   package.json say, so demo code imports exactly what a user would.
 * - Binds 127.0.0.1 only. PORT (default 8080) is tried first; when busy, any free port is used.
 * - Nothing here contacts another host: no browser opening, no network lookups.
 * - A demo folder with a `server.mjs` exporting `attach({ server, path, origins })` gets its Node
 *   side (a WebSocket service) mounted on this server under `/demos/<name>/`, admitting pages
 *   from this server's origin only. Those modules import
 *   `saltline` by name, which Node resolves to this repo's dist/ (not SALTLINE_DIST).
 *
 * Environment:
 *   PORT           port to try first (default 8080)
 *   SALTLINE_DIST  directory with the built entry points (index.js, worker.js, ...) to serve as
 *                  `saltline` instead of the repo's dist/; relative paths are from the repo root.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startDevServer } from '@web/dev-server';
import { esbuildPlugin } from '@web/dev-server-esbuild';

const HOST = '127.0.0.1';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEMOS = path.join(ROOT, 'demos');
const DIST = path.resolve(ROOT, process.env.SALTLINE_DIST || 'dist');
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function fail(message) {
  console.error(message);
  process.exit(1);
}

// ---- where `saltline` comes from ------------------------------------------------------------

if (!existsSync(path.join(DIST, 'index.js'))) {
  fail(
    process.env.SALTLINE_DIST
      ? `SALTLINE_DIST=${process.env.SALTLINE_DIST}: no index.js in ${DIST}`
      : 'dist/index.js is missing: run npm run build first',
  );
}

const DIST_INSIDE_ROOT = DIST.startsWith(ROOT + path.sep);
/**
 * A dist inside the repo is served at its own path (/dist/...). One elsewhere (SALTLINE_DIST)
 * is served under this prefix, so the dev server sees its files as inside the root and resolves
 * their dependencies (@msgpack/msgpack) from the repo's node_modules.
 */
const DIST_URL = DIST_INSIDE_ROOT ? `/${path.relative(ROOT, DIST).split(path.sep).join('/')}` : '/__saltline-dist__';

/** `saltline`, `saltline/worker`, ... → browser paths of their files, from package.json exports. */
function packageAliases() {
  const aliases = new Map();
  const missing = [];
  for (const [key, target] of Object.entries(PACKAGE.exports ?? {})) {
    const file = typeof target === 'string' ? target : (target?.browser ?? target?.import ?? target?.default);
    if (typeof file !== 'string' || !file.startsWith('./dist/') || !file.endsWith('.js')) continue;
    const name = `${PACKAGE.name}${key.slice(1)}`;
    const inDist = file.slice('./dist/'.length);
    if (!existsSync(path.join(DIST, inDist))) missing.push(name);
    aliases.set(name, `${DIST_URL}/${inDist}`);
  }
  if (missing.length > 0) {
    console.warn(`note: not built in ${path.relative(ROOT, DIST) || '.'}: ${missing.join(', ')} (importing these will fail)`);
  }
  return aliases;
}

const aliases = packageAliases();

const saltlineDist = {
  name: 'saltline-dist',
  resolveImport({ source }) {
    return aliases.get(source);
  },
  serve(context) {
    if (DIST_INSIDE_ROOT || !context.path.startsWith(`${DIST_URL}/`)) return undefined;
    const file = path.resolve(DIST, `.${decodeURIComponent(context.path.slice(DIST_URL.length))}`);
    if (!file.startsWith(DIST + path.sep) || !existsSync(file)) return undefined;
    const type = file.endsWith('.map') ? 'json' : path.extname(file).slice(1) || 'txt';
    return { body: readFileSync(file, 'utf8'), type };
  },
};

// ---- the documentation site --------------------------------------------------------------------

const SITE = path.join(ROOT, 'site');
const siteBuilt = () => existsSync(path.join(SITE, 'index.html'));

/**
 * The site at `/`, so its relative links to `demos/` reach the demos: a path naming a file of
 * site/ is served from there (the dev server serves site/ as part of the root).
 */
const docs = async (ctx, next) => {
  if (!siteBuilt() || ctx.path.startsWith('/demos/')) return next();
  const wanted = ctx.path.endsWith('/') ? `${ctx.path}index.html` : ctx.path;
  const file = path.join(SITE, path.normalize(decodeURIComponent(wanted)));
  if (file.startsWith(SITE + path.sep) && existsSync(file) && statSync(file).isFile()) {
    ctx.url = `/site${wanted}${ctx.querystring ? `?${ctx.querystring}` : ''}`;
  }
  return next();
};

/** `/demos` leads to the demo index; so does `/` when the site is not built. */
const redirects = async (ctx, next) => {
  if ((ctx.path === '/' && !siteBuilt()) || ctx.path === '/demos') return ctx.redirect('/demos/');
  return next();
};

// ---- the demos --------------------------------------------------------------------------------

function listDemos() {
  return readdirSync(DEMOS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(DEMOS, entry.name, 'index.html')))
    .map((entry) => entry.name)
    .sort();
}

// ---- the server -------------------------------------------------------------------------------

function requestedPort() {
  const raw = process.env.PORT;
  if (raw === undefined || raw === '') return 8080;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT=${raw} is not a port number`);
  return port;
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    const onError = (error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server.address().port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host: HOST, exclusive: true });
  });
}

const wanted = requestedPort();

// The dev server runs in middleware mode: it builds the request pipeline and this script owns
// the HTTP server. (Given hostname 127.0.0.1 the dev server itself listens on every interface.)
const devServer = await startDevServer({
  config: {
    rootDir: ROOT,
    port: wanted,
    hostname: HOST,
    middlewareMode: true,
    nodeResolve: true,
    middleware: [redirects, docs],
    plugins: [saltlineDist, esbuildPlugin({ ts: true, target: 'es2022' })],
    watch: false,
    injectWebSocket: false,
    open: false,
  },
  readCliArgs: false,
  readFileConfig: false,
  autoExitProcess: false,
  logStartMessage: false,
});

// Demos that answer HTTP themselves (the operations dashboard at /dashboard, the JSON-RPC demo)
// add a handler here that returns true for the requests it takes; the dev server serves the rest.
const app = devServer.koaApp.callback();
const handlers = [];
const server = http.createServer((request, response) => handlers.some((handle) => handle(request, response)) || app(request, response));
const sockets = new Set();
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
});

let port;
try {
  port = await listen(server, wanted);
} catch (error) {
  if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES') throw error;
  console.log(`port ${wanted} is ${error.code === 'EADDRINUSE' ? 'busy' : 'not allowed'}; using a free port`);
  port = await listen(server, 0);
}

const base = `http://${HOST}:${port}`;

// Node sides of the demos (WebSocket services), each on its own path of this server. They admit
// pages from this server's origin only (`allowOrigins`), which is known once it listens.
const services = [];
for (const name of listDemos()) {
  const file = path.join(DEMOS, name, 'server.mjs');
  if (!existsSync(file)) continue;
  const { attach } = await import(pathToFileURL(file).href);
  const origins = [base, `http://localhost:${port}`];
  const service = await attach({ server, path: `/demos/${name}/`, origins });
  if (service.handle) handlers.push((request, response) => service.handle(request, response));
  services.push({ name, service });
}
if (siteBuilt()) console.log(`saltline docs:  ${base}/`);
else console.log('(no docs site: npm run docs builds it into site/)');
const { startOperationsDemo } = await import(pathToFileURL(path.join(DEMOS, 'operations', 'load.mjs')).href);
const operations = await startOperationsDemo({ server, path: '/dashboard' });
handlers.push((request, response) => operations.dashboard.handle(request, response));
console.log(`saltline demos: ${base}/demos/`);
console.log(`  ${'dashboard'.padEnd(20)} ${base}/dashboard (a demo service under load, live)`);
for (const name of listDemos()) console.log(`  ${name.padEnd(20)} ${base}/demos/${name}/`);
for (const { name, service } of services) {
  const where = new URL(service.url, base).pathname;
  console.log(`  ${name.padEnd(20)} ${service.handle ? `${base}${where} (HTTP)` : `ws://${HOST}:${port}${where} (service)`}`);
}
console.log(`(saltline from ${path.relative(ROOT, DIST) || '.'}${path.sep}; Ctrl+C to stop)`);

// ---- shutdown ---------------------------------------------------------------------------------

let stopping = false;
async function stop(signal) {
  if (stopping) process.exit(1); // a second signal: give up waiting
  stopping = true;
  console.log(`\n${signal}: stopping`);
  const servicesClosed = [...services.map(({ service }) => service.close()), operations?.stop()];
  const closed = new Promise((resolve) => server.close(resolve));
  for (const socket of sockets) socket.destroy();
  await Promise.all([closed, devServer.stop(), ...servicesClosed]);
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
