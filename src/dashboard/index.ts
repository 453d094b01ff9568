/**
 * `saltline/dashboard` (Node): `serveDashboard({ metrics })` serves a live page of a metrics
 * plugin's figures — calls per second, p50/p90/p99 latency, errors by code, calls in flight, a
 * per-method table and the alerts — fed over saltline itself: the page reads the stream
 * `$sys.Metrics.watch`, which viewers `authorize` refuses get as `PERMISSION_DENIED`. The page's
 * own peers carry no metrics plugin, so its traffic never shows in what it draws.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveWebSocket, type UpgradeRequest, type WebSocketService } from '../../adapters/websocket-server.js';
import { withContext } from '../context.js';
import { RpcError } from '../errors.js';
import type { Metrics, Side } from '../observe/index.js';
import type { Peer } from '../types.js';
import { dashboardFrames } from './frames.js';
import { dashboardPage } from './page.js';

export type { DashboardFrame, MethodRow } from './frames.js';

/** What `serveDashboard` takes: the metrics to show, where to serve the page, and who may watch. */
export interface DashboardOptions {
  /** The metrics plugin whose figures the page shows. Required. */
  readonly metrics: Metrics;
  /**
   * A Node HTTP server to share: the dashboard takes WebSocket upgrades on `path/ws`, and your
   * request handler passes it the page's requests with `dashboard.handle(request, response)`.
   * Default: a server of its own on `host:port`.
   */
  readonly server?: Server;
  /** Port of its own server. Default 0 (any free port; `url` tells which). */
  readonly port?: number;
  /** Interface of its own server. Default `127.0.0.1`. */
  readonly host?: string;
  /** Where the page is served. Default `/dashboard`. */
  readonly path?: string;
  /**
   * Who may watch, decided per WebSocket connection; the others get `PERMISSION_DENIED`.
   * Default: connections from a loopback address only.
   */
  readonly authorize?: (request: UpgradeRequest) => boolean | Promise<boolean>;
  /** Milliseconds between frames. Default 1,000. */
  readonly interval?: number;
  /** Which calls the page shows: `server` (answered) or `client` (made). Default `server`. */
  readonly side?: Side;
  /** Directory holding the built saltline entries the page imports. Default: the package's own `dist/`. */
  readonly assets?: string;
}

/** A served dashboard: its URL, a request handler for a shared server, and `close()`. */
export interface Dashboard {
  /** `http://host:port/path` of the page (its own server), or just `path` on a shared one. */
  readonly url: string;
  /** Serves the page and its scripts; false for a request outside `path`. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
  /** Ends every viewer's stream and stops the server it started. */
  close(): Promise<void>;
}

const loopback = (request: UpgradeRequest) => /^(127\.|::1$|::ffff:127\.)/.test(request.socket.remoteAddress ?? '');

/** The built saltline next to this module (in dist/), or the repo's dist/ when run from source. */
function defaultAssets(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, join(here, '../../dist')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.js')) && existsSync(join(dir, 'websocket.js')));
  if (!found) throw new Error('saltline/dashboard: no built saltline found (run npm run build, or pass assets)');
  return found;
}

const msgpackDir = () => join(dirname(createRequire(import.meta.url).resolve('@msgpack/msgpack/package.json')), 'dist.esm');

/** A file under `root` for a URL path, or undefined if it would step outside it or is not a script. */
function fileUnder(root: string, relative: string): string | undefined {
  const file = normalize(join(root, decodeURIComponent(relative)));
  if (!file.startsWith(root + sep) || !/\.(m?js)$/.test(file) || !existsSync(file)) return undefined;
  return file;
}

/** Serves a live page of `metrics`' figures, fed over a saltline stream that `authorize` guards. */
export async function serveDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { metrics, path = '/dashboard', interval = 1_000, side = 'server', authorize = loopback } = options;
  const assets = normalize(options.assets ?? defaultAssets());
  const vendor = msgpackDir();
  const page = dashboardPage(path);
  const allowed = new WeakMap<Peer, Promise<boolean>>();
  const viewers = new Set<AbortController>();

  const handle = (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = new URL(request.url ?? '/', 'http://dashboard');
    const at = url.pathname;
    if (at !== path && !at.startsWith(`${path}/`)) return false;
    const send = (status: number, type: string, body: string | Buffer) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      response.end(body);
    };
    if (request.method !== 'GET') send(405, 'text/plain', 'method not allowed');
    else if (at === path || at === `${path}/`) send(200, 'text/html; charset=utf-8', page);
    else {
      const lib = at.startsWith(`${path}/lib/`) ? fileUnder(assets, at.slice(path.length + 5)) : undefined;
      const file = lib ?? (at.startsWith(`${path}/vendor/msgpack/`) ? fileUnder(vendor, at.slice(path.length + 16)) : undefined);
      if (file) send(200, 'text/javascript; charset=utf-8', readFileSync(file));
      else send(404, 'text/plain', 'not found');
    }
    return true;
  };

  const own = options.server ? undefined : createServer((request, response) => handle(request, response) || send404(response));
  const server = options.server ?? own!;
  if (own) await new Promise<void>((resolve) => own.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));

  const watch = withContext((ctx) => {
    const peer = ctx.peer!;
    return (allowed.get(peer) ?? Promise.resolve(false)).then((ok) => {
      if (!ok) throw new RpcError('PERMISSION_DENIED', 'not allowed to watch this dashboard');
      const stop = new AbortController();
      viewers.add(stop);
      ctx.signal.addEventListener('abort', () => stop.abort(), { once: true });
      stop.signal.addEventListener('abort', () => viewers.delete(stop), { once: true });
      return dashboardFrames(metrics, side, interval, stop.signal);
    });
  });

  const service: WebSocketService = await serveWebSocket(
    {
      server,
      path: `${path}/ws`,
      // Same-origin pages only: the page is served here, so its Origin is this server's.
      allowOrigins: '*',
      accept: (request) => {
        const origin = request.headers.origin;
        return origin === undefined || origin === `http://${request.headers.host}` || origin === `https://${request.headers.host}`;
      },
      peer: { expose: { $sys: { Metrics: { watch } } } },
    },
    (peer, request) => {
      allowed.set(
        peer,
        Promise.resolve(authorize(request)).catch(() => false),
      );
    },
  );

  const address = own?.address();
  const url = address && typeof address === 'object' ? `http://${options.host ?? '127.0.0.1'}:${address.port}${path}` : path;
  return {
    url,
    handle,
    async close() {
      for (const viewer of viewers) viewer.abort();
      await service.close();
      if (own) await new Promise<void>((resolve) => own.close(() => resolve()));
    },
  };
}

function send404(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('not found');
}
