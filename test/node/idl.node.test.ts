import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type * as Ast from '../../src/schema/ast.js';
import { runCli } from '../../src/schema/cli.js';
import { compare, type Verdict, verdictOf } from '../../src/schema/evolution.js';
import { generateDocs } from '../../src/schema/gen-docs.js';
import {
  compileSources,
  exportIdl,
  format,
  formatDiagnostics,
  generateJsonSchema,
  generatePython,
  generateTs,
  int,
  parse,
} from '../../src/schema/index.js';
import { diagnosticCases } from '../fixtures/idl/diagnostics.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { fuzz } from '../support/idl-fuzz.js';

const fixtures = new URL('../fixtures/idl/', import.meta.url).pathname;
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');
const sources = { 'notes.saltline': read('notes.saltline'), 'common.saltline': read('common.saltline') };

const codes = (text: string) => compileSources({ 'a.saltline': `package p;\n${text}` }).diagnostics.map((d) => d.code);
const messages = (text: string) => compileSources({ 'a.saltline': `package p;\n${text}` }).diagnostics.map((d) => d.message);

describe('the parser', () => {
  it('parses the example file without a diagnostic', () => {
    equal(compileSources(sources, ['notes.saltline']).diagnostics.length, 0);
  });

  it('keeps every character in its token list', () => {
    const text = sources['notes.saltline'];
    equal(
      parse(text)
        .tokens.map((t) => t.text)
        .join(''),
      text,
    );
  });

  it('reports a missing semicolon at the end of the token before it', () => {
    const d = parse('package p;\nstruct A {\n  x: int32\n  y: string;\n}\n').diagnostics;
    deepEqual(
      d.map((x) => [x.code, x.offset]),
      [['E101', 32]],
    );
  });

  it('suggests -> for =>', () => {
    ok(parse('package p; service S version 1.0 { f() => string; }').diagnostics[0]!.message.includes("did you mean '->'"));
  });

  it('reports three independent syntax errors as exactly three diagnostics', () => {
    const d = parse(
      'package p;\nstruct A { x int32; y: string; }\nstruct B { z: ; }\nservice S version 1.0 { f(a: int32 -> string; }\n',
    ).diagnostics;
    equal(d.length, 3);
  });

  it('reports an unterminated string where it opens', () => {
    const d = parse('package p;\n@pattern("abc\ntype A = string;').diagnostics;
    deepEqual(
      d.map((x) => [x.code, x.offset]),
      [['E004', 20]],
    );
  });

  it('reports an unterminated comment where it opens', () => {
    deepEqual(
      parse('package p; /* never').diagnostics.map((x) => [x.code, x.offset]),
      [['E002', 11]],
    );
  });

  it('stops at 64 levels of nesting with a diagnostic instead of a stack overflow', () => {
    const deep = `package p; type A = ${'list<'.repeat(10_000)}int32${'>'.repeat(10_000)};`;
    deepEqual(
      parse(deep).diagnostics.map((x) => x.code),
      ['E104'],
    );
  });

  it('refuses a file over the size limit', () => {
    deepEqual(
      parse('package p;'.padEnd(2000), 'big', { maxSourceLength: 1000 }).diagnostics.map((x) => x.code),
      ['E001'],
    );
  });

  it('stops after maxErrors diagnostics', () => {
    equal(parse('package p;\n'.concat('struct { }\n'.repeat(500))).diagnostics.length, 100);
  });
});

