/**
 * `saltline check OLD NEW`: every difference between two versions of an API, each with its
 * verdict under the evolution rules of docs/idl.md. Argument positions may accept more; result
 * positions may return less; a type reached from both may only gain optional fields.
 */
import type * as Ast from './ast.js';
import { INT_RANGES } from './ast.js';
import { annotation, versionOf } from './check-annotations.js';
import type { Entry, Program } from './program.js';
import { type Constraints, constraintsOf, type RType, resolveType } from './resolve.js';

/** How a change between two versions of a schema affects peers still on the old one. */
export type Verdict = 'compatible' | 'warning' | 'breaking';
/** One difference `compare(old, new)` found, with where it is and its verdict. */
export interface Change {
  readonly path: string;
  readonly message: string;
  readonly verdict: Verdict;
}

/** Where values of a type flow: into handlers (arguments), out of them (results, errors), or both. */
interface Use {
  input: boolean;
  output: boolean;
}

const ORDER: Verdict[] = ['compatible', 'warning', 'breaking'];
const worst = (a: Verdict, b: Verdict): Verdict => (ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b);

/** Values each integer type holds, as [min, max], to tell widening from narrowing. */
const RANGE: Readonly<Record<string, readonly [bigint | number, bigint | number]>> = { ...INT_RANGES, bigint: [-Infinity, Infinity] };

/** 1: `next` accepts more than `prev`; -1: fewer; 0: the same; undefined: unrelated. */
function widening(prev: string, next: string): 1 | -1 | 0 | undefined {
  if (prev === next) return 0;
  const a = RANGE[prev];
  const b = RANGE[next];
  if (a && b) {
    if (b[0] <= a[0] && b[1] >= a[1]) return 1;
    if (a[0] <= b[0] && a[1] >= b[1]) return -1;
    return undefined;
  }
  if (prev === 'float32' && next === 'float64') return 1;
  if (prev === 'float64' && next === 'float32') return -1;
  return undefined;
}

/** How a constraint change moves the accepted set: 1 looser, -1 tighter, 0 same, 2 both. */
function constraintDirection(a: Constraints, b: Constraints): number {
  let looser = false;
  let tighter = false;
  const lower = (x?: number, y?: number) => {
    if (x === y) return;
    if (y === undefined || (x !== undefined && y < x)) looser = true;
    else tighter = true;
  };
  const upper = (x?: number, y?: number) => {
    if (x === y) return;
    if (y === undefined || (x !== undefined && y > x)) looser = true;
    else tighter = true;
  };
  lower(a.min, b.min);
  upper(a.max, b.max);
  lower(a.minLength, b.minLength);
  upper(a.maxLength, b.maxLength);
  upper(a.maxItems, b.maxItems);
  if (a.pattern !== b.pattern) {
    if (b.pattern === undefined) looser = true;
    else tighter = true;
  }
  return looser && tighter ? 2 : looser ? 1 : tighter ? -1 : 0;
}

/** The verdict of accepting more (`direction` 1) or fewer (-1) values at a place used as `use`. */
function variance(direction: number, use: Use, growsWarn = false): Verdict {
  if (direction === 0) return 'compatible';
  if (direction === 2) return 'breaking';
  let v: Verdict = 'compatible';
  if (use.input && direction < 0) v = 'breaking';
  if (use.output && direction > 0) v = worst(v, growsWarn ? 'warning' : 'breaking');
  return v;
}

class Comparer {
  readonly changes: Change[] = [];
  readonly #old: Program;
  readonly #new: Program;
  readonly #uses = new Map<string, Use>();
  readonly #compared = new Set<string>();

  constructor(old: Program, next: Program) {
    this.#old = old;
    this.#new = next;
  }

