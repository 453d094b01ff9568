/**
 * The link checker: every `href` and `src` inside the built site must name a file of the site (and
 * an anchor that exists in it), or a demo of this repository (the site is served beside `demos/`).
 * Runs on the HTML, so it covers the Markdown pages and the API reference alike.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { root } from './entries.js';

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;
/** Folders the server puts beside the site, checked in the repository instead. */
const BESIDE = ['demos/'];

function htmlFiles(out: string): string[] {
  return readdirSync(out, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.html'))
    .map((entry) => relative(out, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

const ATTRIBUTE = /\s(?:href|src)="([^"]*)"/g;
const ID = /\s(?:id|name)="([^"]*)"/g;

/** Every broken internal link of the site in `out`, as `page.html: target (why)`. */
export function brokenLinks(out: string): string[] {
  const ids = new Map<string, Set<string>>();
  const idsOf = (file: string): Set<string> => {
    let found = ids.get(file);
    if (!found) {
      const html = readFileSync(join(out, file), 'utf8');
      found = new Set([...html.matchAll(ID)].map((match) => decodeURIComponent(match[1]!)));
      ids.set(file, found);
    }
    return found;
  };
  const broken: string[] = [];
  for (const page of htmlFiles(out)) {
    const html = readFileSync(join(out, page), 'utf8');
    for (const [, raw = ''] of html.matchAll(ATTRIBUTE)) {
      const href = raw.replace(/&amp;/g, '&');
      if (href === '' || EXTERNAL.test(href)) continue;
      const [path = '', hash = ''] = href.split('#', 2);
      let target = path === '' ? page : posix.normalize(posix.join(posix.dirname(page), path.split('?')[0]!));
      if (target.startsWith('../')) {
        broken.push(`${page}: ${href} (outside the site)`);
        continue;
      }
      if (BESIDE.some((folder) => `${target}/`.startsWith(folder))) {
        if (!existsSync(join(root, target))) broken.push(`${page}: ${href} (no such file in the repository)`);
        continue;
      }
      if (existsSync(join(out, target)) && statSync(join(out, target)).isDirectory()) target = posix.join(target, 'index.html');
      if (!existsSync(join(out, target))) {
        broken.push(`${page}: ${href} (no such file)`);
        continue;
      }
      if (hash !== '' && target.endsWith('.html') && !idsOf(target).has(decodeURIComponent(hash))) {
        broken.push(`${page}: ${href} (no such anchor)`);
      }
    }
  }
  return broken;
}
