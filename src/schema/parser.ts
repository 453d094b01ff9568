/**
 * The recursive-descent parser of `.saltline` files. It reports several errors per run: after a
 * syntax error it skips to the end of the member (`;` or `,`) or declaration (`}`) it was in, so
 * one mistake gives one diagnostic. A missing `;` is reported at the end of the token before it.
 *
 * Bounds: nesting (type arguments, value lists) stops at `maxDepth` with a diagnostic instead of
 * a stack overflow, and a run stops after `maxErrors` diagnostics.
 */
import type * as Ast from './ast.js';
import { ERROR_CODES } from './ast.js';
import { type Diagnostic, didYouMean } from './diagnostics.js';
import { type LexOptions, lex, stringValue, type Token } from './lexer.js';

export interface ParseOptions extends LexOptions {
  /** Deepest nesting of type arguments and value lists. Default 64. */
  readonly maxDepth?: number;
  /** Diagnostics after which parsing stops. Default 100. */
  readonly maxErrors?: number;
}

export interface Parsed {
  readonly ast: Ast.SourceFile;
  readonly tokens: readonly Token[];
  readonly diagnostics: readonly Diagnostic[];
}

const DECL_KEYWORDS = ['type', 'struct', 'enum', 'union', 'error', 'service'];
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Thrown to unwind to the nearest recovery point; never escapes `parse`. */
class Recover {}
class TooManyErrors {}

interface Trivia {
  docs: string[];
  comments: string[];
}

const NO_TRIVIA: Trivia = Object.freeze({
  docs: Object.freeze([]) as unknown as string[],
  comments: Object.freeze([]) as unknown as string[],
});

class Parser {
  readonly #file: string;
  readonly #tokens: Token[];
  readonly #trivia: Trivia[];
  readonly #diagnostics: Diagnostic[];
  readonly #maxDepth: number;
  readonly #maxErrors: number;
  /** For each kept token, how many bad tokens (already reported by the lexer) came before it. */
  readonly #badBefore: number[];
  /** The token where the current item (declaration, member, parameter) starts. */
  #itemStart = 0;
  #pos = 0;
  #depth = 0;

  constructor(file: string, all: readonly Token[], diagnostics: Diagnostic[], options: ParseOptions) {
    this.#file = file;
    this.#diagnostics = diagnostics;
    this.#maxDepth = options.maxDepth ?? 64;
    this.#maxErrors = options.maxErrors ?? 100;
    this.#tokens = [];
    this.#trivia = [];
    this.#badBefore = [];
    let bad = 0;
    // Most tokens have no comment before them: they share one frozen empty trivia (a pair of
    // arrays per token was most of a big file's garbage).
    let pending = NO_TRIVIA;
    const own = (): Trivia => (pending === NO_TRIVIA ? (pending = { docs: [], comments: [] }) : pending);
    for (const token of all) {
      if (token.kind === 'space') continue;
      if (token.kind === 'doc') own().docs.push(token.text.slice(3).replace(/^ /, ''));
      else if (token.kind === 'comment') {
        // Comments before docs stay before them; a comment after a doc line is kept as a comment.
        own().comments.push(token.text);
      } else if (token.kind === 'bad') bad++;
      else {
        this.#tokens.push(token);
        this.#badBefore.push(bad);
        this.#trivia.push(pending);
        pending = NO_TRIVIA;
      }
    }
  }

  // ---- token helpers ----

