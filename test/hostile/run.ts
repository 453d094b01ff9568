/**
 * Runs one attack by hand against a running server and prints what the attacker saw:
 *
 *   node --import tsx test/hostile/server.ts            # prints {"port":N}
 *   node --import tsx test/hostile/run.ts 2 ws://127.0.0.1:N
 *
 * The suite (test/node/hostile.node.test.ts) does the same with a probe client and a heap cap.
 */
import { attacks } from './attacks/index.js';
import { startProbe } from './probe.js';

const [item, base] = process.argv.slice(2);
const attack = attacks.find((candidate) => candidate.item === item);
if (!attack || !base) {
  process.stderr.write(`usage: run.ts <${attacks.map((a) => a.item).join('|')}> ws://127.0.0.1:PORT\n`);
  process.exit(2);
}
const probe = await startProbe(`${base}/rpc`);
const result = await attack.run(base, { window: () => probe.answers(50), ask: (method) => probe.call(method) }).catch((error: Error) => ({
  outcome: `failed: ${error.message}`,
}));
process.stdout.write(`${JSON.stringify({ attack: attack.name, ...result, probe: await probe.stop() })}\n`);