/** The grammar productions (docs/idl.md §3) a parsed file uses, by the names the grammar gives them. */
function productions(file: Ast.SourceFile): string[] {
  const found = new Set<string>();
  const value = (v: Ast.Value, negative = false) => {
    found.add(`value ${v.kind}`);
    if (negative) found.add('value -');
    if (v.kind === 'list') for (const item of v.items) value(item);
  };
  const leading = (x: Ast.Leading, what: string) => {
    if (x.docs.length) found.add(`${what} DOC`);
    for (const a of x.annotations) {
      found.add('annot');
      for (const arg of a.args) {
        found.add(arg.name === undefined ? 'arg' : 'arg IDENT:');
        value(arg.value, (arg.value.kind === 'int' || arg.value.kind === 'float') && arg.value.value < 0);
      }
    }
  };
  const type = (t: Ast.TypeRef) => {
    found.add(t.kind === 'named' ? (t.name.includes('.') ? 'qname dotted' : 'qname') : `type ${t.kind}`);
    if (t.kind === 'list') type(t.of);
    if (t.kind === 'map') type(t.key), type(t.value);
  };
  const field = (f: Ast.Field | Ast.Param, what: string) => {
    leading(f, what);
    type(f.type);
    if (f.optional) found.add(`${what} ?`);
    if (f.default) found.add(`${what} = value`), value(f.default, f.default.kind === 'int' && f.default.value < 0n);
    if ('stream' in f && f.stream) found.add('param stream');
  };
  if (file.saltline !== undefined) found.add('file saltline INT');
  if (file.imports.length) found.add('import');
  for (const d of file.decls) {
    leading(d, 'decl');
    found.add(d.kind);
    if (d.kind === 'alias') type(d.type);
    if (d.kind === 'struct') for (const f of d.fields) field(f, 'field');
    if ((d.kind === 'struct' || d.kind === 'service') && d.reserved.length) found.add(`${d.kind} reserved`);
    if (d.kind === 'enum') for (const m of d.members) leading(m, 'member'), found.add('member');
    if (d.kind === 'union') for (const v of d.variants) leading(v, 'variant'), type(v.type), found.add('variant');
    if (d.kind === 'error') found.add(d.fields.length ? 'error { field }' : 'error ;');
    if (d.kind === 'error') for (const f of d.fields) field(f, 'field');
    if (d.kind !== 'service') continue;
    for (const m of d.methods) {
      leading(m, 'method');
      found.add(m.kind === 'notify' ? 'method notify' : 'method');
      found.add(m.named ? 'params { }' : 'params ( )');
      for (const p of m.params) field(p, 'param');
      if (m.result) found.add(m.streamResult ? '-> stream type' : '-> type'), type(m.result);
      if (m.raises.length > 1) found.add('raises qname, qname');
    }
  }
  return [...found].sort();
}

describe('the grammar', () => {
  const text = read('grammar.saltline');

  it('has a fixture that uses every production, which compiles without a diagnostic', () => {
    const everything = [
      '-> stream type',
      '-> type',
      'alias',
      'annot',
      'arg',
      'arg IDENT:',
      'decl DOC',
      'enum',
      'error',
      'error ;',
      'error { field }',
      'field = value',
      'field ?',
      'file saltline INT',
      'import',
      'member',
      'member DOC',
      'method',
      'method notify',
      'param DOC',
      'param = value',
      'param ?',
      'param stream',
      'params ( )',
      'params { }',
      'qname',
      'qname dotted',
      'raises qname, qname',
      'service',
      'service reserved',
      'struct',
      'struct reserved',
      'type list',
      'type map',
      'union',
      'value -',
      'value bool',
      'value duration',
      'value float',
      'value int',
      'value list',
      'value name',
      'value string',
      'variant',
      'variant DOC',
      'field DOC',
    ].sort();
    const compiled = compileSources({ 'grammar.saltline': text, 'common.saltline': sources['common.saltline'] }, ['grammar.saltline']);
    deepEqual([productions(parse(text).ast), compiled.diagnostics], [everything, []]);
  });

  it('formats that fixture canonically and idempotently', () => {
    const once = format(parse(text).ast);
    deepEqual(
      [parse(once).diagnostics, format(parse(once).ast) === once, productions(parse(once).ast)],
      [[], true, productions(parse(text).ast)],
    );
  });
});

