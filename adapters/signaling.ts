/* biome-ignore-all lint/suspicious/noExplicitAny: signals are simple-peer's own objects */
/**
 * WebRTC signaling as a saltline service: rooms whose members relay offers, answers and ICE
 * candidates to each other. The server side (`signalingService`) is transport-agnostic: give it
 * each peer that connects, e.g. from `serveWebSocket`. The client side (`connectSignaling`)
 * wires simple-peer instances to it: whoever joins a room calls everyone already there.
 *
 * Signaling learns the session descriptions, so it can swap DTLS fingerprints: run the secure
 * channel over the data channel when the signaling server is not trusted.
 */
import { RpcError } from '../src/errors.js';
import { createPeer } from '../src/peer.js';
import type { Transport } from '../src/transport.js';
import type { Peer, PeerOptions } from '../src/types.js';
import type { Bus } from './bus.js';

/** What each member may call on the signaling server. */
export interface SignalingServerApi {
  /** Joins `room`; returns this member's id and the ids already there (call each of them). */
  join(room: string): Promise<{ id: string; members: string[] }>;
  leave(room: string): void;
  /** Relays `data` to member `to` of `room`. */
  signal(room: string, to: string, data: unknown): void;
}

/** What the signaling server notifies each member of. */
export interface SignalingClientApi {
  joined(room: string, id: string): void;
  left(room: string, id: string): void;
  signal(room: string, from: string, data: unknown): void;
}

/** Bounds of the signaling service; each says its default. */
export interface SignalingServiceOptions {
  /** Members in one room (on every process, with a `bus`). Default 16. */
  readonly maxRoomSize?: number;
  /** Rooms one member may be in. Default 8. */
  readonly maxRoomsPerMember?: number;
  /**
   * Shares rooms with the other processes on the bus (`redisBus` from `saltline/cluster`): members
   * connected to different processes join one room and signal each other, and the members of a
   * process that dies leave its rooms. Default: rooms of this process only.
   */
  readonly bus?: Bus;
}

/** The server side of signaling (`signalingService()`): relays offers and candidates within rooms. */
export interface SignalingService {
  /** Serves signaling to `peer` (replacing what it exposes) until it closes. */
  accept(peer: Peer): void;
  /** Room names and their member counts (with a `bus`: the rooms this process has members in, counting every process's). */
  rooms(): Map<string, number>;
  /** Stops listening on the bus. Default: nothing to stop. */
  close(): void;
}

/** A member of a room: one connected here (`peer`), or one on another process (`node`). */
interface Member {
  readonly id: string;
  readonly peer?: Peer;
  readonly node?: string;
  readonly rooms: Set<string>;
}

const validRoom = (room: unknown): room is string => typeof room === 'string' && room.length > 0 && room.length <= 128;
/** Member ids are the service's UUIDs; anything else from the far side is dropped. */
const validId = (id: unknown): id is string => typeof id === 'string' && id.length > 0 && id.length <= 128;

/** Default `JoinOptions.maxPeers`: the service's default room size. */
export const DEFAULT_MAX_PEERS = 16;

/** What processes tell each other about a room (on `room:NAME`) and a member (on `signal:NODE`). */
type RoomEvent = { readonly joined?: string; readonly left?: string };
type Relayed = { readonly room: string; readonly from: string; readonly to: string; readonly data: unknown };

