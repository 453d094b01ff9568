/**
 * Markdown reference: one page per source file with each service's method table (parameters,
 * result, raises, cache, since), the doc comments, and a type index.
 */
import type * as Ast from './ast.js';
import { annotation, versionOf } from './check-annotations.js';
import { formatDecl, formatField, formatType } from './format.js';
import { moduleName } from './gen-ts.js';
import type { Program } from './program.js';

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function methodRow(m: Ast.Method): string {
  const params = m.params.map((p) => formatField({ ...p, annotations: [], docs: [], comments: [] }));
  const open = m.named ? '{ ' : '(';
  const close = m.named ? ' }' : ')';
  const result = m.kind === 'notify' ? '— (notify)' : m.result ? `${m.streamResult ? 'stream ' : ''}${formatType(m.result)}` : '—';
  const cache = annotation(m.annotations, 'cache');
  const since = versionOf(annotation(m.annotations, 'since')?.args[0]?.value);
  const ttl = cache?.args.find((a) => a.name === 'ttl')?.value;
  return `| \`${m.name}\` | \`${cell(open + params.join(', ') + close)}\` | \`${cell(result)}\` | ${m.raises.map((r) => r.name).join(', ') || '—'} | ${ttl?.kind === 'duration' ? ttl.text : '—'} | ${since ? since.join('.') : '—'} | ${cell(m.docs.join(' ')) || ''} |`;
}

/** Markdown reference pages for a program, one per root file: file name → text. */
export function generateDocs(program: Program): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of program.roots) {
    const lines = [`# ${file.package}`, '', `Generated from \`${file.file.split('/').pop()}\` by \`saltline gen\`.`, ''];
    for (const d of file.decls) {
      if (d.kind !== 'service') continue;
      lines.push(`## service ${d.name} (version ${d.major}.${d.minor})`, '', ...(d.docs.length ? [d.docs.join('\n'), ''] : []));
      lines.push(`Wire names: \`${file.package}.${d.name}@${d.major}.<method>\`.`, '');
      lines.push('| method | parameters | returns | raises | cache | since | about |', '|---|---|---|---|---|---|---|');
      lines.push(...d.methods.map(methodRow), '');
    }
    const types = file.decls.filter((d) => d.kind !== 'service');
    if (types.length) {
      lines.push('## Types', '');
      for (const d of types) {
        lines.push(`### ${d.name}`, '', ...(d.docs.length ? [d.docs.join('\n'), ''] : []));
        lines.push('```saltline', formatDecl({ ...d, docs: [], comments: [] }).trimEnd(), '```', '');
      }
    }
    out.set(moduleName(file.file, '.md'), `${lines.join('\n').trimEnd()}\n`);
  }
  return out;
}
