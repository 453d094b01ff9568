/**
 * Type tests: objects sent by reference (`target(obj)`, `RpcTarget` subclasses) are remote objects
 * on the far side. Their methods, own and inherited, return promises; data, getters and private
 * members are absent; `[Symbol.dispose]` releases them.
 */

import { type Remote, type RemoteTarget, RpcTarget, type Target, target } from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expect<T extends true>(): T | undefined {
  return undefined;
}

class Base extends RpcTarget {
  name(): string {
    return 'base';
  }
}

class Doc extends Base {
  #text = '';
  readonly id = 'd';
  append(more: string): string {
    this.#text += more;
    return this.#text;
  }
  get size(): number {
    return this.#text.length;
  }
  cursor(): Cursor {
    return new Cursor();
  }
}

class Cursor extends RpcTarget {
  where = async (): Promise<number> => 0;
}

const api = {
  openDocument: (_id: string) => new Doc(),
  /** A handler receiving an object by reference types it as it is there: remote. */
  writeTo: async (doc: RemoteTarget<Doc>, more: string) => doc.append(more),
  counter: () => target({ count: 0, increment: (by: number) => by }),
};

type Api = Remote<typeof api>;
type RemoteDoc = Awaited<ReturnType<Api['openDocument']>>;

// A method returning an RpcTarget subclass answers with a remote object of its methods.
expect<Equal<RemoteDoc['append'], (more: string) => Promise<string>>>();
// Inherited (prototype) methods appear too.
expect<Equal<RemoteDoc['name'], () => Promise<string>>>();
// A method returning another target answers with a remote object in turn.
expect<Equal<Awaited<ReturnType<RemoteDoc['cursor']>>['where'], () => Promise<number>>>();
// Data fields and getters are not callable, so absent.
expect<Equal<'id' extends keyof RemoteDoc ? true : false, false>>();
expect<Equal<'size' extends keyof RemoteDoc ? true : false, false>>();
// Disposing it releases it.
expect<RemoteDoc extends Disposable ? true : false>();
// A plain object marked with target(): its functions, not its data.
type RemoteCounter = Awaited<ReturnType<Api['counter']>>;
expect<Equal<RemoteCounter['increment'], (by: number) => Promise<number>>>();
expect<Equal<'count' extends keyof RemoteCounter ? true : false, false>>();
// target() keeps the object's own type for local use.
const marked: Target<{ n: number }> = target({ n: 1 });
expect<Equal<typeof marked.n, number>>();
// RemoteTarget is what Remote<T> gives for a target.
expect<Equal<Remote<Doc>, RemoteTarget<Doc>>>();

async function usage(remote: Api): Promise<void> {
  using doc = await remote.openDocument('a');
  await doc.append('x');
  // @ts-expect-error: a remote method takes the local method's argument types
  await doc.append(1);
  // A caller passes a local Doc where the handler declared RemoteTarget<Doc>...
  await remote.writeTo(new Doc(), 'x');
  // @ts-expect-error: ...and not any other object
  await remote.writeTo({ append: () => 'x' }, 'x');
}
void usage;