describe('the checker', () => {
  it('suggests the closest name for an unknown type', () => {
    ok(messages('struct Note { a: int32; } struct B { n: Nte; }')[0]!.includes("did you mean 'Note'"));
  });
  it('rejects a duplicate field with the first one as related location', () => {
    const d = compileSources({ 'a.saltline': 'package p; struct A { x: int32; x: string; }' }).diagnostics;
    ok(d[0]!.code === 'E203' && d[0]!.related !== undefined);
  });
  it('rejects the reuse of a reserved field name', () => deepEqual(codes('struct A { color: string; reserved color; }'), ['E204']));
  it('rejects an int32 map key', () => deepEqual(codes('struct A { m: map<int32, string>; }'), ['E301']));
  it('rejects a default on a required field', () => deepEqual(codes('struct A { n: int32 = 3; }'), ['E302']));
  it('rejects two stream parameters', () => deepEqual(codes('service S version 1.0 { f(a: stream int32, b: stream int32); }'), ['E303']));
  it('rejects a notify with a result', () => deepEqual(codes('service S version 1.0 { notify f() -> int32; }'), ['E304']));
  it('rejects @cache on a stream', () => deepEqual(codes('service S version 1.0 { @cache(ttl: 5s) f() -> stream int32; }'), ['E305']));
  it('rejects raises naming a struct', () => deepEqual(codes('struct A {} service S version 1.0 { f() raises A; }'), ['E306']));
  it('rejects a default of the wrong type', () => deepEqual(codes('struct A { n?: int8 = 300; }'), ['E307']));
  it('rejects a required positional parameter after an optional one', () =>
    deepEqual(codes('service S version 1.0 { f(a?: int32, b: int32); }'), ['E308']));
  it('rejects an error used as a type', () => deepEqual(codes('error E : NOT_FOUND; struct A { e: E; }'), ['E209']));
  it('rejects __proto__ as a field name', () => deepEqual(codes('struct A { __proto__: int32; }'), ['E210']));
  it('rejects an alias cycle', () => deepEqual(codes('type A = B; type B = A;'), ['E212']));
  it('rejects a struct that contains itself through required fields', () => deepEqual(codes('struct A { a: A; }'), ['E213']));
  it('accepts a struct that contains itself through an optional field', () => deepEqual(codes('struct A { a?: A; }'), []));
  it('rejects an unknown annotation with a suggestion', () =>
    ok(messages('struct A { @maxLenght(3) s: string; }')[0]!.includes("'maxLength'")));
  it('rejects @maxLength on a number', () => deepEqual(codes('struct A { @maxLength(3) n: int32; }'), ['E404']));
  it('rejects @min above @max', () => deepEqual(codes('struct A { @min(5) @max(1) n: int32; }'), ['E405']));
  it('rejects an invalid pattern', () => deepEqual(codes('@pattern("(") type A = string;'), ['E406']));
  it('rejects @since beyond the service version', () => deepEqual(codes('service S version 2.1 { @since(2.3) f(); }'), ['E407']));
  it('rejects an import cycle', () => {
    const d = compileSources(
      {
        'a.saltline': 'package a; import { B } from "./b.saltline"; struct A {}',
        'b.saltline': 'package b; import { A } from "./a.saltline"; struct B {}',
      },
      ['a.saltline'],
    );
    ok(d.diagnostics.some((x) => x.code === 'E206'));
  });
});

describe('the diagnostics', () => {
  const golden = join(fixtures, 'diagnostics.golden');
  const printed = diagnosticCases
    .map((c) => {
      const result = compileSources(c.files, [Object.keys(c.files)[0]!], c.options);
      return `== ${c.code}\n${formatDiagnostics(result.diagnostics, result.program.sources)}\n`;
    })
    .join('');

  // UPDATE_GOLDEN=1 rewrites the file; review its diff like code.
  if (process.env.UPDATE_GOLDEN) writeFileSync(golden, printed);

  it('print every code as the golden file has it', () => {
    equal(printed, readFileSync(golden, 'utf8'));
  });

  it('have a case for every code docs/idl.md lists', () => {
    const documented = [...readFileSync(new URL('../../docs/idl.md', import.meta.url), 'utf8').matchAll(/^\| (E\d{3}) \|/gm)].map(
      (m) => m[1],
    );
    deepEqual(diagnosticCases.map((c) => c.code).sort(), documented.sort());
  });
});

const base = `package p;
enum Color { red, green }
struct In { name: string; @maxLength(10) label?: string; n: int32; }
struct Out { id: string; note?: string; color: Color; count: int32; }
error Missing : NOT_FOUND { id: string; }
service S version 1.0 {
  get(id: string, input: In) -> Out raises Missing;
  find { q?: string, limit?: int32 = 10 } -> list<Out>;
  watch(topic: string) -> stream Out;
  notify ping(at: int32);
  @idempotent put(c: Color) -> Color;
}
`;

