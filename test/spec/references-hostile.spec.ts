/**
 * References against a hostile far side, driven at the module level: the marker walks, the
 * reference table's limits and `keep`, and the stream producer's credit, backpressure and yields.
 * The same bounds end to end are in references-limits.spec.ts.
 */
import { describe, it } from '#harness';
import { DEFAULT_MAX_REFERENCES_PER_MESSAGE, Exchange, type ReferenceHost, type ReferenceLimits } from '../../src/exchange.js';
import { RpcError } from '../../src/index.js';
import { FUNCTION, hasRefs, MARKER, swapRefs } from '../../src/ref-markers.js';
import { References } from '../../src/ref-table.js';
import { MAX_STREAM_WINDOW, type StreamLink, StreamSource } from '../../src/streams.js';
import { transfer, transferablesOfAll } from '../../src/transfer.js';
import { equal, ok, throws } from '../harness/assert.js';

/** `levels` arrays, each holding the next one twice: a few hundred bytes that walk as 2^levels nodes. */
export function sharedTree(levels: number, leaf: unknown): unknown {
  let node = leaf;
  for (let i = 0; i < levels; i++) node = [node, node];
  return node;
}

function table(limits?: ReferenceLimits) {
  const sent: unknown[][] = [];
  const host: ReferenceHost = {
    send: (message) => sent.push(message),
    callRef: async () => undefined,
    completed: () => {},
    exposeStacks: false,
  };
  return { refs: new References(host, 16, limits), sent };
}

const marker = (kind: number, id: unknown) => ({ [MARKER]: [kind, id] });

function codeOf(error: unknown): string | undefined {
  return error instanceof RpcError ? error.code : undefined;
}

describe('marker walks over shared values', () => {
  it('answers hasRefs at once for a value that shares its parts 2^64 times', () => {
    equal(hasRefs(sharedTree(64, 1)), false);
    equal(hasRefs([sharedTree(64, 1), () => {}]), true);
  });

  it('copies a part that a value shares once, and keeps it shared', () => {
    const copy = swapRefs([sharedTree(64, 1), () => {}], (_, kind) => [kind, 1]) as unknown[][];
    ok(copy[0]![0] === copy[0]![1]);
    equal((copy[1] as unknown as Record<string, unknown[]>)[MARKER]![0], FUNCTION);
  });

  it('imports a marker that a received value shares 2^64 times as one reference', () => {
    const { refs } = table();
    const value = refs.importValue(sharedTree(64, marker(0, 7)), undefined, false) as unknown[];
    ok(typeof value[0] === 'object');
    equal(refs.stats().references, 1);
  });

  it('refuses a promise with INVALID_ARGUMENT, saying to await it first', () => {
    const error = throws(() => hasRefs([Promise.resolve(2)]));
    equal(codeOf(error), 'INVALID_ARGUMENT');
    ok((error as Error).message.includes('await it first'));
  });

  it('lists a buffer marked on two arguments once, for postMessage refuses duplicates', () => {
    const buffer = new ArrayBuffer(8);
    const list = transferablesOfAll([transfer({ a: 1 }, [buffer]), transfer({ b: 2 }, [buffer])]);
    equal(list?.length, 1);
  });
});

describe('the reference table under a hostile peer', () => {
  it('refuses a message with more references than maxReferencesPerMessage and keeps none of them', () => {
    const { refs } = table();
    const args = Array.from({ length: DEFAULT_MAX_REFERENCES_PER_MESSAGE + 1 }, (_, i) => marker(2, i + 1));
    equal(codeOf(throws(() => refs.importValue(args, new Exchange(1), false))), 'RESOURCE_EXHAUSTED');
    equal(refs.stats().references, 0);
  });

  it('refuses references past maxReferences in the session and keeps none of the refused message', () => {
    const { refs } = table({ maxReferences: 3 });
    refs.importValue([marker(0, 1), marker(1, 2)], new Exchange(1), false);
    const owner = new Exchange(2);
    equal(codeOf(throws(() => refs.importValue([marker(0, 3), marker(1, 4)], owner, false))), 'RESOURCE_EXHAUSTED');
    equal(refs.stats().references, 2);
    equal(owner.imported?.length ?? 0, 0);
  });

  it('keeps nothing of a message whose last marker is malformed', () => {
    const { refs } = table();
    const owner = new Exchange(1);
    const error = throws(() => refs.importValue([marker(0, 1), marker(1, 2), marker(0, 'x')], owner, true));
    equal(codeOf(error), 'INVALID_ARGUMENT');
    equal(refs.stats().references, 0);
    equal(owner.openStreams, 0);
  });

  it('refuses to export more references than the far side takes in one message, and exports none', () => {
    const { refs } = table();
    const owner = new Exchange(1);
    const fns = Array.from({ length: DEFAULT_MAX_REFERENCES_PER_MESSAGE + 1 }, () => () => {});
    equal(codeOf(throws(() => refs.exportValue(fns, owner, false))), 'RESOURCE_EXHAUSTED');
    equal(refs.stats().references, 0);
    equal(owner.exported?.length ?? 0, 0);
  });

  it('keeps only callbacks exported with the call whose reply retained them', () => {
    const { refs } = table();
    const first = new Exchange(1);
    const second = new Exchange(2);
    const idOf = (value: unknown) => ((value as unknown[])[0] as Record<string, unknown[]>)[MARKER]![1];
    const a = idOf(refs.exportValue([() => 1], first, false));
    const b = idOf(refs.exportValue([() => 2], second, false));
    refs.keep([a, b], second);
    refs.complete(first, undefined);
    refs.complete(second, undefined);
    ok(refs.functionFor(a as number) === undefined, 'the other call’s callback was pinned');
    ok(refs.functionFor(b as number) !== undefined);
  });

  it('never lets a retained list pin a signal', () => {
    const { refs, sent } = table();
    const owner = new Exchange(1);
    const controller = new AbortController();
    const wire = refs.exportValue([controller.signal], owner, false) as Record<string, unknown[]>[];
    refs.keep([wire[0]![MARKER]![1]], owner);
    refs.complete(owner, undefined);
    controller.abort();
    equal(refs.stats().references, 0);
    equal(sent.length, 0);
  });
});

