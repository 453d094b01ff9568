/**
 * The checker: every rule of docs/idl.md ("Checker rules") that a single program must obey —
 * names resolve, nothing is declared twice, no cycle makes a value infinite, annotations sit
 * where they mean something with arguments of the right kind, constraints fit their types, and
 * methods have a legal shape. Each rule has its own code; see docs/idl.md for the list.
 */
import type * as Ast from './ast.js';
import { type Diagnostic, didYouMean } from './diagnostics.js';
import type { Entry, Program } from './program.js';
import { constraintsOf, type RType, resolveType } from './resolve.js';

type Place = 'type' | 'decl' | 'field' | 'param' | 'member' | 'method';
type ArgKind = 'none' | 'number' | 'count' | 'string' | 'version' | 'duration' | 'optString' | 'names' | 'cache';

const ANNOTATIONS: Record<string, { places: readonly Place[]; arg: ArgKind }> = {
  min: { places: ['type', 'field', 'param'], arg: 'number' },
  max: { places: ['type', 'field', 'param'], arg: 'number' },
  minLength: { places: ['type', 'field', 'param'], arg: 'count' },
  maxLength: { places: ['type', 'field', 'param'], arg: 'count' },
  maxItems: { places: ['type', 'field', 'param'], arg: 'count' },
  pattern: { places: ['type', 'field', 'param'], arg: 'string' },
  since: { places: ['field', 'param', 'member', 'method'], arg: 'version' },
  deprecated: { places: ['type', 'decl', 'field', 'param', 'member', 'method'], arg: 'optString' },
  alias: { places: ['decl', 'type', 'field', 'param', 'member', 'method'], arg: 'names' },
  timeout: { places: ['method'], arg: 'duration' },
  idempotent: { places: ['method'], arg: 'none' },
  cache: { places: ['method'], arg: 'cache' },
  invalidates: { places: ['method'], arg: 'names' },
};
const CACHE_ARGS: Record<string, 'duration' | 'bool'> = {
  ttl: 'duration',
  swr: 'duration',
  staleIfError: 'duration',
  private: 'bool',
  persist: 'bool',
};
/** Longest chain of types through required fields or aliases that the cycle check follows. */
const MAX_CHAIN = 1000;
/** Names that break a target language's objects (JS prototypes) whatever the escaping. */
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 255n],
  uint16: [0n, 65535n],
  uint32: [0n, 4294967295n],
  uint64: [0n, 2n ** 64n - 1n],
};
export const NUMERIC = new Set([...Object.keys(INT_RANGES), 'bigint', 'float32', 'float64']);

/** Parses `2.1` (a float token) or `2` into [major, minor]. */
export function versionOf(value: Ast.Value | undefined): [number, number] | undefined {
  if (value?.kind === 'float' && /^\d+\.\d+$/.test(value.text)) {
    const [a, b] = value.text.split('.');
    return [Number(a), Number(b)];
  }
  if (value?.kind === 'int' && value.value >= 0n) return [Number(value.value), 0];
  return undefined;
}

export function annotation(annotations: readonly Ast.Annotation[], name: string): Ast.Annotation | undefined {
  return annotations.find((a) => a.name === name);
}

class Checker {
  readonly #program: Program;
  readonly #out: Diagnostic[] = [];
  #file!: Ast.SourceFile;

  constructor(program: Program) {
    this.#program = program;
  }

  #error(offset: number, code: string, message: string, related?: { offset: number; message: string }): void {
    this.#out.push({
      code,
      severity: 'error',
      message,
      file: this.#file.file,
      offset,
      ...(related ? { related: { file: this.#file.file, ...related } } : {}),
    });
  }

  run(): Diagnostic[] {
    for (const file of this.#program.files) {
      this.#file = file;
      for (const decl of file.decls) this.#decl(decl);
    }
    this.#cycles();
    return this.#out;
  }