/** [description, find, replace, expected verdict]: each edit of `base` with its verdict under the rules. */
const table: [string, string, string, Verdict][] = [
  ['nothing changes', 'package p;', 'package p;', 'compatible'],
  ['an optional field is added to an input struct', 'n: int32; }', 'n: int32; extra?: string; }', 'compatible'],
  ['a required field is added to an input struct', 'n: int32; }', 'n: int32; extra: string; }', 'breaking'],
  ['a required field is added to an output struct', 'count: int32; }', 'count: int32; extra: string; }', 'compatible'],
  ['an optional field is removed into reserved', 'note?: string;', 'reserved note;', 'compatible'],
  ['an optional field is removed without reserved', 'note?: string;', '', 'warning'],
  ['a required output field is removed', 'id: string; note', 'note', 'breaking'],
  ['a field is renamed with @alias', 'name: string;', '@alias(name) fullName: string;', 'compatible'],
  ['a field is renamed without @alias', 'name: string;', 'fullName: string;', 'breaking'],
  ['an input int32 widens to int64', 'n: int32; }', 'n: int64; }', 'compatible'],
  ['an output int32 widens to int64', 'count: int32;', 'count: int64;', 'breaking'],
  ['an input int32 widens to the safe integer int53', 'n: int32; }', 'n: int53; }', 'compatible'],
  ['an output int32 widens to the safe integer int53', 'count: int32;', 'count: int53;', 'breaking'],
  ['an output int32 narrows to int16', 'count: int32;', 'count: int16;', 'compatible'],
  ['an input int32 narrows to int16', 'n: int32; }', 'n: int16; }', 'breaking'],
  ['an input constraint is loosened', '@maxLength(10)', '@maxLength(20)', 'compatible'],
  ['an input constraint is tightened', '@maxLength(10)', '@maxLength(5)', 'breaking'],
  ['an enum used in both directions gains a value', 'red, green }', 'red, green, blue }', 'warning'],
  ['an enum value is removed', 'red, green }', 'red }', 'breaking'],
  ['a default changes', 'limit?: int32 = 10', 'limit?: int32 = 20', 'breaking'],
  ['an optional named parameter is added', 'limit?: int32 = 10 }', 'limit?: int32 = 10, sort?: string }', 'compatible'],
  ['a required named parameter is added', 'limit?: int32 = 10 }', 'limit?: int32 = 10, sort: string }', 'breaking'],
  [
    'a trailing optional positional parameter is added',
    'get(id: string, input: In)',
    'get(id: string, input: In, x?: int32 = 1)',
    'compatible',
  ],
  ['a required positional parameter is added', 'get(id: string, input: In)', 'get(id: string, input: In, x: int32)', 'breaking'],
  ['an error is added to raises', 'raises Missing;', 'raises Missing, Missing2;\n  ', 'warning'],
  ['a unary result becomes a stream', '-> list<Out>;', '-> stream Out;', 'breaking'],
  ['a call becomes a notify', '@idempotent put(c: Color) -> Color;', 'notify put(c: Color);', 'breaking'],
  ['positional parameters become named', 'watch(topic: string)', 'watch { topic: string }', 'breaking'],
  ['a method is removed', 'notify ping(at: int32);', '', 'breaking'],
  ['a method is added with @since and a minor bump', 'version 1.0 {', 'version 1.1 { @since(1.1) extra() -> int32;', 'compatible'],
  ['a method is added without a minor bump', 'version 1.0 {', 'version 1.0 { extra() -> int32;', 'breaking'],
  ['a method is added with a bump but without @since', 'version 1.0 {', 'version 1.1 { extra() -> int32;', 'breaking'],
  ['the result type changes', '-> Color;', '-> string;', 'breaking'],
  ['the major version changes', 'version 1.0', 'version 2.0', 'breaking'],
  ['an error code changes', 'Missing : NOT_FOUND', 'Missing : ABORTED', 'breaking'],
  ['a service is added', 'package p;', 'package p;\nservice T version 1.0 { f(); }', 'compatible'],
  ['@idempotent is dropped', '@idempotent put', 'put', 'warning'],
];

describe('the compatibility check', () => {
  for (const [what, find, replace, expected] of table) {
    it(`says ${expected} when ${what}`, () => {
      const extra = replace.includes('Missing2') ? '\nerror Missing2 : ABORTED;' : '';
      const next = base.replace(find, replace) + extra;
      const a = compileSources({ 'a.saltline': base });
      const b = compileSources({ 'a.saltline': next });
      ok(a.ok && b.ok, JSON.stringify(b.diagnostics));
      const changes = compare(a.program, b.program).filter((c) => !c.path.endsWith('Missing2') || c.verdict !== 'compatible');
      equal(verdictOf(changes), expected, JSON.stringify(changes));
    });
  }
});

