/**
 * The answering half of a comlink peer: reads comlink's APPLY and RELEASE requests, runs the
 * exposed handler (through the incoming interceptors, with a call context when it asks for one)
 * and sends the result or the thrown error back. Apart from `peer.ts`, which keeps the calling half
 * and the proxy bookkeeping both halves use.
 */
import { compose } from '../compose.js';
import { type CallContext, contextHandlerOf, plainContext } from '../context.js';
import { RpcError } from '../errors.js';
import { resolveMethod } from '../lookup.js';
import { transferablesOfAll } from '../transfer.js';
import type { Call, CallHandler, Peer } from '../types.js';
import type { Shared } from './options.js';
import { raw, thrown, type WireRequest, type WireValue } from './wire.js';

/** What the answering half uses of its peer: the wire and the peer's own close. */
export interface AnswerLink {
  post(message: object, transfer: Transferable[]): Promise<void>;
  toWire(value: unknown, ports: Transferable[], what: string): WireValue;
  fromWire(value: unknown, what: string): unknown;
  close(reason: unknown): void;
  isClosed(): boolean;
}

export class Answering {
  /** What this side exposes (the root's API; a child serves `fn` instead). */
  api: object | undefined;
  readonly #link: AnswerLink;
  readonly #shared: Shared;
  /** The function a child serves (a callback this side exported), called with path `[]`. */
  readonly #fn: ((...args: unknown[]) => unknown) | undefined;
  /** The peer handlers see as `ctx.peer`: the root. */
  readonly #root: Peer;
  readonly #incoming: CallHandler | undefined;
  readonly #controllers = new Set<AbortController>();
  #active = 0;

  constructor(link: AnswerLink, shared: Shared, fn: ((...args: unknown[]) => unknown) | undefined, root: Peer, isRoot: boolean) {
    this.#link = link;
    this.#shared = shared;
    this.#fn = fn;
    this.#root = root;
    // A child serves its one function, or nothing: the root's API is not reachable through a proxy's port.
    this.api = isRoot ? shared.options.expose : undefined;
    this.#incoming = isRoot ? compose(shared.options.interceptors?.incoming, (call) => this.#invoke(call)) : undefined;
  }

  /** Handlers running now. */
  get active(): number {
    return this.#active;
  }

  /** Answers one request: RELEASE closes, APPLY runs the handler; anything else is refused. */
  onRequest(request: WireRequest): void {
    const { id, type } = request;
    if (type === 'RELEASE') {
      // The far side dropped its proxy: answer, then close (a child) or stop serving (the root).
      return void this.#link.post({ id, ...raw(undefined) }, []).then(
        () => this.#link.close('released by the far side'),
        () => this.#link.close('released by the far side'),
      );
    }
    let method = '';
    this.#active++;
    const answer = (async () => {
      if (type !== 'APPLY') throw new RpcError('UNIMPLEMENTED', `saltline exposes methods only: comlink's ${type} is refused`);
      method = this.#methodOf(request.path);
      const list = request.argumentList ?? [];
      if (!Array.isArray(list)) throw new RpcError('INVALID_ARGUMENT', 'argumentList is not an array');
      const args = list.map((value, i) => this.#link.fromWire(value, `argument ${i}`));
      return this.#incoming ? this.#intercepted(method, args) : this.#handle(method, args, undefined);
    })();
    answer.then(
      (result) => this.#reply(id, result, method),
      (error: unknown) => this.#replyError(id, error, method),
    );
  }

  #methodOf(path: unknown): string {
    const { maxPathLength } = this.#shared.limits;
    const segments = path ?? [];
    if (!Array.isArray(segments) || segments.length > maxPathLength || !segments.every((s) => typeof s === 'string' && !s.includes('.'))) {
      throw new RpcError('NOT_FOUND', 'no such method is exposed');
    }
    return segments.join('.');
  }

  async #intercepted(method: string, args: unknown[]): Promise<unknown> {
    const controller = this.#controller();
    try {
      const context = plainContext(method, controller.signal, this.#root);
      const call: Call = { method, args, meta: {}, signal: controller.signal, timeout: Infinity, resultMeta: undefined, context };
      return await this.#incoming!(call);
    } finally {
      this.#controllers.delete(controller);
    }
  }

  #invoke(call: Call): Promise<unknown> {
    return this.#handle(call.method, call.args as unknown[], call.context);
  }

  async #handle(method: string, args: unknown[], context: CallContext | undefined): Promise<unknown> {
    if (this.#active > this.#shared.limits.maxActiveHandlers) {
      throw new RpcError('RESOURCE_EXHAUSTED', `more than ${this.#shared.limits.maxActiveHandlers} calls running`);
    }
    const resolved = this.#fn
      ? method === ''
        ? { fn: this.#fn, self: undefined }
        : undefined
      : method === ''
        ? undefined
        : resolveMethod(this.api, method);
    if (!resolved) throw new RpcError('NOT_FOUND', `no method ${JSON.stringify(method.slice(0, 100))} is exposed`);
    const takesContext = contextHandlerOf(resolved.fn);
    if (!takesContext) return resolved.fn.apply(resolved.self, args);
    if (context) return takesContext.call(resolved.self, context, ...args);
    const controller = this.#controller();
    try {
      return await takesContext.call(resolved.self, plainContext(method, controller.signal, this.#root), ...args);
    } finally {
      this.#controllers.delete(controller);
    }
  }

  #controller(): AbortController {
    const controller = new AbortController();
    this.#controllers.add(controller);
    return controller;
  }

  #reply(id: string, result: unknown, method: string): void {
    if (this.#link.isClosed()) return; // close forgot every running handler
    this.#active--;
    const ports: Transferable[] = [];
    let wire: WireValue;
    try {
      wire = this.#link.toWire(result, ports, 'the result');
    } catch (error) {
      return this.#replyError(id, error, method, false);
    }
    this.#link
      .post({ id, ...wire }, [...(transferablesOfAll([result]) ?? []), ...ports])
      .catch((error: unknown) => this.#replyError(id, error, method, false));
  }

  #replyError(id: string, error: unknown, method: string, counted = true): void {
    if (this.#link.isClosed()) return;
    if (counted) this.#active--;
    const { onSendError, exposeStacks, logger } = this.#shared.options;
    if (onSendError) {
      try {
        error = onSendError(error, { method }) ?? error;
      } catch (hookError) {
        logger?.warn?.("comlink: onSendError threw; only the error's name and message go", hookError);
      }
    }
    this.#link
      .post({ id, ...thrown(error, exposeStacks === true) }, [])
      .catch(() => this.#link.post({ id, ...thrown(new TypeError('Unserializable error'), false) }, []).catch(() => {}));
  }

  /** The peer closed: running handlers are aborted with `error` and forgotten. */
  shutdown(error: RpcError): void {
    for (const controller of this.#controllers) controller.abort(error);
    this.#controllers.clear();
    this.#active = 0;
  }
}
