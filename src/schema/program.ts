/**
 * Loads a set of `.saltline` files and their imports into one program: every declaration by its
 * full name (`package.Name`), each file's scope, and the diagnostics of parsing and checking.
 * Reading files goes through a host, so the same code runs in Node (the CLI) and in a browser.
 */
import type * as Ast from './ast.js';
import { primitives } from './ast.js';
import { type Diagnostic, didYouMean } from './diagnostics.js';
import { type ParseOptions, parse } from './parser.js';

/** How the loader reads files: the file system in the CLI, a map in tests and browsers. */
export interface Host {
  /** The text of a file, or undefined when there is none. */
  read(path: string): string | undefined;
}

export interface Entry {
  readonly full: string;
  readonly decl: Ast.Decl;
  readonly file: Ast.SourceFile;
}

export interface ProgramOptions extends ParseOptions {
  /** Files loaded in all, imports included. Default 1,000. */
  readonly maxFiles?: number;
}

/** A path relative to the importing file's folder, with `.` and `..` resolved (POSIX separators). */
export function joinPath(from: string, spec: string): string {
  if (spec.startsWith('/')) return spec;
  const parts = from.split('/').slice(0, -1);
  for (const part of spec.split('/')) {
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/') || '.';
}

/** The files of one compilation, root files first, with their imports resolved (at most 1,000 files). */
export class Program {
  readonly files: Ast.SourceFile[] = [];
  readonly roots: Ast.SourceFile[] = [];
  readonly sources = new Map<string, string>();
  readonly diagnostics: Diagnostic[] = [];
  readonly decls = new Map<string, Entry>();
  readonly #scopes = new Map<Ast.SourceFile, Map<string, string>>();

  /** The full name a type reference in `file` stands for, or undefined (a primitive or unknown). */
  lookup(file: Ast.SourceFile, name: string): Entry | undefined {
    const local = this.#scopes.get(file)?.get(name);
    if (local !== undefined) return this.decls.get(local);
    return name.includes('.') ? this.decls.get(name) : undefined;
  }

  /** Names visible in a file, for "did you mean". */
  visible(file: Ast.SourceFile): string[] {
    return [...(this.#scopes.get(file)?.keys() ?? []), ...primitives];
  }

  static load(paths: readonly string[], host: Host, options: ProgramOptions = {}): Program {
    const program = new Program();
    const maxFiles = options.maxFiles ?? 1000;
    const byPath = new Map<string, Ast.SourceFile | null>();
    const error = (file: string, offset: number, code: string, message: string, related?: Diagnostic['related']) =>
      program.diagnostics.push({ code, severity: 'error', message, file, offset, ...(related ? { related } : {}) });
    // Depth-first, so an import cycle is seen as a path back onto the stack.
    const stack: string[] = [];
    const visit = (path: string, from?: { file: string; offset: number }): Ast.SourceFile | null => {
      if (byPath.has(path)) {
        if (stack.includes(path) && from) {
          const cycle = [...stack.slice(stack.indexOf(path)), path].join(' -> ');
          error(from.file, from.offset, 'E206', `import cycle: ${cycle}`);
        }
        return byPath.get(path) ?? null;
      }
      if (byPath.size >= maxFiles) {
        error(from?.file ?? path, from?.offset ?? 0, 'E207', `more than ${maxFiles} files imported`);
        byPath.set(path, null);
        return null;
      }
      const text = host.read(path);
      if (text === undefined) {
        error(from?.file ?? path, from?.offset ?? 0, 'E205', `cannot read '${path}'`);
        byPath.set(path, null);
        return null;
      }
      program.sources.set(path, text);
      const parsed = parse(text, path, options);
      program.diagnostics.push(...parsed.diagnostics);
      const ast = parsed.ast;
      byPath.set(path, ast);
      stack.push(path);
      for (const imp of ast.imports) visit(joinPath(path, imp.from), { file: path, offset: imp.fromOffset });
      stack.pop();
      program.files.push(ast);
      return ast;
    };
    for (const path of paths) {
      const ast = visit(path);
      if (ast && !program.roots.includes(ast)) program.roots.push(ast);
    }
    // Declarations by full name, then each file's scope: its own names and its imports.
    for (const file of program.files) {
      const scope = new Map<string, string>();
      program.#scopes.set(file, scope);
      for (const decl of file.decls) {
        const full = file.package ? `${file.package}.${decl.name}` : decl.name;
        const seen = program.decls.get(full);
        if (seen) {
          error(file.file, decl.offset, 'E201', `'${decl.name}' is declared twice in package ${file.package}`, {
            file: seen.file.file,
            offset: seen.decl.offset,
            message: 'first declared here',
          });
          continue;
        }
        if (primitives.has(decl.name) || decl.name === 'list' || decl.name === 'map') {
          error(file.file, decl.offset, 'E208', `'${decl.name}' is a built-in type and cannot be declared`);
        }
        program.decls.set(full, { full, decl, file });
        scope.set(decl.name, full);
      }
    }
    for (const file of program.files) {
      const scope = program.#scopes.get(file)!;
      for (const imp of file.imports) {
        const target = byPath.get(joinPath(file.file, imp.from));
        if (!target) continue;
        const exported = target.decls.map((d) => d.name);
        for (const { name, offset } of imp.names) {
          if (!exported.includes(name)) {
            error(file.file, offset, 'E205', `'${imp.from}' declares no '${name}'${didYouMean(name, exported)}`);
            continue;
          }
          const full = target.package ? `${target.package}.${name}` : name;
          const existing = scope.get(name);
          if (existing !== undefined && existing !== full) {
            error(file.file, offset, 'E201', `'${name}' is imported but also declared in this file`);
            continue;
          }
          scope.set(name, full);
        }
      }
    }
    return program;
  }
}
