/**
 * Type references resolved against a program: primitives with their constraints, lists, maps,
 * and references to declarations. Aliases can be kept (generators name them) or flattened
 * (validators and the compatibility check compare what is underneath).
 */
import type * as Ast from './ast.js';
import { type Primitive, primitives } from './ast.js';
import type { Entry, Program } from './program.js';

export interface Constraints {
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  maxItems?: number;
}

export type RType =
  | { readonly kind: 'prim'; readonly name: Primitive; readonly c: Constraints }
  | { readonly kind: 'list'; readonly of: RType; readonly c: Constraints }
  | { readonly kind: 'map'; readonly key: RType; readonly value: RType; readonly c: Constraints }
  | { readonly kind: 'ref'; readonly entry: Entry; readonly c: Constraints }
  | { readonly kind: 'unknown' };

export const CONSTRAINTS = ['min', 'max', 'minLength', 'maxLength', 'pattern', 'maxItems'] as const;

/** The constraint annotations of a declaration, field or param (arguments already checked). */
export function constraintsOf(annotations: readonly Ast.Annotation[]): Constraints {
  const c: Constraints = {};
  for (const a of annotations) {
    const v = a.args[0]?.value;
    if (!v || !(CONSTRAINTS as readonly string[]).includes(a.name)) continue;
    if (a.name === 'pattern') {
      if (v.kind === 'string') c.pattern = v.value;
    } else if (v.kind === 'int' || v.kind === 'float') {
      (c as Record<string, number>)[a.name] = Number(v.value);
    }
  }
  return c;
}

function merge(inner: Constraints, outer: Constraints): Constraints {
  return { ...inner, ...outer };
}

/**
 * Resolves a type reference of `file`. With `flatten`, aliases are replaced by what they stand
 * for (their constraints merged under the use site's); alias cycles end as `unknown`.
 */
export function resolveType(program: Program, file: Ast.SourceFile, ref: Ast.TypeRef, flatten: boolean, c: Constraints = {}): RType {
  return resolveIn(program, file, ref, flatten, c, new Set());
}

function resolveIn(program: Program, file: Ast.SourceFile, ref: Ast.TypeRef, flatten: boolean, c: Constraints, seen: Set<Entry>): RType {
  switch (ref.kind) {
    case 'list':
      return { kind: 'list', of: resolveIn(program, file, ref.of, flatten, {}, seen), c };
    case 'map':
      return {
        kind: 'map',
        key: resolveIn(program, file, ref.key, flatten, {}, seen),
        value: resolveIn(program, file, ref.value, flatten, {}, seen),
        c,
      };
    default: {
      const entry = program.lookup(file, ref.name);
      if (!entry) return primitives.has(ref.name) ? { kind: 'prim', name: ref.name as Primitive, c } : { kind: 'unknown' };
      if (entry.decl.kind === 'alias' && flatten) {
        if (seen.has(entry)) return { kind: 'unknown' };
        seen.add(entry);
        const inner = resolveIn(program, entry.file, entry.decl.type, true, merge(constraintsOf(entry.decl.annotations), c), seen);
        seen.delete(entry);
        return inner;
      }
      return { kind: 'ref', entry, c };
    }
  }
}
