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

/** One end of `pair` on `hub`: a secure peer pinned to the other end's key, answering `whoami`. */
function end(hub: Hub, pair: string, me: typeof alice, other: typeof alice, name: string): Peer {
  const secure = { identity: me, networkKey, expectedRemoteKey: other.publicKey };
  return track(createPeer(fromRelay(client(`${hub.url}/relay?pair=${pair}`)), { secure, expose: { whoami: () => name } }));
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
    const a = end(hubs[0]!, 'pair-across-hubs', alice, bob, 'alice');
    const b = end(hubs[1]!, 'pair-across-hubs', bob, alice, 'bob');
    deepEqual(await Promise.all([a.call('whoami'), b.call('whoami')]), ['bob', 'alice']);
    ok(Buffer.from(a.remoteIdentity!).equals(Buffer.from(bob.publicKey)), 'alice did not see bob’s key');
  });

  it('lets two secure peers on one hub without a bus call each other', async () => {
    const a = end(hubs[2]!, 'pair-on-one-hub', alice, bob, 'alice');
    const b = end(hubs[2]!, 'pair-on-one-hub', bob, alice, 'bob');
    deepEqual(await Promise.all([a.call('whoami'), b.call('whoami')]), ['bob', 'alice']);
  });

  it('closes a peer with UNAVAILABLE when the other end of its pair leaves', async () => {
    const a = end(hubs[0]!, 'pair-that-ends', alice, bob, 'alice');
    const b = end(hubs[1]!, 'pair-that-ends', bob, alice, 'bob');
    equal(await b.call('whoami'), 'alice');
    a.close();
    const reason = await b.closed;
    ok(reason instanceof RpcError && reason.code === 'UNAVAILABLE', `closed with ${String(reason)}`);
  });
});
