// Finding Chrome and the flags that keep it local: shared by the browser runner's config and the
// Node tests that drive Chromium themselves (the extension tests). Nothing here downloads a browser.
import { existsSync } from 'node:fs';

/** Chrome or Chromium: CHROME_PATH, then the usual install locations; a clear error when none. */
export function findChrome() {
  const candidates = [
    process.env.CHROME_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
  ];
  const found = candidates.find((path) => path && existsSync(path));
  if (!found) {
    throw new Error(
      'No Chrome or Chromium found for the browser tests. Install one (Debian/Ubuntu: ' +
        '`apt-get install chromium`) or set CHROME_PATH to its executable.',
    );
  }
  return found;
}

/** Flags for a headless Chromium that reaches nothing beyond loopback (root cannot use the sandbox). */
export const localChromeFlags = [
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-features=NetworkTimeServiceQuerying',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
  ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
];
