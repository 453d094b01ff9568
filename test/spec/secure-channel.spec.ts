import { describe, it } from '#harness';
import {
  type Interceptor,
  type Peer,
  RpcError,
  reconnecting,
  type Transport,
  type TransportReceiver,
  withContext,
} from '../../src/index.js';
import type { SecureTransport } from '../../src/secure/channel.js';
import { channelBinding, createPeer } from '../../src/secure/index.js';
import { deepEqual, equal, ok, rejectsWith } from '../harness/assert.js';
import { checkLeaks, track } from '../support/connect.js';
import {
  bytesOf,
  clientIdentity,
  clientSecure,
  connectSecure,
  contains,
  findCode,
  type Link,
  links,
  seamed,
  serverIdentity,
  serverSecure,
  withRole,
} from '../support/secure.js';

const service = {
  add: (a: number, b: number) => a + b,
  echo: <T>(value: T) => value,
  who: withContext((ctx) => ({ key: ctx.remoteIdentity, principal: ctx.principal })),
};

/** One link the test can drop from this side, as a socket that died would report it. */
class Droppable implements Transport {
  readonly encoding: Transport['encoding'];
  #receiver: TransportReceiver | undefined;

  constructor(readonly inner: Transport) {
    this.encoding = inner.encoding;
  }

