/** Node server processes of one cluster (test/fixtures/cluster-node.ts) on one Redis, for the multi-process tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const CLUSTER_KEY = 'the cluster key of the tests: 32 bytes or more';

export interface ClusterNode {
  readonly name: string;
  readonly port: number;
  /** Its bus id. */
  readonly node: string;
  readonly url: (path: '/rpc' | '/signal') => string;
  /** SIGKILL: the process dies as in a crash, with no goodbye to anyone. */
  kill(): Promise<void>;
  /** SIGTERM: it closes its services and leaves the bus. */
  stop(): Promise<void>;
}

const fixture = fileURLToPath(new URL('../fixtures/cluster-node.ts', import.meta.url));

async function end(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(child.pid!, signal);
  await exited;
}

/** Starts one cluster process on `redisUrl`; its heartbeat lapses `heartbeat` ms after it dies. */
export async function startNode(name: string, redisUrl: string, heartbeat = 600): Promise<ClusterNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, NAME: name, REDIS_URL: redisUrl, BUS_KEY: CLUSTER_KEY, HEARTBEAT: String(heartbeat) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<{ port: number; node: string }>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk;
      const line = output.split('\n')[0];
      if (!output.includes('\n') || !line) return;
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      child.stdout!.resume();
      resolve(JSON.parse(line));
    };
    const onExit = (code: number | null) => reject(new Error(`cluster node ${name} exited with ${code}: ${output}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
  return {
    name,
    ...ready,
    url: (path) => `ws://127.0.0.1:${ready.port}${path}`,
    kill: () => end(child, 'SIGKILL'),
    stop: () => end(child, 'SIGTERM'),
  };
}
