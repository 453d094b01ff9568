/**
 * The checker's annotation rules: which annotations exist, where each may sit and what arguments
 * it takes (the table below is the single source), plus the helpers the generators use to read
 * annotations back. Apart from `checker.ts` so the table and its rules stay in one short file.
 */
import type * as Ast from './ast.js';
import { didYouMean } from './diagnostics.js';

/** Reports one checker diagnostic in the file being checked. */
export type Report = (offset: number, code: string, message: string, related?: { offset: number; message: string }) => void;

export type Place = 'type' | 'decl' | 'field' | 'param' | 'member' | 'method';
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
/** Each `@cache` argument: its kind, and the field of the cache plugin's `CachePolicy` it sets (durations in ms). */
export const CACHE_ARGS: Readonly<Record<string, { readonly kind: 'duration' | 'bool'; readonly policy: string }>> = {
  ttl: { kind: 'duration', policy: 'maxAge' },
  swr: { kind: 'duration', policy: 'staleWhileRevalidate' },
  staleIfError: { kind: 'duration', policy: 'staleIfError' },
  mustRevalidate: { kind: 'bool', policy: 'mustRevalidate' },
  private: { kind: 'bool', policy: 'private' },
  persist: { kind: 'bool', policy: 'persist' },
  shared: { kind: 'bool', policy: 'shared' },
};

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

/** Each annotation is known, sits where it means something, is not repeated, and has arguments of the right kind. */
export function checkAnnotations(annotations: readonly Ast.Annotation[], place: Place, report: Report): void {
  const seen = new Set<string>();
  for (const a of annotations) {
    const spec = ANNOTATIONS[a.name];
    if (!spec) {
      report(a.offset, 'E401', `unknown annotation '@${a.name}'${didYouMean(a.name, Object.keys(ANNOTATIONS))}`);
      continue;
    }
    if (!spec.places.includes(place)) {
      report(a.offset, 'E402', `'@${a.name}' does not apply to a ${place === 'type' ? 'type alias' : place}`);
      continue;
    }
    if (seen.has(a.name) && a.name !== 'alias') report(a.offset, 'E408', `'@${a.name}' is given twice`);
    seen.add(a.name);
    checkArgs(a, spec.arg, report);
  }
}

function checkArgs(a: Ast.Annotation, kind: ArgKind, report: Report): void {
  const bad = (what: string) => report(a.offset, 'E403', `'@${a.name}' takes ${what}`);
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
        report(v.offset, 'E406', `invalid pattern: ${(error as Error).message}`);
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
        const want = arg.name === undefined ? undefined : CACHE_ARGS[arg.name]?.kind;
        if (!want) {
          const hint = arg.name ? didYouMean(arg.name, Object.keys(CACHE_ARGS)) : '';
          report(arg.value.offset, 'E403', `'@cache' takes named arguments (${Object.keys(CACHE_ARGS).join(', ')})${hint}`);
        } else if ((want === 'duration') !== (arg.value.kind === 'duration') || (want === 'bool' && arg.value.kind !== 'bool')) {
          report(
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