  start(receiver: TransportReceiver): void {
    this.#receiver = receiver;
    this.inner.start({ message: (data) => this.#receiver?.message(data), closed: (reason) => this.#receiver?.closed(reason) });
  }

  send(message: unknown, transfer?: Transferable[]): void {
    this.inner.send(message, transfer);
  }

  close(): void {
    this.#receiver = undefined;
    this.inner.close();
  }

  drop(reason: unknown): void {
    const receiver = this.#receiver;
    this.close();
    receiver?.closed(reason);
  }
}

function secureSuite(link: Link): void {
  describe(`secure channel over ${link.name}`, () => {
    checkLeaks();

    it('answers calls in both directions once the handshake is done', async () => {
      const { client, server } = connectSecure(link, { server: { expose: service }, client: { expose: service } });
      equal(await client.remote<typeof service>().add(2, 3), 5);
      equal(await server.remote<typeof service>().add(4, 5), 9);
    });

    it('holds calls made before the handshake completes, then answers them in order', async () => {
      const { client } = connectSecure(link, { server: { expose: service } });
      const api = client.remote<typeof service>();
      const answers = Promise.all([api.add(1, 1), api.echo('second'), api.add(2, 2)]);
      equal(client.stats().heldCalls, 3);
      deepEqual(await answers, [2, 'second', 4]);
    });

    it('settles roles by the lower ephemeral key when the transport cannot say', async () => {
      const { client, wire } = connectSecure(link, { roles: 'unknown', server: { expose: service } });
      equal(await client.remote<typeof service>().add(1, 2), 3);
      // Both sent a hello; the end with the higher key answered the other's, with the key of its own hello.
      const clientHello = bytesOf(wire.up[0]);
      const serverHello = bytesOf(wire.down[0]);
      equal(clientHello.byteLength, 72);
      equal(serverHello.byteLength, 72);
      const clientLower = compareKeys(clientHello, serverHello) < 0;
      const [answer, loserHello] = clientLower ? [bytesOf(wire.down[1]), serverHello] : [bytesOf(wire.up[1]), clientHello];
      ok(answer.byteLength >= 144, 'the higher end sent the reply');
      deepEqual(answer.subarray(0, 32), loserHello.subarray(0, 32));
    });

    it('shows the verified remote key on the peer and in ctx, and the principal in ctx', async () => {
      const { client, server } = connectSecure(link, { server: { expose: service } });
      const seen = await client.remote<typeof service>().who();
      deepEqual(seen, { key: clientIdentity.publicKey, principal: { name: 'client' } });
      deepEqual(client.remoteIdentity, serverIdentity.publicKey);
      deepEqual(server.remoteIdentity, clientIdentity.publicKey);
    });

    it('lets an interceptor authorize each method by the principal', async () => {
      const onlyAdmins: Interceptor = (next) => async (call) => {
        const principal = call.context?.principal as { name: string } | undefined;
        if (call.method === 'echo' && principal?.name !== 'admin') throw new RpcError('PERMISSION_DENIED', 'admins only');
        return next(call);
      };
      const { client } = connectSecure(link, { server: { expose: service, interceptors: { incoming: [onlyAdmins] } } });
      const api = client.remote<typeof service>();
      equal(await api.add(1, 1), 2);
      await rejectsWith(api.echo('x'), 'PERMISSION_DENIED');
    });

    it('passes the token to authorize, and whatever authorize returns becomes the principal', async () => {
      const tokens: (string | undefined)[] = [];
      const authorize = async ({ token }: { token: Uint8Array | undefined }) => {
        tokens.push(token && new TextDecoder().decode(token));
        return { role: 'reader' };
      };
      const { client } = connectSecure(link, {
        client: { secure: { token: 'let me in' } },
        server: { expose: service, secure: { authorize } },
      });
      deepEqual((await client.remote<typeof service>().who()).principal, { role: 'reader' });
      deepEqual(tokens, ['let me in']);
    });

    it('carries a message larger than a record as several records of at most 64 KiB', async () => {
      const { client, wire } = connectSecure(link, { server: { expose: service } });
      const big = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff);
      deepEqual(await client.remote<typeof service>().echo(big), big);
      const sizes = wire.up.map((m) => bytesOf(m).byteLength);
      ok(
        sizes.every((size) => size <= 65_536),
        `a record of ${Math.max(...sizes)} bytes`,
      );
      ok(sizes.filter((size) => size === 65_536).length >= 3, 'expected full-size records');
    });

    it('never puts application bytes on the wire in the clear', async () => {
      const { client, wire } = connectSecure(link, { server: { expose: service } });
      const marker = 'PLAINTEXT-MARKER-4f1b';
      equal(await client.remote<typeof service>().echo(marker), marker);
      const needle = new TextEncoder().encode(marker);
      ok(wire.up.length > 2 && wire.down.length > 2);
      for (const message of [...wire.up, ...wire.down]) ok(!contains(bytesOf(message), needle), 'the marker crossed in the clear');
    });

    it('rekeys after the set number of records and keeps answering, both ways', async () => {
      const events: string[] = [];
      const onEvent = (side: string) => (event: string) => events.push(`${side} ${event}`);
      const { client } = connectSecure(link, {
        client: { seams: { rekeyRecords: 2, onEvent: onEvent('client') } },
        server: { expose: service, seams: { rekeyRecords: 2, onEvent: onEvent('server') } },
      });
      const api = client.remote<typeof service>();
      for (let i = 0; i < 12; i++) equal(await api.add(i, 1), i + 1);
      // At least 13 data records each way (hellos, 12 calls or results): a new key after every 2.
      const count = (event: string) => events.filter((e) => e === event).length;
      ok(count('client rekey sent') >= 6 && count('server rekey sent') >= 6, events.join());
      equal(count('server rekey received'), count('client rekey sent'));
      equal(count('client rekey received'), count('server rekey sent'));
    });

    it('rekeys when the key is older than the interval', async () => {
      const events: string[] = [];
      const onEvent = (side: string) => (event: string) => events.push(`${side} ${event}`);
      const { client, wire } = connectSecure(link, {
        client: { seams: { rekeyInterval: 0, onEvent: onEvent('client') } },
        server: { expose: service, seams: { rekeyInterval: 0, onEvent: onEvent('server') } },
      });
      const api = client.remote<typeof service>();
      for (let i = 0; i < 5; i++) equal(await api.add(i, i), 2 * i);
      // Every data record found its key too old, so each went after a REKEY record of its own.
      const sent = events.filter((e) => e === 'client rekey sent').length;
      equal(sent, (wire.up.length - 2) / 2); // hello and message 3, then REKEY + data pairs
      equal(events.filter((e) => e === 'server rekey received').length, sent);
    });

    it('closes with a CLOSE record, so the far side closes cleanly and not as truncated', async () => {
      const { client, server } = connectSecure(link, { server: { expose: service } });
      equal(await client.remote<typeof service>().add(1, 1), 2);
      client.close('done');
      const reason = await server.closed;
      ok(reason instanceof RpcError && reason.code === 'UNAVAILABLE', String(reason));
      ok(!JSON.stringify(String((reason as RpcError).cause)).includes('truncated'), 'reported as truncated');
    });

    it('clears the handshake timer once the channel opens', async () => {
      const made: SecureTransport[] = [];
      const { client } = connectSecure(link, {
        client: { seams: { onTransport: (t) => made.push(t) } },
        server: { expose: service, seams: { onTransport: (t) => made.push(t) } },
      });
      equal(made.length, 2);
      ok(made.every((t) => t.timerArmed));
      equal(await client.remote<typeof service>().add(1, 1), 2);
      ok(made.every((t) => t.isOpen && !t.timerArmed));
    });

    it('clears the handshake timer when closed during the handshake', async () => {
      const made: SecureTransport[] = [];
      const { client } = connectSecure(link, { client: { seams: { onTransport: (t) => made.push(t) } } });
      ok(made[0]!.timerArmed);
      client.close();
      equal(made[0]!.timerArmed, false);
    });

    it('runs a new handshake on the next link of reconnecting(), and calls held meanwhile go through', async () => {
      const links: Droppable[] = [];
      const servers: Peer[] = [];
      const dial = () => {
        const [a, b] = link.pair();
        servers.push(track(createPeer(withRole(b, false), { expose: service, secure: seamed(serverSecure()) })));
        links.push(new Droppable(a));
        return links.at(-1)!;
      };
      const client = track(
        createPeer(reconnecting(dial, { initialDelay: 0, maxDelay: 0, jitter: 0 }), { secure: seamed(clientSecure()) }),
      );
      const api = client.remote<typeof service>();
      equal(await api.add(1, 1), 2);
      const before = channelBinding(client)!;
      links[0]!.drop('link lost');
      const held = api.add(2, 2);
      if (link.reportsClose) findCode(await servers[0]!.closed, 'DATA_LOSS'); // the old server saw its connection cut
      equal(await held, 4);
      ok(!equalBytes(before, channelBinding(client)!));
    });

    it('refuses bad options at once with a TypeError', () => {
      const [a] = link.pair();
      const bad: [string, unknown][] = [
        ['no secure option', {}],
        ['no identity', { secure: { authorize: () => true } }],
        ['neither a pinned key nor authorize', { secure: { identity: clientIdentity } }],
        ['a short network key', { secure: { identity: clientIdentity, authorize: () => true, networkKey: new Uint8Array(16) } }],
        ['a short psk', { secure: { identity: clientIdentity, authorize: () => true, psk: new Uint8Array(31) } }],
        ['a token over 1 KiB', { secure: { identity: clientIdentity, authorize: () => true, token: new Uint8Array(1025) } }],
        ['a pinned key that is not base64url', { secure: { identity: clientIdentity, expectedRemoteKey: 'not a key!' } }],
        ['a guard of its own making', { secure: { identity: clientIdentity, authorize: () => true, handshakes: { admit() {} } } }],
        [
          'a mismatched key pair',
          { secure: { identity: { publicKey: serverIdentity.publicKey, secretKey: clientIdentity.secretKey }, authorize: () => true } },
        ],
      ];
      for (const [name, options] of bad) {
        let thrown: unknown;
        try {
          createPeer(a, options as never);
        } catch (error) {
          thrown = error;
        }
        ok(thrown instanceof TypeError, `${name}: expected a TypeError, got ${String(thrown)}`);
      }
    });
  });
}

function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

for (const link of links) secureSuite(link);
