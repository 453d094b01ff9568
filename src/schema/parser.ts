/**
 * The recursive-descent parser of `.saltline` files. It reports several errors per run: after a
 * syntax error it skips to the end of the member (`;` or `,`) or declaration (`}`) it was in, so
 * one mistake gives one diagnostic. A missing `;` is reported at the end of the token before it.
 *
 * Bounds: nesting (type arguments, value lists) stops at `maxDepth` with a diagnostic instead of
 * a stack overflow, and a run stops after `maxErrors` diagnostics.
 *
 * Split in three: this file (declarations), `parse-expressions.ts` (annotations, values, types,
 * fields) and `token-cursor.ts` (tokens, trivia, diagnostics and recovery).
 */
import type * as Ast from './ast.js';
import { ERROR_CODES } from './ast.js';
import { type Diagnostic, didYouMean } from './diagnostics.js';
import { type LexOptions, lex, stringValue, type Token } from './lexer.js';
import { parseAnnotations, parseField, parseType } from './parse-expressions.js';
import { Recover, TokenCursor, TooManyErrors, type Trivia } from './token-cursor.js';

/** Bounds of one parse, on top of the lexer's: nesting depth and the number of errors reported. */
export interface ParseOptions extends LexOptions {
  /** Deepest nesting of type arguments and value lists. Default 64. */
  readonly maxDepth?: number;
  /** Diagnostics after which parsing stops. Default 100. */
  readonly maxErrors?: number;
}

/** A parsed file: its tree, its tokens (lossless) and what went wrong. */
export interface Parsed {
  readonly ast: Ast.SourceFile;
  readonly tokens: readonly Token[];
  readonly diagnostics: readonly Diagnostic[];
}

const DECL_KEYWORDS = ['type', 'struct', 'enum', 'union', 'error', 'service'];

/** The declaration half of the grammar: the file header, imports, declarations and their blocks. */
class Parser {
  readonly #c: TokenCursor;

  constructor(c: TokenCursor) {
    this.#c = c;
  }

