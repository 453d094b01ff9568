/**
 * One call for tools: load files with their imports, run the checker, and say whether any
 * error was found.
 */
import { check } from './checker.js';
import type { Diagnostic } from './diagnostics.js';
import { type Host, Program, type ProgramOptions } from './program.js';

/** A loaded program and every diagnostic of its files; `ok` when none is an error. */
export interface Compiled {
  readonly program: Program;
  readonly diagnostics: readonly Diagnostic[];
  readonly ok: boolean;
}

/** Loads `paths` and their imports through `host`, parses and checks them. */
export function compile(paths: readonly string[], host: Host, options: ProgramOptions = {}): Compiled {
  const program = Program.load(paths, host, options);
  const diagnostics = check(program);
  return { program, diagnostics, ok: !diagnostics.some((d) => d.severity === 'error') };
}

/** Compiles sources held in memory (tests, the browser): `{ 'a.saltline': '...' }`. */
export function compileSources(
  sources: Readonly<Record<string, string>>,
  roots = Object.keys(sources),
  options: ProgramOptions = {},
): Compiled {
  return compile(roots, { read: (path) => (Object.hasOwn(sources, path) ? sources[path] : undefined) }, options);
}
