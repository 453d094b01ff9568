/**
 * Code-first services: `defineService(name, version, methods)` with any Standard Schema
 * validators (zod, valibot, arktype) gives the same descriptor the IDL generator emits, so
 * `implement` and `peer.remote` validate alike. `exportIdl` writes such services as `.saltline`
 * text (through Standard JSON Schema where the library offers it) so `saltline check` covers them.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { CallContext } from '../context.js';
import type { CallOptions } from '../types.js';
import { INT_RANGES } from './ast.js';
import { type AnySchema, type MethodSpec, type ServiceDescriptor, service } from './service.js';
import { valibotJsonSchema } from './valibot-json.js';

/** One method of a code-first service: its parameters and result as Standard Schema validators. */
export interface CodeFirstMethod {
  /** Positional parameters as a list of schemas, or named ones as a map. */
  readonly params: readonly AnySchema[] | Readonly<Record<string, AnySchema>>;
  readonly result?: AnySchema;
  /** A notification: no result comes back. Default false. */
  readonly notify?: boolean;
  /** The result is a stream of `result` items. Default false. */
  readonly stream?: boolean;
  /** The version that added the method, e.g. "2.1". Default: none. */
  readonly since?: string;
}

type In<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferInput<S> : never;
type Out<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : never;
type ArgsIn<P> = P extends readonly AnySchema[] ? { -readonly [K in keyof P]: In<P[K]> } : [{ [K in keyof P]: In<P[K]> }];
type ArgsOut<P> = P extends readonly AnySchema[] ? { -readonly [K in keyof P]: Out<P[K]> } : [{ [K in keyof P]: Out<P[K]> }];
// biome-ignore lint/suspicious/noConfusingVoidType: a method without a result resolves to nothing, and its handler may return nothing
type ResultOf<M extends CodeFirstMethod> = M['result'] extends AnySchema ? Out<M['result']> : void;
type List<T> = T extends unknown[] ? T : never;

export type ClientOf<T extends Record<string, CodeFirstMethod>> = {
  [K in keyof T]: T[K]['notify'] extends true
    ? (...args: List<ArgsIn<T[K]['params']>>) => void
    : (...args: [...List<ArgsIn<T[K]['params']>>, options?: CallOptions]) => Promise<ResultOf<T[K]>>;
};
export type HandlersOf<T extends Record<string, CodeFirstMethod>> = {
  [K in keyof T]: (...args: [...List<ArgsOut<T[K]['params']>>, ctx: CallContext]) => ResultOf<T[K]> | Promise<ResultOf<T[K]>>;
};

/** A service described in code (zod, valibot, any Standard Schema) instead of IDL: `implement` and `remote` treat it like a generated one. */
export function defineService<const T extends Record<string, CodeFirstMethod>>(
  name: string,
  version: string,
  methods: T,
): ServiceDescriptor<ClientOf<T>, HandlersOf<T>> {
  const match = /^(\d+)\.(\d+)$/.exec(version);
  if (!match) throw new TypeError(`defineService(${name}): version must look like "2.1", not ${JSON.stringify(version)}`);
  const specs: Record<string, MethodSpec> = {};
  for (const [key, m] of Object.entries(methods)) {
    const named = !Array.isArray(m.params);
    const params = named
      ? Object.entries(m.params as Record<string, AnySchema>).map(([n, schema]) => ({ name: n, schema }))
      : (m.params as readonly AnySchema[]).map((schema, i) => ({ name: `arg${i}`, schema }));
    const since = m.since?.split('.').map(Number) as [number, number] | undefined;
    specs[key] = {
      kind: m.notify ? 'notify' : 'call',
      named,
      params,
      ...(m.result ? { result: m.result } : {}),
      ...(m.stream ? { stream: true } : {}),
      ...(since ? { since } : {}),
    };
  }
  return service(name, [Number(match[1]), Number(match[2])], `code-first:${name}@${version}`, specs);
}

type JsonSchema = Record<string, unknown>;