/** Makes a signaling service: `accept(peer)` each connection (e.g. in `serveWebSocket`'s `onPeer`). */
export function signalingService(options: SignalingServiceOptions = {}): SignalingService {
  const maxRoomSize = options.maxRoomSize ?? 16;
  const maxRooms = options.maxRoomsPerMember ?? 8;
  const bus = options.bus;
  /** Each room with a member here (or one joining), and (with a bus) the members elsewhere it has heard of. */
  const rooms = new Map<string, Map<string, Member>>();
  /** Joins under way per room: their room stays while they wait on the bus. */
  const joining = new Map<string, number>();
  const subscriptions = new Map<string, Promise<() => void>>();
  const release = (subscription: Promise<() => void> | undefined) =>
    subscription?.then(
      (stop) => stop(),
      () => {},
    );

  const tell = (members: Map<string, Member>, method: string, room: string, id: string) => {
    for (const other of members.values()) other.peer?.notify(method, room, id);
  };
  /** Drops a room nobody here is in or joining any more, with what it knew of the others. */
  const prune = (room: string, members: Map<string, Member>) => {
    if (joining.get(room) || [...members.values()].some((m) => m.peer)) return;
    rooms.delete(room);
    release(subscriptions.get(`room:${room}`));
    subscriptions.delete(`room:${room}`);
  };
  const leave = (member: Member, room: string) => {
    const members = rooms.get(room);
    if (!members?.delete(member.id)) return;
    member.rooms.delete(room);
    tell(members, 'left', room, member.id);
    prune(room, members);
    if (bus && member.peer) {
      bus.publish(`room:${room}`, { left: member.id });
      bus.remove(`room:${room}`, member.id).catch(() => {});
    }
  };
  /** Another process's news of `room`. */
  const heard = (room: string, event: RoomEvent, node: string) => {
    const members = rooms.get(room);
    if (!members || node === bus?.node) return;
    if (validId(event.joined) && !members.has(event.joined)) {
      tell(members, 'joined', room, event.joined);
      members.set(event.joined, { id: event.joined, node, rooms: new Set() });
    } else if (validId(event.left) && members.get(event.left)?.node === node) {
      members.delete(event.left);
      tell(members, 'left', room, event.left);
    }
  };
  /** The room's members here and, with a bus, elsewhere; listening to the room's news before reading who is in it. */
  const enter = async (room: string): Promise<Map<string, Member>> => {
    let members = rooms.get(room);
    if (!members) {
      members = new Map();
      rooms.set(room, members);
      const listener = (event: unknown, node: string) => heard(room, (event ?? {}) as RoomEvent, node);
      if (bus) subscriptions.set(`room:${room}`, bus.subscribe(`room:${room}`, listener));
    }
    if (!bus) return members;
    joining.set(room, (joining.get(room) ?? 0) + 1);
    try {
      await Promise.all([subscriptions.get(`signal:${bus.node}`), subscriptions.get(`room:${room}`)]);
      for (const [id, node] of await bus.members(`room:${room}`)) {
        if (node !== bus.node && !members.has(id)) members.set(id, { id, node, rooms: new Set() });
      }
      return members;
    } finally {
      joining.set(room, joining.get(room)! - 1);
      if (!joining.get(room)) joining.delete(room);
    }
  };
  let stopNodeDown: (() => void) | undefined;
  if (bus) {
    const relayed = (message: unknown) => {
      const { room, from, to, data } = (message ?? {}) as Relayed;
      const members = validRoom(room) ? rooms.get(room) : undefined;
      if (members?.get(from)?.node) members.get(to)?.peer?.notify('signal', room, from, data);
    };
    subscriptions.set(`signal:${bus.node}`, bus.subscribe(`signal:${bus.node}`, relayed));
    stopNodeDown = bus.onNodeDown((node) => {
      for (const [room, members] of rooms) {
        for (const member of [...members.values()]) if (member.node === node) leave(member, room);
      }
    });
  }

  return {
    accept(peer) {
      const member: Member = { id: globalThis.crypto.randomUUID(), peer, rooms: new Set() };
      const entering = new Set<string>();
      const api: SignalingServerApi = {
        async join(room) {
          // Notifications to a peer wait for its hello: a member that never says hello would hold them all.
          if (!peer.stats().ready) throw new RpcError('FAILED_PRECONDITION', 'say hello before joining a room');
          if (!validRoom(room)) throw new RpcError('INVALID_ARGUMENT', 'a room is a string of 1 to 128 characters');
          if (member.rooms.has(room) || entering.has(room))
            throw new RpcError('ALREADY_EXISTS', `already in room ${JSON.stringify(room)}`);
          if (member.rooms.size + entering.size >= maxRooms) throw new RpcError('RESOURCE_EXHAUSTED', `in ${maxRooms} rooms already`);
          entering.add(room);
          let members: Map<string, Member>;
          try {
            members = await enter(room);
          } catch (error) {
            prune(room, rooms.get(room) ?? new Map());
            throw RpcError.from(error, 'UNAVAILABLE');
          } finally {
            entering.delete(room);
          }
          const refusal = peer.stats().closed
            ? new RpcError('UNAVAILABLE', 'the member left')
            : members.size >= maxRoomSize
              ? new RpcError('RESOURCE_EXHAUSTED', `room ${JSON.stringify(room)} is full`)
              : undefined;
          if (refusal) {
            prune(room, members);
            throw refusal;
          }
          const ids = [...members.keys()];
          // The others hear of the newcomer before it can send them anything.
          tell(members, 'joined', room, member.id);
          members.set(member.id, member);
          member.rooms.add(room);
          if (bus) {
            // Into the shared set before the news: a member joining at once elsewhere either reads
            // this entry or, having subscribed before reading, hears the news (else it could miss both).
            await bus.add(`room:${room}`, member.id);
            if (member.rooms.has(room)) bus.publish(`room:${room}`, { joined: member.id });
          }
          return { id: member.id, members: ids };
        },
        leave(room) {
          leave(member, room);
        },
        signal(room, to, data) {
          const target = member.rooms.has(room) ? rooms.get(room)?.get(to) : undefined;
          if (!target) {
            // Echo the far side's values only when short: they could be anything, of any size.
            const [who, where] = [
              validId(to) ? JSON.stringify(to) : 'of that id',
              validRoom(room) ? JSON.stringify(room) : 'of that name',
            ];
            throw new RpcError('NOT_FOUND', `no member ${who} in room ${where}`);
          }
          if (target.peer) target.peer.notify('signal', room, member.id, data);
          else bus?.publish(`signal:${target.node}`, { room, from: member.id, to, data } satisfies Relayed);
        },
      };
      peer.expose(api);
      void peer.closed.then(() => {
        for (const room of [...member.rooms]) leave(member, room);
      });
    },
    rooms: () => new Map([...rooms].map(([name, members]) => [name, members.size])),
    close() {
      stopNodeDown?.();
      for (const subscription of subscriptions.values()) release(subscription);
      subscriptions.clear();
    },
  };
}