describe('the generators', () => {
  const compiled = compileSources(sources, ['notes.saltline']);
  const golden: [string, Map<string, string>][] = [
    ['TypeScript', generateTs(compiled.program)],
    ['JSON Schema', generateJsonSchema(compiled.program)],
    ['Markdown', generateDocs(compiled.program)],
    ['Python', generatePython(compiled.program)],
  ];
  for (const [name, files] of golden) {
    it(`match the committed ${name} output`, () => {
      for (const [file, text] of files) equal(text, read(`gen/${file}`), `${file} differs: run saltline gen`);
    });
  }

  it('map every @cache field onto the cache plugin’s policy', () => {
    const text =
      'package p; service S version 1.0 { @cache(ttl: 1s, swr: 2s, staleIfError: 3m, mustRevalidate: true, private: false, ' +
      'persist: true, shared: true) f() -> int32; }';
    const ts = generateTs(compileSources({ 'a.saltline': text }).program).get('a.ts')!;
    const policy =
      'cache: { maxAge: 1000, staleWhileRevalidate: 2000, staleIfError: 180000, mustRevalidate: true, private: false, ' +
      'persist: true, shared: true }';
    ok(ts.includes(policy), ts);
  });

  it('emit Python that compiles', () => {
    const dir = mkdtempSync(join(tmpdir(), 'saltline-py-'));
    try {
      for (const [file, text] of generatePython(compiled.program)) writeFileSync(join(dir, file), text);
      execFileSync('/usr/bin/python3', ['-m', 'py_compile', ...[...generatePython(compiled.program).keys()].map((f) => join(dir, f))]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('format a method with documented parameters one parameter a line, keeping the docs', () => {
    const text =
      'package p;\n\nservice S version 1.0 {\n  f(\n    /// The id.\n    id: string,\n    // why\n    n?: int32 = 2,\n  ) -> string;\n}\n';
    deepEqual([format(parse(text).ast), format(parse(format(parse(text).ast)).ast)], [text, text]);
  });

  it('format idempotently, keeping doc comments', () => {
    const once = format(parse(sources['notes.saltline']).ast);
    equal(format(parse(once).ast), once);
    ok(once.includes('/// A note as stored.'));
  });
});

/** What a CLI run printed, and the Io that collects it. */
const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
};

describe('the saltline command', () => {
  it('exits 1 on a breaking change and prints each change with its verdict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saltline-cli-'));
    try {
      writeFileSync(join(dir, 'old.saltline'), base);
      writeFileSync(join(dir, 'new.saltline'), base.replace('notify ping(at: int32);', ''));
      const t = io();
      equal(await runCli(['check', join(dir, 'old.saltline'), join(dir, 'new.saltline')], t.io), 1);
      ok(t.out.join('').includes('breaking   p.S.ping: method removed'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says clearly that a file is missing', async () => {
    const t = io();
    equal(await runCli(['gen', '/nonexistent/x.saltline', '--ts', '/tmp/x'], t.io), 1);
    ok(t.err.join('').includes("cannot read '/nonexistent/x.saltline'"));
  });

  it('runs from a clone without a build through bin/saltline.mjs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'saltline-bin-'));
    try {
      writeFileSync(join(dir, 'old.saltline'), base);
      writeFileSync(join(dir, 'new.saltline'), base.replace('notify ping(at: int32);', ''));
      const bin = new URL('../../bin/saltline.mjs', import.meta.url).pathname;
      const run = spawnSync(process.execPath, [bin, 'check', join(dir, 'old.saltline'), join(dir, 'new.saltline')], { encoding: 'utf8' });
      deepEqual([run.status, run.stdout.includes('verdict: breaking')], [1, true], run.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exports the IDL of a zod-defined service, which compiles cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saltline-export-'));
    try {
      const out = join(dir, 'nested', 'calc.saltline');
      const t = io();
      equal(await runCli(['export-idl', join(fixtures, 'code-first.ts'), '--package', 'demo', '--out', out], t.io), 0);
      const text = readFileSync(out, 'utf8');
      deepEqual([compileSources({ 'calc.saltline': text }).diagnostics, text.includes('service Calc version 1.2 {')], [[], true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says clearly that an export-idl module exports no service', async () => {
    const t = io();
    equal(await runCli(['export-idl', join(fixtures, 'gen', 'common.ts'), '--package', 'demo'], t.io), 2);
    ok(t.err.join('').includes('exports no service'));
  });

  it('rejects an unknown flag', async () => {
    const t = io();
    equal(await runCli(['gen', 'a.saltline', '--typescript', 'x'], t.io), 2);
    ok(t.err.join('').includes('unknown flag --typescript'));
  });

  it('says clearly that an output directory cannot be written', async () => {
    const t = io();
    equal(await runCli(['gen', join(fixtures, 'notes.saltline'), '--ts', '/proc/saltline'], t.io), 2);
    ok(t.err.join('').includes('cannot create /proc/saltline'));
  });
});

describe('the idl-notes demo', () => {
  it('has generated code that is current', async () => {
    const demo = new URL('../../demos/idl-notes/', import.meta.url).pathname;
    const t = io();
    equal(await runCli(['gen', join(demo, 'notes.saltline'), '--ts', join(demo, 'gen'), '--check'], t.io), 0, t.err.join(''));
  });
});

describe('export-idl', () => {
  const exported = async (name: 'Calc' | 'Shelf') => {
    const services = await import('../fixtures/idl/code-first.js');
    const text = exportIdl('demo', [services[name]]);
    const compiled = compileSources({ 'demo.saltline': text });
    deepEqual(compiled.diagnostics, []);
    return { text, ts: generateTs(compiled.program).get('demo.ts')! };
  };

  it('gives zod’s .int() the safe integer type int53, a number in TypeScript, not int64', async () => {
    const { text, ts } = await exported('Calc');
    deepEqual(
      [
        text.includes('add(arg0: int53, arg1: int53) -> int53;'),
        ts.includes('add(arg0: number, arg1: number, options?: CallOptions): Promise<number>;'),
      ],
      [true, true],
    );
  });

  it('gives a zod integer whose bounds fit int32 that type, with its bounds', async () => {
    ok((await exported('Calc')).text.includes('percent(@min(0) @max(100) arg0: int32) -> int32;'));
  });

  it('reads valibot schemas, giving its integer check int53 with its bounds', async () => {
    const { text } = await exported('Shelf');
    deepEqual(
      ['@min(1) copies: int53;', 'put(arg0: ShelfPutArg0) -> int53;', 'enum ShelfKindArg0 { book, zine }'].filter(
        (line) => !text.includes(line),
      ),
      [],
    );
  });

  it('validates an int53 as a JavaScript safe integer', () => {
    const validate = int('int53')['~standard'].validate;
    deepEqual(
      [2 ** 53 - 1, 2 ** 53, 1.5].map((n) => 'issues' in validate(n)),
      [false, true, true],
    );
  });
});

describe('the evolution fixtures', () => {
  const dir = join(fixtures, 'evolution');

  it('have generated code that is current', async () => {
    for (const file of ['tasks-v1.saltline', 'tasks-v2.saltline']) {
      const t = io();
      equal(await runCli(['gen', join(dir, file), '--ts', join(dir, 'gen'), '--check'], t.io), 0, t.err.join(''));
    }
  });

  it('differ by a change the check calls a warning, which the $unknown specs show old clients survive', async () => {
    const t = io();
    equal(await runCli(['check', join(dir, 'tasks-v1.saltline'), join(dir, 'tasks-v2.saltline')], t.io), 0);
    ok(t.out.join('').includes('verdict: warning'), t.out.join(''));
  });
});

describe('hostile input', () => {
  const count = Number(process.env.IDL_FUZZ_COUNT ?? 2000);
  it(`survives ${count} mutated copies of the example without a throw`, () => {
    equal(fuzz(sources, 'notes.saltline', count, Number(process.env.IDL_FUZZ_SEED ?? 1)), count);
  });

  // The grammar fixture reaches the productions the example lacks (negative numbers, lists, service reserved).
  const grammar = { 'grammar.saltline': read('grammar.saltline'), 'common.saltline': sources['common.saltline'] };
  it(`survives ${count / 2} mutated copies of the grammar fixture without a throw`, () => {
    equal(fuzz(grammar, 'grammar.saltline', count / 2, Number(process.env.IDL_FUZZ_SEED ?? 1)), count / 2);
  });
});