/** The IDL type of a JSON Schema, with any struct or enum it needs declared in `decls`. */
function idlType(s: JsonSchema, hint: string, decls: string[], path: string): string {
  if (Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string')) {
    decls.push(`enum ${hint} { ${(s.enum as string[]).join(', ')} }`);
    return hint;
  }
  const bound = (k: string, name: string) => (typeof s[k] === 'number' ? `@${name}(${s[k]}) ` : '');
  switch (s.type) {
    case 'string':
      return `${bound('minLength', 'minLength')}${bound('maxLength', 'maxLength')}${typeof s.pattern === 'string' ? `@pattern(${JSON.stringify(s.pattern)}) ` : ''}string`;
    case 'boolean':
      return 'bool';
    case 'integer': {
      const min = typeof s.minimum === 'number' ? s.minimum : -Infinity;
      const max = typeof s.maximum === 'number' ? s.maximum : Infinity;
      // int53 (a number in TS), not int64 (a bigint): zod's .int() is a safe integer, and a bigint would break its callers.
      const type = min >= -(2 ** 31) && max < 2 ** 31 ? 'int32' : min >= -(2 ** 53 - 1) && max <= 2 ** 53 - 1 ? 'int53' : 'int64';
      const [lo, hi] = INT_RANGES[type]!;
      return `${min > lo ? bound('minimum', 'min') : ''}${max < hi ? bound('maximum', 'max') : ''}${type}`;
    }
    case 'number':
      return `${bound('minimum', 'min')}${bound('maximum', 'max')}float64`;
    case 'array':
      return `list<${idlType((s.items as JsonSchema) ?? {}, `${hint}Item`, decls, `${path}[]`).replace(/^(@\S+ )+/, '')}>`;
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((s.required as string[] | undefined) ?? []);
      const fields = Object.entries(props).map(([k, v]) => {
        const t = idlType(v, `${hint}${k[0]!.toUpperCase()}${k.slice(1)}`, decls, `${path}.${k}`);
        const annots = t.match(/^(@\S+ )+/)?.[0] ?? '';
        return `  ${annots}${k}${required.has(k) ? '' : '?'}: ${t.slice(annots.length)};`;
      });
      decls.push(`struct ${hint} {\n${fields.join('\n')}\n}`);
      return hint;
    }
    default:
      return 'any';
  }
}

function jsonSchemaOf(schema: AnySchema, path: string): JsonSchema {
  const std = schema['~standard'] as { vendor: string; jsonSchema?: { input(o: { target: string }): JsonSchema } };
  const valibot = !std.jsonSchema && std.vendor === 'valibot' ? valibotJsonSchema(schema) : undefined;
  if (valibot) return valibot;
  if (std.vendor === 'valibot' && !std.jsonSchema)
    throw new TypeError(`${path}: export-idl reads valibot's string, number, boolean, picklist, array and object schemas only`);
  if (!std.jsonSchema)
    throw new TypeError(`${path}: this schema library offers no Standard JSON Schema; describe the type with saltline's own validators`);
  try {
    return std.jsonSchema.input({ target: 'draft-2020-12' });
  } catch (error) {
    throw new TypeError(`${path}: ${(error as Error).message} (use a type the IDL can name, e.g. int64 for bigint)`);
  }
}

/** The `.saltline` text of code-first services (one package). */
export function exportIdl(pkg: string, descriptors: readonly ServiceDescriptor[]): string {
  const decls: string[] = [];
  const services: string[] = [];
  for (const d of descriptors) {
    const short = d.name.split('.').pop()!;
    const methods = Object.entries(d.methods).map(([name, m]) => {
      const cap = `${short}${name[0]!.toUpperCase()}${name.slice(1)}`;
      const params = m.params.map((p) => {
        const t = idlType(
          jsonSchemaOf(p.schema, `${d.name}.${name}(${p.name})`),
          `${cap}${p.name[0]!.toUpperCase()}${p.name.slice(1)}`,
          decls,
          p.name,
        );
        const annots = t.match(/^(@\S+ )+/)?.[0] ?? '';
        return `${annots}${p.name}${p.optional ? '?' : ''}: ${t.slice(annots.length)}`;
      });
      const list = m.named ? ` { ${params.join(', ')} }` : `(${params.join(', ')})`;
      const result = m.result
        ? ` -> ${m.stream ? 'stream ' : ''}${idlType(jsonSchemaOf(m.result, `${d.name}.${name} result`), `${cap}Result`, decls, 'result').replace(/^(@\S+ )+/, '')}`
        : '';
      const since = m.since ? `@since(${m.since.join('.')}) ` : '';
      return `  ${since}${m.kind === 'notify' ? 'notify ' : ''}${name}${list}${result};`;
    });
    services.push(`service ${short} version ${d.major}.${d.minor} {\n${methods.join('\n')}\n}`);
  }
  return `package ${pkg};\n\n${[...decls, ...services].join('\n\n')}\n`;
}
