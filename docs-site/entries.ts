/**
 * The package's public entry points and their sources: the `exports` of package.json mapped
 * through tsconfig.json's `paths` (the map TypeScript, knip and the tests already share), so a new
 * entry point needs no change here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository root. */
export const root = resolve(import.meta.dirname, '..');

/** One public entry point: its import name (`saltline/webrtc`) and its source file (absolute). */
export interface Entry {
  readonly name: string;
  readonly source: string;
}

const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(resolve(root, file), 'utf8'));

/** Every entry of package.json `exports` that has a source in tsconfig.json `paths`, in that order. */
export function entries(): Entry[] {
  const { name, exports } = readJson('package.json') as { name: string; exports: Record<string, unknown> };
  const { paths } = (readJson('tsconfig.json') as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions;
  return Object.keys(exports).flatMap((key) => {
    const entry = `${name}${key.slice(1)}`;
    const source = paths[entry]?.[0];
    return source === undefined ? [] : [{ name: entry, source: resolve(root, source) }];
  });
}