  get #token(): Token {
    return this.#tokens[this.#pos]!;
  }

  #at(text: string): boolean {
    const t = this.#token;
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }

  #eat(text: string): boolean {
    if (!this.#at(text)) return false;
    this.#pos++;
    return true;
  }

  #error(code: string, offset: number, message: string, related?: Diagnostic['related']): void {
    if (this.#diagnostics.length >= this.#maxErrors) throw new TooManyErrors();
    // A syntax error after a bad token of the same item is that token's echo: the lexer said it.
    if (this.#badBefore[Math.min(this.#pos, this.#tokens.length - 1)]! > this.#badBefore[this.#itemStart]!) return;
    // One diagnostic per place: recovery must not repeat itself.
    const last = this.#diagnostics[this.#diagnostics.length - 1];
    if (last && last.offset === offset && last.file === this.#file) return;
    this.#diagnostics.push({ code, severity: 'error', message, file: this.#file, offset, ...(related ? { related } : {}) });
    if (this.#diagnostics.length >= this.#maxErrors) throw new TooManyErrors();
  }

  #describe(t: Token): string {
    if (t.kind === 'eof') return 'the end of the file';
    if (t.kind === 'ident') return `identifier '${t.text}'`;
    return `'${t.text}'`;
  }

  #expect(text: string): void {
    if (this.#eat(text)) return;
    const t = this.#token;
    const hint = text === '->' && t.text === '=>' ? ", did you mean '->'?" : '';
    if (text === ';' || text === ',') {
      // Report where the missing punctuation belongs: right after the previous token.
      const prev = this.#tokens[this.#pos - 1];
      const offset = prev ? prev.offset + prev.text.length : t.offset;
      this.#error('E101', offset, `expected '${text}', found ${this.#describe(t)}${hint}`);
    } else {
      this.#error('E101', t.offset, `expected '${text}', found ${this.#describe(t)}${hint}`);
    }
    throw new Recover();
  }

  #ident(what: string): { name: string; offset: number } {
    const t = this.#token;
    if (t.kind !== 'ident') {
      this.#error('E102', t.offset, `expected ${what}, found ${this.#describe(t)}`);
      throw new Recover();
    }
    this.#pos++;
    return { name: t.text, offset: t.offset };
  }

  #qname(what: string): { name: string; offset: number } {
    const first = this.#ident(what);
    let name = first.name;
    while (this.#at('.') && this.#tokens[this.#pos + 1]?.kind === 'ident') {
      this.#pos++;
      name += `.${this.#ident(what).name}`;
    }
    return { name, offset: first.offset };
  }

  /** The comments and docs before the item starting here; it also marks where that item starts. */
  #leading(): Trivia {
    this.#itemStart = this.#pos;
    return this.#trivia[this.#pos]!;
  }

  #nest<T>(offset: number, body: () => T): T {
    if (++this.#depth > this.#maxDepth) {
      this.#depth = 0;
      this.#error('E104', offset, `nested more than ${this.#maxDepth} levels deep`);
      throw new TooManyErrors();
    }
    try {
      return body();
    } finally {
      this.#depth--;
    }
  }

  /** Skips to just past the next `stop` at this nesting level, or to a closing `}` (left in place). */
  #skip(stops: readonly string[]): void {
    let depth = 0;
    for (;;) {
      const t = this.#token;
      if (t.kind === 'eof') return;
      if (t.kind === 'punct') {
        if (t.text === '{' || t.text === '(' || t.text === '[') depth++;
        else if (t.text === '}' || t.text === ')' || t.text === ']') {
          if (depth === 0) return;
          depth--;
          if (depth === 0 && t.text === '}' && stops.includes('}')) {
            this.#pos++;
            return;
          }
        } else if (depth === 0 && stops.includes(t.text)) {
          this.#pos++;
          return;
        }
      }
      this.#pos++;
    }
  }

  // ---- grammar ----

  file(): Ast.SourceFile {
    const header = this.#leading();
    let saltline: number | undefined;
    let pkg = { name: '', offset: 0 };
    const imports: Ast.Import[] = [];
    const decls: Ast.Decl[] = [];
    try {
      try {
        if (this.#eat('saltline')) {
          const t = this.#token;
          if (t.kind !== 'int') this.#error('E102', t.offset, `expected the language version, found ${this.#describe(t)}`);
          else this.#pos++;
          saltline = Number(t.text);
          if (t.kind === 'int' && saltline !== 1) this.#error('E501', t.offset, `language version ${t.text} is not supported (only 1)`);
          this.#expect(';');
        }
        this.#expect('package');
        pkg = this.#qname('a package name');
        this.#expect(';');
      } catch (error) {
        if (!(error instanceof Recover)) throw error;
        this.#skip([';']);
      }
      while (this.#at('import')) imports.push(...this.#import());
      while (this.#token.kind !== 'eof') {
        const decl = this.#decl();
        if (decl) decls.push(decl);
      }
    } catch (error) {
      if (!(error instanceof TooManyErrors)) throw error;
    }
    const end = this.#trivia[this.#tokens.length - 1]!;
    return {
      file: this.#file,
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
    const comments = this.#leading().comments;
    const start = this.#token.offset;
    try {
      this.#expect('import');
      this.#expect('{');
      const names = [this.#ident('an imported name')];
      while (this.#eat(',')) if (!this.#at('}')) names.push(this.#ident('an imported name'));
      this.#expect('}');
      this.#expect('from');
      const t = this.#token;
      const from = t.kind === 'string' ? stringValue(t.text) : undefined;
      if (from === undefined) {
        this.#error('E102', t.offset, `expected a file name in quotes, found ${this.#describe(t)}`);
        throw new Recover();
      }
      this.#pos++;
      this.#expect(';');
      return [{ names, from, fromOffset: t.offset, comments }];
    } catch (error) {
      if (!(error instanceof Recover)) throw error;
      this.#skip([';']);
      void start;
      return [];
    }
  }

  #annotations(): Ast.Annotation[] {
    const list: Ast.Annotation[] = [];
    while (this.#at('@')) {
      const offset = this.#token.offset;
      this.#pos++;
      const name = this.#ident('an annotation name').name;
      const args: Ast.AnnotationArg[] = [];
      if (this.#eat('(')) {
        while (!this.#at(')')) {
          let argName: string | undefined;
          if (this.#token.kind === 'ident' && this.#tokens[this.#pos + 1]?.text === ':') {
            argName = this.#token.text;
            this.#pos += 2;
          }
          args.push({ name: argName, value: this.#value() });
          if (!this.#eat(',')) break;
        }
        this.#expect(')');
      }
      list.push({ name, args, offset });
    }
    return list;
  }

  #value(): Ast.Value {
    const t = this.#token;
    const offset = t.offset;
    if (t.kind === 'punct' && t.text === '-') {
      this.#pos++;
      const n = this.#token;
      if (n.kind === 'int') return (this.#pos++, { kind: 'int', value: -BigInt(n.text), offset });
      if (n.kind === 'float') return (this.#pos++, { kind: 'float', value: -Number(n.text), text: `-${n.text}`, offset });
      this.#error('E103', n.offset, `expected a number after '-', found ${this.#describe(n)}`);
      throw new Recover();
    }
    switch (t.kind) {
      case 'int':
        this.#pos++;
        return { kind: 'int', value: BigInt(t.text), offset };
      case 'float':
        this.#pos++;
        return { kind: 'float', value: Number(t.text), text: t.text, offset };
      case 'duration': {
        this.#pos++;
        const unit = t.text.replace(/^\d+/, '');
        return { kind: 'duration', text: t.text, ms: Number(t.text.slice(0, -unit.length)) * UNIT_MS[unit]!, offset };
      }
      case 'string': {
        this.#pos++;
        const value = stringValue(t.text);
        if (value === undefined) this.#error('E103', offset, 'invalid escape in string');
        return { kind: 'string', value: value ?? '', offset };
      }
      case 'ident':
        if (t.text === 'true' || t.text === 'false') {
          this.#pos++;
          return { kind: 'bool', value: t.text === 'true', offset };
        }
        return { kind: 'name', name: this.#qname('a value').name, offset };
      default:
        if (this.#eat('[')) {
          return this.#nest(offset, () => {
            const items: Ast.Value[] = [];
            while (!this.#at(']')) {
              items.push(this.#value());
              if (!this.#eat(',')) break;
            }
            this.#expect(']');
            return { kind: 'list', items, offset };
          });
        }
        this.#error('E103', offset, `expected a value, found ${this.#describe(t)}`);
        throw new Recover();
    }
  }

  #type(): Ast.TypeRef {
    const t = this.#token;
    if (t.kind === 'ident' && (t.text === 'list' || t.text === 'map') && this.#tokens[this.#pos + 1]?.text === '<') {
      return this.#nest(t.offset, () => {
        this.#pos += 2;
        const first = this.#type();
        let result: Ast.TypeRef;
        if (t.text === 'map') {
          this.#expect(',');
          result = { kind: 'map', key: first, value: this.#type(), offset: t.offset };
        } else result = { kind: 'list', of: first, offset: t.offset };
        this.#expect('>');
        return result;
      });
    }
    const name = this.#qname('a type');
    return { kind: 'named', name: name.name, offset: name.offset };
  }

  #field(leading: Trivia, annotations: Ast.Annotation[], allowStream: boolean, what = 'a field name'): Ast.Param {
    const { name, offset } = this.#ident(what);
    const optional = this.#eat('?');
    this.#expect(':');
    const stream = allowStream && this.#at('stream') && this.#tokens[this.#pos + 1]?.kind === 'ident' ? (this.#pos++, true) : false;
    const type = this.#type();
    const value = this.#eat('=') ? this.#value() : undefined;
    return { name, offset, optional, type, default: value, stream, docs: leading.docs, comments: leading.comments, annotations };
  }

  /** Members of a `{ }` block: each parsed by `member`, recovered from on its own. */
  #block<T>(
    separator: ';' | ',',
    member: (leading: Trivia, annotations: Ast.Annotation[]) => T | undefined,
  ): { items: T[]; trailing: string[] } {
    this.#expect('{');
    const items: T[] = [];
    while (!this.#at('}') && this.#token.kind !== 'eof') {
      const start = this.#pos;
      try {
        const leading = this.#leading();
        const item = member(leading, this.#annotations());
        if (item !== undefined) items.push(item);
        if (separator === ';') this.#expect(';');
        else if (!this.#eat(',') && !this.#at('}')) this.#expect(',');
      } catch (error) {
        if (!(error instanceof Recover)) throw error;
        this.#skip([separator]);
        if (this.#pos === start) this.#pos++;
      }
    }
    const end = this.#leading();
    this.#expect('}');
    return { items, trailing: [...end.docs.map((d) => `/// ${d}`), ...end.comments] };
  }

  #decl(): Ast.Decl | undefined {
    const leading = this.#leading();
    const start = this.#pos;
    try {
      const annotations = this.#annotations();
      const t = this.#token;
      if (t.kind !== 'ident' || !DECL_KEYWORDS.includes(t.text)) {
        const hint = t.kind === 'ident' ? didYouMean(t.text, DECL_KEYWORDS) : '';
        this.#error('E105', t.offset, `expected a declaration (${DECL_KEYWORDS.join(', ')}), found ${this.#describe(t)}${hint}`);
        throw new Recover();
      }
      this.#pos++;
      const { name, offset } = this.#ident(`a ${t.text} name`);
      const base = { name, offset, docs: leading.docs, comments: leading.comments, annotations };
      switch (t.text) {
        case 'type': {
          this.#expect('=');
          const type = this.#type();
          this.#expect(';');
          return { kind: 'alias', ...base, type };
        }
        case 'struct': {
          const reserved: Ast.Reserved[] = [];
          const { items, trailing } = this.#block(';', (lead, annots) => {
            if (this.#at('reserved') && this.#tokens[this.#pos + 1]?.kind === 'ident' && annots.length === 0) {
              reserved.push(this.#reserved(lead));
              return undefined;
            }
            return this.#plainField(lead, annots);
          });
          return { kind: 'struct', ...base, fields: items, reserved, trailing };
        }
        case 'enum': {
          const { items, trailing } = this.#block(',', (lead, annots) => {
            const m = this.#ident('an enum member');
            return { ...m, docs: lead.docs, comments: lead.comments, annotations: annots };
          });
          return { kind: 'enum', ...base, members: items, trailing };
        }
        case 'union': {
          const { items, trailing } = this.#block(',', (lead, annots) => {
            const m = this.#ident('a variant name');
            this.#expect(':');
            return { ...m, type: this.#type(), docs: lead.docs, comments: lead.comments, annotations: annots };
          });
          return { kind: 'union', ...base, variants: items, trailing };
        }
        case 'error': {
          this.#expect(':');
          const c = this.#token;
          if (c.kind !== 'ident' || !(ERROR_CODES as readonly string[]).includes(c.text)) {
            const hint = c.kind === 'ident' ? didYouMean(c.text, ERROR_CODES) : '';
            this.#error('E106', c.offset, `expected a status code, found ${this.#describe(c)}${hint}`);
            throw new Recover();
          }
          this.#pos++;
          let fields: Ast.Field[] = [];
          let trailing: string[] = [];
          if (this.#at('{')) ({ items: fields, trailing } = this.#block(';', (lead, annots) => this.#plainField(lead, annots)));
          else this.#expect(';');
          return { kind: 'error', ...base, code: c.text, codeOffset: c.offset, fields, trailing };
        }
        default:
          return this.#service(base);
      }
    } catch (error) {
      if (!(error instanceof Recover)) throw error;
      this.#skip([';', '}']);
      if (this.#pos === start) this.#pos++;
      return undefined;
    }
  }

  #plainField(lead: Trivia, annots: Ast.Annotation[]): Ast.Field {
    const { stream: _, ...field } = this.#field(lead, annots, false);
    return field;
  }

  #reserved(lead: Trivia): Ast.Reserved {
    const offset = this.#token.offset;
    this.#pos++;
    const names = [this.#ident('a reserved name')];
    while (this.#eat(',')) names.push(this.#ident('a reserved name'));
    return { names, offset, comments: [...lead.comments, ...lead.docs.map((d) => `/// ${d}`)] };
  }

  #service(
    base: Omit<Ast.ServiceDecl, 'kind' | 'major' | 'minor' | 'versionOffset' | 'methods' | 'reserved' | 'trailing'>,
  ): Ast.ServiceDecl {
    this.#expect('version');
    const v = this.#token;
    const match = v.kind === 'float' ? /^(\d+)\.(\d+)$/.exec(v.text) : null;
    if (!match) {
      this.#error('E107', v.offset, `expected a version such as 1.0, found ${this.#describe(v)}`);
      throw new Recover();
    }
    this.#pos++;
    const reserved: Ast.Reserved[] = [];
    const { items, trailing } = this.#block(';', (lead, annots) => {
      if (this.#at('reserved') && this.#tokens[this.#pos + 1]?.kind === 'ident' && annots.length === 0) {
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
    const notify = this.#at('notify') && this.#tokens[this.#pos + 1]?.kind === 'ident' ? (this.#pos++, true) : false;
    const { name, offset } = this.#ident('a method name');
    const open = this.#token;
    if (!this.#at('(') && !this.#at('{')) {
      this.#error('E101', open.offset, `expected '(' or '{' after the method name, found ${this.#describe(open)}`);
      throw new Recover();
    }
    const named = open.text === '{';
    const close = named ? '}' : ')';
    this.#pos++;
    const params: Ast.Param[] = [];
    while (!this.#at(close)) {
      const leading = this.#leading();
      params.push(this.#field(leading, this.#annotations(), true, 'a parameter name'));
      if (!this.#eat(',')) break;
    }
    this.#expect(close);
    let result: Ast.TypeRef | undefined;
    let streamResult = false;
    if (this.#at('=>')) this.#expect('->');
    if (this.#eat('->')) {
      streamResult = this.#at('stream') && this.#tokens[this.#pos + 1]?.kind === 'ident' ? (this.#pos++, true) : false;
      result = this.#type();
    }
    const raises: { name: string; offset: number }[] = [];
    if (this.#eat('raises')) {
      raises.push(this.#qname('an error name'));
      while (this.#eat(',')) raises.push(this.#qname('an error name'));
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
  const parser = new Parser(file, tokens, diagnostics, options);
  return { ast: parser.file(), tokens, diagnostics };
}
