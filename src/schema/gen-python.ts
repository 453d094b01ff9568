/**
 * Python generator for `bindings/python` (asyncio): dataclasses for structs and errors,
 * `Literal` types for enums, a client class per service (`await client.get(...)` calls
 * `peer.call("acme.notes.Notes@2.get", ...)`), and a handler `Protocol`. Names that are Python
 * keywords get a trailing underscore; the wire name is kept in the field's metadata.
 */
import type * as Ast from './ast.js';
import { moduleName } from './gen-ts.js';
import type { Program } from './program.js';

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case type'.split(
    ' ',
  ),
);
const PY: Record<string, string> = {
  bool: 'bool',
  bigint: 'int',
  float32: 'float',
  float64: 'float',
  string: 'str',
  bytes: 'bytes',
  timestamp: 'datetime',
  any: 'Any',
};

const py = (name: string) => (KEYWORDS.has(name) ? `${name}_` : name);

/**
 * A type in Python. Names are bare: annotations are strings (`from __future__ import annotations`),
 * and a client method evaluates its result type only when called. `quote` quotes them for the
 * right side of an alias, evaluated at import, before later declarations exist.
 */
function pyType(program: Program, file: Ast.SourceFile, t: Ast.TypeRef, quote = false): string {
  if (t.kind === 'list') return `list[${pyType(program, file, t.of, quote)}]`;
  if (t.kind === 'map') return `dict[${pyType(program, file, t.key, quote)}, ${pyType(program, file, t.value, quote)}]`;
  const e = program.lookup(file, t.name);
  if (e) return quote ? `"${e.decl.name}"` : e.decl.name;
  return PY[t.name] ?? (/int/.test(t.name) ? 'int' : 'Any');
}

function pyValue(v: Ast.Value): string {
  if (v.kind === 'bool') return v.value ? 'True' : 'False';
  if (v.kind === 'string' || v.kind === 'name') return JSON.stringify(v.kind === 'name' ? v.name : v.value);
  if (v.kind === 'int') return String(v.value);
  if (v.kind === 'float') return v.text;
  if (v.kind === 'list') return 'field(default_factory=list)';
  return 'None';
}

function docstring(lines: readonly string[], indent: string): string {
  return lines.length ? `${indent}"""${lines.join(`\n${indent}`).replaceAll('"""', '\\"\\"\\"')}"""\n` : '';
}

