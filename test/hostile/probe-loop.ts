/**
 * The well-behaved client that runs beside every attack: it calls `ping` over and over, each
 * call with its own `timeout: 1000`, and now and then asks the server for its heap. One probe
 * call that fails (a timeout, a dropped connection) is a failed liveness check: the issue asks
 * that other clients keep getting answers within 1 s throughout an attack.
 */
import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';
import { fromWebSocket } from '../../adapters/websocket.js';
import { createPeer, type Peer } from '../../src/index.js';
import { orHang } from './wire.js';

/** The probe's per-call timeout, from the issue: an answer later than this is a failure. */
export const PROBE_TIMEOUT_MS = 1000;
/** Pause between probe calls, so the probe costs the shared machine little; pacing, not synchronisation. */
const PACE_MS = 10;
/** Ask for the heap every this many pings. */
const HEAP_EVERY = 4;

export interface ProbeReport {
  /** Answers the probe got. */
  readonly answers: number;
  /** The slowest answer, in ms. */
  readonly worstMs: number;
  /** The largest heap in use the server reported (`heapUsed`), in bytes. */
  readonly heapPeak: number;
  /** The server process's peak resident set (`maxRSS`) at its last report, in bytes. */
  readonly maxRss: number;
  /** The first failed call, if any. */
  readonly failure: unknown;
}

export interface Probe {
  /** Waits until the probe has had `count` more answers: an attack's window is measured in answers, not time. */
  answers(count: number): Promise<void>;
  /** Asks the server something now, with the probe's timeout. */
  call<T>(method: string, ...args: unknown[]): Promise<T>;
  /** Stops the loop, closes the probe's connection and reports (the same report when called again). */
  stop(): Promise<ProbeReport>;
}

export async function startProbe(url: string): Promise<Probe> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  const peer: Peer = createPeer(fromWebSocket(socket));
  const call = <T>(method: string, ...args: unknown[]) => peer.call<T>(method, args, { timeout: PROBE_TIMEOUT_MS });
  let answers = 0;
  let worstMs = 0;
  let heapPeak = 0;
  let maxRss = 0;
  const sample = async () => {
    const memory = await call<{ heapUsed: number; maxRss: number }>('memory');
    heapPeak = Math.max(heapPeak, memory.heapUsed);
    maxRss = Math.max(maxRss, memory.maxRss);
  };
  await orHang(sample(), 'first probe answer');
  let failure: unknown;
  let running = true;
  let stopped: Promise<ProbeReport> | undefined;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };

  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        await call('ping');
        worstMs = Math.max(worstMs, performance.now() - started);
        if (++answers % HEAP_EVERY === 0) await sample();
      } catch (error) {
        if (running) failure = error;
        running = false;
      }
      wake();
      if (running) await delay(PACE_MS);
    }
  })();

  return {
    answers(count) {
      const target = answers + count;
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (failure !== undefined || !running) {
            waiters.delete(check);
            reject(new Error('the probe stopped getting answers', { cause: failure }));
          } else if (answers >= target) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
    },
    call,
    stop: () =>
      (stopped ??= (async () => {
        running = false;
        await loop;
        if (failure === undefined) await sample().catch((error: unknown) => (failure = error));
        peer.close('probe done');
        await peer.closed;
        return { answers, worstMs, heapPeak, maxRss, failure };
      })()),
  };
}
