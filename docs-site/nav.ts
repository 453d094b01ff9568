/**
 * The site's navigation, built from the pages found: grouped by folder, ordered by a short list of
 * known pages, and any page not on the list (a guide another change adds) after them by title —
 * so a new page appears without an edit here.
 */
import { htmlPath } from './markdown-files.js';

/** A page as the navigation shows it. */
export interface NavPage {
  /** Relative to the root: `docs/guide/websocket.md`. */
  readonly page: string;
  /** Its first heading. */
  readonly title: string;
}

/** One group of the navigation, in order. */
export interface NavGroup {
  readonly title: string;
  readonly links: ReadonlyArray<{ readonly title: string; readonly href: string; readonly page: string }>;
}

/** Group titles by folder, in the order shown; unknown folders come after, by name. */
const GROUPS: ReadonlyArray<readonly [string, string]> = [
  ['', 'saltline'],
  ['docs/tutorials', 'Tutorials'],
  ['docs/guide', 'Guides'],
  ['docs', 'Reference'],
  ['project', 'Project'],
];

/** Known pages first, in this order; within a group, others follow by title. */
const ORDER = [
  'README.md',
  'docs/README.md',
  'docs/tutorials/worker.md',
  'docs/tutorials/websocket.md',
  'docs/tutorials/webrtc.md',
  'docs/tutorials/iframe.md',
  'docs/tutorials/extension.md',
  'docs/tutorials/electron.md',
  'docs/guide/workers.md',
  'docs/guide/streams.md',
  'docs/guide/objects.md',
  'docs/guide/reconnecting.md',
  'docs/guide/websocket.md',
  'docs/guide/webrtc.md',
  'docs/guide/window.md',
  'docs/guide/extension.md',
  'docs/guide/electron.md',
  'docs/best-practices.md',
  'docs/security.md',
  'docs/protocol.md',
  'docs/plugins.md',
  'docs/benchmarks.md',
];

/** Root pages other than the README (changelog, contributing) form the "Project" group. */
function folderOf(page: string): string {
  const slash = page.lastIndexOf('/');
  if (slash === -1) return page === 'README.md' || page === 'docs/README.md' ? '' : 'project';
  const folder = page.slice(0, slash);
  return page === 'docs/README.md' ? '' : folder;
}

/** A short label: the title up to its first colon (`WebSocket: browsers and Node` → `WebSocket`). */
const label = (page: NavPage): string => {
  if (page.page === 'README.md') return 'Overview';
  if (page.page === 'docs/README.md') return 'All documents';
  return page.title.split(/:\s/)[0] || page.page;
};

/** When short labels repeat in a group (`Tutorial: ...`), the part after the colon tells them apart. */
const after = (title: string): string => {
  const rest = title.split(/:\s/).slice(1).join(': ');
  return rest ? rest[0]!.toUpperCase() + rest.slice(1) : title;
};

/** The groups, each with its links (hrefs relative to the site root). */
export function navigation(pages: readonly NavPage[], extra: readonly { group: string; title: string; href: string }[] = []): NavGroup[] {
  const rank = (page: NavPage) => {
    const index = ORDER.indexOf(page.page);
    return index === -1 ? ORDER.length : index;
  };
  const folders = [...new Set(pages.map((page) => folderOf(page.page)))];
  const known = GROUPS.map(([folder]) => folder);
  const order = [...known.filter((folder) => folders.includes(folder)), ...folders.filter((folder) => !known.includes(folder)).sort()];
  return order.map((folder) => {
    const title = GROUPS.find(([known]) => known === folder)?.[1] ?? folder.split('/').pop()!;
    const links = pages
      .filter((page) => folderOf(page.page) === folder)
      .sort((a, b) => rank(a) - rank(b) || a.title.localeCompare(b.title))
      .map((page) => ({ title: label(page), href: htmlPath(page.page), page: page.page, full: page.title }))
      .map((link, _, all) => ({
        title: all.filter((other) => other.title === link.title).length > 1 ? after(link.full) : link.title,
        href: link.href,
        page: link.page,
      }));
    const added = extra.filter((link) => link.group === title).map((link) => ({ ...link, page: '' }));
    return { title, links: [...links, ...added] };
  });
}
