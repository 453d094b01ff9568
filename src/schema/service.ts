/**
 * Service descriptors at run time: what generated code (and `defineService`) hands to
 * `peer.remote(Service)` and `implement(Service, handlers)`. The exposing side validates every
 * argument before its handler runs (a bad call is `INVALID_ARGUMENT` listing each issue);
 * results are normalized always and validated in strict mode.
 *
 * Wire names: a method is called as `<service>@<major>.<method>`, where the service's full name
 * is dotted (`acme.notes.Notes@2.get`), so two majors can be exposed side by side.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { CachePolicy } from '../cache/policy.js';
import { type CallContext, withContext } from '../context.js';
import { RpcError, type RpcErrorCode } from '../errors.js';
import type { CallOptions, Peer } from '../types.js';
import { Context, type Decode, type Issue, MAX_ISSUES } from './validate.js';
import { farServices } from './versions.js';

/** Anything with `~standard`: saltline's own validators, zod, valibot, arktype. */
export type AnySchema = StandardSchemaV1<unknown, unknown>;

/** One parameter of a method and its validator. */
export interface ParamSpec {
  readonly name: string;
  readonly schema: AnySchema;
  readonly optional?: boolean;
  readonly default?: unknown;
  /** A stream parameter: items are validated as they arrive. */
  readonly stream?: boolean;
}

/** What a service descriptor knows of one method: its kind, parameters and result, for validation. */
export interface MethodSpec {
  readonly kind: 'call' | 'notify';
  /** Parameters travel as one map (`{ }` in the IDL) instead of an array. */
  readonly named?: boolean;
  readonly params: readonly ParamSpec[];
  readonly result?: AnySchema;
  /** The result is a stream of `result` items. */
  readonly stream?: boolean;
  /** The service version that added the method, `[major, minor]`. */
  readonly since?: readonly [number, number];
  readonly timeout?: number;
  readonly idempotent?: boolean;
  /** The method's `@cache` annotation as the cache plugin's policy; `implement` applies it through `options.cached`. */
  readonly cache?: CachePolicy;
}

/** A service as generated code (or `defineService`) describes it: name, version, methods; `peer.remote(descriptor)` builds its client. */
export interface ServiceDescriptor<Client = unknown, Handlers = unknown> {
  readonly name: string;
  readonly major: number;
  readonly minor: number;
  /** A hash of the service's canonical IDL: equal versions with different hashes have drifted. */
  readonly hash: string;
  readonly methods: Readonly<Record<string, MethodSpec>>;
  /** `peer.remote(Service)` builds the typed client through this. */
  readonly '~remote': (peer: Peer) => Client;
  /** Carries the handler type for `implement`. */
  readonly '~handlers'?: Handlers;
}

/** How a generated client or `implement` validates. */
export interface ServiceOptions {
  /** Validate results too (the exposing side before sending, the caller on receipt). Default: implement true, clients false. */
  readonly strict?: boolean;
  /**
   * `cached` from `saltline/cache`: `implement` wraps each method that has a cache policy (`@cache`)
   * with it. Passed in rather than imported so an app that caches nothing never bundles the cache.
   * Default none: policies are ignored and every call runs its handler.
   */
  readonly cached?: (policy: CachePolicy, handler: (...args: never[]) => unknown) => unknown;
}

/** A descriptor; generated code calls this. */
export function service<C, H>(
  name: string,
  version: readonly [number, number],
  hash: string,
  methods: Record<string, MethodSpec>,
): ServiceDescriptor<C, H> {
  const descriptor: ServiceDescriptor<C, H> = {
    name,
    major: version[0],
    minor: version[1],
    hash,
    methods,
    '~remote': (peer) => client(peer, descriptor),
  };
  return descriptor;
}

/** The wire name of a method: `acme.notes.Notes@2.get`. */
export function wireName(descriptor: ServiceDescriptor, method: string): string {
  return `${descriptor.name}@${descriptor.major}.${method}`;
}

/** Validates one value with any Standard Schema, synchronously when the schema allows (saltline's always do). */
function validate(schema: AnySchema, value: unknown, ctx: Context): unknown {
  const own = (schema as { '~decode'?: Decode })['~decode'];
  if (own) return own(value, ctx);
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) {
    ctx.issue('asynchronous schemas are not supported for RPC arguments');
    return value;
  }
  if (result.issues) {
    for (const issue of result.issues) {
      if (ctx.issues.length >= MAX_ISSUES) break;
      const path = (issue.path ?? []).map((p) => (typeof p === 'object' ? (p.key as string | number) : (p as string | number)));
      ctx.issues.push({ message: issue.message, path: [...ctx.path, ...path] });
    }
    return value;
  }
  return result.value;
}

function invalid(what: string, issues: readonly Issue[], code: RpcErrorCode = 'INVALID_ARGUMENT'): RpcError {
  const first = issues[0]!;
  const where = first.path.length ? ` at ${first.path.join('.')}` : '';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new RpcError(code, `${what}: ${first.message}${where}${more}`, { data: { issues } });
}