/** A producer over a link that records what it sends; `items` counts the iterator's pulls. */
function producer(options: { whenWritable?: () => Promise<void> | undefined; next?: () => Promise<IteratorResult<unknown>> } = {}) {
  const sent: unknown[][] = [];
  let pulls = 0;
  let returned = false;
  const link: StreamLink = { send: (message) => sent.push(message), finished: () => {}, whenWritable: options.whenWritable };
  const iterator: AsyncIterator<unknown> = {
    next: () => {
      pulls++;
      return options.next ? options.next() : Promise.resolve({ value: pulls, done: false });
    },
    return: async () => {
      returned = true;
      return { value: undefined, done: true };
    },
  };
  const encodeError = (error: unknown) => ({ code: codeOf(error), message: (error as Error).message });
  const source = new StreamSource(1, iterator, link, (item) => [6, 1, item], encodeError);
  return { source, sent, pulls: () => pulls, returned: () => returned };
}

/** Resolves in a later macrotask: after whatever macrotasks are already queued. */
function macrotask(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(undefined);
  });
}

describe('the stream producer under a hostile consumer', () => {
  it('ends the stream with RESOURCE_EXHAUSTED when the consumer asks for a window over the limit', () => {
    const { source, sent, returned } = producer();
    source.grant(MAX_STREAM_WINDOW + 1);
    equal(sent.length, 1);
    equal(sent[0]![0], 7);
    equal((sent[0]![2] as { code: string }).code, 'RESOURCE_EXHAUSTED');
    ok(returned(), 'the iterator was not returned');
  });

  it('holds credit to the consumer’s window however much more it grants', () => {
    const { source } = producer({ next: () => new Promise(() => {}) });
    source.grant(4);
    for (let i = 0; i < 200; i++) source.grant(65_536);
    ok(source.credit + source.inFlight <= 4, `credit ${source.credit}, in flight ${source.inFlight}`);
    source.cancel();
  });

  it('pulls nothing while the transport is not writable', async () => {
    let writable!: () => void;
    const gate = new Promise<void>((resolve) => (writable = resolve));
    let waiting = true;
    const { source, pulls } = producer({ whenWritable: () => (waiting ? gate : undefined), next: () => new Promise(() => {}) });
    source.grant(4);
    equal(pulls(), 0);
    waiting = false;
    writable();
    await gate;
    equal(pulls(), 1);
    source.cancel();
  });

  it('lets tasks already queued run before it has sent a large window', async () => {
    const { source, sent } = producer();
    const other = macrotask().then(() => sent.length);
    source.grant(MAX_STREAM_WINDOW);
    const sentBeforeOtherTask = await other;
    ok(sentBeforeOtherTask < MAX_STREAM_WINDOW, `sent all ${sentBeforeOtherTask} items first`);
    source.cancel();
  });

  it('ends the stream with the item’s error when an item cannot be sent', async () => {
    const sent: unknown[][] = [];
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const link: StreamLink = { send: (message) => sent.push(message), finished: () => finished() };
    const items = (async function* () {
      yield { later: Promise.resolve(1) };
    })();
    const encode = (item: unknown) => (hasRefs(item) ? [] : [6, 1, item]);
    const source = new StreamSource(1, items, link, encode, (error) => ({ code: codeOf(error) }));
    source.grant(4);
    await done;
    equal(sent.length, 1);
    equal(sent[0]![0], 7);
    equal((sent[0]![2] as { code: string }).code, 'INVALID_ARGUMENT');
  });
});
