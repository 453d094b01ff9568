/**
 * Fixed test identities for the secure endpoint of the hostile server: the attacker holds a key
 * the server accepts, because the attacks of interest come from authenticated peers. Test keys
 * only, derived from constant seeds; a function each, so that wiping one copy spoils no other.
 */
import { type Identity, importIdentity } from '../../src/secure/index.js';

const seed = (byte: number) => new Uint8Array(32).fill(byte);

export const serverIdentity = (): Identity => importIdentity(seed(0x5e));
export const clientIdentity = (): Identity => importIdentity(seed(0xc1));
