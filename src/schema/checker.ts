/**
 * The checker: every rule of docs/idl.md ("Checker rules") that a single program must obey —
 * names resolve, nothing is declared twice, no cycle makes a value infinite, annotations sit
 * where they mean something with arguments of the right kind, constraints fit their types, and
 * methods have a legal shape. Each rule has its own code; see docs/idl.md for the list.
 *
 * This file walks the declarations; the rule groups that stand alone are in `check-annotations.ts`,
 * `check-values.ts` and `check-cycles.ts`.
 */
import type * as Ast from './ast.js';
import { annotation, checkAnnotations, type Report, versionOf } from './check-annotations.js';
import { checkCycles } from './check-cycles.js';
import { checkConstraintsFit, checkDefaultFits, flatten } from './check-values.js';
import { type Diagnostic, didYouMean } from './diagnostics.js';
import type { Program } from './program.js';
import { type RType, resolveType } from './resolve.js';

/** Names that break a target language's objects (JS prototypes) whatever the escaping. */
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

class Checker {
  readonly #program: Program;
  readonly #out: Diagnostic[] = [];
  #file!: Ast.SourceFile;

  constructor(program: Program) {
    this.#program = program;
  }

  /** What the rule modules report through: a diagnostic in the file being checked. */
  readonly #report: Report = (...args) => this.#error(...args);

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
    checkCycles(this.#program, (entry, code, message) => {
      this.#file = entry.file;
      this.#error(entry.decl.offset, code, message);
    });
    return this.#out;
  }

  #decl(decl: Ast.Decl): void {
    checkAnnotations(decl.annotations, decl.kind === 'alias' ? 'type' : 'decl', this.#report);
    switch (decl.kind) {
      case 'alias': {
        const t = this.#type(decl.type);
        checkConstraintsFit(this.#program, decl.annotations, t, this.#report);
        break;
      }
      case 'struct':
      case 'error':
        this.#fields(decl.fields, decl.kind === 'struct' ? decl.reserved : []);
        break;
      case 'enum':
        this.#unique(decl.members, 'member');
        for (const m of decl.members) checkAnnotations(m.annotations, 'member', this.#report);
        if (decl.members.length === 0) this.#error(decl.offset, 'E211', `enum '${decl.name}' has no members`);
        break;
      case 'union':
        this.#unique(decl.variants, 'variant');
        for (const v of decl.variants) {
          checkAnnotations(v.annotations, 'member', this.#report);
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
    checkAnnotations(f.annotations, place, this.#report);
    const t = this.#type(f.type);
    checkConstraintsFit(this.#program, f.annotations, t, this.#report);
    if (f.default) {
      if (!f.optional) this.#error(f.default.offset, 'E302', `only an optional ${place} can have a default (write '${f.name}?')`);
      checkDefaultFits(this.#program, f.default, t, this.#report);
    }
    return t;
  }

  #type(ref: Ast.TypeRef): RType {
    if (ref.kind === 'list') return { kind: 'list', of: this.#type(ref.of), c: {} };
    if (ref.kind === 'map') {
      const key = this.#type(ref.key);
      const value = this.#type(ref.value);
      const flat = flatten(this.#program, key);
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

  #service(s: Ast.ServiceDecl): void {
    this.#unique(s.methods, 'method');
    this.#reserved(s.reserved, s.methods, 'method');
    for (const m of s.methods) {
      checkAnnotations(m.annotations, 'method', this.#report);
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
}

/** Runs every rule of the checker; the program's parse diagnostics come first. */
export function check(program: Program): Diagnostic[] {
  const found = new Checker(program).run();
  program.diagnostics.push(...found);
  return program.diagnostics;
}
