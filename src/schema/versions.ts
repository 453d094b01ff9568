/**
 * Service versions negotiated in HELLO, as a plugin: each side announces the services it
 * provides (`{ "acme.notes.Notes": { "2": [1, hash] } }`) under the plugin's name, and clients
 * built by `peer.remote(Service)` check a call against the far side's list before sending it.
 * A peer without the plugin, or facing one without it, sends unchecked: it interoperates as before.
 */
import type { Plugin } from '../plugins.js';
import type { Logger, Peer } from '../types.js';
import type { ServiceDescriptor } from './service.js';

export type Provided = Record<string, Record<string, readonly [number, string]>>;

/** What the far side provides, once its HELLO has come (`settled`), or a promise of it. */
export interface FarServices {
  /** Settles when the far side's HELLO has come, or the peer has closed without one. */
  readonly done: Promise<void>;
  settled: boolean;
  value: Provided | undefined;
}

const state = new WeakMap<Peer, FarServices>();

/** The far side's services for a peer made with the `versions` plugin; undefined without it. */
export function farServices(peer: Peer): FarServices | undefined {
  return state.get(peer);
}

/** What the `versions()` plugin announces in HELLO and where it reports drift. */
export interface VersionsOptions {
  /** Services this side exposes (several majors of one service may be listed). Default none. */
  readonly provides?: readonly ServiceDescriptor[];
  /** Where a schema-drift warning goes (same version, different hash). Default `console`. */
  readonly logger?: Logger;
  /** Services this side calls, compared with the far side's for drift. Default none. */
  readonly uses?: readonly ServiceDescriptor[];
}

function validProvided(value: unknown): Provided | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const provides = (value as { provides?: unknown }).provides;
  if (typeof provides !== 'object' || provides === null) return undefined;
  const out: Provided = {};
  // Bounded: a hostile HELLO gets at most 256 services of 16 majors looked at.
  for (const [name, majors] of Object.entries(provides).slice(0, 256)) {
    if (typeof majors !== 'object' || majors === null) continue;
    const clean: Record<string, readonly [number, string]> = {};
    for (const [major, entry] of Object.entries(majors).slice(0, 16)) {
      if (Array.isArray(entry) && Number.isInteger(entry[0]) && typeof entry[1] === 'string')
        clean[major] = [entry[0], entry[1].slice(0, 128)];
    }
    out[name] = clean;
  }
  return out;
}

/** The plugin that announces this side's services and learns the far side's. */
export function versions(options: VersionsOptions = {}): Plugin {
  const provides: Provided = {};
  for (const d of options.provides ?? []) (provides[d.name] ??= {})[String(d.major)] = [d.minor, d.hash];
  const logger = options.logger ?? console;
  return {
    name: 'saltline.services',
    features: { provides },
    setup(peer) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      const far: FarServices = {
        settled: false,
        value: undefined,
        done,
      };
      state.set(peer, far);
      (far as { resolve?: () => void }).resolve = resolve;
    },
    ready(peer, features) {
      const far = state.get(peer);
      if (!far) return;
      // A far side without the plugin announces nothing: calls go unchecked, as without versions.
      far.value = validProvided(features);
      far.settled = true;
      (far as { resolve?: () => void }).resolve?.();
      for (const d of [...(options.uses ?? []), ...(options.provides ?? [])]) {
        const theirs = far.value?.[d.name]?.[String(d.major)];
        if (theirs && theirs[0] === d.minor && theirs[1] !== d.hash) {
          logger.warn?.(
            `schema drift: ${d.name} ${d.major}.${d.minor} differs between the two sides (hash ${d.hash} here, ${theirs[1]} there)`,
          );
        }
      }
    },
    teardown(peer) {
      // Calls waiting for a HELLO that never came are let go: the closed session rejects them.
      const far = state.get(peer);
      far && !far.settled && ((far.settled = true), (far as { resolve?: () => void }).resolve?.());
    },
  };
}
