/**
 * The TypeScript generator: for each source file, one module of types, Standard Schema
 * validators and service descriptors. Only erasable syntax (no `enum`, no `namespace`) and no
 * `eval`, so it runs under Node's type stripping and a strict CSP.
 */
import type * as Ast from './ast.js';
import { annotation, CACHE_ARGS, versionOf } from './check-annotations.js';
import { formatMethod } from './format.js';
import { serviceHash } from './hash.js';
import type { Entry, Program } from './program.js';
import { type Constraints, constraintsOf, type RType, resolveType } from './resolve.js';

export interface TsOptions {
  /** Module the generated code imports the runtime from. Default 'saltline/schema'. */
  readonly runtime?: string;
}

const TS_PRIM: Record<string, string> = {
  bool: 'boolean',
  int8: 'number',
  int16: 'number',
  int32: 'number',
  int53: 'number',
  uint8: 'number',
  uint16: 'number',
  uint32: 'number',
  int64: 'bigint',
  uint64: 'bigint',
  bigint: 'bigint',
  float32: 'number',
  float64: 'number',
  string: 'string',
  bytes: 'Uint8Array',
  timestamp: 'Date',
  any: 'unknown',
};

const TS_BUILT_IN = new Set(Object.values(TS_PRIM));

/** The output file name of a source file: `notes.saltline` → `notes.ts`. */
export function moduleName(path: string, ext = '.ts'): string {
  const base = path.split('/').pop()!;
  return base.replace(/\.saltline$/, '') + ext;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (name: string) => (IDENT.test(name) ? name : JSON.stringify(name));

function docs(lines: readonly string[], indent: string): string {
  if (!lines.length) return '';
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l.replaceAll('*/', '*\\/')}`.trimEnd()).join('\n')}\n${indent} */\n`;
}

function literal(v: Ast.Value, t: RType): string {
  if (v.kind === 'int')
    return t.kind === 'prim' && (t.name === 'int64' || t.name === 'uint64' || t.name === 'bigint') ? `${v.value}n` : String(v.value);
  if (v.kind === 'float') return v.text;
  if (v.kind === 'string') return JSON.stringify(v.value);
  if (v.kind === 'bool') return String(v.value);
  if (v.kind === 'name') return JSON.stringify(v.name);
  if (v.kind === 'list') return '[]';
  return 'undefined';
}

