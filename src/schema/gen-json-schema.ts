/**
 * JSON Schema (2020-12): one `$defs` entry per type and, per method, its parameters
 * (`prefixItems` when positional) and result. Objects stay open (no `additionalProperties:
 * false`), since a newer peer may send more fields. msgpack-only types carry `x-saltline`.
 */
import type * as Ast from './ast.js';
import { INT_RANGES } from './ast.js';
import { moduleName } from './gen-ts.js';
import type { Program } from './program.js';
import { constraintsOf, type RType, resolveType } from './resolve.js';

type Json = Record<string, unknown>;

function withConstraints(base: Json, t: RType): Json {
  if (t.kind === 'unknown') return base;
  const c = t.c;
  const out = { ...base };
  if (c.min !== undefined) out.minimum = c.min;
  if (c.max !== undefined) out.maximum = c.max;
  if (c.minLength !== undefined) out[t.kind === 'prim' && t.name === 'bytes' ? 'x-minBytes' : 'minLength'] = c.minLength;
  if (c.maxLength !== undefined) out[t.kind === 'prim' && t.name === 'bytes' ? 'x-maxBytes' : 'maxLength'] = c.maxLength;
  if (c.pattern !== undefined) out.pattern = c.pattern;
  if (c.maxItems !== undefined) out[t.kind === 'map' ? 'maxProperties' : 'maxItems'] = c.maxItems;
  return out;
}

function schemaOf(t: RType): Json {
  switch (t.kind) {
    case 'list':
      return withConstraints({ type: 'array', items: schemaOf(t.of) }, t);
    case 'map':
      return withConstraints({ type: 'object', propertyNames: schemaOf(t.key), additionalProperties: schemaOf(t.value) }, t);
    case 'ref':
      return withConstraints({ $ref: `#/$defs/${t.entry.full}` }, t);
    case 'unknown':
      return {};
    default: {
      const n = t.name;
      const range = INT_RANGES[n];
      // Only ranges a JSON number holds exactly; a 64-bit integer says what it is in x-saltline.
      if (range && n !== 'int64' && n !== 'uint64')
        return withConstraints({ type: 'integer', minimum: Number(range[0]), maximum: Number(range[1]) }, t);
      if (n === 'int64' || n === 'uint64' || n === 'bigint')
        return withConstraints({ type: 'integer', ...(n === 'uint64' ? { minimum: 0 } : {}), 'x-saltline': n }, t);
      if (n === 'float32' || n === 'float64') return withConstraints({ type: 'number' }, t);
      if (n === 'bool') return { type: 'boolean' };
      if (n === 'string') return withConstraints({ type: 'string' }, t);
      if (n === 'bytes') return withConstraints({ type: 'string', contentEncoding: 'base64', 'x-saltline': 'bytes' }, t);
      if (n === 'timestamp') return { type: 'string', format: 'date-time', 'x-saltline': 'timestamp' };
      return {};
    }
  }
}

function describe(docs: readonly string[]): Json {
  return docs.length ? { description: docs.join('\n') } : {};
}

/** One schema document per source file: `notes.schema.json`. */
export function generateJsonSchema(program: Program): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of program.roots) {
    const defs: Record<string, Json> = {};
    const methods: Record<string, Json> = {};
    const fieldSchema = (f: Ast.Field) => ({
      ...schemaOf(resolveType(program, file, f.type, Object.keys(constraintsOf(f.annotations)).length > 0, constraintsOf(f.annotations))),
      ...describe(f.docs),
    });
    const objectOf = (fields: readonly Ast.Field[]) => ({
      type: 'object',
      properties: Object.fromEntries(fields.map((f) => [f.name, fieldSchema(f)])),
      required: fields.filter((f) => !f.optional).map((f) => f.name),
    });
    // Every declaration the file reaches, so $refs resolve within the document.
    for (const e of program.decls.values()) {
      const d = e.decl;
      const f = e.file;
      let schema: Json | undefined;
      if (d.kind === 'alias') schema = schemaOf(resolveType(program, f, d.type, true, constraintsOf(d.annotations)));
      else if (d.kind === 'struct' || d.kind === 'error') schema = objectOf(d.fields);
      else if (d.kind === 'enum') schema = { type: 'string', enum: d.members.map((m) => m.name) };
      else if (d.kind === 'union') {
        schema = {
          oneOf: d.variants.map((v) => ({
            type: 'object',
            properties: { type: { const: v.name }, value: schemaOf(resolveType(program, f, v.type, false)) },
            required: ['type', 'value'],
          })),
        };
      } else if (file === f) {
        for (const m of d.methods) {
          const params = m.named
            ? objectOf(m.params)
            : {
                type: 'array',
                prefixItems: m.params.map(fieldSchema),
                minItems: m.params.filter((p) => !p.optional).length,
                maxItems: m.params.length,
              };
          methods[`${e.full}@${d.major}.${m.name}`] = {
            ...describe(m.docs),
            params,
            ...(m.result
              ? {
                  result: {
                    ...schemaOf(resolveType(program, f, m.result, false)),
                    ...(m.streamResult ? { 'x-saltline-stream': true } : {}),
                  },
                }
              : {}),
          };
        }
      }
      if (schema) defs[e.full] = { ...schema, ...describe(d.docs) };
    }
    const doc = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `saltline:${file.package}`,
      $defs: defs,
      'x-saltline-methods': methods,
    };
    out.set(moduleName(file.file, '.schema.json'), `${JSON.stringify(doc, null, 2)}\n`);
  }
  return out;
}
