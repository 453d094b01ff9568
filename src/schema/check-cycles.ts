/**
 * The checker's cycle rule: no alias refers to itself and no struct contains itself through
 * required fields (either would make a value infinite). A whole-program walk, so it is its own
 * module; the walk is bounded so a hostile file cannot overflow the stack.
 */
import type * as Ast from './ast.js';
import type { Entry, Program } from './program.js';

/** Longest chain of types through required fields or aliases that the cycle check follows. */
const MAX_CHAIN = 1000;

/** Alias cycles, and structs that contain themselves through required fields only (an infinite value). */
export function checkCycles(program: Program, report: (entry: Entry, code: string, message: string) => void): void {
  const state = new Map<Entry, 'open' | 'done'>();
  const refsOf = (entry: Entry): Entry[] => {
    const d = entry.decl;
    const direct = (ref: Ast.TypeRef): Entry[] => {
      if (ref.kind !== 'named') return d.kind === 'alias' && ref.kind === 'list' ? direct(ref.of) : [];
      const e = program.lookup(entry.file, ref.name);
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
  for (const entry of program.decls.values()) visit(entry);
}
