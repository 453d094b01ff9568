/**
 * `npm run docs`: the documentation site, into `site/` (ignored by git), in a few seconds.
 *
 * - Every Markdown page (README, CHANGELOG, CONTRIBUTING, SECURITY, `docs/**`) rendered with its
 *   navigation; pages are found, so a new guide appears without an edit here.
 * - The API reference (TypeDoc) under `api/`, and a search index of both (`search-index.json`).
 * - Other files of `docs/` (the benchmark charts) copied beside their pages.
 * - Then the link checker: a broken internal link fails the build.
 *
 * `npm start` serves the site at `/`, beside the demos at `/demos/`.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildApi } from './api.js';
import { brokenLinks } from './check-site.js';
import { root } from './entries.js';
import { layout } from './layout.js';
import { htmlPath, markdownFiles } from './markdown-files.js';
import { navigation } from './nav.js';
import { type RenderedPage, renderPage } from './render.js';

/** One entry of `search-index.json`: title, where (page or entry point), url from the site root, text, kind. */
interface IndexEntry {
  readonly t: string;
  readonly s: string;
  readonly u: string;
  readonly x: string;
  readonly k: 'page' | 'api';
}

/** Longest text kept per section in the index: enough to match on, small enough to fetch at once. */
const SECTION_TEXT = 1_500;

function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** What a build made. */
export interface SiteReport {
  readonly pages: number;
  readonly symbols: number;
  readonly broken: readonly string[];
}

/** Builds the site into `out` (default `site/`), replacing what was there. */
export async function buildSite(out = join(root, 'site')): Promise<SiteReport> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const rendered = new Map<string, RenderedPage>();
  for (const page of markdownFiles()) rendered.set(page, renderPage(readFileSync(join(root, page), 'utf8')));
  const nav = navigation(
    [...rendered].map(([page, { title }]) => ({ page, title })),
    [
      { group: 'Reference', title: 'API reference', href: 'api/index.html' },
      { group: 'saltline', title: 'Demos', href: 'demos/' },
    ],
  );
  const index: IndexEntry[] = [];
  for (const [page, { title, html, sections }] of rendered) {
    const path = htmlPath(page);
    write(join(out, path), layout({ path, title, body: html, nav }));
    for (const section of sections) {
      const u = section.anchor === '' ? path : `${path}#${section.anchor}`;
      index.push({ t: section.title, s: section.title === title ? page : title, u, x: section.text.slice(0, SECTION_TEXT), k: 'page' });
    }
  }
  // The charts and any other non-Markdown file of docs/, where the pages' relative links expect them.
  for (const entry of readdirSync(join(root, 'docs'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.md')) continue;
    const file = relative(root, join(entry.parentPath, entry.name));
    cpSync(join(root, file), join(out, file));
  }
  cpSync(join(import.meta.dirname, 'assets'), join(out, 'assets'), { recursive: true });
  const symbols = await buildApi(join(out, 'api'));
  for (const symbol of symbols) {
    index.push({ t: symbol.name, s: `${symbol.kind} · ${symbol.entry}`, u: `api/${symbol.url}`, x: symbol.summary, k: 'api' });
  }
  write(join(out, 'search-index.json'), JSON.stringify(index));
  return { pages: rendered.size, symbols: symbols.length, broken: brokenLinks(out) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  const out = join(root, 'site');
  const report = await buildSite(out);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`site/: ${report.pages} pages, ${report.symbols} API names, in ${seconds} s`);
  for (const link of report.broken) console.error(`broken link: ${link}`);
  if (report.broken.length > 0) process.exit(1);
}