/** Python for `bindings/python`: dataclasses, client classes and handler protocols, one module per file. */
export function generatePython(program: Program): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of program.files) {
    const t = (ref: Ast.TypeRef) => pyType(program, file, ref);
    const body: string[] = [];
    const fieldLines = (fields: readonly Ast.Field[]) => {
      // Required fields first: a dataclass cannot put a field without a default after one with.
      const sorted = [...fields.filter((f) => !f.optional), ...fields.filter((f) => f.optional)];
      return sorted.map((f) => {
        const meta =
          py(f.name) !== f.name ? `field(metadata={"wire": ${JSON.stringify(f.name)}}${f.optional ? ', default=None' : ''})` : '';
        const value = f.optional ? ` = ${meta || (f.default ? pyValue(f.default) : 'None')}` : meta ? ` = ${meta}` : '';
        return `    ${py(f.name)}: ${t(f.type)}${f.optional && !f.default ? ' | None' : ''}${value}\n`;
      });
    };
    for (const d of file.decls) {
      const full = file.package ? `${file.package}.${d.name}` : d.name;
      switch (d.kind) {
        case 'alias':
          body.push(`${d.name} = ${pyType(program, file, d.type, true).replace(/^"(.*)"$/, '$1')}\n`);
          break;
        case 'enum':
          body.push(`${d.name} = Literal[${d.members.map((m) => JSON.stringify(m.name)).join(', ')}]\n`);
          break;
        case 'struct':
        case 'error': {
          const lines = fieldLines(d.fields);
          const extra =
            d.kind === 'error'
              ? [`    CODE: ClassVar[str] = ${JSON.stringify(d.code)}\n`, `    NAME: ClassVar[str] = ${JSON.stringify(full)}\n`]
              : [];
          body.push(
            `@dataclass(kw_only=True)\nclass ${d.name}:\n${docstring(d.docs, '    ')}${[...extra, ...lines].join('') || '    pass\n'}`,
          );
          break;
        }
        case 'union': {
          const variants = d.variants.map((v) => {
            const cls = `${d.name}_${v.name}`;
            body.push(
              `@dataclass(kw_only=True)\nclass ${cls}:\n    type: Literal[${JSON.stringify(v.name)}] = ${JSON.stringify(v.name)}\n    value: ${t(v.type)}\n`,
            );
            return cls;
          });
          body.push(`${d.name} = Union[${variants.join(', ')}]\n`);
          break;
        }
        case 'service': {
          const wire = `${full}@${d.major}`;
          const sig = (m: Ast.Method) =>
            m.named
              ? [
                  'self',
                  '*',
                  ...m.params.map(
                    (p) => `${py(p.name)}: ${t(p.type)}${p.optional ? ` | None = ${p.default ? pyValue(p.default) : 'None'}` : ''}`,
                  ),
                ]
              : [
                  'self',
                  ...m.params.map(
                    (p) =>
                      `${py(p.name)}: ${p.stream ? `AsyncIterator[${t(p.type)}]` : t(p.type)}${p.optional ? ` | None = ${p.default ? pyValue(p.default) : 'None'}` : ''}`,
                  ),
                ];
          const ret = (m: Ast.Method) =>
            m.kind === 'notify' || !m.result ? 'None' : m.streamResult ? `AsyncIterator[${t(m.result)}]` : t(m.result);
          const client = d.methods.map((m) => {
            // Arguments go out through to_wire (dataclasses become maps); a stream argument goes as it is.
            const args = m.named
              ? `to_wire({${m.params.map((p) => `${JSON.stringify(p.name)}: ${py(p.name)}`).join(', ')}})`
              : m.params.map((p) => (p.stream ? py(p.name) : `to_wire(${py(p.name)})`)).join(', ');
            const send = `self._peer.${m.kind === 'notify' ? 'notify' : 'call'}(${JSON.stringify(`${wire}.${m.name}`)}${args ? `, ${args}` : ''})`;
            const read = m.result ? (m.streamResult ? 'from_stream' : 'from_wire') : '';
            const call =
              m.kind === 'notify'
                ? `        ${send}\n`
                : read
                  ? `        return ${read}(${t(m.result!)}, await ${send})\n`
                  : `        await ${send}\n`;
            const def = m.kind === 'notify' ? 'def' : 'async def';
            return `    ${def} ${py(m.name)}(${sig(m).join(', ')}) -> ${ret(m)}:\n${docstring(m.docs, '        ')}${call}`;
          });
          const handler = d.methods.map(
            (m) =>
              `    ${m.streamResult ? 'def' : 'async def'} ${py(m.name)}(${[...sig(m), 'ctx: Any = None'].join(', ')}) -> ${ret(m)}: ...\n`,
          );
          body.push(
            `class ${d.name}Client:\n${docstring(d.docs, '    ')}    SERVICE: ClassVar[str] = ${JSON.stringify(full)}\n    VERSION: ClassVar[tuple[int, int]] = (${d.major}, ${d.minor})\n\n` +
              `    def __init__(self, peer: Any) -> None:\n        self._peer = peer\n\n${client.join('\n')}`,
          );
          body.push(`class ${d.name}Handler(Protocol):\n${handler.join('')}`);
          // Nested as the wire name is walked (acme → notes → Notes@2); each method reads its arguments with from_wire.
          const methods = d.methods.map((m) => {
            const params = m.params.map(
              (p) => `(${JSON.stringify(p.name)}, ${JSON.stringify(py(p.name))}, ${t(p.type)}, ${p.stream ? 'True' : 'False'})`,
            );
            return `${JSON.stringify(m.name)}: handler(impl.${py(m.name)}, [${params.join(', ')}]${m.named ? ', named=True' : ''})`;
          });
          const nested = wire.split('.').reduceRight((inner, part) => `{${JSON.stringify(part)}: ${inner}}`, `{${methods.join(', ')}}`);
          body.push(
            `def ${d.name.replace(/^./, (c) => c.toLowerCase())}_handlers(impl: ${d.name}Handler) -> dict[str, Any]:\n` +
              `    """The dict to expose (several merge with saltline.schema.merge); arguments arrive as the IDL's types."""\n` +
              `    return ${nested}\n`,
          );
          break;
        }
      }
    }
    const imports = file.imports.flatMap((i) => {
      const mod = moduleName(i.from, '').replace(/[^A-Za-z0-9_]/g, '_');
      return [`from .${mod} import ${i.names.map((n) => n.name).join(', ')}`];
    });
    const head = [
      `# Generated by saltline from ${file.file.split('/').pop()}: do not edit (run \`saltline gen\`).`,
      'from __future__ import annotations',
      '',
      'from dataclasses import dataclass, field',
      'from datetime import datetime',
      'from typing import Any, AsyncIterator, ClassVar, Literal, Protocol, Union',
      ...(file.decls.some((d) => d.kind === 'service')
        ? ['', 'from saltline.schema import from_stream, from_wire, handler, to_wire']
        : []),
      ...imports,
      '',
    ];
    out.set(moduleName(file.file, '.py').replace(/[^A-Za-z0-9_.]/g, '_'), `${head.join('\n')}\n${body.join('\n\n')}`);
  }
  return out;
}
