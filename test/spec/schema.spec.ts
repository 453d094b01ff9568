import * as v from 'valibot';
import { z } from 'zod';
import { describe, it } from '#harness';
import { cached, createCache } from '../../src/cache/index.js';
import { client, defineService, implement, services, versions } from '../../src/schema/index.js';
import { farServices } from '../../src/schema/versions.js';
import { Tasks as OldTasks, type TasksHandlers as OldTasksHandlers } from '../fixtures/idl/evolution/gen/tasks-v1.js';
import { Tasks as NewTasks, type TasksHandlers as NewTasksHandlers } from '../fixtures/idl/evolution/gen/tasks-v2.js';
import { Editor, type Note, Notes, type NotesHandlers } from '../fixtures/idl/gen/notes.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

const note = (id = 'n_000000000001'): Note => ({
  id,
  title: 'Hello',
  body: new Uint8Array([1, 2]),
  visibility: 'team',
  revision: 3n,
  updatedAt: new Date(0),
});

const handlers: NotesHandlers = {
  get: (id) => ({ ...note(id) }),
  search: (params) => ({ items: [note()], next: `limit=${params.limit}` }),
  update: (n, expected) => ({ ...n, revision: expected + 1n }),
  watch: async function* () {
    yield { type: 'created', value: note() } as const;
  },
  upload: async (name, chunks) => {
    let size = 0;
    for await (const chunk of chunks) size += chunk.byteLength;
    return { ...note(), title: `${name}:${size}` };
  },
  typing: () => {},
};