  #add(path: string, message: string, verdict: Verdict): void {
    this.changes.push({ path, message, verdict });
  }

  /** Marks the types each service reaches from arguments (input) and results and errors (output), in both versions. */
  #markUses(program: Program): void {
    const mark = (file: Ast.SourceFile, t: Ast.TypeRef, use: 'input' | 'output', seen: Set<string>): void => {
      if (t.kind === 'list') return mark(file, t.of, use, seen);
      if (t.kind === 'map') return (mark(file, t.key, use, seen), mark(file, t.value, use, seen));
      const e = program.lookup(file, t.name);
      if (!e || seen.has(`${e.full}:${use}`)) return;
      seen.add(`${e.full}:${use}`);
      const u = this.#uses.get(e.full) ?? { input: false, output: false };
      u[use] = true;
      this.#uses.set(e.full, u);
      const d = e.decl;
      if (d.kind === 'alias') mark(e.file, d.type, use, seen);
      if (d.kind === 'struct' || d.kind === 'error') for (const f of d.fields) mark(e.file, f.type, use, seen);
      if (d.kind === 'union') for (const v of d.variants) mark(e.file, v.type, use, seen);
    };
    const seen = new Set<string>();
    for (const e of program.decls.values()) {
      if (e.decl.kind !== 'service') continue;
      for (const m of e.decl.methods) {
        for (const p of m.params) mark(e.file, p.type, 'input', seen);
        if (m.result) mark(e.file, m.result, 'output', seen);
        for (const r of m.raises) mark(e.file, { kind: 'named', name: r.name, offset: r.offset }, 'output', seen);
      }
    }
  }

  run(): Change[] {
    this.#markUses(this.#old);
    this.#markUses(this.#new);
    for (const [name, prev] of this.#old.decls) {
      const next = this.#new.decls.get(name);
      if (!next) {
        const renamed = [...this.#new.decls.values()].find(
          (e) => aliases(e.decl.annotations).includes(prev.decl.name) && e.decl.kind === prev.decl.kind,
        );
        if (renamed) this.#decl(prev, renamed);
        else if (prev.decl.kind === 'service') this.#add(name, 'service removed', 'breaking');
        else this.#add(name, `${prev.decl.kind} removed`, this.#uses.has(name) ? 'breaking' : 'compatible');
      } else this.#decl(prev, next);
    }
    for (const [name, next] of this.#new.decls) {
      if (this.#old.decls.has(name)) continue;
      if (aliases(next.decl.annotations).some((a) => [...this.#old.decls.values()].some((e) => e.decl.name === a))) continue;
      this.#add(name, `${next.decl.kind} added`, 'compatible');
    }
    return this.changes;
  }

  #use(full: string): Use {
    return this.#uses.get(full) ?? { input: false, output: false };
  }

  #decl(prev: Entry, next: Entry): void {
    const path = next.full;
    if (this.#compared.has(path)) return;
    this.#compared.add(path);
    const a = prev.decl;
    const b = next.decl;
    if (prev.full !== next.full) this.#add(path, `renamed from ${prev.decl.name} (with @alias)`, 'compatible');
    if (a.kind !== b.kind) return this.#add(path, `changed from ${a.kind} to ${b.kind}`, 'breaking');
    const use = this.#use(path);
    if (a.kind === 'alias' && b.kind === 'alias') {
      this.#type(
        path,
        resolveType(this.#old, prev.file, a.type, true, constraintsOf(a.annotations)),
        resolveType(this.#new, next.file, b.type, true, constraintsOf(b.annotations)),
        use,
      );
    } else if ((a.kind === 'struct' && b.kind === 'struct') || (a.kind === 'error' && b.kind === 'error')) {
      if (a.kind === 'error' && b.kind === 'error' && a.code !== b.code)
        this.#add(path, `status code changed from ${a.code} to ${b.code}`, 'breaking');
      this.#fields(
        path,
        prev,
        next,
        a.fields,
        b.fields,
        a.kind === 'error' ? { input: false, output: true } : use,
        b.kind === 'struct' ? b.reserved : [],
        'field',
      );
    } else if ((a.kind === 'enum' && b.kind === 'enum') || (a.kind === 'union' && b.kind === 'union')) {
      this.#members(path, prev, next, a, b, use);
    } else if (a.kind === 'service' && b.kind === 'service') this.#service(path, prev, next, a, b);
  }

  #members(path: string, prev: Entry, next: Entry, a: Ast.EnumDecl | Ast.UnionDecl, b: Ast.EnumDecl | Ast.UnionDecl, use: Use): void {
    const before = new Map<string, Ast.Member | Ast.Variant>((a.kind === 'enum' ? a.members : a.variants).map((m) => [m.name, m]));
    const after = b.kind === 'enum' ? b.members : b.variants;
    const word = a.kind === 'enum' ? 'value' : 'variant';
    for (const m of after) {
      const old =
        before.get(m.name) ??
        aliases(m.annotations)
          .map((x) => before.get(x))
          .find(Boolean);
      if (!old) {
        this.#add(`${path}.${m.name}`, `${word} added`, variance(1, use, true));
        continue;
      }
      if (old.name !== m.name) this.#add(`${path}.${m.name}`, `renamed from ${old.name} (with @alias)`, 'compatible');
      before.delete(old.name);
      if ('type' in old && 'type' in m) {
        const [ta, tb] = [(old as Ast.Variant).type, (m as Ast.Variant).type];
        this.#type(`${path}.${m.name}`, resolveType(this.#old, prev.file, ta, true), resolveType(this.#new, next.file, tb, true), use);
      }
    }
    for (const name of before.keys()) this.#add(`${path}.${name}`, `${word} removed`, variance(-1, use));
  }

  #fields(
    path: string,
    prev: Entry,
    next: Entry,
    a: readonly Ast.Field[],
    b: readonly Ast.Field[],
    use: Use,
    reserved: readonly Ast.Reserved[],
    word: string,
  ): void {
    const before = new Map(a.map((f) => [f.name, f]));
    for (const f of b) {
      const old =
        before.get(f.name) ??
        aliases(f.annotations)
          .map((x) => before.get(x))
          .find(Boolean);
      const p = `${path}.${f.name}`;
      if (!old) {
        if (f.optional) this.#add(p, `optional ${word} added`, 'compatible');
        else this.#add(p, `required ${word} added`, use.input ? 'breaking' : 'compatible');
        continue;
      }
      before.delete(old.name);
      if (old.name !== f.name) this.#add(p, `renamed from ${old.name} (with @alias)`, 'compatible');
      this.#field(p, prev, next, old, f, use, word);
    }
    const reservedNames = new Set(reserved.flatMap((r) => r.names.map((n) => n.name)));
    for (const f of before.values()) {
      const p = `${path}.${f.name}`;
      if (!f.optional && use.output) this.#add(p, `required ${word} removed (old readers expect it)`, 'breaking');
      else if (word === 'field' && !reservedNames.has(f.name))
        this.#add(p, `${word} removed without 'reserved ${f.name};' (a later reuse would go unnoticed)`, 'warning');
      else this.#add(p, `${word} removed`, 'compatible');
    }
  }

  #field(p: string, prev: Entry, next: Entry, a: Ast.Field | Ast.Param, b: Ast.Field | Ast.Param, use: Use, word: string): void {
    if (a.optional !== b.optional) {
      // Optional → required: inputs now demand it. Required → optional: outputs may now lack it.
      if (b.optional) this.#add(p, `${word} made optional`, use.output ? 'breaking' : 'compatible');
      else this.#add(p, `${word} made required`, use.input ? 'breaking' : 'compatible');
    }
    const da = a.default
      ? JSON.stringify(a.default, (k, v) => (k === 'offset' ? undefined : typeof v === 'bigint' ? String(v) : v))
      : undefined;
    const db = b.default
      ? JSON.stringify(b.default, (k, v) => (k === 'offset' ? undefined : typeof v === 'bigint' ? String(v) : v))
      : undefined;
    if (da !== db) this.#add(p, 'default changed', 'breaking');
    if ('stream' in a && 'stream' in b && a.stream !== b.stream)
      this.#add(p, `${word} ${b.stream ? 'became' : 'is no longer'} a stream`, 'breaking');
    this.#type(
      p,
      resolveType(this.#old, prev.file, a.type, true, constraintsOf(a.annotations)),
      resolveType(this.#new, next.file, b.type, true, constraintsOf(b.annotations)),
      use,
    );
  }

  /** Compares two resolved types at a place used as `use`. */
  #type(path: string, a: RType, b: RType, use: Use): void {
    if (a.kind === 'prim' && b.kind === 'prim') {
      const dir = widening(a.name, b.name);
      if (dir === undefined) return this.#add(path, `type changed from ${a.name} to ${b.name}`, 'breaking');
      if (dir !== 0) this.#add(path, `type ${dir > 0 ? 'widened' : 'narrowed'} from ${a.name} to ${b.name}`, variance(dir, use));
    } else if (a.kind === 'list' && b.kind === 'list') this.#type(`${path}[]`, a.of, b.of, use);
    else if (a.kind === 'map' && b.kind === 'map') {
      this.#type(`${path}{key}`, a.key, b.key, use);
      this.#type(`${path}{}`, a.value, b.value, use);
    } else if (a.kind === 'ref' && b.kind === 'ref') {
      const renamed = aliases(b.entry.decl.annotations).includes(a.entry.decl.name);
      if (a.entry.full !== b.entry.full && !renamed)
        return this.#add(path, `type changed from ${a.entry.full} to ${b.entry.full}`, 'breaking');
      this.#decl(a.entry, b.entry);
    } else return this.#add(path, `type changed from ${describe(a)} to ${describe(b)}`, 'breaking');
    const dir = constraintDirection(a.c, b.c);
    if (dir !== 0) this.#add(path, `constraints ${dir === 1 ? 'loosened' : dir === -1 ? 'tightened' : 'changed'}`, variance(dir, use));
  }

  #service(path: string, prev: Entry, next: Entry, a: Ast.ServiceDecl, b: Ast.ServiceDecl): void {
    if (a.major !== b.major) {
      this.#add(
        path,
        `major version changed from ${a.major} to ${b.major}: callers of ${a.major} need it served beside the new one`,
        'breaking',
      );
      return;
    }
    if (b.minor < a.minor) this.#add(path, `minor version went down from ${a.minor} to ${b.minor}`, 'breaking');
    const before = new Map(a.methods.map((m) => [m.name, m]));
    let added = false;
    for (const m of b.methods) {
      const old =
        before.get(m.name) ??
        aliases(m.annotations)
          .map((x) => before.get(x))
          .find(Boolean);
      const p = `${path}.${m.name}`;
      if (!old) {
        added = true;
        const since = versionOf(annotation(m.annotations, 'since')?.args[0]?.value);
        if (b.minor <= a.minor) this.#add(p, 'method added without a minor version bump', 'breaking');
        else if (!since || since[1] <= a.minor) this.#add(p, `method added without @since(${b.major}.${b.minor})`, 'breaking');
        else this.#add(p, 'method added', 'compatible');
        continue;
      }
      before.delete(old.name);
      this.#method(p, prev, next, old, m);
    }
    for (const name of before.keys()) this.#add(`${path}.${name}`, 'method removed', 'breaking');
    if (!added && b.minor > a.minor) this.#add(path, `minor version bumped to ${b.minor}`, 'compatible');
  }

  #method(p: string, prev: Entry, next: Entry, a: Ast.Method, b: Ast.Method): void {
    if (a.name !== b.name) this.#add(p, `renamed from ${a.name} (with @alias)`, 'compatible');
    if (a.kind !== b.kind) return this.#add(p, `changed from ${a.kind} to ${b.kind}`, 'breaking');
    if (a.named !== b.named)
      return this.#add(
        p,
        `parameters changed from ${a.named ? 'named' : 'positional'} to ${b.named ? 'named' : 'positional'}`,
        'breaking',
      );
    if (a.streamResult !== b.streamResult)
      return this.#add(p, b.streamResult ? 'unary result became a stream' : 'stream result became unary', 'breaking');
    const input = { input: true, output: false };
    if (a.named) this.#fields(p, prev, next, a.params, b.params, input, [], 'parameter');
    else {
      b.params.forEach((q, i) => {
        const old = a.params[i];
        const pp = `${p}(${q.name})`;
        if (!old)
          this.#add(
            pp,
            q.optional ? 'trailing optional parameter added' : 'required parameter added',
            q.optional ? 'compatible' : 'breaking',
          );
        else this.#field(pp, prev, next, old, q, input, 'parameter');
      });
      for (const old of a.params.slice(b.params.length)) this.#add(`${p}(${old.name})`, 'positional parameter removed', 'breaking');
    }
    const output = { input: false, output: true };
    if (a.result && b.result)
      this.#type(`${p}->`, resolveType(this.#old, prev.file, a.result, true), resolveType(this.#new, next.file, b.result, true), output);
    else if (a.result || b.result) this.#add(`${p}->`, b.result ? 'result added' : 'result removed', b.result ? 'compatible' : 'breaking');
    const raisesA = new Set(a.raises.map((r) => r.name));
    for (const r of b.raises)
      if (!raisesA.has(r.name)) this.#add(`${p} raises ${r.name}`, 'error added (old callers see only its code)', 'warning');
    if (annotation(a.annotations, 'idempotent') && !annotation(b.annotations, 'idempotent'))
      this.#add(p, 'no longer @idempotent (retries may now repeat effects)', 'warning');
  }
}

function describe(t: RType): string {
  if (t.kind === 'prim') return t.name;
  if (t.kind === 'ref') return t.entry.full;
  if (t.kind === 'list') return `list<${describe(t.of)}>`;
  if (t.kind === 'map') return `map<${describe(t.key)}, ${describe(t.value)}>`;
  return 'unknown';
}

function aliases(list: readonly Ast.Annotation[]): string[] {
  return list
    .filter((a) => a.name === 'alias')
    .flatMap((a) => a.args.map((x) => (x.value.kind === 'name' ? x.value.name : x.value.kind === 'string' ? x.value.value : '')));
}

/** Every change from `old` to `next`, each with its verdict. */
export function compare(old: Program, next: Program): Change[] {
  return new Comparer(old, next).run();
}

/** The worst verdict of a list of changes ('compatible' when there is none). */
export function verdictOf(changes: readonly Change[]): Verdict {
  return changes.reduce<Verdict>((v, c) => worst(v, c.verdict), 'compatible');
}