  #decl(decl: Ast.Decl): void {
    this.#annotations(decl.annotations, decl.kind === 'alias' ? 'type' : 'decl');
    switch (decl.kind) {
      case 'alias': {
        const t = this.#type(decl.type);
        this.#constraintsFit(decl.annotations, t);
        break;
      }
      case 'struct':
      case 'error':
        this.#fields(decl.fields, decl.kind === 'struct' ? decl.reserved : []);
        break;
      case 'enum':
        this.#unique(decl.members, 'member');
        for (const m of decl.members) this.#annotations(m.annotations, 'member');
        if (decl.members.length === 0) this.#error(decl.offset, 'E211', `enum '${decl.name}' has no members`);
        break;
      case 'union':
        this.#unique(decl.variants, 'variant');
        for (const v of decl.variants) {
          this.#annotations(v.annotations, 'member');
          this.#type(v.type);
        }
        if (decl.variants.length === 0) this.#error(decl.offset, 'E211', `union '${decl.name}' has no variants`);
        break;
      case 'service':
        this.#service(decl);
        break;
    }
  }

  #unique(items: readonly { name: string; offset: number }[], what: string): void {
    const seen = new Map<string, number>();
    for (const item of items) {
      if (FORBIDDEN_NAMES.has(item.name))
        this.#error(item.offset, 'E210', `'${item.name}' cannot be a ${what} name in every target language`);
      const first = seen.get(item.name);
      if (first !== undefined) {
        this.#error(item.offset, 'E203', `${what} '${item.name}' is declared twice`, { offset: first, message: 'first declared here' });
      } else seen.set(item.name, item.offset);
    }
  }

  #reserved(reserved: readonly Ast.Reserved[], items: readonly { name: string; offset: number }[], what: string): void {
    const names = new Map<string, number>();
    for (const r of reserved) for (const n of r.names) names.set(n.name, n.offset);
    for (const item of items) {
      const at = names.get(item.name);
      if (at !== undefined) {
        this.#error(item.offset, 'E204', `${what} name '${item.name}' is reserved (it was removed; a new one must not reuse it)`, {
          offset: at,
          message: 'reserved here',
        });
      }
    }
  }

  #fields(fields: readonly Ast.Field[], reserved: readonly Ast.Reserved[]): void {
    this.#unique(fields, 'field');
    this.#reserved(reserved, fields, 'field');
    for (const f of fields) this.#field(f, 'field');
  }

  #field(f: Ast.Field, place: 'field' | 'param'): RType {
    this.#annotations(f.annotations, place);
    const t = this.#type(f.type);
    this.#constraintsFit(f.annotations, t);
    if (f.default) {
      if (!f.optional) this.#error(f.default.offset, 'E302', `only an optional ${place} can have a default (write '${f.name}?')`);
      this.#defaultFits(f.default, t);
    }
    return t;
  }

  #type(ref: Ast.TypeRef): RType {
    if (ref.kind === 'list') return { kind: 'list', of: this.#type(ref.of), c: {} };
    if (ref.kind === 'map') {
      const key = this.#type(ref.key);
      const value = this.#type(ref.value);
      const flat = this.#flat(key);
      const ok =
        flat.kind === 'unknown' ||
        (flat.kind === 'prim' && flat.name === 'string') ||
        (flat.kind === 'ref' && flat.entry.decl.kind === 'enum');
      if (!ok)
        this.#error(
          ref.key.offset,
          'E301',
          'a map key must be string or an enum (every target language and msgpack-python agree on those)',
        );
      return { kind: 'map', key, value, c: {} };
    }
    const t = resolveType(this.#program, this.#file, ref, false);
    if (t.kind === 'unknown') {
      this.#error(ref.offset, 'E202', `unknown type '${ref.name}'${didYouMean(ref.name, this.#program.visible(this.#file))}`);
    } else if (t.kind === 'ref' && (t.entry.decl.kind === 'error' || t.entry.decl.kind === 'service')) {
      this.#error(ref.offset, 'E209', `'${ref.name}' is ${t.entry.decl.kind === 'error' ? 'an error' : 'a service'}, not a type`);
      return { kind: 'unknown' };
    }
    return t;
  }

  #flat(t: RType): RType {
    if (t.kind !== 'ref' || t.entry.decl.kind !== 'alias') return t;
    return resolveType(this.#program, t.entry.file, t.entry.decl.type, true);
  }

  #annotations(annotations: readonly Ast.Annotation[], place: Place): void {
    const seen = new Set<string>();
    for (const a of annotations) {
      const spec = ANNOTATIONS[a.name];
      if (!spec) {
        this.#error(a.offset, 'E401', `unknown annotation '@${a.name}'${didYouMean(a.name, Object.keys(ANNOTATIONS))}`);
        continue;
      }
      if (!spec.places.includes(place)) {
        this.#error(a.offset, 'E402', `'@${a.name}' does not apply to a ${place === 'type' ? 'type alias' : place}`);
        continue;
      }
      if (seen.has(a.name) && a.name !== 'alias') this.#error(a.offset, 'E408', `'@${a.name}' is given twice`);
      seen.add(a.name);
      this.#annotationArgs(a, spec.arg);
    }
  }

  #annotationArgs(a: Ast.Annotation, kind: ArgKind): void {
    const bad = (what: string) => this.#error(a.offset, 'E403', `'@${a.name}' takes ${what}`);
    const [first] = a.args;
    const v = first?.value;
    switch (kind) {
      case 'none':
        if (a.args.length) bad('no arguments');
        return;
      case 'number':
        if (a.args.length !== 1 || (v?.kind !== 'int' && v?.kind !== 'float')) bad('one number');
        return;
      case 'count':
        if (a.args.length !== 1 || v?.kind !== 'int' || v.value < 0n || v.value > 2n ** 32n) bad('one whole number, 0 or more');
        return;
      case 'string':
        if (a.args.length !== 1 || v?.kind !== 'string') return bad('one string');
        try {
          new RegExp(v.value, 'u');
        } catch (error) {
          this.#error(v.offset, 'E406', `invalid pattern: ${(error as Error).message}`);
        }
        return;
      case 'version':
        if (a.args.length !== 1 || !versionOf(v)) bad('a version such as 2.1');
        return;
      case 'duration':
        if (a.args.length !== 1 || v?.kind !== 'duration') bad('a duration such as 30s');
        return;
      case 'optString':
        if (a.args.length > 1 || (v && v.kind !== 'string')) bad('at most one string (the reason)');
        return;
      case 'names':
        if (!a.args.length || a.args.some((x) => x.value.kind !== 'name' && x.value.kind !== 'string')) bad('one or more names');
        return;
      case 'cache': {
        const names = new Set<string>();
        for (const arg of a.args) {
          const want = arg.name === undefined ? undefined : CACHE_ARGS[arg.name];
          if (!want) {
            const hint = arg.name ? didYouMean(arg.name, Object.keys(CACHE_ARGS)) : '';
            this.#error(arg.value.offset, 'E403', `'@cache' takes named arguments (${Object.keys(CACHE_ARGS).join(', ')})${hint}`);
          } else if ((want === 'duration') !== (arg.value.kind === 'duration') || (want === 'bool' && arg.value.kind !== 'bool')) {
            this.#error(
              arg.value.offset,
              'E403',
              `'@cache(${arg.name})' takes a ${want === 'duration' ? 'duration such as 30s' : 'true or false'}`,
            );
          }
          names.add(arg.name ?? '');
        }
        if (!names.has('ttl')) bad('a ttl (e.g. @cache(ttl: 30s))');
      }
    }
  }

  /** Constraints must fit the type underneath: lengths on strings and bytes, bounds on numbers. */
  #constraintsFit(annotations: readonly Ast.Annotation[], t: RType): void {
    const flat = this.#flat(t);
    if (flat.kind === 'unknown') return;
    const kind = flat.kind === 'prim' ? flat.name : flat.kind === 'ref' ? flat.entry.decl.kind : flat.kind;
    for (const a of annotations) {
      const fits =
        a.name === 'min' || a.name === 'max'
          ? NUMERIC.has(kind)
          : a.name === 'minLength' || a.name === 'maxLength'
            ? kind === 'string' || kind === 'bytes'
            : a.name === 'pattern'
              ? kind === 'string'
              : a.name === 'maxItems'
                ? kind === 'list' || kind === 'map'
                : true;
      if (!fits) this.#error(a.offset, 'E404', `'@${a.name}' does not apply to ${kind}`);
    }
    const c = constraintsOf(annotations);
    if (c.min !== undefined && c.max !== undefined && c.min > c.max)
      this.#error(annotations[0]!.offset, 'E405', `@min(${c.min}) is above @max(${c.max})`);
    if (c.minLength !== undefined && c.maxLength !== undefined && c.minLength > c.maxLength) {
      this.#error(annotations[0]!.offset, 'E405', `@minLength(${c.minLength}) is above @maxLength(${c.maxLength})`);
    }
  }

  #defaultFits(v: Ast.Value, t: RType): void {
    const flat = this.#flat(t);
    const bad = (what: string) => this.#error(v.offset, 'E307', `the default must be ${what}`);
    if (flat.kind === 'unknown') return;
    if (flat.kind === 'list') return v.kind === 'list' && v.items.length === 0 ? undefined : bad('[] for a list');
    if (flat.kind === 'map') return bad('absent for a map (maps have no default)');
    if (flat.kind === 'ref') {
      const d = flat.entry.decl;
      if (d.kind === 'enum') {
        if (v.kind !== 'name' || !d.members.some((m) => m.name === v.name)) {
          bad(
            `a member of ${d.name}${
              v.kind === 'name'
                ? didYouMean(
                    v.name,
                    d.members.map((m) => m.name),
                  )
                : ''
            }`,
          );
        }
      } else bad(`absent for a ${d.kind}`);
      return;
    }
    const range = INT_RANGES[flat.name];
    if (range) {
      if (v.kind !== 'int' || v.value < range[0] || v.value > range[1]) bad(`an integer in the range of ${flat.name}`);
    } else if (flat.name === 'bigint') {
      if (v.kind !== 'int') bad('an integer');
    } else if (flat.name === 'float32' || flat.name === 'float64') {
      if (v.kind !== 'int' && v.kind !== 'float') bad('a number');
    } else if (flat.name === 'string') {
      if (v.kind !== 'string') bad('a string');
    } else if (flat.name === 'bool') {
      if (v.kind !== 'bool') bad('true or false');
    } else bad(`absent for ${flat.name}`);
  }

  #service(s: Ast.ServiceDecl): void {
    this.#unique(s.methods, 'method');
    this.#reserved(s.reserved, s.methods, 'method');
    for (const m of s.methods) {
      this.#annotations(m.annotations, 'method');
      this.#unique(m.params, 'parameter');
      let streams = 0;
      let optionalSeen = false;
      for (const p of m.params) {
        this.#field(p, 'param');
        if (p.stream && ++streams === 2) this.#error(p.offset, 'E303', `method '${m.name}' has more than one stream parameter`);
        if (!m.named) {
          if (p.optional) optionalSeen = true;
          else if (optionalSeen)
            this.#error(p.offset, 'E308', `required parameter '${p.name}' follows an optional one; positional optionals must come last`);
        }
      }
      if (m.result) this.#type(m.result);
      if (m.kind === 'notify' && (m.result || m.raises.length || streams)) {
        this.#error(m.offset, 'E304', `notify '${m.name}' cannot have a result, raises or a stream parameter (nothing comes back)`);
      }
      const cache = annotation(m.annotations, 'cache');
      if (cache && (m.kind === 'notify' || m.streamResult || streams)) {
        this.#error(
          cache.offset,
          'E305',
          `'@cache' applies only to unary calls ('${m.name}' ${m.kind === 'notify' ? 'is a notify' : 'streams'})`,
        );
      }
      if (annotation(m.annotations, 'idempotent') && m.kind === 'notify')
        this.#error(m.offset, 'E402', "'@idempotent' does not apply to a notify");
      for (const r of m.raises) {
        const entry = this.#program.lookup(this.#file, r.name);
        if (!entry) this.#error(r.offset, 'E202', `unknown error '${r.name}'${didYouMean(r.name, this.#errorNames())}`);
        else if (entry.decl.kind !== 'error') this.#error(r.offset, 'E306', `'${r.name}' is a ${entry.decl.kind}, not an error`);
      }
      const since = versionOf(annotation(m.annotations, 'since')?.args[0]?.value);
      if (since && (since[0] !== s.major || since[1] > s.minor)) {
        this.#error(
          m.offset,
          'E407',
          `@since(${since.join('.')}) is not within service version ${s.major}.${s.minor} (same major, minor at most ${s.minor})`,
        );
      }
      const invalidates = annotation(m.annotations, 'invalidates');
      for (const arg of invalidates?.args ?? []) {
        const name = arg.value.kind === 'name' ? arg.value.name : arg.value.kind === 'string' ? arg.value.value : '';
        if (!s.methods.some((x) => x.name === name)) {
          this.#error(
            arg.value.offset,
            'E202',
            `unknown method '${name}'${didYouMean(
              name,
              s.methods.map((x) => x.name),
            )}`,
          );
        }
      }
    }
  }

  #errorNames(): string[] {
    return this.#program.visible(this.#file).filter((n) => this.#program.lookup(this.#file, n)?.decl.kind === 'error');
  }

  /** Alias cycles, and structs that contain themselves through required fields only (an infinite value). */
  #cycles(): void {
    const state = new Map<Entry, 'open' | 'done'>();
    const report = (entry: Entry, code: string, message: string) => {
      this.#file = entry.file;
      this.#error(entry.decl.offset, code, message);
    };
    const refsOf = (entry: Entry): Entry[] => {
      const d = entry.decl;
      const direct = (ref: Ast.TypeRef): Entry[] => {
        if (ref.kind !== 'named') return d.kind === 'alias' && ref.kind === 'list' ? direct(ref.of) : [];
        const e = this.#program.lookup(entry.file, ref.name);
        return e ? [e] : [];
      };
      if (d.kind === 'alias') return direct(d.type);
      if (d.kind === 'struct') return d.fields.filter((f) => !f.optional).flatMap((f) => direct(f.type));
      return [];
    };
    // A shared path, and a depth bound: a hostile file of a long chain of aliases must not overflow the stack.
    const path: Entry[] = [];
    const visit = (entry: Entry): void => {
      const s = state.get(entry);
      if (s === 'done') return;
      if (s === 'open') {
        const cycle = path.slice(path.indexOf(entry));
        const names = [...cycle, entry].map((e) => e.decl.name).join(' -> ');
        const aliasOnly = cycle.every((e) => e.decl.kind === 'alias');
        report(
          entry,
          aliasOnly ? 'E212' : 'E213',
          aliasOnly
            ? `type alias cycle: ${names}`
            : `'${entry.decl.name}' contains itself through required fields: ${names} (make one optional)`,
        );
        return;
      }
      if (path.length >= MAX_CHAIN) {
        report(entry, 'E214', `types refer to each other more than ${MAX_CHAIN} deep`);
        return;
      }
      state.set(entry, 'open');
      path.push(entry);
      for (const next of refsOf(entry)) visit(next);
      path.pop();
      state.set(entry, 'done');
    };
    for (const entry of this.#program.decls.values()) visit(entry);
  }
}

/** Runs every rule of the checker; the program's parse diagnostics come first. */
export function check(program: Program): Diagnostic[] {
  const found = new Checker(program).run();
  program.diagnostics.push(...found);
  return program.diagnostics;
}
