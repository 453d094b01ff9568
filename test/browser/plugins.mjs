// Dev-server plugins the browser tests rely on (servers they talk to). Add yours to `plugins`.
//
// saltline-test-servers: mounts test/browser/servers.ts (a saltline ws service, a refusing and a
// silent endpoint, the WebRTC signaling service) on the runner's own server, so on 127.0.0.1;
// aliases `simple-peer` to its self-contained browser bundle; and gives tests two server commands,
// `saltline:open-tab` / `saltline:close-tab`, for a second real tab (WebRTC between tabs).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tsImport } from 'tsx/esm/api';

const require = createRequire(import.meta.url);
const SIMPLE_PEER = '/__saltline/simple-peer.js';

let simplePeerBundle;
/** simple-peer's UMD bundle as an ES module with a default export. */
function simplePeerModule() {
  simplePeerBundle ??= readFileSync(require.resolve('simple-peer/simplepeer.min.js'), 'utf8');
  return `const module = { exports: {} };\n(function (module, exports) {\n${simplePeerBundle}\n}).call(globalThis, module, module.exports);\nexport default module.exports;\n`;
}

const tabs = new Map();
let nextTab = 1;
let stopServers;

const testServers = {
  name: 'saltline-test-servers',
  async serverStart({ server }) {
    const { start } = await tsImport('./servers.ts', import.meta.url);
    stopServers = await start(server);
  },
  async serverStop() {
    for (const page of tabs.values()) await page.close().catch(() => {});
    tabs.clear();
    await stopServers?.();
  },
  resolveImport({ source }) {
    if (source === 'simple-peer') return SIMPLE_PEER;
  },
  serve(context) {
    if (context.path === SIMPLE_PEER) return { body: simplePeerModule(), type: 'js' };
  },
  async executeCommand({ command, payload, session }) {
    if (command === 'saltline:open-tab') {
      const url = new URL(payload.url);
      if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') throw new Error('tabs open on loopback only');
      const page = await session.browser.getPage(session.id).browser().newPage();
      page.on('console', (message) => console.log(`[tab] ${message.text()}`));
      page.on('pageerror', (error) => console.log(`[tab error] ${error.message}`));
      await page.goto(url.href);
      const id = nextTab++;
      tabs.set(id, page);
      return id;
    }
    if (command === 'saltline:close-tab') {
      const page = tabs.get(payload.id);
      tabs.delete(payload.id);
      await page?.close();
      return true;
    }
  },
};

export const plugins = [testServers];