/** Async iterable whose items are validated one by one; a bad item throws `code`. */
async function* checkedItems(
  source: AsyncIterable<unknown>,
  schema: AnySchema,
  what: string,
  strict: boolean,
  code: RpcErrorCode,
  tolerant = false,
): AsyncGenerator<unknown> {
  let index = 0;
  for await (const item of source) {
    const ctx = new Context(tolerant);
    ctx.path.push(index++);
    const out = validate(schema, item, ctx);
    if (ctx.issues.length && strict) throw invalid(what, ctx.issues, code);
    yield out;
  }
}

/** Decodes the arguments of a call: positional ones from the array, named ones from its single map. */
function decodeArgs(spec: MethodSpec, args: readonly unknown[], method: string): unknown[] {
  const ctx = new Context();
  const out: unknown[] = [];
  const source = spec.named ? args[0] : undefined;
  if (
    spec.named &&
    (typeof source !== 'object' || source === null || Array.isArray(source)) &&
    !(source === undefined && args.length === 0)
  ) {
    ctx.issue('expected the named parameters as one map');
  } else if (!spec.named && args.length > spec.params.length) {
    ctx.issue(`takes at most ${spec.params.length} arguments, got ${args.length}`);
  }
  const named: Record<string, unknown> = {};
  spec.params.forEach((p, i) => {
    ctx.path.push(p.name);
    const raw = spec.named
      ? source && Object.hasOwn(source as object, p.name)
        ? (source as Record<string, unknown>)[p.name]
        : undefined
      : args[i];
    let value: unknown;
    if (raw == null) {
      if (p.default !== undefined) value = p.default;
      else if (!p.optional) ctx.issue('is required');
    } else if (p.stream) {
      if (typeof (raw as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') ctx.issue('expected a stream');
      else value = checkedItems(raw as AsyncIterable<unknown>, p.schema, `${method}: ${p.name}`, true, 'INVALID_ARGUMENT');
    } else value = validate(p.schema, raw, ctx);
    ctx.path.pop();
    if (spec.named) {
      if (value !== undefined) named[p.name] = value;
    } else out.push(value);
  });
  if (ctx.issues.length) throw invalid(`invalid arguments to ${method}`, ctx.issues);
  return spec.named ? [named] : out;
}

/** Decodes a result; `tolerant` when a client reads it (a newer server's enum members become `$unknown`). */
function decodeResult(spec: MethodSpec, value: unknown, method: string, strict: boolean, tolerant: boolean): unknown {
  if (!spec.result) return value;
  if (spec.stream) {
    if (typeof (value as AsyncIterable<unknown>)?.[Symbol.asyncIterator] !== 'function') return value;
    return checkedItems(value as AsyncIterable<unknown>, spec.result, `${method} result`, strict, 'INTERNAL', tolerant);
  }
  const ctx = new Context(tolerant);
  const out = validate(spec.result, value, ctx);
  if (ctx.issues.length) {
    if (strict) throw invalid(`invalid result of ${method}`, ctx.issues, 'INTERNAL');
    return value;
  }
  return out;
}

/**
 * The exposable object of a service: each handler runs with validated, normalized arguments and
 * the call's context last. Expose it, or merge several with `services(...)`.
 */
export function implement<H>(
  descriptor: ServiceDescriptor<unknown, H>,
  handlers: H,
  options: ServiceOptions = {},
): Record<string, unknown> {
  const strict = options.strict ?? true;
  const methods: Record<string, unknown> = Object.create(null);
  for (const [name, spec] of Object.entries(descriptor.methods)) {
    const handler = (handlers as Record<string, unknown>)[name];
    if (typeof handler !== 'function') throw new TypeError(`implement(${descriptor.name}): no handler for '${name}'`);
    const label = `${descriptor.name}.${name}`;
    const validated = withContext(async (ctx: CallContext, ...args: unknown[]) => {
      const decoded = decodeArgs(spec, args, label);
      const result = await (handler as (...a: unknown[]) => unknown)(...decoded, ctx);
      // A handler that returns a bad result is a bug on this side: INTERNAL, not the caller's fault.
      return strict ? decodeResult(spec, result, label, true, false) : result;
    });
    methods[name] = spec.cache && options.cached ? options.cached(spec.cache, validated) : validated;
  }
  // Nested by the dotted name, as the core's lookup walks it: { acme: { notes: { 'Notes@2': methods } } }.
  const root: Record<string, unknown> = {};
  let node = root;
  const parts = `${descriptor.name}@${descriptor.major}`.split('.');
  parts.forEach((part, i) => {
    node = (node[part] = i === parts.length - 1 ? { ...methods } : {}) as Record<string, unknown>;
  });
  return root;
}

/** Merges exposable objects (several services, or two majors of one) into one to expose. */
export function services(...apis: Record<string, unknown>[]): Record<string, unknown> {
  const merge = (into: Record<string, unknown>, from: Record<string, unknown>, path: string) => {
    for (const [key, value] of Object.entries(from)) {
      const existing = into[key];
      if (existing === undefined) into[key] = value;
      else if (typeof existing === 'object' && typeof value === 'object' && existing && value) {
        into[key] = { ...(existing as object) };
        merge(into[key] as Record<string, unknown>, value as Record<string, unknown>, `${path}${key}.`);
      } else throw new TypeError(`services(): '${path}${key}' is exposed twice`);
    }
  };
  const root: Record<string, unknown> = {};
  for (const api of apis) merge(root, api, '');
  return root;
}

function isCallOptions(value: unknown): value is CallOptions {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A typed client: each method sends `<service>@<major>.<method>`. Before sending it checks what
 * the far side announced (with the `versions` plugin): a method newer than the far side's minor
 * fails locally with `UNIMPLEMENTED`; no shared major fails with `FAILED_PRECONDITION`.
 */
export function client<C>(peer: Peer, descriptor: ServiceDescriptor<C>, options: ServiceOptions = {}): C {
  const strict = options.strict ?? false;
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(descriptor.methods)) {
    const wire = wireName(descriptor, name);
    const label = `${descriptor.name}.${name}`;
    const arity = spec.named ? 1 : spec.params.length;
    if (spec.kind === 'notify') {
      out[name] = (...args: unknown[]) => {
        const far = farServices(peer);
        if (far && !far.settled) {
          far.done.then(() => preflight(far.value, descriptor, name, spec) === undefined && peer.notify(wire, ...args));
        } else if (!far || preflight(far.value, descriptor, name, spec) === undefined) peer.notify(wire, ...args);
      };
      continue;
    }
    out[name] = (...args: unknown[]) => {
      const options = args.length > arity && isCallOptions(args[args.length - 1]) ? (args.pop() as CallOptions) : undefined;
      const send = () => {
        const result = peer.call(wire, args, { timeout: spec.timeout, ...options });
        if (spec.stream) return wrapStream(result, (v) => decodeResult(spec, v, label, strict, true));
        return result.then((v) => decodeResult(spec, v, label, strict, true));
      };
      const far = farServices(peer);
      if (!far) return send();
      const go = () => {
        const refusal = preflight(far.value, descriptor, name, spec);
        if (refusal) throw refusal;
        return send();
      };
      return far.settled ? go() : far.done.then(go);
    };
  }
  return out as C;
}

/** Keeps `for await (const x of client.watch())` working on the promise of a streaming call. */
function wrapStream(result: Promise<unknown>, decode: (v: unknown) => unknown): Promise<unknown> {
  const decoded = result.then(decode) as Promise<unknown> & { [Symbol.asyncIterator]?: () => AsyncIterator<unknown> };
  decoded[Symbol.asyncIterator] = () => {
    let inner: AsyncIterator<unknown> | undefined;
    const open = async () => (inner ??= ((await decoded) as AsyncIterable<unknown>)[Symbol.asyncIterator]());
    return {
      next: async () => (await open()).next(),
      return: async (value?: unknown) => (await open()).return?.(value) ?? { value, done: true },
    };
  };
  return decoded;
}

/** Why a call must not be sent given what the far side provides, or undefined to send it. */
export function preflight(
  far: Readonly<Record<string, Readonly<Record<string, readonly [number, string]>>>> | undefined,
  descriptor: ServiceDescriptor,
  method: string,
  spec: MethodSpec,
): RpcError | undefined {
  if (!far) return undefined;
  const majors = far[descriptor.name];
  if (!majors)
    return new RpcError('FAILED_PRECONDITION', `the far side does not provide ${descriptor.name}`, { data: { reason: 'NO_SERVICE' } });
  const offered = majors[String(descriptor.major)];
  if (!offered) {
    const list = Object.keys(majors).join(', ');
    return new RpcError(
      'FAILED_PRECONDITION',
      `no common major version of ${descriptor.name}: this side speaks ${descriptor.major}, the far side ${list}`,
      {
        data: { reason: 'NO_COMMON_MAJOR', local: descriptor.major, remote: Object.keys(majors).map(Number) },
      },
    );
  }
  if (spec.since && spec.since[1] > offered[0]) {
    return new RpcError(
      'UNIMPLEMENTED',
      `${descriptor.name}.${method} is new in ${spec.since.join('.')}; the far side serves ${descriptor.major}.${offered[0]}`,
    );
  }
  return undefined;
}

/** A declared error: its code and typed fields, carried in the `RpcError`'s data with its name as `type`. */
export interface ErrorType<D> {
  readonly name: string;
  readonly code: RpcErrorCode;
  /** The RpcError to throw from a handler. */
  create(data: D, message?: string): RpcError;
  /** Whether an error is this one (by its code and the `type` in its data). */
  is(error: unknown): error is RpcError & { readonly data: D & { readonly type: string } };
}

/** An error the IDL declares: its name and status code, so handlers throw it and callers recognise it. */
export function errorType<D>(name: string, code: RpcErrorCode, _fields: Record<string, unknown>): ErrorType<D> {
  return {
    name,
    code,
    create: (data, message) => new RpcError(code, message ?? name, { data: { type: name, ...data } }),
    is: (error): error is RpcError & { readonly data: D & { readonly type: string } } =>
      error instanceof RpcError && error.code === code && (error.data as { type?: unknown } | undefined)?.type === name,
  };
}
