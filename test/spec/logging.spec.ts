import { describe, it } from '#harness';
import { createPeer, type Plugin, RpcError } from '../../src/index.js';
import { logging, type ObserveLogger } from '../../src/observe/index.js';
import { deepEqual, equal, ok, rejects, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors, track } from '../support/connect.js';
import { rawPeer } from '../support/raw.js';

interface Line {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** A pino-shaped logger that records its lines; `child` merges bindings into each line's fields. */
function recorder(lines: Line[] = [], bindings: Record<string, unknown> = {}): ObserveLogger & { lines: Line[] } {
  const write = (level: string) => (fields: object, message: string) => lines.push({ level, fields: { ...bindings, ...fields }, message });
  return {
    lines,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => recorder(lines, { ...bindings, ...more }),
  };
}

const CANARY = 'canary-7f3a9c';

const api = {
  add: (a: number, b: number) => a + b,
  echo: (value: unknown) => value,
  leak: () => {
    throw new Error(`db said password=${CANARY} and token: ${CANARY}`);
  },
  deny: () => {
    throw new RpcError('PERMISSION_DENIED', 'no');
  },
};

for (const connector of connectors) {
  describe(`logging over ${connector.name}`, () => {
    checkLeaks();

    it('writes one debug line per call with method, side, duration and status code only', async () => {
      const logger = recorder();
      const { client } = connector.connect({ expose: api, plugins: [logging({ logger, level: 'debug' })] });
      equal(await client.call('add', [1, 2]), 3);
      const calls = logger.lines.filter((line) => line.message === 'rpc call');
      equal(calls.length, 1);
      const { fields } = calls[0]!;
      deepEqual(Object.keys(fields).sort(), ['code', 'durationMs', 'method', 'peer', 'side']);
      equal(fields.method, 'add');
      equal(fields.side, 'server');
      equal(fields.code, 'OK');
      equal(typeof fields.durationMs, 'number');
    });

    it('writes the debug line of a call that a plugin after it refused on admission', async () => {
      const logger = recorder();
      const refuse: Plugin = { name: 'refuse', admit: () => new RpcError('RESOURCE_EXHAUSTED', 'no') };
      const { client } = connector.connect({ expose: api, plugins: [logging({ logger, level: 'debug' }), refuse] });
      await rejectsWith(client.call('add', [1, 2]), 'RESOURCE_EXHAUSTED');
      const calls = logger.lines.filter((line) => line.message === 'rpc call');
      deepEqual(
        calls.map(({ fields }) => `${fields.method} ${fields.side} ${fields.code}`),
        ['add server RESOURCE_EXHAUSTED'],
      );
    });

    it('writes no per-call line above debug', async () => {
      const logger = recorder();
      const { client } = connector.connect({ expose: api, plugins: [logging({ logger })] }, { plugins: [logging({ logger })] });
      equal(await client.call('add', [1, 2]), 3);
      equal(logger.lines.filter((line) => line.level === 'debug').length, 0);
    });

    it('writes info lines on connect and close, with the peer bound by child()', async () => {
      const logger = recorder();
      const { client, server } = connector.connect({ expose: api, plugins: [logging({ logger })] });
      await client.call('add', [1, 2]);
      server.close();
      await server.closed;
      await Promise.resolve();
      deepEqual(
        logger.lines.map((line) => `${line.level} ${line.message} peer=${line.fields.peer}`),
        ['info peer connected peer=1', 'info peer closed peer=1'],
      );
    });

    it('warns once when a handler throws, and not for an RpcError it chose to send', async () => {
      const logger = recorder();
      const { client } = connector.connect({ expose: api, plugins: [logging({ logger })] });
      await rejects(client.call('leak'));
      await rejectsWith(client.call('deny'), 'PERMISSION_DENIED');
      deepEqual(
        logger.lines.filter((line) => line.level === 'warn').map((line) => line.message),
        ['handler leak failed'],
      );
    });

    it('never writes a secret from arguments, results, metadata or error messages', async () => {
      const logger = recorder();
      const log = logging({ logger, level: 'debug' });
      const { client } = connector.connect({ expose: api, plugins: [log], logger: log.logger }, { plugins: [log] });
      await client.call('echo', [{ password: CANARY }], { meta: { authorization: `Bearer ${CANARY}`, cookie: CANARY } });
      await rejects(client.call('leak'));
      log.logger.warn?.(`a frame carried api_key=${CANARY}`, { session: CANARY, nested: { token: CANARY } });
      ok(logger.lines.length > 3);
      const text = JSON.stringify(logger.lines);
      ok(!text.includes(CANARY), `a secret reached the log: ${text}`);
    });
  });
}

describe('logging without a logger', () => {
  checkLeaks();

  it('writes nothing anywhere, console included', async () => {
    const written: unknown[] = [];
    const saved = { ...console };
    for (const level of ['debug', 'info', 'warn', 'error', 'log'] as const) console[level] = (...args: unknown[]) => written.push(args);
    try {
      const log = logging({ level: 'debug' });
      const { client } = connectors[0]!.connect({ expose: api, plugins: [log], logger: log.logger });
      await rejects(client.call('leak'));
      log.logger.warn?.('dropped a frame');
    } finally {
      Object.assign(console, saved);
    }
    deepEqual(written, []);
  });
});

describe('logging a flood', () => {
  checkLeaks();

  it('writes 10,000 identical protocol warnings as a few lines and one "suppressed" count', async () => {
    const logger = recorder();
    const clock = { now: 0 };
    const log = logging({ logger, clock: () => clock.now, repeatBurst: 5, repeatWindow: 10_000 });
    const end = rawPeer('bytes', { logger: log.logger, plugins: [log] });
    for (let i = 0; i < 10_000; i++) end.sendRaw(new Uint8Array([0xc1]));
    end.send([10, 1]); // a ping: its pong comes after every frame before it was handled
    await end.next((message) => message[0] === 11);
    equal(end.peer.stats().malformed, 10_000);
    const warnings = () => logger.lines.filter((line) => line.level === 'warn');
    equal(warnings().length, 5);
    clock.now = 10_000;
    end.sendRaw(new Uint8Array([0xc1]));
    end.send([10, 2]);
    await end.next((message) => message[0] === 11 && message[1] === 2);
    const [suppressed, again] = warnings().slice(5);
    equal(suppressed?.fields.suppressed, 9_995);
    ok(again && again.message === warnings()[0]!.message);
  });

  it('reports what is still suppressed when the peer closes', async () => {
    const logger = recorder();
    const log = logging({ logger, clock: () => 0, repeatBurst: 1 });
    const [near, far] = (await import('../../adapters/memory.js')).createMemoryPair('bytes');
    const peer = track(createPeer(near, { logger: log.logger, plugins: [log] }));
    for (let i = 0; i < 3; i++) log.logger.warn?.('the same thing');
    peer.close();
    far.close();
    await peer.closed;
    await Promise.resolve();
    ok(logger.lines.some((line) => line.fields.suppressed === 2));
  });
});
