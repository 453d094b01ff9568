/**
 * The expression half of the `.saltline` grammar: annotations, literal values, type references and
 * fields, which every kind of declaration shares. Declarations themselves are in `parser.ts`.
 */
import type * as Ast from './ast.js';
import { stringValue } from './lexer.js';
import { Recover, type TokenCursor, type Trivia } from './token-cursor.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseAnnotations(c: TokenCursor): Ast.Annotation[] {
  const list: Ast.Annotation[] = [];
  while (c.at('@')) {
    const offset = c.token.offset;
    c.pos++;
    const name = c.ident('an annotation name').name;
    const args: Ast.AnnotationArg[] = [];
    if (c.eat('(')) {
      while (!c.at(')')) {
        let argName: string | undefined;
        if (c.token.kind === 'ident' && c.peek()?.text === ':') {
          argName = c.token.text;
          c.pos += 2;
        }
        args.push({ name: argName, value: parseValue(c) });
        if (!c.eat(',')) break;
      }
      c.expect(')');
    }
    list.push({ name, args, offset });
  }
  return list;
}

export function parseValue(c: TokenCursor): Ast.Value {
  const t = c.token;
  const offset = t.offset;
  if (t.kind === 'punct' && t.text === '-') {
    c.pos++;
    const n = c.token;
    if (n.kind === 'int') return (c.pos++, { kind: 'int', value: -BigInt(n.text), offset });
    if (n.kind === 'float') return (c.pos++, { kind: 'float', value: -Number(n.text), text: `-${n.text}`, offset });
    c.error('E103', n.offset, `expected a number after '-', found ${c.describe(n)}`);
    throw new Recover();
  }
  switch (t.kind) {
    case 'int':
      c.pos++;
      return { kind: 'int', value: BigInt(t.text), offset };
    case 'float':
      c.pos++;
      return { kind: 'float', value: Number(t.text), text: t.text, offset };
    case 'duration': {
      c.pos++;
      const unit = t.text.replace(/^\d+/, '');
      return { kind: 'duration', text: t.text, ms: Number(t.text.slice(0, -unit.length)) * UNIT_MS[unit]!, offset };
    }
    case 'string': {
      c.pos++;
      const value = stringValue(t.text);
      if (value === undefined) c.error('E103', offset, 'invalid escape in string');
      return { kind: 'string', value: value ?? '', offset };
    }
    case 'ident':
      if (t.text === 'true' || t.text === 'false') {
        c.pos++;
        return { kind: 'bool', value: t.text === 'true', offset };
      }
      return { kind: 'name', name: c.qname('a value').name, offset };
    default:
      if (c.eat('[')) {
        return c.nest(offset, () => {
          const items: Ast.Value[] = [];
          while (!c.at(']')) {
            items.push(parseValue(c));
            if (!c.eat(',')) break;
          }
          c.expect(']');
          return { kind: 'list', items, offset };
        });
      }
      c.error('E103', offset, `expected a value, found ${c.describe(t)}`);
      throw new Recover();
  }
}

export function parseType(c: TokenCursor): Ast.TypeRef {
  const t = c.token;
  if (t.kind === 'ident' && (t.text === 'list' || t.text === 'map') && c.peek()?.text === '<') {
    return c.nest(t.offset, () => {
      c.pos += 2;
      const first = parseType(c);
      let result: Ast.TypeRef;
      if (t.text === 'map') {
        c.expect(',');
        result = { kind: 'map', key: first, value: parseType(c), offset: t.offset };
      } else result = { kind: 'list', of: first, offset: t.offset };
      c.expect('>');
      return result;
    });
  }
  const name = c.qname('a type');
  return { kind: 'named', name: name.name, offset: name.offset };
}

export function parseField(
  c: TokenCursor,
  leading: Trivia,
  annotations: Ast.Annotation[],
  allowStream: boolean,
  what = 'a field name',
): Ast.Param {
  const { name, offset } = c.ident(what);
  const optional = c.eat('?');
  c.expect(':');
  const stream = allowStream && c.at('stream') && c.peek()?.kind === 'ident' ? (c.pos++, true) : false;
  const type = parseType(c);
  const value = c.eat('=') ? parseValue(c) : undefined;
  return { name, offset, optional, type, default: value, stream, docs: leading.docs, comments: leading.comments, annotations };
}
