/**
 * The checker's value rules: constraint annotations must fit the type underneath them, and a
 * default must be a value of its type. Apart from `checker.ts` because they only look at types
 * and values, never at the program's structure.
 */
import type * as Ast from './ast.js';
import { INT_RANGES } from './ast.js';
import type { Report } from './check-annotations.js';
import { didYouMean } from './diagnostics.js';
import type { Program } from './program.js';
import { constraintsOf, type RType, resolveType } from './resolve.js';

const NUMERIC = new Set([...Object.keys(INT_RANGES), 'bigint', 'float32', 'float64']);

/** An alias followed to the type underneath it. */
export function flatten(program: Program, t: RType): RType {
  if (t.kind !== 'ref' || t.entry.decl.kind !== 'alias') return t;
  return resolveType(program, t.entry.file, t.entry.decl.type, true);
}

/** Constraints must fit the type underneath: lengths on strings and bytes, bounds on numbers. */
export function checkConstraintsFit(program: Program, annotations: readonly Ast.Annotation[], t: RType, report: Report): void {
  const flat = flatten(program, t);
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
    if (!fits) report(a.offset, 'E404', `'@${a.name}' does not apply to ${kind}`);
  }
  const c = constraintsOf(annotations);
  if (c.min !== undefined && c.max !== undefined && c.min > c.max)
    report(annotations[0]!.offset, 'E405', `@min(${c.min}) is above @max(${c.max})`);
  if (c.minLength !== undefined && c.maxLength !== undefined && c.minLength > c.maxLength) {
    report(annotations[0]!.offset, 'E405', `@minLength(${c.minLength}) is above @maxLength(${c.maxLength})`);
  }
}

/** A default must be a value of its type (within an integer type's range, a member of its enum). */
export function checkDefaultFits(program: Program, v: Ast.Value, t: RType, report: Report): void {
  const flat = flatten(program, t);
  const bad = (what: string) => report(v.offset, 'E307', `the default must be ${what}`);
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
