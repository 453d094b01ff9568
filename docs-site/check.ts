/**
 * `npm run check:docs`, a step of `npm test`: the documentation is checked like code.
 *
 * - Every public export has a doc comment, and every field of its options types says its default.
 * - Every ```ts block of the README and docs/ compiles against the package (docs-site/snippets.ts).
 * - The site builds into `site/` with no broken internal link (a page, a file or an `#anchor`).
 *
 * A step rather than a node test: it builds two TypeScript programs and the TypeDoc reference,
 * which on a busy machine takes longer than the Node suite allows one test file.
 */
import { join } from 'node:path';
import { buildSite } from './build.js';
import { root } from './entries.js';
import { publicApi, undocumentedExports } from './exports.js';
import { allSnippets, checkSnippets } from './snippets.js';

const started = performance.now();
const api = publicApi();
const problems = [
  ...undocumentedExports(api).map((name) => `undocumented export: ${name}`),
  ...checkSnippets(allSnippets(), api).map((error) => `snippet: ${error}`),
];
const report = await buildSite(join(root, 'site'));
problems.push(...report.broken.map((link) => `broken link: ${link}`));
for (const problem of problems) console.error(problem);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`docs: ${report.pages} pages, ${report.symbols} API names, ${problems.length} problems, ${seconds} s`);
if (problems.length > 0) process.exit(1);
