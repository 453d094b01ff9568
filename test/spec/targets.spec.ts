/**
 * Objects by reference: `target(obj)` and `RpcTarget` instances cross as live remote objects whose
 * methods the far side calls, until released by either side or by the session's close.
 */
import { describe, it } from '#harness';
import { type RemoteTarget, type RpcError, RpcTarget, release, retain, target } from '../../src/index.js';
import { resolveTargetMethod } from '../../src/lookup.js';
import { equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';
import { kindIs, rawPeer, replyTo } from '../support/raw.js';

const HELLO = 0,
  CALL = 1,
  RESULT = 3,
  ERROR = 4,
  RELEASE = 9;

/** A per-document service object: state of its own, a prototype method, a getter, a dispose hook. */
class Doc extends RpcTarget {
  #text = '';
  disposed = 0;
  constructor(readonly id: string) {
    super();
  }
  append(more: string): string {
    this.#text += more;
    return this.#text;
  }
  get size(): number {
    return this.#text.length;
  }
  /** A nested object by reference, returned from a remote object's method. */
  cursor(): Cursor {
    return new Cursor(this);
  }
  [Symbol.dispose](): void {
    this.disposed++;
  }
}

class Cursor extends RpcTarget {
  constructor(readonly doc: Doc) {
    super();
  }
  where(): string {
    return `${this.doc.id}@${this.doc.size}`;
  }
}

function documents() {
  const opened: Doc[] = [];
  let kept: RemoteTarget<Doc> | undefined;
  const api = {
    ping: () => true,
    openDocument(id: string) {
      const doc = new Doc(id);
      opened.push(doc);
      return doc;
    },
    openMany(count: number) {
      return Array.from({ length: count }, (_, i) => this.openDocument(String(i)));
    },
    /** The same object twice in one result. */
    openTwice(id: string) {
      const doc = new Doc(id);
      opened.push(doc);
      return [doc, doc] as const;
    },
    counter() {
      let count = 0;
      return target({ increment: () => ++count });
    },
    revoke(index: number) {
      release(opened[index]!);
    },
    async writeTo(doc: RemoteTarget<Doc>, more: string) {
      return doc.append(more);
    },
    keep(doc: RemoteTarget<Doc>) {
      kept = doc;
    },
    keepRetained(doc: RemoteTarget<Doc>) {
      kept = retain(doc);
    },
    writeKept: (more: string) => kept!.append(more),
    releaseKept() {
      release(kept!);
    },
  };
  return { api, opened };
}

type Api = ReturnType<typeof documents>['api'];

for (const connector of connectors) {
  describe(`remote objects over ${connector.name}`, () => {
    checkLeaks();

    it('calls a prototype method of an RpcTarget a method returned', async () => {
      const { api } = documents();
      const { client } = connector.connect({ expose: api });
      using doc = await client.remote<Api>().openDocument('a');
      equal(await doc.append('hello'), 'hello');
    });

    it('keeps the state of each object apart', async () => {
      const { api } = documents();
      const { client } = connector.connect({ expose: api });
      using a = await client.remote<Api>().openDocument('a');
      using b = await client.remote<Api>().openDocument('b');
      await a.append('x');
      equal(await b.append('y'), 'y');
      equal(await a.append('z'), 'xz');
    });

    it('calls the methods of a plain object marked with target()', async () => {
      const { api } = documents();
      const { client } = connector.connect({ expose: api });
      using counter = await client.remote<Api>().counter();
      await counter.increment();
      equal(await counter.increment(), 2);
    });

    it('returns a remote object from a method of a remote object', async () => {
      const { api } = documents();
      const { client } = connector.connect({ expose: api });
      using doc = await client.remote<Api>().openDocument('a');
      await doc.append('abc');
      using cursor = await doc.cursor();
      equal(await cursor.where(), 'a@3');
    });

    it('answers NOT_FOUND for a getter, a data field and an unknown name', async () => {
      const { api } = documents();
      const { client } = connector.connect({ expose: api });
      using doc = await client.remote<Api>().openDocument('a');
      const untyped = doc as unknown as Record<string, () => Promise<unknown>>;
      await rejectsWith(untyped.size!(), 'NOT_FOUND');
      await rejectsWith(untyped.id!(), 'NOT_FOUND');
      await rejectsWith(untyped.nothing!(), 'NOT_FOUND');
    });

    it('is no promise and no function on the importing side', async () => {
      const { api } = documents();
      const { client } = connector.connect({ expose: api });
      using doc = await client.remote<Api>().openDocument('a');
      equal(typeof doc, 'object');
      equal((doc as unknown as { then?: unknown }).then, undefined);
      equal(`${doc}`, '[saltline remote]');
    });

    it('releases an object disposed by the caller: its dispose runs once and later calls answer NOT_FOUND', async () => {
      const { api, opened } = documents();
      const { client, server } = connector.connect({ expose: api });
      const doc = await client.remote<Api>().openDocument('a');
      doc[Symbol.dispose]();
      doc[Symbol.dispose]();
      await rejectsWith(doc.append('x'), 'NOT_FOUND');
      await client.remote<Api>().ping(); // the RELEASE went ahead of this call
      equal(opened[0]!.disposed, 1);
      equal(client.stats().references, 0);
      equal(server.stats().references, 0);
    });

    it('releases an object given to release() on the importing side', async () => {
      const { api, opened } = documents();
      const { client, server } = connector.connect({ expose: api });
      const doc = await client.remote<Api>().openDocument('a');
      release(doc);
      await client.remote<Api>().ping();
      equal(opened[0]!.disposed, 1);
      equal(server.stats().references, 0);
    });

    it('revokes an object the exporting side releases: the caller’s calls answer NOT_FOUND', async () => {
      const { api, opened } = documents();
      const { client, server } = connector.connect({ expose: api });
      const doc = await client.remote<Api>().openDocument('a');
      await client.remote<Api>().revoke(0); // its RELEASE travels ahead of its reply
      equal(opened[0]!.disposed, 1);
      equal(client.stats().references, 0);
      equal(server.stats().references, 0);
      await rejectsWith(doc.append('x'), 'NOT_FOUND');
    });

    it('releases every exported object when the session closes', async () => {
      const { api, opened } = documents();
      const { client, server } = connector.connect({ expose: api });
      const doc = await client.remote<Api>().openDocument('a');
      await doc.append('x');
      client.close('done');
      await server.closed;
      equal(opened[0]!.disposed, 1);
      await rejectsWith(doc.append('y'), 'UNAVAILABLE');
    });

    it('sends the same object twice as two references, disposed once both are released', async () => {
      const { api, opened } = documents();
      const { client, server } = connector.connect({ expose: api });
      const [first, second] = await client.remote<Api>().openTwice('a');
      first[Symbol.dispose]();
      equal(await second.append('still here'), 'still here');
      equal(opened[0]!.disposed, 0);
      second[Symbol.dispose]();
      await client.remote<Api>().ping();
      equal(opened[0]!.disposed, 1);
      equal(server.stats().references, 0);
    });

    it('releases an object passed as an argument when its call returns', async () => {
      const { api } = documents();
      const { client, server } = connector.connect({ expose: api });
      const local = new Doc('mine');
      const remote = client.remote<Api>();
      equal(await remote.writeTo(local, 'ab'), 'ab');
      await remote.keep(local);
      await rejectsWith(remote.writeKept('c'), 'NOT_FOUND');
      equal(local.disposed, 2);
      equal(client.stats().references, 0);
      equal(server.stats().references, 0);
    });

    it('keeps a retained object argument callable until the callee releases it', async () => {
      const { api } = documents();
      const { client, server } = connector.connect({ expose: api });
      const local = new Doc('mine');
      const remote = client.remote<Api>();
      await remote.keepRetained(local);
      equal(await remote.writeKept('a'), 'a');
      await remote.releaseKept();
      equal(local.disposed, 1);
      equal(client.stats().references, 0);
      equal(server.stats().references, 0);
      await rejectsWith(remote.writeKept('b'), 'NOT_FOUND');
    });

    it('releases the objects of a result the caller refused for its reference limit', async () => {
      const { api, opened } = documents();
      const { client, server } = connector.connect({ expose: api }, { limits: { maxReferences: 3 } });
      await rejectsWith(client.remote<Api>().openMany(4), 'INTERNAL');
      await client.remote<Api>().ping(); // the RELEASEs went ahead of this call
      equal(opened.filter((doc) => doc.disposed === 1).length, 4);
      equal(server.stats().references, 0);
    });

    it('refuses to send a remote object on', async () => {
      const { api } = documents();
      const { client } = connector.connect({ expose: api });
      using doc = await client.remote<Api>().openDocument('a');
      const error = await rejectsWith(client.remote<Api>().writeTo(doc as never, 'x'), 'INVALID_ARGUMENT');
      ok(error.message.includes('remote object'));
    });

    it('leaves no reference live after 10,000 objects were opened and disposed', async () => {
      const { api, opened } = documents();
      const { client, server } = connector.connect({ expose: api });
      const remote = client.remote<Api>();
      for (let batch = 0; batch < 100; batch++) {
        const docs = await Promise.all(Array.from({ length: 100 }, () => remote.openDocument('d')));
        for (const doc of docs) doc[Symbol.dispose]();
      }
      await remote.ping();
      equal(opened.length, 10_000);
      equal(
        opened.every((doc) => doc.disposed === 1),
        true,
      );
      equal(client.stats().references, 0);
      equal(server.stats().references, 0);
    });
  });
}

describe('remote objects against a hostile far side', () => {
  checkLeaks();

  for (const kind of ['clone', 'bytes'] as const) {
    it(`answers NOT_FOUND to a call to an object id never exported (${kind})`, async () => {
      const end = rawPeer(kind, { expose: documents().api });
      end.send([HELLO, 1, false, {}], [CALL, 1, [12345, 'append'], ['x']]);
      const reply = await end.next(replyTo(1));
      equal(reply[0], ERROR);
      equal((reply[2] as { code: string }).code, 'NOT_FOUND');
    });

    it(`refuses a call whose object target is malformed or names a method too long (${kind})`, async () => {
      const end = rawPeer(kind, { expose: documents().api });
      end.send(
        [HELLO, 1, false, {}],
        [CALL, 1, [1, 7], []],
        [CALL, 2, [1, 'x'.repeat(257)], []],
        [CALL, 3, [1, 'append', 'extra'], []],
        [CALL, 4, [-1, 'append'], []],
      );
      for (const id of [1, 2, 3, 4]) {
        const reply = await end.next(replyTo(id));
        equal((reply[2] as { code: string }).code, 'INVALID_ARGUMENT');
      }
    });

    it(`releases every function and object of a result it refuses, and nothing else (${kind})`, async () => {
      const end = rawPeer(kind, { limits: { maxReferencesPerMessage: 2 } });
      end.send([HELLO, 1, false, {}]);
      const result = end.peer.call('open');
      const call = await end.next(kindIs(CALL));
      const markers = [4, 0, 4, 1, 4].map((markerKind, i) => ({ '~ref': [markerKind, i + 1] }));
      end.send([RESULT, call[1], markers, null, 1]);
      await rejectsWith(result, 'INTERNAL');
      const ping = end.peer.call('ping'); // its CALL goes out after the RELEASEs
      const pingCall = await end.next((message) => message[0] === CALL && message[2] === 'ping');
      end.send([RESULT, pingCall[1], true]);
      await ping;
      const released = end.received.filter(kindIs(RELEASE)).map((message) => message[1]);
      equal(released.join(), '1,2,3,5');
      equal(end.peer.stats().references, 0);
    });

    it(`answers NOT_FOUND to constructor, __proto__ and Object.prototype members of an object (${kind})`, async () => {
      const end = rawPeer(kind, { expose: documents().api });
      end.send([HELLO, 1, false, {}], [CALL, 1, 'openDocument', ['a']]);
      const result = await end.next(replyTo(1));
      equal(result[0], RESULT);
      const id = (result[2] as { '~ref': number[] })['~ref'][1];
      const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'append.length'];
      end.send(...names.map((name, i) => [CALL, 10 + i, [id, name], []]));
      for (let i = 0; i < names.length; i++) {
        const reply = await end.next(replyTo(10 + i));
        equal((reply[2] as { code: string }).code, 'NOT_FOUND', names[i]);
      }
    });

    it(`refuses a result with more objects than maxReferences allows (${kind})`, async () => {
      const end = rawPeer(kind, { limits: { maxReferences: 3 } });
      end.send([HELLO, 1, false, {}]);
      const result = end.peer.call('open');
      const call = await end.next(kindIs(CALL));
      end.send([RESULT, call[1], [1, 2, 3, 4].map((id) => ({ '~ref': [4, id] })), null, 1]);
      const error = await rejectsWith(result, 'INTERNAL');
      ok((error.cause as RpcError).code === 'RESOURCE_EXHAUSTED');
      equal(end.peer.stats().references, 0);
    });
  }
});

describe('object method lookup', () => {
  it('finds own and prototype methods but stops before RpcTarget.prototype and Object.prototype', () => {
    const doc = new Doc('a');
    ok(resolveTargetMethod(doc, 'append', RpcTarget.prototype));
    ok(resolveTargetMethod(doc, 'cursor', RpcTarget.prototype));
    equal(resolveTargetMethod(doc, 'size', RpcTarget.prototype), undefined);
    equal(resolveTargetMethod(doc, 'constructor', RpcTarget.prototype), undefined);
    equal(resolveTargetMethod(doc, 'isPrototypeOf', RpcTarget.prototype), undefined);
    equal(resolveTargetMethod({ own: () => 1 }, 'own', RpcTarget.prototype)?.self !== undefined, true);
  });

  it('refuses target() for a function or a primitive', () => {
    let error: unknown;
    try {
      target(1 as unknown as object);
    } catch (e) {
      error = e;
    }
    ok(error instanceof TypeError);
  });
});
