/**
 * The answering half of JSON-RPC 2.0: one received text in, the text to send back out (or
 * nothing). Every check a hostile sender can trip comes before any allocation it drives: size,
 * nesting depth (before parsing), batch length, then each request's shape, with the error
 * responses §5.1 specifies. Used by `jsonRpcPeer` and by the HTTP handler.
 */
import { compose } from '../compose.js';
import { type CallContext, contextHandlerOf, plainContext } from '../context.js';
import { RpcError } from '../errors.js';
import { resolveMethod } from '../lookup.js';
import type { Call, CallHandler, Peer } from '../types.js';
import {
  INTERNAL_ERROR,
  INVALID_REQUEST,
  type JsonRpcErrorObject,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  protocolError,
  toErrorObject,
} from './errors.js';
import { nestsWithin, unsendable } from './json.js';
import type { JsonRpcServeOptions, ResolvedLimits } from './limits.js';

/** A request's id as JSON-RPC 2.0 allows it; answers to a request whose id could not be read carry `null`. */
export type JsonRpcId = string | number | null;

/** A response object as sent. */
export interface JsonRpcResponse {
  readonly jsonrpc: '2.0';
  readonly id: JsonRpcId;
  readonly result?: unknown;
  readonly error?: JsonRpcErrorObject;
}

/** Receives the response objects found in what arrived (a peer's replies to its own calls). */
export type ResponseSink = (response: Record<string, unknown>) => void;

/** LSP's notification that cancels a request. */
export const DEFAULT_CANCEL_METHOD = '$/cancelRequest';

/** Errors the method lookup throws, so the chain's outcome maps to -32601 and not to a handler's NOT_FOUND. */
const missing = new WeakSet<object>();

function failure(id: JsonRpcId, error: JsonRpcErrorObject): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error };
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || value === null;
}

/** Answers JSON-RPC 2.0 texts against an API: one text in, the text to send back (or nothing) out. */
export class JsonRpcServer {
  api: object | undefined;
  /** Requests whose handlers are running (forgotten on close, like the core's). */
  active = 0;
  /** Bumped on close: handlers that settle after it no longer count down `active`. */
  #epoch = 0;
  /** Messages and requests refused as malformed. */
  malformed = 0;

  readonly #options: JsonRpcServeOptions;
  readonly #limits: ResolvedLimits;
  readonly #peer: Peer | undefined;
  readonly #incoming: CallHandler | undefined;
  readonly #controllers = new Set<AbortController>();
  /** Running requests whose handler can see a signal, by id: what a cancel notification aborts. */
  readonly #cancellable = new Map<JsonRpcId, AbortController>();
  readonly #cancelMethod: string | false;

  constructor(options: JsonRpcServeOptions, limits: ResolvedLimits, peer: Peer | undefined) {
    this.api = options.expose;
    this.#options = options;
    this.#limits = limits;
    this.#peer = peer;
    this.#incoming = compose(options.interceptors?.incoming, (call) => this.#invoke(call));
    this.#cancelMethod = options.cancelMethod ?? DEFAULT_CANCEL_METHOD;
  }

  /**
   * Answers one received text: the response text, or `undefined` when nothing is owed (only
   * notifications, or only responses, which go to `onResponse`; without one they are refused).
   */
  async receive(text: string, onResponse?: ResponseSink): Promise<string | undefined> {
    const answer = await this.answer(text, onResponse);
    return answer === undefined ? undefined : JSON.stringify(answer);
  }

  async answer(text: string, onResponse?: ResponseSink): Promise<JsonRpcResponse | JsonRpcResponse[] | undefined> {
    const { maxMessageSize, maxDepth, maxBatch } = this.#limits;
    if (text.length > maxMessageSize) {
      return this.#refuse(INVALID_REQUEST, `a message of ${text.length} characters, over the limit of ${maxMessageSize}`);
    }
    if (!nestsWithin(text, maxDepth)) return this.#refuse(INVALID_REQUEST, `a message nested deeper than ${maxDepth} levels`);
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return this.#refuse(PARSE_ERROR);
    }
    if (!Array.isArray(message)) return this.#one(message, onResponse);
    if (message.length === 0) return this.#refuse(INVALID_REQUEST, 'an empty batch');
    if (message.length > maxBatch) return this.#refuse(INVALID_REQUEST, `a batch of ${message.length}, over the limit of ${maxBatch}`);
    const answers = await Promise.all(message.map((item) => this.#one(item, onResponse)));
    const sent = answers.filter((answer): answer is JsonRpcResponse => answer !== undefined);
    return sent.length > 0 ? sent : undefined;
  }

  /** Aborts every running handler's signal (the peer closed). */
  abortAll(reason: unknown): void {
    for (const controller of this.#controllers) controller.abort(reason);
    this.#controllers.clear();
    this.#cancellable.clear();
    this.active = 0;
    this.#epoch++;
  }

  #refuse(code: number, detail?: string, id: JsonRpcId = null): JsonRpcResponse {
    this.malformed++;
    return failure(id, protocolError(code, detail));
  }

  async #one(item: unknown, onResponse: ResponseSink | undefined): Promise<JsonRpcResponse | undefined> {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return this.#refuse(INVALID_REQUEST);
    const request = item as Record<string, unknown>;
    const hasId = 'id' in request;
    const id = request.id;
    if (hasId && !isId(id)) return this.#refuse(INVALID_REQUEST, 'id must be a string, a number or null');
    if (onResponse && !('method' in request) && ('result' in request || 'error' in request)) {
      onResponse(request);
      return undefined;
    }
    const replyId = hasId ? (id as JsonRpcId) : null;
    if (request.jsonrpc !== '2.0') return this.#refuse(INVALID_REQUEST, 'jsonrpc must be "2.0"', replyId);
    const { method, params } = request;
    if (typeof method !== 'string') return this.#refuse(INVALID_REQUEST, 'method must be a string', replyId);
    if (params !== undefined && (typeof params !== 'object' || params === null)) {
      return this.#refuse(INVALID_REQUEST, 'params must be an array or an object', replyId);
    }
    const args = params === undefined ? [] : Array.isArray(params) ? params : [params];
    if (!hasId) {
      if (method === this.#cancelMethod) return this.#cancel(args[0]);
      return void this.#notify(method, args);
    }
    if (this.active >= this.#limits.maxActiveHandlers) {
      const busy = new RpcError('RESOURCE_EXHAUSTED', `more than ${this.#limits.maxActiveHandlers} requests running`);
      return failure(replyId, toErrorObject(busy));
    }
    return this.#run(replyId, method, args);
  }

  /** The caller gave up on a request: its handler's signal aborts (the reply, if any, is still sent). */
  #cancel(params: unknown): undefined {
    const id = (params as { id?: unknown } | undefined)?.id;
    if (!isId(id)) return;
    const controller = this.#cancellable.get(id);
    this.#cancellable.delete(id);
    controller?.abort(new RpcError('CANCELLED', 'the caller cancelled'));
  }

