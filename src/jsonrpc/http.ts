/* biome-ignore-all lint/suspicious/noExplicitAny: shapes of Node's http request and response */
/**
 * JSON-RPC 2.0 over HTTP POST, served: `handleJsonRpcHttp(api)` is a fetch-style handler
 * (`(Request) => Promise<Response>`: Deno, Bun, workers, Node's `fetch` servers), and
 * `jsonRpcNodeListener(api)` the same for Node's `http.createServer`. One body is one message
 * (a request or a batch); the answer is its response, or 204 when only notifications came.
 */
import { publicError } from '../errors.js';
import { assertExposable } from '../lookup.js';
import { INVALID_REQUEST, PARSE_ERROR, protocolError } from './errors.js';
import { type JsonRpcServeOptions, resolveLimits, withJsonRpcPlugins } from './limits.js';
import { JsonRpcServer } from './server.js';

/** What the HTTP handlers take: the serving options, less `expose` (the API is their first argument). */
export interface JsonRpcHttpOptions extends Omit<JsonRpcServeOptions, 'expose'> {}

/** An HTTP answer before it takes the platform's form. */
interface Answer {
  readonly status: number;
  readonly body?: string;
  /** Headers, `Content-Type` among them when there is a body. */
  readonly headers?: Record<string, string>;
}

const JSON_TYPE = 'application/json';
const jsonType = { 'Content-Type': JSON_TYPE };
const textType = { 'Content-Type': 'text/plain; charset=utf-8' };
const decoder = new TextDecoder('utf-8', { fatal: true });

function errorAnswer(code: number, detail: string, status = 200): Answer {
  return { status, body: JSON.stringify({ jsonrpc: '2.0', id: null, error: protocolError(code, detail) }), headers: jsonType };
}

/** The part both forms share: method and type checks, the size cap, then the server. */
function httpCore(api: object, options: JsonRpcHttpOptions) {
  assertExposable(api);
  const limits = resolveLimits(options.limits);
  // Network-facing: handler errors go out as name, message and code unless told otherwise.
  const serving = withJsonRpcPlugins({ ...options, onSendError: options.onSendError ?? publicError, expose: api });
  const server = new JsonRpcServer(serving, limits, undefined);
  return {
    maxBytes: limits.maxMessageSize,
    /** Checks what can be checked before the body is read; an answer means refuse. */
    precheck(method: string, contentType: string | null | undefined, length: string | null | undefined): Answer | undefined {
      if (method !== 'POST') return { status: 405, body: 'Method Not Allowed\n', headers: { ...textType, Allow: 'POST' } };
      // application/json only: a cross-origin page cannot send it without a CORS preflight.
      if (!contentType || contentType.split(';')[0]!.trim().toLowerCase() !== JSON_TYPE) {
        return { status: 415, body: `Unsupported Media Type: send ${JSON_TYPE}\n`, headers: textType };
      }
      if (length && Number(length) > limits.maxMessageSize) return tooLarge(limits.maxMessageSize);
      return undefined;
    },
    async answer(bytes: Uint8Array): Promise<Answer> {
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        return errorAnswer(PARSE_ERROR, 'the body is not UTF-8');
      }
      const body = await server.receive(text);
      return body === undefined ? { status: 204 } : { status: 200, body, headers: jsonType };
    },
  };
}

/** 413, and the connection closes after it: the rest of the body is never read. */
function tooLarge(max: number): Answer {
  const answer = errorAnswer(INVALID_REQUEST, `the body is over the limit of ${max} bytes`, 413);
  return { ...answer, headers: { ...answer.headers, Connection: 'close' } };
}

/** Reads a body of at most `max` bytes; `undefined` past it (the rest is not read). */
async function readCapped(chunks: AsyncIterable<Uint8Array>, max: number): Promise<Uint8Array | undefined> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > max) return undefined;
    parts.push(chunk);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.byteLength;
  }
  return body;
}

async function* streamChunks(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/**
 * Serves `api` over JSON-RPC 2.0 for fetch-style servers: POST with `Content-Type:
 * application/json` only (405, 415 otherwise), bodies up to `limits.maxMessageSize` (413 past it).
 * JSON-RPC errors are 200 with an error response; handler errors go through `onSendError`
 * (default `publicError`).
 */
export function handleJsonRpcHttp(api: object, options: JsonRpcHttpOptions = {}): (request: Request) => Promise<Response> {
  const core = httpCore(api, options);
  const respond = (answer: Answer) => new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
  return async (request) => {
    const refused = core.precheck(request.method, request.headers.get('content-type'), request.headers.get('content-length'));
    if (refused) return respond(refused);
    const body = request.body ? await readCapped(streamChunks(request.body), core.maxBytes) : new Uint8Array(0);
    return respond(body ? await core.answer(body) : tooLarge(core.maxBytes));
  };
}

/** Node's `IncomingMessage`, as far as the listener reads it. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array> {
  readonly method?: string;
  readonly headers: Record<string, string | string[] | undefined>;
  resume(): unknown;
}

/** Node's `ServerResponse`, as far as the listener writes it. */
export interface NodeResponseLike {
  writeHead(status: number, headers?: Record<string, string>): unknown;
  end(body?: string): unknown;
}

/**
 * The same as `handleJsonRpcHttp`, as a listener for Node's `http.createServer(listener)` (or one
 * route of it): `http.createServer(jsonRpcNodeListener(api)).listen(8080)`.
 */
export function jsonRpcNodeListener(
  api: object,
  options: JsonRpcHttpOptions = {},
): (request: NodeRequestLike, response: NodeResponseLike) => void {
  const core = httpCore(api, options);
  const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const respond = (response: NodeResponseLike, answer: Answer) => {
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
  };
  return (request, response) => {
    const refused = core.precheck(
      request.method ?? 'GET',
      header(request.headers['content-type']),
      header(request.headers['content-length']),
    );
    if (refused) {
      request.resume(); // drain what was sent, unread
      return respond(response, refused);
    }
    readCapped(request, core.maxBytes)
      .then((body) => (body ? core.answer(body) : (request.resume(), tooLarge(core.maxBytes))))
      .then(
        (answer) => respond(response, answer),
        (error: unknown) => {
          options.logger?.warn?.('jsonrpc: an HTTP request failed', error);
          respond(response, { status: 400, body: 'Bad Request\n', headers: textType });
        },
      );
  };
}
