/**
 * Runtime validators for IDL types, each a Standard Schema (`~standard.validate`) so any tool
 * that speaks Standard Schema can use them. One pass both checks and normalizes what came off the
 * wire: `int64`/`uint64` become `bigint` whatever width the codec chose, defaults fill absent
 * fields, and every issue is collected with its path.
 *
 * Bounds: a value nested deeper than `MAX_DEPTH` is an issue, not a stack overflow, and at most
 * `MAX_ISSUES` issues are collected (the rest would only repeat them).
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';

export type PathSegment = string | number;
/** One validation failure: what was wrong and where (`["note", "tags", 1]`). */
export interface Issue {
  readonly message: string;
  readonly path: readonly PathSegment[];
}

/** Deepest nesting a validated value may have. */
export const MAX_DEPTH = 64;
/** Issues collected for one value at most. */
export const MAX_ISSUES = 100;

export class Context {
  readonly issues: Issue[] = [];
  readonly path: PathSegment[] = [];
  depth = 0;
  /**
   * Reading a result (a tolerant reader): a newer far side may add enum members and union
   * variants, which become `$unknown` values instead of issues. Arguments are read strictly.
   */
  readonly tolerant: boolean;

  constructor(tolerant = false) {
    this.tolerant = tolerant;
  }

  issue(message: string): void {
    if (this.issues.length < MAX_ISSUES) this.issues.push({ message, path: this.path.slice() });
  }
}

/** Checks `value`, records issues in `ctx`, and returns the normalized value (the input itself when it does not fit). */
export type Decode = (value: unknown, ctx: Context) => unknown;

/** A Standard Schema validator that also normalises wire values (`int64` to `bigint`, defaults). */
export interface Schema<Input = unknown, Output = Input> extends StandardSchemaV1<Input, Output> {
  readonly '~decode': Decode;
}

/** The value type a schema produces after normalisation. */
export type Infer<S> = S extends Schema<unknown, infer O> ? O : never;

/** Runs a decoder over a value: the normalized value, or every issue. */
export function run(decode: Decode, value: unknown): StandardSchemaV1.Result<unknown> {
  const ctx = new Context();
  const out = decode(value, ctx);
  return ctx.issues.length ? { issues: ctx.issues } : { value: out };
}

function schema<I, O>(decode: Decode): Schema<I, O> {
  return {
    '~decode': decode,
    '~standard': { version: 1, vendor: 'saltline', validate: (value) => run(decode, value) as StandardSchemaV1.Result<O> },
  };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value;
}

export interface NumberConstraints {
  readonly min?: number | bigint;
  readonly max?: number | bigint;
}
export interface LengthConstraints {
  readonly minLength?: number;
  readonly maxLength?: number;
}
export interface StringConstraints extends LengthConstraints {
  readonly pattern?: string;
}
export interface ItemConstraints {
  readonly maxItems?: number;
}

function bounds(ctx: Context, n: number | bigint, c: NumberConstraints): void {
  if (c.min !== undefined && n < c.min) ctx.issue(`must be at least ${c.min}`);
  if (c.max !== undefined && n > c.max) ctx.issue(`must be at most ${c.max}`);
}

/** A boolean. */
export const bool = (): Schema<boolean> =>
  schema((v, ctx) => {
    if (typeof v !== 'boolean') ctx.issue(`expected a boolean, got ${typeName(v)}`);
    return v;
  });

const INT_BITS = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int53: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
} as const;

/** An integer of at most 53 bits as a `number`: range-checked, never wrapped. */
export function int(kind: keyof typeof INT_BITS, c: NumberConstraints = {}): Schema<number> {
  const [lo, hi] = INT_BITS[kind];
  return schema((v, ctx) => {
    if (typeof v !== 'number' || !Number.isInteger(v))
      ctx.issue(`expected an integer (${kind}), got ${Number.isNaN(v) ? 'NaN' : typeName(v)}`);
    else if (v < lo || v > hi) ctx.issue(`${v} is out of range for ${kind}`);
    else bounds(ctx, v, c);
    return v;
  });
}

const WIDE = { int64: [-(2n ** 63n), 2n ** 63n - 1n], uint64: [0n, 2n ** 64n - 1n], bigint: [undefined, undefined] } as const;

