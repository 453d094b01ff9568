/**
 * The plugin registry (docs/plugins.json) is data people edit by pull request: its shape, its
 * names and its official entries are checked here, and docs/plugins.md must list every entry.
 */
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { satisfies, VERSION } from '../../src/semver.js';
import { deepEqual, equal, ok } from '../harness/assert.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const registry = JSON.parse(read('docs/plugins.json')) as { plugins: Record<string, unknown>[] };
const exports = Object.keys(JSON.parse(read('package.json')).exports as Record<string, unknown>);
const page = read('docs/plugins.md');

const FIELDS = ['name', 'package', 'official', 'description', 'saltline', 'maintainer', 'repository'];
/** `@saltline/plugin-x`, `saltline-plugin-x` or `@scope/saltline-plugin-x`: the names docs/plugins.md asks for. */
const COMMUNITY_NAME = /^(@saltline\/plugin-[a-z0-9-]+|(@[a-z0-9-~][a-z0-9-._~]*\/)?saltline-plugin-[a-z0-9-]+)$/;

describe('the plugin registry', () => {
  it('has only known fields, each of the right type', () => {
    for (const entry of registry.plugins) {
      const where = `entry ${JSON.stringify(entry.name)}`;
      deepEqual(
        Object.keys(entry).filter((key) => !FIELDS.includes(key)),
        [],
        `${where}: unknown fields`,
      );
      ok(typeof entry.name === 'string' && /^[a-z0-9][a-z0-9-]{0,63}$/.test(entry.name), `${where}: name`);
      ok(typeof entry.package === 'string', `${where}: package`);
      ok(typeof entry.official === 'boolean', `${where}: official`);
      ok(
        typeof entry.description === 'string' && entry.description.length > 0 && entry.description.length <= 200,
        `${where}: description`,
      );
      ok(typeof entry.maintainer === 'string' && entry.maintainer.length > 0, `${where}: maintainer`);
      ok(
        entry.repository === undefined || (typeof entry.repository === 'string' && entry.repository.startsWith('https://')),
        `${where}: repository`,
      );
    }
  });

  it('gives each entry a saltline range the version check reads', () => {
    for (const entry of registry.plugins) {
      ok(typeof entry.saltline === 'string', `${entry.name}: saltline`);
      satisfies(VERSION, entry.saltline as string); // throws on a range it cannot read
    }
  });

  it('names each plugin and each package once', () => {
    for (const field of ['name', 'package']) {
      const values = registry.plugins.map((entry) => entry[field]);
      deepEqual(
        values.filter((value, i) => values.indexOf(value) !== i),
        [],
        `duplicate ${field}`,
      );
    }
  });

  it('points each official entry at an entry point of this package, and includes this version', () => {
    for (const entry of registry.plugins.filter((plugin) => plugin.official)) {
      const path = String(entry.package).replace(/^saltline/, '.');
      ok(exports.includes(path), `${entry.package} is not in package.json exports`);
      ok(satisfies(VERSION, entry.saltline as string), `${entry.name}: ${entry.saltline} excludes ${VERSION}`);
    }
  });

  it('holds community packages to the naming convention', () => {
    for (const entry of registry.plugins.filter((plugin) => !plugin.official)) {
      ok(
        COMMUNITY_NAME.test(String(entry.package)),
        `${entry.package} is not named @saltline/plugin-*, saltline-plugin-* or @scope/saltline-plugin-*`,
      );
      ok(entry.repository !== undefined, `${entry.package} needs a repository`);
    }
  });

  it('is listed in docs/plugins.md, entry by entry', () => {
    for (const entry of registry.plugins) ok(page.includes(`\`${entry.package}\``), `docs/plugins.md does not list ${entry.package}`);
    equal(page.includes('docs/plugins.json') || page.includes('plugins.json'), true);
  });
});
