/**
 * The checkers behind `npm run check:docs` (a step of npm test, which runs them over the whole
 * repository): each reports what it exists to catch. The built site and its search are tested in
 * docs-site.node.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { brokenLinks } from '../../docs-site/check-site.js';
import { entries } from '../../docs-site/entries.js';
import { type PublicApi, publicApi } from '../../docs-site/exports.js';
import { checkSnippets, snippetsOf } from '../../docs-site/snippets.js';
import { deepEqual, ok } from '../harness/assert.js';

describe('the docs checks', () => {
  // The package's main entry is enough to compile the snippets here.
  let api: PublicApi;
  before(() => {
    api = publicApi(entries().slice(0, 1));
  });

  it('reports a snippet that no longer compiles with its page and line', () => {
    const page = ['# A page', '', '```ts', "import { createPeer } from 'saltline';", 'createPeer(42);', '```', ''].join('\n');
    const [error = ''] = checkSnippets(snippetsOf('docs/x.md', page), api);
    ok(error.startsWith('docs/x.md:5: TS2769'), error);
  });

  it('does not compile a block marked partial', () => {
    const page = ['```ts partial', 'peer.call(', '```'].join('\n');
    deepEqual(checkSnippets(snippetsOf('docs/x.md', page), api), []);
  });

  it('reports a link to a missing page and a missing anchor', () => {
    const out = mkdtempSync(join(tmpdir(), 'saltline-links-'));
    try {
      writeFileSync(join(out, 'a.html'), '<h1 id="top">A</h1><a href="b.html">b</a><a href="a.html#nowhere">x</a><a href="#top">t</a>');
      deepEqual(brokenLinks(out), ['a.html: b.html (no such file)', 'a.html: a.html#nowhere (no such anchor)']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
