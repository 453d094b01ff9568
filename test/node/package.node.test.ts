/**
 * The package as a user gets it: `npm pack`, unpacked into a fresh consumer project, imported by
 * its public names from plain Node ESM and type-checked by TypeScript against the shipped .d.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { equal } from '../harness/assert.js';

const root = resolve(import.meta.dirname, '../..');
const consumer = mkdtempSync(join(tmpdir(), 'saltline-consumer-'));

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('the packed package', () => {
  before(() => {
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', consumer], root)) as { filename: string }[];
    const target = join(consumer, 'node_modules', 'saltline');
    mkdirSync(target, { recursive: true });
    run('tar', ['-xzf', join(consumer, packed!.filename), '-C', target, '--strip-components=1'], consumer);
    // Its dependencies come from this checkout: the registry is not reachable from the test sandbox.
    mkdirSync(join(consumer, 'node_modules', '@msgpack'));
    symlinkSync(join(root, 'node_modules', '@msgpack', 'msgpack'), join(consumer, 'node_modules', '@msgpack', 'msgpack'));
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  });

  after(() => rmSync(consumer, { recursive: true, force: true }));

  it('lets a consumer call a worker_threads worker through saltline and saltline/worker', () => {
    writeFileSync(
      join(consumer, 'worker.mjs'),
      `import { parentPort } from 'node:worker_threads';
import { createPeer } from 'saltline';
import { fromWorkerScope } from 'saltline/worker';
createPeer(fromWorkerScope(parentPort), { expose: { add: (a, b) => a + b, math: { neg: (x) => -x } } });
`,
    );
    writeFileSync(
      join(consumer, 'main.mjs'),
      `import { Worker } from 'node:worker_threads';
import { createPeer, RpcError } from 'saltline';
import { fromWorker } from 'saltline/worker';
const peer = createPeer(fromWorker(new Worker(new URL('./worker.mjs', import.meta.url))));
const api = peer.remote();
const sum = await api.add(2, 3);
const neg = await api.math.neg(4);
const missing = await api.nope().catch((e) => e instanceof RpcError && e.code);
peer.close();
console.log(JSON.stringify({ sum, neg, missing }));
`,
    );
    equal(run(process.execPath, ['main.mjs'], consumer).trim(), JSON.stringify({ sum: 5, neg: -4, missing: 'NOT_FOUND' }));
  });

  it('lets a consumer serve JSON-RPC over HTTP that curl calls', async () => {
    writeFileSync(
      join(consumer, 'jsonrpc-server.mjs'),
      `import { createServer } from 'node:http';
import { jsonRpcNodeListener } from 'saltline/jsonrpc';
const server = createServer(jsonRpcNodeListener({ add: (a, b) => a + b }));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.stdin.on('end', () => server.close()).resume();
`,
    );
    const child = spawn(process.execPath, ['jsonrpc-server.mjs'], { cwd: consumer, stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const [port] = (await once(child.stdout!, 'data')) as [Buffer];
      const body = '{"jsonrpc":"2.0","id":1,"method":"add","params":[2,3]}';
      const url = `http://127.0.0.1:${String(port).trim()}/`;
      const answer = run('curl', ['-s', '-H', 'Content-Type: application/json', '-d', body, url], consumer);
      equal(answer, '{"jsonrpc":"2.0","id":1,"result":5}');
    } finally {
      child.stdin!.end();
      await once(child, 'exit');
    }
  });

  it('type-checks a consumer against the shipped declarations', () => {
    writeFileSync(
      join(consumer, 'typed.ts'),
      `import { createPeer, RpcError, withContext, type Remote } from 'saltline';
import { fromPort } from 'saltline/worker';
const api = { add: (a: number, b: number) => a + b, slow: withContext((ctx, ms: number) => ctx.deadline + ms) };
const { port1, port2 } = new MessageChannel();
createPeer(fromPort(port2), { expose: api });
const remote: Remote<typeof api> = createPeer(fromPort(port1)).remote<typeof api>();
export const sum: Promise<number> = remote.add(1, 2);
export const slow: Promise<number> = remote.slow(5);
// @ts-expect-error the context parameter is not part of the remote signature
remote.slow({}, 5);
export const code: string = new RpcError('NOT_FOUND', 'x').code;
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2022', 'dom'],
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        files: ['typed.ts'],
      }),
    );
    run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], consumer);
  });

  it('names @opentelemetry/api when saltline/otel is imported without it installed', () => {
    writeFileSync(
      join(consumer, 'otel.mjs'),
      `await import('saltline/otel').then(() => console.log('loaded'), (e) => console.log(e.message));\n`,
    );
    const message = run(process.execPath, ['otel.mjs'], consumer);
    equal(/Cannot find package '@opentelemetry\/api'/.test(message), true, message);
  });

  it('runs the plugin that docs/guide/writing-plugins.md builds, with its tests passing', () => {
    const guide = readFileSync(join(root, 'docs', 'guide', 'writing-plugins.md'), 'utf8');
    const [plugin, tests] = [...guide.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1]!);
    const project = join(consumer, 'saltline-plugin-request-id');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'saltline-plugin-request-id', type: 'module', private: true }));
    writeFileSync(join(project, 'index.js'), plugin!);
    writeFileSync(join(project, 'test.js'), tests!);
    // Its own test runner, not a subtest of this one.
    const env = { ...process.env, NODE_TEST_CONTEXT: undefined };
    const output = execFileSync(process.execPath, ['--test', '--test-reporter=tap', 'test.js'], { cwd: project, encoding: 'utf8', env });
    equal(/^# pass (\d+)$/m.exec(output)?.[1], '3', output);
  });
});
