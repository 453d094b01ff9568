/**
 * The schema hash HELLO carries: FNV-1a (64-bit) of a service's canonical IDL and of every type
 * it reaches. It detects drift between two builds of one version; it is no security measure.
 */
import type * as Ast from './ast.js';
import { formatDecl } from './format.js';
import type { Entry, Program } from './program.js';

export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/** Every declaration a declaration reaches (itself first), through types, raises and aliases. */
export function reachable(program: Program, start: Entry): Entry[] {
  const seen = new Set<Entry>([start]);
  const queue = [start];
  const visitType = (file: Ast.SourceFile, t: Ast.TypeRef): void => {
    if (t.kind === 'list') return visitType(file, t.of);
    if (t.kind === 'map') return (visitType(file, t.key), visitType(file, t.value));
    const e = program.lookup(file, t.name);
    if (e && !seen.has(e)) seen.add(e), queue.push(e);
  };
  for (let e = queue.shift(); e; e = queue.shift()) {
    const d = e.decl;
    if (d.kind === 'alias') visitType(e.file, d.type);
    else if (d.kind === 'struct' || d.kind === 'error') for (const f of d.fields) visitType(e.file, f.type);
    else if (d.kind === 'union') for (const v of d.variants) visitType(e.file, v.type);
    else if (d.kind === 'service') {
      for (const m of d.methods) {
        for (const p of m.params) visitType(e.file, p.type);
        if (m.result) visitType(e.file, m.result);
        for (const r of m.raises) visitType(e.file, { kind: 'named', name: r.name, offset: r.offset });
      }
    }
  }
  return [...seen];
}

/** Docs and comments do not change the hash: only what the wire sees. */
function bare(decl: Ast.Decl): Ast.Decl {
  return JSON.parse(
    JSON.stringify(decl, (k, v) =>
      k === 'docs' || k === 'comments' || k === 'trailing' ? [] : typeof v === 'bigint' ? { $big: String(v) } : v,
    ),
    (_, v) => (v && typeof v === 'object' && '$big' in v ? BigInt(v.$big) : v),
  );
}

export function serviceHash(program: Program, service: Entry): string {
  const text = reachable(program, service)
    .map((e) => `${e.full}\n${formatDecl(bare(e.decl))}`)
    .sort()
    .join('\n');
  return `fnv1a64:${fnv1a64(text)}`;
}
