/**
 * `npx saltline`: gen, check, fmt and export-idl. Node only (it reads and writes files); the
 * work itself is the tool chain of `saltline/schema`. Returns the exit code instead of exiting,
 * so tests run it in-process.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportIdl } from './code-first.js';
import { compile } from './compile.js';
import { formatDiagnostics } from './diagnostics.js';
import { compare, verdictOf } from './evolution.js';
import { format } from './format.js';
import { generateDocs } from './gen-docs.js';
import { generateJsonSchema } from './gen-json-schema.js';
import { generatePython } from './gen-python.js';
import { generateTs } from './gen-ts.js';
import { makeDirectory } from './make-directory.js';
import { parse } from './parser.js';
import type { Host } from './program.js';
import type { ServiceDescriptor } from './service.js';

/** Where the CLI writes: stdout and stderr in the `saltline` command, buffers in tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const USAGE = `usage:
  saltline gen FILE... [--ts DIR] [--json-schema DIR] [--docs DIR] [--python DIR] [--check]
  saltline check OLD NEW
  saltline fmt FILE... [--check]
  saltline export-idl MODULE --package NAME [--out FILE]`;

const host: Host = {
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

class UsageError extends Error {}

function parseArgs(
  args: readonly string[],
  flags: readonly string[],
  switches: readonly string[] = [],
): { files: string[]; opts: Map<string, string | true> } {
  const files: string[] = [];
  const opts = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) files.push(a);
    else if (switches.includes(a)) opts.set(a, true);
    else if (flags.includes(a)) {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      opts.set(a, v);
    } else throw new UsageError(`unknown flag ${a} (known: ${[...flags, ...switches].join(', ')})`);
  }
  return { files, opts };
}

function writeAll(dir: string, files: Map<string, string>, checkOnly: boolean, io: Io): number {
  let stale = 0;
  if (!checkOnly) {
    try {
      makeDirectory(dir);
    } catch (error) {
      throw new UsageError(`cannot create ${dir}: ${(error as Error).message}`);
    }
  }
  for (const [name, text] of files) {
    const path = join(dir, name);
    if (checkOnly) {
      if (host.read(path) !== text) {
        io.err(`${path} is not current: run saltline gen\n`);
        stale++;
      }
      continue;
    }
    try {
      writeFileSync(path, text);
    } catch (error) {
      throw new UsageError(`cannot write ${path}: ${(error as Error).message}`);
    }
  }
  return stale;
}

async function gen(args: readonly string[], io: Io): Promise<number> {
  const { files, opts } = parseArgs(args, ['--ts', '--json-schema', '--docs', '--python', '--runtime'], ['--check']);
  if (!files.length) throw new UsageError('gen needs at least one .saltline file');
  if (![...opts.keys()].some((k) => k !== '--check' && k !== '--runtime'))
    throw new UsageError('gen needs an output: --ts, --json-schema, --docs or --python');
  const compiled = compile(files, host);
  if (compiled.diagnostics.length) io.err(`${formatDiagnostics(compiled.diagnostics, compiled.program.sources)}\n`);
  if (!compiled.ok) return 1;
  const checkOnly = opts.has('--check');
  const runtime = opts.get('--runtime');
  let stale = 0;
  const targets: [string, () => Map<string, string>][] = [
    ['--ts', () => generateTs(compiled.program, typeof runtime === 'string' ? { runtime } : {})],
    ['--json-schema', () => generateJsonSchema(compiled.program)],
    ['--docs', () => generateDocs(compiled.program)],
    ['--python', () => generatePython(compiled.program)],
  ];
  for (const [flag, make] of targets) {
    const dir = opts.get(flag);
    if (typeof dir === 'string') stale += writeAll(dir, make(), checkOnly, io);
  }
  return stale ? 1 : 0;
}

function check(args: readonly string[], io: Io): number {
  const { files } = parseArgs(args, []);
  if (files.length !== 2) throw new UsageError('check takes two files: OLD NEW');
  const [oldFile, newFile] = files as [string, string];
  const before = compile([oldFile], host);
  const after = compile([newFile], host);
  for (const c of [before, after]) if (c.diagnostics.length) io.err(`${formatDiagnostics(c.diagnostics, c.program.sources)}\n`);
  if (!before.ok || !after.ok) return 2;
  const changes = compare(before.program, after.program);
  for (const c of changes) io.out(`${c.verdict.padEnd(10)} ${c.path}: ${c.message}\n`);
  const verdict = verdictOf(changes);
  io.out(`${changes.length} change${changes.length === 1 ? '' : 's'}; verdict: ${verdict}\n`);
  return verdict === 'breaking' ? 1 : 0;
}

function fmt(args: readonly string[], io: Io): number {
  const { files, opts } = parseArgs(args, [], ['--check']);
  if (!files.length) throw new UsageError('fmt needs at least one .saltline file');
  let failed = 0;
  for (const file of files) {
    const text = host.read(file);
    if (text === undefined) {
      io.err(`cannot read '${file}'\n`);
      failed++;
      continue;
    }
    const parsed = parse(text, file);
    if (parsed.diagnostics.length) {
      io.err(`${formatDiagnostics(parsed.diagnostics, new Map([[file, text]]))}\n`);
      failed++;
      continue;
    }
    const formatted = format(parsed.ast);
    if (formatted === text) continue;
    if (opts.has('--check')) {
      io.err(`${file} is not formatted\n`);
      failed++;
    } else {
      try {
        writeFileSync(file, formatted);
      } catch (error) {
        throw new UsageError(`cannot write ${file}: ${(error as Error).message}`);
      }
    }
  }
  return failed ? 1 : 0;
}

function isDescriptor(value: unknown): value is ServiceDescriptor {
  return (
    typeof value === 'object' && value !== null && typeof (value as ServiceDescriptor)['~remote'] === 'function' && 'methods' in value
  );
}

async function exportIdlCommand(args: readonly string[], io: Io): Promise<number> {
  const { files, opts } = parseArgs(args, ['--package', '--out']);
  const pkg = opts.get('--package');
  if (files.length !== 1 || typeof pkg !== 'string') throw new UsageError('export-idl takes one module and --package NAME');
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(files[0]!)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`cannot load ${files[0]}: ${(error as Error).message}`);
  }
  const descriptors = Object.values(mod).filter(isDescriptor);
  if (!descriptors.length) throw new UsageError(`${files[0]} exports no service (defineService)`);
  const text = exportIdl(pkg, descriptors);
  const out = opts.get('--out');
  if (typeof out === 'string') {
    try {
      makeDirectory(dirname(out));
      writeFileSync(out, text);
    } catch (error) {
      throw new UsageError(`cannot write ${out}: ${(error as Error).message}`);
    }
  } else io.out(text);
  return 0;
}

/** Runs `saltline gen | check | fmt | export-idl` with `argv` (no program name); resolves to the exit code. */
export async function runCli(
  argv: readonly string[],
  io: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'gen':
        return await gen(rest, io);
      case 'check':
        return check(rest, io);
      case 'fmt':
        return fmt(rest, io);
      case 'export-idl':
        return await exportIdlCommand(rest, io);
      default:
        io.err(`${command === undefined ? 'no command' : `unknown command '${command}'`}\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
    io.err(`saltline ${command}: ${error.message}\n`);
    return 2;
  }
}
