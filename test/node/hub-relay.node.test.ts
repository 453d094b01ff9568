/**
 * Two secure peers talk through the hub's blind relay (deploy/hub) with `fromRelay`: on two hub
 * processes sharing a real redis-server, and on one hub alone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fromRelay } from '../../adapters/websocket.js';
import { type Peer, RpcError } from '../../src/index.js';
import { createPeer, generateIdentity } from '../../src/secure/index.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { CLUSTER_KEY } from '../support/cluster.js';
import { checkLeaks, track } from '../support/connect.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { client } from '../support/ws-node.js';

const hubScript = fileURLToPath(new URL('../../deploy/hub/hub.mjs', import.meta.url));
const networkKey = new Uint8Array(32).fill(9);
const [alice, bob] = [generateIdentity(), generateIdentity()];

interface Hub {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts deploy/hub/hub.mjs on a free loopback port (on `redisUrl`'s bus when given). */
async function startHub(name: string, redisUrl?: string): Promise<Hub> {
  const env = {
    ...process.env,
    HUB_NAME: name,
    PORT: '0',
    HOST: '127.0.0.1',
    ...(redisUrl ? { REDIS_URL: redisUrl, BUS_KEY: CLUSTER_KEY } : {}),
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', hubScript], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk;
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      if (!port) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      child.off('exit', onExit);
      resolve(port);
    };
    const onExit = (code: number | null) => reject(new Error(`hub ${name} exited with ${code}: ${output}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The two ends of `pair`, alice on `hubA` and bob on `hubB`: secure peers pinned to each other's key, answering `whoami`. */
async function pairUp(hubA: Hub, hubB: Hub, pair: string): Promise<[Peer, Peer]> {
  const transports = await Promise.all([hubA, hubB].map((hub) => fromRelay(client(`${hub.url}/relay?pair=${pair}`))));
  const end = (index: number, me: typeof alice, other: typeof alice, name: string) =>
    track(
      createPeer(transports[index]!, {
        secure: { identity: me, networkKey, expectedRemoteKey: other.publicKey },
        expose: { whoami: () => name },
      }),
    );
  return [end(0, alice, bob, 'alice'), end(1, bob, alice, 'bob')];
}

describe('fromRelay: secure peers through the hub relay', () => {
  let redis: RedisServer;
  let hubs: Hub[];
  checkLeaks();

  before(async () => {
    redis = await startRedis();
    hubs = await Promise.all([startHub('hub1', redis.url), startHub('hub2', redis.url), startHub('alone')]);
  });
  after(async () => {
    await Promise.all(hubs.map((hub) => hub.stop()));
    await redis.stop();
  });

  it('lets two secure peers on two hubs sharing a bus call each other, each seeing the key it pinned', async () => {
    const [a, b] = await pairUp(hubs[0]!, hubs[1]!, 'pair-across-hubs');
    deepEqual(await Promise.all([a.call('whoami'), b.call('whoami')]), ['bob', 'alice']);
    ok(Buffer.from(a.remoteIdentity!).equals(Buffer.from(bob.publicKey)), 'alice did not see bob’s key');
  });

  it('lets two secure peers on one hub without a bus call each other', async () => {
    const [a, b] = await pairUp(hubs[2]!, hubs[2]!, 'pair-on-one-hub');
    deepEqual(await Promise.all([a.call('whoami'), b.call('whoami')]), ['bob', 'alice']);
  });

  it('closes a peer with UNAVAILABLE when the other end of its pair leaves', async () => {
    const [a, b] = await pairUp(hubs[0]!, hubs[1]!, 'pair-that-ends');
    equal(await b.call('whoami'), 'alice');
    a.close();
    const reason = await b.closed;
    ok(reason instanceof RpcError && reason.code === 'UNAVAILABLE', `closed with ${String(reason)}`);
  });

  it('rejects fromRelay with the hub’s reason for a third socket on a full pair', async () => {
    await pairUp(hubs[0]!, hubs[1]!, 'pair-already-full');
    const third = await fromRelay(client(`${hubs[1]!.url}/relay?pair=pair-already-full`)).then(
      () => undefined,
      (error: unknown) => error,
    );
    ok(third instanceof RpcError && /pair is full/.test(third.message), `got ${String(third)}`);
  });

  it('closes the link with RESOURCE_EXHAUSTED when the other end sends over 16 messages before the peer starts', async () => {
    const url = `${hubs[2]!.url}/relay?pair=pair-that-floods`;
    const raw = client(url);
    const [transport] = await Promise.all([
      fromRelay(client(url)),
      new Promise((resolve) => raw.once('message', resolve)), // "paired"
    ]);
    const gone = once(raw, 'close'); // the hub closes it once the transport's socket closes
    for (let i = 0; i < 17; i++) raw.send(new Uint8Array([i]));
    await gone;
    let reason: unknown;
    transport.start({ message: () => {}, closed: (why) => (reason = why) });
    ok(reason instanceof RpcError && reason.code === 'RESOURCE_EXHAUSTED', `closed with ${String(reason)}`);
  });

  it('answers a keep-alive "ping" text frame (what a browser sends) with "pong" rather than closing the socket', async () => {
    const raw = client(`${hubs[2]!.url}/relay?pair=pair-that-pings`);
    await once(raw, 'open');
    raw.send('ping');
    const [answer, isBinary] = await once(raw, 'message');
    deepEqual([String(answer), isBinary], ['pong', false]);
    raw.close();
    await once(raw, 'close');
  });
});
