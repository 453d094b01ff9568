/**
 * `saltline fmt`: prints a syntax tree in the one canonical layout (two-space indent, one member
 * per line, annotations on the line before a declaration and inline before a member). Comments
 * and doc comments are kept, in front of the node they preceded. Idempotent: formatting its own
 * output changes nothing.
 */
import type * as Ast from './ast.js';

export function formatValue(v: Ast.Value): string {
  switch (v.kind) {
    case 'int':
      return String(v.value);
    case 'float':
      return v.text;
    case 'string':
      return JSON.stringify(v.value);
    case 'duration':
      return v.text;
    case 'bool':
      return String(v.value);
    case 'name':
      return v.name;
    case 'list':
      return `[${v.items.map(formatValue).join(', ')}]`;
  }
}

export function formatType(t: Ast.TypeRef): string {
  if (t.kind === 'list') return `list<${formatType(t.of)}>`;
  if (t.kind === 'map') return `map<${formatType(t.key)}, ${formatType(t.value)}>`;
  return t.name;
}

function annotations(list: readonly Ast.Annotation[]): string {
  return list
    .map((a) => {
      const args = a.args.map((x) => (x.name === undefined ? '' : `${x.name}: `) + formatValue(x.value));
      return a.args.length ? `@${a.name}(${args.join(', ')})` : `@${a.name}`;
    })
    .join(' ');
}

function leading(node: Ast.Leading, indent: string, inlineAnnotations: boolean): string {
  const lines = [...node.comments.map((c) => indent + c), ...node.docs.map((d) => `${indent}/// ${d}`.trimEnd())];
  if (!inlineAnnotations && node.annotations.length) lines.push(indent + annotations(node.annotations));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function prefix(node: Ast.Leading): string {
  return node.annotations.length ? `${annotations(node.annotations)} ` : '';
}

export function formatField(f: Ast.Field | Ast.Param): string {
  const stream = 'stream' in f && f.stream ? 'stream ' : '';
  const value = f.default ? ` = ${formatValue(f.default)}` : '';
  return `${prefix(f)}${f.name}${f.optional ? '?' : ''}: ${stream}${formatType(f.type)}${value}`;
}

function trailing(lines: readonly string[], indent: string): string {
  return lines.map((l) => `${indent}${l}\n`).join('');
}

function reserved(r: Ast.Reserved): string {
  return `${r.comments.map((c) => `  ${c}\n`).join('')}  reserved ${r.names.map((n) => n.name).join(', ')};\n`;
}

/**
 * A method on one line, or, when a parameter carries a doc or a comment, one parameter a line so
 * the doc stays in front of its parameter. `indent` is the method's own indentation.
 */
export function formatMethod(m: Ast.Method, indent = '  '): string {
  const documented = m.params.some((p) => p.docs.length || p.comments.length);
  const inside = `${indent}  `;
  const inner = documented
    ? `\n${m.params.map((p) => `${leading(p, inside, true)}${inside}${formatField(p)},\n`).join('')}${indent}`
    : m.params.map(formatField).join(', ');
  const named = documented ? ` {${inner}}` : ` { ${inner} }`;
  const params = m.named ? (m.params.length ? named : ' {}') : `(${inner})`;
  const result = m.result ? ` -> ${m.streamResult ? 'stream ' : ''}${formatType(m.result)}` : '';
  const raises = m.raises.length ? ` raises ${m.raises.map((r) => r.name).join(', ')}` : '';
  return `${prefix(m)}${m.kind === 'notify' ? 'notify ' : ''}${m.name}${params}${result}${raises};`;
}

export function formatDecl(d: Ast.Decl): string {
  const head = leading(d, '', false);
  switch (d.kind) {
    case 'alias':
      return `${head}type ${d.name} = ${formatType(d.type)};\n`;
    case 'struct':
    case 'error': {
      const body = [
        ...d.fields.map((f) => `${leading(f, '  ', true)}  ${formatField(f)};\n`),
        ...(d.kind === 'struct' ? d.reserved.map(reserved) : []),
        trailing(d.trailing, '  '),
      ].join('');
      const open = d.kind === 'struct' ? `struct ${d.name}` : `error ${d.name} : ${d.code}`;
      if (d.kind === 'error' && !body) return `${head}${open};\n`;
      return `${head}${open} {\n${body}}\n`;
    }
    case 'enum':
    case 'union': {
      const items =
        d.kind === 'enum'
          ? d.members.map((m) => [m, m.name] as const)
          : d.variants.map((v) => [v, `${v.name}: ${formatType(v.type)}`] as const);
      const body =
        items.map(([node, text]) => `${leading(node, '  ', true)}  ${prefix(node)}${text},\n`).join('') + trailing(d.trailing, '  ');
      return `${head}${d.kind} ${d.name} {\n${body}}\n`;
    }
    case 'service': {
      const body = [
        ...d.methods.map((m) => `${leading(m, '  ', true)}  ${formatMethod(m)}\n`),
        ...d.reserved.map(reserved),
        trailing(d.trailing, '  '),
      ].join('');
      return `${head}service ${d.name} version ${d.major}.${d.minor} {\n${body}}\n`;
    }
  }
}

/** The canonical text of a file. */
export function format(file: Ast.SourceFile): string {
  const parts: string[] = [];
  const top = [...file.header, ...(file.saltline !== undefined ? [`saltline ${file.saltline};`] : []), `package ${file.package};`];
  parts.push(`${top.join('\n')}\n`);
  if (file.imports.length) {
    parts.push(
      file.imports
        .map(
          (i) =>
            `${i.comments.map((c) => `${c}\n`).join('')}import { ${i.names.map((n) => n.name).join(', ')} } from ${JSON.stringify(i.from)};\n`,
        )
        .join(''),
    );
  }
  for (const d of file.decls) parts.push(formatDecl(d));
  if (file.trailing.length) parts.push(trailing(file.trailing, ''));
  return parts.join('\n');
}
