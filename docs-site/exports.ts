/**
 * The public API as the type checker sees it: which names each entry point exports, and which of
 * them lack a doc comment. The API reference is generated from these comments, so an export
 * without one is a blank page for the reader; `npm run check:docs` keeps it empty.
 * Read with the project's own TypeScript, not a doc generator, so the check takes a second or two.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { type Entry, entries, root } from './entries.js';

/**
 * tsconfig.json's compiler options, as `tsc -p tsconfig.json` reads them, except that every file is
 * a module and unused names are allowed (a snippet shows a value without always using it). The
 * API check and the snippet check share these, so the second program reuses the first's files.
 */
export function compilerOptions(): ts.CompilerOptions {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (config === undefined) throw new Error('tsconfig.json could not be read');
  return { ...config.options, noUnusedLocals: false, noUnusedParameters: false, moduleDetection: ts.ModuleDetectionKind.Force };
}

/** The public entry points and a program over their sources, with each entry's exports resolved. */
export interface PublicApi {
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  /** Each entry with its exported symbols (aliases resolved), in package.json order. */
  readonly modules: ReadonlyArray<{ readonly entry: Entry; readonly exports: ReadonlyArray<readonly [string, ts.Symbol]> }>;
}

/** Reads the public API of the given entries (default: every entry of package.json `exports`). */
export function publicApi(list: readonly Entry[] = entries()): PublicApi {
  const program = ts.createProgram(
    list.map((entry) => entry.source),
    compilerOptions(),
  );
  const checker = program.getTypeChecker();
  const modules = list.map((entry) => {
    const source = program.getSourceFile(entry.source);
    const module = source && checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error(`${entry.name}: ${entry.source} is not a module`);
    const exports = checker
      .getExportsOfModule(module)
      .map((symbol) => [symbol.name, symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol] as const);
    return { entry, exports };
  });
  return { program, checker, modules };
}

/** A declaration counts as documented when it (or, for overloads, any of its siblings) has comment text. */
function documented(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  if (symbol.getDocumentationComment(checker).length > 0) return true;
  return (symbol.declarations ?? []).some(
    (declaration) =>
      ts.getJSDocCommentsAndTags(declaration).some((doc) => ts.isJSDoc(doc) && doc.comment !== undefined && doc.comment !== '') ||
      // A namespace re-export (`export type * as Ast from './ast.js'`) is its module: its header comment documents it.
      (ts.isSourceFile(declaration) && /^\s*\/\*\*/.test(declaration.text)),
  );
}

/** Says what happens when the field is left out: `Default ...`, or that it is `Required`. */
const SAYS_DEFAULT = /\bdefault|\brequired\b/i;

/**
 * Options objects are the user's main reading: each field of an exported `...Options` type needs
 * its own comment, and the comment says the field's default (or that it is required).
 */
function undocumentedFields(symbol: ts.Symbol, checker: ts.TypeChecker): string[] {
  if (!/Options$/.test(symbol.name) || !(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))) return [];
  return checker
    .getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))
    .filter(
      (property) =>
        !documented(property, checker) || !SAYS_DEFAULT.test(ts.displayPartsToString(property.getDocumentationComment(checker))),
    )
    .map((property) => `${symbol.name}.${property.name} (no default)`);
}

/** Every export without a doc comment, as `saltline/webrtc: Room`, or options field without its default. */
export function undocumentedExports(api: PublicApi = publicApi()): string[] {
  return api.modules.flatMap(({ entry, exports }) =>
    exports
      .flatMap(([name, symbol]) => [...(documented(symbol, api.checker) ? [] : [name]), ...undocumentedFields(symbol, api.checker)])
      .map((name) => `${entry.name}: ${name}`),
  );
}
