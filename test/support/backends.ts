// The secretbox backends this runtime has: tweetnacl everywhere, sodium-native in Node, and
// libsodium's WebAssembly build once loaded. Secure specs run once per backend.
import { beforeEach } from '#harness';
import {
  type BackendSource,
  type CryptoChoice,
  loadLibsodium,
  type SecretboxBackend,
  sodiumNative,
  tweetnaclBackend,
} from '../../src/secure/backend.js';

export interface TestBackend {
  readonly name: CryptoChoice;
  readonly backend: SecretboxBackend;
  readonly source: BackendSource;
}

const found: SecretboxBackend[] = [tweetnaclBackend];
const native = sodiumNative();
if (native) found.push(native);
found.push(await loadLibsodium(import('libsodium-wrappers')));

export const backends: readonly TestBackend[] = found.map((backend) => ({
  name: backend.name,
  backend,
  source: () => backend,
}));

let current: CryptoChoice = 'auto';

/** The `secure.crypto` the support helpers give both ends in the suite that called `useCrypto`. */
export function currentCrypto(): CryptoChoice {
  return current;
}

/** Inside a describe: its tests' peers use `name`. */
export function useCrypto(name: CryptoChoice): void {
  beforeEach(() => {
    current = name;
  });
}
