/* biome-ignore-all lint/suspicious/noExplicitAny: shapes of Node's http and of ws */
/**
 * `serveWebSocket`: a Node WebSocket endpoint that yields one peer per connection. It loads the
 * `ws` package (an optional peer dependency) only when called, so `saltline/websocket` stays
 * importable in browsers, and it handles only its own path on a shared HTTP server.
 *
 * It faces the network, so its defaults assume hostile clients: a connection cap, browser origins
 * refused unless listed, a hello timeout, and handler errors reduced to what a caller may see.
 */
import { publicError } from '../src/errors.js';
import { createPeer } from '../src/peer.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../src/protocol.js';
import type { Transport } from '../src/transport.js';
import type { Limits, Peer, PeerOptions } from '../src/types.js';
import type { Bus } from './bus.js';
import { type AllowOrigins, originCheck } from './origin.js';
import { Topics } from './topics.js';
import { type WebSocketLike, WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.js';

/** The parts of Node's `IncomingMessage` the server reads; the real object is what you get. */
export interface UpgradeRequest {
  readonly url?: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly socket: { readonly remoteAddress?: string; destroy(): void };
}

/** The parts of Node's `http.Server` the server uses. */
export interface HttpServerLike {
  on(event: 'upgrade', listener: (request: any, socket: any, head: any) => void): unknown;
  off(event: 'upgrade', listener: (request: any, socket: any, head: any) => void): unknown;
  address(): { address: string; port: number } | string | null;
}

/** What an `accept` hook returns: `true` to accept; `false` or an HTTP status (default 403) and message to refuse. */
export type AcceptResult = boolean | { readonly status?: number; readonly message?: string };

/**
 * Options of `serveWebSocket`: where to listen, whom to admit, and each connection's peer. `O` is
 * the peer options' type: `SecurePeerOptions` with `createPeer` from `saltline/secure`.
 */
export interface ServeWebSocketOptions<O extends PeerOptions = PeerOptions> extends Omit<WebSocketTransportOptions, 'initiator'> {
  /** An HTTP(S) server to share; it handles only `path`, and you start and stop it. Default: a new server on `host:port`. */
  readonly server?: HttpServerLike;
  /** Port of the new server. Default 0 (any free port; `address()` tells which). */
  readonly port?: number;
  /** Interface of the new server. Default `127.0.0.1`. */
  readonly host?: string;
  /** The only path served (query ignored), e.g. `/rpc`. Default: every path. */
  readonly path?: string;
  /**
   * Browser origins that may connect, each exact (`https://app.example`, `http://127.0.0.1:8080`).
   * A request with another `Origin` header is refused with 403 before the handshake; clients that
   * send none (Node, other languages) are not browsers and pass. No patterns: a wildcard admits
   * subdomains you do not control, and `"null"` is refused as an entry (any sandboxed iframe sends
   * it). `'*'` turns the check off and leaves origins to `accept`. Default `[]`: no browser page.
   */
  readonly allowOrigins?: AllowOrigins;
  /**
   * Connections open or being accepted at once; past it, upgrades are refused with 503 before the
   * handshake (and counted in `stats().refused.full`). Default 1,000.
   */
  readonly maxConnections?: number;
  /** Decides on each upgrade request before the handshake (a token, the address). Runs after the origin check. Default: accept all. */
  readonly accept?: (request: UpgradeRequest) => AcceptResult | Promise<AcceptResult>;
  /**
   * Options for each connection's peer, or a function of the request. `limits.maxMessageSize` is
   * capped at `maxMessageSize`. Defaults that differ from a plain peer's, each overridden by a
   * value of yours: `onSendError: publicError` (callers get a handler error's name, message and
   * `RpcError` code and data, not its properties, cause or stack) and `limits.helloTimeout: 10_000`
   * (a connection that has not said hello in 10 s is closed). Default `{}`.
   */
  readonly peer?: O | ((request: UpgradeRequest) => O);
  /** Makes each peer, e.g. `createPeer` from `saltline/secure`. Default `createPeer` from `saltline`. */
  readonly createPeer?: (transport: Transport, options: O) => Peer;
  /** Carries `broadcast` to the subscribers on every process serving this API (`redisBus` from `saltline/cluster`). Default: this process only. */
  readonly bus?: Bus;
  /** Topics one peer may be subscribed to at once; more fail with `RESOURCE_EXHAUSTED`. Default 64. */
  readonly maxTopicsPerPeer?: number;
  /** `ws`'s `WebSocketServer` class, for bundled apps. Default: `import('ws')`. */
  readonly WebSocketServer?: new (
    options: any,
  ) => any;
}

/** What `serveWebSocket` counts. */
export interface WebSocketServiceStats {
  /** Connections open or being accepted (counted against `maxConnections`). */
  readonly connections: number;
  /** Upgrade requests refused before the handshake, by reason. */
  readonly refused: {
    /** Over `maxConnections` (503). */
    readonly full: number;
    /** A browser origin not in `allowOrigins` (403). */
    readonly origin: number;
    /** By the `accept` hook, or because it threw (its status, 500). */
    readonly accept: number;
    /** While the service was closing (503). */
    readonly closing: number;
  };
}

/** A running `serveWebSocket` endpoint: its address, its peers, and `close()`. */
export interface WebSocketService {
  /** `ws://host:port/path` of the endpoint (port 0 until a shared server listens). */
  readonly url: string;
  /** Where the server listens. */
  address(): { host: string; port: number };
  /** The peers of the open connections. */
  readonly peers: ReadonlySet<Peer>;
  stats(): WebSocketServiceStats;
  /** Makes `peer` (one of `peers`) hear broadcasts to `topic` until it closes or unsubscribes; resolves once broadcasts from every process reach it. */
  subscribe(peer: Peer, topic: string): Promise<void>;
  unsubscribe(peer: Peer, topic: string): void;
  /** Notifies `method(...args)` to every peer subscribed to `topic`, on every process when there is a `bus`. */
  broadcast(topic: string, method: string, ...args: unknown[]): void;
  /** Refuses new connections, closes the open ones with 1001 (going away), and stops a server it started. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Default `maxConnections`. */
export const DEFAULT_MAX_CONNECTIONS = 1000;
/** Default `limits.helloTimeout` of each connection's peer, in ms. */
export const DEFAULT_HELLO_TIMEOUT = 10_000;

/**
 * A connection peer's options: the user's, over the network defaults (redacted errors, a hello
 * timeout), with the message size capped at what the socket accepts.
 */
function connectionOptions<O extends PeerOptions>(base: O, maxMessageSize: number): O {
  const limits: Limits = base.limits ?? {};
  return {
    ...base,
    onSendError: base.onSendError ?? publicError,
    limits: {
      ...limits,
      helloTimeout: limits.helloTimeout ?? DEFAULT_HELLO_TIMEOUT,
      maxMessageSize: Math.min(limits.maxMessageSize ?? maxMessageSize, maxMessageSize),
    },
  };
}

const ignoreError = (): void => {};

const statusText: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Answers an upgrade request with a plain HTTP error and drops the socket. */
function refuse(socket: any, status: number, message = statusText[status] ?? 'Refused'): void {
  // Node's HTTP server leaves an upgrade socket without an error listener: a client that resets
  // while the answer is written would otherwise throw ECONNRESET out of the process.
  socket.on('error', ignoreError);
  const body = `${message}\n`;
  if (!socket.writable) return socket.destroy();
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${statusText[status] ?? 'Refused'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${new TextEncoder().encode(body).byteLength}\r\n\r\n${body}`,
  );
}

// Held in variables so bundlers leave them alone: a browser bundle never pulls in ws or node:http.
const wsModule = 'ws';
const httpModule = 'node:http';

async function load(name: string): Promise<any> {
  try {
    return await import(/* webpackIgnore: true */ /* @vite-ignore */ name);
  } catch (error) {
    throw new Error(`serveWebSocket needs the '${name}' module${name === wsModule ? ': npm install ws' : ''}`, { cause: error });
  }
}

/** Serves saltline over WebSocket: `onPeer` gets the peer of each accepted connection. */
export function serveWebSocket(
  options: ServeWebSocketOptions,
  onPeer: (peer: Peer, request: UpgradeRequest) => void | Promise<void>,
): Promise<WebSocketService>;
/**
 * Serves saltline over WebSocket with peers made by `createPeer` (e.g. from `saltline/secure`),
 * whose options `peer` holds (`{ secure, expose }`). Other options than a plain peer's need it:
 * without it, `secure` would be ignored.
 */
export function serveWebSocket<O extends PeerOptions>(
  options: ServeWebSocketOptions<O> & { readonly createPeer: (transport: Transport, options: O) => Peer },
  onPeer: (peer: Peer, request: UpgradeRequest) => void | Promise<void>,
): Promise<WebSocketService>;
export async function serveWebSocket<O extends PeerOptions>(
  options: ServeWebSocketOptions<O>,
  onPeer: (peer: Peer, request: UpgradeRequest) => void | Promise<void>,
): Promise<WebSocketService> {
  const WebSocketServer = options.WebSocketServer ?? (await load(wsModule)).WebSocketServer;
  const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageSize, perMessageDeflate: false, clientTracking: false });
  const make = options.createPeer ?? (createPeer as (transport: Transport, options: O) => Peer);
  const originAllowed = originCheck(options.allowOrigins);
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  // NaN or a negative number would compare false and quietly turn the cap off.
  if (!(maxConnections >= 1)) throw new TypeError(`maxConnections must be 1 or more (or Infinity), not ${maxConnections}`);
  const connections = new Map<Peer, WebSocketTransport>();
  const peers = new Set<Peer>();
  /** Sockets past the checks that have no peer yet (the accept hook, the handshake): they count against the cap. */
  const admitting = new Set<unknown>();
  const refused = { full: 0, origin: 0, accept: 0, closing: 0 };
  const topics = new Topics(options.bus, options.maxTopicsPerPeer);
  let closing = false;

  const own = !options.server;
  let server = options.server;
  if (!server) {
    const http = await load(httpModule);
    const created = http.createServer((_request: unknown, response: any) => {
      response.writeHead(426, { 'Content-Type': 'text/plain' }).end('Upgrade Required\n');
    });
    await new Promise<void>((resolve, reject) => {
      created.once('error', reject);
      created.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        created.off('error', reject);
        resolve();
      });
    });
    server = created as HttpServerLike;
  }

  const connected = (socket: WebSocketLike, request: UpgradeRequest) => {
    const transport = new WebSocketTransport(socket, { initiator: false, maxMessageSize, keepAlive: options.keepAlive });
    let base = {} as O;
    let peer: Peer;
    try {
      base = typeof options.peer === 'function' ? options.peer(request) : (options.peer ?? base);
      peer = make(transport, connectionOptions(base, maxMessageSize));
    } catch (error) {
      // A peer that cannot be made (bad options) costs this connection, never the server.
      base.logger?.error?.('serveWebSocket: could not make a peer for a connection', error);
      socket.close(1011, 'server error');
      return;
    }
    connections.set(peer, transport);
    peers.add(peer);
    void peer.closed.then(() => {
      connections.delete(peer);
      peers.delete(peer);
    });
    try {
      const result = onPeer(peer, request);
      if (result instanceof Promise) result.catch((error: unknown) => peer.close(error));
    } catch (error) {
      peer.close(error);
    }
  };

  const onUpgrade = (request: UpgradeRequest, socket: any, head: unknown) => {
    if (options.path !== undefined && new URL(request.url ?? '/', 'http://x').pathname !== options.path) {
      if (own) refuse(socket, 404);
      return; // a shared server's other paths belong to other listeners
    }
    if (closing) return (refused.closing++, refuse(socket, 503));
    // Cheap checks first, before any user code runs for the request.
    if (admitting.size + peers.size >= maxConnections) return (refused.full++, refuse(socket, 503, 'Too many connections'));
    if (!originAllowed(request.headers)) return (refused.origin++, refuse(socket, 403, 'Origin not allowed'));
    admitting.add(socket);
    socket.once('close', () => admitting.delete(socket)); // refused, or the handshake failed
    const ignore = () => {};
    socket.on('error', ignore); // the socket is ours from here; ws adds its own handler in handleUpgrade
    Promise.resolve()
      .then(() => (options.accept ? options.accept(request) : true))
      .then(
        (verdict) => {
          if (closing) return (refused.closing++, refuse(socket, 503));
          if (verdict !== true) {
            refused.accept++;
            const refusal = typeof verdict === 'object' && verdict ? verdict : {};
            return refuse(socket, refusal.status ?? 403, refusal.message);
          }
          socket.off('error', ignore);
          wss.handleUpgrade(request, socket, head, (ws: WebSocketLike) => {
            admitting.delete(socket);
            if (closing) ws.close(1001, 'server shutting down');
            else connected(ws, request);
          });
        },
        () => (refused.accept++, refuse(socket, 500)),
      );
  };
  server.on('upgrade', onUpgrade);

  const where = () => {
    const address = server.address();
    if (!address || typeof address === 'string') return { host: options.host ?? '127.0.0.1', port: 0 };
    return { host: address.address, port: address.port };
  };
  const url = () => {
    const { host, port } = where();
    return `ws://${host.includes(':') ? `[${host}]` : host}:${port}${options.path ?? '/'}`;
  };

  let closed: Promise<void> | undefined;
  const close = () => (closed ??= shutdown());
  const shutdown = async () => {
    closing = true;
    topics.close();
    server.off('upgrade', onUpgrade);
    const ended = [...peers].map((peer) => peer.closed);
    // No goodbye: clients see 1001 (going away), and redialling ones try again, maybe to a new server.
    for (const transport of connections.values()) transport.socket.close(1001, 'server shutting down');
    await Promise.all(ended);
    wss.close();
    if (own) await new Promise((resolve) => (server as unknown as { close(callback: () => void): void }).close(() => resolve(undefined)));
  };

  return {
    get url() {
      return url();
    },
    address: where,
    peers,
    stats: () => ({ connections: admitting.size + peers.size, refused: { ...refused } }),
    subscribe: (peer, topic) => topics.subscribe(peer, topic),
    unsubscribe: (peer, topic) => topics.unsubscribe(peer, topic),
    broadcast: (topic, method, ...args) => topics.broadcast(topic, method, args),
    close,
    [Symbol.asyncDispose]: close,
  };
}
