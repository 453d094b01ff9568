/** The HTML around every Markdown page: head, search box, navigation; links relative, so the site works from any path. */
import type { NavGroup } from './nav.js';

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** What one page needs. */
export interface LayoutInput {
  /** The page's path in the site: `docs/guide/websocket.html`. */
  readonly path: string;
  readonly title: string;
  readonly body: string;
  readonly nav: readonly NavGroup[];
}

/** A complete HTML document for one page. */
export function layout({ path, title, body, nav }: LayoutInput): string {
  const base = '../'.repeat(path.split('/').length - 1) || './';
  const groups = nav
    .map(
      (group) =>
        `<h2>${escapeHtml(group.title)}</h2><ul>${group.links
          .map((link) => {
            const current = link.href === path ? ' aria-current="page"' : '';
            return `<li><a href="${base}${link.href}"${current}>${escapeHtml(link.title)}</a></li>`;
          })
          .join('')}</ul>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · saltline</title>
<link rel="icon" href="${base}assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${base}assets/style.css">
<script type="module" src="${base}assets/search.js"></script>
</head>
<body data-base="${base}">
<header class="top">
<a class="brand" href="${base}index.html">saltline</a>
<div class="search" role="search">
<input id="search" type="search" placeholder="Search the docs and the API" aria-label="Search" autocomplete="off">
<ol id="search-results" hidden></ol>
</div>
</header>
<div class="layout">
<nav class="side" aria-label="Documents">
${groups}
</nav>
<main>
${body}
</main>
</div>
</body>
</html>
`;
}
