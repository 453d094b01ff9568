/**
 * `logging()`: a plugin that writes what happens to peers to a console- or pino-shaped logger:
 * debug one line per call (method, side, duration, status code: never arguments, results or
 * metadata), info on connect and close, warn on handler failures and (through `.logger`, given
 * to `createPeer`) the protocol violations the core reports. Secrets are masked and identical
 * warnings are rate-limited.
 */
import { RpcError } from '../errors.js';
import type { Plugin } from '../plugins.js';
import type { Logger, Peer } from '../types.js';
import { type CallWatcher, type Side, type StatusCode, watchCalls } from './call-watch.js';
import { redact, redactText, secretKeys } from './redact.js';
import { Repeats } from './repeats.js';

/** What `console` and pino both are: `(fields, message)` per level, and optionally `child`. */
export interface ObserveLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  child?(bindings: object): ObserveLogger;
  isLevelEnabled?(level: string): boolean;
}

/** Levels from most to least verbose; `silent` writes nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** What `logging()` takes: where lines go, how verbose, and what is masked or rate-limited. */
export interface LoggingOptions {
  /** Where lines go. Default: none, and the plugin writes nothing. */
  readonly logger?: ObserveLogger;
  /** The least severe level written; `debug` adds a line per call. Default `info`. */
  readonly level?: LogLevel;
  /** Keys whose values are masked wherever they appear. Default `secretKeys`. */
  readonly redact?: RegExp;
  /** Milliseconds over which identical warnings are counted. Default 10,000. */
  readonly repeatWindow?: number;
  /** Identical warnings written per `repeatWindow`; the rest are counted in one "suppressed" line. Default 5. */
  readonly repeatBurst?: number;
  /** Milliseconds now, for call durations and the repeat window. Default `performance.now`. */
  readonly clock?: () => number;
  /** The plugin's name. Default `logging`. */
  readonly name?: string;
}

/** The plugin, and the core-shaped `logger` to give `createPeer` for the warnings the core raises. */
export interface Logging extends Plugin {
  readonly logger: Logger;
}

/** Longest method name written; a far side chooses the names of the calls it makes. */
const MAX_METHOD = 128;

interface CallLine {
  readonly method: string;
  readonly side: Side;
  readonly started: number;
  readonly peer: Peer | undefined;
}

/** A plugin that logs calls, connections and failures, with secrets masked and repeats rate-limited. */
export function logging(options: LoggingOptions = {}): Logging {
  const { logger, redact: keys = secretKeys, clock = () => performance.now() } = options;
  const level = rank[options.level ?? 'info'];
  const enabled = (name: Exclude<LogLevel, 'silent'>) =>
    logger !== undefined && rank[name] >= level && logger.isLevelEnabled?.(name) !== false;
  const debug = enabled('debug');
  const warns = enabled('warn');
  const children = new WeakMap<Peer, ObserveLogger>();
  let peers = 0;
  const loggerOf = (peer: Peer | undefined) => (peer && children.get(peer)) ?? logger!;
  const repeats = new Repeats(options.repeatWindow ?? 10_000, options.repeatBurst ?? 5, (key, count) =>
    logger?.warn({ suppressed: count }, `suppressed ${count} identical lines: ${key}`),
  );
  const warn = (target: ObserveLogger, fields: object, message: string) => {
    if (repeats.admit(message, clock())) target.warn(redact(fields, keys) as object, message);
  };

  const lineOf = (method: string, side: Side, peer: Peer | undefined): CallLine => ({
    method: method.length > MAX_METHOD ? `${method.slice(0, MAX_METHOD)}…` : method,
    side,
    started: clock(),
    peer,
  });
  const watcher: CallWatcher<CallLine> = {
    start: (call, side) => lineOf(call.method, side, call.context?.peer),
    end(line: CallLine, code: StatusCode, error: unknown) {
      const target = loggerOf(line.peer);
      if (debug) {
        const durationMs = clock() - line.started;
        target.debug({ method: line.method, side: line.side, durationMs, code }, 'rpc call');
      }
      // An RpcError is an answer the handler chose; anything else thrown is a fault worth a warning.
      if (line.side === 'server' && code !== 'OK' && !(error instanceof RpcError) && warns) {
        warn(target, { method: line.method, code, error }, `handler ${line.method} failed`);
      }
    },
  };
  const outgoing = debug ? [watchCalls(watcher, 'client')] : [];
  const incoming = debug || warns ? [watchCalls(watcher, 'server')] : [];

  const coreLogger: Logger = {
    debug: (message, detail) => {
      if (debug) logger!.debug(redact({ detail }, keys) as object, redactText(message, keys));
    },
    warn: (message, detail) => {
      if (warns) warn(logger!, { detail }, redactText(message, keys));
    },
    error: (message, detail) => {
      if (enabled('error') && repeats.admit(message, clock()))
        logger!.error(redact({ detail }, keys) as object, redactText(message, keys));
    },
  };

  return {
    name: options.name ?? 'logging',
    logger: coreLogger,
    interceptors: { outgoing, incoming },
    // A call a later plugin refused on admission never reached the interceptors: its line is written here.
    ...(debug ? { refused: (call, error) => watcher.end(lineOf(call.method, 'server', call.peer), error.code, error) } : {}),
    setup(peer) {
      if (!logger) return;
      const id = ++peers;
      children.set(peer, logger.child ? logger.child({ peer: id }) : logger);
    },
    ready(peer) {
      if (enabled('info')) loggerOf(peer).info({}, 'peer connected');
    },
    teardown(peer) {
      if (enabled('info')) loggerOf(peer).info({}, 'peer closed');
      repeats.flush();
      children.delete(peer);
    },
  };
}
