/**
 * The syntax tree of a `.saltline` file. Every node keeps its source offset; with the lexer's
 * lossless token list beside it nothing of the source is lost (`fmt` reprints from these nodes,
 * doc comments and `//` comments included).
 */

export type Value =
  | { readonly kind: 'int'; readonly value: bigint; readonly offset: number }
  | { readonly kind: 'float'; readonly value: number; readonly text: string; readonly offset: number }
  | { readonly kind: 'string'; readonly value: string; readonly offset: number }
  | { readonly kind: 'duration'; readonly text: string; readonly ms: number; readonly offset: number }
  | { readonly kind: 'bool'; readonly value: boolean; readonly offset: number }
  | { readonly kind: 'name'; readonly name: string; readonly offset: number }
  | { readonly kind: 'list'; readonly items: readonly Value[]; readonly offset: number };

export interface AnnotationArg {
  readonly name: string | undefined;
  readonly value: Value;
}

export interface Annotation {
  readonly name: string;
  readonly args: readonly AnnotationArg[];
  readonly offset: number;
}

export type TypeRef =
  | { readonly kind: 'named'; readonly name: string; readonly offset: number }
  | { readonly kind: 'list'; readonly of: TypeRef; readonly offset: number }
  | { readonly kind: 'map'; readonly key: TypeRef; readonly value: TypeRef; readonly offset: number };

/** What precedes a declaration or member: `///` lines (its documentation) and other comments. */
export interface Leading {
  readonly docs: readonly string[];
  readonly comments: readonly string[];
  readonly annotations: readonly Annotation[];
}

export interface Field extends Leading {
  readonly name: string;
  readonly offset: number;
  readonly optional: boolean;
  readonly type: TypeRef;
  readonly default: Value | undefined;
}

export interface Param extends Field {
  readonly stream: boolean;
}

export interface Reserved {
  readonly names: readonly { readonly name: string; readonly offset: number }[];
  readonly offset: number;
  readonly comments: readonly string[];
}

export interface Member extends Leading {
  readonly name: string;
  readonly offset: number;
}

export interface Variant extends Member {
  readonly type: TypeRef;
}

export interface Method extends Leading {
  readonly kind: 'call' | 'notify';
  readonly name: string;
  readonly offset: number;
  /** `{ }` parameters travel as a map, `( )` ones as an array. */
  readonly named: boolean;
  readonly params: readonly Param[];
  readonly result: TypeRef | undefined;
  readonly streamResult: boolean;
  readonly raises: readonly { readonly name: string; readonly offset: number }[];
}

interface DeclBase extends Leading {
  readonly name: string;
  readonly offset: number;
}

export interface AliasDecl extends DeclBase {
  readonly kind: 'alias';
  readonly type: TypeRef;
}
export interface StructDecl extends DeclBase {
  readonly kind: 'struct';
  readonly fields: readonly Field[];
  readonly reserved: readonly Reserved[];
  readonly trailing: readonly string[];
}
export interface EnumDecl extends DeclBase {
  readonly kind: 'enum';
  readonly members: readonly Member[];
  readonly trailing: readonly string[];
}
export interface UnionDecl extends DeclBase {
  readonly kind: 'union';
  readonly variants: readonly Variant[];
  readonly trailing: readonly string[];
}
export interface ErrorDecl extends DeclBase {
  readonly kind: 'error';
  readonly code: string;
  readonly codeOffset: number;
  readonly fields: readonly Field[];
  readonly trailing: readonly string[];
}
export interface ServiceDecl extends DeclBase {
  readonly kind: 'service';
  readonly major: number;
  readonly minor: number;
  readonly versionOffset: number;
  readonly methods: readonly Method[];
  readonly reserved: readonly Reserved[];
  readonly trailing: readonly string[];
}

export type Decl = AliasDecl | StructDecl | EnumDecl | UnionDecl | ErrorDecl | ServiceDecl;

export interface Import {
  readonly names: readonly { readonly name: string; readonly offset: number }[];
  readonly from: string;
  readonly fromOffset: number;
  readonly comments: readonly string[];
}

export interface SourceFile {
  readonly file: string;
  readonly header: readonly string[];
  readonly saltline: number | undefined;
  readonly package: string;
  readonly packageOffset: number;
  readonly imports: readonly Import[];
  readonly decls: readonly Decl[];
  readonly trailing: readonly string[];
}

export const PRIMITIVES = [
  'bool',
  'int8',
  'int16',
  'int32',
  'int53',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float32',
  'float64',
  'bigint',
  'string',
  'bytes',
  'timestamp',
  'any',
] as const;
export type Primitive = (typeof PRIMITIVES)[number];
export const primitives: ReadonlySet<string> = new Set(PRIMITIVES);

/**
 * The values each fixed-width integer type holds, inclusive. `int53` is JavaScript's safe-integer
 * range: a `number` in TypeScript, never a `bigint`, and what `export-idl` gives zod's `.int()`.
 */
export const INT_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int53: [-(2n ** 53n - 1n), 2n ** 53n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 255n],
  uint16: [0n, 65535n],
  uint32: [0n, 4294967295n],
  uint64: [0n, 2n ** 64n - 1n],
};

/** Codes an `error` may carry: the RpcError codes a handler may raise on purpose. */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
