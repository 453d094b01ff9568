/**
 * Creates a directory and its missing parents, one level at a time. Node's own
 * `mkdirSync(dir, { recursive: true })` spins forever when a parent exists but refuses children
 * with ENOENT (any path under /proc, a dangling symlink): it reads ENOENT as "parent missing",
 * re-creates the parent (EEXIST) and retries. Here each level is tried once, so a user's bad
 * `--ts /proc/x` is an error instead of a hung CLI.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

function isDirectory(path: string): boolean | undefined {
  try {
    return statSync(path).isDirectory();
  } catch {
    return undefined;
  }
}

export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let current = resolve(dir);
  // The walk up ends at the root, so it is bounded by the path's depth.
  for (let exists = isDirectory(current); exists === undefined; exists = isDirectory(current)) {
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  if (isDirectory(current) === false) throw new Error(`${current} is not a directory`);
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path);
    } catch (error) {
      // Another process may have made it meanwhile; anything else is final.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !isDirectory(path)) throw error;
    }
  }
}
