/**
 * Diagnostics of the IDL tool chain: a code, a message and a place, printed as
 * `file:line:col: severity CODE message` so editors and terminals can jump to them.
 */

export type Severity = 'error' | 'warning';

export interface Related {
  readonly file: string;
  readonly offset: number;
  readonly message: string;
}

/** One finding of the parser or checker, with its code (docs/idl.md lists them) and where it is. */
export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  /** Offset into the source, in UTF-16 units. */
  readonly offset: number;
  readonly related?: Related;
}

/** 1-based line and column of an offset, found by binary search over the line starts. */
export function lineColumn(lineStarts: readonly number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - lineStarts[low]! + 1 };
}

export function lineStartsOf(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Formats diagnostics against the sources they point into (`sources` maps a file name to its text). */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): string {
  const starts = new Map<string, number[]>();
  const where = (file: string, offset: number) => {
    const text = sources.get(file);
    if (text === undefined) return file;
    let lines = starts.get(file);
    if (!lines) starts.set(file, (lines = lineStartsOf(text)));
    const { line, column } = lineColumn(lines, offset);
    return `${file}:${line}:${column}`;
  };
  return diagnostics
    .map((d) => {
      const head = `${where(d.file, d.offset)}: ${d.severity} ${d.code} ${d.message}`;
      return d.related ? `${head}\n  ${where(d.related.file, d.related.offset)}: note: ${d.related.message}` : head;
    })
    .join('\n');
}

/** Edit distance, bounded: names are short, and anything over `limit` is no suggestion. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      const value = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      row.push(value);
      if (value < best) best = value;
    }
    if (best > limit) return limit + 1;
    previous = row;
  }
  return previous[b.length]!;
}

/** `, did you mean 'x'?` for the closest candidate within a third of the name's length, or ''. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (candidate === name || candidate.length > 256) continue;
    const d = distance(name, candidate, limit);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best === undefined ? '' : `, did you mean '${best}'?`;
}