  file(): Ast.SourceFile {
    const header = this.#c.leading();
    let saltline: number | undefined;
    let pkg = { name: '', offset: 0 };
    const imports: Ast.Import[] = [];
    const decls: Ast.Decl[] = [];
    try {
      try {
        if (this.#c.eat('saltline')) {
          const t = this.#c.token;
          if (t.kind !== 'int') this.#c.error('E102', t.offset, `expected the language version, found ${this.#c.describe(t)}`);
          else this.#c.pos++;
          saltline = Number(t.text);
          if (t.kind === 'int' && saltline !== 1) this.#c.error('E501', t.offset, `language version ${t.text} is not supported (only 1)`);
          this.#c.expect(';');
        }
        this.#c.expect('package');
        pkg = this.#c.qname('a package name');
        this.#c.expect(';');
      } catch (error) {
        if (!(error instanceof Recover)) throw error;
        this.#c.skip([';']);
      }
      while (this.#c.at('import')) imports.push(...this.#import());
      while (this.#c.token.kind !== 'eof') {
        const decl = this.#decl();
        if (decl) decls.push(decl);
      }
    } catch (error) {
      if (!(error instanceof TooManyErrors)) throw error;
    }
    const end = this.#c.endTrivia();
    return {
      file: this.#c.file,
      header: [...header.comments, ...header.docs.map((d) => `/// ${d}`)],
      saltline,
      package: pkg.name,
      packageOffset: pkg.offset,
      imports,
      decls,
      trailing: [...end.docs.map((d) => `/// ${d}`), ...end.comments],
    };
  }

  #import(): Ast.Import[] {
    const comments = this.#c.leading().comments;
    const start = this.#c.token.offset;
    try {
      this.#c.expect('import');
      this.#c.expect('{');
      const names = [this.#c.ident('an imported name')];
      while (this.#c.eat(',')) if (!this.#c.at('}')) names.push(this.#c.ident('an imported name'));
      this.#c.expect('}');
      this.#c.expect('from');
      const t = this.#c.token;
      const from = t.kind === 'string' ? stringValue(t.text) : undefined;
      if (from === undefined) {
        this.#c.error('E102', t.offset, `expected a file name in quotes, found ${this.#c.describe(t)}`);
        throw new Recover();
      }
      this.#c.pos++;
      this.#c.expect(';');
      return [{ names, from, fromOffset: t.offset, comments }];
    } catch (error) {
      if (!(error instanceof Recover)) throw error;
      this.#c.skip([';']);
      void start;
      return [];
    }
  }

  /** Members of a `{ }` block: each parsed by `member`, recovered from on its own. */
  #block<T>(
    separator: ';' | ',',
    member: (leading: Trivia, annotations: Ast.Annotation[]) => T | undefined,
  ): { items: T[]; trailing: string[] } {
    this.#c.expect('{');
    const items: T[] = [];
    while (!this.#c.at('}') && this.#c.token.kind !== 'eof') {
      const start = this.#c.pos;
      try {
        const leading = this.#c.leading();
        const item = member(leading, parseAnnotations(this.#c));
        if (item !== undefined) items.push(item);
        if (separator === ';') this.#c.expect(';');
        else if (!this.#c.eat(',') && !this.#c.at('}')) this.#c.expect(',');
      } catch (error) {
        if (!(error instanceof Recover)) throw error;
        this.#c.skip([separator]);
        if (this.#c.pos === start) this.#c.pos++;
      }
    }
    const end = this.#c.leading();
    this.#c.expect('}');
    return { items, trailing: [...end.docs.map((d) => `/// ${d}`), ...end.comments] };
  }

  #decl(): Ast.Decl | undefined {
    const leading = this.#c.leading();
    const start = this.#c.pos;
    try {
      const annotations = parseAnnotations(this.#c);
      const t = this.#c.token;
      if (t.kind !== 'ident' || !DECL_KEYWORDS.includes(t.text)) {
        const hint = t.kind === 'ident' ? didYouMean(t.text, DECL_KEYWORDS) : '';
        this.#c.error('E105', t.offset, `expected a declaration (${DECL_KEYWORDS.join(', ')}), found ${this.#c.describe(t)}${hint}`);
        throw new Recover();
      }
      this.#c.pos++;
      const { name, offset } = this.#c.ident(`a ${t.text} name`);
      const base = { name, offset, docs: leading.docs, comments: leading.comments, annotations };
      switch (t.text) {
        case 'type': {
          this.#c.expect('=');
          const type = parseType(this.#c);
          this.#c.expect(';');
          return { kind: 'alias', ...base, type };
        }
        case 'struct': {
          const reserved: Ast.Reserved[] = [];
          const { items, trailing } = this.#block(';', (lead, annots) => {
            if (this.#c.at('reserved') && this.#c.peek()?.kind === 'ident' && annots.length === 0) {
              reserved.push(this.#reserved(lead));
              return undefined;
            }
            return this.#plainField(lead, annots);
          });
          return { kind: 'struct', ...base, fields: items, reserved, trailing };
        }
        case 'enum': {
          const { items, trailing } = this.#block(',', (lead, annots) => {
            const m = this.#c.ident('an enum member');
            return { ...m, docs: lead.docs, comments: lead.comments, annotations: annots };
          });
          return { kind: 'enum', ...base, members: items, trailing };
        }
        case 'union': {
          const { items, trailing } = this.#block(',', (lead, annots) => {
            const m = this.#c.ident('a variant name');
            this.#c.expect(':');
            return { ...m, type: parseType(this.#c), docs: lead.docs, comments: lead.comments, annotations: annots };
          });
          return { kind: 'union', ...base, variants: items, trailing };
        }
        case 'error': {
          this.#c.expect(':');
          const c = this.#c.token;
          if (c.kind !== 'ident' || !(ERROR_CODES as readonly string[]).includes(c.text)) {
            const hint = c.kind === 'ident' ? didYouMean(c.text, ERROR_CODES) : '';
            this.#c.error('E106', c.offset, `expected a status code, found ${this.#c.describe(c)}${hint}`);
            throw new Recover();
          }
          this.#c.pos++;
          let fields: Ast.Field[] = [];
          let trailing: string[] = [];
          if (this.#c.at('{')) ({ items: fields, trailing } = this.#block(';', (lead, annots) => this.#plainField(lead, annots)));
          else this.#c.expect(';');
          return { kind: 'error', ...base, code: c.text, codeOffset: c.offset, fields, trailing };
        }
        default:
          return this.#service(base);
      }
    } catch (error) {
      if (!(error instanceof Recover)) throw error;
      this.#c.skip([';', '}']);
      if (this.#c.pos === start) this.#c.pos++;
      return undefined;
    }
  }

  #plainField(lead: Trivia, annots: Ast.Annotation[]): Ast.Field {
    const { stream: _, ...field } = parseField(this.#c, lead, annots, false);
    return field;
  }

  #reserved(lead: Trivia): Ast.Reserved {
    const offset = this.#c.token.offset;
    this.#c.pos++;
    const names = [this.#c.ident('a reserved name')];
    while (this.#c.eat(',')) names.push(this.#c.ident('a reserved name'));
    return { names, offset, comments: [...lead.comments, ...lead.docs.map((d) => `/// ${d}`)] };
  }

  #service(
    base: Omit<Ast.ServiceDecl, 'kind' | 'major' | 'minor' | 'versionOffset' | 'methods' | 'reserved' | 'trailing'>,
  ): Ast.ServiceDecl {
    this.#c.expect('version');
    const v = this.#c.token;
    const match = v.kind === 'float' ? /^(\d+)\.(\d+)$/.exec(v.text) : null;
    if (!match) {
      this.#c.error('E107', v.offset, `expected a version such as 1.0, found ${this.#c.describe(v)}`);
      throw new Recover();
    }
    this.#c.pos++;
    const reserved: Ast.Reserved[] = [];
    const { items, trailing } = this.#block(';', (lead, annots) => {
      if (this.#c.at('reserved') && this.#c.peek()?.kind === 'ident' && annots.length === 0) {
        reserved.push(this.#reserved(lead));
        return undefined;
      }
      return this.#method(lead, annots);
    });
    return {
      kind: 'service',
      ...base,
      major: Number(match[1]),
      minor: Number(match[2]),
      versionOffset: v.offset,
      methods: items,
      reserved,
      trailing,
    };
  }

  #method(lead: Trivia, annotations: Ast.Annotation[]): Ast.Method {
    const notify = this.#c.at('notify') && this.#c.peek()?.kind === 'ident' ? (this.#c.pos++, true) : false;
    const { name, offset } = this.#c.ident('a method name');
    const open = this.#c.token;
    if (!this.#c.at('(') && !this.#c.at('{')) {
      this.#c.error('E101', open.offset, `expected '(' or '{' after the method name, found ${this.#c.describe(open)}`);
      throw new Recover();
    }
    const named = open.text === '{';
    const close = named ? '}' : ')';
    this.#c.pos++;
    const params: Ast.Param[] = [];
    while (!this.#c.at(close)) {
      const leading = this.#c.leading();
      params.push(parseField(this.#c, leading, parseAnnotations(this.#c), true, 'a parameter name'));
      if (!this.#c.eat(',')) break;
    }
    this.#c.expect(close);
    let result: Ast.TypeRef | undefined;
    let streamResult = false;
    if (this.#c.at('=>')) this.#c.expect('->');
    if (this.#c.eat('->')) {
      streamResult = this.#c.at('stream') && this.#c.peek()?.kind === 'ident' ? (this.#c.pos++, true) : false;
      result = parseType(this.#c);
    }
    const raises: { name: string; offset: number }[] = [];
    if (this.#c.eat('raises')) {
      raises.push(this.#c.qname('an error name'));
      while (this.#c.eat(',')) raises.push(this.#c.qname('an error name'));
    }
    return {
      kind: notify ? 'notify' : 'call',
      name,
      offset,
      named,
      params,
      result,
      streamResult,
      raises,
      docs: lead.docs,
      comments: lead.comments,
      annotations,
    };
  }
}

/** Parses one file; never throws on bad input (everything wrong is a diagnostic). */
export function parse(source: string, file = 'input.saltline', options: ParseOptions = {}): Parsed {
  const { tokens, diagnostics } = lex(source, file, options);
  const parser = new Parser(new TokenCursor(file, tokens, diagnostics, options));
  return { ast: parser.file(), tokens, diagnostics };
}