/** A 64-bit (or unbounded) integer: always a `bigint`, from a number or a bigint on the wire. */
export function wide(kind: keyof typeof WIDE, c: NumberConstraints = {}): Schema<bigint | number, bigint> {
  const [lo, hi] = WIDE[kind];
  return schema((v, ctx) => {
    let n: bigint;
    if (typeof v === 'bigint') n = v;
    else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
    else {
      ctx.issue(`expected an integer (${kind}), got ${typeof v === 'number' ? String(v) : typeName(v)}`);
      return v;
    }
    if ((lo !== undefined && n < lo) || (hi !== undefined && n > hi)) ctx.issue(`${n} is out of range for ${kind}`);
    else bounds(ctx, n, c);
    return n;
  });
}

/** A number, within the bounds. */
export const float = (c: NumberConstraints = {}): Schema<number> =>
  schema((v, ctx) => {
    if (typeof v !== 'number') ctx.issue(`expected a number, got ${typeName(v)}`);
    else bounds(ctx, v, c);
    return v;
  });

function lengths(ctx: Context, n: number, c: LengthConstraints, unit: string): void {
  if (c.minLength !== undefined && n < c.minLength) ctx.issue(`must be at least ${c.minLength} ${unit} long`);
  if (c.maxLength !== undefined && n > c.maxLength) ctx.issue(`must be at most ${c.maxLength} ${unit} long`);
}

/** A string, within the length constraints and matching `pattern` when given. */
export function string(c: StringConstraints = {}): Schema<string> {
  const pattern = c.pattern === undefined ? undefined : new RegExp(c.pattern, 'u');
  return schema((v, ctx) => {
    if (typeof v !== 'string') ctx.issue(`expected a string, got ${typeName(v)}`);
    else {
      lengths(ctx, v.length, c, 'characters');
      if (pattern && !pattern.test(v)) ctx.issue(`must match ${c.pattern}`);
    }
    return v;
  });
}

/** A `Uint8Array`, within the length constraints. */
export const bytes = (c: LengthConstraints = {}): Schema<Uint8Array> =>
  schema((v, ctx) => {
    if (!(v instanceof Uint8Array)) ctx.issue(`expected bytes, got ${typeName(v)}`);
    else lengths(ctx, v.byteLength, c, 'bytes');
    return v;
  });

/** A valid `Date`. */
export const timestamp = (): Schema<Date> =>
  schema((v, ctx) => {
    if (!(v instanceof Date) || Number.isNaN(v.getTime())) ctx.issue(`expected a timestamp (Date), got ${typeName(v)}`);
    return v;
  });

/** Accepts any value as it is. */
export const any = (): Schema<unknown> => schema((v) => v);

/** A reference resolved on first use, so types may refer to each other in any order. */
export function lazy<I, O>(get: () => Schema<I, O>): Schema<I, O> {
  let decode: Decode | undefined;
  return schema((v, ctx) => (decode ??= get()['~decode'])(v, ctx));
}

function nested(ctx: Context, key: PathSegment, decode: Decode, value: unknown): unknown {
  ctx.path.push(key);
  const out = decode(value, ctx);
  ctx.path.pop();
  return out;
}

function deeper(ctx: Context): boolean {
  if (ctx.depth < MAX_DEPTH) return true;
  ctx.issue(`nested more than ${MAX_DEPTH} levels deep`);
  return false;
}

