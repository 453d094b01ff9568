/** JSON-RPC peers under test: a pair over a memory link, and one whose far end the test drives as text. */
import { createMemoryPair } from '../../adapters/memory.js';
import { type JsonRpcPeerOptions, jsonRpcPeer } from '../../src/jsonrpc/index.js';
import type { Peer } from '../../src/types.js';
import { afterClose, track } from './connect.js';

export interface JsonRpcConnection {
  readonly client: Peer;
  readonly server: Peer;
}

/** Two JSON-RPC peers over a memory link (clone kind: text goes as strings). */
export function jsonRpcPair(server: JsonRpcPeerOptions = {}, client: JsonRpcPeerOptions = {}): JsonRpcConnection {
  const [a, b] = createMemoryPair('clone');
  afterClose(() => {
    if (a.receiver || b.receiver) throw new Error('a memory transport still has a receiver');
  });
  return { server: track(jsonRpcPeer(b, server)), client: track(jsonRpcPeer(a, client)) };
}

export interface TextEnd {
  readonly peer: Peer;
  /** Sends one text message to the peer. */
  send(text: string): void;
  /** The next message the peer sends, parsed. */
  next(): Promise<unknown>;
  /** Every message the peer has sent, as text. */
  readonly sent: string[];
}

/** A JSON-RPC peer whose far end is the test: it writes text and reads what the peer answers. */
export function textEnd(options: JsonRpcPeerOptions = {}): TextEnd {
  const [near, far] = createMemoryPair('clone');
  const sent: string[] = [];
  const unread: string[] = [];
  const waiting: ((text: string) => void)[] = [];
  far.start({
    message(data) {
      sent.push(data as string);
      const waiter = waiting.shift();
      if (waiter) waiter(data as string);
      else unread.push(data as string);
    },
    closed() {},
  });
  afterClose(() => far.close());
  const peer = track(jsonRpcPeer(near, options));
  return {
    peer,
    sent,
    send: (text) => far.send(text),
    next: () => {
      const text = unread.shift();
      if (text !== undefined) return Promise.resolve(JSON.parse(text));
      return new Promise((resolve) => waiting.push((t) => resolve(JSON.parse(t))));
    },
  };
}
