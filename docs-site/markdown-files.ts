/** The Markdown the site and the docs checks read: found, not listed, so a new page needs no edit here. */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root } from './entries.js';

/** Paths relative to the root, `/`-separated: `README.md`, the other root `*.md`, then `docs/**` sorted. */
export function markdownFiles(): string[] {
  const top = readdirSync(root)
    .filter((name) => name.endsWith('.md') && name !== 'README.md')
    .sort();
  const docs = readdirSync(join(root, 'docs'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
  return ['README.md', ...top, ...docs];
}

/** Where a page lands in the site: `docs/guide/x.md` → `docs/guide/x.html`, any `README.md` → `index.html`. */
export function htmlPath(page: string): string {
  return page.replace(/(^|\/)README\.md$/, '$1index.html').replace(/\.md$/, '.html');
}