/** An array whose items each pass `of`, within the item-count constraints. */
export function list<I, O>(of: Schema<I, O>, c: ItemConstraints = {}): Schema<I[], O[]> {
  const decode = of['~decode'];
  return schema((v, ctx) => {
    if (!Array.isArray(v)) {
      ctx.issue(`expected a list, got ${typeName(v)}`);
      return v;
    }
    if (c.maxItems !== undefined && v.length > c.maxItems) {
      ctx.issue(`must have at most ${c.maxItems} items`);
      return v;
    }
    if (!deeper(ctx)) return v;
    ctx.depth++;
    const out = new Array(v.length);
    for (let i = 0; i < v.length && ctx.issues.length < MAX_ISSUES; i++) out[i] = nested(ctx, i, decode, v[i]);
    ctx.depth--;
    return out;
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);
}

/** A map with string (or enum) keys, as a plain object; `Map` instances are accepted too. */
export function map<V, O>(
  key: Schema<string> | Schema<string | UnknownMember>,
  value: Schema<V, O>,
  c: ItemConstraints = {},
): Schema<Record<string, V>, Record<string, O>> {
  const decodeKey = key['~decode'];
  const decodeValue = value['~decode'];
  return schema((v, ctx) => {
    const entries = v instanceof Map ? [...v.entries()] : isRecord(v) ? Object.entries(v) : undefined;
    if (!entries) {
      ctx.issue(`expected a map, got ${typeName(v)}`);
      return v;
    }
    if (c.maxItems !== undefined && entries.length > c.maxItems) {
      ctx.issue(`must have at most ${c.maxItems} entries`);
      return v;
    }
    if (!deeper(ctx)) return v;
    ctx.depth++;
    const out: [string, unknown][] = [];
    for (const [k, item] of entries) {
      if (ctx.issues.length >= MAX_ISSUES) break;
      nested(ctx, k, decodeKey, k);
      out.push([k, nested(ctx, k, decodeValue, item)]);
    }
    ctx.depth--;
    // fromEntries defines own properties: a "__proto__" key cannot reach the prototype.
    return Object.fromEntries(out);
  });
}

/** A field of a struct: its validator, whether it may be absent, its default, its older names. */
export interface FieldSpec {
  readonly schema: Schema<unknown, unknown>;
  readonly optional?: boolean;
  readonly default?: unknown;
  readonly aliases?: readonly string[];
}

/**
 * A struct: a map whose known fields are checked; unknown fields are ignored (a newer peer may
 * send more). Absent and `null` are the same; an absent optional field takes its default.
 */
export function struct<I, O>(name: string, fields: Record<string, FieldSpec>): Schema<I, O> {
  const table = Object.entries(fields).map(([key, f]) => ({ key, decode: f.schema['~decode'], ...f }));
  return schema((v, ctx) => {
    if (!isRecord(v) || v instanceof Map) {
      ctx.issue(`expected ${name}, got ${typeName(v)}`);
      return v;
    }
    if (!deeper(ctx)) return v;
    ctx.depth++;
    const out: Record<string, unknown> = {};
    for (const f of table) {
      let item = Object.hasOwn(v, f.key) ? v[f.key] : undefined;
      if (item == null && f.aliases) for (const a of f.aliases) if (item == null && Object.hasOwn(v, a)) item = v[a];
      if (item == null) {
        if (f.default !== undefined) out[f.key] = f.default;
        else if (!f.optional) nested(ctx, f.key, (_, c) => c.issue('is required'), item);
        continue;
      }
      out[f.key] = nested(ctx, f.key, f.decode, item);
    }
    ctx.depth--;
    return out;
  });
}

/** An enum member a newer far side added, as an older client reads it from a result. */
export interface UnknownMember {
  /** The member's name as received. */
  readonly $unknown: string;
}

/** A union variant a newer far side added, as an older client reads it from a result. */
export interface UnknownVariant {
  readonly type: '$unknown';
  /** The variant's name as received. */
  readonly $unknown: string;
  /** Its value as received, unvalidated. */
  readonly value: unknown;
}

/** An enum type without its `$unknown` case: what a map keyed by the enum has as keys. */
export type Known<T> = Exclude<T, UnknownMember>;

/** One of the listed string members; when reading a result, another string is an `UnknownMember`. */
export function enumOf<const T extends string>(name: string, members: readonly T[]): Schema<T | UnknownMember> {
  const set = new Set<string>(members);
  return schema((v, ctx) => {
    if (typeof v === 'string' && !set.has(v) && ctx.tolerant) return { $unknown: v };
    if (typeof v !== 'string' || !set.has(v))
      ctx.issue(
        `expected one of ${name} (${members.join(', ')}), got ${typeof v === 'string' ? JSON.stringify(v.slice(0, 64)) : typeName(v)}`,
      );
    return v;
  });
}

/** A tagged union on the wire as `{ type, value }`; when reading a result, another type is an `UnknownVariant`. */
export function union<I, O>(name: string, variants: Record<string, Schema<unknown, unknown>>): Schema<I, O> {
  const table = new Map(Object.entries(variants).map(([k, s]) => [k, s['~decode']]));
  return schema((v, ctx) => {
    const type = isRecord(v) && typeof v.type === 'string' ? v.type : undefined;
    const decode = type === undefined ? undefined : table.get(type);
    if (!decode && type !== undefined && ctx.tolerant)
      return { type: '$unknown', $unknown: type, value: (v as Record<string, unknown>).value };
    if (!decode) {
      ctx.issue(`expected ${name} as { type, value } with type one of ${[...table.keys()].join(', ')}`);
      return v;
    }
    if (!deeper(ctx)) return v;
    ctx.depth++;
    const value = nested(ctx, 'value', decode, (v as Record<string, unknown>).value);
    ctx.depth--;
    return { type: (v as Record<string, unknown>).type, value };
  });
}
