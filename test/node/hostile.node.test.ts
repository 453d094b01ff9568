/**
 * Hostile peers against a real server: each attack of test/hostile/attacks runs against
 * `serveWebSocket` in a child process with a 256 MiB heap, while a well-behaved client calls
 * `ping` throughout, each call with `timeout: 1000`. What counts is behaviour: the process lives,
 * the probe gets every answer, the heap stays bounded, and the attacker is answered or closed,
 * never left hanging. The figures measured on the way go to test/hostile/results.json.
 */

import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { equal, ok } from '../harness/assert.js';
import { type AttackResult, attacks } from '../hostile/attacks/index.js';
import { type ProbeReport, startProbe } from '../hostile/probe.js';
import { type ServerProcess, startServer } from '../hostile/process.js';

/** The server's heap in use must stay under this while under attack: half its cap. */
const HEAP_BOUND = 128 * 1024 * 1024;
/** A lasting attack holds its pressure while the probe gets this many answers. */
const WINDOW_ANSWERS = 40;
/** The server's hello timeout in these runs: short, so that waiting it out stays cheap. */
const HELLO_TIMEOUT_MS = 2_000;
/** The largest number of server references a finished `retained` attack may leave. */
const REFERENCES_BOUND = 10;

interface Run {
  result?: AttackResult;
  failure?: unknown;
  probe?: ProbeReport;
  server?: ServerProcess;
  ms?: number;
}

const figures: Record<string, unknown> = {};
after(() => writeFileSync(new URL('../hostile/results.json', import.meta.url), `${JSON.stringify(figures, null, 2)}\n`));

const mib = (bytes: number | undefined) => (bytes === undefined ? undefined : Math.round((bytes / 1048576) * 10) / 10);

/** Runs `attack` once against a fresh server, with the probe running beside it. */
function attackOnce(item: string, run: (typeof attacks)[number]['run']): Run {
  const state: Run = {};
  before(async () => {
    const server = await startServer([`--hello-timeout=${HELLO_TIMEOUT_MS}`]);
    state.server = server;
    const probe = await startProbe(`${server.url}/rpc`);
    const started = performance.now();
    try {
      // A probe that stops getting answers ends the window; its own test reports why.
      const window = () => probe.answers(WINDOW_ANSWERS).catch(() => {});
      state.result = await run(server.url, { window, ask: (method) => probe.call(method) });
    } catch (error) {
      state.failure = error;
    } finally {
      await probe.answers(2).catch(() => {}); // the server goes on serving after the attack
      state.ms = Math.round(performance.now() - started);
      state.probe = await probe.stop();
      figures[item] = {
        outcome: state.result?.outcome ?? `failed: ${(state.failure as Error)?.message}`,
        ...state.result?.detail,
        ms: state.ms,
        probeAnswers: state.probe.answers,
        probeWorstMs: Math.round(state.probe.worstMs),
        probeFailure: state.probe.failure,
        heapPeakMiB: mib(state.probe.heapPeak),
        maxRssMiB: mib(state.probe.maxRss),
      };
    }
  });
  after(async () => {
    if (figures[item]) (figures[item] as Record<string, unknown>).serverExit = state.server?.exit ?? 'running';
    await state.server?.stop();
  });
  return state;
}

function outcome(state: Run): string {
  if (state.failure) throw state.failure;
  return state.result!.outcome;
}

const byItem = (item: string) => attacks.find((attack) => attack.item === item)!;

/** The checks every attack must pass; `told` says what the attacker may have seen. */
function survives(item: string, told: (outcome: string) => boolean, extra?: (state: Run) => void): void {
  const attack = byItem(item);
  describe(`attack ${item}: ${attack.name}`, () => {
    const state = attackOnce(item, attack.run);

    it('leaves the server process running', () => {
      equal(state.server!.exit, undefined, `the server exited: ${JSON.stringify(state.server!.exit)} ${state.server!.stderr.slice(-600)}`);
    });

    it('lets another client get every answer within its 1 s timeout', () => {
      equal(state.probe!.failure, undefined, `a probe call failed: ${String(state.probe!.failure)}`);
    });

    it(`keeps the server's heap under ${mib(HEAP_BOUND)} MiB`, () => {
      ok(state.probe!.heapPeak < HEAP_BOUND, `the heap reached ${mib(state.probe!.heapPeak)} MiB`);
    });

    it('answers, refuses or disconnects the attacker, and never stops responding to it', () => {
      const seen = outcome(state);
      ok(told(seen), `the attacker saw: ${seen}`);
    });

    if (extra) extra(state);
  });
}

const answeredOrClosed = (seen: string) => seen === 'answered' || seen === 'closed' || seen.startsWith('error ');

describe('hostile peers against serveWebSocket in a child process', () => {
  survives('1', answeredOrClosed);
  survives('1s', answeredOrClosed);
  survives('2', (seen) => seen === 'answered' || seen === 'closed');
  survives('3', (seen) => seen === 'answered' || seen === 'closed');
  // Refused with an error, closed, or dropped whole as malformed (over the codec's value budget).
  survives('5', (seen) => seen === 'closed' || seen === 'dropped' || seen.startsWith('error '));
  survives('6', (seen) => seen === 'held' || seen === 'closed');
  survives('7', (seen) => seen === 'answered' || seen === 'closed');
  survives('7b', (seen) => seen === 'closed');
  // Closed by its hello timeout, or refused a seat until it says hello.
  survives('8', (seen) => seen === 'closed' || seen.startsWith('join error ') || seen === 'join closed');
  survives(
    '9',
    (seen) => seen !== 'closed',
    (state) => {
      it("refuses a call to an earlier call's callback that a reply claimed to retain", () => {
        equal(outcome(state), 'old callback error NOT_FOUND');
      });
      it(`keeps at most ${REFERENCES_BOUND} references for the attacker after its calls end`, () => {
        outcome(state);
        const pinned = state.result!.detail!.serverReferencesAfter as number;
        ok(pinned <= REFERENCES_BOUND, `${pinned} references pinned`);
      });
    },
  );
  survives('12', (seen) => seen === 'closed');
  // Bombs end the session; a flood is closed at the waiting cap, or inflated and answered in time.
  survives('15a', (seen) => seen === 'closed');
  survives('15b', (seen) => seen === 'closed');
  survives('15c', (seen) => seen === 'closed');
  survives('15d', (seen) => seen === 'closed' || seen === 'answered');
  // Each frame is dropped as malformed; a later PING is answered.
  survives('15e', (seen) => seen === 'answered');
  survives('15f', (seen) => seen === 'answered');
});
