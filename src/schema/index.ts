/**
 * `saltline/schema`: the runtime that generated code imports (validators, service descriptors,
 * `implement`, the `versions` plugin, `defineService` for code-first services) and the IDL tool
 * chain (parse, check, format, generate, compare) that `npx saltline` runs.
 */
export type { StandardSchemaV1 } from '@standard-schema/spec';
/** The syntax tree the parser builds, for tools that read `.saltline` files. */
export type * as Ast from './ast.js';
export { check } from './checker.js';
export { type CodeFirstMethod, defineService, exportIdl } from './code-first.js';
export { type Compiled, compile, compileSources } from './compile.js';
export { type Diagnostic, formatDiagnostics } from './diagnostics.js';
export { type Change, compare, type Verdict } from './evolution.js';
export { format } from './format.js';
export { generateDocs } from './gen-docs.js';
export { generateJsonSchema } from './gen-json-schema.js';
export { generatePython } from './gen-python.js';
export { generateTs } from './gen-ts.js';
export { lex, type Token } from './lexer.js';
export { type Parsed, type ParseOptions, parse } from './parser.js';
export { type Host, Program } from './program.js';
export {
  type AnySchema,
  client,
  type ErrorType,
  errorType,
  implement,
  type MethodSpec,
  type ParamSpec,
  type ServiceDescriptor,
  type ServiceOptions,
  service,
  services,
  wireName,
} from './service.js';
export {
  any,
  bool,
  bytes,
  enumOf,
  float,
  type Infer,
  type Issue,
  int,
  type Known,
  lazy,
  list,
  map,
  type Schema,
  string,
  struct,
  timestamp,
  type UnknownMember,
  type UnknownVariant,
  union,
  wide,
} from './validate.js';
export { type VersionsOptions, versions } from './versions.js';
