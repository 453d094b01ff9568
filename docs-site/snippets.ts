/**
 * Code in the docs is compiled like code: every ```ts block of the README and `docs/**` is
 * type-checked against the package's sources (tsconfig.json `paths` map `saltline/*`), so an API
 * change that breaks a snippet fails `npm test` (`npm run check:docs`). The rules, for
 * writers (CONTRIBUTING.md repeats them):
 *
 * - Each block is a module. One whose first line is `// name.ts` is that file, so blocks of one
 *   page can import each other (`import type { Api } from './worker.js'`); a name seen again on the
 *   page starts a new set of files (a second recipe).
 * - The package's public names (`createPeer`, `RpcError`, `fromWorker`, ...) may be used without
 *   an import: the check imports each from the first entry point that exports it. Write the import
 *   when it matters which entry (`createPeer` from `saltline/secure`).
 * - An HTML comment right before the fence, `<!-- ts-context declare const peer: Peer; -->`, is
 *   compiled in front of the block and not shown: what the surrounding prose already set up.
 * - ```ts partial marks a deliberately incomplete block (an excerpt, a signature): shown, not compiled.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { root } from './entries.js';
import { compilerOptions, type PublicApi, publicApi } from './exports.js';
import { markdownFiles } from './markdown-files.js';

/** One fenced TypeScript block. */
export interface Snippet {
  /** The page, relative to the root. */
  readonly page: string;
  /** 1-based line of the block's first code line in the page. */
  readonly line: number;
  /** The file it is compiled as, relative to its page's folder of snippets. */
  readonly file: string;
  readonly code: string;
  /** The hidden `<!-- ts-context ... -->` before the block; empty when none. */
  readonly context: string;
  /** Marked ```ts partial: shown, not compiled. */
  readonly partial: boolean;
}

const FENCE = /^\s*(`{3,}|~{3,})\s*([\w-]*)\s*(.*)$/;
const LANGUAGES = new Set(['ts', 'typescript', 'mts']);
const NAMED = /^\/\/\s*(?:\.\/)?([\w./-]+\.m?ts)\b/;
/** The last comment before the fence, if it is a ts-context one (it may not span another comment's end). */
const CONTEXT = /<!--\s*ts-context\b((?:(?!-->)[\s\S])*)-->\s*$/;

/** The ```ts blocks of one page's Markdown. */
export function snippetsOf(page: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, fence, language = '', rest = ''] = open;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence!)) end++;
    const before = lines.slice(0, i).join('\n');
    i = end;
    if (!LANGUAGES.has(language)) continue;
    const code = lines.slice(start, end).join('\n');
    const named = NAMED.exec(lines[start] ?? '');
    const file = named ? named[1]! : `snippet-${start + 1}.ts`;
    const context = CONTEXT.exec(before)?.[1]?.trim() ?? '';
    found.push({ page, line: start + 1, file, code, context, partial: /\bpartial\b/.test(rest) });
  }
  return found;
}

/** Every ```ts block of the README and docs/. */
export function allSnippets(): Snippet[] {
  return markdownFiles().flatMap((page) => snippetsOf(page, readFileSync(join(root, page), 'utf8')));
}

/** Top-level names a block declares or imports itself, and every identifier it mentions. */
function namesOf(code: string): { declared: Set<string>; used: Set<string> } {
  const source = ts.createSourceFile('x.ts', code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const declared = new Set<string>();
  const used = new Set<string>();
  const walk = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) used.add(node.text);
    ts.forEachChild(node, walk);
  };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) declared.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) declared.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) declared.add(element.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) declared.add(declaration.name.text);
      }
    } else if ('name' in statement && statement.name && ts.isIdentifier(statement.name as ts.Node)) {
      declared.add((statement.name as ts.Identifier).text);
    }
    walk(statement);
  }
  return { declared, used };
}

/** `import { createPeer } from 'saltline';` lines for the public names a block uses without declaring. */
function autoImports(code: string, api: PublicApi): string {
  const { declared, used } = namesOf(code);
  const from = new Map<string, string[]>();
  const taken = new Set<string>();
  for (const { entry, exports } of api.modules) {
    for (const [name, symbol] of exports) {
      if (taken.has(name) || declared.has(name) || !used.has(name)) continue;
      taken.add(name);
      const typeOnly = !(symbol.flags & ts.SymbolFlags.Value);
      from.set(entry.name, [...(from.get(entry.name) ?? []), typeOnly ? `type ${name}` : name]);
    }
  }
  return [...from].map(([entry, names]) => `import { ${names.join(', ')} } from '${entry}';`).join(' ');
}

/**
 * Type-checks every snippet that is not partial; returns one line per error, as
 * `docs/guide/x.md:42: TS2322 message`. The blocks are written under a scratch folder inside the
 * repository (so `node_modules` and `paths` resolve as for the sources) and removed after.
 */
export function checkSnippets(snippets: readonly Snippet[] = allSnippets(), api: PublicApi = publicApi()): string[] {
  const scratch = join(root, `.snippets-${process.pid}`);
  const where = new Map<string, { snippet: Snippet; offset: number }>();
  const sets = new Map<string, number>();
  try {
    for (const snippet of snippets) {
      if (snippet.partial) continue;
      const folder = (set: number) => join(scratch, snippet.page.replace(/\.md$/, ''), String(set));
      let set = sets.get(snippet.page) ?? 0;
      if (where.has(join(folder(set), snippet.file))) set++;
      sets.set(snippet.page, set);
      const file = join(folder(set), snippet.file);
      // The prelude stays on the block's first line, so line numbers match the page after it.
      const prelude = `${autoImports(`${snippet.context}\n${snippet.code}`, api)} ${snippet.context}`.trim();
      const offset = prelude === '' ? 0 : prelude.split('\n').length;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, offset === 0 ? snippet.code : `${prelude}\n${snippet.code}`);
      where.set(file, { snippet, offset });
    }
    const program = ts.createProgram([...where.keys()], compilerOptions(), undefined, api.program);
    // Only the snippets' own diagnostics: the package's sources are the type check's business.
    const diagnostics = [...where.keys()].flatMap((file) => {
      const source = program.getSourceFile(file);
      return source ? [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)] : [];
    });
    return [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...diagnostics].map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
      const found = diagnostic.file && where.get(diagnostic.file.fileName);
      if (!found || diagnostic.start === undefined) return `${diagnostic.file?.fileName ?? '(global)'}: TS${diagnostic.code} ${message}`;
      const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start);
      const at = line < found.offset ? `${found.snippet.line - 1} (ts-context)` : String(found.snippet.line + line - found.offset);
      return `${found.snippet.page}:${at}: TS${diagnostic.code} ${message}`;
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
