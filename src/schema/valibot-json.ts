/**
 * JSON Schema for valibot schemas, for `export-idl`: valibot 1.x offers no Standard JSON Schema
 * (zod does), but its schemas are plain objects (`type`, `pipe`, `entries`, `item`) that say what
 * they check. This reads the kinds an IDL can name (string, number with `integer` and bounds,
 * boolean, array, object, optional, picklist) and returns undefined for any other.
 */
type JsonSchema = Record<string, unknown>;

interface Valibot {
  readonly kind?: string;
  readonly type?: string;
  readonly pipe?: readonly Valibot[];
  readonly entries?: Readonly<Record<string, Valibot>>;
  readonly item?: Valibot;
  readonly wrapped?: Valibot;
  readonly options?: readonly unknown[];
  readonly requirement?: unknown;
}

/** Actions of a `pipe` as JSON Schema keywords. */
const ACTIONS: Record<string, (r: unknown) => JsonSchema | undefined> = {
  integer: () => ({ type: 'integer' }),
  min_value: (r) => (typeof r === 'number' ? { minimum: r } : undefined),
  max_value: (r) => (typeof r === 'number' ? { maximum: r } : undefined),
  min_length: (r) => (typeof r === 'number' ? { minLength: r } : undefined),
  max_length: (r) => (typeof r === 'number' ? { maxLength: r } : undefined),
  regex: (r) => (r instanceof RegExp ? { pattern: r.source } : undefined),
};

/** The JSON Schema of a valibot schema, or undefined when it is not one or uses a kind the IDL lacks. */
export function valibotJsonSchema(schema: unknown, depth = 0): JsonSchema | undefined {
  const s = schema as Valibot;
  if (depth > 64 || typeof s !== 'object' || s === null || s.kind !== 'schema') return undefined;
  let out: JsonSchema | undefined;
  switch (s.type) {
    case 'string':
    case 'number':
    case 'boolean':
      out = { type: s.type };
      break;
    case 'picklist':
      out = s.options?.every((o) => typeof o === 'string') ? { enum: [...s.options] } : undefined;
      break;
    case 'array': {
      const items = valibotJsonSchema(s.item, depth + 1);
      out = items && { type: 'array', items };
      break;
    }
    case 'object': {
      const properties: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const [key, value] of Object.entries(s.entries ?? {})) {
        const optional = value.type === 'optional';
        const inner = valibotJsonSchema(optional ? value.wrapped : value, depth + 1);
        if (!inner) return undefined;
        properties[key] = inner;
        if (!optional) required.push(key);
      }
      out = { type: 'object', properties, required };
      break;
    }
  }
  for (const action of s.pipe?.slice(1) ?? []) {
    const keywords = action.type === undefined ? undefined : ACTIONS[action.type]?.(action.requirement);
    if (out && keywords) out = { ...out, ...keywords };
  }
  // valibot's integer() is a JavaScript number's check, like zod's .int(): a safe integer unless bounded.
  if (out?.type === 'integer') out = { minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, ...out };
  return out;
}
