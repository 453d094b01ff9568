/**
 * A client transport over HTTP POST: each message `jsonRpcPeer` sends is one request, and the
 * body of its answer is delivered as a message. Only for calling: a server cannot call back over it.
 */
import { RpcError, type RpcErrorCode } from '../errors.js';
import type { Transport, TransportReceiver } from '../transport.js';
import { fromErrorObject, toErrorObject } from './errors.js';

/** What the HTTP client transport takes: headers, the `fetch` to use and the bound on answers. */
export interface HttpTransportOptions {
  /** Headers sent with every request (an `Authorization` token, say). Default: none beyond `Content-Type`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The `fetch` to use. Default: the global one. */
  readonly fetch?: typeof fetch;
  /** Bytes of a response body read at most; a longer one fails its calls with `RESOURCE_EXHAUSTED`. Default 1 MiB. */
  readonly maxResponseSize?: number;
}

/** The error code of a call whose HTTP request failed with a status; others are `UNAVAILABLE`. */
const statusCodes: Readonly<Record<number, RpcErrorCode>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  413: 'RESOURCE_EXHAUSTED',
  415: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
};

/**
 * The error of an answer with a null id (the server could not read the request, §5): over HTTP it
 * can only be about the request it answers, whose calls would otherwise wait for their timeout.
 */
function nullIdError(body: string): unknown {
  if (!/"id"\s*:\s*null/.test(body)) return undefined; // the common case: no parse
  try {
    const reply = JSON.parse(body) as { id?: unknown; error?: unknown } | null;
    return reply && !Array.isArray(reply) && reply.id === null && reply.error ? reply.error : undefined;
  } catch {
    return undefined;
  }
}

/** The ids of the requests in a message this side sent (read again only when its answer failed). */
function idsOf(text: string): unknown[] {
  const sent = JSON.parse(text) as unknown;
  const items = Array.isArray(sent) ? sent : [sent];
  return items.filter((item) => typeof item === 'object' && item !== null && 'id' in item).map((item) => (item as { id: unknown }).id);
}

class HttpTransport implements Transport {
  /** Text, in fact: `jsonRpcPeer` reads no codec from it. */
  readonly encoding = {};
  readonly initiator = true;
  readonly #url: string;
  readonly #options: HttpTransportOptions;
  readonly #controller = new AbortController();
  #receiver: TransportReceiver | undefined;

  constructor(url: string, options: HttpTransportOptions) {
    this.#url = url;
    this.#options = options;
  }

  start(receiver: TransportReceiver): void {
    this.#receiver = receiver;
  }

  send(message: unknown): void {
    this.#post(message as string).then(
      (body) => {
        if (body === undefined) return;
        const unmatched = nullIdError(body);
        if (unmatched) this.#fail(message as string, fromErrorObject(unmatched));
        else this.#receiver?.message(body);
      },
      (error: unknown) => this.#fail(message as string, error),
    );
  }

  close(): void {
    this.#receiver = undefined;
    this.#controller.abort(new RpcError('CANCELLED', 'the transport closed'));
  }

  async #post(text: string): Promise<string | undefined> {
    const doFetch = this.#options.fetch ?? fetch;
    const response = await doFetch(this.#url, {
      method: 'POST',
      headers: { ...this.#options.headers, 'Content-Type': 'application/json' },
      body: text,
      signal: this.#controller.signal,
    });
    const max = this.#options.maxResponseSize ?? 1 << 20;
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > max) {
      await response.body?.cancel();
      throw new RpcError('RESOURCE_EXHAUSTED', `a response of ${length} bytes, over the limit of ${max}`);
    }
    const body = await response.text();
    if (body.length > max) throw new RpcError('RESOURCE_EXHAUSTED', `a response over the limit of ${max} bytes`);
    if (response.status === 204) return undefined;
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('json')) {
      const code = statusCodes[response.status] ?? 'UNAVAILABLE';
      throw new RpcError(code, `the server answered ${response.status} ${response.statusText}`, { data: { status: response.status } });
    }
    return body;
  }

  /** The request failed as a whole: each call in it gets an error reply, as if the server had sent one. */
  #fail(text: string, error: unknown): void {
    const receiver = this.#receiver;
    if (!receiver) return;
    const reason = error instanceof RpcError ? error : new RpcError('UNAVAILABLE', 'the request failed', { cause: error });
    const replies = idsOf(text).map((id) => ({ jsonrpc: '2.0', id, error: toErrorObject(reason) }));
    if (replies.length > 0) receiver.message(JSON.stringify(replies));
  }
}

/** A transport that sends each message as an HTTP POST to `url` (for `jsonRpcPeer`). */
export function fromHttp(url: string, options: HttpTransportOptions = {}): Transport {
  return new HttpTransport(url, options);
}