function constraints(c: Constraints): string {
  const entries = Object.entries(c).filter(([, v]) => v !== undefined);
  return entries.length ? `{ ${entries.map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : v}`).join(', ')} }` : '';
}

class TsModule {
  readonly #program: Program;
  readonly #file: Ast.SourceFile;
  readonly #imports = new Map<string, Set<string>>();

  constructor(program: Program, file: Ast.SourceFile) {
    this.#program = program;
    this.#file = file;
  }

  #ref(entry: Entry): string {
    if (entry.file !== this.#file) {
      const from = `./${moduleName(entry.file.file, '.js')}`;
      let names = this.#imports.get(from);
      if (!names) this.#imports.set(from, (names = new Set()));
      names.add(entry.decl.name);
    }
    return entry.decl.name;
  }

  type(t: Ast.TypeRef): string {
    if (t.kind === 'list') return `${this.type(t.of)}[]`.replace(/^(.* \| .*)\[\]$/, '($1)[]');
    if (t.kind === 'map') {
      // An enum's type includes its $unknown case, which is no key: s.Known drops it.
      const k = this.type(t.key);
      return `Record<${TS_BUILT_IN.has(k) ? k : `s.Known<${k}>`}, ${this.type(t.value)}>`;
    }
    const entry = this.#program.lookup(this.#file, t.name);
    return entry ? this.#ref(entry) : (TS_PRIM[t.name] ?? 'unknown');
  }

  validator(t: Ast.TypeRef, annotations: readonly Ast.Annotation[] = []): string {
    const c = constraintsOf(annotations);
    const constrained = Object.keys(c).length > 0;
    return this.#validatorOf(
      constrained ? resolveType(this.#program, this.#file, t, true, c) : resolveType(this.#program, this.#file, t, false),
    );
  }

  #validatorOf(t: RType): string {
    const c = t.kind === 'unknown' ? '' : constraints(t.c);
    switch (t.kind) {
      case 'list':
        return `s.list(${this.#validatorOf(t.of)}${c ? `, ${c}` : ''})`;
      case 'map':
        return `s.map(${this.#validatorOf(t.key)}, ${this.#validatorOf(t.value)}${c ? `, ${c}` : ''})`;
      case 'ref':
        return `s.lazy(() => ${this.#ref(t.entry)})`;
      case 'unknown':
        return 's.any()';
      default: {
        const n = t.name;
        if (n === 'int64' || n === 'uint64' || n === 'bigint') return `s.wide(${JSON.stringify(n)}${c ? `, ${c}` : ''})`;
        if (n.startsWith('int') || n.startsWith('uint')) return `s.int(${JSON.stringify(n)}${c ? `, ${c}` : ''})`;
        if (n.startsWith('float')) return `s.float(${c})`;
        if (n === 'bool') return 's.bool()';
        return `s.${n}(${c})`;
      }
    }
  }

  #fieldSpec(f: Ast.Field | Ast.Param): string {
    const parts = [`schema: ${this.validator(f.type, f.annotations)}`];
    if (f.optional) parts.push('optional: true');
    if (f.default) parts.push(`default: ${literal(f.default, resolveType(this.#program, this.#file, f.type, true))}`);
    const aliases = annotation(f.annotations, 'alias')?.args.map((a) =>
      a.value.kind === 'name' ? a.value.name : a.value.kind === 'string' ? a.value.value : '',
    );
    if (aliases?.length) parts.push(`aliases: ${JSON.stringify(aliases)}`);
    if ('stream' in f && f.stream) parts.push('stream: true');
    return `{ ${parts.join(', ')} }`;
  }

  #fieldType(f: Ast.Field | Ast.Param): string {
    const t = this.type(f.type);
    return 'stream' in f && f.stream ? `AsyncIterable<${t}>` : t;
  }

  decl(entry: Entry): string {
    const d = entry.decl;
    const doc = docs([...d.docs, ...(annotation(d.annotations, 'deprecated') ? ['@deprecated'] : [])], '');
    switch (d.kind) {
      case 'alias':
        return `${doc}export type ${d.name} = ${this.type(d.type)};\nexport const ${d.name}: s.Schema<${d.name}> = ${this.validator(d.type, d.annotations)} as s.Schema<${d.name}>;\n`;
      case 'struct': {
        const body = d.fields
          .map((f) => `${docs(f.docs, '  ')}  ${key(f.name)}${f.optional && !f.default ? '?' : ''}: ${this.#fieldType(f)};\n`)
          .join('');
        const table = d.fields.map((f) => `  ${key(f.name)}: ${this.#fieldSpec(f)},\n`).join('');
        return `${doc}export interface ${d.name} {\n${body}}\nexport const ${d.name}: s.Schema<${d.name}> = s.struct(${JSON.stringify(entry.full)}, {\n${table}});\n`;
      }
      case 'enum': {
        const members = d.members.map((m) => JSON.stringify(m.name));
        return `${doc}export type ${d.name} = ${members.join(' | ')} | s.UnknownMember;\nexport const ${d.name}: s.Schema<${d.name}> = s.enumOf(${JSON.stringify(entry.full)}, [${members.join(', ')}]);\n`;
      }
      case 'union': {
        const variants = [
          ...d.variants.map((v) => `  | { type: ${JSON.stringify(v.name)}; value: ${this.type(v.type)} }`),
          '  | s.UnknownVariant',
        ].join('\n');
        const table = d.variants.map((v) => `  ${key(v.name)}: ${this.validator(v.type)},\n`).join('');
        return `${doc}export type ${d.name} =\n${variants};\nexport const ${d.name}: s.Schema<${d.name}> = s.union(${JSON.stringify(entry.full)}, {\n${table}});\n`;
      }
      case 'error': {
        const body = d.fields.map((f) => `  ${key(f.name)}${f.optional ? '?' : ''}: ${this.type(f.type)};\n`).join('');
        const table = d.fields.map((f) => `  ${key(f.name)}: ${this.#fieldSpec(f)},\n`).join('');
        return (
          `${doc}export interface ${d.name}Data {\n${body}}\n` +
          `export const ${d.name}: s.ErrorType<${d.name}Data> = s.errorType(${JSON.stringify(entry.full)}, ${JSON.stringify(d.code)}, {\n${table}});\n`
        );
      }
      case 'service':
        return this.#service(entry, d, doc);
    }
  }

  #service(entry: Entry, d: Ast.ServiceDecl, doc: string): string {
    const client: string[] = [];
    const handlers: string[] = [];
    const table: string[] = [];
    for (const m of d.methods) {
      const mdoc = docs(
        [
          ...m.docs,
          `\`${formatMethod({ ...m, docs: [], comments: [], params: m.params.map((p) => ({ ...p, docs: [], comments: [] })) })}\``,
        ],
        '  ',
      );
      const params = m.named
        ? [
            `params${m.params.every((p) => p.optional) ? '?' : ''}: { ${m.params.map((p) => `${key(p.name)}${p.optional ? '?' : ''}: ${this.#fieldType(p)}`).join('; ')} }`,
          ]
        : m.params.map((p) => `${p.name}${p.optional ? '?' : ''}: ${this.#fieldType(p)}`);
      const handlerParams = m.named
        ? [`params: { ${m.params.map((p) => `${key(p.name)}${p.optional && !p.default ? '?' : ''}: ${this.#fieldType(p)}`).join('; ')} }`]
        : m.params.map((p) => `${p.name}: ${this.#fieldType(p)}${p.optional && !p.default ? ' | undefined' : ''}`);
      const result = m.result ? this.type(m.result) : 'void';
      if (m.kind === 'notify') {
        client.push(`${mdoc}  ${key(m.name)}(${params.join(', ')}): void;\n`);
        handlers.push(`${mdoc}  ${key(m.name)}(${[...handlerParams, 'ctx: CallContext'].join(', ')}): void | Promise<void>;\n`);
      } else if (m.streamResult) {
        client.push(
          `${mdoc}  ${key(m.name)}(${[...params, 'options?: CallOptions'].join(', ')}): Promise<AsyncIterable<${result}>> & AsyncIterable<${result}>;\n`,
        );
        handlers.push(
          `${mdoc}  ${key(m.name)}(${[...handlerParams, 'ctx: CallContext'].join(', ')}): AsyncIterable<${result}> | Promise<AsyncIterable<${result}>>;\n`,
        );
      } else {
        client.push(`${mdoc}  ${key(m.name)}(${[...params, 'options?: CallOptions'].join(', ')}): Promise<${result}>;\n`);
        handlers.push(`${mdoc}  ${key(m.name)}(${[...handlerParams, 'ctx: CallContext'].join(', ')}): ${result} | Promise<${result}>;\n`);
      }
      const spec = [`kind: ${JSON.stringify(m.kind)}`];
      if (m.named) spec.push('named: true');
      spec.push(`params: [${m.params.map((p) => `{ name: ${JSON.stringify(p.name)}, ...${this.#fieldSpec(p)} }`).join(', ')}]`);
      if (m.result) spec.push(`result: ${this.validator(m.result)}`);
      if (m.streamResult) spec.push('stream: true');
      const since = versionOf(annotation(m.annotations, 'since')?.args[0]?.value);
      if (since) spec.push(`since: [${since.join(', ')}]`);
      const timeout = annotation(m.annotations, 'timeout')?.args[0]?.value;
      if (timeout?.kind === 'duration') spec.push(`timeout: ${timeout.ms}`);
      if (annotation(m.annotations, 'idempotent')) spec.push('idempotent: true');
      const cache = annotation(m.annotations, 'cache');
      if (cache) spec.push(`cache: ${cachePolicy(cache)}`);
      table.push(`  ${key(m.name)}: { ${spec.join(', ')} },\n`);
    }
    const n = d.name;
    return (
      `${doc}export interface ${n}Client {\n${client.join('')}}\n` +
      `export interface ${n}Handlers {\n${handlers.join('')}}\n` +
      `export const ${n}: s.ServiceDescriptor<${n}Client, ${n}Handlers> = s.service(${JSON.stringify(entry.full)}, [${d.major}, ${d.minor}], ` +
      `${JSON.stringify(serviceHash(this.#program, entry))}, {\n${table.join('')}});\n`
    );
  }

  render(runtime: string): string {
    const body = this.#file.decls
      .map((d) => this.#program.decls.get(this.#file.package ? `${this.#file.package}.${d.name}` : d.name))
      .filter((e): e is Entry => e !== undefined && e.file === this.#file)
      .map((e) => this.decl(e))
      .join('\n');
    const usesServices = this.#file.decls.some((d) => d.kind === 'service');
    const head = [
      `// Generated by saltline from ${this.#file.file.split('/').pop()}: do not edit (run \`saltline gen\`).`,
      `// package ${this.#file.package}`,
      usesServices ? `import type { CallContext, CallOptions } from 'saltline';` : '',
      `import * as s from ${JSON.stringify(runtime)};`,
      ...[...this.#imports].map(([from, names]) => `import { ${[...names].sort().join(', ')} } from ${JSON.stringify(from)};`),
    ].filter(Boolean);
    return `${head.join('\n')}\n\n${body}`;
  }
}

/** The `@cache` annotation as the cache plugin's policy (`cached(policy, fn)` of saltline/cache), by the table in CACHE_ARGS. */
function cachePolicy(a: Ast.Annotation): string {
  const parts = a.args.flatMap((x) => {
    const field = x.name === undefined ? undefined : CACHE_ARGS[x.name]?.policy;
    if (!field) return [];
    return [`${field}: ${x.value.kind === 'duration' ? x.value.ms : x.value.kind === 'bool' ? x.value.value : 'undefined'}`];
  });
  return `{ ${parts.join(', ')} }`;
}

/** One module per root file (and per imported file), keyed by output file name. */
export function generateTs(program: Program, options: TsOptions = {}): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of program.files)
    out.set(moduleName(file.file), new TsModule(program, file).render(options.runtime ?? 'saltline/schema'));
  return out;
}