// ---- the client ------------------------------------------------------------------------------

/** What the helper needs of a simple-peer instance. */
export interface SimplePeerLike {
  /** Whether its data channel has opened (simple-peer's own flag); one not yet connected is destroyed when its member leaves. */
  readonly connected?: boolean;
  signal(data: any): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  destroy(error?: Error): void;
}

/** Options of `SignalingClient.join`: how to make each connection and which signals pass. */
export interface JoinOptions<P extends SimplePeerLike = SimplePeerLike> {
  /** Makes the simple-peer for one remote member, e.g. `(initiator) => new SimplePeer({ initiator })`. Required. */
  readonly createSimplePeer: (initiator: boolean, remoteId: string) => P;
  /** Called with each new simple-peer, before it connects: make its saltline peer here (`fromSimplePeer`). Required. */
  readonly onPeer: (peer: P, remoteId: string) => void;
  /**
   * Called when a member leaves the room. Its connection, once made, is not closed by leaving; one
   * still being made is destroyed. Default: none.
   */
  readonly onLeave?: (remoteId: string) => void;
  /**
   * Members this room keeps track of, and simple-peers it keeps, each at most this many. Only
   * members the server announced (the join's answer, `joined`) get a simple-peer, and past the cap
   * further ones are ignored with their signals, so a hostile signaling server cannot make this
   * client build connections without end. Default 16 (the service's default room size).
   */
  readonly maxPeers?: number;
  /** Rewrites or drops (returns `undefined`) each signal, both ways; e.g. `loopbackOnly`. Default: none. */
  readonly filterSignal?: (signal: any) => any;
}

/** A joined signaling room: its members and their connections, until `leave()`. */
export interface Room<P extends SimplePeerLike = SimplePeerLike> {
  readonly name: string;
  /** This member's id in the room. */
  readonly id: string;
  /** The simple-peers of this room, by remote member id, until they close. */
  readonly peers: ReadonlyMap<string, P>;
  /** Stops signaling in this room; connections already made stay up. */
  leave(): Promise<void>;
}

/** The client side of signaling (`connectSignaling(transport)`): joins rooms on the server. */
export interface SignalingClient {
  /** The saltline peer talking to the signaling server. */
  readonly peer: Peer;
  join<P extends SimplePeerLike>(room: string, options: JoinOptions<P>): Promise<Room<P>>;
  /** Closes the signaling peer; WebRTC connections already made stay up. */
  close(): void;
}

class RoomState<P extends SimplePeerLike> implements Room<P> {
  readonly peers = new Map<string, P>();
  id = '';
  /** Members the server announced and has not said left: the only ones whose signals are taken. */
  readonly #known = new Set<string>();
  #left = false;
  readonly #server: Peer;
  readonly #options: JoinOptions<P>;
  readonly #forget: () => void;
  readonly #max: number;

