/**
 * The `.saltline` lexer. Every character of the source lands in exactly one token, trivia
 * (whitespace and comments) included, so the token list is lossless: joining the texts gives the
 * source back, which `fmt` and the tests rely on.
 *
 * Bounds (far-side or untrusted files must not make it allocate or loop without limit): the
 * source length and the length of any one token are checked; see `LexOptions`.
 */
import type { Diagnostic } from './diagnostics.js';

export type TokenKind = 'ident' | 'int' | 'float' | 'duration' | 'string' | 'punct' | 'doc' | 'comment' | 'space' | 'bad' | 'eof';

/** One token; whitespace and comments are tokens too, so the list gives back the source exactly (`fmt` relies on it). */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly offset: number;
}

export interface LexOptions {
  /** Longest source accepted, in characters. Default 4,000,000 (about 100,000 lines). */
  readonly maxSourceLength?: number;
  /** Longest single token (an identifier, number, string or comment). Default 65,536. */
  readonly maxTokenLength?: number;
}

const PUNCT2 = new Set(['->', '=>']);
const PUNCT1 = new Set(['{', '}', '(', ')', '<', '>', '[', ']', ';', ':', ',', '.', '=', '?', '@', '-']);
const UNITS = /^(ms|s|m|h|d)$/;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

export interface Lexed {
  readonly tokens: Token[];
  readonly diagnostics: Diagnostic[];
}

/** Splits a source into tokens, within the length bounds of `options`; bad input becomes `bad` tokens, never a throw. */
export function lex(source: string, file: string, options: LexOptions = {}): Lexed {
  const maxSource = options.maxSourceLength ?? 4_000_000;
  const maxToken = options.maxTokenLength ?? 65_536;
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  const error = (code: string, offset: number, message: string) => diagnostics.push({ code, severity: 'error', message, file, offset });
  if (source.length > maxSource) {
    error('E001', 0, `the file has ${source.length} characters; the limit is ${maxSource}`);
    return { tokens: [{ kind: 'eof', text: '', offset: 0 }], diagnostics };
  }
  const n = source.length;
  let i = 0;
  while (i < n) {
    const start = i;
    const c = source.charCodeAt(i);
    let kind: TokenKind;
    if (isSpace(c)) {
      while (i < n && isSpace(source.charCodeAt(i))) i++;
      kind = 'space';
    } else if (c === 47 && source[i + 1] === '/') {
      kind = source[i + 2] === '/' && source[i + 3] !== '/' ? 'doc' : 'comment';
      const end = source.indexOf('\n', i);
      i = end < 0 ? n : end;
      if (source[i - 1] === '\r') i--;
    } else if (c === 47 && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      kind = 'comment';
      if (end < 0) {
        error('E002', start, 'unterminated comment: it opens here and never closes');
        i = n;
      } else i = end + 2;
    } else if (isIdentStart(c)) {
      while (i < n && isIdentPart(source.charCodeAt(i))) i++;
      kind = 'ident';
    } else if (isDigit(c)) {
      while (i < n && isDigit(source.charCodeAt(i))) i++;
      kind = 'int';
      if (source[i] === '.' && isDigit(source.charCodeAt(i + 1))) {
        i++;
        while (i < n && isDigit(source.charCodeAt(i))) i++;
        kind = 'float';
      }
      if (isIdentStart(source.charCodeAt(i))) {
        const unitStart = i;
        while (i < n && isIdentPart(source.charCodeAt(i))) i++;
        if (kind === 'int' && UNITS.test(source.slice(unitStart, i))) kind = 'duration';
        else {
          error('E003', start, `malformed number '${source.slice(start, i)}'`);
          kind = 'bad';
        }
      }
    } else if (c === 34) {
      kind = 'string';
      i++;
      for (;;) {
        if (i >= n || source[i] === '\n') {
          error('E004', start, 'unterminated string: it opens here and the line ends first');
          kind = 'bad';
          break;
        }
        if (source[i] === '\\') i += 2;
        else if (source[i++] === '"') break;
      }
      if (i > n) i = n;
    } else if (PUNCT2.has(source.slice(i, i + 2))) {
      i += 2;
      kind = 'punct';
    } else if (PUNCT1.has(source[i]!)) {
      i++;
      kind = 'punct';
    } else {
      // One code point, so a bad surrogate pair is one diagnostic, not two.
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
      error('E005', start, `unexpected character '${source.slice(start, i)}'`);
      kind = 'bad';
    }
    if (i - start > maxToken && kind !== 'space') {
      error('E006', start, `a token of ${i - start} characters; the limit is ${maxToken}`);
      kind = 'bad';
    }
    tokens.push({ kind, text: source.slice(start, i), offset: start });
  }
  tokens.push({ kind: 'eof', text: '', offset: n });
  return { tokens, diagnostics };
}

/** The value of a string token: JSON's escapes, which every target language can print back. */
export function stringValue(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
