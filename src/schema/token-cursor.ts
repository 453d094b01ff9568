/**
 * The token cursor under the `.saltline` parser: it drops whitespace, attaches comments and docs to
 * the token they precede, and owns the error reporting and recovery the grammar shares (one
 * diagnostic per place, the nesting bound, skipping to the end of a member or declaration).
 * Separate from the grammar so the declaration and expression halves can both drive it.
 */
import type { Diagnostic } from './diagnostics.js';
import type { Token } from './lexer.js';
import type { ParseOptions } from './parser.js';

/** Thrown to unwind to the nearest recovery point; never escapes `parse`. */
export class Recover {}
export class TooManyErrors {}

export interface Trivia {
  docs: string[];
  comments: string[];
}

const NO_TRIVIA: Trivia = Object.freeze({
  docs: Object.freeze([]) as unknown as string[],
  comments: Object.freeze([]) as unknown as string[],
});

export class TokenCursor {
  readonly file: string;
  readonly #tokens: Token[];
  readonly #trivia: Trivia[];
  readonly #diagnostics: Diagnostic[];
  readonly #maxDepth: number;
  readonly #maxErrors: number;
  /** For each kept token, how many bad tokens (already reported by the lexer) came before it. */
  readonly #badBefore: number[];
  /** The token where the current item (declaration, member, parameter) starts. */
  #itemStart = 0;
  /** Index of the current token; the grammar moves it forward as it consumes tokens. */
  pos = 0;
  #depth = 0;

  constructor(file: string, all: readonly Token[], diagnostics: Diagnostic[], options: ParseOptions) {
    this.file = file;
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

  get token(): Token {
    return this.#tokens[this.pos]!;
  }

  at(text: string): boolean {
    const t = this.token;
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }

  eat(text: string): boolean {
    if (!this.at(text)) return false;
    this.pos++;
    return true;
  }

  error(code: string, offset: number, message: string, related?: Diagnostic['related']): void {
    if (this.#diagnostics.length >= this.#maxErrors) throw new TooManyErrors();
    // A syntax error after a bad token of the same item is that token's echo: the lexer said it.
    if (this.#badBefore[Math.min(this.pos, this.#tokens.length - 1)]! > this.#badBefore[this.#itemStart]!) return;
    // One diagnostic per place: recovery must not repeat itself.
    const last = this.#diagnostics[this.#diagnostics.length - 1];
    if (last && last.offset === offset && last.file === this.file) return;
    this.#diagnostics.push({ code, severity: 'error', message, file: this.file, offset, ...(related ? { related } : {}) });
    if (this.#diagnostics.length >= this.#maxErrors) throw new TooManyErrors();
  }

  describe(t: Token): string {
    if (t.kind === 'eof') return 'the end of the file';
    if (t.kind === 'ident') return `identifier '${t.text}'`;
    return `'${t.text}'`;
  }

  expect(text: string): void {
    if (this.eat(text)) return;
    const t = this.token;
    const hint = text === '->' && t.text === '=>' ? ", did you mean '->'?" : '';
    if (text === ';' || text === ',') {
      // Report where the missing punctuation belongs: right after the previous token.
      const prev = this.#tokens[this.pos - 1];
      const offset = prev ? prev.offset + prev.text.length : t.offset;
      this.error('E101', offset, `expected '${text}', found ${this.describe(t)}${hint}`);
    } else {
      this.error('E101', t.offset, `expected '${text}', found ${this.describe(t)}${hint}`);
    }
    throw new Recover();
  }

  ident(what: string): { name: string; offset: number } {
    const t = this.token;
    if (t.kind !== 'ident') {
      this.error('E102', t.offset, `expected ${what}, found ${this.describe(t)}`);
      throw new Recover();
    }
    this.pos++;
    return { name: t.text, offset: t.offset };
  }

  qname(what: string): { name: string; offset: number } {
    const first = this.ident(what);
    let name = first.name;
    while (this.at('.') && this.#tokens[this.pos + 1]?.kind === 'ident') {
      this.pos++;
      name += `.${this.ident(what).name}`;
    }
    return { name, offset: first.offset };
  }

  /** The comments and docs before the item starting here; it also marks where that item starts. */
  leading(): Trivia {
    this.#itemStart = this.pos;
    return this.#trivia[this.pos]!;
  }

  nest<T>(offset: number, body: () => T): T {
    if (++this.#depth > this.#maxDepth) {
      this.#depth = 0;
      this.error('E104', offset, `nested more than ${this.#maxDepth} levels deep`);
      throw new TooManyErrors();
    }
    try {
      return body();
    } finally {
      this.#depth--;
    }
  }

  /** Skips to just past the next `stop` at this nesting level, or to a closing `}` (left in place). */
  skip(stops: readonly string[]): void {
    let depth = 0;
    for (;;) {
      const t = this.token;
      if (t.kind === 'eof') return;
      if (t.kind === 'punct') {
        if (t.text === '{' || t.text === '(' || t.text === '[') depth++;
        else if (t.text === '}' || t.text === ')' || t.text === ']') {
          if (depth === 0) return;
          depth--;
          if (depth === 0 && t.text === '}' && stops.includes('}')) {
            this.pos++;
            return;
          }
        } else if (depth === 0 && stops.includes(t.text)) {
          this.pos++;
          return;
        }
      }
      this.pos++;
    }
  }

  /** The token `ahead` places after the current one. */
  peek(ahead = 1): Token | undefined {
    return this.#tokens[this.pos + ahead];
  }

  /** The comments and docs after the last declaration. */
  endTrivia(): Trivia {
    return this.#trivia[this.#tokens.length - 1]!;
  }
}