for (const connector of connectors) {
  describe(`generated services over ${connector.name}`, () => {
    checkLeaks();

    it('gives a typed client whose call reaches the validated handler', async () => {
      const { client } = connector.connect({ expose: implement(Notes, handlers) });
      const result = await client.remote(Notes).get('n_000000000042');
      equal(result.id, 'n_000000000042');
    });

    it('rejects an argument that breaks its pattern with INVALID_ARGUMENT naming its path', async () => {
      const { client } = connector.connect({ expose: implement(Notes, handlers) });
      const error = await rejectsWith(client.call('acme.notes.Notes@2.get', ['nope']), 'INVALID_ARGUMENT');
      deepEqual((error.data as { issues: { path: unknown[] }[] }).issues[0]!.path, ['id']);
    });

    it('lists every issue of a nested bad argument with its path', async () => {
      const { client } = connector.connect({ expose: implement(Notes, handlers) });
      const bad = { ...note(), title: 7, tags: ['a', 2] };
      const error = await rejectsWith(client.call('acme.notes.Notes@2.update', [bad, 1]), 'INVALID_ARGUMENT');
      const paths = (error.data as { issues: { path: unknown[] }[] }).issues.map((i) => i.path.join('.'));
      deepEqual(paths, ['note.title', 'note.tags.1']);
    });

    it('normalizes a uint64 sent as a number into a bigint before the handler sees it', async () => {
      const { client } = connector.connect({ expose: implement(Notes, handlers) });
      const raw = { ...note(), revision: 5 };
      const result = (await client.call('acme.notes.Notes@2.update', [raw, 9])) as Note;
      equal(result.revision, 10n);
    });

    it('fills a named parameter’s default', async () => {
      const { client } = connector.connect({ expose: implement(Notes, handlers) });
      const page = await client.remote(Notes).search({});
      equal(page.next, 'limit=50');
    });

    it('fails a handler’s invalid result with INTERNAL in strict mode', async () => {
      const broken = { ...handlers, get: () => ({ id: 'x' }) as unknown as Note };
      const { client } = connector.connect({ expose: implement(Notes, broken) });
      await rejectsWith(client.remote(Notes).get('n_000000000001'), 'INTERNAL');
    });

    it('rejects a result its schema rejects in a strict client', async () => {
      const raw = { acme: { notes: { 'Notes@2': { get: () => ({ id: 'not a note' }) } } } };
      const { client: peer } = connector.connect({ expose: raw });
      await rejectsWith(client(peer, Notes, { strict: true }).get('n_000000000001'), 'INTERNAL');
    });

    it('streams results through the typed client', async () => {
      const { client } = connector.connect({ expose: implement(Notes, handlers) });
      const seen: string[] = [];
      for await (const event of client.remote(Notes).watch('inbox')) seen.push(event.type);
      deepEqual(seen, ['created']);
    });

    it('serves the second identical call of a method with @cache from the caller’s cache', async () => {
      let runs = 0;
      const counting = { ...handlers, get: (id: string) => (runs++, note(id)) };
      const { client, server } = connector.connect(
        { expose: implement(Notes, counting, { cached }), cache: createCache() },
        { cache: createCache() },
      );
      await client.remote(Notes).get('n_000000000042');
      const received = server.stats().messagesReceived;
      const again = await client.remote(Notes).get('n_000000000042');
      deepEqual([again.id, again.revision, runs, server.stats().messagesReceived], ['n_000000000042', 3n, 1, received]);
    });

    it('runs a method with @cache every time when implement is given no cached wrapper', async () => {
      let runs = 0;
      const counting = { ...handlers, get: (id: string) => (runs++, note(id)) };
      const { client } = connector.connect({ expose: implement(Notes, counting), cache: createCache() }, { cache: createCache() });
      await client.remote(Notes).get('n_000000000042');
      await client.remote(Notes).get('n_000000000042');
      equal(runs, 2);
    });

    it('validates a zod-defined service’s arguments the same way', async () => {
      const Calc = defineService('demo.Calc', '1.0', { add: { params: [z.number(), z.number()], result: z.number() } });
      const { client } = connector.connect({ expose: implement(Calc, { add: (a, b) => a + b }) });
      equal(await client.remote(Calc).add(2, 3), 5);
      const error = await rejectsWith(client.call('demo.Calc@1.add', [2, 'x']), 'INVALID_ARGUMENT');
      deepEqual((error.data as { issues: { path: unknown[] }[] }).issues[0]!.path, ['arg1']);
    });
    it('validates a valibot-defined service’s arguments the same way', async () => {
      const Greeter = defineService('demo.Greeter', '1.0', { hi: { params: [v.pipe(v.string(), v.maxLength(5))], result: v.string() } });
      const { client } = connector.connect({ expose: implement(Greeter, { hi: (name) => `hi ${name}` }) });
      equal(await client.remote(Greeter).hi('ann'), 'hi ann');
      const error = await rejectsWith(client.call('demo.Greeter@1.hi', ['annabel']), 'INVALID_ARGUMENT');
      deepEqual((error.data as { issues: { path: unknown[] }[] }).issues[0]!.path, ['arg0']);
    });
  });

  describe(`an older client of a newer service over ${connector.name}`, () => {
    checkLeaks();

    // The newer server (tasks-v2.saltline) added the enum member `archived` and the union variant `moved`.
    const newer: NewTasksHandlers = {
      get: (id) => ({ id, status: 'archived', revision: 4n }),
      byStatus: () => ({ open: 1, done: 2, archived: 3 }),
      events: async function* () {
        yield { type: 'opened', value: 'a' } as const;
        yield { type: 'moved', value: 'b' } as const;
      },
      setStatus: (id, status) => ({ id, status, revision: 1n }),
    };

    const older: OldTasksHandlers = {
      get: (id) => ({ id, status: 'open', revision: 1n }),
      byStatus: () => ({ open: 0, done: 0 }),
      events: async function* () {},
      setStatus: (id, status) => ({ id, status, revision: 1n }),
    };

    it('reads a new enum member as a typed $unknown value and still normalizes the rest', async () => {
      const { client } = connector.connect({ expose: implement(NewTasks, newer) });
      deepEqual(await client.remote(OldTasks).get('t1'), { id: 't1', status: { $unknown: 'archived' }, revision: 4n });
    });

    it('reads a new union variant in a stream as a typed $unknown variant', async () => {
      const { client } = connector.connect({ expose: implement(NewTasks, newer) });
      const seen: unknown[] = [];
      for await (const event of client.remote(OldTasks).events()) seen.push(event);
      deepEqual(seen, [
        { type: 'opened', value: 'a' },
        { type: '$unknown', $unknown: 'moved', value: 'b' },
      ]);
    });

    it('keeps a new enum member that is a map key as its name', async () => {
      const { client } = connector.connect({ expose: implement(NewTasks, newer) });
      deepEqual(await client.remote(OldTasks).byStatus(), { open: 1, done: 2, archived: 3 });
    });

    it('rejects an enum member the server does not know in an argument with INVALID_ARGUMENT', async () => {
      const { client } = connector.connect({ expose: implement(OldTasks, older) });
      const error = await rejectsWith(client.remote(NewTasks).setStatus('t1', 'archived'), 'INVALID_ARGUMENT');
      deepEqual((error.data as { issues: { path: unknown[] }[] }).issues[0]!.path, ['status']);
    });

    it('fails a handler that returns a $unknown value with INTERNAL', async () => {
      const broken: OldTasksHandlers = { ...older, get: (id) => ({ id, status: { $unknown: 'x' }, revision: 1n }) };
      const { client } = connector.connect({ expose: implement(OldTasks, broken) });
      await rejectsWith(client.remote(OldTasks).get('t1'), 'INTERNAL');
    });
  });

  describe(`service versions over ${connector.name}`, () => {
    checkLeaks();

    it('calls a service the far side provides at the same version', async () => {
      const { client } = connector.connect(
        { expose: implement(Notes, handlers), plugins: [versions({ provides: [Notes] })] },
        { plugins: [versions({ uses: [Notes] })] },
      );
      equal((await client.remote(Notes).get('n_000000000007')).id, 'n_000000000007');
    });

    it('fails a method newer than the far side’s minor locally with UNIMPLEMENTED', async () => {
      const older = { ...Notes, minor: 0 };
      const { client } = connector.connect(
        { expose: implement(Notes, handlers), plugins: [versions({ provides: [older] })] },
        { plugins: [versions()] },
      );
      await rejectsWith(client.remote(Notes).upload('x', (async function* () {})()), 'UNIMPLEMENTED');
      equal((await client.remote(Notes).get('n_000000000001')).id, 'n_000000000001');
    });

    it('serves two majors side by side', async () => {
      const V1 = defineService('acme.notes.Notes', '1.4', { get: { params: [z.string()], result: z.string() } });
      const api = services(implement(Notes, handlers), implement(V1, { get: (id) => `v1:${id}` }));
      const { client } = connector.connect({ expose: api, plugins: [versions({ provides: [Notes, V1] })] }, { plugins: [versions()] });
      equal(await client.remote(V1).get('a'), 'v1:a');
      equal((await client.remote(Notes).get('n_000000000002')).id, 'n_000000000002');
    });

    it('fails with FAILED_PRECONDITION when no major is shared', async () => {
      const V3 = { ...Notes, major: 3, '~remote': Notes['~remote'] };
      const { client } = connector.connect({ plugins: [versions({ provides: [V3] })] }, { plugins: [versions()] });
      const error = await rejectsWith(client.remote(Notes).get('n_000000000001'), 'FAILED_PRECONDITION');
      equal((error.data as { reason: string }).reason, 'NO_COMMON_MAJOR');
    });

    it('warns of schema drift when the far side serves the same version with another hash', async () => {
      const warnings: string[] = [];
      const drifted = { ...Notes, hash: 'fnv1a64:0000000000000000' };
      const { client } = connector.connect(
        { expose: implement(Notes, handlers), plugins: [versions({ provides: [drifted] })] },
        { plugins: [versions({ uses: [Notes], logger: { warn: (m: string) => warnings.push(m) } })] },
      );
      await client.remote(Notes).get('n_000000000001');
      deepEqual(
        warnings.map((w) => w.startsWith('schema drift: acme.notes.Notes 2.1 differs')),
        [true],
      );
    });

    it('looks at no more than 256 services of a hostile far side’s HELLO', async () => {
      const many = Array.from({ length: 1000 }, (_, i) => ({ ...Notes, name: `x.S${i}` }));
      const { client } = connector.connect({ plugins: [versions({ provides: many })] }, { plugins: [versions()] });
      await client
        .remote(Notes)
        .get('n_000000000001')
        .catch(() => {});
      equal(Object.keys(farServices(client)!.value!).length, 256);
    });

    it('interoperates with a far side that has no versions plugin', async () => {
      const { client } = connector.connect(
        { expose: services(implement(Notes, handlers), implement(Editor, { confirm: () => true, cursor: () => {} })) },
        { plugins: [versions()] },
      );
      ok(await client.remote(Editor).confirm('sure?'));
    });
  });
}