  async #notify(method: string, args: unknown[]): Promise<void> {
    if (this.active >= this.#limits.maxActiveHandlers) {
      return this.#options.logger?.warn?.(`jsonrpc: notification ${method} dropped: too many requests running`);
    }
    try {
      await this.#call(method, args, undefined);
    } catch (error) {
      this.#options.logger?.warn?.(`jsonrpc: notification ${method} failed`, error);
    }
  }

  async #run(id: JsonRpcId, method: string, args: unknown[]): Promise<JsonRpcResponse> {
    let result: unknown;
    try {
      result = await this.#call(method, args, id);
    } catch (error) {
      return failure(id, this.#errorObject(error, method));
    }
    const why = unsendable(result, this.#limits.maxDepth, 'the result');
    if (why) return failure(id, { code: INTERNAL_ERROR, message: why, data: { code: 'INTERNAL', name: 'RpcError' } });
    return { jsonrpc: '2.0', id, result: result === undefined ? null : result };
  }

  #errorObject(error: unknown, method: string): JsonRpcErrorObject {
    if (typeof error === 'object' && error !== null && missing.has(error)) return protocolError(METHOD_NOT_FOUND);
    const { onSendError, logger } = this.#options;
    if (onSendError) {
      try {
        error = onSendError(error, { method }) ?? error;
      } catch (hookError) {
        logger?.warn?.("jsonrpc: onSendError threw; only the error's code goes", hookError);
        return toErrorObject(new RpcError('UNKNOWN', 'the handler failed'));
      }
    }
    return toErrorObject(error);
  }

  /** One request (`id` undefined: a notification) through the incoming interceptors, when there are any, to its handler. */
  async #call(method: string, args: unknown[], id: JsonRpcId | undefined): Promise<unknown> {
    this.active++;
    const epoch = this.#epoch;
    let controller: AbortController | undefined;
    try {
      const incoming = this.#incoming;
      if (!incoming) return await this.#handle(method, args, undefined, id);
      controller = this.#controller(id);
      const context = plainContext(method, controller.signal, this.#peer);
      const call: Call = {
        method,
        args,
        meta: {},
        signal: controller.signal,
        timeout: Infinity,
        resultMeta: undefined,
        context,
        notification: id === undefined,
      };
      return await incoming(call);
    } finally {
      if (epoch === this.#epoch) this.active--;
      if (controller) this.#release(controller, id);
    }
  }

  /** A signal for one handler, aborted when the peer closes or (for a request) when its caller cancels. */
  #controller(id: JsonRpcId | undefined): AbortController {
    const controller = new AbortController();
    this.#controllers.add(controller);
    if (id !== undefined && this.#cancelMethod !== false && !this.#cancellable.has(id)) this.#cancellable.set(id, controller);
    return controller;
  }

  #release(controller: AbortController, id: JsonRpcId | undefined): void {
    this.#controllers.delete(controller);
    if (id !== undefined && this.#cancellable.get(id) === controller) this.#cancellable.delete(id);
  }

  #invoke(call: Call): Promise<unknown> {
    return this.#handle(call.method, call.args as unknown[], call.context, undefined);
  }

  async #handle(method: string, args: unknown[], context: CallContext | undefined, id: JsonRpcId | undefined): Promise<unknown> {
    const resolved = method.startsWith('rpc.') ? undefined : resolveMethod(this.api, method);
    if (!resolved) {
      const error = new RpcError('NOT_FOUND', `no method ${JSON.stringify(method.slice(0, 100))} is exposed`);
      missing.add(error);
      throw error;
    }
    const takesContext = contextHandlerOf(resolved.fn);
    if (!takesContext) return resolved.fn.apply(resolved.self, args);
    if (context) return takesContext.call(resolved.self, context, ...args);
    const controller = this.#controller(id);
    try {
      return await takesContext.call(resolved.self, plainContext(method, controller.signal, this.#peer), ...args);
    } finally {
      this.#release(controller, id);
    }
  }
}