  constructor(
    readonly name: string,
    server: Peer,
    options: JoinOptions<P>,
    forget: () => void,
  ) {
    this.#server = server;
    this.#options = options;
    this.#forget = forget;
    this.#max = options.maxPeers ?? DEFAULT_MAX_PEERS;
    // NaN would compare false and quietly turn the cap off.
    if (!(this.#max >= 0)) throw new TypeError(`maxPeers must be 0 or more, not ${options.maxPeers}`);
  }

  /** Calls each member the join answered with, up to the cap. */
  members(ids: unknown): void {
    if (!Array.isArray(ids)) return;
    for (const id of ids) if (this.#know(id) && !this.peers.has(id)) this.#connect(id, true);
  }

  /** A newcomer: it will call this member, so its simple-peer is made when its first signal comes. */
  joined(id: unknown): void {
    this.#know(id);
  }

  signal(from: unknown, data: unknown): void {
    if (!validId(from) || !this.#known.has(from)) return; // never announced: an invented member
    const filter = this.#options.filterSignal;
    const signal = filter ? filter(data) : data;
    if (signal === undefined) return;
    (this.peers.get(from) ?? this.#connect(from, false))?.signal(signal);
  }

  gone(id: unknown): void {
    if (!validId(id) || !this.#known.delete(id)) return;
    const peer = this.peers.get(id);
    if (peer && !peer.connected) {
      this.peers.delete(id);
      peer.destroy();
    }
    this.#options.onLeave?.(id);
  }

  async leave(): Promise<void> {
    if (this.#left) return;
    this.#left = true;
    this.#forget();
    await this.#server.call('leave', [this.name]).catch(() => {});
  }

  /** Records an announced member, unless its id is not one or the room is at its cap. */
  #know(id: unknown): id is string {
    if (!validId(id)) return false;
    if (this.#known.has(id)) return true;
    if (this.#known.size >= this.#max) return false;
    this.#known.add(id);
    return true;
  }

  /** Makes the simple-peer for `remoteId` and relays its signals; none past the cap. */
  #connect(remoteId: string, initiator: boolean): P | undefined {
    if (this.peers.size >= this.#max) return undefined;
    const peer = this.#options.createSimplePeer(initiator, remoteId);
    this.peers.set(remoteId, peer);
    const filter = this.#options.filterSignal;
    const onSignal = (data: unknown) => {
      const out = filter ? filter(data) : data;
      if (out !== undefined && !this.#left) this.#server.notify('signal', this.name, remoteId, out);
    };
    const onClose = () => {
      peer.removeListener('signal', onSignal);
      peer.removeListener('close', onClose);
      if (this.peers.get(remoteId) === peer) this.peers.delete(remoteId);
    };
    peer.on('signal', onSignal);
    peer.on('close', onClose);
    this.#options.onPeer(peer, remoteId);
    return peer;
  }
}

/** Connects to a signaling service over `transport` (e.g. `fromWebSocket(new WebSocket(url))`). */
export function connectSignaling(transport: Transport, options: PeerOptions = {}): SignalingClient {
  const rooms = new Map<string, RoomState<any>>();
  const handlers: SignalingClientApi = {
    joined: (room, id) => rooms.get(room)?.joined(id),
    left: (room, id) => rooms.get(room)?.gone(id),
    signal: (room, from, data) => rooms.get(room)?.signal(from, data),
  };
  const peer = createPeer(transport, { ...options, expose: handlers });
  return {
    peer,
    async join(name, joinOptions) {
      if (rooms.has(name)) throw new RpcError('ALREADY_EXISTS', `already in room ${JSON.stringify(name)}`);
      const room = new RoomState(name, peer, joinOptions, () => rooms.delete(name));
      rooms.set(name, room);
      try {
        const { id, members } = await peer.call<{ id: string; members: string[] }>('join', [name]);
        room.id = String(id);
        room.members(members);
      } catch (error) {
        rooms.delete(name);
        throw error;
      }
      return room;
    },
    close: () => peer.close(),
  };
}

// ---- loopback-only signals (tests, demos on one machine) ------------------------------------

const isLoopback = (address: string | undefined) => !!address && (address.startsWith('127.') || address === '::1');

/** The address field of an ICE candidate line (`candidate:… <address> <port> typ …`). */
function candidateAddress(line: string): string | undefined {
  return line.replace(/^a=/, '').split(' ')[4];
}

/**
 * A `filterSignal` that keeps only loopback ICE candidates (127.x, ::1), in trickled candidates
 * and in session descriptions, so two peers on one machine never use another interface.
 */
export function loopbackOnly(signal: any): any {
  if (signal?.candidate !== undefined && typeof signal.candidate === 'object') {
    const line: string = signal.candidate?.candidate ?? '';
    return line === '' || isLoopback(candidateAddress(line)) ? signal : undefined;
  }
  if (typeof signal?.sdp === 'string') {
    const keep = (line: string) => !line.startsWith('a=candidate:') || isLoopback(candidateAddress(line));
    const lines = (signal.sdp as string).split('\r\n').filter(keep);
    return { ...signal, sdp: lines.join('\r\n') };
  }
  return signal;
}
